//! The last discovery, kept in the cache file with the time it was made, so refreshes within
//! `[organization] ttl_hours` ask Organizations nothing and a failing Organizations call falls
//! back to the last list it gave. The cache keeps the JSON; this module gives it its types.

use chrono::{DateTime, Utc};

use super::Discovery;
use crate::cache::{Cache, CacheError};

/// One stored discovery and when it was made.
#[derive(Debug, Clone, PartialEq)]
pub struct Stored {
    pub discovery: Discovery,
    pub fetched_at: DateTime<Utc>,
}

/// The discovery stored under `key` (which OUs were asked for), however old.
pub fn load(cache: &Cache, key: &str) -> Result<Option<Stored>, CacheError> {
    let Some((fetched_at, body)) = cache.org_discovery(key)? else {
        return Ok(None);
    };
    // An unreadable row is as good as none: discovery runs again and replaces it.
    let Ok(discovery) = serde_json::from_str::<Discovery>(&body) else {
        tracing::warn!("ignoring an unreadable organization discovery in the cache");
        return Ok(None);
    };
    Ok(Some(Stored {
        discovery,
        fetched_at,
    }))
}

pub fn save(cache: &Cache, key: &str, stored: &Stored) -> Result<(), CacheError> {
    let body = serde_json::to_string(&stored.discovery).map_err(|source| CacheError::Encode {
        view: "organization",
        source,
    })?;
    cache.put_org_discovery(key, &body, stored.fetched_at)
}

/// One account's effective tag policy as last read: its JSON text (`None`: no tag policy
/// applies) and when.
#[derive(Debug, Clone, PartialEq)]
pub struct StoredTagPolicy {
    pub content: Option<String>,
    pub fetched_at: DateTime<Utc>,
}

/// The tag policies stored for `account_ids`, however old; unreadable rows are left out (the
/// policy is read again).
pub fn load_tag_policies(
    cache: &Cache,
    account_ids: &[String],
) -> Result<std::collections::HashMap<String, StoredTagPolicy>, CacheError> {
    Ok(cache
        .org_tag_policies(account_ids)?
        .into_iter()
        .map(|(id, (fetched_at, content))| {
            (
                id,
                StoredTagPolicy {
                    content,
                    fetched_at,
                },
            )
        })
        .collect())
}

pub fn save_tag_policies(
    cache: &mut Cache,
    policies: &[(String, StoredTagPolicy)],
) -> Result<(), CacheError> {
    let rows: Vec<_> = policies
        .iter()
        .map(|(id, stored)| (id.clone(), stored.fetched_at, stored.content.clone()))
        .collect();
    cache.put_org_tag_policies(&rows)
}
