//! Counting the AWS requests a refresh makes, so users (and the tests) can see what a refresh
//! costs in quota.

use std::collections::BTreeMap;
use std::sync::Mutex;

/// Requests made during one refresh, by operation name (`ListTrainingJobs`, ...).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct FetchStats {
    pub requests: BTreeMap<String, u64>,
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
pub(crate) struct Stats(Mutex<BTreeMap<String, u64>>);

impl Stats {
    pub fn record(&self, operation: &str) {
        self.record_n(operation, 1);
    }

    pub fn record_n(&self, operation: &str, n: u64) {
        let mut map = self
            .0
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        *map.entry(operation.to_string()).or_default() += n;
    }

    pub fn snapshot(&self) -> FetchStats {
        FetchStats {
            requests: self
                .0
                .lock()
                .unwrap_or_else(std::sync::PoisonError::into_inner)
                .clone(),
        }
    }
}
