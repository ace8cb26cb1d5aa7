//! A client-side request spacer keyed by (account, region, operation).
//!
//! SageMaker throttles each API separately per account and per Region (about 2 requests/s for
//! the List* calls, not adjustable). Keying the limiter the same way keeps every call under its
//! own quota while the six List calls and the regions still run side by side; one lock per
//! account would make a refresh several times slower for no gain.

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::Duration;

use tokio::time::Instant;

type Key = (String, String, &'static str);

/// Spaces requests with the same key at least `1 / rate` apart. The first request of a key
/// goes at once; there is no burst allowance, so the quota is never exceeded even briefly.
#[derive(Debug)]
pub struct RateLimiter {
    interval: Duration,
    next_free: Mutex<HashMap<Key, Instant>>,
}

impl RateLimiter {
    /// A limiter allowing `requests_per_second` per key (non-positive or NaN means unlimited).
    pub fn new(requests_per_second: f64) -> Self {
        let interval = if requests_per_second.is_finite() && requests_per_second > 0.0 {
            Duration::from_secs_f64(1.0 / requests_per_second)
        } else {
            Duration::ZERO
        };
        RateLimiter {
            interval,
            next_free: Mutex::new(HashMap::new()),
        }
    }

    /// Waits until a request with this key may be sent, and books the slot.
    pub async fn acquire(&self, account: &str, region: &str, operation: &'static str) {
        let slot = {
            let now = Instant::now();
            // A poisoned lock only means another task panicked mid-update; the map is still
            // a valid schedule, so keep using it.
            let mut map = self
                .next_free
                .lock()
                .unwrap_or_else(std::sync::PoisonError::into_inner);
            let entry = map
                .entry((account.to_string(), region.to_string(), operation))
                .or_insert(now);
            let slot = (*entry).max(now);
            *entry = slot + self.interval;
            slot
        };
        tokio::time::sleep_until(slot).await;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    // Real time, short intervals: the assertions are lower bounds on spacing (the property
    // that keeps us under the quota), so a slow machine cannot make them fail.

    #[tokio::test]
    async fn same_key_is_spaced_at_the_rate() {
        let limiter = RateLimiter::new(20.0);
        let start = Instant::now();
        for _ in 0..5 {
            limiter.acquire("a", "us-east-1", "ListTrainingJobs").await;
        }
        // First at 0 ms, then every 50 ms: the fifth no earlier than 200 ms.
        assert!(start.elapsed() >= Duration::from_millis(200));
    }

    #[tokio::test]
    async fn different_operations_regions_and_accounts_do_not_wait_for_each_other() {
        let limiter = RateLimiter::new(0.5);
        let start = Instant::now();
        limiter.acquire("a", "us-east-1", "ListTrainingJobs").await;
        limiter.acquire("a", "us-east-1", "ListEndpoints").await;
        limiter.acquire("a", "eu-west-1", "ListTrainingJobs").await;
        limiter.acquire("b", "us-east-1", "ListTrainingJobs").await;
        // A second request on any of these keys would wait 2 s.
        assert!(start.elapsed() < Duration::from_secs(1));
    }

    #[tokio::test]
    async fn concurrent_callers_share_the_schedule() {
        let limiter = std::sync::Arc::new(RateLimiter::new(40.0));
        let start = Instant::now();
        let tasks: Vec<_> = (0..6)
            .map(|_| {
                let limiter = limiter.clone();
                tokio::spawn(async move {
                    limiter.acquire("a", "r", "DescribeTrainingJob").await;
                    Instant::now()
                })
            })
            .collect();
        let mut times = Vec::new();
        for task in tasks {
            times.push(task.await.expect("task ran"));
        }
        times.sort();
        // Each caller wakes no earlier than its slot, so the i-th wake-up is at least
        // i intervals (25 ms) after the start.
        for (i, time) in times.iter().enumerate() {
            let slot = Duration::from_millis(25 * u64::try_from(i).expect("small"));
            assert!(*time - start >= slot, "wake-up {i} came before its slot");
        }
    }
}
