//! Kubernetes YAML: `kind: Secret` manifests (their `data:` values are
//! base64, decoded and judged; `stringData:` values are plain) and
//! kubeconfigs (`users:` credentials). Read line by line, block style only,
//! as `kubectl create secret … -o yaml` and `kubectl config view` write them.

use super::{decode, known_token, plausible, Analysis, Encoding, FileMatch, FileRule, RuleRef};
use crate::secrets::validate::is_secret_name;
use crate::secrets::Scanner;

struct Line<'a> {
    at: usize,
    indent: usize,
    text: &'a str,
}

fn lines(text: &str) -> Vec<Line<'_>> {
    let mut at = 0;
    text.split('\n')
        .map(|l| {
            let start = at;
            at += l.len() + 1;
            let l = l.strip_suffix('\r').unwrap_or(l);
            let indent = l.len() - l.trim_start_matches(' ').len();
            Line {
                at: start,
                indent,
                text: l,
            }
        })
        .collect()
}

fn blank(l: &Line) -> bool {
    let t = l.text.trim();
    t.is_empty() || t.starts_with('#')
}

/// `key: value` on a line (after a list dash); the key and the value's byte
/// span within the line, quotes stripped.
fn key_value<'a>(l: &Line<'a>) -> Option<(&'a str, usize, usize)> {
    let t = l.text;
    let body_at = l.indent
        + if t[l.indent..].starts_with("- ") {
            2
        } else {
            0
        };
    let body = &t[body_at..];
    let colon = body.find(": ")?;
    let key = body[..colon].trim().trim_matches(['"', '\'']);
    let rest = &body[colon + 2..];
    let v = rest.trim();
    let mut s = body_at + colon + 2 + (rest.len() - rest.trim_start().len());
    let mut v = v.split(" #").next().unwrap_or(v).trim_end();
    if v.len() >= 2
        && (v.starts_with('"') && v.ends_with('"') || v.starts_with('\'') && v.ends_with('\''))
    {
        v = &v[1..v.len() - 1];
        s += 1;
    }
    (!v.is_empty()).then_some((key, s, s + v.len()))
}

/// Top-level `name:` with its value, if `l` is one.
fn top<'a>(l: &Line<'a>) -> Option<(&'a str, &'a str)> {
    if l.indent != 0 || l.text.starts_with(['-', '#']) {
        return None;
    }
    let (k, v) = l.text.split_once(':')?;
    Some((k.trim(), v.trim().trim_matches(['"', '\''])))
}

/// Each YAML document (`---` separated) as its lines.
fn documents<'a>(all: &'a [Line<'a>]) -> impl Iterator<Item = &'a [Line<'a>]> {
    all.split(|l| l.text.starts_with("---"))
}

pub fn yaml(scanner: &Scanner, text: &[u8], a: &mut Analysis) {
    let Ok(text) = std::str::from_utf8(text) else {
        return;
    };
    if !text.contains("kind:") {
        return;
    }
    let all = lines(text);
    for doc in documents(&all) {
        match doc
            .iter()
            .find_map(|l| top(l).filter(|(k, _)| *k == "kind"))
        {
            Some((_, "Secret")) => secret(scanner, doc, a),
            Some((_, "Config")) => users(doc, a),
            _ => {}
        }
    }
}

pub fn kubeconfig(text: &[u8], a: &mut Analysis) {
    let Ok(text) = std::str::from_utf8(text) else {
        return;
    };
    let all = lines(text);
    for doc in documents(&all) {
        users(doc, a);
    }
}

/// The lines of the block under top-level key `name` (deeper-indented or
/// list items), each with that block's own lines only.
fn block<'a, 'b>(doc: &'b [Line<'a>], name: &str) -> Vec<&'b Line<'a>> {
    let mut out = Vec::new();
    let mut inside = false;
    for l in doc {
        if let Some((k, v)) = top(l) {
            inside = k == name && v.is_empty();
            continue;
        }
        if inside && !blank(l) {
            out.push(l);
        }
    }
    out
}

fn secret(scanner: &Scanner, doc: &[Line], a: &mut Analysis) {
    for (name, encoded) in [("data", true), ("stringData", false)] {
        let lines = block(doc, name);
        let Some(child) = lines.first().map(|l| l.indent) else {
            continue;
        };
        for l in lines.into_iter().filter(|l| l.indent == child) {
            let Some((key, s, e)) = key_value(l) else {
                continue;
            };
            let raw = &l.text[s..e];
            let (value, decoded) = if encoded {
                match decode::base64_text(raw) {
                    Some(v) => (v, Some(Encoding::Base64)),
                    None => continue,
                }
            } else {
                (raw.to_string(), None)
            };
            let known = decoded.and_then(|_| known_token(scanner, &value, decode::MAX_DEPTH - 1));
            let rule = match known {
                Some(r) => RuleRef::Engine(r),
                None if is_secret_name(key)
                    && !value.trim().contains('\n')
                    && plausible(&value) =>
                {
                    RuleRef::File(FileRule::KubeSecret)
                }
                None => continue,
            };
            a.found.push(FileMatch {
                rule,
                start: l.at + s,
                end: l.at + e,
                decoded,
            });
        }
    }
}

/// Credentials of `users:` entries.
fn users(doc: &[Line], a: &mut Analysis) {
    const KEYS: &[&str] = &[
        "token",
        "password",
        "id-token",
        "refresh-token",
        "client-secret",
        "access-token",
    ];
    for l in block(doc, "users") {
        let Some((key, s, e)) = key_value(l) else {
            continue;
        };
        if KEYS.contains(&key) && plausible(&l.text[s..e]) {
            a.found.push(FileMatch {
                rule: RuleRef::File(FileRule::Kubeconfig),
                start: l.at + s,
                end: l.at + e,
                decoded: None,
            });
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn found(t: &str) -> Vec<(String, Option<Encoding>)> {
        let s = Scanner::builtin().unwrap();
        let mut a = Analysis::default();
        yaml(&s, t.as_bytes(), &mut a);
        a.found
            .iter()
            .map(|m| (t[m.start..m.end].to_string(), m.decoded))
            .collect()
    }

    #[test]
    fn secret_data_is_decoded_and_judged() {
        // base64 of "Vd9rT2qLx7Wm" and of "changeme".
        let t = "apiVersion: v1\nkind: Secret\nmetadata:\n  name: db\ndata:\n  password: VmQ5clQycUx4N1dt\n  username: YWRtaW4=\n  db-password: Y2hhbmdlbWU=\nstringData:\n  api-token: \"Qm7Zt2Lw9Xv4\"\n";
        assert_eq!(
            found(t),
            vec![
                ("VmQ5clQycUx4N1dt".to_string(), Some(Encoding::Base64)),
                ("Qm7Zt2Lw9Xv4".to_string(), None),
            ]
        );
    }

    #[test]
    fn not_a_secret_manifest() {
        let t = "kind: ConfigMap\ndata:\n  password: VmQ5clQycUx4N1dt\n";
        assert!(found(t).is_empty());
    }

    #[test]
    fn kubeconfig_users() {
        let t = "apiVersion: v1\nkind: Config\nusers:\n- name: ci\n  user:\n    password: Hq8vZt2mLw4x\n    username: ci\ncontexts: []\n";
        assert_eq!(found(t), vec![("Hq8vZt2mLw4x".to_string(), None)]);
    }
}
