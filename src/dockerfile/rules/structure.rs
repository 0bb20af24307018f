//! Correctness rules hadolint users expect: stage names, CMD/ENTRYPOINT
//! counts, WORKDIR, and EXPOSE 22.

use super::{head_span, rule, Doc, Rule};
use crate::dockerfile::parser::{Command, Instruction};
use crate::dockerfile::Ctx;
use crate::report::{Finding, RuleMeta, Severity};

pub(crate) fn rules() -> Vec<Rule> {
    vec![
        rule(
            "dockerfile-ssh-exposed",
            "SSH port exposed",
            Severity::Medium,
            "EXPOSE 22: the image runs or advertises an SSH server.",
            Doc {
                what: "Finds `EXPOSE 22` (also `22/tcp`).",
                why: "An SSH server in a container is another network service with credentials to manage and brute-force; containers are entered with `docker exec`/`kubectl exec`.",
                example: "EXPOSE 22 80",
                fix: "Remove the SSH server and `EXPOSE 22`; use `docker exec` or `kubectl exec` to get a shell.",
            },
            &["security"],
            check_ssh,
        ),
        rule(
            "dockerfile-duplicate-stage-name",
            "Duplicate stage name",
            Severity::Medium,
            "Two FROM … AS lines use the same stage name.",
            Doc {
                what: "Finds a `FROM … AS name` whose name (case-insensitive) an earlier stage already uses.",
                why: "`COPY --from=name` and `--target name` can only mean one of them; recent BuildKit refuses the file.",
                example: "FROM node AS build\nFROM golang AS build",
                fix: "Give every stage its own name.",
            },
            &["correctness"],
            check_duplicate_stage,
        ),
        rule(
            "dockerfile-multiple-cmd",
            "More than one CMD in a stage",
            Severity::Low,
            "Only the last CMD of a stage takes effect.",
            Doc {
                what: "Reports every `CMD` of a stage that a later `CMD` of the same stage overrides.",
                why: "Only the last `CMD` counts; the earlier ones are dead code that misleads readers about what the container runs.",
                example: "CMD [\"nginx\"]\nCMD [\"php-fpm\"]",
                fix: "Keep one `CMD`; start several processes with a supervisor or, better, one container each.",
            },
            &["correctness"],
            check_multiple_cmd,
        ),
        rule(
            "dockerfile-multiple-entrypoint",
            "More than one ENTRYPOINT in a stage",
            Severity::Low,
            "Only the last ENTRYPOINT of a stage takes effect.",
            Doc {
                what: "Reports every `ENTRYPOINT` of a stage that a later `ENTRYPOINT` of the same stage overrides.",
                why: "Only the last `ENTRYPOINT` counts; the earlier ones are dead code.",
                example: "ENTRYPOINT [\"/init\"]\nENTRYPOINT [\"/app\"]",
                fix: "Keep one `ENTRYPOINT`.",
            },
            &["correctness"],
            check_multiple_entrypoint,
        ),
        rule(
            "dockerfile-relative-workdir",
            "Relative WORKDIR",
            Severity::Low,
            "WORKDIR is relative, so it depends on the previous WORKDIR (or the base image's).",
            Doc {
                what: "Finds `WORKDIR` with a relative path (not starting with `/`, a variable or a Windows drive).",
                why: "A relative `WORKDIR` is resolved against whatever the current directory is, which a base image update can change.",
                example: "WORKDIR app",
                fix: "Use an absolute path: `WORKDIR /app`.",
            },
            &["correctness"],
            check_workdir,
        ),
    ]
}

fn check_ssh(ctx: &Ctx, meta: &RuleMeta, out: &mut Vec<Finding>) {
    for inst in ctx.effective() {
        let Command::Expose(ports) = &inst.command else {
            continue;
        };
        for p in ports {
            let (port, proto) = p.value.split_once('/').unwrap_or((&p.value, "tcp"));
            if port == "22" && proto.eq_ignore_ascii_case("tcp") {
                out.push(ctx.finding(
                    meta,
                    "EXPOSE 22: the image exposes SSH".to_string(),
                    p.span,
                    "22",
                ));
            }
        }
    }
}

fn check_duplicate_stage(ctx: &Ctx, meta: &RuleMeta, out: &mut Vec<Finding>) {
    for (i, s) in ctx.stages.iter().enumerate() {
        let Some(alias) = s.alias else { continue };
        let earlier = ctx.stages.iter().take(i).find(|e| {
            e.alias
                .is_some_and(|a| a.value.eq_ignore_ascii_case(&alias.value))
        });
        if let Some(e) = earlier {
            out.push(ctx.finding(
                meta,
                format!(
                    "stage name `{}` is already used by the stage on line {}",
                    alias.value, e.from.keyword_span.line
                ),
                alias.span,
                &alias.value.to_ascii_lowercase(),
            ));
        }
    }
}

fn multiple(
    ctx: &Ctx,
    meta: &RuleMeta,
    out: &mut Vec<Finding>,
    keyword: &str,
    is: fn(&Instruction) -> bool,
) {
    for stage in &ctx.stages {
        let all: Vec<&&Instruction> = stage.body.iter().filter(|i| is(i)).collect();
        let Some(last) = all.last() else { continue };
        for inst in all.iter().take(all.len() - 1) {
            out.push(ctx.finding(
                meta,
                format!(
                    "this {keyword} has no effect: the {keyword} on line {} overrides it",
                    last.keyword_span.line
                ),
                head_span(ctx, inst),
                &format!("{}\0{}", stage.index, inst.original),
            ));
        }
    }
}

fn check_multiple_cmd(ctx: &Ctx, meta: &RuleMeta, out: &mut Vec<Finding>) {
    multiple(ctx, meta, out, "CMD", |i| {
        matches!(i.command, Command::Cmd(_))
    });
}

fn check_multiple_entrypoint(ctx: &Ctx, meta: &RuleMeta, out: &mut Vec<Finding>) {
    multiple(ctx, meta, out, "ENTRYPOINT", |i| {
        matches!(i.command, Command::Entrypoint(_))
    });
}

fn is_absolute(p: &str) -> bool {
    let b = p.as_bytes();
    p.starts_with('/')
        || p.starts_with('$')
        || p.starts_with('\\')
        || (b.len() >= 2
            && b.first().is_some_and(u8::is_ascii_alphabetic)
            && b.get(1) == Some(&b':'))
}

fn check_workdir(ctx: &Ctx, meta: &RuleMeta, out: &mut Vec<Finding>) {
    for inst in ctx.effective() {
        let Command::Workdir(w) = &inst.command else {
            continue;
        };
        if !is_absolute(w.value.trim()) {
            out.push(ctx.finding(
                meta,
                format!("WORKDIR `{}` is relative", w.value),
                w.span,
                &w.value,
            ));
        }
    }
}
