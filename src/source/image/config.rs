//! The image config: what the layers are (`rootfs.diff_ids`), how they were
//! made (`history`), and the secrets it holds itself (`Env`, `Labels`,
//! `Cmd`, `Entrypoint`, `Healthcheck`, `history[].created_by`).

use super::checks;
use crate::report::{Finding, Span};
use crate::secrets::{is_secret_name, looks_like_placeholder, Scanner};
use serde_json::Value;

/// One history step.
#[derive(Clone, Debug, Default)]
pub(crate) struct Step {
    pub created_by: String,
    pub empty_layer: bool,
}

/// What the audit needs from an image config.
#[derive(Clone, Debug, Default)]
pub(crate) struct ImageConfig {
    pub diff_ids: Vec<String>,
    pub history: Vec<Step>,
    pub user: String,
    pub exposed: Vec<String>,
    pub env: Vec<String>,
    pub labels: Vec<String>,
    pub cmd: Vec<String>,
    pub entrypoint: Vec<String>,
    pub healthcheck: Vec<String>,
}

fn strings(v: Option<&Value>) -> Vec<String> {
    match v {
        Some(Value::Array(a)) => a
            .iter()
            .filter_map(|x| x.as_str().map(str::to_string))
            .collect(),
        Some(Value::String(s)) => vec![s.clone()],
        _ => Vec::new(),
    }
}

impl ImageConfig {
    pub fn parse(bytes: &[u8]) -> Result<ImageConfig, String> {
        let v: Value =
            serde_json::from_slice(bytes).map_err(|e| format!("image config is not JSON: {e}"))?;
        if !v.is_object() {
            return Err("image config is not a JSON object".into());
        }
        let c = v
            .get("config")
            .or_else(|| v.get("Config"))
            .cloned()
            .unwrap_or(Value::Null);
        let mut exposed: Vec<String> = c
            .get("ExposedPorts")
            .and_then(Value::as_object)
            .map(|m| m.keys().cloned().collect())
            .unwrap_or_default();
        exposed.sort();
        let labels = c
            .get("Labels")
            .and_then(Value::as_object)
            .map(|m| {
                m.iter()
                    .map(|(k, v)| format!("{k}={}", v.as_str().unwrap_or_default()))
                    .collect()
            })
            .unwrap_or_default();
        let history = v
            .get("history")
            .and_then(Value::as_array)
            .map(|h| {
                h.iter()
                    .map(|s| Step {
                        created_by: s
                            .get("created_by")
                            .and_then(Value::as_str)
                            .unwrap_or_default()
                            .to_string(),
                        empty_layer: s
                            .get("empty_layer")
                            .and_then(Value::as_bool)
                            .unwrap_or(false),
                    })
                    .collect()
            })
            .unwrap_or_default();
        Ok(ImageConfig {
            diff_ids: strings(v.get("rootfs").and_then(|r| r.get("diff_ids"))),
            history,
            user: c
                .get("User")
                .and_then(Value::as_str)
                .unwrap_or_default()
                .to_string(),
            exposed,
            env: strings(c.get("Env")),
            labels,
            cmd: strings(c.get("Cmd")),
            entrypoint: strings(c.get("Entrypoint")),
            healthcheck: strings(c.get("Healthcheck").and_then(|h| h.get("Test"))),
        })
    }

    /// The history step that made layer `index` (steps with `empty_layer`
    /// make none), when the history is complete enough to tell.
    pub fn created_by(&self, index: usize) -> Option<&str> {
        self.history
            .iter()
            .filter(|s| !s.empty_layer)
            .nth(index)
            .map(|s| s.created_by.as_str())
            .filter(|s| !s.is_empty())
    }

    /// The layer a history step made, if it made one.
    fn layer_of_step(&self, step: usize) -> Option<usize> {
        let s = self.history.get(step)?;
        (!s.empty_layer).then(|| {
            self.history
                .iter()
                .take(step)
                .filter(|s| !s.empty_layer)
                .count()
        })
    }
}

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

/// Secrets and checks of one image config.
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
                &rule.meta,
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
            if let Some(f) =
                named_secret(e, checks::ENV_SECRET, "Env", i + 1, "environment variable")
            {
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
                        &checks::rule(checks::BUILD_ARG_SECRET),
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
    if let Some(f) = checks::runs_as_root(&cfg.user) {
        add(&mut out, f, None, None);
    }
    if let Some(f) = checks::expose_ssh(&cfg.exposed) {
        add(&mut out, f, None, None);
    }
    out
}

/// `NAME=value` of an environment entry as a finding when the name says
/// it is a credential and the value is not a placeholder.
fn named_secret(entry: &str, rule: &str, field: &str, line: usize, what: &str) -> Option<Finding> {
    let (name, value) = entry.split_once('=')?;
    if value.is_empty() || !is_secret_name(name) || looks_like_placeholder(value) {
        return None;
    }
    let start = name.len() + 1;
    let mut f = Finding::new(
        &checks::rule(rule),
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
