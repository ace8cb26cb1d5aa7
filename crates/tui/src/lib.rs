//! sagescope's terminal UI: the App (all UI state, changed only by `App::update`), the actions
//! and keymap, drawing, and the event loop that ties terminal events and background refreshes
//! to them.
//!
//! It refreshes through the engine's `SnapshotSource` and reaches AWS only through the
//! constructor the binary hands [`tui::run`]: this crate does not link the AWS SDK.

// Nothing from outside the program may panic it: a bad answer, file or flag is an error the
// user reads. The compiler holds that line outside the tests.
#![cfg_attr(
    not(test),
    deny(clippy::unwrap_used, clippy::expect_used, clippy::panic)
)]

pub mod action;
pub mod app;
pub mod keymap;
pub mod memory;
pub mod tui;
pub mod ui;
