//! Checks a regex cannot express: checksums, structure, randomness and
//! placeholder detection. Each runs only on a regex match, never on the
//! whole input, so plain code is fine here.

use base64::Engine as _;

/// A named structural check a rule can ask for (`validator = "…"`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Validator {
    GithubChecksum,
    NpmChecksum,
    Jwt,
    PrivateKey,
    NotPlaceholder,
    SentryOrgToken,
    AtlassianDcPat,
    Base64PrivateKey,
}

impl std::str::FromStr for Validator {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        Ok(match s {
            "github-checksum" => Validator::GithubChecksum,
            "npm-checksum" => Validator::NpmChecksum,
            "jwt" => Validator::Jwt,
            "private-key" => Validator::PrivateKey,
            "not-placeholder" => Validator::NotPlaceholder,
            "sentry-org-token" => Validator::SentryOrgToken,
            "atlassian-dc-pat" => Validator::AtlassianDcPat,
            "base64-private-key" => Validator::Base64PrivateKey,
            other => {
                return Err(format!(
                "unknown validator `{other}` (expected github-checksum, npm-checksum, jwt, private-key, not-placeholder, sentry-org-token, atlassian-dc-pat or base64-private-key)"
            ))
            }
        })
    }
}

impl Validator {
    /// The name rules use for it.
    pub fn name(self) -> &'static str {
        match self {
            Validator::GithubChecksum => "github-checksum",
            Validator::NpmChecksum => "npm-checksum",
            Validator::Jwt => "jwt",
            Validator::PrivateKey => "private-key",
            Validator::NotPlaceholder => "not-placeholder",
            Validator::SentryOrgToken => "sentry-org-token",
            Validator::AtlassianDcPat => "atlassian-dc-pat",
            Validator::Base64PrivateKey => "base64-private-key",
        }
    }

    pub fn check(self, secret: &str) -> bool {
        match self {
            Validator::GithubChecksum | Validator::NpmChecksum => base62_crc32_ok(secret),
            Validator::Jwt => super::structure::jwt_ok(secret),
            Validator::PrivateKey => super::structure::pem_private_key(secret).is_ok(),
            Validator::NotPlaceholder => !looks_like_placeholder(secret),
            Validator::SentryOrgToken => sentry_org_token_ok(secret),
            Validator::AtlassianDcPat => atlassian_dc_pat_ok(secret),
            Validator::Base64PrivateKey => base64_private_key_ok(secret),
        }
    }
}

/// Sentry's organization token: `sntrys_` + base64 of its claims + `_` +
/// 43 base64 characters (32 random bytes, unpadded), as Sentry's
/// `generate_token` writes it. A longer or shorter tail is not one, nor are
/// claims that are not base64 of a JSON object with `iat` (Sentry's
/// `parse_token` rejects those).
fn sentry_org_token_ok(token: &str) -> bool {
    let Some((head, secret)) = token.rsplit_once('_') else {
        return false;
    };
    let tail_ok = secret.len() == 43
        && secret
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'+' || b == b'/');
    let Some(claims) = head
        .strip_prefix("sntrys_")
        .filter(|c| c.starts_with("eyJ"))
    else {
        return false;
    };
    let engine = base64::engine::general_purpose::STANDARD_NO_PAD;
    let decoded = engine.decode(claims.trim_end_matches('='));
    let claims_ok = decoded.is_ok_and(|d| {
        matches!(serde_json::from_slice::<serde_json::Value>(&d),
            Ok(serde_json::Value::Object(m)) if m.contains_key("iat"))
    });
    tail_ok && claims_ok
}

const BASE62: &[u8; 62] = b"0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";

/// GitHub's and npm's token format: `prefix_` + 30 random base62 characters +
/// 6 characters of base62(CRC32(random part)), left-padded with `0`.
/// (Format described in GitHub's April 2021 and npm's September 2021 posts.)
pub fn base62_crc32_ok(token: &str) -> bool {
    let body = match token.rsplit_once('_') {
        Some((_, b)) => b,
        None => return false,
    };
    if body.len() != 36 || !body.bytes().all(|b| b.is_ascii_alphanumeric()) {
        return false;
    }
    let (random, check) = body.split_at(30);
    base62_6(crc32fast::hash(random.as_bytes())) == check.as_bytes()
}

/// `n` in base62, left-padded with `0` to six digits.
pub fn base62_6(mut n: u32) -> [u8; 6] {
    let mut out = [b'0'; 6];
    for slot in out.iter_mut().rev() {
        *slot = BASE62[(n % 62) as usize];
        n /= 62;
    }
    out
}

/// A value a provider publishes in its documentation, recognised by the
/// marker or structure the provider gives it, or where a standard prints
/// fixed example values, by those values (never by values seen in a scan):
/// AWS marks its documentation keys with `EXAMPLE` (`AKIA…EXAMPLE`,
/// `…EXAMPLEKEY`); jwt.io's sample token carries the claims `"sub":
/// "1234567890"` and `"name": "John Doe"`, and its debugger signs with a
/// published HMAC secret; the OAuth 2.0 RFCs print a few
/// fixed example tokens (the one list here, from the standards' text).
pub fn published_example(secret: &str) -> Option<&'static str> {
    if memchr::memmem::find(secret.as_bytes(), b"EXAMPLE").is_some() {
        return Some("the `EXAMPLE` marker of AWS documentation keys");
    }
    if let Some(at) = memchr::memmem::find(secret.as_bytes(), b"eyJ") {
        if let Some(why) = example_claims(&secret[at..]) {
            return Some(why);
        }
        if super::structure::signed_with_jwt_io_secret(&secret[at..]) {
            return Some("signed with jwt.io's published sample secret");
        }
    }
    if OAUTH_RFC_EXAMPLES.iter().any(|e| secret.contains(e)) {
        return Some("an example value of the OAuth 2.0 RFCs");
    }
    None
}

/// The example credentials the OAuth 2.0 standards print, which every
/// OAuth library copies into its docs and tests: RFC 6749 §2.3.1 (client
/// `s6BhdRkqt3` / `gX1fBat3bV`, and its Basic header), §4.1.2 (code),
/// §5.1 (access and refresh token); RFC 6750 §4 (bearer token).
const OAUTH_RFC_EXAMPLES: &[&str] = &[
    "czZCaGRSa3F0MzpnWDFmQmF0M2JW",
    "gX1fBat3bV",
    "SplxlOBeZQQYbYS6WxSbIA",
    "2YotnFZFEjr1zCsicMWpAA",
    "tGzv3JOkF0XG5Qx2TlKWIA",
    "mF_9.B5f-4.1JqM",
];

/// A JWT whose claims are a published sample: jwt.io's (`sub`
/// "1234567890", `name` "John Doe"); the JOSE RFCs' (RFC 7515 §3.3 and
/// A.1, RFC 7519 §3.1: `iss` "joe" with the claim
/// `http://example.com/is_root`), which JOSE libraries copy into their
/// tests; a claim named `foo`, RFC 3092's placeholder name, or a claim
/// holding its own name, which no issuer puts in a live token.
fn example_claims(token: &str) -> Option<&'static str> {
    let payload = token.split('.').nth(1)?;
    let engine = base64::engine::general_purpose::URL_SAFE_NO_PAD;
    let decoded = engine.decode(payload.trim_end_matches('=')).ok()?;
    let serde_json::Value::Object(m) = serde_json::from_slice(&decoded).ok()? else {
        return None;
    };
    let text = |k: &str| m.get(k).and_then(|v| v.as_str());
    if text("sub") == Some("1234567890") && text("name") == Some("John Doe") {
        return Some("jwt.io's sample claims");
    }
    if text("iss") == Some("joe") && m.contains_key("http://example.com/is_root") {
        return Some("the JOSE RFCs' sample claims");
    }
    if m.contains_key("foo") {
        return Some("a placeholder claim (`foo`, RFC 3092)");
    }
    // A registered claim whose value is the claim's own name (`iss`
    // "issuer", `sub` "subject"): a field name as its value, no issuer's.
    let own_name = [("iss", "issuer"), ("sub", "subject"), ("aud", "audience")];
    if own_name.iter().any(|&(k, v)| text(k) == Some(v)) {
        return Some("a claim whose value is its own name (`iss` \"issuer\")");
    }
    None
}

/// A PEM private key stored as one base64 string (an env variable, a
/// Kubernetes or CI secret): it must decode to a `-----BEGIN … PRIVATE
/// KEY-----` block whose body passes the PEM check, so base64 of a
/// certificate or of a truncated block is not a key.
fn base64_private_key_ok(secret: &str) -> bool {
    let engine = base64::engine::general_purpose::STANDARD_NO_PAD;
    let Ok(decoded) = engine.decode(secret.trim_end_matches('=')) else {
        return false;
    };
    let Ok(text) = std::str::from_utf8(&decoded) else {
        return false;
    };
    let Some(begin) = text.find("-----BEGIN ") else {
        return false;
    };
    let header = text[begin..].lines().next().unwrap_or("");
    header.contains("PRIVATE KEY")
        && text.contains("-----END")
        && super::structure::pem_private_key(&text[begin..]).is_ok()
}

/// A printf-style conversion such as `%016llx`, `%s`, `%d`.
fn has_printf_format(v: &str) -> bool {
    let b = v.as_bytes();
    b.iter().enumerate().any(|(i, &c)| {
        if c != b'%' {
            return false;
        }
        let mut j = i + 1;
        while j < b.len()
            && (b[j].is_ascii_digit() || matches!(b[j], b'-' | b'.' | b'l' | b'h' | b'z'))
        {
            j += 1;
        }
        j < b.len()
            && matches!(
                b[j],
                b's' | b'd' | b'i' | b'u' | b'x' | b'X' | b'p' | b'f' | b'c'
            )
            && (j > i + 1 || j + 1 == b.len() || !b[j + 1].is_ascii_alphanumeric())
    })
}

/// A strictly ascending or descending run of `n` consecutive characters.
fn has_run(v: &[u8], n: usize) -> bool {
    let (mut up, mut down) = (1, 1);
    for w in v.windows(2) {
        up = if w[1] == w[0].wrapping_add(1) {
            up + 1
        } else {
            1
        };
        down = if w[1].wrapping_add(1) == w[0] {
            down + 1
        } else {
            1
        };
        if up >= n || down >= n {
            return true;
        }
    }
    false
}

/// Shannon entropy in bits per byte.
pub fn shannon_entropy(s: &[u8]) -> f64 {
    if s.is_empty() {
        return 0.0;
    }
    let mut counts = [0u32; 256];
    for &b in s {
        counts[b as usize] += 1;
    }
    let n = s.len() as f64;
    counts
        .iter()
        .filter(|&&c| c > 0)
        .map(|&c| {
            let p = c as f64 / n;
            -p * p.log2()
        })
        .sum()
}

/// Charset-aware randomness test. `threshold` is stated for base64-like
/// text; a hex or decimal string cannot reach it even when perfectly random,
/// so the bar is scaled by how many bits its alphabet can carry, and by
/// what its length allows (a 16-char string tops out at 4 bits).
pub fn random_enough(secret: &[u8], threshold: f64) -> bool {
    let alphabet_bits: f64 = if secret.iter().all(|b| b.is_ascii_digit()) {
        10f64.log2()
    } else if secret.iter().all(|b| b.is_ascii_hexdigit()) {
        4.0
    } else {
        6.0
    };
    let length_bits = (secret.len().max(1) as f64).log2();
    let max_bits = alphabet_bits.min(length_bits);
    // Scale relative to a 6-bit alphabet of ample length.
    let bar = threshold * (max_bits / 6.0).min(1.0);
    shannon_entropy(secret) >= bar
}

/// Documentation values that must never be reported.
const KNOWN_EXAMPLES: &[&str] = &[
    "AKIAIOSFODNN7EXAMPLE",
    "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY",
    "je7MtGbClwBF/2Zp9Utk/h3yCo8nvbEXAMPLEKEY",
];

/// Words that mark a value as a stand-in rather than a credential.
const PLACEHOLDER_WORDS: &[&str] = &[
    "example",
    "changeme",
    "change_me",
    "change-me",
    "placeholder",
    "your_",
    "your ",
    "your-",
    "yourtoken",
    "yourkey",
    "yourpassword",
    "redacted",
    "dummy",
    "sample",
    "xxxx",
    "****",
    "...",
    "\u{2026}",
    "notreal",
    "not_real",
    "not-a-real",
    "fake",
    "insert",
    "replace",
    "todo",
    "secret_here",
    "token_here",
    "key_here",
    "password_here",
    "password",
    "passwd",
    "mypass",
];

/// True when `value` is obviously not a real secret: a placeholder word, a
/// template or variable reference, an expression, repeated or sequential
/// characters, or a well-known documentation value.
pub fn looks_like_placeholder(value: &str) -> bool {
    let v = value.trim().trim_matches(|c| c == '"' || c == '\'');
    if v.is_empty() {
        return true;
    }
    if KNOWN_EXAMPLES.iter().any(|k| v.contains(k)) {
        return true;
    }
    let lower = v.to_ascii_lowercase();
    if PLACEHOLDER_WORDS.iter().any(|w| lower.contains(w)) {
        return true;
    }
    // Templates and references: ${VAR}, $VAR, {{ var }}, %(var)s, <token>, $(cmd), @var@
    if v.starts_with('$')
        || v.contains("${")
        || v.contains("{{")
        || v.contains("%(")
        || v.contains("$(")
        || (v.starts_with('<') && v.ends_with('>'))
        || (v.starts_with('@') && v.ends_with('@') && v.len() > 2)
        || (v.starts_with('%') && v.ends_with('%') && v.len() > 2)
    {
        return true;
    }
    // Code, not a literal: calls, member access on identifiers.
    if v.contains('(') && v.ends_with(')') {
        return true;
    }
    // One repeated character, or mostly one (aaaa…, 0000…).
    let first = v.as_bytes()[0];
    if v.bytes().all(|b| b == first) {
        return true;
    }
    let mut counts = [0usize; 256];
    for b in v.bytes() {
        counts[b as usize] += 1;
    }
    let distinct = counts.iter().filter(|&&c| c > 0).count();
    if v.len() >= 8 && distinct <= 3 {
        return true;
    }
    // Runs like 12345678, abcdefgh or qwerty.
    if has_run(v.as_bytes(), 6) || lower.contains("qwert") || lower.contains("asdf") {
        return true;
    }
    // Code rather than a literal: dereferences, addresses, negations.
    let rest_is_ident = v.len() > 1
        && v.as_bytes()[1..]
            .iter()
            .all(|&b| b.is_ascii_alphanumeric() || matches!(b, b'_' | b'.' | b'-' | b'>'));
    if matches!(first, b'*' | b'&' | b'!')
        && rest_is_ident
        && (!v.as_bytes()[1..].iter().any(|b| b.is_ascii_digit()) || v.contains('_'))
    {
        return true;
    }
    // More code: increments, printf formats, short hex literals, device-tree
    // node names (`power-controller@c0`).
    if v.ends_with("++") || v.ends_with("--") || has_printf_format(v) {
        return true;
    }
    if let Some(hex) = lower.strip_prefix("0x") {
        if hex.len() <= 16 && hex.bytes().all(|b| b.is_ascii_hexdigit()) {
            return true;
        }
    }
    if let Some((node, unit)) = v.split_once('@') {
        if !node.is_empty()
            && node
                .bytes()
                .all(|b| b.is_ascii_lowercase() || b == b'-' || b == b',')
            && unit.bytes().all(|b| b.is_ascii_hexdigit() || b == b',')
        {
            return true;
        }
    }
    // Hyphenated prose (`Non-zero`, `WRPLL-specific`).
    if v.contains('-')
        && v.split('-')
            .all(|w| !w.is_empty() && w.bytes().all(|b| b.is_ascii_alphabetic()))
        && v.split('-')
            .any(|w| w.bytes().all(|b| b.is_ascii_lowercase()))
    {
        return true;
    }
    // A plain word or a Capitalised word (prose, doc comments, enum names).
    let word =
        v.bytes().skip(1).all(|b| b.is_ascii_lowercase()) && v.as_bytes()[0].is_ascii_alphabetic();
    if word {
        return true;
    }
    // An all-caps or all-lowercase constant name with digits (WL1271_PSM_ELP).
    // A trailing `=` is a name about to be assigned (`cipher_auth=`).
    let name_part = v.strip_suffix('=').unwrap_or(v);
    let constant = name_part
        .bytes()
        .all(|b| b.is_ascii_alphanumeric() || b == b'_')
        && v.contains('_')
        && (v.bytes().all(|b| !b.is_ascii_lowercase())
            || v.bytes().all(|b| !b.is_ascii_uppercase()));
    if constant
        || (v.ends_with('=')
            && name_part
                .bytes()
                .all(|b| b.is_ascii_lowercase() || b == b'_'))
    {
        return true;
    }
    // A path or member access in code (Validator::PrivateKey, cfg->key,
    // settings.DbPassword): identifier characters and separators, no digits.
    let pathish = v
        .bytes()
        .all(|b| b.is_ascii_alphabetic() || matches!(b, b'_' | b'.' | b':' | b'-' | b'>'))
        && (v.contains("::") || v.contains("->") || v.contains('.'));
    if pathish {
        return true;
    }
    // A bare identifier (settings.db_password, SOME_ENV_NAME, my-secret-name)
    // is a name, not a value.
    let ident = |b: u8| b.is_ascii_alphabetic() || matches!(b, b'_' | b'.' | b'-');
    if v.bytes().all(ident)
        && (v.bytes().all(|b| !b.is_ascii_uppercase())
            || v.bytes().all(|b| !b.is_ascii_lowercase()))
    {
        return true;
    }
    false
}

/// `st=…&se=…&sr=c`: settings as `name=value` joined by `&`, none of them
/// secret-named (`password=`) or a signature (`sig=`, `key=`).
pub fn is_query_string(v: &[u8]) -> bool {
    let plain = |n: &str| {
        let signed = ["sig", "signature", "key", "auth"]
            .iter()
            .any(|w| n.eq_ignore_ascii_case(w));
        n.starts_with(|c: char| c.is_ascii_alphabetic()) && !signed && !is_secret_name(n)
    };
    let param = |p: &[u8]| match p.iter().position(|&b| b == b'=') {
        Some(eq) => std::str::from_utf8(&p[..eq]).is_ok_and(|n| {
            plain(n)
                && n.bytes()
                    .all(|b| b.is_ascii_alphanumeric() || b"_-.".contains(&b))
        }),
        None => false,
    };
    v.contains(&b'&') && v.split(|&b| b == b'&').all(param)
}

/// Whether a variable or key name says it holds a secret: `PASSWORD`,
/// `db_password`, `apiKey`, `GITHUB_TOKEN`, `client-secret`, `PRIVATE_KEY`…
pub fn is_secret_name(name: &str) -> bool {
    let lower = name.to_ascii_lowercase();
    // Names that contain a secret word but name something public.
    const NOT_SECRET: &[&str] = &[
        "token_url",
        "token_uri",
        "token_endpoint",
        "tokenizer",
        "password_file",
        "password_path",
        "secret_file",
        "secret_path",
        "secret_name",
        "secretname",
        "secret_ref",
        "key_id",
        "keyid",
        "key_file",
        "key_path",
        "keyring",
        "keyserver",
        "public_key",
        "publickey",
        "pubkey",
        "gpg_key",
        "gpg_keys",
        "signing_key_id",
        "fingerprint",
        "_length",
        "_len",
        "_size",
        "_expiry",
        "_expires",
        "_ttl",
        "_header",
        "_type",
        "_policy",
        "_min",
        "_max",
        "_version",
    ];
    if NOT_SECRET.iter().any(|w| lower.contains(w)) {
        return false;
    }
    const SECRET: &[&str] = &[
        "password",
        "passwd",
        "pwd",
        "passphrase",
        "secret",
        "token",
        "api_key",
        "apikey",
        "api-key",
        "access_key",
        "accesskey",
        "private_key",
        "privatekey",
        "credential",
        "auth_key",
        "client_secret",
        "license_key",
        "licence_key",
    ];
    SECRET.iter().any(|w| lower.contains(w))
}

/// Atlassian Data Center / Server personal access tokens are base64 of
/// `<numeric token id>:<20 random bytes>` (44 characters); a random base64
/// run of that length almost never decodes to digits and a colon.
fn atlassian_dc_pat_ok(token: &str) -> bool {
    let body = token.strip_prefix("BBDC-").unwrap_or(token);
    let Ok(raw) = base64::engine::general_purpose::STANDARD.decode(body) else {
        return false;
    };
    let Some(colon) = raw.iter().position(|&b| b == b':') else {
        return false;
    };
    (6..=20).contains(&colon)
        && raw[..colon].iter().all(u8::is_ascii_digit)
        && raw.len() - colon > 16
        && has_no_long_run(&raw[colon + 1..])
}

/// Random bytes do not repeat one value four times in a row.
fn has_no_long_run(b: &[u8]) -> bool {
    b.windows(4).all(|w| w.iter().any(|&x| x != w[0]))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn make(prefix: &str, random: &str) -> String {
        let c = base62_6(crc32fast::hash(random.as_bytes()));
        format!("{prefix}{random}{}", std::str::from_utf8(&c).unwrap())
    }

    #[test]
    fn github_checksum_accepts_valid_and_rejects_altered() {
        let t = make("ghp_", "aB3dE6gH9jK2mN5pQ8sT1vW4yZ7bC0");
        assert!(base62_crc32_ok(&t));
        let mut bad = t.clone().into_bytes();
        bad[10] = if bad[10] == b'x' { b'y' } else { b'x' };
        assert!(!base62_crc32_ok(std::str::from_utf8(&bad).unwrap()));
        assert!(!base62_crc32_ok("ghp_short"));
    }

    #[test]
    fn npm_checksum_uses_the_same_scheme() {
        let t = make("npm_", "Zx9Yw8Vu7Ts6Rq5Po4Nm3Lk2Ji1Hg0");
        assert!(Validator::NpmChecksum.check(&t));
        assert!(!Validator::NpmChecksum.check(&t.replace("Zx9", "Zx8")));
    }

    #[test]
    fn base62_pads_with_zero() {
        assert_eq!(&base62_6(0), b"000000");
        assert_eq!(&base62_6(61), b"00000z");
        assert_eq!(&base62_6(62), b"000010");
    }

    #[test]
    fn sentry_org_token_tail_is_43_characters() {
        let claims = "eyJpYXQiOjE3MDIwOTMyNzMsIm9yZyI6ImZkeGVtYmFoIn0";
        let tail = "jOOdTmmmbV2yKqprDq4hFmckRba/lR4tS7L2kSnKzGe";
        assert!(sentry_org_token_ok(&format!("sntrys_{claims}_{tail}")));
        assert!(!sentry_org_token_ok(&format!(
            "sntrys_{claims}_{}",
            &tail[1..]
        )));
        assert!(!sentry_org_token_ok(&format!("sntrys_{claims}_{tail}x")));
        // Claims that are not base64 of JSON with `iat`: a `-` is not in
        // the standard alphabet; `{"org":"fdxembah"}` has no `iat`.
        let dashed = format!("{}-{}", &claims[..8], &claims[9..]);
        assert!(!sentry_org_token_ok(&format!("sntrys_{dashed}_{tail}")));
        let no_iat = "eyJvcmciOiJmZHhlbWJhaCJ9";
        assert!(!sentry_org_token_ok(&format!("sntrys_{no_iat}_{tail}")));
    }

    #[test]
    fn published_examples_by_their_markers() {
        let b64 = |s: &str| base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(s);
        let h = b64(r#"{"alg":"HS256","typ":"JWT"}"#);
        let sample = format!(
            "{h}.{}.c2lnbmF0dXJlc2lnbmF0dXJl",
            b64(r#"{"sub":"1234567890","name":"John Doe","iat":1516239022}"#)
        );
        assert!(published_example(&sample).is_some());
        let other = format!("{h}.{}.c2lnbmF0dXJl", b64(r#"{"sub":"u-81","name":"Ann"}"#));
        assert!(published_example(&other).is_none());
        // The JOSE RFCs' claims (CRLF-separated as RFC 7519 §3.1 prints them)
        // and a `foo` claim; `iss` "joe" alone is not the RFC sample.
        for claims in [
            "{\"iss\":\"joe\",\r\n \"exp\":1300819380,\r\n \"http://example.com/is_root\":true}",
            r#"{"foo":"bar","exp":15000,"iss":"test"}"#,
            r#"{"foo":"bar"}"#,
            r#"{"iss":"issuer","sub":"subject","nbf":1451606400}"#,
        ] {
            let t = format!("{h}.{}.c2lnbmF0dXJl", b64(claims));
            assert!(published_example(&t).is_some(), "{claims}");
        }
        for claims in [
            r#"{"iss":"joe","exp":1300819380}"#,
            r#"{"food":"bar"}"#,
            r#"{"iss":"https://issuer.example.com","sub":"subject-7"}"#,
        ] {
            let t = format!("{h}.{}.c2lnbmF0dXJl", b64(claims));
            assert!(published_example(&t).is_none(), "{claims}");
        }
        assert!(published_example(&format!("AKIA{}EXAMPLE", "Q3W7RT2ZP")).is_some());
        assert!(published_example("AKIAQ3W7RT2ZPLX4M9BD").is_none()); // stowaway:allow
        assert!(published_example("Basic czZCaGRSa3F0MzpnWDFmQmF0M2JW").is_some());
        assert!(published_example("2YotnFZFEjr1zCsicMWpAA").is_some());
        assert!(published_example("2YotnFZFEjr1zCsicMWpAB").is_none());
    }

    #[test]
    fn placeholders() {
        for p in [
            "changeme",
            "${GITHUB_TOKEN}",
            "<your-token>",
            "xxxxxxxxxxxxxxxx",
            "aaaaaaaaaa",
            "AKIAIOSFODNN7EXAMPLE",
            "get_password()",
            "settings.db_password",
            "{{ vault_token }}",
            "Returned",
            "firmware",
            "WL1271_PSM_ELP",
            "*new_token",
            "12345678",
            "mypassword",
            "cipher_auth=",
            "Validator::PrivateKey",
            "self.apiToken",
            "next_token++",
            "0x%016llx",
            "0xdeadbeef",
            "power-controller@c0",
            "WRPLL-specific",
            "Non-zero",
            "&sifive_fu540_prci_wrpll",
        ] {
            assert!(looks_like_placeholder(p), "{p}");
        }
        for real in ["q8Z2vL0pX4mN7rT1", "s3cr3t-V4lue-9kQ"] {
            assert!(!looks_like_placeholder(real), "{real}");
        }
    }

    #[test]
    fn entropy_is_charset_aware() {
        // Random hex cannot reach a base64 bar, but passes the scaled one.
        let hex = b"9f86d081884c7d659a2feaa0c55ad015";
        assert!(shannon_entropy(hex) < 4.0);
        assert!(random_enough(hex, 4.5));
        assert!(!random_enough(b"aaaaaaaabbbbbbbb", 3.0));
    }

    #[test]
    fn secret_names() {
        for n in [
            "PASSWORD",
            "db_password",
            "apiKey",
            "GITHUB_TOKEN",
            "client_secret",
        ] {
            assert!(is_secret_name(n), "{n}");
        }
        for n in [
            "GPG_KEYS",
            "TOKEN_URL",
            "PUBLIC_KEY",
            "NODE_VERSION",
            "PASSWORD_FILE",
        ] {
            assert!(!is_secret_name(n), "{n}");
        }
    }

    #[test]
    fn base64_private_key_must_decode_to_a_key_block() {
        let b64 = |s: &str| base64::engine::general_purpose::STANDARD.encode(s);
        // A DER SEQUENCE (INTEGER 0, then filler): the shape of a key body.
        let der: Vec<u8> = [0x30, 0x5d, 0x02, 0x01, 0x00]
            .into_iter()
            .chain((0..90u8).map(|i| i.wrapping_mul(37)))
            .collect();
        let enc = base64::engine::general_purpose::STANDARD.encode(der);
        let body = format!("{}\n{}", &enc[..64], &enc[64..]);
        let key =
            format!("-----BEGIN RSA PRIVATE KEY-----\n{body}\n-----END RSA PRIVATE KEY-----\n");
        assert!(base64_private_key_ok(&b64(&key)));
        // Unpadded is the same key.
        assert!(base64_private_key_ok(b64(&key).trim_end_matches('=')));
        let cert = key.replace("RSA PRIVATE KEY", "CERTIFICATE");
        assert!(!base64_private_key_ok(&b64(&cert)));
        let elided = "-----BEGIN RSA PRIVATE KEY-----\nMIIE...\n-----END RSA PRIVATE KEY-----\n";
        assert!(!base64_private_key_ok(&b64(elided)));
        let truncated = format!("-----BEGIN RSA PRIVATE KEY-----\n{body}");
        assert!(!base64_private_key_ok(&b64(&truncated)));
        assert!(!base64_private_key_ok("LS0tLS1CRUdJTi!!"));
    }

    #[test]
    fn atlassian_dc_pat_is_digits_colon_random() {
        let b64 = |b: &[u8]| base64::engine::general_purpose::STANDARD.encode(b);
        let mut good = b"588925395905:".to_vec();
        good.extend_from_slice(&[
            0x20, 0x5b, 0xf5, 0x2e, 0x16, 0x3c, 0x4a, 0x0a, 0xe9, 0xc9, 0x8e, 0x7b, 0xaa, 0x6a,
            0xe9, 0x53, 0xb4, 0x96, 0xde, 0x8c,
        ]);
        let tok = b64(&good);
        assert_eq!(tok.len(), 44);
        assert!(atlassian_dc_pat_ok(&tok));
        assert!(atlassian_dc_pat_ok(&format!("BBDC-{tok}")));
        // Letters in the id, no colon, a run of one byte, not base64.
        assert!(!atlassian_dc_pat_ok(&b64(
            b"58a925395905:abcdefghijklmnopqrst"
        )));
        assert!(!atlassian_dc_pat_ok(&b64(&[7u8; 33])));
        assert!(!atlassian_dc_pat_ok(&b64(
            b"588925395905:\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0"
        )));
        assert!(!atlassian_dc_pat_ok(
            "NTg4OTI1Mzk1OTA1OiBb9S4WPEoK6cmOe6pq6VO0lt6!"
        ));
    }
}
