use std::fmt;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use super::{Job, JobMetrics, SpendRow, TagFinding};

/// Where the data on screen or in an export came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum DataSource {
    /// Fetched from AWS just now.
    Live,
    /// Read back from the local cache.
    Cache,
    /// The built-in demo world.
    Demo,
}

impl DataSource {
    pub fn as_str(self) -> &'static str {
        match self {
            DataSource::Live => "live",
            DataSource::Cache => "cache",
            DataSource::Demo => "demo",
        }
    }
}

impl fmt::Display for DataSource {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A failure confined to one account (and possibly one region or kind): the rest of the data
/// stands.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct FetchError {
    /// The account's configured name.
    pub account: String,
    /// The region, when the failure was specific to one.
    pub region: Option<String>,
    /// The kind, when the failure was specific to one (a List call that failed).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub kind: Option<super::ResourceKind>,
    /// Whether the rows of what failed are the last good ones, not this refresh's (the list
    /// failed); `false` when only details or metrics are missing.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub stale: bool,
    pub message: String,
}

impl FetchError {
    /// Whether this failure left `job` as the last good refresh saw it.
    pub fn leaves_stale(&self, job: &super::Job) -> bool {
        self.stale
            && self.account == job.account_name
            && self.region.as_ref().is_none_or(|r| *r == job.region)
            && self.kind.is_none_or(|k| k == job.kind)
    }
}

impl fmt::Display for FetchError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.region {
            Some(region) => write!(f, "{} {}: {}", self.account, region, self.message),
            None => write!(f, "{}: {}", self.account, self.message),
        }
    }
}

/// The rows of one view with their own age and failures.
///
/// Views refresh on different clocks (jobs every few seconds, spend a few times a day), so each
/// carries its own `as_of` instead of pretending the whole snapshot is equally fresh.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct View<T> {
    pub as_of: DateTime<Utc>,
    pub errors: Vec<FetchError>,
    pub rows: Vec<T>,
}

impl<T> View<T> {
    pub fn new(as_of: DateTime<Utc>, rows: Vec<T>, errors: Vec<FetchError>) -> Self {
        View {
            as_of,
            errors,
            rows,
        }
    }

    /// Whether some accounts or regions failed while the rest loaded.
    pub fn is_partial(&self) -> bool {
        !self.errors.is_empty()
    }
}

/// Everything sagescope knows at one moment: jobs, spend and tag findings.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Snapshot {
    pub source: DataSource,
    pub jobs: View<super::Job>,
    pub spend: View<SpendRow>,
    pub findings: View<TagFinding>,
    /// Utilisation of running jobs and endpoints. Refreshed on its own slower clock and not
    /// part of the snapshot's overall age: without it, only the metric columns go blank.
    pub metrics: View<JobMetrics>,
}

impl Snapshot {
    /// The metrics of the job with `arn`, if any were fetched.
    pub fn metrics_for(&self, arn: &str) -> Option<&super::ResourceMetrics> {
        self.metrics
            .rows
            .iter()
            .find(|m| m.arn == arn)
            .map(|m| &m.metrics)
    }

    /// Gives each finding its resource's creator, from the jobs rows (findings are stored
    /// without it: the creator is the row's, kept with the jobs).
    pub fn join_creators(&mut self) {
        let created: std::collections::HashMap<&str, &super::Creator> = self
            .jobs
            .rows
            .iter()
            .filter_map(|job| Some((job.arn.as_str(), job.created_by.as_deref()?)))
            .collect();
        for finding in &mut self.findings.rows {
            finding.created_by = created
                .get(finding.arn.as_str())
                .map(|c| Box::new((*c).clone()));
        }
    }

    /// The age of the oldest of jobs, spend and findings: the honest "as of" for the snapshot.
    pub fn as_of(&self) -> DateTime<Utc> {
        self.jobs
            .as_of
            .min(self.spend.as_of)
            .min(self.findings.as_of)
    }

    /// An empty snapshot, e.g. before the first fetch.
    pub fn empty(source: DataSource, as_of: DateTime<Utc>) -> Self {
        Snapshot {
            source,
            jobs: View::new(as_of, Vec::<Job>::new(), Vec::new()),
            spend: View::new(as_of, Vec::new(), Vec::new()),
            findings: View::new(as_of, Vec::new(), Vec::new()),
            metrics: View::new(as_of, Vec::new(), Vec::new()),
        }
    }
}
