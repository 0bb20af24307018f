//! The JSON report: `{"version", "findings": [...], "summary": {...}}`.
//! Field names are a public interface, documented in the README.

use super::{Finding, Report};
use serde_json::{json, Map, Value};

/// One finding as a JSON object; secrets redacted unless `redact` is false.
pub fn finding_value(f: &Finding, redact: bool) -> Value {
    let mut o = Map::new();
    o.insert("rule_id".into(), json!(f.rule_id));
    o.insert("rule_name".into(), json!(f.rule_name));
    o.insert("category".into(), json!(f.category));
    o.insert("severity".into(), json!(f.severity));
    o.insert("message".into(), json!(f.scrub(&f.message, redact)));
    o.insert("path".into(), json!(f.path));
    o.insert("line".into(), json!(f.span.line));
    o.insert("column".into(), json!(f.span.column));
    o.insert("end_line".into(), json!(f.span.end_line));
    o.insert("end_column".into(), json!(f.span.end_column));
    o.insert("fingerprint".into(), json!(f.fingerprint));
    if let Some(s) = f.shown_secret(redact) {
        o.insert("secret".into(), json!(s));
    }
    if let Some(s) = &f.snippet {
        o.insert("snippet".into(), json!(f.scrub(s, redact)));
    }
    if let Some(c) = &f.commit {
        o.insert("commit".into(), json!(c));
    }
    if let Some(img) = &f.image {
        o.insert("image".into(), json!(img));
    }
    if !f.extra.is_empty() {
        o.insert("extra".into(), json!(f.extra));
    }
    Value::Object(o)
}

pub fn render(report: &Report, redact: bool) -> String {
    let mut summary = serde_json::to_value(&report.summary).unwrap_or_else(|_| json!({}));
    if let Value::Object(m) = &mut summary {
        let counts: Map<String, Value> = report
            .count_by_severity()
            .into_iter()
            .map(|(s, n)| (s.as_str().to_string(), json!(n)))
            .collect();
        m.insert("findings".into(), json!(report.findings.len()));
        m.insert("by_severity".into(), Value::Object(counts));
    }
    let v = json!({
        "version": env!("CARGO_PKG_VERSION"),
        "findings": report.findings.iter().map(|f| finding_value(f, redact)).collect::<Vec<_>>(),
        "summary": summary,
    });
    let mut s = serde_json::to_string_pretty(&v).unwrap_or_default();
    s.push('\n');
    s
}
