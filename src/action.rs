//! What can happen to the [`App`](crate::app::App) (`Action`) and what it asks the outside
//! world to do in return (`Command`).
//!
//! Every change to the UI state goes through `App::update(Action)`, so a test can script any
//! session without a terminal, a clock or a network.

use chrono::{DateTime, Utc};

use crate::source::{RefreshKind, RefreshOutcome, RefreshProgress};

/// Something that happened: a key the keymap understood, a typed character, time passing, a
/// resized terminal, or news from a refresh running in the background.
#[derive(Debug, Clone, PartialEq)]
// `RefreshDone` carries every view and dwarfs the rest; actions pass one channel a few times
// a second, so boxing it would save nothing measurable.
#[allow(clippy::large_enum_variant)]
pub enum Action {
    /// A key bound in [`crate::keymap::KEYMAP`].
    User(UserAction),
    /// A character typed into the filter or command line.
    InsertChar(char),
    /// The clock: "now" for ages and durations, and a spinner frame.
    Tick(DateTime<Utc>),
    /// The terminal's new size in cells.
    Resize {
        width: u16,
        height: u16,
    },
    /// The background timer says data is due for a refresh.
    RefreshDue,
    RefreshProgress(RefreshProgress),
    RefreshDone(RefreshOutcome),
}

/// What a key means, independent of which key it is (the keymap decides that).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum UserAction {
    Quit,
    NextPane,
    PrevPane,
    ShowJobs,
    ShowSpend,
    ShowUntagged,
    Down,
    Up,
    PageDown,
    PageUp,
    Top,
    Bottom,
    OpenDetail,
    /// Esc: close a view, or clear the filter.
    Back,
    Help,
    ErrorHistory,
    StartFilter,
    StartCommand,
    SortNext,
    SortReverse,
    Refresh,
    CycleKind,
    ToggleActive,
    NextGroupKey,
    InputSubmit,
    InputCancel,
    InputBackspace,
    InputClear,
    /// Jobs pane: only rows with a health flag (idle, underutilized, long running), or all.
    ToggleFlagged,
}

/// Work the event loop does for the App: the App itself never performs I/O.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Command {
    /// Start a refresh from the data source.
    Refresh(RefreshKind),
    /// Leave the UI and restore the terminal.
    Quit,
}
