//! The Spend pane: spend by tag value over the lookback window, the untagged share as its own
//! row, and a chart of the daily totals below.

use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Paragraph};

use super::table::{self, ColumnSpec, TableDraw};
use super::theme::{Palette, palette};
use super::{empty_message, filter_note, format, no_data_lines, spend_chart, spend_outlook};
use crate::app::{App, SpendColumn, SpendLine, SpendPane};
use sagescope_core::sanitize;

/// Below this many rows inside the pane, the chart is left out and the table gets them all.
const CHART_MIN_HEIGHT: u16 = 14;

fn specs(spend: &SpendPane) -> [ColumnSpec; 4] {
    let days = u16::try_from(spend.days.len()).unwrap_or(60).clamp(8, 60);
    [
        ColumnSpec::flexible("tag value", 16, 0),
        ColumnSpec::new("total", 11, 1).right(),
        ColumnSpec::new("share", 6, 2).right(),
        ColumnSpec::new("per day", days, 3),
    ]
}

pub fn render(frame: &mut Frame, app: &App, area: Rect) {
    let p = palette(app.theme);
    let spend = &app.spend;
    let block =
        Block::bordered()
            .border_style(p.border)
            .title(title(spend, app.narrowed_title(), &p));
    if let Some(missing) = spend.unresolved() {
        return empty_message(frame, block, area, unresolved_lines(app, missing, &p));
    }
    let outlook = spend_outlook::lines(spend, area.width.saturating_sub(2), &p);
    if spend.lines.rows().is_empty() {
        let nothing_at_all = spend.keys_in_data().is_empty();
        let of_scope = app
            .accounts
            .title()
            .map(|scope| format!(" of {}", sanitize::cell(&scope)))
            .unwrap_or_default();
        let mut lines = if nothing_at_all && app.empty_note.is_some() {
            no_data_lines(app, "spend")
        } else if spend.loading {
            vec![Line::raw(format!(
                "Loading spend by `{}`{of_scope} ({})…",
                sanitize::cell(spend.key()),
                spend.range_label()
            ))]
        } else if nothing_at_all && spend.error.is_none() {
            no_data_lines(app, "spend")
        } else {
            vec![Line::raw(format!(
                "No spend grouped by `{}` in {}. Press g for the next key, t for another range.",
                sanitize::cell(spend.key()),
                spend.range_label()
            ))]
        };
        lines.extend(outlook);
        return empty_message(frame, block, area, lines);
    }
    let inner = block.inner(area);
    frame.render_widget(block, area);
    let outlook_height = u16::try_from(outlook.len()).unwrap_or(u16::MAX);
    let rows = u16::try_from(spend.lines.visible_len() + 1).unwrap_or(u16::MAX);
    let (table_area, outlook_area, chart_area) = if inner.height >= CHART_MIN_HEIGHT {
        let table_height = rows.clamp(4, inner.height / 2);
        let [t, o, c] = Layout::vertical([
            Constraint::Length(table_height),
            Constraint::Length(outlook_height),
            Constraint::Min(1),
        ])
        .areas(inner);
        (t, o, Some(c))
    } else {
        let outlook_height = outlook_height.min(inner.height.saturating_sub(4));
        let [t, o] =
            Layout::vertical([Constraint::Min(1), Constraint::Length(outlook_height)]).areas(inner);
        (t, o, None)
    };
    draw_table(frame, spend, table_area, &p);
    frame.render_widget(Paragraph::new(outlook), outlook_area);
    if let Some(chart_area) = chart_area {
        spend_chart::render(frame, app, chart_area);
    }
}

/// Why the pane shows no figures for the chosen accounts: some have no id known, and asking
/// without them would answer for the whole organization.
fn unresolved_lines<'a>(app: &App, missing: &[String], p: &Palette) -> Vec<Line<'a>> {
    let scope = app.accounts.title().unwrap_or_default();
    let first = if missing.is_empty() {
        format!(
            "No spend for {}: no account is in this choice.",
            sanitize::cell(&scope)
        )
    } else {
        let names: Vec<String> = missing
            .iter()
            .map(|name| sanitize::cell(name).into_owned())
            .collect();
        format!(
            "No spend for {}: the account id of {} is not known yet, and without it Cost Explorer would answer for the whole organization.",
            sanitize::cell(&scope),
            names.join(", ")
        )
    };
    vec![
        Line::raw(first),
        Line::styled(
            "Give its [[accounts]] entry a role_arn, or refresh (r on the Jobs pane) so its rows tell the id; :accounts → all accounts shows the whole organization.",
            p.dim,
        ),
    ]
}

fn draw_table(frame: &mut Frame, spend: &SpendPane, area: Rect, p: &Palette) {
    if spend.lines.visible_len() == 0 {
        let line = Line::styled("No tag value matches the filter (Esc clears it).", p.dim);
        frame.render_widget(line, area);
        return;
    }
    let specs = specs(spend);
    let columns = table::fit(&specs, area.width);
    let body = usize::from(area.height.saturating_sub(1));
    let start = spend.lines.window_start(body);
    let rows = spend
        .lines
        .window(start, body)
        .map(|line| cells(line, spend, p, &columns))
        .collect();
    let sorted = match spend.lines.sort_column() {
        SpendColumn::Total => 1,
        SpendColumn::Value => 0,
    };
    let draw = TableDraw {
        block: Block::new(),
        specs: &specs,
        columns: &columns,
        sorted_by: Some((sorted, spend.lines.sort_descending())),
        rows,
        selected: spend.lines.selected_index().checked_sub(start),
    };
    table::draw(frame, area, draw, p);
}

/// `narrowed` is what `M` and `:accounts` choose (`mine: alice · OU: ml`), said right after
/// the key so a narrowed figure is never read as the organization's.
fn title<'a>(spend: &SpendPane, narrowed: Option<String>, p: &Palette) -> Line<'a> {
    let scope = if spend.all_services {
        "all services"
    } else {
        "SageMaker"
    };
    // Most important first: narrow terminals cut the end.
    let mut spans = vec![Span::styled(
        format!(" Spend by {}", sanitize::cell(spend.key())),
        p.title,
    )];
    if let Some(narrowed) = narrowed {
        spans.push(Span::styled(
            format!(" · {}", sanitize::cell(&narrowed)),
            p.accent,
        ));
    }
    if !spend.days.is_empty() {
        spans.push(Span::raw(format!(
            " · {}",
            format::money(spend.total, &spend.unit)
        )));
        let untagged = if spend.total > 0.0 {
            spend.untagged_total / spend.total
        } else {
            0.0
        };
        spans.push(Span::raw(" · "));
        spans.push(Span::styled(
            format!("untagged {}", format::share(untagged)),
            p.untagged,
        ));
    }
    spans.push(Span::raw(format!(" · {} · {scope}", spend.range_label())));
    if spend.loading {
        spans.push(Span::styled(" · loading…", p.accent));
    }
    let lines = spend.lines.rows().len();
    spans.push(Span::styled(
        filter_note(
            spend.lines.filter().text(),
            spend.lines.visible_len(),
            lines,
        ),
        p.accent,
    ));
    spans.push(Span::raw(" "));
    Line::from(spans)
}

fn cells<'a>(
    line: &SpendLine,
    spend: &SpendPane,
    p: &Palette,
    columns: &[(usize, u16)],
) -> Vec<Span<'a>> {
    columns
        .iter()
        .map(|&(i, width)| match i {
            0 if line.is_untagged() => Span::styled(line.label(), p.untagged),
            0 => Span::raw(line.label()),
            1 => Span::raw(format::money(line.total, &spend.unit)),
            2 => Span::raw(format::share(line.share)),
            _ => Span::styled(
                format::sparkline(&line.daily, usize::from(width)),
                if line.is_untagged() {
                    p.untagged
                } else {
                    p.accent
                },
            ),
        })
        .collect()
}
