//! Git-aware sources: the staged index (`scan --staged`) and a commit range
//! (`scan --git-range`).
//!
//! Both drive the `git` command line through [`std::process::Command`] rather
//! than a library such as gitoxide: the index that a commit is about to record
//! is whatever *this* git says it is (a `commit -a` or `commit FILE` writes a
//! temporary index and points `GIT_INDEX_FILE` at it; worktrees, sparse
//! indexes, split indexes, `index.version`, SHA-256 repositories, `safe.directory`
//! and future index extensions all follow the user's git), and the binary
//! stays free of a large dependency. Each call starts at most three git
//! processes (resolve, list, read blobs through one `cat-file --batch`), so a
//! pre-commit run costs a few milliseconds of git.
//!
//! Never a false all-clear: a path the caller names is always scanned (from
//! the index when it is there, else from disk, else it is an error); a range
//! whose ends do not resolve, a shallow clone whose cut runs through the range,
//! and a directory outside any repository are errors, never empty results.

use anyhow::{anyhow, bail, Context, Result};
use std::collections::HashSet;
use std::io::{BufRead, BufReader, Read, Write};
use std::ops::RangeInclusive;
use std::path::{Component, Path, PathBuf};
use std::process::{Command, Stdio};

/// One blob to scan: display path (repo-relative, `/`-separated), its bytes,
/// and for range scans the commit and the 1-based line numbers added in that
/// commit (`None` = every line counts).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct GitBlob {
    pub path: String,
    pub content: Vec<u8>,
    pub commit: Option<String>,
    pub added_lines: Option<Vec<RangeInclusive<u32>>>,
}

impl GitBlob {
    /// Whether 1-based `line` counts as added (always true when every line counts).
    pub fn is_added(&self, line: u32) -> bool {
        match &self.added_lines {
            None => true,
            Some(r) => r.iter().any(|r| r.contains(&line)),
        }
    }

    /// Whether any line of `first..=last` counts as added: a finding spanning
    /// several lines (a PEM key) is kept when one of its lines was added.
    pub fn touches_added(&self, first: u32, last: u32) -> bool {
        match &self.added_lines {
            None => true,
            Some(r) => r
                .iter()
                .any(|r| *r.start() <= last.max(first) && first <= *r.end()),
        }
    }
}

/// A `git` command run in `repo_dir`, with the caller's environment (so a
/// hook's `GIT_INDEX_FILE` is honoured) but no pager, no colour and no
/// replace objects.
fn git(repo_dir: &Path) -> Command {
    let mut c = Command::new("git");
    c.current_dir(repo_dir)
        .env("GIT_PAGER", "cat")
        .env("GIT_NO_REPLACE_OBJECTS", "1")
        .env("GIT_LITERAL_PATHSPECS", "1")
        .env("LC_ALL", "C")
        .args(["-c", "core.quotePath=true", "-c", "color.ui=false"]);
    c
}

/// Run a git command to completion; its stdout on success, else an error
/// naming the command and carrying git's own stderr.
fn run(repo_dir: &Path, args: &[&str]) -> Result<Vec<u8>> {
    let out = git(repo_dir)
        .args(args)
        .stdin(Stdio::null())
        .output()
        .map_err(|e| spawn_error(e, repo_dir))?;
    if !out.status.success() {
        bail!(
            "`git {}` failed in {}: {}",
            args.join(" "),
            repo_dir.display(),
            String::from_utf8_lossy(&out.stderr).trim()
        );
    }
    Ok(out.stdout)
}

fn spawn_error(e: std::io::Error, repo_dir: &Path) -> anyhow::Error {
    if e.kind() == std::io::ErrorKind::NotFound {
        if !repo_dir.is_dir() {
            return anyhow!("{} is not a directory", repo_dir.display());
        }
        anyhow!("the `git` command was not found on PATH; git modes need git installed")
    } else {
        anyhow::Error::new(e).context("could not run `git`")
    }
}

/// What `rev-parse` says about the repository around `repo_dir`.
struct RepoInfo {
    /// Path of `repo_dir` below the top of the work tree (`""` or `sub/dir/`).
    prefix: String,
    toplevel: Option<PathBuf>,
    shallow: bool,
    shallow_file: PathBuf,
}

fn repo_info(repo_dir: &Path) -> Result<RepoInfo> {
    let out = git(repo_dir)
        .args([
            "rev-parse",
            "--is-inside-git-dir",
            "--is-shallow-repository",
            "--git-path",
            "shallow",
            "--show-prefix",
            "--show-toplevel",
        ])
        .stdin(Stdio::null())
        .output()
        .map_err(|e| spawn_error(e, repo_dir))?;
    if !out.status.success() {
        let err = String::from_utf8_lossy(&out.stderr);
        let err = err.trim();
        if err.contains("not a git repository") {
            bail!(
                "{} is not inside a git repository (git modes need one): {err}",
                repo_dir.display()
            );
        }
        bail!(
            "git could not open the repository at {}: {err}",
            repo_dir.display()
        );
    }
    let text = String::from_utf8(out.stdout).context("git printed a non-UTF-8 path")?;
    let mut lines = text.lines();
    let _in_git_dir = lines.next();
    let shallow = lines.next() == Some("true");
    let shallow_path = PathBuf::from(lines.next().unwrap_or(""));
    let shallow_file = if shallow_path.is_absolute() {
        shallow_path
    } else {
        repo_dir.join(shallow_path)
    };
    // A bare repository prints no prefix or toplevel.
    let prefix = lines.next().unwrap_or("").to_string();
    let toplevel = lines.next().filter(|s| !s.is_empty()).map(PathBuf::from);
    Ok(RepoInfo {
        prefix,
        toplevel,
        shallow,
        shallow_file,
    })
}

/// Read many blobs by object id through one `git cat-file --batch`.
fn read_blobs(repo_dir: &Path, ids: &[String]) -> Result<Vec<Vec<u8>>> {
    if ids.is_empty() {
        return Ok(Vec::new());
    }
    let mut child = git(repo_dir)
        .args(["cat-file", "--batch"])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .map_err(|e| spawn_error(e, repo_dir))?;
    let mut stdin = child.stdin.take().context("git cat-file: no stdin")?;
    let input: Vec<u8> = ids
        .iter()
        .flat_map(|id| format!("{id}\n").into_bytes())
        .collect();
    // Write from another thread: git answers while we still write, and a
    // full pipe either way would otherwise deadlock.
    let writer = std::thread::spawn(move || -> std::io::Result<()> {
        stdin.write_all(&input)?;
        drop(stdin);
        Ok(())
    });
    let stdout = child.stdout.take().context("git cat-file: no stdout")?;
    let mut r = BufReader::with_capacity(1 << 16, stdout);
    let mut blobs = Vec::with_capacity(ids.len());
    let mut header = Vec::new();
    for id in ids {
        header.clear();
        r.read_until(b'\n', &mut header)
            .context("reading git cat-file output")?;
        let h = String::from_utf8_lossy(&header);
        let h = h.trim_end();
        // "<oid> <type> <size>" or "<name> missing"
        let mut f = h.split(' ');
        let (_oid, kind, size) = (f.next(), f.next(), f.next());
        let size: usize = match (kind, size) {
            (Some("blob"), Some(n)) => n
                .parse()
                .with_context(|| format!("git cat-file: bad size in `{h}`"))?,
            _ => bail!("git could not read blob {id}: `{h}`"),
        };
        let mut buf = vec![0u8; size];
        r.read_exact(&mut buf)
            .with_context(|| format!("reading blob {id} from git cat-file"))?;
        let mut nl = [0u8; 1];
        r.read_exact(&mut nl)
            .context("reading git cat-file output")?;
        blobs.push(buf);
    }
    drop(r);
    match writer.join() {
        Ok(res) => res.context("writing to git cat-file")?,
        Err(_) => bail!("git cat-file writer thread panicked"),
    }
    let out = child
        .wait_with_output()
        .context("waiting for git cat-file")?;
    if !out.status.success() {
        bail!(
            "git cat-file failed: {}",
            String::from_utf8_lossy(&out.stderr).trim()
        );
    }
    Ok(blobs)
}

/// Regular files only: `100644`/`100755` (symlinks `120000` and submodules
/// `160000` are not content of this repository).
fn is_regular(mode: &str) -> bool {
    mode == "100644" || mode == "100755" || mode == "100664"
}

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
        });
    }
    blobs.sort_by(|a, b| a.path.cmp(&b.path));
    Ok(blobs)
}

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
            "--unified=0",
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
            if let Err(e) = emit(repo_dir, &mut pending, &mut f) {
                result = Err(e);
                break;
            }
        }
    }
    parser.finish(&mut pending);
    if result.is_ok() && !pending.is_empty() {
        result = emit(repo_dir, &mut pending, &mut f);
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

/// Read the post-images of finished file changes and hand them on.
fn emit(
    repo_dir: &Path,
    pending: &mut Vec<FileChange>,
    f: &mut impl FnMut(GitBlob) -> Result<()>,
) -> Result<()> {
    let changes: Vec<FileChange> = pending
        .drain(..)
        .filter(|c| c.binary || !c.added.is_empty())
        .collect();
    let ids: Vec<String> = changes.iter().map(|c| c.blob.clone()).collect();
    let contents = read_blobs(repo_dir, &ids)?;
    for (c, content) in changes.into_iter().zip(contents) {
        f(GitBlob {
            path: c.path,
            content,
            commit: Some(c.commit),
            added_lines: if c.binary { None } else { Some(c.added) },
        })?;
    }
    Ok(())
}

/// One file's change in one commit, as parsed from the patch.
#[derive(Debug, Default)]
struct FileChange {
    commit: String,
    path: String,
    blob: String,
    mode_ok: bool,
    binary: bool,
    added: Vec<RangeInclusive<u32>>,
}

/// A line-at-a-time parser of `git log -p --cc --unified=0 --full-index`.
#[derive(Default)]
struct PatchParser {
    commit: String,
    cur: Option<FileChange>,
    /// Parents of a combined diff hunk (1 for a plain diff).
    parents: usize,
    /// Next line number in the post-image, inside a hunk.
    next_line: u32,
    in_hunk: bool,
}

impl PatchParser {
    fn finish(&mut self, out: &mut Vec<FileChange>) {
        if let Some(c) = self.cur.take() {
            if c.mode_ok && !c.blob.is_empty() && !c.path.is_empty() {
                out.push(c);
            }
        }
        self.in_hunk = false;
    }

    fn line(&mut self, line: &[u8], out: &mut Vec<FileChange>) {
        if line.first() == Some(&1) {
            self.finish(out);
            let hdr = String::from_utf8_lossy(&line[1..]);
            self.commit = hdr.split(' ').next().unwrap_or("").to_string();
            return;
        }
        if self.in_hunk {
            let n = self.parents;
            if line.len() >= n && line[..n].iter().all(|b| matches!(b, b'+' | b'-' | b' ')) {
                let prefix = &line[..n];
                if prefix.contains(&b'-') {
                    return; // only in a parent
                }
                let l = self.next_line;
                self.next_line = self.next_line.saturating_add(1);
                if prefix.iter().all(|&b| b == b'+') {
                    if let Some(c) = self.cur.as_mut() {
                        push_line(&mut c.added, l);
                    }
                }
                return;
            }
            if line.starts_with(b"\\") {
                return; // "\ No newline at end of file"
            }
            self.in_hunk = false;
        }
        if let Some(rest) = line.strip_prefix(b"diff --git ") {
            self.finish(out);
            self.cur = Some(FileChange {
                commit: self.commit.clone(),
                path: diff_git_path(rest).unwrap_or_default(),
                mode_ok: true,
                ..FileChange::default()
            });
            self.parents = 1;
            return;
        }
        if let Some(rest) = line
            .strip_prefix(b"diff --cc ")
            .or_else(|| line.strip_prefix(b"diff --combined "))
        {
            self.finish(out);
            self.cur = Some(FileChange {
                commit: self.commit.clone(),
                path: unquote(rest),
                mode_ok: true,
                ..FileChange::default()
            });
            return;
        }
        let Some(c) = self.cur.as_mut() else {
            return;
        };
        if let Some(rest) = line.strip_prefix(b"index ") {
            // "index <a>..<b>[ mode]" or "index <a>,<b>..<c>[ mode]"
            let s = String::from_utf8_lossy(rest);
            let mut f = s.split(' ');
            if let Some(ids) = f.next() {
                if let Some((_, post)) = ids.rsplit_once("..") {
                    c.blob = post.to_string();
                }
            }
            if let Some(mode) = f.next() {
                c.mode_ok = is_regular(mode);
            }
        } else if let Some(mode) = line
            .strip_prefix(b"new file mode ")
            .or_else(|| line.strip_prefix(b"new mode "))
            .or_else(|| line.strip_prefix(b"mode "))
        {
            let mode = String::from_utf8_lossy(mode);
            let post = mode.rsplit(',').next().unwrap_or("").trim().to_string();
            c.mode_ok = is_regular(&post);
        } else if line.starts_with(b"deleted file mode ") {
            c.mode_ok = false;
        } else if let Some(rest) = line.strip_prefix(b"+++ ") {
            if rest == b"/dev/null" {
                c.mode_ok = false;
            } else {
                let p = unquote(rest);
                let p = p.strip_prefix("b/").unwrap_or(&p).to_string();
                c.path = p;
            }
        } else if line.starts_with(b"Binary files ") {
            c.binary = !line.ends_with(b"/dev/null differ");
        } else if line.starts_with(b"@@") {
            let ats = line.iter().take_while(|&&b| b == b'@').count();
            self.parents = ats.saturating_sub(1).max(1);
            let s = String::from_utf8_lossy(line);
            // "@@ -a,b +c,d @@" / "@@@ -a,b -c,d +e,f @@@"
            let new = s
                .split(' ')
                .skip(1)
                .find(|t| t.starts_with('+'))
                .unwrap_or("+0");
            let start = new
                .trim_start_matches('+')
                .split(',')
                .next()
                .and_then(|n| n.parse::<u32>().ok())
                .unwrap_or(0);
            self.next_line = start.max(1);
            self.in_hunk = true;
        }
    }
}

/// Add line `l` to sorted, merged ranges (lines come in increasing order).
fn push_line(v: &mut Vec<RangeInclusive<u32>>, l: u32) {
    if let Some(last) = v.last_mut() {
        if *last.end() + 1 == l {
            *last = *last.start()..=l;
            return;
        }
    }
    v.push(l..=l);
}

/// The post-image path of `diff --git a/X b/X` (renames are off, so both
/// sides name the same path); quoted forms are unquoted.
fn diff_git_path(rest: &[u8]) -> Option<String> {
    if rest.first() == Some(&b'"') {
        // "a/X" "b/X" or "a/X" b/X
        let end = quoted_end(rest)?;
        let second = rest.get(end + 1..)?;
        let p = unquote(second);
        return Some(p.strip_prefix("b/").unwrap_or(&p).to_string());
    }
    if rest.len() < 5 {
        return None;
    }
    let n = (rest.len() - 5) / 2;
    let b = rest.get(n + 3..)?;
    let p = unquote(b);
    Some(p.strip_prefix("b/").unwrap_or(&p).to_string())
}

/// Index one past the closing quote of a C-quoted string at the start.
fn quoted_end(s: &[u8]) -> Option<usize> {
    let mut i = 1;
    while i < s.len() {
        match s[i] {
            b'\\' => i += 2,
            b'"' => return Some(i + 1),
            _ => i += 1,
        }
    }
    None
}

/// Undo git's C-style quoting of a path (`"a\tb\303\251"`), if quoted.
fn unquote(s: &[u8]) -> String {
    if s.len() < 2 || s[0] != b'"' {
        return String::from_utf8_lossy(s).into_owned();
    }
    let end = quoted_end(s).unwrap_or(s.len());
    let inner = &s[1..end.saturating_sub(1).max(1)];
    let mut out = Vec::with_capacity(inner.len());
    let mut i = 0;
    while i < inner.len() {
        let b = inner[i];
        if b != b'\\' || i + 1 >= inner.len() {
            out.push(b);
            i += 1;
            continue;
        }
        let e = inner[i + 1];
        i += 2;
        match e {
            b'n' => out.push(b'\n'),
            b't' => out.push(b'\t'),
            b'r' => out.push(b'\r'),
            b'a' => out.push(7),
            b'b' => out.push(8),
            b'f' => out.push(12),
            b'v' => out.push(11),
            b'0'..=b'7' => {
                let mut v: u32 = (e - b'0') as u32;
                let mut k = 0;
                while k < 2 && i < inner.len() && (b'0'..=b'7').contains(&inner[i]) {
                    v = v * 8 + (inner[i] - b'0') as u32;
                    i += 1;
                    k += 1;
                }
                out.push((v & 0xff) as u8);
            }
            other => out.push(other),
        }
    }
    String::from_utf8_lossy(&out).into_owned()
}

#[cfg(test)]
mod unit {
    use super::*;

    #[test]
    fn unquotes_git_paths() {
        assert_eq!(unquote(b"plain/path"), "plain/path");
        assert_eq!(unquote(b"\"b/a\\tb\""), "b/a\tb");
        assert_eq!(unquote(b"\"b/caf\\303\\251\""), "b/café");
        assert_eq!(diff_git_path(b"a/x y b/x y").as_deref(), Some("x y"));
        assert_eq!(
            diff_git_path(b"\"a/a\\nb\" \"b/a\\nb\"").as_deref(),
            Some("a\nb")
        );
    }

    #[test]
    fn merges_line_ranges() {
        let mut v = Vec::new();
        for l in [1, 2, 3, 7, 9, 10] {
            push_line(&mut v, l);
        }
        assert_eq!(v, vec![1..=3, 7..=7, 9..=10]);
    }
}
