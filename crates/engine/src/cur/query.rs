//! One Athena query from start to its last result page.

use std::collections::BTreeMap;
use std::time::Duration;

use super::{AthenaSource, CurError, QueryPlace, QueryState};

/// The first wait between GetQueryExecution calls; it doubles up to [`MAX_POLL`].
const FIRST_POLL: Duration = Duration::from_millis(250);
/// The longest wait between two GetQueryExecution calls.
const MAX_POLL: Duration = Duration::from_secs(5);
/// How long a query may take before the refresh stops waiting for it.
const DEADLINE: Duration = Duration::from_secs(600);

/// A finished query's answer and what it cost.
#[derive(Debug, Clone, Default, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct QueryRun {
    /// Column names, from the first result row.
    pub header: Vec<String>,
    /// The data rows.
    pub rows: Vec<Vec<Option<String>>>,
    /// `Statistics.DataScannedInBytes` (0 when Athena did not say).
    pub scanned_bytes: u64,
    /// Athena requests made, by operation (not kept with the answer).
    #[serde(skip)]
    pub requests: BTreeMap<&'static str, usize>,
}

impl QueryRun {
    /// Every request made.
    pub fn total_requests(&self) -> usize {
        self.requests.values().sum()
    }
}

/// Runs `sql` in `place`: starts it, polls until it ends (waiting longer each time), and
/// reads every result page. A failed or cancelled query is an error carrying Athena's
/// reason and the SQL.
pub async fn run(
    source: &dyn AthenaSource,
    sql: &str,
    place: &QueryPlace,
) -> Result<QueryRun, (CurError, QueryRun)> {
    let mut run = QueryRun::default();
    let id = match source.start(sql, place).await {
        Ok(id) => id,
        Err(err) => {
            *run.requests.entry("StartQueryExecution").or_default() += 1;
            return Err((err, run));
        }
    };
    *run.requests.entry("StartQueryExecution").or_default() += 1;
    let began = tokio::time::Instant::now();
    let mut wait = FIRST_POLL;
    let status = loop {
        *run.requests.entry("GetQueryExecution").or_default() += 1;
        let status = match source.status(&id).await {
            Ok(status) => status,
            Err(err) => return Err((err, run)),
        };
        if status.state.is_final() {
            break status;
        }
        if began.elapsed() >= DEADLINE {
            return Err((
                CurError::Timeout {
                    id,
                    seconds: DEADLINE.as_secs(),
                },
                run,
            ));
        }
        tokio::time::sleep(wait).await;
        wait = (wait * 2).min(MAX_POLL);
    };
    run.scanned_bytes = status.scanned_bytes.unwrap_or(0);
    let failed = match status.state {
        QueryState::Failed => Some("failed"),
        QueryState::Cancelled => Some("was cancelled"),
        _ => None,
    };
    if let Some(state) = failed {
        return Err((
            CurError::Query {
                state,
                reason: status
                    .reason
                    .unwrap_or_else(|| "Athena gave no reason".into()),
                sql: sql.to_string(),
            },
            run,
        ));
    }
    let mut token = None;
    let mut first = true;
    loop {
        *run.requests.entry("GetQueryResults").or_default() += 1;
        let page = match source.results(&id, token.take()).await {
            Ok(page) => page,
            Err(err) => return Err((err, run)),
        };
        let mut rows = page.rows.into_iter();
        if first {
            first = false;
            match rows.next() {
                Some(header) => {
                    run.header = header.into_iter().map(Option::unwrap_or_default).collect();
                }
                None => {
                    return Err((CurError::Answer("no header row".into()), run));
                }
            }
        }
        run.rows.extend(rows);
        match page.next_token {
            Some(next) => token = Some(next),
            None => break,
        }
    }
    Ok(run)
}

/// The index of column `name` in `run`'s header, or an error naming what was there.
pub fn column(run: &QueryRun, name: &str) -> Result<usize, CurError> {
    run.header.iter().position(|h| h == name).ok_or_else(|| {
        CurError::Answer(format!(
            "no column `{name}` in the answer (columns: {})",
            run.header.join(", ")
        ))
    })
}

#[cfg(test)]
mod tests {
    use std::sync::Mutex;

    use futures::future::BoxFuture;

    use super::*;
    use crate::cur::{QueryStatus, ResultPage};

    /// Queued, running, then `end`; results in pages of two rows after the header.
    struct Scripted {
        polls: Mutex<Vec<QueryState>>,
        rows: Vec<Vec<Option<String>>>,
        reason: Option<String>,
    }

    impl AthenaSource for Scripted {
        fn start<'a>(
            &'a self,
            _sql: &'a str,
            _place: &'a QueryPlace,
        ) -> BoxFuture<'a, Result<String, CurError>> {
            Box::pin(async { Ok("q-1".to_string()) })
        }
        fn status<'a>(&'a self, _id: &'a str) -> BoxFuture<'a, Result<QueryStatus, CurError>> {
            Box::pin(async move {
                let mut polls = self.polls.lock().expect("lock");
                let state = if polls.len() > 1 {
                    polls.remove(0)
                } else {
                    polls[0]
                };
                Ok(QueryStatus {
                    state,
                    reason: self.reason.clone(),
                    scanned_bytes: Some(1234),
                })
            })
        }
        fn results<'a>(
            &'a self,
            _id: &'a str,
            next_token: Option<String>,
        ) -> BoxFuture<'a, Result<ResultPage, CurError>> {
            Box::pin(async move {
                let at: usize = next_token.map_or(0, |t| t.parse().expect("token"));
                let mut rows = Vec::new();
                if at == 0 {
                    rows.push(vec![Some("resource_id".into()), Some("cost".into())]);
                }
                let end = (at + 2).min(self.rows.len());
                rows.extend(self.rows[at..end].iter().cloned());
                Ok(ResultPage {
                    rows,
                    next_token: (end < self.rows.len()).then(|| end.to_string()),
                })
            })
        }
    }

    fn place() -> QueryPlace {
        QueryPlace {
            database: "billing".into(),
            workgroup: "primary".into(),
            output_location: None,
        }
    }

    fn row(id: &str, cost: &str) -> Vec<Option<String>> {
        vec![Some(id.into()), Some(cost.into())]
    }

    #[tokio::test(start_paused = true)]
    async fn polls_until_it_succeeds_and_reads_every_page() {
        let source = Scripted {
            polls: Mutex::new(vec![
                QueryState::Queued,
                QueryState::Running,
                QueryState::Succeeded,
            ]),
            rows: vec![row("a", "1"), row("b", "2"), row("c", "3")],
            reason: None,
        };
        let run = run(&source, "SELECT 1", &place()).await.expect("succeeds");
        assert_eq!(run.header, ["resource_id", "cost"]);
        assert_eq!(run.rows.len(), 3, "the header is not a row");
        assert_eq!(run.scanned_bytes, 1234);
        assert_eq!(run.requests["StartQueryExecution"], 1);
        assert_eq!(run.requests["GetQueryExecution"], 3);
        assert_eq!(run.requests["GetQueryResults"], 2);
        assert_eq!(run.total_requests(), 6);
        assert_eq!(column(&run, "cost"), Ok(1));
    }

    #[tokio::test(start_paused = true)]
    async fn a_failed_query_says_why_and_shows_the_sql() {
        let source = Scripted {
            polls: Mutex::new(vec![QueryState::Failed]),
            rows: Vec::new(),
            reason: Some("TABLE_NOT_FOUND: line 2:6: Table 'billing.cur2' does not exist".into()),
        };
        let (err, run) = run(&source, "SELECT 2", &place()).await.expect_err("fails");
        let text = err.to_string();
        assert!(text.contains("TABLE_NOT_FOUND"), "{text}");
        assert!(text.ends_with("\nSELECT 2"), "{text}");
        assert_eq!(run.requests.get("GetQueryResults"), None, "no results read");
    }
}
