//! Properties of the engine and the redaction, over generated input:
//! - a secret planted at any offset of a random buffer (up to ~300 KB) is
//!   found exactly once, at that offset, whatever the chunk size (every
//!   chunk size is at least 2 × OVERLAP = 32 KiB), and every chunk size
//!   reports the same matches as one whole-buffer pass;
//! - redaction never shows more than the first 4 characters of a secret.
//!
//! Case counts are modest so the suite stays fast in CI; raise them with
//! `PROPTEST_CASES=…` for a longer run.

use crate::common;

use proptest::prelude::*;
use std::sync::OnceLock;
use stowaway::report::{redact_secret, scrub_secret, REDACT_KEEP};
use stowaway::secrets::engine::OVERLAP;
use stowaway::secrets::{ScanScratch, Scanner};

const BASE62: &[u8] = b"0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";

/// Scanners with chunk sizes from the smallest allowed up, and one whose
/// chunk is larger than any buffer here (a single whole-buffer pass). That
/// one is 1 MiB, not 1 GiB: each case takes a fresh `ScanScratch`, whose
/// buffer is zeroed to the chunk size, and 1 GiB of page faults per case
/// cost this test ~25 s of system time.
fn scanners() -> &'static [(usize, Scanner)] {
    static S: OnceLock<Vec<(usize, Scanner)>> = OnceLock::new();
    S.get_or_init(|| {
        [2 * OVERLAP, 2 * OVERLAP + 4093, 3 * OVERLAP, 1 << 20]
            .into_iter()
            .map(|c| {
                (
                    c,
                    Scanner::builtin()
                        .expect("built-in rules")
                        .with_chunk_size(c),
                )
            })
            .collect()
    })
}

/// Deterministic filler from a seed (xorshift), from one of a few byte
/// classes: any byte, printable text, text with many newlines, all NUL.
fn filler(seed: u64, len: usize, class: u8) -> Vec<u8> {
    let mut x = seed | 1;
    let mut next = move || {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        x
    };
    let pick = |set: &[u8], r: u64| set[(r % set.len() as u64) as usize];
    (0..len)
        .map(|_| {
            let r = next();
            match class % 4 {
                0 => r as u8,
                1 => pick(b" abcdefghijklmnopqrstuvwxyz=:,.\"'{}", r),
                2 => pick(b"ab\n\n \t=x", r),
                _ => 0,
            }
        })
        .collect()
}

fn haystack(seed: u64, len: usize, class: u8, at: usize, line: &[u8]) -> Vec<u8> {
    let mut hay = filler(seed, len, class);
    let at = at.min(hay.len());
    // The secret on its own line, so no filler byte can extend or hide it.
    let mut planted = b"\n".to_vec();
    planted.extend_from_slice(line);
    planted.push(b'\n');
    hay.splice(at..at, planted);
    hay
}

fn offsets() -> impl Strategy<Value = usize> {
    prop_oneof![
        // anywhere
        0usize..300_000,
        // near a chunk border of the smallest chunk size (multiples of 32 KiB)
        (1usize..9, 0usize..160).prop_map(|(k, d)| (k * 2 * OVERLAP).saturating_sub(d + 20)),
        // near the end of the first chunk's overlap
        (0usize..200).prop_map(|d| 3 * OVERLAP - d),
    ]
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 24, ..ProptestConfig::default() })]

    #[test]
    fn planted_secret_is_found_once_at_its_offset_whatever_the_chunk_size(
        seed in any::<u64>(),
        len in 0usize..300_000,
        class in 0u8..4,
        at in offsets(),
        token_seed in proptest::collection::vec(0usize..62, 30),
        prefix in prop::sample::select(vec!["token = ", "GITHUB_TOKEN=", "\"auth\": \"", ""]),
    ) {
        let seed_str: String = token_seed.iter().map(|&i| BASE62[i] as char).collect();
        let secret = common::github_token("ghp_", &seed_str);
        let line = format!("{prefix}{secret}");
        let hay = haystack(seed, len, class, at, line.as_bytes());
        let at = at.min(len);
        let want_start = (at + 1 + prefix.len()) as u64;
        let mut reference: Option<Vec<_>> = None;
        for (chunk, scanner) in scanners() {
            let mut out = Vec::new();
            let mut scratch = ScanScratch::default();
            scanner.scan_reader(&hay[..], &mut scratch, false, &mut out).unwrap();
            let hits: Vec<_> = out.iter().filter(|m| m.secret == secret).collect();
            prop_assert_eq!(hits.len(), 1, "chunk {}: {:?}", chunk, out);
            prop_assert_eq!(hits[0].start, want_start, "chunk {}", chunk);
            prop_assert_eq!(hits[0].end, want_start + secret.len() as u64);
            let all: Vec<_> = out
                .iter()
                .map(|m| (m.rule, m.start, m.end, m.line, m.column, m.end_line, m.end_column, m.secret.clone()))
                .collect();
            match &reference {
                None => reference = Some(all),
                Some(r) => prop_assert_eq!(r, &all, "chunk {} differs from chunk {}", chunk, scanners()[0].0),
            }
        }
    }

    #[test]
    fn redact_shows_at_most_four_leading_characters(secret in "[^…]{1,80}") {
        // URLs show scheme and host (tests/it/redaction.rs).
        prop_assume!(!secret.contains("://"));
        let shown = redact_secret(&secret);
        let n = secret.chars().count();
        let kept: String = shown.chars().take_while(|&c| c != '…').collect();
        prop_assert!(shown.ends_with('…'));
        prop_assert!(kept.chars().count() <= REDACT_KEEP);
        // Never more than half of a short secret.
        prop_assert!(kept.chars().count() * 2 <= n);
        prop_assert!(secret.starts_with(&kept));
        prop_assert!(!shown.contains(&secret));
    }

    #[test]
    fn scrub_leaves_no_five_characters_of_a_secret_in_a_row(
        secret in "[A-Z0-9_]{8,60}",
        parts in proptest::collection::vec("[a-z .,:=\"\n]{0,40}", 1..6),
    ) {
        // Text around the secret shares no character with it, so any five
        // characters of the secret in the output come from the secret.
        let text = parts.join(&secret);
        let out = scrub_secret(&text, &secret);
        let chars: Vec<char> = secret.chars().collect();
        for w in chars.windows(REDACT_KEEP + 1) {
            let w: String = w.iter().collect();
            prop_assert!(!out.contains(&w), "{:?} shows {:?}", out, w);
        }
    }

    #[test]
    fn scrub_hides_a_secret_cut_short_at_either_end(
        secret in "[A-Z0-9_]{10,400}",
        before in "[a-z =:\"]{0,40}",
        cut in any::<prop::sample::Index>(),
        head in any::<bool>(),
    ) {
        // A bounded snippet ends inside a long secret (or starts inside it).
        let k = REDACT_KEEP + 1 + cut.index(secret.len() - REDACT_KEEP - 1);
        let text = if head {
            format!("{before}{}", &secret[..k])
        } else {
            format!("{}{before}", &secret[secret.len() - k..])
        };
        let out = scrub_secret(&text, &secret);
        let chars: Vec<char> = secret.chars().collect();
        for w in chars.windows(REDACT_KEEP + 1) {
            let w: String = w.iter().collect();
            prop_assert!(!out.contains(&w), "{:?} shows {:?}", out, w);
        }
    }

    #[test]
    fn scrub_removes_self_overlapping_secrets(
        secret in "[AB]{8,24}",
        text in "[AB ]{0,200}",
    ) {
        let text = format!("{text}{secret}{text}");
        let out = scrub_secret(&text, &secret);
        prop_assert!(!out.contains(&secret), "{:?}", out);
    }

    #[test]
    fn scrub_redacts_every_line_of_a_multiline_secret(
        lines in proptest::collection::vec("[A-Za-z0-9+/]{8,64}", 2..6),
    ) {
        let secret = format!("-----BEGIN KEY-----\n{}\n-----END KEY-----", lines.join("\n"));
        // Printed line by line, each with some indentation and a prefix.
        let text: String = secret.lines().map(|l| format!("    │ {l}\n")).collect();
        let out = scrub_secret(&text, &secret);
        for l in &lines {
            prop_assert!(!out.contains(l.as_str()), "{:?} shows {:?}", out, l);
        }
    }
}
