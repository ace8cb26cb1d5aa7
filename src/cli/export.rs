//! `sagescope export`.

use std::io::Write;

use chrono::Utc;

use super::spend::SpendOptions;
use super::{CliError, ExportArgs, ModeArgs, Outcome};
use crate::config::LoadedConfig;
use crate::export::{self, ExportView, Format};
use crate::model::{Snapshot, View};
use crate::spend::{CostAccess, SpendService};
use crate::{demo, sanitize};

pub(super) fn run(
    loaded: &LoadedConfig,
    args: &ExportArgs,
    mode: ModeArgs,
) -> Result<Outcome, CliError> {
    let spend = args.view == ExportView::Spend;
    let events = args.view == ExportView::Events;
    if args.since.is_some() && !events {
        return Err(CliError::Usage(
            "--since only applies to `export events`".into(),
        ));
    }
    let since = args.since.map(|age| Utc::now() - age);
    let mut timeline = None;
    let (snapshot, config) = if mode.demo {
        let config = demo::config(&loaded.config);
        let mut snapshot = demo::world(Utc::now());
        if spend {
            snapshot.spend = demo_spend(&config, args, snapshot.spend.rows)?;
        }
        if events {
            let mut rows = demo::timeline(&snapshot, Utc::now());
            rows.retain(|e| since.is_none_or(|s| e.at >= s));
            timeline = Some(View::new(Utc::now(), rows, Vec::new()));
        }
        (snapshot, config)
    } else if mode.offline {
        let store = super::open_store(loaded)?;
        let mut snapshot = store
            .run_blocking(|cache| cache.load_snapshot())
            .map_err(|e| CliError::Fatal(e.into()))?
            .map_err(|e| CliError::Fatal(e.into()))?
            .ok_or_else(|| no_snapshot(loaded))?;
        if events {
            timeline = Some(cached_timeline(&store, snapshot.jobs.as_of, since)?);
        }
        if spend && let Some(view) = offline_spend(loaded, args, store)? {
            snapshot.spend = view;
        }
        (snapshot, loaded.config.clone())
    } else if spend {
        let options = SpendOptions::from_args(&loaded.config, args);
        (
            super::refresh::fetch_and_store(loaded, false, Some(&options), None)?,
            loaded.config.clone(),
        )
    } else {
        let retag = if args.no_cache {
            crate::fetch::TagRefresh::All
        } else {
            crate::fetch::TagRefresh::Cached
        };
        // Jobs rows carry no tags: only the untagged view (and the events it raises) waits
        // for the tag pass.
        let tags = matches!(args.view, ExportView::Untagged | ExportView::Events).then_some(retag);
        let snapshot = super::refresh::fetch_and_store(loaded, true, None, tags)?;
        if events {
            let store = super::open_store(loaded)?;
            let mut view = cached_timeline(&store, snapshot.jobs.as_of, since)?;
            // The refresh's failures are the timeline's: changes there were not seen.
            view.errors = snapshot.jobs.errors.clone();
            timeline = Some(view);
        }
        (snapshot, loaded.config.clone())
    };

    let group_by = args
        .group_by
        .clone()
        .unwrap_or_else(|| config.spend.group_by.clone());
    if spend && snapshot.spend.errors.is_empty() {
        warn_if_group_missing(&snapshot, &group_by);
    }
    let stdout = std::io::stdout();
    let mut out = stdout.lock();
    if args.format == Format::Script && args.view != ExportView::Untagged {
        return Err(CliError::Usage(
            "--format script only applies to `export untagged`".into(),
        ));
    }
    let options = export::ExportOptions {
        group_by: &group_by,
        accounts: &config.accounts,
        now: Utc::now(),
        health: &config.health,
        events: timeline.as_ref(),
    };
    let summary = match export::write(&snapshot, args.view, args.format, &options, &mut out)
        .and_then(|summary| out.flush().map(|()| summary).map_err(Into::into))
    {
        Ok(summary) => summary,
        // The reader stopped early (`| head`): what it wanted was printed.
        Err(err) if err.is_broken_pipe() => return Ok(Outcome::Ok),
        Err(err) => return Err(CliError::Fatal(err.into())),
    };

    if summary.errors.is_empty() {
        Ok(Outcome::Ok)
    } else {
        if args.format != Format::Json {
            for error in &summary.errors {
                eprintln!("error: {}", sanitize::plain(&error.to_string()));
            }
        }
        eprintln!(
            "partial result: {} account/region fetches failed (listed in `errors`)",
            summary.errors.len()
        );
        Ok(Outcome::Partial)
    }
}

/// The demo's spend through the real path (cache, ledger), honouring the spend flags; the
/// answers live in memory only.
fn demo_spend(
    config: &crate::config::Config,
    args: &ExportArgs,
    rows: Vec<crate::model::SpendRow>,
) -> Result<View<crate::model::SpendRow>, CliError> {
    let service = SpendService::demo(config, rows).map_err(|e| CliError::Fatal(e.into()))?;
    let options = SpendOptions::from_args(config, args);
    let runtime = runtime()?;
    let mut fetched = runtime.block_on(super::spend::fetch(&service, config, &options, Utc::now()));
    fetched.view.as_of = Utc::now();
    Ok(fetched.view)
}

/// Offline spend: the cached Cost Explorer answer to exactly this question, however old, or
/// `None` to fall back to the last saved spend view.
fn offline_spend(
    loaded: &LoadedConfig,
    args: &ExportArgs,
    store: crate::store::Store,
) -> Result<Option<View<crate::model::SpendRow>>, CliError> {
    let service = SpendService::new(&loaded.config, store, CostAccess::Offline);
    let options = SpendOptions::from_args(&loaded.config, args);
    let runtime = runtime()?;
    let fetched = runtime.block_on(super::spend::fetch(
        &service,
        &loaded.config,
        &options,
        Utc::now(),
    ));
    Ok(fetched.answered.then_some(fetched.view))
}

/// The timeline kept in the cache, from `since` on, newest first, dated like the jobs it was
/// derived from.
fn cached_timeline(
    store: &crate::store::Store,
    as_of: chrono::DateTime<Utc>,
    since: Option<chrono::DateTime<Utc>>,
) -> Result<View<crate::model::Event>, CliError> {
    let rows = store
        .run_blocking(move |cache| cache.load_events(since))
        .map_err(|e| CliError::Fatal(e.into()))?
        .map_err(|e| CliError::Fatal(e.into()))?;
    Ok(View::new(as_of, rows, Vec::new()))
}

fn runtime() -> Result<tokio::runtime::Runtime, CliError> {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .map_err(|e| CliError::Fatal(anyhow::Error::new(e).context("cannot start the runtime")))
}

fn no_snapshot(loaded: &LoadedConfig) -> CliError {
    let place = super::cache_path(loaded)
        .map(|p| format!(" in {}", p.display()))
        .unwrap_or_default();
    CliError::Fatal(anyhow::anyhow!(
        "there is no snapshot yet{place}: run `sagescope refresh` (or drop --offline) to fetch one"
    ))
}

fn warn_if_group_missing(snapshot: &Snapshot, group_by: &str) {
    if snapshot.spend.rows.iter().any(|r| r.group_key == group_by) {
        return;
    }
    let mut keys: Vec<&str> = snapshot
        .spend
        .rows
        .iter()
        .map(|r| r.group_key.as_str())
        .collect();
    keys.sort_unstable();
    keys.dedup();
    let known = if keys.is_empty() {
        "none".to_string()
    } else {
        keys.join(", ")
    };
    eprintln!(
        "warning: no spend grouped by `{}` is available (grouped keys available: {})",
        sanitize::plain(group_by),
        sanitize::plain(&known)
    );
}
