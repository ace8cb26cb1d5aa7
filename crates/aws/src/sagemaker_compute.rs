//! SageMaker's inference components and HyperPod clusters, in domain terms: the two kinds
//! whose compute is not "an instance type times a count" (see [`sagescope_core::model::Compute`]).

use aws_sdk_sagemaker::types as sm;

use super::errors::classify;
use super::sagemaker::{SageMakerSource, count, listed, page, text};
use sagescope_core::model::{ClusterInfo, ComponentInfo, Compute, InstanceGroup};
use sagescope_engine::fetch::source::{Details, Page, SourceError};

/// Page size for the List calls here, as for every other List call.
const PAGE_SIZE: i32 = 100;

/// What `ListClusterNodes` says of a node that failed (`ClusterInstanceStatus`).
const NODE_FAILED: &str = "Failure";

impl SageMakerSource {
    /// One page of `ListInferenceComponents`, newest first: each component with the endpoint
    /// it runs on (the summary names it, so no describe is needed for that).
    pub(super) async fn list_inference_components(
        &self,
        token: Option<String>,
    ) -> Result<Page, SourceError> {
        let out = self
            .client
            .list_inference_components()
            .max_results(PAGE_SIZE)
            .sort_by(sm::InferenceComponentSortKey::CreationTime)
            .sort_order(sm::OrderKey::Descending)
            .set_next_token(token)
            .send()
            .await
            .map_err(|e| classify(e, "ListInferenceComponents", &self.context))?;
        Ok(page(
            out.inference_components().iter().map(|s| {
                let mut item = listed(
                    s.inference_component_name(),
                    s.inference_component_arn(),
                    s.inference_component_status().map(|x| x.as_str()),
                    s.creation_time(),
                    None,
                    s.last_modified_time(),
                )?;
                item.compute = Some(Compute::Component(ComponentInfo {
                    endpoint_name: s.endpoint_name().unwrap_or("-").to_string(),
                    variant_name: text(s.variant_name()),
                    ..ComponentInfo::default()
                }));
                Some(item)
            }),
            out.next_token(),
        ))
    }

    /// One page of `ListClusters`, newest first. The summary has no failure message, groups
    /// or node counts: those come from `DescribeCluster` and `ListClusterNodes` in the
    /// describe pass.
    pub(super) async fn list_hyperpod_clusters(
        &self,
        token: Option<String>,
    ) -> Result<Page, SourceError> {
        let out = self
            .client
            .list_clusters()
            .max_results(PAGE_SIZE)
            .sort_by(sm::ClusterSortBy::CreationTime)
            .sort_order(sm::SortOrder::Descending)
            .set_next_token(token)
            .send()
            .await
            .map_err(|e| classify(e, "ListClusters", &self.context))?;
        Ok(page(
            out.cluster_summaries().iter().map(|s| {
                listed(
                    s.cluster_name(),
                    s.cluster_arn(),
                    s.cluster_status().map(|x| x.as_str()),
                    s.creation_time(),
                    None,
                    None,
                )
            }),
            out.next_token(),
        ))
    }

    /// `DescribeInferenceComponent`: its copies, the model and what each copy reserves on
    /// the endpoint's instances.
    pub(super) async fn describe_inference_component(
        &self,
        name: &str,
    ) -> Result<Details, SourceError> {
        let out = self
            .client
            .describe_inference_component()
            .inference_component_name(name)
            .send()
            .await
            .map_err(|e| classify(e, "DescribeInferenceComponent", &self.context))?;
        let spec = out.specification();
        let needs = spec.and_then(|s| s.compute_resource_requirements());
        let runtime = out.runtime_config();
        let component = ComponentInfo {
            endpoint_name: out.endpoint_name().unwrap_or("-").to_string(),
            variant_name: text(out.variant_name()),
            model_name: text(spec.and_then(|s| s.model_name())),
            copies: runtime.and_then(|r| r.current_copy_count()).and_then(count),
            desired_copies: runtime.and_then(|r| r.desired_copy_count()).and_then(count),
            cpu_cores: needs
                .and_then(|n| n.number_of_cpu_cores_required())
                .map(f64::from),
            accelerators: needs
                .and_then(|n| n.number_of_accelerator_devices_required())
                .map(f64::from),
            min_memory_mb: needs
                .and_then(|n| n.min_memory_required_in_mb())
                .and_then(count),
        };
        Ok(Details {
            failure_reason: text(out.failure_reason()),
            compute: Some(Compute::Component(component)),
            ..Details::default()
        })
    }

    /// A HyperPod cluster (`DescribeCluster`): why it failed, and its instance groups; then,
    /// when the groups say nodes exist, every node (`ListClusterNodes`, all pages, counted as
    /// extra requests), which is what tells a failed node apart. A cluster without nodes (one
    /// whose creation failed, say) is priced and shown by its groups alone.
    pub(super) async fn describe_cluster(&self, name: &str) -> Result<Details, SourceError> {
        let out = self
            .client
            .describe_cluster()
            .cluster_name(name)
            .send()
            .await
            .map_err(|e| classify(e, "DescribeCluster", &self.context))?;
        let described = ClusterInfo {
            groups: out.instance_groups().iter().filter_map(group).collect(),
        };
        let mut details = Details::default();
        let mut cluster = ClusterInfo::default();
        if described.nodes() > 0 {
            self.add_cluster_nodes(name, &mut cluster, &mut details)
                .await?;
        }
        if cluster.groups.is_empty() {
            cluster = described;
        }
        details.failure_reason = text(out.failure_message());
        details.instance_type = cluster.instance_types();
        details.instance_count = Some(cluster.nodes());
        details.compute = Some(Compute::Cluster(cluster));
        Ok(details)
    }

    /// Every node of a HyperPod cluster (`ListClusterNodes`, all pages), grouped by instance
    /// group: what the cluster costs an hour and which nodes failed.
    async fn add_cluster_nodes(
        &self,
        name: &str,
        cluster: &mut ClusterInfo,
        details: &mut Details,
    ) -> Result<(), SourceError> {
        let mut token: Option<String> = None;
        loop {
            details.extra_requests.push("ListClusterNodes");
            let out = self
                .client
                .list_cluster_nodes()
                .cluster_name(name)
                .max_results(PAGE_SIZE)
                .set_next_token(token.take())
                .send()
                .await
                .map_err(|e| classify(e, "ListClusterNodes", &self.context))?;
            for node in out.cluster_node_summaries() {
                add_node(cluster, node);
            }
            match out.next_token().filter(|t| !t.is_empty()) {
                Some(next) => token = Some(next.to_string()),
                None => return Ok(()),
            }
        }
    }
}

/// An instance group as `DescribeCluster` states it: its nodes are those it has now
/// (`CurrentCount`), not those it aims at. `None` (skipped, logged) without a name or type.
fn group(details: &sm::ClusterInstanceGroupDetails) -> Option<InstanceGroup> {
    let (Some(name), Some(instance_type)) =
        (details.instance_group_name(), details.instance_type())
    else {
        tracing::warn!("cluster instance group without name or type skipped");
        return None;
    };
    Some(InstanceGroup {
        name: name.to_string(),
        instance_type: instance_type.as_str().to_string(),
        count: details.current_count().and_then(count).unwrap_or(0),
        failed: 0,
        failure_message: None,
    })
}

/// Counts one node into its instance group (groups in the order first seen).
fn add_node(cluster: &mut ClusterInfo, node: &sm::ClusterNodeSummary) {
    let (Some(group_name), Some(instance_type)) =
        (node.instance_group_name(), node.instance_type())
    else {
        tracing::warn!("cluster node without instance group or type skipped");
        return;
    };
    let status = node.instance_status();
    let failed = status.and_then(|s| s.status()).map(|s| s.as_str()) == Some(NODE_FAILED);
    let index = match cluster
        .groups
        .iter()
        .position(|g| g.name == group_name && g.instance_type == instance_type.as_str())
    {
        Some(index) => index,
        None => {
            cluster.groups.push(InstanceGroup {
                name: group_name.to_string(),
                instance_type: instance_type.as_str().to_string(),
                count: 0,
                failed: 0,
                failure_message: None,
            });
            cluster.groups.len() - 1
        }
    };
    let group = &mut cluster.groups[index];
    group.count += 1;
    if failed {
        group.failed += 1;
        if group.failure_message.is_none() {
            group.failure_message = text(status.and_then(|s| s.message()));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn node(group: &str, instance_type: &str, status: &str) -> sm::ClusterNodeSummary {
        sm::ClusterNodeSummary::builder()
            .instance_group_name(group)
            .instance_id(format!("i-{group}"))
            .instance_type(sm::ClusterInstanceType::from(instance_type))
            .instance_status(
                sm::ClusterInstanceStatusDetails::builder()
                    .status(sm::ClusterInstanceStatus::from(status))
                    .message("EFA health check failed")
                    .build(),
            )
            .build()
    }

    #[test]
    fn nodes_group_by_instance_group_and_count_failures() {
        let mut cluster = ClusterInfo::default();
        for n in [
            node("workers", "ml.p4d.24xlarge", "Running"),
            node("controller", "ml.c5.xlarge", "Running"),
            node("workers", "ml.p4d.24xlarge", "Failure"),
        ] {
            add_node(&mut cluster, &n);
        }
        assert_eq!(cluster.groups.len(), 2);
        assert_eq!(cluster.groups[0].name, "workers");
        assert_eq!(cluster.groups[0].count, 2);
        assert_eq!(cluster.groups[0].failed, 1);
        assert_eq!(
            cluster.groups[0].failure_message.as_deref(),
            Some("EFA health check failed")
        );
        assert_eq!(cluster.groups[1].count, 1);
        assert_eq!(cluster.groups[1].failed, 0);
    }
}
