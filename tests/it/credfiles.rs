//! Credential files and decoding, end to end: each format gets a positive
//! and a negative fixture, built here at run time (so this repository's own
//! scan finds nothing in this file), scanned by the binary. Findings must
//! point at the secret part only; decoded values are reported at their
//! encoded text with a `decoded` field.

use crate::common::{ghp, run, stdout};
use base64::engine::general_purpose::STANDARD;
use base64::Engine;
use serde_json::Value;
use std::path::Path;

fn b64(s: &str) -> String {
    STANDARD.encode(s)
}

/// A password-shaped fake value, distinct per `n`.
fn pw(n: u8) -> String {
    ["Zq8vT2", "mWx9L", &format!("p{n}R")].concat()
}

#[derive(Debug)]
struct Hit {
    rule: String,
    path: String,
    secret: String,
    decoded: Option<String>,
    message: String,
    line: u64,
}

fn write(dir: &Path, rel: &str, text: &str) {
    let p = dir.join(rel);
    std::fs::create_dir_all(p.parent().unwrap()).unwrap();
    std::fs::write(p, text).unwrap();
}

fn scan(dir: &Path) -> Vec<Hit> {
    let out = run(
        dir,
        &[
            "scan",
            ".",
            "--format",
            "json",
            "--no-redact",
            "--no-progress",
        ],
    );
    let v: Value = serde_json::from_str(&stdout(&out)).expect("json report");
    v["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| Hit {
            rule: f["rule_id"].as_str().unwrap().into(),
            path: f["path"].as_str().unwrap().into(),
            secret: f["secret"].as_str().unwrap_or("").into(),
            decoded: f["extra"]["decoded"].as_str().map(String::from),
            message: f["message"].as_str().unwrap().into(),
            line: f["line"].as_u64().unwrap(),
        })
        .collect()
}

/// Scan one file alone in a fresh directory.
fn scan_one(rel: &str, text: &str) -> Vec<Hit> {
    let dir = tempfile::tempdir().unwrap();
    write(dir.path(), rel, text);
    scan(dir.path())
}

fn only(hits: &[Hit]) -> &Hit {
    assert_eq!(hits.len(), 1, "{hits:#?}");
    &hits[0]
}

#[test]
fn pgpass() {
    let h = scan_one(
        ".pgpass",
        &format!("# local\ndb.internal:5432:*:app:{}\n", pw(1)),
    );
    let h = only(&h);
    assert_eq!(
        (h.rule.as_str(), h.secret.as_str()),
        ("pgpass-password", pw(1).as_str())
    );
    assert_eq!(h.line, 2);
    assert!(scan_one(".pgpass", "*:*:*:app:changeme\n*:*:*:u:*\n").is_empty());
    // The same line in a file of another name is not a pgpass line.
    assert!(scan_one("notes.conf", &format!("db:5432:*:app:{}\n", pw(1))).is_empty());
}

#[test]
fn git_credentials_and_config() {
    let host = "@git.example.org";
    let text = format!(
        "https://ci:{}{host}\nhttps://ci:{}%21x{host}\nhttps://ci:${{TOKEN}}{host}\n",
        pw(2),
        pw(3)
    );
    let h = scan_one(".git-credentials", &text);
    assert_eq!(h.len(), 2, "{h:#?}");
    assert!(h.iter().all(|h| h.rule == "git-credentials-password"));
    assert_eq!(h[0].secret, pw(2));
    assert_eq!((h[0].decoded.as_deref()), None);
    // A percent-encoded password is judged decoded and reported as written.
    assert_eq!(h[1].secret, format!("{}%21x", pw(3)));
    assert_eq!(h[1].decoded.as_deref(), Some("percent-encoding"));
    assert!(h[1].message.contains("decoded from percent-encoding"));

    // A known token in the URL is reported by its own rule.
    let h = scan_one(
        ".git-credentials",
        &format!("https://x-access-token:{}@github.com\n", ghp()),
    );
    assert_eq!(only(&h).rule, "github-classic-pat");

    let cfg = format!(
        "[remote \"origin\"]\n\turl = https://ci:{}{host}/a/b.git\n[remote \"up\"]\n\turl = git@github.com:a/b.git\n\turl = https://github.com/a/b.git\n",
        pw(4)
    );
    let h = scan_one(".gitconfig", &cfg);
    let h = only(&h);
    assert_eq!(
        (h.rule.as_str(), h.secret.as_str()),
        ("git-config-url-credentials", pw(4).as_str())
    );
    assert!(scan_one(
        ".gitconfig",
        "[remote \"o\"]\n\turl = https://ci:${PAT}@git.example.org/x\n"
    )
    .is_empty());
}

/// A `.git/config` is never walked in a tree (the walker skips `.git/`),
/// but one shipped in an image layer or archive is read by name.
#[test]
fn git_config_inside_an_image_path() {
    use stowaway::scan::{Item, Origin, Pipeline, Sink, Worker};
    let scanner = stowaway::secrets::Scanner::builtin().unwrap();
    let pipeline = Pipeline::new(&scanner, Default::default());
    let text = format!(
        "[remote \"origin\"]\n\turl = https://ci:{}@git.example.org/a.git\n",
        pw(5)
    );
    let mut found = Vec::new();
    for display in ["srv/app/.git/config", "srv/app/config"] {
        let mut sink = Sink::default();
        let item = Item {
            display,
            origin: Origin::LayerEntry {
                size: text.len() as u64,
            },
            reader: text.as_bytes(),
        };
        pipeline
            .scan(&mut Worker::default(), item, &mut sink)
            .unwrap();
        found.push(
            sink.findings()
                .iter()
                .map(|f| f.rule_id.clone())
                .collect::<Vec<_>>(),
        );
    }
    assert_eq!(found[0], vec!["git-config-url-credentials"]);
    // Elsewhere the URL is still seen, by the generic URL rule.
    assert_eq!(found[1], vec!["http-url-credentials"]);
}

#[test]
fn npmrc_auth_is_decoded() {
    let text = format!(
        "_auth={}\n//r.example.org/:_password={}\n_auth={}\n_auth=this-is-not-base64!\n",
        b64(&format!("ci:{}", pw(6))),
        b64(&pw(7)),
        b64("user:password"),
    );
    let h = scan_one(".npmrc", &text);
    assert_eq!(h.len(), 2, "{h:#?}");
    assert_eq!(h[0].secret, b64(&format!("ci:{}", pw(6))));
    assert_eq!(h[1].secret, b64(&pw(7)));
    assert!(h.iter().all(|h| h.decoded.as_deref() == Some("base64")));
}

#[test]
fn pypirc_and_s3cfg() {
    let h = scan_one(
        ".pypirc",
        &format!(
            "[pypi]\nusername = ci\npassword = {}\n[test]\npassword = <your password>\n",
            pw(8)
        ),
    );
    assert_eq!(only(&h).rule, "pypirc-password");
    assert_eq!(only(&h).secret, pw(8));
    assert!(scan_one(".pypirc", "[pypi]\nusername = ci\npassword =\n").is_empty());

    let secret = [pw(9), "Kq9vT2mWx8LpZr4Nv7Xt3Bq6".into()].concat();
    let h = scan_one(
        ".s3cfg",
        &format!("[default]\naccess_key = AK\nsecret_key = {secret}\n"),
    );
    assert_eq!(
        (only(&h).rule.as_str(), only(&h).secret.as_str()),
        ("s3cfg-secret-key", secret.as_str())
    );
    assert!(scan_one(
        ".s3cfg",
        "[default]\nsecret_key = \ngpg_command = /usr/bin/gpg\n"
    )
    .is_empty());
}

#[test]
fn rails_keys() {
    let key: String = ["9f86d081", "884c7d65", "9a2feaa0", "c55ad015"].concat();
    let h = scan_one("config/master.key", &format!("{key}\n"));
    assert_eq!(
        (only(&h).rule.as_str(), only(&h).secret.as_str()),
        ("rails-master-key", key.as_str())
    );
    assert_eq!(
        only(&scan_one("config/credentials/production.key", &key)).rule,
        "rails-master-key"
    );
    assert!(scan_one("config/master.key", "see the vault\n").is_empty());
    assert!(scan_one("config/other.key", &key).is_empty());

    let base: String = (0..8)
        .map(|i| format!("{:016x}", 0x9e37_79b9_7f4a_7c15u64.wrapping_mul(i + 3)))
        .collect();
    let h = scan_one(
        "config/secrets.yml",
        &format!("production:\n  secret_key_base: {base}\n"),
    );
    assert_eq!(only(&h).rule, "rails-secret-key-base");
    assert!(scan_one(
        "config/secrets.yml",
        "production:\n  secret_key_base: <%= ENV[\"SECRET_KEY_BASE\"] %>\n"
    )
    .is_empty());
}

#[test]
fn filezilla_passwords_are_decoded() {
    let xml = |p: &str| {
        format!(
            "<?xml version=\"1.0\"?>\n<FileZilla3><Servers><Server><Host>ftp.example.org</Host><User>ci</User>\n<Pass encoding=\"base64\">{}</Pass></Server></Servers></FileZilla3>\n",
            b64(p)
        )
    };
    let h = scan_one("sitemanager.xml", &xml(&pw(10)));
    let h = only(&h);
    assert_eq!(h.rule, "filezilla-password");
    assert_eq!(h.secret, b64(&pw(10)));
    assert_eq!((h.line, h.decoded.as_deref()), (3, Some("base64")));
    assert!(scan_one("recentservers.xml", &xml("changeme")).is_empty());
    // Encrypted with a master password: not readable, not reported.
    let crypt = "<FileZilla3><Server><Pass encoding=\"crypt\" pubkey=\"x\">Q2lwaGVy</Pass></Server></FileZilla3>";
    assert!(scan_one("sitemanager.xml", crypt).is_empty());
}

#[test]
fn docker_config_auth_is_decoded() {
    let cfg = serde_json::json!({"auths": {
        "ghcr.io": {"auth": b64(&format!("ci:{}", pw(11)))},
        "r.example.org": {"auth": b64("nocolon-in-this-value")},
        "docker.io": {"auth": b64("user:pass")},
        "quay.io": {"identitytoken": pw(12)},
    }});
    let h = scan_one(
        ".docker/config.json",
        &serde_json::to_string_pretty(&cfg).unwrap(),
    );
    assert_eq!(h.len(), 2, "{h:#?}");
    assert_eq!(
        (h[0].rule.as_str(), h[0].decoded.as_deref()),
        ("docker-config-auth", Some("base64"))
    );
    assert_eq!(h[0].secret, b64(&format!("ci:{}", pw(11))));
    assert_eq!(
        (h[1].rule.as_str(), h[1].secret.as_str()),
        ("docker-config-identity-token", pw(12).as_str())
    );

    // A token inside the auth is reported by its own rule, at the encoded text.
    let old = serde_json::json!({"https://index.docker.io/v1/": {"auth": b64(&format!("ci:{}", ghp())), "email": "ci@example.org"}});
    let h = scan_one(".dockercfg", &old.to_string());
    let h = only(&h);
    assert_eq!(
        (h.rule.as_str(), h.decoded.as_deref()),
        ("github-classic-pat", Some("base64"))
    );
    assert_eq!(h.secret, b64(&format!("ci:{}", ghp())));
    assert!(h.message.contains("decoded from base64"), "{}", h.message);
}

#[test]
fn kubernetes_secret_manifests() {
    let inner =
        serde_json::json!({"auths": {"r.example.org": {"auth": b64(&format!("ci:{}", pw(14)))}}});
    let yaml = format!(
        "apiVersion: v1\nkind: Secret\nmetadata:\n  name: db\ntype: Opaque\ndata:\n  password: {}\n  username: {}\n  db-password: {}\n  github-token: {}\nstringData:\n  api-token: \"{}\"\n---\napiVersion: v1\nkind: Secret\ntype: kubernetes.io/dockerconfigjson\ndata:\n  .dockerconfigjson: {}\n",
        b64(&pw(13)),
        b64("admin"),
        b64("changeme"),
        b64(&ghp()),
        pw(15),
        b64(&inner.to_string()),
    );
    let h = scan_one("k8s/secret.yaml", &yaml);
    let got: Vec<_> = h
        .iter()
        .map(|h| (h.rule.as_str(), h.line, h.decoded.as_deref()))
        .collect();
    assert_eq!(
        got,
        vec![
            ("kubernetes-secret-data", 7, Some("base64")),
            ("github-classic-pat", 10, Some("base64")),
            ("kubernetes-secret-data", 12, None),
            // base64 of a dockerconfigjson holding a base64 auth: two layers.
            ("docker-config-auth", 18, Some("base64")),
        ],
        "{h:#?}"
    );
    assert_eq!(h[0].secret, b64(&pw(13)));
    assert_eq!(h[1].secret, b64(&ghp()));

    // The same data in a ConfigMap, or a Secret of placeholders: nothing.
    let cm = format!(
        "apiVersion: v1\nkind: ConfigMap\ndata:\n  password: {}\n",
        b64(&pw(13))
    );
    let h = scan_one("k8s/cm.yaml", &cm);
    assert!(
        h.iter()
            .all(|h| h.rule != "kubernetes-secret-data" && h.decoded.is_none()),
        "{h:#?}"
    );
    let ph = format!(
        "kind: Secret\ndata:\n  password: {}\n  token: {}\n",
        b64("changeme"),
        b64("${TOKEN}")
    );
    assert!(scan_one("k8s/s.yml", &ph).is_empty());
}

#[test]
fn kubeconfig_users() {
    let cfg = format!(
        "apiVersion: v1\nkind: Config\nclusters: []\nusers:\n- name: ci\n  user:\n    username: ci\n    password: {}\n- name: other\n  user:\n    token: ${{KUBE_TOKEN}}\ncontexts: []\n",
        pw(16)
    );
    for name in [".kube/config", "deploy/kubeconfig", "deploy/cluster.yaml"] {
        let h = scan_one(name, &cfg);
        assert_eq!(
            (only(&h).rule.as_str(), only(&h).secret.as_str()),
            ("kubeconfig-credential", pw(16).as_str()),
            "{name}"
        );
    }
    assert!(scan_one(
        ".kube/config",
        "users:\n- name: ci\n  user:\n    client-certificate: ci.crt\n"
    )
    .is_empty());
}

#[test]
fn terraform_state() {
    let state = serde_json::json!({
        "version": 4,
        "outputs": {
            "db_pw": {"value": pw(17), "type": "string", "sensitive": true},
            "endpoint": {"value": "db.internal:5432", "type": "string"},
        },
        "resources": [{"type": "aws_db_instance", "instances": [{"attributes": {
            "id": "db-1", "password": pw(18), "password_length": "16", "username": "admin",
            "secret_string": "${var.secret}",
        }}]}],
    });
    let h = scan_one(
        "infra/prod.tfstate",
        &serde_json::to_string_pretty(&state).unwrap(),
    );
    let secrets: Vec<_> = h
        .iter()
        .map(|h| (h.rule.as_str(), h.secret.as_str()))
        .collect();
    assert_eq!(
        secrets,
        vec![
            ("terraform-state-secret", pw(17).as_str()),
            ("terraform-state-secret", pw(18).as_str())
        ]
    );
    let plain = serde_json::json!({"outputs": {"db_pw": {"value": pw(17), "type": "string"}}, "resources": []});
    assert!(scan_one("infra/prod.tfstate", &plain.to_string()).is_empty());
}

#[test]
fn notebooks_read_cells_not_images() {
    let key = crate::common::akia();
    let nb = serde_json::json!({
        "cells": [
            {"cell_type": "code", "source": ["import os\n", format!("password = \"{}\"\n", pw(19))],
             "outputs": [{"output_type": "stream", "name": "stdout", "text": [format!("token {}\n", ghp())]}]},
            {"cell_type": "code", "source": ["plot()\n"], "outputs": [{"output_type": "display_data",
              "data": {"image/png": format!("iVBORw0KGgoAAAANSUhEUg/{key}/AAAA"), "text/plain": ["<Figure>"]}}]},
        ],
        "metadata": {}, "nbformat": 4, "nbformat_minor": 5,
    });
    let text = serde_json::to_string_pretty(&nb).unwrap();
    let h = scan_one("analysis.ipynb", &text);
    let mut got: Vec<_> = h
        .iter()
        .map(|h| (h.rule.as_str(), h.secret.as_str()))
        .collect();
    got.sort();
    let (pw19, token) = (pw(19), ghp());
    assert_eq!(
        got,
        vec![
            ("generic-secret-assignment", pw19.as_str()),
            ("github-classic-pat", token.as_str())
        ],
        "{h:#?}"
    );
    // The key inside the image data is found in any other JSON file: only
    // the notebook's reading of it as an image keeps it out.
    let h = scan_one("analysis.json", &text);
    assert!(h.iter().any(|h| h.secret == key), "{h:#?}");
}

#[test]
fn shadow_and_htpasswd_hashes() {
    let salt = "yoPIGzKEjiYtBRSzjMPCls";
    let hash = "Kbv2HDbB4RL/2Bn06MAjVquSVhSX3EJ3NY0bdwd8.XD";
    let text = format!("root:!:19700:0:99999:7:::\ndaemon:*:19700:0:99999:7:::\nalice:$y$j9T${salt}${hash}:19700:0:99999:7:::\n");
    let h = scan_one("etc/shadow", &text);
    assert_eq!(only(&h).rule, "shadow-password-hash");
    assert_eq!(only(&h).secret, format!("$y$j9T${salt}${hash}"));
    assert!(scan_one("etc/shadow", "root:!:19700:0:99999:7:::\n").is_empty());
}

#[test]
fn netrc_and_wp_config_by_existing_rules() {
    let h = scan_one(
        ".netrc",
        &format!(
            "machine git.example.org\n  login ci\n  password {}\n",
            pw(20)
        ),
    );
    assert_eq!(only(&h).rule, "netrc-password");
    let wp = format!(
        "<?php\ndefine( 'DB_NAME', 'wp' );\ndefine( 'DB_PASSWORD', '{}' );\n",
        pw(21)
    );
    let h = scan_one("wp-config.php", &wp);
    assert_eq!(only(&h).secret, pw(21));
    assert!(scan_one(
        "wp-config.php",
        "<?php\ndefine( 'DB_PASSWORD', 'password_here' );\n"
    )
    .is_empty());
}

#[test]
fn inline_allow_applies_to_detectors() {
    let h = scan_one(
        ".pgpass",
        &format!("db:5432:*:app:{} # stowaway:allow\n", pw(22)),
    );
    assert!(h.is_empty(), "{h:#?}");
}

#[test]
fn every_detector_rule_is_explained() {
    let dir = tempfile::tempdir().unwrap();
    let rules = run(dir.path(), &["rules"]);
    for r in stowaway::secrets::files::rules() {
        assert!(stdout(&rules).contains(&r.id), "{} not in `rules`", r.id);
        let o = run(dir.path(), &["explain", &r.id]);
        assert!(o.status.success(), "{}", r.id);
        let text = stdout(&o);
        assert!(
            text.contains("Read in:") && text.contains(&r.name),
            "{text}"
        );
    }
}
