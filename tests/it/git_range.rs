//! `stowaway scan --git-range` end to end: lines added by each commit, with
//! the file's line numbers although only the diff is read, and Dockerfiles
//! linted once, at the head, on the lines the range added.

use crate::common::{git, github_token, run, stderr};
use serde_json::Value;
use std::path::Path;

fn repo() -> tempfile::TempDir {
    let d = tempfile::tempdir().expect("tempdir");
    git(d.path(), &["init", "-q", "-b", "main"]);
    git(d.path(), &["config", "commit.gpgsign", "false"]);
    git(d.path(), &["config", "user.name", "t"]);
    git(d.path(), &["config", "user.email", "t@example.com"]);
    d
}

fn write(dir: &Path, rel: &str, text: &str) {
    let p = dir.join(rel);
    if let Some(parent) = p.parent() {
        std::fs::create_dir_all(parent).expect("mkdir");
    }
    std::fs::write(p, text).expect("write");
}

fn commit(dir: &Path, msg: &str) -> String {
    git(dir, &["add", "-A"]);
    git(dir, &["commit", "-q", "--allow-empty", "-m", msg]);
    git(dir, &["rev-parse", "HEAD"])
}

fn tok(n: u32) -> String {
    let seed = format!("Rg{n:04}Lm2Np9Rt4Vw8Yz3Bc6Df1Gh5");
    github_token("ghp_", &seed[..30])
}

fn findings(dir: &Path, range: &str) -> Vec<Value> {
    let o = run(
        dir,
        &[
            "scan",
            "--git-range",
            range,
            "-f",
            "json",
            "--no-redact",
            "--no-progress",
            ".",
        ],
    );
    let v: Value = serde_json::from_slice(&o.stdout)
        .unwrap_or_else(|e| panic!("JSON report ({e}): {}", stderr(&o)));
    v["findings"].as_array().cloned().unwrap_or_default()
}

#[test]
fn added_lines_keep_the_files_line_numbers() {
    let d = repo();
    let p = d.path();
    let filler: String = (1..=40).map(|i| format!("line {i}\n")).collect();
    write(p, "app.cfg", &format!("old = {}\n{filler}", tok(1)));
    let base = commit(p, "base holds an old secret");
    // Add a secret at line 30, next to unchanged lines (context, not added).
    let mut lines: Vec<String> = std::fs::read_to_string(p.join("app.cfg"))
        .unwrap()
        .lines()
        .map(str::to_string)
        .collect();
    lines.insert(29, format!("new = {}", tok(2)));
    write(p, "app.cfg", &(lines.join("\n") + "\n"));
    let c = commit(p, "add");
    let f = findings(p, &format!("{base}..HEAD"));
    assert_eq!(f.len(), 1, "{f:#?}");
    assert_eq!(f[0]["secret"].as_str(), Some(tok(2).as_str()));
    assert_eq!(f[0]["line"], 30);
    assert_eq!(f[0]["column"], 7);
    assert_eq!(f[0]["commit"].as_str(), Some(c.as_str()));
}

#[test]
fn a_merge_resolution_counts_and_dockerfiles_are_linted_at_the_head_only() {
    let d = repo();
    let p = d.path();
    write(p, "Dockerfile", "FROM alpine:3.19\nUSER app\n");
    let base = commit(p, "base");
    // First commit of the range adds a root-running line, the second
    // removes it again: only the head counts, so no lint finding for it.
    write(p, "Dockerfile", "FROM alpine:3.19\nUSER root\n");
    commit(p, "root");
    write(p, "Dockerfile", "FROM alpine:latest\nUSER app\n");
    let head = commit(p, "back to app, but an unpinned base");
    let f = findings(p, &format!("{base}..HEAD"));
    let ids: Vec<&str> = f.iter().filter_map(|x| x["rule_id"].as_str()).collect();
    assert!(!ids.iter().any(|i| i.contains("root")), "{ids:?}");
    assert!(!f.is_empty(), "the head's added line is linted: {f:#?}");
    assert!(
        f.iter()
            .all(|x| x["path"] == "Dockerfile" && x["line"] == 1),
        "{f:#?}"
    );
    assert!(f
        .iter()
        .all(|x| x["commit"].as_str() == Some(head.as_str())));

    // A secret only in a conflict resolution.
    git(p, &["checkout", "-q", "-b", "side"]);
    write(p, "c.ini", "k = side\n");
    commit(p, "side");
    git(p, &["checkout", "-q", "main"]);
    write(p, "c.ini", "k = main\n");
    let before = commit(p, "main");
    let _ = std::process::Command::new("git")
        .current_dir(p)
        .args(["merge", "-q", "side", "-m", "m"])
        .env("GIT_CONFIG_GLOBAL", "/dev/null")
        .output();
    write(p, "c.ini", &format!("k = {}\n", tok(3)));
    let m = commit(p, "resolve");
    let f = findings(p, &format!("{before}..HEAD"));
    let hit: Vec<_> = f
        .iter()
        .filter(|x| x["secret"].as_str() == Some(tok(3).as_str()))
        .collect();
    assert_eq!(hit.len(), 1, "{f:#?}");
    assert_eq!(hit[0]["commit"].as_str(), Some(m.as_str()));
}
