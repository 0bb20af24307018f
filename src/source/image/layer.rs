//! One layer: decompression chosen by magic bytes, the decompressed-size cap,
//! the walk over the layer's tar entries. Each regular file goes through the
//! scan pipeline; every entry is recorded in the layer's listing (path, mode,
//! kind, whiteouts), from which `crate::image` makes its checks and deletion
//! verdicts once the archive's manifests are known. A layer is streamed:
//! nothing is extracted and no file is held whole.

use super::Limits;
use crate::scan::{Item, Origin, Pipeline, Sink, Worker};
use sha2::{Digest, Sha256};
use std::cell::Cell;
use std::io::{self, Read};
use std::ops::Range;
use std::rc::Rc;

/// How a blob is compressed, told by its first bytes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Compression {
    Plain,
    Gzip,
    Zstd,
}

/// `Some` when `head` (the first bytes of a blob, up to 512) starts a layer:
/// gzip or zstd magic, or a valid tar header (an all-zero block counts: an
/// empty layer is 1024 zero bytes).
pub(crate) fn sniff(head: &[u8]) -> Option<Compression> {
    if head.starts_with(&[0x1f, 0x8b]) {
        return Some(Compression::Gzip);
    }
    if head.starts_with(&[0x28, 0xb5, 0x2f, 0xfd]) {
        return Some(Compression::Zstd);
    }
    let block = head.get(..512)?;
    if block.iter().all(|&b| b == 0) {
        return Some(Compression::Plain);
    }
    if block.get(257..262) == Some(b"ustar") || tar_checksum_ok(block) {
        return Some(Compression::Plain);
    }
    None
}

/// The header checksum of a (possibly pre-POSIX) tar block is right. An
/// all-zero block has no digits in its field, so it is not a header.
pub(crate) fn tar_checksum_ok(block: &[u8]) -> bool {
    let Some(field) = block.get(148..156) else {
        return false;
    };
    let text: String = field
        .iter()
        .map(|&b| b as char)
        .filter(|c| c.is_digit(8))
        .collect();
    let Ok(want) = u32::from_str_radix(&text, 8) else {
        return false;
    };
    let sum: u32 = block
        .iter()
        .enumerate()
        .map(|(i, &b)| {
            if (148..156).contains(&i) {
                32
            } else {
                u32::from(b)
            }
        })
        .sum();
    sum == want
}

/// Normalise a path inside a tar: `/`-separated, no leading `/` or `./`,
/// `.` dropped, `..` resolved lexically and clamped at the root (as a
/// container runtime does); non-UTF-8 bytes shown as U+FFFD.
pub(crate) fn normalize(raw: &[u8]) -> String {
    let text = String::from_utf8_lossy(raw);
    let mut parts: Vec<&str> = Vec::new();
    for part in text.split('/') {
        match part {
            "" | "." => {}
            ".." => {
                parts.pop();
            }
            p => parts.push(p),
        }
    }
    parts.join("/")
}

/// Parent directory of a normalised path (`""` for the root).
pub(crate) fn parent(path: &str) -> &str {
    path.rfind('/').map_or("", |i| &path[..i])
}

/// What kind of tar entry a listing entry is.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) enum EntryKind {
    Dir,
    /// A regular file (sparse ones too): its content was scanned.
    File,
    Symlink,
    /// A hard link, with its normalised target.
    Hardlink(String),
    /// A device, FIFO or anything else without content to scan.
    Special,
}

/// One entry of a layer, in tar order.
#[derive(Clone, Debug)]
pub(crate) struct Entry {
    pub path: String,
    pub mode: u32,
    pub kind: EntryKind,
    /// Its content's findings: indices into the layer's sink.
    pub found: Range<usize>,
}

/// What a layer holds: its entries in order and its whiteouts.
#[derive(Debug, Default)]
pub(crate) struct Listing {
    pub entries: Vec<Entry>,
    /// Paths a `.wh.<name>` whiteout removes (files or whole directories).
    pub whiteouts: Vec<String>,
    /// Directories an opaque whiteout empties (`""` = the root).
    pub opaque: Vec<String>,
}

/// Everything learnt from one layer blob.
#[derive(Debug, Default)]
pub(crate) struct LayerResult {
    /// The secret findings of its files, with `path` set to the path inside
    /// the image (the image context is added once the archive's manifests
    /// are known), and the layer's counts of files, bytes, skips and inline
    /// allows.
    pub found: Sink,
    pub listing: Listing,
    /// What broke, if the layer could not be read to its end.
    pub error: Option<String>,
    /// `sha256:<hex>` of the blob as stored (compressed), when computed.
    pub digest: Option<String>,
    pub compression: Option<Compression>,
}

/// Hashes what passes through it.
struct HashReader<R> {
    inner: R,
    hash: Option<Sha256>,
}

impl<R: Read> Read for HashReader<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let n = self.inner.read(buf)?;
        if let (Some(h), Some(done)) = (self.hash.as_mut(), buf.get(..n)) {
            h.update(done);
        }
        Ok(n)
    }
}

/// Fails once more than `left` bytes come through, and says so in `hit`.
struct CapReader<R> {
    inner: R,
    left: u64,
    hit: Rc<Cell<bool>>,
}

impl<R: Read> Read for CapReader<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        if buf.is_empty() {
            return Ok(0);
        }
        if self.left == 0 {
            // Exactly at the cap: fine if the stream ends here.
            let mut one = [0u8; 1];
            return match self.inner.read(&mut one)? {
                0 => Ok(0),
                _ => {
                    self.hit.set(true);
                    Err(io::Error::other("decompressed size cap exceeded"))
                }
            };
        }
        let want = buf
            .len()
            .min(usize::try_from(self.left).unwrap_or(usize::MAX));
        let n = self.inner.read(&mut buf[..want])?;
        self.left -= n as u64;
        Ok(n)
    }
}

/// Scan one layer blob. `want_digest` hashes the stored bytes (when the
/// blob's name does not already carry its digest). Never fails: what broke
/// is in `error`, and what was found before it is kept.
pub(crate) fn scan_layer<R: Read>(
    raw: R,
    compression: Compression,
    want_digest: bool,
    pipeline: &Pipeline<'_>,
    limits: &Limits,
) -> LayerResult {
    let mut result = LayerResult {
        compression: Some(compression),
        ..LayerResult::default()
    };
    let mut hr = HashReader {
        inner: raw,
        hash: want_digest.then(Sha256::new),
    };
    let hit = Rc::new(Cell::new(false));
    let walked = {
        let decompressed: io::Result<Box<dyn Read + '_>> = match compression {
            Compression::Plain => Ok(Box::new(&mut hr)),
            Compression::Gzip => Ok(Box::new(flate2::read::MultiGzDecoder::new(&mut hr))),
            Compression::Zstd => {
                zstd::stream::read::Decoder::new(&mut hr).map(|d| Box::new(d) as Box<dyn Read>)
            }
        };
        match decompressed {
            Ok(d) => {
                let capped = CapReader {
                    inner: d,
                    left: limits.max_layer_bytes,
                    hit: hit.clone(),
                };
                walk(capped, pipeline, &mut result)
            }
            Err(e) => Err(format!("cannot start decompression: {e}")),
        }
    };
    if let Err(msg) = walked {
        result.error = Some(if hit.get() {
            format!(
                "layer decompresses to more than {} bytes (possible decompression bomb); stopped there (raise the cap with --max-layer-bytes)",
                limits.max_layer_bytes
            )
        } else {
            msg
        });
    } else if want_digest {
        // Read what follows the tar's end marker, so the digest covers the blob.
        if let Err(e) = io::copy(&mut hr, &mut io::sink()) {
            result.error = Some(format!("cannot read the end of the layer: {e}"));
        }
    }
    if result.error.is_none() {
        if let Some(h) = hr.hash.take() {
            result.digest = Some(format!("sha256:{}", hex(&h.finalize())));
        }
    }
    result
}

pub(crate) fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// Walk the layer's tar. `Err` says what broke (after the last good entry).
fn walk<R: Read>(reader: R, pipeline: &Pipeline<'_>, out: &mut LayerResult) -> Result<(), String> {
    let mut archive = tar::Archive::new(reader);
    let entries = archive
        .entries()
        .map_err(|e| format!("not a tar layer: {e}"))?;
    let mut worker = Worker::default();
    let mut last = String::from("(start of layer)");
    for entry in entries {
        let mut entry = entry.map_err(|e| format!("corrupt tar after `{last}`: {e}"))?;
        let path = normalize(&entry.path_bytes());
        last = path.clone();
        let header = entry.header();
        let kind = header.entry_type();
        let mode = header.mode().unwrap_or(0);
        let size = entry.size();
        let name = path.rsplit('/').next().unwrap_or("");
        // Whiteouts (AUFS/OCI convention).
        if name == ".wh..wh..opq" {
            out.listing.opaque.push(parent(&path).to_string());
            continue;
        }
        if let Some(hidden) = name.strip_prefix(".wh.") {
            let dir = parent(&path);
            let target = if dir.is_empty() {
                hidden.to_string()
            } else {
                format!("{dir}/{hidden}")
            };
            out.listing.whiteouts.push(target);
            continue;
        }
        if path.is_empty() {
            continue;
        }
        let kind = match kind {
            k if k.is_dir() => EntryKind::Dir,
            k if k.is_file() || k == tar::EntryType::GNUSparse => EntryKind::File,
            tar::EntryType::Symlink => {
                out.found.skip("symlink");
                EntryKind::Symlink
            }
            tar::EntryType::Link => {
                out.found.skip("hardlink");
                match entry.link_name_bytes() {
                    Some(target) => EntryKind::Hardlink(normalize(&target)),
                    None => EntryKind::Special,
                }
            }
            _ => {
                out.found.skip("special");
                EntryKind::Special
            }
        };
        let first = out.found.findings().len();
        let scanned = if kind == EntryKind::File {
            let item = Item {
                display: &path,
                origin: Origin::LayerEntry { size },
                reader: &mut entry,
            };
            pipeline.scan(&mut worker, item, &mut out.found)
        } else {
            Ok(())
        };
        let found = first..out.found.findings().len();
        let result = scanned.map_err(|e| format!("cannot read `{path}` in the layer: {e}"));
        out.listing.entries.push(Entry {
            path,
            mode,
            kind,
            found,
        });
        result?;
    }
    Ok(())
}
