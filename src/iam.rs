//! The least-privilege IAM policy sagescope needs, as one table.
//!
//! `sagescope iam-policy` prints it for the current config, `assets/iam-policy.json` is it for
//! every feature, and `assets/sagescope-role.cfn.json` grants the same actions; tests hold the
//! three together and check the table against every AWS call the code in `src/aws/` makes, so
//! a new call cannot ship without its permission.

use serde::Serialize;

use crate::config::Config;

/// A part of sagescope that needs its own permissions.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Feature {
    /// Jobs, endpoints, notebooks, Studio, inference components, HyperPod clusters and their
    /// tags: always on.
    SageMaker,
    /// `Search`, which reads many training and tuning jobs' details and tags in one request
    /// (off with `tags.search = false`).
    SageMakerSearch,
    /// The Spend pane and `export spend`, and with `[spend] resource_costs` each resource's
    /// cost from resource-level data.
    CostExplorer,
    /// Utilisation of what is running.
    Metrics,
    /// Job, endpoint and notebook logs (`l`, `sagescope logs`), only in SageMaker's log
    /// groups.
    Logs,
    /// On-demand prices from the AWS Price List, for `$/h` and costs: always on (it falls
    /// back to the bundled table when refused).
    Prices,
    /// Which account a set of credentials reaches: always on.
    WhoAmI,
    /// `[organization] discover = true`: listing the organization's accounts, and
    /// `tags.from_organization`: each account's effective tag policy. Only the identity that
    /// reads Organizations needs it, not the role in each account.
    Organizations,
    /// `[cur]`: SageMaker's cost per resource from the CUR 2.0 table, queried with Athena by
    /// `cur.account` only (the payer, usually); also `[cloudtrail] athena_table`, queried by
    /// `cloudtrail.account` the same way. Athena reads the table through Glue and S3
    /// and writes each query's result file to the output location, so this statement alone
    /// holds more than reads: StartQueryExecution (sagescope only ever sends SELECT) and
    /// s3:PutObject for those result files.
    Cur,
    /// `[stream]`: the organization's SageMaker events, read from the monitoring account's
    /// log group (`stream.log_group`) by `stream.account` only.
    Stream,
    /// `[cloudtrail] lookup = true`: who created each resource, from CloudTrail's event
    /// history in each account-region.
    Creators,
}

/// The log group the stream reads when the config names none (the setup templates' default).
pub const DEFAULT_STREAM_GROUP: &str = "/sagescope/sagemaker-events";

impl Feature {
    /// Every feature, in the order the policy lists them.
    pub const ALL: [Feature; 11] = [
        Feature::SageMaker,
        Feature::SageMakerSearch,
        Feature::CostExplorer,
        Feature::Metrics,
        Feature::Logs,
        Feature::Prices,
        Feature::WhoAmI,
        Feature::Organizations,
        Feature::Cur,
        Feature::Stream,
        Feature::Creators,
    ];

    /// The statement id in the policy (`SageScope…`, unique per statement).
    fn sid(self) -> &'static str {
        match self {
            Feature::SageMaker => "SageScopeReadSageMaker",
            Feature::SageMakerSearch => "SageScopeSearchSageMaker",
            Feature::CostExplorer => "SageScopeReadCost",
            Feature::Metrics => "SageScopeReadMetrics",
            Feature::Logs => "SageScopeReadSageMakerLogs",
            Feature::Prices => "SageScopeReadPrices",
            Feature::WhoAmI => "SageScopeWhoAmI",
            Feature::Organizations => "SageScopeDiscoverAccounts",
            Feature::Cur => "SageScopeQueryCur",
            Feature::Stream => "SageScopeReadEventStream",
            Feature::Creators => "SageScopeLookupCreators",
        }
    }

    /// What the statement covers: SageMaker's own log groups for logs, the stream's one log
    /// group for the stream; everything for the rest, which have no narrower resource for
    /// these read actions.
    fn resource(self, stream_group: &str) -> String {
        match self {
            Feature::Logs => "arn:*:logs:*:*:log-group:/aws/sagemaker/*".into(),
            Feature::Stream => format!("arn:*:logs:*:*:log-group:{stream_group}:*"),
            _ => "*".into(),
        }
    }

    /// The read-only actions the feature calls. None of them changes anything in AWS.
    pub fn actions(self) -> &'static [&'static str] {
        match self {
            Feature::SageMaker => &[
                "sagemaker:ListTrainingJobs",
                "sagemaker:ListProcessingJobs",
                "sagemaker:ListTransformJobs",
                "sagemaker:ListHyperParameterTuningJobs",
                "sagemaker:ListEndpoints",
                "sagemaker:ListNotebookInstances",
                "sagemaker:ListDomains",
                "sagemaker:ListUserProfiles",
                "sagemaker:ListApps",
                "sagemaker:ListSpaces",
                "sagemaker:ListModels",
                "sagemaker:ListEndpointConfigs",
                "sagemaker:ListPipelines",
                "sagemaker:ListModelPackageGroups",
                "sagemaker:ListFeatureGroups",
                "sagemaker:ListExperiments",
                "sagemaker:ListInferenceComponents",
                "sagemaker:ListClusters",
                "sagemaker:ListClusterNodes",
                "sagemaker:DescribeTrainingJob",
                "sagemaker:DescribeProcessingJob",
                "sagemaker:DescribeTransformJob",
                "sagemaker:DescribeHyperParameterTuningJob",
                "sagemaker:DescribeEndpoint",
                "sagemaker:DescribeEndpointConfig",
                "sagemaker:DescribeNotebookInstance",
                "sagemaker:DescribeDomain",
                "sagemaker:DescribeUserProfile",
                "sagemaker:DescribeApp",
                "sagemaker:DescribeInferenceComponent",
                "sagemaker:DescribeCluster",
                "sagemaker:ListTags",
            ],
            Feature::SageMakerSearch => &["sagemaker:Search"],
            Feature::CostExplorer => &[
                "ce:GetCostAndUsage",
                "ce:GetCostForecast",
                // `[spend] resource_costs`: each resource's cost (the `ce-resource` source).
                "ce:GetCostAndUsageWithResources",
            ],
            Feature::Metrics => &["cloudwatch:GetMetricData"],
            Feature::Logs => &[
                "logs:DescribeLogStreams",
                "logs:GetLogEvents",
                "logs:FilterLogEvents",
            ],
            Feature::Prices => &["pricing:GetProducts"],
            Feature::WhoAmI => &["sts:GetCallerIdentity"],
            Feature::Organizations => &[
                "organizations:DescribeOrganization",
                "organizations:ListRoots",
                "organizations:ListAccountsForParent",
                "organizations:ListOrganizationalUnitsForParent",
                "organizations:DescribeEffectivePolicy",
            ],
            Feature::Stream => &["logs:FilterLogEvents"],
            Feature::Creators => &["cloudtrail:LookupEvents"],
            Feature::Cur => &[
                "athena:StartQueryExecution",
                "athena:GetQueryExecution",
                "athena:GetQueryResults",
                "glue:GetDatabase",
                "glue:GetTable",
                "glue:GetPartitions",
                "s3:GetBucketLocation",
                "s3:ListBucket",
                "s3:GetObject",
                "s3:PutObject",
            ],
        }
    }
}

/// The features a config uses.
pub fn features(config: &Config) -> Vec<Feature> {
    Feature::ALL
        .into_iter()
        .filter(|feature| match feature {
            Feature::SageMakerSearch => config.tags.search,
            Feature::Organizations => {
                config.organization.is_some() || config.tags.from_organization
            }
            // The CUR's statement is Athena's: the trail's table is queried the same way.
            Feature::Cur => config.cur.is_some() || config.cloudtrail.athena.is_some(),
            Feature::Stream => config.stream.is_some(),
            Feature::Creators => config.cloudtrail.lookup,
            _ => true,
        })
        .collect()
}

/// An IAM policy document, its fields in the order AWS's own examples use.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct PolicyDocument {
    pub version: &'static str,
    pub statement: Vec<Statement>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct Statement {
    pub sid: &'static str,
    pub effect: &'static str,
    pub action: &'static [&'static str],
    pub resource: String,
}

/// A policy granting exactly the features' actions, one statement each; the stream's statement
/// names `stream_group` (the config's `stream.log_group`, else [`DEFAULT_STREAM_GROUP`]).
pub fn policy(features: &[Feature], stream_group: &str) -> PolicyDocument {
    PolicyDocument {
        version: "2012-10-17",
        statement: features
            .iter()
            .map(|feature| Statement {
                sid: feature.sid(),
                effect: "Allow",
                action: feature.actions(),
                resource: feature.resource(stream_group),
            })
            .collect(),
    }
}

/// The policy as `sagescope iam-policy` prints it: two-space indented JSON and a newline.
pub fn render(features: &[Feature], stream_group: &str) -> String {
    let mut text =
        serde_json::to_string_pretty(&policy(features, stream_group)).unwrap_or_default();
    text.push('\n');
    text
}

#[cfg(test)]
mod tests {
    #[test]
    fn a_stream_grants_filter_log_events_on_its_group_only() {
        let config = crate::config::parse(
            "[stream]\naccount = \"123456789012\"\nlog_group = \"/org/sm-events\"\n",
            std::path::Path::new("config.toml"),
        )
        .expect("valid config")
        .config;
        let features = features(&config);
        assert!(features.contains(&Feature::Stream));
        let policy = policy(&features, "/org/sm-events");
        let stream = policy
            .statement
            .iter()
            .find(|s| s.sid == "SageScopeReadEventStream")
            .expect("a stream statement");
        assert_eq!(stream.action, &["logs:FilterLogEvents"]);
        assert_eq!(stream.resource, "arn:*:logs:*:*:log-group:/org/sm-events:*");
    }

    use super::*;

    #[test]
    fn a_cloudtrail_lookup_grants_lookup_events() {
        let config = crate::config::parse(
            "[cloudtrail]\nlookup = true\n",
            std::path::Path::new("config.toml"),
        )
        .expect("valid config")
        .config;
        let policy = policy(&features(&config), DEFAULT_STREAM_GROUP);
        let creators = policy
            .statement
            .iter()
            .find(|s| s.sid == "SageScopeLookupCreators")
            .expect("a creators statement");
        assert_eq!(creators.action, &["cloudtrail:LookupEvents"]);
    }

    #[test]
    fn every_action_is_a_read() {
        // The CUR's statement is the exception, said in its doc: Athena writes result files.
        for feature in Feature::ALL.into_iter().filter(|f| *f != Feature::Cur) {
            for action in feature.actions() {
                let (_, operation) = action.split_once(':').expect("service:Operation");
                assert!(
                    ["List", "Describe", "Get", "Search", "Filter", "Lookup"]
                        .iter()
                        .any(|verb| operation.starts_with(verb)),
                    "{action} is not read-only"
                );
            }
        }
    }

    #[test]
    fn turning_search_off_drops_only_its_statement() {
        let mut config = Config::default();
        assert!(features(&config).contains(&Feature::SageMakerSearch));
        config.tags.search = false;
        let features = features(&config);
        assert!(!features.contains(&Feature::SageMakerSearch));
        assert!(
            !features.contains(&Feature::Organizations),
            "discovery is off"
        );
        assert!(!features.contains(&Feature::Cur), "no [cur]");
        assert!(!features.contains(&Feature::Stream), "no [stream]");
        assert!(!features.contains(&Feature::Creators), "no lookup");
        assert_eq!(features.len(), Feature::ALL.len() - 5);
        let text = render(&features, DEFAULT_STREAM_GROUP);
        assert!(!text.contains("sagemaker:Search"), "{text}");
        assert!(text.contains("sagemaker:ListTrainingJobs"), "{text}");
    }
}
