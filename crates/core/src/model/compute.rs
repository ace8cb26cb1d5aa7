//! What an inference component or a HyperPod cluster adds to its row: where its compute comes
//! from and how much of it there is. Neither fits the "one instance type times a count" shape
//! of jobs: a component borrows part of its endpoint's instances, a cluster is several
//! instance groups of different types.

use serde::{Deserialize, Serialize};

/// The compute behind an inference component or a HyperPod cluster.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Compute {
    Component(ComponentInfo),
    Cluster(ClusterInfo),
}

/// An inference component: the endpoint it runs on (`ListInferenceComponents`), its copies
/// and what each copy reserves (`DescribeInferenceComponent`). Its money is the endpoint's.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct ComponentInfo {
    pub endpoint_name: String,
    pub variant_name: Option<String>,
    pub model_name: Option<String>,
    /// `RuntimeConfig.CurrentCopyCount` and `DesiredCopyCount`.
    pub copies: Option<u32>,
    pub desired_copies: Option<u32>,
    /// `ComputeResourceRequirements`, per copy.
    pub cpu_cores: Option<f64>,
    pub accelerators: Option<f64>,
    pub min_memory_mb: Option<u32>,
}

/// A HyperPod cluster's nodes (`ListClusterNodes`), grouped by instance group.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct ClusterInfo {
    pub groups: Vec<InstanceGroup>,
}

/// The nodes of one instance group, as listed.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct InstanceGroup {
    pub name: String,
    pub instance_type: String,
    pub count: u32,
    /// Nodes whose `InstanceStatus.Status` is `Failure`, and the first such node's message.
    #[serde(default)]
    pub failed: u32,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub failure_message: Option<String>,
}

impl ClusterInfo {
    /// Every node of the cluster.
    pub fn nodes(&self) -> u32 {
        self.groups.iter().map(|g| g.count).sum()
    }

    /// Nodes AWS reports as failed.
    pub fn failed_nodes(&self) -> u32 {
        self.groups.iter().map(|g| g.failed).sum()
    }

    /// The instance types in group order, each once, joined with `+` (as endpoints with
    /// several variants show theirs).
    pub fn instance_types(&self) -> Option<String> {
        let mut types: Vec<&str> = Vec::new();
        for group in &self.groups {
            if !types.contains(&group.instance_type.as_str()) {
                types.push(&group.instance_type);
            }
        }
        (!types.is_empty()).then(|| types.join("+"))
    }
}

impl Compute {
    pub fn component(&self) -> Option<&ComponentInfo> {
        match self {
            Compute::Component(c) => Some(c),
            Compute::Cluster(_) => None,
        }
    }

    pub fn cluster(&self) -> Option<&ClusterInfo> {
        match self {
            Compute::Cluster(c) => Some(c),
            Compute::Component(_) => None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn group(name: &str, instance_type: &str, count: u32, failed: u32) -> InstanceGroup {
        InstanceGroup {
            name: name.into(),
            instance_type: instance_type.into(),
            count,
            failed,
            failure_message: None,
        }
    }

    #[test]
    fn a_cluster_counts_its_nodes_and_names_each_type_once() {
        let cluster = ClusterInfo {
            groups: vec![
                group("workers", "ml.p4d.24xlarge", 4, 1),
                group("controller", "ml.c5.xlarge", 1, 0),
                group("spare", "ml.p4d.24xlarge", 2, 1),
            ],
        };
        assert_eq!(cluster.nodes(), 7);
        assert_eq!(cluster.failed_nodes(), 2);
        assert_eq!(
            cluster.instance_types().as_deref(),
            Some("ml.p4d.24xlarge+ml.c5.xlarge")
        );
        assert_eq!(ClusterInfo::default().instance_types(), None);
    }
}
