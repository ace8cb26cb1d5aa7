//! The one way spend is asked for, by the CLI and the terminal UI alike: every question goes
//! through the answer cache first, Cost Explorer is connected only when the cache cannot
//! answer, and every request lands in the daily ledger.
//!
//! The UI asks for a [`SpendRequest`] (the pane's overview, or a drill-down into one tag value)
//! and gets a [`SpendOutcome`] back, off the UI task.
//!
//! The cache is the app's one [`Store`]: every read and write is a closure on its thread, and
//! no lock is held while Cost Explorer answers (the ask itself is in `service_ask.rs`). Loads
//! run side by side; two asks of the very same question still cost one request, because the
//! second waits for the first's answer to land in the cache and reads it there
//! (`spend::inflight`).

use std::sync::{Arc, Mutex};

use chrono::{DateTime, Duration, NaiveDate, Utc};

use super::drill::{self, DrillAnswer};
use super::inflight::InFlight;
use super::outlook::{self, Month, MonthOutlook};
use super::{
    Ask, CostError, CostSource, Freshness, Ledger, MineFilter, SpendAnswer, SpendError, SpendQuery,
    SpendStore, TagFilter, budget_status, cached_pages,
};
use crate::cache::{Cache, CacheError};
use crate::store::Store;
use sagescope_core::config::{AccountConfig, Budget, Config};
use sagescope_core::model::SpendRow;

/// Where Cost Explorer answers come from when the cache has none.
pub enum CostAccess {
    /// A source at hand (the demo world, tests), with the account id it answers as.
    Ready {
        source: Arc<dyn CostSource>,
        caller_id: Option<String>,
    },
    /// `spend.account` through the accounts the job refreshes connect (the fetch engine),
    /// connected on first need.
    Account(Arc<dyn super::CostAccounts>),
    /// Cached answers only, of any age (`--offline`).
    Offline,
}

/// What a load is for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Target {
    /// The pane: spend per tag value, month to date, forecast and budgets.
    Overview,
    /// One tag value (`None`: the untagged share) by service and by linked account.
    Drill(Option<String>),
}

/// One load the UI asks for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SpendRequest {
    /// The pane's question: spend grouped by its tag key over its range and scope.
    pub query: SpendQuery,
    pub target: Target,
    /// The day the month outlook is for (UTC, as Cost Explorer counts days).
    pub today: NaiveDate,
    /// Ask Cost Explorer even when the cache holds a fresh answer.
    pub force: bool,
}

/// What a load produced. Parts that failed are missing and explained in `errors`.
#[derive(Debug, Clone, PartialEq)]
pub struct SpendOutcome {
    pub request: SpendRequest,
    /// The overview's rows.
    pub answer: Option<SpendAnswer>,
    pub outlook: Option<MonthOutlook>,
    pub drill: Option<DrillAnswer>,
    /// Already phrased for the user (sanitise before display).
    pub errors: Vec<String>,
    /// Requests this load made.
    pub requests: u32,
    /// Requests the same load makes with nothing cached: what a forced refresh costs.
    pub full_cost: u32,
    /// Cost Explorer requests made today, this load included.
    pub ledger: Ledger,
}

impl SpendOutcome {
    /// A load that could not run at all.
    pub fn failed(request: SpendRequest, message: impl Into<String>) -> Self {
        SpendOutcome {
            request,
            answer: None,
            outlook: None,
            drill: None,
            errors: vec![message.into()],
            requests: 0,
            full_cost: 0,
            ledger: Ledger::default(),
        }
    }
}

/// Requests counted while a load runs.
#[derive(Debug, Default)]
struct Tally {
    made: u32,
    full: u32,
}

/// Where a long Cost Explorer question says what it is doing (backoff, pages, costs).
pub type Notes<'a> = &'a (dyn Fn(String) + Send + Sync);

/// Answers spend questions for one `spend.account`.
pub struct SpendService {
    /// The cache's one writer, shared with the job refreshes.
    store: Store,
    access: CostAccess,
    /// Cost Explorer in `spend.account`, connected once on first need. A cell, not a lock:
    /// asks that need the connection wait for the one connect; nothing else does.
    connected: tokio::sync::OnceCell<Arc<dyn CostSource>>,
    /// Questions being asked right now, so a second identical ask waits instead of paying.
    inflight: InFlight,
    caller: Mutex<Option<String>>,
    scope: Arc<str>,
    ttl: Duration,
    budgets: Vec<Budget>,
    accounts: Vec<AccountConfig>,
    spend_account: String,
    /// `spend.source = "cur"`: the pane's main question answered from the CUR instead.
    tag_spend: Option<Arc<dyn super::TagSpendSource>>,
}

impl SpendService {
    /// A service answering from the cache behind `store`, asking Cost Explorer through
    /// `access`.
    pub fn new(config: &Config, store: Store, access: CostAccess) -> Self {
        let account = config.spend_account();
        let caller = match &access {
            CostAccess::Ready { caller_id, .. } => caller_id.clone(),
            _ => account.and_then(|a| a.account_id_hint().map(str::to_string)),
        };
        // Answers belong to the credentials that fetched them.
        let scope: Arc<str> = match account {
            Some(a) => format!(
                "{}:{}",
                a.name,
                a.role_arn
                    .as_deref()
                    .or(a.profile.as_deref())
                    .unwrap_or("default")
            ),
            None => "default".to_string(),
        }
        .into();
        SpendService {
            store,
            access,
            connected: tokio::sync::OnceCell::new(),
            inflight: InFlight::default(),
            caller: Mutex::new(caller),
            scope,
            ttl: Duration::hours(i64::from(config.spend.ttl_hours.max(1))),
            budgets: config.budgets.clone(),
            accounts: config.accounts.clone(),
            spend_account: account.map_or_else(|| "default".into(), |a| a.name.clone()),
            tag_spend: None,
        }
    }

    /// This service with the pane's main question answered by `source` where it can (the
    /// month outlook, budgets and drill-downs still ask Cost Explorer).
    pub fn with_tag_spend(mut self, source: Arc<dyn super::TagSpendSource>) -> Self {
        self.tag_spend = Some(source);
        self
    }

    /// The demo: Cost Explorer over the demo world's spend, answers kept in memory only so the
    /// demo never touches the user's cache file (its ledger counts what the real one would).
    pub fn demo(config: &Config, rows: Vec<SpendRow>) -> Result<Self, CacheError> {
        let caller = config
            .spend_account()
            .and_then(|a| a.account_id_hint().map(str::to_string));
        Ok(SpendService::new(
            config,
            Store::in_memory()?,
            CostAccess::Ready {
                source: Arc::new(super::demo::DemoCostSource::new(rows)),
                caller_id: caller,
            },
        ))
    }

    /// How long answers are reused (`spend.ttl_hours`).
    pub fn ttl(&self) -> Duration {
        self.ttl
    }

    /// The configured account Cost Explorer is asked from.
    pub fn account_name(&self) -> &str {
        &self.spend_account
    }

    /// The cache this service reads and writes (the app's one store).
    pub fn store(&self) -> &Store {
        &self.store
    }

    /// Whether nothing is ever fetched (offline).
    pub fn is_offline(&self) -> bool {
        matches!(self.access, CostAccess::Offline)
    }

    /// One question, for the CLI: the cache within the TTL (or any age offline) unless
    /// `force`, else Cost Explorer. `notes` hears every backoff.
    pub async fn answer(
        &self,
        query: &SpendQuery,
        force: bool,
        now: DateTime<Utc>,
        notes: Notes<'_>,
    ) -> Result<SpendAnswer, SpendError> {
        self.ask(
            query,
            self.freshness(force),
            now,
            notes,
            &mut Tally::default(),
        )
        .await
    }

    /// How many requests the cached answer to `query` took, however old: the estimate shown
    /// before a forced refresh. `None` when it was never asked.
    pub async fn cached_cost(&self, query: &SpendQuery, now: DateTime<Utc>) -> Option<u32> {
        let (query, ask) = (query.clone(), self.ask_for(Freshness::AnyAge, now));
        self.with_cache(move |cache| cached_pages(cache, &query, &ask))
            .await
            .ok()
            .flatten()
    }

    /// Cost Explorer requests made today.
    pub async fn ledger(&self, now: DateTime<Utc>) -> Ledger {
        self.with_cache(move |cache| SpendStore::new(cache)?.ledger(now))
            .await
            .unwrap_or_default()
    }

    /// Runs `f` on the store thread: the only way this service touches the cache.
    async fn with_cache<R: Send + 'static>(
        &self,
        f: impl FnOnce(&Cache) -> Result<R, CacheError> + Send + 'static,
    ) -> Result<R, SpendError> {
        Ok(self.store.run(move |cache| f(cache)).await??)
    }

    /// Runs one load of the UI. Never fails as a whole: what failed is in `errors`.
    pub async fn load(
        &self,
        request: SpendRequest,
        now: DateTime<Utc>,
        notes: Notes<'_>,
    ) -> SpendOutcome {
        // Cost Explorer filters by tags; a "me" with no owner value and no Studio profile seen
        // (only `[me] principals`) selects nothing there, and must not become everyone's.
        if request
            .query
            .mine
            .as_ref()
            .is_some_and(MineFilter::is_empty)
        {
            return SpendOutcome::failed(
                request,
                "no spend is yours to show: Cost Explorer filters by tags, and [me] names no                  owner value or Studio profile seen yet (principals match creators, not spend)",
            );
        }
        let mut out = SpendOutcome::failed(request, "");
        out.errors.clear();
        let mut tally = Tally::default();
        let request = out.request.clone();
        match &request.target {
            Target::Overview => {
                self.overview(&request, now, notes, &mut tally, &mut out)
                    .await
            }
            Target::Drill(value) => {
                self.drill(&request, value.as_deref(), now, notes, &mut tally, &mut out)
                    .await
            }
        }
        out.requests = tally.made;
        out.full_cost = tally.full;
        out.ledger = self.ledger(now).await;
        out
    }

    async fn overview(
        &self,
        request: &SpendRequest,
        now: DateTime<Utc>,
        notes: Notes<'_>,
        tally: &mut Tally,
        out: &mut SpendOutcome,
    ) {
        let freshness = self.freshness(request.force);
        let base = &request.query;
        let other = match &self.tag_spend {
            Some(source) => source.answer(base, now).await,
            None => None,
        };
        let main = match other {
            Some(Ok(main)) => main,
            Some(Err(message)) => {
                out.errors.push(message);
                return;
            }
            None => match self.ask(base, freshness, now, notes, tally).await {
                Ok(main) => main,
                Err(err) => {
                    out.errors.push(self.describe(&err));
                    return;
                }
            },
        };
        let key = base.grouping.key().to_string();
        let month = Month::of(request.today);
        let mut keys = vec![key.clone()];
        for budget in self.budgets_for(base) {
            if !keys.contains(&budget.tag_key) {
                keys.push(budget.tag_key.clone());
            }
        }
        let mut month_to_date = std::collections::BTreeMap::new();
        for k in keys {
            if let Some(by_value) = outlook::month_to_date_from(base, &main.rows, &k, &month) {
                month_to_date.insert(k, by_value);
                continue;
            }
            let query = outlook::month_to_date_query(base, &k, &month);
            match self.ask(&query, freshness, now, notes, tally).await {
                Ok(answer) => {
                    month_to_date.insert(k, outlook::by_value(answer.rows.iter()));
                }
                Err(err) => out.errors.push(self.describe(&err)),
            }
        }
        if let Some(scope_mtd) = month_to_date.get(&key) {
            let mut notes_for_forecast = Vec::new();
            let forecast = outlook::forecast_query(base, None, &month);
            let rest = self
                .forecast(&forecast, &month, freshness, now, notes, tally)
                .await
                .map_err(|err| notes_for_forecast.push(self.forecast_problem(&err, out)))
                .ok();
            let mut budgets = Vec::new();
            for budget in self.budgets_for(base) {
                let filter = TagFilter {
                    key: budget.tag_key.clone(),
                    value: Some(budget.tag_value.clone()),
                };
                let query = outlook::forecast_query(base, Some(filter), &month);
                let rest = self
                    .forecast(&query, &month, freshness, now, notes, tally)
                    .await
                    .map_err(|err| self.forecast_problem(&err, out))
                    .ok();
                let spent = month_to_date
                    .get(&budget.tag_key)
                    .and_then(|m| m.get(&budget.tag_value))
                    .copied()
                    .unwrap_or(0.0);
                budgets.push(budget_status(budget, spent, rest));
            }
            out.outlook = Some(MonthOutlook {
                month,
                month_to_date: scope_mtd.values().sum(),
                rest_forecast: rest,
                forecast_note: notes_for_forecast.pop(),
                budgets,
                unit: main
                    .rows
                    .first()
                    .map_or_else(|| "USD".to_string(), |r| r.unit.clone()),
            });
        }
        out.answer = Some(main);
    }

    async fn drill(
        &self,
        request: &SpendRequest,
        value: Option<&str>,
        now: DateTime<Utc>,
        notes: Notes<'_>,
        tally: &mut Tally,
        out: &mut SpendOutcome,
    ) {
        let freshness = self.freshness(request.force);
        let [by_service, by_account] = drill::drill_queries(&request.query, value);
        let services = self.ask(&by_service, freshness, now, notes, tally).await;
        let accounts = self.ask(&by_account, freshness, now, notes, tally).await;
        let known = self.known_ids();
        let names = |id: &str| {
            known
                .iter()
                .find(|(_, known_id)| known_id == id)
                .map(|(name, _)| name.clone())
        };
        let mut unit = None;
        let mut rows_of = |got: Result<SpendAnswer, SpendError>, out: &mut SpendOutcome| match got {
            Ok(answer) => {
                unit = unit
                    .take()
                    .or_else(|| answer.rows.first().map(|r| r.unit.clone()));
                drill::shares(&answer.rows, &names)
            }
            Err(err) => {
                out.errors.push(self.describe(&err));
                Vec::new()
            }
        };
        let by_service = rows_of(services, out);
        let by_account = rows_of(accounts, out);
        let caller = self.caller_id().await;
        let ids: Vec<String> = known.iter().map(|(_, id)| id.clone()).collect();
        out.drill = Some(DrillAnswer {
            value: value.map(str::to_string),
            member_note: drill::member_note(
                caller.as_deref(),
                &self.spend_account,
                &ids,
                &by_account,
            ),
            by_service,
            by_account,
            unit: unit.unwrap_or_else(|| "USD".into()),
        });
    }

    /// The budgets the pane shows: all of them, or when the question is mine, only those on
    /// the owner key naming me (my share of a team's budget would read as the team's); none
    /// for some accounts of the organization (their share would read as the whole budget's).
    fn budgets_for<'a>(&'a self, query: &'a SpendQuery) -> impl Iterator<Item = &'a Budget> {
        let mine = query.mine.as_ref();
        let some_accounts = query.accounts.is_some();
        self.budgets.iter().filter(move |b| {
            !some_accounts
                && mine.is_none_or(|m| b.tag_key == m.owner_key && m.owners.contains(&b.tag_value))
        })
    }

    fn freshness(&self, force: bool) -> Freshness {
        match (&self.access, force) {
            (CostAccess::Offline, _) => Freshness::AnyAge,
            (_, true) => Freshness::Force,
            (_, false) => Freshness::WithinTtl,
        }
    }

    fn ask_for(&self, freshness: Freshness, now: DateTime<Utc>) -> Ask {
        Ask {
            scope: self.scope.clone(),
            ttl: self.ttl,
            freshness,
            now,
        }
    }

    /// A forecast that failed: too little history is a note; anything else also an error.
    fn forecast_problem(&self, err: &SpendError, out: &mut SpendOutcome) -> String {
        match err {
            SpendError::Cost(failed) if matches!(failed.error, CostError::DataUnavailable(_)) => {
                "no forecast: Cost Explorer needs more spend history for one".to_string()
            }
            SpendError::NotCached => "no forecast cached (offline)".to_string(),
            other => {
                let text = self.describe(other);
                if !out.errors.contains(&text) {
                    out.errors.push(text);
                }
                "no forecast (see the error history, E)".to_string()
            }
        }
    }

    /// The spend account's id: known from connecting, the role ARN, or a cached connect.
    async fn caller_id(&self) -> Option<String> {
        let known = self
            .caller
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .clone();
        if known.is_some() {
            return known;
        }
        let scope = self.scope.clone();
        self.with_cache(move |cache| SpendStore::new(cache)?.caller(&scope))
            .await
            .ok()
            .flatten()
    }

    /// `(name, id)` of every configured account whose id is known.
    fn known_ids(&self) -> Vec<(String, String)> {
        let mut ids: Vec<(String, String)> = self
            .accounts
            .iter()
            .filter_map(|a| {
                a.account_id_hint()
                    .map(|id| (a.name.clone(), id.to_string()))
            })
            .collect();
        if let CostAccess::Account(fetcher) = &self.access {
            for (name, id) in fetcher.connected_ids() {
                if !ids.iter().any(|(n, _)| *n == name) {
                    ids.push((name, id));
                }
            }
        }
        let caller = self
            .caller
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .clone();
        if let Some(id) = caller
            && !ids.iter().any(|(_, known)| *known == id)
        {
            ids.push((self.spend_account.clone(), id));
        }
        ids
    }

    /// An error as the user reads it, naming the account Cost Explorer was asked from.
    pub fn describe(&self, err: &SpendError) -> String {
        match err {
            SpendError::NotCached | SpendError::Cache(_) | SpendError::Store(_) => err.to_string(),
            _ => format!("Cost Explorer in `{}`: {err}", self.spend_account),
        }
    }
}

/// What the user hears while sagescope waits out Cost Explorer's request limit.
pub fn backoff_note(pause: std::time::Duration) -> String {
    format!(
        "Cost Explorer said LimitExceededException: waiting {:.1} s before asking again",
        pause.as_secs_f64()
    )
}

#[path = "service_ask.rs"]
mod ask;

#[path = "service_resources.rs"]
mod resources;

#[cfg(test)]
#[path = "service_tests.rs"]
mod tests;
