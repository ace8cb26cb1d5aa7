//! Details for every resource of a realistic world against moto, through the real binary: every
//! failed resource of every kind says why (Studio apps and HyperPod clusters included), every
//! job has its instance type and every finished job a cost, however long ago it ended; and
//! what describing finished jobs costs on the first refresh and after (`-- --nocapture` prints
//! the figures).

use crate::support;

use std::collections::BTreeMap;
use std::path::Path;
use std::time::Instant;

use serde_json::{Value, json};
use support::cli::{one_account_config, run_json, sagescope};
use support::moto::{DEFAULT_ACCOUNT, role};

const REGIONS: [&str; 2] = ["us-east-1", "eu-west-1"];
const JOBS: [&str; 4] = ["training", "processing", "transform", "tuning"];

fn three_accounts(home: &Path) -> String {
    let mut text = String::new();
    for (name, role_arn) in [
        ("main", None),
        ("second", Some(role("222222222222"))),
        ("third", Some(role("333333333333"))),
    ] {
        text.push_str(&format!("[[accounts]]\nname = \"{name}\"\n"));
        if let Some(role_arn) = role_arn {
            text.push_str(&format!("role_arn = \"{role_arn}\"\n"));
        }
        text.push_str("regions = [\"us-east-1\", \"eu-west-1\"]\n\n");
    }
    let path = home.join("sagescope.toml");
    std::fs::write(&path, text).expect("config");
    path.to_string_lossy().into_owned()
}

/// The exported row of each (account id, region, kind, name).
fn rows_by_key(doc: &Value) -> BTreeMap<(String, String, String, String), &Value> {
    doc["rows"]
        .as_array()
        .expect("rows")
        .iter()
        .map(|r| {
            let text = |field: &str| r[field].as_str().expect(field).to_string();
            (
                (
                    text("account_id"),
                    text("region"),
                    text("kind"),
                    text("name"),
                ),
                r,
            )
        })
        .collect()
}

fn key(seeded: &Value) -> (String, String, String, String) {
    let text = |field: &str| seeded[field].as_str().expect(field).to_string();
    (text("account"), text("region"), text("kind"), text("name"))
}

/// Requests per operation since the last call.
fn requests(moto: &mut support::moto::Moto) -> BTreeMap<String, usize> {
    let mut map = BTreeMap::new();
    for (_, _, _, op) in moto.requests() {
        *map.entry(op).or_default() += 1;
    }
    map
}

fn describes_of_jobs(requests: &BTreeMap<String, usize>) -> usize {
    [
        "DescribeTrainingJob",
        "DescribeProcessingJob",
        "DescribeTransformJob",
        "DescribeHyperParameterTuningJob",
        "Search",
    ]
    .iter()
    .map(|op| requests.get(*op).copied().unwrap_or(0))
    .sum()
}

#[test]
fn a_realistic_world_shows_every_reason_every_instance_type_and_every_finished_cost() {
    let mut moto = support::moto::moto();
    let accounts = [DEFAULT_ACCOUNT, "222222222222", "333333333333"];
    let mut world = moto.scale_world(&accounts, &REGIONS, 410, 230, 7);
    // Studio apps and HyperPod clusters beside the jobs, each with one that failed.
    let app_reason = "ResourceLimitExceeded: The account-level service limit 'ml.g5.2xlarge \
                      for JupyterLab apps' is 0 Instances";
    moto.call(
        json!({"cmd": "apps", "account": "222222222222", "region": "eu-west-1",
        "apps": [
            {"domain": "d-scale0001", "user_profile": "alice", "app_type": "JupyterLab",
             "instance_type": "ml.g5.2xlarge", "status": "InService",
             "last_activity_minutes_ago": 5},
            {"domain": "d-scale0001", "user_profile": "bob", "app_type": "JupyterLab",
             "instance_type": "ml.g5.2xlarge", "status": "Failed",
             "created_minutes_ago": 20 * 24 * 60, "failure_reason": app_reason},
        ]}),
    );
    let cluster_reason = "InsufficientCapacity: no ml.p4d.24xlarge capacity in eu-west-1a";
    moto.call(
        json!({"cmd": "clusters", "account": "333333333333", "region": "eu-west-1",
        "clusters": [
            {"name": "pretrain", "groups": [
                {"name": "workers", "instance_type": "ml.p4d.24xlarge", "count": 2}]},
            {"name": "pretrain-next", "status": "Failed", "failure_message": cluster_reason,
             "groups": [{"name": "workers", "instance_type": "ml.p4d.24xlarge", "count": 4}]},
        ]}),
    );
    for (account, kind, name, reason) in [
        ("222222222222", "app", "bob/JupyterLab/default", app_reason),
        (
            "333333333333",
            "hyperpod-cluster",
            "pretrain-next",
            cluster_reason,
        ),
    ] {
        world.push(
            json!({"account": account, "region": "eu-west-1", "kind": kind,
                          "name": name, "status": "Failed", "failure_reason": reason}),
        );
    }
    let home = tempfile::tempdir().expect("tempdir");
    let config = three_accounts(home.path());
    let (code, doc, stderr) = run_json(
        sagescope(home.path(), &moto.endpoint()).args(["export", "jobs", "--config", &config]),
    );
    assert_eq!(code, 0, "{stderr}");
    assert_eq!(doc["errors"], json!([]), "{stderr}");
    let rows = rows_by_key(&doc);
    let (mut failed, mut jobs, mut costed) = (0, 0, 0);
    for seeded in &world {
        let name = seeded["name"].as_str().expect("name");
        let got = rows
            .get(&key(seeded))
            .unwrap_or_else(|| panic!("{name} is exported"));
        if seeded["status"] == "Failed" {
            failed += 1;
            assert_eq!(got["failure_reason"], seeded["failure_reason"], "{name}");
        }
        let kind = seeded["kind"].as_str().expect("kind");
        if !JOBS.contains(&kind) {
            continue;
        }
        jobs += 1;
        assert_eq!(
            got["instance_type"], seeded["instance_type"],
            "{name}: {got}"
        );
        assert_eq!(
            got["instance_count"], seeded["instance_count"],
            "{name}: {got}"
        );
        let finished = !matches!(seeded["status"].as_str(), Some("InProgress"));
        let type_priced = support::prices::list_price(
            seeded["region"].as_str().expect("region"),
            seeded["instance_type"].as_str().expect("type"),
        )
        .is_some();
        // A tuning job bills through its training jobs, which carry the cost.
        if finished && kind != "tuning" && type_priced {
            costed += 1;
            assert!(got["cost_usd"].is_number(), "{name}: {got}");
            assert!(
                matches!(
                    got["cost_source"].as_str(),
                    Some("estimate" | "billable-time")
                ),
                "{name}: {got}"
            );
        }
    }
    eprintln!("{failed} failed resources, {jobs} jobs, {costed} finished jobs priced");
    assert!(
        failed > 20 && jobs > 300 && costed > 250,
        "{failed} {jobs} {costed}"
    );
}

#[test]
fn finished_jobs_are_described_on_the_first_refresh_and_never_again() {
    let mut moto = support::moto::moto();
    // One account-region with hundreds of jobs that ended weeks ago: 300 extra training jobs
    // beside a mix of about 400 more (training, processing, transform, tuning, endpoints,
    // notebooks), SageMaker's quota of 2 requests/s per API enforced.
    let world = moto.scale_world(&[DEFAULT_ACCOUNT], &["us-east-1"], 700, 300, 11);
    moto.quota(2.0, Some(2.0));
    let count = |kind: &str, finished: bool| {
        world
            .iter()
            .filter(|j| j["kind"] == kind && (j["status"] != "InProgress") == finished)
            .count()
    };
    eprintln!(
        "world: finished training {}, processing {}, transform {}, tuning {}; running jobs {}",
        count("training", true),
        count("processing", true),
        count("transform", true),
        count("tuning", true),
        JOBS.iter().map(|k| count(k, false)).sum::<usize>(),
    );
    let home = tempfile::tempdir().expect("tempdir");
    let config = one_account_config(home.path(), "");
    let endpoint = moto.endpoint();
    let export = |home: &Path| {
        let started = Instant::now();
        let (code, doc, stderr) =
            run_json(sagescope(home, &endpoint).args(["export", "jobs", "--config", &config]));
        assert_eq!(code, 0, "{stderr}");
        assert_eq!(doc["errors"], json!([]), "{stderr}");
        (doc, started.elapsed().as_secs_f64())
    };

    let (doc, seconds) = export(home.path());
    let first = requests(&mut moto);
    eprintln!(
        "first refresh: {seconds:.1} s, {} requests, job details {}: {first:?}",
        first.values().sum::<usize>(),
        describes_of_jobs(&first)
    );
    let rows = rows_by_key(&doc);
    for seeded in world
        .iter()
        .filter(|j| JOBS.contains(&j["kind"].as_str().unwrap_or("")))
    {
        let got = rows.get(&key(seeded)).expect("exported");
        assert_eq!(got["instance_type"], seeded["instance_type"], "{got}");
    }
    assert!(describes_of_jobs(&first) > 0, "{first:?}");

    let (again, seconds) = export(home.path());
    let second = requests(&mut moto);
    eprintln!(
        "second refresh: {seconds:.1} s, {} requests, job details {}: {second:?}",
        second.values().sum::<usize>(),
        describes_of_jobs(&second)
    );
    assert_eq!(describes_of_jobs(&second), 0, "{second:?}");
    assert_eq!(rows_by_key(&again).len(), rows.len());
    for (key, row) in rows_by_key(&again) {
        assert_eq!(row["instance_type"], rows[&key]["instance_type"], "{key:?}");
        assert_eq!(row["cost_source"], rows[&key]["cost_source"], "{key:?}");
    }
}
