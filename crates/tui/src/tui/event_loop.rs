//! The event loop: owns the App, turns terminal events, ticks, signals and refresh results into
//! Actions, carries out the Commands (every one, through [`settle`]), and draws after each
//! change.

use std::collections::VecDeque;
use std::sync::Arc;
use std::time::Duration;

use chrono::Utc;
use crossterm::event::{Event, EventStream, KeyCode, KeyEvent, KeyModifiers};
use futures::StreamExt;
use ratatui::Terminal;
use ratatui::backend::Backend;
use tokio::signal::unix::{SignalKind, signal};
use tokio::sync::mpsc::{Sender, channel, unbounded_channel};

use super::background;
use super::logs::LogTask;
use super::settle::{Flow, Input, settle};
use crate::action::{Action, Command, UserAction};
use crate::app::App;
use crate::keymap::{self, Key, KeyContext};
use crate::ui;
use sagescope_engine::alerts::{Alerts, osc};
use sagescope_engine::source::{RefreshEvent, RefreshKind, RefreshOutcome, SnapshotSource};
use sagescope_engine::spend::{SpendOutcome, SpendRequest, SpendService};

/// How often the clock ticks (ages, spinner).
const TICK: Duration = Duration::from_millis(250);

/// How many results from background work may wait for the UI. A full queue makes the
/// senders wait (a log follow, a spend load, the refresh's forwarder), so a UI that falls
/// behind slows the work feeding it instead of buffering without end; progress notes and
/// alert failures, which cannot wait, are skipped instead.
const ACTION_QUEUE: usize = 1024;

/// What to set going as the loop starts.
pub struct Start {
    /// Reading the cache, done in the background while the first frames are drawn.
    pub cache_load: Option<super::CacheLoad>,
    /// Refresh at once (live mode) rather than at the first tick of the refresh timer.
    pub refresh: bool,
}

/// Runs until the user quits, a terminating signal arrives or the terminal fails.
///
/// The backend is also the terminal's writer: alerts' bell and notification sequences go
/// through it, between frames, so they never interleave with a frame being drawn.
pub async fn run<B: Backend + std::io::Write>(
    terminal: &mut Terminal<B>,
    app: &mut App,
    start: Start,
    source: Option<Arc<dyn SnapshotSource>>,
    refresh_every: Option<Duration>,
    spend: Option<Arc<SpendService>>,
    alerts: Alerts,
) -> anyhow::Result<()>
where
    B::Error: Send + Sync + 'static,
{
    let (tx, mut rx) = channel::<Action>(ACTION_QUEUE);
    let mut events = EventStream::new();
    let mut tick = tokio::time::interval(TICK);
    tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Skip);
    let period = refresh_every.unwrap_or(Duration::from_secs(3600));
    let mut refresh_timer = tokio::time::interval_at(tokio::time::Instant::now() + period, period);
    refresh_timer.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    let mut sigterm = signal(SignalKind::terminate())?;
    let mut sighup = signal(SignalKind::hangup())?;
    let mut sigint = signal(SignalKind::interrupt())?;

    let size = terminal.size()?;
    let mut pending = VecDeque::from([Input::Action(Action::Resize {
        width: size.width,
        height: size.height,
    })]);
    if let Some(load) = start.cache_load {
        // The first frame is drawn while the cache is decoded.
        spawn_cache_read(load, tx.clone());
    }
    if start.refresh {
        pending.push_back(Input::Action(Action::RefreshDue));
    }
    if let Some(service) = &spend {
        let (service, tx) = (service.clone(), tx.clone());
        tokio::spawn(async move {
            let ledger = service.ledger(Utc::now()).await;
            let _ = tx.send(Action::SpendLedger(ledger)).await;
        });
    }
    if let Some(source) = &source {
        spawn_stream(source.as_ref(), tx.clone());
    }
    let logs = source.as_ref().and_then(|s| s.logs());
    // Dropped on the way out, which aborts a log read still running.
    let mut log_task = LogTask::default();
    let mut outbox = String::new();
    loop {
        let flow = settle(app, &mut pending, |command| {
            let background = Background {
                source: source.as_deref(),
                logs: logs.as_ref(),
                tx: &tx,
            };
            match command {
                Command::Alert(events) => {
                    alert(&alerts, &events, &mut outbox, &tx);
                    None
                }
                // Written with the alerts, between frames. The App has already shown the
                // link, so a terminal that ignores OSC 52 still leaves something to select.
                Command::CopyToClipboard { text } => {
                    outbox.push_str(&super::clipboard::osc52(&text));
                    None
                }
                Command::LoadSpend(request) => match &spend {
                    Some(service) => {
                        spawn_spend(
                            service.clone(),
                            request,
                            tx.clone(),
                            alerts.retention_days(),
                        );
                        None
                    }
                    None => carry_out(Command::LoadSpend(request), &background, &mut log_task),
                },
                command => carry_out(command, &background, &mut log_task),
            }
        });
        if flow == Flow::Quit {
            return Ok(());
        }
        if !outbox.is_empty() {
            let backend = terminal.backend_mut();
            std::io::Write::write_all(backend, outbox.as_bytes())?;
            std::io::Write::flush(backend)?;
            outbox.clear();
        }
        let area = terminal.size()?;
        let area = ratatui::layout::Rect::new(0, 0, area.width, area.height);
        app.overlay_scroll_max = ui::overlay_scroll_max(app, area);
        terminal.draw(|frame| ui::render(frame, app))?;

        let input = tokio::select! {
            event = events.next() => match event {
                Some(Ok(event)) => {
                    // Alt-x is Esc then x: two inputs, the second resolved after the first.
                    let (escape, event) = split_alt(event);
                    pending.extend(escape.map(Input::Event));
                    Input::Event(event)
                }
                Some(Err(err)) => return Err(err.into()),
                None => return Ok(()),
            },
            _ = tick.tick() => Input::Action(Action::Tick(Utc::now())),
            Some(action) = rx.recv() => Input::Action(action),
            _ = refresh_timer.tick(), if refresh_every.is_some() => Input::Action(Action::RefreshDue),
            _ = sigterm.recv() => Input::Action(Action::User(UserAction::Quit)),
            _ = sighup.recv() => Input::Action(Action::User(UserAction::Quit)),
            _ = sigint.recv() => Input::Action(Action::User(UserAction::Quit)),
        };
        pending.push_back(input);
    }
}

/// What background work is done with, and where it reports.
#[derive(Clone, Copy)]
struct Background<'a> {
    source: Option<&'a dyn SnapshotSource>,
    logs: Option<&'a Arc<dyn sagescope_engine::logs::LogAccess>>,
    tx: &'a Sender<Action>,
}

/// Carries out one Command: background work is spawned and reports back on `tx`; work that
/// cannot start is answered at once with the Action saying so, which [`settle`] feeds back
/// to the App. `Quit` never gets here: `settle` stops at it.
fn carry_out(command: Command, with: &Background<'_>, log_task: &mut LogTask) -> Option<Action> {
    let Background { source, logs, tx } = *with;
    match command {
        Command::Quit => None,
        Command::Refresh(kind) => match source {
            Some(source) => {
                spawn_refresh(source, kind, tx.clone());
                None
            }
            None => Some(Action::RefreshDone(RefreshOutcome::failed(
                "there is no data source to refresh from",
            ))),
        },
        // With a spend service the event loop starts the load itself (see `spawn_spend`).
        Command::LoadSpend(request) => Some(Action::SpendLoaded(Box::new(SpendOutcome::failed(
            request,
            "spend is not available: no cache location is known (set [cache] path)",
        )))),
        Command::Prioritize { arn } => {
            if let Some(source) = source {
                source.prioritize(&arn);
            }
            None
        }
        // The event loop writes these itself, between frames (see `run`).
        Command::Alert(_) | Command::CopyToClipboard { .. } => None,
        Command::WriteFixScript { script, resources } => {
            // A small file: written here, then the App says where.
            let written = super::fix_file::write(&script, Utc::now());
            Some(Action::FixScriptWritten { resources, written })
        }
        Command::ReadLogs(request) => match logs {
            Some(access) => {
                log_task.start(access.clone(), request, tx.clone());
                None
            }
            None => Some(Action::LogLines {
                read: request.read,
                lines: Err(
                    "logs are not available: there is no AWS source to read them from".into(),
                ),
            }),
        },
        Command::StopLogs => {
            log_task.stop();
            None
        }
        Command::ReleaseFreeMemory => {
            crate::memory::release_free_memory();
            None
        }
    }
}

/// What alerting events do besides their toast, per `[alerts]`: the bell and the terminal
/// notification (queued in `outbox`, made safe by [`osc`]), and the command on a task of its
/// own, whose first failure comes back as an Action.
fn alert(
    alerts: &Alerts,
    events: &[sagescope_core::model::Event],
    outbox: &mut String,
    tx: &Sender<Action>,
) {
    for event in events {
        if alerts.config().bell {
            outbox.push_str(osc::BELL);
        }
        if alerts.config().notify {
            let title = format!("sagescope: {}", sagescope_engine::alerts::title(event));
            outbox.push_str(&osc::notification(
                &title,
                &sagescope_engine::alerts::body(event),
            ));
        }
        let tx = tx.clone();
        let _ = alerts.spawn_command(event, move |message| {
            // Said without waiting: a UI this far behind has its error history to read.
            if tx.try_send(Action::AlertFailed(message)).is_err() {
                tracing::warn!(
                    "an alert command failed while the UI was {ACTION_QUEUE} actions behind"
                );
            }
        });
    }
}

/// What a terminal event means to the App, if anything.
pub fn to_action(app: &App, event: &Event) -> Option<Action> {
    match event {
        Event::Key(event) => {
            let key = Key::from_event(event)?;
            let context = app.key_context();
            match keymap::resolve(context, key) {
                Some(user) => Some(Action::User(user)),
                None => match key.code {
                    KeyCode::Char(c) if context == KeyContext::Input && !key.ctrl => {
                        Some(Action::InsertChar(c))
                    }
                    _ => None,
                },
            }
        }
        Event::Resize(width, height) => Some(Action::Resize {
            width: *width,
            height: *height,
        }),
        _ => None,
    }
}

/// Terminals send Alt-x as ESC x, and an Esc quickly followed by a key arrives the same way
/// (crossterm then reports Alt-x). sagescope binds nothing to Alt, so such a key is an Esc
/// followed by the key: typing `/foo`, Esc, `2` clears the filter and shows the Spend pane.
fn split_alt(event: Event) -> (Option<Event>, Event) {
    match event {
        Event::Key(mut key)
            if key.modifiers.contains(KeyModifiers::ALT)
                && matches!(key.code, KeyCode::Char(_)) =>
        {
            key.modifiers.remove(KeyModifiers::ALT);
            let escape = KeyEvent::new_with_kind(KeyCode::Esc, KeyModifiers::NONE, key.kind);
            (Some(Event::Key(escape)), Event::Key(key))
        }
        other => (None, other),
    }
}

/// Runs one spend load in the background; its notes and outcome come back as Actions. A
/// month outlook's budgets are recorded against the last ones seen: a forecast that went over
/// since comes back as a `budget_forecast_crossed` event.
fn spawn_spend(
    service: Arc<SpendService>,
    request: SpendRequest,
    tx: Sender<Action>,
    retention_days: u32,
) {
    let notes_tx = tx.clone();
    let echo = request.clone();
    let store = service.store().clone();
    let load = tokio::spawn(async move {
        let notes = move |note: String| {
            // A progress note: when the UI is behind (or gone) it is skipped, the next one
            // says where the load is.
            let _ = notes_tx.try_send(Action::SpendNote(note));
        };
        service.load(request, Utc::now(), &notes).await
    });
    tokio::spawn(async move {
        let outcome = load.await.unwrap_or_else(|err| {
            SpendOutcome::failed(echo, background::failure("the spend load", err))
        });
        let budgets = outcome
            .outlook
            .as_ref()
            .map(|o| o.budgets.clone())
            .filter(|b| !b.is_empty());
        let _ = tx.send(Action::SpendLoaded(Box::new(outcome))).await;
        if let Some(budgets) = budgets {
            match sagescope_engine::refresh::record_budgets(&store, &budgets, retention_days).await
            {
                Ok(events) if !events.is_empty() => {
                    let _ = tx.send(Action::Events(events)).await;
                }
                Ok(_) => {}
                Err(err) => tracing::warn!("cannot record the budgets' events: {err}"),
            }
        }
    });
}

/// Reads the cache on a blocking thread; the App gets what was read, or an error if the read
/// panicked, as one Action.
fn spawn_cache_read(load: super::CacheLoad, tx: Sender<Action>) {
    tokio::task::spawn_blocking(move || {
        let head_tx = tx.clone();
        let on_head = move |head: sagescope_engine::cache::Head| {
            let _ = head_tx.blocking_send(Action::CacheHead(Box::new(head)));
        };
        let read = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| load(&on_head)))
            .unwrap_or_else(|_| sagescope_engine::source::CacheRead {
                errors: vec!["cache: reading it failed (a bug; the log has the panic)".into()],
                empty_note: Some("The cache could not be read; the error history says why.".into()),
                ..sagescope_engine::source::CacheRead::default()
            });
        // Decoding freed as much as it kept (SQLite's copies of the JSON, each scope's
        // vector): hand it back now, before the App builds its panes on top of it.
        crate::memory::release_free_memory();
        let _ = tx.blocking_send(Action::CacheRead(Box::new(read)));
    });
}

/// Reads the source's event stream in the background, when it has one, for as long as the UI
/// runs; each read comes back as an Action.
fn spawn_stream(source: &dyn SnapshotSource, tx: Sender<Action>) {
    let (updates_tx, mut updates) = unbounded_channel();
    let Some(stream) = source.stream(updates_tx) else {
        return;
    };
    tokio::spawn(stream);
    tokio::spawn(async move {
        while let Some(update) = updates.recv().await {
            if tx.send(Action::Stream(Box::new(update))).await.is_err() {
                break;
            }
        }
    });
}

/// Runs one refresh in the background; progress and the outcome come back as Actions.
fn spawn_refresh(source: &dyn SnapshotSource, kind: RefreshKind, tx: Sender<Action>) {
    // Unbounded on purpose: the fetcher reports from synchronous code and cannot wait. What
    // it holds is bounded by the refresh itself (one `Rows` per scope and the progress lines),
    // and the forwarder below waits on the UI's bounded queue.
    let (progress_tx, mut progress_rx) = unbounded_channel();
    let refresh = tokio::spawn(source.refresh(kind, progress_tx));
    let progress_out = tx.clone();
    tokio::spawn(async move {
        while let Some(event) = progress_rx.recv().await {
            let action = match event {
                RefreshEvent::Progress(progress) => Action::RefreshProgress(progress),
                RefreshEvent::Rows { scope, rows } => Action::ScopeRows { scope, rows },
            };
            if progress_out.send(action).await.is_err() {
                break;
            }
        }
    });
    tokio::spawn(async move {
        let outcome = refresh
            .await
            .unwrap_or_else(|err| RefreshOutcome::failed(background::failure("the refresh", err)));
        // The UI may be gone already; nothing to tell then.
        let _ = tx.send(Action::RefreshDone(outcome)).await;
    });
}

#[cfg(test)]
mod tests {
    use chrono::{FixedOffset, TimeZone};
    use futures::future::BoxFuture;

    use super::*;
    use crate::app::{AppInit, Mode};
    use sagescope_core::config::Config;
    use sagescope_engine::source::RefreshEvent;
    use sagescope_engine::spend::{
        CostAccess, CostError, CostPage, Forecast, RangePreset, SpendQuery, Target,
    };

    /// A data source whose refresh panics, as a bug in the fetcher would.
    struct PanickingSource;

    impl SnapshotSource for PanickingSource {
        fn refresh(
            &self,
            _kind: RefreshKind,
            _progress: tokio::sync::mpsc::UnboundedSender<RefreshEvent>,
        ) -> BoxFuture<'static, RefreshOutcome> {
            Box::pin(async { panic!("the fetcher fell over") })
        }
    }

    /// Cost Explorer whose client panics.
    struct PanickingCost;

    impl sagescope_engine::spend::CostSource for PanickingCost {
        fn cost_and_usage<'a>(
            &'a self,
            _query: &'a SpendQuery,
            _next_token: Option<String>,
        ) -> BoxFuture<'a, Result<CostPage, CostError>> {
            Box::pin(async { panic!("cost page out of range") })
        }

        fn forecast<'a>(
            &'a self,
            _query: &'a SpendQuery,
            _start: chrono::NaiveDate,
            _end: chrono::NaiveDate,
        ) -> BoxFuture<'a, Result<Forecast, CostError>> {
            Box::pin(async { panic!("cost page out of range") })
        }
    }

    fn app() -> App {
        let config = sagescope_core::demo::config(&Config::default());
        let now = Utc
            .with_ymd_and_hms(2026, 11, 20, 14, 2, 0)
            .single()
            .expect("valid time");
        let utc = FixedOffset::east_opt(0).expect("valid offset");
        App::new(AppInit::from_config(&config, Mode::Demo, now, utc))
    }

    /// The first Action `rx` brings that `pick` accepts.
    async fn first<T>(
        rx: &mut tokio::sync::mpsc::Receiver<Action>,
        pick: impl Fn(Action) -> Option<T>,
    ) -> T {
        loop {
            let action = rx.recv().await.expect("the task reports back");
            if let Some(found) = pick(action) {
                return found;
            }
        }
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn the_cache_head_reaches_the_app_before_the_whole_read() {
        let head = sagescope_engine::cache::Head {
            as_of: chrono::Utc::now(),
            total: 100_000,
            rows: Vec::new(),
        };
        let sent = head.clone();
        let load: super::super::CacheLoad = Box::new(move |on_head| {
            on_head(sent);
            sagescope_engine::source::CacheRead::default()
        });
        let (tx, mut rx) = channel(ACTION_QUEUE);
        spawn_cache_read(load, tx);
        let mut order = Vec::new();
        while let Some(action) = rx.recv().await {
            match action {
                Action::CacheHead(got) => {
                    assert_eq!(*got, head);
                    order.push("head");
                }
                Action::CacheRead(_) => {
                    order.push("read");
                    break;
                }
                _ => {}
            }
        }
        assert_eq!(order, ["head", "read"]);
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn the_cache_is_read_off_the_ui_thread_and_a_panic_there_is_an_error() {
        let (reading, read) = std::sync::mpsc::channel::<()>();
        // The read waits until the test says so: starting it must not wait with it.
        let load: super::super::CacheLoad = Box::new(move |_| {
            let _ = read.recv();
            panic!("the cache decoder fell over")
        });
        let (tx, mut rx) = channel(ACTION_QUEUE);
        spawn_cache_read(load, tx);
        assert!(
            rx.try_recv().is_err(),
            "nothing yet: the read is still waiting"
        );
        let _ = reading.send(());
        let read = first(&mut rx, |action| match action {
            Action::CacheRead(read) => Some(read),
            _ => None,
        })
        .await;
        let mut app = app();
        app.take_cache_read(*read);
        assert_eq!(
            app.errors.latest().map(|e| e.text.as_str()),
            Some("cache: reading it failed (a bug; the log has the panic)")
        );
        assert_eq!(
            app.empty_note.as_deref(),
            Some("The cache could not be read; the error history says why.")
        );
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn a_panicking_refresh_is_an_error_in_the_history_not_the_end() {
        let (tx, mut rx) = channel(ACTION_QUEUE);
        spawn_refresh(&PanickingSource, RefreshKind::Manual, tx);
        let outcome = first(&mut rx, |action| match action {
            Action::RefreshDone(outcome) => Some(outcome),
            _ => None,
        })
        .await;
        let mut app = app();
        let _ = app.update(Action::User(UserAction::Refresh));
        let _ = app.update(Action::RefreshDone(outcome));
        assert!(app.refreshing.is_none());
        let latest = app.errors.latest().expect("an error");
        assert_eq!(
            latest.text,
            "the refresh stopped unexpectedly: it panicked: the fetcher fell over"
        );
        assert_eq!(app.errors_from_last_refresh, 1, "shown as current");
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn a_panicking_spend_load_is_an_error_in_the_history() {
        let config = Config::default();
        let service = SpendService::new(
            &config,
            sagescope_engine::store::Store::in_memory().expect("store"),
            CostAccess::Ready {
                source: Arc::new(PanickingCost),
                caller_id: None,
            },
        );
        let today = chrono::NaiveDate::from_ymd_opt(2026, 11, 20).expect("date");
        let request = SpendRequest {
            query: SpendQuery::from_config(&config.spend, "team", RangePreset::Days7, today),
            target: Target::Overview,
            today,
            force: false,
        };
        let (tx, mut rx) = channel(ACTION_QUEUE);
        spawn_spend(Arc::new(service), request.clone(), tx, 90);
        let outcome = first(&mut rx, |action| match action {
            Action::SpendLoaded(outcome) => Some(outcome),
            _ => None,
        })
        .await;
        assert_eq!(outcome.request, request, "the request comes back with it");
        assert_eq!(
            outcome.errors,
            vec!["the spend load stopped unexpectedly: it panicked: cost page out of range"]
        );
    }

    #[tokio::test]
    async fn alerts_ring_and_notify_through_the_outbox_only_when_asked() {
        let world = sagescope_core::demo::world(Utc::now());
        let mut event = sagescope_core::demo::replay(&world, Utc::now(), 0).expect("an alert");
        event.name = "evil\u{1b}]0;pwned\u{7}".into();
        let (tx, _rx) = channel(ACTION_QUEUE);
        let mut config = Config::default();
        let quiet = Alerts::new(&config.alerts, &config.events);
        let mut outbox = String::new();
        alert(&quiet, std::slice::from_ref(&event), &mut outbox, &tx);
        assert!(outbox.is_empty(), "bell and notify are off by default");
        config.alerts.bell = true;
        config.alerts.notify = true;
        let loud = Alerts::new(&config.alerts, &config.events);
        alert(&loud, &[event], &mut outbox, &tx);
        assert!(outbox.starts_with(osc::BELL), "{outbox:?}");
        assert!(outbox.contains("\x1b]9;sagescope: "), "{outbox:?}");
        assert!(outbox.contains("\x1b]777;notify;sagescope: "), "{outbox:?}");
        // The bell, then two OSC strings: nothing from the event's name escapes.
        assert_eq!(outbox.matches('\x1b').count(), 2, "{outbox:?}");
        assert_eq!(outbox.matches('\x07').count(), 3, "{outbox:?}");
    }

    #[test]
    fn alt_keys_are_an_escape_then_the_key() {
        let alt_two = Event::Key(KeyEvent::new(KeyCode::Char('2'), KeyModifiers::ALT));
        let (escape, key) = split_alt(alt_two);
        assert_eq!(
            escape,
            Some(Event::Key(KeyEvent::new(KeyCode::Esc, KeyModifiers::NONE)))
        );
        assert_eq!(
            key,
            Event::Key(KeyEvent::new(KeyCode::Char('2'), KeyModifiers::NONE))
        );
        let plain = Event::Key(KeyEvent::new(KeyCode::Char('2'), KeyModifiers::NONE));
        assert_eq!(split_alt(plain.clone()), (None, plain));
    }
}
