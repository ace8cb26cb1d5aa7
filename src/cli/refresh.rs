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
    )?;
    let errors = [
        &snapshot.jobs.errors,
        &snapshot.spend.errors,
        &snapshot.findings.errors,
    ];
    for error in errors.iter().flat_map(|e| e.iter()) {
        eprintln!("error: {}", sanitize::plain(&error.to_string()));
    }
    let error_count: usize = errors.iter().map(|e| e.len()).sum();
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

/// Fetches jobs (when `jobs`) and spend (when `spend` is given) live, progress and costs on
/// stderr, and writes them to the cache. Both share one fetcher, so the spend account is
/// connected once. Spend within `spend.ttl_hours` comes from the answer cache at no cost.
/// Views not fetched are empty views of the same age.
pub(super) fn fetch_and_store(
    loaded: &LoadedConfig,
    jobs: bool,
    spend: Option<&SpendOptions>,
) -> Result<Snapshot, CliError> {
    let mut cache = super::open_cache(loaded)?;
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .map_err(|e| CliError::Fatal(anyhow::Error::new(e).context("cannot start the runtime")))?;
    let fetcher = Arc::new(JobFetcher::new(&loaded.config));
    let mut snapshot = if jobs {
        fetch::live_snapshot(fetch_jobs(&runtime, &fetcher, &mut cache)?)
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

fn fetch_jobs(
    runtime: &tokio::runtime::Runtime,
    fetcher: &JobFetcher,
    cache: &mut crate::cache::Cache,
) -> Result<crate::model::View<crate::model::Job>, CliError> {
    let known = cache.load_known().unwrap_or_else(|err| {
        // Only a saving is lost: this refresh lists everything.
        tracing::warn!("cannot read the known state from the cache: {err}");
        KnownState::default()
    });
    let fetched = runtime.block_on(fetcher.fetch(&known, &print_progress));
    cache
        .save_jobs_fetch(&fetched)
        .map_err(|e| CliError::Fatal(anyhow::Error::new(e).context("cannot save the refresh")))?;

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
    Ok(fetched.view)
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
