//! Live fetching against moto, through the real binary: what `sagescope export jobs` and
//! `sagescope refresh` read from a multi-account, multi-region SageMaker world.

use crate::support;

use std::collections::BTreeMap;
use std::path::Path;

use serde_json::Value;
use support::cli::{run_json, sagescope};
use support::moto::{DEFAULT_ACCOUNT, moto, role};
use support::prices::{cents, list_price};

const REGIONS: [&str; 2] = ["us-east-1", "eu-west-1"];

/// A config file with one `[[accounts]]` entry per (name, role, profile).
fn write_config(home: &Path, accounts: &[(&str, Option<String>, Option<&str>)]) -> String {
    let mut text = String::new();
    for (name, role_arn, profile) in accounts {
        text.push_str(&format!("[[accounts]]\nname = \"{name}\"\n"));
        if let Some(role_arn) = role_arn {
            text.push_str(&format!("role_arn = \"{role_arn}\"\n"));
        }
        if let Some(profile) = profile {
            text.push_str(&format!("profile = \"{profile}\"\n"));
        }
        text.push_str("regions = [\"us-east-1\", \"eu-west-1\"]\n\n");
    }
    let path = home.join("sagescope.toml");
    std::fs::write(&path, text).expect("config");
    path.to_string_lossy().into_owned()
}

/// The three-account world: the default account and two reached through roles.
fn three_accounts(home: &Path) -> String {
    write_config(
        home,
        &[
            ("main", None, None),
            ("second", Some(role("222222222222")), None),
            ("third", Some(role("333333333333")), None),
        ],
    )
}

/// (account_id, region, kind, name) -> status, failing on any resource listed twice.
fn index(rows: &[Value]) -> BTreeMap<(String, String, String, String), String> {
    let mut map = BTreeMap::new();
    for row in rows {
        let key = (
            row["account_id"].as_str().expect("account_id").to_string(),
            row["region"].as_str().expect("region").to_string(),
            row["kind"].as_str().expect("kind").to_string(),
            row["name"].as_str().expect("name").to_string(),
        );
        let status = row["status"].as_str().expect("status").to_string();
        assert!(
            map.insert(key.clone(), status).is_none(),
            "listed twice: {key:?}"
        );
    }
    map
}

fn seeded_index(jobs: &[Value]) -> BTreeMap<(String, String, String, String), String> {
    jobs.iter()
        .map(|j| {
            (
                (
                    j["account"].as_str().expect("account").to_string(),
                    j["region"].as_str().expect("region").to_string(),
                    j["kind"].as_str().expect("kind").to_string(),
                    j["name"].as_str().expect("name").to_string(),
                ),
                j["status"].as_str().expect("status").to_string(),
            )
        })
        .collect()
}

fn row<'a>(rows: &'a [Value], name: &str) -> &'a Value {
    rows.iter()
        .find(|r| r["name"] == name)
        .unwrap_or_else(|| panic!("{name} is listed"))
}

#[test]
fn export_lists_exactly_the_jobs_of_three_accounts_and_two_regions() {
    let mut moto = moto();
    let accounts = [DEFAULT_ACCOUNT, "222222222222", "333333333333"];
    let seeded = moto.seed(&accounts, &REGIONS, 150);
    let home = tempfile::tempdir().expect("tempdir");
    let config = three_accounts(home.path());

    let (code, doc, stderr) = run_json(
        sagescope(home.path(), &moto.endpoint()).args(["export", "jobs", "--config", &config]),
    );
    assert_eq!(code, 0, "stderr:\n{stderr}");
    assert_eq!(doc["source"], "live");
    assert_eq!(doc["errors"], Value::Array(vec![]));
    let rows = doc["rows"].as_array().expect("rows");

    // Every resource exactly once, with the right account, region, kind and status.
    assert_eq!(index(rows), seeded_index(&seeded));
    assert!(
        rows.len() > 150 + 5 * 6,
        "the big account-region is all there: {}",
        rows.len()
    );

    // Account names follow the config; each account sees only its own resources.
    for r in rows {
        let id = r["account_id"].as_str().expect("id");
        let expected = match id {
            DEFAULT_ACCOUNT => "main",
            "222222222222" => "second",
            _ => "third",
        };
        assert_eq!(r["account_name"], expected);
        let name = r["name"].as_str().expect("name");
        assert!(name.contains(id), "{name} belongs to {id}");
        assert!(name.contains(r["region"].as_str().expect("region")));
    }

    // Described details: recent failures carry their reason, running jobs their instances.
    let failed = row(rows, "train-123456789012-us-east-1-148");
    assert_eq!(failed["status"], "Failed");
    assert_eq!(
        failed["failure_reason"],
        "AlgorithmError: CUDA out of memory (tried 2.0 GiB)"
    );
    let running = row(rows, "train-222222222222-eu-west-1-002");
    assert_eq!(running["status"], "InProgress");
    assert_eq!(running["instance_type"], "ml.p3.2xlarge");
    assert_eq!(running["instance_count"], 1);
    assert!(running["ended_at"].is_null());
    let stopped = row(rows, "train-333333333333-us-east-1-000");
    assert_eq!(stopped["status"], "Stopped");
    let processing = row(rows, "proc-333333333333-eu-west-1-1");
    assert_eq!(
        processing["failure_reason"],
        "ClientError: input s3://bucket/x not found"
    );
    let endpoint = row(rows, "endpoint-222222222222-us-east-1");
    assert_eq!(endpoint["status"], "InService");
    assert_eq!(endpoint["instance_type"], "ml.g4dn.xlarge");
    let notebook = row(rows, "notebook-123456789012-eu-west-1");
    assert_eq!(notebook["instance_type"], "ml.t3.medium");

    // Pagination: 150 training jobs take two pages of 100 in the big account-region.
    let requests = moto.requests();
    let pages = requests
        .iter()
        .filter(|(_, a, r, op)| {
            a == DEFAULT_ACCOUNT && r == "us-east-1" && op == "ListTrainingJobs"
        })
        .count();
    assert_eq!(pages, 2);
    // The client-side limiter spaces requests of one API in one account-region (2/s by
    // default). What moto sees is arrival times, which a loaded machine jitters by a few
    // hundred milliseconds, so check the two things jitter cannot fake: no burst (unlimited
    // calls arrive milliseconds apart) and an average rate within the quota.
    let mut by_key: BTreeMap<(String, String, String), Vec<f64>> = BTreeMap::new();
    for (time, account, region, operation) in &requests {
        if !(operation.starts_with("List") || operation.starts_with("Describe")) {
            continue; // STS: once per account, not SageMaker's quota
        }
        by_key
            .entry((account.clone(), region.clone(), operation.clone()))
            .or_default()
            .push(*time);
    }
    let mut spaced = 0;
    for (key, mut times) in by_key {
        times.sort_by(f64::total_cmp);
        for pair in times.windows(2) {
            assert!(
                pair[1] - pair[0] >= 0.1,
                "{key:?} requests {:.3} s apart: a burst",
                pair[1] - pair[0]
            );
            spaced += 1;
        }
        if let [first, .., last] = times.as_slice()
            && times.len() >= 3
        {
            let rate = (times.len() - 1) as f64 / (last - first);
            assert!(rate <= 2.2, "{key:?} at {rate:.2} requests/s");
        }
    }
    // Two pages of ListTrainingJobs at least; the busy-world test below checks the 5-second
    // peaks where many keys carry many requests.
    assert!(
        spaced >= 1,
        "some keys had several requests to space: {spaced}"
    );
    // Progress: one line per listed (account, region, kind), counting to 3 × 2 × 9.
    assert!(stderr.contains("[listing 54/54]"), "{stderr}");
}

#[test]
fn an_account_sees_only_its_own_resources() {
    let mut moto = moto();
    let seeded = moto.seed(&[DEFAULT_ACCOUNT, "222222222222"], &REGIONS, 120);
    let home = tempfile::tempdir().expect("tempdir");
    let config = write_config(home.path(), &[("second", Some(role("222222222222")), None)]);
    let (code, doc, stderr) = run_json(
        sagescope(home.path(), &moto.endpoint()).args(["export", "jobs", "--config", &config]),
    );
    assert_eq!(code, 0, "{stderr}");
    let rows = doc["rows"].as_array().expect("rows");
    let mine: Vec<Value> = seeded
        .into_iter()
        .filter(|j| j["account"] == "222222222222")
        .collect();
    assert_eq!(index(rows), seeded_index(&mine));
}

#[test]
fn an_unreachable_account_exits_3_and_the_others_are_intact() {
    let mut moto = moto();
    let seeded = moto.seed(&[DEFAULT_ACCOUNT, "222222222222"], &REGIONS, 3);
    let home = tempfile::tempdir().expect("tempdir");
    let config = write_config(
        home.path(),
        &[
            ("main", None, None),
            ("broken", None, Some("nocreds")),
            ("second", Some(role("222222222222")), None),
        ],
    );
    let (code, doc, stderr) = run_json(
        sagescope(home.path(), &moto.endpoint()).args(["export", "jobs", "--config", &config]),
    );
    assert_eq!(code, 3, "partial: {stderr}");
    let errors = doc["errors"].as_array().expect("errors");
    assert_eq!(errors.len(), 1, "{errors:?}");
    assert_eq!(errors[0]["account"], "broken");
    let message = errors[0]["message"].as_str().expect("message");
    assert!(
        message.contains("aws sso login --profile nocreds"),
        "says what to run: {message}"
    );
    assert!(message.contains("`broken`"), "names the account: {message}");
    assert_eq!(
        index(doc["rows"].as_array().expect("rows")),
        seeded_index(&seeded)
    );
    assert!(
        stderr.contains("failed: broken:"),
        "progress shows it: {stderr}"
    );
}

#[test]
fn refresh_then_offline_export_prints_the_same_rows() {
    let mut moto = moto();
    moto.seed(&[DEFAULT_ACCOUNT, "222222222222"], &REGIONS, 110);
    let home = tempfile::tempdir().expect("tempdir");
    let config = three_accounts(home.path());
    let endpoint = moto.endpoint();

    let out = sagescope(home.path(), &endpoint)
        .args(["refresh", "--config", &config])
        .output()
        .expect("runs");
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(0), "{stderr}");
    assert!(String::from_utf8_lossy(&out.stdout).starts_with("refreshed: "));
    assert!(stderr.contains("[listing 54/54]"), "{stderr}");

    let (code, offline, _) = run_json(sagescope(home.path(), &endpoint).args([
        "export",
        "jobs",
        "--offline",
        "--config",
        &config,
    ]));
    assert_eq!(code, 0);
    assert_eq!(offline["source"], "cache");
    let (code, live, stderr) =
        run_json(sagescope(home.path(), &endpoint).args(["export", "jobs", "--config", &config]));
    assert_eq!(code, 0, "{stderr}");
    // `usd_so_far` and estimated costs run on with the clock between the two exports (a cent
    // can tick over).
    let without_so_far = |rows: &Value| -> Vec<Value> {
        let mut rows = rows.as_array().expect("rows").clone();
        for row in &mut rows {
            let estimated = row["cost_source"] == "estimate";
            let row = row.as_object_mut().expect("row");
            row.remove("usd_so_far");
            if estimated {
                row.remove("cost_usd");
            }
        }
        rows
    };
    assert_eq!(
        without_so_far(&offline["rows"]),
        without_so_far(&live["rows"])
    );
    assert!(offline["rows"].as_array().expect("rows").len() > 110);
}

/// Operation -> count, for the requests of one refresh.
fn by_operation(requests: &[(f64, String, String, String)]) -> BTreeMap<String, usize> {
    let mut map = BTreeMap::new();
    for (_, _, _, op) in requests {
        *map.entry(op.clone()).or_default() += 1;
    }
    map
}

#[test]
fn a_steady_state_refresh_costs_one_list_call_per_kind_and_account_region() {
    let mut moto = moto();
    moto.seed(
        &[DEFAULT_ACCOUNT, "222222222222", "333333333333"],
        &REGIONS,
        150,
    );
    let home = tempfile::tempdir().expect("tempdir");
    let config = three_accounts(home.path());
    let endpoint = moto.endpoint();
    let refresh = |home: &Path| {
        let out = sagescope(home, &endpoint)
            .args(["refresh", "--config", &config])
            .output()
            .expect("runs");
        assert_eq!(
            out.status.code(),
            Some(0),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
    };
    let scopes = 3 * 2;

    refresh(home.path());
    let first = by_operation(&moto.requests());
    eprintln!("first refresh: {first:?}");
    // The nine job kinds' List calls, Studio apps', components' and clusters' included (the tag pass's
    // ListTags and ListDomains are counted in the tag tests).
    let lists = |ops: &BTreeMap<String, usize>| -> usize {
        ops.iter()
            .filter(|(op, _)| op.starts_with("List"))
            .filter(|(op, _)| {
                [
                    "ListTrainingJobs",
                    "ListProcessingJobs",
                    "ListTransformJobs",
                    "ListHyperParameterTuningJobs",
                    "ListEndpoints",
                    "ListNotebookInstances",
                    "ListApps",
                    "ListInferenceComponents",
                    "ListClusters",
                ]
                .contains(&op.as_str())
            })
            .map(|(_, n)| n)
            .sum()
    };
    // 9 kinds per account-region, plus the second page of the 150 training jobs.
    assert_eq!(lists(&first), 9 * scopes + 1);

    refresh(home.path());
    let second = by_operation(&moto.requests());
    eprintln!("steady-state refresh: {second:?}");
    assert_eq!(
        lists(&second),
        9 * scopes,
        "one List per kind per account-region"
    );
    assert_eq!(
        second
            .keys()
            .filter(|op| op.starts_with("Describe"))
            .count(),
        0,
        "nothing unchanged is described again: {second:?}"
    );
    // Besides the Lists: one identity check per account and one AssumeRole per role.
    assert_eq!(second.get("GetCallerIdentity"), Some(&3));
    assert_eq!(second.get("AssumeRole"), Some(&2));

    // A new running job shows up on the next refresh, still at one page.
    moto.call(serde_json::json!({
        "cmd": "add_training", "account": DEFAULT_ACCOUNT, "region": "us-east-1",
        "name": "brand-new-run", "status": "InProgress"
    }));
    refresh(home.path());
    let third = by_operation(&moto.requests());
    assert_eq!(lists(&third), 9 * scopes);
    assert_eq!(third.get("DescribeTrainingJob"), Some(&1), "{third:?}");
    let (_, offline, _) = run_json(sagescope(home.path(), &endpoint).args([
        "export",
        "jobs",
        "--offline",
        "--config",
        &config,
    ]));
    let rows = offline["rows"].as_array().expect("rows");
    let new = row(rows, "brand-new-run");
    assert_eq!(new["status"], "InProgress");
    assert_eq!(new["instance_type"], "ml.p3.2xlarge");
}

#[test]
fn throttling_is_retried_until_the_deadline_and_past_it_the_scope_keeps_its_last_rows() {
    let mut moto = moto();
    let seeded = moto.seed(&[DEFAULT_ACCOUNT, "222222222222"], &REGIONS, 3);
    let home = tempfile::tempdir().expect("tempdir");
    let config = write_config(
        home.path(),
        &[
            ("main", None, None),
            ("second", Some(role("222222222222")), None),
        ],
    );
    let throttle = |moto: &mut support::moto::Moto, times: u32| {
        moto.call(serde_json::json!({
            "cmd": "throttle", "account": "222222222222", "region": "eu-west-1",
            "operation": "ListEndpoints", "times": times
        }));
    };

    // More throttles in a row than the SDK's 4 attempts ever survived: retried, complete.
    throttle(&mut moto, 5);
    moto.requests();
    let (code, doc, stderr) = run_json(
        sagescope(home.path(), &moto.endpoint()).args(["export", "jobs", "--config", &config]),
    );
    assert_eq!(code, 0, "{stderr}");
    assert_eq!(
        index(doc["rows"].as_array().expect("rows")),
        seeded_index(&seeded)
    );
    let endpoint_lists = moto
        .requests()
        .iter()
        .filter(|(_, a, r, op)| a == "222222222222" && r == "eu-west-1" && op == "ListEndpoints")
        .count();
    assert_eq!(endpoint_lists, 6, "five throttled attempts, then success");
    assert!(stderr.contains("5 throttled and retried"), "{stderr}");

    // Throttled past the refresh deadline: that scope alone is an error, and its rows are the
    // last good ones, marked stale; every other row is fresh.
    std::fs::write(
        &config,
        std::fs::read_to_string(&config).expect("config") + "\n[refresh]\ndeadline_seconds = 10\n",
    )
    .expect("config");
    throttle(&mut moto, 1_000_000);
    let (code, doc, stderr) = run_json(
        sagescope(home.path(), &moto.endpoint()).args(["export", "jobs", "--config", &config]),
    );
    assert_eq!(code, 3, "{stderr}");
    let errors = doc["errors"].as_array().expect("errors");
    assert_eq!(errors.len(), 1, "{errors:?}");
    assert_eq!(errors[0]["account"], "second");
    assert_eq!(errors[0]["region"], "eu-west-1");
    assert_eq!(errors[0]["kind"], "endpoint");
    assert_eq!(errors[0]["stale"], true);
    assert!(
        errors[0]["message"]
            .as_str()
            .expect("message")
            .contains("throttled"),
        "{errors:?}"
    );
    let rows = doc["rows"].as_array().expect("rows");
    assert_eq!(index(rows), seeded_index(&seeded), "nothing lost");
    for r in rows {
        let in_scope =
            r["account_name"] == "second" && r["region"] == "eu-west-1" && r["kind"] == "endpoint";
        assert_eq!(r["stale"], in_scope, "{}", r["name"]);
    }
}

#[test]
fn an_unreachable_endpoint_fails_each_account_with_the_cause() {
    // No moto here: a closed loopback port.
    let closed = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
    let endpoint = format!("http://{}", closed.local_addr().expect("addr"));
    drop(closed);
    let home = tempfile::tempdir().expect("tempdir");
    let config = write_config(
        home.path(),
        &[
            ("main", None, None),
            ("second", Some(role("222222222222")), None),
        ],
    );
    let (code, doc, stderr) =
        run_json(sagescope(home.path(), &endpoint).args(["export", "jobs", "--config", &config]));
    assert_eq!(code, 3, "{stderr}");
    let errors = doc["errors"].as_array().expect("errors");
    assert_eq!(errors.len(), 2, "one per account: {errors:?}");
    for error in errors {
        let message = error["message"].as_str().expect("message");
        assert!(message.contains("cannot reach AWS"), "{message}");
        assert!(message.contains("Connection refused"), "{message}");
    }
    assert_eq!(doc["rows"], Value::Array(vec![]));
}

// --- tag hygiene ---------------------------------------------------------------------------

const SECOND: &str = "222222222222";

/// The policy every tag test runs with.
const TAG_POLICY: &str = "[tags]\nmandatory = [\"cost-center\", \"project\", \"owner\"]\n\
                          allowed = { environment = [\"dev\", \"staging\", \"production\"] }\n";

/// Two accounts (the default one, and 222222222222 through a role) with the tag policy;
/// `extra` is appended, so it may continue the `[tags]` table.
fn tag_config(home: &Path, extra: &str) -> String {
    let path = write_config(
        home,
        &[("main", None, None), ("second", Some(role(SECOND)), None)],
    );
    let mut text = std::fs::read_to_string(&path).expect("config");
    text.push_str(TAG_POLICY);
    text.push_str(extra);
    std::fs::write(&path, text).expect("config");
    path
}

fn spec(account: &str, region: &str, kind: &str, name: &str, tags: &[(&str, &str)]) -> Value {
    let tags: serde_json::Map<String, Value> = tags
        .iter()
        .map(|(k, v)| (k.to_string(), Value::from(*v)))
        .collect();
    serde_json::json!({"account": account, "region": region, "kind": kind, "name": name,
                       "tags": tags})
}

const COMPLETE: [(&str, &str); 4] = [
    ("cost-center", "cc-1"),
    ("project", "vision"),
    ("owner", "ana"),
    ("environment", "dev"),
];

/// Every kind, in two accounts and two regions, complete or with each kind of problem.
fn tag_world_spec() -> Vec<Value> {
    let m = DEFAULT_ACCOUNT;
    let domain = "arn:aws:sagemaker:us-east-1:123456789012:domain/d-studio";
    let bob = "arn:aws:sagemaker:us-east-1:123456789012:user-profile/d-studio/bob";
    let mut bob_profile = spec(m, "us-east-1", "user-profile", "bob", &[("owner", "bob")]);
    bob_profile["domain"] = "studio".into();
    let mut alice_profile = spec(m, "us-east-1", "user-profile", "alice", &COMPLETE);
    alice_profile["domain"] = "studio".into();
    vec![
        spec(m, "us-east-1", "training", "tr-complete", &COMPLETE),
        spec(m, "us-east-1", "training", "tr-untagged", &[]),
        spec(
            m,
            "us-east-1",
            "training",
            "tr-miscased",
            &[
                ("Cost-Center", "cc-1"),
                ("project", "vision"),
                ("owner", "ana"),
            ],
        ),
        spec(
            m,
            "us-east-1",
            "processing",
            "proc-invalid",
            &[
                ("cost-center", "cc-1"),
                ("project", "vision"),
                ("owner", "ana"),
                ("environment", "prod"),
            ],
        ),
        spec(m, "us-east-1", "transform", "tf-complete", &COMPLETE),
        spec(
            m,
            "us-east-1",
            "tuning",
            "tune-no-owner",
            &[("cost-center", "cc-1"), ("project", "vision")],
        ),
        spec(m, "us-east-1", "endpoint", "ep-complete", &COMPLETE),
        spec(
            m,
            "us-east-1",
            "notebook",
            "nb-studio",
            &[
                ("cost-center", "cc-1"),
                ("project", "vision"),
                ("sagemaker:domain-arn", domain),
                ("sagemaker:user-profile-arn", bob),
            ],
        ),
        spec(m, "us-east-1", "domain", "studio", &COMPLETE),
        alice_profile,
        bob_profile,
        spec(
            m,
            "eu-west-1",
            "endpoint",
            "ep-eu-miscased",
            &[
                ("COST-CENTER", "cc-2"),
                ("Project", "nlp"),
                ("owner", "ana"),
            ],
        ),
        spec(SECOND, "us-east-1", "training", "tr2-complete", &COMPLETE),
        spec(
            SECOND,
            "us-east-1",
            "training",
            "tr2-bad-env-no-project",
            &[
                ("cost-center", "cc-3"),
                ("owner", "li"),
                ("environment", "test"),
            ],
        ),
        spec(SECOND, "us-east-1", "notebook", "nb2-untagged", &[]),
        spec(
            SECOND,
            "eu-west-1",
            "processing",
            "proc2-complete",
            &COMPLETE,
        ),
    ]
}

/// One expected finding: (account_id, region, kind, name, missing, miscased found->expected,
/// invalid key=value).
type Expected = (
    &'static str,
    &'static str,
    &'static str,
    &'static str,
    Vec<&'static str>,
    Vec<&'static str>,
    Vec<&'static str>,
);

/// A finding as compared: [`Expected`] with owned strings.
type Finding = (
    String,
    String,
    String,
    String,
    Vec<String>,
    Vec<String>,
    Vec<String>,
);

fn expected_findings() -> Vec<Expected> {
    let m = DEFAULT_ACCOUNT;
    let all = vec!["cost-center", "project", "owner"];
    let mut expected = vec![
        (
            m,
            "us-east-1",
            "training",
            "tr-untagged",
            all.clone(),
            vec![],
            vec![],
        ),
        (
            m,
            "us-east-1",
            "training",
            "tr-miscased",
            vec![],
            vec!["Cost-Center->cost-center"],
            vec![],
        ),
        (
            m,
            "us-east-1",
            "processing",
            "proc-invalid",
            vec![],
            vec![],
            vec!["environment=prod"],
        ),
        (
            m,
            "us-east-1",
            "tuning",
            "tune-no-owner",
            vec!["owner"],
            vec![],
            vec![],
        ),
        (
            m,
            "us-east-1",
            "notebook",
            "nb-studio",
            vec!["owner"],
            vec![],
            vec![],
        ),
        (
            m,
            "us-east-1",
            "user-profile",
            "bob",
            vec!["cost-center", "project"],
            vec![],
            vec![],
        ),
        (
            m,
            "eu-west-1",
            "endpoint",
            "ep-eu-miscased",
            vec![],
            vec!["COST-CENTER->cost-center", "Project->project"],
            vec![],
        ),
        (
            SECOND,
            "us-east-1",
            "training",
            "tr2-bad-env-no-project",
            vec!["project"],
            vec![],
            vec!["environment=test"],
        ),
        (
            SECOND,
            "us-east-1",
            "notebook",
            "nb2-untagged",
            all.clone(),
            vec![],
            vec![],
        ),
        // Each endpoint's config, created with it and never tagged: endpoint configs are
        // checked too.
        (
            m,
            "us-east-1",
            "endpoint-config",
            "config-ep-complete",
            all.clone(),
            vec![],
            vec![],
        ),
        (
            m,
            "eu-west-1",
            "endpoint-config",
            "config-ep-eu-miscased",
            all,
            vec![],
            vec![],
        ),
    ];
    expected.sort();
    expected
}

fn strings(value: &Value, render: impl Fn(&Value) -> String) -> Vec<String> {
    value
        .as_array()
        .expect("array")
        .iter()
        .map(render)
        .collect()
}

/// The export's rows in the shape of [`Expected`], sorted.
fn findings_of(rows: &[Value]) -> Vec<Finding> {
    let text = |v: &Value| v.as_str().expect("string").to_string();
    let mut out: Vec<_> = rows
        .iter()
        .map(|r| {
            (
                text(&r["account_id"]),
                text(&r["region"]),
                text(&r["kind"]),
                text(&r["name"]),
                strings(&r["missing"], text),
                strings(&r["miscased"], |m| {
                    format!("{}->{}", text(&m["found"]), text(&m["expected"]))
                }),
                strings(&r["invalid"], |i| {
                    format!("{}={}", text(&i["key"]), text(&i["value"]))
                }),
            )
        })
        .collect();
    out.sort();
    out
}

fn owned(expected: Vec<Expected>) -> Vec<Finding> {
    let s = |v: Vec<&str>| v.into_iter().map(String::from).collect::<Vec<_>>();
    expected
        .into_iter()
        .map(|(a, r, k, n, m, c, i)| (a.into(), r.into(), k.into(), n.into(), s(m), s(c), s(i)))
        .collect()
}

#[test]
fn export_untagged_lists_exactly_the_offending_resources_across_two_accounts() {
    let mut moto = moto();
    let arns = moto.tag_world(&Value::Array(tag_world_spec()));
    let home = tempfile::tempdir().expect("tempdir");
    let config = tag_config(home.path(), "");

    let (code, doc, stderr) = run_json(
        sagescope(home.path(), &moto.endpoint()).args(["export", "untagged", "--config", &config]),
    );
    assert_eq!(code, 0, "stderr:\n{stderr}");
    assert_eq!(doc["source"], "live");
    assert_eq!(doc["errors"], Value::Array(vec![]), "{stderr}");
    let rows = doc["rows"].as_array().expect("rows");
    assert_eq!(findings_of(rows), owned(expected_findings()));

    // ARNs are the real ones (the user profile's is built from its domain), account names
    // follow the config, and Studio's tags say whom to ask.
    for r in rows {
        let name = r["name"].as_str().expect("name");
        let arn = if r["kind"] == "endpoint-config" {
            // Made by the world for its endpoint, so not in `arns`.
            Some(format!(
                "arn:aws:sagemaker:{}:{}:endpoint-config/{name}",
                r["region"].as_str().expect("region"),
                r["account_id"].as_str().expect("account")
            ))
        } else {
            arns.get(name).cloned()
        };
        assert_eq!(r["arn"].as_str(), arn.as_deref(), "{name}");
        let expected = if r["account_id"] == DEFAULT_ACCOUNT {
            "main"
        } else {
            "second"
        };
        assert_eq!(r["account_name"], expected);
    }
    let nb = row(rows, "nb-studio");
    assert_eq!(
        nb["studio_user_profile_arn"],
        "arn:aws:sagemaker:us-east-1:123456789012:user-profile/d-studio/bob"
    );
    assert_eq!(
        nb["studio_domain_arn"],
        "arn:aws:sagemaker:us-east-1:123456789012:domain/d-studio"
    );
    assert!(row(rows, "nb2-untagged")["studio_user_profile_arn"].is_null());

    // The jobs the same refresh cached carry their tags.
    let (_, jobs, _) = run_json(sagescope(home.path(), &moto.endpoint()).args([
        "export",
        "jobs",
        "--offline",
        "--config",
        &config,
    ]));
    let jobs = jobs["rows"].as_array().expect("rows");
    let (_, cached, _) = run_json(sagescope(home.path(), &moto.endpoint()).args([
        "export",
        "untagged",
        "--offline",
        "--config",
        &config,
    ]));
    assert_eq!(cached["rows"], doc["rows"], "the findings view was saved");
    assert!(jobs.iter().any(|j| j["name"] == "tr-complete"));
}

/// `aws sagemaker ...` lines of a script, each parsed as the shell would.
fn script_commands(script: &str) -> Vec<Vec<String>> {
    script
        .lines()
        .filter(|l| l.starts_with("aws "))
        .map(|l| shlex::split(l).unwrap_or_else(|| panic!("not one shell command: {l}")))
        .collect()
}

fn flag<'a>(words: &'a [String], name: &str) -> &'a str {
    let at = words
        .iter()
        .position(|w| w == name)
        .unwrap_or_else(|| panic!("{name} in {words:?}"));
    &words[at + 1]
}

/// `Key=k,Value=v` (the shorthand the script writes for simple keys and values).
fn shorthand(tag: &str) -> (String, String) {
    let (key, value) = tag.split_once(",Value=").expect("Key=..,Value=..");
    (
        key.strip_prefix("Key=").expect("Key=").to_string(),
        value.to_string(),
    )
}

#[test]
fn the_fix_script_names_the_right_arns_and_once_filled_in_fixes_every_finding() {
    let mut moto = moto();
    moto.tag_world(&Value::Array(tag_world_spec()));
    let home = tempfile::tempdir().expect("tempdir");
    let config = tag_config(home.path(), "");
    let endpoint = moto.endpoint();
    let (code, doc, stderr) = run_json(
        sagescope(home.path(), &endpoint).args(["export", "untagged", "--config", &config]),
    );
    assert_eq!(code, 0, "{stderr}");
    let findings = doc["rows"].as_array().expect("rows").clone();

    let out = sagescope(home.path(), &endpoint)
        .args([
            "export",
            "untagged",
            "--offline",
            "--format",
            "script",
            "--config",
            &config,
        ])
        .output()
        .expect("runs");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let script = String::from_utf8(out.stdout).expect("utf-8");
    assert!(script.starts_with("#!/usr/bin/env bash\n"));
    let commands = script_commands(&script);

    // Exactly the findings' ARNs, each in its own region.
    let mut named: Vec<&str> = commands.iter().map(|c| flag(c, "--resource-arn")).collect();
    named.sort_unstable();
    named.dedup();
    let mut expected: Vec<&str> = findings
        .iter()
        .map(|f| f["arn"].as_str().expect("arn"))
        .collect();
    expected.sort_unstable();
    assert_eq!(named, expected);
    for command in &commands {
        assert_eq!(&command[..2], ["aws", "sagemaker"]);
        let arn = flag(command, "--resource-arn");
        assert_eq!(
            flag(command, "--region"),
            arn.split(':').nth(3).expect("region")
        );
        assert!(
            !command.contains(&"--profile".to_string()),
            "no profile is configured"
        );
    }
    // One command per problem; a rename is an add followed by the delete of the wrong key.
    let problems: usize = findings
        .iter()
        .map(|f| {
            ["missing", "invalid"]
                .iter()
                .map(|k| f[k].as_array().map_or(0, Vec::len))
                .sum::<usize>()
                + 2 * f["miscased"].as_array().map_or(0, Vec::len)
        })
        .sum();
    assert_eq!(commands.len(), problems, "{script}");
    let rename = commands
        .iter()
        .position(|c| c[2] == "delete-tags" && flag(c, "--tag-keys") == "Cost-Center")
        .unwrap_or_else(|| panic!("the miscased key is deleted:\n{script}"));
    assert_eq!(commands[rename - 1][2], "add-tags");
    assert_eq!(
        shorthand(flag(&commands[rename - 1], "--tags")),
        ("cost-center".into(), "cc-1".into())
    );

    // Fill the placeholders as an admin would and run the commands against moto.
    for command in &commands {
        let arn = flag(command, "--resource-arn");
        let account = arn.split(':').nth(4).expect("account");
        let region = flag(command, "--region");
        if command[2] == "add-tags" {
            let (key, value) = shorthand(flag(command, "--tags"));
            let value = match (value.as_str(), key.as_str()) {
                ("<FILL>", "environment") => "staging".to_string(),
                ("<FILL>", _) => "filled".to_string(),
                _ => value,
            };
            moto.call(serde_json::json!({"cmd": "add_tags", "account": account,
                "region": region, "arn": arn, "tags": {key: value}}));
        } else {
            assert_eq!(command[2], "delete-tags");
            moto.call(serde_json::json!({"cmd": "delete_tags", "account": account,
                "region": region, "arn": arn, "keys": [flag(command, "--tag-keys")]}));
        }
    }

    // Tags changed, the resources did not: the cache trusts its tags until tags.ttl_hours...
    let (_, cached, _) = run_json(
        sagescope(home.path(), &endpoint).args(["export", "untagged", "--config", &config]),
    );
    assert_eq!(
        cached["rows"].as_array().map(Vec::len),
        Some(findings.len())
    );
    // ...and --no-cache reads them all again: nothing is left to fix.
    let (code, fixed, stderr) = run_json(sagescope(home.path(), &endpoint).args([
        "export",
        "untagged",
        "--no-cache",
        "--config",
        &config,
    ]));
    assert_eq!(code, 0, "{stderr}");
    assert_eq!(fixed["rows"], Value::Array(vec![]), "{stderr}");
}

/// Tag requests of one refresh, by operation.
fn tag_requests(moto: &mut support::moto::Moto) -> BTreeMap<String, usize> {
    let mut map = BTreeMap::new();
    for (_, _, _, op) in moto.requests() {
        if ["ListTags", "Search", "ListDomains", "ListUserProfiles"].contains(&op.as_str()) {
            *map.entry(op).or_default() += 1;
        }
    }
    map
}

#[test]
fn the_tag_cache_makes_the_next_refresh_read_only_what_changed() {
    const BULK: usize = 120;
    let mut moto = moto();
    let mut world = tag_world_spec();
    for i in 0..BULK {
        world.push(spec(
            DEFAULT_ACCOUNT,
            "us-east-1",
            "training",
            &format!("bulk-{i:03}"),
            &COMPLETE,
        ));
    }
    let arns = moto.tag_world(&Value::Array(world.clone()));
    // Each endpoint comes with an endpoint config, a resource of its own to read tags of.
    let configs = world.iter().filter(|r| r["kind"] == "endpoint").count();
    let resources = world.len() + configs;
    let training = world.iter().filter(|r| r["kind"] == "training").count();
    let home = tempfile::tempdir().expect("tempdir");
    let config = tag_config(home.path(), "[refresh]\nrequests_per_second = 10.0\n");
    let endpoint = moto.endpoint();
    let refresh = |home: &Path, config: &str| {
        let out = sagescope(home, &endpoint)
            .args(["refresh", "--config", config])
            .output()
            .expect("runs");
        let stderr = String::from_utf8_lossy(&out.stderr).into_owned();
        assert_eq!(out.status.code(), Some(0), "{stderr}");
        stderr
    };

    let stderr = refresh(home.path(), &config);
    let first = tag_requests(&mut moto);
    eprintln!("first refresh, {resources} resources: {first:?}\n{stderr}");
    // Training jobs (all new, so all wanting details) come with their tags from the Search
    // pages that fill in their details: 100 per page in each account-region that has them;
    // every other resource costs one ListTags. Domains are listed in each account-region,
    // user profiles only where there is a domain.
    let mut training_per_scope: BTreeMap<(String, String), usize> = BTreeMap::new();
    for r in world.iter().filter(|r| r["kind"] == "training") {
        let scope = (r["account"].to_string(), r["region"].to_string());
        *training_per_scope.entry(scope).or_default() += 1;
    }
    let pages: usize = training_per_scope.values().map(|n| n.div_ceil(100)).sum();
    assert!(
        pages >= 3,
        "the bulk scope needs two pages: {training_per_scope:?}"
    );
    assert_eq!(first.get("Search"), Some(&pages), "{first:?}");
    assert_eq!(
        first.get("ListTags"),
        Some(&(resources - training)),
        "{first:?}"
    );
    assert_eq!(first.get("ListDomains"), Some(&4));
    assert_eq!(first.get("ListUserProfiles"), Some(&1));

    refresh(home.path(), &config);
    let second = tag_requests(&mut moto);
    eprintln!("second refresh: {second:?}");
    assert_eq!(second.get("ListTags"), None, "{second:?}");
    assert_eq!(second.get("Search"), None, "{second:?}");

    // One resource changes: its tags alone are read again.
    moto.call(
        serde_json::json!({"cmd": "touch", "account": DEFAULT_ACCOUNT,
        "region": "us-east-1", "arn": arns["nb-studio"]}),
    );
    refresh(home.path(), &config);
    let third = tag_requests(&mut moto);
    assert_eq!(third.get("ListTags"), Some(&1), "{third:?}");
    assert_eq!(third.get("Search"), None);

    // The same world with Search turned off: one ListTags per resource.
    let off_home = tempfile::tempdir().expect("tempdir");
    let off = tag_config(
        off_home.path(),
        "search = false\n[refresh]\nrequests_per_second = 10.0\n",
    );
    refresh(off_home.path(), &off);
    let without = tag_requests(&mut moto);
    eprintln!("first refresh without Search: {without:?}");
    assert_eq!(without.get("Search"), None);
    assert_eq!(without.get("ListTags"), Some(&resources));
}

// --- live burn and health ---------------------------------------------------------------

/// The row of the seeded resource `name` in the export.
fn seeded_row<'a>(rows: &'a [Value], name: &str) -> &'a Value {
    row(rows, name)
}

fn us_east_1(instance_type: &str) -> f64 {
    support::prices::priced("us-east-1", instance_type)
}

/// Publishes CloudWatch metrics in moto: in account 222222222222 a training job that barely
/// uses its GPU and an endpoint nobody called for three days; in the default account a busy
/// training job and an endpoint serving 120 requests an hour.
fn publish_utilisation(moto: &mut support::moto::Moto) {
    for (account, gpu, cpu, endpoint_cpu, endpoint_gpu, per_hour) in [
        ("222222222222", 6.0, 300.0, 12.0, 2.0, 0),
        (DEFAULT_ACCOUNT, 93.0, 400.0, 150.0, 60.0, 120),
    ] {
        let answer = moto.call(serde_json::json!({
            "cmd": "utilisation", "account": account, "region": "us-east-1",
            "training": {
                "name": format!("train-{account}-us-east-1-002"), "age_minutes": 90,
                "cpu": cpu, "gpu": gpu, "gpu_memory": 30.0, "memory": 40.0
            },
            "endpoint": {
                "name": format!("endpoint-{account}-us-east-1"), "variant": "main",
                "age_hours": 72, "cpu": endpoint_cpu, "gpu": endpoint_gpu,
                "invocations_per_hour": per_hour
            }
        }));
        assert!(answer["points"].as_u64().expect("points") > 100, "{answer}");
    }
}

#[test]
fn export_flags_an_idle_endpoint_and_an_underutilised_training_job_with_their_burn() {
    let mut moto = moto();
    moto.seed(&[DEFAULT_ACCOUNT, "222222222222"], &["us-east-1"], 3);
    publish_utilisation(&mut moto);
    let home = tempfile::tempdir().expect("tempdir");
    let config = write_config(
        home.path(),
        &[
            ("main", None, None),
            ("second", Some(role("222222222222")), None),
        ],
    );
    let endpoint = moto.endpoint();

    let (code, doc, stderr) =
        run_json(sagescope(home.path(), &endpoint).args(["export", "jobs", "--config", &config]));
    assert_eq!(code, 0, "{stderr}");
    assert_eq!(doc["errors"], Value::Array(vec![]), "{stderr}");
    let rows = doc["rows"].as_array().expect("rows");
    let endpoint_rate = cents(2.0 * us_east_1("ml.g4dn.xlarge"));
    let training_rate = cents(us_east_1("ml.p3.2xlarge"));

    // Account 222222222222: the endpoint serves nobody, the training job's GPU idles.
    let idle = seeded_row(rows, "endpoint-222222222222-us-east-1");
    assert_eq!(idle["status"], "InService");
    assert_eq!(
        idle["instance_count"], 2,
        "CurrentInstanceCount of its variant"
    );
    assert_eq!(idle["invocations_24h"], 0);
    assert_eq!(idle["usd_per_hour"], endpoint_rate);
    let flags = idle["flags"].as_array().expect("flags");
    assert!(flags.contains(&Value::from("idle")), "{idle}");
    let so_far = idle["usd_so_far"].as_f64().expect("so far");
    let expected = 2.0 * us_east_1("ml.g4dn.xlarge") * 72.0;
    assert!((so_far - expected).abs() < 0.1, "72 h in service: {so_far}");

    let low = seeded_row(rows, "train-222222222222-us-east-1-002");
    assert_eq!(low["status"], "InProgress");
    assert_eq!(low["flags"], serde_json::json!(["underutilized"]), "{low}");
    assert_eq!(low["gpu_util"], 6.0, "one GPU at 6 %");
    assert_eq!(low["cpu_util"], 37.5, "300 over 8 vCPUs");
    assert_eq!(low["usd_per_hour"], training_rate);
    assert!(low["invocations_24h"].is_null(), "not an endpoint");

    // The default account: busy, nothing flagged, the same prices.
    let busy = seeded_row(rows, "train-123456789012-us-east-1-002");
    assert_eq!(busy["flags"], serde_json::json!([]), "{busy}");
    assert_eq!(busy["gpu_util"], 93.0);
    assert_eq!(busy["usd_per_hour"], training_rate);
    let serving = seeded_row(rows, "endpoint-123456789012-us-east-1");
    assert_eq!(serving["flags"], serde_json::json!([]), "{serving}");
    assert_eq!(serving["invocations_24h"], 23 * 120);

    // A running transform job burns money but has no utilisation fetched; finished jobs
    // neither burn nor carry metrics.
    let transform = seeded_row(rows, "transform-222222222222-us-east-1");
    assert_eq!(transform["usd_per_hour"], cents(us_east_1("ml.c5.xlarge")));
    assert!(transform["cpu_util"].is_null());
    let failed = seeded_row(rows, "train-222222222222-us-east-1-001");
    assert!(failed["usd_per_hour"].is_null() && failed["usd_so_far"].is_null());

    // What CloudWatch was asked: two windows (hour, day) per account-region with running
    // resources, one request each; 7 metrics per account-region (4 for the single-GPU
    // training host, CPU, GPU and invocations for the endpoint's one variant).
    let cloudwatch: Vec<(String, String)> = moto
        .requests()
        .into_iter()
        .filter(|(_, _, _, op)| op == "GetMetricData")
        .map(|(_, account, region, _)| (account, region))
        .collect();
    assert_eq!(cloudwatch.len(), 4, "{cloudwatch:?}");
    assert!(cloudwatch.iter().all(|(_, region)| region == "us-east-1"));
    assert!(
        stderr.contains(
            "CloudWatch: 4 running resources, 4 GetMetricData requests, 14 metrics, \
             USD 0.00014 at list price"
        ),
        "{stderr}"
    );

    // `refresh` stores the metrics with the jobs: an offline export carries the same fields.
    let out = sagescope(home.path(), &endpoint)
        .args(["refresh", "--config", &config])
        .output()
        .expect("runs");
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let (code, offline, _) = run_json(sagescope(home.path(), &endpoint).args([
        "export",
        "jobs",
        "--offline",
        "--config",
        &config,
    ]));
    assert_eq!(code, 0);
    let offline_rows = offline["rows"].as_array().expect("rows");
    for name in [
        "endpoint-222222222222-us-east-1",
        "train-222222222222-us-east-1-002",
        "endpoint-123456789012-us-east-1",
    ] {
        let (live, cached) = (seeded_row(rows, name), seeded_row(offline_rows, name));
        for field in [
            "flags",
            "gpu_util",
            "cpu_util",
            "invocations_24h",
            "usd_per_hour",
        ] {
            assert_eq!(live[field], cached[field], "{name} {field}");
        }
    }
}

#[test]
fn a_cloudwatch_failure_is_an_error_entry_and_every_job_still_exports() {
    let mut moto = moto();
    let seeded = moto.seed(&[DEFAULT_ACCOUNT, "222222222222"], &["us-east-1"], 3);
    publish_utilisation(&mut moto);
    moto.call(serde_json::json!({
        "cmd": "throttle", "account": "222222222222", "region": "us-east-1",
        "operation": "GetMetricData", "times": 1
    }));
    let home = tempfile::tempdir().expect("tempdir");
    let config = write_config(
        home.path(),
        &[
            ("main", None, None),
            ("second", Some(role("222222222222")), None),
        ],
    );
    let (code, doc, stderr) = run_json(
        sagescope(home.path(), &moto.endpoint()).args(["export", "jobs", "--config", &config]),
    );
    assert_eq!(code, 3, "partial: {stderr}");
    let errors = doc["errors"].as_array().expect("errors");
    assert_eq!(errors.len(), 1, "{errors:?}");
    assert_eq!(errors[0]["account"], "second");
    assert_eq!(errors[0]["region"], "us-east-1");
    let message = errors[0]["message"].as_str().expect("message");
    assert!(message.contains("GetMetricData"), "{message}");

    // Every job is there; only the failed account-region lacks utilisation (and so flags
    // that need it), while its burn needs no CloudWatch.
    let rows = doc["rows"].as_array().expect("rows");
    assert_eq!(index(rows), seeded_index(&seeded));
    let low = seeded_row(rows, "train-222222222222-us-east-1-002");
    assert!(low["gpu_util"].is_null(), "{low}");
    assert_eq!(low["flags"], serde_json::json!([]), "no data, no flag");
    assert_eq!(low["usd_per_hour"], cents(us_east_1("ml.p3.2xlarge")));
    let busy = seeded_row(rows, "train-123456789012-us-east-1-002");
    assert_eq!(busy["gpu_util"], 93.0, "the other account's metrics loaded");
}

#[test]
fn a_busy_throttled_world_exports_every_row_with_every_detail() {
    let mut moto = moto();
    // 3 accounts × 2 regions, 410 resources, 230 training jobs in the first account-region,
    // failures weeks old; SageMaker's quota of 2 requests/s per key enforced by the world, and
    // half of the big scope's ListTrainingJobs calls (3 of its 3 pages' 6 attempts) throttled.
    let accounts = [DEFAULT_ACCOUNT, "222222222222", "333333333333"];
    let world = moto.scale_world(&accounts, &REGIONS, 410, 230, 7);
    moto.quota(2.0, Some(2.0));
    moto.refuse(
        DEFAULT_ACCOUNT,
        "us-east-1",
        "ListTrainingJobs",
        3,
        "ThrottlingException",
    );
    let home = tempfile::tempdir().expect("tempdir");
    let config = three_accounts(home.path());
    let (code, doc, stderr) = run_json(
        sagescope(home.path(), &moto.endpoint()).args(["export", "jobs", "--config", &config]),
    );
    assert_eq!(code, 0, "{stderr}");
    assert_eq!(doc["errors"], Value::Array(vec![]), "{stderr}");
    let rows = doc["rows"].as_array().expect("rows");
    assert_eq!(index(rows), seeded_index(&world), "every row");
    let (mut failed, mut running) = (0, 0);
    for seeded in &world {
        let name = seeded["name"].as_str().expect("name");
        let got = seeded_row(rows, name);
        if seeded["status"] == "Failed" {
            failed += 1;
            assert_eq!(got["failure_reason"], seeded["failure_reason"], "{name}");
        }
        if matches!(seeded["status"].as_str(), Some("InProgress" | "InService")) {
            running += 1;
            assert_eq!(got["instance_type"], seeded["instance_type"], "{name}");
            assert_eq!(got["instance_count"], seeded["instance_count"], "{name}");
            let price = list_price(
                seeded["region"].as_str().expect("region"),
                seeded["instance_type"].as_str().expect("type"),
            );
            // A tuning job bills through its training jobs, which carry the rate.
            if let Some(price) = price
                && seeded["kind"] != "tuning"
            {
                let count = seeded["instance_count"].as_f64().expect("count");
                assert_eq!(
                    got["usd_per_hour"].as_f64(),
                    Some(cents(price * count)),
                    "{name}: {got}"
                );
            }
        }
    }
    assert!(
        failed > 20 && running > 20,
        "{failed} failed, {running} running"
    );

    // No (account, region, operation) saw more than 5× its rate + 2 requests in any 5 s: the
    // limiter keeps the pace even through throttling and retries.
    let mut by_key: BTreeMap<(String, String, String), Vec<f64>> = BTreeMap::new();
    // The Price List's GetProducts is not a SageMaker operation: its requests (one per new
    // instance type, one after the other, once a week) are not paced by the SageMaker limiter.
    for r in moto
        .requests_detailed()
        .into_iter()
        .filter(|r| r.operation != "GetProducts")
    {
        by_key
            .entry((r.account, r.region, r.operation))
            .or_default()
            .push(r.time);
    }
    for (key, mut times) in by_key {
        times.sort_by(f64::total_cmp);
        let mut start = 0;
        for (end, t) in times.iter().enumerate() {
            while times[start] < t - 5.0 {
                start += 1;
            }
            let window = end - start + 1;
            assert!(window <= 12, "{key:?}: {window} requests within 5 s");
        }
    }
}
