//! Soak: three sagescope processes on one cache at 100,000 resources, the way users run them
//! side by side — `refresh` committing whole refreshes, `watch` committing scopes, both
//! deriving events, and the TUI reading the snapshot, head and timeline — for
//! `SAGESCOPE_SOAK_SECONDS` (45 by default; several minutes to soak for real).
//!
//! Passes when: no process got an error (busy waits are counted and reported, not errors),
//! no file was moved aside, and every status change of the world was announced exactly once
//! across both writers: none lost, none duplicated.
//!
//! The world changes on a clock every process shares: resource `i` of the changing set turns
//! `Failed` at its own second. Each writer observes the world inside its write transaction,
//! so the writers' observations are ordered like their commits (as the events code assumes).
//!
//! The parent ([`three_processes_share_one_cache_and_each_change_is_announced_once`]) re-runs
//! this test binary once per role, each running only [`a_role_of_the_soak`] with the role in
//! its environment. Run alone, that test plays each role once in one process, on a cache of
//! its own.

#[path = "../../benches/support/big_world.rs"]
mod big_world;

use std::collections::{HashMap, HashSet};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use chrono::{DateTime, Utc};
use sagescope::cache::RefreshRecord;
use sagescope::events::{derive, observe};
use sagescope::model::{Event, Job, JobStatus, ScopeKey, Snapshot, View};
use sagescope::store::Store;
use serde_json::{Value, json};

const ROLE: &str = "SAGESCOPE_SOAK_ROLE";
const PATH: &str = "SAGESCOPE_SOAK_PATH";
const EPOCH_MS: &str = "SAGESCOPE_SOAK_EPOCH_MS";
const SECONDS: &str = "SAGESCOPE_SOAK_SECONDS";

/// One resource in this many changes status during the soak.
const CHANGE_EVERY: usize = 499;

/// What a role process prints before its report, so the parent finds it among the test
/// harness's own lines.
const REPORT: &str = "soak report: ";

#[test]
fn three_processes_share_one_cache_and_each_change_is_announced_once() {
    if std::env::var_os(ROLE).is_none() {
        parent();
    }
}

#[test]
fn a_role_of_the_soak() {
    match std::env::var(ROLE) {
        Ok(role) => child(&role),
        Err(_) => each_role_alone(),
    }
}

/// Each role's one step in one process, on a cache of its own that only the baseline wrote:
/// no error, and no change announced, since the world has not changed yet.
fn each_role_alone() {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("cache.db");
    let world = std::sync::Arc::new(World::small(3, 2_000));
    let store = Store::open(&path).expect("creates the cache").store;
    save_whole(&store, &world, 0).expect("seeds");
    // The world's clock starts in an hour: every step below sees it unchanged.
    let epoch_ms = now_ms() + 3_600_000;
    assert_eq!(
        record(&store, &world, epoch_ms),
        Ok(0),
        "a baseline announces nothing"
    );
    assert_eq!(refresh_once(&store, &world, epoch_ms), Ok(0));
    assert_eq!(watch_once(&store, &world, epoch_ms, 0), Ok(0));
    assert_eq!(read_once(&store, 2_000), Ok(0));
}

fn soak_seconds() -> u64 {
    std::env::var(SECONDS)
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(45)
}

fn now_ms() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_millis() as u64)
        .unwrap_or(0)
}

/// The world as it is `step` seconds into the soak.
struct World {
    base: Snapshot,
    /// Index of each changing resource and the second it turns `Failed`.
    changes: Vec<(usize, u64)>,
}

impl World {
    fn new(seconds: u64) -> World {
        World::of(big_world::big_snapshot(), seconds)
    }

    /// The first `rows` resources of the world only.
    fn small(seconds: u64, rows: usize) -> World {
        let mut base = big_world::big_snapshot();
        base.jobs.rows.truncate(rows);
        World::of(base, seconds)
    }

    fn of(base: Snapshot, seconds: u64) -> World {
        // Changes happen in the first two thirds of the soak, so every writer observes the
        // last of them at least once before it stops.
        let last_step = (seconds * 2 / 3).max(2);
        let changes = base
            .jobs
            .rows
            .iter()
            .enumerate()
            .filter(|(i, job)| i % CHANGE_EVERY == 0 && job.status.as_str() != "Failed")
            .enumerate()
            .map(|(n, (i, _))| (i, 1 + (n as u64 % last_step)))
            .collect();
        World { base, changes }
    }

    fn rows_at(&self, step: u64) -> Vec<Job> {
        let mut rows = self.base.jobs.rows.clone();
        for &(i, at) in &self.changes {
            if at <= step {
                rows[i].status = JobStatus::from("Failed");
            }
        }
        rows
    }

    fn scopes(&self) -> HashSet<ScopeKey> {
        self.base.jobs.rows.iter().map(ScopeKey::of).collect()
    }
}

fn step_now(epoch_ms: u64) -> u64 {
    now_ms().saturating_sub(epoch_ms) / 1000
}

/// Observes the world now and records its events, inside one write transaction.
fn record(store: &Store, world: &std::sync::Arc<World>, epoch_ms: u64) -> Result<usize, String> {
    let world = world.clone();
    let keep_since = DateTime::<Utc>::MIN_UTC;
    store
        .run_blocking(move |cache| {
            cache.record_with(keep_since, |before| {
                let step = step_now(epoch_ms);
                let rows = world.rows_at(step);
                let observation = observe(Utc::now(), &rows, world.scopes(), None, None);
                let derived = derive(before, &observation);
                (derived.changes, derived.events)
            })
        })
        .map_err(|e| e.to_string())?
        .map(|events| events.len())
        .map_err(|e| format!("{e}: {:?}", std::error::Error::source(&e)))
}

fn child(role: &str) {
    let path = PathBuf::from(std::env::var(PATH).unwrap_or_default());
    let epoch_ms: u64 = std::env::var(EPOCH_MS)
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(0);
    let seconds = soak_seconds();
    let world = std::sync::Arc::new(World::new(seconds));
    let opened = match Store::open(&path) {
        Ok(opened) => opened,
        Err(err) => {
            println!(
                "{REPORT}{}",
                json!({ "role": role, "errors": [err.to_string()] })
            );
            return;
        }
    };
    let store = opened.store;
    let mut errors: Vec<String> = opened.warning.into_iter().collect();
    let mut operations = 0u64;
    let mut announced = 0usize;
    let deadline = Instant::now() + Duration::from_secs(seconds);
    while Instant::now() < deadline {
        let result = match role {
            "refresh" => refresh_once(&store, &world, epoch_ms),
            "watch" => watch_once(&store, &world, epoch_ms, operations),
            _ => read_once(&store, world.base.jobs.rows.len()),
        };
        match result {
            Ok(n) => announced += n,
            Err(err) => errors.push(err),
        }
        operations += 1;
    }
    // One last look, after the last change, for the writers.
    if role != "tui" {
        match record(&store, &world, epoch_ms) {
            Ok(n) => announced += n,
            Err(err) => errors.push(err),
        }
    }
    let (waits, waited_ms) = store
        .run_blocking(|cache| {
            let waits = cache.busy_waits();
            (waits.count(), waits.total().as_millis() as u64)
        })
        .unwrap_or((0, 0));
    println!(
        "{REPORT}{}",
        json!({
            "role": role,
            "operations": operations,
            "announced": announced,
            "errors": errors,
            "busy_waits": waits,
            "busy_ms": waited_ms,
        })
    );
}

/// `sagescope refresh`: the whole world committed in one transaction, then its events.
fn refresh_once(
    store: &Store,
    world: &std::sync::Arc<World>,
    epoch_ms: u64,
) -> Result<usize, String> {
    save_whole(store, world, step_now(epoch_ms))?;
    record(store, world, epoch_ms)
}

/// Commits the world at `step` as one whole refresh does.
fn save_whole(store: &Store, world: &World, step: u64) -> Result<(), String> {
    let rows = world.rows_at(step);
    let findings = world.base.findings.clone();
    let metrics = world.base.metrics.clone();
    store
        .run_blocking(move |cache| {
            let jobs = View::new(Utc::now(), rows, Vec::new());
            let tags = sagescope::tags::TagState::default();
            cache.save_refresh(&RefreshRecord {
                jobs: &jobs,
                describes: &Default::default(),
                tags: Some((&tags, &findings)),
                metrics: Some(&metrics),
            })
        })
        .map_err(|e| e.to_string())?
        .map_err(|e| e.to_string())
}

/// `watch`: one scope committed as soon as it is listed, then the events.
fn watch_once(
    store: &Store,
    world: &std::sync::Arc<World>,
    epoch_ms: u64,
    turn: u64,
) -> Result<usize, String> {
    let rows = world.rows_at(step_now(epoch_ms));
    let mut scopes: Vec<ScopeKey> = world.scopes().into_iter().collect();
    scopes.sort_by(|a, b| {
        (&a.account, &a.region, a.kind.as_str()).cmp(&(&b.account, &b.region, b.kind.as_str()))
    });
    let scope = scopes[(turn as usize) % scopes.len()].clone();
    let in_scope: Vec<Job> = rows
        .into_iter()
        .filter(|j| ScopeKey::of(j) == scope)
        .collect();
    store
        .run_blocking(move |cache| cache.save_scope(&scope, Utc::now(), &in_scope, &[]))
        .map_err(|e| e.to_string())?
        .map_err(|e| e.to_string())?;
    record(store, world, epoch_ms)
}

/// The TUI's read path: the head, the whole snapshot and the timeline.
fn read_once(store: &Store, rows: usize) -> Result<usize, String> {
    store
        .run_blocking(move |cache| -> Result<(), String> {
            cache.load_head().map_err(|e| e.to_string())?;
            let snapshot = cache
                .load_snapshot()
                .map_err(|e| e.to_string())?
                .ok_or("the snapshot is gone")?;
            if snapshot.jobs.rows.len() != rows {
                return Err(format!("read {} rows", snapshot.jobs.rows.len()));
            }
            cache.load_events(None).map_err(|e| e.to_string())?;
            Ok(())
        })
        .map_err(|e| e.to_string())??;
    Ok(0)
}

fn spawn(role: &str, path: &Path, epoch_ms: u64) -> std::process::Child {
    Command::new(std::env::current_exe().expect("this test binary"))
        .args([
            "--exact",
            "cache_soak::a_role_of_the_soak",
            "--nocapture",
            "--test-threads=1",
        ])
        .env(ROLE, role)
        .env(PATH, path)
        .env(EPOCH_MS, epoch_ms.to_string())
        .env(SECONDS, soak_seconds().to_string())
        .stdout(Stdio::piped())
        .spawn()
        .expect("starts a sagescope process")
}

fn parent() {
    let seconds = soak_seconds();
    println!(
        "cache soak: refresh, watch and the TUI on one cache of {} resources for {seconds} s",
        big_world::ROWS
    );
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("cache.db");
    let world = std::sync::Arc::new(World::new(seconds));
    // The world starts changing once the baseline is in (see below).
    let epoch_ms;
    {
        // The first refresh: every scope is a baseline, nothing is announced.
        let store = Store::open(&path).expect("creates the cache").store;
        save_whole(&store, &world, 0).expect("seeds");
        // Step 0 until the processes are up: they build their world first.
        epoch_ms = now_ms() + 5_000;
        assert_eq!(
            record(&store, &world, epoch_ms),
            Ok(0),
            "a baseline announces nothing"
        );
    }
    let children: Vec<_> = ["refresh", "watch", "tui"]
        .into_iter()
        .map(|role| spawn(role, &path, epoch_ms))
        .collect();
    let reports: Vec<Value> = children
        .into_iter()
        .map(|child| {
            let out = child.wait_with_output().expect("the process ends");
            assert!(out.status.success(), "a process failed: {:?}", out.status);
            let text = String::from_utf8_lossy(&out.stdout);
            let report = text
                .lines()
                .find_map(|line| line.split_once(REPORT).map(|(_, report)| report))
                .unwrap_or_else(|| panic!("no report in {text:?}"));
            serde_json::from_str(report).unwrap_or_else(|e| panic!("a report, not {report:?}: {e}"))
        })
        .collect();
    for report in &reports {
        println!("  {report}");
    }

    // No process got an error; busy waits are only counted.
    for report in &reports {
        assert_eq!(report["errors"], json!([]), "{report}");
        assert!(report["operations"].as_u64().unwrap_or(0) >= 1, "{report}");
    }
    let moved: Vec<_> = std::fs::read_dir(dir.path())
        .expect("lists")
        .filter_map(Result::ok)
        .filter(|e| e.file_name().to_string_lossy().contains("corrupt"))
        .collect();
    assert!(moved.is_empty(), "a file was moved aside: {moved:?}");

    // Every change announced exactly once, and nothing else.
    let store = Store::open(&path).expect("reopens").store;
    let events: Vec<Event> = store
        .run_blocking(|cache| cache.load_events(None))
        .expect("answers")
        .expect("reads the timeline");
    let mut by_arn: HashMap<&str, Vec<&Event>> = HashMap::new();
    for event in &events {
        by_arn.entry(event.arn.as_str()).or_default().push(event);
    }
    let expected: HashSet<&str> = world
        .changes
        .iter()
        .map(|&(i, _)| world.base.jobs.rows[i].arn.as_str())
        .collect();
    assert!(
        expected.len() > 100,
        "the soak changes {} resources",
        expected.len()
    );
    let announced: usize = reports
        .iter()
        .filter_map(|r| r["announced"].as_u64())
        .sum::<u64>() as usize;
    for arn in &expected {
        let seen = by_arn.get(arn).map(Vec::as_slice).unwrap_or_default();
        assert_eq!(
            seen.len(),
            1,
            "{arn} announced {} times: {seen:?}",
            seen.len()
        );
        assert_eq!(seen[0].status.as_deref(), Some("Failed"), "{:?}", seen[0]);
        assert_ne!(seen[0].previous_status.as_deref(), Some("Failed"));
    }
    assert_eq!(
        events.len(),
        expected.len(),
        "no event for a resource that did not change"
    );
    assert_eq!(
        announced,
        expected.len(),
        "what the processes said equals what was kept"
    );
    let waits: u64 = reports
        .iter()
        .filter_map(|r| r["busy_waits"].as_u64())
        .sum();
    println!(
        "cache soak: {} changes announced once each; {waits} busy waits, none an error",
        expected.len()
    );
}
