//! The Jobs pane: every job, endpoint and notebook across accounts × regions, with what each
//! running one costs per hour and its health badges.

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::style::Modifier;
use ratatui::text::{Line, Span};
use ratatui::widgets::Block;

use super::table::{self, ColumnSpec, TableDraw};
use super::theme::{Palette, palette};
use super::{empty_message, filter_note, format, no_data_lines};
use crate::app::{App, JobColumn, JobsPane, instance_label};
use sagescope_core::model::{CostSource, Creator, Job, beyond_history};
use sagescope_core::sanitize;

/// Badges and `$/h` rank right after the status: money burning and idle GPUs are what an
/// operator must not miss, even at 80 columns.
fn specs(jobs: &JobsPane) -> [ColumnSpec; 12] {
    let clamp = |w: usize, lo: u16, hi: u16| u16::try_from(w).unwrap_or(hi).clamp(lo, hi);
    [
        ColumnSpec::new("account", clamp(jobs.account_width, 7, 16), 3),
        ColumnSpec::new("region", clamp(jobs.region_width, 6, 14), 7),
        ColumnSpec::new("kind", 10, 2),
        ColumnSpec::flexible("name", 24, 0),
        ColumnSpec::new("status", 12, 1),
        ColumnSpec::new("flags", 8, 1),
        ColumnSpec::new("instance", 18, 6),
        ColumnSpec::new("$/h", 8, 2).right(),
        ColumnSpec::new("started", 8, 4).right(),
        ColumnSpec::new("duration", 8, 5).right(),
        // What it cost so far, `~` when only estimated.
        ColumnSpec::new("cost", 10, 3).right(),
        // Who to ask: the first to go when the terminal narrows.
        ColumnSpec::new("created by", clamp(jobs.creator_width, 10, 28), 8),
    ]
}

fn spec_index(column: JobColumn) -> usize {
    match column {
        JobColumn::Account => 0,
        JobColumn::Region => 1,
        JobColumn::Kind => 2,
        JobColumn::Name => 3,
        JobColumn::Status => 4,
        JobColumn::Instance => 6,
        JobColumn::Started => 8,
        JobColumn::Duration => 9,
    }
}

pub fn render(frame: &mut Frame, app: &App, area: Rect) {
    let p = palette(app.theme);
    let jobs = &app.jobs;
    let block = Block::bordered().border_style(p.border).title(title(
        jobs,
        app.now,
        app.narrowed_title(),
        &p,
    ));
    if jobs.list.rows().is_empty() {
        return empty_message(frame, block, area, no_data_lines(app, "jobs"));
    }
    if jobs.list.visible_len() == 0 {
        let hint =
            "No job matches the filter and toggles (Esc clears the filter, t, a, f and M toggle).";
        return empty_message(frame, block, area, vec![Line::raw(hint)]);
    }
    let inner = block.inner(area);
    let specs = specs(jobs);
    let columns = table::fit(&specs, inner.width);
    let body = usize::from(inner.height.saturating_sub(1));
    let start = jobs.list.window_start(body);
    let rows = jobs
        .list
        .window(start, body)
        .map(|job| cells(job, app, &p, &columns))
        .collect();
    let draw = TableDraw {
        block,
        specs: &specs,
        columns: &columns,
        sorted_by: Some((
            spec_index(jobs.list.sort_column()),
            jobs.list.sort_descending(),
        )),
        rows,
        selected: jobs.list.selected_index().checked_sub(start),
    };
    table::draw(frame, area, draw, &p);
}

fn title<'a>(
    jobs: &JobsPane,
    now: chrono::DateTime<chrono::Utc>,
    mine: Option<String>,
    p: &Palette,
) -> Line<'a> {
    let c = jobs.counts;
    if let Some(total) = jobs.head_of {
        // Counts of the head alone would mislead: say what is shown and that more is coming.
        return Line::from(Span::styled(
            format!(
                " Jobs: the newest {} of {} cached · reading the rest… ",
                c.total,
                format::count(total)
            ),
            p.title,
        ));
    }
    let mut spans = vec![Span::styled(format!(" Jobs {}", c.total), p.title)];
    if let Some(mine) = mine {
        // The title already says how many are shown once anything hides rows.
        spans.push(Span::styled(
            format!(" · {}", sanitize::cell(&mine)),
            p.accent,
        ));
    }
    spans.extend([
        Span::raw(" · "),
        Span::styled(format!("{} running", c.running), p.running),
        Span::raw(" · "),
        Span::styled(
            format!("{} failed", c.failed),
            if c.failed > 0 { p.failed } else { p.text },
        ),
    ]);
    if let Some(kind) = jobs.kind {
        spans.push(Span::styled(format!(" · {kind} only"), p.accent));
    }
    if jobs.health.flagged > 0 {
        spans.push(Span::raw(" · "));
        spans.push(Span::styled(
            format!("{} flagged", jobs.health.flagged),
            p.warning,
        ));
    }
    if jobs.active_only {
        spans.push(Span::styled(" · active only", p.accent));
    }
    if jobs.flagged_only {
        spans.push(Span::styled(" · flagged only", p.accent));
    }
    if let Some(since) = jobs.stale_oldest {
        spans.push(Span::styled(
            format!(
                " · {} stale, listed {} (E: why)",
                jobs.stale_rows,
                format::short_age(now, since)
            ),
            p.warning,
        ));
    }
    let note = filter_note(jobs.list.filter().text(), jobs.list.visible_len(), c.total);
    spans.push(Span::styled(note, p.accent));
    spans.push(Span::raw(" "));
    Line::from(spans)
}

/// A `created by` cell: the creator, or dimmed "unknown (…90 days)" past CloudTrail's reach,
/// or blank while not known.
pub(super) fn creator_cell<'a>(
    creator: Option<&'a Creator>,
    created_at: Option<chrono::DateTime<chrono::Utc>>,
    now: chrono::DateTime<chrono::Utc>,
    p: &Palette,
) -> Span<'a> {
    match creator.and_then(Creator::who) {
        Some(who) => Span::raw(sanitize::cell(who)),
        None => match created_at {
            Some(at) if beyond_history(at, now) => Span::styled("unknown (>90 days)", p.dim),
            _ => Span::raw(""),
        },
    }
}

fn cells<'a>(job: &'a Job, app: &'a App, p: &Palette, columns: &[(usize, u16)]) -> Vec<Span<'a>> {
    // Rate and flags were judged when the data arrived: one lookup per drawn row.
    let health = app.jobs.health.row(&job.arn);
    let stale = app.jobs.stale_since(job);
    columns
        .iter()
        .map(|&(i, _)| match i {
            0 => Span::raw(sanitize::cell(&job.account_name)),
            1 => Span::raw(sanitize::cell(&job.region)),
            2 => Span::raw(job.kind.as_str()),
            3 => Span::raw(sanitize::cell(&job.name)),
            4 => Span::styled(
                sanitize::cell(job.status.as_str()),
                p.status(job.status.phase()),
            ),
            5 => match (health.filter(|h| h.is_flagged()), stale) {
                (Some(h), _) => Span::styled(h.badge(), p.warning.add_modifier(Modifier::REVERSED)),
                // The scope could not be listed this time: the row is as it was (the title
                // says since when).
                (None, Some(_)) => Span::styled("STALE", p.warning),
                (None, None) => Span::raw(""),
            },
            6 => Span::raw(instance_label(job)),
            7 => match health {
                Some(h) if h.usd_per_hour.is_none() => Span::styled(h.rate(), p.dim),
                Some(h) => Span::raw(h.rate()),
                None => Span::raw(""),
            },
            8 => Span::raw(format::short_age(app.now, job.created_at)),
            9 => Span::raw(format::duration(job.duration(app.now))),
            10 => match app.jobs.health.cost(job, app.now) {
                Some(cost) if cost.source == CostSource::Estimate => {
                    Span::styled(cost.cell(), p.dim)
                }
                Some(cost) => Span::raw(cost.cell()),
                None => Span::raw(""),
            },
            _ => creator_cell(job.created_by.as_deref(), Some(job.created_at), app.now, p),
        })
        .collect()
}
