//! Every AWS request the engine makes goes through [`Caller::call`]: paced by the limiter,
//! counted, and retried when AWS throttles, until the refresh's deadline rather than a fixed
//! number of attempts.
//!
//! Why not the SDK's retries: they give up after a few attempts (a throttled account-region
//! then vanished from the view) and hide each throttle from the limiter, which cannot slow the
//! key down. Here a throttle halves that key's rate, waits with jitter, and tries again while
//! the deadline allows; the SDK makes one attempt per call.

use std::time::Duration;

use tokio::time::Instant;

use super::limiter::RateLimiter;
use super::source::SourceError;
use super::stats::Stats;

/// The first backoff after a throttle; doubled on each further throttle of the same call.
const FIRST_BACKOFF: Duration = Duration::from_millis(250);

/// Backoff never grows past this.
const MAX_BACKOFF: Duration = Duration::from_secs(8);

/// Network faults and timeouts are retried this many times (they rarely pass by waiting).
const NETWORK_ATTEMPTS: u32 = 3;

/// Where requests go and until when they may be retried.
pub(crate) struct Caller<'a> {
    pub account: &'a str,
    pub region: &'a str,
    pub limiter: &'a RateLimiter,
    pub stats: &'a Stats,
    /// Past this moment a throttled call is not retried: its scope keeps its last rows.
    pub deadline: Instant,
}

impl Caller<'_> {
    /// Sends one request (`send` is called once per attempt) under the key
    /// (account, region, `operation`).
    pub async fn call<T, F, Fut>(
        &self,
        operation: &'static str,
        mut send: F,
    ) -> Result<T, SourceError>
    where
        F: FnMut() -> Fut,
        Fut: std::future::Future<Output = Result<T, SourceError>>,
    {
        let mut throttles = 0u32;
        let mut faults = 0u32;
        loop {
            self.limiter
                .acquire(self.account, self.region, operation)
                .await;
            self.stats.record(operation);
            let err = match send().await {
                Ok(value) => {
                    self.limiter.succeeded(self.account, self.region, operation);
                    return Ok(value);
                }
                Err(err) => err,
            };
            let pause = match &err {
                SourceError::Throttled { .. } => {
                    throttles += 1;
                    self.stats.record_throttle(operation);
                    let pause = backoff(throttles);
                    self.limiter
                        .throttled(self.account, self.region, operation, pause);
                    pause
                }
                SourceError::Network { .. } | SourceError::Timeout { .. }
                    if faults + 1 < NETWORK_ATTEMPTS =>
                {
                    faults += 1;
                    backoff(faults)
                }
                _ => return Err(err),
            };
            let retry_at = self
                .limiter
                .next_slot(self.account, self.region, operation)
                .max(Instant::now() + pause);
            if retry_at > self.deadline {
                tracing::warn!(
                    account = self.account,
                    region = self.region,
                    operation,
                    throttles,
                    "giving up at the refresh deadline: {err}"
                );
                return Err(err);
            }
            tracing::debug!(
                account = self.account,
                region = self.region,
                operation,
                ?pause,
                "retrying after: {err}"
            );
            // The limiter already holds a throttled key for `pause`; a network fault waits here.
            if !matches!(err, SourceError::Throttled { .. }) {
                tokio::time::sleep(pause).await;
            }
        }
    }
}

/// Exponential backoff with full jitter in its upper half: `[b/2, b)` for `b = 250 ms × 2^n`,
/// capped, so callers throttled together do not retry together.
fn backoff(attempt: u32) -> Duration {
    let exp = FIRST_BACKOFF
        .saturating_mul(1u32 << attempt.saturating_sub(1).min(10))
        .min(MAX_BACKOFF);
    let half = exp / 2;
    half + half.mul_f64(jitter())
}

/// A number in `[0, 1)` that differs between calls and tasks; good enough to spread retries,
/// not for anything secret.
fn jitter() -> f64 {
    use std::hash::{BuildHasher, Hasher};
    let mut hasher = std::collections::hash_map::RandomState::new().build_hasher();
    hasher.write_u128(
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |d| d.as_nanos()),
    );
    (hasher.finish() >> 11) as f64 / (1u64 << 53) as f64
}

#[cfg(test)]
mod tests {
    use std::sync::atomic::{AtomicU32, Ordering};

    use super::*;

    fn caller<'a>(limiter: &'a RateLimiter, stats: &'a Stats, deadline: Duration) -> Caller<'a> {
        Caller {
            account: "a",
            region: "us-east-1",
            limiter,
            stats,
            deadline: Instant::now() + deadline,
        }
    }

    #[test]
    fn backoff_grows_is_jittered_and_capped() {
        for _ in 0..50 {
            let first = backoff(1);
            assert!(first >= Duration::from_millis(125) && first < Duration::from_millis(250));
            let third = backoff(3);
            assert!(third >= Duration::from_millis(500) && third < Duration::from_secs(1));
            assert!(backoff(30) < MAX_BACKOFF);
        }
    }

    #[tokio::test(start_paused = true)]
    async fn throttled_calls_are_retried_until_they_pass_and_slow_their_key() {
        let limiter = RateLimiter::new(2.0);
        let stats = Stats::default();
        let caller = caller(&limiter, &stats, Duration::from_secs(120));
        let attempts = AtomicU32::new(0);
        // Far more throttles than the SDK's 4 attempts would survive.
        let result = caller
            .call("ListTrainingJobs", || async {
                if attempts.fetch_add(1, Ordering::SeqCst) < 7 {
                    Err(SourceError::Throttled {
                        operation: "ListTrainingJobs",
                    })
                } else {
                    Ok(42)
                }
            })
            .await;
        assert_eq!(result, Ok(42));
        assert_eq!(attempts.load(Ordering::SeqCst), 8);
        let counted = stats.snapshot();
        assert_eq!(counted.requests.get("ListTrainingJobs"), Some(&8));
        assert_eq!(counted.throttles.get("ListTrainingJobs"), Some(&7));
        let rate = limiter
            .current_rate("a", "us-east-1", "ListTrainingJobs")
            .expect("limited");
        assert!(rate < 2.0, "the key slowed down: {rate}");
    }

    #[tokio::test(start_paused = true)]
    async fn past_the_deadline_the_throttle_is_the_answer() {
        let limiter = RateLimiter::new(2.0);
        let stats = Stats::default();
        let caller = caller(&limiter, &stats, Duration::from_secs(3));
        let started = Instant::now();
        let result: Result<(), _> = caller
            .call("Search", || async {
                Err(SourceError::Throttled {
                    operation: "Search",
                })
            })
            .await;
        assert_eq!(
            result,
            Err(SourceError::Throttled {
                operation: "Search"
            })
        );
        assert!(started.elapsed() <= Duration::from_secs(3));
    }

    #[tokio::test(start_paused = true)]
    async fn access_denied_is_not_retried() {
        let limiter = RateLimiter::new(2.0);
        let stats = Stats::default();
        let caller = caller(&limiter, &stats, Duration::from_secs(60));
        let attempts = AtomicU32::new(0);
        let result: Result<(), _> = caller
            .call("ListEndpoints", || async {
                attempts.fetch_add(1, Ordering::SeqCst);
                Err(SourceError::AccessDenied {
                    operation: "ListEndpoints",
                    message: "no".into(),
                })
            })
            .await;
        assert!(matches!(result, Err(SourceError::AccessDenied { .. })));
        assert_eq!(attempts.load(Ordering::SeqCst), 1);
    }

    #[tokio::test(start_paused = true)]
    async fn network_faults_get_a_few_attempts() {
        let limiter = RateLimiter::new(2.0);
        let stats = Stats::default();
        let caller = caller(&limiter, &stats, Duration::from_secs(60));
        let attempts = AtomicU32::new(0);
        let result: Result<(), _> = caller
            .call("ListEndpoints", || async {
                attempts.fetch_add(1, Ordering::SeqCst);
                Err(SourceError::Timeout {
                    operation: "ListEndpoints",
                })
            })
            .await;
        assert!(matches!(result, Err(SourceError::Timeout { .. })));
        assert_eq!(attempts.load(Ordering::SeqCst), NETWORK_ATTEMPTS);
    }
}
