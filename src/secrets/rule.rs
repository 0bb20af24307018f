//! Rule definitions: the TOML schema (documented in `patterns/README.md`),
//! loading with errors that name the file, line and rule, and compilation.

use super::literal::Grammar;
use super::validate::Validator;
use crate::report::{Category, RuleMeta, Severity};
use regex::bytes::{Regex, RegexBuilder};
use serde::Deserialize;
use std::borrow::Cow;
use std::sync::OnceLock;

/// A rule's text: borrowed from the binary for built-in rules (no copy at
/// start-up), owned for rules read from a config.
pub type Text = Cow<'static, str>;

/// A rule's list of strings, borrowed or owned like [`Text`].
#[derive(Clone, Debug, Default, PartialEq)]
pub struct List(pub Cow<'static, [Text]>);

impl std::ops::Deref for List {
    type Target = [Text];
    fn deref(&self) -> &[Text] {
        &self.0
    }
}

impl<'a> IntoIterator for &'a List {
    type Item = &'a Text;
    type IntoIter = std::slice::Iter<'a, Text>;
    fn into_iter(self) -> Self::IntoIter {
        self.0.iter()
    }
}

impl<'de> Deserialize<'de> for List {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<List, D::Error> {
        Vec::<Text>::deserialize(d).map(|v| List(Cow::Owned(v)))
    }
}

/// One rule as written in TOML.
#[derive(Clone, Debug, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct RuleSpec {
    pub id: Text,
    pub name: Text,
    pub description: Text,
    pub severity: Severity,
    #[serde(default)]
    pub tags: List,
    pub keywords: List,
    #[serde(default)]
    pub ignore_case: bool,
    pub regex: Text,
    pub entropy: Option<f64>,
    pub validator: Option<Text>,
    /// How a generic rule reads its candidates (`assignment`, `literal`):
    /// see `literal.rs`.
    pub grammar: Option<Text>,
    #[serde(default)]
    pub multiline: bool,
    #[serde(default)]
    pub priority: i32,
    #[serde(default)]
    pub allow: List,
    #[serde(default)]
    pub references: List,
    #[serde(default)]
    pub examples: List,
    #[serde(default)]
    pub negative_examples: List,
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
/// files touches few rules, and building ~700 regexes is most of start-up);
/// rules from a user's config are built at load, so a bad one is reported
/// there, naming the rule.
#[derive(Debug)]
pub struct Rule {
    pub spec: RuleSpec,
    meta: OnceLock<RuleMeta>,
    compiled: OnceLock<Compiled>,
    pub validator: Option<Validator>,
    pub grammar: Option<Grammar>,
    /// Longest keyword: a tie-breaker for "most specific rule wins".
    pub specificity: usize,
}

#[derive(Debug)]
struct Compiled {
    regex: Regex,
    allow: Vec<Regex>,
    /// Index of the `secret` capture group.
    secret_group: usize,
    /// The longest match the regex can make, if it is bounded.
    max_len: Option<usize>,
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

    /// Index of the regex's `secret` capture group (built with
    /// [`Rule::regex`]).
    pub fn secret_group(&self) -> usize {
        self.compiled().secret_group
    }

    /// The longest match the rule's regex can make, when its pattern bounds
    /// it (built with [`Rule::regex`]). A multi-line window needs reach no
    /// further past a keyword than this.
    pub fn max_match_len(&self) -> Option<usize> {
        self.compiled().max_len
    }

    /// The rule's documentation (built on first use: most scans report
    /// few rules).
    pub fn meta(&self) -> &RuleMeta {
        self.meta.get_or_init(|| meta_of(&self.spec))
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
    let secret_group = regex
        .capture_names()
        .position(|n| n == Some("secret"))
        .ok_or("regex has no named group `secret`")?;
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
    // Parsed again for its bound only: `regex` does not expose it. Same
    // syntax flags as the build above, so the bound is the regex's own.
    let max_len = regex_syntax::ParserBuilder::new()
        .unicode(false)
        .utf8(false)
        .build()
        .parse(&spec.regex)
        .ok()
        .and_then(|hir| hir.properties().maximum_len());
    Ok(Compiled {
        regex,
        allow,
        secret_group,
        max_len,
    })
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

/// The built-in rules, from the table `build.rs` generates from
/// `patterns/*.toml`: no TOML is parsed and no regex is built here (each is
/// built on its rule's first keyword hit). The unit tests check the table
/// against the TOML and build every rule eagerly, so a bad built-in rule
/// fails the tests, not a scan.
pub(crate) fn builtin_rules() -> Result<Vec<Rule>, RuleError> {
    super::builtin::RULES
        .iter()
        .map(|(file, spec)| compile_with(file, spec.clone(), false))
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
        id: spec.id.to_string(),
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
    let compiled = OnceLock::new();
    if eager {
        let _ = compiled.set(build(&spec).map_err(&bad)?);
    }
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
    let specificity = spec.keywords.iter().map(|k| k.len()).max().unwrap_or(0);
    Ok(Rule {
        spec,
        meta: OnceLock::new(),
        compiled,
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
    // SARIF wants unique tags; a rule file may repeat one of the two above.
    for t in spec.tags.iter() {
        if !tags.iter().any(|have| have.as_str() == t.as_ref()) {
            tags.push(t.to_string());
        }
    }
    RuleMeta {
        id: spec.id.to_string(),
        name: spec.name.to_string(),
        category: Category::Secret,
        severity: spec.severity,
        short: spec.name.to_string(),
        help,
        tags,
        equivalents: Vec::new(),
    }
}

#[cfg(test)]
mod tests {
    use super::super::builtin::{RULES as BUILTIN_RULES, RULE_FILES as BUILTIN_RULE_FILES};
    use super::*;

    /// The generated table says exactly what the TOML files say.
    #[test]
    fn builtin_table_matches_the_rule_files() {
        let mut parsed = Vec::new();
        for (name, text) in BUILTIN_RULE_FILES {
            let file = format!("patterns/{name}");
            for spec in parse_rule_file(&file, text).unwrap() {
                parsed.push((file.clone(), spec));
            }
        }
        assert_eq!(parsed.len(), BUILTIN_RULES.len());
        for ((file, spec), (gfile, gspec)) in parsed.iter().zip(BUILTIN_RULES) {
            assert_eq!(file, gfile);
            assert_eq!(spec, gspec, "{file}");
        }
        assert!(parsed.len() > 450);
    }

    /// Built-in rules skip the checks that need a regex built at load; here
    /// every one is built eagerly, as a config's rule would be, and its
    /// lazily built regex agrees.
    #[test]
    fn every_builtin_rule_compiles_eagerly() {
        let lazy = builtin_rules().unwrap();
        assert_eq!(lazy.len(), BUILTIN_RULES.len());
        for ((file, spec), rule) in BUILTIN_RULES.iter().zip(&lazy) {
            let eager = compile(file, spec.clone()).unwrap_or_else(|e| panic!("{e}"));
            assert!(rule.compiled.get().is_none(), "{}: built at load", spec.id);
            assert_eq!(eager.secret_group(), rule.secret_group(), "{}", spec.id);
            assert_eq!(eager.regex().as_str(), rule.regex().as_str());
            assert_eq!(eager.allow().len(), rule.allow().len());
        }
    }

    #[test]
    fn a_config_rule_without_a_secret_group_is_rejected_at_load() {
        let text = "[[rule]]\nid = \"no-group\"\nname = \"n\"\ndescription = \"d\"\n\
                    severity = \"high\"\nkeywords = [\"abcd\"]\nregex = 'abcd[0-9]+'\n";
        let e = load_rule_file("c.toml", text).unwrap_err().to_string();
        assert!(e.contains("no-group") && e.contains("named group"), "{e}");
    }
}
