//! The resource-level question through the service's one cached path (see
//! [`crate::spend::resources`]).

use chrono::{DateTime, Duration, NaiveDate, Utc};

use super::super::resources::{self, ResourceCosts};
use super::super::store::CachedRefusal;
use super::super::{CostError, Failed, Freshness, SpendError, SpendQuery, SpendStore};
use super::{Notes, SpendService, Tally};
use sagescope_core::config::SpendConfig;

impl SpendService {
    /// Every SageMaker resource's cost over the 14 days of `query` (built by
    /// [`resources::query`]): from the cache within the spend TTL, else one
    /// `GetCostAndUsageWithResources` per page, counted in the ledger.
    pub async fn resource_costs(
        &self,
        query: &SpendQuery,
        force: bool,
        now: DateTime<Utc>,
        notes: Notes<'_>,
    ) -> Result<ResourceCosts, SpendError> {
        let freshness = self.freshness(force);
        // A refusal that lasts (opt-in off, no permission) is remembered for the TTL: the UI
        // refreshes every 30 s and each refused request is billed.
        let key = self.ask_for(freshness, now).key(query);
        if freshness == Freshness::WithinTtl {
            let (k, ttl) = (key.clone(), self.ttl);
            let kept = self
                .with_cache(move |cache| SpendStore::new(cache)?.fresh_refusal(&k, ttl, now))
                .await?;
            if let Some(refusal) = kept {
                return Err(refused(refusal));
            }
        }
        let mut tally = Tally::default();
        let answer = match self.ask(query, freshness, now, notes, &mut tally).await {
            Ok(answer) => answer,
            Err(SpendError::Cost(failed)) => {
                if let Some(refusal) = lasting(&failed.error) {
                    let put = self
                        .with_cache(move |cache| {
                            SpendStore::new(cache)?.put_refusal(&key, &refusal, now)
                        })
                        .await;
                    if let Err(err) = put {
                        tracing::warn!("cannot keep the resource-level refusal: {err}");
                    }
                }
                return Err(SpendError::Cost(failed));
            }
            Err(other) => return Err(other),
        };
        Ok(ResourceCosts {
            measured: resources::measured(query, &answer.rows),
            requests: answer.requests,
            pages: answer.pages,
            from_cache: answer.from_cache,
        })
    }

    /// Offline: the newest cached resource-level answer of the last 14 days, however old,
    /// without any request; `None` when none was cached.
    pub async fn cached_resource_costs(
        &self,
        spend: &SpendConfig,
        today: NaiveDate,
        now: DateTime<Utc>,
    ) -> Option<ResourceCosts> {
        let mut tally = Tally::default();
        for back in 0..resources::WINDOW_DAYS {
            let query = resources::query(spend, today - Duration::days(back));
            let cached = self
                .ask(&query, Freshness::AnyAge, now, &|_| {}, &mut tally)
                .await;
            if let Ok(answer) = cached {
                return Some(ResourceCosts {
                    measured: resources::measured(&query, &answer.rows),
                    requests: 0,
                    pages: answer.pages,
                    from_cache: true,
                });
            }
        }
        None
    }
}

/// The refusals that stay true for the TTL, as kept in the cache.
fn lasting(error: &CostError) -> Option<CachedRefusal> {
    match error {
        CostError::ResourceLevelOff(message) => {
            Some(CachedRefusal::ResourceLevelOff(message.clone()))
        }
        CostError::AccessDenied { message, .. } => {
            Some(CachedRefusal::AccessDenied(message.clone()))
        }
        _ => None,
    }
}

/// A kept refusal as the error it was, costing no request now.
fn refused(refusal: CachedRefusal) -> SpendError {
    let error = match refusal {
        CachedRefusal::ResourceLevelOff(message) => CostError::ResourceLevelOff(message),
        CachedRefusal::AccessDenied(message) => CostError::AccessDenied {
            operation: "GetCostAndUsageWithResources",
            message,
        },
    };
    SpendError::Cost(Failed { error, requests: 0 })
}
