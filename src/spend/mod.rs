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
