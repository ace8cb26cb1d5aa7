//! The event stream through `App::update`: its rows replace theirs at once, its failure
//! alerts, its line is on the status bar, and the timer's refreshes wait for the reconcile
//! while it is live.

use chrono::{DateTime, FixedOffset, TimeZone, Utc};

use super::*;
use crate::action::{Action, Command};
use sagescope_core::model::{EventKind, Job, JobStatus, ResourceKind, ScopeKey};
use sagescope_engine::source::StreamUpdate;

fn anchor() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 11, 20, 14, 2, 0)
        .single()
        .expect("valid time")
}

fn live_app() -> App {
    let config = sagescope_core::demo::config(&Config::default());
    let utc = FixedOffset::east_opt(0).expect("valid offset");
    let mut app = App::new(AppInit::from_config(&config, Mode::Live, anchor(), utc));
    app.load_snapshot(sagescope_core::demo::world(anchor()));
    let _ = app.update(Action::Resize {
        width: 120,
        height: 40,
    });
    app
}

/// A running training job of the world, and its scope's rows with it failed by an event.
fn failed_by_event(app: &App) -> (String, ScopeKey, Vec<Job>) {
    let running = app
        .jobs
        .list
        .window(0, usize::MAX)
        .find(|j| j.kind == ResourceKind::Training && j.status.as_str() == "InProgress")
        .expect("the demo runs a training job")
        .clone();
    let scope = ScopeKey::of(&running);
    let rows: Vec<Job> = app
        .jobs
        .list
        .window(0, usize::MAX)
        .filter(|j| scope.holds(j))
        .cloned()
        .map(|mut j| {
            if j.arn == running.arn {
                j.status = JobStatus::new("Failed");
                j.failure_reason = Some("OOM on algo-2".into());
                j.streamed_at = Some(anchor());
            }
            j
        })
        .collect();
    (running.arn, scope, rows)
}

fn live_line() -> String {
    "stream: live, last event 1 s ago · reconcile in 15 min".into()
}

#[test]
fn a_stream_update_shows_its_rows_at_once_and_its_failure_alerts() {
    let mut app = live_app();
    let (arn, scope, rows) = failed_by_event(&app);
    let failed = rows
        .iter()
        .find(|j| j.arn == arn)
        .expect("the changed row")
        .clone();
    let event = sagescope_core::model::Event::about(
        &failed,
        anchor(),
        EventKind::JobFailed,
        "Failed".into(),
        Some("InProgress".into()),
        failed.failure_reason.clone(),
    );
    let commands = app.update(Action::Stream(Box::new(StreamUpdate {
        scopes: vec![(scope, rows)],
        events: vec![event],
        line: live_line(),
        listing_due: false,
        error: None,
        stale_after: std::time::Duration::from_secs(60),
    })));
    assert!(
        matches!(commands.as_slice(), [Command::Alert(alerts)] if alerts.len() == 1),
        "{commands:?}"
    );
    let shown = app
        .jobs
        .list
        .window(0, usize::MAX)
        .find(|j| j.arn == arn)
        .expect("still listed");
    assert_eq!(shown.status.as_str(), "Failed", "shown without waiting");
    assert_eq!(shown.failure_reason.as_deref(), Some("OOM on algo-2"));
    assert_eq!(
        app.stream.as_ref().map(|s| s.line.as_str()),
        Some(live_line().as_str())
    );
}

#[test]
fn while_the_stream_is_live_the_timer_waits_for_the_reconcile_and_a_down_stream_polls() {
    let mut app = live_app();
    assert!(
        matches!(
            app.update(Action::RefreshDue).as_slice(),
            [Command::Refresh(_)]
        ),
        "no stream yet: the timer refreshes"
    );
    let _ = app.update(Action::RefreshDone(Default::default()));
    let update = |line: String, listing_due: bool| {
        Action::Stream(Box::new(StreamUpdate {
            line,
            listing_due,
            stale_after: std::time::Duration::from_secs(60),
            ..StreamUpdate::default()
        }))
    };
    let _ = app.update(update(live_line(), false));
    assert!(
        app.update(Action::RefreshDue).is_empty(),
        "the stream is live"
    );
    let _ = app.update(update(
        "stream: live, last event 1 s ago · reconciling".into(),
        true,
    ));
    assert!(
        matches!(
            app.update(Action::RefreshDue).as_slice(),
            [Command::Refresh(_)]
        ),
        "the reconcile is due"
    );
    let _ = app.update(Action::RefreshDone(Default::default()));
    let _ = app.update(update(
        "stream: down (access denied to logs:FilterLogEvents), polling".into(),
        true,
    ));
    assert!(
        matches!(
            app.update(Action::RefreshDue).as_slice(),
            [Command::Refresh(_)]
        ),
        "down: polling at once"
    );
    let latest = app
        .errors
        .latest()
        .expect("going down is in the error history");
    assert!(latest.text.contains("access denied"), "{}", latest.text);
}

#[test]
fn a_stream_task_that_stops_sending_stops_holding_the_refreshes_back() {
    let mut app = live_app();
    let _ = app.update(Action::Stream(Box::new(StreamUpdate {
        line: live_line(),
        listing_due: false,
        stale_after: std::time::Duration::from_secs(60),
        ..StreamUpdate::default()
    })));
    let _ = app.update(Action::Tick(anchor() + chrono::Duration::seconds(60)));
    assert!(
        app.update(Action::RefreshDue).is_empty(),
        "60 s: still live"
    );
    let _ = app.update(Action::Tick(anchor() + chrono::Duration::seconds(61)));
    assert!(
        matches!(
            app.update(Action::RefreshDue).as_slice(),
            [Command::Refresh(_)]
        ),
        "no word from the stream for longer than stale_seconds: polling"
    );
}
