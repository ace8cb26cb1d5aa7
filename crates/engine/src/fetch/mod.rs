//! Fetching live data from every configured account × region, behind traits so tests can
//! inject fakes and the UI can run it in the background.
//!
//! - [`source`]: the traits ([`Connector`], [`AccountLink`], [`JobSource`]) the real AWS code
//!   in `sagescope_aws` implements, and the domain-level values they return.
//! - [`limiter`]: spacing requests per (account, region, operation).
//! - `listing` / `describe`: what one kind in one account-region costs (see their docs for the
//!   steady-state strategy).
//! - [`JobFetcher`]: the fan-out across accounts × regions with bounded concurrency, where one
//!   account's failure becomes a [`FetchError`] entry while the others carry on.
//! - `tags`: [`JobFetcher::fetch_tags`], the tag pass after the jobs (Studio domains and user
//!   profiles, tags through [`TagSource`] with a cache by ARN, findings from the policy).
//!
//! Spend gets its own source next to [`JobSource`]; [`live_snapshot`] is where its view joins
//! the jobs view (the findings join from [`TagsFetch`]).

mod call;
mod counter;
mod describe;
mod engine;
pub mod events;
pub mod limiter;
mod listing;
mod metrics;
pub mod source;
mod stats;
mod tags;
mod tally;

use std::collections::{HashMap, HashSet};
use std::sync::{Arc, Mutex};

use chrono::Utc;

use sagescope_core::config::{AccountConfig, Config};
use sagescope_core::model::{DataSource, FetchError, Job, Snapshot, View};

pub use describe::{DescribeCache, Described, RECENT_HOURS};
pub use events::{EngineProgress, EventSink, FetchEvent, ScopeKey};
pub use limiter::RateLimiter;
pub use metrics::MetricsFetch;
pub use sagescope_core::model::KnownState;
pub use source::{
    AccountLink, Connector, Details, JobSource, Listed, Page, SearchPage, Searched, SourceError,
    TagPage, TagSource,
};
pub use stats::FetchStats;
pub use tags::{TagRefresh, TagsFetch};
pub use tally::ProgressTally;

/// One account-region finished (or one account failed before its regions could start).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Progress {
    /// Account-regions finished so far, this one included.
    pub done: usize,
    /// Account-regions in this refresh.
    pub total: usize,
    /// The account's configured name.
    pub account: String,
    /// `None` when the whole account failed (credentials, for example).
    pub region: Option<String>,
    /// Resources listed in this account-region.
    pub jobs: usize,
    /// Why it failed, if it did (already phrased for the user; sanitize before printing).
    pub error: Option<String>,
}

/// The result of a jobs refresh: the view, the describe cache to keep, and what it cost.
#[derive(Debug, Clone, PartialEq)]
pub struct JobsFetch {
    /// Every job, endpoint and notebook instance, sorted by account (config order), region,
    /// kind and newest first. Account-regions that failed keep their previous rows and have
    /// an entry in `errors`.
    pub view: View<Job>,
    /// Describe results for the rows of `view`, to hand back in the next [`KnownState`].
    pub describes: DescribeCache,
    /// Tags that came with Search records while filling in details, by ARN: read just now,
    /// so the tag pass need not read them again.
    pub searched_tags: HashMap<String, sagescope_core::model::Tags>,
    /// AWS requests made (SageMaker and STS), by operation.
    pub stats: FetchStats,
}

impl JobsFetch {
    /// What the next refresh should start from.
    pub fn known_state(&self) -> KnownState {
        KnownState {
            jobs: self.view.rows.clone(),
            describes: self.describes.clone(),
        }
    }
}

/// Fetches jobs from every configured account × region, repeatedly if wanted.
///
/// Keep one `JobFetcher` for the life of the program (the TUI's background refresh): it keeps
/// each account's resolved credentials, so assumed roles and SSO sessions are not resolved
/// again on every refresh, and its rate limiter spans refreshes.
pub struct JobFetcher {
    /// The `[[accounts]]` entries as configured.
    explicit: Vec<AccountConfig>,
    /// What this refresh reads: the explicit accounts, plus those discovered from
    /// Organizations when `[organization]` is set (replaced at the start of each refresh).
    accounts: std::sync::RwLock<Vec<AccountConfig>>,
    organization: Option<sagescope_core::config::OrganizationConfig>,
    /// The OU of each discovered account, from the last discovery.
    units: std::sync::RwLock<crate::org::AccountUnits>,
    organization_source: tokio::sync::OnceCell<Arc<dyn crate::org::OrganizationSource>>,
    max_concurrency: usize,
    connector: Arc<dyn Connector>,
    limiter: Arc<RateLimiter>,
    /// How long one refresh retries throttled calls.
    deadline: std::time::Duration,
    /// ARNs the user opened while details were still coming: described first.
    urgent: Mutex<HashSet<String>>,
    /// `tags.search`: whether `Search` may be called at all (for details as for tags).
    search: bool,
    links: Mutex<HashMap<String, Arc<dyn AccountLink>>>,
    /// CloudWatch per (account name, region), made on first use (see `metrics.rs`).
    metric_sources:
        Mutex<HashMap<(String, String), Arc<dyn sagescope_core::metrics::MetricSource>>>,
    /// `[cur]`: where the refresh's CUR step queries.
    cur: Option<sagescope_core::config::CurConfig>,
}

impl JobFetcher {
    /// A fetcher over any connector: fakes in tests, the real one from
    /// `sagescope_aws::job_fetcher` (the engine never names the AWS code).
    pub fn with_connector(config: &Config, connector: Arc<dyn Connector>) -> Self {
        JobFetcher {
            explicit: config.accounts.clone(),
            accounts: std::sync::RwLock::new(config.accounts.clone()),
            organization: config.organization.clone(),
            units: std::sync::RwLock::default(),
            organization_source: tokio::sync::OnceCell::new(),
            max_concurrency: config.refresh.max_concurrency.max(1),
            connector,
            limiter: Arc::new(RateLimiter::with_account_cap(
                config.refresh.requests_per_second,
                config.refresh.account_requests_per_second,
            )),
            deadline: std::time::Duration::from_secs(config.refresh.deadline_seconds.max(1)),
            urgent: Mutex::new(HashSet::new()),
            search: config.tags.search,
            links: Mutex::new(HashMap::new()),
            metric_sources: Mutex::new(HashMap::new()),
            cur: config.cur.clone(),
        }
    }

    /// `[cur]`, when configured.
    pub fn cur(&self) -> Option<&sagescope_core::config::CurConfig> {
        self.cur.as_ref()
    }

    /// Refreshes the jobs view once. Never fails as a whole: each account, region or kind
    /// that fails keeps its previous rows and is listed in the view's `errors`. `sink` hears
    /// each (account, region, kind) as soon as it is listed and again once its details are
    /// in, and every move of the progress counters (from whichever task made it).
    pub async fn fetch(&self, known: &KnownState, sink: EventSink<'_>) -> JobsFetch {
        engine::fetch_all(self, known, sink).await
    }

    /// The accounts the next refresh reads.
    pub fn accounts(&self) -> Vec<AccountConfig> {
        self.accounts
            .read()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .clone()
    }

    /// The `[[accounts]]` entries as configured, which win over discovered ones.
    pub fn explicit_accounts(&self) -> &[AccountConfig] {
        &self.explicit
    }

    /// Replaces the accounts read from the next refresh on (after discovery).
    pub fn set_accounts(&self, accounts: Vec<AccountConfig>) {
        *self
            .accounts
            .write()
            .unwrap_or_else(std::sync::PoisonError::into_inner) = accounts;
    }

    /// Records the OU of each account the last discovery placed.
    pub fn set_units(&self, units: crate::org::AccountUnits) {
        *self
            .units
            .write()
            .unwrap_or_else(std::sync::PoisonError::into_inner) = units;
    }

    /// The OU of each account (by name), as the last discovery placed it.
    pub fn units(&self) -> crate::org::AccountUnits {
        self.units
            .read()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .clone()
    }

    /// `[organization]`, with Organizations itself (made on first use), when discovery is on.
    pub async fn organization(
        &self,
    ) -> Option<(
        &sagescope_core::config::OrganizationConfig,
        Arc<dyn crate::org::OrganizationSource>,
    )> {
        let config = self.organization.as_ref()?;
        let source = self
            .organization_source
            .get_or_init(|| self.connector.organization(config))
            .await
            .clone();
        Some((config, source))
    }

    /// Organizations for reading tag policies (`tags.from_organization`), and how long an
    /// answer is trusted: through the `[organization]` credentials when that section is set,
    /// else the default chain (which must then be the management account or a delegated
    /// administrator).
    pub async fn tag_policy_source(&self) -> (Arc<dyn crate::org::OrganizationSource>, u32) {
        let default_chain = sagescope_core::config::OrganizationConfig::whole("", None);
        let config = self.organization.as_ref().unwrap_or(&default_chain);
        let source = self
            .organization_source
            .get_or_init(|| self.connector.organization(config))
            .await
            .clone();
        (source, config.ttl_hours)
    }

    /// The user opened this resource: if its details are still to come, read them next.
    pub fn prioritize(&self, arn: &str) {
        self.urgent
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .insert(arn.to_string());
    }

    /// The account's link, connecting (and remembering it) on first use.
    async fn link(
        &self,
        account: &AccountConfig,
        stats: &stats::Stats,
    ) -> Result<Arc<dyn AccountLink>, SourceError> {
        let cached = self
            .links
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .get(&account.name)
            .cloned();
        if let Some(link) = cached {
            return Ok(link);
        }
        let link = self.connector.connect(account).await?;
        for operation in link.connect_requests() {
            stats.record(operation);
        }
        self.links
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .insert(account.name.clone(), link.clone());
        Ok(link)
    }
}

impl JobFetcher {
    /// The link of the configured account `name`, connecting on first use and shared with the
    /// job refreshes (so Cost Explorer in `spend.account` costs no second `AssumeRole`).
    pub async fn account_link(&self, name: &str) -> Result<Arc<dyn AccountLink>, SourceError> {
        let account = self
            .accounts()
            .into_iter()
            .find(|a| a.name == name)
            .ok_or_else(|| {
                SourceError::Config(format!("no [[accounts]] entry is named `{name}`"))
            })?;
        self.link(&account, &stats::Stats::default()).await
    }

    /// `(name, account id)` of every account connected so far, in config order: names for the
    /// ids Cost Explorer's LINKED_ACCOUNT breakdown returns.
    pub fn connected_ids(&self) -> Vec<(String, String)> {
        let links = self
            .links
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        self.accounts()
            .iter()
            .filter_map(|a| {
                links
                    .get(&a.name)
                    .map(|l| (a.name.clone(), l.account_id().to_string()))
            })
            .collect()
    }
}

impl JobFetcher {
    /// The caller identity ARNs of the accounts connected so far, in config order: where
    /// the live UI guesses who "me" is when `[me]` is not configured.
    pub fn caller_arns(&self) -> Vec<String> {
        let links = self
            .links
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        self.accounts()
            .iter()
            .filter_map(|a| links.get(&a.name)?.caller_arn().map(str::to_string))
            .collect()
    }
}

impl crate::spend::CostAccounts for JobFetcher {
    fn cost_explorer<'a>(
        &'a self,
        name: &'a str,
    ) -> futures::future::BoxFuture<'a, Result<(Arc<dyn crate::spend::CostSource>, String), String>>
    {
        Box::pin(async move {
            // Only discovered accounts (no `[[accounts]]` to name one): the first account read,
            // which discovery makes the management account, where Cost Explorer answers for
            // the whole organization.
            let accounts = self.accounts();
            let name = match accounts.first() {
                Some(first)
                    if name == sagescope_core::config::DEFAULT_ACCOUNT_NAME
                        && !accounts.iter().any(|a| a.name == name) =>
                {
                    first.name.as_str()
                }
                _ => name,
            };
            let link = self.account_link(name).await.map_err(|e| e.to_string())?;
            let source = link
                .cost_source()
                .ok_or_else(|| "this account offers no Cost Explorer".to_string())?;
            Ok((source, link.account_id().to_string()))
        })
    }

    fn connected_ids(&self) -> Vec<(String, String)> {
        JobFetcher::connected_ids(self)
    }
}

impl crate::logs::LogAccess for JobFetcher {
    /// The account's CloudWatch Logs through the same connected link as its refreshes (one
    /// `AssumeRole` for both).
    fn logs<'a>(
        &'a self,
        account: &'a str,
        region: &'a str,
    ) -> futures::future::BoxFuture<
        'a,
        Result<Arc<dyn crate::logs::LogSource>, crate::logs::LogsError>,
    > {
        Box::pin(async move {
            let link = self
                .account_link(account)
                .await
                .map_err(|e| crate::logs::LogsError::Other(e.to_string()))?;
            link.log_source(region).ok_or_else(|| {
                crate::logs::LogsError::Other(format!("account `{account}` offers no logs"))
            })
        })
    }

    fn regions<'a>(
        &'a self,
        account: &'a str,
    ) -> futures::future::BoxFuture<'a, Result<Vec<String>, crate::logs::LogsError>> {
        Box::pin(async move {
            let link = self
                .account_link(account)
                .await
                .map_err(|e| crate::logs::LogsError::Other(e.to_string()))?;
            Ok(link.regions().to_vec())
        })
    }
}

/// A live snapshot: fresh jobs; spend and tag findings are empty views of the same age until
/// their sources exist (they will be fetched here, each with its own `as_of` and errors).
pub fn live_snapshot(jobs: View<Job>) -> Snapshot {
    let as_of = jobs.as_of;
    Snapshot {
        source: DataSource::Live,
        jobs,
        spend: View::new(as_of, Vec::new(), Vec::new()),
        findings: View::new(as_of, Vec::new(), Vec::new()),
        metrics: View::new(as_of, Vec::new(), Vec::new()),
    }
}

/// Builds the error entry for an account (or one of its regions).
fn fetch_error(account: &str, region: Option<&str>, message: String) -> FetchError {
    FetchError {
        account: account.to_string(),
        region: region.map(str::to_string),
        message,
        ..FetchError::default()
    }
}

/// The time used for "recent" decisions; a function so the engine reads it in one place.
fn now() -> chrono::DateTime<Utc> {
    Utc::now()
}

#[cfg(test)]
mod tests;
