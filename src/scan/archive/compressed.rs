//! gzip, bzip2, xz and zstd streams: decompressed through a [`Guard`]. A
//! stream that holds a tar is that tar (`app.tar.gz!/etc/app.conf`); any
//! other holds one file, named after the stream (`notes.txt.gz!/notes.txt`).

use super::limits::{Count, Guard, Input};
use super::sniff::{sniff, Kind, HEAD};
use super::{name, read_head, Expander, Problem};
use std::cell::Cell;
use std::io::{self, Read};

/// The largest xz dictionary accepted: xz's own presets use at most
/// 64 MiB; a header claiming more would make the decoder allocate it.
const MAX_XZ_DICT: u32 = 64 << 20;
/// zstd windows up to 2^27 bytes (128 MiB, the format's default limit).
const ZSTD_WINDOW_LOG_MAX: u32 = 27;

impl Expander<'_, '_> {
    pub(super) fn compressed(
        &mut self,
        kind: Kind,
        display: &str,
        reader: &mut dyn Read,
        depth: u32,
    ) -> Result<(), Problem> {
        let input = Cell::new(0u64);
        let counted = Count {
            inner: reader,
            n: &input,
        };
        let decoder: Box<dyn Read + '_> = match kind {
            Kind::Gzip => Box::new(flate2::read::MultiGzDecoder::new(counted)),
            Kind::Bzip2 => Box::new(bzip2::read::MultiBzDecoder::new(counted)),
            Kind::Xz => xz_reader(counted)?,
            Kind::Zstd => {
                let mut d = zstd::stream::read::Decoder::new(counted)?;
                d.window_log_max(ZSTD_WINDOW_LOG_MAX)?;
                Box::new(d)
            }
            Kind::Zip | Kind::Tar => {
                return Err(Problem::Said(format!("{} is no compression", kind.name())))
            }
        };
        let budget = self.budget;
        let mut guarded = Guard::new(decoder, Input::Counted(&input), budget, display);
        let mut head = [0u8; HEAD];
        let n = read_head(&mut guarded, &mut head)?;
        let mut rest = io::Cursor::new(&head[..n]).chain(&mut guarded);
        if sniff(&head[..n]) == Some(Kind::Tar) {
            return self.tar(display, &mut rest, depth);
        }
        let inner = format!("{display}!/{}", name::uncompressed(display, kind));
        self.member(&inner, &mut rest, depth)?;
        Ok(())
    }
}

/// An xz decoder, once the first block's LZMA2 dictionary is known to be
/// within [`MAX_XZ_DICT`] (the decoder allocates what the header claims).
fn xz_reader<'r, R: Read + 'r>(mut r: R) -> Result<Box<dyn Read + 'r>, Problem> {
    let mut head = [0u8; 64];
    let n = read_head(&mut r, &mut head)?;
    if let Some(dict) = xz_dict(&head[..n]) {
        if dict > MAX_XZ_DICT {
            return Err(Problem::Said(format!(
                "xz dictionary of {} MiB, over the limit of {} MiB; not opened",
                dict >> 20,
                MAX_XZ_DICT >> 20
            )));
        }
    }
    let whole = io::Cursor::new(head).take(n as u64).chain(r);
    Ok(Box::new(lzma_rust2::XzReader::new(whole, true)))
}

/// The dictionary size the first block's LZMA2 filter declares: after the
/// 12-byte stream header, the block header (size, flags, optional sizes as
/// varints), then the filter id 0x21, a properties size of 1, and the
/// dictionary code.
fn xz_dict(head: &[u8]) -> Option<u32> {
    let block = head.get(12..)?;
    let flags = *block.get(1)?;
    let mut at = 2;
    let varint = |at: &mut usize| -> Option<u64> {
        let mut v = 0u64;
        for i in 0..9 {
            let b = *block.get(*at)?;
            *at += 1;
            v |= u64::from(b & 0x7f) << (7 * i);
            if b & 0x80 == 0 {
                return Some(v);
            }
        }
        None
    };
    if flags & 0x40 != 0 {
        varint(&mut at)?;
    }
    if flags & 0x80 != 0 {
        varint(&mut at)?;
    }
    // Filters come in order; LZMA2 is the last (after BCJ or delta).
    for _ in 0..=(flags & 0x03) {
        let id = varint(&mut at)?;
        let size = varint(&mut at)?;
        if id == 0x21 && size == 1 {
            let code = u32::from(*block.get(at)?);
            return Some(match code {
                0..=39 => (2 | (code & 1)) << (code / 2 + 11),
                _ => u32::MAX,
            });
        }
        at += usize::try_from(size).ok()?;
    }
    None
}
