//! COPY and ADD: what goes into the image from the build context or the web
//! (credential files and `.dockerignore` are `context_files`).

use super::{head_span, rule, Doc, Rule};
use crate::dockerfile::parser::{Command, CopyArgs, Instruction};
use crate::dockerfile::shell::basename;
use crate::dockerfile::Ctx;
use crate::report::{Finding, RuleMeta, Severity};

pub(crate) fn rules() -> Vec<Rule> {
    vec![
        rule(
            "dockerfile-broad-copy",
            "Whole build context copied without a protective .dockerignore",
            Severity::Medium,
            "`COPY . .` with no .dockerignore, or one that does not exclude .git and .env*.",
            Doc {
                what: "Finds `COPY .`/`ADD .` (and `*`) from the build context when there is no `.dockerignore` next to the Dockerfile, or when it does not exclude `.git` and `.env*`. Only checked when the files next to the Dockerfile are available (repository scans).",
                why: "The whole directory lands in the image: the `.git` history (with every secret ever committed), local `.env` files, keys and build junk.",
                example: "FROM node:20\nWORKDIR /app\nCOPY . .",
                fix: "Add a `.dockerignore` with at least `.git` and `.env*` (and `**/*.pem`, `node_modules`, …), or copy only what the image needs.",
            },
            &["security", "secrets"],
            check_broad,
        ),
        rule(
            "dockerfile-add-remote-url",
            "ADD from a URL without a checksum",
            Severity::Medium,
            "ADD downloads from http(s) without `--checksum`.",
            Doc {
                what: "Finds `ADD http(s)://…` without `--checksum=sha256:…`.",
                why: "Whatever the server (or anyone on the path, for http) returns goes into the image unverified; the download changes silently between builds.",
                example: "ADD https://example.com/tool.tar.gz /opt/",
                fix: "Add `--checksum=sha256:<hash>` (BuildKit verifies it), or download in a RUN and verify the checksum or signature there.",
            },
            &["supply-chain"],
            check_add_url,
        ),
        rule(
            "dockerfile-add-instead-of-copy",
            "ADD used for local files",
            Severity::Low,
            "ADD copies local files that are not archives; COPY is explicit.",
            Doc {
                what: "Finds `ADD` whose sources are local files or directories that are not tar archives (ADD's only extra for local files is unpacking archives).",
                why: "`ADD` also fetches URLs and unpacks archives, so a later change of the source can change what it does; `COPY` only copies.",
                example: "ADD app.py /app/",
                fix: "Use `COPY app.py /app/`.",
            },
            &["best-practice"],
            check_add_local,
        ),
        rule(
            "dockerfile-copy-from-unknown-stage",
            "COPY --from names no earlier stage",
            Severity::Medium,
            "`COPY --from=NAME` where NAME is not a stage defined before, or is the current stage.",
            Doc {
                what: "Finds `COPY --from=X` where `X` is not the name or index of an earlier stage, including a reference to the current stage or a later one. Image references (with `:`, `/` or `@`) are allowed.",
                why: "BuildKit treats an unknown name as an image to pull from a registry: a typo in a stage name copies files from whatever image of that name exists.",
                example: "FROM golang AS build\nFROM alpine\nCOPY --from=biuld /app /app",
                fix: "Name an earlier stage (`--from=build`), or a full image reference with a tag or digest.",
            },
            &["correctness", "supply-chain"],
            check_copy_from,
        ),
    ]
}

fn copy_args(inst: &Instruction) -> Option<(&CopyArgs, bool)> {
    match &inst.command {
        Command::Copy(a) => Some((a, false)),
        Command::Add(a) => Some((a, true)),
        _ => None,
    }
}

fn is_url(s: &str) -> bool {
    let l = s.to_ascii_lowercase();
    l.starts_with("http://") || l.starts_with("https://") || l.starts_with("git@")
}

/// What kind of credential a path names, if any.
pub(crate) fn credential_kind(rel: &str) -> Option<&'static str> {
    let lower = rel.to_ascii_lowercase();
    let lower = lower.trim_end_matches('/');
    let base = basename(lower);
    if base.ends_with(".pub") {
        return None;
    }
    for k in ["id_rsa", "id_dsa", "id_ecdsa", "id_ed25519"] {
        if base.starts_with(k) {
            return Some("an SSH private key");
        }
    }
    if base == ".env" {
        return Some("an environment file");
    }
    if let Some(suffix) = base.strip_prefix(".env.") {
        let harmless = [
            "example", "sample", "template", "dist", "defaults", "default", "tmpl", "schema",
        ];
        if harmless.iter().any(|h| suffix.contains(h)) {
            return None;
        }
        return Some("an environment file");
    }
    match base {
        ".npmrc" | ".pypirc" | ".netrc" | "_netrc" | ".git-credentials" | ".pgpass"
        | ".htpasswd" => return Some("a credentials file"),
        "kubeconfig" => return Some("a kubeconfig"),
        _ => {}
    }
    if lower.ends_with(".aws/credentials") {
        return Some("AWS credentials");
    }
    if lower.ends_with(".docker/config.json") {
        return Some("Docker registry credentials");
    }
    if lower.ends_with(".kube/config") || base.starts_with("kubeconfig") {
        return Some("a kubeconfig");
    }
    if base.starts_with("credentials") && base.ends_with(".json") {
        return Some("a credentials file");
    }
    if base.ends_with(".tfstate") || base.ends_with(".tfstate.backup") {
        return Some("Terraform state (holds secrets in clear)");
    }
    for ext in [".pem", ".key", ".p12", ".pfx"] {
        if base.ends_with(ext) && base.len() > ext.len() {
            return Some("a private key or certificate bundle");
        }
    }
    None
}

fn is_whole_context(s: &str) -> bool {
    matches!(s, "." | "./" | "*" | "./*" | "./." | "/")
}

fn check_broad(ctx: &Ctx, meta: &RuleMeta, out: &mut Vec<Finding>) {
    let Some(c) = &ctx.context else {
        return;
    };
    for inst in ctx.effective() {
        let Some((args, _)) = copy_args(inst) else {
            continue;
        };
        if inst.flag("from").is_some() {
            continue;
        }
        let Some(src) = args.sources.iter().find(|s| is_whole_context(&s.value)) else {
            continue;
        };
        let msg = match &c.ignore {
            None => format!(
                "{} {} copies the whole build context and there is no .dockerignore",
                inst.keyword, src.value
            ),
            Some(i) => {
                let mut missing = Vec::new();
                if !i.excludes(".git") {
                    missing.push(".git");
                }
                if !i.excludes(".env") || !i.excludes(".env.local") {
                    missing.push(".env*");
                }
                if missing.is_empty() {
                    continue;
                }
                format!(
                    "{} {} copies the whole build context and .dockerignore does not exclude {}",
                    inst.keyword,
                    src.value,
                    missing.join(" or ")
                )
            }
        };
        out.push(ctx.finding(meta, msg, src.span, &inst.original));
    }
}

fn check_add_url(ctx: &Ctx, meta: &RuleMeta, out: &mut Vec<Finding>) {
    for inst in ctx.effective() {
        let Command::Add(args) = &inst.command else {
            continue;
        };
        if inst.flag("checksum").is_some() {
            continue;
        }
        for src in &args.sources {
            let l = src.value.to_ascii_lowercase();
            if l.starts_with("http://") || l.starts_with("https://") {
                let scheme = if l.starts_with("http://") {
                    " over plain http"
                } else {
                    ""
                };
                out.push(ctx.finding(
                    meta,
                    format!("ADD downloads a URL{scheme} without --checksum"),
                    src.span,
                    &src.value,
                ));
            }
        }
    }
}

fn is_archive(s: &str) -> bool {
    let l = s.to_ascii_lowercase();
    [
        ".tar", ".tar.gz", ".tgz", ".tar.bz2", ".tbz2", ".tbz", ".tar.xz", ".txz", ".tar.zst",
        ".tzst", ".gz", ".bz2", ".xz",
    ]
    .iter()
    .any(|e| l.ends_with(e))
}

fn check_add_local(ctx: &Ctx, meta: &RuleMeta, out: &mut Vec<Finding>) {
    for inst in ctx.effective() {
        let Command::Add(args) = &inst.command else {
            continue;
        };
        if args.sources.is_empty() || inst.flag("checksum").is_some() {
            continue;
        }
        let local = args.sources.iter().all(|s| {
            let v = &s.value;
            !is_url(v)
                && !v.contains('$')
                && !is_archive(v)
                && !v.starts_with("<<")
                && !v.contains("://")
        });
        if local {
            out.push(ctx.finding(
                meta,
                "ADD copies local files; use COPY".to_string(),
                head_span(ctx, inst),
                &inst.original,
            ));
        }
    }
}

fn check_copy_from(ctx: &Ctx, meta: &RuleMeta, out: &mut Vec<Finding>) {
    for stage in &ctx.stages {
        for inst in &stage.body {
            if !matches!(inst.command, Command::Copy(_)) {
                continue;
            }
            let Some(flag) = inst.flag("from") else {
                continue;
            };
            let Some(name) = flag.value.as_deref() else {
                continue;
            };
            if name.contains('$') || name.is_empty() {
                continue;
            }
            if ctx.stage_ref(name, stage.index).is_some() {
                continue;
            }
            let own = stage
                .alias
                .is_some_and(|a| a.value.eq_ignore_ascii_case(name))
                || name.parse::<usize>() == Ok(stage.index);
            let later = ctx
                .stages
                .iter()
                .skip(stage.index + 1)
                .any(|s| s.alias.is_some_and(|a| a.value.eq_ignore_ascii_case(name)));
            let msg = if own {
                format!("COPY --from={name} refers to the stage it is in")
            } else if later {
                format!("COPY --from={name} refers to a stage defined later")
            } else if name.contains([':', '/', '@']) {
                continue;
            } else {
                format!(
                    "COPY --from={name}: no earlier stage has this name, so BuildKit pulls an image called `{name}`"
                )
            };
            out.push(ctx.finding(meta, msg, flag.span, name));
        }
    }
}
