//! The seam between spend logic and Cost Explorer: a trait the AWS code implements and tests
//! fake, and plain values for what it answers.

use chrono::NaiveDate;
use std::sync::Arc;

use futures::future::BoxFuture;
use serde::{Deserialize, Serialize};

use super::SpendQuery;

/// One group's amount in one period, as Cost Explorer reports it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CostGroup {
    /// The group's keys: `["cost-center$cc-1001"]` for a tag, `["Amazon SageMaker"]` for a
    /// service.
    pub keys: Vec<String>,
    pub amount: f64,
    pub unit: String,
}

/// One period (a day or a month) of an answer.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CostPeriod {
    pub start: NaiveDate,
    pub end: NaiveDate,
    /// Not final yet (Cost Explorer's `Estimated`).
    pub estimated: bool,
    pub groups: Vec<CostGroup>,
}

/// One page of `GetCostAndUsage`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct CostPage {
    pub periods: Vec<CostPeriod>,
    /// `None` on the last page.
    pub next_token: Option<String>,
}

/// `GetCostForecast`'s total for the rest of the month.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Forecast {
    pub amount: f64,
    pub unit: String,
}

/// Why Cost Explorer did not answer, phrased so the user knows what to do.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CostError {
    #[error(
        "access denied to ce:{operation}: grant it to the spend.account's role or user ({message})"
    )]
    AccessDenied {
        operation: &'static str,
        message: String,
    },
    #[error(
        "Cost Explorer request limit reached (LimitExceededException); retried with backoff and gave up"
    )]
    LimitExceeded,
    #[error("Cost Explorer has no data for this range yet ({0})")]
    DataUnavailable(String),
    #[error("{0}")]
    Credentials(String),
    /// `GetCostAndUsageWithResources` refused because resource-level data is not switched on.
    #[error(
        "Cost Explorer's resource-level data is off for SageMaker: turn on \"Daily granularity resource-level data\" for Amazon SageMaker in the payer account (Billing and Cost Management → Cost Management preferences → Cost Explorer; AWS bills it), or set `[spend] resource_costs = false` ({0})"
    )]
    ResourceLevelOff(String),
    #[error("Cost Explorer {operation} failed: {message}")]
    Other {
        operation: &'static str,
        message: String,
    },
}

/// Cost Explorer in one account, with that account's id.
pub type Connected = (Arc<dyn CostSource>, String);

/// The accounts sagescope connects (the fetch engine's), as far as spend needs them: Cost
/// Explorer with one account's credentials, and the ids of the accounts connected so far. A
/// trait so spend does not depend on the engine (the engine depends on spend's [`CostSource`]).
pub trait CostAccounts: Send + Sync {
    /// Cost Explorer in the configured account `name`, and that account's id; why not, as
    /// text a user can act on.
    fn cost_explorer<'a>(&'a self, name: &'a str) -> BoxFuture<'a, Result<Connected, String>>;

    /// `(name, id)` of every configured account connected so far.
    fn connected_ids(&self) -> Vec<(String, String)>;
}

/// Asks Cost Explorer. Each call is exactly one billed request.
pub trait CostSource: Send + Sync {
    /// One page of `GetCostAndUsage` for `query`.
    fn cost_and_usage<'a>(
        &'a self,
        query: &'a SpendQuery,
        next_token: Option<String>,
    ) -> BoxFuture<'a, Result<CostPage, CostError>>;

    /// `GetCostForecast` from `start` to `end` (exclusive) with the query's filters.
    fn forecast<'a>(
        &'a self,
        query: &'a SpendQuery,
        start: NaiveDate,
        end: NaiveDate,
    ) -> BoxFuture<'a, Result<Forecast, CostError>>;
}

/// Spend by tag from a source other than Cost Explorer (the CUR through Athena,
/// `spend.source = "cur"`): the Spend pane's main question, when it is a tag grouping
/// without filters. `None` for a question it does not answer (Cost Explorer does).
pub trait TagSpendSource: Send + Sync {
    fn answer<'a>(
        &'a self,
        query: &'a SpendQuery,
        now: chrono::DateTime<chrono::Utc>,
    ) -> BoxFuture<'a, Option<Result<super::SpendAnswer, String>>>;
}
