//! The zip family, through the `zip` crate (stored and deflated members;
//! jar, war, ear, apk, aar, whl and nupkg are zips). The entry count is read
//! from the end record before the crate reads the central directory, so a
//! directory of millions of entries is refused before it is held.

use super::limits::{limit_of, Guard, Input, Limit, MAX_ENTRIES};
use super::{Expander, Problem};
use std::io::{self, Read, Seek, SeekFrom};

/// The end-of-central-directory record: 22 bytes and a comment of at most
/// 65,535 bytes, at the end of the archive.
const EOCD_MAX: u64 = 22 + 65_535;

impl Expander<'_, '_> {
    /// A zip that is not a file on disk: read whole into memory (within
    /// what the archive may still hold), then opened.
    pub(super) fn zip_held(
        &mut self,
        display: &str,
        reader: &mut dyn Read,
        depth: u32,
    ) -> Result<(), Problem> {
        let budget = self.budget;
        let left = budget.held_left();
        let mut buf = Vec::new();
        reader.take(left.saturating_add(1)).read_to_end(&mut buf)?;
        if buf.len() as u64 > left {
            return Err(Problem::Said(format!(
                "a zip of more than {} MiB inside another archive or an image layer is not opened (it would be held in memory)",
                left >> 20
            )));
        }
        let held = buf.len() as u64;
        budget.hold(held);
        let r = self.zip(display, io::Cursor::new(&buf[..]), depth);
        budget.release(held);
        r
    }

    pub(super) fn zip<R: Read + Seek>(
        &mut self,
        display: &str,
        mut reader: R,
        depth: u32,
    ) -> Result<(), Problem> {
        if let Some(n) = entries_claimed(&mut reader)? {
            if n > MAX_ENTRIES {
                return Err(Problem::Said(format!(
                    "holds {n} entries, more than the limit of {MAX_ENTRIES}; not opened"
                )));
            }
        }
        reader.seek(SeekFrom::Start(0))?;
        let mut archive = ::zip::ZipArchive::new(reader).map_err(|e| {
            Problem::Said(format!(
                "not a readable zip ({e}); its members were not scanned"
            ))
        })?;
        let budget = self.budget;
        for i in 0..archive.len() {
            let raw_name = archive
                .name_for_index(i)
                .map(|n| n.as_bytes().to_vec())
                .unwrap_or_default();
            let mut file = match archive.by_index(i) {
                Ok(f) => f,
                Err(e) => {
                    let inner = self.inner(display, &raw_name);
                    self.note(&inner, format_args!("not scanned: {e}"));
                    continue;
                }
            };
            if file.is_dir() || file.is_symlink() {
                continue;
            }
            let inner = self.inner(display, &raw_name);
            let compressed = file.compressed_size();
            let mut guarded = Guard::new(&mut file, Input::Fixed(compressed), budget, &inner);
            match self.member(&inner, &mut guarded, depth) {
                Ok(()) => {}
                // The whole archive's budget is spent: nothing more to read.
                Err(e) if limit_of(&e) == Some(Limit::Expanded) => {
                    self.note_tripped();
                    return Ok(());
                }
                // A member's limit is noted where it was hit.
                Err(e) if limit_of(&e).is_some() => {}
                // One bad member; the others have their own offsets.
                Err(e) => self.note(
                    &inner,
                    format_args!("cannot be read ({e}); the other members were scanned"),
                ),
            }
            self.note_tripped();
        }
        Ok(())
    }
}

/// The entry count the end record claims (zip64's when the record defers
/// to it); `None` when there is no record to read (the crate says why).
fn entries_claimed<R: Read + Seek>(r: &mut R) -> io::Result<Option<u64>> {
    let len = r.seek(SeekFrom::End(0))?;
    let start = len.saturating_sub(EOCD_MAX);
    r.seek(SeekFrom::Start(start))?;
    let mut tail = Vec::new();
    r.take(EOCD_MAX).read_to_end(&mut tail)?;
    let Some(at) = memchr::memmem::rfind(&tail, b"PK\x05\x06") else {
        return Ok(None);
    };
    let Some(rec) = tail.get(at..at + 22) else {
        return Ok(None);
    };
    let total = u64::from(u16::from_le_bytes([rec[10], rec[11]]));
    if total != 0xffff {
        return Ok(Some(total));
    }
    // Zip64: the locator just before the record gives the zip64 record's
    // offset; its entry count is at 32.
    let Some(loc) = at.checked_sub(20).and_then(|l| tail.get(l..l + 20)) else {
        return Ok(Some(total));
    };
    if &loc[..4] != b"PK\x06\x07" {
        return Ok(Some(total));
    }
    let mut off = [0u8; 8];
    off.copy_from_slice(&loc[8..16]);
    r.seek(SeekFrom::Start(u64::from_le_bytes(off)))?;
    let mut rec64 = [0u8; 40];
    if r.read_exact(&mut rec64).is_err() || &rec64[..4] != b"PK\x06\x06" {
        return Ok(Some(total));
    }
    let mut n = [0u8; 8];
    n.copy_from_slice(&rec64[32..40]);
    Ok(Some(u64::from_le_bytes(n)))
}
