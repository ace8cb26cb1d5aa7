//! Events: what changed between the last refresh and this one, derived from what each saw.
//!
//! The derivation is pure: the caller hands in what this refresh observed ([`Observation`]) and
//! what the cache kept from the ones before ([`SeenState`]), and gets back the events and the
//! few changes to the seen state. Both are committed together, so an event is emitted once:
//! not again at the next refresh, not again after a restart.
//!
//! Rules:
//! - Only scopes this refresh listed are compared; a scope that failed (its rows are the last
//!   good ones, marked stale) yields nothing, and its resources stay as last seen.
//! - The first refresh of a scope is a baseline: nothing in it is news, whatever its state.
//! - A resource seen for the first time (in a scope seen before) is recorded on the timeline
//!   with no previous status, but a first sight in a terminal state raises no alert: it ended
//!   between two refreshes before sagescope saw it run, and `watch` was not asked about
//!   history. A new resource that breaks the tag policy is `new_untagged`.
//! - A status change is a `job_*` / `endpoint_failed` alert when it lands in that state,
//!   else `status_changed` (timeline only).
//! - `endpoint_idle`, `new_untagged` and budgets alert when their flag turns on; a flag not
//!   measured this refresh (no metrics, no tag pass, no spend) keeps its last value.

mod observe;

use std::collections::HashSet;

use chrono::{DateTime, Utc};

use sagescope_core::model::{
    Event, EventKind, Job, ScopeKey, SeenChanges, SeenResource, SeenState,
};

pub use observe::{budget_observations, observe};

/// What a tag check said about one resource this refresh.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TagCheck {
    /// Its tags were not checked (no tag pass, or its region's failed).
    Unchecked,
    Compliant,
    /// It breaks the policy: what is wrong, for the event's detail.
    Breaks(String),
}

/// One resource as this refresh saw it.
#[derive(Debug, Clone, PartialEq)]
pub struct Observed {
    pub job: Job,
    /// The IDLE flag, when a complete CloudWatch answer came with this refresh.
    pub idle: Option<bool>,
    pub tags: TagCheck,
}

/// One budget as the latest spend outlook saw it.
#[derive(Debug, Clone, PartialEq)]
pub struct BudgetObserved {
    /// `tag_key=tag_value`.
    pub name: String,
    pub over: bool,
    pub detail: String,
}

/// What one refresh observed.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Observation {
    pub at: Option<DateTime<Utc>>,
    /// The scopes this refresh listed (not the stale ones).
    pub scopes: HashSet<ScopeKey>,
    /// The resources of those scopes.
    pub resources: Vec<Observed>,
    /// `None` when spend was not looked at.
    pub budgets: Option<Vec<BudgetObserved>>,
    /// The resources come from the event stream, not a listing: only they were seen, so
    /// nothing else in their scopes changed or is gone, and each is news as it happens (a
    /// resource first seen failing raises its alert: the event says it just failed).
    pub streamed: bool,
}

/// The events of one refresh and how the seen state changes with it.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Derived {
    pub events: Vec<Event>,
    pub changes: SeenChanges,
}

/// Compares `now` with `before`. See the module doc for the rules.
pub fn derive(before: &SeenState, now: &Observation) -> Derived {
    let at = now.at.unwrap_or_else(Utc::now);
    let mut out = Derived::default();
    let mut listed: HashSet<&str> = HashSet::new();
    for observed in &now.resources {
        let job = &observed.job;
        let scope = ScopeKey::of(job);
        if !now.streamed && !now.scopes.contains(&scope) {
            continue;
        }
        listed.insert(job.arn.as_str());
        let untagged = match &observed.tags {
            TagCheck::Unchecked => None,
            TagCheck::Compliant => Some(false),
            TagCheck::Breaks(_) => Some(true),
        };
        let Some(seen) = before.resources.get(&job.arn) else {
            let baseline = !now.streamed && !before.scopes.contains(&scope);
            if !baseline {
                let kind = if now.streamed {
                    EventKind::of_status(job)
                } else {
                    EventKind::StatusChanged
                };
                out.events
                    .push(event(at, kind, job, None, failure(kind, job)));
                if let TagCheck::Breaks(problems) = &observed.tags {
                    let detail = Some(problems.clone());
                    out.events
                        .push(event(at, EventKind::NewUntagged, job, None, detail));
                }
            }
            out.changes.upsert.push((
                job.arn.clone(),
                SeenResource {
                    scope,
                    status: job.status.as_str().to_string(),
                    idle: observed.idle,
                    untagged,
                    baseline,
                },
            ));
            continue;
        };
        let mut next = seen.clone();
        if seen.status != job.status.as_str() {
            let kind = EventKind::of_status(job);
            let detail = failure(kind, job);
            out.events
                .push(event(at, kind, job, Some(seen.status.clone()), detail));
            next.status = job.status.as_str().to_string();
        }
        if turned_on(seen.idle, observed.idle, seen.baseline) {
            let detail = Some("in service with no invocations in the last 24 hours".into());
            out.events
                .push(event(at, EventKind::EndpointIdle, job, None, detail));
        }
        if turned_on(seen.untagged, untagged, seen.baseline)
            && let TagCheck::Breaks(problems) = &observed.tags
        {
            let detail = Some(problems.clone());
            out.events
                .push(event(at, EventKind::NewUntagged, job, None, detail));
        }
        next.idle = observed.idle.or(seen.idle);
        next.untagged = untagged.or(seen.untagged);
        next.scope = scope;
        if next != *seen {
            out.changes.upsert.push((job.arn.clone(), next));
        }
    }
    if now.streamed {
        return out;
    }
    // Gone from a scope that was listed: deleted (or aged out of SageMaker's lists).
    out.changes.remove = before
        .resources
        .iter()
        .filter(|(arn, seen)| now.scopes.contains(&seen.scope) && !listed.contains(arn.as_str()))
        .map(|(arn, _)| arn.clone())
        .collect();
    out.changes.remove.sort_unstable();
    let mut scopes: Vec<ScopeKey> = now
        .scopes
        .iter()
        .filter(|s| !before.scopes.contains(*s))
        .cloned()
        .collect();
    scopes.sort();
    out.changes.scopes = scopes;
    for budget in now.budgets.iter().flatten() {
        let was = before.budgets.get(&budget.name).copied();
        if was == Some(false) && budget.over {
            out.events.push(Event {
                at,
                event: EventKind::BudgetForecastCrossed,
                account_id: String::new(),
                account_name: String::new(),
                region: String::new(),
                kind: None,
                name: budget.name.clone(),
                arn: String::new(),
                status: Some("over".into()),
                previous_status: Some("under".into()),
                detail: Some(budget.detail.clone()),
            });
        }
        if was != Some(budget.over) {
            out.changes.budgets.push((budget.name.clone(), budget.over));
        }
    }
    out
}

/// What a failure event says: the resource's reason, for the kinds that fail.
fn failure(kind: EventKind, job: &Job) -> Option<String> {
    job.failure_reason
        .clone()
        .filter(|_| matches!(kind, EventKind::JobFailed | EventKind::EndpointFailed))
}

/// A flag turning on: off before, on now; or never measured on a resource that is itself new
/// since its scope's first refresh (a new endpoint, a new job's first tag check).
fn turned_on(before: Option<bool>, now: Option<bool>, baseline: bool) -> bool {
    now == Some(true) && (before == Some(false) || (before.is_none() && !baseline))
}

fn event(
    at: DateTime<Utc>,
    kind: EventKind,
    job: &Job,
    previous_status: Option<String>,
    detail: Option<String>,
) -> Event {
    let previous_status = match kind {
        // A flag's event is about the flag, but says what status it happened in.
        EventKind::EndpointIdle | EventKind::NewUntagged => None,
        _ => previous_status,
    };
    Event::about(
        job,
        at,
        kind,
        job.status.as_str().to_string(),
        previous_status,
        detail,
    )
}

/// Applies `changes` to `state` (what the cache does on disk, for callers that keep the state
/// in memory, e.g. the demo).
pub fn apply(state: &mut SeenState, changes: &SeenChanges) {
    for arn in &changes.remove {
        state.resources.remove(arn);
    }
    for (arn, seen) in &changes.upsert {
        state.resources.insert(arn.clone(), seen.clone());
    }
    state.scopes.extend(changes.scopes.iter().cloned());
    for (name, over) in &changes.budgets {
        state.budgets.insert(name.clone(), *over);
    }
}

#[cfg(test)]
mod tests;
