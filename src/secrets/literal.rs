//! The grammar of generic rules: whether a candidate of a rule with
//! `grammar = "assignment"` is a literal value assigned to a secret-named
//! key, read the way the file's kind reads it, and whether that literal
//! looks random rather than like a word, a name or a constant.
//!
//! A provider rule knows its token's shape; a generic rule only knows that a
//! name says "secret", so in code most of its candidates are identifiers,
//! paths, types or prose. This module keeps the ones a person would call a
//! hard-coded value. It runs on regex matches only, never on every byte.

use super::filler::{is_counting_filler, is_home_row_mash};
use super::validate::{is_query_string, looks_like_placeholder, random_enough};
use std::fmt;

/// How a file's text reads, from its name: whether an unquoted value after
/// `=` or `:` is a literal (config formats) or an expression (code).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum FileKind {
    /// No known name or extension: read like a config file.
    #[default]
    Unknown,
    /// A programming language: only quoted values are literals.
    Code,
    /// `.env`, INI, properties, YAML, TOML, shell, HCL, Dockerfile: an
    /// unquoted value to the end of the line is a literal.
    Config,
    /// JSON: values are quoted; an unquoted one is a number, bool or null.
    Json,
    /// Markdown, reStructuredText, plain text: unquoted values only on a
    /// line of their own (a config snippet), never inside prose.
    Docs,
}

impl FileKind {
    /// The kind of the file shown as `path` (any separator; the last
    /// component decides).
    pub fn from_path(path: &str) -> FileKind {
        let name = path.rsplit(['/', '\\', '!']).next().unwrap_or(path);
        let lower = name.to_ascii_lowercase();
        if lower.starts_with(".env") || lower.ends_with(".env") {
            return FileKind::Config;
        }
        if lower == "dockerfile" || lower.starts_with("dockerfile.") || lower == "containerfile" {
            return FileKind::Config;
        }
        let Some((_, ext)) = lower.rsplit_once('.') else {
            return FileKind::Unknown;
        };
        match ext {
            "rs" | "go" | "java" | "kt" | "kts" | "scala" | "groovy" | "gradle" | "cs" | "fs"
            | "vb" | "js" | "mjs" | "cjs" | "jsx" | "ts" | "mts" | "cts" | "tsx" | "py" | "pyi"
            | "rb" | "php" | "c" | "h" | "cc" | "cpp" | "cxx" | "hpp" | "hh" | "hxx" | "m"
            | "mm" | "swift" | "dart" | "lua" | "pl" | "pm" | "ex" | "exs" | "erl" | "clj"
            | "r" | "jl" | "zig" | "nim" | "vue" | "svelte" => FileKind::Code,
            "graphql" | "gql" | "proto" | "thrift" | "sql" => FileKind::Code,
            "json" | "jsonc" | "json5" | "ipynb" | "map" => FileKind::Json,
            "md" | "markdown" | "rst" | "txt" | "adoc" | "html" | "htm" | "tex" => FileKind::Docs,
            _ => FileKind::Config,
        }
    }
}

/// Why a candidate was not reported (shown by `--explain-drops`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum DropReason {
    /// The rule's own `allow` list matched.
    RuleAllow,
    /// Below the rule's randomness bar.
    LowEntropy,
    /// The rule's validator rejected it (checksum, structure, placeholder).
    Validator(&'static str),
    /// A value providers publish in their documentation.
    PublishedExample(&'static str),
    /// Has the shape of an encoding (JOSE, PEM, Basic, bcrypt) and does not
    /// decode as it says.
    Structure(&'static str),
    /// A generic candidate that is not a literal value in an assignment.
    NotLiteral(&'static str),
    /// A word, a name or a constant rather than a random value.
    NotRandom,
    /// Overlaps a value that has a known provider's shape and failed that
    /// provider's check (rule index).
    KnownFormat(u32),
}

impl fmt::Display for DropReason {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            DropReason::RuleAllow => write!(f, "the rule's allow list matches it"),
            DropReason::LowEntropy => write!(f, "not random enough for the rule"),
            DropReason::Validator(v) => write!(f, "fails the `{v}` check"),
            DropReason::PublishedExample(w) => write!(f, "a published example value ({w})"),
            DropReason::Structure(w) => write!(f, "fails its structure check: {w}"),
            DropReason::NotLiteral(w) => write!(f, "not a literal value: {w}"),
            DropReason::NotRandom => write!(f, "reads as a word, name or constant"),
            DropReason::KnownFormat(_) => write!(
                f,
                "has a known provider format and fails that format's check"
            ),
        }
    }
}

/// Extra reading a rule asks for (`grammar = "…"` in its TOML).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Grammar {
    /// `key = value` in any language: [`assignment_ok`].
    Assignment,
    /// A value the regex already delimits (a `#define`, a `define()`):
    /// only the value shape and randomness checks of [`assignment_ok`].
    Literal,
}

impl std::str::FromStr for Grammar {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        match s {
            "assignment" => Ok(Grammar::Assignment),
            "literal" => Ok(Grammar::Literal),
            other => Err(format!(
                "unknown grammar `{other}` (expected assignment or literal)"
            )),
        }
    }
}

impl Grammar {
    /// Check a candidate (see [`assignment_ok`] for the arguments).
    pub fn check(
        self,
        hay: &[u8],
        m_start: usize,
        s_start: usize,
        s_end: usize,
        kind: FileKind,
    ) -> Result<(), DropReason> {
        match self {
            Grammar::Assignment => assignment_ok(hay, m_start, s_start, s_end, kind),
            Grammar::Literal => value_ok(&hay[s_start..s_end], kind),
        }
    }
}

const QUOTES: &[u8] = b"\"'`";

/// Check a candidate of an assignment-grammar rule: `hay[m_start..]` is
/// where the rule's match (the secret-named key) starts and
/// `hay[s_start..s_end]` its value.
pub fn assignment_ok(
    hay: &[u8],
    m_start: usize,
    s_start: usize,
    s_end: usize,
    kind: FileKind,
) -> Result<(), DropReason> {
    key_boundary_ok(hay, m_start)?;
    not_a_credential_name(hay, m_start)?;
    // Walk back from the value over an opening quote and blanks to the
    // operator.
    let mut i = s_start;
    let quote = match i.checked_sub(1).map(|j| hay[j]) {
        Some(q) if QUOTES.contains(&q) => {
            i -= 1;
            Some(q)
        }
        _ => None,
    };
    while i > 0 && matches!(hay[i - 1], b' ' | b'\t') {
        i -= 1;
    }
    let op = i.checked_sub(1).map(|j| hay[j]);
    let before_op = i.checked_sub(2).map(|j| hay[j]);
    match (op, before_op) {
        (Some(b':'), Some(b':')) => return Err(DropReason::NotLiteral("a path (`a::b`)")),
        (Some(b'='), Some(b'=' | b'!' | b'<' | b'>')) => {
            return Err(DropReason::NotLiteral("a comparison"))
        }
        _ => {}
    }
    let value = &hay[s_start..s_end];
    match quote {
        Some(q) => {
            if closes_key_string(hay, m_start, i, q) {
                return Err(DropReason::NotLiteral(
                    "the quote after the key closes the string the key is in",
                ));
            }
            if hay.get(s_end) != Some(&q) {
                return Err(DropReason::NotLiteral(
                    "the quoted text goes on past the value",
                ));
            }
        }
        None => unquoted_ok(hay, m_start, s_end, value, kind)?,
    }
    value_ok(value, kind)
}

/// Whether the quote `q` before the value closes a string that opened
/// right before the key's name, with the operator inside it
/// (`'oauth_token_secret: 'x'`, `"token:"+id+"…"`): then the key and its
/// `:` are text in a string and the value is outside it. `op_end` is where
/// the blanks before the value's quote start.
fn closes_key_string(hay: &[u8], m_start: usize, op_end: usize, q: u8) -> bool {
    let name = |b: u8| b.is_ascii_alphanumeric() || matches!(b, b'_' | b'-' | b'.');
    let mut a = m_start;
    while a > 0 && name(hay[a - 1]) {
        a -= 1;
    }
    a > 0 && hay[a - 1] == q && !hay[a..op_end].contains(&q)
}

/// The secret word must start a name or a name's part: `db_password`,
/// `clientSecret`, `$api_key` — not `oauth` or the `:secret:` of an ARN.
fn key_boundary_ok(hay: &[u8], m_start: usize) -> Result<(), DropReason> {
    let Some(&prev) = m_start.checked_sub(1).and_then(|j| hay.get(j)) else {
        return Ok(());
    };
    let first = hay.get(m_start).copied().unwrap_or(b' ');
    if prev == b':' {
        return Err(DropReason::NotLiteral(
            "part of a `:`-separated name (URN, ARN, path)",
        ));
    }
    if prev.is_ascii_alphanumeric() {
        // A camel hump (`clientSecret`, `COMToken`) starts a name's part.
        let second = hay.get(m_start + 1).copied().unwrap_or(b' ');
        let hump = first.is_ascii_uppercase()
            && (!prev.is_ascii_uppercase() || second.is_ascii_lowercase());
        // `auth` and `pwd` are the tails of other words (`oauth`, `cwd`);
        // the other key words are not (`hapikey`, `dbpassword`).
        let rest = &hay[m_start..hay.len().min(m_start + 4)];
        let weak = [&b"auth"[..], b"pwd"]
            .iter()
            .any(|w| rest.len() >= w.len() && rest[..w.len()].eq_ignore_ascii_case(w));
        if weak && !hump {
            return Err(DropReason::NotLiteral(
                "the key word is inside another word",
            ));
        }
    }
    Ok(())
}

/// Names of tokens that are not credentials: pagination cursors
/// (`NextToken`, `ContinuationToken`, `page_token`) and idempotency tokens
/// (`ClientToken`, `ClientRequestToken`), which APIs echo back in every
/// example and fixture. Matched on the whole name, separators ignored.
const NOT_CREDENTIALS: &[&str] = &[
    "nexttoken",
    "nextpagetoken",
    "continuationtoken",
    "pagetoken",
    "paginationtoken",
    "pagingtoken",
    "cursortoken",
    "clienttoken",
    "clientrequesttoken",
    "idempotencytoken",
    "idempotencykey",
];

fn not_a_credential_name(hay: &[u8], m_start: usize) -> Result<(), DropReason> {
    let part = |b: u8| b.is_ascii_alphanumeric() || matches!(b, b'_' | b'-');
    let mut a = m_start;
    while a > 0 && part(hay[a - 1]) {
        a -= 1;
    }
    let mut b = m_start;
    while b < hay.len() && part(hay[b]) {
        b += 1;
    }
    let name: Vec<u8> = hay[a..b]
        .iter()
        .filter(|c| c.is_ascii_alphanumeric())
        .map(u8::to_ascii_lowercase)
        .collect();
    let hit = NOT_CREDENTIALS
        .iter()
        .any(|n| name.len() >= n.len() && name[name.len() - n.len()..] == *n.as_bytes());
    if hit {
        return Err(DropReason::NotLiteral(
            "a pagination or idempotency token, not a credential",
        ));
    }
    Ok(())
}

/// An unquoted value is a literal only where the file's format makes it
/// one, on a `key = value` line of its own.
fn unquoted_ok(
    hay: &[u8],
    m_start: usize,
    s_end: usize,
    value: &[u8],
    kind: FileKind,
) -> Result<(), DropReason> {
    match kind {
        FileKind::Code => {
            return Err(DropReason::NotLiteral(
                "unquoted in code (an identifier, type or expression)",
            ))
        }
        FileKind::Json => return Err(DropReason::NotLiteral("unquoted in JSON")),
        FileKind::Config | FileKind::Unknown | FileKind::Docs => {}
    }
    if matches!(
        value.last(),
        Some(b',' | b';' | b')' | b']' | b'}' | b'{' | b'[')
    ) || value.contains(&b'(')
    {
        return Err(DropReason::NotLiteral(
            "code (a call, a block, a list item)",
        ));
    }
    // What precedes the key on its line: its own name's head, then at most
    // a word, a flag (`--set`, `-d`), a log tag or a quote. A `:param`, a
    // call or a list before it makes it prose or code.
    let mut k = m_start;
    while k > 0 && (hay[k - 1].is_ascii_alphanumeric() || matches!(hay[k - 1], b'_' | b'.' | b'-'))
    {
        k -= 1;
    }
    if k > 0 && matches!(hay[k - 1], b'?' | b'&') {
        return Ok(()); // a URL query parameter
    }
    let line_start = memchr::memrchr(b'\n', &hay[..k]).map_or(0, |p| p + 1);
    let lead = &hay[line_start..k];
    let last = lead
        .rsplit(|b| b.is_ascii_whitespace())
        .find(|t| !t.is_empty())
        .unwrap_or(&[]);
    let quoted = matches!(last.first(), Some(b'"' | b'\''));
    // An `.npmrc` registry scope (`//registry.example.org/:_authToken=`) is
    // config, not code.
    let npm_scope = last.starts_with(b"//") && last.ends_with(b"/:");
    if !quoted && !npm_scope && last.iter().any(|b| b":(),;={}<>".contains(b)) {
        return Err(DropReason::NotLiteral("prose or code before the key"));
    }
    // A quote right after an unquoted value closes a string the key is in
    // (`-H "Api-Token: v"`); otherwise the expression goes on (`x["k"]`).
    if !quoted && hay.get(s_end).is_some_and(|b| QUOTES.contains(b)) {
        return Err(DropReason::NotLiteral("an expression"));
    }
    Ok(())
}

/// Shapes that are never a generic secret, whatever the syntax around them.
fn value_ok(v: &[u8], kind: FileKind) -> Result<(), DropReason> {
    let Ok(s) = std::str::from_utf8(v) else {
        return Err(DropReason::NotLiteral("not text"));
    };
    let unsigned = v.strip_prefix(b"-").unwrap_or(v);
    let hex = unsigned
        .strip_prefix(b"0x")
        .or_else(|| unsigned.strip_prefix(b"0X"));
    // Long digit strings are generated ids and secrets (some providers
    // issue numeric ones); short ones are constants.
    let long_digits = v.len() >= 20 && v.iter().all(u8::is_ascii_digit);
    if (unsigned
        .iter()
        .all(|b| b.is_ascii_digit() || matches!(b, b'.' | b'_'))
        && !long_digits)
        || hex.is_some_and(|h| h.iter().all(|b| b.is_ascii_hexdigit() || *b == b'_'))
    {
        return Err(DropReason::NotLiteral("a number"));
    }
    // `&x.y`, `*ptr`: a reference or dereference, not a value.
    if matches!(v.first(), Some(b'&' | b'*')) && v.get(1).is_some_and(u8::is_ascii_alphabetic) {
        return Err(DropReason::NotLiteral("a reference or a type"));
    }
    let lower = s.to_ascii_lowercase();
    if lower.starts_with("urn:") || lower.starts_with("arn:") {
        return Err(DropReason::NotLiteral("a URN or ARN"));
    }
    // In code and JSON a UUID is an id or an idempotency token; in a config
    // file under a secret name it is an API key (several providers issue
    // UUID keys).
    if is_uuid(v) && matches!(kind, FileKind::Code | FileKind::Json) {
        return Err(DropReason::NotLiteral("a UUID in code"));
    }
    if v.contains(&b':')
        && v.iter()
            .all(|b| b.is_ascii_lowercase() || matches!(b, b':' | b'_' | b'-' | b'.' | b'*'))
    {
        return Err(DropReason::NotLiteral("a scope or `:`-separated name"));
    }
    if v.first() == Some(&b'+') || v.last() == Some(&b'+') || has_code_marks(v) {
        return Err(DropReason::NotLiteral("code inside a string (`\"+x+\"`)"));
    }
    if is_file_path(v) {
        return Err(DropReason::NotLiteral("a file path"));
    }
    if is_field_path(v) {
        return Err(DropReason::NotLiteral("a field path (`a.b[-1].c`)"));
    }
    if is_query_string(v) {
        return Err(DropReason::NotLiteral("a URL query (`a=1&b=2`)"));
    }
    if looks_like_placeholder(s) {
        return Err(DropReason::Validator("not-placeholder"));
    }
    if !looks_random(v) {
        return Err(DropReason::NotRandom);
    }
    Ok(())
}

/// Pieces of code that do not occur in generated secrets' alphabets in
/// this combination: `){`, `),`, `({`, `=>`, `||`, `&&`.
fn has_code_marks(v: &[u8]) -> bool {
    v.windows(2).any(|w| {
        matches!(
            w,
            b"){" | b")," | b"({" | b"=>" | b"||" | b"&&" | b");" | b"()"
        )
    })
}

/// `testdata/key.pem`, `./certs/a.crt`: a `/`-separated name whose last
/// part has a short alphabetic extension.
fn is_file_path(v: &[u8]) -> bool {
    let Some(slash) = memchr::memrchr(b'/', v) else {
        return false;
    };
    let last = &v[slash + 1..];
    match memchr::memrchr(b'.', last) {
        Some(dot) => {
            let ext = &last[dot + 1..];
            (1..=5).contains(&ext.len())
                && ext.iter().all(u8::is_ascii_alphabetic)
                && dot > 0
                && v.iter()
                    .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'/' | b'.' | b'_' | b'-'))
        }
        None => false,
    }
}

/// `Jobs[-1].JobId`, `StreamDescription.Shards[-1].ShardId`: identifiers
/// joined by `.` with `[…]` indexes. Without an index, only when no part
/// carries a digit (random values with dots usually do).
fn is_field_path(v: &[u8]) -> bool {
    let mut parts = 0;
    let mut indexed = false;
    let mut digits = false;
    for seg in v.split(|&b| b == b'.') {
        let (name, rest) = match memchr::memchr(b'[', seg) {
            Some(i) => (&seg[..i], &seg[i..]),
            None => (seg, &seg[..0]),
        };
        let ident = name
            .first()
            .is_some_and(|b| b.is_ascii_alphabetic() || *b == b'_')
            && name.iter().all(|b| b.is_ascii_alphanumeric() || *b == b'_');
        if !ident {
            return false;
        }
        digits |= name.iter().any(u8::is_ascii_digit);
        if !rest.is_empty() {
            // One or more `[n]`, `[-1]`, `[*]`, `[]`.
            let ok = rest.split_inclusive(|&b| b == b']').all(|ix| {
                ix.len() >= 2
                    && ix[0] == b'['
                    && ix[ix.len() - 1] == b']'
                    && ix[1..ix.len() - 1]
                        .iter()
                        .all(|b| b.is_ascii_digit() || matches!(b, b'-' | b'*'))
            });
            if !ok {
                return false;
            }
            indexed = true;
        }
        parts += 1;
    }
    indexed || (parts >= 2 && !digits)
}

/// A value that repeats a shorter unit (`abc123abc123…`), or hex of bytes
/// that count (`000102030405…`): filler, not a key.
fn is_pattern(v: &[u8]) -> bool {
    let n = v.len();
    if (1..=n / 2).any(|p| v[p..].iter().zip(v).all(|(a, b)| a == b)) {
        return true;
    }
    if n >= 16 && n % 2 == 0 && v.iter().all(u8::is_ascii_hexdigit) {
        let byte = |i: usize| {
            let h = |c: u8| (c as char).to_digit(16).unwrap_or(0) as i32;
            h(v[i]) * 16 + h(v[i + 1])
        };
        let d = byte(2) - byte(0);
        return (2..n / 2).all(|k| byte(2 * k) - byte(2 * k - 2) == d);
    }
    false
}

/// Base64 whose decoding is words (`dGhpcyBpcyBub3Q…` = "this is not…"),
/// as test fixtures write their fake tokens.
fn base64_of_words(v: &[u8]) -> bool {
    use base64::Engine as _;
    if v.len() < 12 {
        return false;
    }
    let t = std::str::from_utf8(v).unwrap_or("");
    let t = t.trim_end_matches('=');
    let decoded = base64::engine::general_purpose::STANDARD_NO_PAD
        .decode(t)
        .or_else(|_| base64::engine::general_purpose::URL_SAFE_NO_PAD.decode(t));
    let Ok(d) = decoded else { return false };
    if d.len() < 6 || !d.iter().all(|b| (0x20..0x7f).contains(b)) {
        return false;
    }
    let (w, pairs) = wordiness(&d);
    pairs >= 4 && w >= 0.35
}

fn is_uuid(v: &[u8]) -> bool {
    v.len() == 36
        && v.iter().enumerate().all(|(i, &b)| match i {
            8 | 13 | 18 | 23 => b == b'-',
            _ => b.is_ascii_hexdigit(),
        })
}

/// Letter pairs that are common in English and so in identifiers made of
/// words (the most frequent bigrams of English text).
const COMMON_BIGRAMS: &[&[u8; 2]] = &[
    b"th", b"he", b"in", b"er", b"an", b"re", b"on", b"at", b"en", b"nd", b"ti", b"es", b"or",
    b"te", b"of", b"ed", b"is", b"it", b"al", b"ar", b"st", b"to", b"nt", b"ng", b"se", b"ha",
    b"as", b"ou", b"io", b"le", b"ve", b"co", b"me", b"de", b"hi", b"ri", b"ro", b"ic", b"ne",
    b"ea", b"ra", b"ce", b"li", b"ch", b"ll", b"be", b"ma", b"si", b"om", b"ur", b"ca", b"el",
    b"ta", b"la", b"ns", b"di", b"fo", b"ho", b"pe", b"ec", b"pr", b"no", b"ct", b"us", b"ac",
    b"ot", b"il", b"tr", b"ly", b"nc", b"et", b"ut", b"ss", b"so", b"rs", b"un", b"lo", b"wa",
    b"ge", b"ie", b"wh", b"ee", b"wi", b"em", b"ad", b"ol", b"rt", b"po", b"we", b"na", b"ul",
    b"ni", b"ts", b"mo", b"ow", b"pa", b"im", b"mi", b"ai", b"sh", b"ke", b"ex", b"id", b"ok",
    b"ey", b"ck", b"ty", b"am", b"ag", b"ap", b"my",
];

/// Share of adjacent letter pairs (case folded, within letter runs) that
/// are common English bigrams, and how many pairs there were. Random
/// base62 text scores about 0.17; names made of words score 0.4 and up.
pub fn wordiness(v: &[u8]) -> (f64, usize) {
    let mut pairs = 0usize;
    let mut common = 0usize;
    for w in v.windows(2) {
        if !(w[0].is_ascii_alphabetic() && w[1].is_ascii_alphabetic()) {
            continue;
        }
        pairs += 1;
        let p = [w[0].to_ascii_lowercase(), w[1].to_ascii_lowercase()];
        if COMMON_BIGRAMS.iter().any(|b| **b == p) {
            common += 1;
        }
    }
    if pairs == 0 {
        return (0.0, 0);
    }
    (common as f64 / pairs as f64, pairs)
}

/// Whether `v` looks like a random value (a key, a generated password)
/// rather than an identifier, a word with digits, or a constant.
///
/// Charset-aware, after ripsecrets' p_random idea: a value made only of
/// letters and name separators is judged by how word-like its letter pairs
/// are; one with up to four digits (`Secret2024`, `S3Bucket`) likewise with a
/// higher bar; then the entropy bar is scaled to the value's alphabet.
pub fn looks_random(v: &[u8]) -> bool {
    if v.len() < 8 {
        return false;
    }
    let digits = v.iter().filter(|b| b.is_ascii_digit()).count();
    let letters = v.iter().filter(|b| b.is_ascii_alphabetic()).count();
    let name_chars = v
        .iter()
        .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'_' | b'-' | b'.'));
    let (w, pairs) = wordiness(v);
    // Prose (`put your unique phrase here`).
    if v.contains(&b' ') && pairs >= 6 && w >= 0.35 {
        return false;
    }
    if name_chars && digits == 0 && pairs >= 3 && w >= 0.3 {
        return false;
    }
    if name_chars && digits <= 4 && letters >= 5 && pairs >= 4 && w >= 0.5 {
        return false;
    }
    // Words joined by other marks (`SensitiveData:S3Object/Credentials`,
    // `This-is-my-test-99!`, `CLIENT_SECRET??`): more pairs needed.
    let symbols = v.iter().filter(|b| !b.is_ascii_alphanumeric()).count();
    if digits <= 4 && pairs >= 8 && symbols <= 5 && w >= 0.45 {
        return false;
    }
    // Words with a mark or two and no digit (`Just$test`).
    if digits == 0 && symbols <= 2 && pairs >= 5 && w >= 0.6 {
        return false;
    }
    if is_pattern(v) || base64_of_words(v) || is_home_row_mash(v)
        // Counted filler (`abcd1234`, `1a2b3c4d`) only in short values: some
        // peers' sample keys are long counted strings.
        || (v.len() <= 12 && is_counting_filler(v))
    {
        return false;
    }
    random_enough(v, 3.0)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn check(line: &str, kind: FileKind) -> Result<(), DropReason> {
        // The key starts at the first secret word; the value is the last
        // run of non-quote, non-blank bytes after the operator.
        let lower = line.to_ascii_lowercase();
        let m = ["password", "secret", "token", "api_key"]
            .iter()
            .filter_map(|w| lower.find(w))
            .min()
            .unwrap();
        let op = m + line[m..].find(['=', ':']).unwrap();
        let mut s = op + 1;
        let b = line.as_bytes();
        while matches!(b[s], b' ' | b'"' | b'\'') {
            s += 1;
        }
        let mut e = s;
        while e < b.len() && !matches!(b[e], b' ' | b'"' | b'\'' | b'\n') {
            e += 1;
        }
        assignment_ok(b, m, s, e, kind)
    }

    #[test]
    fn file_kinds() {
        assert_eq!(FileKind::from_path("src/a.rs"), FileKind::Code);
        assert_eq!(
            FileKind::from_path("deploy/.env.production"),
            FileKind::Config
        );
        assert_eq!(FileKind::from_path("x/app.env"), FileKind::Config);
        assert_eq!(FileKind::from_path("Dockerfile"), FileKind::Config);
        assert_eq!(FileKind::from_path("a/b.yaml"), FileKind::Config);
        assert_eq!(FileKind::from_path("a/b.json"), FileKind::Json);
        assert_eq!(FileKind::from_path("README.md"), FileKind::Docs);
        assert_eq!(FileKind::from_path("credentials"), FileKind::Unknown);
    }

    #[test]
    fn code_reads_only_quoted_values() {
        let code = FileKind::Code;
        assert!(check(r#"API_SECRET = "q8Z2vL0pX4mN7rT1yW""#, code).is_ok());
        assert!(check("let token = SimpleTokenizer {", code).is_err());
        assert!(check("    token: SimpleToken,", code).is_err());
        assert!(check("  RefreshToken: refreshToken,", code).is_err());
        assert!(check("ChangeToken: ChangeToken;", code).is_err());
        assert!(check(r#""input_token": "NextToken""#, code).is_err());
        assert!(check(r#"LimitToken: "MaxResults","#, code).is_err());
        assert!(check(":param page_token: Page token provided by the API", code).is_err());
        assert!(check(r#"if password == "q8Z2vL0pX4mN7rT1yW""#, code).is_err());
    }

    #[test]
    fn config_reads_unquoted_values_on_their_own_line() {
        let cfg = FileKind::Config;
        assert!(check("DB_PASSWORD=UYLIhJcOiU6xBP7ZbP", cfg).is_ok());
        assert!(check("export API_TOKEN=UYLIhJcOiU6xBP7ZbP # prod", cfg).is_ok());
        assert!(check("  password: kcENXJ1c-C!*rS-K", cfg).is_ok());
        assert!(check("[DEBUG] Using API_KEY=UYLIhJcOiU6xBP7ZbP", cfg).is_ok());
        assert!(check("curl -d access_token=UYLIhJcOiU6xBP7ZbP https://x", cfg).is_ok());
        assert!(check("RefreshToken: refreshToken,", cfg).is_err());
        assert!(check(":param secret: Q8Z2vL0pX4mN7rT1", FileKind::Docs).is_err());
        assert!(check("//registry.example.org/:_authToken=Q8Z2vL0pX4mN7rT1", cfg).is_ok()); // stowaway:allow
        assert!(check("DB_PASSWORD=UYLIhJcOiU6xBP7ZbP", FileKind::Json).is_err());
    }

    #[test]
    fn pagination_and_idempotency_tokens_are_not_credentials() {
        let code = FileKind::Code;
        for line in [
            r#""NextContinuationToken": "1w41l63U0xa8q7smH50vCxyTQqdxo69O3EmK28Bi5PcROI4wI""#,
            r#"  NextToken: "U2FsdGVkX19zb21lcmFuZG9tYnl0ZXM9""#,
            r#""ClientToken": "cachedvolume-1d95f2b9a2c8""#,
            r#"page_token = "Q8Z2vL0pX4mN7rT1yW""#,
        ] {
            assert!(check(line, code).is_err(), "{line}");
        }
        assert!(check(r#"client_secret = "Q8Z2vL0pX4mN7rT1yW""#, code).is_ok());
        assert!(check(r#"refresh_token = "Q8Z2vL0pX4mN7rT1yW""#, code).is_ok());
    }

    #[test]
    fn names_urns_and_ids_are_not_values() {
        let cfg = FileKind::Config;
        assert!(check("scope = urn:ietf:params:oauth:token-type:jwt", cfg).is_err());
        assert!(check("id: arn:aws:secretsmanager:us-east-1:1:secret:Name", cfg).is_err());
        assert!(check("token = 123456789012", cfg).is_err());
        let uuid = "token = 0b7e8c1a-58c4-4b2e-9d1c-3f2a1b0c9d8e";
        assert!(check(uuid, FileKind::Code).is_err());
        assert!(check(uuid, cfg).is_ok());
        assert!(check("token = 73750459847507177909416341588856", cfg).is_ok());
        assert!(check("secret: create:client_credentials", cfg).is_err());
        // A query of settings is no credential; one with a signature, or a
        // key holding one `=` and `&`, is kept.
        let query =
            "SAS_TOKEN=st=2024-01-05T08:10:00Z&se=2024-02-05T08:10:00Z&spr=https&sv=2022-11-02";
        assert!(check(query, cfg).is_err());
        assert!(check("API_TOKEN=Tq7fZ2mXc9Vb=K4pL8&sN3w", cfg).is_ok());
        assert!(check(
            "SAS_TOKEN=sv=2022-11-02&sr=c&sig=Tq7fZ2mXc9VbK4pL8sN3wQx",
            cfg
        )
        .is_ok());
        // `oauth:` is not `auth:`; a `::` is a path, not an assignment.
        let b = b"use a::token::Tokens;";
        assert!(assignment_ok(b, 7, 14, 21, FileKind::Code).is_err());
    }

    #[test]
    fn paths_and_code_in_strings_are_not_values() {
        for v in [
            "testdata/enc_priv_key.pem",
            "Jobs[-1].JobId",
            "StreamDescription.Shards[-1].ShardId",
            "+a.value+",
            "+s),{code:t.errorCode}))}e(null,i)}):e(null)}})},{",
        ] {
            assert!(value_ok(v.as_bytes(), FileKind::Code).is_err(), "{v}");
        }
        for v in [
            "qW_7.Z3k-8.2RtX",
            "zuf+tfteSlswRu7BJ86wekitnifILbZam1KYY3TG",
        ] {
            assert!(value_ok(v.as_bytes(), FileKind::Code).is_ok(), "{v}");
        }
    }

    #[test]
    fn a_quote_closing_the_key_string_is_no_value() {
        let code = FileKind::Code;
        // The key and its `:` sit in a string; the quote after closes it.
        assert!(check(r#"s = "token:"+id+":Q8Z2vL0pX4mN7rT1yW""#, code).is_err());
        assert!(check("'oauth_token_secret: 'Q8Z2vL0pX4mN7rT1yW',", code).is_err());
        assert!(check("{'oauth_token_secret': 'Q8Z2vL0pX4mN7rT1yW'}", code).is_ok()); // stowaway:allow
        assert!(check(r#"{"api_token": "Q8Z2vL0pX4mN7rT1yW"}"#, code).is_ok()); // stowaway:allow
    }

    #[test]
    fn references_and_typed_filler_are_not_values() {
        let docs = FileKind::Docs;
        assert!(check("let secret: &Vec<u8> = &totp.secret;", docs).is_err());
        assert!(check("token = *tokenPointerValue", FileKind::Config).is_err());
        for v in [
            "sdlfkj452",
            "lsdajfh923874",
            "abcd1234",
            "1a2b3c4d",
            "Just$test",
        ] {
            assert!(!looks_random(v.as_bytes()), "{v}");
        }
        // Long counted strings are left to the rule's other checks.
        assert!(looks_random(b"q1w9e2r8t3y7u4i6o5p0"));
    }

    #[test]
    fn randomness_is_charset_aware() {
        for word in [
            "NextToken",
            "MaxResults",
            "SessionToken",
            "refresh_token_value",
            "MySecret2024",
            "Ec2InstanceId",
            "SensitiveData:S3Object/Credentials",
            "This-is-my-test-99!",
            "dGhpcyBpcyBub3QgYSByZWFsIHZhbHVl",
            "000102030405060708090a0b0c0d0e0f",
            "gPFEGk7CF4wS901wgPFEGk7CF4wS901w",
        ] {
            assert!(!looks_random(word.as_bytes()), "{word}");
        }
        for random in [
            "OfA9epagQkv~Zd",
            "jbRS8uTVzvQOCXdiz02Jg3lwICAQPuup",
            "UYLIhJcOiU6xBP7ZbP",
            "9f86d081884c7d659a2feaa0c55ad015",
        ] {
            assert!(looks_random(random.as_bytes()), "{random}");
        }
    }
}
