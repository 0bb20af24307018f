//! Terminal output: one block per finding (`path:line:col`, severity, rule,
//! the line with the secret redacted), then a summary. Colour only when
//! printing to a terminal and NO_COLOR is unset.

use super::{Finding, Report, Severity};
use std::fmt::Write as _;

pub struct Style {
    pub color: bool,
}

impl Style {
    fn paint(&self, code: &str, s: &str) -> String {
        if self.color {
            format!("\x1b[{code}m{s}\x1b[0m")
        } else {
            s.to_string()
        }
    }
    fn sev(&self, s: Severity) -> String {
        let code = match s {
            Severity::Critical => "1;35",
            Severity::High => "1;31",
            Severity::Medium => "33",
            Severity::Low => "36",
            Severity::Info => "2",
        };
        self.paint(code, s.as_str())
    }
}

fn location(f: &Finding) -> String {
    let mut s = format!("{}:{}:{}", f.path, f.span.line, f.span.column);
    if let Some(c) = &f.commit {
        let _ = write!(s, " @ {}", c.chars().take(12).collect::<String>());
    }
    s
}

pub fn render_finding(out: &mut String, f: &Finding, style: &Style) {
    let _ = writeln!(
        out,
        "{}: {} {} {}",
        style.paint("1", &location(f)),
        style.sev(f.severity),
        style.paint("1", &f.rule_id),
        f.message,
    );
    if let (Some(c), Some(author)) = (&f.commit, f.extra.get("author")) {
        let short: String = c.chars().take(12).collect();
        let mut line = format!("    introduced in {short} by {author}");
        if let Some(d) = f.extra.get("date") {
            let _ = write!(line, " on {d}");
        }
        if let (Some(n), Some(b)) = (f.extra.get("commits"), f.extra.get("blobs")) {
            let plural = |k: &str, one: &str, many: &str| {
                format!("{k} {}", if k == "1" { one } else { many })
            };
            let (n, b) = (plural(n, "commit", "commits"), plural(b, "blob", "blobs"));
            let _ = write!(line, " (in {n}, {b})");
        }
        let _ = writeln!(out, "{line}");
    }
    if let Some(img) = &f.image {
        let mut where_ = format!("    image {}", img.archive);
        if let Some(r) = &img.reference {
            let _ = write!(where_, " ({r})");
        }
        let digest = img
            .layer_digest
            .as_deref()
            .map(|d| d.chars().take(19).collect::<String>());
        match (img.source.as_str(), img.layer_index) {
            ("layer", Some(i)) => {
                let _ = write!(where_, ", layer {i}");
                if let Some(d) = &digest {
                    let _ = write!(where_, " {d}");
                }
            }
            // A layer no manifest names (a truncated archive): its blob.
            ("layer", None) => {
                let _ = write!(where_, ", layer blob {}", digest.as_deref().unwrap_or("?"));
            }
            _ => where_.push_str(", image config"),
        }
        if img.deleted {
            match img.deleted_by_layer {
                Some(l) => {
                    let _ = write!(where_, ", deleted by layer {l} (still in the image)");
                }
                None => where_.push_str(", deleted (still in the image)"),
            }
        }
        let _ = writeln!(out, "{where_}");
        if let Some(c) = &img.created_by {
            let c: String = c.chars().take(120).collect();
            let _ = writeln!(out, "    created by: {c}");
        }
    }
    if let Some(snip) = &f.snippet {
        let shown: String = snip.trim().chars().take(200).collect();
        let _ = writeln!(out, "    {}", style.paint("2", "│ ") + &shown);
    } else if let Some(s) = &f.secret {
        let _ = writeln!(out, "    secret: {s}");
    }
}

fn human_bytes(n: u64) -> String {
    const U: [&str; 5] = ["B", "KB", "MB", "GB", "TB"];
    let mut v = n as f64;
    let mut i = 0;
    while v >= 1000.0 && i < U.len() - 1 {
        v /= 1000.0;
        i += 1;
    }
    if i == 0 {
        format!("{n} B")
    } else {
        format!("{v:.1} {}", U[i])
    }
}

pub fn render_summary(out: &mut String, report: &Report, style: &Style) {
    render_summary_head(out, report, style);
    for line in summary_notes(report, style) {
        let _ = writeln!(out, "{line}.");
    }
}

/// The summary's first line: findings by severity, what was scanned.
fn render_summary_head(out: &mut String, report: &Report, style: &Style) {
    let s = &report.summary;
    let n = report.findings.len();
    let counts = report.count_by_severity();
    let by: Vec<String> = Severity::ALL
        .iter()
        .filter_map(|sev| counts.get(sev).map(|c| format!("{c} {}", style.sev(*sev))))
        .collect();
    let head = if n == 0 {
        style.paint("1;32", "No findings")
    } else {
        style.paint(
            "1",
            &format!("{n} finding{}", if n == 1 { "" } else { "s" }),
        )
    };
    let _ = write!(out, "{head}");
    if !by.is_empty() {
        let _ = write!(out, " ({})", by.join(", "));
    }
    let mut scanned = format!(
        "{} file{}",
        s.files_scanned,
        if s.files_scanned == 1 { "" } else { "s" }
    );
    if let Some(c) = s.commits_scanned {
        let _ = write!(scanned, " in {c} commit{}", if c == 1 { "" } else { "s" });
    }
    if let Some(l) = s.layers_scanned {
        let _ = write!(scanned, " in {l} layer{}", if l == 1 { "" } else { "s" });
    }
    let _ = writeln!(
        out,
        " in {scanned}, {} scanned in {:.2} s.",
        human_bytes(s.bytes_scanned),
        s.seconds
    );
}

/// What the summary says after its first line: skipped files, suppressed
/// and baselined findings, errors.
fn summary_notes(report: &Report, style: &Style) -> Vec<String> {
    let s = &report.summary;
    let mut notes = Vec::new();
    if !s.skipped.is_empty() {
        let parts: Vec<String> = s.skipped.iter().map(|(k, v)| format!("{v} {k}")).collect();
        notes.push(format!("Skipped: {}", parts.join(", ")));
    }
    let inline = s.suppressed.saturating_sub(s.baselined);
    if inline > 0 {
        notes.push(format!("Suppressed: {inline} (inline allows and config)"));
    }
    if s.baselined > 0 || s.baseline.is_some() {
        notes.push(format!(
            "Baseline {}: {} accepted finding{} hidden",
            s.baseline.as_deref().unwrap_or("file"),
            s.baselined,
            if s.baselined == 1 { "" } else { "s" }
        ));
    }
    if !s.errors.is_empty() {
        notes.push(format!(
            "{}: {} input{} could not be fully scanned (see warnings above)",
            style.paint("33", "Errors"),
            s.errors.len(),
            if s.errors.len() == 1 { "" } else { "s" }
        ));
    }
    notes
}

/// The whole summary on one line (for `--output`, where the report goes to a
/// file and only this goes to stderr).
pub fn render_summary_line(out: &mut String, report: &Report, style: &Style) {
    let mut head = String::new();
    render_summary_head(&mut head, report, style);
    let head = head.trim_end().trim_end_matches('.');
    let mut line = head.to_string();
    for n in summary_notes(report, style) {
        line.push_str("; ");
        line.push_str(&n);
    }
    let _ = writeln!(out, "{line}.");
}

pub fn render(report: &Report, style: &Style) -> String {
    let mut out = String::new();
    for f in &report.findings {
        render_finding(&mut out, f, style);
        out.push('\n');
    }
    render_summary(&mut out, report, style);
    out
}
