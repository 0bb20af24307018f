//! The Dockerfile rules. Each is a small unit: its documentation
//! ([`RuleMeta`], shown by `stowaway explain`) and a check over [`Ctx`].

mod buildkit;
mod buildkit_vars;
mod context_files;
pub(crate) mod copy;
pub(crate) mod equivalents;
mod image;
mod packages;
mod parse;
mod run;
mod secrets;
mod structure;

use super::Ctx;
use crate::report::{Category, Finding, RuleMeta, Severity, Span};
use std::sync::OnceLock;

pub(crate) type Check = fn(&Ctx, &RuleMeta, &mut Vec<Finding>);

pub(crate) struct Rule {
    pub meta: RuleMeta,
    pub check: Check,
}

/// Markdown help in the shape every rule uses.
pub(crate) struct Doc<'a> {
    pub what: &'a str,
    pub why: &'a str,
    pub example: &'a str,
    pub fix: &'a str,
}

pub(crate) fn rule(
    id: &str,
    name: &str,
    severity: Severity,
    short: &str,
    doc: Doc,
    tags: &[&str],
    check: Check,
) -> Rule {
    let help = crate::report::Doc {
        what: doc.what,
        why: doc.why,
        example: doc.example,
        fix: doc.fix,
        references: &[],
    }
    .help();
    Rule {
        meta: RuleMeta {
            id: id.to_string(),
            name: name.to_string(),
            category: Category::Dockerfile,
            severity,
            short: short.to_string(),
            help,
            tags: tags.iter().map(|t| t.to_string()).collect(),
            equivalents: equivalents::of(id).iter().map(|e| e.to_string()).collect(),
        },
        check,
    }
}

/// All rules, built once.
pub(crate) fn all() -> &'static [Rule] {
    static RULES: OnceLock<Vec<Rule>> = OnceLock::new();
    RULES.get_or_init(|| {
        let mut v = Vec::new();
        v.extend(parse::rules());
        v.extend(image::rules());
        v.extend(copy::rules());
        v.extend(context_files::rules());
        v.extend(secrets::rules());
        v.extend(run::rules());
        v.extend(packages::rules());
        v.extend(structure::rules());
        v.extend(buildkit::rules());
        v.extend(buildkit_vars::rules());
        v
    })
}

/// The first line of an instruction: keyword to end of that line.
pub(crate) fn head_span(ctx: &Ctx, inst: &super::parser::Instruction) -> Span {
    let line = inst.keyword_span.line;
    Span {
        line,
        column: inst.keyword_span.column,
        end_line: line,
        end_column: ctx.line(line).chars().count() as u32 + 1,
    }
}

/// Script texts of a RUN: the command line, then each heredoc body, with
/// the span to look for things in.
pub(crate) fn run_texts(inst: &super::parser::Instruction) -> Vec<(String, Span)> {
    use super::parser::Command;
    let mut out = Vec::new();
    if let Command::Run(form) = &inst.command {
        out.push((form.text(), inst.span));
        for h in &inst.heredocs {
            let n = h.content.lines().count().max(1) as u32;
            out.push((
                h.content.clone(),
                Span {
                    line: h.content_line,
                    column: 1,
                    end_line: h.content_line + n - 1,
                    end_column: 1,
                },
            ));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    #[test]
    fn ids_are_unique_and_documented() {
        let rules = super::all();
        let mut ids: Vec<_> = rules.iter().map(|r| r.meta.id.as_str()).collect();
        ids.sort_unstable();
        let n = ids.len();
        ids.dedup();
        assert_eq!(ids.len(), n);
        for r in rules {
            assert!(r.meta.id.starts_with("dockerfile-"));
            assert!(r.meta.help.contains("**Why it matters.**"));
            assert!(r.meta.help.contains("```dockerfile"));
            assert!(r.meta.help.contains("**Fix.**"));
        }
    }
}
