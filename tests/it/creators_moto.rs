//! Who created each resource, against moto and the test world's CloudTrail (moto has no
//! `LookupEvents`; `tests/moto/world.py` answers it in botocore's shape, paged, at 2 requests
//! a second per account-region, and writes "AWS API Call via CloudTrail" events to the
//! stream's log group). The expected creators are the world's own answer (`creators`, by ARN,
//! with how sagescope must show each), never anything sagescope computed.

use crate::support;

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;
use std::time::{Duration, Instant};

use serde_json::{Value, json};
use support::cli::{export, organization_config, run_json, sagescope};
use support::moto::{DEFAULT_ACCOUNT, LoggedRequest, moto};
use support::watch::Watch;

const REGIONS: [&str; 2] = ["us-east-1", "eu-west-1"];
const MEMBERS: [&str; 2] = ["222222222222", "333333333333"];

/// Three accounts (the default one as `main`, two through their role) in two regions.
fn write_config(home: &Path, extra: &str) -> String {
    organization_config(home, &MEMBERS, extra)
}

/// The most requests any one-second window `[t, t + 1)` holds, per (account, region).
fn busiest_second(requests: &[&LoggedRequest]) -> BTreeMap<(String, String), usize> {
    let mut by_place: BTreeMap<(String, String), Vec<f64>> = BTreeMap::new();
    for r in requests {
        by_place
            .entry((r.account.clone(), r.region.clone()))
            .or_default()
            .push(r.time);
    }
    by_place
        .into_iter()
        .map(|(place, mut times)| {
            times.sort_by(f64::total_cmp);
            let most = (0..times.len())
                .map(|i| {
                    times[i..]
                        .iter()
                        .take_while(|t| **t < times[i] + 1.0)
                        .count()
                })
                .max()
                .unwrap_or(0);
            (place, most)
        })
        .collect()
}

fn lookups(requests: &[LoggedRequest]) -> Vec<&LoggedRequest> {
    requests
        .iter()
        .filter(|r| r.operation == "LookupEvents")
        .collect()
}

fn rows_by_arn(doc: &Value) -> BTreeMap<String, Value> {
    doc["rows"]
        .as_array()
        .expect("rows")
        .iter()
        .map(|r| (r["arn"].as_str().expect("arn").to_string(), r.clone()))
        .collect()
}

#[test]
fn lookup_names_every_creator_within_90_days_once_under_the_quota_and_mine_follows_it() {
    let mut moto = moto();
    let mut accounts = vec![DEFAULT_ACCOUNT];
    accounts.extend(MEMBERS);
    let answer = moto.call(json!({
        "cmd": "seed", "accounts": accounts, "regions": REGIONS, "big": 120, "trail": true
    }));
    let jobs = answer["jobs"].as_array().expect("jobs").clone();
    let mut creators = answer["creators"].as_object().expect("creators").clone();
    // One resource made before CloudTrail's 90 days: its record falls out of the history.
    let old = jobs
        .iter()
        .find(|j| j["kind"] == "training" && j["account"] == MEMBERS[0])
        .expect("a member's training job");
    let moved = moto.call(json!({
        "cmd": "backdate", "account": old["account"], "region": old["region"],
        "kind": "training", "name": old["name"], "days": 120
    }));
    let old_arn = moved["arn"].as_str().expect("arn").to_string();
    assert_eq!(moved["records_moved"], 1);
    creators.remove(&old_arn);
    // A job made two days ago that CloudTrail has no record of (a gap in the history): asked
    // about once, then covered by the mark.
    moto.call(json!({
        "cmd": "add_training", "account": MEMBERS[1], "region": "eu-west-1",
        "name": "unrecorded", "status": "Completed"
    }));
    let unrecorded = moto.call(json!({
        "cmd": "backdate", "account": MEMBERS[1], "region": "eu-west-1",
        "kind": "training", "name": "unrecorded", "days": 2
    }));
    assert_eq!(unrecorded["records_moved"], 0, "no record to move");
    let unrecorded_arn = unrecorded["arn"].as_str().expect("arn").to_string();
    assert!(
        creators.len() >= 3 * 2 * 3,
        "a creator for every resource of the world: {}",
        creators.len()
    );

    let home = tempfile::tempdir().expect("tempdir");
    let endpoint = moto.endpoint();
    let config = write_config(home.path(), "[cloudtrail]\nlookup = true\n");
    moto.requests();
    let started = Instant::now();
    let (code, doc, stderr) = export(home.path(), &endpoint, &config, &["jobs"]);
    let cold = started.elapsed();
    assert_eq!(code, 0, "{stderr}");
    let requests = moto.requests_detailed();
    let asked = lookups(&requests);
    eprintln!(
        "cold: {} LookupEvents for {} creators over 3 accounts x 2 regions in {:.1} s (whole export)",
        asked.len(),
        creators.len(),
        cold.as_secs_f64()
    );

    let rows = rows_by_arn(&doc);
    for (arn, expected) in &creators {
        let row = rows.get(arn).unwrap_or_else(|| panic!("{arn} is exported"));
        assert_eq!(row["created_by"], expected["shown"], "{arn}: {row}");
        assert_eq!(row["created_by_source"], "lookup", "{arn}");
    }
    let kinds: BTreeSet<&str> = creators
        .values()
        .map(|c| c["event_name"].as_str().expect("event"))
        .collect();
    assert!(
        kinds.len() >= 5,
        "several kinds of resource were attributed: {kinds:?}"
    );
    let shown: BTreeSet<&str> = creators
        .values()
        .map(|c| c["shown"].as_str().expect("shown"))
        .collect();
    assert!(
        shown.contains("alice@example.com")
            && shown.contains("user/intern")
            && shown
                .iter()
                .any(|s| s.starts_with("role/ci-deployer (session build-")),
        "an SSO user, an IAM user and a role session: {shown:?}"
    );
    assert_eq!(
        rows[&old_arn]["created_by"], "unknown (older than CloudTrail's 90 days)",
        "{}",
        rows[&old_arn]
    );
    assert_eq!(rows[&old_arn]["created_by_source"], Value::Null);
    assert_eq!(
        rows[&unrecorded_arn]["created_by"],
        Value::Null,
        "no record, no creator: not known"
    );

    // Paced under LookupEvents' quota in every account-region, and never refused.
    assert!(asked.iter().all(|r| !r.throttled), "none refused");
    for (place, most) in busiest_second(&asked) {
        assert!(most <= 2, "{place:?}: {most} LookupEvents in one second");
    }
    let places: BTreeSet<(&str, &str)> = asked
        .iter()
        .map(|r| (r.account.as_str(), r.region.as_str()))
        .collect();
    assert_eq!(
        places.len(),
        6,
        "each account-region asked in its own: {places:?}"
    );

    // A second refresh asks nothing: every creator is kept, the old one is past reach, and
    // the unrecorded one was searched for.
    let (code, again, stderr) = export(home.path(), &endpoint, &config, &["jobs"]);
    assert_eq!(code, 0, "{stderr}");
    let requests = moto.requests_detailed();
    assert!(
        lookups(&requests).is_empty(),
        "{} LookupEvents the second time",
        lookups(&requests).len()
    );
    let again = rows_by_arn(&again);
    for (arn, expected) in &creators {
        assert_eq!(again[arn]["created_by"], expected["shown"], "{arn}");
    }

    // Mine by creator alone: no owner value, only the principal.
    let alice: BTreeSet<String> = creators
        .iter()
        .filter(|(_, c)| c["principal"]["sso"] == "alice@example.com")
        .map(|(arn, _)| arn.clone())
        .collect();
    assert!(!alice.is_empty(), "the world has resources alice created");
    let mine_config = write_config(
        home.path(),
        "[cloudtrail]\nlookup = true\n\n[me]\nprincipals = [\"Alice@Example.com\"]\n",
    );
    let mut cmd = sagescope(home.path(), &endpoint);
    cmd.args([
        "export",
        "jobs",
        "--offline",
        "--mine",
        "--config",
        &mine_config,
    ]);
    let (code, mine, stderr) = run_json(&mut cmd);
    assert_eq!(code, 0, "{stderr}");
    let listed: BTreeSet<String> = rows_by_arn(&mine).into_keys().collect();
    assert_eq!(listed, alice, "exactly what alice created");
}

/// The stream's own CloudTrail events name the creator with no request of their own: a call
/// written to the group while `watch` reads it lands on the row, in the cache every process
/// shares.
#[test]
fn the_stream_names_the_creator_from_its_cloudtrail_events_without_a_lookup() {
    const GROUP: &str = "/sagescope/sagemaker-events";
    let mut moto = moto();
    let mut accounts = vec![DEFAULT_ACCOUNT];
    accounts.extend(MEMBERS);
    let jobs = moto.seed(&accounts, &REGIONS, 0);
    moto.stream_setup(DEFAULT_ACCOUNT, "us-east-1", GROUP);
    let target = jobs
        .iter()
        .find(|j| {
            j["kind"] == "endpoint" && j["account"] == MEMBERS[1] && j["region"] == "eu-west-1"
        })
        .expect("a member's endpoint");
    let home = tempfile::tempdir().expect("tempdir");
    let endpoint = moto.endpoint();
    let config = write_config(
        home.path(),
        &format!("[stream]\naccount = \"main\"\nregion = \"us-east-1\"\nlog_group = \"{GROUP}\"\n"),
    );
    let mut watch = Watch::start(
        &assert_cmd::cargo::cargo_bin("sagescope"),
        home.path(),
        &endpoint,
        &config,
        30,
        Duration::from_secs(120),
    );
    watch.refreshed(1);
    watch.stderr_until(|l| l.starts_with("stream: live"));

    // A hostile session name is data: kept as text, shown with its escape made visible.
    let recorded = moto.call(json!({
        "cmd": "trail", "account": target["account"], "region": "eu-west-1",
        "events": [{
            "event_name": "CreateEndpoint", "name": target["name"],
            "principal": {"role": "ml-deployer", "session": "bob\u{1b}[2J"},
            "stream": true
        }]
    }));
    assert_eq!(recorded["written"], json!([true]), "{recorded}");
    let arn = recorded["records"][0]["responseElements"]["endpointArn"]
        .as_str()
        .expect("the record names the endpoint")
        .to_string();
    let deadline = Instant::now() + Duration::from_secs(60);
    let row = loop {
        let mut cmd = sagescope(home.path(), &endpoint);
        cmd.args(["export", "jobs", "--offline", "--config", &config]);
        let (_, doc, _) = run_json(&mut cmd);
        let rows = rows_by_arn(&doc);
        let row = rows.get(&arn).cloned().expect("the endpoint is listed");
        if row["created_by"].is_string() || Instant::now() > deadline {
            break row;
        }
        std::thread::sleep(Duration::from_millis(500));
    };
    watch.stop();
    assert_eq!(
        row["created_by"], "role/ml-deployer (session bob\u{1b}[2J)",
        "exports keep the text as data: {row}"
    );
    assert_eq!(row["created_by_source"], "stream");
    let requests = moto.requests_detailed();
    assert!(
        lookups(&requests).is_empty(),
        "no LookupEvents without lookup"
    );

    // The CSV has the columns.
    let mut cmd = sagescope(home.path(), &endpoint);
    cmd.args([
        "export",
        "jobs",
        "--offline",
        "--format",
        "csv",
        "--config",
        &config,
    ]);
    let out = cmd.output().expect("runs");
    let csv = String::from_utf8_lossy(&out.stdout);
    let header = csv.lines().next().expect("a header");
    assert!(
        header.ends_with(
            "cost_source,created_by,created_by_source,created_by_parent,stopped_by,deleted_by"
        ),
        "{header}"
    );
}

/// An organization trail in Athena names what `LookupEvents` cannot: a resource older than
/// CloudTrail's 90 days. One query for the whole organization, none the second time.
#[test]
fn an_organization_trail_in_athena_names_every_creator_of_any_age_in_one_query() {
    let mut moto = moto();
    let mut accounts = vec![DEFAULT_ACCOUNT];
    accounts.extend(MEMBERS);
    let answer = moto.call(json!({
        "cmd": "seed", "accounts": accounts, "regions": REGIONS, "big": 20, "trail": true
    }));
    let creators = answer["creators"].as_object().expect("creators").clone();
    let jobs = answer["jobs"].as_array().expect("jobs").clone();
    let old = jobs
        .iter()
        .find(|j| j["kind"] == "training" && j["account"] == MEMBERS[1])
        .expect("a member's training job");
    let moved = moto.call(json!({
        "cmd": "backdate", "account": old["account"], "region": old["region"],
        "kind": "training", "name": old["name"], "days": 200
    }));
    let old_arn = moved["arn"].as_str().expect("arn").to_string();
    let registered = moto.call(json!({
        "cmd": "cloudtrail_table", "database": "security", "table": "org_trail"
    }));
    assert_eq!(
        registered["rows"].as_u64(),
        Some(creators.len() as u64),
        "the trail holds every creation"
    );

    let home = tempfile::tempdir().expect("tempdir");
    let endpoint = moto.endpoint();
    let config = write_config(
        home.path(),
        "[cloudtrail]\nathena_table = \"security.org_trail\"\n\
         output_location = \"s3://athena-results/sagescope/\"\n",
    );
    moto.requests();
    let (code, doc, stderr) = export(home.path(), &endpoint, &config, &["jobs"]);
    assert_eq!(code, 0, "{stderr}");
    assert!(
        stderr.contains("recorded from the trail in Athena"),
        "the refresh says what the query found and cost: {stderr}"
    );
    let requests = moto.requests_detailed();
    let started = |requests: &[LoggedRequest]| {
        requests
            .iter()
            .filter(|r| r.operation == "StartQueryExecution")
            .count()
    };
    assert_eq!(started(&requests), 1, "one query for the organization");
    assert!(
        lookups(&requests).is_empty(),
        "no LookupEvents without lookup"
    );

    let rows = rows_by_arn(&doc);
    for (arn, expected) in &creators {
        let row = rows.get(arn).unwrap_or_else(|| panic!("{arn} is exported"));
        assert_eq!(row["created_by"], expected["shown"], "{arn}: {row}");
        assert_eq!(row["created_by_source"], "athena", "{arn}");
    }
    assert!(
        rows[&old_arn]["created_by"].is_string()
            && rows[&old_arn]["created_by"] != "unknown (older than CloudTrail's 90 days)",
        "the trail reaches past 90 days: {}",
        rows[&old_arn]
    );

    let (code, _, stderr) = export(home.path(), &endpoint, &config, &["jobs"]);
    assert_eq!(code, 0, "{stderr}");
    assert_eq!(
        started(&moto.requests_detailed()),
        0,
        "nothing is asked again"
    );
}

/// One account-region refusing `LookupEvents` keeps its creators unknown and says why; the
/// others are named all the same.
#[test]
fn a_refused_lookup_in_one_account_region_is_its_error_and_the_others_carry_on() {
    let mut moto = moto();
    let mut accounts = vec![DEFAULT_ACCOUNT];
    accounts.extend(MEMBERS);
    let answer = moto.call(json!({
        "cmd": "seed", "accounts": accounts, "regions": REGIONS, "big": 0, "trail": true
    }));
    let creators = answer["creators"].as_object().expect("creators").clone();
    moto.refuse(
        MEMBERS[0],
        "eu-west-1",
        "LookupEvents",
        100,
        "AccessDeniedException",
    );
    let home = tempfile::tempdir().expect("tempdir");
    let endpoint = moto.endpoint();
    let config = write_config(home.path(), "[cloudtrail]\nlookup = true\n");
    let (code, doc, stderr) = export(home.path(), &endpoint, &config, &["jobs"]);
    assert_eq!(code, 0, "{stderr}");
    assert!(
        stderr.contains(&format!(
            "m{} eu-west-1: access denied to cloudtrail:LookupEvents",
            MEMBERS[0]
        )),
        "{stderr}"
    );
    let rows = rows_by_arn(&doc);
    let denied = format!(":{}:", MEMBERS[0]);
    for (arn, expected) in &creators {
        let row = &rows[arn];
        if arn.contains(":eu-west-1:") && arn.contains(&denied) {
            assert_eq!(row["created_by"], Value::Null, "{arn}: refused, not known");
        } else {
            assert_eq!(row["created_by"], expected["shown"], "{arn}");
        }
    }
}
