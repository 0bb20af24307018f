//! The one policy stage: after the scan, every finding the user has
//! suppressed is dropped here and counted once, under the first reason that
//! applies: an inline comment allows it (the pipeline, which reads the line,
//! marks it `allowed_inline`), its rule is disabled, its path or its secret
//! is allowed by the config, or the baseline accepts it.

use super::{Baseline, Config};
use crate::report::{Finding, Summary};

/// What the user has decided, for one report.
pub struct Policy<'a> {
    pub config: &'a Config,
    pub baseline: Option<&'a Baseline>,
}

impl Policy<'_> {
    /// Drop the suppressed findings; `summary.suppressed` counts them all,
    /// `summary.baselined` those the baseline hid.
    pub fn apply(&self, findings: &mut Vec<Finding>, summary: &mut Summary) {
        let cfg = self.config;
        let accepted = self.baseline.map(Baseline::keys);
        let (mut allowed, mut baselined) = (0u64, 0u64);
        findings.retain(|f| {
            if f.allowed_inline
                || !cfg.rule_enabled(&f.rule_id)
                || cfg.path_allowed(&f.path)
                || cfg.secret_allowed(f)
            {
                allowed += 1;
                return false;
            }
            let in_baseline = match (self.baseline, &accepted) {
                (Some(b), Some(keys)) => keys.contains(&b.key(f)),
                _ => false,
            };
            if in_baseline {
                baselined += 1;
            }
            !in_baseline
        });
        summary.suppressed += allowed + baselined;
        summary.baselined += baselined;
    }
}
