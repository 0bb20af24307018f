//! The parsed Dockerfile: instructions, words, flags, heredocs, with spans.

use crate::report::Span;

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
