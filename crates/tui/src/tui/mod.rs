//! `sagescope [--demo | --offline]`: the interactive terminal UI.
//!
//! Startup shows data at once (the demo world, or the cached snapshot), then refreshes in the
//! background; the network never blocks a keypress.
//!
//! The CLI calls [`run`] with a resolved [`Mode`] and turns a [`TuiError`] into its exit code;
//! nothing here imports `cli`, so the two never form a cycle.

mod background;
mod clipboard;
mod event_loop;
mod fix_file;
mod logs;
mod settle;
mod terminal;

use std::io::IsTerminal;
use std::path::Path;
use std::sync::Arc;
use std::time::Duration;

use chrono::{DateTime, FixedOffset, Offset, Utc};

use crate::app::{App, AppInit, Mode};
use crate::ui::theme;
use sagescope_core::config::{Config, LoadedConfig};
use sagescope_engine::source::{
    CacheRead, Connect, DemoSource, OpenCache, SnapshotSource, open_cache,
};
use sagescope_engine::store::Store;

pub use event_loop::to_action;

/// Why the terminal UI did not run to a normal end. The CLI, which owns exit codes, decides
/// what each means to the shell; the UI knows nothing of the command line.
#[derive(Debug, thiserror::Error)]
pub enum TuiError {
    /// Standard output is not a terminal (a pipe, a file, cron).
    #[error("the terminal UI needs a terminal; for scripts use `sagescope export`")]
    NotATerminal,
    /// The runtime, the terminal or the event loop failed.
    #[error(transparent)]
    Failed(#[from] anyhow::Error),
}

/// Runs the terminal UI in `mode` on the process's `runtime` until the user quits, reaching
/// AWS through `connect` when live. The runtime is shut down without waiting on the way out:
/// background refreshes may still be waiting on the network.
pub fn run(
    loaded: &LoadedConfig,
    mode: Mode,
    runtime: tokio::runtime::Runtime,
    connect: Connect,
) -> Result<(), TuiError> {
    if !std::io::stdout().is_terminal() {
        return Err(TuiError::NotATerminal);
    }
    let tz = chrono::Local::now().offset().fix();
    let no_color = theme::no_color_requested();
    let StartState {
        mut app,
        source,
        config,
        load: cache_load,
        store,
    } = start_state(loaded, mode, Utc::now(), tz, no_color, connect);
    let refresh_every = source
        .as_ref()
        .map(|_| Duration::from_secs(config.refresh.jobs_seconds.max(1)));
    let refresh_at_start = mode == Mode::Live && source.is_some();
    let spend = match mode {
        Mode::Offline => store.map(|store| sagescope_engine::source::offline_spend(loaded, store)),
        Mode::Demo | Mode::Live => source.as_ref().and_then(|s| s.spend()),
    };

    let result = runtime.block_on(async {
        let (mut terminal, guard) = terminal::enter()?;
        let result = event_loop::run(
            &mut terminal,
            &mut app,
            event_loop::Start {
                cache_load,
                refresh: refresh_at_start,
            },
            source,
            refresh_every,
            spend,
            sagescope_engine::alerts::Alerts::new(&config.alerts, &config.events),
        )
        .await;
        drop(guard);
        result
    });
    // Background refreshes may still be waiting on the network: do not wait for them.
    runtime.shutdown_background();
    Ok(result?)
}

/// Reads the cache at start-up: run off the UI thread, its answer goes to the App as one
/// Action. The Jobs pane's head goes to the callback first, as soon as it is read.
pub type CacheLoad = Box<dyn FnOnce(&dyn Fn(sagescope_engine::cache::Head)) -> CacheRead + Send>;

/// The App with its first data (demo world, cached snapshot, or a note saying there is none),
/// the source to refresh from, and the config in effect. Public so tests can check startup
/// without a terminal: the cache is read here, on the calling thread; [`run`] reads it in the
/// background instead so the first frame does not wait for it.
pub fn initial_state(
    loaded: &LoadedConfig,
    mode: Mode,
    now: DateTime<Utc>,
    tz: FixedOffset,
    no_color: bool,
    connect: Connect,
) -> (App, Option<Arc<dyn SnapshotSource>>, Config) {
    let StartState {
        mut app,
        source,
        config,
        load,
        ..
    } = start_state(loaded, mode, now, tz, no_color, connect);
    if let Some(load) = load {
        app.take_cache_read(load(&|_| {}));
    }
    (app, source, config)
}

/// What the UI starts with.
struct StartState {
    /// The App before the cache is read (the demo world is there already).
    app: App,
    source: Option<Arc<dyn SnapshotSource>>,
    config: Config,
    /// The work that reads the cache, if there is one to read.
    load: Option<CacheLoad>,
    /// The process's one cache store: the reading, the refreshes and spend all go through
    /// it, so one connection serves the whole UI.
    store: Option<Store>,
}

fn start_state(
    loaded: &LoadedConfig,
    mode: Mode,
    now: DateTime<Utc>,
    tz: FixedOffset,
    no_color: bool,
    connect: Connect,
) -> StartState {
    let config = match mode {
        Mode::Demo => sagescope_core::demo::config(&loaded.config),
        Mode::Offline | Mode::Live => loaded.config.clone(),
    };
    let mut init = AppInit::from_config(&config, mode, now, tz);
    init.theme = theme::effective(config.ui.theme, no_color);
    let opened = match mode {
        Mode::Demo => None,
        Mode::Offline | Mode::Live => loaded.config.cache_file().map(|path| {
            let cache = open_cache(&path);
            (path, cache)
        }),
    };
    let source: Option<Arc<dyn SnapshotSource>> = match (mode, &opened) {
        (Mode::Demo, _) => Some(Arc::new(DemoSource::new(now))),
        (Mode::Offline, _) | (Mode::Live, None) => None,
        // The warning is the cache read's to say, once.
        (Mode::Live, Some((_, cache))) => sagescope_engine::source::live_source(
            &loaded.config,
            OpenCache {
                store: cache.store.clone(),
                warning: None,
            },
            connect,
        ),
    };
    init.refresh_blocked = match (mode, &source) {
        (Mode::Offline, _) => Some("offline: refreshing is off (started with --offline)".into()),
        (Mode::Live, None) => {
            Some("refreshing is off: the cache cannot be opened (see the errors)".into())
        }
        _ => None,
    };
    let mut app = App::new(init);
    for warning in &loaded.warnings {
        app.push_error(format!("config: {warning}"));
    }
    if let (Mode::Live, Some(reason)) = (mode, app.refresh_blocked.clone()) {
        app.push_error(reason);
    }
    let load = match mode {
        Mode::Demo => {
            let world = sagescope_core::demo::world(now);
            app.load_timeline(sagescope_core::demo::timeline(&world, now));
            app.load_snapshot(world);
            None
        }
        Mode::Offline | Mode::Live => match opened.clone() {
            Some((path, cache)) => {
                app.empty_note = Some(format!("Reading the cache {}…", path.display()));
                let can_fetch = source.is_some();
                let cur = loaded.config.cur.clone();
                let load: CacheLoad = Box::new(move |on_head| {
                    read_cache(&path, cache, mode, can_fetch, cur, on_head)
                });
                Some(load)
            }
            None => {
                app.empty_note = Some(
                    "No cache directory is known here; set [cache] path in the config.".into(),
                );
                None
            }
        },
    };
    StartState {
        app,
        source,
        config,
        load,
        store: opened.and_then(|(_, cache)| cache.store),
    }
}

/// The cached snapshot and timeline, or what to say on screen about why there are none; the
/// Jobs pane's head goes to `on_head` first. Read through the process's store, on its thread.
fn read_cache(
    path: &Path,
    cache: OpenCache,
    mode: Mode,
    can_fetch: bool,
    cur: Option<sagescope_core::config::CurConfig>,
    on_head: &dyn Fn(sagescope_engine::cache::Head),
) -> CacheRead {
    let mut read = CacheRead::default();
    if let Some(warning) = cache.warning {
        read.errors.push(format!("cache: {warning}"));
    }
    let Some(store) = cache.store else {
        read.empty_note = Some(format!("The cache {} cannot be opened.", path.display()));
        return read;
    };
    match store
        .run_blocking(|cache| cache.load_head())
        .map_err(|err| err.to_string())
        .and_then(|head| head.map_err(|err| err.to_string()))
    {
        Ok(Some(head)) => on_head(head),
        Ok(None) => {}
        // Only a first look: the whole read below says what is wrong with the cache.
        Err(err) => tracing::warn!("the cache's head cannot be read: {err}"),
    }
    let shown = path.display().to_string();
    let read_all = store.run_blocking(move |cache| {
        let mut read = read;
        read_all(cache, &mut read, &shown, mode, can_fetch, cur.as_ref());
        read
    });
    match read_all {
        Ok(read) => read,
        Err(err) => CacheRead {
            errors: vec![format!("cache: {err}")],
            empty_note: Some(format!(
                "The cache {} cannot be read: {err}",
                path.display()
            )),
            ..CacheRead::default()
        },
    }
}

/// Everything but the head, on the store's thread.
fn read_all(
    cache: &sagescope_engine::cache::Cache,
    read: &mut CacheRead,
    path: &str,
    mode: Mode,
    can_fetch: bool,
    cur: Option<&sagescope_core::config::CurConfig>,
) {
    match cache.load_events(None) {
        Ok(events) => read.timeline = Some(events),
        Err(err) => read
            .errors
            .push(format!("cache: the event timeline cannot be read: {err}")),
    }
    // Prices read on earlier runs, so the cached rows' rates and costs use them.
    read.prices = sagescope_engine::refresh::prices::kept(cache);
    // The CUR's costs kept from earlier refreshes, so cached rows show them at once.
    read.cur = cur.and_then(|cur| sagescope_engine::refresh::cur::kept(cache, cur, Utc::now()));
    match cache.load_snapshot() {
        Ok(Some(snapshot)) => read.snapshot = Some(snapshot),
        Ok(None) => {
            let next = match (mode, can_fetch) {
                (Mode::Live, true) => "Fetching the first one now…",
                (Mode::Live, false) => {
                    "Live fetching is not available in this build: try `sagescope --demo`."
                }
                _ => "Run `sagescope refresh` (or start without --offline) to fetch one.",
            };
            read.empty_note = Some(format!("No cached snapshot yet in {path}. {next}"));
        }
        Err(err) => {
            read.errors.push(format!("cache: {err}"));
            read.empty_note = Some(format!(
                "The cached snapshot in {path} cannot be read: {err}"
            ));
        }
    }
}
