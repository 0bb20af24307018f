//! Git-aware sources: the staged index (`scan --staged`, [`staged`]), a
//! commit range (`scan --git-range`, [`range`]) and the history audit
//! (`scan --history`, [`history_audit`]).
//!
//! Layout: `plumbing` starts git and streams objects through one
//! `cat-file --batch`; `staged`, `range` and `history` (the walk) with
//! `blobs` (its blobs handed to the scan pipeline) are the three modes; `patch` parses `git log -p`. Never a false all-clear: a path the caller names is
//! always scanned, a range whose ends do not resolve or a shallow clone that
//! cuts the history is an error, and a directory outside any repository is
//! an error, never an empty result.

mod blobs;
pub mod history;
mod patch;
pub(crate) mod plumbing;
mod range;
mod staged;

pub use blobs::{audit as history_audit, in_shard, HistoryOptions};
pub use plumbing::vcs;
pub use range::{range, range_each, range_tip};
pub use staged::staged;

use std::ops::RangeInclusive;

/// One blob to scan: display path (repo-relative, `/`-separated), its bytes,
/// and for range scans the commit and the 1-based line numbers added in that
/// commit (`None` = every line counts).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct GitBlob {
    pub path: String,
    pub content: Vec<u8>,
    pub commit: Option<String>,
    pub added_lines: Option<Vec<RangeInclusive<u32>>>,
    /// For a range scan's text change: `content` holds only the hunks the
    /// diff shows, and these map its lines back to the file's. Empty when
    /// `content` is the whole file.
    pub segments: Vec<Segment>,
}

/// `count` lines of a [`GitBlob`]'s content from `text_line` on are the
/// file's lines from `file_line` on (1-based).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Segment {
    pub text_line: u32,
    pub file_line: u32,
    pub count: u32,
}

impl GitBlob {
    /// [`Self::added_lines`] in `content`'s own line numbers (the same when
    /// `content` is the whole file). Added lines are consecutive only
    /// inside one hunk, so each range maps as a whole.
    pub fn added_text_lines(&self) -> Vec<RangeInclusive<u32>> {
        let Some(added) = &self.added_lines else {
            return Vec::new();
        };
        if self.segments.is_empty() {
            return added.clone();
        }
        let to_text = |l: u32| {
            self.segments
                .iter()
                .find(|s| s.file_line <= l && l < s.file_line + s.count)
                .map(|s| s.text_line + (l - s.file_line))
        };
        added
            .iter()
            .filter_map(|r| Some(to_text(*r.start())?..=to_text(*r.end())?))
            .collect()
    }

    /// The file's line number of 1-based line `line` of `content` (the
    /// same number when `content` is the whole file).
    pub fn file_line(&self, line: u32) -> u32 {
        let i = self.segments.partition_point(|s| s.text_line <= line);
        match i.checked_sub(1).map(|i| self.segments[i]) {
            Some(s) => s.file_line + (line - s.text_line),
            None => line,
        }
    }

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
