//! The JSON report: `{"version", "findings": [...], "summary": {...}}`.
//! Field names are a public interface, documented in the README.

use super::{Finding, Report};
use serde::ser::{Serialize, SerializeMap, SerializeSeq, Serializer};
use serde_json::{json, Map, Value};
use std::io::Write;

/// One finding as a JSON object, as the report holds it (redacted by
/// [`Report::redact`] unless the user asked otherwise).
pub fn finding_value(f: &Finding) -> Value {
    let mut o = Map::new();
    o.insert("rule_id".into(), json!(f.rule_id));
    o.insert("rule_name".into(), json!(f.rule_name));
    o.insert("category".into(), json!(f.category));
    o.insert("severity".into(), json!(f.severity));
    o.insert("message".into(), json!(f.message));
    o.insert("path".into(), json!(f.path));
    o.insert("line".into(), json!(f.span.line));
    o.insert("column".into(), json!(f.span.column));
    o.insert("end_line".into(), json!(f.span.end_line));
    o.insert("end_column".into(), json!(f.span.end_column));
    o.insert("fingerprint".into(), json!(f.fingerprint));
    if let Some(s) = &f.secret {
        o.insert("secret".into(), json!(s));
    }
    if let Some(s) = &f.snippet {
        o.insert("snippet".into(), json!(s));
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

/// The summary object: the scan's counts plus the findings by severity.
fn summary_value(report: &Report) -> Value {
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
    summary
}

/// The findings array, one finding's JSON value at a time: the report is
/// written as it is serialized, never held whole as a JSON tree (100,000
/// findings as `Value`s took 600 MiB).
struct Findings<'a>(&'a Report);

impl Serialize for Findings<'_> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let mut seq = s.serialize_seq(Some(self.0.findings.len()))?;
        for f in &self.0.findings {
            seq.serialize_element(&finding_value(f))?;
        }
        seq.end()
    }
}

/// The whole report, keys in the order a `Value` map prints them (sorted).
struct Whole<'a>(&'a Report);

impl Serialize for Whole<'_> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let mut m = s.serialize_map(Some(3))?;
        m.serialize_entry("findings", &Findings(self.0))?;
        m.serialize_entry("summary", &summary_value(self.0))?;
        m.serialize_entry("version", env!("CARGO_PKG_VERSION"))?;
        m.end()
    }
}

/// Write the report to `w` (pretty-printed, a newline at the end).
pub fn write(w: &mut dyn Write, report: &Report) -> std::io::Result<()> {
    serde_json::to_writer_pretty(&mut *w, &Whole(report))?;
    w.write_all(b"\n")
}

pub fn render(report: &Report) -> String {
    let mut out = Vec::new();
    // Writing to memory fails only if serializing does, which it does not.
    let _ = write(&mut out, report);
    String::from_utf8(out).unwrap_or_default()
}
