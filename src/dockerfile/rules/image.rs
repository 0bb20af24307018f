//! Rules about the image as a whole: its user, its base, its stages.

use super::{head_span, rule, Doc, Rule};
use crate::dockerfile::parser::{Command, Word};
use crate::dockerfile::shell::basename;
use crate::dockerfile::Ctx;
use crate::report::{Finding, RuleMeta, Severity};

pub(crate) fn rules() -> Vec<Rule> {
    vec![
        rule(
            "dockerfile-runs-as-root",
            "Image runs as root",
            Severity::Medium,
            "The last USER of the final stage is root.",
            Doc {
                what: "Checks the stage that becomes the image (the last one, or `--target`) and the stages it is built `FROM`: the last `USER` among them must not be `root`, `0` or `0:…`. `USER` in other build stages does not count. A final stage with no `USER` at all is `dockerfile-missing-user`'s.",
                why: "A process running as root in a container is root on the container's filesystem and one kernel or runtime bug away from root on the host.",
                example: "FROM node:20-alpine\nUSER root\nCOPY . /app\nCMD [\"node\", \"/app/server.js\"]",
                fix: "Create or pick an unprivileged user and switch to it at the end of the final stage: `USER node`, or `RUN adduser -D app` then `USER app`.",
            },
            &["security", "hardening"],
            check_root,
        ),
        rule(
            "dockerfile-missing-user",
            "Image sets no USER",
            Severity::Medium,
            "Neither the final stage nor the stages it is built FROM set a USER.",
            Doc {
                what: "Checks the stage that becomes the image (the last one, or `--target`) and the stages it is built `FROM`: one of them must set a `USER`. The finding points at the final stage's `FROM`. (An explicit root `USER` is `dockerfile-runs-as-root`'s.)",
                why: "Without a `USER`, the image runs as whatever user its base image ends with, which for most base images and for `scratch` is root: one kernel or runtime bug away from root on the host. Unlike an explicit `USER root`, a base image that already switched user (distroless `:nonroot`, `node` images that set `USER node`) makes this safe, which is why it is a rule of its own.",
                example: "FROM node:20-alpine\nCOPY . /app\nCMD [\"node\", \"/app/server.js\"]",
                fix: "Name the user the image runs as at the end of the final stage, even when the base image already switched: `USER node`, or `RUN adduser -D app` then `USER app`.",
            },
            &["security", "hardening"],
            check_missing_user,
        ),
        rule(
            "dockerfile-stage-ends-as-root",
            "A build stage ends as root",
            Severity::Info,
            "The last USER of a stage that is not the image is root.",
            Doc {
                what: "Finds stages other than the image's whose last `USER` is `root`, `0` or `0:…` (the image's own stage and the stages it is built `FROM` are `dockerfile-runs-as-root`'s).",
                why: "`USER root` to install something and no switch back is easy to miss: a stage built `FROM` this one, or `--target` this stage, runs as root.",
                example: "FROM debian:12 AS base\nUSER root\nRUN apt-get update\nFROM alpine:3.20\nUSER app",
                fix: "Switch back to the unprivileged user at the end of the stage: `USER app`.",
            },
            &["hardening"],
            check_stage_root,
        ),
        rule(
            "dockerfile-unpinned-base-image",
            "Base image not pinned",
            Severity::Medium,
            "FROM uses no tag or `:latest`.",
            Doc {
                what: "Finds `FROM` lines whose image has no tag or the `latest` tag, after substituting the defaults of global `ARG`s. References to earlier stages and `scratch` are not base images.",
                why: "`latest` moves: the same Dockerfile builds a different image tomorrow, a breaking or compromised upstream release is pulled in silently, and builds cannot be reproduced.",
                example: "FROM ubuntu\nFROM python:latest",
                fix: "Name a version (`FROM python:3.12-slim`), ideally with its digest (`FROM python:3.12-slim@sha256:…`).",
            },
            &["supply-chain", "reproducibility"],
            check_unpinned,
        ),
        rule(
            "dockerfile-base-image-no-digest",
            "Base image not pinned by digest",
            Severity::Low,
            "FROM names a tag but no `@sha256:` digest.",
            Doc {
                what: "Finds `FROM` lines with a tag but no digest.",
                why: "Tags are mutable: a registry (or whoever controls it) can point `python:3.12` at a different image. Only a digest names exactly one image.",
                example: "FROM python:3.12-slim",
                fix: "Append the digest and let a bot (Renovate, Dependabot) update it: `FROM python:3.12-slim@sha256:…`.",
            },
            &["supply-chain"],
            check_digest,
        ),
        rule(
            "dockerfile-missing-multi-stage",
            "Build toolchain ships in the image",
            Severity::Low,
            "A single-stage build installs or runs a build toolchain.",
            Doc {
                what: "Finds single-stage Dockerfiles that install compilers or `-dev` packages or run a build (`go build`, `cargo build`, `npm run build`, `mvn`, `gradle`, `make`, `gcc`…), unless the same stage removes its build dependencies again (`apk del`, `apt-get purge`).",
                why: "Compilers, headers and package caches in the final image make it larger and give an attacker who gets in a ready toolchain; they also widen what vulnerability scanners report.",
                example: "FROM golang:1.22\nCOPY . /src\nRUN go build -o /app /src\nCMD [\"/app\"]",
                fix: "Build in one stage and copy only the result into a small runtime stage: `FROM golang:1.22 AS build` … `FROM gcr.io/distroless/static` + `COPY --from=build /app /app`.",
            },
            &["hardening", "size"],
            check_multistage,
        ),
    ]
}

/// `root`, `0`, `root:…`, `0:…`.
fn is_root(user: &str) -> bool {
    let u = user.trim().split(':').next().unwrap_or("");
    u == "root" || u == "0"
}

/// The USER the image ends with: the last one of the final stage or, when it
/// has none, of the nearest stage it is built `FROM` that has one.
fn image_user<'a>(ctx: &Ctx<'a>) -> Option<&'a Word> {
    let target = ctx.target_stage()?;
    let mut cur = Some(target.index);
    let mut hops = 0;
    while let Some(i) = cur {
        let stage = ctx.stages.get(i)?;
        if let Some(w) = last_user(stage) {
            return Some(w);
        }
        cur = stage.parent;
        hops += 1;
        if hops > ctx.stages.len() {
            break;
        }
    }
    None
}

fn check_root(ctx: &Ctx, meta: &RuleMeta, out: &mut Vec<Finding>) {
    if let Some(w) = image_user(ctx) {
        if is_root(&w.value) {
            out.push(ctx.finding(
                meta,
                format!(
                    "the image runs as root: the last USER of the final stage is `{}`",
                    w.value
                ),
                w.span,
                "user-root",
            ));
        }
    }
}

fn check_missing_user(ctx: &Ctx, meta: &RuleMeta, out: &mut Vec<Finding>) {
    let Some(target) = ctx.target_stage() else {
        return;
    };
    if image_user(ctx).is_some() {
        return;
    }
    let name = target
        .alias
        .map(|a| format!("stage `{}`", a.value))
        .unwrap_or_else(|| "the final stage".to_string());
    out.push(ctx.finding(
        meta,
        format!(
            "{name} (FROM {}) sets no USER, so the image runs as root unless its base image switched user",
            target.image.value
        ),
        head_span(ctx, target.from),
        "no-user",
    ));
}

/// The last USER of a stage, if any.
fn last_user<'a>(stage: &crate::dockerfile::Stage<'a>) -> Option<&'a Word> {
    // a bare `USER` (a parse error) sets nobody
    stage
        .body
        .iter()
        .rev()
        .find_map(|inst| match &inst.command {
            Command::User(w) if !w.value.trim().is_empty() => Some(w),
            _ => None,
        })
}

fn check_stage_root(ctx: &Ctx, meta: &RuleMeta, out: &mut Vec<Finding>) {
    // The image's stage, and its ancestors up to the first with a USER, are
    // judged by dockerfile-runs-as-root.
    let mut covered = Vec::new();
    let mut cur = ctx.target;
    while let Some(i) = cur {
        if covered.contains(&i) {
            break;
        }
        covered.push(i);
        let Some(s) = ctx.stages.get(i) else { break };
        if last_user(s).is_some() {
            break;
        }
        cur = s.parent;
    }
    for stage in &ctx.stages {
        if covered.contains(&stage.index) {
            continue;
        }
        let Some(w) = last_user(stage) else { continue };
        if is_root(&w.value) {
            let name = stage
                .alias
                .map(|a| format!("stage `{}`", a.value))
                .unwrap_or_else(|| format!("stage {}", stage.index));
            out.push(ctx.finding(
                meta,
                format!(
                    "{name} ends with USER `{}`: stages built FROM it run as root",
                    w.value
                ),
                w.span,
                &format!("{}\0{}", stage.index, w.value),
            ));
        }
    }
}

/// (repository, tag, digest) of an image reference.
pub(crate) fn split_image(image: &str) -> (&str, Option<&str>, Option<&str>) {
    let (rest, digest) = match image.split_once('@') {
        Some((r, d)) => (r, Some(d)),
        None => (image, None),
    };
    let slash = rest.rfind('/').map_or(0, |i| i + 1);
    match rest.get(slash..).and_then(|t| t.find(':')) {
        Some(c) => (
            rest.get(..slash + c).unwrap_or(rest),
            rest.get(slash + c + 1..),
            digest,
        ),
        None => (rest, None, digest),
    }
}

/// Base images (not stage references, not scratch, resolvable).
fn base_images<'c, 'a>(
    ctx: &'c Ctx<'a>,
) -> impl Iterator<Item = (&'c crate::dockerfile::Stage<'a>, &'c str)> + 'c {
    ctx.stages.iter().filter_map(|s| {
        let img = s.resolved.trim();
        if s.parent.is_some() || img.is_empty() || img.contains('$') {
            return None;
        }
        if img.eq_ignore_ascii_case("scratch") {
            return None;
        }
        // A reference to an earlier stage by a name it got later, or by index.
        if ctx.stage_ref(img, s.index).is_some() {
            return None;
        }
        Some((s, img))
    })
}

fn check_unpinned(ctx: &Ctx, meta: &RuleMeta, out: &mut Vec<Finding>) {
    for (stage, img) in base_images(ctx) {
        let (repo, tag, digest) = split_image(img);
        if digest.is_some() {
            continue;
        }
        let msg = match tag {
            None => format!("base image `{repo}` has no tag, so it means `{repo}:latest`"),
            Some("latest") => format!("base image `{img}` uses the moving `latest` tag"),
            Some("") if stage.image.raw.contains('$') => continue,
            Some(_) => continue,
        };
        out.push(ctx.finding(meta, msg, stage.image.span, img));
    }
}

fn check_digest(ctx: &Ctx, meta: &RuleMeta, out: &mut Vec<Finding>) {
    for (stage, img) in base_images(ctx) {
        let (_, tag, digest) = split_image(img);
        match (tag, digest) {
            (Some(t), None) if !t.is_empty() && t != "latest" => out.push(ctx.finding(
                meta,
                format!("base image `{img}` is pinned by tag but not by digest"),
                stage.image.span,
                img,
            )),
            _ => {}
        }
    }
}

/// Words that mean "this RUN builds software".
fn toolchain_use(argv: &[String]) -> Option<String> {
    let prog = basename(argv.first()?);
    let sub = argv.get(1).map(String::as_str).unwrap_or("");
    let sub2 = argv.get(2).map(String::as_str).unwrap_or("");
    let hit = match prog {
        "gcc" | "g++" | "cc" | "c++" | "clang" | "clang++" | "rustc" | "javac" | "make"
        | "cmake" | "ninja" | "mvn" | "mvnw" | "gradle" | "gradlew" | "tsc" => true,
        "go" => matches!(sub, "build" | "install"),
        "cargo" => matches!(sub, "build" | "install"),
        "dotnet" => matches!(sub, "build" | "publish"),
        "npm" | "pnpm" => sub == "run" && sub2.starts_with("build") || sub == "build",
        "yarn" => sub == "build" || (sub == "run" && sub2.starts_with("build")),
        _ => false,
    };
    if hit {
        return Some(
            argv.iter()
                .take(
                    if matches!(prog, "go" | "cargo" | "dotnet" | "yarn" | "npm" | "pnpm") {
                        3
                    } else {
                        1
                    },
                )
                .map(|w| basename(w))
                .collect::<Vec<_>>()
                .join(" "),
        );
    }
    // Package installs of compilers or headers.
    let installs = match prog {
        "apt-get" | "apt" | "yum" | "dnf" | "microdnf" | "zypper" => {
            argv.iter().any(|w| w == "install")
        }
        "apk" => argv.iter().any(|w| w == "add"),
        _ => false,
    };
    if installs {
        let pkg = argv.iter().skip(1).find(|w| {
            let w = w.split('=').next().unwrap_or(w);
            matches!(
                w,
                "build-essential"
                    | "gcc"
                    | "g++"
                    | "clang"
                    | "build-base"
                    | "alpine-sdk"
                    | "musl-dev"
                    | "golang"
                    | "cargo"
                    | "rustc"
            ) || (!w.starts_with('-') && (w.ends_with("-dev") || w.ends_with("-devel")))
        });
        let verb = if prog == "apk" { "add" } else { "install" };
        return pkg.map(|p| format!("{prog} {verb} {p}"));
    }
    None
}

fn removes_build_deps(argv: &[String]) -> bool {
    let prog = argv.first().map(|w| basename(w)).unwrap_or("");
    let sub = argv.get(1).map(String::as_str).unwrap_or("");
    match prog {
        "apk" => sub == "del",
        "apt-get" | "apt" => argv
            .iter()
            .any(|w| matches!(w.as_str(), "purge" | "remove" | "autoremove")),
        "yum" | "dnf" | "microdnf" | "zypper" => argv
            .iter()
            .any(|w| matches!(w.as_str(), "remove" | "autoremove" | "erase" | "rm")),
        _ => false,
    }
}

fn check_multistage(ctx: &Ctx, meta: &RuleMeta, out: &mut Vec<Finding>) {
    if ctx.stages.len() != 1 {
        return;
    }
    let Some(stage) = ctx.stages.first() else {
        return;
    };
    let mut first: Option<(&crate::dockerfile::parser::Instruction, String)> = None;
    for inst in &stage.body {
        for (text, _) in super::run_texts(inst) {
            for c in ctx.commands(&text).iter() {
                let argv = c.effective_argv();
                if removes_build_deps(argv) {
                    return;
                }
                if first.is_none() {
                    if let Some(what) = toolchain_use(argv) {
                        first = Some((inst, what));
                    }
                }
            }
        }
    }
    if let Some((inst, what)) = first {
        out.push(ctx.finding(
            meta,
            format!(
                "single-stage build runs `{what}`: the build toolchain ships in the final image"
            ),
            head_span(ctx, inst),
            &what,
        ));
    }
}

#[cfg(test)]
mod tests {
    use super::split_image;

    #[test]
    fn image_refs() {
        assert_eq!(split_image("python"), ("python", None, None));
        assert_eq!(split_image("python:3.12"), ("python", Some("3.12"), None));
        assert_eq!(
            split_image("localhost:5000/a/b:1@sha256:ab"),
            ("localhost:5000/a/b", Some("1"), Some("sha256:ab"))
        );
        assert_eq!(
            split_image("localhost:5000/a"),
            ("localhost:5000/a", None, None)
        );
    }
}
