//! The refresh's CUR step: SageMaker's cost per resource from the CUR 2.0 table in Athena,
//! asked with `[cur] account`'s credentials when the cache holds no answer younger than
//! `[cur] ttl_hours` to the same SQL, and kept in the cache.

use std::collections::BTreeMap;

use chrono::{DateTime, Duration, NaiveDate, Utc};

use crate::cache::Cache;
use crate::cache::cur::CurAnswer;
use crate::cur;
use crate::cur::costs::CurCosts;
use crate::fetch::JobFetcher;
use crate::spend::SpendQuery;
use crate::store::Store;
use sagescope_core::config::CurConfig;
use sagescope_core::model::{Job, SpendRow};

/// What the CUR step did.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct CurFetch {
    /// Athena requests made this time, by operation (none when the cache answered).
    pub requests: BTreeMap<&'static str, usize>,
    /// What Athena scanned this time; `None` when no query ran.
    pub scanned_bytes: Option<u64>,
    /// The answer came from the cache, asked then.
    pub kept_from: Option<DateTime<Utc>>,
    /// Resources the answer prices.
    pub resources: usize,
    /// Why the CUR could not be read (Athena's reason and the SQL for a failed query).
    pub error: Option<String>,
}

impl CurFetch {
    /// One line for the refresh summary and the status bar: requests, bytes scanned and
    /// what they cost, or where the answer came from.
    pub fn summary(&self) -> String {
        self.line("resources priced")
    }

    /// [`CurFetch::summary`] counting `resources` as `counted` (e.g. `spend rows`).
    pub fn line(&self, counted: &str) -> String {
        if let Some(asked) = self.kept_from {
            return format!(
                "CUR: {} {counted} from the answer kept since {} (no Athena request)",
                self.resources,
                asked.format("%Y-%m-%d %H:%M UTC")
            );
        }
        let detail: Vec<String> = self
            .requests
            .iter()
            .map(|(operation, n)| format!("{operation} {n}"))
            .collect();
        let scanned = self.scanned_bytes.unwrap_or(0);
        format!(
            "CUR: {} {counted}; {} Athena requests ({}); scanned {} (USD {:.5} at $5/TB, 10 MB minimum)",
            self.resources,
            self.requests.values().sum::<usize>(),
            detail.join(", "),
            bytes(scanned),
            cur::scan_cost_usd(scanned)
        )
    }
}

/// `1.2 MB`, `3.4 GB`: decimal units, as Athena bills.
pub fn bytes(n: u64) -> String {
    let units = ["B", "KB", "MB", "GB", "TB"];
    let mut value = n as f64;
    let mut unit = 0;
    while value >= 1000.0 && unit + 1 < units.len() {
        value /= 1000.0;
        unit += 1;
    }
    if unit == 0 {
        format!("{n} B")
    } else {
        format!("{value:.1} {}", units[unit])
    }
}

/// The days the per-resource query sums: `lookback_days` back from today, today included.
pub fn range(config: &CurConfig, today: NaiveDate) -> (NaiveDate, NaiveDate) {
    (
        today - Duration::days(i64::from(config.lookback_days)),
        today + Duration::days(1),
    )
}

/// The cache's name for one kind of question on one table and column.
fn what(kind: &str, config: &CurConfig) -> String {
    format!(
        "{kind} {}.{} {}",
        config.database, config.table, config.cost_column
    )
}

/// The kind of the per-resource question.
const RESOURCES: &str = "resources";

/// One question to Athena, answered from the cache when an answer to the same SQL is younger
/// than `ttl_hours`.
pub struct Asked {
    pub answer: Option<CurAnswer>,
    pub fresh: bool,
    pub requests: BTreeMap<&'static str, usize>,
    pub error: Option<String>,
}

/// Asks `sql` (a question of `kind`) in `config`'s place, or takes the kept answer.
pub async fn ask(
    fetcher: &JobFetcher,
    store: &Store,
    config: &CurConfig,
    kind: &str,
    sql: String,
    now: DateTime<Utc>,
) -> Asked {
    let key = sql.clone();
    let kept = match store.run(move |cache| cache.load_cur_answer(&key)).await {
        Ok(Ok(kept)) => kept,
        Ok(Err(err)) => {
            tracing::warn!("cannot read the kept CUR answers: {err}");
            None
        }
        Err(err) => {
            tracing::warn!("cannot read the kept CUR answers: {err}");
            None
        }
    };
    let ttl = Duration::hours(i64::from(config.ttl_hours));
    if let Some(answer) = kept.filter(|a| now - a.asked < ttl) {
        return Asked {
            answer: Some(answer),
            fresh: false,
            requests: BTreeMap::new(),
            error: None,
        };
    }
    let mut asked = Asked {
        answer: None,
        fresh: true,
        requests: BTreeMap::new(),
        error: None,
    };
    let source = match cur::athena_in(fetcher, &config.account, config.region.as_deref()).await {
        Ok(source) => source,
        Err(err) => {
            asked.error = Some(format!("CUR: {err}"));
            return asked;
        }
    };
    match cur::run(source.as_ref(), &sql, &cur::QueryPlace::of(config)).await {
        Ok(run) => {
            asked.requests = run.requests.clone();
            let answer = CurAnswer {
                sql: sql.clone(),
                run: run.clone(),
                asked: now,
            };
            let what = what(kind, config);
            if let Err(err) = store
                .run(move |cache| cache.save_cur_answer(&sql, &what, &run, now))
                .await
                .map_err(|e| e.to_string())
                .and_then(|r| r.map_err(|e| e.to_string()))
            {
                tracing::warn!("cannot keep the CUR answer: {err}");
            }
            asked.answer = Some(answer);
        }
        Err((err, run)) => {
            asked.requests = run.requests;
            asked.error = Some(format!("CUR: {err}"));
        }
    }
    asked
}

/// Reads SageMaker's cost per resource from the CUR, when `[cur]` is configured.
pub async fn refresh(
    fetcher: &JobFetcher,
    store: &Store,
    jobs: &[Job],
    now: DateTime<Utc>,
) -> Option<CurFetch> {
    let config = fetcher.cur()?.clone();
    let (start, end) = range(&config, now.date_naive());
    let sql = cur::sql::resource_costs(&cur::sql::CurTable::of(&config), start, end);
    let asked = ask(fetcher, store, &config, RESOURCES, sql, now).await;
    let mut fetch = CurFetch {
        requests: asked.requests,
        error: asked.error,
        ..CurFetch::default()
    };
    if let Some(answer) = asked.answer {
        if asked.fresh {
            fetch.scanned_bytes = Some(answer.run.scanned_bytes);
        } else {
            fetch.kept_from = Some(answer.asked);
        }
        match CurCosts::from_run(&answer.run, start, answer.asked) {
            Ok(costs) => fetch.resources = costs.measured(jobs).len(),
            Err(err) => fetch.error = Some(format!("CUR: {err}")),
        }
    } else if fetch.scanned_bytes.is_none() && fetch.error.is_none() {
        fetch.error = Some("CUR: no answer".into());
    }
    tracing::info!(
        requests = fetch.requests.values().sum::<usize>(),
        scanned = fetch.scanned_bytes,
        resources = fetch.resources,
        "CUR read"
    );
    Some(fetch)
}

/// The CUR's kept answer to today's question, else the newest kept answer (offline), else
/// `None`: what [`CurCosts::measured`] prices resources from between refreshes.
pub fn kept(cache: &Cache, config: &CurConfig, now: DateTime<Utc>) -> Option<CurCosts> {
    let (start, end) = range(config, now.date_naive());
    let sql = cur::sql::resource_costs(&cur::sql::CurTable::of(config), start, end);
    let answer = match cache.load_cur_answer(&sql) {
        Ok(Some(answer)) => Some(answer),
        Ok(None) => cache
            .latest_cur_answer(&what(RESOURCES, config))
            .unwrap_or_else(|err| {
                tracing::warn!("cannot read the kept CUR answers: {err}");
                None
            }),
        Err(err) => {
            tracing::warn!("cannot read the kept CUR answers: {err}");
            None
        }
    }?;
    // The answer summed from `lookback_days` before the day it was asked.
    let (start, _) = range(config, answer.asked.date_naive());
    CurCosts::from_run(&answer.run, start, answer.asked)
        .map_err(|err| tracing::warn!("the kept CUR answer cannot be read: {err}"))
        .ok()
}

/// The kind of the spend-by-tag question.
const SPEND: &str = "spend";

/// The SQL for `query`'s spend by tag: its tag key as CUR 2.0 spells it in `resource_tags`.
fn spend_sql(config: &CurConfig, query: &SpendQuery) -> String {
    cur::sql::spend_by_tag(
        &cur::sql::CurTable::of(config),
        &cur::tags::cur_tag_key(query.grouping.key()),
        query.start,
        query.end,
        query.all_services,
        query.accounts.as_deref(),
    )
}

/// Spend rows from a CUR answer to `query`.
fn spend_rows(run: &cur::QueryRun, query: &SpendQuery) -> Result<Vec<SpendRow>, String> {
    crate::spend::cur::pages(run, query)
        .map(|pages| crate::spend::rows_from_pages(query, &pages))
        .map_err(|e| format!("CUR: {e}"))
}

/// Spend by tag from the CUR for `query` (same rows as Cost Explorer's), asked like the
/// per-resource question (kept for `ttl_hours`), and what asking cost.
pub async fn spend(
    fetcher: &JobFetcher,
    store: &Store,
    config: &CurConfig,
    query: &SpendQuery,
    now: DateTime<Utc>,
) -> (Result<Vec<SpendRow>, String>, CurFetch) {
    if query.mine.is_some() || query.tag_filter.is_some() {
        return (
            Err("CUR: my spend and tag filters are answered by Cost Explorer only".into()),
            CurFetch::default(),
        );
    }
    let asked = ask(fetcher, store, config, SPEND, spend_sql(config, query), now).await;
    let mut fetch = CurFetch {
        requests: asked.requests,
        error: asked.error.clone(),
        ..CurFetch::default()
    };
    let Some(answer) = asked.answer else {
        return (
            Err(asked.error.unwrap_or_else(|| "CUR: no answer".into())),
            fetch,
        );
    };
    if asked.fresh {
        fetch.scanned_bytes = Some(answer.run.scanned_bytes);
    } else {
        fetch.kept_from = Some(answer.asked);
    }
    let rows = spend_rows(&answer.run, query);
    fetch.resources = rows.as_ref().map_or(0, Vec::len);
    (rows, fetch)
}

/// The kept CUR answer to `query`'s spend, however old (`--offline`), and when it was asked.
pub fn spend_kept(
    cache: &Cache,
    config: &CurConfig,
    query: &SpendQuery,
) -> Option<(Vec<SpendRow>, DateTime<Utc>)> {
    let answer = cache
        .load_cur_answer(&spend_sql(config, query))
        .map_err(|err| tracing::warn!("cannot read the kept CUR answers: {err}"))
        .ok()??;
    spend_rows(&answer.run, query)
        .map_err(|err| tracing::warn!("{err}"))
        .ok()
        .map(|rows| (rows, answer.asked))
}

/// The Spend pane's main question from the CUR (`spend.source = "cur"`).
pub struct CurTagSpend {
    pub fetcher: std::sync::Arc<JobFetcher>,
    pub store: Store,
    pub config: CurConfig,
}

impl crate::spend::TagSpendSource for CurTagSpend {
    fn answer<'a>(
        &'a self,
        query: &'a SpendQuery,
        now: DateTime<Utc>,
    ) -> futures::future::BoxFuture<'a, Option<Result<crate::spend::SpendAnswer, String>>> {
        Box::pin(async move {
            let by_tag = matches!(query.grouping, crate::spend::Grouping::Tag(_));
            if !by_tag || query.mine.is_some() || query.tag_filter.is_some() {
                return None;
            }
            let (rows, fetch) = spend(&self.fetcher, &self.store, &self.config, query, now).await;
            tracing::info!("{}", fetch.line("spend rows"));
            Some(rows.map(|rows| crate::spend::SpendAnswer {
                hint: crate::spend::untagged_hint(query.grouping.key(), &rows),
                rows,
                requests: 0,
                pages: 0,
                fetched_at: fetch.kept_from.unwrap_or(now),
                from_cache: fetch.kept_from.is_some(),
            }))
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sizes_read_in_decimal_units() {
        assert_eq!(bytes(999), "999 B");
        assert_eq!(bytes(1_500), "1.5 KB");
        assert_eq!(bytes(12_345_678), "12.3 MB");
        assert_eq!(bytes(2_000_000_000_000), "2.0 TB");
    }

    #[test]
    fn a_cached_answer_says_so_and_a_fresh_one_says_what_it_cost() {
        let mut fetch = CurFetch {
            requests: BTreeMap::from([
                ("StartQueryExecution", 1),
                ("GetQueryExecution", 3),
                ("GetQueryResults", 1),
            ]),
            scanned_bytes: Some(2_500_000_000),
            resources: 4,
            ..CurFetch::default()
        };
        assert_eq!(
            fetch.summary(),
            "CUR: 4 resources priced; 5 Athena requests (GetQueryExecution 3, GetQueryResults 1, \
             StartQueryExecution 1); scanned 2.5 GB (USD 0.01250 at $5/TB, 10 MB minimum)"
        );
        fetch.kept_from = Some(
            "2026-12-01T10:00:00Z"
                .parse::<DateTime<Utc>>()
                .expect("time"),
        );
        assert!(
            fetch.summary().contains("no Athena request"),
            "{}",
            fetch.summary()
        );
    }
}
