//! Applying one event to the row it is about. EventBridge delivers at least once and in no
//! particular order, so a change only lands when it is newer than what the row already says;
//! an older one (or the same one again) leaves the row as it is.

use sagescope_core::model::Job;
use sagescope_core::stream::StreamChange;

/// What an event did to its row.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Merge {
    /// The row took the event's state.
    Applied,
    /// The row already says this or something newer.
    Stale,
}

/// Whether `change` is newer than what `row` says.
///
/// `LastModifiedTime` orders two states when both carry it (transform events do not). Else the
/// event time orders the change against the last event applied to the row. A row last written
/// by a listing and an event without `LastModifiedTime` cannot be ordered by time, so a job
/// that ended is never taken back to running: SageMaker jobs do not restart.
pub fn is_newer(change: &StreamChange, row: &Job) -> bool {
    if let (Some(event), Some(known)) = (change.last_modified_at, row.last_modified_at) {
        if event != known {
            return event > known;
        }
        // Same modification: only a status the row does not have yet is news (a listing
        // truncated to seconds can tie with the event's milliseconds).
        return change.status != row.status && row.streamed_at.is_none_or(|at| change.time > at);
    }
    if let Some(applied) = row.streamed_at {
        return change.time > applied;
    }
    !(row.kind.finishes() && row.status.is_finished() && !change.status.is_finished())
}

/// Applies `change` to `row` when it is newer (see [`is_newer`]).
pub fn apply(row: &mut Job, change: &StreamChange) -> Merge {
    if !is_newer(change, row) {
        return Merge::Stale;
    }
    // A reason belongs to the state that has it: an endpoint back in service has none, but an
    // event that repeats a failure without its reason leaves the one the row has.
    match &change.failure_reason {
        Some(reason) => row.failure_reason = Some(reason.clone()),
        None if row.status != change.status => row.failure_reason = None,
        None => {}
    }
    row.status = change.status.clone();
    if change.instance_type.is_some() {
        row.instance_type = change.instance_type.clone();
    }
    if change.instance_count.is_some() {
        row.instance_count = change.instance_count;
    }
    if let Some(ended) = change.ended_at {
        row.ended_at = Some(ended);
    }
    if change.last_modified_at.is_some() {
        row.last_modified_at = change.last_modified_at;
    }
    // An event's empty `Tags` is how the samples spell "not said": only tags replace tags.
    if let Some(tags) = change.tags.as_ref().filter(|t| !t.is_empty()) {
        row.tags = tags.clone();
    }
    row.streamed_at = Some(change.time);
    Merge::Applied
}

/// The row for a resource the listings have not shown yet.
pub fn new_row(change: &StreamChange, account_name: &str) -> Job {
    Job {
        account_id: change.account_id.as_str().into(),
        account_name: account_name.into(),
        region: change.region.as_str().into(),
        kind: change.kind,
        name: change.name.clone(),
        arn: change.arn.clone().unwrap_or_else(|| arn_of(change)),
        status: change.status.clone(),
        created_at: change.created_at.unwrap_or(change.time),
        ended_at: change.ended_at,
        last_modified_at: change.last_modified_at,
        instance_type: change.instance_type.clone(),
        instance_count: change.instance_count,
        failure_reason: change.failure_reason.clone(),
        tags: change.tags.clone().unwrap_or_default(),
        app: None,
        compute: None,
        billing: None,
        streamed_at: Some(change.time),
        created_by: None,
    }
}

/// The ARN SageMaker gives a resource, for an event that did not carry one.
fn arn_of(change: &StreamChange) -> String {
    format!(
        "arn:aws:sagemaker:{}:{}:{}/{}",
        change.region,
        change.account_id,
        change.kind.arn_segment(),
        change.name.to_lowercase()
    )
}

/// Whether `row` is the resource `change` is about: by ARN when both have one (SageMaker
/// lower-cases some names in ARNs, so they are compared without case), else by account,
/// region, kind and name.
pub fn same_resource(row: &Job, change: &StreamChange) -> bool {
    if row.kind != change.kind
        || row.account_id != change.account_id.as_str()
        || row.region != change.region.as_str()
    {
        return false;
    }
    match &change.arn {
        Some(arn) if row.arn.eq_ignore_ascii_case(arn) => true,
        _ => row.name == change.name,
    }
}
