//! Heredocs: which instructions may hold them and the `<<WORD` openers on a
//! line, found as BuildKit's `heredocsFromLine` finds them.
//!
//! BuildKit splits the logical line into words with its shell lexer (quotes
//! and escapes kept; whitespace right after `<<` stays in the word, so
//! `<<  EOF` is one word), then matches each word against
//! `^(\d*)<<(-?)\s*([^<]*)$`. The rest must lex to exactly one word, which is
//! the terminator (`<<'one two'` names `one two`). An unterminated quote
//! anywhere on the line makes the lexer fail, and then the line has no
//! heredocs at all (its body lines become instructions of their own).

use super::lines::{is_space, unquote, LLine};
use super::model::{Command, Heredoc, Instruction};
use crate::report::Span;

pub(super) fn can_contain_heredoc(inst: &Instruction) -> bool {
    let inst = inst.effective();
    match &inst.command {
        Command::Run(form) => !form.is_exec(),
        Command::Copy(c) | Command::Add(c) => !c.json,
        Command::Invalid => matches!(inst.keyword.as_str(), "RUN" | "COPY" | "ADD"),
        _ => false,
    }
}

/// Words of `text` as BuildKit's lexer splits them for heredoc detection
/// (escape is always `\` there). `None` when a quote is left open.
fn lexer_words(text: &str) -> Option<Vec<(usize, usize)>> {
    let mut out = Vec::new();
    let mut start: Option<usize> = None;
    let mut quote: Option<char> = None;
    let mut chars = text.char_indices().peekable();
    while let Some((i, c)) = chars.next() {
        if let Some(q) = quote {
            if c == q {
                quote = None;
            } else if c == '\\' && q == '"' {
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
        match c {
            '\'' | '"' => quote = Some(c),
            '\\' => {
                chars.next();
            }
            '<' if chars.peek().map(|&(_, n)| n) == Some('<') => {
                chars.next();
                while chars.peek().is_some_and(|&(_, n)| is_space(n)) {
                    chars.next();
                }
            }
            _ => {}
        }
    }
    if quote.is_some() {
        return None;
    }
    if let Some(s) = start {
        out.push((s, text.len()));
    }
    Some(out)
}

/// Whether a quote in `rest` quotes something (an escaped quote does not).
fn uses_quotes(rest: &str) -> bool {
    let mut chars = rest.chars();
    while let Some(c) = chars.next() {
        match c {
            '\\' => {
                chars.next();
            }
            '\'' | '"' => return true,
            _ => {}
        }
    }
    false
}

/// `(fd, chomp, name, expand)` of a word that opens a heredoc.
fn heredoc_word(word: &str) -> Option<(Option<u32>, bool, String, bool)> {
    let lt = word.find("<<")?;
    let fd = word.get(..lt)?;
    if !fd.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let rest = word.get(lt + 2..)?;
    let (chomp, rest) = match rest.strip_prefix('-') {
        Some(r) => (true, r),
        None => (false, rest),
    };
    let rest = rest.trim_start_matches(is_space);
    if rest.is_empty() || rest.contains('<') {
        return None;
    }
    let words = lexer_words(rest)?;
    if words.len() != 1 {
        return None;
    }
    let name = unquote(rest, '\\');
    if name.is_empty() {
        return None;
    }
    Some((fd.parse().ok(), chomp, name, !uses_quotes(rest)))
}

pub(super) fn heredocs_in(ll: &LLine) -> Vec<(Span, Heredoc)> {
    let mut out = Vec::new();
    for (a, b) in lexer_words(&ll.text).unwrap_or_default() {
        let Some(word) = ll.text.get(a..b) else {
            continue;
        };
        let Some((fd, chomp, name, expand)) = heredoc_word(word) else {
            continue;
        };
        out.push((
            ll.span(a, b),
            Heredoc {
                name,
                chomp,
                expand,
                fd,
                content: String::new(),
                content_line: 0,
                span: ll.span(a, b),
            },
        ));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::heredoc_word;

    #[test]
    fn words_as_buildkit_reads_them() {
        let name = |w: &str| heredoc_word(w).map(|h| h.2);
        assert_eq!(name("<<EOF").as_deref(), Some("EOF"));
        assert_eq!(name("<<  EOF").as_deref(), Some("EOF"));
        assert_eq!(name("<< -EOF").as_deref(), Some("-EOF"));
        assert_eq!(name("<<'one two'").as_deref(), Some("one two"));
        assert_eq!(name("<<one two"), None);
        assert_eq!(name("<<-"), None);
        assert_eq!(name("<<'EOF"), None);
        assert_eq!(heredoc_word("<<eo\\'f").map(|h| h.3), Some(true));
        assert_eq!(heredoc_word("<<eo'f'").map(|h| h.3), Some(false));
        assert_eq!(
            heredoc_word("3<<-X").map(|h| (h.0, h.1)),
            Some((Some(3), true))
        );
    }
}
