//! Whether the stream can be trusted right now, and the one line that says so: the status bar,
//! `watch` and `refresh` all print [`StreamHealth::line`].

use std::time::Duration;

use chrono::{DateTime, Utc};

/// The stream as the last polls left it.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct StreamHealth {
    /// The last read of the group that succeeded.
    pub last_read_at: Option<DateTime<Utc>>,
    /// The newest event applied or ignored (any well-formed event shows the pipe works).
    pub last_event_at: Option<DateTime<Utc>>,
    /// Why the last read failed, when it did (already phrased for the user).
    pub error: Option<String>,
    /// Events that could not be used (malformed, unknown, hostile, an account not read).
    pub skipped: u64,
    /// Events applied to a row.
    pub applied: u64,
    /// Changes the reconcile found that the stream had not said.
    pub missed: u64,
}

impl StreamHealth {
    /// Live: the last read succeeded within `stale`. A failed read, or none for that long,
    /// and the listings take over at their normal pace.
    pub fn is_live(&self, now: DateTime<Utc>, stale: Duration) -> bool {
        let stale = chrono::TimeDelta::from_std(stale).unwrap_or(chrono::TimeDelta::MAX);
        self.error.is_none() && self.last_read_at.is_some_and(|at| now - at <= stale)
    }

    /// Why the stream is down, when it is.
    pub fn down_reason(&self, now: DateTime<Utc>, stale: Duration) -> Option<String> {
        if self.is_live(now, stale) {
            return None;
        }
        Some(match (&self.error, self.last_read_at) {
            (Some(error), _) => error.clone(),
            (None, Some(at)) => format!("no read for {}", ago(now, at)),
            (None, None) => "not read yet".to_string(),
        })
    }

    /// `stream: live, last event 3 s ago · reconcile in 12 min` or
    /// `stream: down (reason), polling`, with the skipped and missed counts when there are any.
    pub fn line(
        &self,
        now: DateTime<Utc>,
        stale: Duration,
        reconcile_at: Option<DateTime<Utc>>,
    ) -> String {
        let mut line = match self.down_reason(now, stale) {
            Some(reason) => format!("stream: down ({reason}), polling"),
            None => {
                let event = match self.last_event_at {
                    Some(at) => format!("last event {} ago", ago(now, at)),
                    None => "no event yet".to_string(),
                };
                match reconcile_at {
                    Some(at) if at > now => {
                        format!("stream: live, {event} · reconcile in {}", until(now, at))
                    }
                    Some(_) => format!("stream: live, {event} · reconciling"),
                    None => format!("stream: live, {event}"),
                }
            }
        };
        if self.skipped > 0 {
            line.push_str(&format!(" · {} skipped", self.skipped));
        }
        if self.missed > 0 {
            line.push_str(&format!(" · {} missed", self.missed));
        }
        line
    }
}

/// How long ago, rounded down (an event 3.9 s ago was 3 s ago).
fn ago(now: DateTime<Utc>, then: DateTime<Utc>) -> String {
    match (now - then).num_seconds().max(0) {
        s if s < 60 => format!("{s} s"),
        s if s < 3600 => format!("{} min", s / 60),
        s => format!("{} h", s / 3600),
    }
}

/// How long until, rounded up ("reconcile in 0 s" would be a lie for the last half second).
fn until(now: DateTime<Utc>, then: DateTime<Utc>) -> String {
    let seconds = ((then - now).num_milliseconds().max(0) + 999) / 1000;
    match seconds {
        s if s < 60 => format!("{s} s"),
        s => format!("{} min", (s + 59) / 60),
    }
}

#[cfg(test)]
mod tests {
    use chrono::TimeZone;

    use super::*;

    fn t(seconds: i64) -> DateTime<Utc> {
        Utc.timestamp_opt(1_800_000_000 + seconds, 0)
            .single()
            .unwrap_or_default()
    }

    const STALE: Duration = Duration::from_secs(60);

    #[test]
    fn live_says_the_last_event_and_the_next_reconcile() {
        let health = StreamHealth {
            last_read_at: Some(t(99)),
            last_event_at: Some(t(97)),
            ..StreamHealth::default()
        };
        assert_eq!(
            health.line(t(100), STALE, Some(t(100 + 12 * 60))),
            "stream: live, last event 3 s ago · reconcile in 12 min"
        );
    }

    #[test]
    fn a_failed_read_is_down_with_its_reason() {
        let health = StreamHealth {
            last_read_at: Some(t(99)),
            error: Some("access denied to logs:FilterLogEvents".into()),
            skipped: 2,
            ..StreamHealth::default()
        };
        assert!(!health.is_live(t(100), STALE));
        assert_eq!(
            health.line(t(100), STALE, None),
            "stream: down (access denied to logs:FilterLogEvents), polling · 2 skipped"
        );
    }

    #[test]
    fn no_read_for_stale_seconds_is_down() {
        let health = StreamHealth {
            last_read_at: Some(t(0)),
            ..StreamHealth::default()
        };
        assert!(health.is_live(t(60), STALE));
        assert!(!health.is_live(t(61), STALE));
        assert_eq!(
            health.line(t(61), STALE, None),
            "stream: down (no read for 1 min), polling"
        );
    }
}
