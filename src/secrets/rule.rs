//! Rule definitions: the TOML schema (documented in `patterns/README.md`),
//! loading with errors that name the file, line and rule, and compilation.

use super::literal::Grammar;
use super::validate::Validator;
use crate::report::{Category, RuleMeta, Severity};
use regex::bytes::{Regex, RegexBuilder};
use serde::Deserialize;
use std::sync::OnceLock;

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
    /// How a generic rule reads its candidates (`assignment`, `literal`):
    /// see `literal.rs`.
    pub grammar: Option<String>,
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
///
/// The regexes of built-in rules are built on first use (a scan of a few
/// files touches few rules, and building ~280 regexes is most of start-up);
/// rules from a user's config are built at load, so a bad one is reported
/// there, naming the rule.
#[derive(Debug)]
pub struct Rule {
    pub spec: RuleSpec,
    pub meta: RuleMeta,
    compiled: OnceLock<Compiled>,
    /// Index of the `secret` capture group.
    pub secret_group: usize,
    pub validator: Option<Validator>,
    pub grammar: Option<Grammar>,
    /// Longest keyword: a tie-breaker for "most specific rule wins".
    pub specificity: usize,
}

#[derive(Debug)]
struct Compiled {
    regex: Regex,
    allow: Vec<Regex>,
}

impl Rule {
    /// The rule's regex (built now if this is its first use).
    pub fn regex(&self) -> &Regex {
        &self.compiled().regex
    }

    /// The rule's allow-list regexes (built with [`Rule::regex`]).
    pub fn allow(&self) -> &[Regex] {
        &self.compiled().allow
    }

    fn compiled(&self) -> &Compiled {
        self.compiled.get_or_init(|| {
            // Only built-in rules get here unbuilt; the rule tests build
            // every one of them, so this cannot fail in a released binary.
            build(&self.spec).unwrap_or_else(|e| {
                panic!("built-in rule `{}` does not compile: {e}", self.spec.id)
            })
        })
    }
}

fn build(spec: &RuleSpec) -> Result<Compiled, String> {
    let regex = RegexBuilder::new(&spec.regex)
        .unicode(false)
        .size_limit(REGEX_SIZE_LIMIT)
        .dfa_size_limit(REGEX_SIZE_LIMIT)
        .build()
        .map_err(|e| format!("invalid regex: {e}"))?;
    let allow = spec
        .allow
        .iter()
        .map(|a| {
            RegexBuilder::new(a)
                .size_limit(REGEX_SIZE_LIMIT)
                .build()
                .map_err(|e| format!("invalid allow regex `{a}`: {e}"))
        })
        .collect::<Result<Vec<_>, _>>()?;
    Ok(Compiled { regex, allow })
}

/// Index of the capture group named `secret` in `hir`.
fn secret_group_of(hir: &regex_syntax::hir::Hir) -> Option<usize> {
    use regex_syntax::hir::HirKind;
    match hir.kind() {
        HirKind::Capture(c) if c.name.as_deref() == Some("secret") => Some(c.index as usize),
        HirKind::Capture(c) => secret_group_of(&c.sub),
        HirKind::Repetition(r) => secret_group_of(&r.sub),
        HirKind::Concat(v) | HirKind::Alternation(v) => v.iter().find_map(secret_group_of),
        _ => None,
    }
}

/// Regex compile limits: generous for real rules, but a pathological pattern
/// is rejected at load instead of eating memory at scan time.
const REGEX_SIZE_LIMIT: usize = 4 << 20;

/// Parse a TOML rule file; `file` names it in errors.
pub fn load_rule_file(file: &str, text: &str) -> Result<Vec<Rule>, RuleError> {
    parse_rule_file(file, text)?
        .into_iter()
        .map(|spec| compile(file, spec))
        .collect()
}

/// [`load_rule_file`] for the built-in rules: regexes are parsed and checked
/// now but built on first use.
pub(crate) fn load_builtin_rule_file(file: &str, text: &str) -> Result<Vec<Rule>, RuleError> {
    parse_rule_file(file, text)?
        .into_iter()
        .map(|spec| compile_with(file, spec, false))
        .collect()
}

fn parse_rule_file(file: &str, text: &str) -> Result<Vec<RuleSpec>, RuleError> {
    let parsed: RuleFile = toml::from_str(text).map_err(|e| RuleError::Syntax {
        file: file.to_string(),
        line: e
            .span()
            .map(|s| text[..s.start.min(text.len())].matches('\n').count() + 1)
            .unwrap_or(1),
        message: e.message().to_string(),
    })?;
    Ok(parsed.rule)
}

/// Compile one rule, checking everything the engine relies on.
pub fn compile(file: &str, spec: RuleSpec) -> Result<Rule, RuleError> {
    compile_with(file, spec, true)
}

fn compile_with(file: &str, spec: RuleSpec, eager: bool) -> Result<Rule, RuleError> {
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
    // Same syntax settings as the build in `build`: bytes, no Unicode.
    let hir = regex_syntax::ParserBuilder::new()
        .unicode(false)
        .utf8(false)
        .build()
        .parse(&spec.regex)
        .map_err(|e| bad(format!("invalid regex: {e}")))?;
    let secret_group =
        secret_group_of(&hir).ok_or_else(|| bad("regex has no named group `secret`".into()))?;
    let validator = spec
        .validator
        .as_deref()
        .map(|v| v.parse::<Validator>().map_err(&bad))
        .transpose()?;
    let grammar = spec
        .grammar
        .as_deref()
        .map(|g| g.parse::<Grammar>().map_err(&bad))
        .transpose()?;
    if let Some(e) = spec.entropy {
        if !(0.0..=8.0).contains(&e) {
            return Err(bad(format!("entropy {e} is outside 0–8 bits per byte")));
        }
    }
    let compiled = OnceLock::new();
    if eager {
        let _ = compiled.set(build(&spec).map_err(&bad)?);
    } else {
        for a in &spec.allow {
            regex_syntax::ParserBuilder::new()
                .utf8(false)
                .build()
                .parse(a)
                .map_err(|e| bad(format!("invalid allow regex `{a}`: {e}")))?;
        }
    }
    let meta = meta_of(&spec);
    let specificity = spec.keywords.iter().map(|k| k.len()).max().unwrap_or(0);
    Ok(Rule {
        spec,
        meta,
        compiled,
        secret_group,
        validator,
        grammar,
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
        equivalents: Vec::new(),
    }
}
