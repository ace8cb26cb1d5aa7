//! The cache's one writer: a dedicated thread that owns the SQLite connection.
//!
//! SQLite calls block. Run on async worker threads they stall whatever else that thread
//! carries (the UI's event loop, network calls); behind a shared lock they serialise every
//! task that touches the cache. So every read and write goes to this thread as a closure, in
//! the order sent, and the answer comes back on a oneshot channel: no task ever holds a lock
//! on the cache, and nothing holds one across a network call.

use std::path::Path;
use std::sync::mpsc;

use tokio::sync::oneshot;

use crate::cache::{Cache, CacheError};

type Work = Box<dyn FnOnce(&mut Cache) + Send>;

/// How many operations may wait for the store thread. A full queue makes the sender wait
/// (back-pressure): a refresh streaming scope commits faster than the disk takes them, or
/// while another process holds the cache, slows down instead of holding every scope's rows
/// in memory. One whole refresh at 200 accounts commits about 5,000 scopes; each waits for a
/// moment at most, behind the operations ahead of it.
pub const STORE_QUEUE: usize = 1024;

/// Why the store could not answer.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error(transparent)]
    Cache(#[from] CacheError),
    #[error("the cache thread has stopped (details in the log)")]
    Gone,
}

/// A handle to the writer thread; cheap to clone, every clone talks to the same thread.
#[derive(Clone)]
pub struct Store {
    work: mpsc::SyncSender<Work>,
}

/// An open store and, if the old cache file was unusable, what happened to it.
pub struct OpenedStore {
    pub store: Store,
    pub warning: Option<String>,
}

impl Store {
    /// Opens the cache at `path` on a new thread (see [`Cache::open`]: an unusable file is
    /// moved aside). The thread ends when the last handle is dropped.
    pub fn open(path: &Path) -> Result<OpenedStore, CacheError> {
        let path = path.to_path_buf();
        Self::spawn(move || Cache::open(&path).map(|o| (o.cache, o.warning)))
    }

    /// A store over an in-memory cache (tests, demo).
    pub fn in_memory() -> Result<Store, CacheError> {
        Self::spawn(|| Cache::in_memory().map(|c| (c, None))).map(|o| o.store)
    }

    fn spawn(
        open: impl FnOnce() -> Result<(Cache, Option<String>), CacheError> + Send + 'static,
    ) -> Result<OpenedStore, CacheError> {
        let (work_tx, work_rx) = mpsc::sync_channel::<Work>(STORE_QUEUE);
        let (ready_tx, ready_rx) = mpsc::channel();
        let spawned = std::thread::Builder::new()
            .name("sagescope-store".into())
            .spawn(move || {
                let mut cache = match open() {
                    Ok((cache, warning)) => {
                        let _ = ready_tx.send(Ok(warning));
                        cache
                    }
                    Err(err) => {
                        let _ = ready_tx.send(Err(err));
                        return;
                    }
                };
                while let Ok(work) = work_rx.recv() {
                    // A panicking closure must not take the store down with it.
                    let caught = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
                        work(&mut cache);
                    }));
                    if caught.is_err() {
                        tracing::error!("a cache operation panicked; the cache stays open");
                    }
                }
            });
        if let Err(err) = spawned {
            return Err(CacheError::Io {
                path: "<store thread>".into(),
                source: err,
            });
        }
        let warning = ready_rx.recv().map_err(|_| CacheError::Io {
            path: "<store thread>".into(),
            source: std::io::Error::other("the cache thread stopped while opening"),
        })??;
        Ok(OpenedStore {
            store: Store { work: work_tx },
            warning,
        })
    }

    fn send<R: Send + 'static>(
        &self,
        f: impl FnOnce(&mut Cache) -> R + Send + 'static,
    ) -> oneshot::Receiver<R> {
        let (tx, rx) = oneshot::channel();
        let work: Work = Box::new(move |cache| {
            let _ = tx.send(f(cache));
        });
        // A stopped thread drops `tx`; the receiver then reports `Gone`.
        let _ = self.work.send(work);
        rx
    }

    /// Runs `f` on the store thread and waits for its answer without blocking the runtime.
    pub async fn run<R: Send + 'static>(
        &self,
        f: impl FnOnce(&mut Cache) -> R + Send + 'static,
    ) -> Result<R, StoreError> {
        self.send(f).await.map_err(|_| StoreError::Gone)
    }

    /// As [`Store::run`], from synchronous code (the CLI outside its runtime). Must not be
    /// called from inside an async task.
    pub fn run_blocking<R: Send + 'static>(
        &self,
        f: impl FnOnce(&mut Cache) -> R + Send + 'static,
    ) -> Result<R, StoreError> {
        self.send(f).blocking_recv().map_err(|_| StoreError::Gone)
    }

    /// Queues `f` without waiting for it (a scope's commit while the refresh goes on).
    /// Failures are logged; the end-of-refresh commit writes everything again anyway.
    pub fn spawn_write(
        &self,
        what: &'static str,
        f: impl FnOnce(&mut Cache) -> Result<(), CacheError> + Send + 'static,
    ) {
        let _ = self.work.send(Box::new(move |cache| {
            if let Err(err) = f(cache) {
                tracing::warn!("could not write {what} to the cache: {err}");
            }
        }));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn work_runs_on_one_thread_in_the_order_sent() {
        let store = Store::in_memory().expect("opens");
        let ids: Vec<_> = futures::future::join_all(
            (0..4).map(|_| store.run(|_cache| std::thread::current().id())),
        )
        .await
        .into_iter()
        .map(|r| r.expect("answers"))
        .collect();
        assert!(
            ids.iter().all(|id| *id == ids[0]),
            "one thread owns the connection"
        );
        assert_ne!(ids[0], std::thread::current().id());
    }

    #[test]
    fn a_full_queue_makes_the_sender_wait_until_the_store_catches_up() {
        let store = Store::in_memory().expect("opens");
        // The store thread is stuck on a slow operation (another process holds the cache),
        // taken off the queue: the queue is empty when the sender starts.
        let (entered, inside) = mpsc::channel::<()>();
        let (release, stuck) = mpsc::channel::<()>();
        store.spawn_write("a slow write", move |_| {
            let _ = entered.send(());
            let _ = stuck.recv();
            Ok(())
        });
        inside.recv().expect("the slow write runs");
        // The sender says each operation it got into the queue.
        let (queued, sent) = mpsc::channel::<usize>();
        let sender = {
            let store = store.clone();
            std::thread::spawn(move || {
                for n in 1..=STORE_QUEUE + 5 {
                    store.spawn_write("a scope", |_| Ok(()));
                    let _ = queued.send(n);
                }
            })
        };
        for n in 1..=STORE_QUEUE {
            assert_eq!(sent.recv(), Ok(n), "the queue holds {STORE_QUEUE}");
        }
        // The next one waits for room. Waiting here can only pass a broken limit by (a
        // sender that went on would be heard at once), never fail a working one.
        assert_eq!(
            sent.recv_timeout(std::time::Duration::from_millis(200)),
            Err(mpsc::RecvTimeoutError::Timeout),
            "the sender stopped at the limit"
        );
        assert!(!sender.is_finished());
        release.send(()).expect("releases");
        let rest: Vec<usize> = sent.iter().collect();
        assert_eq!(
            rest,
            (STORE_QUEUE + 1..=STORE_QUEUE + 5).collect::<Vec<_>>()
        );
        sender
            .join()
            .expect("the sender finishes once the store catches up");
    }

    #[tokio::test]
    async fn a_panicking_operation_leaves_the_store_working() {
        let store = Store::in_memory().expect("opens");
        let failed = store.run(|_cache| -> u8 { panic!("boom") }).await;
        assert!(matches!(failed, Err(StoreError::Gone)));
        let answer = store
            .run(|cache| cache.load_snapshot().map(|s| s.is_none()))
            .await
            .expect("still answers");
        assert!(answer.expect("reads"), "an empty cache has no snapshot");
    }
}
