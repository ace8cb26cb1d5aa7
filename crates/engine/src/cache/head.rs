//! The head of the Jobs pane: its first rows in the default order, kept beside the scopes so
//! start-up can show them at once.
//!
//! Reading 100,000 cached resources back takes over a second: every scope's rows are decoded,
//! then every pane is built. The rows the Jobs pane opens on (the newest) are few, so each
//! whole refresh also writes them here with the number of rows in all; start-up draws them
//! within milliseconds and the rest fills in behind. The head is only a first look: the full
//! read replaces it, and a scope committed since the last whole refresh shows with the rest.

use chrono::{DateTime, Utc};
use rusqlite::{Connection, OptionalExtension, params};

use super::CacheError;
use sagescope_core::model::Job;

/// Created on every open (it holds nothing that needs migrating: a cache without it simply has
/// no head until the next whole refresh).
pub(super) const SCHEMA: &str = "CREATE TABLE IF NOT EXISTS head (
     id     INTEGER PRIMARY KEY CHECK (id = 1),
     as_of  TEXT NOT NULL,
     total  INTEGER NOT NULL,
     rows   TEXT NOT NULL
 );";

/// How many rows the head keeps: more than the tallest terminal shows, and enough to page
/// down a few times while the rest is read.
pub const HEAD_ROWS: usize = 200;

const VIEW: &str = "head";

/// The Jobs pane's first rows as the last whole refresh saved them.
#[derive(Debug, Clone, PartialEq)]
pub struct Head {
    /// When that refresh ran.
    pub as_of: DateTime<Utc>,
    /// How many rows the whole jobs view held.
    pub total: usize,
    /// Its first [`HEAD_ROWS`] rows in the Jobs pane's default order ([`Job::newest_first`]).
    pub rows: Vec<Job>,
}

/// Replaces the head with the first rows of `rows`, in the Jobs pane's default order.
pub(super) fn write(tx: &Connection, as_of: DateTime<Utc>, rows: &[Job]) -> Result<(), CacheError> {
    let encode = |source| CacheError::Encode { view: VIEW, source };
    let first = first_rows(rows, HEAD_ROWS);
    let as_of = serde_json::to_string(&as_of).map_err(encode)?;
    let blob = serde_json::to_string(&first).map_err(encode)?;
    tx.execute(
        "INSERT OR REPLACE INTO head (id, as_of, total, rows) VALUES (1, ?1, ?2, ?3)",
        params![as_of, i64::try_from(rows.len()).unwrap_or(i64::MAX), blob],
    )?;
    Ok(())
}

/// The head, if a whole refresh has written one.
pub(super) fn read(conn: &Connection) -> Result<Option<Head>, CacheError> {
    let row: Option<(String, i64, String)> = conn
        .query_row(
            "SELECT as_of, total, rows FROM head WHERE id = 1",
            [],
            |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)),
        )
        .optional()?;
    let Some((as_of, total, rows)) = row else {
        return Ok(None);
    };
    let decode = |source| CacheError::Decode { view: VIEW, source };
    Ok(Some(Head {
        as_of: serde_json::from_str(&as_of).map_err(decode)?,
        total: usize::try_from(total).unwrap_or(0),
        rows: serde_json::from_str(&rows).map_err(decode)?,
    }))
}

/// How many rows the whole jobs view held when the head was written, without reading the
/// head's rows.
pub(super) fn total(conn: &Connection) -> Result<Option<usize>, CacheError> {
    let total: Option<i64> = conn
        .query_row("SELECT total FROM head WHERE id = 1", [], |r| r.get(0))
        .optional()?;
    Ok(total.map(|t| usize::try_from(t).unwrap_or(0)))
}

/// The first `n` of `rows` in [`Job::newest_first`] order, without sorting them all.
fn first_rows(rows: &[Job], n: usize) -> Vec<&Job> {
    let mut refs: Vec<&Job> = rows.iter().collect();
    if refs.len() > n {
        refs.select_nth_unstable_by(n, |a, b| Job::newest_first(a, b));
        refs.truncate(n);
    }
    refs.sort_by(|a, b| Job::newest_first(a, b));
    refs
}

#[cfg(test)]
mod tests {
    use chrono::{Duration, TimeZone};

    use super::*;
    use crate::cache::{Cache, RefreshRecord};
    use sagescope_core::model::{DescribeCache, ResourceKind, View};

    fn t0() -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2026, 11, 20, 12, 0, 0)
            .single()
            .expect("valid")
    }

    fn job(name: &str, created_at: DateTime<Utc>) -> Job {
        Job {
            created_at,
            ..crate::cache::tests::job("dev", ResourceKind::Training, name, "Completed")
        }
    }

    fn saved(rows: Vec<Job>) -> Cache {
        let mut cache = Cache::in_memory().expect("in-memory cache");
        let view = View::new(t0(), rows, Vec::new());
        cache
            .save_refresh(&RefreshRecord {
                jobs: &view,
                describes: &DescribeCache::new(),
                tags: None,
                metrics: None,
            })
            .expect("saves");
        cache
    }

    #[test]
    fn a_whole_refresh_writes_the_newest_rows_newest_first_and_the_count_of_all() {
        // job-0 is the oldest, job-249 the newest; saved oldest first, in no useful order.
        let rows: Vec<Job> = (0..250)
            .map(|i| job(&format!("job-{i}"), t0() - Duration::minutes(250 - i)))
            .collect();
        let cache = saved(rows);
        assert_eq!(total(&cache.conn).expect("reads"), Some(250));
        let head = cache
            .load_head()
            .expect("reads")
            .expect("a head was written");
        assert_eq!(head.total, 250);
        assert_eq!(head.as_of, t0());
        assert_eq!(head.rows.len(), 200);
        assert_eq!(head.rows[0].name, "job-249");
        assert_eq!(head.rows[1].name, "job-248");
        assert_eq!(head.rows[199].name, "job-50", "the 50 oldest are left out");
    }

    #[test]
    fn a_cache_without_a_head_has_no_count_and_still_reads_its_rows() {
        let cache = Cache::in_memory().expect("in-memory cache");
        assert_eq!(total(&cache.conn).expect("reads"), None);
        assert_eq!(cache.load_snapshot().expect("reads"), None);
    }

    #[test]
    fn rows_started_together_come_in_arn_order() {
        let at = t0() - Duration::hours(1);
        let head = saved(vec![job("b", at), job("c", t0()), job("a", at)])
            .load_head()
            .expect("reads")
            .expect("written");
        let names: Vec<&str> = head.rows.iter().map(|j| j.name.as_str()).collect();
        assert_eq!(names, ["c", "a", "b"]);
        assert_eq!(head.total, 3);
    }

    #[test]
    fn a_cache_no_whole_refresh_wrote_has_no_head() {
        let cache = Cache::in_memory().expect("in-memory cache");
        assert_eq!(cache.load_head().expect("reads"), None);
    }
}
