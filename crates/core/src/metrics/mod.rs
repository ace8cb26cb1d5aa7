//! Utilisation metrics of running resources: what to ask CloudWatch, and the plain series
//! that come back.
//!
//! The rest of sagescope sees only the types in this file and the [`MetricSource`] trait:
//! the CloudWatch implementation lives behind the AWS boundary (`sagescope_aws`) with its SDK
//! types, tests inject fakes, and `--demo` uses [`demo::synthesize`].

pub mod demo;
pub mod query;

use chrono::{DateTime, Utc};
use futures::future::BoxFuture;

pub use crate::model::{
    JobMetrics, MemberSeries, MetricName, MetricTarget, Point, ResourceMetrics,
};

/// Why metrics could not be fetched.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum MetricsError {
    #[error("CloudWatch GetMetricData failed: {0}")]
    Request(String),
}

/// What a source has asked CloudWatch for since it was made: a plain count, so the fetcher
/// can price a refresh without knowing which source it talked to.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Usage {
    /// `GetMetricData` calls, pages included.
    pub requests: u64,
    /// Metrics requested, summed over calls: what CloudWatch bills
    /// (see [`query::USD_PER_METRIC_REQUESTED`]).
    pub metrics: u64,
}

/// Where metrics come from: CloudWatch in one account and region, a fake in tests.
///
/// Object-safe so the fetcher can hold `Arc<dyn MetricSource>` per account-region.
pub trait MetricSource: Send + Sync {
    /// Fetches every metric of every target over the windows ending at `now`, one
    /// [`ResourceMetrics`] per target in the order given.
    fn fetch<'a>(
        &'a self,
        targets: &'a [MetricTarget],
        now: DateTime<Utc>,
    ) -> BoxFuture<'a, Result<Vec<ResourceMetrics>, MetricsError>>;

    /// What this source has asked CloudWatch for since it was made, so a refresh can say
    /// what it cost. Fakes that call nothing keep the default.
    fn usage(&self) -> Usage {
        Usage::default()
    }
}
