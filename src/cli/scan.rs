//! `stowaway scan`: a tree, the staged files, a commit range or the whole
//! history.

use super::common::{config_root, finish, paths_or_dot, run_scan};
use super::ScanArgs;
use crate::config::Config;
use std::time::Instant;

pub fn run(a: &ScanArgs) -> anyhow::Result<i32> {
    let start = Instant::now();
    let paths = paths_or_dot(&a.paths);
    let root = config_root(&paths);
    let cfg = Config::discover(a.output.config.as_deref(), &root)?;
    let scanned = run_scan(a, &cfg)?;
    finish(scanned, &a.output, &cfg, &root, start)
}
