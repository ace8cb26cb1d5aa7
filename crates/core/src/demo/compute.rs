//! Demo inference components and HyperPod clusters: an endpoint in ml-prod hosting three
//! models as components (one failed to place), and two HyperPod clusters, one of them with a
//! failed GPU node.

use chrono::{DateTime, Duration, Utc};

use super::ACCOUNTS;
use crate::model::{
    ClusterInfo, ComponentInfo, Compute, InstanceGroup, Job, JobStatus, ResourceKind, Tags,
};

/// The endpoint the demo's components run on.
pub(super) const SHARED_ENDPOINT: &str = "llm-serving-shared";

/// (name, model, status, copies, CPU cores, accelerators, memory MiB) per component.
const COMPONENTS: [(&str, &str, &str, u32, f64, f64, u32); 3] = [
    (
        "llama-3-8b-chat",
        "llama-3-8b-instruct",
        "InService",
        2,
        4.0,
        1.0,
        24_576,
    ),
    (
        "mistral-7b-summarize",
        "mistral-7b-v03",
        "InService",
        1,
        4.0,
        1.0,
        16_384,
    ),
    ("bge-embedder", "bge-large-en", "Failed", 0, 2.0, 1.0, 8_192),
];

/// What the demo world adds: the shared endpoint, its components and the clusters.
pub(super) fn generate(now: DateTime<Utc>) -> Vec<Job> {
    let mut out = vec![shared_endpoint(now)];
    out.extend(components(now));
    out.extend(clusters(now));
    out
}

fn tags(project: &str, owner: Option<&str>) -> Tags {
    let mut tags = Tags::new();
    tags.insert("cost-center".into(), "cc-3300".into());
    tags.insert("project".into(), project.into());
    tags.insert("environment".into(), "production".into());
    if let Some(owner) = owner {
        tags.insert("owner".into(), owner.into());
    }
    tags
}

fn base(
    account: usize,
    region: &str,
    kind: ResourceKind,
    name: &str,
    status: &str,
    created_at: DateTime<Utc>,
) -> Job {
    let account = &ACCOUNTS[account];
    Job {
        account_id: account.id.into(),
        account_name: account.name.into(),
        region: region.into(),
        kind,
        name: name.to_string(),
        arn: format!(
            "arn:aws:sagemaker:{region}:{}:{}/{name}",
            account.id,
            kind.arn_segment()
        ),
        status: JobStatus::new(status),
        created_at,
        ended_at: None,
        last_modified_at: Some(created_at),
        instance_type: None,
        instance_count: None,
        failure_reason: None,
        tags: Tags::new(),
        app: None,
        compute: None,
        billing: None,
        streamed_at: None,
        created_by: None,
    }
}

/// ml-prod's endpoint with two GPU instances shared by the components below.
fn shared_endpoint(now: DateTime<Utc>) -> Job {
    let mut job = base(
        1,
        "us-east-1",
        ResourceKind::Endpoint,
        SHARED_ENDPOINT,
        "InService",
        now - Duration::days(12),
    );
    job.instance_type = Some("ml.g5.12xlarge".into());
    job.instance_count = Some(2);
    job.tags = tags("llm-finetune", Some("dara"));
    job
}

fn components(now: DateTime<Utc>) -> Vec<Job> {
    COMPONENTS
        .iter()
        .enumerate()
        .map(
            |(n, &(name, model, status, copies, cores, devices, memory))| {
                let mut job = base(
                    1,
                    "us-east-1",
                    ResourceKind::InferenceComponent,
                    name,
                    status,
                    now - Duration::days(11) + Duration::hours(i64::try_from(n).unwrap_or(0) * 7),
                );
                job.failure_reason = (status == "Failed").then(|| {
                    "Insufficient accelerator memory on the endpoint's instances to place 1 copy \
                 requiring 1 accelerator and 8192 MB."
                        .to_string()
                });
                // The embedder was deployed by hand: no owner tag.
                job.tags = tags("llm-finetune", (n < 2).then_some("dara"));
                job.compute = Some(Box::new(Compute::Component(ComponentInfo {
                    endpoint_name: SHARED_ENDPOINT.into(),
                    variant_name: Some("AllTraffic".into()),
                    model_name: Some(model.into()),
                    copies: Some(copies),
                    desired_copies: Some(copies.max(1)),
                    cpu_cores: Some(cores),
                    accelerators: Some(devices),
                    min_memory_mb: Some(memory),
                })));
                job
            },
        )
        .collect()
}

fn group(name: &str, instance_type: &str, count: u32, failed: u32) -> InstanceGroup {
    InstanceGroup {
        name: name.into(),
        instance_type: instance_type.into(),
        count,
        failed,
        failure_message: (failed > 0).then(|| {
            "Node failed deep health check (NCCL all-reduce test): replacement pending".into()
        }),
    }
}

/// research's pre-training cluster (4 p4d workers, one failed, and a controller) and
/// ml-dev's small g5 sandbox cluster.
fn clusters(now: DateTime<Utc>) -> Vec<Job> {
    let specs = [
        (
            2,
            "us-west-2",
            "research-pretrain",
            20,
            vec![
                group("controller", "ml.c5.xlarge", 1, 0),
                group("gpu-workers", "ml.p4d.24xlarge", 4, 1),
            ],
            Some("dara"),
        ),
        (
            0,
            "us-east-1",
            "dev-sandbox",
            3,
            vec![
                group("controller", "ml.c5.xlarge", 1, 0),
                group("workers", "ml.g5.8xlarge", 2, 0),
            ],
            None,
        ),
    ];
    specs
        .into_iter()
        .map(|(account, region, name, days, groups, owner)| {
            let mut job = base(
                account,
                region,
                ResourceKind::HyperPodCluster,
                name,
                "InService",
                now - Duration::days(days),
            );
            job.last_modified_at = None;
            let cluster = ClusterInfo { groups };
            job.instance_type = cluster.instance_types().map(Into::into);
            job.instance_count = Some(cluster.nodes());
            job.compute = Some(Box::new(Compute::Cluster(cluster)));
            job.tags = tags("llm-finetune", owner);
            job
        })
        .collect()
}
