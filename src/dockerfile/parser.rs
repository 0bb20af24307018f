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
//!   form `[n]<<[-]WORD` opens a heredoc whose body is the following lines up
//!   to the terminator line (`<<-` strips leading tabs before comparing); a
//!   quoted `WORD` disables expansion.

use crate::report::Span;

/// Position of one byte of a logical line in the original file (1-based).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
struct Pos {
    line: u32,
    col: u32,
}

/// One parsed Dockerfile.
#[derive(Clone, Debug, Default)]
pub struct Dockerfile {
    pub directives: Vec<Directive>,
    /// The escape character in effect (`\` unless `# escape=` said otherwise).
    pub escape: char,
    pub instructions: Vec<Instruction>,
    /// Every comment line outside heredoc bodies, in file order.
    pub comments: Vec<Comment>,
    pub errors: Vec<ParseError>,
    pub empty_continuations: Vec<EmptyContinuation>,
}

impl Dockerfile {
    /// The directive `name` (lowercase), if present.
    pub fn directive(&self, name: &str) -> Option<&Directive> {
        self.directives.iter().find(|d| d.name == name)
    }
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Directive {
    /// Lowercase: `syntax`, `escape` or `check`.
    pub name: String,
    pub value: String,
    pub span: Span,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Comment {
    /// The text after `#`, trimmed.
    pub text: String,
    pub span: Span,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ParseError {
    pub message: String,
    pub span: Span,
}

/// An empty line inside a `\` continuation: BuildKit skips it, so the next
/// non-empty line silently becomes part of the instruction.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct EmptyContinuation {
    /// The first empty line.
    pub span: Span,
    /// The keyword of the instruction it is in.
    pub keyword: String,
    /// The instruction's first line.
    pub instruction_line: u32,
}

/// A word of an instruction: `raw` as written (quotes kept), `value` with
/// quotes and escapes removed (variables are not expanded).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Word {
    pub raw: String,
    pub value: String,
    pub span: Span,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Flag {
    /// Without the leading `--`.
    pub name: String,
    /// `None` for a bare `--link`.
    pub value: Option<String>,
    pub span: Span,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Heredoc {
    /// The delimiter, unquoted.
    pub name: String,
    /// `<<-`: leading tabs are stripped.
    pub chomp: bool,
    /// False when the delimiter was quoted (no variable expansion).
    pub expand: bool,
    /// `3<<EOF` → 3.
    pub fd: Option<u32>,
    /// The body, lines joined with `\n` (terminator excluded).
    pub content: String,
    /// The line of the body's first line (the line after the instruction).
    pub content_line: u32,
    /// The `<<EOF` word on the instruction line.
    pub span: Span,
}

/// Exec (JSON) form or shell form of RUN/CMD/ENTRYPOINT/SHELL/HEALTHCHECK.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Form {
    Exec(Vec<Word>),
    Shell(Word),
}

impl Form {
    /// The command as one string (exec form joined with spaces).
    pub fn text(&self) -> String {
        match self {
            Form::Exec(w) => w
                .iter()
                .map(|w| w.value.as_str())
                .collect::<Vec<_>>()
                .join(" "),
            Form::Shell(w) => w.raw.clone(),
        }
    }

    pub fn span(&self) -> Option<Span> {
        match self {
            Form::Exec(w) => match (w.first(), w.last()) {
                (Some(a), Some(b)) => Some(join_spans(a.span, b.span)),
                _ => None,
            },
            Form::Shell(w) => Some(w.span),
        }
    }

    pub fn is_exec(&self) -> bool {
        matches!(self, Form::Exec(_))
    }
}

/// `KEY=value` of ENV/LABEL/ARG (or the old `ENV KEY value` form).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct KeyValue {
    pub key: Word,
    /// `None` for an ARG without a default.
    pub value: Option<Word>,
    pub span: Span,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Command {
    From {
        image: Word,
        alias: Option<Word>,
    },
    Run(Form),
    Cmd(Form),
    Entrypoint(Form),
    Shell(Form),
    Copy(CopyArgs),
    Add(CopyArgs),
    Env(Vec<KeyValue>),
    Label(Vec<KeyValue>),
    Arg(Vec<KeyValue>),
    Expose(Vec<Word>),
    Volume(Vec<Word>),
    User(Word),
    Workdir(Word),
    Maintainer(Word),
    StopSignal(Word),
    /// `None` for `HEALTHCHECK NONE`.
    Healthcheck(Option<Form>),
    Onbuild(Box<Instruction>),
    /// An instruction that could not be parsed (see [`Dockerfile::errors`]),
    /// or an unknown keyword.
    Invalid,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CopyArgs {
    pub sources: Vec<Word>,
    pub dest: Option<Word>,
    pub json: bool,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Instruction {
    /// Uppercase keyword.
    pub keyword: String,
    pub keyword_span: Span,
    /// From the keyword to the end of the last line (heredoc terminators included).
    pub span: Span,
    /// The logical line: continuation lines joined, comments removed.
    pub original: String,
    pub flags: Vec<Flag>,
    /// Everything after the flags, as written.
    pub args: Word,
    pub command: Command,
    pub heredocs: Vec<Heredoc>,
}

impl Instruction {
    pub fn flag(&self, name: &str) -> Option<&Flag> {
        self.flags.iter().find(|f| f.name == name)
    }

    /// All values of a repeatable flag such as `--mount`.
    pub fn flag_values<'a>(&'a self, name: &'a str) -> impl Iterator<Item = &'a str> + 'a {
        self.flags
            .iter()
            .filter(move |f| f.name == name)
            .filter_map(|f| f.value.as_deref())
    }

    /// ONBUILD's inner instruction, or this one.
    pub fn effective(&self) -> &Instruction {
        match &self.command {
            Command::Onbuild(inner) => inner,
            _ => self,
        }
    }
}

pub fn join_spans(a: Span, b: Span) -> Span {
    Span {
        line: a.line,
        column: a.column,
        end_line: b.end_line,
        end_column: b.end_column,
    }
}

/// A logical line: the text BuildKit sees plus the origin of every byte.
#[derive(Default)]
struct LLine {
    text: String,
    pos: Vec<Pos>,
    end: Pos,
}

impl LLine {
    fn push(&mut self, line_no: u32, phys: &str, from: usize, to: usize) {
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

    fn span(&self, a: usize, b: usize) -> Span {
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

    fn word(&self, a: usize, b: usize, escape: char) -> Word {
        let raw = self.text.get(a..b).unwrap_or("").to_string();
        Word {
            value: unquote(&raw, escape),
            raw,
            span: self.span(a, b),
        }
    }
}

fn is_space(c: char) -> bool {
    c.is_whitespace()
}

/// Go's `reWhitespace` (`[\t\v\f\r ]+`).
fn is_ws_delim(c: char) -> bool {
    matches!(c, '\t' | '\u{0b}' | '\u{0c}' | '\r' | ' ')
}

fn is_comment(line: &str) -> bool {
    line.trim_start_matches(is_space).starts_with('#')
}

/// Where the continuation character starts, if the line continues.
fn continuation(line: &str, escape: char) -> Option<usize> {
    let trimmed = line.trim_end_matches([' ', '\t']);
    let before = trimmed.strip_suffix(escape)?;
    if before.ends_with(escape) {
        return None;
    }
    Some(before.len())
}

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
            for (name_word, mut doc) in heredocs_in(&ll, df.escape) {
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

fn line_span(phys: &str, line: u32) -> Span {
    Span {
        line,
        column: 1,
        end_line: line,
        end_column: phys.chars().count() as u32 + 1,
    }
}

/// `#` [ \t]* name [ \t]* `=` [ \t]* value, for the known directives only.
fn parse_directive(line: &str) -> Option<(String, String)> {
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

fn can_contain_heredoc(inst: &Instruction) -> bool {
    let inst = inst.effective();
    match &inst.command {
        Command::Run(form) => !form.is_exec(),
        Command::Copy(c) | Command::Add(c) => !c.json,
        Command::Invalid => matches!(inst.keyword.as_str(), "RUN" | "COPY" | "ADD"),
        _ => false,
    }
}

/// Words of the line split like BuildKit's shell lexer with raw quotes:
/// whitespace outside quotes separates words. Returns byte ranges.
fn shell_words(text: &str, from: usize, escape: char) -> Vec<(usize, usize)> {
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

fn heredocs_in(ll: &LLine, escape: char) -> Vec<(Span, Heredoc)> {
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

const KNOWN: &[&str] = &[
    "ADD",
    "ARG",
    "CMD",
    "COPY",
    "ENTRYPOINT",
    "ENV",
    "EXPOSE",
    "FROM",
    "HEALTHCHECK",
    "LABEL",
    "MAINTAINER",
    "ONBUILD",
    "RUN",
    "SHELL",
    "STOPSIGNAL",
    "USER",
    "VOLUME",
    "WORKDIR",
];

/// (name, takes a value) of the flags each instruction accepts.
fn allowed_flags(keyword: &str) -> &'static [(&'static str, bool)] {
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

fn err(errors: &mut Vec<ParseError>, message: String, span: Span) {
    errors.push(ParseError { message, span });
}

/// Parse the instruction starting at byte `from` of the logical line.
fn parse_instruction(
    ll: &LLine,
    from: usize,
    escape: char,
    errors: &mut Vec<ParseError>,
    in_onbuild: bool,
) -> Instruction {
    let text = &ll.text;
    let tail = text.get(from..).unwrap_or("");
    let ks = from + (tail.len() - tail.trim_start_matches(is_space).len());
    let ke = text
        .get(ks..)
        .and_then(|t| t.find(is_ws_delim).map(|p| ks + p))
        .unwrap_or(text.trim_end_matches(is_space).len().max(ks));
    let keyword = text.get(ks..ke).unwrap_or("").to_ascii_uppercase();
    let keyword_span = ll.span(ks, ke);
    // Flags.
    let (flags, args_start, flag_errors) = extract_flags(ll, ke, escape);
    let end = text.trim_end_matches(is_space).len().max(args_start);
    let args = ll.word(args_start, end, escape);
    let mut inst = Instruction {
        keyword: keyword.clone(),
        keyword_span,
        span: ll.span(ks, end),
        original: text.get(ks..end).unwrap_or("").to_string(),
        flags,
        args,
        command: Command::Invalid,
        heredocs: Vec::new(),
    };
    let before = errors.len();
    errors.extend(flag_errors);
    if !KNOWN.contains(&keyword.as_str()) {
        err(
            errors,
            format!("unknown instruction: {}", text.get(ks..ke).unwrap_or("")),
            keyword_span,
        );
        return inst;
    }
    check_flags(&inst, errors);
    let rest = inst.args.raw.clone();
    let words_ws = || -> Vec<Word> {
        let mut v = Vec::new();
        let mut s: Option<usize> = None;
        for (i, c) in rest.char_indices() {
            if is_ws_delim(c) {
                if let Some(a) = s.take() {
                    v.push(ll.word(args_start + a, args_start + i, escape));
                }
            } else if s.is_none() {
                s = Some(i);
            }
        }
        if let Some(a) = s {
            v.push(ll.word(args_start + a, args_start + rest.len(), escape));
        }
        v
    };
    let need_arg = |errors: &mut Vec<ParseError>| {
        err(
            errors,
            format!("{keyword} requires at least one argument"),
            keyword_span,
        );
    };
    let command = match keyword.as_str() {
        "FROM" => {
            let w = words_ws();
            if in_onbuild {
                err(
                    errors,
                    "FROM isn't allowed as an ONBUILD trigger".to_string(),
                    keyword_span,
                );
            }
            match w.as_slice() {
                [image] => Command::From {
                    image: image.clone(),
                    alias: None,
                },
                [image, kw, alias] if kw.raw.eq_ignore_ascii_case("as") => {
                    if !valid_stage_name(&alias.value) && !alias.raw.contains('$') {
                        err(
                            errors,
                            format!("invalid name for build stage: {:?}, name can't start with a number or contain symbols", alias.raw),
                            alias.span,
                        );
                    }
                    Command::From {
                        image: image.clone(),
                        alias: Some(alias.clone()),
                    }
                }
                _ => {
                    err(
                        errors,
                        "FROM requires either one or three arguments".to_string(),
                        if w.is_empty() {
                            keyword_span
                        } else {
                            inst.args.span
                        },
                    );
                    Command::Invalid
                }
            }
        }
        "RUN" | "CMD" | "ENTRYPOINT" | "SHELL" => match maybe_json(ll, args_start, end, escape) {
            Err(msg) => {
                err(errors, msg, inst.args.span);
                Command::Invalid
            }
            Ok(form) => {
                if keyword == "RUN" && rest.is_empty() {
                    need_arg(errors);
                }
                if keyword == "SHELL" && !form.is_exec() {
                    err(
                        errors,
                        "SHELL requires the arguments to be in JSON form".to_string(),
                        inst.args.span,
                    );
                }
                match keyword.as_str() {
                    "RUN" => Command::Run(form),
                    "CMD" => Command::Cmd(form),
                    "ENTRYPOINT" => Command::Entrypoint(form),
                    _ => Command::Shell(form),
                }
            }
        },
        "COPY" | "ADD" | "VOLUME" => {
            let (list, json) = match maybe_json(ll, args_start, end, escape) {
                Ok(Form::Exec(w)) => (w, true),
                Ok(Form::Shell(_)) => (words_ws(), false),
                Err(msg) => {
                    err(errors, msg, inst.args.span);
                    (Vec::new(), false)
                }
            };
            if keyword == "VOLUME" {
                if list.is_empty() {
                    need_arg(errors);
                }
                Command::Volume(list)
            } else {
                if list.len() < 2 {
                    err(
                        errors,
                        format!(
                            "{keyword} requires at least two arguments, but only {} provided",
                            list.len()
                        ),
                        if list.is_empty() {
                            keyword_span
                        } else {
                            inst.args.span
                        },
                    );
                }
                let mut sources = list;
                let dest = if sources.len() >= 2 {
                    sources.pop()
                } else {
                    None
                };
                let args = CopyArgs {
                    sources,
                    dest,
                    json,
                };
                if keyword == "COPY" {
                    Command::Copy(args)
                } else {
                    Command::Add(args)
                }
            }
        }
        "ENV" | "LABEL" => match name_val(ll, args_start, end, escape, &keyword) {
            Ok(kv) => {
                if kv.is_empty() {
                    need_arg(errors);
                }
                for k in &kv {
                    if k.key.value.is_empty() {
                        err(errors, format!("{keyword} names can not be blank"), k.span);
                    }
                }
                if keyword == "ENV" {
                    Command::Env(kv)
                } else {
                    Command::Label(kv)
                }
            }
            Err((msg, span)) => {
                err(errors, msg, span);
                Command::Invalid
            }
        },
        "ARG" => {
            let mut kv = Vec::new();
            for (a, b) in param_words(&ll.text, args_start, end, escape) {
                let raw = ll.text.get(a..b).unwrap_or("");
                match raw.find('=') {
                    Some(eq) => kv.push(KeyValue {
                        key: ll.word(a, a + eq, escape),
                        value: Some(ll.word(a + eq + 1, b, escape)),
                        span: ll.span(a, b),
                    }),
                    None => kv.push(KeyValue {
                        key: ll.word(a, b, escape),
                        value: None,
                        span: ll.span(a, b),
                    }),
                }
            }
            if kv.is_empty() {
                need_arg(errors);
            }
            Command::Arg(kv)
        }
        "EXPOSE" => {
            let w = words_ws();
            if w.is_empty() {
                need_arg(errors);
            }
            Command::Expose(w)
        }
        "USER" | "WORKDIR" | "MAINTAINER" | "STOPSIGNAL" => {
            if rest.is_empty() {
                err(
                    errors,
                    format!("{keyword} requires exactly one argument"),
                    keyword_span,
                );
            }
            if in_onbuild && keyword == "MAINTAINER" {
                err(
                    errors,
                    "MAINTAINER isn't allowed as an ONBUILD trigger".to_string(),
                    keyword_span,
                );
            }
            let w = inst.args.clone();
            match keyword.as_str() {
                "USER" => Command::User(w),
                "WORKDIR" => Command::Workdir(w),
                "MAINTAINER" => Command::Maintainer(w),
                _ => Command::StopSignal(w),
            }
        }
        "HEALTHCHECK" => {
            let w = words_ws();
            match w.first().map(|w| w.raw.to_ascii_uppercase()) {
                Some(t) if t == "NONE" => {
                    if w.len() > 1 || !inst.flags.is_empty() {
                        err(
                            errors,
                            "HEALTHCHECK NONE takes no arguments".to_string(),
                            inst.args.span,
                        );
                    }
                    Command::Healthcheck(None)
                }
                Some(t) if t == "CMD" => {
                    let after = w.get(1).map(|w| w.span);
                    let cmd_end = args_start + 3;
                    let tail = ll.text.get(cmd_end..end).unwrap_or("");
                    let cs = cmd_end + (tail.len() - tail.trim_start_matches(is_space).len());
                    if after.is_none() {
                        err(
                            errors,
                            "HEALTHCHECK CMD requires a command".to_string(),
                            inst.args.span,
                        );
                        Command::Invalid
                    } else {
                        match maybe_json(ll, cs, end, escape) {
                            Ok(f) => Command::Healthcheck(Some(f)),
                            Err(m) => {
                                err(errors, m, inst.args.span);
                                Command::Invalid
                            }
                        }
                    }
                }
                Some(t) => {
                    err(
                        errors,
                        format!("Unknown type {t:?} in HEALTHCHECK (try CMD)"),
                        inst.args.span,
                    );
                    Command::Invalid
                }
                None => {
                    need_arg(errors);
                    Command::Invalid
                }
            }
        }
        "ONBUILD" => {
            if rest.is_empty() {
                need_arg(errors);
                Command::Invalid
            } else if in_onbuild {
                err(
                    errors,
                    "Chaining ONBUILD via `ONBUILD ONBUILD` isn't allowed".to_string(),
                    keyword_span,
                );
                Command::Invalid
            } else {
                let inner = parse_instruction(ll, args_start, escape, errors, true);
                Command::Onbuild(Box::new(inner))
            }
        }
        _ => Command::Invalid,
    };
    if errors.len() > before {
        // Keep what parsed: rules skip Invalid commands.
        if matches!(command, Command::Invalid) {
            return inst;
        }
    }
    inst.command = command;
    inst
}

/// BuildKit's stage-name rule: `^[a-z][a-z0-9-_.]*$` (case-insensitive).
fn valid_stage_name(name: &str) -> bool {
    let mut c = name.chars();
    matches!(c.next(), Some(f) if f.is_ascii_alphabetic())
        && c.all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.'))
}

fn check_flags(inst: &Instruction, errors: &mut Vec<ParseError>) {
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
fn extract_flags(ll: &LLine, from: usize, escape: char) -> (Vec<Flag>, usize, Vec<ParseError>) {
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

/// JSON array of strings → exec form; other JSON → error; else shell form.
fn maybe_json(ll: &LLine, a: usize, b: usize, escape: char) -> Result<Form, String> {
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
fn parse_json_array(text: &str) -> Option<Result<Vec<(usize, usize, String)>, ()>> {
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

/// BuildKit's `parseWords`: whitespace-separated words, quotes and escapes
/// kept, quoted whitespace does not split.
fn param_words(text: &str, a: usize, b: usize, escape: char) -> Vec<(usize, usize)> {
    let seg = text.get(a..b).unwrap_or("");
    shell_words(seg, 0, escape)
        .into_iter()
        .map(|(s, e)| (a + s, a + e))
        .collect()
}

/// ENV/LABEL: `name=value ...` or the old `name value`.
fn name_val(
    ll: &LLine,
    a: usize,
    b: usize,
    escape: char,
    keyword: &str,
) -> Result<Vec<KeyValue>, (String, Span)> {
    let words = param_words(&ll.text, a, b, escape);
    let Some(&(fa, fb)) = words.first() else {
        return Ok(Vec::new());
    };
    let first = ll.text.get(fa..fb).unwrap_or("");
    if !first.contains('=') {
        // Old form: KEY value (value is the rest of the line).
        let seg = ll.text.get(fb..b).unwrap_or("");
        let vs = fb + (seg.len() - seg.trim_start_matches(is_ws_delim).len());
        if vs >= b {
            return Err((
                format!("{keyword} must have two arguments"),
                ll.span(fa, fb),
            ));
        }
        return Ok(vec![KeyValue {
            key: ll.word(fa, fb, escape),
            value: Some(ll.word(vs, b, escape)),
            span: ll.span(fa, b),
        }]);
    }
    let mut out = Vec::new();
    for (s, e) in words {
        let raw = ll.text.get(s..e).unwrap_or("");
        let Some(eq) = raw.find('=') else {
            return Err((
                format!("Syntax error - can't find = in {raw:?}. Must be of the form: name=value"),
                ll.span(s, e),
            ));
        };
        out.push(KeyValue {
            key: ll.word(s, s + eq, escape),
            value: Some(ll.word(s + eq + 1, e, escape)),
            span: ll.span(s, e),
        });
    }
    Ok(out)
}

/// Checks across instructions: only ARG may precede the first FROM.
fn check_structure(df: &mut Dockerfile) {
    for inst in &df.instructions {
        match inst.keyword.as_str() {
            "FROM" => break,
            "ARG" => {}
            _ if matches!(inst.command, Command::Invalid) => {}
            k => {
                df.errors.push(ParseError {
                    message: format!(
                        "{k} before the first FROM: no build stage in current context"
                    ),
                    span: inst.keyword_span,
                });
                break;
            }
        }
    }
}

/// Expand `$VAR`, `${VAR}`, `${VAR:-default}`, `${VAR-default}`,
/// `${VAR:+alt}`, `${VAR+alt}` with `lookup`; unknown variables expand to "".
pub fn expand(s: &str, lookup: &dyn Fn(&str) -> Option<String>) -> String {
    let mut out = String::new();
    let b = s.as_bytes();
    let mut i = 0;
    while i < b.len() {
        let c = b.get(i).copied().unwrap_or(0);
        if c == b'$' {
            if b.get(i + 1) == Some(&b'{') {
                if let Some(close) = s.get(i + 2..).and_then(|t| t.find('}')) {
                    let inner = s.get(i + 2..i + 2 + close).unwrap_or("");
                    out.push_str(&expand_braced(inner, lookup));
                    i += close + 3;
                    continue;
                }
            } else {
                let n = s
                    .get(i + 1..)
                    .unwrap_or("")
                    .bytes()
                    .take_while(|b| b.is_ascii_alphanumeric() || *b == b'_')
                    .count();
                if n > 0 {
                    let name = s.get(i + 1..i + 1 + n).unwrap_or("");
                    out.push_str(&lookup(name).unwrap_or_default());
                    i += n + 1;
                    continue;
                }
            }
        }
        let ch_len = s
            .get(i..)
            .and_then(|t| t.chars().next())
            .map_or(1, char::len_utf8);
        out.push_str(s.get(i..i + ch_len).unwrap_or(""));
        i += ch_len;
    }
    out
}

fn expand_braced(inner: &str, lookup: &dyn Fn(&str) -> Option<String>) -> String {
    let n = inner
        .bytes()
        .take_while(|b| b.is_ascii_alphanumeric() || *b == b'_')
        .count();
    let name = inner.get(..n).unwrap_or("");
    let op = inner.get(n..).unwrap_or("");
    let val = lookup(name);
    let set = val.as_deref().is_some_and(|v| !v.is_empty());
    if let Some(d) = op.strip_prefix(":-") {
        return if set {
            val.unwrap_or_default()
        } else {
            expand(d, lookup)
        };
    }
    if let Some(d) = op.strip_prefix('-') {
        return val.unwrap_or_else(|| expand(d, lookup));
    }
    if let Some(d) = op.strip_prefix(":+") {
        return if set {
            expand(d, lookup)
        } else {
            String::new()
        };
    }
    if let Some(d) = op.strip_prefix('+') {
        return if val.is_some() {
            expand(d, lookup)
        } else {
            String::new()
        };
    }
    val.unwrap_or_default()
}
