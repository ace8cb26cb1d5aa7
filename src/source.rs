//! Where the terminal UI gets fresh data from, without knowing anything about AWS.
//!
//! The UI asks a [`SnapshotSource`] to refresh and gets back owned views on a channel; it never
//! waits on the network and never holds a lock on its state. Two sources exist:
//!
//! - [`DemoSource`]: the built-in demo world (`--demo`).
//! - [`LiveSource`]: every configured account through the refresh pipeline
//!   ([`crate::refresh`]), streaming each scope's rows as they arrive and committing them to
//!   the cache's store.

use std::path::PathBuf;
use std::sync::{Arc, Mutex};

use chrono::{DateTime, Utc};
use futures::FutureExt;
use futures::future::BoxFuture;
use tokio::sync::mpsc::UnboundedSender;

use crate::config::LoadedConfig;
use crate::fetch::{FetchEvent, JobFetcher, KnownState};
use crate::metrics::JobMetrics;
use crate::model::{DataSource, Event, Job, ScopeKey, Snapshot, SpendRow, TagFinding, View};
use crate::spend::{CostAccess, SpendService};
use crate::store::Store;

/// Why a refresh was asked for: a source may skip costly views (Cost Explorer charges per
/// request) on automatic refreshes and fetch everything when the user pressed `r`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RefreshKind {
    /// The background timer.
    Auto,
    /// The user asked (`r`).
    Manual,
}

/// What a running refresh tells the UI before its outcome.
#[derive(Debug, Clone, PartialEq)]
pub enum RefreshEvent {
    Progress(RefreshProgress),
    /// One (account, region, kind) as the refresh knows it now: replaces that scope's rows.
    Rows {
        scope: ScopeKey,
        rows: Vec<Job>,
    },
}

/// How far a running refresh has got, for the status bar.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct RefreshProgress {
    /// Steps finished so far (e.g. account-region fetches).
    pub done: usize,
    /// Steps in all; 0 when unknown.
    pub total: usize,
    /// What is being fetched now, e.g. `ml-prod us-east-1`. Outside text: sanitised on display.
    pub label: String,
    /// Account-regions whose tags were read / planned; (0, 0) until the tag pass starts. The
    /// Untagged pane says this while it has no findings yet, instead of a count of 0.
    pub tags: (usize, usize),
}

/// What a refresh produced. Each view is optional: a refresh may fetch only jobs, and a view
/// that could not be fetched at all stays as it was on screen instead of being emptied.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct RefreshOutcome {
    /// Where the views came from; `None` leaves the displayed source unchanged.
    pub source: Option<DataSource>,
    pub jobs: Option<View<Job>>,
    pub spend: Option<View<SpendRow>>,
    pub findings: Option<View<TagFinding>>,
    /// Utilisation of running resources; refreshed on its own slower clock, so most jobs
    /// refreshes leave it `None` (the metrics on screen stay).
    pub metrics: Option<View<JobMetrics>>,
    /// Failures that stopped a whole view or the whole refresh (per-account failures travel
    /// inside each view's `errors`). Outside text: sanitised on display.
    pub errors: Vec<String>,
    /// What changed since the last refresh (timeline entries; the alert kinds also toast).
    pub events: Vec<Event>,
    /// Who the live credentials are (`sts:GetCallerIdentity` ARNs of the connected accounts),
    /// for a best guess at "me"; empty from the cache and the demo.
    pub caller_arns: Vec<String>,
    /// The OU of each discovered account (by name), for the account picker; empty without
    /// discovery.
    pub units: crate::org::AccountUnits,
    /// Live prices from the Price List (all known); `None` leaves the prices in use.
    pub prices: Option<Vec<crate::pricing::LivePrice>>,
    /// What billing measured per resource (the CUR, Cost Explorer's resource-level data); `None`
    /// leaves the costs in use.
    pub measured: Option<crate::cost::Measured>,
    /// Cost Explorer requests made today, when this refresh asked Cost Explorer (the status
    /// bar's count follows); `None` leaves it.
    pub ledger: Option<crate::spend::Ledger>,
}

impl RefreshOutcome {
    /// A full snapshot as an outcome.
    pub fn from_snapshot(snapshot: Snapshot) -> Self {
        RefreshOutcome {
            source: Some(snapshot.source),
            jobs: Some(snapshot.jobs),
            spend: Some(snapshot.spend),
            findings: Some(snapshot.findings),
            metrics: Some(snapshot.metrics),
            errors: Vec::new(),
            events: Vec::new(),
            caller_arns: Vec::new(),
            units: crate::org::AccountUnits::new(),
            prices: None,
            measured: None,
            ledger: None,
        }
    }

    /// A refresh that produced nothing but an error.
    pub fn failed(message: impl Into<String>) -> Self {
        RefreshOutcome {
            errors: vec![message.into()],
            ..RefreshOutcome::default()
        }
    }
}

/// Anything that can produce fresh views for the UI.
///
/// `refresh` must not block: it returns a future the UI spawns on the runtime. Progress goes
/// on `progress` (dropping messages is fine: the UI only shows the latest); the outcome is the
/// future's value. Implementations must be cheap to call repeatedly: the UI calls them on a
/// timer.
pub trait SnapshotSource: Send + Sync + 'static {
    fn refresh(
        &self,
        kind: RefreshKind,
        progress: UnboundedSender<RefreshEvent>,
    ) -> BoxFuture<'static, RefreshOutcome>;

    /// The user opened this resource: a source that is still reading details reads its next.
    fn prioritize(&self, _arn: &str) {}

    /// Where the Spend pane's loads go (the same accounts and cache as the refreshes), if this
    /// source serves spend.
    fn spend(&self) -> Option<Arc<SpendService>> {
        None
    }

    /// Where the log view reads CloudWatch Logs (each account with its own credentials), if
    /// this source serves logs.
    fn logs(&self) -> Option<Arc<dyn crate::logs::LogAccess>> {
        None
    }
}

/// The built-in demo world as a source.
///
/// It regenerates the world at the anchor time it was created with and dates it "now", so the
/// same resources (same ARNs) come back on every refresh: the cursor stays on its row, running
/// jobs keep running longer, and the data is never stale. Regenerating at a new anchor would
/// rename the demo jobs (their names embed start times) every minute.
pub struct DemoSource {
    anchor: DateTime<Utc>,
    clock: fn() -> DateTime<Utc>,
    spend: Option<Arc<SpendService>>,
    /// Refreshes so far: every other one replays one of the world's alerts as news.
    refreshes: std::sync::atomic::AtomicUsize,
}

impl DemoSource {
    /// A demo source whose world is anchored at `anchor` and dated by the wall clock.
    pub fn new(anchor: DateTime<Utc>) -> Self {
        Self::with_clock(anchor, Utc::now)
    }

    /// A demo source with a fixed clock, for tests.
    pub fn with_clock(anchor: DateTime<Utc>, clock: fn() -> DateTime<Utc>) -> Self {
        DemoSource {
            anchor,
            clock,
            spend: demo_spend(anchor),
            refreshes: std::sync::atomic::AtomicUsize::new(0),
        }
    }
}

/// The demo's Cost Explorer: the demo world's spend, answers cached in memory only (the demo
/// never touches the user's cache file).
pub fn demo_spend(anchor: DateTime<Utc>) -> Option<Arc<SpendService>> {
    let config = crate::demo::config(&crate::config::Config::default());
    let rows = crate::demo::world(anchor).spend.rows;
    SpendService::demo(&config, rows).ok().map(Arc::new)
}

impl SnapshotSource for DemoSource {
    fn spend(&self) -> Option<Arc<SpendService>> {
        self.spend.clone()
    }

    fn logs(&self) -> Option<Arc<dyn crate::logs::LogAccess>> {
        let jobs = crate::demo::world(self.anchor).jobs.rows;
        Some(Arc::new(crate::logs::demo::DemoLogs::new(
            jobs,
            self.anchor,
            self.clock,
        )))
    }

    fn refresh(
        &self,
        _kind: RefreshKind,
        progress: UnboundedSender<RefreshEvent>,
    ) -> BoxFuture<'static, RefreshOutcome> {
        let anchor = self.anchor;
        let now = (self.clock)();
        let n = self
            .refreshes
            .fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        async move {
            // Walk the demo accounts so the spinner and progress show what a live refresh does.
            let accounts = crate::demo::config(&crate::config::Config::default()).accounts;
            let total = accounts.len();
            for (done, account) in accounts.iter().enumerate() {
                // A closed channel only means nobody is watching any more.
                let _ = progress.send(RefreshEvent::Progress(RefreshProgress {
                    done,
                    total,
                    label: account.name.clone(),
                    tags: (0, 0),
                }));
                tokio::time::sleep(std::time::Duration::from_millis(120)).await;
            }
            let mut snapshot = crate::demo::world(anchor);
            snapshot.jobs.as_of = now;
            snapshot.spend.as_of = now;
            snapshot.findings.as_of = now;
            // Series that end now, so utilisation flags hold however long the demo runs.
            let metrics = crate::metrics::demo::synthesize(&snapshot.jobs.rows, now);
            snapshot.metrics = View::new(now, metrics, Vec::new());
            // Now and then an alert, so the toasts and the timeline are seen moving.
            let events = if n % 2 == 1 {
                crate::demo::replay(&snapshot, now, n / 2)
                    .into_iter()
                    .collect()
            } else {
                Vec::new()
            };
            RefreshOutcome {
                events,
                ..RefreshOutcome::from_snapshot(snapshot)
            }
        }
        .boxed()
    }
}

/// The live AWS source: every configured account × region through one long-lived
/// [`JobFetcher`] (it keeps credentials and the rate limiter between refreshes, so a steady
/// state refresh costs about one List call per kind per account-region) and the refresh
/// pipeline, with the cache's one writer.
///
/// Each refresh starts from what the previous one knew (first from the cache). CloudWatch
/// utilisation rides on the jobs refresh, on its own slower clock: a refresh fetches it too
/// when `refresh.metrics_seconds` have passed (or on `r`).
pub struct LiveSource {
    fetcher: Arc<JobFetcher>,
    store: Option<Store>,
    /// What the next refresh starts from; `None` until read from the store. Taken out for a
    /// refresh and put back after, so no lock is held across the network.
    state: Arc<Mutex<Option<LiveState>>>,
    /// Cost Explorer in `spend.account`, through the same fetcher (one connect per account).
    spend: Option<Arc<SpendService>>,
    tag_settings: crate::config::TagsConfig,
    metrics_every: std::time::Duration,
    /// `[events] retention_days`.
    retention_days: u32,
    /// `[spend]`, when `resource_costs` asks each resource's cost from Cost Explorer.
    resource_costs: Option<crate::config::SpendConfig>,
    /// Why the cache cannot be used, said once with the first refresh.
    store_warning: Arc<Mutex<Option<String>>>,
}

/// What one refresh hands the next.
#[derive(Debug, Clone, Default)]
struct LiveState {
    known: KnownState,
    tags: crate::tags::TagState,
    metrics_last: Option<std::time::Instant>,
    metrics: Vec<JobMetrics>,
}

/// Whether a refresh also fetches metrics: the user asked (`r`), none were fetched yet, or
/// `every` has passed since the last time.
fn metrics_due(
    kind: RefreshKind,
    last: Option<std::time::Instant>,
    now: std::time::Instant,
    every: std::time::Duration,
) -> bool {
    kind == RefreshKind::Manual || last.is_none_or(|last| now.duration_since(last) >= every)
}

impl LiveSource {
    /// A source for `config` whose cache lives at `cache_path`.
    pub fn new(config: &crate::config::Config, cache_path: PathBuf) -> Self {
        Self::with_store(config, open_cache(&cache_path))
    }

    /// A source for `config` writing through the process's one store (see [`open_cache`]).
    pub fn with_store(config: &crate::config::Config, cache: OpenCache) -> Self {
        let fetcher = Arc::new(crate::aws::job_fetcher(config));
        let OpenCache { store, warning } = cache;
        // Spend shares the jobs' store: the whole app has one cache writer thread.
        let spend = store.clone().map(|store| {
            let service =
                SpendService::new(config, store.clone(), CostAccess::Account(fetcher.clone()));
            // `spend.source = "cur"`: the pane's tag grouping comes from the CUR.
            let service = match (&config.cur, config.spend.source) {
                (Some(cur), crate::config::SpendSourceKind::Cur) => {
                    service.with_tag_spend(Arc::new(crate::refresh::cur::CurTagSpend {
                        fetcher: fetcher.clone(),
                        store,
                        config: cur.clone(),
                    }))
                }
                _ => service,
            };
            Arc::new(service)
        });
        LiveSource {
            fetcher,
            store,
            state: Arc::new(Mutex::new(None)),
            spend,
            tag_settings: config.tags.clone(),
            metrics_every: std::time::Duration::from_secs(config.refresh.metrics_seconds),
            retention_days: config.events.retention_days,
            resource_costs: config.spend.resource_costs.then(|| config.spend.clone()),
            store_warning: Arc::new(Mutex::new(warning)),
        }
    }
}

fn lock<T>(mutex: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    mutex
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner)
}

/// The state a refresh starts from: the last one's, or the cache's on the first refresh.
async fn starting_state(state: &Mutex<Option<LiveState>>, store: &Store) -> LiveState {
    if let Some(state) = lock(state).clone() {
        return state;
    }
    let (known, tags) = crate::refresh::starting_point(store)
        .await
        .unwrap_or_default();
    LiveState {
        known,
        tags,
        ..LiveState::default()
    }
}

impl SnapshotSource for LiveSource {
    fn spend(&self) -> Option<Arc<SpendService>> {
        self.spend.clone()
    }

    fn logs(&self) -> Option<Arc<dyn crate::logs::LogAccess>> {
        // The refreshes' fetcher: an account's link (and its assumed role) serves both.
        Some(self.fetcher.clone())
    }

    fn prioritize(&self, arn: &str) {
        self.fetcher.prioritize(arn);
    }

    fn refresh(
        &self,
        kind: RefreshKind,
        events: UnboundedSender<RefreshEvent>,
    ) -> BoxFuture<'static, RefreshOutcome> {
        // `r` also re-reads the tags of resources with findings: after running the fix
        // script, the user sees the fixed ones go.
        let retag = match kind {
            RefreshKind::Auto => crate::fetch::TagRefresh::Cached,
            RefreshKind::Manual => crate::fetch::TagRefresh::Findings,
        };
        let fetcher = self.fetcher.clone();
        let store = self.store.clone();
        let state = self.state.clone();
        let tag_settings = self.tag_settings.clone();
        let metrics_every = self.metrics_every;
        let retention_days = self.retention_days;
        let resource_costs = self.resource_costs.clone().zip(self.spend.clone());
        let warning = lock(&self.store_warning).take();
        async move {
            let Some(store) = store else {
                return RefreshOutcome::failed(
                    warning.unwrap_or_else(|| "the cache cannot be used".into()),
                );
            };
            let start = starting_state(&state, &store).await;
            let metrics_now = metrics_due(
                kind,
                start.metrics_last,
                std::time::Instant::now(),
                metrics_every,
            );
            // One status-bar line however many scopes: counters, not a list.
            let tally = std::sync::Mutex::new(crate::fetch::ProgressTally::default());
            let sink = |event: FetchEvent| {
                let (line, tags) = {
                    let mut tally = lock(&tally);
                    tally.observe(&event);
                    (
                        tally.line(),
                        (tally.latest.tagged, tally.latest.tag_regions),
                    )
                };
                // A closed channel only means nobody is watching any more.
                let _ = match event {
                    FetchEvent::Rows { scope, rows } | FetchEvent::Filled { scope, rows, .. } => {
                        events.send(RefreshEvent::Rows { scope, rows })
                    }
                    // The error itself arrives with the outcome, in the view's errors; the
                    // line counts it now.
                    FetchEvent::Progress(_) | FetchEvent::Failed { .. } => {
                        events.send(RefreshEvent::Progress(RefreshProgress {
                            done: 0,
                            total: 0,
                            label: line,
                            tags,
                        }))
                    }
                };
            };
            let refreshed = crate::refresh::run(
                &fetcher,
                &store,
                crate::refresh::RefreshRequest {
                    known: &start.known,
                    tags: Some((&start.tags, &tag_settings, retag)),
                    metrics: metrics_now.then_some(start.metrics.as_slice()),
                    retention_days,
                },
                &sink,
            )
            .await;
            let measured = match (fetcher.cur().cloned(), &refreshed.cur) {
                (Some(cur), Some(_)) => store
                    .run(move |cache| crate::refresh::cur::kept(cache, &cur, Utc::now()))
                    .await
                    .ok()
                    .flatten()
                    .map(|costs| costs.measured(&refreshed.jobs.view.rows)),
                _ => None,
            };
            let mut next = LiveState {
                known: refreshed.jobs.known_state(),
                tags: start.tags.clone(),
                metrics_last: start.metrics_last,
                metrics: start.metrics.clone(),
            };
            let mut outcome = RefreshOutcome {
                source: Some(DataSource::Live),
                jobs: Some(refreshed.jobs.view),
                events: refreshed.events,
                ..RefreshOutcome::default()
            };
            if let Some(tagged) = refreshed.tags {
                next.tags = tagged.state;
                outcome.findings = Some(tagged.findings);
            }
            if let Some(metrics) = refreshed.metrics {
                tracing::info!(errors = metrics.view.errors.len(), "{}", metrics.summary());
                next.metrics_last = Some(std::time::Instant::now());
                next.metrics = metrics.view.rows.clone();
                outcome.metrics = Some(metrics.view);
            }
            if let Some(err) = refreshed.store_error {
                outcome
                    .errors
                    .push(format!("could not write the cache: {err}"));
            }
            outcome.errors.extend(refreshed.prices.error);
            outcome.prices = Some(refreshed.prices.prices);
            if let Some(cur) = &refreshed.cur {
                match &cur.error {
                    Some(error) => outcome.errors.push(error.clone()),
                    None => tracing::info!("{}", cur.summary()),
                }
            }
            // Billing's own figures: the CUR's kept answer and Cost Explorer's resource-level
            // data, each where configured; every resource shows the best it has.
            let mut measured = measured;
            if let Some((spend, service)) = resource_costs {
                match measure(&spend, &service).await {
                    Ok(resource_level) => {
                        measured
                            .get_or_insert_with(crate::cost::Measured::new)
                            .merge(resource_level);
                    }
                    Err(err) => outcome.errors.push(err),
                }
                outcome.ledger = Some(service.ledger(chrono::Utc::now()).await);
            }
            outcome.measured = measured;
            outcome.errors.extend(warning);
            outcome.caller_arns = fetcher.caller_arns();
            outcome.units = fetcher.units();
            *lock(&state) = Some(next);
            outcome
        }
        .boxed()
    }
}

/// Each SageMaker resource's cost over the last 14 days from Cost Explorer's resource-level
/// data, through the spend cache (one question a TTL); why not, as an error line naming the
/// setting to change.
async fn measure(
    spend: &crate::config::SpendConfig,
    service: &SpendService,
) -> Result<crate::cost::Measured, String> {
    let now = chrono::Utc::now();
    let query = crate::spend::resources::query(spend, now.date_naive());
    let costs = service
        .resource_costs(&query, false, now, &|note| tracing::info!("{note}"))
        .await
        .map_err(|err| service.describe(&err))?;
    tracing::info!("{}", costs.summary());
    Ok(costs.measured)
}

/// The process's cache store, or why there is none: what one sagescope process opens once and
/// hands to everything that reads or writes the cache, so one thread owns the connection.
#[derive(Clone)]
pub struct OpenCache {
    pub store: Option<Store>,
    /// Said once, by whoever shows the cache's state first.
    pub warning: Option<String>,
}

/// Opens the cache at `path` (see [`Store::open`]).
pub fn open_cache(path: &std::path::Path) -> OpenCache {
    match Store::open(path) {
        Ok(opened) => OpenCache {
            store: Some(opened.store),
            warning: opened.warning,
        },
        Err(err) => OpenCache {
            store: None,
            warning: Some(format!("the cache cannot be used: {err}")),
        },
    }
}

/// Spend for `--offline`: the cached Cost Explorer answers of any age, never a request.
pub fn offline_spend(loaded: &LoadedConfig, store: Store) -> Arc<SpendService> {
    Arc::new(SpendService::new(
        &loaded.config,
        store,
        CostAccess::Offline,
    ))
}

/// The source the UI refreshes from when it runs without `--demo` or `--offline`: live AWS,
/// written through to the cache. `None` only when no cache location is known.
pub fn live_source(loaded: &LoadedConfig) -> Option<Arc<dyn SnapshotSource>> {
    let path = loaded
        .config
        .cache_path
        .clone()
        .or_else(crate::paths::cache_file)?;
    Some(Arc::new(LiveSource::new(&loaded.config, path)))
}

/// As [`live_source`], writing through `cache`, the store the process opened.
pub fn live_source_with(loaded: &LoadedConfig, cache: OpenCache) -> Arc<dyn SnapshotSource> {
    Arc::new(LiveSource::with_store(&loaded.config, cache))
}

/// The cache as read at start-up. Decoding 100,000 cached resources takes most of a second, so
/// the terminal UI reads the cache off the UI thread and draws its first frame at once, saying
/// what it is reading; this is what the reading hands back, as one Action.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct CacheRead {
    /// What went wrong reading it, for the error history (already prefixed `cache: `).
    pub errors: Vec<String>,
    /// The event timeline kept so far.
    pub timeline: Option<Vec<crate::model::Event>>,
    /// The last saved snapshot, if there is one and it could be read.
    pub snapshot: Option<crate::model::Snapshot>,
    /// Why the panes are empty, when they are (no snapshot yet, an unreadable cache).
    pub empty_note: Option<String>,
    /// Live prices kept from earlier runs' Price List reads.
    pub prices: Vec<crate::pricing::LivePrice>,
    /// The CUR's kept answer, when `[cur]` is configured.
    pub cur: Option<crate::cur::costs::CurCosts>,
}

#[cfg(test)]
mod tests {
    use chrono::TimeZone;

    use super::*;

    fn anchor() -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2026, 11, 20, 14, 2, 0)
            .single()
            .expect("valid")
    }

    fn later() -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2026, 11, 20, 15, 0, 0)
            .single()
            .expect("valid")
    }

    #[tokio::test]
    async fn demo_refresh_keeps_the_same_resources_and_dates_them_now() {
        let (tx, mut rx) = tokio::sync::mpsc::unbounded_channel();
        let outcome = DemoSource::with_clock(anchor(), later)
            .refresh(RefreshKind::Manual, tx)
            .await;
        let jobs = outcome.jobs.expect("demo returns jobs");
        assert_eq!(jobs.as_of, later());
        assert_eq!(jobs.rows, crate::demo::world(anchor()).jobs.rows);
        assert!(rx.recv().await.is_some(), "progress was reported");
    }

    #[tokio::test]
    async fn demo_refresh_carries_metrics_that_end_now() {
        let (tx, _rx) = tokio::sync::mpsc::unbounded_channel();
        let outcome = DemoSource::with_clock(anchor(), later)
            .refresh(RefreshKind::Auto, tx)
            .await;
        let metrics = outcome.metrics.expect("demo returns metrics");
        assert_eq!(metrics.as_of, later());
        assert!(!metrics.rows.is_empty());
        let jobs = outcome.jobs.expect("jobs");
        for row in &metrics.rows {
            assert!(jobs.rows.iter().any(|j| j.arn == row.arn), "{}", row.arn);
            assert!(
                row.metrics.as_of > anchor(),
                "series end at the refresh, not at the world's anchor"
            );
        }
    }

    #[test]
    fn metrics_come_on_their_own_slower_clock_or_when_asked() {
        let every = std::time::Duration::from_secs(300);
        let t0 = std::time::Instant::now();
        let after = |s: u64| t0 + std::time::Duration::from_secs(s);
        assert!(metrics_due(RefreshKind::Auto, None, t0, every), "first");
        assert!(!metrics_due(RefreshKind::Auto, Some(t0), after(30), every));
        assert!(!metrics_due(RefreshKind::Auto, Some(t0), after(299), every));
        assert!(metrics_due(RefreshKind::Auto, Some(t0), after(300), every));
        assert!(
            metrics_due(RefreshKind::Manual, Some(t0), after(1), every),
            "`r` refreshes everything"
        );
    }
}
