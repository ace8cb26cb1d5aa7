//! The daily-totals chart under the Spend table: one bar per day, stacked by the top tag
//! values, the rest as "other" and the untagged share on top where it cannot hide.
//!
//! Drawn cell by cell: with colour each series is a colour, in mono a different shade glyph,
//! so the chart still reads under `NO_COLOR`.

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::style::Style;
use ratatui::text::{Line, Span};

use super::format;
use super::theme::palette;
use crate::app::{App, SpendPane};
use sagescope_core::model::UNTAGGED_LABEL;
use sagescope_core::sanitize;

/// Tag values drawn on their own; the rest are summed as "other".
const TOP: usize = 4;

struct Series {
    label: String,
    glyph: char,
    style: Style,
    daily: Vec<f64>,
    untagged: bool,
}

fn series(app: &App) -> Vec<Series> {
    let p = palette(app.theme);
    let spend = &app.spend;
    let mut tagged: Vec<_> = spend
        .lines
        .rows()
        .iter()
        .filter(|l| !l.is_untagged())
        .collect();
    tagged.sort_by(|a, b| b.total.total_cmp(&a.total).then(a.value.cmp(&b.value)));
    let mut out: Vec<Series> = tagged
        .iter()
        .take(TOP)
        .enumerate()
        .map(|(n, line)| Series {
            label: sanitize::cell(&line.value).into_owned(),
            glyph: p.glyphs[n],
            style: p.series[n],
            daily: line.daily.clone(),
            untagged: false,
        })
        .collect();
    if tagged.len() > TOP {
        let mut other = vec![0.0; spend.days.len()];
        for line in &tagged[TOP..] {
            for (slot, v) in other.iter_mut().zip(&line.daily) {
                *slot += v;
            }
        }
        out.push(Series {
            label: "other".into(),
            glyph: p.glyphs[TOP],
            style: p.series[TOP],
            daily: other,
            untagged: false,
        });
    }
    if let Some(untagged) = spend.lines.rows().iter().find(|l| l.is_untagged()) {
        out.push(Series {
            label: UNTAGGED_LABEL.into(),
            glyph: p.untagged_glyph,
            style: p.untagged,
            daily: untagged.daily.clone(),
            untagged: true,
        });
    }
    out
}

pub fn render(frame: &mut Frame, app: &App, area: Rect) {
    let spend = &app.spend;
    if area.height < 4 || area.width < 20 || spend.days.is_empty() {
        return;
    }
    let p = palette(app.theme);
    let series = series(app);
    let mut legend = vec![Span::styled("daily totals ", p.title)];
    // The untagged share first: it is the one the legend must never cut off.
    let (untagged, tagged): (Vec<&Series>, Vec<&Series>) = series.iter().partition(|s| s.untagged);
    for s in untagged.into_iter().chain(tagged) {
        legend.push(Span::styled(format!("{}", s.glyph), s.style));
        legend.push(Span::raw(format!(" {}  ", s.label)));
    }
    let note = format!("(last {} days estimated)", spend.estimated_days);
    let used: usize = legend.iter().map(Span::width).sum();
    if spend.estimated_days > 0 && used + note.len() <= usize::from(area.width) {
        legend.push(Span::styled(note, p.dim));
    }
    frame.render_widget(Line::from(legend), Rect { height: 1, ..area });

    let max = spend.daily_totals.iter().copied().fold(0.0_f64, f64::max);
    let labels = [
        format::money_short(max, &spend.unit),
        format::money_short(max / 2.0, &spend.unit),
        format::money_short(0.0, &spend.unit),
    ];
    let label_width = labels.iter().map(|l| format::width(l)).max().unwrap_or(1) as u16 + 1;
    let plot = Rect {
        x: area.x + label_width,
        y: area.y + 1,
        width: area.width.saturating_sub(label_width),
        height: area.height - 2,
    };
    let buf = frame.buffer_mut();
    let bottom = plot.y + plot.height - 1;
    for (label, y) in labels
        .iter()
        .zip([plot.y, plot.y + plot.height / 2, bottom])
    {
        let x = area.x + label_width - 1 - format::width(label) as u16;
        buf.set_string(x, y, label, p.dim);
    }
    let (first_day, step, bar) = bar_geometry(spend, plot.width);
    let scale = if max > 0.0 {
        f64::from(plot.height) / max
    } else {
        0.0
    };
    for (n, day) in (first_day..spend.days.len()).enumerate() {
        let x0 = plot.x + n as u16 * step;
        let mut below = 0.0;
        let mut filled = 0u16;
        for s in &series {
            below += s.daily.get(day).copied().unwrap_or(0.0);
            let top = ((below * scale).round() as u16).min(plot.height);
            for level in filled..top {
                for dx in 0..bar {
                    if let Some(cell) = buf.cell_mut((x0 + dx, bottom - level)) {
                        cell.set_char(s.glyph).set_style(s.style);
                    }
                }
            }
            filled = filled.max(top);
        }
    }
    let axis_y = area.y + area.height - 1;
    let first = spend.days[first_day].format("%m-%d").to_string();
    buf.set_string(plot.x, axis_y, &first, p.dim);
    if let Some(last) = spend.days.last() {
        let text = last.format("%m-%d").to_string();
        let last_x = plot.x + (spend.days.len() - first_day - 1) as u16 * step + bar;
        let x = last_x
            .saturating_sub(text.len() as u16)
            .max(plot.x + first.len() as u16 + 1);
        if x + text.len() as u16 <= plot.x + plot.width {
            buf.set_string(x, axis_y, &text, p.dim);
        }
    }
}

/// Which day is drawn first, how many cells apart bars are and how wide each is: a gap
/// between bars when there is room, and only the most recent days when there is not.
fn bar_geometry(spend: &SpendPane, width: u16) -> (usize, u16, u16) {
    let days = spend.days.len();
    let width = usize::from(width.max(1));
    if days > width {
        return (days - width, 1, 1);
    }
    let step = u16::try_from(width / days).unwrap_or(1).max(1);
    let bar = if step >= 3 { step - 1 } else { step };
    (0, step, bar)
}
