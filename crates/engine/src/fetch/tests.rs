//! Engine tests over a fake AWS: pagination, steady-state cost, describe caching, and
//! per-account failure, without a network.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use chrono::{DateTime, Duration, TimeZone, Utc};
use futures::future::BoxFuture;

use super::*;
use sagescope_core::config::{AccountConfig, Config};
use sagescope_core::model::{Job, JobStatus, ResourceKind};

type Key = (String, String, ResourceKind);

/// A fake SageMaker: resources per (account, region, kind), counted calls.
#[derive(Default)]
struct World {
    resources: Mutex<HashMap<Key, Vec<Listed>>>,
    calls: Mutex<Vec<String>>,
    /// Serve pages in creation order, oldest first, as a server ignoring SortBy would.
    ignore_sort: bool,
    /// Accounts whose credentials fail.
    broken: Vec<String>,
    /// Kinds whose List fails with AccessDenied.
    denied: Vec<ResourceKind>,
    /// This many List calls are throttled before any succeeds.
    throttle_lists: Mutex<u32>,
}

impl World {
    fn add(&self, account: &str, region: &str, kind: ResourceKind, item: Listed) {
        self.resources
            .lock()
            .expect("lock")
            .entry((account.into(), region.into(), kind))
            .or_default()
            .push(item);
    }

    fn set_status(&self, arn: &str, status: &str, modified: DateTime<Utc>) {
        for items in self.resources.lock().expect("lock").values_mut() {
            for item in items.iter_mut().filter(|i| i.arn == arn) {
                item.status = JobStatus::new(status);
                item.last_modified_at = Some(modified);
            }
        }
    }

    fn take_calls(&self) -> Vec<String> {
        std::mem::take(&mut *self.calls.lock().expect("lock"))
    }
}

struct Link {
    world: Arc<World>,
    account: String,
    regions: Vec<String>,
}

struct Source {
    world: Arc<World>,
    account: String,
    region: String,
}

impl JobSource for Source {
    fn list(
        &self,
        kind: ResourceKind,
        next_token: Option<String>,
    ) -> BoxFuture<'_, Result<Page, SourceError>> {
        Box::pin(async move {
            self.world.calls.lock().expect("lock").push(format!(
                "{} {}",
                source::list_operation(kind),
                self.account
            ));
            {
                let mut left = self.world.throttle_lists.lock().expect("lock");
                if *left > 0 {
                    *left -= 1;
                    return Err(SourceError::Throttled {
                        operation: source::list_operation(kind),
                    });
                }
            }
            if self.world.denied.contains(&kind) {
                return Err(SourceError::AccessDenied {
                    operation: source::list_operation(kind),
                    message: "no".into(),
                });
            }
            let mut items = self
                .world
                .resources
                .lock()
                .expect("lock")
                .get(&(self.account.clone(), self.region.clone(), kind))
                .cloned()
                .unwrap_or_default();
            items.sort_by_key(|i| i.created_at);
            if !self.world.ignore_sort {
                items.reverse();
            }
            let start: usize = next_token.map_or(0, |t| t.parse().expect("numeric token"));
            let end = (start + 100).min(items.len());
            Ok(Page {
                items: items[start..end].to_vec(),
                next_token: (end < items.len()).then(|| end.to_string()),
            })
        })
    }

    fn describe<'a>(
        &'a self,
        kind: ResourceKind,
        name: &'a str,
    ) -> BoxFuture<'a, Result<Details, SourceError>> {
        Box::pin(async move {
            self.world
                .calls
                .lock()
                .expect("lock")
                .push(format!("{} {name}", source::describe_operation(kind)));
            Ok(Details {
                instance_type: Some(format!("ml.type-of-{name}")),
                instance_count: Some(1),
                failure_reason: Some(format!("reason of {name}")),
                ..Details::default()
            })
        })
    }
}

impl AccountLink for Link {
    fn account_id(&self) -> &str {
        if self.account == "main" {
            "123456789012"
        } else {
            "222222222222"
        }
    }
    fn regions(&self) -> &[String] {
        &self.regions
    }
    fn source(&self, region: &str) -> Arc<dyn JobSource> {
        Arc::new(Source {
            world: self.world.clone(),
            account: self.account.clone(),
            region: region.to_string(),
        })
    }
}

struct FakeConnector(Arc<World>, std::sync::atomic::AtomicUsize);

impl Connector for FakeConnector {
    fn connect<'a>(
        &'a self,
        account: &'a AccountConfig,
    ) -> BoxFuture<'a, Result<Arc<dyn AccountLink>, SourceError>> {
        Box::pin(async move {
            self.1.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
            if self.0.broken.contains(&account.name) {
                return Err(SourceError::Credentials(format!(
                    "no AWS credentials for account `{}`",
                    account.name
                )));
            }
            Ok(Arc::new(Link {
                world: self.0.clone(),
                account: account.name.clone(),
                regions: account.regions.clone(),
            }) as Arc<dyn AccountLink>)
        })
    }
}

fn account(name: &str) -> AccountConfig {
    AccountConfig {
        name: name.into(),
        role_arn: None,
        profile: None,
        external_id: None,
        regions: vec!["us-east-1".into(), "eu-west-1".into()],
    }
}

fn config(names: &[&str]) -> Config {
    let mut refresh = Config::default().refresh;
    refresh.requests_per_second = 1000.0;
    Config {
        accounts: names.iter().map(|n| account(n)).collect(),
        refresh,
        ..Config::default()
    }
}

fn t0() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 1, 1, 0, 0, 0)
        .single()
        .expect("valid")
}

/// A job created `minutes` after t0 (long ago, so only active ones are described).
fn job(name: &str, minutes: i64, status: &str) -> Listed {
    let created = t0() + Duration::minutes(minutes);
    Listed {
        name: name.into(),
        arn: format!("arn:aws:sagemaker:r:a:training-job/{name}"),
        status: JobStatus::new(status),
        created_at: created,
        ended_at: (status != "InProgress").then(|| created + Duration::minutes(30)),
        last_modified_at: Some(created),
        instance_type: None,
        instance_count: None,
        failure_reason: None,
        app: None,
        compute: None,
        billing: None,
    }
}

fn fetcher(world: &Arc<World>, names: &[&str]) -> JobFetcher {
    JobFetcher::with_connector(
        &config(names),
        Arc::new(FakeConnector(world.clone(), Default::default())),
    )
}

async fn run(fetcher: &JobFetcher, known: &KnownState) -> JobsFetch {
    fetcher.fetch(known, &|_| {}).await
}

fn count(calls: &[String], prefix: &str) -> usize {
    calls.iter().filter(|c| c.starts_with(prefix)).count()
}

fn seed_training(world: &World, n: i64) {
    for i in 0..n {
        world.add(
            "main",
            "us-east-1",
            ResourceKind::Training,
            job(&format!("train-{i:03}"), i, "Completed"),
        );
    }
}

#[tokio::test(start_paused = true)]
async fn every_page_is_read_and_every_job_listed_once() {
    let world = Arc::new(World::default());
    seed_training(&world, 250);
    let fetched = run(&fetcher(&world, &["main"]), &KnownState::default()).await;
    let calls = world.take_calls();
    assert_eq!(
        count(&calls, "ListTrainingJobs"),
        3 + 1,
        "3 pages here, 1 in eu-west-1"
    );
    let mut names: Vec<&str> = fetched.view.rows.iter().map(|j| j.name.as_str()).collect();
    assert_eq!(names.len(), 250);
    names.dedup();
    assert_eq!(names.len(), 250, "no duplicates");
    assert!(
        fetched
            .view
            .rows
            .iter()
            .all(|j| j.account_id == "123456789012"
                && j.region == "us-east-1"
                && j.kind == ResourceKind::Training)
    );
    assert_eq!(fetched.stats.requests["ListTrainingJobs"], 4);
}

#[tokio::test(start_paused = true)]
async fn steady_state_costs_one_list_per_kind_and_still_sees_new_and_changed_jobs() {
    let world = Arc::new(World::default());
    seed_training(&world, 250);
    let fetcher = fetcher(&world, &["main"]);
    let first = run(&fetcher, &KnownState::default()).await;
    world.take_calls();

    let second = run(&fetcher, &first.known_state()).await;
    let calls = world.take_calls();
    assert_eq!(calls.len(), 18, "one List per kind per region: {calls:?}");
    assert_eq!(second.view.rows, first.view.rows);

    // A new job appears; the newest known one is re-read.
    world.add(
        "main",
        "us-east-1",
        ResourceKind::Training,
        job("train-new", 1000, "InProgress"),
    );
    let third = run(&fetcher, &second.known_state()).await;
    let calls = world.take_calls();
    assert_eq!(count(&calls, "ListTrainingJobs"), 2);
    assert_eq!(third.view.rows.len(), 251);
    let new = third
        .view
        .rows
        .iter()
        .find(|j| j.name == "train-new")
        .expect("listed");
    assert_eq!(new.status.as_str(), "InProgress");
    assert_eq!(
        new.instance_type.as_deref(),
        Some("ml.type-of-train-new"),
        "active jobs are described"
    );
}

#[tokio::test(start_paused = true)]
async fn an_old_running_job_is_followed_until_it_finishes() {
    let world = Arc::new(World::default());
    seed_training(&world, 250);
    // train-010 is old (deep on page 3) and still running.
    world.set_status(
        "arn:aws:sagemaker:r:a:training-job/train-010",
        "InProgress",
        t0(),
    );
    let fetcher = fetcher(&world, &["main"]);
    let first = run(&fetcher, &KnownState::default()).await;
    world.take_calls();

    world.set_status(
        "arn:aws:sagemaker:r:a:training-job/train-010",
        "Failed",
        t0() + Duration::days(1),
    );
    let second = run(&fetcher, &first.known_state()).await;
    let calls = world.take_calls();
    assert_eq!(
        count(&calls, "ListTrainingJobs"),
        3 + 1,
        "pages until the running job is seen"
    );
    let old = second
        .view
        .rows
        .iter()
        .find(|j| j.name == "train-010")
        .expect("listed");
    assert_eq!(old.status.as_str(), "Failed");
    assert_eq!(second.view.rows.len(), 250);

    // Once it has finished, steady state is one page again.
    let _third = run(&fetcher, &second.known_state()).await;
    assert_eq!(count(&world.take_calls(), "ListTrainingJobs"), 2);
}

#[tokio::test(start_paused = true)]
async fn a_server_that_ignores_the_sort_order_is_listed_in_full() {
    let world = Arc::new(World {
        ignore_sort: true,
        ..World::default()
    });
    seed_training(&world, 250);
    let fetcher = fetcher(&world, &["main"]);
    let first = run(&fetcher, &KnownState::default()).await;
    world.take_calls();
    world.add(
        "main",
        "us-east-1",
        ResourceKind::Training,
        job("train-new", 1000, "Completed"),
    );
    let second = run(&fetcher, &first.known_state()).await;
    assert_eq!(count(&world.take_calls(), "ListTrainingJobs"), 3 + 1);
    assert_eq!(
        second.view.rows.len(),
        251,
        "the new job on the last page is not missed"
    );
}

#[tokio::test(start_paused = true)]
async fn unchanged_jobs_are_described_once_and_changed_ones_again() {
    let world = Arc::new(World::default());
    for i in 0..3 {
        world.add(
            "main",
            "us-east-1",
            ResourceKind::Training,
            job(&format!("run-{i}"), i, "InProgress"),
        );
    }
    let fetcher = fetcher(&world, &["main"]);
    let first = run(&fetcher, &KnownState::default()).await;
    assert_eq!(count(&world.take_calls(), "DescribeTrainingJob"), 3);
    assert_eq!(first.describes.len(), 3);

    let second = run(&fetcher, &first.known_state()).await;
    assert_eq!(count(&world.take_calls(), "DescribeTrainingJob"), 0);
    assert!(
        second.view.rows.iter().all(|j| j.instance_type.is_some()),
        "cached details applied"
    );

    world.set_status(
        "arn:aws:sagemaker:r:a:training-job/run-1",
        "Failed",
        t0() + Duration::days(1),
    );
    let third = run(&fetcher, &second.known_state()).await;
    let calls = world.take_calls();
    assert_eq!(
        calls
            .iter()
            .filter(|c| c.starts_with("DescribeTrainingJob"))
            .collect::<Vec<_>>(),
        vec!["DescribeTrainingJob run-1"]
    );
    let failed = third
        .view
        .rows
        .iter()
        .find(|j| j.name == "run-1")
        .expect("listed");
    assert_eq!(failed.failure_reason.as_deref(), Some("reason of run-1"));
}

#[tokio::test(start_paused = true)]
async fn finished_jobs_are_described_once_and_never_again() {
    let world = Arc::new(World::default());
    seed_training(&world, 5);
    let fetcher = fetcher(&world, &["main"]);
    let first = run(&fetcher, &KnownState::default()).await;
    assert_eq!(
        described_names(&world.take_calls()).len(),
        5,
        "weeks-old finished jobs are read too"
    );
    assert!(
        first
            .view
            .rows
            .iter()
            .all(|j| j.instance_type.as_deref() == Some(format!("ml.type-of-{}", j.name).as_str())),
        "{:?}",
        first.view.rows
    );

    // AWS moves a finished job's LastModifiedTime now and then (a warm pool released): its
    // details are final all the same.
    world.set_status(
        "arn:aws:sagemaker:r:a:training-job/train-002",
        "Completed",
        t0() + Duration::days(3),
    );
    let second = run(&fetcher, &first.known_state()).await;
    let third = run(&fetcher, &second.known_state()).await;
    assert_eq!(count(&world.take_calls(), "Describe"), 0);
    assert_eq!(
        third
            .view
            .rows
            .iter()
            .map(|j| &j.instance_type)
            .collect::<Vec<_>>(),
        first
            .view
            .rows
            .iter()
            .map(|j| &j.instance_type)
            .collect::<Vec<_>>(),
    );
    let moved = &third.describes["arn:aws:sagemaker:r:a:training-job/train-002"];
    assert!(
        moved
            .version
            .starts_with(&(t0() + Duration::days(3)).to_rfc3339()),
        "the entry follows the job's version: {}",
        moved.version
    );
}

/// Weeks-old jobs: 8 running, 4 failed (no reason in their summaries), 6 completed, listed
/// newest first in that mix.
fn seed_old_mix(world: &World) {
    for i in 0..18 {
        let status = match i % 3 {
            0 if i < 12 => "Failed",
            _ if i < 12 => "InProgress",
            _ => "Completed",
        };
        world.add(
            "main",
            "us-east-1",
            ResourceKind::Training,
            job(&format!("run-{i:02}"), i, status),
        );
    }
}

fn described_names(calls: &[String]) -> Vec<String> {
    calls
        .iter()
        .filter_map(|c| c.strip_prefix("DescribeTrainingJob "))
        .map(str::to_string)
        .collect()
}

#[tokio::test(start_paused = true)]
async fn every_job_gets_its_details_in_one_refresh_running_first_finished_last() {
    let world = Arc::new(World::default());
    seed_old_mix(&world);
    let fetched = run(&fetcher(&world, &["main"]), &KnownState::default()).await;
    let described = described_names(&world.take_calls());
    // No cap, whatever their age: all 8 running, 4 failed and 6 completed.
    assert_eq!(described.len(), 18, "{described:?}");
    let status_of = |name: &str| {
        fetched
            .view
            .rows
            .iter()
            .find(|j| j.name == name)
            .map(|j| j.status.as_str().to_string())
            .expect("listed")
    };
    let order: Vec<String> = described.iter().map(|n| status_of(n)).collect();
    assert_eq!(
        order,
        [
            vec!["InProgress".to_string(); 8],
            vec!["Failed".to_string(); 4],
            vec!["Completed".to_string(); 6]
        ]
        .concat(),
        "running, then failed, then finished: {described:?}"
    );
    for job in &fetched.view.rows {
        assert!(job.instance_type.is_some(), "{}", job.name);
        if job.status.as_str() == "Failed" {
            assert_eq!(
                job.failure_reason.as_deref(),
                Some(format!("reason of {}", job.name).as_str())
            );
        }
    }
}

#[tokio::test(start_paused = true)]
async fn an_opened_row_jumps_the_describe_queue() {
    let world = Arc::new(World::default());
    seed_old_mix(&world);
    let fetcher = fetcher(&world, &["main"]);
    // The oldest failed job would be described last of the due ones, the oldest completed
    // one last of all.
    fetcher.prioritize("arn:aws:sagemaker:r:a:training-job/run-00");
    fetcher.prioritize("arn:aws:sagemaker:r:a:training-job/run-12");
    run(&fetcher, &KnownState::default()).await;
    let described = described_names(&world.take_calls());
    assert_eq!(described[..2], ["run-12", "run-00"], "{described:?}");
    assert_eq!(described.len(), 18);
}

#[tokio::test(start_paused = true)]
async fn the_backlog_waits_until_every_account_region_had_its_due_details() {
    let world = Arc::new(World::default());
    for (region, prefix) in [("us-east-1", "use1"), ("eu-west-1", "euw1")] {
        for i in 0..6 {
            let status = if i % 2 == 0 {
                "InProgress"
            } else {
                "Completed"
            };
            let mut item = job(&format!("{prefix}-{i}"), i, status);
            item.arn = format!("arn:aws:sagemaker:{region}:a:training-job/{prefix}-{i}");
            world.add("main", region, ResourceKind::Training, item);
        }
    }
    // One account-region at a time: the second one's due pass must not wait for the first
    // one's backlog.
    let mut config = config(&["main"]);
    config.refresh.max_concurrency = 1;
    let fetcher = JobFetcher::with_connector(
        &config,
        Arc::new(FakeConnector(world.clone(), Default::default())),
    );
    let fetched = run(&fetcher, &KnownState::default()).await;
    let described = described_names(&world.take_calls());
    assert_eq!(described.len(), 12, "{described:?}");
    let running = |name: &str| name.ends_with(['0', '2', '4']);
    let last_running = described.iter().rposition(|n| running(n)).expect("some");
    let first_finished = described.iter().position(|n| !running(n)).expect("some");
    assert!(last_running < first_finished, "{described:?}");
    assert!(fetched.view.rows.iter().all(|j| j.instance_type.is_some()));
}

#[tokio::test(start_paused = true)]
async fn a_scope_streams_its_rows_before_their_details_and_its_backlog_last() {
    let world = Arc::new(World::default());
    seed_old_mix(&world);
    // Each event with the number of describes made when it was sent.
    let events = Mutex::new(Vec::new());
    let fetched = fetcher(&world, &["main"])
        .fetch(&KnownState::default(), &|e| {
            let described = count(&world.calls.lock().expect("lock"), "Describe");
            events.lock().expect("lock").push((e, described));
        })
        .await;
    let events = events.into_inner().expect("lock");
    let training = |e: &FetchEvent| match e {
        FetchEvent::Rows { scope, .. } | FetchEvent::Filled { scope, .. } => {
            scope.kind == ResourceKind::Training && scope.region == "us-east-1"
        }
        _ => false,
    };
    let scope_events: Vec<&(FetchEvent, usize)> =
        events.iter().filter(|(e, _)| training(e)).collect();
    assert_eq!(
        scope_events.len(),
        3,
        "listed, then filled in, then its backlog"
    );
    let (FetchEvent::Rows { rows: listed, .. }, 0) = scope_events[0] else {
        panic!("rows come first: {:?}", scope_events[0]);
    };
    assert_eq!(listed.len(), 18, "every row at once");
    assert!(
        listed
            .iter()
            .all(|j| j.instance_type.is_none() && j.failure_reason.is_none()),
        "before any Describe"
    );
    let (FetchEvent::Filled { rows: due, .. }, 12) = scope_events[1] else {
        panic!("then the running and failed jobs: {:?}", scope_events[1]);
    };
    assert_eq!(
        due.iter().filter(|j| j.instance_type.is_some()).count(),
        12,
        "before any finished job is read"
    );
    let (
        FetchEvent::Filled {
            rows: filled,
            describes,
            ..
        },
        18,
    ) = &scope_events[2]
    else {
        panic!("then the finished ones: {:?}", scope_events[2]);
    };
    assert_eq!(describes.len(), 18);
    let mut filled = filled.clone();
    filled.sort_by_key(|j| std::cmp::Reverse(j.created_at));
    let final_rows: Vec<&Job> = fetched
        .view
        .rows
        .iter()
        .filter(|j| j.region == "us-east-1" && j.kind == ResourceKind::Training)
        .collect();
    assert_eq!(filled.iter().collect::<Vec<_>>(), final_rows);
    // The counters end with every scope listed and every detail in.
    let last = events
        .iter()
        .rev()
        .find_map(|(e, _)| match e {
            FetchEvent::Progress(p) => Some(*p),
            _ => None,
        })
        .expect("progress reported");
    assert_eq!((last.listed, last.scopes), (18, 18), "2 regions × 9 kinds");
    assert_eq!((last.detailed, last.details), (18, 18));
}

#[tokio::test(start_paused = true)]
async fn throttled_lists_are_retried_until_they_pass_and_nothing_is_lost() {
    let world = Arc::new(World {
        throttle_lists: Mutex::new(9),
        ..World::default()
    });
    seed_training(&world, 3);
    let fetched = run(&fetcher(&world, &["main"]), &KnownState::default()).await;
    assert!(fetched.view.errors.is_empty(), "{:?}", fetched.view.errors);
    assert_eq!(fetched.view.rows.len(), 3);
    assert_eq!(
        fetched.stats.throttles.values().sum::<u64>(),
        9,
        "every throttle retried: {:?}",
        fetched.stats
    );
}

#[tokio::test(start_paused = true)]
async fn throttling_past_the_deadline_keeps_the_last_rows_of_that_scope() {
    let world = Arc::new(World::default());
    seed_training(&world, 3);
    let fetcher = fetcher(&world, &["main"]);
    let first = run(&fetcher, &KnownState::default()).await;
    *world.throttle_lists.lock().expect("lock") = u32::MAX;
    let second = run(&fetcher, &first.known_state()).await;
    assert_eq!(second.view.rows, first.view.rows, "stale rows kept");
    assert!(!second.view.errors.is_empty());
    assert!(
        second
            .view
            .errors
            .iter()
            .all(|e| e.message.contains("throttled")),
        "{:?}",
        second.view.errors
    );
}

#[tokio::test(start_paused = true)]
async fn a_kind_that_fails_keeps_its_previous_rows_and_reports_once_per_region() {
    let world = Arc::new(World::default());
    seed_training(&world, 3);
    let first = run(&fetcher(&world, &["main"]), &KnownState::default()).await;
    let denied = Arc::new(World {
        denied: vec![ResourceKind::Training],
        resources: Mutex::new(world.resources.lock().expect("lock").clone()),
        ..World::default()
    });
    let second = run(&fetcher(&denied, &["main"]), &first.known_state()).await;
    assert_eq!(second.view.rows, first.view.rows, "stale rows kept");
    assert_eq!(second.view.errors.len(), 2, "one per region");
    assert!(second.view.errors[0].message.contains("ListTrainingJobs"));
}

#[test]
fn the_fetch_future_can_run_on_a_background_task() {
    // The TUI spawns refreshes with tokio::spawn, which needs a Send future and a fetcher
    // that can be shared between tasks.
    fn assert_send<T: Send>(_: &T) {}
    fn assert_shareable<T: Send + Sync>() {}
    assert_shareable::<JobFetcher>();
    let world = Arc::new(World::default());
    let fetcher = fetcher(&world, &["main"]);
    let known = KnownState::default();
    let future = fetcher.fetch(&known, &|_| {});
    assert_send(&future);
}

#[tokio::test(start_paused = true)]
async fn a_kept_fetcher_connects_each_account_once_but_retries_failed_ones() {
    let world = Arc::new(World {
        broken: vec!["second".into()],
        ..World::default()
    });
    let connector = Arc::new(FakeConnector(world.clone(), Default::default()));
    let fetcher = JobFetcher::with_connector(&config(&["main", "second"]), connector.clone());
    let first = run(&fetcher, &KnownState::default()).await;
    run(&fetcher, &first.known_state()).await;
    // main: once; second: every time, so fixed credentials are picked up.
    assert_eq!(connector.1.load(std::sync::atomic::Ordering::SeqCst), 1 + 2);
}

#[tokio::test(start_paused = true)]
async fn endpoints_keep_their_variants_and_old_cache_entries_without_them_are_read_once() {
    let world = Arc::new(World::default());
    let mut endpoint = job("ep", 5, "InService");
    endpoint.arn = "arn:aws:sagemaker:r:a:endpoint/ep".into();
    endpoint.ended_at = None;
    world.add("main", "us-east-1", ResourceKind::Endpoint, endpoint);
    let fetcher = fetcher(&world, &["main"]);
    let first = run(&fetcher, &KnownState::default()).await;
    let described = &first.describes["arn:aws:sagemaker:r:a:endpoint/ep"];
    assert_eq!(described.variants, Some(Vec::new()), "read, even if empty");
    world.take_calls();

    // Unchanged and read with variants: not described again.
    run(&fetcher, &first.known_state()).await;
    assert_eq!(count(&world.take_calls(), "DescribeEndpoint"), 0);

    // A cache entry written before variants were kept is described once more.
    let mut legacy = first.known_state();
    for entry in legacy.describes.values_mut() {
        entry.variants = None;
    }
    let again = run(&fetcher, &legacy).await;
    assert_eq!(count(&world.take_calls(), "DescribeEndpoint"), 1);
    assert!(
        again.describes["arn:aws:sagemaker:r:a:endpoint/ep"]
            .variants
            .is_some()
    );
    let json = r#"{"version":"v","instance_type":null,"instance_count":2,"failure_reason":null}"#;
    let old: Described = serde_json::from_str(json).expect("old cache entries still read");
    assert_eq!(old.variants, None);
}
