//! `sagescope refresh`, and the live fetch `export` shares with it.

use super::{CliError, Outcome};
use crate::config::LoadedConfig;
use crate::model::Snapshot;

pub(super) fn run(loaded: &LoadedConfig) -> Result<Outcome, CliError> {
    let snapshot = fetch_and_store(loaded)?;
    let errors =
        snapshot.jobs.errors.len() + snapshot.spend.errors.len() + snapshot.findings.errors.len();
    println!(
        "refreshed: {} jobs, {} spend rows, {} tag findings; {} errors",
        snapshot.jobs.rows.len(),
        snapshot.spend.rows.len(),
        snapshot.findings.rows.len(),
        errors
    );
    Ok(if errors == 0 {
        Outcome::Ok
    } else {
        Outcome::Partial
    })
}

/// Fetches every view live and writes it to the cache in one transaction.
pub(super) fn fetch_and_store(_loaded: &LoadedConfig) -> Result<Snapshot, CliError> {
    Err(CliError::Fatal(anyhow::anyhow!(
        "live AWS fetching is not part of this build yet; use --demo or --offline"
    )))
}
