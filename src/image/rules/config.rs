//! The rules about the image config: the user it runs as, SSH exposed,
//! credentials named in `Env` and in the build arguments the history
//! records, and any secret rule's match in a config field (`Env`, `Labels`,
//! `Cmd`, `Entrypoint`, `Healthcheck`, `history[].created_by`).

use super::Unit;
use crate::report::{Doc, Finding, Severity, Span};
use crate::secrets::{is_secret_name, looks_like_placeholder, Scanner};
use crate::source::image::ImageConfig;

pub(crate) static RUNS_AS_ROOT: Unit = Unit::new(
    "image-runs-as-root",
    "Image runs as root",
    Severity::Medium,
    "The image config sets no user, or root, so containers run as root.",
    Doc {
        what: "Finds an image config whose `User` is empty, `root`, `0` or `0:0`, so every container started from it runs as root unless the runtime overrides it.",
        why: "A process running as root inside the container turns any code-execution bug into root in the container, and a container escape or a writable host mount into root on the host.",
        example: "FROM debian:12\nCMD [\"/app\"]\n# no USER instruction",
        fix: "Create an unprivileged user and switch to it: `RUN useradd -r -u 10001 app` then `USER 10001`.",
        references: &["CIS Docker Benchmark 4.1"],
    },
    &["cis-docker-4.1"],
);

pub(crate) static EXPOSE_SSH: Unit = Unit::new(
    "image-expose-ssh",
    "SSH port exposed",
    Severity::Medium,
    "The image config exposes port 22.",
    Doc {
        what: "Finds `22/tcp` in the image config's `ExposedPorts`.",
        why: "An SSH daemon in a container is another service to patch and another set of credentials to leak; `docker exec` or `kubectl exec` does the job without one.",
        example: "EXPOSE 22",
        fix: "Remove the SSH server and the `EXPOSE 22`.",
        references: &[],
    },
    &[],
);

pub(crate) static ENV_SECRET: Unit = Unit::new(
    "image-env-secret",
    "Credential in an image environment variable",
    Severity::High,
    "An `ENV` variable named like a credential has a literal value in the image config.",
    Doc {
        what: "Finds a variable in the image config's `Env` whose name says it is a credential (`PASSWORD`, `API_KEY`, `*_TOKEN`, …) set to a literal value that is not a placeholder. Values that a secret rule recognises are reported by that rule instead.",
        why: "The config is readable by anyone who can pull the image (`docker inspect`), and the value is set in every container.",
        example: "ENV DB_PASSWORD=<a literal password>",
        fix: "Pass the value at run time (`docker run -e`, an orchestrator secret) and rotate the exposed one.",
        references: &[],
    },
    &["secret"],
);

pub(crate) static BUILD_ARG_SECRET: Unit = Unit::new(
    "image-build-arg-secret",
    "Credential in a build argument",
    Severity::High,
    "A build `ARG` named like a credential was used by a `RUN`, so its value is in the image history.",
    Doc {
        what: "Finds a build argument named like a credential in the image history, which records `RUN` steps as `|N NAME=value … /bin/sh -c …`: every build argument in scope is saved with its value. Values that a secret rule recognises are reported by that rule instead.",
        why: "`docker history --no-trunc` shows it to anyone who can pull the image.",
        example: "ARG NPM_TOKEN\nRUN npm ci\n# built with --build-arg NPM_TOKEN=…",
        fix: "Use a build secret (`RUN --mount=type=secret,id=npm_token`) and rotate the exposed value.",
        references: &["https://docs.docker.com/build/building/secrets/"],
    },
    &["secret"],
);

/// A config finding: its `config/<field>` path, the item's 1-based index as
/// the line, and the layer it concerns (history steps) if any.
pub(crate) struct ConfigFinding {
    pub finding: Finding,
    pub layer: Option<usize>,
    pub created_by: Option<String>,
}

fn chars(s: &str, byte: usize) -> u32 {
    s.get(..byte).map_or(0, |p| p.chars().count()) as u32
}

fn add(
    out: &mut Vec<ConfigFinding>,
    finding: Finding,
    layer: Option<usize>,
    created_by: Option<String>,
) {
    out.push(ConfigFinding {
        finding,
        layer,
        created_by,
    });
}

/// Secrets and rule findings of one image config.
pub(crate) fn scan_config(cfg: &ImageConfig, scanner: &Scanner) -> Vec<ConfigFinding> {
    let mut out = Vec::new();
    // Engine matches in a text; returns whether any rule matched.
    let engine = |text: &str, field: &str, line: usize, push: &mut dyn FnMut(Finding)| -> bool {
        let mut any = false;
        for m in scanner.find_in(text.as_bytes()) {
            any = true;
            let Some(rule) = scanner.rules().iter().find(|r| r.spec.id == m.rule_id) else {
                continue;
            };
            let span = Span {
                line: line as u32,
                column: chars(text, m.start) + 1,
                end_line: line as u32,
                end_column: chars(text, m.end) + 1,
            };
            let f = Finding::new(
                rule.meta(),
                format!("{} found in the image config ({field})", m.rule_name),
                format!("config/{field}"),
                span,
                Some(m.secret.clone()),
                Some(text.to_string()),
                &m.secret,
            );
            push(f);
        }
        any
    };
    for (i, e) in cfg.env.iter().enumerate() {
        let mut found = Vec::new();
        let any = engine(e, "Env", i + 1, &mut |f| found.push(f));
        for f in found {
            add(&mut out, f, None, None);
        }
        if !any {
            if let Some(f) = named_secret(e, &ENV_SECRET, "Env", i + 1, "environment variable") {
                add(&mut out, f, None, None);
            }
        }
    }
    let lists: [(&str, &Vec<String>); 4] = [
        ("Labels", &cfg.labels),
        ("Cmd", &cfg.cmd),
        ("Entrypoint", &cfg.entrypoint),
        ("Healthcheck", &cfg.healthcheck),
    ];
    for (field, items) in lists {
        for (i, text) in items.iter().enumerate() {
            let mut found = Vec::new();
            engine(text, field, i + 1, &mut |f| found.push(f));
            for f in found {
                add(&mut out, f, None, None);
            }
        }
    }
    // `ENV` and `LABEL` steps repeat in the history what Env and Labels
    // already hold: report each such secret once, in Env or Labels.
    let known: std::collections::HashSet<(String, Option<String>)> = out
        .iter()
        .map(|c| (c.finding.rule_id.clone(), c.finding.secret.clone()))
        .collect();
    for (i, step) in cfg.history.iter().enumerate() {
        let text = &step.created_by;
        if text.is_empty() {
            continue;
        }
        let layer = cfg.layer_of_step(i);
        let mut found = Vec::new();
        let any = engine(text, "history", i + 1, &mut |f| found.push(f));
        for f in found {
            if !known.contains(&(f.rule_id.clone(), f.secret.clone())) {
                add(&mut out, f, layer, Some(text.clone()));
            }
        }
        if !any {
            for (name, start, end) in build_args(text) {
                let value = &text[start..end];
                if is_secret_name(name) && !looks_like_placeholder(value) {
                    let mut f = Finding::new(
                        BUILD_ARG_SECRET.meta(),
                        format!("build argument `{name}` is recorded with its value in the image history"),
                        "config/history".into(),
                        Span {
                            line: i as u32 + 1,
                            column: chars(text, start) + 1,
                            end_line: i as u32 + 1,
                            end_column: chars(text, end) + 1,
                        },
                        Some(value.to_string()),
                        Some(text.clone()),
                        value,
                    );
                    f.extra.insert("name".into(), name.to_string());
                    add(&mut out, f, layer, Some(text.clone()));
                }
            }
        }
    }
    if let Some(f) = runs_as_root(&cfg.user) {
        add(&mut out, f, None, None);
    }
    if let Some(f) = expose_ssh(&cfg.exposed) {
        add(&mut out, f, None, None);
    }
    out
}

/// `NAME=value` of an environment entry as a finding when the name says
/// it is a credential and the value is not a placeholder.
fn named_secret(entry: &str, rule: &Unit, field: &str, line: usize, what: &str) -> Option<Finding> {
    let (name, value) = entry.split_once('=')?;
    if value.is_empty() || !is_secret_name(name) || looks_like_placeholder(value) {
        return None;
    }
    let start = name.len() + 1;
    let mut f = Finding::new(
        rule.meta(),
        format!("{what} `{name}` holds a literal credential in the image config"),
        format!("config/{field}"),
        Span {
            line: line as u32,
            column: chars(entry, start) + 1,
            end_line: line as u32,
            end_column: entry.chars().count() as u32 + 1,
        },
        Some(value.to_string()),
        Some(entry.to_string()),
        value,
    );
    f.extra.insert("name".into(), name.to_string());
    Some(f)
}

/// The `NAME=value` pairs a history line records for the build arguments of
/// a `RUN` step: `|2 A=x B=y /bin/sh -c …`. Returns (name, value start,
/// value end) with byte offsets into `text`.
pub(crate) fn build_args(text: &str) -> Vec<(&str, usize, usize)> {
    let mut out = Vec::new();
    let Some(rest) = text.strip_prefix('|') else {
        return out;
    };
    let digits = rest.bytes().take_while(u8::is_ascii_digit).count();
    let Ok(n) = rest[..digits].parse::<usize>() else {
        return out;
    };
    let mut pos = 1 + digits;
    for _ in 0..n {
        let tail = &text[pos..];
        let skip = tail.len() - tail.trim_start_matches(' ').len();
        pos += skip;
        let tail = &text[pos..];
        let Some(eq) = tail.find('=') else {
            break;
        };
        let name = &tail[..eq];
        if name.is_empty() || name.contains(' ') {
            break;
        }
        let vstart = pos + eq + 1;
        let vend = text[vstart..].find(' ').map_or(text.len(), |i| vstart + i);
        out.push((name, vstart, vend));
        pos = vend;
    }
    out
}

fn runs_as_root(user: &str) -> Option<Finding> {
    let u = user.trim();
    let root = matches!(
        u,
        "" | "root" | "0" | "0:0" | "root:root" | "root:0" | "0:root"
    );
    root.then(|| {
        let message = if u.is_empty() {
            "the image sets no user, so containers run as root".to_string()
        } else {
            format!("the image runs as `{u}`, which is root")
        };
        RUNS_AS_ROOT.finding(message, "config/User", "user")
    })
}

fn expose_ssh(ports: &[String]) -> Option<Finding> {
    ports
        .iter()
        .position(|p| p == "22" || p == "22/tcp")
        .map(|i| {
            let mut f = EXPOSE_SSH.finding(
                "the image exposes port 22 (SSH)".into(),
                "config/ExposedPorts",
                "22",
            );
            f.span = Span::line(i as u32 + 1);
            f
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_build_args() {
        let t = "|2 A=x TOKEN=abc /bin/sh -c echo";
        let args = build_args(t);
        assert_eq!(args.len(), 2);
        assert_eq!(args[1].0, "TOKEN");
        assert_eq!(&t[args[1].1..args[1].2], "abc");
        assert!(build_args("/bin/sh -c x").is_empty());
        assert!(build_args("|x").is_empty());
    }
}
