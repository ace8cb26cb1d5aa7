//! [`LogSource`] backed by CloudWatch Logs (`DescribeLogStreams`, `GetLogEvents`,
//! `FilterLogEvents`) for one account and region.
//!
//! The only file that touches `aws_sdk_cloudwatchlogs`: streams and events come out as the
//! logs domain's values, errors as [`LogsError`]s that name the IAM action refused. Requests
//! are counted so `sagescope logs` can say what reading cost.

use std::sync::atomic::{AtomicU64, Ordering};

use aws_sdk_cloudwatchlogs::Client;
use aws_sdk_cloudwatchlogs::error::{ProvideErrorMetadata, SdkError};
use futures::future::BoxFuture;

use super::errors::{AccountContext, classify};
use sagescope_engine::fetch::source::SourceError;
use sagescope_engine::logs::{EventPage, LogEvent, LogSource, LogStream, LogsError, StreamPage};

/// `DescribeLogStreams` answers at most 50 streams a page.
const STREAMS_PER_PAGE: i32 = 50;

/// CloudWatch Logs of one account and region.
#[derive(Debug)]
pub struct CloudWatchLogs {
    client: Client,
    context: AccountContext,
    requests: AtomicU64,
}

impl CloudWatchLogs {
    pub(crate) fn new(config: &aws_config::SdkConfig, context: AccountContext) -> Self {
        CloudWatchLogs {
            client: Client::new(config),
            context,
            requests: AtomicU64::new(0),
        }
    }

    fn count(&self) {
        self.requests.fetch_add(1, Ordering::Relaxed);
    }

    /// What went wrong, as the logs domain says it: a missing group or stream, a refused
    /// IAM action (named as `logs:<operation>`), or the account-level causes `classify`
    /// already phrases (credentials, network, timeouts).
    fn error<E, R>(&self, err: SdkError<E, R>, operation: &'static str, what: &str) -> LogsError
    where
        E: ProvideErrorMetadata + std::error::Error + Send + Sync + 'static,
        R: std::fmt::Debug + Send + Sync + 'static,
    {
        if err.code() == Some("ResourceNotFoundException") {
            return LogsError::NotFound(what.to_string());
        }
        match classify(err, operation, &self.context) {
            SourceError::AccessDenied { operation, message } => {
                LogsError::AccessDenied { operation, message }
            }
            SourceError::Throttled { operation } => LogsError::Other(format!(
                "throttled by CloudWatch Logs on {operation} after retries; poll less often"
            )),
            other => LogsError::Other(other.to_string()),
        }
    }
}

impl LogSource for CloudWatchLogs {
    fn streams<'a>(
        &'a self,
        group: &'a str,
        prefix: &'a str,
        next_token: Option<String>,
    ) -> BoxFuture<'a, Result<StreamPage, LogsError>> {
        Box::pin(async move {
            self.count();
            let mut request = self
                .client
                .describe_log_streams()
                .log_group_name(group)
                .limit(STREAMS_PER_PAGE)
                .set_next_token(next_token);
            // AWS refuses orderBy=LastEventTime together with a prefix; the caller sorts.
            if !prefix.is_empty() {
                request = request.log_stream_name_prefix(prefix);
            }
            let output = request
                .send()
                .await
                .map_err(|e| self.error(e, "DescribeLogStreams", &format!("log group {group}")))?;
            Ok(StreamPage {
                streams: output
                    .log_streams()
                    .iter()
                    .filter_map(|s| {
                        Some(LogStream {
                            name: s.log_stream_name()?.to_string(),
                            last_event_ms: s.last_event_timestamp(),
                        })
                    })
                    .collect(),
                next_token: output.next_token().map(str::to_string),
            })
        })
    }

    fn stream_events<'a>(
        &'a self,
        group: &'a str,
        stream: &'a str,
        start_ms: Option<i64>,
        next_token: Option<String>,
    ) -> BoxFuture<'a, Result<EventPage, LogsError>> {
        Box::pin(async move {
            self.count();
            let output = self
                .client
                .get_log_events()
                .log_group_name(group)
                .log_stream_name(stream)
                .start_from_head(true)
                .set_start_time(start_ms)
                .set_next_token(next_token)
                .send()
                .await
                .map_err(|e| {
                    self.error(
                        e,
                        "GetLogEvents",
                        &format!("log stream {stream} in {group}"),
                    )
                })?;
            Ok(EventPage {
                events: output
                    .events()
                    .iter()
                    .map(|e| LogEvent {
                        timestamp_ms: e.timestamp().unwrap_or_default(),
                        stream: stream.to_string(),
                        message: e.message().unwrap_or_default().to_string(),
                        id: None,
                    })
                    .collect(),
                next_token: output.next_forward_token().map(str::to_string),
            })
        })
    }

    fn filter_events<'a>(
        &'a self,
        group: &'a str,
        streams: &'a [String],
        start_ms: Option<i64>,
        next_token: Option<String>,
    ) -> BoxFuture<'a, Result<EventPage, LogsError>> {
        Box::pin(async move {
            self.count();
            let output = self
                .client
                .filter_log_events()
                .log_group_name(group)
                // No names: every stream of the group (AWS refuses an empty list).
                .set_log_stream_names((!streams.is_empty()).then(|| streams.to_vec()))
                .set_start_time(start_ms)
                .set_next_token(next_token)
                .send()
                .await
                .map_err(|e| self.error(e, "FilterLogEvents", &format!("log group {group}")))?;
            Ok(EventPage {
                events: output
                    .events()
                    .iter()
                    .map(|e| LogEvent {
                        timestamp_ms: e.timestamp().unwrap_or_default(),
                        stream: e.log_stream_name().unwrap_or_default().to_string(),
                        message: e.message().unwrap_or_default().to_string(),
                        id: e.event_id().map(str::to_string),
                    })
                    .collect(),
                next_token: output.next_token().map(str::to_string),
            })
        })
    }
}
