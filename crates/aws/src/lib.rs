//! The real AWS behind the source traits ([`sagescope_engine::fetch::source`], [`sagescope_engine::spend::CostSource`],
//! [`sagescope_core::metrics::MetricSource`]). Every `aws_sdk_*` type stays inside this crate:
//! summaries, descriptions, cost pages and metric series become domain values at this
//! boundary, and SDK errors become the domain's errors that name the account and the fix.
//!
//! - `accounts`: one SDK configuration per account (profiles, SSO, assumed roles,
//!   `AWS_ENDPOINT_URL`, or an explicit [`AwsOverride`]), checked once with
//!   `sts:GetCallerIdentity`.
//! - `sagemaker`: List* pages (100 per page, newest first) and Describe* calls;
//!   `sagemaker_compute` those of inference components and HyperPod clusters.
//! - `cost_explorer`: `GetCostAndUsage` / `GetCostForecast` as [`sagescope_engine::spend::CostSource`].
//! - `cloudwatch`: `GetMetricData` as [`sagescope_core::metrics::MetricSource`].
//! - `organizations`: account discovery (a walk of the OU tree) and tag policies as [`sagescope_engine::org::OrganizationSource`].
//! - `logs`: CloudWatch Logs streams and events as [`sagescope_engine::logs::LogSource`].
//! - `athena`: the CUR 2.0 queries (`StartQueryExecution`, `GetQueryExecution`,
//!   `GetQueryResults`) as [`sagescope_engine::cur::AthenaSource`].
//! - `errors`: classification of SDK errors into what a user can act on.

mod accounts;
mod athena;
mod cloudtrail;
mod cloudwatch;
mod cost_explorer;
mod errors;
mod logs;
mod organizations;
mod pricing;
mod sagemaker;
mod sagemaker_compute;

use std::sync::Arc;

use futures::future::BoxFuture;

use sagescope_core::config::{AccountConfig, AwsOverride};
use sagescope_engine::fetch::source::{AccountLink, Connector, SourceError};

/// A fetcher that talks to AWS through the standard credential chain (profiles, SSO, assumed
/// roles, `AWS_ENDPOINT_URL`), or through `config.aws_override` when it is set.
pub fn job_fetcher(config: &sagescope_core::config::Config) -> sagescope_engine::fetch::JobFetcher {
    let connector = match &config.aws_override {
        Some(explicit) => AwsConnector::with_override(explicit.clone()),
        None => AwsConnector::new(),
    };
    sagescope_engine::fetch::JobFetcher::with_connector(config, Arc::new(connector))
}

/// AWS Organizations read with `config`'s credentials (`sagescope init --from-organization`).
pub async fn organization_source(
    config: &sagescope_core::config::OrganizationConfig,
) -> Arc<dyn sagescope_engine::org::OrganizationSource> {
    Arc::new(organizations::OrganizationsSource::new(config, None).await)
}

/// Connects accounts through the AWS SDK's standard configuration chain, or an explicit
/// [`AwsOverride`].
#[derive(Debug, Clone, Default)]
pub struct AwsConnector {
    overrides: Option<AwsOverride>,
}

impl AwsConnector {
    pub fn new() -> Self {
        AwsConnector::default()
    }

    /// Every account (and Organizations) reached through `overrides` alone.
    pub fn with_override(overrides: AwsOverride) -> Self {
        AwsConnector {
            overrides: Some(overrides),
        }
    }
}

impl Connector for AwsConnector {
    fn connect<'a>(
        &'a self,
        account: &'a AccountConfig,
    ) -> BoxFuture<'a, Result<Arc<dyn AccountLink>, SourceError>> {
        Box::pin(async move {
            let link = accounts::connect(account, self.overrides.as_ref()).await?;
            Ok(Arc::new(link) as Arc<dyn AccountLink>)
        })
    }

    fn organization<'a>(
        &'a self,
        config: &'a sagescope_core::config::OrganizationConfig,
    ) -> BoxFuture<'a, Arc<dyn sagescope_engine::org::OrganizationSource>> {
        Box::pin(async move {
            Arc::new(organizations::OrganizationsSource::new(config, self.overrides.as_ref()).await)
                as Arc<dyn sagescope_engine::org::OrganizationSource>
        })
    }
}
