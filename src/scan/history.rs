//! The history fold (`scan --history`): the findings of every blob the
//! pipeline scanned, folded into one finding per (rule, secret, file).
//!
//! However many blobs, commits and paths a secret lives in (a file edited
//! fifty times, renamed, or moved with its directory), it is reported once,
//! at the path and commit where it first appeared, with counts of the
//! commits, blobs and paths it appears in. The same secret pasted into
//! another file is another finding.

use crate::report::Finding;
use crate::source::git::history::HistoryIndex;
use std::collections::{BTreeSet, HashMap, HashSet};

/// (rule, secret, file lineage, allowed inline): one finding each. A blob no
/// commit reaches has lineage `u32::MAX`. Sightings an inline allow comment
/// covers fold apart, so an allowed copy never hides one that is not.
type Key = (String, String, u32, bool);

/// Everything known about one (rule, secret, file) so far.
struct Agg {
    /// The finding in the introducing blob.
    finding: Finding,
    /// (commit, path) of the earliest sighting; `None` for a blob no commit
    /// reaches.
    first: Option<(u32, u32)>,
    first_blob: u32,
    blobs: u32,
    last_blob: u32,
    commits: HashSet<u32>,
    paths: BTreeSet<u32>,
}

/// Folds blobs' findings as they come, in any order: the result does not
/// depend on the order blobs are read in.
pub struct Fold<'a> {
    idx: &'a HistoryIndex,
    lineage: Vec<u32>,
    aggs: HashMap<Key, Agg>,
}

impl<'a> Fold<'a> {
    pub fn new(idx: &'a HistoryIndex) -> Fold<'a> {
        Fold {
            idx,
            lineage: lineages(idx),
            aggs: HashMap::new(),
        }
    }

    /// The findings of blob `blob`, made at the path [`HistoryIndex::display_of`] names.
    pub fn add(&mut self, blob: u32, findings: impl IntoIterator<Item = Finding>) {
        let idx = self.idx;
        let seen = idx.sightings_of(blob);
        let first = seen.first().map(|s| (s.commit, s.path));
        let file = seen
            .first()
            .map_or(u32::MAX, |s| self.lineage[s.path as usize]);
        for f in findings {
            let secret = f.secret.clone().unwrap_or_else(|| f.fingerprint.clone());
            let key = (f.rule_id.clone(), secret, file, f.allowed_inline);
            let a = match self.aggs.entry(key) {
                std::collections::hash_map::Entry::Occupied(o) => o.into_mut(),
                std::collections::hash_map::Entry::Vacant(v) => v.insert(Agg {
                    finding: f.clone(),
                    first,
                    first_blob: blob,
                    blobs: 0,
                    last_blob: u32::MAX,
                    commits: HashSet::new(),
                    paths: BTreeSet::new(),
                }),
            };
            if a.last_blob == blob {
                continue; // the same secret again in this blob
            }
            a.last_blob = blob;
            a.blobs += 1;
            for s in seen {
                a.commits.insert(s.commit);
                a.paths.insert(s.path);
            }
            // Earlier in the walk (parents first) wins; an attributed
            // sighting beats an unreachable object. Ties (one commit, two
            // paths) go to the smaller path id, so the result does not
            // depend on the order blobs are read in.
            let earlier = match (first, a.first) {
                (Some(x), Some(y)) => x < y,
                (Some(_), None) => true,
                (None, None) => blob < a.first_blob,
                (None, Some(_)) => false,
            };
            if earlier {
                a.first = first;
                a.first_blob = blob;
                a.finding = f;
            }
        }
    }

    /// One finding per (rule, secret, file), attributed to the commit that
    /// introduced it.
    pub fn finish(self) -> Vec<Finding> {
        let idx = self.idx;
        let mut findings: Vec<Finding> = fold_unreachable(self.aggs)
            .into_iter()
            .map(|a| attribute(idx, a))
            .collect();
        findings.sort_by(|a, b| {
            (&a.path, a.span.line, &a.rule_id).cmp(&(&b.path, b.span.line, &b.rule_id))
        });
        findings
    }
}

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
    let mut first: HashMap<(String, String, bool), usize> = HashMap::new();
    for (i, (k, _)) in kept.iter().enumerate() {
        first.entry((k.0.clone(), k.1.clone(), k.3)).or_insert(i);
    }
    for (k, a) in orphans {
        match first.get(&(k.0.clone(), k.1.clone(), k.3)) {
            Some(&i) => kept[i].1.blobs += a.blobs,
            None => kept.push((k, a)),
        }
    }
    kept.into_iter().map(|(_, a)| a).collect()
}

/// The introducing blob's finding with the blob, the counts and the commit
/// (author, date) that introduced it.
fn attribute(idx: &HistoryIndex, a: Agg) -> Finding {
    let mut f = a.finding;
    let oid = &idx.blobs[a.first_blob as usize];
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
