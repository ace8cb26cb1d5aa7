//! `sagescope watch` against moto, through the real binary: a job that fails while it runs is
//! one `job_failed` line within two refreshes, announced once (not again after a restart), the
//! `[alerts] command` gets it on stdin, and nothing else in the world says anything.

use crate::support;

use std::path::Path;
use std::time::{Duration, Instant};

use serde_json::{Value, json};
use support::cli::isolated;
use support::moto::{DEFAULT_ACCOUNT, moto};
use support::watch::Watch;

const INTERVAL: u64 = 2;
const RUNNING: &str = "train-123456789012-us-east-1-002";
const REASON: &str = "AlgorithmError: loss went NaN at step 4411";

/// `watch --interval 2` of the binary under test (60 s is not a bound on watch's speed: only
/// what keeps a broken watch from hanging the test).
fn start_watch(home: &Path, endpoint: &str, config: &str) -> Watch {
    Watch::start(
        &assert_cmd::cargo::cargo_bin("sagescope"),
        home,
        endpoint,
        config,
        INTERVAL,
        Duration::from_secs(60),
    )
}

#[test]
fn watch_announces_a_failed_job_once_and_runs_the_alert_command() {
    let mut moto = moto();
    let jobs = moto.seed(&[DEFAULT_ACCOUNT], &["us-east-1"], 3);
    assert!(
        jobs.iter()
            .any(|j| j["name"] == RUNNING && j["status"] == "InProgress"),
        "the seeded world has {RUNNING} running"
    );
    let home = tempfile::tempdir().expect("tempdir");
    let received = home.path().join("alerts.jsonl");
    let script = home.path().join("alert.sh");
    std::fs::write(&script, "#!/bin/sh\ncat >> \"$1\"\n").expect("script");
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(&script, std::fs::Permissions::from_mode(0o755)).expect("mode");
    }
    let config = home.path().join("sagescope.toml");
    std::fs::write(
        &config,
        format!(
            "[[accounts]]\nname = \"main\"\nregions = [\"us-east-1\"]\n\n\
             [cache]\npath = \"{}\"\n\n\
             [alerts]\ncommand = [\"{}\", \"{}\"]\n",
            home.path().join("cache.db").display(),
            script.display(),
            received.display()
        ),
    )
    .expect("config");
    let config = config.to_string_lossy().into_owned();
    let endpoint = moto.endpoint();

    moto.requests();
    let mut watch = start_watch(home.path(), &endpoint, &config);
    watch.refreshed(1);
    let mut first = std::collections::BTreeMap::<String, usize>::new();
    for (_, _, _, op) in moto.requests() {
        *first.entry(op).or_default() += 1;
    }
    eprintln!("first refresh (connect, describe, tags, CloudWatch): {first:?}");
    watch.refreshed(1);
    assert_eq!(
        watch.lines(),
        Vec::<Value>::new(),
        "what already was is no news"
    );

    // Steady state: what an hour of watching costs, from the requests of a few refreshes.
    moto.requests();
    watch.refreshed(3);
    let requests = moto.requests();
    let per_refresh = requests.len() as f64 / 3.0;
    let mut by_op = std::collections::BTreeMap::<String, usize>::new();
    for (_, _, _, op) in &requests {
        *by_op.entry(op.clone()).or_default() += 1;
    }
    eprintln!(
        "steady state: {per_refresh:.1} requests per refresh ({by_op:?}); at the default \
         30 s interval, {:.0} per hour",
        per_refresh * 120.0
    );
    assert_eq!(
        watch.lines(),
        Vec::<Value>::new(),
        "unchanged resources say nothing"
    );

    moto.call(json!({
        "cmd": "set_training_status", "account": DEFAULT_ACCOUNT, "region": "us-east-1",
        "name": RUNNING, "status": "Failed", "reason": REASON
    }));
    // Announced by the refresh under way (if it had not listed yet) or the next one: within
    // two refreshes, counted, whatever they take. Each prints its summary, then its events.
    let changed = Instant::now();
    let summaries = watch.refreshed(2);
    assert_eq!(
        summaries
            .iter()
            .filter(|s| s.contains("(1 alerts)"))
            .count(),
        1,
        "one of the two refreshes after the change saw it: {summaries:?}"
    );
    let line = watch
        .stdout
        .recv_timeout(Duration::from_secs(60))
        .expect("a line for the failed job");
    let waited = changed.elapsed();
    let event: Value = serde_json::from_str(&line).expect("one JSON object per line");
    assert_eq!(event["event"], "job_failed", "{event}");
    assert_eq!(event["name"], RUNNING);
    assert_eq!(event["kind"], "training");
    assert_eq!(event["account_id"], DEFAULT_ACCOUNT);
    assert_eq!(event["account_name"], "main");
    assert_eq!(event["region"], "us-east-1");
    assert_eq!(event["status"], "Failed");
    assert_eq!(event["previous_status"], "InProgress");
    assert_eq!(event["detail"], REASON);
    assert!(
        event["arn"]
            .as_str()
            .is_some_and(|a| a.ends_with(&format!("training-job/{RUNNING}"))),
        "{event}"
    );
    // The fields in the documented order, as the line was printed.
    let fields = [
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
    let positions: Vec<usize> = fields
        .iter()
        .map(|f| {
            line.find(&format!("\"{f}\":"))
                .unwrap_or_else(|| panic!("{f} in {line}"))
        })
        .collect();
    assert!(positions.windows(2).all(|w| w[0] < w[1]), "{line}");
    assert_eq!(
        event.as_object().map(|o| o.len()),
        Some(fields.len()),
        "{line}"
    );
    eprintln!("the line came {waited:?} after the change (interval {INTERVAL} s)");

    // Two more refreshes: still exactly one line.
    watch.refreshed(3);
    assert_eq!(watch.lines(), Vec::<Value>::new(), "announced once");
    assert_eq!(watch.stop(), Some(0), "SIGTERM ends watch with 0");

    let alerts = std::fs::read_to_string(&received).expect("the alert command ran");
    let got: Vec<Value> = alerts
        .lines()
        .map(|l| serde_json::from_str(l).expect("the command got JSON on stdin"))
        .collect();
    assert_eq!(
        got,
        vec![event.clone()],
        "the command got exactly the event watch printed"
    );

    // A restart knows what the last run saw: nothing is announced again.
    let mut again = start_watch(home.path(), &endpoint, &config);
    again.refreshed(2);
    assert_eq!(
        again.lines(),
        Vec::<Value>::new(),
        "a restart repeats nothing"
    );
    assert_eq!(again.stop(), Some(0));
    assert_eq!(
        std::fs::read_to_string(&received).expect("still there"),
        alerts,
        "nor runs the command again"
    );

    // The timeline kept it.
    let out = isolated(
        &assert_cmd::cargo::cargo_bin("sagescope"),
        home.path(),
        &endpoint,
    )
    .args([
        "export",
        "events",
        "--offline",
        "--since",
        "1h",
        "--config",
        &config,
    ])
    .output()
    .expect("runs");
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let doc: Value = serde_json::from_slice(&out.stdout).expect("JSON");
    let rows = doc["rows"].as_array().expect("rows");
    let failed: Vec<&Value> = rows.iter().filter(|r| r["event"] == "job_failed").collect();
    assert_eq!(failed.len(), 1, "{rows:?}");
    assert_eq!(failed[0]["name"], RUNNING);
}

const GROUP: &str = "/sagescope/sagemaker-events";

/// A config reading `accounts` (the default one as `main`, the others through their role) in
/// two regions, with the organization's event stream in `main`'s us-east-1.
fn stream_config(home: &Path, members: &[String]) -> String {
    support::cli::organization_config(
        home,
        members,
        &format!(
            "[refresh]\nreconcile_minutes = 15\n\n\
             [stream]\naccount = \"main\"\nregion = \"us-east-1\"\nlog_group = \"{GROUP}\"\n"
        ),
    )
}

#[test]
fn with_the_stream_a_failure_is_one_line_from_the_event_with_no_listing_and_a_denied_stream_falls_back_to_polling()
 {
    let mut moto = moto();
    let members: Vec<String> = (1..=11).map(|n| format!("2100000000{n:02}")).collect();
    let mut accounts: Vec<&str> = vec![DEFAULT_ACCOUNT];
    accounts.extend(members.iter().map(String::as_str));
    // Twelve accounts × two regions, 300 more training jobs in the first account-region.
    let world = moto.scale_world(&accounts, &["us-east-1", "eu-west-1"], 480, 300, 7);
    moto.stream_setup(DEFAULT_ACCOUNT, "us-east-1", GROUP);
    let running = world
        .iter()
        .find(|r| {
            r["kind"] == "training"
                && r["status"] == "InProgress"
                && r["account"] != DEFAULT_ACCOUNT
                && r["region"] == "eu-west-1"
        })
        .expect("the world runs training jobs in member accounts");
    let (account, name) = (
        running["account"].as_str().expect("account").to_string(),
        running["name"].as_str().expect("name").to_string(),
    );
    let endpoint = moto.endpoint();
    let homes = [
        tempfile::tempdir().expect("tempdir"),
        tempfile::tempdir().expect("tempdir"),
    ];
    // Two viewers (two colleagues, each with their own cache) read the same group.
    let mut watches: Vec<Watch> = homes
        .iter()
        .map(|home| {
            let config = stream_config(home.path(), &members);
            start_watch(home.path(), &endpoint, &config)
        })
        .collect();
    for watch in &mut watches {
        watch.refreshed(1);
        watch.stderr_until(|l| l.starts_with("stream: live"));
    }

    // Steady state: only the stream is read, once per poll for the whole organization.
    moto.requests();
    std::thread::sleep(Duration::from_secs(6));
    let quiet = moto.requests();
    let mut by_op = std::collections::BTreeMap::<String, usize>::new();
    for (_, _, _, op) in &quiet {
        *by_op.entry(op.clone()).or_default() += 1;
    }
    eprintln!("6 s of two viewers, stream live: {by_op:?}");
    assert_eq!(
        by_op.keys().collect::<Vec<_>>(),
        vec!["FilterLogEvents"],
        "nothing is listed while the stream is live"
    );
    assert!(
        by_op["FilterLogEvents"] <= 2 * 4,
        "one read per viewer every 2 s: {by_op:?}"
    );

    let changed = Instant::now();
    let envelope = moto.set_status(
        &account,
        "eu-west-1",
        "training",
        &name,
        "Failed",
        Some(REASON),
    );
    for watch in &mut watches {
        let line = watch
            .stdout
            .recv_timeout(Duration::from_secs(60))
            .expect("a line for the failed job");
        let event: Value = serde_json::from_str(&line).expect("JSON");
        assert_eq!(event["event"], "job_failed", "{event}");
        assert_eq!(event["name"], name.as_str());
        assert_eq!(event["account_id"], account.as_str());
        assert_eq!(event["account_name"], format!("m{account}"));
        assert_eq!(event["region"], "eu-west-1");
        assert_eq!(event["previous_status"], "InProgress");
        assert_eq!(event["detail"], REASON);
        eprintln!(
            "a viewer printed it {:?} after the change",
            changed.elapsed()
        );
        assert_eq!(watch.refreshes, 1, "no listing ran: the stream said it");
    }
    let since_change = moto.requests();
    assert!(
        since_change
            .iter()
            .all(|(_, _, _, op)| op == "FilterLogEvents"),
        "{since_change:?}"
    );

    // The same event again, an older one, a malformed one and one of an account nobody reads.
    let duplicate = envelope.to_string();
    let mut older = envelope.clone();
    older["id"] = json!("older-0001");
    older["detail"]["TrainingJobStatus"] = json!("InProgress");
    let modified = older["detail"]["LastModifiedTime"].as_i64().expect("ms");
    older["detail"]["LastModifiedTime"] = json!(modified - 60_000);
    older["time"] = json!("2020-01-01T00:00:00Z");
    let mut foreign = envelope.clone();
    foreign["id"] = json!("foreign-0001");
    foreign["account"] = json!("999999999999");
    let older = older.to_string();
    let foreign = foreign.to_string();
    moto.stream_raw(
        &[
            &duplicate,
            &older,
            "{\"detail-type\": \u{1b}[31m not json",
            &foreign,
        ],
        None,
    );
    for watch in &mut watches {
        watch.stderr_until(|l| l.contains("· 2 skipped"));
    }
    std::thread::sleep(Duration::from_secs(3));
    for watch in &watches {
        assert_eq!(watch.lines(), Vec::<Value>::new(), "announced once");
    }

    // The stream denied: polling resumes at once (a listing within the 2 s interval).
    moto.refuse(
        DEFAULT_ACCOUNT,
        "us-east-1",
        "FilterLogEvents",
        1_000,
        "AccessDeniedException",
    );
    for watch in &mut watches {
        let down = watch.stderr_until(|l| l.starts_with("stream: down"));
        assert!(down.contains("access denied"), "{down}");
        assert!(
            down.ends_with("polling") || down.contains("polling ·"),
            "{down}"
        );
        let before = watch.refreshes;
        watch.stderr_until(|l| l.starts_with("refreshed:"));
        assert_eq!(watch.refreshes, before + 1);
    }
    for watch in watches {
        assert_eq!(watch.stop(), Some(0));
    }
}
