use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

/// The kinds of SageMaker resource sagescope looks at.
///
/// The first nine are the "jobs" the Jobs pane lists (Studio apps bill by the hour like
/// notebook instances, HyperPod clusters by their nodes' hours; inference components run on
/// their endpoint's instances); Studio domains and user profiles only appear in tag hygiene, because
/// they carry the tags that Studio propagates to what users start. The kinds after them
/// ([`ResourceKind::TAG_ONLY`]) are checked for tag hygiene only: AWS's tagging guidance names
/// them, and they bill nothing by the hour of their own.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum ResourceKind {
    Training,
    Processing,
    Transform,
    Tuning,
    Endpoint,
    Notebook,
    App,
    InferenceComponent,
    #[serde(rename = "hyperpod-cluster")]
    HyperPodCluster,
    Domain,
    UserProfile,
    Model,
    EndpointConfig,
    Pipeline,
    ModelPackageGroup,
    FeatureGroup,
    Experiment,
    Space,
}

impl ResourceKind {
    /// The kinds shown in the Jobs pane, in display order.
    pub const JOB_KINDS: [ResourceKind; 9] = [
        ResourceKind::Training,
        ResourceKind::Processing,
        ResourceKind::Transform,
        ResourceKind::Tuning,
        ResourceKind::Endpoint,
        ResourceKind::Notebook,
        ResourceKind::App,
        ResourceKind::InferenceComponent,
        ResourceKind::HyperPodCluster,
    ];

    /// The kinds only the tag pass lists (Studio domains and user profiles included).
    pub const TAG_ONLY: [ResourceKind; 9] = [
        ResourceKind::Domain,
        ResourceKind::UserProfile,
        ResourceKind::Model,
        ResourceKind::EndpointConfig,
        ResourceKind::Pipeline,
        ResourceKind::ModelPackageGroup,
        ResourceKind::FeatureGroup,
        ResourceKind::Experiment,
        ResourceKind::Space,
    ];

    /// Every kind, in display order: the Jobs pane's, then the tag-only ones.
    pub const ALL: [ResourceKind; 18] = {
        let mut all = [ResourceKind::Training; 18];
        let mut i = 0;
        while i < Self::JOB_KINDS.len() {
            all[i] = Self::JOB_KINDS[i];
            i += 1;
        }
        while i < all.len() {
            all[i] = Self::TAG_ONLY[i - Self::JOB_KINDS.len()];
            i += 1;
        }
        all
    };

    /// The stable spelling used in exports, the cache and the CLI.
    pub fn as_str(self) -> &'static str {
        match self {
            ResourceKind::Training => "training",
            ResourceKind::Processing => "processing",
            ResourceKind::Transform => "transform",
            ResourceKind::Tuning => "tuning",
            ResourceKind::Endpoint => "endpoint",
            ResourceKind::Notebook => "notebook",
            ResourceKind::App => "app",
            ResourceKind::InferenceComponent => "inference-component",
            ResourceKind::HyperPodCluster => "hyperpod-cluster",
            ResourceKind::Domain => "domain",
            ResourceKind::UserProfile => "user-profile",
            ResourceKind::Model => "model",
            ResourceKind::EndpointConfig => "endpoint-config",
            ResourceKind::Pipeline => "pipeline",
            ResourceKind::ModelPackageGroup => "model-package-group",
            ResourceKind::FeatureGroup => "feature-group",
            ResourceKind::Experiment => "experiment",
            ResourceKind::Space => "space",
        }
    }

    /// The kind's name after its indefinite article, for sentences: "an app", "an
    /// endpoint", "a training" (spelled out per kind: "a user-profile" starts with a vowel
    /// letter but not a vowel sound).
    pub fn with_article(self) -> String {
        let article = match self {
            ResourceKind::App
            | ResourceKind::Endpoint
            | ResourceKind::EndpointConfig
            | ResourceKind::InferenceComponent
            | ResourceKind::Experiment => "an",
            ResourceKind::Training
            | ResourceKind::Processing
            | ResourceKind::Transform
            | ResourceKind::Tuning
            | ResourceKind::Notebook
            | ResourceKind::HyperPodCluster
            | ResourceKind::Domain
            | ResourceKind::UserProfile
            | ResourceKind::Model
            | ResourceKind::Pipeline
            | ResourceKind::ModelPackageGroup
            | ResourceKind::FeatureGroup
            | ResourceKind::Space => "a",
        };
        format!("{article} {}", self.as_str())
    }

    /// Whether the Jobs pane lists this kind.
    pub fn is_job(self) -> bool {
        Self::JOB_KINDS.contains(&self)
    }

    /// Whether resources of this kind run once and end for good (training, processing,
    /// transform and tuning jobs): once finished they never change again.
    pub fn finishes(self) -> bool {
        matches!(
            self,
            ResourceKind::Training
                | ResourceKind::Processing
                | ResourceKind::Transform
                | ResourceKind::Tuning
        )
    }

    /// The ARN resource-type segment SageMaker uses for this kind
    /// (`arn:aws:sagemaker:<region>:<account>:<segment>/<name>`).
    pub fn arn_segment(self) -> &'static str {
        match self {
            ResourceKind::Training => "training-job",
            ResourceKind::Processing => "processing-job",
            ResourceKind::Transform => "transform-job",
            ResourceKind::Tuning => "hyper-parameter-tuning-job",
            ResourceKind::Notebook => "notebook-instance",
            ResourceKind::HyperPodCluster => "cluster",
            // The rest are spelt in ARNs as in exports.
            _ => self.as_str(),
        }
    }
}

impl fmt::Display for ResourceKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A kind name that sagescope does not know.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error(
    "unknown resource kind `{0}` (expected one of: training, processing, transform, tuning, endpoint, notebook, app, inference-component, hyperpod-cluster, domain, user-profile, model, endpoint-config, pipeline, model-package-group, feature-group, experiment, space)"
)]
pub struct ParseKindError(pub String);

impl FromStr for ResourceKind {
    type Err = ParseKindError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        ResourceKind::ALL
            .into_iter()
            .find(|kind| kind.as_str().eq_ignore_ascii_case(s))
            .ok_or_else(|| ParseKindError(s.to_string()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn kinds_take_the_article_they_are_said_with() {
        assert_eq!(ResourceKind::App.with_article(), "an app");
        assert_eq!(ResourceKind::Endpoint.with_article(), "an endpoint");
        assert_eq!(
            ResourceKind::InferenceComponent.with_article(),
            "an inference-component"
        );
        assert_eq!(ResourceKind::Experiment.with_article(), "an experiment");
        assert_eq!(ResourceKind::Training.with_article(), "a training");
        assert_eq!(ResourceKind::UserProfile.with_article(), "a user-profile");
        assert_eq!(
            ResourceKind::HyperPodCluster.with_article(),
            "a hyperpod-cluster"
        );
    }

    #[test]
    fn every_kind_round_trips_through_its_name() {
        for kind in ResourceKind::ALL {
            assert_eq!(kind.as_str().parse::<ResourceKind>(), Ok(kind));
            let json = serde_json::to_string(&kind).expect("kind serialises");
            assert_eq!(json, format!("\"{}\"", kind.as_str()));
        }
    }

    #[test]
    fn all_is_every_kind_once_in_declaration_order() {
        let mut sorted = ResourceKind::ALL.to_vec();
        sorted.sort();
        sorted.dedup();
        assert_eq!(sorted, ResourceKind::ALL.to_vec());
        assert_eq!(
            ResourceKind::ALL.len(),
            ResourceKind::JOB_KINDS.len() + ResourceKind::TAG_ONLY.len()
        );
    }

    #[test]
    fn arn_segments_are_sagemakers() {
        assert_eq!(ResourceKind::Training.arn_segment(), "training-job");
        assert_eq!(ResourceKind::Notebook.arn_segment(), "notebook-instance");
        assert_eq!(
            ResourceKind::EndpointConfig.arn_segment(),
            "endpoint-config"
        );
        assert_eq!(
            ResourceKind::ModelPackageGroup.arn_segment(),
            "model-package-group"
        );
        assert_eq!(ResourceKind::App.arn_segment(), "app");
        assert_eq!(
            ResourceKind::InferenceComponent.arn_segment(),
            "inference-component"
        );
        assert_eq!(ResourceKind::HyperPodCluster.arn_segment(), "cluster");
    }

    #[test]
    fn only_nine_kinds_are_jobs() {
        assert_eq!(ResourceKind::ALL.iter().filter(|k| k.is_job()).count(), 9);
        assert!(ResourceKind::InferenceComponent.is_job());
        assert!(ResourceKind::HyperPodCluster.is_job());
        assert!(ResourceKind::App.is_job());
        assert!(!ResourceKind::Domain.is_job());
    }
}
