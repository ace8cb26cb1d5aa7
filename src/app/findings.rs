//! The Untagged pane's state: resources that break the tag policy.

use std::cmp::Ordering;

use chrono::{DateTime, Utc};

use super::listing::{Listed, Listing, SortColumn};
use super::search::{SEPARATOR, push_lowercase};
use crate::model::{TagFinding, View};
use crate::sanitize;

/// Columns the Untagged pane sorts by.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FindingColumn {
    Problems,
    Account,
    Region,
    Kind,
    Name,
}

impl SortColumn for FindingColumn {
    const ALL: &'static [FindingColumn] = &[
        FindingColumn::Problems,
        FindingColumn::Account,
        FindingColumn::Region,
        FindingColumn::Kind,
        FindingColumn::Name,
    ];

    fn label(self) -> &'static str {
        match self {
            FindingColumn::Problems => "problems",
            FindingColumn::Account => "account",
            FindingColumn::Region => "region",
            FindingColumn::Kind => "kind",
            FindingColumn::Name => "name",
        }
    }

    fn descending_first(self) -> bool {
        self == FindingColumn::Problems
    }
}

/// `cost-center, owner`: the missing keys as one cell.
pub fn missing_label(finding: &TagFinding) -> String {
    sanitize::cell(&finding.missing.join(", ")).into_owned()
}

/// `Cost-Center→cost-center`: the miscased keys as one cell.
pub fn miscased_label(finding: &TagFinding) -> String {
    let text = finding
        .miscased
        .iter()
        .map(|m| format!("{}→{}", m.found, m.expected))
        .collect::<Vec<_>>()
        .join(", ");
    sanitize::cell(&text).into_owned()
}

/// `environment=prod`: the values outside the allowed lists as one cell.
pub fn invalid_label(finding: &TagFinding) -> String {
    let text = finding
        .invalid
        .iter()
        .map(|i| format!("{}={}", i.key, i.value))
        .collect::<Vec<_>>()
        .join(", ");
    sanitize::cell(&text).into_owned()
}

impl Listed for TagFinding {
    type Column = FindingColumn;

    fn key(&self) -> &str {
        &self.arn
    }

    fn write_search_text(&self, out: &mut String) {
        for part in [
            sanitize::cell(&self.account_name).as_ref(),
            sanitize::cell(&self.region).as_ref(),
            self.kind.as_str(),
            sanitize::cell(&self.name).as_ref(),
            missing_label(self).as_str(),
            miscased_label(self).as_str(),
            invalid_label(self).as_str(),
        ] {
            push_lowercase(out, part);
            out.push(SEPARATOR);
        }
    }

    fn compare(&self, other: &Self, column: FindingColumn, _now: DateTime<Utc>) -> Ordering {
        match column {
            FindingColumn::Problems => self.problem_count().cmp(&other.problem_count()),
            FindingColumn::Account => self.account_name.cmp(&other.account_name),
            FindingColumn::Region => self.region.cmp(&other.region),
            FindingColumn::Kind => self.kind.cmp(&other.kind),
            FindingColumn::Name => self.name.cmp(&other.name),
        }
    }
}

/// The Untagged pane.
#[derive(Debug, Clone, Default)]
pub struct FindingsPane {
    pub list: Listing<TagFinding>,
    pub as_of: Option<DateTime<Utc>>,
    /// Findings per account name, in name order, for the title.
    pub per_account: Vec<(String, usize)>,
    /// Widest cell of the data-sized columns, so columns are as wide as what they hold.
    pub widths: FindingWidths,
}

/// Widest cell of each data-sized column of the Untagged pane.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct FindingWidths {
    pub account: usize,
    pub region: usize,
    pub missing: usize,
    pub miscased: usize,
    pub invalid: usize,
}

impl FindingsPane {
    pub fn set_view(&mut self, view: View<TagFinding>, now: DateTime<Utc>) {
        self.as_of = Some(view.as_of);
        let mut per_account: std::collections::BTreeMap<&str, usize> = Default::default();
        let mut w = FindingWidths::default();
        let width = crate::ui::format::width;
        for finding in &view.rows {
            *per_account
                .entry(finding.account_name.as_str())
                .or_default() += 1;
            w.account = w.account.max(crate::ui::text_width(&finding.account_name));
            w.region = w.region.max(crate::ui::text_width(&finding.region));
            w.missing = w.missing.max(width(&missing_label(finding)));
            w.miscased = w.miscased.max(width(&miscased_label(finding)));
            w.invalid = w.invalid.max(width(&invalid_label(finding)));
        }
        self.widths = w;
        self.per_account = per_account
            .into_iter()
            .map(|(name, count)| (name.to_string(), count))
            .collect();
        self.list.set_rows(view.rows, now, None);
    }

    pub fn set_filter(&mut self, text: &str) {
        self.list.set_filter(text, None);
    }

    pub fn sort_next(&mut self, now: DateTime<Utc>) {
        self.list.sort_next(now, None);
    }

    pub fn sort_reverse(&mut self, now: DateTime<Utc>) {
        self.list.sort_reverse(now, None);
    }
}
