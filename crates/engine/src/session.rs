//! One refresh session per process: what the terminal UI, `refresh`, `export` and `watch` each
//! drive, so that the state carried from one refresh to the next, what is due, and the cost
//! enrichment live in one place.
//!
//! A session owns the process's account hub ([`JobFetcher`]: credentials, rate limiters,
//! discovered accounts), its one cache [`Store`], and the Cost Explorer service over both.
//! Each [`RefreshSession::refresh`] starts where the previous one left off (first from the
//! cache), runs the refresh pipeline ([`crate::refresh::run`]), fetches utilisation when it is
//! due, adds what billing measured per resource, and keeps what the next one needs. Drivers
//! differ only in what they do with the result: the UI merges it, `refresh` and `export` print
//! it, `watch` turns its events into lines.

use std::sync::{Arc, Mutex, MutexGuard, PoisonError};
use std::time::{Duration, Instant};

use chrono::Utc;

use crate::fetch::{EventSink, JobFetcher, KnownState, TagRefresh};
use crate::refresh::{RefreshRequest, Refreshed};
use crate::spend::{CostAccess, Ledger, Notes, SpendService};
use crate::store::Store;
use sagescope_core::config::{Config, CurConfig, SpendConfig, SpendSourceKind, TagsConfig};
use sagescope_core::cost::Measured;
use sagescope_core::metrics::JobMetrics;
use sagescope_core::tags::TagState;

/// When a refresh also reads CloudWatch utilisation.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MetricsPlan {
    /// When `refresh.metrics_seconds` have passed since the last read (or none was made yet).
    WhenDue,
    /// This refresh, whatever the clock says (`r` in the UI, `sagescope refresh`).
    Now,
}

/// What one refresh is asked to do beyond listing every resource.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RefreshPlan {
    /// The tag pass and which cached tags it may trust; `None` skips it.
    pub tags: Option<TagRefresh>,
    pub metrics: MetricsPlan,
    /// Billing's own figure per resource: the CUR's kept answer (`[cur]`) and Cost Explorer's
    /// resource-level data (`[spend] resource_costs`), each where configured.
    pub costs: bool,
}

/// What one session refresh produced.
pub struct SessionRefresh {
    /// The pipeline's views, events and phase figures.
    pub refreshed: Refreshed,
    /// What billing measured per resource; `None` when the plan did not ask or nothing is
    /// configured to measure it.
    pub measured: Option<Measured>,
    /// Why a cost source could not be read (the others stand in), ready to show.
    pub cost_errors: Vec<String>,
    /// One line per cost source read, saying what it found and cost.
    pub cost_notes: Vec<String>,
    /// Cost Explorer requests made today, when this refresh asked Cost Explorer.
    pub ledger: Option<Ledger>,
}

/// What one refresh hands the next.
#[derive(Debug, Clone, Default)]
struct Carried {
    known: KnownState,
    tags: TagState,
    metrics_last: Option<Instant>,
    metrics: Vec<JobMetrics>,
}

/// The config a session reads on every refresh.
struct Settings {
    tags: TagsConfig,
    metrics_every: Duration,
    /// How often the full listing runs: `refresh.jobs_seconds`, and while the stream is live,
    /// `refresh.reconcile_minutes`.
    jobs_every: Duration,
    reconcile_every: Duration,
    retention_days: u32,
    /// `[spend]`, when `resource_costs` asks each resource's cost from Cost Explorer.
    resource_costs: Option<SpendConfig>,
    /// `[cloudtrail] lookup`.
    lookup_creators: bool,
    /// `[cloudtrail] athena_table`.
    trail_table: Option<sagescope_core::config::TrailTable>,
}

/// See the module documentation.
pub struct RefreshSession {
    fetcher: Arc<JobFetcher>,
    store: Store,
    spend: Arc<SpendService>,
    settings: Settings,
    /// What the next refresh starts from; `None` until read from the store. Cloned out for a
    /// refresh and replaced after, so no lock is held across the network.
    carried: Mutex<Option<Carried>>,
    /// The organization's event stream, when `[stream]` is configured.
    stream: Option<crate::stream::Stream>,
    /// When the last full listing ended, and whether the stream was live then.
    listed: Mutex<Option<(chrono::DateTime<Utc>, bool)>>,
    /// Who created each resource, as kept in the cache; read with the first refresh.
    creators: Arc<crate::creators::Creators>,
}

impl RefreshSession {
    /// A session for `config` reaching AWS through `fetcher` and writing through `store`, the
    /// process's one cache writer.
    pub fn new(config: &Config, fetcher: Arc<JobFetcher>, store: Store) -> Self {
        let service =
            SpendService::new(config, store.clone(), CostAccess::Account(fetcher.clone()));
        // `spend.source = "cur"`: the Spend pane's tag grouping comes from the CUR.
        let service = match (&config.cur, config.spend.source) {
            (Some(cur), SpendSourceKind::Cur) => {
                service.with_tag_spend(Arc::new(crate::refresh::cur::CurTagSpend {
                    fetcher: fetcher.clone(),
                    store: store.clone(),
                    config: cur.clone(),
                }))
            }
            _ => service,
        };
        RefreshSession {
            fetcher,
            store,
            spend: Arc::new(service),
            settings: Settings {
                tags: config.tags.clone(),
                metrics_every: Duration::from_secs(config.refresh.metrics_seconds),
                jobs_every: Duration::from_secs(config.refresh.jobs_seconds),
                reconcile_every: Duration::from_secs(config.refresh.reconcile_minutes * 60),
                retention_days: config.events.retention_days,
                resource_costs: config.spend.resource_costs.then(|| config.spend.clone()),
                lookup_creators: config.cloudtrail.lookup,
                trail_table: config.cloudtrail.athena.clone(),
            },
            carried: Mutex::new(None),
            stream: config
                .stream
                .as_ref()
                .map(|stream| crate::stream::Stream::new(stream, Utc::now())),
            listed: Mutex::new(None),
            creators: Arc::new(crate::creators::Creators::default()),
        }
    }

    /// The organization's event stream, when `[stream]` is configured.
    pub fn stream(&self) -> Option<&crate::stream::Stream> {
        self.stream.as_ref()
    }

    /// When the next full listing is due: `jobs_seconds` after the last, or while the stream
    /// is live, `reconcile_minutes` after it; `None` before the first (due now).
    pub fn next_listing(&self, now: chrono::DateTime<Utc>) -> Option<chrono::DateTime<Utc>> {
        self.next_listing_polling_every(now, self.settings.jobs_every)
    }

    /// [`RefreshSession::next_listing`] with the polling pace given (`watch --interval`).
    pub fn next_listing_polling_every(
        &self,
        now: chrono::DateTime<Utc>,
        jobs_every: Duration,
    ) -> Option<chrono::DateTime<Utc>> {
        let (last, _) = (*lock(&self.listed))?;
        let live = self.stream.as_ref().is_some_and(|s| s.is_live(now));
        Some(next_listing_after(
            last,
            live,
            jobs_every,
            self.settings.reconcile_every,
        ))
    }

    /// Whether the full listing is due now (see [`RefreshSession::next_listing`]).
    pub fn listing_due(&self, now: chrono::DateTime<Utc>) -> bool {
        self.next_listing(now).is_none_or(|at| at <= now)
    }

    /// The stream's one line (`stream: live, last event 3 s ago · reconcile in 12 min`), when
    /// `[stream]` is configured.
    pub fn stream_line(&self, now: chrono::DateTime<Utc>) -> Option<String> {
        let stream = self.stream.as_ref()?;
        let next = self.next_listing(now).filter(|_| stream.is_live(now));
        Some(stream.health().line(now, stream.stale_after(), next))
    }

    /// Reads the event stream every `stream.poll_seconds`, handing each read to `each` with
    /// this session, for as long as `each` answers `true` (its receiver is still there): the
    /// task the terminal UI and `watch` each spawn. `None` without `[stream]`.
    pub fn stream_reads(
        self: Arc<Self>,
        mut each: impl FnMut(&RefreshSession, crate::stream::StreamPoll) -> bool + Send + 'static,
    ) -> Option<impl std::future::Future<Output = ()> + Send + 'static> {
        let every = self.stream.as_ref()?.poll_every();
        Some(async move {
            loop {
                if let Some(polled) = self.poll_stream().await
                    && !each(&self, polled)
                {
                    return;
                }
                tokio::time::sleep(every).await;
            }
        })
    }

    /// Reads the event stream once and applies what it says (see [`crate::stream`]); `None`
    /// without `[stream]`.
    pub async fn poll_stream(&self) -> Option<crate::stream::StreamPoll> {
        let stream = self.stream.as_ref()?;
        // Events are filed under the accounts' names; the ids are known once connected.
        let accounts: std::collections::HashMap<String, String> = self
            .fetcher
            .connected_ids()
            .into_iter()
            .map(|(name, id)| (id, name))
            .collect();
        // Until the first listing has connected every account, an event of one not connected
        // yet could not be filed: the stream starts after it, from where the session began.
        if accounts.is_empty() || lock(&self.listed).is_none() {
            return Some(crate::stream::StreamPoll {
                health: stream.health(),
                ..Default::default()
            });
        }
        Some(
            stream
                .poll(
                    self.fetcher.as_ref(),
                    &accounts,
                    &self.store,
                    &self.creators,
                    self.settings.retention_days,
                )
                .await,
        )
    }

    /// The account hub: logs, prioritised describes and caller identities go through it.
    pub fn fetcher(&self) -> &Arc<JobFetcher> {
        &self.fetcher
    }

    /// The process's cache store.
    pub fn store(&self) -> &Store {
        &self.store
    }

    /// Cost Explorer (and the CUR's tag spend) over the same accounts and cache.
    pub fn spend(&self) -> &Arc<SpendService> {
        &self.spend
    }

    /// The CUR this session reads, when `[cur]` is configured.
    pub fn cur(&self) -> Option<&CurConfig> {
        self.fetcher.cur()
    }

    /// Runs one refresh as `plan` says, telling `sink` everything as it happens and `notes`
    /// what the cost sources say while they work.
    pub async fn refresh(
        &self,
        plan: RefreshPlan,
        sink: EventSink<'_>,
        notes: Notes<'_>,
    ) -> SessionRefresh {
        let start = self.starting_point().await;
        // Changes a listing finds are ones the stream missed only if it was live all along.
        let stream_was_live = self.stream.as_ref().is_some_and(|stream| {
            stream.is_live(Utc::now()) && lock(&self.listed).is_some_and(|(_, live)| live)
        });
        let metrics_now = match plan.metrics {
            MetricsPlan::Now => true,
            MetricsPlan::WhenDue => metrics_due(
                start.metrics_last,
                Instant::now(),
                self.settings.metrics_every,
            ),
        };
        let mut refreshed = crate::refresh::run(
            &self.fetcher,
            &self.store,
            RefreshRequest {
                known: &start.known,
                tags: plan
                    .tags
                    .map(|retag| (&start.tags, &self.settings.tags, retag)),
                metrics: metrics_now.then_some(start.metrics.as_slice()),
                retention_days: self.settings.retention_days,
                stream: self.stream.as_ref(),
                creators: Some(&self.creators),
            },
            sink,
        )
        .await;
        let now = Utc::now();
        if let Some(stream) = &self.stream {
            stream.after_listing(
                &refreshed.jobs.view.rows,
                &refreshed.events,
                stream_was_live,
            );
        }
        let live = self.stream.as_ref().is_some_and(|s| s.is_live(now));
        *lock(&self.listed) = Some((now, live));
        // Last, lowest priority, once everything is committed and the stream may start: who
        // created what CloudTrail has not told yet.
        self.attribute(&mut refreshed).await;
        let mut next = Carried {
            known: refreshed.jobs.known_state(),
            tags: start.tags,
            metrics_last: start.metrics_last,
            metrics: start.metrics,
        };
        if let Some(tagged) = &refreshed.tags {
            next.tags = tagged.state.clone();
        }
        if let Some(metrics) = &refreshed.metrics {
            next.metrics_last = Some(Instant::now());
            next.metrics = metrics.view.rows.clone();
        }
        *lock(&self.carried) = Some(next);
        let mut outcome = SessionRefresh {
            refreshed,
            measured: None,
            cost_errors: Vec::new(),
            cost_notes: Vec::new(),
            ledger: None,
        };
        if plan.costs {
            self.measure(&mut outcome, notes).await;
        }
        outcome
    }

    /// Asks `LookupEvents`, then the trail's table in Athena, for the creators of the
    /// refreshed rows not known yet, as configured, and lays what they find over the rows.
    /// Nothing is written back to the scopes: every read of them lays the records over.
    async fn attribute(&self, refreshed: &mut crate::refresh::Refreshed) {
        let rows = &mut refreshed.jobs.view.rows;
        if self.settings.lookup_creators {
            let outcome = crate::creators::lookup::attribute(
                &self.fetcher,
                &self.store,
                &self.creators,
                rows,
                Utc::now(),
            )
            .await;
            for error in &outcome.errors {
                tracing::warn!("creators: {error}");
            }
            self.creators.fill(rows);
            refreshed.creators = Some(outcome);
        }
        if let Some(table) = &self.settings.trail_table {
            let outcome = crate::creators::athena::attribute(
                &self.fetcher,
                &self.store,
                &self.creators,
                rows,
                table,
                Utc::now(),
            )
            .await;
            if let Some(error) = &outcome.error {
                tracing::warn!("creators from the trail in Athena: {error}");
            }
            self.creators.fill(rows);
            refreshed.creators_athena = Some(outcome);
        }
    }

    /// The state a refresh starts from: the last one's, or the cache's on the first refresh.
    async fn starting_point(&self) -> Carried {
        if let Some(carried) = lock(&self.carried).clone() {
            return carried;
        }
        let (known, tags, creators) = crate::refresh::starting_point(&self.store)
            .await
            .unwrap_or_default();
        self.creators.learn(creators);
        Carried {
            known,
            tags,
            ..Carried::default()
        }
    }

    /// Billing's own figures for the refreshed resources: the CUR's kept answer and Cost
    /// Explorer's resource-level data, each where configured; every resource gets the best it
    /// has.
    async fn measure(&self, outcome: &mut SessionRefresh, notes: Notes<'_>) {
        let rows = &outcome.refreshed.jobs.view.rows;
        if let (Some(cur), Some(_)) = (self.cur().cloned(), &outcome.refreshed.cur) {
            let kept = self
                .store
                .run(move |cache| crate::refresh::cur::kept(cache, &cur, Utc::now()))
                .await
                .ok()
                .flatten();
            if let Some(costs) = kept {
                outcome
                    .measured
                    .get_or_insert_with(Measured::new)
                    .merge(costs.measured(rows));
            }
        }
        let Some(spend) = &self.settings.resource_costs else {
            return;
        };
        let now = Utc::now();
        let query = crate::spend::resources::query(spend, now.date_naive());
        match self.spend.resource_costs(&query, false, now, notes).await {
            Ok(costs) => {
                tracing::info!(
                    resources = costs.measured.len(),
                    requests = costs.requests,
                    "resource-level costs read"
                );
                outcome.cost_notes.push(costs.summary());
                outcome
                    .measured
                    .get_or_insert_with(Measured::new)
                    .merge(costs.measured);
            }
            Err(err) => outcome.cost_errors.push(self.spend.describe(&err)),
        }
        outcome.ledger = Some(self.spend.ledger(Utc::now()).await);
    }
}

/// When the listing after one that ended at `last` is due: `jobs_every` later, or while the
/// stream is live, `reconcile_every` later.
fn next_listing_after(
    last: chrono::DateTime<Utc>,
    live: bool,
    jobs_every: Duration,
    reconcile_every: Duration,
) -> chrono::DateTime<Utc> {
    let every = if live { reconcile_every } else { jobs_every };
    chrono::TimeDelta::from_std(every)
        .ok()
        .and_then(|every| last.checked_add_signed(every))
        .unwrap_or(chrono::DateTime::<Utc>::MAX_UTC)
}

/// Whether utilisation is due: none was read yet, or `every` has passed since the last read.
fn metrics_due(last: Option<Instant>, now: Instant, every: Duration) -> bool {
    last.is_none_or(|last| now.duration_since(last) >= every)
}

/// A lock whose holder panicked is still the last good state: carry on with it.
pub(crate) fn lock<T>(mutex: &Mutex<T>) -> MutexGuard<'_, T> {
    mutex.lock().unwrap_or_else(PoisonError::into_inner)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_live_stream_slows_the_listing_to_the_reconcile_and_a_down_one_polls() {
        let last = chrono::DateTime::<Utc>::UNIX_EPOCH;
        let (jobs, reconcile) = (Duration::from_secs(30), Duration::from_secs(15 * 60));
        let after = |s: i64| last + chrono::TimeDelta::seconds(s);
        assert_eq!(next_listing_after(last, true, jobs, reconcile), after(900));
        assert_eq!(next_listing_after(last, false, jobs, reconcile), after(30));
        assert_eq!(
            next_listing_after(last, true, jobs, Duration::MAX),
            chrono::DateTime::<Utc>::MAX_UTC,
            "never due rather than a panic"
        );
    }

    #[test]
    fn metrics_come_on_their_own_slower_clock() {
        let every = Duration::from_secs(300);
        let t0 = Instant::now();
        let after = |s: u64| t0 + Duration::from_secs(s);
        assert!(metrics_due(None, t0, every), "first");
        assert!(!metrics_due(Some(t0), after(30), every));
        assert!(!metrics_due(Some(t0), after(299), every));
        assert!(metrics_due(Some(t0), after(300), every));
    }
}
