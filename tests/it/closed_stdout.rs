//! Every subcommand with its standard output closed (`stowaway rules |
//! head -1` once panicked with exit 101), and with multi-byte and non-UTF-8
//! names in paths, image layer blobs and layer tar entries (a docker-save
//! layer entry `blobs/sha256/a€€€€€€` once panicked in the text printer).

use crate::common::archive::{docker_save, image_config, outer, Layer};
use crate::common::{akia, ghp, stowaway};
use std::os::unix::ffi::OsStrExt;
use std::path::Path;
use std::process::{Output, Stdio};

/// Run with the read end of stdout closed before the child writes: every
/// write fails with EPIPE.
fn run_closed(dir: &Path, args: &[&std::ffi::OsStr]) -> Output {
    let mut child = stowaway()
        .current_dir(dir)
        .args(args)
        .env("NO_COLOR", "1")
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("run stowaway");
    drop(child.stdout.take());
    child.wait_with_output().expect("wait for stowaway")
}

fn os(args: &[&str]) -> Vec<std::ffi::OsString> {
    args.iter().map(|a| a.into()).collect()
}

#[track_caller]
fn quiet_exit(o: &Output, code: i32, what: &str) {
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(!err.contains("panicked"), "{what}: {err}");
    assert_eq!(o.status.code(), Some(code), "{what}: {err}");
    assert!(!err.contains("Broken pipe"), "{what}: {err}");
}

fn secret_file() -> String {
    format!("AWS_ACCESS_KEY_ID={}\nGITHUB_TOKEN={}\n", akia(), ghp())
}

/// A docker-save archive with an extra layer blob under a multi-byte name
/// that no manifest names, whose entries have multi-byte and non-UTF-8
/// names, next to a named layer with the same entries.
fn hostile_archive() -> Vec<u8> {
    let data = secret_file();
    let mut l = Layer::default();
    l.file("app/ключ€.env", data.as_bytes());
    l.entry(
        tar::EntryType::Regular,
        b"app/\xff\xfe-\xe2\x82.env",
        b"",
        data.as_bytes(),
        0o4755,
    );
    l.file_mode("app/€€€€€€€€€€€€€€€€€€€€€€€€€€€€€€€.sh", b"echo\n", 0o777);
    let layer = l.bytes();
    let named = docker_save("img:€", std::slice::from_ref(&layer), &image_config(1));
    // The saved image's entries, then the orphan blob (the outer tar's end
    // blocks are dropped so the extra entry is read).
    let mut entries: Vec<(String, Vec<u8>)> = Vec::new();
    let mut ar = tar::Archive::new(&named[..]);
    for e in ar.entries().expect("own archive") {
        let mut e = e.expect("own entry");
        let name = e.path().expect("own name").to_string_lossy().into_owned();
        let mut v = Vec::new();
        std::io::Read::read_to_end(&mut e, &mut v).expect("own data");
        entries.push((name, v));
    }
    entries.push(("blobs/sha256/a€€€€€€".into(), layer));
    outer(&entries)
}

#[test]
fn every_subcommand_ends_quietly_on_a_closed_stdout() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    std::fs::write(d.join("app.env"), secret_file()).unwrap();
    std::fs::write(
        d.join("Dockerfile"),
        "FROM debian\nRUN apt-get install -y curl\n",
    )
    .unwrap();
    std::fs::write(d.join("img.tar"), hostile_archive()).unwrap();
    let cases: &[(&[&str], i32)] = &[
        (&["rules"], 0),
        (&["rules", "--format", "json"], 0),
        (&["explain", "aws-access-key-id"], 0),
        (&["explain", "dockerfile-runs-as-root"], 0),
        (&["explain", "image-runs-as-root"], 0),
        (&["--help"], 0),
        (&["scan", "--help"], 0),
        (&["scan", "."], 1),
        (&["scan", ".", "--format", "json"], 1),
        (&["scan", ".", "--format", "sarif"], 1),
        (&["dockerfile", "Dockerfile"], 1),
        (&["dockerfile", "Dockerfile", "--format", "sarif"], 1),
        (&["image", "img.tar"], 1),
        (&["image", "img.tar", "--format", "json"], 1),
        (&["image", "img.tar", "--format", "sarif"], 1),
        (&["baseline", "create", ".", "-o", "b.json"], 0),
    ];
    for (args, code) in cases {
        let o = run_closed(
            d,
            &os(args).iter().map(|a| a.as_os_str()).collect::<Vec<_>>(),
        );
        quiet_exit(&o, *code, &args.join(" "));
    }
    // The baseline was written although stdout was closed.
    assert!(d.join("b.json").is_file());
}

#[test]
fn multibyte_and_non_utf8_names_in_paths_layers_and_entries() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let data = secret_file();
    std::fs::create_dir(d.join("ключи€")).unwrap();
    std::fs::write(d.join("ключи€").join("€€€€€€€€.env"), &data).unwrap();
    let raw = std::ffi::OsStr::from_bytes(b"\xff\xfe-\xe2\x82.env");
    std::fs::write(d.join(raw), &data).unwrap();
    std::fs::write(d.join("img.tar"), hostile_archive()).unwrap();
    for format in ["text", "json", "sarif"] {
        let o = crate::common::run(
            d,
            &["scan", ".", "--exclude", "img.tar", "--format", format],
        );
        quiet_exit(&o, 1, &format!("scan --format {format}"));
        let out = String::from_utf8_lossy(&o.stdout);
        if format == "sarif" {
            // SARIF URIs are percent-encoded.
            assert!(out.contains("%E2%82%AC%E2%82%AC.env"), "{format}: {out}");
        } else {
            assert!(out.contains("€€€€€€€€.env"), "{format}: {out}");
            // The non-UTF-8 name is shown with replacement characters.
            assert!(out.contains("\u{fffd}\u{fffd}-"), "{format}: {out}");
        }
        // Every argument as a named path, too.
        let mut args = vec![std::ffi::OsString::from("scan"), raw.into()];
        args.push(std::ffi::OsString::from("--format"));
        args.push(format.into());
        let o = stowaway().current_dir(d).args(&args).output().unwrap();
        quiet_exit(&o, 1, &format!("scan RAW --format {format}"));

        let o = crate::common::run(d, &["image", "img.tar", "--format", format]);
        quiet_exit(&o, 1, &format!("image --format {format}"));
        let out = String::from_utf8_lossy(&o.stdout);
        if format != "sarif" {
            assert!(out.contains("ключ€.env"), "{format}: {out}");
            // The orphan layer blob's findings are reported, named by its blob.
            assert!(out.contains("a€€€€€€"), "image {format}: {out}");
        } else {
            assert!(out.contains("%E2%82%AC.env"), "image {format}: {out}");
        }
    }
}
