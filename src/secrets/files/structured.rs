//! Formats that must be parsed: FileZilla XML, Terraform state, Jupyter
//! notebooks and docker config JSON.

use super::json::{self, JsonStr, Seg};
use super::{decode, known_token, plausible, Analysis, Encoding, FileMatch, FileRule, RuleRef};
use crate::secrets::literal::FileKind;
use crate::secrets::validate::is_secret_name;
use crate::secrets::Scanner;
use memchr::memmem;

/// Most string values read from one JSON file.
const MAX_STRINGS: usize = 1_000_000;

/// `<Pass>` elements: plain, or `encoding="base64"` (decoded). Passwords a
/// master password encrypts (`encoding="crypt"`) are not readable: skipped.
pub fn filezilla(scanner: &Scanner, text: &[u8], a: &mut Analysis) {
    for open in memmem::find_iter(text, b"<Pass") {
        let Some(gt) = memchr::memchr(b'>', &text[open..]).map(|i| open + i) else {
            break;
        };
        let attrs = &text[open + 5..gt];
        if !(attrs.is_empty() || attrs[0].is_ascii_whitespace()) || attrs.ends_with(b"/") {
            continue;
        }
        let Some(close) = memmem::find(&text[gt..], b"</Pass>").map(|i| gt + i) else {
            continue;
        };
        let Ok(raw) = std::str::from_utf8(&text[gt + 1..close]) else {
            continue;
        };
        let lead = raw.len() - raw.trim_start().len();
        let (start, end) = (gt + 1 + lead, gt + 1 + lead + raw.trim().len());
        let attrs = String::from_utf8_lossy(attrs).to_ascii_lowercase();
        let (password, decoded) = if attrs.contains("encoding=\"base64\"") {
            match decode::base64_text(raw) {
                Some(p) => (p, Some(Encoding::Base64)),
                None => continue,
            }
        } else if attrs.contains("encoding=") {
            continue;
        } else {
            (xml_unescape(raw.trim()), None)
        };
        if !plausible(&password) {
            continue;
        }
        let rule = match decoded.and_then(|_| known_token(scanner, &password, 1)) {
            Some(r) => RuleRef::Engine(r),
            None => RuleRef::File(FileRule::FileZilla),
        };
        a.found.push(FileMatch {
            rule,
            start,
            end,
            decoded,
        });
    }
}

fn xml_unescape(s: &str) -> String {
    s.replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&quot;", "\"")
        .replace("&apos;", "'")
        .replace("&amp;", "&")
}

fn last_key(path: &[Seg]) -> Option<&str> {
    path.iter().rev().find_map(Seg::key)
}

fn value_of(text: &[u8], s: &JsonStr) -> String {
    json::unescape(&text[s.start..s.end], s.start).0
}

/// Resource attributes with a secret name, and `sensitive` outputs.
pub fn tfstate(scanner: &Scanner, text: &[u8], a: &mut Analysis) {
    // Which outputs are sensitive: a boolean, which the string walker does
    // not see; the state is JSON, so read that part with serde.
    let sensitive: Vec<String> = serde_json::from_slice::<serde_json::Value>(text)
        .ok()
        .and_then(|v| v.get("outputs").and_then(|o| o.as_object()).cloned())
        .map(|o| {
            o.iter()
                .filter(|(_, v)| v.get("sensitive").and_then(|s| s.as_bool()) == Some(true))
                .map(|(k, _)| k.clone())
                .collect()
        })
        .unwrap_or_default();
    let (strings, _) = json::strings(text, MAX_STRINGS);
    for s in &strings {
        let in_attrs = s
            .path
            .iter()
            .any(|p| matches!(p.key(), Some("attributes" | "attributes_flat")));
        let output = match (s.path.first().and_then(Seg::key), s.path.get(1)) {
            (Some("outputs"), Some(Seg::Key(name))) => sensitive.contains(name),
            _ => false,
        };
        let named = in_attrs && last_key(&s.path).is_some_and(is_secret_name);
        if !(named || output) {
            continue;
        }
        let value = value_of(text, s);
        if !plausible(&value) {
            continue;
        }
        let rule = match known_token(scanner, &value, 1) {
            Some(r) => RuleRef::Engine(r),
            None => RuleRef::File(FileRule::TfState),
        };
        a.found.push(FileMatch {
            rule,
            start: s.start,
            end: s.end,
            decoded: None,
        });
    }
}

/// `identitytoken` / `registrytoken` entries (the `auth` values are the
/// `docker-config-auth` rule's, decoded by [`super::refine`]).
pub fn docker_config(text: &[u8], a: &mut Analysis) {
    let (strings, _) = json::strings(text, MAX_STRINGS);
    for s in &strings {
        let k = last_key(&s.path).map(str::to_ascii_lowercase);
        if matches!(k.as_deref(), Some("identitytoken" | "registrytoken"))
            && plausible(&value_of(text, s))
        {
            a.found.push(FileMatch {
                rule: RuleRef::File(FileRule::DockerToken),
                start: s.start,
                end: s.end,
                decoded: None,
            });
        }
    }
}

/// One run of text in a notebook: a cell's source or one output's text,
/// possibly split over several JSON strings (one per line).
struct Unit {
    cell: usize,
    key: Vec<Seg>,
    parts: Vec<(usize, usize)>,
}

/// Code cells, markdown cells and text outputs are read as the text they
/// hold (unescaped from JSON, lines joined), so the ordinary rules judge
/// `password = "…"` rather than `\"…\"`. Binary outputs (`image/png` and
/// other non-text data) and attachments are never reported.
pub fn notebook(scanner: &Scanner, text: &[u8], a: &mut Analysis) {
    let (strings, _) = json::strings(text, MAX_STRINGS);
    let mut markdown = Vec::new();
    let mut units: Vec<Unit> = Vec::new();
    for s in &strings {
        let (Some(Seg::Key(top)), Some(Seg::Index(cell))) = (s.path.first(), s.path.get(1)) else {
            continue;
        };
        if top != "cells" {
            continue;
        }
        let rest = &s.path[2..];
        let key = |i: usize| rest.get(i).and_then(Seg::key);
        let unit_key: Vec<Seg> = match key(0) {
            Some("cell_type") => {
                if &text[s.start..s.end] == b"markdown" {
                    markdown.push(*cell);
                }
                continue;
            }
            Some("source") => rest[..1].to_vec(),
            Some("attachments") => {
                a.veto.push((s.start, s.end));
                continue;
            }
            Some("outputs") => match (key(2), key(3)) {
                (Some("text"), _) => rest[..3].to_vec(),
                (Some("data"), Some(mime)) if text_mime(mime) => rest[..4].to_vec(),
                (Some("data"), Some(_)) => {
                    a.veto.push((s.start, s.end));
                    continue;
                }
                _ => continue,
            },
            _ => continue,
        };
        match units.last_mut() {
            Some(u) if u.cell == *cell && u.key == unit_key => u.parts.push((s.start, s.end)),
            _ => units.push(Unit {
                cell: *cell,
                key: unit_key,
                parts: vec![(s.start, s.end)],
            }),
        }
    }
    for u in &units {
        let source = u.key.first().and_then(Seg::key) == Some("source");
        let kind = match (source, markdown.contains(&u.cell)) {
            (true, true) => FileKind::Docs,
            (true, false) => FileKind::Code,
            (false, _) => FileKind::Unknown,
        };
        judge_unit(scanner, text, u, kind, a);
    }
}

fn text_mime(mime: &str) -> bool {
    mime.starts_with("text/") || mime == "application/json" || mime.ends_with("+json")
}

fn judge_unit(scanner: &Scanner, text: &[u8], u: &Unit, kind: FileKind, a: &mut Analysis) {
    // Joined text, and for each part its offset in it and its byte map.
    let mut joined = String::new();
    let mut maps: Vec<(usize, Vec<usize>)> = Vec::new();
    for &(s, e) in &u.parts {
        let (t, map) = json::unescape(&text[s..e], s);
        maps.push((joined.len(), map));
        joined.push_str(&t);
        // The unit's raw span is judged here: the ordinary scan's generic
        // matches inside it read JSON escapes, not the cell's text.
        a.judged.push((s, e));
    }
    for m in scanner.find_in_kind(joined.as_bytes(), kind) {
        let Some(rule) = scanner.rules().iter().position(|r| r.spec.id == m.rule_id) else {
            continue;
        };
        let (Some(start), Some(end)) = (raw_start(&maps, m.start), raw_end(&maps, m.end)) else {
            continue;
        };
        a.found.push(FileMatch {
            rule: RuleRef::Engine(rule),
            start,
            end,
            decoded: None,
        });
    }
}

fn part_of(maps: &[(usize, Vec<usize>)], at: usize) -> Option<&(usize, Vec<usize>)> {
    maps.iter().rev().find(|(off, _)| *off <= at)
}

fn raw_start(maps: &[(usize, Vec<usize>)], at: usize) -> Option<usize> {
    let (off, map) = part_of(maps, at)?;
    map.get(at - off).copied()
}

/// The raw offset just past decoded byte `at - 1`.
fn raw_end(maps: &[(usize, Vec<usize>)], at: usize) -> Option<usize> {
    let last = at.checked_sub(1)?;
    let (off, map) = part_of(maps, last)?;
    let i = last - off;
    let here = *map.get(i)?;
    map[i..].iter().copied().find(|&r| r != here)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn filezilla_base64_and_crypt() {
        let t = "<Server><Pass encoding=\"base64\">VHI3cFEyeFZuOUx3</Pass></Server>\n\
                 <Server><Pass encoding=\"crypt\" pubkey=\"x\">AAAA</Pass></Server>\n\
                 <Server><Pass>changeme</Pass><Password/></Server>";
        let s = Scanner::new(Vec::new()).unwrap();
        let mut a = Analysis::default();
        filezilla(&s, t.as_bytes(), &mut a);
        let got: Vec<_> = a.found.iter().map(|m| &t[m.start..m.end]).collect();
        assert_eq!(got, vec!["VHI3cFEyeFZuOUx3"]);
        assert_eq!(a.found[0].decoded, Some(Encoding::Base64));
    }

    #[test]
    fn raw_offsets_across_parts() {
        let t = br#"["ab\"c", "de"]"#;
        let (s1, m1) = json::unescape(&t[2..7], 2);
        let (_, m2) = json::unescape(&t[11..13], 11);
        let maps = vec![(0, m1), (s1.len(), m2)];
        assert_eq!(raw_start(&maps, 2), Some(4)); // the quote's backslash
        assert_eq!(raw_end(&maps, 3), Some(6));
        assert_eq!(raw_end(&maps, 5), Some(12));
        assert_eq!(raw_end(&maps, 6), Some(13));
    }
}
