//! Deletion verdicts: whether a later layer of an image deletes or replaces
//! what a finding is about, and whether a world-writable file's directory
//! is sticky as the layers below leave it. Made from the layers' listings
//! once every layer of the archive has been read.

use crate::source::image::{parent, Collected, EntryKind, ImageEntry, Listing};
use std::collections::{HashMap, HashSet};

/// What a layer writes, for the lookups the verdicts make.
pub(crate) struct LayerView<'a> {
    listing: &'a Listing,
    /// Every non-directory path the layer writes.
    entries: HashSet<&'a str>,
    /// Directories with the sticky bit.
    sticky: HashSet<&'a str>,
    /// Hard links: link path → target path.
    hardlinks: Vec<(&'a str, &'a str)>,
}

impl<'a> LayerView<'a> {
    fn new(listing: &'a Listing) -> LayerView<'a> {
        let mut v = LayerView {
            listing,
            entries: HashSet::new(),
            sticky: HashSet::new(),
            hardlinks: Vec::new(),
        };
        for e in &listing.entries {
            match &e.kind {
                EntryKind::Dir => {
                    if e.mode & 0o1000 != 0 {
                        v.sticky.insert(&e.path);
                    }
                }
                kind => {
                    v.entries.insert(&e.path);
                    if let EntryKind::Hardlink(target) = kind {
                        v.hardlinks.push((&e.path, target));
                    }
                }
            }
        }
        v
    }

    /// Whether this layer, applied above a lower one, removes or replaces
    /// `path` of that lower layer.
    fn hides(&self, path: &str) -> bool {
        let under = |dir: &str| {
            dir.is_empty() || path.strip_prefix(dir).is_some_and(|r| r.starts_with('/'))
        };
        if self.listing.whiteouts.iter().any(|w| w == path || under(w)) {
            return true;
        }
        if self.listing.opaque.iter().any(|o| under(o)) {
            return true;
        }
        // The same path written again, or an ancestor replaced by a file.
        let mut p = path;
        loop {
            if self.entries.contains(p) {
                return true;
            }
            match p.rfind('/') {
                Some(i) => p = &p[..i],
                None => return false,
            }
        }
    }
}

/// The views of every layer blob of an archive, by blob name.
pub(crate) struct Views<'a>(HashMap<&'a str, LayerView<'a>>);

impl<'a> Views<'a> {
    pub(crate) fn new(c: &'a Collected) -> Views<'a> {
        Views(
            c.layers
                .iter()
                .map(|(name, r)| (name.as_str(), LayerView::new(&r.listing)))
                .collect(),
        )
    }

    fn of(&self, img: &ImageEntry, li: usize) -> Option<&LayerView<'a>> {
        img.layers.get(li).and_then(|(n, _)| self.0.get(n.as_str()))
    }

    /// The first layer above `li` that deletes or replaces `path`, unless a
    /// hard link keeps the same content reachable.
    pub(crate) fn deleted_by(&self, img: &ImageEntry, li: usize, path: &str) -> Option<usize> {
        // A file inside an archive goes with the archive's file.
        let path = path.split_once("!/").map_or(path, |(outer, _)| outer);
        let n = img.layers.len();
        let by = (li + 1..n).find(|&j| self.of(img, j).is_some_and(|v| v.hides(path)))?;
        // A hard link to the file (in its layer or above) that survives keeps
        // its content in the final filesystem.
        for k in li..n {
            let Some(v) = self.of(img, k) else {
                continue;
            };
            for &(link, target) in &v.hardlinks {
                if target == path
                    && !(k + 1..n).any(|m| self.of(img, m).is_some_and(|x| x.hides(link)))
                {
                    return None;
                }
            }
        }
        Some(by)
    }

    /// Whether the directory holding `path`, as layers `0..=li` leave it,
    /// has the sticky bit.
    pub(crate) fn sticky_parent(&self, img: &ImageEntry, li: usize, path: &str) -> bool {
        let dir = parent(path);
        (0..=li).any(|k| self.of(img, k).is_some_and(|v| v.sticky.contains(dir)))
    }
}
