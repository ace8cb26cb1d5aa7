//! Asking Cost Explorer: every page, backing off when it says to slow down, and turning its
//! `key$value` groups into [`SpendRow`]s.

use std::time::Duration;

use super::query::Grouping;
use super::{CostError, CostPage, CostSource, SpendQuery};
use sagescope_core::model::SpendRow;

/// How often a `LimitExceededException` is retried before giving up, and the first pause.
const LIMIT_RETRIES: u32 = 3;
const FIRST_BACKOFF: Duration = Duration::from_millis(500);

/// An answer with what it cost.
#[derive(Debug, Clone, PartialEq)]
pub struct Answer {
    pub pages: Vec<CostPage>,
    /// Billed requests made (pages and retries): zero when served from the cache.
    pub requests: u32,
}

/// A question Cost Explorer did not answer, with the requests it cost anyway (earlier pages
/// were billed even when a later one failed, so the ledger must still count them).
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[error("{error}")]
pub struct Failed {
    pub error: CostError,
    pub requests: u32,
}

/// Fetches every page of `query`. `on_backoff` hears each pause so the UI can say it waits.
///
/// Every attempt counts as a request, throttled ones included: the ledger errs on the side of
/// showing more spend, never less.
pub async fn fetch_pages(
    source: &dyn CostSource,
    query: &SpendQuery,
    on_backoff: &(dyn Fn(Duration) + Send + Sync),
) -> Result<Answer, Failed> {
    let mut pages = Vec::new();
    let mut requests = 0;
    let mut token = None;
    loop {
        let page = with_backoff(
            || source.cost_and_usage(query, token.clone()),
            &mut requests,
            on_backoff,
        )
        .await
        .map_err(|error| Failed { error, requests })?;
        token = page.next_token.clone();
        pages.push(page);
        if token.is_none() {
            return Ok(Answer { pages, requests });
        }
    }
}

/// One Cost Explorer call, retried with a doubling pause while it answers
/// `LimitExceededException`; `requests` counts every attempt.
pub async fn with_backoff<T, F, Fut>(
    mut call: F,
    requests: &mut u32,
    on_backoff: &(dyn Fn(Duration) + Send + Sync),
) -> Result<T, CostError>
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = Result<T, CostError>>,
{
    let mut backoff = FIRST_BACKOFF;
    let mut attempt = 0;
    loop {
        *requests += 1;
        match call().await {
            Err(CostError::LimitExceeded) if attempt < LIMIT_RETRIES => {
                attempt += 1;
                on_backoff(backoff);
                tokio::time::sleep(backoff).await;
                backoff *= 2;
            }
            other => return other,
        }
    }
}

/// Rows from an answer. Tag groups arrive as `key$value`; `key$` is the untagged share and
/// becomes `group_value` "". Periods with no groups at all yield no rows.
pub fn rows_from_pages(query: &SpendQuery, pages: &[CostPage]) -> Vec<SpendRow> {
    let mut rows = Vec::new();
    for period in pages.iter().flat_map(|p| &p.periods) {
        for group in &period.groups {
            let raw = group.keys.first().map_or("", String::as_str);
            let value = match &query.grouping {
                Grouping::Tag(_) => raw.split_once('$').map_or(raw, |(_, value)| value),
                Grouping::Service | Grouping::LinkedAccount | Grouping::Resource => raw,
            };
            rows.push(SpendRow {
                start: period.start,
                end: period.end,
                group_key: query.grouping.key().to_string(),
                group_value: value.to_string(),
                amount: group.amount,
                unit: group.unit.clone(),
                estimated: period.estimated,
            });
        }
    }
    rows
}

/// When every dollar comes back untagged, the key is almost always not activated as a
/// cost-allocation tag: say where to fix that.
pub fn untagged_hint(key: &str, rows: &[SpendRow]) -> Option<String> {
    let total: f64 = rows.iter().map(|r| r.amount).sum();
    let all_untagged = rows.iter().all(SpendRow::is_untagged);
    (total > 0.0 && all_untagged).then(|| {
        format!(
            "all spend is untagged for `{key}`: activate `{key}` as a cost allocation tag in the payer account (Billing and Cost Management console → Cost allocation tags → select it → Activate); it applies to spend from activation on, within 24 hours"
        )
    })
}

#[cfg(test)]
mod tests {
    use std::sync::Mutex;
    use std::sync::atomic::{AtomicU32, Ordering};

    use chrono::NaiveDate;
    use futures::future::BoxFuture;

    use super::*;
    use crate::spend::{CostGroup, CostPeriod, Forecast, RangePreset};

    fn query(key: &str) -> SpendQuery {
        let today = NaiveDate::from_ymd_opt(2026, 3, 15).expect("date");
        SpendQuery::from_config(
            &sagescope_core::config::Config::default().spend,
            key,
            RangePreset::Days7,
            today,
        )
    }

    fn period(day: u32, groups: &[(&str, f64)]) -> CostPeriod {
        let start = NaiveDate::from_ymd_opt(2026, 3, day).expect("date");
        CostPeriod {
            start,
            end: start + chrono::Duration::days(1),
            estimated: false,
            groups: groups
                .iter()
                .map(|(k, a)| CostGroup {
                    keys: vec![k.to_string()],
                    amount: *a,
                    unit: "USD".into(),
                })
                .collect(),
        }
    }

    /// Serves scripted pages in order; `limit_first` answers LimitExceeded that many times first.
    struct Scripted {
        pages: Mutex<Vec<CostPage>>,
        limit_first: AtomicU32,
        calls: AtomicU32,
    }

    impl CostSource for Scripted {
        fn cost_and_usage<'a>(
            &'a self,
            _q: &'a SpendQuery,
            _t: Option<String>,
        ) -> BoxFuture<'a, Result<CostPage, CostError>> {
            Box::pin(async move {
                self.calls.fetch_add(1, Ordering::SeqCst);
                if self.limit_first.load(Ordering::SeqCst) > 0 {
                    self.limit_first.fetch_sub(1, Ordering::SeqCst);
                    return Err(CostError::LimitExceeded);
                }
                let mut pages = self.pages.lock().expect("lock");
                Ok(if pages.is_empty() {
                    CostPage::default()
                } else {
                    pages.remove(0)
                })
            })
        }
        fn forecast<'a>(
            &'a self,
            _q: &'a SpendQuery,
            _s: NaiveDate,
            _e: NaiveDate,
        ) -> BoxFuture<'a, Result<Forecast, CostError>> {
            Box::pin(async { Err(CostError::DataUnavailable("not scripted".into())) })
        }
    }

    #[test]
    fn tag_keys_split_on_the_first_dollar_and_key_dollar_is_untagged() {
        let q = query("project");
        let page = CostPage {
            periods: vec![period(
                1,
                &[
                    ("project$vision", 10.0),
                    ("project$", 2.5),
                    ("project$a$b", 1.0),
                ],
            )],
            next_token: None,
        };
        let rows = rows_from_pages(&q, &[page]);
        let values: Vec<&str> = rows.iter().map(|r| r.group_value.as_str()).collect();
        assert_eq!(values, vec!["vision", "", "a$b"]);
        assert!(rows.iter().all(|r| r.group_key == "project"));
        assert!(rows[1].is_untagged());
    }

    #[tokio::test]
    async fn every_page_is_followed_and_counted() {
        let source = Scripted {
            pages: Mutex::new(vec![
                CostPage {
                    periods: vec![period(1, &[("project$a", 1.0)])],
                    next_token: Some("t1".into()),
                },
                CostPage {
                    periods: vec![period(2, &[("project$a", 2.0)])],
                    next_token: Some("t2".into()),
                },
                CostPage {
                    periods: vec![period(3, &[("project$", 3.0)])],
                    next_token: None,
                },
            ]),
            limit_first: AtomicU32::new(0),
            calls: AtomicU32::new(0),
        };
        let answer = fetch_pages(&source, &query("project"), &|_| {})
            .await
            .expect("answers");
        assert_eq!(answer.pages.len(), 3);
        assert_eq!(answer.requests, 3);
        let total: f64 = rows_from_pages(&query("project"), &answer.pages)
            .iter()
            .map(|r| r.amount)
            .sum();
        assert_eq!(total, 6.0);
    }

    #[tokio::test(start_paused = true)]
    async fn limit_exceeded_backs_off_says_so_and_counts_each_try() {
        let source = Scripted {
            pages: Mutex::new(vec![CostPage {
                periods: vec![period(1, &[("project$a", 1.0)])],
                next_token: None,
            }]),
            limit_first: AtomicU32::new(2),
            calls: AtomicU32::new(0),
        };
        let pauses = Mutex::new(Vec::new());
        let answer = fetch_pages(&source, &query("project"), &|d| {
            pauses.lock().expect("lock").push(d)
        })
        .await
        .expect("answers after backing off");
        assert_eq!(answer.requests, 3);
        assert_eq!(
            *pauses.lock().expect("lock"),
            vec![Duration::from_millis(500), Duration::from_millis(1000)]
        );
    }

    #[tokio::test(start_paused = true)]
    async fn persistent_limit_exceeded_gives_up() {
        let source = Scripted {
            pages: Mutex::new(Vec::new()),
            limit_first: AtomicU32::new(99),
            calls: AtomicU32::new(0),
        };
        let err = fetch_pages(&source, &query("project"), &|_| {})
            .await
            .expect_err("gives up");
        assert_eq!(err.error, CostError::LimitExceeded);
        assert_eq!(source.calls.load(Ordering::SeqCst), LIMIT_RETRIES + 1);
        assert_eq!(
            err.requests,
            LIMIT_RETRIES + 1,
            "failed attempts are counted too"
        );
    }

    #[test]
    fn all_untagged_spend_gets_the_activation_hint() {
        let q = query("team");
        let rows = rows_from_pages(
            &q,
            &[CostPage {
                periods: vec![period(1, &[("team$", 5.0)])],
                next_token: None,
            }],
        );
        let hint = untagged_hint("team", &rows).expect("hint");
        assert!(hint.contains("Cost allocation tags"), "{hint}");
        let mixed = rows_from_pages(
            &q,
            &[CostPage {
                periods: vec![period(1, &[("team$", 5.0), ("team$ml", 1.0)])],
                next_token: None,
            }],
        );
        assert!(untagged_hint("team", &mixed).is_none());
        assert!(
            untagged_hint("team", &[]).is_none(),
            "no spend at all is not a tagging problem"
        );
    }
}
