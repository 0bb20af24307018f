//! `stowaway dockerfile FILE…`: lint the Dockerfiles named (directories are
//! searched for Dockerfiles), through the same pipeline as a scan.

use super::common::{build_scanner, config_root, finish, scan_root, Scanned};
use super::DockerfileArgs;
use crate::config::Config;
use crate::scan::{self, Item, Origin, Pipeline, Sink};
use crate::source::walk::{self, WalkOptions};
use std::time::Instant;

pub fn run(a: &DockerfileArgs) -> anyhow::Result<i32> {
    let start = Instant::now();
    let root = config_root(&a.files);
    let cfg = Config::discover(a.output.config.as_deref(), &root)?;
    let scanner = build_scanner(&cfg, None)?;
    let scan_opts = scan::Options {
        lint_dockerfiles: true,
        dockerfiles_only: true,
        target_stage: a.target.clone(),
        disabled_rules: cfg.disabled.clone(),
        ..scan::Options::default()
    };
    let pipeline = Pipeline::new(&scanner, scan_opts);
    let mut sink = Sink::default();
    let mut worker = scan::Worker::default();
    for f in &a.files {
        if f.is_dir() {
            let found = walk::scan_paths(
                std::slice::from_ref(f),
                scan_root(&a.files).as_deref(),
                &pipeline,
                &WalkOptions::default(),
            )?;
            sink.merge(found);
            continue;
        }
        let display = walk::display_path(f, None);
        // Only regular files are opened: a FIFO would block forever.
        let file = match std::fs::metadata(f) {
            Ok(m) if !m.is_file() => Err(std::io::Error::other("not a regular file")),
            _ => std::fs::File::open(f),
        };
        let item = file.map(|reader| Item {
            display: &display,
            origin: Origin::File {
                fs_path: f,
                named: true,
            },
            reader,
        });
        if let Err(e) = item.and_then(|item| pipeline.scan(&mut worker, item, &mut sink)) {
            sink.error(display.clone(), format!("cannot read: {e}"));
        }
    }
    let (findings, summary) = sink.into_parts();
    let scanned = Scanned {
        findings,
        summary,
        rules: crate::registry::Registry::active(&scanner, &cfg)
            .of(&[crate::report::Category::Dockerfile]),
    };
    finish(scanned, &a.output, &cfg, &root, start)
}
