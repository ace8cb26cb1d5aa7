//! The terminal UI's live spend path against moto: the Spend pane's loads go to Cost Explorer
//! in `spend.account` through the link the job refreshes use, a reopen within the TTL costs
//! nothing, and a member account seeing only itself says so in the drill-down.

use crate::support;

use std::sync::Arc;

use chrono::{Duration, Utc};
use sagescope::source::{LiveSource, SnapshotSource};
use sagescope::spend::{RangePreset, SpendQuery, SpendRequest, SpendService, Target};
use serde_json::json;
use support::moto::{DEFAULT_ACCOUNT, moto};

fn day_result(day: &str, groups: &[(&str, &str)]) -> serde_json::Value {
    let start = chrono::NaiveDate::parse_from_str(day, "%Y-%m-%d").expect("date");
    json!({
        "ResultsByTime": [{
            "TimePeriod": {"Start": day, "End": (start + Duration::days(1)).to_string()},
            "Total": {},
            "Groups": groups.iter().map(|(k, a)| json!({
                "Keys": [k], "Metrics": {"UnblendedCost": {"Amount": a, "Unit": "USD"}}
            })).collect::<Vec<_>>(),
            "Estimated": true
        }],
        "DimensionValueAttributes": []
    })
}

#[test]
fn the_live_spend_pane_path_caches_and_names_a_member_account() {
    let mut moto = moto();
    moto.reset();
    let today = Utc::now().date_naive().to_string();
    // In the order the loads below ask: the overview, then the drill-down's two questions.
    moto.cost_and_usage(
        DEFAULT_ACCOUNT,
        &[
            day_result(&today, &[("project$vision", "12.5"), ("project$", "2.5")]),
            day_result(&today, &[("Amazon SageMaker", "12.5")]),
            day_result(&today, &[(DEFAULT_ACCOUNT, "12.5")]),
        ],
    );
    let home = tempfile::tempdir().expect("tempdir");
    let cache = home.path().join("cache.db");
    let text = format!(
        "[[accounts]]\nname = \"dev\"\nregions = [\"us-east-1\"]\n\
         [[accounts]]\nname = \"prod\"\nrole_arn = \"arn:aws:iam::222222222222:role/R\"\n\
         regions = [\"us-east-1\"]\n\
         [spend]\naccount = \"dev\"\ngroup_by = \"project\"\nlookback_days = 90\n\
         [cache]\npath = {:?}\n",
        cache.display().to_string()
    );
    let mut config = sagescope::config::parse(&text, std::path::Path::new("t.toml"))
        .expect("valid config")
        .config;
    config.aws_override = Some(support::moto::aws_override(&moto));
    let source =
        LiveSource::open(&config, &cache, sagescope::aws::job_fetcher).expect("cache opens");
    let spend: Arc<SpendService> = source.spend().expect("live spend");
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .expect("runtime");
    // Noon today: the ledger counts per UTC day, and the second load an hour later must
    // fall on the same day even when the test runs just before midnight.
    let now = Utc::now()
        .date_naive()
        .and_hms_opt(12, 0, 0)
        .expect("noon exists")
        .and_utc();
    let overview = SpendRequest {
        query: SpendQuery::from_config(
            &config.spend,
            "project",
            RangePreset::Days90,
            now.date_naive(),
        ),
        target: Target::Overview,
        today: now.date_naive(),
        force: false,
    };

    let first = runtime.block_on(spend.load(overview.clone(), now, &|_| {}));
    let rows = &first.answer.as_ref().expect("answered").rows;
    assert_eq!(rows.len(), 2);
    assert!(rows.iter().any(|r| r.is_untagged() && r.amount == 2.5));
    // The main answer covers the month, so month to date is free; the forecast is one more
    // request, which moto does not implement: an error entry, the rest stands.
    assert_eq!(first.requests, 2, "{:?}", first.errors);
    let outlook = first.outlook.as_ref().expect("month to date");
    assert_eq!(outlook.month_to_date, 15.0);
    assert!(outlook.rest_forecast.is_none());
    assert!(
        first.errors.iter().any(|e| e.contains("GetCostForecast")),
        "{:?}",
        first.errors
    );
    let seen = moto.requests();
    let count = |op: &str| seen.iter().filter(|r| r.3 == op).count();
    assert_eq!(count("GetCostAndUsage"), 1);
    assert_eq!(
        count("GetCallerIdentity"),
        1,
        "the spend account is connected once"
    );

    let again = runtime.block_on(spend.load(overview.clone(), now + Duration::hours(1), &|_| {}));
    assert_eq!(
        again.requests, 1,
        "only the forecast that failed is asked again: {:?}",
        again.errors
    );
    assert!(again.answer.expect("cached").from_cache);
    let seen = moto.requests();
    assert_eq!(seen.iter().filter(|r| r.3 == "GetCostAndUsage").count(), 0);
    assert_eq!(
        seen.iter().filter(|r| r.3 == "GetCallerIdentity").count(),
        0
    );

    let drill = SpendRequest {
        target: Target::Drill(Some("vision".into())),
        ..overview
    };
    let out = runtime.block_on(spend.load(drill, now, &|_| {}));
    assert!(out.errors.is_empty(), "{:?}", out.errors);
    assert_eq!(out.requests, 2);
    let answer = out.drill.expect("drill-down");
    assert_eq!(answer.by_account[0].name.as_deref(), Some("dev"));
    let note = answer.member_note.expect("a member account is named");
    assert!(
        note.contains(DEFAULT_ACCOUNT) && note.contains("payer"),
        "{note}"
    );
    assert_eq!(runtime.block_on(spend.ledger(now)).requests, 5);
}
