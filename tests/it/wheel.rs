//! The PyPI wheel, for real: maturin (scripts/wheel-test-setup.sh, in
//! target/test-tools) builds it from this tree, it installs into a fresh
//! virtualenv with no package index, and the real pre-commit client installs
//! the `language: python` hook of packaging/pre-commit from it
//! (`PIP_FIND_LINKS` at the built wheel, `PIP_NO_INDEX=1`) and blocks a staged
//! secret; after `baseline create` and staging the baseline, the hook
//! passes. The first run's time (install included) is printed as MEASURE.
//!
//! Skipped with a message when maturin or pre-commit is missing, unless
//! STOWAWAY_REQUIRE_SHARED=1 (scripts/test.sh), when that fails the test.

use crate::common::git;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::time::Instant;

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

fn tools() -> PathBuf {
    std::env::var_os("STOWAWAY_TEST_TOOLS")
        .map(PathBuf::from)
        .unwrap_or_else(|| root().join("target/test-tools"))
}

fn tool(name: &str) -> Option<PathBuf> {
    let p = tools().join("bin").join(name);
    if p.exists() {
        return Some(p);
    }
    assert!(
        std::env::var("STOWAWAY_REQUIRE_SHARED").map_or(true, |v| v != "1"),
        "{name} not found at {} (run scripts/wheel-test-setup.sh)",
        p.display()
    );
    eprintln!("SKIP: {name} not found at {}", p.display());
    None
}

fn text(o: &Output) -> String {
    format!(
        "exit {:?}\n{}{}",
        o.status.code(),
        String::from_utf8_lossy(&o.stdout),
        String::from_utf8_lossy(&o.stderr)
    )
}

fn ok(o: Output, what: &str) -> Output {
    assert!(o.status.success(), "{what}: {}", text(&o));
    o
}

/// A fake secret, assembled at run time so this file is not itself a finding.
fn pat() -> String {
    format!("ghp_{}", "pdDV7xHFWaRc8L0RiMIix2LKJxQcCX4f1RyJ")
}

fn build_wheel(out: &Path) -> PathBuf {
    let maturin = tool("maturin").expect("checked by the caller");
    // The target directory this test's own binary was built in: the wheel's
    // build reuses its compiled dependencies.
    let target_dir = Path::new(env!("CARGO_BIN_EXE_stowaway"))
        .parent()
        .and_then(Path::parent)
        .map(Path::to_path_buf)
        .unwrap_or_else(|| tools().join("cargo-target"));
    let t0 = Instant::now();
    ok(
        Command::new(maturin)
            .args(["build", "--release", "--locked", "--out"])
            .arg(out)
            .current_dir(root())
            .env("CARGO_TARGET_DIR", target_dir)
            .output()
            .expect("maturin runs"),
        "maturin build",
    );
    eprintln!("MEASURE maturin build: {:.1} s", t0.elapsed().as_secs_f64());
    let wheels: Vec<PathBuf> = std::fs::read_dir(out)
        .expect("wheel dir")
        .flatten()
        .map(|e| e.path())
        .filter(|p| p.extension().is_some_and(|x| x == "whl"))
        .collect();
    assert_eq!(wheels.len(), 1, "{wheels:?}");
    let name = wheels[0]
        .file_name()
        .unwrap()
        .to_string_lossy()
        .into_owned();
    let version = env!("CARGO_PKG_VERSION");
    assert!(
        name.starts_with(&format!("stowaway-{version}-py3-none-")),
        "{name}"
    );
    wheels[0].clone()
}

#[test]
fn wheel_installs_offline_and_its_python_hook_blocks_a_staged_secret() {
    let (Some(_), Some(pre_commit)) = (tool("maturin"), tool("pre-commit")) else {
        return;
    };
    let tmp = tempfile::tempdir().expect("tempdir");
    let dist = tmp.path().join("dist");
    std::fs::create_dir_all(&dist).unwrap();
    build_wheel(&dist);
    let find_links = format!(
        "{} {}",
        dist.display(),
        tools().join("wheelhouse").display()
    );

    // 1. A fresh virtualenv, no index: the executable runs.
    let venv = tmp.path().join("venv");
    ok(
        Command::new("python3")
            .args(["-m", "venv"])
            .arg(&venv)
            .output()
            .expect("python3 -m venv"),
        "venv",
    );
    ok(
        Command::new(venv.join("bin/pip"))
            .args(["install", "-q", "--disable-pip-version-check", "--no-index"])
            .arg("--find-links")
            .arg(&dist)
            .arg("stowaway")
            .output()
            .expect("pip runs"),
        "pip install stowaway",
    );
    let o = ok(
        Command::new(venv.join("bin/stowaway"))
            .arg("--version")
            .output()
            .expect("stowaway from the wheel"),
        "stowaway --version",
    );
    assert!(text(&o).contains(env!("CARGO_PKG_VERSION")), "{}", text(&o));

    // 2. The pre-commit mirror (packaging/pre-commit) as a hook repository;
    //    its pin must be this version.
    let mirror = tmp.path().join("mirror");
    std::fs::create_dir_all(&mirror).unwrap();
    for f in ["pyproject.toml", ".pre-commit-hooks.yaml"] {
        std::fs::copy(root().join("packaging/pre-commit").join(f), mirror.join(f)).unwrap();
    }
    let py = std::fs::read_to_string(mirror.join("pyproject.toml")).unwrap();
    let pin = format!("\"stowaway=={}\"", env!("CARGO_PKG_VERSION"));
    assert!(
        py.contains(&pin),
        "packaging/pre-commit pins another version than {pin}"
    );
    let hooks = std::fs::read_to_string(mirror.join(".pre-commit-hooks.yaml")).unwrap();
    let languages: Vec<&str> = hooks
        .lines()
        .filter_map(|l| l.trim().strip_prefix("language:"))
        .map(str::trim)
        .collect();
    assert!(
        !languages.is_empty() && languages.iter().all(|l| *l == "python"),
        "{languages:?}"
    );
    git(&mirror, &["init", "-q", "-b", "main"]);
    git(&mirror, &["add", "-A"]);
    git(&mirror, &["commit", "-q", "-m", "mirror"]);
    let rev = git(&mirror, &["rev-parse", "HEAD"]);

    // 3. A project using the hook, with a staged secret.
    let p = tmp.path().join("project");
    std::fs::create_dir_all(&p).unwrap();
    git(&p, &["init", "-q", "-b", "main"]);
    std::fs::write(
        p.join(".pre-commit-config.yaml"),
        format!(
            "repos:\n- repo: {}\n  rev: {rev}\n  hooks:\n  - id: stowaway\n",
            mirror.display()
        ),
    )
    .unwrap();
    std::fs::write(p.join("deploy.env"), format!("GITHUB_TOKEN={}\n", pat())).unwrap();
    git(&p, &["add", "-A"]);
    let t0 = Instant::now();
    let o = Command::new(&pre_commit)
        .args(["run", "--color", "never"])
        .current_dir(&p)
        .env("PRE_COMMIT_HOME", tmp.path().join("pre-commit-home"))
        .env("PIP_FIND_LINKS", &find_links)
        .env("PIP_NO_INDEX", "1")
        .env("PIP_DISABLE_PIP_VERSION_CHECK", "1")
        .env("GIT_CONFIG_GLOBAL", "/dev/null")
        .env("NO_COLOR", "1")
        .output()
        .expect("pre-commit runs");
    let secs = t0.elapsed().as_secs_f64();
    eprintln!("MEASURE first `pre-commit run` of the language: python hook, install included: {secs:.1} s");
    let s = text(&o);
    assert_eq!(o.status.code(), Some(1), "{s}");
    assert!(
        s.contains("github-classic-pat") && s.contains("deploy.env:1"),
        "{s}"
    );
    assert!(!s.contains(&pat()), "the secret was printed in full:\n{s}");

    // 4. Accept it: `baseline create`, stage the file, and the hook passes.
    ok(
        Command::new(venv.join("bin/stowaway"))
            .args(["baseline", "create", "--no-progress"])
            .current_dir(&p)
            .output()
            .expect("baseline create"),
        "baseline create",
    );
    git(&p, &["add", ".stowaway-baseline.json"]);
    let o = Command::new(&pre_commit)
        .args(["run", "--color", "never"])
        .current_dir(&p)
        .env("PRE_COMMIT_HOME", tmp.path().join("pre-commit-home"))
        .env("PIP_FIND_LINKS", &find_links)
        .env("PIP_NO_INDEX", "1")
        .env("GIT_CONFIG_GLOBAL", "/dev/null")
        .env("NO_COLOR", "1")
        .output()
        .expect("pre-commit runs");
    let s = text(&o);
    assert_eq!(
        o.status.code(),
        Some(0),
        "the baselined finding still blocks:\n{s}"
    );
    assert!(s.contains("Passed"), "{s}");
}
