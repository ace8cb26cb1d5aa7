//! The command line: the contract other tools and scripts depend on.
//!
//! Exit codes: 0 ok, 1 fatal error, 2 bad usage or bad config, 3 partial (some accounts or
//! regions failed; the rest is printed and the failures are listed).

mod exit;
mod export;
mod progress;
mod refresh;
mod spend;

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand};

pub use exit::{CliError, Outcome};

use crate::app::Mode;
use crate::config::{self, Granularity, LoadedConfig};
use crate::export::{ExportView, Format};
use crate::tui::TuiError;

/// sagescope shows where your team's SageMaker money and jobs are, across every AWS account
/// and region you run: live jobs, endpoints and notebooks, spend by cost-allocation tag, and
/// resources that break your tagging rules.
///
/// Run it with no command for the terminal UI. Try `sagescope --demo` first: it needs no AWS
/// account. sagescope only reads from AWS; it never changes anything there.
#[derive(Debug, Parser)]
#[command(
    name = "sagescope",
    version,
    about,
    long_about,
    propagate_version = true
)]
pub struct Cli {
    /// Config file to use (default: $SAGESCOPE_CONFIG, else ~/.config/sagescope/config.toml;
    /// without any file, the default AWS credentials and region are used).
    #[arg(long, global = true, value_name = "PATH")]
    pub config: Option<PathBuf>,

    #[command(flatten)]
    pub mode: ModeArgs,

    #[command(subcommand)]
    pub command: Option<Command>,
}

/// Where the data comes from, when not from AWS directly.
#[derive(Debug, Clone, Copy, Default, Args)]
#[group(multiple = false)]
pub struct ModeArgs {
    /// Use the built-in demo world: three made-up accounts, no AWS access needed.
    #[arg(long)]
    pub demo: bool,
    /// Use only the local cache from the last refresh; never call AWS.
    #[arg(long)]
    pub offline: bool,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Fetch jobs, spend and tag findings from every configured account and region into the
    /// local cache, without opening the UI (for cron jobs, or before going offline).
    ///
    /// Progress goes to stderr, a one-line summary to stdout.
    Refresh,
    /// Print one view (jobs, spend or untagged resources) to stdout as JSON or CSV.
    ///
    /// Without --demo or --offline it fetches live from AWS and updates the cache first.
    /// JSON is an object with `as_of`, `source`, `errors` and `rows`; CSV has a header row and
    /// joins lists with `;`. Exit code 3 means some accounts or regions failed and are listed
    /// in `errors` (on stderr for CSV) while the rest was printed.
    Export(ExportArgs),
}

#[derive(Debug, Args)]
pub struct ExportArgs {
    /// Which view to print.
    #[arg(value_enum)]
    pub view: ExportView,
    /// Output format: json, csv, or (for untagged) script, a shell script of aws CLI
    /// commands that fix the findings.
    #[arg(long, value_enum, default_value = "json")]
    pub format: Format,
    #[command(flatten)]
    pub mode: ModeArgs,
    /// For spend: the cost-allocation tag key to group by (default: spend.group_by).
    #[arg(long, value_name = "TAGKEY")]
    pub group_by: Option<String>,
    /// For spend: days to look back (default: spend.lookback_days).
    #[arg(long, value_name = "N")]
    pub days: Option<u32>,
    /// For spend: daily or monthly rows (default: spend.granularity).
    #[arg(long, value_enum)]
    pub granularity: Option<Granularity>,
    /// For spend: count every AWS service, not only SageMaker.
    #[arg(long)]
    pub all_services: bool,
    /// Only mine: jobs and findings whose owner tag is one of `[me] owner` or that one of
    /// `[me] studio_user_profiles` started in Studio; spend filtered to them in Cost Explorer
    /// (grouped by `project` by default). Needs `[me]` in the config, or --me.
    #[arg(long)]
    pub mine: bool,
    /// Who "me" is: a value of the owner tag (`[me] owner_key`, default `owner`). Implies
    /// --mine and replaces `[me] owner` for this run.
    #[arg(long, value_name = "VALUE")]
    pub me: Option<String>,
    /// For spend: ignore cached Cost Explorer answers (each request costs USD 0.01). For
    /// untagged: read every resource's tags again (e.g. after running the fix script).
    #[arg(long)]
    pub no_cache: bool,
}

/// Runs a parsed command line and says how it ended.
pub fn run(cli: Cli) -> Result<Outcome, CliError> {
    let loaded = config::load(cli.config.as_deref())?;
    for warning in &loaded.warnings {
        eprintln!("warning: {warning}");
        tracing::warn!("{warning}");
    }
    match cli.command {
        None => run_tui(&loaded, cli.mode),
        Some(Command::Refresh) => refresh::run(&loaded),
        Some(Command::Export(args)) => {
            let mode = ModeArgs {
                demo: args.mode.demo || cli.mode.demo,
                offline: args.mode.offline || cli.mode.offline,
            };
            if mode.demo && mode.offline {
                return Err(CliError::Usage(
                    "--demo and --offline cannot be used together".into(),
                ));
            }
            export::run(&loaded, &args, mode)
        }
    }
}

/// The terminal UI, in the mode the flags ask for; its failures get the CLI's exit codes.
fn run_tui(loaded: &LoadedConfig, args: ModeArgs) -> Result<Outcome, CliError> {
    let mode = match (args.demo, args.offline) {
        (true, _) => Mode::Demo,
        (_, true) => Mode::Offline,
        _ => Mode::Live,
    };
    match crate::tui::run(loaded, mode) {
        Ok(()) => Ok(Outcome::Ok),
        Err(err @ TuiError::NotATerminal) => Err(CliError::Usage(err.to_string())),
        Err(TuiError::Failed(err)) => Err(CliError::Fatal(err)),
    }
}

/// Where the cache file is: the config's `[cache] path`, else the platform's cache directory.
pub(crate) fn cache_path(loaded: &LoadedConfig) -> Result<std::path::PathBuf, CliError> {
    loaded
        .config
        .cache_path
        .clone()
        .or_else(crate::paths::cache_file)
        .ok_or_else(|| {
            CliError::Fatal(anyhow::anyhow!(
                "no cache directory is known for this platform; set [cache] path in the config"
            ))
        })
}

/// The cache's one writer thread, at the path the config names, printing a warning if an
/// unusable file was moved aside. A command opens it once and hands clones to jobs and spend
/// alike, so one thread owns the SQLite connection for the whole run.
pub(crate) fn open_store(loaded: &LoadedConfig) -> Result<crate::store::Store, CliError> {
    let path = cache_path(loaded)?;
    let opened = crate::store::Store::open(&path).map_err(|e| CliError::Fatal(e.into()))?;
    if let Some(warning) = opened.warning {
        eprintln!("warning: {}", crate::sanitize::plain(&warning));
        tracing::warn!("{warning}");
    }
    Ok(opened.store)
}
