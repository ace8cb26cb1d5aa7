use std::sync::Mutex;

use futures::future::BoxFuture;

use super::*;
use crate::logs::{EventPage, StreamPage};

/// CloudWatch Logs as the API documents it, small pages so paging is exercised: streams
/// two per page, `GetLogEvents` three events per page with a forward token that stays the
/// same at the end, `FilterLogEvents` two events per page, stream by stream (not
/// interleaved across pages), with ids.
#[derive(Default)]
struct Fake {
    /// stream -> events (timestamp, message)
    streams: Mutex<BTreeMap<String, Vec<(i64, String)>>>,
    requests: Mutex<u32>,
}

impl Fake {
    fn put(&self, stream: &str, at: i64, message: &str) {
        self.streams
            .lock()
            .expect("lock")
            .entry(stream.to_string())
            .or_default()
            .push((at, message.to_string()));
    }
}

impl LogSource for Fake {
    fn streams<'a>(
        &'a self,
        _group: &'a str,
        prefix: &'a str,
        next_token: Option<String>,
    ) -> BoxFuture<'a, Result<StreamPage, LogsError>> {
        Box::pin(async move {
            *self.requests.lock().expect("lock") += 1;
            let all: Vec<LogStream> = self
                .streams
                .lock()
                .expect("lock")
                .iter()
                .filter(|(name, _)| name.starts_with(prefix))
                .map(|(name, events)| LogStream {
                    name: name.clone(),
                    last_event_ms: events.iter().map(|e| e.0).max(),
                })
                .collect();
            let start: usize = next_token.map_or(0, |t| t.parse().expect("token"));
            let end = (start + 2).min(all.len());
            Ok(StreamPage {
                streams: all[start..end].to_vec(),
                next_token: (end < all.len()).then(|| end.to_string()),
            })
        })
    }

    fn stream_events<'a>(
        &'a self,
        _group: &'a str,
        stream: &'a str,
        start_ms: Option<i64>,
        next_token: Option<String>,
    ) -> BoxFuture<'a, Result<EventPage, LogsError>> {
        Box::pin(async move {
            *self.requests.lock().expect("lock") += 1;
            let events: Vec<(i64, String)> = self
                .streams
                .lock()
                .expect("lock")
                .get(stream)
                .cloned()
                .ok_or_else(|| LogsError::NotFound(stream.to_string()))?
                .into_iter()
                .filter(|(at, _)| start_ms.is_none_or(|s| *at >= s))
                .collect();
            // The token is how many events were delivered.
            let start: usize = next_token.map_or(0, |t| t.parse().expect("token"));
            let end = (start + 3).min(events.len()).max(start);
            Ok(EventPage {
                events: events[start..end]
                    .iter()
                    .map(|(at, message)| LogEvent {
                        timestamp_ms: *at,
                        stream: stream.to_string(),
                        message: message.clone(),
                        id: None,
                    })
                    .collect(),
                next_token: Some(end.to_string()),
            })
        })
    }

    fn filter_events<'a>(
        &'a self,
        _group: &'a str,
        streams: &'a [String],
        start_ms: Option<i64>,
        next_token: Option<String>,
    ) -> BoxFuture<'a, Result<EventPage, LogsError>> {
        Box::pin(async move {
            *self.requests.lock().expect("lock") += 1;
            let all: Vec<LogEvent> = self
                .streams
                .lock()
                .expect("lock")
                .iter()
                .filter(|(name, _)| streams.contains(name))
                .flat_map(|(name, events)| {
                    events
                        .iter()
                        .enumerate()
                        .map(move |(i, (at, message))| LogEvent {
                            timestamp_ms: *at,
                            stream: name.clone(),
                            message: message.clone(),
                            id: Some(format!("{name}#{i}")),
                        })
                })
                .filter(|e| start_ms.is_none_or(|s| e.timestamp_ms >= s))
                .collect();
            let start: usize = next_token.map_or(0, |t| t.parse().expect("token"));
            let end = (start + 2).min(all.len());
            Ok(EventPage {
                events: all[start..end].to_vec(),
                next_token: (end < all.len()).then(|| end.to_string()),
            })
        })
    }
}

fn messages(batch: &Batch) -> Vec<&str> {
    batch.events.iter().map(|e| e.message.as_str()).collect()
}

fn runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_current_thread()
        .build()
        .expect("runtime")
}

#[test]
fn one_stream_is_read_to_its_end_and_polls_bring_only_what_is_new() {
    let fake = Fake::default();
    for i in 0..7 {
        fake.put("job/algo-1-1", 1000 + i, &format!("line {i}"));
    }
    let rt = runtime();
    let cursor = Cursor::new(&["job/algo-1-1".to_string()], None);
    let first = rt.block_on(read_new(&fake, "g", &cursor)).expect("reads");
    assert_eq!(
        messages(&first),
        (0..7).map(|i| format!("line {i}")).collect::<Vec<_>>()
    );
    // Three pages of three, then the same token again.
    assert_eq!(first.requests, 4);

    let idle = rt
        .block_on(read_new(&fake, "g", &first.cursor))
        .expect("polls");
    assert!(idle.events.is_empty());
    assert_eq!(idle.requests, 1, "a poll with nothing new is one request");

    fake.put("job/algo-1-1", 2000, "line 7");
    fake.put("job/algo-1-1", 2001, "line 8");
    let more = rt
        .block_on(read_new(&fake, "g", &idle.cursor))
        .expect("polls");
    assert_eq!(messages(&more), ["line 7", "line 8"]);
    let again = rt
        .block_on(read_new(&fake, "g", &more.cursor))
        .expect("polls");
    assert!(again.events.is_empty(), "nothing twice");
}

#[test]
fn several_streams_are_interleaved_and_each_event_comes_once() {
    let fake = Fake::default();
    fake.put("job/algo-1-1", 1000, "a1");
    fake.put("job/algo-2-1", 1500, "b1");
    fake.put("job/algo-1-1", 2000, "a2");
    fake.put("job/algo-2-1", 2500, "b2");
    let streams = ["job/algo-1-1".to_string(), "job/algo-2-1".to_string()];
    let rt = runtime();
    let first = rt
        .block_on(read_new(&fake, "g", &Cursor::new(&streams, None)))
        .expect("reads");
    assert_eq!(messages(&first), ["a1", "b1", "a2", "b2"], "in time order");
    assert_eq!(first.requests, 2, "two pages of two");

    // Host 2 reports late with a timestamp before host 1's newest: still found, once.
    fake.put("job/algo-2-1", 1800, "b-late");
    fake.put("job/algo-1-1", 3000, "a3");
    let second = rt
        .block_on(read_new(&fake, "g", &first.cursor))
        .expect("polls");
    assert_eq!(messages(&second), ["b-late", "a3"]);
    let third = rt
        .block_on(read_new(&fake, "g", &second.cursor))
        .expect("polls");
    assert!(third.events.is_empty(), "{:?}", messages(&third));
}

#[test]
fn events_at_the_ends_of_time_are_read_once_not_a_panic() {
    // `newest - OVERLAP_MS` overflowed (a debug-build panic) for an event stamped near
    // i64::MIN; timestamps come from whoever wrote the log.
    let fake = Fake::default();
    fake.put("job/algo-1-1", i64::MIN, "first");
    fake.put("job/algo-2-1", i64::MIN + 1, "second");
    let streams = ["job/algo-1-1".to_string(), "job/algo-2-1".to_string()];
    let rt = runtime();
    let first = rt
        .block_on(read_new(&fake, "g", &Cursor::new(&streams, None)))
        .expect("reads");
    assert_eq!(messages(&first), ["first", "second"]);
    let again = rt
        .block_on(read_new(&fake, "g", &first.cursor))
        .expect("polls");
    assert!(again.events.is_empty(), "{:?}", messages(&again));
    fake.put("job/algo-1-1", i64::MAX, "last");
    let last = rt
        .block_on(read_new(&fake, "g", &again.cursor))
        .expect("polls");
    assert_eq!(messages(&last), ["last"]);
}

#[test]
fn the_start_time_applies_to_the_first_read() {
    let fake = Fake::default();
    fake.put("s", 1000, "old");
    fake.put("s", 5000, "new");
    let rt = runtime();
    let batch = rt
        .block_on(read_new(
            &fake,
            "g",
            &Cursor::new(&["s".to_string()], Some(4000)),
        ))
        .expect("reads");
    assert_eq!(messages(&batch), ["new"]);
}

#[test]
fn streams_come_newest_first_over_every_page() {
    let fake = Fake::default();
    fake.put("job/algo-1-1", 1000, "x");
    fake.put("job/algo-2-1", 3000, "x");
    fake.put("job/algo-3-1", 2000, "x");
    fake.put("other/algo-1-1", 9000, "x");
    let rt = runtime();
    let (streams, requests) = rt
        .block_on(list_streams(&fake, "g", "job/"))
        .expect("lists");
    let names: Vec<&str> = streams.iter().map(|s| s.name.as_str()).collect();
    assert_eq!(names, ["job/algo-2-1", "job/algo-3-1", "job/algo-1-1"]);
    assert_eq!(requests, 2);
}

#[test]
fn a_missing_stream_is_an_error_not_an_empty_read() {
    let fake = Fake::default();
    let rt = runtime();
    let cursor = Cursor::new(&["missing".to_string()], None);
    let err = rt
        .block_on(read_new(&fake, "g", &cursor))
        .expect_err("no such stream");
    assert_eq!(err, LogsError::NotFound("missing".into()));
}

#[test]
fn no_streams_read_nothing_rather_than_the_whole_group() {
    let fake = Fake::default();
    fake.put("other-job/algo-1-1", 1000, "not ours");
    let batch = runtime()
        .block_on(read_new(&fake, "g", &Cursor::new(&[], None)))
        .expect("reads");
    assert!(batch.events.is_empty());
    assert_eq!(batch.requests, 0);
}
