//! A [`CostSource`] over the demo world, so `--demo` runs the real spend path (cache, ledger,
//! drill-down, forecast) with no AWS account.

use std::collections::BTreeMap;

use chrono::{Duration, NaiveDate};
use futures::future::BoxFuture;

use super::query::{Grouping, TagFilter};
use super::{CostError, CostGroup, CostPage, CostPeriod, CostSource, Forecast, SpendQuery};
use sagescope_core::config::Granularity;
use sagescope_core::model::SpendRow;

/// Share of each tag value's spend that other services add when all services are counted.
const OTHER_SERVICES: [(&str, f64); 3] = [
    ("Amazon Simple Storage Service", 0.18),
    ("AmazonCloudWatch", 0.04),
    ("Amazon Elastic Compute Cloud - Compute", 0.11),
];

/// Answers from the demo world's daily spend rows.
#[derive(Debug, Clone)]
pub struct DemoCostSource {
    rows: Vec<SpendRow>,
    /// Account ids and how much of every value each one carries.
    accounts: Vec<(String, f64)>,
}

impl DemoCostSource {
    /// Over the spend rows of a demo snapshot.
    pub fn new(rows: Vec<SpendRow>) -> Self {
        DemoCostSource {
            rows,
            accounts: vec![
                ("111111111111".into(), 0.25),
                ("222222222222".into(), 0.55),
                ("333333333333".into(), 0.20),
            ],
        }
    }

    /// Daily amounts for the query's tag filter (or everything), by day.
    fn daily(
        &self,
        query: &SpendQuery,
        start: NaiveDate,
        end: NaiveDate,
    ) -> BTreeMap<NaiveDate, BTreeMap<String, f64>> {
        let key = match (&query.tag_filter, &query.grouping) {
            (Some(TagFilter { key, .. }), _) => key.clone(),
            (None, Grouping::Tag(key)) => key.clone(),
            (None, _) => "project".to_string(),
        };
        // Other services add their share to every grouping when all services are counted.
        let scale = if query.all_services {
            1.0 + OTHER_SERVICES.iter().map(|(_, share)| share).sum::<f64>()
        } else {
            1.0
        };
        let mut out: BTreeMap<NaiveDate, BTreeMap<String, f64>> = BTreeMap::new();
        for row in self
            .rows
            .iter()
            .filter(|r| r.group_key == key && r.start >= start && r.start < end)
        {
            if let Some(filter) = &query.tag_filter {
                let wanted = filter.value.as_deref().unwrap_or("");
                if row.group_value != wanted {
                    continue;
                }
            }
            let day = out.entry(row.start).or_default();
            match &query.grouping {
                Grouping::Tag(_) => {
                    *day.entry(format!("{key}${}", row.group_value)).or_default() +=
                        row.amount * scale
                }
                Grouping::Service => {
                    *day.entry("Amazon SageMaker".into()).or_default() += row.amount;
                    if query.all_services {
                        for (service, share) in OTHER_SERVICES {
                            *day.entry(service.into()).or_default() += row.amount * share;
                        }
                    }
                }
                Grouping::LinkedAccount => {
                    for (id, share) in &self.accounts {
                        *day.entry(id.clone()).or_default() += row.amount * share * scale;
                    }
                }
                // The demo world's spend is by tag only: no resource-level data.
                Grouping::Resource => {}
            }
        }
        // A key nobody tagged with: everything is untagged, as Cost Explorer would say.
        if out.is_empty()
            && let Grouping::Tag(tag) = &query.grouping
            && !self.rows.iter().any(|r| &r.group_key == tag)
        {
            for row in self
                .rows
                .iter()
                .filter(|r| r.group_key == "project" && r.start >= start && r.start < end)
            {
                *out.entry(row.start)
                    .or_default()
                    .entry(format!("{tag}$"))
                    .or_default() += row.amount * scale;
            }
        }
        if let Some(mine) = &query.mine {
            self.keep_mine(&mut out, mine, &key, &query.grouping);
        }
        if let Some(ids) = &query.accounts {
            self.keep_accounts(&mut out, ids, &query.grouping);
        }
        out
    }

    /// The chosen accounts' part of each day: their own groups by linked account, else every
    /// group scaled by the share those accounts carry (the demo splits every value alike).
    fn keep_accounts(
        &self,
        out: &mut BTreeMap<NaiveDate, BTreeMap<String, f64>>,
        ids: &[String],
        grouping: &Grouping,
    ) {
        let share: f64 = self
            .accounts
            .iter()
            .filter(|(id, _)| ids.contains(id))
            .map(|(_, share)| share)
            .sum();
        for groups in out.values_mut() {
            if *grouping == Grouping::LinkedAccount {
                groups.retain(|id, _| ids.contains(id));
            } else {
                groups.values_mut().for_each(|amount| *amount *= share);
            }
            groups.retain(|_, amount| *amount > 0.0);
        }
    }

    /// My part of each day. Grouped by the owner key: only my values. Grouped by project:
    /// my projects (the demo's projects each have one owner), scaled to my owner-tagged spend
    /// that day. Otherwise every group scaled by my share of that day's owner-tagged spend
    /// (the demo keeps one grouping per row, so it apportions where Cost Explorer filters
    /// line items).
    fn keep_mine<'a>(
        &'a self,
        out: &mut BTreeMap<NaiveDate, BTreeMap<String, f64>>,
        mine: &'a super::MineFilter,
        key: &str,
        grouping: &Grouping,
    ) {
        let tag = matches!(grouping, Grouping::Tag(_));
        let mine_value = |group: &str| {
            group
                .split_once('$')
                .is_some_and(|(_, value)| mine.owners.iter().any(|o| o == value))
        };
        let my_projects: Vec<&str> = sagescope_core::demo::project_owners()
            .into_iter()
            .filter(|(_, owner)| mine.owners.iter().any(|o| o == owner))
            .map(|(project, _)| project)
            .collect();
        for (day, groups) in out.iter_mut() {
            if tag && key == mine.owner_key {
                groups.retain(|group, _| mine_value(group));
                continue;
            }
            let rows = &self.rows;
            let day = *day;
            let of_day = move |k: &'a str| {
                rows.iter()
                    .filter(move |r| r.start == day && r.group_key == k)
            };
            let total: f64 = of_day(&mine.owner_key).map(|r| r.amount).sum();
            let my: f64 = of_day(&mine.owner_key)
                .filter(|r| mine.owners.contains(&r.group_value))
                .map(|r| r.amount)
                .sum();
            if tag && key == "project" {
                let projects: f64 = of_day("project")
                    .filter(|r| my_projects.contains(&r.group_value.as_str()))
                    .map(|r| r.amount)
                    .sum();
                let factor = if projects > 0.0 { my / projects } else { 0.0 };
                groups.retain(|group, _| {
                    group
                        .split_once('$')
                        .is_some_and(|(_, p)| my_projects.contains(&p))
                });
                for amount in groups.values_mut() {
                    *amount *= factor;
                }
                continue;
            }
            let share = if total > 0.0 { my / total } else { 0.0 };
            for amount in groups.values_mut() {
                *amount *= share;
            }
            groups.retain(|_, amount| *amount > 0.0);
        }
    }
}

impl CostSource for DemoCostSource {
    fn cost_and_usage<'a>(
        &'a self,
        query: &'a SpendQuery,
        _next_token: Option<String>,
    ) -> BoxFuture<'a, Result<CostPage, CostError>> {
        Box::pin(async move {
            let daily = self.daily(query, query.start, query.end);
            let last_day = self.rows.iter().map(|r| r.start).max();
            let estimated =
                |day: NaiveDate| last_day.is_some_and(|last| day + Duration::days(2) > last);
            let periods = match query.granularity {
                Granularity::Daily => daily
                    .into_iter()
                    .map(|(day, groups)| {
                        period(day, day + Duration::days(1), estimated(day), groups)
                    })
                    .collect(),
                Granularity::Monthly => {
                    let mut months: BTreeMap<NaiveDate, (bool, BTreeMap<String, f64>)> =
                        BTreeMap::new();
                    for (day, groups) in daily {
                        let month = super::query::first_of_month(day);
                        let entry = months.entry(month).or_default();
                        entry.0 |= estimated(day);
                        for (k, v) in groups {
                            *entry.1.entry(k).or_default() += v;
                        }
                    }
                    months
                        .into_iter()
                        .map(|(month, (est, groups))| {
                            let end = super::query::first_of_next_month(month).min(query.end);
                            period(month.max(query.start), end, est, groups)
                        })
                        .collect()
                }
            };
            Ok(CostPage {
                periods,
                next_token: None,
            })
        })
    }

    fn forecast<'a>(
        &'a self,
        query: &'a SpendQuery,
        start: NaiveDate,
        end: NaiveDate,
    ) -> BoxFuture<'a, Result<Forecast, CostError>> {
        Box::pin(async move {
            // The last 14 days' average, carried over the rest of the month.
            let recent_end = start;
            let recent_start = recent_end - Duration::days(14);
            let total: f64 = self
                .daily(query, recent_start, recent_end)
                .values()
                .flat_map(|groups| groups.values())
                .sum();
            let days = f64::from(u32::try_from((end - start).num_days().max(0)).unwrap_or(0));
            Ok(Forecast {
                amount: (total / 14.0 * days * 100.0).round() / 100.0,
                unit: "USD".into(),
            })
        })
    }
}

fn period(
    start: NaiveDate,
    end: NaiveDate,
    estimated: bool,
    groups: BTreeMap<String, f64>,
) -> CostPeriod {
    CostPeriod {
        start,
        end,
        estimated,
        groups: groups
            .into_iter()
            .map(|(key, amount)| CostGroup {
                keys: vec![key],
                amount: (amount * 100.0).round() / 100.0,
                unit: "USD".into(),
            })
            .collect(),
    }
}

#[cfg(test)]
mod tests {
    use chrono::{Datelike, TimeZone, Utc};

    use super::*;
    use crate::spend::{RangePreset, rows_from_pages};

    fn source_and_today() -> (DemoCostSource, NaiveDate) {
        let now = Utc
            .with_ymd_and_hms(2026, 11, 20, 14, 2, 0)
            .single()
            .expect("valid");
        (
            DemoCostSource::new(sagescope_core::demo::world(now).spend.rows),
            now.date_naive(),
        )
    }

    async fn rows(source: &DemoCostSource, query: &SpendQuery) -> Vec<SpendRow> {
        let page = source.cost_and_usage(query, None).await.expect("answers");
        rows_from_pages(query, &[page])
    }

    #[tokio::test]
    async fn tag_answers_match_the_demo_rows_and_drill_downs_add_up() {
        let (source, today) = source_and_today();
        let spend = sagescope_core::config::Config::default().spend;
        let by_project = SpendQuery::from_config(&spend, "project", RangePreset::Days30, today);
        let project_rows = rows(&source, &by_project).await;
        assert!(project_rows.iter().any(|r| r.is_untagged()));
        let vision: f64 = project_rows
            .iter()
            .filter(|r| r.group_value == "vision-qa")
            .map(|r| r.amount)
            .sum();
        assert!(vision > 0.0);

        let mut by_account = by_project.clone();
        by_account.grouping = Grouping::LinkedAccount;
        by_account.tag_filter = Some(TagFilter {
            key: "project".into(),
            value: Some("vision-qa".into()),
        });
        let accounts: f64 = rows(&source, &by_account)
            .await
            .iter()
            .map(|r| r.amount)
            .sum();
        assert!(
            (accounts - vision).abs() < 1.0,
            "drill-down sums to the value's total: {accounts} vs {vision}"
        );

        let monthly = SpendQuery {
            granularity: Granularity::Monthly,
            ..by_project.clone()
        };
        let month_total: f64 = rows(&source, &monthly).await.iter().map(|r| r.amount).sum();
        let daily_total: f64 = project_rows.iter().map(|r| r.amount).sum();
        assert!(
            (month_total - daily_total).abs() < 1.0,
            "{month_total} vs {daily_total}"
        );
    }

    #[tokio::test]
    async fn an_unused_key_is_all_untagged_and_the_forecast_is_positive() {
        let (source, today) = source_and_today();
        let spend = sagescope_core::config::Config::default().spend;
        let query = SpendQuery::from_config(&spend, "team", RangePreset::Days7, today);
        let team = rows(&source, &query).await;
        assert!(!team.is_empty() && team.iter().all(SpendRow::is_untagged));
        let forecast = source
            .forecast(
                &query,
                today + Duration::days(1),
                crate::spend::query::first_of_next_month(today),
            )
            .await
            .expect("forecast");
        assert!(forecast.amount > 0.0);
        assert_eq!(today.month(), 11);
    }
}
