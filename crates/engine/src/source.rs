//! Where the terminal UI gets fresh data from, without knowing anything about AWS.
//!
//! The UI asks a [`SnapshotSource`] to refresh and gets back owned views on a channel; it never
//! waits on the network and never holds a lock on its state. Two sources exist:
//!
//! - [`DemoSource`]: the built-in demo world (`--demo`).
//! - [`LiveSource`]: every configured account through the refresh pipeline
//!   ([`crate::refresh`]), streaming each scope's rows as they arrive and committing them to
//!   the cache's store.

use std::sync::{Arc, Mutex};

use chrono::{DateTime, Utc};
use futures::FutureExt;
use futures::future::BoxFuture;
use tokio::sync::mpsc::UnboundedSender;

use crate::fetch::FetchEvent;
use crate::session::{MetricsPlan, RefreshPlan, RefreshSession, lock};
use crate::spend::{CostAccess, SpendService};
use crate::store::Store;
use sagescope_core::config::LoadedConfig;
use sagescope_core::metrics::JobMetrics;
use sagescope_core::model::{
    DataSource, Event, Job, ScopeKey, Snapshot, SpendRow, TagFinding, View,
};

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
    pub prices: Option<Vec<sagescope_core::pricing::LivePrice>>,
    /// What billing measured per resource (the CUR, Cost Explorer's resource-level data); `None`
    /// leaves the costs in use.
    pub measured: Option<sagescope_core::cost::Measured>,
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

/// What one read of the event stream brings the UI (see [`crate::stream`]).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct StreamUpdate {
    /// The scopes events changed, each with all its rows: replaces that scope's rows.
    pub scopes: Vec<(ScopeKey, Vec<Job>)>,
    /// What changed (alerts and timeline entries), each announced once.
    pub events: Vec<Event>,
    /// The status bar's line: `stream: live, last event 3 s ago · reconcile in 12 min`.
    pub line: String,
    /// Whether the automatic refresh may start now: the stream is down, or the reconcile is
    /// due. While it is live and the reconcile is not due, the timer's refreshes are skipped.
    pub listing_due: bool,
    /// Why the changes could not be written to the cache (they are on screen all the same).
    pub error: Option<String>,
    /// `stream.stale_seconds`: with no update for this long, the stream task itself is gone,
    /// and the UI refreshes on its timer again.
    pub stale_after: std::time::Duration,
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

    /// The event stream, when this source has one: a task the UI spawns once, which reads
    /// the stream for as long as `updates` has a receiver.
    fn stream(&self, _updates: UnboundedSender<StreamUpdate>) -> Option<BoxFuture<'static, ()>> {
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
    let config = sagescope_core::demo::config(&sagescope_core::config::Config::default());
    let rows = sagescope_core::demo::world(anchor).spend.rows;
    SpendService::demo(&config, rows).ok().map(Arc::new)
}

impl SnapshotSource for DemoSource {
    fn spend(&self) -> Option<Arc<SpendService>> {
        self.spend.clone()
    }

    fn logs(&self) -> Option<Arc<dyn crate::logs::LogAccess>> {
        let jobs = sagescope_core::demo::world(self.anchor).jobs.rows;
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
            let accounts =
                sagescope_core::demo::config(&sagescope_core::config::Config::default()).accounts;
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
            let mut snapshot = sagescope_core::demo::world(anchor);
            snapshot.jobs.as_of = now;
            snapshot.spend.as_of = now;
            snapshot.findings.as_of = now;
            // Series that end now, so utilisation flags hold however long the demo runs.
            let metrics = sagescope_core::metrics::demo::synthesize(&snapshot.jobs.rows, now);
            snapshot.metrics = View::new(now, metrics, Vec::new());
            // Now and then an alert, so the toasts and the timeline are seen moving.
            let events = if n % 2 == 1 {
                sagescope_core::demo::replay(&snapshot, now, n / 2)
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

/// The live AWS source: every configured account × region through the process's
/// [`RefreshSession`] (its long-lived account hub keeps credentials and rate limiters between
/// refreshes, so a steady-state refresh costs about one List call per kind per
/// account-region), each refresh's rows streamed to the UI as they arrive.
pub struct LiveSource {
    session: Arc<RefreshSession>,
    /// Why the cache needed attention when it was opened, said once with the first refresh.
    store_warning: Arc<Mutex<Option<String>>>,
}

impl LiveSource {
    /// A source refreshing through `session`; `warning` (from opening the cache) is said with
    /// the first refresh.
    pub fn new(session: Arc<RefreshSession>, warning: Option<String>) -> Self {
        LiveSource {
            session,
            store_warning: Arc::new(Mutex::new(warning)),
        }
    }

    /// A source for `config` with its own session over the cache at `path`, reaching AWS
    /// through `connect`: what a test or a tool that is its own process builds.
    pub fn open(
        config: &sagescope_core::config::Config,
        path: &std::path::Path,
        connect: Connect,
    ) -> Result<Self, crate::cache::CacheError> {
        let opened = Store::open(path)?;
        let session = RefreshSession::new(config, Arc::new(connect(config)), opened.store);
        Ok(LiveSource::new(Arc::new(session), opened.warning))
    }
}

impl SnapshotSource for LiveSource {
    fn spend(&self) -> Option<Arc<SpendService>> {
        Some(self.session.spend().clone())
    }

    fn logs(&self) -> Option<Arc<dyn crate::logs::LogAccess>> {
        // The refreshes' account hub: an account's link (and its assumed role) serves both.
        Some(self.session.fetcher().clone())
    }

    fn prioritize(&self, arn: &str) {
        self.session.fetcher().prioritize(arn);
    }

    fn stream(&self, updates: UnboundedSender<StreamUpdate>) -> Option<BoxFuture<'static, ()>> {
        let stale_after = self.session.stream()?.stale_after();
        let reads = self.session.clone().stream_reads(move |session, polled| {
            let now = Utc::now();
            let update = StreamUpdate {
                scopes: polled.scopes,
                events: polled.events,
                line: session.stream_line(now).unwrap_or_default(),
                listing_due: session.listing_due(now),
                error: polled
                    .store_error
                    .map(|e| format!("stream: could not write the cache: {e}")),
                stale_after,
            };
            updates.send(update).is_ok()
        })?;
        Some(reads.boxed())
    }

    fn refresh(
        &self,
        kind: RefreshKind,
        events: UnboundedSender<RefreshEvent>,
    ) -> BoxFuture<'static, RefreshOutcome> {
        // `r` also re-reads the tags of resources with findings (after running the fix
        // script, the user sees the fixed ones go) and reads utilisation now.
        let plan = match kind {
            RefreshKind::Auto => RefreshPlan {
                tags: Some(crate::fetch::TagRefresh::Cached),
                metrics: MetricsPlan::WhenDue,
                costs: true,
            },
            RefreshKind::Manual => RefreshPlan {
                tags: Some(crate::fetch::TagRefresh::Findings),
                metrics: MetricsPlan::Now,
                costs: true,
            },
        };
        let session = self.session.clone();
        let warning = lock(&self.store_warning).take();
        async move {
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
            let done = session
                .refresh(plan, &sink, &|note| tracing::info!("{note}"))
                .await;
            let refreshed = done.refreshed;
            let mut outcome = RefreshOutcome {
                source: Some(DataSource::Live),
                jobs: Some(refreshed.jobs.view),
                events: refreshed.events,
                findings: refreshed.tags.map(|tagged| tagged.findings),
                ..RefreshOutcome::default()
            };
            if let Some(metrics) = refreshed.metrics {
                tracing::info!(errors = metrics.view.errors.len(), "{}", metrics.summary());
                outcome.metrics = Some(metrics.view);
            }
            if let Some(err) = refreshed.store_error {
                outcome
                    .errors
                    .push(format!("could not write the cache: {err}"));
            }
            // Who created what: a refused or failed pass is the error history's, like the CUR's.
            if let Some(lookup) = &refreshed.creators {
                if lookup.requests > 0 {
                    tracing::info!("{}", lookup.summary());
                }
                outcome
                    .errors
                    .extend(lookup.errors.iter().map(|e| format!("creators: {e}")));
            }
            if let Some(athena) = &refreshed.creators_athena {
                match &athena.error {
                    Some(error) => outcome
                        .errors
                        .push(format!("creators from the trail in Athena: {error}")),
                    None if athena.requests > 0 => tracing::info!("{}", athena.summary()),
                    None => {}
                }
            }
            outcome.errors.extend(refreshed.prices.error);
            outcome.prices = Some(refreshed.prices.prices);
            if let Some(cur) = &refreshed.cur {
                match &cur.error {
                    Some(error) => outcome.errors.push(error.clone()),
                    None => tracing::info!("{}", cur.summary()),
                }
            }
            for note in &done.cost_notes {
                tracing::info!("{note}");
            }
            outcome.errors.extend(done.cost_errors);
            outcome.measured = done.measured;
            outcome.ledger = done.ledger;
            outcome.errors.extend(warning);
            outcome.caller_arns = session.fetcher().caller_arns();
            outcome.units = session.fetcher().units();
            outcome
        }
        .boxed()
    }
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

/// How a process reaches AWS: builds the account hub for a config. The binary passes the AWS
/// adapters' constructor; the engine and the UI never name the AWS code.
pub type Connect = fn(&sagescope_core::config::Config) -> crate::fetch::JobFetcher;

/// The source the UI refreshes from when it runs live: every account through one
/// [`RefreshSession`] written through `cache`, the store the process opened; `None` when the
/// cache could not be opened (the cache read says why).
pub fn live_source(
    config: &sagescope_core::config::Config,
    cache: OpenCache,
    connect: Connect,
) -> Option<Arc<dyn SnapshotSource>> {
    let store = cache.store?;
    let session = RefreshSession::new(config, Arc::new(connect(config)), store);
    Some(Arc::new(LiveSource::new(Arc::new(session), cache.warning)))
}

/// The cache as read at start-up. Decoding 100,000 cached resources takes most of a second, so
/// the terminal UI reads the cache off the UI thread and draws its first frame at once, saying
/// what it is reading; this is what the reading hands back, as one Action.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct CacheRead {
    /// What went wrong reading it, for the error history (already prefixed `cache: `).
    pub errors: Vec<String>,
    /// The event timeline kept so far.
    pub timeline: Option<Vec<sagescope_core::model::Event>>,
    /// The last saved snapshot, if there is one and it could be read.
    pub snapshot: Option<sagescope_core::model::Snapshot>,
    /// Why the panes are empty, when they are (no snapshot yet, an unreadable cache).
    pub empty_note: Option<String>,
    /// Live prices kept from earlier runs' Price List reads.
    pub prices: Vec<sagescope_core::pricing::LivePrice>,
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
        assert_eq!(jobs.rows, sagescope_core::demo::world(anchor()).jobs.rows);
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
}
