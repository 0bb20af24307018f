//! SARIF 2.1.0 for GitHub code scanning, built with `serde-sarif`.
//!
//! One run; `tool.driver.rules` lists every active rule; results carry
//! `ruleId` + `ruleIndex`, relative URIs under `%SRCROOT%`, full regions and
//! our fingerprint under `partialFingerprints["stowaway/v1"]`
//! (`primaryLocationLineHash` is left to GitHub's upload action). Secrets
//! are redacted everywhere unless asked otherwise.
//!
//! Within GitHub's upload limits: one run (at most 20 per file), one
//! location per result (at most 1,000), at most 25,000 results per run and
//! 10 MB gzipped. When there are more findings, the run holds the most
//! severe ones and a run-level notification says how many were left out.

use super::{Finding, Report, RuleMeta};
use serde_json::{json, Value};
use serde_sarif::sarif::{
    Artifact, ArtifactLocation, Invocation, Location, Message, MultiformatMessageString,
    Notification, PhysicalLocation, PropertyBag, Region, ReportingConfiguration,
    ReportingDescriptor, Result as SarifResult, ResultLevel, Run, RunAutomationDetails, Sarif,
    Tool, ToolComponent, VersionControlDetails,
};
use std::collections::{BTreeMap, HashMap};
use std::io::Write as _;

pub const FINGERPRINT_KEY: &str = "stowaway/v1";
/// GitHub code scanning's limits on an uploaded SARIF file.
pub const MAX_RESULTS_PER_RUN: usize = 25_000;
pub const MAX_LOCATIONS_PER_RESULT: usize = 1_000;
pub const MAX_RUNS_PER_FILE: usize = 20;
pub const MAX_GZIP_BYTES: usize = 10 * 1000 * 1000;
const SCHEMA: &str = "https://json.schemastore.org/sarif-2.1.0.json";

fn rule_descriptor(r: &RuleMeta) -> ReportingDescriptor {
    let mut props = BTreeMap::new();
    props.insert(
        "security-severity".to_string(),
        json!(r.severity.security_severity()),
    );
    props.insert("precision".to_string(), json!("high"));
    props.insert(
        "problem.severity".to_string(),
        json!(r.severity.sarif_level().replace("note", "recommendation")),
    );
    ReportingDescriptor::builder()
        .id(r.id.clone())
        .name(pascal(&r.id))
        .short_description(
            MultiformatMessageString::builder()
                .text(r.short.clone())
                .build(),
        )
        .full_description(
            MultiformatMessageString::builder()
                .text(first_paragraph(&r.help))
                .build(),
        )
        .help(
            MultiformatMessageString::builder()
                .text(r.help.clone())
                .markdown(r.help.clone())
                .build(),
        )
        .default_configuration(
            ReportingConfiguration::builder()
                .level(json!(r.severity.sarif_level()))
                .build(),
        )
        .properties(
            PropertyBag::builder()
                .tags(r.tags.clone())
                .additional_properties(props)
                .build(),
        )
        .build()
}

/// SARIF rule names are conventionally PascalCase identifiers.
fn pascal(id: &str) -> String {
    id.split('-')
        .map(|w| {
            let mut c = w.chars();
            c.next()
                .map(|f| f.to_ascii_uppercase().to_string() + c.as_str())
                .unwrap_or_default()
        })
        .collect()
}

fn first_paragraph(md: &str) -> String {
    md.split("\n\n").next().unwrap_or(md).trim().to_string()
}

/// Turn a display path into a relative URI reference (percent-encode what
/// a URI may not hold).
pub fn path_uri(path: &str) -> String {
    let mut out = String::with_capacity(path.len());
    for b in path.trim_start_matches('/').bytes() {
        // Unreserved and sub-delims, and `/`; `:` is encoded everywhere, as a
        // first segment holding it would read as a URI scheme.
        if b.is_ascii_alphanumeric() || b"-._~/!$&'()*+,;=@".contains(&b) {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

fn level(f: &Finding) -> ResultLevel {
    match f.severity.sarif_level() {
        "error" => ResultLevel::Error,
        "warning" => ResultLevel::Warning,
        _ => ResultLevel::Note,
    }
}

fn region(f: &Finding) -> Region {
    let s = f.span;
    let line = s.line.max(1) as i64;
    let col = s.column.max(1) as i64;
    let end_line = (s.end_line as i64).max(line);
    let mut end_col = (s.end_column as i64).max(1);
    if end_line == line && end_col <= col {
        end_col = col + 1;
    }
    Region::builder()
        .start_line(line)
        .start_column(col)
        .end_line(end_line)
        .end_column(end_col)
        .build()
}

/// A SARIF file and how many findings it had to leave out.
pub struct Rendered {
    pub text: String,
    pub results: usize,
    pub omitted: usize,
}

pub fn render(report: &Report) -> String {
    render_limited(report).text
}

/// The indices of the `cap` most severe findings, in report order.
fn most_severe(findings: &[Finding], cap: usize) -> Vec<usize> {
    let mut idx: Vec<usize> = (0..findings.len()).collect();
    if idx.len() > cap {
        idx.sort_by_key(|&i| std::cmp::Reverse(findings[i].severity));
        idx.truncate(cap);
        idx.sort_unstable();
    }
    idx
}

fn gzip_len(text: &str) -> usize {
    let mut e = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
    let _ = e.write_all(text.as_bytes());
    e.finish().map(|v| v.len()).unwrap_or(usize::MAX)
}

/// SARIF within GitHub's limits: at most [`MAX_RESULTS_PER_RUN`] results,
/// the most severe first to be kept, fewer if the file would not gzip under
/// [`MAX_GZIP_BYTES`].
pub fn render_limited(report: &Report) -> Rendered {
    let mut cap = MAX_RESULTS_PER_RUN;
    loop {
        let keep = most_severe(&report.findings, cap);
        let omitted = report.findings.len() - keep.len();
        let text = render_subset(report, &keep, omitted);
        // Gzip only when the plain text could be over the limit.
        let size = if text.len() <= MAX_GZIP_BYTES {
            text.len()
        } else {
            gzip_len(&text)
        };
        if size <= MAX_GZIP_BYTES || keep.is_empty() {
            return Rendered {
                text,
                results: keep.len(),
                omitted,
            };
        }
        // Shrink in proportion, with a margin.
        cap = ((keep.len() as f64) * (MAX_GZIP_BYTES as f64 / size as f64) * 0.95) as usize;
    }
}

fn render_subset(report: &Report, keep: &[usize], omitted: usize) -> String {
    let mut rules: Vec<&RuleMeta> = report.rules.iter().collect();
    // A finding's rule is always listed, even one not in the active set.
    let extra: Vec<RuleMeta> = report
        .findings
        .iter()
        .filter(|f| !report.rules.iter().any(|r| r.id == f.rule_id))
        .map(|f| RuleMeta {
            id: f.rule_id.clone(),
            name: f.rule_name.clone(),
            category: f.category,
            severity: f.severity,
            short: f.rule_name.clone(),
            help: f.rule_name.clone(),
            tags: vec!["security".into()],
            equivalents: Vec::new(),
        })
        .collect();
    rules.extend(extra.iter());
    rules.sort_by(|a, b| a.id.cmp(&b.id));
    rules.dedup_by(|a, b| a.id == b.id);
    let index: HashMap<&str, usize> = rules
        .iter()
        .enumerate()
        .map(|(i, r)| (r.id.as_str(), i))
        .collect();

    let mut artifacts: Vec<Artifact> = Vec::new();
    let mut artifact_index: HashMap<String, usize> = HashMap::new();
    let mut results = Vec::with_capacity(keep.len());
    for f in keep.iter().map(|&i| &report.findings[i]) {
        let uri = path_uri(&f.path);
        let mut loc = ArtifactLocation::builder().uri(uri.clone()).build();
        if let Some(img) = f.image.as_ref().filter(|i| i.source == "layer") {
            // The file lives inside a layer: list the layer as the parent
            // artifact so the path stays the path inside the image.
            let layer_uri = format!(
                "layers/{}",
                img.layer_digest
                    .as_deref()
                    .unwrap_or("unknown")
                    .replace(':', "-")
            );
            let parent = *artifact_index.entry(layer_uri.clone()).or_insert_with(|| {
                artifacts.push(
                    Artifact::builder()
                        .location(ArtifactLocation::builder().uri(layer_uri).build())
                        .build(),
                );
                artifacts.len() - 1
            });
            let key = format!("{parent}\u{0}{uri}");
            let child = *artifact_index.entry(key).or_insert_with(|| {
                artifacts.push(
                    Artifact::builder()
                        .location(ArtifactLocation::builder().uri(uri.clone()).build())
                        .parent_index(parent as i64)
                        .build(),
                );
                artifacts.len() - 1
            });
            loc.index = Some(child as i64);
        } else if f.image.is_none() {
            loc.uri_base_id = Some("%SRCROOT%".into());
        }
        let mut text = f.message.clone();
        if let Some(s) = &f.secret {
            text.push_str(&format!(": {s}"));
        }
        if let Some(c) = &f.commit {
            let short: String = c.chars().take(12).collect();
            text.push_str(&format!(" (commit {short})"));
        }
        if let Some(img) = &f.image {
            if img.deleted {
                text.push_str(" (deleted in the final image, still present in an earlier layer)");
            }
        }
        let mut props: BTreeMap<String, Value> = BTreeMap::new();
        props.insert("severity".into(), json!(f.severity));
        if let Some(c) = &f.commit {
            props.insert("commit".into(), json!(c));
        }
        if let Some(img) = &f.image {
            props.insert(
                "image".into(),
                serde_json::to_value(img).unwrap_or(Value::Null),
            );
        }
        for (k, v) in &f.extra {
            props.insert(k.clone(), json!(v));
        }
        let mut fp = BTreeMap::new();
        fp.insert(FINGERPRINT_KEY.to_string(), f.fingerprint.clone());
        let mut result = SarifResult::builder()
            .rule_id(f.rule_id.clone())
            .message(Message::builder().text(text).build())
            .level(level(f))
            .locations(vec![Location::builder()
                .physical_location(
                    PhysicalLocation::builder()
                        .artifact_location(loc)
                        .region(region(f))
                        .build(),
                )
                .build()])
            .partial_fingerprints(fp)
            .properties(PropertyBag::builder().additional_properties(props).build())
            .build();
        if let Some(i) = index.get(f.rule_id.as_str()) {
            result.rule_index = Some(*i as i64);
        }
        // Each result is printed as it is made: 25,000 `sarif::Result`s
        // held at once took 150 MiB, their text takes a fifth of that.
        results.push(serde_json::to_string_pretty(&result).unwrap_or_default());
    }
    let driver = ToolComponent::builder()
        .name("Stowaway")
        .semantic_version(env!("CARGO_PKG_VERSION"))
        .version(env!("CARGO_PKG_VERSION"))
        .information_uri("https://github.com/stowaway-dev/stowaway")
        .rules(rules.iter().map(|r| rule_descriptor(r)).collect::<Vec<_>>())
        .build();
    let mut base = BTreeMap::new();
    base.insert(
        "%SRCROOT%".to_string(),
        ArtifactLocation::builder()
            .description(
                Message::builder()
                    .text("The root of the scanned tree")
                    .build(),
            )
            .build(),
    );
    let mut run = Run::builder()
        .tool(Tool::builder().driver(driver).build())
        .results(Vec::<SarifResult>::new())
        .column_kind(json!("unicodeCodePoints"))
        .original_uri_base_ids(base)
        .build();
    if !artifacts.is_empty() {
        run.artifacts = Some(artifacts);
    }
    if omitted > 0 {
        let text = format!(
            "Stowaway made {} findings; this run holds the {} most severe, within GitHub code scanning's limits ({} results per run, {} MB gzipped). The {} left out are in the text and JSON reports.",
            keep.len() + omitted,
            keep.len(),
            MAX_RESULTS_PER_RUN,
            MAX_GZIP_BYTES / 1_000_000,
            omitted
        );
        let note = Notification::builder()
            .level(json!("warning"))
            .message(Message::builder().text(text).build())
            .build();
        run.invocations = Some(vec![Invocation::builder()
            .execution_successful(true)
            .tool_execution_notifications(vec![note])
            .build()]);
        let mut props = BTreeMap::new();
        props.insert("omittedResults".to_string(), json!(omitted));
        props.insert("totalFindings".to_string(), json!(keep.len() + omitted));
        run.properties = Some(PropertyBag::builder().additional_properties(props).build());
    }
    if let Some(v) = &report.summary.vcs {
        run.version_control_provenance = Some(vec![VersionControlDetails {
            as_of_time_utc: None,
            branch: v.branch.clone(),
            mapped_to: None,
            properties: None,
            repository_uri: v.repository_uri.clone(),
            revision_id: v.revision.clone(),
            revision_tag: None,
        }]);
    }
    // Each shard, and each git mode, is its own category for code scanning:
    // uploads of shard 2 do not close the alerts of shard 1.
    let mode = report.summary.mode.as_deref();
    if mode.is_some() || report.summary.shard.is_some() {
        let mut id = format!("stowaway/{}/", mode.unwrap_or("tree"));
        if let Some(s) = &report.summary.shard {
            id = format!(
                "stowaway/{}/shard-{}/",
                mode.unwrap_or("tree"),
                s.replace('/', "-of-")
            );
        }
        run.automation_details = Some(RunAutomationDetails {
            id: Some(id),
            ..RunAutomationDetails::default()
        });
    }
    let sarif = Sarif::builder()
        .schema(SCHEMA)
        .version(json!("2.1.0"))
        .runs(vec![run])
        .build();
    let mut s = serde_json::to_string_pretty(&sarif).unwrap_or_default();
    s = splice_results(s, &results);
    s.push('\n');
    s
}

/// Put the printed `results` where the run's empty `"results": []` is,
/// indented as the pretty printer indents them in place (its output is the
/// same text at any depth, each line shifted by the depth).
fn splice_results(doc: String, results: &[String]) -> String {
    const EMPTY: &str = "\"results\": []";
    let Some(at) = doc.find(EMPTY).filter(|_| !results.is_empty()) else {
        return doc;
    };
    let line_start = doc[..at].rfind('\n').map_or(0, |i| i + 1);
    let indent = &doc[line_start..at];
    let inner = format!("\n{indent}  ");
    let total: usize = results.iter().map(|r| r.len() + r.len() / 8).sum();
    let mut out = String::with_capacity(doc.len() + total);
    out.push_str(&doc[..at]);
    out.push_str("\"results\": [");
    for (i, r) in results.iter().enumerate() {
        if i > 0 {
            out.push(',');
        }
        out.push_str(&inner);
        out.push_str(&r.replace('\n', &inner));
    }
    out.push('\n');
    out.push_str(indent);
    out.push(']');
    out.push_str(&doc[at + EMPTY.len()..]);
    out
}

#[cfg(test)]
mod tests {
    use super::path_uri;

    #[test]
    fn uris_are_relative_references() {
        assert_eq!(path_uri("src/main.rs"), "src/main.rs");
        assert_eq!(path_uri("we,ird:name.txt"), "we,ird%3Aname.txt");
        assert_eq!(path_uri("a b/#?%.txt"), "a%20b/%23%3F%25.txt");
        assert_eq!(path_uri("/abs/é"), "abs/%C3%A9");
    }
}
