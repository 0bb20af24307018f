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
        rule(
            "dockerfile-workdir-system-dir",
            "WORKDIR in a system directory",
            Severity::Low,
            "WORKDIR is under /proc, /sys, /dev or /boot, which the runtime or the kernel owns.",
            Doc {
                what: "Finds `WORKDIR` paths under `/proc`, `/sys`, `/dev`, `/boot`, `/initrd` or `/lost+found`.",
                why: "The container runtime mounts its own `/proc`, `/sys` and `/dev` over the image's, so files put there at build time are hidden at run time, and commands run there act on kernel interfaces, not on an application directory.",
                example: "WORKDIR /proc/self/fd/1",
                fix: "Work in an application directory: `WORKDIR /app`.",
            },
            &["correctness"],
            check_workdir_system,
        ),
        rule(
            "dockerfile-expose-port-out-of-range",
            "EXPOSE port out of range",
            Severity::Low,
            "EXPOSE names a port above 65535.",
            Doc {
                what: "Finds `EXPOSE` ports (or port ranges) with a number above 65535.",
                why: "TCP and UDP ports are 16-bit: such a port cannot be published, and the number is a typo for another port.",
                example: "EXPOSE 80800",
                fix: "Expose the port the service listens on: `EXPOSE 8080`.",
            },
            &["correctness"],
            check_expose_range,
        ),
        rule(
            "dockerfile-copy-multiple-sources-to-file",
            "COPY of several sources to a non-directory",
            Severity::Medium,
            "COPY or ADD has several sources but the destination does not end with `/`; BuildKit fails the build.",
            Doc {
                what: "Finds `COPY` and `ADD` with more than one source whose destination does not end with `/` (a destination given by a variable is not judged).",
                why: "Several files cannot be copied into one file: BuildKit stops with `When using COPY with more than one source file, the destination must be a directory and end with a /`.",
                example: "COPY package.json yarn.lock /app",
                fix: "End the destination with a slash: `COPY package.json yarn.lock /app/`.",
            },
            &["correctness"],
            check_copy_multi,
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

fn check_workdir_system(ctx: &Ctx, meta: &RuleMeta, out: &mut Vec<Finding>) {
    const SYSTEM: &[&str] = &["proc", "sys", "dev", "boot", "initrd", "lost+found"];
    for inst in ctx.effective() {
        let Command::Workdir(w) = &inst.command else {
            continue;
        };
        let path = w.value.trim();
        let Some(top) = path
            .strip_prefix('/')
            .and_then(|p| p.split('/').find(|c| !c.is_empty()))
        else {
            continue;
        };
        if SYSTEM.contains(&top) {
            out.push(ctx.finding(
                meta,
                format!("WORKDIR `{path}` is under /{top}, a system directory"),
                w.span,
                path,
            ));
        }
    }
}

/// Whether an EXPOSE value (`80`, `80/tcp`, `8000-9000/udp`) has a port
/// number above 65535; values with variables are not judged.
fn port_out_of_range(value: &str) -> bool {
    if value.contains('$') || value.contains(':') {
        return false;
    }
    let ports = value.split('/').next().unwrap_or(value);
    ports.split('-').any(|p| {
        !p.is_empty()
            && p.bytes().all(|b| b.is_ascii_digit())
            && p.parse::<u64>().map_or(true, |n| n > 65535)
    })
}

fn check_expose_range(ctx: &Ctx, meta: &RuleMeta, out: &mut Vec<Finding>) {
    for inst in ctx.effective() {
        let Command::Expose(ports) = &inst.command else {
            continue;
        };
        for p in ports {
            if port_out_of_range(&p.value) {
                out.push(ctx.finding(
                    meta,
                    format!("EXPOSE `{}`: ports go up to 65535", p.value),
                    p.span,
                    &p.value,
                ));
            }
        }
    }
}

fn check_copy_multi(ctx: &Ctx, meta: &RuleMeta, out: &mut Vec<Finding>) {
    for inst in ctx.effective() {
        let (Command::Copy(args) | Command::Add(args)) = &inst.command else {
            continue;
        };
        let Some(dest) = &args.dest else { continue };
        // `COPY file:<digest> in <dest>`, as `docker history` shows a COPY
        let history = args.sources.len() == 2
            && args.sources.get(1).is_some_and(|w| w.value == "in")
            && args.sources.first().is_some_and(|w| {
                ["file:", "multi:", "dir:"]
                    .iter()
                    .any(|p| w.value.starts_with(p))
            });
        let d = dest.value.as_str();
        if args.sources.len() > 1
            && !history
            && !d.ends_with('/')
            && !d.ends_with('\\')
            && !d.contains('$')
        {
            out.push(ctx.finding(
                meta,
                format!(
                    "{} has {} sources, so the destination `{d}` must be a directory ending with `/`",
                    inst.keyword,
                    args.sources.len()
                ),
                dest.span,
                &inst.original,
            ));
        }
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn ports() {
        for bad in [
            "65536",
            "80000/tcp",
            "40000-80000/udp",
            "99999999999999999999",
        ] {
            assert!(super::port_out_of_range(bad), "{bad}");
        }
        for ok in [
            "65535",
            "8080/tcp",
            "40000-60000",
            "${PORT}",
            "40000-${X}",
            "80:80",
        ] {
            assert!(!super::port_out_of_range(ok), "{ok}");
        }
    }
}
