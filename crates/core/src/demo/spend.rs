//! Demo daily spend by cost center, project and owner, with an untagged share in each.

use std::collections::BTreeMap;

use chrono::{Datelike, Duration, NaiveDate, Weekday};

use super::jobs::PROJECTS;
use super::rng::Rng;
use crate::model::SpendRow;

/// Days of history: more than the 60 the Spend pane's longest presets want.
const DAYS: i64 = 75;
/// Cost Explorer marks the most recent days as estimated; so does the demo.
const ESTIMATED_DAYS: i64 = 2;

/// Each project's typical daily spend in USD.
const BASE_DAILY_USD: [f64; 6] = [180.0, 420.0, 95.0, 650.0, 210.0, 140.0];

pub(super) fn generate(today: NaiveDate) -> Vec<SpendRow> {
    let mut rng = Rng::new(0xC057_5EED);
    let mut rows = Vec::new();
    for offset in (0..DAYS).rev() {
        let day = today - Duration::days(offset);
        let weekend = matches!(day.weekday(), Weekday::Sat | Weekday::Sun);
        let trend = 1.0 + (DAYS - offset) as f64 / DAYS as f64 * 0.25;
        let mut by_project = Vec::with_capacity(PROJECTS.len());
        for (i, base) in BASE_DAILY_USD.iter().enumerate() {
            let mut amount = base * trend * (0.85 + rng.unit() * 0.3);
            if weekend {
                amount *= 0.7;
            }
            // The fine-tuning project has bursty GPU weeks.
            if i == 3 && day.iso_week().week().is_multiple_of(3) {
                amount *= 1.8;
            }
            by_project.push(amount);
        }
        let untagged_project = by_project.iter().sum::<f64>() * (0.09 + rng.unit() * 0.04);
        let total: f64 = by_project.iter().sum::<f64>() + untagged_project;
        let estimated = offset < ESTIMATED_DAYS;
        let mut push = |key: &str, value: &str, amount: f64| {
            rows.push(SpendRow {
                start: day,
                end: day + Duration::days(1),
                group_key: key.to_string(),
                group_value: value.to_string(),
                amount: (amount * 100.0).round() / 100.0,
                unit: "USD".to_string(),
                estimated,
            });
        };

        for (project, amount) in PROJECTS.iter().zip(&by_project) {
            push("project", project.name, *amount);
        }
        push("project", "", untagged_project);

        // Cost-center and owner tags are a little less complete than project tags: the rest of
        // each project's spend lands in those keys' untagged share.
        for (key, coverage) in [("cost-center", 0.94), ("owner", 0.88)] {
            let mut grouped: BTreeMap<&str, f64> = BTreeMap::new();
            for (project, amount) in PROJECTS.iter().zip(&by_project) {
                let value = if key == "owner" {
                    project.owner
                } else {
                    project.cost_center
                };
                *grouped.entry(value).or_default() += amount * coverage;
            }
            let tagged: f64 = grouped.values().sum();
            for (value, amount) in grouped {
                push(key, value, amount);
            }
            push(key, "", total - tagged);
        }
    }
    rows
}
