//! Stowaway is trusted with what it finds: no output may carry a full secret
//! unless `--no-redact` is given. Secrets are planted in files (alone, two
//! on one line, one longer than a snippet), in a Dockerfile (ENV, RUN, a
//! broken continuation that becomes a parse error), and in an image archive
//! (a layer file, the config's Env and its history); then every command and
//! every output format — text, JSON, SARIF, to stdout and to a file, the
//! stderr summary and warnings, and the GitHub Action's log, annotations,
//! job summary and reports — is searched for them. "Leaked" means the
//! secret's first or last 12 characters appear: redaction keeps 4.
//!
//! The positive control: with `--no-redact` every planted secret is in the
//! JSON report, so each check below really looks at a reported secret.

use crate::common;

use crate::common::{git, github_token, stderr, stdout};
use base64::Engine as _;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

fn token(tag: char) -> String {
    let seed: String = format!("{tag}Z8xq7Lm2Np9Rt4Vw8Yz3Bc6Df1Gh5J")
        .chars()
        .take(30)
        .collect();
    github_token("ghp_", &seed)
}

/// A JWT far longer than a snippet shows (~600 characters).
fn long_jwt() -> String {
    let b64 = base64::engine::general_purpose::URL_SAFE_NO_PAD;
    let header = b64.encode(br#"{"alg":"HS256","typ":"JWT"}"#);
    let claims: String = (0..40)
        .map(|i| format!("\"c{i}\":\"v{}\",", i * 7919 % 1000))
        .collect();
    let payload = b64.encode(format!("{{{claims}\"sub\":\"1234567890\"}}"));
    let sig = b64.encode(
        (0..32u8)
            .map(|i| i.wrapping_mul(73).wrapping_add(11))
            .collect::<Vec<_>>(),
    );
    format!("{header}.{payload}.{sig}")
}

/// Every planted secret and where it went.
struct Planted {
    _tmp: tempfile::TempDir,
    root: PathBuf,
    tree_secrets: Vec<String>,
    dockerfile_secrets: Vec<String>,
    image_secrets: Vec<String>,
}

fn write(p: &Path, data: &[u8]) {
    std::fs::create_dir_all(p.parent().unwrap()).unwrap();
    std::fs::write(p, data).unwrap();
}

fn docker_save(layer: &[u8], config: &str) -> Vec<u8> {
    crate::common::archive::docker_save("leak:test", &[layer], config.as_bytes())
}

fn plant() -> Planted {
    let tmp = tempfile::tempdir().unwrap();
    let root = tmp.path().join("repo");
    let (a, b, c, jwt) = (token('a'), token('b'), token('c'), long_jwt());
    write(
        &root.join("app/settings.py"),
        format!("DEBUG = False\nGITHUB_TOKEN = \"{a}\"\n").as_bytes(),
    );
    // Two secrets on one line: each finding's snippet holds the other one.
    write(
        &root.join("deploy/tokens.env"),
        format!("TOKENS=\"{b} {c}\"\n").as_bytes(),
    );
    write(
        &root.join("web/session.txt"),
        format!("Authorization: Bearer {jwt}\n").as_bytes(),
    );
    let (d, e, f) = (token('d'), token('e'), token('f'));
    write(
        &root.join("docker/Dockerfile"),
        format!(
            "FROM alpine:3.20\n\
             ENV GH_TOKEN={d}\n\
             RUN curl -fsSL -H \"Authorization: token {e}\" https://api.github.com/user\n\
             ENV A=1\n\
             \x20   TOKEN2={f}\n\
             USER app\n"
        )
        .as_bytes(),
    );
    let (g, h, i) = (token('g'), token('h'), token('i'));
    let mut layer = Vec::new();
    {
        let mut lb = tar::Builder::new(&mut layer);
        let data = format!("[auth]\ntoken = {g}\n");
        let mut hd = tar::Header::new_ustar();
        hd.set_size(data.len() as u64);
        hd.set_mode(0o644);
        hd.set_entry_type(tar::EntryType::Regular);
        lb.append_data(&mut hd, "etc/app.ini", data.as_bytes())
            .unwrap();
        lb.finish().unwrap();
    }
    let config = serde_json::json!({
        "architecture": "amd64",
        "os": "linux",
        "config": {"User": "app", "Env": ["PATH=/usr/bin", format!("GITHUB_TOKEN={h}")]},
        "rootfs": {"type": "layers", "diff_ids": [format!("sha256:{:064x}", 0)]},
        "history": [{"created_by": format!("/bin/sh -c echo {i} > /root/.token")}],
    });
    std::fs::write(
        tmp.path().join("image.tar"),
        docker_save(&layer, &config.to_string()),
    )
    .unwrap();
    Planted {
        root,
        tree_secrets: vec![a, b, c, jwt],
        dockerfile_secrets: vec![d, e, f],
        image_secrets: vec![g, h, i],
        _tmp: tmp,
    }
}

fn run(dir: &Path, args: &[&str]) -> Output {
    common::run(dir, args)
}

/// The first or last 12 characters of a secret in `text`.
fn leaks<'a>(text: &str, secrets: &'a [String]) -> Vec<&'a str> {
    secrets
        .iter()
        .filter(|s| {
            let n = s.len();
            text.contains(&s[..12]) || text.contains(&s[n - 12..])
        })
        .map(String::as_str)
        .collect()
}

fn assert_no_leak(what: &str, text: &str, secrets: &[String]) {
    let l = leaks(text, secrets);
    assert!(l.is_empty(), "{what} leaks {l:?}:\n{text}");
}

/// All of a run's output: stdout, stderr and the `-o` file when there is one.
fn everything(o: &Output, file: Option<&Path>) -> String {
    let mut s = format!("{}\n{}", stdout(o), stderr(o));
    if let Some(f) = file {
        s.push_str(&std::fs::read_to_string(f).unwrap_or_default());
    }
    s
}

/// Run `base` in every format, to stdout and with `-o`, and check no output
/// leaks; then check `--no-redact` JSON shows every secret.
fn check_command(dir: &Path, base: &[&str], secrets: &[String]) {
    check_command_control(dir, base, secrets, secrets)
}

/// As [`check_command`]; only `reported` must show with `--no-redact` (a
/// secret the command does not look for may still be quoted, e.g. in a
/// parse error, and must be hidden there too).
fn check_command_control(dir: &Path, base: &[&str], secrets: &[String], reported: &[String]) {
    let out_file = dir.join("report.out");
    for format in ["text", "json", "sarif"] {
        let mut args: Vec<&str> = base.to_vec();
        args.extend(["--format", format, "--no-progress"]);
        let o = run(dir, &args);
        assert_eq!(
            o.status.code(),
            Some(1),
            "{base:?} {format}: {}",
            stderr(&o)
        );
        assert_no_leak(
            &format!("{base:?} --format {format}"),
            &everything(&o, None),
            secrets,
        );
        let mut args2 = args.clone();
        let of = out_file.to_str().unwrap();
        args2.extend(["-o", of]);
        let o = run(dir, &args2);
        assert_eq!(
            o.status.code(),
            Some(1),
            "{base:?} {format} -o: {}",
            stderr(&o)
        );
        assert_no_leak(
            &format!("{base:?} --format {format} -o FILE"),
            &everything(&o, Some(&out_file)),
            secrets,
        );
    }
    // Positive control: unredacted, each secret is reported in full.
    let mut args: Vec<&str> = base.to_vec();
    args.extend(["--format", "json", "--no-redact", "--no-progress"]);
    let o = run(dir, &args);
    let text = stdout(&o);
    for s in reported {
        assert!(
            text.contains(s.as_str()),
            "{base:?}: secret {s} not reported:\n{text}"
        );
    }
}

#[test]
fn scan_outputs_never_show_a_full_secret() {
    let p = plant();
    let mut all = p.tree_secrets.clone();
    all.extend(p.dockerfile_secrets.iter().cloned());
    check_command(&p.root, &["scan", "."], &all);
}

#[test]
fn dockerfile_outputs_never_show_a_full_secret() {
    let p = plant();
    // The Dockerfile's secrets, including the one in a parse error.
    // The linter reports ENV and RUN secrets; the third is only quoted by
    // the parse error of the broken continuation (the `scan` command's
    // secret scan reports it).
    check_command_control(
        &p.root,
        &["dockerfile", "docker/Dockerfile"],
        &p.dockerfile_secrets,
        &p.dockerfile_secrets[..2],
    );
}

#[test]
fn image_outputs_never_show_a_full_secret() {
    let p = plant();
    check_command(&p.root, &["image", "../image.tar"], &p.image_secrets);
    // From standard input, too.
    let bytes = std::fs::read(p.root.join("../image.tar")).unwrap();
    let mut child = common::stowaway()
        .current_dir(&p.root)
        .args(["image", "-", "--format", "json"])
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    child.stdin.take().unwrap().write_all(&bytes).unwrap();
    let o = child.wait_with_output().unwrap();
    assert_eq!(o.status.code(), Some(1), "{}", stderr(&o));
    assert_no_leak(
        "image - --format json",
        &everything(&o, None),
        &p.image_secrets,
    );
}

#[test]
fn baseline_file_holds_no_secret() {
    let p = plant();
    let o = run(
        &p.root,
        &[
            "baseline",
            "create",
            ".",
            "--baseline",
            "bl.json",
            "--no-progress",
        ],
    );
    assert!(o.status.code() == Some(0), "{}", stderr(&o));
    let text = std::fs::read_to_string(p.root.join("bl.json")).unwrap();
    let mut all = p.tree_secrets.clone();
    all.extend(p.dockerfile_secrets.iter().cloned());
    assert_no_leak("baseline", &format!("{text}{}", everything(&o, None)), &all);
}

#[test]
fn github_action_log_annotations_and_summary_never_show_a_full_secret() {
    if Command::new("jq").arg("--version").output().is_err() {
        assert!(
            std::env::var_os("STOWAWAY_REQUIRE_SHARED").is_none(),
            "jq is required for the action test"
        );
        eprintln!("SKIP: jq not installed");
        return;
    }
    let p = plant();
    let mut all = p.tree_secrets.clone();
    all.extend(p.dockerfile_secrets.iter().cloned());
    git(&p.root, &["init", "-q", "-b", "main"]);
    git(&p.root, &["add", "-A"]);
    git(&p.root, &["commit", "-q", "-m", "secrets"]);
    let base = p.root.parent().unwrap();
    let event = base.join("event.json");
    std::fs::write(
        &event,
        r#"{"ref":"refs/heads/main","before":"0000000000000000000000000000000000000000"}"#,
    )
    .unwrap();
    let temp = base.join("runner-temp");
    std::fs::create_dir_all(&temp).unwrap();
    for format in ["text", "json", "sarif"] {
        let output = base.join("github_output");
        let summary = base.join("step_summary");
        std::fs::write(&output, "").unwrap();
        std::fs::write(&summary, "").unwrap();
        let o = Command::new("bash")
            .arg(Path::new(env!("CARGO_MANIFEST_DIR")).join("scripts/action.sh"))
            .current_dir(&p.root)
            .env("STOWAWAY_BIN", env!("CARGO_BIN_EXE_stowaway"))
            .env("GITHUB_ACTIONS", "true")
            .env("GITHUB_EVENT_NAME", "push")
            .env("GITHUB_EVENT_PATH", &event)
            .env("GITHUB_WORKSPACE", &p.root)
            .env("GITHUB_OUTPUT", &output)
            .env("GITHUB_STEP_SUMMARY", &summary)
            .env("RUNNER_TEMP", &temp)
            .env("GIT_CONFIG_GLOBAL", "/dev/null")
            .env("INPUT_FORMAT", format)
            .env("INPUT_SCAN_MODE", "full")
            .output()
            .expect("bash runs");
        assert_eq!(
            o.status.code(),
            Some(1),
            "{format}: {}\n{}",
            stdout(&o),
            stderr(&o)
        );
        let annotations = stdout(&o)
            .lines()
            .filter(|l| l.starts_with("::error ") || l.starts_with("::warning "))
            .count();
        assert!(annotations >= all.len(), "{format}: {}", stdout(&o));
        let mut text = everything(&o, None);
        for f in [&output, &summary] {
            text.push_str(&std::fs::read_to_string(f).unwrap());
        }
        text.push_str(&std::fs::read_to_string(p.root.join("stowaway.sarif")).unwrap());
        for line in std::fs::read_to_string(&output).unwrap().lines() {
            if let Some(json) = line.strip_prefix("json-file=") {
                text.push_str(&std::fs::read_to_string(json).unwrap());
            }
        }
        assert!(text.contains("## Stowaway:"), "no job summary: {text}");
        assert_no_leak(&format!("action (format {format})"), &text, &all);
    }
}

#[test]
fn a_redacted_webhook_shows_scheme_and_host_and_hides_its_path() {
    let d = tempfile::tempdir().unwrap();
    let path = ["T4QW8ZR2KX", "/B7NP3LM5QD", "/", "Zq8Lw3Rt5Yv7Np2Mx4Kc9Hb6"].concat();
    let url = format!("https://hooks.slack.com/services/{path}");
    write(
        &d.path().join("notify.sh"),
        format!("SLACK_WEBHOOK_URL={url}\n").as_bytes(),
    );
    let o = run(d.path(), &["scan", ".", "--no-progress"]);
    let out = stdout(&o);
    assert!(out.contains("slack-webhook-url"), "{out}");
    assert!(out.contains("https://hooks.slack.com/…"), "{out}");
    assert!(
        !out.contains("T4QW8ZR2KX"),
        "the path's secret part shows: {out}"
    );
    assert!(!out.contains("http…"), "{out}");
    let o = run(d.path(), &["scan", ".", "--no-progress", "-f", "json"]);
    let v: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!(
        v["findings"][0]["secret"], "https://hooks.slack.com/…",
        "{v}"
    );
    // A URL with credentials in it shows no more than any other secret.
    assert_eq!(
        stowaway::report::redact_secret("https://user:pass1234@example.com/x/abcdefgh"),
        "http…"
    );
}
