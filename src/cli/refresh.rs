//! `sagescope refresh`, and the live fetch `export` shares with it.

use super::{CliError, Outcome};
use crate::config::LoadedConfig;
use crate::fetch::{self, JobFetcher, KnownState, Progress};
use crate::model::Snapshot;
use crate::sanitize;

pub(super) fn run(loaded: &LoadedConfig) -> Result<Outcome, CliError> {
    let snapshot = fetch_and_store(loaded)?;
    let errors = [
        &snapshot.jobs.errors,
        &snapshot.spend.errors,
        &snapshot.findings.errors,
        &snapshot.metrics.errors,
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

/// Fetches every view live (progress on stderr) and writes it to the cache in one
/// transaction. Spend and tag findings join here once their sources exist; until then the
/// live snapshot carries jobs and empty views of the same age. Utilisation of what runs
/// is fetched from CloudWatch right after the jobs, through the same connected accounts.
pub(super) fn fetch_and_store(loaded: &LoadedConfig) -> Result<Snapshot, CliError> {
    let mut cache = super::open_cache(loaded)?;
    let known = cache.load_known().unwrap_or_else(|err| {
        // Only a saving is lost: this refresh lists everything.
        tracing::warn!("cannot read the known state from the cache: {err}");
        KnownState::default()
    });
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .map_err(|e| CliError::Fatal(anyhow::Error::new(e).context("cannot start the runtime")))?;
    let fetcher = JobFetcher::new(&loaded.config);
    let fetched = runtime.block_on(fetcher.fetch(&known, &print_progress));
    let metrics = runtime.block_on(fetcher.fetch_metrics(
        &fetched.view.rows,
        &fetched.describes,
        &[],
        chrono::Utc::now(),
    ));
    cache
        .save_jobs_fetch(&fetched)
        .and_then(|()| cache.save_metrics(&metrics.view))
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
    eprintln!("{}", metrics.summary());
    tracing::info!(errors = metrics.view.errors.len(), "{}", metrics.summary());
    let mut snapshot = fetch::live_snapshot(fetched.view);
    snapshot.metrics = metrics.view;
    Ok(snapshot)
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
