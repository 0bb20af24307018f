//! Builder flags (`--from=…`, `--mount=…`): extraction and the flags each
//! instruction accepts.

use super::lines::{is_space, LLine};
use super::model::{Flag, Instruction, ParseError};
use crate::report::Span;

/// (name, takes a value) of the flags each instruction accepts.
pub(super) fn allowed_flags(keyword: &str) -> &'static [(&'static str, bool)] {
    match keyword {
        "FROM" => &[("platform", true)],
        "RUN" => &[
            ("mount", true),
            ("network", true),
            ("security", true),
            ("device", true),
        ],
        "COPY" => &[
            ("from", true),
            ("chown", true),
            ("chmod", true),
            ("link", false),
            ("parents", false),
            ("exclude", true),
        ],
        "ADD" => &[
            ("chown", true),
            ("chmod", true),
            ("link", false),
            ("keep-git-dir", false),
            ("checksum", true),
            ("exclude", true),
            ("unpack", false),
        ],
        "HEALTHCHECK" => &[
            ("interval", true),
            ("timeout", true),
            ("start-period", true),
            ("start-interval", true),
            ("retries", true),
        ],
        _ => &[],
    }
}

pub(super) fn err(errors: &mut Vec<ParseError>, message: String, span: Span) {
    errors.push(ParseError { message, span });
}

pub(super) fn check_flags(inst: &Instruction, errors: &mut Vec<ParseError>) {
    let allowed = allowed_flags(&inst.keyword);
    for f in &inst.flags {
        match allowed.iter().find(|(n, _)| *n == f.name) {
            None => err(errors, format!("unknown flag: {}", f.name), f.span),
            Some((_, true)) if f.value.is_none() => err(
                errors,
                format!("missing a value on flag: {}", f.name),
                f.span,
            ),
            Some((_, false)) => {
                if let Some(v) = &f.value {
                    if !matches!(v.to_ascii_lowercase().as_str(), "true" | "false" | "") {
                        err(
                            errors,
                            format!("expecting boolean value for flag {}, not: {v}", f.name),
                            f.span,
                        );
                    }
                }
            }
            _ => {}
        }
    }
}

/// BuildKit's `extractBuilderFlags`: leading words starting with `--`.
/// Returns the flags, where the arguments start, and errors.
pub(super) fn extract_flags(
    ll: &LLine,
    from: usize,
    escape: char,
) -> (Vec<Flag>, usize, Vec<ParseError>) {
    let text = &ll.text;
    let mut flags = Vec::new();
    let mut pos = from;
    loop {
        let tail = text.get(pos..).unwrap_or("");
        let ws = tail.len() - tail.trim_start_matches(is_space).len();
        let ws_start = pos;
        pos += ws;
        let tail = text.get(pos..).unwrap_or("");
        if !tail.starts_with("--") {
            if tail.trim().is_empty() {
                return (flags, text.len().max(ws_start), Vec::new());
            }
            return (flags, pos, Vec::new());
        }
        // One flag word, quotes allowed inside.
        let mut word = String::new();
        let mut quote: Option<char> = None;
        let mut end = text.len();
        let mut chars = tail.char_indices();
        while let Some((i, c)) = chars.next() {
            if let Some(q) = quote {
                if c == q {
                    quote = None;
                } else if c == escape && q != '\'' {
                    if let Some((_, n)) = chars.next() {
                        word.push(n);
                    }
                } else {
                    word.push(c);
                }
                continue;
            }
            if is_space(c) {
                end = pos + i;
                break;
            }
            if c == '\'' || c == '"' {
                quote = Some(c);
            } else if c == escape {
                if let Some((_, n)) = chars.next() {
                    word.push(n);
                }
            } else {
                word.push(c);
            }
        }
        let span = ll.span(pos, end);
        if word == "--" {
            return (flags, end, Vec::new());
        }
        let body = word.get(2..).unwrap_or("");
        let (name, value) = match body.find('=') {
            Some(eq) => (
                body.get(..eq).unwrap_or("").to_string(),
                Some(body.get(eq + 1..).unwrap_or("").to_string()),
            ),
            None => (body.to_string(), None),
        };
        flags.push(Flag { name, value, span });
        pos = end;
    }
}
