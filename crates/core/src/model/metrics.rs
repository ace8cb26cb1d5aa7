//! Utilisation series of running resources as sagescope keeps them: what was asked of
//! CloudWatch for a resource and what came back. Plain data, shared by the views, the cache and
//! the exports; asking for it is `crate::metrics`' job.

use std::collections::BTreeMap;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use super::{Job, ResourceKind, StatusPhase};

/// One data point: when, and the value CloudWatch reported for the period starting then.
pub type Point = (DateTime<Utc>, f64);

/// The metrics sagescope reads.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub enum MetricName {
    /// Percent, summed over vCPUs (0 to 100 × vCPUs).
    CpuUtilization,
    /// Percent, summed over GPUs (0 to 100 × GPUs).
    GpuUtilization,
    /// Percent, summed over GPUs.
    GpuMemoryUtilization,
    /// Percent of host memory (0 to 100).
    MemoryUtilization,
    /// Requests an endpoint variant served in the period.
    Invocations,
}

impl MetricName {
    pub const ALL: [MetricName; 5] = [
        MetricName::CpuUtilization,
        MetricName::GpuUtilization,
        MetricName::GpuMemoryUtilization,
        MetricName::MemoryUtilization,
        MetricName::Invocations,
    ];

    /// The CloudWatch metric name.
    pub fn cloudwatch_name(self) -> &'static str {
        match self {
            MetricName::CpuUtilization => "CPUUtilization",
            MetricName::GpuUtilization => "GPUUtilization",
            MetricName::GpuMemoryUtilization => "GPUMemoryUtilization",
            MetricName::MemoryUtilization => "MemoryUtilization",
            MetricName::Invocations => "Invocations",
        }
    }

    /// A short label for sparklines and query ids (lower-case ASCII letters only).
    pub fn short(self) -> &'static str {
        match self {
            MetricName::CpuUtilization => "cpu",
            MetricName::GpuUtilization => "gpu",
            MetricName::GpuMemoryUtilization => "gpumem",
            MetricName::MemoryUtilization => "mem",
            MetricName::Invocations => "inv",
        }
    }
}

/// A running resource whose metrics are wanted.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum MetricTarget {
    /// A training job: hosts `<name>/algo-1` … `<name>/algo-<instance_count>`.
    TrainingJob {
        name: String,
        instance_count: u32,
        instance_type: Option<String>,
    },
    /// An endpoint and its production variants (from `DescribeEndpoint`; CloudWatch keys
    /// endpoint metrics by variant, and there is no default name to assume).
    Endpoint {
        name: String,
        variants: Vec<String>,
        instance_type: Option<String>,
    },
}

impl MetricTarget {
    /// The target for a running training job, or `None` for anything else.
    ///
    /// Endpoints need their variant names, which a [`Job`] does not carry: build those with
    /// [`MetricTarget::Endpoint`] from the endpoint's description.
    pub fn training(job: &Job) -> Option<MetricTarget> {
        (job.kind == ResourceKind::Training && job.status.phase() == StatusPhase::Running).then(
            || MetricTarget::TrainingJob {
                name: job.name.clone(),
                instance_count: job.instance_count.unwrap_or(1).max(1),
                instance_type: job.instance_type.clone().map(Into::into),
            },
        )
    }

    /// The target for an in-service endpoint with the production variant names from its
    /// `DescribeEndpoint`, or `None` for anything else (or no variants).
    pub fn endpoint(job: &Job, variants: Vec<String>) -> Option<MetricTarget> {
        (job.kind == ResourceKind::Endpoint
            && job.status.phase() == StatusPhase::Running
            && !variants.is_empty())
        .then(|| MetricTarget::Endpoint {
            name: job.name.clone(),
            variants,
            instance_type: job.instance_type.clone().map(Into::into),
        })
    }

    pub fn name(&self) -> &str {
        match self {
            MetricTarget::TrainingJob { name, .. } | MetricTarget::Endpoint { name, .. } => name,
        }
    }

    pub fn kind(&self) -> ResourceKind {
        match self {
            MetricTarget::TrainingJob { .. } => ResourceKind::Training,
            MetricTarget::Endpoint { .. } => ResourceKind::Endpoint,
        }
    }

    pub fn instance_type(&self) -> Option<&str> {
        match self {
            MetricTarget::TrainingJob { instance_type, .. }
            | MetricTarget::Endpoint { instance_type, .. } => instance_type.as_deref(),
        }
    }

    /// The hosts (`algo-1` …) of a training job, or the variant names of an endpoint.
    pub fn members(&self) -> Vec<String> {
        match self {
            MetricTarget::TrainingJob { instance_count, .. } => {
                (1..=*instance_count).map(|n| format!("algo-{n}")).collect()
            }
            MetricTarget::Endpoint { variants, .. } => variants.clone(),
        }
    }
}

/// The series of one host of a training job, or one variant of an endpoint.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct MemberSeries {
    /// `algo-1` … for training jobs, the variant name for endpoints.
    pub member: String,
    /// Oldest point first. A metric that was asked for and has no data maps to an empty
    /// series; one that was not asked for (GPU on a CPU-only type) is absent.
    pub series: BTreeMap<MetricName, Vec<Point>>,
}

/// Everything fetched for one target.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ResourceMetrics {
    pub target: MetricTarget,
    pub members: Vec<MemberSeries>,
    /// When the windows ended.
    pub as_of: DateTime<Utc>,
    /// False when CloudWatch said some series are incomplete (a query failed or was cut
    /// short); flags that would follow from missing data are then not raised.
    pub complete: bool,
}

impl ResourceMetrics {
    /// Every member's series for `metric`, for averaging across hosts.
    pub fn series(&self, metric: MetricName) -> impl Iterator<Item = &[Point]> {
        self.members
            .iter()
            .filter_map(move |m| m.series.get(&metric).map(Vec::as_slice))
    }

    /// Whether `metric` was asked for at all (on any member).
    pub fn has(&self, metric: MetricName) -> bool {
        self.members.iter().any(|m| m.series.contains_key(&metric))
    }

    /// Whether this is the metrics of `job` (same kind and name; the caller keeps account and
    /// region apart, since one source serves one account-region).
    pub fn is_for(&self, job: &Job) -> bool {
        self.target.kind() == job.kind && self.target.name() == job.name
    }
}

/// A job's metrics, keyed by the job's ARN (unique across accounts and regions, which a
/// target's kind and name alone are not).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct JobMetrics {
    pub arn: String,
    pub metrics: ResourceMetrics,
}

#[cfg(test)]
mod tests {
    use chrono::TimeZone;

    use super::*;
    use crate::model::{JobStatus, Tags};

    fn job(kind: ResourceKind, status: &str, count: Option<u32>) -> Job {
        Job {
            account_id: "1".into(),
            account_name: "dev".into(),
            region: "us-east-1".into(),
            kind,
            name: "train-1".into(),
            arn: "arn".into(),
            status: JobStatus::from(status),
            created_at: Utc
                .with_ymd_and_hms(2026, 1, 1, 0, 0, 0)
                .single()
                .expect("valid"),
            ended_at: None,
            last_modified_at: None,
            instance_type: Some("ml.g5.2xlarge".into()),
            instance_count: count,
            failure_reason: None,
            tags: Tags::new(),
            app: None,
            compute: None,
            billing: None,
            streamed_at: None,
            created_by: None,
        }
    }

    #[test]
    fn a_running_training_job_targets_one_host_per_instance() {
        let target = MetricTarget::training(&job(ResourceKind::Training, "InProgress", Some(3)))
            .expect("running training job");
        assert_eq!(target.members(), vec!["algo-1", "algo-2", "algo-3"]);
        assert_eq!(target.instance_type(), Some("ml.g5.2xlarge"));
        assert_eq!(target.kind(), ResourceKind::Training);
    }

    #[test]
    fn only_running_training_jobs_become_training_targets() {
        assert!(
            MetricTarget::training(&job(ResourceKind::Training, "Completed", Some(1))).is_none()
        );
        assert!(
            MetricTarget::training(&job(ResourceKind::Endpoint, "InService", Some(1))).is_none()
        );
        let unknown_count =
            MetricTarget::training(&job(ResourceKind::Training, "InProgress", None))
                .expect("target");
        assert_eq!(
            unknown_count.members(),
            vec!["algo-1"],
            "every job has algo-1"
        );
    }

    #[test]
    fn only_in_service_endpoints_with_variants_become_endpoint_targets() {
        let ep = job(ResourceKind::Endpoint, "InService", Some(2));
        let target =
            MetricTarget::endpoint(&ep, vec!["AllTraffic".into()]).expect("in-service endpoint");
        assert_eq!(target.members(), vec!["AllTraffic"]);
        assert_eq!(target.kind(), ResourceKind::Endpoint);
        assert!(MetricTarget::endpoint(&ep, Vec::new()).is_none());
        let creating = job(ResourceKind::Endpoint, "Creating", Some(2));
        assert!(MetricTarget::endpoint(&creating, vec!["a".into()]).is_none());
    }

    #[test]
    fn short_names_are_valid_query_id_parts() {
        for metric in MetricName::ALL {
            assert!(metric.short().chars().all(|c| c.is_ascii_lowercase()));
        }
    }
}
