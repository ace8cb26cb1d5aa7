//! Drawing: pure functions from `&App` to a frame, one small file per pane or bar.
//!
//! Layout, top to bottom: the tab bar, the pane (or a detail/help/error view over it), the
//! status bar, and a line that holds key hints or what is being typed after `/` or `:`.

mod accounts;
mod command_line;
mod detail;
mod errors;
mod events;
pub mod format;
mod help;
mod jobs;
mod logs;
mod spend;
mod spend_chart;
mod spend_drill;
mod spend_outlook;
mod status_bar;
mod table;
mod tabs;
pub mod theme;
mod toasts;
mod untagged;

use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::text::Line;
use ratatui::widgets::{Block, Paragraph, Wrap};

use crate::app::{App, Overlay, Pane};

/// Draws the whole screen.
pub fn render(frame: &mut Frame, app: &App) {
    let [tabs_area, main, status, bottom] = layout(frame.area());
    tabs::render(frame, app, tabs_area);
    if let Some(view) = &app.logs {
        logs::render(frame, app, view, main);
        status_bar::render(frame, app, status);
        command_line::render(frame, app, bottom);
        return;
    }
    match app.overlay {
        Some(Overlay::Detail) => detail::render(frame, app, main),
        Some(Overlay::Help) => help::render(frame, app, main),
        Some(Overlay::Errors) => errors::render(frame, app, main),
        Some(Overlay::Accounts) => accounts::render(frame, app, main),
        None => match app.pane {
            Pane::Jobs => jobs::render(frame, app, main),
            Pane::Spend => spend::render(frame, app, main),
            Pane::Untagged => untagged::render(frame, app, main),
            Pane::Events => events::render(frame, app, main),
        },
    }
    toasts::render(frame, app, main);
    status_bar::render(frame, app, status);
    command_line::render(frame, app, bottom);
}

fn layout(area: Rect) -> [Rect; 4] {
    Layout::vertical([
        Constraint::Length(1),
        Constraint::Min(1),
        Constraint::Length(1),
        Constraint::Length(1),
    ])
    .areas(area)
}

/// How far the open overlay can scroll on a screen of `area`, so scrolling stops at the end.
pub fn overlay_scroll_max(app: &App, area: Rect) -> usize {
    let [_, main, _, _] = layout(area);
    let inner = Block::bordered().inner(main);
    let lines = match app.overlay {
        Some(Overlay::Detail) => detail::line_count(app, inner.width),
        Some(Overlay::Help) => help::line_count(inner.width),
        Some(Overlay::Errors) => errors::line_count(app, inner.width),
        // The picker moves a cursor, not a scroll position.
        Some(Overlay::Accounts) | None => 0,
    };
    lines.saturating_sub(usize::from(inner.height))
}

/// A message in the middle of an empty pane (no data, nothing matches the filter).
fn empty_message(frame: &mut Frame, block: Block<'_>, area: Rect, lines: Vec<Line<'_>>) {
    let inner = block.inner(area);
    frame.render_widget(block, area);
    let top = inner.height.saturating_sub(lines.len() as u16) / 2;
    let [_, middle] = Layout::vertical([Constraint::Length(top), Constraint::Min(1)]).areas(inner);
    frame.render_widget(
        Paragraph::new(lines).centered().wrap(Wrap { trim: true }),
        middle,
    );
}

/// The explanation shown when a pane has no rows at all.
fn no_data_lines<'a>(app: &'a App, what: &'a str) -> Vec<Line<'a>> {
    let palette = theme::palette(app.theme);
    match &app.empty_note {
        Some(note) => vec![Line::styled(
            sagescope_core::sanitize::cell(note).into_owned(),
            palette.warning,
        )],
        None if app.refreshing.is_some() => vec![Line::raw(format!("Loading {what}…"))],
        None => vec![Line::raw(format!("No {what} in this snapshot."))],
    }
}

/// The view's filter and toggles, for the pane title: ` · filter "gpu" 12 shown`.
fn filter_note(filter: &str, shown: usize, total: usize) -> String {
    if filter.is_empty() && shown == total {
        String::new()
    } else if filter.is_empty() {
        format!(" · {shown} shown")
    } else {
        format!(
            " · filter \"{}\" {shown} shown",
            format::truncate(&sagescope_core::sanitize::cell(filter), 24)
        )
    }
}
