//! The stream against a log group held in memory and a real (in-memory) cache: what lands in a
//! row, what never does, and which events are announced once.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use chrono::{DateTime, TimeZone, Utc};
use futures::future::BoxFuture;

use super::*;
use crate::logs::{EventPage, LogSource, LogsError, StreamPage};
use sagescope_core::config::StreamConfig;
use sagescope_core::model::{JobStatus, Tags};

const ACCOUNT: &str = "111122223333";
const NAME: &str = "prod";

/// A log group: what was written to it, and whether reading it is refused.
#[derive(Default)]
struct Group {
    events: Mutex<Vec<LogEvent>>,
    refuse: Mutex<Option<LogsError>>,
    reads: Mutex<usize>,
    /// Reads never answer (a connection that hangs).
    hang: Mutex<bool>,
}

impl Group {
    fn write(&self, id: &str, at: DateTime<Utc>, message: String) {
        let mut events = self.events.lock().unwrap_or_else(|e| e.into_inner());
        events.push(LogEvent {
            timestamp_ms: at.timestamp_millis(),
            stream: "events".into(),
            message,
            id: Some(id.into()),
        });
    }
}

impl LogSource for Group {
    fn streams<'a>(
        &'a self,
        _group: &'a str,
        _prefix: &'a str,
        _next_token: Option<String>,
    ) -> BoxFuture<'a, Result<StreamPage, LogsError>> {
        Box::pin(async { Ok(StreamPage::default()) })
    }

    fn stream_events<'a>(
        &'a self,
        _group: &'a str,
        _stream: &'a str,
        _start_ms: Option<i64>,
        _next_token: Option<String>,
    ) -> BoxFuture<'a, Result<EventPage, LogsError>> {
        Box::pin(async { Ok(EventPage::default()) })
    }

    /// Two events a page, from `start_ms` on, as FilterLogEvents pages.
    fn filter_events<'a>(
        &'a self,
        _group: &'a str,
        streams: &'a [String],
        start_ms: Option<i64>,
        next_token: Option<String>,
    ) -> BoxFuture<'a, Result<EventPage, LogsError>> {
        Box::pin(async move {
            assert!(streams.is_empty(), "the whole group is read");
            *self.reads.lock().unwrap_or_else(|e| e.into_inner()) += 1;
            if *self.hang.lock().unwrap_or_else(|e| e.into_inner()) {
                futures::future::pending::<()>().await;
            }
            if let Some(err) = self
                .refuse
                .lock()
                .unwrap_or_else(|e| e.into_inner())
                .clone()
            {
                return Err(err);
            }
            let skip: usize = next_token.as_deref().map_or(0, |t| t.parse().unwrap_or(0));
            let events: Vec<LogEvent> = self
                .events
                .lock()
                .unwrap_or_else(|e| e.into_inner())
                .iter()
                .filter(|e| start_ms.is_none_or(|s| e.timestamp_ms >= s))
                .cloned()
                .collect();
            let page: Vec<LogEvent> = events.iter().skip(skip).take(2).cloned().collect();
            let next = (skip + 2 < events.len()).then(|| (skip + 2).to_string());
            Ok(EventPage {
                events: page,
                next_token: next,
            })
        })
    }
}

struct Access(Arc<Group>);

impl LogAccess for Access {
    fn logs<'a>(
        &'a self,
        account: &'a str,
        region: &'a str,
    ) -> BoxFuture<'a, Result<Arc<dyn LogSource>, LogsError>> {
        Box::pin(async move {
            assert_eq!((account, region), ("monitoring", "us-east-1"));
            Ok(self.0.clone() as Arc<dyn LogSource>)
        })
    }

    fn regions<'a>(&'a self, _account: &'a str) -> BoxFuture<'a, Result<Vec<String>, LogsError>> {
        Box::pin(async { Ok(vec!["us-east-1".to_string()]) })
    }
}

fn t(seconds: i64) -> DateTime<Utc> {
    Utc.timestamp_opt(1_800_000_000 + seconds, 0)
        .single()
        .unwrap_or_default()
}

fn config() -> StreamConfig {
    StreamConfig {
        account: "monitoring".into(),
        region: Some("us-east-1".into()),
        log_group: "/sagescope/sagemaker-events".into(),
        poll_seconds: 2,
        stale_seconds: 60,
    }
}

fn accounts() -> HashMap<String, String> {
    HashMap::from([
        (ACCOUNT.to_string(), NAME.to_string()),
        ("444455556666".to_string(), "monitoring".to_string()),
    ])
}

/// A training job's state-change event as SageMaker sends it (times in epoch ms).
fn training_event(
    id: &str,
    account: &str,
    name: &str,
    status: &str,
    modified: DateTime<Utc>,
    reason: Option<&str>,
) -> String {
    let mut detail = serde_json::json!({
        "TrainingJobName": name,
        "TrainingJobArn": format!("arn:aws:sagemaker:us-east-1:{account}:training-job/{name}"),
        "TrainingJobStatus": status,
        "ResourceConfig": {"InstanceType": "ml.g5.2xlarge", "InstanceCount": 2},
        "CreationTime": t(0).timestamp_millis(),
        "LastModifiedTime": modified.timestamp_millis(),
        "Tags": {},
    });
    if let Some(reason) = reason {
        detail["FailureReason"] = reason.into();
        detail["TrainingEndTime"] = modified.timestamp_millis().into();
    }
    serde_json::json!({
        "version": "0",
        "id": id,
        "detail-type": "SageMaker Training Job State Change",
        "source": "aws.sagemaker",
        "account": account,
        "time": modified.to_rfc3339(),
        "region": "us-east-1",
        "resources": [],
        "detail": detail,
    })
    .to_string()
}

/// The row a listing wrote for a job running since t(0), last modified at `modified`.
fn listed(name: &str, status: &str, modified: DateTime<Utc>) -> Job {
    Job {
        account_id: ACCOUNT.into(),
        account_name: NAME.into(),
        region: "us-east-1".into(),
        kind: ResourceKind::Training,
        name: name.into(),
        arn: format!("arn:aws:sagemaker:us-east-1:{ACCOUNT}:training-job/{name}"),
        status: JobStatus::new(status),
        created_at: t(0),
        ended_at: None,
        last_modified_at: Some(modified),
        instance_type: Some("ml.g5.2xlarge".into()),
        instance_count: Some(2),
        failure_reason: None,
        tags: team_tags(),
        app: None,
        compute: None,
        billing: None,
        streamed_at: None,
        created_by: None,
    }
}

fn team_tags() -> Tags {
    [("team".to_string(), "vision".to_string())]
        .into_iter()
        .collect()
}

fn scope() -> ScopeKey {
    ScopeKey {
        account: NAME.into(),
        region: "us-east-1".into(),
        kind: ResourceKind::Training,
    }
}

/// What a listing of the training scope at `at` that found `rows` observed.
fn listing(at: DateTime<Utc>, rows: &[Job]) -> Observation {
    Observation {
        at: Some(at),
        scopes: HashSet::from([scope()]),
        resources: rows
            .iter()
            .cloned()
            .map(|job| Observed {
                job,
                idle: None,
                tags: TagCheck::Unchecked,
            })
            .collect(),
        ..Observation::default()
    }
}

/// A store whose last listing saw `rows` (a baseline: no events).
async fn listed_store(rows: Vec<Job>) -> Store {
    let store = Store::in_memory().expect("store");
    let observation = listing(t(1), &rows);
    store
        .run(move |cache| cache.save_scope(&scope(), t(1), &rows, &[]))
        .await
        .expect("store answers")
        .expect("saved");
    let baseline = crate::refresh::record(&store, observation, 90)
        .await
        .expect("recorded");
    assert!(baseline.is_empty(), "{baseline:?}");
    store
}

fn stream_at(now: DateTime<Utc>) -> Stream {
    Stream::new(&config(), now)
}

#[tokio::test]
async fn a_failure_lands_in_its_row_once_and_an_older_or_repeated_event_changes_nothing() {
    let group = Arc::new(Group::default());
    let access = Access(group.clone());
    let store = listed_store(vec![listed("bert", "InProgress", t(10))]).await;
    let stream = stream_at(t(20));

    let failed = training_event(
        "e-2",
        ACCOUNT,
        "bert",
        "Failed",
        t(30),
        Some("OOM on algo-2"),
    );
    group.write("e-2", t(30), failed.clone());
    let poll = stream
        .poll(&access, &accounts(), &store, &Creators::default(), 90)
        .await;
    assert!(poll.store_error.is_none());
    let kinds: Vec<(EventKind, String, Option<String>)> = poll
        .events
        .iter()
        .map(|e| (e.event, e.name.clone(), e.detail.clone()))
        .collect();
    assert_eq!(
        kinds,
        vec![(
            EventKind::JobFailed,
            "bert".to_string(),
            Some("OOM on algo-2".to_string())
        )]
    );
    let (changed, rows) = &poll.scopes[0];
    assert_eq!(changed, &scope());
    assert_eq!(rows.len(), 1);
    let row = &rows[0];
    assert_eq!(row.status.as_str(), "Failed");
    assert_eq!(row.failure_reason.as_deref(), Some("OOM on algo-2"));
    assert_eq!(row.ended_at, Some(t(30)));
    assert_eq!(row.streamed_at, Some(t(30)));
    assert_eq!(
        row.tags,
        team_tags(),
        "an event's empty Tags leaves the listed tags"
    );
    let cached = store
        .run(|cache| cache.load_scope(&scope()).expect("reads"))
        .await
        .expect("store answers")
        .expect("the scope is cached");
    assert_eq!(cached.0, t(1), "the scope keeps its listing's age");
    assert_eq!(cached.1, *rows, "the cache holds what the UI got");

    // Delivered again (same id), and a late InProgress from before the failure.
    group.write("e-2", t(30), failed);
    let late = training_event("e-1", ACCOUNT, "bert", "InProgress", t(25), None);
    group.write("e-1", t(25), late);
    let poll = stream
        .poll(&access, &accounts(), &store, &Creators::default(), 90)
        .await;
    assert!(poll.events.is_empty(), "{:?}", poll.events);
    assert!(poll.scopes.is_empty(), "nothing changed");
    let cached = store
        .run(|cache| cache.load_scope(&scope()).expect("reads"))
        .await
        .expect("store answers")
        .expect("cached");
    assert_eq!(cached.1[0].status.as_str(), "Failed", "never moved back");
    assert_eq!(stream.health().applied, 1);
    assert_eq!(stream.health().skipped, 0);
}

#[tokio::test]
async fn a_listing_that_read_before_the_event_keeps_the_event_and_announces_nothing_again() {
    let group = Arc::new(Group::default());
    let access = Access(group.clone());
    let store = listed_store(vec![listed("bert", "InProgress", t(10))]).await;
    let stream = stream_at(t(20));
    group.write(
        "e-1",
        t(30),
        training_event("e-1", ACCOUNT, "bert", "Failed", t(30), Some("OOM")),
    );
    let poll = stream
        .poll(&access, &accounts(), &store, &Creators::default(), 90)
        .await;
    assert_eq!(poll.events.len(), 1);

    // A listing that read the job before it failed commits after the event.
    let mut rows = vec![listed("bert", "InProgress", t(10))];
    stream.keep_newer(&mut rows);
    assert_eq!(rows[0].status.as_str(), "Failed");
    assert_eq!(rows[0].failure_reason.as_deref(), Some("OOM"));
    let observation = listing(t(40), &rows);
    let events = crate::refresh::record(&store, observation, 90)
        .await
        .expect("recorded");
    assert!(events.is_empty(), "the stream already said it: {events:?}");
    stream.after_listing(&rows, &events, true);
    assert_eq!(stream.health().missed, 0);

    // A listing that read it after it failed is no news either, and lets the mark go.
    let mut newer = vec![Job {
        failure_reason: Some("OOM".into()),
        ..listed("bert", "Failed", t(31))
    }];
    stream.keep_newer(&mut newer);
    assert_eq!(
        newer[0].last_modified_at,
        Some(t(31)),
        "the listing is newer"
    );
    stream.after_listing(&newer, &[], true);
    assert!(lock(&stream.marks).is_empty());
}

#[tokio::test]
async fn a_resource_not_listed_yet_is_inserted_and_its_failure_alerts() {
    let group = Arc::new(Group::default());
    let access = Access(group.clone());
    let store = listed_store(vec![listed("bert", "InProgress", t(10))]).await;
    let stream = stream_at(t(20));
    group.write(
        "e-9",
        t(35),
        training_event("e-9", ACCOUNT, "quick", "Failed", t(35), Some("bad image")),
    );
    let poll = stream
        .poll(&access, &accounts(), &store, &Creators::default(), 90)
        .await;
    let rows = &poll.scopes[0].1;
    let names: Vec<&str> = rows.iter().map(|r| r.name.as_str()).collect();
    assert_eq!(names, vec!["bert", "quick"]);
    assert_eq!(rows[1].instance_count, Some(2));
    assert_eq!(poll.events.len(), 1);
    assert_eq!(poll.events[0].event, EventKind::JobFailed);
}

#[tokio::test]
async fn bad_events_and_other_accounts_are_skipped_and_counted_and_the_rest_lands() {
    let group = Arc::new(Group::default());
    let access = Access(group.clone());
    let store = listed_store(vec![listed("bert", "InProgress", t(10))]).await;
    let stream = stream_at(t(20));
    group.write("x-1", t(21), "{not json".into());
    group.write(
        "x-2",
        t(22),
        training_event("x-2", "999999999999", "theirs", "Failed", t(22), Some("x")),
    );
    group.write(
        "x-3",
        t(23),
        serde_json::json!({"id": "x-3", "source": "aws.sagemaker", "detail-type": "Something New",
            "account": ACCOUNT, "region": "us-east-1", "time": t(23).to_rfc3339(), "detail": {}})
        .to_string(),
    );
    group.write(
        "x-4",
        t(24),
        training_event("x-4", ACCOUNT, "bert", "Stopping", t(24), None),
    );
    let poll = stream
        .poll(&access, &accounts(), &store, &Creators::default(), 90)
        .await;
    assert_eq!(
        poll.health.skipped, 3,
        "malformed, unknown type, foreign account"
    );
    assert_eq!(poll.health.applied, 1);
    assert_eq!(poll.scopes[0].1[0].status.as_str(), "Stopping");
    assert_eq!(
        *group.reads.lock().unwrap_or_else(|e| e.into_inner()),
        2,
        "two pages"
    );
}

#[tokio::test]
async fn a_refused_read_takes_the_stream_down_with_the_reason_and_a_good_one_brings_it_back() {
    let group = Arc::new(Group::default());
    let access = Access(group.clone());
    let store = listed_store(Vec::new()).await;
    let stream = stream_at(Utc::now());
    *group.refuse.lock().unwrap_or_else(|e| e.into_inner()) = Some(LogsError::AccessDenied {
        operation: "FilterLogEvents",
        message: "not authorized".into(),
    });
    let poll = stream
        .poll(&access, &accounts(), &store, &Creators::default(), 90)
        .await;
    assert!(!stream.is_live(Utc::now()));
    let line = poll.health.line(Utc::now(), stream.stale_after(), None);
    assert!(
        line.starts_with("stream: down (access denied to logs:FilterLogEvents"),
        "{line}"
    );
    assert!(line.ends_with("), polling"), "{line}");

    *group.refuse.lock().unwrap_or_else(|e| e.into_inner()) = None;
    stream
        .poll(&access, &accounts(), &store, &Creators::default(), 90)
        .await;
    assert!(stream.is_live(Utc::now()));
}

#[tokio::test]
async fn a_second_process_on_the_same_cache_shows_the_change_but_does_not_announce_it_again() {
    let group = Arc::new(Group::default());
    let access = Access(group.clone());
    let store = listed_store(vec![listed("bert", "InProgress", t(10))]).await;
    // `watch` and the terminal UI: two streams over one cache, each with its own reader.
    let (watch, ui) = (stream_at(t(20)), stream_at(t(20)));
    group.write(
        "e-1",
        t(30),
        training_event("e-1", ACCOUNT, "bert", "Failed", t(30), Some("OOM")),
    );
    let first = watch
        .poll(&access, &accounts(), &store, &Creators::default(), 90)
        .await;
    assert_eq!(first.events.len(), 1);
    let second = ui
        .poll(&access, &accounts(), &store, &Creators::default(), 90)
        .await;
    assert!(second.events.is_empty(), "announced once across processes");
    let rows = &second.scopes.first().expect("the scope is shown").1;
    assert_eq!(rows[0].status.as_str(), "Failed");
}

#[test]
fn a_change_only_the_reconcile_found_is_counted_missed_while_the_stream_was_live() {
    let stream = stream_at(t(0));
    let job = Job {
        failure_reason: Some("OOM".into()),
        ..listed("bert", "Failed", t(30))
    };
    let failed = Event::about(
        &job,
        t(40),
        EventKind::JobFailed,
        "Failed".into(),
        Some("InProgress".into()),
        None,
    );
    let mut app = listed("studio", "InService", t(30));
    app.kind = ResourceKind::App;
    let app_changed = Event::about(
        &app,
        t(40),
        EventKind::StatusChanged,
        "InService".into(),
        Some("Pending".into()),
        None,
    );
    let idle = Event::about(
        &job,
        t(40),
        EventKind::EndpointIdle,
        "Failed".into(),
        None,
        None,
    );
    let events = [failed, app_changed, idle];
    stream.after_listing(std::slice::from_ref(&job), &events, false);
    assert_eq!(
        stream.health().missed,
        0,
        "the stream was not live all along"
    );
    stream.after_listing(&[job], &events, true);
    assert_eq!(
        stream.health().missed,
        1,
        "the failure only: apps send no events, a flag is no state change"
    );
}

#[tokio::test(start_paused = true)]
async fn a_read_that_hangs_takes_the_stream_down_after_stale_seconds() {
    let group = Arc::new(Group::default());
    let access = Access(group.clone());
    let store = listed_store(Vec::new()).await;
    let stream = stream_at(Utc::now());
    *group.hang.lock().unwrap_or_else(|e| e.into_inner()) = true;
    let poll = stream
        .poll(&access, &accounts(), &store, &Creators::default(), 90)
        .await;
    assert_eq!(
        poll.health.error.as_deref(),
        Some("no answer within 60 s"),
        "{:?}",
        poll.health
    );
    assert!(!stream.is_live(Utc::now()));
}

#[test]
fn a_reason_goes_with_its_state_and_a_repeated_failure_without_one_keeps_it() {
    let mut row = Job {
        failure_reason: Some("OOM".into()),
        ..listed("bert", "Failed", t(30))
    };
    let decoded = |message: String| match sagescope_core::stream::decode(&message) {
        Ok(Decoded::Change(change)) => change,
        other => panic!("{other:?}"),
    };
    let again = decoded(training_event(
        "e-1",
        ACCOUNT,
        "bert",
        "Failed",
        t(31),
        None,
    ));
    assert_eq!(merge::apply(&mut row, &again), merge::Merge::Applied);
    assert_eq!(row.failure_reason.as_deref(), Some("OOM"), "kept");

    let mut endpoint = Job {
        kind: ResourceKind::Endpoint,
        failure_reason: Some("capacity".into()),
        ..listed("serve", "Failed", t(30))
    };
    let back = StreamChange {
        kind: ResourceKind::Endpoint,
        name: "serve".into(),
        arn: None,
        status: JobStatus::new("InService"),
        failure_reason: None,
        last_modified_at: Some(t(40)),
        ..again
    };
    assert_eq!(merge::apply(&mut endpoint, &back), merge::Merge::Applied);
    assert_eq!(endpoint.status.as_str(), "InService");
    assert_eq!(endpoint.failure_reason, None, "back in service: no reason");
}
