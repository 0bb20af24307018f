//! Hostile archives: a zip bomb and a gzip bomb (ratio), nesting past the
//! depth limit, zip-slip names, truncated and corrupt zips and gzip
//! streams, and the entry-count limit. Each must end as a note naming the
//! archive and the problem, never an abort or a huge allocation, while the
//! rest of the tree (and of the archive, where it can be read) is scanned.

use crate::common::archive::{gzip, zip, Layer, Zip};
use crate::common::{github_token, run, stderr};
use serde_json::Value;
use std::path::Path;

fn tok(n: u32) -> String {
    let seed = format!("Bx{n:04}Lm2Np9Rt4Vw8Yz3Bc6Df1Gh5");
    github_token("ghp_", &seed[..30])
}

fn secret_file(n: u32) -> Vec<u8> {
    format!("token={}\n", tok(n)).into_bytes()
}

fn write(dir: &Path, rel: &str, bytes: impl AsRef<[u8]>) {
    std::fs::write(dir.join(rel), bytes).expect("write");
}

/// The JSON report of a scan of `dir`, and the exit code.
fn scan(dir: &Path) -> (Value, i32) {
    let o = run(
        dir,
        &["scan", "-f", "json", "--no-redact", "--no-progress", "."],
    );
    let v = serde_json::from_slice(&o.stdout)
        .unwrap_or_else(|e| panic!("JSON report ({e}): {}", stderr(&o)));
    (v, o.status.code().unwrap_or(-1))
}

fn paths(v: &Value) -> Vec<String> {
    let mut p: Vec<String> = v["findings"]
        .as_array()
        .expect("findings")
        .iter()
        .map(|f| f["path"].as_str().unwrap_or("").to_string())
        .collect();
    p.sort();
    p
}

fn notes(v: &Value) -> Vec<String> {
    v["summary"]["notes"]
        .as_array()
        .map(|a| {
            a.iter()
                .filter_map(|n| n.as_str().map(String::from))
                .collect()
        })
        .unwrap_or_default()
}

fn has_note(v: &Value, starts: &str, says: &str) -> bool {
    notes(v)
        .iter()
        .any(|n| n.starts_with(starts) && n.contains(says))
}

/// Text that compresses about 1000:1.
fn filler(len: usize) -> Vec<u8> {
    let mut v = b"x=".to_vec();
    v.resize(len, b'a');
    v
}

#[test]
fn zip_and_gzip_bombs_are_notes_and_the_scan_goes_on() {
    let d = tempfile::tempdir().unwrap();
    let p = d.path();
    let mut z = Zip::default();
    z.deflated("bomb.txt", &filler(16 << 20))
        .deflated("after.env", &secret_file(1));
    write(p, "bomb.zip", z.bytes());
    write(p, "bomb.txt.gz", gzip(&filler(16 << 20)));
    write(p, "plain.env", secret_file(2));
    let (v, code) = scan(p);
    assert_eq!(paths(&v), ["bomb.zip!/after.env", "plain.env"], "{v:#}");
    assert!(
        has_note(&v, "bomb.zip!/bomb.txt: ", "compression ratio over 100:1"),
        "{:?}",
        notes(&v)
    );
    assert!(
        has_note(&v, "bomb.txt.gz: ", "compression ratio over 100:1"),
        "{:?}",
        notes(&v)
    );
    // Notes do not turn findings into errors: exit 1 for the findings.
    assert_eq!(code, 1);
    assert!(v["summary"]["errors"].as_array().unwrap().is_empty());
}

#[test]
fn nesting_past_the_depth_limit_is_not_opened() {
    let d = tempfile::tempdir().unwrap();
    let p = d.path();
    // Level 1 is the outermost zip; the secret at level 5 is found, the
    // one inside a sixth zip is not.
    let mut inner = zip(&[("deep.env", &secret_file(6))]);
    for level in (1..=5).rev() {
        let name = format!("l{level}-secret.env");
        let file = secret_file(level);
        inner = zip(&[(name.as_str(), &file[..]), ("next.zip", &inner[..])]);
    }
    write(p, "nest.zip", &inner);
    let (v, _) = scan(p);
    let found = paths(&v);
    assert_eq!(found.len(), 5, "{found:#?}");
    assert!(found
        .contains(&"nest.zip!/next.zip!/next.zip!/next.zip!/next.zip!/l5-secret.env".to_string()));
    assert!(
        has_note(
            &v,
            "nest.zip!/next.zip!/next.zip!/next.zip!/next.zip!/next.zip: ",
            "nested more than 5 deep"
        ),
        "{:?}",
        notes(&v)
    );
}

#[test]
fn zip_slip_names_are_display_names_inside_the_archive() {
    let d = tempfile::tempdir().unwrap();
    let p = d.path().join("scan");
    std::fs::create_dir(&p).unwrap();
    let mut z = Zip::default();
    z.deflated_raw(b"../../etc/passwd", &secret_file(1))
        .deflated_raw(b"/abs/x.env", &secret_file(2))
        .deflated_raw(b"..\\..\\win.ini", &secret_file(3))
        .deflated_raw(b"ok/../fine.env", &secret_file(4));
    write(&p, "slip.zip", z.bytes());
    let (v, _) = scan(&p);
    assert_eq!(
        paths(&v),
        [
            "slip.zip!/abs/x.env",
            "slip.zip!/etc/passwd",
            "slip.zip!/fine.env",
            "slip.zip!/win.ini"
        ],
        "{v:#}"
    );
    assert!(
        has_note(
            &v,
            "slip.zip!/etc/passwd: ",
            "`../../etc/passwd` points outside"
        ),
        "{:?}",
        notes(&v)
    );
    assert!(has_note(&v, "slip.zip!/abs/x.env: ", "zip slip"));
    assert!(has_note(&v, "slip.zip!/win.ini: ", "zip slip"));
    assert!(!has_note(&v, "slip.zip!/fine.env", ""), "{:?}", notes(&v));
    // Nothing is extracted anywhere.
    let beside: Vec<_> = std::fs::read_dir(d.path()).unwrap().collect();
    assert_eq!(beside.len(), 1);
    assert_eq!(std::fs::read_dir(&p).unwrap().count(), 1);
}

#[test]
fn truncated_and_corrupt_archives_are_notes_naming_the_file() {
    let d = tempfile::tempdir().unwrap();
    let p = d.path();
    let whole = zip(&[("a.env", &secret_file(1)), ("b.env", &secret_file(2))]);
    write(p, "cut.zip", &whole[..whole.len() / 2]);
    // One member's deflate data broken: the other is still read.
    let mut z = Zip::default();
    z.stored("good.env", &secret_file(3))
        .deflated("bad.env", &secret_file(4).repeat(20));
    let mut bytes = z.bytes();
    let at = bytes
        .windows(7)
        .position(|w| w == b"bad.env")
        .expect("name in the local header")
        + 7;
    for b in &mut bytes[at + 2..at + 12] {
        *b ^= 0x5a;
    }
    write(p, "corrupt.zip", &bytes);
    let gz = gzip(&secret_file(5).repeat(2000));
    write(p, "cut.txt.gz", &gz[..gz.len() - 40]);
    write(p, "plain.env", secret_file(6));
    let (v, code) = scan(p);
    let found = paths(&v);
    assert!(found.contains(&"plain.env".to_string()), "{found:#?}");
    assert!(
        found.contains(&"corrupt.zip!/good.env".to_string()),
        "{found:#?}"
    );
    // The gzip's intact start is scanned.
    assert!(
        found.contains(&"cut.txt.gz!/cut.txt".to_string()),
        "{found:#?}"
    );
    assert!(
        has_note(&v, "cut.zip: ", "not a readable zip"),
        "{:?}",
        notes(&v)
    );
    assert!(
        has_note(&v, "corrupt.zip!/bad.env: ", "cannot be read"),
        "{:?}",
        notes(&v)
    );
    assert!(
        has_note(&v, "cut.txt.gz: ", "corrupt or truncated gzip"),
        "{:?}",
        notes(&v)
    );
    assert_eq!(code, 1, "findings, and notes are no errors");
}

#[test]
fn entry_count_limit_in_tar_and_zip() {
    let d = tempfile::tempdir().unwrap();
    let p = d.path();
    let mut l = Layer::default();
    for i in 0..100_000 {
        l.file(&format!("f{i}"), b"");
    }
    // Entry 100,001 holds a secret: past the limit, it is not read.
    l.file("last.env", &secret_file(1));
    write(p, "many.tgz", gzip(&l.bytes()));
    let mut z = Zip::default();
    z.deflated("a.env", &secret_file(2)).claim_entries(200_000);
    write(p, "claims.zip", z.bytes());
    let (v, _) = scan(p);
    assert!(paths(&v).is_empty(), "{v:#}");
    assert!(
        has_note(&v, "many.tgz: ", "more than 100000 entries"),
        "{:?}",
        notes(&v)
    );
    assert!(
        has_note(&v, "claims.zip: ", "holds 200000 entries"),
        "{:?}",
        notes(&v)
    );
    assert_eq!(v["summary"]["files_scanned"].as_u64(), Some(100_000));
}

#[test]
fn a_tar_inside_a_zip_inside_a_layer_with_a_bomb_beside_it() {
    use stowaway::image::{audit_reader, ImageOptions};
    let key = ["AKIA", "Z9X8C7V6", "B5N4M3L2"].concat();
    let conf = format!("aws_access_key_id = {key}\n");
    let mut tar = Layer::default();
    tar.file("etc/app.conf", conf.as_bytes());
    let mut z = Zip::default();
    z.deflated("bomb.txt", &filler(8 << 20))
        .stored("conf.tar", &tar.bytes());
    let mut layer = Layer::default();
    layer.file("opt/bundle.zip", &z.bytes());
    let archive = crate::common::archive::docker_save(
        "a:1",
        &[layer.bytes()],
        &crate::common::archive::image_config(1),
    );
    let scanner = crate::common::image::scanner();
    let (f, s) = audit_reader("img.tar", &archive[..], &scanner, &ImageOptions::default());
    let hits: Vec<&str> = f
        .iter()
        .filter(|f| f.secret.as_deref() == Some(key.as_str()))
        .map(|f| f.path.as_str())
        .collect();
    assert_eq!(
        hits,
        ["opt/bundle.zip!/conf.tar!/etc/app.conf"],
        "{f:#?} {s:#?}"
    );
    assert!(
        s.notes
            .iter()
            .any(|n| n.starts_with("img.tar: opt/bundle.zip!/bomb.txt: ") && n.contains("100:1")),
        "{:?}",
        s.notes
    );
}
