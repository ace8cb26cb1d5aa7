//! The fan-out: accounts connect side by side, then every account-region runs (at most
//! `refresh.max_concurrency` at once) with its six kinds side by side, each under its own
//! rate-limit key. Each (account, region, kind) streams: its rows go out the moment its list
//! is complete, and again once its details are filled in.

use std::collections::HashMap;

use futures::future::join_all;
use tokio::sync::Semaphore;

use super::describe::{DescribeCache, DetailSources, Filled};
use super::events::{EventSink, FetchEvent, ScopeKey, Tracker};
use super::listing::{Scope, list_kind};
use super::source::{AccountLink, Listed, SourceError};
use super::stats::Stats;
use super::{JobFetcher, JobsFetch, KnownState, fetch_error, now};
use sagescope_core::config::AccountConfig;
use sagescope_core::model::{FetchError, Job, ResourceKind, Tags, View};

/// What one (account, region, kind) produced.
#[derive(Default)]
struct ScopeResult {
    kind: Option<ResourceKind>,
    rows: Vec<Job>,
    describes: Vec<(String, super::Described)>,
    tags: Vec<(String, Tags)>,
    error: Option<SourceError>,
    /// The list failed: `rows` are the last good ones.
    stale: bool,
}

/// The errors of one account-region: one per failed kind, or one for the region when every
/// kind failed the same way (expired credentials, say), so the cause is said once.
fn region_errors(account: &str, region: &str, scopes: &[ScopeResult]) -> Vec<FetchError> {
    let failed: Vec<(&ScopeResult, String)> = scopes
        .iter()
        .filter_map(|s| s.error.as_ref().map(|e| (s, e.to_string())))
        .collect();
    let everywhere = failed.len() == scopes.len()
        && failed
            .iter()
            .all(|(s, m)| *m == failed[0].1 && s.stale == failed[0].0.stale);
    if everywhere && let Some((first, message)) = failed.first() {
        return vec![FetchError {
            stale: first.stale,
            ..fetch_error(account, Some(region), message.clone())
        }];
    }
    failed
        .into_iter()
        .map(|(scope, message)| FetchError {
            kind: scope.kind,
            stale: scope.stale,
            ..fetch_error(account, Some(region), message)
        })
        .collect()
}

struct Run<'a> {
    fetcher: &'a JobFetcher,
    known: &'a KnownState,
    tracker: Tracker<'a>,
    stats: Stats,
    permits: Semaphore,
    deadline: tokio::time::Instant,
}

pub(super) async fn fetch_all(
    fetcher: &JobFetcher,
    known: &KnownState,
    sink: EventSink<'_>,
) -> JobsFetch {
    let as_of = now();
    let accounts = fetcher.accounts();
    let scopes = accounts
        .iter()
        .map(|a| planned_regions(a) * ResourceKind::JOB_KINDS.len())
        .sum();
    let run = Run {
        fetcher,
        known,
        tracker: Tracker::new(sink, scopes),
        stats: Stats::default(),
        permits: Semaphore::new(fetcher.max_concurrency),
        deadline: tokio::time::Instant::now() + fetcher.deadline,
    };
    run.tracker.update(|_| {});

    let per_account = join_all(accounts.iter().map(|account| fetch_account(&run, account))).await;

    let mut keyed: Vec<(usize, Job)> = Vec::new();
    let mut describes = DescribeCache::new();
    let mut searched_tags = HashMap::new();
    let mut errors = Vec::new();
    for (index, (results, account_errors)) in per_account.into_iter().enumerate() {
        errors.extend(account_errors);
        for result in results {
            keyed.extend(result.rows.into_iter().map(|job| (index, job)));
            describes.extend(result.describes);
            searched_tags.extend(result.tags);
        }
    }
    keyed.sort_by(|(ia, a), (ib, b)| {
        ia.cmp(ib)
            .then_with(|| a.region.cmp(&b.region))
            .then_with(|| a.kind.cmp(&b.kind))
            .then_with(|| b.created_at.cmp(&a.created_at))
            .then_with(|| a.name.cmp(&b.name))
    });
    let rows: Vec<Job> = keyed.into_iter().map(|(_, job)| job).collect();
    // Keep cache entries only for rows still shown, so the cache never grows without bound.
    let shown: std::collections::HashSet<&str> = rows.iter().map(|j| j.arn.as_str()).collect();
    describes.retain(|arn, _| shown.contains(arn.as_str()));
    searched_tags.retain(|arn, _| shown.contains(arn.as_str()));
    JobsFetch {
        view: View::new(as_of, rows, errors),
        describes,
        searched_tags,
        stats: run.stats.snapshot(),
    }
}

fn planned_regions(account: &AccountConfig) -> usize {
    account.regions.len().max(1)
}

/// The account's scopes, and its errors (one per account-region, the same cause said once).
async fn fetch_account(
    run: &Run<'_>,
    account: &AccountConfig,
) -> (Vec<ScopeResult>, Vec<FetchError>) {
    let link = match run.fetcher.link(account, &run.stats).await {
        Ok(link) => link,
        Err(err) => {
            let planned = planned_regions(account) * ResourceKind::JOB_KINDS.len();
            run.tracker.update(|p| p.listed += planned);
            let error = FetchError {
                stale: true,
                ..fetch_error(&account.name, None, err.to_string())
            };
            run.tracker.send(FetchEvent::Failed {
                error: error.clone(),
                kind: None,
            });
            // Keep what was known about this account: stale rows beat an empty screen, and
            // the error entry says they are stale.
            let rows = run
                .known
                .jobs
                .iter()
                .filter(|j| j.account_name == account.name)
                .filter(|j| {
                    account.regions.is_empty()
                        || account
                            .regions
                            .iter()
                            .any(|r| r.as_str() == j.region.as_str())
                })
                .cloned()
                .collect();
            return (
                vec![ScopeResult {
                    rows,
                    ..ScopeResult::default()
                }],
                vec![error],
            );
        }
    };
    let regions: Vec<String> = link.regions().to_vec();
    // A link may resolve fewer or more regions than planned (none configured: the profile's).
    let planned = planned_regions(account);
    if regions.len() != planned {
        let kinds = ResourceKind::JOB_KINDS.len();
        run.tracker
            .update(|p| p.scopes = p.scopes + regions.len() * kinds - planned * kinds);
    }
    let per_region = join_all(
        regions
            .iter()
            .map(|region| fetch_region(run, account, link.as_ref(), region)),
    )
    .await;
    let mut results = Vec::new();
    let mut errors = Vec::new();
    for (region, scopes) in regions.iter().zip(per_region) {
        errors.extend(region_errors(&account.name, region, &scopes));
        results.extend(scopes);
    }
    (results, errors)
}

/// One account-region: its kinds side by side, each listed and given its due details under
/// one of the refresh's permits; then, under a permit asked for anew, the backlog of finished
/// jobs never described. Permits are handed out first come, first served, so the backlog waits
/// until every account-region queued before it has had its due pass.
async fn fetch_region(
    run: &Run<'_>,
    account: &AccountConfig,
    link: &dyn AccountLink,
    region: &str,
) -> Vec<ScopeResult> {
    let permit = run.permits.acquire().await;
    let source = link.source(region);
    let search = if run.fetcher.search {
        link.tag_source(region)
    } else {
        None
    };
    let scope = Scope {
        account: &account.name,
        region,
        source: source.as_ref(),
        limiter: &run.fetcher.limiter,
        stats: &run.stats,
        deadline: run.deadline,
    };
    let account_id = link.account_id();
    let mut known_by_kind: HashMap<ResourceKind, Vec<&Job>> = HashMap::new();
    for job in &run.known.jobs {
        if job.account_name == account.name && job.account_id == account_id && job.region == region
        {
            known_by_kind.entry(job.kind).or_default().push(job);
        }
    }
    let details = DetailSources {
        scope: &scope,
        search: search.as_deref(),
        cache: &run.known.describes,
        urgent: &run.fetcher.urgent,
        tracker: &run.tracker,
    };
    let context = KindContext {
        run,
        account,
        account_id,
        region,
        scope: &scope,
        details: &details,
    };
    let known_of = |kind: ResourceKind| known_by_kind.get(&kind).map(Vec::as_slice).unwrap_or(&[]);
    let passes = join_all(
        ResourceKind::JOB_KINDS
            .iter()
            .map(|&kind| context.fetch_kind(kind, known_of(kind))),
    )
    .await;
    drop(permit);
    if passes.iter().all(|pass| matches!(pass, KindPass::Done(_))) {
        return passes
            .into_iter()
            .filter_map(|pass| match pass {
                KindPass::Done(result) => Some(result),
                KindPass::Backlog(_) => None,
            })
            .collect();
    }
    let _permit = run.permits.acquire().await;
    join_all(passes.into_iter().map(|pass| async {
        match pass {
            KindPass::Done(result) => result,
            KindPass::Backlog(backlog) => {
                let known = known_of(backlog.kind);
                context.finish_backlog(backlog, known).await
            }
        }
    }))
    .await
}

/// One kind after its due pass.
enum KindPass {
    /// Nothing left to read.
    Done(ScopeResult),
    /// Finished jobs still wait for their details (its rows were streamed as they are).
    Backlog(Backlog),
}

/// A kind whose finished jobs still wait for their details.
struct Backlog {
    kind: ResourceKind,
    key: ScopeKey,
    fresh: Vec<Listed>,
    carried: Vec<Job>,
    filled: Filled,
}

/// What every kind of one account-region shares.
struct KindContext<'a> {
    run: &'a Run<'a>,
    account: &'a AccountConfig,
    account_id: &'a str,
    region: &'a str,
    scope: &'a Scope<'a>,
    details: &'a DetailSources<'a>,
}

impl KindContext<'_> {
    /// Lists one kind, streams its rows, fills in their due details and streams them again.
    /// A failed list keeps the kind's previous rows (and their cache entries).
    async fn fetch_kind(&self, kind: ResourceKind, known: &[&Job]) -> KindPass {
        let key = ScopeKey {
            account: self.account.name.clone(),
            region: self.region.to_string(),
            kind,
        };
        let listing = list_kind(self.scope, kind, known).await;
        self.run.tracker.update(|p| p.listed += 1);
        let mut listing = match listing {
            Ok(listing) => listing,
            Err(err) => {
                tracing::warn!(account = %self.account.name, region = self.region, kind = %kind, "{err}");
                self.run.tracker.send(FetchEvent::Failed {
                    error: FetchError {
                        kind: Some(kind),
                        stale: true,
                        ..fetch_error(&self.account.name, Some(self.region), err.to_string())
                    },
                    kind: Some(kind),
                });
                let result = ScopeResult {
                    kind: Some(kind),
                    rows: known.iter().map(|j| (*j).clone()).collect(),
                    describes: self.carried_describes(known.iter().copied()),
                    tags: Vec::new(),
                    error: Some(err),
                    stale: true,
                };
                return KindPass::Done(result);
            }
        };
        // First the rows as listed, with whatever details are already cached.
        let mut first = listing.fresh.clone();
        let as_of = now();
        for item in &mut first {
            if let Some(cached) = self.run.known.describes.get(&item.arn)
                && super::describe::still_current(kind, item, cached, as_of)
            {
                super::describe::apply(item, cached);
            }
        }
        self.run.tracker.send(FetchEvent::Rows {
            scope: key.clone(),
            rows: self.rows(kind, first, &listing.carried, known),
        });

        let filled: Filled = self.details.fill(kind, &mut listing.fresh, now()).await;
        if filled.backlog.is_empty() {
            let result = self.publish(&key, listing.fresh, &listing.carried, known, filled.entries);
            return KindPass::Done(ScopeResult {
                tags: filled.tags,
                error: filled.error,
                ..result
            });
        }
        self.publish(
            &key,
            listing.fresh.clone(),
            &listing.carried,
            known,
            filled.entries.clone(),
        );
        KindPass::Backlog(Backlog {
            kind,
            key,
            fresh: listing.fresh,
            carried: listing.carried,
            filled,
        })
    }

    /// The backlog pass of one kind (see `describe.rs`): reads its finished jobs' details and
    /// streams the scope once more (and meanwhile whenever a row the user opened was read).
    async fn finish_backlog(&self, backlog: Backlog, known: &[&Job]) -> ScopeResult {
        let Backlog {
            kind,
            key,
            mut fresh,
            carried,
            mut filled,
        } = backlog;
        let publish = |items: &[Listed], entries: &[(String, super::Described)]| {
            self.publish(&key, items.to_vec(), &carried, known, entries.to_vec());
        };
        self.details
            .fill_backlog(kind, &mut fresh, &mut filled, now(), &publish)
            .await;
        let result = self.publish(&key, fresh, &carried, known, filled.entries);
        ScopeResult {
            tags: filled.tags,
            error: filled.error,
            ..result
        }
    }

    /// Streams a scope's rows with their details (`FetchEvent::Filled`, which the store
    /// commits) and returns them as the scope's result. Carried rows keep their cache entries.
    fn publish(
        &self,
        key: &ScopeKey,
        fresh: Vec<Listed>,
        carried: &[Job],
        known: &[&Job],
        mut describes: Vec<(String, super::Described)>,
    ) -> ScopeResult {
        let rows = self.rows(key.kind, fresh, carried, known);
        let described: std::collections::HashSet<String> =
            describes.iter().map(|(arn, _)| arn.clone()).collect();
        describes
            .extend(self.carried_describes(rows.iter().filter(|j| !described.contains(&j.arn))));
        self.run.tracker.send(FetchEvent::Filled {
            scope: key.clone(),
            rows: rows.clone(),
            describes: describes.clone(),
        });
        ScopeResult {
            kind: Some(key.kind),
            rows,
            describes,
            tags: Vec::new(),
            error: None,
            stale: false,
        }
    }

    fn rows(
        &self,
        kind: ResourceKind,
        fresh: Vec<Listed>,
        carried: &[Job],
        known: &[&Job],
    ) -> Vec<Job> {
        let known_tags: HashMap<&str, &Tags> =
            known.iter().map(|j| (j.arn.as_str(), &j.tags)).collect();
        let mut rows: Vec<Job> = fresh
            .into_iter()
            .map(|item| {
                let mut job = to_job(item, kind, self.account, self.account_id, self.region);
                // Tags are read on their own schedule; keep the last ones read.
                if let Some(tags) = known_tags.get(job.arn.as_str()) {
                    job.tags = (*tags).clone();
                }
                job
            })
            .collect();
        rows.extend(carried.iter().cloned());
        rows
    }

    fn carried_describes<'j>(
        &self,
        jobs: impl Iterator<Item = &'j Job>,
    ) -> Vec<(String, super::Described)> {
        jobs.filter_map(|job| {
            self.run
                .known
                .describes
                .get(&job.arn)
                .map(|entry| (job.arn.clone(), entry.clone()))
        })
        .collect()
    }
}

pub(super) fn to_job(
    item: Listed,
    kind: ResourceKind,
    account: &AccountConfig,
    account_id: &str,
    region: &str,
) -> Job {
    Job {
        account_id: account_id.into(),
        account_name: account.name.as_str().into(),
        region: region.into(),
        kind,
        name: item.name,
        arn: item.arn,
        status: item.status,
        created_at: item.created_at,
        ended_at: item.ended_at,
        last_modified_at: item.last_modified_at,
        instance_type: item.instance_type.map(Into::into),
        instance_count: item.instance_count,
        failure_reason: item.failure_reason,
        tags: Default::default(),
        app: item.app.map(Box::new),
        compute: item.compute.map(Box::new),
        billing: item.billing,
        streamed_at: None,
        created_by: None,
    }
}
