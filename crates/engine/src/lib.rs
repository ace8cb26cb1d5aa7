//! sagescope's engine: everything that reads, keeps and derives the data, headless. Fetching
//! (rate-limited, streamed scope by scope), the refresh session every front end drives, the
//! SQLite cache and its one writer, spend, organizations, logs, the CUR, events and exports.
//!
//! AWS is reached only through the source traits defined here (`fetch::source`,
//! `spend::CostSource`, `logs::LogSource`, `org::OrganizationSource`, `cur::AthenaSource`,
//! `metrics::MetricSource` in the core), which the `sagescope-aws` crate implements and tests
//! fake: this crate does not link the AWS SDK.

pub mod alerts;
pub mod cache;
pub mod creators;
pub mod cur;
pub mod events;
pub mod export;
pub mod fetch;
pub mod logs;
pub mod org;
pub mod refresh;
pub mod runtime;
pub mod session;
pub mod source;
pub mod spend;
pub mod store;
pub mod stream;
