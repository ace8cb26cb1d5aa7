//! The Events pane's state (the timeline, `:events`) and the toasts alerts raise.

use std::cmp::Ordering;
use std::collections::BTreeSet;

use chrono::{DateTime, Utc};

use super::as_keep;
use super::listing::{Listed, Listing, SortColumn};
use super::search::{SEPARATOR, push_lowercase};
use sagescope_core::model::{Event, EventKind};
use sagescope_core::sanitize;

/// How long a toast stays up.
pub const TOAST_SECONDS: i64 = 10;
/// Toasts shown at once; a newer one pushes the oldest out.
pub const MAX_TOASTS: usize = 4;
/// Timeline entries kept on screen (the cache keeps `[events] retention_days` of them).
const MAX_ROWS: usize = 20_000;

/// Columns the Events pane sorts by; newest first by default.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum EventColumn {
    Time,
    Event,
    Account,
    Kind,
    Name,
}

impl SortColumn for EventColumn {
    const ALL: &'static [EventColumn] = &[
        EventColumn::Time,
        EventColumn::Event,
        EventColumn::Account,
        EventColumn::Kind,
        EventColumn::Name,
    ];

    fn label(self) -> &'static str {
        match self {
            EventColumn::Time => "time",
            EventColumn::Event => "event",
            EventColumn::Account => "account",
            EventColumn::Kind => "kind",
            EventColumn::Name => "name",
        }
    }

    fn descending_first(self) -> bool {
        self == EventColumn::Time
    }
}

/// One timeline entry with the identity the cursor follows (events have no id of their own).
#[derive(Debug, Clone, PartialEq)]
pub struct TimelineRow {
    key: String,
    pub event: Event,
}

impl TimelineRow {
    pub fn new(event: Event) -> Self {
        let key = format!(
            "{}|{}|{}|{}",
            event.at.timestamp_millis(),
            event.event,
            event.arn,
            event.name
        );
        TimelineRow { key, event }
    }
}

impl Listed for TimelineRow {
    type Column = EventColumn;

    fn key(&self) -> &str {
        &self.key
    }

    fn write_search_text(&self, out: &mut String) {
        let e = &self.event;
        for part in [
            e.event.as_str(),
            sanitize::cell(&e.account_name).as_ref(),
            sanitize::cell(&e.region).as_ref(),
            e.kind.map_or("budget", |k| k.as_str()),
            sanitize::cell(&e.name).as_ref(),
            sanitize::cell(e.previous_status.as_deref().unwrap_or_default()).as_ref(),
            sanitize::cell(e.status.as_deref().unwrap_or_default()).as_ref(),
            sanitize::cell(e.detail.as_deref().unwrap_or_default()).as_ref(),
        ] {
            push_lowercase(out, part);
            out.push(SEPARATOR);
        }
    }

    fn compare(&self, other: &Self, column: EventColumn, _now: DateTime<Utc>) -> Ordering {
        let (a, b) = (&self.event, &other.event);
        let by_time = a.at.cmp(&b.at);
        match column {
            EventColumn::Time => by_time,
            EventColumn::Event => a.event.cmp(&b.event).then(by_time.reverse()),
            EventColumn::Account => a.account_name.cmp(&b.account_name).then(by_time.reverse()),
            EventColumn::Kind => a.kind.cmp(&b.kind).then(by_time.reverse()),
            EventColumn::Name => a.name.cmp(&b.name).then(by_time.reverse()),
        }
    }
}

/// A short-lived notice of one alert, stacked above the status bar.
#[derive(Debug, Clone, PartialEq)]
pub struct Toast {
    pub kind: EventKind,
    /// Outside text: sanitised when drawn.
    pub title: String,
    /// What, where and how, why (see [`sagescope_engine::alerts::lines`]).
    pub lines: Vec<String>,
    pub until: DateTime<Utc>,
}

/// The timeline pane and the toasts.
#[derive(Debug, Clone, Default)]
pub struct EventsPane {
    pub list: Listing<TimelineRow>,
    /// Which kinds alert (`[alerts] events`): those toast.
    pub alert_kinds: Vec<EventKind>,
    /// Newest last.
    pub toasts: Vec<Toast>,
    /// Widest account name, for the column.
    pub account_width: usize,
    /// `:accounts`: only these accounts' events (by name).
    pub accounts: Option<BTreeSet<String>>,
}

impl EventsPane {
    pub fn new(alert_kinds: Vec<EventKind>) -> Self {
        EventsPane {
            alert_kinds,
            ..EventsPane::default()
        }
    }

    /// Replaces the timeline (from the cache or the demo at start).
    pub fn set_timeline(&mut self, events: Vec<Event>, now: DateTime<Utc>) {
        let rows: Vec<TimelineRow> = events.into_iter().map(TimelineRow::new).collect();
        self.set_rows(rows, now);
    }

    /// Adds a refresh's events to the timeline and toasts the ones that alert; returns those.
    pub fn add(&mut self, events: Vec<Event>, now: DateTime<Utc>) -> Vec<Event> {
        if events.is_empty() {
            return Vec::new();
        }
        let alerts: Vec<Event> = events
            .iter()
            .filter(|e| e.event.is_alert() && self.alert_kinds.contains(&e.event))
            .cloned()
            .collect();
        for event in &alerts {
            self.toasts.push(Toast {
                kind: event.event,
                title: sagescope_engine::alerts::title(event),
                lines: sagescope_engine::alerts::lines(event),
                until: now + chrono::Duration::seconds(TOAST_SECONDS),
            });
        }
        let excess = self.toasts.len().saturating_sub(MAX_TOASTS);
        self.toasts.drain(..excess);
        let mut rows: Vec<TimelineRow> = events.into_iter().map(TimelineRow::new).collect();
        rows.extend(self.list.rows().iter().cloned());
        self.set_rows(rows, now);
        alerts
    }

    fn set_rows(&mut self, mut rows: Vec<TimelineRow>, now: DateTime<Utc>) {
        rows.sort_by_key(|r| std::cmp::Reverse(r.event.at));
        rows.truncate(MAX_ROWS);
        self.account_width = rows
            .iter()
            .map(|r| sanitize::cell_width(&r.event.account_name))
            .max()
            .unwrap_or(0);
        let keep = self.keep();
        self.list.set_rows(rows, now, as_keep(&keep));
    }

    /// The account choice as a row predicate; `None` (every row) without one.
    fn keep(&self) -> Option<impl Fn(&TimelineRow) -> bool + use<>> {
        let names = self.accounts.clone()?;
        Some(move |row: &TimelineRow| names.contains(&row.event.account_name))
    }

    /// `:accounts`: only these accounts' events, or every account's (`None`).
    pub fn set_accounts(&mut self, accounts: Option<BTreeSet<String>>) {
        self.accounts = accounts;
        let keep = self.keep();
        self.list.refilter(as_keep(&keep));
    }

    /// Drops toasts whose time is up.
    pub fn expire(&mut self, now: DateTime<Utc>) {
        self.toasts.retain(|t| t.until > now);
    }

    pub fn set_filter(&mut self, text: &str) {
        let keep = self.keep();
        self.list.set_filter(text, as_keep(&keep));
    }

    pub fn sort_next(&mut self, now: DateTime<Utc>) {
        let keep = self.keep();
        self.list.sort_next(now, as_keep(&keep));
    }

    pub fn sort_reverse(&mut self, now: DateTime<Utc>) {
        let keep = self.keep();
        self.list.sort_reverse(now, as_keep(&keep));
    }
}
