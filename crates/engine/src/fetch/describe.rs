//! Filling in what List summaries lack (instance type and count, failure reason), cheaply and
//! completely: after the first complete refresh every job has its instance type (so its cost
//! can be estimated), every failed resource its reason and every running resource its
//! instances, whatever its age.
//!
//! - What each API already returns is used first: processing and transform summaries carry
//!   their failure reason, notebook summaries their instance type.
//! - The work comes in two passes. The due pass runs as soon as a kind is listed: what the
//!   user opened, then running, then failed, then the rest (recently ended, changed since
//!   last read), newest first. The backlog pass reads finished jobs never described before
//!   (ended more than [`RECENT_HOURS`] ago): the engine runs it only after every
//!   account-region waiting for its due pass has had its turn, so a first refresh shows every
//!   scope's rows and what matters now before the history; an opened row still goes first.
//! - Training and tuning jobs that need details are read with `Search` when two or more do
//!   (in either pass): 100 whole records per request, newest first, stopping once every one
//!   needed was seen. Every record read is kept, so older finished jobs get their details for
//!   free.
//! - The rest is described one by one in that priority order (re-checked before every call).
//! - Every result is cached by ARN with the version it belongs to: an unchanged resource is
//!   never described twice, and a finished job never again (its details are final even when
//!   its `LastModifiedTime` moves). Endpoint configs never change, and an endpoint is
//!   described again only when it changed.

use std::collections::{HashMap, HashSet};
use std::sync::Mutex;

use chrono::{DateTime, Utc};

use super::events::Tracker;
use super::listing::Scope;
use super::source::{Details, Listed, SourceError, TagSource, describe_operation, searchable};
pub use sagescope_core::model::{DescribeCache, Described};
use sagescope_core::model::{ResourceKind, StatusPhase, Tags};

/// Jobs that started or ended within this window are described in the due pass; older
/// finished ones wait for the backlog pass.
pub const RECENT_HOURS: i64 = 24;

/// The version a listed resource is at; changes whenever AWS changes the resource.
pub(crate) fn version_of(item: &Listed) -> String {
    sagescope_core::model::change_marker(item.last_modified_at, &item.status)
}

/// Whether the view needs what a Describe adds for this resource.
pub(crate) fn wants_details(kind: ResourceKind, item: &Listed) -> bool {
    let failed_without_reason =
        item.status.phase() == StatusPhase::Failed && item.failure_reason.is_none();
    match kind {
        // The summary has the instance type; only a failure needs its reason.
        ResourceKind::Notebook => failed_without_reason,
        // Endpoints bill while they exist; the instance type is only in the endpoint config.
        ResourceKind::Endpoint => true,
        kind if ResourceKind::TAG_ONLY.contains(&kind) => false,
        // A running app's last user activity (the `idle` test), a failed one's reason; the
        // list has everything else.
        ResourceKind::App => item.status.phase() == StatusPhase::Running || failed_without_reason,
        // Copies and reserved compute (components), the failure message, instance groups and
        // nodes (clusters) are only in the describe, read once per change (nodes again on a
        // clock).
        ResourceKind::InferenceComponent | ResourceKind::HyperPodCluster => true,
        // Every job, whatever its age: the instance type is what its cost is estimated from.
        kind => kind.finishes(),
    }
}

/// The queues a resource needing details waits in, first served first.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub(crate) enum Rank {
    /// The user opened it.
    Opened,
    Running,
    Failed,
    /// Anything else the due pass reads: recently ended jobs, resources changed since read.
    Due,
    /// A job that finished more than [`RECENT_HOURS`] ago: read in the backlog pass.
    Backlog,
}

/// Which queue `item` waits in.
pub(crate) fn rank(
    kind: ResourceKind,
    item: &Listed,
    urgent: &HashSet<String>,
    now: DateTime<Utc>,
) -> Rank {
    let recent = now - chrono::Duration::hours(RECENT_HOURS);
    if urgent.contains(&item.arn) {
        Rank::Opened
    } else if item.status.is_active() {
        Rank::Running
    } else if item.status.phase() == StatusPhase::Failed {
        Rank::Failed
    } else if kind.finishes()
        && item.status.is_finished()
        && item.created_at < recent
        && item.ended_at.is_none_or(|t| t < recent)
    {
        Rank::Backlog
    } else {
        Rank::Due
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
    /// Items (indices into the scope's listed items) left for the backlog pass.
    pub backlog: Vec<usize>,
}

/// Called with the scope's items and entries so far when a row the user opened was read
/// during the backlog pass, so it shows without waiting for the whole backlog.
pub(crate) type Publish<'p> = &'p (dyn Fn(&[Listed], &[(String, Described)]) + Sync);

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

    /// The due pass: applies cached details to `items` and reads the missing ones that are
    /// due; the rest is left in [`Filled::backlog`] for [`DetailSources::fill_backlog`].
    pub async fn fill(
        &self,
        kind: ResourceKind,
        items: &mut [Listed],
        now: DateTime<Utc>,
    ) -> Filled {
        let mut filled = Filled::default();
        let mut due: Vec<usize> = Vec::new();
        let urgent = self.urgent();
        for (index, item) in items.iter_mut().enumerate() {
            match self.cache.get(&item.arn) {
                Some(cached) if still_current(kind, item, cached, now) => {
                    let described = Described {
                        version: version_of(item),
                        ..cached.clone()
                    };
                    apply(item, &described);
                    filled.entries.push((item.arn.clone(), described));
                }
                // Described before and changed since (a watched job finished): read again so
                // its final state and failure reason show, however old it is.
                Some(_) => due.push(index),
                None if wants_details(kind, item) => {
                    if rank(kind, item, &urgent, now) == Rank::Backlog {
                        filled.backlog.push(index);
                    } else {
                        due.push(index);
                    }
                }
                None => {}
            }
        }
        let wanted = due.len() + filled.backlog.len();
        if wanted > 0 {
            self.tracker.update(|p| p.details += wanted);
        }
        self.read(kind, items, due, &mut filled, now, None).await;
        // Search pages read for the due jobs may have carried part of the backlog.
        let covered = drop_read(&mut filled.backlog, items, &filled.entries);
        if covered > 0 {
            self.tracker.update(|p| p.detailed += covered);
        }
        if filled.error.is_some() {
            // Stopped early: the backlog waits for the next refresh.
            let left = std::mem::take(&mut filled.backlog).len();
            self.tracker.update(|p| p.detailed += left);
        }
        filled
    }

    /// The backlog pass: reads what [`DetailSources::fill`] left in `filled.backlog`,
    /// telling `publish` whenever a row the user opened meanwhile was read.
    pub async fn fill_backlog(
        &self,
        kind: ResourceKind,
        items: &mut [Listed],
        filled: &mut Filled,
        now: DateTime<Utc>,
        publish: Publish<'_>,
    ) {
        let backlog = std::mem::take(&mut filled.backlog);
        self.read(kind, items, backlog, filled, now, Some(publish))
            .await;
    }

    /// Reads details for `needed`: one Search for many training or tuning jobs, Describe for
    /// the rest.
    async fn read(
        &self,
        kind: ResourceKind,
        items: &mut [Listed],
        mut needed: Vec<usize>,
        filled: &mut Filled,
        now: DateTime<Utc>,
        publish: Option<Publish<'_>>,
    ) {
        if needed.is_empty() {
            return;
        }
        if needed.len() >= 2
            && searchable(kind)
            && kind != ResourceKind::Endpoint
            && let Some(search) = self.search
        {
            if let Err(err) = self
                .search_details(search, kind, items, &needed, filled)
                .await
            {
                drop_read(&mut needed, items, &filled.entries);
                let left = needed.len();
                self.tracker.update(|p| p.detailed += left);
                filled.error = Some(err);
                return;
            }
            drop_read(&mut needed, items, &filled.entries);
        }
        self.describe_each(kind, items, needed, filled, now, publish)
            .await;
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
    /// a row opened meanwhile goes next, and is published at once when `publish` is given).
    async fn describe_each(
        &self,
        kind: ResourceKind,
        items: &mut [Listed],
        mut queue: Vec<usize>,
        filled: &mut Filled,
        now: DateTime<Utc>,
        publish: Option<Publish<'_>>,
    ) {
        let operation = describe_operation(kind);
        let caller = self.scope.caller();
        let source = self.scope.source;
        while !queue.is_empty() {
            let urgent = self.urgent();
            // Stable: ties keep list order, newest first.
            let (next, first) = (0..queue.len())
                .map(|q| (q, rank(kind, &items[queue[q]], &urgent, now)))
                .min_by_key(|&(q, rank)| (rank, q))
                .unwrap_or((0, Rank::Due));
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
                    if first == Rank::Opened
                        && let Some(publish) = publish
                    {
                        publish(items, &filled.entries);
                    }
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
            sagescope_core::model::ACTIVITY_MAX_AGE_MINUTES,
        )),
        ResourceKind::HyperPodCluster => Some(chrono::Duration::minutes(
            sagescope_core::model::NODES_MAX_AGE_MINUTES,
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

/// Drops from `queue` (indices into `items`) what `entries` already holds; how many went.
fn drop_read(queue: &mut Vec<usize>, items: &[Listed], entries: &[(String, Described)]) -> usize {
    let read: HashSet<&str> = entries.iter().map(|(arn, _)| arn.as_str()).collect();
    let before = queue.len();
    queue.retain(|&i| !read.contains(items[i].arn.as_str()));
    before - queue.len()
}

/// Whether a cache entry still holds for a listed item: the same version (and nothing read
/// on a clock has aged out), or a job that had already finished with the status it has now:
/// a finished job's instances, reason and billed time are final, so a `LastModifiedTime` that
/// moves afterwards (a warm pool released, say) is no reason to describe it again.
pub(crate) fn still_current(
    kind: ResourceKind,
    item: &Listed,
    cached: &Described,
    now: DateTime<Utc>,
) -> bool {
    if lacks_variants(kind, cached) || reading_outdated(kind, item, cached, now) {
        return false;
    }
    cached.version == version_of(item)
        || (kind.finishes()
            && item.status.is_finished()
            && marked_status(&cached.version) == Some(item.status.as_str()))
}

/// The status part of a [`sagescope_core::model::change_marker`] (`LastModifiedTime|Status`).
fn marked_status(version: &str) -> Option<&str> {
    version.rsplit_once('|').map(|(_, status)| status)
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
    use sagescope_core::model::JobStatus;

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

    /// A training job created 30 days ago that ended `ended_hours_ago` (`None`: running).
    fn training(status: &str, ended_hours_ago: Option<i64>) -> Listed {
        Listed {
            name: format!("train-{status}"),
            arn: format!("arn:aws:sagemaker:r:a:training-job/train-{status}"),
            created_at: now() - Duration::days(30),
            ended_at: ended_hours_ago.map(|h| now() - Duration::hours(h)),
            last_modified_at: Some(now() - Duration::days(20)),
            ..cluster(status)
        }
    }

    #[test]
    fn finished_jobs_wait_in_the_backlog_and_an_opened_row_goes_first() {
        let none = HashSet::new();
        let rank_of = |item: &Listed, urgent: &HashSet<String>| {
            rank(ResourceKind::Training, item, urgent, now())
        };
        assert_eq!(rank_of(&training("InProgress", None), &none), Rank::Running);
        assert_eq!(rank_of(&training("Failed", Some(500)), &none), Rank::Failed);
        assert_eq!(
            rank_of(&training("Completed", Some(2)), &none),
            Rank::Due,
            "ended within the last day"
        );
        let old = training("Completed", Some(500));
        assert_eq!(rank_of(&old, &none), Rank::Backlog);
        assert_eq!(
            rank_of(&training("Stopped", Some(500)), &none),
            Rank::Backlog
        );
        let opened = HashSet::from([old.arn.clone()]);
        assert_eq!(rank_of(&old, &opened), Rank::Opened);
        let mut order = vec![
            Rank::Backlog,
            Rank::Due,
            Rank::Failed,
            Rank::Running,
            Rank::Opened,
        ];
        order.sort();
        assert_eq!(
            order,
            [
                Rank::Opened,
                Rank::Running,
                Rank::Failed,
                Rank::Due,
                Rank::Backlog
            ]
        );
        // Only jobs finish for good: a stopped notebook is no backlog.
        let notebook = training("Stopped", Some(500));
        assert_eq!(
            rank(ResourceKind::Notebook, &notebook, &none, now()),
            Rank::Due
        );
    }

    #[test]
    fn every_job_and_a_failed_app_want_details() {
        for kind in [
            ResourceKind::Training,
            ResourceKind::Processing,
            ResourceKind::Transform,
            ResourceKind::Tuning,
        ] {
            assert!(wants_details(kind, &training("Completed", Some(5000))));
        }
        let app = ResourceKind::App;
        assert!(wants_details(app, &cluster("InService")), "its activity");
        assert!(wants_details(app, &cluster("Failed")), "its reason");
        let mut explained = cluster("Failed");
        explained.failure_reason = Some("known".into());
        assert!(!wants_details(app, &explained));
        assert!(!wants_details(app, &cluster("Deleted")));
    }

    #[test]
    fn a_finished_jobs_entry_holds_when_only_its_modification_time_moves() {
        let kind = ResourceKind::Training;
        let mut job = training("Completed", Some(500));
        let entry = Described {
            version: version_of(&job),
            ..read(0)
        };
        job.last_modified_at = Some(now());
        assert!(still_current(kind, &job, &entry, now()));
        // Read while it ran: its final state is read once more.
        let running = Described {
            version: sagescope_core::model::change_marker(
                job.last_modified_at,
                &JobStatus::new("InProgress"),
            ),
            ..read(0)
        };
        assert!(!still_current(kind, &job, &running, now()));
        // Other kinds change while they live: a moved version means read again.
        let component = ResourceKind::InferenceComponent;
        assert!(!still_current(component, &job, &entry, now()));
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
