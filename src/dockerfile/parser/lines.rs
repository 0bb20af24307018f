//! Physical lines to logical lines: byte origins, continuations, parser
//! directives, comments, and splitting a line into shell words.

use super::model::Word;
use crate::report::Span;

/// Position of one byte of a logical line in the original file (1-based).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub(super) struct Pos {
    pub(super) line: u32,
    pub(super) col: u32,
}

/// A logical line: the text BuildKit sees plus the origin of every byte.
#[derive(Default)]
pub(super) struct LLine {
    pub(super) text: String,
    pub(super) pos: Vec<Pos>,
    pub(super) end: Pos,
}

impl LLine {
    pub(super) fn push(&mut self, line_no: u32, phys: &str, from: usize, to: usize) {
        let Some(prefix) = phys.get(..from) else {
            return;
        };
        let Some(part) = phys.get(from..to) else {
            return;
        };
        let mut col = prefix.chars().count() as u32 + 1;
        for ch in part.chars() {
            for _ in 0..ch.len_utf8() {
                self.pos.push(Pos { line: line_no, col });
            }
            col += 1;
        }
        self.text.push_str(part);
        self.end = Pos { line: line_no, col };
    }

    pub(super) fn span(&self, a: usize, b: usize) -> Span {
        let start = self.pos.get(a).copied().unwrap_or(self.end);
        let end = if b > a {
            self.pos
                .get(b - 1)
                .map(|p| Pos {
                    line: p.line,
                    col: p.col + 1,
                })
                .unwrap_or(self.end)
        } else {
            start
        };
        Span {
            line: start.line,
            column: start.col,
            end_line: end.line,
            end_column: end.col,
        }
    }

    pub(super) fn word(&self, a: usize, b: usize, escape: char) -> Word {
        let raw = self.text.get(a..b).unwrap_or("").to_string();
        Word {
            value: unquote(&raw, escape),
            raw,
            span: self.span(a, b),
        }
    }
}

pub(super) fn is_space(c: char) -> bool {
    c.is_whitespace()
}

/// Go's `reWhitespace` (`[\t\v\f\r ]+`).
pub(super) fn is_ws_delim(c: char) -> bool {
    matches!(c, '\t' | '\u{0b}' | '\u{0c}' | '\r' | ' ')
}

pub(super) fn is_comment(line: &str) -> bool {
    line.trim_start_matches(is_space).starts_with('#')
}

/// Where the continuation character starts, if the line continues.
pub(super) fn continuation(line: &str, escape: char) -> Option<usize> {
    let trimmed = line.trim_end_matches([' ', '\t']);
    let before = trimmed.strip_suffix(escape)?;
    if before.ends_with(escape) {
        return None;
    }
    Some(before.len())
}
pub(super) fn line_span(phys: &str, line: u32) -> Span {
    Span {
        line,
        column: 1,
        end_line: line,
        end_column: phys.chars().count() as u32 + 1,
    }
}

/// `#` [ \t]* name [ \t]* `=` [ \t]* value, for the known directives only.
pub(super) fn parse_directive(line: &str) -> Option<(String, String)> {
    let rest = line.strip_prefix('#')?.trim_start_matches([' ', '\t']);
    let name_len = rest
        .char_indices()
        .find(|(i, c)| !(c.is_ascii_alphabetic() || (*i > 0 && c.is_ascii_digit())))
        .map(|(i, _)| i)
        .unwrap_or(rest.len());
    if name_len == 0 {
        return None;
    }
    let name = rest.get(..name_len)?.to_ascii_lowercase();
    let rest = rest.get(name_len..)?.trim_start_matches([' ', '\t']);
    let value = rest.strip_prefix('=')?.trim_matches([' ', '\t']);
    if value.is_empty() || !matches!(name.as_str(), "syntax" | "escape" | "check") {
        return None;
    }
    Some((name, value.to_string()))
}
/// Words of the line split like BuildKit's shell lexer with raw quotes:
/// whitespace outside quotes separates words. Returns byte ranges.
pub(super) fn shell_words(text: &str, from: usize, escape: char) -> Vec<(usize, usize)> {
    let mut out = Vec::new();
    let mut start: Option<usize> = None;
    let mut quote: Option<char> = None;
    let mut chars = text.char_indices().filter(|(i, _)| *i >= from).peekable();
    while let Some((i, c)) = chars.next() {
        if let Some(q) = quote {
            if c == q {
                quote = None;
            } else if c == escape && q == '"' {
                chars.next();
            }
            continue;
        }
        if is_space(c) {
            if let Some(s) = start.take() {
                out.push((s, i));
            }
            continue;
        }
        if start.is_none() {
            start = Some(i);
        }
        if c == '\'' || c == '"' {
            quote = Some(c);
        } else if c == escape {
            chars.next();
        }
    }
    if let Some(s) = start {
        out.push((s, text.len()));
    }
    out
}

/// Remove shell quoting: `'…'` literally, `"…"` with escapes of `"`, `$`,
/// the escape char; outside quotes the escape char escapes the next char.
pub fn unquote(raw: &str, escape: char) -> String {
    let mut out = String::with_capacity(raw.len());
    let mut chars = raw.chars().peekable();
    let mut quote: Option<char> = None;
    while let Some(c) = chars.next() {
        match quote {
            Some('\'') => {
                if c == '\'' {
                    quote = None;
                } else {
                    out.push(c);
                }
            }
            Some(_) => {
                if c == '"' {
                    quote = None;
                } else if c == escape {
                    match chars.peek() {
                        Some(&n) if n == '"' || n == '$' || n == escape => {
                            out.push(n);
                            chars.next();
                        }
                        _ => out.push(c),
                    }
                } else {
                    out.push(c);
                }
            }
            None => {
                if c == '\'' || c == '"' {
                    quote = Some(c);
                } else if c == escape {
                    if let Some(n) = chars.next() {
                        out.push(n);
                    }
                } else {
                    out.push(c);
                }
            }
        }
    }
    out
}
