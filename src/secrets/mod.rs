//! Secret detection: the rule set, the keyword prefilter, regex confirmation
//! in small windows, and the validators (checksums, entropy, placeholders).
//!
//! - [`rule`] loads rules from TOML (built-in `patterns/` or the user's config)
//!   and compiles them;
//! - [`validate`] holds the checks a regex cannot express, and `structure`
//!   the decoding checks every rule's candidate passes (JOSE, PEM, Basic, bcrypt);
//! - [`engine`] is the hot loop: one aho-corasick pass per buffer, then each
//!   hit's rules confirm in a window around it;
//! - [`files`] holds the credential-file detectors (chosen by file name and
//!   structure) and the bounded decoding of encoded values.

mod builtin;
pub mod engine;
pub mod files;
mod filler;
mod keywords;
pub mod literal;
pub mod rule;
mod structure;
pub mod validate;

pub use engine::{RawMatch, ScanScratch, Scanner, SecretMatch};
pub use rule::{load_rule_file, Rule, RuleError, RuleSpec};
pub use validate::{is_secret_name, looks_like_placeholder, shannon_entropy};
