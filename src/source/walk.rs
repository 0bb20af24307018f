//! The filesystem walk: a parallel walk (the `ignore` crate, so .gitignore and
//! .ignore are honoured) that hands every regular file to the scan pipeline
//! ([`crate::scan`]) with one reusable worker per thread.

use crate::report::ScanError;
use crate::scan::{Item, Origin, Pipeline, Sink, Worker as ScanWorker};
use ignore::{
    overrides::OverrideBuilder, ParallelVisitor, ParallelVisitorBuilder, WalkBuilder, WalkState,
};
use std::fs::File;
use std::path::{Path, PathBuf};
use std::sync::Mutex;

#[derive(Clone, Debug, Default)]
pub struct WalkOptions {
    /// Scan what .gitignore/.ignore would hide.
    pub no_ignore: bool,
    /// Glob patterns (gitignore syntax) to leave out.
    pub excludes: Vec<String>,
    /// Worker threads; 0 = one per core.
    pub threads: usize,
    /// `(k, n)`: only the files of shard `k` of `n` (by a hash of the path).
    pub shard: Option<(u32, u32)>,
}

/// Why a walk could not start.
#[derive(Debug, thiserror::Error)]
pub enum WalkError {
    #[error("--exclude {glob}: {source}")]
    Exclude { glob: String, source: ignore::Error },
    #[error(transparent)]
    Ignore(#[from] ignore::Error),
}

/// Shared, read-only state of one walk.
struct Ctx<'a> {
    pipeline: &'a Pipeline<'a>,
    /// Display paths are made relative to this, when set.
    root: Option<PathBuf>,
    results: Mutex<Vec<Sink>>,
    shard: Option<(u32, u32)>,
}

/// Walk `paths` and hand every file to `pipeline`. Display paths are
/// relative to `root` when given (the scan root), otherwise as named.
pub fn scan_paths(
    paths: &[PathBuf],
    root: Option<&Path>,
    pipeline: &Pipeline<'_>,
    opts: &WalkOptions,
) -> Result<Sink, WalkError> {
    let mut sink = Sink::default();
    let mut roots = Vec::new();
    for p in paths {
        match std::fs::symlink_metadata(p) {
            Ok(_) => roots.push(p.clone()),
            Err(e) => sink.error(p.display().to_string(), format!("cannot read: {e}")),
        }
    }
    if roots.is_empty() {
        return Ok(sink);
    }
    let mut builder = WalkBuilder::new(&roots[0]);
    for r in &roots[1..] {
        builder.add(r);
    }
    builder
        .hidden(false)
        .follow_links(false)
        .git_ignore(!opts.no_ignore)
        .git_global(!opts.no_ignore)
        .git_exclude(!opts.no_ignore)
        .ignore(!opts.no_ignore)
        .parents(!opts.no_ignore)
        // As git and ripgrep do: .gitignore counts inside a git repository
        // only (.ignore counts everywhere). An unpacked tarball's .gitignore
        // can say `/*` (Debian's linux-source does), and honouring it would
        // turn a scan into a silent scan of nothing.
        .require_git(true)
        .threads(opts.threads);
    // .git itself is never content to scan.
    let mut ov = OverrideBuilder::new(&roots[0]);
    ov.add("!.git/")?;
    for g in &opts.excludes {
        ov.add(&format!("!{g}"))
            .map_err(|source| WalkError::Exclude {
                glob: g.clone(),
                source,
            })?;
    }
    builder.overrides(ov.build()?);
    let ctx = Ctx {
        pipeline,
        root: root.map(Path::to_path_buf),
        results: Mutex::new(Vec::new()),
        shard: opts.shard,
    };
    builder
        .build_parallel()
        .visit(&mut WorkerBuilder { ctx: &ctx });
    for s in ctx.results.into_inner().unwrap_or_else(|p| p.into_inner()) {
        sink.merge(s);
    }
    Ok(sink)
}

struct WorkerBuilder<'a> {
    ctx: &'a Ctx<'a>,
}

impl<'s> ParallelVisitorBuilder<'s> for WorkerBuilder<'s> {
    fn build(&mut self) -> Box<dyn ParallelVisitor + 's> {
        Box::new(Worker {
            ctx: self.ctx,
            scan: ScanWorker::default(),
            sink: Sink::default(),
            display: String::new(),
        })
    }
}

/// One thread's state: its buffers and what it found, handed over once at
/// the end (no lock per file).
struct Worker<'a> {
    ctx: &'a Ctx<'a>,
    scan: ScanWorker,
    sink: Sink,
    /// The current file's display path (reused: no allocation per file).
    display: String,
}

impl Drop for Worker<'_> {
    fn drop(&mut self) {
        let sink = std::mem::take(&mut self.sink);
        if let Ok(mut r) = self.ctx.results.lock() {
            r.push(sink);
        }
    }
}

impl ParallelVisitor for Worker<'_> {
    fn visit(&mut self, entry: Result<ignore::DirEntry, ignore::Error>) -> WalkState {
        let entry = match entry {
            Ok(e) => e,
            Err(err) => {
                self.sink.summary.errors.push(walk_error(&err));
                return WalkState::Continue;
            }
        };
        let Some(ft) = entry.file_type() else {
            return WalkState::Continue;
        };
        if ft.is_dir() {
            return WalkState::Continue;
        }
        if ft.is_symlink() {
            // Never followed: its target, if inside the tree, is scanned itself.
            self.sink.skip("symlink");
            return WalkState::Continue;
        }
        if !ft.is_file() {
            self.sink.skip("not a regular file");
            return WalkState::Continue;
        }
        let path = entry.path();
        display_path_into(path, self.ctx.root.as_deref(), &mut self.display);
        let display = self.display.as_str();
        if !super::shard::in_shard(display, self.ctx.shard) {
            return WalkState::Continue;
        }
        let origin = Origin::File {
            fs_path: path,
            named: false,
        };
        let pipeline = self.ctx.pipeline;
        if !pipeline.wants(display, &origin) {
            return WalkState::Continue;
        }
        let file = match File::open(path) {
            Ok(f) => f,
            Err(e) => {
                self.sink
                    .error(display.to_string(), format!("cannot open: {e}"));
                return WalkState::Continue;
            }
        };
        let item = Item {
            display,
            origin,
            reader: file,
        };
        if let Err(e) = pipeline.scan(&mut self.scan, item, &mut self.sink) {
            self.sink
                .error(display.to_string(), format!("read failed: {e}"));
        }
        WalkState::Continue
    }
}

fn walk_error(err: &ignore::Error) -> ScanError {
    // ignore::Error wraps the path in its Display: dig the path out for the
    // `path` field.
    fn path_of(e: &ignore::Error) -> Option<String> {
        match e {
            ignore::Error::WithPath { path, .. } => Some(path.display().to_string()),
            ignore::Error::WithDepth { err, .. } | ignore::Error::WithLineNumber { err, .. } => {
                path_of(err)
            }
            ignore::Error::Loop { child, .. } => Some(child.display().to_string()),
            _ => None,
        }
    }
    // The message without the path: it is printed as `path: message`.
    fn message_of(e: &ignore::Error) -> String {
        match e {
            ignore::Error::WithPath { err, .. } => err.to_string(),
            ignore::Error::WithDepth { err, .. } => message_of(err),
            other => other.to_string(),
        }
    }
    ScanError {
        path: path_of(err).unwrap_or_else(|| "?".into()),
        message: message_of(err),
    }
}

/// `path` relative to `root`, `/`-separated, without a leading `./`.
pub fn display_path(path: &Path, root: Option<&Path>) -> String {
    let mut s = String::new();
    display_path_into(path, root, &mut s);
    s
}

/// [`display_path`] into `out` (cleared first), so the walk reuses one
/// buffer.
fn display_path_into(path: &Path, root: Option<&Path>, out: &mut String) {
    out.clear();
    let rel = root
        .and_then(|r| path.strip_prefix(r).ok())
        .filter(|p| !p.as_os_str().is_empty())
        .unwrap_or(path);
    out.push_str(&rel.to_string_lossy());
    if out.contains('\\') {
        *out = out.replace('\\', "/");
    }
    if out.starts_with("./") {
        out.drain(..2);
    }
    if out.is_empty() {
        if let Some(n) = path.file_name() {
            out.push_str(&n.to_string_lossy());
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_walk_error_names_its_path_once() {
        let io = std::io::Error::from(std::io::ErrorKind::PermissionDenied);
        let e = ignore::Error::WithDepth {
            depth: 1,
            err: Box::new(ignore::Error::WithPath {
                path: "./sub".into(),
                err: Box::new(ignore::Error::Io(io)),
            }),
        };
        let s = walk_error(&e);
        assert_eq!(s.path, "./sub");
        assert!(!s.message.contains("sub"), "{}", s.message);
        assert!(s.message.contains("denied"), "{}", s.message);
    }
}
