//! Where bytes come from: a directory tree, the git index or a commit range,
//! and container image archives. Each source hands its items to the secret
//! engine and the Dockerfile linter and returns findings plus a summary of
//! what it read.

pub mod decode;
pub mod git;
pub mod image;
pub mod walk;

use crate::report::{Finding, ScanError, Summary};
use crate::secrets::{engine::Outcome, RawMatch, ScanScratch, Scanner};
use std::io::Read;

/// One thread's reusable state for scanning streams with the secret engine:
/// every source (files, git blobs, image layers) goes through [`Self::scan`],
/// so counting, inline allows and error handling are the same everywhere.
#[derive(Default)]
pub struct StreamScanner {
    pub scratch: ScanScratch,
    raw: Vec<RawMatch>,
}

impl StreamScanner {
    /// Scan `reader`, shown as `display`. Findings go to `findings`, counts
    /// and errors to `summary`; what was found before a read error is kept.
    /// Returns the bytes scanned, or `None` for a skipped binary or an error.
    pub fn scan<R: Read>(
        &mut self,
        scanner: &Scanner,
        reader: R,
        display: &str,
        include_binary: bool,
        findings: &mut Vec<Finding>,
        summary: &mut Summary,
    ) -> Option<u64> {
        self.raw.clear();
        let result = scanner.scan_reader(reader, &mut self.scratch, !include_binary, &mut self.raw);
        let scanned = match result {
            Ok(Outcome::Binary) => {
                summary.skip("binary");
                None
            }
            Ok(Outcome::Scanned { bytes }) => {
                summary.files_scanned += 1;
                summary.bytes_scanned += bytes;
                Some(bytes)
            }
            Err(e) => {
                summary.errors.push(ScanError {
                    path: display.to_string(),
                    message: format!("read failed: {e}"),
                });
                None
            }
        };
        for m in self.raw.drain(..) {
            if m.allowed_inline {
                summary.suppressed += 1;
            } else {
                findings.push(scanner.finding(&m, display.to_string()));
            }
        }
        scanned
    }
}
