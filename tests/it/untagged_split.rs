//! `export spend --untagged-by creator`: the untagged share of a key split by who created
//! each resource lacking it, from each resource's own cost. The costs here are billing's
//! (literal, as Cost Explorer's resource-level data would give them), so the expected parts
//! are sums done by hand.

use chrono::{TimeZone, Utc};
use sagescope::config::Config;
use sagescope::cost::Measured;
use sagescope::export::{self, ExportOptions, ExportView, Format};
use sagescope::model::{AttributionSource, CallBy, CostSource, Creator, DataSource, Job, Snapshot};
use sagescope::pricing::{PriceTable, Prices};
use serde_json::Value;

fn job(name: &str, project: Option<&str>, creator: Option<(&str, Option<&str>)>) -> Job {
    let now = Utc
        .with_ymd_and_hms(2026, 12, 7, 12, 0, 0)
        .single()
        .expect("a time");
    let mut job = Job::in_progress_for_tests(
        &format!("arn:aws:sagemaker:us-east-1:111111111111:training-job/{name}"),
        now - chrono::Duration::days(3),
    );
    job.status = "Completed".into();
    job.ended_at = Some(now - chrono::Duration::days(2));
    if let Some(project) = project {
        job.tags.insert("project".into(), project.into());
    }
    job.created_by = creator.map(|(who, role)| {
        Box::new(Creator {
            created: Some(CallBy {
                who: who.into(),
                person: Some(who.into()),
                arn: None,
                role: role.map(str::to_string),
                at: job.created_at,
                source: AttributionSource::Lookup,
            }),
            ..Creator::default()
        })
    });
    job
}

#[test]
fn the_split_sums_to_the_untagged_total_within_a_cent_and_names_whom_to_ask() {
    let jobs = vec![
        job("a", None, Some(("alice@example.com", None))),
        job("b", None, Some(("alice@example.com", None))),
        job(
            "c",
            Some(""),
            Some(("role/ci (session build-1)", Some("ci"))),
        ),
        job("d", None, Some(("role/ci (session build-2)", Some("ci")))),
        job("e", None, None),
        job("tagged", Some("vision"), Some(("alice@example.com", None))),
    ];
    let costs = [
        ("a", 10.004),
        ("b", 20.006),
        ("c", 30.001),
        ("d", 0.333),
        ("e", 7.777),
        ("tagged", 99.0),
    ];
    let mut measured = Measured::new();
    for (name, usd) in costs {
        measured.add(
            &format!("arn:aws:sagemaker:us-east-1:111111111111:training-job/{name}"),
            CostSource::CeResource,
            usd,
        );
    }
    let mut snapshot = Snapshot::empty(DataSource::Cache, Utc::now());
    snapshot.jobs.rows = jobs;
    let config = Config::default();
    let prices = Prices::new(PriceTable::embedded().clone(), Vec::new());
    let options = ExportOptions {
        group_by: "project",
        accounts: &config.accounts,
        now: Utc
            .with_ymd_and_hms(2026, 12, 7, 12, 0, 0)
            .single()
            .expect("a time"),
        health: &config.health,
        events: None,
        prices: &prices,
        measured: &measured,
        sort_by_cost: false,
        raw: false,
        untagged_by_creator: true,
    };
    let mut out = Vec::new();
    export::write(
        &snapshot,
        ExportView::Spend,
        Format::Json,
        &options,
        &mut out,
    )
    .expect("writes");
    let doc: Value = serde_json::from_slice(&out).expect("JSON");
    let rows: Vec<(&str, u64, f64)> = doc["rows"]
        .as_array()
        .expect("rows")
        .iter()
        .map(|r| {
            (
                r["created_by"].as_str().expect("created_by"),
                r["resources"].as_u64().expect("resources"),
                r["cost_usd"].as_f64().expect("cost_usd"),
            )
        })
        .collect();
    // ci's two build sessions are one creator; alice's tagged job is not in the share.
    assert_eq!(
        rows,
        [
            ("role/ci", 2, 30.33),
            ("alice@example.com", 2, 30.01),
            ("not known yet", 1, 7.78),
        ]
    );
    let untagged_total = 10.004 + 20.006 + 30.001 + 0.333 + 7.777;
    let parts: f64 = rows.iter().map(|r| r.2).sum();
    assert!(
        (parts - untagged_total).abs() <= 0.01,
        "{parts} against {untagged_total}"
    );
    let shares: f64 = doc["rows"]
        .as_array()
        .expect("rows")
        .iter()
        .map(|r| r["share"].as_f64().expect("share"))
        .sum();
    assert!((shares - 1.0).abs() < 0.001, "{shares}");
}
