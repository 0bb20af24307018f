//! `stowaway scan` end to end: outputs, exit codes, suppression, errors.

use crate::common::*;
use std::fs;

/// One field of every finding in a JSON report.
fn field(o: &std::process::Output, key: &str) -> Vec<serde_json::Value> {
    let v: serde_json::Value = serde_json::from_slice(&o.stdout).expect("JSON report");
    v["findings"]
        .as_array()
        .expect("findings array")
        .iter()
        .map(|f| f[key].clone())
        .collect()
}

fn tree() -> tempfile::TempDir {
    let d = tempfile::tempdir().unwrap();
    fs::create_dir_all(d.path().join("src")).unwrap();
    fs::write(
        d.path().join("src/settings.py"),
        format!("DEBUG = True\nGITHUB_TOKEN = \"{}\"\n", ghp()),
    )
    .unwrap();
    fs::write(
        d.path().join(".env"),
        format!("AWS_ACCESS_KEY_ID={}\n", akia()),
    )
    .unwrap();
    fs::write(d.path().join("README.md"), "nothing to see\n").unwrap();
    d
}

#[test]
fn text_output_redacts_and_exits_1() {
    let d = tree();
    let o = run(d.path(), &["scan", "."]);
    assert_eq!(o.status.code(), Some(1), "{}", stderr(&o));
    let out = stdout(&o);
    assert!(out.contains("src/settings.py:2:17"), "{out}");
    assert!(out.contains("github-classic-pat"), "{out}");
    assert!(out.contains(".env:1:19"), "hidden files are scanned: {out}");
    assert!(out.contains("ghp_…"), "{out}");
    assert!(!out.contains(&ghp()), "secret printed in full: {out}");
    assert!(out.contains("2 findings"), "{out}");
    assert!(out.contains("3 files"), "{out}");
}

#[test]
fn clean_tree_exits_0_and_says_what_it_scanned() {
    let d = tempfile::tempdir().unwrap();
    fs::write(d.path().join("a.txt"), "hello\n").unwrap();
    let o = run(d.path(), &["scan", "."]);
    assert_eq!(o.status.code(), Some(0));
    assert!(
        stdout(&o).contains("No findings in 1 file"),
        "{}",
        stdout(&o)
    );
}

#[test]
fn json_has_the_documented_fields() {
    let d = tree();
    let o = run(d.path(), &["scan", ".", "--format", "json"]);
    assert_eq!(o.status.code(), Some(1));
    let v: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    assert!(v["version"].is_string());
    let f = v["findings"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["rule_id"] == "github-classic-pat")
        .expect("github finding");
    for k in [
        "rule_id",
        "severity",
        "message",
        "path",
        "line",
        "column",
        "end_line",
        "end_column",
        "fingerprint",
        "secret",
    ] {
        assert!(!f[k].is_null(), "missing {k}: {f}");
    }
    assert_eq!(f["path"], "src/settings.py");
    assert_eq!(f["line"], 2);
    assert_eq!(f["column"], 17);
    assert_eq!(f["end_column"], 17 + 40);
    assert_eq!(f["secret"], "ghp_…");
    assert_eq!(v["summary"]["files_scanned"], 3);

    let o = run(d.path(), &["scan", ".", "--format", "json", "--no-redact"]);
    let v: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    assert!(v["findings"]
        .as_array()
        .unwrap()
        .iter()
        .any(|f| f["secret"] == ghp()));
}

#[test]
fn sarif_is_valid_and_redacted() {
    let d = tree();
    let out = d.path().join("out.sarif");
    let o = run(
        d.path(),
        &[
            "scan",
            ".",
            "--format",
            "sarif",
            "--output",
            out.to_str().unwrap(),
        ],
    );
    assert_eq!(o.status.code(), Some(1), "{}", stderr(&o));
    let text = fs::read_to_string(&out).unwrap();
    assert!(
        !text.contains(&ghp()) && !text.contains(&akia()),
        "unredacted secret in SARIF"
    );
    let v: serde_json::Value = serde_json::from_str(&text).unwrap();
    let run0 = &v["runs"][0];
    let rules = run0["tool"]["driver"]["rules"].as_array().unwrap();
    assert!(rules.len() >= 120);
    for r in rules {
        for k in [
            "id",
            "name",
            "shortDescription",
            "fullDescription",
            "help",
            "defaultConfiguration",
        ] {
            assert!(!r[k].is_null(), "rule lacks {k}: {}", r["id"]);
        }
        assert!(r["properties"]["security-severity"].is_string());
        assert!(r["properties"]["tags"].is_array());
    }
    let results = run0["results"].as_array().unwrap();
    assert_eq!(results.len(), 2);
    for r in results {
        let idx = r["ruleIndex"].as_u64().unwrap() as usize;
        assert_eq!(rules[idx]["id"], r["ruleId"]);
        let loc = &r["locations"][0]["physicalLocation"];
        assert_eq!(loc["artifactLocation"]["uriBaseId"], "%SRCROOT%");
        assert!(!loc["artifactLocation"]["uri"]
            .as_str()
            .unwrap()
            .starts_with('/'));
        assert!(loc["region"]["startLine"].is_u64() && loc["region"]["endColumn"].is_u64());
        assert!(r["partialFingerprints"]["stowaway/v1"].is_string());
        assert!(r["partialFingerprints"]["primaryLocationLineHash"].is_null());
    }
    validate_sarif(&out);
}

#[test]
fn inline_allow_markers_suppress() {
    let d = tempfile::tempdir().unwrap();
    let t = ghp();
    fs::write(
        d.path().join("a.py"),
        format!(
            "a = \"{t}\"  # stowaway:allow\nb = \"{t}\"  # gitleaks:allow\nc = \"{t}\"  # pragma: allowlist secret\n"
        ),
    )
    .unwrap();
    let o = run(d.path(), &["scan", "."]);
    assert_eq!(o.status.code(), Some(0), "{}", stdout(&o));
    assert!(stdout(&o).contains("Suppressed: 3"), "{}", stdout(&o));
}

#[test]
fn config_allows_paths_secrets_and_disables_rules() {
    let d = tree();
    fs::write(
        d.path().join(".stowaway.toml"),
        "[allow]\npaths = [\"src/\"]\n[rules]\ndisable = [\"aws-access-key-id\"]\n",
    )
    .unwrap();
    let o = run(d.path(), &["scan", "."]);
    assert_eq!(o.status.code(), Some(0), "{}", stdout(&o));
    fs::write(
        d.path().join(".stowaway.toml"),
        format!("[allow]\nsecrets = [\"^{}$\"]\n", akia()),
    )
    .unwrap();
    let o = run(d.path(), &["scan", ".", "--format", "json"]);
    let ids = field(&o, "rule_id");
    assert_eq!(ids, vec![serde_json::json!("github-classic-pat")]);
}

#[test]
fn custom_rules_from_config() {
    let d = tempfile::tempdir().unwrap();
    fs::write(
        d.path().join("x.txt"),
        "internal = acme_live_Zk3q9Vw2Lp8Rt5Yx\n",
    )
    .unwrap();
    fs::write(
        d.path().join("rules.toml"),
        r#"[[rule]]
id = "acme-live-key"
name = "ACME live key"
description = "Our internal API key."
severity = "high"
keywords = ["acme_live_"]
regex = '''(?P<secret>acme_live_[A-Za-z0-9]{16})'''
"#,
    )
    .unwrap();
    let o = run(
        d.path(),
        &["scan", ".", "--config", "rules.toml", "--format", "json"],
    );
    assert_eq!(o.status.code(), Some(1), "{}", stderr(&o));
    let v: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!(v["findings"][0]["rule_id"], "acme-live-key");
}

#[test]
fn invalid_config_exits_2_naming_file_and_line() {
    let d = tree();
    fs::write(
        d.path().join(".stowaway.toml"),
        "[allow]\npaths = [\"a\"]\nnope = true\n",
    )
    .unwrap();
    let o = run(d.path(), &["scan", "."]);
    assert_eq!(o.status.code(), Some(2));
    let e = stderr(&o);
    assert!(e.contains(".stowaway.toml:3"), "{e}");

    fs::write(
        d.path().join(".stowaway.toml"),
        "[[rule]]\nid = \"bad-one\"\nname = \"x\"\ndescription = \"x\"\nseverity = \"high\"\nkeywords = [\"abcd\"]\nregex = '(?P<secret>[a-'\n",
    )
    .unwrap();
    let o = run(d.path(), &["scan", "."]);
    assert_eq!(o.status.code(), Some(2));
    let e = stderr(&o);
    assert!(
        e.contains("bad-one") && e.contains("invalid regex") && e.contains(".stowaway.toml:2"),
        "{e}"
    );
}

#[test]
fn baseline_hides_known_findings_and_is_stable() {
    let d = tree();
    let o = run(d.path(), &["baseline", "create", "."]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let b = d.path().join(".stowaway-baseline.json");
    let first = fs::read_to_string(&b).unwrap();
    assert!(first.contains("github-classic-pat") && !first.contains(&ghp()));
    // Create refuses to overwrite; update rewrites identically.
    assert_eq!(
        run(d.path(), &["baseline", "create", "."]).status.code(),
        Some(2)
    );
    assert_eq!(
        run(d.path(), &["baseline", "update", "."]).status.code(),
        Some(0)
    );
    assert_eq!(first, fs::read_to_string(&b).unwrap());
    let o = run(
        d.path(),
        &["scan", ".", "--baseline", ".stowaway-baseline.json"],
    );
    assert_eq!(o.status.code(), Some(0), "{}", stdout(&o));
    // The entry survives a move to another line of its file.
    fs::write(
        d.path().join("src/settings.py"),
        format!("\n\n\nX = '{}'\n", ghp()),
    )
    .unwrap();
    let o = run(
        d.path(),
        &["scan", ".", "--baseline", ".stowaway-baseline.json"],
    );
    assert_eq!(o.status.code(), Some(0), "{}", stdout(&o));
    // A new secret is still reported.
    fs::write(
        d.path().join("new.txt"),
        format!(
            "k = {}\n",
            github_token("ghp_", "Ab1Cd2Ef3Gh4Ij5Kl6Mn7Op8Qr9St0")
        ),
    )
    .unwrap();
    let o = run(
        d.path(),
        &["scan", ".", "--baseline", ".stowaway-baseline.json"],
    );
    assert_eq!(o.status.code(), Some(1));
}

#[test]
fn gitignore_exclude_and_no_ignore() {
    let d = tree();
    fs::write(d.path().join(".gitignore"), "src/\n").unwrap();
    // Outside a git repository .gitignore does not apply (as in git and ripgrep).
    let o = run(d.path(), &["scan", ".", "--format", "json"]);
    let v: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!(v["findings"].as_array().unwrap().len(), 2, "{v}");
    let git = std::process::Command::new("git")
        .arg("init")
        .arg("-q")
        .current_dir(d.path())
        .status()
        .unwrap();
    assert!(git.success());
    let o = run(d.path(), &["scan", ".", "--format", "json"]);
    let v: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!(v["findings"].as_array().unwrap().len(), 1, "{v}");
    // .ignore applies everywhere.
    fs::remove_dir_all(d.path().join(".git")).unwrap();
    fs::write(d.path().join(".ignore"), "src/\n").unwrap();
    let o = run(d.path(), &["scan", ".", "--format", "json"]);
    let v: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!(v["findings"].as_array().unwrap().len(), 1, "{v}");
    fs::remove_file(d.path().join(".ignore")).unwrap();
    std::process::Command::new("git")
        .arg("init")
        .arg("-q")
        .current_dir(d.path())
        .status()
        .unwrap();
    let o = run(
        d.path(),
        &[
            "scan",
            ".",
            "--no-ignore",
            "--exclude",
            ".env",
            "--format",
            "json",
        ],
    );
    let v: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    let f = v["findings"].as_array().unwrap();
    assert_eq!(f.len(), 1);
    assert_eq!(f[0]["path"], "src/settings.py");
    // A file named on the command line is scanned even when ignored.
    let o = run(d.path(), &["scan", "src/settings.py"]);
    assert_eq!(o.status.code(), Some(1), "{}", stdout(&o));
}

#[test]
fn binary_files_are_skipped_unless_asked() {
    let d = tempfile::tempdir().unwrap();
    let mut bin = vec![0u8, 1, 2, 3];
    bin.extend_from_slice(format!(" {} ", ghp()).as_bytes());
    fs::write(d.path().join("blob.bin"), &bin).unwrap();
    let o = run(d.path(), &["scan", "."]);
    assert_eq!(o.status.code(), Some(0));
    assert!(stdout(&o).contains("Skipped: 1 binary"), "{}", stdout(&o));
    let o = run(d.path(), &["scan", ".", "--include-binary"]);
    assert_eq!(o.status.code(), Some(1));
}

#[test]
fn secrets_across_chunk_borders_are_found_once() {
    let d = tempfile::tempdir().unwrap();
    let chunk = 40 * 1024;
    let t = ghp();
    let mut text = String::new();
    let mut expect = Vec::new();
    // Place tokens straddling each of several chunk cuts (chunk - overlap steps).
    let mut line = 1;
    while text.len() < 6 * chunk {
        let pad = "x".repeat(97);
        text.push_str(&pad);
        text.push('\n');
        line += 1;
        if text.len() % 7000 < 100 {
            text.push_str(&format!("t={t}\n"));
            expect.push(line);
            line += 1;
        }
    }
    fs::write(d.path().join("big.txt"), &text).unwrap();
    for cs in ["40000", "65536", "1048576"] {
        let o = run(
            d.path(),
            &["scan", ".", "--format", "json", "--chunk-size", cs],
        );
        let v: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
        let lines: Vec<u64> = v["findings"]
            .as_array()
            .unwrap()
            .iter()
            .map(|f| f["line"].as_u64().unwrap())
            .collect();
        let want: Vec<u64> = expect.iter().map(|&l| l as u64).collect();
        assert_eq!(lines, want, "chunk size {cs}");
    }
}

#[test]
fn unreadable_file_is_a_warning_and_the_scan_goes_on() {
    use std::os::unix::fs::PermissionsExt;
    let d = tree();
    let p = d.path().join("secret.txt");
    fs::write(&p, "x").unwrap();
    fs::set_permissions(&p, fs::Permissions::from_mode(0o000)).unwrap();
    if fs::read(&p).is_ok() {
        eprintln!("note: running as root, permission test skipped");
        return;
    }
    let o = run(d.path(), &["scan", "."]);
    assert_eq!(o.status.code(), Some(1));
    assert!(stderr(&o).contains("secret.txt"), "{}", stderr(&o));
}

#[test]
fn usage_errors_exit_2_and_help_exits_0() {
    let d = tempfile::tempdir().unwrap();
    assert_eq!(
        run(d.path(), &["scan", "--format", "xml"]).status.code(),
        Some(2)
    );
    assert_eq!(run(d.path(), &["frobnicate"]).status.code(), Some(2));
    assert_eq!(run(d.path(), &["--help"]).status.code(), Some(0));
    let o = run(d.path(), &["scan", "does-not-exist"]);
    assert_eq!(o.status.code(), Some(2));
    assert!(stderr(&o).contains("does-not-exist"));
}

#[test]
fn rules_and_explain() {
    let d = tempfile::tempdir().unwrap();
    let o = run(d.path(), &["rules"]);
    assert_eq!(o.status.code(), Some(0));
    assert!(stdout(&o).contains("github-classic-pat"));
    let o = run(d.path(), &["explain", "github-classic-pat"]);
    assert_eq!(o.status.code(), Some(0));
    let out = stdout(&o);
    assert!(
        out.contains("Keywords: ghp_") && out.contains("Fix"),
        "{out}"
    );
    assert_eq!(
        run(d.path(), &["explain", "no-such-rule"]).status.code(),
        Some(2)
    );
}

#[test]
fn fail_on_threshold() {
    let d = tempfile::tempdir().unwrap();
    fs::write(d.path().join("a.txt"), format!("k={}\n", ghp())).unwrap();
    assert_eq!(
        run(d.path(), &["scan", ".", "--fail-on", "critical"])
            .status
            .code(),
        Some(1)
    );
    fs::write(
        d.path().join("a.txt"),
        format!("aws_access_key_id = {}\n", akia()),
    )
    .unwrap();
    assert_eq!(
        run(d.path(), &["scan", ".", "--fail-on", "critical"])
            .status
            .code(),
        Some(0)
    );
}

#[test]
fn utf16_files_are_decoded_and_scanned() {
    let d = tempfile::tempdir().unwrap();
    let text = format!("[creds]\r\ntoken={}\r\n", ghp());
    for (name, bom) in [("with_bom.ini", true), ("no_bom.ini", false)] {
        let mut bytes = if bom { vec![0xFF, 0xFE] } else { vec![] };
        for u in text.encode_utf16() {
            bytes.extend_from_slice(&u.to_le_bytes());
        }
        fs::write(d.path().join(name), bytes).unwrap();
    }
    let o = run(d.path(), &["scan", ".", "--format", "json"]);
    let v: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    let f = v["findings"].as_array().unwrap();
    assert_eq!(f.len(), 2, "{v}");
    for x in f {
        assert_eq!(x["rule_id"], "github-classic-pat");
        assert_eq!(x["line"], 2);
        assert_eq!(x["column"], 7);
    }
}

#[test]
fn subdirectory_scans_show_paths_from_the_current_directory() {
    let d = tempfile::tempdir().unwrap();
    let repo = d.path().join("repo");
    fs::create_dir_all(repo.join("src")).unwrap();
    fs::write(repo.join("src/a.py"), format!("t = '{}'\n", ghp())).unwrap();
    fs::write(repo.join("src/b.py"), format!("t = '{}'\n", ghp())).unwrap();
    // The config sits in the scanned directory; its globs are relative to it.
    fs::write(
        repo.join(".stowaway.toml"),
        "[allow]\npaths = [\"src/b.py\"]\n",
    )
    .unwrap();
    let o = run(d.path(), &["scan", "repo", "--format", "json"]);
    let paths = field(&o, "path");
    assert_eq!(paths, vec![serde_json::json!("repo/src/a.py")]);
    // An absolute directory is its own root.
    let o = run(
        d.path(),
        &["scan", repo.to_str().unwrap(), "--format", "json"],
    );
    let paths = field(&o, "path");
    assert_eq!(paths, vec![serde_json::json!("src/a.py")]);
}

#[test]
fn output_file_leaves_a_one_line_summary_on_stderr() {
    let d = tree();
    fs::write(d.path().join("blob.bin"), b"\x00\x01binary").unwrap();
    fs::write(
        d.path().join("allowed.py"),
        format!("t = \"{}\"  # stowaway:allow\n", ghp()),
    )
    .unwrap();
    let out = d.path().join("report.json");
    let o = run(
        d.path(),
        &[
            "scan",
            ".",
            "--no-progress",
            "-f",
            "json",
            "-o",
            "report.json",
        ],
    );
    assert_eq!(o.status.code(), Some(1), "{}", stderr(&o));
    assert!(out.is_file());
    let e = stderr(&o);
    let lines: Vec<&str> = e.lines().filter(|l| !l.trim().is_empty()).collect();
    assert_eq!(lines.len(), 1, "{e}");
    assert!(lines[0].starts_with("2 findings"), "{e}");
    assert!(lines[0].contains("Skipped: 1 binary"), "{e}");
    assert!(lines[0].contains("Suppressed: 1"), "{e}");
}

#[test]
fn a_file_that_is_not_an_image_is_one_error() {
    let d = tempfile::tempdir().unwrap();
    fs::write(d.path().join("notes.txt"), "hello\n").unwrap();
    let o = run(d.path(), &["image", "notes.txt", "--no-progress"]);
    assert_eq!(o.status.code(), Some(2));
    let e = stderr(&o);
    assert_eq!(e.matches("warning: notes.txt").count(), 1, "{e}");
    assert!(
        stdout(&o).contains("1 input could not be fully scanned"),
        "{}",
        stdout(&o)
    );
}

#[test]
fn a_truncated_archive_labels_layer_findings_as_a_layer() {
    use crate::common::archive::{docker_save, image_config, layer};
    let d = tempfile::tempdir().unwrap();
    let line = format!("aws_access_key_id = {}\n", akia());
    let l0 = layer(&[("first.txt", line.as_bytes())]);
    let big = vec![b'x'; 200_000];
    let l1 = layer(&[("big", &big)]);
    let ar = docker_save("t:1", &[l0.clone(), l1], &image_config(2));
    // Cut inside the second layer: no manifest.json is ever read.
    fs::write(d.path().join("cut.tar"), &ar[..l0.len() + 512 + 50_000]).unwrap();
    let o = run(d.path(), &["image", "cut.tar", "--no-progress"]);
    let out = stdout(&o);
    let block: Vec<&str> = out
        .split("\n\n")
        .filter(|b| b.contains("first.txt"))
        .collect();
    assert_eq!(block.len(), 1, "{out}");
    assert!(block[0].contains(", layer blob "), "{out}");
    assert!(!block[0].contains("image config"), "{out}");
}

#[test]
fn explain_prints_a_secret_rules_fake_examples_in_full_as_the_guide_says() {
    let d = tempfile::tempdir().unwrap();
    let o = run(d.path(), &["explain", "slack-webhook-url"]);
    assert_eq!(o.status.code(), Some(0));
    let out = stdout(&o);
    let examples = out
        .split("Examples it reports (fake values):")
        .nth(1)
        .expect("an examples section");
    let first = examples
        .lines()
        .map(str::trim)
        .find(|l| !l.is_empty())
        .unwrap();
    assert!(!first.contains('…'), "examples are redacted: {first}");
    assert!(first.contains("hooks.slack.com/services/T"), "{first}");
    let guide = fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/GUIDE.md")).unwrap();
    assert!(
        guide.contains("printed in full, unredacted")
            && guide.contains("Examples it reports (fake values):"),
        "GUIDE.md no longer says explain prints examples in full"
    );
}

/// The README's first command, `cargo run --release -- scan .`, run on this
/// repository: its fake secrets are allowed by `.stowaway.toml` (rule
/// examples, tests, fixtures) or inline (unit tests in `src/`), so a new
/// user's first scan is clean.
#[test]
fn the_repository_scans_clean() {
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR"));
    let o = run(root, &["scan", "--no-progress", "."]);
    assert_eq!(
        o.status.code(),
        Some(0),
        "stowaway scan . of the repository:\n{}{}",
        stdout(&o),
        String::from_utf8_lossy(&o.stderr)
    );
}
