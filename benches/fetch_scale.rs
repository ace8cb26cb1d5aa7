//! How the live fetch engine copes with a team-sized AWS estate: the release binary's
//! `sagescope export jobs` against a moto world that enforces SageMaker's quota of 2
//! requests/s per (account, region, operation), cold (empty cache) and then warm (the cache
//! the cold run left).
//!
//! Two worlds (`tests/moto/world.py`, `scale_world`):
//!
//! - **issue**: 3 accounts × 2 regions, 410 resources, 230 extra training jobs in the first
//!   account-region (the world of `a_busy_throttled_world_exports_every_row_with_every_detail`
//!   in `tests/it/aws_moto.rs`), with 3 of that scope's `ListTrainingJobs` calls refused;
//! - **scale**: 30 accounts × 2 regions, 3,000 resources, 300 in the first account-region;
//! - **org**: 200 accounts × 4 regions found by Organizations discovery (`[organization]`, no
//!   `[[accounts]]`), 4,000 resources: the discovery and refresh of a whole organization.
//!
//! For each run it prints the time to the first listed rows, to every scope listed and to
//! the process exit (details, tags and CloudWatch done), the exit code and rows exported, the
//! requests moto saw per operation (and how many the quota refused), List calls against the
//! number of (account, region, kind) scopes (steady-state target: at most 1.2 per scope on the
//! warm run), the busiest (account, region, operation) key in any 1 s and any 5 s window
//! (target: at most 5 × 2 + 2 = 12 in 5 s), and cheap correctness counts (every failed
//! resource's reason, every running one's instance type and count; all should be 0).
//!
//! Not a timed test: it asserts nothing, it reports. Run:
//!
//! ```sh
//! cargo bench --bench fetch_scale            # both worlds
//! cargo bench --bench fetch_scale -- scale   # one world: issue | scale | org
//! ```
//!
//! `SAGESCOPE_MOTO_PYTHON` skips the moto install (see `tests/it/support/moto.rs`);
//! `SAGESCOPE_BENCH_BIN` runs another sagescope binary than the one cargo built next to this
//! bench (to compare builds).

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

/// (account, region, operation): what SageMaker's quotas are per.
type Key<'a> = (&'a str, &'a str, &'a str);

use std::collections::{BTreeMap, HashMap};
use std::io::{BufRead, BufReader, Read};
use std::path::Path;
use std::process::Stdio;
use std::time::{Duration, Instant};

use serde_json::Value;

const REGIONS: [&str; 2] = ["us-east-1", "eu-west-1"];
/// The organization world's regions: four, as a team spread over the US, Europe and Asia.
const ORG_REGIONS: [&str; 4] = ["us-east-1", "eu-west-1", "us-west-2", "ap-southeast-1"];
/// The organization world's member accounts (the management account makes 200).
const ORG_MEMBERS: usize = 199;
/// The world's quota per (account, region, operation), requests/s (burst the same).
const RATE: f64 = 2.0;
/// The most requests one key may see in any 5 s window: 5 × rate + burst.
const PEAK_5S_TARGET: usize = 12;
/// Warm-run List calls per (account, region, kind) scope.
const LIST_TARGET: f64 = 1.2;

const LIST_OPERATIONS: [&str; 9] = [
    "ListTrainingJobs",
    "ListProcessingJobs",
    "ListTransformJobs",
    "ListHyperParameterTuningJobs",
    "ListEndpoints",
    "ListNotebookInstances",
    "ListApps",
    "ListInferenceComponents",
    "ListClusters",
];

/// Operations of other services than SageMaker: the world puts no quota on them.
const NOT_SAGEMAKER: [&str; 10] = [
    "AssumeRole",
    "GetProducts",
    "DescribeOrganization",
    "ListAccounts",
    "ListAccountsForParent",
    "ListOrganizationalUnitsForParent",
    "GetCallerIdentity",
    "GetMetricData",
    "GetCostAndUsage",
    "GetResources",
];

struct WorldSpec {
    name: &'static str,
    accounts: Vec<(String, String)>,
    regions: &'static [&'static str],
    /// Accounts come from Organizations discovery (`[organization]`), not `[[accounts]]`.
    discover: bool,
    resources: usize,
    big: usize,
    throttled_lists: u32,
}

fn worlds() -> Vec<WorldSpec> {
    let issue = vec![
        ("main".to_string(), moto::DEFAULT_ACCOUNT.to_string()),
        ("second".to_string(), "222222222222".to_string()),
        ("third".to_string(), "333333333333".to_string()),
    ];
    let mut scale = vec![("main".to_string(), moto::DEFAULT_ACCOUNT.to_string())];
    scale.extend((2..=30).map(|i| (format!("acct-{i:02}"), format!("2000000000{i:02}"))));
    let mut org = vec![("master".to_string(), moto::DEFAULT_ACCOUNT.to_string())];
    org.extend((1..=ORG_MEMBERS).map(|i| (format!("ml-{i:03}"), format!("3000000{i:05}"))));
    vec![
        WorldSpec {
            name: "issue",
            accounts: issue,
            regions: &REGIONS,
            discover: false,
            resources: 410,
            big: 230,
            throttled_lists: 3,
        },
        WorldSpec {
            name: "scale",
            accounts: scale,
            regions: &REGIONS,
            discover: false,
            resources: 3000,
            // (3000 - 254) / 60 scopes leaves 46 in the first: 300 there in all.
            big: 254,
            throttled_lists: 0,
        },
        WorldSpec {
            name: "org",
            accounts: org,
            regions: &ORG_REGIONS,
            discover: true,
            // 5 resources in each of the 800 account-regions.
            resources: 4000,
            big: 0,
            throttled_lists: 0,
        },
    ]
}

fn main() {
    let wanted: Vec<String> = std::env::args()
        .skip(1)
        .filter(|a| !a.starts_with('-'))
        .collect();
    let binary = bin::sagescope("fetch_scale");
    println!("binary: {}", binary.display());
    println!(
        "machine: {} cores, load average at start {}",
        std::thread::available_parallelism().map_or(0, std::num::NonZero::get),
        load_average()
    );
    let mut moto = moto::moto();
    for spec in worlds() {
        if wanted.is_empty() || wanted.iter().any(|w| w == spec.name) {
            run_world(&mut moto, &binary, &spec);
        }
    }
}

fn run_world(moto: &mut moto::Moto, binary: &Path, spec: &WorldSpec) {
    let ids: Vec<&str> = spec.accounts.iter().map(|(_, id)| id.as_str()).collect();
    let regions = spec.regions;
    let started = Instant::now();
    let world = moto.scale_world(&ids, regions, spec.resources, spec.big, 7);
    if spec.discover {
        organize(moto, &spec.accounts[1..]);
    }
    let seeded_in = started.elapsed();
    moto.quota(RATE, Some(RATE));
    if spec.throttled_lists > 0 {
        moto.refuse(
            moto::DEFAULT_ACCOUNT,
            regions[0],
            "ListTrainingJobs",
            spec.throttled_lists,
            "ThrottlingException",
        );
    }
    let _ = moto.requests_detailed();

    let first_scope: Vec<&Value> = world
        .iter()
        .filter(|j| j["account"] == ids[0] && j["region"] == regions[0])
        .collect();
    let count = |f: &dyn Fn(&Value) -> bool| world.iter().filter(|j| f(j)).count();
    println!();
    println!(
        "=== world {}: {} accounts{} × {} regions, {} resources ({} failed, {} running), first \
         account-region {} ({} training jobs); seeded in {:.1} s",
        spec.name,
        ids.len(),
        if spec.discover {
            " (discovered through Organizations)"
        } else {
            ""
        },
        regions.len(),
        world.len(),
        count(&|j| j["status"] == "Failed"),
        count(&|j| matches!(j["status"].as_str(), Some("InProgress" | "InService"))),
        first_scope.len(),
        first_scope
            .iter()
            .filter(|j| j["kind"] == "training")
            .count(),
        seeded_in.as_secs_f64()
    );
    println!(
        "quota {RATE}/s per (account, region, operation), burst {RATE}; {} of {}'s {} \
         ListTrainingJobs calls refused",
        spec.throttled_lists, ids[0], regions[0]
    );

    let home = tempfile::tempdir().expect("tempdir");
    let config = write_config(home.path(), spec);
    let scopes = ids.len() * regions.len() * LIST_OPERATIONS.len();
    for label in ["cold", "warm"] {
        if label == "warm" {
            // A person runs it again a moment later, not within the same millisecond: let
            // the world's token buckets refill as they would.
            std::thread::sleep(Duration::from_secs(1));
        }
        let report = run_export(binary, home.path(), &moto.endpoint(), &config);
        let requests = moto.requests_detailed();
        print_run(label, &report, &requests, scopes, &world);
    }
}

/// An organization whose management account is moto's default one, holding `members` (name,
/// id) flat under its root.
fn organize(moto: &mut moto::Moto, members: &[(String, String)]) {
    let accounts: Vec<Value> = members
        .iter()
        .map(|(name, id)| serde_json::json!({"id": id, "name": name}))
        .collect();
    let answer = moto.call(serde_json::json!({
        "cmd": "organization", "ous": [], "accounts": accounts
    }));
    assert!(answer.get("error").is_none(), "{answer}");
}

/// The config of `spec`: its accounts written out, or discovery with the same role and
/// regions.
fn write_config(home: &Path, spec: &WorldSpec) -> String {
    let regions = spec
        .regions
        .iter()
        .map(|r| format!("\"{r}\""))
        .collect::<Vec<_>>()
        .join(", ");
    let mut text = String::new();
    if spec.discover {
        text.push_str(&format!(
            "[organization]\ndiscover = true\nrole_name = \"SageScopeReadOnly\"\n\
             regions = [{regions}]\n"
        ));
    } else {
        for (index, (name, id)) in spec.accounts.iter().enumerate() {
            text.push_str(&format!("[[accounts]]\nname = \"{name}\"\n"));
            if index > 0 {
                text.push_str(&format!("role_arn = \"{}\"\n", moto::role(id)));
            }
            text.push_str(&format!("regions = [{regions}]\n\n"));
        }
    }
    let path = home.join("sagescope.toml");
    std::fs::write(&path, text).expect("config");
    path.to_string_lossy().into_owned()
}

/// What one `export jobs` run showed.
struct RunReport {
    first_scope: Option<Duration>,
    first_rows: Option<Duration>,
    all_listed: Option<Duration>,
    complete: Duration,
    exit: Option<i32>,
    cpu: Option<Duration>,
    scope_lines: usize,
    failed_lines: Vec<String>,
    other_lines: Vec<String>,
    doc: Option<Value>,
    load: String,
}

/// `sagescope export jobs` against moto, isolated like the tests' (`tests/it/support/cli.rs`):
/// its own home, config, cache and logs, dummy keys, SDK retries off (the engine paces and
/// retries throttled calls itself).
fn run_export(binary: &Path, home: &Path, endpoint: &str, config: &str) -> RunReport {
    let mut command = cli::isolated(binary, home, endpoint);
    command
        .args(["export", "jobs", "--config", config])
        // A line per scope as it is listed: what the times to the first rows are read from.
        .env("SAGESCOPE_PROGRESS", "scopes")
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());

    let cpu_before = children_cpu();
    let started = Instant::now();
    let mut child = command
        .spawn()
        .unwrap_or_else(|e| panic!("cannot run {}: {e}", binary.display()));
    let mut stdout = child.stdout.take().expect("piped stdout");
    let reader = std::thread::spawn(move || {
        let mut out = Vec::new();
        stdout.read_to_end(&mut out).expect("read stdout");
        out
    });

    let mut report = RunReport {
        first_scope: None,
        first_rows: None,
        all_listed: None,
        complete: Duration::ZERO,
        exit: None,
        cpu: None,
        scope_lines: 0,
        failed_lines: Vec::new(),
        other_lines: Vec::new(),
        doc: None,
        load: String::new(),
    };
    let stderr = BufReader::new(child.stderr.take().expect("piped stderr"));
    for line in stderr.lines() {
        let Ok(line) = line else { break };
        let at = started.elapsed();
        let Some((listed, scopes, text)) = parse_listing(&line) else {
            report.other_lines.push(line);
            continue;
        };
        if text.starts_with("failed: ") {
            report.failed_lines.push(line.clone());
        } else if let Some(resources) = resources_in(text) {
            report.scope_lines += 1;
            report.first_scope.get_or_insert(at);
            if resources > 0 {
                report.first_rows.get_or_insert(at);
            }
        }
        if scopes > 0 && listed >= scopes {
            report.all_listed.get_or_insert(at);
        }
    }
    let status = child.wait().expect("wait for sagescope");
    report.complete = started.elapsed();
    report.exit = status.code();
    report.cpu = children_cpu()
        .zip(cpu_before)
        .map(|(after, before)| after.saturating_sub(before));
    report.load = load_average();
    let out = reader.join().expect("stdout reader");
    report.doc = serde_json::from_slice(&out).ok();
    report
}

/// `[listing 14/36] main us-east-1 training: 230 resources` -> (14, 36, "main ... resources").
fn parse_listing(line: &str) -> Option<(usize, usize, &str)> {
    let rest = line.strip_prefix("[listing ")?;
    let (counts, text) = rest.split_once("] ")?;
    let (listed, scopes) = counts.split_once('/')?;
    Some((listed.parse().ok()?, scopes.parse().ok()?, text))
}

/// `... training: 230 resources` -> 230.
fn resources_in(text: &str) -> Option<usize> {
    let (_, tail) = text.rsplit_once(": ")?;
    tail.strip_suffix(" resources")?.parse().ok()
}

/// User + system CPU time of this process's waited-for children (Linux: `/proc/self/stat`
/// fields cutime and cstime, in clock ticks of 1/100 s).
fn children_cpu() -> Option<Duration> {
    let stat = std::fs::read_to_string("/proc/self/stat").ok()?;
    let (_, rest) = stat.rsplit_once(") ")?;
    let fields: Vec<&str> = rest.split_whitespace().collect();
    // After the command name: state is field 3, cutime 16 and cstime 17 (1-based).
    let ticks: u64 = fields.get(13)?.parse::<u64>().ok()? + fields.get(14)?.parse::<u64>().ok()?;
    Some(Duration::from_millis(ticks * 10))
}

fn load_average() -> String {
    std::fs::read_to_string("/proc/loadavg")
        .ok()
        .map(|l| l.split_whitespace().take(3).collect::<Vec<_>>().join(" "))
        .unwrap_or_else(|| "?".into())
}

fn secs(d: Option<Duration>) -> String {
    d.map_or_else(|| "never".into(), |d| format!("{:.2} s", d.as_secs_f64()))
}

fn print_run(
    label: &str,
    report: &RunReport,
    requests: &[moto::LoggedRequest],
    scopes: usize,
    world: &[Value],
) {
    println!();
    println!("--- {label} run");
    println!("time to first listed scope  {}", secs(report.first_scope));
    println!("time to first rows          {}", secs(report.first_rows));
    println!("time to all scopes listed   {}", secs(report.all_listed));
    println!(
        "time to complete (exit)     {}",
        secs(Some(report.complete))
    );
    println!(
        "sagescope CPU (user+sys)    {}   (load average after: {})",
        secs(report.cpu),
        report.load
    );
    let rows = report
        .doc
        .as_ref()
        .and_then(|d| d["rows"].as_array())
        .map_or(0, Vec::len);
    let errors = report
        .doc
        .as_ref()
        .and_then(|d| d["errors"].as_array())
        .map_or(0, Vec::len);
    println!(
        "exit code {}, {} rows exported, {} errors, {} scope lines on stderr, {} failure lines",
        report
            .exit
            .map_or_else(|| "none (signal)".into(), |c| c.to_string()),
        rows,
        errors,
        report.scope_lines,
        report.failed_lines.len()
    );
    for line in report.failed_lines.iter().take(5) {
        println!("  {line}");
    }
    for line in &report.other_lines {
        println!("  stderr: {line}");
    }
    if let Some(doc) = &report.doc {
        for error in doc["errors"].as_array().into_iter().flatten().take(5) {
            println!("  error: {error}");
        }
    }

    print_requests(requests, scopes);
    print_peaks(requests);
    match &report.doc {
        Some(doc) => print_correctness(doc, world),
        None => println!("correctness: stdout was not JSON"),
    }
}

fn print_requests(requests: &[moto::LoggedRequest], scopes: usize) {
    let mut by_operation: BTreeMap<&str, (usize, usize)> = BTreeMap::new();
    for request in requests {
        let entry = by_operation.entry(request.operation.as_str()).or_default();
        entry.0 += 1;
        entry.1 += usize::from(request.throttled);
    }
    let throttled: usize = by_operation.values().map(|(_, t)| t).sum();
    println!(
        "requests: {} in all, {} throttled (refused by the world)",
        requests.len(),
        throttled
    );
    let account_regions = scopes / LIST_OPERATIONS.len();
    for (operation, (total, refused)) in &by_operation {
        let per = if LIST_OPERATIONS.contains(operation) {
            format!(
                "   {:.2} per account-region",
                *total as f64 / account_regions as f64
            )
        } else {
            String::new()
        };
        println!("  {operation:<32} {total:>6}  throttled {refused:>5}{per}");
    }
    let lists: usize = LIST_OPERATIONS
        .iter()
        .map(|op| by_operation.get(op).map_or(0, |(t, _)| *t))
        .sum();
    let served: usize = LIST_OPERATIONS
        .iter()
        .map(|op| by_operation.get(op).map_or(0, |(t, r)| t - r))
        .sum();
    let ratio = lists as f64 / scopes as f64;
    println!(
        "List calls: {lists} ({served} answered) for {scopes} (account, region, kind) scopes = \
         {ratio:.2} per scope (steady-state target <= {LIST_TARGET}: {})",
        if ratio <= LIST_TARGET { "met" } else { "over" }
    );
}

/// The most requests in any window of `width` among sorted times.
fn peak(times: &[f64], width: f64) -> usize {
    let mut best = 0;
    let mut start = 0;
    for end in 0..times.len() {
        while times[end] - times[start] >= width {
            start += 1;
        }
        best = best.max(end - start + 1);
    }
    best
}

fn print_peaks(requests: &[moto::LoggedRequest]) {
    let mut by_key: HashMap<(&str, &str, &str), Vec<f64>> = HashMap::new();
    for request in requests {
        by_key
            .entry((
                request.account.as_str(),
                request.region.as_str(),
                request.operation.as_str(),
            ))
            .or_default()
            .push(request.time);
    }
    // (key, peak in 1 s, peak in 5 s, requests)
    let mut peaks: Vec<(Key<'_>, usize, usize, usize)> = by_key
        .into_iter()
        .map(|(key, mut times)| {
            times.sort_by(f64::total_cmp);
            (key, peak(&times, 1.0), peak(&times, 5.0), times.len())
        })
        .collect();
    let sagemaker = |k: &(&str, &str, &str)| !NOT_SAGEMAKER.contains(&k.2);
    peaks.sort_by(|a, b| b.2.cmp(&a.2).then(b.1.cmp(&a.1)).then(a.0.cmp(&b.0)));
    let over = peaks
        .iter()
        .filter(|p| sagemaker(&p.0) && p.2 > PEAK_5S_TARGET)
        .count();
    let keys = peaks.iter().filter(|p| sagemaker(&p.0)).count();
    let max1 = peaks
        .iter()
        .filter(|p| sagemaker(&p.0))
        .map(|p| p.1)
        .max()
        .unwrap_or(0);
    let max5 = peaks
        .iter()
        .filter(|p| sagemaker(&p.0))
        .map(|p| p.2)
        .max()
        .unwrap_or(0);
    println!(
        "peak per SageMaker (account, region, operation) key, {keys} keys: {max1} in any 1 s, \
         {max5} in any 5 s; {over} keys over {PEAK_5S_TARGET} in 5 s (target 0)"
    );
    for ((account, region, operation), p1, p5, total) in peaks.iter().take(5) {
        let note = if sagemaker(&(account, region, operation)) {
            ""
        } else {
            "  (not SageMaker: no quota in the world)"
        };
        println!(
            "  {account} {region} {operation:<28} 1 s: {p1:>3}  5 s: {p5:>3}  total {total:>4}{note}"
        );
    }
}

fn print_correctness(doc: &Value, world: &[Value]) {
    let key = |v: &Value, account: &str| {
        (
            v[account].as_str().unwrap_or_default().to_string(),
            v["region"].as_str().unwrap_or_default().to_string(),
            v["kind"].as_str().unwrap_or_default().to_string(),
            v["name"].as_str().unwrap_or_default().to_string(),
        )
    };
    let rows: HashMap<_, &Value> = doc["rows"]
        .as_array()
        .into_iter()
        .flatten()
        .map(|r| (key(r, "account_id"), r))
        .collect();
    let (mut failed, mut bad_reason, mut running, mut bad_instance, mut missing) = (0, 0, 0, 0, 0);
    for seeded in world {
        let Some(row) = rows.get(&key(seeded, "account")) else {
            missing += 1;
            continue;
        };
        if seeded["status"] == "Failed" {
            failed += 1;
            if row["failure_reason"] != seeded["failure_reason"] {
                bad_reason += 1;
            }
        }
        if matches!(seeded["status"].as_str(), Some("InProgress" | "InService")) {
            running += 1;
            if row["instance_type"] != seeded["instance_type"]
                || row["instance_count"] != seeded["instance_count"]
            {
                bad_instance += 1;
            }
        }
    }
    let extra = rows.len().saturating_sub(world.len() - missing);
    println!(
        "correctness: {missing} seeded resources missing, {extra} extra rows; {failed} failed, \
         {bad_reason} without their failure_reason; {running} running, {bad_instance} without \
         their instance_type/instance_count"
    );
}
