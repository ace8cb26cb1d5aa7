//! The seam between the fetch engine and AWS: traits the engine calls, and the domain-level
//! values they return. The real implementations live in `sagescope_aws`; unit tests plug in fakes.

use std::sync::Arc;

use chrono::{DateTime, Utc};
use futures::future::BoxFuture;

use sagescope_core::config::AccountConfig;
use sagescope_core::model::{AppInfo, Compute, JobStatus, ResourceKind, Tags, TrainingBilling};

/// One resource as a SageMaker List* summary describes it, already in domain terms.
#[derive(Debug, Clone, PartialEq)]
pub struct Listed {
    pub name: String,
    pub arn: String,
    pub status: JobStatus,
    pub created_at: DateTime<Utc>,
    pub ended_at: Option<DateTime<Utc>>,
    pub last_modified_at: Option<DateTime<Utc>>,
    /// Only notebook summaries carry it.
    pub instance_type: Option<String>,
    pub instance_count: Option<u32>,
    /// Processing and transform summaries carry it; the others need a Describe.
    pub failure_reason: Option<String>,
    /// A Studio app's domain, type and owner (`ListApps`); `None` for other kinds.
    pub app: Option<AppInfo>,
    /// An inference component's endpoint (`ListInferenceComponents`), completed by its
    /// describe; a HyperPod cluster's nodes once listed. `None` for other kinds.
    pub compute: Option<Compute>,
    /// A training job's billed seconds, from a Describe or Search (lists lack them).
    pub billing: Option<TrainingBilling>,
}

/// One page of a List* call.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Page {
    pub items: Vec<Listed>,
    /// `None` on the last page.
    pub next_token: Option<String>,
}

/// What a Describe* adds to a summary: the fields the Jobs view shows and lists lack.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Details {
    pub instance_type: Option<String>,
    pub instance_count: Option<u32>,
    pub failure_reason: Option<String>,
    /// An endpoint's production variant names (`DescribeEndpoint`): CloudWatch keys endpoint
    /// metrics by variant, so without them an endpoint's utilisation cannot be asked for.
    pub variants: Vec<String>,
    /// Requests the describe made beyond its own (an endpoint's config, the first time it is
    /// seen), so the refresh counts every request.
    pub extra_requests: Vec<&'static str>,
    /// A Studio app's `LastUserActivityTimestamp` (`DescribeApp`).
    pub last_activity_at: Option<DateTime<Utc>>,
    /// An inference component's copies and reserved compute, or a HyperPod cluster's nodes.
    pub compute: Option<Compute>,
    /// A training job's `BillableTimeInSeconds`, `TrainingTimeInSeconds` and spot setting.
    pub billing: Option<TrainingBilling>,
}

/// Why a call to AWS failed, in terms a user can act on.
///
/// The AWS layer builds these with the account's context already in the message (which
/// profile, which command to run), so the engine only adds the account and region.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SourceError {
    /// Missing, expired or unusable credentials, or a role that cannot be assumed.
    #[error("{0}")]
    Credentials(String),
    /// IAM refused an action.
    #[error(
        "access denied to sagemaker:{operation} ({message}); grant the actions in assets/iam-policy.json"
    )]
    AccessDenied {
        operation: &'static str,
        message: String,
    },
    /// SageMaker kept throttling after the SDK's retries.
    #[error(
        "throttled by SageMaker on {operation} after retries; lower refresh.requests_per_second"
    )]
    Throttled { operation: &'static str },
    /// No answer in time.
    #[error("timed out calling {operation}; check the network or AWS_ENDPOINT_URL")]
    Timeout { operation: &'static str },
    /// The endpoint could not be reached at all.
    #[error("cannot reach AWS for {operation}: {message}")]
    Network {
        operation: &'static str,
        message: String,
    },
    /// The account's configuration cannot work (no region, for example).
    #[error("{0}")]
    Config(String),
    /// Anything else AWS answered.
    #[error("{operation} failed: {message}")]
    Other {
        operation: &'static str,
        message: String,
    },
}

/// Lists and describes SageMaker resources in one account and region.
///
/// Implementations make exactly one AWS request per `list` call (one page), so the engine's
/// rate limiter sees every request. `describe` of an endpoint makes two the first time its
/// endpoint config is seen (the endpoint, then the config for the instance type), one after.
pub trait JobSource: Send + Sync {
    /// One page of `kind`, newest first (`SortBy=CreationTime`, descending), 100 at most.
    fn list(
        &self,
        kind: ResourceKind,
        next_token: Option<String>,
    ) -> BoxFuture<'_, Result<Page, SourceError>>;

    /// The details of one resource.
    fn describe<'a>(
        &'a self,
        kind: ResourceKind,
        name: &'a str,
    ) -> BoxFuture<'a, Result<Details, SourceError>>;

    /// A Studio app's details (`DescribeApp`): an app is named by its domain, owner, type and
    /// name together, not by a name alone. Sources that serve no apps answer nothing new.
    fn describe_app<'a>(
        &'a self,
        _app: &'a AppInfo,
    ) -> BoxFuture<'a, Result<Details, SourceError>> {
        Box::pin(async { Ok(Details::default()) })
    }
}

/// An account whose credentials have been resolved and checked.
pub trait AccountLink: Send + Sync {
    /// The 12-digit account id.
    fn account_id(&self) -> &str;
    /// The regions to read: the configured ones, else the profile's or SDK's default region.
    fn regions(&self) -> &[String];
    /// A source for one region of this account.
    fn source(&self, region: &str) -> Arc<dyn JobSource>;
    /// The requests connecting made (e.g. `AssumeRole`, `GetCallerIdentity`), for the
    /// refresh's request count.
    fn connect_requests(&self) -> &[&'static str] {
        &[]
    }

    /// `sts:GetCallerIdentity`'s ARN from connecting: who sagescope runs as, from which a
    /// best guess at "me" is made when `[me]` is not configured. `None` from fakes.
    fn caller_arn(&self) -> Option<&str> {
        None
    }

    /// Cost Explorer with this account's credentials (meaningful for `spend.account`).
    /// `None` from fakes that do not serve spend.
    fn cost_source(&self) -> Option<Arc<dyn crate::spend::CostSource>> {
        None
    }

    /// The AWS Price List API with this account's credentials. `None` from fakes that serve
    /// no prices.
    fn price_source(&self) -> Option<Arc<dyn sagescope_core::pricing::live::PriceListSource>> {
        None
    }

    /// CloudWatch in one region of this account. `None` from fakes that serve no metrics.
    fn metric_source(
        &self,
        _region: &str,
    ) -> Option<Arc<dyn sagescope_core::metrics::MetricSource>> {
        None
    }

    /// Tags in one region of this account. `None` from fakes that serve no tags.
    fn tag_source(&self, _region: &str) -> Option<Arc<dyn TagSource>> {
        None
    }

    /// CloudWatch Logs in one region of this account. `None` from fakes that serve no logs.
    fn log_source(&self, _region: &str) -> Option<Arc<dyn crate::logs::LogSource>> {
        None
    }

    /// Athena in one region of this account, for the CUR (`[cur]`). `None` from fakes that
    /// serve no CUR.
    fn athena_source(&self, _region: &str) -> Option<Arc<dyn crate::cur::AthenaSource>> {
        None
    }

    /// CloudTrail's event history in `region` (`LookupEvents`); `None` where it cannot be read.
    fn trail_source(&self, _region: &str) -> Option<Arc<dyn crate::creators::lookup::TrailSource>> {
        None
    }
}

/// One page of `ListTags`.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct TagPage {
    pub tags: Vec<(String, String)>,
    /// `None` on the last page.
    pub next_token: Option<String>,
}

/// One resource found by `Search`: the whole record, so one page of 100 stands in for 100
/// Describe and 100 ListTags calls.
#[derive(Debug, Clone, PartialEq)]
pub struct Searched {
    /// The resource's name (Search results always carry it; the ARN not always, e.g. moto).
    pub name: String,
    pub arn: Option<String>,
    pub tags: Tags,
    /// What a Describe would add (instance type and count, failure reason), as of `version`.
    pub details: Details,
    /// The record's `LastModifiedTime|Status`, to know whether `details` are current for a
    /// listed entry ([`sagescope_core::model::change_marker`]); `None` when the record lacks them.
    pub version: Option<String>,
}

/// One page of `Search`.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct SearchPage {
    pub items: Vec<Searched>,
    /// `None` on the last page.
    pub next_token: Option<String>,
}

/// Reads tags in one account and region.
///
/// `ListTags` is the only call that covers every kind (and finds resources that were never
/// tagged, which the Resource Groups Tagging API cannot). `Search` answers up to 100 training
/// jobs, tuning jobs or endpoints with their tags in one request, which is far cheaper when
/// many of one kind need reading. Each call is one AWS request, so the engine's rate limiter
/// sees every request.
pub trait TagSource: Send + Sync {
    /// One page (up to 100 tags) of the tags on `arn`.
    fn list_tags<'a>(
        &'a self,
        arn: &'a str,
        next_token: Option<String>,
    ) -> BoxFuture<'a, Result<TagPage, SourceError>>;

    /// One page (up to 100 resources) of `Search` over `kind`, newest first
    /// (`SortBy=CreationTime`, descending). Only kinds for which [`searchable`] is true may be
    /// asked; others answer an empty last page.
    fn search(
        &self,
        kind: ResourceKind,
        next_token: Option<String>,
    ) -> BoxFuture<'_, Result<SearchPage, SourceError>>;
}

/// Whether SageMaker's `Search` returns this kind with its tags (botocore's `ResourceType`
/// enum; endpoint configs and Studio resources are not in it).
pub fn searchable(kind: ResourceKind) -> bool {
    matches!(
        kind,
        ResourceKind::Training
            | ResourceKind::Tuning
            | ResourceKind::Endpoint
            | ResourceKind::Model
            | ResourceKind::Pipeline
            | ResourceKind::ModelPackageGroup
            | ResourceKind::FeatureGroup
            | ResourceKind::Experiment
    )
}

/// Opens accounts: resolves credentials (profile, SSO, assumed role) and the account id.
pub trait Connector: Send + Sync {
    fn connect<'a>(
        &'a self,
        account: &'a AccountConfig,
    ) -> BoxFuture<'a, Result<Arc<dyn AccountLink>, SourceError>>;

    /// AWS Organizations with the `[organization]` credentials, for account discovery. Fakes
    /// that serve no organization keep the default, which says so on every call.
    fn organization<'a>(
        &'a self,
        _config: &'a sagescope_core::config::OrganizationConfig,
    ) -> BoxFuture<'a, Arc<dyn crate::org::OrganizationSource>> {
        Box::pin(async { Arc::new(NoOrganization) as Arc<dyn crate::org::OrganizationSource> })
    }
}

/// The organization of a connector that has none.
struct NoOrganization;

impl crate::org::OrganizationSource for NoOrganization {
    fn discover<'a>(
        &'a self,
        _parents: &'a [String],
    ) -> BoxFuture<'a, Result<crate::org::Discovery, crate::org::OrgError>> {
        Box::pin(async {
            Err(crate::org::OrgError(
                "this data source cannot read AWS Organizations".into(),
            ))
        })
    }

    fn effective_tag_policy<'a>(
        &'a self,
        _account_id: &'a str,
    ) -> BoxFuture<'a, Result<Option<String>, crate::org::OrgError>> {
        Box::pin(async {
            Err(crate::org::OrgError(
                "this data source cannot read AWS Organizations".into(),
            ))
        })
    }
}

/// The SageMaker List operation for a kind, as IAM and the quotas name it.
pub fn list_operation(kind: ResourceKind) -> &'static str {
    match kind {
        ResourceKind::Training => "ListTrainingJobs",
        ResourceKind::Processing => "ListProcessingJobs",
        ResourceKind::Transform => "ListTransformJobs",
        ResourceKind::Tuning => "ListHyperParameterTuningJobs",
        ResourceKind::Endpoint => "ListEndpoints",
        ResourceKind::Notebook => "ListNotebookInstances",
        ResourceKind::App => "ListApps",
        ResourceKind::InferenceComponent => "ListInferenceComponents",
        ResourceKind::HyperPodCluster => "ListClusters",
        ResourceKind::Domain => "ListDomains",
        ResourceKind::UserProfile => "ListUserProfiles",
        ResourceKind::Model => "ListModels",
        ResourceKind::EndpointConfig => "ListEndpointConfigs",
        ResourceKind::Pipeline => "ListPipelines",
        ResourceKind::ModelPackageGroup => "ListModelPackageGroups",
        ResourceKind::FeatureGroup => "ListFeatureGroups",
        ResourceKind::Experiment => "ListExperiments",
        ResourceKind::Space => "ListSpaces",
    }
}

/// The SageMaker Describe operation for a kind.
pub fn describe_operation(kind: ResourceKind) -> &'static str {
    match kind {
        ResourceKind::Training => "DescribeTrainingJob",
        ResourceKind::Processing => "DescribeProcessingJob",
        ResourceKind::Transform => "DescribeTransformJob",
        ResourceKind::Tuning => "DescribeHyperParameterTuningJob",
        ResourceKind::Endpoint => "DescribeEndpoint",
        ResourceKind::Notebook => "DescribeNotebookInstance",
        ResourceKind::App => "DescribeApp",
        ResourceKind::InferenceComponent => "DescribeInferenceComponent",
        // Then, when it has nodes, `ListClusterNodes` (counted as the describe's extra requests).
        ResourceKind::HyperPodCluster => "DescribeCluster",
        ResourceKind::Domain => "DescribeDomain",
        ResourceKind::UserProfile => "DescribeUserProfile",
        ResourceKind::Model => "DescribeModel",
        ResourceKind::EndpointConfig => "DescribeEndpointConfig",
        ResourceKind::Pipeline => "DescribePipeline",
        ResourceKind::ModelPackageGroup => "DescribeModelPackageGroup",
        ResourceKind::FeatureGroup => "DescribeFeatureGroup",
        ResourceKind::Experiment => "DescribeExperiment",
        ResourceKind::Space => "DescribeSpace",
    }
}
