//! Line formats: `.pgpass`, URL lines (`.git-credentials`, git config),
//! INI keys (`.s3cfg`) and Rails' `master.key`.

use super::{decode, known_token, plausible, Analysis, Encoding, FileMatch, FileRule, RuleRef};
use crate::secrets::Scanner;

/// Each line of `text` with its byte offset, without the line break.
fn lines(text: &[u8]) -> impl Iterator<Item = (usize, &str)> {
    let mut at = 0;
    text.split(|&b| b == b'\n').map(move |l| {
        let start = at;
        at += l.len() + 1;
        let l = l.strip_suffix(b"\r").unwrap_or(l);
        (start, std::str::from_utf8(l).unwrap_or(""))
    })
}

fn push(a: &mut Analysis, rule: FileRule, start: usize, end: usize) {
    a.found.push(FileMatch {
        rule: RuleRef::File(rule),
        start,
        end,
        decoded: None,
    });
}

/// `hostname:port:database:username:password`; `\:` and `\\` escape.
pub fn pgpass(text: &[u8], a: &mut Analysis) {
    for (at, line) in lines(text) {
        if line.trim_start().starts_with('#') || line.trim().is_empty() {
            continue;
        }
        let b = line.as_bytes();
        let (mut fields, mut i) = (0, 0);
        while i < b.len() && fields < 4 {
            match b[i] {
                b'\\' => i += 1,
                b':' => fields += 1,
                _ => {}
            }
            i += 1;
        }
        if fields < 4 || i >= b.len() {
            continue;
        }
        let raw = &line[i.min(line.len())..];
        let value = raw.replace("\\:", ":").replace("\\\\", "\\");
        if plausible(&value) {
            push(a, FileRule::Pgpass, at + i, at + line.len());
        }
    }
}

/// Every `scheme://user:password@host` URL on every line.
pub fn url_lines(scanner: &Scanner, text: &[u8], rule: FileRule, a: &mut Analysis) {
    for (at, line) in lines(text) {
        let mut from = 0;
        while let Some(i) = line[from..].find("://").map(|i| from + i) {
            from = i + 3;
            let start = line[..i]
                .rfind(|c: char| !(c.is_ascii_alphanumeric() || matches!(c, '+' | '.' | '-')))
                .map_or(0, |p| p + 1);
            let end = line[i..]
                .find(|c: char| c.is_whitespace() || matches!(c, '"' | '\'' | ']' | '<' | '>'))
                .map_or(line.len(), |p| i + p);
            if start == i {
                continue;
            }
            let url = &line[start..end];
            let Some((s, e, password, was_encoded)) = decode::url_password(url) else {
                continue;
            };
            if !plausible(&password) {
                continue;
            }
            let encoding = was_encoded.then_some(Encoding::Percent);
            let known = encoding.and_then(|_| known_token(scanner, &password, 1));
            a.found.push(FileMatch {
                rule: known.map_or(RuleRef::File(rule), RuleRef::Engine),
                start: at + start + s,
                end: at + start + e,
                decoded: encoding,
            });
        }
    }
}

/// `key = value` (or `key: value`) lines whose key is one of `keys`.
pub fn ini_keys(text: &[u8], keys: &[&str], rule: FileRule, a: &mut Analysis) {
    for (at, line) in lines(text) {
        let t = line.trim_start();
        if t.starts_with(['#', ';', '[']) {
            continue;
        }
        let Some(sep) = line.find(['=', ':']) else {
            continue;
        };
        let key = line[..sep].trim();
        if !keys.iter().any(|k| key.eq_ignore_ascii_case(k)) {
            continue;
        }
        let rest = &line[sep + 1..];
        let lead = rest.len() - rest.trim_start().len();
        let mut value = rest.trim();
        let mut s = at + sep + 1 + lead;
        if value.len() >= 2
            && (value.starts_with('"') && value.ends_with('"')
                || value.starts_with('\'') && value.ends_with('\''))
        {
            value = &value[1..value.len() - 1];
            s += 1;
        }
        if plausible(value) {
            push(a, rule, s, s + value.len());
        }
    }
}

/// A Rails key file: 32 hex digits, nothing else.
pub fn rails_key(text: &[u8], a: &mut Analysis) {
    let Ok(t) = std::str::from_utf8(text) else {
        return;
    };
    let v = t.trim();
    if v.len() == 32 && v.bytes().all(|b| b.is_ascii_hexdigit()) && plausible(v) {
        let s = t.len() - t.trim_start().len();
        push(a, FileRule::RailsMasterKey, s, s + v.len());
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn spans(a: &Analysis, text: &str) -> Vec<String> {
        a.found
            .iter()
            .map(|m| text[m.start..m.end].to_string())
            .collect()
    }

    #[test]
    fn pgpass_password_field() {
        let t = "# comment\ndb.internal:5432:*:app:Zq8\\:vT2mWx9\n*:*:*:u:*\nshort:line\n";
        let mut a = Analysis::default();
        pgpass(t.as_bytes(), &mut a);
        assert_eq!(spans(&a, t), vec!["Zq8\\:vT2mWx9"]);
    }

    #[test]
    fn ini_values() {
        let t = [
            "[pypi]\nusername = __token__\npass",
            "word = 'Tr7pQ2xVn9Lw'\n[test]\npassword=\n",
        ]
        .concat();
        let t = t.as_str();
        let mut a = Analysis::default();
        ini_keys(t.as_bytes(), &["password"], FileRule::S3cfg, &mut a);
        assert_eq!(spans(&a, t), vec!["Tr7pQ2xVn9Lw"]);
    }

    #[test]
    fn rails_key_shape() {
        let mut a = Analysis::default();
        rails_key(b"9f86d081884c7d659a2feaa0c55ad015\n", &mut a);
        assert_eq!(a.found.len(), 1);
        let mut b = Analysis::default();
        rails_key(b"not a key at all, just some text", &mut b);
        rails_key(b"00000000000000000000000000000000", &mut b);
        assert!(b.found.is_empty());
    }
}
