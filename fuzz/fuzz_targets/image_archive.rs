//! The image archive reader: outer tar (plain, gzip, zstd), manifest and
//! config JSON, layer decompression and the inner tar, through
//! `image::audit_reader` (the streaming entry point `audit(path)` uses, so no
//! temporary file is needed). Nothing may panic or hang, and the caps in
//! `ImageOptions` must hold whatever the input claims.
//!
//! Byte 0 picks how the rest is used:
//! - 0: the whole archive, raw;
//! - 1: the outer archive, gzip-compressed by the harness;
//! - 2, 3, 4: one layer blob (plain, gzip, zstd) in a well-formed `docker save`;
//! - 5, 6, 7: a layer built from records (see `records`), plain/gzip/zstd, so
//!   entry kinds, names, link targets and contents are all reached without
//!   the fuzzer having to learn tar checksums;
//! - 8: the image config JSON, next to a small valid layer;
//! - 9: the manifest JSON, next to a small valid layer and config.
#![no_main]

// The archive builders the integration tests use (tar, flate2 and zstd only).
#[path = "../../tests/it/common/archive.rs"]
#[allow(dead_code)]
mod archive;

use archive::{gzip, outer, zstd, Layer};
use libfuzzer_sys::fuzz_target;
use std::sync::OnceLock;
use stowaway::secrets::Scanner;
use stowaway::image::{audit_reader, ImageOptions};

fn scanner() -> &'static Scanner {
    static S: OnceLock<Scanner> = OnceLock::new();
    S.get_or_init(|| Scanner::builtin().expect("built-in rules load"))
}

const CONFIG: &[u8] = br#"{"architecture":"amd64","os":"linux","config":{"User":"app"},"rootfs":{"type":"layers","diff_ids":["sha256:0000000000000000000000000000000000000000000000000000000000000000"]},"history":[{"created_by":"COPY . /"}]}"#;
const MANIFEST: &[u8] =
    br#"[{"Config":"cfg.json","RepoTags":["fuzz:latest"],"Layers":["l0/layer.tar"]}]"#;

fn docker_save(layer: &[u8], config: &[u8], manifest: &[u8]) -> Vec<u8> {
    outer(&[
        ("l0/layer.tar", layer),
        ("cfg.json", config),
        ("manifest.json", manifest),
    ])
}

/// A layer tar from records separated by `\n--\n`: byte 0 is the entry type
/// (`0` file, `1` hard link, `2` symlink, `5` dir, `L`/`x` long names, …),
/// byte 1 the mode's low bits, then `name\0link\0content`.
fn records(data: &[u8]) -> Vec<u8> {
    let mut layer = Layer::default();
    let sep: &[u8] = b"\n--\n";
    let mut rest = data;
    loop {
        let (rec, next) = match rest.windows(sep.len()).position(|w| w == sep) {
            Some(p) => (&rest[..p], Some(&rest[p + sep.len()..])),
            None => (rest, None),
        };
        if rec.len() >= 2 {
            let kind = tar::EntryType::new(rec[0]);
            let mode = 0o600 | (u32::from(rec[1]) << 3 & 0o7777);
            let mut parts = rec[2..].splitn(3, |&b| b == 0);
            let name = parts.next().unwrap_or_default();
            let link = parts.next().unwrap_or_default();
            let content = parts.next().unwrap_or_default();
            layer.entry(kind, name, link, content, mode);
        }
        match next {
            Some(n) => rest = n,
            None => break,
        }
    }
    layer.bytes()
}

fuzz_target!(|data: &[u8]| {
    let Some((&mode, body)) = data.split_first() else {
        return;
    };
    let small_layer = records(b"0\x04etc/app.conf\0\0token = hello\n");
    let archive = match mode % 10 {
        0 => body.to_vec(),
        1 => gzip(body),
        2 => docker_save(body, CONFIG, MANIFEST),
        3 => docker_save(&gzip(body), CONFIG, MANIFEST),
        4 => docker_save(&zstd(body), CONFIG, MANIFEST),
        5 => docker_save(&records(body), CONFIG, MANIFEST),
        6 => docker_save(&gzip(&records(body)), CONFIG, MANIFEST),
        7 => docker_save(&zstd(&records(body)), CONFIG, MANIFEST),
        8 => docker_save(&small_layer, body, MANIFEST),
        _ => docker_save(&small_layer, CONFIG, body),
    };
    let opts = ImageOptions {
        max_layer_bytes: 4 << 20,
        max_file_bytes: 1 << 20,
        max_nesting: 4,
        include_binary: mode & 0x80 != 0,
        ..ImageOptions::default()
    };
    let (findings, summary) = audit_reader("fuzz.tar", &archive[..], scanner(), &opts);
    // The per-layer cap bounds what is scanned, whatever sizes headers claim.
    let layers = summary.layers_scanned.unwrap_or(0).max(1);
    assert!(
        summary.bytes_scanned <= layers * opts.max_layer_bytes,
        "{} bytes scanned in {layers} layers",
        summary.bytes_scanned
    );
    for f in &findings {
        assert!(!f.rule_id.is_empty());
    }
});
