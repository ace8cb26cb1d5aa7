//! The rest-of-month forecast's cache entries: reading one and keeping what Cost Explorer said.
//!
//! Plain functions over a borrowed [`Cache`], run on the store thread; the service asks Cost
//! Explorer between the read and the write, with nothing locked.

use chrono::{DateTime, Duration, Utc};

use super::store::CachedForecast;
use super::{CostError, Failed, Forecast, Freshness, SpendError, SpendStore};
use crate::cache::{Cache, CacheError};

/// The cached forecast under `key` if `freshness` allows one: its amount, or the lasting
/// reason there is none. `None`: not cached (or not to be used), ask Cost Explorer.
pub(crate) fn cached(
    cache: &Cache,
    key: &str,
    freshness: Freshness,
    ttl: Duration,
    now: DateTime<Utc>,
) -> Result<Option<Result<f64, SpendError>>, CacheError> {
    let store = SpendStore::new(cache)?;
    let hit = match freshness {
        Freshness::Force => None,
        Freshness::WithinTtl => store.fresh_forecast(key, ttl, now)?,
        Freshness::AnyAge => store.forecast(key)?,
    };
    Ok(hit.map(|hit| match hit.value {
        CachedForecast::Answer(forecast) => Ok(forecast.amount),
        CachedForecast::NoData(message) => Err(failed(CostError::DataUnavailable(message), 0)),
        CachedForecast::Denied(message) => Err(failed(
            CostError::AccessDenied {
                operation: "GetCostForecast",
                message,
            },
            0,
        )),
    }))
}

/// Counts the `requests` a forecast took in today's ledger (failed ones too) and keeps its
/// answer, or a refusal that will not change within the TTL. Returns whether an entry was
/// stored (so a waiting ask of the same forecast can read it).
pub(crate) fn store(
    cache: &Cache,
    key: &str,
    got: &Result<Forecast, CostError>,
    requests: u32,
    now: DateTime<Utc>,
) -> Result<bool, CacheError> {
    let store = SpendStore::new(cache)?;
    store.record_requests(requests, now)?;
    let lasting = match got {
        Ok(forecast) => Some(CachedForecast::Answer(forecast.clone())),
        Err(CostError::DataUnavailable(message)) => Some(CachedForecast::NoData(message.clone())),
        Err(CostError::AccessDenied { message, .. }) => {
            Some(CachedForecast::Denied(message.clone()))
        }
        // Throttling, the network, the unexpected: worth asking again next time.
        Err(_) => None,
    };
    match lasting {
        Some(entry) => store.put_forecast(key, &entry, now).map(|()| true),
        None => Ok(false),
    }
}

/// A forecast Cost Explorer did not give, with the requests it cost.
pub(crate) fn failed(error: CostError, requests: u32) -> SpendError {
    SpendError::Cost(Failed { error, requests })
}
