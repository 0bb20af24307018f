//! `stowaway rules` and `stowaway explain RULE`.

use super::RulesFormat;
use crate::config::Config;
use crate::report::RuleMeta;
use std::path::Path;

fn all_rules(config: Option<&Path>) -> anyhow::Result<(Vec<RuleMeta>, crate::secrets::Scanner)> {
    let cfg = match config {
        Some(p) => Config::load(p)?,
        None => Config::default(),
    };
    let scanner = super::run::build_scanner(&cfg, None)?;
    let mut metas: Vec<RuleMeta> = scanner.rules().iter().map(|r| r.meta.clone()).collect();
    metas.extend(crate::dockerfile::rules());
    metas.extend(crate::source::image::rules());
    Ok((metas, scanner))
}

pub fn list(format: RulesFormat, config: Option<&Path>) -> anyhow::Result<i32> {
    let (metas, _) = all_rules(config)?;
    match format {
        RulesFormat::Json => println!("{}", serde_json::to_string_pretty(&metas)?),
        RulesFormat::Text => {
            let w = metas.iter().map(|m| m.id.len()).max().unwrap_or(10);
            for m in &metas {
                println!(
                    "{:<w$}  {:<8}  {:<10}  {}",
                    m.id,
                    m.severity.as_str(),
                    format!("{:?}", m.category).to_lowercase(),
                    m.name
                );
            }
            println!(
                "\n{} rules. `stowaway explain RULE` prints one rule's documentation.",
                metas.len()
            );
        }
    }
    Ok(super::EXIT_CLEAN)
}

pub fn explain(id: &str, config: Option<&Path>) -> anyhow::Result<i32> {
    let (metas, scanner) = all_rules(config)?;
    let Some(meta) = metas.iter().find(|m| m.id == id) else {
        let mut near: Vec<&str> = metas
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
    println!("{} ({})", meta.name, meta.id);
    println!(
        "Severity: {}    Category: {:?}",
        meta.severity, meta.category
    );
    if !meta.tags.is_empty() {
        println!("Tags: {}", meta.tags.join(", "));
    }
    println!("\n{}", meta.help.trim_end());
    if let Some(rule) = scanner.rules().iter().find(|r| r.spec.id == id) {
        println!("\nKeywords: {}", rule.spec.keywords.join(", "));
        println!("Pattern: {}", rule.spec.regex.trim());
        if let Some(v) = &rule.spec.validator {
            println!("Validator: {v}");
        }
        if let Some(e) = rule.spec.entropy {
            println!("Minimum entropy: {e} bits/char (scaled for hex and decimal values)");
        }
        if !rule.spec.examples.is_empty() {
            println!("\nExamples it reports (fake values):");
            for ex in &rule.spec.examples {
                for l in ex.lines() {
                    println!("    {l}");
                }
            }
        }
        if !rule.spec.negative_examples.is_empty() {
            println!("\nExamples it does not report:");
            for ex in &rule.spec.negative_examples {
                for l in ex.lines() {
                    println!("    {l}");
                }
            }
        }
    }
    Ok(super::EXIT_CLEAN)
}
