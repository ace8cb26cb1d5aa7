//! sagescope: where an ML team's SageMaker money and jobs are, across every AWS account.
//!
//! This package is the binary: the command line and the wiring of the workspace's crates
//! (`sagescope-core` ← `sagescope-engine` ← `sagescope-aws` / `sagescope-tui`). Its library
//! re-exports their modules under one name, so the integration tests and benchmarks drive the
//! product as the binary assembles it.

pub mod cli;
pub mod iam;
pub mod init;

pub use sagescope_aws as aws;
pub use sagescope_core::{
    age, config, console, cost, demo, fixes, health, instances, metrics, model, paths, pricing,
    sanitize, tags,
};
pub use sagescope_engine::{
    alerts, cache, cur, events, export, fetch, logs, org, refresh, runtime, session, source, spend,
    store, stream,
};
pub use sagescope_tui::{action, app, keymap, memory, tui, ui};
