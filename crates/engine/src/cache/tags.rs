//! The tag state in the cache file, in tables of its own: `tag_cache` (tags by ARN with the
//! version and time they were read) and `studio_resources` (the Studio domains and user
//! profiles last listed). The tables are created by the cache's migration ([`SCHEMA`]).
//!
//! Like the describe cache, this is only a saving: entries that cannot be read back are
//! skipped and simply read from AWS again.

use rusqlite::params;

use super::{Cache, CacheError};
use sagescope_core::model::Job;
use sagescope_core::tags::{TagEntry, TagState};

/// The tag tables, created (if missing) by [`Cache`]'s migration to version 4.
pub(super) const SCHEMA: &str = "CREATE TABLE IF NOT EXISTS tag_cache (
                          arn      TEXT PRIMARY KEY,
                          version  TEXT NOT NULL,
                          read_at  TEXT NOT NULL,
                          tags     TEXT NOT NULL
                      );
                      CREATE TABLE IF NOT EXISTS studio_resources (
                          arn       TEXT PRIMARY KEY,
                          resource  TEXT NOT NULL
                      );";

/// The tag state saved by the last refresh; empty before the first.
pub fn load(cache: &Cache) -> Result<TagState, CacheError> {
    let conn = cache.connection();
    let mut state = TagState::default();
    let mut statement = conn.prepare("SELECT arn, version, read_at, tags FROM tag_cache")?;
    let rows = statement.query_map([], |row| {
        Ok((
            row.get::<_, String>(0)?,
            row.get::<_, String>(1)?,
            row.get::<_, String>(2)?,
            row.get::<_, String>(3)?,
        ))
    })?;
    for row in rows {
        let (arn, version, read_at, tags) = row?;
        let read_at = chrono::DateTime::parse_from_rfc3339(&read_at);
        let tags = serde_json::from_str(&tags);
        if let (Ok(read_at), Ok(tags)) = (read_at, tags) {
            state.entries.insert(
                arn,
                TagEntry {
                    version,
                    read_at: read_at.with_timezone(&chrono::Utc),
                    tags,
                },
            );
        }
    }
    let mut statement = conn.prepare("SELECT resource FROM studio_resources ORDER BY arn")?;
    let rows = statement.query_map([], |row| row.get::<_, String>(0))?;
    for row in rows {
        if let Ok(job) = serde_json::from_str::<Job>(&row?) {
            state.studio.push(job);
        }
    }
    Ok(state)
}

/// Replaces the saved tag state with `state`, in one transaction.
pub fn save(cache: &Cache, state: &TagState) -> Result<(), CacheError> {
    // The connection is shared, not owned mutably here; nothing else writes between these
    // statements because the store has one writer.
    let tx = cache.connection().unchecked_transaction()?;
    save_in(&tx, state)?;
    tx.commit()?;
    Ok(())
}

/// Replaces the saved tag state inside the caller's transaction, so a refresh's tags commit
/// with its jobs and findings or not at all.
pub(crate) fn save_in(tx: &rusqlite::Connection, state: &TagState) -> Result<(), CacheError> {
    let encode = |source| CacheError::Encode {
        view: "tag cache",
        source,
    };
    tx.execute("DELETE FROM tag_cache", [])?;
    tx.execute("DELETE FROM studio_resources", [])?;
    {
        let mut insert = tx.prepare(
            "INSERT INTO tag_cache (arn, version, read_at, tags) VALUES (?1, ?2, ?3, ?4)",
        )?;
        for (arn, entry) in &state.entries {
            let tags = serde_json::to_string(&entry.tags).map_err(encode)?;
            insert.execute(params![
                arn,
                entry.version,
                entry.read_at.to_rfc3339(),
                tags
            ])?;
        }
        let mut insert =
            tx.prepare("INSERT OR REPLACE INTO studio_resources (arn, resource) VALUES (?1, ?2)")?;
        for job in &state.studio {
            let resource = serde_json::to_string(job).map_err(encode)?;
            insert.execute(params![job.arn, resource])?;
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use chrono::{TimeZone, Utc};

    use super::*;
    use sagescope_core::model::{JobStatus, ResourceKind, Tags};

    #[test]
    fn a_saved_state_loads_back_whole_and_a_later_save_replaces_it() {
        let cache = Cache::in_memory().expect("opens");
        assert_eq!(load(&cache).expect("loads"), TagState::default());
        let read_at = Utc
            .with_ymd_and_hms(2026, 11, 20, 9, 30, 0)
            .single()
            .expect("valid");
        let domain = Job {
            account_id: "123456789012".into(),
            account_name: "main".into(),
            region: "us-east-1".into(),
            kind: ResourceKind::Domain,
            name: "studio".into(),
            arn: "arn:aws:sagemaker:us-east-1:123456789012:domain/d-1".into(),
            status: JobStatus::from("InService"),
            created_at: read_at,
            ended_at: None,
            last_modified_at: Some(read_at),
            instance_type: None,
            instance_count: None,
            failure_reason: None,
            tags: Tags::new(),
            app: None,
            compute: None,
            billing: None,
            streamed_at: None,
            created_by: None,
        };
        let mut state = TagState::default();
        state.entries.insert(
            "arn:a".into(),
            TagEntry {
                version: "v1".into(),
                read_at,
                tags: Tags::from([("owner".to_string(), "alice, \"bob\"".to_string())]),
            },
        );
        state.studio.push(domain);
        save(&cache, &state).expect("saves");
        assert_eq!(load(&cache).expect("loads"), state);

        let next = TagState::default();
        save(&cache, &next).expect("saves");
        assert_eq!(load(&cache).expect("loads"), next, "nothing stale is kept");
    }
}
