//! Where the pipeline puts what it learns: findings and the summary of what
//! was read. One sink per worker thread, merged once at the end, so nothing
//! is locked per file or per finding.

use crate::report::{Finding, ScanError, Summary};

/// Findings and counts of one worker (or of a whole scan, once merged).
#[derive(Debug, Default)]
pub struct Sink {
    findings: Vec<Finding>,
    /// Files, bytes, skips, suppressions and errors.
    pub summary: Summary,
}

impl Sink {
    pub fn push(&mut self, f: Finding) {
        self.findings.push(f);
    }

    pub fn extend(&mut self, fs: impl IntoIterator<Item = Finding>) {
        self.findings.extend(fs);
    }

    /// A file or input that could not be (fully) read; the scan goes on.
    pub fn error(&mut self, path: impl Into<String>, message: impl Into<String>) {
        self.summary.errors.push(ScanError {
            path: path.into(),
            message: message.into(),
        });
    }

    pub fn skip(&mut self, reason: &str) {
        self.summary.skip(reason);
    }

    pub fn findings(&self) -> &[Finding] {
        &self.findings
    }

    pub fn merge(&mut self, other: Sink) {
        // Exact: the merged sink of a whole scan is what stays in memory
        // until the report is printed.
        self.findings.reserve_exact(other.findings.len());
        self.findings.extend(other.findings);
        self.summary.merge(other.summary);
    }

    pub fn into_parts(mut self) -> (Vec<Finding>, Summary) {
        self.findings.shrink_to_fit();
        (self.findings, self.summary)
    }
}
