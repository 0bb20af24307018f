//! The baseline: findings a team has accepted, so only new ones fail a build.
//! Entries are keyed by fingerprint (rule id + secret), which survives moved
//! lines, renames and rebases. The file is sorted and has no timestamps, so
//! regenerating it without changes gives an identical file.

use crate::report::Finding;
use serde::{Deserialize, Serialize};
use std::collections::BTreeSet;
use std::path::Path;

#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
pub struct BaselineEntry {
    pub fingerprint: String,
    pub rule_id: String,
    /// Where it was when baselined; informational only.
    pub path: String,
}

#[derive(Debug, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Baseline {
    pub version: u32,
    pub findings: Vec<BaselineEntry>,
}

impl Baseline {
    pub fn from_findings(findings: &[Finding]) -> Baseline {
        let set: BTreeSet<BaselineEntry> = findings
            .iter()
            .map(|f| BaselineEntry {
                fingerprint: f.fingerprint.clone(),
                rule_id: f.rule_id.clone(),
                path: f.path.clone(),
            })
            .collect();
        let mut findings: Vec<_> = set.into_iter().collect();
        findings.sort_by(|a, b| {
            (&a.path, &a.rule_id, &a.fingerprint).cmp(&(&b.path, &b.rule_id, &b.fingerprint))
        });
        Baseline {
            version: 1,
            findings,
        }
    }

    pub fn load(path: &Path) -> anyhow::Result<Baseline> {
        let text = std::fs::read_to_string(path)
            .map_err(|e| anyhow::anyhow!("{}: cannot read baseline: {e}", path.display()))?;
        serde_json::from_str(&text)
            .map_err(|e| anyhow::anyhow!("{}:{}: invalid baseline: {e}", path.display(), e.line()))
    }

    pub fn save(&self, path: &Path) -> anyhow::Result<()> {
        let mut text = serde_json::to_string_pretty(self)?;
        text.push('\n');
        std::fs::write(path, text)
            .map_err(|e| anyhow::anyhow!("{}: cannot write baseline: {e}", path.display()))
    }

    /// Drop baselined findings; returns how many were dropped.
    pub fn apply(&self, findings: &mut Vec<Finding>) -> u64 {
        let known: BTreeSet<&str> = self
            .findings
            .iter()
            .map(|e| e.fingerprint.as_str())
            .collect();
        let before = findings.len();
        findings.retain(|f| !known.contains(f.fingerprint.as_str()));
        (before - findings.len()) as u64
    }
}
