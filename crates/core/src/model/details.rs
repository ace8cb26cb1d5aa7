//! What a refresh read about resources beyond their list summaries, kept between refreshes so
//! an unchanged resource is never described twice.

use std::collections::HashMap;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use super::Job;

/// The describe cache: ARN to the details last read, with the version they belong to.
pub type DescribeCache = HashMap<String, Described>;

/// Details read by a Describe call, valid while the resource's version is unchanged.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Described {
    /// `LastModifiedTime|Status` when described: a new value means describe again.
    pub version: String,
    pub instance_type: Option<String>,
    pub instance_count: Option<u32>,
    pub failure_reason: Option<String>,
    /// An endpoint's production variant names, for its CloudWatch metrics. `None` for other
    /// kinds, and for endpoints described by a build that did not keep them (those are
    /// described once more).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub variants: Option<Vec<String>>,
    /// A Studio app's `LastUserActivityTimestamp`, and when it was read: activity moves on
    /// without the app's status changing, so an in-service app's answer is read again once it
    /// is older than [`ACTIVITY_MAX_AGE_MINUTES`].
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub last_activity_at: Option<DateTime<Utc>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub read_at: Option<DateTime<Utc>>,
    /// An inference component's copies and reserved compute, or a HyperPod cluster's nodes.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub compute: Option<super::Compute>,
    /// A training job's billed seconds (what the `billable-time` cost is computed from).
    /// Jobs described by a build that did not keep them stay without until they change.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub billing: Option<super::TrainingBilling>,
}

/// How old an in-service Studio app's `DescribeApp` answer may be before it is read again.
pub const ACTIVITY_MAX_AGE_MINUTES: i64 = 30;

/// How old an in-service HyperPod cluster's node list may be before it is read again: a
/// failed node shows within this many minutes, at one `ListClusterNodes` per cluster.
pub const NODES_MAX_AGE_MINUTES: i64 = 5;

/// What sagescope knew before this refresh: the previous jobs and the describe cache.
///
/// Both make steady-state refreshes cheap; an empty one (first run) simply lists everything.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct KnownState {
    pub jobs: Vec<Job>,
    pub describes: DescribeCache,
}
