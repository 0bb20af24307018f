//! Helpers shared by the integration tests: fake secrets built at run time
//! (so the repository itself holds no scannable token), and running the binary.

pub mod image;

use std::path::Path;
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

/// `../shared/sarif/validate.sh` when present. With STOWAWAY_REQUIRE_SHARED=1
/// (CI) its absence is a failure, not a skip.
pub fn sarif_validator() -> Option<std::path::PathBuf> {
    let p = Path::new(env!("CARGO_MANIFEST_DIR")).join("../shared/sarif/validate.sh");
    if p.exists() {
        Some(p)
    } else if std::env::var_os("STOWAWAY_REQUIRE_SHARED").is_some() {
        panic!("../shared/sarif/validate.sh is missing");
    } else {
        eprintln!("note: ../shared/sarif/validate.sh not found; SARIF validation skipped");
        None
    }
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
