//! Costs from the CUR 2.0 table through Athena, through the real binary against the test
//! world: moto's Athena runs no SQL, so the world runs the app's own SQL with DuckDB over a
//! CUR 2.0-shaped Parquet table (`tests/moto/world.py`, `cur_table`). The expected dollars
//! are the sums of the line items written here.

mod support;

use chrono::{Duration, Utc};
use serde_json::{Value, json};
use support::cli::{one_account_config, row, run_json, sagescope};
use support::moto::{DEFAULT_ACCOUNT, Moto, moto};

const REGION: &str = "us-east-1";

/// `[cur]` over `table` in the world's `billing` database.
fn cur_section(table: &str) -> String {
    format!(
        "[cur]\ndatabase = \"billing\"\ntable = \"{table}\"\nworkgroup = \"primary\"\n\
         output_location = \"s3://athena-results/sagescope/\"\nttl_hours = 6\n"
    )
}

/// (name, line item costs in the range)
const BILLED: [(&str, &[f64]); 3] = [
    ("Nightly-Train", &[4.25, 4.25, 1.10]),
    ("big-run", &[20.0, 19.5, 0.35]),
    ("small-run", &[0.61]),
];

fn arn(name: &str) -> String {
    format!("arn:aws:sagemaker:{REGION}:{DEFAULT_ACCOUNT}:training-job/{name}")
}

fn iso(hours_ago: i64) -> String {
    (Utc::now() - Duration::hours(hours_ago)).to_rfc3339()
}

/// Three finished training jobs (billed seconds known, so `billable-time` is there to be
/// outranked) and their CUR line items, plus line items that must not count: another
/// service's, one far outside the range, and 1,200 deleted jobs' (two result pages).
fn world(moto: &mut Moto) -> u64 {
    let resources: Vec<Value> = BILLED
        .iter()
        .map(|(name, _)| {
            json!({"account": DEFAULT_ACCOUNT, "region": REGION, "kind": "training",
                   "name": name, "tags": {}})
        })
        .collect();
    moto.tag_world(&json!(resources));
    for (name, _) in BILLED {
        moto.training_billing(
            DEFAULT_ACCOUNT,
            REGION,
            name,
            json!({"instance_type": "ml.m5.xlarge", "instance_count": 1, "age_hours": 20,
                   "trained_seconds": 3600, "billable_seconds": 3600, "spot": false}),
        );
    }
    let mut items = Vec::new();
    for (name, costs) in BILLED {
        for (hour, cost) in costs.iter().enumerate() {
            // SageMaker writes names lower-cased into the ARNs billing reports.
            items.push(json!({"resource_id": arn(name).to_lowercase(),
                              "start": iso(19 - hour as i64), "cost": cost}));
        }
    }
    items.push(
        json!({"resource_id": arn("big-run"), "start": iso(18), "cost": 500.0,
                      "product": "AmazonS3", "usage_type": "USE1-TimedStorage-ByteHrs"}),
    );
    items.push(json!({"resource_id": arn("big-run"), "start": iso(24 * 200), "cost": 900.0}));
    for i in 0..1200 {
        items.push(
            json!({"resource_id": arn(&format!("deleted-{i}")), "start": iso(40),
                          "cost": 0.01}),
        );
    }
    moto.cur_table("billing", "cur2", &json!(items))
}

/// Athena requests since the last look, by operation.
fn athena_requests(moto: &mut Moto) -> Vec<String> {
    moto.requests()
        .into_iter()
        .map(|(_, _, _, op)| op)
        .filter(|op| op.contains("Query"))
        .collect()
}

#[test]
fn finished_jobs_cost_what_the_cur_billed_and_a_second_export_asks_nothing() {
    let mut moto = moto();
    let fixture_bytes = world(&mut moto);
    moto.requests();
    let home = tempfile::tempdir().expect("tempdir");
    let config = one_account_config(home.path(), &cur_section("cur2"));
    let endpoint = moto.endpoint();
    let export = |args: &[&str]| support::cli::export(home.path(), &endpoint, &config, args);

    let (code, jobs, stderr) = export(&["jobs"]);
    assert_eq!(code, 0, "{stderr}");
    for (name, costs) in BILLED {
        let r = row(&jobs, name);
        assert_eq!(r["cost_source"], "cur", "{r}");
        let want: f64 = costs.iter().sum();
        let cost = r["cost_usd"].as_f64().expect("a cost");
        assert!(
            (cost - want).abs() <= want * 0.01,
            "{name}: {cost} != {want}"
        );
    }
    let asked = athena_requests(&mut moto);
    let count = |op: &str| asked.iter().filter(|a| *a == op).count();
    assert_eq!(count("StartQueryExecution"), 1, "{asked:?}");
    assert_eq!(
        count("GetQueryExecution"),
        3,
        "queued, running, succeeded: {asked:?}"
    );
    assert_eq!(
        count("GetQueryResults"),
        2,
        "1,204 rows and a header: {asked:?}"
    );
    assert!(
        stderr.contains("CUR: 3 resources priced; 6 Athena requests"),
        "{stderr}"
    );
    println!("fixture: {fixture_bytes} bytes; {stderr}");
    let mb = format!("{:.1} KB", fixture_bytes as f64 / 1000.0);
    assert!(stderr.contains(&format!("scanned {mb}")), "{mb}: {stderr}");
    assert!(stderr.contains("USD 0.00005"), "10 MB minimum: {stderr}");

    // Within the TTL: the kept answer, and not one Athena request.
    let (code, again, stderr) = export(&["jobs"]);
    assert_eq!(code, 0, "{stderr}");
    assert_eq!(athena_requests(&mut moto), Vec::<String>::new());
    assert!(stderr.contains("no Athena request"), "{stderr}");
    assert_eq!(
        row(&again, "big-run")["cost_usd"],
        row(&jobs, "big-run")["cost_usd"]
    );

    // The untagged offenders rank by what the CUR billed.
    let (code, untagged, stderr) = export(&["untagged", "--sort", "cost"]);
    assert_eq!(code, 0, "{stderr}");
    let names = support::cli::names(&untagged);
    assert_eq!(names, ["big-run", "Nightly-Train", "small-run"]);
    assert_eq!(row(&untagged, "big-run")["cost_source"], "cur");
}

#[test]
fn a_failed_query_shows_athenas_reason_and_the_sql_and_costs_fall_back() {
    let mut moto = moto();
    world(&mut moto);
    let home = tempfile::tempdir().expect("tempdir");
    let config = one_account_config(home.path(), &cur_section("no_such_table"));
    let mut cmd = sagescope(home.path(), &moto.endpoint());
    cmd.args(["export", "jobs", "--config", &config]);
    let (code, jobs, stderr) = run_json(&mut cmd);
    assert_eq!(code, 0, "the jobs are still there: {stderr}");
    assert!(
        stderr.contains("the CUR query failed: TABLE_NOT_FOUND"),
        "{stderr}"
    );
    assert!(
        stderr.contains("FROM \"billing\".\"no_such_table\""),
        "the SQL is shown: {stderr}"
    );
    assert_eq!(row(&jobs, "big-run")["cost_source"], "billable-time");
}
