//! The baseline: findings a team has accepted, so only new ones fail a build.
//!
//! `.stowaway-baseline.json` at the scan root (next to `.stowaway.toml`) is
//! found and applied without any flag. An entry matches a finding with the
//! same rule id, the same fingerprint (a hash of the rule id and the secret)
//! and the same path: a line that moves, or a commit that is rebased, keeps
//! its finding accepted; the same secret pasted into another file is
//! reported. Paths are stored relative to the baseline's directory, so the
//! file works whether the scan is run as `scan .` inside the repository or
//! as `scan repo` from its parent. The file is sorted and has no timestamps,
//! so regenerating it without changes gives an identical file.

use crate::report::Finding;
use serde::{Deserialize, Serialize};
use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

/// The baseline file name looked for at the scan root.
pub const BASELINE_FILE: &str = ".stowaway-baseline.json";

#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
pub struct BaselineEntry {
    pub fingerprint: String,
    pub rule_id: String,
    /// Relative to the baseline file's directory, `/`-separated.
    pub path: String,
}

#[derive(Debug, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Baseline {
    pub version: u32,
    pub findings: Vec<BaselineEntry>,
    /// The file it was loaded from or will be saved to.
    #[serde(skip)]
    pub file: Option<PathBuf>,
    /// The file's directory as the scan shows paths (`repo` for
    /// `repo/.stowaway-baseline.json`); entries are relative to it.
    #[serde(skip)]
    base: Option<String>,
}

/// Why a baseline cannot be read or written: always names the file.
#[derive(Debug, thiserror::Error)]
#[error("{file}{}: {message}", line.map(|l| format!(":{l}")).unwrap_or_default())]
pub struct BaselineError {
    pub file: String,
    pub line: Option<usize>,
    pub message: String,
}

/// The directory of `file` as the scan shows paths, if it is not `.`.
fn base_of(file: &Path) -> Option<String> {
    file.parent()
        .map(|p| p.to_string_lossy().replace('\\', "/"))
        .map(|p| p.trim_start_matches("./").trim_end_matches('/').to_string())
        .filter(|p| !p.is_empty() && p != ".")
}

type Key<'a> = (&'a str, &'a str, &'a str);

impl Baseline {
    /// An empty baseline that will be saved to `file`.
    pub fn new(file: &Path) -> Baseline {
        Baseline {
            version: 1,
            findings: Vec::new(),
            file: Some(file.to_path_buf()),
            base: base_of(file),
        }
    }

    /// `explicit` (from `--baseline`) must exist; otherwise
    /// `.stowaway-baseline.json` at `root` is used when present.
    pub fn discover(
        explicit: Option<&Path>,
        root: &Path,
    ) -> Result<Option<Baseline>, BaselineError> {
        match explicit {
            Some(p) => Baseline::load(p).map(Some),
            None => {
                let p = root.join(BASELINE_FILE);
                if p.is_file() {
                    Baseline::load(&p).map(Some)
                } else {
                    Ok(None)
                }
            }
        }
    }

    pub fn load(path: &Path) -> Result<Baseline, BaselineError> {
        let file = path.display().to_string();
        let text = std::fs::read_to_string(path).map_err(|e| BaselineError {
            file: file.clone(),
            line: None,
            message: format!("cannot read baseline: {e}"),
        })?;
        let mut b: Baseline = serde_json::from_str(&text).map_err(|e| BaselineError {
            file,
            line: Some(e.line()),
            message: format!("invalid baseline: {e}"),
        })?;
        b.file = Some(path.to_path_buf());
        b.base = base_of(path);
        Ok(b)
    }

    pub fn save(&self) -> Result<(), BaselineError> {
        let path = self
            .file
            .clone()
            .unwrap_or_else(|| PathBuf::from(BASELINE_FILE));
        let err = |message: String| BaselineError {
            file: path.display().to_string(),
            line: None,
            message,
        };
        let mut text = serde_json::to_string_pretty(self).map_err(|e| err(e.to_string()))?;
        text.push('\n');
        std::fs::write(&path, text).map_err(|e| err(format!("cannot write baseline: {e}")))
    }

    /// A finding's path relative to the baseline's directory.
    fn rel<'a>(&self, path: &'a str) -> &'a str {
        self.base
            .as_deref()
            .and_then(|b| path.strip_prefix(b))
            .and_then(|p| p.strip_prefix('/'))
            .unwrap_or(path)
    }

    pub(super) fn key<'a>(&self, f: &'a Finding) -> Key<'a> {
        (
            f.rule_id.as_str(),
            f.fingerprint.as_str(),
            self.rel(&f.path),
        )
    }

    pub(super) fn keys(&self) -> BTreeSet<Key<'_>> {
        self.findings
            .iter()
            .map(|e| (e.rule_id.as_str(), e.fingerprint.as_str(), e.path.as_str()))
            .collect()
    }

    fn sort(&mut self) {
        self.findings.sort_by(|a, b| {
            (&a.path, &a.rule_id, &a.fingerprint).cmp(&(&b.path, &b.rule_id, &b.fingerprint))
        });
        self.findings.dedup();
    }

    /// Add every finding not yet listed; returns how many were added.
    pub fn add(&mut self, findings: &[Finding]) -> usize {
        let before = self.findings.len();
        let new: Vec<BaselineEntry> = {
            let known = self.keys();
            findings
                .iter()
                .filter(|f| !known.contains(&self.key(f)))
                .map(|f| BaselineEntry {
                    fingerprint: f.fingerprint.clone(),
                    rule_id: f.rule_id.clone(),
                    path: self.rel(&f.path).to_string(),
                })
                .collect()
        };
        self.findings.extend(new);
        self.sort();
        self.findings.len() - before
    }

    /// Drop the entries no finding matches any more; returns how many.
    pub fn prune(&mut self, findings: &[Finding]) -> usize {
        let current: BTreeSet<(String, String, String)> = findings
            .iter()
            .map(|f| {
                let (r, fp, p) = self.key(f);
                (r.to_string(), fp.to_string(), p.to_string())
            })
            .collect();
        let before = self.findings.len();
        self.findings.retain(|e| {
            current.contains(&(e.rule_id.clone(), e.fingerprint.clone(), e.path.clone()))
        });
        before - self.findings.len()
    }

    /// How many of `findings` the baseline does not list.
    pub fn count_new(&self, findings: &[Finding]) -> usize {
        let known = self.keys();
        findings
            .iter()
            .filter(|f| !known.contains(&self.key(f)))
            .count()
    }

    /// Drop baselined findings; returns how many were dropped.
    pub fn apply(&self, findings: &mut Vec<Finding>) -> u64 {
        let known = self.keys();
        let before = findings.len();
        findings.retain(|f| !known.contains(&self.key(f)));
        (before - findings.len()) as u64
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::report::{Category, RuleMeta, Severity, Span};

    fn finding(rule: &str, secret: &str, path: &str) -> Finding {
        let meta = RuleMeta {
            id: rule.into(),
            name: rule.into(),
            category: Category::Secret,
            severity: Severity::High,
            short: String::new(),
            help: String::new(),
            tags: Vec::new(),
            equivalents: Vec::new(),
        };
        Finding::new(
            &meta,
            "m".into(),
            path.into(),
            Span::line(1),
            Some(secret.into()),
            None,
            secret,
        )
    }

    #[test]
    fn matches_rule_secret_and_path_relative_to_its_directory() {
        let mut b = Baseline::new(Path::new("repo/.stowaway-baseline.json"));
        assert_eq!(b.add(&[finding("r", "s1", "repo/a.txt")]), 1);
        assert_eq!(b.findings[0].path, "a.txt");
        let mut found = vec![
            finding("r", "s1", "repo/a.txt"),
            finding("r", "s1", "repo/b.txt"),
            finding("r", "s2", "repo/a.txt"),
            finding("other", "s1", "repo/a.txt"),
        ];
        assert_eq!(b.apply(&mut found), 1);
        assert_eq!(found.len(), 3);
        // The same file scanned from inside the repository.
        let inside = Baseline {
            base: None,
            ..Baseline::new(Path::new(BASELINE_FILE))
        };
        let mut inside = inside;
        inside.findings = b.findings.clone();
        let mut found = vec![finding("r", "s1", "a.txt")];
        assert_eq!(inside.apply(&mut found), 1);
    }

    #[test]
    fn prune_drops_what_no_longer_matches() {
        let mut b = Baseline::new(Path::new(BASELINE_FILE));
        b.add(&[finding("r", "s1", "a"), finding("r", "s2", "b")]);
        assert_eq!(b.prune(&[finding("r", "s2", "b")]), 1);
        assert_eq!(b.findings.len(), 1);
        assert_eq!(b.findings[0].path, "b");
        assert_eq!(
            b.count_new(&[finding("r", "s2", "b"), finding("r", "s3", "b")]),
            1
        );
    }
}
