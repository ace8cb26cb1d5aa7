//! Who created each resource: CloudTrail's record of its `Create*` call (and of who stopped or
//! deleted it), kept for good and laid over every listing.
//!
//! Sources, cheapest first:
//! - the "AWS API Call via CloudTrail" events on the `[stream]` log group, which the stream
//!   reads anyway ([`crate::stream`] hands them here): no request of their own;
//! - `[cloudtrail] lookup = true`: `LookupEvents` in each account-region for the resources
//!   still without a creator ([`lookup`]), lowest priority, paced under its quota;
//! - `[cloudtrail] athena_table`: one Athena query over an organization trail's table for
//!   whatever is still not known, of any age the trail keeps ([`athena`]).
//!
//! The cache's `creators` table is the record (by ARN, in lower case: SageMaker spells the
//! name part of an ARN in lower case, and a record may name a resource as its request did).
//! [`Creators`] is the session's copy, read once and kept in step with what it writes, so a
//! listing's rows are filled without a trip to the store.

pub mod athena;
pub mod lookup;

use std::collections::HashMap;
use std::sync::Mutex;

use sagescope_core::model::{AttributionSource, Creator, Job};
use sagescope_core::trail::Attribution;

use crate::session::lock;

/// The key a resource's creator is kept under: its ARN in lower case.
pub fn key(arn: &str) -> String {
    arn.to_ascii_lowercase()
}

/// The key for an attribution: its ARN, else the ARN SageMaker gives a resource of its kind
/// and name in its account and region.
pub fn attribution_key(attribution: &Attribution) -> String {
    match &attribution.arn {
        Some(arn) => key(arn),
        None => key(&format!(
            "arn:aws:sagemaker:{}:{}:{}/{}",
            attribution.region,
            attribution.account_id,
            attribution.kind.arn_segment(),
            attribution.name
        )),
    }
}

/// The session's copy of the `creators` table. See the module documentation.
#[derive(Debug, Default)]
pub struct Creators {
    known: Mutex<HashMap<String, Creator>>,
}

impl Creators {
    /// A copy holding `known` (the cache's table, by [`key`]).
    pub fn new(known: HashMap<String, Creator>) -> Self {
        Creators {
            known: Mutex::new(known),
        }
    }

    /// Lays what is known over `rows`: each row's `created_by` becomes the kept record, where
    /// there is one. Returns how many rows changed.
    pub fn fill(&self, rows: &mut [Job]) -> usize {
        let known = lock(&self.known);
        if known.is_empty() {
            return 0;
        }
        let mut changed = 0;
        for row in rows.iter_mut() {
            let creator = known.get(&key(&row.arn));
            changed += usize::from(lay_over(row, creator));
        }
        changed
    }

    /// Takes in records the cache now holds (written by this process or another).
    pub fn learn(&self, records: impl IntoIterator<Item = (String, Creator)>) {
        let mut known = lock(&self.known);
        for (key, creator) in records {
            known.insert(key, creator);
        }
    }

    /// Whether the creator of `row` is known: a record of its `Create*` call, and not one of
    /// an earlier resource under the same ARN.
    pub fn has_creator(&self, row: &Job) -> bool {
        lock(&self.known)
            .get(&key(&row.arn))
            .is_some_and(|c| c.created.is_some() && c.is_of(row.created_at))
    }
}

/// Records `found` in the cache and marks each (account, region, call) of `marks` read up to
/// `until`, in one trip to the store; the records that changed join `creators`. How many
/// changed, or why they could not be kept.
pub(crate) async fn keep(
    store: &crate::store::Store,
    creators: &Creators,
    found: Vec<Attribution>,
    source: AttributionSource,
    marks: Vec<(String, String, &'static str)>,
    until: chrono::DateTime<chrono::Utc>,
) -> Result<usize, String> {
    let kept = store
        .run(move |cache| {
            let changed = cache.record_creators(&found, source)?;
            for (account, region, call) in &marks {
                cache.set_trail_scanned_until(account, region, call, until)?;
            }
            Ok::<_, crate::cache::CacheError>(changed)
        })
        .await;
    match kept {
        Ok(Ok(changed)) => {
            let recorded = changed.len();
            creators.learn(changed);
            Ok(recorded)
        }
        Ok(Err(err)) => Err(format!("cannot keep the creators: {err}")),
        Err(err) => Err(format!("cannot keep the creators: {err}")),
    }
}

/// Lays `creator` over `row` when it is the record of this resource (not of an earlier one
/// under the same ARN) and says something new; whether the row changed. Every overlay (the
/// session's copy, the cache's reads) goes through here.
pub fn lay_over(row: &mut Job, creator: Option<&Creator>) -> bool {
    match creator {
        Some(creator)
            if creator.is_of(row.created_at) && row.created_by.as_deref() != Some(creator) =>
        {
            row.created_by = Some(Box::new(creator.clone()));
            true
        }
        _ => false,
    }
}

/// Folds `attributions` into the records `current` gives for their keys; returns the records
/// that changed, by key, sorted. Pure: the caller reads and writes the table around it.
pub fn fold(
    attributions: &[Attribution],
    source: AttributionSource,
    current: impl Fn(&str) -> Option<Creator>,
) -> Vec<(String, Creator)> {
    let mut records: HashMap<String, (Creator, bool)> = HashMap::new();
    for attribution in attributions {
        let key = attribution_key(attribution);
        let (record, changed) = records
            .entry(key)
            .or_insert_with_key(|key| (current(key).unwrap_or_default(), false));
        let before = record.clone();
        attribution.fold_into(record, source);
        *changed |= *record != before;
    }
    let mut changed: Vec<(String, Creator)> = records
        .into_iter()
        .filter(|(_, (_, changed))| *changed)
        .map(|(key, (record, _))| (key, record))
        .collect();
    changed.sort_by(|a, b| a.0.cmp(&b.0));
    changed
}

#[cfg(test)]
mod tests;
