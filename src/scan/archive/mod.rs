//! Archives met by the scan: the zip family (jar, war, ear, apk, aar, whl,
//! nupkg, …), tar, and gzip, bzip2, xz and zstd streams (a compressed tar
//! or a single compressed file), nested. An item whose first bytes start
//! one (told by magic, never by the name alone) is opened here instead of
//! being skipped as binary, and every file inside goes through the same
//! scan as a file of the tree ([`Pipeline::stream`]: secret rules and the
//! credential-file detectors, which read the inner name). Findings name the
//! inner path: `app.jar!/BOOT-INF/classes/application.properties`, nested
//! `a.zip!/b.tar.gz!/x/.env`.
//!
//! Nothing is written to disk: members stream through decoders into the
//! scan, with bounded buffers. A zip is read from its file when it is one,
//! and otherwise held whole (its directory is at its end), within
//! [`limits::MAX_HELD`]. What a limit stops, or what is corrupt, becomes a
//! note naming the archive and the problem (`summary.notes`); the other
//! files, and the other members, are still scanned.

mod compressed;
mod limits;
mod name;
mod sniff;
mod tar;
mod zip;

pub use limits::{MAX_DEPTH, MAX_ENTRIES, MAX_EXPANDED, MAX_MEMBER, MAX_RATIO};
pub use sniff::{sniff, Kind};

use super::{Origin, Pipeline, Sink, Worker};
use crate::source::decode::TextReader;
use limits::{Budget, MAX_NOTES};
use std::fmt::Display;
use std::io::{self, Read};

impl Pipeline<'_> {
    /// An item that is not linted as a Dockerfile: opened when it is an
    /// archive, otherwise scanned as a file. `Ok(true)` when it was opened
    /// (its findings are on its members' lines, not the item's).
    pub(super) fn file_or_archive<R: Read>(
        &self,
        w: &mut Worker,
        display: &str,
        origin: &Origin<'_>,
        mut reader: R,
        sink: &mut Sink,
    ) -> io::Result<bool> {
        if self.opts.no_archives {
            return self
                .secrets(w, display, origin, reader, sink)
                .map(|()| false);
        }
        // The magic check reads what the scan reads first anyway.
        let mut head = [0u8; sniff::HEAD];
        let n = read_head(&mut reader, &mut head)?;
        let mut rest = io::Cursor::new(&head[..n]).chain(reader);
        let Some(kind) = sniff(&head[..n]) else {
            return self.secrets(w, display, origin, rest, sink).map(|()| false);
        };
        let budget = Budget::default();
        let member_cap = match origin {
            Origin::LayerEntry { .. } => self.opts.max_entry_bytes.unwrap_or(MAX_MEMBER),
            _ => MAX_MEMBER,
        }
        .min(MAX_MEMBER);
        let mut x = Expander {
            pipeline: self,
            w,
            sink,
            budget: &budget,
            member_cap,
            notes: 0,
        };
        match (kind, origin) {
            // On disk a zip is read where it lies, never held.
            (Kind::Zip, Origin::File { fs_path, .. }) => {
                let opened = std::fs::File::open(fs_path).map(io::BufReader::new);
                match opened {
                    Ok(f) => {
                        let r = x.zip(display, f, 1);
                        x.settle(display, Kind::Zip, r);
                    }
                    Err(e) => x.note(display, format_args!("cannot open the zip: {e}")),
                }
            }
            _ => x.open(kind, display, &mut rest, 1),
        }
        x.finish(display);
        Ok(true)
    }
}

/// Read up to `head.len()` bytes (fewer only at the end of the stream).
fn read_head<R: Read + ?Sized>(r: &mut R, head: &mut [u8]) -> io::Result<usize> {
    let mut n = 0;
    while n < head.len() {
        match r.read(&mut head[n..]) {
            Ok(0) => break,
            Ok(k) => n += k,
            Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
            Err(e) => return Err(e),
        }
    }
    Ok(n)
}

/// Why an archive (or part of it) was not read to its end.
enum Problem {
    /// Its bytes: a decoder's or the container's complaint.
    Io(io::Error),
    /// Said in full (a limit, an unsupported feature).
    Said(String),
}

impl From<io::Error> for Problem {
    fn from(e: io::Error) -> Self {
        Problem::Io(e)
    }
}

/// One outer archive being opened, with everything nested in it.
struct Expander<'x, 'p> {
    pipeline: &'x Pipeline<'p>,
    w: &'x mut Worker,
    sink: &'x mut Sink,
    budget: &'x Budget,
    /// Bytes of one member scanned.
    member_cap: u64,
    notes: usize,
}

impl Expander<'_, '_> {
    fn note(&mut self, what: &str, message: impl Display) {
        self.notes += 1;
        if self.notes <= MAX_NOTES {
            self.sink.summary.notes.push(format!("{what}: {message}"));
        }
    }

    /// Note the limits hit since the last call, once each, at the stream
    /// that hit them.
    fn note_tripped(&mut self) {
        for (what, limit) in self.budget.take_tripped() {
            self.note(&what, limit);
        }
    }

    fn finish(mut self, display: &str) {
        self.note_tripped();
        if self.notes > MAX_NOTES {
            let more = self.notes - MAX_NOTES;
            self.sink
                .summary
                .notes
                .push(format!("{display}: {more} more notes about this archive"));
        }
    }

    /// Open `reader`, an archive of `kind` shown as `display`, `depth`
    /// archives deep (the outermost is 1).
    fn open(&mut self, kind: Kind, display: &str, reader: &mut dyn Read, depth: u32) {
        let r = match kind {
            Kind::Zip => self.zip_held(display, reader, depth),
            Kind::Tar => self.tar(display, reader, depth),
            _ => self.compressed(kind, display, reader, depth),
        };
        self.settle(display, kind, r);
    }

    /// Note what stopped an archive, if anything did.
    fn settle(&mut self, display: &str, kind: Kind, r: Result<(), Problem>) {
        match r {
            Ok(()) => {}
            // A limit is noted where it was hit.
            Err(Problem::Io(e)) if limits::limit_of(&e).is_some() => {}
            Err(Problem::Io(e)) => self.note(
                display,
                format_args!(
                    "corrupt or truncated {} archive ({e}); the rest of it was not scanned",
                    kind.name()
                ),
            ),
            Err(Problem::Said(s)) => self.note(display, s),
        }
        self.note_tripped();
    }

    /// One file inside an archive: an archive itself (opened, up to
    /// [`MAX_DEPTH`] deep) or a file for the scan. `Err` is a read error
    /// of this member (the archive decides whether it can go on).
    fn member(&mut self, display: &str, reader: &mut dyn Read, depth: u32) -> io::Result<()> {
        let mut head = [0u8; sniff::HEAD];
        let n = read_head(reader, &mut head)?;
        let mut rest = io::Cursor::new(&head[..n]).chain(reader);
        if let Some(kind) = sniff(&head[..n]) {
            if depth < MAX_DEPTH {
                self.open(kind, display, &mut rest, depth + 1);
                return Ok(());
            }
            self.note(
                display,
                format_args!(
                    "a {} archive nested more than {MAX_DEPTH} deep; not opened",
                    kind.name()
                ),
            );
        }
        let cap = self.member_cap;
        // What decompressed before damage (or a limit) is scanned; the
        // error is the archive's to note.
        let mut lenient = Lenient {
            inner: &mut rest,
            err: None,
        };
        let text = TextReader::new((&mut lenient).take(cap))?;
        let scanned = self.pipeline.stream(self.w, display, text, self.sink)?;
        if let Some(e) = lenient.err.take() {
            return Err(e);
        }
        if scanned.is_some() && read_head(&mut rest, &mut [0u8; 1])? > 0 {
            self.note(
                display,
                format_args!("larger than {} MiB; only its start was scanned", cap >> 20),
            );
        }
        Ok(())
    }

    /// `archive!/name`, noting a name that would escape the archive.
    fn inner(&mut self, display: &str, raw: &[u8]) -> String {
        let n = name::clean(raw);
        let inner = format!("{display}!/{}", n.shown);
        if n.escapes {
            let original = name::printable(&String::from_utf8_lossy(raw));
            self.note(
                &inner,
                format_args!(
                    "entry named `{original}` points outside the archive (zip slip); shown inside it"
                ),
            );
        }
        inner
    }
}

/// A member's bytes up to the first read error, which is kept: a
/// truncated stream ends where it breaks for the scan.
struct Lenient<'r, R: ?Sized> {
    inner: &'r mut R,
    err: Option<io::Error>,
}

impl<R: Read + ?Sized> Read for Lenient<'_, R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        if self.err.is_some() {
            return Ok(0);
        }
        match self.inner.read(buf) {
            Err(e) if e.kind() != io::ErrorKind::Interrupted => {
                self.err = Some(e);
                Ok(0)
            }
            r => r,
        }
    }
}

/// For a git blob that was an archive, every line of every member counts
/// as added (the blob changed as a whole).
pub(super) fn whole<'a>(origin: Origin<'a>) -> Origin<'a> {
    match origin {
        Origin::GitBlob { commit, .. } => Origin::GitBlob {
            commit,
            added_lines: None,
        },
        other => other,
    }
}
