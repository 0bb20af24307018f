//! The filesystem walk: a parallel walk (the `ignore` crate, so .gitignore and
//! .ignore are honoured), per-thread scan buffers, binary skipping, and the
//! Dockerfile linter for files with a Dockerfile name.

use super::decode;
use super::StreamScanner;
use crate::dockerfile;
use crate::report::{Finding, ScanError, Summary};
use crate::secrets::Scanner;
use ignore::{
    overrides::OverrideBuilder, ParallelVisitor, ParallelVisitorBuilder, WalkBuilder, WalkState,
};
use std::fs::File;
use std::io::Read;
use std::path::{Path, PathBuf};
use std::sync::Mutex;

/// Dockerfiles larger than this are secret-scanned but not linted.
const MAX_DOCKERFILE: u64 = 16 << 20;

#[derive(Clone, Debug, Default)]
pub struct WalkOptions {
    /// Scan what .gitignore/.ignore would hide.
    pub no_ignore: bool,
    /// Glob patterns (gitignore syntax) to leave out.
    pub excludes: Vec<String>,
    pub include_binary: bool,
    /// Worker threads; 0 = one per core.
    pub threads: usize,
    /// Lint Dockerfiles met on the way.
    pub lint_dockerfiles: bool,
    /// Only lint Dockerfiles; no secret scan (the `dockerfile` command).
    pub dockerfiles_only: bool,
    pub target_stage: Option<String>,
    /// Bumped once per file, for the progress line.
    pub progress: Option<std::sync::Arc<crate::report::progress::Counters>>,
}

/// Shared, read-only state of one walk.
struct Ctx<'a> {
    scanner: &'a Scanner,
    opts: &'a WalkOptions,
    /// Display paths are made relative to this, when set.
    root: Option<PathBuf>,
    results: Mutex<Vec<(Vec<Finding>, Summary)>>,
}

/// Walk `paths` and scan every file. Display paths are relative to `root`
/// when given (the scan root), otherwise as named.
pub fn scan_paths(
    paths: &[PathBuf],
    root: Option<&Path>,
    scanner: &Scanner,
    opts: &WalkOptions,
) -> anyhow::Result<(Vec<Finding>, Summary)> {
    let mut findings = Vec::new();
    let mut summary = Summary::default();
    let mut roots = Vec::new();
    for p in paths {
        match std::fs::symlink_metadata(p) {
            Ok(_) => roots.push(p.clone()),
            Err(e) => summary.errors.push(ScanError {
                path: p.display().to_string(),
                message: format!("cannot read: {e}"),
            }),
        }
    }
    if roots.is_empty() {
        return Ok((findings, summary));
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
            .map_err(|e| anyhow::anyhow!("--exclude {g}: {e}"))?;
    }
    builder.overrides(ov.build()?);
    let ctx = Ctx {
        scanner,
        opts,
        root: root.map(Path::to_path_buf),
        results: Mutex::new(Vec::new()),
    };
    builder
        .build_parallel()
        .visit(&mut WorkerBuilder { ctx: &ctx });
    for (f, s) in ctx.results.into_inner().unwrap_or_else(|p| p.into_inner()) {
        findings.extend(f);
        summary.merge(s);
    }
    Ok((findings, summary))
}

struct WorkerBuilder<'a> {
    ctx: &'a Ctx<'a>,
}

impl<'s> ParallelVisitorBuilder<'s> for WorkerBuilder<'s> {
    fn build(&mut self) -> Box<dyn ParallelVisitor + 's> {
        Box::new(Worker {
            ctx: self.ctx,
            stream: StreamScanner::default(),
            findings: Vec::new(),
            summary: Summary::default(),
        })
    }
}

/// One thread's state: its buffers and what it found, handed over once at
/// the end (no lock per file).
struct Worker<'a> {
    ctx: &'a Ctx<'a>,
    stream: StreamScanner,
    findings: Vec<Finding>,
    summary: Summary,
}

impl Drop for Worker<'_> {
    fn drop(&mut self) {
        let item = (
            std::mem::take(&mut self.findings),
            std::mem::take(&mut self.summary),
        );
        if let Ok(mut r) = self.ctx.results.lock() {
            r.push(item);
        }
    }
}

impl ParallelVisitor for Worker<'_> {
    fn visit(&mut self, entry: Result<ignore::DirEntry, ignore::Error>) -> WalkState {
        let entry = match entry {
            Ok(e) => e,
            Err(err) => {
                self.summary.errors.push(walk_error(&err));
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
            self.summary.skip("symlink");
            return WalkState::Continue;
        }
        if !ft.is_file() {
            self.summary.skip("not a regular file");
            return WalkState::Continue;
        }
        let display = display_path(entry.path(), self.ctx.root.as_deref());
        self.scan_file(entry.path(), display);
        WalkState::Continue
    }
}

impl Worker<'_> {
    fn scan_file(&mut self, path: &Path, display: String) {
        let opts = self.ctx.opts;
        let is_dockerfile = (opts.lint_dockerfiles || opts.dockerfiles_only)
            && path
                .file_name()
                .and_then(|n| n.to_str())
                .is_some_and(dockerfile::is_dockerfile_name);
        if opts.dockerfiles_only && !is_dockerfile {
            return;
        }
        let file = match File::open(path) {
            Ok(f) => f,
            Err(e) => {
                self.summary.errors.push(ScanError {
                    path: display,
                    message: format!("cannot open: {e}"),
                });
                return;
            }
        };
        // A Dockerfile too large to lint is still secret-scanned whole below.
        let too_big = is_dockerfile
            && !opts.dockerfiles_only
            && file.metadata().is_ok_and(|m| m.len() > MAX_DOCKERFILE);
        if is_dockerfile && !too_big {
            self.scan_dockerfile(file, path, display);
            return;
        }
        match decode::TextReader::new(file) {
            Ok(text) => self.scan_stream(text, display),
            Err(e) => self.summary.errors.push(ScanError {
                path: display,
                message: format!("read failed: {e}"),
            }),
        }
    }

    fn scan_stream<R: Read>(&mut self, reader: R, display: String) {
        let bytes = self.stream.scan(
            self.ctx.scanner,
            reader,
            &display,
            self.ctx.opts.include_binary,
            &mut self.findings,
            &mut self.summary,
        );
        if let (Some(p), Some(b)) = (&self.ctx.opts.progress, bytes) {
            p.add(b);
        }
    }

    fn scan_dockerfile(&mut self, file: File, path: &Path, display: String) {
        let mut content = Vec::new();
        if let Err(e) = file.take(MAX_DOCKERFILE).read_to_end(&mut content) {
            self.summary.errors.push(ScanError {
                path: display,
                message: format!("read failed: {e}"),
            });
            return;
        }
        let before = self.findings.len();
        if !self.ctx.opts.dockerfiles_only {
            self.scan_stream(&content[..], display.clone());
        } else {
            self.summary.files_scanned += 1;
            self.summary.bytes_scanned += content.len() as u64;
        }
        let lint_opts = dockerfile::LintOptions {
            secrets: Some(self.ctx.scanner),
            target: self.ctx.opts.target_stage.clone(),
            context_dir: path.parent().map(Path::to_path_buf),
        };
        let lint = dockerfile::lint(&display, &content, &lint_opts);
        merge_dockerfile_findings(&mut self.findings, before, lint);
    }
}

/// Add linter findings; a secret the linter reports with its own rule (ENV,
/// RUN, ARG) is not reported a second time by the plain secret scan.
pub fn merge_dockerfile_findings(findings: &mut Vec<Finding>, from: usize, lint: Vec<Finding>) {
    let claimed: Vec<&str> = lint.iter().filter_map(|f| f.secret.as_deref()).collect();
    let mut i = from;
    while i < findings.len() {
        let dup = findings[i]
            .secret
            .as_deref()
            .is_some_and(|s| claimed.iter().any(|c| c.contains(s) || s.contains(c)));
        if dup {
            findings.remove(i);
        } else {
            i += 1;
        }
    }
    findings.extend(lint);
}

fn walk_error(err: &ignore::Error) -> ScanError {
    // ignore::Error wraps the path in its Display; keep it as the message and
    // dig the path out for the `path` field.
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
    ScanError {
        path: path_of(err).unwrap_or_else(|| "?".into()),
        message: err.to_string(),
    }
}

/// `path` relative to `root`, `/`-separated, without a leading `./`.
pub fn display_path(path: &Path, root: Option<&Path>) -> String {
    let rel = root
        .and_then(|r| path.strip_prefix(r).ok())
        .filter(|p| !p.as_os_str().is_empty())
        .unwrap_or(path);
    let s = rel.to_string_lossy().replace('\\', "/");
    let s = s.strip_prefix("./").unwrap_or(&s);
    if s.is_empty() {
        path.file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default()
    } else {
        s.to_string()
    }
}
