//! Helpers shared by the terminal UI tests: the demo world at a fixed time, drawn on a
//! `TestBackend`.

#![allow(dead_code)]

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
    app.update(Action::Resize { width, height });
    app.update(Action::Tick(anchor() + chrono::Duration::minutes(3)));
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
        app.update(Action::User(*action));
    }
}
