//! The secret matcher: chunked scanning (the smallest chunk allowed, 32 KiB,
//! with its 16 KiB overlap) must report exactly what one whole-buffer pass
//! reports — same rules, offsets, lines, columns and secrets — so a chunk
//! border never loses, duplicates or moves a finding.
//!
//! The input is a small program that builds the haystack:
//! - byte 0: filler byte class and layout (see `FILLERS`, `layout`);
//! - bytes 1–2: where the content starts relative to a chunk border;
//! - byte 3: bit 0 = skip binary files;
//! - the rest is copied, except `0x01 hi lo`, which splices token
//!   `(hi << 8 | lo) % tokens.len()` — every keyword and every example
//!   secret of the built-in rules — so inputs are keyword-dense.
#![no_main]

use libfuzzer_sys::fuzz_target;
use std::sync::OnceLock;
use stowaway::secrets::engine::OVERLAP;
use stowaway::secrets::{RawMatch, ScanScratch, Scanner};

struct State {
    whole: Scanner,
    chunked: Scanner,
    tokens: Vec<Vec<u8>>,
}

fn state() -> &'static State {
    static S: OnceLock<State> = OnceLock::new();
    S.get_or_init(|| {
        let rules = Scanner::builtin_rules().expect("built-in rules load");
        let mut tokens: Vec<Vec<u8>> = Vec::new();
        for r in &rules {
            for k in &r.spec.keywords {
                tokens.push(k.as_bytes().to_vec());
            }
            for e in &r.spec.examples {
                tokens.push(e.as_bytes().to_vec());
            }
        }
        tokens.sort();
        tokens.dedup();
        State {
            whole: Scanner::builtin()
                .expect("built-in rules load")
                .with_chunk_size(64 << 20),
            chunked: Scanner::builtin()
                .expect("built-in rules load")
                .with_chunk_size(2 * OVERLAP),
            tokens,
        }
    })
}

const FILLERS: &[&[u8]] = &[b"a", b" ", b"\n", b"x = 1\n", b"\0", b"=", b"\xc3\xa9"];

fn key(m: &RawMatch) -> (usize, u64, u64, u32, u32, u32, u32, String, bool) {
    (
        m.rule,
        m.start,
        m.end,
        m.line,
        m.column,
        m.end_line,
        m.end_column,
        m.secret.clone(),
        m.allowed_inline,
    )
}

fuzz_target!(|data: &[u8]| {
    if data.len() < 4 {
        return;
    }
    let st = state();
    let filler = FILLERS[(data[0] & 0x0f) as usize % FILLERS.len()];
    // Layout: no padding, or content around the first or the second border.
    let border = match data[0] >> 4 {
        0..=3 => 0,
        4..=11 => 2 * OVERLAP,
        _ => 4 * OVERLAP,
    };
    let shift = u16::from_le_bytes([data[1], data[2]]) as usize % (OVERLAP / 2);
    let skip_binary = data[3] & 1 == 1;
    let mut hay: Vec<u8> = Vec::new();
    if border > 0 {
        let pad = border - OVERLAP / 4 + shift;
        while hay.len() < pad {
            hay.extend_from_slice(filler);
        }
        hay.truncate(pad);
    }
    let mut i = 4;
    while i < data.len() {
        if data[i] == 1 && i + 2 < data.len() {
            let t = (usize::from(data[i + 1]) << 8 | usize::from(data[i + 2])) % st.tokens.len();
            hay.extend_from_slice(&st.tokens[t]);
            i += 3;
        } else {
            hay.push(data[i]);
            i += 1;
        }
    }

    let run = |s: &Scanner| {
        let mut out = Vec::new();
        let mut scratch = ScanScratch::default();
        let outcome = s
            .scan_reader(&hay[..], &mut scratch, skip_binary, &mut out)
            .expect("reading a slice cannot fail");
        (outcome, out.iter().map(key).collect::<Vec<_>>())
    };
    let (o1, whole) = run(&st.whole);
    let (o2, chunked) = run(&st.chunked);
    assert_eq!(o1, o2, "outcome differs");
    assert_eq!(
        whole,
        chunked,
        "chunked scan differs from whole-buffer scan ({} bytes)",
        hay.len()
    );
    // Every reported secret is really at its offsets.
    for m in &whole {
        let bytes = &hay[m.1 as usize..m.2 as usize];
        assert_eq!(String::from_utf8_lossy(bytes), m.7);
    }
});
