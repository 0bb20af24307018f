//! The outer archive: one streaming pass over a tar (plain, gzip or zstd;
//! from a file or standard input) or over an OCI layout directory. Each
//! entry is told apart by content: layer blobs (tar/gzip/zstd magic) are
//! scanned as they stream by, small JSON files (manifests, configs,
//! indexes) are kept, symlinks are remembered. The manifests are read after
//! the pass, since `docker save` from skopeo, podman and buildah writes
//! `manifest.json` last.

use super::layer::{self, normalize, parent, Compression, LayerResult};
use super::Limits;
use crate::scan::Pipeline;
use serde_json::Value;
use std::collections::HashMap;
use std::io::{self, Cursor, Read};
use std::path::Path;

/// Largest non-layer file kept in memory (manifests, configs, indexes).
const MAX_JSON: u64 = 32 << 20;
/// Largest total of such files kept.
const MAX_JSON_TOTAL: u64 = 256 << 20;
/// Symlink hops followed inside the archive.
const MAX_LINK_HOPS: usize = 16;

/// What one pass over the archive learnt.
#[derive(Default)]
pub(crate) struct Collected {
    pub json: HashMap<String, Vec<u8>>,
    json_bytes: u64,
    /// In-archive links: entry name → target entry name (never followed on the host).
    pub links: HashMap<String, String>,
    pub layers: HashMap<String, LayerResult>,
    /// Blob names in the order they were scanned.
    pub layer_order: Vec<String>,
    /// What broke in the outer archive itself.
    pub errors: Vec<String>,
}

impl Collected {
    /// The entry a name refers to once in-archive links are followed.
    pub fn resolve(&self, name: &str) -> String {
        let mut cur = normalize(name.as_bytes());
        for _ in 0..MAX_LINK_HOPS {
            match self.links.get(&cur) {
                Some(next) => cur = next.clone(),
                None => break,
            }
        }
        cur
    }

    pub fn json_of(&self, name: &str) -> Option<&[u8]> {
        self.json.get(&self.resolve(name)).map(Vec::as_slice)
    }

    /// Read one entry: `head` is what was already read of it.
    fn entry<R: Read>(
        &mut self,
        name: String,
        size: u64,
        mut rest: R,
        pipeline: &Pipeline<'_>,
        limits: &Limits,
    ) -> io::Result<()> {
        let mut head = Vec::with_capacity(512);
        (&mut rest).take(512).read_to_end(&mut head)?;
        if let Some(c) = layer::sniff(&head) {
            // A layer (or a tar we take for one): stream it through the scanner.
            let named_by_digest = name.starts_with("blobs/");
            let mut chained = Cursor::new(head).chain(rest);
            let result = layer::scan_layer(&mut chained, c, !named_by_digest, pipeline, limits);
            // Drain what the scan did not read, so the outer tar stays in step.
            io::copy(&mut chained, &mut io::sink())?;
            self.layer_order.push(name.clone());
            self.layers.insert(name, result);
            return Ok(());
        }
        let first = head.iter().find(|b| !b.is_ascii_whitespace()).copied();
        let fits = self.json_bytes.saturating_add(size) <= MAX_JSON_TOTAL;
        if size <= MAX_JSON && matches!(first, Some(b'{') | Some(b'[')) && fits {
            let mut all = head;
            rest.take(MAX_JSON).read_to_end(&mut all)?;
            self.json_bytes += all.len() as u64;
            self.json.insert(name, all);
        } else {
            if !fits && matches!(first, Some(b'{') | Some(b'[')) {
                self.errors.push(format!(
                    "`{name}` not read: the archive's JSON files exceed {MAX_JSON_TOTAL} bytes in all"
                ));
            }
            io::copy(&mut rest, &mut io::sink())?;
        }
        Ok(())
    }
}

/// Open `archive` (`-` = standard input, a directory = an OCI layout) and
/// make the one pass.
pub(crate) fn collect(archive: &str, pipeline: &Pipeline<'_>, limits: &Limits) -> Collected {
    let mut c = Collected::default();
    if archive == "-" {
        let stdin = io::stdin();
        collect_tar(stdin.lock(), pipeline, limits, &mut c);
        return c;
    }
    let path = Path::new(archive);
    match std::fs::metadata(path) {
        Ok(m) if m.is_dir() => collect_dir(path, pipeline, limits, &mut c),
        Ok(_) => match std::fs::File::open(path) {
            Ok(f) => collect_tar(
                io::BufReader::with_capacity(256 << 10, f),
                pipeline,
                limits,
                &mut c,
            ),
            Err(e) => c.errors.push(format!("cannot open: {e}")),
        },
        Err(e) => c.errors.push(format!("cannot open: {e}")),
    }
    c
}

/// The one pass over an archive read from a stream.
pub(crate) fn collect_reader<R: Read>(
    input: R,
    pipeline: &Pipeline<'_>,
    limits: &Limits,
) -> Collected {
    let mut c = Collected::default();
    collect_tar(input, pipeline, limits, &mut c);
    c
}

fn collect_tar<R: Read>(mut input: R, pipeline: &Pipeline<'_>, limits: &Limits, c: &mut Collected) {
    let mut head = Vec::with_capacity(512);
    if let Err(e) = (&mut input).take(512).read_to_end(&mut head) {
        c.errors.push(format!("cannot read: {e}"));
        return;
    }
    let chained = Cursor::new(head.clone()).chain(input);
    let reader: Box<dyn Read> = match layer::sniff(&head) {
        Some(Compression::Gzip) => Box::new(flate2::read::MultiGzDecoder::new(chained)),
        Some(Compression::Zstd) => match zstd::stream::read::Decoder::new(chained) {
            Ok(d) => Box::new(d),
            Err(e) => {
                c.errors
                    .push(format!("cannot start zstd decompression: {e}"));
                return;
            }
        },
        Some(Compression::Plain) => Box::new(chained),
        None => {
            c.errors.push(
                "not an image archive: neither a tar nor a gzip or zstd compressed tar".into(),
            );
            return;
        }
    };
    let mut ar = tar::Archive::new(reader);
    let entries = match ar.entries() {
        Ok(e) => e,
        Err(e) => {
            c.errors.push(format!("cannot read the archive: {e}"));
            return;
        }
    };
    let mut last = String::from("(start of archive)");
    for entry in entries {
        let mut entry = match entry {
            Ok(e) => e,
            Err(e) => {
                c.errors
                    .push(format!("corrupt or truncated archive after `{last}`: {e}"));
                return;
            }
        };
        let name = normalize(&entry.path_bytes());
        last = name.clone();
        let kind = entry.header().entry_type();
        match kind {
            tar::EntryType::Symlink => {
                if let Some(t) = entry.link_name_bytes() {
                    let t = String::from_utf8_lossy(&t).into_owned();
                    let target = if t.starts_with('/') {
                        normalize(t.as_bytes())
                    } else {
                        normalize(format!("{}/{t}", parent(&name)).as_bytes())
                    };
                    c.links.insert(name, target);
                }
            }
            tar::EntryType::Link => {
                if let Some(t) = entry.link_name_bytes() {
                    c.links.insert(name, normalize(&t));
                }
            }
            k if k.is_file() => {
                let size = entry.size();
                if let Err(e) = c.entry(name, size, &mut entry, pipeline, limits) {
                    c.errors
                        .push(format!("corrupt or truncated archive in `{last}`: {e}"));
                    return;
                }
            }
            _ => {}
        }
    }
}

fn collect_dir(root: &Path, pipeline: &Pipeline<'_>, limits: &Limits, c: &mut Collected) {
    let mut stack = vec![root.to_path_buf()];
    let mut files = Vec::new();
    while let Some(dir) = stack.pop() {
        let rd = match std::fs::read_dir(&dir) {
            Ok(rd) => rd,
            Err(e) => {
                c.errors
                    .push(format!("cannot read directory {}: {e}", dir.display()));
                continue;
            }
        };
        for ent in rd.flatten() {
            let p = ent.path();
            // symlink_metadata: links in the layout are never followed.
            match std::fs::symlink_metadata(&p) {
                Ok(m) if m.is_dir() => stack.push(p),
                Ok(m) if m.is_file() => files.push((p, m.len())),
                _ => {}
            }
        }
    }
    files.sort();
    for (p, size) in files {
        let rel = p.strip_prefix(root).unwrap_or(&p);
        let name = normalize(rel.to_string_lossy().as_bytes());
        match std::fs::File::open(&p) {
            Ok(f) => {
                if let Err(e) = c.entry(
                    name.clone(),
                    size,
                    io::BufReader::with_capacity(256 << 10, f),
                    pipeline,
                    limits,
                ) {
                    c.errors.push(format!("cannot read `{name}`: {e}"));
                }
            }
            Err(e) => c.errors.push(format!("cannot open `{name}`: {e}")),
        }
    }
}

/// One image of the archive, as its manifest describes it.
#[derive(Clone, Debug, Default)]
pub(crate) struct ImageEntry {
    pub references: Vec<String>,
    /// Entry name of the config blob.
    pub config: String,
    /// Per layer: the entry name of its blob and the blob digest if known.
    pub layers: Vec<(String, Option<String>)>,
}

/// Blob entry name for an OCI descriptor digest (`sha256:abc` → `blobs/sha256/abc`).
fn blob_path(digest: &str) -> Option<String> {
    let (alg, hex) = digest.split_once(':')?;
    let ok = |s: &str| {
        !s.is_empty()
            && s.bytes()
                .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'+' | b'.' | b'_' | b'-' | b'='))
    };
    (ok(alg) && ok(hex)).then(|| format!("blobs/{alg}/{hex}"))
}

/// Digest named by a `blobs/<alg>/<hex>` entry name.
pub(crate) fn digest_of_blob_name(name: &str) -> Option<String> {
    let rest = name.strip_prefix("blobs/")?;
    let (alg, hex) = rest.split_once('/')?;
    (!hex.contains('/')).then(|| format!("{alg}:{hex}"))
}

/// The images the archive holds, from `manifest.json` (docker save, all
/// versions) or else `index.json` (OCI). `notes` collects skipped
/// descriptors; `Err` when neither describes an image.
pub(crate) fn images(
    c: &Collected,
    max_nesting: u32,
    notes: &mut Vec<String>,
    missing: &mut u64,
) -> Result<Vec<ImageEntry>, String> {
    let oci_refs = c
        .json_of("index.json")
        .map(oci_ref_names)
        .unwrap_or_default();
    if let Some(bytes) = c.json_of("manifest.json") {
        let v: Value =
            serde_json::from_slice(bytes).map_err(|e| format!("manifest.json is not JSON: {e}"))?;
        let list = v
            .as_array()
            .ok_or("manifest.json is not a list of images")?;
        let mut out = Vec::new();
        for m in list {
            let config = m
                .get("Config")
                .and_then(Value::as_str)
                .unwrap_or_default()
                .to_string();
            let mut references: Vec<String> = m
                .get("RepoTags")
                .and_then(Value::as_array)
                .map(|a| {
                    a.iter()
                        .filter_map(|t| t.as_str().map(str::to_string))
                        .collect()
                })
                .unwrap_or_default();
            if references.is_empty() {
                if let Some(r) =
                    digest_of_blob_name(&c.resolve(&config)).and_then(|d| oci_refs.get(&d))
                {
                    references.push(r.clone());
                }
            }
            let layers = m
                .get("Layers")
                .and_then(Value::as_array)
                .map(|a| {
                    a.iter()
                        .filter_map(Value::as_str)
                        .map(|p| {
                            let name = c.resolve(p);
                            let digest = digest_of_blob_name(&name);
                            (name, digest)
                        })
                        .collect()
                })
                .unwrap_or_default();
            out.push(ImageEntry {
                references,
                config: c.resolve(&config),
                layers,
            });
        }
        if references_missing(&out) {
            fill_from_repositories(c, &mut out);
        }
        return Ok(out);
    }
    if let Some(bytes) = c.json_of("index.json") {
        let v: Value =
            serde_json::from_slice(bytes).map_err(|e| format!("index.json is not JSON: {e}"))?;
        let mut out = Vec::new();
        walk_index(c, &v, None, 0, max_nesting, &mut out, notes, missing);
        return Ok(out);
    }
    if c.layers.is_empty() && c.json.is_empty() {
        return Err("not an image archive: no manifest.json, no index.json and no layers".into());
    }
    Err("not an image archive: no manifest.json or index.json (a docker save or OCI archive has one)".into())
}

fn references_missing(images: &[ImageEntry]) -> bool {
    images.iter().any(|i| i.references.is_empty())
}

/// Legacy `repositories` ({"repo": {"tag": "<top layer id>"}}) names images
/// whose manifest.json entry has no RepoTags: matched by the top layer's
/// directory name.
fn fill_from_repositories(c: &Collected, images: &mut [ImageEntry]) {
    let Some(v) = c
        .json_of("repositories")
        .and_then(|b| serde_json::from_slice::<Value>(b).ok())
    else {
        return;
    };
    let Some(repos) = v.as_object() else { return };
    for (repo, tags) in repos {
        let Some(tags) = tags.as_object() else {
            continue;
        };
        for (tag, id) in tags {
            let Some(id) = id.as_str() else { continue };
            let top = c.resolve(&format!("{id}/layer.tar"));
            for img in images.iter_mut().filter(|i| i.references.is_empty()) {
                if img.layers.last().is_some_and(|(n, _)| *n == top) {
                    img.references.push(format!("{repo}:{tag}"));
                }
            }
        }
    }
}

fn ref_name(desc: &Value) -> Option<String> {
    let a = desc.get("annotations")?;
    a.get("io.containerd.image.name")
        .or_else(|| a.get("org.opencontainers.image.ref.name"))
        .and_then(Value::as_str)
        .map(str::to_string)
}

/// Manifest/config digest → reference name, from index.json annotations
/// (Docker 25 archives name their images there too).
fn oci_ref_names(bytes: &[u8]) -> HashMap<String, String> {
    let mut out = HashMap::new();
    if let Ok(v) = serde_json::from_slice::<Value>(bytes) {
        for d in v
            .get("manifests")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
        {
            if let (Some(dg), Some(r)) = (d.get("digest").and_then(Value::as_str), ref_name(d)) {
                out.insert(dg.to_string(), r);
            }
        }
    }
    out
}

#[allow(clippy::too_many_arguments)]
fn walk_index(
    c: &Collected,
    index: &Value,
    reference: Option<&str>,
    depth: u32,
    max_nesting: u32,
    out: &mut Vec<ImageEntry>,
    notes: &mut Vec<String>,
    missing: &mut u64,
) {
    for d in index
        .get("manifests")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
    {
        let Some(digest) = d.get("digest").and_then(Value::as_str) else {
            continue;
        };
        let reference = ref_name(d).or_else(|| reference.map(str::to_string));
        let Some(path) = blob_path(digest) else {
            notes.push(format!(
                "descriptor with an invalid digest `{digest}` skipped"
            ));
            continue;
        };
        let Some(bytes) = c.json_of(&path) else {
            *missing += 1;
            let platform = d
                .get("platform")
                .map(|p| {
                    format!(
                        " ({}/{})",
                        p.get("os").and_then(Value::as_str).unwrap_or("?"),
                        p.get("architecture").and_then(Value::as_str).unwrap_or("?")
                    )
                })
                .unwrap_or_default();
            notes.push(format!(
                "{digest}{platform}: blob not in the archive, skipped"
            ));
            continue;
        };
        let Ok(v) = serde_json::from_slice::<Value>(bytes) else {
            notes.push(format!("{digest}: not JSON, skipped"));
            continue;
        };
        let is_index = v.get("manifests").is_some();
        if is_index {
            if depth + 1 > max_nesting {
                notes.push(format!(
                    "{digest}: index nested deeper than {max_nesting}, skipped"
                ));
                continue;
            }
            walk_index(
                c,
                &v,
                reference.as_deref(),
                depth + 1,
                max_nesting,
                out,
                notes,
                missing,
            );
            continue;
        }
        let Some(cfg) = v
            .get("config")
            .and_then(|c| c.get("digest"))
            .and_then(Value::as_str)
            .and_then(blob_path)
        else {
            notes.push(format!("{digest}: manifest without a config, skipped"));
            continue;
        };
        let layers = v
            .get("layers")
            .and_then(Value::as_array)
            .map(|a| {
                a.iter()
                    .filter_map(|l| l.get("digest").and_then(Value::as_str))
                    .map(|dg| (blob_path(dg).unwrap_or_default(), Some(dg.to_string())))
                    .collect()
            })
            .unwrap_or_default();
        out.push(ImageEntry {
            references: reference.into_iter().collect(),
            config: cfg,
            layers,
        });
    }
}
