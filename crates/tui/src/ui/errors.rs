//! The error history (`E` or `:errors`): every error this session, newest first.

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Paragraph};

use super::format;
use super::theme::palette;
use crate::app::App;
use sagescope_core::sanitize;

/// Room for `11-20 14:02 ×12 `.
const PREFIX: usize = 18;

pub fn render(frame: &mut Frame, app: &App, area: Rect) {
    let p = palette(app.theme);
    let block = Block::bordered()
        .border_style(p.border)
        .title(Line::styled(
            format!(" Errors {} ", app.errors.len()),
            p.title,
        ))
        .title_bottom(Line::styled(" Esc back · j/k scroll ", p.dim));
    let inner = block.inner(area);
    let lines = lines(app, inner.width);
    let scroll = app
        .overlay_scroll
        .min(lines.len().saturating_sub(usize::from(inner.height)));
    let lines: Vec<Line> = lines.into_iter().skip(scroll).collect();
    frame.render_widget(Paragraph::new(lines).block(block), area);
}

pub fn line_count(app: &App, width: u16) -> usize {
    lines(app, width).len()
}

fn lines(app: &App, width: u16) -> Vec<Line<'static>> {
    let p = palette(app.theme);
    if app.errors.is_empty() {
        return vec![Line::styled(" No errors so far.", p.dim)];
    }
    let room = usize::from(width).saturating_sub(PREFIX + 1).max(10);
    let mut out = Vec::new();
    for entry in app.errors.newest_first() {
        let when = format::clock(app.now, entry.last_seen, app.tz);
        let count = if entry.count > 1 {
            format!("×{}", entry.count)
        } else {
            String::new()
        };
        let prefix = format!(" {when:>11} {count:<5}");
        for (n, part) in format::wrap(&sanitize::block(&entry.text), room)
            .into_iter()
            .enumerate()
        {
            let lead = if n == 0 {
                prefix.clone()
            } else {
                " ".repeat(PREFIX)
            };
            out.push(Line::from(vec![
                Span::styled(lead, p.dim),
                Span::styled(part, p.error),
            ]));
        }
    }
    out
}
