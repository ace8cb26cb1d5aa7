//! `[stream]`: the monitoring account's log group that the organization's SageMaker events are
//! written to (EventBridge → CloudWatch Logs), read as the live source of state changes; the
//! full listing then runs only as a slow reconcile (`refresh.reconcile_minutes`).

use serde::Deserialize;
use toml::Spanned;

use super::raw::{Bounded, NonEmpty};
use super::{AccountConfig, ConfigError};

/// Where the organization's event stream is read, and how often.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StreamConfig {
    /// Whose credentials read the group: an `[[accounts]]` name, or a 12-digit id of an
    /// account that organization discovery finds.
    pub account: String,
    /// The group's region; `None` is the account's first.
    pub region: Option<String>,
    pub log_group: String,
    /// One `FilterLogEvents` per poll for the whole organization.
    pub poll_seconds: u64,
    /// No successful read for this long and the stream counts as down: polling resumes.
    pub stale_seconds: u64,
}

/// `[stream]` as written.
#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub(super) struct RawStream {
    pub account: Option<Spanned<String>>,
    pub region: Option<super::raw::Region>,
    pub log_group: Option<NonEmpty>,
    pub poll_seconds: Option<Bounded<1, 3_600>>,
    pub stale_seconds: Option<Bounded<5, 86_400>>,
}

/// `[stream]` checked against the accounts; `at` points an error at a place in the file.
pub(super) fn from_raw(
    raw: Spanned<RawStream>,
    accounts: &[AccountConfig],
    at: &dyn Fn(usize, String, Option<String>) -> ConfigError,
) -> Result<StreamConfig, ConfigError> {
    let span = raw.span();
    let raw = raw.into_inner();
    let Some(log_group) = raw.log_group else {
        return Err(at(
            span.start,
            "[stream] needs `log_group`: the monitoring account's log group the events are \
             written to"
                .into(),
            Some("log_group = \"/sagescope/sagemaker-events\"".into()),
        ));
    };
    let account = match raw.account {
        // A discovered account is named by its id: it is not in the file to be named.
        Some(spanned) if crate::stream::decode::is_account_id(spanned.get_ref()) => {
            spanned.into_inner()
        }
        Some(spanned) => super::account_named(spanned, "stream.account", accounts, at)?,
        None => match accounts.first() {
            Some(first) => first.name.clone(),
            None => {
                return Err(at(
                    span.start,
                    "[stream] needs an account to read the log group with, and no [[accounts]] \
                     entry is configured"
                        .into(),
                    Some("set stream.account to the monitoring account".into()),
                ));
            }
        },
    };
    let seconds = |n: i64| u64::try_from(n).unwrap_or(u64::MAX);
    Ok(StreamConfig {
        account,
        region: raw.region.map(|r| r.0),
        log_group: log_group.0,
        poll_seconds: raw.poll_seconds.map_or(2, |n| seconds(n.0)),
        stale_seconds: raw.stale_seconds.map_or(60, |n| seconds(n.0)),
    })
}
