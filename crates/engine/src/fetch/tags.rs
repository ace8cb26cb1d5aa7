//! The tag pass: after the jobs refresh, every account × region lists the resources checked
//! for tags alone (Studio domains, user profiles and spaces, models, endpoint configs,
//! pipelines, model package groups, feature groups, experiments) and reads the tags that are
//! not cached (new, changed or older than `tags.ttl_hours`), through the same links, rate
//! limiter and per-account error isolation as the jobs fetch. Then findings are computed from
//! the tags and the `[tags]` policy.
//!
//! Cost, per account-region and refresh:
//! - One List call per page of each tag-only kind (`ListDomains`, `ListModels`,
//!   `ListEndpointConfigs`, `ListPipelines`, `ListModelPackageGroups`, `ListFeatureGroups`,
//!   `ListExperiments`); `ListUserProfiles` and `ListSpaces` only where there is a domain.
//!   These kinds are not in the Jobs pane: they bill nothing by the hour of their own.
//! - For the kinds SageMaker's `Search` covers (training and tuning jobs, endpoints, models,
//!   pipelines, model package groups, feature groups, experiments), `Search` (100 resources
//!   with their tags per request) when that takes fewer requests than one `ListTags` per
//!   resource needing tags; whatever Search did not return (a resource it has not indexed
//!   yet, or a Search that is not allowed or not served) falls back to `ListTags`.
//! - `ListTags` (100 tags per page, so one page in practice) for every other resource whose
//!   tags are due.
//!
//! A steady-state refresh where nothing changed reads no tags at all.

use std::collections::{HashMap, HashSet};

use chrono::{DateTime, Utc};
use futures::future::join_all;
use tokio::sync::Semaphore;

use super::counter::ProgressCounter;
use super::engine::to_job;
use super::listing::{Scope, list_kind};
use super::source::{AccountLink, SourceError, TagSource, searchable};
use super::stats::Stats;
use super::{FetchStats, JobFetcher, Progress, fetch_error, now};
use sagescope_core::config::{AccountConfig, TagsConfig};
use sagescope_core::model::{
    FetchError, Job, ResourceKind, TagFinding, Tags, View, find_tag_problems,
};
use sagescope_core::tags::{TagEntry, TagState, findings, version_of};

/// Search pages hold at most this many resources.
const SEARCH_PAGE: usize = 100;

/// Which cached tags a tag pass may trust.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum TagRefresh {
    /// Tags of unchanged resources read less than `tags.ttl_hours` ago.
    #[default]
    Cached,
    /// As `Cached`, but resources that broke the policy when last read are read again: what
    /// the user wants after running the fix script (`r` in the UI). Costs one request per
    /// finding (fewer where Search applies).
    Findings,
    /// None: every resource's tags are read again (`export --no-cache`).
    All,
}

/// The result of a tag pass.
#[derive(Debug, Clone, PartialEq)]
pub struct TagsFetch {
    /// Every resource (jobs and Studio domains and user profiles) that breaks the policy.
    /// Account-regions whose tags could not be read keep their last known tags and have an
    /// entry in `errors`.
    pub findings: View<TagFinding>,
    /// What the next tag pass starts from; save it with [`crate::cache::tags::save`].
    pub state: TagState,
    /// Requests made by the tag pass, by operation (`ListTags`, `Search`, `ListDomains`, ...).
    pub stats: FetchStats,
    /// Resources whose tags were read from AWS in this pass.
    pub read: usize,
}

/// What one account-region produced.
#[derive(Default)]
struct RegionTags {
    entries: Vec<(String, TagEntry)>,
    studio: Vec<Job>,
    errors: Vec<FetchError>,
    read: usize,
}

struct Run<'a> {
    fetcher: &'a JobFetcher,
    previous: &'a TagState,
    settings: &'a TagsConfig,
    refresh: TagRefresh,
    ttl: chrono::Duration,
    when: DateTime<Utc>,
    counter: ProgressCounter<'a>,
    stats: Stats,
    permits: Semaphore,
    /// Throttled calls are retried until then.
    deadline: tokio::time::Instant,
    /// Tags read just now with Search records while filling in details.
    searched: &'a HashMap<String, Tags>,
}

impl Run<'_> {
    /// The previous entry for `job`, if it may stand for it now.
    fn fresh<'s>(&'s self, job: &Job) -> Option<&'s TagEntry> {
        let entry = self
            .previous
            .entries
            .get(&job.arn)
            .filter(|e| e.is_fresh(&version_of(job), self.when, self.ttl))?;
        match self.refresh {
            TagRefresh::Cached => Some(entry),
            TagRefresh::Findings => {
                find_tag_problems(&entry.tags, self.settings.policy_for(&job.account_name))
                    .is_empty()
                    .then_some(entry)
            }
            TagRefresh::All => None,
        }
    }

    fn entry(&self, job: &Job, tags: Tags) -> TagEntry {
        TagEntry {
            version: version_of(job),
            read_at: self.when,
            tags,
        }
    }
}

impl JobFetcher {
    /// Reads the tags the cache does not have, puts them on `jobs` (jobs carry their tags),
    /// and computes the tag findings. Never fails as a whole: an account or region that fails
    /// keeps its last known tags and is listed in the findings' `errors`.
    ///
    /// `jobs` is the jobs view just fetched; `previous` the state the last tag pass returned
    /// (e.g. [`crate::cache::tags::load`]), or the default to read everything. An account
    /// whose jobs could not be fetched for want of credentials is not tried again here: its
    /// error is repeated and its last known tags kept.
    pub async fn fetch_tags(
        &self,
        jobs: &mut View<Job>,
        previous: &TagState,
        settings: &TagsConfig,
        refresh: TagRefresh,
        searched: &HashMap<String, Tags>,
        progress: &(dyn Fn(Progress) + Send + Sync),
    ) -> TagsFetch {
        let when = now();
        let accounts = self.accounts();
        let run = Run {
            fetcher: self,
            previous,
            settings,
            refresh,
            ttl: chrono::Duration::hours(i64::from(settings.ttl_hours.max(1))),
            when,
            counter: ProgressCounter::new(
                progress,
                accounts.iter().map(|a| a.regions.len().max(1)).sum(),
            ),
            stats: Stats::default(),
            permits: Semaphore::new(self.max_concurrency),
            deadline: tokio::time::Instant::now() + self.deadline,
            searched,
        };
        let per_account = join_all(accounts.iter().map(|account| {
            // The jobs fetch just failed to connect this account: trying again would only
            // wait for the same failure.
            let failed = jobs
                .errors
                .iter()
                .find(|e| e.account == account.name && e.region.is_none())
                .map(|e| e.message.clone());
            account_tags(&run, account, &jobs.rows, failed)
        }))
        .await;

        let mut state = TagState::default();
        let mut errors = Vec::new();
        let mut read = 0;
        for result in per_account.into_iter().flatten() {
            state.entries.extend(result.entries);
            state.studio.extend(result.studio);
            errors.extend(result.errors);
            read += result.read;
        }
        state.studio.sort_by(|a, b| {
            (&a.account_name, &a.region, a.kind, &a.name).cmp(&(
                &b.account_name,
                &b.region,
                b.kind,
                &b.name,
            ))
        });
        // Keep entries only for resources still listed, so the cache never grows unbounded.
        let listed: HashSet<&str> = jobs
            .rows
            .iter()
            .chain(&state.studio)
            .map(|j| j.arn.as_str())
            .collect();
        state.entries.retain(|arn, _| listed.contains(arn.as_str()));
        for job in &mut jobs.rows {
            if let Some(entry) = state.entries.get(&job.arn) {
                job.tags = entry.tags.clone();
            }
        }
        let order: Vec<String> = accounts.iter().map(|a| a.name.clone()).collect();
        let rows = findings(
            jobs.rows.iter().chain(&state.studio),
            &state.entries,
            &|account| settings.policy_for(account),
            &order,
        );
        TagsFetch {
            findings: View::new(when, rows, errors),
            state,
            stats: run.stats.snapshot(),
            read,
        }
    }
}

async fn account_tags(
    run: &Run<'_>,
    account: &AccountConfig,
    jobs: &[Job],
    failed: Option<String>,
) -> Vec<RegionTags> {
    let link = match failed {
        Some(message) => Err(message),
        None => run
            .fetcher
            .link(account, &run.stats)
            .await
            .map_err(|e| e.to_string()),
    };
    let link = match link {
        Ok(link) => link,
        Err(message) => {
            run.counter.report(
                &account.name,
                None,
                account.regions.len().max(1),
                0,
                Some(message.clone()),
            );
            // Keep what was known: stale tags beat no findings, and the error says so.
            let studio: Vec<Job> = run
                .previous
                .studio
                .iter()
                .filter(|j| j.account_name == account.name)
                .cloned()
                .collect();
            let entries = jobs
                .iter()
                .chain(&studio)
                .filter(|j| j.account_name == account.name)
                .filter_map(|j| {
                    run.previous
                        .entries
                        .get(&j.arn)
                        .map(|e| (j.arn.clone(), e.clone()))
                })
                .collect();
            return vec![RegionTags {
                entries,
                studio,
                errors: vec![fetch_error(&account.name, None, message)],
                read: 0,
            }];
        }
    };
    let regions: Vec<String> = link.regions().to_vec();
    join_all(regions.iter().map(|region| async {
        let _permit = run.permits.acquire().await;
        let result = region_tags(run, account, link.as_ref(), region, jobs).await;
        let error = (!result.errors.is_empty()).then(|| {
            result
                .errors
                .iter()
                .map(|e| e.message.clone())
                .collect::<Vec<_>>()
                .join("; ")
        });
        run.counter
            .report(&account.name, Some(region), 1, result.read, error);
        result
    }))
    .await
}

async fn region_tags(
    run: &Run<'_>,
    account: &AccountConfig,
    link: &dyn AccountLink,
    region: &str,
    jobs: &[Job],
) -> RegionTags {
    let account_id = link.account_id();
    let in_scope = |j: &&Job| {
        j.account_name == account.name && j.account_id == account_id && j.region == region
    };
    let mut out = RegionTags::default();
    let mut messages: Vec<String> = Vec::new();

    let source = link.source(region);
    let scope = Scope {
        account: &account.name,
        region,
        source: source.as_ref(),
        limiter: &run.fetcher.limiter,
        stats: &run.stats,
        deadline: run.deadline,
    };
    match list_studio(&scope, account, account_id, region).await {
        Ok(studio) => out.studio = studio,
        Err(err) => {
            tracing::warn!(account = %account.name, region, "studio listing: {err}");
            messages.push(err.to_string());
            out.studio = run
                .previous
                .studio
                .iter()
                .filter(in_scope)
                .cloned()
                .collect();
        }
    }

    let studio = std::mem::take(&mut out.studio);
    let resources: Vec<&Job> = jobs.iter().filter(in_scope).chain(&studio).collect();
    let mut entries: HashMap<String, TagEntry> = HashMap::new();
    let mut due: Vec<&Job> = Vec::new();
    for job in &resources {
        if let Some(tags) = run.searched.get(&job.arn) {
            // Read a moment ago with the job's whole Search record: as fresh as it gets.
            entries.insert(job.arn.clone(), run.entry(job, tags.clone()));
            out.read += 1;
            continue;
        }
        match run.fresh(job) {
            Some(entry) => {
                entries.insert(job.arn.clone(), entry.clone());
            }
            None => due.push(job),
        }
    }

    let stopped = match link.tag_source(region) {
        Some(tags) => {
            let reader = Reader {
                run,
                account: &account.name,
                region,
                source: tags.as_ref(),
            };
            let (read, stopped) = reader.read(&resources, &due).await;
            out.read += due.iter().filter(|j| read.contains_key(&j.arn)).count();
            // Search may also have refreshed resources that were not due: keep those too.
            entries.extend(read);
            stopped
        }
        None => Some("this account serves no tags".to_string()),
    };

    let unread: Vec<&Job> = due
        .iter()
        .copied()
        .filter(|j| !entries.contains_key(&j.arn))
        .collect();
    if let Some(err) = stopped {
        tracing::warn!(account = %account.name, region, "tags: {err}");
        let mut stale = 0;
        for job in &unread {
            if let Some(entry) = run.previous.entries.get(&job.arn) {
                entries.insert(job.arn.clone(), entry.clone());
                stale += 1;
            }
        }
        let never = unread.len() - stale;
        let mut message = format!("tags of {} resources not read: {err}", unread.len());
        if never > 0 {
            message.push_str(&format!(
                " ({never} never read are left out of the findings)"
            ));
        }
        messages.push(message);
    }
    out.entries = entries.into_iter().collect();
    out.studio = studio;
    out.errors = errors_of(account, region, messages);
    out
}

fn errors_of(account: &AccountConfig, region: &str, mut messages: Vec<String>) -> Vec<FetchError> {
    messages.sort();
    messages.dedup();
    messages
        .into_iter()
        .map(|m| fetch_error(&account.name, Some(region), m))
        .collect()
}

/// Tag-only kinds that live inside a Studio domain: listed only where there is one.
const IN_A_DOMAIN: [ResourceKind; 2] = [ResourceKind::UserProfile, ResourceKind::Space];

/// Lists the account-region's tag-only resources: Studio domains, models, endpoint configs,
/// pipelines, model package groups, feature groups and experiments; and, only where there is
/// a domain, its user profiles and spaces.
async fn list_studio(
    scope: &Scope<'_>,
    account: &AccountConfig,
    account_id: &str,
    region: &str,
) -> Result<Vec<Job>, SourceError> {
    let to_jobs = |kind: ResourceKind, listing: super::listing::Listing| {
        listing
            .fresh
            .into_iter()
            .map(move |item| to_job(item, kind, account, account_id, region))
    };
    // Each kind under its own rate-limit key, side by side.
    let always: Vec<ResourceKind> = ResourceKind::TAG_ONLY
        .into_iter()
        .filter(|k| !IN_A_DOMAIN.contains(k))
        .collect();
    let mut out: Vec<Job> = Vec::new();
    let listed = join_all(always.iter().map(|&kind| list_kind(scope, kind, &[]))).await;
    for (kind, listing) in always.into_iter().zip(listed) {
        out.extend(to_jobs(kind, listing?));
    }
    if out.iter().any(|j| j.kind == ResourceKind::Domain) {
        let listed = join_all(IN_A_DOMAIN.map(|kind| list_kind(scope, kind, &[]))).await;
        for (kind, listing) in IN_A_DOMAIN.into_iter().zip(listed) {
            out.extend(to_jobs(kind, listing?));
        }
    }
    Ok(out)
}

/// Why a Search did not answer.
enum Fallback {
    /// Search is not allowed or not served for this kind here: use ListTags instead.
    ListTags(SourceError),
    /// A failure ListTags would hit too (credentials, throttling, network): stop.
    Stop(SourceError),
}

/// Tag reads in one account-region, each through the limiter and counted.
struct Reader<'a> {
    run: &'a Run<'a>,
    account: &'a str,
    region: &'a str,
    source: &'a dyn TagSource,
}

impl Reader<'_> {
    fn caller(&self) -> super::call::Caller<'_> {
        super::call::Caller {
            account: self.account,
            region: self.region,
            limiter: &self.run.fetcher.limiter,
            stats: &self.run.stats,
            deadline: self.run.deadline,
        }
    }

    /// Reads the tags of `due` (some of `resources`): by Search where that takes fewer
    /// requests, by ListTags for the rest. Returns what was read and, if reading had to stop,
    /// why (already phrased for the user).
    async fn read(
        &self,
        resources: &[&Job],
        due: &[&Job],
    ) -> (HashMap<String, TagEntry>, Option<String>) {
        let mut read: HashMap<String, TagEntry> = HashMap::new();
        if self.run.settings.search {
            for kind in ResourceKind::ALL.into_iter().filter(|k| searchable(*k)) {
                let of_kind: Vec<&Job> = resources
                    .iter()
                    .copied()
                    .filter(|j| j.kind == kind)
                    .collect();
                let due_of_kind = due.iter().filter(|j| j.kind == kind).count();
                let pages = of_kind.len().div_ceil(SEARCH_PAGE).max(1);
                if due_of_kind <= pages {
                    continue;
                }
                match self.search(kind, &of_kind).await {
                    Ok(found) => read.extend(found),
                    Err(Fallback::ListTags(err)) => tracing::info!(
                        account = self.account,
                        region = self.region,
                        kind = %kind,
                        "Search unavailable, reading tags with ListTags: {err}"
                    ),
                    Err(Fallback::Stop(err)) => return (read, Some(err.to_string())),
                }
            }
        }
        let rest: Vec<&Job> = due
            .iter()
            .copied()
            .filter(|j| !read.contains_key(&j.arn))
            .collect();
        for job in rest {
            match self.list_tags(&job.arn).await {
                Ok(tags) => {
                    read.insert(job.arn.clone(), self.run.entry(job, tags));
                }
                // Gone between List and ListTags, or not taggable: skip it.
                Err(SourceError::Other { message, .. }) => {
                    tracing::debug!(arn = %job.arn, %message, "tags skipped");
                }
                Err(err) => return (read, Some(err.to_string())),
            }
        }
        (read, None)
    }

    /// Every tag on `arn`, page by page.
    async fn list_tags(&self, arn: &str) -> Result<Tags, SourceError> {
        let mut tags = Tags::new();
        let mut token: Option<String> = None;
        let caller = self.caller();
        loop {
            let page = caller
                .call("ListTags", || self.source.list_tags(arn, token.clone()))
                .await?;
            tags.extend(page.tags);
            match page.next_token {
                Some(next) if token.as_deref() != Some(next.as_str()) => token = Some(next),
                Some(_) => {
                    return Err(SourceError::Other {
                        operation: "ListTags",
                        message: "pagination returned the same NextToken twice".into(),
                    });
                }
                None => return Ok(tags),
            }
        }
    }

    /// Every resource of `kind` Search returns that is one of `of_kind` (matched by ARN, else
    /// by name: names are unique per kind in an account-region), with its tags.
    async fn search(
        &self,
        kind: ResourceKind,
        of_kind: &[&Job],
    ) -> Result<HashMap<String, TagEntry>, Fallback> {
        let by_arn: HashMap<&str, &Job> = of_kind.iter().map(|j| (j.arn.as_str(), *j)).collect();
        let by_name: HashMap<&str, &Job> = of_kind.iter().map(|j| (j.name.as_str(), *j)).collect();
        let mut found = HashMap::new();
        let mut token: Option<String> = None;
        let caller = self.caller();
        loop {
            let page = match caller
                .call("Search", || self.source.search(kind, token.clone()))
                .await
            {
                Ok(page) => page,
                Err(err @ (SourceError::AccessDenied { .. } | SourceError::Other { .. })) => {
                    return Err(Fallback::ListTags(err));
                }
                Err(err) => return Err(Fallback::Stop(err)),
            };
            for item in page.items {
                let job = item
                    .arn
                    .as_deref()
                    .and_then(|arn| by_arn.get(arn))
                    .or_else(|| by_name.get(item.name.as_str()));
                if let Some(job) = job {
                    found.insert(job.arn.clone(), self.run.entry(job, item.tags));
                }
            }
            match page.next_token {
                Some(next) if token.as_deref() != Some(next.as_str()) => token = Some(next),
                // A repeated token would loop forever: keep what was found, ListTags the rest.
                Some(_) => return Ok(found),
                None => return Ok(found),
            }
        }
    }
}

#[cfg(test)]
#[path = "tags_tests.rs"]
mod tests;
