//! The log view: one stream of a resource's CloudWatch Logs, scrolled from `LogView::top`,
//! wrapped (or cut) at the view's width the way `LogView::row_count` counts it, with the
//! search's matches and the current hit marked.

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::Line;
use ratatui::widgets::{Block, Paragraph};

use super::format;
use super::theme::palette;
use crate::app::{App, LogView, chunks};
use sagescope_core::sanitize;

pub fn render(frame: &mut Frame, app: &App, view: &LogView, area: Rect) {
    let p = palette(app.theme);
    let block = Block::bordered()
        .border_style(p.border)
        .title(Line::styled(
            format!(" {} ", title(view, usize::from(area.width))),
            p.title,
        ))
        .title_bottom(status(view, &p));
    let inner = block.inner(area);
    let width = usize::from(inner.width).max(1);
    let rows = usize::from(inner.height);
    let mut lines: Vec<Line> = Vec::with_capacity(rows);
    if view.lines.is_empty() {
        lines.push(Line::styled(empty_note(view), p.dim));
    }
    for (index, event) in view.lines.iter().enumerate().skip(view.top) {
        if lines.len() >= rows {
            break;
        }
        let style = if view.hit == Some(index) {
            p.selected
        } else if view.is_match(index) {
            p.accent
        } else if is_error(&event.message) {
            p.error
        } else {
            p.text
        };
        let text = view.display(event);
        if view.wrap {
            for piece in chunks(&text, width) {
                if lines.len() >= rows {
                    break;
                }
                lines.push(Line::styled(piece, style));
            }
        } else {
            lines.push(Line::styled(format::truncate(&text, width), style));
        }
    }
    frame.render_widget(Paragraph::new(lines).block(block), area);
}

/// ` Logs · training bert-ft · algo-1-1700000000 (1/2, s next) · following `, the name cut
/// first when the view is narrow, so the stream and its state stay readable.
fn title(view: &LogView, width: usize) -> String {
    let target = &view.target;
    let mut rest = String::new();
    if let (Some(stream), Some(all)) = (view.current_stream(), &view.streams) {
        rest.push_str(&format!(
            " · {}",
            format::truncate(&sanitize::cell(target.short(&stream.name)), 40)
        ));
        if all.len() > 1 {
            rest.push_str(&format!(" ({}/{}, s next)", view.stream + 1, all.len()));
        }
    }
    if view.follow {
        rest.push_str(" · following");
    }
    let head = format!("Logs · {} ", target.kind.as_str());
    let room = width
        .saturating_sub(format::width(&head) + format::width(&rest) + 4)
        .max(12);
    format!(
        "{head}{}{rest}",
        format::truncate(&sanitize::cell(&target.name), room)
    )
}

/// The bottom border: loading, the last error, or where the view is.
fn status<'a>(view: &LogView, p: &super::theme::Palette) -> Line<'a> {
    if let Some(error) = &view.error {
        return Line::styled(
            format!(" {} ", sanitize::cell(error).replace('␊', " ")),
            p.error,
        );
    }
    if view.loading {
        return Line::styled(" loading… ", p.accent);
    }
    let mut text = format!(
        " {} lines · {}/{}",
        view.lines.len(),
        (view.top + 1).min(view.lines.len()),
        view.lines.len()
    );
    if view.dropped > 0 {
        text.push_str(&format!(
            " · {} older dropped (last {} kept)",
            format::count(view.dropped),
            format::count(crate::app::MAX_LOG_LINES)
        ));
    }
    if !view.search.is_empty() {
        text.push_str(&format!(
            " · /{}",
            format::truncate(&sanitize::cell(&view.search), 24)
        ));
    }
    if !view.wrap {
        text.push_str(" · cut");
    }
    text.push(' ');
    Line::styled(text, p.dim)
}

fn empty_note(view: &LogView) -> String {
    if view.loading || view.error.is_some() {
        return String::new();
    }
    let place = &view.target.place;
    match &view.streams {
        Some(streams) if streams.is_empty() => format!(
            "No log streams in {} under {}*: the resource has not logged yet, or its logs expired.",
            sanitize::cell(&place.group),
            sanitize::cell(&place.prefix)
        ),
        _ if view.follow => "No lines yet; following.".to_string(),
        _ => "No lines in this stream yet (F follows it).".to_string(),
    }
}

fn is_error(message: &str) -> bool {
    ["Error", "Traceback", "Exception"]
        .iter()
        .any(|w| message.contains(w))
}
