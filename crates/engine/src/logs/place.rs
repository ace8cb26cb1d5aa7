//! Where SageMaker writes each kind's logs: the log group, and the prefix its streams share.

use sagescope_core::model::{Job, ResourceKind};

/// A resource's log group and the prefix of its streams in that group.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LogPlace {
    pub group: String,
    /// Empty when the group is the resource's own (endpoints).
    pub prefix: String,
}

/// Where a resource logs: SageMaker's documented groups and stream names.
///
/// - training: `/aws/sagemaker/TrainingJobs`, `<job>/algo-<n>-<epoch>` (one per host);
/// - processing: `/aws/sagemaker/ProcessingJobs`, `<job>/algo-<n>-<epoch>`;
/// - transform: `/aws/sagemaker/TransformJobs`, `<job>/<instance-id>-<epoch>`;
/// - tuning: its trials are training jobs named `<tuning-job>-<nnn>-<id>`;
/// - endpoint: its own group `/aws/sagemaker/Endpoints/<endpoint>`, `<variant>/<instance-id>`;
/// - notebook: `/aws/sagemaker/NotebookInstances`, `<notebook>/jupyter.log` and friends.
///
/// The `/` after a job's name keeps `job-1` from matching `job-10`'s streams. Studio
/// domains and user profiles have no logs of their own.
pub fn place(kind: ResourceKind, name: &str) -> Option<LogPlace> {
    let (group, prefix) = match kind {
        ResourceKind::Training => ("/aws/sagemaker/TrainingJobs".into(), format!("{name}/")),
        ResourceKind::Processing => ("/aws/sagemaker/ProcessingJobs".into(), format!("{name}/")),
        ResourceKind::Transform => ("/aws/sagemaker/TransformJobs".into(), format!("{name}/")),
        ResourceKind::Tuning => ("/aws/sagemaker/TrainingJobs".into(), format!("{name}-")),
        ResourceKind::Endpoint => (format!("/aws/sagemaker/Endpoints/{name}"), String::new()),
        ResourceKind::Notebook => (
            "/aws/sagemaker/NotebookInstances".into(),
            format!("{name}/"),
        ),
        // Studio (domains, profiles, spaces, apps) and the tag-only kinds have no log group
        // of their own here; a component logs into its endpoint's group (open the endpoint),
        // a cluster into a group named by its id, which no listing gives.
        ResourceKind::App
        | ResourceKind::InferenceComponent
        | ResourceKind::HyperPodCluster
        | ResourceKind::Domain
        | ResourceKind::UserProfile
        | ResourceKind::Space
        | ResourceKind::Model
        | ResourceKind::EndpointConfig
        | ResourceKind::Pipeline
        | ResourceKind::ModelPackageGroup
        | ResourceKind::FeatureGroup
        | ResourceKind::Experiment => return None,
    };
    Some(LogPlace { group, prefix })
}

/// One resource's logs: whose credentials read them, where, and what they belong to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LogTarget {
    /// The configured account's name (whose credentials read the logs).
    pub account: String,
    pub account_id: String,
    pub region: String,
    pub kind: ResourceKind,
    pub name: String,
    pub place: LogPlace,
}

impl LogTarget {
    /// The logs of a listed resource, if its kind has any.
    pub fn of(job: &Job) -> Option<LogTarget> {
        Some(LogTarget {
            account: job.account_name.to_string(),
            account_id: job.account_id.to_string(),
            region: job.region.to_string(),
            kind: job.kind,
            name: job.name.clone(),
            place: place(job.kind, &job.name)?,
        })
    }

    /// A stream's name without the resource's prefix (`algo-1-1700000000` for a training
    /// host), for labels where the resource is already named.
    pub fn short<'a>(&self, stream: &'a str) -> &'a str {
        stream.strip_prefix(&self.place.prefix).unwrap_or(stream)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_kind_logs_where_sagemaker_writes() {
        let training = place(ResourceKind::Training, "bert").expect("training logs");
        assert_eq!(training.group, "/aws/sagemaker/TrainingJobs");
        assert_eq!(training.prefix, "bert/");
        let endpoint = place(ResourceKind::Endpoint, "prod").expect("endpoint logs");
        assert_eq!(endpoint.group, "/aws/sagemaker/Endpoints/prod");
        assert_eq!(endpoint.prefix, "");
        assert_eq!(
            place(ResourceKind::Notebook, "nb").map(|p| p.group),
            Some("/aws/sagemaker/NotebookInstances".to_string())
        );
        assert_eq!(
            place(ResourceKind::Processing, "p").map(|p| p.group),
            Some("/aws/sagemaker/ProcessingJobs".to_string())
        );
        assert_eq!(
            place(ResourceKind::Transform, "t").map(|p| p.group),
            Some("/aws/sagemaker/TransformJobs".to_string())
        );
        assert_eq!(
            place(ResourceKind::Tuning, "hpo").map(|p| p.prefix),
            Some("hpo-".to_string())
        );
        assert!(place(ResourceKind::Domain, "d").is_none());
    }
}
