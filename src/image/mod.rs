//! `stowaway image ARCHIVE…`: the audit of container image archives.
//!
//! [`crate::source::image`] reads the archive in one streaming pass (every
//! layer entry through the scan pipeline, each layer's listing recorded);
//! this module then decides, once the manifests are known: the image rules
//! ([`rules`]: layer entries, the image config and the secrets in it),
//! which findings a later layer deletes ([`verdict`]), and the image and
//! layer each finding is tied to. A layer shared by several images is
//! scanned once and its findings list every image.

pub(crate) mod rules;
mod verdict;

use crate::report::{Finding, ImageContext, RuleMeta, ScanError, Summary};
use crate::scan::Pipeline;
use crate::secrets::Scanner;
use crate::source::image::{
    self as source, Collected, Compression, ImageConfig, ImageEntry, LayerResult,
};
use std::collections::{BTreeMap, HashMap};
use std::time::Instant;
use verdict::Views;

/// Limits of an image audit.
#[derive(Clone, Debug)]
pub struct ImageOptions {
    /// Decompressed bytes read from one layer before it is abandoned as a
    /// decompression bomb (the rest of the archive is still audited).
    pub max_layer_bytes: u64,
    /// Bytes of one file scanned; the rest of a larger file is not.
    pub max_file_bytes: u64,
    /// Depth of nested OCI indexes followed.
    pub max_nesting: u32,
    /// Scan files with a NUL in their first 8 KiB too.
    pub include_binary: bool,
    /// `image-` rules the config disables: they do not run.
    pub disabled_rules: Vec<String>,
    /// Do not open archives found in layers.
    pub no_archives: bool,
}

impl ImageOptions {
    fn limits(&self) -> source::Limits {
        source::Limits {
            max_layer_bytes: self.max_layer_bytes,
            max_nesting: self.max_nesting,
        }
    }
}

impl ImageOptions {
    /// Whether the image rule `id` runs.
    pub(crate) fn runs(&self, id: &str) -> bool {
        !self.disabled_rules.iter().any(|d| d == id)
    }
}

impl Default for ImageOptions {
    fn default() -> Self {
        ImageOptions {
            max_layer_bytes: 8 << 30,
            max_file_bytes: 256 << 20,
            max_nesting: 8,
            include_binary: false,
            disabled_rules: Vec::new(),
            no_archives: false,
        }
    }
}

/// The `image-` rules, for `rules`, `explain` and SARIF.
pub fn rules() -> Vec<RuleMeta> {
    rules::all().iter().map(|u| u.meta().clone()).collect()
}

/// Audit one image archive. `archive` is a path, `-` for standard input, or
/// an OCI layout directory. Never fails as a whole: what broke is in
/// `summary.errors` (path `<archive>` or `<archive>:layer N`) and the
/// findings made before it are kept.
pub fn audit(archive: &str, scanner: &Scanner, opts: &ImageOptions) -> (Vec<Finding>, Summary) {
    let start = Instant::now();
    let collected = source::read(archive, &pipeline(scanner, opts), &opts.limits());
    let (findings, mut summary) = assemble(archive, collected, scanner, opts);
    summary.seconds = start.elapsed().as_secs_f64();
    (findings, summary)
}

/// Audit an archive read from any stream (what `audit("-")` does with
/// standard input); `label` names it in findings and errors.
pub fn audit_reader<R: std::io::Read>(
    label: &str,
    reader: R,
    scanner: &Scanner,
    opts: &ImageOptions,
) -> (Vec<Finding>, Summary) {
    let start = Instant::now();
    let collected = source::read_from(reader, &pipeline(scanner, opts), &opts.limits());
    let (findings, mut summary) = assemble(label, collected, scanner, opts);
    summary.seconds = start.elapsed().as_secs_f64();
    (findings, summary)
}

/// Every layer entry goes through the scan pipeline with the per-file cap.
fn pipeline<'a>(scanner: &'a Scanner, opts: &ImageOptions) -> Pipeline<'a> {
    let scan_opts = crate::scan::Options {
        include_binary: opts.include_binary,
        max_entry_bytes: Some(opts.max_file_bytes),
        no_archives: opts.no_archives,
        ..crate::scan::Options::default()
    };
    Pipeline::new(scanner, scan_opts)
}

/// One image with its parsed config.
struct Image {
    entry: ImageEntry,
    config: Option<ImageConfig>,
}

fn err(path: String, message: String) -> ScanError {
    ScanError { path, message }
}

fn assemble(
    label: &str,
    c: Collected,
    scanner: &Scanner,
    opts: &ImageOptions,
) -> (Vec<Finding>, Summary) {
    let mut summary = Summary {
        layers_scanned: Some(0),
        ..Summary::default()
    };
    let mut findings = Vec::new();
    for e in &c.errors {
        summary.errors.push(err(label.to_string(), e.clone()));
    }
    let mut notes = Vec::new();
    let mut missing = 0;
    let mut broken = !c.errors.is_empty();
    let entries = match source::images(&c, opts.max_nesting, &mut notes, &mut missing) {
        Ok(v) => v,
        Err(e) => {
            broken = true;
            // An input that could not be read at all already has its one
            // error; "no manifest" would count it twice.
            let unread = !c.errors.is_empty() && c.layers.is_empty() && c.json.is_empty();
            if !unread {
                summary.errors.push(err(label.to_string(), e));
            }
            Vec::new()
        }
    };
    if missing > 0 {
        *summary.skipped.entry("missing-blob".into()).or_default() += missing;
    }
    summary
        .notes
        .extend(notes.into_iter().map(|n| format!("{label}: {n}")));
    let mut images: Vec<Image> = Vec::new();
    for entry in entries {
        let config = match c.json_of(&entry.config).map(ImageConfig::parse) {
            Some(Ok(cfg)) => Some(cfg),
            Some(Err(e)) => {
                summary.errors.push(err(
                    format!("{label}:config"),
                    format!("{e} ({})", entry.config),
                ));
                None
            }
            None => {
                summary.errors.push(err(
                    format!("{label}:config"),
                    format!("config blob `{}` is not in the archive", entry.config),
                ));
                None
            }
        };
        images.push(Image { entry, config });
    }

    // Where each layer blob is used: (image, layer index).
    let mut uses: HashMap<&str, Vec<(usize, usize)>> = HashMap::new();
    for (ii, img) in images.iter().enumerate() {
        for (li, (name, _)) in img.entry.layers.iter().enumerate() {
            uses.entry(name.as_str()).or_default().push((ii, li));
            if !c.layers.contains_key(name) {
                summary.errors.push(err(
                    format!("{label}:layer {li}"),
                    format!("layer blob `{name}` is not in the archive"),
                ));
            }
        }
    }

    let views = Views::new(&c);
    let runs = |id: &str| opts.runs(id);
    for name in &c.layer_order {
        let Some(result) = c.layers.get(name) else {
            continue;
        };
        let counts = &result.found.summary;
        summary.files_scanned += counts.files_scanned;
        summary.bytes_scanned += counts.bytes_scanned;
        summary.suppressed += counts.suppressed;
        for (k, v) in &counts.skipped {
            *summary.skipped.entry(k.clone()).or_default() += v;
        }
        // Archives in the layer that a limit stopped, or that are corrupt.
        summary
            .notes
            .extend(counts.notes.iter().map(|n| format!("{label}: {n}")));
        *summary.layers_scanned.get_or_insert(0) += 1;
        let checked = rules::entries::check_layer(result, &runs);
        let Some(occ) = uses.get(name.as_str()).filter(|o| !o.is_empty()) else {
            if broken || !checked.findings.is_empty() {
                // The archive broke before its manifests said which image
                // this layer belongs to, or no manifest reached names it (an
                // index nested past the cap): report what it holds all the same.
                orphan(
                    label,
                    name,
                    result,
                    checked.findings,
                    &mut findings,
                    &mut summary,
                );
            } else {
                *summary
                    .skipped
                    .entry("unreferenced-blob".into())
                    .or_default() += 1;
            }
            continue;
        };
        let (fi, fl) = occ[0];
        if let Some(e) = &result.error {
            summary.errors.push(err(
                format!("{label}:layer {fl}"),
                format!("{e} (blob {name})"),
            ));
        }
        let refs = references(&images, occ);
        let base = layer_context(label, &images, fi, fl, result, &refs);
        let mut emit = |mut f: Finding, shadowed: bool| {
            let mut ctx = base.clone();
            let deleted: Vec<Option<usize>> = occ
                .iter()
                .map(|&(ii, li)| {
                    if shadowed {
                        Some(li)
                    } else {
                        views.deleted_by(&images[ii].entry, li, &f.path)
                    }
                })
                .collect();
            if deleted.iter().all(Option::is_some) {
                ctx.deleted = true;
                ctx.deleted_by_layer = deleted.first().copied().flatten();
            }
            f.image = Some(Box::new(ctx));
            findings.push(f);
        };
        for (i, f) in checked.findings.into_iter().enumerate() {
            emit(f, checked.shadowed.contains(&i));
        }
        for (path, mode) in &checked.world_writable {
            let exposed = occ
                .iter()
                .any(|&(ii, li)| !views.sticky_parent(&images[ii].entry, li, path));
            if exposed && opts.runs(rules::entries::WORLD_WRITABLE.id) {
                emit(rules::entries::world_writable_file(path, *mode), false);
            }
        }
    }

    // Config findings, once per distinct config.
    let mut by_config: BTreeMap<&str, Vec<usize>> = BTreeMap::new();
    for (ii, img) in images.iter().enumerate() {
        by_config
            .entry(img.entry.config.as_str())
            .or_default()
            .push(ii);
    }
    for (cfg_name, imgs) in by_config {
        let Some(first) = imgs.first().copied() else {
            continue;
        };
        let Some(cfg) = images[first].config.as_ref() else {
            continue;
        };
        let mut refs: Vec<String> = Vec::new();
        for &ii in &imgs {
            for r in &images[ii].entry.references {
                if !refs.contains(r) {
                    refs.push(r.clone());
                }
            }
        }
        for cf in rules::config::scan_config(cfg, scanner)
            .into_iter()
            .filter(|cf| opts.runs(&cf.finding.rule_id))
        {
            let mut f = cf.finding;
            let img = &images[first];
            let layer = cf
                .layer
                .and_then(|li| img.entry.layers.get(li).map(|l| (li, l)));
            let ctx = ImageContext {
                archive: label.to_string(),
                reference: refs.first().cloned(),
                references: refs.clone(),
                source: "config".into(),
                layer_index: layer.map(|(li, _)| li),
                layer_digest: layer.and_then(|(_, (n, d))| {
                    d.clone()
                        .or_else(|| c.layers.get(n).and_then(|r| r.digest.clone()))
                }),
                diff_id: layer.and_then(|(li, _)| cfg.diff_ids.get(li).cloned()),
                created_by: cf.created_by,
                deleted: false,
                deleted_by_layer: None,
            };
            f.extra.insert("config".into(), cfg_name.to_string());
            f.image = Some(Box::new(ctx));
            findings.push(f);
        }
    }
    (findings, summary)
}

/// Findings of a layer no manifest could be read for: no index, no
/// deletion verdict, the blob named by its entry in the archive.
fn orphan(
    label: &str,
    name: &str,
    result: &LayerResult,
    found: Vec<Finding>,
    findings: &mut Vec<Finding>,
    summary: &mut Summary,
) {
    if let Some(e) = &result.error {
        summary
            .errors
            .push(err(format!("{label}:{name}"), e.clone()));
    }
    for mut f in found {
        f.message.push_str(&format!(
            " in layer blob `{name}` (no manifest names its image)"
        ));
        f.image = Some(Box::new(ImageContext {
            archive: label.to_string(),
            source: "layer".into(),
            layer_digest: source::digest_of_blob_name(name).or_else(|| result.digest.clone()),
            ..ImageContext::default()
        }));
        findings.push(f);
    }
}

fn references(images: &[Image], occ: &[(usize, usize)]) -> Vec<String> {
    let mut refs: Vec<String> = Vec::new();
    for &(ii, _) in occ {
        for r in &images[ii].entry.references {
            if !refs.contains(r) {
                refs.push(r.clone());
            }
        }
    }
    refs
}

fn layer_context(
    label: &str,
    images: &[Image],
    ii: usize,
    li: usize,
    result: &LayerResult,
    refs: &[String],
) -> ImageContext {
    let img = &images[ii];
    let cfg = img.config.as_ref();
    let descriptor_digest = img.entry.layers.get(li).and_then(|(_, d)| d.clone());
    let diff_id = cfg.and_then(|c| c.diff_ids.get(li).cloned()).or_else(|| {
        // An uncompressed blob's digest is its diff_id.
        (result.compression == Some(Compression::Plain))
            .then(|| descriptor_digest.clone().or_else(|| result.digest.clone()))
            .flatten()
    });
    ImageContext {
        archive: label.to_string(),
        reference: refs.first().cloned(),
        references: refs.to_vec(),
        source: "layer".into(),
        layer_index: Some(li),
        layer_digest: descriptor_digest.or_else(|| result.digest.clone()),
        diff_id,
        created_by: cfg.and_then(|c| c.created_by(li)).map(str::to_string),
        deleted: false,
        deleted_by_layer: None,
    }
}
