//! The user's configuration: which accounts and regions to watch, the tag policy, spend
//! settings, refresh intervals and UI preferences.
//!
//! Precedence follows the usual CLI habit: `--config PATH`, else `$SAGESCOPE_CONFIG`, else the
//! platform config directory. No file at all is a valid setup (one account from the default
//! credential chain), so a new user can start with `sagescope --demo` and then just `sagescope`.

mod cloudtrail;
mod cur;
#[cfg(test)]
mod docs_drift;
mod error;
mod hints;
mod raw;
mod stream;

use std::collections::{BTreeMap, HashSet};
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

pub use cloudtrail::{CloudTrailConfig, TrailTable};
pub use cur::CurConfig;
pub use error::{ConfigError, Location};
pub use raw::looks_like_region;
pub use stream::StreamConfig;

use crate::model::{DEFAULT_OWNER_KEY, EventKind, Me, TagPolicy};
use raw::RawConfig;

/// Environment variable naming the config file when `--config` is not given.
pub const CONFIG_ENV: &str = "SAGESCOPE_CONFIG";

/// Name shown for the implicit account used when no `[[accounts]]` are configured.
pub const DEFAULT_ACCOUNT_NAME: &str = "default";

/// The validated configuration every part of sagescope reads.
#[derive(Debug, Clone, PartialEq)]
pub struct Config {
    /// At least one: without any `[[accounts]]`, the default credential chain.
    pub accounts: Vec<AccountConfig>,
    pub tags: TagsConfig,
    pub spend: SpendConfig,
    pub refresh: RefreshConfig,
    pub health: HealthConfig,
    pub ui: UiConfig,
    /// Where the SQLite cache lives; `None` means the platform cache directory.
    pub cache_path: Option<PathBuf>,
    pub budgets: Vec<Budget>,
    /// `[organization] discover = true`: accounts found in AWS Organizations join `accounts`.
    pub organization: Option<OrganizationConfig>,
    pub alerts: AlertsConfig,
    pub events: EventsConfig,
    /// `[me]`: whose resources and spend `M` and `--mine` show; `None` when not configured.
    pub me: Option<Me>,
    /// `[cur]`: the CUR 2.0 table in Athena; `None` when not configured.
    pub cur: Option<CurConfig>,
    /// `[stream]`: the organization's SageMaker events in a log group, read as the live
    /// source of state changes; `None` when not configured (listings alone).
    pub stream: Option<StreamConfig>,
    /// `[cloudtrail]`: how resources' creators are found beyond the stream's events.
    pub cloudtrail: CloudTrailConfig,
    /// Where the AWS code connects instead of the standard chain; set by code (tests against
    /// an AWS emulator), never by the config file. `None`: the environment and profiles.
    pub aws_override: Option<AwsOverride>,
}

/// An explicit AWS connection for every account: this endpoint, these static keys, this
/// region (where an account names none) and at most this many attempts per call, with no AWS
/// config or credentials file read and no profile used. What in-process tests hand the AWS
/// code to reach an emulator, where a process-wide `AWS_ENDPOINT_URL` would leak into every
/// other test of the process.
#[derive(Clone, PartialEq, Eq)]
pub struct AwsOverride {
    pub endpoint_url: String,
    pub access_key_id: String,
    pub secret_access_key: String,
    pub region: String,
    pub max_attempts: u32,
}

impl std::fmt::Debug for AwsOverride {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("AwsOverride")
            .field("endpoint_url", &self.endpoint_url)
            .field("access_key_id", &self.access_key_id)
            .field("secret_access_key", &"<redacted>")
            .field("region", &self.region)
            .field("max_attempts", &self.max_attempts)
            .finish()
    }
}

/// How accounts are discovered from AWS Organizations, and how each is reached.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OrganizationConfig {
    /// Assumed in every discovered account (`arn:aws:iam::<id>:role/<role_name>`).
    pub role_name: String,
    /// Only accounts under these OUs (recursively) or roots; empty means the whole
    /// organization.
    pub ous: Vec<String>,
    /// Account ids or names left out.
    pub exclude: Vec<String>,
    /// Regions read in discovered accounts; empty means the base credentials' region.
    pub regions: Vec<String>,
    pub external_id: Option<String>,
    /// The profile whose credentials read Organizations and assume the roles (the management
    /// or delegated-administrator account); `None` is the default chain.
    pub profile: Option<String>,
    /// How long the discovered list is trusted before Organizations is asked again.
    pub ttl_hours: u32,
}

impl OrganizationConfig {
    /// Discovery of the whole organization through `role_name`, read with `profile` (the
    /// default chain when `None`), every other setting at its default.
    pub fn whole(role_name: &str, profile: Option<String>) -> Self {
        OrganizationConfig {
            role_name: role_name.to_string(),
            ous: Vec::new(),
            exclude: Vec::new(),
            regions: Vec::new(),
            external_id: None,
            profile,
            ttl_hours: 24,
        }
    }
}

/// `[alerts]`: what an event does besides going on the timeline.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AlertsConfig {
    /// The kinds that alert (toast, bell, notification, command, `watch` line); all by default.
    pub events: Vec<EventKind>,
    /// Ring the terminal bell (TUI).
    pub bell: bool,
    /// A desktop notification through the terminal (OSC 9 and OSC 777; TUI).
    pub notify: bool,
    /// A program and its arguments, run directly (no shell) with the event's JSON on stdin.
    pub command: Vec<String>,
    /// How long the command may run before it is killed.
    pub command_timeout_seconds: u64,
}

/// `[events]`: the timeline.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EventsConfig {
    /// Timeline entries older than this are dropped on the next write.
    pub retention_days: u32,
}

/// One AWS account to watch.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AccountConfig {
    /// The label shown everywhere in place of the account id.
    pub name: String,
    /// A role assumed from the base credentials to reach this account.
    pub role_arn: Option<String>,
    /// A profile from `~/.aws/config` for this account's (base) credentials.
    pub profile: Option<String>,
    /// Passed to `sts:AssumeRole` when the role's trust policy asks for one.
    pub external_id: Option<String>,
    /// Regions to read; empty means the SDK's default region for this profile.
    pub regions: Vec<String>,
}

impl AccountConfig {
    /// The account reached through the default credential chain and region.
    pub fn default_chain() -> Self {
        AccountConfig {
            name: DEFAULT_ACCOUNT_NAME.to_string(),
            role_arn: None,
            profile: None,
            external_id: None,
            regions: Vec::new(),
        }
    }

    /// The 12-digit account id when the config reveals it (from the role ARN).
    pub fn account_id_hint(&self) -> Option<&str> {
        self.role_arn
            .as_deref()
            .and_then(|arn| arn.split(':').nth(4))
    }
}

/// The tag policy admins enforce, plus how long read tags stay trusted.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TagsConfig {
    pub policy: TagPolicy,
    pub ttl_hours: u32,
    /// Read many training jobs, tuning jobs and endpoints with one `Search` request (their
    /// details and tags) where that takes fewer requests than one call per resource; `false`
    /// never calls Search (for roles without `sagemaker:Search`).
    pub search: bool,
    /// `tags.from_organization`: each account also follows its effective tag policy in AWS
    /// Organizations (key capitalisation, allowed values).
    pub from_organization: bool,
    /// Not read from the file: each refresh with `from_organization` puts here the policy
    /// of every account (by name) whose organization tag policy it read.
    pub by_account: BTreeMap<String, TagPolicy>,
}

impl TagsConfig {
    /// The rules `account` (a name) follows: the config's, with its organization tag policy
    /// merged in when one was read.
    pub fn policy_for(&self, account: &str) -> &TagPolicy {
        self.by_account.get(account).unwrap_or(&self.policy)
    }
}

/// Cost Explorer metrics a user may choose from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum CostMetric {
    UnblendedCost,
    AmortizedCost,
    NetUnblendedCost,
    NetAmortizedCost,
    BlendedCost,
}

impl CostMetric {
    pub fn as_str(self) -> &'static str {
        match self {
            CostMetric::UnblendedCost => "UnblendedCost",
            CostMetric::AmortizedCost => "AmortizedCost",
            CostMetric::NetUnblendedCost => "NetUnblendedCost",
            CostMetric::NetAmortizedCost => "NetAmortizedCost",
            CostMetric::BlendedCost => "BlendedCost",
        }
    }
}

/// Time granularity of spend rows.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, clap::ValueEnum)]
#[serde(rename_all = "lowercase")]
pub enum Granularity {
    Daily,
    Monthly,
}

/// Where spend by tag comes from.
#[derive(
    Debug, Clone, Copy, Default, PartialEq, Eq, Hash, Serialize, Deserialize, clap::ValueEnum,
)]
#[serde(rename_all = "lowercase")]
pub enum SpendSourceKind {
    /// Cost Explorer `GetCostAndUsage` (USD 0.01 a request).
    #[default]
    Ce,
    /// The CUR 2.0 table in Athena (`[cur]`; billed by the data scanned), for organizations
    /// past Cost Explorer's limits.
    Cur,
}

/// The longest spend look-back, in days, in the config and on the command line: beyond Cost
/// Explorer's 13 months of history, and a bound that keeps date arithmetic in range.
pub const MAX_LOOKBACK_DAYS: i64 = 400;

/// How spend is queried from Cost Explorer.
#[derive(Debug, Clone, PartialEq)]
pub struct SpendConfig {
    /// The cost-allocation tag key spend is grouped by.
    pub group_by: String,
    pub lookback_days: u32,
    /// The `[[accounts]]` entry whose credentials call Cost Explorer (the payer sees all).
    pub account: Option<String>,
    pub metric: CostMetric,
    pub granularity: Granularity,
    /// Cost Explorer answers are reused this long: each request costs USD 0.01.
    pub ttl_hours: u32,
    /// Count every AWS service, not only SageMaker.
    pub all_services: bool,
    /// Ask Cost Explorer's resource-level data (`GetCostAndUsageWithResources`) what each
    /// SageMaker resource cost over the last 14 days. Off by default: it needs an opt-in that
    /// AWS bills, and each request costs USD 0.01 like every Cost Explorer request.
    pub resource_costs: bool,
    /// `spend.source`: Cost Explorer, or the CUR through Athena.
    pub source: SpendSourceKind,
}

impl SpendConfig {
    /// The tag keys the Spend pane can group by: the configured one, then the mandatory keys.
    pub fn group_keys(&self, policy: &TagPolicy) -> Vec<String> {
        let mut keys = vec![self.group_by.clone()];
        for key in &policy.mandatory {
            if !keys.contains(key) {
                keys.push(key.clone());
            }
        }
        keys
    }
}

/// How often each kind of data refreshes by itself, and how hard sagescope may call AWS.
#[derive(Debug, Clone, PartialEq)]
pub struct RefreshConfig {
    pub jobs_seconds: u64,
    pub metrics_seconds: u64,
    /// Account-region fetches running at once. AWS's quotas are per account and region (and
    /// paced by the limiter), so this only bounds local work: connections, memory.
    pub max_concurrency: usize,
    /// Client-side ceiling per account, region and SageMaker operation.
    pub requests_per_second: f64,
    /// Client-side ceiling per account across every operation and region: many regions and
    /// kinds at full speed add up, and the account's quotas are shared with its other users.
    pub account_requests_per_second: f64,
    /// How long a refresh keeps retrying throttled calls before a scope gives up and keeps
    /// its last good rows.
    pub deadline_seconds: u64,
    /// While the event stream (`[stream]`) is live, the full listing runs this often instead
    /// of every `jobs_seconds`: a reconcile that finds what the stream did not say.
    pub reconcile_minutes: u64,
}

/// Thresholds for the health flags on running resources.
#[derive(Debug, Clone, PartialEq)]
pub struct HealthConfig {
    pub underutilized_pct: u8,
    pub max_hours: u32,
    /// A Studio app in service with no user activity for longer than this is `idle`.
    pub app_idle_hours: u32,
}

/// Colour scheme; `NO_COLOR` in the environment overrides it with `mono`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Theme {
    Dark,
    Light,
    Mono,
}

/// Terminal UI preferences.
#[derive(Debug, Clone, PartialEq)]
pub struct UiConfig {
    pub theme: Theme,
    /// Data older than this is shown in a warning colour.
    pub stale_after_minutes: u32,
}

/// A monthly budget for one tag value, shown against month-to-date spend and forecast.
#[derive(Debug, Clone, PartialEq)]
pub struct Budget {
    pub tag_key: String,
    pub tag_value: String,
    pub monthly_usd: f64,
}

/// A config together with what the user should hear about it.
#[derive(Debug, Clone)]
pub struct LoadedConfig {
    pub config: Config,
    /// The file read, or `None` when defaults apply because there is no file.
    pub path: Option<PathBuf>,
    /// Unknown keys and other non-fatal remarks, to show before the UI starts.
    pub warnings: Vec<String>,
}

impl Default for Config {
    #[expect(
        clippy::expect_used,
        reason = "the built-in defaults are part of the program, not outside input; a unit test reads them"
    )]
    fn default() -> Self {
        Config::from_raw(RawConfig::default(), Path::new(""), "")
            .expect("the built-in defaults are valid")
    }
}

/// Where the config is looked for, given the `--config` flag.
///
/// Returns the path and whether the user asked for it explicitly (an explicit path that does
/// not exist is an error; the implicit ones are optional).
pub fn resolve_path(flag: Option<&Path>) -> Option<(PathBuf, bool)> {
    if let Some(path) = flag {
        return Some((path.to_path_buf(), true));
    }
    if let Some(path) = std::env::var_os(CONFIG_ENV).filter(|p| !p.is_empty()) {
        return Some((PathBuf::from(path), true));
    }
    crate::paths::config_file().map(|path| (path, false))
}

/// Loads the config the way the CLI does: flag, environment, platform default, or none.
pub fn load(flag: Option<&Path>) -> Result<LoadedConfig, ConfigError> {
    match resolve_path(flag) {
        Some((path, explicit)) => match std::fs::read_to_string(&path) {
            Ok(text) => parse(&text, &path),
            Err(err) if !explicit && err.kind() == std::io::ErrorKind::NotFound => {
                Ok(LoadedConfig {
                    config: Config::default(),
                    path: None,
                    warnings: Vec::new(),
                })
            }
            Err(source) => Err(ConfigError::Read { path, source }),
        },
        None => Ok(LoadedConfig {
            config: Config::default(),
            path: None,
            warnings: Vec::new(),
        }),
    }
}

/// Parses and validates config text; `path` is only used in messages.
pub fn parse(text: &str, path: &Path) -> Result<LoadedConfig, ConfigError> {
    let mut unknown = Vec::new();
    let raw: RawConfig = toml::Deserializer::parse(text)
        .and_then(|de| {
            serde_ignored::deserialize(de, |key: serde_ignored::Path<'_>| {
                unknown.push(key.to_string())
            })
        })
        .map_err(|err| toml_error(&err, text, path))?;
    let warnings = unknown
        .iter()
        .map(|key| hints::unknown_key_warning(path, key))
        .collect();
    let config = Config::from_raw(raw, path, text)?;
    Ok(LoadedConfig {
        config,
        path: Some(path.to_path_buf()),
        warnings,
    })
}

fn toml_error(err: &toml::de::Error, text: &str, path: &Path) -> ConfigError {
    let offset = err.span().map_or(0, |span| span.start);
    let message = err.message().trim().to_string();
    let hint = hints::fix_for(text, offset, &message);
    ConfigError::Invalid {
        location: Location::at_offset(path, text, offset),
        message,
        hint,
    }
}

impl Config {
    /// Where the cache file is: `[cache] path`, else the platform's cache directory; `None`
    /// when neither is known.
    pub fn cache_file(&self) -> Option<PathBuf> {
        self.cache_path.clone().or_else(crate::paths::cache_file)
    }

    fn from_raw(raw: RawConfig, path: &Path, text: &str) -> Result<Config, ConfigError> {
        let at = |offset: usize, message: String, hint: Option<String>| ConfigError::Invalid {
            location: Location::at_offset(path, text, offset),
            message,
            hint,
        };

        let mut seen = HashSet::new();
        let mut accounts = Vec::with_capacity(raw.accounts.len());
        for account in raw.accounts {
            let span = account.name.span();
            let name = account.name.into_inner().0;
            if !seen.insert(name.clone()) {
                return Err(at(
                    span.start,
                    format!("account name `{name}` is used twice"),
                    Some("give every [[accounts]] entry its own name".into()),
                ));
            }
            accounts.push(AccountConfig {
                name,
                role_arn: account.role_arn.map(|r| r.0),
                profile: account.profile.map(|p| p.0),
                external_id: account.external_id.map(|e| e.0),
                regions: account.regions.map(|r| r.0).unwrap_or_default(),
            });
        }
        let organization = match raw.organization {
            Some(spanned) => {
                let span = spanned.span();
                let org = spanned.into_inner();
                match (org.discover, org.role_name) {
                    (false, _) => None,
                    (true, None) => {
                        return Err(at(
                            span.start,
                            "[organization] discover = true needs role_name, the role to \
                             assume in every discovered account"
                                .into(),
                            Some("add role_name = \"SageScopeReadOnly\" (see assets/sagescope-role.cfn.json)".into()),
                        ));
                    }
                    (true, Some(role_name)) => Some(OrganizationConfig {
                        role_name: role_name.0,
                        ous: org.ous.into_iter().map(|o| o.0).collect(),
                        exclude: org.exclude.into_iter().map(|e| e.0).collect(),
                        regions: org.regions.map(|r| r.0).unwrap_or_default(),
                        external_id: org.external_id.map(|e| e.0),
                        profile: org.profile.map(|p| p.0),
                        ttl_hours: org
                            .ttl_hours
                            .map_or(24, |n| u32::try_from(n.0).unwrap_or(24)),
                    }),
                }
            }
            None => None,
        };
        // Discovery brings its own accounts; otherwise no entry means the default chain.
        if accounts.is_empty() && organization.is_none() {
            accounts.push(AccountConfig::default_chain());
        }

        let mandatory: Vec<String> = match raw.tags.mandatory {
            Some(keys) => keys.into_iter().map(|k| k.0).collect(),
            None => ["cost-center", "project", "owner"]
                .map(String::from)
                .to_vec(),
        };
        let allowed: BTreeMap<String, Vec<String>> = raw
            .tags
            .allowed
            .into_iter()
            .map(|(k, v)| (k, v.0))
            .collect();

        let spend_account = match raw.spend.account {
            Some(spanned) => Some(account_named(spanned, "spend.account", &accounts, &at)?),
            None => None,
        };
        let group_by = raw
            .spend
            .group_by
            .map(|g| g.0)
            .or_else(|| mandatory.first().cloned())
            .unwrap_or_else(|| "cost-center".to_string());

        let alerts = alerts_from_raw(raw.alerts, &at)?;
        let me = match raw.me {
            Some(spanned) => {
                let span = spanned.span();
                let me = spanned.into_inner();
                let me = Me {
                    owner_key: me
                        .owner_key
                        .map_or_else(|| DEFAULT_OWNER_KEY.to_string(), |k| k.0),
                    owners: me.owner.into_iter().map(|o| o.0).collect(),
                    studio_user_profiles: me
                        .studio_user_profiles
                        .into_iter()
                        .map(|p| p.0)
                        .collect(),
                    principals: me.principals.into_iter().map(|p| p.0).collect(),
                };
                if me.owners.is_empty()
                    && me.studio_user_profiles.is_empty()
                    && me.principals.is_empty()
                {
                    return Err(at(
                        span.start,
                        "[me] names nobody: set `owner`, `studio_user_profiles` or `principals`"
                            .into(),
                        Some("e.g. owner = [\"alice\"] (values of your owner tag)".into()),
                    ));
                }
                Some(me)
            }
            None => None,
        };

        let cur = match raw.cur {
            Some(section) => Some(cur::from_raw(section, &accounts, &at)?),
            None => None,
        };
        let cloudtrail = cloudtrail::from_raw(raw.cloudtrail, &accounts, &at)?;
        let stream = match raw.stream {
            Some(section) => Some(stream::from_raw(section, &accounts, &at)?),
            None => None,
        };
        let spend_source = match raw.spend.source {
            Some(spanned) => {
                let span = spanned.span();
                let source = spanned.into_inner();
                if source == SpendSourceKind::Cur && cur.is_none() {
                    return Err(at(
                        span.start,
                        "spend.source = \"cur\" needs a [cur] section: the CUR 2.0 table to query"
                            .into(),
                        Some("add [cur] with database and table (see config.example.toml)".into()),
                    ));
                }
                source
            }
            None => SpendSourceKind::Ce,
        };

        let as_u32 = |n: i64| u32::try_from(n).unwrap_or(u32::MAX);
        Ok(Config {
            cur,
            stream,
            cloudtrail,
            aws_override: None,
            alerts,
            events: EventsConfig {
                retention_days: raw.events.retention_days.map_or(90, |n| as_u32(n.0)),
            },
            accounts,
            tags: TagsConfig {
                policy: TagPolicy {
                    mandatory,
                    allowed,
                    organization: Vec::new(),
                },
                ttl_hours: raw.tags.ttl_hours.map_or(24, |n| as_u32(n.0)),
                search: raw.tags.search.unwrap_or(true),
                from_organization: raw.tags.from_organization.unwrap_or(false),
                by_account: BTreeMap::new(),
            },
            spend: SpendConfig {
                group_by,
                lookback_days: raw.spend.lookback_days.map_or(30, |n| as_u32(n.0)),
                account: spend_account,
                metric: raw.spend.metric.unwrap_or(CostMetric::UnblendedCost),
                granularity: raw.spend.granularity.unwrap_or(Granularity::Daily),
                ttl_hours: raw.spend.ttl_hours.map_or(8, |n| as_u32(n.0)),
                all_services: raw.spend.all_services.unwrap_or(false),
                resource_costs: raw.spend.resource_costs.unwrap_or(false),
                source: spend_source,
            },
            refresh: RefreshConfig {
                jobs_seconds: raw.refresh.jobs_seconds.map_or(30, |n| n.0.unsigned_abs()),
                metrics_seconds: raw
                    .refresh
                    .metrics_seconds
                    .map_or(300, |n| n.0.unsigned_abs()),
                max_concurrency: raw
                    .refresh
                    .max_concurrency
                    .map_or(32, |n| usize::try_from(n.0).unwrap_or(32)),
                requests_per_second: raw.refresh.requests_per_second.map_or(2.0, |r| r.0),
                account_requests_per_second: raw
                    .refresh
                    .account_requests_per_second
                    .map_or(20.0, |n| n.0 as f64),
                deadline_seconds: raw
                    .refresh
                    .deadline_seconds
                    .map_or(120, |n| n.0.unsigned_abs()),
                reconcile_minutes: raw
                    .refresh
                    .reconcile_minutes
                    .map_or(15, |n| n.0.unsigned_abs()),
            },
            health: HealthConfig {
                underutilized_pct: raw
                    .health
                    .underutilized_pct
                    .map_or(20, |n| u8::try_from(n.0).unwrap_or(20)),
                max_hours: raw.health.max_hours.map_or(24, |n| as_u32(n.0)),
                app_idle_hours: raw.health.app_idle_hours.map_or(3, |n| as_u32(n.0)),
            },
            ui: UiConfig {
                theme: raw.ui.theme.unwrap_or(Theme::Dark),
                stale_after_minutes: raw.ui.stale_after_minutes.map_or(10, |n| as_u32(n.0)),
            },
            cache_path: raw.cache.path.map(|p| PathBuf::from(p.0)),
            budgets: raw
                .budgets
                .into_iter()
                .map(|b| Budget {
                    tag_key: b.tag_key.0,
                    tag_value: b.tag_value,
                    monthly_usd: b.monthly_usd.0,
                })
                .collect(),
            organization,
            me,
        })
    }

    /// The key spend is grouped by unless the user picks one: my own spend reads best by
    /// `project` (when the tag policy has that key), everyone's by `spend.group_by`.
    pub fn group_by(&self, mine: bool) -> String {
        let project = "project";
        let policy = &self.tags.policy;
        if mine
            && (policy.mandatory.iter().any(|k| k == project)
                || policy.allowed.contains_key(project))
        {
            project.to_string()
        } else {
            self.spend.group_by.clone()
        }
    }

    /// The account that calls Cost Explorer: `spend.account`, else the first account.
    pub fn spend_account(&self) -> Option<&AccountConfig> {
        match &self.spend.account {
            Some(name) => self.accounts.iter().find(|a| &a.name == name),
            None => self.accounts.first(),
        }
    }
}

/// The account name `key` gives, which must be one of `accounts`.
fn account_named(
    spanned: toml::Spanned<String>,
    key: &str,
    accounts: &[AccountConfig],
    at: &dyn Fn(usize, String, Option<String>) -> ConfigError,
) -> Result<String, ConfigError> {
    let span = spanned.span();
    let name = spanned.into_inner();
    if accounts.iter().any(|a| a.name == name) {
        return Ok(name);
    }
    let known: Vec<&str> = accounts.iter().map(|a| a.name.as_str()).collect();
    Err(at(
        span.start,
        format!("{key} `{name}` is not the name of any [[accounts]] entry"),
        Some(format!("use one of: {}", known.join(", "))),
    ))
}

/// `[alerts]`, with each event name and the command checked where they are written.
fn alerts_from_raw(
    raw: raw::RawAlerts,
    at: &dyn Fn(usize, String, Option<String>) -> ConfigError,
) -> Result<AlertsConfig, ConfigError> {
    let names = || {
        EventKind::ALERTS
            .iter()
            .map(|k| k.as_str())
            .collect::<Vec<_>>()
            .join(", ")
    };
    let events = match raw.events {
        None => EventKind::ALERTS.to_vec(),
        Some(entries) => {
            let mut kinds = Vec::with_capacity(entries.len());
            for entry in entries {
                let span = entry.span();
                let name = entry.into_inner();
                match name.parse::<EventKind>() {
                    Ok(kind) if kind.is_alert() => kinds.push(kind),
                    _ => {
                        return Err(at(
                            span.start,
                            format!("`{name}` is not an event sagescope alerts on"),
                            Some(format!("use some of: {}", names())),
                        ));
                    }
                }
            }
            kinds
        }
    };
    let command = match raw.command {
        None => Vec::new(),
        Some(spanned) => {
            let span = spanned.span();
            let argv = spanned.into_inner();
            if argv.first().is_none_or(|program| program.trim().is_empty()) {
                return Err(at(
                    span.start,
                    "alerts.command must start with the program to run".into(),
                    Some(
                        r#"command = ["/usr/local/bin/notify-team", "--channel", "ml-ops"]"#.into(),
                    ),
                ));
            }
            argv
        }
    };
    Ok(AlertsConfig {
        events,
        bell: raw.bell.unwrap_or(false),
        notify: raw.notify.unwrap_or(false),
        command,
        command_timeout_seconds: raw
            .command_timeout_seconds
            .map_or(10, |n| n.0.unsigned_abs()),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn alerts_default_to_every_event_and_nothing_noisy() {
        let c = parse_ok("").config;
        assert_eq!(c.alerts.events, EventKind::ALERTS.to_vec());
        assert!(!c.alerts.bell && !c.alerts.notify && c.alerts.command.is_empty());
        assert_eq!(c.events.retention_days, 90);
        let c = parse_ok(
            "[alerts]\nevents = [\"job_failed\"]\nbell = true\ncommand = [\"/bin/cat\", \"-\"]\n[events]\nretention_days = 7\n",
        )
        .config;
        assert_eq!(c.alerts.events, vec![EventKind::JobFailed]);
        assert!(c.alerts.bell);
        assert_eq!(c.alerts.command, vec!["/bin/cat", "-"]);
        assert_eq!(c.events.retention_days, 7);
    }

    #[test]
    fn alert_mistakes_point_at_the_entry() {
        let err = parse_err("[alerts]\nevents = [\"job_failed\", \"job_exploded\"]\n");
        assert!(err.starts_with("t.toml:2:25:"), "{err}");
        assert!(err.contains("job_exploded"), "{err}");
        assert!(err.contains("budget_forecast_crossed"), "{err}");
        let err = parse_err("[alerts]\nevents = [\"status_changed\"]\n");
        assert!(
            err.starts_with("t.toml:2:11:"),
            "timeline-only kinds do not alert: {err}"
        );
        let err = parse_err("[alerts]\ncommand = []\n");
        assert!(err.starts_with("t.toml:2:11:"), "{err}");
        assert!(err.contains("program"), "{err}");
        let err = parse_err("[alerts]\ncommand = \"curl -d @- https://hooks\"\n");
        assert!(
            err.starts_with("t.toml:2:11:"),
            "a shell string is refused: {err}"
        );
        let err = parse_err("[events]\nretention_days = 0\n");
        assert!(err.starts_with("t.toml:2:18:"), "{err}");
        let err = parse_err("[alerts]\nbell = \"yes\"\n");
        assert!(err.starts_with("t.toml:2:8:"), "{err}");
    }

    fn parse_ok(text: &str) -> LoadedConfig {
        match parse(text, Path::new("t.toml")) {
            Ok(loaded) => loaded,
            Err(err) => panic!("expected a valid config, got: {err}"),
        }
    }

    /// A line of config as people get it wrong: known sections and keys, any value.
    fn config_line() -> impl proptest::strategy::Strategy<Value = String> {
        use proptest::prelude::*;
        let section = "\\[(spend|cur|refresh|health|ui|tags|events|alerts|organization|me|cache|\\[accounts\\]|\\PC{0,8})\\]";
        let key = "(lookback_days|ttl_hours|jobs_seconds|max_hours|retention_days|name|role_arn|regions|group_by|database|table|stale_after_minutes|requests_per_second|\\PC{0,8})";
        let value = "(-?[0-9]{1,20}|-?[0-9]\\.[0-9]e[0-9]{1,3}|nan|inf|true|\"\\PC{0,12}\"|\\[\"\\PC{0,8}\"\\]|\\PC{0,8})";
        prop_oneof![
            section.prop_map(|s| s.to_string()),
            (key, value).prop_map(|(k, v)| format!("{k} = {v}")),
        ]
    }

    proptest::proptest! {
        #![proptest_config(proptest::prelude::ProptestConfig::with_cases(256))]

        /// Any text: a config or an error at `file:line:col` inside the text, never a panic.
        #[test]
        fn any_config_text_loads_or_says_where_it_is_wrong(
            lines in proptest::collection::vec(config_line(), 0..8),
        ) {
            let text = lines.join("\n");
            if let Err(ConfigError::Invalid { location, .. }) = parse(&text, Path::new("t.toml")) {
                proptest::prop_assert_eq!(location.path, Path::new("t.toml"));
                proptest::prop_assert!(location.line >= 1 && location.line <= lines.len().max(1) + 1);
            }
        }
    }

    fn parse_err(text: &str) -> String {
        match parse(text, Path::new("t.toml")) {
            Ok(_) => panic!("expected an error for:\n{text}"),
            Err(err) => err.to_string(),
        }
    }

    #[test]
    fn empty_file_means_one_default_account_and_defaults() {
        let loaded = parse_ok("");
        let c = loaded.config;
        assert_eq!(c.accounts, vec![AccountConfig::default_chain()]);
        assert_eq!(c.spend.lookback_days, 30);
        assert_eq!(c.spend.group_by, "cost-center");
        assert_eq!(c.refresh.jobs_seconds, 30);
        assert_eq!(c.tags.ttl_hours, 24);
        assert_eq!(c.spend.ttl_hours, 8);
        assert!(loaded.warnings.is_empty());
        assert_eq!(c, Config::default());
    }

    #[test]
    fn wrong_type_names_line_and_column() {
        let text = "[[accounts]]\nname = \"a\"\nregions = \"us-east-1\"\n";
        let err = parse_err(text);
        assert!(err.starts_with("t.toml:3:11:"), "{err}");
        assert!(err.contains("fix:"), "{err}");
        assert!(err.contains("regions = [\"us-east-1\""), "{err}");
    }

    #[test]
    fn invalid_region_value_points_at_the_value() {
        let err = parse_err("[[accounts]]\nname = \"a\"\nregions = [\"useast1\"]\n");
        assert!(err.starts_with("t.toml:3:11:"), "{err}");
        assert!(err.contains("not an AWS region code"), "{err}");
    }

    #[test]
    fn out_of_range_number_is_rejected_with_the_range() {
        let err = parse_err("[spend]\nlookback_days = 0\n");
        assert!(err.starts_with("t.toml:2:17:"), "{err}");
        assert!(err.contains("from 1 to 400"), "{err}");
    }

    #[test]
    fn spend_account_must_name_an_account() {
        let err = parse_err("[[accounts]]\nname = \"dev\"\n[spend]\naccount = \"payer\"\n");
        assert!(err.starts_with("t.toml:4:11:"), "{err}");
        assert!(err.contains("use one of: dev"), "{err}");
    }

    #[test]
    fn duplicate_account_names_are_rejected() {
        let err = parse_err("[[accounts]]\nname = \"a\"\n[[accounts]]\nname = \"a\"\n");
        assert!(err.starts_with("t.toml:4:8:"), "{err}");
    }

    #[test]
    fn unknown_keys_warn_with_a_suggestion() {
        let loaded = parse_ok("[spend]\nlookbak_days = 7\n");
        assert_eq!(loaded.warnings.len(), 1);
        assert!(
            loaded.warnings[0].contains("spend.lookbak_days"),
            "{:?}",
            loaded.warnings
        );
        assert!(
            loaded.warnings[0].contains("lookback_days"),
            "{:?}",
            loaded.warnings
        );
        assert_eq!(loaded.config.spend.lookback_days, 30);
    }

    #[test]
    fn unknown_enum_value_lists_the_choices() {
        let err = parse_err("[spend]\nmetric = \"Cheapest\"\n");
        assert!(err.starts_with("t.toml:2:10:"), "{err}");
        assert!(err.contains("UnblendedCost"), "{err}");
    }

    #[test]
    fn group_keys_start_with_group_by_then_mandatory_keys() {
        let c = parse_ok(
            "[tags]\nmandatory = [\"project\", \"owner\"]\n[spend]\ngroup_by = \"team\"\n",
        )
        .config;
        assert_eq!(
            c.spend.group_keys(&c.tags.policy),
            vec!["team", "project", "owner"]
        );
    }

    #[test]
    fn me_reads_owners_key_and_studio_profiles() {
        let c = parse_ok(
            "[me]\nowner = [\"alice\", \"alice.w\"]\nowner_key = \"created-by\"\nstudio_user_profiles = [\"alice-studio\"]\n",
        )
        .config;
        assert_eq!(
            c.me,
            Some(Me {
                owner_key: "created-by".into(),
                owners: vec!["alice".into(), "alice.w".into()],
                studio_user_profiles: vec!["alice-studio".into()],
                principals: Vec::new(),
            })
        );
        let default_key = parse_ok("[me]\nowner = [\"bob\"]\n").config;
        assert_eq!(default_key.me.map(|m| m.owner_key), Some("owner".into()));
        assert_eq!(parse_ok("").config.me, None);
    }

    #[test]
    fn me_errors_are_located() {
        let err = parse_err("[spend]\nlookback_days = 7\n[me]\nowner = []\n");
        assert!(err.starts_with("t.toml:"), "{err}");
        assert!(err.contains("names nobody"), "{err}");
        let err = parse_err("[me]\nowner = [\"\"]\n");
        assert!(err.starts_with("t.toml:2:"), "{err}");
        assert!(err.contains("must not be empty"), "{err}");
        let err = parse_err("[me]\nowner = \"alice\"\n");
        assert!(err.starts_with("t.toml:2:9:"), "{err}");
    }

    #[test]
    fn malformed_toml_is_located() {
        let err = parse_err("[spend\n");
        assert!(err.starts_with("t.toml:1:"), "{err}");
    }
}
