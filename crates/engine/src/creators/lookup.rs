//! `[cloudtrail] lookup = true`: the creators the stream has not given, from
//! `cloudtrail:LookupEvents` in each account-region.
//!
//! LookupEvents takes one lookup attribute per call and answers at most 50 events a page, 2
//! requests a second per account-region. Asking by resource would cost one request per
//! resource; asking by call (`EventName = CreateTrainingJob`) over the window the unattributed
//! resources were created in costs one request per 50 creations. So a pass asks, in each
//! account-region, each `Create*` call of a kind that has resources without a creator, from
//! just before the oldest of them, and pages to the end.
//!
//! What it costs, and why a second pass asks nothing:
//! - resources with a creator, or older than CloudTrail's 90 days, are never asked about;
//! - each (account, region, call) remembers how far it was read (`trail_scans`): a resource
//!   created before that, with no record found, is not asked about again. The mark stays
//!   [`DELIVERY_DELAY`] behind the clock, since CloudTrail takes minutes to show a call;
//! - requests in one account-region go one at a time, [`SPACING`] apart (under the quota of
//!   2 a second); account-regions run side by side. A throttled request waits and is asked
//!   again; a refused one ends that account-region's pass with its error, the others carry on.
//!
//! The session runs the pass last, once the refresh is committed and its events recorded (so
//! the stream may start): lowest priority.

use std::collections::{BTreeMap, HashMap};
use std::sync::Arc;
use std::time::Duration;

use chrono::{DateTime, Utc};
use futures::StreamExt;
use futures::future::BoxFuture;

use super::Creators;
use crate::fetch::JobFetcher;
use crate::store::Store;
use sagescope_core::model::{AttributionSource, Job, ResourceKind, beyond_history};
use sagescope_core::trail::{self, Action, Attribution};

/// Time between two requests in one account-region: under LookupEvents' 2 a second.
pub const SPACING: Duration = Duration::from_millis(550);
/// How long CloudTrail may take to show a call in its event history.
pub const DELIVERY_DELAY: chrono::Duration = chrono::Duration::minutes(15);
/// A throttled request is asked again this many times, [`THROTTLE_WAIT`] apart.
const THROTTLE_RETRIES: u32 = 4;
const THROTTLE_WAIT: Duration = Duration::from_secs(1);
/// Account-regions read side by side.
const PARALLEL: usize = 16;

/// One page of `LookupEvents`.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct TrailPage {
    /// Each event's `CloudTrailEvent`: the whole record as JSON text.
    pub records: Vec<String>,
    /// `None` on the last page.
    pub next_token: Option<String>,
}

/// Why a `LookupEvents` call failed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum TrailError {
    #[error("throttled by CloudTrail on LookupEvents")]
    Throttled,
    #[error("access denied to cloudtrail:LookupEvents ({0}); see `sagescope iam-policy`")]
    Denied(String),
    #[error("LookupEvents failed: {0}")]
    Other(String),
}

/// CloudTrail's event history in one account and region.
pub trait TrailSource: Send + Sync {
    /// One page (up to 50, newest first) of the events named `event_name` between `start`
    /// and `end`: exactly one request.
    fn lookup<'a>(
        &'a self,
        event_name: &'a str,
        start: DateTime<Utc>,
        end: DateTime<Utc>,
        next_token: Option<String>,
    ) -> BoxFuture<'a, Result<TrailPage, TrailError>>;
}

/// What one pass did.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct LookupOutcome {
    /// LookupEvents requests made (throttled ones included).
    pub requests: u64,
    /// Of those, refused for the rate.
    pub throttled: u64,
    /// Records that changed in the `creators` table.
    pub recorded: usize,
    /// One line per account-region whose pass failed.
    pub errors: Vec<String>,
    /// How long the pass took, the store's work included.
    pub elapsed: Duration,
}

impl LookupOutcome {
    /// One line for the notes: what the pass found and cost.
    pub fn summary(&self) -> String {
        format!(
            "creators: {} recorded from CloudTrail LookupEvents, {} request(s) in {:.1} s{}",
            self.recorded,
            self.requests,
            self.elapsed.as_secs_f64(),
            if self.throttled > 0 {
                format!(", {} throttled", self.throttled)
            } else {
                String::new()
            }
        )
    }
}

/// The `Create*` calls CloudTrail records for resources of `kind`.
pub fn create_calls(kind: ResourceKind) -> Vec<&'static str> {
    trail::event_names()
        .filter(|(_, action, k)| *action == Action::Create && *k == kind)
        .map(|(name, _, _)| name)
        .collect()
}

/// One (account, region, call) to read, and from when.
#[derive(Debug, Clone, PartialEq)]
pub struct Ask {
    pub account_name: String,
    pub account_id: String,
    pub region: String,
    pub event_name: &'static str,
    pub start: DateTime<Utc>,
}

/// The asks that cover `rows` without a creator: per (account, region, call), from just
/// before the oldest such resource created since that call was last read up to
/// (`scanned_until`). Pure.
pub fn plan(
    rows: &[Job],
    has_creator: impl Fn(&Job) -> bool,
    scanned_until: impl Fn(&str, &str, &str) -> Option<DateTime<Utc>>,
    now: DateTime<Utc>,
) -> Vec<Ask> {
    let mut oldest: BTreeMap<(String, String, String, &'static str), DateTime<Utc>> =
        BTreeMap::new();
    for row in rows {
        if has_creator(row) || beyond_history(row.created_at, now) {
            continue;
        }
        for event_name in create_calls(row.kind) {
            let scanned = scanned_until(&row.account_id, &row.region, event_name);
            if scanned.is_some_and(|until| row.created_at < until) {
                continue;
            }
            let key = (
                row.account_name.to_string(),
                row.account_id.to_string(),
                row.region.to_string(),
                event_name,
            );
            let entry = oldest.entry(key).or_insert(row.created_at);
            *entry = (*entry).min(row.created_at);
        }
    }
    let history = now - chrono::Duration::days(sagescope_core::model::CLOUDTRAIL_HISTORY_DAYS);
    oldest
        .into_iter()
        .map(
            |((account_name, account_id, region, event_name), oldest)| Ask {
                account_name,
                account_id,
                region,
                event_name,
                // A create call is logged a moment before the resource's creation time.
                start: (oldest - chrono::Duration::minutes(5)).max(history),
            },
        )
        .collect()
}

/// Reads every ask of one account-region, one request at a time.
async fn read_account_region(
    source: Arc<dyn TrailSource>,
    asks: Vec<Ask>,
    now: DateTime<Utc>,
) -> (Vec<Attribution>, Vec<Ask>, LookupOutcome) {
    let mut outcome = LookupOutcome::default();
    let mut found = Vec::new();
    let mut done = Vec::new();
    let mut next_at = tokio::time::Instant::now();
    'asks: for ask in asks {
        let mut token = None;
        loop {
            let mut attempt = 0;
            let page = loop {
                tokio::time::sleep_until(next_at).await;
                next_at = tokio::time::Instant::now() + SPACING;
                outcome.requests += 1;
                match source
                    .lookup(ask.event_name, ask.start, now, token.clone())
                    .await
                {
                    Err(TrailError::Throttled) if attempt < THROTTLE_RETRIES => {
                        outcome.throttled += 1;
                        attempt += 1;
                        next_at = tokio::time::Instant::now() + THROTTLE_WAIT;
                    }
                    Err(err) => {
                        if err == TrailError::Throttled {
                            outcome.throttled += 1;
                        }
                        outcome.errors.push(format!(
                            "{} {}: {err}",
                            sagescope_core::sanitize::plain(&ask.account_name),
                            ask.region
                        ));
                        break 'asks;
                    }
                    Ok(page) => break page,
                }
            };
            for record in &page.records {
                let Ok(value) = serde_json::from_str::<serde_json::Value>(record) else {
                    continue;
                };
                if let Ok(Some(attribution)) = trail::decode_record(&value) {
                    found.push(attribution);
                }
            }
            match page.next_token {
                Some(next) => token = Some(next),
                None => break,
            }
        }
        done.push(ask);
    }
    (found, done, outcome)
}

/// One pass over `rows`: asks CloudTrail for the creators not known yet, records what it
/// finds in the cache and in `creators`, and marks how far each call was read.
pub async fn attribute(
    fetcher: &JobFetcher,
    store: &Store,
    creators: &Creators,
    rows: &[Job],
    now: DateTime<Utc>,
) -> LookupOutcome {
    let started = std::time::Instant::now();
    let mut outcome = attribute_from(fetcher, store, creators, rows, now).await;
    outcome.elapsed = started.elapsed();
    outcome
}

async fn attribute_from(
    fetcher: &JobFetcher,
    store: &Store,
    creators: &Creators,
    rows: &[Job],
    now: DateTime<Utc>,
) -> LookupOutcome {
    let scans = {
        let wanted: Vec<(String, String, &'static str)> = {
            let mut wanted: Vec<_> = rows
                .iter()
                .flat_map(|row| {
                    create_calls(row.kind)
                        .into_iter()
                        .map(move |name| (row.account_id.to_string(), row.region.to_string(), name))
                })
                .collect();
            wanted.sort();
            wanted.dedup();
            wanted
        };
        store
            .run(move |cache| {
                wanted
                    .into_iter()
                    .filter_map(|(account, region, name)| {
                        let until = cache
                            .trail_scanned_until(&account, &region, name)
                            .ok()
                            .flatten()?;
                        Some(((account, region, name), until))
                    })
                    .collect::<HashMap<_, _>>()
            })
            .await
            .unwrap_or_default()
    };
    let asks = plan(
        rows,
        |row| creators.has_creator(row),
        |account, region, name| {
            scans
                .get(&(account.to_string(), region.to_string(), name))
                .copied()
        },
        now,
    );
    if asks.is_empty() {
        return LookupOutcome::default();
    }
    let mut by_place: BTreeMap<(String, String), Vec<Ask>> = BTreeMap::new();
    for ask in asks {
        by_place
            .entry((ask.account_name.clone(), ask.region.clone()))
            .or_default()
            .push(ask);
    }
    let mut outcome = LookupOutcome::default();
    let mut readers = Vec::new();
    for ((account, region), asks) in by_place {
        let source = match fetcher.account_link(&account).await {
            Ok(link) => link.trail_source(&region),
            Err(err) => {
                outcome.errors.push(format!(
                    "{} {region}: {err}",
                    sagescope_core::sanitize::plain(&account)
                ));
                continue;
            }
        };
        match source {
            Some(source) => readers.push(read_account_region(source, asks, now)),
            None => continue,
        }
    }
    let read: Vec<_> = futures::stream::iter(readers)
        .buffer_unordered(PARALLEL)
        .collect()
        .await;
    let mut found = Vec::new();
    let mut done = Vec::new();
    for (attributions, asks, part) in read {
        found.extend(attributions);
        done.extend(asks);
        outcome.requests += part.requests;
        outcome.throttled += part.throttled;
        outcome.errors.extend(part.errors);
    }
    let marks = done
        .into_iter()
        .map(|ask| (ask.account_id, ask.region, ask.event_name))
        .collect();
    let until = now - DELIVERY_DELAY;
    match super::keep(
        store,
        creators,
        found,
        AttributionSource::Lookup,
        marks,
        until,
    )
    .await
    {
        Ok(recorded) => outcome.recorded = recorded,
        Err(err) => outcome.errors.push(err),
    }
    outcome
}
