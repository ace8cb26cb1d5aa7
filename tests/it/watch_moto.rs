//! `sagescope watch` against moto, through the real binary: a job that fails while it runs is
//! one `job_failed` line within two refreshes, announced once (not again after a restart), the
//! `[alerts] command` gets it on stdin, and nothing else in the world says anything.

use crate::support;

use std::io::{BufRead, BufReader};
use std::path::Path;
use std::process::{Child, Stdio};
use std::sync::mpsc::{Receiver, channel};
use std::time::{Duration, Instant};

use serde_json::{Value, json};
use support::cli::isolated;
use support::moto::{DEFAULT_ACCOUNT, moto};

const INTERVAL: u64 = 2;
const RUNNING: &str = "train-123456789012-us-east-1-002";
const REASON: &str = "AlgorithmError: loss went NaN at step 4411";

/// A running `watch`: its stdout lines and stderr lines as they come. Killed if the test
/// fails before it is stopped.
struct Watch {
    child: Child,
    stdout: Receiver<String>,
    stderr: Receiver<String>,
    refreshes: usize,
}

impl Watch {
    fn start(home: &Path, endpoint: &str, config: &str) -> Watch {
        let mut child = isolated(&assert_cmd::cargo::cargo_bin("sagescope"), home, endpoint)
            .args([
                "watch",
                "--interval",
                &INTERVAL.to_string(),
                "--config",
                config,
            ])
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("watch starts");
        let lines = |stream: Box<dyn std::io::Read + Send>| {
            let (tx, rx) = channel();
            std::thread::spawn(move || {
                for line in BufReader::new(stream).lines().map_while(Result::ok) {
                    if tx.send(line).is_err() {
                        break;
                    }
                }
            });
            rx
        };
        let stdout = lines(Box::new(child.stdout.take().expect("stdout")));
        let stderr = lines(Box::new(child.stderr.take().expect("stderr")));
        Watch {
            child,
            stdout,
            stderr,
            refreshes: 0,
        }
    }

    /// Waits until `n` more refreshes have finished, and answers their stderr summary lines
    /// (60 s is not a bound on watch's speed: only what keeps a broken watch from hanging the
    /// test).
    fn refreshed(&mut self, n: usize) -> Vec<String> {
        let deadline = Instant::now() + Duration::from_secs(60);
        let target = self.refreshes + n;
        let mut summaries = Vec::new();
        while self.refreshes < target {
            let left = deadline.saturating_duration_since(Instant::now());
            let line = self
                .stderr
                .recv_timeout(left)
                .unwrap_or_else(|_| panic!("no refresh finished within 60 s"));
            eprintln!("watch: {line}");
            if line.starts_with("refreshed:") {
                self.refreshes += 1;
                summaries.push(line);
            }
        }
        summaries
    }

    /// Every stdout line so far.
    fn lines(&self) -> Vec<Value> {
        self.stdout
            .try_iter()
            .map(|l| serde_json::from_str(&l).unwrap_or_else(|e| panic!("not JSON ({e}): {l}")))
            .collect()
    }

    /// SIGTERM, and the exit code.
    fn stop(mut self) -> Option<i32> {
        let status = std::process::Command::new("kill")
            .args(["-TERM", &self.child.id().to_string()])
            .status()
            .expect("kill runs");
        assert!(status.success());
        let deadline = Instant::now() + Duration::from_secs(20);
        loop {
            if let Some(status) = self.child.try_wait().expect("waits") {
                return status.code();
            }
            assert!(Instant::now() < deadline, "watch did not stop on SIGTERM");
            std::thread::sleep(Duration::from_millis(50));
        }
    }
}

impl Drop for Watch {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
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
    let mut watch = Watch::start(home.path(), &endpoint, &config);
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
    let mut again = Watch::start(home.path(), &endpoint, &config);
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
