//! The tab bar: the three panes with their number keys, the active one highlighted.

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::Paragraph;

use super::theme::palette;
use crate::app::{App, Pane};

pub fn render(frame: &mut Frame, app: &App, area: Rect) {
    let p = palette(app.theme);
    let mut spans = Vec::new();
    for (n, pane) in Pane::ALL.iter().enumerate() {
        let label = format!(" {} {} ", n + 1, pane.title());
        spans.push(if *pane == app.pane {
            Span::styled(label, p.tab_active)
        } else {
            Span::styled(label, p.text)
        });
        spans.push(Span::raw(" "));
    }
    // The timeline has no number key: its tab shows while it is open (`:events`).
    if app.pane == Pane::Events {
        spans.push(Span::styled(
            format!(" {} ", Pane::Events.title()),
            p.tab_active,
        ));
        spans.push(Span::raw(" "));
    }
    let used: usize = spans.iter().map(|s| s.width()).sum();
    let name = " sagescope ";
    if usize::from(area.width) >= used + name.len() {
        spans.push(Span::raw(
            " ".repeat(usize::from(area.width) - used - name.len()),
        ));
        spans.push(Span::styled(name, p.title));
    }
    frame.render_widget(Paragraph::new(Line::from(spans)), area);
}
