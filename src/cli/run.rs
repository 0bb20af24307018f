//! Running a parsed command: build the scanner from the config, pick the
//! source, apply suppression, print, and choose the exit code.

use super::{
    BaselineAction, BaselineArgs, Command, DockerfileArgs, Format, ImageArgs, OutputArgs, ScanArgs,
    EXIT_CLEAN, EXIT_ERROR, EXIT_FINDINGS,
};
use crate::config::{Baseline, Config, BASELINE_FILE};
use crate::report::{self, Finding, Report, RuleMeta, Summary};
use crate::scan::{self, Item, Origin, Pipeline, Sink};
use crate::secrets::Scanner;
use crate::source::walk::{self, WalkOptions};
use anyhow::Context as _;
use std::io::{IsTerminal, Write};
use std::path::{Path, PathBuf};
use std::time::Instant;

pub fn dispatch(cli: super::Cli) -> anyhow::Result<i32> {
    match cli.command {
        Command::Scan(a) => scan_cmd(&a),
        Command::Dockerfile(a) => dockerfile_cmd(&a),
        Command::Image(a) => image_cmd(&a),
        Command::Rules { format, config } => super::rules::list(format, config.as_deref()),
        Command::Explain { rule, config } => super::rules::explain(&rule, config.as_deref()),
        Command::Baseline { action } => baseline_cmd(action),
    }
}

/// The built-in rules less those the config disables, plus its custom rules.
pub fn build_scanner(cfg: &Config, chunk: Option<usize>) -> anyhow::Result<Scanner> {
    let mut rules: Vec<_> = Scanner::builtin_rules()?
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
    let mut scanner = Scanner::new(rules)?.with_allowed_secrets(cfg.allow_secrets.clone());
    if let Some(c) = chunk {
        scanner = scanner.with_chunk_size(c);
    }
    Ok(scanner)
}

fn secret_rule_metas(scanner: &Scanner) -> Vec<RuleMeta> {
    scanner.rules().iter().map(|r| r.meta.clone()).collect()
}

/// The directory a scan's paths are shown relative to, and where the config
/// is looked for. Relative paths are shown as given (`src/app.py` for
/// `scan src`), like ripgrep, so SARIF and annotations point at the right
/// file from the repository root; a single absolute directory is the root
/// itself (its paths would otherwise be absolute, which SARIF upload rejects).
fn scan_root(paths: &[PathBuf]) -> Option<PathBuf> {
    match paths {
        [one] if one.is_dir() && one.is_absolute() => Some(one.clone()),
        _ => None,
    }
}

/// Where `.stowaway.toml` is looked for: the single directory scanned, else
/// the current directory.
fn config_root(paths: &[PathBuf]) -> PathBuf {
    match paths {
        [one] if one.is_dir() => one.clone(),
        _ => PathBuf::from("."),
    }
}

struct Scanned {
    findings: Vec<Finding>,
    summary: Summary,
    rules: Vec<RuleMeta>,
}

fn run_scan(a: &ScanArgs, cfg: &Config) -> anyhow::Result<Scanned> {
    let scanner = build_scanner(cfg, a.chunk_size)?.with_explain_drops(a.explain_drops);
    let mut rules = secret_rule_metas(&scanner);
    if !a.no_dockerfile {
        rules.extend(crate::dockerfile::rules());
    }
    let paths = if a.paths.is_empty() {
        vec![PathBuf::from(".")]
    } else {
        a.paths.clone()
    };
    let progress = report::progress::Progress::start(!a.output.no_progress);
    let git = a.staged || a.git_range.is_some();
    let history = a.history;
    let scan_opts = scan::Options {
        // Git blobs that look binary are never scanned.
        include_binary: a.include_binary && !git,
        // A history audit does not lint past Dockerfiles nobody can act on.
        lint_dockerfiles: !a.no_dockerfile && !history,
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

fn scan_cmd(a: &ScanArgs) -> anyhow::Result<i32> {
    let start = Instant::now();
    let paths = if a.paths.is_empty() {
        vec![PathBuf::from(".")]
    } else {
        a.paths.clone()
    };
    let root = config_root(&paths);
    let cfg = Config::discover(a.output.config.as_deref(), &root)?;
    let scanned = run_scan(a, &cfg)?;
    finish(scanned, &a.output, &cfg, &root, start)
}

fn dockerfile_cmd(a: &DockerfileArgs) -> anyhow::Result<i32> {
    let start = Instant::now();
    let root = config_root(&a.files);
    let cfg = Config::discover(a.output.config.as_deref(), &root)?;
    let scanner = build_scanner(&cfg, None)?;
    let scan_opts = scan::Options {
        lint_dockerfiles: true,
        dockerfiles_only: true,
        target_stage: a.target.clone(),
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
        rules: crate::dockerfile::rules(),
    };
    finish(scanned, &a.output, &cfg, &root, start)
}

fn image_cmd(a: &ImageArgs) -> anyhow::Result<i32> {
    let start = Instant::now();
    let cfg = Config::discover(a.output.config.as_deref(), Path::new("."))?;
    let scanner = build_scanner(&cfg, None)?;
    let mut rules = secret_rule_metas(&scanner);
    rules.extend(crate::source::image::rules());
    let opts = crate::source::image::ImageOptions {
        max_layer_bytes: a.max_layer_bytes,
        max_file_bytes: a.max_file_bytes,
        include_binary: a.include_binary,
        max_nesting: a.max_nesting,
    };
    let mut findings = Vec::new();
    let mut summary = Summary::default();
    for archive in &a.archives {
        let (f, s) = crate::source::image::audit(archive, &scanner, &opts);
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

fn plural(n: usize, one: &str, many: &str) -> String {
    format!("{n} {}", if n == 1 { one } else { many })
}

fn baseline_cmd(action: BaselineAction) -> anyhow::Result<i32> {
    let (a, create, force, add_new): (BaselineArgs, bool, bool, bool) = match action {
        BaselineAction::Create { args, force } => (args, true, force, true),
        BaselineAction::Update { args, add_new } => (args, false, true, add_new),
    };
    let scan = a.scan_args();
    let paths = if scan.paths.is_empty() {
        vec![PathBuf::from(".")]
    } else {
        scan.paths.clone()
    };
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
    cfg.apply(&mut scanned.findings);
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

fn warn_errors(summary: &Summary) {
    let mut err = std::io::stderr().lock();
    for e in &summary.errors {
        let _ = writeln!(err, "stowaway: warning: {}: {}", e.path, e.message);
    }
}

/// Suppress, sort, print, and pick the exit code.
fn finish(
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
    summary.suppressed += cfg.apply(&mut findings);
    if !out.no_baseline {
        if let Some(baseline) = Baseline::discover(out.baseline.as_deref(), root)? {
            let hidden = baseline.apply(&mut findings);
            summary.suppressed += hidden;
            summary.baselined += hidden;
            summary.baseline = baseline.file.as_ref().map(|f| {
                let f = f.strip_prefix(".").unwrap_or(f);
                f.display().to_string()
            });
        }
    }
    summary.seconds = start.elapsed().as_secs_f64();
    let mut rep = Report {
        findings,
        summary,
        rules,
    };
    rep.sort();
    warn_errors(&rep.summary);
    let redact = !out.no_redact;
    if redact {
        rep.scrub_all_secrets();
    }
    let to_file = out.output.is_some();
    let mut sarif_omitted = 0;
    let mut sarif = || {
        let r = report::sarif::render_limited(&rep, redact);
        sarif_omitted = r.omitted;
        r.text
    };
    let rendered = match out.format {
        Format::Json => report::json::render(&rep, redact),
        Format::Sarif => sarif(),
        Format::Text => {
            let color = !to_file
                && std::io::stdout().is_terminal()
                && std::env::var_os("NO_COLOR").is_none();
            report::text::render(&rep, redact, &report::text::Style { color })
        }
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
            std::fs::write(path, rendered)
                .with_context(|| format!("{}: cannot write report", path.display()))?;
            let mut s = String::new();
            report::text::render_summary_line(&mut s, &rep, &report::text::Style { color: false });
            eprint!("{s}");
        }
        None => {
            let mut stdout = std::io::stdout().lock();
            // A closed pipe (`| head`) is not an error worth a panic.
            let _ = stdout.write_all(rendered.as_bytes());
            let _ = stdout.flush();
        }
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
