//! Every Dockerfile rule fires on its `hit` fixture and stays quiet on its
//! `ok` fixture (tests/fixtures/dockerfile/rules/<rule-id>.{hit,ok}.Dockerfile);
//! plus the context-dependent cases and inline ignores.

use std::path::{Path, PathBuf};
use stowaway::dockerfile::{lint, rules, LintOptions};
use stowaway::report::Finding;
use stowaway::secrets::Scanner;

fn fixtures() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/dockerfile/rules")
}

/// A syntactically valid npm token, assembled so this file holds none.
fn npm_token() -> String {
    format!("npm_{}{}", "PAuOosTP7uRczyEROB1j", "ITnj0jfMhc0Z8yJW")
}

fn scanner() -> &'static Scanner {
    static S: std::sync::OnceLock<Scanner> = std::sync::OnceLock::new();
    S.get_or_init(|| Scanner::builtin().expect("built-in rules compile"))
}

fn run(text: &str, context: Option<&Path>) -> Vec<Finding> {
    let opts = LintOptions {
        secrets: Some(scanner()),
        target: None,
        context_dir: context.map(Path::to_path_buf),
    };
    lint(
        "Dockerfile",
        text.replace("@@NPM@@", &npm_token()).as_bytes(),
        &opts,
    )
}

/// Rules only checked against the files next to the Dockerfile.
fn context_for(rule: &str, kind: &str, dir: &Path) -> bool {
    match (rule, kind) {
        ("dockerfile-broad-copy", "hit") => {
            std::fs::write(dir.join(".dockerignore"), "node_modules\n").unwrap();
            true
        }
        ("dockerfile-broad-copy", "ok") => {
            std::fs::write(dir.join(".dockerignore"), ".git\n.env*\n!.env.example\n").unwrap();
            true
        }
        ("dockerfile-copy-ignored-file", kind) => {
            let ignore = if kind == "hit" {
                "config/\n"
            } else {
                "config/\n!config/app.ini\n/src/*.tmp\n"
            };
            std::fs::write(dir.join(".dockerignore"), ignore).unwrap();
            true
        }
        _ => false,
    }
}

#[test]
fn every_rule_has_a_hit_and_an_ok_fixture() {
    let mut missing = Vec::new();
    for meta in rules() {
        for kind in ["hit", "ok"] {
            let path = fixtures().join(format!("{}.{kind}.Dockerfile", meta.id));
            let Ok(text) = std::fs::read_to_string(&path) else {
                missing.push(path.display().to_string());
                continue;
            };
            let tmp = tempfile::tempdir().unwrap();
            let ctx = context_for(&meta.id, kind, tmp.path()).then(|| tmp.path());
            let found = run(&text, ctx);
            let hits: Vec<_> = found.iter().filter(|f| f.rule_id == meta.id).collect();
            if kind == "hit" {
                assert!(
                    !hits.is_empty(),
                    "{} did not fire on its hit fixture: {found:#?}",
                    meta.id
                );
            } else {
                assert!(
                    hits.is_empty(),
                    "{} fired on its ok fixture: {hits:#?}",
                    meta.id
                );
                // ok fixtures are clean of everything but the digest nag.
                let other: Vec<_> = found
                    .iter()
                    .filter(|f| f.rule_id != "dockerfile-base-image-no-digest")
                    .map(|f| (&f.rule_id, f.span.line, &f.message))
                    .collect();
                assert!(
                    other.is_empty() || meta.id == "dockerfile-broad-copy",
                    "{}: ok fixture has other findings: {other:#?}",
                    meta.id
                );
            }
            for f in &found {
                if let Some(s) = &f.secret {
                    assert!(
                        !f.message.contains(s.as_str()),
                        "message leaks the secret: {f:?}"
                    );
                }
                assert_eq!(f.path, "Dockerfile");
                assert!(f.span.line >= 1);
            }
        }
    }
    assert!(missing.is_empty(), "missing fixtures: {missing:#?}");
}

fn ids(f: &[Finding]) -> Vec<(&str, u32)> {
    f.iter()
        .map(|f| (f.rule_id.as_str(), f.span.line))
        .collect()
}

#[test]
fn spans_point_at_the_offending_text() {
    let f = run(
        "FROM golang:1.22 AS build\nFROM alpine:3.20\nCOPY --from=biuld /app /app\nUSER app\n",
        None,
    );
    let c = f
        .iter()
        .find(|f| f.rule_id == "dockerfile-copy-from-unknown-stage")
        .unwrap();
    assert_eq!((c.span.line, c.span.column, c.span.end_column), (3, 6, 18));

    let text = "FROM alpine:3.20\nENV NPM_TOKEN=@@NPM@@\nUSER app\n";
    let f = run(text, None);
    let s = f
        .iter()
        .find(|f| f.rule_id == "dockerfile-secret-in-env-arg")
        .unwrap();
    assert_eq!(s.secret.as_deref(), Some(npm_token().as_str()));
    assert_eq!((s.span.line, s.span.column), (2, 15));
    assert_eq!(
        s.snippet.as_deref(),
        Some(format!("ENV NPM_TOKEN={}", npm_token()).as_str())
    );
}

#[test]
fn missing_user_anchors_to_final_from_and_honours_target() {
    let text = "FROM alpine:3.20 AS build\nUSER app\nFROM alpine:3.20 AS final\nRUN true\n";
    let f = run(text, None);
    assert!(lines_of(&f, "dockerfile-runs-as-root").is_empty());
    let r: Vec<_> = f
        .iter()
        .filter(|f| f.rule_id == "dockerfile-missing-user")
        .collect();
    assert_eq!(r.len(), 1);
    assert_eq!(r[0].span.line, 3);
    let opts = LintOptions {
        secrets: Some(scanner()),
        target: Some("build".into()),
        context_dir: None,
    };
    let f = lint("Dockerfile", text.as_bytes(), &opts);
    assert!(
        f.iter().all(|f| f.rule_id != "dockerfile-missing-user"),
        "{f:#?}"
    );
}

#[test]
fn credential_files_resolved_through_wildcards_and_dockerignore() {
    let tmp = tempfile::tempdir().unwrap();
    let d = tmp.path();
    std::fs::create_dir_all(d.join("certs")).unwrap();
    std::fs::create_dir_all(d.join("src")).unwrap();
    std::fs::write(d.join(".env"), "A=1\n").unwrap();
    std::fs::write(d.join(".env.example"), "A=\n").unwrap();
    let key = format!("-----BEGIN {} KEY-----\nnot a key\n", "PRIVATE");
    std::fs::write(d.join("certs/server.key"), key).unwrap();
    std::fs::write(d.join("certs/ca.pem"), "-----BEGIN CERTIFICATE-----\n").unwrap();
    std::fs::write(d.join("src/main.py"), "print(1)\n").unwrap();
    let text = "FROM python:3.12-slim\nCOPY . /app\nCOPY certs/*.key /etc/ssl/\nUSER app\n";
    let f = run(text, Some(d));
    let mut got: Vec<_> = f
        .iter()
        .filter(|f| f.rule_id == "dockerfile-credential-file-copied")
        .map(|f| (f.span.line, f.message.clone()))
        .collect();
    got.sort();
    assert_eq!(got.len(), 3, "{got:#?}");
    assert!(got[0].1.contains("`.env`"));
    assert!(got[1].1.contains("certs/server.key"));
    assert!(got[2].1.contains("certs/server.key") && got[2].0 == 3);
    assert!(f.iter().any(|f| f.rule_id == "dockerfile-broad-copy"));

    std::fs::write(d.join(".dockerignore"), ".git\n.env*\n**/*.key\n").unwrap();
    let f = run(text, Some(d));
    assert!(
        f.iter()
            .all(|f| f.rule_id != "dockerfile-credential-file-copied"
                && f.rule_id != "dockerfile-broad-copy"),
        "{:#?}",
        ids(&f)
    );
}

#[test]
fn inline_ignores() {
    let text = "\
# stowaway:ignore-file=base-image-no-digest
FROM python:3.12-slim
# hadolint ignore=DL3004
RUN sudo true
# trivy:ignore:AVD-DS-0009
WORKDIR app
# stowaway:ignore=dockerfile-ssh-exposed -- bastion image
EXPOSE 22
# hadolint ignore=DL3002
USER root
RUN wget -qO- https://x | tar x
";
    let f = run(text, None);
    assert_eq!(ids(&f), vec![("dockerfile-pipe-without-pipefail", 11)]);
}

#[test]
fn messages_never_contain_secrets_from_run() {
    let text = "FROM alpine:3.20\nRUN npm config set //registry.npmjs.org/:_authToken=@@NPM@@ && aws configure set aws_secret_access_key Zq8vLm2xR4tWp9sKfY3uQw7e\nUSER app\n";
    let f = run(text, None);
    let s: Vec<_> = f
        .iter()
        .filter(|f| f.rule_id == "dockerfile-secret-in-run")
        .collect();
    assert_eq!(s.len(), 2, "{s:#?}");
    for x in s {
        let secret = x.secret.as_deref().unwrap();
        assert!(!x.message.contains(secret));
        assert_eq!(x.span.line, 2);
    }
}

#[test]
fn equivalents_are_listed_per_rule() {
    let eq = |id: &str| {
        rules()
            .into_iter()
            .find(|m| m.id == id)
            .map(|m| m.equivalents)
            .unwrap_or_default()
    };
    assert!(eq("dockerfile-runs-as-root").contains(&"hadolint:DL3002".to_string()));
    assert!(eq("dockerfile-runs-as-root").contains(&"trivy:DS002".to_string()));
    // hadolint's DL3002 never judges a missing USER; trivy's DS002 does
    assert_eq!(eq("dockerfile-missing-user"), ["trivy:DS002"]);
    assert!(
        eq("dockerfile-secret-in-env-arg").contains(&"buildkit:SecretsUsedInArgOrEnv".to_string())
    );
    // every peer id that an inline ignore maps is listed on the rule it maps to
    let text = "FROM alpine:3.20\n# trivy:ignore:DS002\nUSER root\n";
    assert!(run(text, None)
        .iter()
        .all(|f| f.rule_id != "dockerfile-runs-as-root"));
}

fn lines_of(f: &[Finding], rule: &str) -> Vec<u32> {
    f.iter()
        .filter(|f| f.rule_id == rule)
        .map(|f| f.span.line)
        .collect()
}

#[test]
fn package_manager_rules_read_options_as_apt_and_apk_do() {
    let text = "\
FROM debian:12
RUN apt-get update && apt-get install -q curl
RUN apt-get install -qq --no-install-recommends git
RUN DEBIAN_FRONTEND=noninteractive apt-get -fmy install make
ONBUILD RUN apt-get install --no-install-recommends gcc
RUN yes | apt-get install --no-install-recommends vim
RUN apk add --no-cacher bash && apk add jq --no-cache
USER app
";
    let f = run(text, None);
    assert_eq!(lines_of(&f, "dockerfile-apt-get-missing-yes"), [2, 5]);
    assert_eq!(lines_of(&f, "dockerfile-apt-install-recommends"), [2, 4]);
    assert_eq!(lines_of(&f, "dockerfile-apk-add-cache"), [7]);
}

#[test]
fn pipefail_under_sh_and_a_later_plain_shell() {
    let text = "\
FROM debian:12
SHELL [\"/bin/bash\", \"-o\", \"pipefail\", \"-c\"]
RUN wget -O - https://x | wc -l
SHELL [\"/bin/sh\", \"-o\", \"pipefail\", \"-c\"]
RUN wget -O - https://x | wc -l
SHELL [\"/bin/sh\", \"-c\"]
RUN set -o pipefail && wget -O - https://x | wc -l
RUN wget -O - https://x | wc -l
USER app
";
    let f = run(text, None);
    assert_eq!(lines_of(&f, "dockerfile-pipe-without-pipefail"), [5, 8]);
    let sh = f
        .iter()
        .find(|f| f.rule_id == "dockerfile-pipe-without-pipefail")
        .unwrap();
    assert!(sh.message.contains("dash"), "{}", sh.message);
}

#[test]
fn root_in_build_stages_is_reported_once() {
    // the final stage inherits root from `base`: runs-as-root reports it
    let text = "FROM debian:12 AS base\nUSER root\nFROM base\nRUN true\n";
    let f = run(text, None);
    assert_eq!(lines_of(&f, "dockerfile-runs-as-root"), [2]);
    assert!(lines_of(&f, "dockerfile-stage-ends-as-root").is_empty());
    // a build stage nobody inherits from, left as root
    let text = "FROM debian:12 AS base\nUSER root\nFROM alpine:3.20\nUSER app\n";
    let f = run(text, None);
    assert!(lines_of(&f, "dockerfile-runs-as-root").is_empty());
    assert_eq!(lines_of(&f, "dockerfile-stage-ends-as-root"), [2]);
    // a build stage that switches back, and a final stage with no USER: no
    // root USER anywhere (what DL3002 judges), but the image sets no user
    let text =
        "FROM debian:12 AS base\nUSER root\nUSER app\nFROM scratch\nCOPY --from=base /bin/true /\n";
    let f = run(text, None);
    assert!(lines_of(&f, "dockerfile-runs-as-root").is_empty());
    assert!(lines_of(&f, "dockerfile-stage-ends-as-root").is_empty());
    assert_eq!(lines_of(&f, "dockerfile-missing-user"), [4]);
}

#[test]
fn peer_ignores_reach_the_new_rules_through_the_table() {
    let text = "\
# stowaway:ignore-file=base-image-no-digest
FROM alpine:3.20
# hadolint ignore=DL3019,DL3003
RUN cd /tmp && apk add curl
# trivy:ignore:AVD-DS-0030
WORKDIR /proc/self
# trivy:ignore:DS011
COPY a b /app
EXPOSE 70000
USER app
";
    let f = run(text, None);
    assert_eq!(ids(&f), vec![("dockerfile-expose-port-out-of-range", 9)]);
}
