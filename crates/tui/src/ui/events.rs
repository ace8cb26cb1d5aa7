//! The Events pane (`:events`): the timeline of every status change and alert seen, newest
//! first, with the usual `/` filter and `s`/`S` sort.

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::style::Style;
use ratatui::text::{Line, Span};
use ratatui::widgets::Block;

use super::table::{self, ColumnSpec, TableDraw};
use super::theme::{Palette, palette};
use super::{empty_message, filter_note, format};
use crate::app::{App, EventColumn, TimelineRow};
use sagescope_core::model::{Event, EventKind};
use sagescope_core::sanitize;

fn specs(app: &App) -> [ColumnSpec; 8] {
    let account = u16::try_from(app.events.account_width)
        .unwrap_or(16)
        .clamp(7, 16);
    [
        ColumnSpec::new("time", 11, 0),
        ColumnSpec::new("event", 15, 1),
        ColumnSpec::new("account", account, 2),
        ColumnSpec::new("region", 14, 6),
        ColumnSpec::new("kind", 10, 5),
        ColumnSpec::flexible("name", 16, 0),
        ColumnSpec::new("change", 22, 3),
        ColumnSpec::new("detail", 28, 4),
    ]
}

fn spec_index(column: EventColumn) -> usize {
    match column {
        EventColumn::Time => 0,
        EventColumn::Event => 1,
        EventColumn::Account => 2,
        EventColumn::Kind => 4,
        EventColumn::Name => 5,
    }
}

pub fn render(frame: &mut Frame, app: &App, area: Rect) {
    let p = palette(app.theme);
    let list = &app.events.list;
    let total = list.rows().len();
    let mut title = vec![Span::styled(format!(" Events {total}"), p.title)];
    if let Some(scope) = app.accounts.title() {
        title.push(Span::styled(
            format!(" · {}", sanitize::cell(&scope)),
            p.accent,
        ));
    }
    title.extend([
        Span::styled(
            filter_note(list.filter().text(), list.visible_len(), total),
            p.accent,
        ),
        Span::raw(" "),
    ]);
    let title = Line::from(title);
    let block = Block::bordered().border_style(p.border).title(title);
    if total == 0 {
        let lines = vec![
            Line::raw("No events yet."),
            Line::styled(
                "Status changes, failures, idle endpoints and new untagged resources appear here as refreshes see them.",
                p.dim,
            ),
        ];
        return empty_message(frame, block, area, lines);
    }
    if list.visible_len() == 0 {
        let hint = if app.accounts.scope.is_some() && list.filter().is_empty() {
            "No event of the chosen accounts (:accounts chooses others)."
        } else {
            "No event matches the filter (Esc clears it)."
        };
        return empty_message(frame, block, area, vec![Line::raw(hint)]);
    }
    let inner = block.inner(area);
    let specs = specs(app);
    let columns = table::fit(&specs, inner.width);
    let body = usize::from(inner.height.saturating_sub(1));
    let start = list.window_start(body);
    let rows = list
        .window(start, body)
        .map(|row| cells(row, &p, &columns, app))
        .collect();
    let draw = TableDraw {
        block,
        specs: &specs,
        columns: &columns,
        sorted_by: Some((spec_index(list.sort_column()), list.sort_descending())),
        rows,
        selected: list.selected_index().checked_sub(start),
    };
    table::draw(frame, area, draw, &p);
}

/// The colour an event kind is shown in, here and on its toast.
pub fn kind_style(kind: EventKind, p: &Palette) -> Style {
    match kind {
        EventKind::JobFailed | EventKind::EndpointFailed => p.failed,
        EventKind::JobStopped => p.stopped,
        EventKind::JobCompleted => p.done,
        EventKind::EndpointIdle | EventKind::NewUntagged | EventKind::BudgetForecastCrossed => {
            p.warning
        }
        EventKind::StatusChanged => p.dim,
    }
}

/// `InProgress → Failed`, or the status alone for a first sight.
fn change(e: &Event) -> String {
    let now = e.status.as_deref().unwrap_or_default();
    match &e.previous_status {
        Some(before) => format!("{} → {}", sanitize::cell(before), sanitize::cell(now)),
        None => sanitize::cell(now).into_owned(),
    }
}

fn cells<'a>(
    row: &'a TimelineRow,
    p: &Palette,
    columns: &[(usize, u16)],
    app: &App,
) -> Vec<Span<'a>> {
    let e = &row.event;
    columns
        .iter()
        .map(|&(i, _)| match i {
            0 => Span::styled(format::clock(app.now, e.at, app.tz), p.dim),
            1 => Span::styled(e.event.as_str(), kind_style(e.event, p)),
            2 => Span::raw(sanitize::cell(&e.account_name)),
            3 => Span::raw(sanitize::cell(&e.region)),
            4 => Span::raw(e.kind.map_or("budget", |k| k.as_str())),
            5 => Span::raw(sanitize::cell(&e.name)),
            6 => Span::raw(change(e)),
            _ => Span::styled(
                sanitize::cell(e.detail.as_deref().unwrap_or_default()),
                p.dim,
            ),
        })
        .collect()
}
