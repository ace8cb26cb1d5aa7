//! What a running refresh tells its watchers while it runs: each scope's rows as soon as they
//! are listed (and again once their details are in), and counters of what is still coming.
//!
//! The TUI merges rows in place as they arrive, so a cold start shows the first account's jobs
//! after one List call instead of after the whole refresh; the CLI prints the counters.

use std::fmt;
use std::sync::Mutex;

use sagescope_core::model::Job;
pub use sagescope_core::model::ScopeKey;

/// How far the phases of a refresh have got.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct EngineProgress {
    /// (account, region, kind) lists complete (or failed) / planned.
    pub listed: usize,
    pub scopes: usize,
    /// Resources whose details arrived / resources that need details so far (grows while
    /// lists complete).
    pub detailed: usize,
    pub details: usize,
    /// Account-regions whose tags were checked / planned (0 until the tag pass starts).
    pub tagged: usize,
    pub tag_regions: usize,
}

impl EngineProgress {
    /// Whether every planned list is in.
    pub fn listing_done(&self) -> bool {
        self.listed >= self.scopes
    }
}

impl fmt::Display for EngineProgress {
    /// `listing 14/36 · details 120/410 · tags 3/6`: only the phases that have started.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "listing {}/{}", self.listed, self.scopes)?;
        if self.details > 0 {
            write!(f, " · details {}/{}", self.detailed, self.details)?;
        }
        if self.tag_regions > 0 {
            write!(f, " · tags {}/{}", self.tagged, self.tag_regions)?;
        }
        Ok(())
    }
}

/// One thing a refresh learned.
#[derive(Debug, Clone, PartialEq)]
pub enum FetchEvent {
    /// The whole of one scope as listed, with the details already known. Replaces that
    /// scope's rows.
    Rows { scope: ScopeKey, rows: Vec<Job> },
    /// The same scope once its details are filled in, with the describe cache entries that
    /// go with them: what the store commits for the scope.
    Filled {
        scope: ScopeKey,
        rows: Vec<Job>,
        describes: Vec<(String, super::Described)>,
    },
    /// An account, account-region or scope failed; what it had stays, marked stale.
    Failed {
        error: sagescope_core::model::FetchError,
        kind: Option<sagescope_core::model::ResourceKind>,
    },
    /// The counters moved.
    Progress(EngineProgress),
}

/// Where events go: a callback run on whichever task produced the event. It must not block
/// (send on a channel, print a line).
pub type EventSink<'a> = &'a (dyn Fn(FetchEvent) + Send + Sync);

/// The counters behind [`FetchEvent::Progress`], shared by the tasks of one refresh.
pub(crate) struct Tracker<'a> {
    sink: EventSink<'a>,
    progress: Mutex<EngineProgress>,
}

impl<'a> Tracker<'a> {
    pub fn new(sink: EventSink<'a>, scopes: usize) -> Self {
        Tracker {
            sink,
            progress: Mutex::new(EngineProgress {
                scopes,
                ..EngineProgress::default()
            }),
        }
    }

    pub fn send(&self, event: FetchEvent) {
        (self.sink)(event);
    }

    /// Changes the counters and tells the sink.
    pub fn update(&self, change: impl FnOnce(&mut EngineProgress)) {
        let now = {
            let mut progress = self
                .progress
                .lock()
                .unwrap_or_else(std::sync::PoisonError::into_inner);
            change(&mut progress);
            *progress
        };
        (self.sink)(FetchEvent::Progress(now));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn progress_reads_like_the_status_bar_wants_it() {
        let mut p = EngineProgress {
            listed: 14,
            scopes: 36,
            ..EngineProgress::default()
        };
        assert_eq!(p.to_string(), "listing 14/36");
        p.detailed = 120;
        p.details = 410;
        assert_eq!(p.to_string(), "listing 14/36 · details 120/410");
        p.tagged = 3;
        p.tag_regions = 6;
        assert_eq!(p.to_string(), "listing 14/36 · details 120/410 · tags 3/6");
        assert!(!p.listing_done());
    }
}
