use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

/// How the UI labels the untagged share; exports use the empty string, as Cost Explorer does.
pub const UNTAGGED_LABEL: &str = "(untagged)";

/// Spend for one tag value over one period, as Cost Explorer reports it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SpendRow {
    /// First day of the period.
    pub start: NaiveDate,
    /// Day after the last day of the period (exclusive, like Cost Explorer).
    pub end: NaiveDate,
    /// The cost-allocation tag key the spend is grouped by.
    pub group_key: String,
    /// The tag value; empty for spend on resources without the tag.
    pub group_value: String,
    pub amount: f64,
    pub unit: String,
    /// Cost Explorer marks figures for periods that are not yet final as estimated.
    pub estimated: bool,
}

impl SpendRow {
    /// Whether this row is the share nobody tagged.
    pub fn is_untagged(&self) -> bool {
        self.group_value.is_empty()
    }

    /// The value as a person should read it: `(untagged)` for the empty value.
    pub fn display_value(&self) -> &str {
        if self.is_untagged() {
            UNTAGGED_LABEL
        } else {
            &self.group_value
        }
    }
}
