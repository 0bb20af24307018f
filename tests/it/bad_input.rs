//! Hostile and broken input (trees, files, configs; image archives are in
//! `bad_input_image`), end to end through the binary: each case must
//! end with a clear error (on stderr, naming what broke) or a clean skip,
//! the rest of the input must still be scanned, and no finding made before
//! or after the bad part may be lost. Nothing may hang: every run has a
//! deadline.
//!
//! One case is gated: `two_gigabyte_single_line_file` writes a sparse 2 GB
//! file and scans all of it; it runs by default in release builds (what
//! `scripts/test.sh` runs) and in debug builds only with
//! `STOWAWAY_SLOW_TESTS=1`.

use crate::common;
use crate::common::{github_token, stderr, stdout};
use serde_json::Value;
use std::io::Write;
use std::path::Path;
use std::process::{Command, Output, Stdio};
use std::time::{Duration, Instant};

// ---------------------------------------------------------------- helpers

/// A distinct fake GitHub token (valid checksum) per tag; built at run time.
pub(super) fn token(tag: char) -> String {
    let seed: String = format!("{tag}q7Lm2Np9Rt4Vw8Yz3Bc6Df1Gh5Jk0")
        .chars()
        .take(30)
        .collect();
    github_token("ghp_", &seed)
}

pub(super) fn secret_line(tag: char) -> Vec<u8> {
    format!("export GITHUB_TOKEN={}\n", token(tag)).into_bytes()
}

/// Run the binary in `dir` with a deadline; a run that outlives it is killed
/// and fails the test (a hang is a bug).
pub(super) fn run_within(dir: &Path, args: &[&str], secs: u64) -> Output {
    let mut child = common::stowaway()
        .current_dir(dir)
        .args(args)
        .env("NO_COLOR", "1")
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("spawn stowaway");
    // Drain the pipes on threads so a large report cannot block the child.
    let mut out_pipe = child.stdout.take().unwrap();
    let mut err_pipe = child.stderr.take().unwrap();
    let out_t = std::thread::spawn(move || {
        let mut v = Vec::new();
        std::io::Read::read_to_end(&mut out_pipe, &mut v).ok();
        v
    });
    let err_t = std::thread::spawn(move || {
        let mut v = Vec::new();
        std::io::Read::read_to_end(&mut err_pipe, &mut v).ok();
        v
    });
    let start = Instant::now();
    let status = loop {
        if let Some(s) = child.try_wait().expect("wait") {
            break s;
        }
        if start.elapsed() > Duration::from_secs(secs) {
            let _ = child.kill();
            let _ = child.wait();
            panic!("stowaway {args:?} did not finish within {secs}s");
        }
        std::thread::sleep(Duration::from_millis(20));
    };
    Output {
        status,
        stdout: out_t.join().unwrap(),
        stderr: err_t.join().unwrap(),
    }
}

pub(super) fn code(o: &Output) -> i32 {
    o.status.code().expect("exited normally (no signal)")
}

pub(super) fn json(o: &Output) -> Value {
    serde_json::from_slice(&o.stdout).unwrap_or_else(|e| {
        panic!(
            "stdout is not JSON ({e}):\n{}\nstderr:\n{}",
            stdout(o),
            stderr(o)
        )
    })
}

/// Secrets reported (the report must be run with `--no-redact`).
pub(super) fn secrets(v: &Value) -> Vec<String> {
    v["findings"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|f| f["secret"].as_str().map(str::to_string))
        .collect()
}

pub(super) fn count(v: &Value, secret: &str) -> usize {
    secrets(v).iter().filter(|s| *s == secret).count()
}

pub(super) fn finding_paths(v: &Value, secret: &str) -> Vec<String> {
    v["findings"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| f["secret"].as_str() == Some(secret))
        .map(|f| f["path"].as_str().unwrap_or_default().to_string())
        .collect()
}

pub(super) fn errors(v: &Value) -> Vec<(String, String)> {
    v["summary"]["errors"]
        .as_array()
        .map(|a| {
            a.iter()
                .map(|e| {
                    (
                        e["path"].as_str().unwrap_or_default().to_string(),
                        e["message"].as_str().unwrap_or_default().to_string(),
                    )
                })
                .collect()
        })
        .unwrap_or_default()
}

pub(super) fn scan_json(dir: &Path, extra: &[&str]) -> (Output, Value) {
    let mut args = vec!["scan", "--format", "json", "--no-redact", "--no-progress"];
    args.extend_from_slice(extra);
    let o = run_within(dir, &args, 120);
    let v = json(&o);
    (o, v)
}

// ------------------------------------------------------------- tree input

#[cfg(unix)]
#[test]
fn symlink_loops_in_the_tree_are_not_followed() {
    use std::os::unix::fs::symlink;
    let dir = tempfile::tempdir().unwrap();
    let t = dir.path().join("tree");
    std::fs::create_dir_all(t.join("sub")).unwrap();
    symlink("b", t.join("a")).unwrap();
    symlink("a", t.join("b")).unwrap();
    symlink(".", t.join("sub/self")).unwrap();
    symlink("..", t.join("sub/up")).unwrap();
    symlink(&t, t.join("sub/abs")).unwrap();
    std::fs::write(t.join("sub/k.env"), secret_line('p')).unwrap();
    let (o, v) = scan_json(dir.path(), &["tree"]);
    assert_eq!(code(&o), 1, "{}", stderr(&o));
    // Found once: no link led back into the tree.
    assert_eq!(count(&v, &token('p')), 1, "{:?}", secrets(&v));
    assert_eq!(v["summary"]["skipped"]["symlink"], 5, "{}", v["summary"]);

    // A loop named on the command line: an error naming it, not a hang.
    let o = run_within(dir.path(), &["scan", "tree/a", "--no-progress"], 60);
    assert_ne!(
        code(&o),
        0,
        "a path that cannot be read is not a clean scan"
    );
    assert!(stderr(&o).contains("tree/a"), "{}", stderr(&o));
}

/// True when this process can read a file it made unreadable (root, or
/// CAP_DAC_OVERRIDE): permission bits cannot be used to make a read fail.
#[cfg(unix)]
fn permissions_are_not_enforced(dir: &Path) -> bool {
    use std::os::unix::fs::PermissionsExt;
    let p = dir.join("probe");
    std::fs::write(&p, b"x").unwrap();
    std::fs::set_permissions(&p, std::fs::Permissions::from_mode(0o000)).unwrap();
    let readable = std::fs::read(&p).is_ok();
    std::fs::remove_file(&p).unwrap();
    readable
}

#[cfg(unix)]
#[test]
fn unreadable_file_is_an_error_and_the_rest_is_scanned() {
    use std::os::unix::fs::PermissionsExt;
    let dir = tempfile::tempdir().unwrap();
    let t = dir.path().join("tree");
    std::fs::create_dir(&t).unwrap();
    std::fs::write(t.join("ok.env"), secret_line('q')).unwrap();
    if permissions_are_not_enforced(dir.path()) {
        eprintln!(
            "note: running with permission override (root?): chmod 000 does not block reads; \
             checking read failures with /proc/self/mem instead"
        );
    } else {
        let locked = t.join("locked.env");
        std::fs::write(&locked, secret_line('r')).unwrap();
        std::fs::set_permissions(&locked, std::fs::Permissions::from_mode(0o000)).unwrap();
        let (o, v) = scan_json(dir.path(), &["tree"]);
        std::fs::set_permissions(&locked, std::fs::Permissions::from_mode(0o644)).unwrap();
        assert_eq!(code(&o), 1, "{}", stderr(&o));
        assert_eq!(count(&v, &token('q')), 1);
        let errs = errors(&v);
        assert!(
            errs.iter()
                .any(|(p, m)| p.ends_with("locked.env") && m.contains("ermission denied")),
            "{errs:?}"
        );
        assert!(stderr(&o).contains("locked.env"), "{}", stderr(&o));
    }
    // A file every user can open but no one can read from: offset 0 of a
    // process's own memory is unmapped, so read() fails with EIO.
    if Path::new("/proc/self/mem").exists() {
        let (o, v) = scan_json(dir.path(), &["/proc/self/mem", "tree"]);
        assert_eq!(code(&o), 1, "{}", stderr(&o));
        assert_eq!(count(&v, &token('q')), 1);
        let errs = errors(&v);
        assert!(
            errs.iter()
                .any(|(p, m)| p == "/proc/self/mem" && m.contains("read failed")),
            "{errs:?}"
        );
        // Alone: nothing scanned, so not a clean result.
        let o = run_within(dir.path(), &["scan", "/proc/self/mem", "--no-progress"], 60);
        assert_eq!(code(&o), 2, "{}", stderr(&o));
        assert!(stderr(&o).contains("/proc/self/mem"), "{}", stderr(&o));
    }
}

#[test]
fn path_that_is_gone_is_an_error_and_the_rest_is_scanned() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("here.env"), secret_line('s')).unwrap();
    // Named, then gone before the scan reads it.
    let gone = dir.path().join("gone.env");
    std::fs::write(&gone, secret_line('t')).unwrap();
    std::fs::remove_file(&gone).unwrap();
    let (o, v) = scan_json(dir.path(), &["gone.env", "here.env"]);
    assert_eq!(code(&o), 1, "{}", stderr(&o));
    assert_eq!(count(&v, &token('s')), 1);
    let errs = errors(&v);
    assert!(errs.iter().any(|(p, _)| p == "gone.env"), "{errs:?}");
    assert!(stderr(&o).contains("gone.env"), "{}", stderr(&o));
    // Only the missing path: exit 2, never a false all-clear.
    let o = run_within(dir.path(), &["scan", "gone.env", "--no-progress"], 60);
    assert_eq!(code(&o), 2, "{}", stderr(&o));
}

#[cfg(unix)]
#[test]
fn fifo_and_dangling_links_do_not_block_the_scan() {
    use std::os::unix::fs::symlink;
    let dir = tempfile::tempdir().unwrap();
    let t = dir.path().join("tree");
    std::fs::create_dir(&t).unwrap();
    // Nobody ever writes to these FIFOs: opening one for reading would block
    // forever, so the walker must not open them.
    for name in ["pipe", "Dockerfile"] {
        let st = Command::new("mkfifo")
            .arg(t.join(name))
            .status()
            .expect("mkfifo");
        assert!(st.success());
    }
    symlink("vanished.env", t.join("dangling")).unwrap();
    std::fs::write(t.join("k.env"), secret_line('u')).unwrap();
    let (o, v) = scan_json(dir.path(), &["tree"]);
    assert_eq!(code(&o), 1, "{}", stderr(&o));
    assert_eq!(count(&v, &token('u')), 1);
    assert_eq!(
        v["summary"]["skipped"]["not a regular file"], 2,
        "{}",
        v["summary"]
    );
    // Named explicitly, too.
    let (o, v) = scan_json(dir.path(), &["tree/pipe", "tree/k.env"]);
    assert_eq!(code(&o), 1, "{}", stderr(&o));
    assert_eq!(count(&v, &token('u')), 1);
    let o = run_within(dir.path(), &["dockerfile", "tree/Dockerfile"], 30);
    assert_eq!(code(&o), 2, "a FIFO is no Dockerfile: {}", stderr(&o));
}

#[test]
fn two_gigabyte_single_line_file() {
    if cfg!(debug_assertions) && std::env::var_os("STOWAWAY_SLOW_TESTS").is_none() {
        eprintln!("note: debug build; set STOWAWAY_SLOW_TESTS=1 to scan a 2 GB file");
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path().join("one-line.txt");
    let secret = format!("token={}", token('v'));
    {
        let mut f = std::fs::File::create(&p).unwrap();
        // Text at the head (so the file is not taken for binary), a sparse
        // hole of NUL bytes (no newline anywhere), the secret at the very end.
        f.write_all(&b"x".repeat(16 << 10)).unwrap();
        let len: u64 = 2_000_000_000;
        f.set_len(len - secret.len() as u64).unwrap();
        std::io::Seek::seek(&mut f, std::io::SeekFrom::End(0)).unwrap();
        f.write_all(secret.as_bytes()).unwrap();
    }
    let o = run_within(
        dir.path(),
        &[
            "scan",
            "--format",
            "json",
            "--no-redact",
            "--no-progress",
            "one-line.txt",
        ],
        600,
    );
    let v = json(&o);
    assert_eq!(code(&o), 1, "{}", stderr(&o));
    let f: Vec<&Value> = v["findings"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| f["secret"].as_str() == Some(token('v').as_str()))
        .collect();
    assert_eq!(f.len(), 1, "{:?}", secrets(&v));
    assert_eq!(f[0]["line"], 1);
    let col = f[0]["column"].as_u64().unwrap();
    assert_eq!(col, 2_000_000_000 - token('v').len() as u64 + 1);
    assert_eq!(v["summary"]["bytes_scanned"], 2_000_000_000u64);
}

#[test]
fn invalid_utf8_around_a_secret() {
    let dir = tempfile::tempdir().unwrap();
    let mut data = b"\xc3\x28 \x80\x80 \xed\xa0\x80 caf\xe9\n".to_vec();
    data.extend_from_slice(b"\xff\xfe\xfd token = ");
    data.extend_from_slice(token('w').as_bytes());
    data.extend_from_slice(b" \xf0\x9f\x92\n");
    std::fs::write(dir.path().join("latin1.txt"), &data).unwrap();
    let (o, v) = scan_json(dir.path(), &["latin1.txt"]);
    assert_eq!(code(&o), 1, "{}", stderr(&o));
    assert_eq!(count(&v, &token('w')), 1);
    let f = &v["findings"][0];
    assert_eq!(f["line"], 2);
}

fn utf16(text: &str, big_endian: bool, bom: bool) -> Vec<u8> {
    let mut out = Vec::new();
    let units: Vec<u16> = (if bom { "\u{feff}" } else { "" })
        .encode_utf16()
        .chain(text.encode_utf16())
        .collect();
    for u in units {
        out.extend_from_slice(&if big_endian {
            u.to_be_bytes()
        } else {
            u.to_le_bytes()
        });
    }
    out
}

#[test]
fn utf16_files_are_transcoded_and_their_secrets_found() {
    let dir = tempfile::tempdir().unwrap();
    let text = |tag| {
        format!(
            "Windows Registry Editor\r\n\"Token\"=\"{}\"\r\n",
            token(tag)
        )
    };
    std::fs::write(
        dir.path().join("le-bom.reg"),
        utf16(&text('x'), false, true),
    )
    .unwrap();
    std::fs::write(dir.path().join("be-bom.reg"), utf16(&text('y'), true, true)).unwrap();
    std::fs::write(dir.path().join("le.txt"), utf16(&text('z'), false, false)).unwrap();
    // An unpaired surrogate before the secret does not hide it.
    let mut lone = utf16("bad ", false, true);
    lone.extend_from_slice(&0xD800u16.to_le_bytes());
    lone.extend_from_slice(&utf16(&text('A'), false, false));
    std::fs::write(dir.path().join("lone.txt"), lone).unwrap();
    let (o, v) = scan_json(dir.path(), &["."]);
    assert_eq!(code(&o), 1, "{}", stderr(&o));
    for (tag, file) in [
        ('x', "le-bom.reg"),
        ('y', "be-bom.reg"),
        ('z', "le.txt"),
        ('A', "lone.txt"),
    ] {
        assert_eq!(
            finding_paths(&v, &token(tag)),
            vec![file.to_string()],
            "{file}: {:?}",
            secrets(&v)
        );
    }
    let le = v["findings"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["path"] == "le-bom.reg")
        .unwrap();
    assert_eq!(le["line"], 2);
}

#[test]
fn nul_heavy_files() {
    let dir = tempfile::tempdir().unwrap();
    // NUL in the first 8 KiB: binary, skipped unless asked for.
    let mut early = vec![0u8; 4096];
    early.extend_from_slice(&secret_line('B'));
    early.extend(vec![0u8; 4096]);
    std::fs::write(dir.path().join("early.bin"), &early).unwrap();
    // NULs only after 8 KiB of text: a text file, scanned through its NULs.
    let mut late = b"# config\n".repeat(1000);
    late.extend(vec![0u8; 100_000]);
    late.extend_from_slice(&secret_line('C'));
    late.extend(vec![0u8; 100_000]);
    std::fs::write(dir.path().join("late.dat"), &late).unwrap();
    // Every other byte NUL but no UTF-16 pattern to it.
    let mut mixed = Vec::new();
    for (i, b) in secret_line('D').iter().enumerate() {
        mixed.push(*b);
        if i % 7 == 3 {
            mixed.push(0);
        }
    }
    std::fs::write(dir.path().join("mixed.dat"), &mixed).unwrap();

    let (o, v) = scan_json(dir.path(), &["."]);
    assert_eq!(code(&o), 1, "{}", stderr(&o));
    assert_eq!(
        count(&v, &token('B')),
        0,
        "binary files are skipped by default"
    );
    assert_eq!(count(&v, &token('C')), 1);
    assert!(v["summary"]["skipped"]["binary"].as_u64().unwrap() >= 1);
    let (o, v) = scan_json(dir.path(), &[".", "--include-binary"]);
    assert_eq!(code(&o), 1, "{}", stderr(&o));
    assert_eq!(count(&v, &token('B')), 1, "--include-binary scans it");
    assert_eq!(count(&v, &token('C')), 1);
}

#[test]
fn deeply_nested_directories() {
    let dir = tempfile::tempdir().unwrap();
    let mut p = dir.path().join("deep");
    for _ in 0..1000 {
        p.push("d");
    }
    std::fs::create_dir_all(&p).unwrap();
    std::fs::write(p.join("k.env"), secret_line('E')).unwrap();
    let (o, v) = scan_json(dir.path(), &["deep"]);
    assert_eq!(code(&o), 1, "{}", stderr(&o));
    let paths = finding_paths(&v, &token('E'));
    assert_eq!(paths.len(), 1);
    let want = format!("{}k.env", "d/".repeat(1000));
    assert!(paths[0].ends_with(&want), "{}", paths[0].len());
}

// ------------------------------------------------------------ Dockerfiles

#[test]
fn dockerfile_of_100k_continuation_lines() {
    let dir = tempfile::tempdir().unwrap();
    let mut df = String::from("FROM alpine:3.20\nRUN set -e \\\n");
    for i in 0..100_000 {
        if i == 50_000 {
            df.push_str(&format!("  && export GITHUB_TOKEN={} \\\n", token('F')));
        } else {
            df.push_str(&format!("  && echo {i} \\\n"));
        }
    }
    df.push_str("  && true\nUSER app\n");
    std::fs::write(dir.path().join("Dockerfile"), &df).unwrap();
    let start = Instant::now();
    let o = run_within(
        dir.path(),
        &[
            "dockerfile",
            "Dockerfile",
            "--format",
            "json",
            "--no-redact",
        ],
        60,
    );
    let took = start.elapsed();
    let v = json(&o);
    assert_eq!(code(&o), 1, "{}", stderr(&o));
    assert_eq!(count(&v, &token('F')), 1, "{:?}", secrets(&v));
    assert!(took < Duration::from_secs(30), "lint took {took:?}");
    // The same through `scan` (secret scan + lint, the secret reported once).
    let (o, v) = scan_json(dir.path(), &["."]);
    assert_eq!(code(&o), 1, "{}", stderr(&o));
    assert_eq!(count(&v, &token('F')), 1, "{:?}", secrets(&v));
}

#[test]
fn dockerfile_larger_than_the_lint_limit_is_still_secret_scanned() {
    // Dockerfiles over 16 MiB are not linted, but every byte of them is
    // still scanned for secrets.
    let dir = tempfile::tempdir().unwrap();
    let mut df = b"FROM alpine:3.20\n".to_vec();
    df.extend_from_slice(&secret_line('G'));
    while df.len() < (17 << 20) {
        df.extend_from_slice(b"# padding padding padding padding padding padding padding\n");
    }
    df.extend_from_slice(&secret_line('H'));
    std::fs::write(dir.path().join("Dockerfile"), &df).unwrap();
    let (o, v) = scan_json(dir.path(), &["."]);
    assert_eq!(code(&o), 1, "{}", stderr(&o));
    assert_eq!(count(&v, &token('G')), 1, "{:?}", secrets(&v));
    assert_eq!(count(&v, &token('H')), 1, "secret past 16 MiB lost");
}

// ------------------------------------------------------- rules and config

fn rule_config(regex: &str) -> String {
    format!(
        "[[rule]]\nid = \"my-bad-rule\"\nname = \"Bad\"\ndescription = \"x\"\nseverity = \"high\"\nkeywords = [\"abcd\"]\nregex = '''{regex}'''\n"
    )
}

#[test]
fn catastrophic_rule_regex_is_rejected_at_load_naming_the_rule() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("k.env"), secret_line('I')).unwrap();
    for (name, regex) in [
        ("huge", r"(?P<secret>\w{1000}){1000}"),
        ("invalid", r"abcd(?P<secret>[a-"),
        ("no-group", r"abcd[0-9]+"),
    ] {
        std::fs::write(dir.path().join("cfg.toml"), rule_config(regex)).unwrap();
        let start = Instant::now();
        let o = run_within(
            dir.path(),
            &["scan", ".", "--config", "cfg.toml", "--no-progress"],
            60,
        );
        assert_eq!(code(&o), 2, "{name}: {}", stderr(&o));
        let err = stderr(&o);
        assert!(err.contains("my-bad-rule"), "{name}: rule not named: {err}");
        assert!(err.contains("cfg.toml"), "{name}: file not named: {err}");
        assert!(
            start.elapsed() < Duration::from_secs(30),
            "{name}: slow to reject"
        );
        // `rules` loads the same file and fails the same way.
        let o = run_within(dir.path(), &["rules", "--config", "cfg.toml"], 60);
        assert_eq!(code(&o), 2, "{name}: {}", stderr(&o));
        assert!(stderr(&o).contains("my-bad-rule"), "{name}: {}", stderr(&o));
    }
    // The library call names the rule too.
    let text = rule_config(r"(?P<secret>\w{1000}){1000}");
    let e = stowaway::secrets::load_rule_file("r.toml", &text).unwrap_err();
    assert!(e.to_string().contains("my-bad-rule"), "{e}");
}

#[test]
fn invalid_config_is_an_error_naming_file_and_line() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("k.env"), secret_line('J')).unwrap();
    for (name, text, line) in [
        ("syntax", "[allow]\npaths = [\"a\"\nx = 1\n", Some(3)),
        ("unknown key", "[allow]\nnope = 1\n", Some(2)),
        ("bad glob", "[allow]\npaths = [\"a/[b\"]\n", Some(2)),
        (
            "bad regex",
            "\n\n[allow]\nsecrets = [\"(unclosed\"]\n",
            Some(4),
        ),
        ("wrong type", "[rules]\ndisable = \"all\"\n", Some(2)),
        ("binary", "\u{0}\u{1}\u{2}garbage", None),
    ] {
        std::fs::write(dir.path().join("bad.toml"), text).unwrap();
        let o = run_within(
            dir.path(),
            &["scan", ".", "--config", "bad.toml", "--no-progress"],
            60,
        );
        assert_eq!(code(&o), 2, "{name}: {}", stderr(&o));
        let err = stderr(&o);
        match line {
            Some(l) => assert!(err.contains(&format!("bad.toml:{l}")), "{name}: {err}"),
            None => assert!(err.contains("bad.toml"), "{name}: {err}"),
        }
        assert!(stdout(&o).is_empty(), "{name}: no report on a config error");
    }
    // A config file that is not there when named explicitly.
    let o = run_within(dir.path(), &["scan", ".", "--config", "absent.toml"], 60);
    assert_eq!(code(&o), 2);
    assert!(stderr(&o).contains("absent.toml"), "{}", stderr(&o));
    // Invalid UTF-8 in the config file.
    std::fs::write(
        dir.path().join("bad.toml"),
        b"[allow]\npaths = [\"\xff\"]\n",
    )
    .unwrap();
    let o = run_within(dir.path(), &["scan", ".", "--config", "bad.toml"], 60);
    assert_eq!(code(&o), 2);
    assert!(stderr(&o).contains("bad.toml"), "{}", stderr(&o));
}

#[test]
fn non_ascii_first_character_of_a_candidate_secret_does_not_crash() {
    // Found by the `dockerfile` fuzz target: the placeholder check sliced
    // a candidate at byte 1, inside a multi-byte first character, and the
    // panic took the whole scan down (exit 101).
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("a.env"), "PASSWORD=\"éunter2hunUN\"\n").unwrap();
    std::fs::write(
        dir.path().join("Dockerfile"),
        "FROM alpine\nENV PASSWORD=\u{fffd}unter2hunUN\n",
    )
    .unwrap();
    std::fs::write(dir.path().join("k.env"), secret_line('L')).unwrap();
    let (o, v) = scan_json(dir.path(), &["."]);
    assert_eq!(code(&o), 1, "{}", stderr(&o));
    assert_eq!(count(&v, &token('L')), 1);
    let o = run_within(dir.path(), &["dockerfile", "Dockerfile"], 60);
    assert!(matches!(code(&o), 0 | 1), "{}", stderr(&o));
}
