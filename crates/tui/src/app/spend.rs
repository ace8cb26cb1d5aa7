//! The Spend pane's state: spend over the lookback window grouped by one tag key, one line per
//! tag value with its daily series, the untagged share as a line of its own.

use sagescope_engine::spend::top::TopResources;
use std::cmp::Ordering;
use std::collections::BTreeMap;

use chrono::{DateTime, Duration, NaiveDate, Utc};

use super::listing::{Listed, Listing, SortColumn};
use sagescope_core::config::SpendConfig;
use sagescope_core::model::{SpendRow, UNTAGGED_LABEL, View};
use sagescope_core::sanitize;
use sagescope_engine::spend::{
    DrillAnswer, Ledger, MineFilter, MonthOutlook, RangePreset, SpendQuery, SpendRequest,
};

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

/// A drill-down into one tag value, as loaded so far.
#[derive(Debug, Clone, PartialEq)]
pub struct DrillView {
    pub request: SpendRequest,
    pub answer: Option<DrillAnswer>,
    pub error: Option<String>,
    pub loading: bool,
    /// Requests this drill-down costs with nothing cached.
    pub full_cost: u32,
    /// The listed resources behind the value, costliest first (no request: from the rows).
    pub top: TopResources,
    /// For the untagged share: those resources' cost by who created them.
    pub by_creator: Option<sagescope_engine::spend::top::CreatorSplit>,
}

/// The `:accounts` choice as the Spend pane asks Cost Explorer (or the CUR) about it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SpendScope {
    /// The chosen accounts' ids, sorted; `Err` names the chosen accounts whose id nothing has
    /// told yet: the pane then says so rather than show the whole organization's spend.
    pub ids: Result<Vec<String>, Vec<String>>,
}

/// The Spend pane.
#[derive(Debug, Clone)]
pub struct SpendPane {
    /// Spend rows of any key; the pane shows those of its key within its range.
    rows: Vec<SpendRow>,
    /// When Cost Explorer produced the figures shown (the status bar's "as of").
    pub as_of: Option<DateTime<Utc>>,
    /// Tag keys `g` cycles through (from the config).
    pub keys: Vec<String>,
    key_index: usize,
    pub lookback_days: u32,
    /// `[spend]` from the config: metric, granularity, default scope.
    pub config: SpendConfig,
    pub range: RangePreset,
    /// Every AWS service (`a`), not only SageMaker.
    pub all_services: bool,
    /// The day ranges end on (UTC, as Cost Explorer counts days).
    pub today: NaiveDate,
    /// Answers are reused this long; past it the pane refreshes by itself.
    pub ttl: Duration,
    /// The last overview asked for (without `force`), and whether it is still on its way.
    pub requested: Option<SpendRequest>,
    pub loading: bool,
    /// Whether the figures came from the answer cache.
    pub from_cache: bool,
    /// When the pane asks again by itself (the answer's age reaches the TTL).
    pub next_auto: Option<DateTime<Utc>>,
    /// Why the last overview failed.
    pub error: Option<String>,
    /// A fix to tell the user (the tag key is not activated for cost allocation).
    pub hint: Option<String>,
    pub outlook: Option<MonthOutlook>,
    pub drill: Option<DrillView>,
    /// Cost Explorer requests and dollars today.
    pub ledger: Option<Ledger>,
    /// Requests the overview costs with nothing cached (the forced refresh estimate).
    pub full_cost: u32,
    /// A forced refresh waiting for the user's yes, with the requests it will make.
    pub confirm: Option<u32>,
    /// The days (or months) of the window, oldest first.
    pub days: Vec<NaiveDate>,
    /// Total spend per day of the window.
    pub daily_totals: Vec<f64>,
    pub total: f64,
    pub untagged_total: f64,
    pub unit: String,
    /// Days whose figures Cost Explorer still calls estimated.
    pub estimated_days: usize,
    pub lines: Listing<SpendLine>,
    /// Whether an answer the pane asked for has arrived (snapshots no longer replace it).
    answered: bool,
    /// `M`: only my spend.
    pub mine: Option<MineFilter>,
    /// The key shown before `M` switched to `project`, restored when it is turned off.
    key_before_mine: Option<usize>,
    /// `:accounts`: only the chosen accounts' spend.
    pub scope: Option<SpendScope>,
}

impl SpendPane {
    pub fn new(keys: Vec<String>, config: &SpendConfig, now: DateTime<Utc>) -> Self {
        let lookback_days = config.lookback_days.max(1);
        SpendPane {
            rows: Vec::new(),
            as_of: None,
            keys,
            key_index: 0,
            lookback_days,
            config: config.clone(),
            range: SpendPane::initial_range(lookback_days),
            all_services: config.all_services,
            today: now.date_naive(),
            ttl: Duration::hours(i64::from(config.ttl_hours.max(1))),
            requested: None,
            loading: false,
            from_cache: false,
            next_auto: None,
            error: None,
            hint: None,
            outlook: None,
            drill: None,
            ledger: None,
            full_cost: 0,
            confirm: None,
            days: Vec::new(),
            daily_totals: Vec::new(),
            total: 0.0,
            untagged_total: 0.0,
            unit: "USD".into(),
            estimated_days: 0,
            lines: Listing::new(),
            answered: false,
            mine: None,
            key_before_mine: None,
            scope: None,
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

    /// The question the pane shows the answer to: its key, range and scope, ending today.
    pub fn query(&self) -> SpendQuery {
        let mut query = SpendQuery::from_config(&self.config, self.key(), self.range, self.today);
        query.all_services = self.all_services;
        query.mine = self.mine.clone();
        query.accounts = self
            .scope
            .as_ref()
            .and_then(|scope| scope.ids.as_ref().ok().cloned());
        query
    }

    /// The chosen accounts whose id is unknown: nothing can be asked for them (and asking
    /// without them would answer for the whole organization).
    pub fn unresolved(&self) -> Option<&[String]> {
        self.scope.as_ref()?.ids.as_ref().err().map(Vec::as_slice)
    }

    /// `:accounts`: the chosen accounts' spend only, or the whole organization's (`None`).
    /// The rows shown were another scope's: they go until this scope's answer arrives (from
    /// the cache when it was asked within the TTL).
    pub fn set_scope(&mut self, scope: Option<SpendScope>, now: DateTime<Utc>) {
        if scope == self.scope {
            return;
        }
        self.scope = scope;
        self.rows.clear();
        self.outlook = None;
        self.drill = None;
        self.as_of = None;
        self.error = None;
        self.hint = None;
        // Whatever was on its way answers another question; the next one is asked afresh.
        self.requested = None;
        self.loading = false;
        self.next_auto = None;
        // A snapshot's spend is the organization's: only answers to the pane's question show.
        self.answered = true;
        self.regroup(now);
    }

    /// `[start, end)` of the shown range.
    pub fn window(&self) -> (NaiveDate, NaiveDate) {
        self.range.dates(self.today, self.lookback_days)
    }

    /// The range as the title says it, e.g. `30d to 11-20` or `last month (10-01..10-31)`.
    pub fn range_label(&self) -> String {
        let (start, end) = self.window();
        let last = end - Duration::days(1);
        match self.range {
            RangePreset::MonthToDate | RangePreset::LastMonth => format!(
                "{} ({}..{})",
                self.range.label(self.lookback_days),
                start.format("%m-%d"),
                last.format("%m-%d")
            ),
            _ => format!("{}d to {}", (end - start).num_days(), last.format("%m-%d")),
        }
    }

    /// A snapshot's spend (the cache or the demo at start): shown until an answer arrives.
    pub fn set_view(&mut self, view: View<SpendRow>, now: DateTime<Utc>) {
        if self.answered {
            // Answers the pane asked for are newer than any snapshot's.
            return;
        }
        self.as_of = Some(view.as_of);
        self.rows = view.rows;
        self.regroup(now);
    }

    /// An answer for `key`: replaces that key's rows.
    pub fn set_answer(&mut self, key: &str, rows: Vec<SpendRow>, now: DateTime<Utc>) {
        self.answered = true;
        self.rows.retain(|r| r.group_key != key);
        self.rows.extend(rows);
        self.regroup(now);
    }

    /// `g`: group by the next configured key.
    pub fn next_key(&mut self, now: DateTime<Utc>) {
        if !self.keys.is_empty() {
            self.key_index = (self.key_index + 1) % self.keys.len();
            self.regroup(now);
        }
    }

    /// `t` / `]` and `[`: the next or previous time range.
    pub fn step_range(&mut self, by: isize, now: DateTime<Utc>) {
        let presets = self.presets();
        let at = presets.iter().position(|p| *p == self.range).unwrap_or(0) as isize;
        let n = presets.len() as isize;
        self.range = presets[(at + by).rem_euclid(n) as usize];
        self.regroup(now);
    }

    /// `M`: my spend only (grouped by `project` when the pane can), or everyone's again (the
    /// key before). The rows shown were everyone's: they go until the mine answer arrives.
    pub fn set_mine(&mut self, mine: Option<MineFilter>, now: DateTime<Utc>) {
        if mine == self.mine {
            return;
        }
        match (&self.mine, &mine) {
            (None, Some(_)) => {
                self.key_before_mine = Some(self.key_index);
                if let Some(at) = self.keys.iter().position(|k| k == "project") {
                    self.key_index = at;
                }
            }
            (Some(_), None) => {
                if let Some(at) = self.key_before_mine.take() {
                    self.key_index = at;
                }
            }
            _ => {}
        }
        self.mine = mine;
        self.rows.clear();
        self.outlook = None;
        self.as_of = None;
        // A snapshot's spend is everyone's: only answers to the pane's question show now.
        self.answered = true;
        self.regroup(now);
    }

    /// `a`: every service, or SageMaker only.
    pub fn toggle_all_services(&mut self, now: DateTime<Utc>) {
        self.all_services = !self.all_services;
        self.regroup(now);
    }

    /// The ranges `t` cycles through: the configured lookback (when it is not one of the
    /// fixed ones), 7, 30 and 90 days, month to date, last month.
    fn presets(&self) -> Vec<RangePreset> {
        RangePreset::ALL
            .into_iter()
            .filter(|p| *p != RangePreset::Configured || ![7, 30, 90].contains(&self.lookback_days))
            .collect()
    }

    /// The preset the configured lookback starts on.
    pub fn initial_range(lookback_days: u32) -> RangePreset {
        match lookback_days {
            7 => RangePreset::Days7,
            30 => RangePreset::Days30,
            90 => RangePreset::Days90,
            _ => RangePreset::Configured,
        }
    }

    /// A new day: ranges move on.
    pub fn set_today(&mut self, today: NaiveDate, now: DateTime<Utc>) {
        if today != self.today {
            self.today = today;
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
        let (start, end) = self.window();
        let grouped: Vec<&SpendRow> = self
            .rows
            .iter()
            .filter(|r| r.group_key == key && r.start >= start && r.start < end)
            .collect();
        if grouped.is_empty() {
            self.days.clear();
            self.daily_totals.clear();
            (self.total, self.untagged_total, self.estimated_days) = (0.0, 0.0, 0);
            self.lines.set_rows(Vec::new(), now, None);
            return;
        }
        // One bucket per day of the range, or per period the answer has (monthly).
        let daily = grouped.iter().all(|r| r.end - r.start == Duration::days(1));
        self.days = if daily {
            start.iter_days().take_while(|d| *d < end).collect()
        } else {
            let mut starts: Vec<NaiveDate> = grouped.iter().map(|r| r.start).collect();
            starts.sort_unstable();
            starts.dedup();
            starts
        };
        let day_count = self.days.len();
        // The untagged share always has a line, even at zero.
        let mut by_value: BTreeMap<&str, Vec<f64>> = BTreeMap::from([("", vec![0.0; day_count])]);
        let mut estimated = std::collections::BTreeSet::new();
        for row in &grouped {
            let Ok(slot) = self.days.binary_search(&row.start) else {
                continue;
            };
            let series = by_value
                .entry(row.group_value.as_str())
                .or_insert_with(|| vec![0.0; day_count]);
            series[slot] += row.amount;
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
