//! Spend by tag from the CUR, in Cost Explorer's shape: the Spend pane and `export spend`
//! take the same rows whichever source answered.

use std::collections::BTreeMap;

use chrono::{Datelike, Duration, NaiveDate};

use super::{CostGroup, CostPage, CostPeriod, Grouping, SpendQuery};
use crate::cur::CurError;
use crate::cur::query::{QueryRun, column};
use sagescope_core::config::Granularity;

/// The periods Cost Explorer answers a question with: each day, or each calendar month cut
/// to the range, from `start` to `end` (exclusive).
pub fn periods(
    start: NaiveDate,
    end: NaiveDate,
    granularity: Granularity,
) -> Vec<(NaiveDate, NaiveDate)> {
    let mut out = Vec::new();
    let mut day = start;
    while day < end {
        let next = match granularity {
            Granularity::Daily => day + Duration::days(1),
            Granularity::Monthly => {
                let first = day.with_day(1).unwrap_or(day);
                (first + Duration::days(32)).with_day(1).unwrap_or(end)
            }
        };
        let next = next.min(end);
        out.push((day, next));
        day = next;
    }
    out
}

/// The answer of [`crate::cur::sql::spend_by_tag`] as one page of periods whose groups are keyed
/// `<tag key>$<value>` (`<tag key>$` untagged), sorted, as Cost Explorer groups by a tag.
pub fn pages(run: &QueryRun, query: &SpendQuery) -> Result<Vec<CostPage>, CurError> {
    let Grouping::Tag(key) = &query.grouping else {
        return Err(CurError::Answer(
            "the CUR answers spend by tag only (drill-downs ask Cost Explorer)".into(),
        ));
    };
    let (day_at, value_at, cost_at) = (
        column(run, "day")?,
        column(run, "value")?,
        column(run, "cost")?,
    );
    let spans = periods(query.start, query.end, query.granularity);
    let mut amounts: Vec<BTreeMap<String, f64>> = vec![BTreeMap::new(); spans.len()];
    for row in &run.rows {
        let cell = |at: usize| row.get(at).cloned().flatten().unwrap_or_default();
        let day: NaiveDate = cell(day_at).parse().map_err(|_| {
            CurError::Answer(format!(
                "day `{}` is not a date",
                sagescope_core::sanitize::plain(&cell(day_at))
            ))
        })?;
        let cost = sagescope_core::model::parse_amount(&cell(cost_at)).ok_or_else(|| {
            CurError::Answer(format!(
                "cost `{}` is not a number",
                sagescope_core::sanitize::plain(&cell(cost_at))
            ))
        })?;
        let Some(at) = spans.iter().position(|(s, e)| *s <= day && day < *e) else {
            continue;
        };
        *amounts[at]
            .entry(format!("{key}${}", cell(value_at)))
            .or_default() += cost;
    }
    let periods = spans
        .into_iter()
        .zip(amounts)
        .map(|((start, end), groups)| CostPeriod {
            start,
            end,
            estimated: false,
            groups: groups
                .into_iter()
                .map(|(k, amount)| CostGroup {
                    keys: vec![k],
                    amount,
                    unit: "USD".into(),
                })
                .collect(),
        })
        .collect();
    Ok(vec![CostPage {
        periods,
        next_token: None,
    }])
}

#[cfg(test)]
mod tests {
    use super::*;
    use sagescope_core::config::CostMetric;

    fn day(s: &str) -> NaiveDate {
        s.parse().expect("date")
    }

    #[test]
    fn months_are_cut_to_the_range() {
        assert_eq!(
            periods(day("2026-10-20"), day("2026-12-03"), Granularity::Monthly),
            vec![
                (day("2026-10-20"), day("2026-11-01")),
                (day("2026-11-01"), day("2026-12-01")),
                (day("2026-12-01"), day("2026-12-03")),
            ]
        );
        assert_eq!(
            periods(day("2026-12-01"), day("2026-12-03"), Granularity::Daily).len(),
            2
        );
    }

    #[test]
    fn rows_become_tag_groups_with_the_untagged_share_under_an_empty_value() {
        let run = QueryRun {
            header: vec!["day".into(), "value".into(), "cost".into()],
            rows: [
                ("2026-12-01", "cc-1", "2.5"),
                ("2026-12-01", "", "1.0"),
                ("2026-12-02", "cc-1", "0.5"),
                ("2026-11-01", "cc-1", "99"),
            ]
            .iter()
            .map(|(d, v, c)| {
                vec![
                    Some(d.to_string()),
                    Some(v.to_string()),
                    Some(c.to_string()),
                ]
            })
            .collect(),
            ..QueryRun::default()
        };
        let pages = pages(&run, &query()).expect("pages");
        let first = &pages[0].periods[0];
        let keys: Vec<&str> = first.groups.iter().map(|g| g.keys[0].as_str()).collect();
        assert_eq!(keys, ["cost-center$", "cost-center$cc-1"]);
        assert_eq!(first.groups[1].amount, 2.5);
        assert_eq!(pages[0].periods[1].groups.len(), 1);
        assert_eq!(
            pages[0].periods.len(),
            2,
            "a day outside the range is dropped"
        );
    }

    fn query() -> SpendQuery {
        SpendQuery {
            start: day("2026-12-01"),
            end: day("2026-12-03"),
            granularity: Granularity::Daily,
            metric: CostMetric::UnblendedCost,
            grouping: Grouping::Tag("cost-center".into()),
            all_services: false,
            tag_filter: None,
            mine: None,
            accounts: None,
        }
    }

    #[test]
    fn a_cost_that_is_no_amount_is_an_error() {
        for cost in ["NaN", "inf", "abc"] {
            let run = QueryRun {
                header: vec!["day".into(), "value".into(), "cost".into()],
                rows: vec![vec![
                    Some("2026-12-01".into()),
                    Some("cc-1".into()),
                    Some(cost.into()),
                ]],
                ..QueryRun::default()
            };
            assert!(
                matches!(pages(&run, &query()), Err(CurError::Answer(m)) if m.contains(cost)),
                "{cost}"
            );
        }
    }

    proptest::proptest! {
        #![proptest_config(proptest::prelude::ProptestConfig::with_cases(256))]

        /// Whatever Athena answers (any header, ragged rows, nulls, text), the decoder gives
        /// pages or an error, never a panic, and every amount it keeps is finite.
        #[test]
        fn any_answer_decodes_or_is_an_error(
            header in proptest::collection::vec("day|value|cost|\\PC{0,8}", 0..5),
            rows in proptest::collection::vec(
                proptest::collection::vec(
                    proptest::option::of("2026-12-0[0-4]|-?[0-9]{1,4}(\\.[0-9]{1,3})?|NaN|\\PC{0,12}"),
                    0..5,
                ),
                0..8,
            ),
        ) {
            let run = QueryRun { header, rows, ..QueryRun::default() };
            if let Ok(pages) = pages(&run, &query()) {
                for group in pages.iter().flat_map(|p| &p.periods).flat_map(|p| &p.groups) {
                    proptest::prop_assert!(group.amount.is_finite());
                }
            }
        }
    }
}
