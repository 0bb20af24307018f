//! Rule definitions: the TOML schema (documented in `patterns/README.md`),
//! loading with errors that name the file, line and rule, and compilation.

use super::validate::Validator;
use crate::report::{Category, RuleMeta, Severity};
use regex::bytes::{Regex, RegexBuilder};
use serde::Deserialize;

/// One rule as written in TOML.
#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RuleSpec {
    pub id: String,
    pub name: String,
    pub description: String,
    pub severity: Severity,
    #[serde(default)]
    pub tags: Vec<String>,
    pub keywords: Vec<String>,
    #[serde(default)]
    pub ignore_case: bool,
    pub regex: String,
    pub entropy: Option<f64>,
    pub validator: Option<String>,
    #[serde(default)]
    pub multiline: bool,
    #[serde(default)]
    pub priority: i32,
    #[serde(default)]
    pub allow: Vec<String>,
    #[serde(default)]
    pub references: Vec<String>,
    #[serde(default)]
    pub examples: Vec<String>,
    #[serde(default)]
    pub negative_examples: Vec<String>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RuleFile {
    #[serde(default)]
    rule: Vec<RuleSpec>,
}

/// A rule file or rule that cannot be used, with where and why.
#[derive(Debug, thiserror::Error)]
pub enum RuleError {
    #[error("{file}:{line}: {message}")]
    Syntax {
        file: String,
        line: usize,
        message: String,
    },
    #[error("{file}: rule `{id}`: {message}")]
    Invalid {
        file: String,
        id: String,
        message: String,
    },
}

/// A compiled rule, ready for the engine.
#[derive(Debug)]
pub struct Rule {
    pub spec: RuleSpec,
    pub meta: RuleMeta,
    pub regex: Regex,
    /// Index of the `secret` capture group.
    pub secret_group: usize,
    pub validator: Option<Validator>,
    pub allow: Vec<Regex>,
    /// Longest keyword: a tie-breaker for "most specific rule wins".
    pub specificity: usize,
}

/// Regex compile limits: generous for real rules, but a pathological pattern
/// is rejected at load instead of eating memory at scan time.
const REGEX_SIZE_LIMIT: usize = 4 << 20;

/// Parse a TOML rule file; `file` names it in errors.
pub fn load_rule_file(file: &str, text: &str) -> Result<Vec<Rule>, RuleError> {
    let parsed: RuleFile = toml::from_str(text).map_err(|e| RuleError::Syntax {
        file: file.to_string(),
        line: e
            .span()
            .map(|s| text[..s.start.min(text.len())].matches('\n').count() + 1)
            .unwrap_or(1),
        message: e.message().to_string(),
    })?;
    parsed
        .rule
        .into_iter()
        .map(|spec| compile(file, spec))
        .collect()
}

/// Compile one rule, checking everything the engine relies on.
pub fn compile(file: &str, spec: RuleSpec) -> Result<Rule, RuleError> {
    let bad = |message: String| RuleError::Invalid {
        file: file.to_string(),
        id: spec.id.clone(),
        message,
    };
    let kebab = !spec.id.is_empty()
        && spec
            .id
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
        && !spec.id.starts_with('-')
        && !spec.id.ends_with('-');
    if !kebab {
        return Err(bad("id must be kebab-case (a-z, 0-9, -)".into()));
    }
    if spec.keywords.is_empty() {
        return Err(bad(
            "needs at least one keyword: every rule is driven by the prefilter".into(),
        ));
    }
    if let Some(k) = spec.keywords.iter().find(|k| k.len() < 3) {
        return Err(bad(format!(
            "keyword `{k}` is shorter than 3 bytes and would match almost everywhere"
        )));
    }
    let regex = RegexBuilder::new(&spec.regex)
        .unicode(false)
        .size_limit(REGEX_SIZE_LIMIT)
        .dfa_size_limit(REGEX_SIZE_LIMIT)
        .build()
        .map_err(|e| bad(format!("invalid regex: {e}")))?;
    let secret_group = regex
        .capture_names()
        .position(|n| n == Some("secret"))
        .ok_or_else(|| bad("regex has no named group `secret`".into()))?;
    let validator = spec
        .validator
        .as_deref()
        .map(|v| v.parse::<Validator>().map_err(&bad))
        .transpose()?;
    if let Some(e) = spec.entropy {
        if !(0.0..=8.0).contains(&e) {
            return Err(bad(format!("entropy {e} is outside 0–8 bits per byte")));
        }
    }
    let allow = spec
        .allow
        .iter()
        .map(|a| {
            RegexBuilder::new(a)
                .size_limit(REGEX_SIZE_LIMIT)
                .build()
                .map_err(|e| bad(format!("invalid allow regex `{a}`: {e}")))
        })
        .collect::<Result<Vec<_>, _>>()?;
    let meta = meta_of(&spec);
    let specificity = spec.keywords.iter().map(|k| k.len()).max().unwrap_or(0);
    Ok(Rule {
        spec,
        meta,
        regex,
        secret_group,
        validator,
        allow,
        specificity,
    })
}

fn meta_of(spec: &RuleSpec) -> RuleMeta {
    let mut help = format!("{}\n\n", spec.description.trim());
    help.push_str("**Why it matters:** anyone who can read this file, its history or an image built from it can use the credential. ");
    help.push_str("**Fix:** revoke and rotate the credential at the provider, remove it from the file (and from history), and load it at run time from a secret store or environment variable.\n");
    if !spec.references.is_empty() {
        help.push_str("\n**References:** ");
        help.push_str(&spec.references.join(", "));
        help.push('\n');
    }
    let mut tags = vec!["security".to_string(), "secret".to_string()];
    tags.extend(spec.tags.iter().cloned());
    RuleMeta {
        id: spec.id.clone(),
        name: spec.name.clone(),
        category: Category::Secret,
        severity: spec.severity,
        short: spec.name.clone(),
        help,
        tags,
    }
}
