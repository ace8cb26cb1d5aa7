//! The event stream in the terminal UI against moto: the live source's stream task reads the
//! monitoring account's log group, and the App shows a member account's job failed, with its
//! reason and the source that changed it, as soon as the event is read, without a listing.

use crate::support;

use std::time::Duration;

use sagescope::action::{Action, Command, UserAction};
use sagescope::source::{LiveSource, RefreshKind, SnapshotSource, StreamUpdate};
use support::moto::{DEFAULT_ACCOUNT, moto, role};
use support::tui::{screen, text};

const MEMBER: &str = "210000000042";
const GROUP: &str = "/sagescope/sagemaker-events";
const REASON: &str = "ClientError: Please ensure the training image is in ECR";

#[test]
fn a_failure_the_stream_reads_is_on_screen_with_its_reason_and_no_listing_runs() {
    let mut moto = moto();
    let world = moto.scale_world(&[DEFAULT_ACCOUNT, MEMBER], &["us-east-1"], 80, 0, 3);
    moto.stream_setup(DEFAULT_ACCOUNT, "us-east-1", GROUP);
    let name = world
        .iter()
        .find(|r| r["kind"] == "training" && r["status"] == "InProgress" && r["account"] == MEMBER)
        .and_then(|r| r["name"].as_str())
        .expect("the member account runs a training job")
        .to_string();

    let home = tempfile::tempdir().expect("tempdir");
    let config_path = home.path().join("config.toml");
    std::fs::write(
        &config_path,
        format!(
            "[[accounts]]\nname = \"main\"\nregions = [\"us-east-1\"]\n\n\
             [[accounts]]\nname = \"member\"\nrole_arn = \"{}\"\nregions = [\"us-east-1\"]\n\n\
             [stream]\nlog_group = \"{GROUP}\"\npoll_seconds = 1\n",
            role(MEMBER)
        ),
    )
    .expect("config");
    let mut loaded = sagescope::config::load(Some(&config_path)).expect("valid config");
    loaded.config.aws_override = Some(support::moto::aws_override(&moto));
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .expect("runtime");
    let source = LiveSource::open(
        &loaded.config,
        &home.path().join("cache.db"),
        sagescope::aws::job_fetcher,
    )
    .expect("cache opens");

    let mut app = sagescope::app::App::new(sagescope::app::AppInit::from_config(
        &loaded.config,
        sagescope::app::Mode::Live,
        chrono::Utc::now(),
        support::tui::utc(),
    ));
    let _ = app.update(Action::Resize {
        width: 120,
        height: 40,
    });
    let (tx, _rx) = tokio::sync::mpsc::unbounded_channel();
    let outcome = runtime.block_on(source.refresh(RefreshKind::Auto, tx));
    assert!(outcome.errors.is_empty(), "{:?}", outcome.errors);
    let _ = app.update(Action::RefreshDone(outcome));

    let (updates_tx, mut updates) = tokio::sync::mpsc::unbounded_channel::<StreamUpdate>();
    let task = source
        .stream(updates_tx)
        .expect("a live source with [stream] streams");
    let _guard = runtime.enter();
    let stream = runtime.spawn(task);
    // The first read says the stream is live and no listing is due.
    let first = runtime
        .block_on(async { tokio::time::timeout(Duration::from_secs(60), updates.recv()).await })
        .expect("a read within 60 s")
        .expect("the stream runs");
    assert!(first.line.starts_with("stream: live"), "{}", first.line);
    assert!(!first.listing_due);
    let _ = app.update(Action::Stream(Box::new(first)));
    assert!(
        app.update(Action::RefreshDue).is_empty(),
        "no listing while live"
    );

    moto.requests();
    moto.set_status(
        MEMBER,
        "us-east-1",
        "training",
        &name,
        "Failed",
        Some(REASON),
    );
    let mut alerted = Vec::new();
    let shown = loop {
        let update = runtime
            .block_on(async { tokio::time::timeout(Duration::from_secs(60), updates.recv()).await })
            .expect("the event within 60 s")
            .expect("the stream runs");
        let found = update
            .scopes
            .iter()
            .flat_map(|(_, rows)| rows)
            .any(|r| r.name == name && r.status.as_str() == "Failed");
        alerted.extend(app.update(Action::Stream(Box::new(update))));
        if found {
            break app
                .jobs
                .list
                .window(0, usize::MAX)
                .find(|j| j.name == name)
                .expect("the job is on the Jobs pane")
                .clone();
        }
    };
    stream.abort();
    assert_eq!(shown.status.as_str(), "Failed");
    assert_eq!(shown.failure_reason.as_deref(), Some(REASON));
    assert!(shown.streamed_at.is_some(), "the stream changed it");
    assert!(
        matches!(alerted.as_slice(), [Command::Alert(events)] if events.len() == 1
            && events[0].name == name),
        "one alert: {alerted:?}"
    );
    let requests = moto.requests();
    assert!(
        requests.iter().all(|(_, _, _, op)| op == "FilterLogEvents"),
        "no listing ran: {requests:?}"
    );

    // Its detail says so.
    let _ = app.update(Action::User(UserAction::StartFilter));
    for c in name.chars() {
        let _ = app.update(Action::InsertChar(c));
    }
    let _ = app.update(Action::User(UserAction::InputSubmit));
    let _ = app.update(Action::User(UserAction::OpenDetail));
    let screen = text(&screen(&app, 120, 40));
    assert!(screen.contains("stream event at"), "{screen}");
    assert!(screen.contains("stream: live"), "{screen}");
}
