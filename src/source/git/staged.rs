//! `scan --staged`: what the index is about to commit, read from the index
//! (never the work tree), or exactly the paths a caller (pre-commit) names.
//!
//! Never a false all-clear: a path the caller names is always scanned (from
//! the index when it is there, else from disk, else it is an error).

use super::plumbing::{is_regular, read_blobs, repo_info, run, RepoInfo};
use super::GitBlob;
use anyhow::{anyhow, bail, Context, Result};
use std::collections::HashSet;
use std::path::{Component, Path, PathBuf};

/// `a/./b/../c` → `a/c`, lexically, `/`-separated; `None` when it climbs out.
fn normalize(rel: &Path) -> Option<String> {
    let mut parts: Vec<String> = Vec::new();
    for c in rel.components() {
        match c {
            Component::CurDir => {}
            Component::ParentDir => {
                parts.pop()?;
            }
            Component::Normal(s) => parts.push(s.to_string_lossy().into_owned()),
            Component::RootDir | Component::Prefix(_) => return None,
        }
    }
    Some(parts.join("/"))
}

/// The repository-relative path of a path the user named (relative to
/// `repo_dir`, or absolute inside the work tree).
fn repo_relative(info: &RepoInfo, p: &Path) -> Result<String> {
    if p.is_absolute() {
        let top = info
            .toplevel
            .as_ref()
            .context("the repository has no work tree")?;
        let canon_top = top.canonicalize().unwrap_or_else(|_| top.clone());
        // Canonicalize the parent so a symlinked temp dir still matches, but
        // keep the file name: the file itself may exist only in the index.
        let canon_p = match (p.parent(), p.file_name()) {
            (Some(parent), Some(name)) => parent
                .canonicalize()
                .map(|d| d.join(name))
                .unwrap_or_else(|_| p.to_path_buf()),
            _ => p.to_path_buf(),
        };
        let rel = canon_p
            .strip_prefix(&canon_top)
            .or_else(|_| p.strip_prefix(top))
            .map_err(|_| {
                anyhow!(
                    "{} is outside the repository at {}",
                    p.display(),
                    top.display()
                )
            })?;
        return normalize(rel).with_context(|| format!("bad path {}", p.display()));
    }
    let joined = Path::new(&info.prefix).join(p);
    normalize(&joined)
        .filter(|s| !s.is_empty())
        .with_context(|| format!("{} is outside the repository", p.display()))
}

/// Parse `git ls-files -s -z` / `git diff --raw -z` style records into
/// (mode, oid, path).
fn parse_ls_files_stage(out: &[u8]) -> Result<Vec<(String, String, u8, String)>> {
    let mut v = Vec::new();
    for rec in out.split(|&b| b == 0).filter(|r| !r.is_empty()) {
        // "<mode> <oid> <stage>\t<path>"
        let tab = rec
            .iter()
            .position(|&b| b == b'\t')
            .context("unexpected `git ls-files -s` output")?;
        let meta = std::str::from_utf8(&rec[..tab]).context("git ls-files: bad record")?;
        let path = String::from_utf8_lossy(&rec[tab + 1..]).into_owned();
        let mut f = meta.split(' ');
        let (mode, oid, stage) = match (f.next(), f.next(), f.next()) {
            (Some(m), Some(o), Some(s)) => (m, o, s),
            _ => bail!("unexpected `git ls-files -s` record `{meta}`"),
        };
        v.push((
            mode.to_string(),
            oid.to_string(),
            stage.parse().unwrap_or(0),
            path,
        ));
    }
    Ok(v)
}

/// Added, copied, modified, renamed and type-changed files staged in the
/// index, with their content read from the index (never the work tree).
///
/// With `paths` empty (a plain `.git/hooks/pre-commit`), that is what
/// `git diff --cached` reports against `HEAD` (against the empty tree before
/// the first commit). With `paths` (pre-commit passes its file list, even for
/// `--all-files`), exactly those files are scanned: each from the index when
/// it is there (pre-commit stashes unstaged changes, so index and disk agree),
/// else from disk; a named path that is neither is an error. A directory
/// among `paths` stands for the indexed files below it. Symlinks and
/// submodules are not read.
pub fn staged(repo_dir: &Path, paths: &[PathBuf]) -> Result<Vec<GitBlob>> {
    let info = repo_info(repo_dir)?;
    if info.toplevel.is_none() {
        bail!(
            "{} is a bare repository: --staged needs a work tree and its index",
            repo_dir.display()
        );
    }
    // (path, oid)
    let mut wanted: Vec<(String, String)> = Vec::new();
    let mut from_disk: Vec<(String, PathBuf)> = Vec::new();

    if paths.is_empty() {
        let out = run(
            repo_dir,
            &[
                "diff",
                "--cached",
                "--raw",
                "-z",
                "--no-renames",
                "--no-abbrev",
                "--no-ext-diff",
                "--ignore-submodules=all",
                "--diff-filter=ACMRT",
            ],
        )?;
        // ":<srcmode> <dstmode> <srcoid> <dstoid> <status>\0<path>\0"
        let mut it = out.split(|&b| b == 0);
        while let Some(meta) = it.next() {
            if meta.is_empty() {
                continue;
            }
            let path = it
                .next()
                .context("unexpected end of `git diff --cached --raw` output")?;
            let meta = std::str::from_utf8(meta).context("git diff: bad record")?;
            let f: Vec<&str> = meta.trim_start_matches(':').split(' ').collect();
            if f.len() < 5 {
                bail!("unexpected `git diff --cached --raw` record `{meta}`");
            }
            if is_regular(f[1]) {
                wanted.push((String::from_utf8_lossy(path).into_owned(), f[3].to_string()));
            }
        }
    } else {
        let rels: Vec<String> = paths
            .iter()
            .map(|p| repo_relative(&info, p))
            .collect::<Result<_>>()?;
        // Ask the index about exactly these paths (literal pathspecs, as
        // named, from `repo_dir`: a hook's relative GIT_INDEX_FILE stays valid).
        let top = info
            .toplevel
            .clone()
            .unwrap_or_else(|| repo_dir.to_path_buf());
        let named: Vec<String> = paths
            .iter()
            .map(|p| p.to_string_lossy().into_owned())
            .collect();
        let mut args: Vec<&str> = vec!["ls-files", "-s", "-z", "--full-name", "--"];
        args.extend(named.iter().map(|s| s.as_str()));
        let entries = parse_ls_files_stage(&run(repo_dir, &args)?)?;
        let mut seen = HashSet::new();
        for rel in &rels {
            let under = format!("{rel}/");
            let mut found = false;
            for (mode, oid, stage, path) in &entries {
                if path == rel || path.starts_with(&under) {
                    found = true;
                    // Unmerged entries (stages 1-3) cannot be committed; scan
                    // "ours" (2) so a conflict still gets a look.
                    if (*stage == 0 || *stage == 2) && is_regular(mode) && seen.insert(path.clone())
                    {
                        wanted.push((path.clone(), oid.clone()));
                    }
                }
            }
            if !found {
                let disk = top.join(rel);
                let meta = std::fs::symlink_metadata(&disk);
                match meta {
                    Ok(m) if m.is_file() => {
                        if seen.insert(rel.clone()) {
                            from_disk.push((rel.clone(), disk));
                        }
                    }
                    Ok(m) if m.file_type().is_symlink() => {}
                    Ok(m) if m.is_dir() => {} // an empty or untracked directory
                    _ => bail!(
                        "{rel} is neither in the index nor a file on disk; nothing to scan for a path that was named"
                    ),
                }
            }
        }
    }

    let ids: Vec<String> = wanted.iter().map(|(_, id)| id.clone()).collect();
    let contents = read_blobs(repo_dir, &ids)?;
    let mut blobs: Vec<GitBlob> = wanted
        .into_iter()
        .zip(contents)
        .map(|((path, _), content)| GitBlob {
            path,
            content,
            commit: None,
            added_lines: None,
            segments: Vec::new(),
        })
        .collect();
    for (rel, disk) in from_disk {
        let content =
            std::fs::read(&disk).with_context(|| format!("reading {}", disk.display()))?;
        blobs.push(GitBlob {
            path: rel,
            content,
            commit: None,
            added_lines: None,
            segments: Vec::new(),
        });
    }
    blobs.sort_by(|a, b| a.path.cmp(&b.path));
    Ok(blobs)
}
