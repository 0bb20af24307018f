//! `scan --staged` and `scan --git-range`: blobs from `source::git`, each
//! handed to the scan pipeline as a git item (which keeps only findings on
//! the lines it added).

use super::ScanArgs;
use crate::scan::{Item, Origin, Pipeline, Sink, Worker};
use crate::source::git::{self, GitBlob};
use std::path::{Path, PathBuf};

pub fn scan(a: &ScanArgs, paths: &[PathBuf], pipeline: &Pipeline<'_>) -> anyhow::Result<Sink> {
    let mut sink = Sink::default();
    let mut worker = Worker::default();
    let mut one = |b: GitBlob, sink: &mut Sink| {
        let item = Item {
            display: &b.path,
            origin: Origin::GitBlob {
                commit: b.commit.as_deref(),
                added_lines: b.added_lines.as_deref(),
            },
            reader: &b.content[..],
        };
        // A blob is in memory: reading it cannot fail.
        if let Err(e) = pipeline.scan(&mut worker, item, sink) {
            sink.error(b.path.clone(), format!("read failed: {e}"));
        }
    };
    if let Some(range) = &a.git_range {
        // In range mode a single PATH names the repository.
        let repo = match paths {
            [one] if one.is_dir() => one.as_path(),
            _ => Path::new("."),
        };
        let commits = git::range_each(repo, range, |b| {
            one(b, &mut sink);
            Ok(())
        })?;
        sink.summary.commits_scanned = Some(commits);
    } else {
        // `--staged` with files (pre-commit passes them): only those files;
        // with no files or `.`: everything staged.
        let files: Vec<PathBuf> = paths
            .iter()
            .filter(|p| p.as_os_str() != ".")
            .cloned()
            .collect();
        for b in git::staged(Path::new("."), &files)? {
            one(b, &mut sink);
        }
    }
    Ok(sink)
}
