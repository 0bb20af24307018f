//! Bounded decoding of values that a file's structure marks as encoded
//! (a Kubernetes `Secret`'s `data:`, a docker `auth`, an npm `_auth`, a
//! FileZilla `<Pass encoding="base64">`, a percent-encoded URL password).
//!
//! Decoding runs only on such candidates, never on every base64 run in a
//! file: a tree is full of base64 (images, fonts, hashes) and decoding all
//! of it would cost time and invent findings.

use base64::engine::general_purpose::{STANDARD, STANDARD_NO_PAD, URL_SAFE, URL_SAFE_NO_PAD};
use base64::Engine;

/// Longest encoded value decoded (a dockerconfigjson or a PEM key fits).
pub const MAX_ENCODED: usize = 64 * 1024;
/// How many encodings deep a value is unwrapped (a dockerconfigjson in a
/// `Secret` holds base64 `auth` values: two).
pub const MAX_DEPTH: usize = 2;

/// How a reported secret was encoded where it was found.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Encoding {
    Base64,
    Percent,
}

impl Encoding {
    pub fn as_str(self) -> &'static str {
        match self {
            Encoding::Base64 => "base64",
            Encoding::Percent => "percent-encoding",
        }
    }
}

/// `value` decoded from base64 (standard or URL-safe, padded or not) when
/// it is well-formed, not too long, and decodes to UTF-8 text without
/// control characters other than whitespace. Whitespace inside the value
/// (wrapped YAML) is ignored.
pub fn base64_text(value: &str) -> Option<String> {
    let v = value.trim();
    if v.len() < 4 || v.len() > MAX_ENCODED {
        return None;
    }
    let compact: String = v.chars().filter(|c| !c.is_ascii_whitespace()).collect();
    let ok = compact
        .bytes()
        .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'+' | b'/' | b'-' | b'_' | b'='));
    if !ok {
        return None;
    }
    let bytes = [STANDARD, STANDARD_NO_PAD, URL_SAFE, URL_SAFE_NO_PAD]
        .iter()
        .find_map(|e| e.decode(compact.as_bytes()).ok())?;
    let text = String::from_utf8(bytes).ok()?;
    let printable = text
        .chars()
        .all(|c| !c.is_control() || matches!(c, '\n' | '\r' | '\t'));
    (printable && !text.trim().is_empty()).then_some(text)
}

/// `value` with `%XX` escapes decoded, when it has at least one and all
/// are well-formed and the result is UTF-8; `None` otherwise.
pub fn percent_text(value: &str) -> Option<String> {
    if !value.contains('%') || value.len() > MAX_ENCODED {
        return None;
    }
    let b = value.as_bytes();
    let mut out = Vec::with_capacity(b.len());
    let mut i = 0;
    while i < b.len() {
        if b[i] == b'%' {
            let hex = b.get(i + 1..i + 3)?;
            let s = std::str::from_utf8(hex).ok()?;
            out.push(u8::from_str_radix(s, 16).ok()?);
            i += 3;
        } else {
            out.push(b[i]);
            i += 1;
        }
    }
    String::from_utf8(out).ok()
}

/// A URL's password: `scheme://user:password@host…` (the password
/// percent-decoded when it has escapes). Byte offsets of the raw password
/// in `url`, the decoded password, and whether it was decoded.
pub fn url_password(url: &str) -> Option<(usize, usize, String, bool)> {
    let scheme_end = url.find("://")?;
    let rest_at = scheme_end + 3;
    let rest = &url[rest_at..];
    let authority_end = rest.find(['/', '?', '#']).unwrap_or(rest.len());
    let authority = &rest[..authority_end];
    let at = authority.rfind('@')?;
    let userinfo = &authority[..at];
    let colon = userinfo.find(':')?;
    let raw = &userinfo[colon + 1..];
    if raw.is_empty() || authority[at + 1..].is_empty() {
        return None;
    }
    let start = rest_at + colon + 1;
    match percent_text(raw) {
        Some(d) => Some((start, start + raw.len(), d, true)),
        None => Some((start, start + raw.len(), raw.to_string(), false)),
    }
}

/// Split a decoded `user:password` pair; `None` when it has no colon or an
/// empty side.
pub fn user_password(decoded: &str) -> Option<(&str, &str)> {
    let (u, p) = decoded.trim_end_matches(['\n', '\r']).split_once(':')?;
    (!u.is_empty() && !p.is_empty() && !u.contains(['\n', ' '])).then_some((u, p))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn base64_decodes_text_only() {
        assert_eq!(base64_text("dXNlcjpwYXNz").as_deref(), Some("user:pass"));
        assert_eq!(base64_text("dXNlcjpwYXNz\n").as_deref(), Some("user:pass"));
        // URL-safe, unpadded.
        assert_eq!(base64_text("Pz8_Pw").as_deref(), Some("????"));
        assert_eq!(base64_text("not base64!"), None);
        // Binary (a PNG header) is not text.
        assert_eq!(base64_text("iVBORw0KGgoAAAANSUhEUg=="), None);
        assert_eq!(base64_text(&"QUFB".repeat(MAX_ENCODED)), None);
    }

    #[test]
    fn percent_and_urls() {
        assert_eq!(percent_text("p%40ss%2Fw").as_deref(), Some("p@ss/w"));
        assert_eq!(percent_text("p%4"), None);
        assert_eq!(percent_text("plain"), None);
        // Built here so this file holds no URL with credentials.
        let url = ["https://bob", ":s3cr%21t", "@git.example.org"].concat();
        let (s, e, p, dec) = url_password(&url).unwrap();
        assert_eq!(&url[s..e], "s3cr%21t");
        assert_eq!((p.as_str(), dec), ("s3cr!t", true));
        assert!(url_password("https://bob@git.example.org").is_none());
        assert!(url_password("https://git.example.org/a:b@c").is_none());
        assert_eq!(user_password("ci:tok"), Some(("ci", "tok")));
        assert_eq!(user_password(":tok"), None);
    }
}
