//! Each resource's cost from the best source at hand (see [`CostSource`]).
//!
//! Pure arithmetic over what the refresh already read: the Price List or bundled price
//! ([`crate::pricing`]), SageMaker's billed seconds, and costs measured by Cost Explorer or
//! the CUR. Nothing here calls AWS.

use std::collections::HashMap;

use chrono::{DateTime, NaiveDate, Utc};

use crate::model::{CostSource, Job, ResourceCost, ResourceKind, StatusPhase};
use crate::pricing::{self, Prices};

/// Costs measured by a billing source (Cost Explorer's resource-level data, the CUR), by the
/// resource's ARN, with the days each source covers.
///
/// ARNs match case-insensitively: SageMaker lower-cases resource names in the ARNs it returns
/// (`training-job/MyJob` is listed as `training-job/myjob`), and a billing source's resource
/// id need not agree with it letter for letter.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Measured {
    by_arn: HashMap<String, Vec<ResourceCost>>,
    /// `[first, last]` day each source's figures cover: a resource older than the first day
    /// cost more than its figure says.
    windows: Vec<(CostSource, NaiveDate, NaiveDate)>,
}

impl Measured {
    pub fn new() -> Self {
        Measured::default()
    }

    /// Adds `usd` from `source` to the resource `arn` (amounts of one source add up: a
    /// resource's days arrive one by one).
    pub fn add(&mut self, arn: &str, source: CostSource, usd: f64) {
        let costs = self.by_arn.entry(arn.to_ascii_lowercase()).or_default();
        match costs.iter_mut().find(|c| c.source == source) {
            Some(cost) => cost.usd += usd,
            None => costs.push(ResourceCost { usd, source }),
        }
    }

    /// Records that `source`'s figures cover the days `first..=last`.
    pub fn set_window(&mut self, source: CostSource, first: NaiveDate, last: NaiveDate) {
        self.windows.retain(|(s, ..)| *s != source);
        self.windows.push((source, first, last));
    }

    /// The days `source`'s figures cover, when it is limited to some.
    pub fn window(&self, source: CostSource) -> Option<(NaiveDate, NaiveDate)> {
        self.windows
            .iter()
            .find(|(s, ..)| *s == source)
            .map(|(_, first, last)| (*first, *last))
    }

    /// Adds everything `other` measured (its windows replace this one's for the same source).
    pub fn merge(&mut self, other: Measured) {
        for (arn, costs) in other.by_arn {
            for cost in costs {
                self.add(&arn, cost.source, cost.usd);
            }
        }
        for (source, first, last) in other.windows {
            self.set_window(source, first, last);
        }
    }

    /// What billing measured for the resource `arn`.
    pub fn get(&self, arn: &str) -> Option<&[ResourceCost]> {
        self.by_arn
            .get(&arn.to_ascii_lowercase())
            .map(Vec::as_slice)
    }

    /// Resources with a measured cost.
    pub fn len(&self) -> usize {
        self.by_arn.len()
    }

    pub fn is_empty(&self) -> bool {
        self.by_arn.is_empty()
    }
}

/// A finished training job's cost from its billed seconds, with the figures behind it.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct BilledTraining {
    pub usd: f64,
    pub billable_seconds: u64,
    pub instances: u32,
    pub usd_per_instance_hour: f64,
    /// Managed spot: what the seconds trained but not billed would have cost on demand.
    pub spot_saving_usd: Option<f64>,
}

/// `BillableTimeInSeconds` × instance count × the training price, for a training job that
/// has ended. `None` while it runs (the figure is not final) or when a part is unknown.
pub fn billable_time(job: &Job, prices: &Prices) -> Option<BilledTraining> {
    if job.kind != ResourceKind::Training || job.status.is_active() {
        return None;
    }
    let billing = job.billing?;
    let billable_seconds = u64::from(billing.billable_seconds?);
    let instances = pricing::instance_count(job)?;
    let usd_per_instance_hour = pricing::quote(job, prices)?.usd_per_hour;
    let cost_of =
        |seconds: u64| seconds as f64 / 3600.0 * f64::from(instances) * usd_per_instance_hour;
    let spot_saving_usd = billing
        .training_seconds
        .filter(|_| billing.managed_spot)
        .map(|trained| cost_of(u64::from(trained).saturating_sub(billable_seconds)));
    Some(BilledTraining {
        usd: cost_of(billable_seconds),
        billable_seconds,
        instances,
        usd_per_instance_hour,
        spot_saving_usd,
    })
}

/// Today's hourly rate × how long the resource ran: jobs from creation to their end (or now),
/// endpoints, notebooks and Studio apps from creation to now while they run. An upper bound:
/// it counts provisioning, and an endpoint's instance count may have changed. `None` for
/// kinds no instance bills, for stopped endpoints and notebooks (their billed hours are not
/// in any list), and when the rate is unknown.
pub fn estimate(job: &Job, prices: &Prices, now: DateTime<Utc>) -> Option<f64> {
    let counts = match job.kind {
        ResourceKind::Training | ResourceKind::Processing | ResourceKind::Transform => true,
        ResourceKind::Endpoint
        | ResourceKind::Notebook
        | ResourceKind::App
        | ResourceKind::HyperPodCluster => job.status.phase() == StatusPhase::Running,
        _ => false,
    };
    if !counts {
        return None;
    }
    let rate = pricing::hourly_rate(job, prices)?;
    Some(rate * job.duration(now).num_seconds() as f64 / 3600.0)
}

/// Every cost known for `job`, best source first: what billing measured (`measured`), then
/// billed seconds, then the estimate.
pub fn all(
    job: &Job,
    prices: &Prices,
    now: DateTime<Utc>,
    measured: Option<&[ResourceCost]>,
) -> Vec<ResourceCost> {
    let mut costs: Vec<ResourceCost> = measured.unwrap_or_default().to_vec();
    if let Some(billed) = billable_time(job, prices) {
        costs.push(ResourceCost {
            usd: billed.usd,
            source: CostSource::BillableTime,
        });
    }
    if let Some(usd) = estimate(job, prices, now) {
        costs.push(ResourceCost {
            usd,
            source: CostSource::Estimate,
        });
    }
    costs.sort_by_key(|c| c.source);
    costs
}

/// The cost from the best source at hand.
pub fn best(
    job: &Job,
    prices: &Prices,
    now: DateTime<Utc>,
    measured: Option<&[ResourceCost]>,
) -> Option<ResourceCost> {
    all(job, prices, now, measured).into_iter().next()
}

#[cfg(test)]
mod tests {
    use chrono::{Duration, TimeZone};

    use super::*;
    use crate::model::{JobStatus, Tags, TrainingBilling};
    use crate::pricing::PriceTable;

    fn now() -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2026, 12, 1, 12, 0, 0)
            .single()
            .expect("valid")
    }

    /// 2.00 $/h for ml.g5.2xlarge, 0.50 $/h for ml.m5.xlarge, in us-east-1.
    fn prices() -> Prices {
        let table = PriceTable::parse(
            "region,instance_type,usd_per_hour,component,published\n\
             us-east-1,ml.g5.2xlarge,2.00,Studio-Notebook,2026-07-03\n\
             us-east-1,ml.m5.xlarge,0.50,Studio-Notebook,2026-07-03\n",
        )
        .expect("parses");
        Prices::new(table, Vec::new())
    }

    fn job(kind: ResourceKind, status: &str, ran_hours: i64, running: bool) -> Job {
        Job {
            account_id: "111111111111".into(),
            account_name: "dev".into(),
            region: "us-east-1".into(),
            kind,
            name: "j".into(),
            arn: "arn:j".into(),
            status: JobStatus::from(status),
            created_at: now() - Duration::hours(ran_hours + 1),
            ended_at: (!running).then(|| now() - Duration::hours(1)),
            last_modified_at: None,
            instance_type: Some("ml.g5.2xlarge".into()),
            instance_count: Some(4),
            failure_reason: None,
            tags: Tags::new(),
            app: None,
            billing: None,
            streamed_at: None,
            created_by: None,
            compute: None,
        }
    }

    fn billed(mut j: Job, billable: u32, trained: u32, spot: bool) -> Job {
        j.billing = Some(TrainingBilling {
            billable_seconds: Some(billable),
            training_seconds: Some(trained),
            managed_spot: spot,
        });
        j
    }

    #[test]
    fn billable_time_is_billed_seconds_times_instances_times_price() {
        // 5400 s × 4 instances × 2.00 $/h = 12.00 $.
        let j = billed(
            job(ResourceKind::Training, "Completed", 2, false),
            5400,
            5400,
            false,
        );
        let b = billable_time(&j, &prices()).expect("billed");
        assert!((b.usd - 12.0).abs() < 1e-9, "{}", b.usd);
        assert_eq!(b.spot_saving_usd, None, "on demand saves nothing");
        let best = best(&j, &prices(), now(), None).expect("a cost");
        assert_eq!(best.source, CostSource::BillableTime);
        // The estimate (2 h × 8 $/h) is still known, ranked after it.
        let all = all(&j, &prices(), now(), None);
        assert_eq!(all.len(), 2);
        assert_eq!(all[1].source, CostSource::Estimate);
        assert!((all[1].usd - 16.0).abs() < 1e-9, "{}", all[1].usd);
    }

    #[test]
    fn managed_spot_shows_what_the_unbilled_seconds_saved() {
        // Trained 3600 s, billed 1440 s: 2160 s × 4 × 2.00 $/h = 4.80 $ saved.
        let j = billed(
            job(ResourceKind::Training, "Completed", 1, false),
            1440,
            3600,
            true,
        );
        let b = billable_time(&j, &prices()).expect("billed");
        assert!((b.usd - 3.2).abs() < 1e-9, "{}", b.usd);
        let saved = b.spot_saving_usd.expect("spot");
        assert!((saved - 4.8).abs() < 1e-9, "{saved}");
    }

    #[test]
    fn a_running_or_undescribed_job_has_only_an_estimate() {
        let running = billed(
            job(ResourceKind::Training, "InProgress", 3, true),
            100,
            100,
            false,
        );
        assert_eq!(billable_time(&running, &prices()), None, "not final yet");
        let cost = best(&running, &prices(), now(), None).expect("estimated");
        assert_eq!(cost.source, CostSource::Estimate);
        // Created 4 h before now: 4 h × 4 × 2.00 $/h.
        assert!((cost.usd - 32.0).abs() < 1e-9, "{}", cost.usd);
        assert_eq!(cost.cell(), "~$32.00");
        let undescribed = job(ResourceKind::Training, "Completed", 2, false);
        assert_eq!(billable_time(&undescribed, &prices()), None);
    }

    #[test]
    fn the_curs_and_cost_explorers_figures_combine_per_resource_whatever_the_case() {
        let day = |d| chrono::NaiveDate::from_ymd_opt(2026, 11, d).expect("valid day");
        let mut from_cur = Measured::new();
        from_cur.add(
            "arn:aws:sagemaker:us-east-1:1:training-job/a",
            CostSource::Cur,
            11.9,
        );
        let mut from_ce = Measured::new();
        from_ce.add(
            "arn:aws:sagemaker:us-east-1:1:training-job/A",
            CostSource::CeResource,
            4.0,
        );
        from_ce.add(
            "arn:aws:sagemaker:us-east-1:1:training-job/A",
            CostSource::CeResource,
            7.5,
        );
        from_ce.add(
            "arn:aws:sagemaker:us-east-1:1:endpoint/e",
            CostSource::CeResource,
            3.0,
        );
        from_ce.set_window(CostSource::CeResource, day(17), day(30));
        from_cur.merge(from_ce);
        assert_eq!(from_cur.len(), 2);
        assert_eq!(
            from_cur.get("arn:aws:sagemaker:us-east-1:1:training-job/a"),
            Some(
                &[
                    ResourceCost {
                        usd: 11.9,
                        source: CostSource::Cur
                    },
                    ResourceCost {
                        usd: 11.5,
                        source: CostSource::CeResource
                    }
                ][..]
            )
        );
        assert_eq!(
            from_cur.window(CostSource::CeResource),
            Some((day(17), day(30)))
        );
        assert_eq!(from_cur.window(CostSource::Cur), None);
    }

    #[test]
    fn measured_costs_outrank_billed_seconds() {
        let j = billed(
            job(ResourceKind::Training, "Completed", 2, false),
            5400,
            5400,
            false,
        );
        let measured = [
            ResourceCost {
                usd: 11.5,
                source: CostSource::CeResource,
            },
            ResourceCost {
                usd: 11.9,
                source: CostSource::Cur,
            },
        ];
        let all = all(&j, &prices(), now(), Some(&measured));
        assert_eq!(
            all.iter().map(|c| c.source).collect::<Vec<_>>(),
            [
                CostSource::Cur,
                CostSource::CeResource,
                CostSource::BillableTime,
                CostSource::Estimate
            ]
        );
    }

    #[test]
    fn stopped_hosts_and_unpriced_resources_have_no_cost() {
        let stopped = job(ResourceKind::Notebook, "Stopped", 5, false);
        assert_eq!(best(&stopped, &prices(), now(), None), None);
        let mut unpriced = job(ResourceKind::Processing, "Completed", 1, false);
        unpriced.instance_type = Some("ml.p5.48xlarge".into());
        assert_eq!(best(&unpriced, &prices(), now(), None), None);
        let tuning = job(ResourceKind::Tuning, "Completed", 1, false);
        assert_eq!(
            best(&tuning, &prices(), now(), None),
            None,
            "its training jobs bill"
        );
        let endpoint = job(ResourceKind::Endpoint, "InService", 1, true);
        let cost = best(&endpoint, &prices(), now(), None).expect("running");
        assert!((cost.usd - 16.0).abs() < 1e-9, "{}", cost.usd);
    }
}
