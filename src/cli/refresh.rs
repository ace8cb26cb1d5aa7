//! `sagescope refresh`, and the live fetch `export` shares with it.

use chrono::Utc;

use super::context::Context;
use super::progress::CliProgress;
use super::spend::{self, SpendOptions};
use super::{CliError, Outcome};
use crate::fetch;
use crate::model::Snapshot;
use crate::sanitize;
use crate::session::{MetricsPlan, RefreshPlan};

pub(super) fn run(context: &Context<'_>) -> Result<Outcome, CliError> {
    let Live { snapshot, .. } = fetch_and_store(
        context,
        true,
        Some(&SpendOptions::from_config(&context.loaded.config)),
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
    // With `[stream]`: one read of the group, so the line says whether it can be read now.
    let session = context.session()?;
    if session.stream().is_some() {
        context.block_on(session.poll_stream());
        if let Some(line) = session.stream_line(Utc::now()) {
            eprintln!("{}", sanitize::plain(&line));
        }
    }
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
/// unless jobs were fetched and `[cur]` or `[spend] resource_costs` measure it).
pub(super) struct Live {
    pub snapshot: Snapshot,
    pub measured: crate::cost::Measured,
}

/// Fetches jobs (when `jobs`) with their tags and findings (when `retag` says which cached
/// tags may be trusted, `export --no-cache` trusts none; `None` skips the tag pass) and spend
/// (when `spend` is given) live through the process's refresh session, the same one the UI
/// drives, progress and costs on stderr, committed to the cache scope by scope. Spend within
/// `spend.ttl_hours` comes from the answer cache at no cost. Views not fetched are empty views
/// of the same age. With jobs, billing's per-resource figures come too; when a source of them
/// fails the rest stands and a warning says why.
pub(super) fn fetch_and_store(
    context: &Context<'_>,
    jobs: bool,
    spend: Option<&SpendOptions>,
    retag: Option<fetch::TagRefresh>,
) -> Result<Live, CliError> {
    let config = &context.loaded.config;
    let session = context.session()?;
    let mut measured = crate::cost::Measured::new();
    let mut snapshot = if jobs {
        let plan = RefreshPlan {
            tags: retag,
            metrics: MetricsPlan::Now,
            costs: true,
        };
        let progress = CliProgress::new();
        let notes = |note: String| eprintln!("{}", sanitize::plain(&note));
        let done = context.block_on(session.refresh(plan, &|event| progress.event(&event), &notes));
        progress.finish();
        let mut refreshed = done.refreshed;
        if let Some(err) = refreshed.store_error.take() {
            return Err(CliError::Fatal(
                anyhow::Error::new(err).context("cannot save the refresh"),
            ));
        }
        summarize(&refreshed);
        for note in &done.cost_notes {
            eprintln!("{note}");
        }
        for error in &done.cost_errors {
            eprintln!(
                "warning: {} (the other cost sources stand in)",
                sanitize::plain(error)
            );
        }
        measured = done.measured.unwrap_or_default();
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
    if let Some(options) = spend {
        let fetched = if options.source == crate::config::SpendSourceKind::Cur {
            context.block_on(spend::fetch_cur(
                session.fetcher(),
                session.store(),
                config,
                options,
                Utc::now(),
            ))
        } else {
            context.block_on(spend::fetch(session.spend(), config, options, Utc::now()))
        };
        // A failed ask keeps the last good spend view in the cache.
        if fetched.answered {
            let view = fetched.view.clone();
            let fatal = |e: anyhow::Error| CliError::Fatal(e.context("cannot save the spend"));
            session
                .store()
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
    if let Some(creators) = &refreshed.creators {
        if creators.requests > 0 {
            eprintln!("{}", creators.summary());
        }
        for error in &creators.errors {
            eprintln!(
                "warning: {} (those creators stay unknown until the next refresh)",
                sanitize::plain(error)
            );
        }
    }
    if let Some(athena) = &refreshed.creators_athena {
        match &athena.error {
            Some(error) => eprintln!(
                "warning: creators from the trail in Athena: {}",
                error
                    .lines()
                    .map(|line| sanitize::plain(line).into_owned())
                    .collect::<Vec<_>>()
                    .join("\n")
            ),
            None if athena.requests > 0 => eprintln!("{}", athena.summary()),
            None => {}
        }
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
