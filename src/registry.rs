//! The one rule registry: secret rules (TOML data, the config's own rules
//! among them), Dockerfile rules and image rules, each with the same
//! documentation ([`RuleMeta`]). `rules`, `explain`, SARIF's
//! `tool.driver.rules` and config validation all read it, so a rule that
//! is listed is a rule that runs, and a rule id the config names must be
//! in it.

use crate::config::{Config, ConfigError};
use crate::report::{Category, RuleMeta};
use crate::secrets::Scanner;

/// The rules of one scan: those the config leaves enabled.
pub struct Registry {
    rules: Vec<RuleMeta>,
}

impl Registry {
    /// `scanner`'s secret rules (already less those the config disables,
    /// plus its own), then the enabled Dockerfile and image rules.
    pub fn active(scanner: &Scanner, cfg: &Config) -> Registry {
        let mut rules: Vec<RuleMeta> = scanner.rules().iter().map(|r| r.meta().clone()).collect();
        rules.extend(
            crate::secrets::files::rules()
                .into_iter()
                .chain(crate::dockerfile::rules())
                .chain(crate::image::rules())
                .filter(|m| cfg.rule_enabled(&m.id)),
        );
        Registry { rules }
    }

    pub fn rules(&self) -> &[RuleMeta] {
        &self.rules
    }

    pub fn get(&self, id: &str) -> Option<&RuleMeta> {
        self.rules.iter().find(|m| m.id == id)
    }

    /// The rules of these categories, for a command's SARIF rule list.
    pub fn of(&self, categories: &[Category]) -> Vec<RuleMeta> {
        self.rules
            .iter()
            .filter(|m| categories.contains(&m.category))
            .cloned()
            .collect()
    }
}

/// Every id the config names is a rule: a built-in secret rule (ids in
/// `builtin_secrets`), a Dockerfile or image rule, or one of the config's own.
pub fn check_config<'a>(
    cfg: &Config,
    builtin_secrets: impl Iterator<Item = &'a str>,
) -> Result<(), ConfigError> {
    if cfg.disabled.is_empty() {
        return Ok(());
    }
    let mut known: std::collections::HashSet<String> =
        builtin_secrets.map(str::to_string).collect();
    known.extend(crate::dockerfile::rules().into_iter().map(|m| m.id));
    known.extend(crate::secrets::files::rules().into_iter().map(|m| m.id));
    known.extend(crate::image::rules().into_iter().map(|m| m.id));
    cfg.check_rule_ids(|id| known.contains(id))
}
