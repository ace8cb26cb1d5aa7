//! The SQLite cache: round trip, atomic views, private file mode and recovery from garbage.

use chrono::{TimeZone, Utc};
use sagescope::cache::Cache;
use sagescope::demo;
use sagescope::model::{DataSource, FetchError, View};

use crate::support;

fn anchor() -> chrono::DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 11, 20, 14, 2, 0)
        .single()
        .expect("valid")
}

#[test]
fn a_saved_snapshot_reads_back_identical_but_marked_as_cache() {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("cache.db");
    let mut world = demo::world(anchor());
    world.jobs.errors.push(FetchError {
        account: "ml-prod".into(),
        region: Some("us-west-2".into()),
        message: "AccessDenied".into(),
        ..Default::default()
    });
    {
        let mut cache = Cache::open(&path).expect("opens").cache;
        support::tui::seed_cache(&mut cache, &world);
    }
    let opened = Cache::open(&path).expect("reopens");
    assert!(opened.warning.is_none());
    let back = opened
        .cache
        .load_snapshot()
        .expect("reads")
        .expect("a snapshot");
    assert_eq!(back.source, DataSource::Cache);
    // Jobs come back scope by scope (account, region, kind), every row intact.
    assert_eq!(back.jobs.as_of, world.jobs.as_of);
    assert_eq!(back.jobs.errors, world.jobs.errors);
    let by_arn = |rows: &[sagescope::model::Job]| {
        let mut rows = rows.to_vec();
        rows.sort_by(|a, b| a.arn.cmp(&b.arn));
        rows
    };
    assert_eq!(by_arn(&back.jobs.rows), by_arn(&world.jobs.rows));
    assert_eq!(back.spend, world.spend);
    assert_eq!(back.findings, world.findings);
    assert!(!world.metrics.rows.is_empty());
    assert_eq!(back.metrics, world.metrics);
}

#[test]
fn saving_one_view_keeps_the_others() {
    let mut cache = Cache::in_memory().expect("opens");
    let world = demo::world(anchor());
    support::tui::seed_cache(&mut cache, &world);
    let later = anchor() + chrono::Duration::minutes(5);
    let fresh_jobs = View::new(later, world.jobs.rows[..10].to_vec(), Vec::new());
    cache
        .save_refresh(&sagescope::cache::RefreshRecord {
            jobs: &fresh_jobs,
            describes: &Default::default(),
            tags: None,
            metrics: None,
        })
        .expect("saves a jobs-only refresh");
    let back = cache.load_snapshot().expect("reads").expect("a snapshot");
    assert_eq!(back.jobs, fresh_jobs);
    assert_eq!(back.spend, world.spend, "spend untouched by a jobs refresh");
    assert_eq!(
        back.as_of(),
        anchor(),
        "the snapshot is as old as its oldest view"
    );
}

#[cfg(unix)]
#[test]
fn the_cache_file_is_private_to_its_owner() {
    use std::os::unix::fs::PermissionsExt;
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("nested/cache.db");
    let _ = Cache::open(&path).expect("opens");
    let mode = std::fs::metadata(&path)
        .expect("exists")
        .permissions()
        .mode();
    assert_eq!(mode & 0o777, 0o600);
}

#[test]
fn a_garbage_file_is_moved_aside_and_a_fresh_cache_started() {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("cache.db");
    std::fs::write(
        &path,
        b"this is not a database, just some bytes that look nothing like SQLite",
    )
    .expect("writes");
    let opened = Cache::open(&path).expect("recovers");
    let warning = opened.warning.expect("the user is told");
    assert!(warning.contains("moved to"), "{warning}");
    assert!(opened.cache.load_snapshot().expect("reads").is_none());
    let aside: Vec<_> = std::fs::read_dir(dir.path())
        .expect("lists")
        .filter_map(Result::ok)
        .filter(|e| {
            e.file_name()
                .to_string_lossy()
                .starts_with("cache.db.corrupt-")
        })
        .collect();
    assert_eq!(aside.len(), 1, "the old file is kept for inspection");
}

/// A cache holding the demo world, and a raw connection to it (another process's).
fn seeded_cache(dir: &tempfile::TempDir) -> std::path::PathBuf {
    let path = dir.path().join("cache.db");
    let mut cache = Cache::open(&path).expect("opens").cache;
    support::tui::seed_cache(&mut cache, &demo::world(anchor()));
    path
}

fn files_moved_aside(dir: &tempfile::TempDir) -> Vec<String> {
    std::fs::read_dir(dir.path())
        .expect("lists")
        .filter_map(Result::ok)
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .filter(|name| name.contains("corrupt"))
        .collect()
}

fn jobs_in(path: &std::path::Path) -> usize {
    Cache::open(path)
        .expect("opens")
        .cache
        .load_snapshot()
        .expect("reads")
        .expect("a snapshot")
        .jobs
        .rows
        .len()
}

#[test]
fn a_cache_another_process_is_writing_is_read_without_waiting() {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = seeded_cache(&dir);
    let expected = demo::world(anchor()).jobs.rows.len();
    // The case: another process holds the cache in an exclusive transaction.
    let other = rusqlite::Connection::open(&path).expect("opens");
    other
        .execute_batch("BEGIN EXCLUSIVE; DELETE FROM scopes;")
        .expect("holds the write lock");
    let opened = Cache::open_waiting(&path, std::time::Duration::ZERO).expect("opens at once");
    assert!(opened.warning.is_none());
    let rows = opened
        .cache
        .load_snapshot()
        .expect("reads")
        .expect("a snapshot");
    assert_eq!(
        rows.jobs.rows.len(),
        expected,
        "the last commit, not the pending delete"
    );
    other.execute_batch("ROLLBACK;").expect("releases");
    assert!(files_moved_aside(&dir).is_empty());
}

/// A cache an older build left in rollback-journal mode, locked by a process of that build:
/// readers are blocked, which is `SQLITE_BUSY`, and that is no reason to move it aside.
fn locked_legacy_cache(dir: &tempfile::TempDir) -> (std::path::PathBuf, rusqlite::Connection) {
    let path = seeded_cache(dir);
    let other = rusqlite::Connection::open(&path).expect("opens");
    let mode: String = other
        .query_row("PRAGMA journal_mode = DELETE", [], |row| row.get(0))
        .expect("back to rollback mode");
    assert_eq!(mode, "delete");
    other
        .execute_batch("BEGIN EXCLUSIVE; DELETE FROM scopes;")
        .expect("holds an exclusive lock");
    (path, other)
}

#[test]
fn a_busy_cache_is_never_moved_aside_and_its_rows_survive() {
    let dir = tempfile::tempdir().expect("tempdir");
    let (path, other) = locked_legacy_cache(&dir);
    let expected = demo::world(anchor()).jobs.rows.len();
    let busy = Cache::open_waiting(&path, std::time::Duration::from_millis(300));
    let err = busy.err().expect("still busy after the wait");
    assert!(
        matches!(err, sagescope::cache::CacheError::Busy { .. }),
        "{err:?}"
    );
    assert!(
        err.to_string().contains("another sagescope process"),
        "{err}"
    );
    assert!(files_moved_aside(&dir).is_empty(), "busy is not corrupt");
    other.execute_batch("ROLLBACK;").expect("releases");
    drop(other);
    assert_eq!(jobs_in(&path), expected, "nothing was lost");
    assert!(files_moved_aside(&dir).is_empty());
}

#[test]
fn opening_a_busy_cache_waits_for_the_other_process_and_counts_the_wait() {
    let dir = tempfile::tempdir().expect("tempdir");
    let (path, other) = locked_legacy_cache(&dir);
    let expected = demo::world(anchor()).jobs.rows.len();
    // The other process lets go once this one says it is waiting (the log line it writes
    // after a second of waiting): the wait is certain, not left to a sleep.
    let (said, heard) = std::sync::mpsc::channel::<String>();
    let holder = std::thread::spawn(move || {
        while let Ok(line) = heard.recv() {
            if line.contains("waiting for the cache") {
                break;
            }
        }
        other.execute_batch("ROLLBACK;").expect("releases");
    });
    let log = tracing_subscriber::fmt()
        .with_max_level(tracing::Level::INFO)
        .with_ansi(false)
        .with_writer(move || LineSender(said.clone()))
        .finish();
    let opened = tracing::subscriber::with_default(log, || {
        Cache::open_waiting(&path, std::time::Duration::from_secs(20))
    })
    .expect("opens once the other is done");
    holder.join().expect("no panic");
    assert!(opened.warning.is_none());
    let waits = opened.cache.busy_waits();
    assert!(waits.count() >= 1, "the wait is reported");
    assert!(
        waits.total() >= std::time::Duration::from_millis(300),
        "{:?}",
        waits.total()
    );
    let rows = opened
        .cache
        .load_snapshot()
        .expect("reads")
        .expect("a snapshot");
    assert_eq!(rows.jobs.rows.len(), expected);
    assert!(files_moved_aside(&dir).is_empty());
}

/// A log writer handing each line to the test.
struct LineSender(std::sync::mpsc::Sender<String>);

impl std::io::Write for LineSender {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        let _ = self.0.send(String::from_utf8_lossy(buf).into_owned());
        Ok(buf.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}
