//! Running queued input through the App until nothing is left, so that no [`Command`] it
//! returns is ever dropped.
//!
//! `App::update` is the only way the state changes, and what it asks for comes back as
//! Commands. Some Commands are answered at once (no data source to refresh from, a fix script
//! written to disk): those answers are Actions too, and they can ask for more. Feeding them
//! back through the same queue, instead of calling `update` on the side, is what guarantees
//! every Command is carried out.

use std::collections::VecDeque;

use crossterm::event::Event;

use crate::action::{Action, Command};
use crate::app::App;

/// One thing waiting for the App.
#[derive(Debug)]
// Large because `Action` is (see there); a queue of a few inputs, so boxing saves nothing.
#[allow(clippy::large_enum_variant)]
pub enum Input {
    /// A terminal event, resolved to an Action only when its turn comes: what a key means
    /// depends on the state the keys before it left (Esc then `2` leaves the filter line,
    /// then shows the Spend pane).
    Event(Event),
    /// An Action already known (tick, signal, background result, an answered Command).
    Action(Action),
}

/// Whether the UI goes on after the queue is settled.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Flow {
    Continue,
    Quit,
}

/// Feeds every queued input to the App and carries out every Command it returns with
/// `carry_out`. An Action that `carry_out` answers with goes to the front of the queue (the
/// answer to a Command is applied before the next key), and its own Commands are carried out
/// in turn. `Command::Quit` stops at once: it is never passed to `carry_out`, and what is
/// still queued is left, since the UI is going away.
pub fn settle(
    app: &mut App,
    pending: &mut VecDeque<Input>,
    mut carry_out: impl FnMut(Command) -> Option<Action>,
) -> Flow {
    while let Some(input) = pending.pop_front() {
        let action = match input {
            Input::Action(action) => action,
            Input::Event(event) => match super::to_action(app, &event) {
                Some(action) => action,
                None => continue,
            },
        };
        let mut answers = Vec::new();
        for command in app.update(action) {
            if command == Command::Quit {
                return Flow::Quit;
            }
            answers.extend(carry_out(command));
        }
        for answer in answers.into_iter().rev() {
            pending.push_front(Input::Action(answer));
        }
    }
    Flow::Continue
}

#[cfg(test)]
mod tests {
    use chrono::{DateTime, FixedOffset, TimeZone, Utc};
    use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};

    use super::*;
    use crate::action::UserAction as U;
    use crate::app::{AppInit, Mode, Pane};
    use sagescope_core::config::Config;
    use sagescope_engine::source::RefreshOutcome;
    use sagescope_engine::spend::SpendOutcome;

    fn anchor() -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2026, 11, 20, 14, 2, 0)
            .single()
            .expect("valid time")
    }

    /// The demo world, refreshable (so `r` asks for a refresh).
    fn demo_app() -> App {
        let config = sagescope_core::demo::config(&Config::default());
        let utc = FixedOffset::east_opt(0).expect("valid offset");
        let mut app = App::new(AppInit::from_config(&config, Mode::Demo, anchor(), utc));
        app.load_snapshot(sagescope_core::demo::world(anchor()));
        app
    }

    fn key(code: KeyCode) -> Input {
        Input::Event(Event::Key(KeyEvent::new(code, KeyModifiers::NONE)))
    }

    #[test]
    fn a_command_answered_at_once_is_applied_through_update() {
        let mut app = demo_app();
        let mut pending = VecDeque::from([Input::Action(Action::User(U::Refresh))]);
        let mut carried = Vec::new();
        let flow = settle(&mut app, &mut pending, |command| {
            carried.push(command);
            Some(Action::RefreshDone(RefreshOutcome::failed(
                "no source here",
            )))
        });
        assert_eq!(flow, Flow::Continue);
        assert_eq!(
            carried,
            vec![Command::Refresh(
                sagescope_engine::source::RefreshKind::Manual
            )]
        );
        assert!(app.refreshing.is_none(), "the answer ended the refresh");
        assert!(
            app.errors
                .newest_first()
                .any(|e| e.text.contains("no source here")),
            "and its error is in the history"
        );
        assert!(pending.is_empty());
    }

    #[test]
    fn keys_resolve_in_turn_and_every_command_they_cause_is_carried_out() {
        let mut app = demo_app();
        // `/x` types into the filter line; Esc closes it, and only then does `2` mean "the
        // Spend pane" (on the filter line it is text). The Spend pane asks for a load.
        let mut pending = VecDeque::from([
            key(KeyCode::Char('/')),
            key(KeyCode::Char('x')),
            key(KeyCode::Esc),
            key(KeyCode::Char('2')),
        ]);
        let mut carried = Vec::new();
        let flow = settle(&mut app, &mut pending, |command| {
            carried.push(command.clone());
            match command {
                Command::LoadSpend(request) => Some(Action::SpendLoaded(Box::new(
                    SpendOutcome::failed(request, "spend is not available here"),
                ))),
                _ => None,
            }
        });
        assert_eq!(flow, Flow::Continue);
        assert_eq!(app.pane, Pane::Spend);
        assert_eq!(app.input, None);
        assert!(
            matches!(carried.as_slice(), [Command::LoadSpend(_)]),
            "{carried:?}"
        );
        assert!(!app.spend.loading, "the failed load was applied");
    }

    #[test]
    fn quit_stops_at_once_and_is_not_carried_out() {
        let mut app = demo_app();
        let mut pending = VecDeque::from([
            Input::Action(Action::User(U::Quit)),
            Input::Action(Action::User(U::Refresh)),
        ]);
        let flow = settle(&mut app, &mut pending, |command| {
            panic!("nothing is carried out after quit: {command:?}")
        });
        assert_eq!(flow, Flow::Quit);
        assert_eq!(pending.len(), 1, "the rest is left: the UI is going away");
    }
}
