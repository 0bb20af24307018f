//! The scanning hot loop.
//!
//! One Aho-Corasick DFA holds every rule's keywords (`KeywordDfa`). A buffer
//! is searched once; each keyword hit opens a small window (the keyword's
//! line, bounded) for the rules that own that keyword, windows of the same
//! rule are merged, and only then does the rule's regex run. No rule makes
//! its own pass over the input.
//!
//! Files are read in chunks with an overlap larger than any match can be, so
//! memory stays bounded and a secret across a chunk border is still found
//! exactly once.

use super::keywords::KeywordDfa;
use super::literal::{DropReason, FileKind};
use super::rule::{Rule, RuleError};
use super::validate::{published_example, random_enough};
use crate::report::Severity;
use memchr::memmem;
use regex::bytes::CaptureLocations;
use std::borrow::Cow;
use std::io::{self, Read};

/// Bytes before a keyword that a window may reach back (to its line start).
const WINDOW_BEFORE: usize = 256;
/// Bytes after a keyword a single-line window may reach.
const WINDOW_AFTER: usize = 1024;
/// Bytes after a keyword a multi-line window (PEM blocks, JSON) may reach.
const WINDOW_AFTER_MULTILINE: usize = 8192;
/// Chunk overlap: more than the longest possible window, so any match that
/// starts before a chunk's cut ends inside the chunk.
pub const OVERLAP: usize = 16 * 1024;
/// Default bytes read per chunk.
pub const DEFAULT_CHUNK: usize = 1 << 20;
/// NUL in this many leading bytes marks a file binary (as git and ripgrep do).
pub const BINARY_PROBE: usize = 8192;

/// Markers that allow a finding on its line, ours and those of the tools
/// users migrate from.
pub(crate) const INLINE_ALLOW: &[&str] = &[
    "stowaway:allow",
    "gitleaks:allow",
    "pragma: allowlist secret",
];

/// A confirmed match in a stream, positions absolute.
#[derive(Clone, Debug)]
pub struct RawMatch {
    /// Index into [`Scanner::rules`].
    pub rule: usize,
    /// Byte offsets of the secret in the stream.
    pub start: u64,
    pub end: u64,
    pub line: u32,
    pub column: u32,
    pub end_line: u32,
    pub end_column: u32,
    pub secret: String,
    /// The line holding the secret's start (bounded in length).
    pub snippet: String,
    /// An inline allow marker was on the match's line.
    pub allowed_inline: bool,
}

/// A confirmed match in a short in-memory text, for other scanners (ENV
/// values, RUN lines, image config) that need "is this a secret?".
#[derive(Clone, Debug)]
pub struct SecretMatch {
    pub rule_id: String,
    pub rule_name: String,
    pub severity: Severity,
    pub secret: String,
    /// Byte offsets of the secret in the text.
    pub start: usize,
    pub end: usize,
}

/// What happened to a stream.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Outcome {
    Scanned {
        bytes: u64,
    },
    /// A NUL in the first 8 KiB and binary files were not asked for.
    Binary,
}

#[derive(Clone, Copy, Debug)]
struct Cand {
    rule: u32,
    m_start: usize,
    m_end: usize,
    s_start: usize,
    s_end: usize,
}

/// Per-thread reusable buffers, so the hot path allocates nothing per file.
#[derive(Default)]
pub struct ScanScratch {
    buf: Vec<u8>,
    hits: Vec<(u32, usize, usize)>,
    cands: Vec<Cand>,
    kept: Vec<Cand>,
    locs: Vec<Option<CaptureLocations>>,
    /// The rule count of the scanner `locs` was filled for.
    locs_rules: usize,
    carried: Vec<(u64, u64)>,
    /// Spans with a known provider's shape that failed its check: no rule
    /// may report them.
    vetoes: Vec<(usize, usize, u32)>,
    /// Dropped candidates and why, kept only with `--explain-drops`.
    drops: Vec<(Cand, DropReason)>,
    /// How the current file reads (generic rules' grammar), and its name.
    kind: FileKind,
    file: String,
}

impl ScanScratch {
    /// Name the stream about to be scanned: its kind decides how generic
    /// rules read unquoted values, and `--explain-drops` shows the name.
    pub fn set_file(&mut self, display: &str) {
        self.kind = FileKind::from_path(display);
        self.file.clear();
        self.file.push_str(display);
    }
}

struct Keyword {
    rule: u32,
    /// `Some(bytes)` when the keyword must match with this exact case.
    exact: Option<Cow<'static, [u8]>>,
}

/// The compiled rule set and its prefilter. Cheap to share across threads.
pub struct Scanner {
    rules: Vec<Rule>,
    dfa: KeywordDfa,
    /// Automaton pattern id → rules that own that keyword.
    keywords: Vec<Vec<Keyword>>,
    allow_markers: Vec<memmem::Finder<'static>>,
    /// Secrets matching any of these are never reported (config allow-list).
    allow_secrets: Vec<regex::Regex>,
    chunk: usize,
    explain_drops: bool,
}

impl Scanner {
    /// Every built-in rule (from `patterns/`, compiled in).
    pub fn builtin_rules() -> Result<Vec<Rule>, RuleError> {
        super::rule::builtin_rules()
    }

    pub fn builtin() -> Result<Scanner, RuleError> {
        Scanner::new(Scanner::builtin_rules()?)
    }

    /// Compile the prefilter over `rules`. Duplicate ids are an error.
    pub fn new(rules: Vec<Rule>) -> Result<Scanner, RuleError> {
        let mut seen = std::collections::HashSet::new();
        for r in &rules {
            if !seen.insert(&*r.spec.id) {
                return Err(RuleError::Invalid {
                    file: "rules".into(),
                    id: r.spec.id.to_string(),
                    message: "duplicate rule id".into(),
                });
            }
        }
        // Keywords are folded to lower case in one automaton; rules that need
        // exact case re-check the matched bytes, which is rare and cheap.
        // The built-in keywords come first, with the ids of the automaton
        // compiled into the binary: unless a config's rule adds a keyword,
        // that automaton serves (a disabled rule's keywords just own no rule).
        let builtin = super::builtin::KEYWORDS;
        let mut patterns: Vec<Cow<'static, [u8]>> =
            builtin.iter().map(|&k| Cow::Borrowed(k)).collect();
        let mut keywords: Vec<Vec<Keyword>> = (0..builtin.len()).map(|_| Vec::new()).collect();
        let mut index: std::collections::HashMap<Cow<'static, [u8]>, usize> = builtin
            .iter()
            .enumerate()
            .map(|(i, &k)| (Cow::Borrowed(k), i))
            .collect();
        let mut folded = Vec::new();
        for (ri, r) in rules.iter().enumerate() {
            let kws = &r.spec.keywords;
            for (ki, k) in kws.iter().enumerate() {
                if ki > 0 && kws[ki - 1] == *k {
                    continue;
                }
                folded.clear();
                folded.extend(k.bytes().map(|b| b.to_ascii_lowercase()));
                let pid = match index.get(&folded[..]) {
                    Some(&pid) => pid,
                    None => {
                        patterns.push(Cow::Owned(folded.clone()));
                        keywords.push(Vec::new());
                        index.insert(Cow::Owned(folded.clone()), patterns.len() - 1);
                        patterns.len() - 1
                    }
                };
                let exact = match k {
                    Cow::Borrowed(s) => Cow::Borrowed((*s).as_bytes()),
                    Cow::Owned(s) => Cow::Owned(s.as_bytes().to_vec()),
                };
                keywords[pid].push(Keyword {
                    rule: ri as u32,
                    exact: (!r.spec.ignore_case).then_some(exact),
                });
            }
        }
        let dfa = if patterns.len() == builtin.len() {
            super::builtin::keyword_dfa()
        } else {
            KeywordDfa::new(&patterns)
        };
        Ok(Scanner {
            rules,
            dfa,
            keywords,
            allow_markers: INLINE_ALLOW
                .iter()
                .map(|m| memmem::Finder::new(m.as_bytes()))
                .collect(),
            allow_secrets: Vec::new(),
            chunk: DEFAULT_CHUNK,
            explain_drops: false,
        })
    }

    /// Secrets matching any of these regexes are dropped before reporting.
    pub fn with_allowed_secrets(mut self, allow: Vec<regex::Regex>) -> Scanner {
        self.allow_secrets = allow;
        self
    }

    /// Print every dropped candidate and why to stderr (`--explain-drops`).
    pub fn with_explain_drops(mut self, on: bool) -> Scanner {
        self.explain_drops = on;
        self
    }

    /// Bytes per read chunk (at least twice the overlap).
    pub fn with_chunk_size(mut self, chunk: usize) -> Scanner {
        self.chunk = chunk.max(2 * OVERLAP);
        self
    }

    pub fn rules(&self) -> &[Rule] {
        &self.rules
    }

    /// The finding for a match in the file shown as `path`.
    pub fn finding(&self, m: &RawMatch, path: String) -> crate::report::Finding {
        let r = &self.rules[m.rule];
        let mut f = crate::report::Finding::new(
            r.meta(),
            format!("{} found", r.spec.name),
            path,
            crate::report::Span {
                line: m.line,
                column: m.column,
                end_line: m.end_line,
                end_column: m.end_column,
            },
            Some(m.secret.clone()),
            Some(m.snippet.clone()),
            &m.secret,
        );
        f.extra.insert("offset".into(), m.start.to_string());
        f
    }

    /// Find secrets in a short text held in memory.
    pub fn find_in(&self, text: &[u8]) -> Vec<SecretMatch> {
        self.find_in_kind(text, FileKind::Unknown)
    }

    /// [`Scanner::find_in`] for text that reads as `kind`.
    pub fn find_in_kind(&self, text: &[u8], kind: FileKind) -> Vec<SecretMatch> {
        let mut scratch = ScanScratch {
            kind,
            ..ScanScratch::default()
        };
        self.candidates(text, &mut scratch);
        scratch
            .kept
            .iter()
            .map(|c| {
                let r = &self.rules[c.rule as usize];
                SecretMatch {
                    rule_id: r.spec.id.to_string(),
                    rule_name: r.spec.name.to_string(),
                    severity: r.spec.severity,
                    secret: String::from_utf8_lossy(&text[c.s_start..c.s_end]).into_owned(),
                    start: c.s_start,
                    end: c.s_end,
                }
            })
            .collect()
    }

    /// Scan a whole stream in bounded memory. Matches are appended to `out`.
    /// With `skip_binary`, a NUL in the first 8 KiB stops the scan early.
    pub fn scan_reader<R: Read>(
        &self,
        mut reader: R,
        scratch: &mut ScanScratch,
        skip_binary: bool,
        out: &mut Vec<RawMatch>,
    ) -> io::Result<Outcome> {
        let cap = self.chunk + OVERLAP;
        // The buffer keeps its full length across files and chunks; only
        // `buf[..filled]` holds data. Zeroing it once per thread rather than
        // once per read matters: most files are far smaller than a chunk.
        let mut buf = std::mem::take(&mut scratch.buf);
        if buf.len() != cap {
            buf.clear();
            buf.resize(cap, 0);
        }
        scratch.carried.clear();
        let mut filled = 0usize;
        let mut base_off: u64 = 0;
        let mut base_line: u32 = 1;
        let mut base_col: u32 = 1;
        let mut first = true;
        let result = loop {
            // Fill the buffer up to capacity or end of stream.
            let mut eof = false;
            while filled < cap {
                match reader.read(&mut buf[filled..]) {
                    Ok(0) => {
                        eof = true;
                        break;
                    }
                    Ok(n) => filled += n,
                    Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
                    Err(e) => {
                        scratch.buf = buf;
                        return Err(e);
                    }
                }
            }
            let hay = &buf[..filled];
            if first {
                first = false;
                let probe = &hay[..hay.len().min(BINARY_PROBE)];
                if skip_binary && memchr::memchr(0, probe).is_some() {
                    break Outcome::Binary;
                }
            }
            let limit = if eof { filled } else { filled - OVERLAP };
            self.candidates(hay, scratch);
            self.emit(hay, limit, base_off, base_line, base_col, scratch, out);
            if eof {
                break Outcome::Scanned {
                    bytes: base_off + filled as u64,
                };
            }
            // Advance: keep the overlap, carry line and column forward.
            let consumed = &hay[..limit];
            match memchr::memrchr(b'\n', consumed) {
                Some(nl) => {
                    base_line += memchr::memchr_iter(b'\n', consumed).count() as u32;
                    base_col = 1 + count_chars(&consumed[nl + 1..]);
                }
                None => base_col += count_chars(consumed),
            }
            buf.copy_within(limit..filled, 0);
            filled -= limit;
            base_off += limit as u64;
        };
        scratch.buf = buf;
        Ok(result)
    }

    /// Turn the kept candidates of one buffer into matches, dropping those
    /// that start at or after `limit` (the next chunk sees them whole) and
    /// those the previous chunk already reported.
    #[allow(clippy::too_many_arguments)]
    fn emit(
        &self,
        buf: &[u8],
        limit: usize,
        base_off: u64,
        base_line: u32,
        base_col: u32,
        scratch: &mut ScanScratch,
        out: &mut Vec<RawMatch>,
    ) {
        if self.explain_drops {
            self.explain(buf, limit, base_line, scratch);
        }
        let prev_carried = std::mem::take(&mut scratch.carried);
        let mut line = base_line;
        let mut counted = 0usize;
        for c in &scratch.kept {
            if c.m_start >= limit {
                continue;
            }
            let (abs_s, abs_e) = (base_off + c.s_start as u64, base_off + c.s_end as u64);
            if prev_carried.iter().any(|&(s, e)| abs_s < e && s < abs_e) {
                continue;
            }
            if c.s_end > limit {
                scratch.carried.push((abs_s, abs_e));
            }
            line += memchr::memchr_iter(b'\n', &buf[counted..c.s_start]).count() as u32;
            counted = c.s_start;
            let (column, _) = column_at(buf, c.s_start, base_col);
            let end_line =
                line + memchr::memchr_iter(b'\n', &buf[c.s_start..c.s_end]).count() as u32;
            let (end_column, _) = column_at(buf, c.s_end, base_col);
            let secret = String::from_utf8_lossy(&buf[c.s_start..c.s_end]).into_owned();
            let allowed_inline = self.inline_allowed(buf, c.m_start, c.m_end);
            if self.allow_secrets.iter().any(|re| re.is_match(&secret)) {
                continue;
            }
            out.push(RawMatch {
                rule: c.rule as usize,
                start: abs_s,
                end: abs_e,
                line,
                column,
                end_line,
                end_column,
                secret,
                snippet: snippet(buf, c.s_start),
                allowed_inline,
            });
        }
    }

    /// `--explain-drops`: one stderr line per dropped candidate of this
    /// buffer (debug output; the secret is cut to its first 4 characters).
    fn explain(&self, buf: &[u8], limit: usize, base_line: u32, scratch: &mut ScanScratch) {
        for (c, why) in scratch.drops.drain(..) {
            if c.m_start >= limit {
                continue;
            }
            let line = base_line + memchr::memchr_iter(b'\n', &buf[..c.s_start]).count() as u32;
            let secret = String::from_utf8_lossy(&buf[c.s_start..c.s_end]);
            let shown: String = secret.chars().take(4).collect();
            let why = match why {
                DropReason::KnownFormat(by) => {
                    format!("{why} (`{}`)", self.rules[by as usize].spec.id)
                }
                other => other.to_string(),
            };
            eprintln!(
                "explain-drops: {}:{line}: {} `{shown}…` dropped: {why}",
                scratch.file, self.rules[c.rule as usize].spec.id
            );
        }
    }

    fn inline_allowed(&self, buf: &[u8], start: usize, end: usize) -> bool {
        let (a, _) = line_bounds(buf, start);
        let (_, b) = line_bounds(buf, end.saturating_sub(1).max(start));
        let region = &buf[a..b];
        self.allow_markers.iter().any(|f| f.find(region).is_some())
    }

    /// Prefilter, confirm and resolve overlaps for one buffer; the result is
    /// left in `scratch.kept`, ordered by position.
    fn candidates(&self, hay: &[u8], scratch: &mut ScanScratch) {
        scratch.hits.clear();
        scratch.cands.clear();
        scratch.kept.clear();
        scratch.vetoes.clear();
        scratch.drops.clear();
        if scratch.locs_rules != self.rules.len() {
            scratch.locs.clear();
            scratch.locs_rules = self.rules.len();
        }
        let hits = &mut scratch.hits;
        self.dfa
            .find(hay, |pid, s, e| self.keyword_hit(hay, pid, s, e, hits));
        if scratch.hits.is_empty() {
            return;
        }
        scratch.hits.sort_unstable();
        let mut i = 0;
        while i < scratch.hits.len() {
            let (rule, mut ws, mut we) = scratch.hits[i];
            i += 1;
            // Merge this rule's overlapping windows so no byte is searched twice.
            while i < scratch.hits.len() && scratch.hits[i].0 == rule && scratch.hits[i].1 <= we {
                we = we.max(scratch.hits[i].2);
                i += 1;
            }
            let r = &self.rules[rule as usize];
            // Sized on demand: `find_in` starts from empty scratch each call.
            if scratch.locs.len() <= rule as usize {
                scratch.locs.resize_with(rule as usize + 1, || None);
            }
            let locs =
                scratch.locs[rule as usize].get_or_insert_with(|| r.regex().capture_locations());
            let secret_group = r.secret_group();
            let hay_w = &hay[..we];
            // A window opens at a line start. Search from the line break
            // before it, so a rule's leading `(?:^|[^…])` boundary can see
            // it: a token at the start of any line but the first was missed.
            let line_start = ws;
            if ws > 0 && hay[ws - 1] == b'\n' {
                ws -= 1;
            }
            while ws <= we {
                let Some(m) = r.regex().captures_read_at(locs, hay_w, ws) else {
                    break;
                };
                ws = if m.end() > m.start() {
                    m.end()
                } else {
                    m.end() + 1
                };
                let Some((ss, se)) = locs.get(secret_group) else {
                    continue;
                };
                if ss >= se {
                    continue;
                }
                // A match that begins on that line break starts on its line.
                let m_start = if m.start() + 1 == line_start {
                    line_start
                } else {
                    m.start()
                };
                let cand = Cand {
                    rule,
                    m_start,
                    m_end: m.end(),
                    s_start: ss,
                    s_end: se,
                };
                match self.confirm(r, hay, m_start, ss, se, scratch.kind) {
                    Ok(()) => scratch.cands.push(cand),
                    Err(why) => {
                        // A provider's shape that fails the provider's own
                        // check (or is its published example) is not a
                        // secret for any rule: the generic ones included.
                        let vetoes = matches!(
                            why,
                            DropReason::Validator(_)
                                | DropReason::PublishedExample(_)
                                | DropReason::Structure(_)
                        ) && r.spec.priority >= 0
                            && r.grammar.is_none();
                        if vetoes {
                            scratch.vetoes.push((ss, se, rule));
                        }
                        if self.explain_drops {
                            scratch.drops.push((cand, why));
                        }
                    }
                }
            }
        }
        self.resolve_overlaps(scratch);
    }

    /// Keyword `pid` occurs at `s..e`: open a window for each rule owning it.
    #[inline]
    fn keyword_hit(
        &self,
        hay: &[u8],
        pid: usize,
        s: usize,
        e: usize,
        hits: &mut Vec<(u32, usize, usize)>,
    ) {
        // A keyword's rules mostly share one window shape: each is found
        // once per hit, not once per rule.
        let mut shapes: [Option<(usize, usize)>; 2] = [None, None];
        for kw in &self.keywords[pid] {
            if let Some(exact) = &kw.exact {
                // A few bytes: compared inline, not through a `memcmp` call
                // (2% of a tree scan's time as a call).
                if !hay[s..e].iter().eq(exact.iter()) {
                    continue;
                }
            }
            let rule = &self.rules[kw.rule as usize];
            let multiline = rule.spec.multiline;
            let (ws, mut we) =
                *shapes[multiline as usize].get_or_insert_with(|| window(hay, s, e, multiline));
            if multiline {
                // A match that starts by this keyword's end (every rule's
                // match holds its keyword: patterns/README.md) ends within
                // the regex's longest match. Most multi-line rules are a
                // name, a short gap that may cross a line, and a token, and
                // their 8 KiB windows were a sixth of a tree scan's time.
                if let Some(reach) = rule.max_match_len() {
                    we = we.min(e.saturating_add(reach));
                }
            }
            hits.push((kw.rule, ws, we));
        }
    }

    /// Whether rule `r`'s candidate `hay[ss..se]` (its match starting at
    /// `m_start`) is reported, and if not, why.
    fn confirm(
        &self,
        r: &Rule,
        hay: &[u8],
        m_start: usize,
        ss: usize,
        se: usize,
        kind: FileKind,
    ) -> Result<(), DropReason> {
        let secret = &hay[ss..se];
        let text = std::str::from_utf8(secret).ok();
        if let Some(why) = text.and_then(published_example) {
            return Err(DropReason::PublishedExample(why));
        }
        if let Some(t) = text {
            super::structure::check(t, &hay[m_start..ss]).map_err(DropReason::Structure)?;
        }
        if super::filler::has_counting_run(secret) || super::filler::has_repeated_tail(secret) {
            return Err(DropReason::NotRandom);
        }
        if r.allow().iter().any(|a| a.is_match(secret)) {
            return Err(DropReason::RuleAllow);
        }
        if let Some(g) = r.grammar {
            g.check(hay, m_start, ss, se, kind)?;
        }
        if let Some(t) = r.spec.entropy {
            if !random_enough(secret, t) {
                return Err(DropReason::LowEntropy);
            }
        }
        match (r.validator, text) {
            (None, _) => Ok(()),
            (Some(v), Some(s)) if v.check(s) => Ok(()),
            (Some(v), _) => Err(DropReason::Validator(v.name())),
        }
    }

    /// When several rules claim overlapping secrets, keep the most specific:
    /// higher priority, then the longer secret, then the longer keyword.
    fn resolve_overlaps(&self, scratch: &mut ScanScratch) {
        let rank = |c: &Cand| {
            let r = &self.rules[c.rule as usize];
            (
                r.spec.priority,
                c.s_end - c.s_start,
                r.specificity,
                std::cmp::Reverse(c.rule),
            )
        };
        scratch
            .cands
            .sort_unstable_by_key(|c| (c.s_start, c.s_end, c.rule));
        let vetoes = &scratch.vetoes;
        for c in scratch.cands.drain(..) {
            if let Some(&(_, _, by)) = vetoes
                .iter()
                .find(|&&(s, e, _)| c.s_start < e && s < c.s_end)
            {
                if self.explain_drops {
                    scratch.drops.push((c, DropReason::KnownFormat(by)));
                }
                continue;
            }
            match scratch.kept.last_mut() {
                Some(last) if c.s_start < last.s_end => {
                    if rank(&c) > rank(last) {
                        *last = c;
                    }
                }
                _ => scratch.kept.push(c),
            }
        }
    }
}

/// The window a keyword hit at `s..e` opens: back to its line start (at most
/// [`WINDOW_BEFORE`]), forward to its line end (at most [`WINDOW_AFTER`]), or
/// a fixed span for multi-line rules.
fn window(hay: &[u8], s: usize, e: usize, multiline: bool) -> (usize, usize) {
    let lo = s.saturating_sub(WINDOW_BEFORE);
    let ws = memchr::memrchr(b'\n', &hay[lo..s]).map_or(lo, |i| lo + i + 1);
    if multiline {
        return (ws, (e + WINDOW_AFTER_MULTILINE).min(hay.len()));
    }
    let hi = (e + WINDOW_AFTER).min(hay.len());
    let we = memchr::memchr(b'\n', &hay[e..hi]).map_or(hi, |i| e + i);
    (ws, we)
}

fn line_bounds(buf: &[u8], at: usize) -> (usize, usize) {
    let at = at.min(buf.len());
    let a = memchr::memrchr(b'\n', &buf[..at]).map_or(0, |i| i + 1);
    let b = memchr::memchr(b'\n', &buf[at..]).map_or(buf.len(), |i| at + i);
    (a, b)
}

/// Unicode code points in `bytes` (counts non-continuation bytes).
fn count_chars(bytes: &[u8]) -> u32 {
    bytes.iter().filter(|&&b| (b & 0xC0) != 0x80).count() as u32
}

/// 1-based column of `at`; `base_col` is the column of `buf[0]`.
fn column_at(buf: &[u8], at: usize, base_col: u32) -> (u32, usize) {
    match memchr::memrchr(b'\n', &buf[..at]) {
        Some(nl) => (1 + count_chars(&buf[nl + 1..at]), nl + 1),
        None => (base_col + count_chars(&buf[..at]), 0),
    }
}

/// The line around `at`, at most ~300 bytes of it, for display.
fn snippet(buf: &[u8], at: usize) -> String {
    let (a, b) = line_bounds(buf, at);
    let a = a.max(at.saturating_sub(120));
    let b = b.min(at + 180);
    String::from_utf8_lossy(&buf[a..b]).trim_end().to_string()
}

#[cfg(test)]
#[path = "keyword_density.rs"]
mod keyword_density;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_builtin_regex_builds() {
        for r in Scanner::builtin_rules().unwrap() {
            let re = r.regex();
            assert_eq!(
                re.capture_names().position(|n| n == Some("secret")),
                Some(r.secret_group()),
                "{}",
                r.spec.id
            );
            let _ = r.allow();
        }
    }

    /// Every rule example planted at every offset around a chunk border is
    /// found exactly once, at the right place.
    #[test]
    fn examples_across_chunk_borders_found_once() {
        let scanner = Scanner::builtin().unwrap().with_chunk_size(2 * OVERLAP);
        let chunk = 2 * OVERLAP;
        let mut scratch = ScanScratch::default();
        let filler: Vec<u8> = b"static int probe(struct device *dev) { return 0; }\n"
            .iter()
            .copied()
            .cycle()
            .take(chunk + OVERLAP)
            .collect();
        let mut checked = 0;
        for r in scanner.rules().iter().step_by(7) {
            let Some(ex) = r.spec.examples.first() else {
                continue;
            };
            let alone = scanner.find_in(ex.as_bytes());
            let Some(want) = alone.first() else { continue };
            for back in [1usize, 5, ex.len() / 2, ex.len(), ex.len() + 3] {
                let at = chunk.saturating_sub(back);
                let mut data = filler[..at].to_vec();
                data.push(b'\n');
                data.extend_from_slice(ex.as_bytes());
                data.push(b'\n');
                data.extend_from_slice(&filler[..OVERLAP]);
                let mut out = Vec::new();
                scanner
                    .scan_reader(&data[..], &mut scratch, true, &mut out)
                    .unwrap();
                let found: Vec<_> = out.iter().filter(|m| m.secret == want.secret).collect();
                assert_eq!(found.len(), 1, "{} back {back}: {out:?}", r.spec.id);
                assert_eq!(found[0].start, (at + 1 + want.start) as u64);
                checked += 1;
            }
        }
        assert!(checked > 20);
    }
}
