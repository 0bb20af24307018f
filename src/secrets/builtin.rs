//! The built-in rule set as `build.rs` compiles it into the binary: the rules
//! of `patterns/*.toml` as constants ([`RULES`]) and the keyword automaton
//! over their keywords as static tables ([`keyword_dfa`]), so a scan starts
//! without parsing TOML or building an automaton.

use super::keywords::KeywordDfa;
use super::rule::{List, RuleSpec};
use crate::report::Severity;
use std::borrow::Cow;

include!(concat!(env!("OUT_DIR"), "/builtin_rules.rs"));

#[cfg(test)]
mod tests {
    use super::*;

    /// The tables compiled in are what the automaton's constructor builds
    /// from the same keywords now.
    #[test]
    fn compiled_keyword_dfa_is_the_one_built_at_run_time() {
        assert_eq!(keyword_dfa(), KeywordDfa::new(KEYWORDS));
    }

    /// The keyword list is every built-in rule's keywords, folded, once.
    #[test]
    fn keywords_are_the_rules_keywords() {
        let mut want: Vec<Vec<u8>> = RULES
            .iter()
            .flat_map(|(_, r)| r.keywords.iter())
            .map(|k| k.to_ascii_lowercase().into_bytes())
            .collect();
        want.sort();
        want.dedup();
        let mut got: Vec<Vec<u8>> = KEYWORDS.iter().map(|k| k.to_vec()).collect();
        got.sort();
        got.dedup();
        assert_eq!(got.len(), KEYWORDS.len(), "a keyword listed twice");
        assert_eq!(got, want);
    }
}
