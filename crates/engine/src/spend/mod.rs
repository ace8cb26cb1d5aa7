//! Spend from Cost Explorer, grouped by a cost-allocation tag, at the lowest API cost.
//!
//! Every Cost Explorer request costs USD 0.01 (each page too) and billing data changes only a
//! few times a day, so answers are cached by their normalised request with a TTL and every
//! request sagescope makes is counted in a daily ledger the status bar shows.
//!
//! - [`query`]: what is asked (range, grouping, filters) and its cache key.
//! - [`source`]: the [`CostSource`] seam the AWS code (`sagescope_aws`) implements and tests fake.
//! - [`fetch`]: paging, backing off on `LimitExceededException`, turning answers into rows.
//! - [`store`]: the response cache and the request ledger, in the SQLite cache file.
//! - [`cur`]: spend by tag from a CUR answer, in Cost Explorer's shape.
//! - [`budget`]: month-to-date, forecast and budgets.
//! - [`resources`]: each SageMaker resource's cost from resource-level data (`ce-resource`).
//! - [`top`]: a drill-down's costliest resources, from the rows and costs at hand.
//! - [`outlook`] / [`drill`]: the questions behind the month outlook and a drill-down, planned
//!   so no request asks what an answer at hand already holds.
//! - [`service`]: the one cached path the CLI and the terminal UI both ask through, reading
//!   and writing the cache only through the store thread ([`crate::store`]) and never while
//!   Cost Explorer answers.
//! - `inflight`: one request per question at a time, without a lock across the network.

pub mod budget;
pub mod cur;
pub mod demo;
pub mod drill;
pub mod fetch;
mod forecast;
mod inflight;
pub mod outlook;
pub mod query;
pub mod resources;
pub mod service;
pub mod source;
pub mod store;
pub mod top;

pub use budget::{BudgetStatus, budget_status};
pub use drill::DrillAnswer;
pub use fetch::{Answer, Failed, fetch_pages, rows_from_pages, untagged_hint};
pub use outlook::MonthOutlook;
pub use query::{Grouping, MineFilter, RangePreset, SpendQuery, TagFilter};
pub use service::{CostAccess, Notes, SpendOutcome, SpendRequest, SpendService, Target};
pub use source::{
    Connected, CostAccounts, CostError, CostGroup, CostPage, CostPeriod, CostSource, Forecast,
    TagSpendSource,
};
pub use store::{Ledger, SpendStore};

/// What one Cost Explorer request (or page) costs, in US dollars.
pub const USD_PER_REQUEST: f64 = 0.01;

use std::sync::Arc;

use chrono::{DateTime, Duration, Utc};

use crate::cache::{Cache, CacheError};
use crate::store::StoreError;
use sagescope_core::model::SpendRow;

/// Spend rows for one question, with where they came from and what they cost.
#[derive(Debug, Clone, PartialEq)]
pub struct SpendAnswer {
    pub rows: Vec<SpendRow>,
    /// Billed Cost Explorer requests this answer cost now: 0 from the cache.
    pub requests: u32,
    /// Pages the answer has: what asking again without the cache costs.
    pub pages: u32,
    /// When Cost Explorer produced these figures.
    pub fetched_at: DateTime<Utc>,
    pub from_cache: bool,
    /// A fix the user should hear about (e.g. the tag key is not activated).
    pub hint: Option<String>,
}

/// Why spend could not be had.
#[derive(Debug, thiserror::Error)]
pub enum SpendError {
    /// Cost Explorer refused or failed, after the requests it counts.
    #[error(transparent)]
    Cost(#[from] Failed),
    #[error("the spend cache failed: {0}")]
    Cache(#[from] CacheError),
    /// The cache thread could not answer (it stopped, or the operation panicked: logged).
    #[error("the spend cache failed: {0}")]
    Store(StoreError),
    /// Offline and nothing cached for this question.
    #[error("no cached Cost Explorer answer for this view (offline: nothing is fetched)")]
    NotCached,
    /// The `spend.account` could not be connected (credentials, role).
    #[error("cannot use the spend.account: {0}")]
    Connect(String),
}

impl From<StoreError> for SpendError {
    fn from(err: StoreError) -> Self {
        match err {
            StoreError::Cache(err) => SpendError::Cache(err),
            gone @ StoreError::Gone => SpendError::Store(gone),
        }
    }
}

impl SpendError {
    /// Requests made before it failed (they count in the ledger).
    pub fn requests(&self) -> u32 {
        match self {
            SpendError::Cost(failed) => failed.requests,
            _ => 0,
        }
    }
}

/// How old a cached answer may be.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Freshness {
    /// Younger than the TTL, else ask Cost Explorer.
    WithinTtl,
    /// Ask Cost Explorer whatever is cached (a forced refresh, `--no-cache`).
    Force,
    /// Any cached answer, however old, and never ask (offline).
    AnyAge,
}

/// How one question is to be answered. Owned (the scope is shared, cheap to clone) so it can
/// travel into a closure on the store thread.
#[derive(Debug, Clone)]
pub struct Ask {
    /// Whose Cost Explorer answers (the spend account): part of the cache key, so answers of
    /// a member account are never served after switching `spend.account` to the payer.
    pub scope: Arc<str>,
    pub ttl: Duration,
    pub freshness: Freshness,
    pub now: DateTime<Utc>,
}

impl Ask {
    /// The cache key of `query` for this scope.
    pub fn key(&self, query: &SpendQuery) -> String {
        format!("{}|{}", self.scope, query.cache_key())
    }

    /// The same ask with another freshness.
    pub fn with(&self, freshness: Freshness) -> Ask {
        Ask {
            freshness,
            ..self.clone()
        }
    }
}

/// The cached answer to `query` if `ask` allows one, without any request.
pub fn cached(
    cache: &Cache,
    query: &SpendQuery,
    ask: &Ask,
) -> Result<Option<SpendAnswer>, CacheError> {
    let store = SpendStore::new(cache)?;
    let key = ask.key(query);
    let hit = match ask.freshness {
        Freshness::Force => None,
        Freshness::WithinTtl => store.fresh_pages(&key, ask.ttl, ask.now)?,
        Freshness::AnyAge => store.pages(&key)?,
    };
    Ok(hit.map(|hit| answer(query, &hit.value, 0, hit.fetched_at, true)))
}

/// How many requests the cached answer to `query` took (its pages), whatever its age: the
/// estimate a forced refresh shows before it spends anything.
pub fn cached_pages(
    cache: &Cache,
    query: &SpendQuery,
    ask: &Ask,
) -> Result<Option<u32>, CacheError> {
    let stored = SpendStore::new(cache)?.pages(&ask.key(query))?;
    Ok(stored.map(|s| page_count(&s.value)))
}

/// Stores what Cost Explorer said to `query` (the pages fetched by [`fetch_pages`], with no
/// cache access while it answered) and counts its requests in today's ledger, failed ones
/// too: they may be billed. Runs on the store thread; the network is already done.
pub fn store_answer(
    cache: &Cache,
    query: &SpendQuery,
    ask: &Ask,
    fetched: Result<Answer, Failed>,
) -> Result<SpendAnswer, SpendError> {
    let store = SpendStore::new(cache)?;
    match fetched {
        Ok(got) => {
            store.record_requests(got.requests, ask.now)?;
            store.put_pages(&ask.key(query), &got.pages, ask.now)?;
            Ok(answer(query, &got.pages, got.requests, ask.now, false))
        }
        Err(failed) => {
            store.record_requests(failed.requests, ask.now)?;
            Err(failed.into())
        }
    }
}

fn page_count(pages: &[CostPage]) -> u32 {
    u32::try_from(pages.len()).unwrap_or(u32::MAX).max(1)
}

fn answer(
    query: &SpendQuery,
    pages: &[CostPage],
    requests: u32,
    fetched_at: DateTime<Utc>,
    from_cache: bool,
) -> SpendAnswer {
    let rows = rows_from_pages(query, pages);
    SpendAnswer {
        hint: untagged_hint(query.grouping.key(), &rows).filter(|_| is_tag(query)),
        rows,
        requests,
        pages: page_count(pages),
        fetched_at,
        from_cache,
    }
}

fn is_tag(query: &SpendQuery) -> bool {
    matches!(query.grouping, Grouping::Tag(_))
}
