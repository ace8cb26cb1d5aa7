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
    let jobs = jobs.clone();
    let tags = tags.map(|t| (t.state.clone(), t.findings.clone()));
    let metrics = metrics.map(|m| m.view.clone());
    store
        .run(move |cache| {
            cache.save_refresh(&RefreshRecord {
                jobs: &jobs,
                tags: tags.as_ref().map(|(state, findings)| (state, findings)),
                metrics: metrics.as_ref(),
            })
        })
        .await?
        .map_err(StoreError::from)
}
