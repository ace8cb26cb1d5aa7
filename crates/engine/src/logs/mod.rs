//! CloudWatch Logs of SageMaker resources, in domain terms: where each kind logs (group and
//! stream prefix), the streams and events that come back, and reading them again and again
//! for `--follow` / `F` with every event delivered exactly once ([`read`]).
//!
//! The rest of sagescope sees only the types in this module and the [`LogSource`] /
//! [`LogAccess`] traits: the CloudWatch implementation lives behind the AWS boundary
//! (`sagescope_aws`), tests inject fakes, and `--demo` reads [`demo::DemoLogs`].
//!
//! Log text is data from outside: whoever prints it passes it through `sagescope_core::sanitize`.

pub mod demo;
mod place;
pub mod read;

use std::sync::Arc;

use futures::future::BoxFuture;

pub use place::{LogPlace, LogTarget, place};
pub use read::{Batch, Cursor, list_streams, read_new};

/// One log stream of a group: a training host (`<job>/algo-1-<epoch>`), an endpoint
/// instance (`AllTraffic/i-0abc`), a notebook's `jupyter.log`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LogStream {
    pub name: String,
    /// When its newest event happened, in milliseconds since the Unix epoch (`None` for a
    /// stream without events).
    pub last_event_ms: Option<i64>,
}

/// One log event: one line as the container wrote it (a message may still hold newlines or
/// escape sequences: sanitise before printing).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LogEvent {
    /// Milliseconds since the Unix epoch.
    pub timestamp_ms: i64,
    pub stream: String,
    pub message: String,
    /// CloudWatch's event id (`FilterLogEvents` answers one; `GetLogEvents` does not).
    pub id: Option<String>,
}

impl LogEvent {
    /// The event's time, if the timestamp is a representable one.
    pub fn at(&self) -> Option<chrono::DateTime<chrono::Utc>> {
        chrono::DateTime::from_timestamp_millis(self.timestamp_ms)
    }
}

/// One page of `DescribeLogStreams`.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct StreamPage {
    pub streams: Vec<LogStream>,
    /// `None` on the last page.
    pub next_token: Option<String>,
}

/// One page of `GetLogEvents` (the forward token) or `FilterLogEvents` (the next token).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct EventPage {
    pub events: Vec<LogEvent>,
    pub next_token: Option<String>,
}

/// Why logs could not be read, in terms a user can act on.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum LogsError {
    /// IAM refused a CloudWatch Logs action.
    #[error("access denied to logs:{operation} ({message}); grant it as in assets/iam-policy.json")]
    AccessDenied {
        operation: &'static str,
        message: String,
    },
    /// The group (or stream) does not exist: the resource never logged in this
    /// account-region, or its logs expired.
    #[error("{0} does not exist")]
    NotFound(String),
    /// Anything else (credentials, network, throttling), already phrased for the user.
    #[error("{0}")]
    Other(String),
}

/// CloudWatch Logs in one account and region. Each call is one AWS request, so callers can
/// count and pace them.
pub trait LogSource: Send + Sync {
    /// One page (up to 50) of the streams of `group` whose names start with `prefix`
    /// (`DescribeLogStreams`; AWS cannot order by last event time under a prefix, so
    /// [`list_streams`] sorts them).
    fn streams<'a>(
        &'a self,
        group: &'a str,
        prefix: &'a str,
        next_token: Option<String>,
    ) -> BoxFuture<'a, Result<StreamPage, LogsError>>;

    /// One page of one stream, oldest first from `start_ms` (`GetLogEvents` with
    /// `startFromHead`); `next_token` is the forward token, which stays the same once the end
    /// of the stream is reached.
    fn stream_events<'a>(
        &'a self,
        group: &'a str,
        stream: &'a str,
        start_ms: Option<i64>,
        next_token: Option<String>,
    ) -> BoxFuture<'a, Result<EventPage, LogsError>>;

    /// One page of several streams interleaved by time from `start_ms` (`FilterLogEvents`,
    /// at most 100 streams, or every stream of the group when `streams` is empty); events
    /// carry their ids.
    fn filter_events<'a>(
        &'a self,
        group: &'a str,
        streams: &'a [String],
        start_ms: Option<i64>,
        next_token: Option<String>,
    ) -> BoxFuture<'a, Result<EventPage, LogsError>>;
}

/// CloudWatch Logs of any configured account, with that account's own credentials: what the
/// terminal UI and `sagescope logs` are handed (the live fetcher, the demo world, fakes).
pub trait LogAccess: Send + Sync {
    /// The logs of the account configured as `account` (its name), in `region`.
    fn logs<'a>(
        &'a self,
        account: &'a str,
        region: &'a str,
    ) -> BoxFuture<'a, Result<Arc<dyn LogSource>, LogsError>>;

    /// The regions `account` is read in (its configured ones, else its profile's), for a
    /// search of resources the cache does not know.
    fn regions<'a>(&'a self, account: &'a str) -> BoxFuture<'a, Result<Vec<String>, LogsError>>;
}
