//! The one scan pipeline. Sources (`source::walk`, `source::git`,
//! `source::image`) only enumerate: each hands over an [`Item`] (display
//! path, where it came from, a reader) and this module decides everything
//! else, the same way for every source:
//!
//! - the per-file cap (image layers) and the Dockerfile cap ([`MAX_DOCKERFILE`]);
//! - archives (zip family, tar, gzip/bzip2/xz/zstd, nested) opened by
//!   magic, their members scanned like files ([`archive`]);
//! - text decoding (UTF-16) for files and layer entries;
//! - the secret scan, marking what an inline allow comment covers (the
//!   policy stage drops and counts it);
//! - the Dockerfile lint when the item is a Dockerfile, and the removal of
//!   the plain secret findings the linter reports under its own rule;
//! - for git blobs, keeping only findings on lines the commit added, tagged
//!   with the commit;
//! - for a history audit, one finding per secret and file however many
//!   blobs hold it ([`history`]).
//!
//! Findings and counts go to a [`Sink`].

pub mod archive;
pub mod history;
mod sink;

pub use sink::Sink;

use crate::dockerfile;
use crate::report::progress::Counters;
use crate::report::Finding;
use crate::secrets::engine::Outcome;
use crate::secrets::{files, RawMatch, ScanScratch, Scanner};
use crate::source::decode::TextReader;
use std::io::{self, Read};
use std::ops::RangeInclusive;
use std::path::Path;
use std::sync::Arc;

/// Dockerfiles larger than this are secret-scanned but not linted (the
/// `dockerfile` command lints their first 16 MiB).
pub const MAX_DOCKERFILE: u64 = 16 << 20;

/// Where an item came from.
#[derive(Clone, Copy, Debug)]
pub enum Origin<'a> {
    /// A file on disk at `fs_path` (its directory is the Dockerfile's build
    /// context). `named` is true when the user named the file itself: the
    /// `dockerfile` command lints it whatever its name.
    File { fs_path: &'a Path, named: bool },
    /// A blob read from git: the commit (`None` = the index) and the
    /// 1-based lines that commit added (`None` = every line counts).
    GitBlob {
        commit: Option<&'a str>,
        added_lines: Option<&'a [RangeInclusive<u32>]>,
    },
    /// A regular file inside an image layer; `size` is its size in the tar.
    LayerEntry { size: u64 },
}

/// One thing to scan.
pub struct Item<'a, R> {
    /// The path findings show (relative, `/`-separated).
    pub display: &'a str,
    pub origin: Origin<'a>,
    pub reader: R,
}

/// What the pipeline does with every item of one scan.
#[derive(Clone, Debug, Default)]
pub struct Options {
    /// Scan files that look binary (a NUL in the first 8 KiB).
    pub include_binary: bool,
    /// Lint items with a Dockerfile name.
    pub lint_dockerfiles: bool,
    /// Only lint Dockerfiles: no secret scan, other items are passed over.
    pub dockerfiles_only: bool,
    /// `--target`: the stage the linter treats as the image.
    pub target_stage: Option<String>,
    /// Bytes of one layer entry scanned (the rest is not); `None` = all.
    pub max_entry_bytes: Option<u64>,
    /// Dockerfile rules the config disables: they do not run.
    pub disabled_rules: Vec<String>,
    /// `--no-archives`: scan archives as the binary files they are
    /// instead of opening them ([`archive`]).
    pub no_archives: bool,
}

/// The scanner and the options of one scan, shared read-only by every
/// worker thread.
pub struct Pipeline<'a> {
    scanner: &'a Scanner,
    opts: Options,
    progress: Option<Arc<Counters>>,
}

/// One thread's reusable buffers.
#[derive(Default)]
pub struct Worker {
    scratch: ScanScratch,
    raw: Vec<RawMatch>,
    /// A Dockerfile's bytes (the linter needs them whole).
    content: Vec<u8>,
    /// A credential file's bytes (its detector needs them whole).
    whole: Vec<u8>,
    /// This item's findings, before the Dockerfile and added-line filters.
    found: Vec<Finding>,
}

impl<'a> Pipeline<'a> {
    pub fn new(scanner: &'a Scanner, opts: Options) -> Pipeline<'a> {
        Pipeline {
            scanner,
            opts,
            progress: None,
        }
    }

    /// Bump `counters` once per scanned item (the progress line).
    pub fn with_progress(mut self, counters: Arc<Counters>) -> Pipeline<'a> {
        self.progress = Some(counters);
        self
    }

    pub fn scanner(&self) -> &'a Scanner {
        self.scanner
    }

    pub fn options(&self) -> &Options {
        &self.opts
    }

    /// Whether an item shown as `display` from `origin` is read at all:
    /// sources ask before opening a file, so the `dockerfile` command does
    /// not open every file of a tree.
    pub fn wants(&self, display: &str, origin: &Origin<'_>) -> bool {
        !self.opts.dockerfiles_only || self.is_dockerfile(display, origin)
    }

    fn is_dockerfile(&self, display: &str, origin: &Origin<'_>) -> bool {
        if !(self.opts.lint_dockerfiles || self.opts.dockerfiles_only) {
            return false;
        }
        match origin {
            Origin::File { fs_path, named } => {
                (*named && self.opts.dockerfiles_only)
                    || fs_path
                        .file_name()
                        .and_then(|n| n.to_str())
                        .is_some_and(dockerfile::is_dockerfile_name)
            }
            _ => dockerfile::is_dockerfile_name(display.rsplit('/').next().unwrap_or(display)),
        }
    }

    /// Scan one item into `sink`. `Err` is a read error (after which what
    /// was found is kept); the source decides how to report it, since for
    /// a tar entry it also ends the walk of the layer.
    pub fn scan<R: Read>(
        &self,
        w: &mut Worker,
        item: Item<'_, R>,
        sink: &mut Sink,
    ) -> io::Result<()> {
        let Item {
            display,
            origin,
            reader,
        } = item;
        if !self.wants(display, &origin) {
            return Ok(());
        }
        w.found.clear();
        let mut origin = origin;
        let result = if self.is_dockerfile(display, &origin) {
            self.dockerfile(w, display, &origin, reader, sink)
        } else {
            self.file_or_archive(w, display, &origin, reader, sink)
                .map(|opened| {
                    if opened {
                        origin = archive::whole(origin);
                    }
                })
        };
        self.emit(w, &origin, sink);
        result
    }

    /// The plain secret scan, streamed.
    fn secrets<R: Read>(
        &self,
        w: &mut Worker,
        display: &str,
        origin: &Origin<'_>,
        reader: R,
        sink: &mut Sink,
    ) -> io::Result<()> {
        match origin {
            // Blobs are scanned as stored (git shows them byte for byte).
            Origin::GitBlob { .. } => self.stream(w, display, reader, sink).map(drop),
            Origin::File { .. } => self
                .stream(w, display, TextReader::new(reader)?, sink)
                .map(drop),
            Origin::LayerEntry { size } => {
                let cap = self.opts.max_entry_bytes.unwrap_or(u64::MAX);
                let text = TextReader::new(reader.take(cap))?;
                if self.stream(w, display, text, sink)?.is_some() && *size > cap {
                    sink.skip("truncated");
                }
                Ok(())
            }
        }
    }

    /// Run the engine over `reader`; the bytes scanned, `None` for a
    /// skipped binary. A credential file (by name) is read whole, up to
    /// [`files::MAX_FILE`], so its detector can run on it too.
    fn stream<R: Read>(
        &self,
        w: &mut Worker,
        display: &str,
        mut reader: R,
        sink: &mut Sink,
    ) -> io::Result<Option<u64>> {
        let Some(format) = files::Format::of(display) else {
            return self.stream_with(w, display, reader, None, sink);
        };
        let mut whole = std::mem::take(&mut w.whole);
        whole.clear();
        let read = (&mut reader)
            .take(files::MAX_FILE as u64 + 1)
            .read_to_end(&mut whole);
        let result = match read {
            Err(e) => Err(e),
            Ok(n) if n > files::MAX_FILE => {
                let all = io::Cursor::new(&whole[..]).chain(reader);
                self.stream_with(w, display, all, None, sink)
            }
            Ok(_) => self.stream_with(w, display, &whole[..], Some((format, &whole[..])), sink),
        };
        w.whole = whole;
        result
    }

    fn stream_with<R: Read>(
        &self,
        w: &mut Worker,
        display: &str,
        reader: R,
        whole: Option<(files::Format, &[u8])>,
        sink: &mut Sink,
    ) -> io::Result<Option<u64>> {
        w.raw.clear();
        w.scratch.set_file(display);
        let result = self.scanner.scan_reader(
            reader,
            &mut w.scratch,
            !self.opts.include_binary,
            &mut w.raw,
        );
        let mut detected = files::Analysis::default();
        if let (Some((format, text)), Ok(Outcome::Scanned { .. })) = (whole, &result) {
            detected = files::analyze(self.scanner, format, text);
            files::merge(self.scanner, &mut w.raw, &mut detected);
        }
        // What was found before a read error is kept.
        for mut m in w.raw.drain(..) {
            let decoded = match files::refine(self.scanner, &m) {
                files::Refined::Drop => continue,
                files::Refined::Keep => None,
                files::Refined::Decoded { rule, encoding } => {
                    m.rule = rule;
                    Some(encoding)
                }
            };
            let mut f = self.scanner.finding(&m, display.to_string());
            f.allowed_inline = m.allowed_inline;
            if let Some(e) = decoded {
                files::mark_decoded(&mut f, e);
            }
            w.found.push(f);
        }
        if let Some((_, text)) = whole {
            for m in &detected.found {
                let mut f = files::finding(self.scanner, m, text, display);
                f.allowed_inline = files::allowed_inline(text, m.start, m.end);
                w.found.push(f);
            }
        }
        match result? {
            Outcome::Binary => {
                sink.skip("binary");
                Ok(None)
            }
            Outcome::Scanned { bytes } => {
                sink.summary.files_scanned += 1;
                sink.summary.bytes_scanned += bytes;
                if let Some(p) = &self.progress {
                    p.add(bytes);
                }
                Ok(Some(bytes))
            }
        }
    }

    /// A Dockerfile: read it whole (up to the cap), secret-scan it, lint it,
    /// and drop the plain secret findings the linter reports itself.
    fn dockerfile<R: Read>(
        &self,
        w: &mut Worker,
        display: &str,
        origin: &Origin<'_>,
        mut reader: R,
        sink: &mut Sink,
    ) -> io::Result<()> {
        let mut content = std::mem::take(&mut w.content);
        content.clear();
        let read = (&mut reader)
            .take(MAX_DOCKERFILE + 1)
            .read_to_end(&mut content);
        let result = match read {
            Err(e) => Err(e),
            Ok(_) if content.len() as u64 > MAX_DOCKERFILE && !self.opts.dockerfiles_only => {
                // Too large to lint: secret-scan all of it, as any file.
                let all = io::Cursor::new(&content[..]).chain(reader);
                self.secrets(w, display, origin, all, sink)
            }
            Ok(_) => {
                content.truncate(MAX_DOCKERFILE as usize);
                self.lint(w, display, origin, &content, sink)
            }
        };
        w.content = content;
        result
    }

    fn lint(
        &self,
        w: &mut Worker,
        display: &str,
        origin: &Origin<'_>,
        content: &[u8],
        sink: &mut Sink,
    ) -> io::Result<()> {
        if self.opts.dockerfiles_only {
            sink.summary.files_scanned += 1;
            sink.summary.bytes_scanned += content.len() as u64;
        } else {
            self.stream(w, display, content, sink)?;
        }
        let context_dir = match origin {
            Origin::File { fs_path, .. } => fs_path.parent().map(Path::to_path_buf),
            _ => None,
        };
        let lint_opts = dockerfile::LintOptions {
            secrets: Some(self.scanner),
            target: self.opts.target_stage.clone(),
            context_dir,
        };
        let lint = dockerfile::lint_except(display, content, &lint_opts, &self.opts.disabled_rules);
        drop_claimed(&mut w.found, &lint);
        w.found.extend(lint);
        Ok(())
    }

    /// Hand this item's findings to the sink, keeping for a git blob only
    /// those on lines its commit added.
    fn emit(&self, w: &mut Worker, origin: &Origin<'_>, sink: &mut Sink) {
        match origin {
            Origin::GitBlob {
                commit,
                added_lines,
            } => {
                for mut f in w.found.drain(..) {
                    let last = f.span.end_line.max(f.span.line);
                    if touches(*added_lines, f.span.line, last) {
                        f.commit = commit.map(str::to_string);
                        sink.push(f);
                    }
                }
            }
            _ => sink.extend(w.found.drain(..)),
        }
    }
}

/// Whether any line of `first..=last` counts as added: a finding spanning
/// several lines (a PEM key) is kept when one of its lines was added.
fn touches(added: Option<&[RangeInclusive<u32>]>, first: u32, last: u32) -> bool {
    match added {
        None => true,
        Some(r) => r
            .iter()
            .any(|r| *r.start() <= last.max(first) && first <= *r.end()),
    }
}

/// A secret the linter reports with its own rule (ENV, RUN, ARG) is not
/// reported a second time by the plain secret scan.
fn drop_claimed(found: &mut Vec<Finding>, lint: &[Finding]) {
    let claimed: Vec<&str> = lint
        .iter()
        .filter(|f| !f.allowed_inline)
        .filter_map(|f| f.secret.as_deref())
        .collect();
    if claimed.is_empty() {
        return;
    }
    // An allowed secret stays, for the policy stage to count.
    found.retain(|f| {
        f.allowed_inline
            || !f
                .secret
                .as_deref()
                .is_some_and(|s| claimed.iter().any(|c| c.contains(s) || s.contains(c)))
    });
}
