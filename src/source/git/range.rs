//! `scan --git-range`: the lines each commit of a range added, merge
//! resolutions included, from one `git log -p --cc` stream. The cost is the
//! diff's: text changes are scanned as the hunks the patch shows (never the
//! whole post-image), and the few binary post-images go through one
//! long-lived `cat-file --batch`.
//!
//! A range whose ends do not resolve, or a shallow clone whose cut runs
//! through the range, is an error, never an empty result.

use super::patch::{FileChange, PatchParser};
use super::plumbing::{git, is_regular, repo_info, run, spawn_error, CatFile};
use super::GitBlob;
use anyhow::{anyhow, bail, Context, Result};
use std::collections::{HashMap, HashSet};
use std::io::{BufRead, BufReader, Read};
use std::path::Path;
use std::process::Stdio;

/// Every commit in `range`, each changed file's post-image with the lines
/// that commit added. Returns the blobs and the number of commits walked.
///
/// `range` is what `git rev-list` takes as one argument: `BASE..HEAD` (the
/// commits a pull request merges: reachable from HEAD, not from BASE),
/// `BASE...HEAD` (git's symmetric difference), `REV^!` (that one commit), or
/// a single `REV` (all history reachable from it, as `git log REV`).
///
/// Merge commits count the lines that are new against *every* parent (git's
/// dense combined diff): what a conflict resolution or an "evil merge" added,
/// not what one side brought from the other. Binary files (as git sees them)
/// come with `added_lines: None`, so the whole post-image is scanned.
///
/// Errors: not a repository; an end of the range that does not resolve to a
/// commit (with a hint when the clone is shallow); a shallow clone whose cut
/// falls inside the range (its earlier commits are missing, so the scan would
/// be incomplete).
pub fn range(repo_dir: &Path, range: &str) -> Result<(Vec<GitBlob>, u64)> {
    let mut blobs = Vec::new();
    let n = range_each(repo_dir, range, |b| {
        blobs.push(b);
        Ok(())
    })?;
    Ok((blobs, n))
}

/// [`range`], handing each blob to `f` as it is read instead of keeping the
/// whole history in memory (for long ranges). Returns the number of commits.
pub fn range_each(
    repo_dir: &Path,
    range: &str,
    mut f: impl FnMut(GitBlob) -> Result<()>,
) -> Result<u64> {
    let range = range.trim();
    if range.is_empty() {
        bail!("empty git range; expected BASE..HEAD");
    }
    if range.starts_with('-') || range.chars().any(|c| c.is_whitespace() || c == '\0') {
        bail!("invalid git range `{range}`; expected BASE..HEAD");
    }
    let info = repo_info(repo_dir)?;

    // Every end must resolve to a commit: a typo or a base commit that the
    // clone does not have must not become an empty (or unbounded) scan.
    let ends: Vec<&str> = {
        let r = range.strip_suffix("^!").unwrap_or(range);
        let (a, b) = if let Some((a, b)) = r.split_once("...") {
            (a, Some(b))
        } else if let Some((a, b)) = r.split_once("..") {
            (a, Some(b))
        } else {
            (r, None)
        };
        let mut v = vec![if a.is_empty() { "HEAD" } else { a }];
        if let Some(b) = b {
            v.push(if b.is_empty() { "HEAD" } else { b });
        }
        v
    };
    for end in &ends {
        let spec = format!("{end}^{{commit}}");
        let ok = git(repo_dir)
            .args([
                "rev-parse",
                "--verify",
                "--quiet",
                "--end-of-options",
                &spec,
            ])
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .status()
            .map_err(|e| spawn_error(e, repo_dir))?
            .success();
        if !ok {
            if info.shallow {
                bail!(
                    "`{end}` in git range `{range}` is not in this shallow clone; fetch the whole history (actions/checkout with `fetch-depth: 0`, or `git fetch --unshallow`)"
                );
            }
            bail!("`{end}` in git range `{range}` does not resolve to a commit in this repository");
        }
    }

    let shallow_cut: HashSet<String> = if info.shallow {
        std::fs::read_to_string(&info.shallow_file)
            .unwrap_or_default()
            .lines()
            .map(|l| l.trim().to_string())
            .filter(|l| !l.is_empty())
            .collect()
    } else {
        HashSet::new()
    };

    let mut child = git(repo_dir)
        .args([
            "log",
            "--no-color",
            "--no-ext-diff",
            "--no-textconv",
            "--no-renames",
            "--ignore-submodules=all",
            "--full-index",
            // Three lines of context: a rule that looks at a line's
            // neighbours sees them, and the diff stays proportional to the
            // change.
            "--unified=3",
            "--topo-order",
            "--reverse",
            "-p",
            "--cc",
            "--format=%x01%H %P",
            "--end-of-options",
            range,
        ])
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .map_err(|e| spawn_error(e, repo_dir))?;
    let stdout = child.stdout.take().context("git log: no stdout")?;
    // Drain stderr on the side so a chatty git cannot block.
    let mut stderr = child.stderr.take().context("git log: no stderr")?;
    let err_reader = std::thread::spawn(move || {
        let mut s = Vec::new();
        let _ = stderr.read_to_end(&mut s);
        s
    });

    // Binary post-images (git shows no lines for them) are read whole, all
    // through this one cat-file.
    let mut cat = CatFile::new(repo_dir);
    let mut parser = PatchParser::default();
    let mut r = BufReader::with_capacity(1 << 16, stdout);
    let mut line = Vec::new();
    let mut pending: Vec<FileChange> = Vec::new();
    let mut commits = 0u64;
    let mut result: Result<()> = Ok(());
    loop {
        line.clear();
        let n = match r.read_until(b'\n', &mut line) {
            Ok(n) => n,
            Err(e) => {
                result = Err(anyhow::Error::new(e).context("reading git log output"));
                break;
            }
        };
        if n == 0 {
            break;
        }
        if line.last() == Some(&b'\n') {
            line.pop();
        }
        if line.first() == Some(&1) {
            commits += 1;
            let hdr = String::from_utf8_lossy(&line[1..]).into_owned();
            let sha = hdr.split(' ').next().unwrap_or("").to_string();
            if shallow_cut.contains(&sha) {
                result = Err(anyhow!(
                    "this is a shallow clone and its history is cut at {sha}, inside git range `{range}`: the commits before it cannot be scanned; fetch the whole history (actions/checkout with `fetch-depth: 0`, or `git fetch --unshallow`)"
                ));
                break;
            }
        }
        parser.line(&line, &mut pending);
        if !pending.is_empty() {
            if let Err(e) = emit(&mut cat, &mut pending, &mut f) {
                result = Err(e);
                break;
            }
        }
    }
    parser.finish(&mut pending);
    if result.is_ok() && !pending.is_empty() {
        result = emit(&mut cat, &mut pending, &mut f);
    }
    if result.is_err() {
        let _ = child.kill();
    }
    let status = child.wait().context("waiting for git log")?;
    let err = err_reader.join().unwrap_or_default();
    result?;
    if !status.success() {
        bail!(
            "`git log {range}` failed: {}",
            String::from_utf8_lossy(&err).trim()
        );
    }
    Ok(commits)
}

/// Hand on finished file changes: a text change as the hunks it shows, a
/// binary one as its whole post-image (read through `cat`).
fn emit(
    cat: &mut CatFile,
    pending: &mut Vec<FileChange>,
    f: &mut impl FnMut(GitBlob) -> Result<()>,
) -> Result<()> {
    for c in pending.drain(..) {
        if c.binary {
            let content = cat.read_blob(&c.blob)?;
            f(GitBlob {
                path: c.path,
                content,
                commit: Some(c.commit),
                added_lines: None,
                segments: Vec::new(),
            })?;
        } else if !c.added.is_empty() {
            f(GitBlob {
                path: c.path,
                content: c.text,
                commit: Some(c.commit),
                added_lines: Some(c.added),
                segments: c.segments,
            })?;
        }
    }
    Ok(())
}

/// The files `paths` as they are at the head of `range`, each with the
/// lines that differ from the range's base (the merge base of `BASE..HEAD`
/// or `BASE...HEAD`, the first parent of `REV^!`; everything for a single
/// `REV`). Paths deleted at the head, and files the range leaves as they
/// were, are left out. For linting Dockerfiles once, at the tip, on what
/// the range added. Returns the head commit and the files.
pub fn range_tip(repo_dir: &Path, range: &str, paths: &[String]) -> Result<(String, Vec<GitBlob>)> {
    let r = range.trim();
    let one = r.strip_suffix("^!");
    let r = one.unwrap_or(r);
    let (a, b) = match r.split_once("...").or_else(|| r.split_once("..")) {
        Some((a, b)) => (a, Some(b)),
        None => (r, None),
    };
    let or_head = |s: &str| {
        if s.is_empty() {
            "HEAD".to_string()
        } else {
            s.to_string()
        }
    };
    let resolve = |rev: &str| -> Option<String> {
        let spec = format!("{rev}^{{commit}}");
        let out = run(
            repo_dir,
            &[
                "rev-parse",
                "--verify",
                "--quiet",
                "--end-of-options",
                &spec,
            ],
        )
        .ok()?;
        Some(String::from_utf8_lossy(&out).trim().to_string()).filter(|s| !s.is_empty())
    };
    let head_rev = or_head(b.unwrap_or(a));
    let head = resolve(&head_rev).with_context(|| {
        format!("`{head_rev}` in git range `{range}` does not resolve to a commit")
    })?;
    let base = match (b, one) {
        (Some(_), _) => {
            let base = resolve(&or_head(a)).unwrap_or_default();
            run(repo_dir, &["merge-base", &base, &head])
                .ok()
                .map(|o| String::from_utf8_lossy(&o).trim().to_string())
        }
        (None, Some(_)) => resolve(&format!("{head}^")),
        (None, None) => None,
    };
    if paths.is_empty() {
        return Ok((head, Vec::new()));
    }
    // What is at the head: regular files only.
    let mut args = vec!["ls-tree", "-z", "--full-tree", head.as_str(), "--"];
    args.extend(paths.iter().map(String::as_str));
    let listing = run(repo_dir, &args)?;
    let mut at_head: Vec<(String, String)> = Vec::new();
    for rec in listing.split(|&c| c == 0).filter(|r| !r.is_empty()) {
        // "<mode> <type> <oid>\t<path>"
        let Some(tab) = rec.iter().position(|&c| c == b'\t') else {
            continue;
        };
        let meta = String::from_utf8_lossy(&rec[..tab]);
        let f: Vec<&str> = meta.split(' ').collect();
        if f.len() == 3 && f[1] == "blob" && is_regular(f[0]) {
            at_head.push((
                String::from_utf8_lossy(&rec[tab + 1..]).into_owned(),
                f[2].to_string(),
            ));
        }
    }
    // What the range added to them, from one diff.
    let mut added: HashMap<String, Vec<std::ops::RangeInclusive<u32>>> = HashMap::new();
    if let Some(base) = &base {
        let mut args = vec![
            "diff",
            "--no-color",
            "--no-ext-diff",
            "--no-textconv",
            "--no-renames",
            "--full-index",
            "--unified=0",
            base.as_str(),
            head.as_str(),
            "--",
        ];
        args.extend(at_head.iter().map(|(p, _)| p.as_str()));
        let diff = run(repo_dir, &args)?;
        let mut parser = PatchParser::default();
        let mut changes = Vec::new();
        for line in diff.split(|&c| c == b'\n') {
            parser.line(line, &mut changes);
        }
        parser.finish(&mut changes);
        for c in changes {
            added.insert(c.path, c.added);
        }
    }
    let mut cat = CatFile::new(repo_dir);
    let mut out = Vec::new();
    for (path, oid) in at_head {
        let lines = match &base {
            None => None,
            Some(_) => match added.remove(&path) {
                Some(v) if !v.is_empty() => Some(v),
                _ => continue,
            },
        };
        out.push(GitBlob {
            content: cat.read_blob(&oid)?,
            path,
            commit: Some(head.clone()),
            added_lines: lines,
            segments: Vec::new(),
        });
    }
    Ok((head, out))
}
