//! Counting finished account-regions for the progress line, shared by the jobs and the tag
//! passes (each runs its account-regions side by side and reports from whichever task ends).

use std::sync::atomic::{AtomicUsize, Ordering};

use super::Progress;

/// Tells `progress` about every finished account-region, with a running count.
pub(super) struct ProgressCounter<'a> {
    progress: &'a (dyn Fn(Progress) + Send + Sync),
    done: AtomicUsize,
    total: usize,
}

impl<'a> ProgressCounter<'a> {
    pub(super) fn new(progress: &'a (dyn Fn(Progress) + Send + Sync), total: usize) -> Self {
        ProgressCounter {
            progress,
            done: AtomicUsize::new(0),
            total,
        }
    }

    /// `count` account-regions finished (all of an account's when it failed to connect),
    /// with `items` resources handled and the error, if any.
    pub(super) fn report(
        &self,
        account: &str,
        region: Option<&str>,
        count: usize,
        items: usize,
        error: Option<String>,
    ) {
        let done = self.done.fetch_add(count, Ordering::SeqCst) + count;
        (self.progress)(Progress {
            done,
            total: self.total,
            account: account.to_string(),
            region: region.map(str::to_string),
            jobs: items,
            error,
        });
    }
}
