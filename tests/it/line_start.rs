//! A secret that begins a line is found on every line, not only the first:
//! each keyword window opens at its line start, and rules whose regex opens
//! with a `(?:^|[^…])` boundary must still see the line break before it.

use stowaway::secrets::Scanner;

/// The part of an example from its first line break on is left out: the
/// point is a secret at the start of a later line.
fn first_line(ex: &str) -> &str {
    ex.split('\n').next().unwrap_or(ex)
}

#[test]
fn every_example_is_found_after_another_line() {
    let rules = Scanner::builtin_rules().expect("built-in rules load");
    let specs: Vec<_> = rules.iter().map(|r| r.spec.clone()).collect();
    let all = Scanner::new(rules).expect("scanner builds");
    let mut failures = Vec::new();
    for spec in &specs {
        for ex in &spec.examples {
            let line = first_line(ex);
            let alone = all.find_in(line.as_bytes());
            if !alone.iter().any(|m| m.rule_id == spec.id) {
                continue; // the example needs its later lines
            }
            for before in ["# notes\n", "value:\r\n", "\n\n"] {
                let text = format!("{before}{line}\n");
                let got = all.find_in(text.as_bytes());
                if !got.iter().any(|m| m.rule_id == spec.id) {
                    failures.push(format!("{}: {:?}", spec.id, text));
                }
            }
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

#[test]
fn a_bare_token_on_a_later_line_is_reported_on_that_line() {
    let s = Scanner::builtin().expect("built-in rules load");
    // Tableau's PAT secret shape: base64 of 16 bytes, a colon, 32 characters.
    let tok = "Zk3Qv8Lm2Tx7Wp4Nc9Hb1g==:Rs5Dj0Fy6Ku3Ea8Io2Pn7Mt4Vw1Xz9Qa";
    let got = s.find_in(format!("pat build-bot\n{tok}\n").as_bytes());
    let m = got
        .iter()
        .find(|m| m.rule_id == "tableau-pat")
        .unwrap_or_else(|| panic!("{got:?}"));
    // The secret is the token on the second line, from its first byte.
    assert_eq!(m.secret, tok, "{m:?}");
    assert_eq!(m.start, "pat build-bot\n".len(), "{m:?}");
}
