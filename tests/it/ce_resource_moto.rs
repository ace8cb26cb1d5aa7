//! The `ce-resource` cost source through the real binary against moto: each finished job's
//! cost from Cost Explorer's resource-level data (`GetCostAndUsageWithResources`), what a
//! refresh costs in requests (first time, again within the spend TTL), and the opt-in
//! switched off.
//!
//! The world's line items name each resource by its ARN in lower case, as SageMaker writes
//! ARNs; the jobs' names carry capitals (moto keeps them in its ARNs), so the join must ignore
//! case. Every expected dollar below is the fixture's own number, written here.

use crate::support;

use std::path::Path;

use chrono::{Duration, Utc};
use serde_json::{Value, json};
use support::cli::{one_account_config, row, run_json, sagescope};
use support::moto::{DEFAULT_ACCOUNT, Moto, moto};

const REGION: &str = "us-east-1";
const SAGEMAKER: &str = "Amazon SageMaker";

/// Two finished training jobs, both billed by the second (their billable time is known, so
/// `ce-resource` must outrank it).
fn world(moto: &mut Moto) -> std::collections::BTreeMap<String, String> {
    let arns = moto.tag_world(&json!([
        {"account": DEFAULT_ACCOUNT, "region": REGION, "kind": "training",
         "name": "Resnet-Big", "tags": {"project": "vision"}},
        {"account": DEFAULT_ACCOUNT, "region": REGION, "kind": "training",
         "name": "bert-small", "tags": {}},
    ]));
    for (age, name) in ["Resnet-Big", "bert-small"].into_iter().enumerate() {
        moto.training_billing(
            DEFAULT_ACCOUNT,
            REGION,
            name,
            json!({"instance_type": "ml.g5.2xlarge", "instance_count": 1, "age_hours": 3 + age,
                   "trained_seconds": 3600, "billable_seconds": 3600, "spot": false}),
        );
    }
    arns
}

/// Line items: Resnet-Big billed 41.25 + 12.50 = 53.75 over two days, bert-small 7.40; a day
/// older than 14 days, another service's resource and usage without a resource id are
/// outside what the question asks.
fn items(arns: &std::collections::BTreeMap<String, String>) -> Value {
    let today = Utc::now().date_naive();
    let day = |back: i64| (today - Duration::days(back)).to_string();
    let arn = |name: &str| arns[name].to_lowercase();
    json!([
        {"day": day(2), "service": SAGEMAKER, "amount": 41.25, "tags": {"project": "vision"},
         "resource_id": arn("Resnet-Big")},
        {"day": day(1), "service": SAGEMAKER, "amount": 12.5, "tags": {"project": "vision"},
         "resource_id": arn("Resnet-Big")},
        {"day": day(1), "service": SAGEMAKER, "amount": 7.4, "tags": {},
         "resource_id": arn("bert-small")},
        {"day": day(20), "service": SAGEMAKER, "amount": 500.0, "tags": {},
         "resource_id": arn("bert-small")},
        {"day": day(1), "service": "Amazon Simple Storage Service", "amount": 99.0,
         "tags": {}, "resource_id": arn("bert-small")},
        {"day": day(1), "service": SAGEMAKER, "amount": 3.0, "tags": {}},
    ])
}

fn with_resources(moto: &mut Moto) -> usize {
    moto.requests()
        .iter()
        .filter(|(_, _, _, op)| op == "GetCostAndUsageWithResources")
        .count()
}

fn export_jobs(home: &Path, endpoint: &str, config: &str) -> (Value, String) {
    let mut cmd = sagescope(home, endpoint);
    cmd.args(["export", "jobs", "--config", config]);
    let (code, doc, stderr) = run_json(&mut cmd);
    assert_eq!(code, 0, "{stderr}");
    (doc, stderr)
}

fn assert_cost(doc: &Value, name: &str, source: &str, usd: f64) {
    let r = row(doc, name);
    assert_eq!(r["cost_source"], source, "{r}");
    let cost = r["cost_usd"].as_f64().expect("a cost");
    assert!(
        (cost - usd).abs() <= usd * 0.01,
        "{name}: {cost} is not within 1% of {usd}"
    );
}

#[test]
fn finished_jobs_cost_what_resource_level_data_billed_asked_once_per_ttl() {
    let mut moto = moto();
    let arns = world(&mut moto);
    moto.cost_items(DEFAULT_ACCOUNT, &items(&arns));
    // Four groups (three resources and usage of none) over two days: two pages of two.
    moto.resource_level(DEFAULT_ACCOUNT, true, Some(2));
    let home = tempfile::tempdir().expect("tempdir");
    let config = one_account_config(home.path(), "[spend]\nresource_costs = true\n");
    let endpoint = moto.endpoint();
    moto.requests();

    let (jobs, stderr) = export_jobs(home.path(), &endpoint, &config);
    assert_cost(&jobs, "Resnet-Big", "ce-resource", 53.75);
    assert_cost(&jobs, "bert-small", "ce-resource", 7.4);
    assert_eq!(with_resources(&mut moto), 2, "one request per page");
    assert!(
        stderr.contains("2 SageMaker resources over the last 14 days; 2 requests ($0.02)"),
        "{stderr}"
    );

    // Again within the spend TTL: the cached answer, no request.
    let (again, stderr) = export_jobs(home.path(), &endpoint, &config);
    assert_eq!(with_resources(&mut moto), 0, "{stderr}");
    assert_cost(&again, "Resnet-Big", "ce-resource", 53.75);
    assert!(stderr.contains("from the cache, 0 requests"), "{stderr}");

    // Offline: the cached answer, whatever its age, and nothing asked.
    let mut cmd = sagescope(home.path(), &endpoint);
    cmd.args(["export", "jobs", "--offline", "--config", &config]);
    let (code, offline, stderr) = run_json(&mut cmd);
    assert_eq!(code, 0, "{stderr}");
    assert!(moto.requests().is_empty(), "offline asks nothing");
    assert_cost(&offline, "Resnet-Big", "ce-resource", 53.75);
    assert_cost(&offline, "bert-small", "ce-resource", 7.4);

    // Switched off in the config: nothing asked, billed seconds stand in.
    let off = one_account_config(home.path(), "");
    let (plain, _) = export_jobs(home.path(), &endpoint, &off);
    assert_eq!(with_resources(&mut moto), 0);
    assert_eq!(row(&plain, "Resnet-Big")["cost_source"], "billable-time");
}

#[test]
fn resource_level_data_switched_off_is_one_warning_asked_once_per_ttl_and_the_other_sources_stand()
{
    let mut moto = moto();
    let arns = world(&mut moto);
    moto.cost_items(DEFAULT_ACCOUNT, &items(&arns));
    moto.resource_level(DEFAULT_ACCOUNT, false, None);
    let home = tempfile::tempdir().expect("tempdir");
    let config = one_account_config(home.path(), "[spend]\nresource_costs = true\n");
    let endpoint = moto.endpoint();
    moto.requests();

    let (jobs, stderr) = export_jobs(home.path(), &endpoint, &config);
    assert_eq!(with_resources(&mut moto), 1, "refused once, not retried");
    let warnings: Vec<&str> = stderr
        .lines()
        .filter(|l| l.starts_with("warning:"))
        .collect();
    assert_eq!(warnings.len(), 1, "{stderr}");
    assert!(
        warnings[0].contains("Daily granularity resource-level data")
            && warnings[0].contains("Cost Management preferences"),
        "names the setting: {stderr}"
    );
    assert_eq!(row(&jobs, "Resnet-Big")["cost_source"], "billable-time");
    assert_eq!(row(&jobs, "bert-small")["cost_source"], "billable-time");

    // The refusal is kept for the spend TTL: the next refresh says it again, paying nothing
    // (the UI refreshes every 30 s, and each refused request is billed).
    let (_, stderr) = export_jobs(home.path(), &endpoint, &config);
    assert_eq!(with_resources(&mut moto), 0, "{stderr}");
    assert!(
        stderr.contains("Daily granularity resource-level data"),
        "{stderr}"
    );
}
