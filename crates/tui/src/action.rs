//! What can happen to the [`App`](crate::app::App) (`Action`) and what it asks the outside
//! world to do in return (`Command`).
//!
//! Every change to the UI state goes through `App::update(Action)`, so a test can script any
//! session without a terminal, a clock or a network.

use chrono::{DateTime, Utc};

use sagescope_core::model::{Job, ScopeKey};
use sagescope_engine::logs::{Batch, Cursor, LogStream, LogTarget};
use sagescope_engine::source::{RefreshKind, RefreshOutcome, RefreshProgress};
use sagescope_engine::spend::{Ledger, SpendOutcome, SpendRequest};

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
    /// One (account, region, kind) of a running refresh: its rows replace that scope's.
    ScopeRows {
        scope: ScopeKey,
        rows: Vec<Job>,
    },
    RefreshDone(RefreshOutcome),
    /// One read of the organization's event stream (boxed: it carries whole scopes).
    Stream(Box<sagescope_engine::source::StreamUpdate>),
    /// What start-up read from the cache, off the UI thread (boxed: it holds every view).
    CacheRead(Box<sagescope_engine::source::CacheRead>),
    /// The Jobs pane's first cached rows, read before the rest (boxed: 200 rows).
    CacheHead(Box<sagescope_engine::cache::Head>),
    /// A spend load finished (boxed: it is far larger than the other actions).
    SpendLoaded(Box<SpendOutcome>),
    /// Something a running spend load wants the user to hear (e.g. it is backing off).
    SpendNote(String),
    /// Cost Explorer requests made today, read at start for the status bar.
    SpendLedger(Ledger),
    /// Events recorded outside a refresh (a budget's forecast crossing, seen by a spend
    /// load): they join the timeline and alert like a refresh's.
    Events(Vec<sagescope_core::model::Event>),
    /// The `[alerts] command` failed (said once; later failures only go to the log).
    AlertFailed(String),
    /// The fix script for `resources` resources was written (to this file), or why not.
    FixScriptWritten {
        resources: usize,
        written: Result<std::path::PathBuf, String>,
    },
    /// The log streams of the resource of log read `read`, newest first, or why not.
    LogStreams {
        read: u64,
        streams: Result<Vec<LogStream>, String>,
    },
    /// New lines of log read `read` (the first read, or a follow poll), or why not.
    LogLines {
        read: u64,
        lines: Result<Batch, String>,
    },
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
    /// Untagged: only resources missing a mandatory key (`m`).
    ToggleMissingOnly,
    /// Untagged: grouped by who created each resource, the person to ask (`c`).
    GroupByCreator,
    /// Untagged: the fix script for the row under the cursor (`x`).
    WriteFixScript,
    /// Untagged: the fix script for every row shown (`X`).
    WriteFixScriptShown,
    /// Spend: the resources behind the untagged share of the group-by key (`u`).
    ShowUntaggedForKey,
    InputSubmit,
    InputCancel,
    InputBackspace,
    InputClear,
    /// Spend: the next or previous time range.
    NextRange,
    PrevRange,
    /// Spend: every AWS service, or SageMaker only.
    ToggleAllServices,
    /// Answers to a question on the bottom line (a forced spend refresh).
    ConfirmYes,
    ConfirmNo,
    /// From the drill-down of the untagged spend: the Untagged pane, filtered to that key.
    JumpToUntagged,
    /// Jobs pane: only rows with a health flag (idle, underutilized, long running), or all.
    ToggleFlagged,
    /// The selected row's AWS console page: copied to the clipboard and shown.
    CopyConsoleLink,
    /// Jobs pane and its detail: the row's CloudWatch Logs (`l`).
    OpenLogs,
    /// Log view: the next or previous match of the search (`n` / `N`).
    NextMatch,
    PrevMatch,
    /// Log view: wrap long lines or cut them at the edge (`w`).
    ToggleWrap,
    /// Log view: the first line mentioning Error, Traceback or Exception (`e`).
    JumpToError,
    /// Log view: follow new lines as they arrive, or stop (`F`).
    ToggleFollow,
    /// Log view: show each line's time, or not (`t`).
    ToggleTimestamps,
    /// Log view: the next or previous stream (host) of the resource (`s` / `S`).
    NextStream,
    PrevStream,
    /// Every pane: only mine (my jobs, my spend, my offenders), or everyone's again (`M`).
    ToggleMine,
}

/// Work the event loop does for the App: the App itself never performs I/O.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Command {
    /// Start a refresh from the data source.
    Refresh(RefreshKind),
    /// Leave the UI and restore the terminal.
    Quit,
    /// Load spend in the background (cache first; Cost Explorer only when needed).
    LoadSpend(SpendRequest),
    /// Write this tag-fix script to a new file (never run it); `resources` is how many
    /// resources it fixes, for the message.
    WriteFixScript { script: String, resources: usize },
    /// The user opened this resource while a refresh may still be reading details: read its
    /// details next.
    Prioritize { arn: String },
    /// Put this text on the clipboard of the terminal the UI runs in (OSC 52, so it works
    /// over SSH too).
    CopyToClipboard { text: String },
    /// Read a resource's logs in the background, replacing any log read running.
    ReadLogs(LogRead),
    /// Stop the log read running, if any (the view closed, or follow was turned off).
    StopLogs,
    /// These events alert: ring the bell, notify through the terminal and run the
    /// `[alerts] command`, as `[alerts]` says.
    Alert(Vec<sagescope_core::model::Event>),
    /// A big view was replaced (the cache read, a whole refresh): hand the memory the old one
    /// and its decoding freed back to the system (see [`crate::memory`]).
    ReleaseFreeMemory,
}

/// A log read for the event loop to run: list the streams if `stream` is not chosen yet
/// (then read the newest), read what is new after `cursor` (from the start without one),
/// and with `follow` keep polling. Every answer carries `read`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LogRead {
    pub read: u64,
    pub target: LogTarget,
    pub stream: Option<String>,
    pub cursor: Option<Cursor>,
    pub follow: bool,
}
