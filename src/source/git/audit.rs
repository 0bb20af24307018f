//! The history audit (`scan --history`): every unique blob of the walk
//! ([`super::history`]) read once through one `git cat-file --batch`,
//! scanned once (UTF-16 transcoded, binaries skipped unless asked), and its
//! secrets attributed to the commit that introduced them.
//!
//! One finding per (rule, secret, file): however many blobs, commits and
//! paths it lives in (a file edited fifty times, renamed, or moved with its
//! directory), it is reported once, at the path and commit where it first
//! appeared, with counts of the commits, blobs and paths it appears in. The
//! same secret pasted into another file is another finding.

use super::history::{self, HistoryIndex};
use super::plumbing::{stream_objects, vcs, Object};
use crate::report::{Finding, ScanError, Summary};
use crate::secrets::{engine::Outcome, RawMatch, ScanScratch, Scanner};
use crate::source::decode::TextReader;
use anyhow::Result;
use std::collections::{BTreeSet, HashMap, HashSet};
use std::io::Read;
use std::path::Path;
use std::sync::Arc;

/// What a history audit covers.
#[derive(Clone, Debug, Default)]
pub struct HistoryOptions {
    /// Every object in the store, reachable or not, not only what refs reach.
    pub all_objects: bool,
    pub include_binary: bool,
    /// `(k, n)`: only the blobs of shard `k` of `n` (1-based).
    pub shard: Option<(u32, u32)>,
    /// Scan threads; 0 = one per core.
    pub threads: usize,
}

/// Blobs up to this size are read whole and handed to a scan thread; larger
/// ones are streamed through the scanner on the reading thread, so memory
/// stays bounded by a few of these per thread whatever the blob sizes.
const WHOLE_BLOB: usize = 4 << 20;

/// A scan thread's answer for one blob (its buffer comes back for reuse).
struct Scanned {
    blob: u32,
    outcome: std::io::Result<Outcome>,
    matches: Vec<RawMatch>,
    buf: Vec<u8>,
}

/// Whether object `oid` belongs to shard `k` of `n`: a hash of the id, so
/// shards are disjoint, cover everything, and do not depend on walk order.
pub fn in_shard(oid: &str, shard: Option<(u32, u32)>) -> bool {
    let Some((k, n)) = shard else {
        return true;
    };
    crate::source::shard::in_shard(oid, Some((k, n)))
}

/// Everything known about one (rule, secret) so far.
struct Agg {
    /// The match in the introducing blob.
    raw: RawMatch,
    /// (commit, path) of the earliest sighting; `None` for a blob no commit
    /// reaches.
    first: Option<(u32, u32)>,
    first_blob: u32,
    blobs: u32,
    last_blob: u32,
    commits: HashSet<u32>,
    paths: BTreeSet<u32>,
}

/// Audit the history of the repository at `repo_dir`.
pub fn audit(
    repo_dir: &Path,
    scanner: &Scanner,
    opts: &HistoryOptions,
) -> Result<(Vec<Finding>, Summary)> {
    let idx = history::walk(repo_dir, opts.all_objects)?;
    let mut summary = Summary {
        commits_scanned: Some(idx.commits.len() as u64),
        mode: Some("history".into()),
        shard: opts.shard.map(|(k, n)| format!("{k}/{n}")),
        vcs: Some(vcs(repo_dir, None)),
        ..Summary::default()
    };
    for (what, msg) in &idx.errors {
        summary.errors.push(ScanError {
            path: what.clone(),
            message: msg.clone(),
        });
    }
    let mut selected: Vec<u32> = (0..idx.blobs.len() as u32)
        .filter(|&b| in_shard(&idx.blobs[b as usize], opts.shard))
        .collect();
    in_pack_order(repo_dir, &idx, &mut selected);
    let ids: Arc<Vec<String>> = Arc::new(
        selected
            .iter()
            .map(|&b| idx.blobs[b as usize].clone())
            .collect(),
    );
    let mut aggs: HashMap<Key, Agg> = HashMap::new();
    let lineage = lineages(&idx);
    let skip_binary = !opts.include_binary;
    let threads = match opts.threads {
        0 => std::thread::available_parallelism().map_or(1, |n| n.get()),
        n => n,
    };
    // One thread reads git's answers in pack order; `threads` scan them.
    // The versions of one file go to one thread: each rule's regex keeps a
    // lazy-DFA cache per thread that uses it, and a file's versions touch
    // the same rules, so this keeps one cache per rule instead of one per
    // thread (this repository's history: 289 -> ~210 MiB at 2 threads).
    let (work_txs, work_rxs): (Vec<_>, Vec<_>) = (0..threads)
        .map(|_| std::sync::mpsc::sync_channel::<(u32, Vec<u8>)>(2))
        .unzip();
    let (done_tx, done_rx) = std::sync::mpsc::channel::<Scanned>();
    let mut apply = |r: Scanned, summary: &mut Summary, free: &mut Vec<Vec<u8>>| {
        match r.outcome {
            Ok(Outcome::Binary) => summary.skip("binary"),
            Ok(Outcome::Scanned { bytes }) => {
                summary.files_scanned += 1;
                summary.bytes_scanned += bytes;
            }
            Err(e) => summary.errors.push(ScanError {
                path: describe(&idx, r.blob),
                message: format!("read failed: {e}"),
            }),
        }
        for m in r.matches {
            if m.allowed_inline {
                summary.suppressed += 1;
            } else {
                add(&mut aggs, &idx, &lineage, r.blob, m);
            }
        }
        free.push(r.buf);
    };
    let streamed = std::thread::scope(|s| {
        for rx in work_rxs {
            let tx = done_tx.clone();
            s.spawn(move || {
                let mut scratch = ScanScratch::default();
                for (blob, buf) in rx {
                    let mut matches = Vec::new();
                    let outcome = TextReader::new(&buf[..]).and_then(|t| {
                        scanner.scan_reader(t, &mut scratch, skip_binary, &mut matches)
                    });
                    let r = Scanned {
                        blob,
                        outcome,
                        matches,
                        buf,
                    };
                    if tx.send(r).is_err() {
                        break;
                    }
                }
            });
        }
        drop(done_tx);
        let mut scratch = ScanScratch::default();
        let mut free: Vec<Vec<u8>> = Vec::new();
        let res = stream_objects(repo_dir, ids.clone(), |i, obj| {
            let blob = selected[i];
            match obj {
                Object::Blob(reader) => {
                    let mut buf = free.pop().unwrap_or_default();
                    buf.clear();
                    let read = reader.take(WHOLE_BLOB as u64 + 1).read_to_end(&mut buf);
                    if read.is_ok() && buf.len() <= WHOLE_BLOB {
                        let path = idx.sightings_of(blob).first().map_or(blob, |s| s.path);
                        // The scan threads only stop once the senders are gone.
                        let _ = work_txs[path as usize % threads].send((blob, buf));
                    } else {
                        // Too big to hold: stream it here, prefix first.
                        let mut matches = Vec::new();
                        let outcome = read.and_then(|_| {
                            let whole = std::io::Cursor::new(&buf[..]).chain(reader);
                            TextReader::new(whole).and_then(|t| {
                                scanner.scan_reader(t, &mut scratch, skip_binary, &mut matches)
                            })
                        });
                        let r = Scanned {
                            blob,
                            outcome,
                            matches,
                            buf,
                        };
                        apply(r, &mut summary, &mut free);
                    }
                }
                Object::Other(kind) => summary.errors.push(ScanError {
                    path: describe(&idx, blob),
                    message: format!("expected a blob, git has a {kind}"),
                }),
                Object::Unreadable(msg) => summary.errors.push(ScanError {
                    path: describe(&idx, blob),
                    message: format!("cannot read the object: {msg}"),
                }),
            }
            while let Ok(r) = done_rx.try_recv() {
                apply(r, &mut summary, &mut free);
            }
            Ok(())
        });
        drop(work_txs);
        for r in done_rx.iter() {
            apply(r, &mut summary, &mut free);
        }
        res
    });
    streamed?;
    let mut findings: Vec<Finding> = fold_unreachable(aggs)
        .into_iter()
        .map(|a| to_finding(scanner, &idx, a))
        .collect();
    findings.sort_by(|a, b| {
        (&a.path, a.span.line, &a.rule_id).cmp(&(&b.path, b.span.line, &b.rule_id))
    });
    Ok((findings, summary))
}

/// Reorder `selected` as the objects lie in the packs. Read in walk order,
/// `cat-file` jumps around each pack and rebuilds delta chains again and
/// again (on a repository importing five versions of a 12,000-file tree it
/// held ~270 MiB of delta cache and pack windows); in pack order each base
/// is still cached when its deltas come. Attribution does not depend on the
/// read order. If git cannot list the objects, walk order is kept.
fn in_pack_order(repo_dir: &Path, idx: &HistoryIndex, selected: &mut [u32]) {
    use std::io::BufRead;
    // Streamed: a large repository lists millions of objects.
    let Ok(mut child) = super::plumbing::git(repo_dir)
        .args([
            "cat-file",
            "--batch-all-objects",
            "--unordered",
            "--batch-check=%(objectname)",
        ])
        .stdin(std::process::Stdio::null())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::null())
        .spawn()
    else {
        return;
    };
    let mut pos: HashMap<&str, u32> = selected
        .iter()
        .map(|&b| (idx.blobs[b as usize].as_str(), u32::MAX))
        .collect();
    if let Some(out) = child.stdout.take() {
        let mut r = std::io::BufReader::with_capacity(1 << 16, out);
        let mut line = String::new();
        let mut i = 0u32;
        while matches!(r.read_line(&mut line), Ok(n) if n > 0) {
            if let Some(p) = pos.get_mut(line.trim_end()) {
                *p = (*p).min(i);
            }
            i += 1;
            line.clear();
        }
    }
    let _ = child.wait();
    selected.sort_by_key(|&b| pos[idx.blobs[b as usize].as_str()]);
}

/// How an object is named in an error: its id and where it was first met.
fn describe(idx: &HistoryIndex, blob: u32) -> String {
    let oid = &idx.blobs[blob as usize];
    match idx.sightings_of(blob).first() {
        Some(s) => format!(
            "{} (blob {oid} in commit {})",
            idx.paths[s.path as usize], idx.commits[s.commit as usize].id
        ),
        None => format!("blob {oid}"),
    }
}

/// (rule, secret, file lineage): one finding each. A blob no commit reaches
/// has lineage `u32::MAX`.
type Key = (usize, String, u32);

/// The lineage of every path: paths that ever held the same blob are one
/// file (a rename, a move with its directory, an identical copy), so a
/// secret that follows its file is one finding, while the same secret
/// pasted into another file is another. Union-find over the sightings.
fn lineages(idx: &HistoryIndex) -> Vec<u32> {
    fn root(p: &mut [u32], mut x: u32) -> u32 {
        while p[x as usize] != x {
            p[x as usize] = p[p[x as usize] as usize];
            x = p[x as usize];
        }
        x
    }
    let mut parent: Vec<u32> = (0..idx.paths.len() as u32).collect();
    for w in idx.sightings.windows(2) {
        if w[0].blob == w[1].blob {
            let (a, b) = (root(&mut parent, w[0].path), root(&mut parent, w[1].path));
            parent[a.max(b) as usize] = a.min(b);
        }
    }
    (0..parent.len() as u32)
        .map(|x| root(&mut parent, x))
        .collect()
}

/// An unreachable copy of a secret that a commit also holds adds its blob
/// to that finding instead of being one of its own.
fn fold_unreachable(aggs: HashMap<Key, Agg>) -> Vec<Agg> {
    let mut kept: Vec<(Key, Agg)> = aggs.into_iter().collect();
    kept.sort_by(|a, b| a.0.cmp(&b.0));
    let (orphans, mut kept): (Vec<_>, Vec<_>) =
        kept.into_iter().partition(|(k, _)| k.2 == u32::MAX);
    let mut first: HashMap<(usize, String), usize> = HashMap::new();
    for (i, (k, _)) in kept.iter().enumerate() {
        first.entry((k.0, k.1.clone())).or_insert(i);
    }
    for (k, a) in orphans {
        match first.get(&(k.0, k.1.clone())) {
            Some(&i) => kept[i].1.blobs += a.blobs,
            None => kept.push((k, a)),
        }
    }
    kept.into_iter().map(|(_, a)| a).collect()
}

fn add(aggs: &mut HashMap<Key, Agg>, idx: &HistoryIndex, lineage: &[u32], blob: u32, m: RawMatch) {
    let seen = idx.sightings_of(blob);
    let first = seen.first().map(|s| (s.commit, s.path));
    let file = seen.first().map_or(u32::MAX, |s| lineage[s.path as usize]);
    let key = (m.rule, m.secret.clone(), file);
    let a = aggs.entry(key).or_insert_with(|| Agg {
        raw: m.clone(),
        first,
        first_blob: blob,
        blobs: 0,
        last_blob: u32::MAX,
        commits: HashSet::new(),
        paths: BTreeSet::new(),
    });
    if a.last_blob == blob {
        return; // the same secret again in this blob
    }
    a.last_blob = blob;
    a.blobs += 1;
    for s in seen {
        a.commits.insert(s.commit);
        a.paths.insert(s.path);
    }
    // Earlier in the walk (parents first) wins; an attributed sighting
    // beats an unreachable object.
    // Ties (one commit, two paths) go to the smaller path id, so the result
    // does not depend on the order blobs are read in.
    let earlier = match (first, a.first) {
        (Some(x), Some(y)) => x < y,
        (Some(_), None) => true,
        (None, None) => blob < a.first_blob,
        (None, Some(_)) => false,
    };
    if earlier {
        a.first = first;
        a.first_blob = blob;
        a.raw = m;
    }
}

fn to_finding(scanner: &Scanner, idx: &HistoryIndex, a: Agg) -> Finding {
    let oid = &idx.blobs[a.first_blob as usize];
    let path = match a.first {
        Some((_, p)) => idx.paths[p as usize].clone(),
        None => idx
            .blob_names
            .get(&a.first_blob)
            .cloned()
            .unwrap_or_else(|| oid.clone()),
    };
    let mut f = scanner.finding(&a.raw, path);
    f.extra.insert("blob".into(), oid.clone());
    f.extra.insert("blobs".into(), a.blobs.to_string());
    f.extra
        .insert("commits".into(), a.commits.len().to_string());
    f.extra.insert("paths".into(), a.paths.len().to_string());
    match a.first {
        Some((c, _)) => {
            let c = &idx.commits[c as usize];
            f.commit = Some(c.id.clone());
            f.extra.insert("author".into(), c.author.clone());
            f.extra.insert("date".into(), c.date.clone());
        }
        None => {
            f.extra.insert("reachable".into(), "false".into());
        }
    }
    f
}
