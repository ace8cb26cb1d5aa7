//! The real [`AthenaSource`]: Amazon Athena through the official SDK. SDK types stop here;
//! what leaves is the query's id, its state and its rows as text.

use aws_sdk_athena::Client;
use aws_sdk_athena::error::{ProvideErrorMetadata, SdkError};
use aws_sdk_athena::types::{QueryExecutionContext, QueryExecutionState, ResultConfiguration};
use futures::future::BoxFuture;

use sagescope_engine::cur::{
    AthenaSource, CurError, QueryPlace, QueryState, QueryStatus, ResultPage,
};

/// GetQueryResults' largest page.
const PAGE_ROWS: i32 = 1000;

/// Athena in one region of one account.
#[derive(Debug, Clone)]
pub struct Athena {
    client: Client,
}

impl Athena {
    pub fn new(config: &aws_config::SdkConfig, region: &str) -> Self {
        let conf = aws_sdk_athena::config::Builder::from(config)
            .region(aws_config::Region::new(region.to_string()))
            .build();
        Athena {
            client: Client::from_conf(conf),
        }
    }
}

impl AthenaSource for Athena {
    fn start<'a>(
        &'a self,
        sql: &'a str,
        place: &'a QueryPlace,
    ) -> BoxFuture<'a, Result<String, CurError>> {
        Box::pin(async move {
            let results = place.output_location.as_ref().map(|location| {
                ResultConfiguration::builder()
                    .output_location(location)
                    .build()
            });
            let out = self
                .client
                .start_query_execution()
                .query_string(sql)
                .work_group(&place.workgroup)
                .query_execution_context(
                    QueryExecutionContext::builder()
                        .database(&place.database)
                        .build(),
                )
                .set_result_configuration(results)
                .send()
                .await
                .map_err(|e| call("StartQueryExecution", &e))?;
            out.query_execution_id()
                .map(str::to_string)
                .ok_or_else(|| CurError::Answer("StartQueryExecution gave no id".into()))
        })
    }

    fn status<'a>(&'a self, id: &'a str) -> BoxFuture<'a, Result<QueryStatus, CurError>> {
        Box::pin(async move {
            let out = self
                .client
                .get_query_execution()
                .query_execution_id(id)
                .send()
                .await
                .map_err(|e| call("GetQueryExecution", &e))?;
            let execution = out
                .query_execution()
                .ok_or_else(|| CurError::Answer("GetQueryExecution gave no execution".into()))?;
            let status = execution.status();
            let state = match status.and_then(|s| s.state()) {
                Some(QueryExecutionState::Queued) => QueryState::Queued,
                Some(QueryExecutionState::Running) => QueryState::Running,
                Some(QueryExecutionState::Succeeded) => QueryState::Succeeded,
                Some(QueryExecutionState::Failed) => QueryState::Failed,
                Some(QueryExecutionState::Cancelled) => QueryState::Cancelled,
                other => {
                    return Err(CurError::Answer(format!(
                        "unknown query state {:?}",
                        other.map(QueryExecutionState::as_str)
                    )));
                }
            };
            Ok(QueryStatus {
                state,
                reason: status
                    .and_then(|s| s.state_change_reason())
                    .map(|r| sagescope_core::sanitize::plain(r).into_owned()),
                scanned_bytes: execution
                    .statistics()
                    .and_then(|s| s.data_scanned_in_bytes())
                    .and_then(|b| u64::try_from(b).ok()),
            })
        })
    }

    fn results<'a>(
        &'a self,
        id: &'a str,
        next_token: Option<String>,
    ) -> BoxFuture<'a, Result<ResultPage, CurError>> {
        Box::pin(async move {
            let out = self
                .client
                .get_query_results()
                .query_execution_id(id)
                .max_results(PAGE_ROWS)
                .set_next_token(next_token)
                .send()
                .await
                .map_err(|e| call("GetQueryResults", &e))?;
            let rows = out
                .result_set()
                .map(|set| {
                    set.rows()
                        .iter()
                        .map(|row| {
                            row.data()
                                .iter()
                                .map(|d| d.var_char_value().map(str::to_string))
                                .collect()
                        })
                        .collect()
                })
                .unwrap_or_default();
            Ok(ResultPage {
                rows,
                next_token: out
                    .next_token()
                    .filter(|t| !t.is_empty())
                    .map(str::to_string),
            })
        })
    }
}

/// The failed call, with AWS's code and message.
fn call<E: ProvideErrorMetadata + std::error::Error + 'static, R: std::fmt::Debug>(
    operation: &'static str,
    err: &SdkError<E, R>,
) -> CurError {
    CurError::Call {
        operation,
        message: super::errors::sdk_message(err),
    }
}
