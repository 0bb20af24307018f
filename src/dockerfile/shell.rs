//! Just enough shell to reason about RUN commands: split a script into simple
//! commands (on `;`, `&&`, `||`, `|`, `&`, newlines, parentheses) with quotes
//! respected, and remember which ones are pipeline stages.

/// One simple command of a shell script.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct SimpleCommand {
    /// Unquoted words, leading `VAR=value` assignments included.
    pub words: Vec<String>,
    /// Byte offset of the command in the script.
    pub start: usize,
    /// This command's output goes into a `|`.
    pub pipes_out: bool,
    /// This command reads from a `|`.
    pub piped_in: bool,
}

impl SimpleCommand {
    /// The words after leading `VAR=value` assignments.
    pub fn argv(&self) -> &[String] {
        let n = self.words.iter().take_while(|w| is_assignment(w)).count();
        self.words.get(n..).unwrap_or(&[])
    }

    /// The program's base name (`/usr/bin/curl` → `curl`), skipping `sudo`,
    /// `env`, `exec`, `time`, `nohup` and their options.
    pub fn program(&self) -> Option<&str> {
        self.effective_argv().first().map(|w| basename(w))
    }

    /// argv with `sudo`/`env`/`exec`/… wrappers and their options removed.
    pub fn effective_argv(&self) -> &[String] {
        let mut argv = self.argv();
        loop {
            match argv.first().map(|w| basename(w)) {
                Some(
                    "sudo" | "env" | "exec" | "time" | "nohup" | "command" | "gosu" | "su-exec",
                ) => {
                    argv = argv.get(1..).unwrap_or(&[]);
                    while argv
                        .first()
                        .is_some_and(|w| w.starts_with('-') || is_assignment(w))
                    {
                        argv = argv.get(1..).unwrap_or(&[]);
                    }
                }
                _ => return argv,
            }
        }
    }
}

pub fn basename(w: &str) -> &str {
    w.rsplit('/').next().unwrap_or(w)
}

fn is_assignment(w: &str) -> bool {
    match w.find('=') {
        Some(i) if i > 0 => w
            .get(..i)
            .is_some_and(|n| n.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_')),
        _ => false,
    }
}

/// Split `script` into simple commands.
pub fn commands(script: &str) -> Vec<SimpleCommand> {
    let mut out = Vec::new();
    let mut cur = SimpleCommand::default();
    let mut word = String::new();
    let mut in_word = false;
    let mut quote: Option<char> = None;
    let mut chars = script.char_indices().peekable();
    let mut piped_in = false;

    fn end_word(cur: &mut SimpleCommand, word: &mut String, in_word: &mut bool) {
        if *in_word {
            cur.words.push(std::mem::take(word));
            *in_word = false;
        }
    }
    fn end_cmd(
        out: &mut Vec<SimpleCommand>,
        cur: &mut SimpleCommand,
        pipes_out: bool,
        piped_in: &mut bool,
    ) {
        let mut c = std::mem::take(cur);
        c.pipes_out = pipes_out;
        c.piped_in = *piped_in;
        *piped_in = pipes_out;
        if !c.words.is_empty() {
            out.push(c);
        }
    }

    while let Some((i, c)) = chars.next() {
        if let Some(q) = quote {
            if c == q {
                quote = None;
            } else if c == '\\' && q == '"' {
                if let Some((_, n)) = chars.next() {
                    word.push(n);
                }
            } else {
                word.push(c);
            }
            continue;
        }
        match c {
            '\'' | '"' => {
                if !in_word && cur.words.is_empty() {
                    cur.start = i;
                }
                in_word = true;
                quote = Some(c);
            }
            '\\' => match chars.next() {
                Some((_, '\n')) => {}
                Some((_, n)) => {
                    in_word = true;
                    word.push(n);
                }
                None => {}
            },
            '#' if !in_word => {
                // Comment to end of line.
                for (_, n) in chars.by_ref() {
                    if n == '\n' {
                        break;
                    }
                }
                end_cmd(&mut out, &mut cur, false, &mut piped_in);
            }
            ' ' | '\t' | '\r' => end_word(&mut cur, &mut word, &mut in_word),
            '\n' | ';' | '(' | ')' | '{' | '}' if !in_word || c == '\n' || c == ';' => {
                end_word(&mut cur, &mut word, &mut in_word);
                end_cmd(&mut out, &mut cur, false, &mut piped_in);
            }
            '|' => {
                end_word(&mut cur, &mut word, &mut in_word);
                if chars.peek().map(|(_, n)| *n) == Some('|') {
                    chars.next();
                    end_cmd(&mut out, &mut cur, false, &mut piped_in);
                } else {
                    end_cmd(&mut out, &mut cur, true, &mut piped_in);
                }
            }
            '&' => {
                end_word(&mut cur, &mut word, &mut in_word);
                if chars.peek().map(|(_, n)| *n) == Some('&') {
                    chars.next();
                }
                end_cmd(&mut out, &mut cur, false, &mut piped_in);
            }
            _ => {
                if !in_word && cur.words.is_empty() {
                    cur.start = i;
                }
                in_word = true;
                word.push(c);
            }
        }
    }
    end_word(&mut cur, &mut word, &mut in_word);
    end_cmd(&mut out, &mut cur, false, &mut piped_in);
    out
}

/// Byte offsets of real pipes (`|` but not `||`), outside quotes and
/// comments; pipes inside `$( … )` count, also within double quotes.
pub fn pipe_offsets(script: &str) -> Vec<usize> {
    #[derive(Clone, Copy, PartialEq)]
    enum Ctx {
        Single,
        Double,
        Subst,
        Paren,
    }
    let mut out = Vec::new();
    let b = script.as_bytes();
    let mut stack: Vec<Ctx> = Vec::new();
    let mut i = 0;
    while i < b.len() {
        let c = b.get(i).copied().unwrap_or(0);
        let next = b.get(i + 1).copied();
        match stack.last().copied() {
            Some(Ctx::Single) => {
                if c == b'\'' {
                    stack.pop();
                }
            }
            Some(Ctx::Double) => match c {
                b'"' => {
                    stack.pop();
                }
                b'\\' => i += 1,
                b'$' if next == Some(b'(') => {
                    stack.push(Ctx::Subst);
                    i += 1;
                }
                _ => {}
            },
            top => match c {
                b'\'' => stack.push(Ctx::Single),
                b'"' => stack.push(Ctx::Double),
                b'\\' => i += 1,
                b'$' if next == Some(b'(') => {
                    stack.push(Ctx::Subst);
                    i += 1;
                }
                b'(' if top.is_some() => stack.push(Ctx::Paren),
                b')' if top.is_some() => {
                    stack.pop();
                }
                b'#' if i == 0 || b.get(i - 1).is_some_and(|p| p.is_ascii_whitespace()) => {
                    while i < b.len() && b.get(i) != Some(&b'\n') {
                        i += 1;
                    }
                }
                b'|' => {
                    let prev = if i > 0 { b.get(i - 1).copied() } else { None };
                    if next == Some(b'|') {
                        i += 1;
                    } else if prev != Some(b'>') {
                        out.push(i);
                    }
                }
                _ => {}
            },
        }
        i += 1;
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn splits_commands_and_pipes() {
        let c = commands("apt-get update && curl -fsSL 'https://x | y' | sudo -E bash - ; echo ok");
        let progs: Vec<_> = c.iter().filter_map(|c| c.program()).collect();
        assert_eq!(progs, ["apt-get", "curl", "bash", "echo"]);
        assert!(c.get(1).is_some_and(|c| c.pipes_out));
        assert!(c.get(2).is_some_and(|c| c.piped_in));
        assert_eq!(pipe_offsets("a || b | c 'x|y'").len(), 1);
        assert_eq!(pipe_offsets("x=\"$(a | b)\"; echo \"|\" >| f").len(), 1);
    }

    #[test]
    fn assignments_are_skipped() {
        let c = commands("DEBIAN_FRONTEND=noninteractive apt-get install -y gcc");
        assert_eq!(c.first().and_then(|c| c.program()), Some("apt-get"));
    }
}
