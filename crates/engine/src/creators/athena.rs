//! `[cloudtrail] athena_table`: the creators still not known, from an organization trail
//! already queryable in Athena (the table CloudTrail's "Create Athena table" makes over the
//! trail's S3 logs).
//!
//! One query per refresh, and only when a listed resource created since the last query (less
//! [`super::lookup::DELIVERY_DELAY`]: the trail writes its logs minutes after the call) has
//! no creator: `SELECT` the `Create*` calls of those resources' kinds since just before the
//! oldest of them, with the identity's struct fields picked out, each row rebuilt into the
//! record [`sagescope_core::trail::decode_record`] reads. Athena bills the bytes a query
//! scans; the refresh summary says how many, as the CUR's does.
//!
//! Unlike `LookupEvents`, a trail keeps what its bucket keeps: a resource older than
//! CloudTrail's 90 days can still be named.

use std::collections::BTreeSet;

use chrono::{DateTime, Duration, Utc};
use serde_json::{Map, Value, json};

use super::Creators;
use super::lookup::{DELIVERY_DELAY, create_calls};
use crate::cur::sql::{identifier, literal};
use crate::cur::{QueryPlace, QueryRun};
use crate::fetch::JobFetcher;
use crate::store::Store;
use sagescope_core::config::TrailTable;
use sagescope_core::model::{AttributionSource, Job};
use sagescope_core::trail::{Attribution, decode_record};

/// The `trail_scans` entries that mark how far the trail's table was read for an account:
/// (account id, [`MARK_REGION`], [`MARK_CALL`]). Per account, so an account added later is
/// asked about from its own oldest unknown resource.
const MARK_REGION: &str = "*";
const MARK_CALL: &str = "athena";

/// What one Athena pass did.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct AthenaOutcome {
    /// Athena requests made, none when nothing was to be asked.
    pub requests: usize,
    pub scanned_bytes: u64,
    /// Records that changed in the `creators` table.
    pub recorded: usize,
    /// Rows the query answered.
    pub rows: usize,
    /// Why the trail could not be read (Athena's reason and the SQL).
    pub error: Option<String>,
}

impl AthenaOutcome {
    /// One line for the refresh summary: what the query found and cost.
    pub fn summary(&self) -> String {
        format!(
            "creators: {} recorded from the trail in Athena ({} calls read); {} Athena requests; \
             scanned {} (USD {:.5} at $5/TB, 10 MB minimum)",
            self.recorded,
            self.rows,
            self.requests,
            bytes(self.scanned_bytes),
            crate::cur::scan_cost_usd(self.scanned_bytes)
        )
    }
}

fn bytes(n: u64) -> String {
    if n >= 1_000_000 {
        format!("{:.1} MB", n as f64 / 1e6)
    } else {
        format!("{n} B")
    }
}

/// The columns the query selects, in order: the record's own fields, then the identity's.
const COLUMNS: [(&str, &str); 18] = [
    ("eventid", "eventid"),
    ("eventtime", "eventtime"),
    ("eventname", "eventname"),
    ("awsregion", "awsregion"),
    ("recipientaccountid", "recipientaccountid"),
    ("errorcode", "errorcode"),
    ("requestparameters", "requestparameters"),
    ("responseelements", "responseelements"),
    ("serviceeventdetails", "serviceeventdetails"),
    ("identity_type", "useridentity.type"),
    ("identity_arn", "useridentity.arn"),
    ("identity_account", "useridentity.accountid"),
    ("identity_username", "useridentity.username"),
    ("identity_invokedby", "useridentity.invokedby"),
    ("identity_principalid", "useridentity.principalid"),
    (
        "issuer_arn",
        "useridentity.sessioncontext.sessionissuer.arn",
    ),
    (
        "issuer_username",
        "useridentity.sessioncontext.sessionissuer.username",
    ),
    (
        "issuer_type",
        "useridentity.sessioncontext.sessionissuer.type",
    ),
];

/// What one query asks: the calls, the accounts they were made in, and from when.
#[derive(Debug, Clone, PartialEq)]
pub struct Ask {
    pub calls: BTreeSet<&'static str>,
    pub accounts: BTreeSet<String>,
    pub since: DateTime<Utc>,
}

/// The query for `ask`. Every name in it comes from the config, from sagescope's own list of
/// calls or from the listed rows' account ids, quoted as Athena wants; the accounts keep the
/// scan to the organization's accounts sagescope reads.
pub fn sql(table: &TrailTable, ask: &Ask) -> String {
    let select: Vec<String> = COLUMNS
        .iter()
        .map(|(alias, expr)| format!("{expr} AS {alias}"))
        .collect();
    let names: Vec<String> = ask.calls.iter().map(|c| literal(c)).collect();
    let accounts: Vec<String> = ask.accounts.iter().map(|a| literal(a)).collect();
    format!(
        "SELECT {} FROM {}.{} WHERE eventsource = 'sagemaker.amazonaws.com' \
         AND eventname IN ({}) AND recipientaccountid IN ({}) AND eventtime >= {}",
        select.join(", "),
        identifier(&table.database),
        identifier(&table.table),
        names.join(", "),
        accounts.join(", "),
        literal(&ask.since.format("%Y-%m-%dT%H:%M:%SZ").to_string())
    )
}

/// One answer row rebuilt into the CloudTrail record it came from, as far as the decoder
/// needs it. JSON text columns that do not parse are left out.
pub fn record(run: &QueryRun, row: &[Option<String>]) -> Value {
    let cell = |name: &str| {
        run.header
            .iter()
            .position(|h| h == name)
            .and_then(|i| row.get(i).cloned().flatten())
            .filter(|v| !v.is_empty())
    };
    let text = |name: &str| cell(name).map_or(Value::Null, Value::String);
    let parsed = |name: &str| {
        cell(name)
            .and_then(|t| serde_json::from_str::<Value>(&t).ok())
            .unwrap_or(Value::Null)
    };
    let mut identity = Map::new();
    for (key, column) in [
        ("type", "identity_type"),
        ("arn", "identity_arn"),
        ("accountId", "identity_account"),
        ("userName", "identity_username"),
        ("invokedBy", "identity_invokedby"),
        ("principalId", "identity_principalid"),
    ] {
        if let Some(value) = cell(column) {
            identity.insert(key.into(), Value::String(value));
        }
    }
    let mut issuer = Map::new();
    for (key, column) in [
        ("arn", "issuer_arn"),
        ("userName", "issuer_username"),
        ("type", "issuer_type"),
    ] {
        if let Some(value) = cell(column) {
            issuer.insert(key.into(), Value::String(value));
        }
    }
    if !issuer.is_empty() {
        identity.insert(
            "sessionContext".into(),
            json!({ "sessionIssuer": Value::Object(issuer) }),
        );
    }
    json!({
        "eventID": text("eventid"),
        "eventTime": text("eventtime"),
        "eventSource": "sagemaker.amazonaws.com",
        "eventName": text("eventname"),
        "awsRegion": text("awsregion"),
        "recipientAccountId": text("recipientaccountid"),
        "errorCode": text("errorcode"),
        "requestParameters": parsed("requestparameters"),
        "responseElements": parsed("responseelements"),
        "serviceEventDetails": parsed("serviceeventdetails"),
        "userIdentity": if identity.is_empty() { Value::Null } else { Value::Object(identity) },
    })
}

/// What to ask: the calls of the kinds of the `rows` without a creator, created since their
/// account's mark (`marked`; all of them before an account's first query), in those
/// accounts, from just before the oldest. `None`: nothing to ask.
pub fn plan(
    rows: &[Job],
    has_creator: impl Fn(&Job) -> bool,
    marked: impl Fn(&str) -> Option<DateTime<Utc>>,
) -> Option<Ask> {
    let pending: Vec<&Job> = rows
        .iter()
        .filter(|row| {
            !has_creator(row) && marked(&row.account_id).is_none_or(|mark| row.created_at >= mark)
        })
        .collect();
    let oldest = pending.iter().map(|row| row.created_at).min()?;
    let calls: BTreeSet<&'static str> = pending
        .iter()
        .flat_map(|row| create_calls(row.kind))
        .collect();
    let accounts = pending
        .iter()
        .map(|row| row.account_id.to_string())
        .collect();
    (!calls.is_empty()).then(|| Ask {
        calls,
        accounts,
        since: oldest - Duration::minutes(5),
    })
}

/// One pass: asks the trail's table for the creators not known, records them, and marks how
/// far it read.
pub async fn attribute(
    fetcher: &JobFetcher,
    store: &Store,
    creators: &Creators,
    rows: &[Job],
    table: &TrailTable,
    now: DateTime<Utc>,
) -> AthenaOutcome {
    let mut outcome = AthenaOutcome::default();
    let ids: BTreeSet<String> = rows.iter().map(|row| row.account_id.to_string()).collect();
    let marks: std::collections::HashMap<String, DateTime<Utc>> = store
        .run(move |cache| {
            ids.into_iter()
                .filter_map(|id| {
                    let mark = cache
                        .trail_scanned_until(&id, MARK_REGION, MARK_CALL)
                        .ok()
                        .flatten()?;
                    Some((id, mark))
                })
                .collect()
        })
        .await
        .unwrap_or_default();
    let Some(ask) = plan(
        rows,
        |row| creators.has_creator(row),
        |id| marks.get(id).copied(),
    ) else {
        return outcome;
    };
    let source = match crate::cur::athena_in(fetcher, &table.account, table.region.as_deref()).await
    {
        Ok(source) => source,
        Err(err) => {
            outcome.error = Some(err);
            return outcome;
        }
    };
    let place = QueryPlace::of_trail(table);
    let text = sql(table, &ask);
    let run = match crate::cur::run(source.as_ref(), &text, &place).await {
        Ok(run) => run,
        Err((err, run)) => {
            outcome.requests = run.total_requests();
            outcome.scanned_bytes = run.scanned_bytes;
            outcome.error = Some(err.to_string());
            return outcome;
        }
    };
    outcome.requests = run.total_requests();
    outcome.scanned_bytes = run.scanned_bytes;
    outcome.rows = run.rows.len();
    let found: Vec<Attribution> = run
        .rows
        .iter()
        .filter_map(|row| decode_record(&record(&run, row)).ok().flatten())
        .collect();
    let marks = ask
        .accounts
        .iter()
        .map(|account| (account.clone(), MARK_REGION.to_string(), MARK_CALL))
        .collect();
    let until = now - DELIVERY_DELAY;
    match super::keep(
        store,
        creators,
        found,
        AttributionSource::Athena,
        marks,
        until,
    )
    .await
    {
        Ok(recorded) => outcome.recorded = recorded,
        Err(err) => outcome.error = Some(err),
    }
    outcome
}
