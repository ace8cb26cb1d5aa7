//! Listing one kind in one account-region: full pagination the first time, and in steady state
//! about one List call.
//!
//! Strategy: every List call asks for `SortBy=CreationTime`, descending, 100 per page. Jobs
//! (training, processing, transform, tuning) only change until they finish, and new ones appear
//! at the head of that order. So paging stops after a page whose oldest entry is a job we
//! already knew, finished and unchanged (same status and LastModifiedTime), once every job
//! that was still running last time has been seen again. Everything older is carried over
//! from the previous refresh as it was.
//!
//! Why not `LastModifiedTimeAfter`: it trusts the client's clock against AWS's (a skewed
//! laptop silently misses changes), and a server that filters after paginating, as moto does,
//! still returns every page. Sorting needs no clock: the first page always re-reads the newest
//! 100 jobs, which is where change happens. A server that ignores the sort order is detected
//! (creation times not descending) and then listed in full, so correctness never depends on it.
//! Endpoints and notebook instances never reach a final state, so they are always listed in
//! full (usually one page).

use std::collections::{HashMap, HashSet};

use super::call::Caller;
use super::limiter::RateLimiter;
use super::source::{JobSource, Listed, SourceError, list_operation};
use super::stats::Stats;
use sagescope_core::model::{Job, ResourceKind};

/// What listing one kind produced.
#[derive(Debug, Default)]
pub(crate) struct Listing {
    /// Entries read from AWS this time, newest first.
    pub fresh: Vec<Listed>,
    /// Known jobs older than where paging stopped, carried over unchanged.
    pub carried: Vec<Job>,
}

/// Where a listing runs: which account and region, through which source and limiter, and
/// until when throttled calls are retried.
pub(crate) struct Scope<'a> {
    pub account: &'a str,
    pub region: &'a str,
    pub source: &'a dyn JobSource,
    pub limiter: &'a RateLimiter,
    pub stats: &'a Stats,
    pub deadline: tokio::time::Instant,
}

impl Scope<'_> {
    /// The paced, counted, retrying way to send this account-region's requests.
    pub fn caller(&self) -> Caller<'_> {
        Caller {
            account: self.account,
            region: self.region,
            limiter: self.limiter,
            stats: self.stats,
            deadline: self.deadline,
        }
    }
}

fn unchanged(known: &Job, listed: &Listed) -> bool {
    known.status == listed.status && known.last_modified_at == listed.last_modified_at
}

/// Lists `kind`, using `known` (this scope's jobs of this kind from the previous refresh) to
/// stop paging early when that is safe.
pub(crate) async fn list_kind(
    scope: &Scope<'_>,
    kind: ResourceKind,
    known: &[&Job],
) -> Result<Listing, SourceError> {
    let operation = list_operation(kind);
    let stop_early = kind.finishes() && !known.is_empty();
    let known_by_arn: HashMap<&str, &Job> = known.iter().map(|j| (j.arn.as_str(), *j)).collect();
    let unfinished: Vec<&str> = known
        .iter()
        .filter(|j| !j.status.is_finished())
        .map(|j| j.arn.as_str())
        .collect();

    let mut fresh: Vec<Listed> = Vec::new();
    let mut seen: HashSet<String> = HashSet::new();
    let mut newest_first = true;
    let mut token: Option<String> = None;
    let caller = scope.caller();
    loop {
        let page = caller
            .call(operation, || scope.source.list(kind, token.clone()))
            .await?;
        for item in page.items {
            if let Some(previous) = fresh.last()
                && item.created_at > previous.created_at
            {
                newest_first = false;
            }
            seen.insert(item.arn.clone());
            fresh.push(item);
        }
        let Some(next) = page.next_token else {
            return Ok(Listing {
                fresh,
                carried: Vec::new(),
            });
        };
        if token.as_deref() == Some(next.as_str()) {
            return Err(SourceError::Other {
                operation,
                message: "pagination returned the same NextToken twice".into(),
            });
        }
        if stop_early
            && newest_first
            && let Some(oldest) = fresh.last()
            && oldest.status.is_finished()
            && known_by_arn
                .get(oldest.arn.as_str())
                .is_some_and(|k| unchanged(k, oldest))
            && unfinished.iter().all(|arn| seen.contains(*arn))
        {
            let cutoff = oldest.created_at;
            let carried = known
                .iter()
                .filter(|j| !seen.contains(&j.arn) && j.created_at <= cutoff)
                .map(|j| (*j).clone())
                .collect();
            tracing::debug!(
                account = scope.account,
                region = scope.region,
                operation,
                "stopped paging at known finished jobs"
            );
            return Ok(Listing { fresh, carried });
        }
        token = Some(next);
    }
}
