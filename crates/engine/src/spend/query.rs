//! A Cost Explorer question in normalised form, so equal questions share one cached answer.

use std::fmt;

use chrono::{Datelike, Duration, NaiveDate};

use sagescope_core::config::{CostMetric, Granularity, SpendConfig};

/// What spend is grouped by.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum Grouping {
    /// A cost-allocation tag key.
    Tag(String),
    /// The AWS service (drill-down).
    Service,
    /// The linked account (drill-down; the payer account sees them all).
    LinkedAccount,
    /// Each resource (`GetCostAndUsageWithResources`, `RESOURCE_ID`): what every SageMaker
    /// resource cost over the last 14 days, see [`super::resources`].
    Resource,
}

impl Grouping {
    /// The `group_key` rows of this grouping carry.
    pub fn key(&self) -> &str {
        match self {
            Grouping::Tag(key) => key,
            Grouping::Service => "SERVICE",
            Grouping::LinkedAccount => "LINKED_ACCOUNT",
            Grouping::Resource => "RESOURCE_ID",
        }
    }
}

/// Restricts spend to one tag value; `value: None` selects spend without the tag at all.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct TagFilter {
    pub key: String,
    pub value: Option<String>,
}

/// Restricts spend to mine: the owner tag carrying one of my values, or (`Or`) Studio's
/// user-profile tag naming one of my profiles' ARNs.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct MineFilter {
    pub owner_key: String,
    /// Values of `owner_key`; empty when only Studio profiles identify me.
    pub owners: Vec<String>,
    /// Full `sagemaker:user-profile-arn` values (Cost Explorer matches whole values).
    pub profile_arns: Vec<String>,
}

impl MineFilter {
    /// The filter for `me`, with the profile ARNs known so far (see
    /// `sagescope_tui::app` / `crate::cli` for where they are found).
    pub fn new(me: &sagescope_core::model::Me, profile_arns: Vec<String>) -> Self {
        let mut owners = me.owners.clone();
        owners.sort();
        owners.dedup();
        let mut profile_arns = profile_arns;
        profile_arns.sort();
        profile_arns.dedup();
        MineFilter {
            owner_key: me.owner_key.clone(),
            owners,
            profile_arns,
        }
    }

    /// Whether the filter can select anything at all.
    pub fn is_empty(&self) -> bool {
        self.owners.is_empty() && self.profile_arns.is_empty()
    }

    fn cache_key(&self) -> String {
        format!(
            "mine:{}={};profiles={}",
            self.owner_key,
            self.owners.join(","),
            self.profile_arns.join(",")
        )
    }
}

/// One `GetCostAndUsage` question.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct SpendQuery {
    /// First day, inclusive.
    pub start: NaiveDate,
    /// Day after the last one (Cost Explorer's end is exclusive).
    pub end: NaiveDate,
    pub granularity: Granularity,
    pub metric: CostMetric,
    pub grouping: Grouping,
    /// Count every service, not only `Amazon SageMaker`.
    pub all_services: bool,
    pub tag_filter: Option<TagFilter>,
    /// Only my spend (`M`, `--mine`).
    pub mine: Option<MineFilter>,
    /// Only these linked accounts' spend (ids, sorted and distinct): the `:accounts` choice,
    /// asked of the payer account's Cost Explorer as a `LINKED_ACCOUNT` filter.
    pub accounts: Option<Vec<String>>,
}

/// The service name Cost Explorer's SERVICE dimension uses for SageMaker.
pub const SAGEMAKER_SERVICE: &str = "Amazon SageMaker";

impl SpendQuery {
    /// The Spend pane's main question from the config, for the range ending today.
    pub fn from_config(
        spend: &SpendConfig,
        group_by: &str,
        range: RangePreset,
        today: NaiveDate,
    ) -> Self {
        let (start, end) = range.dates(today, spend.lookback_days);
        SpendQuery {
            start,
            end,
            granularity: spend.granularity,
            metric: spend.metric,
            grouping: Grouping::Tag(group_by.to_string()),
            all_services: spend.all_services,
            tag_filter: None,
            mine: None,
            accounts: None,
        }
    }

    /// The cache key: every field that changes the answer, in a fixed order and spelling.
    pub fn cache_key(&self) -> String {
        let grouping = match &self.grouping {
            Grouping::Tag(key) => format!("tag:{key}"),
            Grouping::Service => "dim:SERVICE".to_string(),
            Grouping::LinkedAccount => "dim:LINKED_ACCOUNT".to_string(),
            Grouping::Resource => "dim:RESOURCE_ID".to_string(),
        };
        let filter = match &self.tag_filter {
            None => "-".to_string(),
            Some(TagFilter { key, value: None }) => format!("{key}:ABSENT"),
            Some(TagFilter {
                key,
                value: Some(v),
            }) => format!("{key}={v}"),
        };
        // Appended only when set, so the keys of answers cached before `mine` existed stay.
        let mine = self
            .mine
            .as_ref()
            .map(|m| format!("|{}", m.cache_key()))
            .unwrap_or_default();
        let accounts = self
            .accounts
            .as_ref()
            .map(|ids| format!("|accounts={}", ids.join(",")))
            .unwrap_or_default();
        format!(
            "ce.v1|{}|{}|{:?}|{}|{}|{}|{}{mine}{accounts}",
            self.start,
            self.end,
            self.granularity,
            self.metric.as_str(),
            grouping,
            if self.all_services {
                "all"
            } else {
                SAGEMAKER_SERVICE
            },
            filter
        )
    }
}

/// Time ranges the Spend pane offers on keys.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum RangePreset {
    /// `spend.lookback_days` from the config.
    Configured,
    Days7,
    Days30,
    Days90,
    MonthToDate,
    LastMonth,
}

impl RangePreset {
    /// In the order the pane cycles through them.
    pub const ALL: [RangePreset; 6] = [
        RangePreset::Configured,
        RangePreset::Days7,
        RangePreset::Days30,
        RangePreset::Days90,
        RangePreset::MonthToDate,
        RangePreset::LastMonth,
    ];

    /// `[start, end)` for this range, where `today` is still running (its spend is included,
    /// estimated).
    pub fn dates(self, today: NaiveDate, lookback_days: u32) -> (NaiveDate, NaiveDate) {
        let tomorrow = today + Duration::days(1);
        let back = |days: i64| (tomorrow - Duration::days(days), tomorrow);
        match self {
            RangePreset::Configured => back(i64::from(lookback_days.max(1))),
            RangePreset::Days7 => back(7),
            RangePreset::Days30 => back(30),
            RangePreset::Days90 => back(90),
            RangePreset::MonthToDate => (first_of_month(today), tomorrow),
            RangePreset::LastMonth => {
                let this_month = first_of_month(today);
                (first_of_month(this_month - Duration::days(1)), this_month)
            }
        }
    }

    pub fn label(self, lookback_days: u32) -> String {
        match self {
            RangePreset::Configured => format!("{lookback_days}d"),
            RangePreset::Days7 => "7d".into(),
            RangePreset::Days30 => "30d".into(),
            RangePreset::Days90 => "90d".into(),
            RangePreset::MonthToDate => "month to date".into(),
            RangePreset::LastMonth => "last month".into(),
        }
    }
}

impl fmt::Display for RangePreset {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.label(30))
    }
}

/// The first day of `day`'s month.
pub fn first_of_month(day: NaiveDate) -> NaiveDate {
    day.with_day(1).unwrap_or(day)
}

/// The first day of the month after `day`'s.
pub fn first_of_next_month(day: NaiveDate) -> NaiveDate {
    let first = first_of_month(day);
    (first + Duration::days(32))
        .with_day(1)
        .unwrap_or(first + Duration::days(31))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn day(y: i32, m: u32, d: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, d).expect("valid date")
    }

    #[test]
    fn presets_end_tomorrow_exclusive_and_span_their_days() {
        let today = day(2026, 3, 15);
        assert_eq!(
            RangePreset::Days7.dates(today, 30),
            (day(2026, 3, 9), day(2026, 3, 16))
        );
        assert_eq!(RangePreset::Configured.dates(today, 14).0, day(2026, 3, 2));
        assert_eq!(
            RangePreset::MonthToDate.dates(today, 30),
            (day(2026, 3, 1), day(2026, 3, 16))
        );
        assert_eq!(
            RangePreset::LastMonth.dates(today, 30),
            (day(2026, 2, 1), day(2026, 3, 1))
        );
        assert_eq!(
            RangePreset::LastMonth.dates(day(2026, 1, 3), 30),
            (day(2025, 12, 1), day(2026, 1, 1))
        );
    }

    #[test]
    fn month_arithmetic_handles_year_ends() {
        assert_eq!(first_of_next_month(day(2026, 12, 31)), day(2027, 1, 1));
        assert_eq!(first_of_next_month(day(2026, 2, 1)), day(2026, 3, 1));
    }

    #[test]
    fn cache_keys_differ_exactly_when_the_question_does() {
        let spend = sagescope_core::config::Config::default().spend;
        let today = day(2026, 3, 15);
        let a = SpendQuery::from_config(&spend, "project", RangePreset::Days30, today);
        assert_eq!(a.cache_key(), a.clone().cache_key());
        let mut b = a.clone();
        b.all_services = true;
        assert_ne!(a.cache_key(), b.cache_key());
        let mut c = a.clone();
        c.tag_filter = Some(TagFilter {
            key: "project".into(),
            value: None,
        });
        let mut d = a.clone();
        d.tag_filter = Some(TagFilter {
            key: "project".into(),
            value: Some(String::new()),
        });
        assert_ne!(
            c.cache_key(),
            d.cache_key(),
            "absent differs from empty value"
        );
        assert_ne!(
            a.cache_key(),
            SpendQuery {
                grouping: Grouping::Service,
                ..a.clone()
            }
            .cache_key()
        );
        let me = sagescope_core::model::Me::owner("owner", "alice");
        let mut mine = a.clone();
        mine.mine = Some(MineFilter::new(&me, Vec::new()));
        assert_ne!(
            a.cache_key(),
            mine.cache_key(),
            "the mine filter is in the key"
        );
        let mut bob = a.clone();
        bob.mine = Some(MineFilter::new(
            &sagescope_core::model::Me::owner("owner", "bob"),
            Vec::new(),
        ));
        assert_ne!(mine.cache_key(), bob.cache_key());
        let mut with_profile = mine.clone();
        with_profile.mine = Some(MineFilter::new(&me, vec!["arn:p".into()]));
        assert_ne!(mine.cache_key(), with_profile.cache_key());
        assert!(
            !a.cache_key().contains("mine"),
            "keys without the filter are as before"
        );
        let mut prod = a.clone();
        prod.accounts = Some(vec!["222222222222".into()]);
        let mut both = a.clone();
        both.accounts = Some(vec!["111111111111".into(), "222222222222".into()]);
        assert_ne!(a.cache_key(), prod.cache_key(), "each scope has its key");
        assert_ne!(prod.cache_key(), both.cache_key());
        assert!(
            !a.cache_key().contains("accounts"),
            "the whole organization's key is as before"
        );
    }
}
