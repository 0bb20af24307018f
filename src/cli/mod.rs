//! The command line: argument parsing (clap), dispatch to the scanners, and
//! exit codes. Everything here is thin; the work happens in `source`,
//! `secrets`, `dockerfile`, `config` and `report`.
//!
//! Exit codes: 0 no findings, 1 findings (at or above `--fail-on`),
//! 2 usage, config or input error (including a scan that could not read
//! some of its input and found nothing: never a false all-clear).

// One file per command; `common` is what they share (resolved arguments,
// the tree/git scan, printing); `git` feeds git blobs to the pipeline.
mod baseline;
mod common;
mod dockerfile;
mod explain;
mod git;
mod image;
mod rules;
mod scan;

use clap::{Args, Parser, Subcommand, ValueEnum};
use std::io::Write as _;
use std::path::PathBuf;

pub const EXIT_CLEAN: i32 = 0;
pub const EXIT_FINDINGS: i32 = 1;
pub const EXIT_ERROR: i32 = 2;

#[derive(Parser, Debug)]
#[command(
    name = "stowaway",
    version,
    about = "Finds what should not ship: secrets in repositories and container images, and unsafe Dockerfiles.",
    after_help = "Exit codes: 0 clean, 1 findings, 2 usage, config or input error."
)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Subcommand, Debug)]
pub enum Command {
    /// Scan files and directories (default: .) for secrets, and lint the Dockerfiles among them.
    Scan(ScanArgs),
    /// Lint the Dockerfiles named.
    Dockerfile(DockerfileArgs),
    /// Audit container image archives (docker save, OCI archive or layout, `-` for stdin).
    Image(ImageArgs),
    /// List every rule.
    Rules {
        /// Output format.
        #[arg(long, value_enum, default_value_t = RulesFormat::Text)]
        format: RulesFormat,
        /// Also load custom rules from this config file.
        #[arg(long)]
        config: Option<PathBuf>,
    },
    /// Print a rule's documentation.
    Explain {
        /// Rule id, e.g. github-classic-pat or dockerfile-runs-as-root.
        rule: String,
        #[arg(long)]
        config: Option<PathBuf>,
    },
    /// Create or update a baseline of accepted findings.
    Baseline {
        #[command(subcommand)]
        action: BaselineAction,
    },
}

#[derive(Subcommand, Debug)]
pub enum BaselineAction {
    /// Accept every current finding: write them to the baseline (default
    /// .stowaway-baseline.json at the scan root, where `scan` finds it).
    Create {
        #[command(flatten)]
        args: BaselineArgs,
        /// Overwrite an existing baseline file.
        #[arg(long)]
        force: bool,
    },
    /// Drop the entries that no longer match a finding (fixed or removed
    /// secrets); with --add-new, also accept the findings not yet listed.
    Update {
        #[command(flatten)]
        args: BaselineArgs,
        /// Also add the current findings the baseline does not list.
        #[arg(long)]
        add_new: bool,
    },
}

/// What `baseline create|update` scans, and where it writes.
#[derive(Args, Debug, Clone)]
pub struct BaselineArgs {
    /// Files and directories to scan (default: .).
    #[arg(value_name = "PATH")]
    pub paths: Vec<PathBuf>,
    /// Baseline file (default: .stowaway-baseline.json at the scan root).
    #[arg(long, short = 'o', value_name = "FILE", alias = "baseline")]
    pub output: Option<PathBuf>,
    /// Config file (default: .stowaway.toml at the scan root, when present).
    #[arg(long, value_name = "FILE")]
    pub config: Option<PathBuf>,
    /// Baseline the lines added by every commit in BASE..HEAD instead of the tree.
    #[arg(long, value_name = "BASE..HEAD", conflicts_with = "history")]
    pub git_range: Option<String>,
    /// Baseline the whole history (every blob reachable from any ref).
    #[arg(long)]
    pub history: bool,
    /// Leave out paths matching GLOB (gitignore syntax; repeatable).
    #[arg(long, value_name = "GLOB")]
    pub exclude: Vec<String>,
    /// Also scan what .gitignore and .ignore exclude.
    #[arg(long)]
    pub no_ignore: bool,
    /// Do not lint Dockerfiles met during the scan.
    #[arg(long)]
    pub no_dockerfile: bool,
    /// Do not open archives (zip, jar, tar, gzip, bzip2, xz, zstd…): scan
    /// them as the binary files they are.
    #[arg(long)]
    pub no_archives: bool,
    /// Never draw a progress bar.
    #[arg(long)]
    pub no_progress: bool,
}

impl BaselineArgs {
    /// The scan these options describe.
    pub fn scan_args(&self) -> ScanArgs {
        ScanArgs {
            paths: self.paths.clone(),
            output: OutputArgs {
                format: Format::Text,
                output: None,
                sarif_output: None,
                no_redact: false,
                config: self.config.clone(),
                baseline: None,
                no_baseline: true,
                fail_on: FailOn(Some(crate::report::Severity::Info)),
                no_progress: self.no_progress,
            },
            no_ignore: self.no_ignore,
            exclude: self.exclude.clone(),
            include_binary: false,
            threads: 0,
            no_dockerfile: self.no_dockerfile,
            no_archives: self.no_archives,
            staged: false,
            git_range: self.git_range.clone(),
            history: self.history,
            all_objects: false,
            shard: None,
            chunk_size: None,
            explain_drops: false,
        }
    }
}

/// `--fail-on`: a severity, or `none` (never exit 1 for findings).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct FailOn(pub Option<crate::report::Severity>);

impl std::str::FromStr for FailOn {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        if s.eq_ignore_ascii_case("none") {
            return Ok(FailOn(None));
        }
        s.parse()
            .map(|sev| FailOn(Some(sev)))
            .map_err(|e: String| e.replace("high or critical)", "high, critical or none)"))
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum Format {
    Text,
    Json,
    Sarif,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum RulesFormat {
    Text,
    Json,
}

/// Options shared by every command that reports findings.
#[derive(Args, Debug, Clone)]
pub struct OutputArgs {
    /// Output format.
    #[arg(long, short = 'f', value_enum, default_value_t = Format::Text)]
    pub format: Format,
    /// Write the report to FILE instead of standard output (a short summary still goes to stderr).
    #[arg(long, short = 'o', value_name = "FILE")]
    pub output: Option<PathBuf>,
    /// Also write SARIF to FILE, whatever --format says (one scan, two reports).
    #[arg(long, value_name = "FILE")]
    pub sarif_output: Option<PathBuf>,
    /// Print secrets in full. Off by default: secrets show their first 4 characters.
    #[arg(long)]
    pub no_redact: bool,
    /// Config file (default: .stowaway.toml at the scan root, when present).
    #[arg(long, value_name = "FILE")]
    pub config: Option<PathBuf>,
    /// Hide the accepted findings listed in this baseline file (default:
    /// .stowaway-baseline.json at the scan root, when present).
    #[arg(long, value_name = "FILE")]
    pub baseline: Option<PathBuf>,
    /// Do not apply any baseline, not even the one at the scan root.
    #[arg(long, conflicts_with = "baseline")]
    pub no_baseline: bool,
    /// Exit 1 only for findings at or above this severity (info, low, medium,
    /// high, critical), or never for findings with `none`.
    #[arg(long, value_name = "SEVERITY", default_value = "info")]
    pub fail_on: FailOn,
    /// Never draw a progress bar.
    #[arg(long)]
    pub no_progress: bool,
}

#[derive(Args, Debug, Clone)]
pub struct ScanArgs {
    /// Files and directories to scan. Files named here are always scanned, even if ignored.
    #[arg(value_name = "PATH")]
    pub paths: Vec<PathBuf>,
    #[command(flatten)]
    pub output: OutputArgs,
    /// Also scan what .gitignore and .ignore exclude.
    #[arg(long)]
    pub no_ignore: bool,
    /// Leave out paths matching GLOB (gitignore syntax; repeatable).
    #[arg(long, value_name = "GLOB")]
    pub exclude: Vec<String>,
    /// Scan files that look binary (a NUL byte in the first 8 KiB).
    #[arg(long)]
    pub include_binary: bool,
    /// Worker threads (default: one per core).
    #[arg(long, short = 'j', default_value_t = 0)]
    pub threads: usize,
    /// Do not lint Dockerfiles met during the scan.
    #[arg(long)]
    pub no_dockerfile: bool,
    /// Do not open archives (zip, jar, tar, gzip, bzip2, xz, zstd…): scan
    /// them as the binary files they are.
    #[arg(long)]
    pub no_archives: bool,
    /// Scan what is staged in the git index (added and changed files).
    #[arg(long, conflicts_with = "git_range")]
    pub staged: bool,
    /// Scan the lines added by every commit in BASE..HEAD (REV^! is one commit; a
    /// single REV is all history reachable from it). Exits 2 if an end does not
    /// resolve or a shallow clone cuts the range.
    #[arg(long, value_name = "BASE..HEAD")]
    pub git_range: Option<String>,
    /// Audit the whole history: every blob reachable from any ref (branches, tags,
    /// remotes, notes, every stash entry), each scanned once; findings name the
    /// commit that introduced them. PATH (default .) names the repository.
    #[arg(long, conflicts_with_all = ["staged", "git_range"])]
    pub history: bool,
    /// With --history: every object in the store, reachable from a ref or not.
    #[arg(long, requires = "history")]
    pub all_objects: bool,
    /// Scan only shard K of N (1-based): files in a tree scan, blobs in a history
    /// audit, split by a hash of their name, so N jobs cover the scan once.
    #[arg(long, value_name = "K/N", value_parser = parse_shard)]
    pub shard: Option<(u32, u32)>,
    /// Bytes read per chunk (tests and tuning).
    #[arg(long, hide = true)]
    pub chunk_size: Option<usize>,
    /// Print to stderr every candidate a rule dropped and why (failed
    /// checksum, published example, not a literal, not random...).
    #[arg(long)]
    pub explain_drops: bool,
}

#[derive(Args, Debug, Clone)]
pub struct DockerfileArgs {
    /// Dockerfiles to lint (directories are searched for Dockerfiles).
    #[arg(value_name = "FILE", required = true)]
    pub files: Vec<PathBuf>,
    #[command(flatten)]
    pub output: OutputArgs,
    /// Lint for this build target stage instead of the last stage.
    #[arg(long, value_name = "STAGE")]
    pub target: Option<String>,
}

#[derive(Args, Debug, Clone)]
pub struct ImageArgs {
    /// Image archives (`docker save`, `oci-archive`), OCI layout directories, or `-` for stdin.
    #[arg(value_name = "ARCHIVE", required = true)]
    pub archives: Vec<String>,
    #[command(flatten)]
    pub output: OutputArgs,
    /// Stop decompressing a layer after this many bytes (bomb guard).
    #[arg(long, value_name = "BYTES", default_value_t = 8 << 30)]
    pub max_layer_bytes: u64,
    /// Scan at most this many bytes of each file in a layer.
    #[arg(long, value_name = "BYTES", default_value_t = 256 << 20)]
    pub max_file_bytes: u64,
    /// Follow OCI image indexes nested at most this deep.
    #[arg(long, value_name = "N", default_value_t = 8)]
    pub max_nesting: u32,
    /// Scan files that look binary.
    #[arg(long)]
    pub include_binary: bool,
    /// Do not open archives (zip, jar, tar, gzip…) found in layers.
    #[arg(long)]
    pub no_archives: bool,
}

/// `K/N` with 1 <= K <= N.
fn parse_shard(s: &str) -> Result<(u32, u32), String> {
    let bad = || format!("invalid shard `{s}`: expected K/N with 1 <= K <= N, e.g. 2/8");
    let (k, n) = s.split_once('/').ok_or_else(bad)?;
    let k: u32 = k.trim().parse().map_err(|_| bad())?;
    let n: u32 = n.trim().parse().map_err(|_| bad())?;
    if k == 0 || n == 0 || k > n {
        return Err(bad());
    }
    Ok((k, n))
}

fn dispatch(cli: Cli) -> anyhow::Result<i32> {
    match cli.command {
        Command::Scan(a) => scan::run(&a),
        Command::Dockerfile(a) => dockerfile::run(&a),
        Command::Image(a) => image::run(&a),
        Command::Rules { format, config } => rules::run(format, config.as_deref()),
        Command::Explain { rule, config } => explain::run(&rule, config.as_deref()),
        Command::Baseline { action } => baseline::run(action),
    }
}

/// Parse arguments, run, and return the process exit code.
pub fn main() -> std::process::ExitCode {
    let code = match Cli::try_parse() {
        Ok(cli) => match dispatch(cli) {
            Ok(code) => code,
            Err(e) => {
                // A closed standard error has nowhere to report to.
                let _ = writeln!(std::io::stderr(), "stowaway: error: {e:#}");
                EXIT_ERROR
            }
        },
        Err(e) => {
            let code = if e.use_stderr() {
                EXIT_ERROR
            } else {
                EXIT_CLEAN
            };
            // `--help | head` closes the pipe: nothing to add.
            let _ = e.print();
            code
        }
    };
    std::process::ExitCode::from(u8::try_from(code).unwrap_or(2))
}
