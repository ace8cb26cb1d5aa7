//! One refresh pipeline for the CLI and the TUI: jobs (streamed scope by scope), then the tag
//! pass and findings, then CloudWatch utilisation when due, every scope committed to the store
//! as it completes and the whole committed at the end.
//!
//! The CLI prints the events; the TUI merges them into what is on screen. Both run exactly
//! this code, so what `export` shows is what the UI shows.
//!
//! After the commit, what changed since the last refresh becomes events ([`crate::events`]),
//! committed with the last-seen state they were derived against: the TUI, `refresh` and
//! `watch` all get them from here, each exactly once.

pub mod cur;
pub mod prices;

use std::collections::{HashMap, HashSet};
use std::sync::Mutex;

use chrono::{DateTime, Utc};

use crate::cache::RefreshRecord;
use crate::events::Observation;
use crate::fetch::{
    EngineProgress, EventSink, FetchEvent, JobFetcher, JobsFetch, KnownState, MetricsFetch,
    Progress, TagRefresh, TagsFetch,
};
use crate::store::{Store, StoreError};
use sagescope_core::config::TagsConfig;
use sagescope_core::metrics::JobMetrics;
use sagescope_core::model::{Creator, Event, Job, ScopeKey};
use sagescope_core::tags::TagState;

/// What a refresh is asked to do beyond listing jobs.
pub struct RefreshRequest<'a> {
    /// Where the last refresh left off (e.g. from the store).
    pub known: &'a KnownState,
    /// The tag pass: the last tag state, the policy, and which cached tags to trust.
    pub tags: Option<(&'a TagState, &'a TagsConfig, TagRefresh)>,
    /// Fetch utilisation this time, keeping `previous` for account-regions that fail.
    pub metrics: Option<&'a [JobMetrics]>,
    /// `[events] retention_days`: older timeline entries are dropped with this refresh's.
    pub retention_days: u32,
    /// The event stream, whose newer word on a row wins over what this listing read.
    pub stream: Option<&'a crate::stream::Stream>,
    /// The creators kept, laid over every row listed.
    pub creators: Option<&'a crate::creators::Creators>,
}

/// What a refresh produced.
pub struct Refreshed {
    pub jobs: JobsFetch,
    pub tags: Option<TagsFetch>,
    pub metrics: Option<MetricsFetch>,
    /// The whole refresh could not be committed (the fresh data is still here to show).
    pub store_error: Option<StoreError>,
    /// What changed since the last refresh, timeline-only changes included (see
    /// [`sagescope_core::model::EventKind::is_alert`]); empty when they could not be committed.
    pub events: Vec<Event>,
    /// Live prices for what the jobs run on (kept ones, and those read on first need).
    pub prices: prices::PricesFetch,
    /// The CUR's cost per resource, when `[cur]` is configured.
    pub cur: Option<cur::CurFetch>,
    /// What asking CloudTrail for creators did, when `[cloudtrail] lookup` asked (the session
    /// asks after the refresh is committed).
    pub creators: Option<crate::creators::lookup::LookupOutcome>,
    /// What asking the trail's table in Athena did, when `[cloudtrail] athena_table` is set.
    pub creators_athena: Option<crate::creators::athena::AthenaOutcome>,
}

/// What [`starting_point`] reads: the known state, the tag state, the creators by key.
pub type StartingPoint = (KnownState, TagState, HashMap<String, Creator>);

/// Where the next refresh starts from, read from the store: what the last refresh listed and
/// described, the tag cache and the creators kept. Whatever cannot be read is only a saving
/// lost (that refresh lists and reads more), so it is logged, not an error.
pub async fn starting_point(store: &Store) -> Result<StartingPoint, StoreError> {
    store
        .run(|cache| {
            let known = cache.load_known().unwrap_or_else(|err| {
                tracing::warn!("cannot read the known state from the cache: {err}");
                KnownState::default()
            });
            let tags = crate::cache::tags::load(cache).unwrap_or_else(|err| {
                tracing::warn!("cannot read the tag cache: {err}");
                TagState::default()
            });
            let creators = crate::cache::creators::load(cache).unwrap_or_else(|err| {
                tracing::warn!("cannot read the creators kept: {err}");
                HashMap::new()
            });
            (known, tags, creators)
        })
        .await
}

/// Runs one refresh through `fetcher`, telling `sink` everything as it happens, and commits
/// it to `store`: each scope as soon as its details are in, all of it at the end.
pub async fn run(
    fetcher: &JobFetcher,
    store: &Store,
    request: RefreshRequest<'_>,
    sink: EventSink<'_>,
) -> Refreshed {
    // Discovery first: the accounts it finds are what this refresh reads.
    let mut organization_error = None;
    if let Some((config, source)) = fetcher.organization().await {
        let resolved = crate::org::resolve(
            config,
            fetcher.explicit_accounts(),
            source.as_ref(),
            store,
            Utc::now(),
        )
        .await;
        tracing::info!(
            accounts = resolved.accounts.len(),
            requests = resolved.requests,
            "organization accounts resolved"
        );
        fetcher.set_accounts(resolved.accounts);
        fetcher.set_units(resolved.units);
        organization_error = resolved.error;
    }
    let latest = Mutex::new(EngineProgress::default());
    // The scopes this refresh listed: only their rows can say what changed.
    let listed: Mutex<HashSet<ScopeKey>> = Mutex::new(HashSet::new());
    // What the stream said since and the creators kept win over what a listing read.
    let overlay = |rows: &mut [Job]| {
        if let Some(stream) = request.stream {
            stream.keep_newer(rows);
        }
        if let Some(creators) = request.creators {
            creators.fill(rows);
        }
    };
    let committing = |event: FetchEvent| {
        let event = match event {
            FetchEvent::Filled {
                scope,
                mut rows,
                describes,
            } => {
                overlay(&mut rows);
                FetchEvent::Filled {
                    scope,
                    rows,
                    describes,
                }
            }
            FetchEvent::Rows { scope, mut rows } => {
                overlay(&mut rows);
                FetchEvent::Rows { scope, rows }
            }
            event => event,
        };
        match &event {
            FetchEvent::Filled {
                scope,
                rows,
                describes,
            } => {
                listed
                    .lock()
                    .unwrap_or_else(std::sync::PoisonError::into_inner)
                    .insert(scope.clone());
                let (scope, rows, describes) = (scope.clone(), rows.clone(), describes.clone());
                let as_of = Utc::now();
                store.spawn_write("a scope", move |cache| {
                    cache.save_scope(&scope, as_of, &rows, &describes)
                });
            }
            FetchEvent::Progress(progress) => {
                *latest
                    .lock()
                    .unwrap_or_else(std::sync::PoisonError::into_inner) = *progress;
            }
            FetchEvent::Rows { .. } | FetchEvent::Failed { .. } => {}
        }
        sink(event);
    };
    let mut jobs = fetcher.fetch(request.known, &committing).await;
    overlay(&mut jobs.view.rows);
    if let Some(message) = organization_error {
        jobs.view.errors.insert(
            0,
            sagescope_core::model::FetchError {
                account: "organization".into(),
                message,
                ..sagescope_core::model::FetchError::default()
            },
        );
    }

    let tags = match request.tags {
        Some((previous, settings, retag)) => {
            let (settings, policy_errors) =
                with_organization_policies(fetcher, store, settings).await;
            let base = *latest
                .lock()
                .unwrap_or_else(std::sync::PoisonError::into_inner);
            let report = |p: Progress| {
                sink(FetchEvent::Progress(EngineProgress {
                    tagged: p.done,
                    tag_regions: p.total,
                    ..base
                }));
            };
            let searched = std::mem::take(&mut jobs.searched_tags);
            let mut fetched = fetcher
                .fetch_tags(
                    &mut jobs.view,
                    previous,
                    &settings,
                    retag,
                    &searched,
                    &report,
                )
                .await;
            fetched.findings.errors.extend(policy_errors);
            Some(fetched)
        }
        None => None,
    };

    let metrics = match request.metrics {
        Some(previous) => Some(
            fetcher
                .fetch_metrics(&jobs.view.rows, &jobs.describes, previous, Utc::now())
                .await,
        ),
        None => None,
    };

    let prices = prices::refresh(fetcher, store, &jobs.view.rows).await;
    let cur = cur::refresh(fetcher, store, &jobs.view.rows, Utc::now()).await;
    // Creators the stream recorded while this refresh ran, over every row it commits.
    if let Some(creators) = request.creators {
        creators.fill(&mut jobs.view.rows);
    }

    let mut store_error = commit(store, &jobs, tags.as_ref(), metrics.as_ref())
        .await
        .err();
    let observation = crate::events::observe(
        Utc::now(),
        &jobs.view.rows,
        listed
            .into_inner()
            .unwrap_or_else(std::sync::PoisonError::into_inner),
        tags.as_ref().map(|t| &t.findings),
        metrics.as_ref().map(|m| &m.view),
    );
    let events = match record(store, observation, request.retention_days).await {
        Ok(events) => events,
        Err(err) => {
            tracing::warn!("cannot record this refresh's events: {err}");
            store_error.get_or_insert(err);
            Vec::new()
        }
    };
    Refreshed {
        jobs,
        tags,
        metrics,
        store_error,
        events,
        prices,
        cur,
        creators: None,
        creators_athena: None,
    }
}

/// `settings` with each connected account's organization tag policy merged in, when
/// `tags.from_organization` asks for it, and the accounts whose policy could not be read.
async fn with_organization_policies(
    fetcher: &JobFetcher,
    store: &Store,
    settings: &TagsConfig,
) -> (TagsConfig, Vec<sagescope_core::model::FetchError>) {
    let mut settings = settings.clone();
    if !settings.from_organization {
        return (settings, Vec::new());
    }
    let (source, ttl_hours) = fetcher.tag_policy_source().await;
    let accounts = fetcher.connected_ids();
    let read =
        crate::org::tag_policy::read(source.as_ref(), store, &accounts, ttl_hours, Utc::now())
            .await;
    tracing::info!(
        accounts = read.by_account.len(),
        requests = read.requests,
        "organization tag policies read"
    );
    for (account, rules) in read.by_account {
        let mut policy = settings.policy.clone();
        policy.organization = rules;
        settings.by_account.insert(account, policy);
    }
    (settings, read.errors)
}

/// Derives the events of `observation` against the last-seen state in the cache and commits
/// both in one write transaction taken before that state is read: another sagescope process
/// on the same cache (the TUI and `watch`) waits for it and then derives against what this
/// one wrote, so a change is announced once, by one of them.
pub async fn record(
    store: &Store,
    observation: Observation,
    retention_days: u32,
) -> Result<Vec<Event>, StoreError> {
    let keep_since = retention_start(Utc::now(), retention_days);
    store
        .run(move |cache| {
            cache.record_with(keep_since, |before| {
                let derived = crate::events::derive(before, &observation);
                (derived.changes, derived.events)
            })
        })
        .await?
        .map_err(StoreError::from)
}

/// The oldest moment the timeline keeps: `days` before `now`, or the beginning of time when
/// that is further back than a date can go (a retention of billions of days keeps everything).
fn retention_start(now: DateTime<Utc>, days: u32) -> DateTime<Utc> {
    chrono::TimeDelta::try_days(i64::from(days))
        .and_then(|age| now.checked_sub_signed(age))
        .unwrap_or(DateTime::<Utc>::MIN_UTC)
}

/// Records where the budgets of a spend outlook stand: `budget_forecast_crossed` when one
/// went over since the last outlook.
pub async fn record_budgets(
    store: &Store,
    statuses: &[crate::spend::BudgetStatus],
    retention_days: u32,
) -> Result<Vec<Event>, StoreError> {
    let observation = Observation {
        at: Some(Utc::now()),
        budgets: Some(crate::events::budget_observations(statuses)),
        ..Observation::default()
    };
    record(store, observation, retention_days).await
}

/// The end-of-refresh commit, on the store thread.
async fn commit(
    store: &Store,
    jobs: &JobsFetch,
    tags: Option<&TagsFetch>,
    metrics: Option<&MetricsFetch>,
) -> Result<(), StoreError> {
    let (view, describes) = (jobs.view.clone(), jobs.describes.clone());
    let tags = tags.map(|t| (t.state.clone(), t.findings.clone()));
    let metrics = metrics.map(|m| m.view.clone());
    store
        .run(move |cache| {
            cache.save_refresh(&RefreshRecord {
                jobs: &view,
                describes: &describes,
                tags: tags.as_ref().map(|(state, findings)| (state, findings)),
                metrics: metrics.as_ref(),
            })
        })
        .await?
        .map_err(StoreError::from)
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;

    use chrono::{Duration, TimeZone};
    use futures::future::BoxFuture;

    use super::*;
    use crate::fetch::source::{
        AccountLink, Connector, Details, JobSource, Listed, Page, SourceError,
    };
    use sagescope_core::config::{AccountConfig, Config};
    use sagescope_core::model::{JobStatus, ResourceKind, ScopeKey};

    #[test]
    fn a_retention_beyond_the_calendar_keeps_everything_instead_of_panicking() {
        let now = Utc
            .with_ymd_and_hms(2026, 12, 7, 0, 0, 0)
            .single()
            .expect("a date");
        assert_eq!(
            retention_start(now, 30),
            Utc.with_ymd_and_hms(2026, 11, 7, 0, 0, 0)
                .single()
                .expect("a date")
        );
        assert_eq!(retention_start(now, u32::MAX), DateTime::<Utc>::MIN_UTC);
    }

    /// One account, one region: every kind answers at once with two jobs named
    /// `<tag>-<kind>-<i>`, `Completed` unless the tag says `<tag>:<status>`, except `hang`,
    /// whose List never answers (the network went away), and `fail`, whose List is refused.
    struct Fake {
        tag: &'static str,
        hang: Option<ResourceKind>,
        fail: Option<ResourceKind>,
    }

    impl JobSource for Fake {
        fn list(
            &self,
            kind: ResourceKind,
            _token: Option<String>,
        ) -> BoxFuture<'_, Result<Page, SourceError>> {
            Box::pin(async move {
                if Some(kind) == self.hang {
                    futures::future::pending::<()>().await;
                }
                if Some(kind) == self.fail {
                    return Err(SourceError::AccessDenied {
                        operation: "List",
                        message: "denied".into(),
                    });
                }
                let (tag, status) = self.tag.split_once(':').unwrap_or((self.tag, "Completed"));
                let at = Utc
                    .with_ymd_and_hms(2026, 1, 1, 0, 0, 0)
                    .single()
                    .expect("valid");
                let items = (0..2)
                    .map(|i| Listed {
                        name: format!("{tag}-{kind}-{i}"),
                        arn: format!("arn:{kind}:{i}:{tag}"),
                        status: JobStatus::new(status),
                        created_at: at - Duration::minutes(i),
                        ended_at: Some(at),
                        last_modified_at: Some(at),
                        instance_type: None,
                        instance_count: None,
                        failure_reason: None,
                        app: None,
                        compute: None,
                        billing: None,
                    })
                    .collect();
                Ok(Page {
                    items,
                    next_token: None,
                })
            })
        }

        fn describe<'a>(
            &'a self,
            _kind: ResourceKind,
            _name: &'a str,
        ) -> BoxFuture<'a, Result<Details, SourceError>> {
            Box::pin(async { Ok(Details::default()) })
        }
    }

    struct Link(
        &'static str,
        Option<ResourceKind>,
        Option<ResourceKind>,
        Vec<String>,
    );

    impl AccountLink for Link {
        fn account_id(&self) -> &str {
            "111111111111"
        }
        fn regions(&self) -> &[String] {
            &self.3
        }
        fn source(&self, _region: &str) -> Arc<dyn JobSource> {
            Arc::new(Fake {
                tag: self.0,
                hang: self.1,
                fail: self.2,
            })
        }
    }

    struct World(&'static str, Option<ResourceKind>, Option<ResourceKind>);

    impl Connector for World {
        fn connect<'a>(
            &'a self,
            account: &'a AccountConfig,
        ) -> BoxFuture<'a, Result<Arc<dyn AccountLink>, SourceError>> {
            Box::pin(async move {
                let link = Link(self.0, self.1, self.2, account.regions.clone());
                Ok(Arc::new(link) as Arc<dyn AccountLink>)
            })
        }
    }

    fn fetcher(world: World) -> JobFetcher {
        let mut config = Config {
            accounts: vec![AccountConfig {
                name: "prod".into(),
                role_arn: None,
                profile: None,
                external_id: None,
                regions: vec!["us-east-1".into()],
            }],
            ..Config::default()
        };
        config.refresh.requests_per_second = 1000.0;
        JobFetcher::with_connector(&config, Arc::new(world))
    }

    fn request(known: &KnownState) -> RefreshRequest<'_> {
        RefreshRequest {
            known,
            tags: None,
            metrics: None,
            retention_days: 90,
            stream: None,
            creators: None,
        }
    }

    #[tokio::test]
    async fn a_refresh_cut_short_leaves_each_scope_whole_in_the_store() {
        let store = Store::in_memory().expect("store");
        let first = run(
            &fetcher(World("old", None, None)),
            &store,
            request(&KnownState::default()),
            &|_| {},
        )
        .await;
        assert!(first.store_error.is_none());
        assert_eq!(first.jobs.view.rows.len(), 18, "9 kinds × 2");

        // The next refresh lists every kind but endpoints, whose List never answers: it is
        // stopped (the app quits, the network is gone) once the other scopes are in, as
        // their events say (not after a guessed while).
        let filled = std::sync::atomic::AtomicUsize::new(0);
        let all_but_endpoints = tokio::sync::Notify::new();
        let known = first.jobs.known_state();
        let hanging = fetcher(World("new", Some(ResourceKind::Endpoint), None));
        let count = |event: FetchEvent| {
            if matches!(event, FetchEvent::Filled { .. })
                && filled.fetch_add(1, std::sync::atomic::Ordering::SeqCst) + 1 == 8
            {
                all_but_endpoints.notify_one();
            }
        };
        let refresh = run(&hanging, &store, request(&known), &count);
        tokio::select! {
            _ = refresh => panic!("the refresh finished without its endpoints"),
            () = all_but_endpoints.notified() => {}
        }
        assert_eq!(filled.load(std::sync::atomic::Ordering::SeqCst), 8);

        let jobs = store
            .run(|cache| cache.load_known().expect("reads").jobs)
            .await
            .expect("store answers");
        for kind in ResourceKind::JOB_KINDS {
            let scope = ScopeKey {
                account: "prod".into(),
                region: "us-east-1".into(),
                kind,
            };
            let mut names: Vec<&str> = jobs
                .iter()
                .filter(|j| scope.holds(j))
                .map(|j| j.name.as_str())
                .collect();
            names.sort_unstable();
            let tag = if kind == ResourceKind::Endpoint {
                "old"
            } else {
                "new"
            };
            assert_eq!(
                names,
                vec![format!("{tag}-{kind}-0"), format!("{tag}-{kind}-1")],
                "{kind}: wholly one refresh's"
            );
        }
    }

    #[tokio::test]
    async fn each_change_is_an_event_once_and_a_failed_scope_says_nothing() {
        let store = Store::in_memory().expect("store");
        let kinds = |events: &[Event]| -> Vec<(String, String)> {
            let mut out: Vec<(String, String)> = events
                .iter()
                .map(|e| (e.event.to_string(), e.name.clone()))
                .collect();
            out.sort();
            out
        };
        // Everything running: the first refresh is a baseline.
        let first = run(
            &fetcher(World("j:InProgress", None, None)),
            &store,
            request(&KnownState::default()),
            &|_| {},
        )
        .await;
        assert!(first.store_error.is_none());
        assert!(first.events.is_empty(), "{:?}", first.events);
        let known = first.jobs.known_state();

        // Everything fails, but the endpoints' List is refused: their rows are stale.
        let second = run(
            &fetcher(World("j:Failed", None, Some(ResourceKind::Endpoint))),
            &store,
            request(&known),
            &|_| {},
        )
        .await;
        let expected: Vec<(String, String)> = [
            ResourceKind::Training,
            ResourceKind::Processing,
            ResourceKind::Transform,
            ResourceKind::Tuning,
            // A failed inference component or HyperPod cluster alerts like a failed job.
            ResourceKind::InferenceComponent,
            ResourceKind::HyperPodCluster,
        ]
        .into_iter()
        .flat_map(|k| (0..2).map(move |i| ("job_failed".to_string(), format!("j-{k}-{i}"))))
        .chain((0..2).map(|i| ("status_changed".to_string(), format!("j-notebook-{i}"))))
        // Studio apps are not jobs: their failure is a status change on the timeline.
        .chain((0..2).map(|i| ("status_changed".to_string(), format!("j-app-{i}"))))
        .collect::<std::collections::BTreeSet<_>>()
        .into_iter()
        .collect();
        assert_eq!(
            kinds(&second.events),
            expected,
            "no endpoint event: its scope failed"
        );
        let known = second.jobs.known_state();

        // Nothing changed but the endpoints list again: only their own change is news.
        let third = run(
            &fetcher(World("j:Failed", None, None)),
            &store,
            request(&known),
            &|_| {},
        )
        .await;
        assert_eq!(
            kinds(&third.events),
            vec![
                ("endpoint_failed".to_string(), "j-endpoint-0".to_string()),
                ("endpoint_failed".to_string(), "j-endpoint-1".to_string()),
            ]
        );
        let fourth = run(
            &fetcher(World("j:Failed", None, None)),
            &store,
            request(&third.jobs.known_state()),
            &|_| {},
        )
        .await;
        assert!(fourth.events.is_empty(), "{:?}", fourth.events);
        let timeline = store
            .run(|cache| cache.load_events(None).expect("reads"))
            .await
            .expect("store answers");
        // Four job kinds', components' and clusters' two failures, two notebooks' and two
        // Studio apps' status changes.
        assert_eq!(timeline.len(), 18, "every change kept");
    }
}
