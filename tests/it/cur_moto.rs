//! Costs from the CUR 2.0 table through Athena, through the real binary against the test
//! world: moto's Athena runs no SQL, so the world runs the app's own SQL with DuckDB over a
//! CUR 2.0-shaped Parquet table (`tests/moto/world.py`, `cur_table`). The expected dollars
//! are the sums of the line items written here.

use crate::support;

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
        "1,203 rows and a header: {asked:?}"
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

/// (days ago, cost-center or untagged, USD, SageMaker or another service)
const SPEND: [(i64, Option<&str>, f64, bool); 7] = [
    (1, Some("cc-1001"), 40.0, true),
    (1, Some("cc-2002"), 12.5, true),
    (1, None, 7.25, true),
    (2, Some("cc-1001"), 33.0, true),
    (2, None, 1.75, true),
    (3, Some("cc-2002"), 9.0, true),
    // Not SageMaker: neither source counts it.
    (2, Some("cc-1001"), 500.0, false),
];

/// Rows as (start, value, amount), in a stable order, to compare two exports.
fn spend_rows(doc: &Value) -> Vec<(String, String, f64)> {
    let mut rows: Vec<(String, String, f64)> = doc["rows"]
        .as_array()
        .expect("rows")
        .iter()
        .map(|r| {
            (
                r["start"].as_str().expect("start").to_string(),
                r["group_value"].as_str().expect("value").to_string(),
                r["amount"].as_f64().expect("amount"),
            )
        })
        .collect();
    rows.sort_by(|a, b| (&a.0, &a.1).cmp(&(&b.0, &b.1)));
    rows
}

#[test]
fn spend_from_the_cur_equals_cost_explorers_grouping_of_the_same_spend() {
    let mut moto = moto();
    moto.tag_world(&json!([]));
    let today = Utc::now().date_naive();
    let mut ce_items = Vec::new();
    let mut cur_items = Vec::new();
    for (n, (days_ago, center, usd, sagemaker)) in SPEND.iter().enumerate() {
        let day = today - Duration::days(*days_ago);
        // Cost Explorer names the tag as written; CUR 2.0 as `user_` + its normalised key.
        let ce_tags = center.map_or_else(|| json!({}), |c| json!({"cost-center": c}));
        let cur_tags = center.map_or_else(|| json!({}), |c| json!({"user_cost_center": c}));
        ce_items.push(json!({
            "day": day.to_string(), "amount": usd, "tags": ce_tags,
            "service": if *sagemaker { "Amazon SageMaker" } else { "Amazon Simple Storage Service" },
        }));
        cur_items.push(json!({
            "resource_id": arn(&format!("job-{n}")), "start": format!("{day}T10:00:00Z"),
            "cost": usd, "tags": cur_tags,
            "product": if *sagemaker { "AmazonSageMaker" } else { "AmazonS3" },
        }));
    }
    moto.cost_items(DEFAULT_ACCOUNT, &json!(ce_items));
    moto.cur_table("billing", "cur2", &json!(cur_items));
    moto.requests();
    let home = tempfile::tempdir().expect("tempdir");
    let config = one_account_config(home.path(), &cur_section("cur2"));
    let endpoint = moto.endpoint();
    let export = |args: &[&str]| support::cli::export(home.path(), &endpoint, &config, args);
    let spend = ["spend", "--group-by", "cost-center", "--days", "7"];

    let (code, ce, stderr) = export(&spend);
    assert_eq!(code, 0, "{stderr}");
    let (code, cur, stderr) = export(&[&spend[..], &["--source", "cur"]].concat());
    assert_eq!(code, 0, "{stderr}");
    assert!(
        stderr.contains("from the CUR; CUR: 6 spend rows; 5 Athena requests"),
        "{stderr}"
    );
    let (ce, cur) = (spend_rows(&ce), spend_rows(&cur));
    assert_eq!(ce.len(), 6, "{ce:?}");
    assert_eq!(cur.len(), ce.len(), "CUR {cur:?}\nCE {ce:?}");
    for (a, b) in ce.iter().zip(&cur) {
        assert_eq!((&a.0, &a.1), (&b.0, &b.1), "CUR {cur:?}\nCE {ce:?}");
        assert!((a.2 - b.2).abs() < 1e-6, "{a:?} vs {b:?}");
    }
    let untagged: f64 = cur.iter().filter(|r| r.1.is_empty()).map(|r| r.2).sum();
    assert!(
        (untagged - 9.0).abs() < 1e-9,
        "the untagged share: {untagged}"
    );
    let asked = athena_requests(&mut moto);
    assert_eq!(
        asked
            .iter()
            .filter(|op| *op == "StartQueryExecution")
            .count(),
        1,
        "{asked:?}"
    );

    // Offline: the kept answer, no request.
    let (code, offline, stderr) = export(&[&spend[..], &["--source", "cur", "--offline"]].concat());
    assert_eq!(code, 0, "{stderr}");
    assert_eq!(spend_rows(&offline), cur);
    assert_eq!(athena_requests(&mut moto), Vec::<String>::new());

    // --source belongs to spend, and the CUR's spend is everyone's.
    let out = sagescope(home.path(), &endpoint)
        .args(["export", "jobs", "--source", "cur", "--config", &config])
        .output()
        .expect("runs");
    assert_eq!(out.status.code(), Some(2));
    let out = sagescope(home.path(), &endpoint)
        .args([
            "export", "spend", "--source", "cur", "--me", "alice", "--config", &config,
        ])
        .output()
        .expect("runs");
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("Cost Explorer only"));
}
