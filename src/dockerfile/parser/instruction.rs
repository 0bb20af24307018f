//! One logical line to one [`Instruction`]: keyword, flags, arguments per
//! keyword (BuildKit's `instructions` package), and cross-instruction checks.

use super::flags::{check_flags, err, extract_flags};
use super::json::maybe_json;
use super::lines::{is_space, is_ws_delim, shell_words, LLine};
use super::model::*;
use crate::report::Span;

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

/// Parse the instruction starting at byte `from` of the logical line.
pub(super) fn parse_instruction(
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
                // BuildKit checks only the trigger's keyword when it builds
                // this image; the trigger's arguments are parsed in the child.
                let mut inner_errors = Vec::new();
                let inner = parse_instruction(ll, args_start, escape, &mut inner_errors, true);
                errors.extend(inner_errors.into_iter().filter(|e| {
                    e.message.starts_with("unknown instruction") || e.message.contains("ONBUILD")
                }));
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
pub(super) fn valid_stage_name(name: &str) -> bool {
    let mut c = name.chars();
    matches!(c.next(), Some(f) if f.is_ascii_alphabetic())
        && c.all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.'))
}

/// BuildKit's `parseWords`: whitespace-separated words, quotes and escapes
/// kept, quoted whitespace does not split.
pub(super) fn param_words(text: &str, a: usize, b: usize, escape: char) -> Vec<(usize, usize)> {
    let seg = text.get(a..b).unwrap_or("");
    shell_words(seg, 0, escape)
        .into_iter()
        .map(|(s, e)| (a + s, a + e))
        .collect()
}

/// ENV/LABEL: `name=value ...` or the old `name value`.
pub(super) fn name_val(
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
pub(super) fn check_structure(df: &mut Dockerfile) {
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
