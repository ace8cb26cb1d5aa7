//! Toasts: each alert as a small box (what, where and how, why) stacked in the bottom-right corner over whatever pane is
//! open, newest at the bottom, gone after a few seconds by themselves (they never take a key).

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::Line;
use ratatui::widgets::{Block, Clear, Paragraph};

use super::events::kind_style;
use super::format;
use super::theme::palette;
use crate::app::App;
use sagescope_core::sanitize;

/// Widest a toast gets.
const WIDTH: u16 = 56;

/// Draws the toasts inside `area` (the pane's area), from its bottom edge up.
pub fn render(frame: &mut Frame, app: &App, area: Rect) {
    let p = palette(app.theme);
    let width = WIDTH.min(area.width.saturating_sub(2));
    if width < 12 {
        return;
    }
    let x = area.x + area.width.saturating_sub(width + 1);
    let mut bottom = area.y + area.height.saturating_sub(1);
    for toast in app.events.toasts.iter().rev() {
        // A border and one row per line.
        let height = toast.lines.len() as u16 + 2;
        if bottom < area.y + height {
            break;
        }
        let rect = Rect::new(x, bottom - height, width, height);
        bottom -= height;
        let room = usize::from(width.saturating_sub(2));
        let style = kind_style(toast.kind, &p);
        let title = format::truncate(&sanitize::cell(&toast.title), room.saturating_sub(2));
        let block = Block::bordered()
            .border_style(style)
            .title(Line::styled(format!(" {title} "), style));
        let lines: Vec<Line> = toast
            .lines
            .iter()
            .enumerate()
            .map(|(i, text)| {
                let text = format::truncate(&sanitize::cell(text), room);
                if i == 0 {
                    Line::styled(text, p.title)
                } else {
                    Line::raw(text)
                }
            })
            .collect();
        frame.render_widget(Clear, rect);
        frame.render_widget(Paragraph::new(lines).block(block), rect);
    }
}
