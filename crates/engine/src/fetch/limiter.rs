//! Client-side pacing: an adaptive rate per (account, region, operation) under an account-wide
//! cap.
//!
//! SageMaker throttles each API separately per account and per Region (about 2 requests/s for
//! the List* calls, not adjustable). Keying the limiter the same way keeps every call under its
//! own quota while the six List calls and the regions still run side by side; one lock per
//! account would make a refresh several times slower for no gain.
//!
//! The configured rate is a ceiling, not a promise: other tools (the console, a team's own
//! scripts) share the same quotas. So a key that gets throttled halves its rate and recovers a
//! little with every success (AIMD, as TCP does), and each key keeps its own state so one hot
//! API never slows the others down. The account-wide cap bounds what one account sees across
//! all its operations and regions at once, for accounts where many regions and kinds add up.

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::Duration;

use tokio::time::Instant;

type Key = (String, String, &'static str);

/// A throttled key never drops below this fraction of its configured rate.
const MIN_FRACTION: f64 = 1.0 / 8.0;

/// Each success gives back this fraction of the configured rate: two successes from half
/// speed back to full, four from the floor. A burst of throttles (someone else's script on
/// the same quota) then costs seconds, not the rest of the refresh, while a key that keeps
/// being throttled stays slow.
const RECOVERY_FRACTION: f64 = 1.0 / 4.0;

/// The pacing state of one key.
#[derive(Debug, Clone, Copy)]
struct KeyState {
    /// The next moment a request with this key may go.
    next_free: Instant,
    /// When the last request with this key was let go.
    last: Instant,
    /// Requests per second allowed now (at most the configured rate).
    rate: f64,
}

/// What the limiter knows, behind one lock (held for microseconds, never across an await).
#[derive(Debug, Default)]
struct Schedule {
    keys: HashMap<Key, KeyState>,
    accounts: HashMap<String, Instant>,
}

/// Spaces requests with the same key at least `1 / rate` apart, and requests of one account
/// at least `1 / account_rate` apart. The first request of a key goes at once; there is no
/// burst allowance, so a quota is never exceeded even briefly.
#[derive(Debug)]
pub struct RateLimiter {
    /// The configured per-key rate; `None` means unlimited.
    base_rate: Option<f64>,
    account_interval: Duration,
    schedule: Mutex<Schedule>,
}

/// `1 / rate` as a duration; zero (no spacing) for non-positive or NaN rates.
fn interval(rate: f64) -> Duration {
    if rate.is_finite() && rate > 0.0 {
        Duration::from_secs_f64(1.0 / rate)
    } else {
        Duration::ZERO
    }
}

impl RateLimiter {
    /// A limiter allowing `requests_per_second` per key (non-positive or NaN means unlimited)
    /// and no account-wide cap.
    pub fn new(requests_per_second: f64) -> Self {
        Self::with_account_cap(requests_per_second, 0.0)
    }

    /// A limiter with a per-key rate and an account-wide cap across every operation and region
    /// (non-positive means no cap).
    pub fn with_account_cap(requests_per_second: f64, account_requests_per_second: f64) -> Self {
        RateLimiter {
            base_rate: (requests_per_second.is_finite() && requests_per_second > 0.0)
                .then_some(requests_per_second),
            account_interval: interval(account_requests_per_second),
            schedule: Mutex::new(Schedule::default()),
        }
    }

    fn schedule(&self) -> std::sync::MutexGuard<'_, Schedule> {
        // A poisoned lock only means another task panicked mid-update; the map is still a
        // valid schedule, so keep using it.
        self.schedule
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    fn key(account: &str, region: &str, operation: &'static str) -> Key {
        (account.to_string(), region.to_string(), operation)
    }

    /// The key's state, starting free now at the configured rate.
    fn state(schedule: &mut Schedule, key: Key, base: f64, now: Instant) -> &mut KeyState {
        schedule.keys.entry(key).or_insert(KeyState {
            next_free: now,
            last: now,
            rate: base,
        })
    }

    /// Waits until a request with this key may be sent, and books the slot.
    ///
    /// The key's slot is booked first; the account's slot only once the key's has come, so a
    /// key that waits (throttled, say) never holds the account's other keys back.
    pub async fn acquire(&self, account: &str, region: &str, operation: &'static str) {
        let Some(base) = self.base_rate else {
            self.acquire_account(account).await;
            return;
        };
        let slot = {
            let now = Instant::now();
            let mut schedule = self.schedule();
            let state = Self::state(
                &mut schedule,
                Self::key(account, region, operation),
                base,
                now,
            );
            let slot = state.next_free.max(now);
            state.next_free = slot + interval(state.rate);
            state.last = slot;
            slot
        };
        tokio::time::sleep_until(slot).await;
        let sent = self.acquire_account(account).await;
        // Held back by the account cap: the key's next request is spaced from when this one
        // really goes, so the key's own quota holds too.
        if sent > slot {
            let mut schedule = self.schedule();
            if let Some(state) = schedule
                .keys
                .get_mut(&Self::key(account, region, operation))
            {
                state.next_free = state.next_free.max(sent + interval(state.rate));
            }
        }
    }

    /// Waits for the account's next slot; returns when the request may go.
    async fn acquire_account(&self, account: &str) -> Instant {
        if self.account_interval.is_zero() {
            return Instant::now();
        }
        let slot = {
            let now = Instant::now();
            let mut schedule = self.schedule();
            let next = schedule.accounts.entry(account.to_string()).or_insert(now);
            let slot = (*next).max(now);
            *next = slot + self.account_interval;
            slot
        };
        tokio::time::sleep_until(slot).await;
        slot
    }

    /// AWS throttled a request with this key: halve the key's rate (down to a floor) and keep
    /// the key quiet for `pause` (the caller's backoff), so retries do not pile onto the quota.
    pub fn throttled(&self, account: &str, region: &str, operation: &'static str, pause: Duration) {
        let Some(base) = self.base_rate else {
            return;
        };
        let now = Instant::now();
        let mut schedule = self.schedule();
        let state = Self::state(
            &mut schedule,
            Self::key(account, region, operation),
            base,
            now,
        );
        state.rate = (state.rate / 2.0).max(base * MIN_FRACTION);
        state.next_free = state.next_free.max(now + pause);
    }

    /// A request with this key succeeded: give back a little of the rate lost to throttling.
    pub fn succeeded(&self, account: &str, region: &str, operation: &'static str) {
        let Some(base) = self.base_rate else {
            return;
        };
        let mut schedule = self.schedule();
        if let Some(state) = schedule
            .keys
            .get_mut(&Self::key(account, region, operation))
        {
            state.rate = (state.rate + base * RECOVERY_FRACTION).min(base);
            // The next request was booked at the slower rate: it may go sooner now.
            state.next_free = state.next_free.min(state.last + interval(state.rate));
        }
    }

    /// When the next request with this key could go at the earliest.
    pub fn next_slot(&self, account: &str, region: &str, operation: &'static str) -> Instant {
        let now = Instant::now();
        self.schedule()
            .keys
            .get(&Self::key(account, region, operation))
            .map_or(now, |s| s.next_free.max(now))
    }

    /// The key's current rate in requests per second (`None` when unlimited).
    pub fn current_rate(
        &self,
        account: &str,
        region: &str,
        operation: &'static str,
    ) -> Option<f64> {
        let base = self.base_rate?;
        Some(
            self.schedule()
                .keys
                .get(&Self::key(account, region, operation))
                .map_or(base, |s| s.rate),
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    // Tokio's paused clock: a sleep takes exactly its virtual time (to the timer's
    // millisecond), so the spacing is asserted exactly, however loaded the machine is.

    #[tokio::test(start_paused = true)]
    async fn same_key_is_spaced_at_the_rate() {
        let limiter = RateLimiter::new(20.0);
        let start = Instant::now();
        for _ in 0..5 {
            limiter.acquire("a", "us-east-1", "ListTrainingJobs").await;
        }
        // First at 0 ms, then every 50 ms: the fifth at 200 ms.
        assert_eq!(start.elapsed(), Duration::from_millis(200));
    }

    #[tokio::test(start_paused = true)]
    async fn different_operations_regions_and_accounts_do_not_wait_for_each_other() {
        let limiter = RateLimiter::new(0.5);
        let start = Instant::now();
        limiter.acquire("a", "us-east-1", "ListTrainingJobs").await;
        limiter.acquire("a", "us-east-1", "ListEndpoints").await;
        limiter.acquire("a", "eu-west-1", "ListTrainingJobs").await;
        limiter.acquire("b", "us-east-1", "ListTrainingJobs").await;
        assert_eq!(start.elapsed(), Duration::ZERO, "none waited");
        // A second request on any of these keys waits its 2 s.
        limiter.acquire("a", "eu-west-1", "ListTrainingJobs").await;
        assert_eq!(start.elapsed(), Duration::from_secs(2));
    }

    #[tokio::test(start_paused = true)]
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
            times.push(task.await.expect("task ran") - start);
        }
        times.sort();
        // One slot each, 25 ms apart: 0, 25, ..., 125 ms.
        let slots: Vec<Duration> = (0..6).map(|i| Duration::from_millis(25 * i)).collect();
        assert_eq!(times, slots);
    }

    #[tokio::test(start_paused = true)]
    async fn the_account_cap_spaces_requests_across_operations_and_regions() {
        // Per key unlimited in practice (1000/s), the account at 20/s: 50 ms apart.
        let limiter = RateLimiter::with_account_cap(1000.0, 20.0);
        let start = Instant::now();
        limiter.acquire("a", "us-east-1", "ListTrainingJobs").await;
        limiter.acquire("a", "eu-west-1", "ListEndpoints").await;
        limiter
            .acquire("a", "us-east-1", "ListProcessingJobs")
            .await;
        assert_eq!(start.elapsed(), Duration::from_millis(100));
        // Another account has its own cap: it goes at once.
        let other = Instant::now();
        limiter.acquire("b", "us-east-1", "ListTrainingJobs").await;
        assert_eq!(other.elapsed(), Duration::ZERO);
    }

    #[tokio::test(start_paused = true)]
    async fn throttling_halves_the_key_and_successes_bring_it_back() {
        let limiter = RateLimiter::new(2.0);
        let key = ("a", "us-east-1", "ListTrainingJobs");
        assert_eq!(limiter.current_rate(key.0, key.1, key.2), Some(2.0));
        limiter.throttled(key.0, key.1, key.2, Duration::from_millis(500));
        assert_eq!(limiter.current_rate(key.0, key.1, key.2), Some(1.0));
        limiter.throttled(key.0, key.1, key.2, Duration::ZERO);
        assert_eq!(limiter.current_rate(key.0, key.1, key.2), Some(0.5));
        // Never below the floor, however often it is throttled.
        for _ in 0..20 {
            limiter.throttled(key.0, key.1, key.2, Duration::ZERO);
        }
        assert_eq!(limiter.current_rate(key.0, key.1, key.2), Some(2.0 / 8.0));
        // Each success gives back a quarter of the base rate, never above it.
        limiter.succeeded(key.0, key.1, key.2);
        assert_eq!(limiter.current_rate(key.0, key.1, key.2), Some(0.25 + 0.5));
        for _ in 0..3 {
            limiter.succeeded(key.0, key.1, key.2);
        }
        assert_eq!(limiter.current_rate(key.0, key.1, key.2), Some(2.0));
        // Other keys were never touched.
        assert_eq!(
            limiter.current_rate(key.0, key.1, "ListEndpoints"),
            Some(2.0)
        );
    }

    #[tokio::test(start_paused = true)]
    async fn a_success_lets_the_next_request_go_at_the_recovered_rate() {
        let limiter = RateLimiter::new(2.0);
        limiter.acquire("a", "r", "List").await;
        for _ in 0..3 {
            limiter.throttled("a", "r", "List", Duration::ZERO);
        }
        // At the floor (0.25/s) the next request would wait 4 s after this one.
        limiter.acquire("a", "r", "List").await;
        let sent = Instant::now();
        limiter.succeeded("a", "r", "List");
        limiter.acquire("a", "r", "List").await;
        // 0.75/s after one success: 1.333 s (1.334 s to the timer's millisecond), not 4 s.
        assert_eq!(sent.elapsed(), Duration::from_millis(1334));
    }

    #[tokio::test(start_paused = true)]
    async fn a_throttled_key_waits_out_its_pause_and_then_goes_slower() {
        let limiter = RateLimiter::new(4.0);
        let start = Instant::now();
        limiter.acquire("a", "r", "Search").await;
        limiter.throttled("a", "r", "Search", Duration::from_secs(1));
        limiter.acquire("a", "r", "Search").await;
        assert_eq!(start.elapsed(), Duration::from_secs(1), "the pause holds");
        let resumed = Instant::now();
        limiter.acquire("a", "r", "Search").await;
        // Now at 2/s (halved from 4/s): 500 ms apart, not 250 ms.
        assert_eq!(resumed.elapsed(), Duration::from_millis(500));
    }
}
