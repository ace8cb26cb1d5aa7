//! The one table of key bindings. Dispatch reads it and the `?` help screen is generated from
//! it, so the help can never disagree with what the keys do.
//!
//! A key means different things in different places (`g` goes to the top of a table but changes
//! the group-by key on the Spend pane; typing `q` into the filter is text, not quit), so every
//! binding belongs to a [`Section`] and each [`KeyContext`] searches its sections in order.

use crossterm::event::{KeyCode, KeyEvent, KeyEventKind, KeyModifiers};

use crate::action::UserAction;

/// A key with the modifiers that matter (Shift is part of the character itself).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Key {
    pub code: KeyCode,
    pub ctrl: bool,
}

impl Key {
    const fn plain(code: KeyCode) -> Key {
        Key { code, ctrl: false }
    }

    const fn ch(c: char) -> Key {
        Key::plain(KeyCode::Char(c))
    }

    const fn ctrl(c: char) -> Key {
        Key {
            code: KeyCode::Char(c),
            ctrl: true,
        }
    }

    /// The key as a terminal event reports it, or `None` for releases and repeats of keys the
    /// app does not use.
    pub fn from_event(event: &KeyEvent) -> Option<Key> {
        if event.kind == KeyEventKind::Release {
            return None;
        }
        let code = match event.code {
            // Some terminals report Shift-Tab as Tab with Shift.
            KeyCode::Tab if event.modifiers.contains(KeyModifiers::SHIFT) => KeyCode::BackTab,
            code => code,
        };
        Some(Key {
            code,
            ctrl: event.modifiers.contains(KeyModifiers::CONTROL),
        })
    }

    /// How the help screen and the key hints spell the key.
    pub fn label(&self) -> String {
        let base = match self.code {
            KeyCode::Char(' ') => "Space".to_string(),
            KeyCode::Char(c) => c.to_string(),
            KeyCode::Down => "↓".into(),
            KeyCode::Up => "↑".into(),
            KeyCode::PageDown => "PgDn".into(),
            KeyCode::PageUp => "PgUp".into(),
            KeyCode::Home => "Home".into(),
            KeyCode::End => "End".into(),
            KeyCode::Enter => "Enter".into(),
            KeyCode::Esc => "Esc".into(),
            KeyCode::Tab => "Tab".into(),
            KeyCode::BackTab => "Shift-Tab".into(),
            KeyCode::Backspace => "Backspace".into(),
            other => format!("{other:?}"),
        };
        if self.ctrl {
            format!("Ctrl-{base}")
        } else {
            base
        }
    }
}

/// A group of bindings that apply in the same places; also a heading on the help screen.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Section {
    Anywhere,
    General,
    Move,
    Tables,
    Jobs,
    Spend,
    Views,
    Input,
    Confirm,
    Untagged,
    Logs,
    Picker,
}

impl Section {
    /// Help screen order.
    pub const ALL: [Section; 12] = [
        Section::General,
        Section::Move,
        Section::Tables,
        Section::Jobs,
        Section::Spend,
        Section::Untagged,
        Section::Views,
        Section::Picker,
        Section::Logs,
        Section::Input,
        Section::Confirm,
        Section::Anywhere,
    ];

    pub fn title(self) -> &'static str {
        match self {
            Section::Anywhere => "Anywhere, even while typing",
            Section::General => "General",
            Section::Move => "Moving",
            Section::Tables => "Tables (all panes)",
            Section::Jobs => "Jobs pane",
            Section::Spend => "Spend pane",
            Section::Views => "Detail, help and error views",
            Section::Input => "Filter (/) and command line (:)",
            Section::Confirm => "Yes/no questions (forced spend refresh)",
            Section::Untagged => "Untagged pane",
            Section::Logs => "Log view (l)",
            Section::Picker => "Account picker (:accounts)",
        }
    }
}

/// Where the keyboard focus is, which decides what keys mean.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum KeyContext {
    Jobs,
    Spend,
    Untagged,
    /// The timeline (`:events`): the table keys only.
    Events,
    /// Detail, help or error history on top of a pane.
    View,
    /// The log view of a resource.
    Logs,
    /// Typing into the filter or the command line.
    Input,
    /// A yes/no question on the bottom line.
    Confirm,
    /// The account picker (`:accounts`).
    Picker,
}

impl KeyContext {
    /// Sections searched for a key, first match wins.
    pub fn sections(self) -> &'static [Section] {
        use Section::*;
        match self {
            KeyContext::Jobs => &[Anywhere, Jobs, Tables, Move, General],
            KeyContext::Spend => &[Anywhere, Spend, Tables, Move, General],
            KeyContext::Untagged => &[Anywhere, Untagged, Tables, Move, General],
            KeyContext::Events => &[Anywhere, Tables, Move, General],
            KeyContext::View => &[Anywhere, Views, Move, General],
            KeyContext::Logs => &[Anywhere, Logs, Move],
            KeyContext::Input => &[Anywhere, Input],
            KeyContext::Confirm => &[Anywhere, Confirm],
            KeyContext::Picker => &[Anywhere, Picker, Move, General],
        }
    }
}

/// One row of the table.
#[derive(Debug, Clone, Copy)]
pub struct Binding {
    pub action: UserAction,
    pub keys: &'static [Key],
    pub description: &'static str,
    pub section: Section,
    /// Label in the status bar's key hints; empty keeps the binding out of the hints.
    pub hint: &'static str,
}

const fn bind(
    section: Section,
    action: UserAction,
    keys: &'static [Key],
    description: &'static str,
    hint: &'static str,
) -> Binding {
    Binding {
        action,
        keys,
        description,
        section,
        hint,
    }
}

use KeyCode as K;
use Section as S;
use UserAction as A;

/// Every key binding sagescope has.
pub const KEYMAP: &[Binding] = &[
    bind(S::Anywhere, A::Quit, &[Key::ctrl('c')], "quit", ""),
    bind(S::General, A::Quit, &[Key::ch('q')], "quit", "quit"),
    bind(
        S::General,
        A::Help,
        &[Key::ch('?')],
        "show or hide this help",
        "help",
    ),
    bind(
        S::General,
        A::NextPane,
        &[Key::plain(K::Tab)],
        "next pane",
        "pane",
    ),
    bind(
        S::General,
        A::PrevPane,
        &[Key::plain(K::BackTab)],
        "previous pane",
        "",
    ),
    bind(S::General, A::ShowJobs, &[Key::ch('1')], "Jobs pane", ""),
    bind(S::General, A::ShowSpend, &[Key::ch('2')], "Spend pane", ""),
    bind(
        S::General,
        A::ShowUntagged,
        &[Key::ch('3')],
        "Untagged pane",
        "",
    ),
    bind(
        S::General,
        A::Refresh,
        &[Key::ch('r')],
        "refresh now",
        "refresh",
    ),
    bind(
        S::General,
        A::StartCommand,
        &[Key::ch(':')],
        "command line, e.g. :events, :spend, :q",
        "",
    ),
    bind(
        S::General,
        A::ErrorHistory,
        &[Key::ch('E')],
        "error history",
        "",
    ),
    bind(
        S::General,
        A::ToggleMine,
        &[Key::ch('M')],
        "only mine (jobs, spend, offenders)",
        "mine",
    ),
    bind(
        S::Move,
        A::Down,
        &[Key::ch('j'), Key::plain(K::Down)],
        "down",
        "",
    ),
    bind(S::Move, A::Up, &[Key::ch('k'), Key::plain(K::Up)], "up", ""),
    bind(
        S::Move,
        A::PageDown,
        &[Key::plain(K::PageDown), Key::ctrl('d')],
        "page down",
        "",
    ),
    bind(
        S::Move,
        A::PageUp,
        &[Key::plain(K::PageUp), Key::ctrl('u')],
        "page up",
        "",
    ),
    bind(
        S::Move,
        A::Top,
        &[Key::ch('g'), Key::plain(K::Home)],
        "first row",
        "",
    ),
    bind(
        S::Move,
        A::Bottom,
        &[Key::ch('G'), Key::plain(K::End)],
        "last row",
        "",
    ),
    bind(
        S::Tables,
        A::OpenDetail,
        &[Key::plain(K::Enter)],
        "everything about the row",
        "detail",
    ),
    bind(
        S::Tables,
        A::StartFilter,
        &[Key::ch('/')],
        "filter rows by text; !text excludes",
        "filter",
    ),
    bind(
        S::Tables,
        A::Back,
        &[Key::plain(K::Esc)],
        "clear the filter",
        "",
    ),
    bind(
        S::Tables,
        A::SortNext,
        &[Key::ch('s')],
        "sort by the next column",
        "sort",
    ),
    bind(
        S::Tables,
        A::SortReverse,
        &[Key::ch('S')],
        "reverse the sort",
        "",
    ),
    bind(
        S::Tables,
        A::CopyConsoleLink,
        &[Key::ch('o')],
        "copy the row's AWS console link",
        "",
    ),
    bind(
        S::Jobs,
        A::CycleKind,
        &[Key::ch('t')],
        "one kind only, cycling, then all",
        "kind",
    ),
    bind(
        S::Jobs,
        A::ToggleActive,
        &[Key::ch('a')],
        "active only (running, pending)",
        "active",
    ),
    bind(
        S::Jobs,
        A::ToggleFlagged,
        &[Key::ch('f')],
        "flagged only (idle, underutilized, long running)",
        "flagged",
    ),
    bind(
        S::Jobs,
        A::OpenLogs,
        &[Key::ch('l')],
        "the row's CloudWatch Logs",
        "logs",
    ),
    bind(
        S::Spend,
        A::NextGroupKey,
        &[Key::ch('g')],
        "group by the next tag key",
        "group-by",
    ),
    bind(
        S::Spend,
        A::ShowUntaggedForKey,
        &[Key::ch('u')],
        "the resources behind (untagged)",
        "",
    ),
    bind(
        S::Untagged,
        A::ToggleMissingOnly,
        &[Key::ch('m')],
        "only resources missing a mandatory tag",
        "missing",
    ),
    bind(
        S::Untagged,
        A::GroupByCreator,
        &[Key::ch('c')],
        "group by who created it (the person to ask)",
        "by creator",
    ),
    bind(
        S::Untagged,
        A::WriteFixScript,
        &[Key::ch('x')],
        "fix script for this row, to a file",
        "fix",
    ),
    bind(
        S::Untagged,
        A::WriteFixScriptShown,
        &[Key::ch('X')],
        "fix script for every row shown, to a file",
        "",
    ),
    bind(
        S::Views,
        A::Back,
        &[Key::plain(K::Esc)],
        "back to the pane",
        "back",
    ),
    bind(
        S::Picker,
        A::OpenDetail,
        &[Key::plain(K::Enter)],
        "only this account or OU (first line: all)",
        "choose",
    ),
    bind(
        S::Picker,
        A::StartFilter,
        &[Key::ch('/')],
        "filter by name, id or OU",
        "filter",
    ),
    bind(
        S::Picker,
        A::Back,
        &[Key::plain(K::Esc)],
        "close, keeping the current choice",
        "keep",
    ),
    bind(
        S::Views,
        A::OpenLogs,
        &[Key::ch('l')],
        "the job's CloudWatch Logs",
        "",
    ),
    bind(
        S::Logs,
        A::Back,
        &[Key::plain(K::Esc), Key::ch('q')],
        "close the logs",
        "close",
    ),
    bind(
        S::Logs,
        A::StartFilter,
        &[Key::ch('/')],
        "search the lines",
        "search",
    ),
    bind(S::Logs, A::NextMatch, &[Key::ch('n')], "next match", ""),
    bind(S::Logs, A::PrevMatch, &[Key::ch('N')], "previous match", ""),
    bind(
        S::Logs,
        A::JumpToError,
        &[Key::ch('e')],
        "first Error/Traceback/Exception line",
        "error",
    ),
    bind(
        S::Logs,
        A::ToggleFollow,
        &[Key::ch('F')],
        "follow new lines (tail -f), or stop",
        "follow",
    ),
    bind(
        S::Logs,
        A::ToggleWrap,
        &[Key::ch('w')],
        "wrap long lines, or cut them",
        "wrap",
    ),
    bind(
        S::Logs,
        A::ToggleTimestamps,
        &[Key::ch('t')],
        "show each line's time",
        "time",
    ),
    bind(
        S::Logs,
        A::NextStream,
        &[Key::ch('s')],
        "next stream (host, instance)",
        "stream",
    ),
    bind(
        S::Logs,
        A::PrevStream,
        &[Key::ch('S')],
        "previous stream",
        "",
    ),
    bind(
        S::Input,
        A::InputSubmit,
        &[Key::plain(K::Enter)],
        "apply",
        "apply",
    ),
    bind(
        S::Input,
        A::InputCancel,
        &[Key::plain(K::Esc)],
        "cancel; a filter is cleared",
        "cancel",
    ),
    bind(
        S::Input,
        A::InputBackspace,
        &[Key::plain(K::Backspace)],
        "delete a character",
        "",
    ),
    bind(
        S::Input,
        A::InputClear,
        &[Key::ctrl('u')],
        "clear the line",
        "",
    ),
    bind(
        S::Spend,
        A::OpenDetail,
        &[Key::plain(K::Enter)],
        "drill down: by service and by account",
        "drill-down",
    ),
    bind(
        S::Spend,
        A::Refresh,
        &[Key::ch('r')],
        "refresh spend: shows the cost, asks y/n",
        "refresh",
    ),
    bind(
        S::Spend,
        A::NextRange,
        &[Key::ch('t'), Key::ch(']')],
        "next range: 7d 30d 90d MTD last month",
        "range",
    ),
    bind(
        S::Spend,
        A::PrevRange,
        &[Key::ch('[')],
        "previous time range",
        "",
    ),
    bind(
        S::Spend,
        A::ToggleAllServices,
        &[Key::ch('a')],
        "all AWS services, or SageMaker only",
        "services",
    ),
    bind(
        S::Views,
        A::CopyConsoleLink,
        &[Key::ch('o')],
        "copy its AWS console link",
        "",
    ),
    bind(
        S::Views,
        A::JumpToUntagged,
        &[Key::ch('u')],
        "untagged spend: resources missing the key",
        "",
    ),
    bind(
        S::Confirm,
        A::ConfirmYes,
        &[Key::ch('y'), Key::plain(K::Enter)],
        "yes",
        "yes",
    ),
    bind(
        S::Confirm,
        A::ConfirmNo,
        &[Key::ch('n'), Key::plain(K::Esc)],
        "no",
        "no",
    ),
];

/// What `key` means in `context`, if anything.
pub fn resolve(context: KeyContext, key: Key) -> Option<UserAction> {
    binding_for(context, key).map(|binding| binding.action)
}

/// The binding `key` triggers in `context`: the first section that binds it wins.
fn binding_for(context: KeyContext, key: Key) -> Option<&'static Binding> {
    context.sections().iter().find_map(|section| {
        KEYMAP
            .iter()
            .filter(|binding| binding.section == *section)
            .find(|binding| binding.keys.contains(&key))
    })
}

/// The short key hints for the status bar, most specific first, e.g. `t kind  a active  / filter`.
pub fn hints(context: KeyContext) -> Vec<(String, &'static str)> {
    context
        .sections()
        .iter()
        .flat_map(|section| {
            KEYMAP
                .iter()
                .filter(move |binding| binding.section == *section && !binding.hint.is_empty())
        })
        .filter_map(|binding| {
            let key = binding.keys.first()?;
            // A key a more specific section took over is not hinted twice.
            let winner = binding_for(context, *key)?;
            std::ptr::eq(winner, binding).then(|| (key.label(), binding.hint))
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn g_means_group_by_on_spend_and_top_elsewhere() {
        assert_eq!(
            resolve(KeyContext::Spend, Key::ch('g')),
            Some(A::NextGroupKey)
        );
        assert_eq!(resolve(KeyContext::Jobs, Key::ch('g')), Some(A::Top));
        assert_eq!(
            resolve(KeyContext::Spend, Key::plain(K::Home)),
            Some(A::Top)
        );
    }

    #[test]
    fn typing_does_not_trigger_commands_but_ctrl_c_still_quits() {
        assert_eq!(resolve(KeyContext::Input, Key::ch('q')), None);
        assert_eq!(resolve(KeyContext::Input, Key::ctrl('c')), Some(A::Quit));
        assert_eq!(
            resolve(KeyContext::Input, Key::ctrl('u')),
            Some(A::InputClear)
        );
        assert_eq!(resolve(KeyContext::Jobs, Key::ctrl('u')), Some(A::PageUp));
    }

    #[test]
    fn no_key_is_bound_twice_within_one_context() {
        for context in [
            KeyContext::Jobs,
            KeyContext::Spend,
            KeyContext::Untagged,
            KeyContext::Events,
            KeyContext::View,
            KeyContext::Logs,
            KeyContext::Input,
            KeyContext::Confirm,
            KeyContext::Picker,
        ] {
            let mut seen: Vec<(Key, Section)> = Vec::new();
            for section in context.sections() {
                for binding in KEYMAP.iter().filter(|b| b.section == *section) {
                    for key in binding.keys {
                        if let Some((_, first)) = seen.iter().find(|(k, _)| k == key) {
                            // A later section may only reuse a key on purpose (shadowing), and
                            // then the earlier, more specific one wins; within one section a
                            // key must be unique.
                            assert_ne!(first, section, "{key:?} twice in {section:?}");
                        }
                        seen.push((*key, *section));
                    }
                }
            }
        }
    }

    #[test]
    fn shift_tab_reported_as_tab_with_shift_is_back_tab() {
        let event = KeyEvent::new(KeyCode::Tab, KeyModifiers::SHIFT);
        assert_eq!(
            Key::from_event(&event).and_then(|k| resolve(KeyContext::Jobs, k)),
            Some(A::PrevPane)
        );
    }

    #[test]
    fn every_section_in_use_has_a_help_title_and_order() {
        for binding in KEYMAP {
            assert!(Section::ALL.contains(&binding.section));
            assert!(!binding.description.is_empty());
        }
    }
}
