//! `scan --staged`, `scan --git-range` and `scan --history`: blobs from
//! `source::git`, each handed to the scan pipeline as a git item (which
//! keeps only findings on the lines it added). Dockerfiles are linted once:
//! as staged, or for a range as they are at its head, on the lines the range
//! added; a history audit does not lint past versions nobody can act on.

use super::ScanArgs;
use crate::report::{Category, Finding, Summary};
use crate::scan::{Item, Origin, Pipeline, Sink, Worker};
use crate::source::decode::TextReader;
use crate::source::git::{self, GitBlob};
use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

/// Scan one blob through `pipeline`; findings get the file's line numbers
/// (a range blob holds only its diff's hunks) and go to `out`.
fn scan_blob(
    pipeline: &Pipeline<'_>,
    worker: &mut Worker,
    b: &GitBlob,
    out: &mut Vec<Finding>,
    summary: &mut Summary,
) {
    let mut sink = Sink::default();
    // Lines of `content` that were added, in `content`'s own numbering.
    let added = b.added_lines.as_ref().map(|_| b.added_text_lines());
    // UTF-16 blobs (binary to git, so whole) are transcoded as in a tree scan.
    let result = TextReader::new(&b.content[..]).and_then(|reader| {
        let item = Item {
            display: &b.path,
            origin: Origin::GitBlob {
                commit: b.commit.as_deref(),
                added_lines: added.as_deref(),
            },
            reader,
        };
        pipeline.scan(worker, item, &mut sink)
    });
    if let Err(e) = result {
        sink.error(b.path.clone(), format!("read failed: {e}"));
    }
    let (found, s) = sink.into_parts();
    summary.merge(s);
    for mut f in found {
        f.span.line = b.file_line(f.span.line);
        f.span.end_line = b.file_line(f.span.end_line.max(1));
        out.push(f);
    }
}

pub fn scan(a: &ScanArgs, paths: &[PathBuf], pipeline: &Pipeline<'_>) -> anyhow::Result<Sink> {
    let mut findings = Vec::new();
    let mut summary = Summary::default();
    let mut worker = Worker::default();
    if a.history {
        let repo = match paths {
            [one] => one.as_path(),
            _ => anyhow::bail!("--history audits one repository; name one PATH"),
        };
        let opts = git::HistoryOptions {
            all_objects: a.all_objects,
            shard: a.shard,
            threads: a.threads,
        };
        let (f, s) = git::history_audit(repo, pipeline, &opts)?;
        findings = f;
        summary = s;
    } else if let Some(range) = &a.git_range {
        // In range mode a single PATH names the repository.
        let repo = match paths {
            [one] if one.is_dir() => one.as_path(),
            _ => Path::new("."),
        };
        // Commits are scanned without the linter: Dockerfiles are linted
        // once, at the head, below.
        let lint = pipeline.options().lint_dockerfiles;
        let no_lint = crate::scan::Options {
            lint_dockerfiles: false,
            ..pipeline.options().clone()
        };
        let commits_pipeline = Pipeline::new(pipeline.scanner(), no_lint);
        let mut dockerfiles = BTreeSet::new();
        let commits = git::range_each(repo, range, |b| {
            let name = b.path.rsplit('/').next().unwrap_or(&b.path);
            if lint && crate::dockerfile::is_dockerfile_name(name) {
                dockerfiles.insert(b.path.clone());
            }
            scan_blob(
                &commits_pipeline,
                &mut worker,
                &b,
                &mut findings,
                &mut summary,
            );
            Ok(())
        })?;
        summary.commits_scanned = Some(commits);
        let wanted: Vec<String> = dockerfiles.into_iter().collect();
        let (head, tips) = git::range_tip(repo, range, &wanted)?;
        for b in tips {
            let mut lint = Vec::new();
            let mut s = Summary::default();
            scan_blob(pipeline, &mut worker, &b, &mut lint, &mut s);
            // The secrets were reported with the commits that added them.
            lint.retain(|f| f.category == Category::Dockerfile);
            let claimed: Vec<String> = lint.iter().filter_map(|f| f.secret.clone()).collect();
            findings.retain(|f| {
                f.path != b.path
                    || !f
                        .secret
                        .as_deref()
                        .is_some_and(|s| claimed.iter().any(|c| c.contains(s) || s.contains(c)))
            });
            findings.extend(lint);
        }
        summary.mode = Some("range".into());
        summary.vcs = Some(git::vcs(repo, Some(head.as_str())));
    } else {
        // `--staged` with files (pre-commit passes them): only those files;
        // with no files or `.`: everything staged.
        let files: Vec<PathBuf> = paths
            .iter()
            .filter(|p| p.as_os_str() != ".")
            .cloned()
            .collect();
        for b in git::staged(Path::new("."), &files)? {
            scan_blob(pipeline, &mut worker, &b, &mut findings, &mut summary);
        }
    }
    let mut sink = Sink::default();
    sink.extend(findings);
    sink.summary = summary;
    Ok(sink)
}
