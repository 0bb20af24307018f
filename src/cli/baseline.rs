//! `stowaway baseline create|update`: accept the current findings.

use super::common::{config_root, paths_or_dot, run_scan, warn_errors};
use super::{BaselineAction, BaselineArgs, EXIT_CLEAN, EXIT_ERROR};
use crate::config::{Baseline, Config, BASELINE_FILE};
use std::path::Path;

fn plural(n: usize, one: &str, many: &str) -> String {
    format!("{n} {}", if n == 1 { one } else { many })
}

pub fn run(action: BaselineAction) -> anyhow::Result<i32> {
    let (a, create, force, add_new): (BaselineArgs, bool, bool, bool) = match action {
        BaselineAction::Create { args, force } => (args, true, force, true),
        BaselineAction::Update { args, add_new } => (args, false, true, add_new),
    };
    let scan = a.scan_args();
    let paths = paths_or_dot(&scan.paths);
    let root = config_root(&paths);
    let file = a.output.clone().unwrap_or_else(|| root.join(BASELINE_FILE));
    let file = file
        .strip_prefix(".")
        .map(Path::to_path_buf)
        .unwrap_or(file);
    if create && file.exists() && !force {
        anyhow::bail!(
            "{} already exists: use `stowaway baseline update` or --force",
            file.display()
        );
    }
    let mut baseline = if create {
        Baseline::new(&file)
    } else if file.exists() {
        Baseline::load(&file)?
    } else {
        anyhow::bail!(
            "{}: no baseline to update: run `stowaway baseline create` first",
            file.display()
        );
    };
    let cfg = Config::discover(scan.output.config.as_deref(), &root)?;
    let mut scanned = run_scan(&scan, &cfg)?;
    // The config's allows apply; the baseline being written does not.
    let policy = crate::config::Policy {
        config: &cfg,
        baseline: None,
    };
    policy.apply(&mut scanned.findings, &mut scanned.summary);
    warn_errors(&scanned.summary);
    let pruned = baseline.prune(&scanned.findings);
    let added = if add_new {
        baseline.add(&scanned.findings)
    } else {
        0
    };
    let left_out = baseline.count_new(&scanned.findings);
    baseline.save()?;
    let total = baseline.findings.len();
    if create {
        eprintln!(
            "Wrote {} with {}.",
            file.display(),
            plural(total, "finding", "findings")
        );
    } else {
        let mut msg = format!(
            "Updated {}: {} pruned (no longer found), {} added, {} kept.",
            file.display(),
            plural(pruned, "entry", "entries"),
            added,
            total
        );
        if left_out > 0 {
            msg.push_str(&format!(
                " {} not in it (review them; `baseline update --add-new` accepts them).",
                plural(left_out, "current finding is", "current findings are")
            ));
        }
        eprintln!("{msg}");
    }
    Ok(if scanned.summary.errors.is_empty() {
        EXIT_CLEAN
    } else {
        EXIT_ERROR
    })
}
