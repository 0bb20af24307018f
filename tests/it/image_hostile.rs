//! Hand-built archives (made here with the `tar` crate) for what real tools
//! rarely write: every kind of whiteout, shared layers, bombs, truncation,
//! corrupt layers, hostile paths, links, PAX/GNU long names, sparse files,
//! duplicate entries, non-UTF-8 names, nested OCI indexes with absent blobs.

use crate::common::archive::{docker_save, gzip, header, outer, zstd, Layer};
use crate::common::image::{describe, scanner, with_rule};
use stowaway::image::{audit, audit_reader, rules, ImageOptions};
use stowaway::report::{Finding, Summary};

const KEY_A: &str = "AKIAQ2W3E4R5T6Y7U8I9";
const KEY_B: &str = "AKIAZ9X8C7V6B5N4M3L2";
const KEY_C: &str = "AKIAP0O9I8U7Y6T5R4E3";
const TOKEN: &str = "stwy_aB3dE5fG7hJ9kL2mN4pQ6rS8tU0vW1xY3";

fn line(key: &str) -> Vec<u8> {
    format!("aws_access_key_id = {key}\n").into_bytes()
}

fn config(layers: usize, history: &[&str], extra: &str) -> Vec<u8> {
    let diff: Vec<String> = (0..layers)
        .map(|i| format!("\"sha256:{i:064x}\""))
        .collect();
    let hist: Vec<String> = history
        .iter()
        .map(|h| format!("{{\"created_by\":{}}}", serde_json::Value::from(*h)))
        .collect();
    let user = if extra.contains("\"User\"") {
        "\"Hostname\":\"h\""
    } else {
        "\"User\":\"app\""
    };
    format!(
        "{{\"architecture\":\"amd64\",\"os\":\"linux\",\"config\":{{{user}{extra}}},\"rootfs\":{{\"type\":\"layers\",\"diff_ids\":[{}]}},\"history\":[{}]}}",
        diff.join(","),
        hist.join(",")
    )
    .into_bytes()
}

/// A legacy docker-save archive of one image; manifest.json written last.
fn docker_archive(tag: &str, layers: &[Vec<u8>], cfg: Vec<u8>) -> Vec<u8> {
    docker_save(tag, layers, &cfg)
}

fn run(bytes: &[u8], opts: &ImageOptions) -> (Vec<Finding>, Summary) {
    audit_reader("test.tar", bytes, &scanner(), opts)
}

fn secret<'a>(findings: &'a [Finding], key: &str) -> Vec<&'a Finding> {
    findings
        .iter()
        .filter(|f| f.secret.as_deref() == Some(key))
        .collect()
}

fn ctx(f: &Finding) -> (Option<usize>, bool, Option<usize>) {
    let i = f.image.as_ref().expect("image context");
    (i.layer_index, i.deleted, i.deleted_by_layer)
}

#[test]
fn image_every_kind_of_deletion() {
    let mut l0 = Layer::default();
    l0.dir("etc/", 0o755)
        .file("etc/a.txt", &line(KEY_A)) // whiteout file
        .dir("opt/app/", 0o755)
        .file("opt/app/b.txt", &line(KEY_B)) // opaque dir
        .dir("srv/data/", 0o755)
        .file("srv/data/c.txt", &line(KEY_C)) // parent deleted
        .file("root/token", TOKEN.as_bytes()); // overwritten
    let mut l1 = Layer::default();
    l1.file("etc/.wh.a.txt", b"")
        .file("opt/app/.wh..wh..opq", b"")
        .file("opt/app/new.txt", b"fresh")
        .file(".wh.srv", b"")
        .file("root/token", b"replaced");
    let mut l2 = Layer::default();
    l2.file("kept.txt", &line("AKIAQ7XK2MZP4VNR6TWD"));
    let cfg = config(3, &["ADD base", "RUN cleanup", "COPY kept"], "");
    let ar = docker_archive(
        "t:1",
        &[l0.bytes(), gzip(&l1.bytes()), zstd(&l2.bytes())],
        cfg,
    );
    let (f, s) = run(&ar, &ImageOptions::default());
    assert!(s.errors.is_empty(), "{:?}", s.errors);
    for (key, path) in [
        (KEY_A, "etc/a.txt"),
        (KEY_B, "opt/app/b.txt"),
        (KEY_C, "srv/data/c.txt"),
        (TOKEN, "root/token"),
    ] {
        let hits = secret(&f, key);
        assert_eq!(hits.len(), 1, "{key}: {}", describe(&f));
        assert_eq!(hits[0].path, path);
        assert_eq!(ctx(hits[0]), (Some(0), true, Some(1)), "{path}");
        assert_eq!(
            hits[0].image.as_ref().and_then(|i| i.created_by.as_deref()),
            Some("ADD base")
        );
    }
    let kept = secret(&f, "AKIAQ7XK2MZP4VNR6TWD");
    assert_eq!(ctx(kept[0]), (Some(2), false, None));
    assert_eq!(s.layers_scanned, Some(3));
}

#[test]
fn image_duplicate_entry_in_one_layer() {
    let mut l0 = Layer::default();
    l0.file("app/conf", &line(KEY_A)).file("app/conf", b"clean");
    let ar = docker_archive("t:1", &[l0.bytes()], config(1, &["COPY"], ""));
    let (f, _) = run(&ar, &ImageOptions::default());
    let hits = secret(&f, KEY_A);
    assert_eq!(hits.len(), 1);
    assert_eq!(ctx(hits[0]), (Some(0), true, Some(0)));
}

#[test]
fn image_hard_link_keeps_deleted_content() {
    let mut l0 = Layer::default();
    l0.file("a/secret", &line(KEY_A))
        .link(tar::EntryType::Link, "b/alias", "a/secret");
    let mut l1 = Layer::default();
    l1.file("a/.wh.secret", b"");
    let ar = docker_archive("t:1", &[l0.bytes(), l1.bytes()], config(2, &[], ""));
    let (f, s) = run(&ar, &ImageOptions::default());
    let hits = secret(&f, KEY_A);
    assert_eq!(
        ctx(hits[0]),
        (Some(0), false, None),
        "the hard link still holds it"
    );
    assert_eq!(s.skipped.get("hardlink"), Some(&1));
}

#[test]
fn image_shared_layer_scanned_once_for_every_image() {
    let mut base = Layer::default();
    base.file("shared.txt", &line(KEY_A));
    let mut top1 = Layer::default();
    top1.file("one.txt", b"x");
    let mut top2 = Layer::default();
    top2.file(".wh.shared.txt", b"");
    let entries = vec![
        ("base/layer.tar".to_string(), base.bytes()),
        ("t1/layer.tar".to_string(), top1.bytes()),
        ("t2/layer.tar".to_string(), top2.bytes()),
        ("c1.json".to_string(), config(2, &[], "")),
        ("c2.json".to_string(), config(2, &[], ",\"Env\":[\"X=1\"]")),
        (
            "manifest.json".to_string(),
            br#"[{"Config":"c1.json","RepoTags":["one:1"],"Layers":["base/layer.tar","t1/layer.tar"]},
                 {"Config":"c2.json","RepoTags":["two:1"],"Layers":["base/layer.tar","t2/layer.tar"]}]"#
                .to_vec(),
        ),
    ];
    let (f, s) = run(&outer(&entries), &ImageOptions::default());
    let hits = secret(&f, KEY_A);
    assert_eq!(hits.len(), 1, "{}", describe(&f));
    let i = hits[0].image.as_ref().expect("ctx");
    assert_eq!(i.references, vec!["one:1".to_string(), "two:1".to_string()]);
    assert!(!i.deleted, "still present in image one:1");
    assert_eq!(s.layers_scanned, Some(3));
}

#[test]
fn image_gzip_bomb_stops_that_layer_only() {
    let mut bomb = Layer::default();
    bomb.file("zeros", &vec![0u8; 4 << 20]);
    let mut good = Layer::default();
    good.file("app/key", &line(KEY_B));
    let ar = docker_archive(
        "t:1",
        &[gzip(&bomb.bytes()), gzip(&good.bytes())],
        config(2, &[], ""),
    );
    let opts = ImageOptions {
        max_layer_bytes: 1 << 20,
        ..ImageOptions::default()
    };
    let (f, s) = run(&ar, &opts);
    assert_eq!(
        secret(&f, KEY_B).len(),
        1,
        "the next layer is still scanned"
    );
    assert_eq!(s.errors.len(), 1, "{:?}", s.errors);
    assert_eq!(s.errors[0].path, "test.tar:layer 0");
    assert!(
        s.errors[0].message.contains("decompression bomb"),
        "{}",
        s.errors[0].message
    );
}

#[test]
fn image_truncated_archive_keeps_findings() {
    let mut l0 = Layer::default();
    l0.file("first", &line(KEY_A));
    let mut l1 = Layer::default();
    l1.file("big", &vec![b'x'; 200_000]);
    let ar = docker_archive("t:1", &[l0.bytes(), l1.bytes()], config(2, &[], ""));
    let cut = &ar[..l0.bytes().len() + 512 + 50_000];
    let (f, s) = run(cut, &ImageOptions::default());
    assert!(!s.errors.is_empty());
    let all: String = s.errors.iter().map(|e| e.message.clone()).collect();
    assert!(
        all.contains("truncated") || all.contains("not an image"),
        "{all}"
    );
    // Found before the cut, kept even though no manifest says which image.
    let hits = secret(&f, KEY_A);
    assert_eq!(hits.len(), 1, "{}", describe(&f));
    assert_eq!(hits[0].path, "first");
    assert_eq!(hits[0].image.as_ref().and_then(|i| i.layer_index), None);
}

#[test]
fn image_corrupt_layer_is_an_error_naming_the_layer() {
    let mut good = Layer::default();
    good.file("ok", &line(KEY_A));
    let mut bad = gzip(&Layer::default().file("x", &line(KEY_B)).bytes());
    let n = bad.len();
    for b in bad.iter_mut().skip(12).take(n.saturating_sub(20)) {
        *b ^= 0x5a;
    }
    let ar = docker_archive("t:1", &[good.bytes(), bad], config(2, &[], ""));
    let (f, s) = run(&ar, &ImageOptions::default());
    assert_eq!(secret(&f, KEY_A).len(), 1);
    assert_eq!(s.errors.len(), 1, "{:?}", s.errors);
    assert_eq!(s.errors[0].path, "test.tar:layer 1");
}

#[test]
fn image_hostile_paths_and_entry_kinds() {
    let mut l = Layer::default();
    l.file("../../escape.txt", &line(KEY_A))
        .file("/abs/path.txt", &line(KEY_B))
        .link(tar::EntryType::Symlink, "etc/shadow-link", "/etc/shadow")
        .link(tar::EntryType::Symlink, "up", "../../../../")
        .gnu_long(&format!("{}/gnu.txt", "d".repeat(150)), &line(KEY_C))
        .pax_long(&format!("{}/pax.txt", "p".repeat(150)), TOKEN.as_bytes());
    let mut bad_name = header(tar::EntryType::Regular, b"bin/\xff\xfe.txt", b"", 0, 0o644);
    let data = line("AKIAZ3JQ5WLT7HMB2XCE");
    bad_name.set_size(data.len() as u64);
    bad_name.set_cksum();
    l.raw(&bad_name, &data);
    let ar = docker_archive("t:1", &[l.bytes()], config(1, &[], ""));
    let (f, s) = run(&ar, &ImageOptions::default());
    assert!(s.errors.is_empty(), "{:?}", s.errors);
    assert_eq!(secret(&f, KEY_A)[0].path, "escape.txt");
    assert_eq!(secret(&f, KEY_B)[0].path, "abs/path.txt");
    assert_eq!(
        secret(&f, KEY_C)[0].path,
        format!("{}/gnu.txt", "d".repeat(150))
    );
    assert_eq!(
        secret(&f, TOKEN)[0].path,
        format!("{}/pax.txt", "p".repeat(150))
    );
    assert_eq!(
        secret(&f, "AKIAZ3JQ5WLT7HMB2XCE")[0].path,
        "bin/\u{fffd}\u{fffd}.txt"
    );
    assert_eq!(s.skipped.get("symlink"), Some(&2));
}

#[test]
fn image_sparse_file_is_bounded() {
    // A GNU sparse file: 16 KiB of text at offset 0, claiming 4 GiB.
    let mut text = line(KEY_A);
    text.resize(16 << 10, b'.');
    let mut h = header(
        tar::EntryType::GNUSparse,
        b"var/sparse",
        b"",
        text.len() as u64,
        0o644,
    );
    if let Some(g) = h.as_gnu_mut() {
        let oct = |v: u64, out: &mut [u8]| {
            let s = format!("{:0w$o}\0", v, w = out.len() - 1);
            out.copy_from_slice(s.as_bytes());
        };
        oct(0, &mut g.sparse[0].offset);
        oct(text.len() as u64, &mut g.sparse[0].numbytes);
        oct(1 << 32, &mut g.sparse[1].offset);
        oct(0, &mut g.sparse[1].numbytes);
        oct(1 << 32, &mut g.realsize);
    }
    h.set_cksum();
    let mut l = Layer::default();
    l.raw(&h, &text);
    let ar = docker_archive("t:1", &[l.bytes()], config(1, &[], ""));
    let opts = ImageOptions {
        max_file_bytes: 1 << 20,
        ..ImageOptions::default()
    };
    let (f, s) = run(&ar, &opts);
    assert!(s.errors.is_empty(), "{:?}", s.errors);
    assert_eq!(secret(&f, KEY_A).len(), 1, "{}", describe(&f));
}

#[test]
fn image_per_file_cap_and_binary_files() {
    let mut big = vec![b'a'; 2 << 20];
    big.extend_from_slice(&line(KEY_A));
    let mut bin = vec![0u8; 64];
    bin.extend_from_slice(&line(KEY_B));
    let mut l = Layer::default();
    l.file("big.txt", &big).file("blob.bin", &bin);
    let ar = docker_archive("t:1", &[l.bytes()], config(1, &[], ""));
    let opts = ImageOptions {
        max_file_bytes: 1 << 20,
        ..ImageOptions::default()
    };
    let (f, s) = run(&ar, &opts);
    assert!(secret(&f, KEY_A).is_empty(), "past the per-file cap");
    assert!(secret(&f, KEY_B).is_empty(), "binary skipped");
    assert_eq!(s.skipped.get("truncated"), Some(&1));
    assert_eq!(s.skipped.get("binary"), Some(&1));
    let opts = ImageOptions {
        include_binary: true,
        ..ImageOptions::default()
    };
    let (f, _) = run(&ar, &opts);
    assert_eq!(secret(&f, KEY_A).len(), 1);
    assert_eq!(secret(&f, KEY_B).len(), 1);
}

#[test]
fn image_empty_and_multi_member_gzip_layers() {
    let empty = vec![0u8; 1024];
    let mut l = Layer::default();
    l.file("a", &line(KEY_A)).file("b", &line(KEY_B));
    let raw = l.bytes();
    let mut multi = gzip(&raw[..1024]);
    multi.extend(gzip(&raw[1024..]));
    let ar = docker_archive("t:1", &[empty, multi], config(2, &[], ""));
    let (f, s) = run(&ar, &ImageOptions::default());
    assert!(s.errors.is_empty(), "{:?}", s.errors);
    assert_eq!(secret(&f, KEY_A).len(), 1);
    assert_eq!(secret(&f, KEY_B).len(), 1, "second gzip member read");
    assert_eq!(s.layers_scanned, Some(2));
}

#[test]
fn image_checks() {
    let mut l = Layer::default();
    l.file_mode("usr/bin/su", b"\x7fELF\0", 0o4755)
        .dir("tmp/", 0o1777)
        .file_mode("tmp/scratch", b"x", 0o666)
        .file_mode("app/run.sh", b"#!/bin/sh\n", 0o777)
        .dir("data/", 0o777)
        .file("home/u/.ssh/id_ed25519", b"not really a key")
        .file("home/u/.aws/credentials", b"[default]\n")
        .file("root/.docker/config.json", b"{}")
        .file("app/.env.example", b"X=1")
        .file("src/.git/HEAD", b"ref: refs/heads/main\n")
        .file("src/.git/config", b"[core]\n");
    let ar = docker_archive(
        "t:1",
        &[l.bytes()],
        config(1, &[], ",\"ExposedPorts\":{\"22/tcp\":{}}"),
    );
    let (f, _) = run(&ar, &ImageOptions::default());
    let paths = |rule: &str| {
        let mut v: Vec<String> = with_rule(&f, rule).iter().map(|f| f.path.clone()).collect();
        v.sort();
        v
    };
    assert_eq!(paths("image-setuid-file"), vec!["usr/bin/su"]);
    assert_eq!(paths("image-world-writable"), vec!["app/run.sh", "data"]);
    assert_eq!(
        paths("image-credential-file"),
        vec![
            "home/u/.aws/credentials",
            "home/u/.ssh/id_ed25519",
            "root/.docker/config.json"
        ]
    );
    assert_eq!(paths("image-git-directory"), vec!["src/.git"]);
    assert_eq!(paths("image-expose-ssh").len(), 1);
    assert!(paths("image-runs-as-root").is_empty(), "User is app");
    for rule in rules() {
        assert!(rule.id.starts_with("image-"));
        assert!(rule.help.contains("**Fix.**"), "{}", rule.id);
    }
}

#[test]
fn image_config_secrets_and_root() {
    let extra = r#","User":"0:0","Env":["PATH=/bin","DB_PASSWORD=pr0d-Pa55w0rd-x7Q","EMPTY_TOKEN="],"Labels":{"k":"AKIAQ2W3E4R5T6Y7U8I9"},"Cmd":["run","--key=AKIAZ9X8C7V6B5N4M3L2"],"Healthcheck":{"Test":["CMD","curl","-H","X: AKIAP0O9I8U7Y6T5R4E3"]}"#;
    let hist = [
        "ADD rootfs",
        "|2 NPM_TOKEN=q8Zr-77xK-b2Lw OTHER=1 /bin/sh -c npm ci",
    ];
    let ar = docker_archive(
        "t:1",
        &[Layer::default().bytes(), Layer::default().bytes()],
        config(2, &hist, extra),
    );
    let (f, _) = run(&ar, &ImageOptions::default());
    assert_eq!(with_rule(&f, "image-runs-as-root").len(), 1);
    let env = with_rule(&f, "image-env-secret");
    assert_eq!(env.len(), 1, "{}", describe(&f));
    assert_eq!(
        (env[0].path.as_str(), env[0].span.line, env[0].span.column),
        ("config/Env", 2, 13)
    );
    assert!(!env[0].message.contains("pr0d"));
    let arg = with_rule(&f, "image-build-arg-secret");
    assert_eq!(arg.len(), 1);
    assert_eq!(arg[0].image.as_ref().and_then(|i| i.layer_index), Some(1));
    assert_eq!(secret(&f, KEY_A)[0].path, "config/Labels");
    assert_eq!(secret(&f, KEY_B)[0].path, "config/Cmd");
    assert_eq!(secret(&f, KEY_C)[0].path, "config/Healthcheck");
}

/// An OCI archive: nested index, one platform's blobs absent, layers gzip
/// and zstd, manifest and blobs in any order.
#[test]
fn image_oci_nested_index_with_absent_blob() {
    use sha2::{Digest, Sha256};
    let dg = |b: &[u8]| format!("sha256:{:x}", Sha256::digest(b));
    let mut l0 = Layer::default();
    l0.file("etc/secret", &line(KEY_A));
    let mut l1 = Layer::default();
    l1.file("etc/.wh.secret", b"");
    let (b0, b1) = (gzip(&l0.bytes()), zstd(&l1.bytes()));
    let cfg = config(2, &["ADD", "RUN rm"], "");
    let manifest = format!(
        r#"{{"schemaVersion":2,"config":{{"digest":"{}","size":{}}},"layers":[{{"digest":"{}"}},{{"digest":"{}"}}]}}"#,
        dg(&cfg),
        cfg.len(),
        dg(&b0),
        dg(&b1)
    )
    .into_bytes();
    let absent = format!("sha256:{}", "ab".repeat(32));
    let inner = format!(
        r#"{{"schemaVersion":2,"manifests":[{{"digest":"{}","platform":{{"os":"linux","architecture":"amd64"}}}},{{"digest":"{absent}","platform":{{"os":"linux","architecture":"arm64"}}}}]}}"#,
        dg(&manifest)
    )
    .into_bytes();
    let index = format!(
        r#"{{"schemaVersion":2,"manifests":[{{"digest":"{}","annotations":{{"org.opencontainers.image.ref.name":"example/app:2"}}}}]}}"#,
        dg(&inner)
    )
    .into_bytes();
    let blob = |b: &[u8]| format!("blobs/{}", dg(b).replace(':', "/"));
    let entries = vec![
        (blob(&b1), b1.clone()),
        ("index.json".to_string(), index),
        (blob(&manifest), manifest.clone()),
        (blob(&b0), b0.clone()),
        (
            "oci-layout".to_string(),
            br#"{"imageLayoutVersion":"1.0.0"}"#.to_vec(),
        ),
        (blob(&inner), inner.clone()),
        (blob(&cfg), cfg.clone()),
    ];
    let (f, s) = run(&outer(&entries), &ImageOptions::default());
    assert!(s.errors.is_empty(), "{:?}", s.errors);
    assert_eq!(s.skipped.get("missing-blob"), Some(&1));
    let hits = secret(&f, KEY_A);
    assert_eq!(hits.len(), 1);
    let i = hits[0].image.as_ref().expect("ctx");
    assert_eq!(i.reference.as_deref(), Some("example/app:2"));
    assert_eq!(i.layer_digest, Some(dg(&b0)));
    assert_eq!(
        (i.layer_index, i.deleted, i.deleted_by_layer),
        (Some(0), true, Some(1))
    );
    assert_eq!(i.created_by.as_deref(), Some("ADD"));
}

#[test]
fn image_not_an_archive() {
    let (f, s) = run(
        b"just some text, not a tar at all",
        &ImageOptions::default(),
    );
    assert!(f.is_empty());
    assert!(
        s.errors[0].message.contains("not an image archive"),
        "{:?}",
        s.errors
    );
    let (_, s) = audit("/nonexistent/app.tar", &scanner(), &ImageOptions::default());
    assert_eq!(s.errors[0].path, "/nonexistent/app.tar");
    assert!(s.errors[0].message.contains("cannot open"));
}

#[test]
fn image_utf16_files_are_transcoded() {
    let mut utf16 = vec![0xFF, 0xFE];
    for u in String::from_utf8(line(KEY_A)).unwrap().encode_utf16() {
        utf16.extend_from_slice(&u.to_le_bytes());
    }
    let mut l = Layer::default();
    l.file("app/settings.reg", &utf16);
    let ar = docker_archive("t:1", &[l.bytes()], config(1, &[], ""));
    let (f, s) = run(&ar, &ImageOptions::default());
    assert!(s.errors.is_empty(), "{:?}", s.errors);
    assert_eq!(secret(&f, KEY_A).len(), 1, "UTF-16 secret found");
}
