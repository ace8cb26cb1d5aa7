//! The table every pane draws: columns that fit the width by priority, and only the rows of
//! the visible window handed to ratatui (so 100,000 rows cost what 40 do).

use ratatui::Frame;
use ratatui::layout::{Constraint, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Cell, Row, Table};

use super::theme::Palette;

/// A column as a pane describes it.
#[derive(Debug, Clone, Copy)]
pub struct ColumnSpec {
    pub title: &'static str,
    /// Its width; for the flexible column, the least it may shrink to before lower priority
    /// columns are dropped.
    pub width: u16,
    /// 0 is kept longest; columns drop from the highest number up as the terminal narrows.
    pub priority: u8,
    pub right: bool,
    /// Takes the room the other columns leave (the name column).
    pub flex: bool,
}

impl ColumnSpec {
    pub const fn new(title: &'static str, width: u16, priority: u8) -> Self {
        ColumnSpec {
            title,
            width,
            priority,
            right: false,
            flex: false,
        }
    }

    /// A column that takes the room left over, but never less than `min`.
    pub const fn flexible(title: &'static str, min: u16, priority: u8) -> Self {
        ColumnSpec {
            title,
            width: min,
            priority,
            right: false,
            flex: true,
        }
    }

    pub const fn right(mut self) -> Self {
        self.right = true;
        self
    }
}

/// Which columns fit in `available` cells and how wide each is, in display order.
///
/// Columns are taken by priority until one does not fit; it and every less important column
/// are dropped, so what disappears is always the least important. The first flexible column
/// gets what is left.
pub fn fit(specs: &[ColumnSpec], available: u16) -> Vec<(usize, u16)> {
    let mut by_priority: Vec<usize> = (0..specs.len()).collect();
    by_priority.sort_by_key(|&i| specs[i].priority);
    let mut chosen: Vec<usize> = Vec::new();
    let mut used: u16 = 0;
    for i in by_priority {
        let need = specs[i].width + u16::from(!chosen.is_empty());
        if used.saturating_add(need) > available {
            break;
        }
        used += need;
        chosen.push(i);
    }
    chosen.sort_unstable();
    let mut widths: Vec<(usize, u16)> = chosen.iter().map(|&i| (i, specs[i].width)).collect();
    if let Some((_, width)) = widths.iter_mut().find(|(i, _)| specs[*i].flex) {
        *width += available - used;
    }
    widths
}

/// One table draw: the block, the header and the window of rows.
pub struct TableDraw<'a> {
    pub block: Block<'a>,
    pub specs: &'a [ColumnSpec],
    pub columns: &'a [(usize, u16)],
    /// Column index (into `specs`) sorted by, and whether descending.
    pub sorted_by: Option<(usize, bool)>,
    /// Cells per row, one per chosen column.
    pub rows: Vec<Vec<Span<'a>>>,
    /// Row of the window under the cursor.
    pub selected: Option<usize>,
}

pub fn draw(frame: &mut Frame, area: Rect, draw: TableDraw<'_>, palette: &Palette) {
    let header = Row::new(draw.columns.iter().map(|&(i, width)| {
        let spec = draw.specs[i];
        let arrow = match draw.sorted_by {
            Some((sorted, true)) if sorted == i => "↓",
            Some((sorted, false)) if sorted == i => "↑",
            _ => "",
        };
        // The arrow must survive a narrow column: shorten the title, not the arrow.
        let room = usize::from(width).saturating_sub(arrow.chars().count());
        let title = format!("{}{arrow}", super::format::truncate(spec.title, room));
        cell(Span::raw(title), width, spec.right)
    }))
    .style(palette.header);
    let rows = draw.rows.into_iter().enumerate().map(|(n, cells)| {
        let row = Row::new(
            cells
                .into_iter()
                .zip(draw.columns)
                .map(|(span, &(i, width))| cell(span, width, draw.specs[i].right)),
        );
        if draw.selected == Some(n) {
            row.style(palette.selected)
        } else {
            row
        }
    });
    let widths: Vec<Constraint> = draw
        .columns
        .iter()
        .map(|&(_, w)| Constraint::Length(w))
        .collect();
    let table = Table::new(rows, widths)
        .header(header)
        .column_spacing(1)
        .block(draw.block);
    frame.render_widget(table, area);
}

/// A cell cut to its width with `…`, right-aligned for numbers.
fn cell(span: Span<'_>, width: u16, right: bool) -> Cell<'_> {
    let fitted = super::format::truncate(&span.content, usize::from(width));
    let span = Span::styled(fitted, span.style);
    let line = Line::from(span);
    Cell::from(if right { line.right_aligned() } else { line })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn specs() -> Vec<ColumnSpec> {
        vec![
            ColumnSpec::new("account", 8, 3),
            ColumnSpec::flexible("name", 20, 0),
            ColumnSpec::new("status", 12, 1),
            ColumnSpec::new("instance", 18, 5),
            ColumnSpec::new("age", 7, 2),
        ]
    }

    #[test]
    fn everything_fits_when_wide_and_the_name_takes_the_rest() {
        let fitted = fit(&specs(), 120);
        assert_eq!(fitted.len(), 5);
        let total: u16 = fitted.iter().map(|(_, w)| w).sum::<u16>() + 4;
        assert_eq!(total, 120);
        assert_eq!(fitted[1], (1, 120 - 4 - 8 - 12 - 18 - 7));
    }

    #[test]
    fn narrow_terminals_drop_the_least_important_columns_first() {
        let fitted = fit(&specs(), 50);
        let kept: Vec<&str> = fitted.iter().map(|(i, _)| specs()[*i].title).collect();
        assert_eq!(kept, ["account", "name", "status", "age"]);
        let fitted = fit(&specs(), 30);
        let kept: Vec<&str> = fitted.iter().map(|(i, _)| specs()[*i].title).collect();
        assert_eq!(
            kept,
            ["name"],
            "once status does not fit, nothing less important shows"
        );
    }
}
