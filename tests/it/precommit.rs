//! The pre-commit hooks, for real: the `pre-commit` client from PyPI
//! (installed by scripts/precommit-test-setup.sh into target/test-tools) runs
//! this repository's `.pre-commit-hooks.yaml` in scratch repositories, and a
//! plain `.git/hooks/pre-commit` runs `stowaway scan --staged`.
//!
//! Build cost: pre-commit builds `language: rust` hooks with
//! `cargo install --bins --path .`. The test hands it a snapshot of the work
//! tree as one commit whose id depends only on the content, and keeps
//! pre-commit's cache (PRE_COMMIT_HOME) and cargo's target directory in
//! target/, so a CI run builds the hook once, and a later run with unchanged
//! sources not at all.
//!
//! Skipped with a message when pre-commit is not installed, unless
//! STOWAWAY_REQUIRE_SHARED=1 (scripts/test.sh), when that fails the test.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::sync::{Mutex, OnceLock};
use std::time::{Duration, Instant};

const BIN: &str = env!("CARGO_BIN_EXE_stowaway");

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

fn tools() -> PathBuf {
    std::env::var_os("STOWAWAY_TEST_TOOLS")
        .map(PathBuf::from)
        .unwrap_or_else(|| root().join("target/test-tools"))
}

fn pre_commit() -> Option<PathBuf> {
    let p = tools().join("bin/pre-commit");
    if p.exists() {
        return Some(p);
    }
    assert!(
        std::env::var("STOWAWAY_REQUIRE_SHARED").map_or(true, |v| v != "1"),
        "pre-commit not found at {} (run scripts/precommit-test-setup.sh)",
        p.display()
    );
    eprintln!("SKIP: pre-commit not found at {}", p.display());
    None
}

/// A fake secret, assembled at run time so this file is not itself a finding.
fn pat() -> String {
    format!("ghp_{}", "pdDV7xHFWaRc8L0RiMIix2LKJxQcCX4f1RyJ")
}

fn git_cmd(dir: &Path) -> Command {
    let mut c = Command::new("git");
    c.current_dir(dir)
        .env("GIT_AUTHOR_NAME", "t")
        .env("GIT_AUTHOR_EMAIL", "t@example.com")
        .env("GIT_COMMITTER_NAME", "t")
        .env("GIT_COMMITTER_EMAIL", "t@example.com")
        .env("GIT_CONFIG_GLOBAL", "/dev/null");
    c
}

fn git(dir: &Path, args: &[&str]) -> String {
    let out = git_cmd(dir).args(args).output().expect("git runs");
    assert!(
        out.status.success(),
        "git {args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).trim().to_string()
}

fn write(dir: &Path, rel: &str, text: &str) {
    let p = dir.join(rel);
    if let Some(d) = p.parent() {
        std::fs::create_dir_all(d).expect("mkdir");
    }
    std::fs::write(p, text).expect("write");
}

fn scratch() -> tempfile::TempDir {
    let d = tempfile::tempdir().expect("tempdir");
    git(d.path(), &["init", "-q", "-b", "main"]);
    d
}

/// This work tree (tracked and untracked, not ignored) committed into
/// target/test-tools/hook-src as a parentless commit with fixed dates: the
/// same sources give the same commit id, so pre-commit's cache is reused.
fn hook_repo() -> (PathBuf, String) {
    static SNAP: OnceLock<(PathBuf, String)> = OnceLock::new();
    SNAP.get_or_init(|| {
        let src = tools().join("hook-src");
        std::fs::create_dir_all(&src).expect("mkdir hook-src");
        if !src.join(".git").exists() {
            git(&src, &["init", "-q", "-b", "main"]);
        }
        // Wipe what the last snapshot left, keep .git.
        for e in std::fs::read_dir(&src).expect("read hook-src").flatten() {
            if e.file_name() != ".git" {
                let p = e.path();
                if p.is_dir() {
                    std::fs::remove_dir_all(&p).expect("rm dir");
                } else {
                    std::fs::remove_file(&p).expect("rm file");
                }
            }
        }
        let list = git_cmd(&root())
            .args(["ls-files", "-z", "-co", "--exclude-standard"])
            .output()
            .expect("ls-files");
        for rel in list.stdout.split(|&b| b == 0).filter(|r| !r.is_empty()) {
            let rel = String::from_utf8_lossy(rel).into_owned();
            let from = root().join(&rel);
            if !from.is_file() {
                continue; // deleted in the work tree
            }
            let to = src.join(&rel);
            if let Some(d) = to.parent() {
                std::fs::create_dir_all(d).expect("mkdir");
            }
            std::fs::copy(&from, &to).expect("copy into snapshot");
        }
        git(&src, &["add", "-A"]);
        let tree = git(&src, &["write-tree"]);
        let out = git_cmd(&src)
            .args([
                "commit-tree",
                &tree,
                "-m",
                "snapshot for tests/precommit.rs",
            ])
            .env("GIT_AUTHOR_DATE", "2000-01-01T00:00:00Z")
            .env("GIT_COMMITTER_DATE", "2000-01-01T00:00:00Z")
            .output()
            .expect("commit-tree");
        assert!(out.status.success());
        let commit = String::from_utf8_lossy(&out.stdout).trim().to_string();
        git(&src, &["update-ref", "refs/heads/main", &commit]);
        git(&src, &["reset", "-q", "--hard", &commit]);
        (src, commit)
    })
    .clone()
}

/// One pre-commit at a time: the first one builds the hook.
static SERIAL: Mutex<()> = Mutex::new(());

fn pc(bin: &Path, dir: &Path, args: &[&str]) -> Output {
    // The target directory this test's own binary was built in: cargo
    // install reuses its compiled dependencies.
    let target_dir = Path::new(BIN)
        .parent()
        .and_then(Path::parent)
        .map(Path::to_path_buf)
        .unwrap_or_else(|| tools().join("cargo-target"));
    git_cmd(dir).arg("--version").output().expect("git present");
    Command::new(bin)
        .args(args)
        .current_dir(dir)
        .env("PRE_COMMIT_HOME", tools().join("pre-commit-home"))
        .env("CARGO_TARGET_DIR", target_dir)
        .env("GIT_AUTHOR_NAME", "t")
        .env("GIT_AUTHOR_EMAIL", "t@example.com")
        .env("GIT_COMMITTER_NAME", "t")
        .env("GIT_COMMITTER_EMAIL", "t@example.com")
        .env("GIT_CONFIG_GLOBAL", "/dev/null")
        .env("NO_COLOR", "1")
        .output()
        .expect("pre-commit runs")
}

fn text(o: &Output) -> String {
    format!(
        "exit {:?}\n{}{}",
        o.status.code(),
        String::from_utf8_lossy(&o.stdout),
        String::from_utf8_lossy(&o.stderr)
    )
}

fn try_repo(bin: &Path, dir: &Path, hook: &str, extra: &[&str]) -> Output {
    let (src, rev) = hook_repo();
    let src = src.to_string_lossy().into_owned();
    let mut args = vec!["try-repo", &src];
    if !hook.is_empty() {
        args.push(hook);
    }
    args.extend_from_slice(&["--ref", &rev, "--color", "never"]);
    args.extend_from_slice(extra);
    pc(bin, dir, &args)
}

#[test]
fn precommit_try_repo_blocks_a_staged_secret_and_a_staged_dockerfile() {
    let Some(bin) = pre_commit() else { return };
    let _one = SERIAL.lock().unwrap_or_else(|e| e.into_inner());

    // Staged: a secret and a Dockerfile with findings.
    let d = scratch();
    write(d.path(), "README.md", "# demo\n");
    git(d.path(), &["add", "README.md"]);
    git(d.path(), &["commit", "-q", "-m", "init"]);
    write(
        d.path(),
        "config/deploy.env",
        &format!("GITHUB_TOKEN={}\n", pat()),
    );
    write(d.path(), "Dockerfile", "FROM ubuntu:latest\nRUN echo hi\n");
    git(d.path(), &["add", "config/deploy.env", "Dockerfile"]);

    // try-repo builds into a throw-away store on every call, so it is called
    // once, for both hooks (no hook id = every hook of the repository).
    let t0 = Instant::now();
    let out = try_repo(&bin, d.path(), "", &[]);
    eprintln!(
        "MEASURE pre-commit try-repo, including the hook's cargo install: {:.1} s",
        t0.elapsed().as_secs_f64()
    );
    let s = text(&out);
    assert_eq!(out.status.code(), Some(1), "{s}");
    assert!(s.contains("stowaway (secrets and Dockerfiles)"), "{s}");
    assert!(s.contains("stowaway (Dockerfile lint)"), "{s}");
    assert!(!s.contains("Passed"), "both hooks must fail:\n{s}");
    assert!(s.contains("github-classic-pat"), "{s}");
    assert!(s.contains("config/deploy.env:1"), "{s}");
    assert!(s.contains("dockerfile-unpinned-base-image"), "{s}");
    assert!(s.contains("ghp_…"), "the redacted secret is shown:\n{s}");
    assert!(!s.contains(&pat()), "the secret was printed in full:\n{s}");
}

#[test]
fn precommit_installed_hook_blocks_git_commit_and_scans_the_index() {
    let Some(bin) = pre_commit() else { return };
    let _one = SERIAL.lock().unwrap_or_else(|e| e.into_inner());
    let (src, rev) = hook_repo();
    let d = scratch();
    let p = d.path();
    write(
        p,
        ".pre-commit-config.yaml",
        &format!(
            "repos:\n- repo: {}\n  rev: {rev}\n  hooks:\n  - id: stowaway\n  - id: stowaway-dockerfile\n",
            src.display()
        ),
    );
    git(p, &["add", ".pre-commit-config.yaml"]);
    git(p, &["commit", "-q", "-m", "config"]);
    let out = pc(&bin, p, &["install"]);
    assert!(out.status.success(), "{}", text(&out));

    // 0. A clean commit passes both hooks (the first run here builds the
    //    hook once into PRE_COMMIT_HOME; later runs and CI reruns reuse it).
    write(p, "src/main.py", "print('hello')\n");
    write(
        p,
        "Dockerfile",
        "FROM alpine:3.20@sha256:0000000000000000000000000000000000000000000000000000000000000000\nUSER 10001\nCMD [\"true\"]\n",
    );
    git(p, &["add", "-A"]);
    let t0 = Instant::now();
    let out = pc(&bin, p, &["run"]);
    eprintln!(
        "MEASURE first `pre-commit run` (builds the hook unless cached): {:.1} s",
        t0.elapsed().as_secs_f64()
    );
    let s = text(&out);
    assert_eq!(out.status.code(), Some(0), "{s}");
    assert!(
        s.contains("stowaway (secrets and Dockerfiles)") && s.contains("Passed"),
        "{s}"
    );
    assert!(s.contains("stowaway (Dockerfile lint)"), "{s}");
    let commit = git_cmd(p)
        .args(["commit", "-q", "-m", "clean"])
        .env("PRE_COMMIT_HOME", tools().join("pre-commit-home"))
        .output()
        .expect("git commit");
    assert!(commit.status.success(), "{}", text(&commit));
    let head = git(p, &["rev-parse", "HEAD"]);

    // 1. A staged secret blocks `git commit`, and the commit is not made.
    write(p, "app.env", &format!("TOKEN={}\n", pat()));
    git(p, &["add", "app.env"]);
    let out = pc(&bin, p, &["run"]);
    assert_eq!(out.status.code(), Some(1), "{}", text(&out));
    let commit = git_cmd(p)
        .args(["commit", "-q", "-m", "leak"])
        .env("PRE_COMMIT_HOME", tools().join("pre-commit-home"))
        .output()
        .expect("git commit");
    let s = text(&commit);
    assert!(!commit.status.success(), "the commit went through:\n{s}");
    assert!(s.contains("github-classic-pat"), "{s}");
    assert_eq!(git(p, &["rev-parse", "HEAD"]), head, "a commit was made");

    // 2. Staged secret, unstaged fix: the index is what would be committed,
    //    so it is still blocked.
    write(p, "app.env", "TOKEN=from-the-vault\n");
    let out = pc(&bin, p, &["run"]);
    assert_eq!(out.status.code(), Some(1), "{}", text(&out));

    // 3. Staged clean, unstaged secret: passes (pre-commit stashes the
    //    unstaged change; stowaway reads the index).
    git(p, &["add", "app.env"]);
    write(p, "app.env", &format!("TOKEN={}\n", pat()));
    let out = pc(&bin, p, &["run"]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
    write(p, "app.env", "TOKEN=from-the-vault\n");
    let commit = git_cmd(p)
        .args(["commit", "-q", "-m", "clean"])
        .env("PRE_COMMIT_HOME", tools().join("pre-commit-home"))
        .output()
        .expect("git commit");
    assert!(commit.status.success(), "{}", text(&commit));

    // 4. `--all-files` names every tracked file: an old secret is found
    //    (the gitleaks#1409 failure was a scan of nothing here).
    write(p, "old.env", &format!("TOKEN={}\n", pat()));
    git(p, &["add", "old.env"]);
    git_cmd(p)
        .args(["commit", "-q", "--no-verify", "-m", "old leak"])
        .output()
        .expect("commit");
    let out = pc(&bin, p, &["run", "--all-files"]);
    let s = text(&out);
    assert_eq!(out.status.code(), Some(1), "{s}");
    assert!(s.contains("old.env"), "{s}");

    // 5. Timing of the hook on a 10-file commit.
    for i in 0..10 {
        write(
            p,
            &format!("src/mod{i}.rs"),
            &"pub fn f() -> u32 { 42 }\n// a line of ordinary code\n".repeat(40),
        );
    }
    git(p, &["add", "src"]);
    let files: Vec<String> = (0..10).map(|i| format!("src/mod{i}.rs")).collect();
    let installed = find_installed(&tools().join("pre-commit-home")).expect("hook binary");
    let empty = tempfile::tempdir().expect("tempdir");
    let median_of = |args: &[&str], files: &[String], dir: &Path| {
        let mut times = Vec::new();
        for _ in 0..21 {
            let t = Instant::now();
            let o = Command::new(&installed)
                .args(args)
                .args(files)
                .current_dir(dir)
                .output()
                .expect("hook binary runs");
            times.push(t.elapsed());
            assert_eq!(o.status.code(), Some(0), "{}", text(&o));
        }
        times.sort();
        times[times.len() / 2]
    };
    let hook = median_of(&["scan", "--staged", "--no-progress"], &files, p);
    // The same binary scanning nothing: its start-up (building the rule set).
    let nothing = median_of(&["scan", "--no-progress"], &[], empty.path());
    let t = Instant::now();
    let out = pc(&bin, p, &["run", "stowaway"]);
    let whole = t.elapsed();
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
    eprintln!(
        "MEASURE hook on a 10-file commit: `stowaway scan --staged` median {:.1} ms of 21 runs; \
         of which start-up (a scan of an empty directory) {:.1} ms; \
         `pre-commit run stowaway` end to end {:.0} ms",
        ms(hook),
        ms(nothing),
        ms(whole)
    );
    // What --staged adds (git, reading the index, scanning 10 files) must stay
    // far below 100 ms. The total also depends on the engine's start-up and on
    // the machine's load; STOWAWAY_HOOK_BUDGET_MS=100 asserts it too.
    assert!(
        hook.saturating_sub(nothing) < Duration::from_millis(100),
        "--staged on 10 files added {:.1} ms over start-up",
        ms(hook.saturating_sub(nothing))
    );
    if let Some(budget) = std::env::var("STOWAWAY_HOOK_BUDGET_MS")
        .ok()
        .and_then(|v| v.parse::<u64>().ok())
    {
        assert!(
            hook < Duration::from_millis(budget),
            "the hook took {:.1} ms on 10 files (budget {budget} ms)",
            ms(hook)
        );
    }
}

fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1000.0
}

/// The stowaway that pre-commit installed for the hook.
fn find_installed(home: &Path) -> Option<PathBuf> {
    let mut newest: Option<(std::time::SystemTime, PathBuf)> = None;
    for repo in std::fs::read_dir(home).ok()?.flatten() {
        for env in std::fs::read_dir(repo.path())
            .into_iter()
            .flatten()
            .flatten()
        {
            let bin = env.path().join("bin/stowaway");
            if env.file_name().to_string_lossy().starts_with("rustenv") && bin.is_file() {
                let t = bin.metadata().and_then(|m| m.modified()).ok()?;
                if newest.as_ref().is_none_or(|(n, _)| t > *n) {
                    newest = Some((t, bin));
                }
            }
        }
    }
    newest.map(|(_, p)| p)
}

#[test]
fn plain_git_hook_blocks_a_staged_secret() {
    // No pre-commit framework: `.git/hooks/pre-commit` runs
    // `stowaway scan --staged` with no file list.
    let d = scratch();
    let p = d.path();
    let hook = p.join(".git/hooks/pre-commit");
    std::fs::create_dir_all(hook.parent().expect("hooks dir")).expect("mkdir");
    std::fs::write(
        &hook,
        format!("#!/bin/sh\nexec '{BIN}' scan --staged --no-progress\n"),
    )
    .expect("hook");
    let st = Command::new("chmod")
        .arg("+x")
        .arg(&hook)
        .status()
        .expect("chmod");
    assert!(st.success());

    // Nothing staged: a clean exit that says 0 files.
    let o = Command::new(BIN)
        .args(["scan", "--staged", "--no-progress"])
        .current_dir(p)
        .output()
        .expect("runs");
    assert_eq!(o.status.code(), Some(0), "{}", text(&o));
    assert!(text(&o).contains("0 files"), "{}", text(&o));

    write(p, "a.txt", "hello\n");
    git(p, &["add", "a.txt"]);
    git(p, &["commit", "-q", "-m", "clean"]);

    write(p, "b.env", &format!("TOKEN={}\n", pat()));
    git(p, &["add", "b.env"]);
    write(p, "b.env", "TOKEN=removed-but-not-staged\n");
    let o = git_cmd(p)
        .args(["commit", "-q", "-m", "leak"])
        .output()
        .expect("commit");
    let s = text(&o);
    assert!(!o.status.success(), "{s}");
    assert!(
        s.contains("github-classic-pat") && s.contains("b.env"),
        "{s}"
    );

    // `git commit FILE` commits through a temporary index: still scanned.
    git(p, &["reset", "-q", "b.env"]);
    write(p, "a.txt", &format!("hello {}\n", pat()));
    let o = git_cmd(p)
        .args(["commit", "-q", "-m", "partial", "a.txt"])
        .output()
        .expect("commit");
    assert!(!o.status.success(), "{}", text(&o));

    // Outside a repository: exit 2 with the reason.
    let n = tempfile::tempdir().expect("tempdir");
    let o = Command::new(BIN)
        .args(["scan", "--staged", "--no-progress"])
        .current_dir(n.path())
        .env(
            "GIT_CEILING_DIRECTORIES",
            n.path().parent().unwrap_or(n.path()),
        )
        .output()
        .expect("runs");
    assert_eq!(o.status.code(), Some(2), "{}", text(&o));
    assert!(
        text(&o).contains("not inside a git repository"),
        "{}",
        text(&o)
    );
}

#[test]
fn hooks_file_points_at_docs_that_exist() {
    let text = std::fs::read_to_string(root().join(".pre-commit-hooks.yaml")).expect("hooks file");
    let docs: Vec<&str> = text
        .split(|c: char| c.is_whitespace() || matches!(c, '(' | ')' | ',' | '`'))
        .map(|w| w.trim_end_matches(['.', ':']))
        .filter(|w| w.ends_with(".md"))
        .collect();
    assert!(!docs.is_empty(), "the hooks file names no documentation");
    for d in docs {
        assert!(
            root().join(d).is_file(),
            ".pre-commit-hooks.yaml names {d}, which does not exist"
        );
    }
}
