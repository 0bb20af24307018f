//! Heredocs: which instructions may hold them and the `<<WORD` openers on a line.

use super::lines::{is_space, shell_words, unquote, LLine};
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

pub(super) fn heredocs_in(ll: &LLine, escape: char) -> Vec<(Span, Heredoc)> {
    let mut out = Vec::new();
    for (a, b) in shell_words(&ll.text, 0, escape) {
        let Some(word) = ll.text.get(a..b) else {
            continue;
        };
        let Some(lt) = word.find("<<") else { continue };
        let (fd, rest) = (
            word.get(..lt).unwrap_or(""),
            word.get(lt + 2..).unwrap_or(""),
        );
        if !fd.bytes().all(|b| b.is_ascii_digit()) {
            continue;
        }
        let (chomp, rest) = match rest.strip_prefix('-') {
            Some(r) => (true, r),
            None => (false, rest),
        };
        if rest.is_empty() || rest.contains('<') {
            continue;
        }
        let name = unquote(rest, '\\');
        if name.is_empty() || name.chars().any(is_space) {
            continue;
        }
        let expand = !rest.contains(['\'', '"']);
        out.push((
            ll.span(a, b),
            Heredoc {
                name,
                chomp,
                expand,
                fd: fd.parse().ok(),
                content: String::new(),
                content_line: 0,
                span: ll.span(a, b),
            },
        ));
    }
    out
}
