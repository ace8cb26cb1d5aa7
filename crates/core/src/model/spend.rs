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

/// A money amount as AWS writes it in text (Cost Explorer's `Amount`, an Athena cell:
/// `"12.3456"`, `"-0.5"` for a credit), as a finite number. `None` for anything else, `NaN`
/// and `inf` included: they parse as floats but no bill holds them, and one would poison
/// every sum it joins.
pub fn parse_amount(text: &str) -> Option<f64> {
    text.trim()
        .parse::<f64>()
        .ok()
        .filter(|amount| amount.is_finite())
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn amounts_as_aws_writes_them() {
        assert_eq!(parse_amount("12.3456"), Some(12.3456));
        assert_eq!(parse_amount(" -0.5 "), Some(-0.5));
        assert_eq!(parse_amount("1E-7"), Some(1e-7));
        for bad in [
            "",
            "NaN",
            "inf",
            "-infinity",
            "1e400",
            "12,5",
            "USD 3",
            "0x10",
        ] {
            assert_eq!(parse_amount(bad), None, "{bad}");
        }
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(256))]

        #[test]
        fn any_text_is_a_finite_amount_or_none(text in "\\PC*|[-+0-9.eE]{0,20}") {
            prop_assert!(parse_amount(&text).is_none_or(f64::is_finite));
        }

        #[test]
        fn a_finite_amount_reads_back_exactly(amount in proptest::num::f64::NORMAL | proptest::num::f64::ZERO | proptest::num::f64::SUBNORMAL) {
            prop_assert_eq!(parse_amount(&amount.to_string()), Some(amount));
        }
    }
}
