//! Snapshot tests (insta) of what a user sees: the CLI's text, JSON and SARIF
//! reports for a small fixture tree, and the findings (rule, line:column,
//! message) of every Dockerfile rule fixture, all through the binary.
//!
//! Volatile parts are normalised before the comparison: timings, the
//! temporary directory, the version, and SARIF rule indexes (they move when a
//! rule is added; each is checked to point at its rule first). When an output
//! changes on purpose, accept the new snapshots with
//! `INSTA_UPDATE=always cargo test --release --test it -- snapshots::` and
//! review `git diff tests/it/snapshots/`.

use crate::common::{akia, ghp, stdout, stowaway};
use serde_json::Value;
use std::path::{Path, PathBuf};
use std::process::Output;

/// Run the binary in `dir` with colour and progress off.
fn run_in(dir: &Path, args: &[&str]) -> Output {
    stowaway()
        .current_dir(dir)
        .args(args)
        .arg("--no-progress")
        .env("NO_COLOR", "1")
        .output()
        .expect("run stowaway")
}

/// A small tree with a secret of each common kind, a placeholder that must
/// not be reported, an inline allow, a binary file and a Dockerfile. Built at
/// run time so the repository holds no token.
fn fixture_tree() -> tempfile::TempDir {
    let dir = tempfile::tempdir().expect("tempdir");
    let root = dir.path();
    std::fs::create_dir_all(root.join("config")).expect("mkdir");
    std::fs::create_dir_all(root.join("app")).expect("mkdir");
    std::fs::write(
        root.join("config/deploy.env"),
        format!("GITHUB_TOKEN={}\nAWS_ACCESS_KEY_ID={}\n", ghp(), akia()),
    )
    .expect("write");
    let password = ["Vq8#", "mT2pLx9w"].concat();
    std::fs::write(
        root.join("app/settings.py"),
        format!(
            "DEBUG = False\nDATABASE_URL = \"postgres://app:{password}@db.internal:5432/app\"\n\
             password = \"changeme\"\nBACKUP_KEY = \"{}\"  # stowaway:allow\n",
            akia()
        ),
    )
    .expect("write");
    std::fs::write(root.join("app/logo.bin"), b"\x89PNG\0\0\0binary").expect("write");
    std::fs::write(
        root.join("Dockerfile"),
        "FROM python:3.12\nCOPY . /app\nCMD [\"python\", \"/app/main.py\"]\n",
    )
    .expect("write");
    dir
}

/// Replace what changes from run to run: the temporary directory and the
/// scan time in the text summary.
fn normalise_text(text: &str, tmp: &Path) -> String {
    let text = text.replace(&tmp.display().to_string(), "[TMP]");
    let seconds = regex::Regex::new(r"scanned in [0-9.]+ s").expect("regex");
    seconds.replace_all(&text, "scanned in [T] s").into_owned()
}

fn set_if_present(v: &mut Value, pointer: &str, to: &str) {
    if let Some(slot) = v.pointer_mut(pointer) {
        *slot = Value::String(to.to_string());
    }
}

fn exit_code(o: &Output) -> i32 {
    o.status.code().unwrap_or(-1)
}

#[test]
fn scan_text_report() {
    let tree = fixture_tree();
    let out = run_in(tree.path(), &["scan", "."]);
    let body = format!(
        "exit: {}\n{}",
        exit_code(&out),
        normalise_text(&stdout(&out), tree.path())
    );
    insta::assert_snapshot!("scan_text", body);
}

#[test]
fn scan_json_report() {
    let tree = fixture_tree();
    let out = run_in(tree.path(), &["scan", ".", "--format", "json"]);
    assert_eq!(exit_code(&out), 1, "findings exit 1");
    let mut v: Value = serde_json::from_str(&stdout(&out)).expect("JSON report");
    assert_eq!(v["version"], env!("CARGO_PKG_VERSION"));
    set_if_present(&mut v, "/version", "[VERSION]");
    assert!(v["summary"]["seconds"].is_number(), "summary.seconds");
    v["summary"]["seconds"] = Value::from(0);
    let text = serde_json::to_string_pretty(&v).expect("serialise");
    insta::assert_snapshot!("scan_json", normalise_text(&text, tree.path()));
}

#[test]
fn scan_sarif_report() {
    let tree = fixture_tree();
    let out = run_in(tree.path(), &["scan", ".", "--format", "sarif"]);
    assert_eq!(exit_code(&out), 1, "findings exit 1");
    let mut v: Value = serde_json::from_str(&stdout(&out)).expect("SARIF report");
    let run = &mut v["runs"][0];
    let rules = run["tool"]["driver"]["rules"]
        .as_array()
        .cloned()
        .expect("tool.driver.rules");
    // Keep only the rules the results use (the full list grows with every new
    // rule), after checking each result's ruleIndex points at its rule.
    let mut used = std::collections::BTreeMap::new();
    for result in run["results"].as_array_mut().expect("results") {
        let id = result["ruleId"].as_str().expect("ruleId").to_string();
        let index = result["ruleIndex"].as_u64().expect("ruleIndex") as usize;
        assert_eq!(rules[index]["id"], id.as_str(), "ruleIndex of {id}");
        used.insert(id, rules[index].clone());
        result["ruleIndex"] = Value::String("[INDEX]".into());
    }
    run["tool"]["driver"]["rules"] = Value::Array(used.into_values().collect());
    for field in ["version", "semanticVersion"] {
        let pointer = format!("/tool/driver/{field}");
        if let Some(found) = run.pointer(&pointer) {
            assert_eq!(found, env!("CARGO_PKG_VERSION"), "{field}");
        }
        set_if_present(run, &pointer, "[VERSION]");
    }
    let text = serde_json::to_string_pretty(&v).expect("serialise");
    insta::assert_snapshot!("scan_sarif", normalise_text(&text, tree.path()));
}

fn dockerfile_fixtures() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/dockerfile/rules")
}

/// A syntactically valid npm token for the `@@NPM@@` placeholder, assembled
/// so the repository holds none (the same one `dockerfile_rules` uses).
fn npm_token() -> String {
    format!("npm_{}{}", "PAuOosTP7uRczyEROB1j", "ITnj0jfMhc0Z8yJW")
}

/// Files next to the Dockerfile that some fixtures need (as in
/// `dockerfile_rules`).
fn write_context(rule: &str, kind: &str, dir: &Path) {
    let ignore = match (rule, kind) {
        ("dockerfile-broad-copy", "hit") => "node_modules\n",
        ("dockerfile-broad-copy", "ok") => ".git\n.env*\n!.env.example\n",
        ("dockerfile-copy-ignored-file", "hit") => "config/\n",
        ("dockerfile-copy-ignored-file", "ok") => "config/\n!config/app.ini\n/src/*.tmp\n",
        _ => return,
    };
    std::fs::write(dir.join(".dockerignore"), ignore).expect("write .dockerignore");
}

/// `line:column rule message` for each finding of `stowaway dockerfile` on
/// one fixture.
fn lint_fixture(path: &Path, rule: &str, kind: &str) -> String {
    let text = std::fs::read_to_string(path).expect("read fixture");
    let dir = tempfile::tempdir().expect("tempdir");
    std::fs::write(
        dir.path().join("Dockerfile"),
        text.replace("@@NPM@@", &npm_token()),
    )
    .expect("write Dockerfile");
    write_context(rule, kind, dir.path());
    let out = run_in(
        dir.path(),
        &["dockerfile", "Dockerfile", "--format", "json"],
    );
    let v: Value = serde_json::from_str(&stdout(&out)).expect("JSON report");
    let mut lines = vec![format!("exit: {}", exit_code(&out))];
    for f in v["findings"].as_array().expect("findings") {
        lines.push(format!(
            "{}:{} {} {}",
            f["line"],
            f["column"],
            f["rule_id"].as_str().unwrap_or("?"),
            f["message"].as_str().unwrap_or("?")
        ));
    }
    normalise_text(&lines.join("\n"), dir.path())
}

#[test]
fn dockerfile_rule_fixtures() {
    let mut rules = std::collections::BTreeSet::new();
    for entry in std::fs::read_dir(dockerfile_fixtures()).expect("fixture dir") {
        let name = entry
            .expect("entry")
            .file_name()
            .to_string_lossy()
            .into_owned();
        if let Some(rule) = name
            .strip_suffix(".hit.Dockerfile")
            .or_else(|| name.strip_suffix(".ok.Dockerfile"))
        {
            rules.insert(rule.to_string());
        }
    }
    assert!(rules.len() >= 20, "rule fixtures found: {rules:?}");
    for rule in rules {
        let mut body = String::new();
        for kind in ["hit", "ok"] {
            let path = dockerfile_fixtures().join(format!("{rule}.{kind}.Dockerfile"));
            if path.exists() {
                body.push_str(&format!(
                    "## {kind}\n{}\n",
                    lint_fixture(&path, &rule, kind)
                ));
            }
        }
        insta::assert_snapshot!(format!("dockerfile_rule__{rule}"), body);
    }
}
