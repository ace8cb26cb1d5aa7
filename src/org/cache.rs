//! The last discovery, kept in the cache file with the time it was made, so refreshes within
//! `[organization] ttl_hours` ask Organizations nothing and a failing Organizations call falls
//! back to the last list it gave.

use chrono::{DateTime, Utc};
use rusqlite::{OptionalExtension, params};

use super::Discovery;
use crate::cache::{Cache, CacheError};

/// One stored discovery and when it was made.
#[derive(Debug, Clone, PartialEq)]
pub struct Stored {
    pub discovery: Discovery,
    pub fetched_at: DateTime<Utc>,
}

fn ensure_table(cache: &Cache) -> Result<(), CacheError> {
    cache.connection().execute_batch(
        "CREATE TABLE IF NOT EXISTS org_discovery (
             key        TEXT PRIMARY KEY,
             fetched_at TEXT NOT NULL,
             body       TEXT NOT NULL
         );",
    )?;
    Ok(())
}

/// The discovery stored under `key` (which OUs were asked for), however old.
pub fn load(cache: &Cache, key: &str) -> Result<Option<Stored>, CacheError> {
    ensure_table(cache)?;
    let row: Option<(String, String)> = cache
        .connection()
        .query_row(
            "SELECT fetched_at, body FROM org_discovery WHERE key = ?1",
            params![key],
            |row| Ok((row.get(0)?, row.get(1)?)),
        )
        .optional()?;
    let Some((fetched_at, body)) = row else {
        return Ok(None);
    };
    // An unreadable row is as good as none: discovery runs again and replaces it.
    let (Ok(fetched_at), Ok(discovery)) = (
        DateTime::parse_from_rfc3339(&fetched_at),
        serde_json::from_str::<Discovery>(&body),
    ) else {
        tracing::warn!("ignoring an unreadable organization discovery in the cache");
        return Ok(None);
    };
    Ok(Some(Stored {
        discovery,
        fetched_at: fetched_at.with_timezone(&Utc),
    }))
}

pub fn save(cache: &Cache, key: &str, stored: &Stored) -> Result<(), CacheError> {
    ensure_table(cache)?;
    let body = serde_json::to_string(&stored.discovery).map_err(|source| CacheError::Encode {
        view: "organization",
        source,
    })?;
    cache.connection().execute(
        "INSERT OR REPLACE INTO org_discovery (key, fetched_at, body) VALUES (?1, ?2, ?3)",
        params![key, stored.fetched_at.to_rfc3339(), body],
    )?;
    Ok(())
}
