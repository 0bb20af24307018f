//! Dockerfile linting: a BuildKit-compatible parser and security and
//! correctness rules over it, reporting in the one finding model.
//!
//! # Why our own parser
//!
//! Measured on 659 real Dockerfiles (docker-library, awesome-compose,
//! jessfraz and vimagick collections), the `dockerfile-parser` crate fails on
//! 37 of them — heredocs, `ENV X=` with an empty value, an empty line inside a
//! continuation, a byte-order mark — and has no `# escape=` support; hadolint
//! fails on 23 (heredocs). A linter that skips what it cannot parse misses
//! exactly the files that need looking at, and one that parses differently
//! from BuildKit lints a different file from the one that is built. So
//! [`parser`] follows BuildKit's own parser line by line (directives, escape
//! character, continuations, heredocs, flags, JSON-or-shell form), never
//! fails, keeps a line/column span on every node, and turns what BuildKit
//! would reject into a `dockerfile-parse-error` finding at the exact place
//! while the rest of the file is still linted.
//!
//! # Layout
//!
//! - [`parser`]: the model and the parser;
//! - `shell`: splits RUN scripts into simple commands;
//! - `context`: the build context, what `COPY` sources bring in and hold;
//! - `patterns`: BuildKit's `.dockerignore` and COPY-source matching;
//! - `rules`: one small unit per rule (id, documentation, check);
//! - `ignore`: `# stowaway:ignore=…`, `# hadolint ignore=…`, `# trivy:ignore:…`.

mod context;
mod ignore;
pub mod parser;
mod patterns;
mod rules;
mod shell;

use crate::report::{Finding, RuleMeta, Span};
use parser::{Command, Dockerfile, Instruction, Word};
use std::cell::RefCell;
use std::collections::HashMap;
use std::path::PathBuf;
use std::rc::Rc;

/// What `lint` needs besides the file.
#[derive(Default)]
pub struct LintOptions<'a> {
    /// The secret engine, for secrets in ENV/ARG/LABEL/RUN. `None` skips
    /// the value checks (name-based checks still run).
    pub secrets: Option<&'a crate::secrets::Scanner>,
    /// `--target`: the stage that is the image (default: the last one).
    pub target: Option<String>,
    /// The directory on disk holding the Dockerfile, for `.dockerignore` and
    /// resolving what `COPY .` or a wildcard brings in; `None` when not
    /// available (e.g. inside an image or a git blob).
    pub context_dir: Option<PathBuf>,
}

/// Whether a file name is a Dockerfile: `Dockerfile`, `Dockerfile.*`,
/// `*.Dockerfile`, `Containerfile`, `Containerfile.*`, `*.Containerfile`
/// (case-insensitive; `*.dockerignore` excluded).
pub fn is_dockerfile_name(file_name: &str) -> bool {
    let name = file_name.rsplit(['/', '\\']).next().unwrap_or(file_name);
    let lower = name.to_ascii_lowercase();
    if lower.ends_with(".dockerignore") || lower.ends_with(".containerignore") {
        return false;
    }
    // `Dockerfile.<ext>` that is source code, a document or a template.
    const NOT: &[&str] = &[
        "rs", "go", "py", "js", "ts", "java", "rb", "sh", "md", "rst", "txt", "json", "yml",
        "yaml", "toml", "html", "j2", "jinja", "jinja2", "tmpl", "tpl", "template", "erb",
        "mustache", "hbs", "bak", "orig", "swp", "lock",
    ];
    for base in ["dockerfile", "containerfile"] {
        if lower == base
            || lower.strip_prefix(base).is_some_and(|r| {
                r.len() > 1
                    && r.starts_with('.')
                    && !NOT.contains(&r.rsplit('.').next().unwrap_or(""))
            })
            || lower
                .strip_suffix(base)
                .is_some_and(|r| r.ends_with('.') && r.len() > 1)
        {
            return true;
        }
    }
    false
}

/// Every Dockerfile rule, documented.
pub fn rules() -> Vec<RuleMeta> {
    rules::all().iter().map(|r| r.meta.clone()).collect()
}

/// Lint one Dockerfile. Parse errors become `dockerfile-parse-error`
/// findings; what an inline ignore covers is left out; findings carry
/// `display_path`.
pub fn lint(display_path: &str, content: &[u8], opts: &LintOptions) -> Vec<Finding> {
    let mut out = lint_except(display_path, content, opts, &[]);
    out.retain(|f| !f.allowed_inline);
    out
}

/// All findings of the rules not in `disabled` (the config's `[rules]
/// disable`: they do not run), those an inline ignore covers marked
/// `allowed_inline` for the policy stage to drop and count.
pub fn lint_except(
    display_path: &str,
    content: &[u8],
    opts: &LintOptions,
    disabled: &[String],
) -> Vec<Finding> {
    let text = String::from_utf8_lossy(content);
    let text = text.strip_prefix('\u{feff}').unwrap_or(&text);
    let df = parser::parse(text);
    let file_name = display_path.rsplit('/').next();
    let context = opts
        .context_dir
        .as_deref()
        .map(|d| context::Context::load(d, file_name));
    let ctx = Ctx::new(display_path, text, &df, opts, context);
    let mut out = Vec::new();
    for rule in rules::all()
        .iter()
        .filter(|r| !disabled.contains(&r.meta.id))
    {
        (rule.check)(&ctx, &rule.meta, &mut out);
    }
    ignore::apply(&df, &mut out);
    out.sort_by(|a, b| a.span.cmp(&b.span).then_with(|| a.rule_id.cmp(&b.rule_id)));
    out
}

/// One build stage: its FROM and the instructions up to the next FROM.
pub(crate) struct Stage<'a> {
    pub index: usize,
    pub from: &'a Instruction,
    pub image: &'a Word,
    pub alias: Option<&'a Word>,
    /// The image after global ARG defaults are substituted.
    pub resolved: String,
    /// The earlier stage this one builds on (`FROM builder`).
    pub parent: Option<usize>,
    pub body: Vec<&'a Instruction>,
}

/// Everything a rule may look at.
pub(crate) struct Ctx<'a> {
    pub path: &'a str,
    pub lines: Vec<&'a str>,
    pub df: &'a Dockerfile,
    pub stages: Vec<Stage<'a>>,
    /// The index of the stage that is the image.
    pub target: Option<usize>,
    pub secrets: Option<&'a crate::secrets::Scanner>,
    pub context: Option<context::Context>,
    /// RUN scripts already split into commands: several rules look at the
    /// same script, and splitting is the costliest part of linting.
    commands: RefCell<HashMap<String, Rc<Vec<shell::SimpleCommand>>>>,
}

impl<'a> Ctx<'a> {
    fn new(
        path: &'a str,
        text: &'a str,
        df: &'a Dockerfile,
        opts: &LintOptions<'a>,
        context: Option<context::Context>,
    ) -> Ctx<'a> {
        let mut global_args = Vec::new();
        let mut stages: Vec<Stage<'a>> = Vec::new();
        for inst in &df.instructions {
            match &inst.command {
                Command::From { image, alias } => {
                    let lookup = |name: &str| -> Option<String> {
                        global_args
                            .iter()
                            .rev()
                            .find(|(n, _): &&(String, Option<String>)| n == name)
                            .and_then(|(_, v)| v.clone())
                    };
                    let resolved = parser::expand(&image.value, &lookup);
                    let parent = stages.iter().position(|s| {
                        s.alias
                            .is_some_and(|a| a.value.eq_ignore_ascii_case(&resolved))
                    });
                    stages.push(Stage {
                        index: stages.len(),
                        from: inst,
                        image,
                        alias: alias.as_ref(),
                        resolved,
                        parent,
                        body: Vec::new(),
                    });
                }
                Command::Arg(kvs) if stages.is_empty() => {
                    for kv in kvs {
                        global_args.push((
                            kv.key.value.clone(),
                            kv.value.as_ref().map(|v| v.value.clone()),
                        ));
                    }
                }
                _ => {
                    if let Some(s) = stages.last_mut() {
                        s.body.push(inst);
                    }
                }
            }
        }
        let target = match &opts.target {
            Some(t) => stages
                .iter()
                .position(|s| s.alias.is_some_and(|a| a.value.eq_ignore_ascii_case(t))),
            None => stages.len().checked_sub(1),
        };
        Ctx {
            path,
            lines: text.split('\n').map(|l| l.trim_end_matches('\r')).collect(),
            df,
            stages,
            target,
            secrets: opts.secrets,
            context,
            commands: RefCell::new(HashMap::new()),
        }
    }

    /// `shell::commands(script)`, computed once per script.
    pub fn commands(&self, script: &str) -> Rc<Vec<shell::SimpleCommand>> {
        if let Some(c) = self.commands.borrow().get(script) {
            return Rc::clone(c);
        }
        let c = Rc::new(shell::commands(script));
        self.commands
            .borrow_mut()
            .insert(script.to_string(), Rc::clone(&c));
        c
    }

    /// The source line `line` (1-based).
    pub fn line(&self, line: u32) -> &'a str {
        self.lines
            .get((line as usize).wrapping_sub(1))
            .copied()
            .unwrap_or("")
    }

    /// A non-secret finding with the line as snippet. `key` identifies the
    /// finding stably (no line numbers); the path is added to it.
    pub fn finding(&self, meta: &RuleMeta, message: String, span: Span, key: &str) -> Finding {
        Finding::new(
            meta,
            message,
            self.path.to_string(),
            span,
            None,
            Some(self.line(span.line).to_string()),
            &format!("{}\0{key}", self.path),
        )
    }

    /// A secret finding: the secret is the key; the span is narrowed to the
    /// secret when it is found on a line of `within`.
    pub fn secret_finding(
        &self,
        meta: &RuleMeta,
        message: String,
        within: Span,
        secret: &str,
    ) -> Finding {
        let span = self.locate(within, secret);
        Finding::new(
            meta,
            message,
            self.path.to_string(),
            span,
            Some(secret.to_string()),
            Some(self.line(span.line).to_string()),
            secret,
        )
    }

    /// The span of `needle` on the lines of `within`, or `within`.
    pub fn locate(&self, within: Span, needle: &str) -> Span {
        let first = needle.lines().next().unwrap_or(needle);
        if first.is_empty() {
            return within;
        }
        for line in within.line..=within.end_line.max(within.line) {
            let text = self.line(line);
            if let Some(i) = text.find(first) {
                let col = text.get(..i).map_or(0, |p| p.chars().count()) as u32 + 1;
                return Span {
                    line,
                    column: col,
                    end_line: line,
                    end_column: col + first.chars().count() as u32,
                };
            }
        }
        within
    }

    /// Every instruction, with ONBUILD triggers unwrapped.
    pub fn effective(&self) -> impl Iterator<Item = &'a Instruction> + 'a {
        self.df.instructions.iter().map(Instruction::effective)
    }

    /// The final (or `--target`) stage.
    pub fn target_stage(&self) -> Option<&Stage<'a>> {
        self.target.and_then(|i| self.stages.get(i))
    }

    /// Whether `name` is an earlier stage's alias or index, seen from `stage`.
    pub fn stage_ref(&self, name: &str, before: usize) -> Option<usize> {
        if let Ok(n) = name.parse::<usize>() {
            return (n < before).then_some(n);
        }
        self.stages
            .iter()
            .take(before)
            .position(|s| s.alias.is_some_and(|a| a.value.eq_ignore_ascii_case(name)))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dockerfile_names() {
        for yes in [
            "Dockerfile",
            "dockerfile",
            "Dockerfile.prod",
            "api.Dockerfile",
            "Containerfile",
            ".devcontainer/Dockerfile",
            "x/Containerfile.dev",
        ] {
            assert!(is_dockerfile_name(yes), "{yes}");
        }
        for no in [
            "Dockerfile.dockerignore",
            ".dockerignore",
            "Dockerfiles",
            "Dockerfile.",
            "README.md",
            "dockerfile.rs",
            "Dockerfile.template",
            "Dockerfile.j2",
            "docker-compose.yml",
        ] {
            assert!(!is_dockerfile_name(no), "{no}");
        }
    }
}
