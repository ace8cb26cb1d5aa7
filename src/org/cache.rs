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

/// One account's effective tag policy as last read: its JSON text (`None`: no tag policy
/// applies) and when.
#[derive(Debug, Clone, PartialEq)]
pub struct StoredTagPolicy {
    pub content: Option<String>,
    pub fetched_at: DateTime<Utc>,
}

fn ensure_tag_policy_table(cache: &Cache) -> Result<(), CacheError> {
    cache.connection().execute_batch(
        "CREATE TABLE IF NOT EXISTS org_tag_policy (
             account_id TEXT PRIMARY KEY,
             fetched_at TEXT NOT NULL,
             content    TEXT
         );",
    )?;
    Ok(())
}

/// The tag policies stored for `account_ids`, however old; unreadable rows are left out (the
/// policy is read again).
pub fn load_tag_policies(
    cache: &Cache,
    account_ids: &[String],
) -> Result<std::collections::HashMap<String, StoredTagPolicy>, CacheError> {
    ensure_tag_policy_table(cache)?;
    let mut statement = cache
        .connection()
        .prepare("SELECT fetched_at, content FROM org_tag_policy WHERE account_id = ?1")?;
    let mut out = std::collections::HashMap::new();
    for id in account_ids {
        let row: Option<(String, Option<String>)> = statement
            .query_row(params![id], |row| Ok((row.get(0)?, row.get(1)?)))
            .optional()?;
        if let Some((fetched_at, content)) = row
            && let Ok(fetched_at) = DateTime::parse_from_rfc3339(&fetched_at)
        {
            out.insert(
                id.clone(),
                StoredTagPolicy {
                    content,
                    fetched_at: fetched_at.with_timezone(&Utc),
                },
            );
        }
    }
    Ok(out)
}

pub fn save_tag_policies(
    cache: &Cache,
    policies: &[(String, StoredTagPolicy)],
) -> Result<(), CacheError> {
    ensure_tag_policy_table(cache)?;
    for (id, stored) in policies {
        cache.connection().execute(
            "INSERT OR REPLACE INTO org_tag_policy (account_id, fetched_at, content)
             VALUES (?1, ?2, ?3)",
            params![id, stored.fetched_at.to_rfc3339(), stored.content],
        )?;
    }
    Ok(())
}
