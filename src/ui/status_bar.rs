//! The status bar: where the data came from, how old it is (stale in a warning colour), on the
//! Jobs pane what everything running burns per hour, a spinner while a refresh runs, and the
//! latest error with a count of the earlier ones.

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};

use super::format;
use super::theme::palette;
use crate::app::{App, Pane};
use crate::sanitize;

const SPINNER: [char; 10] = ['⠋', '⠙', '⠹', '⠸', '⠼', '⠴', '⠦', '⠧', '⠇', '⠏'];

pub fn render(frame: &mut Frame, app: &App, area: Rect) {
    let p = palette(app.theme);
    let mut spans = vec![Span::styled(
        format!(" {} ", app.source.as_str()),
        p.tab_active,
    )];
    match app.as_of() {
        Some(as_of) => {
            let text = format!(
                " as of {}, {}",
                format::clock(app.now, as_of, app.tz),
                format::age(app.now, as_of)
            );
            if app.is_stale() {
                spans.push(Span::styled(format!("{text} (stale)"), p.warning));
            } else {
                spans.push(Span::raw(text));
            }
        }
        None => spans.push(Span::styled(" no data yet", p.warning)),
    }
    if let Some(me) = app.mine.status() {
        spans.push(Span::styled(format!("  {}", sanitize::cell(&me)), p.accent));
    } else if app.mine.on
        && let Some(me) = &app.mine.me
    {
        spans.push(Span::styled(
            format!("  me: {}", sanitize::cell(&me.label())),
            p.accent,
        ));
    }
    let burn = app.jobs.health.burn;
    if app.pane == Pane::Jobs && burn.resources > 0 {
        spans.push(Span::styled(format!("  {burn}"), p.title));
    }
    if let Some(refreshing) = &app.refreshing {
        let frame_char = SPINNER[(app.ticks % SPINNER.len() as u64) as usize];
        // The phases say what is still coming; "refreshing" only until the first of them.
        let mut text = format!("  {frame_char}");
        match &refreshing.progress {
            Some(progress) if !progress.label.is_empty() => {}
            _ => text.push_str(" refreshing"),
        }
        if let Some(progress) = &refreshing.progress {
            text.push(' ');
            text.push_str(&sanitize::cell(&progress.label));
            if progress.total > 0 {
                text.push_str(&format!(" {}/{}", progress.done + 1, progress.total));
            }
        }
        spans.push(Span::styled(text, p.accent));
    }
    spans.extend(cost_explorer_today(app, &p));
    if let Some(notice) = &app.notice {
        spans.push(Span::styled(
            format!("  {}", sanitize::cell(&notice.text)),
            p.accent,
        ));
    } else if let Some(latest) = app.errors.latest() {
        let style = if app.errors_from_last_refresh > 0 {
            p.error
        } else {
            p.dim
        };
        let earlier = app.errors.len() - 1;
        let more = if earlier > 0 {
            format!(" (+{earlier} earlier, E)")
        } else {
            " (E)".to_string()
        };
        let when = format::clock(app.now, latest.last_seen, app.tz);
        let text = sanitize::cell(&latest.text).replace('␊', " ");
        spans.push(Span::styled(format!("  ✗ {when} "), style));
        let room = usize::from(area.width)
            .saturating_sub(spans.iter().map(Span::width).sum::<usize>() + more.len());
        spans.push(Span::styled(format::truncate(&text, room.max(8)), style));
        spans.push(Span::styled(more, p.dim));
    }
    frame.render_widget(Line::from(spans), area);
}

/// Cost Explorer requests and dollars spent today (each request costs USD 0.01).
fn cost_explorer_today<'a>(app: &App, p: &super::theme::Palette) -> Option<Span<'a>> {
    let ledger = app.spend.ledger?;
    Some(Span::styled(
        format!("  CE today {} req ${:.2}", ledger.requests, ledger.usd),
        p.dim,
    ))
}
