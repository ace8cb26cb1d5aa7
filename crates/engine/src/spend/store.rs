//! Cost Explorer answers and the requests made for them, kept in the cache file.
//!
//! Answers are keyed by [`super::SpendQuery::cache_key`], so reopening the app, switching panes
//! or exporting again within the TTL costs nothing. The ledger counts billed requests per UTC
//! day, which is what the status bar's "CE today" figure reads.

use super::{CostPage, Forecast, USD_PER_REQUEST};
use crate::cache::{Cache, CacheError};
use chrono::{DateTime, Duration, Utc};

/// Requests and dollars spent on Cost Explorer today (UTC).
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct Ledger {
    pub requests: u32,
    pub usd: f64,
}

/// A forecast as cached: refusals that will not change within the TTL (too little history, no
/// permission) are kept too, so a pane reload does not pay to hear them again.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub enum CachedForecast {
    Answer(Forecast),
    /// `DataUnavailableException`: too little history to forecast.
    NoData(String),
    /// `AccessDenied` on `ce:GetCostForecast`.
    Denied(String),
}

/// A refusal of the resource-level question that will not change within the TTL (the opt-in
/// is off, the permission missing): kept so the next refresh does not pay to hear it again.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub enum CachedRefusal {
    ResourceLevelOff(String),
    AccessDenied(String),
}

/// A stored answer and when it was fetched.
#[derive(Debug, Clone, PartialEq)]
pub struct Stored<T> {
    pub value: T,
    pub fetched_at: DateTime<Utc>,
}

/// The spend tables of the cache.
pub struct SpendStore<'a> {
    cache: &'a Cache,
}

impl<'a> SpendStore<'a> {
    /// The spend tables (`ce_answers`, `ce_ledger`), which the cache's migration creates.
    pub fn new(cache: &'a Cache) -> Result<Self, CacheError> {
        Ok(SpendStore { cache })
    }

    /// The pages stored for `key` if they are younger than `ttl`.
    pub fn fresh_pages(
        &self,
        key: &str,
        ttl: Duration,
        now: DateTime<Utc>,
    ) -> Result<Option<Stored<Vec<CostPage>>>, CacheError> {
        Ok(self.pages(key)?.filter(|s| now - s.fetched_at < ttl))
    }

    /// The pages stored for `key`, however old (offline use).
    pub fn pages(&self, key: &str) -> Result<Option<Stored<Vec<CostPage>>>, CacheError> {
        self.read(key)
    }

    /// A stored forecast younger than `ttl`.
    pub fn fresh_forecast(
        &self,
        key: &str,
        ttl: Duration,
        now: DateTime<Utc>,
    ) -> Result<Option<Stored<CachedForecast>>, CacheError> {
        Ok(self
            .read(&format!("forecast|{key}"))?
            .filter(|s: &Stored<CachedForecast>| now - s.fetched_at < ttl))
    }

    /// A stored forecast of any age (offline).
    pub fn forecast(&self, key: &str) -> Result<Option<Stored<CachedForecast>>, CacheError> {
        self.read(&format!("forecast|{key}"))
    }

    /// A refusal of the question `key` younger than `ttl`.
    pub fn fresh_refusal(
        &self,
        key: &str,
        ttl: Duration,
        now: DateTime<Utc>,
    ) -> Result<Option<CachedRefusal>, CacheError> {
        Ok(self
            .read(&format!("refused|{key}"))?
            .filter(|s: &Stored<CachedRefusal>| now - s.fetched_at < ttl)
            .map(|s| s.value))
    }

    /// Keeps a lasting refusal of the question `key`.
    pub fn put_refusal(
        &self,
        key: &str,
        refusal: &CachedRefusal,
        now: DateTime<Utc>,
    ) -> Result<(), CacheError> {
        self.write(&format!("refused|{key}"), refusal, now)
    }

    /// Remembers which account the scope's credentials belong to, so the member-account note
    /// still works when every answer comes from the cache and nothing connects.
    pub fn put_caller(
        &self,
        scope: &str,
        account_id: &str,
        now: DateTime<Utc>,
    ) -> Result<(), CacheError> {
        self.write(&format!("caller|{scope}"), account_id, now)
    }

    /// The account id [`SpendStore::put_caller`] remembered.
    pub fn caller(&self, scope: &str) -> Result<Option<String>, CacheError> {
        Ok(self
            .read::<String>(&format!("caller|{scope}"))?
            .map(|s| s.value))
    }

    /// Stores an answer, replacing any older one for the same key.
    pub fn put_pages(
        &self,
        key: &str,
        pages: &[CostPage],
        now: DateTime<Utc>,
    ) -> Result<(), CacheError> {
        self.write(key, &pages, now)
    }

    /// Stores a forecast (or a lasting reason there is none).
    pub fn put_forecast(
        &self,
        key: &str,
        forecast: &CachedForecast,
        now: DateTime<Utc>,
    ) -> Result<(), CacheError> {
        self.write(&format!("forecast|{key}"), forecast, now)
    }

    /// Adds billed requests to today's count.
    pub fn record_requests(&self, requests: u32, now: DateTime<Utc>) -> Result<(), CacheError> {
        if requests == 0 {
            return Ok(());
        }
        self.cache.add_cost_requests(now.date_naive(), requests)
    }

    /// What Cost Explorer has cost today.
    pub fn ledger(&self, now: DateTime<Utc>) -> Result<Ledger, CacheError> {
        let requests = self.cache.cost_requests(now.date_naive())?;
        Ok(Ledger {
            requests,
            usd: f64::from(requests) * USD_PER_REQUEST,
        })
    }

    fn read<T: serde::de::DeserializeOwned>(
        &self,
        key: &str,
    ) -> Result<Option<Stored<T>>, CacheError> {
        let Some((fetched_at, body)) = self.cache.cost_answer(key)? else {
            return Ok(None);
        };
        // An entry this build cannot read is treated as absent: it is only a cached copy.
        let Ok(value) = serde_json::from_str(&body) else {
            tracing::warn!(key, "unreadable Cost Explorer cache entry ignored");
            return Ok(None);
        };
        Ok(Some(Stored { value, fetched_at }))
    }

    fn write<T: serde::Serialize + ?Sized>(
        &self,
        key: &str,
        value: &T,
        now: DateTime<Utc>,
    ) -> Result<(), CacheError> {
        let body = serde_json::to_string(value).map_err(|source| CacheError::Encode {
            view: "spend",
            source,
        })?;
        self.cache.put_cost_answer(key, &body, now)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn t(hour: u32) -> DateTime<Utc> {
        DateTime::parse_from_rfc3339(&format!("2026-03-15T{hour:02}:00:00Z"))
            .expect("time")
            .with_timezone(&Utc)
    }

    #[test]
    fn answers_are_fresh_within_the_ttl_only() {
        let cache = Cache::in_memory().expect("cache");
        let store = SpendStore::new(&cache).expect("tables");
        store
            .put_pages("k", &[CostPage::default()], t(1))
            .expect("put");
        let ttl = Duration::hours(8);
        assert!(store.fresh_pages("k", ttl, t(8)).expect("read").is_some());
        assert!(
            store.fresh_pages("k", ttl, t(9)).expect("read").is_none(),
            "8 h later it is stale"
        );
        assert!(
            store.pages("k").expect("read").is_some(),
            "stale answers still serve offline"
        );
        assert!(
            store
                .fresh_pages("other", ttl, t(1))
                .expect("read")
                .is_none()
        );
    }

    #[test]
    fn the_ledger_counts_requests_per_day() {
        let cache = Cache::in_memory().expect("cache");
        let store = SpendStore::new(&cache).expect("tables");
        store.record_requests(3, t(1)).expect("record");
        store.record_requests(2, t(5)).expect("record");
        let ledger = store.ledger(t(6)).expect("ledger");
        assert_eq!(ledger.requests, 5);
        assert!((ledger.usd - 0.05).abs() < 1e-9);
        let tomorrow = t(6) + Duration::days(1);
        assert_eq!(store.ledger(tomorrow).expect("ledger").requests, 0);
    }
}
