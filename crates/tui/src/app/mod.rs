//! The terminal UI's state and the one function that changes it.
//!
//! `App` holds no terminal, no clock and no network: the event loop feeds it [`Action`]s
//! (keys, ticks carrying "now", refresh results) and carries out the [`Command`]s it returns.
//! Drawing reads `&App` only. Tests script whole sessions through [`App::update`].

mod accounts;
mod arn_key;
mod burn;
mod cache_read;
mod console_link;
mod errors;
mod events;
mod findings;
mod fix_script;
mod jobs;
mod listing;
mod logs;
mod mine;
mod search;
mod spend;
mod spend_load;

use chrono::{DateTime, FixedOffset, Utc};

pub use accounts::{AccountLine, AccountScope, AccountsState, Picker, PickerEntry};
pub use burn::{JobsHealth, RowHealth, badge};
pub use errors::{ERROR_HISTORY, ErrorEntry, ErrorLog};
pub use events::{EventColumn, EventsPane, MAX_TOASTS, TOAST_SECONDS, TimelineRow, Toast};
pub use findings::{
    FindingColumn, FindingWidths, FindingsPane, FixScope, creator_of, invalid_label,
    miscased_label, missing_label, owner_label, problems_label,
};
pub use jobs::{JobColumn, JobCounts, JobsPane, instance_label};
pub use listing::{Filter, Listed, Listing, SortColumn};
pub use logs::{LogView, MAX_LOG_LINES, chunks};
pub use mine::MineState;
pub use spend::{DrillView, SpendColumn, SpendLine, SpendPane, SpendScope};

use crate::action::{Action, Command, UserAction};
use crate::keymap::KeyContext;
use sagescope_core::config::{AccountConfig, Config, HealthConfig, SpendConfig, Theme};
use sagescope_core::model::{DataSource, Event, EventKind, Job, ScopeKey, Snapshot};
use sagescope_engine::source::{RefreshKind, RefreshOutcome, RefreshProgress};

/// Rows of the screen that are not table body (tab bar, borders, header, status, hints).
pub const CHROME_ROWS: u16 = 6;

/// How long a notice stays in the status bar.
const NOTICE_SECONDS: i64 = 5;

/// The panes. The first three are in Tab order; Events (the timeline) opens with `:events`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Pane {
    Jobs,
    Spend,
    Untagged,
    Events,
}

impl Pane {
    pub const ALL: [Pane; 3] = [Pane::Jobs, Pane::Spend, Pane::Untagged];

    pub fn title(self) -> &'static str {
        match self {
            Pane::Jobs => "Jobs",
            Pane::Spend => "Spend",
            Pane::Untagged => "Untagged",
            Pane::Events => "Events",
        }
    }

    fn index(self) -> usize {
        Pane::ALL.iter().position(|p| *p == self).unwrap_or(0)
    }

    fn step(self, by: isize) -> Pane {
        let n = Pane::ALL.len() as isize;
        Pane::ALL[(self.index() as isize + by).rem_euclid(n) as usize]
    }
}

/// A full-pane view on top of the panes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Overlay {
    Detail,
    Help,
    Errors,
    /// The account picker (`:accounts`).
    Accounts,
}

/// What the bottom line is being typed into.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum InputKind {
    Filter,
    Command,
    /// `/` in the log view: a search, not a filter.
    Search,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InputLine {
    pub kind: InputKind,
    pub text: String,
}

/// How the app was started, which decides what "refresh" can do.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mode {
    Demo,
    Offline,
    Live,
}

/// A refresh running in the background.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Refreshing {
    pub kind: RefreshKind,
    pub started: DateTime<Utc>,
    pub progress: Option<RefreshProgress>,
}

/// A short message in the status bar that goes away by itself.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Notice {
    pub text: String,
    pub until: DateTime<Utc>,
}

/// Everything the App needs to start, all as data (tests pin `now` and `tz`).
#[derive(Debug, Clone)]
pub struct AppInit {
    pub mode: Mode,
    pub now: DateTime<Utc>,
    /// The offset times are shown in (the local zone at start, UTC in tests).
    pub tz: FixedOffset,
    pub theme: Theme,
    pub stale_after_minutes: u32,
    /// Tag keys the Spend pane can group by.
    pub group_keys: Vec<String>,
    pub lookback_days: u32,
    /// Why refreshing is impossible (`--offline`, no live source), or `None` when it works.
    pub refresh_blocked: Option<String>,
    /// `[spend]`: range, metric, granularity, scope and TTL of the Spend pane.
    pub spend: SpendConfig,
    /// The tag policy's keys in order, for the Untagged pane's counts per key.
    pub tag_keys: Vec<String>,
    /// The configured accounts, for the fix script's `--profile`.
    pub accounts: Vec<AccountConfig>,
    /// Thresholds of the Jobs pane's health flags.
    pub health: HealthConfig,
    /// `[alerts] events`: the kinds that toast.
    pub alert_kinds: Vec<EventKind>,
    /// `[me]`: who "mine" (`M`) is, when configured.
    pub me: Option<sagescope_core::model::Me>,
}

impl AppInit {
    /// Settings taken from the config.
    pub fn from_config(config: &Config, mode: Mode, now: DateTime<Utc>, tz: FixedOffset) -> Self {
        AppInit {
            mode,
            now,
            tz,
            theme: config.ui.theme,
            stale_after_minutes: config.ui.stale_after_minutes,
            group_keys: config.spend.group_keys(&config.tags.policy),
            lookback_days: config.spend.lookback_days,
            refresh_blocked: None,
            spend: config.spend.clone(),
            tag_keys: policy_keys(&config.tags.policy),
            accounts: config.accounts.clone(),
            health: config.health.clone(),
            alert_kinds: config.alerts.events.clone(),
            me: config.me.clone(),
        }
    }
}

/// The policy's keys in order: mandatory ones, then those that only restrict values.
fn policy_keys(policy: &sagescope_core::model::TagPolicy) -> Vec<String> {
    let mut keys = policy.mandatory.clone();
    keys.extend(
        policy
            .allowed
            .keys()
            .filter(|k| !policy.mandatory.contains(k))
            .cloned(),
    );
    keys
}

/// The event stream, for the status bar and the refresh timer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StreamStatus {
    /// `stream: live, last event 3 s ago · reconcile in 12 min`, or down and why.
    pub line: String,
    /// Whether the timer's refreshes run (the stream is down, or the reconcile is due).
    pub listing_due: bool,
    /// When this update arrived, and how long it holds: a stream task that stopped sending
    /// (it panicked) must not hold the refreshes back for good.
    pub at: DateTime<Utc>,
    pub stale_after: chrono::Duration,
}

impl StreamStatus {
    /// Whether the timer's refreshes wait for the reconcile now.
    fn holds_refreshes(&self, now: DateTime<Utc>) -> bool {
        !self.listing_due && now - self.at <= self.stale_after
    }
}

/// The whole UI state.
#[derive(Debug, Clone)]
pub struct App {
    pub mode: Mode,
    /// Where the data on screen came from.
    pub source: DataSource,
    pub now: DateTime<Utc>,
    pub tz: FixedOffset,
    pub theme: Theme,
    pub stale_after: chrono::Duration,
    pub pane: Pane,
    pub overlay: Option<Overlay>,
    /// Scroll position of the overlay, in lines.
    pub overlay_scroll: usize,
    /// The largest useful scroll position, set by the event loop from the last layout.
    pub overlay_scroll_max: usize,
    pub input: Option<InputLine>,
    pub jobs: JobsPane,
    pub spend: SpendPane,
    pub findings: FindingsPane,
    /// The timeline and the toasts of alerts.
    pub events: EventsPane,
    pub refreshing: Option<Refreshing>,
    pub refresh_blocked: Option<String>,
    /// The organization's event stream as its last read left it; `None` without `[stream]`
    /// (or before its first read).
    pub stream: Option<StreamStatus>,
    pub errors: ErrorLog,
    /// Errors reported by the most recent refresh (the status bar shows them as current).
    pub errors_from_last_refresh: usize,
    pub notice: Option<Notice>,
    /// Shown in empty panes: why there is no data (e.g. no cached snapshot yet).
    pub empty_note: Option<String>,
    /// Terminal size in cells.
    pub viewport: (u16, u16),
    /// Advances on every tick; drives the spinner.
    pub ticks: u64,
    /// The log view, on top of everything else while open.
    pub logs: Option<LogView>,
    /// Log reads started so far: each gets the next number, so answers to a replaced or
    /// stopped read are recognised and dropped.
    log_reads: u64,
    /// Who I am and whether every pane shows only mine (`M`).
    pub mine: MineState,
    /// The account or OU the panes are narrowed to, and the picker (`:accounts`).
    pub accounts: AccountsState,
}

impl App {
    pub fn new(init: AppInit) -> App {
        App {
            mode: init.mode,
            source: match init.mode {
                Mode::Demo => DataSource::Demo,
                Mode::Offline | Mode::Live => DataSource::Cache,
            },
            now: init.now,
            tz: init.tz,
            theme: init.theme,
            stale_after: chrono::Duration::minutes(i64::from(init.stale_after_minutes)),
            pane: Pane::Jobs,
            overlay: None,
            overlay_scroll: 0,
            overlay_scroll_max: usize::MAX,
            input: None,
            jobs: JobsPane::new(init.health),
            spend: SpendPane::new(
                init.group_keys,
                &SpendConfig {
                    lookback_days: init.lookback_days,
                    ..init.spend
                },
                init.now,
            ),
            findings: FindingsPane::new(init.tag_keys, init.accounts),
            events: EventsPane::new(init.alert_kinds),
            refreshing: None,
            refresh_blocked: init.refresh_blocked,
            stream: None,
            errors: ErrorLog::default(),
            errors_from_last_refresh: 0,
            notice: None,
            empty_note: None,
            viewport: (80, 24),
            ticks: 0,
            logs: None,
            log_reads: 0,
            mine: MineState {
                how: init.me.as_ref().map(|_| "[me] in the config".to_string()),
                me: init.me,
                ..MineState::default()
            },
            accounts: AccountsState::default(),
        }
    }

    /// Shows a whole snapshot (from the cache or the demo) as if a refresh had returned it.
    pub fn load_snapshot(&mut self, snapshot: Snapshot) {
        // A snapshot carries no events, so there is nothing to alert on.
        let _ = self.apply(RefreshOutcome::from_snapshot(snapshot));
    }

    /// Shows the timeline kept so far (the cache's, or the demo's) in the Events pane.
    pub fn load_timeline(&mut self, events: Vec<Event>) {
        self.events.set_timeline(events, self.now);
    }

    /// Records an error that did not come from a refresh (config warnings, the cache).
    pub fn push_error(&mut self, text: impl Into<String>) {
        self.errors.push(self.now, text);
    }

    /// What keys mean right now.
    pub fn key_context(&self) -> KeyContext {
        if self.spend.confirm.is_some() {
            KeyContext::Confirm
        } else if self.input.is_some() {
            KeyContext::Input
        } else if self.logs.is_some() {
            KeyContext::Logs
        } else if self.overlay == Some(Overlay::Accounts) {
            KeyContext::Picker
        } else if self.overlay.is_some() {
            KeyContext::View
        } else {
            match self.pane {
                Pane::Jobs => KeyContext::Jobs,
                Pane::Spend => KeyContext::Spend,
                Pane::Untagged => KeyContext::Untagged,
                Pane::Events => KeyContext::Events,
            }
        }
    }

    /// The as-of time of the data the current pane shows.
    pub fn as_of(&self) -> Option<DateTime<Utc>> {
        match self.pane {
            Pane::Jobs => self.jobs.as_of,
            Pane::Spend => self.spend.as_of,
            Pane::Untagged => self.findings.as_of,
            Pane::Events => self.jobs.as_of,
        }
    }

    /// Whether the current pane's data is older than `ui.stale_after_minutes` (spend: older
    /// than `spend.ttl_hours`, as billing data changes only a few times a day).
    pub fn is_stale(&self) -> bool {
        let limit = match self.pane {
            Pane::Spend => self.spend.ttl,
            Pane::Jobs | Pane::Untagged | Pane::Events => self.stale_after,
        };
        self.as_of().is_some_and(|as_of| self.now - as_of > limit)
    }

    /// Table body rows on screen, for paging.
    pub fn page_rows(&self) -> usize {
        usize::from(self.viewport.1.saturating_sub(CHROME_ROWS)).max(1)
    }

    /// The filter text of the current pane.
    pub fn filter_text(&self) -> &str {
        if self.overlay == Some(Overlay::Accounts)
            && let Some(picker) = &self.accounts.picker
        {
            return &picker.filter;
        }
        match self.pane {
            Pane::Jobs => self.jobs.list.filter().text(),
            Pane::Spend => self.spend.lines.filter().text(),
            Pane::Untagged => self.findings.list.filter().text(),
            Pane::Events => self.events.list.filter().text(),
        }
    }

    /// Applies one action and says what the event loop must do. Dropping the result would
    /// silently lose work (a spend load, a refresh, quitting), hence `must_use`.
    #[must_use = "every Command the App returns must be carried out"]
    pub fn update(&mut self, action: Action) -> Vec<Command> {
        match action {
            Action::User(user) => {
                let mut commands = self.handle(user);
                commands.extend(self.spend_due());
                return commands;
            }
            Action::InsertChar(c) => {
                if let Some(input) = &mut self.input {
                    input.text.push(c);
                    self.input_changed();
                }
            }
            Action::Tick(now) => {
                self.now = now;
                self.ticks = self.ticks.wrapping_add(1);
                if self.notice.as_ref().is_some_and(|n| n.until <= now) {
                    self.notice = None;
                }
                self.events.expire(now);
                self.jobs.tick(now);
                return self.spend_due();
            }
            Action::Resize { width, height } => {
                self.viewport = (width, height);
                let area = self.log_area();
                if let Some(view) = &mut self.logs {
                    view.resize(area);
                }
            }
            Action::RefreshDue => {
                // While the stream is live, the listing is a reconcile on its own slower clock.
                if self
                    .stream
                    .as_ref()
                    .is_some_and(|s| s.holds_refreshes(self.now))
                {
                    return Vec::new();
                }
                return self.start_refresh(RefreshKind::Auto);
            }
            Action::Stream(update) => return self.take_stream(*update),
            Action::RefreshProgress(progress) => {
                if let Some(refreshing) = &mut self.refreshing {
                    refreshing.progress = Some(progress);
                }
            }
            Action::ScopeRows { scope, rows } => self.take_scope(scope, rows),
            Action::RefreshDone(outcome) => {
                self.refreshing = None;
                if outcome.jobs.is_none() {
                    // No whole view to replace them: what arrived shows now.
                    self.jobs.merge_waiting(self.now);
                }
                return self.apply(outcome);
            }
            Action::CacheRead(read) => {
                if self.take_cache_read(*read) {
                    return vec![Command::ReleaseFreeMemory];
                }
            }
            Action::CacheHead(head) => self.take_cache_head(*head),
            Action::Events(events) => return self.take_events(events).into_iter().collect(),
            Action::AlertFailed(text) => {
                self.push_error(text.clone());
                self.notify(text);
            }
            Action::SpendLoaded(outcome) => self.apply_spend(*outcome),
            Action::SpendNote(note) => self.notify(note),
            Action::SpendLedger(ledger) => self.spend.ledger = Some(ledger),
            Action::FixScriptWritten { resources, written } => {
                self.fix_script_written(resources, written);
            }
            Action::LogStreams { read, streams } => self.log_streams(read, streams),
            Action::LogLines { read, lines } => self.log_lines(read, lines),
        }
        Vec::new()
    }

    fn handle(&mut self, user: UserAction) -> Vec<Command> {
        use UserAction as U;
        if self.logs.is_some() && self.input.is_none() {
            return self.handle_logs(user);
        }
        let page = self.page_rows();
        match user {
            U::Quit => return vec![Command::Quit],
            U::NextPane => self.show_pane(self.pane.step(1)),
            U::PrevPane => self.show_pane(self.pane.step(-1)),
            U::ShowJobs => self.show_pane(Pane::Jobs),
            U::ShowSpend => self.show_pane(Pane::Spend),
            U::ShowUntagged => self.show_pane(Pane::Untagged),
            U::Down => self.move_by(1),
            U::Up => self.move_by(-1),
            U::PageDown => self.move_by(page as isize),
            U::PageUp => self.move_by(-(page as isize)),
            U::Top => self.move_to(0),
            U::Bottom => self.move_to(usize::MAX),
            U::OpenDetail if self.overlay == Some(Overlay::Accounts) => self.picker_choose(),
            U::OpenDetail if self.pane == Pane::Spend => return self.open_spend_drill(),
            U::OpenDetail => {
                if self.has_selection() {
                    self.open(Overlay::Detail);
                    // Details still coming for this row: ask for them first.
                    if self.pane == Pane::Jobs
                        && self.refreshing.is_some()
                        && let Some(job) = self.jobs.list.selected()
                    {
                        return vec![Command::Prioritize {
                            arn: job.arn.clone(),
                        }];
                    }
                }
            }
            U::Back => {
                if self.overlay.is_some() {
                    // Closing the picker keeps the current choice.
                    self.overlay = None;
                    self.accounts.picker = None;
                } else if !self.filter_text().is_empty() {
                    self.set_filter("");
                } else if self.pane == Pane::Untagged && self.findings.without_key.is_some() {
                    self.findings.set_without_key(None);
                }
            }
            U::Help => {
                if self.overlay == Some(Overlay::Help) {
                    self.overlay = None;
                } else {
                    self.open(Overlay::Help);
                }
            }
            U::ErrorHistory => self.open(Overlay::Errors),
            U::StartFilter => {
                self.input = Some(InputLine {
                    kind: InputKind::Filter,
                    text: self.filter_text().to_string(),
                });
            }
            U::StartCommand => {
                self.input = Some(InputLine {
                    kind: InputKind::Command,
                    text: String::new(),
                });
            }
            U::SortNext => match self.pane {
                Pane::Jobs => self.jobs.sort_next(self.now),
                Pane::Spend => self.spend.sort_next(self.now),
                Pane::Untagged => self.findings.sort_next(self.now),
                Pane::Events => self.events.sort_next(self.now),
            },
            U::SortReverse => match self.pane {
                Pane::Jobs => self.jobs.sort_reverse(self.now),
                Pane::Spend => self.spend.sort_reverse(self.now),
                Pane::Untagged => self.findings.sort_reverse(self.now),
                Pane::Events => self.events.sort_reverse(self.now),
            },
            U::Refresh if self.pane == Pane::Spend => self.ask_spend_refresh(),
            U::Refresh => return self.start_refresh(RefreshKind::Manual),
            U::CycleKind => self.jobs.cycle_kind(),
            U::ToggleActive => self.jobs.toggle_active(),
            U::NextGroupKey => self.spend.next_key(self.now),
            U::ToggleMissingOnly => {
                if self.pane == Pane::Untagged {
                    self.findings.toggle_missing_only();
                }
            }
            U::GroupByCreator => {
                if self.pane == Pane::Untagged {
                    self.findings.toggle_by_creator(self.now);
                    // Grouped afresh: the first person to ask, not wherever the row went.
                    self.move_to(0);
                }
            }
            U::WriteFixScript => return self.write_fix_script(FixScope::Selected),
            U::WriteFixScriptShown => return self.write_fix_script(FixScope::Shown),
            U::ShowUntaggedForKey => self.show_untagged_for_spend_key(),
            U::ToggleFlagged => self.jobs.toggle_flagged(),
            U::InputSubmit => return self.submit_input(),
            U::InputCancel => {
                if let Some(input) = self.input.take()
                    && input.kind == InputKind::Filter
                {
                    self.set_filter("");
                }
            }
            U::InputBackspace => {
                if let Some(input) = &mut self.input {
                    input.text.pop();
                    self.input_changed();
                }
            }
            U::InputClear => {
                if let Some(input) = &mut self.input {
                    input.text.clear();
                    self.input_changed();
                }
            }
            U::NextRange => self.spend.step_range(1, self.now),
            U::PrevRange => self.spend.step_range(-1, self.now),
            U::ToggleAllServices => self.spend.toggle_all_services(self.now),
            U::ConfirmYes => return self.confirm_spend_refresh(true),
            U::ConfirmNo => return self.confirm_spend_refresh(false),
            U::JumpToUntagged => self.jump_from_untagged_spend(),
            U::CopyConsoleLink => return self.copy_console_link(),
            U::OpenLogs => return self.open_logs(),
            // Keys of the log view, which is not open.
            U::NextMatch
            | U::PrevMatch
            | U::ToggleWrap
            | U::JumpToError
            | U::ToggleFollow
            | U::ToggleTimestamps
            | U::NextStream
            | U::PrevStream => {}
            U::ToggleMine => self.toggle_mine(),
        }
        Vec::new()
    }

    fn show_pane(&mut self, pane: Pane) {
        self.overlay = None;
        self.pane = pane;
    }

    fn open(&mut self, overlay: Overlay) {
        self.overlay = Some(overlay);
        self.overlay_scroll = 0;
        self.overlay_scroll_max = usize::MAX;
    }

    fn has_selection(&self) -> bool {
        match self.pane {
            Pane::Jobs => self.jobs.list.selected().is_some(),
            Pane::Spend => self.spend.lines.selected().is_some(),
            Pane::Untagged => self.findings.list.selected().is_some(),
            Pane::Events => self.events.list.selected().is_some(),
        }
    }

    fn move_by(&mut self, delta: isize) {
        let page = self.page_rows();
        if self.picker_open() {
            self.picker_move(|at| at.saturating_add_signed(delta));
            return;
        }
        if self.overlay.is_some() {
            self.overlay_scroll = self
                .overlay_scroll
                .saturating_add_signed(delta)
                .min(self.overlay_scroll_max);
            return;
        }
        match self.pane {
            Pane::Jobs => self.jobs.list.move_by(delta, page),
            Pane::Spend => self.spend.lines.move_by(delta, page),
            Pane::Untagged => self.findings.list.move_by(delta, page),
            Pane::Events => self.events.list.move_by(delta, page),
        }
    }

    fn move_to(&mut self, index: usize) {
        let page = self.page_rows();
        if self.picker_open() {
            self.picker_move(|_| index);
            return;
        }
        if self.overlay.is_some() {
            self.overlay_scroll = index.min(self.overlay_scroll_max);
            return;
        }
        match self.pane {
            Pane::Jobs => self.jobs.list.select(index, page),
            Pane::Spend => self.spend.lines.select(index, page),
            Pane::Untagged => self.findings.list.select(index, page),
            Pane::Events => self.events.list.select(index, page),
        }
    }

    fn set_filter(&mut self, text: &str) {
        if self.picker_open() {
            self.picker_filter(text);
            return;
        }
        match self.pane {
            Pane::Jobs => self.jobs.set_filter(text),
            Pane::Spend => self.spend.set_filter(text),
            Pane::Untagged => self.findings.set_filter(text),
            Pane::Events => self.events.set_filter(text),
        }
        // Keep the cursor's window in place around the (possibly moved) cursor.
        let page = self.page_rows();
        match self.pane {
            Pane::Jobs => self.jobs.list.move_by(0, page),
            Pane::Spend => self.spend.lines.move_by(0, page),
            Pane::Untagged => self.findings.list.move_by(0, page),
            Pane::Events => self.events.list.move_by(0, page),
        }
    }

    /// The filter applies as the user types, like k9s; a log search jumps as it is typed.
    fn input_changed(&mut self) {
        match &self.input {
            Some(InputLine {
                kind: InputKind::Filter,
                text,
            }) => {
                let text = text.clone();
                self.set_filter(&text);
            }
            Some(InputLine {
                kind: InputKind::Search,
                text,
            }) => {
                if let Some(view) = &mut self.logs {
                    view.search_for(text);
                }
            }
            _ => {}
        }
    }

    fn submit_input(&mut self) -> Vec<Command> {
        let Some(input) = self.input.take() else {
            return Vec::new();
        };
        match input.kind {
            InputKind::Filter => return Vec::new(),
            InputKind::Search => {
                if let Some(view) = &mut self.logs {
                    view.search_for(&input.text);
                }
                return Vec::new();
            }
            InputKind::Command => {}
        }
        let command = input.text.trim();
        match command {
            "" => {}
            "q" | "q!" | "quit" => return self.handle(UserAction::Quit),
            "jobs" | "job" | "1" => self.show_pane(Pane::Jobs),
            "spend" | "2" => self.show_pane(Pane::Spend),
            "untagged" | "tags" | "3" => self.show_pane(Pane::Untagged),
            "events" | "event" | "ev" | "timeline" => self.show_pane(Pane::Events),
            "errors" | "err" => self.open(Overlay::Errors),
            "help" | "h" => self.open(Overlay::Help),
            "refresh" | "r" => return self.start_refresh(RefreshKind::Manual),
            "accounts" | "account" | "acc" | "ou" => self.open_account_picker(),
            "me" => self.set_me(""),
            other if other.starts_with("me ") => self.set_me(&other[3..]),
            other => self.notify(format!(
                "unknown command :{} (try :jobs :spend :untagged :events :accounts :me NAME :errors :help :refresh :q)",
                sagescope_core::sanitize::cell(other)
            )),
        }
        Vec::new()
    }

    fn notify(&mut self, text: impl Into<String>) {
        self.notice = Some(Notice {
            text: text.into(),
            until: self.now + chrono::Duration::seconds(NOTICE_SECONDS),
        });
    }

    /// One read of the event stream: its scopes replace theirs at once (a stream exists to be
    /// seen within seconds), its events join the timeline and alert, and its line replaces the
    /// status bar's.
    fn take_stream(&mut self, update: sagescope_engine::source::StreamUpdate) -> Vec<Command> {
        let sagescope_engine::source::StreamUpdate {
            scopes,
            events,
            line,
            listing_due,
            error,
            stale_after,
        } = update;
        if !scopes.is_empty() {
            for (scope, rows) in scopes {
                self.take_scope(scope, rows);
            }
            self.jobs.merge_waiting(self.now);
        }
        if let Some(error) = error {
            self.push_error(error);
        }
        // Going down is an error worth its history entry: at 80 columns the bar has room for
        // `stream: down` but not for why.
        let down = |status: &StreamStatus| status.line.starts_with("stream: down");
        let was_down = self.stream.as_ref().is_some_and(down);
        let status = StreamStatus {
            line,
            listing_due,
            at: self.now,
            stale_after: chrono::Duration::from_std(stale_after).unwrap_or(chrono::Duration::MAX),
        };
        if down(&status) && !was_down {
            self.push_error(status.line.clone());
        }
        self.stream = Some(status);
        self.take_events(events).into_iter().collect()
    }

    /// One scope's rows, from a running refresh or the event stream: they replace that
    /// scope's.
    fn take_scope(&mut self, scope: ScopeKey, rows: Vec<Job>) {
        // Nothing was cached: what shows is live, however partial.
        if self.jobs.as_of.is_none() {
            self.source = DataSource::Live;
        }
        self.jobs.take_scope(scope, rows, self.now);
        self.empty_note = None;
    }

    /// Events join the timeline; those that alert toast, and go to the event loop (bell,
    /// notification, `[alerts] command`) as the one command returned.
    fn take_events(&mut self, events: Vec<Event>) -> Option<Command> {
        let alerts = self.events.add(events, self.now);
        (!alerts.is_empty()).then_some(Command::Alert(alerts))
    }

    fn start_refresh(&mut self, kind: RefreshKind) -> Vec<Command> {
        if let Some(reason) = &self.refresh_blocked {
            if kind == RefreshKind::Manual {
                self.notify(reason.clone());
            }
            return Vec::new();
        }
        if self.refreshing.is_some() {
            if kind == RefreshKind::Manual {
                self.notify("a refresh is already running");
            }
            return Vec::new();
        }
        self.refreshing = Some(Refreshing {
            kind,
            started: self.now,
            progress: None,
        });
        vec![Command::Refresh(kind)]
    }

    /// Merges a refresh result: views that came back replace theirs (cursor, filter and sort
    /// stay), views that did not stay as they were, and every error goes to the history. Its
    /// events join the timeline; those that alert toast, and go to the event loop for the
    /// bell, the terminal notification and the `[alerts] command`.
    fn apply(&mut self, outcome: RefreshOutcome) -> Vec<Command> {
        let now = self.now;
        let mut reported = 0;
        if let Some(source) = outcome.source {
            self.source = source;
        }
        let mut log = |errors: &mut ErrorLog, text: String| {
            errors.push(now, text);
            reported += 1;
        };
        if let Some(live) = outcome.prices {
            // Before the jobs: their costs are computed with these.
            self.jobs.set_prices(sagescope_core::pricing::Prices::new(
                sagescope_core::pricing::PriceTable::embedded().clone(),
                live,
            ));
        }
        if let Some(measured) = outcome.measured {
            self.jobs.set_measured(measured);
        }
        if let Some(ledger) = outcome.ledger {
            self.spend.ledger = Some(ledger);
        }
        let arrived =
            outcome.jobs.is_some() || outcome.spend.is_some() || outcome.findings.is_some();
        if let Some(view) = &outcome.jobs {
            self.accounts.errors.clear();
            for e in &view.errors {
                log(&mut self.errors, format!("jobs: {e}"));
                self.accounts
                    .errors
                    .entry(e.account.clone())
                    .or_insert_with(|| e.message.clone());
            }
        }
        let tag_errors: Vec<String> = outcome
            .findings
            .iter()
            .flat_map(|view| view.errors.iter().map(|e| format!("tags: {e}")))
            .collect();
        set_views(
            (&mut self.jobs, outcome.jobs),
            (&mut self.findings, outcome.findings),
            now,
        );
        // The drill-down's top resources follow the rows and their costs.
        self.rank_drill_resources();
        if let Some(view) = outcome.spend {
            for e in &view.errors {
                log(&mut self.errors, format!("spend: {e}"));
            }
            self.spend.set_view(view, now);
        }
        for text in tag_errors {
            log(&mut self.errors, text);
        }
        if let Some(view) = outcome.metrics {
            for e in &view.errors {
                log(&mut self.errors, format!("metrics: {e}"));
            }
            self.jobs.set_metrics(view, now);
        }
        if arrived {
            let health = &self.jobs.health;
            self.findings
                .join_costs(self.jobs.list.rows(), |job| health.cost(job, now), now);
        }
        for e in outcome.errors {
            log(&mut self.errors, e);
        }
        if !outcome.units.is_empty() {
            self.accounts.units = outcome.units;
        }
        if self.accounts.scope.is_some() {
            self.apply_account_scope();
        }
        if self.mine.me.is_none()
            && let Some(guess) = outcome
                .caller_arns
                .iter()
                .find_map(|arn| sagescope_core::model::guess_owner(arn))
        {
            self.guess_me(sagescope_core::model::DEFAULT_OWNER_KEY, guess);
        }
        self.errors_from_last_refresh = reported;
        if arrived {
            self.empty_note = None;
        }
        let mut commands: Vec<Command> = self.take_events(outcome.events).into_iter().collect();
        if arrived {
            // The views just replaced are freed: give their memory back.
            commands.push(Command::ReleaseFreeMemory);
        }
        commands
    }
}

/// Shows the jobs and the tag findings that arrived. At 100,000 resources sorting and indexing
/// them takes about 0.2 s each, and they share nothing, so when both arrive the findings are
/// built on a second thread while this one builds the jobs: the UI waits for the larger one
/// only. Where no thread can be started they are built one after the other.
fn set_views(
    (jobs, jobs_view): (
        &mut JobsPane,
        Option<sagescope_core::model::View<sagescope_core::model::Job>>,
    ),
    (findings, findings_view): (
        &mut FindingsPane,
        Option<sagescope_core::model::View<sagescope_core::model::TagFinding>>,
    ),
    now: DateTime<Utc>,
) {
    let Some(jobs_view) = jobs_view else {
        if let Some(view) = findings_view {
            findings.set_view(view, now);
        }
        return;
    };
    let Some(findings_view) = findings_view else {
        jobs.set_view(jobs_view, now);
        return;
    };
    // Shared with the second thread, and taken back here should it not start.
    let waiting = std::sync::Mutex::new(Some(findings_view));
    let findings = std::sync::Mutex::new(findings);
    let build_findings = || {
        let view = waiting.lock().unwrap_or_else(|e| e.into_inner()).take();
        if let Some(view) = view {
            findings
                .lock()
                .unwrap_or_else(|e| e.into_inner())
                .set_view(view, now);
        }
    };
    std::thread::scope(|scope| {
        let beside = std::thread::Builder::new().spawn_scoped(scope, build_findings);
        jobs.set_view(jobs_view, now);
        match beside {
            Ok(handle) => {
                // A panic there is a bug: it goes on here, as it would have on this thread.
                if let Err(panic) = handle.join() {
                    std::panic::resume_unwind(panic);
                }
            }
            Err(err) => {
                tracing::warn!("building the findings on this thread: {err}");
                build_findings();
            }
        }
    });
}

/// A pane's optional row predicate as the listing takes it (`None`: every row, the fast path).
fn as_keep<T, F: Fn(&T) -> bool>(keep: &Option<F>) -> listing::Keep<'_, T> {
    keep.as_ref().map(|f| f as &dyn Fn(&T) -> bool)
}

#[cfg(test)]
mod tests;

#[cfg(test)]
mod accounts_tests;
#[cfg(test)]
mod logs_tests;
#[cfg(test)]
mod mine_tests;
#[cfg(test)]
mod spend_tests;
#[cfg(test)]
mod stream_tests;
#[cfg(test)]
mod untagged_tests;
