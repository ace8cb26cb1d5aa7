//! Where the terminal UI gets fresh data from, without knowing anything about AWS.
//!
//! The UI asks a [`SnapshotSource`] to refresh and gets back owned views on a channel; it never
//! waits on the network and never holds a lock on its state. Three sources exist or are planned:
//!
//! - [`DemoSource`]: the built-in demo world (`--demo`).
//! - the live AWS source: plugs in at [`live_source`] (see there).
//! - [`CachingSource`]: wraps another source and writes what it returns to the SQLite cache, so
//!   the next start (and `--offline`) shows it.

use std::path::PathBuf;
use std::sync::Arc;

use chrono::{DateTime, Utc};
use futures::FutureExt;
use futures::future::BoxFuture;
use tokio::sync::mpsc::UnboundedSender;

use crate::cache::Cache;
use crate::config::LoadedConfig;
use crate::fetch::{JobFetcher, KnownState};
use crate::metrics::JobMetrics;
use crate::model::{DataSource, Job, Snapshot, SpendRow, TagFinding, View};
use crate::spend::{CostAccess, SpendService};

/// Why a refresh was asked for: a source may skip costly views (Cost Explorer charges per
/// request) on automatic refreshes and fetch everything when the user pressed `r`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RefreshKind {
    /// The background timer.
    Auto,
    /// The user asked (`r`).
    Manual,
}

/// How far a running refresh has got, for the status bar.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RefreshProgress {
    /// Steps finished so far (e.g. account-region fetches).
    pub done: usize,
    /// Steps in all; 0 when unknown.
    pub total: usize,
    /// What is being fetched now, e.g. `ml-prod us-east-1`. Outside text: sanitised on display.
    pub label: String,
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
        progress: UnboundedSender<RefreshProgress>,
    ) -> BoxFuture<'static, RefreshOutcome>;

    /// Where the Spend pane's loads go (the same accounts and cache as the refreshes), if this
    /// source serves spend.
    fn spend(&self) -> Option<Arc<SpendService>> {
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

    fn refresh(
        &self,
        _kind: RefreshKind,
        progress: UnboundedSender<RefreshProgress>,
    ) -> BoxFuture<'static, RefreshOutcome> {
        let anchor = self.anchor;
        let now = (self.clock)();
        async move {
            // Walk the demo accounts so the spinner and progress show what a live refresh does.
            let accounts = crate::demo::config(&crate::config::Config::default()).accounts;
            let total = accounts.len();
            for (done, account) in accounts.iter().enumerate() {
                // A closed channel only means nobody is watching any more.
                let _ = progress.send(RefreshProgress {
                    done,
                    total,
                    label: account.name.clone(),
                });
                tokio::time::sleep(std::time::Duration::from_millis(120)).await;
            }
            let mut snapshot = crate::demo::world(anchor);
            snapshot.jobs.as_of = now;
            snapshot.spend.as_of = now;
            snapshot.findings.as_of = now;
            // Series that end now, so utilisation flags hold however long the demo runs.
            let metrics = crate::metrics::demo::synthesize(&snapshot.jobs.rows, now);
            snapshot.metrics = View::new(now, metrics, Vec::new());
            RefreshOutcome::from_snapshot(snapshot)
        }
        .boxed()
    }
}

/// Wraps a source and saves every view it returns to the cache, off the UI task.
///
/// A failed save becomes an error in the outcome: the fresh data is still shown.
pub struct CachingSource<S> {
    inner: S,
    cache_path: PathBuf,
}

impl<S: SnapshotSource> CachingSource<S> {
    pub fn new(inner: S, cache_path: PathBuf) -> Self {
        CachingSource { inner, cache_path }
    }
}

impl<S: SnapshotSource> SnapshotSource for CachingSource<S> {
    fn spend(&self) -> Option<Arc<SpendService>> {
        self.inner.spend()
    }

    fn refresh(
        &self,
        kind: RefreshKind,
        progress: UnboundedSender<RefreshProgress>,
    ) -> BoxFuture<'static, RefreshOutcome> {
        let fetch = self.inner.refresh(kind, progress);
        let path = self.cache_path.clone();
        async move {
            let mut outcome = fetch.await;
            let to_save = outcome.clone();
            save_off_ui_task(&mut outcome, move || save(&path, &to_save)).await;
            outcome
        }
        .boxed()
    }
}

/// Runs a cache write on the blocking pool, off the UI task; a failure becomes an error in
/// the outcome, and the fresh data is still shown.
async fn save_off_ui_task(
    outcome: &mut RefreshOutcome,
    write: impl FnOnce() -> Result<(), String> + Send + 'static,
) {
    match tokio::task::spawn_blocking(write).await {
        Ok(Ok(())) => {}
        Ok(Err(message)) => outcome.errors.push(message),
        Err(join) => outcome
            .errors
            .push(format!("saving to the cache stopped: {join}")),
    }
}

fn could_not_write(e: crate::cache::CacheError) -> String {
    format!("could not write the cache: {e}")
}

fn save(path: &std::path::Path, outcome: &RefreshOutcome) -> Result<(), String> {
    let opened = Cache::open(path).map_err(could_not_write)?;
    let mut cache = opened.cache;
    if let Some(jobs) = &outcome.jobs {
        cache.save_jobs(jobs).map_err(could_not_write)?;
    }
    if let Some(spend) = &outcome.spend {
        cache.save_spend(spend).map_err(could_not_write)?;
    }
    if let Some(findings) = &outcome.findings {
        cache.save_findings(findings).map_err(could_not_write)?;
    }
    if let Some(metrics) = &outcome.metrics {
        cache.save_metrics(metrics).map_err(could_not_write)?;
    }
    match opened.warning {
        Some(warning) => Err(warning),
        None => Ok(()),
    }
}

/// The live AWS source: every configured account × region, through one long-lived
/// [`JobFetcher`] (it keeps credentials and the rate limiter between refreshes, so a steady
/// state refresh costs about one List call per kind per account-region).
///
/// Each refresh starts from what the previous one knew (first from the cache), and writes the
/// jobs view and describe cache back in one transaction, off the UI task.
///
/// CloudWatch utilisation rides on the jobs refresh, on its own slower clock: a refresh
/// fetches it too when `refresh.metrics_seconds` have passed (or on `r`), through the same
/// connected accounts, for what that jobs refresh found running.
pub struct LiveSource {
    fetcher: Arc<JobFetcher>,
    known: Arc<tokio::sync::Mutex<KnownState>>,
    cache_path: PathBuf,
    /// Cost Explorer in `spend.account`, through the same fetcher (one connect per account).
    spend: Option<Arc<SpendService>>,
    /// The tag cache and Studio resources between refreshes (first from the cache).
    tags: Arc<tokio::sync::Mutex<crate::tags::TagState>>,
    tag_settings: crate::config::TagsConfig,
    metrics: Arc<tokio::sync::Mutex<MetricsClock>>,
    metrics_every: std::time::Duration,
}

/// When metrics were last fetched, and what came back (an account-region whose CloudWatch
/// call fails next time keeps these).
#[derive(Debug, Default)]
struct MetricsClock {
    last: Option<std::time::Instant>,
    rows: Vec<JobMetrics>,
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
    /// A source for `config`, starting from the state cached at `cache_path` (if readable).
    pub fn new(config: &crate::config::Config, cache_path: PathBuf) -> Self {
        let opened = Cache::open(&cache_path).ok();
        let known = opened
            .as_ref()
            .and_then(|opened| opened.cache.load_known().ok())
            .unwrap_or_default();
        let fetcher = Arc::new(JobFetcher::new(config));
        let spend = Cache::open(&cache_path).ok().map(|opened| {
            Arc::new(SpendService::new(
                config,
                opened.cache,
                CostAccess::Account(fetcher.clone()),
            ))
        });
        let tags = opened
            .as_ref()
            .and_then(|opened| crate::tags::store::load(&opened.cache).ok())
            .unwrap_or_default();
        LiveSource {
            fetcher,
            known: Arc::new(tokio::sync::Mutex::new(known)),
            cache_path,
            spend,
            tags: Arc::new(tokio::sync::Mutex::new(tags)),
            tag_settings: config.tags.clone(),
            metrics: Arc::default(),
            metrics_every: std::time::Duration::from_secs(config.refresh.metrics_seconds),
        }
    }
}

impl SnapshotSource for LiveSource {
    fn spend(&self) -> Option<Arc<SpendService>> {
        self.spend.clone()
    }

    fn refresh(
        &self,
        kind: RefreshKind,
        progress: UnboundedSender<RefreshProgress>,
    ) -> BoxFuture<'static, RefreshOutcome> {
        // `r` also re-reads the tags of resources with findings: after running the fix
        // script, the user sees the fixed ones go.
        let retag = match kind {
            RefreshKind::Auto => crate::fetch::TagRefresh::Cached,
            RefreshKind::Manual => crate::fetch::TagRefresh::Findings,
        };
        let fetcher = self.fetcher.clone();
        let known = self.known.clone();
        let path = self.cache_path.clone();
        let tag_state = self.tags.clone();
        let tag_settings = self.tag_settings.clone();
        let tag_progress = progress.clone();
        let metrics_clock = self.metrics.clone();
        let metrics_every = self.metrics_every;
        let metrics_progress = progress.clone();
        async move {
            // One refresh at a time: a second `r` waits for the first instead of doubling
            // the requests.
            let mut known = known.lock().await;
            let report = move |p: crate::fetch::Progress| {
                let label = match &p.region {
                    Some(region) => format!("{} {region}", p.account),
                    None => p.account.clone(),
                };
                // A closed channel only means nobody is watching any more.
                let _ = progress.send(RefreshProgress {
                    done: p.done,
                    total: p.total,
                    label,
                });
            };
            let mut fetched = fetcher.fetch(&known, &report).await;
            // The tag pass: tags onto the jobs, and the Untagged view.
            let mut tag_state = tag_state.lock().await;
            let report_tags = move |p: crate::fetch::Progress| {
                let place = match &p.region {
                    Some(region) => format!("{} {region}", p.account),
                    None => p.account.clone(),
                };
                // A closed channel only means nobody is watching any more.
                let _ = tag_progress.send(RefreshProgress {
                    done: p.done,
                    total: p.total,
                    label: format!("tags {place}"),
                });
            };
            let tagged = fetcher
                .fetch_tags(
                    &mut fetched.view,
                    &tag_state,
                    &tag_settings,
                    retag,
                    &report_tags,
                )
                .await;
            *tag_state = tagged.state.clone();
            drop(tag_state);
            *known = fetched.known_state();
            let mut clock = metrics_clock.lock().await;
            let metrics = if metrics_due(kind, clock.last, std::time::Instant::now(), metrics_every)
            {
                let _ = metrics_progress.send(RefreshProgress {
                    done: 0,
                    total: 0,
                    label: "CloudWatch".into(),
                });
                let m = fetcher
                    .fetch_metrics(
                        &fetched.view.rows,
                        &fetched.describes,
                        &clock.rows,
                        Utc::now(),
                    )
                    .await;
                tracing::info!(errors = m.view.errors.len(), "{}", m.summary());
                clock.last = Some(std::time::Instant::now());
                clock.rows = m.view.rows.clone();
                Some(m.view)
            } else {
                None
            };
            drop(clock);
            let mut outcome = RefreshOutcome {
                source: Some(DataSource::Live),
                jobs: Some(fetched.view.clone()),
                findings: Some(tagged.findings.clone()),
                metrics: metrics.clone(),
                ..RefreshOutcome::default()
            };
            save_off_ui_task(&mut outcome, move || {
                let opened = Cache::open(&path).map_err(could_not_write)?;
                let mut cache = opened.cache;
                cache.save_jobs_fetch(&fetched).map_err(could_not_write)?;
                crate::tags::store::save(&cache, &tagged.state)
                    .and_then(|()| cache.save_findings(&tagged.findings))
                    .map_err(could_not_write)?;
                if let Some(metrics) = &metrics {
                    cache.save_metrics(metrics).map_err(could_not_write)?;
                }
                opened.warning.map_or(Ok(()), Err)
            })
            .await;
            outcome
        }
        .boxed()
    }
}

/// Spend for `--offline`: the cached Cost Explorer answers of any age, never a request.
pub fn offline_spend(loaded: &LoadedConfig) -> Option<Arc<SpendService>> {
    let path = loaded
        .config
        .cache_path
        .clone()
        .or_else(crate::paths::cache_file)?;
    let opened = Cache::open(&path).ok()?;
    Some(Arc::new(SpendService::new(
        &loaded.config,
        opened.cache,
        CostAccess::Offline,
    )))
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

    #[tokio::test]
    async fn caching_source_writes_what_it_returns() {
        let dir = tempfile::tempdir().expect("temp dir");
        let path = dir.path().join("cache.db");
        let source = CachingSource::new(DemoSource::with_clock(anchor(), later), path.clone());
        let (tx, _rx) = tokio::sync::mpsc::unbounded_channel();
        let outcome = source.refresh(RefreshKind::Auto, tx).await;
        assert!(outcome.errors.is_empty(), "{:?}", outcome.errors);
        let cache = Cache::open(&path).expect("opens").cache;
        let snapshot = cache.load_snapshot().expect("reads").expect("saved");
        assert_eq!(
            snapshot.jobs.rows.len(),
            outcome.jobs.map_or(0, |j| j.rows.len())
        );
        assert_eq!(snapshot.jobs.as_of, later());
        assert_eq!(
            snapshot.metrics.rows.len(),
            outcome.metrics.map_or(0, |m| m.rows.len()),
            "metrics are cached too"
        );
        assert!(!snapshot.metrics.rows.is_empty());
    }
}
