//! What changed between two refreshes: the timeline's entries, the alerts they raise, and the
//! last-seen state that lets a later refresh (or a restarted process) tell new from old.

use std::collections::{HashMap, HashSet};
use std::fmt;
use std::str::FromStr;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use super::{Job, ResourceKind, ScopeKey, StatusPhase};

/// What kind of change an [`Event`] records. Every kind but `StatusChanged` is an alert (a
/// toast, a `watch` line, the `[alerts] command`); `StatusChanged` only goes on the timeline.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum EventKind {
    JobFailed,
    JobStopped,
    JobCompleted,
    EndpointFailed,
    /// An in-service endpoint's IDLE health flag turned on.
    EndpointIdle,
    /// A resource that appeared since the last refresh (or whose tags changed) breaks the tag
    /// policy.
    NewUntagged,
    /// A `[[budgets]]` entry's month-to-date plus forecast went over its amount.
    BudgetForecastCrossed,
    /// Any other status change (a job that started, an endpoint back in service).
    StatusChanged,
}

impl EventKind {
    /// The kinds that alert, in the order the manual lists them (docs/src/events.md).
    pub const ALERTS: [EventKind; 7] = [
        EventKind::JobFailed,
        EventKind::JobStopped,
        EventKind::JobCompleted,
        EventKind::EndpointFailed,
        EventKind::EndpointIdle,
        EventKind::NewUntagged,
        EventKind::BudgetForecastCrossed,
    ];

    /// The spelling of exports, `watch` lines and `[alerts] events`.
    pub fn as_str(self) -> &'static str {
        match self {
            EventKind::JobFailed => "job_failed",
            EventKind::JobStopped => "job_stopped",
            EventKind::JobCompleted => "job_completed",
            EventKind::EndpointFailed => "endpoint_failed",
            EventKind::EndpointIdle => "endpoint_idle",
            EventKind::NewUntagged => "new_untagged",
            EventKind::BudgetForecastCrossed => "budget_forecast_crossed",
            EventKind::StatusChanged => "status_changed",
        }
    }

    pub fn is_alert(self) -> bool {
        self != EventKind::StatusChanged
    }

    /// The event a resource landing in its current status raises.
    pub fn of_status(job: &Job) -> EventKind {
        let phase = job.status.phase();
        match job.kind {
            ResourceKind::Training
            | ResourceKind::Processing
            | ResourceKind::Transform
            | ResourceKind::Tuning => match (phase, job.status.as_str()) {
                (StatusPhase::Failed, _) => EventKind::JobFailed,
                (_, "Stopped") => EventKind::JobStopped,
                (StatusPhase::Done, _) => EventKind::JobCompleted,
                _ => EventKind::StatusChanged,
            },
            ResourceKind::Endpoint if phase == StatusPhase::Failed => EventKind::EndpointFailed,
            // A component or a cluster that fails is a failure to alert on like a job's.
            ResourceKind::InferenceComponent | ResourceKind::HyperPodCluster
                if phase == StatusPhase::Failed =>
            {
                EventKind::JobFailed
            }
            _ => EventKind::StatusChanged,
        }
    }
}

impl fmt::Display for EventKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for EventKind {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        EventKind::ALERTS
            .into_iter()
            .chain([EventKind::StatusChanged])
            .find(|k| k.as_str() == s)
            .ok_or_else(|| s.to_string())
    }
}

/// One entry of the timeline, and the JSON line `watch` prints (fields in this order).
///
/// Budget events have no resource: `account_*`, `region` and `arn` are empty, `kind` is
/// `None`, `name` is the budget's `tag_key=tag_value`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Event {
    /// When the refresh that saw the change ran.
    pub at: DateTime<Utc>,
    pub event: EventKind,
    pub account_id: String,
    pub account_name: String,
    pub region: String,
    pub kind: Option<ResourceKind>,
    pub name: String,
    pub arn: String,
    pub status: Option<String>,
    /// `None` for a resource seen for the first time.
    pub previous_status: Option<String>,
    /// The failure reason, the tag problems, the budget's numbers.
    pub detail: Option<String>,
}

impl Event {
    /// An event about `job`: which resource, copied from its row, with what happened to it.
    pub fn about(
        job: &Job,
        at: DateTime<Utc>,
        event: EventKind,
        status: String,
        previous_status: Option<String>,
        detail: Option<String>,
    ) -> Event {
        Event {
            at,
            event,
            account_id: job.account_id.to_string(),
            account_name: job.account_name.to_string(),
            region: job.region.to_string(),
            kind: Some(job.kind),
            name: job.name.clone(),
            arn: job.arn.clone(),
            status: Some(status),
            previous_status,
            detail,
        }
    }
}

/// What the last refresh knew about one resource, to compare the next one with.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SeenResource {
    pub scope: ScopeKey,
    pub status: String,
    /// The IDLE flag when last measured; `None` before any complete CloudWatch answer.
    pub idle: Option<bool>,
    /// Whether it broke the tag policy when its tags were last checked; `None` before.
    pub untagged: Option<bool>,
    /// Seen in the first refresh of its scope: whatever was true of it then was already
    /// so, so a first measurement (idle, untagged) of it is not news.
    pub baseline: bool,
}

/// Everything the last refreshes saw, kept in the cache across restarts.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct SeenState {
    /// By ARN.
    pub resources: HashMap<String, SeenResource>,
    /// Scopes that a refresh has listed at least once: resources new in them are news.
    pub scopes: HashSet<ScopeKey>,
    /// Budgets by `tag_key=tag_value`: whether the forecast was over the amount.
    pub budgets: HashMap<String, bool>,
}

/// How one refresh changes the [`SeenState`]: only what differs, so a steady-state refresh
/// writes nothing.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct SeenChanges {
    pub upsert: Vec<(String, SeenResource)>,
    /// ARNs no longer listed in a scope that was listed.
    pub remove: Vec<String>,
    pub scopes: Vec<ScopeKey>,
    pub budgets: Vec<(String, bool)>,
}

impl SeenChanges {
    pub fn is_empty(&self) -> bool {
        self.upsert.is_empty()
            && self.remove.is_empty()
            && self.scopes.is_empty()
            && self.budgets.is_empty()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn kinds_round_trip_through_their_names() {
        for kind in EventKind::ALERTS
            .into_iter()
            .chain([EventKind::StatusChanged])
        {
            assert_eq!(kind.as_str().parse::<EventKind>(), Ok(kind));
            let json = serde_json::to_string(&kind).expect("serialises");
            assert_eq!(json, format!("\"{}\"", kind.as_str()));
        }
        assert!(!EventKind::StatusChanged.is_alert());
    }
}
