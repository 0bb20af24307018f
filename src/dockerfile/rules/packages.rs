//! Package-manager and download hygiene in RUN: apt-get prompts and
//! recommended packages, apk caches, curl and wget side by side, `cd`
//! instead of WORKDIR. Low-stakes rules (info severity) that hadolint and
//! trivy users expect; each names its peer checks in the equivalents table.

use super::{rule, run_texts, Doc, Rule};
use crate::dockerfile::parser::Instruction;
use crate::dockerfile::shell::{basename, SimpleCommand};
use crate::dockerfile::Ctx;
use crate::report::{Finding, RuleMeta, Severity};

pub(crate) fn rules() -> Vec<Rule> {
    vec![
        rule(
            "dockerfile-apt-get-missing-yes",
            "apt-get without -y",
            Severity::Low,
            "`apt-get install` without `-y` asks for confirmation, which a build cannot give.",
            Doc {
                what: "Finds `apt-get install` (and `upgrade`, `dist-upgrade`, `full-upgrade`, `remove`, `purge`, `autoremove`) without `-y`/`--yes`/`--assume-yes` (also inside a short-option group such as `-qy`), `-qq` (which implies `-y`) or `-o APT::Get::Assume-Yes=true`, unless its input comes from a pipe (`yes | apt-get …`).",
                why: "When apt-get has more to do than it was told (dependencies, removals) it asks `Do you want to continue? [Y/n]`; a build has no terminal, so apt-get reads end of input and aborts, and the build fails depending on what the mirror holds that day.",
                example: "RUN apt-get update && apt-get install curl",
                fix: "`apt-get install -y curl`.",
            },
            &["correctness"],
            check_apt_yes,
        ),
        rule(
            "dockerfile-apt-install-recommends",
            "apt-get install without --no-install-recommends",
            Severity::Info,
            "`apt-get install` also installs every recommended package unless told not to.",
            Doc {
                what: "Finds `apt-get install` without `--no-install-recommends` or `-o APT::Install-Recommends=false`, unless an earlier RUN of the file sets `APT::Install-Recommends` to false in an apt configuration file.",
                why: "Recommended packages are not needed to run what was asked for; they make the image larger and add software that vulnerability scanners report and attackers can use.",
                example: "RUN apt-get update && apt-get install -y curl",
                fix: "`apt-get install -y --no-install-recommends curl`.",
            },
            &["size", "hardening"],
            check_apt_recommends,
        ),
        rule(
            "dockerfile-apk-add-cache",
            "apk add without --no-cache",
            Severity::Info,
            "`apk add` without `--no-cache` leaves the package index in the layer.",
            Doc {
                what: "Finds `apk add` without `--no-cache`, unless the RUN mounts a cache or tmpfs at `/var/cache/apk` or removes `/var/cache/apk` itself.",
                why: "The downloaded index stays in `/var/cache/apk` of the layer: a larger image, and a stale index for anyone who builds on it.",
                example: "RUN apk add curl",
                fix: "`apk add --no-cache curl`, or `RUN --mount=type=cache,target=/var/cache/apk apk add curl`.",
            },
            &["size"],
            check_apk_cache,
        ),
        rule(
            "dockerfile-wget-and-curl",
            "Both wget and curl in one stage",
            Severity::Info,
            "A stage uses both `wget` and `curl`, which do the same job.",
            Doc {
                what: "Finds stages whose RUN commands run both `wget` and `curl`; the finding is on the first RUN using the second of the two.",
                why: "Two download tools in an image are one more package to keep patched and a larger image; one of them is enough.",
                example: "RUN wget -q https://example.com/a.tgz\nRUN curl -fsSLO https://example.com/b.tgz",
                fix: "Use one tool throughout the stage (and remove it after use if the runtime does not need it).",
            },
            &["size"],
            check_wget_and_curl,
        ),
        rule(
            "dockerfile-run-cd",
            "RUN cd instead of WORKDIR",
            Severity::Info,
            "A RUN changes directory with `cd`; WORKDIR says where commands run.",
            Doc {
                what: "Finds RUN commands (and heredoc scripts) that run `cd`.",
                why: "A `cd` lasts only until the end of its RUN, so the next instruction is back in the WORKDIR; readers (and later edits) easily assume otherwise, and relative paths then point elsewhere.",
                example: "RUN cd /usr/src/app && make",
                fix: "`WORKDIR /usr/src/app` before the RUN (or `make -C /usr/src/app`).",
            },
            &["correctness"],
            check_run_cd,
        ),
    ]
}

/// Each simple command of each script of every RUN (ONBUILD included) that
/// mentions `word`, with the instruction it belongs to. The substring test
/// first keeps the shell split off the many RUNs that cannot match.
fn run_commands<'a>(ctx: &Ctx<'a>, word: &str) -> Vec<(&'a Instruction, SimpleCommand)> {
    let mut out = Vec::new();
    for inst in ctx.effective() {
        for (text, _) in run_texts(inst) {
            if !text.contains(word) {
                continue;
            }
            for c in ctx.commands(&text).iter() {
                out.push((inst, c.clone()));
            }
        }
    }
    out
}

/// apt-get options that take the next word as their value.
const APT_VALUE_OPTS: &[&str] = &[
    "-o",
    "-c",
    "-t",
    "--option",
    "--config-file",
    "--target-release",
    "--default-release",
];

/// `apt-get SUB …` → (SUB, its options with `-o` values as `-oVALUE`).
fn apt_get(c: &SimpleCommand) -> Option<(String, Vec<String>)> {
    let argv = c.effective_argv();
    if argv.first().map(|w| basename(w)) != Some("apt-get") {
        return None;
    }
    let mut sub = None;
    let mut opts = Vec::new();
    let mut words = argv.iter().skip(1);
    while let Some(w) = words.next() {
        if w.starts_with('-') {
            if APT_VALUE_OPTS.contains(&w.as_str()) {
                let v = words.next().map(String::as_str).unwrap_or("");
                opts.push(format!("-o{v}"));
            } else {
                opts.push(w.clone());
            }
        } else if sub.is_none() {
            sub = Some(w.clone());
        }
    }
    Some((sub?, opts))
}

/// The value of an `-o Name=value` option, if `opt` is one for `name`.
fn apt_option<'a>(opt: &'a str, name: &str) -> Option<&'a str> {
    let rest = opt
        .strip_prefix("--option=")
        .or_else(|| opt.strip_prefix("-o"))?;
    let (k, v) = rest.split_once('=')?;
    k.eq_ignore_ascii_case(name).then_some(v)
}

fn truthy(v: &str) -> bool {
    matches!(
        v.trim_matches(['"', '\'']).to_ascii_lowercase().as_str(),
        "1" | "true" | "yes" | "on"
    )
}

fn assumes_yes(opts: &[String]) -> bool {
    let mut quiet = 0;
    for o in opts {
        if let Some(v) = apt_option(o, "APT::Get::Assume-Yes") {
            if truthy(v) {
                return true;
            }
            continue;
        }
        match o.as_str() {
            "--yes" | "--assume-yes" => return true,
            "--quiet" => quiet += 1,
            _ => {}
        }
        if let Some(n) = o.strip_prefix("--quiet=").or_else(|| o.strip_prefix("-q=")) {
            quiet += n.parse::<u32>().unwrap_or(1);
        } else if o.starts_with('-') && !o.starts_with("--") && !o.starts_with("-o") {
            // a group of short options: `-qy`, `-fmy`, `-qq`
            for ch in o.chars().skip(1) {
                match ch {
                    'y' => return true,
                    'q' => quiet += 1,
                    _ => {}
                }
            }
        }
    }
    // `-qq` implies `-y` (apt-get(8))
    quiet >= 2
}

fn check_apt_yes(ctx: &Ctx, meta: &RuleMeta, out: &mut Vec<Finding>) {
    const PROMPTS: &[&str] = &[
        "install",
        "upgrade",
        "dist-upgrade",
        "full-upgrade",
        "remove",
        "purge",
        "autoremove",
    ];
    for (inst, c) in run_commands(ctx, "apt-get") {
        let Some((sub, opts)) = apt_get(&c) else {
            continue;
        };
        if PROMPTS.contains(&sub.as_str()) && !assumes_yes(&opts) && !c.piped_in {
            out.push(ctx.finding(
                meta,
                format!("`apt-get {sub}` without `-y`: a confirmation prompt aborts the build"),
                ctx.locate(inst.span, "apt-get"),
                &format!("{sub}\0{}", inst.original),
            ));
        }
    }
}

/// Whether a RUN text writes `APT::Install-Recommends "false"` (or 0) into
/// an apt configuration.
fn configures_no_recommends(text: &str) -> bool {
    let lower = text.to_ascii_lowercase();
    lower
        .match_indices("apt::install-recommends")
        .any(|(i, m)| {
            let after = lower.get(i + m.len()..).unwrap_or("");
            let v = after.trim_start_matches([' ', '=', '"', '\'', '\\']);
            v.starts_with("false") || v.starts_with('0')
        })
}

fn check_apt_recommends(ctx: &Ctx, meta: &RuleMeta, out: &mut Vec<Finding>) {
    let mut configured = false;
    for inst in ctx.effective() {
        let texts = run_texts(inst);
        let mut hit = false;
        for (text, _) in texts.iter().filter(|(t, _)| t.contains("apt-get")) {
            for c in ctx.commands(text).iter() {
                let Some((sub, opts)) = apt_get(c) else {
                    continue;
                };
                let off = opts.iter().any(|o| {
                    o == "--no-install-recommends"
                        || apt_option(o, "APT::Install-Recommends").is_some_and(|v| !truthy(v))
                });
                hit |= sub == "install" && !off;
            }
        }
        if hit && !configured {
            out.push(ctx.finding(
                meta,
                "`apt-get install` without `--no-install-recommends` also installs recommended packages".to_string(),
                ctx.locate(inst.span, "apt-get"),
                &inst.original,
            ));
        }
        // a setting written by this RUN counts from the next instruction on
        configured |= texts.iter().any(|(t, _)| configures_no_recommends(t));
    }
}

/// apk options that take the next word as their value.
const APK_VALUE_OPTS: &[&str] = &[
    "-X",
    "--repository",
    "-p",
    "--root",
    "--arch",
    "--keys-dir",
    "--cache-dir",
    "--repositories-file",
    "-t",
    "--virtual",
];

/// Whether the RUN keeps the apk cache out of the layer by a mount.
fn apk_cache_mounted(inst: &Instruction) -> bool {
    inst.flag_values("mount").any(|m| {
        let parts: Vec<&str> = m.split(',').map(str::trim).collect();
        let kind = parts
            .iter()
            .any(|p| matches!(*p, "type=cache" | "type=tmpfs"));
        let target = parts.iter().any(|p| {
            p.split_once('=').is_some_and(|(k, v)| {
                matches!(k, "target" | "dst" | "destination")
                    && v.trim_end_matches('/') == "/var/cache/apk"
            })
        });
        kind && target
    })
}

fn check_apk_cache(ctx: &Ctx, meta: &RuleMeta, out: &mut Vec<Finding>) {
    for inst in ctx.effective() {
        if apk_cache_mounted(inst) {
            continue;
        }
        for (text, _) in run_texts(inst) {
            if !text.contains("apk") {
                continue;
            }
            let cmds = ctx.commands(&text);
            // `rm -rf /var/cache/apk/*` in the same RUN also keeps it out
            let removed = cmds.iter().any(|c| {
                c.program() == Some("rm")
                    && c.argv().iter().any(|w| w.starts_with("/var/cache/apk"))
            });
            if removed {
                continue;
            }
            for c in cmds.iter() {
                let argv = c.effective_argv();
                if argv.first().map(|w| basename(w)) != Some("apk") {
                    continue;
                }
                let mut sub = None;
                let mut words = argv.iter().skip(1);
                while let Some(w) = words.next() {
                    if APK_VALUE_OPTS.contains(&w.as_str()) {
                        words.next();
                    } else if !w.starts_with('-') {
                        sub = Some(w.as_str());
                        break;
                    }
                }
                if sub == Some("add") && !argv.iter().any(|w| w == "--no-cache") {
                    out.push(
                        ctx.finding(
                            meta,
                            "`apk add` without `--no-cache` leaves the package index in the layer"
                                .to_string(),
                            ctx.locate(inst.span, "apk"),
                            &inst.original,
                        ),
                    );
                }
            }
        }
    }
}

fn check_wget_and_curl(ctx: &Ctx, meta: &RuleMeta, out: &mut Vec<Finding>) {
    for stage in &ctx.stages {
        let mut first: [Option<&Instruction>; 2] = [None, None];
        for inst in &stage.body {
            for (text, _) in run_texts(inst) {
                if !(text.contains("curl") || text.contains("wget")) {
                    continue;
                }
                for c in ctx.commands(&text).iter() {
                    let slot = match c.program() {
                        Some("curl") => 0,
                        Some("wget") => 1,
                        _ => continue,
                    };
                    if let Some(s) = first.get_mut(slot) {
                        s.get_or_insert(*inst);
                    }
                }
            }
        }
        let [Some(curl), Some(wget)] = first else {
            continue;
        };
        let (later, tool, other, other_at) = if curl.span.line > wget.span.line {
            (curl, "curl", "wget", wget)
        } else {
            (wget, "wget", "curl", curl)
        };
        out.push(ctx.finding(
            meta,
            format!(
                "this stage uses both {tool} and {other} (line {}): one download tool is enough",
                other_at.keyword_span.line
            ),
            ctx.locate(later.span, tool),
            &format!("{}\0{}", stage.index, later.original),
        ));
    }
}

fn check_run_cd(ctx: &Ctx, meta: &RuleMeta, out: &mut Vec<Finding>) {
    for inst in ctx.effective() {
        let cd = run_texts(inst).into_iter().find_map(|(text, span)| {
            if !text.contains("cd") {
                return None;
            }
            ctx.commands(&text)
                .iter()
                .any(|c| c.program() == Some("cd"))
                .then_some(span)
        });
        if let Some(span) = cd {
            out.push(ctx.finding(
                meta,
                "RUN changes directory with `cd`: use WORKDIR".to_string(),
                ctx.locate(span, "cd "),
                &inst.original,
            ));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::dockerfile::shell::commands;

    fn opts(s: &str) -> Vec<String> {
        let c = commands(s);
        c.first().and_then(apt_get).map(|x| x.1).unwrap_or_default()
    }

    #[test]
    fn apt_get_yes_spellings() {
        for yes in [
            "apt-get install -y x",
            "apt-get -fmy install x",
            "apt-get install -qq x",
            "apt-get install -q -q x",
            "apt-get install -q=2 x",
            "apt-get install --quiet --quiet x",
            "apt-get install x --assume-yes",
            "apt-get -o APT::Get::Assume-Yes=true install x",
        ] {
            assert!(assumes_yes(&opts(yes)), "{yes}");
        }
        for no in [
            "apt-get install x",
            "apt-get install -q x",
            "apt-get -o APT::Get::Assume-Yes=false install x",
            "apt-get --quiet install x",
        ] {
            assert!(!assumes_yes(&opts(no)), "{no}");
        }
    }

    #[test]
    fn recommends_configuration() {
        assert!(configures_no_recommends(
            "echo 'APT::Install-Recommends \"false\";' > /etc/apt/apt.conf.d/01norec"
        ));
        assert!(configures_no_recommends(
            "echo APT::Install-Recommends 0 >> /etc/apt/apt.conf"
        ));
        assert!(!configures_no_recommends(
            "echo 'APT::Install-Recommends \"true\";' > x"
        ));
    }
}
