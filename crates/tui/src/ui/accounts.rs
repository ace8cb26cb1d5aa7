//! The account picker (`:accounts`): all accounts, each account with its id, OU path, rows
//! and error, then each OU by its path (`ml / vision`); the cursor's line highlighted, the window following it.

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Paragraph};

use super::format::truncate;
use super::theme::{Palette, palette};
use crate::app::{App, PickerEntry};
use sagescope_core::sanitize;
use sagescope_engine::org::UnitPath;

pub fn render(frame: &mut Frame, app: &App, area: Rect) {
    let p = palette(app.theme);
    let entries = app.picker_shown();
    let (filter, cursor) = app
        .accounts
        .picker
        .as_ref()
        .map_or((String::new(), 0), |pk| (pk.filter.clone(), pk.cursor));
    let mut title = vec![Span::styled(" Accounts ", p.title)];
    if let Some(scope) = app.accounts.title() {
        title.push(Span::styled(
            format!("· now {} ", sanitize::cell(&scope)),
            p.accent,
        ));
    }
    if !filter.is_empty() {
        title.push(Span::styled(
            format!("· /{} ", sanitize::cell(&filter)),
            p.dim,
        ));
    }
    let block = Block::bordered()
        .border_style(p.border)
        .title(Line::from(title))
        .title_bottom(Line::styled(
            " Enter choose · / filter · Esc keep the current choice ",
            p.dim,
        ));
    let inner = block.inner(area);
    // One line for the header, the rest for entries.
    let height = usize::from(inner.height).saturating_sub(1).max(1);
    let width = usize::from(inner.width);
    let first = cursor.saturating_sub(height - 1);
    let header = format!(
        " {:<24} {:<16} {:<14} {:>11}  error",
        "ACCOUNT", "ID", "OU", "ROWS"
    );
    let mut lines = vec![Line::styled(truncate(&header, width), p.header)];
    if entries.is_empty() {
        lines.push(Line::styled(" Nothing matches the filter.", p.dim));
    } else {
        lines.extend(
            entries
                .iter()
                .enumerate()
                .skip(first)
                .take(height)
                .map(|(i, entry)| line(entry, i == cursor, width, &p)),
        );
    }
    frame.render_widget(Paragraph::new(lines).block(block), area);
}

/// The ID column: an account id (12 digits) or an OU id as Organizations makes them
/// (`ou-` and 4 then 8 characters, 16 in all).
const ID_WIDTH: usize = 16;

/// One entry: `name  id  OU  rows  error`, in columns sized for 80 cells and up.
fn line(entry: &PickerEntry, selected: bool, width: usize, p: &Palette) -> Line<'static> {
    let (text, style) = match entry {
        PickerEntry::All { accounts, rows } => (
            format!(" all accounts  ({accounts} accounts, {rows} rows)"),
            p.accent,
        ),
        PickerEntry::Account(a) => {
            let ou = a.unit.as_ref().map(UnitPath::label).unwrap_or_default();
            let mut text = format!(
                " {:<24} {:<16} {:<14} {:>6} rows",
                truncate(&sanitize::cell(&a.name), 24),
                truncate(&sanitize::cell(a.id.as_deref().unwrap_or("")), ID_WIDTH),
                truncate(&sanitize::cell(&ou), 14),
                a.rows
            );
            let style = match &a.error {
                Some(error) => {
                    text.push_str(&format!("  ! {}", sanitize::cell(error)));
                    p.failed
                }
                None => p.text,
            };
            (text, style)
        }
        PickerEntry::Unit {
            unit,
            accounts,
            rows,
        } => (
            format!(
                " OU {:<21} {:<16} {:<14} {:>6} rows",
                truncate(&sanitize::cell(&unit.label()), 21),
                truncate(
                    &sanitize::cell(unit.parent().map_or("", |u| u.id.as_str())),
                    ID_WIDTH
                ),
                format!(
                    "{accounts} account{}",
                    if *accounts == 1 { "" } else { "s" }
                ),
                rows
            ),
            p.text,
        ),
    };
    let text = truncate(&text, width);
    Line::styled(text, if selected { p.selected } else { style })
}
