//! The local SQLite cache: the last good data of every view, so sagescope opens instantly,
//! works offline, and a failed refresh never loses what was there before.
//!
//! Jobs are kept per (account, region, kind) scope. Each scope is committed in one transaction
//! as soon as its list and details are in, and the end of a refresh commits every scope with
//! its tags, the findings and the metrics in one more: a crash or a dropped network mid-refresh
//! leaves each scope either as the last refresh left it or as this one found it, never mixed. A file SQLite cannot read is moved aside and a fresh cache started,
//! because a cache is only ever a copy of what AWS holds. Credentials are never stored.

mod answers;
pub mod creators;
pub mod cur;
mod events;
mod file;
mod head;
mod prices;
mod schema;
pub mod tags;

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

use chrono::{DateTime, Utc};
use rusqlite::{Connection, OpenFlags, params};
use serde::Serialize;
use serde::de::DeserializeOwned;

pub use answers::Kept;
use file::Verdict;
pub use file::{BUSY_LIMIT, BusyWaits};
pub use head::{HEAD_ROWS, Head};

use sagescope_core::model::{
    DataSource, DescribeCache, Described, FetchError, Job, JobMetrics, KnownState, ScopeKey,
    Snapshot, SpendRow, TagFinding, View,
};

const VIEW_JOBS: &str = "jobs";
const VIEW_SPEND: &str = "spend";
const VIEW_FINDINGS: &str = "findings";
const VIEW_METRICS: &str = "metrics";

/// What can go wrong with the cache once it is open.
#[derive(Debug, thiserror::Error)]
pub enum CacheError {
    #[error("cache database error")]
    Sqlite(#[from] rusqlite::Error),
    #[error(
        "the cache {} is busy: another sagescope process (the TUI, `watch` or `refresh`) has been writing it for over {} s; try again when it is done",
        path.display(),
        waited.as_secs()
    )]
    Busy { path: PathBuf, waited: Duration },
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

/// One scope's listing time and rows.
pub type ScopeRows = (DateTime<Utc>, Vec<Job>);

/// An open cache. One per process, owned by the store thread ([`crate::store::Store`]).
pub struct Cache {
    conn: Connection,
    path: Option<PathBuf>,
    busy: Arc<BusyWaits>,
}

/// The result of opening a cache file: the cache and, if the old file was unusable, what
/// happened to it (to show the user as a warning).
pub struct Opened {
    pub cache: Cache,
    pub warning: Option<String>,
}

impl Cache {
    /// Opens (or creates, mode 0600) the cache at `path`, waiting up to [`BUSY_LIMIT`] for
    /// another sagescope process that is writing it.
    ///
    /// Only a file SQLite says is not a database, or is corrupt, is renamed to
    /// `<name>.corrupt-<time>` and replaced by an empty cache. A cache still busy after the
    /// wait is an error ([`CacheError::Busy`]) and the file is left alone. Any other failure
    /// (permissions, a full disk) leaves the file alone too and keeps this run's data in memory.
    pub fn open(path: &Path) -> Result<Opened, CacheError> {
        Self::open_waiting(path, BUSY_LIMIT)
    }

    /// As [`Cache::open`], waiting at most `limit` for a busy cache.
    pub fn open_waiting(path: &Path, limit: Duration) -> Result<Opened, CacheError> {
        let first_error = match Self::try_open(path, limit) {
            Ok(cache) => {
                return Ok(Opened {
                    cache,
                    warning: None,
                });
            }
            Err(err) => err,
        };
        match file::verdict(&first_error) {
            Verdict::Busy => Err(CacheError::Busy {
                path: path.to_path_buf(),
                waited: limit,
            }),
            Verdict::Unreadable => {
                let aside = file::aside_name(path, Utc::now());
                let moved = file::move_aside(path, &aside);
                let reopened = moved.as_ref().ok().map(|_| Self::try_open(path, limit));
                match (moved, reopened) {
                    (Ok(()), Some(Ok(cache))) => Ok(Opened {
                        cache,
                        warning: Some(format!(
                            "the cache {} is not a readable database ({}); it was moved to {} and a new one started",
                            path.display(),
                            file::error_chain(&first_error),
                            aside.display()
                        )),
                    }),
                    (moved, _) => Self::in_memory_instead(
                        path,
                        &first_error,
                        moved
                            .err()
                            .map(|e| format!("; moving it aside failed: {e}"))
                            .unwrap_or_default(),
                    ),
                }
            }
            Verdict::Unusable => Self::in_memory_instead(path, &first_error, String::new()),
        }
    }

    /// The fallback when the file cannot be used at all: the app goes on, its data in memory.
    fn in_memory_instead(
        path: &Path,
        error: &CacheError,
        more: String,
    ) -> Result<Opened, CacheError> {
        Ok(Opened {
            cache: Self::in_memory()?,
            warning: Some(format!(
                "the cache {} could not be used ({}{more}); this run keeps its data in memory only",
                path.display(),
                file::error_chain(error),
            )),
        })
    }

    /// A cache that lives only as long as the process (tests, and the fallback when the file
    /// cannot be used).
    pub fn in_memory() -> Result<Cache, CacheError> {
        let mut cache = Cache {
            conn: Connection::open_in_memory()?,
            path: None,
            busy: Arc::default(),
        };
        schema::migrate(&mut cache.conn)?;
        Ok(cache)
    }

    fn try_open(path: &Path, limit: Duration) -> Result<Cache, CacheError> {
        file::create_private(path)?;
        let mut conn = Connection::open_with_flags(
            path,
            OpenFlags::SQLITE_OPEN_READ_WRITE | OpenFlags::SQLITE_OPEN_CREATE,
        )?;
        let busy = file::share(&mut conn, path, limit)?;
        schema::migrate(&mut conn)?;
        Ok(Cache {
            conn,
            path: Some(path.to_path_buf()),
            busy,
        })
    }

    /// The database, for the cache's own modules (every table's SQL lives under `cache/`).
    fn connection(&self) -> &Connection {
        &self.conn
    }

    /// The file behind this cache, if it is not in memory.
    pub fn path(&self) -> Option<&Path> {
        self.path.as_deref()
    }

    /// The waits this connection made for another process's write.
    pub fn busy_waits(&self) -> &BusyWaits {
        &self.busy
    }

    /// Replaces the metrics view alone.
    pub fn save_metrics(&mut self, view: &View<JobMetrics>) -> Result<(), CacheError> {
        let tx = self.conn.transaction()?;
        write_view(&tx, VIEW_METRICS, view)?;
        tx.commit()?;
        Ok(())
    }

    /// Commits one scope as a refresh found it: its rows and their describe entries, in one
    /// transaction. The jobs view's age and errors change only with [`Cache::save_refresh`].
    pub fn save_scope(
        &mut self,
        scope: &ScopeKey,
        as_of: DateTime<Utc>,
        rows: &[Job],
        describes: &[(String, Described)],
    ) -> Result<(), CacheError> {
        let tx = self.conn.transaction()?;
        let key = params![scope.account, scope.region, scope.kind.as_str()];
        // The scope keeps its place among the others; a new one goes last.
        let ord: i64 = tx.query_row(
            "SELECT COALESCE(
                 (SELECT ord FROM scopes WHERE account = ?1 AND region = ?2 AND kind = ?3),
                 (SELECT COALESCE(MAX(ord), -1) + 1 FROM scopes))",
            key,
            |row| row.get(0),
        )?;
        tx.execute(
            "DELETE FROM scopes WHERE account = ?1 AND region = ?2 AND kind = ?3",
            key,
        )?;
        write_scopes(&tx, as_of, rows, ord)?;
        write_describes(&tx, describes.iter().map(|(arn, d)| (arn, d)))?;
        tx.commit()?;
        Ok(())
    }

    /// One scope's rows and when they were listed, as [`Cache::save_scope`] left them; `None`
    /// for a scope never saved.
    pub fn load_scope(&self, scope: &ScopeKey) -> Result<Option<ScopeRows>, CacheError> {
        let Some((as_of, mut rows)) = self.load_scope_as_stored(scope)? else {
            return Ok(None);
        };
        creators::overlay_rows(&self.conn, &mut rows)?;
        Ok(Some((as_of, rows)))
    }

    /// One scope's rows exactly as written, without the kept creators laid over them.
    fn load_scope_as_stored(&self, scope: &ScopeKey) -> Result<Option<ScopeRows>, CacheError> {
        let decode = |source| CacheError::Decode {
            view: VIEW_JOBS,
            source,
        };
        let mut statement = self.conn.prepare(
            "SELECT as_of, rows FROM scopes WHERE account = ?1 AND region = ?2 AND kind = ?3",
        )?;
        let mut found =
            statement.query(params![scope.account, scope.region, scope.kind.as_str()])?;
        let Some(blob) = found.next()? else {
            return Ok(None);
        };
        let as_of: DateTime<Utc> = serde_json::from_str(text(blob, 0)?).map_err(decode)?;
        let rows: Vec<Job> = serde_json::from_str(text(blob, 1)?).map_err(decode)?;
        Ok(Some((as_of, rows)))
    }

    /// Commits a whole refresh in one transaction: every scope (tags included), the jobs
    /// view's age and errors, the describe cache (pruned to what is listed), the tag state and
    /// findings, and the metrics when they were fetched.
    pub fn save_refresh(&mut self, refresh: &RefreshRecord<'_>) -> Result<(), CacheError> {
        let tx = self.conn.transaction()?;
        tx.execute("DELETE FROM scopes", [])?;
        write_scopes(&tx, refresh.jobs.as_of, &refresh.jobs.rows, 0)?;
        let meta: View<Job> =
            View::new(refresh.jobs.as_of, Vec::new(), refresh.jobs.errors.clone());
        write_view(&tx, VIEW_JOBS, &meta)?;
        head::write(&tx, refresh.jobs.as_of, &refresh.jobs.rows)?;
        tx.execute("DELETE FROM describes", [])?;
        write_describes(&tx, refresh.describes.iter())?;
        if let Some((tags, findings)) = refresh.tags {
            tags::save_in(&tx, tags)?;
            write_view(&tx, VIEW_FINDINGS, findings)?;
        }
        if let Some(metrics) = refresh.metrics {
            write_view(&tx, VIEW_METRICS, metrics)?;
        }
        tx.commit()?;
        Ok(())
    }

    /// Every cached job, scope by scope (account, region, kind, newest first), and the age of
    /// the oldest scope.
    fn load_jobs(&self) -> Result<(Vec<Job>, Option<DateTime<Utc>>), CacheError> {
        let mut statement = self
            .conn
            .prepare("SELECT as_of, rows FROM scopes ORDER BY ord, account, region, kind")?;
        let mut blobs = statement.query([])?;
        let decode = |source| CacheError::Decode {
            view: VIEW_JOBS,
            source,
        };
        // Sized once from the head's count when there is one: growing by doubling would move
        // 100,000 rows and hold the old and new allocations at once.
        let expected = self.count_of_all_jobs().unwrap_or(0);
        let mut jobs = Vec::with_capacity(expected);
        let mut oldest: Option<DateTime<Utc>> = None;
        while let Some(blob) = blobs.next()? {
            let as_of: DateTime<Utc> = serde_json::from_str(text(blob, 0)?).map_err(decode)?;
            let rows: Vec<Job> = serde_json::from_str(text(blob, 1)?).map_err(decode)?;
            oldest = Some(oldest.map_or(as_of, |o| o.min(as_of)));
            jobs.extend(rows);
        }
        Ok((jobs, oldest))
    }

    /// How many rows the last whole refresh saved, from the head (see [`head`]); only a
    /// capacity hint, so a missing or unreadable head is `None`.
    fn count_of_all_jobs(&self) -> Option<usize> {
        head::total(&self.conn).ok().flatten()
    }

    /// The jobs view: its errors as the last whole refresh left them, its rows from every
    /// scope (some may be newer, committed by a refresh that did not finish), dated by the
    /// oldest scope.
    fn jobs_view(&self) -> Result<Option<View<Job>>, CacheError> {
        let meta = self.read_view::<Job>(VIEW_JOBS)?;
        let (mut rows, oldest) = self.load_jobs()?;
        creators::overlay_all(&self.conn, &mut rows)?;
        Ok(match (meta, oldest) {
            (Some(mut view), oldest) => {
                view.as_of = oldest.map_or(view.as_of, |o| o.min(view.as_of));
                view.rows = rows;
                Some(view)
            }
            (None, Some(oldest)) => Some(View::new(oldest, rows, Vec::new())),
            (None, None) => None,
        })
    }

    /// What the next jobs refresh starts from: the last jobs view and the describe cache.
    /// Entries that cannot be read are skipped (they are only a saving, not data).
    pub fn load_known(&self) -> Result<KnownState, CacheError> {
        let jobs = self.jobs_view()?;
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

    /// The Jobs pane's first rows as the last whole refresh saved them, to show while the rest
    /// is read; `None` before the first whole refresh.
    pub fn load_head(&self) -> Result<Option<Head>, CacheError> {
        head::read(&self.conn)
    }

    /// The last saved snapshot, marked as coming from the cache; `None` before the first refresh.
    ///
    /// A view never saved yet comes back empty, dated like the oldest view that was saved.
    pub fn load_snapshot(&self) -> Result<Option<Snapshot>, CacheError> {
        let jobs = self.jobs_view()?;
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
        let mut statement = self
            .conn
            .prepare("SELECT as_of, errors, rows FROM views WHERE name = ?1")?;
        let mut found = statement.query(params![name])?;
        let Some(row) = found.next()? else {
            return Ok(None);
        };
        let decode = |source| CacheError::Decode { view: name, source };
        let as_of: DateTime<Utc> = serde_json::from_str(text(row, 0)?).map_err(decode)?;
        let errors: Vec<FetchError> = serde_json::from_str(text(row, 1)?).map_err(decode)?;
        let rows: Vec<T> = serde_json::from_str(text(row, 2)?).map_err(decode)?;
        Ok(Some(View::new(as_of, rows, errors)))
    }
}

/// Column `i` of `row` as text, borrowed from SQLite's own buffer: a view's rows are one JSON
/// text of tens of megabytes at 100,000 resources, and copying it into a `String` first would
/// hold it twice while it is decoded.
fn text<'r>(row: &'r rusqlite::Row<'_>, i: usize) -> Result<&'r str, rusqlite::Error> {
    row.get_ref(i)?.as_str().map_err(|err| {
        rusqlite::Error::FromSqlConversionFailure(i, rusqlite::types::Type::Text, Box::new(err))
    })
}

/// What one whole refresh commits (see [`Cache::save_refresh`]).
pub struct RefreshRecord<'a> {
    /// Every job, stale scopes' last good rows included, with the view's age and errors.
    pub jobs: &'a View<Job>,
    /// The describe cache for those rows.
    pub describes: &'a DescribeCache,
    /// The tag state and findings, when the tag pass ran.
    pub tags: Option<(&'a sagescope_core::tags::TagState, &'a View<TagFinding>)>,
    /// Utilisation, when it was fetched this time.
    pub metrics: Option<&'a View<JobMetrics>>,
}

/// Inserts `rows` grouped by scope (replacing those scopes), dated `as_of`, the scopes in the
/// order they first appear from `first_ord` on: the view reads back in the order it was saved.
fn write_scopes(
    tx: &rusqlite::Connection,
    as_of: DateTime<Utc>,
    rows: &[Job],
    first_ord: i64,
) -> Result<(), CacheError> {
    let as_of = serde_json::to_string(&as_of).map_err(|source| CacheError::Encode {
        view: VIEW_JOBS,
        source,
    })?;
    let mut order: Vec<ScopeKey> = Vec::new();
    let mut scopes: std::collections::HashMap<ScopeKey, Vec<&Job>> = Default::default();
    for job in rows {
        let scope = ScopeKey::of(job);
        if !scopes.contains_key(&scope) {
            order.push(scope.clone());
        }
        scopes.entry(scope).or_default().push(job);
    }
    let mut insert = tx.prepare(
        "INSERT OR REPLACE INTO scopes (account, region, kind, as_of, ord, rows)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
    )?;
    for (ord, scope) in (first_ord..).zip(order) {
        let jobs = scopes.remove(&scope).unwrap_or_default();
        let blob = serde_json::to_string(&jobs).map_err(|source| CacheError::Encode {
            view: VIEW_JOBS,
            source,
        })?;
        insert.execute(params![
            scope.account,
            scope.region,
            scope.kind.as_str(),
            as_of,
            ord,
            blob
        ])?;
    }
    Ok(())
}

fn write_describes<'a>(
    tx: &rusqlite::Connection,
    entries: impl Iterator<Item = (&'a String, &'a Described)>,
) -> Result<(), CacheError> {
    let mut insert =
        tx.prepare("INSERT OR REPLACE INTO describes (arn, version, details) VALUES (?1, ?2, ?3)")?;
    for (arn, described) in entries {
        let details = serde_json::to_string(described).map_err(|source| CacheError::Encode {
            view: "describes",
            source,
        })?;
        insert.execute(params![arn, described.version, details])?;
    }
    Ok(())
}

fn write_view<T: Serialize>(
    tx: &rusqlite::Connection,
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

#[cfg(test)]
mod tests {
    use super::*;
    use sagescope_core::model::ResourceKind;

    fn described(version: &str) -> Described {
        Described {
            version: version.into(),
            instance_type: Some("ml.g5.xlarge".into()),
            instance_count: Some(2),
            failure_reason: None,
            variants: Some(vec!["AllTraffic".into()]),
            last_activity_at: None,
            read_at: None,
            compute: None,
            billing: None,
        }
    }

    /// A resource of `account` (its ARN `arn:{account}:{name}`), created now; also the
    /// cache's other test modules' row.
    pub(super) fn job(account: &str, kind: ResourceKind, name: &str, status: &str) -> Job {
        Job {
            account_id: "111111111111".into(),
            account_name: account.into(),
            region: "us-east-1".into(),
            kind,
            name: name.into(),
            arn: format!("arn:{account}:{name}"),
            status: sagescope_core::model::JobStatus::new(status),
            created_at: Utc::now(),
            ended_at: None,
            last_modified_at: None,
            instance_type: None,
            instance_count: None,
            failure_reason: None,
            tags: Default::default(),
            app: None,
            compute: None,
            streamed_at: None,
            created_by: None,
            billing: None,
        }
    }

    fn fetch(rows: Vec<Job>, describes: DescribeCache) -> (View<Job>, DescribeCache) {
        (View::new(Utc::now(), rows, Vec::new()), describes)
    }

    fn record((jobs, describes): &(View<Job>, DescribeCache)) -> RefreshRecord<'_> {
        RefreshRecord {
            jobs,
            describes,
            tags: None,
            metrics: None,
        }
    }

    #[test]
    fn a_refresh_round_trips_with_its_describe_cache() {
        let mut cache = Cache::in_memory().expect("in-memory cache opens");
        let first = fetch(
            Vec::new(),
            DescribeCache::from([("arn:a".to_string(), described("v1"))]),
        );
        cache.save_refresh(&record(&first)).expect("saves");
        let known = cache.load_known().expect("loads");
        assert_eq!(known.describes, first.1);

        // A later save replaces the cache instead of accumulating stale entries.
        let next = fetch(
            Vec::new(),
            DescribeCache::from([("arn:b".to_string(), described("v2"))]),
        );
        cache.save_refresh(&record(&next)).expect("saves");
        let known = cache.load_known().expect("loads");
        assert_eq!(known.describes.keys().collect::<Vec<_>>(), vec!["arn:b"]);
    }

    #[test]
    fn a_refresh_cut_short_leaves_every_scope_whole_old_or_new() {
        let mut cache = Cache::in_memory().expect("in-memory cache opens");
        let old = fetch(
            vec![
                job("prod", ResourceKind::Training, "t-old-1", "InProgress"),
                job("prod", ResourceKind::Training, "t-old-2", "Completed"),
                job("prod", ResourceKind::Endpoint, "e-old", "InService"),
                job("dev", ResourceKind::Training, "d-old", "Completed"),
            ],
            DescribeCache::new(),
        );
        cache.save_refresh(&record(&old)).expect("saves");
        // The next refresh commits prod's training scope, then stops (killed, network gone).
        let scope = ScopeKey {
            account: "prod".into(),
            region: "us-east-1".into(),
            kind: ResourceKind::Training,
        };
        let fresh = vec![
            job("prod", ResourceKind::Training, "t-new", "InProgress"),
            job("prod", ResourceKind::Training, "t-old-1", "Failed"),
        ];
        cache
            .save_scope(
                &scope,
                Utc::now(),
                &fresh,
                &[("arn:prod:t-new".to_string(), described("v9"))],
            )
            .expect("saves");

        let known = cache.load_known().expect("loads");
        let mut names: Vec<(&str, &str)> = known
            .jobs
            .iter()
            .map(|j| (j.name.as_str(), j.status.as_str()))
            .collect();
        names.sort_unstable();
        assert_eq!(
            names,
            vec![
                ("d-old", "Completed"),
                ("e-old", "InService"),
                ("t-new", "InProgress"),
                ("t-old-1", "Failed"),
            ],
            "prod training is wholly new (t-old-2 gone with it); the other scopes wholly old"
        );
        assert_eq!(
            known
                .describes
                .get("arn:prod:t-new")
                .map(|d| d.version.as_str()),
            Some("v9")
        );
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
        assert_eq!(version, schema::SCHEMA_VERSION);
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
