//! Every built-in rule's own examples: each `examples` entry must be reported
//! by that rule when scanned with the whole rule set (so overlap resolution
//! is tested too), and no `negative_examples` entry may be reported by it.

use stowaway::secrets::{rule::compile, Scanner};

#[test]
fn every_rule_has_examples_and_they_behave() {
    let rules = Scanner::builtin_rules().expect("built-in rules load");
    assert!(rules.len() >= 120, "only {} built-in rules", rules.len());
    let specs: Vec<_> = rules.iter().map(|r| r.spec.clone()).collect();
    let all = Scanner::new(rules).expect("scanner builds");
    let mut failures = Vec::new();
    for spec in &specs {
        if spec.examples.is_empty() || spec.negative_examples.is_empty() {
            failures.push(format!("{}: needs examples and negative_examples", spec.id));
        }
        for ex in &spec.examples {
            let found = all.find_in(ex.as_bytes());
            if !found.iter().any(|m| m.rule_id == spec.id) {
                let got: Vec<_> = found.iter().map(|m| m.rule_id.as_str()).collect();
                failures.push(format!(
                    "{}: example not reported (got {:?}): {}",
                    spec.id, got, ex
                ));
            }
        }
        let alone = Scanner::new(vec![compile("test", spec.clone()).expect("compiles")])
            .expect("scanner builds");
        for ex in &spec.negative_examples {
            if !alone.find_in(ex.as_bytes()).is_empty() {
                failures.push(format!("{}: negative example reported: {}", spec.id, ex));
            }
        }
    }
    assert!(
        failures.is_empty(),
        "{} rule example failures:\n{}",
        failures.len(),
        failures.join("\n")
    );
}

#[test]
fn rule_ids_are_unique_and_documented() {
    let rules = Scanner::builtin_rules().expect("built-in rules load");
    let mut ids: Vec<_> = rules.iter().map(|r| r.spec.id.clone()).collect();
    ids.sort();
    let n = ids.len();
    ids.dedup();
    assert_eq!(n, ids.len(), "duplicate rule ids");
    for r in &rules {
        assert!(
            !r.spec.description.trim().is_empty(),
            "{}: no description",
            r.spec.id
        );
    }
}

#[test]
fn generic_rule_rejects_placeholders() {
    let s = Scanner::builtin().expect("built-in rules load");
    for line in [
        "password = \"changeme\"",
        "token: ${GITHUB_TOKEN}",
        "api_key = \"<your-api-key>\"",
        "secret = \"xxxxxxxxxxxxxxxx\"",
        "aws_access_key_id = AKIAIOSFODNN7EXAMPLE",
        "aws_secret_access_key = wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY",
    ] {
        let got = s.find_in(line.as_bytes());
        assert!(got.is_empty(), "{line}: {got:?}");
    }
}
