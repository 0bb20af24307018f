//! What RUN commands do: pipe downloads into a shell, turn off TLS or
//! signature checks, use sudo, or hide pipeline failures.

use super::{head_span, rule, run_texts, Doc, Rule};
use crate::dockerfile::parser::{Command, Form};
use crate::dockerfile::shell::{basename, pipe_offsets};
use crate::dockerfile::Ctx;
use crate::report::{Finding, RuleMeta, Severity};
use regex::Regex;
use std::sync::OnceLock;

pub(crate) fn rules() -> Vec<Rule> {
    vec![
        rule(
            "dockerfile-curl-pipe-shell",
            "Download piped into a shell",
            Severity::Medium,
            "`curl … | sh` or `wget … | bash` runs whatever the server returns.",
            Doc {
                what: "Finds RUN commands that pipe `curl` or `wget` output into a shell or interpreter (`sh`, `bash`, `python`, `perl`…), or run it through `sh -c \"$(curl …)\"` or `bash <(curl …)`.",
                why: "The script is executed unverified: a compromised server, a hijacked domain or a truncated download runs as root in the build, and the result cannot be reproduced.",
                example: "RUN curl -fsSL https://get.example.com | sh",
                fix: "Download to a file, verify its checksum or signature, then run it; or install from a package manager with signature checks.",
            },
            &["supply-chain"],
            check_pipe_shell,
        ),
        rule(
            "dockerfile-tls-verification-disabled",
            "TLS or signature verification disabled",
            Severity::High,
            "A download or package install turns off certificate or signature verification.",
            Doc {
                what: "Finds `curl -k/--insecure`, `wget --no-check-certificate`, pip `--trusted-host`, `NODE_TLS_REJECT_UNAUTHORIZED=0`, `GIT_SSL_NO_VERIFY`, `git config http.sslVerify false`, npm/yarn `strict-ssl false`, `PYTHONHTTPSVERIFY=0`, apt `--allow-unauthenticated`/`[trusted=yes]`, apk `--allow-untrusted`, rpm `--nosignature`, yum/dnf `--nogpgcheck`/`gpgcheck=0`, `--no-verify-ssl`, in RUN and ENV.",
                why: "Without verification anyone on the network path can substitute what is downloaded or installed into the image.",
                example: "RUN curl -k https://example.com/install.sh -o /tmp/i.sh\nRUN apk add --allow-untrusted /tmp/pkg.apk",
                fix: "Remove the flag; install the CA certificate the server needs (`ca-certificates`, or `COPY` your CA and `update-ca-certificates`), or import the signing key.",
            },
            &["supply-chain", "security"],
            check_tls,
        ),
        rule(
            "dockerfile-sudo",
            "sudo in RUN",
            Severity::Low,
            "RUN uses sudo.",
            Doc {
                what: "Finds RUN commands that call `sudo`.",
                why: "Build steps already run as the current USER; `sudo` in an image means it is installed and configured, which gives a way back to root at run time, and its TTY and environment handling make builds unpredictable.",
                example: "USER app\nRUN sudo apt-get install -y curl",
                fix: "Run the step before switching `USER`, or switch with `USER root` … `USER app` around it; use `gosu`/`su-exec` in entrypoints.",
            },
            &["hardening"],
            check_sudo,
        ),
        rule(
            "dockerfile-pipe-without-pipefail",
            "Pipe in RUN without pipefail",
            Severity::Low,
            "A shell-form RUN has a pipe but no `set -o pipefail`, so a failing command before the pipe does not fail the build.",
            Doc {
                what: "Finds shell-form RUN instructions with a `|` when neither the RUN (before the pipe) nor a `SHELL` instruction of the stage sets `-o pipefail`. A later `SHELL` without pipefail undoes an earlier one; `SHELL [\"/bin/sh\", \"-o\", \"pipefail\", \"-c\"]` is reported too, since `sh` is a different shell per base image and not all have pipefail (as hadolint judges it).",
                why: "`/bin/sh -c` returns the status of the last command of a pipeline: `wget -O- url | tar x` succeeds even when the download fails, and the image is built broken.",
                example: "RUN wget -qO- https://example.com/app.tgz | tar xz -C /opt",
                fix: "`SHELL [\"/bin/bash\", \"-o\", \"pipefail\", \"-c\"]` before the RUN, or start the command with `set -o pipefail &&` (in a shell that has it).",
            },
            &["correctness"],
            check_pipefail,
        ),
    ]
}

const SHELLS: &[&str] = &[
    "sh", "bash", "zsh", "dash", "ash", "ksh", "python", "python2", "python3", "perl", "ruby",
    "node", "php",
];

fn subst_pipe_re() -> Option<&'static Regex> {
    static R: OnceLock<Option<Regex>> = OnceLock::new();
    R.get_or_init(|| {
        Regex::new(r#"\b(?:ba|z|da|k|a)?sh\s+(?:-[a-z]+\s+)*(?:-c\s+)?["']?(?:\$\(|`)\s*(?:curl|wget)\b|<\(\s*(?:curl|wget)\b"#).ok()
    })
    .as_ref()
}

fn check_pipe_shell(ctx: &Ctx, meta: &RuleMeta, out: &mut Vec<Finding>) {
    for inst in ctx.effective() {
        for (text, span) in run_texts(inst) {
            let cmds = ctx.commands(&text);
            let mut hit: Option<(String, String, String)> = None;
            for (i, c) in cmds.iter().enumerate() {
                let Some(p) = c.program() else { continue };
                if !(p == "curl" || p == "wget") || !c.pipes_out {
                    continue;
                }
                // Follow the pipeline to its next stage(s).
                for next in cmds.iter().skip(i + 1) {
                    if !next.piped_in {
                        break;
                    }
                    if let Some(q) = next.program() {
                        if SHELLS.contains(&q) {
                            let url = c
                                .argv()
                                .iter()
                                .find(|w| w.contains("://") || w.starts_with('$'))
                                .cloned()
                                .unwrap_or_else(|| p.to_string());
                            hit = Some((p.to_string(), q.to_string(), url));
                            break;
                        }
                    }
                    if !next.pipes_out {
                        break;
                    }
                }
                if hit.is_some() {
                    break;
                }
            }
            if hit.is_none() && subst_pipe_re().is_some_and(|r| r.is_match(&text)) {
                hit = Some(("curl".to_string(), "sh".to_string(), "curl".to_string()));
            }
            if let Some((dl, sh, needle)) = hit {
                let span = ctx.locate(span, &needle);
                out.push(ctx.finding(
                    meta,
                    format!("RUN pipes a {dl} download into {sh}: the script runs unverified"),
                    span,
                    &text,
                ));
            }
        }
    }
}

fn tls_patterns() -> &'static [(&'static str, Regex)] {
    static P: OnceLock<Vec<(&'static str, Regex)>> = OnceLock::new();
    P.get_or_init(|| {
        let raw: &[(&str, &str)] = &[
            ("curl -k/--insecure", r"\bcurl\b[^\n|;&]*?\s(?:-[a-zA-Z]*k[a-zA-Z]*|--insecure)(?:\s|$)"),
            ("wget --no-check-certificate", r"\bwget\b[^\n|;&]*\s--no-check-certificate\b"),
            ("pip --trusted-host", r"(?i)\bpip[0-9.]*\b[^\n|;&]*\s--trusted-host\b|\bPIP_TRUSTED_HOST\s*[= ]\s*\S|global\.trusted-host\b"),
            ("NODE_TLS_REJECT_UNAUTHORIZED=0", r#"\bNODE_TLS_REJECT_UNAUTHORIZED\s*[= ]\s*["']?0\b"#),
            ("GIT_SSL_NO_VERIFY", r#"\bGIT_SSL_NO_VERIFY\s*[= ]\s*["']?[^\s"'0]"#),
            ("git http.sslVerify false", r#"(?i)\bhttp\.sslverify\s*[= ]\s*["']?(?:false|0|no)\b"#),
            ("npm/yarn strict-ssl false", r#"(?i)\bstrict[-_]ssl\s*[= ]\s*["']?false\b"#),
            ("PYTHONHTTPSVERIFY=0", r#"\bPYTHONHTTPSVERIFY\s*[= ]\s*["']?0\b"#),
            ("apt --allow-unauthenticated", r#"--allow-unauthenticated\b|--allow-insecure-repositories\b|(?i)AllowUnauthenticated\s+"?true|\[\s*trusted=yes\s*\]"#),
            ("apk --allow-untrusted", r"\bapk\b[^\n|;&]*\s--allow-untrusted\b"),
            ("rpm --nosignature", r"\brpm\b[^\n|;&]*\s--nosignature\b"),
            ("yum/dnf --nogpgcheck", r"--nogpgcheck\b|\bgpgcheck\s*=\s*0\b"),
            ("--no-verify-ssl", r"\s--no-verify-ssl\b"),
            ("conda ssl_verify false", r"(?i)\bssl_verify\s+(?:false|no)\b"),
        ];
        raw.iter()
            .filter_map(|(w, r)| Regex::new(r).ok().map(|re| (*w, re)))
            .collect()
    })
}

fn check_tls(ctx: &Ctx, meta: &RuleMeta, out: &mut Vec<Finding>) {
    for inst in ctx.effective() {
        let mut texts = run_texts(inst);
        if let Command::Env(kvs) = &inst.command {
            for kv in kvs {
                if let Some(v) = &kv.value {
                    texts.push((format!("{}={}", kv.key.value, v.value), kv.span));
                }
            }
        }
        for (text, span) in texts {
            for (what, re) in tls_patterns() {
                if let Some(m) = re.find(&text) {
                    let after = text.get(m.end()..).unwrap_or("").trim_start();
                    if m.as_str().contains("trusted")
                        && (after.starts_with("file:") || after.starts_with("copy:"))
                    {
                        // A local repository of packages built in this RUN.
                        continue;
                    }
                    let needle = m.as_str().split_whitespace().last().unwrap_or("");
                    out.push(ctx.finding(
                        meta,
                        format!(
                            "{} disables TLS certificate or signature verification ({what})",
                            inst.keyword
                        ),
                        ctx.locate(span, needle),
                        &format!("{what}\0{}", inst.original),
                    ));
                }
            }
        }
    }
}

fn check_sudo(ctx: &Ctx, meta: &RuleMeta, out: &mut Vec<Finding>) {
    for inst in ctx.effective() {
        let exec_sudo = matches!(&inst.command, Command::Run(Form::Exec(w)) if w.first().is_some_and(|w| basename(&w.value) == "sudo"));
        let shell_sudo = run_texts(inst).iter().any(|(t, _)| {
            ctx.commands(t)
                .iter()
                .any(|c| c.argv().first().is_some_and(|w| basename(w) == "sudo"))
        });
        if exec_sudo || shell_sudo {
            out.push(ctx.finding(
                meta,
                "RUN uses sudo".to_string(),
                ctx.locate(inst.span, "sudo"),
                &inst.original,
            ));
        }
    }
}

fn check_pipefail(ctx: &Ctx, meta: &RuleMeta, out: &mut Vec<Finding>) {
    for stage in &ctx.stages {
        // The last SHELL in force decides: one with pipefail, or a non-POSIX
        // shell, exempts what follows; a later plain `sh -c` undoes that.
        // A stage starts with the shell its parent stage ended with.
        let mut chain = Vec::new();
        let mut cur = stage.parent;
        while let Some(p) = cur {
            if chain.len() > ctx.stages.len() {
                break;
            }
            let Some(s) = ctx.stages.get(p) else { break };
            chain.push(s);
            cur = s.parent;
        }
        let mut state = chain
            .iter()
            .find_map(|s| s.body.iter().rev().find_map(|i| shell_state(&i.command)))
            .unwrap_or(PipeShell::Posix);
        for inst in &stage.body {
            if let Some(e) = shell_state(&inst.command) {
                state = e;
            }
            if state == PipeShell::Safe {
                continue;
            }
            let Command::Run(Form::Shell(w)) = &inst.command else {
                continue;
            };
            let script = &w.raw;
            let Some(&first) = pipe_offsets(script).first() else {
                continue;
            };
            if state == PipeShell::Posix
                && script.get(..first).is_some_and(|b| b.contains("pipefail"))
            {
                continue;
            }
            let message = if state == PipeShell::PlainSh {
                "RUN uses a pipe under `SHELL [\"sh\", \"-o\", \"pipefail\", …]`: pipefail is not in every `sh` (dash before 0.5.12 rejects it), use bash"
            } else {
                "RUN uses a pipe without `set -o pipefail`: a failure before the pipe does not fail the build"
            };
            out.push(ctx.finding(meta, message.to_string(), head_span(ctx, inst), script));
        }
    }
}

/// What the shell in force means for pipes.
#[derive(Clone, Copy, PartialEq, Eq)]
enum PipeShell {
    /// A POSIX shell without pipefail: each RUN must set it.
    Posix,
    /// `sh -o pipefail`: whether `sh` has pipefail depends on the base image.
    PlainSh,
    /// pipefail is on, or the shell is not POSIX (pwsh, cmd).
    Safe,
}

/// For a SHELL instruction, the state it sets.
fn shell_state(cmd: &Command) -> Option<PipeShell> {
    let Command::Shell(Form::Exec(words)) = cmd else {
        return None;
    };
    let prog = words
        .first()
        .map(|w| basename(&w.value).to_ascii_lowercase());
    let posix = prog
        .as_deref()
        .is_some_and(|p| matches!(p, "sh" | "bash" | "ash" | "dash" | "zsh" | "ksh"));
    let pipefail = words.iter().any(|w| w.value.contains("pipefail"));
    Some(match (posix, pipefail) {
        (false, _) => PipeShell::Safe,
        (true, false) => PipeShell::Posix,
        (true, true) if prog.as_deref() == Some("sh") => PipeShell::PlainSh,
        (true, true) => PipeShell::Safe,
    })
}
