//! BuildKit's build checks (`docker build --check`) that are about the
//! Dockerfile's form: casing, reserved names, legacy syntax, EXPOSE and FROM
//! `--platform` values, MAINTAINER, HEALTHCHECK counts. Each names its
//! BuildKit check in the equivalents table; the variable checks are in
//! `buildkit_vars`.

use super::{head_span, rule, Doc, Rule};
use crate::dockerfile::parser::{Command, Instruction};
use crate::dockerfile::Ctx;
use crate::report::{Finding, RuleMeta, Severity, Span};

const TAGS: &[&str] = &["correctness", "buildkit"];

pub(crate) fn rules() -> Vec<Rule> {
    vec![
        rule(
            "dockerfile-stage-name-casing",
            "Stage name not lowercase",
            Severity::Info,
            "A stage name has uppercase letters; BuildKit's StageNameCasing check warns.",
            Doc {
                what: "Finds `FROM … AS Name` whose stage name is not all lowercase.",
                why: "Stage names are matched case-insensitively, and image references are lowercase; a mixed-case name reads as if case mattered.",
                example: "FROM golang:1.22 AS Build",
                fix: "Write the stage name in lowercase: `AS build`.",
            },
            TAGS,
            check_stage_name_casing,
        ),
        rule(
            "dockerfile-from-as-casing",
            "FROM and AS cased differently",
            Severity::Info,
            "`AS` is not written in the same case as `FROM`; BuildKit's FromAsCasing check warns.",
            Doc {
                what: "Finds `FROM x as y` (or `from x AS y`): the `AS` keyword's case does not match the `FROM` keyword's.",
                why: "Consistent keyword casing keeps the file readable; BuildKit flags the mismatch.",
                example: "FROM alpine:3.20 as build",
                fix: "Match the cases: `FROM alpine:3.20 AS build`.",
            },
            TAGS,
            check_from_as_casing,
        ),
        rule(
            "dockerfile-inconsistent-instruction-casing",
            "Instruction keyword casing differs from the rest",
            Severity::Info,
            "An instruction keyword is not in the case most of the file uses; BuildKit's ConsistentInstructionCasing check warns.",
            Doc {
                what: "Counts keywords written all-lowercase and all-uppercase; reports every keyword that does not match the majority (mixed-case keywords always).",
                why: "Mixed keyword casing makes a Dockerfile harder to scan.",
                example: "FROM alpine:3.20\ncopy app /app",
                fix: "Write every keyword in the majority's case, usually uppercase.",
            },
            TAGS,
            check_instruction_casing,
        ),
        rule(
            "dockerfile-reserved-stage-name",
            "Reserved stage name",
            Severity::Low,
            "A stage is named `scratch` or `context`, names BuildKit reserves.",
            Doc {
                what: "Finds `FROM … AS scratch` and `FROM … AS context`.",
                why: "`scratch` is the empty image and `context` the build context; a stage with either name makes `FROM scratch` or `COPY --from=context` mean something else than a reader expects.",
                example: "FROM alpine:3.20 AS scratch",
                fix: "Rename the stage.",
            },
            TAGS,
            check_reserved_stage_name,
        ),
        rule(
            "dockerfile-json-args-recommended",
            "CMD/ENTRYPOINT in shell form",
            Severity::Low,
            "CMD or ENTRYPOINT in shell form runs under `/bin/sh -c`, which does not pass on signals; BuildKit's JSONArgsRecommended check warns.",
            Doc {
                what: "Finds `CMD`, `ENTRYPOINT` and `HEALTHCHECK CMD` written as a plain command line instead of a JSON array (unless the stage set its own `SHELL`). BuildKit's check covers CMD and ENTRYPOINT; hadolint's DL3025 also HEALTHCHECK.",
                why: "In shell form the process is a child of `sh -c`; `docker stop` sends SIGTERM to the shell, which does not forward it, so the container is killed after the timeout instead of shutting down cleanly. A shell-form health check needs `/bin/sh` in the image: in a distroless or scratch image it always fails.",
                example: "CMD node server.js",
                fix: "Use the JSON form: `CMD [\"node\", \"server.js\"]`.",
            },
            TAGS,
            check_json_args,
        ),
        rule(
            "dockerfile-maintainer-deprecated",
            "MAINTAINER is deprecated",
            Severity::Info,
            "MAINTAINER is deprecated in favour of a label; BuildKit's MaintainerDeprecated check warns.",
            Doc {
                what: "Finds the `MAINTAINER` instruction.",
                why: "`MAINTAINER` is deprecated; the OCI label `org.opencontainers.image.authors` carries the same information where tools look for it.",
                example: "MAINTAINER me@example.org",
                fix: "`LABEL org.opencontainers.image.authors=\"me@example.org\"`.",
            },
            TAGS,
            check_maintainer,
        ),
        rule(
            "dockerfile-multiple-healthcheck",
            "More than one HEALTHCHECK in a stage",
            Severity::Low,
            "Only the last HEALTHCHECK of a stage takes effect.",
            Doc {
                what: "Reports every `HEALTHCHECK` of a stage that a later `HEALTHCHECK` of the same stage overrides.",
                why: "Only the last `HEALTHCHECK` counts; the earlier ones are dead code that misleads about how the container is checked.",
                example: "HEALTHCHECK CMD [\"/ping\"]\nHEALTHCHECK CMD [\"/health\"]",
                fix: "Keep one `HEALTHCHECK`.",
            },
            TAGS,
            check_multiple_healthcheck,
        ),
        rule(
            "dockerfile-legacy-key-value",
            "ENV/LABEL in the legacy `key value` form",
            Severity::Info,
            "`ENV key value` is the legacy form; BuildKit's LegacyKeyValueFormat check warns.",
            Doc {
                what: "Finds `ENV` and `LABEL` written as `key value` instead of `key=value`.",
                why: "In the legacy form the whole rest of the line is the value, so `ENV A 1 B 2` sets `A` to `1 B 2`; the `key=value` form says what it means.",
                example: "ENV NODE_ENV production",
                fix: "`ENV NODE_ENV=production`.",
            },
            TAGS,
            check_legacy_key_value,
        ),
        rule(
            "dockerfile-redundant-target-platform",
            "FROM --platform=$TARGETPLATFORM",
            Severity::Info,
            "`--platform=$TARGETPLATFORM` is what FROM does anyway; BuildKit's RedundantTargetPlatform check warns.",
            Doc {
                what: "Finds `FROM --platform=$TARGETPLATFORM` (or `${TARGETPLATFORM}`).",
                why: "Stages are built for the target platform by default; the flag adds nothing and suggests a cross-build setup that is not there.",
                example: "FROM --platform=$TARGETPLATFORM alpine:3.20",
                fix: "Drop the flag.",
            },
            TAGS,
            check_redundant_platform,
        ),
        rule(
            "dockerfile-constant-platform",
            "FROM --platform with a constant value",
            Severity::Low,
            "`FROM --platform=linux/amd64` pins a platform, so the image is wrong or emulated elsewhere; BuildKit's FromPlatformFlagConstDisallowed check warns.",
            Doc {
                what: "Finds `FROM --platform=` whose value has no variable.",
                why: "A constant platform builds that platform whatever `--platform` the build asks for: the result is an image for the wrong architecture or one that runs under emulation.",
                example: "FROM --platform=linux/amd64 node:20",
                fix: "Drop the flag, or use `$BUILDPLATFORM` for a build stage that cross-compiles.",
            },
            TAGS,
            check_constant_platform,
        ),
        rule(
            "dockerfile-expose-proto-casing",
            "EXPOSE protocol not lowercase",
            Severity::Info,
            "An EXPOSE protocol is not lowercase; BuildKit's ExposeProtoCasing check warns.",
            Doc {
                what: "Finds `EXPOSE 80/TCP` and other protocols with uppercase letters.",
                why: "Protocols are `tcp`, `udp`, `sctp`; other casings are normalised by some tools and not by others.",
                example: "EXPOSE 8080/TCP",
                fix: "`EXPOSE 8080/tcp`.",
            },
            TAGS,
            check_expose_casing,
        ),
        rule(
            "dockerfile-expose-invalid-format",
            "EXPOSE with an address or host port",
            Severity::Low,
            "EXPOSE names an IP address or a host:container mapping, which EXPOSE cannot set; BuildKit's ExposeInvalidFormat check warns.",
            Doc {
                what: "Finds `EXPOSE` values with a `:` (`127.0.0.1:80:80`, `5000:5000`).",
                why: "`EXPOSE` only documents container ports; the host side and the address are chosen at `docker run -p`. The value is ignored or misread.",
                example: "EXPOSE 5000:5000",
                fix: "`EXPOSE 5000`, and map it with `docker run -p 5000:5000`.",
            },
            TAGS,
            check_expose_format,
        ),
    ]
}

/// The text of a one-line span as written.
pub(crate) fn raw_at(ctx: &Ctx, span: Span) -> String {
    let line = ctx.line(span.line);
    let from = span.column.saturating_sub(1) as usize;
    let n = if span.end_line == span.line {
        span.end_column.saturating_sub(span.column) as usize
    } else {
        usize::MAX
    };
    line.chars().skip(from).take(n).collect()
}

fn check_stage_name_casing(ctx: &Ctx, meta: &RuleMeta, out: &mut Vec<Finding>) {
    for s in &ctx.stages {
        let Some(a) = s.alias else { continue };
        if a.value.chars().any(|c| c.is_uppercase()) && !a.value.contains('$') {
            out.push(ctx.finding(
                meta,
                format!("stage name `{}` should be lowercase", a.value),
                a.span,
                &a.value,
            ));
        }
    }
}

fn check_from_as_casing(ctx: &Ctx, meta: &RuleMeta, out: &mut Vec<Finding>) {
    for s in &ctx.stages {
        let Some(alias) = s.alias else { continue };
        let from = raw_at(ctx, s.from.keyword_span);
        // the `AS` word is the one before the alias
        let words: Vec<&str> = s.from.args.raw.split_whitespace().collect();
        let Some(kw) = words.len().checked_sub(2).and_then(|i| words.get(i)) else {
            continue;
        };
        let upper = |w: &str| w.chars().all(|c| !c.is_lowercase());
        let lower = |w: &str| w.chars().all(|c| !c.is_uppercase());
        let mismatch = (upper(&from) && !upper(kw)) || (lower(&from) && !lower(kw));
        if mismatch {
            out.push(ctx.finding(
                meta,
                format!("`{kw}` and `{from}` keywords' casing do not match"),
                head_span(ctx, s.from),
                &alias.value,
            ));
        }
    }
}

fn check_instruction_casing(ctx: &Ctx, meta: &RuleMeta, out: &mut Vec<Finding>) {
    let raws: Vec<(&Instruction, String)> = ctx
        .df
        .instructions
        .iter()
        // unknown keywords are parse errors, not casing questions
        .filter(|i| !matches!(i.command, Command::Invalid))
        .map(|i| (i, raw_at(ctx, i.keyword_span)))
        .collect();
    let is_upper = |w: &str| w.chars().all(|c| !c.is_lowercase());
    let is_lower = |w: &str| w.chars().all(|c| !c.is_uppercase());
    let uppers = raws.iter().filter(|(_, r)| is_upper(r)).count();
    let lowers = raws.iter().filter(|(_, r)| is_lower(r)).count();
    let majority_lower = lowers > uppers;
    for (inst, raw) in &raws {
        let ok = if majority_lower {
            is_lower(raw)
        } else {
            is_upper(raw)
        };
        if !ok {
            let case = if majority_lower {
                "lowercase"
            } else {
                "uppercase"
            };
            out.push(ctx.finding(
                meta,
                format!("command `{raw}` should match the case of the command majority ({case})"),
                inst.keyword_span,
                &format!("{raw}\0{}", inst.original),
            ));
        }
    }
}

fn check_reserved_stage_name(ctx: &Ctx, meta: &RuleMeta, out: &mut Vec<Finding>) {
    for s in &ctx.stages {
        let Some(a) = s.alias else { continue };
        let name = a.value.to_ascii_lowercase();
        if name == "scratch" || name == "context" {
            out.push(ctx.finding(
                meta,
                format!("stage name should not use the same name as reserved stage `{name}`"),
                a.span,
                &name,
            ));
        }
    }
}

fn check_json_args(ctx: &Ctx, meta: &RuleMeta, out: &mut Vec<Finding>) {
    for stage in &ctx.stages {
        // a SHELL in this stage or a stage it builds on
        let mut shell_set = false;
        let mut p = stage.parent;
        while let Some(i) = p {
            let Some(s) = ctx.stages.get(i) else { break };
            shell_set |= s
                .body
                .iter()
                .any(|i| matches!(i.command, Command::Shell(_)));
            p = s.parent.filter(|&q| q < i);
        }
        for inst in &stage.body {
            let (kw, form) = match &inst.command {
                Command::Shell(_) => {
                    shell_set = true;
                    continue;
                }
                Command::Cmd(f) => ("CMD", f),
                Command::Entrypoint(f) => ("ENTRYPOINT", f),
                Command::Healthcheck(Some(f)) => ("HEALTHCHECK CMD", f),
                _ => continue,
            };
            if !form.is_exec() && !shell_set {
                let why = if kw == "HEALTHCHECK CMD" {
                    "the shell form needs /bin/sh in the image"
                } else {
                    "to prevent unintended behavior related to OS signals"
                };
                out.push(ctx.finding(
                    meta,
                    format!("JSON arguments recommended for {kw} {why}"),
                    head_span(ctx, inst),
                    &inst.original,
                ));
            }
        }
    }
}

fn check_maintainer(ctx: &Ctx, meta: &RuleMeta, out: &mut Vec<Finding>) {
    for inst in &ctx.df.instructions {
        if let Command::Maintainer(w) = &inst.command {
            out.push(
                ctx.finding(
                    meta,
                    "MAINTAINER is deprecated: use `LABEL org.opencontainers.image.authors=…`"
                        .to_string(),
                    head_span(ctx, inst),
                    &w.value,
                ),
            );
        }
    }
}

fn check_multiple_healthcheck(ctx: &Ctx, meta: &RuleMeta, out: &mut Vec<Finding>) {
    for stage in &ctx.stages {
        let all: Vec<&&Instruction> = stage
            .body
            .iter()
            .filter(|i| matches!(i.command, Command::Healthcheck(_)))
            .collect();
        let Some(last) = all.last() else { continue };
        for inst in all.iter().take(all.len() - 1) {
            out.push(ctx.finding(
                meta,
                format!(
                    "this HEALTHCHECK has no effect: the HEALTHCHECK on line {} overrides it",
                    last.keyword_span.line
                ),
                head_span(ctx, inst),
                &format!("{}\0{}", stage.index, inst.original),
            ));
        }
    }
}

fn check_legacy_key_value(ctx: &Ctx, meta: &RuleMeta, out: &mut Vec<Finding>) {
    for inst in ctx.effective() {
        let kw = match &inst.command {
            Command::Env(kvs) | Command::Label(kvs) if !kvs.is_empty() => &inst.keyword,
            _ => continue,
        };
        let first = inst.args.raw.split_whitespace().next().unwrap_or("");
        if !first.contains('=') {
            out.push(ctx.finding(
                meta,
                format!(
                    "`{kw} key=value` should be used instead of legacy `{kw} key value` format"
                ),
                head_span(ctx, inst),
                &inst.original,
            ));
        }
    }
}

fn platform_flag(inst: &Instruction) -> Option<(&str, Span)> {
    let f = inst.flag("platform")?;
    Some((f.value.as_deref()?, f.span))
}

fn check_redundant_platform(ctx: &Ctx, meta: &RuleMeta, out: &mut Vec<Finding>) {
    for s in &ctx.stages {
        let Some((v, span)) = platform_flag(s.from) else {
            continue;
        };
        if v == "$TARGETPLATFORM" || v == "${TARGETPLATFORM}" {
            out.push(ctx.finding(
                meta,
                format!("setting platform to predefined {v} in FROM is redundant as this is the default behavior"),
                span,
                v,
            ));
        }
    }
}

fn check_constant_platform(ctx: &Ctx, meta: &RuleMeta, out: &mut Vec<Finding>) {
    for s in &ctx.stages {
        let Some((v, span)) = platform_flag(s.from) else {
            continue;
        };
        // BuildKit allows a constant when the stage name says which platform it is for
        let named = s.alias.is_some_and(|a| {
            let a = a.value.to_ascii_lowercase();
            v.split(['/', ','])
                .any(|p| !p.is_empty() && a.contains(&p.to_ascii_lowercase()))
        });
        if !v.contains('$') && !named {
            out.push(ctx.finding(
                meta,
                format!("FROM --platform flag should not use constant value `{v}`"),
                span,
                v,
            ));
        }
    }
}

fn check_expose_casing(ctx: &Ctx, meta: &RuleMeta, out: &mut Vec<Finding>) {
    for inst in ctx.effective() {
        let Command::Expose(ports) = &inst.command else {
            continue;
        };
        for p in ports {
            if let Some((_, proto)) = p.value.split_once('/') {
                if proto.chars().any(|c| c.is_uppercase()) {
                    out.push(ctx.finding(
                        meta,
                        format!(
                            "defined protocol `{}` in EXPOSE instruction should be lowercase",
                            p.value
                        ),
                        p.span,
                        &p.value,
                    ));
                }
            }
        }
    }
}

fn check_expose_format(ctx: &Ctx, meta: &RuleMeta, out: &mut Vec<Finding>) {
    for inst in ctx.effective() {
        let Command::Expose(ports) = &inst.command else {
            continue;
        };
        for p in ports {
            if p.value.contains(':') && !p.value.contains('$') {
                out.push(ctx.finding(
                    meta,
                    format!("EXPOSE instruction should not define an IP address or host-port mapping, found `{}`", p.value),
                    p.span,
                    &p.value,
                ));
            }
        }
    }
}
