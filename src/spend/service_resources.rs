//! The resource-level question through the service's one cached path (see
//! [`crate::spend::resources`]).

use chrono::{DateTime, Utc};

use super::super::resources::{self, ResourceCosts};
use super::super::{SpendError, SpendQuery};
use super::{Notes, SpendService, Tally};

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
}
