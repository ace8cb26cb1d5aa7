//! What each resource cost, through the real binary against moto: finished training jobs
//! priced from the seconds SageMaker billed (`billable-time`), managed spot billed for less
//! than it trained, and `export untagged --sort cost` ranking offenders by the money at stake.
//!
//! The world sets each job's instances, TrainingTimeInSeconds, BillableTimeInSeconds and spot
//! flag as SageMaker reports them (`tests/moto/world.py`, `training_billing`); the expected
//! dollars are those seconds × instances × the published price, computed here.

use crate::support;

use std::path::Path;

use serde_json::{Value, json};
use support::cli::{row, run_json, sagescope};
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
    support::prices::priced(REGION, instance_type)
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

#[test]
fn finished_training_jobs_cost_their_billed_seconds_and_offenders_rank_by_cost() {
    let mut moto = moto();
    world(&mut moto);
    let home = tempfile::tempdir().expect("tempdir");
    let config = config(home.path());
    let endpoint = moto.endpoint();
    let export = |args: &[&str]| support::cli::export(home.path(), &endpoint, &config, args);

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
    let names = support::cli::names(&untagged);
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

/// Price List products: Training and Hosting differ, so using the wrong component shows.
fn products() -> Value {
    let product = |instance_type: &str, component: &str, usd: f64| {
        json!({"instance_type": instance_type, "region": REGION, "component": component,
               "usd": usd, "effective": "2026-11-01"})
    };
    json!([
        product("ml.p5.48xlarge", "Training", 113.07),
        product("ml.p5.48xlarge", "Hosting", 118.72),
        product("ml.g6.12xlarge", "Training", 6.1),
        product("ml.g6.12xlarge", "Hosting", 6.4),
        product("ml.g5.2xlarge", "Training", 1.515),
        product("ml.g5.2xlarge", "Hosting", 1.6),
        // Storage for the same type: not an instance-hour, never a price.
        {"instance_type": "ml.p5.48xlarge", "region": REGION, "component": "Training",
         "usd": 0.14, "unit": "GB-Mo"},
    ])
}

#[test]
fn running_p5_and_g6_jobs_are_priced_from_the_price_list_asked_once() {
    let mut moto = moto();
    let resources: Vec<Value> = ["p5-running", "g6-running", "g5-done"]
        .iter()
        .map(|name| {
            json!({"account": DEFAULT_ACCOUNT, "region": REGION, "kind": "training",
                   "name": name, "tags": {"owner": "alice"}})
        })
        .collect();
    moto.tag_world(&json!(resources));
    moto.price_list(&products());
    let running = |instance_type: &str, count: u32| {
        json!({"instance_type": instance_type, "instance_count": count, "age_hours": 2,
               "trained_seconds": 0, "billable_seconds": 0, "spot": false,
               "status": "InProgress"})
    };
    moto.training_billing(
        DEFAULT_ACCOUNT,
        REGION,
        "p5-running",
        running("ml.p5.48xlarge", 2),
    );
    moto.training_billing(
        DEFAULT_ACCOUNT,
        REGION,
        "g6-running",
        running("ml.g6.12xlarge", 1),
    );
    moto.training_billing(
        DEFAULT_ACCOUNT,
        REGION,
        "g5-done",
        json!({"instance_type": "ml.g5.2xlarge", "instance_count": 1, "age_hours": 3,
               "trained_seconds": 3600, "billable_seconds": 3600, "spot": false}),
    );
    moto.requests();
    let home = tempfile::tempdir().expect("tempdir");
    let config = config(home.path());
    let endpoint = moto.endpoint();
    let export_jobs = |moto: &mut Moto| {
        let mut cmd = sagescope(home.path(), &endpoint);
        cmd.args(["export", "jobs", "--config", &config]);
        let (code, doc, stderr) = run_json(&mut cmd);
        assert_eq!(code, 0, "{stderr}");
        let asked: Vec<(String, String)> = moto
            .requests()
            .into_iter()
            .filter(|(_, _, _, op)| op == "GetProducts")
            .map(|(_, _, region, op)| (region, op))
            .collect();
        (doc, asked)
    };

    let (jobs, asked) = export_jobs(&mut moto);
    // One GetProducts per instance type, all from us-east-1, where the API is served.
    assert_eq!(asked.len(), 3, "{asked:?}");
    assert!(
        asked.iter().all(|(region, _)| region == "us-east-1"),
        "{asked:?}"
    );
    let p5 = row(&jobs, "p5-running");
    assert_eq!(
        p5["usd_per_hour"],
        json!(226.14),
        "2 × the Training price: {p5}"
    );
    assert_eq!(p5["cost_source"], "estimate");
    let g6 = row(&jobs, "g6-running");
    assert_eq!(g6["usd_per_hour"], json!(6.1), "{g6}");
    // The finished job's billed hour at the live Training price, not the bundled 1.52.
    let g5 = row(&jobs, "g5-done");
    assert_eq!(g5["cost_source"], "billable-time");
    assert_eq!(
        g5["cost_usd"],
        json!(1.52),
        "1 h × 1.515 rounds to 1.52: {g5}"
    );

    // The next refresh finds every price kept: no request.
    let (again, asked) = export_jobs(&mut moto);
    assert!(asked.is_empty(), "{asked:?}");
    assert_eq!(row(&again, "p5-running")["usd_per_hour"], json!(226.14));
}
