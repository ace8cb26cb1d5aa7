//! Spend from Cost Explorer against moto, through the real binary: every page followed, the
//! untagged share kept, group-by switching, and the cache (a second export within
//! `spend.ttl_hours` makes no Cost Explorer request, as moto's request log shows).
//!
//! moto's Cost Explorer answers what the test queued: each distinct request body takes the
//! next queued answer, and a page request (with `NextPageToken`) is a distinct body.

use crate::support;

use std::path::Path;

use serde_json::{Value, json};
use support::cli::{run_json, sagescope};
use support::moto::{DEFAULT_ACCOUNT, Moto, moto};

/// One account (the default chain, so moto's default account) that is also the spend
/// account, grouping by `project`.
fn config(home: &Path) -> String {
    let text = "[[accounts]]\nname = \"payer\"\nregions = [\"us-east-1\"]\n\n\
                [spend]\ngroup_by = \"project\"\nlookback_days = 30\n";
    let path = home.join("sagescope.toml");
    std::fs::write(&path, text).expect("config");
    path.to_string_lossy().into_owned()
}

/// A `GetCostAndUsage` answer: one entry per day of `(key, amount)` groups.
fn answer(days: &[(&str, &[(&str, &str)])], next: Option<&str>) -> Value {
    let results: Vec<Value> = days
        .iter()
        .map(|(day, groups)| {
            let start = chrono::NaiveDate::parse_from_str(day, "%Y-%m-%d").expect("date");
            json!({
                "TimePeriod": {"Start": day, "End": (start + chrono::Duration::days(1)).to_string()},
                "Total": {},
                "Groups": groups.iter().map(|(key, amount)| json!({
                    "Keys": [key],
                    "Metrics": {"UnblendedCost": {"Amount": amount, "Unit": "USD"}}
                })).collect::<Vec<_>>(),
                "Estimated": false
            })
        })
        .collect();
    let mut doc = json!({
        "ResultsByTime": results,
        "DimensionValueAttributes": [],
        "GroupDefinitions": [{"Type": "TAG", "Key": "project"}]
    });
    if let Some(token) = next {
        doc["NextPageToken"] = json!(token);
    }
    doc
}

/// Cost Explorer requests moto served since the last look.
fn ce_requests(moto: &mut Moto) -> usize {
    moto.requests()
        .iter()
        .filter(|(_, _, _, op)| op == "GetCostAndUsage")
        .count()
}

fn rows(doc: &Value) -> &Vec<Value> {
    doc["rows"].as_array().expect("rows")
}

fn total(doc: &Value) -> f64 {
    rows(doc)
        .iter()
        .map(|r| r["amount"].as_f64().expect("amount"))
        .sum()
}

/// Two pages: four groups on two days, then one day with the untagged share.
fn two_pages() -> Vec<Value> {
    vec![
        answer(
            &[
                (
                    "2026-03-01",
                    &[("project$vision", "10.25"), ("project$", "2.5")],
                ),
                (
                    "2026-03-02",
                    &[("project$vision", "11.0"), ("project$nlp", "4.0")],
                ),
            ],
            Some("page-2"),
        ),
        answer(
            &[(
                "2026-03-03",
                &[("project$nlp", "5.75"), ("project$", "1.5")],
            )],
            None,
        ),
    ]
}

#[test]
fn export_follows_every_page_keeps_the_untagged_share_and_a_second_run_asks_nothing() {
    let mut moto = moto();
    moto.reset();
    moto.cost_and_usage(DEFAULT_ACCOUNT, &two_pages());
    let home = tempfile::tempdir().expect("tempdir");
    let config = config(home.path());
    let endpoint = moto.endpoint();
    let export = || {
        let mut cmd = sagescope(home.path(), &endpoint);
        cmd.args(["export", "spend", "--format", "json", "--config", &config]);
        cmd
    };

    let (code, first, stderr) = run_json(&mut export());
    assert_eq!(code, 0, "{stderr}");
    assert_eq!(first["source"], "live");
    assert_eq!(first["errors"], json!([]));
    assert_eq!(ce_requests(&mut moto), 2, "one request per page");
    // Every group of both pages, summing to what Cost Explorer reported.
    assert_eq!(rows(&first).len(), 6);
    assert!((total(&first) - 35.0).abs() < 1e-9, "{}", total(&first));
    let untagged: Vec<&Value> = rows(&first)
        .iter()
        .filter(|r| r["group_value"] == "")
        .collect();
    assert_eq!(
        untagged.len(),
        2,
        "the untagged share is kept as group_value \"\""
    );
    let row = &rows(&first)[0];
    for field in [
        "start",
        "end",
        "group_key",
        "group_value",
        "amount",
        "unit",
        "estimated",
    ] {
        assert!(row.get(field).is_some(), "{field} in {row}");
    }
    assert_eq!(row["group_key"], "project");
    assert_eq!(row["start"], "2026-03-01");
    assert_eq!(row["end"], "2026-03-02");

    // Within the TTL: the same rows, from the cache, and moto sees no Cost Explorer request.
    let (code, second, stderr) = run_json(&mut export());
    assert_eq!(code, 0, "{stderr}");
    let seen = moto.requests();
    assert!(
        seen.is_empty(),
        "a second export asks nothing, not even STS: {seen:?}"
    );
    assert_eq!(second["rows"], first["rows"]);
    assert_eq!(second["source"], "cache");
    assert_eq!(second["as_of"], first["as_of"], "the age is the answer's");
    assert!(stderr.contains("0 Cost Explorer requests now"), "{stderr}");
    assert!(stderr.contains("2 today (USD 0.02)"), "{stderr}");

    // --no-cache says what it will cost before it asks, then asks every page again.
    let (code, forced, stderr) = run_json(export().arg("--no-cache"));
    assert_eq!(code, 0, "{stderr}");
    let warning = stderr.lines().next().unwrap_or_default();
    assert!(
        warning.starts_with("--no-cache:") && warning.contains("2 request(s), USD 0.02"),
        "{stderr}"
    );
    assert_eq!(ce_requests(&mut moto), 2);
    assert_eq!(forced["rows"], first["rows"]);
    assert_eq!(forced["source"], "live");
    assert!(stderr.contains("4 today (USD 0.04)"), "{stderr}");
}

#[test]
fn group_by_switching_asks_once_per_key_and_an_unactivated_key_gets_the_billing_hint() {
    let mut moto = moto();
    moto.reset();
    let by_team = answer(&[("2026-03-01", &[("team$", "40.0")])], None);
    moto.cost_and_usage(
        DEFAULT_ACCOUNT,
        &[
            answer(&[("2026-03-01", &[("project$a", "1.0")])], None),
            by_team,
        ],
    );
    let home = tempfile::tempdir().expect("tempdir");
    let config = config(home.path());
    let endpoint = moto.endpoint();
    let export = |key: &str| {
        let mut cmd = sagescope(home.path(), &endpoint);
        cmd.args(["export", "spend", "--config", &config, "--group-by", key]);
        run_json(&mut cmd)
    };

    let (code, project, _) = export("project");
    assert_eq!(code, 0);
    assert_eq!(rows(&project)[0]["group_value"], "a");
    let (code, team, stderr) = export("team");
    assert_eq!(code, 0, "{stderr}");
    assert_eq!(ce_requests(&mut moto), 2, "one question per key");
    assert!(rows(&team).iter().all(|r| r["group_key"] == "team"));
    assert!(rows(&team).iter().all(|r| r["group_value"] == ""));
    assert!(
        stderr.contains("Cost allocation tags") && stderr.contains("Billing"),
        "names the Billing console step: {stderr}"
    );

    let (_, again, _) = export("project");
    assert_eq!(
        ce_requests(&mut moto),
        0,
        "back to a cached key costs nothing"
    );
    assert_eq!(again["rows"], project["rows"]);
}

#[test]
fn flags_shape_the_question_and_each_shape_is_its_own_answer() {
    let mut moto = moto();
    moto.reset();
    let monthly = json!({
        "ResultsByTime": [{
            "TimePeriod": {"Start": "2026-03-01", "End": "2026-03-08"},
            "Total": {},
            "Groups": [{"Keys": ["project$a"],
                        "Metrics": {"UnblendedCost": {"Amount": "70", "Unit": "USD"}}}],
            "Estimated": true
        }],
        "DimensionValueAttributes": []
    });
    moto.cost_and_usage(DEFAULT_ACCOUNT, &[monthly]);
    let home = tempfile::tempdir().expect("tempdir");
    let config = config(home.path());
    let mut cmd = sagescope(home.path(), &moto.endpoint());
    cmd.args([
        "export",
        "spend",
        "--config",
        &config,
        "--days",
        "7",
        "--granularity",
        "monthly",
        "--all-services",
        "--format",
        "csv",
    ]);
    let out = cmd.output().expect("runs");
    assert_eq!(out.status.code(), Some(0));
    let csv = String::from_utf8_lossy(&out.stdout);
    assert!(
        csv.contains("2026-03-01,2026-03-08,project,a,70,USD,true"),
        "{csv}"
    );
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("over 7 days"), "{stderr}");
    assert_eq!(ce_requests(&mut moto), 1);
}

#[test]
fn access_denied_is_an_error_entry_naming_the_permission() {
    let mut moto = moto();
    moto.reset();
    moto.refuse(
        DEFAULT_ACCOUNT,
        "us-east-1",
        "GetCostAndUsage",
        1,
        "AccessDeniedException",
    );
    let home = tempfile::tempdir().expect("tempdir");
    let config = config(home.path());
    let (code, doc, stderr) = run_json(
        sagescope(home.path(), &moto.endpoint()).args(["export", "spend", "--config", &config]),
    );
    assert_eq!(code, 3, "partial, not a crash: {stderr}");
    let errors = doc["errors"].as_array().expect("errors");
    assert_eq!(errors.len(), 1);
    assert_eq!(errors[0]["account"], "payer");
    let message = errors[0]["message"].as_str().expect("message");
    assert!(message.contains("ce:GetCostAndUsage"), "{message}");
    assert_eq!(doc["rows"], json!([]));
}

#[test]
fn limit_exceeded_backs_off_says_so_and_then_answers() {
    let mut moto = moto();
    moto.reset();
    moto.cost_and_usage(
        DEFAULT_ACCOUNT,
        &[answer(&[("2026-03-01", &[("project$a", "3.0")])], None)],
    );
    moto.refuse(
        DEFAULT_ACCOUNT,
        "us-east-1",
        "GetCostAndUsage",
        2,
        "LimitExceededException",
    );
    let home = tempfile::tempdir().expect("tempdir");
    let config = config(home.path());
    let (code, doc, stderr) = run_json(
        sagescope(home.path(), &moto.endpoint()).args(["export", "spend", "--config", &config]),
    );
    assert_eq!(code, 0, "{stderr}");
    assert!(
        stderr.contains("LimitExceededException: waiting 0.5 s")
            && stderr.contains("waiting 1.0 s"),
        "says it backs off: {stderr}"
    );
    assert_eq!(ce_requests(&mut moto), 3, "two refused, then the answer");
    assert!(stderr.contains("3 Cost Explorer requests now"), "{stderr}");
    assert_eq!(rows(&doc).len(), 1);
}

#[test]
fn refresh_stores_spend_for_offline_and_a_second_refresh_asks_nothing() {
    let mut moto = moto();
    moto.reset();
    moto.cost_and_usage(DEFAULT_ACCOUNT, &two_pages());
    let home = tempfile::tempdir().expect("tempdir");
    let config = config(home.path());
    let endpoint = moto.endpoint();
    let refresh = || {
        let out = sagescope(home.path(), &endpoint)
            .args(["refresh", "--config", &config])
            .output()
            .expect("runs");
        (
            out.status.code(),
            String::from_utf8_lossy(&out.stdout).into_owned(),
        )
    };
    let (code, stdout) = refresh();
    assert_eq!(code, Some(0), "{stdout}");
    assert!(stdout.contains("6 spend rows"), "{stdout}");
    assert_eq!(ce_requests(&mut moto), 2);
    let (code, stdout) = refresh();
    assert_eq!(code, Some(0));
    assert!(stdout.contains("6 spend rows"), "{stdout}");
    assert_eq!(
        ce_requests(&mut moto),
        0,
        "within the TTL the refresh reuses it"
    );

    let (code, offline, stderr) = run_json(sagescope(home.path(), &moto.endpoint()).args([
        "export",
        "spend",
        "--offline",
        "--config",
        &config,
    ]));
    assert_eq!(code, 0, "{stderr}");
    assert_eq!(offline["source"], "cache");
    assert!((total(&offline) - 35.0).abs() < 1e-9);
    assert_eq!(ce_requests(&mut moto), 0);
}
