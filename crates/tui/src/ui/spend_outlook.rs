//! The lines between the Spend table and its chart: month to date with the forecast to month
//! end, each budget's percent used (a warning when the forecast crosses it), and whatever the
//! user should do or know (the tag key is not activated, the last load failed).

use ratatui::text::{Line, Span};

use super::format;
use super::theme::Palette;
use crate::app::SpendPane;
use sagescope_core::sanitize;
use sagescope_engine::spend::BudgetStatus;

/// Lines a hint or an error may take: enough for the Billing console step to show.
const MESSAGE_LINES: usize = 3;

/// The outlook lines for the pane, most important first, for a pane `width` cells wide.
pub fn lines(spend: &SpendPane, width: u16, p: &Palette) -> Vec<Line<'static>> {
    let mut out = Vec::new();
    let room = usize::from(width).saturating_sub(2).max(20);
    let mut message = |mark: &str, text: &str, style| {
        for (n, part) in format::wrap(&sanitize::cell(text), room)
            .into_iter()
            .take(MESSAGE_LINES)
            .enumerate()
        {
            let lead = if n == 0 { mark } else { "  " };
            out.push(Line::styled(format!("{lead}{part}"), style));
        }
    };
    if let Some(error) = &spend.error {
        message("✗ ", error, p.error);
    }
    if let Some(hint) = &spend.hint {
        message("⚠ ", hint, p.warning);
    }
    let Some(outlook) = &spend.outlook else {
        return out;
    };
    let unit = outlook.unit.as_str();
    let month_end = outlook.month.end - chrono::Duration::days(1);
    let mut month = vec![
        Span::styled(
            format!("{} to date ", outlook.month.start.format("%B")),
            p.title,
        ),
        Span::raw(format::money(outlook.month_to_date, unit)),
    ];
    match (outlook.rest_forecast, &outlook.forecast_note) {
        (Some(rest), _) => {
            month.push(Span::raw(format!(
                " · forecast to {} +{} → ",
                month_end.format("%m-%d"),
                format::money(rest, unit)
            )));
            month.push(Span::styled(
                format::money(outlook.month_to_date + rest, unit),
                p.title,
            ));
        }
        (None, Some(note)) => {
            month.push(Span::styled(format!(" · {}", sanitize::cell(note)), p.dim));
        }
        (None, None) => {}
    }
    out.push(Line::from(month));
    for budget in &outlook.budgets {
        out.push(budget_line(budget, unit, p));
    }
    out
}

fn budget_line(status: &BudgetStatus, unit: &str, p: &Palette) -> Line<'static> {
    let budget = &status.budget;
    let mut spans = vec![
        Span::styled(
            if status.over {
                "⚠ budget "
            } else {
                "  budget "
            },
            if status.over { p.warning } else { p.dim },
        ),
        Span::raw(format!(
            "{}={} {}/{} {:.0}%",
            sanitize::cell(&budget.tag_key),
            sanitize::cell(&budget.tag_value),
            format::money(status.month_to_date, unit),
            format::money(budget.monthly_usd, unit),
            status.pct_used
        )),
    ];
    if let Some(projected) = status.projected {
        let pct = if budget.monthly_usd > 0.0 {
            projected / budget.monthly_usd * 100.0
        } else {
            0.0
        };
        spans.push(Span::raw(format!(
            " · forecast {} {pct:.0}%",
            format::money(projected, unit)
        )));
    }
    if status.over {
        let why = if status.month_to_date > budget.monthly_usd {
            " · over budget"
        } else {
            " · forecast crosses the budget"
        };
        spans.push(Span::styled(why, p.warning));
    }
    Line::from(spans)
}
