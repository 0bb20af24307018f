//! Hostile and broken input, end to end through the binary: each case must
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

use crate::common::archive::{self, gzip, layer};
use crate::common::{github_token, stderr, stdout};
use serde_json::Value;
use std::io::Write;
use std::path::Path;
use std::process::{Command, Output, Stdio};
use std::time::{Duration, Instant};

// ---------------------------------------------------------------- helpers

/// A distinct fake GitHub token (valid checksum) per tag; built at run time.
fn token(tag: char) -> String {
    let seed: String = format!("{tag}q7Lm2Np9Rt4Vw8Yz3Bc6Df1Gh5Jk0")
        .chars()
        .take(30)
        .collect();
    github_token("ghp_", &seed)
}

fn secret_line(tag: char) -> Vec<u8> {
    format!("export GITHUB_TOKEN={}\n", token(tag)).into_bytes()
}

/// Run the binary in `dir` with a deadline; a run that outlives it is killed
/// and fails the test (a hang is a bug).
fn run_within(dir: &Path, args: &[&str], secs: u64) -> Output {
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

fn code(o: &Output) -> i32 {
    o.status.code().expect("exited normally (no signal)")
}

fn json(o: &Output) -> Value {
    serde_json::from_slice(&o.stdout).unwrap_or_else(|e| {
        panic!(
            "stdout is not JSON ({e}):\n{}\nstderr:\n{}",
            stdout(o),
            stderr(o)
        )
    })
}

/// Secrets reported (the report must be run with `--no-redact`).
fn secrets(v: &Value) -> Vec<String> {
    v["findings"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|f| f["secret"].as_str().map(str::to_string))
        .collect()
}

fn count(v: &Value, secret: &str) -> usize {
    secrets(v).iter().filter(|s| *s == secret).count()
}

fn finding_paths(v: &Value, secret: &str) -> Vec<String> {
    v["findings"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| f["secret"].as_str() == Some(secret))
        .map(|f| f["path"].as_str().unwrap_or_default().to_string())
        .collect()
}

fn errors(v: &Value) -> Vec<(String, String)> {
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

fn scan_json(dir: &Path, extra: &[&str]) -> (Output, Value) {
    let mut args = vec!["scan", "--format", "json", "--no-redact", "--no-progress"];
    args.extend_from_slice(extra);
    let o = run_within(dir, &args, 120);
    let v = json(&o);
    (o, v)
}

// ------------------------------------------------------- archive building

/// A tar entry written by hand, so names like `../x` and `/abs` (which the
/// `tar` crate's builder refuses) go in verbatim.
fn raw_entry(out: &mut Vec<u8>, kind: tar::EntryType, name: &str, link: &str, data: &[u8]) {
    let h = archive::header(
        kind,
        name.as_bytes(),
        link.as_bytes(),
        data.len() as u64,
        0o644,
    );
    out.extend_from_slice(h.as_bytes());
    out.extend_from_slice(data);
    out.resize(out.len().div_ceil(512) * 512, 0);
}

/// A `docker save` archive of one image with these layer blobs (manifest
/// last, as skopeo and podman write it).
fn docker_save(layers: &[Vec<u8>]) -> Vec<u8> {
    archive::docker_save("bad:input", layers, &archive::image_config(layers.len()))
}

fn image_json(dir: &Path, archive: &str, extra: &[&str]) -> (Output, Value) {
    let mut args = vec![
        "image",
        archive,
        "--format",
        "json",
        "--no-redact",
        "--no-progress",
    ];
    args.extend_from_slice(extra);
    let o = run_within(dir, &args, 120);
    let v = json(&o);
    (o, v)
}

// ------------------------------------------------------------ image input

#[test]
fn truncated_gzip_layer_is_an_error_and_other_layers_are_kept() {
    let dir = tempfile::tempdir().unwrap();
    let before = layer(&[("app/before.env", &secret_line('a'))]);
    // The broken layer: its first file (and secret) is readable, then the
    // gzip stream stops in the middle of a 64 KiB file.
    let mut filler = secret_line('b');
    filler.extend(
        (0..65536u32).map(|i| b"0123456789abcdef"[(i.wrapping_mul(2654435761) >> 28) as usize]),
    );
    let broken_full = gzip(&layer(&[
        ("etc/early.env", &secret_line('c')),
        ("var/big", &filler),
    ]));
    let broken = broken_full[..broken_full.len() * 2 / 3].to_vec();
    let after = gzip(&layer(&[("app/after.env", &secret_line('d'))]));
    std::fs::write(
        dir.path().join("img.tar"),
        docker_save(&[before, broken, after]),
    )
    .unwrap();

    let (o, v) = image_json(dir.path(), "img.tar", &[]);
    assert_eq!(code(&o), 1, "{}", stderr(&o));
    for tag in ['a', 'c', 'd'] {
        assert_eq!(
            count(&v, &token(tag)),
            1,
            "secret {tag} lost: {:?}",
            secrets(&v)
        );
    }
    let errs = errors(&v);
    assert_eq!(errs.len(), 1, "{errs:?}");
    assert_eq!(errs[0].0, "img.tar:layer 1", "{errs:?}");
    // A clear message, also on stderr.
    assert!(
        stderr(&o).contains("img.tar:layer 1"),
        "stderr: {}",
        stderr(&o)
    );
}

/// A layer whose only file is `n` zero bytes, compressed by `compress`.
fn bomb_archive(compress: fn(&[u8]) -> Vec<u8>, n: usize) -> (Vec<u8>, usize) {
    let zeros = vec![0u8; n];
    let bomb = compress(&layer(&[("zeros", &zeros)]));
    let ratio = n / bomb.len();
    let good = layer(&[("app/key.env", &secret_line('e'))]);
    let earlier = layer(&[("app/first.env", &secret_line('f'))]);
    (docker_save(&[earlier, bomb, good]), ratio)
}

fn assert_bomb_stopped(archive: Vec<u8>, what: &str) {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("bomb.tar"), archive).unwrap();
    let start = Instant::now();
    let (o, v) = image_json(dir.path(), "bomb.tar", &["--max-layer-bytes", "1048576"]);
    assert!(start.elapsed() < Duration::from_secs(60), "{what} too slow");
    assert_eq!(code(&o), 1, "{}", stderr(&o));
    assert_eq!(count(&v, &token('f')), 1, "layer before the {what} lost");
    assert_eq!(count(&v, &token('e')), 1, "layer after the {what} lost");
    let errs = errors(&v);
    assert_eq!(errs.len(), 1, "{errs:?}");
    assert_eq!(errs[0].0, "bomb.tar:layer 1");
    assert!(errs[0].1.contains("decompression bomb"), "{errs:?}");
    // The run did not decompress the bomb: little more than the cap was read.
    let scanned = v["summary"]["bytes_scanned"].as_u64().unwrap();
    assert!(scanned < 2 << 20, "{scanned} bytes scanned");

    // Without the flag the default cap (8 GiB) lets a 64 MiB layer through.
    let (o, v) = image_json(dir.path(), "bomb.tar", &[]);
    assert_eq!(code(&o), 1, "{}", stderr(&o));
    assert!(errors(&v).is_empty(), "{:?}", errors(&v));
}

#[test]
fn gzip_bomb_is_stopped_by_the_layer_cap() {
    let (archive, ratio) = bomb_archive(gzip, 64 << 20);
    assert!(ratio >= 1000, "not a 1000:1 bomb: {ratio}:1");
    assert_bomb_stopped(archive, "gzip bomb");
}

#[test]
fn zstd_bomb_is_stopped_by_the_layer_cap() {
    let (archive, ratio) = bomb_archive(|d| zstd::encode_all(d, 19).unwrap(), 64 << 20);
    assert!(ratio >= 1000, "not a 1000:1 bomb: {ratio}:1");
    assert_bomb_stopped(archive, "zstd bomb");
}

#[test]
fn resource_cap_defaults_are_documented_in_help() {
    let o = run_within(Path::new("."), &["image", "--help"], 30);
    let help = stdout(&o);
    assert!(help.contains("--max-layer-bytes"), "{help}");
    assert!(help.contains("8589934592"), "default layer cap: {help}");
    assert!(help.contains("--max-file-bytes"), "{help}");
    assert!(help.contains("268435456"), "default file cap: {help}");
    assert!(help.contains("--max-nesting"), "{help}");
}

#[test]
fn per_file_cap_scans_the_head_of_a_large_file_only() {
    let dir = tempfile::tempdir().unwrap();
    let mut big = secret_line('g');
    big.resize(3 << 20, b'.');
    big.extend_from_slice(&secret_line('h'));
    let other = secret_line('i');
    let l = layer(&[("var/big.txt", &big), ("var/small.txt", &other)]);
    std::fs::write(dir.path().join("img.tar"), docker_save(&[l])).unwrap();
    let (o, v) = image_json(dir.path(), "img.tar", &["--max-file-bytes", "1048576"]);
    assert_eq!(code(&o), 1, "{}", stderr(&o));
    assert_eq!(count(&v, &token('g')), 1, "head of the capped file");
    assert_eq!(count(&v, &token('h')), 0, "past the cap: not scanned");
    assert_eq!(count(&v, &token('i')), 1, "the next file");
    // Raise the cap and the tail is found.
    let (_, v) = image_json(dir.path(), "img.tar", &["--max-file-bytes", "8388608"]);
    assert_eq!(count(&v, &token('h')), 1);
}

#[test]
fn dot_dot_and_absolute_entry_names_stay_inside_the_image() {
    let dir = tempfile::tempdir().unwrap();
    let work = dir.path().join("work");
    std::fs::create_dir(&work).unwrap();
    let mut l = Vec::new();
    raw_entry(
        &mut l,
        tar::EntryType::Regular,
        "../../escape.env",
        "",
        &secret_line('j'),
    );
    raw_entry(
        &mut l,
        tar::EntryType::Regular,
        "/etc/abs.env",
        "",
        &secret_line('k'),
    );
    raw_entry(
        &mut l,
        tar::EntryType::Regular,
        "a/../../../b.env",
        "",
        &secret_line('l'),
    );
    l.resize(l.len() + 1024, 0);
    std::fs::write(work.join("img.tar"), docker_save(&[l])).unwrap();
    let (o, v) = image_json(&work, "img.tar", &[]);
    assert_eq!(code(&o), 1, "{}", stderr(&o));
    assert!(errors(&v).is_empty(), "{:?}", errors(&v));
    // Paths are clamped at the image root, as a container runtime does.
    assert_eq!(finding_paths(&v, &token('j')), vec!["escape.env"]);
    assert_eq!(finding_paths(&v, &token('k')), vec!["etc/abs.env"]);
    assert_eq!(finding_paths(&v, &token('l')), vec!["b.env"]);
    // Nothing was extracted anywhere.
    assert!(!dir.path().join("escape.env").exists());
    assert!(!work.join("escape.env").exists());
    let names: Vec<_> = std::fs::read_dir(&work).unwrap().collect();
    assert_eq!(names.len(), 1, "{names:?}");
}

#[test]
fn hard_link_to_a_missing_target_does_not_stop_the_layer() {
    let dir = tempfile::tempdir().unwrap();
    let mut l = Vec::new();
    raw_entry(&mut l, tar::EntryType::Link, "etc/hl", "no/such/file", b"");
    raw_entry(&mut l, tar::EntryType::Link, "etc/self", "etc/self", b"");
    raw_entry(
        &mut l,
        tar::EntryType::Regular,
        "etc/after.env",
        "",
        &secret_line('m'),
    );
    l.resize(l.len() + 1024, 0);
    let second = layer(&[("etc/next.env", &secret_line('n'))]);
    std::fs::write(dir.path().join("img.tar"), docker_save(&[l, second])).unwrap();
    let (o, v) = image_json(dir.path(), "img.tar", &[]);
    assert_eq!(code(&o), 1, "{}", stderr(&o));
    assert_eq!(count(&v, &token('m')), 1);
    assert_eq!(count(&v, &token('n')), 1);
}

#[test]
fn not_an_archive_and_missing_archive_are_clear_errors() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("junk.tar"),
        b"this is not a tar file at all\n",
    )
    .unwrap();
    let good = docker_save(&[layer(&[("k.env", &secret_line('o'))])]);
    std::fs::write(dir.path().join("good.tar"), good).unwrap();
    let o = run_within(
        dir.path(),
        &[
            "image",
            "junk.tar",
            "missing.tar",
            "good.tar",
            "--format",
            "json",
            "--no-redact",
        ],
        60,
    );
    let v = json(&o);
    assert_eq!(
        code(&o),
        1,
        "the good archive's finding still fails the run"
    );
    assert_eq!(count(&v, &token('o')), 1);
    let errs = errors(&v);
    assert!(
        errs.iter().any(|(p, _)| p.starts_with("junk.tar")),
        "{errs:?}"
    );
    assert!(
        errs.iter().any(|(p, _)| p.starts_with("missing.tar")),
        "{errs:?}"
    );
    let err = stderr(&o);
    assert!(
        err.contains("junk.tar") && err.contains("missing.tar"),
        "{err}"
    );

    // Only broken input and nothing found: exit 2, never a false all-clear.
    let o = run_within(dir.path(), &["image", "junk.tar"], 60);
    assert_eq!(code(&o), 2, "{}", stderr(&o));
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

// ------------------------------------------------------------- nesting

fn sha256_hex(data: &[u8]) -> String {
    use sha2::Digest;
    sha2::Sha256::digest(data)
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

/// An OCI archive whose one image sits under `depth` nested indexes.
fn nested_oci(depth: usize, layer_data: &[u8]) -> Vec<u8> {
    let mut blobs: Vec<(String, Vec<u8>)> = Vec::new();
    let mut blob = |data: Vec<u8>| {
        let d = sha256_hex(&data);
        let size = data.len();
        blobs.push((format!("blobs/sha256/{d}"), data));
        (format!("sha256:{d}"), size)
    };
    let (ld, ls) = blob(layer_data.to_vec());
    let cfg = format!(
        "{{\"architecture\":\"amd64\",\"os\":\"linux\",\"config\":{{\"User\":\"app\"}},\"rootfs\":{{\"type\":\"layers\",\"diff_ids\":[\"{ld}\"]}}}}"
    );
    let (cd, cs) = blob(cfg.into_bytes());
    let manifest = format!(
        "{{\"schemaVersion\":2,\"mediaType\":\"application/vnd.oci.image.manifest.v1+json\",\"config\":{{\"mediaType\":\"application/vnd.oci.image.config.v1+json\",\"digest\":\"{cd}\",\"size\":{cs}}},\"layers\":[{{\"mediaType\":\"application/vnd.oci.image.layer.v1.tar\",\"digest\":\"{ld}\",\"size\":{ls}}}]}}"
    );
    let (mut d, mut s) = blob(manifest.into_bytes());
    let mut media = "application/vnd.oci.image.manifest.v1+json";
    for _ in 0..depth {
        let index = format!(
            "{{\"schemaVersion\":2,\"mediaType\":\"application/vnd.oci.image.index.v1+json\",\"manifests\":[{{\"mediaType\":\"{media}\",\"digest\":\"{d}\",\"size\":{s}}}]}}"
        );
        (d, s) = blob(index.into_bytes());
        media = "application/vnd.oci.image.index.v1+json";
    }
    let top = format!(
        "{{\"schemaVersion\":2,\"manifests\":[{{\"mediaType\":\"{media}\",\"digest\":\"{d}\",\"size\":{s},\"annotations\":{{\"org.opencontainers.image.ref.name\":\"deep\"}}}}]}}"
    );
    let mut b = tar::Builder::new(Vec::new());
    let mut add = |name: &str, data: &[u8]| {
        let mut h = tar::Header::new_ustar();
        h.set_size(data.len() as u64);
        h.set_mode(0o644);
        h.set_entry_type(tar::EntryType::Regular);
        b.append_data(&mut h, name, data).unwrap();
    };
    add("oci-layout", br#"{"imageLayoutVersion":"1.0.0"}"#);
    for (name, data) in &blobs {
        add(name, data);
    }
    add("index.json", top.as_bytes());
    b.into_inner().unwrap()
}

#[test]
fn index_nesting_cap_never_drops_a_layer_silently() {
    use stowaway::image::{audit_reader, ImageOptions};
    let scanner = stowaway::secrets::Scanner::builtin().unwrap();
    let secret = token('K');
    let l = layer(&[("etc/k.env", &secret_line('K'))]);
    let opts = ImageOptions {
        max_nesting: 3,
        ..ImageOptions::default()
    };
    // Within the cap: found and tied to its image.
    let (f, s) = audit_reader("ok.tar", &nested_oci(2, &l)[..], &scanner, &opts);
    assert!(s.errors.is_empty(), "{:?}", s.errors);
    let hits: Vec<_> = f
        .iter()
        .filter(|f| f.secret.as_deref() == Some(&secret))
        .collect();
    assert_eq!(hits.len(), 1, "{f:?}");
    assert_eq!(
        hits[0].image.as_ref().and_then(|i| i.layer_index),
        Some(0),
        "{:?}",
        hits[0].image
    );
    // Past the cap: the index is not followed, but that is said, and what
    // the layer holds is still reported (never a silent all-clear).
    let (f, s) = audit_reader("deep.tar", &nested_oci(6, &l)[..], &scanner, &opts);
    let found = f.iter().any(|f| f.secret.as_deref() == Some(&secret));
    assert!(
        found || !s.errors.is_empty(),
        "a layer behind too many indexes vanished without a word: findings {f:?}, summary {s:?}"
    );
    assert!(found, "the layer's secret is lost: {s:?}");
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
