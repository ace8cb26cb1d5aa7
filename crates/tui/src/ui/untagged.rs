//! The Untagged pane: resources that break the tag policy, what is wrong with each, and
//! (from Studio's tags) whom to ask. Grouped by account by default: the account is named on
//! the first row of its group only.

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::Block;

use super::table::{self, ColumnSpec, TableDraw};
use super::theme::{Palette, palette};
use super::{empty_message, filter_note, format, no_data_lines};
use crate::app::{App, FindingColumn, FindingsPane, creator_of, owner_label, problems_label};
use sagescope_core::model::{CostSource, TagFinding};
use sagescope_core::sanitize;

/// Columns sized to the data, within limits; the name takes what is left. Every problem
/// shares one column, so a resource's problems stay visible however narrow the terminal.
fn specs(findings: &FindingsPane) -> [ColumnSpec; 9] {
    let w = findings.widths;
    let fit = |width: usize, lo: u16, hi: u16| u16::try_from(width).unwrap_or(hi).clamp(lo, hi);
    [
        ColumnSpec::new("account", fit(w.account, 7, 16), 2),
        ColumnSpec::new("region", fit(w.region, 6, 14), 6),
        ColumnSpec::new("kind", 12, 3),
        ColumnSpec::flexible("name", 20, 0),
        ColumnSpec::new("age", 8, 4).right(),
        ColumnSpec::new("problems", fit(w.problems, 8, 48), 1),
        ColumnSpec::new("studio user", fit(w.owner, 11, 16), 5),
        // The money at stake: why this offender is worth fixing first.
        ColumnSpec::new("cost", 10, 2).right(),
        // The person to ask when no Studio profile says: the first to go when narrow.
        // Grouped by creator, it is what the rows are grouped by: kept longest.
        if findings.by_creator() {
            ColumnSpec::new("created by", fit(w.creator, 10, 20), 0)
        } else {
            ColumnSpec::new("created by", fit(w.creator, 10, 28), 7)
        },
    ]
}

fn spec_index(column: FindingColumn) -> Option<usize> {
    match column {
        FindingColumn::Account => Some(0),
        FindingColumn::Kind => Some(2),
        FindingColumn::Name => Some(3),
        FindingColumn::Age => Some(4),
        FindingColumn::Problems => Some(5),
        FindingColumn::Cost => Some(7),
        FindingColumn::Creator => Some(8),
    }
}

/// What to say while no tag findings were ever read (the first refresh, before its tag pass
/// ends): a count of 0 then would read as "everything is tagged".
fn not_read_yet(app: &App) -> Option<String> {
    if app.findings.as_of.is_some() {
        return None;
    }
    let progress = app.refreshing.as_ref().and_then(|r| r.progress.as_ref());
    Some(match progress {
        Some(p) if p.tags.1 > 0 => format!(
            "reading tags {}/{} account-regions…",
            p.tags.0.min(p.tags.1),
            p.tags.1
        ),
        _ if app.refreshing.is_some() => "tags are read once resources are listed…".into(),
        _ => "tags not read yet".into(),
    })
}

pub fn render(frame: &mut Frame, app: &App, area: Rect) {
    let p = palette(app.theme);
    let findings = &app.findings;
    let title = match not_read_yet(app) {
        Some(loading) => Line::from(vec![
            Span::styled(" Untagged: ", p.title),
            Span::styled(format!("{loading} "), p.accent),
        ]),
        None => title(
            findings,
            app.narrowed_title(),
            &p,
            usize::from(area.width.saturating_sub(4)),
        ),
    };
    let block = Block::bordered().border_style(p.border).title(title);
    if let Some(loading) = not_read_yet(app) {
        let mut lines = vec![Line::styled(loading, p.accent)];
        lines.extend(
            app.empty_note
                .as_ref()
                .map(|note| Line::styled(sanitize::cell(note).into_owned(), p.warning)),
        );
        return empty_message(frame, block, area, lines);
    }
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
        let hint = "No resource matches the filter and toggles (Esc clears the filter, m toggles).";
        return empty_message(frame, block, area, vec![Line::raw(hint)]);
    }
    let inner = block.inner(area);
    let specs = specs(findings);
    let columns = table::fit(&specs, inner.width);
    let body = usize::from(inner.height.saturating_sub(1));
    let start = findings.list.window_start(body);
    let grouped = findings.grouped();
    let by_creator = findings.by_creator();
    let mut previous: Option<Option<String>> = None;
    let rows = findings
        .list
        .window(start, body)
        .map(|f| {
            // Grouped: the account (or the creator) on the first row of its group (and of the
            // window) only.
            let group = if by_creator {
                creator_of(f)
            } else {
                Some(f.account_name.to_string())
            };
            let first = previous.as_ref() != Some(&group);
            previous = Some(group);
            let show = Shown {
                account: !grouped || first,
                creator: !by_creator || first,
            };
            cells(f, &p, &columns, app, show)
        })
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

/// ` Untagged 93 · missing only · cost-center 60 · project 35 · owner 70 · ml-dev 28 …`: the
/// toggles and filter first (they change what is shown), then resources with a problem per
/// tag key (what an admin fixes), then, room permitting, the findings per account.
fn title<'a>(findings: &FindingsPane, mine: Option<String>, p: &Palette, room: usize) -> Line<'a> {
    let total = findings.list.rows().len();
    let mut spans = vec![Span::styled(format!(" Untagged {total}"), p.title)];
    if let Some(mine) = mine {
        // The title already says how many are shown once anything hides rows.
        spans.push(Span::styled(
            format!(" · {}", sanitize::cell(&mine)),
            p.accent,
        ));
    }
    if findings.missing_only {
        spans.push(Span::styled(" · missing only", p.accent));
    }
    if findings.by_creator() {
        spans.push(Span::styled(" · by creator", p.accent));
    }
    if let Some(key) = &findings.without_key {
        spans.push(Span::styled(
            format!(" · without {} (Esc: all)", sanitize::cell(key)),
            p.accent,
        ));
    }
    spans.push(Span::styled(
        filter_note(
            findings.list.filter().text(),
            findings.list.visible_len(),
            total,
        ),
        p.accent,
    ));
    let optional = findings
        .per_key
        .iter()
        .map(|(key, count)| Span::raw(format!(" · {} {count}", sanitize::cell(key))))
        .chain(findings.per_account.iter().map(|(account, count)| {
            Span::styled(format!(" · {} {count}", sanitize::cell(account)), p.dim)
        }));
    let mut used: usize = spans.iter().map(Span::width).sum();
    for span in optional {
        if used + span.width() + 1 > room {
            break;
        }
        used += span.width();
        spans.push(span);
    }
    spans.push(Span::raw(" "));
    Line::from(spans)
}

/// Which group cells a row shows: a grouped row shows its group's only on the first row.
#[derive(Clone, Copy)]
struct Shown {
    account: bool,
    creator: bool,
}

fn cells<'a>(
    f: &'a TagFinding,
    p: &Palette,
    columns: &[(usize, u16)],
    app: &App,
    show: Shown,
) -> Vec<Span<'a>> {
    columns
        .iter()
        .map(|&(i, _)| match i {
            0 if show.account => Span::raw(sanitize::cell(&f.account_name)),
            0 => Span::raw(""),
            1 => Span::raw(sanitize::cell(&f.region)),
            2 => Span::raw(f.kind.as_str()),
            3 => Span::raw(sanitize::cell(&f.name)),
            4 => Span::styled(
                f.created_at
                    .map(|t| format::short_age(app.now, t))
                    .unwrap_or_default(),
                p.dim,
            ),
            5 if f.missing.is_empty() => Span::styled(problems_label(f), p.stopped),
            5 => Span::styled(problems_label(f), p.failed),
            6 => Span::styled(owner_label(f), p.accent),
            7 => match f.cost {
                Some(cost) if cost.source == CostSource::Estimate => {
                    Span::styled(cost.cell(), p.dim)
                }
                Some(cost) => Span::raw(cost.cell()),
                None => Span::raw(""),
            },
            // Grouped by creator: the group (a role's sessions together) heads it.
            _ if show.creator && app.findings.by_creator() => match creator_of(f) {
                Some(group) => Span::raw(sanitize::cell(&group).into_owned()),
                None => super::jobs::creator_cell(None, f.created_at, app.now, p),
            },
            _ if show.creator => {
                super::jobs::creator_cell(f.created_by.as_deref(), f.created_at, app.now, p)
            }
            _ => Span::raw(""),
        })
        .collect()
}
