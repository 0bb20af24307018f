//! `scan --staged` and `scan --git-range`: blobs from `source::git`, scanned
//! with the same engine as files, findings kept only on added lines.

use super::ScanArgs;
use crate::report::{Finding, Summary};
use crate::secrets::Scanner;
use crate::source::git::{self, GitBlob};
use std::path::{Path, PathBuf};

pub fn scan(
    a: &ScanArgs,
    paths: &[PathBuf],
    scanner: &Scanner,
) -> anyhow::Result<(Vec<Finding>, Summary)> {
    let mut findings = Vec::new();
    let mut summary = Summary::default();
    let mut stream = crate::source::StreamScanner::default();
    let lint = !a.no_dockerfile;
    let mut one = |b: GitBlob, findings: &mut Vec<Finding>, summary: &mut Summary| {
        let from = findings.len();
        super::run::scan_blob(
            scanner,
            &mut stream,
            &b.path,
            &b.content,
            lint,
            findings,
            summary,
        );
        // Keep only what this commit (or the index) added.
        let mut i = from;
        while i < findings.len() {
            let f = &mut findings[i];
            if b.touches_added(f.span.line, f.span.end_line.max(f.span.line)) {
                f.commit = b.commit.clone();
                i += 1;
            } else {
                findings.remove(i);
            }
        }
    };
    if let Some(range) = &a.git_range {
        // In range mode a single PATH names the repository.
        let repo = match paths {
            [one] if one.is_dir() => one.as_path(),
            _ => Path::new("."),
        };
        let commits = git::range_each(repo, range, |b| {
            one(b, &mut findings, &mut summary);
            Ok(())
        })?;
        summary.commits_scanned = Some(commits);
    } else {
        // `--staged` with files (pre-commit passes them): only those files;
        // with no files or `.`: everything staged.
        let files: Vec<PathBuf> = paths
            .iter()
            .filter(|p| p.as_os_str() != ".")
            .cloned()
            .collect();
        for b in git::staged(Path::new("."), &files)? {
            one(b, &mut findings, &mut summary);
        }
    }
    Ok((findings, summary))
}
