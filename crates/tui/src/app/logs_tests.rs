//! The log view through `App::update`: opening, scrolling, search, `e`, wrap, follow, and
//! answers of replaced reads dropped.

use chrono::{FixedOffset, TimeZone, Utc};

use super::*;
use crate::action::{Action, Command, LogRead, UserAction as U};
use sagescope_core::model::ResourceKind;
use sagescope_engine::logs::{Batch, Cursor, LogEvent, LogStream};

fn app(mode: Mode) -> App {
    let config = sagescope_core::demo::config(&Config::default());
    let now = Utc
        .with_ymd_and_hms(2026, 11, 20, 14, 2, 0)
        .single()
        .expect("valid time");
    let utc = FixedOffset::east_opt(0).expect("valid offset");
    let mut app = App::new(AppInit::from_config(&config, mode, now, utc));
    app.load_snapshot(sagescope_core::demo::world(now));
    let _ = app.update(Action::Resize {
        width: 60,
        height: 15,
    });
    app
}

/// Moves the cursor to the first row of `kind`.
fn select_first(app: &mut App, kind: ResourceKind) {
    let index = app
        .jobs
        .list
        .window(0, usize::MAX)
        .position(|j| j.kind == kind)
        .expect("a row of that kind");
    let _ = app.update(Action::User(U::Top));
    for _ in 0..index {
        let _ = app.update(Action::User(U::Down));
    }
}

/// Moves the cursor to the first training job and presses `l`: the read it asks for.
fn open_training_logs(app: &mut App) -> LogRead {
    select_first(app, ResourceKind::Training);
    match app.update(Action::User(U::OpenLogs)).as_slice() {
        [Command::ReadLogs(read)] => read.clone(),
        other => panic!("expected one log read, got {other:?}"),
    }
}

fn event(i: usize, message: &str) -> LogEvent {
    LogEvent {
        timestamp_ms: 1_700_000_000_000 + i as i64,
        stream: "s".into(),
        message: message.into(),
        id: None,
    }
}

fn answer(app: &mut App, read: u64, messages: &[&str], from: usize) {
    let _ = app.update(Action::LogLines {
        read,
        lines: Ok(Batch {
            events: messages
                .iter()
                .enumerate()
                .map(|(i, m)| event(from + i, m))
                .collect(),
            cursor: Cursor::Stream {
                stream: "s".into(),
                start_ms: None,
                token: Some(format!("f/{}", from + messages.len())),
            },
            requests: 1,
        }),
    });
}

fn streams(app: &mut App, read: u64, names: &[&str]) {
    let _ = app.update(Action::LogStreams {
        read,
        streams: Ok(names
            .iter()
            .map(|n| LogStream {
                name: (*n).into(),
                last_event_ms: Some(1),
            })
            .collect()),
    });
}

fn view(app: &App) -> &LogView {
    app.logs.as_ref().expect("the log view is open")
}

fn messages(app: &App) -> Vec<&str> {
    view(app).lines.iter().map(|l| l.message.as_str()).collect()
}

#[test]
fn l_opens_the_rows_logs_and_esc_closes_them_and_stops_the_read() {
    let mut app = app(Mode::Demo);
    let read = open_training_logs(&mut app);
    let job = app.jobs.list.selected().expect("selected").clone();
    assert_eq!(read.target.name, job.name);
    assert_eq!(read.target.account, job.account_name);
    assert_eq!(read.target.region, job.region);
    assert_eq!(read.target.place.group, "/aws/sagemaker/TrainingJobs");
    assert_eq!(read.stream, None, "the streams are listed first");
    assert_eq!(app.key_context(), crate::keymap::KeyContext::Logs);
    assert!(view(&app).loading);

    assert_eq!(app.update(Action::User(U::Back)), vec![Command::StopLogs]);
    assert!(app.logs.is_none());
    assert_eq!(app.key_context(), crate::keymap::KeyContext::Jobs);
}

#[test]
fn l_works_from_the_detail_view_and_q_there_closes_only_the_logs() {
    let mut app = app(Mode::Demo);
    let _ = app.update(Action::User(U::OpenDetail));
    let commands = app.update(Action::User(U::OpenLogs));
    assert!(matches!(commands.as_slice(), [Command::ReadLogs(_)]));
    // `q` in the log view is resolved as Back by the keymap.
    let q = crate::keymap::resolve(
        app.key_context(),
        crate::keymap::Key::from_event(&crossterm::event::KeyEvent::from(
            crossterm::event::KeyCode::Char('q'),
        ))
        .expect("a key"),
    );
    assert_eq!(q, Some(U::Back));
    let _ = app.update(Action::User(U::Back));
    assert_eq!(app.overlay, Some(Overlay::Detail), "back to the detail");
}

#[test]
fn an_app_says_it_has_no_logs_of_its_own_with_the_right_article() {
    let mut app = app(Mode::Demo);
    select_first(&mut app, ResourceKind::App);
    assert!(app.update(Action::User(U::OpenLogs)).is_empty());
    let notice = app.notice.as_ref().expect("a notice");
    assert_eq!(notice.text, "an app has no logs of its own");
}

#[test]
fn offline_says_logs_need_aws() {
    let mut app = app(Mode::Offline);
    assert!(app.update(Action::User(U::OpenLogs)).is_empty());
    assert!(app.logs.is_none());
    let notice = app.notice.as_ref().expect("a notice");
    assert!(notice.text.contains("need AWS"), "{}", notice.text);
}

#[test]
fn answers_to_a_replaced_read_are_dropped() {
    let mut app = app(Mode::Demo);
    let first = open_training_logs(&mut app);
    streams(&mut app, first.read, &["job/algo-1-1", "job/algo-2-1"]);
    answer(&mut app, first.read, &["a", "b"], 0);
    // `s`: the second host, a new read; a late answer of the first read changes nothing.
    let second = match app.update(Action::User(U::NextStream)).as_slice() {
        [Command::ReadLogs(read)] => read.clone(),
        other => panic!("{other:?}"),
    };
    assert_eq!(second.stream.as_deref(), Some("job/algo-2-1"));
    assert!(second.read > first.read);
    answer(&mut app, first.read, &["late"], 2);
    assert!(messages(&app).is_empty(), "{:?}", messages(&app));
    answer(&mut app, second.read, &["x"], 0);
    assert_eq!(messages(&app), ["x"]);
}

#[test]
fn follow_goes_on_from_the_cursor_and_no_line_comes_twice() {
    let mut app = app(Mode::Demo);
    let first = open_training_logs(&mut app);
    streams(&mut app, first.read, &["job/algo-1-1"]);
    answer(&mut app, first.read, &["one", "two"], 0);
    let follow = match app.update(Action::User(U::ToggleFollow)).as_slice() {
        [Command::ReadLogs(read)] => read.clone(),
        other => panic!("{other:?}"),
    };
    assert!(follow.follow);
    assert_eq!(follow.stream.as_deref(), Some("job/algo-1-1"));
    assert_eq!(
        follow.cursor,
        Some(Cursor::Stream {
            stream: "s".into(),
            start_ms: None,
            token: Some("f/2".into())
        }),
        "from where the last read stopped"
    );
    answer(&mut app, follow.read, &["three"], 2);
    answer(&mut app, follow.read, &["four"], 3);
    // Off: the read stops; a poll already on its way is dropped, and following again goes
    // on from the last cursor the view kept.
    assert_eq!(
        app.update(Action::User(U::ToggleFollow)),
        vec![Command::StopLogs]
    );
    answer(&mut app, follow.read, &["five"], 4);
    assert_eq!(messages(&app), ["one", "two", "three", "four"]);
    let again = match app.update(Action::User(U::ToggleFollow)).as_slice() {
        [Command::ReadLogs(read)] => read.clone(),
        other => panic!("{other:?}"),
    };
    assert_eq!(
        again.cursor.as_ref().and_then(|c| match c {
            Cursor::Stream { token, .. } => token.clone(),
            Cursor::Merged { .. } => None,
        }),
        Some("f/4".to_string())
    );
}

fn loaded(lines: &[&str]) -> App {
    let mut app = app(Mode::Demo);
    let read = open_training_logs(&mut app);
    streams(&mut app, read.read, &["job/algo-1-1"]);
    answer(&mut app, read.read, lines, 0);
    app
}

#[test]
fn search_finds_matches_and_n_and_shift_n_walk_them_wrapping() {
    let lines = [
        "start", "loss 1.0", "LOSS 0.9", "eval", "loss 0.8", "done", "a", "b", "c", "d", "e", "f",
        "g", "h", "i", "j",
    ];
    let mut app = loaded(&lines);
    let _ = app.update(Action::User(U::Top));
    let _ = app.update(Action::User(U::StartFilter));
    assert_eq!(
        app.input.as_ref().map(|i| i.kind),
        Some(InputKind::Search),
        "`/` searches in the log view"
    );
    for c in "loss".chars() {
        let _ = app.update(Action::InsertChar(c));
    }
    let _ = app.update(Action::User(U::InputSubmit));
    assert_eq!(view(&app).hit, Some(1));
    assert_eq!(view(&app).top, 1, "the match is scrolled to");
    let _ = app.update(Action::User(U::NextMatch));
    assert_eq!(view(&app).hit, Some(2), "case-insensitive");
    let _ = app.update(Action::User(U::NextMatch));
    assert_eq!(view(&app).hit, Some(4));
    let _ = app.update(Action::User(U::NextMatch));
    assert_eq!(view(&app).hit, Some(1), "wraps around");
    let _ = app.update(Action::User(U::PrevMatch));
    assert_eq!(view(&app).hit, Some(4), "N goes back, wrapping");
    assert!(view(&app).is_match(2) && !view(&app).is_match(3));
}

#[test]
fn e_jumps_to_the_first_error_line() {
    let mut app = loaded(&[
        "epoch 1",
        "epoch 2",
        "Traceback (most recent call last):",
        "  File \"train.py\"",
        "RuntimeError: boom",
    ]);
    let _ = app.update(Action::User(U::Top));
    let _ = app.update(Action::User(U::JumpToError));
    assert_eq!(view(&app).hit, Some(2));

    let mut quiet = loaded(&["all good"]);
    let _ = quiet.update(Action::User(U::JumpToError));
    assert_eq!(view(&quiet).hit, None);
    assert!(quiet.notice.is_some(), "says there is none");
}

#[test]
fn wrap_counts_rows_and_the_end_stays_in_view() {
    // 60 wide: 58 cells of text a row; 15 high: 10 rows.
    let long = "x".repeat(58 * 3);
    let mut lines: Vec<&str> = vec!["short"; 9];
    lines.push(&long);
    let mut app = loaded(&lines);
    let v = view(&app);
    assert_eq!(v.area, (58, 10));
    assert_eq!(v.row_count(&v.lines[9]), 3);
    // The last line (3 rows) and the 7 lines before it fill the 10 rows.
    assert_eq!(v.top, 10 - 1 - 7);
    let _ = app.update(Action::User(U::ToggleWrap));
    assert!(!view(&app).wrap);
    assert_eq!(view(&app).top, 0, "cut: all ten lines fit");
    let _ = app.update(Action::User(U::ToggleWrap));
    assert_eq!(view(&app).top, 2);
    // Scrolled up, new lines do not move the view; at the end again, they do.
    let _ = app.update(Action::User(U::Up));
    assert_eq!(view(&app).top, 1);
    let read = view(&app).read;
    answer(&mut app, read, &["new"], 10);
    assert_eq!(view(&app).top, 1);
    let _ = app.update(Action::User(U::Bottom));
    // "new" (1 row), the long line (3) and six short lines (3 to 8) fill the 10 rows.
    assert_eq!(view(&app).top, 3);
}

#[test]
fn timestamps_toggle_and_text_is_sanitised() {
    let mut app = loaded(&["\x1b[31mred\x1b[0m"]);
    let v = view(&app);
    assert_eq!(v.display(&v.lines[0]), "␛[31mred␛[0m");
    let _ = app.update(Action::User(U::ToggleTimestamps));
    let v = view(&app);
    assert_eq!(
        v.display(&v.lines[0]),
        "2023-11-14 22:13:20.000 ␛[31mred␛[0m"
    );
}

#[test]
fn a_followed_stream_keeps_its_last_lines_and_counts_the_dropped_ones() {
    let mut app = app(Mode::Live);
    let read = open_training_logs(&mut app);
    streams(&mut app, read.read, &["s"]);
    let batch: Vec<String> = (0..20_000).map(|i| format!("line {i}")).collect();
    let batch: Vec<&str> = batch.iter().map(String::as_str).collect();
    for poll in 0..3 {
        answer(&mut app, read.read, &batch, poll * batch.len());
    }
    // 60,000 read, 50,000 kept: the oldest 10,000 went.
    assert_eq!(view(&app).lines.len(), 50_000);
    assert_eq!(view(&app).dropped, 10_000);
    assert_eq!(view(&app).lines[0].timestamp_ms, 1_700_000_000_000 + 10_000);
    assert_eq!(messages(&app).last(), Some(&"line 19999"));
    assert!(view(&app).stick, "the newest line stays in view");
}
