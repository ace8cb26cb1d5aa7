//! `sagescope refresh`, and the live fetch `export` shares with it.

use std::sync::Arc;

use chrono::Utc;

use super::progress::CliProgress;
use super::spend::{self, SpendOptions};
use super::{CliError, Outcome};
use crate::config::LoadedConfig;
use crate::fetch::{self, JobFetcher};
use crate::model::Snapshot;
use crate::sanitize;
use crate::spend::{CostAccess, SpendService};
use crate::store::Store;

pub(super) fn run(loaded: &LoadedConfig) -> Result<Outcome, CliError> {
    let Live { snapshot, .. } = fetch_and_store(
        loaded,
        true,
        Some(&SpendOptions::from_config(&loaded.config)),
        Some(fetch::TagRefresh::Cached),
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

/// What a live fetch produced: the snapshot, and what billing measured per resource (empty
/// unless `[spend] resource_costs` is on and jobs were fetched).
pub(super) struct Live {
    pub snapshot: Snapshot,
    pub measured: crate::cost::Measured,
}

/// Fetches jobs (when `jobs`) with their tags and findings (when `retag` says which cached
/// tags may be trusted, `export --no-cache` trusts none; `None` skips the tag pass) and spend (when `spend` is given) live,
/// progress and costs on stderr, through the same refresh pipeline as the UI, committed to the
/// cache scope by scope. Both share one fetcher, so the spend account is connected once. Spend
/// within `spend.ttl_hours` comes from the answer cache at no cost. Views not fetched are empty
/// views of the same age. With jobs, `[spend] resource_costs` adds each resource's cost from
/// Cost Explorer's resource-level data; when that fails the rest stands and a warning says why.
pub(super) fn fetch_and_store(
    loaded: &LoadedConfig,
    jobs: bool,
    spend: Option<&SpendOptions>,
    retag: Option<fetch::TagRefresh>,
) -> Result<Live, CliError> {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .map_err(|e| CliError::Fatal(anyhow::Error::new(e).context("cannot start the runtime")))?;
    let fetcher = Arc::new(crate::aws::job_fetcher(&loaded.config));
    // One store for jobs and spend: one thread owns the cache file for the whole command.
    let store = super::open_store(loaded)?;
    let mut snapshot = if jobs {
        let refreshed = runtime.block_on(refresh_jobs(&fetcher, &store, loaded, retag))?;
        let mut snapshot = fetch::live_snapshot(refreshed.jobs.view);
        if let Some(tags) = refreshed.tags {
            snapshot.findings = tags.findings;
        }
        if let Some(metrics) = refreshed.metrics {
            snapshot.metrics = metrics.view;
        }
        snapshot
    } else {
        Snapshot::empty(crate::model::DataSource::Live, Utc::now())
    };
    let service = SpendService::new(
        &loaded.config,
        store.clone(),
        CostAccess::Account(fetcher.clone()),
    );
    let measured = if jobs && loaded.config.spend.resource_costs {
        runtime.block_on(resource_costs(&service, &loaded.config))
    } else {
        crate::cost::Measured::new()
    };
    if let Some(options) = spend {
        let fetched = if options.source == crate::config::SpendSourceKind::Cur {
            runtime.block_on(spend::fetch_cur(
                &fetcher,
                &store,
                &loaded.config,
                options,
                Utc::now(),
            ))
        } else {
            runtime.block_on(spend::fetch(&service, &loaded.config, options, Utc::now()))
        };
        // A failed ask keeps the last good spend view in the cache.
        if fetched.answered {
            let view = fetched.view.clone();
            let fatal = |e: anyhow::Error| CliError::Fatal(e.context("cannot save the spend"));
            store
                .run_blocking(move |cache| cache.save_spend(&view))
                .map_err(|e| fatal(e.into()))?
                .map_err(|e| fatal(e.into()))?;
        }
        if !jobs {
            snapshot.source = fetched.source;
        }
        snapshot.spend = fetched.view;
    }
    Ok(Live { snapshot, measured })
}

/// Each SageMaker resource's cost over the last 14 days (`ce-resource`), one stderr line
/// saying what it cost, or a warning saying why there is none (the refresh still succeeds:
/// the other cost sources stand in).
async fn resource_costs(
    service: &SpendService,
    config: &crate::config::Config,
) -> crate::cost::Measured {
    let now = Utc::now();
    let query = crate::spend::resources::query(&config.spend, now.date_naive());
    let notes = |note: String| eprintln!("{}", sanitize::plain(&note));
    match service.resource_costs(&query, false, now, &notes).await {
        Ok(costs) => {
            eprintln!("{}", costs.summary());
            tracing::info!(
                resources = costs.measured.len(),
                requests = costs.requests,
                "resource-level costs read"
            );
            costs.measured
        }
        Err(err) => {
            eprintln!(
                "warning: {} (the other cost sources stand in)",
                sanitize::plain(&service.describe(&err))
            );
            crate::cost::Measured::new()
        }
    }
}

/// Jobs, then (when `retag` says which cached tags to trust) the tag pass that puts tags on
/// them and computes the findings, then CloudWatch utilisation of what runs: the refresh
/// pipeline, with progress on stderr and one summary line per phase.
async fn refresh_jobs(
    fetcher: &JobFetcher,
    store: &Store,
    loaded: &LoadedConfig,
    retag: Option<fetch::TagRefresh>,
) -> Result<crate::refresh::Refreshed, CliError> {
    let (known, tags) = crate::refresh::starting_point(store)
        .await
        .map_err(|e| CliError::Fatal(e.into()))?;
    let progress = CliProgress::new();
    let refreshed = crate::refresh::run(
        fetcher,
        store,
        crate::refresh::RefreshRequest {
            known: &known,
            tags: retag.map(|retag| (&tags, &loaded.config.tags, retag)),
            metrics: Some(&[]),
            retention_days: loaded.config.events.retention_days,
        },
        &|event| progress.event(&event),
    )
    .await;
    progress.finish();
    if let Some(err) = &refreshed.store_error {
        return Err(CliError::Fatal(
            anyhow::anyhow!("{err}").context("cannot save the refresh"),
        ));
    }
    summarize(&refreshed);
    Ok(refreshed)
}

/// One stderr line per phase: what it found and what it cost in requests.
fn summarize(refreshed: &crate::refresh::Refreshed) {
    let jobs = &refreshed.jobs;
    let stale = if jobs.view.errors.is_empty() {
        ""
    } else {
        " (account-regions that failed keep their last known rows)"
    };
    eprintln!(
        "{} resources{stale}; {}",
        jobs.view.rows.len(),
        requests(&jobs.stats)
    );
    tracing::info!(
        rows = jobs.view.rows.len(),
        errors = jobs.view.errors.len(),
        requests = jobs.stats.total(),
        "jobs refreshed"
    );
    if let Some(tagged) = &refreshed.tags {
        eprintln!(
            "{} tag findings; tags read for {} resources, {} from the cache; {}",
            tagged.findings.rows.len(),
            tagged.read,
            tagged.state.entries.len().saturating_sub(tagged.read),
            requests(&tagged.stats)
        );
        tracing::info!(
            findings = tagged.findings.rows.len(),
            read = tagged.read,
            requests = tagged.stats.total(),
            "tags refreshed"
        );
    }
    if !refreshed.events.is_empty() {
        let alerts = refreshed
            .events
            .iter()
            .filter(|e| e.event.is_alert())
            .count();
        eprintln!(
            "{} changes since the last refresh, {alerts} of them alerts (`sagescope export events` lists them)",
            refreshed.events.len()
        );
    }
    if let Some(metrics) = &refreshed.metrics {
        eprintln!("{}", metrics.summary());
        tracing::info!(errors = metrics.view.errors.len(), "{}", metrics.summary());
    }
    let prices = &refreshed.prices;
    if prices.requests > 0 || prices.error.is_some() {
        eprintln!(
            "Price List: {} GetProducts requests (free of charge), {} live prices kept",
            prices.requests,
            prices.prices.len()
        );
    }
    if let Some(error) = &prices.error {
        eprintln!(
            "warning: {} (the bundled price table stands in)",
            sanitize::plain(error)
        );
    }
    if let Some(cur) = &refreshed.cur {
        match &cur.error {
            // The error carries the SQL on its own lines: printed as they are, each sanitized.
            Some(error) => eprintln!(
                "warning: {} (costs fall back to billed seconds and estimates)",
                error
                    .lines()
                    .map(|line| sanitize::plain(line).into_owned())
                    .collect::<Vec<_>>()
                    .join("\n")
            ),
            None => eprintln!("{}", cur.summary()),
        }
    }
}

/// `62 AWS requests (ListTrainingJobs 6, Search 3, ...)`, with throttles when there were any.
fn requests(stats: &fetch::FetchStats) -> String {
    let detail: Vec<String> = stats
        .requests
        .iter()
        .map(|(operation, n)| format!("{operation} {n}"))
        .collect();
    let throttled: u64 = stats.throttles.values().sum();
    let throttled = if throttled > 0 {
        format!(", {throttled} throttled and retried")
    } else {
        String::new()
    };
    format!(
        "{} AWS requests ({}){throttled}",
        stats.total(),
        detail.join(", ")
    )
}
