//! Container image archives, read: the images, their configs and layers,
//! and every layer entry. The audit of what is read (checks, config
//! secrets, deletion verdicts) is in [`crate::image`].
//!
//! Formats are told by content, never by file name: `docker save` (legacy
//! `manifest.json` + `<id>/layer.tar` or `<diffid>.tar`, including the
//! skopeo/podman/buildah flavour with `manifest.json` last and layer paths
//! as in-archive symlinks), Docker 25+ `docker save` (an OCI layout plus
//! `manifest.json`), OCI archives (`oci-layout`, `index.json`, nested
//! indexes), and an OCI layout directory. The outer archive may itself be
//! gzip or zstd compressed; layers may be plain, gzip (multi-member) or zstd.
//!
//! How it works, in one streaming pass ([`archive`]): every entry of the
//! outer tar is looked at once. Layer blobs are recognised by their magic
//! bytes and streamed through decompression, a size cap and the layer's own
//! tar ([`layer`]); each regular file is handed to the scan pipeline as an
//! item. Small JSON files (manifests, indexes, configs) are kept in
//! memory. Nothing is extracted, no layer is held in memory, and standard
//! input (`-`) works the same way as a file, without a temporary copy: no
//! seek is needed because findings are tied to images and layers only after
//! the pass, when the manifests (which may come last) are known.
//!
//! Each layer is scanned on its own, so what a later layer deletes is still
//! found; every layer also records its entries, whiteouts and opaque
//! directories ([`Listing`]), from which the audit marks a finding
//! `deleted` in the final filesystem and `deleted_by_layer`.

mod archive;
mod config;
mod layer;

pub(crate) use layer::tar_checksum_ok;

pub(crate) use archive::{digest_of_blob_name, images, Collected, ImageEntry};
pub(crate) use config::ImageConfig;
pub(crate) use layer::{parent, Compression, EntryKind, LayerResult, Listing};

use crate::scan::Pipeline;

/// Limits of reading an archive.
#[derive(Clone, Debug)]
pub struct Limits {
    /// Decompressed bytes read from one layer before it is abandoned as a
    /// decompression bomb (the rest of the archive is still read).
    pub max_layer_bytes: u64,
    /// Depth of nested OCI indexes followed.
    pub max_nesting: u32,
}

/// Make the one pass over `archive` (a path, `-` for standard input, or an
/// OCI layout directory), every layer entry through `pipeline`.
pub(crate) fn read(archive: &str, pipeline: &Pipeline<'_>, limits: &Limits) -> Collected {
    archive::collect(archive, pipeline, limits)
}

/// The same pass over an archive read from any stream.
pub(crate) fn read_from<R: std::io::Read>(
    reader: R,
    pipeline: &Pipeline<'_>,
    limits: &Limits,
) -> Collected {
    archive::collect_reader(reader, pipeline, limits)
}
