//! The SageMaker side of [`JobSource`]: one List page or one Describe per call, mapped into
//! domain values right here so nothing past this module sees an SDK type.

use aws_sdk_sagemaker::Client;
use aws_sdk_sagemaker::types as sm;
use chrono::{DateTime, Utc};
use futures::future::BoxFuture;

use super::errors::{AccountContext, classify};
use sagescope_core::model::{AppInfo, JobStatus, ResourceKind, Tags, TrainingBilling};
use sagescope_engine::fetch::source::{
    Details, JobSource, Listed, Page, SearchPage, Searched, SourceError, TagPage, TagSource,
};

/// Page size for every List call: the SDK's default is 10, which would cost ten times the
/// requests against a 2-per-second quota.
const PAGE_SIZE: i32 = 100;

/// What an endpoint config says about its instances: the type (variants joined with `+`) and
/// the initial count.
#[derive(Debug, Clone, Default)]
pub(crate) struct ConfigInstances {
    instance_type: Option<String>,
    initial_count: Option<u32>,
}

/// Endpoint configs already described, by (region, config name).
pub(crate) type EndpointConfigs =
    std::sync::Arc<std::sync::Mutex<std::collections::HashMap<(String, String), ConfigInstances>>>;

/// SageMaker in one account and region.
pub(crate) struct SageMakerSource {
    pub client: Client,
    pub context: AccountContext,
    /// `arn:<partition>:sagemaker:<region>:<account>`, for ARNs a summary leaves out.
    pub arn_prefix: String,
    pub region: String,
    /// Shared with the account's other sources (see [`EndpointConfigs`]).
    pub endpoint_configs: EndpointConfigs,
}

impl JobSource for SageMakerSource {
    fn list(
        &self,
        kind: ResourceKind,
        next_token: Option<String>,
    ) -> BoxFuture<'_, Result<Page, SourceError>> {
        Box::pin(self.list_page(kind, next_token))
    }

    fn describe<'a>(
        &'a self,
        kind: ResourceKind,
        name: &'a str,
    ) -> BoxFuture<'a, Result<Details, SourceError>> {
        Box::pin(self.describe_one(kind, name))
    }

    fn describe_app<'a>(&'a self, app: &'a AppInfo) -> BoxFuture<'a, Result<Details, SourceError>> {
        Box::pin(self.describe_studio_app(app))
    }
}

impl TagSource for SageMakerSource {
    fn list_tags<'a>(
        &'a self,
        arn: &'a str,
        next_token: Option<String>,
    ) -> BoxFuture<'a, Result<TagPage, SourceError>> {
        Box::pin(self.list_tags_page(arn, next_token))
    }

    fn search(
        &self,
        kind: ResourceKind,
        next_token: Option<String>,
    ) -> BoxFuture<'_, Result<SearchPage, SourceError>> {
        Box::pin(self.search_page(kind, next_token))
    }
}

impl SageMakerSource {
    async fn list_page(
        &self,
        kind: ResourceKind,
        token: Option<String>,
    ) -> Result<Page, SourceError> {
        let c = &self.client;
        let ctx = &self.context;
        match kind {
            ResourceKind::Training => {
                let out = c
                    .list_training_jobs()
                    .max_results(PAGE_SIZE)
                    .sort_by(sm::SortBy::CreationTime)
                    .sort_order(sm::SortOrder::Descending)
                    .set_next_token(token)
                    .send()
                    .await
                    .map_err(|e| classify(e, "ListTrainingJobs", ctx))?;
                Ok(page(
                    out.training_job_summaries().iter().map(|s| {
                        listed(
                            s.training_job_name(),
                            s.training_job_arn(),
                            s.training_job_status().map(|x| x.as_str()),
                            s.creation_time(),
                            s.training_end_time(),
                            s.last_modified_time(),
                        )
                    }),
                    out.next_token(),
                ))
            }
            ResourceKind::Processing => {
                let out = c
                    .list_processing_jobs()
                    .max_results(PAGE_SIZE)
                    .sort_by(sm::SortBy::CreationTime)
                    .sort_order(sm::SortOrder::Descending)
                    .set_next_token(token)
                    .send()
                    .await
                    .map_err(|e| classify(e, "ListProcessingJobs", ctx))?;
                Ok(page(
                    out.processing_job_summaries().iter().map(|s| {
                        listed(
                            s.processing_job_name(),
                            s.processing_job_arn(),
                            s.processing_job_status().map(|x| x.as_str()),
                            s.creation_time(),
                            s.processing_end_time(),
                            s.last_modified_time(),
                        )
                        .map(|l| with_reason(l, s.failure_reason()))
                    }),
                    out.next_token(),
                ))
            }
            ResourceKind::Transform => {
                let out = c
                    .list_transform_jobs()
                    .max_results(PAGE_SIZE)
                    .sort_by(sm::SortBy::CreationTime)
                    .sort_order(sm::SortOrder::Descending)
                    .set_next_token(token)
                    .send()
                    .await
                    .map_err(|e| classify(e, "ListTransformJobs", ctx))?;
                Ok(page(
                    out.transform_job_summaries().iter().map(|s| {
                        listed(
                            s.transform_job_name(),
                            s.transform_job_arn(),
                            s.transform_job_status().map(|x| x.as_str()),
                            s.creation_time(),
                            s.transform_end_time(),
                            s.last_modified_time(),
                        )
                        .map(|l| with_reason(l, s.failure_reason()))
                    }),
                    out.next_token(),
                ))
            }
            ResourceKind::Tuning => {
                let out = c
                    .list_hyper_parameter_tuning_jobs()
                    .max_results(PAGE_SIZE)
                    .sort_by(sm::HyperParameterTuningJobSortByOptions::CreationTime)
                    .sort_order(sm::SortOrder::Descending)
                    .set_next_token(token)
                    .send()
                    .await
                    .map_err(|e| classify(e, "ListHyperParameterTuningJobs", ctx))?;
                Ok(page(
                    out.hyper_parameter_tuning_job_summaries().iter().map(|s| {
                        listed(
                            s.hyper_parameter_tuning_job_name(),
                            s.hyper_parameter_tuning_job_arn(),
                            s.hyper_parameter_tuning_job_status().map(|x| x.as_str()),
                            s.creation_time(),
                            s.hyper_parameter_tuning_end_time(),
                            s.last_modified_time(),
                        )
                    }),
                    out.next_token(),
                ))
            }
            ResourceKind::Endpoint => {
                let out = c
                    .list_endpoints()
                    .max_results(PAGE_SIZE)
                    .sort_by(sm::EndpointSortKey::CreationTime)
                    .sort_order(sm::OrderKey::Descending)
                    .set_next_token(token)
                    .send()
                    .await
                    .map_err(|e| classify(e, "ListEndpoints", ctx))?;
                Ok(page(
                    out.endpoints().iter().map(|s| {
                        listed(
                            s.endpoint_name(),
                            s.endpoint_arn(),
                            s.endpoint_status().map(|x| x.as_str()),
                            s.creation_time(),
                            None,
                            s.last_modified_time(),
                        )
                    }),
                    out.next_token(),
                ))
            }
            ResourceKind::Notebook => {
                let out = c
                    .list_notebook_instances()
                    .max_results(PAGE_SIZE)
                    .sort_by(sm::NotebookInstanceSortKey::CreationTime)
                    .sort_order(sm::NotebookInstanceSortOrder::Descending)
                    .set_next_token(token)
                    .send()
                    .await
                    .map_err(|e| classify(e, "ListNotebookInstances", ctx))?;
                Ok(page(
                    out.notebook_instances().iter().map(|s| {
                        listed(
                            s.notebook_instance_name(),
                            s.notebook_instance_arn(),
                            s.notebook_instance_status().map(|x| x.as_str()),
                            s.creation_time(),
                            None,
                            s.last_modified_time(),
                        )
                        .map(|mut l| {
                            l.instance_type = s.instance_type().map(|t| t.as_str().to_string());
                            l.instance_count = Some(1);
                            l
                        })
                    }),
                    out.next_token(),
                ))
            }
            ResourceKind::App => {
                // Without DomainIdEquals, ListApps answers every domain's apps: one paged
                // call per account-region instead of one per domain.
                let out = c
                    .list_apps()
                    .max_results(PAGE_SIZE)
                    .sort_by(sm::AppSortKey::CreationTime)
                    .sort_order(sm::SortOrder::Descending)
                    .set_next_token(token)
                    .send()
                    .await
                    .map_err(|e| classify(e, "ListApps", ctx))?;
                Ok(page(
                    out.apps().iter().map(|a| self.listed_app(a)),
                    out.next_token(),
                ))
            }
            ResourceKind::InferenceComponent => self.list_inference_components(token).await,
            ResourceKind::HyperPodCluster => self.list_hyperpod_clusters(token).await,
            ResourceKind::Model => {
                let out = c
                    .list_models()
                    .max_results(PAGE_SIZE)
                    .sort_by(sm::ModelSortKey::CreationTime)
                    .sort_order(sm::OrderKey::Descending)
                    .set_next_token(token)
                    .send()
                    .await
                    .map_err(|e| classify(e, "ListModels", ctx))?;
                Ok(page(
                    out.models().iter().map(|s| {
                        listed(
                            s.model_name(),
                            s.model_arn(),
                            None,
                            s.creation_time(),
                            None,
                            None,
                        )
                    }),
                    out.next_token(),
                ))
            }
            ResourceKind::EndpointConfig => {
                let out = c
                    .list_endpoint_configs()
                    .max_results(PAGE_SIZE)
                    .sort_by(sm::EndpointConfigSortKey::CreationTime)
                    .sort_order(sm::OrderKey::Descending)
                    .set_next_token(token)
                    .send()
                    .await
                    .map_err(|e| classify(e, "ListEndpointConfigs", ctx))?;
                Ok(page(
                    out.endpoint_configs().iter().map(|s| {
                        listed(
                            s.endpoint_config_name(),
                            s.endpoint_config_arn(),
                            None,
                            s.creation_time(),
                            None,
                            None,
                        )
                    }),
                    out.next_token(),
                ))
            }
            ResourceKind::Pipeline => {
                let out = c
                    .list_pipelines()
                    .max_results(PAGE_SIZE)
                    .sort_by(sm::SortPipelinesBy::CreationTime)
                    .sort_order(sm::SortOrder::Descending)
                    .set_next_token(token)
                    .send()
                    .await
                    .map_err(|e| classify(e, "ListPipelines", ctx))?;
                Ok(page(
                    out.pipeline_summaries().iter().map(|s| {
                        listed(
                            s.pipeline_name(),
                            s.pipeline_arn(),
                            None,
                            s.creation_time(),
                            None,
                            s.last_modified_time(),
                        )
                    }),
                    out.next_token(),
                ))
            }
            ResourceKind::ModelPackageGroup => {
                let out = c
                    .list_model_package_groups()
                    .max_results(PAGE_SIZE)
                    .sort_by(sm::ModelPackageGroupSortBy::CreationTime)
                    .sort_order(sm::SortOrder::Descending)
                    .set_next_token(token)
                    .send()
                    .await
                    .map_err(|e| classify(e, "ListModelPackageGroups", ctx))?;
                Ok(page(
                    out.model_package_group_summary_list().iter().map(|s| {
                        listed(
                            s.model_package_group_name(),
                            s.model_package_group_arn(),
                            s.model_package_group_status().map(|x| x.as_str()),
                            s.creation_time(),
                            None,
                            None,
                        )
                    }),
                    out.next_token(),
                ))
            }
            ResourceKind::FeatureGroup => {
                let out = c
                    .list_feature_groups()
                    .max_results(PAGE_SIZE)
                    .sort_by(sm::FeatureGroupSortBy::CreationTime)
                    .sort_order(sm::FeatureGroupSortOrder::Descending)
                    .set_next_token(token)
                    .send()
                    .await
                    .map_err(|e| classify(e, "ListFeatureGroups", ctx))?;
                Ok(page(
                    out.feature_group_summaries().iter().map(|s| {
                        listed(
                            s.feature_group_name(),
                            s.feature_group_arn(),
                            s.feature_group_status().map(|x| x.as_str()),
                            s.creation_time(),
                            None,
                            None,
                        )
                    }),
                    out.next_token(),
                ))
            }
            ResourceKind::Experiment => {
                let out = c
                    .list_experiments()
                    .max_results(PAGE_SIZE)
                    .sort_by(sm::SortExperimentsBy::CreationTime)
                    .sort_order(sm::SortOrder::Descending)
                    .set_next_token(token)
                    .send()
                    .await
                    .map_err(|e| classify(e, "ListExperiments", ctx))?;
                Ok(page(
                    out.experiment_summaries().iter().map(|s| {
                        listed(
                            s.experiment_name(),
                            s.experiment_arn(),
                            None,
                            s.creation_time(),
                            None,
                            s.last_modified_time(),
                        )
                    }),
                    out.next_token(),
                ))
            }
            ResourceKind::Space => {
                let out = c
                    .list_spaces()
                    .max_results(PAGE_SIZE)
                    .sort_by(sm::SpaceSortKey::CreationTime)
                    .sort_order(sm::SortOrder::Descending)
                    .set_next_token(token)
                    .send()
                    .await
                    .map_err(|e| classify(e, "ListSpaces", ctx))?;
                Ok(page(
                    out.spaces().iter().map(|s| {
                        // Like user profiles, the summary carries no ARN.
                        let arn = match (s.domain_id(), s.space_name()) {
                            (Some(domain), Some(name)) => {
                                Some(format!("{}:space/{domain}/{name}", self.arn_prefix))
                            }
                            _ => None,
                        };
                        listed(
                            s.space_name(),
                            arn.as_deref(),
                            s.status().map(|x| x.as_str()),
                            s.creation_time(),
                            None,
                            s.last_modified_time(),
                        )
                    }),
                    out.next_token(),
                ))
            }
            ResourceKind::Domain => {
                let out = c
                    .list_domains()
                    .max_results(PAGE_SIZE)
                    .set_next_token(token)
                    .send()
                    .await
                    .map_err(|e| classify(e, "ListDomains", ctx))?;
                Ok(page(
                    out.domains().iter().map(|d| {
                        // Studio lists a domain by id; its name is what people recognise.
                        listed(
                            d.domain_name().or(d.domain_id()),
                            d.domain_arn(),
                            d.status().map(|x| x.as_str()),
                            d.creation_time(),
                            None,
                            d.last_modified_time(),
                        )
                    }),
                    out.next_token(),
                ))
            }
            ResourceKind::UserProfile => {
                let out = c
                    .list_user_profiles()
                    .max_results(PAGE_SIZE)
                    .sort_by(sm::UserProfileSortKey::CreationTime)
                    .sort_order(sm::SortOrder::Descending)
                    .set_next_token(token)
                    .send()
                    .await
                    .map_err(|e| classify(e, "ListUserProfiles", ctx))?;
                Ok(page(
                    out.user_profiles().iter().map(|u| {
                        // The summary carries no ARN; SageMaker's ARN format names the domain.
                        let arn = match (u.domain_id(), u.user_profile_name()) {
                            (Some(domain), Some(name)) => {
                                Some(format!("{}:user-profile/{domain}/{name}", self.arn_prefix))
                            }
                            _ => None,
                        };
                        listed(
                            u.user_profile_name(),
                            arn.as_deref(),
                            u.status().map(|x| x.as_str()),
                            u.creation_time(),
                            None,
                            u.last_modified_time(),
                        )
                    }),
                    out.next_token(),
                ))
            }
        }
    }

    async fn list_tags_page(
        &self,
        arn: &str,
        token: Option<String>,
    ) -> Result<TagPage, SourceError> {
        let out = self
            .client
            .list_tags()
            .resource_arn(arn)
            .max_results(PAGE_SIZE)
            .set_next_token(token)
            .send()
            .await
            .map_err(|e| classify(e, "ListTags", &self.context))?;
        Ok(TagPage {
            tags: pairs(out.tags()).collect(),
            next_token: out
                .next_token()
                .filter(|t| !t.is_empty())
                .map(str::to_string),
        })
    }

    async fn search_page(
        &self,
        kind: ResourceKind,
        token: Option<String>,
    ) -> Result<SearchPage, SourceError> {
        let resource = match kind {
            ResourceKind::Training => sm::ResourceType::TrainingJob,
            ResourceKind::Tuning => sm::ResourceType::HyperParameterTuningJob,
            ResourceKind::Endpoint => sm::ResourceType::Endpoint,
            ResourceKind::Model => sm::ResourceType::Model,
            ResourceKind::Pipeline => sm::ResourceType::Pipeline,
            ResourceKind::ModelPackageGroup => sm::ResourceType::ModelPackageGroup,
            ResourceKind::FeatureGroup => sm::ResourceType::FeatureGroup,
            ResourceKind::Experiment => sm::ResourceType::Experiment,
            _ => return Ok(SearchPage::default()),
        };
        let out = self
            .client
            .search()
            .resource(resource)
            .sort_by("CreationTime")
            .sort_order(sm::SearchSortOrder::Descending)
            .max_results(PAGE_SIZE)
            .set_next_token(token)
            .send()
            .await
            .map_err(|e| classify(e, "Search", &self.context))?;
        let items = out
            .results()
            .iter()
            .filter_map(|record| match kind {
                ResourceKind::Training => record.training_job().and_then(searched_training),
                ResourceKind::Tuning => record
                    .hyper_parameter_tuning_job()
                    .and_then(searched_tuning),
                ResourceKind::Endpoint => record.endpoint().and_then(searched_endpoint),
                ResourceKind::Model => record
                    .model()
                    .and_then(|m| m.model())
                    .and_then(|m| tags_only(m.model_name(), m.model_arn(), m.tags())),
                ResourceKind::Pipeline => record
                    .pipeline()
                    .and_then(|p| tags_only(p.pipeline_name(), p.pipeline_arn(), p.tags())),
                ResourceKind::ModelPackageGroup => record.model_package_group().and_then(|g| {
                    tags_only(
                        g.model_package_group_name(),
                        g.model_package_group_arn(),
                        g.tags(),
                    )
                }),
                ResourceKind::FeatureGroup => record.feature_group().and_then(|g| {
                    tags_only(g.feature_group_name(), g.feature_group_arn(), g.tags())
                }),
                _ => record
                    .experiment()
                    .and_then(|e| tags_only(e.experiment_name(), e.experiment_arn(), e.tags())),
            })
            .collect();
        Ok(SearchPage {
            items,
            next_token: out
                .next_token()
                .filter(|t| !t.is_empty())
                .map(str::to_string),
        })
    }

    async fn describe_one(&self, kind: ResourceKind, name: &str) -> Result<Details, SourceError> {
        let c = &self.client;
        let ctx = &self.context;
        match kind {
            ResourceKind::Training => {
                let out = c
                    .describe_training_job()
                    .training_job_name(name)
                    .send()
                    .await
                    .map_err(|e| classify(e, "DescribeTrainingJob", ctx))?;
                let (instance_type, instance_count) = out
                    .resource_config()
                    .map(training_resources)
                    .unwrap_or_default();
                Ok(Details {
                    instance_type,
                    instance_count,
                    failure_reason: text(out.failure_reason()),
                    billing: Some(training_billing(
                        out.billable_time_in_seconds(),
                        out.training_time_in_seconds(),
                        out.enable_managed_spot_training(),
                    )),
                    ..Details::default()
                })
            }
            ResourceKind::Processing => {
                let out = c
                    .describe_processing_job()
                    .processing_job_name(name)
                    .send()
                    .await
                    .map_err(|e| classify(e, "DescribeProcessingJob", ctx))?;
                let cluster = out.processing_resources().and_then(|r| r.cluster_config());
                Ok(Details {
                    instance_type: cluster
                        .and_then(|c| c.instance_type())
                        .map(|t| t.as_str().to_string()),
                    instance_count: cluster.and_then(|c| c.instance_count()).and_then(count),
                    failure_reason: text(out.failure_reason()),
                    ..Details::default()
                })
            }
            ResourceKind::Transform => {
                let out = c
                    .describe_transform_job()
                    .transform_job_name(name)
                    .send()
                    .await
                    .map_err(|e| classify(e, "DescribeTransformJob", ctx))?;
                let resources = out.transform_resources();
                Ok(Details {
                    instance_type: resources
                        .and_then(|r| r.instance_type())
                        .map(|t| t.as_str().to_string()),
                    instance_count: resources.and_then(|r| r.instance_count()).and_then(count),
                    failure_reason: text(out.failure_reason()),
                    ..Details::default()
                })
            }
            ResourceKind::Tuning => {
                let out = c
                    .describe_hyper_parameter_tuning_job()
                    .hyper_parameter_tuning_job_name(name)
                    .send()
                    .await
                    .map_err(|e| classify(e, "DescribeHyperParameterTuningJob", ctx))?;
                let (instance_type, instance_count) = out
                    .training_job_definition()
                    .or_else(|| out.training_job_definitions().first())
                    .and_then(|d| d.resource_config())
                    .map(training_resources)
                    .unwrap_or_default();
                Ok(Details {
                    instance_type,
                    instance_count,
                    failure_reason: text(out.failure_reason()),
                    ..Details::default()
                })
            }
            ResourceKind::Endpoint => self.describe_endpoint(name).await,
            ResourceKind::Notebook => {
                let out = c
                    .describe_notebook_instance()
                    .notebook_instance_name(name)
                    .send()
                    .await
                    .map_err(|e| classify(e, "DescribeNotebookInstance", ctx))?;
                Ok(Details {
                    instance_type: out.instance_type().map(|t| t.as_str().to_string()),
                    instance_count: Some(1),
                    failure_reason: text(out.failure_reason()),
                    ..Details::default()
                })
            }
            ResourceKind::InferenceComponent => self.describe_inference_component(name).await,
            ResourceKind::HyperPodCluster => self.describe_cluster(name).await,
            // Apps are described by `describe_app`; the tag-only kinds need no details.
            _ => Ok(Details::default()),
        }
    }

    /// A Studio app in domain terms. Deleted apps (AWS lists them for a while) are left out:
    /// they bill nothing and cannot be fixed. The summary carries no ARN; SageMaker's format is
    /// `app/<domain-id>/<user-profile or space>/<app type, lower case>/<app name>`.
    fn listed_app(&self, a: &sm::AppDetails) -> Option<Listed> {
        let status = a.status().map(|x| x.as_str());
        if status == Some("Deleted") {
            return None;
        }
        let (Some(domain), Some(app_type), Some(app_name)) =
            (a.domain_id(), a.app_type(), a.app_name())
        else {
            tracing::warn!("app summary without domain, type or name skipped");
            return None;
        };
        let app_type = app_type.as_str();
        let owner = a.space_name().or(a.user_profile_name()).unwrap_or("-");
        let arn = format!(
            "{}:app/{domain}/{owner}/{}/{app_name}",
            self.arn_prefix,
            app_type.to_ascii_lowercase()
        );
        let name = format!("{owner}/{app_type}/{app_name}");
        let mut item = listed(
            Some(&name),
            Some(&arn),
            status,
            a.creation_time(),
            None,
            None,
        )?;
        item.instance_type = a
            .resource_spec()
            .and_then(|r| r.instance_type())
            .map(|t| t.as_str().to_string());
        item.instance_count = item.instance_type.as_ref().map(|_| 1);
        item.app = Some(AppInfo {
            domain_id: domain.to_string(),
            app_type: app_type.to_string(),
            app_name: app_name.to_string(),
            user_profile: a
                .space_name()
                .is_none()
                .then(|| a.user_profile_name().map(str::to_string))
                .flatten(),
            space: a.space_name().map(str::to_string),
            last_activity_at: None,
        });
        Some(item)
    }

    /// `DescribeApp`: the app's last user activity (what `idle` is judged by).
    async fn describe_studio_app(&self, app: &AppInfo) -> Result<Details, SourceError> {
        let out = self
            .client
            .describe_app()
            .domain_id(&app.domain_id)
            .set_user_profile_name(app.user_profile.clone())
            .set_space_name(app.space.clone())
            .app_type(sm::AppType::from(app.app_type.as_str()))
            .app_name(&app.app_name)
            .send()
            .await
            .map_err(|e| classify(e, "DescribeApp", &self.context))?;
        Ok(Details {
            instance_type: out
                .resource_spec()
                .and_then(|r| r.instance_type())
                .map(|t| t.as_str().to_string()),
            failure_reason: text(out.failure_reason()),
            last_activity_at: time(out.last_user_activity_timestamp()),
            ..Details::default()
        })
    }

    /// An endpoint's instances: the count (the variants' `CurrentInstanceCount` summed) and
    /// variant names from the endpoint, the type from its config.
    async fn describe_endpoint(&self, name: &str) -> Result<Details, SourceError> {
        let ctx = &self.context;
        let endpoint = self
            .client
            .describe_endpoint()
            .endpoint_name(name)
            .send()
            .await
            .map_err(|e| classify(e, "DescribeEndpoint", ctx))?;
        let current: Option<u32> = endpoint
            .production_variants()
            .iter()
            .filter_map(|v| v.current_instance_count().and_then(count))
            .reduce(|a, b| a + b);
        let mut details = Details {
            instance_type: None,
            instance_count: current,
            failure_reason: text(endpoint.failure_reason()),
            variants: endpoint
                .production_variants()
                .iter()
                .filter_map(|v| v.variant_name())
                .map(str::to_string)
                .collect(),
            ..Details::default()
        };
        if let Some(config_name) = endpoint.endpoint_config_name() {
            let (config, described) = self.endpoint_config(config_name).await?;
            if described {
                details.extra_requests.push("DescribeEndpointConfig");
            }
            details.instance_type = config.instance_type;
            if details.instance_count.is_none() {
                details.instance_count = config.initial_count;
            }
        }
        Ok(details)
    }
}

impl SageMakerSource {
    /// An endpoint config's instances: from the account's memory when described before (a
    /// config never changes; an endpoint that changes gets a new one), else one
    /// `DescribeEndpointConfig` (then the flag is `true`, so the request is counted).
    async fn endpoint_config(&self, name: &str) -> Result<(ConfigInstances, bool), SourceError> {
        let key = (self.region.clone(), name.to_string());
        let known = self
            .endpoint_configs
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .get(&key)
            .cloned();
        if let Some(known) = known {
            return Ok((known, false));
        }
        let config = self
            .client
            .describe_endpoint_config()
            .endpoint_config_name(name)
            .send()
            .await
            .map_err(|e| classify(e, "DescribeEndpointConfig", &self.context))?;
        let variants = config.production_variants();
        let instances = ConfigInstances {
            instance_type: joined(
                variants
                    .iter()
                    .filter_map(|v| v.instance_type().map(|t| t.as_str().to_string())),
            ),
            initial_count: variants
                .iter()
                .filter_map(|v| v.initial_instance_count().and_then(count))
                .reduce(|a, b| a + b),
        };
        self.endpoint_configs
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .insert(key, instances.clone());
        Ok((instances, true))
    }
}

/// Instance type and count of a training resource config, heterogeneous clusters included.
/// A training job's billed and trained seconds as SageMaker reports them (negative values,
/// which AWS never sends, are dropped rather than trusted).
fn training_billing(
    billable: Option<i32>,
    training: Option<i32>,
    spot: Option<bool>,
) -> TrainingBilling {
    let seconds = |s: Option<i32>| s.and_then(|s| u32::try_from(s).ok());
    TrainingBilling {
        billable_seconds: seconds(billable),
        training_seconds: seconds(training),
        managed_spot: spot.unwrap_or(false),
    }
}

fn training_resources(config: &sm::ResourceConfig) -> (Option<String>, Option<u32>) {
    let groups = config.instance_groups();
    if groups.is_empty() {
        (
            config.instance_type().map(|t| t.as_str().to_string()),
            config.instance_count().and_then(count),
        )
    } else {
        (
            joined(
                groups
                    .iter()
                    .filter_map(|g| g.instance_type().map(|t| t.as_str().to_string())),
            ),
            groups
                .iter()
                .filter_map(|g| g.instance_count().and_then(count))
                .reduce(|a, b| a + b),
        )
    }
}

/// Distinct values joined with `+` (a cluster of `ml.p4d.24xlarge+ml.c5.xlarge`).
fn joined(values: impl Iterator<Item = String>) -> Option<String> {
    let mut distinct: Vec<String> = Vec::new();
    for value in values {
        if !distinct.contains(&value) {
            distinct.push(value);
        }
    }
    (!distinct.is_empty()).then(|| distinct.join("+"))
}

pub(super) fn count(n: i32) -> Option<u32> {
    u32::try_from(n).ok()
}

pub(super) fn text(s: Option<&str>) -> Option<String> {
    s.filter(|s| !s.is_empty()).map(str::to_string)
}

pub(super) fn time(t: Option<&aws_smithy_types::DateTime>) -> Option<DateTime<Utc>> {
    t.and_then(|t| DateTime::from_timestamp(t.secs(), t.subsec_nanos()))
}

/// A summary in domain terms; `None` (skipped, logged) when AWS left out the name, ARN or
/// creation time, which every real summary has.
pub(super) fn listed(
    name: Option<&str>,
    arn: Option<&str>,
    status: Option<&str>,
    created: Option<&aws_smithy_types::DateTime>,
    ended: Option<&aws_smithy_types::DateTime>,
    modified: Option<&aws_smithy_types::DateTime>,
) -> Option<Listed> {
    let (Some(name), Some(arn), Some(created_at)) = (name, arn, time(created)) else {
        tracing::warn!(
            ?name,
            ?arn,
            "summary without name, ARN or creation time skipped"
        );
        return None;
    };
    Some(Listed {
        name: name.to_string(),
        arn: arn.to_string(),
        status: JobStatus::new(status.unwrap_or("Unknown")),
        created_at,
        ended_at: time(ended),
        last_modified_at: time(modified),
        instance_type: None,
        instance_count: None,
        failure_reason: None,
        app: None,
        compute: None,
        billing: None,
    })
}

fn with_reason(mut listed: Listed, reason: Option<&str>) -> Listed {
    listed.failure_reason = text(reason);
    listed
}

pub(super) fn page(items: impl Iterator<Item = Option<Listed>>, next_token: Option<&str>) -> Page {
    Page {
        items: items.flatten().collect(),
        next_token: next_token.filter(|t| !t.is_empty()).map(str::to_string),
    }
}

/// Tags as key/value pairs; a tag without a key (never seen from AWS) is skipped.
fn pairs(tags: &[sm::Tag]) -> impl Iterator<Item = (String, String)> + '_ {
    tags.iter().filter_map(|t| {
        t.key()
            .map(|k| (k.to_string(), t.value().unwrap_or_default().to_string()))
    })
}

/// A Search result in domain terms; `None` (skipped) without a name to match it by.
fn searched(
    name: Option<&str>,
    arn: Option<&str>,
    tags: &[sm::Tag],
    details: Details,
    version: Option<(Option<&aws_smithy_types::DateTime>, Option<&str>)>,
) -> Option<Searched> {
    Some(Searched {
        name: name?.to_string(),
        arn: arn.map(str::to_string),
        tags: pairs(tags).collect::<Tags>(),
        details,
        version: version.and_then(|(modified, status)| {
            Some(sagescope_core::model::change_marker(
                time(modified),
                &JobStatus::new(status?),
            ))
        }),
    })
}

fn searched_training(job: &sm::TrainingJob) -> Option<Searched> {
    let (instance_type, instance_count) = job
        .resource_config()
        .map(training_resources)
        .unwrap_or_default();
    searched(
        job.training_job_name(),
        job.training_job_arn(),
        job.tags(),
        Details {
            instance_type,
            instance_count,
            failure_reason: text(job.failure_reason()),
            billing: Some(training_billing(
                job.billable_time_in_seconds(),
                job.training_time_in_seconds(),
                job.enable_managed_spot_training(),
            )),
            ..Details::default()
        },
        Some((
            job.last_modified_time(),
            job.training_job_status().map(|s| s.as_str()),
        )),
    )
}

fn searched_tuning(job: &sm::HyperParameterTuningJobSearchEntity) -> Option<Searched> {
    let (instance_type, instance_count) = job
        .training_job_definition()
        .or_else(|| job.training_job_definitions().first())
        .and_then(|d| d.resource_config())
        .map(training_resources)
        .unwrap_or_default();
    searched(
        job.hyper_parameter_tuning_job_name(),
        job.hyper_parameter_tuning_job_arn(),
        job.tags(),
        Details {
            instance_type,
            instance_count,
            failure_reason: text(job.failure_reason()),
            ..Details::default()
        },
        Some((
            job.last_modified_time(),
            job.hyper_parameter_tuning_job_status().map(|s| s.as_str()),
        )),
    )
}

/// A record read for its tags alone (a tag-only kind: models, pipelines, ...).
fn tags_only(name: Option<&str>, arn: Option<&str>, tags: &[sm::Tag]) -> Option<Searched> {
    searched(name, arn, tags, Details::default(), None)
}

/// An endpoint record lacks its instance type (that is in the endpoint config), so its
/// details are never complete: endpoints are described, Search only reads their tags.
fn searched_endpoint(endpoint: &sm::Endpoint) -> Option<Searched> {
    searched(
        endpoint.endpoint_name(),
        endpoint.endpoint_arn(),
        endpoint.tags(),
        Details::default(),
        None,
    )
}
