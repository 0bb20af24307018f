//! Helpers shared by the integration tests: fake secrets built at run time
//! (so the repository itself holds no scannable token), and running the binary.

pub mod archive;
pub mod compress;
pub mod image;

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

const BASE62: &[u8] = b"0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";

/// A GitHub-format token with a valid checksum, from a 30-char seed.
pub fn github_token(prefix: &str, seed: &str) -> String {
    assert_eq!(seed.len(), 30);
    let mut n = crc32fast::hash(seed.as_bytes());
    let mut c = [b'0'; 6];
    for slot in c.iter_mut().rev() {
        *slot = BASE62[(n % 62) as usize];
        n /= 62;
    }
    format!("{prefix}{seed}{}", std::str::from_utf8(&c).unwrap())
}

pub fn ghp() -> String {
    github_token("ghp_", "Xq7Lm2Np9Rt4Vw8Yz3Bc6Df1Gh5Jk0")
}

/// An AWS-shaped access key id (fake).
pub fn akia() -> String {
    ["AKIA", "Q4ZR7XN2", "LP5W3MDV"].concat()
}

pub fn stowaway() -> Command {
    Command::new(env!("CARGO_BIN_EXE_stowaway"))
}

pub fn run(dir: &Path, args: &[&str]) -> Output {
    stowaway()
        .current_dir(dir)
        .args(args)
        .env("NO_COLOR", "1")
        .output()
        .expect("run stowaway")
}

pub fn stdout(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}

pub fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

/// The directory of peer tools, corpora and checkers kept outside the
/// repository: `$STOWAWAY_SHARED`, by default `../shared` next to it.
pub fn shared_dir() -> PathBuf {
    std::env::var_os("STOWAWAY_SHARED")
        .map(PathBuf::from)
        .unwrap_or_else(|| Path::new(env!("CARGO_MANIFEST_DIR")).join("../shared"))
}

/// Whether a missing shared directory fails the test instead of skipping
/// it (`STOWAWAY_REQUIRE_SHARED=1`, set by scripts/test.sh when it exists).
pub fn shared_required() -> bool {
    std::env::var("STOWAWAY_REQUIRE_SHARED").is_ok_and(|v| v == "1")
}

/// `rel` inside [`shared_dir`] when it exists. When it does not, the test
/// says so on stderr (`SKIP: …`) and gets `None`, or fails when
/// [`shared_required`]: never a silent pass.
pub fn shared(rel: &str) -> Option<PathBuf> {
    let p = shared_dir().join(rel);
    if p.exists() {
        return Some(p);
    }
    assert!(
        !shared_required(),
        "{} is missing (STOWAWAY_REQUIRE_SHARED=1; set STOWAWAY_SHARED to the shared directory)",
        p.display()
    );
    eprintln!(
        "SKIP: {} not found (set STOWAWAY_SHARED to the shared directory)",
        p.display()
    );
    None
}

/// The SARIF validator (`sarif/validate.sh` in the shared directory).
pub fn sarif_validator() -> Option<PathBuf> {
    shared("sarif/validate.sh")
}

/// Run the SARIF validator over `file`, panicking with its output on failure.
pub fn validate_sarif(file: &Path) {
    if let Some(v) = sarif_validator() {
        let out = Command::new("bash")
            .arg(v)
            .arg(file)
            .env("REQUIRE_MULTITOOL", "1")
            .output()
            .expect("run validate.sh");
        assert!(
            out.status.success(),
            "SARIF validation failed:\n{}\n{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        );
    }
}

/// Run `git ARGS` in `dir` as a fixed test identity, isolated from the
/// user's and the system's git config; panics with git's stderr on failure.
/// Returns stdout, trimmed.
pub fn git(dir: &Path, args: &[&str]) -> String {
    let out = Command::new("git")
        .current_dir(dir)
        .args(args)
        .env("GIT_AUTHOR_NAME", "t")
        .env("GIT_AUTHOR_EMAIL", "t@example.com")
        .env("GIT_COMMITTER_NAME", "t")
        .env("GIT_COMMITTER_EMAIL", "t@example.com")
        .env("GIT_CONFIG_GLOBAL", "/dev/null")
        .env("GIT_CONFIG_NOSYSTEM", "1")
        .output()
        .expect("git runs");
    assert!(
        out.status.success(),
        "git {args:?} failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).trim().to_string()
}
