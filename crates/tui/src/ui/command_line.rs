//! The bottom line: what is being typed after `/` or `:`, or else the keys that matter here.

use ratatui::Frame;
use ratatui::layout::{Position, Rect};
use ratatui::text::{Line, Span};

use super::format;
use super::theme::palette;
use crate::app::{App, InputKind};
use crate::keymap;
use sagescope_core::sanitize;

pub fn render(frame: &mut Frame, app: &App, area: Rect) {
    let p = palette(app.theme);
    if let Some(requests) = app.spend.confirm {
        let billed = if app.mode == crate::app::Mode::Demo {
            " (demo: not billed)"
        } else {
            ""
        };
        let line = Line::from(vec![
            Span::styled(
                format!(
                    " Refresh spend: ~{requests} Cost Explorer request{}, USD {:.2}{billed}?",
                    if requests == 1 { "" } else { "s" },
                    f64::from(requests) * sagescope_engine::spend::USD_PER_REQUEST
                ),
                p.warning,
            ),
            Span::styled(" y", p.key),
            Span::styled("/", p.dim),
            Span::styled("n", p.key),
        ]);
        frame.render_widget(line, area);
        return;
    }
    if let Some(input) = &app.input {
        let (prefix, help) = match input.kind {
            InputKind::Filter => ("/", "  Enter keep · Esc clear · !text excludes"),
            InputKind::Command => (":", "  jobs spend untagged errors help refresh q"),
            InputKind::Search => ("/", "  Enter search · n/N next/previous · Esc cancel"),
        };
        let text = sanitize::cell(&input.text);
        let typed = format!("{prefix}{text}");
        let cursor_x = area.x + u16::try_from(format::width(&typed)).unwrap_or(area.width);
        let line = Line::from(vec![
            Span::styled(typed, p.key),
            Span::raw(" "),
            Span::styled(help, p.dim),
        ]);
        frame.render_widget(line, area);
        if cursor_x < area.x + area.width {
            frame.set_cursor_position(Position::new(cursor_x, area.y));
        }
        return;
    }
    let mut spans = Vec::new();
    let mut used = 0;
    for (key, hint) in keymap::hints(app.key_context()) {
        let width = format::width(&key) + hint.len() + 3;
        if used + width > usize::from(area.width) {
            break;
        }
        used += width;
        spans.push(Span::styled(format!(" {key}"), p.key));
        spans.push(Span::styled(format!(" {hint} "), p.dim));
    }
    frame.render_widget(Line::from(spans), area);
}
