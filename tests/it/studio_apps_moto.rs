//! Studio apps against moto (whose ListApps / DescribeApp the test world serves with
//! botocore's shapes, see tests/moto/world.py), through the real binary: what `export jobs`
//! says about an idle GPU JupyterLab app and an active one, and what reading apps costs.

use crate::support;

use std::collections::BTreeMap;
use std::path::Path;

use serde_json::{Value, json};
use support::cli::{one_account_config, run_json, sagescope};
use support::moto::{DEFAULT_ACCOUNT, moto};

const DOMAIN: &str = "d-studio0001";

/// What `DescribeApp` says of the app that failed to start (ListApps does not say it).
const FAILED_REASON: &str = "ResourceLimitExceeded: The account-level service limit 'ml.g5.2xlarge for CodeEditor apps' is 0 Instances";

fn config(home: &Path, health: &str) -> String {
    one_account_config(home, health)
}

/// Two apps in service on the same GPU type, one untouched for 9 hours, one used 10 minutes
/// ago; one that failed to start; and 101 deleted apps (listed by AWS for a while, never shown), so the apps take two
/// ListApps pages of 100.
fn seed_apps(moto: &mut support::moto::Moto) -> Vec<String> {
    moto.seed(&[DEFAULT_ACCOUNT], &["us-east-1"], 3);
    let mut apps = vec![
        json!({"domain": DOMAIN, "space": "llm-lab", "app_type": "JupyterLab",
               "app_name": "default", "instance_type": "ml.g5.2xlarge", "status": "InService",
               "created_minutes_ago": 30 * 60, "last_activity_minutes_ago": 9 * 60}),
        json!({"domain": DOMAIN, "user_profile": "alice", "app_type": "JupyterLab",
               "app_name": "default", "instance_type": "ml.g5.2xlarge", "status": "InService",
               "created_minutes_ago": 5 * 60, "last_activity_minutes_ago": 10}),
        json!({"domain": DOMAIN, "user_profile": "bob", "app_type": "CodeEditor",
               "app_name": "default", "instance_type": "ml.g5.2xlarge", "status": "Failed",
               "created_minutes_ago": 3 * 24 * 60, "failure_reason": FAILED_REASON}),
    ];
    for i in 0..101 {
        apps.push(
            json!({"domain": DOMAIN, "user_profile": format!("gone-{i:03}"),
                         "app_type": "JupyterLab", "app_name": "default",
                         "instance_type": "ml.g5.2xlarge", "status": "Deleted",
                         "created_minutes_ago": 3 * 24 * 60 + i}),
        );
    }
    let answer = moto.call(json!({"cmd": "apps", "account": DEFAULT_ACCOUNT,
                                  "region": "us-east-1", "apps": apps}));
    answer["arns"]
        .as_array()
        .expect("arns")
        .iter()
        .map(|a| a.as_str().expect("arn").to_string())
        .collect()
}

fn app_requests(moto: &mut support::moto::Moto) -> BTreeMap<String, usize> {
    let mut map = BTreeMap::new();
    for (_, _, _, op) in moto.requests() {
        if op.ends_with("App") || op.ends_with("Apps") {
            *map.entry(op).or_default() += 1;
        }
    }
    map
}

fn apps_of(doc: &Value) -> Vec<&Value> {
    doc["rows"]
        .as_array()
        .expect("rows")
        .iter()
        .filter(|r| r["kind"] == "app")
        .collect()
}

fn list_price(instance_type: &str) -> f64 {
    support::prices::priced("us-east-1", instance_type)
}

#[test]
fn an_idle_gpu_jupyterlab_app_is_exported_with_its_price_and_the_idle_flag() {
    let mut moto = moto();
    let arns = seed_apps(&mut moto);
    let home = tempfile::tempdir().expect("tempdir");
    let config = config(home.path(), "");
    let endpoint = moto.endpoint();

    let (code, doc, stderr) =
        run_json(sagescope(home.path(), &endpoint).args(["export", "jobs", "--config", &config]));
    assert_eq!(code, 0, "{stderr}");
    assert_eq!(doc["errors"], json!([]), "{stderr}");
    let apps = apps_of(&doc);
    assert_eq!(apps.len(), 3, "deleted apps are not shown: {apps:?}");

    let rate = (list_price("ml.g5.2xlarge") * 100.0).round() / 100.0;
    let idle = apps
        .iter()
        .find(|r| r["arn"] == arns[0].as_str())
        .expect("the idle app is listed");
    assert_eq!(idle["name"], "llm-lab/JupyterLab/default");
    assert_eq!(idle["status"], "InService");
    assert_eq!(idle["instance_type"], "ml.g5.2xlarge");
    assert_eq!(idle["instance_count"], 1);
    assert_eq!(idle["usd_per_hour"], rate);
    assert_eq!(idle["flags"], json!(["idle"]), "{idle}");
    assert_eq!(idle["owner"], "space:llm-lab");
    assert!(idle["last_activity_at"].is_string(), "{idle}");

    let active = apps
        .iter()
        .find(|r| r["arn"] == arns[1].as_str())
        .expect("the active app is listed");
    assert_eq!(active["owner"], "user:alice");
    assert_eq!(active["usd_per_hour"], rate);
    assert_eq!(active["flags"], json!([]), "used 10 minutes ago: {active}");

    let failed = apps
        .iter()
        .find(|r| r["arn"] == arns[2].as_str())
        .expect("the failed app is listed");
    assert_eq!(failed["status"], "Failed");
    assert_eq!(failed["failure_reason"], FAILED_REASON, "{failed}");
    assert_eq!(
        failed["usd_per_hour"],
        Value::Null,
        "a failed app burns nothing"
    );

    // Two pages of apps (104 listed by AWS), one DescribeApp per app in service and one for
    // the failed app.
    let first = app_requests(&mut moto);
    eprintln!("first refresh, apps: {first:?}");
    assert_eq!(first.get("ListApps"), Some(&2), "{first:?}");
    assert_eq!(first.get("DescribeApp"), Some(&3), "{first:?}");

    // Steady state: the apps are listed again, their activity (read under 30 minutes ago)
    // and the failed app's reason (read for its status, which has not moved) come from the
    // cache.
    let (code, again, stderr) =
        run_json(sagescope(home.path(), &endpoint).args(["export", "jobs", "--config", &config]));
    assert_eq!(code, 0, "{stderr}");
    let second = app_requests(&mut moto);
    eprintln!("steady-state refresh, apps: {second:?}");
    assert_eq!(second.get("ListApps"), Some(&2), "{second:?}");
    assert_eq!(second.get("DescribeApp"), None, "{second:?}");
    let failed = apps_of(&again)
        .into_iter()
        .find(|r| r["arn"] == arns[2].as_str())
        .expect("the failed app is listed");
    assert_eq!(failed["failure_reason"], FAILED_REASON, "{failed}");

    // The threshold is the config's: at 12 hours, 9 hours without activity is not idle.
    let lenient = tempfile::tempdir().expect("tempdir");
    let lenient_config = self::config(lenient.path(), "[health]\napp_idle_hours = 12\n");
    let (code, doc, stderr) = run_json(sagescope(lenient.path(), &endpoint).args([
        "export",
        "jobs",
        "--config",
        &lenient_config,
    ]));
    assert_eq!(code, 0, "{stderr}");
    assert!(
        apps_of(&doc).iter().all(|r| r["flags"] == json!([])),
        "{doc}"
    );
}
