//! The log view (`l` on a job, endpoint or notebook): one stream of the resource's
//! CloudWatch Logs at a time, scrolled, searched, wrapped, and followed as new lines arrive.
//!
//! Reads run in the background (the event loop carries out [`Command::ReadLogs`]) and come
//! back as [`Action::LogStreams`] / [`Action::LogLines`] tagged with the read they answer;
//! an answer to a read that was replaced or stopped is dropped, so a line is never shown
//! twice. The cursor of the last batch is kept here, so following again after `F` goes on
//! from where the view stopped.
//!
//! Scrolling counts lines, and with wrap on the rows each line takes at the view's width:
//! [`LogView::row_count`] is shared with the drawing code, so the two agree on what fits.

use crate::action::{Command, LogRead};
use sagescope_core::sanitize;
use sagescope_engine::logs::{Batch, Cursor, LogEvent, LogStream, LogTarget};

/// Words that make a line worth jumping to with `e`.
const ERROR_WORDS: [&str; 3] = ["Error", "Traceback", "Exception"];

/// How many lines the log view keeps. A followed stream can log for days; at about 200 bytes a
/// line this holds the view near 10 MB. Past it the oldest lines are dropped, and counted in
/// [`LogView::dropped`] so the bottom border can say so.
pub const MAX_LOG_LINES: usize = 50_000;

/// The log view's state.
#[derive(Debug, Clone, PartialEq)]
pub struct LogView {
    pub target: LogTarget,
    /// The read whose answers are shown; answers to any other are stale.
    pub read: u64,
    /// `None` until listed.
    pub streams: Option<Vec<LogStream>>,
    /// The stream shown, an index into `streams`.
    pub stream: usize,
    /// The last [`MAX_LOG_LINES`] lines read of the stream, oldest first.
    pub lines: Vec<LogEvent>,
    /// Older lines of this stream dropped to stay within [`MAX_LOG_LINES`].
    pub dropped: usize,
    /// Where the next read of this stream starts.
    pub cursor: Option<Cursor>,
    /// A read is running and has not answered yet.
    pub loading: bool,
    /// The last read's failure, shown until the next success.
    pub error: Option<String>,
    /// The first line shown.
    pub top: usize,
    /// Keep the last line in view as lines arrive (on at the start and whenever the user
    /// scrolls to the end; off when they scroll up).
    pub stick: bool,
    pub wrap: bool,
    pub timestamps: bool,
    pub follow: bool,
    /// What `/` searched for (matched case-insensitively).
    pub search: String,
    /// The line of the current match.
    pub hit: Option<usize>,
    /// Text area of the view in cells (width, rows), from the terminal size.
    pub area: (usize, usize),
    /// The offset times are shown in.
    pub tz: chrono::FixedOffset,
}

impl LogView {
    pub fn new(
        target: LogTarget,
        read: u64,
        area: (usize, usize),
        tz: chrono::FixedOffset,
    ) -> LogView {
        LogView {
            target,
            read,
            streams: None,
            stream: 0,
            lines: Vec::new(),
            dropped: 0,
            cursor: None,
            loading: true,
            error: None,
            top: 0,
            stick: true,
            wrap: true,
            timestamps: false,
            follow: false,
            search: String::new(),
            hit: None,
            area,
            tz,
        }
    }

    /// The first read: list the streams, show the newest.
    pub fn first_read(&self) -> Command {
        Command::ReadLogs(LogRead {
            read: self.read,
            target: self.target.clone(),
            stream: None,
            cursor: None,
            follow: false,
        })
    }

    /// The stream shown, once listed.
    pub fn current_stream(&self) -> Option<&LogStream> {
        self.streams.as_ref()?.get(self.stream)
    }

    /// A line as drawn: its time (when shown) and its sanitised message.
    pub fn display(&self, line: &LogEvent) -> String {
        let message = line.message.trim_end_matches(['\n', '\r']);
        let message = sanitize::cell(message);
        if self.timestamps {
            let at = line
                .at()
                .map(|t| {
                    t.with_timezone(&self.tz)
                        .format("%Y-%m-%d %H:%M:%S%.3f")
                        .to_string()
                })
                .unwrap_or_else(|| line.timestamp_ms.to_string());
            format!("{at} {message}")
        } else {
            message.into_owned()
        }
    }

    /// How many rows `line` takes at the view's width.
    pub fn row_count(&self, line: &LogEvent) -> usize {
        if !self.wrap {
            return 1;
        }
        chunks(&self.display(line), self.area.0.max(1)).len()
    }

    /// The top line that shows the last line at the bottom of the view.
    pub fn bottom_top(&self) -> usize {
        let rows = self.area.1.max(1);
        let mut used = 0;
        let mut top = self.lines.len();
        while top > 0 {
            let need = self.row_count(&self.lines[top - 1]);
            if used + need > rows {
                break;
            }
            used += need;
            top -= 1;
        }
        // A single line taller than the view still shows from its start.
        top.min(self.lines.len().saturating_sub(1))
    }

    fn settle(&mut self) {
        let bottom = self.bottom_top();
        if self.stick {
            self.top = bottom;
        } else {
            self.top = self.top.min(bottom);
        }
    }

    /// Scrolls by `delta` lines; reaching the end sticks to it again.
    pub fn scroll_by(&mut self, delta: isize) {
        let bottom = self.bottom_top();
        self.top = self.top.saturating_add_signed(delta).min(bottom);
        self.stick = self.top == bottom;
    }

    pub fn scroll_to_top(&mut self) {
        self.top = 0;
        self.stick = false;
    }

    pub fn scroll_to_bottom(&mut self) {
        self.stick = true;
        self.settle();
    }

    /// The terminal changed size: `area` is the new text area.
    pub fn resize(&mut self, area: (usize, usize)) {
        self.area = area;
        self.settle();
    }

    pub fn toggle_wrap(&mut self) {
        self.wrap = !self.wrap;
        self.settle();
    }

    pub fn toggle_timestamps(&mut self) {
        self.timestamps = !self.timestamps;
        self.settle();
    }

    /// Streams listed: the newest is read first (the read already asked for it).
    pub fn streams_listed(&mut self, streams: Vec<LogStream>) {
        // No stream: nothing more will come.
        self.loading = !streams.is_empty();
        self.streams = Some(streams);
        self.stream = 0;
    }

    /// New lines of the stream shown.
    pub fn lines_read(&mut self, batch: Batch) {
        self.loading = false;
        self.error = None;
        self.lines.extend(batch.events);
        self.drop_oldest_over(MAX_LOG_LINES);
        self.cursor = Some(batch.cursor);
        self.settle();
    }

    /// Drops the oldest lines past `limit`, keeping the view on the same lines (the top and
    /// the current match move with them; a match that was dropped is forgotten).
    fn drop_oldest_over(&mut self, limit: usize) {
        let over = self.lines.len().saturating_sub(limit);
        if over == 0 {
            return;
        }
        self.lines.drain(..over);
        self.dropped += over;
        self.top = self.top.saturating_sub(over);
        self.hit = self.hit.and_then(|hit| hit.checked_sub(over));
    }

    pub fn read_failed(&mut self, error: String) {
        self.loading = false;
        self.error = Some(error);
    }

    /// Shows the stream `by` places on (wrapping), read from its start; `None` when there is
    /// no other stream to show.
    pub fn step_stream(&mut self, by: isize, read: u64) -> Option<Command> {
        let count = self.streams.as_ref()?.len();
        if count < 2 {
            return None;
        }
        self.stream = (self.stream as isize + by).rem_euclid(count as isize) as usize;
        self.lines.clear();
        self.dropped = 0;
        self.cursor = None;
        self.top = 0;
        self.stick = true;
        self.hit = None;
        self.error = None;
        self.loading = true;
        self.read = read;
        Some(Command::ReadLogs(LogRead {
            read,
            target: self.target.clone(),
            stream: self.current_stream().map(|s| s.name.clone()),
            cursor: None,
            follow: self.follow,
        }))
    }

    /// `F`: follow from where the last read stopped, or stop following.
    pub fn toggle_follow(&mut self, read: u64) -> Command {
        self.follow = !self.follow;
        self.read = read;
        if !self.follow {
            return Command::StopLogs;
        }
        // Following shows what arrives: back to the end.
        self.stick = true;
        Command::ReadLogs(LogRead {
            read,
            target: self.target.clone(),
            stream: self.current_stream().map(|s| s.name.clone()),
            cursor: self.cursor.clone(),
            follow: true,
        })
    }

    fn matches(&self, index: usize, needle: &str) -> bool {
        self.lines
            .get(index)
            .is_some_and(|l| l.message.to_lowercase().contains(needle))
    }

    /// `/`: the first match at or after the top line (wrapping), shown.
    pub fn search_for(&mut self, text: &str) {
        self.search = text.to_string();
        self.hit = None;
        if text.is_empty() {
            return;
        }
        let start = self.top;
        self.find(start, 1);
    }

    /// `n` (`forward`) / `N`: the next or previous match after the current one, wrapping.
    pub fn next_match(&mut self, forward: bool) {
        if self.search.is_empty() || self.lines.is_empty() {
            return;
        }
        let n = self.lines.len();
        let step: isize = if forward { 1 } else { -1 };
        let from = match self.hit {
            Some(hit) => (hit as isize + step).rem_euclid(n as isize) as usize,
            None => self.top,
        };
        self.find(from, step);
    }

    /// The first line from `from` on in direction `step` (wrapping around once) that
    /// matches the search, made the hit and scrolled to.
    fn find(&mut self, from: usize, step: isize) {
        let n = self.lines.len();
        let needle = self.search.to_lowercase();
        let found = (0..n)
            .map(|i| (from as isize + step * i as isize).rem_euclid(n as isize) as usize)
            .find(|i| self.matches(*i, &needle));
        if let Some(hit) = found {
            self.show(hit);
        }
    }

    /// `e`: the first line that mentions Error, Traceback or Exception.
    pub fn jump_to_error(&mut self) -> bool {
        let found = self
            .lines
            .iter()
            .position(|l| ERROR_WORDS.iter().any(|w| l.message.contains(w)));
        if let Some(line) = found {
            self.show(line);
        }
        found.is_some()
    }

    /// Makes `line` the hit and puts it at the top (the end stays the end).
    fn show(&mut self, line: usize) {
        self.hit = Some(line);
        let bottom = self.bottom_top();
        self.top = line.min(bottom);
        self.stick = self.top == bottom;
    }

    /// Whether `index` matches the search (drawn highlighted).
    pub fn is_match(&self, index: usize) -> bool {
        !self.search.is_empty() && self.matches(index, &self.search.to_lowercase())
    }
}

/// `text` cut into rows of at most `width` cells (by display width): what a wrapped line
/// takes on screen, for the drawing code and for [`LogView::row_count`] alike.
pub fn chunks(text: &str, width: usize) -> Vec<String> {
    let mut pieces = vec![String::new()];
    let mut used = 0;
    for c in text.chars() {
        let w = unicode_width::UnicodeWidthChar::width(c).unwrap_or(0);
        if used + w > width && used > 0 {
            pieces.push(String::new());
            used = 0;
        }
        if let Some(last) = pieces.last_mut() {
            last.push(c);
        }
        used += w;
    }
    pieces
}

impl super::App {
    /// The log view's text area for the terminal size: the screen less the tab bar, the
    /// status bar, the bottom line and the view's border (as `ui::logs` lays it out).
    pub(super) fn log_area(&self) -> (usize, usize) {
        (
            usize::from(self.viewport.0.saturating_sub(2)),
            usize::from(self.viewport.1.saturating_sub(5)),
        )
    }

    fn next_log_read(&mut self) -> u64 {
        self.log_reads += 1;
        self.log_reads
    }

    /// `l`: the selected row's logs, from the Jobs pane or its detail view.
    pub(super) fn open_logs(&mut self) -> Vec<Command> {
        use super::{Mode, Overlay, Pane};
        if self.pane != Pane::Jobs || !matches!(self.overlay, None | Some(Overlay::Detail)) {
            return Vec::new();
        }
        let Some((target, kind)) = self
            .jobs
            .list
            .selected()
            .map(|job| (LogTarget::of(job), job.kind))
        else {
            return Vec::new();
        };
        if self.mode == Mode::Offline {
            self.notify(
                "logs are read live from CloudWatch Logs and need AWS: start sagescope without --offline",
            );
            return Vec::new();
        }
        let Some(target) = target else {
            self.notify(format!("{} has no logs of its own", kind.with_article()));
            return Vec::new();
        };
        let read = self.next_log_read();
        let view = LogView::new(target, read, self.log_area(), self.tz);
        let command = view.first_read();
        self.logs = Some(view);
        vec![command]
    }

    /// Keys while the log view is open (and nothing is being typed).
    pub(super) fn handle_logs(&mut self, user: crate::action::UserAction) -> Vec<Command> {
        use crate::action::UserAction as U;
        let page = self.log_area().1.max(1) as isize;
        let read = match user {
            U::ToggleFollow | U::NextStream | U::PrevStream => self.next_log_read(),
            _ => 0,
        };
        let Some(view) = &mut self.logs else {
            return Vec::new();
        };
        match user {
            U::Quit => return vec![Command::Quit],
            U::Back => {
                self.logs = None;
                return vec![Command::StopLogs];
            }
            U::Down => view.scroll_by(1),
            U::Up => view.scroll_by(-1),
            U::PageDown => view.scroll_by(page),
            U::PageUp => view.scroll_by(-page),
            U::Top => view.scroll_to_top(),
            U::Bottom => view.scroll_to_bottom(),
            U::StartFilter => {
                self.input = Some(super::InputLine {
                    kind: super::InputKind::Search,
                    text: view.search.clone(),
                });
            }
            U::NextMatch => view.next_match(true),
            U::PrevMatch => view.next_match(false),
            U::ToggleWrap => view.toggle_wrap(),
            U::ToggleTimestamps => view.toggle_timestamps(),
            U::JumpToError => {
                let found = view.jump_to_error();
                if !found {
                    self.notify("no line mentions Error, Traceback or Exception");
                }
            }
            U::ToggleFollow => return vec![view.toggle_follow(read)],
            U::NextStream => return view.step_stream(1, read).into_iter().collect(),
            U::PrevStream => return view.step_stream(-1, read).into_iter().collect(),
            _ => {}
        }
        Vec::new()
    }

    pub(super) fn log_streams(&mut self, read: u64, streams: Result<Vec<LogStream>, String>) {
        let Some(view) = self.logs.as_mut().filter(|v| v.read == read) else {
            return;
        };
        match streams {
            Ok(streams) => view.streams_listed(streams),
            Err(error) => view.read_failed(error),
        }
    }

    pub(super) fn log_lines(&mut self, read: u64, lines: Result<Batch, String>) {
        let Some(view) = self.logs.as_mut().filter(|v| v.read == read) else {
            return;
        };
        match lines {
            Ok(batch) => view.lines_read(batch),
            Err(error) => view.read_failed(error),
        }
    }
}
