//! Toasts: each alert as a small box stacked in the bottom-right corner over whatever pane is
//! open, newest at the bottom, gone after a few seconds by themselves (they never take a key).

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::Line;
use ratatui::widgets::{Block, Clear, Paragraph};

use super::events::kind_style;
use super::format;
use super::theme::palette;
use crate::app::App;
use crate::sanitize;

/// Widest a toast gets.
const WIDTH: u16 = 56;
/// Each toast: a border, its body on one line.
const HEIGHT: u16 = 3;

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
        if bottom < area.y + HEIGHT {
            break;
        }
        let rect = Rect::new(x, bottom - HEIGHT, width, HEIGHT);
        bottom -= HEIGHT;
        let room = usize::from(width.saturating_sub(4));
        let style = kind_style(toast.kind, &p);
        let title = format::truncate(&sanitize::cell(&toast.title), room);
        let block = Block::bordered()
            .border_style(style)
            .title(Line::styled(format!(" {title} "), style));
        let body = format::truncate(&sanitize::cell(&toast.body), room);
        frame.render_widget(Clear, rect);
        frame.render_widget(Paragraph::new(Line::raw(body)).block(block), rect);
    }
}
