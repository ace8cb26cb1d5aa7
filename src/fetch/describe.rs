//! Filling in what List summaries lack (instance type and count, failure reason), cheaply and
//! completely: after the first complete refresh every failed job has its reason and every
//! running resource its instances, whatever its age.
//!
//! - What each API already returns is used first: processing and transform summaries carry
//!   their failure reason, notebook summaries their instance type.
//! - Training and tuning jobs that need details are read with `Search` when two or more do:
//!   100 whole records per request, newest first, stopping once every one needed was seen.
//!   Every record read is kept, so older finished jobs get their details for free.
//! - The rest is described one by one in priority order: what the user opened (it jumps the
//!   queue), then running, then failed, then the rest, newest first.
//! - Every result is cached by ARN with the version it belongs to: an unchanged resource is
//!   never described twice. Endpoint configs never change, and an endpoint is described again
//!   only when it changed.

use std::collections::{HashMap, HashSet};
use std::sync::Mutex;

use chrono::{DateTime, Utc};

use super::events::Tracker;
use super::listing::Scope;
use super::source::{Details, Listed, SourceError, TagSource, describe_operation, searchable};
pub use crate::model::{DescribeCache, Described};
use crate::model::{ResourceKind, StatusPhase, Tags};

/// Jobs that started or ended within this window are described even when finished well, so
/// the view shows what they ran on.
pub const RECENT_HOURS: i64 = 24;

/// The version a listed resource is at; changes whenever AWS changes the resource.
pub(crate) fn version_of(item: &Listed) -> String {
    crate::model::change_marker(item.last_modified_at, &item.status)
}

/// Whether the view needs what a Describe adds for this resource.
pub(crate) fn wants_details(kind: ResourceKind, item: &Listed, now: DateTime<Utc>) -> bool {
    let failed_without_reason =
        item.status.phase() == StatusPhase::Failed && item.failure_reason.is_none();
    match kind {
        // The summary has the instance type; only a failure needs its reason.
        ResourceKind::Notebook => failed_without_reason,
        // Endpoints bill while they exist; the instance type is only in the endpoint config.
        ResourceKind::Endpoint => true,
        kind if ResourceKind::TAG_ONLY.contains(&kind) => false,
        // Only a running app's last user activity matters (the `idle` test); the list has
        // everything else.
        ResourceKind::App => item.status.phase() == StatusPhase::Running,
        // Copies and reserved compute (components) and the nodes (clusters) are only in the
        // describe, and each of them is described once per change (or node re-read).
        ResourceKind::InferenceComponent | ResourceKind::HyperPodCluster => true,
        _ => {
            let recent = now - chrono::Duration::hours(RECENT_HOURS);
            item.status.is_active()
                || failed_without_reason
                || item.created_at >= recent
                || item.ended_at.is_some_and(|t| t >= recent)
        }
    }
}

/// Queue order: what the user opened, then running, then failed, then the rest.
fn rank(item: &Listed, urgent: &HashSet<String>) -> u8 {
    if urgent.contains(&item.arn) {
        0
    } else if item.status.is_active() {
        1
    } else if item.status.phase() == StatusPhase::Failed {
        2
    } else {
        3
    }
}

/// What filling in one scope produced.
#[derive(Debug, Default)]
pub(crate) struct Filled {
    /// Describe cache entries for the scope's items (old ones reused, new ones read).
    pub entries: Vec<(String, Described)>,
    /// Tags that came with Search records, by ARN: the tag pass need not read them again.
    pub tags: Vec<(String, Tags)>,
    /// What stopped the work early, if anything (a resource vanishing between List and
    /// Describe is not an error: it is skipped).
    pub error: Option<SourceError>,
}

/// Where details come from, and what decides their order.
pub(crate) struct DetailSources<'a> {
    pub scope: &'a Scope<'a>,
    /// Search, where the account serves it.
    pub search: Option<&'a dyn TagSource>,
    pub cache: &'a DescribeCache,
    /// ARNs the user opened: described before anything else.
    pub urgent: &'a Mutex<HashSet<String>>,
    pub tracker: &'a Tracker<'a>,
}

impl DetailSources<'_> {
    fn urgent(&self) -> HashSet<String> {
        self.urgent
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .clone()
    }

    /// Applies cached details to `items` and reads the missing ones (see the module docs).
    pub async fn fill(
        &self,
        kind: ResourceKind,
        items: &mut [Listed],
        now: DateTime<Utc>,
    ) -> Filled {
        let mut filled = Filled::default();
        let mut needed: Vec<usize> = Vec::new();
        for (index, item) in items.iter_mut().enumerate() {
            let version = version_of(item);
            match self.cache.get(&item.arn) {
                Some(cached)
                    if cached.version == version
                        && !lacks_variants(kind, cached)
                        && !reading_outdated(kind, item, cached, now) =>
                {
                    apply(item, cached);
                    filled.entries.push((item.arn.clone(), cached.clone()));
                }
                // Described before and changed since (a watched job finished): read again so
                // its final state and failure reason show, however old it is.
                Some(_) => needed.push(index),
                None if wants_details(kind, item, now) => needed.push(index),
                None => {}
            }
        }
        if needed.is_empty() {
            return filled;
        }
        self.tracker.update(|p| p.details += needed.len());

        if needed.len() >= 2
            && searchable(kind)
            && kind != ResourceKind::Endpoint
            && let Some(search) = self.search
        {
            match self
                .search_details(search, kind, items, &needed, &mut filled)
                .await
            {
                Ok(()) => {}
                Err(err) => {
                    let left = needed
                        .iter()
                        .filter(|&&i| !filled.entries.iter().any(|(arn, _)| *arn == items[i].arn))
                        .count();
                    self.tracker.update(|p| p.detailed += left);
                    filled.error = Some(err);
                    return filled;
                }
            }
            let done: HashSet<&str> = filled.entries.iter().map(|(arn, _)| arn.as_str()).collect();
            needed.retain(|&i| !done.contains(items[i].arn.as_str()));
        }
        self.describe_each(kind, items, needed, &mut filled, now)
            .await;
        filled
    }

    /// Reads `Search` pages until every needed item was seen (or the pages end), applying
    /// every record that matches a listed item. AccessDenied or an unserved Search is not an
    /// error: the caller describes instead.
    async fn search_details(
        &self,
        search: &dyn TagSource,
        kind: ResourceKind,
        items: &mut [Listed],
        needed: &[usize],
        filled: &mut Filled,
    ) -> Result<(), SourceError> {
        let by_arn: HashMap<String, usize> = items
            .iter()
            .enumerate()
            .map(|(i, item)| (item.arn.clone(), i))
            .collect();
        let by_name: HashMap<String, usize> = items
            .iter()
            .enumerate()
            .map(|(i, item)| (item.name.clone(), i))
            .collect();
        let mut missing: HashSet<usize> = needed.iter().copied().collect();
        let caller = self.scope.caller();
        let mut token: Option<String> = None;
        loop {
            let page = match caller
                .call("Search", || search.search(kind, token.clone()))
                .await
            {
                Ok(page) => page,
                Err(err @ (SourceError::AccessDenied { .. } | SourceError::Other { .. })) => {
                    tracing::info!(
                        account = self.scope.account,
                        region = self.scope.region,
                        kind = %kind,
                        "Search unavailable, describing instead: {err}"
                    );
                    return Ok(());
                }
                Err(err) => return Err(err),
            };
            for record in page.items {
                let Some(&index) = record
                    .arn
                    .as_ref()
                    .and_then(|arn| by_arn.get(arn))
                    .or_else(|| by_name.get(&record.name))
                else {
                    continue;
                };
                let item = &mut items[index];
                let described = merge(kind, item, record.details);
                apply(item, &described);
                filled.entries.retain(|(arn, _)| *arn != item.arn);
                filled.entries.push((item.arn.clone(), described));
                filled.tags.push((item.arn.clone(), record.tags));
                if missing.remove(&index) {
                    self.tracker.update(|p| p.detailed += 1);
                }
            }
            match page.next_token {
                Some(next) if !missing.is_empty() && token.as_deref() != Some(next.as_str()) => {
                    token = Some(next);
                }
                _ => return Ok(()),
            }
        }
    }

    /// Describes `queue` one by one, the most urgent first (re-checked before every call, so
    /// a row opened meanwhile goes next).
    async fn describe_each(
        &self,
        kind: ResourceKind,
        items: &mut [Listed],
        mut queue: Vec<usize>,
        filled: &mut Filled,
        now: DateTime<Utc>,
    ) {
        let operation = describe_operation(kind);
        let caller = self.scope.caller();
        let source = self.scope.source;
        while !queue.is_empty() {
            let urgent = self.urgent();
            // Stable: ties keep list order, newest first.
            let next = (0..queue.len())
                .min_by_key(|&q| (rank(&items[queue[q]], &urgent), q))
                .unwrap_or(0);
            let index = queue.remove(next);
            let item = &mut items[index];
            let name = item.name.clone();
            let app = item.app.clone();
            let result = match &app {
                Some(app) if kind == ResourceKind::App => {
                    caller.call(operation, || source.describe_app(app)).await
                }
                _ => {
                    caller
                        .call(operation, || source.describe(kind, &name))
                        .await
                }
            };
            self.tracker.update(|p| p.detailed += 1);
            match result {
                Ok(details) => {
                    for extra in &details.extra_requests {
                        self.scope.stats.record(extra);
                    }
                    let mut described = merge(kind, item, details);
                    if max_reading_age(kind).is_some() {
                        described.read_at = Some(now);
                    }
                    apply(item, &described);
                    filled.entries.push((item.arn.clone(), described));
                }
                Err(SourceError::Other { message, .. }) => {
                    tracing::debug!(arn = %item.arn, %message, "describe skipped");
                }
                Err(err) => {
                    // Count what will not be described now, so progress still ends.
                    let left = queue.len();
                    self.tracker.update(|p| p.detailed += left);
                    filled.error = Some(err);
                    return;
                }
            }
        }
    }
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
        last_activity_at: details.last_activity_at,
        read_at: None,
        compute: details.compute.or_else(|| item.compute.clone()),
        billing: details.billing.or(item.billing),
    }
}

/// How long what a describe read of a running resource stays good although its status and
/// modification time do not move: a Studio app's last activity (users come and go) and a
/// HyperPod cluster's nodes (nodes fail and are replaced inside an `InService` cluster).
fn max_reading_age(kind: ResourceKind) -> Option<chrono::Duration> {
    match kind {
        ResourceKind::App => Some(chrono::Duration::minutes(
            crate::model::ACTIVITY_MAX_AGE_MINUTES,
        )),
        ResourceKind::HyperPodCluster => Some(chrono::Duration::minutes(
            crate::model::NODES_MAX_AGE_MINUTES,
        )),
        _ => None,
    }
}

/// A running resource's reading older than [`max_reading_age`] allows: read it again.
fn reading_outdated(
    kind: ResourceKind,
    item: &Listed,
    cached: &Described,
    now: DateTime<Utc>,
) -> bool {
    max_reading_age(kind).is_some_and(|max_age| {
        item.status.phase() == StatusPhase::Running
            && cached.read_at.is_none_or(|read| now - read > max_age)
    })
}

/// An endpoint cached before variant names were kept: its metrics need them.
fn lacks_variants(kind: ResourceKind, cached: &Described) -> bool {
    kind == ResourceKind::Endpoint && cached.variants.is_none()
}

pub(crate) fn apply(item: &mut Listed, described: &Described) {
    if described.instance_type.is_some() {
        item.instance_type = described.instance_type.clone();
    }
    if described.instance_count.is_some() {
        item.instance_count = described.instance_count;
    }
    if described.failure_reason.is_some() {
        item.failure_reason = described.failure_reason.clone();
    }
    if described.compute.is_some() {
        item.compute = described.compute.clone();
    }
    if described.billing.is_some() {
        item.billing = described.billing;
    }
    if let Some(app) = &mut item.app
        && described.last_activity_at.is_some()
    {
        app.last_activity_at = described.last_activity_at;
    }
}

#[cfg(test)]
mod tests {
    use chrono::{Duration, TimeZone};

    use super::*;
    use crate::model::JobStatus;

    fn now() -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2026, 11, 20, 12, 0, 0)
            .single()
            .expect("valid")
    }

    fn cluster(status: &str) -> Listed {
        Listed {
            name: "pretrain".into(),
            arn: "arn:aws:sagemaker:r:a:cluster/pretrain".into(),
            status: JobStatus::new(status),
            created_at: now() - Duration::days(3),
            ended_at: None,
            last_modified_at: None,
            instance_type: None,
            instance_count: None,
            failure_reason: None,
            app: None,
            compute: None,
            billing: None,
        }
    }

    fn read(minutes_ago: i64) -> Described {
        Described {
            version: String::new(),
            instance_type: None,
            instance_count: None,
            failure_reason: None,
            variants: None,
            last_activity_at: None,
            read_at: Some(now() - Duration::minutes(minutes_ago)),
            compute: None,
            billing: None,
        }
    }

    #[test]
    fn a_running_clusters_nodes_are_read_again_after_five_minutes() {
        let kind = ResourceKind::HyperPodCluster;
        let running = cluster("InService");
        assert!(!reading_outdated(kind, &running, &read(4), now()));
        assert!(reading_outdated(kind, &running, &read(6), now()));
        // A cluster that is not running keeps its last node list until its status moves.
        assert!(!reading_outdated(
            kind,
            &cluster("Failed"),
            &read(60),
            now()
        ));
        // Components are read once per change, never on a clock.
        assert!(!reading_outdated(
            ResourceKind::InferenceComponent,
            &running,
            &read(600),
            now()
        ));
    }
}
