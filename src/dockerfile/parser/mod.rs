//! A Dockerfile parser that follows BuildKit's `frontend/dockerfile/parser`
//! and `instructions` packages, with a line/column [`Span`] on every node.
//!
//! It never fails: what BuildKit would reject becomes a [`ParseError`] at the
//! exact place, and parsing resumes at the next instruction so the rest of the
//! file can still be linted.
//!
//! What it follows from BuildKit, in order:
//! - a UTF-8 byte-order mark on the first line is dropped;
//! - parser directives (`# syntax=`, `# escape=`, `# check=`) are read only in
//!   the leading block of comment lines; the first other line (an instruction,
//!   an empty line, an ordinary comment) ends the block;
//! - `escape` (`\` or `` ` ``) is the escape and line-continuation character;
//!   a continuation ends at a line whose last non-blank character is not the
//!   escape character; comment lines inside a continuation are dropped, and
//!   empty lines inside are dropped too but reported ([`EmptyContinuation`]),
//!   as BuildKit warns about them;
//! - continuation lines are concatenated as they are (no separator);
//! - the keyword is case-insensitive; leading `--flag[=value]` words are flags;
//! - `RUN`, `CMD`, `ENTRYPOINT`, `SHELL` are JSON (exec) form only when the
//!   arguments are a valid JSON array of strings, otherwise shell form;
//! - in non-JSON `RUN`/`COPY`/`ADD` (also under `ONBUILD`), every word of the
//!   form `[n]<<[-]WORD` (whitespace allowed after `<<`, see [`heredoc`]) opens
//!   a heredoc whose body is the following lines up to the terminator line
//!   (`<<-` strips leading tabs before comparing); a quoted `WORD` disables
//!   expansion;
//! - a line longer than 65,535 bytes is an error, as BuildKit's scanner has it;
//! - an `ONBUILD` trigger is checked only for its keyword (BuildKit parses the
//!   trigger itself only when a child image builds on this one).

mod expand;
mod flags;
mod heredoc;
mod instruction;
mod json;
mod lines;
mod model;

use crate::report::Span;
pub use expand::expand;
use heredoc::{can_contain_heredoc, heredocs_in};
use instruction::{check_structure, parse_instruction};
pub use lines::unquote;
use lines::{continuation, is_comment, is_space, line_span, parse_directive, LLine};
pub use model::*;

/// The longest line BuildKit reads (bufio.Scanner's default token size).
const MAX_LINE: usize = 65_535;

/// Parse a Dockerfile. Never fails; see [`Dockerfile::errors`].
pub fn parse(text: &str) -> Dockerfile {
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    let lines: Vec<&str> = text
        .split('\n')
        .map(|l| l.trim_end_matches(['\r', '\n']))
        .collect();
    // `split` yields a last empty element for a trailing newline.
    let n = if text.ends_with('\n') {
        lines.len().saturating_sub(1)
    } else {
        lines.len()
    };
    let mut df = Dockerfile {
        escape: '\\',
        ..Dockerfile::default()
    };
    // BuildKit's line scanner holds at most 65,535 bytes, newline included.
    for (idx, l) in lines.iter().enumerate().take(n) {
        if l.len() + usize::from(idx + 1 < lines.len()) > MAX_LINE {
            df.errors.push(ParseError {
                message: format!("dockerfile line greater than max allowed size of {MAX_LINE}"),
                span: Span::line(idx as u32 + 1),
            });
            break;
        }
    }
    let mut directives_done = false;
    let mut i = 0usize;
    while i < n {
        let phys = lines.get(i).copied().unwrap_or("");
        let line_no = (i + 1) as u32;
        i += 1;
        let start = phys.len() - phys.trim_start_matches(is_space).len();
        let trimmed = phys.get(start..).unwrap_or("");
        if !directives_done {
            match parse_directive(trimmed) {
                Some((name, value)) => {
                    let span = line_span(phys, line_no);
                    if df.directives.iter().any(|d| d.name == name) {
                        df.errors.push(ParseError {
                            message: format!("only one {name} parser directive can be used"),
                            span,
                        });
                    } else if name == "escape" {
                        match value.as_str() {
                            "\\" => df.escape = '\\',
                            "`" => df.escape = '`',
                            other => df.errors.push(ParseError {
                                message: format!(
                                    "invalid escape token '{other}' does not match ` or \\"
                                ),
                                span,
                            }),
                        }
                    }
                    df.directives.push(Directive { name, value, span });
                    continue;
                }
                None => directives_done = true,
            }
        }
        if is_comment(trimmed) {
            df.comments.push(Comment {
                text: trimmed.trim_start_matches('#').trim().to_string(),
                span: line_span(phys, line_no),
            });
            continue;
        }
        let mut ll = LLine::default();
        let mut more = match continuation(trimmed, df.escape) {
            Some(cut) => {
                ll.push(line_no, phys, start, start + cut);
                true
            }
            None => {
                ll.push(line_no, phys, start, phys.len());
                false
            }
        };
        if !more && ll.text.trim().is_empty() {
            continue;
        }
        let mut last_line = line_no;
        let mut last_len = phys.chars().count() as u32;
        let mut empty_at: Option<u32> = None;
        while more && i < n {
            let phys = lines.get(i).copied().unwrap_or("");
            let ln = (i + 1) as u32;
            i += 1;
            last_line = ln;
            last_len = phys.chars().count() as u32;
            if is_comment(phys) {
                df.comments.push(Comment {
                    text: phys.trim_start().trim_start_matches('#').trim().to_string(),
                    span: line_span(phys, ln),
                });
                continue;
            }
            if phys.trim_start_matches(is_space).is_empty() {
                empty_at.get_or_insert(ln);
                continue;
            }
            match continuation(phys, df.escape) {
                Some(cut) => ll.push(ln, phys, 0, cut),
                None => {
                    ll.push(ln, phys, 0, phys.len());
                    more = false;
                }
            }
        }
        if ll.text.trim().is_empty() {
            continue;
        }
        let mut inst = parse_instruction(&ll, 0, df.escape, &mut df.errors, false);
        if let Some(line) = empty_at {
            df.empty_continuations.push(EmptyContinuation {
                span: Span::line(line),
                keyword: inst.keyword.clone(),
                instruction_line: inst.keyword_span.line,
            });
        }
        // Heredocs.
        if can_contain_heredoc(&inst) && ll.text.contains("<<") {
            for (name_word, mut doc) in heredocs_in(&ll) {
                let mut terminated = false;
                let mut body: Vec<&str> = Vec::new();
                doc.content_line = (i + 1) as u32;
                while i < n {
                    let phys = lines.get(i).copied().unwrap_or("");
                    i += 1;
                    last_line = i as u32;
                    last_len = phys.chars().count() as u32;
                    let cand = if doc.chomp {
                        phys.trim_start_matches('\t')
                    } else {
                        phys
                    };
                    if cand == doc.name {
                        terminated = true;
                        break;
                    }
                    body.push(phys);
                }
                doc.content = body.join("\n");
                if !terminated {
                    df.errors.push(ParseError {
                        message: format!("unterminated heredoc `{}`", doc.name),
                        span: name_word,
                    });
                }
                inst.heredocs.push(doc);
                if !terminated {
                    break;
                }
            }
        }
        inst.span = Span {
            line: inst.keyword_span.line,
            column: inst.keyword_span.column,
            end_line: last_line,
            end_column: last_len + 1,
        };
        df.instructions.push(inst);
    }
    if df.instructions.is_empty() {
        df.errors.push(ParseError {
            message: "file with no instructions".to_string(),
            span: Span::line(n.max(1) as u32),
        });
    }
    check_structure(&mut df);
    df
}
