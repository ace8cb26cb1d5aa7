//! Costs from the CUR 2.0 table (AWS Data Exports) through Athena: the invoice's own line
//! items, summed per resource.
//!
//! sagescope only sends one SELECT and pages its results; Athena does the scanning, which is
//! what lets this source cover an organization's whole bill. Every query is paid by the data
//! it scans ([`scan_cost_usd`]), so answers are kept in the cache for `[cur] ttl_hours`.
//!
//! - `sql`: the query text, with identifiers quoted and literals escaped (config is input).
//! - `query`: StartQueryExecution, GetQueryExecution polled with backoff, GetQueryResults
//!   paged, behind [`AthenaSource`] so tests drive it without AWS.
//! - `costs`: answer rows joined to the listed resources by ARN.

pub mod costs;
pub mod query;
pub mod sql;
pub mod tags;

use futures::future::BoxFuture;

pub use query::{QueryRun, run};

/// Athena's price: USD 5 per TB scanned, at least 10 MB per query.
pub const USD_PER_TB: f64 = 5.0;
/// The smallest scan Athena bills for one query.
pub const MIN_BILLED_BYTES: u64 = 10 * 1_000_000;

/// What one query cost: `bytes` scanned, rounded up to Athena's 10 MB minimum, at $5 per TB.
pub fn scan_cost_usd(bytes: u64) -> f64 {
    bytes.max(MIN_BILLED_BYTES) as f64 / 1e12 * USD_PER_TB
}

/// Where a query runs: the Glue database and table of the CUR 2.0 export, the workgroup and
/// the S3 location Athena writes its results to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct QueryPlace {
    pub database: String,
    pub workgroup: String,
    pub output_location: Option<String>,
}

/// Athena in `region` of `account` (else that account's first region, else us-east-1), as
/// every Athena query (the CUR's, the trail's) reaches it; why not, ready to show.
pub async fn athena_in(
    fetcher: &crate::fetch::JobFetcher,
    account: &str,
    region: Option<&str>,
) -> Result<std::sync::Arc<dyn AthenaSource>, String> {
    let link = fetcher
        .account_link(account)
        .await
        .map_err(|err| format!("account `{account}`: {err}"))?;
    let region = region
        .map(str::to_string)
        .or_else(|| link.regions().first().cloned())
        .unwrap_or_else(|| "us-east-1".to_string());
    link.athena_source(&region)
        .ok_or_else(|| "this account serves no Athena".to_string())
}

impl QueryPlace {
    /// Where `[cloudtrail] athena_table` says the trail's queries run.
    pub fn of_trail(table: &sagescope_core::config::TrailTable) -> Self {
        QueryPlace {
            database: table.database.clone(),
            workgroup: table.workgroup.clone(),
            output_location: table.output_location.clone(),
        }
    }

    /// Where `[cur]` says queries run.
    pub fn of(config: &sagescope_core::config::CurConfig) -> Self {
        QueryPlace {
            database: config.database.clone(),
            workgroup: config.workgroup.clone(),
            output_location: config.output_location.clone(),
        }
    }
}

/// A query's state as GetQueryExecution reports it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum QueryState {
    Queued,
    Running,
    Succeeded,
    Failed,
    Cancelled,
}

impl QueryState {
    /// Whether the query will not change any more.
    pub fn is_final(self) -> bool {
        matches!(
            self,
            QueryState::Succeeded | QueryState::Failed | QueryState::Cancelled
        )
    }
}

/// One GetQueryExecution answer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct QueryStatus {
    pub state: QueryState,
    /// `Status.StateChangeReason`: why it failed or was cancelled.
    pub reason: Option<String>,
    /// `Statistics.DataScannedInBytes`.
    pub scanned_bytes: Option<u64>,
}

/// One GetQueryResults page: rows of cells (`None` for SQL NULL). The first page's first
/// row is the header, as Athena returns it.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ResultPage {
    pub rows: Vec<Vec<Option<String>>>,
    pub next_token: Option<String>,
}

/// Why the CUR could not be read.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CurError {
    /// An Athena call was refused or did not reach AWS.
    #[error("Athena {operation}: {message}")]
    Call {
        operation: &'static str,
        message: String,
    },
    /// The query ran and failed (or was cancelled): Athena's reason, and the SQL it ran.
    #[error("the CUR query {state}: {reason}\n{sql}")]
    Query {
        state: &'static str,
        reason: String,
        sql: String,
    },
    /// The query did not finish in time; it is left to finish (or fail) in Athena.
    #[error("the CUR query {id} did not finish within {seconds} s")]
    Timeout { id: String, seconds: u64 },
    /// The answer is not shaped as the query asks.
    #[error("the CUR query answered unexpectedly: {0}")]
    Answer(String),
}

/// Athena with one account's credentials in one region. Each call is one AWS request.
pub trait AthenaSource: Send + Sync {
    /// StartQueryExecution: the query's id.
    fn start<'a>(
        &'a self,
        sql: &'a str,
        place: &'a QueryPlace,
    ) -> BoxFuture<'a, Result<String, CurError>>;
    /// GetQueryExecution.
    fn status<'a>(&'a self, id: &'a str) -> BoxFuture<'a, Result<QueryStatus, CurError>>;
    /// GetQueryResults, up to 1000 rows a page.
    fn results<'a>(
        &'a self,
        id: &'a str,
        next_token: Option<String>,
    ) -> BoxFuture<'a, Result<ResultPage, CurError>>;
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_scan_costs_five_dollars_a_terabyte_and_at_least_ten_megabytes() {
        assert!((scan_cost_usd(2_000_000_000_000) - 10.0).abs() < 1e-12);
        // 1 KB is billed as 10 MB: 10e6 / 1e12 × 5 = 0.00005 $.
        assert!((scan_cost_usd(1_000) - 0.000_05).abs() < 1e-15);
        assert!((scan_cost_usd(0) - scan_cost_usd(MIN_BILLED_BYTES)).abs() < 1e-15);
    }
}
