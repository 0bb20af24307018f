//! The finding model shared by every scanner, and the printers for it.
//!
//! Scanners build [`Finding`]s; nothing outside this module formats them.
//! Redaction happens once, in [`Report::redact`], just before printing, so a
//! finding carries the raw secret in memory (for fingerprints and
//! baselines) and every printer prints the same redacted view, without a
//! way to forget to hide it.

mod finding;
pub mod json;
pub mod progress;
pub mod sarif;
mod summary;
pub mod text;

pub use finding::*;
pub use summary::*;
