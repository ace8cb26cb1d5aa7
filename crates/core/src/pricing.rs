//! On-demand SageMaker prices and the "money burning now" arithmetic built on them.
//!
//! Cost Explorer lags a day behind, so the Jobs pane estimates live burn from a price table
//! shipped in the binary (`assets/prices.csv`, with its sources and dates in its header).
//! Every function here answers `None` when a price or an instance count is unknown: an
//! operator must see `?`, never a number we made up.

use std::collections::HashMap;
use std::fmt;
use std::sync::LazyLock;

use chrono::{DateTime, NaiveDate, Utc};

use crate::model::{Job, ResourceKind, StatusPhase};

pub mod live;
mod prices;

pub use prices::{Component, LivePrice, PriceOrigin, Prices, Quote};

/// The price table as shipped: parsed once, at first use.
const EMBEDDED_PRICES: &str = include_str!("../assets/prices.csv");

static PRICES: LazyLock<PriceTable> = LazyLock::new(|| {
    PriceTable::parse(EMBEDDED_PRICES).unwrap_or_else(|error| {
        // A unit test keeps this from happening; if it ever does, every price shows `?`
        // rather than the app refusing to start.
        tracing::error!(%error, "the embedded price table does not parse");
        PriceTable::default()
    })
});

/// One published price: what an instance of a type costs per hour in one region.
#[derive(Debug, Clone, PartialEq)]
pub struct Price {
    pub usd_per_hour: f64,
    /// The SageMaker pricing component the figure belongs to (e.g. `Studio-Notebook`).
    pub component: String,
    /// When AWS published the figure.
    pub published: NaiveDate,
}

/// Prices by region and instance type.
///
/// Nested by region so a lookup borrows its keys: the Jobs pane prices every running row
/// whenever data arrives, and 30,000 rows must not mean 60,000 string allocations.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct PriceTable {
    prices: HashMap<String, HashMap<String, Price>>,
}

/// Why a price table could not be read.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum PriceTableError {
    #[error("price table line {line}: {message}")]
    Row { line: u64, message: String },
    #[error("price table line {line}: {region} {instance_type} is listed twice")]
    Duplicate {
        line: u64,
        region: String,
        instance_type: String,
    },
}

#[derive(serde::Deserialize)]
struct Row {
    region: String,
    instance_type: String,
    usd_per_hour: f64,
    component: String,
    published: NaiveDate,
}

impl PriceTable {
    /// The table shipped with this build.
    pub fn embedded() -> &'static PriceTable {
        &PRICES
    }

    /// Reads a table in the `assets/prices.csv` format: `#` comment lines, a header, then
    /// `region,instance_type,usd_per_hour,component,published` rows.
    pub fn parse(text: &str) -> Result<Self, PriceTableError> {
        let mut reader = csv::ReaderBuilder::new()
            .comment(Some(b'#'))
            .trim(csv::Trim::All)
            .from_reader(text.as_bytes());
        let csv_error = |e: csv::Error| PriceTableError::Row {
            line: e.position().map_or(0, |p| p.line()),
            message: e.to_string(),
        };
        let headers = reader.headers().map_err(csv_error)?.clone();
        let mut prices: HashMap<String, HashMap<String, Price>> = HashMap::new();
        let mut record = csv::StringRecord::new();
        while reader.read_record(&mut record).map_err(csv_error)? {
            let line = record.position().map_or(0, |p| p.line());
            let row: Row =
                record
                    .deserialize(Some(&headers))
                    .map_err(|e| PriceTableError::Row {
                        line,
                        message: e.to_string(),
                    })?;
            if !row.usd_per_hour.is_finite() || row.usd_per_hour < 0.0 {
                return Err(PriceTableError::Row {
                    line,
                    message: format!("price {} is not a non-negative number", row.usd_per_hour),
                });
            }
            let in_region = prices.entry(row.region.clone()).or_default();
            if in_region.contains_key(&row.instance_type) {
                return Err(PriceTableError::Duplicate {
                    line,
                    region: row.region,
                    instance_type: row.instance_type,
                });
            }
            in_region.insert(
                row.instance_type,
                Price {
                    usd_per_hour: row.usd_per_hour,
                    component: row.component,
                    published: row.published,
                },
            );
        }
        Ok(PriceTable { prices })
    }

    /// The full price record, for a detail view that says where a figure came from.
    pub fn price(&self, region: &str, instance_type: &str) -> Option<&Price> {
        self.prices.get(region)?.get(instance_type)
    }

    /// USD per hour for one instance of `instance_type` in `region`, if the table has it.
    pub fn usd_per_hour(&self, region: &str, instance_type: &str) -> Option<f64> {
        self.price(region, instance_type).map(|p| p.usd_per_hour)
    }

    /// How many (region, instance type) prices the table holds.
    pub fn len(&self) -> usize {
        self.prices.values().map(HashMap::len).sum()
    }

    pub fn is_empty(&self) -> bool {
        self.prices.is_empty()
    }

    /// Every (region, instance type) the table prices, in no particular order.
    pub fn keys(&self) -> impl Iterator<Item = (&str, &str)> {
        self.prices.iter().flat_map(|(region, types)| {
            types
                .keys()
                .map(move |instance_type| (region.as_str(), instance_type.as_str()))
        })
    }
}

/// The instance type Studio runs its own (unbilled) JupyterServer apps on.
pub const SYSTEM_INSTANCE: &str = "system";

/// The price of one instance of `instance_type` in `region` from the shipped table.
pub fn lookup(region: &str, instance_type: &str) -> Option<f64> {
    PriceTable::embedded().usd_per_hour(region, instance_type)
}

/// Whether the resource is billed by the instance-hour right now.
///
/// Running training, processing and transform jobs, in-service endpoints, notebook instances,
/// Studio apps (one instance each) and HyperPod clusters (every node). Tuning jobs are left
/// out on purpose: their money is spent by the training jobs they start, which are listed
/// (and counted) on their own; inference components likewise run on their endpoint's
/// instances, which the endpoint's row prices.
pub fn is_burning(job: &Job) -> bool {
    job.status.phase() == StatusPhase::Running
        && matches!(
            job.kind,
            ResourceKind::Training
                | ResourceKind::Processing
                | ResourceKind::Transform
                | ResourceKind::Endpoint
                | ResourceKind::Notebook
                | ResourceKind::App
                | ResourceKind::HyperPodCluster
        )
}

/// How many instances the resource runs. A notebook instance is one instance by definition;
/// for anything else an unknown count stays unknown.
pub fn instance_count(job: &Job) -> Option<u32> {
    match (job.instance_count, job.kind) {
        (Some(count), _) => Some(count),
        (None, ResourceKind::Notebook | ResourceKind::App) => Some(1),
        (None, _) => None,
    }
}

/// The price of one instance-hour of the resource, for the component that bills its kind.
pub fn quote(job: &Job, prices: &Prices) -> Option<Quote> {
    let instance_type = job.instance_type.as_deref()?;
    prices.quote(&job.region, instance_type, Component::of(job.kind)?)
}

/// USD per hour the resource costs while it runs: price × instance count, whatever its
/// status (a finished job's cost is this rate × the time it ran).
///
/// `None` when its instance type, count or price is unknown.
pub fn hourly_rate(job: &Job, prices: &Prices) -> Option<f64> {
    if let Some(cluster) = job.compute.as_ref().and_then(|c| c.cluster()) {
        return cluster_usd_per_hour(cluster, &job.region, prices);
    }
    let instance_type = job.instance_type.as_deref()?;
    // Studio Classic's JupyterServer runs on `system`, which AWS does not bill.
    if job.kind == ResourceKind::App && instance_type == SYSTEM_INSTANCE {
        return Some(0.0);
    }
    Some(quote(job, prices)?.usd_per_hour * f64::from(instance_count(job)?))
}

/// USD per hour the resource costs now: price × instance count.
///
/// `None` when it is not running (see [`is_burning`]), or its instance type, count or price
/// is unknown.
pub fn usd_per_hour(job: &Job, prices: &Prices) -> Option<f64> {
    if !is_burning(job) {
        return None;
    }
    hourly_rate(job, prices)
}

/// A HyperPod cluster's rate: each instance group's price × its node count, summed. `None`
/// when any group's type has no price (a partial sum would understate the burn). Priced as
/// training instances: the Price List's HyperPod rates are not read yet.
fn cluster_usd_per_hour(
    cluster: &crate::model::ClusterInfo,
    region: &str,
    prices: &Prices,
) -> Option<f64> {
    cluster.groups.iter().try_fold(0.0, |sum, group| {
        let price = prices
            .quote(region, &group.instance_type, Component::Training)?
            .usd_per_hour;
        Some(sum + price * f64::from(group.count))
    })
}

/// USD spent so far by a running resource: its hourly rate × hours since `created_at`.
///
/// An estimate and an upper bound: `created_at` includes the minutes SageMaker spends
/// provisioning before billing starts, and an endpoint's instance count may have changed
/// since it was created. `None` whenever [`usd_per_hour`] is.
pub fn usd_so_far(job: &Job, prices: &Prices, now: DateTime<Utc>) -> Option<f64> {
    let rate = usd_per_hour(job, prices)?;
    let hours = (now - job.created_at).num_seconds().max(0) as f64 / 3600.0;
    Some(rate * hours)
}

/// What everything running costs per hour, for the status bar.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct Burn {
    /// Sum over the resources that have a price.
    pub usd_per_hour: f64,
    /// Resources billed right now (see [`is_burning`]).
    pub resources: usize,
    /// How many of them have a price; the rest are not in `usd_per_hour`.
    pub priced: usize,
}

impl Burn {
    /// Running resources whose cost is unknown, so `usd_per_hour` is a lower bound.
    pub fn unpriced(&self) -> usize {
        self.resources - self.priced
    }
}

impl fmt::Display for Burn {
    /// `burning $12.34/h across 5 resources`, plus `(2 without a price)` when the total
    /// leaves some out, so a partial sum never passes for the whole.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let noun = if self.resources == 1 {
            "resource"
        } else {
            "resources"
        };
        write!(
            f,
            "burning ${:.2}/h across {} {noun}",
            self.usd_per_hour, self.resources
        )?;
        if self.unpriced() > 0 {
            write!(f, " ({} without a price)", self.unpriced())?;
        }
        Ok(())
    }
}

/// The hourly burn across `jobs`.
pub fn burn(jobs: &[Job], prices: &Prices) -> Burn {
    jobs.iter()
        .filter(|job| is_burning(job))
        .fold(Burn::default(), |mut total, job| {
            total.resources += 1;
            if let Some(rate) = usd_per_hour(job, prices) {
                total.usd_per_hour += rate;
                total.priced += 1;
            }
            total
        })
}

/// A `$/h` cell: `$0.74`, or `?` when unknown.
pub fn format_usd_per_hour(value: Option<f64>) -> String {
    match value {
        Some(v) => format!("${v:.2}"),
        None => "?".to_string(),
    }
}

#[cfg(test)]
mod tests {
    use chrono::{Duration, TimeZone};

    use super::*;
    use crate::model::{JobStatus, Tags};

    /// The regions and families issue 7 requires the shipped table to cover.
    const REGIONS: [&str; 3] = ["us-east-1", "us-west-2", "eu-west-1"];
    const FAMILIES: [&str; 8] = ["t3", "m5", "c5", "g4dn", "g5", "p3", "p4d", "p5"];
    /// Families we could not source (see the header of assets/prices.csv): listed here so
    /// the gap is explicit and a test fails the day someone adds them without updating this.
    const UNSOURCED_FAMILIES: [&str; 1] = ["p5"];

    fn now() -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2026, 11, 20, 12, 0, 0)
            .single()
            .expect("valid")
    }

    fn job(kind: ResourceKind, status: &str, instance: Option<&str>, count: Option<u32>) -> Job {
        Job {
            account_id: "111111111111".into(),
            account_name: "dev".into(),
            region: "us-east-1".into(),
            kind,
            name: "j".into(),
            arn: "arn".into(),
            status: JobStatus::from(status),
            created_at: now() - Duration::minutes(90),
            ended_at: None,
            last_modified_at: None,
            instance_type: instance.map(Into::into),
            instance_count: count,
            failure_reason: None,
            tags: Tags::new(),
            app: None,
            compute: None,
            billing: None,
            streamed_at: None,
            created_by: None,
        }
    }

    fn table() -> Prices {
        Prices::new(table_of_two(), Vec::new())
    }

    fn table_of_two() -> PriceTable {
        PriceTable::parse(
            "# test\nregion,instance_type,usd_per_hour,component,published\n\
             us-east-1,ml.m5.xlarge,0.23,Studio-Notebook,2026-07-03\n\
             us-east-1,ml.g5.2xlarge,1.52,Studio-Notebook,2026-07-03\n",
        )
        .expect("test table parses")
    }

    #[test]
    fn embedded_table_parses_and_covers_every_sourced_family_in_every_region() {
        let table = PriceTable::parse(EMBEDDED_PRICES).expect("assets/prices.csv parses");
        assert_eq!(
            &table,
            PriceTable::embedded(),
            "the static holds the same table"
        );
        for region in REGIONS {
            for family in FAMILIES {
                let prefix = format!("ml.{family}.");
                let sizes = table
                    .keys()
                    .filter(|(r, t)| *r == region && t.starts_with(&prefix))
                    .count();
                if UNSOURCED_FAMILIES.contains(&family) {
                    assert_eq!(sizes, 0, "{family} in {region} was declared unsourced");
                } else {
                    assert!(sizes > 0, "no {family} price in {region}");
                }
            }
        }
    }

    #[test]
    fn embedded_table_holds_the_published_figures() {
        // Spot checks against the AWS price files quoted in the asset header.
        assert_eq!(lookup("us-east-1", "ml.m5.xlarge"), Some(0.23));
        assert_eq!(lookup("eu-west-1", "ml.g4dn.xlarge"), Some(0.8218));
        assert_eq!(lookup("us-west-2", "ml.p4d.24xlarge"), Some(25.251286));
        assert_eq!(lookup("eu-west-1", "ml.p3.2xlarge"), Some(4.131));
        let p3 = PriceTable::embedded()
            .price("us-east-1", "ml.p3.2xlarge")
            .expect("p3 is priced");
        assert_eq!(p3.component, "Studio-Notebook");
        assert_eq!(p3.published.to_string(), "2025-05-20");
        let small_to_large = ["medium", "large", "xlarge", "2xlarge"]
            .map(|size| lookup("us-east-1", &format!("ml.t3.{size}")).expect("t3 priced"));
        assert!(
            small_to_large.windows(2).all(|w| w[0] < w[1]),
            "{small_to_large:?}"
        );
    }

    #[test]
    fn unknown_types_and_regions_have_no_price() {
        assert_eq!(lookup("us-east-1", "ml.p5.48xlarge"), None);
        assert_eq!(lookup("ap-south-2", "ml.m5.xlarge"), None);
        assert_eq!(
            lookup("us-east-1", "m5.xlarge"),
            None,
            "EC2 names are not ML names"
        );
    }

    #[test]
    fn malformed_tables_are_rejected_with_the_line() {
        let bad_number = "region,instance_type,usd_per_hour,component,published\n\
                          us-east-1,ml.m5.xlarge,cheap,Training,2026-07-03\n";
        assert!(matches!(
            PriceTable::parse(bad_number),
            Err(PriceTableError::Row { line: 2, .. })
        ));
        let negative = "region,instance_type,usd_per_hour,component,published\n\
                        us-east-1,ml.m5.xlarge,-1,Training,2026-07-03\n";
        assert!(PriceTable::parse(negative).is_err());
        let twice = "region,instance_type,usd_per_hour,component,published\n\
                     us-east-1,ml.m5.xlarge,0.23,Training,2026-07-03\n\
                     us-east-1,ml.m5.xlarge,0.24,Training,2026-07-03\n";
        assert!(matches!(
            PriceTable::parse(twice),
            Err(PriceTableError::Duplicate { line: 3, .. })
        ));
    }

    #[test]
    fn hourly_rate_is_price_times_instance_count() {
        let j = job(
            ResourceKind::Training,
            "InProgress",
            Some("ml.g5.2xlarge"),
            Some(3),
        );
        let rate = usd_per_hour(&j, &table()).expect("priced");
        assert!((rate - 4.56).abs() < 1e-9, "{rate}");
    }

    #[test]
    fn unknown_type_count_or_price_gives_no_rate() {
        let t = table();
        let no_type = job(ResourceKind::Training, "InProgress", None, Some(1));
        let no_count = job(
            ResourceKind::Training,
            "InProgress",
            Some("ml.m5.xlarge"),
            None,
        );
        let unpriced = job(
            ResourceKind::Training,
            "InProgress",
            Some("ml.p5.48xlarge"),
            Some(1),
        );
        for j in [no_type, no_count, unpriced] {
            assert_eq!(usd_per_hour(&j, &t), None);
            assert_eq!(usd_so_far(&j, &t, now()), None);
        }
    }

    #[test]
    fn a_notebook_without_a_count_is_one_instance() {
        let nb = job(
            ResourceKind::Notebook,
            "InService",
            Some("ml.m5.xlarge"),
            None,
        );
        assert_eq!(usd_per_hour(&nb, &table()), Some(0.23));
    }

    #[test]
    fn only_running_billable_kinds_burn() {
        let t = table();
        let done = job(
            ResourceKind::Training,
            "Completed",
            Some("ml.m5.xlarge"),
            Some(1),
        );
        let stopped_nb = job(
            ResourceKind::Notebook,
            "Stopped",
            Some("ml.m5.xlarge"),
            None,
        );
        let tuning = job(
            ResourceKind::Tuning,
            "InProgress",
            Some("ml.m5.xlarge"),
            Some(4),
        );
        for j in [&done, &stopped_nb, &tuning] {
            assert_eq!(usd_per_hour(j, &t), None, "{} {}", j.kind, j.status);
        }
        let endpoint = job(
            ResourceKind::Endpoint,
            "InService",
            Some("ml.m5.xlarge"),
            Some(2),
        );
        assert_eq!(usd_per_hour(&endpoint, &t), Some(0.46));
    }

    #[test]
    fn so_far_is_rate_times_hours_since_creation() {
        // Created 90 minutes before `now`, 2 × 0.23 $/h.
        let j = job(
            ResourceKind::Processing,
            "InProgress",
            Some("ml.m5.xlarge"),
            Some(2),
        );
        let spent = usd_so_far(&j, &table(), now()).expect("priced");
        assert!((spent - 0.69).abs() < 1e-9, "{spent}");
        let before_creation = usd_so_far(&j, &table(), j.created_at - Duration::hours(1));
        assert_eq!(
            before_creation,
            Some(0.0),
            "clock skew never spends negative money"
        );
    }

    #[test]
    fn burn_sums_priced_resources_and_counts_the_unpriced() {
        let jobs = vec![
            job(
                ResourceKind::Training,
                "InProgress",
                Some("ml.g5.2xlarge"),
                Some(2),
            ),
            job(
                ResourceKind::Endpoint,
                "InService",
                Some("ml.m5.xlarge"),
                Some(1),
            ),
            job(
                ResourceKind::Training,
                "InProgress",
                Some("ml.p5.48xlarge"),
                Some(1),
            ),
            job(
                ResourceKind::Training,
                "Completed",
                Some("ml.g5.2xlarge"),
                Some(8),
            ),
        ];
        let b = burn(&jobs, &table());
        assert_eq!(b.resources, 3);
        assert_eq!(b.priced, 2);
        assert_eq!(b.unpriced(), 1);
        assert!((b.usd_per_hour - 3.27).abs() < 1e-9, "{}", b.usd_per_hour);
        assert_eq!(
            b.to_string(),
            "burning $3.27/h across 3 resources (1 without a price)"
        );
        assert_eq!(
            burn(&[], &table()).to_string(),
            "burning $0.00/h across 0 resources"
        );
    }

    #[test]
    fn dollar_cells_show_a_question_mark_when_unknown() {
        assert_eq!(format_usd_per_hour(Some(0.7364)), "$0.74");
        assert_eq!(format_usd_per_hour(None), "?");
    }

    fn cluster(groups: &[(&str, u32)]) -> Job {
        let mut job = job(ResourceKind::HyperPodCluster, "InService", None, None);
        job.compute = Some(Box::new(crate::model::Compute::Cluster(
            crate::model::ClusterInfo {
                groups: groups
                    .iter()
                    .map(|(instance_type, count)| crate::model::InstanceGroup {
                        name: format!("{instance_type}-group"),
                        instance_type: (*instance_type).to_string(),
                        count: *count,
                        failed: 0,
                        failure_message: None,
                    })
                    .collect(),
            },
        )));
        job
    }

    #[test]
    fn a_cluster_costs_every_node_at_its_own_type_price() {
        // 2 × 0.23 + 3 × 1.52 from the test table.
        let rate = usd_per_hour(
            &cluster(&[("ml.m5.xlarge", 2), ("ml.g5.2xlarge", 3)]),
            &table(),
        );
        assert!(rate.is_some_and(|r| (r - 5.02).abs() < 1e-9), "{rate:?}");
        // One unpriced group: unknown, not understated.
        let partial = cluster(&[("ml.m5.xlarge", 2), ("ml.trn1.32xlarge", 1)]);
        assert_eq!(usd_per_hour(&partial, &table()), None);
        let mut failed = cluster(&[("ml.m5.xlarge", 2)]);
        failed.status = JobStatus::from("Failed");
        assert_eq!(usd_per_hour(&failed, &table()), None);
    }

    #[test]
    fn an_inference_component_has_no_rate_of_its_own() {
        let component = job(
            ResourceKind::InferenceComponent,
            "InService",
            Some("ml.g5.2xlarge"),
            Some(1),
        );
        assert_eq!(usd_per_hour(&component, &table()), None);
    }
}
