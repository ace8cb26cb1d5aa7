//! The burn and health part of a job's detail: what it costs per hour and so far (and where
//! the price comes from), why it is flagged, and one sparkline per metric.

use chrono::{DateTime, Utc};
use ratatui::style::Style;
use ratatui::text::{Line, Span};

use super::{LABEL, Lines};
use crate::app::{App, RowHealth, badge};
use crate::ui::format;
use sagescope_core::health::{self, Flag};
use sagescope_core::instances;
use sagescope_core::metrics::{MetricName, Point, ResourceMetrics};
use sagescope_core::model::{Job, ResourceKind, StatusPhase};
use sagescope_core::pricing::{self, Component, Prices};
use sagescope_core::sanitize;

/// Sparkline cells at most: one per minute of the hour shown.
const MAX_SPARK: usize = 60;
/// Room kept right of a sparkline for its figure (`  100.0 %`, `  12345 in 24 h`).
const FIGURE: usize = 16;

const BARS: [char; 8] = ['▁', '▂', '▃', '▄', '▅', '▆', '▇', '█'];

/// Adds the Burn, Flags and Utilisation sections for a running job; nothing for the rest.
pub(super) fn lines(out: &mut Lines, job: &Job, app: &App) {
    if job.status.phase() != StatusPhase::Running {
        return;
    }
    let health = &app.jobs.health;
    let row = health.row(&job.arn);
    if row.is_some_and(|r| r.burning) {
        burn(out, job, app);
    }
    if let Some(row) = row.filter(|r| r.is_flagged()) {
        flags(out, job, &row, app);
    }
    if matches!(job.kind, ResourceKind::Training | ResourceKind::Endpoint) {
        utilisation(out, job, health.metrics(&job.arn), app);
    }
}

fn burn(out: &mut Lines, job: &Job, app: &App) {
    let p = out.palette;
    out.heading("Burn (on-demand list price, estimate)".into());
    let prices = app.jobs.health.prices();
    if let Some(cluster) = job.compute.as_ref().and_then(|c| c.cluster()) {
        cluster_rate(out, job, cluster, prices);
        so_far(out, job, prices, app);
        return;
    }
    let count = pricing::instance_count(job);
    let quote = pricing::quote(job, prices);
    let rate = match (pricing::usd_per_hour(job, prices), quote, count) {
        (Some(rate), Some(quote), Some(count)) => format!(
            "${rate:.2} = {count} × ${} ({} in {}, {})",
            quote.usd_per_hour,
            sanitize::cell(job.instance_type.as_deref().unwrap_or_default()),
            sanitize::cell(&job.region),
            quote.describe(Component::of(job.kind))
        ),
        _ => match (&job.instance_type, count) {
            (None, _) => "? (instance type unknown)".to_string(),
            (Some(_), None) => "? (instance count unknown)".to_string(),
            (Some(t), Some(_)) => format!(
                "? (no price for {} in {}: neither the Price List nor assets/prices.csv has it)",
                sanitize::cell(t),
                sanitize::cell(&job.region)
            ),
        },
    };
    out.field("$/h", &rate, p.title);
    so_far(out, job, prices, app);
}

/// A cluster's rate: the sum, then one line per instance type (`4 × $25.25 (ml.p4d…)`).
fn cluster_rate(
    out: &mut Lines,
    job: &Job,
    cluster: &sagescope_core::model::ClusterInfo,
    prices: &Prices,
) {
    let p = out.palette;
    let total = pricing::usd_per_hour(job, prices).map_or_else(
        || {
            "? (an instance type has no price: neither the Price List nor assets/prices.csv has it)"
                .to_string()
        },
        |rate| format!("${rate:.2} for {} nodes", cluster.nodes()),
    );
    out.field("$/h", &total, p.title);
    for group in &cluster.groups {
        // Clusters are priced as training instances (see `pricing::hourly_rate`).
        let quote = prices.quote(&job.region, &group.instance_type, Component::Training);
        let line = match quote {
            Some(quote) => format!(
                "{} × ${} ({}, {})",
                group.count,
                quote.usd_per_hour,
                sanitize::cell(&group.instance_type),
                quote.describe(Some(Component::Training))
            ),
            None => format!(
                "{} × ? (no price for {} in {})",
                group.count,
                sanitize::cell(&group.instance_type),
                sanitize::cell(&job.region)
            ),
        };
        out.field(&format!("  {}", sanitize::cell(&group.name)), &line, p.text);
    }
}

fn so_far(out: &mut Lines, job: &Job, prices: &Prices, app: &App) {
    let p = out.palette;
    if let Some(spent) = pricing::usd_so_far(job, prices, app.now) {
        let text = format!(
            "${spent:.2} over {} (an upper bound: from creation, provisioning included)",
            format::duration(job.duration(app.now))
        );
        out.field("so far", &text, p.text);
    }
}

fn flags(out: &mut Lines, job: &Job, row: &RowHealth, app: &App) {
    let p = out.palette;
    let thresholds = app.jobs.health.thresholds();
    let metrics = app.jobs.health.metrics(&job.arn);
    let raised = row.flags();
    out.heading(format!("Flags ({})", raised.len()));
    for flag in &raised {
        let why = match flag {
            Flag::Idle => match job.app.as_ref().and_then(|a| a.last_activity_at) {
                Some(at) => format!(
                    "no user activity for {}, past health.app_idle_hours = {}, yet it bills every hour",
                    format::duration(app.now - at),
                    thresholds.app_idle_hours
                ),
                None => "no invocations in the last 24 h, yet it bills every hour".to_string(),
            },
            Flag::Underutilized => {
                let util = metrics.and_then(|m| {
                    health::deciding_utilisation(m, job.instance_type.as_deref(), app.now)
                });
                format!(
                    "averages {} over the last 30 min, under health.underutilized_pct = {} %",
                    util.map_or_else(|| "?".to_string(), |u| format!("{u:.1} %")),
                    thresholds.underutilized_pct
                )
            }
            Flag::LongRunning => format!(
                "running {}, past health.max_hours = {}",
                format::duration(job.duration(app.now)),
                thresholds.max_hours
            ),
            Flag::FailedNodes => {
                let cluster = job.compute.as_ref().and_then(|c| c.cluster());
                format!(
                    "{} of {} nodes failed; they bill until HyperPod replaces them",
                    cluster.map_or(0, |c| c.failed_nodes()),
                    cluster.map_or(0, |c| c.nodes())
                )
            }
        };
        out.field(
            flag.as_str(),
            &format!("{} · {why}", badge(*flag)),
            p.warning,
        );
    }
}

fn utilisation(out: &mut Lines, job: &Job, metrics: Option<&ResourceMetrics>, app: &App) {
    let p = out.palette;
    let as_of = app
        .jobs
        .health
        .metrics_as_of
        .map(|t| format!("; as of {}", format::clock(app.now, t, app.tz)))
        .unwrap_or_default();
    out.heading(format!(
        "Utilisation per vCPU / GPU, last hour (right: 30-min average{as_of})"
    ));
    let Some(metrics) = metrics else {
        out.lines.push(Line::styled(
            "   no metrics yet: they refresh every refresh.metrics_seconds".to_string(),
            p.dim,
        ));
        return;
    };
    if !metrics.complete {
        out.lines.push(Line::styled(
            "   CloudWatch answered only in part: flags from missing data are not raised"
                .to_string(),
            p.warning,
        ));
    }
    let instance_type = job.instance_type.as_deref();
    let spec = instance_type.and_then(instances::spec);
    let cells = out.width.saturating_sub(LABEL + 1 + FIGURE).min(MAX_SPARK);
    let shown: &[(MetricName, &str)] = match job.kind {
        ResourceKind::Endpoint => &[
            (MetricName::Invocations, "invocations/h"),
            (MetricName::CpuUtilization, "CPU"),
            (MetricName::GpuUtilization, "GPU"),
        ],
        _ => &[
            (MetricName::CpuUtilization, "CPU"),
            (MetricName::GpuUtilization, "GPU"),
            (MetricName::GpuMemoryUtilization, "GPU memory"),
            (MetricName::MemoryUtilization, "memory"),
        ],
    };
    for &(metric, label) in shown {
        if !metrics.has(metric) {
            continue;
        }
        let series = health::combined_series(metrics, metric, instance_type);
        let (values, spark, figure) = if metric == MetricName::Invocations {
            let total = health::invocations_24h(metrics, app.now);
            // An hour without requests has no point at all: on a complete answer it is 0.
            let values = if total.is_some() {
                hourly(&series, metrics.as_of)
            } else {
                series.iter().map(|(_, v)| *v).collect()
            };
            let total = total.map_or_else(|| "?".to_string(), |n| n.to_string());
            let spark = sparkline(&values, cells, None);
            (values, spark, format!("{total} in 24 h"))
        } else {
            let values: Vec<f64> = series.iter().map(|(_, v)| *v).collect();
            let devices = match metric {
                MetricName::CpuUtilization => spec.map(|s| s.vcpus),
                MetricName::GpuUtilization | MetricName::GpuMemoryUtilization => {
                    spec.map(|s| s.gpus)
                }
                MetricName::MemoryUtilization | MetricName::Invocations => None,
            };
            // The same average the flags and `export jobs` use.
            let raw: Vec<&[Point]> = metrics.series(metric).collect();
            let window = health::average(&raw, devices, health::UTILISATION_WINDOW, app.now);
            let spark = sparkline(&values, cells, Some(100.0));
            let figure = window.map_or_else(|| "no data".to_string(), |v| format!("{v:.1} %"));
            (values, spark, figure)
        };
        let spark = if values.is_empty() {
            "no data".to_string()
        } else {
            spark
        };
        out.lines.push(Line::from(vec![
            Span::styled(format!(" {label:<width$}", width = LABEL), p.dim),
            Span::styled(spark, spark_style(&p, metric)),
            Span::styled(format!("  {figure}"), p.text),
        ]));
    }
}

/// Requests per hour over the 24 hours ending at `end`, oldest first, 0 for hours without a
/// point.
fn hourly(series: &[Point], end: DateTime<Utc>) -> Vec<f64> {
    let mut hours = vec![0.0; 24];
    for (at, value) in series {
        let ago = (end - *at).num_minutes();
        if (0..24 * 60).contains(&ago) {
            let slot = usize::try_from(23 - ago / 60).unwrap_or(0);
            hours[slot] += value;
        }
    }
    hours
}

fn spark_style(p: &crate::ui::theme::Palette, metric: MetricName) -> Style {
    if metric == MetricName::Invocations {
        p.series[1]
    } else {
        p.accent
    }
}

/// A one-line sparkline `cells` wide at most. Longer series are averaged into buckets.
/// With `max` the scale is fixed (utilisation: 0 to 100 %, so an idle GPU stays flat and
/// low); without, it is the series' own maximum (invocations).
pub(crate) fn sparkline(values: &[f64], cells: usize, max: Option<f64>) -> String {
    if values.is_empty() || cells == 0 {
        return String::new();
    }
    let buckets: Vec<f64> = if values.len() <= cells {
        values.to_vec()
    } else {
        (0..cells)
            .map(|b| {
                let (from, to) = (b * values.len() / cells, (b + 1) * values.len() / cells);
                let slice = &values[from..to.max(from + 1)];
                slice.iter().sum::<f64>() / slice.len() as f64
            })
            .collect()
    };
    let top = max.unwrap_or_else(|| buckets.iter().copied().fold(0.0_f64, f64::max));
    buckets
        .iter()
        .map(|v| {
            if top <= 0.0 {
                BARS[0]
            } else {
                BARS[((v / top) * 7.0).round().clamp(0.0, 7.0) as usize]
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn utilisation_sparklines_use_a_fixed_scale() {
        assert_eq!(sparkline(&[0.0, 50.0, 100.0], 10, Some(100.0)), "▁▅█");
        assert_eq!(
            sparkline(&[5.0, 6.0], 10, Some(100.0)),
            "▁▁",
            "an idle GPU looks idle, not like a peak"
        );
        assert_eq!(
            sparkline(&[5.0, 6.0], 10, None),
            "▇█",
            "invocations show shape"
        );
        assert_eq!(sparkline(&[0.0, 0.0], 10, None), "▁▁");
    }

    #[test]
    fn long_series_are_averaged_into_the_cells() {
        let values: Vec<f64> = (0..60).map(|m| if m < 30 { 0.0 } else { 100.0 }).collect();
        let spark = sparkline(&values, 6, Some(100.0));
        assert_eq!(spark, "▁▁▁███");
        assert_eq!(sparkline(&values, 0, Some(100.0)), "");
    }

    #[test]
    fn hours_without_invocations_count_as_zero() {
        use chrono::{Duration, TimeZone};
        let end = Utc
            .with_ymd_and_hms(2026, 11, 20, 12, 0, 0)
            .single()
            .expect("valid");
        let series = vec![
            (end - Duration::hours(23), 5.0),
            (end - Duration::minutes(30), 7.0),
            (end - Duration::hours(30), 99.0),
        ];
        let hours = hourly(&series, end);
        assert_eq!(hours.len(), 24);
        assert_eq!(hours[0], 5.0);
        assert_eq!(hours[23], 7.0);
        assert_eq!(
            hours.iter().sum::<f64>(),
            12.0,
            "older than a day is left out"
        );
        assert_eq!(sparkline(&hourly(&[], end), 60, None), "▁".repeat(24));
    }
}
