//! What each resource cost, through the real binary against moto: finished training jobs
//! priced from the seconds SageMaker billed (`billable-time`), managed spot billed for less
//! than it trained, and `export untagged --sort cost` ranking offenders by the money at stake.
//!
//! The world sets each job's instances, TrainingTimeInSeconds, BillableTimeInSeconds and spot
//! flag as SageMaker reports them (`tests/moto/world.py`, `training_billing`); the expected
//! dollars are those seconds × instances × the published price, computed here.

mod support;

use std::path::Path;

use serde_json::{Value, json};
use support::cli::{run_json, sagescope};
use support::moto::{DEFAULT_ACCOUNT, Moto, moto};

const REGION: &str = "us-east-1";

fn config(home: &Path) -> String {
    let text = "[[accounts]]\nname = \"main\"\nregions = [\"us-east-1\"]\n\n\
                [tags]\nmandatory = [\"owner\"]\n";
    let path = home.join("sagescope.toml");
    std::fs::write(&path, text).expect("config");
    path.to_string_lossy().into_owned()
}

/// (name, owner tag, instance type, count, trained seconds, billable seconds, spot)
type Run = (
    &'static str,
    Option<&'static str>,
    &'static str,
    u32,
    u64,
    u64,
    bool,
);

const RUNS: [Run; 4] = [
    ("big-untagged", None, "ml.g5.2xlarge", 2, 7200, 7200, false),
    ("spot-untagged", None, "ml.g5.2xlarge", 1, 3600, 1440, true),
    ("small-untagged", None, "ml.m5.xlarge", 1, 1800, 1800, false),
    (
        "owned",
        Some("alice"),
        "ml.g5.2xlarge",
        4,
        3600,
        3600,
        false,
    ),
];

fn price(instance_type: &str) -> f64 {
    sagescope::pricing::lookup(REGION, instance_type).expect("the bundled table prices it")
}

fn billed(run: &Run) -> f64 {
    let (_, _, instance_type, count, _, billable, _) = *run;
    billable as f64 / 3600.0 * f64::from(count) * price(instance_type)
}

fn world(moto: &mut Moto) {
    let mut resources: Vec<Value> = RUNS
        .iter()
        .map(|(name, owner, ..)| {
            let tags = owner.map_or_else(|| json!({}), |o| json!({"owner": o}));
            json!({"account": DEFAULT_ACCOUNT, "region": REGION, "kind": "training",
                   "name": name, "tags": tags})
        })
        .collect();
    // A model is an offender no instance bills: it has no cost and ranks last.
    resources.push(
        json!({"account": DEFAULT_ACCOUNT, "region": REGION, "kind": "model",
                          "name": "untagged-model", "tags": {}}),
    );
    moto.tag_world(&json!(resources));
    for (age, (name, _, instance_type, count, trained, billable, spot)) in RUNS.iter().enumerate() {
        moto.training_billing(
            DEFAULT_ACCOUNT,
            REGION,
            name,
            json!({"instance_type": instance_type, "instance_count": count,
                   "age_hours": 3 + age, "trained_seconds": trained,
                   "billable_seconds": billable, "spot": spot}),
        );
    }
}

fn row<'a>(doc: &'a Value, name: &str) -> &'a Value {
    doc["rows"]
        .as_array()
        .expect("rows")
        .iter()
        .find(|r| r["name"] == name)
        .unwrap_or_else(|| panic!("no row {name} in {doc}"))
}

#[test]
fn finished_training_jobs_cost_their_billed_seconds_and_offenders_rank_by_cost() {
    let mut moto = moto();
    world(&mut moto);
    let home = tempfile::tempdir().expect("tempdir");
    let config = config(home.path());
    let endpoint = moto.endpoint();
    let export = |args: &[&str]| {
        let mut cmd = sagescope(home.path(), &endpoint);
        cmd.args(["export"]).args(args).args(["--config", &config]);
        run_json(&mut cmd)
    };

    let (code, jobs, stderr) = export(&["jobs"]);
    assert_eq!(code, 0, "{stderr}");
    for run in &RUNS {
        let r = row(&jobs, run.0);
        assert_eq!(r["cost_source"], "billable-time", "{r}");
        let cost = r["cost_usd"].as_f64().expect("a cost");
        let want = billed(run);
        assert!((cost - want).abs() < 0.006, "{}: {cost} != {want}", run.0);
    }
    // Spot billed 1440 of 3600 s: 40 % of what on-demand would have cost.
    let spot = row(&jobs, "spot-untagged")["cost_usd"]
        .as_f64()
        .expect("cost");
    let on_demand = 3600.0 / 3600.0 * price("ml.g5.2xlarge");
    assert!((spot - on_demand * 0.4).abs() < 0.006, "{spot}");

    let (code, untagged, stderr) = export(&["untagged", "--sort", "cost"]);
    assert_eq!(code, 0, "{stderr}");
    let names: Vec<&str> = untagged["rows"]
        .as_array()
        .expect("rows")
        .iter()
        .map(|r| r["name"].as_str().expect("name"))
        .collect();
    let mut offenders: Vec<&Run> = RUNS.iter().filter(|r| r.1.is_none()).collect();
    offenders.sort_by(|a, b| billed(b).total_cmp(&billed(a)));
    let mut want: Vec<&str> = offenders.iter().map(|r| r.0).collect();
    want.push("untagged-model");
    assert_eq!(names, want, "highest cost first, the unpriced model last");
    let model = row(&untagged, "untagged-model");
    assert_eq!(model["cost_usd"], Value::Null);
    assert_eq!(model["cost_source"], Value::Null);

    // --sort belongs to untagged only.
    let out = sagescope(home.path(), &endpoint)
        .args(["export", "jobs", "--sort", "cost", "--config", &config])
        .output()
        .expect("runs");
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{stderr}");
    assert!(
        stderr.contains("--sort only applies to `export untagged`"),
        "{stderr}"
    );
}
