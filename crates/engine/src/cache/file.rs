//! How the cache file is opened when several sagescope processes share it (the TUI, `watch`,
//! `refresh`, an export): WAL, so readers never wait for a writer; a busy handler that waits
//! for the other writer and says so; and the one rule for moving a file aside — only when
//! SQLite says it is not a database or is corrupt. A busy or locked cache is someone else's
//! work in progress, never damage: moving it aside would throw away a healthy cache.

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use chrono::{DateTime, Utc};
use rusqlite::{Connection, ErrorCode};

use super::CacheError;

/// How long one statement waits for another process's write before giving up. A whole
/// refresh at 100,000 resources commits in a few seconds; a minute covers a slow disk too.
pub const BUSY_LIMIT: Duration = Duration::from_secs(60);

/// A wait longer than this is worth a line in the log: the user may wonder why a command
/// is slow, and the answer is another sagescope writing the same cache.
const WAIT_WORTH_LOGGING: Duration = Duration::from_secs(1);

/// The waits for another process's lock this connection has made: how many, and how long in
/// all. Reported, never an error, unless one wait passes [`BUSY_LIMIT`].
#[derive(Debug, Default)]
pub struct BusyWaits {
    waits: AtomicU64,
    waited_ms: AtomicU64,
}

impl BusyWaits {
    /// How many times a statement found the cache locked and waited.
    pub fn count(&self) -> u64 {
        self.waits.load(Ordering::Relaxed)
    }

    /// The time spent waiting, in all.
    pub fn total(&self) -> Duration {
        Duration::from_millis(self.waited_ms.load(Ordering::Relaxed))
    }
}

/// Makes `conn` share the file well: WAL (readers and the writer do not block each other),
/// `synchronous = NORMAL` (safe with WAL; a power cut may lose the last refresh, which the
/// next one fetches again) and a busy handler that waits up to `limit` for another writer.
pub(super) fn share(
    conn: &mut Connection,
    path: &Path,
    limit: Duration,
) -> Result<Arc<BusyWaits>, CacheError> {
    let waits = Arc::new(BusyWaits::default());
    let handler_waits = waits.clone();
    let shown = path.display().to_string();
    let mut started = Instant::now();
    let mut logged = false;
    conn.busy_handler(Some(move |attempt: i32| {
        if attempt == 0 {
            started = Instant::now();
            logged = false;
            handler_waits.waits.fetch_add(1, Ordering::Relaxed);
        }
        let waited = started.elapsed();
        if waited >= limit {
            tracing::warn!(
                "gave up waiting for the cache {shown} after {} s: another sagescope process holds it",
                waited.as_secs()
            );
            return false;
        }
        if !logged && waited >= WAIT_WORTH_LOGGING {
            logged = true;
            tracing::info!(
                "waiting for the cache {shown}: another sagescope process is writing it"
            );
        }
        // Short sleeps first (most writes take milliseconds), then at most 32 ms.
        let pause = Duration::from_millis(1u64 << attempt.clamp(0, 5)).min(limit - waited);
        std::thread::sleep(pause);
        handler_waits
            .waited_ms
            .fetch_add(pause.as_millis() as u64, Ordering::Relaxed);
        true
    }))?;
    // Persistent in the file: every later connection, of any process, uses WAL too.
    let mode: String = conn.query_row("PRAGMA journal_mode = WAL", [], |row| row.get(0))?;
    if !mode.eq_ignore_ascii_case("wal") {
        tracing::warn!(
            "the cache {} stays in {mode} journal mode (WAL is not available)",
            path.display()
        );
    }
    // A whole refresh at 100,000 resources writes tens of megabytes to the WAL; once it is
    // checkpointed the file is cut back to this, instead of staying at its largest.
    conn.execute_batch("PRAGMA synchronous = NORMAL; PRAGMA journal_size_limit = 67108864;")?;
    // Every transaction here writes: taking the write lock at BEGIN lets the busy handler
    // wait for it. A deferred one that reads first and then writes fails at once with
    // SQLITE_BUSY when another process committed in between (WAL cannot upgrade a stale read).
    conn.set_transaction_behavior(rusqlite::TransactionBehavior::Immediate);
    Ok(waits)
}

/// What SQLite's answer says about the file.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Verdict {
    /// Not a database, or a damaged one: the only case where the file is moved aside.
    Unreadable,
    /// Another connection holds a lock: wait or report, never touch the file.
    Busy,
    /// Anything else (permissions, a full disk, a missing directory): the file is left as it
    /// is and this run keeps its data in memory.
    Unusable,
}

pub(super) fn verdict(err: &CacheError) -> Verdict {
    let CacheError::Sqlite(rusqlite::Error::SqliteFailure(failure, _)) = err else {
        return Verdict::Unusable;
    };
    match failure.code {
        ErrorCode::NotADatabase | ErrorCode::DatabaseCorrupt => Verdict::Unreadable,
        ErrorCode::DatabaseBusy | ErrorCode::DatabaseLocked => Verdict::Busy,
        _ => Verdict::Unusable,
    }
}

/// Creates the cache file (and its directory) readable by the owner only, before SQLite
/// touches it; tightens the mode of an existing file too.
pub(super) fn create_private(path: &Path) -> Result<(), CacheError> {
    let io = |source| CacheError::Io {
        path: path.to_path_buf(),
        source,
    };
    if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
        std::fs::create_dir_all(dir).map_err(io)?;
    }
    let mut options = std::fs::OpenOptions::new();
    options.create(true).append(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::{OpenOptionsExt, PermissionsExt};
        options.mode(0o600);
        options.open(path).map_err(io)?;
        std::fs::set_permissions(path, std::fs::Permissions::from_mode(0o600)).map_err(io)?;
    }
    #[cfg(not(unix))]
    {
        options.open(path).map_err(io)?;
    }
    Ok(())
}

/// An error and its causes on one line: "cache database error: file is not a database".
pub(super) fn error_chain(err: &dyn std::error::Error) -> String {
    let mut text = err.to_string();
    let mut source = err.source();
    while let Some(cause) = source {
        text.push_str(": ");
        text.push_str(&cause.to_string());
        source = cause.source();
    }
    text
}

/// Where an unreadable cache file is kept for inspection.
pub(super) fn aside_name(path: &Path, now: DateTime<Utc>) -> PathBuf {
    let mut name = path
        .file_name()
        .map(|n| n.to_os_string())
        .unwrap_or_default();
    name.push(format!(".corrupt-{}", now.format("%Y%m%dT%H%M%S")));
    path.with_file_name(name)
}

/// Moves an unreadable file aside with its WAL and shared-memory files, which belong to it:
/// left behind, SQLite would try to replay the old WAL into the new database.
pub(super) fn move_aside(path: &Path, aside: &Path) -> std::io::Result<()> {
    std::fs::rename(path, aside)?;
    for suffix in ["-wal", "-shm"] {
        let mut from = path.as_os_str().to_os_string();
        from.push(suffix);
        let mut to = aside.as_os_str().to_os_string();
        to.push(suffix);
        match std::fs::rename(&from, &to) {
            Err(err) if err.kind() != std::io::ErrorKind::NotFound => return Err(err),
            _ => {}
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn aside_name_keeps_the_directory_and_adds_a_timestamp() {
        let now = DateTime::parse_from_rfc3339("2026-11-22T10:11:12Z")
            .map(|t| t.with_timezone(&Utc))
            .expect("valid time");
        assert_eq!(
            aside_name(Path::new("/x/cache.db"), now),
            PathBuf::from("/x/cache.db.corrupt-20261122T101112")
        );
    }

    fn sqlite(code: std::ffi::c_int) -> CacheError {
        CacheError::Sqlite(rusqlite::Error::SqliteFailure(
            rusqlite::ffi::Error::new(code),
            None,
        ))
    }

    #[test]
    fn only_a_file_that_is_not_a_database_or_is_corrupt_is_unreadable() {
        assert_eq!(
            verdict(&sqlite(rusqlite::ffi::SQLITE_NOTADB)),
            Verdict::Unreadable
        );
        assert_eq!(
            verdict(&sqlite(rusqlite::ffi::SQLITE_CORRUPT)),
            Verdict::Unreadable
        );
        assert_eq!(verdict(&sqlite(rusqlite::ffi::SQLITE_BUSY)), Verdict::Busy);
        assert_eq!(
            verdict(&sqlite(rusqlite::ffi::SQLITE_LOCKED)),
            Verdict::Busy
        );
        assert_eq!(
            verdict(&sqlite(rusqlite::ffi::SQLITE_IOERR)),
            Verdict::Unusable
        );
        assert_eq!(
            verdict(&sqlite(rusqlite::ffi::SQLITE_CANTOPEN)),
            Verdict::Unusable
        );
        assert_eq!(
            verdict(&sqlite(rusqlite::ffi::SQLITE_READONLY)),
            Verdict::Unusable
        );
    }
}
