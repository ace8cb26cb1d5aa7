//! Spend from Cost Explorer, grouped by a cost-allocation tag, at the lowest API cost.
//!
//! Every Cost Explorer request costs USD 0.01 (each page too) and billing data changes only a
//! few times a day, so answers are cached by their normalised request with a TTL and every
//! request sagescope makes is counted in a daily ledger the status bar shows.
//!
//! - [`query`]: what is asked (range, grouping, filters) and its cache key.
//! - [`source`]: the [`CostSource`] seam the AWS code implements and tests fake.
//! - [`fetch`]: paging, backing off on `LimitExceededException`, turning answers into rows.
//! - [`store`]: the response cache and the request ledger, in the SQLite cache file.
//! - [`budget`]: month-to-date, forecast and budgets.

pub mod budget;
pub mod cost_explorer;
pub mod demo;
pub mod fetch;
pub mod query;
pub mod source;
pub mod store;

pub use budget::{BudgetStatus, budget_status};
pub use fetch::{Answer, fetch_pages, rows_from_pages, untagged_hint};
pub use query::{Grouping, RangePreset, SpendQuery, TagFilter};
pub use source::{CostError, CostGroup, CostPage, CostPeriod, CostSource, Forecast};
pub use store::{Ledger, SpendStore};

/// What one Cost Explorer request (or page) costs, in US dollars.
pub const USD_PER_REQUEST: f64 = 0.01;

use chrono::{DateTime, Duration, Utc};

use crate::cache::{Cache, CacheError};
use crate::model::SpendRow;

/// Spend rows for one question, with where they came from and what they cost.
#[derive(Debug, Clone, PartialEq)]
pub struct SpendAnswer {
    pub rows: Vec<SpendRow>,
    /// Billed Cost Explorer requests this answer cost now: 0 from the cache.
    pub requests: u32,
    /// When Cost Explorer produced these figures.
    pub fetched_at: DateTime<Utc>,
    pub from_cache: bool,
    /// A fix the user should hear about (e.g. the tag key is not activated).
    pub hint: Option<String>,
}

/// Why spend could not be had.
#[derive(Debug, thiserror::Error)]
pub enum SpendError {
    #[error(transparent)]
    Cost(#[from] CostError),
    #[error("the spend cache failed")]
    Cache(#[from] CacheError),
}

/// Answers `query` from the cache when the stored answer is younger than `ttl` (and `force`
/// is off), else from Cost Explorer, storing the answer and counting its requests.
///
/// Takes `&mut Cache` so the future stays `Send` for a background task (the cache is never
/// borrowed across an await).
pub async fn spend_for(
    cache: &mut Cache,
    source: &dyn CostSource,
    query: &SpendQuery,
    ttl: Duration,
    force: bool,
    now: DateTime<Utc>,
    on_backoff: &(dyn Fn(std::time::Duration) + Send + Sync),
) -> Result<SpendAnswer, SpendError> {
    let key = query.cache_key();
    if !force {
        let hit = SpendStore::new(cache)?.fresh_pages(&key, ttl, now)?;
        if let Some(hit) = hit {
            let rows = rows_from_pages(query, &hit.value);
            return Ok(SpendAnswer {
                hint: untagged_hint(query.grouping.key(), &rows).filter(|_| is_tag(query)),
                rows,
                requests: 0,
                fetched_at: hit.fetched_at,
                from_cache: true,
            });
        }
    }
    let answer = fetch_pages(source, query, on_backoff).await?;
    let store = SpendStore::new(cache)?;
    store.record_requests(answer.requests, now)?;
    store.put_pages(&key, &answer.pages, now)?;
    let rows = rows_from_pages(query, &answer.pages);
    Ok(SpendAnswer {
        hint: untagged_hint(query.grouping.key(), &rows).filter(|_| is_tag(query)),
        rows,
        requests: answer.requests,
        fetched_at: now,
        from_cache: false,
    })
}

fn is_tag(query: &SpendQuery) -> bool {
    matches!(query.grouping, Grouping::Tag(_))
}

#[cfg(test)]
mod tests {
    use std::sync::atomic::{AtomicU32, Ordering};

    use chrono::NaiveDate;
    use futures::future::BoxFuture;

    use super::*;

    /// Answers every request with one day of spend, counting calls.
    struct Counting(AtomicU32);

    impl CostSource for Counting {
        fn cost_and_usage<'a>(
            &'a self,
            q: &'a SpendQuery,
            _t: Option<String>,
        ) -> BoxFuture<'a, Result<CostPage, CostError>> {
            Box::pin(async move {
                self.0.fetch_add(1, Ordering::SeqCst);
                Ok(CostPage {
                    periods: vec![CostPeriod {
                        start: q.start,
                        end: q.start + chrono::Duration::days(1),
                        estimated: false,
                        groups: vec![CostGroup {
                            keys: vec![format!("{}$", q.grouping.key())],
                            amount: 4.0,
                            unit: "USD".into(),
                        }],
                    }],
                    next_token: None,
                })
            })
        }
        fn forecast<'a>(
            &'a self,
            _q: &'a SpendQuery,
            _s: NaiveDate,
            _e: NaiveDate,
        ) -> BoxFuture<'a, Result<Forecast, CostError>> {
            Box::pin(async {
                Ok(Forecast {
                    amount: 1.0,
                    unit: "USD".into(),
                })
            })
        }
    }

    #[tokio::test]
    async fn a_second_ask_within_the_ttl_costs_nothing_and_force_pays_again() {
        let mut cache = Cache::in_memory().expect("cache");
        let source = Counting(AtomicU32::new(0));
        let today = NaiveDate::from_ymd_opt(2026, 3, 15).expect("date");
        let query = SpendQuery::from_config(
            &crate::config::Config::default().spend,
            "team",
            RangePreset::Days7,
            today,
        );
        // Early in a UTC day, so every request below lands in the same ledger day.
        let now = DateTime::parse_from_rfc3339("2026-03-15T00:30:00Z")
            .expect("time")
            .with_timezone(&Utc);
        let ttl = Duration::hours(8);

        let first = spend_for(&mut cache, &source, &query, ttl, false, now, &|_| {})
            .await
            .expect("answers");
        assert!(!first.from_cache);
        assert_eq!(first.requests, 1);
        assert!(first.hint.is_some(), "all-untagged spend explains itself");

        let second = spend_for(
            &mut cache,
            &source,
            &query,
            ttl,
            false,
            now + Duration::hours(1),
            &|_| {},
        )
        .await
        .expect("answers");
        assert!(second.from_cache);
        assert_eq!(second.requests, 0);
        assert_eq!(second.rows, first.rows);
        assert_eq!(source.0.load(Ordering::SeqCst), 1, "no second request");

        let later = spend_for(
            &mut cache,
            &source,
            &query,
            ttl,
            false,
            now + Duration::hours(9),
            &|_| {},
        )
        .await
        .expect("answers");
        assert!(!later.from_cache, "past the TTL it asks again");
        let forced = spend_for(
            &mut cache,
            &source,
            &query,
            ttl,
            true,
            now + Duration::hours(9),
            &|_| {},
        )
        .await
        .expect("answers");
        assert!(!forced.from_cache);
        assert_eq!(source.0.load(Ordering::SeqCst), 3);
        let ledger = SpendStore::new(&cache)
            .expect("store")
            .ledger(now + Duration::hours(9))
            .expect("ledger");
        assert_eq!(ledger.requests, 3);
    }
}
