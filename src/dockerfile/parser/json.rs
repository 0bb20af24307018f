//! The JSON (exec) form of RUN/CMD/ENTRYPOINT/SHELL/COPY/ADD/VOLUME.

use super::lines::LLine;
use super::model::{Form, Word};

/// JSON array of strings → exec form; other JSON → error; else shell form.
pub(super) fn maybe_json(ll: &LLine, a: usize, b: usize, escape: char) -> Result<Form, String> {
    let text = ll.text.get(a..b).unwrap_or("");
    if text.starts_with('[') {
        match parse_json_array(text) {
            Some(Ok(items)) => {
                return Ok(Form::Exec(
                    items
                        .into_iter()
                        .map(|(s, e, v)| Word {
                            raw: text.get(s..e).unwrap_or("").to_string(),
                            value: v,
                            span: ll.span(a + s, a + e),
                        })
                        .collect(),
                ))
            }
            Some(Err(())) => {
                return Err("JSON array arguments must be strings".to_string());
            }
            None => {}
        }
    }
    Ok(Form::Shell(ll.word(a, b, escape)))
}

/// `Some(Ok(items))` for a JSON array of strings (byte range + decoded value),
/// `Some(Err)` for a valid JSON array with a non-string item, `None` for
/// anything that is not valid JSON.
#[allow(clippy::type_complexity)]
pub(super) fn parse_json_array(text: &str) -> Option<Result<Vec<(usize, usize, String)>, ()>> {
    match serde_json::from_str::<serde_json::Value>(text) {
        Ok(serde_json::Value::Array(items)) => {
            if !items.iter().all(|v| v.is_string()) {
                return Some(Err(()));
            }
        }
        _ => return None,
    }
    // Valid: locate each string literal.
    let b = text.as_bytes();
    let mut out = Vec::new();
    let mut i = 0;
    while i < b.len() {
        if b.get(i) == Some(&b'"') {
            let s = i;
            i += 1;
            while i < b.len() {
                match b.get(i) {
                    Some(b'\\') => i += 2,
                    Some(b'"') => break,
                    _ => i += 1,
                }
            }
            let e = (i + 1).min(b.len());
            let lit = text.get(s..e).unwrap_or("\"\"");
            let v: String = serde_json::from_str(lit).unwrap_or_default();
            out.push((s, e, v));
        }
        i += 1;
    }
    Some(Ok(out))
}
