//! What naming every resource's creator from CloudTrail costs from cold (`[cloudtrail] lookup
//! = true`): the release binary's `sagescope refresh` against a moto world that enforces
//! SageMaker's quota of 2 requests/s per (account, region, operation) and LookupEvents' own
//! 2 requests/s per account-region, with a CloudTrail record of every resource's `Create*`
//! call (`tests/moto/world.py`, `scale_world` with `trail`).
//!
//! For each world (3 and 30 accounts, two regions each, 20 resources per account and 300 more
//! training jobs in the first account-region) it runs `refresh` twice on a fresh cache and
//! reports: the LookupEvents requests and the pass's time (cold, then warm), the busiest
//! second per account-region, refusals, and how many resources got the creator the world
//! recorded.
//!
//! Not a timed test: it asserts nothing, it reports. Run:
//!
//! ```sh
//! cargo bench --bench creators_scale            # both worlds
//! cargo bench --bench creators_scale -- 30      # one world: 3 | 30
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

use std::collections::BTreeMap;
use std::path::Path;
use std::time::Instant;

use serde_json::{Value, json};

const REGIONS: [&str; 2] = ["us-east-1", "eu-west-1"];
/// SageMaker's default quota on List and Describe calls, per account, region and operation.
const RATE: f64 = 2.0;

fn main() {
    let wanted: Vec<String> = std::env::args()
        .skip(1)
        .filter(|a| !a.starts_with('-'))
        .collect();
    let binary = bin::sagescope("creators_scale");
    println!("binary: {}", binary.display());
    let mut moto = moto::moto();
    for accounts in [3usize, 30] {
        if wanted.is_empty() || wanted.iter().any(|w| *w == accounts.to_string()) {
            run_world(&mut moto, &binary, accounts);
        }
    }
}

fn write_config(home: &Path, members: &[String]) -> String {
    cli::organization_config(home, members, "[cloudtrail]\nlookup = true\n")
}

/// One `refresh`: its wall time and its `creators:` line.
fn refresh(binary: &Path, home: &Path, endpoint: &str, config: &str) -> (f64, String) {
    let started = Instant::now();
    let out = cli::isolated(binary, home, endpoint)
        .args(["refresh", "--config", config])
        .output()
        .expect("refresh runs");
    let seconds = started.elapsed().as_secs_f64();
    let stderr = String::from_utf8_lossy(&out.stderr);
    let line = stderr
        .lines()
        .find(|l| l.starts_with("creators:"))
        .unwrap_or("creators: (no pass: nothing to ask)")
        .to_string();
    (seconds, line)
}

fn run_world(moto: &mut moto::Moto, binary: &Path, accounts: usize) {
    let members: Vec<String> = (1..accounts).map(|n| format!("21{n:010}")).collect();
    let mut ids: Vec<&str> = vec![moto::DEFAULT_ACCOUNT];
    ids.extend(members.iter().map(String::as_str));
    let answer = moto.call(json!({
        "cmd": "scale_world", "accounts": ids, "regions": REGIONS,
        "resources": 20 * accounts + 300, "big": 300, "seed": 7, "trail": true
    }));
    let creators = answer["creators"].as_object().expect("creators").clone();
    let in_history = creators
        .values()
        .filter(|c| c["in_history"] == true)
        .count();
    moto.quota(RATE, Some(RATE));
    println!(
        "\n== {accounts} accounts × {} regions, {} resources, {} created within 90 days",
        REGIONS.len(),
        answer["jobs"].as_array().map_or(0, Vec::len),
        in_history
    );
    let endpoint = moto.endpoint();
    let home = tempfile::tempdir().expect("tempdir");
    let config = write_config(home.path(), &members);
    moto.requests();
    for run in ["cold", "warm"] {
        let (seconds, line) = refresh(binary, home.path(), &endpoint, &config);
        let requests = moto.requests_detailed();
        let lookups: Vec<&moto::LoggedRequest> = requests
            .iter()
            .filter(|r| r.operation == "LookupEvents")
            .collect();
        let mut by_place: BTreeMap<(String, String), Vec<f64>> = BTreeMap::new();
        for r in &lookups {
            by_place
                .entry((r.account.clone(), r.region.clone()))
                .or_default()
                .push(r.time);
        }
        let busiest = by_place
            .values_mut()
            .map(|times| {
                times.sort_by(f64::total_cmp);
                (0..times.len())
                    .map(|i| {
                        times[i..]
                            .iter()
                            .take_while(|t| **t < times[i] + 1.0)
                            .count()
                    })
                    .max()
                    .unwrap_or(0)
            })
            .max()
            .unwrap_or(0);
        println!(
            "{run}: refresh {seconds:.1} s, {} requests in all; LookupEvents {} ({} refused) \
             over {} account-regions, at most {busiest} in any second of one; {line}",
            requests.len(),
            lookups.len(),
            lookups.iter().filter(|r| r.throttled).count(),
            by_place.len()
        );
    }
    let out = cli::isolated(binary, home.path(), &endpoint)
        .args(["export", "jobs", "--offline", "--config", &config])
        .output()
        .expect("export runs");
    let doc: Value = serde_json::from_slice(&out.stdout).expect("JSON");
    let rows: BTreeMap<&str, &Value> = doc["rows"]
        .as_array()
        .expect("rows")
        .iter()
        .map(|r| (r["arn"].as_str().expect("arn"), r))
        .collect();
    let right = creators
        .iter()
        .filter(|(arn, c)| {
            c["in_history"] == true
                && rows
                    .get(arn.as_str())
                    .is_some_and(|r| r["created_by"] == c["shown"])
        })
        .count();
    println!("named as the world recorded: {right} of {in_history}");
}
