//! What every command shares: the arguments resolved once (paths, config
//! root, scanner), the tree/git scan behind `scan` and `baseline`, and the
//! last step of every report (suppression, sorting, printing, exit code).
//! Commands call into this file, never into each other.

use super::{Format, OutputArgs, ScanArgs, EXIT_CLEAN, EXIT_ERROR, EXIT_FINDINGS};
use crate::config::{Baseline, Config, Policy};
use crate::registry::Registry;
use crate::report::{self, Category, Finding, Report, RuleMeta, Summary};
use crate::scan::{self, Pipeline};
use crate::secrets::Scanner;
use crate::source::walk::{self, WalkOptions};
use anyhow::Context as _;
use std::io::{IsTerminal, Write};
use std::path::{Path, PathBuf};
use std::time::Instant;

/// The built-in rules less those the config disables, plus its custom rules.
pub(super) fn build_scanner(cfg: &Config, chunk: Option<usize>) -> anyhow::Result<Scanner> {
    let builtin = Scanner::builtin_rules()?;
    crate::registry::check_config(cfg, builtin.iter().map(|r| &*r.spec.id))?;
    let mut rules: Vec<_> = builtin
        .into_iter()
        .filter(|r| cfg.rule_enabled(&r.spec.id))
        .collect();
    let custom: Vec<_> = cfg.custom_rules.iter().map(|r| r.spec.clone()).collect();
    for spec in custom {
        let file = cfg
            .file
            .as_ref()
            .map(|f| f.display().to_string())
            .unwrap_or_else(|| "config".into());
        rules.retain(|r| r.spec.id != spec.id);
        rules.push(crate::secrets::rule::compile(&file, spec)?);
    }
    // `[allow] secrets` is applied by the policy stage (`config::Policy`),
    // where what it hides is counted, not by the engine.
    let mut scanner = Scanner::new(rules)?;
    if let Some(c) = chunk {
        scanner = scanner.with_chunk_size(c);
    }
    Ok(scanner)
}

/// The paths named, or `.` when none are.
pub(super) fn paths_or_dot(paths: &[PathBuf]) -> Vec<PathBuf> {
    if paths.is_empty() {
        vec![PathBuf::from(".")]
    } else {
        paths.to_vec()
    }
}

/// The directory a scan's paths are shown relative to, and where the config
/// is looked for. Relative paths are shown as given (`src/app.py` for
/// `scan src`), like ripgrep, so SARIF and annotations point at the right
/// file from the repository root; a single absolute directory is the root
/// itself (its paths would otherwise be absolute, which SARIF upload rejects).
pub(super) fn scan_root(paths: &[PathBuf]) -> Option<PathBuf> {
    match paths {
        [one] if one.is_dir() && one.is_absolute() => Some(one.clone()),
        _ => None,
    }
}

/// Where `.stowaway.toml` is looked for: the single directory scanned, else
/// the current directory.
pub(super) fn config_root(paths: &[PathBuf]) -> PathBuf {
    match paths {
        [one] if one.is_dir() => one.clone(),
        _ => PathBuf::from("."),
    }
}

pub(super) struct Scanned {
    pub findings: Vec<Finding>,
    pub summary: Summary,
    pub rules: Vec<RuleMeta>,
}

/// A tree scan, or a git one (`--staged`, `--git-range`, `--history`).
pub(super) fn run_scan(a: &ScanArgs, cfg: &Config) -> anyhow::Result<Scanned> {
    let scanner = build_scanner(cfg, a.chunk_size)?.with_explain_drops(a.explain_drops);
    let mut categories = vec![Category::Secret];
    if !a.no_dockerfile {
        categories.push(Category::Dockerfile);
    }
    // Only SARIF lists the rules; building ~800 rules' documentation was
    // most of a small scan's start-up.
    let sarif = matches!(a.output.format, Format::Sarif) || a.output.sarif_output.is_some();
    let rules = if sarif {
        Registry::active(&scanner, cfg).of(&categories)
    } else {
        Vec::new()
    };
    let paths = paths_or_dot(&a.paths);
    let progress = report::progress::Progress::start(!a.output.no_progress);
    let git = a.staged || a.git_range.is_some();
    let history = a.history;
    let scan_opts = scan::Options {
        // Git blobs that look binary are never scanned.
        include_binary: a.include_binary && !git,
        // A history audit does not lint past Dockerfiles nobody can act on.
        lint_dockerfiles: !a.no_dockerfile && !history,
        disabled_rules: cfg.disabled.clone(),
        no_archives: a.no_archives,
        ..scan::Options::default()
    };
    let pipeline = Pipeline::new(&scanner, scan_opts).with_progress(progress.counters.clone());
    let sink = if git || history {
        super::git::scan(a, &paths, &pipeline)?
    } else {
        let opts = WalkOptions {
            no_ignore: a.no_ignore,
            excludes: a.exclude.clone(),
            threads: a.threads,
            shard: a.shard,
        };
        walk::scan_paths(&paths, scan_root(&paths).as_deref(), &pipeline, &opts)?
    };
    progress.finish();
    let (findings, summary) = sink.into_parts();
    let mut summary = summary;
    if let Some((k, n)) = a.shard {
        summary.shard = Some(format!("{k}/{n}"));
    }
    Ok(Scanned {
        findings,
        summary,
        rules,
    })
}

pub(super) fn warn_errors(summary: &Summary) {
    let mut err = std::io::stderr().lock();
    for e in &summary.errors {
        let _ = writeln!(err, "stowaway: warning: {}: {}", e.path, e.message);
    }
    for n in &summary.notes {
        let _ = writeln!(err, "stowaway: note: {n}");
    }
}

/// Write `text` to standard output. A closed pipe (`| head`) ends the
/// output quietly, as ripgrep does; any other write error is an error.
pub(super) fn print_stdout(text: &str) -> anyhow::Result<()> {
    to_stdout(|w| w.write_all(text.as_bytes()))
}

/// Run `write` over a buffered standard output, ending quietly on a closed
/// pipe as [`print_stdout`] does.
pub(super) fn to_stdout(
    write: impl FnOnce(&mut dyn Write) -> std::io::Result<()>,
) -> anyhow::Result<()> {
    let mut stdout = std::io::BufWriter::with_capacity(64 << 10, std::io::stdout().lock());
    match write(&mut stdout).and_then(|()| stdout.flush()) {
        Err(e) if e.kind() != std::io::ErrorKind::BrokenPipe => {
            Err(e).context("cannot write to standard output")
        }
        _ => Ok(()),
    }
}

/// Suppress, sort, print, and pick the exit code.
pub(super) fn finish(
    scanned: Scanned,
    out: &OutputArgs,
    cfg: &Config,
    root: &Path,
    start: Instant,
) -> anyhow::Result<i32> {
    let Scanned {
        mut findings,
        mut summary,
        rules,
    } = scanned;
    let baseline = match out.no_baseline {
        true => None,
        false => Baseline::discover(out.baseline.as_deref(), root)?,
    };
    if let Some(b) = &baseline {
        summary.baseline = b.file.as_ref().map(|f| {
            let f = f.strip_prefix(".").unwrap_or(f);
            f.display().to_string()
        });
    }
    let policy = Policy {
        config: cfg,
        baseline: baseline.as_ref(),
    };
    policy.apply(&mut findings, &mut summary);
    summary.seconds = start.elapsed().as_secs_f64();
    let mut rep = Report {
        findings,
        summary,
        rules,
    };
    rep.sort();
    warn_errors(&rep.summary);
    if !out.no_redact {
        rep.redact();
    }
    let to_file = out.output.is_some();
    let mut sarif_omitted = 0;
    let mut sarif = || {
        let r = report::sarif::render_limited(&rep);
        sarif_omitted = r.omitted;
        r.text
    };
    // JSON is written as it is serialized (`None` here): a report of
    // 100,000 findings is never held whole as a JSON tree.
    let rendered = match out.format {
        Format::Json => None,
        Format::Sarif => Some(sarif()),
        Format::Text => {
            let color = !to_file
                && std::io::stdout().is_terminal()
                && std::env::var_os("NO_COLOR").is_none();
            Some(report::text::render(&rep, &report::text::Style { color }))
        }
    };
    let write = |w: &mut dyn Write| match &rendered {
        Some(text) => w.write_all(text.as_bytes()),
        None => report::json::write(w, &rep),
    };
    if let Some(path) = &out.sarif_output {
        std::fs::write(path, sarif())
            .with_context(|| format!("{}: cannot write SARIF", path.display()))?;
    }
    if sarif_omitted > 0 {
        eprintln!(
            "stowaway: note: the SARIF report holds the {} most severe of {} findings (GitHub code scanning's limits: {} results per run, 10 MB gzipped); all {} are in the text and JSON reports.",
            rep.findings.len() - sarif_omitted,
            rep.findings.len(),
            report::sarif::MAX_RESULTS_PER_RUN,
            rep.findings.len()
        );
    }
    match &out.output {
        Some(path) => {
            std::fs::File::create(path)
                .and_then(|f| {
                    let mut w = std::io::BufWriter::new(f);
                    write(&mut w)?;
                    w.flush()
                })
                .with_context(|| format!("{}: cannot write report", path.display()))?;
            let mut s = String::new();
            report::text::render_summary_line(&mut s, &rep, &report::text::Style { color: false });
            eprint!("{s}");
        }
        None => to_stdout(write)?,
    }
    let failing = out
        .fail_on
        .0
        .is_some_and(|t| rep.findings.iter().any(|f| f.severity >= t));
    Ok(if failing {
        EXIT_FINDINGS
    } else if !rep.summary.errors.is_empty() {
        EXIT_ERROR
    } else {
        EXIT_CLEAN
    })
}

/// The registry of every enabled rule (secret, Dockerfile, image, the
/// config's own), and the scanner holding the secret rules' specs.
pub(super) fn all_rules(config: Option<&Path>) -> anyhow::Result<(Registry, Scanner)> {
    let cfg = match config {
        Some(p) => Config::load(p)?,
        None => Config::default(),
    };
    let scanner = build_scanner(&cfg, None)?;
    Ok((Registry::active(&scanner, &cfg), scanner))
}
