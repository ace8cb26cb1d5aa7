//! Counting the AWS requests a refresh makes, so users (and the tests) can see what a refresh
//! costs in quota.

use std::collections::BTreeMap;
use std::sync::Mutex;

/// Requests made during one refresh, by operation name (`ListTrainingJobs`, ...).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct FetchStats {
    pub requests: BTreeMap<String, u64>,
    /// Of those, requests AWS answered with a throttling error (each was retried).
    pub throttles: BTreeMap<String, u64>,
}

impl FetchStats {
    /// All requests, every operation together.
    pub fn total(&self) -> u64 {
        self.requests.values().sum()
    }

    /// Requests whose operation name starts with `prefix` (e.g. `List`, `Describe`).
    pub fn with_prefix(&self, prefix: &str) -> u64 {
        self.requests
            .iter()
            .filter(|(op, _)| op.starts_with(prefix))
            .map(|(_, n)| n)
            .sum()
    }
}

/// The shared counter the engine records into while tasks run side by side.
#[derive(Debug, Default)]
pub(crate) struct Stats(Mutex<FetchStats>);

impl Stats {
    pub fn record(&self, operation: &str) {
        self.record_n(operation, 1);
    }

    pub fn record_n(&self, operation: &str, n: u64) {
        *self
            .lock()
            .requests
            .entry(operation.to_string())
            .or_default() += n;
    }

    /// A request of `operation` (already recorded) was throttled.
    pub fn record_throttle(&self, operation: &str) {
        *self
            .lock()
            .throttles
            .entry(operation.to_string())
            .or_default() += 1;
    }

    pub fn snapshot(&self) -> FetchStats {
        self.lock().clone()
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, FetchStats> {
        self.0
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }
}
