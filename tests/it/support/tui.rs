//! Helpers shared by the terminal UI tests: the demo world at a fixed time, drawn on a
//! `TestBackend`.

use chrono::{DateTime, FixedOffset, TimeZone, Utc};
use ratatui::Terminal;
use ratatui::backend::TestBackend;
use sagescope::action::{Action, UserAction};
use sagescope::app::{App, AppInit, Mode};
use sagescope::config::Config;

/// The demo world's anchor; "now" in the tests is three minutes later.
pub fn anchor() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 11, 20, 14, 2, 0)
        .single()
        .expect("valid time")
}

pub fn utc() -> FixedOffset {
    FixedOffset::east_opt(0).expect("UTC is a valid offset")
}

/// An App on the demo world, sized and three minutes past the data's time.
pub fn demo_app(width: u16, height: u16) -> App {
    let config = sagescope::demo::config(&Config::default());
    let mut app = App::new(AppInit::from_config(&config, Mode::Demo, anchor(), utc()));
    app.load_snapshot(sagescope::demo::world(anchor()));
    let _ = app.update(Action::Resize { width, height });
    let _ = app.update(Action::Tick(anchor() + chrono::Duration::minutes(3)));
    app
}

pub fn screen(app: &App, width: u16, height: u16) -> Terminal<TestBackend> {
    let mut terminal = Terminal::new(TestBackend::new(width, height)).expect("test terminal");
    terminal
        .draw(|frame| sagescope::ui::render(frame, app))
        .expect("draws");
    terminal
}

/// The screen as plain text, one line per row.
pub fn text(terminal: &Terminal<TestBackend>) -> String {
    let buffer = terminal.backend().buffer();
    let width = usize::from(buffer.area.width);
    buffer
        .content()
        .chunks(width)
        .map(|row| row.iter().map(|c| c.symbol()).collect::<String>())
        .collect::<Vec<_>>()
        .join("\n")
}

pub fn press(app: &mut App, actions: &[UserAction]) {
    for action in actions {
        let _ = app.update(Action::User(*action));
    }
}

/// The demo's Cost Explorer (answers in memory), as the event loop would get it.
pub fn demo_spend() -> std::sync::Arc<sagescope::spend::SpendService> {
    sagescope::source::demo_spend(anchor()).expect("the demo spend service")
}

/// Carries out the Commands the way the event loop does for spend: each load runs on the
/// demo's Cost Explorer and its outcome is fed back (other Commands are dropped).
pub fn settle(
    app: &mut App,
    spend: &sagescope::spend::SpendService,
    mut commands: Vec<sagescope::action::Command>,
) {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("a test runtime");
    while let Some(command) = commands.pop() {
        if let sagescope::action::Command::LoadSpend(request) = command {
            let outcome = runtime.block_on(spend.load(request, app.now, &|_| {}));
            commands.extend(app.update(Action::SpendLoaded(Box::new(outcome))));
        }
    }
}

/// Presses keys, settling every spend load they start.
pub fn press_settled(
    app: &mut App,
    spend: &sagescope::spend::SpendService,
    actions: &[UserAction],
) {
    for action in actions {
        let commands = app.update(Action::User(*action));
        settle(app, spend, commands);
    }
}

/// Writes a whole snapshot to the cache the way a finished live refresh does (every view in
/// one commit), plus its spend view.
pub fn seed_cache(cache: &mut sagescope::cache::Cache, snapshot: &sagescope::model::Snapshot) {
    let tags = sagescope::tags::TagState::default();
    cache
        .save_refresh(&sagescope::cache::RefreshRecord {
            jobs: &snapshot.jobs,
            describes: &Default::default(),
            tags: Some((&tags, &snapshot.findings)),
            metrics: Some(&snapshot.metrics),
        })
        .expect("saves the refresh");
    cache.save_spend(&snapshot.spend).expect("saves the spend");
}

/// Carries out log reads the way the event loop does (streams listed, the newest read once,
/// no follow) on the demo world's logs as of three minutes past the anchor.
pub fn settle_logs(app: &mut App, commands: Vec<sagescope::action::Command>) {
    fn later() -> DateTime<Utc> {
        anchor() + chrono::Duration::minutes(3)
    }
    let logs = sagescope::logs::demo::DemoLogs::new(
        sagescope::demo::world(anchor()).jobs.rows,
        anchor(),
        later,
    );
    let runtime = tokio::runtime::Builder::new_current_thread()
        .build()
        .expect("a test runtime");
    runtime.block_on(settle_logs_with(app, &logs, commands));
}

/// Carries out log reads on `access` as the event loop does: the streams listed (newest
/// first) when the read has no stream yet, then one read from its cursor, each answer fed
/// back to the App.
pub async fn settle_logs_with(
    app: &mut App,
    access: &dyn sagescope::logs::LogAccess,
    commands: Vec<sagescope::action::Command>,
) {
    use sagescope::logs::{Cursor, list_streams, read_new};
    for command in commands {
        let sagescope::action::Command::ReadLogs(request) = command else {
            continue;
        };
        let target = &request.target;
        let group = &target.place.group;
        let source = access
            .logs(&target.account, &target.region)
            .await
            .expect("the account's logs");
        let stream = match &request.stream {
            Some(stream) => stream.clone(),
            None => {
                let (streams, _) = list_streams(source.as_ref(), group, &target.place.prefix)
                    .await
                    .expect("streams");
                let newest = streams.first().expect("a stream").name.clone();
                let _ = app.update(Action::LogStreams {
                    read: request.read,
                    streams: Ok(streams),
                });
                newest
            }
        };
        let cursor = request
            .cursor
            .clone()
            .unwrap_or_else(|| Cursor::new(&[stream], None));
        let batch = read_new(source.as_ref(), group, &cursor)
            .await
            .expect("lines");
        let _ = app.update(Action::LogLines {
            read: request.read,
            lines: Ok(batch),
        });
    }
}

/// The keys of `:accounts`, `/filter`, Enter on the first match.
pub fn choose_accounts(filter: &str) -> Vec<Action> {
    let mut actions = vec![Action::User(UserAction::StartCommand)];
    actions.extend("accounts".chars().map(Action::InsertChar));
    actions.extend([
        Action::User(UserAction::InputSubmit),
        Action::User(UserAction::StartFilter),
    ]);
    actions.extend(filter.chars().map(Action::InsertChar));
    actions.extend([
        Action::User(UserAction::InputSubmit),
        Action::User(UserAction::OpenDetail),
    ]);
    actions
}

/// A live refresh through the config `text` (written to `home`, its cache there too) against
/// `moto`, and an App at 120×40 that took it in, with the source its spend and logs go
/// through.
pub struct Live {
    pub app: App,
    pub source: std::sync::Arc<dyn sagescope::source::SnapshotSource>,
    pub runtime: tokio::runtime::Runtime,
    pub loaded: sagescope::config::LoadedConfig,
}

pub fn live(home: &std::path::Path, moto: &super::moto::Moto, text: &str) -> Live {
    let config_path = home.join("sagescope.toml");
    let cache = home.join("cache.db");
    let text = format!("{text}\n[cache]\npath = \"{}\"\n", cache.display());
    std::fs::write(&config_path, text).expect("config");
    let mut loaded = sagescope::config::load(Some(&config_path)).expect("config loads");
    loaded.config.aws_override = Some(super::moto::aws_override(moto));
    let source = sagescope::source::live_source(
        &loaded.config,
        sagescope::source::open_cache(&cache),
        sagescope::aws::job_fetcher,
    )
    .expect("a live source");
    let runtime = tokio::runtime::Runtime::new().expect("runtime");
    let (events, _progress) = tokio::sync::mpsc::unbounded_channel();
    let outcome = runtime.block_on(source.refresh(sagescope::source::RefreshKind::Manual, events));
    assert!(outcome.errors.is_empty(), "{:?}", outcome.errors);
    let mut app = App::new(AppInit::from_config(
        &loaded.config,
        Mode::Live,
        Utc::now(),
        utc(),
    ));
    let _ = app.update(Action::Resize {
        width: 120,
        height: 40,
    });
    let _ = app.update(Action::RefreshDone(outcome));
    Live {
        app,
        source,
        runtime,
        loaded,
    }
}
