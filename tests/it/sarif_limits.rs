//! SARIF within GitHub code scanning's upload limits: at most 25,000 results
//! per run (the most severe kept, a run-level notification and a note on
//! stderr saying what was cut), 1,000 locations per result, 20 runs per file,
//! 10 MB gzipped.

use crate::common::*;
use std::io::Write as _;
use stowaway::report::sarif::{
    render_limited, MAX_GZIP_BYTES, MAX_LOCATIONS_PER_RESULT, MAX_RESULTS_PER_RUN,
    MAX_RUNS_PER_FILE,
};
use stowaway::report::{Category, Finding, Report, RuleMeta, Severity, Span};

fn meta(id: &str, severity: Severity) -> RuleMeta {
    RuleMeta {
        id: id.into(),
        name: id.into(),
        category: Category::Secret,
        severity,
        short: "s".into(),
        help: "h".into(),
        tags: vec!["security".into()],
        equivalents: Vec::new(),
    }
}

fn gzip_len(text: &str) -> usize {
    let mut e = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
    e.write_all(text.as_bytes()).unwrap();
    e.finish().unwrap().len()
}

fn check_limits(v: &serde_json::Value, text: &str) {
    let runs = v["runs"].as_array().expect("runs");
    assert!(!runs.is_empty() && runs.len() <= MAX_RUNS_PER_FILE);
    for run in runs {
        let results = run["results"].as_array().expect("results");
        assert!(results.len() <= MAX_RESULTS_PER_RUN, "{}", results.len());
        for r in results {
            let n = r["locations"].as_array().map_or(0, Vec::len);
            assert!(n <= MAX_LOCATIONS_PER_RESULT);
        }
    }
    assert!(gzip_len(text) <= MAX_GZIP_BYTES);
}

#[test]
fn thirty_thousand_findings_keep_the_25000_most_severe() {
    let high = meta("test-high", Severity::High);
    let low = meta("test-low", Severity::Low);
    // Interleaved, so the cut cannot be "the first 25,000".
    let findings: Vec<Finding> = (0..30_000u32)
        .map(|i| {
            let m = if i % 3 == 0 { &high } else { &low };
            let key = format!("secret-{i:05}");
            Finding::new(
                m,
                "found".into(),
                format!("dir{}/file{i}.txt", i % 50),
                Span::line(i + 1),
                Some(key.clone()),
                None,
                &key,
            )
        })
        .collect();
    let report = Report {
        findings,
        rules: vec![high.clone(), low.clone()],
        ..Report::default()
    };
    let r = render_limited(&report);
    assert_eq!(r.results, 25_000);
    assert_eq!(r.omitted, 5_000);
    let v: serde_json::Value = serde_json::from_str(&r.text).expect("SARIF is JSON");
    check_limits(&v, &r.text);
    let results = v["runs"][0]["results"].as_array().unwrap();
    let highs = results
        .iter()
        .filter(|x| x["ruleId"] == "test-high")
        .count();
    assert_eq!(highs, 10_000, "every high finding is kept");
    let note = v["runs"][0]["invocations"][0]["toolExecutionNotifications"][0]["message"]["text"]
        .as_str()
        .expect("a run-level notification");
    assert!(
        note.contains("30000 findings") && note.contains("5000 left out"),
        "{note}"
    );
    assert_eq!(v["runs"][0]["properties"]["omittedResults"], 5_000);
}

#[test]
fn a_scan_with_30000_secrets_writes_sarif_github_accepts() {
    let d = tempfile::tempdir().unwrap();
    // 30,000 distinct tokens with valid checksums.
    const B62: &[u8] = b"0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";
    let mut x: u64 = 0x9e37_79b9_7f4a_7c15;
    let mut text = String::new();
    for _ in 0..30_000 {
        let seed: String = (0..30)
            .map(|_| {
                x ^= x << 13;
                x ^= x >> 7;
                x ^= x << 17;
                B62[(x % 62) as usize] as char
            })
            .collect();
        text.push_str(&format!("token = {}\n", github_token("ghp_", &seed)));
    }
    std::fs::write(d.path().join("tokens.txt"), text).unwrap();
    let o = run(
        d.path(),
        &[
            "scan",
            ".",
            "--no-progress",
            "-f",
            "json",
            "-o",
            "r.json",
            "--sarif-output",
            "r.sarif",
        ],
    );
    assert_eq!(o.status.code(), Some(1), "{}", stderr(&o));
    let json: serde_json::Value =
        serde_json::from_slice(&std::fs::read(d.path().join("r.json")).unwrap()).unwrap();
    let total = json["findings"].as_array().unwrap().len();
    assert!(total > MAX_RESULTS_PER_RUN, "{total} findings");
    let sarif = std::fs::read_to_string(d.path().join("r.sarif")).unwrap();
    let v: serde_json::Value = serde_json::from_str(&sarif).unwrap();
    check_limits(&v, &sarif);
    assert_eq!(
        v["runs"][0]["results"].as_array().unwrap().len(),
        MAX_RESULTS_PER_RUN
    );
    let e = stderr(&o);
    assert!(
        e.contains(&format!("holds the 25000 most severe of {total} findings")),
        "{e}"
    );
}
