//! The history walk of `scan --history`: which commits and blobs a
//! repository holds, and where each blob was first met.
//!
//! One `git log --raw -c --topo-order --reverse` over every ref (branches,
//! tags, remotes, notes, every stash entry, HEAD) lists, for each commit,
//! the blobs it added or changed (for a merge: what differs from *every*
//! parent, i.e. its conflict resolution). Parents come before children, so
//! the first sighting of a blob is the commit that introduced it. Trees are
//! diffed by git itself; no blob is read here: [`super::blobs`] reads each
//! unique blob once through one `cat-file --batch`.
//!
//! Refs are resolved first, in one `cat-file --batch-check`, so a ref that
//! points at a missing object is reported by name and the walk goes on
//! from the others (`git log --all` would stop at the first bad one).

use super::plumbing::{git, is_regular, run, spawn_error};
use anyhow::{bail, Context, Result};
use std::collections::HashMap;
use std::io::{BufRead, BufReader, Read, Write};
use std::path::Path;
use std::process::Stdio;

/// One commit of the walk, in walk order (parents first).
#[derive(Clone, Debug)]
pub struct CommitMeta {
    pub id: String,
    /// `Name <email>`.
    pub author: String,
    /// Author date, ISO 8601.
    pub date: String,
}

/// A blob met at `path` in `commit` (indexes into [`HistoryIndex`]).
#[derive(Clone, Copy, Debug)]
pub struct Sighting {
    pub blob: u32,
    pub commit: u32,
    pub path: u32,
}

/// What the walk found: commits, interned paths, blobs and their sightings.
#[derive(Debug, Default)]
pub struct HistoryIndex {
    pub commits: Vec<CommitMeta>,
    pub paths: Vec<String>,
    /// Object ids; blobs met in commits first (in walk order), then blobs no
    /// commit reaches (`--all-objects`, or a ref that names a blob).
    pub blobs: Vec<String>,
    /// Sorted by blob, then by commit (walk order).
    pub sightings: Vec<Sighting>,
    /// Where an unattributed blob was named, when a ref names it.
    pub blob_names: HashMap<u32, String>,
    /// Problems that did not stop the walk: (what, message).
    pub errors: Vec<(String, String)>,
}

impl HistoryIndex {
    /// The path blob `b`'s findings are shown at: where it was first met,
    /// else the ref that names it, else its id.
    pub fn display_of(&self, b: u32) -> String {
        match self.sightings_of(b).first() {
            Some(s) => self.paths[s.path as usize].clone(),
            None => self
                .blob_names
                .get(&b)
                .cloned()
                .unwrap_or_else(|| self.blobs[b as usize].clone()),
        }
    }

    /// The sightings of blob `b` (walk order).
    pub fn sightings_of(&self, b: u32) -> &[Sighting] {
        let lo = self.sightings.partition_point(|s| s.blob < b);
        let hi = self.sightings.partition_point(|s| s.blob <= b);
        &self.sightings[lo..hi]
    }
}

#[derive(Default)]
struct Builder {
    idx: HistoryIndex,
    blob_ids: HashMap<String, u32>,
    path_ids: HashMap<Vec<u8>, u32>,
}

impl Builder {
    fn blob(&mut self, oid: &str) -> u32 {
        if let Some(&b) = self.blob_ids.get(oid) {
            return b;
        }
        let b = self.idx.blobs.len() as u32;
        self.idx.blobs.push(oid.to_string());
        self.blob_ids.insert(oid.to_string(), b);
        b
    }

    fn path(&mut self, p: &[u8]) -> u32 {
        if let Some(&i) = self.path_ids.get(p) {
            return i;
        }
        let i = self.idx.paths.len() as u32;
        self.idx.paths.push(String::from_utf8_lossy(p).into_owned());
        self.path_ids.insert(p.to_vec(), i);
        i
    }
}

/// Walk the history of the repository at `repo_dir`: every ref, and with
/// `all_objects` every commit and blob in the object store, reachable or
/// not. A shallow clone is an error (its history is cut).
pub fn walk(repo_dir: &Path, all_objects: bool) -> Result<HistoryIndex> {
    // Not `repo_info`: a mirror (bare) clone has no work tree to show.
    let shallow = run(repo_dir, &["rev-parse", "--is-shallow-repository"])?;
    if String::from_utf8_lossy(&shallow).trim() == "true" {
        bail!(
            "{} is a shallow clone: its history is cut, so a history audit would be incomplete; fetch the whole history (actions/checkout with `fetch-depth: 0`, or `git fetch --unshallow`)",
            repo_dir.display()
        );
    }
    let mut b = Builder::default();
    let mut starts: Vec<String> = Vec::new();

    // Every ref, HEAD and every stash entry, peeled, checked in one go.
    let refs = run(repo_dir, &["for-each-ref", "--format=%(refname)"])?;
    let mut names: Vec<String> = String::from_utf8_lossy(&refs)
        .lines()
        .filter(|l| !l.is_empty())
        .map(str::to_string)
        .collect();
    names.push("HEAD".to_string());
    if names.iter().any(|n| n == "refs/stash") {
        let out = run(repo_dir, &["reflog", "show", "--format=%H", "refs/stash"])?;
        names.extend(
            String::from_utf8_lossy(&out)
                .lines()
                .skip(1)
                .filter(|l| !l.is_empty())
                .map(str::to_string),
        );
    }
    let peeled = batch_check(repo_dir, names.iter().map(|n| format!("{n}^{{}}")))?;
    for (name, line) in names.iter().zip(peeled) {
        let mut f = line.split(' ');
        match (f.next(), f.next()) {
            (Some(oid), Some("commit")) => starts.push(oid.to_string()),
            (Some(oid), Some("blob")) => {
                let blob = b.blob(oid);
                b.idx.blob_names.entry(blob).or_insert_with(|| name.clone());
            }
            (Some(_), Some("tree")) => {}
            // An unborn HEAD (no commit yet) is not an error.
            _ if name == "HEAD" => {}
            _ => b.idx.errors.push((
                name.clone(),
                format!("ref does not resolve to an object in this repository (`{line}`)"),
            )),
        }
    }
    let mut loose_blobs = Vec::new();
    if all_objects {
        let out = run(
            repo_dir,
            &[
                "cat-file",
                "--batch-all-objects",
                "--unordered",
                "--batch-check=%(objectname) %(objecttype)",
            ],
        )?;
        for line in String::from_utf8_lossy(&out).lines() {
            match line.split_once(' ') {
                Some((oid, "commit")) => starts.push(oid.to_string()),
                Some((oid, "blob")) => loose_blobs.push(oid.to_string()),
                _ => {}
            }
        }
    }
    starts.sort();
    starts.dedup();
    if !starts.is_empty() {
        if let Err(e) = log_raw(repo_dir, &starts, &mut b) {
            // What was walked is still audited; the error is reported.
            b.idx.errors.push(("history".to_string(), format!("{e:#}")));
        }
    }
    loose_blobs.sort();
    for oid in &loose_blobs {
        b.blob(oid);
    }
    b.idx.sightings.sort_by_key(|s| (s.blob, s.commit));
    Ok(b.idx)
}

/// One `git cat-file --batch-check` answer line per name, in order.
fn batch_check(repo_dir: &Path, names: impl Iterator<Item = String>) -> Result<Vec<String>> {
    let input: Vec<u8> = names.flat_map(|n| format!("{n}\n").into_bytes()).collect();
    let mut child = git(repo_dir)
        .args(["cat-file", "--batch-check=%(objectname) %(objecttype)"])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .map_err(|e| spawn_error(e, repo_dir))?;
    let mut stdin = child.stdin.take().context("git cat-file: no stdin")?;
    let writer = std::thread::spawn(move || stdin.write_all(&input));
    let mut out = String::new();
    child
        .stdout
        .take()
        .context("git cat-file: no stdout")?
        .read_to_string(&mut out)
        .context("reading git cat-file --batch-check")?;
    let _ = writer.join();
    let _ = child.wait();
    Ok(out.lines().map(str::to_string).collect())
}

/// Stream `git log --raw` from `starts` into `b`.
fn log_raw(repo_dir: &Path, starts: &[String], b: &mut Builder) -> Result<()> {
    let mut child = git(repo_dir)
        .args([
            "log",
            "--stdin",
            "--topo-order",
            "--reverse",
            "--raw",
            "-c",
            "--root",
            "--no-renames",
            "--no-abbrev",
            "--no-ext-diff",
            "--no-textconv",
            "-z",
            "--format=%x01%H%x00%an <%ae>%x00%aI",
        ])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .map_err(|e| spawn_error(e, repo_dir))?;
    let mut stdin = child.stdin.take().context("git log: no stdin")?;
    let input: Vec<u8> = starts
        .iter()
        .flat_map(|s| format!("{s}\n").into_bytes())
        .collect();
    let writer = std::thread::spawn(move || stdin.write_all(&input));
    let mut stderr = child.stderr.take().context("git log: no stderr")?;
    let err_reader = std::thread::spawn(move || {
        let mut s = Vec::new();
        let _ = stderr.read_to_end(&mut s);
        s
    });
    let stdout = child.stdout.take().context("git log: no stdout")?;
    let mut r = BufReader::with_capacity(1 << 16, stdout);
    let parsed = parse_log(&mut r, b);
    drop(r);
    let _ = writer.join();
    let status = child.wait().context("waiting for git log")?;
    let err = err_reader.join().unwrap_or_default();
    parsed?;
    if !status.success() {
        bail!(
            "`git log` stopped: {}",
            String::from_utf8_lossy(&err).trim()
        );
    }
    Ok(())
}

/// Parse the NUL-separated tokens of `git log -z --raw -c` with the format
/// `\x01<id>\0<author>\0<date>`: a header, then `:<modes> <oids> <status>`
/// records each followed by a path (`::…` for a merge's combined record).
fn parse_log(r: &mut impl BufRead, b: &mut Builder) -> Result<()> {
    let mut tok = Vec::new();
    let mut commit: Option<u32> = None;
    // The meta of a raw record whose path comes next: (dst oid, wanted).
    let mut pending: Option<(String, bool)> = None;
    loop {
        tok.clear();
        if r.read_until(0, &mut tok).context("reading git log")? == 0 {
            break;
        }
        if tok.last() == Some(&0) {
            tok.pop();
        }
        if let Some((oid, wanted)) = pending.take() {
            if let (true, Some(c)) = (wanted, commit) {
                let path = b.path(&tok);
                let blob = b.blob(&oid);
                b.idx.sightings.push(Sighting {
                    blob,
                    commit: c,
                    path,
                });
            }
            continue;
        }
        let t: &[u8] = {
            let mut t = &tok[..];
            while let Some(rest) = t.strip_prefix(b"\n") {
                t = rest;
            }
            t
        };
        if t.is_empty() {
            continue;
        }
        if let Some(id) = t.strip_prefix(&[1u8]) {
            let id = String::from_utf8_lossy(id).into_owned();
            let mut field = || -> Result<String> {
                tok.clear();
                r.read_until(0, &mut tok).context("reading git log")?;
                if tok.last() == Some(&0) {
                    tok.pop();
                }
                Ok(String::from_utf8_lossy(&tok).into_owned())
            };
            let author = field()?;
            let date = field()?;
            commit = Some(b.idx.commits.len() as u32);
            b.idx.commits.push(CommitMeta { id, author, date });
            continue;
        }
        if t.first() == Some(&b':') {
            pending = Some(raw_record(t));
        }
    }
    Ok(())
}

/// `(post-image oid, whether it is a regular file that exists)` of a raw
/// record: `:<m1> <m2> <o1> <o2> <S>` or, for `n` parents, `n` colons,
/// `n+1` modes, `n+1` oids and the statuses.
fn raw_record(t: &[u8]) -> (String, bool) {
    let n = t.iter().take_while(|&&c| c == b':').count();
    let meta = String::from_utf8_lossy(&t[n..]);
    let f: Vec<&str> = meta.split(' ').collect();
    let (Some(mode), Some(oid)) = (f.get(n), f.get(2 * n + 1)) else {
        return (String::new(), false);
    };
    let exists = !oid.bytes().all(|c| c == b'0');
    (oid.to_string(), exists && is_regular(mode))
}

#[cfg(test)]
mod unit {
    use super::*;

    #[test]
    fn reads_plain_and_combined_raw_records() {
        let z = "0".repeat(40);
        let a = "a".repeat(40);
        let c = "c".repeat(40);
        let plain = format!(":000000 100644 {z} {a} A");
        assert_eq!(raw_record(plain.as_bytes()), (a.clone(), true));
        let gone = format!(":100644 000000 {a} {z} D");
        assert!(!raw_record(gone.as_bytes()).1);
        let merge = format!("::100644 100644 100644 {a} {a} {c} MM");
        assert_eq!(raw_record(merge.as_bytes()), (c.clone(), true));
        let link = format!(":000000 120000 {z} {c} A");
        assert!(!raw_record(link.as_bytes()).1);
    }

    #[test]
    fn parses_a_log_stream() {
        let a = "a".repeat(40);
        let c = "c".repeat(40);
        let z = "0".repeat(40);
        let log = format!(
            "\x01{c}\0t <t@x>\02026-01-01T00:00:00Z\0\n:000000 100644 {z} {a} A\0dir/f.txt\0\x01{a}\0u <u@x>\02026-01-02T00:00:00Z\0\0"
        );
        let mut b = Builder::default();
        parse_log(&mut log.as_bytes(), &mut b).expect("parses");
        assert_eq!(b.idx.commits.len(), 2);
        assert_eq!(b.idx.commits[1].author, "u <u@x>");
        assert_eq!(b.idx.paths, vec!["dir/f.txt".to_string()]);
        assert_eq!(b.idx.sightings.len(), 1);
        assert_eq!(b.idx.sightings[0].commit, 0);
    }
}
