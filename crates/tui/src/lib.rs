//! sagescope's terminal UI: the App (all UI state, changed only by `App::update`), the actions
//! and keymap, drawing, and the event loop that ties terminal events and background refreshes
//! to them.
//!
//! It refreshes through the engine's `SnapshotSource` and reaches AWS only through the
//! constructor the binary hands [`tui::run`]: this crate does not link the AWS SDK.

pub mod action;
pub mod app;
pub mod keymap;
pub mod memory;
pub mod tui;
pub mod ui;
