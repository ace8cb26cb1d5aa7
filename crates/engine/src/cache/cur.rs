//! Athena's answers to the CUR queries, by SQL text, so a refresh within `[cur] ttl_hours`
//! sends nothing (each query is billed by the data it scans). The table is created on first
//! use, like every table a module keeps in the cache file.

use chrono::{DateTime, Utc};
use rusqlite::{OptionalExtension, params};

use super::{Cache, CacheError};
use crate::cur::QueryRun;

const SCHEMA: &str = "CREATE TABLE IF NOT EXISTS cur_answers (
         sql    TEXT PRIMARY KEY,
         what   TEXT NOT NULL,
         asked  TEXT NOT NULL,
         answer TEXT NOT NULL
     );";

/// One kept answer.
#[derive(Debug, Clone, PartialEq)]
pub struct CurAnswer {
    pub sql: String,
    pub run: QueryRun,
    pub asked: DateTime<Utc>,
}

impl Cache {
    /// The answer kept for exactly `sql`, however old.
    pub fn load_cur_answer(&self, sql: &str) -> Result<Option<CurAnswer>, CacheError> {
        let conn = self.connection();
        conn.execute_batch(SCHEMA)?;
        let row = conn
            .query_row(
                "SELECT asked, answer FROM cur_answers WHERE sql = ?1",
                params![sql],
                |row| Ok((row.get::<_, String>(0)?, row.get::<_, String>(1)?)),
            )
            .optional()?;
        Ok(row.and_then(|(asked, answer)| decode(sql.to_string(), &asked, &answer)))
    }

    /// The newest answer kept for `what` (one kind of question on one table), whatever its
    /// SQL: what an offline export shows.
    pub fn latest_cur_answer(&self, what: &str) -> Result<Option<CurAnswer>, CacheError> {
        let conn = self.connection();
        conn.execute_batch(SCHEMA)?;
        let row = conn
            .query_row(
                "SELECT sql, asked, answer FROM cur_answers WHERE what = ?1
                 ORDER BY asked DESC LIMIT 1",
                params![what],
                |row| {
                    Ok((
                        row.get::<_, String>(0)?,
                        row.get::<_, String>(1)?,
                        row.get::<_, String>(2)?,
                    ))
                },
            )
            .optional()?;
        Ok(row.and_then(|(sql, asked, answer)| decode(sql, &asked, &answer)))
    }

    /// Keeps `run` as the answer to `sql`, replacing an older one.
    pub fn save_cur_answer(
        &self,
        sql: &str,
        what: &str,
        run: &QueryRun,
        asked: DateTime<Utc>,
    ) -> Result<(), CacheError> {
        let conn = self.connection();
        conn.execute_batch(SCHEMA)?;
        let answer = serde_json::to_string(run).map_err(|source| CacheError::Encode {
            view: "CUR answer",
            source,
        })?;
        conn.execute(
            "INSERT OR REPLACE INTO cur_answers (sql, what, asked, answer) VALUES (?1, ?2, ?3, ?4)",
            params![sql, what, asked.to_rfc3339(), answer],
        )?;
        Ok(())
    }
}

/// An answer an older or newer build wrote unreadably is no answer (it is only a saving).
fn decode(sql: String, asked: &str, answer: &str) -> Option<CurAnswer> {
    Some(CurAnswer {
        sql,
        run: serde_json::from_str(answer).ok()?,
        asked: DateTime::parse_from_rfc3339(asked)
            .ok()?
            .with_timezone(&Utc),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn answers_are_kept_by_sql_and_the_newest_is_found_by_kind() {
        let cache = Cache::in_memory().expect("cache");
        let run = |bytes| QueryRun {
            header: vec!["resource_id".into(), "cost".into()],
            rows: vec![vec![Some("arn:a".into()), None]],
            scanned_bytes: bytes,
            ..QueryRun::default()
        };
        let earlier = Utc::now() - chrono::Duration::hours(30);
        cache
            .save_cur_answer("SELECT 1", "resources", &run(1), earlier)
            .expect("saves");
        cache
            .save_cur_answer("SELECT 2", "resources", &run(2), Utc::now())
            .expect("saves");
        let kept = cache
            .load_cur_answer("SELECT 1")
            .expect("reads")
            .expect("kept");
        assert_eq!(kept.run, run(1));
        assert_eq!(kept.asked.timestamp(), earlier.timestamp());
        let latest = cache
            .latest_cur_answer("resources")
            .expect("reads")
            .expect("kept");
        assert_eq!(latest.sql, "SELECT 2");
        assert_eq!(cache.load_cur_answer("SELECT 3").expect("reads"), None);
        assert_eq!(cache.latest_cur_answer("spend").expect("reads"), None);
    }
}
