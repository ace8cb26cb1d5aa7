//! The detail view (Enter): everything known about the selected row, the full failure reason
//! and every tag included. Text is wrapped here so scrolling knows how long it is.

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::style::Style;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Paragraph};

mod compute;
mod cost;
mod health;

use super::format;
use super::theme::{Palette, palette};
use crate::app::{App, Pane, SpendLine, instance_label};
use sagescope_core::model::{Compute, Job, ResourceKind, TagFinding, Tags};
use sagescope_core::sanitize;

const LABEL: usize = 16;

pub fn render(frame: &mut Frame, app: &App, area: Rect) {
    let p = palette(app.theme);
    let block = Block::bordered()
        .border_style(p.border)
        .title(Line::styled(
            format!(" Detail · {} ", heading(app)),
            p.title,
        ))
        .title_bottom(Line::styled(" Esc back · j/k scroll ", p.dim));
    let inner = block.inner(area);
    let lines = lines(app, inner.width);
    let max = lines.len().saturating_sub(usize::from(inner.height));
    let scroll = app.overlay_scroll.min(max);
    let visible: Vec<Line> = lines.into_iter().skip(scroll).collect();
    frame.render_widget(Paragraph::new(visible).block(block), area);
}

pub fn line_count(app: &App, width: u16) -> usize {
    lines(app, width).len()
}

fn heading(app: &App) -> String {
    let name = match app.pane {
        Pane::Jobs => app.jobs.list.selected().map(|j| j.name.as_str()),
        Pane::Spend => app.spend.lines.selected().map(|l| {
            if l.is_untagged() {
                sagescope_core::model::UNTAGGED_LABEL
            } else {
                l.value.as_str()
            }
        }),
        Pane::Untagged => app.findings.list.selected().map(|f| f.name.as_str()),
        Pane::Events => app.events.list.selected().map(|r| r.event.name.as_str()),
    };
    format::truncate(&sanitize::cell(name.unwrap_or("nothing selected")), 60)
}

fn lines(app: &App, width: u16) -> Vec<Line<'static>> {
    let mut out = Lines {
        lines: Vec::new(),
        width: usize::from(width),
        palette: palette(app.theme),
    };
    match app.pane {
        Pane::Jobs => {
            if let Some(job) = app.jobs.list.selected() {
                job_lines(&mut out, job, app);
            }
        }
        Pane::Spend => {
            if let Some(line) = app.spend.lines.selected() {
                spend_lines(&mut out, line, app);
            }
        }
        Pane::Untagged => {
            if let Some(finding) = app.findings.list.selected() {
                finding_lines(&mut out, finding, app);
            }
        }
        Pane::Events => {
            if let Some(row) = app.events.list.selected() {
                event_lines(&mut out, &row.event, app);
            }
        }
    }
    out.lines
}

struct Lines {
    lines: Vec<Line<'static>>,
    width: usize,
    palette: Palette,
}

impl Lines {
    /// `label          value`, the value wrapped under itself. `value` must be sanitised.
    fn field(&mut self, label: &str, value: &str, style: Style) {
        let room = self.width.saturating_sub(LABEL + 1).max(10);
        // A label too long for its column (a long tag key) gets a line of its own.
        let label = if format::width(label) >= LABEL {
            self.lines
                .push(Line::styled(format!(" {label}"), self.palette.dim));
            ""
        } else {
            label
        };
        for (n, part) in format::wrap(value, room).into_iter().enumerate() {
            let label = if n == 0 { label } else { "" };
            self.lines.push(Line::from(vec![
                Span::styled(format!(" {label:<width$}", width = LABEL), self.palette.dim),
                Span::styled(part, style),
            ]));
        }
    }

    fn heading(&mut self, text: String) {
        self.lines.push(Line::raw(""));
        self.lines
            .push(Line::styled(format!(" {text}"), self.palette.header));
    }

    /// A block of outside text (a failure reason), newlines kept, wrapped, indented.
    fn block(&mut self, text: &str, style: Style) {
        let room = self.width.saturating_sub(4).max(10);
        for part in format::wrap(&sanitize::block(text), room) {
            self.lines.push(Line::styled(format!("   {part}"), style));
        }
    }

    fn tags(&mut self, tags: &Tags) {
        self.heading(format!("Tags ({})", tags.len()));
        if tags.is_empty() {
            self.lines
                .push(Line::styled("   none".to_string(), self.palette.dim));
        }
        for (key, value) in tags {
            let text = self.palette.text;
            self.field(
                &format!("  {}", sanitize::cell(key)),
                &sanitize::cell(value),
                text,
            );
        }
    }
}

fn job_lines(out: &mut Lines, job: &Job, app: &App) {
    let (p, tz) = (out.palette, app.tz);
    out.field("name", &sanitize::cell(&job.name), p.title);
    out.field("kind", job.kind.as_str(), p.text);
    let phase = job.status.phase().label();
    let status = if job.status.as_str().eq_ignore_ascii_case(phase) {
        sanitize::cell(job.status.as_str()).into_owned()
    } else {
        format!("{} ({phase})", sanitize::cell(job.status.as_str()))
    };
    out.field("status", &status, p.status(job.status.phase()));
    let account = format!(
        "{} ({})",
        sanitize::cell(&job.account_name),
        sanitize::cell(&job.account_id)
    );
    out.field("account", &account, p.text);
    out.field("region", &sanitize::cell(&job.region), p.text);
    out.field("arn", &sanitize::cell(&job.arn), p.text);
    let instance = instance_label(job);
    out.field(
        "instance",
        if instance.is_empty() {
            "unknown"
        } else {
            &instance
        },
        p.text,
    );
    let created = format!(
        "{} ({})",
        format::timestamp(job.created_at, tz),
        format::age(app.now, job.created_at)
    );
    out.field("created", &created, p.text);
    let ended = job
        .ended_at
        .map_or_else(|| "not ended".to_string(), |t| format::timestamp(t, tz));
    out.field("ended", &ended, p.text);
    out.field("duration", &format::duration(job.duration(app.now)), p.text);
    if let Some(modified) = job.last_modified_at {
        out.field("last modified", &format::timestamp(modified, tz), p.text);
    }
    // Which source said the state shown: the event stream (with its event's time) or a
    // listing; only said where a stream exists to tell them apart.
    if app.stream.is_some() || job.streamed_at.is_some() {
        let changed_by = match job.streamed_at {
            Some(at) => format!(
                "stream event at {} ({})",
                format::timestamp(at, tz),
                format::age(app.now, at)
            ),
            None => "listing".to_string(),
        };
        out.field("changed by", &changed_by, p.text);
    }
    creator_lines(out, job, app);
    if let Some(studio) = &job.app {
        app_lines(out, studio, app);
    }
    match job.compute.as_deref() {
        Some(Compute::Component(component)) => compute::component_lines(out, component),
        Some(Compute::Cluster(cluster)) => compute::cluster_lines(out, cluster),
        None => {}
    }
    if job.kind == ResourceKind::Endpoint {
        compute::endpoint_components(out, job, app);
    }
    if let Some(reason) = &job.failure_reason {
        out.heading("Failure reason".into());
        out.block(reason, p.failed);
    }
    health::lines(out, job, app);
    cost::lines(out, job, app);
    out.tags(&job.tags);
}

/// Who created, stopped and deleted it, as CloudTrail recorded the calls, each with when and
/// where sagescope read it; past CloudTrail's reach, that it cannot be known.
fn creator_lines(out: &mut Lines, job: &Job, app: &App) {
    let (p, tz) = (out.palette, app.tz);
    let call = |call: &sagescope_core::model::CallBy| {
        format!(
            "{} at {} ({}, from {})",
            sanitize::cell(&call.who),
            format::timestamp(call.at, tz),
            format::age(app.now, call.at),
            call.source.as_str()
        )
    };
    let creator = job.created_by.as_deref();
    match creator.and_then(|c| c.created.as_ref()) {
        Some(created) => out.field("created by", &call(created), p.text),
        None => {
            let label = sagescope_core::model::creator_label(creator, job.created_at, app.now);
            if !label.is_empty() {
                out.field("created by", label, p.dim);
            }
        }
    }
    let Some(creator) = creator else {
        return;
    };
    if let Some(parent) = &creator.parent {
        out.field("started by", &sanitize::cell(parent), p.text);
    }
    if let Some(stopped) = &creator.stopped {
        out.field("stopped by", &call(stopped), p.text);
    }
    if let Some(deleted) = &creator.deleted {
        out.field("deleted by", &call(deleted), p.text);
    }
}

/// What a Studio app adds: its domain, owner, type and when a user last used it.
fn app_lines(out: &mut Lines, studio: &sagescope_core::model::AppInfo, app: &App) {
    let p = out.palette;
    out.field("domain", &sanitize::cell(&studio.domain_id), p.text);
    if let Some(space) = &studio.space {
        out.field("space", &sanitize::cell(space), p.text);
    }
    if let Some(user) = &studio.user_profile {
        out.field("user profile", &sanitize::cell(user), p.text);
    }
    out.field("app type", &sanitize::cell(&studio.app_type), p.text);
    let activity = studio.last_activity_at.map_or_else(
        || "not read yet".to_string(),
        |t| {
            format!(
                "{} ({})",
                format::timestamp(t, app.tz),
                format::age(app.now, t)
            )
        },
    );
    out.field("last activity", &activity, p.text);
}

fn spend_lines(out: &mut Lines, line: &SpendLine, app: &App) {
    let p = out.palette;
    let spend = &app.spend;
    out.field("tag key", &sanitize::cell(spend.key()), p.text);
    out.field(
        "tag value",
        &line.label(),
        if line.is_untagged() {
            p.untagged
        } else {
            p.title
        },
    );
    let total = format!(
        "{} over {}",
        format::money(line.total, &spend.unit),
        spend.range_label()
    );
    out.field("total", &total, p.text);
    out.field(
        "share",
        &format!(
            "{} of {}",
            format::share(line.share),
            format::money(spend.total, &spend.unit)
        ),
        p.text,
    );
    let width = out.width;
    out.lines
        .extend(super::spend_drill::lines(app, line, width, &p));
    out.heading("Per day".into());
    let max = line.daily.iter().copied().fold(0.0_f64, f64::max);
    let bar_room = out.width.saturating_sub(LABEL + 16).min(40);
    let estimated_from = spend.days.len().saturating_sub(spend.estimated_days);
    for (n, (day, amount)) in spend.days.iter().zip(&line.daily).enumerate().rev() {
        let cells = if max > 0.0 {
            (amount / max * bar_room as f64).round() as usize
        } else {
            0
        };
        let mark = if n >= estimated_from {
            " estimated"
        } else {
            ""
        };
        out.lines.push(Line::from(vec![
            Span::styled(
                format!(
                    " {:<width$}",
                    day.format("%Y-%m-%d %a").to_string(),
                    width = LABEL
                ),
                p.dim,
            ),
            Span::raw(format!("{:>11} ", format::money(*amount, &spend.unit))),
            Span::styled("█".repeat(cells), p.accent),
            Span::styled(mark, p.dim),
        ]));
    }
}

fn event_lines(out: &mut Lines, e: &sagescope_core::model::Event, app: &App) {
    let p = out.palette;
    out.field("event", e.event.as_str(), p.title);
    let at = format!(
        "{} ({})",
        format::timestamp(e.at, app.tz),
        format::age(app.now, e.at)
    );
    out.field("at", &at, p.text);
    out.field("name", &sanitize::cell(&e.name), p.text);
    out.field("kind", e.kind.map_or("budget", |k| k.as_str()), p.text);
    if !e.account_name.is_empty() {
        let account = format!(
            "{} ({})",
            sanitize::cell(&e.account_name),
            sanitize::cell(&e.account_id)
        );
        out.field("account", &account, p.text);
        out.field("region", &sanitize::cell(&e.region), p.text);
        out.field("arn", &sanitize::cell(&e.arn), p.text);
    }
    if let Some(before) = &e.previous_status {
        out.field("before", &sanitize::cell(before), p.dim);
    }
    if let Some(status) = &e.status {
        out.field("status", &sanitize::cell(status), p.text);
    }
    if let Some(detail) = &e.detail {
        out.field("detail", &sanitize::cell(detail), p.warning);
    }
}

fn finding_lines(out: &mut Lines, f: &TagFinding, app: &App) {
    let p = out.palette;
    out.field("name", &sanitize::cell(&f.name), p.title);
    out.field("kind", f.kind.as_str(), p.text);
    let account = format!(
        "{} ({})",
        sanitize::cell(&f.account_name),
        sanitize::cell(&f.account_id)
    );
    out.field("account", &account, p.text);
    out.field("region", &sanitize::cell(&f.region), p.text);
    out.field("arn", &sanitize::cell(&f.arn), p.text);
    if let Some(created) = f.created_at {
        let created = format!(
            "{} ({})",
            format::timestamp(created, app.tz),
            format::age(app.now, created)
        );
        out.field("created", &created, p.text);
    }
    if let Some(who) = f.created_by.as_deref().and_then(|c| c.who()) {
        out.field(
            "created by",
            &format!("{} (ask them)", sanitize::cell(who)),
            p.accent,
        );
    } else if let Some(created) = f.created_at
        && sagescope_core::model::beyond_history(created, app.now)
    {
        out.field("created by", sagescope_core::model::UNKNOWN_TOO_OLD, p.dim);
    }
    // Studio's own tags say who started it: the person to ask for the missing values.
    if let Some(profile) = f.studio_user_profile_arn() {
        out.heading("Started in Studio (ask them)".into());
        out.field(
            "user profile",
            &sanitize::cell(sagescope_core::model::arn_leaf(profile)),
            p.accent,
        );
        out.field("profile arn", &sanitize::cell(profile), p.text);
        if let Some(domain) = f.studio_domain_arn() {
            out.field("domain arn", &sanitize::cell(domain), p.text);
        }
    } else if let Some(owner) = f.studio_owner() {
        out.heading("Started in Studio (ask them)".into());
        out.field("space", &sanitize::cell(owner), p.accent);
    }
    out.heading(format!("Problems ({})", f.problem_count()));
    // Each problem names whose rule it breaks: the config's or the organization's policy.
    for key in &f.missing {
        let text = format!("{} (config: tags.mandatory)", sanitize::cell(key));
        out.field("  missing", &text, p.failed);
    }
    for m in &f.miscased {
        let text = format!(
            "{} should be spelled {} ({})",
            sanitize::cell(&m.found),
            sanitize::cell(&m.expected),
            m.source.label()
        );
        out.field("  miscased", &text, p.stopped);
    }
    for i in &f.invalid {
        let text = format!(
            "{}={} (allowed by the {}: {})",
            sanitize::cell(&i.key),
            sanitize::cell(&i.value),
            i.source.label(),
            sanitize::cell(&i.allowed.join(", "))
        );
        out.field("  invalid value", &text, p.stopped);
    }
    out.tags(&f.tags);
    out.lines.push(Line::raw(""));
    out.lines.push(Line::styled(
        " Esc, then x: the fix script for this resource, written to a file (never run)",
        p.dim,
    ));
}
