//! The Cost part of a job's detail: what it cost by every source that prices it, best first,
//! with the figures behind billed time (and what managed spot saved).

use super::Lines;
use crate::app::App;
use crate::ui::format;
use sagescope_core::model::{CostSource, Job};

/// Adds the Cost section when any source prices the resource.
pub(super) fn lines(out: &mut Lines, job: &Job, app: &App) {
    let costs = app.jobs.health.costs_of(job, app.now);
    // A running resource's estimate is the Burn section's "so far": said once is enough.
    let only_estimate = costs.iter().all(|c| c.source == CostSource::Estimate);
    if costs.is_empty() || (only_estimate && sagescope_core::pricing::is_burning(job)) {
        return;
    }
    let p = out.palette;
    let heading = if costs.len() > 1 {
        "Cost (sources compared, best first)"
    } else {
        "Cost"
    };
    out.heading(heading.into());
    let prices = app.jobs.health.prices();
    for (rank, cost) in costs.iter().enumerate() {
        let how = match cost.source {
            CostSource::Cur => "CUR 2.0 line items (Athena)".to_string(),
            CostSource::CeResource => resource_level(job, app),
            CostSource::BillableTime => match sagescope_core::cost::billable_time(job, prices) {
                Some(b) => format!(
                    "{} billed × {} × ${}/h",
                    format::duration(chrono::Duration::seconds(
                        i64::try_from(b.billable_seconds).unwrap_or(i64::MAX)
                    )),
                    b.instances,
                    b.usd_per_instance_hour
                ),
                None => String::new(),
            },
            CostSource::Estimate => format!(
                "today's $/h × {} (from creation, provisioning included)",
                format::duration(job.duration(app.now))
            ),
        };
        let style = if rank == 0 { p.title } else { p.text };
        out.field(
            cost.source.as_str(),
            &format!("{} · {how}", cost.cell()),
            style,
        );
    }
    if let Some(saved) =
        sagescope_core::cost::billable_time(job, prices).and_then(|b| b.spot_saving_usd)
    {
        out.field(
            "spot saving",
            &format!("${saved:.2} against on-demand for the seconds trained"),
            p.running,
        );
    }
}

/// Where a `ce-resource` figure comes from and the days it covers: a resource created before
/// the window cost more than the figure, and the line says so.
fn resource_level(job: &Job, app: &App) -> String {
    let window = app.jobs.health.measured_window(CostSource::CeResource);
    match window {
        Some((first, last)) if job.created_at.date_naive() < first => format!(
            "Cost Explorer, resource-level, last 14 days only ({first} to {last}): it ran before, those days are not counted"
        ),
        Some((first, last)) => {
            format!(
                "Cost Explorer, resource-level ({first} to {last}, every day since it was created)"
            )
        }
        None => "Cost Explorer, resource-level, last 14 days".to_string(),
    }
}
