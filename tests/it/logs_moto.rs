//! `sagescope logs` against moto's CloudWatch Logs, seeded the way SageMaker writes them:
//! through the real binary, with each account's own credentials (an assumed role for the
//! second account).

use crate::support;

use std::io::{BufRead, BufReader};
use std::path::Path;
use std::process::Stdio;
use std::sync::mpsc;
use std::time::{Duration, Instant};

use serde_json::Value;
use support::cli::{isolated, sagescope};
use support::moto::{DEFAULT_ACCOUNT, Moto, moto, role};

const SECOND: &str = "222222222222";
const REGION: &str = "us-east-1";

/// Two accounts, the second through a role, one region.
fn config(home: &Path) -> String {
    let text = format!(
        "[[accounts]]\nname = \"main\"\nregions = [\"{REGION}\"]\n\n\
         [[accounts]]\nname = \"second\"\nrole_arn = \"{}\"\nregions = [\"{REGION}\"]\n",
        role(SECOND)
    );
    let path = home.join("sagescope.toml");
    std::fs::write(&path, text).expect("config");
    path.to_string_lossy().into_owned()
}

/// The seeded world with logs; the failed training job of the second account.
fn world(moto: &mut Moto) -> (Vec<Value>, Value) {
    moto.seed_with_logs(&[DEFAULT_ACCOUNT, SECOND], &[REGION], 3)
}

fn failed_training(jobs: &[Value], account: &str) -> String {
    jobs.iter()
        .find(|j| j["account"] == account && j["kind"] == "training" && j["status"] == "Failed")
        .and_then(|j| j["name"].as_str())
        .expect("a failed training job")
        .to_string()
}

/// `sagescope ARGS` against moto, to the end.
fn run(home: &Path, endpoint: &str, args: &[&str]) -> std::process::Output {
    sagescope(home, endpoint).args(args).output().expect("runs")
}

/// [`run`], which must exit 0.
fn run_ok(home: &Path, endpoint: &str, args: &[&str]) -> std::process::Output {
    let out = run(home, endpoint, args);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(0), "{args:?}: {stderr}");
    out
}

fn stdout_lines(out: &std::process::Output) -> Vec<String> {
    String::from_utf8(out.stdout.clone())
        .expect("utf-8")
        .lines()
        .map(str::to_string)
        .collect()
}

/// What was written for `name`: its streams' messages.
fn written(logs: &Value, name: &str) -> Vec<(String, Vec<String>)> {
    logs[name]["streams"]
        .as_object()
        .expect("streams written")
        .iter()
        .map(|(stream, lines)| {
            (
                stream.clone(),
                lines
                    .as_array()
                    .expect("lines")
                    .iter()
                    .map(|l| l.as_str().expect("line").to_string())
                    .collect(),
            )
        })
        .collect()
}

#[test]
fn the_log_of_a_failed_training_job_ends_with_its_traceback_and_no_escape_gets_out() {
    let mut moto = moto();
    let (jobs, logs) = world(&mut moto);
    let home = tempfile::tempdir().expect("tempdir");
    let config = config(home.path());
    let job = failed_training(&jobs, SECOND);
    let (_, written) = written(&logs, &job).remove(0);

    let out = run_ok(
        home.path(),
        &moto.endpoint(),
        &["logs", &job, "--config", &config],
    );
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(0), "stderr:\n{stderr}");
    assert!(
        !out.stdout.contains(&0x1b) && !out.stdout.contains(&0x07),
        "raw control characters reached stdout"
    );
    let lines = stdout_lines(&out);
    assert_eq!(
        lines.len(),
        written.len(),
        "one line per event:\n{lines:#?}"
    );
    assert_eq!(
        lines[4],
        "␛[33mWARNING␛[0m gradient overflow, reducing loss scale␛]0;pwned␇"
    );
    for (printed, original) in lines.iter().zip(&written) {
        if !original.contains('\u{1b}') {
            assert_eq!(printed, original);
        }
    }
    assert_eq!(lines[lines.len() - 6], "Traceback (most recent call last):");
    assert_eq!(
        lines.last().map(String::as_str),
        Some("torch.OutOfMemoryError: CUDA out of memory. Tried to allocate 2.00 GiB")
    );

    // --timestamps puts the event's time first.
    let out = run(
        home.path(),
        &moto.endpoint(),
        &["logs", &job, "--config", &config, "--timestamps"],
    );
    let first = stdout_lines(&out).remove(0);
    let (time, rest) = first.split_once(' ').expect("time, then the message");
    assert!(
        chrono::DateTime::parse_from_rfc3339(time).is_ok(),
        "{first}"
    );
    assert_eq!(rest, written[0]);
}

#[test]
fn several_hosts_are_interleaved_and_stream_picks_one() {
    let mut moto = moto();
    let (jobs, logs) = world(&mut moto);
    let home = tempfile::tempdir().expect("tempdir");
    let config = config(home.path());
    let running = jobs
        .iter()
        .find(|j| {
            j["account"] == DEFAULT_ACCOUNT
                && j["status"] == "InProgress"
                && j["kind"] == "training"
        })
        .and_then(|j| j["name"].as_str())
        .expect("a running training job")
        .to_string();
    let streams = written(&logs, &running);
    assert_eq!(streams.len(), 2, "two hosts");

    let out = run(
        home.path(),
        &moto.endpoint(),
        &["logs", &running, "--config", &config],
    );
    let lines = stdout_lines(&out);
    // Both hosts wrote one line a second from the same start: interleaved by time, each
    // labelled with its host's stream.
    let short = |stream: &str| stream.split_once('/').expect("job/stream").1.to_string();
    let mut expected = Vec::new();
    for i in 0..3 {
        for (stream, messages) in &streams {
            expected.push(format!("[{}] {}", short(stream), messages[i]));
        }
    }
    assert_eq!(lines, expected);

    let out = run_ok(
        home.path(),
        &moto.endpoint(),
        &["logs", &running, "--config", &config, "--stream", "algo-2"],
    );
    let host2 = streams
        .iter()
        .find(|(s, _)| s.contains("/algo-2-"))
        .expect("host 2");
    assert_eq!(stdout_lines(&out), host2.1, "only host 2, unlabelled");

    // --since: the job started 20 minutes ago.
    let out = run(
        home.path(),
        &moto.endpoint(),
        &["logs", &running, "--config", &config, "--since", "10m"],
    );
    assert_eq!(out.status.code(), Some(0));
    assert!(out.stdout.is_empty(), "nothing in the last 10 minutes");
}

#[test]
fn an_unknown_resource_exits_1_naming_what_was_searched() {
    let mut moto = moto();
    world(&mut moto);
    let home = tempfile::tempdir().expect("tempdir");
    let config = config(home.path());
    let out = run(
        home.path(),
        &moto.endpoint(),
        &["logs", "no-such-job", "--config", &config],
    );
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "stderr:\n{stderr}");
    assert!(stdout_lines(&out).is_empty());
    for searched in [
        "no logs found for `no-such-job`",
        "the cache (no cache at",
        "in account `main` (us-east-1), account `second` (us-east-1)",
        "/aws/sagemaker/TrainingJobs streams no-such-job/*",
        "/aws/sagemaker/ProcessingJobs streams no-such-job/*",
        "/aws/sagemaker/TransformJobs streams no-such-job/*",
        "/aws/sagemaker/NotebookInstances streams no-such-job/*",
        "/aws/sagemaker/Endpoints/no-such-job",
    ] {
        assert!(
            stderr.contains(searched),
            "missing {searched:?} in:\n{stderr}"
        );
    }
}

#[test]
fn access_denied_names_the_missing_permission() {
    let mut moto = moto();
    let (jobs, _) = world(&mut moto);
    let home = tempfile::tempdir().expect("tempdir");
    let config = config(home.path());
    let job = failed_training(&jobs, DEFAULT_ACCOUNT);

    // Refused reading the stream, then refused while looking for it (no cache: a search).
    for (operation, times) in [("GetLogEvents", 1), ("DescribeLogStreams", 10)] {
        moto.refuse(
            DEFAULT_ACCOUNT,
            REGION,
            operation,
            times,
            "AccessDeniedException",
        );
        let out = run(
            home.path(),
            &moto.endpoint(),
            &["logs", &job, "--config", &config, "--account", "main"],
        );
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(1), "stderr:\n{stderr}");
        assert!(
            stderr.contains(&format!("access denied to logs:{operation}")),
            "{stderr}"
        );
    }
    moto.reset();
}

#[test]
fn after_a_refresh_the_cache_says_where_an_endpoint_logs_and_its_arn_works_too() {
    let mut moto = moto();
    let (jobs, logs) = world(&mut moto);
    let home = tempfile::tempdir().expect("tempdir");
    let config = config(home.path());
    let endpoint = jobs
        .iter()
        .find(|j| j["account"] == SECOND && j["kind"] == "endpoint")
        .and_then(|j| j["name"].as_str())
        .expect("an endpoint")
        .to_string();
    run_ok(
        home.path(),
        &moto.endpoint(),
        &["refresh", "--config", &config],
    );
    moto.requests();

    let out = run_ok(
        home.path(),
        &moto.endpoint(),
        &["logs", &endpoint, "--config", &config],
    );
    assert_eq!(stdout_lines(&out), written(&logs, &endpoint)[0].1);
    let logs_calls: Vec<String> = moto
        .requests()
        .into_iter()
        .filter(|r| r.1 == SECOND)
        .map(|r| r.3)
        .filter(|op| op != "GetCallerIdentity" && op != "AssumeRole")
        .collect();
    assert_eq!(
        logs_calls,
        ["DescribeLogStreams", "GetLogEvents", "GetLogEvents"],
        "the cache names the group: no search"
    );

    let arn = format!("arn:aws:sagemaker:{REGION}:{SECOND}:endpoint/{endpoint}");
    let home2 = tempfile::tempdir().expect("tempdir");
    let config2 = self::config(home2.path());
    let out = run_ok(
        home2.path(),
        &moto.endpoint(),
        &["logs", &arn, "--config", &config2],
    );
    assert_eq!(
        stdout_lines(&out),
        written(&logs, &endpoint)[0].1,
        "by ARN, no cache"
    );
}

/// Lines of a running `sagescope logs --follow`, as they arrive, each with the moment it came
/// (seconds since the Unix epoch: the clock moto's request log keeps, on the same machine).
struct Follow {
    child: std::process::Child,
    lines: mpsc::Receiver<(f64, String)>,
}

/// Now, in seconds since the Unix epoch.
fn epoch_now() -> f64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .expect("after 1970")
        .as_secs_f64()
}

impl Follow {
    fn start(home: &Path, endpoint: &str, args: &[&str]) -> Follow {
        let program = assert_cmd::cargo::cargo_bin("sagescope");
        let mut child = isolated(&program, home, endpoint)
            .args(args)
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .expect("starts");
        let stdout = child.stdout.take().expect("stdout");
        let (tx, lines) = mpsc::channel();
        std::thread::spawn(move || {
            for line in BufReader::new(stdout).lines() {
                let Ok(line) = line else { return };
                if tx.send((epoch_now(), line)).is_err() {
                    return;
                }
            }
        });
        Follow { child, lines }
    }

    /// The next `n` lines; `timeout` only keeps a broken follow from hanging the test.
    fn take(&self, n: usize, timeout: Duration) -> Vec<(f64, String)> {
        (0..n)
            .map(|i| {
                self.lines
                    .recv_timeout(timeout)
                    .unwrap_or_else(|_| panic!("line {} of {n} did not come in {timeout:?}", i + 1))
            })
            .collect()
    }

    /// Ctrl-C; the exit code.
    fn interrupt(mut self) -> Option<i32> {
        let status = std::process::Command::new("kill")
            .args(["-INT", &self.child.id().to_string()])
            .status()
            .expect("kill runs");
        assert!(status.success());
        self.child.wait().expect("exits").code()
    }
}

#[test]
fn follow_prints_appended_lines_once_within_two_polls_and_ctrl_c_exits_0() {
    let mut moto = moto();
    let (jobs, logs) = world(&mut moto);
    let home = tempfile::tempdir().expect("tempdir");
    let config = config(home.path());
    let job = failed_training(&jobs, DEFAULT_ACCOUNT);
    let (stream, first) = written(&logs, &job).remove(0);
    let interval = Duration::from_secs(1);

    let follow = Follow::start(
        home.path(),
        &moto.endpoint(),
        &[
            "logs",
            &job,
            "--config",
            &config,
            "--follow",
            "--interval",
            "1",
        ],
    );
    let start = follow.take(first.len(), Duration::from_secs(30));
    assert_eq!(
        start.last().map(|l| l.1.as_str()),
        first.last().map(String::as_str)
    );
    moto.requests();

    let now_ms = chrono::Utc::now().timestamp_millis();
    let mut appended = Vec::new();
    // Per round: when the lines were put, and when the last of them came.
    let mut rounds = Vec::new();
    for round in 0..3 {
        let batch: Vec<String> = (0..2).map(|i| format!("appended {round}.{i}")).collect();
        let events: Vec<(i64, &str)> = batch
            .iter()
            .enumerate()
            .map(|(i, m)| (now_ms + round * 10 + i as i64, m.as_str()))
            .collect();
        let put = epoch_now();
        moto.put_logs(
            DEFAULT_ACCOUNT,
            REGION,
            "/aws/sagemaker/TrainingJobs",
            &stream,
            &events,
        );
        let got = follow.take(2, Duration::from_secs(30));
        rounds.push((put, got[1].0));
        appended.extend(got.into_iter().map(|l| l.1));
        assert_eq!(appended[appended.len() - 2..], batch[..]);
    }

    // The polls moto saw (a poll's requests come within milliseconds of each other; polls
    // are `interval` apart), read until three polls began after the last batch came: by then
    // the two before the third have printed whatever they read.
    let last = rounds[rounds.len() - 1].1;
    let mut requests = Vec::new();
    // Not a bound on the follow's speed: only what keeps a stuck follow from hanging the test.
    let give_up = Instant::now() + Duration::from_secs(60);
    let polls = loop {
        assert!(Instant::now() < give_up, "the follow stopped polling");
        requests.extend(moto.requests_detailed());
        let gets: Vec<f64> = requests
            .iter()
            .filter(|r| r.operation == "GetLogEvents")
            .map(|r| r.time)
            .collect();
        let mut polls: Vec<Vec<f64>> = Vec::new();
        for &at in &gets {
            match polls.last_mut() {
                Some(poll) if at - poll[poll.len() - 1] < 0.5 => poll.push(at),
                _ => polls.push(vec![at]),
            }
        }
        if polls.iter().filter(|p| p[0] > last).count() >= 3 {
            break polls;
        }
        std::thread::sleep(interval / 4);
    };
    // Nothing more: no line twice.
    assert!(follow.lines.try_recv().is_err(), "a line came twice");
    // Each batch came within two polls of being put (the first may have been under way):
    // counted on moto's log, however long the polls took.
    for (round, (put, came)) in rounds.iter().enumerate() {
        let between = polls
            .iter()
            .filter(|p| p[0] > *put && p[0] <= *came)
            .count();
        assert!(
            (1..=2).contains(&between),
            "round {round}: {between} polls between the put and its lines: {polls:?}"
        );
    }

    // What a poll costs: one GetLogEvents when nothing is new, two when something is (the
    // events, then the same token again).
    assert!(
        requests.iter().all(|r| r.operation == "GetLogEvents"),
        "a poll reads the stream only: {:?}",
        requests.iter().map(|r| &r.operation).collect::<Vec<_>>()
    );
    let within: Vec<f64> = polls
        .iter()
        .filter(|p| p.len() > 1)
        .map(|p| (p[1] - p[0]) * 1000.0)
        .collect();
    let beyond: Vec<f64> = polls
        .windows(2)
        .map(|w| (w[1][0] - w[0][w[0].len() - 1] - interval.as_secs_f64()) * 1000.0)
        .collect();
    eprintln!(
        "follow: {} GetLogEvents in {} polls; ms from a poll's first request to its second \
         (the page with new lines, answered and read): {within:.1?}; ms between polls beyond \
         the interval: {beyond:.1?}",
        polls.iter().map(Vec::len).sum::<usize>(),
        polls.len()
    );
    assert!(polls.iter().all(|p| p.len() <= 3), "{polls:?}");
    let idle = polls.iter().filter(|p| p.len() == 1).count();
    assert!(
        idle + 3 >= polls.len(),
        "only the three polls after an append read twice: {polls:?}"
    );

    assert_eq!(follow.interrupt(), Some(0), "Ctrl-C ends a follow with 0");
}

#[test]
fn reading_a_long_log_costs_one_request_per_page() {
    let mut moto = moto();
    moto.seed(&[DEFAULT_ACCOUNT], &[REGION], 3);
    let home = tempfile::tempdir().expect("tempdir");
    let config = config(home.path());
    let job = "train-123456789012-us-east-1-001";
    let stream = format!("{job}/algo-1-1700000000");
    let now_ms = chrono::Utc::now().timestamp_millis() - 3_600_000;
    let messages: Vec<String> = (0..25_000)
        .map(|i| format!("step {i} loss 0.{i}"))
        .collect();
    for chunk in 0..5 {
        let events: Vec<(i64, &str)> = (chunk * 5000..(chunk + 1) * 5000)
            .map(|i| (now_ms + i as i64, messages[i].as_str()))
            .collect();
        moto.put_logs(
            DEFAULT_ACCOUNT,
            REGION,
            "/aws/sagemaker/TrainingJobs",
            &stream,
            &events,
        );
    }
    moto.requests();
    let started = Instant::now();
    let out = run(
        home.path(),
        &moto.endpoint(),
        &["logs", job, "--config", &config, "--account", "main"],
    );
    let elapsed = started.elapsed();
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let lines = stdout_lines(&out);
    assert_eq!(lines.len(), messages.len());
    assert_eq!(lines, messages);
    let requests = moto.requests_detailed();
    let count = |op: &str| requests.iter().filter(|r| r.operation == op).count();
    // 10,000 events a page: three pages, then the same token again.
    assert_eq!(count("GetLogEvents"), 4);
    let gets: Vec<f64> = requests
        .iter()
        .filter(|r| r.operation == "GetLogEvents")
        .map(|r| r.time)
        .collect();
    let gaps: Vec<f64> = gets.windows(2).map(|w| (w[1] - w[0]) * 1000.0).collect();
    eprintln!(
        "long log: {} lines, requests {:?}; ms between successive GetLogEvents (one page of \
         10,000 events answered and read): {gaps:.0?}; {:.0} ms for the whole command",
        lines.len(),
        requests
            .iter()
            .map(|r| r.operation.as_str())
            .collect::<Vec<_>>(),
        elapsed.as_secs_f64() * 1000.0
    );
}
