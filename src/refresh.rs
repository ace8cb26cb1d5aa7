//! One refresh pipeline for the CLI and the TUI: jobs (streamed scope by scope), then the tag
//! pass and findings, then CloudWatch utilisation when due, every scope committed to the store
//! as it completes and the whole committed at the end.
//!
//! The CLI prints the events; the TUI merges them into what is on screen. Both run exactly
//! this code, so what `export` shows is what the UI shows.

use std::sync::Mutex;

use chrono::Utc;

use crate::cache::RefreshRecord;
use crate::config::TagsConfig;
use crate::fetch::{
    EngineProgress, EventSink, FetchEvent, JobFetcher, JobsFetch, KnownState, MetricsFetch,
    Progress, TagRefresh, TagsFetch,
};
use crate::metrics::JobMetrics;
use crate::store::{Store, StoreError};
use crate::tags::TagState;

/// What a refresh is asked to do beyond listing jobs.
pub struct RefreshRequest<'a> {
    /// Where the last refresh left off (e.g. from the store).
    pub known: &'a KnownState,
    /// The tag pass: the last tag state, the policy, and which cached tags to trust.
    pub tags: Option<(&'a TagState, &'a TagsConfig, TagRefresh)>,
    /// Fetch utilisation this time, keeping `previous` for account-regions that fail.
    pub metrics: Option<&'a [JobMetrics]>,
}

/// What a refresh produced.
pub struct Refreshed {
    pub jobs: JobsFetch,
    pub tags: Option<TagsFetch>,
    pub metrics: Option<MetricsFetch>,
    /// The whole refresh could not be committed (the fresh data is still here to show).
    pub store_error: Option<StoreError>,
}

/// Where the next refresh starts from, read from the store: what the last refresh listed and
/// described, and the tag cache. Whatever cannot be read is only a saving lost (that refresh
/// lists and reads more), so it is logged, not an error.
pub async fn starting_point(store: &Store) -> Result<(KnownState, TagState), StoreError> {
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
            (known, tags)
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
    let latest = Mutex::new(EngineProgress::default());
    let committing = |event: FetchEvent| {
        match &event {
            FetchEvent::Filled {
                scope,
                rows,
                describes,
            } => {
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

    let tags = match request.tags {
        Some((previous, settings, retag)) => {
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
            Some(
                fetcher
                    .fetch_tags(
                        &mut jobs.view,
                        previous,
                        settings,
                        retag,
                        &searched,
                        &report,
                    )
                    .await,
            )
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

    let store_error = commit(store, &jobs, tags.as_ref(), metrics.as_ref())
        .await
        .err();
    Refreshed {
        jobs,
        tags,
        metrics,
        store_error,
    }
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
    use crate::config::{AccountConfig, Config};
    use crate::fetch::source::{
        AccountLink, Connector, Details, JobSource, Listed, Page, SourceError,
    };
    use crate::model::{JobStatus, ResourceKind, ScopeKey};

    /// One account, one region: every kind answers at once with `n` finished jobs named
    /// `<tag>-<kind>-<i>`, except `hang`, whose List never answers (the network went away).
    struct Fake {
        tag: &'static str,
        hang: Option<ResourceKind>,
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
                let at = Utc
                    .with_ymd_and_hms(2026, 1, 1, 0, 0, 0)
                    .single()
                    .expect("valid");
                let items = (0..2)
                    .map(|i| Listed {
                        name: format!("{}-{kind}-{i}", self.tag),
                        arn: format!("arn:{kind}:{i}:{}", self.tag),
                        status: JobStatus::new("Completed"),
                        created_at: at - Duration::minutes(i),
                        ended_at: Some(at),
                        last_modified_at: Some(at),
                        instance_type: None,
                        instance_count: None,
                        failure_reason: None,
                        app: None,
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

    struct Link(&'static str, Option<ResourceKind>, Vec<String>);

    impl AccountLink for Link {
        fn account_id(&self) -> &str {
            "111111111111"
        }
        fn regions(&self) -> &[String] {
            &self.2
        }
        fn source(&self, _region: &str) -> Arc<dyn JobSource> {
            Arc::new(Fake {
                tag: self.0,
                hang: self.1,
            })
        }
    }

    struct World(&'static str, Option<ResourceKind>);

    impl Connector for World {
        fn connect<'a>(
            &'a self,
            account: &'a AccountConfig,
        ) -> BoxFuture<'a, Result<Arc<dyn AccountLink>, SourceError>> {
            Box::pin(async move {
                Ok(Arc::new(Link(self.0, self.1, account.regions.clone())) as Arc<dyn AccountLink>)
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
        }
    }

    #[tokio::test]
    async fn a_refresh_cut_short_leaves_each_scope_whole_in_the_store() {
        let store = Store::in_memory().expect("store");
        let first = run(
            &fetcher(World("old", None)),
            &store,
            request(&KnownState::default()),
            &|_| {},
        )
        .await;
        assert!(first.store_error.is_none());
        assert_eq!(first.jobs.view.rows.len(), 14, "7 kinds × 2");

        // The next refresh lists every kind but endpoints, whose List never answers: it is
        // stopped (the app quits, the network is gone) once the other scopes are in.
        let filled = std::sync::atomic::AtomicUsize::new(0);
        let known = first.jobs.known_state();
        let hanging = fetcher(World("new", Some(ResourceKind::Endpoint)));
        let count = |event: FetchEvent| {
            if matches!(event, FetchEvent::Filled { .. }) {
                filled.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
            }
        };
        let refresh = run(&hanging, &store, request(&known), &count);
        let stopped = tokio::time::timeout(std::time::Duration::from_secs(2), refresh).await;
        assert!(stopped.is_err(), "the refresh never finished");
        assert_eq!(filled.load(std::sync::atomic::Ordering::SeqCst), 6);

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
}
