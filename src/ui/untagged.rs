//! The Untagged pane: resources that break the tag policy, and what is wrong with each.

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::Block;

use super::table::{self, ColumnSpec, TableDraw};
use super::theme::{Palette, palette};
use super::{empty_message, filter_note, no_data_lines};
use crate::app::{App, FindingColumn, FindingsPane, invalid_label, miscased_label, missing_label};
use crate::model::TagFinding;
use crate::sanitize;

/// Columns sized to the data, within limits; the name takes what is left.
fn specs(findings: &FindingsPane) -> [ColumnSpec; 7] {
    let w = findings.widths;
    let fit = |width: usize, lo: u16, hi: u16| u16::try_from(width).unwrap_or(hi).clamp(lo, hi);
    [
        ColumnSpec::new("account", fit(w.account, 7, 16), 4),
        ColumnSpec::new("region", fit(w.region, 6, 14), 6),
        ColumnSpec::new("kind", 12, 5),
        ColumnSpec::flexible("name", 24, 0),
        ColumnSpec::new("missing", fit(w.missing, 7, 30), 1),
        ColumnSpec::new("miscased", fit(w.miscased, 8, 26), 2),
        ColumnSpec::new("invalid", fit(w.invalid, 7, 24), 3),
    ]
}

fn spec_index(column: FindingColumn) -> Option<usize> {
    match column {
        FindingColumn::Problems => None,
        FindingColumn::Account => Some(0),
        FindingColumn::Region => Some(1),
        FindingColumn::Kind => Some(2),
        FindingColumn::Name => Some(3),
    }
}

pub fn render(frame: &mut Frame, app: &App, area: Rect) {
    let p = palette(app.theme);
    let findings = &app.findings;
    let block = Block::bordered()
        .border_style(p.border)
        .title(title(findings, &p));
    if findings.list.rows().is_empty() {
        let lines = if findings.as_of.is_some() && app.empty_note.is_none() {
            vec![Line::styled(
                "Every resource follows the tag policy.",
                p.running,
            )]
        } else {
            no_data_lines(app, "tag findings")
        };
        return empty_message(frame, block, area, lines);
    }
    if findings.list.visible_len() == 0 {
        let hint = "No resource matches the filter (Esc clears it).";
        return empty_message(frame, block, area, vec![Line::raw(hint)]);
    }
    let inner = block.inner(area);
    let specs = specs(findings);
    let columns = table::fit(&specs, inner.width);
    let body = usize::from(inner.height.saturating_sub(1));
    let start = findings.list.window_start(body);
    let rows = findings
        .list
        .window(start, body)
        .map(|f| cells(f, &p, &columns))
        .collect();
    let draw = TableDraw {
        block,
        specs: &specs,
        columns: &columns,
        sorted_by: spec_index(findings.list.sort_column())
            .map(|i| (i, findings.list.sort_descending())),
        rows,
        selected: findings.list.selected_index().checked_sub(start),
    };
    table::draw(frame, area, draw, &p);
}

fn title<'a>(findings: &FindingsPane, p: &Palette) -> Line<'a> {
    let total = findings.list.rows().len();
    let mut spans = vec![Span::styled(format!(" Untagged {total}"), p.title)];
    for (account, count) in &findings.per_account {
        spans.push(Span::raw(format!(" · {} {count}", sanitize::cell(account))));
    }
    if findings.list.sort_column() == FindingColumn::Problems {
        let order = if findings.list.sort_descending() {
            "most"
        } else {
            "fewest"
        };
        spans.push(Span::styled(format!(" · {order} problems first"), p.dim));
    }
    spans.push(Span::styled(
        filter_note(
            findings.list.filter().text(),
            findings.list.visible_len(),
            total,
        ),
        p.accent,
    ));
    spans.push(Span::raw(" "));
    Line::from(spans)
}

fn cells<'a>(f: &'a TagFinding, p: &Palette, columns: &[(usize, u16)]) -> Vec<Span<'a>> {
    columns
        .iter()
        .map(|&(i, _)| match i {
            0 => Span::raw(sanitize::cell(&f.account_name)),
            1 => Span::raw(sanitize::cell(&f.region)),
            2 => Span::raw(f.kind.as_str()),
            3 => Span::raw(sanitize::cell(&f.name)),
            4 => Span::styled(missing_label(f), p.failed),
            5 => Span::styled(miscased_label(f), p.stopped),
            _ => Span::styled(invalid_label(f), p.stopped),
        })
        .collect()
}
