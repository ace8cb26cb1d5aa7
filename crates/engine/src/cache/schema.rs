//! The one migration path for every table of the cache file. Each step runs once, in order,
//! inside one write transaction taken before the version is read again: two processes
//! opening an old cache at the same time migrate it once, and a process that finds the schema
//! current writes nothing at all (so opening never waits for another process's refresh).

use chrono::{DateTime, Utc};
use rusqlite::{Connection, OptionalExtension, TransactionBehavior, params};

use super::{CacheError, VIEW_JOBS, answers, creators, events, head, prices, tags, write_scopes};
use sagescope_core::model::Job;

/// The schema version this build writes; older files are migrated forward on open.
pub(super) const SCHEMA_VERSION: i64 = 9;

fn version(conn: &Connection) -> Result<i64, CacheError> {
    Ok(conn.query_row("PRAGMA user_version", [], |row| row.get(0))?)
}

/// Brings the schema to [`SCHEMA_VERSION`]. Reading `user_version` also proves the file is
/// a database at all, which is how corruption is detected on open.
pub(super) fn migrate(conn: &mut Connection) -> Result<(), CacheError> {
    let found = version(conn)?;
    if found < SCHEMA_VERSION {
        let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
        let found = version(&tx)?;
        if found < SCHEMA_VERSION {
            upgrade(&tx, found)?;
            tx.execute_batch(&format!("PRAGMA user_version = {SCHEMA_VERSION};"))?;
        }
        tx.commit()?;
    } else if found > SCHEMA_VERSION {
        tracing::warn!(
            version = found,
            "cache written by a newer sagescope; reading what this build knows"
        );
    }
    // A file that is a database but whose tables are unreadable must fail here, not later.
    conn.query_row("SELECT count(*) FROM views", [], |row| row.get::<_, i64>(0))?;
    Ok(())
}

/// The steps from `from` to [`SCHEMA_VERSION`], in the caller's transaction.
fn upgrade(tx: &Connection, from: i64) -> Result<(), CacheError> {
    if from < 1 {
        tx.execute_batch(
            "CREATE TABLE IF NOT EXISTS views (
                 name    TEXT PRIMARY KEY,
                 as_of   TEXT NOT NULL,
                 errors  TEXT NOT NULL,
                 rows    TEXT NOT NULL
             );",
        )?;
    }
    if from < 2 {
        // Describe results by ARN, valid while `version` (LastModifiedTime|Status) matches
        // the listing: an unchanged job is never described twice.
        tx.execute_batch(
            "CREATE TABLE IF NOT EXISTS describes (
                 arn      TEXT PRIMARY KEY,
                 version  TEXT NOT NULL,
                 details  TEXT NOT NULL
             );",
        )?;
    }
    if from < 3 {
        jobs_by_scope(tx)?;
    }
    if from < 4 {
        // The tag cache, which earlier builds created on first use.
        tx.execute_batch(tags::SCHEMA)?;
    }
    if from < 5 {
        // Cost Explorer answers by request and the requests made per day (what they cost),
        // which earlier builds created on first use.
        tx.execute_batch(
            "CREATE TABLE IF NOT EXISTS ce_answers (
                 key        TEXT PRIMARY KEY,
                 fetched_at TEXT NOT NULL,
                 body       TEXT NOT NULL
             );
             CREATE TABLE IF NOT EXISTS ce_ledger (
                 day      TEXT PRIMARY KEY,
                 requests INTEGER NOT NULL
             );",
        )?;
    }
    if from < 6 {
        // The event timeline and what the last refresh saw of each resource, so events are
        // announced once across refreshes and restarts.
        tx.execute_batch(events::SCHEMA)?;
    }
    if from < 7 {
        // Live prices from the AWS Price List and when each instance type was asked.
        tx.execute_batch(prices::SCHEMA)?;
    }
    if from < 8 {
        // The Jobs pane's head and the organization's discovery and tag policies, which
        // earlier builds created outside the migrations (on every open, or on first use).
        tx.execute_batch(head::SCHEMA)?;
        tx.execute_batch(answers::ORG_SCHEMA)?;
    }
    if from < 9 {
        // Who created each resource, from CloudTrail, and how far LookupEvents was read.
        tx.execute_batch(creators::SCHEMA)?;
    }
    Ok(())
}

/// Schema 3: jobs by scope, so one scope's refresh commits alone. The jobs view keeps its age
/// and errors; its rows move into the scopes they belong to.
fn jobs_by_scope(tx: &Connection) -> Result<(), CacheError> {
    tx.execute_batch(
        "CREATE TABLE IF NOT EXISTS scopes (
             account  TEXT NOT NULL,
             region   TEXT NOT NULL,
             kind     TEXT NOT NULL,
             as_of    TEXT NOT NULL,
             ord      INTEGER NOT NULL,
             rows     TEXT NOT NULL,
             PRIMARY KEY (account, region, kind)
         );",
    )?;
    let old: Option<(String, String)> = tx
        .query_row(
            "SELECT as_of, rows FROM views WHERE name = ?1",
            params![VIEW_JOBS],
            |row| Ok((row.get(0)?, row.get(1)?)),
        )
        .optional()?;
    // Rows an older build cannot have written readably are only a copy: drop them.
    if let Some((Ok(as_of), Ok(rows))) = old.map(|(as_of, rows)| {
        (
            serde_json::from_str::<DateTime<Utc>>(&as_of),
            serde_json::from_str::<Vec<Job>>(&rows),
        )
    }) {
        write_scopes(tx, as_of, &rows, 0)?;
    }
    tx.execute(
        "UPDATE views SET rows = '[]' WHERE name = ?1",
        params![VIEW_JOBS],
    )?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn tables(conn: &Connection) -> Vec<String> {
        let mut statement = conn
            .prepare("SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name")
            .expect("prepares");
        statement
            .query_map([], |row| row.get(0))
            .expect("queries")
            .collect::<Result<_, _>>()
            .expect("reads")
    }

    #[test]
    fn a_new_cache_gets_every_table_from_the_migrations_alone() {
        let mut conn = Connection::open_in_memory().expect("opens");
        migrate(&mut conn).expect("migrates");
        let found = tables(&conn);
        for table in [
            "views",
            "describes",
            "scopes",
            "ce_answers",
            "ce_ledger",
            "events",
            "seen_resources",
            "head",
            "org_discovery",
            "org_tag_policy",
            "creators",
            "trail_scans",
        ] {
            assert!(found.iter().any(|t| t == table), "{table} in {found:?}");
        }
        assert_eq!(version(&conn).expect("reads"), 9);
    }

    #[test]
    fn a_schema_7_cache_gains_the_organization_tables_and_keeps_its_rows() {
        let mut conn = Connection::open_in_memory().expect("opens");
        migrate(&mut conn).expect("migrates");
        conn.execute_batch(
            "DROP TABLE org_discovery; DROP TABLE org_tag_policy; PRAGMA user_version = 7;
             INSERT INTO ce_ledger (day, requests) VALUES ('2026-12-01', 3);",
        )
        .expect("rewinds to schema 7");
        migrate(&mut conn).expect("migrates again");
        assert!(tables(&conn).iter().any(|t| t == "org_discovery"));
        let kept: i64 = conn
            .query_row("SELECT requests FROM ce_ledger", [], |row| row.get(0))
            .expect("reads");
        assert_eq!(kept, 3);
    }

    #[test]
    fn a_current_cache_is_not_written_on_open() {
        let dir = tempfile::tempdir().expect("tempdir");
        let path = dir.path().join("cache.db");
        let mut first = Connection::open(&path).expect("opens");
        migrate(&mut first).expect("migrates");
        // Another process holds the write lock for as long as it likes: opening still works.
        let mut writer = Connection::open(&path).expect("opens");
        let held = writer
            .transaction_with_behavior(TransactionBehavior::Immediate)
            .expect("takes the write lock");
        let mut second = Connection::open(&path).expect("opens");
        second
            .busy_timeout(std::time::Duration::ZERO)
            .expect("no waiting");
        migrate(&mut second).expect("a current schema needs no write");
        drop(held);
    }
}
