use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

/// How bad a finding is. Ordered, so `>=` compares thresholds.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    Info,
    Low,
    Medium,
    High,
    Critical,
}

impl Severity {
    pub const ALL: [Severity; 5] = [
        Severity::Critical,
        Severity::High,
        Severity::Medium,
        Severity::Low,
        Severity::Info,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Severity::Info => "info",
            Severity::Low => "low",
            Severity::Medium => "medium",
            Severity::High => "high",
            Severity::Critical => "critical",
        }
    }

    /// SARIF `level`: GitHub shows error/warning/note.
    pub fn sarif_level(self) -> &'static str {
        match self {
            Severity::Critical | Severity::High => "error",
            Severity::Medium => "warning",
            Severity::Low | Severity::Info => "note",
        }
    }

    /// GitHub's `security-severity` property (0.0–10.0, CVSS-like bands).
    pub fn security_severity(self) -> &'static str {
        match self {
            Severity::Critical => "9.5",
            Severity::High => "8.0",
            Severity::Medium => "5.5",
            Severity::Low => "3.0",
            Severity::Info => "1.0",
        }
    }
}

impl std::str::FromStr for Severity {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        match s.to_ascii_lowercase().as_str() {
            "info" | "note" => Ok(Severity::Info),
            "low" => Ok(Severity::Low),
            "medium" | "warning" => Ok(Severity::Medium),
            "high" | "error" => Ok(Severity::High),
            "critical" => Ok(Severity::Critical),
            other => Err(format!(
                "unknown severity `{other}` (expected info, low, medium, high or critical)"
            )),
        }
    }
}

impl std::fmt::Display for Severity {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Which scanner made a finding.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Category {
    Secret,
    Dockerfile,
    Image,
}

/// Documentation of one rule, whatever scanner owns it: what `rules`,
/// `explain` and the SARIF `tool.driver.rules` print.
#[derive(Clone, Debug, Serialize)]
pub struct RuleMeta {
    pub id: String,
    pub name: String,
    pub category: Category,
    pub severity: Severity,
    /// One sentence.
    pub short: String,
    /// Markdown: what it finds, why it matters, an example, the fix.
    pub help: String,
    pub tags: Vec<String>,
    /// The same check in other tools, as `tool:ID` (`hadolint:DL3002`,
    /// `trivy:DS002`, `buildkit:SecretsUsedInArgOrEnv`).
    pub equivalents: Vec<String>,
}

/// A rule's documentation in the one shape Dockerfile and image rules
/// share, rendered into [`RuleMeta::help`].
pub struct Doc<'a> {
    pub what: &'a str,
    pub why: &'a str,
    /// Dockerfile lines that show the problem.
    pub example: &'a str,
    pub fix: &'a str,
    /// Where to read more (benchmarks, vendor documentation).
    pub references: &'a [&'a str],
}

impl Doc<'_> {
    /// The Markdown `explain` and SARIF show.
    pub fn help(&self) -> String {
        let mut help = format!(
            "{}\n\n**Why it matters.** {}\n\n**Example**\n\n```dockerfile\n{}\n```\n\n**Fix.** {}\n",
            self.what,
            self.why,
            self.example.trim_end(),
            self.fix
        );
        if !self.references.is_empty() {
            help.push_str("\n**References.** ");
            help.push_str(&self.references.join(", "));
            help.push('\n');
        }
        help
    }
}

/// A place in a file. Lines and columns are 1-based; columns count Unicode
/// code points; `end_column` is exclusive (one past the last character), as
/// in SARIF.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
pub struct Span {
    pub line: u32,
    pub column: u32,
    pub end_line: u32,
    pub end_column: u32,
}

impl Span {
    pub fn line(line: u32) -> Span {
        Span {
            line,
            column: 1,
            end_line: line,
            end_column: 1,
        }
    }
}

/// Where in an image a finding was made (image audits only).
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
pub struct ImageContext {
    pub archive: String,
    /// The image's tag or reference, when the archive names one.
    pub reference: Option<String>,
    /// Every image in the archive this layer belongs to.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub references: Vec<String>,
    /// `layer` or `config`.
    pub source: String,
    pub layer_index: Option<usize>,
    pub layer_digest: Option<String>,
    pub diff_id: Option<String>,
    pub created_by: Option<String>,
    pub deleted: bool,
    pub deleted_by_layer: Option<usize>,
}

/// One thing that should not ship. Every scanner produces these and every
/// printer consumes them.
#[derive(Clone, Debug)]
pub struct Finding {
    pub rule_id: String,
    pub rule_name: String,
    pub severity: Severity,
    pub category: Category,
    /// Human sentence; must never contain the secret itself.
    pub message: String,
    /// Relative to the scan root, `/`-separated (inside an image: no leading `/`).
    pub path: String,
    pub span: Span,
    /// The raw secret, when the finding is one. Printers redact it.
    pub secret: Option<String>,
    /// The source line the finding is on, raw. Printers redact it.
    pub snippet: Option<String>,
    pub fingerprint: String,
    /// Commit the finding was made in (git-range scans).
    pub commit: Option<String>,
    /// Boxed: most findings are not in an image, and a finding is kept
    /// for every secret of a scan (100,000 of them must fit in 256 MiB).
    pub image: Option<Box<ImageContext>>,
    /// Extra facts for JSON/SARIF properties (never secrets).
    pub extra: Extra,
    /// An inline comment allows it (`stowaway:allow` on its line, a
    /// Dockerfile `# stowaway:ignore`/`hadolint ignore` pragma): the policy
    /// stage drops it and counts it with every other suppression.
    pub allowed_inline: bool,
}

/// A finding's extra facts: a few (key, value) pairs kept sorted by key, in
/// one small vector (a `BTreeMap` allocates a node of eleven slots for the
/// one `offset` most findings have).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Extra(Vec<(String, String)>);

impl Extra {
    /// Set `key` to `value`; the old value, if there was one.
    pub fn insert(&mut self, key: String, value: String) -> Option<String> {
        match self.0.binary_search_by(|(k, _)| k.as_str().cmp(&key)) {
            Ok(i) => Some(std::mem::replace(&mut self.0[i].1, value)),
            Err(i) => {
                self.0.insert(i, (key, value));
                None
            }
        }
    }

    pub fn get(&self, key: &str) -> Option<&String> {
        self.0
            .binary_search_by(|(k, _)| k.as_str().cmp(key))
            .ok()
            .map(|i| &self.0[i].1)
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    pub fn len(&self) -> usize {
        self.0.len()
    }

    /// The pairs in key order.
    pub fn iter(&self) -> impl Iterator<Item = (&String, &String)> {
        self.0.iter().map(|(k, v)| (k, v))
    }
}

impl<'a> IntoIterator for &'a Extra {
    type Item = (&'a String, &'a String);
    type IntoIter = std::iter::Map<
        std::slice::Iter<'a, (String, String)>,
        fn(&'a (String, String)) -> (&'a String, &'a String),
    >;
    fn into_iter(self) -> Self::IntoIter {
        self.0.iter().map(|(k, v)| (k, v))
    }
}

impl Serialize for Extra {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_map(self.iter())
    }
}

impl Finding {
    /// A finding with the fingerprint computed from `rule_id` and `key`
    /// (the secret for secret findings; a stable description otherwise).
    #[allow(clippy::too_many_arguments)]
    pub fn new(
        meta: &RuleMeta,
        message: String,
        path: String,
        span: Span,
        secret: Option<String>,
        snippet: Option<String>,
        key: &str,
    ) -> Finding {
        Finding {
            rule_id: meta.id.clone(),
            rule_name: meta.name.clone(),
            severity: meta.severity,
            category: meta.category,
            message,
            path,
            span,
            secret,
            snippet,
            fingerprint: fingerprint(&meta.id, key),
            commit: None,
            image: None,
            extra: Extra::default(),
            allowed_inline: false,
        }
    }
}

/// Stable identity of a finding: survives moved lines, renames and rebases
/// because it hashes only the rule and the secret (or key).
pub fn fingerprint(rule_id: &str, key: &str) -> String {
    let mut h = Sha256::new();
    h.update(rule_id.as_bytes());
    h.update([0u8]);
    h.update(key.as_bytes());
    let d = h.finalize();
    d[..16].iter().map(|b| format!("{b:02x}")).collect()
}

/// How many leading characters of a secret may be shown.
pub const REDACT_KEEP: usize = 4;

/// The first four characters (fewer for short secrets) then `…`. A URL
/// whose secret is in its path (a webhook) shows its scheme and host, which
/// say what it is, and hides the path: `https://hooks.slack.com/…`.
pub fn redact_secret(secret: &str) -> String {
    if let Some(shown) = redact_url(secret) {
        return shown;
    }
    let n = secret.chars().count();
    let keep = REDACT_KEEP.min(n / 2);
    let mut out: String = secret.chars().take(keep).collect();
    out.push('…');
    out
}

/// `scheme://host/…` for a URL with a path and no user info; `None` otherwise.
fn redact_url(secret: &str) -> Option<String> {
    let (scheme, rest) = secret.split_once("://")?;
    let scheme_ok = scheme.len() >= 2
        && scheme.starts_with(|c: char| c.is_ascii_alphabetic())
        && scheme
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '+' | '-' | '.'));
    let end = rest.find(['/', '?', '#'])?;
    let host = &rest[..end];
    let host_ok = host.contains('.')
        && host
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '-' | ':'));
    // Something secret must follow the host, or there is nothing to hide
    // but the host itself.
    let tail = rest[end..].trim_start_matches('/');
    (scheme_ok && host_ok && tail.chars().count() >= 8).then(|| format!("{scheme}://{host}/…"))
}

/// Replace every occurrence of `secret` in `text` with its redacted form,
/// and any line of a multi-line secret too (PEM bodies print line by line).
pub fn scrub_secret(text: &str, secret: &str) -> String {
    let mut out = text.replace(secret, &redact_secret(secret));
    // A snippet cut short ends with the secret's head, or starts with its
    // tail: redact those too.
    let keep = REDACT_KEEP.min(secret.chars().count() / 2);
    let cut = |i: usize| secret.is_char_boundary(i) && i > keep && i < secret.len();
    if let Some(i) = (0..secret.len())
        .rev()
        .find(|&i| cut(i) && out.ends_with(&secret[..i]))
    {
        let at = out.len() - i;
        out.replace_range(at.., &redact_secret(secret));
    }
    if let Some(i) = (1..secret.len()).find(|&i| {
        secret.is_char_boundary(i) && secret.len() - i > keep && out.starts_with(&secret[i..])
    }) {
        out.replace_range(..secret.len() - i, "…");
    }
    if secret.contains('\n') {
        for part in secret.lines() {
            let part = part.trim();
            if part.len() >= 8 {
                out = out.replace(part, &redact_secret(part));
            }
        }
    }
    out
}

#[cfg(test)]
mod extra_tests {
    use super::Extra;

    #[test]
    fn extra_keeps_keys_sorted_and_unique() {
        let mut e = Extra::default();
        assert!(e.insert("offset".into(), "20".into()).is_none());
        assert!(e.insert("blob".into(), "b".into()).is_none());
        assert_eq!(
            e.insert("offset".into(), "21".into()).as_deref(),
            Some("20")
        );
        assert_eq!(e.len(), 2);
        assert_eq!(e.get("offset").map(String::as_str), Some("21"));
        assert_eq!(e.get("none"), None);
        let keys: Vec<&String> = e.iter().map(|(k, _)| k).collect();
        assert_eq!(keys, ["blob", "offset"]);
        // Serialized as the map a BTreeMap made.
        assert_eq!(
            serde_json::to_string(&e).unwrap(),
            r#"{"blob":"b","offset":"21"}"#
        );
    }
}
