//! What one command runs on: the process's one runtime, its one cache store and its one
//! refresh session, each made on first need (a command that never touches the cache does not
//! create one).

use std::cell::OnceCell;
use std::future::Future;
use std::sync::Arc;

use super::CliError;
use crate::config::LoadedConfig;
use crate::session::RefreshSession;
use crate::store::Store;

pub(crate) struct Context<'a> {
    pub loaded: &'a LoadedConfig,
    runtime: tokio::runtime::Runtime,
    store: OnceCell<Store>,
    session: OnceCell<Arc<RefreshSession>>,
}

impl<'a> Context<'a> {
    pub fn new(loaded: &'a LoadedConfig) -> Result<Self, CliError> {
        Ok(Context {
            loaded,
            runtime: runtime()?,
            store: OnceCell::new(),
            session: OnceCell::new(),
        })
    }

    /// Runs `future` to its end on the process's runtime.
    pub fn block_on<F: Future>(&self, future: F) -> F::Output {
        self.runtime.block_on(future)
    }

    /// The cache's one writer thread, at the path the config names, opened on first use
    /// (printing a warning if an unusable file was moved aside); every later call hands out
    /// the same store, so one thread owns the SQLite connection for the whole run.
    pub fn store(&self) -> Result<Store, CliError> {
        if let Some(store) = self.store.get() {
            return Ok(store.clone());
        }
        let path = super::cache_path(self.loaded)?;
        let opened = Store::open(&path).map_err(|e| CliError::Fatal(e.into()))?;
        if let Some(warning) = opened.warning {
            eprintln!("warning: {}", crate::sanitize::plain(&warning));
            tracing::warn!("{warning}");
        }
        Ok(self.store.get_or_init(|| opened.store).clone())
    }

    /// The process's refresh session: every account through one account hub, written through
    /// [`Context::store`].
    pub fn session(&self) -> Result<Arc<RefreshSession>, CliError> {
        if let Some(session) = self.session.get() {
            return Ok(session.clone());
        }
        let config = &self.loaded.config;
        let session = RefreshSession::new(
            config,
            Arc::new(crate::aws::job_fetcher(config)),
            self.store()?,
        );
        Ok(self.session.get_or_init(|| Arc::new(session)).clone())
    }

    /// The runtime, for a command that keeps it for its whole life (the terminal UI).
    pub fn into_runtime(self) -> tokio::runtime::Runtime {
        self.runtime
    }
}

/// The process's runtime, or why it could not start.
pub(crate) fn runtime() -> Result<tokio::runtime::Runtime, CliError> {
    crate::runtime::build()
        .map_err(|e| CliError::Fatal(anyhow::Error::new(e).context("cannot start the runtime")))
}
