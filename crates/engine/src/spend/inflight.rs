//! One Cost Explorer request per question at a time, with no lock held across the network.
//!
//! Every request costs money, and the UI can ask the same question twice at once: two overview
//! loads of different ranges share the month's forecasts, a forced refresh overlaps the load
//! it replaces. The service used to hold the cache lock while Cost Explorer answered, which
//! made the second ask wait and read the first's answer, but it also froze every cache read
//! (the status bar's ledger, answers already cached) behind a network call.
//!
//! Here the first ask of a cache key takes a [`Flight`]; a second ask of the same key gets a
//! [`Landing`] to wait for instead, and re-checks the cache once the first one's answer has
//! landed there. Nothing is locked while Cost Explorer answers: the map below is behind a
//! `std` mutex held only to look up, insert or remove a key, and cache-only calls (ledger,
//! cost estimates) never come here. Only asks of the very same question wait, and they wait
//! for exactly the answer they would otherwise have paid for again.

use std::collections::HashMap;
use std::sync::{Mutex, PoisonError};

use futures::FutureExt;
use futures::future::Shared;
use tokio::sync::oneshot;

type Signal = Shared<oneshot::Receiver<bool>>;

/// The questions being asked of Cost Explorer right now, by cache key.
#[derive(Default)]
pub(crate) struct InFlight {
    asking: Mutex<HashMap<String, Signal>>,
}

/// Whose turn it is to ask.
pub(crate) enum Turn<'a> {
    /// Nobody is asking this question: read the cache, then ask it yourself if need be.
    Ask(Flight<'a>),
    /// Another ask is on it: wait, then read the cache again.
    Wait(Landing),
}

/// The right (and duty) to ask one question. Dropping it, however the ask ended (answered,
/// failed, cancelled, panicked), lets the waiters go on.
pub(crate) struct Flight<'a> {
    inflight: &'a InFlight,
    key: String,
    done: Option<oneshot::Sender<bool>>,
}

/// Resolves when the flight it waits for has ended: `true` when its answer is in the cache.
pub(crate) struct Landing(Signal);

impl InFlight {
    /// The caller's turn for `key`.
    pub(crate) fn join(&self, key: &str) -> Turn<'_> {
        let mut asking = self.asking.lock().unwrap_or_else(PoisonError::into_inner);
        if let Some(signal) = asking.get(key) {
            return Turn::Wait(Landing(signal.clone()));
        }
        let (done, signal) = oneshot::channel();
        asking.insert(key.to_string(), signal.shared());
        Turn::Ask(Flight {
            inflight: self,
            key: key.to_string(),
            done: Some(done),
        })
    }

    /// How many asks are waiting on a flight right now: each holds a clone of its signal
    /// beside the map's own.
    #[cfg(test)]
    pub(crate) fn waiting(&self) -> usize {
        self.asking
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .values()
            .map(|signal| signal.strong_count().unwrap_or(1).saturating_sub(1))
            .sum()
    }

    fn leave(&self, key: &str) {
        self.asking
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .remove(key);
    }
}

impl Flight<'_> {
    /// Ends the flight; `stored` says whether its answer is now in the cache for waiters to
    /// read. Call it only after the write has finished.
    pub(crate) fn landed(mut self, stored: bool) {
        // Leave first: from here on a new ask reads the cache, which already holds the answer.
        self.inflight.leave(&self.key);
        if let Some(done) = self.done.take() {
            let _ = done.send(stored);
        }
    }
}

impl Drop for Flight<'_> {
    fn drop(&mut self) {
        if self.done.is_some() {
            self.inflight.leave(&self.key);
            // Dropping the sender tells the waiters nothing landed.
        }
    }
}

impl Landing {
    /// Waits for the flight; `true` if its answer is in the cache.
    pub(crate) async fn landed(self) -> bool {
        self.0.await.unwrap_or(false)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn a_second_ask_waits_for_the_first_and_hears_whether_it_landed() {
        let inflight = InFlight::default();
        let Turn::Ask(flight) = inflight.join("k") else {
            panic!("the first ask flies");
        };
        let Turn::Wait(landing) = inflight.join("k") else {
            panic!("the second waits");
        };
        assert_eq!(inflight.waiting(), 1);
        assert!(
            matches!(inflight.join("other"), Turn::Ask(_)),
            "other questions do not wait"
        );
        flight.landed(true);
        assert!(landing.landed().await);
        assert!(
            matches!(inflight.join("k"), Turn::Ask(_)),
            "after landing the next ask flies again"
        );
    }

    #[tokio::test]
    async fn a_dropped_flight_releases_its_waiters_with_nothing_landed() {
        let inflight = InFlight::default();
        let Turn::Ask(flight) = inflight.join("k") else {
            panic!("the first ask flies");
        };
        let Turn::Wait(landing) = inflight.join("k") else {
            panic!("the second waits");
        };
        drop(flight);
        assert!(!landing.landed().await);
        assert!(matches!(inflight.join("k"), Turn::Ask(_)));
    }
}
