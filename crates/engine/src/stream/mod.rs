//! The organization's event stream (`[stream]`): SageMaker's own state-change events, forwarded
//! by EventBridge from every account to one log group, read every `poll_seconds` with one
//! `FilterLogEvents` for the whole organization, and applied to the rows they are about.
//!
//! An event goes down the same path as a listing: its scope's rows are rewritten in the cache
//! ([`crate::cache::Cache::save_scope`]), the UI gets the scope's rows, and what changed
//! becomes events against the same last-seen state ([`crate::events`]), so a failure the
//! stream reports raises one `job_failed` and the listing that later sees it raises none.
//!
//! Delivery is at least once and unordered: the reader drops events already read (by id) and
//! a row takes an event only when it is newer than what the row says ([`merge`]). A listing
//! that started before an event and ends after it would take the row back; the session hands
//! each listing's rows through [`Stream::keep_newer`] first.
//!
//! While the stream is live the listings run only every `refresh.reconcile_minutes`; a failed
//! read, or none for `stale_seconds`, and they resume at once ([`StreamHealth::is_live`]).

mod health;
pub mod merge;
pub mod reader;
#[cfg(test)]
mod tests;

use std::collections::{BTreeMap, HashMap, HashSet};
use std::sync::Mutex;
use std::time::Duration;

use chrono::{DateTime, Utc};

use crate::events::{Observation, Observed, TagCheck};
use crate::logs::{LogAccess, LogEvent};
use crate::session::lock;
use crate::store::{Store, StoreError};
use sagescope_core::config::StreamConfig;
use sagescope_core::model::{AttributionSource, Event, EventKind, Job, ResourceKind, ScopeKey};
use sagescope_core::stream::{Decoded, StreamChange, decode};
use sagescope_core::trail::{self, Attribution};

use crate::creators::Creators;

/// The detail-type under which EventBridge carries CloudTrail's record of an API call.
const API_CALL: &str = "AWS API Call via CloudTrail";

pub use health::StreamHealth;

/// The kinds SageMaker sends state-change events for (and sagescope lists): what the stream
/// keeps fresh. The others (Studio apps, inference components, the catalogue kinds) change
/// only with the reconcile.
pub const STREAMED_KINDS: [ResourceKind; 7] = [
    ResourceKind::Training,
    ResourceKind::Processing,
    ResourceKind::Transform,
    ResourceKind::Tuning,
    ResourceKind::Endpoint,
    ResourceKind::Notebook,
    ResourceKind::HyperPodCluster,
];

/// What one poll did.
#[derive(Debug, Clone, Default)]
pub struct StreamPoll {
    /// Every scope an event changed, with all its rows as they now stand.
    pub scopes: Vec<(ScopeKey, Vec<Job>)>,
    /// What changed (alerts and timeline entries), each announced once.
    pub events: Vec<Event>,
    pub health: StreamHealth,
    /// Why the changes could not be committed (the rows on screen still follow them).
    pub store_error: Option<String>,
}

/// See the module documentation. One per session.
pub struct Stream {
    config: StreamConfig,
    reader: tokio::sync::Mutex<reader::Cursor>,
    health: Mutex<StreamHealth>,
    /// Rows as the stream last left them, by ARN, until a listing has caught up with them.
    marks: Mutex<HashMap<String, Job>>,
    /// The envelope ids of the events applied lately: EventBridge may deliver one event twice,
    /// each a log event of its own.
    recent: Mutex<RecentIds>,
}

/// The last [`RecentIds::KEEP`] envelope ids, oldest first out.
#[derive(Debug, Default)]
struct RecentIds {
    order: std::collections::VecDeque<String>,
    ids: HashSet<String>,
}

impl RecentIds {
    const KEEP: usize = 10_000;

    /// Whether `id` is new; remembers it.
    fn first_time(&mut self, id: &str) -> bool {
        if self.ids.contains(id) {
            return false;
        }
        self.ids.insert(id.to_string());
        self.order.push_back(id.to_string());
        if self.order.len() > Self::KEEP
            && let Some(oldest) = self.order.pop_front()
        {
            self.ids.remove(&oldest);
        }
        true
    }
}

impl Stream {
    /// A stream that reports what happens from `now` on.
    pub fn new(config: &StreamConfig, now: DateTime<Utc>) -> Self {
        Stream {
            config: config.clone(),
            reader: tokio::sync::Mutex::new(reader::Cursor::starting_at(now.timestamp_millis())),
            health: Mutex::new(StreamHealth::default()),
            marks: Mutex::new(HashMap::new()),
            recent: Mutex::new(RecentIds::default()),
        }
    }

    pub fn poll_every(&self) -> Duration {
        Duration::from_secs(self.config.poll_seconds.max(1))
    }

    pub fn stale_after(&self) -> Duration {
        Duration::from_secs(self.config.stale_seconds)
    }

    /// The stream as the last poll left it.
    pub fn health(&self) -> StreamHealth {
        lock(&self.health).clone()
    }

    /// Whether the listings may slow to the reconcile pace now.
    pub fn is_live(&self, now: DateTime<Utc>) -> bool {
        lock(&self.health).is_live(now, self.stale_after())
    }

    /// Reads what was written to the group since the last poll and applies it. `accounts` maps
    /// the id of every account sagescope reads to its name: events of any other account are
    /// skipped. `logs` reads the group with the stream account's credentials.
    pub async fn poll(
        &self,
        logs: &dyn LogAccess,
        accounts: &HashMap<String, String>,
        store: &Store,
        creators: &Creators,
        retention_days: u32,
    ) -> StreamPoll {
        let mut poll = StreamPoll::default();
        let read = self.read(logs, accounts).await;
        let now = Utc::now();
        let events = match read {
            Ok(events) => {
                let mut health = lock(&self.health);
                health.last_read_at = Some(now);
                health.error = None;
                events
            }
            Err(error) => {
                tracing::warn!("stream: cannot read {}: {error}", self.config.log_group);
                let mut health = lock(&self.health);
                health.error = Some(error);
                poll.health = health.clone();
                return poll;
            }
        };
        let (changes, calls) = self.decode_all(&events, accounts);
        if !changes.is_empty() {
            match self.apply(changes, store, retention_days).await {
                Ok((scopes, events)) => {
                    poll.scopes = scopes;
                    poll.events = events;
                }
                Err(err) => {
                    tracing::warn!("stream: cannot commit what the events said: {err}");
                    poll.store_error = Some(err.to_string());
                }
            }
        }
        if !calls.is_empty() {
            match attribute(calls, accounts, store, creators).await {
                Ok(scopes) => poll.scopes.extend(scopes),
                Err(err) => {
                    tracing::warn!("stream: cannot keep who made the calls: {err}");
                    poll.store_error.get_or_insert(err.to_string());
                }
            }
        }
        poll.health = self.health();
        poll
    }

    /// One read of the group, with the stream account's credentials. On failure, why (for
    /// the status bar).
    async fn read(
        &self,
        logs: &dyn LogAccess,
        accounts: &HashMap<String, String>,
    ) -> Result<Vec<LogEvent>, String> {
        // A discovered account is configured by its id; the logs are reached by name.
        let account = accounts
            .get(&self.config.account)
            .cloned()
            .unwrap_or_else(|| self.config.account.clone());
        let region = match &self.config.region {
            Some(region) => region.clone(),
            None => logs
                .regions(&account)
                .await
                .map_err(|e| e.to_string())?
                .into_iter()
                .next()
                .ok_or_else(|| format!("account `{account}` has no region to read"))?,
        };
        let source = logs
            .logs(&account, &region)
            .await
            .map_err(|e| e.to_string())?;
        let mut cursor = self.reader.lock().await;
        // A read that hangs must not hold the listings back: past `stale_seconds` the stream
        // is down like after a failed read.
        let read = cursor.read(source.as_ref(), &self.config.log_group);
        match tokio::time::timeout(self.stale_after(), read).await {
            Ok(Ok(events)) => Ok(events),
            Ok(Err(err)) => Err(err.to_string()),
            Err(_) => Err(format!("no answer within {} s", self.config.stale_seconds)),
        }
    }

    /// The events' changes, oldest first, and the calls CloudTrail recorded (who created,
    /// stopped or deleted what); the rest counted as skipped (and logged, bounded).
    fn decode_all(
        &self,
        events: &[LogEvent],
        accounts: &HashMap<String, String>,
    ) -> (Vec<(String, StreamChange)>, Vec<Attribution>) {
        let ids: HashMap<&str, &str> = accounts
            .iter()
            .map(|(id, name)| (id.as_str(), name.as_str()))
            .collect();
        let mut changes = Vec::new();
        let mut calls: Vec<Attribution> = Vec::new();
        let mut health = lock(&self.health);
        let mut recent = lock(&self.recent);
        for event in events {
            match decode(&event.message) {
                Ok(Decoded::Change(change)) if !recent.first_time(&change.event_id) => {
                    tracing::debug!(id = %change.event_id, "stream: an event delivered again");
                }
                Ok(Decoded::Change(change)) => {
                    health.last_event_at = Some(
                        health
                            .last_event_at
                            .map_or(change.time, |t| t.max(change.time)),
                    );
                    match ids.get(change.account_id.as_str()) {
                        Some(name) => changes.push((name.to_string(), change)),
                        None => {
                            health.skipped += 1;
                            tracing::info!(
                                account = %change.account_id,
                                "stream: skipped an event of an account sagescope does not read"
                            );
                        }
                    }
                }
                Ok(Decoded::Ignored(API_CALL)) => match trail::decode_eventbridge(&event.message) {
                    Ok(Some(call)) if !recent.first_time(&format!("trail:{}", call.event_id)) => {}
                    Ok(Some(call)) if ids.contains_key(call.account_id.as_str()) => {
                        calls.push(call);
                    }
                    Ok(Some(call)) => {
                        health.skipped += 1;
                        tracing::info!(
                            account = %call.account_id,
                            "stream: skipped a call in an account sagescope does not read"
                        );
                    }
                    Ok(None) => {}
                    Err(skip) => {
                        health.skipped += 1;
                        tracing::info!(id = ?event.id, "stream: skipped a CloudTrail call: {skip}");
                    }
                },
                Ok(Decoded::Ignored(kind)) => {
                    tracing::debug!("stream: {kind} is not a row's state");
                }
                Err(skip) => {
                    health.skipped += 1;
                    tracing::info!(id = ?event.id, "stream: skipped an event: {skip}");
                }
            }
        }
        changes.sort_by_key(|(_, c)| (c.time, c.last_modified_at));
        calls.sort_by_key(|call| call.time);
        (changes, calls)
    }

    /// Applies `changes` to their scopes in the cache and derives their events, all on the
    /// store thread. Returns every changed scope with its rows, and the events.
    async fn apply(
        &self,
        changes: Vec<(String, StreamChange)>,
        store: &Store,
        retention_days: u32,
    ) -> Result<(Vec<(ScopeKey, Vec<Job>)>, Vec<Event>), StoreError> {
        let applied = store
            .run(move |cache| apply_in_cache(cache, changes))
            .await?
            .map_err(StoreError::from)?;
        let mut scopes = Vec::with_capacity(applied.len());
        let mut touched = Vec::new();
        for (scope, rows, changed) in applied {
            touched.extend(changed);
            scopes.push((scope, rows));
        }
        {
            let mut marks = lock(&self.marks);
            for row in &touched {
                marks.insert(row.arn.clone(), row.clone());
            }
        }
        lock(&self.health).applied += touched.len() as u64;
        let observation = Observation {
            at: Some(Utc::now()),
            resources: touched
                .into_iter()
                .map(|job| Observed {
                    job,
                    idle: None,
                    tags: TagCheck::Unchecked,
                })
                .collect(),
            streamed: true,
            ..Observation::default()
        };
        let events = crate::refresh::record(store, observation, retention_days).await?;
        Ok((scopes, events))
    }

    /// Keeps what the stream said in `rows` (a listing's) where it is newer than what the
    /// listing read: a listing that started before an event must not take its row back.
    pub fn keep_newer(&self, rows: &mut [Job]) {
        let marks = lock(&self.marks);
        if marks.is_empty() {
            return;
        }
        for row in rows.iter_mut() {
            let Some(mark) = marks.get(&row.arn) else {
                continue;
            };
            if stream_is_newer(mark, row) {
                row.status = mark.status.clone();
                row.failure_reason = mark.failure_reason.clone();
                row.ended_at = mark.ended_at.or(row.ended_at);
                row.last_modified_at = mark.last_modified_at.or(row.last_modified_at);
                row.streamed_at = mark.streamed_at;
            }
        }
    }

    /// A whole listing has been committed: the marks it caught up with are no longer needed,
    /// and (while the stream was live since before it began) every change it found that the
    /// stream had not said is counted as missed.
    pub fn after_listing(&self, rows: &[Job], events: &[Event], stream_was_live: bool) {
        {
            let mut marks = lock(&self.marks);
            let listed: HashMap<&str, &Job> = rows.iter().map(|r| (r.arn.as_str(), r)).collect();
            marks.retain(|arn, mark| {
                listed
                    .get(arn.as_str())
                    .is_some_and(|row| stream_is_newer(mark, row))
            });
        }
        if !stream_was_live {
            return;
        }
        let missed = events
            .iter()
            .filter(|e| e.kind.is_some_and(|k| STREAMED_KINDS.contains(&k)))
            .filter(|e| {
                !matches!(
                    e.event,
                    EventKind::EndpointIdle
                        | EventKind::NewUntagged
                        | EventKind::BudgetForecastCrossed
                )
            })
            .count() as u64;
        if missed > 0 {
            tracing::warn!(
                missed,
                "stream: the reconcile found changes the stream did not say"
            );
            lock(&self.health).missed += missed;
        }
    }
}

/// Whether the stream's row says something newer than the listing's `row`.
fn stream_is_newer(mark: &Job, row: &Job) -> bool {
    if mark.status == row.status {
        return false;
    }
    match (mark.last_modified_at, row.last_modified_at) {
        (Some(stream), Some(listed)) => stream > listed,
        // A transform event has no modification time: a listing that still says the job is
        // running is older than the event that ended it.
        _ => mark.status.is_finished() && !row.status.is_finished(),
    }
}

/// One scope's rows with the changes applied, and the rows that changed.
type Applied = (ScopeKey, Vec<Job>, Vec<Job>);

/// Keeps who made `calls` (the creators table, then the session's copy); returns the scopes
/// they are about, as they now read (the records laid over), when any record changed.
async fn attribute(
    calls: Vec<Attribution>,
    accounts: &HashMap<String, String>,
    store: &Store,
    creators: &Creators,
) -> Result<Vec<(ScopeKey, Vec<Job>)>, StoreError> {
    let mut scopes: Vec<ScopeKey> = calls
        .iter()
        .filter_map(|call| {
            Some(ScopeKey {
                account: accounts.get(&call.account_id)?.clone(),
                region: call.region.clone(),
                kind: call.kind,
            })
        })
        .collect();
    scopes.sort();
    scopes.dedup();
    let (changed, read) = store
        .run(move |cache| {
            let changed = cache.record_creators(&calls, AttributionSource::Stream)?;
            let read = if changed.is_empty() {
                Vec::new()
            } else {
                cache.scopes_with_creators(&scopes)?
            };
            Ok::<_, crate::cache::CacheError>((changed, read))
        })
        .await?
        .map_err(StoreError::from)?;
    creators.learn(changed);
    Ok(read)
}

/// Applies `changes` (each with its account's name) to their scopes' rows in the cache: each
/// scope read, changed and written back in its own transaction, as a listing writes it.
fn apply_in_cache(
    cache: &mut crate::cache::Cache,
    changes: Vec<(String, StreamChange)>,
) -> Result<Vec<Applied>, crate::cache::CacheError> {
    let mut by_scope: BTreeMap<ScopeKey, Vec<(String, StreamChange)>> = BTreeMap::new();
    for (name, change) in changes {
        let scope = ScopeKey {
            account: name.clone(),
            region: change.region.clone(),
            kind: change.kind,
        };
        by_scope.entry(scope).or_default().push((name, change));
    }
    let mut applied = Vec::new();
    for (scope, changes) in by_scope {
        // A scope never listed is dated now: its only rows are the stream's.
        let (as_of, mut rows) = cache
            .load_scope(&scope)?
            .unwrap_or_else(|| (Utc::now(), Vec::new()));
        let mut touched = HashSet::new();
        // Another sagescope process on this cache (`watch` beside the UI) may have applied an
        // event first: the row is news to this one's screen all the same, though not again
        // to the timeline.
        let mut applied_elsewhere = false;
        for (name, change) in &changes {
            match rows
                .iter_mut()
                .find(|row| merge::same_resource(row, change))
            {
                Some(row) => match merge::apply(row, change) {
                    merge::Merge::Applied => {
                        touched.insert(row.arn.clone());
                    }
                    merge::Merge::Stale => {
                        applied_elsewhere |=
                            row.streamed_at == Some(change.time) && row.status == change.status;
                    }
                },
                None => {
                    let row = merge::new_row(change, name);
                    touched.insert(row.arn.clone());
                    rows.push(row);
                }
            }
        }
        if touched.is_empty() {
            if applied_elsewhere {
                applied.push((scope, rows, Vec::new()));
            }
            continue;
        }
        // A resource the stream inserts may have had its creation call read first.
        cache.overlay_creators(&mut rows)?;
        cache.save_scope(&scope, as_of, &rows, &[])?;
        let changed = rows
            .iter()
            .filter(|r| touched.contains(&r.arn))
            .cloned()
            .collect();
        applied.push((scope, rows, changed));
    }
    Ok(applied)
}
