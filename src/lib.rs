//! sagescope: where an ML team's SageMaker money and jobs are, across every AWS account.
//!
//! The library holds everything headless (config, domain model, demo world, cache, exports)
//! so the binary, the tests and the benchmarks drive the same code.

// Nothing from outside the program may panic it: a bad answer, file or flag is an error the
// user reads. The compiler holds that line outside the tests.
#![cfg_attr(
    not(test),
    deny(clippy::unwrap_used, clippy::expect_used, clippy::panic)
)]

pub mod action;
pub mod age;
pub mod alerts;
pub mod app;
pub mod aws;
pub mod cache;
pub mod cli;
pub mod config;
pub mod console;
pub mod cost;
pub mod cur;
pub mod demo;
pub mod events;
pub mod export;
pub mod fetch;
pub mod fixes;
pub mod health;
pub mod iam;
pub mod init;
pub mod instances;
pub mod keymap;
pub mod logs;
pub mod memory;
pub mod metrics;
pub mod model;
pub mod org;
pub mod paths;
pub mod pricing;
pub mod refresh;
pub mod runtime;
pub mod sanitize;
pub mod session;
pub mod source;
pub mod spend;
pub mod store;
pub mod tags;
#[cfg(test)]
mod testing;
pub mod tui;
pub mod ui;
