//! `sagescope watch`: the refresh loop without a terminal UI, one JSON line per event on
//! stdout (for cron, systemd and chat bots), the `[alerts] command` run for each, until
//! SIGINT or SIGTERM.
//!
//! It runs the same refresh pipeline as the UI, so its events are the UI's events and are
//! announced once across both: a restart (of `watch` or of the UI) repeats nothing. Progress
//! and errors go to stderr, never stdout, so stdout stays one event per line.

use std::io::Write;
use std::sync::Arc;
use std::time::{Duration, Instant};

use chrono::Utc;
use tokio::sync::mpsc::{UnboundedReceiver, unbounded_channel};

use super::context::Context;
use super::{CliError, Outcome};
use crate::alerts::Alerts;
use crate::config::LoadedConfig;
use crate::fetch::TagRefresh;
use crate::model::Event;
use crate::refresh::Refreshed;
use crate::sanitize;
use crate::session::{MetricsPlan, RefreshPlan, RefreshSession};
use crate::spend::{RangePreset, SpendQuery, SpendRequest, SpendService, Target};
use crate::stream::StreamPoll;

pub(super) fn run(context: &Context<'_>, interval: Option<u64>) -> Result<Outcome, CliError> {
    let config = &context.loaded.config;
    let interval = Duration::from_secs(interval.unwrap_or(config.refresh.jobs_seconds));
    if interval.is_zero() {
        return Err(CliError::Usage(
            "--interval must be at least 1 second".into(),
        ));
    }
    let session = context.session()?;
    context.block_on(watch(context.loaded, session, interval))
}

async fn watch(
    loaded: &LoadedConfig,
    session: Arc<RefreshSession>,
    interval: Duration,
) -> Result<Outcome, CliError> {
    let config = &loaded.config;
    let alerts = Alerts::new(&config.alerts, &config.events);
    let plan = RefreshPlan {
        tags: Some(TagRefresh::Cached),
        metrics: MetricsPlan::WhenDue,
        costs: false,
    };
    let mut commands = tokio::task::JoinSet::new();
    // Budgets need the month's outlook from Cost Explorer (USD 0.01 a request): asked once per
    // `spend.ttl_hours`, within which its answers come from the cache for free.
    let budgets = !config.budgets.is_empty();
    let spend_every = Duration::from_secs(u64::from(config.spend.ttl_hours) * 3600);
    let mut spend_last: Option<Instant> = None;
    let stop = shutdown();
    tokio::pin!(stop);
    eprintln!(
        "watching {} account(s) every {} s; events on stdout, Ctrl-C to stop",
        config.accounts.len(),
        interval.as_secs()
    );
    // With `[stream]`, the stream is read in a task of its own every `stream.poll_seconds`,
    // during a listing too (a reconcile of a whole organization takes minutes), and the full
    // listing slows to a reconcile while the stream is live.
    let mut polls = spawn_stream(&session);
    let mut stream_said = StreamSaid::default();
    loop {
        let mut events = Vec::new();
        if listing_due(&session, interval) {
            let refresh = session.refresh(plan, &|_| {}, &|_| {});
            tokio::pin!(refresh);
            let refreshed = loop {
                tokio::select! {
                    done = &mut refresh => break Some(done.refreshed),
                    Some(polled) = polls.recv() => {
                        let streamed = stream_said.take(&session, polled);
                        announce(&alerts, &mut commands, &streamed)?;
                    }
                    () = &mut stop => break None,
                }
            };
            let Some(refreshed) = refreshed else { break };
            events.extend(refreshed.events.iter().cloned());
            report(&refreshed);
            // Once the stream has been read: before, its first read says how it went.
            if stream_said.read
                && let Some(line) = session.stream_line(Utc::now())
            {
                eprintln!("{}", sanitize::plain(&line));
            }
            if budgets && spend_last.is_none_or(|last| last.elapsed() >= spend_every) {
                spend_last = Some(Instant::now());
                tokio::select! {
                    budgets = budget_events(session.spend(), loaded) => events.extend(budgets),
                    () = &mut stop => break,
                }
            }
        }
        announce(&alerts, &mut commands, &events)?;
        // Finished alert commands are reaped as we go; running ones keep running.
        while commands.try_join_next().is_some() {}
        // Until the next listing is due, or the next read of the stream.
        let pause = next_listing_in(&session, interval);
        tokio::select! {
            () = tokio::time::sleep(pause) => {}
            Some(polled) = polls.recv() => {
                let streamed = stream_said.take(&session, polled);
                announce(&alerts, &mut commands, &streamed)?;
            }
            () = &mut stop => break,
        }
    }
    // Let running alert commands finish (each has its own timeout).
    while commands.join_next().await.is_some() {}
    eprintln!("stopped");
    Ok(Outcome::Ok)
}

/// Whether the full listing is due: every `interval`, or while the stream is live, every
/// `refresh.reconcile_minutes`.
fn listing_due(session: &RefreshSession, interval: Duration) -> bool {
    next_listing_in(session, interval).is_zero()
}

/// How long until the full listing is due (zero: now).
fn next_listing_in(session: &RefreshSession, interval: Duration) -> Duration {
    let now = Utc::now();
    session
        .next_listing_polling_every(now, interval)
        .and_then(|at| (at - now).to_std().ok())
        .unwrap_or(Duration::ZERO)
}

/// Reads the stream, when `[stream]` is configured, in a task of its own for as long as
/// `watch` runs: each read comes back on the channel.
fn spawn_stream(session: &Arc<RefreshSession>) -> UnboundedReceiver<StreamPoll> {
    let (polls_tx, polls) = unbounded_channel();
    if let Some(reads) = session
        .clone()
        .stream_reads(move |_, polled| polls_tx.send(polled).is_ok())
    {
        tokio::spawn(reads);
    }
    polls
}

/// What the stream line last said that matters (live or not, skipped and missed counts), so
/// it is said when that changes, not on every read.
#[derive(Default)]
struct StreamSaid {
    last: Option<(bool, u64, u64)>,
    /// The stream has been read at least once.
    read: bool,
}

impl StreamSaid {
    /// One read: says the stream's line when it changed, and answers the read's events.
    fn take(&mut self, session: &RefreshSession, polled: StreamPoll) -> Vec<Event> {
        if let Some(err) = &polled.store_error {
            eprintln!("error: cannot write the cache: {}", sanitize::plain(err));
        }
        let health = &polled.health;
        self.read |= health.last_read_at.is_some() || health.error.is_some();
        let live = session.stream().is_some_and(|s| s.is_live(Utc::now()));
        let now_says = Some((live, health.skipped, health.missed));
        if self.read && self.last != now_says {
            self.last = now_says;
            if let Some(line) = session.stream_line(Utc::now()) {
                eprintln!("{}", sanitize::plain(&line));
            }
        }
        polled.events
    }
}

/// Prints the events `[alerts]` wants, one line each, and runs the alert command for each.
fn announce(
    alerts: &Alerts,
    commands: &mut tokio::task::JoinSet<()>,
    events: &[Event],
) -> Result<(), CliError> {
    for event in events.iter().filter(|e| alerts.wants(e)) {
        print_event(event)?;
        commands.spawn(run_command(alerts.clone(), event.clone()));
    }
    Ok(())
}

/// The month's outlook for the budgets, recorded against the last one: a forecast that went
/// over since is a `budget_forecast_crossed` event.
async fn budget_events(service: &SpendService, loaded: &LoadedConfig) -> Vec<Event> {
    let config = &loaded.config;
    let now = Utc::now();
    let today = now.date_naive();
    let request = SpendRequest {
        query: SpendQuery::from_config(
            &config.spend,
            &config.spend.group_by,
            RangePreset::Configured,
            today,
        ),
        target: Target::Overview,
        today,
        force: false,
    };
    let notes = |note: String| eprintln!("spend: {}", sanitize::plain(&note));
    let outcome = service.load(request, now, &notes).await;
    for error in &outcome.errors {
        eprintln!("error: spend: {}", sanitize::plain(error));
    }
    let Some(outlook) = outcome.outlook else {
        return Vec::new();
    };
    match crate::refresh::record_budgets(
        service.store(),
        &outlook.budgets,
        config.events.retention_days,
    )
    .await
    {
        Ok(events) => events,
        Err(err) => {
            eprintln!("error: cannot record the budgets: {err}");
            Vec::new()
        }
    }
}

/// One event as one JSON line, flushed at once so a pipe reader sees it now.
fn print_event(event: &Event) -> Result<(), CliError> {
    let line = serde_json::to_string(&crate::export::EventRow::from(event))
        .map_err(|e| CliError::Fatal(e.into()))?;
    let mut out = std::io::stdout().lock();
    writeln!(out, "{}", sanitize::json(&line))
        .and_then(|()| out.flush())
        .map_err(|e| CliError::Fatal(anyhow::Error::new(e).context("cannot write to stdout")))
}

/// Runs the alert command for one event; its failure is said on stderr, once.
async fn run_command(alerts: Alerts, event: Event) {
    let (tx, rx) = tokio::sync::oneshot::channel::<String>();
    if let Some(handle) = alerts.spawn_command(&event, move |message| {
        let _ = tx.send(message);
    }) {
        let _ = handle.await;
        if let Ok(message) = rx.await {
            eprintln!("warning: {}", sanitize::plain(&message));
        }
    }
}

/// One stderr line per refresh: what it saw, what failed, what it cost.
fn report(refreshed: &Refreshed) {
    let jobs = &refreshed.jobs;
    for error in &jobs.view.errors {
        eprintln!("error: {}", sanitize::plain(&error.to_string()));
    }
    if let Some(err) = &refreshed.store_error {
        eprintln!("error: cannot write the cache: {err}");
    }
    let mut requests = jobs.stats.total();
    if let Some(tagged) = &refreshed.tags {
        requests += tagged.stats.total();
    }
    let alerts = refreshed
        .events
        .iter()
        .filter(|e| e.event.is_alert())
        .count();
    eprintln!(
        "refreshed: {} resources, {} changes ({alerts} alerts), {requests} AWS requests",
        jobs.view.rows.len(),
        refreshed.events.len(),
    );
    tracing::info!(
        rows = jobs.view.rows.len(),
        events = refreshed.events.len(),
        requests,
        "watch refreshed"
    );
}

/// Resolves on SIGINT (Ctrl-C) or SIGTERM.
async fn shutdown() {
    #[cfg(unix)]
    {
        use tokio::signal::unix::{SignalKind, signal};
        match signal(SignalKind::terminate()) {
            Ok(mut term) => {
                tokio::select! {
                    _ = tokio::signal::ctrl_c() => {}
                    _ = term.recv() => {}
                }
            }
            Err(err) => {
                tracing::warn!("cannot listen for SIGTERM: {err}");
                let _ = tokio::signal::ctrl_c().await;
            }
        }
    }
    #[cfg(not(unix))]
    {
        let _ = tokio::signal::ctrl_c().await;
    }
}
