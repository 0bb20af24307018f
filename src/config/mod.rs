//! What the user has decided: the `.stowaway.toml` config file (allowed
//! paths and secrets, disabled rules, custom rules) and the baseline of
//! accepted findings. Both are applied after scanning, to every scanner's
//! findings alike.

mod baseline;
mod policy;
pub use baseline::{Baseline, BaselineError, BASELINE_FILE};
pub use policy::Policy;

use crate::report::Finding;
use crate::secrets::rule::{compile, RuleSpec};
use crate::secrets::Rule;
use globset::{Glob, GlobSet, GlobSetBuilder};
use serde::Deserialize;
use std::path::{Path, PathBuf};

/// The config file name looked for at the scan root.
pub const CONFIG_FILE: &str = ".stowaway.toml";

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct ConfigFile {
    #[serde(default)]
    allow: AllowSection,
    #[serde(default)]
    rules: RulesSection,
    #[serde(default)]
    rule: Vec<RuleSpec>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct AllowSection {
    /// Globs over the finding's path (gitignore-like: `tests/fixtures/**`).
    #[serde(default)]
    paths: Vec<String>,
    /// Regexes over the secret value.
    #[serde(default)]
    secrets: Vec<String>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct RulesSection {
    #[serde(default)]
    disable: Vec<String>,
}

/// A loaded, validated config.
#[derive(Debug, Default)]
pub struct Config {
    pub file: Option<PathBuf>,
    /// The config file's directory as the scan shows paths (`repo` for
    /// `repo/.stowaway.toml`); allowed paths are relative to it.
    base: Option<String>,
    allow_paths: Option<GlobSet>,
    pub allow_secrets: Vec<regex::Regex>,
    pub disabled: Vec<String>,
    /// The line of each `disabled` id in the file, for errors.
    disabled_lines: Vec<Option<usize>>,
    pub custom_rules: Vec<Rule>,
}

/// Why a config cannot be used: always names the file, and the line where
/// there is one.
#[derive(Debug, thiserror::Error)]
#[error("{file}{}: {message}", line.map(|l| format!(":{l}")).unwrap_or_default())]
pub struct ConfigError {
    pub file: String,
    pub line: Option<usize>,
    pub message: String,
}

impl Config {
    /// `explicit` (from `--config`) must exist; otherwise `.stowaway.toml`
    /// at `root` is used when present.
    pub fn discover(explicit: Option<&Path>, root: &Path) -> Result<Config, ConfigError> {
        match explicit {
            Some(p) => Config::load(p),
            None => {
                let p = root.join(CONFIG_FILE);
                if p.is_file() {
                    Config::load(&p)
                } else {
                    Ok(Config::default())
                }
            }
        }
    }

    pub fn load(path: &Path) -> Result<Config, ConfigError> {
        let file = path.display().to_string();
        let text = std::fs::read_to_string(path).map_err(|e| ConfigError {
            file: file.clone(),
            line: None,
            message: format!("cannot read: {e}"),
        })?;
        Config::parse(&file, &text).map(|mut c| {
            c.file = Some(path.to_path_buf());
            c.base = path
                .parent()
                .map(|p| p.to_string_lossy().replace('\\', "/"))
                .map(|p| p.trim_start_matches("./").trim_end_matches('/').to_string())
                .filter(|p| !p.is_empty() && p != ".");
            c
        })
    }

    pub fn parse(file: &str, text: &str) -> Result<Config, ConfigError> {
        let err = |line: Option<usize>, message: String| ConfigError {
            file: file.to_string(),
            line,
            message,
        };
        let line_of = |needle: &str| {
            text.find(needle)
                .map(|i| text[..i].matches('\n').count() + 1)
        };
        let parsed: ConfigFile = toml::from_str(text).map_err(|e| {
            err(
                e.span()
                    .map(|s| text[..s.start.min(text.len())].matches('\n').count() + 1),
                e.message().to_string(),
            )
        })?;
        let mut globs = GlobSetBuilder::new();
        for g in &parsed.allow.paths {
            let glob = Glob::new(g)
                .map_err(|e| err(line_of(g), format!("allow.paths: invalid glob `{g}`: {e}")))?;
            globs.add(glob);
            // `dir/` or `dir` also allows everything below it.
            let below = format!("{}/**", g.trim_end_matches('/'));
            if let Ok(b) = Glob::new(&below) {
                globs.add(b);
            }
        }
        let allow_paths = if parsed.allow.paths.is_empty() {
            None
        } else {
            Some(
                globs
                    .build()
                    .map_err(|e| err(None, format!("allow.paths: {e}")))?,
            )
        };
        let allow_secrets = parsed
            .allow
            .secrets
            .iter()
            .map(|s| {
                regex::Regex::new(s).map_err(|e| {
                    err(
                        line_of(s),
                        format!("allow.secrets: invalid regex `{s}`: {e}"),
                    )
                })
            })
            .collect::<Result<Vec<_>, _>>()?;
        let custom_rules = parsed
            .rule
            .into_iter()
            .map(|spec| {
                let at = line_of(&format!("\"{}\"", spec.id)).or_else(|| line_of(&spec.id));
                compile(file, spec)
                    .map_err(|e| err(at, e.to_string().replacen(&format!("{file}: "), "", 1)))
            })
            .collect::<Result<Vec<_>, _>>()?;
        let disabled_lines = parsed
            .rules
            .disable
            .iter()
            .map(|id| line_of(&format!("\"{id}\"")).or_else(|| line_of(id)))
            .collect();
        Ok(Config {
            file: None,
            base: None,
            allow_paths,
            allow_secrets,
            disabled: parsed.rules.disable,
            disabled_lines,
            custom_rules,
        })
    }

    /// Whether `path` (as the scan shows it) is allowed. Globs are relative
    /// to the config file's directory.
    pub fn path_allowed(&self, path: &str) -> bool {
        let Some(globs) = &self.allow_paths else {
            return false;
        };
        let rel = self
            .base
            .as_deref()
            .and_then(|b| path.strip_prefix(b))
            .and_then(|p| p.strip_prefix('/'));
        globs.is_match(path) || rel.is_some_and(|r| globs.is_match(r))
    }

    /// Every rule id the config names must exist (`exists`, or one of its
    /// own rules): a misspelled id under `[rules] disable` would otherwise
    /// leave the rule on without a word.
    pub fn check_rule_ids(&self, exists: impl Fn(&str) -> bool) -> Result<(), ConfigError> {
        let own = |id: &str| self.custom_rules.iter().any(|r| r.spec.id == id);
        for (i, id) in self.disabled.iter().enumerate() {
            if !exists(id) && !own(id) {
                return Err(ConfigError {
                    file: self
                        .file
                        .as_ref()
                        .map_or_else(|| "config".into(), |f| f.display().to_string()),
                    line: self.disabled_lines.get(i).copied().flatten(),
                    message: format!("rules.disable: no rule `{id}` (`stowaway rules` lists them)"),
                });
            }
        }
        Ok(())
    }

    pub fn rule_enabled(&self, id: &str) -> bool {
        !self.disabled.iter().any(|d| d == id)
    }

    /// Whether the finding's secret matches an `[allow] secrets` pattern.
    pub fn secret_allowed(&self, f: &Finding) -> bool {
        f.secret
            .as_deref()
            .is_some_and(|s| self.allow_secrets.iter().any(|r| r.is_match(s)))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn errors_name_file_and_line() {
        let e = Config::parse("cfg.toml", "[allow]\npaths = [\"a\"]\nbogus = 1\n").unwrap_err();
        assert_eq!(e.file, "cfg.toml");
        assert_eq!(e.line, Some(3), "{e}");
        let e = Config::parse("cfg.toml", "[allow]\nsecrets = [\"(unclosed\"]\n").unwrap_err();
        assert!(e.to_string().contains("invalid regex"), "{e}");
        assert_eq!(e.line, Some(2));
    }

    #[test]
    fn custom_rule_errors_name_the_rule() {
        let text = "[[rule]]\nid = \"my-rule\"\nname = \"x\"\ndescription = \"x\"\nseverity = \"high\"\nkeywords = [\"abc\"]\nregex = 'abc(?P<secret>['\n";
        let e = Config::parse("c.toml", text).unwrap_err();
        let s = e.to_string();
        assert!(s.contains("my-rule") && s.contains("invalid regex"), "{s}");
        assert_eq!(e.line, Some(2));
    }

    #[test]
    fn unknown_disabled_rule_is_an_error_naming_it() {
        let text = "[rules]\ndisable = [\n  \"aws-access-key-id\",\n  \"aws-acess-key-id\",\n]\n";
        let c = Config::parse("c.toml", text).unwrap();
        let e = c
            .check_rule_ids(|id| id == "aws-access-key-id")
            .unwrap_err();
        assert_eq!(e.line, Some(4), "{e}");
        assert!(e.to_string().contains("`aws-acess-key-id`"), "{e}");
        assert!(c.check_rule_ids(|id| id.starts_with("aws-")).is_ok());
    }

    #[test]
    fn path_globs_cover_directories() {
        let c = Config::parse("c", "[allow]\npaths = [\"tests/fixtures\", \"*.lock\"]\n").unwrap();
        assert!(c.path_allowed("tests/fixtures/a/b.txt"));
        assert!(c.path_allowed("Cargo.lock"));
        assert!(!c.path_allowed("src/main.rs"));
    }
}
