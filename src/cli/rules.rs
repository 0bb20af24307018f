//! `stowaway rules`: list every rule.

use super::common::{all_rules, print_stdout};
use super::RulesFormat;
use std::fmt::Write as _;
use std::path::Path;

pub fn run(format: RulesFormat, config: Option<&Path>) -> anyhow::Result<i32> {
    let (registry, _) = all_rules(config)?;
    let metas = registry.rules();
    let mut out = String::new();
    match format {
        RulesFormat::Json => {
            out = serde_json::to_string_pretty(metas)?;
            out.push('\n');
        }
        RulesFormat::Text => {
            let w = metas.iter().map(|m| m.id.len()).max().unwrap_or(10);
            for m in metas {
                let _ = writeln!(
                    out,
                    "{:<w$}  {:<8}  {:<10}  {}",
                    m.id,
                    m.severity.as_str(),
                    format!("{:?}", m.category).to_lowercase(),
                    m.name
                );
            }
            let _ = writeln!(
                out,
                "\n{} rules. `stowaway explain RULE` prints one rule's documentation.",
                metas.len()
            );
        }
    }
    print_stdout(&out)?;
    Ok(super::EXIT_CLEAN)
}
