//! What COPY and ADD take from the build context: credential files (by
//! name or by content), carried on by `COPY --from` into later stages, and
//! sources `.dockerignore` excludes (BuildKit's CopyIgnoredFile).

use super::{rule, Doc, Rule};
use crate::dockerfile::context::{Content, Context};
use crate::dockerfile::parser::{Command, CopyArgs, Instruction, Word};
use crate::dockerfile::patterns::{clean, context_path, source_matches};
use crate::dockerfile::rules::copy::credential_kind;
use crate::dockerfile::shell::basename;
use crate::dockerfile::Ctx;
use crate::report::{Finding, RuleMeta, Severity};

pub(crate) fn rules() -> Vec<Rule> {
    vec![
        rule(
            "dockerfile-credential-file-copied",
            "Credential file copied into the image",
            Severity::High,
            "COPY or ADD brings a credential file (SSH key, .env, .npmrc, cloud credentials, private key, a file holding a token…) into the image.",
            Doc {
                what: "Finds `COPY`/`ADD` of files named like credentials: `id_rsa*`, `id_ed25519*`, `.env*`, `.npmrc`, `.pypirc`, `.netrc`, `.git-credentials`, `.aws/credentials`, `.docker/config.json`, kubeconfig, `credentials*.json`, `*.tfstate`, `*.pem`, `*.key`, `*.p12`, `*.pfx`. When scanning a repository it expands each source against the files next to the Dockerfile as BuildKit does (directories recursively, wildcards, `COPY . .`, `.dockerignore` with `**`, `!` exceptions and a leading `/`), and reads what would be copied (up to 512 KiB a file, 64 MiB in all): a file counts when its name says credential or when it holds a private key or a secret the secret rules find (a `.pem`/`.key` counts only if it holds a private key). The finding is on the COPY line and names the file. `COPY --from=stage` of a directory that holds such a file reports it again on that line, since the later stage now has it too.",
                why: "Every file copied into a layer stays in the image, even if a later `RUN rm` deletes it, and anyone who can pull the image can read it.",
                example: "COPY id_rsa /root/.ssh/id_rsa\nCOPY . /app   # the context holds .npmrc\nCOPY certs/ /etc/ssl/private/   # certs/server.key",
                fix: "Do not copy credentials: exclude them in `.dockerignore` and pass them at build time with `RUN --mount=type=secret,id=…` (or `--mount=type=ssh`), or at run time.",
            },
            &["security", "secrets"],
            check_credentials,
        ),
        rule(
            "dockerfile-copy-ignored-file",
            "COPY source excluded by .dockerignore",
            Severity::Low,
            "A COPY or ADD source is excluded by .dockerignore, so it is not in the build context; BuildKit's CopyIgnoredFile check warns.",
            Doc {
                what: "Finds `COPY`/`ADD` (not `--from`) whose source path, cleaned as BuildKit cleans it, is matched by the `.dockerignore` next to the Dockerfile (the path or one of its parent directories, exceptions applied). Only checked when the files next to the Dockerfile are available (repository scans).",
                why: "An excluded file is never sent to the builder: the COPY fails with \"not found\", or, with a wildcard, silently copies less than it says.",
                example: "# .dockerignore: config/\nFROM alpine:3.20\nCOPY config/app.ini /etc/app.ini",
                fix: "Remove the source from the COPY, or add an exception (`!config/app.ini`) to `.dockerignore` if the file belongs in the image.",
            },
            &["correctness", "buildkit"],
            check_ignored,
        ),
    ]
}

fn copy_args(inst: &Instruction) -> Option<&CopyArgs> {
    match &inst.command {
        Command::Copy(a) | Command::Add(a) => Some(a),
        _ => None,
    }
}

fn skip_source(s: &str) -> bool {
    let l = s.to_ascii_lowercase();
    s.starts_with("<<")
        || s.contains('$')
        || l.starts_with("http://")
        || l.starts_with("https://")
        || l.starts_with("git@")
}

/// A credential file as it sits in a stage's filesystem.
#[derive(Clone)]
struct Carried {
    /// Absolute path in the stage.
    path: String,
    /// Where it came from in the context, and what it is.
    origin: String,
    kind: String,
}

/// Where a file lands: `matched` is the source path (or wildcard match) the
/// file was found under, `file` the file itself; `dest` is absolute.
fn landing(dest: &str, dest_is_dir: bool, matched: &str, file: &str) -> String {
    let dest = dest.trim_end_matches('/');
    let under = file
        .strip_prefix(matched)
        .filter(|r| r.is_empty() || r.starts_with('/') || matched.is_empty())
        .unwrap_or(file)
        .trim_start_matches('/');
    let path = if under.is_empty() {
        // The source is the file itself.
        if dest_is_dir {
            format!("{dest}/{}", basename(file))
        } else {
            dest.to_string()
        }
    } else {
        format!("{dest}/{under}")
    };
    clean(&format!("/{path}"))
}

/// The destination as an absolute path, and whether it is a directory.
fn destination(args: &CopyArgs, workdir: &str) -> Option<(String, bool)> {
    let d = args.dest.as_ref()?.value.as_str();
    if d.contains('$') {
        return None;
    }
    let many = args.sources.len() > 1
        || args
            .sources
            .iter()
            .any(|s| s.value.contains(['*', '?', '[']));
    let is_dir = d.ends_with('/') || d == "." || many;
    let abs = if d.starts_with('/') {
        d.to_string()
    } else {
        format!("{workdir}/{d}")
    };
    Some((clean(&abs), is_dir))
}

fn kind_of(c: &Context, ctx: &Ctx, rel: &str) -> Option<String> {
    let content = || c.content(rel, ctx.secrets);
    match credential_kind(rel) {
        // Certificates share these names: only a private key counts.
        Some(k) if k.starts_with("a private key") => match content() {
            Some(Content::PrivateKey) => Some(k.to_string()),
            _ => None,
        },
        Some(k) => Some(k.to_string()),
        None => match content()? {
            Content::PrivateKey => Some("a file holding a private key".to_string()),
            Content::Secret { rule, .. } => Some(format!("a file holding a secret ({rule})")),
        },
    }
}

fn check_credentials(ctx: &Ctx, meta: &RuleMeta, out: &mut Vec<Finding>) {
    let mut stages: Vec<Vec<Carried>> = Vec::new();
    for stage in &ctx.stages {
        let mut have = stage
            .parent
            .and_then(|p| stages.get(p).cloned())
            .unwrap_or_default();
        let mut workdir = "/".to_string();
        for inst in stage.body.iter().map(|i| i.effective()) {
            if let Command::Workdir(w) = &inst.command {
                if !w.value.contains('$') {
                    workdir = clean(&format!("{workdir}/{}", w.value));
                }
                continue;
            }
            let Some(args) = copy_args(inst) else {
                continue;
            };
            let dest = destination(args, &workdir);
            match inst.flag("from").and_then(|f| f.value.as_deref()) {
                Some(from) => {
                    let Some(src_stage) = ctx.stage_ref(from, stage.index) else {
                        continue;
                    };
                    let Some(src_files) = stages.get(src_stage) else {
                        continue;
                    };
                    for src in &args.sources {
                        carry(
                            ctx,
                            meta,
                            inst,
                            src,
                            from,
                            src_files,
                            dest.as_ref(),
                            &mut have,
                            out,
                        );
                    }
                }
                None => {
                    for src in &args.sources {
                        from_context(ctx, meta, inst, src, dest.as_ref(), &mut have, out);
                    }
                }
            }
        }
        stages.push(have);
    }
}

fn from_context(
    ctx: &Ctx,
    meta: &RuleMeta,
    inst: &Instruction,
    src: &Word,
    dest: Option<&(String, bool)>,
    have: &mut Vec<Carried>,
    out: &mut Vec<Finding>,
) {
    let s = src.value.as_str();
    if skip_source(s) {
        return;
    }
    // (file in the context, the source match it was found under, kind)
    let mut found: Vec<(String, String, String)> = Vec::new();
    match &ctx.context {
        Some(c) => {
            let matches = c.matches_for(s).unwrap_or_default();
            let rel = context_path(s);
            if matches.is_empty() && !s.contains(['*', '?', '[']) && !c.excluded(&rel) {
                // Not on disk (generated, or another context): the name decides.
                if let Some(kind) = credential_kind(s) {
                    found.push((rel.clone(), rel, kind.to_string()));
                }
            }
            for m in matches {
                for rel in c.files_under(&m) {
                    if let Some(kind) = kind_of(c, ctx, &rel) {
                        found.push((rel, m.clone(), kind));
                    }
                }
            }
        }
        None => {
            if let Some(kind) = credential_kind(s) {
                let rel = context_path(s);
                found.push((rel.clone(), rel, kind.to_string()));
            }
        }
    }
    for (rel, matched, kind) in found {
        let via = if rel == matched {
            String::new()
        } else {
            format!(" (brought in by `{s}`)")
        };
        out.push(ctx.finding(
            meta,
            format!(
                "{} copies `{rel}`, {kind}, into the image{via}",
                inst.keyword
            ),
            src.span,
            &rel,
        ));
        if let Some((d, is_dir)) = dest {
            have.push(Carried {
                path: landing(d, *is_dir || rel != matched, &matched, &rel),
                origin: rel,
                kind,
            });
        }
    }
}

#[allow(clippy::too_many_arguments)]
fn carry(
    ctx: &Ctx,
    meta: &RuleMeta,
    inst: &Instruction,
    src: &Word,
    from: &str,
    src_files: &[Carried],
    dest: Option<&(String, bool)>,
    have: &mut Vec<Carried>,
    out: &mut Vec<Finding>,
) {
    if src.value.contains('$') {
        return;
    }
    let pat = clean(&format!("/{}", src.value));
    let depth = pat.split('/').filter(|c| !c.is_empty()).count();
    for f in src_files {
        // The prefix of the file's path at the source's depth is the match.
        let comps: Vec<&str> = f.path.split('/').filter(|c| !c.is_empty()).collect();
        if comps.len() < depth {
            continue;
        }
        let matched = format!("/{}", comps.get(..depth).unwrap_or(&[]).join("/"));
        if !source_matches(&pat, &matched) {
            continue;
        }
        out.push(ctx.finding(
            meta,
            format!(
                "COPY --from={from} `{}` brings `{}` ({}, copied from the context's `{}`) into this stage",
                src.value, f.path, f.kind, f.origin
            ),
            src.span,
            &format!("carried\0{}\0{}", inst.span.line, f.path),
        ));
        if let Some((d, is_dir)) = dest {
            have.push(Carried {
                path: landing(d, *is_dir || matched != f.path, &matched, &f.path),
                origin: f.origin.clone(),
                kind: f.kind.clone(),
            });
        }
    }
}

fn check_ignored(ctx: &Ctx, meta: &RuleMeta, out: &mut Vec<Finding>) {
    let Some(c) = ctx.context.as_ref() else {
        return;
    };
    let Some(ignore) = c.ignore.as_ref() else {
        return;
    };
    for inst in ctx.effective() {
        let Some(args) = copy_args(inst) else {
            continue;
        };
        if inst.flag("from").is_some() {
            continue;
        }
        let verb = if matches!(inst.command, Command::Add(_)) {
            "ADD"
        } else {
            "COPY"
        };
        for src in &args.sources {
            if skip_source(&src.value) {
                continue;
            }
            let p = clean(src.value.trim_start_matches('/'));
            // The root itself is never excluded; BuildKit's tests warn for
            // `COPY .` when the ignore file leaves nothing of it (`*`), not
            // when a file survives (`.*`, or `**` with `!Dockerfile`).
            let excluded = if p == "." {
                c.files_under("").is_empty()
            } else {
                ignore.excludes(&p)
            };
            if excluded {
                out.push(ctx.finding(
                    meta,
                    format!("{verb} source `{p}` is excluded by .dockerignore, so it is not in the build context"),
                    src.span,
                    &format!("{}\0{p}", inst.span.line),
                ));
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn landing_paths() {
        assert_eq!(landing("/app", true, "", ".npmrc"), "/app/.npmrc");
        assert_eq!(
            landing("/etc/ssl/private", true, "certs", "certs/server.key"),
            "/etc/ssl/private/server.key"
        );
        assert_eq!(
            landing("/k", false, "tls/server.key", "tls/server.key"),
            "/k"
        );
        assert_eq!(
            landing("/k", true, "tls/server.key", "tls/server.key"),
            "/k/server.key"
        );
        assert_eq!(
            landing("/out", true, "/app", "/app/conf/.npmrc"),
            "/out/conf/.npmrc"
        );
    }
}
