//! Inference components and HyperPod clusters against moto (components served by
//! tests/moto/world.py's layer with botocore's shapes; clusters created through moto's
//! CreateCluster, their nodes paged by the world as AWS pages them), through the real binary:
//! what `export jobs` and `export untagged` say of them, and what reading them costs.

use crate::support;

use std::collections::BTreeMap;
use std::path::Path;

use serde_json::{Value, json};
use support::cli::{one_account_config, run_json, sagescope};
use support::moto::{DEFAULT_ACCOUNT, moto};

const ENDPOINT: &str = "llm-shared";

/// Why the `broken` cluster's creation failed (what `DescribeCluster` says).
const BROKEN_REASON: &str =
    "InsufficientCapacity: no ml.g5.8xlarge capacity in the requested Availability Zone";

fn config(home: &Path) -> String {
    one_account_config(home, "[tags]\nmandatory = [\"cost-center\", \"owner\"]\n")
}

/// Three components on one endpoint (one failed to place, one without an owner tag) and
/// three clusters: a GPU cluster with a failed node, a CPU farm of 120 nodes (two pages of
/// ListClusterNodes) without an owner tag, and a cluster whose creation failed (no nodes).
fn seed(moto: &mut support::moto::Moto) {
    moto.reset();
    let complete = json!({"cost-center": "cc-1", "owner": "ana"});
    let partial = json!({"cost-center": "cc-1"});
    moto.call(
        json!({"cmd": "inference_components", "account": DEFAULT_ACCOUNT,
        "region": "us-east-1", "components": [
            {"name": "chat", "endpoint": ENDPOINT, "model": "llama-8b", "status": "InService",
             "copies": 2, "desired_copies": 3, "cpu_cores": 4, "accelerators": 1,
             "memory_mb": 24576, "tags": complete, "created_minutes_ago": 300},
            {"name": "summarize", "endpoint": ENDPOINT, "model": "mistral-7b",
             "status": "InService", "copies": 1, "cpu_cores": 2, "accelerators": 1,
             "memory_mb": 16384, "tags": partial, "created_minutes_ago": 200},
            {"name": "embed", "endpoint": ENDPOINT, "model": "bge", "status": "Failed",
             "copies": 0, "cpu_cores": 1, "accelerators": 1, "memory_mb": 8192,
             "failure_reason": "Insufficient accelerator memory to place 1 copy",
             "tags": complete, "created_minutes_ago": 100},
        ]}),
    );
    moto.call(
        json!({"cmd": "clusters", "account": DEFAULT_ACCOUNT, "region": "us-east-1",
        "clusters": [
            {"name": "pretrain", "tags": complete, "groups": [
                {"name": "controller", "instance_type": "ml.c5.xlarge", "count": 1},
                {"name": "gpu-workers", "instance_type": "ml.p4d.24xlarge", "count": 2,
                 "failed": 1, "message": "NCCL all-reduce health check failed"}]},
            {"name": "cpu-farm", "tags": partial, "groups": [
                {"name": "cpu", "instance_type": "ml.c5.large", "count": 120}]},
            {"name": "broken", "status": "Failed", "tags": complete,
             "failure_message": BROKEN_REASON, "groups": [
                {"name": "gpu", "instance_type": "ml.g5.8xlarge", "count": 1}]},
        ]}),
    );
}

/// Requests per operation of the new kinds since the last call.
fn compute_requests(moto: &mut support::moto::Moto) -> BTreeMap<String, usize> {
    let mut map = BTreeMap::new();
    for (_, _, _, op) in moto.requests() {
        if op.contains("InferenceComponent") || op.contains("Cluster") || op == "ListTags" {
            *map.entry(op).or_default() += 1;
        }
    }
    map
}

fn rows_of<'a>(doc: &'a Value, kind: &str) -> BTreeMap<String, &'a Value> {
    doc["rows"]
        .as_array()
        .expect("rows")
        .iter()
        .filter(|r| r["kind"] == kind)
        .map(|r| (r["name"].as_str().expect("name").to_string(), r))
        .collect()
}

#[test]
fn export_jobs_lists_components_with_their_endpoint_and_clusters_priced_by_their_nodes() {
    let mut moto = moto();
    seed(&mut moto);
    let home = tempfile::tempdir().expect("tempdir");
    let config = config(home.path());
    let endpoint = moto.endpoint();

    let (code, doc, stderr) =
        run_json(sagescope(home.path(), &endpoint).args(["export", "jobs", "--config", &config]));
    assert_eq!(code, 0, "{stderr}");
    assert_eq!(doc["errors"], json!([]), "{stderr}");

    let components = rows_of(&doc, "inference-component");
    assert_eq!(components.len(), 3, "{components:?}");
    let chat = components["chat"];
    assert_eq!(chat["endpoint"], ENDPOINT);
    assert_eq!(chat["status"], "InService");
    assert_eq!(chat["copies"], 2);
    assert_eq!(chat["cpu_cores_per_copy"], 4.0);
    assert_eq!(chat["accelerators_per_copy"], 1.0);
    assert_eq!(chat["memory_mb_per_copy"], 24576);
    assert_eq!(
        chat["usd_per_hour"],
        Value::Null,
        "a component's money is its endpoint's"
    );
    assert_eq!(
        chat["arn"],
        "arn:aws:sagemaker:us-east-1:123456789012:inference-component/chat"
    );
    let embed = components["embed"];
    assert_eq!(embed["status"], "Failed");
    assert_eq!(
        embed["failure_reason"],
        "Insufficient accelerator memory to place 1 copy"
    );
    assert_eq!(components["summarize"]["copies"], 1);

    let clusters = rows_of(&doc, "hyperpod-cluster");
    assert_eq!(clusters.len(), 3, "{clusters:?}");
    let pretrain = clusters["pretrain"];
    assert_eq!(pretrain["status"], "InService");
    // crates/core/assets/prices.csv, us-east-1: ml.c5.xlarge 0.204, ml.p4d.24xlarge 25.2512883.
    // 0.204 + 2 × 25.2512883 = 50.7065766 → 50.71.
    assert_eq!(pretrain["usd_per_hour"], 50.71, "{pretrain}");
    assert_eq!(pretrain["instance_count"], 3);
    assert_eq!(
        pretrain["instance_groups"],
        "controller:ml.c5.xlarge:1;gpu-workers:ml.p4d.24xlarge:2"
    );
    assert_eq!(pretrain["failed_nodes"], 1);
    assert_eq!(pretrain["flags"], json!(["failed_nodes"]), "{pretrain}");
    let farm = clusters["cpu-farm"];
    // 120 × ml.c5.large 0.102 = 12.24, the nodes read over two pages.
    assert_eq!(farm["usd_per_hour"], 12.24, "{farm}");
    assert_eq!(farm["instance_count"], 120);
    assert_eq!(farm["flags"], json!([]));
    let broken = clusters["broken"];
    assert_eq!(broken["status"], "Failed");
    assert_eq!(
        broken["usd_per_hour"],
        Value::Null,
        "a failed cluster burns nothing"
    );
    assert_eq!(broken["failure_reason"], BROKEN_REASON, "{broken}");
    // No nodes: its instance group from DescribeCluster, with the none it holds.
    assert_eq!(broken["instance_type"], "ml.g5.8xlarge", "{broken}");
    assert_eq!(broken["instance_count"], 0, "{broken}");
    assert_eq!(broken["instance_groups"], "gpu:ml.g5.8xlarge:0", "{broken}");
    assert_eq!(pretrain["failure_reason"], Value::Null, "{pretrain}");

    // One page of components and clusters, a describe per component, DescribeCluster per
    // cluster and ListClusterNodes per cluster with nodes (two for the farm, none for the
    // failed one). `export jobs` reads no tags.
    let first = compute_requests(&mut moto);
    eprintln!("first refresh: {first:?}");
    assert_eq!(first.get("ListInferenceComponents"), Some(&1), "{first:?}");
    assert_eq!(
        first.get("DescribeInferenceComponent"),
        Some(&3),
        "{first:?}"
    );
    assert_eq!(first.get("ListClusters"), Some(&1), "{first:?}");
    assert_eq!(first.get("DescribeCluster"), Some(&3), "{first:?}");
    assert_eq!(first.get("ListClusterNodes"), Some(&3), "{first:?}");

    // Steady state: one List of each; nothing changed, nodes read under 5 minutes ago.
    let (code, again, stderr) =
        run_json(sagescope(home.path(), &endpoint).args(["export", "jobs", "--config", &config]));
    assert_eq!(code, 0, "{stderr}");
    let second = compute_requests(&mut moto);
    eprintln!("steady-state refresh: {second:?}");
    assert_eq!(
        second.get("ListInferenceComponents"),
        Some(&1),
        "{second:?}"
    );
    assert_eq!(second.get("ListClusters"), Some(&1), "{second:?}");
    assert_eq!(second.get("DescribeInferenceComponent"), None, "{second:?}");
    assert_eq!(second.get("DescribeCluster"), None, "{second:?}");
    assert_eq!(second.get("ListClusterNodes"), None, "{second:?}");
    assert_eq!(
        rows_of(&again, "hyperpod-cluster")["pretrain"]["usd_per_hour"],
        50.71,
        "the cached nodes still price the cluster"
    );
}

#[test]
fn export_untagged_covers_components_and_clusters() {
    let mut moto = moto();
    seed(&mut moto);
    let home = tempfile::tempdir().expect("tempdir");
    let config = config(home.path());
    let endpoint = moto.endpoint();

    let (code, doc, stderr) = run_json(
        sagescope(home.path(), &endpoint).args(["export", "untagged", "--config", &config]),
    );
    assert_eq!(code, 0, "{stderr}");
    assert_eq!(doc["errors"], json!([]), "{stderr}");
    let found: Vec<(String, String, Value)> = doc["rows"]
        .as_array()
        .expect("rows")
        .iter()
        .map(|r| {
            (
                r["kind"].as_str().expect("kind").to_string(),
                r["name"].as_str().expect("name").to_string(),
                r["missing"].clone(),
            )
        })
        .collect();
    assert_eq!(
        found,
        vec![
            (
                "inference-component".to_string(),
                "summarize".to_string(),
                json!(["owner"])
            ),
            (
                "hyperpod-cluster".to_string(),
                "cpu-farm".to_string(),
                json!(["owner"])
            ),
        ],
        "exactly the two resources without an owner tag"
    );
    // Search covers neither kind: one ListTags per component and cluster, then none while
    // nothing changes.
    let first = compute_requests(&mut moto);
    eprintln!("first refresh: {first:?}");
    assert_eq!(first.get("ListTags"), Some(&6), "{first:?}");
    let (code, _, stderr) = run_json(
        sagescope(home.path(), &endpoint).args(["export", "untagged", "--config", &config]),
    );
    assert_eq!(code, 0, "{stderr}");
    let second = compute_requests(&mut moto);
    eprintln!("steady-state refresh: {second:?}");
    assert_eq!(second.get("ListTags"), None, "{second:?}");
    assert_eq!(
        second.get("ListInferenceComponents"),
        Some(&1),
        "{second:?}"
    );
    assert_eq!(second.get("ListClusters"), Some(&1), "{second:?}");
}

#[test]
fn inference_components_are_listed_over_every_page() {
    let mut moto = moto();
    moto.reset();
    // 101 components: two pages of ListInferenceComponents at 100 a page.
    let components: Vec<Value> = (0..101)
        .map(|i| {
            json!({"name": format!("ic-{i:03}"), "endpoint": ENDPOINT, "copies": 1,
                   "accelerators": 1, "created_minutes_ago": 1000 - i})
        })
        .collect();
    moto.call(
        json!({"cmd": "inference_components", "account": DEFAULT_ACCOUNT,
                     "region": "us-east-1", "components": components}),
    );
    let home = tempfile::tempdir().expect("tempdir");
    // The world enforces no quota here: let the 101 describes through at the most allowed.
    let config = one_account_config(
        home.path(),
        "[refresh]\nrequests_per_second = 10\naccount_requests_per_second = 200\n",
    );
    let (code, doc, stderr) = run_json(
        sagescope(home.path(), &moto.endpoint()).args(["export", "jobs", "--config", &config]),
    );
    assert_eq!(code, 0, "{stderr}");
    let rows = rows_of(&doc, "inference-component");
    assert_eq!(rows.len(), 101);
    assert!(
        rows.values()
            .all(|r| r["endpoint"] == ENDPOINT && r["copies"] == 1)
    );
    let requests = compute_requests(&mut moto);
    assert_eq!(
        requests.get("ListInferenceComponents"),
        Some(&2),
        "{requests:?}"
    );
    assert_eq!(
        requests.get("DescribeInferenceComponent"),
        Some(&101),
        "{requests:?}"
    );
}
