//! Building one SDK configuration per account from the standard chain (environment, profiles,
//! SSO, `AWS_ENDPOINT_URL`) or an explicit [`AwsOverride`], assuming `role_arn` when there is
//! one, and checking it once.

use std::sync::Arc;
use std::time::Duration;

use aws_config::BehaviorVersion;
use aws_config::profile::ProfileFileCredentialsProvider;
use aws_config::retry::RetryConfig;
use aws_config::sts::AssumeRoleProvider;
use aws_config::timeout::TimeoutConfig;
use aws_config::{Region, SdkConfig};
use aws_credential_types::Credentials;
use aws_credential_types::provider::SharedCredentialsProvider;
use aws_sdk_sagemaker::config::retry::RetryPartition;

use super::cloudwatch::CloudWatchSource;
use super::cost_explorer::CostExplorerSource;
use super::errors::{AccountContext, classify};
use super::logs::CloudWatchLogs;
use super::sagemaker::SageMakerSource;
use sagescope_core::config::{AccountConfig, AwsOverride};
use sagescope_engine::fetch::source::{AccountLink, JobSource, SourceError, TagSource};

/// Session name shown in the watched account's CloudTrail for assumed-role calls.
const SESSION_NAME: &str = "sagescope";

/// An account whose credentials work, with its SDK configuration and resolved regions.
pub(crate) struct AwsAccount {
    sdk: SdkConfig,
    account_id: String,
    regions: Vec<String>,
    context: AccountContext,
    connect_requests: Vec<&'static str>,
    /// `aws`, `aws-cn`, ...: from the caller identity's ARN, for ARNs sagescope builds.
    partition: String,
    /// The caller identity's ARN (who these credentials are).
    caller_arn: Option<String>,
    /// Endpoint configs read so far, shared by this account's sources for as long as the
    /// account stays connected: a config never changes, so each is described once.
    endpoint_configs: super::sagemaker::EndpointConfigs,
}

impl AccountLink for AwsAccount {
    fn account_id(&self) -> &str {
        &self.account_id
    }

    fn regions(&self) -> &[String] {
        &self.regions
    }

    fn source(&self, region: &str) -> Arc<dyn JobSource> {
        Arc::new(self.sagemaker(region))
    }

    fn connect_requests(&self) -> &[&'static str] {
        &self.connect_requests
    }

    fn caller_arn(&self) -> Option<&str> {
        self.caller_arn.as_deref()
    }

    fn cost_source(&self) -> Option<Arc<dyn sagescope_engine::spend::CostSource>> {
        Some(Arc::new(CostExplorerSource::new(&self.sdk)))
    }

    fn price_source(&self) -> Option<Arc<dyn sagescope_core::pricing::live::PriceListSource>> {
        Some(Arc::new(super::pricing::PriceList::new(&self.sdk)))
    }

    fn metric_source(
        &self,
        region: &str,
    ) -> Option<Arc<dyn sagescope_core::metrics::MetricSource>> {
        let conf = self
            .sdk
            .to_builder()
            .region(Region::new(region.to_string()))
            .build();
        Some(Arc::new(CloudWatchSource::new(&conf)))
    }

    fn tag_source(&self, region: &str) -> Option<Arc<dyn TagSource>> {
        Some(Arc::new(self.sagemaker(region)))
    }

    fn log_source(&self, region: &str) -> Option<Arc<dyn sagescope_engine::logs::LogSource>> {
        let conf = self
            .sdk
            .to_builder()
            .region(Region::new(region.to_string()))
            .build();
        Some(Arc::new(CloudWatchLogs::new(&conf, self.context.clone())))
    }

    fn athena_source(&self, region: &str) -> Option<Arc<dyn sagescope_engine::cur::AthenaSource>> {
        Some(Arc::new(super::athena::Athena::new(&self.sdk, region)))
    }

    fn trail_source(
        &self,
        region: &str,
    ) -> Option<Arc<dyn sagescope_engine::creators::lookup::TrailSource>> {
        Some(Arc::new(super::cloudtrail::CloudTrail::new(
            &self.sdk, region,
        )))
    }
}

impl AwsAccount {
    /// SageMaker in one region of this account, as both the jobs and the tags source.
    fn sagemaker(&self, region: &str) -> SageMakerSource {
        // The SDK shares retry state (the adaptive rate limiter, the retry token bucket) per
        // partition, by default one per service and region across every account: one
        // account's throttling would slow all the others down. SageMaker's quotas are per
        // account and region, so the retry state is too.
        let partition = RetryPartition::new(format!(
            "sagescope-{}-{}-{region}",
            self.account_id, self.context.name
        ));
        // One attempt per call: the fetch engine retries throttled calls itself, slowing the
        // throttled key down first, until its refresh deadline (`sagescope_engine::fetch` call.rs).
        let conf = aws_sdk_sagemaker::config::Builder::from(&self.sdk)
            .region(Region::new(region.to_string()))
            .retry_partition(partition)
            .retry_config(RetryConfig::standard().with_max_attempts(1))
            .build();
        SageMakerSource {
            client: aws_sdk_sagemaker::Client::from_conf(conf),
            context: self.context.clone(),
            arn_prefix: format!(
                "arn:{}:sagemaker:{region}:{}",
                self.partition, self.account_id
            ),
            region: region.to_string(),
            endpoint_configs: self.endpoint_configs.clone(),
        }
    }
}

/// Production retries: the SDK's standard mode (up to 4 attempts, exponential backoff with
/// jitter), which retries ThrottlingException. sagescope already paces every request per
/// account, region and operation at the quota, so the adaptive mode's own client-side limiter
/// adds nothing but stalls: measured against moto with aws-config 1.13, one throttled call
/// in adaptive mode delayed its retry by 20 s and slowed every other call of that
/// account-region to 0.5 requests/s. Users (and the tests, with `AWS_MAX_ATTEMPTS=1`) can
/// still choose through the standard `AWS_MAX_ATTEMPTS` / `AWS_RETRY_MODE` variables.
fn retry_config() -> Option<RetryConfig> {
    let user_set = ["AWS_MAX_ATTEMPTS", "AWS_RETRY_MODE"]
        .iter()
        .any(|name| std::env::var_os(name).is_some_and(|v| !v.is_empty()));
    (!user_set).then(|| RetryConfig::standard().with_max_attempts(4))
}

/// Bounds every call so one unreachable account cannot hold a refresh up for long.
fn timeouts() -> TimeoutConfig {
    TimeoutConfig::builder()
        .connect_timeout(Duration::from_secs(5))
        .read_timeout(Duration::from_secs(20))
        .operation_attempt_timeout(Duration::from_secs(20))
        .operation_timeout(Duration::from_secs(60))
        .build()
}

/// The standard chain with sagescope's timeouts and retries, and `profile`'s credentials
/// only (never the environment's) when one is named, as `aws --profile` does. With an
/// `overrides`, none of that: its endpoint, keys, region and attempts, and no AWS files.
pub(super) fn base_loader(
    profile: Option<&str>,
    overrides: Option<&AwsOverride>,
) -> aws_config::ConfigLoader {
    let mut loader = aws_config::defaults(BehaviorVersion::latest()).timeout_config(timeouts());
    if let Some(explicit) = overrides {
        return loader
            .endpoint_url(explicit.endpoint_url.clone())
            .credentials_provider(Credentials::new(
                explicit.access_key_id.clone(),
                explicit.secret_access_key.clone(),
                None,
                None,
                "sagescope-override",
            ))
            .region(Region::new(explicit.region.clone()))
            .retry_config(RetryConfig::standard().with_max_attempts(explicit.max_attempts))
            .profile_files(no_profile_files());
    }
    if let Some(retry) = retry_config() {
        loader = loader.retry_config(retry);
    }
    if let Some(profile) = profile {
        loader = loader.profile_name(profile).credentials_provider(
            ProfileFileCredentialsProvider::builder()
                .profile_name(profile)
                .build(),
        );
    }
    loader
}

/// An empty AWS config and credentials file, so nothing of the user's `~/.aws` applies.
#[expect(
    deprecated,
    reason = "aws-config names aws-runtime's EnvConfigFiles only by this deprecated alias, and \
              aws-runtime is not a direct dependency"
)]
fn no_profile_files() -> aws_config::profile::profile_file::ProfileFiles {
    use aws_config::profile::profile_file::{ProfileFileKind, ProfileFiles};
    ProfileFiles::builder()
        .with_contents(ProfileFileKind::Config, "")
        .with_contents(ProfileFileKind::Credentials, "")
        .build()
}

/// Resolves an account's credentials, regions and id.
///
/// - `profile` set: that profile's credentials only (static keys, SSO, `credential_process`,
///   role chains in the profile), even when `AWS_ACCESS_KEY_ID` is in the environment, as
///   `aws --profile` does; otherwise the default chain.
/// - `role_arn` set: an `AssumeRoleProvider` configured from that base configuration, so its
///   STS call goes to the same endpoint (`AWS_ENDPOINT_URL`) with the same timeouts.
/// - Then one `sts:GetCallerIdentity` with the final credentials: it proves they work (one
///   clear error per account instead of one per region and kind) and gives the account id.
pub(crate) async fn connect(
    account: &AccountConfig,
    overrides: Option<&AwsOverride>,
) -> Result<AwsAccount, SourceError> {
    let context = AccountContext::new(account);
    let mut loader = base_loader(account.profile.as_deref(), overrides);
    if let Some(first) = account.regions.first() {
        loader = loader.region(Region::new(first.clone()));
    }
    let base = loader.load().await;

    let regions = if account.regions.is_empty() {
        match base.region() {
            Some(region) => vec![region.to_string()],
            None => {
                return Err(SourceError::Config(format!(
                    "no region for account `{}`: set `regions` in its [[accounts]] entry, or \
                     AWS_REGION, or `region` in the profile",
                    account.name
                )));
            }
        }
    } else {
        account.regions.clone()
    };

    let mut connect_requests = Vec::new();
    let sdk = match &account.role_arn {
        Some(role) => {
            let mut builder = AssumeRoleProvider::builder(role.clone())
                .configure(&base)
                .session_name(SESSION_NAME);
            if let Some(external_id) = &account.external_id {
                builder = builder.external_id(external_id.clone());
            }
            let provider = builder.build().await;
            connect_requests.push("AssumeRole");
            base.into_builder()
                .credentials_provider(SharedCredentialsProvider::new(provider))
                .build()
        }
        None => base,
    };

    let sts = aws_sdk_sts::Client::new(&sdk);
    connect_requests.push("GetCallerIdentity");
    let identity = sts
        .get_caller_identity()
        .send()
        .await
        .map_err(|e| classify(e, "GetCallerIdentity", &context))?;
    let account_id = identity
        .account()
        .map(str::to_string)
        .or_else(|| account.account_id_hint().map(str::to_string))
        .ok_or_else(|| SourceError::Other {
            operation: "GetCallerIdentity",
            message: "AWS did not say which account these credentials belong to".into(),
        })?;
    if let Some(expected) = account.account_id_hint()
        && expected != account_id
    {
        tracing::warn!(
            account = %account.name,
            expected,
            actual = %account_id,
            "assumed role reports a different account than its ARN"
        );
    }
    let partition = identity
        .arn()
        .and_then(|arn| arn.split(':').nth(1))
        .filter(|p| !p.is_empty())
        .unwrap_or("aws")
        .to_string();
    Ok(AwsAccount {
        sdk,
        account_id,
        regions,
        context,
        connect_requests,
        partition,
        caller_arn: identity.arn().map(str::to_string),
        endpoint_configs: Default::default(),
    })
}
