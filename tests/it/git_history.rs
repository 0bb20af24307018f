//! `stowaway scan --history` end to end, on scratch repositories built here:
//! each situation asserts the secret is found, attributed to the commit
//! that introduced it, and reported once.

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

fn write(dir: &Path, rel: &str, bytes: impl AsRef<[u8]>) {
    let p = dir.join(rel);
    if let Some(parent) = p.parent() {
        std::fs::create_dir_all(parent).expect("mkdir");
    }
    std::fs::write(p, bytes).expect("write");
}

fn commit(dir: &Path, msg: &str) -> String {
    git(dir, &["add", "-A"]);
    git(dir, &["commit", "-q", "--allow-empty", "-m", msg]);
    git(dir, &["rev-parse", "HEAD"])
}

/// A distinct, valid-checksum fake GitHub token per `n` (built at run time).
fn tok(n: u32) -> String {
    let seed = format!("Hx{n:04}Lm2Np9Rt4Vw8Yz3Bc6Df1Gh5");
    github_token("ghp_", &seed[..30])
}

/// The JSON findings of a history audit of `dir`, and the whole report.
fn audit(dir: &Path, extra: &[&str]) -> (Vec<Value>, Value, std::process::Output) {
    let mut args = vec!["scan", "--history", "-f", "json", "--no-progress"];
    args.extend_from_slice(extra);
    args.push(".");
    let o = run(dir, &args);
    let v: Value = serde_json::from_slice(&o.stdout)
        .unwrap_or_else(|e| panic!("JSON report ({e}): {}", stderr(&o)));
    let f = v["findings"].as_array().cloned().unwrap_or_default();
    (f, v, o)
}

/// The findings whose secret is `secret` (unredacted reports).
fn of<'a>(findings: &'a [Value], secret: &str) -> Vec<&'a Value> {
    findings
        .iter()
        .filter(|f| f["secret"].as_str() == Some(secret))
        .collect()
}

/// Exactly one finding for `secret`, introduced by `commit` at `path`.
fn assert_once(findings: &[Value], secret: &str, commit: &str, path: &str) -> Value {
    let hits = of(findings, secret);
    assert_eq!(
        hits.len(),
        1,
        "want one finding for the secret: {findings:#?}"
    );
    let f = hits[0];
    assert_eq!(f["commit"].as_str(), Some(commit), "{f:#}");
    assert_eq!(f["path"].as_str(), Some(path), "{f:#}");
    assert_eq!(f["extra"]["author"].as_str(), Some("t <t@example.com>"));
    assert!(f["extra"]["date"].as_str().is_some_and(|d| d.len() >= 20));
    f.clone()
}

const RAW: &[&str] = &["--no-redact"];

#[test]
fn added_then_deleted_is_found_at_its_commit() {
    let d = repo();
    let p = d.path();
    write(p, "README.md", "hello\n");
    commit(p, "base");
    write(p, "app/.env", format!("GITHUB_TOKEN={}\n", tok(1)));
    let c = commit(p, "add");
    std::fs::remove_file(p.join("app/.env")).unwrap();
    commit(p, "remove");
    let (f, v, o) = audit(p, RAW);
    assert_eq!(o.status.code(), Some(1), "{}", stderr(&o));
    assert_once(&f, &tok(1), &c, "app/.env");
    assert_eq!(v["summary"]["commits_scanned"], 3);
}

#[test]
fn rename_and_directory_move_do_not_duplicate() {
    let d = repo();
    let p = d.path();
    write(p, "config/a.env", format!("T={}\n", tok(2)));
    let c = commit(p, "add");
    git(p, &["mv", "config/a.env", "config/b.env"]);
    commit(p, "rename");
    git(p, &["mv", "config", "settings"]);
    commit(p, "move dir");
    let (f, _, _) = audit(p, RAW);
    let one = assert_once(&f, &tok(2), &c, "config/a.env");
    assert_eq!(one["extra"]["paths"], "3", "{one:#}");
    assert_eq!(one["extra"]["blobs"], "1");
    assert_eq!(f.len(), 1, "{f:#?}");
}

#[test]
fn side_branch_merged_no_ff_names_the_side_commit() {
    let d = repo();
    let p = d.path();
    write(p, "a.txt", "a\n");
    commit(p, "base");
    git(p, &["checkout", "-q", "-b", "side"]);
    write(p, "side.cfg", format!("token: {}\n", tok(3)));
    let c = commit(p, "side adds");
    git(p, &["checkout", "-q", "main"]);
    write(p, "b.txt", "b\n");
    commit(p, "main moves");
    git(p, &["merge", "-q", "--no-ff", "side", "-m", "merge side"]);
    let (f, _, _) = audit(p, RAW);
    assert_once(&f, &tok(3), &c, "side.cfg");
}

#[test]
fn secret_only_in_a_conflict_resolution_names_the_merge() {
    let d = repo();
    let p = d.path();
    write(p, "conf.ini", "key = base\n");
    commit(p, "base");
    git(p, &["checkout", "-q", "-b", "side"]);
    write(p, "conf.ini", "key = side\n");
    commit(p, "side");
    git(p, &["checkout", "-q", "main"]);
    write(p, "conf.ini", "key = main\n");
    commit(p, "main");
    let out = std::process::Command::new("git")
        .current_dir(p)
        .args(["merge", "-q", "side", "-m", "merge"])
        .env("GIT_CONFIG_GLOBAL", "/dev/null")
        .output()
        .unwrap();
    assert!(!out.status.success(), "the merge must conflict");
    write(p, "conf.ini", format!("key = {}\n", tok(4)));
    let m = commit(p, "resolve");
    let (f, _, _) = audit(p, RAW);
    assert_once(&f, &tok(4), &m, "conf.ini");
}

#[test]
fn octopus_merge_and_what_it_adds() {
    let d = repo();
    let p = d.path();
    write(p, "base.txt", "base\n");
    commit(p, "base");
    let mut heads = Vec::new();
    for (i, b) in ["o1", "o2", "o3"].iter().enumerate() {
        git(p, &["checkout", "-q", "-b", b, "main"]);
        write(p, &format!("{b}.txt"), format!("{b}\n"));
        let c = commit(p, b);
        heads.push(c);
        if i == 1 {
            write(p, "o2.env", format!("X={}\n", tok(5)));
            heads[1] = commit(p, "o2 secret");
        }
    }
    git(p, &["checkout", "-q", "main"]);
    git(p, &["merge", "-q", "--no-commit", "o1", "o2", "o3"]);
    write(p, "octo.env", format!("Y={}\n", tok(6)));
    let m = commit(p, "octopus");
    assert_eq!(
        git(p, &["rev-list", "--parents", "-n1", "HEAD"])
            .split(' ')
            .count(),
        4
    );
    let (f, _, _) = audit(p, RAW);
    assert_once(&f, &tok(5), &heads[1], "o2.env");
    assert_once(&f, &tok(6), &m, "octo.env");
}

#[test]
fn unmerged_branch_tag_only_commit_stash_and_notes() {
    let d = repo();
    let p = d.path();
    write(p, "a.txt", "a\n");
    commit(p, "base");
    // A branch never merged.
    git(p, &["checkout", "-q", "-b", "wip"]);
    write(p, "wip.env", format!("A={}\n", tok(7)));
    let wip = commit(p, "wip");
    // A commit only a tag reaches.
    git(p, &["checkout", "-q", "--detach", "main"]);
    write(p, "tagged.env", format!("B={}\n", tok(8)));
    let tagged = commit(p, "tagged");
    git(p, &["tag", "-a", "-m", "release", "v1"]);
    git(p, &["checkout", "-q", "main"]);
    // Two stash entries: the older one is only in the stash reflog.
    write(p, "a.txt", format!("a\nC={}\n", tok(9)));
    git(p, &["stash", "-q"]);
    let old_stash = git(p, &["rev-parse", "stash@{0}"]);
    write(p, "a.txt", "a\nnothing\n");
    git(p, &["stash", "-q"]);
    // A note on HEAD.
    git(
        p,
        &["notes", "add", "-m", &format!("D={}", tok(10)), "HEAD"],
    );
    let note = git(p, &["rev-parse", "refs/notes/commits"]);
    let head = git(p, &["rev-parse", "HEAD"]);

    let (f, _, _) = audit(p, RAW);
    assert_once(&f, &tok(7), &wip, "wip.env");
    assert_once(&f, &tok(8), &tagged, "tagged.env");
    let stash_hits = of(&f, &tok(9));
    assert_eq!(stash_hits.len(), 1, "{f:#?}");
    assert_eq!(stash_hits[0]["path"], "a.txt");
    // The stash commit, or its index commit (a parent of it).
    let stashed = stash_hits[0]["commit"].as_str().unwrap();
    let parents = git(p, &["rev-list", "--parents", "-n1", &old_stash]);
    assert!(parents.contains(stashed), "{stashed} not in {parents}");
    assert_once(&f, &tok(10), &note, &head);
}

#[test]
fn unreachable_objects_need_all_objects() {
    let d = repo();
    let p = d.path();
    write(p, "a.txt", "a\n");
    commit(p, "base");
    // A dangling commit (reset away, reflogs expired) and a loose blob.
    write(p, "gone.env", format!("E={}\n", tok(11)));
    let gone = commit(p, "gone");
    git(p, &["reset", "-q", "--hard", "HEAD~1"]);
    git(p, &["reflog", "expire", "--expire=now", "--all"]);
    write(p, "loose.txt", format!("F={}\n", tok(12)));
    let blob = git(p, &["hash-object", "-w", "loose.txt"]);
    std::fs::remove_file(p.join("loose.txt")).unwrap();

    let (f, _, _) = audit(p, RAW);
    assert!(
        of(&f, &tok(11)).is_empty() && of(&f, &tok(12)).is_empty(),
        "{f:#?}"
    );
    let (f, _, _) = audit(p, &["--no-redact", "--all-objects"]);
    assert_once(&f, &tok(11), &gone, "gone.env");
    let loose = of(&f, &tok(12));
    assert_eq!(loose.len(), 1, "{f:#?}");
    assert_eq!(loose[0]["path"].as_str(), Some(blob.as_str()));
    assert_eq!(loose[0]["extra"]["reachable"], "false");
    assert!(loose[0]["commit"].is_null());
}

#[test]
fn a_secret_surviving_fifty_edits_is_reported_once() {
    let d = repo();
    let p = d.path();
    let mut text = format!("SECRET={}\n", tok(13));
    write(p, "long.cfg", &text);
    let c = commit(p, "add");
    for i in 0..50 {
        text.push_str(&format!("line {i}\n"));
        write(p, "long.cfg", &text);
        commit(p, &format!("edit {i}"));
    }
    let (f, _, _) = audit(p, RAW);
    let one = assert_once(&f, &tok(13), &c, "long.cfg");
    assert_eq!(one["extra"]["blobs"], "51");
    assert_eq!(one["extra"]["commits"], "51");
    assert_eq!(f.len(), 1);
}

#[test]
fn big_file_utf16_binary_and_odd_paths() {
    let d = repo();
    let p = d.path();
    let mut big = "x = 1\n".repeat(250_000); // 1.5 MB
    big.push_str(&format!("tail = {}\n", tok(14)));
    write(p, "big.txt", &big);
    let mut utf16 = vec![0xFF, 0xFE];
    for u in format!("token={}\r\n", tok(15)).encode_utf16() {
        utf16.extend_from_slice(&u.to_le_bytes());
    }
    write(p, "win.reg", &utf16);
    let mut bin = vec![0u8, 1, 2, 3];
    bin.extend_from_slice(format!(" {} ", tok(16)).as_bytes());
    write(p, "blob.bin", &bin);
    write(
        p,
        "caf\u{e9}/tab\there \"q\".env",
        format!("G={}\n", tok(17)),
    );
    let c = commit(p, "odd");

    let (f, _, _) = audit(p, RAW);
    assert_once(&f, &tok(14), &c, "big.txt");
    assert_once(&f, &tok(15), &c, "win.reg");
    assert!(of(&f, &tok(16)).is_empty(), "binary skipped by default");
    assert_once(&f, &tok(17), &c, "caf\u{e9}/tab\there \"q\".env");
    let (f, _, _) = audit(p, &["--no-redact", "--include-binary"]);
    assert_once(&f, &tok(16), &c, "blob.bin");
}

#[test]
fn shallow_clone_is_a_clear_error() {
    let d = repo();
    let p = d.path();
    for i in 0..3 {
        write(p, "a.txt", format!("{i}\n"));
        commit(p, &format!("c{i}"));
    }
    let c = tempfile::tempdir().unwrap();
    let url = format!("file://{}", p.display());
    git(c.path(), &["clone", "-q", "--depth", "1", &url, "clone"]);
    let o = run(&c.path().join("clone"), &["scan", "--history", "."]);
    assert_eq!(o.status.code(), Some(2));
    assert!(stderr(&o).contains("shallow clone"), "{}", stderr(&o));
}

/// The loose object file of `oid`.
fn loose(p: &Path, oid: &str) -> std::path::PathBuf {
    p.join(".git/objects").join(&oid[..2]).join(&oid[2..])
}

#[test]
fn missing_and_corrupt_objects_and_a_broken_ref_are_named_and_the_rest_goes_on() {
    let d = repo();
    let p = d.path();
    write(p, "good.env", format!("H={}\n", tok(18)));
    write(p, "missing.txt", "this blob will vanish\n");
    write(p, "corrupt.txt", "this blob will rot\n");
    let c = commit(p, "three files");
    let missing = git(p, &["rev-parse", "HEAD:missing.txt"]);
    let corrupt = git(p, &["rev-parse", "HEAD:corrupt.txt"]);
    std::fs::remove_file(loose(p, &missing)).unwrap();
    let f = loose(p, &corrupt);
    let mut perms = std::fs::metadata(&f).unwrap().permissions();
    #[allow(clippy::permissions_set_readonly_false)]
    perms.set_readonly(false);
    std::fs::set_permissions(&f, perms).unwrap();
    std::fs::write(&f, b"x\x9c not zlib at all").unwrap();
    write(p, ".git/refs/heads/broken", format!("{}\n", "1".repeat(40)));

    let (found, v, o) = audit(p, RAW);
    assert_eq!(o.status.code(), Some(1), "{}", stderr(&o));
    assert_once(&found, &tok(18), &c, "good.env");
    let errors = v["summary"]["errors"].to_string();
    assert!(errors.contains("refs/heads/broken"), "{errors}");
    assert!(
        errors.contains(&missing) && errors.contains("missing.txt"),
        "{errors}"
    );
    assert!(
        errors.contains(&corrupt) && errors.contains("corrupt.txt"),
        "{errors}"
    );
}

#[test]
fn shards_are_disjoint_and_cover_the_audit() {
    let d = repo();
    let p = d.path();
    for i in 0..12u32 {
        write(p, &format!("f{i}.env"), format!("K={}\n", tok(100 + i)));
        commit(p, &format!("c{i}"));
    }
    let (full, v, _) = audit(p, RAW);
    assert_eq!(full.len(), 12);
    let files = v["summary"]["files_scanned"].as_u64().unwrap();
    let mut seen = std::collections::BTreeSet::new();
    let mut scanned = 0;
    for k in 1..=3 {
        let shard = format!("{k}/3");
        let (f, v, _) = audit(p, &["--no-redact", "--shard", &shard]);
        scanned += v["summary"]["files_scanned"].as_u64().unwrap();
        for x in f {
            let key = (x["fingerprint"].to_string(), x["commit"].to_string());
            assert!(seen.insert(key), "a finding in two shards: {x:#}");
        }
    }
    assert_eq!(scanned, files, "every blob scanned by exactly one shard");
    let all: std::collections::BTreeSet<_> = full
        .iter()
        .map(|x| (x["fingerprint"].to_string(), x["commit"].to_string()))
        .collect();
    assert_eq!(seen, all);
}

#[test]
fn sarif_names_the_repository_commit_and_shard() {
    let d = repo();
    let p = d.path();
    write(p, "a.env", format!("T={}\n", tok(30)));
    let c = commit(p, "add");
    let out = p.join("out.sarif");
    let o = run(
        p,
        &[
            "scan",
            "--history",
            "--no-progress",
            "--shard",
            "1/1",
            "-f",
            "sarif",
            "-o",
            out.to_str().unwrap(),
            ".",
        ],
    );
    assert_eq!(o.status.code(), Some(1), "{}", stderr(&o));
    let v: Value = serde_json::from_slice(&std::fs::read(&out).unwrap()).unwrap();
    let run0 = &v["runs"][0];
    let vcp = &run0["versionControlProvenance"][0];
    assert!(
        vcp["repositoryUri"]
            .as_str()
            .unwrap()
            .starts_with("file://"),
        "{vcp}"
    );
    assert_eq!(vcp["revisionId"].as_str(), Some(c.as_str()));
    assert_eq!(vcp["branch"], "main");
    assert_eq!(
        run0["automationDetails"]["id"],
        "stowaway/history/shard-1-of-1/"
    );
    let r = &run0["results"][0];
    assert_eq!(r["properties"]["commit"].as_str(), Some(c.as_str()));
    assert!(r["partialFingerprints"]["stowaway/v1"].is_string(), "{r}");
    crate::common::validate_sarif(&out);

    // The text report says who introduced it and when.
    let o = run(p, &["scan", "--history", "--no-progress", "."]);
    let text = crate::common::stdout(&o);
    assert!(
        text.contains(&format!(
            "introduced in {} by t <t@example.com> on ",
            &c[..12]
        )),
        "{text}"
    );
}

#[test]
fn tree_scan_shards_split_the_files() {
    let d = tempfile::tempdir().unwrap();
    let p = d.path();
    for i in 0..20u32 {
        write(
            p,
            &format!("d{}/f{i}.env", i % 3),
            format!("K={}\n", tok(200 + i)),
        );
    }
    let paths = |extra: &[&str]| -> Vec<String> {
        let mut args = vec!["scan", "-f", "json", "--no-progress"];
        args.extend_from_slice(extra);
        args.push(".");
        let o = run(p, &args);
        let v: Value = serde_json::from_slice(&o.stdout).unwrap();
        let mut v: Vec<String> = v["findings"]
            .as_array()
            .unwrap()
            .iter()
            .map(|f| f["path"].as_str().unwrap().to_string())
            .collect();
        v.sort();
        v
    };
    let full = paths(&[]);
    assert_eq!(full.len(), 20);
    let mut union = Vec::new();
    for k in 1..=4 {
        let s = format!("{k}/4");
        let part = paths(&["--shard", &s]);
        assert!(part.len() < 20, "shard {s} holds everything");
        union.extend(part);
    }
    union.sort();
    assert_eq!(union, full, "disjoint shards whose union is the full scan");
}

#[test]
fn the_same_secret_in_two_files_is_two_findings() {
    let d = repo();
    let p = d.path();
    write(p, "a.env", format!("T={}\n", tok(21)));
    let first = commit(p, "add a");
    write(p, "b/deploy.sh", format!("export T={}\n", tok(21)));
    let second = commit(p, "add b");
    let (f, _, _) = audit(p, RAW);
    let mut hits: Vec<(String, String)> = of(&f, &tok(21))
        .iter()
        .map(|h| {
            (
                h["path"].as_str().unwrap_or("").to_string(),
                h["commit"].as_str().unwrap_or("").to_string(),
            )
        })
        .collect();
    hits.sort();
    assert_eq!(
        hits,
        vec![
            ("a.env".to_string(), first),
            ("b/deploy.sh".to_string(), second)
        ],
        "{f:#?}"
    );
}
