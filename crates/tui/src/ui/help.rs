//! The `?` help screen, generated from the key table so it always tells the truth.

use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Paragraph};

use super::theme::{Palette, palette};
use crate::app::App;
use crate::keymap::{KEYMAP, Section};

/// From this width on, the sections are laid out in two columns.
const TWO_COLUMNS: u16 = 100;
const KEYS_WIDTH: usize = 14;

pub fn render(frame: &mut Frame, app: &App, area: Rect) {
    let p = palette(app.theme);
    let mut block = Block::bordered()
        .border_style(p.border)
        .title(Line::styled(" Keys ", p.title))
        .title_bottom(Line::styled(" Esc or ? back · j/k scroll ", p.dim));
    // Who `M` means, and where that came from (a guess says so, and how to correct it).
    let me = match (&app.mine.me, &app.mine.how) {
        (Some(me), Some(how)) => format!(" M means {} ({how}) ", me.label()),
        (Some(me), None) => format!(" M means {} ", me.label()),
        (None, _) => " M: set [me] owner in the config, or :me NAME ".to_string(),
    };
    block = block.title(
        Line::styled(sagescope_core::sanitize::cell(&me).into_owned(), p.dim).right_aligned(),
    );
    let inner = block.inner(area);
    frame.render_widget(block, area);
    let columns = columns(inner.width, &p);
    let longest = columns.iter().map(Vec::len).max().unwrap_or(0);
    let scroll = app
        .overlay_scroll
        .min(longest.saturating_sub(usize::from(inner.height)));
    let areas = Layout::horizontal(vec![Constraint::Fill(1); columns.len()]).split(inner);
    for (lines, area) in columns.into_iter().zip(areas.iter()) {
        let lines: Vec<Line> = lines.into_iter().skip(scroll).collect();
        frame.render_widget(Paragraph::new(lines), *area);
    }
}

pub fn line_count(width: u16) -> usize {
    let p = palette(sagescope_core::config::Theme::Mono);
    columns(width, &p).iter().map(Vec::len).max().unwrap_or(0)
}

fn columns(width: u16, p: &Palette) -> Vec<Vec<Line<'static>>> {
    let sections = Section::ALL;
    if width >= TWO_COLUMNS {
        let (left, right) = sections.split_at(4);
        vec![section_lines(left, p), section_lines(right, p)]
    } else {
        vec![section_lines(&sections, p)]
    }
}

fn section_lines(sections: &[Section], p: &Palette) -> Vec<Line<'static>> {
    let mut lines = Vec::new();
    for section in sections {
        if !lines.is_empty() {
            lines.push(Line::raw(""));
        }
        lines.push(Line::styled(format!(" {}", section.title()), p.header));
        for binding in KEYMAP.iter().filter(|b| b.section == *section) {
            let keys: Vec<String> = binding.keys.iter().map(|k| k.label()).collect();
            lines.push(Line::from(vec![
                Span::styled(
                    format!("   {:<width$}", keys.join(" "), width = KEYS_WIDTH),
                    p.key,
                ),
                Span::raw(binding.description),
            ]));
        }
    }
    lines
}
