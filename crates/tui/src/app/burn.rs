//! The Jobs pane's live burn and health: each row's `$/h` and flag badges, the burn total for
//! the status bar, and the metrics behind the detail view's sparklines.
//!
//! Computed when jobs or metrics arrive, never per frame: a frame of 100,000 rows draws about
//! 40 of them, each by one lookup here. Only rows that run are stored (finished rows have no
//! rate and no flags), so the map stays as small as what is running.

use std::collections::HashMap;

use chrono::{DateTime, Utc};

use super::arn_key::arn_key;
use sagescope_core::config::{Config, HealthConfig};
use sagescope_core::cost::{self, Measured};
use sagescope_core::health::{self, Flag};
use sagescope_core::metrics::{JobMetrics, ResourceMetrics};
use sagescope_core::model::{Job, ResourceCost, StatusPhase, View};
use sagescope_core::pricing::{self, Burn, Prices};

/// The badge a flag gets in the table: short, so two fit in one narrow column.
pub fn badge(flag: Flag) -> &'static str {
    match flag {
        Flag::Idle => "IDLE",
        Flag::Underutilized => "LOW",
        Flag::LongRunning => "LONG",
        Flag::FailedNodes => "NODES",
    }
}

/// One running row's burn and flags: what the `$/h` and badge cells and the detail view show.
/// Small and without heap parts (the cells' text is made when drawn), since a third of
/// 100,000 rows may run.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct RowHealth {
    /// Whether it is billed by the hour now (see [`pricing::is_burning`]).
    pub burning: bool,
    pub usd_per_hour: Option<f64>,
    /// One bit per [`Flag`], in [`Flag::ALL`]'s order.
    flags: u8,
}

impl RowHealth {
    fn new(burning: bool, usd_per_hour: Option<f64>, flags: &[Flag]) -> Self {
        let bits = flags.iter().fold(0u8, |bits, flag| bits | bit(*flag));
        RowHealth {
            burning,
            usd_per_hour,
            flags: bits,
        }
    }

    /// The row's flags, in the order [`health::flags`] raises them.
    pub fn flags(&self) -> Vec<Flag> {
        Flag::ALL
            .into_iter()
            .filter(|flag| self.flags & bit(*flag) != 0)
            .collect()
    }

    pub fn is_flagged(&self) -> bool {
        self.flags != 0
    }

    /// The `$/h` cell: `$7.09`, `?` when it burns without a known price, empty otherwise.
    pub fn rate(&self) -> String {
        if self.burning {
            pricing::format_usd_per_hour(self.usd_per_hour)
        } else {
            String::new()
        }
    }

    /// The badge cell, e.g. `IDLE LOW`; empty when nothing is flagged.
    pub fn badge(&self) -> String {
        self.flags()
            .into_iter()
            .map(badge)
            .collect::<Vec<_>>()
            .join(" ")
    }
}

fn bit(flag: Flag) -> u8 {
    1 << (flag as u8)
}

/// Burn and health of the Jobs pane's rows.
#[derive(Debug, Clone)]
pub struct JobsHealth {
    thresholds: HealthConfig,
    metrics: HashMap<String, ResourceMetrics>,
    /// When the metrics view was fetched; `None` before any arrived.
    pub metrics_as_of: Option<DateTime<Utc>>,
    /// Keyed by [`arn_key`]: running rows only.
    rows: HashMap<u64, RowHealth>,
    /// Everything running, for the status bar.
    pub burn: Burn,
    /// Rows with at least one flag.
    pub flagged: usize,
    /// The prices rates and costs are computed with (live where read, else bundled).
    prices: Prices,
    /// Costs billing measured (Cost Explorer, CUR), by ARN.
    measured: Measured,
}

impl Default for JobsHealth {
    fn default() -> Self {
        JobsHealth::new(Config::default().health)
    }
}

impl JobsHealth {
    pub fn new(thresholds: HealthConfig) -> Self {
        JobsHealth {
            thresholds,
            metrics: HashMap::new(),
            metrics_as_of: None,
            rows: HashMap::new(),
            burn: Burn::default(),
            flagged: 0,
            prices: Prices::default(),
            measured: Measured::new(),
        }
    }

    /// The prices in use; call [`JobsHealth::recompute`] after changing them.
    pub fn prices(&self) -> &Prices {
        &self.prices
    }

    /// Replaces the prices (live ones were read); call [`JobsHealth::recompute`] next.
    pub fn set_prices(&mut self, prices: Prices) {
        self.prices = prices;
    }

    /// Replaces the costs billing measured; call [`JobsHealth::recompute`] next.
    pub fn set_measured(&mut self, measured: Measured) {
        self.measured = measured;
    }

    /// The days a billing source's figures cover, when it is limited to some (`ce-resource`:
    /// the last 14).
    pub fn measured_window(
        &self,
        source: sagescope_core::model::CostSource,
    ) -> Option<(chrono::NaiveDate, chrono::NaiveDate)> {
        self.measured.window(source)
    }

    /// Every cost known for the row, best first (for the detail view's comparison).
    pub fn costs_of(&self, job: &Job, now: DateTime<Utc>) -> Vec<ResourceCost> {
        cost::all(job, &self.prices, now, self.measured.get(&job.arn))
    }

    /// The row's best-known cost as of `now`. Worked out when asked rather than kept per
    /// row: it is a few lookups and multiplications, a frame asks for the 40 rows it draws, and
    /// a kept map cost one cloned ARN per priced row (about 15 MB at 100,000 resources).
    pub fn cost(&self, job: &Job, now: DateTime<Utc>) -> Option<ResourceCost> {
        cost::best(job, &self.prices, now, self.measured.get(&job.arn))
    }

    /// The `[health]` thresholds flags are judged by.
    pub fn thresholds(&self) -> &HealthConfig {
        &self.thresholds
    }

    /// Replaces the metrics (a metrics refresh arrived); call [`JobsHealth::recompute`] next.
    pub fn set_metrics(&mut self, view: View<JobMetrics>) {
        self.metrics_as_of = Some(view.as_of);
        self.metrics = view.rows.into_iter().map(|m| (m.arn, m.metrics)).collect();
    }

    /// Recomputes every running row's rate and flags, the burn total and the flagged count,
    /// as of `now`.
    pub fn recompute(&mut self, jobs: &[Job], now: DateTime<Utc>) {
        let prices = &self.prices;
        self.rows.clear();
        self.burn = Burn::default();
        self.flagged = 0;
        for job in jobs {
            // Flags and rates only ever apply to running resources.
            if job.status.phase() != StatusPhase::Running {
                continue;
            }
            let burning = pricing::is_burning(job);
            let usd_per_hour = pricing::usd_per_hour(job, prices);
            let flags = health::flags(job, self.metrics.get(&job.arn), &self.thresholds, now);
            if burning {
                self.burn.resources += 1;
                if let Some(rate) = usd_per_hour {
                    self.burn.usd_per_hour += rate;
                    self.burn.priced += 1;
                }
            }
            if !flags.is_empty() {
                self.flagged += 1;
            }
            if !burning && flags.is_empty() {
                continue;
            }
            self.rows.insert(
                arn_key(&job.arn),
                RowHealth::new(burning, usd_per_hour, &flags),
            );
        }
    }

    /// The row's burn and flags; `None` for rows that are not running (nothing to show).
    pub fn row(&self, arn: &str) -> Option<RowHealth> {
        self.rows.get(&arn_key(arn)).copied()
    }

    /// Whether the row carries any flag (what `f` keeps).
    pub fn is_flagged(&self, arn: &str) -> bool {
        self.row(arn).is_some_and(|r| r.is_flagged())
    }

    /// The metrics fetched for the row, if any.
    pub fn metrics(&self, arn: &str) -> Option<&ResourceMetrics> {
        self.metrics.get(arn)
    }
}

#[cfg(test)]
mod tests {
    use chrono::{Duration, TimeZone};

    use super::*;
    use sagescope_core::model::{JobStatus, ResourceKind, Tags};

    fn now() -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2026, 11, 20, 12, 0, 0)
            .single()
            .expect("valid")
    }

    fn job(name: &str, kind: ResourceKind, status: &str, instance: &str, hours: i64) -> Job {
        Job {
            account_id: "111111111111".into(),
            account_name: "dev".into(),
            region: "us-east-1".into(),
            kind,
            name: name.into(),
            arn: format!("arn:{name}"),
            status: JobStatus::from(status),
            created_at: now() - Duration::hours(hours),
            ended_at: None,
            last_modified_at: None,
            instance_type: Some(instance.into()),
            instance_count: Some(2),
            failure_reason: None,
            tags: Tags::new(),
            app: None,
            compute: None,
            billing: None,
            streamed_at: None,
            created_by: None,
        }
    }

    #[test]
    fn rows_get_rate_and_badges_and_the_total_counts_unpriced_resources() {
        let jobs = vec![
            job(
                "busy",
                ResourceKind::Training,
                "InProgress",
                "ml.m5.xlarge",
                2,
            ),
            job(
                "old",
                ResourceKind::Training,
                "InProgress",
                "ml.m5.xlarge",
                30,
            ),
            job(
                "new-type",
                ResourceKind::Endpoint,
                "InService",
                "ml.x9.huge",
                1,
            ),
            job(
                "done",
                ResourceKind::Training,
                "Completed",
                "ml.m5.xlarge",
                50,
            ),
        ];
        let mut health = JobsHealth::default();
        health.recompute(&jobs, now());
        let busy = health.row("arn:busy").expect("running rows are kept");
        assert_eq!(busy.rate(), "$0.46", "2 × ml.m5.xlarge at $0.23");
        assert!(busy.flags().is_empty() && busy.badge().is_empty());
        let old = health.row("arn:old").expect("kept");
        assert_eq!(old.flags(), vec![Flag::LongRunning]);
        assert_eq!(old.badge(), "LONG");
        assert_eq!(
            health.row("arn:new-type").map(|r| r.rate()).as_deref(),
            Some("?")
        );
        assert_eq!(health.row("arn:done"), None);
        assert_eq!(health.flagged, 1);
        assert!(health.is_flagged("arn:old") && !health.is_flagged("arn:busy"));
        assert_eq!(
            health.burn.to_string(),
            "burning $0.92/h across 3 resources (1 without a price)"
        );
    }
}
