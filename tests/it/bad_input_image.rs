//! Hostile and broken image archives, end to end through the binary (the
//! tree and config cases are in `bad_input`): truncated layers,
//! decompression bombs, the resource caps, hostile entry names, links to
//! nothing, inputs that are not archives, indexes nested past the cap. Each
//! must end with a clear error or a clean skip and keep every finding made
//! before or after the bad part.

use super::bad_input::{
    code, count, errors, finding_paths, json, run_within, secret_line, secrets, token,
};
use crate::common::archive::{self, gzip, layer};
use crate::common::{stderr, stdout};
use serde_json::Value;
use std::path::Path;
use std::process::Output;
use std::time::{Duration, Instant};

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
