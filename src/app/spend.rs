//! The Spend pane's state: spend over the lookback window grouped by one tag key, one line per
//! tag value with its daily series, the untagged share as a line of its own.

use std::cmp::Ordering;
use std::collections::BTreeMap;

use chrono::{DateTime, Duration, NaiveDate, Utc};

use super::listing::{Listed, Listing, SortColumn};
use crate::model::{SpendRow, UNTAGGED_LABEL, View};
use crate::sanitize;

/// Columns the Spend pane sorts by.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SpendColumn {
    Total,
    Value,
}

impl SortColumn for SpendColumn {
    const ALL: &'static [SpendColumn] = &[SpendColumn::Total, SpendColumn::Value];

    fn label(self) -> &'static str {
        match self {
            SpendColumn::Total => "total",
            SpendColumn::Value => "tag value",
        }
    }

    fn descending_first(self) -> bool {
        self == SpendColumn::Total
    }
}

/// One tag value's spend over the window.
#[derive(Debug, Clone, PartialEq)]
pub struct SpendLine {
    /// The tag value; empty for the untagged share.
    pub value: String,
    pub total: f64,
    /// Share of the whole window's spend, 0..=1.
    pub share: f64,
    /// One amount per day of the window, oldest first.
    pub daily: Vec<f64>,
}

impl SpendLine {
    pub fn is_untagged(&self) -> bool {
        self.value.is_empty()
    }

    /// The value as shown, `(untagged)` for the empty one (sanitised).
    pub fn label(&self) -> String {
        if self.is_untagged() {
            UNTAGGED_LABEL.to_string()
        } else {
            sanitize::cell(&self.value).into_owned()
        }
    }
}

impl Listed for SpendLine {
    type Column = SpendColumn;

    fn key(&self) -> &str {
        &self.value
    }

    fn write_search_text(&self, out: &mut String) {
        super::search::push_lowercase(out, &self.label());
    }

    fn compare(&self, other: &Self, column: SpendColumn, _now: DateTime<Utc>) -> Ordering {
        match column {
            SpendColumn::Total => self.total.total_cmp(&other.total),
            SpendColumn::Value => self.value.cmp(&other.value),
        }
    }
}

/// The Spend pane.
#[derive(Debug, Clone)]
pub struct SpendPane {
    rows: Vec<SpendRow>,
    pub as_of: Option<DateTime<Utc>>,
    /// Tag keys `g` cycles through (from the config).
    pub keys: Vec<String>,
    key_index: usize,
    pub lookback_days: u32,
    /// The days of the window, oldest first.
    pub days: Vec<NaiveDate>,
    /// Total spend per day of the window.
    pub daily_totals: Vec<f64>,
    pub total: f64,
    pub untagged_total: f64,
    pub unit: String,
    /// Days whose figures Cost Explorer still calls estimated.
    pub estimated_days: usize,
    pub lines: Listing<SpendLine>,
}

impl SpendPane {
    pub fn new(keys: Vec<String>, lookback_days: u32) -> Self {
        SpendPane {
            rows: Vec::new(),
            as_of: None,
            keys,
            key_index: 0,
            lookback_days: lookback_days.max(1),
            days: Vec::new(),
            daily_totals: Vec::new(),
            total: 0.0,
            untagged_total: 0.0,
            unit: "USD".into(),
            estimated_days: 0,
            lines: Listing::new(),
        }
    }

    /// The tag key spend is grouped by now.
    pub fn key(&self) -> &str {
        self.keys.get(self.key_index).map_or("", String::as_str)
    }

    /// Tag keys that have spend in the data, for the "nothing grouped by X" message.
    pub fn keys_in_data(&self) -> Vec<&str> {
        let mut keys: Vec<&str> = self.rows.iter().map(|r| r.group_key.as_str()).collect();
        keys.sort_unstable();
        keys.dedup();
        keys
    }

    pub fn set_view(&mut self, view: View<SpendRow>, now: DateTime<Utc>) {
        self.as_of = Some(view.as_of);
        self.rows = view.rows;
        self.regroup(now);
    }

    /// `g`: group by the next configured key.
    pub fn next_key(&mut self, now: DateTime<Utc>) {
        if !self.keys.is_empty() {
            self.key_index = (self.key_index + 1) % self.keys.len();
            self.regroup(now);
        }
    }

    pub fn set_filter(&mut self, text: &str) {
        self.lines.set_filter(text, None);
    }

    pub fn sort_next(&mut self, now: DateTime<Utc>) {
        self.lines.sort_next(now, None);
    }

    pub fn sort_reverse(&mut self, now: DateTime<Utc>) {
        self.lines.sort_reverse(now, None);
    }

    fn regroup(&mut self, now: DateTime<Utc>) {
        let key = self.key().to_string();
        let grouped: Vec<&SpendRow> = self.rows.iter().filter(|r| r.group_key == key).collect();
        let Some(last) = grouped.iter().map(|r| r.start).max() else {
            self.days.clear();
            self.daily_totals.clear();
            (self.total, self.untagged_total, self.estimated_days) = (0.0, 0.0, 0);
            self.lines.set_rows(Vec::new(), now, None);
            return;
        };
        let first = last - Duration::days(i64::from(self.lookback_days) - 1);
        self.days = first.iter_days().take_while(|d| *d <= last).collect();
        let day_count = self.days.len();
        let mut by_value: BTreeMap<&str, Vec<f64>> = BTreeMap::new();
        let mut estimated = std::collections::BTreeSet::new();
        for row in grouped.iter().filter(|r| r.start >= first) {
            let day = usize::try_from((row.start - first).num_days()).unwrap_or(0);
            let series = by_value
                .entry(row.group_value.as_str())
                .or_insert_with(|| vec![0.0; day_count]);
            if let Some(slot) = series.get_mut(day) {
                *slot += row.amount;
            }
            if row.estimated {
                estimated.insert(row.start);
            }
            self.unit.clone_from(&row.unit);
        }
        self.daily_totals = (0..day_count)
            .map(|d| by_value.values().map(|s| s[d]).sum())
            .collect();
        self.total = self.daily_totals.iter().sum();
        self.estimated_days = estimated.len();
        let total = self.total;
        let lines: Vec<SpendLine> = by_value
            .into_iter()
            .map(|(value, daily)| {
                let sum: f64 = daily.iter().sum();
                SpendLine {
                    value: value.to_string(),
                    total: sum,
                    share: if total > 0.0 { sum / total } else { 0.0 },
                    daily,
                }
            })
            .collect();
        self.untagged_total = lines
            .iter()
            .filter(|l| l.is_untagged())
            .map(|l| l.total)
            .sum();
        self.lines.set_rows(lines, now, None);
    }
}
