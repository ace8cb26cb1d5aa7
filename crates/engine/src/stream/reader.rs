//! Reading the log group from a moving start time: each poll asks for everything from a few
//! seconds before the newest event already read, so an event written late (CloudWatch Logs
//! accepts events timestamped in the past, and EventBridge retries) is still found, and the
//! overlap's events, read twice, are dropped by their ids. Any number of readers can do this
//! on the same group without taking events from one another.

use std::collections::HashMap;

use crate::logs::{LogEvent, LogSource, LogsError};

/// How far back each read reaches before the newest event seen.
pub const OVERLAP_MS: i64 = 10_000;

/// At most this many pages per poll: a burst larger than that is read over the next polls
/// (the cursor only moves past what was read).
pub const MAX_PAGES_PER_POLL: usize = 20;

/// Where the next read starts and which of the overlap's events were already handed out.
#[derive(Debug, Default)]
pub struct Cursor {
    /// The newest event timestamp handed out, in ms since the epoch.
    newest_ms: Option<i64>,
    /// Ids handed out, with their timestamps, pruned to the overlap.
    seen: HashMap<String, i64>,
}

impl Cursor {
    /// A cursor whose first read starts `OVERLAP_MS` before `now_ms`: the stream reports what
    /// happens from now on; what happened before is the listing's to find.
    pub fn starting_at(now_ms: i64) -> Self {
        Cursor {
            newest_ms: Some(now_ms),
            seen: HashMap::new(),
        }
    }

    fn start_ms(&self) -> Option<i64> {
        self.newest_ms.map(|ms| ms.saturating_sub(OVERLAP_MS))
    }

    /// Reads every page from the start time, hands out the events not handed out before (by
    /// id), oldest first, and moves the start time on.
    pub async fn read(
        &mut self,
        source: &dyn LogSource,
        group: &str,
    ) -> Result<Vec<LogEvent>, LogsError> {
        let start = self.start_ms();
        let mut events = Vec::new();
        let mut token = None;
        let mut fresh = Vec::new();
        for _ in 0..MAX_PAGES_PER_POLL {
            let page = source.filter_events(group, &[], start, token).await?;
            fresh.extend(page.events);
            token = page.next_token;
            if token.is_none() {
                break;
            }
        }
        fresh.sort_by_key(|e| e.timestamp_ms);
        for event in fresh {
            let key = event.id.clone().unwrap_or_else(|| {
                format!(
                    "{}:{}:{}",
                    event.timestamp_ms,
                    event.stream,
                    event.message.len()
                )
            });
            if self.seen.contains_key(&key) {
                continue;
            }
            self.seen.insert(key, event.timestamp_ms);
            self.newest_ms = Some(
                self.newest_ms
                    .map_or(event.timestamp_ms, |n| n.max(event.timestamp_ms)),
            );
            events.push(event);
        }
        if let Some(start) = self.start_ms() {
            self.seen.retain(|_, at| *at >= start);
        }
        Ok(events)
    }
}
