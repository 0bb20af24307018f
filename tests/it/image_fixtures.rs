//! Audits archives made by real tools (buildah, skopeo), built once by
//! `scripts/image-test-setup.sh`. Without them the tests print a note and
//! pass, unless STOWAWAY_REQUIRE_IMAGE_FIXTURES=1 (CI), where they fail.

use crate::common::image::{describe, scanner, with_rule};
use std::path::PathBuf;
use stowaway::image::{audit, audit_reader, ImageOptions};
use stowaway::report::{Finding, Summary};

// The fake secrets the setup script plants.
const DELETED_KEY: &str = "AKIAZ3MHQ7RXK2LPV4TD";
const ENV_KEY: &str = "AKIAQYLPMN5HFIQR7XQB";
const ARG_TOKEN: &str = "stwy_9fK2mQ7xLp4Rt8Vz1Nc6Hb3Jd5Ws0Ye2";
const DOTENV_TOKEN: &str = "stwy_Xq3Lr8Tn2Vb6Mz9Kp4Hd7Jc1Fw5Gs0Ay3";

fn fixture(name: &str) -> Option<PathBuf> {
    let dir = std::env::var_os("STOWAWAY_IMAGE_FIXTURES")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("target/image-fixtures"));
    let p = dir.join(name);
    if p.exists() && dir.join(".complete-v1").exists() {
        return Some(p);
    }
    let msg = format!(
        "image fixture {} is missing: run `sudo scripts/image-test-setup.sh` (set STOWAWAY_IMAGE_FIXTURES to build elsewhere)",
        p.display()
    );
    if std::env::var("STOWAWAY_REQUIRE_IMAGE_FIXTURES").is_ok_and(|v| v == "1") {
        panic!("{msg}");
    }
    eprintln!("note: skipping: {msg}");
    None
}

fn one<'a>(findings: &'a [Finding], rule: &str, secret: &str, path: &str) -> &'a Finding {
    let hits: Vec<&Finding> = with_rule(findings, rule)
        .into_iter()
        .filter(|f| f.secret.as_deref() == Some(secret) && f.path == path)
        .collect();
    assert_eq!(
        hits.len(),
        1,
        "want one {rule} finding for the planted secret, got:\n{}",
        describe(findings)
    );
    hits[0]
}

/// Every planted secret, with the right layer, source and deleted flag.
fn check(name: &str, findings: &[Finding], summary: &Summary) {
    assert!(
        summary.errors.is_empty(),
        "{name}: errors {:?}",
        summary.errors
    );
    assert!(
        summary.layers_scanned.unwrap_or(0) >= 6,
        "{name}: {:?}",
        summary.layers_scanned
    );
    assert!(summary.files_scanned >= 3, "{name}");

    let deleted = one(
        findings,
        "test-aws-access-key",
        DELETED_KEY,
        "app/deleted.txt",
    );
    assert_eq!(deleted.path, "app/deleted.txt");
    assert_eq!((deleted.span.line, deleted.span.column), (1, 21));
    let ctx = deleted.image.as_ref().expect("image context");
    assert_eq!(ctx.source, "layer");
    assert_eq!(ctx.layer_index, Some(3), "{name}");
    assert!(ctx.deleted, "{name}: deleted file must be marked deleted");
    assert_eq!(ctx.deleted_by_layer, Some(4), "{name}");
    assert!(
        ctx.layer_digest
            .as_deref()
            .is_some_and(|d| d.starts_with("sha256:")),
        "{name}: {ctx:?}"
    );
    assert!(
        ctx.diff_id
            .as_deref()
            .is_some_and(|d| d.starts_with("sha256:")),
        "{name}: {ctx:?}"
    );
    assert!(
        ctx.created_by
            .as_deref()
            .is_some_and(|c| c.contains("COPY")),
        "{name}: {ctx:?}"
    );
    assert!(
        ctx.reference
            .as_deref()
            .is_some_and(|r| r.contains("stowaway/fixture:1")),
        "{name}: {ctx:?}"
    );
    assert_eq!(ctx.archive, name);

    let kept = one(findings, "test-stowaway-token", DOTENV_TOKEN, "app/.env");
    assert_eq!(kept.path, "app/.env");
    assert_eq!((kept.span.line, kept.span.column), (2, 11));
    let ctx = kept.image.as_ref().expect("image context");
    assert_eq!(ctx.layer_index, Some(2), "{name}");
    assert!(!ctx.deleted, "{name}");
    assert_eq!(ctx.deleted_by_layer, None);

    let env = one(findings, "test-aws-access-key", ENV_KEY, "config/Env");
    assert_eq!((env.span.line, env.span.column), (2, 13));
    let ctx = env.image.as_ref().expect("image context");
    assert_eq!(ctx.source, "config");
    assert!(!ctx.deleted);

    assert!(
        !findings
            .iter()
            .any(|f| f.path == "config/history" && f.secret.as_deref() == Some(ENV_KEY)),
        "the ENV step in history repeats Env: reported once"
    );

    let arg = one(findings, "test-stowaway-token", ARG_TOKEN, "config/history");
    assert_eq!(arg.path, "config/history");
    let ctx = arg.image.as_ref().expect("image context");
    assert_eq!(ctx.source, "config");
    assert_eq!(
        ctx.layer_index,
        Some(5),
        "{name}: the RUN that used the ARG made layer 5"
    );
    assert!(ctx
        .created_by
        .as_deref()
        .is_some_and(|c| c.starts_with("|1 DEPLOY_TOKEN=")));

    let cred = with_rule(findings, "image-credential-file");
    assert!(
        cred.iter().any(|f| f.path == "app/.env"),
        "{}",
        describe(findings)
    );
    assert_eq!(with_rule(findings, "image-runs-as-root").len(), 1, "{name}");
    assert_eq!(with_rule(findings, "image-expose-ssh").len(), 1, "{name}");
    for f in findings {
        if let Some(s) = &f.secret {
            assert!(
                !f.message.contains(s.as_str()),
                "message leaks the secret: {}",
                f.message
            );
        }
        assert!(!f.path.starts_with('/'), "{}", f.path);
    }
}

fn run(file: &str) {
    let Some(p) = fixture(file) else { return };
    let label = p.to_string_lossy().into_owned();
    let (findings, summary) = audit(&label, &scanner(), &ImageOptions::default());
    check(&label, &findings, &summary);
}

#[test]
fn image_docker_archive_by_buildah() {
    run("docker-archive.tar");
}

#[test]
fn image_docker_archive_by_skopeo() {
    run("skopeo-docker-archive.tar");
}

#[test]
fn image_docker25_gzip() {
    run("docker25-gzip.tar");
}

#[test]
fn image_docker25_zstd() {
    run("docker25-zstd.tar");
}

#[test]
fn image_oci_archive_gzip() {
    run("oci-gzip.tar");
}

#[test]
fn image_oci_archive_zstd() {
    run("oci-zstd.tar");
}

#[test]
fn image_oci_layout_directory() {
    run("oci-dir");
}

#[test]
fn image_from_a_stream_as_stdin() {
    let Some(p) = fixture("oci-zstd.tar") else {
        return;
    };
    let f = std::fs::File::open(&p).expect("open fixture");
    let (findings, summary) = audit_reader("-", f, &scanner(), &ImageOptions::default());
    check("-", &findings, &summary);
}

#[test]
fn image_compressed_outer_archive() {
    let Some(p) = fixture("docker-archive.tar") else {
        return;
    };
    let raw = std::fs::read(&p).expect("read fixture");
    let gz = {
        use std::io::Write;
        let mut e = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
        e.write_all(&raw).expect("gzip");
        e.finish().expect("gzip")
    };
    let (findings, summary) =
        audit_reader("app.tar.gz", &gz[..], &scanner(), &ImageOptions::default());
    check("app.tar.gz", &findings, &summary);
}
