use chrono::{DateTime, Utc};
use compact_str::CompactString;
use serde::{Deserialize, Serialize};

use super::{Compute, JobStatus, ResourceKind, Tags, TrainingBilling};

/// One SageMaker job, endpoint or notebook instance in one account and region.
///
/// Optional fields are `None` when AWS did not say (a list summary carries no instance type,
/// for example) rather than a guessed default, so exports can print `null` honestly.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Job {
    pub account_id: CompactString,
    pub account_name: CompactString,
    pub region: CompactString,
    pub kind: ResourceKind,
    pub name: String,
    pub arn: String,
    pub status: JobStatus,
    pub created_at: DateTime<Utc>,
    /// When the job ended (or the endpoint / notebook was last stopped); `None` while running.
    pub ended_at: Option<DateTime<Utc>>,
    /// When AWS last changed the resource, used to skip re-describing unchanged jobs.
    #[serde(default)]
    pub last_modified_at: Option<DateTime<Utc>>,
    pub instance_type: Option<CompactString>,
    pub instance_count: Option<u32>,
    pub failure_reason: Option<String>,
    /// Tags as last read; empty when the resource has none or they have not been read yet.
    #[serde(default)]
    pub tags: Tags,
    /// What a Studio app adds (its domain, owner and last user activity); `None` for every
    /// other kind. Boxed: every row would otherwise carry its 136 bytes, 13 MB at 100,000.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub app: Option<Box<AppInfo>>,
    /// What an inference component (its endpoint, copies, reserved compute) or a HyperPod
    /// cluster (its instance groups) adds; `None` for every other kind. Boxed like `app`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub compute: Option<Box<Compute>>,
    /// A training job's billed and trained seconds, once described; `None` for other kinds
    /// and for jobs not described yet.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub billing: Option<TrainingBilling>,
    /// When the event that last changed this row happened (the organization's event stream,
    /// `[stream]`); `None` when a listing wrote it last. Orders the next event against it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub streamed_at: Option<DateTime<Utc>>,
    /// Who created (stopped, deleted) it, from CloudTrail; `None` until known. Laid over
    /// every listing from the cache's `creators` table. Boxed like `app`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub created_by: Option<Box<super::Creator>>,
}

/// A Studio app's place and use: `ListApps` names the domain, the app type and the space or
/// user profile that owns it; `DescribeApp` adds when a user last used it (the idle test).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AppInfo {
    pub domain_id: String,
    /// `JupyterLab`, `CodeEditor`, `KernelGateway`, `JupyterServer`, ... as AWS spells it.
    pub app_type: String,
    /// The app's own name (`default` for most), unique only within its owner and type.
    pub app_name: String,
    /// Apps belong to a user profile (private) or to a space (Studio's newer apps).
    pub user_profile: Option<String>,
    pub space: Option<String>,
    /// `LastUserActivityTimestamp` as last described; `None` until described or when AWS
    /// does not say.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub last_activity_at: Option<DateTime<Utc>>,
}

impl AppInfo {
    /// `space:<name>` or `user:<name>`: who owns the app, for the detail view and the row name.
    pub fn owner(&self) -> String {
        match (&self.space, &self.user_profile) {
            (Some(space), _) => format!("space:{space}"),
            (None, Some(user)) => format!("user:{user}"),
            (None, None) => "-".to_string(),
        }
    }
}

/// `LastModifiedTime|Status`: changes whenever AWS changes the resource, so what was read
/// about a resource (its details, its tags) stays valid while its marker does.
pub fn change_marker(last_modified_at: Option<DateTime<Utc>>, status: &JobStatus) -> String {
    let modified = last_modified_at
        .map(|t| t.to_rfc3339())
        .unwrap_or_else(|| "-".into());
    format!("{modified}|{status}")
}

impl Job {
    /// The Jobs pane's default order: newest first, ties by ARN. The cache writes its head
    /// (the rows start-up shows first) in this order, so the two agree.
    pub fn newest_first(a: &Job, b: &Job) -> std::cmp::Ordering {
        b.created_at
            .cmp(&a.created_at)
            .then_with(|| a.arn.cmp(&b.arn))
    }

    /// How long the job ran, or has been running as of `now`.
    pub fn duration(&self, now: DateTime<Utc>) -> chrono::Duration {
        let end = self.ended_at.unwrap_or(now);
        (end - self.created_at).max(chrono::Duration::zero())
    }
}

#[cfg(any(test, feature = "testing"))]
impl Job {
    /// A training job in progress in account `dev` (111111111111), us-east-1, named after
    /// the last part of `arn`, with nothing described: the base unit tests vary.
    pub fn in_progress_for_tests(arn: &str, created_at: DateTime<Utc>) -> Job {
        Job {
            account_id: "111111111111".into(),
            account_name: "dev".into(),
            region: "us-east-1".into(),
            kind: ResourceKind::Training,
            name: arn.rsplit('/').next().unwrap_or(arn).into(),
            arn: arn.into(),
            status: JobStatus::from("InProgress"),
            created_at,
            ended_at: None,
            last_modified_at: None,
            instance_type: None,
            instance_count: None,
            failure_reason: None,
            tags: Tags::new(),
            app: None,
            compute: None,
            billing: None,
            streamed_at: None,
            created_by: None,
        }
    }
}

#[cfg(test)]
mod tests {
    use chrono::TimeZone;

    use super::*;

    fn job(ended: Option<DateTime<Utc>>) -> Job {
        let created = Utc
            .with_ymd_and_hms(2026, 1, 1, 10, 0, 0)
            .single()
            .expect("valid");
        let mut job = Job::in_progress_for_tests("arn", created);
        job.ended_at = ended;
        job
    }

    #[test]
    fn duration_runs_to_now_while_active_and_to_the_end_after() {
        let now = Utc
            .with_ymd_and_hms(2026, 1, 1, 12, 30, 0)
            .single()
            .expect("valid");
        assert_eq!(job(None).duration(now).num_minutes(), 150);
        let end = Utc
            .with_ymd_and_hms(2026, 1, 1, 11, 0, 0)
            .single()
            .expect("valid");
        assert_eq!(job(Some(end)).duration(now).num_minutes(), 60);
    }
}
