//! The finding model shared by every scanner, and the printers for it.
//!
//! Scanners build [`Finding`]s; nothing outside this module formats them.
//! Redaction happens here, at print time, so a finding can carry the raw
//! secret in memory (for fingerprints and baselines) without any printer
//! being able to forget to hide it.

mod finding;
pub mod json;
pub mod progress;
pub mod sarif;
mod summary;
pub mod text;

pub use finding::*;
pub use summary::*;
