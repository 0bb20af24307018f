//! The keyword prefilter: one Aho-Corasick DFA over every rule's keywords,
//! ASCII case folded, reporting overlapping hits. Kept apart from the engine
//! because it is the one piece that touches every input byte.
//!
//! `build.rs` includes this file too: it builds the automaton over the
//! built-in rules' keywords at compile time (`builtin.rs`), so start-up does
//! not.

use std::borrow::Cow;

/// The keyword prefilter: an Aho-Corasick DFA over ASCII-case-folded byte
/// classes that reports every keyword occurrence, overlapping ones included.
///
/// A DFA step is one dependent load, so a single scan is bound by load
/// latency, not by work. [`KeywordDfa::find`] therefore runs [`LANES`]
/// independent scans over consecutive quarters of the buffer, interleaved
/// in one loop, and the CPU overlaps their loads; it tests for a report
/// once per two steps of every lane.
///
/// The tables are borrowed from the binary for the built-in keyword set and
/// owned when a config's rules add keywords.
#[derive(Debug, PartialEq)]
pub(crate) struct KeywordDfa {
    /// Byte → class; upper-case ASCII letters share the lower-case class.
    /// Private like `trans`: the unchecked loads rely on both.
    classes: [u16; 256],
    /// Transitions, indexed by `state + class`; states are premultiplied by
    /// the class count, numbered breadth first, and states that report
    /// keywords come last. Private: [`KeywordDfa::find`] indexes it
    /// unchecked, so only the constructors, which check it, may set it.
    trans: Cow<'static, [u32]>,
    pub(crate) stride: u32,
    /// The first (premultiplied) state that reports a keyword: a power of
    /// two, so a state reports exactly when it has this bit or a higher one
    /// (the rows below it that no state uses are left zero).
    pub(crate) match_from: u32,
    /// Per reporting state (`(state - match_from) / stride`), its range in
    /// `out`.
    pub(crate) out_range: Cow<'static, [(u32, u32)]>,
    /// Keyword ids, and each keyword's length.
    pub(crate) out: Cow<'static, [u32]>,
    pub(crate) lens: Cow<'static, [u32]>,
    pub(crate) max_len: usize,
}

/// Interleaved scans in [`KeywordDfa::find`].
const LANES: usize = 4;

impl KeywordDfa {
    /// The automaton from tables that `new` built earlier (the built-in
    /// ones, compiled in by `build.rs`). Panics unless every transition
    /// stays in the table: [`KeywordDfa::find`] relies on it.
    #[allow(clippy::too_many_arguments)]
    pub(crate) fn from_tables(
        classes: [u16; 256],
        trans: Cow<'static, [u32]>,
        stride: u32,
        match_from: u32,
        out_range: Cow<'static, [(u32, u32)]>,
        out: Cow<'static, [u32]>,
        lens: Cow<'static, [u32]>,
        max_len: usize,
    ) -> KeywordDfa {
        KeywordDfa {
            classes,
            trans,
            stride,
            match_from,
            out_range,
            out,
            lens,
            max_len,
        }
        .checked()
    }

    /// The transitions (`build.rs` writes them out).
    #[allow(dead_code)]
    pub(crate) fn trans(&self) -> &[u32] {
        &self.trans
    }

    /// The byte classes (`build.rs` writes them out).
    #[allow(dead_code)]
    pub(crate) fn classes(&self) -> &[u16; 256] {
        &self.classes
    }

    /// Panics unless `state + class` is inside `trans` for the start state
    /// and every state a transition leads to, and every class: the
    /// invariant behind [`KeywordDfa::find`]'s unchecked loads. One pass
    /// over the table (~300,000 entries) per scanner.
    fn checked(self) -> KeywordDfa {
        let top_class = self.classes.iter().copied().max().unwrap_or(0) as usize;
        let top_state = self.trans.iter().copied().max().unwrap_or(0) as usize;
        assert!(
            top_state + top_class < self.trans.len(),
            "keyword automaton: a transition leaves its table"
        );
        self
    }

    pub(crate) fn new<P: AsRef<[u8]>>(patterns: &[P]) -> KeywordDfa {
        const NONE: u32 = u32::MAX;
        let mut classes = [0u16; 256];
        let mut stride = 1usize;
        for p in patterns {
            for &b in p.as_ref() {
                let b = b.to_ascii_lowercase() as usize;
                if classes[b] == 0 {
                    classes[b] = stride as u16;
                    stride += 1;
                }
            }
        }
        for b in b'A'..=b'Z' {
            classes[b as usize] = classes[b.to_ascii_lowercase() as usize];
        }
        // The trie.
        let mut next = vec![NONE; stride];
        let mut outs: Vec<Vec<u32>> = vec![Vec::new()];
        for (pi, p) in patterns.iter().enumerate() {
            let mut st = 0usize;
            for &b in p.as_ref() {
                let i = st * stride + classes[b as usize] as usize;
                if next[i] == NONE {
                    next[i] = outs.len() as u32;
                    outs.push(Vec::new());
                    next.extend(std::iter::repeat_n(NONE, stride));
                }
                st = next[i] as usize;
            }
            outs[st].push(pi as u32);
        }
        // The trie's child links, for the breadth-first numbering below.
        let trie = next.clone();
        // Failure links in breadth-first order turn the trie into a DFA; a
        // state reports its own keywords and those of its failure state.
        let states = outs.len();
        let mut queue = std::collections::VecDeque::new();
        for t in &mut next[..stride] {
            match *t {
                NONE => *t = 0,
                child => queue.push_back((child as usize, 0usize)),
            }
        }
        while let Some((st, fail)) = queue.pop_front() {
            let inherited = outs[fail].clone();
            outs[st].extend(inherited);
            for c in 0..stride {
                let i = st * stride + c;
                let via_fail = next[fail * stride + c];
                match next[i] {
                    NONE => next[i] = via_fail,
                    t => queue.push_back((t as usize, via_fail as usize)),
                }
            }
        }
        // Renumber: reporting states last, so the hot loop tests one bound,
        // and breadth first, so the shallow states, where a scan spends
        // nearly all its steps, share cache lines.
        let mut bfs = vec![0usize];
        let mut seen = vec![false; states];
        seen[0] = true;
        let mut at = 0;
        while at < bfs.len() {
            let st = bfs[at];
            at += 1;
            for &t in &trie[st * stride..(st + 1) * stride] {
                if t != NONE && !seen[t as usize] {
                    seen[t as usize] = true;
                    bfs.push(t as usize);
                }
            }
        }
        let mut order: Vec<usize> = bfs
            .iter()
            .copied()
            .filter(|&s| outs[s].is_empty())
            .collect();
        let quiet = order.len();
        order.extend(bfs.iter().copied().filter(|&s| !outs[s].is_empty()));
        // Reporting states start at a power of two, so "any lane reports"
        // is one OR of the lanes' states and one compare.
        let mf = (quiet * stride).max(1).next_power_of_two();
        let mut id = vec![0u32; states];
        for (new, &old) in order.iter().enumerate() {
            id[old] = if new < quiet {
                new * stride
            } else {
                mf + (new - quiet) * stride
            } as u32;
        }
        let mut trans = vec![0u32; mf + (states - quiet) * stride];
        let mut out_range = Vec::new();
        let mut out = Vec::new();
        for (new, &old) in order.iter().enumerate() {
            let row = id[old] as usize;
            for c in 0..stride {
                trans[row + c] = id[next[old * stride + c] as usize];
            }
            if new >= quiet {
                out_range.push((out.len() as u32, (out.len() + outs[old].len()) as u32));
                out.extend_from_slice(&outs[old]);
            }
        }
        debug_assert_eq!(id[0], 0, "the start state keeps id 0");
        KeywordDfa {
            classes,
            trans: Cow::Owned(trans),
            stride: stride as u32,
            match_from: mf as u32,
            out_range: Cow::Owned(out_range),
            out: Cow::Owned(out),
            lens: Cow::Owned(patterns.iter().map(|p| p.as_ref().len() as u32).collect()),
            max_len: patterns.iter().map(|p| p.as_ref().len()).max().unwrap_or(1),
        }
        .checked()
    }

    /// Call `hit(keyword, start, end)` for every keyword occurrence in `hay`,
    /// in no particular order.
    pub(crate) fn find(&self, hay: &[u8], mut hit: impl FnMut(usize, usize, usize)) {
        // Plain slices, so the loop does not test which `Cow` it holds.
        let (trans, classes): (&[u32], &[u16; 256]) = (&self.trans, &self.classes);
        let (out_range, out, lens): (&[(u32, u32)], &[u32], &[u32]) =
            (&self.out_range, &self.out, &self.lens);
        let mut report = |st: u32, end: usize| {
            let (a, b) = out_range[((st - self.match_from) / self.stride) as usize];
            for &p in &out[a as usize..b as usize] {
                hit(p as usize, end - lens[p as usize] as usize, end);
            }
        };
        // SAFETY: `checked` (run by both constructors, the only code that
        // sets `trans`) proved `s + c < trans.len()` for the start state and
        // every state in the table, and every class `c`; a lane's state is
        // always one of those. Unchecked, with the breadth-first numbering
        // and the one-OR report test, the loop runs ~12% faster on C source
        // (checked, those two gain nothing: the loop is bound by its
        // instruction count, and the bounds checks were 8 of ~30
        // instructions per four bytes).
        let step = |st: u32, b: u8| unsafe {
            *trans.get_unchecked((st + classes[b as usize] as u32) as usize)
        };
        let seg = hay.len() / LANES;
        let warm = self.max_len - 1;
        let mf = self.match_from;
        let mut from = 0;
        let mut st = [0u32; LANES];
        if seg > 4 * warm {
            // Lane k reports the keywords that end in its quarter; it starts
            // `warm` bytes early (reporting nothing there) so its state is
            // right for any keyword that starts in the previous quarter.
            for (k, s) in st.iter_mut().enumerate().skip(1) {
                for &b in &hay[k * seg - warm..k * seg] {
                    *s = step(*s, b);
                }
            }
            let [mut s0, mut s1, mut s2, mut s3] = st;
            let (l0, rest) = hay.split_at(seg);
            let (l1, rest) = rest.split_at(seg);
            let (l2, rest) = rest.split_at(seg);
            let l3 = &rest[..seg];
            // Two steps per lane between report tests: the test is most of
            // a step's instructions, and a report is rare.
            for i in 0..seg / 2 {
                let j = 2 * i;
                let a0 = step(s0, l0[j]);
                let a1 = step(s1, l1[j]);
                let a2 = step(s2, l2[j]);
                let a3 = step(s3, l3[j]);
                s0 = step(a0, l0[j + 1]);
                s1 = step(a1, l1[j + 1]);
                s2 = step(a2, l2[j + 1]);
                s3 = step(a3, l3[j + 1]);
                if (a0 | a1 | a2 | a3 | s0 | s1 | s2 | s3) >= mf {
                    for (k, (a, s)) in [(a0, s0), (a1, s1), (a2, s2), (a3, s3)]
                        .into_iter()
                        .enumerate()
                    {
                        if a >= mf {
                            report(a, k * seg + j + 1);
                        }
                        if s >= mf {
                            report(s, k * seg + j + 2);
                        }
                    }
                }
            }
            // An odd byte left in each lane.
            if seg % 2 == 1 {
                let j = seg - 1;
                s0 = step(s0, l0[j]);
                s1 = step(s1, l1[j]);
                s2 = step(s2, l2[j]);
                s3 = step(s3, l3[j]);
                for (k, s) in [s0, s1, s2, s3].into_iter().enumerate() {
                    if s >= mf {
                        report(s, k * seg + j + 1);
                    }
                }
            }
            st = [s0, s1, s2, s3];
            // The last lane carries on to the end.
            from = LANES * seg;
        }
        let mut s = st[LANES - 1];
        for (at, &b) in hay.iter().enumerate().skip(from) {
            s = step(s, b);
            if s >= mf {
                report(s, at + 1);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::secrets::Scanner;

    /// The interleaved DFA reports exactly what an overlapping
    /// aho-corasick search does, on buffers of every size class.
    #[test]
    fn keyword_dfa_matches_overlapping_aho_corasick() {
        let rules = Scanner::builtin_rules().unwrap();
        let mut pats: Vec<Vec<u8>> = rules
            .iter()
            .flat_map(|r| r.spec.keywords.iter())
            .map(|k| k.to_ascii_lowercase().into_bytes())
            .collect();
        pats.sort();
        pats.dedup();
        let dfa = KeywordDfa::new(&pats);
        let ac = aho_corasick::AhoCorasick::builder()
            .ascii_case_insensitive(true)
            .build(&pats)
            .unwrap();
        let mut seed = 0x9e3779b97f4a7c15u64;
        let mut text = Vec::new();
        while text.len() < 300_000 {
            seed ^= seed << 13;
            seed ^= seed >> 7;
            seed ^= seed << 17;
            let p = &pats[(seed % pats.len() as u64) as usize];
            // Keywords, case-flipped at random, glued by a little noise so
            // they overlap and straddle lane borders.
            for (i, &b) in p.iter().enumerate() {
                text.push(if (seed >> (i % 60)) & 1 == 1 {
                    b.to_ascii_uppercase()
                } else {
                    b
                });
            }
            if seed % 3 == 0 {
                text.extend_from_slice(&b" x_-=:\n"[..(seed % 8) as usize]);
            }
        }
        for len in [0, 1, 7, 100, 999, 5000, 65_537, text.len()] {
            let hay = &text[..len];
            let mut want: Vec<(usize, usize, usize)> = ac
                .find_overlapping_iter(hay)
                .map(|m| (m.pattern().as_usize(), m.start(), m.end()))
                .collect();
            let mut got = Vec::new();
            dfa.find(hay, |p, s, e| got.push((p, s, e)));
            want.sort_unstable();
            got.sort_unstable();
            assert_eq!(got.len(), want.len(), "len {len}");
            assert!(got == want, "len {len}");
        }
    }

    /// All occurrences, as overlapping aho-corasick sees them, sorted.
    fn overlapping(pats: &[Vec<u8>], hay: &[u8]) -> Vec<(usize, usize, usize)> {
        let ac = aho_corasick::AhoCorasick::builder()
            .ascii_case_insensitive(true)
            .build(pats)
            .unwrap();
        let mut v: Vec<_> = ac
            .find_overlapping_iter(hay)
            .map(|m| (m.pattern().as_usize(), m.start(), m.end()))
            .collect();
        v.sort_unstable();
        v
    }

    proptest::proptest! {
        #![proptest_config(proptest::prelude::ProptestConfig::with_cases(64))]

        /// Random keyword sets (so the class count, the state count and the
        /// power-of-two report bound vary) over text glued from those
        /// keywords, case-flipped, and noise: the interleaved DFA reports
        /// every overlapping occurrence exactly once, whatever the length
        /// (lane borders fall anywhere).
        #[test]
        fn keyword_dfa_matches_aho_corasick_on_random_sets(
            pats in proptest::collection::vec(
                proptest::collection::vec(proptest::prelude::prop_oneof![
                    b'a'..=b'f', proptest::prelude::Just(b'_'), b'0'..=b'2',
                ], 1..7),
                1..24,
            ),
            pieces in proptest::collection::vec((0usize..64, 0usize..4, proptest::prelude::any::<bool>()), 0..400),
            cut in 0usize..4,
        ) {
            let mut pats: Vec<Vec<u8>> = pats;
            pats.sort();
            pats.dedup();
            let dfa = KeywordDfa::new(&pats);
            let mut text = Vec::new();
            for (k, noise, upper) in pieces {
                let p = &pats[k % pats.len()];
                text.extend(p.iter().map(|b| if upper { b.to_ascii_uppercase() } else { *b }));
                text.extend_from_slice(&b"x-Z =\n"[..noise]);
            }
            let text = &text[..text.len().saturating_sub(cut)];
            let mut got = Vec::new();
            dfa.find(text, |p, s, e| got.push((p, s, e)));
            got.sort_unstable();
            proptest::prop_assert_eq!(got, overlapping(&pats, text));
        }
    }
}
