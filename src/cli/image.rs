//! `stowaway image ARCHIVE…`: audit container image archives.

use super::common::{build_scanner, finish, Scanned};
use super::ImageArgs;
use crate::config::Config;
use crate::report::Summary;
use std::path::Path;
use std::time::Instant;

pub fn run(a: &ImageArgs) -> anyhow::Result<i32> {
    let start = Instant::now();
    let cfg = Config::discover(a.output.config.as_deref(), Path::new("."))?;
    let scanner = build_scanner(&cfg, None)?;
    let rules = crate::registry::Registry::active(&scanner, &cfg).of(&[
        crate::report::Category::Secret,
        crate::report::Category::Image,
    ]);
    let opts = crate::image::ImageOptions {
        max_layer_bytes: a.max_layer_bytes,
        max_file_bytes: a.max_file_bytes,
        include_binary: a.include_binary,
        max_nesting: a.max_nesting,
        disabled_rules: cfg.disabled.clone(),
        no_archives: a.no_archives,
    };
    let mut findings = Vec::new();
    let mut summary = Summary::default();
    for archive in &a.archives {
        let (f, s) = crate::image::audit(archive, &scanner, &opts);
        findings.extend(f);
        summary.merge(s);
    }
    let scanned = Scanned {
        findings,
        summary,
        rules,
    };
    finish(scanned, &a.output, &cfg, Path::new("."), start)
}
