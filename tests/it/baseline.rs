//! The baseline end to end: `.stowaway-baseline.json` at the scan root is
//! found without flags by `scan` (tree, `--staged`, `--git-range`), written
//! there by `baseline create`, pruned by `baseline update`, and matched by
//! rule, secret and path.

use crate::common::*;
use std::fs;
use std::path::Path;

const FILE: &str = ".stowaway-baseline.json";

fn other_token() -> String {
    github_token("ghp_", "Ab1Cd2Ef3Gh4Ij5Kl6Mn7Op8Qr9St0")
}

fn repo() -> tempfile::TempDir {
    let d = tempfile::tempdir().unwrap();
    let p = d.path().join("repo");
    fs::create_dir_all(p.join("src")).unwrap();
    fs::write(
        p.join("src/settings.py"),
        format!("DEBUG = True\nGITHUB_TOKEN = \"{}\"\n", ghp()),
    )
    .unwrap();
    fs::write(p.join(".env"), format!("AWS_ACCESS_KEY_ID={}\n", akia())).unwrap();
    d
}

fn summary(o: &std::process::Output) -> serde_json::Value {
    let v: serde_json::Value = serde_json::from_slice(&o.stdout).expect("JSON report");
    v["summary"].clone()
}

#[test]
fn create_writes_at_the_scan_root_and_scan_finds_it_without_flags() {
    let d = repo();
    let p = d.path().join("repo");
    // Run from the parent: the file goes next to .stowaway.toml, in repo/.
    let o = run(d.path(), &["baseline", "create", "repo", "--no-progress"]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    assert!(
        stderr(&o).contains("Wrote repo/.stowaway-baseline.json with 2 findings"),
        "{}",
        stderr(&o)
    );
    assert!(
        !d.path().join(FILE).exists(),
        "written to the current directory"
    );
    let text = fs::read_to_string(p.join(FILE)).unwrap();
    assert!(text.contains("\"path\": \"src/settings.py\""), "{text}");
    assert!(!text.contains(&ghp()) && !text.contains(&akia()), "{text}");

    // Inside the repository and from its parent, no flag needed.
    for (dir, arg) in [(p.as_path(), "."), (d.path(), "repo")] {
        let o = run(dir, &["scan", arg, "--no-progress"]);
        let out = stdout(&o);
        assert_eq!(o.status.code(), Some(0), "{out}");
        assert!(out.contains("No findings"), "{out}");
        assert!(out.contains("2 accepted findings hidden"), "{out}");
    }
    let o = run(&p, &["scan", ".", "--no-progress", "-f", "json"]);
    let s = summary(&o);
    assert_eq!(s["baselined"], 2, "{s}");
    assert_eq!(s["baseline"], FILE, "{s}");
    // --no-baseline shows everything again.
    let o = run(&p, &["scan", ".", "--no-progress", "--no-baseline"]);
    assert_eq!(o.status.code(), Some(1), "{}", stdout(&o));
    // Create refuses to overwrite.
    let o = run(&p, &["baseline", "create", "--no-progress"]);
    assert_eq!(o.status.code(), Some(2));
    assert!(stderr(&o).contains("already exists"), "{}", stderr(&o));
}

#[test]
fn matches_rule_secret_and_path() {
    let d = repo();
    let p = d.path().join("repo");
    let o = run(&p, &["baseline", "create", "--no-progress"]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    // The line moves inside its file: still accepted.
    fs::write(
        p.join("src/settings.py"),
        format!("\n\n\nX = 1\nGITHUB_TOKEN = \"{}\"\n", ghp()),
    )
    .unwrap();
    let o = run(&p, &["scan", ".", "--no-progress"]);
    assert_eq!(o.status.code(), Some(0), "{}", stdout(&o));
    // The same secret pasted into another file is a new finding.
    fs::write(p.join("copy.py"), format!("T = \"{}\"\n", ghp())).unwrap();
    let o = run(&p, &["scan", ".", "--no-progress", "-f", "json"]);
    assert_eq!(o.status.code(), Some(1));
    let v: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    let paths: Vec<&str> = v["findings"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|f| f["path"].as_str())
        .collect();
    assert_eq!(paths, ["copy.py"], "{v}");
}

#[test]
fn update_prunes_and_adds_only_when_asked() {
    let d = repo();
    let p = d.path().join("repo");
    run(&p, &["baseline", "create", "--no-progress"]);
    // The AWS key is removed; a new token appears.
    fs::write(p.join(".env"), "AWS_ACCESS_KEY_ID=from-the-vault\n").unwrap();
    fs::write(p.join("new.txt"), format!("k = {}\n", other_token())).unwrap();
    let o = run(&p, &["baseline", "update", "--no-progress"]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let e = stderr(&o);
    assert!(e.contains("1 entry pruned"), "{e}");
    assert!(e.contains("1 current finding is not in it"), "{e}");
    let text = fs::read_to_string(p.join(FILE)).unwrap();
    assert!(!text.contains("aws-access-key-id"), "not pruned: {text}");
    assert!(text.contains("src/settings.py") && !text.contains("new.txt"));
    // The new token still fails the scan.
    assert_eq!(
        run(&p, &["scan", ".", "--no-progress"]).status.code(),
        Some(1)
    );
    let o = run(&p, &["baseline", "update", "--add-new", "--no-progress"]);
    assert!(stderr(&o).contains("1 added"), "{}", stderr(&o));
    assert_eq!(
        run(&p, &["scan", ".", "--no-progress"]).status.code(),
        Some(0)
    );
    // Without a baseline there is nothing to update.
    fs::remove_file(p.join(FILE)).unwrap();
    let o = run(&p, &["baseline", "update", "--no-progress"]);
    assert_eq!(o.status.code(), Some(2));
    assert!(stderr(&o).contains("baseline create"), "{}", stderr(&o));
}

#[test]
fn create_has_its_own_short_help_and_output() {
    let d = repo();
    let p = d.path().join("repo");
    let o = run(&p, &["baseline", "create", "--help"]);
    let h = stdout(&o);
    assert!(h.contains("-o, --output <FILE>"), "{h}");
    for scan_only in [
        "--sarif-output",
        "--fail-on",
        "--format",
        "--no-redact",
        "--shard",
    ] {
        assert!(!h.contains(scan_only), "{scan_only} in {h}");
    }
    assert!(
        h.lines().count() < 25,
        "help is {} lines",
        h.lines().count()
    );
    let o = run(
        &p,
        &["baseline", "create", "-o", "accepted.json", "--no-progress"],
    );
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    assert!(p.join("accepted.json").is_file() && !p.join(FILE).exists());
    // A baseline elsewhere is applied when named.
    let o = run(
        &p,
        &["scan", "--baseline", "accepted.json", "--no-progress"],
    );
    assert_eq!(o.status.code(), Some(0), "{}", stdout(&o));
}

fn git_repo(p: &Path) {
    git(p, &["init", "-q", "-b", "main"]);
    git(p, &["add", "-A"]);
    git(p, &["commit", "-q", "-m", "init"]);
}

#[test]
fn staged_and_range_scans_apply_the_committed_baseline() {
    let d = repo();
    let p = d.path().join("repo");
    git_repo(&p);
    let o = run(
        &p,
        &["baseline", "create", "--git-range", "HEAD", "--no-progress"],
    );
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    git(&p, &["add", FILE]);
    git(&p, &["commit", "-q", "-m", "accept"]);
    // The hook's command line (pre-commit names the staged files).
    fs::write(
        p.join("src/settings.py"),
        format!("# moved\nGITHUB_TOKEN = \"{}\"\n", ghp()),
    )
    .unwrap();
    git(&p, &["add", "src/settings.py"]);
    let o = run(
        &p,
        &["scan", "--staged", "--no-progress", "src/settings.py"],
    );
    assert_eq!(o.status.code(), Some(0), "{}{}", stdout(&o), stderr(&o));
    assert!(stdout(&o).contains("accepted finding"), "{}", stdout(&o));
    // The range the Action scans on a pull request.
    let o = run(&p, &["scan", "--git-range", "HEAD", "--no-progress"]);
    assert_eq!(o.status.code(), Some(0), "{}", stdout(&o));
    // A new secret is blocked.
    fs::write(p.join("new.txt"), format!("k = {}\n", other_token())).unwrap();
    git(&p, &["add", "new.txt"]);
    let o = run(&p, &["scan", "--staged", "--no-progress", "new.txt"]);
    assert_eq!(o.status.code(), Some(1), "{}", stdout(&o));
}

#[test]
fn fail_on_none_reports_without_failing() {
    let d = repo();
    let p = d.path().join("repo");
    let o = run(&p, &["scan", ".", "--no-progress", "--fail-on", "none"]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    assert!(stdout(&o).contains("2 findings"), "{}", stdout(&o));
    let o = run(&p, &["scan", ".", "--fail-on", "bogus"]);
    assert_eq!(o.status.code(), Some(2));
    assert!(stderr(&o).contains("critical or none"), "{}", stderr(&o));
}
