//! A guard on the keyword set's density: every keyword hit opens a regex
//! window, so a keyword that ordinary code is full of (`define` once opened
//! 70% of all windows on the Linux tree) costs tree throughput on every file.
//! Counted, not timed: the count is exact on any machine.

use super::*;

/// ~230 lines of typical C, Rust, JavaScript and Python with no credential
/// word in them: `#define`, `struct`, `interface`, `space`, `trace`, ...
const ORDINARY: &[u8] = include_bytes!("testdata/ordinary_source.txt");

/// Windows the built-in keyword stage opens on ORDINARY (5 today, all `pat` in
/// `path` and `pattern`, Airtable's token prefix). A few are fair
/// (short provider prefixes meet identifiers by chance); one per #define,
/// import or struct line is not.
const MAX_WINDOWS: usize = 8;

#[test]
fn builtin_keywords_open_few_windows_on_ordinary_source() {
    let scanner = Scanner::builtin().unwrap();
    let mut hits = Vec::new();
    scanner.dfa.find(ORDINARY, |pid, s, e| {
        let before = hits.len();
        scanner.keyword_hit(ORDINARY, pid, s, e, &mut hits);
        // Name the keyword in the hit so a failure says which one it is.
        for h in &mut hits[before..] {
            h.1 = s;
            h.2 = e;
        }
    });
    let mut seen: Vec<(String, String)> = hits
        .iter()
        .map(|&(rule, s, e)| {
            let kw = String::from_utf8_lossy(&ORDINARY[s..e]).into_owned();
            (kw, scanner.rules[rule as usize].spec.id.to_string())
        })
        .collect();
    seen.sort();
    assert!(
        hits.len() <= MAX_WINDOWS,
        "{} windows on ordinary source (at most {MAX_WINDOWS}); keyword and rule: {seen:?}",
        hits.len()
    );
}

/// A multi-line window reaches past its keyword only as far as the rule's
/// regex can match: the near-name rules (`notify … key = …`) allow a short
/// gap across lines, and 8 KiB windows for them were a sixth of a tree scan
/// (`notify` alone 45 MB of windows on the Linux tree).
#[test]
fn multiline_windows_end_within_the_longest_match() {
    let scanner = Scanner::builtin().unwrap();
    let notify = scanner
        .rules
        .iter()
        .position(|r| r.spec.id.as_ref() == "notify-api-key")
        .expect("the notify-api-key rule exists");
    let rule = &scanner.rules[notify];
    assert!(rule.spec.multiline, "notify-api-key is a multi-line rule");
    let reach = rule.max_match_len().expect("its regex is bounded");
    assert!(reach < 512, "longest match {reach} bytes");
    // Keyword early in a long buffer of ordinary text.
    let mut hay = b"static int notify_fn(void);\n".to_vec();
    while hay.len() < 20_000 {
        hay.extend_from_slice(b"int x = y + z; /* nothing here */\n");
    }
    let mut hits = Vec::new();
    scanner.dfa.find(&hay, |pid, s, e| {
        scanner.keyword_hit(&hay, pid, s, e, &mut hits)
    });
    let (_, ws, we) = *hits
        .iter()
        .find(|h| h.0 as usize == notify)
        .expect("`notify` opens a window for notify-api-key");
    // The keyword ends at byte 17 of the first line.
    assert_eq!(ws, 0);
    assert_eq!(we, 17 + reach, "the window ends at the longest match");
}
