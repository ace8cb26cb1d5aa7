//! The Untagged pane's state: resources that break the tag policy.

use std::cmp::Ordering;
use std::collections::{BTreeMap, HashMap, HashSet};

use chrono::{DateTime, Utc};

use super::arn_key::arn_key;
use super::as_keep;
use super::listing::{Listed, Listing, SortColumn};
use super::search::{SEPARATOR, push_lowercase};
use sagescope_core::config::AccountConfig;
use sagescope_core::model::{Job, TagFinding, View};
use sagescope_core::sanitize;

/// What a finding takes from its resource's row: its cost and who created it.
type Joined = (
    Option<sagescope_core::model::ResourceCost>,
    Option<Box<sagescope_core::model::Creator>>,
);

/// Columns the Untagged pane sorts by. The default, account, groups the findings by account
/// (most problems first within each), because fixing is done one account's credentials at a
/// time.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FindingColumn {
    Account,
    Problems,
    Kind,
    Age,
    Name,
    Cost,
    /// Grouped by who created it (the person to ask), the most money first in each group.
    Creator,
}

impl SortColumn for FindingColumn {
    const ALL: &'static [FindingColumn] = &[
        FindingColumn::Account,
        FindingColumn::Problems,
        FindingColumn::Kind,
        FindingColumn::Age,
        FindingColumn::Name,
        FindingColumn::Cost,
        FindingColumn::Creator,
    ];

    fn label(self) -> &'static str {
        match self {
            FindingColumn::Account => "account",
            FindingColumn::Problems => "problems",
            FindingColumn::Kind => "kind",
            FindingColumn::Age => "age",
            FindingColumn::Name => "name",
            FindingColumn::Cost => "cost",
            FindingColumn::Creator => "created by",
        }
    }

    fn descending_first(self) -> bool {
        // Most problems first; by age, the oldest (longest unowned) first; by cost, the most
        // money at stake first.
        matches!(
            self,
            FindingColumn::Problems | FindingColumn::Age | FindingColumn::Cost
        )
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

/// Every problem in one cell, for the table: `no cost-center, owner · Cost-Center→cost-center
/// · environment=qa` (missing keys, miscased keys, values outside the allowed list).
pub fn problems_label(finding: &TagFinding) -> String {
    let mut parts: Vec<String> = Vec::new();
    if !finding.missing.is_empty() {
        parts.push(format!("no {}", missing_label(finding)));
    }
    if !finding.miscased.is_empty() {
        parts.push(miscased_label(finding));
    }
    if !finding.invalid.is_empty() {
        parts.push(invalid_label(finding));
    }
    parts.join(" · ")
}

/// Whom to ask: the Studio user profile (or space) that started the resource, if any.
pub fn owner_label(finding: &TagFinding) -> String {
    finding
        .studio_owner()
        .map(|owner| sanitize::cell(owner).into_owned())
        .unwrap_or_default()
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
            owner_label(self).as_str(),
        ] {
            push_lowercase(out, part);
            out.push(SEPARATOR);
        }
    }

    fn compare(&self, other: &Self, column: FindingColumn, now: DateTime<Utc>) -> Ordering {
        match column {
            // Grouped by account, most problems first within a group.
            FindingColumn::Account => self
                .account_name
                .cmp(&other.account_name)
                .then_with(|| other.problem_count().cmp(&self.problem_count()))
                .then_with(|| self.name.cmp(&other.name)),
            FindingColumn::Problems => self.problem_count().cmp(&other.problem_count()),
            FindingColumn::Kind => self.kind.cmp(&other.kind),
            // Age: how long ago it was created; unknown counts as new.
            FindingColumn::Age => age(self, now).cmp(&age(other, now)),
            FindingColumn::Name => self.name.cmp(&other.name),
            // Unpriced resources rank below any priced one.
            FindingColumn::Cost => by_cost(self, other),
            // Known creators by name, then those not known; the most money first in each.
            FindingColumn::Creator => match (creator_of(self), creator_of(other)) {
                (Some(a), Some(b)) => a
                    .chars()
                    .flat_map(char::to_lowercase)
                    .cmp(b.chars().flat_map(char::to_lowercase))
                    .then_with(|| by_cost(other, self)),
                (a, b) => b
                    .is_some()
                    .cmp(&a.is_some())
                    .then_with(|| by_cost(other, self)),
            },
        }
    }
}

fn by_cost(a: &TagFinding, b: &TagFinding) -> Ordering {
    let usd = |f: &TagFinding| f.cost.map(|c| c.usd);
    match (usd(a), usd(b)) {
        (Some(a), Some(b)) => a.total_cmp(&b),
        (a, b) => a.is_some().cmp(&b.is_some()),
    }
}

/// Whom to ask about the resource, when known: its creator, a role's sessions together
/// (`role/ci-deployer`), as the untagged spend is split.
pub fn creator_of(finding: &TagFinding) -> Option<String> {
    finding
        .created_by
        .as_deref()
        .and_then(|c| c.created.as_ref())
        .map(sagescope_core::model::CallBy::group)
}

/// Whether the resource's spend lands in Cost Explorer's untagged share for `key`: the key is
/// missing, or present only in another letter case (a different key to Cost Explorer).
pub fn untagged_for(finding: &TagFinding, key: &str) -> bool {
    finding.missing.iter().any(|k| k == key) || finding.miscased.iter().any(|m| m.expected == key)
}

/// How long ago the resource was created (zero when unknown).
fn age(finding: &TagFinding, now: DateTime<Utc>) -> chrono::Duration {
    finding
        .created_at
        .map_or(chrono::Duration::zero(), |t| now - t)
}

/// The Untagged pane.
#[derive(Debug, Clone, Default)]
pub struct FindingsPane {
    pub list: Listing<TagFinding>,
    pub as_of: Option<DateTime<Utc>>,
    /// Findings per account name, in name order, for the title.
    pub per_account: Vec<(String, usize)>,
    /// Resources with a problem on each tag key (missing, miscased or invalid), policy keys
    /// first in policy order, for the title.
    pub per_key: Vec<(String, usize)>,
    /// Widest cell of the data-sized columns, so columns are as wide as what they hold.
    pub widths: FindingWidths,
    /// `m`: only resources missing a mandatory key.
    pub missing_only: bool,
    /// From the Spend pane (`u`): only resources Cost Explorer counts as untagged for this
    /// key (missing it, or carrying it in another letter case, which is another key there).
    pub without_key: Option<String>,
    /// The policy's keys in order (mandatory, then those with allowed values).
    pub policy_keys: Vec<String>,
    /// The configured accounts, for the fix script's `--profile` and role notes.
    pub accounts: Vec<AccountConfig>,
    /// `M`: only my offenders (owned by me, or started in Studio by my profile).
    pub mine: Option<sagescope_core::model::Me>,
    /// `:accounts`: only these accounts' offenders (by name).
    pub only_accounts: Option<std::collections::BTreeSet<String>>,
}

/// Widest cell of each data-sized column of the Untagged pane.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct FindingWidths {
    pub account: usize,
    pub region: usize,
    pub problems: usize,
    pub owner: usize,
    /// Widest creator joined from the jobs (`created by`).
    pub creator: usize,
}

/// Which findings `x` puts in the fix script.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FixScope {
    /// The row under the cursor.
    Selected,
    /// Every row shown (filter and `m` applied).
    Shown,
}

impl FindingsPane {
    /// An empty pane for a policy's keys and the configured accounts.
    pub fn new(policy_keys: Vec<String>, accounts: Vec<AccountConfig>) -> Self {
        FindingsPane {
            policy_keys,
            accounts,
            ..FindingsPane::default()
        }
    }

    pub fn set_view(&mut self, view: View<TagFinding>, now: DateTime<Utc>) {
        self.as_of = Some(view.as_of);
        let mut per_account: BTreeMap<&str, usize> = BTreeMap::new();
        let mut per_key: BTreeMap<&str, usize> = BTreeMap::new();
        let mut w = FindingWidths::default();
        let width = sagescope_core::sanitize::width;
        for finding in &view.rows {
            *per_account
                .entry(finding.account_name.as_str())
                .or_default() += 1;
            let mut keys: Vec<&str> = finding
                .missing
                .iter()
                .map(String::as_str)
                .chain(finding.miscased.iter().map(|m| m.expected.as_str()))
                .chain(finding.invalid.iter().map(|i| i.key.as_str()))
                .collect();
            keys.sort_unstable();
            keys.dedup();
            for key in keys {
                *per_key.entry(key).or_default() += 1;
            }
            w.account = w
                .account
                .max(sagescope_core::sanitize::cell_width(&finding.account_name));
            w.region = w
                .region
                .max(sagescope_core::sanitize::cell_width(&finding.region));
            w.problems = w.problems.max(width(&problems_label(finding)));
            w.owner = w.owner.max(width(&owner_label(finding)));
        }
        self.widths = w;
        self.per_account = per_account
            .into_iter()
            .map(|(name, count)| (name.to_string(), count))
            .collect();
        let rank = |key: &str| {
            self.policy_keys
                .iter()
                .position(|k| k == key)
                .unwrap_or(usize::MAX)
        };
        let mut per_key: Vec<(String, usize)> = per_key
            .into_iter()
            .map(|(key, count)| (key.to_string(), count))
            .collect();
        per_key.sort_by(|(a, _), (b, _)| rank(a).cmp(&rank(b)).then_with(|| a.cmp(b)));
        self.per_key = per_key;
        let keep = self.keep();
        self.list.set_rows(view.rows, now, as_keep(&keep));
    }

    /// Joins each finding with the cost and the creator of its resource among `jobs` (the
    /// Jobs pane's rows). They are gathered for the findings' resources only, keyed by
    /// [`arn_key`]: a map of every row's cost by a copy of its ARN held about 5 MB more at
    /// 100,000 resources, at the moment the panes were largest.
    pub fn join_costs(
        &mut self,
        jobs: &[Job],
        cost_of: impl Fn(&Job) -> Option<sagescope_core::model::ResourceCost>,
        now: DateTime<Utc>,
    ) {
        let wanted: HashSet<u64> = self.list.rows().iter().map(|f| arn_key(&f.arn)).collect();
        let joined: HashMap<u64, Joined> = jobs
            .iter()
            .filter_map(|job| {
                let key = arn_key(&job.arn);
                wanted.contains(&key).then_some(())?;
                let joined = (cost_of(job), job.created_by.clone());
                (joined != (None, None)).then_some((key, joined))
            })
            .collect();
        drop(wanted);
        self.set_joined(
            |arn| joined.get(&arn_key(arn)).cloned().unwrap_or_default(),
            now,
        );
    }

    /// Sets each finding's cost and creator (`joined` by ARN), keeping the cursor, filter and
    /// sort: both arrive with the jobs, not with the findings.
    fn set_joined(&mut self, joined: impl Fn(&str) -> Joined, now: DateTime<Utc>) {
        let changed = self.list.rows().iter().any(|f| {
            let (cost, created_by) = joined(&f.arn);
            f.cost != cost || f.created_by != created_by
        });
        if !changed {
            return;
        }
        let keep = self.keep();
        self.list.update_unsearched(
            |f| (f.cost, f.created_by) = joined(&f.arn),
            now,
            as_keep(&keep),
        );
        self.widths.creator = self
            .list
            .rows()
            .iter()
            .filter_map(|f| f.created_by.as_deref().and_then(|c| c.who()))
            .map(sagescope_core::sanitize::cell_width)
            .max()
            .unwrap_or(0);
    }

    /// The `m` and spend-key predicates, when on.
    fn keep(&self) -> Option<impl Fn(&TagFinding) -> bool + use<>> {
        let missing_only = self.missing_only;
        let without = self.without_key.clone();
        let mine = self.mine.clone();
        let only = self.only_accounts.clone();
        (missing_only || without.is_some() || mine.is_some() || only.is_some()).then_some(
            move |finding: &TagFinding| {
                (!missing_only || !finding.missing.is_empty())
                    && only
                        .as_ref()
                        .is_none_or(|names| names.contains(finding.account_name.as_str()))
                    && mine
                        .as_ref()
                        .is_none_or(|me| me.owns(&finding.tags, finding.created_by.as_deref()))
                    && without
                        .as_deref()
                        .is_none_or(|key| untagged_for(finding, key))
            },
        )
    }

    /// `M`: only `me`'s offenders, or everyone's (`None`).
    pub fn set_mine(&mut self, me: Option<sagescope_core::model::Me>) {
        self.mine = me;
        let keep = self.keep();
        self.list.refilter(as_keep(&keep));
    }

    /// `:accounts`: only these accounts' offenders, or every account's (`None`).
    pub fn set_accounts(&mut self, accounts: Option<std::collections::BTreeSet<String>>) {
        self.only_accounts = accounts;
        let keep = self.keep();
        self.list.refilter(as_keep(&keep));
    }

    /// Only resources untagged for `key` as Cost Explorer sees it (`None`: all again).
    pub fn set_without_key(&mut self, key: Option<String>) {
        self.without_key = key;
        let keep = self.keep();
        self.list.refilter(as_keep(&keep));
    }

    /// `m`: only resources missing a mandatory key, or everything again.
    pub fn toggle_missing_only(&mut self) {
        self.missing_only = !self.missing_only;
        let keep = self.keep();
        self.list.refilter(as_keep(&keep));
    }

    pub fn set_filter(&mut self, text: &str) {
        let keep = self.keep();
        self.list.set_filter(text, as_keep(&keep));
    }

    pub fn sort_next(&mut self, now: DateTime<Utc>) {
        let keep = self.keep();
        self.list.sort_next(now, as_keep(&keep));
    }

    pub fn sort_reverse(&mut self, now: DateTime<Utc>) {
        let keep = self.keep();
        self.list.sort_reverse(now, as_keep(&keep));
    }

    /// Whether the rows are shown grouped by account (the account sort, either direction).
    pub fn grouped(&self) -> bool {
        self.list.sort_column() == FindingColumn::Account
    }

    /// Whether the rows are shown grouped by who created them (`c`).
    pub fn by_creator(&self) -> bool {
        self.list.sort_column() == FindingColumn::Creator
    }

    /// Groups the rows by who created them (`c`), or back to the most money first.
    pub fn toggle_by_creator(&mut self, now: DateTime<Utc>) {
        let keep = self.keep();
        let column = if self.by_creator() {
            FindingColumn::Cost
        } else {
            FindingColumn::Creator
        };
        self.list.sort_by(column, now, as_keep(&keep));
    }

    /// The findings `scope` covers, in the order shown.
    pub fn in_scope(&self, scope: FixScope) -> Vec<&TagFinding> {
        match scope {
            FixScope::Selected => self.list.selected().into_iter().collect(),
            FixScope::Shown => self.list.window(0, usize::MAX).collect(),
        }
    }
}
