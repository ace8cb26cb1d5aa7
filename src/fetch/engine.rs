//! The fan-out: accounts connect side by side, then every account-region runs (at most
//! `refresh.max_concurrency` at once) with its six kinds listed in parallel, each under its
//! own rate-limit key.

use std::collections::HashMap;

use futures::future::join_all;
use tokio::sync::Semaphore;

use super::counter::ProgressCounter;
use super::describe::{DescribeCache, Described, describe_kind};
use super::listing::{Scope, list_kind};
use super::source::{AccountLink, Listed};
use super::stats::Stats;
use super::{JobFetcher, JobsFetch, KnownState, Progress, fetch_error, now};
use crate::config::AccountConfig;
use crate::model::{FetchError, Job, ResourceKind, View};

/// What one account-region produced.
struct RegionResult {
    rows: Vec<Job>,
    describes: Vec<(String, Described)>,
    errors: Vec<FetchError>,
}

struct Run<'a> {
    fetcher: &'a JobFetcher,
    known: &'a KnownState,
    counter: ProgressCounter<'a>,
    stats: Stats,
    permits: Semaphore,
}

pub(super) async fn fetch_all(
    fetcher: &JobFetcher,
    known: &KnownState,
    progress: &(dyn Fn(Progress) + Send + Sync),
) -> JobsFetch {
    let as_of = now();
    let total = fetcher.accounts.iter().map(planned_regions).sum();
    let run = Run {
        fetcher,
        known,
        counter: ProgressCounter::new(progress, total),
        stats: Stats::default(),
        permits: Semaphore::new(fetcher.max_concurrency),
    };

    let per_account = join_all(
        fetcher
            .accounts
            .iter()
            .enumerate()
            .map(|(index, account)| fetch_account(&run, index, account)),
    )
    .await;

    let mut keyed: Vec<(usize, Job)> = Vec::new();
    let mut describes = DescribeCache::new();
    let mut errors = Vec::new();
    for (index, results) in per_account.into_iter().enumerate() {
        for result in results {
            keyed.extend(result.rows.into_iter().map(|job| (index, job)));
            describes.extend(result.describes);
            errors.extend(result.errors);
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
    JobsFetch {
        view: View::new(as_of, rows, errors),
        describes,
        stats: run.stats.snapshot(),
    }
}

fn planned_regions(account: &AccountConfig) -> usize {
    account.regions.len().max(1)
}

async fn fetch_account(run: &Run<'_>, _index: usize, account: &AccountConfig) -> Vec<RegionResult> {
    let link = match run.fetcher.link(account, &run.stats).await {
        Ok(link) => link,
        Err(err) => {
            let message = err.to_string();
            run.counter.report(
                &account.name,
                None,
                planned_regions(account),
                0,
                Some(message.clone()),
            );
            // Keep what was known about this account: stale rows beat an empty screen, and
            // the error entry says they are stale.
            let rows = run
                .known
                .jobs
                .iter()
                .filter(|j| j.account_name == account.name)
                .filter(|j| account.regions.is_empty() || account.regions.contains(&j.region))
                .cloned()
                .collect();
            return vec![RegionResult {
                rows,
                describes: Vec::new(),
                errors: vec![fetch_error(&account.name, None, message)],
            }];
        }
    };
    let regions: Vec<String> = link.regions().to_vec();
    join_all(regions.iter().map(|region| async {
        let _permit = run.permits.acquire().await;
        let result = fetch_region(run, account, link.as_ref(), region).await;
        let jobs = result.rows.len();
        let error = (!result.errors.is_empty()).then(|| {
            result
                .errors
                .iter()
                .map(|e| e.message.clone())
                .collect::<Vec<_>>()
                .join("; ")
        });
        run.counter
            .report(&account.name, Some(region), 1, jobs, error);
        result
    }))
    .await
}

async fn fetch_region(
    run: &Run<'_>,
    account: &AccountConfig,
    link: &dyn AccountLink,
    region: &str,
) -> RegionResult {
    let source = link.source(region);
    let scope = Scope {
        account: &account.name,
        region,
        source: source.as_ref(),
        limiter: &run.fetcher.limiter,
        stats: &run.stats,
    };
    let account_id = link.account_id();
    let mut known_by_kind: HashMap<ResourceKind, Vec<&Job>> = HashMap::new();
    for job in &run.known.jobs {
        if job.account_name == account.name && job.account_id == account_id && job.region == region
        {
            known_by_kind.entry(job.kind).or_default().push(job);
        }
    }
    let when = now();

    let kinds = join_all(ResourceKind::JOB_KINDS.iter().map(|&kind| {
        let known = known_by_kind.get(&kind).map(Vec::as_slice).unwrap_or(&[]);
        let scope = &scope;
        async move {
            let result = match list_kind(scope, kind, known).await {
                Ok(mut listing) => {
                    let (entries, describe_error) = describe_kind(
                        scope,
                        &run.fetcher.limiter,
                        kind,
                        &mut listing.fresh,
                        &run.known.describes,
                        when,
                    )
                    .await;
                    let known_tags: HashMap<&str, &crate::model::Tags> =
                        known.iter().map(|j| (j.arn.as_str(), &j.tags)).collect();
                    let mut rows: Vec<Job> = listing
                        .fresh
                        .into_iter()
                        .map(|item| {
                            let mut job = to_job(item, kind, account, account_id, region);
                            // Tags are read on their own schedule; keep the last ones read.
                            if let Some(tags) = known_tags.get(job.arn.as_str()) {
                                job.tags = (*tags).clone();
                            }
                            job
                        })
                        .collect();
                    rows.extend(listing.carried);
                    let mut describes = entries;
                    // Carried rows keep their cache entries.
                    for job in &rows {
                        if let Some(entry) = run.known.describes.get(&job.arn)
                            && !describes.iter().any(|(arn, _)| arn == &job.arn)
                        {
                            describes.push((job.arn.clone(), entry.clone()));
                        }
                    }
                    Ok((rows, describes, describe_error))
                }
                Err(err) => Err(err),
            };
            (kind, known, result)
        }
    }))
    .await;

    let mut out = RegionResult {
        rows: Vec::new(),
        describes: Vec::new(),
        errors: Vec::new(),
    };
    let mut messages: Vec<String> = Vec::new();
    for (kind, known, result) in kinds {
        match result {
            Ok((rows, describes, describe_error)) => {
                out.rows.extend(rows);
                out.describes.extend(describes);
                if let Some(err) = describe_error {
                    messages.push(err.to_string());
                }
            }
            Err(err) => {
                tracing::warn!(account = %account.name, region, kind = %kind, "{err}");
                // Keep the previous rows of this kind; the error says they are stale.
                out.rows.extend(known.iter().map(|j| (*j).clone()));
                for job in known {
                    if let Some(entry) = run.known.describes.get(&job.arn) {
                        out.describes.push((job.arn.clone(), entry.clone()));
                    }
                }
                messages.push(err.to_string());
            }
        }
    }
    // The same cause (expired credentials, say) fails every kind: report it once.
    messages.sort();
    messages.dedup();
    out.errors = messages
        .into_iter()
        .map(|m| fetch_error(&account.name, Some(region), m))
        .collect();
    out
}

pub(super) fn to_job(
    item: Listed,
    kind: ResourceKind,
    account: &AccountConfig,
    account_id: &str,
    region: &str,
) -> Job {
    Job {
        account_id: account_id.to_string(),
        account_name: account.name.clone(),
        region: region.to_string(),
        kind,
        name: item.name,
        arn: item.arn,
        status: item.status,
        created_at: item.created_at,
        ended_at: item.ended_at,
        last_modified_at: item.last_modified_at,
        instance_type: item.instance_type,
        instance_count: item.instance_count,
        failure_reason: item.failure_reason,
        tags: Default::default(),
    }
}
