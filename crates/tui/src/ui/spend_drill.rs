//! The drill-down part of a spend row's detail: the value's budget, its spend by service and
//! by linked account (with the config's account names), the member-account note, the top
//! resources carrying the value with the days each cost source covers, and for the untagged
//! share the way to the resources that cause it.

use ratatui::text::{Line, Span};

use super::format;
use super::theme::Palette;
use crate::app::{App, SpendLine};
use sagescope_core::model::{CostSource, ResourceCost};
use sagescope_core::sanitize;
use sagescope_engine::spend::drill::Share;
use sagescope_engine::spend::top::TopResources;

/// Lines for the drill-down of `line`, `width` cells wide.
pub fn lines(app: &App, line: &SpendLine, width: usize, p: &Palette) -> Vec<Line<'static>> {
    let spend = &app.spend;
    let mut out = Vec::new();
    if let Some(status) = spend.outlook.as_ref().and_then(|o| {
        o.budgets
            .iter()
            .find(|b| b.budget.tag_key == spend.key() && b.budget.tag_value == line.value)
    }) {
        let mut text = format!(
            " budget          {} of {} this month ({:.0}%)",
            format::money(status.month_to_date, &spend.unit),
            format::money(status.budget.monthly_usd, &spend.unit),
            status.pct_used
        );
        if let Some(projected) = status.projected {
            text.push_str(&format!(
                " · forecast {}",
                format::money(projected, &spend.unit)
            ));
        }
        let style = if status.over { p.warning } else { p.text };
        out.push(Line::styled(text, style));
        if status.over {
            out.push(Line::styled(
                "                 ⚠ the forecast crosses the budget".to_string(),
                p.warning,
            ));
        }
    }
    if line.is_untagged() {
        out.push(Line::raw(""));
        let offer = format!(
            "Spend on resources without `{}`: press u to list them in the Untagged pane.",
            sanitize::cell(spend.key())
        );
        for part in format::wrap(&offer, width.saturating_sub(2).max(10)) {
            out.push(Line::styled(format!(" {part}"), p.accent));
        }
    }
    let Some(drill) = spend.drill.as_ref() else {
        return out;
    };
    let scope = if spend.all_services {
        "all services"
    } else {
        "SageMaker"
    };
    let status = if drill.loading {
        Some(Span::styled("  loading…", p.accent))
    } else {
        drill
            .error
            .as_ref()
            .map(|e| Span::styled(format!("  ✗ {}", sanitize::cell(e)), p.error))
    };
    let answer = drill.answer.as_ref();
    let unit = answer.map_or(spend.unit.as_str(), |a| a.unit.as_str());
    let services = answer.map_or(&[][..], |a| a.by_service.as_slice());
    let accounts = answer.map_or(&[][..], |a| a.by_account.as_slice());
    heading(
        &mut out,
        "By service (every AWS service)",
        status.clone(),
        p,
    );
    table(&mut out, services, unit, width, p);
    heading(&mut out, &format!("By linked account ({scope})"), status, p);
    table(&mut out, accounts, unit, width, p);
    if let Some(note) = answer.and_then(|a| a.member_note.as_ref()) {
        for part in format::wrap(&sanitize::cell(note), width.saturating_sub(4).max(10)) {
            out.push(Line::styled(format!("   {part}"), p.warning));
        }
    }
    top_resources(&mut out, app, line, &drill.top, width, p);
    if let Some(split) = &drill.by_creator {
        by_creator(&mut out, split, width, p);
    }
    out
}

/// The untagged share's resources by who created them: whom to ask, with what each person's
/// untagged resources cost and their share of it.
fn by_creator(
    out: &mut Vec<Line<'static>>,
    split: &sagescope_engine::spend::top::CreatorSplit,
    width: usize,
    p: &Palette,
) {
    if split.resources == 0 {
        return;
    }
    heading(out, "By creator (the person to ask)", None, p);
    let name_width = width.saturating_sub(40).clamp(12, 48);
    for row in &split.rows {
        let style = if row.known { p.text } else { p.dim };
        out.push(Line::from(vec![
            Span::styled(
                format!(
                    "   {:<name_width$}",
                    format::truncate(&sanitize::cell(&row.creator), name_width)
                ),
                style,
            ),
            Span::raw(format!("{:>11} ", format::money(row.usd, "USD"))),
            Span::raw(format!("{:>4.0}%", row.share * 100.0)),
            Span::styled(format!("  {} resources", row.resources), p.dim),
        ]));
    }
}

/// The costliest listed resources carrying the value (lacking the key for the untagged
/// share), each with its cost and source, and what days each source covers.
fn top_resources(
    out: &mut Vec<Line<'static>>,
    app: &App,
    line: &SpendLine,
    top: &TopResources,
    width: usize,
    p: &Palette,
) {
    let key = sanitize::cell(app.spend.key()).into_owned();
    let which = if line.is_untagged() {
        format!("without `{key}`")
    } else {
        format!("{key}={}", sanitize::cell(&line.value))
    };
    heading(out, &format!("Top resources · {which}"), None, p);
    if top.carrying == 0 {
        out.push(Line::styled(
            "   no listed resource carries it (tags are read with each refresh)".to_string(),
            p.dim,
        ));
        return;
    }
    let name_width = width.saturating_sub(30).clamp(12, 60);
    for row in &top.rows {
        let label = format!(
            "{} ({} · {})",
            sanitize::cell(&row.name),
            row.kind,
            sanitize::cell(&row.account_name)
        );
        out.push(Line::from(vec![
            Span::raw(format!(
                "   {:<name_width$}",
                format::truncate(&label, name_width)
            )),
            Span::raw(format!("{:>11} ", amount(&row.cost))),
            Span::styled(row.cost.source.as_str().to_string(), p.dim),
        ]));
    }
    let unpriced = top.carrying - top.priced;
    let mut summary = format!(
        "{} of {} resources priced, {} together",
        top.priced,
        top.carrying,
        format::money(top.total_usd, "USD")
    );
    if unpriced > 0 {
        summary.push_str(&format!("; {unpriced} without a known cost"));
    }
    out.push(Line::styled(format!("   {summary}"), p.dim));
    out.push(Line::styled(
        "   each its own cost, over its source's days (not the pane's range):".to_string(),
        p.dim,
    ));
    for source in &top.sources {
        let note = window_note(*source, app);
        for part in format::wrap(&note, width.saturating_sub(4).max(10)) {
            out.push(Line::styled(format!("   {part}"), p.dim));
        }
    }
}

/// `$1,234`, or `~$1,234` for an estimate, as the pane's other amounts.
fn amount(cost: &ResourceCost) -> String {
    let money = format::money(cost.usd, "USD");
    match cost.source {
        CostSource::Estimate => format!("~{money}"),
        _ => money,
    }
}

/// The days a cost source covers, which are not the Spend pane's range.
fn window_note(source: CostSource, app: &App) -> String {
    let days = match source {
        CostSource::CeResource => match app.jobs.health.measured_window(source) {
            Some((first, last)) => format!("{first} to {last} (Cost Explorer keeps 14 days)"),
            None => "the last 14 days".to_string(),
        },
        CostSource::Cur => "the report's billing periods".to_string(),
        CostSource::BillableTime => "each training job's whole billed run".to_string(),
        CostSource::Estimate => "from creation at today's price (~)".to_string(),
    };
    format!("  {}: {days}", source.as_str())
}

fn heading(out: &mut Vec<Line<'static>>, text: &str, status: Option<Span<'static>>, p: &Palette) {
    out.push(Line::raw(""));
    let mut spans = vec![Span::styled(format!(" {text}"), p.header)];
    spans.extend(status);
    out.push(Line::from(spans));
}

/// One line per share: name, amount, share of the breakdown's total, a bar.
fn table(out: &mut Vec<Line<'static>>, shares: &[Share], unit: &str, width: usize, p: &Palette) {
    let total: f64 = shares.iter().map(|s| s.amount).sum();
    let max = shares.iter().map(|s| s.amount).fold(0.0_f64, f64::max);
    let name_width = width.saturating_sub(34).clamp(12, 40);
    let bar_room = width.saturating_sub(name_width + 26).min(30);
    for share in shares {
        let label = match &share.name {
            Some(name) => format!("{} ({})", sanitize::cell(name), sanitize::cell(&share.key)),
            None => sanitize::cell(&share.key).into_owned(),
        };
        let fraction = if total > 0.0 {
            share.amount / total
        } else {
            0.0
        };
        let cells = if max > 0.0 {
            (share.amount / max * bar_room as f64).round() as usize
        } else {
            0
        };
        out.push(Line::from(vec![
            Span::raw(format!(
                "   {:<name_width$}",
                format::truncate(&label, name_width)
            )),
            Span::raw(format!(
                "{:>11} {:>6} ",
                format::money(share.amount, unit),
                format::share(fraction)
            )),
            Span::styled("█".repeat(cells), p.accent),
        ]));
    }
}
