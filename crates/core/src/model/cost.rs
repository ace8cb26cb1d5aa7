//! What a resource cost, and where that figure came from.
//!
//! Several sources can price one resource, each better than the next: the Cost and Usage
//! Report (what was invoiced), Cost Explorer's resource-level data, SageMaker's own billed
//! seconds, and an estimate from the list price. Every dollar figure carries its source so no
//! estimate ever passes for an invoice.

use std::fmt;

use serde::{Deserialize, Serialize};

/// Where a resource's cost came from, best first: the derived order is the ranking.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum CostSource {
    /// The CUR 2.0 table, queried through Athena: the invoice's own line items.
    Cur,
    /// Cost Explorer `GetCostAndUsageWithResources` (last 14 days, resource-level opt-in).
    CeResource,
    /// A finished training job's `BillableTimeInSeconds` × instances × the hourly price.
    BillableTime,
    /// Today's hourly price × how long the resource ran: shown with `~`.
    Estimate,
}

impl CostSource {
    /// The name exports and the detail view use.
    pub fn as_str(self) -> &'static str {
        match self {
            CostSource::Cur => "cur",
            CostSource::CeResource => "ce-resource",
            CostSource::BillableTime => "billable-time",
            CostSource::Estimate => "estimate",
        }
    }
}

impl fmt::Display for CostSource {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// One resource's cost in USD from one source.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct ResourceCost {
    pub usd: f64,
    pub source: CostSource,
}

impl ResourceCost {
    /// `$12.34`, or `~$12.34` for an estimate: a table cell that says how sure it is.
    pub fn cell(&self) -> String {
        match self.source {
            CostSource::Estimate => format!("~${:.2}", self.usd),
            _ => format!("${:.2}", self.usd),
        }
    }
}

/// What SageMaker says it bills a training job for (`DescribeTrainingJob`, `Search`).
/// The seconds are 32-bit, as AWS sends them (an `Integer`): every training row carries this,
/// and 64-bit fields made each of 100,000 rows 16 bytes larger.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct TrainingBilling {
    /// `BillableTimeInSeconds`: seconds billed per instance (spot: only the seconds used).
    pub billable_seconds: Option<u32>,
    /// `TrainingTimeInSeconds`: seconds the job trained, the on-demand equivalent.
    pub training_seconds: Option<u32>,
    /// `EnableManagedSpotTraining`.
    #[serde(default)]
    pub managed_spot: bool,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sources_rank_invoice_first_and_estimate_last() {
        let mut sources = [
            CostSource::Estimate,
            CostSource::Cur,
            CostSource::BillableTime,
            CostSource::CeResource,
        ];
        sources.sort();
        assert_eq!(
            sources.map(CostSource::as_str),
            ["cur", "ce-resource", "billable-time", "estimate"]
        );
    }

    #[test]
    fn only_estimates_carry_a_tilde() {
        let cost = |source| ResourceCost { usd: 3.456, source };
        assert_eq!(cost(CostSource::Estimate).cell(), "~$3.46");
        assert_eq!(cost(CostSource::BillableTime).cell(), "$3.46");
        assert_eq!(
            serde_json::to_string(&CostSource::CeResource).expect("serializes"),
            "\"ce-resource\""
        );
    }
}
