//! The local SQLite cache: the last good data of every view, so sagescope opens instantly,
//! works offline, and a failed refresh never loses what was there before.
//!
//! Each refresh is written in one transaction: a crash or a dropped network mid-write leaves the
//! previous snapshot whole. A file SQLite cannot read is moved aside and a fresh cache started,
//! because a cache is only ever a copy of what AWS holds. Credentials are never stored.

use std::path::{Path, PathBuf};

use chrono::{DateTime, Utc};
use rusqlite::{Connection, OpenFlags, OptionalExtension, params};
use serde::Serialize;
use serde::de::DeserializeOwned;

use crate::fetch::{DescribeCache, Described, JobsFetch, KnownState};
use crate::metrics::JobMetrics;
use crate::model::{DataSource, FetchError, Job, Snapshot, SpendRow, TagFinding, View};

/// The schema version this build writes; older files are migrated forward on open.
const SCHEMA_VERSION: i64 = 2;

const VIEW_JOBS: &str = "jobs";
const VIEW_SPEND: &str = "spend";
const VIEW_FINDINGS: &str = "findings";
const VIEW_METRICS: &str = "metrics";

/// What can go wrong with the cache once it is open.
#[derive(Debug, thiserror::Error)]
pub enum CacheError {
    #[error("cache database error")]
    Sqlite(#[from] rusqlite::Error),
    #[error("cache file {}", path.display())]
    Io {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error("cached {view} data cannot be read back (run `sagescope refresh` to replace it)")]
    Decode {
        view: &'static str,
        #[source]
        source: serde_json::Error,
    },
    #[error("cannot encode {view} data for the cache")]
    Encode {
        view: &'static str,
        #[source]
        source: serde_json::Error,
    },
}

/// An open cache. Cheap to open; one per task that needs it.
pub struct Cache {
    conn: Connection,
    path: Option<PathBuf>,
}

/// The result of opening a cache file: the cache and, if the old file was unusable, what
/// happened to it (to show the user as a warning).
pub struct Opened {
    pub cache: Cache,
    pub warning: Option<String>,
}

impl Cache {
    /// Opens (or creates, mode 0600) the cache at `path`.
    ///
    /// A file that is not a usable sagescope cache is renamed to `<name>.corrupt-<time>` and
    /// replaced by an empty cache; if even that fails, an in-memory cache keeps the app going.
    /// Only an in-memory database that cannot be created (out of memory) is an error.
    pub fn open(path: &Path) -> Result<Opened, CacheError> {
        Ok(match Self::try_open(path) {
            Ok(cache) => Opened {
                cache,
                warning: None,
            },
            Err(first_error) => {
                let aside = aside_name(path, Utc::now());
                let moved = std::fs::rename(path, &aside);
                let reopened = moved.as_ref().ok().map(|_| Self::try_open(path));
                match (moved, reopened) {
                    (Ok(()), Some(Ok(cache))) => Opened {
                        cache,
                        warning: Some(format!(
                            "the cache {} could not be read ({}); it was moved to {} and a new one started",
                            path.display(),
                            error_chain(&first_error),
                            aside.display()
                        )),
                    },
                    (moved, _) => Opened {
                        cache: Self::in_memory()?,
                        warning: Some(format!(
                            "the cache {} could not be used ({}{}); this run keeps its data in memory only",
                            path.display(),
                            error_chain(&first_error),
                            moved
                                .err()
                                .map(|e| format!("; moving it aside failed: {e}"))
                                .unwrap_or_default()
                        )),
                    },
                }
            }
        })
    }

    /// A cache that lives only as long as the process (tests, and the fallback when the file
    /// cannot be used).
    pub fn in_memory() -> Result<Cache, CacheError> {
        let cache = Cache {
            conn: Connection::open_in_memory()?,
            path: None,
        };
        cache.migrate()?;
        Ok(cache)
    }

    fn try_open(path: &Path) -> Result<Cache, CacheError> {
        create_private_file(path)?;
        let conn = Connection::open_with_flags(
            path,
            OpenFlags::SQLITE_OPEN_READ_WRITE | OpenFlags::SQLITE_OPEN_CREATE,
        )?;
        conn.busy_timeout(std::time::Duration::from_secs(5))?;
        let cache = Cache {
            conn,
            path: Some(path.to_path_buf()),
        };
        cache.migrate()?;
        Ok(cache)
    }

    /// The database, for modules that keep their own tables in the cache file (they create
    /// them with `CREATE TABLE IF NOT EXISTS`, so they need no migration step here).
    pub(crate) fn connection(&self) -> &Connection {
        &self.conn
    }

    /// The file behind this cache, if it is not in memory.
    pub fn path(&self) -> Option<&Path> {
        self.path.as_deref()
    }

    /// Brings the schema to [`SCHEMA_VERSION`]. Reading `user_version` also proves the file is
    /// a database at all, which is how corruption is detected on open.
    fn migrate(&self) -> Result<(), CacheError> {
        let version: i64 = self
            .conn
            .query_row("PRAGMA user_version", [], |row| row.get(0))?;
        if version < 1 {
            self.conn.execute_batch(
                "CREATE TABLE IF NOT EXISTS views (
                     name    TEXT PRIMARY KEY,
                     as_of   TEXT NOT NULL,
                     errors  TEXT NOT NULL,
                     rows    TEXT NOT NULL
                 );
                 PRAGMA user_version = 1;",
            )?;
        }
        if version < 2 {
            // Describe results by ARN, valid while `version` (LastModifiedTime|Status)
            // matches the listing: an unchanged job is never described twice.
            self.conn.execute_batch(
                "CREATE TABLE IF NOT EXISTS describes (
                     arn      TEXT PRIMARY KEY,
                     version  TEXT NOT NULL,
                     details  TEXT NOT NULL
                 );
                 PRAGMA user_version = 2;",
            )?;
        }
        if version > SCHEMA_VERSION {
            tracing::warn!(
                version,
                "cache written by a newer sagescope; reading what this build knows"
            );
        }
        // A file that is a database but whose tables are unreadable must fail here, not later.
        self.conn
            .query_row("SELECT count(*) FROM views", [], |row| row.get::<_, i64>(0))?;
        Ok(())
    }

    /// Writes all three views of a snapshot in one transaction.
    pub fn save_snapshot(&mut self, snapshot: &Snapshot) -> Result<(), CacheError> {
        let tx = self.conn.transaction()?;
        write_view(&tx, VIEW_JOBS, &snapshot.jobs)?;
        write_view(&tx, VIEW_SPEND, &snapshot.spend)?;
        write_view(&tx, VIEW_FINDINGS, &snapshot.findings)?;
        write_view(&tx, VIEW_METRICS, &snapshot.metrics)?;
        tx.commit()?;
        Ok(())
    }

    /// Replaces the metrics view alone.
    pub fn save_metrics(&mut self, view: &View<JobMetrics>) -> Result<(), CacheError> {
        let tx = self.conn.transaction()?;
        write_view(&tx, VIEW_METRICS, view)?;
        tx.commit()?;
        Ok(())
    }

    /// Replaces the jobs view alone (background job refreshes run far more often than spend).
    pub fn save_jobs(&mut self, view: &View<Job>) -> Result<(), CacheError> {
        let tx = self.conn.transaction()?;
        write_view(&tx, VIEW_JOBS, view)?;
        tx.commit()?;
        Ok(())
    }

    /// Saves a jobs refresh: the jobs view and the describe cache together, in one
    /// transaction, so the next refresh starts from a consistent known state.
    pub fn save_jobs_fetch(&mut self, fetch: &JobsFetch) -> Result<(), CacheError> {
        let tx = self.conn.transaction()?;
        write_view(&tx, VIEW_JOBS, &fetch.view)?;
        tx.execute("DELETE FROM describes", [])?;
        {
            let mut insert =
                tx.prepare("INSERT INTO describes (arn, version, details) VALUES (?1, ?2, ?3)")?;
            for (arn, described) in &fetch.describes {
                let details =
                    serde_json::to_string(described).map_err(|source| CacheError::Encode {
                        view: "describes",
                        source,
                    })?;
                insert.execute(params![arn, described.version, details])?;
            }
        }
        tx.commit()?;
        Ok(())
    }

    /// What the next jobs refresh starts from: the last jobs view and the describe cache.
    /// Entries that cannot be read are skipped (they are only a saving, not data).
    pub fn load_known(&self) -> Result<KnownState, CacheError> {
        let jobs: Option<View<Job>> = self.read_view(VIEW_JOBS)?;
        let mut statement = self.conn.prepare("SELECT arn, details FROM describes")?;
        let mut describes = DescribeCache::new();
        let rows = statement.query_map([], |row| {
            Ok((row.get::<_, String>(0)?, row.get::<_, String>(1)?))
        })?;
        for row in rows {
            let (arn, details) = row?;
            if let Ok(described) = serde_json::from_str::<Described>(&details) {
                describes.insert(arn, described);
            }
        }
        Ok(KnownState {
            jobs: jobs.map(|v| v.rows).unwrap_or_default(),
            describes,
        })
    }

    /// Replaces the spend view alone.
    pub fn save_spend(&mut self, view: &View<SpendRow>) -> Result<(), CacheError> {
        let tx = self.conn.transaction()?;
        write_view(&tx, VIEW_SPEND, view)?;
        tx.commit()?;
        Ok(())
    }

    /// Replaces the tag findings view alone.
    pub fn save_findings(&mut self, view: &View<TagFinding>) -> Result<(), CacheError> {
        let tx = self.conn.transaction()?;
        write_view(&tx, VIEW_FINDINGS, view)?;
        tx.commit()?;
        Ok(())
    }

    /// The last saved snapshot, marked as coming from the cache; `None` before the first refresh.
    ///
    /// A view never saved yet comes back empty, dated like the oldest view that was saved.
    pub fn load_snapshot(&self) -> Result<Option<Snapshot>, CacheError> {
        let jobs: Option<View<Job>> = self.read_view(VIEW_JOBS)?;
        let spend: Option<View<SpendRow>> = self.read_view(VIEW_SPEND)?;
        let findings: Option<View<TagFinding>> = self.read_view(VIEW_FINDINGS)?;
        let metrics: Option<View<JobMetrics>> = self.read_view(VIEW_METRICS)?;
        let Some(oldest) = [
            jobs.as_ref().map(|v| v.as_of),
            spend.as_ref().map(|v| v.as_of),
            findings.as_ref().map(|v| v.as_of),
        ]
        .into_iter()
        .flatten()
        .min() else {
            return Ok(None);
        };
        Ok(Some(Snapshot {
            source: DataSource::Cache,
            jobs: jobs.unwrap_or_else(|| View::new(oldest, Vec::new(), Vec::new())),
            spend: spend.unwrap_or_else(|| View::new(oldest, Vec::new(), Vec::new())),
            findings: findings.unwrap_or_else(|| View::new(oldest, Vec::new(), Vec::new())),
            metrics: metrics.unwrap_or_else(|| View::new(oldest, Vec::new(), Vec::new())),
        }))
    }

    fn read_view<T: DeserializeOwned>(
        &self,
        name: &'static str,
    ) -> Result<Option<View<T>>, CacheError> {
        let row: Option<(String, String, String)> = self
            .conn
            .query_row(
                "SELECT as_of, errors, rows FROM views WHERE name = ?1",
                params![name],
                |row| Ok((row.get(0)?, row.get(1)?, row.get(2)?)),
            )
            .optional()?;
        let Some((as_of, errors, rows)) = row else {
            return Ok(None);
        };
        let decode = |source| CacheError::Decode { view: name, source };
        let as_of: DateTime<Utc> = serde_json::from_str(&as_of).map_err(decode)?;
        let errors: Vec<FetchError> = serde_json::from_str(&errors).map_err(decode)?;
        let rows: Vec<T> = serde_json::from_str(&rows).map_err(decode)?;
        Ok(Some(View::new(as_of, rows, errors)))
    }
}

fn write_view<T: Serialize>(
    tx: &rusqlite::Transaction<'_>,
    name: &'static str,
    view: &View<T>,
) -> Result<(), CacheError> {
    let encode = |source| CacheError::Encode { view: name, source };
    let as_of = serde_json::to_string(&view.as_of).map_err(encode)?;
    let errors = serde_json::to_string(&view.errors).map_err(encode)?;
    let rows = serde_json::to_string(&view.rows).map_err(encode)?;
    tx.execute(
        "INSERT INTO views (name, as_of, errors, rows) VALUES (?1, ?2, ?3, ?4)
         ON CONFLICT(name) DO UPDATE SET as_of = excluded.as_of, errors = excluded.errors, rows = excluded.rows",
        params![name, as_of, errors, rows],
    )?;
    Ok(())
}

/// Creates the cache file (and its directory) readable by the owner only, before SQLite
/// touches it; tightens the mode of an existing file too.
fn create_private_file(path: &Path) -> Result<(), CacheError> {
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
fn error_chain(err: &dyn std::error::Error) -> String {
    let mut text = err.to_string();
    let mut source = err.source();
    while let Some(cause) = source {
        text.push_str(": ");
        text.push_str(&cause.to_string());
        source = cause.source();
    }
    text
}

fn aside_name(path: &Path, now: DateTime<Utc>) -> PathBuf {
    let mut name = path
        .file_name()
        .map(|n| n.to_os_string())
        .unwrap_or_default();
    name.push(format!(".corrupt-{}", now.format("%Y%m%dT%H%M%S")));
    path.with_file_name(name)
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

    fn described(version: &str) -> Described {
        Described {
            version: version.into(),
            instance_type: Some("ml.g5.xlarge".into()),
            instance_count: Some(2),
            failure_reason: None,
            variants: Some(vec!["AllTraffic".into()]),
        }
    }

    #[test]
    fn jobs_fetch_round_trips_with_its_describe_cache() {
        let mut cache = Cache::in_memory().expect("in-memory cache opens");
        let as_of = Utc::now();
        let fetch = JobsFetch {
            view: View::new(as_of, Vec::new(), Vec::new()),
            describes: DescribeCache::from([("arn:a".to_string(), described("v1"))]),
            stats: Default::default(),
        };
        cache.save_jobs_fetch(&fetch).expect("saves");
        let known = cache.load_known().expect("loads");
        assert_eq!(known.describes, fetch.describes);

        // A later save replaces the cache instead of accumulating stale entries.
        let next = JobsFetch {
            describes: DescribeCache::from([("arn:b".to_string(), described("v2"))]),
            ..fetch
        };
        cache.save_jobs_fetch(&next).expect("saves");
        let known = cache.load_known().expect("loads");
        assert_eq!(known.describes.keys().collect::<Vec<_>>(), vec!["arn:b"]);
    }

    #[test]
    fn version_1_files_are_migrated_keeping_their_views() {
        let dir = tempfile::tempdir().expect("tempdir");
        let path = dir.path().join("cache.db");
        {
            let conn = Connection::open(&path).expect("opens");
            conn.execute_batch(
                "CREATE TABLE views (name TEXT PRIMARY KEY, as_of TEXT NOT NULL,
                                     errors TEXT NOT NULL, rows TEXT NOT NULL);
                 INSERT INTO views VALUES ('jobs', '\"2026-11-01T00:00:00Z\"', '[]', '[]');
                 PRAGMA user_version = 1;",
            )
            .expect("v1 schema");
        }
        let opened = Cache::open(&path).expect("opens");
        assert!(opened.warning.is_none(), "{:?}", opened.warning);
        let version: i64 = opened
            .cache
            .conn
            .query_row("PRAGMA user_version", [], |row| row.get(0))
            .expect("version");
        assert_eq!(version, SCHEMA_VERSION);
        let snapshot = opened
            .cache
            .load_snapshot()
            .expect("reads")
            .expect("has jobs");
        assert_eq!(
            snapshot.jobs.as_of.to_rfc3339(),
            "2026-11-01T00:00:00+00:00"
        );
        assert!(
            opened
                .cache
                .load_known()
                .expect("reads")
                .describes
                .is_empty()
        );
    }

    #[test]
    fn empty_cache_has_no_snapshot() {
        let cache = Cache::in_memory().expect("in-memory cache opens");
        assert!(cache.load_snapshot().expect("readable").is_none());
    }
}
