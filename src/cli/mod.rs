//! The command line: the contract other tools and scripts depend on.
//!
//! Exit codes: 0 ok, 1 fatal error, 2 bad usage or bad config, 3 partial (some accounts or
//! regions failed; the rest is printed and the failures are listed).

mod completions;
mod context;
mod exit;
mod export;
mod init;
mod logs;
mod progress;
mod refresh;
mod spend;
mod watch;

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
    /// Write a starting config from the AWS profiles on this machine (~/.aws/config and
    /// ~/.aws/credentials, or $AWS_CONFIG_FILE and $AWS_SHARED_CREDENTIALS_FILE): one account
    /// per profile, one entry per account. Never overwrites an existing file.
    Init {
        /// Print the config instead of writing it.
        #[arg(long)]
        stdout: bool,
        /// Write an `[organization]` discovery config listing the organization's accounts
        /// (read from AWS Organizations with the default chain or --profile: the management
        /// account or a delegated administrator), instead of one entry per AWS profile.
        #[arg(long)]
        from_organization: bool,
        /// With --from-organization: the profile that reads Organizations.
        #[arg(long, value_name = "PROFILE", requires = "from_organization")]
        profile: Option<String>,
        /// With --from-organization: the role assumed in every account.
        #[arg(
            long,
            value_name = "NAME",
            default_value = "SageScopeReadOnly",
            requires = "from_organization"
        )]
        role_name: String,
    },
    /// Print the least-privilege IAM policy (JSON) for the features the config uses; attach
    /// it to the role or user sagescope runs as in every account.
    /// assets/sagescope-role.cfn.json creates such a role with CloudFormation.
    IamPolicy,
    /// Print a job's, endpoint's or notebook's CloudWatch Logs to stdout, one line per event.
    ///
    /// The resource is found by name or ARN in the cache (which account, region and kind),
    /// else by its log streams in every configured account and region. Streams of several
    /// hosts are interleaved by time, each line prefixed with its stream. Control characters
    /// in log text are made visible. Exit code 1 when nothing is found (what was searched is
    /// said) or CloudWatch Logs refuses (the missing permission is named).
    Logs(LogsArgs),
    /// Run the refresh loop without the UI and print one JSON line per event (a job failed,
    /// stopped or completed, an endpoint failed or went idle, a new resource breaks the tag
    /// policy) to stdout, until SIGINT or SIGTERM (exit 0).
    ///
    /// Each line is an object with `at`, `event`, `account_id`, `account_name`, `region`,
    /// `kind`, `name`, `arn`, `status`, `previous_status` and `detail`. `[alerts] events`
    /// chooses the kinds and `[alerts] command` runs for each with the line on stdin. What was
    /// already so at the last refresh (of `watch` or the UI, before a restart too) is not
    /// repeated. Progress and errors go to stderr.
    Watch(WatchArgs),
    /// Print shell completions to stdout, e.g. `sagescope completions bash >
    /// ~/.local/share/bash-completion/completions/sagescope`.
    Completions {
        /// The shell to complete in.
        #[arg(value_enum)]
        shell: clap_complete::Shell,
    },
    /// Print the manual page (roff) to stdout, e.g. `sagescope man > sagescope.1`.
    Man,
}

#[derive(Debug, Args)]
pub struct LogsArgs {
    /// The resource's name or ARN: a training, processing, transform or tuning job, an
    /// endpoint or a notebook instance.
    #[arg(value_name = "NAME|ARN")]
    pub resource: String,
    /// Only this configured account (its name or account id).
    #[arg(long, value_name = "NAME")]
    pub account: Option<String>,
    /// Only this region.
    #[arg(long, value_name = "REGION")]
    pub region: Option<String>,
    /// Only events of the last DURATION, e.g. 30m, 1h, 2d (default: all).
    #[arg(long, value_name = "DURATION")]
    pub since: Option<crate::age::Age>,
    /// Keep printing new events as they arrive, each once, until Ctrl-C.
    #[arg(long, short = 'f')]
    pub follow: bool,
    /// Only streams whose name contains SUBSTRING (e.g. algo-2 for the second host).
    #[arg(long, value_name = "SUBSTRING")]
    pub stream: Option<String>,
    /// Start each line with the event's time (UTC, RFC 3339).
    #[arg(long)]
    pub timestamps: bool,
    /// Seconds between two polls with --follow (at least 0.2).
    #[arg(long, value_name = "SECONDS", default_value = "2", value_parser = logs::parse_interval)]
    pub interval: std::time::Duration,
    #[command(flatten)]
    pub mode: ModeArgs,
}

#[derive(Debug, Args)]
pub struct WatchArgs {
    /// Seconds between refreshes (default: refresh.jobs_seconds).
    #[arg(long, value_name = "SECONDS")]
    pub interval: Option<u64>,
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
    /// For spend: days to look back, 1 to 400 (default: spend.lookback_days).
    #[arg(long, value_name = "N", value_parser = clap::value_parser!(u32).range(1..=config::MAX_LOOKBACK_DAYS))]
    pub days: Option<u32>,
    /// For spend: daily or monthly rows (default: spend.granularity).
    #[arg(long, value_enum)]
    pub granularity: Option<Granularity>,
    /// For spend: count every AWS service, not only SageMaker.
    #[arg(long)]
    pub all_services: bool,
    /// For spend: where spend comes from, Cost Explorer (`ce`) or the CUR 2.0 table through
    /// Athena (`cur`, needs `[cur]`) (default: spend.source).
    #[arg(long, value_enum, value_name = "SOURCE")]
    pub source: Option<crate::config::SpendSourceKind>,
    /// Only mine: jobs and findings whose owner tag is one of `[me] owner` or that one of
    /// `[me] studio_user_profiles` started in Studio; spend filtered to them in Cost Explorer
    /// (grouped by `project` by default). Needs `[me]` in the config, or --me.
    #[arg(long)]
    pub mine: bool,
    /// For jobs and untagged: only this account's rows (its name or 12-digit id).
    #[arg(long, value_name = "NAME|ID")]
    pub account: Option<String>,
    /// For jobs and untagged: only the rows of accounts that `[organization]` discovery
    /// placed under this OU or any OU below it (its id `ou-…` or name).
    #[arg(long, value_name = "OU")]
    pub ou: Option<String>,
    /// Who "me" is: a value of the owner tag (`[me] owner_key`, default `owner`). Implies
    /// --mine and replaces `[me] owner` for this run.
    #[arg(long, value_name = "VALUE")]
    pub me: Option<String>,
    /// For spend: ignore cached Cost Explorer answers (each request costs USD 0.01). For
    /// untagged: read every resource's tags again (e.g. after running the fix script).
    #[arg(long)]
    pub no_cache: bool,
    /// For events: only those from this long ago on, e.g. 30m, 12h, 7d (default: all kept).
    #[arg(long, value_name = "AGE")]
    pub since: Option<crate::age::Age>,
    /// For CSV: write every cell exactly as received. By default a cell starting with `=`,
    /// `+`, `-`, `@`, a tab or a carriage return gets a leading `'` so spreadsheets show it
    /// as text instead of running it as a formula; cells that are plain numbers (`-1.5`) are
    /// never changed.
    #[arg(long)]
    pub raw: bool,
    /// For untagged: `cost` lists the offenders by the money at stake, highest first
    /// (default: grouped by account, most problems first).
    #[arg(long, value_enum, value_name = "ORDER")]
    pub sort: Option<ExportSort>,
    /// For spend: split the untagged share of the group-by key by who created each resource
    /// lacking it, from the resources' own costs (instead of Cost Explorer's rows).
    #[arg(long, value_enum, value_name = "SPLIT")]
    pub untagged_by: Option<UntaggedBy>,
}

/// How `export spend --untagged-by` splits the untagged share.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum UntaggedBy {
    /// Who created each resource lacking the key (from CloudTrail), with what they cost.
    Creator,
}

/// Orders `export untagged --sort` accepts.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum ExportSort {
    /// Highest cost first (`cost_usd`), unpriced resources last.
    Cost,
}

/// Runs a parsed command line and says how it ended.
pub fn run(cli: Cli) -> Result<Outcome, CliError> {
    // Completions and the manual describe the command line itself: no config is read, so a
    // broken one does not stand in their way.
    match &cli.command {
        Some(Command::Completions { shell }) => return completions::print(*shell),
        Some(Command::Man) => return completions::man(),
        _ => {}
    }
    // init runs before there is a config to load.
    if let Some(Command::Init {
        stdout,
        from_organization,
        profile,
        role_name,
    }) = cli.command
    {
        let organization =
            from_organization.then_some(init::FromOrganization { profile, role_name });
        return init::run(cli.config.as_deref(), stdout, organization);
    }
    let loaded = config::load(cli.config.as_deref())?;
    for warning in &loaded.warnings {
        eprintln!("warning: {warning}");
        tracing::warn!("{warning}");
    }
    let context = context::Context::new(&loaded)?;
    match cli.command {
        None => run_tui(context, cli.mode),
        Some(Command::Refresh) => refresh::run(&context),
        Some(Command::Init { .. } | Command::Completions { .. } | Command::Man) => {
            Err(CliError::Usage("this command was already handled".into()))
        }
        Some(Command::IamPolicy) => {
            let config = &loaded.config;
            let group = config
                .stream
                .as_ref()
                .map_or(crate::iam::DEFAULT_STREAM_GROUP, |s| s.log_group.as_str());
            print!(
                "{}",
                crate::iam::render(&crate::iam::features(config), group)
            );
            Ok(Outcome::Ok)
        }
        Some(Command::Export(args)) => export::run(&context, &args, args.mode.or(cli.mode)?),
        Some(Command::Logs(args)) => logs::run(&context, &args, args.mode.or(cli.mode)?),
        Some(Command::Watch(args)) => {
            if cli.mode.demo || cli.mode.offline {
                return Err(CliError::Usage(
                    "watch reads AWS; it cannot run with --demo or --offline".into(),
                ));
            }
            watch::run(&context, args.interval)
        }
    }
}

impl ModeArgs {
    /// The mode flags given after the command or before it (`sagescope --demo export`).
    fn or(self, global: ModeArgs) -> Result<ModeArgs, CliError> {
        let mode = ModeArgs {
            demo: self.demo || global.demo,
            offline: self.offline || global.offline,
        };
        if mode.demo && mode.offline {
            return Err(CliError::Usage(
                "--demo and --offline cannot be used together".into(),
            ));
        }
        Ok(mode)
    }
}

/// The terminal UI, in the mode the flags ask for; its failures get the CLI's exit codes.
fn run_tui(context: context::Context<'_>, args: ModeArgs) -> Result<Outcome, CliError> {
    let loaded = context.loaded;
    let mode = match (args.demo, args.offline) {
        (true, _) => Mode::Demo,
        (_, true) => Mode::Offline,
        _ => Mode::Live,
    };
    match crate::tui::run(
        loaded,
        mode,
        context.into_runtime(),
        crate::aws::job_fetcher,
    ) {
        Ok(()) => Ok(Outcome::Ok),
        Err(err @ TuiError::NotATerminal) => Err(CliError::Usage(err.to_string())),
        Err(TuiError::Failed(err)) => Err(CliError::Fatal(err)),
    }
}

/// Where the cache file is: the config's `[cache] path`, else the platform's cache directory.
pub(crate) fn cache_path(loaded: &LoadedConfig) -> Result<std::path::PathBuf, CliError> {
    loaded.config.cache_file().ok_or_else(|| {
        CliError::Fatal(anyhow::anyhow!(
            "no cache directory is known for this platform; set [cache] path in the config"
        ))
    })
}
