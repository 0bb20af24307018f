//! Secrets written into the Dockerfile: ENV/ARG/LABEL values, RUN commands
//! and heredocs, and secret build arguments used by RUN.
//!
//! Values are judged by the secret scanner's own engine
//! ([`crate::secrets::Scanner`]); names by [`crate::secrets::is_secret_name`]
//! with the value required to be a literal ([`literal_value`]).

use super::{rule, run_texts, Doc, Rule};
use crate::dockerfile::parser::{Command, KeyValue};
use crate::dockerfile::Ctx;
use crate::report::{Finding, RuleMeta, Severity, Span};
use crate::secrets::{is_secret_name, looks_like_placeholder};
use regex::Regex;
use std::collections::HashSet;
use std::sync::OnceLock;

pub(crate) fn rules() -> Vec<Rule> {
    vec![
        rule(
            "dockerfile-secret-in-env-arg",
            "Secret in ENV, ARG or LABEL",
            Severity::High,
            "An ENV, ARG or LABEL value is a secret, or a secret-named ENV/ARG has a literal value.",
            Doc {
                what: "Runs the secret scanner's rules over every `ENV`, `ARG` and `LABEL` value, and flags secret-named `ENV`/`ARG` (`PASSWORD`, `API_KEY`, `*_TOKEN`, `SECRET*`…) set to a literal value. Empty values, `${VAR}` references, placeholders, file paths and GPG key fingerprints are not secrets.",
                why: "ENV and LABEL values are stored in the image configuration and ARG defaults in its history: `docker inspect` and `docker history` show them to anyone who can pull the image.",
                example: "ENV NPM_TOKEN=npm_1a2B3c4D5e6F7g8H9i0JkLmNoPqRsTuVwXyZ\nARG DB_PASSWORD=<your-password>",
                fix: "Remove the value and rotate the secret. Pass secrets at build time with `RUN --mount=type=secret,id=npm …` and at run time through the orchestrator's secret store.",
            },
            &["security", "secrets"],
            check_env_arg,
        ),
        rule(
            "dockerfile-secret-in-run",
            "Secret in a RUN command",
            Severity::High,
            "A RUN command or heredoc contains a secret: a token, an Authorization header, credentials in a URL, `_authToken=`, `aws configure set`.",
            Doc {
                what: "Runs the secret scanner over RUN commands and heredoc bodies, and looks for literal credentials in `Authorization:` headers, `https://user:token@host` URLs, npm `_authToken=` and `aws configure set aws_secret_access_key …`. Values taken from variables or from a `--mount=type=secret` file are not reported.",
                why: "Every RUN command line is recorded in the image history (`docker history --no-trunc`), and files it writes stay in the layer.",
                example: "RUN curl -H \"Authorization: Bearer ghp_…\" https://api.github.com/…\nRUN echo \"//registry.npmjs.org/:_authToken=npm_…\" > ~/.npmrc",
                fix: "Rotate the secret; mount it at build time: `RUN --mount=type=secret,id=token curl -H \"Authorization: Bearer $(cat /run/secrets/token)\" …`.",
            },
            &["security", "secrets"],
            check_run,
        ),
        rule(
            "dockerfile-secret-build-arg",
            "Secret passed as a build argument",
            Severity::Medium,
            "A secret-named ARG is used by a RUN, so its value is recorded in the image history.",
            Doc {
                what: "Finds `ARG` declarations with a secret-like name (`NPM_TOKEN`, `GITHUB_TOKEN`, `DB_PASSWORD`…) that a later `RUN` of the same stage uses.",
                why: "Build arguments used by a RUN are part of that step's recorded environment: `docker history` shows the value passed with `--build-arg`, and build caches keep it.",
                example: "ARG NPM_TOKEN\nRUN echo \"//registry.npmjs.org/:_authToken=${NPM_TOKEN}\" > .npmrc && npm ci",
                fix: "Use a secret mount: `RUN --mount=type=secret,id=npm,env=NPM_TOKEN npm ci` and `docker build --secret id=npm,env=NPM_TOKEN`.",
            },
            &["security", "secrets"],
            check_build_arg,
        ),
    ]
}

/// A GPG key fingerprint or key id (hex, possibly spaced).
fn is_fingerprint(v: &str) -> bool {
    let hex: String = v.chars().filter(|c| !c.is_whitespace()).collect();
    let hex = hex.trim_start_matches("0x");
    matches!(hex.len(), 8 | 16 | 40 | 64) && hex.chars().all(|c| c.is_ascii_hexdigit())
        || v.split_whitespace().count() > 1
            && v.split_whitespace()
                .all(|w| w.len() >= 8 && w.chars().all(|c| c.is_ascii_hexdigit()))
}

/// A value that could be a real secret: literal, not a placeholder, a path,
/// a number, a boolean or a fingerprint.
pub(crate) fn literal_value(v: &str) -> bool {
    let v = v.trim();
    if v.is_empty() || v.contains('$') || looks_like_placeholder(v) {
        return false;
    }
    if v.starts_with('/') || v.starts_with("./") || v.starts_with('~') || v.starts_with("file:") {
        return false;
    }
    if v.chars().all(|c| c.is_ascii_digit() || c == '.') {
        return false;
    }
    let l = v.to_ascii_lowercase();
    if matches!(
        l.as_str(),
        "true"
            | "false"
            | "yes"
            | "no"
            | "on"
            | "off"
            | "none"
            | "null"
            | "nil"
            | "empty"
            | "unset"
    ) {
        return false;
    }
    !is_fingerprint(v)
}

fn check_env_arg(ctx: &Ctx, meta: &RuleMeta, out: &mut Vec<Finding>) {
    for inst in ctx.effective() {
        let (kvs, kind): (&Vec<KeyValue>, &str) = match &inst.command {
            Command::Env(k) => (k, "ENV"),
            Command::Arg(k) => (k, "ARG"),
            Command::Label(k) => (k, "LABEL"),
            _ => continue,
        };
        for kv in kvs {
            let Some(v) = &kv.value else { continue };
            let key = &kv.key.value;
            let mut reported = false;
            if let Some(sc) = ctx.secrets {
                let text = format!("{key}={}", v.value);
                for m in sc.find_in(text.as_bytes()) {
                    if m.start <= key.len() {
                        continue;
                    }
                    let mut f = ctx.secret_finding(
                        meta,
                        format!(
                            "{kind} {key} holds a {}; it is stored in the image",
                            m.rule_name
                        ),
                        kv.span,
                        &m.secret,
                    );
                    f.severity = f.severity.max(m.severity);
                    f.extra.insert("secret_rule".to_string(), m.rule_id.clone());
                    out.push(f);
                    reported = true;
                }
            }
            if !reported && kind != "LABEL" && is_secret_name(key) && literal_value(&v.value) {
                out.push(ctx.secret_finding(
                    meta,
                    format!("{kind} {key} has a secret-like name and a literal value; it is stored in the image"),
                    v.span,
                    &v.value,
                ));
            }
        }
    }
}

struct Pattern {
    what: &'static str,
    re: Regex,
}

fn patterns() -> &'static [Pattern] {
    static P: OnceLock<Vec<Pattern>> = OnceLock::new();
    P.get_or_init(|| {
        let raw: &[(&str, &str)] = &[
            (
                "an Authorization header",
                r#"(?i)authorization:\s*(?:bearer|basic|token)\s+([^\s"'\\;|&)]+)"#,
            ),
            (
                "credentials in a URL",
                r#"(?i)\b[a-z][a-z0-9+.-]*://[^/\s:@"'$]+:([^/\s@"'$]+)@[a-z0-9.-]"#,
            ),
            ("an npm auth token", r#"(?i)_auth(?:Token)?\s*=\s*["']?([^\s"'\\;|&]+)"#),
            (
                "an AWS key set with aws configure",
                r#"(?i)aws\s+configure\s+set\s+(?:default\.)?(?:aws_secret_access_key|aws_access_key_id|aws_session_token)\s+["']?([^\s"';&|]+)"#,
            ),
        ];
        raw.iter()
            .filter_map(|(w, r)| Regex::new(r).ok().map(|re| Pattern { what: w, re }))
            .collect()
    })
}

fn check_run(ctx: &Ctx, meta: &RuleMeta, out: &mut Vec<Finding>) {
    for inst in ctx.effective() {
        let mut seen: HashSet<String> = HashSet::new();
        for (text, span) in run_texts(inst) {
            if let Some(sc) = ctx.secrets {
                for m in sc.find_in(text.as_bytes()) {
                    if !seen.insert(m.secret.clone()) {
                        continue;
                    }
                    let mut f = ctx.secret_finding(
                        meta,
                        format!(
                            "RUN contains a {}; RUN commands are recorded in the image history",
                            m.rule_name
                        ),
                        span,
                        &m.secret,
                    );
                    f.severity = f.severity.max(m.severity);
                    f.extra.insert("secret_rule".to_string(), m.rule_id.clone());
                    out.push(f);
                }
            }
            for p in patterns() {
                for c in p.re.captures_iter(&text) {
                    let Some(v) = c.get(1) else { continue };
                    let v = v.as_str();
                    if !literal_value(v) || v.contains('`') || v.len() < 6 || seen.contains(v) {
                        continue;
                    }
                    seen.insert(v.to_string());
                    out.push(ctx.secret_finding(
                        meta,
                        format!("RUN contains {} with a literal credential; RUN commands are recorded in the image history", p.what),
                        span,
                        v,
                    ));
                }
            }
        }
    }
}

/// Whether `text` references `$NAME` or `${NAME…}`.
fn references(text: &str, name: &str) -> bool {
    let mut rest = text;
    while let Some(i) = rest.find('$') {
        let after = rest.get(i + 1..).unwrap_or("");
        let after = after.strip_prefix('{').unwrap_or(after);
        if let Some(tail) = after.strip_prefix(name) {
            if !tail
                .chars()
                .next()
                .is_some_and(|c| c.is_ascii_alphanumeric() || c == '_')
            {
                return true;
            }
        }
        rest = rest.get(i + 1..).unwrap_or("");
    }
    false
}

/// The variables `RUN --mount=type=secret,…,env=NAME` sets from secrets.
fn secret_mount_envs(inst: &crate::dockerfile::parser::Instruction) -> Vec<&str> {
    let mut out = Vec::new();
    for m in inst.flag_values("mount") {
        let mut secret = false;
        let mut env = None;
        for part in m.split(',') {
            let (k, v) = part.split_once('=').unwrap_or((part, ""));
            match k.trim().to_ascii_lowercase().as_str() {
                "type" => secret = v.trim().eq_ignore_ascii_case("secret"),
                "env" => env = Some(v.trim()),
                _ => {}
            }
        }
        if let (true, Some(e)) = (secret, env) {
            out.push(e);
        }
    }
    out
}

fn check_build_arg(ctx: &Ctx, meta: &RuleMeta, out: &mut Vec<Finding>) {
    for stage in &ctx.stages {
        let mut declared: Vec<(&KeyValue, bool)> = Vec::new();
        for inst in &stage.body {
            match &inst.command {
                Command::Arg(kvs) => {
                    for kv in kvs {
                        if is_secret_name(&kv.key.value) {
                            declared.push((kv, false));
                        }
                    }
                }
                Command::Run(_) => {
                    let texts = run_texts(inst);
                    let mounted = secret_mount_envs(inst);
                    for (kv, done) in declared.iter_mut() {
                        // A secret mount with `env=NAME` sets NAME for this
                        // RUN: the reference is the secret, not the ARG.
                        if *done || mounted.iter().any(|m| *m == kv.key.value) {
                            continue;
                        }
                        if texts.iter().any(|(t, _)| references(t, &kv.key.value)) {
                            *done = true;
                            let span: Span = kv.key.span;
                            out.push(ctx.finding(
                                meta,
                                format!(
                                    "build argument {} has a secret-like name and is used by the RUN on line {}: its value is recorded in the image history",
                                    kv.key.value, inst.keyword_span.line
                                ),
                                span,
                                &format!("{}\0{}", stage.index, kv.key.value),
                            ));
                        }
                    }
                }
                _ => {}
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn literal_values() {
        assert!(!literal_value(""));
        assert!(!literal_value("${TOKEN}"));
        assert!(!literal_value("/run/secrets/token"));
        assert!(!literal_value("B42F6819007F00F88E364FD4036A9C25BF357DD4"));
        assert!(!literal_value("true"));
        assert!(literal_value("s3cr3tPassw0rd!"));
        assert!(references("echo ${NPM_TOKEN} x", "NPM_TOKEN"));
        assert!(references("echo $NPM_TOKEN", "NPM_TOKEN"));
        assert!(!references("echo $NPM_TOKEN_FILE", "NPM_TOKEN"));
    }
}
