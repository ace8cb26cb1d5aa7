//! What the organization's event stream (`[stream]`) buys at scale: the release binary's
//! `sagescope watch` against a moto world that enforces SageMaker's quota of 2 requests/s per
//! (account, region, operation), with the monitoring account's log group receiving every
//! member account's SageMaker events (`tests/moto/world.py`, `stream_setup` / `set_status`).
//!
//! For each world (3 and 200 accounts, two regions each, 20 resources per account and 300 more
//! training jobs in the first account-region) it runs `watch` twice:
//!
//! - **polling** (no `[stream]`, `--interval 30`, the default): the requests per minute by
//!   operation once warm, and how long one job's failure takes to become its `job_failed` line;
//! - **stream** (`[stream]`, default `poll_seconds` 2 and `reconcile_minutes` 15): the same two
//!   figures, the latency over several failures (min, median, 90th percentile, max), and
//!   whether any listing ran meanwhile.
//!
//! Not a timed test: it asserts nothing, it reports. Run:
//!
//! ```sh
//! cargo bench --bench stream_scale            # both worlds
//! cargo bench --bench stream_scale -- 200     # one world: 3 | 200
//! ```

// Test code: a failed expectation panics, which is what a test is for.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

#[allow(dead_code)]
#[path = "../tests/it/support/moto.rs"]
mod moto;

#[allow(dead_code)]
#[path = "../tests/it/support/cli.rs"]
mod cli;

#[path = "support/bin.rs"]
mod bin;

#[allow(dead_code)]
#[path = "../tests/it/support/watch.rs"]
mod watch;

use std::collections::BTreeMap;
use std::path::Path;
use std::time::{Duration, Instant};

use watch::Watch;

const REGIONS: [&str; 2] = ["us-east-1", "eu-west-1"];
const GROUP: &str = "/sagescope/sagemaker-events";
/// SageMaker's default quota on List and Describe calls, per account, region and operation.
const RATE: f64 = 2.0;

fn main() {
    let wanted: Vec<String> = std::env::args()
        .skip(1)
        .filter(|a| !a.starts_with('-'))
        .collect();
    let binary = bin::sagescope("stream_scale");
    println!("binary: {}", binary.display());
    let mut moto = moto::moto();
    for accounts in [3usize, 200] {
        if wanted.is_empty() || wanted.iter().any(|w| *w == accounts.to_string()) {
            run_world(&mut moto, &binary, accounts);
        }
    }
}

/// `watch --interval 30` (the default) of the release binary, patient for 10 minutes.
fn start_watch(binary: &Path, home: &Path, endpoint: &str, config: &Path) -> Watch {
    Watch::start(
        binary,
        home,
        endpoint,
        &config.to_string_lossy(),
        30,
        Duration::from_secs(600),
    )
}

fn write_config(home: &Path, members: &[String], stream: bool) -> std::path::PathBuf {
    let extra = if stream {
        format!("[stream]\naccount = \"main\"\nregion = \"us-east-1\"\nlog_group = \"{GROUP}\"\n")
    } else {
        String::new()
    };
    cli::organization_config(home, members, &extra).into()
}

fn per_minute(moto: &mut moto::Moto, window: Duration) -> BTreeMap<String, f64> {
    moto.requests();
    std::thread::sleep(window);
    let mut by_op = BTreeMap::<String, f64>::new();
    for (_, _, _, op) in moto.requests() {
        *by_op.entry(op).or_default() += 60.0 / window.as_secs_f64();
    }
    by_op
}

fn run_world(moto: &mut moto::Moto, binary: &Path, accounts: usize) {
    let members: Vec<String> = (1..accounts).map(|n| format!("21{n:010}")).collect();
    let mut ids: Vec<&str> = vec![moto::DEFAULT_ACCOUNT];
    ids.extend(members.iter().map(String::as_str));
    let world = moto.scale_world(&ids, &REGIONS, 20 * accounts, 300, 7);
    moto.stream_setup(moto::DEFAULT_ACCOUNT, "us-east-1", GROUP);
    moto.quota(RATE, Some(RATE));
    let mut running: Vec<(String, String, String)> = world
        .iter()
        .filter(|r| r["kind"] == "training" && r["status"] == "InProgress")
        .map(|r| {
            (
                r["account"].as_str().expect("account").to_string(),
                r["region"].as_str().expect("region").to_string(),
                r["name"].as_str().expect("name").to_string(),
            )
        })
        .collect();
    println!(
        "\n== {accounts} accounts × {} regions, {} resources, {} running training jobs",
        REGIONS.len(),
        world.len(),
        running.len()
    );
    let endpoint = moto.endpoint();

    // Polling: what every refresh costs, and how late a failure is seen.
    let home = tempfile::tempdir().expect("tempdir");
    let config = write_config(home.path(), &members, false);
    let started = Instant::now();
    let mut watch = start_watch(binary, home.path(), &endpoint, &config);
    watch.stderr_until(|l| l.starts_with("refreshed:"));
    println!("polling: first refresh done in {:.1?}", started.elapsed());
    watch.stderr_until(|l| l.starts_with("refreshed:"));
    let polling = per_minute(moto, Duration::from_secs(60));
    println!(
        "polling: {:.0} requests/min once warm: {polling:.0?}",
        polling.values().sum::<f64>()
    );
    let (account, region, name) = running.pop().expect("a running job");
    let changed = Instant::now();
    moto.set_status_unsent(&account, &region, "training", &name, "Failed", Some("boom"));
    watch.failed_line(&name);
    println!(
        "polling: the failure's line came {:.1?} after the change",
        changed.elapsed()
    );
    drop(watch);

    // The stream: the same world, a fresh cache.
    let home = tempfile::tempdir().expect("tempdir");
    let config = write_config(home.path(), &members, true);
    let started = Instant::now();
    let mut watch = start_watch(binary, home.path(), &endpoint, &config);
    watch.stderr_until(|l| l.starts_with("stream: live"));
    println!(
        "stream: first listing done and the stream live in {:.1?}",
        started.elapsed()
    );
    // Counts what was said so far: from here on, any listing is new.
    watch.new_refreshes();
    let quiet = per_minute(moto, Duration::from_secs(60));
    println!(
        "stream: {:.1} requests/min while live: {quiet:.1?}",
        quiet.values().sum::<f64>()
    );
    let mut latencies = Vec::new();
    let changes = running.len().min(20);
    for (account, region, name) in running.drain(..changes) {
        let changed = Instant::now();
        moto.set_status(&account, &region, "training", &name, "Failed", Some("boom"));
        watch.failed_line(&name);
        latencies.push(changed.elapsed());
    }
    latencies.sort();
    let at = |q: f64| latencies[((latencies.len() - 1) as f64 * q).round() as usize];
    println!(
        "stream: change to job_failed line over {} failures: min {:.2?}, median {:.2?}, \
         p90 {:.2?}, max {:.2?}; listings meanwhile: {}",
        latencies.len(),
        at(0.0),
        at(0.5),
        at(0.9),
        at(1.0),
        watch.new_refreshes()
    );
}
