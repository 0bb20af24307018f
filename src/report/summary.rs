use super::{Finding, RuleMeta, Severity};
use serde::Serialize;
use std::collections::BTreeMap;

/// A file or input that could not be (fully) scanned. The scan goes on.
#[derive(Clone, Debug, Serialize, PartialEq, Eq, PartialOrd, Ord)]
pub struct ScanError {
    pub path: String,
    pub message: String,
}

/// What was scanned, so that a scan of nothing is visible.
#[derive(Clone, Debug, Default, Serialize)]
pub struct Summary {
    pub files_scanned: u64,
    pub bytes_scanned: u64,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub commits_scanned: Option<u64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub layers_scanned: Option<u64>,
    pub seconds: f64,
    /// Files not scanned, by reason (`binary`, `symlink`, …).
    pub skipped: BTreeMap<String, u64>,
    /// Findings hidden by inline allows, config allow-lists and the baseline.
    pub suppressed: u64,
    /// How many of `suppressed` the baseline hid.
    #[serde(skip_serializing_if = "is_zero")]
    pub baselined: u64,
    /// The baseline file applied, when one was.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub baseline: Option<String>,
    pub errors: Vec<ScanError>,
    /// What was passed over on purpose and why, where a count in `skipped`
    /// would not say which (an image index's descriptor that names a blob
    /// not in the archive, an index nested past the cap).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub notes: Vec<String>,
    /// The repository and revision a git scan read (SARIF
    /// `versionControlProvenance`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub vcs: Option<Vcs>,
    /// `K/N` when only one shard of the scan was run.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub shard: Option<String>,
    /// What was scanned, for SARIF `runAutomationDetails` (`tree`, `staged`,
    /// `range`, `history`); set by git modes and sharded scans.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub mode: Option<String>,
}

fn is_zero(n: &u64) -> bool {
    *n == 0
}

/// Where a git scan's findings come from.
#[derive(Clone, Debug, Default, Serialize, PartialEq, Eq)]
pub struct Vcs {
    /// The `origin` remote's URL, else the repository's `file://` URL.
    pub repository_uri: String,
    pub revision: Option<String>,
    pub branch: Option<String>,
}

impl Summary {
    pub fn skip(&mut self, reason: &str) {
        *self.skipped.entry(reason.to_string()).or_default() += 1;
    }

    pub fn merge(&mut self, other: Summary) {
        self.files_scanned += other.files_scanned;
        self.bytes_scanned += other.bytes_scanned;
        for (k, v) in other.skipped {
            *self.skipped.entry(k).or_default() += v;
        }
        self.suppressed += other.suppressed;
        self.baselined += other.baselined;
        self.errors.extend(other.errors);
        self.notes.extend(other.notes);
        if let Some(c) = other.commits_scanned {
            *self.commits_scanned.get_or_insert(0) += c;
        }
        if self.vcs.is_none() {
            self.vcs = other.vcs;
        }
        if let Some(c) = other.layers_scanned {
            *self.layers_scanned.get_or_insert(0) += c;
        }
    }
}

/// Everything a printer needs.
#[derive(Clone, Debug, Default)]
pub struct Report {
    pub findings: Vec<Finding>,
    pub summary: Summary,
    /// Every rule that was active, for SARIF's `tool.driver.rules`.
    pub rules: Vec<RuleMeta>,
}

impl Report {
    /// Findings in a stable order: path, position, rule.
    pub fn sort(&mut self) {
        self.findings.sort_by(|a, b| {
            (&a.path, a.span, &a.rule_id, &a.commit).cmp(&(&b.path, b.span, &b.rule_id, &b.commit))
        });
        self.summary.errors.sort();
    }

    /// The one redacted view every printer prints: each finding's secret
    /// replaced by its redacted form, and every reported secret redacted
    /// wherever it appears in any finding's message, snippet or image
    /// history. Printers print what the report holds, so none can forget.
    pub fn redact(&mut self) {
        self.scrub_all_secrets();
        for f in &mut self.findings {
            let Some(secret) = f.secret.take() else {
                continue;
            };
            if !secret.is_empty() {
                f.message = super::scrub_secret(&f.message, &secret);
                if let Some(s) = f.snippet.as_mut() {
                    *s = super::scrub_secret(s, &secret);
                }
                if let Some(c) = f.image.as_mut().and_then(|i| i.created_by.as_mut()) {
                    *c = super::scrub_secret(c, &secret);
                }
            }
            f.secret = Some(super::redact_secret(&secret));
        }
    }

    /// Redact every reported secret wherever it appears in any finding's
    /// message, snippet or image history, not only in its own finding: a
    /// line with two secrets, or a parse error quoting a line, would
    /// otherwise print one finding's secret in full in another's text.
    fn scrub_all_secrets(&mut self) {
        let mut secrets: Vec<&str> = self
            .findings
            .iter()
            .filter_map(|f| f.secret.as_deref())
            .filter(|s| s.chars().count() > 2 * super::REDACT_KEEP)
            .collect();
        secrets.sort_unstable();
        secrets.dedup();
        if secrets.is_empty() {
            return;
        }
        let Ok(ac) = aho_corasick::AhoCorasick::builder()
            .match_kind(aho_corasick::MatchKind::LeftmostLongest)
            .build(&secrets)
        else {
            return;
        };
        let redacted: Vec<String> = secrets.iter().map(|s| super::redact_secret(s)).collect();
        let scrub = |t: &mut String| {
            if ac.is_match(t.as_str()) {
                *t = ac.replace_all(t, &redacted);
            }
        };
        for f in &mut self.findings {
            scrub(&mut f.message);
            if let Some(s) = f.snippet.as_mut() {
                scrub(s);
            }
            if let Some(c) = f.image.as_mut().and_then(|i| i.created_by.as_mut()) {
                scrub(c);
            }
        }
    }

    pub fn count_by_severity(&self) -> BTreeMap<Severity, usize> {
        let mut m = BTreeMap::new();
        for f in &self.findings {
            *m.entry(f.severity).or_default() += 1;
        }
        m
    }
}
