//! Answers kept by key as JSON with the time they were fetched (Cost Explorer's, and the
//! organization's discovery and tag policies), and Cost Explorer's requests per day. The
//! modules that own those answers give them their types; the SQL lives here, with the rest
//! of the cache's.

use std::collections::HashMap;

use chrono::{DateTime, NaiveDate, Utc};
use rusqlite::{OptionalExtension, params};

use super::{Cache, CacheError};

/// The tables of the organization's answers, created by the schema-8 migration (Cost
/// Explorer's are older: schema 5).
pub(super) const ORG_SCHEMA: &str = "
    CREATE TABLE IF NOT EXISTS org_discovery (
        key        TEXT PRIMARY KEY,
        fetched_at TEXT NOT NULL,
        body       TEXT NOT NULL
    );
    CREATE TABLE IF NOT EXISTS org_tag_policy (
        account_id TEXT PRIMARY KEY,
        fetched_at TEXT NOT NULL,
        content    TEXT
    );
";

/// A kept answer and when it was fetched.
pub type Kept<T> = (DateTime<Utc>, T);

/// A kept answer's text and when it was fetched; `None` where the time cannot be read (an
/// entry is only a copy: unreadable is as good as absent).
fn dated<T>(fetched_at: &str, body: T) -> Option<Kept<T>> {
    DateTime::parse_from_rfc3339(fetched_at)
        .ok()
        .map(|at| (at.with_timezone(&Utc), body))
}

impl Cache {
    /// The Cost Explorer answer kept under `key`, as JSON text.
    pub fn cost_answer(&self, key: &str) -> Result<Option<Kept<String>>, CacheError> {
        self.kept_body(
            "SELECT fetched_at, body FROM ce_answers WHERE key = ?1",
            key,
        )
    }

    /// The `(fetched_at, body)` row `select` finds for `key`.
    fn kept_body(&self, select: &str, key: &str) -> Result<Option<Kept<String>>, CacheError> {
        let row: Option<(String, String)> = self
            .conn
            .query_row(select, params![key], |row| Ok((row.get(0)?, row.get(1)?)))
            .optional()?;
        Ok(row.and_then(|(at, body)| dated(&at, body)))
    }

    /// Keeps a Cost Explorer answer (JSON text), replacing any older one under `key`.
    pub fn put_cost_answer(
        &self,
        key: &str,
        body: &str,
        now: DateTime<Utc>,
    ) -> Result<(), CacheError> {
        self.conn.execute(
            "INSERT INTO ce_answers (key, fetched_at, body) VALUES (?1, ?2, ?3)
             ON CONFLICT(key) DO UPDATE SET fetched_at = excluded.fetched_at, body = excluded.body",
            params![key, now.to_rfc3339(), body],
        )?;
        Ok(())
    }

    /// Adds billed Cost Explorer requests to `day`'s count.
    pub fn add_cost_requests(&self, day: NaiveDate, requests: u32) -> Result<(), CacheError> {
        self.conn.execute(
            "INSERT INTO ce_ledger (day, requests) VALUES (?1, ?2)
             ON CONFLICT(day) DO UPDATE SET requests = requests + excluded.requests",
            params![day.to_string(), requests],
        )?;
        Ok(())
    }

    /// Billed Cost Explorer requests on `day`.
    pub fn cost_requests(&self, day: NaiveDate) -> Result<u32, CacheError> {
        let requests: Option<u32> = self
            .conn
            .query_row(
                "SELECT requests FROM ce_ledger WHERE day = ?1",
                params![day.to_string()],
                |row| row.get(0),
            )
            .optional()?;
        Ok(requests.unwrap_or(0))
    }

    /// The organization discovery kept under `key`, as JSON text.
    pub fn org_discovery(&self, key: &str) -> Result<Option<Kept<String>>, CacheError> {
        self.kept_body(
            "SELECT fetched_at, body FROM org_discovery WHERE key = ?1",
            key,
        )
    }

    pub fn put_org_discovery(
        &self,
        key: &str,
        body: &str,
        fetched_at: DateTime<Utc>,
    ) -> Result<(), CacheError> {
        self.conn.execute(
            "INSERT OR REPLACE INTO org_discovery (key, fetched_at, body) VALUES (?1, ?2, ?3)",
            params![key, fetched_at.to_rfc3339(), body],
        )?;
        Ok(())
    }

    /// The effective tag policies kept for `account_ids` (JSON text; `None`: no policy
    /// applies), with when each was read.
    pub fn org_tag_policies(
        &self,
        account_ids: &[String],
    ) -> Result<HashMap<String, Kept<Option<String>>>, CacheError> {
        let mut statement = self
            .conn
            .prepare("SELECT fetched_at, content FROM org_tag_policy WHERE account_id = ?1")?;
        let mut out = HashMap::new();
        for id in account_ids {
            let row: Option<(String, Option<String>)> = statement
                .query_row(params![id], |row| Ok((row.get(0)?, row.get(1)?)))
                .optional()?;
            if let Some(kept) = row.and_then(|(at, content)| dated(&at, content)) {
                out.insert(id.clone(), kept);
            }
        }
        Ok(out)
    }

    /// Keeps each account's effective tag policy, in one transaction.
    pub fn put_org_tag_policies(
        &mut self,
        policies: &[(String, DateTime<Utc>, Option<String>)],
    ) -> Result<(), CacheError> {
        let tx = self.conn.transaction()?;
        for (id, fetched_at, content) in policies {
            tx.execute(
                "INSERT OR REPLACE INTO org_tag_policy (account_id, fetched_at, content)
                 VALUES (?1, ?2, ?3)",
                params![id, fetched_at.to_rfc3339(), content],
            )?;
        }
        tx.commit()?;
        Ok(())
    }
}
