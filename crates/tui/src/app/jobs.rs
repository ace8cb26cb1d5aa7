//! The Jobs pane's state: every job, endpoint and notebook across accounts × regions, with
//! quick toggles for one kind, for active resources only and for flagged ones only, and the
//! live burn and health of what runs (see [`JobsHealth`]).

use std::cmp::Ordering;
use std::collections::{HashMap, HashSet};

use chrono::{DateTime, Utc};

use super::as_keep;
use super::burn::JobsHealth;
use super::listing::{Listed, Listing, SortColumn};
use super::search::{SEPARATOR, push_lowercase};
use sagescope_core::config::HealthConfig;
use sagescope_core::metrics::JobMetrics;
use sagescope_core::model::{
    ClusterInfo, Compute, FetchError, Job, Me, ResourceKind, ScopeKey, StatusPhase, View,
};
use sagescope_core::sanitize;

/// Columns the Jobs pane sorts by, in `s` order.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum JobColumn {
    Started,
    Status,
    Name,
    Account,
    Region,
    Kind,
    Instance,
    Duration,
}

impl SortColumn for JobColumn {
    const ALL: &'static [JobColumn] = &[
        JobColumn::Started,
        JobColumn::Status,
        JobColumn::Name,
        JobColumn::Account,
        JobColumn::Region,
        JobColumn::Kind,
        JobColumn::Instance,
        JobColumn::Duration,
    ];

    fn label(self) -> &'static str {
        match self {
            JobColumn::Started => "started",
            JobColumn::Status => "status",
            JobColumn::Name => "name",
            JobColumn::Account => "account",
            JobColumn::Region => "region",
            JobColumn::Kind => "kind",
            JobColumn::Instance => "instance",
            JobColumn::Duration => "duration",
        }
    }

    fn descending_first(self) -> bool {
        matches!(self, JobColumn::Started | JobColumn::Duration)
    }
}

/// Failures first, then what is running or starting, then the rest.
fn phase_rank(phase: StatusPhase) -> u8 {
    match phase {
        StatusPhase::Failed => 0,
        StatusPhase::Running => 1,
        StatusPhase::Pending => 2,
        StatusPhase::Unknown => 3,
        StatusPhase::Stopped => 4,
        StatusPhase::Done => 5,
    }
}

/// `ml.g5.2xlarge ×2`, or `ml.t3.medium` for one instance, or empty when unknown. A cluster
/// counts each type (`ml.p4d.24xlarge ×4 + ml.c5.xlarge ×1`); an inference component names
/// the endpoint it runs on and its copies (`@llm-serving ×2`).
pub fn instance_label(job: &Job) -> String {
    match job.compute.as_deref() {
        Some(Compute::Cluster(cluster)) => return cluster_label(cluster),
        Some(Compute::Component(component)) => {
            let endpoint = sanitize::cell(&component.endpoint_name);
            return match component.copies {
                Some(copies) => format!("@{endpoint} ×{copies}"),
                None => format!("@{endpoint}"),
            };
        }
        None => {}
    }
    match (&job.instance_type, job.instance_count) {
        (Some(kind), Some(count)) if count > 1 => format!("{} ×{count}", sanitize::cell(kind)),
        (Some(kind), _) => sanitize::cell(kind).into_owned(),
        (None, Some(count)) => format!("×{count}"),
        (None, None) => String::new(),
    }
}

/// Node counts per instance type, the most nodes first (what a narrow column keeps), types
/// that repeat summed.
fn cluster_label(cluster: &ClusterInfo) -> String {
    let mut counts: Vec<(&str, u32)> = Vec::new();
    for group in &cluster.groups {
        match counts.iter_mut().find(|(t, _)| *t == group.instance_type) {
            Some((_, count)) => *count += group.count,
            None => counts.push((&group.instance_type, group.count)),
        }
    }
    counts.sort_by_key(|c| std::cmp::Reverse(c.1));
    counts
        .iter()
        .map(|(t, count)| format!("{} ×{count}", sanitize::cell(t)))
        .collect::<Vec<_>>()
        .join(" + ")
}

impl Listed for Job {
    type Column = JobColumn;

    fn key(&self) -> &str {
        &self.arn
    }

    fn write_search_text(&self, out: &mut String) {
        for part in [
            sanitize::cell(&self.account_name).as_ref(),
            sanitize::cell(&self.region).as_ref(),
            self.kind.as_str(),
            sanitize::cell(&self.name).as_ref(),
            sanitize::cell(self.status.as_str()).as_ref(),
            instance_label(self).as_str(),
        ] {
            push_lowercase(out, part);
            out.push(SEPARATOR);
        }
    }

    fn compare(&self, other: &Self, column: JobColumn, now: DateTime<Utc>) -> Ordering {
        match column {
            JobColumn::Started => self.created_at.cmp(&other.created_at),
            JobColumn::Status => phase_rank(self.status.phase())
                .cmp(&phase_rank(other.status.phase()))
                .then_with(|| self.status.cmp(&other.status)),
            JobColumn::Name => self.name.cmp(&other.name),
            JobColumn::Account => self.account_name.cmp(&other.account_name),
            JobColumn::Region => self.region.cmp(&other.region),
            JobColumn::Kind => self.kind.cmp(&other.kind),
            JobColumn::Instance => self
                .instance_type
                .cmp(&other.instance_type)
                .then_with(|| self.instance_count.cmp(&other.instance_count)),
            JobColumn::Duration => self.duration(now).cmp(&other.duration(now)),
        }
    }
}

/// Counts by status phase over every job (not just the shown ones), for the pane title.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct JobCounts {
    pub total: usize,
    pub running: usize,
    pub pending: usize,
    pub failed: usize,
    pub stopped: usize,
    pub done: usize,
}

/// The Jobs pane.
#[derive(Debug, Clone, Default)]
pub struct JobsPane {
    pub list: Listing<Job>,
    /// Show only this kind (`t` cycles).
    pub kind: Option<ResourceKind>,
    /// Show only running and pending resources (`a`).
    pub active_only: bool,
    pub counts: JobCounts,
    pub as_of: Option<DateTime<Utc>>,
    /// Widest account name and region in the data, so columns fit what is there.
    pub account_width: usize,
    pub region_width: usize,
    /// Widest creator shown (`created by`), 0 while none is known.
    pub creator_width: usize,
    /// Show only rows with a health flag (`f`).
    pub flagged_only: bool,
    /// Each running row's `$/h` and flags, the burn total, and the metrics behind them.
    pub health: JobsHealth,
    /// When each (account, region, kind) was last listed: a scope the last refresh could not
    /// list keeps its older time, which its rows show as their age.
    scope_as_of: HashMap<ScopeKey, DateTime<Utc>>,
    /// The last whole refresh's failures that left rows as they were (`stale`).
    stale: Vec<FetchError>,
    /// Rows shown as they were before the last refresh, and when the oldest of them was
    /// listed, for the title.
    pub stale_rows: usize,
    pub stale_oldest: Option<DateTime<Utc>>,
    /// `M`: only resources that are mine.
    pub mine: Option<Me>,
    /// `:accounts`: only these accounts' resources (by name).
    pub accounts: Option<std::collections::BTreeSet<String>>,
    /// Start-up shows the cache's head (the newest rows) while it reads the rest: how many
    /// rows there are in all. `None` once the whole view is in.
    pub head_of: Option<usize>,
    /// Scopes a running refresh delivered that wait to be merged together (see
    /// [`JobsPane::take_scope`]).
    waiting: Vec<(ScopeKey, Vec<Job>)>,
    /// When waiting scopes were last merged.
    merged_at: Option<DateTime<Utc>>,
}

/// Up to this many rows, a scope a refresh delivers is merged as it arrives. A merge sorts
/// and indexes every row again, about 3 ms per 1,000 rows.
const MERGE_AT_ONCE_ROWS: usize = 10_000;

/// Above [`MERGE_AT_ONCE_ROWS`], scopes that arrive are merged together at most this often:
/// at 100,000 rows a merge takes about 0.3 s, and 800 account-regions merged one by one
/// would hold the UI for minutes of every refresh.
const MERGE_EVERY_SECONDS: i64 = 3;

impl JobsPane {
    /// An empty pane judging health flags by `thresholds`.
    pub fn new(thresholds: HealthConfig) -> Self {
        JobsPane {
            health: JobsHealth::new(thresholds),
            ..JobsPane::default()
        }
    }

    pub fn set_view(&mut self, view: View<Job>, now: DateTime<Utc>) {
        self.head_of = None;
        // The whole view is newer than any scope still waiting.
        self.waiting.clear();
        self.as_of = Some(view.as_of);
        self.stale = view.errors.iter().filter(|e| e.stale).cloned().collect();
        for job in &view.rows {
            let scope = ScopeKey::of(job);
            if self.stale.iter().any(|e| e.leaves_stale(job)) {
                // Listed before (this session, or by the run that wrote the cache).
                self.scope_as_of.entry(scope).or_insert(view.as_of);
            } else {
                self.scope_as_of.insert(scope, view.as_of);
            }
        }
        {
            let (list, keep) = self.list_and_keep();
            list.set_rows(view.rows, now, as_keep(&keep));
        }
        self.rows_changed(now);
    }

    /// One scope of a running refresh arrived: its rows replace that scope's, the rest stay.
    /// The pane's age stays that of the last whole refresh until the refresh ends. A small
    /// pane merges it at once; a large one at most every [`MERGE_EVERY_SECONDS`], together
    /// with every scope that arrived meanwhile (the first always at once, so a cold start
    /// shows rows as soon as there are some).
    pub fn take_scope(&mut self, scope: ScopeKey, rows: Vec<Job>, now: DateTime<Utc>) {
        // A scope delivered again (filled in after being listed) replaces its waiting rows.
        self.waiting.retain(|(waiting, _)| *waiting != scope);
        self.waiting.push((scope, rows));
        if self.list.rows().len() <= MERGE_AT_ONCE_ROWS || self.merge_due(now) {
            self.merge_waiting(now);
        }
    }

    /// The clock moved: merges the waiting scopes once they are due.
    pub fn tick(&mut self, now: DateTime<Utc>) {
        if self.merge_due(now) {
            self.merge_waiting(now);
        }
    }

    /// Whether [`MERGE_EVERY_SECONDS`] have passed since the last merge (or none was made).
    fn merge_due(&self, now: DateTime<Utc>) -> bool {
        self.merged_at
            .is_none_or(|at| (now - at).num_seconds() >= MERGE_EVERY_SECONDS)
    }

    /// How many scopes wait to be merged.
    pub fn scopes_waiting(&self) -> usize {
        self.waiting.len()
    }

    /// Merges every waiting scope in one pass over the rows.
    pub fn merge_waiting(&mut self, now: DateTime<Utc>) {
        if self.waiting.is_empty() {
            return;
        }
        let waiting = std::mem::take(&mut self.waiting);
        let scopes: HashSet<ScopeKey> = waiting.iter().map(|(scope, _)| scope.clone()).collect();
        let rows: Vec<Job> = waiting.into_iter().flat_map(|(_, rows)| rows).collect();
        self.head_of = None;
        {
            let (list, keep) = self.list_and_keep();
            // One hash lookup per row, however many scopes wait (hundreds, at 200 accounts).
            let holds = |job: &Job| scopes.contains(&ScopeKey::of(job));
            list.replace_where(holds, rows, now, as_keep(&keep));
        }
        for scope in scopes {
            self.scope_as_of.insert(scope, now);
        }
        self.as_of.get_or_insert(now);
        self.merged_at = Some(now);
        self.rows_changed(now);
    }

    /// When `job`'s rows were last listed, if the last refresh could not list them again:
    /// the age a stale row shows.
    pub fn stale_since(&self, job: &Job) -> Option<DateTime<Utc>> {
        if self.stale.is_empty() {
            return None;
        }
        let listed = *self.scope_as_of.get(&ScopeKey::of(job))?;
        let refreshed = self.as_of?;
        (listed < refreshed && self.stale.iter().any(|e| e.leaves_stale(job))).then_some(listed)
    }

    /// Counts, column widths and health follow the rows; flags may change what `f` shows.
    fn rows_changed(&mut self, now: DateTime<Utc>) {
        let since: Vec<DateTime<Utc>> = self
            .list
            .rows()
            .iter()
            .filter_map(|job| self.stale_since(job))
            .collect();
        self.stale_rows = since.len();
        self.stale_oldest = since.into_iter().min();
        let rows = self.list.rows();
        let mut counts = JobCounts {
            total: rows.len(),
            ..JobCounts::default()
        };
        let (mut account_width, mut region_width, mut creator_width) = (0, 0, 0);
        for job in rows {
            match job.status.phase() {
                StatusPhase::Running => counts.running += 1,
                StatusPhase::Pending => counts.pending += 1,
                StatusPhase::Failed => counts.failed += 1,
                StatusPhase::Stopped => counts.stopped += 1,
                StatusPhase::Done => counts.done += 1,
                StatusPhase::Unknown => {}
            }
            account_width =
                account_width.max(sagescope_core::sanitize::cell_width(&job.account_name));
            region_width = region_width.max(sagescope_core::sanitize::cell_width(&job.region));
            if let Some(who) = job.created_by.as_deref().and_then(|c| c.who()) {
                creator_width = creator_width.max(sagescope_core::sanitize::cell_width(who));
            }
        }
        self.counts = counts;
        self.account_width = account_width;
        self.region_width = region_width;
        self.creator_width = creator_width;
        self.health.recompute(self.list.rows(), now);
        if self.flagged_only {
            self.refilter();
        }
    }

    /// Live prices arrived: rates and costs are computed again (the rows stay as they are).
    pub fn set_prices(&mut self, prices: sagescope_core::pricing::Prices) {
        self.health.set_prices(prices);
    }

    /// Costs billing measured arrived (the CUR): costs are computed again with them.
    pub fn set_measured(&mut self, measured: sagescope_core::cost::Measured) {
        self.health.set_measured(measured);
    }

    /// New utilisation arrived: flags are judged again (the rows stay as they are).
    pub fn set_metrics(&mut self, view: View<JobMetrics>, now: DateTime<Utc>) {
        self.health.set_metrics(view);
        self.health.recompute(self.list.rows(), now);
        if self.flagged_only {
            self.refilter();
        }
    }

    fn refilter(&mut self) {
        let (list, keep) = self.list_and_keep();
        list.refilter(as_keep(&keep));
    }

    /// `f`: rows with a health flag only (GPU ones first: an idle GPU costs the most), or
    /// everything in sort order.
    pub fn toggle_flagged(&mut self) {
        self.flagged_only = !self.flagged_only;
        let first = self.flagged_only.then_some(on_gpu as fn(&Job) -> bool);
        let (list, keep) = self.list_and_keep();
        list.set_first(first, as_keep(&keep));
    }

    /// `t`: all kinds, then each job kind in turn, then all again.
    pub fn cycle_kind(&mut self) {
        let kinds = ResourceKind::JOB_KINDS;
        self.kind = match self.kind {
            None => Some(kinds[0]),
            Some(current) => kinds
                .iter()
                .position(|k| *k == current)
                .and_then(|at| kinds.get(at + 1).copied()),
        };
        self.refilter();
    }

    /// `M`: only `me`'s resources, or everyone's (`None`).
    pub fn set_mine(&mut self, me: Option<Me>) {
        self.mine = me;
        self.refilter();
    }

    /// `:accounts`: only these accounts' resources, or every account's (`None`).
    pub fn set_accounts(&mut self, accounts: Option<std::collections::BTreeSet<String>>) {
        self.accounts = accounts;
        self.refilter();
    }

    /// `a`: active resources only, or everything.
    pub fn toggle_active(&mut self) {
        self.active_only = !self.active_only;
        self.refilter();
    }

    pub fn set_filter(&mut self, text: &str) {
        let (list, keep) = self.list_and_keep();
        list.set_filter(text, as_keep(&keep));
    }

    pub fn sort_next(&mut self, now: DateTime<Utc>) {
        let (list, keep) = self.list_and_keep();
        list.sort_next(now, as_keep(&keep));
    }

    /// The listing and the quick toggles as its row predicate, borrowed side by side (the
    /// predicate reads `health` and `mine` while the listing changes).
    fn list_and_keep(&mut self) -> (&mut Listing<Job>, Option<impl Fn(&Job) -> bool + '_>) {
        let keep = keep(
            self.kind,
            self.active_only,
            self.flagged_only,
            &self.health,
            self.mine.as_ref(),
            self.accounts.as_ref(),
        );
        (&mut self.list, keep)
    }

    pub fn sort_reverse(&mut self, now: DateTime<Utc>) {
        let (list, keep) = self.list_and_keep();
        list.sort_reverse(now, as_keep(&keep));
    }
}

/// The quick toggles as a row predicate; `None` when all are off (the fast path). A free
/// function so it can borrow `health` while the listing is borrowed mutably.
fn keep<'a>(
    kind: Option<ResourceKind>,
    active_only: bool,
    flagged_only: bool,
    health: &'a JobsHealth,
    mine: Option<&'a Me>,
    accounts: Option<&'a std::collections::BTreeSet<String>>,
) -> Option<impl Fn(&Job) -> bool + 'a> {
    let any = kind.is_some() || active_only || flagged_only || mine.is_some() || accounts.is_some();
    any.then_some(move |job: &Job| {
        kind.is_none_or(|k| job.kind == k)
            && accounts.is_none_or(|names| names.contains(job.account_name.as_str()))
            && mine.is_none_or(|me| me.owns(&job.tags, job.created_by.as_deref()))
            && (!active_only || job.status.is_active())
            // Only running rows carry flags: the cheap status test spares most lookups.
            && (!flagged_only
                || (job.status.phase() == StatusPhase::Running && health.is_flagged(&job.arn)))
    })
}

/// Whether the row runs on an instance type known to have a GPU.
fn on_gpu(job: &Job) -> bool {
    job.instance_type
        .as_deref()
        .and_then(sagescope_core::instances::spec)
        .is_some_and(|s| s.has_gpu())
}
