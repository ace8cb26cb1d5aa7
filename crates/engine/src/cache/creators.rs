//! Who created each resource (`creators`, by lower-case ARN, kept for good: a creation never
//! changes) and how far back `LookupEvents` has already been read in each account-region for
//! each `Create*` call (`trail_scans`), so a resource CloudTrail has no record of is not asked
//! about again on every refresh. Created by the cache's migration to version 9.
//!
//! Like the tag cache, an entry that cannot be read back is skipped (and asked again).

use std::collections::HashMap;

use chrono::{DateTime, Utc};
use rusqlite::{Connection, OptionalExtension, params};

use super::{Cache, CacheError};
use sagescope_core::model::{AttributionSource, Creator, Job, ScopeKey};
use sagescope_core::trail::Attribution;

pub(super) const SCHEMA: &str = "CREATE TABLE IF NOT EXISTS creators (
                                     arn      TEXT PRIMARY KEY,
                                     creator  TEXT NOT NULL
                                 );
                                 CREATE TABLE IF NOT EXISTS trail_scans (
                                     account        TEXT NOT NULL,
                                     region         TEXT NOT NULL,
                                     event_name     TEXT NOT NULL,
                                     scanned_until  TEXT NOT NULL,
                                     PRIMARY KEY (account, region, event_name)
                                 );";

/// Every kept record, by key.
pub fn load(cache: &Cache) -> Result<HashMap<String, Creator>, CacheError> {
    load_all(cache.connection())
}

pub(super) fn load_all(conn: &Connection) -> Result<HashMap<String, Creator>, CacheError> {
    let mut statement = conn.prepare("SELECT arn, creator FROM creators")?;
    let rows = statement.query_map([], |row| {
        Ok((row.get::<_, String>(0)?, row.get::<_, String>(1)?))
    })?;
    let mut known = HashMap::new();
    for row in rows {
        let (arn, creator) = row?;
        if let Ok(creator) = serde_json::from_str(&creator) {
            known.insert(arn, creator);
        }
    }
    Ok(known)
}

fn get(conn: &Connection, key: &str) -> Result<Option<Creator>, CacheError> {
    let text: Option<String> = conn
        .query_row(
            "SELECT creator FROM creators WHERE arn = ?1",
            params![key],
            |row| row.get(0),
        )
        .optional()?;
    Ok(text.and_then(|t| serde_json::from_str(&t).ok()))
}

/// Lays the kept records over `rows` (one indexed read per row: a scope, not the whole view).
pub(super) fn overlay_rows(conn: &Connection, rows: &mut [Job]) -> Result<(), CacheError> {
    let mut statement = conn.prepare_cached("SELECT creator FROM creators WHERE arn = ?1")?;
    for row in rows.iter_mut() {
        let text: Option<String> = statement
            .query_row(params![crate::creators::key(&row.arn)], |r| r.get(0))
            .optional()?;
        let creator = text.and_then(|t| serde_json::from_str::<Creator>(&t).ok());
        crate::creators::lay_over(row, creator.as_ref());
    }
    Ok(())
}

/// Lays the whole table over `rows` (the jobs view: one read of the table).
pub(super) fn overlay_all(conn: &Connection, rows: &mut [Job]) -> Result<(), CacheError> {
    let known = load_all(conn)?;
    if known.is_empty() {
        return Ok(());
    }
    for row in rows.iter_mut() {
        crate::creators::lay_over(row, known.get(&crate::creators::key(&row.arn)));
    }
    Ok(())
}

impl Cache {
    /// Lays the kept creators over `rows`.
    pub fn overlay_creators(&self, rows: &mut [Job]) -> Result<(), CacheError> {
        overlay_rows(&self.conn, rows)
    }

    /// Folds `attributions` into the kept records in one transaction, reading each record
    /// as it stands in the file (another process may have written it), and writes the ones
    /// that changed; returns those.
    pub fn record_creators(
        &mut self,
        attributions: &[Attribution],
        source: AttributionSource,
    ) -> Result<Vec<(String, Creator)>, CacheError> {
        let tx = self.conn.transaction()?;
        let changed =
            crate::creators::fold(attributions, source, |key| get(&tx, key).ok().flatten());
        {
            let mut write = tx.prepare_cached(
                "INSERT INTO creators (arn, creator) VALUES (?1, ?2)
                 ON CONFLICT(arn) DO UPDATE SET creator = excluded.creator",
            )?;
            for (key, creator) in &changed {
                let text = serde_json::to_string(creator).map_err(|source| CacheError::Decode {
                    view: "creators",
                    source,
                })?;
                write.execute(params![key, text])?;
            }
        }
        tx.commit()?;
        Ok(changed)
    }

    /// The rows of `scopes` as they now read, the kept records laid over them: for the
    /// screen, after new records. Nothing is written: every read lays the records over.
    pub fn scopes_with_creators(
        &self,
        scopes: &[ScopeKey],
    ) -> Result<Vec<(ScopeKey, Vec<Job>)>, CacheError> {
        let mut read = Vec::new();
        for scope in scopes {
            if let Some((_, rows)) = self.load_scope(scope)? {
                read.push((scope.clone(), rows));
            }
        }
        Ok(read)
    }

    /// When `LookupEvents` was last read up to for `event_name` in one account-region.
    pub fn trail_scanned_until(
        &self,
        account_id: &str,
        region: &str,
        event_name: &str,
    ) -> Result<Option<DateTime<Utc>>, CacheError> {
        let text: Option<String> = self
            .conn
            .query_row(
                "SELECT scanned_until FROM trail_scans
                 WHERE account = ?1 AND region = ?2 AND event_name = ?3",
                params![account_id, region, event_name],
                |row| row.get(0),
            )
            .optional()?;
        Ok(text
            .and_then(|t| DateTime::parse_from_rfc3339(&t).ok())
            .map(|t| t.with_timezone(&Utc)))
    }

    /// Records that `LookupEvents` has been read up to `until` for `event_name`.
    pub fn set_trail_scanned_until(
        &mut self,
        account_id: &str,
        region: &str,
        event_name: &str,
        until: DateTime<Utc>,
    ) -> Result<(), CacheError> {
        self.conn.execute(
            "INSERT INTO trail_scans (account, region, event_name, scanned_until)
             VALUES (?1, ?2, ?3, ?4)
             ON CONFLICT(account, region, event_name)
             DO UPDATE SET scanned_until = excluded.scanned_until",
            params![account_id, region, event_name, until.to_rfc3339()],
        )?;
        Ok(())
    }
}
