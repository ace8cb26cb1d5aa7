//! Month to date, the forecast to month end and budgets, for the scope the Spend pane shows.
//!
//! The questions are planned here so that no request is made that the main answer already
//! holds: when the pane's range covers the month so far (30 days on the 20th, say), month to
//! date is summed from its rows for free.

use std::collections::BTreeMap;

use chrono::{Duration, NaiveDate};

use super::budget::BudgetStatus;
use super::query::{Grouping, SpendQuery, TagFilter, first_of_month, first_of_next_month};
use sagescope_core::config::Granularity;
use sagescope_core::model::SpendRow;

/// The calendar month `today` is in, as Cost Explorer's half-open dates.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Month {
    /// The first day of the month.
    pub start: NaiveDate,
    /// The day after today: month to date ends here, the forecast starts here.
    pub tomorrow: NaiveDate,
    /// The first day of the next month (exclusive end).
    pub end: NaiveDate,
}

impl Month {
    pub fn of(today: NaiveDate) -> Month {
        Month {
            start: first_of_month(today),
            tomorrow: today + Duration::days(1),
            end: first_of_next_month(today),
        }
    }

    /// Whether there are days left to forecast (not on the month's last day).
    pub fn has_rest(&self) -> bool {
        self.tomorrow < self.end
    }
}

/// Month to date, the forecast and budgets for one scope.
#[derive(Debug, Clone, PartialEq)]
pub struct MonthOutlook {
    pub month: Month,
    /// Spend from the first of the month to today, in the pane's scope.
    pub month_to_date: f64,
    /// Cost Explorer's forecast from tomorrow to month end; `None` when it gave none.
    pub rest_forecast: Option<f64>,
    /// Why there is no forecast (e.g. too little history), for the pane.
    pub forecast_note: Option<String>,
    pub budgets: Vec<BudgetStatus>,
    pub unit: String,
}

impl MonthOutlook {
    /// Month to date plus the forecast: where the month is heading.
    pub fn projected(&self) -> Option<f64> {
        self.rest_forecast.map(|rest| self.month_to_date + rest)
    }
}

/// The month-to-date question grouped by `key`, in the scope (services, metric) of `base`.
pub fn month_to_date_query(base: &SpendQuery, key: &str, month: &Month) -> SpendQuery {
    SpendQuery {
        start: month.start,
        end: month.tomorrow,
        granularity: Granularity::Monthly,
        metric: base.metric,
        grouping: Grouping::Tag(key.to_string()),
        all_services: base.all_services,
        tag_filter: None,
        mine: base.mine.clone(),
        accounts: base.accounts.clone(),
    }
}

/// Month to date per value of `key`, summed from an answer to `query` when that answer covers
/// the whole month so far; `None` when another request is needed.
pub fn month_to_date_from(
    query: &SpendQuery,
    rows: &[SpendRow],
    key: &str,
    month: &Month,
) -> Option<BTreeMap<String, f64>> {
    let covers = query.grouping == Grouping::Tag(key.to_string())
        && query.tag_filter.is_none()
        && query.start <= month.start
        && query.end == month.tomorrow
        // Cost Explorer splits periods at month starts; an answer that does not cannot be cut.
        && !rows.iter().any(|r| r.start < month.start && r.end > month.start);
    covers.then(|| by_value(rows.iter().filter(|r| r.start >= month.start)))
}

/// Sums rows per `group_value`.
pub fn by_value<'a>(rows: impl Iterator<Item = &'a SpendRow>) -> BTreeMap<String, f64> {
    let mut out = BTreeMap::new();
    for row in rows {
        *out.entry(row.group_value.clone()).or_default() += row.amount;
    }
    out
}

/// The forecast question from tomorrow to month end for the scope of `base`, optionally
/// narrowed to one tag value (a budget). The grouping is fixed so equal scopes share a key.
pub fn forecast_query(base: &SpendQuery, filter: Option<TagFilter>, month: &Month) -> SpendQuery {
    SpendQuery {
        start: month.tomorrow,
        end: month.end,
        granularity: Granularity::Monthly,
        metric: base.metric,
        grouping: Grouping::Service,
        all_services: base.all_services,
        tag_filter: filter,
        mine: base.mine.clone(),
        accounts: base.accounts.clone(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::spend::RangePreset;

    fn day(m: u32, d: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(2026, m, d).expect("date")
    }

    fn row(start: NaiveDate, value: &str, amount: f64) -> SpendRow {
        SpendRow {
            start,
            end: start + Duration::days(1),
            group_key: "project".into(),
            group_value: value.into(),
            amount,
            unit: "USD".into(),
            estimated: false,
        }
    }

    #[test]
    fn a_range_covering_the_month_gives_month_to_date_for_free() {
        let spend = sagescope_core::config::Config::default().spend;
        let today = day(3, 20);
        let month = Month::of(today);
        assert_eq!(
            (month.start, month.tomorrow, month.end),
            (day(3, 1), day(3, 21), day(4, 1))
        );
        let rows = vec![
            row(day(2, 27), "a", 100.0),
            row(day(3, 1), "a", 1.0),
            row(day(3, 20), "a", 2.0),
            row(day(3, 5), "", 4.0),
        ];
        let thirty = SpendQuery::from_config(&spend, "project", RangePreset::Days30, today);
        let mtd = month_to_date_from(&thirty, &rows, "project", &month).expect("covered");
        assert_eq!(mtd.get("a"), Some(&3.0), "February is left out");
        assert_eq!(mtd.get(""), Some(&4.0));

        let seven = SpendQuery::from_config(&spend, "project", RangePreset::Days7, today);
        assert!(month_to_date_from(&seven, &rows, "project", &month).is_none());
        assert!(
            month_to_date_from(&thirty, &rows, "owner", &month).is_none(),
            "another key needs its own question"
        );
        let last = SpendQuery::from_config(&spend, "project", RangePreset::LastMonth, today);
        assert!(month_to_date_from(&last, &rows, "project", &month).is_none());
    }

    #[test]
    fn forecasts_of_one_scope_share_a_cache_key_whatever_the_pane_groups_by() {
        let spend = sagescope_core::config::Config::default().spend;
        let today = day(3, 20);
        let month = Month::of(today);
        let a = SpendQuery::from_config(&spend, "project", RangePreset::Days7, today);
        let b = SpendQuery::from_config(&spend, "owner", RangePreset::Days90, today);
        assert_eq!(
            forecast_query(&a, None, &month).cache_key(),
            forecast_query(&b, None, &month).cache_key()
        );
        let q = forecast_query(&a, None, &month);
        assert_eq!((q.start, q.end), (day(3, 21), day(4, 1)));
        assert!(!Month::of(day(3, 31)).has_rest());
    }
}
