//! `stowaway explain RULE`: one rule's documentation.

use super::common::{all_rules, print_stdout};
use std::fmt::Write as _;
use std::path::Path;

pub fn run(id: &str, config: Option<&Path>) -> anyhow::Result<i32> {
    let (registry, scanner) = all_rules(config)?;
    let Some(meta) = registry.get(id) else {
        let mut near: Vec<&str> = registry
            .rules()
            .iter()
            .map(|m| m.id.as_str())
            .filter(|m| m.contains(id) || id.contains(*m))
            .take(5)
            .collect();
        near.sort();
        let hint = if near.is_empty() {
            "run `stowaway rules` for the list".to_string()
        } else {
            format!("did you mean {}?", near.join(", "))
        };
        eprintln!("stowaway: error: no rule `{id}`: {hint}");
        return Ok(super::EXIT_ERROR);
    };
    let mut out = String::new();
    let _ = writeln!(out, "{} ({})", meta.name, meta.id);
    let _ = writeln!(
        out,
        "Severity: {}    Category: {:?}",
        meta.severity, meta.category
    );
    if !meta.tags.is_empty() {
        let _ = writeln!(out, "Tags: {}", meta.tags.join(", "));
    }
    let _ = writeln!(out, "\n{}", meta.help.trim_end());
    if let Some(rule) = scanner.rules().iter().find(|r| r.spec.id == id) {
        let _ = writeln!(out, "\nKeywords: {}", rule.spec.keywords.join(", "));
        let _ = writeln!(out, "Pattern: {}", rule.spec.regex.trim());
        if let Some(v) = &rule.spec.validator {
            let _ = writeln!(out, "Validator: {v}");
        }
        if let Some(e) = rule.spec.entropy {
            let _ = writeln!(
                out,
                "Minimum entropy: {e} bits/char (scaled for hex and decimal values)"
            );
        }
        if !rule.spec.examples.is_empty() {
            let _ = writeln!(out, "\nExamples it reports (fake values):");
            for ex in &rule.spec.examples {
                for l in ex.lines() {
                    let _ = writeln!(out, "    {l}");
                }
            }
        }
        if !rule.spec.negative_examples.is_empty() {
            let _ = writeln!(out, "\nExamples it does not report:");
            for ex in &rule.spec.negative_examples {
                for l in ex.lines() {
                    let _ = writeln!(out, "    {l}");
                }
            }
        }
    }
    print_stdout(&out)?;
    Ok(super::EXIT_CLEAN)
}
