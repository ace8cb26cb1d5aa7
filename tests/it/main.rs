//! Every integration test in one binary: the library and the AWS SDK are linked once, and the
//! AWS tests borrow a moto server each (`support::moto::moto`: one per test running at once,
//! reused; each test builds the world it needs first). In-process tests reach moto through the
//! config's explicit `aws_override`, never through this process's environment, so the tests
//! run side by side safely. Each module was once a test binary of its own.
//!
//! The cache soak (`cache_soak`) re-runs this binary as its other processes.

// Test code: a failed expectation panics, which is what a test is for.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod support;

mod accounts_tui_moto;
mod architecture;
mod aws_moto;
mod cache_soak;
mod cache_store;
mod ce_resource_moto;
mod ce_resource_tui_moto;
mod cli_export;
mod compute_kinds_moto;
mod config_files;
mod cost_moto;
mod creators_moto;
mod cur_moto;
mod docs;
mod export_csv;
mod finished_jobs_moto;
mod fix_script;
mod iam_and_init;
mod live_tags_moto;
mod logs_moto;
mod logs_tui_moto;
mod mine_moto;
mod org_tag_policy_moto;
mod organization_moto;
mod spend_live;
mod spend_moto;
mod stream_tui_moto;
mod studio_apps_moto;
mod tag_kinds_moto;
mod tui_render;
mod tui_snapshots;
mod tui_spend;
mod untagged_split;
mod watch_moto;
