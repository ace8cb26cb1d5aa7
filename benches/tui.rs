//! How the terminal UI copes with 100,000 jobs: one full frame of the Jobs pane, one filter
//! keystroke (both the narrowing kind, typing a letter, and the widening kind, deleting one),
//! a refresh merging 100,000 fresh rows, a page down with its frame, and the live-burn work:
//! a metrics refresh arriving (every running row's rate and flags judged again) and `f`
//! (flagged rows only).
//!
//! Run: `cargo bench --bench tui -- --warm-up-time 1 --measurement-time 3`

// Test code: a failed expectation panics, which is what a test is for.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use chrono::FixedOffset;
use criterion::{BatchSize, Criterion, criterion_group, criterion_main};
use ratatui::Terminal;
use ratatui::backend::TestBackend;
use sagescope::action::{Action, UserAction};
use sagescope::app::{App, AppInit, Mode};
use sagescope::config::Config;
use sagescope::source::RefreshOutcome;

#[path = "support/big_world.rs"]
mod big_world;

use big_world::{ROWS, anchor, big_snapshot};

fn big_app() -> App {
    let snapshot = big_snapshot();
    let config = sagescope::demo::config(&Config::default());
    let utc = FixedOffset::east_opt(0).expect("valid offset");
    let mut app = App::new(AppInit::from_config(&config, Mode::Demo, anchor(), utc));
    let _ = app.update(Action::RefreshDone(RefreshOutcome::from_snapshot(snapshot)));
    let _ = app.update(Action::Resize {
        width: 120,
        height: 40,
    });
    app
}

fn frame(terminal: &mut Terminal<TestBackend>, app: &App) {
    terminal
        .draw(|f| sagescope::ui::render(f, app))
        .expect("draws");
}

fn benches(c: &mut Criterion) {
    let app = big_app();
    assert_eq!(app.jobs.list.visible_len(), ROWS);
    let mut terminal = Terminal::new(TestBackend::new(120, 40)).expect("test terminal");

    c.bench_function("jobs pane frame, 100k rows, 120x40", |b| {
        b.iter(|| frame(&mut terminal, &app));
    });

    // A letter typed into an empty filter: every row's search text is tested once.
    let mut typing = app.clone();
    let _ = typing.update(Action::User(UserAction::StartFilter));
    c.bench_function("filter keystroke (narrowing), 100k rows", |b| {
        b.iter_batched_ref(
            || typing.clone(),
            |app| app.update(Action::InsertChar('7')),
            BatchSize::LargeInput,
        );
    });

    // Deleting the last letter widens the filter: the shown rows are rebuilt from all 100k.
    let mut deleting = typing.clone();
    for c in "rain-2".chars() {
        let _ = deleting.update(Action::InsertChar(c));
    }
    c.bench_function("filter keystroke (widening), 100k rows", |b| {
        b.iter_batched_ref(
            || deleting.clone(),
            |app| app.update(Action::User(UserAction::InputBackspace)),
            BatchSize::LargeInput,
        );
    });

    // A refresh landing: search texts rebuilt, rows sorted, filter and cursor restored.
    let fresh = RefreshOutcome::from_snapshot(big_snapshot());
    c.bench_function("refresh merge, 100k rows", |b| {
        b.iter_batched_ref(
            || (app.clone(), fresh.clone()),
            |(app, fresh)| app.update(Action::RefreshDone(std::mem::take(fresh))),
            BatchSize::LargeInput,
        );
    });

    let mut moving = app.clone();
    c.bench_function("page down + frame, 100k rows", |b| {
        b.iter(|| {
            let _ = moving.update(Action::User(UserAction::PageDown));
            frame(&mut terminal, &moving);
        });
    });

    // Series for the running resources among the first 5,000 rows (an hour of one-minute
    // points each): what a large metrics refresh hands the UI.
    let rows = app.jobs.list.rows();
    let metrics = sagescope::metrics::demo::synthesize(&rows[..5000], anchor());
    let view = sagescope::model::View::new(anchor(), metrics, Vec::new());
    c.bench_function("metrics arrive (flags judged again), 100k rows", |b| {
        b.iter_batched_ref(
            || (app.clone(), view.clone()),
            |(app, view)| {
                app.update(Action::RefreshDone(RefreshOutcome {
                    metrics: Some(std::mem::replace(
                        view,
                        sagescope::model::View::new(anchor(), Vec::new(), Vec::new()),
                    )),
                    ..RefreshOutcome::default()
                }))
            },
            BatchSize::LargeInput,
        );
    });

    let mut flagged = app.clone();
    c.bench_function("f (flagged only, and back) + frame, 100k rows", |b| {
        b.iter(|| {
            let _ = flagged.update(Action::User(UserAction::ToggleFlagged));
            frame(&mut terminal, &flagged);
        });
    });
}

criterion_group!(tui, benches);
criterion_main!(tui);
