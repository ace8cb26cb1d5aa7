//! What each SageMaker resource cost, from Cost Explorer's resource-level data
//! (`GetCostAndUsageWithResources`, the `ce-resource` source).
//!
//! AWS keeps resource-level data for the last 14 days only, at daily granularity, and only
//! after the payer opts in (Cost Management preferences). The question is one ordinary
//! [`SpendQuery`] grouped by [`Grouping::Resource`], so it is cached by the spend TTL and
//! counted in the request ledger like every Cost Explorer question. Its `RESOURCE_ID` groups
//! are the resources' ARNs; the days of each are summed into [`Measured`].

use chrono::{Duration, NaiveDate};

use super::query::{Grouping, SpendQuery};
use sagescope_core::config::{Granularity, SpendConfig};
use sagescope_core::cost::Measured;
use sagescope_core::model::{CostSource, SpendRow};

/// Days of resource-level data Cost Explorer keeps (its start date may be no earlier).
pub const WINDOW_DAYS: i64 = 14;

/// The question: every SageMaker resource's daily cost over the 14 days ending `today`
/// (included, though still estimated), in the configured cost metric. Always SageMaker
/// only: the filter is mandatory for this operation and other services have no rows here.
pub fn query(spend: &SpendConfig, today: NaiveDate) -> SpendQuery {
    SpendQuery {
        start: today - Duration::days(WINDOW_DAYS - 1),
        end: today + Duration::days(1),
        granularity: Granularity::Daily,
        metric: spend.metric,
        grouping: Grouping::Resource,
        all_services: false,
        tag_filter: None,
        mine: None,
        accounts: None,
    }
}

/// Each resource's days summed, with the window they cover. Rows without a resource id
/// (usage Cost Explorer cannot tie to one, e.g. some storage) are left out.
pub fn measured(query: &SpendQuery, rows: &[SpendRow]) -> Measured {
    let mut out = Measured::new();
    for row in rows.iter().filter(|r| !r.group_value.is_empty()) {
        out.add(&row.group_value, CostSource::CeResource, row.amount);
    }
    out.set_window(
        CostSource::CeResource,
        query.start,
        query.end - Duration::days(1),
    );
    out
}

/// What the resource-level step produced.
#[derive(Debug, Clone, PartialEq)]
pub struct ResourceCosts {
    pub measured: Measured,
    /// Billed requests this step made now (0 from the cache).
    pub requests: u32,
    /// Pages of the answer: what asking again without the cache costs.
    pub pages: u32,
    pub from_cache: bool,
}

impl ResourceCosts {
    /// One line for the user: what was measured and what it cost.
    pub fn summary(&self) -> String {
        let cost = if self.from_cache {
            format!(
                "from the cache, 0 requests ({} when the spend TTL expires)",
                self.pages
            )
        } else {
            format!(
                "{} requests (${:.2})",
                self.requests,
                f64::from(self.requests) * super::USD_PER_REQUEST
            )
        };
        format!(
            "Cost Explorer resource-level costs: {} SageMaker resources over the last {WINDOW_DAYS} days; {cost}",
            self.measured.len()
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn day(d: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(2026, 12, d).expect("date")
    }

    fn row(id: &str, start: NaiveDate, amount: f64) -> SpendRow {
        SpendRow {
            start,
            end: start + Duration::days(1),
            group_key: "RESOURCE_ID".into(),
            group_value: id.into(),
            amount,
            unit: "USD".into(),
            estimated: false,
        }
    }

    #[test]
    fn the_window_is_the_fourteen_days_ending_today() {
        let q = query(&sagescope_core::config::Config::default().spend, day(20));
        assert_eq!((q.start, q.end), (day(7), day(21)));
        assert_eq!(q.grouping, Grouping::Resource);
        assert!(!q.all_services, "SageMaker only");
    }

    #[test]
    fn days_add_up_per_resource_whatever_the_case_of_its_arn() {
        let q = query(&sagescope_core::config::Config::default().spend, day(20));
        let rows = [
            row(
                "arn:aws:sagemaker:us-east-1:1:training-job/big",
                day(18),
                3.25,
            ),
            row(
                "arn:aws:sagemaker:us-east-1:1:training-job/big",
                day(19),
                1.5,
            ),
            row("arn:aws:sagemaker:us-east-1:1:endpoint/web", day(19), 2.0),
            row("", day(19), 9.0),
        ];
        let m = measured(&q, &rows);
        assert_eq!(m.len(), 2, "the row without an id is left out");
        let big = m
            .get("arn:aws:sagemaker:us-east-1:1:training-job/BIG")
            .expect("joined case-insensitively");
        assert_eq!(
            big,
            [sagescope_core::model::ResourceCost {
                usd: 4.75,
                source: CostSource::CeResource
            }]
        );
        assert_eq!(m.window(CostSource::CeResource), Some((day(7), day(20))));
    }
}
