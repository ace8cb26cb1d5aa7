//! The timeline (every observed change, pruned by age) and the last-seen state events are
//! derived against, so a restarted sagescope does not announce again what it already did.

use chrono::{DateTime, SecondsFormat, Utc};
use rusqlite::{Connection, TransactionBehavior, params};

use super::{Cache, CacheError};
use sagescope_core::model::{Event, ResourceKind, ScopeKey, SeenChanges, SeenResource, SeenState};

/// The tables, created by the schema-6 migration.
pub(super) const SCHEMA: &str = "
    CREATE TABLE IF NOT EXISTS seen_resources (
        arn       TEXT PRIMARY KEY,
        account   TEXT NOT NULL,
        region    TEXT NOT NULL,
        kind      TEXT NOT NULL,
        status    TEXT NOT NULL,
        idle      INTEGER,
        untagged  INTEGER,
        baseline  INTEGER NOT NULL
    );
    CREATE TABLE IF NOT EXISTS seen_scopes (
        account  TEXT NOT NULL,
        region   TEXT NOT NULL,
        kind     TEXT NOT NULL,
        PRIMARY KEY (account, region, kind)
    );
    CREATE TABLE IF NOT EXISTS seen_budgets (
        name  TEXT PRIMARY KEY,
        over  INTEGER NOT NULL
    );
    CREATE TABLE IF NOT EXISTS events (
        id    INTEGER PRIMARY KEY AUTOINCREMENT,
        at    TEXT NOT NULL,
        body  TEXT NOT NULL
    );
    CREATE INDEX IF NOT EXISTS events_at ON events (at);
";

const VIEW_EVENTS: &str = "events";

/// Fixed-width UTC, so text order is time order.
fn stamp(at: DateTime<Utc>) -> String {
    at.to_rfc3339_opts(SecondsFormat::Millis, true)
}

impl Cache {
    /// What the last refreshes saw. Rows a later build wrote in a shape this one cannot read
    /// are skipped: they only make that resource look new once.
    pub fn load_seen(&self) -> Result<SeenState, CacheError> {
        load_seen(&self.conn)
    }

    /// Derives and commits one refresh's events in one write transaction, taken before the
    /// last-seen state is read: another sagescope on the same cache (the UI and `watch`)
    /// waits for it, then derives against what this one wrote, so a change is announced by
    /// one of them only. `derive` gets the state before and returns the changes to it and
    /// the events; timeline entries from before `keep_since` are dropped.
    pub fn record_with(
        &mut self,
        keep_since: DateTime<Utc>,
        derive: impl FnOnce(&SeenState) -> (SeenChanges, Vec<Event>),
    ) -> Result<Vec<Event>, CacheError> {
        let tx = self
            .conn
            .transaction_with_behavior(TransactionBehavior::Immediate)?;
        let before = load_seen(&tx)?;
        let (changes, events) = derive(&before);
        if !(changes.is_empty() && events.is_empty()) {
            write_events(&tx, &changes, &events, keep_since)?;
            tx.commit()?;
        }
        Ok(events)
    }

    /// Commits one refresh's events and seen-state changes in one transaction, and drops
    /// timeline entries from before `keep_since`.
    pub fn record_events(
        &mut self,
        changes: &SeenChanges,
        events: &[Event],
        keep_since: DateTime<Utc>,
    ) -> Result<(), CacheError> {
        let tx = self.conn.transaction()?;
        write_events(&tx, changes, events, keep_since)?;
        tx.commit()?;
        Ok(())
    }

    /// The timeline from `since` on (all of it when `None`), newest first. Entries this build
    /// cannot read are skipped.
    pub fn load_events(&self, since: Option<DateTime<Utc>>) -> Result<Vec<Event>, CacheError> {
        let since = since.map(stamp).unwrap_or_default();
        let mut statement = self
            .conn
            .prepare("SELECT body FROM events WHERE at >= ?1 ORDER BY at DESC, id DESC")?;
        let bodies = statement.query_map(params![since], |row| row.get::<_, String>(0))?;
        let mut events = Vec::new();
        for body in bodies {
            if let Ok(event) = serde_json::from_str::<Event>(&body?) {
                events.push(event);
            }
        }
        Ok(events)
    }
}

/// [`Cache::load_seen`] on any connection (a transaction's included).
fn load_seen(conn: &Connection) -> Result<SeenState, CacheError> {
    let mut state = SeenState::default();
    let mut statement = conn.prepare(
        "SELECT arn, account, region, kind, status, idle, untagged, baseline FROM seen_resources",
    )?;
    let rows = statement.query_map([], |row| {
        Ok((
            row.get::<_, String>(0)?,
            row.get::<_, String>(1)?,
            row.get::<_, String>(2)?,
            row.get::<_, String>(3)?,
            SeenResource {
                scope: ScopeKey {
                    account: String::new(),
                    region: String::new(),
                    kind: ResourceKind::Training,
                },
                status: row.get(4)?,
                idle: row.get(5)?,
                untagged: row.get(6)?,
                baseline: row.get(7)?,
            },
        ))
    })?;
    for row in rows {
        let (arn, account, region, kind, mut seen) = row?;
        let Ok(kind) = kind.parse() else { continue };
        seen.scope = ScopeKey {
            account,
            region,
            kind,
        };
        state.resources.insert(arn, seen);
    }
    let mut statement = conn.prepare("SELECT account, region, kind FROM seen_scopes")?;
    let scopes = statement.query_map([], |row| {
        Ok((
            row.get::<_, String>(0)?,
            row.get::<_, String>(1)?,
            row.get::<_, String>(2)?,
        ))
    })?;
    for scope in scopes {
        let (account, region, kind) = scope?;
        if let Ok(kind) = kind.parse() {
            state.scopes.insert(ScopeKey {
                account,
                region,
                kind,
            });
        }
    }
    let mut statement = conn.prepare("SELECT name, over FROM seen_budgets")?;
    let budgets = statement.query_map([], |row| {
        Ok((row.get::<_, String>(0)?, row.get::<_, bool>(1)?))
    })?;
    for budget in budgets {
        let (name, over) = budget?;
        state.budgets.insert(name, over);
    }
    Ok(state)
}

/// The writes of [`Cache::record_events`], inside the caller's transaction.
fn write_events(
    tx: &Connection,
    changes: &SeenChanges,
    events: &[Event],
    keep_since: DateTime<Utc>,
) -> Result<(), CacheError> {
    let mut remove = tx.prepare("DELETE FROM seen_resources WHERE arn = ?1")?;
    for arn in &changes.remove {
        remove.execute(params![arn])?;
    }
    let mut upsert = tx.prepare(
        "INSERT OR REPLACE INTO seen_resources
             (arn, account, region, kind, status, idle, untagged, baseline)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
    )?;
    for (arn, seen) in &changes.upsert {
        upsert.execute(params![
            arn,
            seen.scope.account,
            seen.scope.region,
            seen.scope.kind.as_str(),
            seen.status,
            seen.idle,
            seen.untagged,
            seen.baseline
        ])?;
    }
    let mut scope = tx
        .prepare("INSERT OR IGNORE INTO seen_scopes (account, region, kind) VALUES (?1, ?2, ?3)")?;
    for s in &changes.scopes {
        scope.execute(params![s.account, s.region, s.kind.as_str()])?;
    }
    let mut budget =
        tx.prepare("INSERT OR REPLACE INTO seen_budgets (name, over) VALUES (?1, ?2)")?;
    for (name, over) in &changes.budgets {
        budget.execute(params![name, over])?;
    }
    let mut insert = tx.prepare("INSERT INTO events (at, body) VALUES (?1, ?2)")?;
    for event in events {
        let body = serde_json::to_string(event).map_err(|source| CacheError::Encode {
            view: VIEW_EVENTS,
            source,
        })?;
        insert.execute(params![stamp(event.at), body])?;
    }
    tx.execute(
        "DELETE FROM events WHERE at < ?1",
        params![stamp(keep_since)],
    )?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use chrono::TimeZone;

    use super::*;
    use sagescope_core::model::EventKind;

    fn at(day: u32) -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2026, 11, day, 12, 0, 0)
            .single()
            .expect("valid")
    }

    fn event(day: u32, name: &str) -> Event {
        Event {
            at: at(day),
            event: EventKind::JobFailed,
            account_id: "111111111111".into(),
            account_name: "prod".into(),
            region: "us-east-1".into(),
            kind: Some(ResourceKind::Training),
            name: name.into(),
            arn: format!("arn:{name}"),
            status: Some("Failed".into()),
            previous_status: Some("InProgress".into()),
            detail: None,
        }
    }

    #[test]
    fn seen_state_and_timeline_round_trip_and_old_entries_are_pruned() {
        let mut cache = Cache::in_memory().expect("opens");
        let scope = ScopeKey {
            account: "prod".into(),
            region: "us-east-1".into(),
            kind: ResourceKind::Endpoint,
        };
        let seen = SeenResource {
            scope: scope.clone(),
            status: "InService".into(),
            idle: Some(false),
            untagged: None,
            baseline: true,
        };
        let changes = SeenChanges {
            upsert: vec![("arn:e".into(), seen.clone())],
            remove: Vec::new(),
            scopes: vec![scope.clone()],
            budgets: vec![("project=vision".into(), true)],
        };
        cache
            .record_events(&changes, &[event(1, "a"), event(3, "b")], at(1))
            .expect("records");
        let state = cache.load_seen().expect("loads");
        assert_eq!(state.resources.get("arn:e"), Some(&seen));
        assert!(state.scopes.contains(&scope));
        assert_eq!(state.budgets.get("project=vision"), Some(&true));

        let names = |events: Vec<Event>| events.into_iter().map(|e| e.name).collect::<Vec<_>>();
        assert_eq!(names(cache.load_events(None).expect("reads")), ["b", "a"]);
        assert_eq!(names(cache.load_events(Some(at(2))).expect("reads")), ["b"]);

        // The next write prunes what is older than the retention.
        let gone = SeenChanges {
            remove: vec!["arn:e".into()],
            ..SeenChanges::default()
        };
        cache
            .record_events(&gone, &[event(5, "c")], at(2))
            .expect("records");
        assert_eq!(names(cache.load_events(None).expect("reads")), ["c", "b"]);
        assert!(cache.load_seen().expect("loads").resources.is_empty());
    }

    #[test]
    fn two_processes_on_one_cache_announce_a_change_once() {
        use std::sync::mpsc;
        let dir = tempfile::tempdir().expect("tempdir");
        let path = dir.path().join("cache.db");
        drop(Cache::open(&path).expect("creates"));
        let scope = ScopeKey {
            account: "prod".into(),
            region: "us-east-1".into(),
            kind: ResourceKind::Training,
        };
        // Both derive "a failed, unless already seen failed". The first is held inside its
        // transaction until the second is waiting for the cache; the order is checked, not
        // left to sleeps.
        let derive = move |before: &SeenState| {
            if before.resources.contains_key("arn:a") {
                return (SeenChanges::default(), Vec::new());
            }
            let seen = SeenResource {
                scope: scope.clone(),
                status: "Failed".into(),
                idle: None,
                untagged: None,
                baseline: false,
            };
            let changes = SeenChanges {
                upsert: vec![("arn:a".into(), seen)],
                ..SeenChanges::default()
            };
            (changes, vec![event(3, "a")])
        };
        let mut first = Cache::open(&path).expect("opens").cache;
        let mut second = Cache::open(&path).expect("opens").cache;
        let second_waits = second.busy.clone();
        let (first_inside, first_holds) = mpsc::channel::<()>();
        let (let_first_go, first_waits) = mpsc::channel::<()>();
        let first = {
            let derive = derive.clone();
            std::thread::spawn(move || {
                first
                    .record_with(at(1), |before| {
                        let _ = first_inside.send(());
                        let _ = first_waits.recv();
                        derive(before)
                    })
                    .expect("records")
            })
        };
        first_holds
            .recv()
            .expect("the first is inside its transaction");
        let (second_inside, second_in) = mpsc::channel::<()>();
        let second = std::thread::spawn(move || {
            second
                .record_with(at(1), |before| {
                    let _ = second_inside.send(());
                    derive(before)
                })
                .expect("records")
        });
        while second_waits.count() == 0 && !second.is_finished() {
            assert!(
                second_in.try_recv().is_err(),
                "the second got in while the first held the cache"
            );
            std::thread::sleep(std::time::Duration::from_millis(1));
        }
        let_first_go.send(()).expect("the first still waits");
        let announced =
            first.join().expect("no panic").len() + second.join().expect("no panic").len();
        assert!(second_waits.count() >= 1, "the second waited for the first");
        assert_eq!(announced, 1, "the second waited and saw the first's state");
        let cache = Cache::open(&path).expect("opens").cache;
        assert_eq!(cache.load_events(None).expect("reads").len(), 1);
    }
}
