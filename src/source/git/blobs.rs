//! The history audit (`scan --history`): every unique blob of the walk
//! ([`super::history`]) read once through one `git cat-file --batch`, in
//! pack order, and handed to the scan pipeline as a git item (UTF-16
//! transcoded, binaries skipped unless asked), on one thread per core. The
//! findings of each blob go to [`crate::scan::history::Fold`], which
//! reports each secret once, attributed to the commit that introduced it.

use super::history::{self, HistoryIndex};
use super::plumbing::{stream_objects, vcs, Object};
use crate::report::{Finding, ScanError, Summary};
use crate::scan::history::Fold;
use crate::scan::{Item, Origin, Pipeline, Sink, Worker};
use crate::source::decode::TextReader;
use anyhow::Result;
use std::collections::HashMap;
use std::io::Read;
use std::path::Path;
use std::sync::Arc;

/// What a history audit covers.
#[derive(Clone, Debug, Default)]
pub struct HistoryOptions {
    /// Every object in the store, reachable or not, not only what refs reach.
    pub all_objects: bool,
    /// `(k, n)`: only the blobs of shard `k` of `n` (1-based).
    pub shard: Option<(u32, u32)>,
    /// Scan threads; 0 = one per core.
    pub threads: usize,
}

/// Blobs up to this size are read whole and handed to a scan thread; larger
/// ones are streamed through the pipeline on the reading thread, so memory
/// stays bounded by a few of these per thread whatever the blob sizes.
const WHOLE_BLOB: usize = 4 << 20;

/// A scan thread's answer for one blob (its buffer comes back for reuse).
struct Scanned {
    blob: u32,
    result: std::io::Result<()>,
    found: Sink,
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

/// One blob through the pipeline, shown at the path it was first met at.
fn scan_blob<R: Read>(
    pipeline: &Pipeline<'_>,
    worker: &mut Worker,
    idx: &HistoryIndex,
    blob: u32,
    reader: R,
) -> (std::io::Result<()>, Sink) {
    let mut sink = Sink::default();
    let display = idx.display_of(blob);
    let result = TextReader::new(reader).and_then(|text| {
        let item = Item {
            display: &display,
            origin: Origin::GitBlob {
                commit: None,
                added_lines: None,
            },
            reader: text,
        };
        pipeline.scan(worker, item, &mut sink)
    });
    (result, sink)
}

/// Audit the history of the repository at `repo_dir`, every blob through
/// `pipeline`.
pub fn audit(
    repo_dir: &Path,
    pipeline: &Pipeline<'_>,
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
    let mut fold = Fold::new(&idx);
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
    let idx = &idx;
    let mut apply = |r: Scanned, summary: &mut Summary, free: &mut Vec<Vec<u8>>| {
        if let Err(e) = r.result {
            summary.errors.push(ScanError {
                path: describe(idx, r.blob),
                message: format!("read failed: {e}"),
            });
        }
        let (found, counts) = r.found.into_parts();
        summary.merge(counts);
        fold.add(r.blob, found);
        free.push(r.buf);
    };
    let streamed = std::thread::scope(|s| {
        for rx in work_rxs {
            let tx = done_tx.clone();
            s.spawn(move || {
                let mut worker = Worker::default();
                for (blob, buf) in rx {
                    let (result, found) = scan_blob(pipeline, &mut worker, idx, blob, &buf[..]);
                    let r = Scanned {
                        blob,
                        result,
                        found,
                        buf,
                    };
                    if tx.send(r).is_err() {
                        break;
                    }
                }
            });
        }
        drop(done_tx);
        let mut worker = Worker::default();
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
                        let (result, found) = match read {
                            Ok(_) => {
                                let whole = std::io::Cursor::new(&buf[..]).chain(reader);
                                scan_blob(pipeline, &mut worker, idx, blob, whole)
                            }
                            Err(e) => (Err(e), Sink::default()),
                        };
                        let r = Scanned {
                            blob,
                            result,
                            found,
                            buf,
                        };
                        apply(r, &mut summary, &mut free);
                    }
                }
                Object::Other(kind) => summary.errors.push(ScanError {
                    path: describe(idx, blob),
                    message: format!("expected a blob, git has a {kind}"),
                }),
                Object::Unreadable(msg) => summary.errors.push(ScanError {
                    path: describe(idx, blob),
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
    Ok((fold.finish(), summary))
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
