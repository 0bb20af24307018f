//! BuildKit's build checks about variables and names: UndefinedArgInFrom,
//! InvalidDefaultArgInFrom, UndefinedVar, SecretsUsedInArgOrEnv (by name, as
//! BuildKit does it) and the experimental InvalidDefinitionDescription.

use super::{head_span, rule, Doc, Rule};
use crate::dockerfile::parser::{expand, Command, Instruction};
use crate::dockerfile::{Ctx, Stage};
use crate::report::{Finding, RuleMeta, Severity};

const TAGS: &[&str] = &["correctness", "buildkit"];

/// Build arguments BuildKit defines without an `ARG` in the global scope.
const BUILTIN_ARGS: &[&str] = &[
    "BUILDPLATFORM",
    "BUILDOS",
    "BUILDARCH",
    "BUILDVARIANT",
    "TARGETPLATFORM",
    "TARGETOS",
    "TARGETARCH",
    "TARGETVARIANT",
    "TARGETSTAGE",
    "BUILDKIT_SYNTAX",
];

pub(crate) fn rules() -> Vec<Rule> {
    vec![
        rule(
            "dockerfile-undefined-arg-in-from",
            "FROM uses an undeclared ARG",
            Severity::Medium,
            "A variable in FROM is not a global ARG (declared before the first FROM) nor a predefined platform argument.",
            Doc {
                what: "Finds `$NAME` in a FROM's image or `--platform` that no `ARG` before the first `FROM` declares and that is not one of BuildKit's predefined platform arguments; suggests the close name when there is one.",
                why: "Only ARGs declared before the first FROM are in scope for FROM lines; anything else expands to nothing, so the build fails or pulls a different image than intended.",
                example: "FROM alpine:3.20\nARG IMAGE=node:20\nFROM $IMAGE",
                fix: "Declare the ARG before the first FROM, or fix the name's spelling.",
            },
            TAGS,
            check_undefined_arg_in_from,
        ),
        rule(
            "dockerfile-invalid-default-arg-in-from",
            "FROM is invalid with the ARG defaults",
            Severity::Medium,
            "With the global ARGs' default values the FROM image is empty or not a valid reference.",
            Doc {
                what: "Expands a FROM's image with the defaults of the global ARGs (none = empty) and reports an empty or invalid image reference.",
                why: "A build without `--build-arg` then fails; the default should give a working build.",
                example: "ARG VERSION\nFROM busybox:$VERSION",
                fix: "Give the ARG a default: `ARG VERSION=1.36`.",
            },
            TAGS,
            check_invalid_default_arg,
        ),
        rule(
            "dockerfile-undefined-var",
            "Variable used but not defined",
            Severity::Low,
            "A variable is used in an instruction before (or without) an ARG or ENV that defines it.",
            Doc {
                what: "In COPY, ADD, ENV, LABEL, WORKDIR, USER, EXPOSE, VOLUME and STOPSIGNAL, reports `$NAME` when the stage defines it only later, when it is a near miss of a defined name (`$DIR_ASSET` for `DIR_ASSETS`, `$PAHT` for `PATH`), or when the stage builds on `scratch` and nothing defines it. A default (`${NAME:-x}`) is not reported; variables the base image may set are given the benefit of the doubt.",
                why: "An undefined variable expands to the empty string, so the instruction silently does something else: `COPY $DIR_ASSET .` copies the whole context.",
                example: "FROM alpine:3.20\nCOPY $SRC /app\nARG SRC=build/",
                fix: "Declare the ARG or ENV before its use, or fix the spelling.",
            },
            TAGS,
            check_undefined_var,
        ),
        rule(
            "dockerfile-secret-named-arg-env",
            "ARG or ENV named like a secret",
            Severity::Low,
            "An ARG or ENV has a name like a credential's (`*_PASSWORD`, `*_TOKEN`, `*_KEY`, `SECRET`); BuildKit's SecretsUsedInArgOrEnv check warns.",
            Doc {
                what: "Finds ARG and ENV keys whose last `_`-separated word (or the whole name) is `apikey`, `auth`, `credential(s)`, `key`, `passphrase`, `password`, `passwd`, `pword`, `secret` or `token`, unless a word is `public`; as BuildKit does it, by name only. Also `*ACCESS_KEY_ID` (the AWS pair's other half, which BuildKit's word test misses). A value that is an absolute file path (`GOOGLE_APPLICATION_CREDENTIALS=/run/gcp.json`) says where the secret is, not what it is, and is not reported. An `ARG` without a default that a `--mount=type=secret,env=NAME` fills is not reported: the value comes from the secret. A real secret value is reported separately by `dockerfile-secret-in-env-arg`.",
                why: "ARG values are recorded in the image history and ENV values in its config; anything passed this way is readable by whoever pulls the image.",
                example: "ARG GITHUB_TOKEN\nRUN git clone https://$GITHUB_TOKEN@github.com/org/repo",
                fix: "Use a secret mount: `RUN --mount=type=secret,id=gh,env=GITHUB_TOKEN git clone …`.",
            },
            TAGS,
            check_secret_names,
        ),
        rule(
            "dockerfile-invalid-definition-description",
            "ARG/stage comment does not start with its name",
            Severity::Info,
            "The comment directly above an ARG or a named stage does not start with the name (BuildKit's experimental InvalidDefinitionDescription check, on with `# check=experimental=…`).",
            Doc {
                what: "When the `check` directive enables the experimental check, finds a comment directly above `ARG name` or `FROM … AS name` whose first word is not the name.",
                why: "Tools that document build arguments and targets (`docker buildx build --call outline`) read the comment as the description only in the form `# name description`.",
                example: "# check=experimental=InvalidDefinitionDescription\n# the version to build\nARG VERSION=1.0",
                fix: "`# VERSION the version to build`.",
            },
            TAGS,
            check_definition_description,
        ),
    ]
}

/// `$NAME` / `${NAME…}` uses: (name, has a default or alternative).
pub(crate) fn vars_in(s: &str) -> Vec<(String, bool)> {
    let mut out = Vec::new();
    let b = s.as_bytes();
    let mut i = 0;
    let mut single = false;
    while let Some(&c) = b.get(i) {
        match c {
            b'\'' => single = !single,
            b'\\' if !single => i += 1,
            b'$' if !single => {
                if b.get(i + 1) == Some(&b'{') {
                    let inner = s.get(i + 2..).unwrap_or("");
                    let n = inner
                        .bytes()
                        .take_while(|b| b.is_ascii_alphanumeric() || *b == b'_')
                        .count();
                    if n > 0 {
                        let name = inner.get(..n).unwrap_or("");
                        let modifier = inner.as_bytes().get(n).is_some_and(|c| *c != b'}');
                        out.push((name.to_string(), modifier));
                    }
                    i += n + 2;
                    continue;
                }
                let rest = s.get(i + 1..).unwrap_or("");
                let n = rest
                    .bytes()
                    .take_while(|b| b.is_ascii_alphanumeric() || *b == b'_')
                    .count();
                if n > 0 && !rest.as_bytes().first().is_some_and(u8::is_ascii_digit) {
                    out.push((rest.get(..n).unwrap_or("").to_string(), false));
                }
                i += n + 1;
                continue;
            }
            _ => {}
        }
        i += 1;
    }
    out
}

fn distance(a: &str, b: &str) -> usize {
    let (a, b): (Vec<char>, Vec<char>) = (a.chars().collect(), b.chars().collect());
    let mut prev: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.iter().enumerate() {
        let mut cur = vec![i + 1];
        for (j, cb) in b.iter().enumerate() {
            let sub = prev.get(j).copied().unwrap_or(0) + usize::from(ca != cb);
            let del = prev.get(j + 1).copied().unwrap_or(0) + 1;
            let ins = cur.get(j).copied().unwrap_or(0) + 1;
            cur.push(sub.min(del).min(ins));
        }
        prev = cur;
    }
    prev.last().copied().unwrap_or(0)
}

/// The closest candidate within an edit distance of 2 (BuildKit suggests
/// names that are a small edit away).
fn suggest<'a>(name: &str, candidates: impl Iterator<Item = &'a str>) -> Option<&'a str> {
    candidates
        .filter(|c| *c != name)
        .map(|c| {
            (
                distance(&name.to_ascii_uppercase(), &c.to_ascii_uppercase()),
                c,
            )
        })
        .filter(|(d, c)| *d <= 2 && *d < c.len().max(2))
        .min_by_key(|(d, _)| *d)
        .map(|(_, c)| c)
}

fn global_args<'a>(ctx: &Ctx<'a>) -> Vec<(&'a str, Option<&'a str>)> {
    let mut out = Vec::new();
    for inst in &ctx.df.instructions {
        match &inst.command {
            Command::From { .. } => break,
            Command::Arg(kvs) => {
                for kv in kvs {
                    out.push((
                        kv.key.value.as_str(),
                        kv.value.as_ref().map(|v| v.value.as_str()),
                    ));
                }
            }
            _ => {}
        }
    }
    out
}

fn from_texts(inst: &Instruction) -> Vec<&str> {
    let mut v = Vec::new();
    if let Command::From { image, .. } = &inst.command {
        v.push(image.raw.as_str());
    }
    if let Some(p) = inst.flag("platform").and_then(|f| f.value.as_deref()) {
        v.push(p);
    }
    v
}

fn check_undefined_arg_in_from(ctx: &Ctx, meta: &RuleMeta, out: &mut Vec<Finding>) {
    let globals = global_args(ctx);
    for s in &ctx.stages {
        for text in from_texts(s.from) {
            for (name, _) in vars_in(text) {
                let known = globals.iter().any(|(g, _)| *g == name)
                    || BUILTIN_ARGS.contains(&name.as_str());
                if known {
                    continue;
                }
                let hint = suggest(
                    &name,
                    globals
                        .iter()
                        .map(|(g, _)| *g)
                        .chain(BUILTIN_ARGS.iter().copied()),
                )
                .map(|c| format!(" (did you mean {c}?)"))
                .unwrap_or_default();
                out.push(ctx.finding(
                    meta,
                    format!("FROM argument `{name}` is not declared before the first FROM{hint}"),
                    head_span(ctx, s.from),
                    &name,
                ));
            }
        }
    }
}

/// A loose docker reference check: `[host[:port]/]path[:tag][@digest]`.
fn valid_reference(r: &str) -> bool {
    if r.is_empty() || r.chars().any(char::is_whitespace) {
        return false;
    }
    let (rest, digest) = match r.split_once('@') {
        Some((a, d)) => (a, Some(d)),
        None => (r, None),
    };
    if digest.is_some_and(|d| !d.contains(':')) {
        return false;
    }
    let last = rest.rsplit('/').next().unwrap_or(rest);
    let (path_last, tag) = match last.split_once(':') {
        Some((p, t)) => (p, Some(t)),
        None => (last, None),
    };
    let tag_ok = tag.is_none_or(|t| {
        !t.is_empty()
            && t.len() <= 128
            && t.chars()
                .all(|c| c.is_ascii_alphanumeric() || matches!(c, '_' | '.' | '-'))
            && !t.starts_with(['.', '-'])
    });
    let name_ok = !path_last.is_empty()
        && path_last
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || matches!(c, '_' | '.' | '-'));
    tag_ok && name_ok
}

fn check_invalid_default_arg(ctx: &Ctx, meta: &RuleMeta, out: &mut Vec<Finding>) {
    let globals = global_args(ctx);
    for s in &ctx.stages {
        let Command::From { image, .. } = &s.from.command else {
            continue;
        };
        let used = vars_in(&image.raw);
        if used.is_empty()
            || !used
                .iter()
                .all(|(n, _)| globals.iter().any(|(g, _)| g == n))
        {
            continue;
        }
        let lookup = |n: &str| -> Option<String> {
            globals
                .iter()
                .rev()
                .find(|(g, _)| *g == n)
                .and_then(|(_, v)| v.map(str::to_string))
        };
        let resolved = expand(&image.value, &lookup);
        if !valid_reference(&resolved) {
            out.push(ctx.finding(
                meta,
                format!(
                    "default value for ARG {} results in empty or invalid base image name",
                    image.raw
                ),
                head_span(ctx, s.from),
                &image.raw,
            ));
        }
    }
}

/// Names a stage defines before instruction `upto` of its body, with what
/// the stages it builds on define.
fn defined_in(ctx: &Ctx, stage: &Stage, upto: usize, out: &mut Vec<String>) {
    if let Some(p) = stage.parent.filter(|&p| p < stage.index) {
        if let Some(ps) = ctx.stages.get(p) {
            defined_in(ctx, ps, usize::MAX, out);
        }
    }
    for inst in stage.body.iter().take(upto) {
        if let Command::Arg(kvs) | Command::Env(kvs) = &inst.command {
            out.extend(kvs.iter().map(|kv| kv.key.value.clone()));
        }
    }
}

fn on_scratch(ctx: &Ctx, stage: &Stage) -> bool {
    let mut s = stage;
    for _ in 0..ctx.stages.len() {
        match s
            .parent
            .and_then(|p| ctx.stages.get(p))
            .filter(|p| p.index < s.index)
        {
            Some(p) => s = p,
            None => return s.resolved.eq_ignore_ascii_case("scratch"),
        }
    }
    false
}

fn check_undefined_var(ctx: &Ctx, meta: &RuleMeta, out: &mut Vec<Finding>) {
    const ALWAYS: &[&str] = &["PATH", "HOME", "HOSTNAME", "TERM"];
    for stage in &ctx.stages {
        let scratch = on_scratch(ctx, stage);
        for (idx, inst) in stage.body.iter().enumerate() {
            let checked = matches!(
                inst.command,
                Command::Copy(_)
                    | Command::Add(_)
                    | Command::Env(_)
                    | Command::Label(_)
                    | Command::Workdir(_)
                    | Command::User(_)
                    | Command::Expose(_)
                    | Command::Volume(_)
                    | Command::StopSignal(_)
            );
            if !checked || !inst.original.contains('$') {
                continue;
            }
            let mut defined = Vec::new();
            defined_in(ctx, stage, idx, &mut defined);
            let later: Vec<&str> = stage
                .body
                .iter()
                .skip(idx + 1)
                .filter_map(|i| match &i.command {
                    Command::Arg(kvs) | Command::Env(kvs) => Some(kvs),
                    _ => None,
                })
                .flatten()
                .map(|kv| kv.key.value.as_str())
                .collect();
            for (name, has_default) in vars_in(&inst.args.raw) {
                if has_default
                    || defined.contains(&name)
                    || ALWAYS.contains(&name.as_str())
                    || BUILTIN_ARGS.contains(&name.as_str())
                {
                    continue;
                }
                let near = suggest(
                    &name,
                    defined
                        .iter()
                        .map(String::as_str)
                        .chain(ALWAYS.iter().copied()),
                );
                if !(scratch || later.contains(&name.as_str()) || near.is_some()) {
                    continue;
                }
                let hint = near
                    .map(|c| format!(" (did you mean ${c}?)"))
                    .unwrap_or_default();
                out.push(ctx.finding(
                    meta,
                    format!("usage of undefined variable `${name}`{hint}"),
                    head_span(ctx, inst),
                    &format!("{name}\0{}", inst.original),
                ));
            }
        }
    }
}

/// BuildKit's name test for SecretsUsedInArgOrEnv.
pub(crate) fn secret_like_name(name: &str) -> bool {
    const TOKENS: &[&str] = &[
        "apikey",
        "auth",
        "credential",
        "credentials",
        "key",
        "passphrase",
        "password",
        "passwd",
        "pword",
        "secret",
        "token",
    ];
    let lower = name.to_ascii_lowercase();
    let words: Vec<&str> = lower.split('_').collect();
    if words.contains(&"public") {
        return false;
    }
    words.last().is_some_and(|w| TOKENS.contains(w))
}

/// `AWS_ACCESS_KEY_ID` (also prefixed, `VITE_AWS_ACCESS_KEY_ID`): BuildKit's
/// word test misses it (its last word is `id`), but it is one half of the
/// AWS credential pair, set together with the secret key.
fn access_key_id(name: &str) -> bool {
    name.to_ascii_uppercase().ends_with("ACCESS_KEY_ID")
}

/// Names given to a secret mount as `env=NAME`: an ARG of that name is
/// only a placeholder, the value comes from the secret.
fn secret_mount_envs<'a>(ctx: &Ctx<'a>) -> Vec<&'a str> {
    let mut out = Vec::new();
    for inst in ctx.effective() {
        for m in inst.flag_values("mount") {
            if !m.split(',').any(|p| p.trim() == "type=secret") {
                continue;
            }
            out.extend(m.split(',').filter_map(|p| p.trim().strip_prefix("env=")));
        }
    }
    out
}

fn check_secret_names(ctx: &Ctx, meta: &RuleMeta, out: &mut Vec<Finding>) {
    let mounted = secret_mount_envs(ctx);
    let mut add = Vec::new();
    for inst in ctx.effective() {
        let (kw, kvs) = match &inst.command {
            Command::Arg(kvs) => ("ARG", kvs),
            Command::Env(kvs) => ("ENV", kvs),
            _ => continue,
        };
        for kv in kvs {
            // a value that is an absolute path names where the secret is
            // (`GOOGLE_APPLICATION_CREDENTIALS=/run/creds.json`), not the secret
            let path = kv.value.as_ref().is_some_and(|v| {
                v.value.starts_with('/') && !v.value.contains(char::is_whitespace)
            });
            if !(secret_like_name(&kv.key.value) || access_key_id(&kv.key.value))
                || path
                || (kw == "ARG" && kv.value.is_none() && mounted.contains(&kv.key.value.as_str()))
            {
                continue;
            }
            // a real value is already reported by the value-based rules
            let reported = out.iter().any(|f| {
                f.rule_id.starts_with("dockerfile-secret-") && f.span.line == kv.key.span.line
            });
            if reported {
                continue;
            }
            add.push(ctx.finding(
                meta,
                format!(
                    "do not use ARG or ENV instructions for sensitive data ({kw} `{}`)",
                    kv.key.value
                ),
                kv.key.span,
                &format!("{kw}\0{}", kv.key.value),
            ));
        }
    }
    out.extend(add);
}

fn experimental_on(ctx: &Ctx, check: &str) -> bool {
    ctx.df.directive("check").is_some_and(|d| {
        d.value.split(';').any(|part| {
            part.trim()
                .strip_prefix("experimental=")
                .is_some_and(|l| l.split(',').any(|c| c.trim() == check || c.trim() == "all"))
        })
    })
}

fn check_definition_description(ctx: &Ctx, meta: &RuleMeta, out: &mut Vec<Finding>) {
    if !experimental_on(ctx, "InvalidDefinitionDescription") {
        return;
    }
    for inst in &ctx.df.instructions {
        let (kw, names): (&str, Vec<&str>) = match &inst.command {
            Command::Arg(kvs) => ("ARG", kvs.iter().map(|kv| kv.key.value.as_str()).collect()),
            Command::From { alias: Some(a), .. } => ("FROM", vec![a.value.as_str()]),
            _ => continue,
        };
        let above = inst.keyword_span.line.saturating_sub(1);
        let Some(c) = ctx.df.comments.iter().find(|c| c.span.line == above) else {
            continue;
        };
        let first = c.text.split_whitespace().next().unwrap_or("");
        if first.is_empty() || names.contains(&first) {
            continue;
        }
        let want = match names.as_slice() {
            [one] => (*one).to_string(),
            _ => "<arg_key>".to_string(),
        };
        out.push(ctx.finding(
            meta,
            format!("comment for {kw} should follow the format: `# {want} <description>`"),
            head_span(ctx, inst),
            &inst.original,
        ));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_vars_and_references() {
        assert!(secret_like_name("SECRET_PASSPHRASE"));
        assert!(secret_like_name("git_key"));
        assert!(!secret_like_name("PUBLIC_KEY"));
        assert!(!secret_like_name("AUTH_MODULE_VERSION"));
        assert!(!secret_like_name("password_file"));
        assert_eq!(
            vars_in("a$B ${C:-x} '$D' \\$E"),
            [("B".into(), false), ("C".into(), true)]
        );
        assert!(valid_reference("busybox:stable"));
        assert!(!valid_reference("busybox:"));
        assert!(!valid_reference(""));
        assert_eq!(suggest("PAHT", ["PATH"].into_iter()), Some("PATH"));
    }
}
