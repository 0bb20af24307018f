//! Tests of `src/source/git.rs` against real scratch repositories.
//!
//! They call the library module directly, so they do not depend on how the
//! CLI wires it.

use crate::common::git;
use gitsrc::GitBlob;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::{RwLock, RwLockReadGuard, RwLockWriteGuard};
use stowaway::source::git as gitsrc;

/// Tests that set process environment variables take this for writing; the
/// rest for reading, so no git they start sees another test's variables.
static ENV: RwLock<()> = RwLock::new(());

fn env_shared() -> RwLockReadGuard<'static, ()> {
    ENV.read().unwrap_or_else(|e| e.into_inner())
}

fn env_exclusive() -> RwLockWriteGuard<'static, ()> {
    ENV.write().unwrap_or_else(|e| e.into_inner())
}

fn repo() -> tempfile::TempDir {
    let d = tempfile::tempdir().expect("tempdir");
    git(d.path(), &["init", "-q", "-b", "main"]);
    git(d.path(), &["config", "commit.gpgsign", "false"]);
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

fn by_path<'a>(blobs: &'a [GitBlob], path: &str) -> Vec<&'a GitBlob> {
    blobs.iter().filter(|b| b.path == path).collect()
}

fn text(b: &GitBlob) -> String {
    String::from_utf8_lossy(&b.content).into_owned()
}

#[test]
fn staged_reads_the_index_not_the_work_tree() {
    let _env = env_shared();
    let d = repo();
    let p = d.path();
    write(p, "keep.txt", "old\n");
    commit(p, "base");
    write(p, "keep.txt", "old\nstaged line\n");
    write(p, "new.env", "TOKEN=staged\n");
    write(p, "sub/Dockerfile", "FROM alpine\n");
    git(p, &["add", "keep.txt", "new.env", "sub/Dockerfile"]);
    // Unstaged edits after staging must not be what is scanned.
    write(p, "new.env", "TOKEN=work-tree-only\n");
    write(p, "untracked.txt", "never staged\n");

    let blobs = gitsrc::staged(p, &[]).expect("staged");
    let paths: Vec<&str> = blobs.iter().map(|b| b.path.as_str()).collect();
    assert_eq!(paths, vec!["keep.txt", "new.env", "sub/Dockerfile"]);
    assert_eq!(text(by_path(&blobs, "new.env")[0]), "TOKEN=staged\n");
    assert!(blobs
        .iter()
        .all(|b| b.commit.is_none() && b.added_lines.is_none()));
}

#[test]
fn staged_skips_deletions_and_symlinks_and_handles_the_first_commit() {
    let _env = env_shared();
    let d = repo();
    let p = d.path();
    // Before the first commit there is no HEAD: everything staged is new.
    write(p, "a.txt", "a\n");
    git(p, &["add", "a.txt"]);
    let blobs = gitsrc::staged(p, &[]).expect("staged on an unborn branch");
    assert_eq!(blobs.len(), 1);
    commit(p, "first");

    git(p, &["rm", "-q", "a.txt"]);
    #[cfg(unix)]
    {
        std::os::unix::fs::symlink("/etc/passwd", p.join("link")).expect("symlink");
        git(p, &["add", "link"]);
    }
    let blobs = gitsrc::staged(p, &[]).expect("staged");
    assert!(blobs.is_empty(), "{blobs:?}");
}

#[test]
fn staged_with_paths_scans_exactly_the_named_files() {
    let _env = env_shared();
    let d = repo();
    let p = d.path();
    write(p, "a.txt", "committed, unchanged\n");
    write(p, "dir/b.txt", "b\n");
    commit(p, "base");
    write(p, "c.txt", "staged new\n");
    git(p, &["add", "c.txt"]);
    // pre-commit --all-files names unchanged files too: they must be scanned
    // (gitleaks#1409 scanned nothing here).
    let blobs = gitsrc::staged(
        p,
        &[
            PathBuf::from("a.txt"),
            PathBuf::from("./c.txt"),
            PathBuf::from("dir"),
        ],
    )
    .expect("staged with paths");
    let paths: Vec<&str> = blobs.iter().map(|b| b.path.as_str()).collect();
    assert_eq!(paths, vec!["a.txt", "c.txt", "dir/b.txt"]);

    // An absolute path inside the work tree works too.
    let abs = p.join("a.txt");
    let blobs = gitsrc::staged(p, &[abs]).expect("absolute path");
    assert_eq!(blobs.len(), 1);
    assert_eq!(blobs[0].path, "a.txt");

    // A file not in the index but on disk is read from disk: named = scanned.
    write(p, "untracked.txt", "x\n");
    let blobs = gitsrc::staged(p, &[PathBuf::from("untracked.txt")]).expect("untracked");
    assert_eq!(blobs.len(), 1);

    // A named path that exists nowhere is an error, not a silent skip.
    let err = gitsrc::staged(p, &[PathBuf::from("missing.txt")]).expect_err("missing");
    assert!(err.to_string().contains("missing.txt"), "{err:#}");
}

#[test]
fn staged_from_a_subdirectory_uses_repo_relative_paths() {
    let _env = env_shared();
    let d = repo();
    let p = d.path();
    write(p, "sub/x.txt", "x\n");
    commit(p, "base");
    write(p, "sub/x.txt", "x2\n");
    git(p, &["add", "sub/x.txt"]);
    let sub = p.join("sub");
    let blobs = gitsrc::staged(&sub, &[PathBuf::from("x.txt")]).expect("from sub");
    assert_eq!(blobs[0].path, "sub/x.txt");
    assert_eq!(text(&blobs[0]), "x2\n");
    let blobs = gitsrc::staged(&sub, &[]).expect("from sub, no paths");
    assert_eq!(blobs[0].path, "sub/x.txt");
}

#[test]
fn staged_honours_a_hooks_temporary_index() {
    let _env = env_exclusive();
    // `git commit FILE` runs the hook with GIT_INDEX_FILE pointing at a
    // temporary index; that index is what gets committed.
    let d = repo();
    let p = d.path();
    write(p, "a.txt", "a\n");
    commit(p, "base");
    write(p, "a.txt", "partial-commit content\n");
    let tmp_index = p.join(".git/tmp-index");
    std::fs::copy(p.join(".git/index"), &tmp_index).expect("copy index");
    let st = Command::new("git")
        .current_dir(p)
        .env("GIT_INDEX_FILE", &tmp_index)
        .args(["add", "a.txt"])
        .status()
        .expect("git add");
    assert!(st.success());
    // The real index still has the old content; the temporary one the new.
    assert!(gitsrc::staged(p, &[]).expect("staged").is_empty());
    std::env::set_var("GIT_INDEX_FILE", &tmp_index);
    let blobs = gitsrc::staged(p, &[]);
    std::env::remove_var("GIT_INDEX_FILE");
    let blobs = blobs.expect("staged with GIT_INDEX_FILE");
    assert_eq!(blobs.len(), 1);
    assert_eq!(text(&blobs[0]), "partial-commit content\n");
}

#[test]
fn outside_a_repository_is_an_error() {
    let _env = env_exclusive();
    let d = tempfile::tempdir().expect("tempdir");
    // Keep git from finding a repository above the temp dir.
    std::env::set_var(
        "GIT_CEILING_DIRECTORIES",
        d.path().parent().unwrap_or(d.path()),
    );
    let e1 = gitsrc::staged(d.path(), &[]).expect_err("not a repo");
    let e2 = gitsrc::range(d.path(), "HEAD~1..HEAD").expect_err("not a repo");
    std::env::remove_var("GIT_CEILING_DIRECTORIES");
    for e in [e1, e2] {
        assert!(
            e.to_string().contains("not inside a git repository"),
            "{e:#}"
        );
    }
}

#[test]
fn range_scans_every_commit_not_only_the_tip() {
    let _env = env_shared();
    let d = repo();
    let p = d.path();
    write(p, "app.py", "print('hi')\n");
    let base = commit(p, "base");
    write(p, "app.py", "print('hi')\nKEY = 'added-then-removed'\n");
    let c1 = commit(p, "add key");
    write(p, "app.py", "print('hi')\n");
    let c2 = commit(p, "remove key");
    write(p, "other.txt", "one\ntwo\nthree\n");
    let c3 = commit(p, "other");

    let (blobs, n) = gitsrc::range(p, &format!("{base}..HEAD")).expect("range");
    assert_eq!(n, 3);
    // c1 adds line 2 of app.py; c2 only deletes (nothing added, nothing to
    // scan); c3 adds other.txt lines 1-3.
    let app = by_path(&blobs, "app.py");
    assert_eq!(app.len(), 1, "{blobs:?}");
    assert_eq!(app[0].commit.as_deref(), Some(c1.as_str()));
    assert_eq!(app[0].added_lines, Some(vec![2..=2]));
    assert!(text(app[0]).contains("added-then-removed"));
    assert!(app[0].is_added(2) && !app[0].is_added(1));
    let other = by_path(&blobs, "other.txt");
    assert_eq!(other[0].commit.as_deref(), Some(c3.as_str()));
    assert_eq!(other[0].added_lines, Some(vec![1..=3]));
    assert!(!blobs
        .iter()
        .any(|b| b.commit.as_deref() == Some(c2.as_str())));

    // An empty range is zero commits, said as such (not an error).
    let (blobs, n) = gitsrc::range(p, "HEAD..HEAD").expect("empty range");
    assert_eq!((blobs.len(), n), (0, 0));

    // REV^! is that one commit.
    let (blobs, n) = gitsrc::range(p, &format!("{c1}^!")).expect("one commit");
    assert_eq!((blobs.len(), n), (1, 1));

    // A single rev is its whole history, root commit included.
    let (blobs, n) = gitsrc::range(p, "HEAD").expect("history");
    assert_eq!(n, 4);
    assert!(blobs
        .iter()
        .any(|b| b.commit.as_deref() == Some(base.as_str())));
}

#[test]
fn range_line_numbers_follow_each_commit() {
    let _env = env_shared();
    let d = repo();
    let p = d.path();
    write(p, "f.txt", "1\n2\n3\n4\n5\n");
    let base = commit(p, "base");
    // Change line 2, insert after 4, append at the end.
    write(p, "f.txt", "1\nTWO\n3\n4\nnew-a\nnew-b\n5\nlast\n");
    commit(p, "edit");
    let (blobs, _) = gitsrc::range(p, &format!("{base}..HEAD")).expect("range");
    assert_eq!(blobs[0].added_lines, Some(vec![2..=2, 5..=6, 8..=8]));
    assert!(blobs[0].touches_added(1, 2));
    assert!(!blobs[0].touches_added(3, 4));
}

#[test]
fn range_handles_odd_paths_binaries_and_deletions() {
    let _env = env_shared();
    let d = repo();
    let p = d.path();
    write(p, "gone.txt", "bye\n");
    let base = commit(p, "base");
    write(p, "with space/ta\tb é.txt", "secret here\n");
    std::fs::write(p.join("blob.bin"), b"\x00\x01binary\x00key=abc\n").expect("write");
    std::fs::remove_file(p.join("gone.txt")).expect("rm");
    commit(p, "odd");
    let (blobs, n) = gitsrc::range(p, &format!("{base}..HEAD")).expect("range");
    assert_eq!(n, 1);
    let odd = by_path(&blobs, "with space/ta\tb é.txt");
    assert_eq!(odd.len(), 1, "{blobs:?}");
    assert_eq!(odd[0].added_lines, Some(vec![1..=1]));
    let bin = by_path(&blobs, "blob.bin");
    assert_eq!(bin.len(), 1);
    assert_eq!(bin[0].added_lines, None, "binaries are scanned whole");
    assert!(by_path(&blobs, "gone.txt").is_empty());
}

#[test]
fn range_counts_only_what_a_merge_itself_adds() {
    let _env = env_shared();
    let d = repo();
    let p = d.path();
    write(p, "a.txt", "a1\n");
    write(p, "b.txt", "b1\n");
    let base = commit(p, "base");
    git(p, &["checkout", "-q", "-b", "side"]);
    write(p, "b.txt", "b1\nfrom-side\n");
    commit(p, "side");
    git(p, &["checkout", "-q", "main"]);
    write(p, "a.txt", "a1\nfrom-main\n");
    commit(p, "main");
    // A merge whose result adds a line no parent has (an "evil merge").
    git(p, &["merge", "-q", "--no-commit", "--no-ff", "side"]);
    write(p, "a.txt", "a1\nfrom-main\nevil\n");
    git(p, &["add", "a.txt"]);
    git(p, &["commit", "-q", "-m", "merge"]);
    let merge = git(p, &["rev-parse", "HEAD"]);
    let (blobs, n) = gitsrc::range(p, &format!("{base}..HEAD")).expect("range");
    assert_eq!(n, 3);
    let at_merge: Vec<&GitBlob> = blobs
        .iter()
        .filter(|b| b.commit.as_deref() == Some(merge.as_str()))
        .collect();
    assert_eq!(at_merge.len(), 1, "{blobs:?}");
    assert_eq!(at_merge[0].path, "a.txt");
    assert_eq!(at_merge[0].added_lines, Some(vec![3..=3]));
}

#[test]
fn range_refuses_what_it_cannot_scan_completely() {
    let _env = env_shared();
    let d = repo();
    let p = d.path();
    write(p, "f.txt", "1\n");
    commit(p, "one");
    write(p, "f.txt", "1\n2\n");
    commit(p, "two");
    write(p, "f.txt", "1\n2\n3\n");
    commit(p, "three");

    for bad in ["nope..HEAD", "HEAD..nope", "--output=/tmp/x", "a b", ""] {
        let e = gitsrc::range(p, bad).expect_err(bad);
        let s = format!("{e:#}");
        assert!(
            s.contains("does not resolve") || s.contains("invalid") || s.contains("empty"),
            "{bad}: {s}"
        );
    }

    // A shallow clone with depth 1: the base is missing.
    let c = tempfile::tempdir().expect("tempdir");
    let url = format!("file://{}", p.display());
    let clone = c.path().join("clone");
    git(
        c.path(),
        &[
            "clone",
            "-q",
            "--depth",
            "1",
            &url,
            clone.to_str().unwrap_or("clone"),
        ],
    );
    let base = git(p, &["rev-parse", "HEAD~2"]);
    let e = gitsrc::range(&clone, &format!("{base}..HEAD")).expect_err("shallow, base missing");
    assert!(format!("{e:#}").contains("shallow"), "{e:#}");
    // The base is named but the cut is inside the range: HEAD~1 is not in a
    // depth-1 clone either, so use a depth-2 clone and a base below the cut.
    let clone2 = c.path().join("clone2");
    git(
        c.path(),
        &[
            "clone",
            "-q",
            "--depth",
            "2",
            &url,
            clone2.to_str().unwrap_or("clone2"),
        ],
    );
    // Fetch the root commit alone so the base resolves but the range is cut.
    let root = git(p, &["rev-list", "--max-parents=0", "HEAD"]);
    git(&clone2, &["fetch", "-q", "--depth", "1", "origin", &root]);
    let e = gitsrc::range(&clone2, &format!("{root}..HEAD")).expect_err("cut inside the range");
    assert!(format!("{e:#}").contains("shallow"), "{e:#}");
    // Within the fetched depth a shallow clone is fine.
    let (_, n) = gitsrc::range(&clone2, "HEAD~1..HEAD").expect("within depth");
    assert_eq!(n, 1);
}
