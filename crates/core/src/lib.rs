//! sagescope's core: what is true of SageMaker resources whoever reads them. The domain model,
//! the configuration, prices and costs, the health rules, tag policy and the demo world.
//!
//! Nothing here talks to AWS or needs an async runtime, so every other crate builds on it and
//! its tests link no AWS SDK.

pub mod age;
pub mod config;
pub mod console;
pub mod cost;
pub mod demo;
pub mod fixes;
pub mod health;
pub mod instances;
pub mod metrics;
pub mod model;
pub mod paths;
pub mod pricing;
pub mod sanitize;
pub mod stream;
pub mod tags;
/// Property-test strategies, shared with the other crates' tests (feature `testing`).
#[cfg(any(test, feature = "testing"))]
pub mod testing;
pub mod trail;
