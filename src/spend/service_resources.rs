//! The resource-level question through the service's one cached path (see
//! [`crate::spend::resources`]).

use chrono::{DateTime, Duration, NaiveDate, Utc};

use super::super::resources::{self, ResourceCosts};
use super::super::{Freshness, SpendError, SpendQuery};
use super::{Notes, SpendService, Tally};
use crate::config::SpendConfig;

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
        let mut tally = Tally::default();
        let freshness = self.freshness(force);
        let answer = self.ask(query, freshness, now, notes, &mut tally).await?;
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
