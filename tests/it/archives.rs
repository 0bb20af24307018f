//! Archives opened by the scan, end to end: every kind (zip, jar, tar,
//! tgz, tar.bz2, tar.xz, tar.zst, a plain .gz), nested, in a git history,
//! staged, in an image layer, and `--no-archives`; findings name the inner
//! path in JSON and SARIF. The archives are built here, at run time, so the
//! repository holds no binary fixture and no scannable secret.

use crate::common::archive::{gzip, layer, zip, zstd, Zip};
use crate::common::compress::{bzip2, xz};
use crate::common::{ghp, git, github_token, run, stderr, stdout};
use serde_json::Value;
use std::path::Path;

fn tok(n: u32) -> String {
    let seed = format!("Ar{n:04}Lm2Np9Rt4Vw8Yz3Bc6Df1Gh5");
    github_token("ghp_", &seed[..30])
}

fn props(n: u32) -> Vec<u8> {
    format!("server.port=8080\ngithub.token={}\n", tok(n)).into_bytes()
}

fn write(dir: &Path, rel: &str, bytes: impl AsRef<[u8]>) {
    let p = dir.join(rel);
    if let Some(parent) = p.parent() {
        std::fs::create_dir_all(parent).expect("mkdir");
    }
    std::fs::write(p, bytes).expect("write");
}

/// The JSON report of `stowaway scan ARGS` in `dir` (secrets unredacted).
fn report(dir: &Path, args: &[&str]) -> Value {
    let mut all = vec!["scan", "-f", "json", "--no-redact", "--no-progress"];
    all.extend_from_slice(args);
    let o = run(dir, &all);
    serde_json::from_slice(&o.stdout)
        .unwrap_or_else(|e| panic!("JSON report ({e}): {}", stderr(&o)))
}

/// (path, line, secret) of every finding, sorted.
fn found(v: &Value) -> Vec<(String, u64, String)> {
    let mut out: Vec<_> = v["findings"]
        .as_array()
        .expect("findings")
        .iter()
        .map(|f| {
            (
                f["path"].as_str().unwrap_or("").to_string(),
                f["line"].as_u64().unwrap_or(0),
                f["secret"].as_str().unwrap_or("").to_string(),
            )
        })
        .collect();
    out.sort();
    out
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

fn tar_of(files: &[(&str, &[u8])]) -> Vec<u8> {
    layer(files)
}

#[test]
fn every_kind_is_opened_and_names_the_inner_path() {
    let d = tempfile::tempdir().unwrap();
    let p = d.path();
    let inner = |n| tar_of(&[("x/app.properties", &props(n))]);
    write(p, "a.zip", zip(&[("conf/app.properties", &props(1))]));
    write(
        p,
        "app.jar",
        zip(&[
            ("META-INF/MANIFEST.MF", b"Manifest-Version: 1.0\n"),
            ("BOOT-INF/classes/application.properties", &props(2)),
        ]),
    );
    write(p, "b.tar", inner(3));
    write(p, "c.tgz", gzip(&inner(4)));
    write(p, "d.tar.bz2", bzip2(&inner(5)));
    write(p, "e.tar.xz", xz(&inner(6)));
    write(p, "f.tar.zst", zstd(&inner(7)));
    write(p, "notes.txt.gz", gzip(&props(8)));
    // Told by magic, not by name: a zip called .bin, a "zip" that is text.
    write(p, "blob.bin", zip(&[("k.env", &props(9))]));
    write(p, "fake.zip", props(10));
    let v = report(p, &["."]);
    let got = found(&v);
    let want = [
        ("a.zip!/conf/app.properties", 1),
        ("app.jar!/BOOT-INF/classes/application.properties", 2),
        ("b.tar!/x/app.properties", 3),
        ("blob.bin!/k.env", 9),
        ("c.tgz!/x/app.properties", 4),
        ("d.tar.bz2!/x/app.properties", 5),
        ("e.tar.xz!/x/app.properties", 6),
        ("f.tar.zst!/x/app.properties", 7),
        ("fake.zip", 10),
        ("notes.txt.gz!/notes.txt", 8),
    ];
    let want: Vec<(String, u64, String)> = want
        .iter()
        .map(|(path, n)| (path.to_string(), 2, tok(*n)))
        .collect();
    assert_eq!(got, want, "{v:#}");
    assert!(notes(&v).is_empty(), "{:?}", notes(&v));
    // Members are counted as files; the archives themselves are not.
    assert_eq!(v["summary"]["files_scanned"].as_u64(), Some(11), "{v:#}");
}

#[test]
fn nested_archives_name_every_level() {
    let d = tempfile::tempdir().unwrap();
    let p = d.path();
    let env = format!("GITHUB_TOKEN={}\n", ghp());
    let tgz = gzip(&tar_of(&[("x/.env", env.as_bytes())]));
    let lib = zip(&[("application.yml", &props(1))]);
    let war = zip(&[("WEB-INF/lib/lib.jar", &lib), ("WEB-INF/conf.tar.gz", &tgz)]);
    write(p, "a.zip", zip(&[("b.tar.gz", &tgz), ("app.war", &war)]));
    let v = report(p, &["."]);
    let paths: Vec<String> = found(&v).into_iter().map(|f| f.0).collect();
    assert_eq!(
        paths,
        [
            "a.zip!/app.war!/WEB-INF/conf.tar.gz!/x/.env",
            "a.zip!/app.war!/WEB-INF/lib/lib.jar!/application.yml",
            "a.zip!/b.tar.gz!/x/.env",
        ],
        "{v:#}"
    );
}

#[test]
fn credential_file_detectors_read_the_inner_name() {
    let d = tempfile::tempdir().unwrap();
    let p = d.path();
    let pass = ["Zq8vT2", "mWx9L", "p7R"].concat();
    let pgpass = format!("db.example.com:5432:app:deploy:{pass}\n");
    write(
        p,
        "home.tar.gz",
        gzip(&tar_of(&[("home/u/.pgpass", pgpass.as_bytes())])),
    );
    let v = report(p, &["."]);
    let f = &v["findings"][0];
    assert_eq!(f["path"], "home.tar.gz!/home/u/.pgpass", "{v:#}");
    assert_eq!(f["secret"], pass.as_str(), "{v:#}");
}

#[test]
fn no_archives_scans_them_as_binary_files() {
    let d = tempfile::tempdir().unwrap();
    let p = d.path();
    write(p, "a.zip", zip(&[("conf/app.properties", &props(1))]));
    write(p, "b.tgz", gzip(&tar_of(&[("x", &props(2))])));
    let v = report(p, &["--no-archives", "."]);
    assert!(found(&v).is_empty(), "{v:#}");
    assert_eq!(v["summary"]["skipped"]["binary"].as_u64(), Some(2), "{v:#}");
    // And with archives on, the same tree has both findings.
    assert_eq!(found(&report(p, &["."])).len(), 2);
}

#[test]
fn sarif_and_text_name_the_inner_path() {
    let d = tempfile::tempdir().unwrap();
    let p = d.path();
    write(
        p,
        "lib/app.jar",
        zip(&[("BOOT-INF/classes/application.properties", &props(1))]),
    );
    let o = run(p, &["scan", "-f", "sarif", "--no-progress", "."]);
    let v: Value = serde_json::from_slice(&o.stdout).expect("sarif");
    let loc = &v["runs"][0]["results"][0]["locations"][0]["physicalLocation"];
    assert_eq!(
        loc["artifactLocation"]["uri"], "lib/app.jar!/BOOT-INF/classes/application.properties",
        "{v:#}"
    );
    assert_eq!(loc["region"]["startLine"], 2, "{v:#}");
    let sarif = p.join("out.sarif");
    std::fs::write(&sarif, &o.stdout).unwrap();
    crate::common::validate_sarif(&sarif);
    let o = run(p, &["scan", "--no-progress", "."]);
    assert!(
        stdout(&o).contains("lib/app.jar!/BOOT-INF/classes/application.properties:2:"),
        "{}",
        stdout(&o)
    );
}

#[test]
fn archives_in_staged_blobs_and_ranges() {
    let d = tempfile::tempdir().unwrap();
    let p = d.path();
    git(p, &["init", "-q", "-b", "main"]);
    write(p, "README.md", "hi\n");
    git(p, &["add", "-A"]);
    git(p, &["commit", "-q", "-m", "first"]);
    let base = git(p, &["rev-parse", "HEAD"]);
    write(
        p,
        "dist/app.jar",
        zip(&[("application.properties", &props(1))]),
    );
    git(p, &["add", "-A"]);
    let v = report(p, &["--staged"]);
    let got = found(&v);
    assert_eq!(
        got,
        [("dist/app.jar!/application.properties".into(), 2, tok(1))],
        "{v:#}"
    );
    git(p, &["commit", "-q", "-m", "jar"]);
    let head = git(p, &["rev-parse", "HEAD"]);
    let v = report(p, &["--git-range", &format!("{base}..HEAD")]);
    let f = &v["findings"][0];
    assert_eq!(f["path"], "dist/app.jar!/application.properties", "{v:#}");
    assert_eq!(f["commit"].as_str(), Some(head.as_str()), "{v:#}");
}

#[test]
fn archives_in_history() {
    let d = tempfile::tempdir().unwrap();
    let p = d.path();
    git(p, &["init", "-q", "-b", "main"]);
    write(
        p,
        "dist/app.jar",
        zip(&[("application.properties", &props(1))]),
    );
    write(p, "b.tgz", gzip(&tar_of(&[("etc/app.conf", &props(2))])));
    git(p, &["add", "-A"]);
    git(p, &["commit", "-q", "-m", "jar"]);
    let c = git(p, &["rev-parse", "HEAD"]);
    // Deleted since: history still has it.
    std::fs::remove_file(p.join("dist/app.jar")).unwrap();
    std::fs::remove_file(p.join("b.tgz")).unwrap();
    git(p, &["add", "-A"]);
    git(p, &["commit", "-q", "-m", "rm"]);
    let v = report(p, &["--history", "."]);
    let got = found(&v);
    assert_eq!(
        got,
        [
            ("b.tgz!/etc/app.conf".into(), 2, tok(2)),
            ("dist/app.jar!/application.properties".into(), 2, tok(1)),
        ],
        "{v:#}"
    );
    for f in v["findings"].as_array().unwrap() {
        assert_eq!(f["commit"].as_str(), Some(c.as_str()), "{f:#}");
    }
    let v = report(p, &["--history", "--no-archives", "."]);
    assert!(found(&v).is_empty(), "{v:#}");
}

#[test]
fn archives_in_an_image_layer() {
    use stowaway::image::{audit_reader, ImageOptions};
    let key = ["AKIA", "Q2W3E4R5", "T6Y7U8I9"].concat();
    let conf = format!("aws_access_key_id = {key}\n");
    let inner = gzip(&tar_of(&[("x/.env", conf.as_bytes())]));
    let jar = zip(&[
        ("BOOT-INF/classes/application.properties", conf.as_bytes()),
        ("lib/inner.tar.gz", &inner),
    ]);
    let l = layer(&[("app/app.jar", &jar)]);
    let archive =
        crate::common::archive::docker_save("a:1", &[l], &crate::common::archive::image_config(1));
    let scanner = crate::common::image::scanner();
    let (f, s) = audit_reader("img.tar", &archive[..], &scanner, &ImageOptions::default());
    let mut paths: Vec<&str> = f
        .iter()
        .filter(|f| f.secret.as_deref() == Some(key.as_str()))
        .map(|f| f.path.as_str())
        .collect();
    paths.sort();
    assert_eq!(
        paths,
        [
            "app/app.jar!/BOOT-INF/classes/application.properties",
            "app/app.jar!/lib/inner.tar.gz!/x/.env",
        ],
        "{f:#?} {s:#?}"
    );
    let opts = ImageOptions {
        no_archives: true,
        ..ImageOptions::default()
    };
    let (f, _) = audit_reader("img.tar", &archive[..], &scanner, &opts);
    assert!(
        f.iter().all(|f| f.secret.as_deref() != Some(key.as_str())),
        "{f:#?}"
    );
}

#[test]
fn stored_members_and_an_empty_zip() {
    let d = tempfile::tempdir().unwrap();
    let p = d.path();
    let mut z = Zip::default();
    z.stored("stored.env", &props(1))
        .deflated("deflated.env", &props(2));
    write(p, "s.zip", z.bytes());
    write(p, "empty.zip", Zip::default().bytes());
    let v = report(p, &["."]);
    let paths: Vec<String> = found(&v).into_iter().map(|f| f.0).collect();
    assert_eq!(paths, ["s.zip!/deflated.env", "s.zip!/stored.env"], "{v:#}");
    assert!(notes(&v).is_empty(), "{:?}", notes(&v));
}
