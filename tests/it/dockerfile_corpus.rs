//! Parse and lint every real Dockerfile in ../shared/corpus/dockerfiles
//! (659 files from docker-library, awesome-compose, jessfraz and vimagick).
//! Skipped, with a visible note, when the corpus is not there (a failure
//! with STOWAWAY_REQUIRE_SHARED=1); STOWAWAY_SHARED names the directory.

use std::collections::BTreeMap;
use std::path::PathBuf;
use stowaway::dockerfile::{lint, parser, LintOptions};

/// Files BuildKit itself rejects, and why.
const EXPECTED_FAILURES: &[(&str, &str)] = &[(
    "vimagick-dockerfiles/obs-web-arm__Dockerfile",
    "`COPY --from build …` without `=`: BuildKit says `missing a value on flag: from`",
)];

fn corpus() -> Option<(PathBuf, Vec<PathBuf>)> {
    let root = crate::common::shared("corpus/dockerfiles")?;
    let dirs = std::fs::read_dir(&root).ok()?;
    let mut files = Vec::new();
    for d in dirs.flatten() {
        if d.path().is_dir() {
            for f in std::fs::read_dir(d.path()).ok()?.flatten() {
                files.push(f.path());
            }
        }
    }
    files.sort();
    Some((root, files))
}

#[test]
fn corpus_parses_like_buildkit() {
    let Some((root, files)) = corpus() else {
        return; // `shared` said why (or failed when it is required)
    };
    assert!(files.len() >= 600, "corpus has only {} files", files.len());
    let mut failures = Vec::new();
    let mut heredocs = 0;
    for f in &files {
        let rel = f
            .strip_prefix(&root)
            .unwrap()
            .to_string_lossy()
            .replace('\\', "/");
        let text = String::from_utf8_lossy(&std::fs::read(f).unwrap()).into_owned();
        let df = parser::parse(&text);
        heredocs += df
            .instructions
            .iter()
            .filter(|i| !i.heredocs.is_empty())
            .count();
        if !df.errors.is_empty() {
            failures.push((rel, df.errors[0].message.clone(), df.errors[0].span.line));
        }
    }
    let unexpected: Vec<_> = failures
        .iter()
        .filter(|(p, _, _)| !EXPECTED_FAILURES.iter().any(|(e, _)| e == p))
        .collect();
    assert!(
        unexpected.is_empty(),
        "unexpected parse failures: {unexpected:#?}"
    );
    assert_eq!(failures.len(), EXPECTED_FAILURES.len(), "{failures:#?}");
    assert!(heredocs >= 50, "only {heredocs} heredoc instructions found");
}

#[test]
fn corpus_lint_counts() {
    let Some((root, files)) = corpus() else {
        return; // `shared` said why (or failed when it is required)
    };
    let scanner = stowaway::secrets::Scanner::builtin().unwrap();
    let opts = LintOptions {
        secrets: Some(&scanner),
        target: None,
        context_dir: None,
    };
    let mut counts: BTreeMap<String, usize> = BTreeMap::new();
    let mut parse_errors = Vec::new();
    for f in &files {
        let rel = f
            .strip_prefix(&root)
            .unwrap()
            .to_string_lossy()
            .replace('\\', "/");
        for x in lint(&rel, &std::fs::read(f).unwrap(), &opts) {
            if x.rule_id == "dockerfile-parse-error" {
                parse_errors.push(format!("{rel}:{}: {}", x.span.line, x.message));
            }
            if let Some(s) = &x.secret {
                assert!(
                    !x.message.contains(s.as_str()),
                    "{rel}: message leaks a secret"
                );
            }
            *counts.entry(x.rule_id).or_default() += 1;
        }
    }
    for (k, v) in &counts {
        eprintln!("{v:6}  {k}");
    }
    assert_eq!(
        parse_errors.len(),
        EXPECTED_FAILURES.len(),
        "{parse_errors:#?}"
    );
    // The one real empty-continuation bug in the corpus.
    assert_eq!(counts.get("dockerfile-empty-continuation-line"), Some(&1));
}
