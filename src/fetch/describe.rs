//! Which resources to Describe, and the cache that makes sure an unchanged one is described
//! only once.
//!
//! List summaries lack the instance type (except notebooks) and, for most kinds, the failure
//! reason. The Jobs view needs those for what an operator acts on: resources that are running
//! (they cost money now) and jobs that started or ended in the last day. Older finished jobs
//! keep whatever their summary says, unless they were described while running: then they are
//! described once more when they change, to show how they ended. Each refresh describes at most
//! [`MAX_DESCRIBES_PER_KIND`] resources per kind and account-region, running ones first, so a
//! first refresh of a busy account stays quick; the cache fills in over the next refreshes.

use std::collections::HashMap;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use super::limiter::RateLimiter;
use super::listing::Scope;
use super::source::{Details, Listed, SourceError, describe_operation};
use crate::model::{ResourceKind, StatusPhase};

/// Jobs that started or ended within this window count as recent.
pub const RECENT_HOURS: i64 = 24;

/// At most this many Describe calls per kind, account and region in one refresh.
pub const MAX_DESCRIBES_PER_KIND: usize = 20;

/// The describe cache: ARN to the details last read, with the version they belong to.
pub type DescribeCache = HashMap<String, Described>;

/// Details read by a Describe call, valid while the resource's version is unchanged.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Described {
    /// `LastModifiedTime|Status` when described: a new value means describe again.
    pub version: String,
    pub instance_type: Option<String>,
    pub instance_count: Option<u32>,
    pub failure_reason: Option<String>,
    /// An endpoint's production variant names, for its CloudWatch metrics. `None` for other
    /// kinds, and for endpoints described by a build that did not keep them (those are
    /// described once more).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub variants: Option<Vec<String>>,
}

/// The version a listed resource is at; changes whenever AWS changes the resource.
pub(crate) fn version_of(item: &Listed) -> String {
    version(item.last_modified_at, &item.status)
}

/// `LastModifiedTime|Status`: the change marker both the describe and the tag caches use.
pub(crate) fn version(
    last_modified_at: Option<DateTime<Utc>>,
    status: &crate::model::JobStatus,
) -> String {
    let modified = last_modified_at
        .map(|t| t.to_rfc3339())
        .unwrap_or_else(|| "-".into());
    format!("{modified}|{status}")
}

/// Whether the view needs what a Describe adds for this resource.
pub(crate) fn wants_details(kind: ResourceKind, item: &Listed, now: DateTime<Utc>) -> bool {
    match kind {
        // The summary has the instance type; only a failure needs its reason.
        ResourceKind::Notebook => {
            item.status.phase() == StatusPhase::Failed && item.failure_reason.is_none()
        }
        // Endpoints bill while they exist; the instance type is only in the endpoint config.
        ResourceKind::Endpoint => true,
        _ => {
            let recent = now - chrono::Duration::hours(RECENT_HOURS);
            item.status.is_active()
                || item.created_at >= recent
                || item.ended_at.is_some_and(|t| t >= recent)
        }
    }
}

/// Applies cached or freshly described details to listed entries.
///
/// Returns the describe cache entries for `items` (old ones reused, new ones read) and the
/// first error that stopped describing (other than a resource vanishing between List and
/// Describe, which is simply skipped).
pub(crate) async fn describe_kind(
    scope: &Scope<'_>,
    limiter: &RateLimiter,
    kind: ResourceKind,
    items: &mut [Listed],
    cache: &DescribeCache,
    now: DateTime<Utc>,
) -> (Vec<(String, Described)>, Option<SourceError>) {
    let operation = describe_operation(kind);
    let mut entries = Vec::new();
    let mut to_describe: Vec<usize> = Vec::new();
    for (index, item) in items.iter_mut().enumerate() {
        let version = version_of(item);
        match cache.get(&item.arn) {
            Some(cached) if cached.version == version && !lacks_variants(kind, cached) => {
                apply(item, cached);
                entries.push((item.arn.clone(), cached.clone()));
            }
            // Described before and changed since (a watched job finished): describe again
            // so its final state and failure reason show, however old it is.
            Some(_) => to_describe.push(index),
            None if wants_details(kind, item, now) => to_describe.push(index),
            None => {}
        }
    }
    // Running ones first (they cost money now), then newest first as listed.
    to_describe.sort_by_key(|&i| !items[i].status.is_active());
    to_describe.truncate(MAX_DESCRIBES_PER_KIND);

    for index in to_describe {
        let item = &mut items[index];
        limiter
            .acquire(scope.account, scope.region, operation)
            .await;
        scope.stats.record(operation);
        if kind == ResourceKind::Endpoint {
            scope.stats.record("DescribeEndpointConfig");
        }
        match scope.source.describe(kind, &item.name).await {
            Ok(details) => {
                let described = merge(kind, item, details);
                apply(item, &described);
                entries.push((item.arn.clone(), described));
            }
            Err(SourceError::Other { message, .. }) => {
                tracing::debug!(arn = %item.arn, %message, "describe skipped");
            }
            Err(err) => return (entries, Some(err)),
        }
    }
    (entries, None)
}

/// The details to keep: what Describe said, falling back to the summary's own fields.
fn merge(kind: ResourceKind, item: &Listed, details: Details) -> Described {
    Described {
        version: version_of(item),
        instance_type: details.instance_type.or_else(|| item.instance_type.clone()),
        instance_count: details.instance_count.or(item.instance_count),
        failure_reason: details
            .failure_reason
            .filter(|r| !r.is_empty())
            .or_else(|| item.failure_reason.clone()),
        variants: (kind == ResourceKind::Endpoint).then_some(details.variants),
    }
}

/// An endpoint cached before variant names were kept: its metrics need them.
fn lacks_variants(kind: ResourceKind, cached: &Described) -> bool {
    kind == ResourceKind::Endpoint && cached.variants.is_none()
}

fn apply(item: &mut Listed, described: &Described) {
    if described.instance_type.is_some() {
        item.instance_type = described.instance_type.clone();
    }
    if described.instance_count.is_some() {
        item.instance_count = described.instance_count;
    }
    if described.failure_reason.is_some() {
        item.failure_reason = described.failure_reason.clone();
    }
}
