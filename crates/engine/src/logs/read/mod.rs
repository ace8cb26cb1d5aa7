//! Reading a resource's logs: its streams newest first, then everything new since the last
//! read, as often as a follow asks, each event exactly once.
//!
//! One stream is read with `GetLogEvents` and its forward token: the token says where the
//! last read stopped, and AWS answers the same token again at the end of the stream, so a
//! poll with nothing new costs one request and returns nothing twice.
//!
//! Several streams (every host of a training job) are read interleaved with
//! `FilterLogEvents`, which has no forward token: each poll asks again from a little before
//! the newest event seen ([`OVERLAP_MS`], so an event that reached CloudWatch late with an
//! earlier timestamp is still found) and skips the event ids already delivered.

use std::collections::{BTreeMap, BTreeSet};

use super::{LogEvent, LogSource, LogStream, LogsError};

/// A guard against a server that keeps answering with new tokens.
const MAX_PAGES: usize = 1000;

/// How far before the newest event seen an interleaved poll asks again: CloudWatch agents
/// send in batches a few seconds apart, so an event can arrive with a timestamp older than
/// one already read from another host.
pub const OVERLAP_MS: i64 = 60_000;

/// The most streams one `FilterLogEvents` request may name.
pub const MAX_FILTER_STREAMS: usize = 100;

/// Where the next read starts.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Cursor {
    /// One stream: `start_ms` for the first read, then the forward token.
    Stream {
        stream: String,
        start_ms: Option<i64>,
        token: Option<String>,
    },
    /// Several streams interleaved: `start_ms` for the first read, then from [`OVERLAP_MS`]
    /// before `newest_ms`, skipping `seen` (event id -> timestamp, pruned to the overlap).
    Merged {
        streams: Vec<String>,
        start_ms: Option<i64>,
        newest_ms: Option<i64>,
        seen: BTreeMap<String, i64>,
    },
}

impl Cursor {
    /// A cursor at `start_ms` (or the beginning) over `streams`.
    pub fn new(streams: &[String], start_ms: Option<i64>) -> Cursor {
        match streams {
            [one] => Cursor::Stream {
                stream: one.clone(),
                start_ms,
                token: None,
            },
            many => Cursor::Merged {
                streams: many.iter().take(MAX_FILTER_STREAMS).cloned().collect(),
                start_ms,
                newest_ms: None,
                seen: BTreeMap::new(),
            },
        }
    }
}

/// What one read brought: the new events, oldest first, and where the next read starts.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Batch {
    pub events: Vec<LogEvent>,
    pub cursor: Cursor,
    /// AWS requests the read made.
    pub requests: u32,
}

/// Every event after `cursor`, all pages, oldest first. On an error nothing is consumed:
/// reading again from the same cursor loses nothing.
pub async fn read_new(
    source: &dyn LogSource,
    group: &str,
    cursor: &Cursor,
) -> Result<Batch, LogsError> {
    match cursor {
        Cursor::Stream {
            stream,
            start_ms,
            token,
        } => read_stream(source, group, stream, *start_ms, token.clone()).await,
        Cursor::Merged {
            streams,
            start_ms,
            newest_ms,
            seen,
        } => read_merged(source, group, streams, *start_ms, *newest_ms, seen).await,
    }
}

async fn read_stream(
    source: &dyn LogSource,
    group: &str,
    stream: &str,
    start_ms: Option<i64>,
    mut token: Option<String>,
) -> Result<Batch, LogsError> {
    let mut events = Vec::new();
    let mut requests = 0;
    for _ in 0..MAX_PAGES {
        let page = source
            .stream_events(group, stream, start_ms, token.clone())
            .await?;
        requests += 1;
        events.extend(page.events);
        // The same token again (or none) is the end of the stream for now; an empty page
        // with a new token is not (AWS may answer one while more events wait).
        let at_end = page.next_token.is_none() || page.next_token == token;
        if page.next_token.is_some() {
            token = page.next_token;
        }
        if at_end {
            break;
        }
    }
    Ok(Batch {
        events,
        cursor: Cursor::Stream {
            stream: stream.to_string(),
            start_ms,
            token,
        },
        requests,
    })
}

async fn read_merged(
    source: &dyn LogSource,
    group: &str,
    streams: &[String],
    start_ms: Option<i64>,
    newest_ms: Option<i64>,
    seen: &BTreeMap<String, i64>,
) -> Result<Batch, LogsError> {
    // FilterLogEvents without stream names reads the whole group: no streams, no read.
    if streams.is_empty() {
        return Ok(Batch {
            events: Vec::new(),
            cursor: Cursor::new(streams, start_ms),
            requests: 0,
        });
    }
    let from = match newest_ms {
        // Timestamps are CloudWatch's to set: saturate rather than overflow at the extremes.
        Some(newest) => Some(newest.saturating_sub(OVERLAP_MS)),
        None => start_ms,
    };
    let mut fetched = Vec::new();
    let mut requests = 0;
    let mut token = None;
    for _ in 0..MAX_PAGES {
        let page = source.filter_events(group, streams, from, token).await?;
        requests += 1;
        fetched.extend(page.events);
        match page.next_token {
            Some(next) if !next.is_empty() => token = Some(next),
            _ => break,
        }
    }
    let mut seen = seen.clone();
    let mut delivered: BTreeSet<String> = BTreeSet::new();
    let mut events: Vec<LogEvent> = fetched
        .into_iter()
        .filter(|event| {
            let key = event_key(event);
            !seen.contains_key(&key) && delivered.insert(key)
        })
        .collect();
    // Pages of several streams need not be interleaved across pages (moto answers stream by
    // stream): the batch is put in time order as a whole, stably.
    events.sort_by_key(|event| event.timestamp_ms);
    for event in &events {
        seen.insert(event_key(event), event.timestamp_ms);
    }
    let newest_ms = events.iter().map(|e| e.timestamp_ms).chain(newest_ms).max();
    if let Some(newest) = newest_ms {
        seen.retain(|_, at| *at >= newest.saturating_sub(OVERLAP_MS));
    }
    Ok(Batch {
        events,
        cursor: Cursor::Merged {
            streams: streams.to_vec(),
            start_ms,
            newest_ms,
            seen,
        },
        requests,
    })
}

/// What tells two events apart: the id CloudWatch gives, else where and what they are.
fn event_key(event: &LogEvent) -> String {
    match &event.id {
        Some(id) => id.clone(),
        None => format!("{}@{}@{}", event.stream, event.timestamp_ms, event.message),
    }
}

/// Every stream of `group` under `prefix`, newest event first (streams without events
/// last), with the requests it took.
pub async fn list_streams(
    source: &dyn LogSource,
    group: &str,
    prefix: &str,
) -> Result<(Vec<LogStream>, u32), LogsError> {
    let mut streams = Vec::new();
    let mut token = None;
    let mut requests = 0;
    for _ in 0..MAX_PAGES {
        let page = source.streams(group, prefix, token).await?;
        requests += 1;
        streams.extend(page.streams);
        match page.next_token {
            Some(next) if !next.is_empty() => token = Some(next),
            _ => break,
        }
    }
    streams.sort_by(|a, b| {
        b.last_event_ms
            .cmp(&a.last_event_ms)
            .then_with(|| a.name.cmp(&b.name))
    });
    Ok((streams, requests))
}

#[cfg(test)]
mod tests;
