//! The one rule registry: a rule id the config names must exist (exit 2,
//! naming it), and a disabled rule of any family neither runs nor is
//! listed (`rules`, SARIF's `tool.driver.rules`).

use crate::common::archive::{docker_save, Layer};
use crate::common::{run, stderr, stdout};
use serde_json::Value;
use std::path::Path;

fn sarif_rule_ids(v: &Value) -> Vec<String> {
    v["runs"][0]["tool"]["driver"]["rules"]
        .as_array()
        .expect("rules array")
        .iter()
        .filter_map(|r| r["id"].as_str().map(str::to_string))
        .collect()
}

fn sarif_result_ids(v: &Value) -> Vec<String> {
    v["runs"][0]["results"]
        .as_array()
        .expect("results array")
        .iter()
        .filter_map(|r| r["ruleId"].as_str().map(str::to_string))
        .collect()
}

fn sarif(dir: &Path, args: &[&str]) -> Value {
    let o = run(dir, args);
    serde_json::from_str(&stdout(&o)).unwrap_or_else(|e| panic!("{e}: {}", stderr(&o)))
}

/// A docker-save image that runs as root and has a setuid file.
fn root_image() -> Vec<u8> {
    let mut l = Layer::default();
    l.file_mode("usr/bin/su", b"\x7fELF", 0o4755);
    let cfg = br#"{"architecture":"amd64","os":"linux","config":{"User":""},"rootfs":{"type":"layers","diff_ids":["sha256:00"]}}"#;
    docker_save("root:1", &[l.bytes()], cfg)
}

#[test]
fn an_unknown_rule_id_in_the_config_is_an_error_naming_it() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    std::fs::write(d.join("Dockerfile"), "FROM debian:12\n").unwrap();
    std::fs::write(d.join("img.tar"), root_image()).unwrap();
    std::fs::write(
        d.join(".stowaway.toml"),
        "[rules]\ndisable = [\n  \"dockerfile-runs-as-root\",\n  \"aws-acess-key-id\",\n]\n",
    )
    .unwrap();
    for args in [
        &["scan", "."][..],
        &["dockerfile", "Dockerfile"],
        &["image", "img.tar"],
        &["rules", "--config", ".stowaway.toml"],
        &["explain", "aws-access-key-id", "--config", ".stowaway.toml"],
        &["baseline", "create", "."],
    ] {
        let o = run(d, args);
        let err = stderr(&o);
        assert_eq!(o.status.code(), Some(2), "{args:?}: {err}");
        assert!(
            err.contains(".stowaway.toml:4") && err.contains("`aws-acess-key-id`"),
            "{args:?}: {err}"
        );
    }
    // Every family's ids, and the config's own rules, are known.
    std::fs::write(
        d.join(".stowaway.toml"),
        "[rules]\ndisable = [\"dockerfile-runs-as-root\", \"image-setuid-file\", \"aws-access-key-id\", \"my-rule\"]\n\n[[rule]]\nid = \"my-rule\"\nname = \"x\"\ndescription = \"x\"\nseverity = \"high\"\nkeywords = [\"zzqx\"]\nregex = 'zzqx(?P<secret>[0-9]{12})'\n",
    )
    .unwrap();
    let o = run(d, &["scan", "."]);
    assert_ne!(o.status.code(), Some(2), "{}", stderr(&o));
    assert!(!stderr(&o).contains("error"), "{}", stderr(&o));
}

#[test]
fn disabled_dockerfile_and_image_rules_neither_run_nor_are_listed() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    std::fs::write(d.join("Dockerfile"), "FROM debian:12\nRUN echo hi\n").unwrap();
    std::fs::write(d.join("img.tar"), root_image()).unwrap();
    let scan = ["scan", ".", "--exclude", "img.tar", "--format", "sarif"];
    let image = ["image", "img.tar", "--format", "sarif"];
    // Without a config each rule fires and is listed.
    let v = sarif(d, &scan);
    assert!(sarif_result_ids(&v).contains(&"dockerfile-missing-user".to_string()));
    let v = sarif(d, &image);
    for id in ["image-runs-as-root", "image-setuid-file"] {
        assert!(sarif_result_ids(&v).contains(&id.to_string()), "{id}");
        assert!(sarif_rule_ids(&v).contains(&id.to_string()), "{id}");
    }
    std::fs::write(
        d.join(".stowaway.toml"),
        "[rules]\ndisable = [\"dockerfile-missing-user\", \"image-runs-as-root\", \"image-setuid-file\"]\n",
    )
    .unwrap();
    let v = sarif(d, &scan);
    let listed = sarif_rule_ids(&v);
    assert!(!listed.contains(&"dockerfile-missing-user".to_string()));
    assert!(!sarif_result_ids(&v).contains(&"dockerfile-missing-user".to_string()));
    // It did not run: nothing was made to be suppressed.
    let o = run(
        d,
        &["scan", ".", "--exclude", "img.tar", "--format", "json"],
    );
    let j: Value = serde_json::from_str(&stdout(&o)).unwrap();
    assert_eq!(j["summary"]["suppressed"], 0, "{j}");
    let v = sarif(d, &image);
    for id in ["image-runs-as-root", "image-setuid-file"] {
        assert!(!sarif_result_ids(&v).contains(&id.to_string()), "{id}");
        assert!(!sarif_rule_ids(&v).contains(&id.to_string()), "{id}");
    }
    assert!(sarif_rule_ids(&v).contains(&"image-credential-file".to_string()));
    // `rules` lists what runs.
    let o = run(d, &["rules", "--config", ".stowaway.toml"]);
    let listed = stdout(&o);
    assert!(!listed.contains("dockerfile-missing-user "), "{listed}");
    assert!(!listed.contains("image-setuid-file "), "{listed}");
    assert!(listed.contains("image-credential-file "), "{listed}");
}

/// The policy stage counts every suppression once, whatever made it: an
/// inline `stowaway:allow` on a secret's line, a Dockerfile pragma
/// (`# hadolint ignore=…`), and a `[allow] paths` entry of the config.
#[test]
fn every_suppression_is_counted_once() {
    let t = tempfile::tempdir().unwrap();
    let d = t.path();
    let key = crate::common::akia();
    std::fs::write(
        d.join("app.env"),
        format!("AWS_ACCESS_KEY_ID={key} # stowaway:allow\n"),
    )
    .unwrap();
    std::fs::write(
        d.join("Dockerfile"),
        "FROM alpine:3.19@sha256:0000000000000000000000000000000000000000000000000000000000000000\n\
         # hadolint ignore=DL3002\nUSER root\n",
    )
    .unwrap();
    let scan = ["scan", ".", "--format", "json"];
    let j: Value = serde_json::from_str(&stdout(&run(d, &scan))).unwrap();
    let ids: Vec<&str> = j["findings"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|f| f["rule_id"].as_str())
        .collect();
    assert!(!ids.iter().any(|i| i.starts_with("aws")), "{j}");
    let suppressed = j["summary"]["suppressed"].as_u64().unwrap();
    // The secret and every root rule the DL3002 pragma maps to.
    assert!(suppressed >= 2, "{j}");
    // A path allow on top hides the rest of the Dockerfile's findings, each
    // counted once more.
    let before = j["findings"].as_array().unwrap().len() as u64;
    std::fs::write(
        d.join(".stowaway.toml"),
        "[allow]\npaths = [\"Dockerfile\"]\n",
    )
    .unwrap();
    let j2: Value = serde_json::from_str(&stdout(&run(d, &scan))).unwrap();
    assert_eq!(j2["findings"].as_array().unwrap().len(), 0, "{j2}");
    assert_eq!(
        j2["summary"]["suppressed"].as_u64().unwrap(),
        suppressed + before,
        "{j2}"
    );
}
