//! `sagescope refresh`, and the live fetch `export` shares with it.

use std::sync::Arc;

use chrono::Utc;

use super::spend::{self, SpendOptions};
use super::{CliError, Outcome};
use crate::config::LoadedConfig;
use crate::fetch::{self, JobFetcher, KnownState, Progress};
use crate::model::Snapshot;
use crate::sanitize;
use crate::spend::{CostAccess, SpendService};

pub(super) fn run(loaded: &LoadedConfig) -> Result<Outcome, CliError> {
    let snapshot = fetch_and_store(
        loaded,
        true,
        Some(&SpendOptions::from_config(&loaded.config)),
        fetch::TagRefresh::Cached,
    )?;
    let errors = [
        &snapshot.jobs.errors,
        &snapshot.spend.errors,
        &snapshot.findings.errors,
    ];
    // An account that cannot connect fails the jobs and the tag pass alike: say it once.
    let mut printed: Vec<String> = Vec::new();
    for error in errors.iter().flat_map(|e| e.iter()) {
        let text = error.to_string();
        if !printed.contains(&text) {
            eprintln!("error: {}", sanitize::plain(&text));
            printed.push(text);
        }
    }
    let error_count = printed.len();
    println!(
        "refreshed: {} jobs, {} spend rows, {} tag findings; {} errors",
        snapshot.jobs.rows.len(),
        snapshot.spend.rows.len(),
        snapshot.findings.rows.len(),
        error_count
    );
    Ok(if error_count == 0 {
        Outcome::Ok
    } else {
        Outcome::Partial
    })
}

/// Fetches jobs with their tags and findings (when `jobs`; `retag` says which cached tags may
/// be trusted, `export --no-cache` trusts none) and spend (when `spend` is given) live,
/// progress and costs on stderr, and writes them to the cache. Both share one fetcher, so the spend account is
/// connected once. Spend within `spend.ttl_hours` comes from the answer cache at no cost.
/// Views not fetched are empty views of the same age.
pub(super) fn fetch_and_store(
    loaded: &LoadedConfig,
    jobs: bool,
    spend: Option<&SpendOptions>,
    retag: fetch::TagRefresh,
) -> Result<Snapshot, CliError> {
    let mut cache = super::open_cache(loaded)?;
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .map_err(|e| CliError::Fatal(anyhow::Error::new(e).context("cannot start the runtime")))?;
    let fetcher = Arc::new(JobFetcher::new(&loaded.config));
    let mut snapshot = if jobs {
        let (jobs, findings, metrics) = fetch_jobs(&runtime, &fetcher, &mut cache, loaded, retag)?;
        let mut snapshot = fetch::live_snapshot(jobs);
        snapshot.findings = findings;
        snapshot.metrics = metrics;
        snapshot
    } else {
        Snapshot::empty(crate::model::DataSource::Live, Utc::now())
    };
    if let Some(options) = spend {
        let service = SpendService::new(
            &loaded.config,
            super::open_cache(loaded)?,
            CostAccess::Account(fetcher),
        );
        let fetched = runtime.block_on(spend::fetch(&service, &loaded.config, options, Utc::now()));
        // A failed ask keeps the last good spend view in the cache.
        if fetched.answered {
            cache.save_spend(&fetched.view).map_err(|e| {
                CliError::Fatal(anyhow::Error::new(e).context("cannot save the spend"))
            })?;
        }
        if !jobs {
            snapshot.source = fetched.source;
        }
        snapshot.spend = fetched.view;
    }
    Ok(snapshot)
}

/// Jobs, then the tag pass that puts tags on them and computes the findings, then CloudWatch
/// utilisation of what runs (through the same connected accounts); all saved.
fn fetch_jobs(
    runtime: &tokio::runtime::Runtime,
    fetcher: &JobFetcher,
    cache: &mut crate::cache::Cache,
    loaded: &LoadedConfig,
    retag: fetch::TagRefresh,
) -> Result<JobsAndFindings, CliError> {
    let known = cache.load_known().unwrap_or_else(|err| {
        // Only a saving is lost: this refresh lists everything.
        tracing::warn!("cannot read the known state from the cache: {err}");
        KnownState::default()
    });
    let mut fetched = runtime.block_on(fetcher.fetch(&known, &print_progress));
    let tagged = tag_pass(retag, runtime, fetcher, &mut fetched, cache, loaded);
    let metrics = runtime.block_on(fetcher.fetch_metrics(
        &fetched.view.rows,
        &fetched.describes,
        &[],
        Utc::now(),
    ));
    cache
        .save_jobs_fetch(&fetched)
        .and_then(|()| cache.save_metrics(&metrics.view))
        .map_err(|e| CliError::Fatal(anyhow::Error::new(e).context("cannot save the refresh")))?;
    save_tags(cache, &tagged)?;

    let stats = &fetched.stats;
    let detail: Vec<String> = stats
        .requests
        .iter()
        .map(|(operation, n)| format!("{operation} {n}"))
        .collect();
    let stale = if fetched.view.errors.is_empty() {
        ""
    } else {
        " (account-regions that failed keep their last known rows)"
    };
    eprintln!(
        "{} resources{stale}; {} AWS requests ({})",
        fetched.view.rows.len(),
        stats.total(),
        detail.join(", ")
    );
    tracing::info!(
        rows = fetched.view.rows.len(),
        errors = fetched.view.errors.len(),
        requests = stats.total(),
        "jobs refreshed"
    );
    eprintln!("{}", metrics.summary());
    tracing::info!(errors = metrics.view.errors.len(), "{}", metrics.summary());
    Ok((fetched.view, tagged.findings, metrics.view))
}

type JobsAndFindings = (
    crate::model::View<crate::model::Job>,
    crate::model::View<crate::model::TagFinding>,
    crate::model::View<crate::metrics::JobMetrics>,
);

/// The tag pass after the jobs: tags for what is new, changed or due (the rest from the
/// cache), findings from the `[tags]` policy, and one stderr line on what it cost.
fn tag_pass(
    retag: fetch::TagRefresh,
    runtime: &tokio::runtime::Runtime,
    fetcher: &fetch::JobFetcher,
    fetched: &mut fetch::JobsFetch,
    cache: &crate::cache::Cache,
    loaded: &LoadedConfig,
) -> fetch::TagsFetch {
    let previous = crate::tags::store::load(cache).unwrap_or_else(|err| {
        // Only a saving is lost: this refresh reads every resource's tags.
        tracing::warn!("cannot read the tag cache: {err}");
        crate::tags::TagState::default()
    });
    let tagged = runtime.block_on(fetcher.fetch_tags(
        &mut fetched.view,
        &previous,
        &loaded.config.tags,
        retag,
        &print_tag_progress,
    ));
    let detail: Vec<String> = tagged
        .stats
        .requests
        .iter()
        .map(|(operation, n)| format!("{operation} {n}"))
        .collect();
    eprintln!(
        "{} tag findings; tags read for {} resources, {} from the cache; {} AWS requests ({})",
        tagged.findings.rows.len(),
        tagged.read,
        tagged.state.entries.len().saturating_sub(tagged.read),
        tagged.stats.total(),
        detail.join(", ")
    );
    tracing::info!(
        findings = tagged.findings.rows.len(),
        read = tagged.read,
        requests = tagged.stats.total(),
        "tags refreshed"
    );
    tagged
}

/// Saves the tag cache and the findings view.
fn save_tags(cache: &mut crate::cache::Cache, tagged: &fetch::TagsFetch) -> Result<(), CliError> {
    let fatal = |e| CliError::Fatal(anyhow::Error::new(e).context("cannot save the tag findings"));
    crate::tags::store::save(cache, &tagged.state).map_err(fatal)?;
    cache.save_findings(&tagged.findings).map_err(fatal)
}

/// One stderr line per account-region whose tags were checked: `[tags 3/6] ml-prod
/// eu-west-1: 12 read`.
fn print_tag_progress(progress: Progress) {
    let place = match &progress.region {
        Some(region) => format!("{} {}", progress.account, region),
        None => progress.account.clone(),
    };
    let outcome = match &progress.error {
        Some(error) => format!("{} read; {error}", progress.jobs),
        None => format!("{} read", progress.jobs),
    };
    eprintln!(
        "[tags {}/{}] {}",
        progress.done,
        progress.total,
        sanitize::plain(&format!("{place}: {outcome}"))
    );
}

/// One stderr line per finished account-region: `[3/6] ml-prod eu-west-1: 152 resources`.
fn print_progress(progress: Progress) {
    let place = match &progress.region {
        Some(region) => format!("{} {}", progress.account, region),
        None => progress.account.clone(),
    };
    let outcome = match &progress.error {
        Some(error) => format!("failed: {error}"),
        None => format!("{} resources", progress.jobs),
    };
    eprintln!(
        "[{}/{}] {}",
        progress.done,
        progress.total,
        sanitize::plain(&format!("{place}: {outcome}"))
    );
}
