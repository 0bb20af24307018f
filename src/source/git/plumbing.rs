//! Git plumbing shared by every git mode: how `git` is started (no pager, no
//! colour, no replace objects, literal pathspecs), running one command to
//! completion, what `rev-parse` says about the repository, and one
//! long-lived `git cat-file --batch` that reads any number of objects.
//!
//! The git command line is used rather than a library such as gitoxide: the
//! repository is whatever *this* git says it is (worktrees, `GIT_INDEX_FILE`
//! from a hook, sparse/split indexes, SHA-256 repositories, `safe.directory`,
//! partial clones and future extensions all follow the user's git), and one
//! `cat-file --batch` streams objects from packs about as fast as git itself
//! can inflate them, without a large dependency in the binary.

use anyhow::{anyhow, bail, Context, Result};
use std::io::{BufRead, BufReader, Read, Write};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

/// A `git` command run in `repo_dir`, with the caller's environment (so a
/// hook's `GIT_INDEX_FILE` is honoured) but no pager, no colour and no
/// replace objects.
pub(crate) fn git(repo_dir: &Path) -> Command {
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
pub(crate) fn run(repo_dir: &Path, args: &[&str]) -> Result<Vec<u8>> {
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

pub(crate) fn spawn_error(e: std::io::Error, repo_dir: &Path) -> anyhow::Error {
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
pub(crate) struct RepoInfo {
    /// Path of `repo_dir` below the top of the work tree (`""` or `sub/dir/`).
    pub prefix: String,
    pub toplevel: Option<PathBuf>,
    pub shallow: bool,
    pub shallow_file: PathBuf,
}

pub(crate) fn repo_info(repo_dir: &Path) -> Result<RepoInfo> {
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
pub(crate) fn read_blobs(repo_dir: &Path, ids: &[String]) -> Result<Vec<Vec<u8>>> {
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
pub(crate) fn is_regular(mode: &str) -> bool {
    mode == "100644" || mode == "100755" || mode == "100664"
}

/// One object as `git cat-file --batch` hands it over.
pub(crate) enum Object<'a> {
    /// A blob: a reader of exactly its bytes (the rest is drained after
    /// the callback, so it may stop early, e.g. at a binary).
    Blob(&'a mut dyn Read),
    /// Not a blob (`kind` as git names it).
    Other(String),
    /// git could not read it: `missing` (a partial clone, a pruned object)
    /// or the stderr of a cat-file that died on a corrupt object.
    Unreadable(String),
}

/// Stream `ids` through one long-lived `git cat-file --batch`, in order,
/// calling `f(index, object)` for each. A missing object is reported and
/// skipped; a corrupt one kills cat-file, which is reported against that
/// object and restarted after it, so the rest is still read. Only a
/// failure to start git, or an error from `f`, stops the stream.
///
/// The ids are written from another thread: git answers while we still
/// write, and a full pipe either way would otherwise deadlock.
pub(crate) fn stream_objects(
    repo_dir: &Path,
    ids: std::sync::Arc<Vec<String>>,
    mut f: impl FnMut(usize, Object<'_>) -> Result<()>,
) -> Result<()> {
    let mut next = 0usize;
    while next < ids.len() {
        // git's default delta-base cache (96 MiB) is kept: a smaller one
        // saves memory on shallow delta chains but made an aggressively
        // packed history 4x slower to read (docs/design.md).
        let mut child = git(repo_dir)
            .args(["cat-file", "--batch"])
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .map_err(|e| spawn_error(e, repo_dir))?;
        let mut stdin = child.stdin.take().context("git cat-file: no stdin")?;
        let mut stderr = child.stderr.take().context("git cat-file: no stderr")?;
        let err_reader = std::thread::spawn(move || {
            let mut s = Vec::new();
            let _ = stderr.read_to_end(&mut s);
            s
        });
        let todo = ids.clone();
        let from = next;
        let writer = std::thread::spawn(move || {
            let mut w = std::io::BufWriter::with_capacity(1 << 16, &mut stdin);
            for id in &todo[from..] {
                // A dead cat-file closes the pipe: stop writing quietly,
                // the reader reports it.
                if w.write_all(id.as_bytes()).is_err() || w.write_all(b"\n").is_err() {
                    return;
                }
            }
            let _ = w.flush();
        });
        let stdout = child.stdout.take().context("git cat-file: no stdout")?;
        let mut r = BufReader::with_capacity(1 << 16, stdout);
        let mut header = Vec::new();
        let mut died = false;
        // Died inside an object's body: that object was already handed on.
        let mut quiet = false;
        let mut result = Ok(());
        while next < ids.len() {
            header.clear();
            match r.read_until(b'\n', &mut header) {
                Ok(0) | Err(_) => {
                    died = true;
                    break;
                }
                Ok(_) => {}
            }
            let h = String::from_utf8_lossy(&header);
            let h = h.trim_end();
            // "<oid> <type> <size>" or "<name> missing"
            let mut fields = h.split(' ');
            let (_oid, kind, size) = (fields.next(), fields.next(), fields.next());
            let i = next;
            next += 1;
            let outcome = match (kind, size.map(str::parse::<u64>)) {
                (Some(kind), Some(Ok(size))) => {
                    let mut body = (&mut r).take(size);
                    let res = if kind == "blob" {
                        f(i, Object::Blob(&mut body))
                    } else {
                        f(i, Object::Other(kind.to_string()))
                    };
                    // Drain what the callback left, then the trailing LF.
                    let drained = std::io::copy(&mut body, &mut std::io::sink());
                    let mut nl = [0u8; 1];
                    if drained.is_err() || r.read_exact(&mut nl).is_err() {
                        died = true;
                        quiet = true;
                    }
                    res
                }
                _ => f(i, Object::Unreadable(format!("git says `{h}`"))),
            };
            if let Err(e) = outcome {
                result = Err(e);
                break;
            }
            if died {
                break;
            }
        }
        drop(r);
        if result.is_err() {
            let _ = child.kill();
        }
        let _ = writer.join();
        let _ = child.wait();
        let err = err_reader.join().unwrap_or_default();
        result?;
        if died && !quiet && next < ids.len() {
            // cat-file stopped while (or before) answering `ids[next]`.
            let msg = String::from_utf8_lossy(&err).trim().to_string();
            let i = next;
            next += 1;
            f(
                i,
                Object::Unreadable(if msg.is_empty() {
                    "git cat-file stopped while reading it".to_string()
                } else {
                    msg
                }),
            )?;
        }
    }
    Ok(())
}

/// One `git cat-file --batch` kept open for reads one at a time (started on
/// first use), for callers that learn which objects they need as they go.
pub(crate) struct CatFile {
    repo_dir: PathBuf,
    proc: Option<CatProc>,
}

struct CatProc {
    child: std::process::Child,
    stdin: std::process::ChildStdin,
    out: BufReader<std::process::ChildStdout>,
}

impl CatFile {
    pub(crate) fn new(repo_dir: &Path) -> CatFile {
        CatFile {
            repo_dir: repo_dir.to_path_buf(),
            proc: None,
        }
    }

    /// The bytes of blob `id`.
    pub(crate) fn read_blob(&mut self, id: &str) -> Result<Vec<u8>> {
        if self.proc.is_none() {
            let mut child = git(&self.repo_dir)
                .args(["cat-file", "--batch"])
                .stdin(Stdio::piped())
                .stdout(Stdio::piped())
                .stderr(Stdio::inherit())
                .spawn()
                .map_err(|e| spawn_error(e, &self.repo_dir))?;
            let stdin = child.stdin.take().context("git cat-file: no stdin")?;
            let out = child.stdout.take().context("git cat-file: no stdout")?;
            self.proc = Some(CatProc {
                child,
                stdin,
                out: BufReader::with_capacity(1 << 16, out),
            });
        }
        let res = self.proc.as_mut().map(|p| p.read(id));
        match res {
            Some(Ok(v)) => Ok(v),
            Some(Err(e)) => {
                // A broken stream cannot be resynchronised: start afresh.
                if let Some(mut p) = self.proc.take() {
                    let _ = p.child.kill();
                    let _ = p.child.wait();
                }
                Err(e)
            }
            None => bail!("git cat-file is not running"),
        }
    }
}

impl CatProc {
    fn read(&mut self, id: &str) -> Result<Vec<u8>> {
        writeln!(self.stdin, "{id}").context("writing to git cat-file")?;
        self.stdin.flush().context("writing to git cat-file")?;
        let mut header = Vec::new();
        self.out
            .read_until(b'\n', &mut header)
            .context("reading git cat-file output")?;
        let h = String::from_utf8_lossy(&header);
        let h = h.trim_end();
        let mut f = h.split(' ');
        let (_oid, kind, size) = (f.next(), f.next(), f.next());
        let size: usize = match (kind, size) {
            (Some("blob"), Some(n)) => n
                .parse()
                .with_context(|| format!("git cat-file: bad size in `{h}`"))?,
            _ => bail!("git could not read blob {id}: `{h}`"),
        };
        let mut buf = vec![0u8; size];
        self.out
            .read_exact(&mut buf)
            .with_context(|| format!("reading blob {id} from git cat-file"))?;
        let mut nl = [0u8; 1];
        self.out
            .read_exact(&mut nl)
            .context("reading git cat-file output")?;
        Ok(buf)
    }
}

impl Drop for CatFile {
    fn drop(&mut self) {
        if let Some(p) = self.proc.take() {
            let CatProc {
                mut child, stdin, ..
            } = p;
            drop(stdin);
            let _ = child.wait();
        }
    }
}

/// Where a git scan's findings come from, for SARIF
/// `versionControlProvenance`: the `origin` remote (else the repository's
/// `file://` URL), `revision` (default HEAD) and the current branch.
pub fn vcs(repo_dir: &Path, revision: Option<&str>) -> crate::report::Vcs {
    let text = |args: &[&str]| {
        run(repo_dir, args)
            .ok()
            .map(|o| String::from_utf8_lossy(&o).trim().to_string())
            .filter(|s| !s.is_empty())
    };
    let repository_uri = text(&["remote", "get-url", "origin"])
        .or_else(|| text(&["rev-parse", "--absolute-git-dir"]).map(|d| format!("file://{d}")))
        .unwrap_or_else(|| format!("file://{}", repo_dir.display()));
    let revision = match revision {
        Some(r) => Some(r.to_string()),
        None => text(&["rev-parse", "--verify", "--quiet", "HEAD"]),
    };
    crate::report::Vcs {
        repository_uri,
        revision,
        branch: text(&["symbolic-ref", "--quiet", "--short", "HEAD"]),
    }
}
