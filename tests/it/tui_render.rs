//! What the terminal UI must never do (send escape sequences from AWS text to the terminal,
//! use colour under NO_COLOR) and what it must say at startup (offline without a snapshot).

use crate::support;

use std::path::Path;

use chrono::Duration;
use ratatui::style::Color;
use sagescope::action::{Action, Command, UserAction};
use sagescope::app::{App, Mode};
use sagescope::model::{FetchError, JobStatus, SpendRow};
use sagescope::source::RefreshOutcome;
use support::tui::{anchor, demo_app, press, screen, text, utc};

const HOSTILE: &str = "\x1b]0;x\x07\x1b[2J";

/// Every cell's text, with its position, for the assertion message.
fn control_characters(terminal: &ratatui::Terminal<ratatui::backend::TestBackend>) -> Vec<String> {
    let buffer = terminal.backend().buffer();
    buffer
        .content()
        .iter()
        .enumerate()
        .filter(|(_, cell)| cell.symbol().chars().any(|c| c.is_control()))
        .map(|(i, cell)| format!("{:?} at {:?}", cell.symbol(), buffer.pos_of(i)))
        .collect()
}

/// The demo world with hostile text in every place outside text reaches the screen.
fn hostile_app() -> App {
    let mut world = sagescope::demo::world(anchor());
    let job = world
        .jobs
        .rows
        .iter_mut()
        .max_by_key(|j| j.created_at)
        .expect("the demo has jobs");
    job.created_at = anchor();
    job.name = format!("evil{HOSTILE}name");
    job.status = JobStatus::new("Failed");
    job.failure_reason = Some(format!("AlgorithmError: {HOSTILE} then\nmore"));
    job.instance_type = Some(format!("ml.{HOSTILE}").into());
    job.tags
        .insert(format!("key{HOSTILE}"), format!("value{HOSTILE}"));
    world.jobs.errors.push(FetchError {
        account: format!("acct{HOSTILE}"),
        region: Some("us-east-1".into()),
        message: format!("AccessDenied {HOSTILE}"),
        ..Default::default()
    });
    let day = world
        .spend
        .rows
        .iter()
        .map(|r| r.start)
        .max()
        .expect("the demo has spend");
    world.spend.rows.push(SpendRow {
        start: day,
        end: day + Duration::days(1),
        group_key: "cost-center".into(),
        group_value: format!("cc{HOSTILE}"),
        amount: 1e6,
        unit: "USD".into(),
        estimated: false,
    });
    let finding = &mut world.findings.rows[0];
    finding.name = format!("finding{HOSTILE}");
    // More problems than any demo finding, so it sorts first.
    finding.missing = ["owner", "project", "cost-center", "team"]
        .iter()
        .map(|key| format!("{key}{HOSTILE}"))
        .collect();
    let mut app = demo_app(120, 40);
    let _ = app.update(Action::RefreshDone(RefreshOutcome::from_snapshot(world)));
    let _ = app.update(Action::RefreshDone(RefreshOutcome::failed(format!(
        "refresh failed: {HOSTILE}"
    ))));
    app
}

#[test]
fn hostile_text_reaches_no_screen_as_escape_or_bell() {
    let screens: &[&[UserAction]] = &[
        &[],
        &[UserAction::OpenDetail],
        &[UserAction::ShowSpend],
        // The cursor stayed on its tag value through the refresh; the hostile one is on top.
        &[
            UserAction::ShowSpend,
            UserAction::Top,
            UserAction::OpenDetail,
        ],
        &[UserAction::ShowUntagged],
        &[
            UserAction::ShowUntagged,
            UserAction::Top,
            UserAction::OpenDetail,
        ],
        &[UserAction::ErrorHistory],
    ];
    for keys in screens {
        for (width, height) in [(120, 40), (80, 24)] {
            let mut app = hostile_app();
            let _ = app.update(Action::Resize { width, height });
            press(&mut app, keys);
            let terminal = screen(&app, width, height);
            let found = control_characters(&terminal);
            assert!(found.is_empty(), "{keys:?} {width}x{height}: {found:?}");
            let shown = text(&terminal);
            assert!(!shown.contains('\x1b') && !shown.contains('\x07'));
            assert!(
                shown.contains('␛'),
                "{keys:?} {width}x{height}: the hostile text is shown escaped, not hidden:\n{shown}"
            );
        }
    }
}

#[test]
fn the_failure_reason_is_shown_whole_with_its_escapes_visible() {
    let mut app = hostile_app();
    press(&mut app, &[UserAction::OpenDetail]);
    let shown = text(&screen(&app, 120, 40));
    assert!(shown.contains("AlgorithmError: ␛]0;x␇␛[2J then"), "{shown}");
    assert!(
        shown.contains("more"),
        "newlines in the reason start new lines"
    );
}

fn colours(app: &App, width: u16, height: u16) -> Vec<(Color, Color)> {
    screen(app, width, height)
        .backend()
        .buffer()
        .content()
        .iter()
        .map(|cell| (cell.fg, cell.bg))
        .filter(|colours| *colours != (Color::Reset, Color::Reset))
        .collect()
}

#[test]
fn no_color_draws_every_screen_without_colour() {
    let screens: &[&[UserAction]] = &[
        &[],
        &[UserAction::OpenDetail],
        &[UserAction::ShowSpend],
        &[UserAction::ShowUntagged],
        &[UserAction::Help],
        &[UserAction::StartFilter],
    ];
    for keys in screens {
        let mut coloured = demo_app(120, 40);
        press(&mut coloured, keys);
        assert!(
            !colours(&coloured, 120, 40).is_empty(),
            "the dark theme does use colour on {keys:?}"
        );
        let mut mono = demo_app(120, 40);
        mono.theme = sagescope::ui::theme::effective(mono.theme, true);
        press(&mut mono, keys);
        assert_eq!(colours(&mono, 120, 40), Vec::new(), "{keys:?}");
    }
}

#[test]
fn stale_data_is_marked_in_the_status_bar() {
    let mut app = demo_app(120, 40);
    let _ = app.update(Action::Tick(anchor() + Duration::minutes(42)));
    let shown = text(&screen(&app, 120, 40));
    assert!(shown.contains("as of 14:02, 42 min ago (stale)"), "{shown}");
}

#[test]
fn narrow_terminals_keep_the_name_and_status_columns() {
    let app = demo_app(60, 20);
    let shown = text(&screen(&app, 60, 20));
    let header = shown.lines().nth(2).expect("a header row");
    assert!(
        header.contains("name") && header.contains("status"),
        "{header}"
    );
    assert!(
        !header.contains("region"),
        "region is the first to go: {header}"
    );
}

fn loaded_with_cache(path: &Path) -> sagescope::config::LoadedConfig {
    let text = format!("[cache]\npath = {:?}\n", path.display().to_string());
    sagescope::config::parse(&text, Path::new("test.toml")).expect("valid config")
}

#[test]
fn offline_without_a_snapshot_says_so_on_screen() {
    let dir = tempfile::tempdir().expect("temp dir");
    let loaded = loaded_with_cache(&dir.path().join("cache.db"));
    let (app, source, _) = sagescope::tui::initial_state(
        &loaded,
        Mode::Offline,
        anchor(),
        utc(),
        false,
        sagescope::aws::job_fetcher,
    );
    assert!(source.is_none(), "offline never refreshes");
    for pane in [
        UserAction::ShowJobs,
        UserAction::ShowSpend,
        UserAction::ShowUntagged,
    ] {
        let mut app = app.clone();
        press(&mut app, &[pane]);
        let shown = text(&screen(&app, 120, 40));
        assert!(
            shown.contains("No cached snapshot yet"),
            "{pane:?}:\n{shown}"
        );
        assert!(shown.contains("sagescope refresh"), "{shown}");
        assert!(shown.contains(" cache "), "the source is named: {shown}");
    }
}

#[test]
fn offline_shows_the_cached_snapshot_with_its_age() {
    let dir = tempfile::tempdir().expect("temp dir");
    let path = dir.path().join("cache.db");
    let mut cache = sagescope::cache::Cache::open(&path).expect("opens").cache;
    support::tui::seed_cache(&mut cache, &sagescope::demo::world(anchor()));
    let loaded = loaded_with_cache(&path);
    let now = anchor() + Duration::hours(2);
    let (mut app, _, _) = sagescope::tui::initial_state(
        &loaded,
        Mode::Offline,
        now,
        utc(),
        false,
        sagescope::aws::job_fetcher,
    );
    let _ = app.update(Action::Tick(now));
    let shown = text(&screen(&app, 120, 40));
    assert!(shown.contains("Jobs 270"), "{shown}");
    assert!(
        shown.contains(" cache  as of 14:02, 2 h ago (stale)"),
        "{shown}"
    );
    press(&mut app, &[UserAction::Refresh]);
    let shown = text(&screen(&app, 120, 40));
    assert!(shown.contains("offline: refreshing is off"), "{shown}");
}

#[test]
fn keys_typed_into_the_filter_are_text_not_commands() {
    use crossterm::event::{Event, KeyCode, KeyEvent, KeyModifiers};
    let mut app = demo_app(120, 40);
    let key = |c| Event::Key(KeyEvent::new(KeyCode::Char(c), KeyModifiers::NONE));
    let mut commands = Vec::new();
    for event in [key('/'), key('q'), key('g')] {
        let action = sagescope::tui::to_action(&app, &event).expect("bound or text");
        commands.extend(app.update(action));
    }
    assert!(!commands.contains(&Command::Quit), "{commands:?}");
    assert_eq!(app.filter_text(), "qg");
}

#[test]
fn the_ui_refuses_to_start_without_a_terminal() {
    let home = tempfile::tempdir().expect("temp dir");
    let output = assert_cmd::Command::cargo_bin("sagescope")
        .expect("binary built")
        .arg("--demo")
        .env("XDG_CONFIG_HOME", home.path().join("config"))
        .env("XDG_CACHE_HOME", home.path().join("cache"))
        .env("XDG_STATE_HOME", home.path().join("state"))
        .env_remove("SAGESCOPE_CONFIG")
        .output()
        .expect("runs");
    assert_eq!(output.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(stderr.contains("needs a terminal"), "{stderr}");
}

#[test]
fn a_running_refresh_says_what_is_still_coming_and_stale_rows_say_how_old() {
    let mut app = support::tui::demo_app(120, 40);
    support::tui::press(&mut app, &[UserAction::Refresh]);
    let _ = app.update(Action::RefreshProgress(
        sagescope::source::RefreshProgress {
            done: 0,
            total: 0,
            label: "listing 14/36 · details 120/410 · tags 3/6".into(),
            tags: (3, 6),
        },
    ));
    let screen = support::tui::text(&support::tui::screen(&app, 120, 40));
    assert!(
        screen.contains("listing 14/36 · details 120/410 · tags 3/6"),
        "{screen}"
    );

    // The refresh ends, but one scope could not be listed: its rows stay, marked with the
    // age of their last listing, and the title counts them.
    let victim = app.jobs.list.rows()[0].clone();
    let mut fresh = sagescope::demo::world(anchor());
    fresh.jobs.as_of = anchor() + Duration::minutes(25);
    fresh.jobs.errors.push(sagescope::model::FetchError {
        account: victim.account_name.to_string(),
        region: Some(victim.region.to_string()),
        kind: Some(victim.kind),
        stale: true,
        message: "throttled by SageMaker on ListTrainingJobs".into(),
    });
    let _ = app.update(Action::Tick(anchor() + Duration::minutes(25)));
    let _ = app.update(Action::RefreshDone(
        sagescope::source::RefreshOutcome::from_snapshot(fresh),
    ));
    let screen = support::tui::text(&support::tui::screen(&app, 120, 40));
    assert!(screen.contains("STALE"), "{screen}");
    assert!(
        screen.contains(&format!(
            "{} stale, listed 25m ago (E: why)",
            app.jobs.stale_rows
        )),
        "{screen}"
    );
    assert!(app.jobs.stale_rows > 0);
}

/// The log view of the first row: loading until its read answers, then the lines (hostile
/// ones shown, not sent), or the failure naming the missing permission.
#[test]
fn the_log_view_shows_loading_lines_without_escapes_and_access_denied() {
    let mut app = demo_app(100, 20);
    let commands = app.update(Action::User(UserAction::OpenLogs));
    let [Command::ReadLogs(request)] = commands.as_slice() else {
        panic!("`l` reads logs: {commands:?}");
    };
    let read = request.read;
    assert!(text(&screen(&app, 100, 20)).contains("loading…"));

    let _ = app.update(Action::LogStreams {
        read,
        streams: Ok(vec![sagescope::logs::LogStream {
            name: "x/algo-1-1".into(),
            last_event_ms: Some(1),
        }]),
    });
    let _ = app.update(Action::LogLines {
        read,
        lines: Ok(sagescope::logs::Batch {
            events: vec![sagescope::logs::LogEvent {
                timestamp_ms: 1,
                stream: "x/algo-1-1".into(),
                message: format!("before {HOSTILE} after"),
                id: None,
            }],
            cursor: sagescope::logs::Cursor::new(&["x/algo-1-1".to_string()], None),
            requests: 1,
        }),
    });
    let shown = screen(&app, 100, 20);
    assert_eq!(control_characters(&shown), Vec::<String>::new());
    assert!(
        text(&shown).contains("before ␛]0;x␇␛[2J after"),
        "{}",
        text(&shown)
    );

    let _ = app.update(Action::LogLines {
        read,
        lines: Err(
            "access denied to logs:GetLogEvents (User is not authorized); grant it as in \
             assets/iam-policy.json"
                .into(),
        ),
    });
    let shown = text(&screen(&app, 100, 20));
    assert!(
        shown.contains("access denied to logs:GetLogEvents"),
        "{shown}"
    );
    assert!(shown.contains("before ␛]0;x␇␛[2J after"), "the lines stay");
}

#[test]
fn the_untagged_detail_names_the_organization_policy_behind_a_problem() {
    use sagescope::model::{InvalidValue, Miscased, RuleSource};
    let mut world = sagescope::demo::world(anchor());
    // Whichever finding the pane lists first, it breaks one rule of each source.
    for finding in &mut world.findings.rows {
        finding.missing.clear();
        finding.miscased = vec![Miscased {
            expected: "CostCenter".into(),
            found: "costcenter".into(),
            source: RuleSource::Organization,
        }];
        finding.invalid = vec![InvalidValue {
            key: "environment".into(),
            value: "qa".into(),
            allowed: vec!["dev".into()],
            source: RuleSource::Config,
        }];
    }
    let mut app = demo_app(120, 40);
    app.load_snapshot(world);
    press(
        &mut app,
        &[UserAction::ShowUntagged, UserAction::OpenDetail],
    );
    let shown = text(&screen(&app, 120, 40));
    assert!(
        shown.contains("costcenter should be spelled CostCenter (organization tag policy)"),
        "{shown}"
    );
    assert!(
        shown.contains("environment=qa (allowed by the config [tags]: dev)"),
        "{shown}"
    );
}

#[test]
fn start_up_shows_the_cached_head_and_says_the_rest_is_being_read() {
    let dir = tempfile::tempdir().expect("temp dir");
    let path = dir.path().join("cache.db");
    let mut cache = sagescope::cache::Cache::open(&path).expect("opens").cache;
    support::tui::seed_cache(&mut cache, &sagescope::demo::world(anchor()));
    let head = cache
        .load_head()
        .expect("reads")
        .expect("the seed wrote one");
    let newest = head.rows[0].name.clone();
    // An App that has read nothing yet (its own cache is empty), as while the read runs.
    let nothing_yet = loaded_with_cache(&dir.path().join("empty.db"));
    let (mut app, _, _) = sagescope::tui::initial_state(
        &nothing_yet,
        Mode::Offline,
        anchor(),
        utc(),
        false,
        sagescope::aws::job_fetcher,
    );
    let _ = app.update(Action::CacheHead(Box::new(head)));
    let shown = text(&screen(&app, 120, 40));
    // The demo world holds 270 resources; the head, the newest 200 of them.
    assert!(
        shown.contains("Jobs: the newest 200 of 270 cached · reading the rest…"),
        "{shown}"
    );
    assert!(
        shown.contains(&newest),
        "the newest row is on screen: {shown}"
    );
}

#[test]
fn the_job_detail_ranks_resource_level_cost_first_and_says_which_days_it_covers() {
    use sagescope::cost::Measured;
    use sagescope::model::CostSource;
    let mut app = demo_app(120, 40);
    let job = app.jobs.list.selected().expect("a row").clone();
    // The window starts the day after the job was created: its first day is not counted.
    let first = job.created_at.date_naive() + Duration::days(1);
    let mut measured = Measured::new();
    // Billing's resource id need not match SageMaker's ARN letter for letter.
    measured.add(&job.arn.to_uppercase(), CostSource::CeResource, 12.34);
    measured.set_window(CostSource::CeResource, first, first + Duration::days(13));
    let _ = app.update(Action::RefreshDone(RefreshOutcome {
        measured: Some(measured),
        ..RefreshOutcome::default()
    }));
    press(&mut app, &[UserAction::OpenDetail]);
    let shown = text(&screen(&app, 120, 40));
    let line = shown
        .lines()
        .find(|l| l.contains("ce-resource"))
        .unwrap_or_else(|| panic!("no ce-resource line:\n{shown}"));
    assert!(line.contains("$12.34"), "{line}");
    assert!(
        line.contains(&format!("last 14 days only ({first}")),
        "the window is named: {line}"
    );
    let at = |needle: &str| shown.find(needle);
    if let Some(estimate) = at("estimate  ").or(at("billable-time")) {
        assert!(
            at("ce-resource").expect("shown") < estimate,
            "best first:\n{shown}"
        );
    }
}
