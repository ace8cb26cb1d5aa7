//! Whole-screen snapshots of the terminal UI on the demo world, at 120×40 and 80×24.
//!
//! The demo world is anchored at a fixed time and "now" is fixed three minutes later, so the
//! screens are the same on every run. Review changes with `INSTA_UPDATE=always cargo test
//! --test it tui_snapshots` and read the `.snap` diffs (`tests/it/snapshots/`) before
//! committing them.

use crate::support;

use sagescope::action::{Action, UserAction};
use support::tui::{demo_app, demo_spend, press, press_settled, screen};

/// Both sizes after `keys`, spend loads answered by the demo's Cost Explorer as in the app.
fn snapshot(name: &str, keys: &[UserAction]) {
    for (width, height) in [(120, 40), (80, 24)] {
        let mut app = demo_app(width, height);
        press_settled(&mut app, &demo_spend(), keys);
        insta::assert_snapshot!(
            format!("{name}_{width}x{height}"),
            screen(&app, width, height).backend()
        );
    }
}

#[test]
fn jobs_pane() {
    snapshot("jobs", &[]);
}

#[test]
fn jobs_pane_studio_apps() {
    // `t` seven times: training, processing, transform, tuning, endpoint, notebook, app.
    snapshot("jobs_apps", &[UserAction::CycleKind; 7]);
}

#[test]
fn spend_pane() {
    snapshot("spend", &[UserAction::ShowSpend]);
}

#[test]
fn spend_pane_grouped_by_project() {
    snapshot(
        "spend_by_project",
        &[UserAction::ShowSpend, UserAction::NextGroupKey],
    );
}

#[test]
fn untagged_pane() {
    snapshot("untagged", &[UserAction::ShowUntagged]);
}

#[test]
fn untagged_pane_grouped_by_creator() {
    // `c`: the person to ask, each with their offenders, the most money first.
    snapshot(
        "untagged_by_creator",
        &[UserAction::ShowUntagged, UserAction::GroupByCreator],
    );
}

#[test]
fn a_wide_jobs_pane_has_room_for_who_created_each_row() {
    // `created by` is the first column to go: only a wide terminal shows it in the Jobs pane.
    let (width, height) = (190, 30);
    let app = demo_app(width, height);
    insta::assert_snapshot!("jobs_wide_190x30", screen(&app, width, height).backend());
}

#[test]
fn job_detail_with_failure_reason() {
    // Sorting by status puts a failed job first.
    snapshot(
        "detail_failed_job",
        &[UserAction::SortNext, UserAction::OpenDetail],
    );
}

#[test]
fn untagged_detail() {
    snapshot(
        "detail_untagged",
        &[
            UserAction::ShowUntagged,
            UserAction::Down,
            UserAction::OpenDetail,
        ],
    );
}

#[test]
fn spend_detail() {
    snapshot(
        "detail_spend",
        &[UserAction::ShowSpend, UserAction::OpenDetail],
    );
}

#[test]
fn help_screen() {
    snapshot("help", &[UserAction::Help]);
}

#[test]
fn filter_being_typed() {
    for (width, height) in [(120, 40), (80, 24)] {
        let mut app = demo_app(width, height);
        press_settled(&mut app, &demo_spend(), &[UserAction::StartFilter]);
        for c in "llm".chars() {
            let _ = app.update(Action::InsertChar(c));
        }
        insta::assert_snapshot!(
            format!("jobs_filtering_{width}x{height}"),
            screen(&app, width, height).backend()
        );
    }
}

#[test]
fn spend_drill_down_of_a_value() {
    snapshot(
        "spend_drill_down",
        &[
            UserAction::ShowSpend,
            UserAction::Down,
            UserAction::OpenDetail,
        ],
    );
}

#[test]
fn spend_drill_down_scrolled_to_its_top_resources() {
    // j twelve times: past the breakdowns to the resources carrying the value.
    let mut keys = vec![
        UserAction::ShowSpend,
        UserAction::Down,
        UserAction::OpenDetail,
    ];
    keys.extend([UserAction::Down; 12]);
    snapshot("spend_drill_down_top_resources", &keys);
}

#[test]
fn untagged_pane_missing_only() {
    snapshot(
        "untagged_missing_only",
        &[UserAction::ShowUntagged, UserAction::ToggleMissingOnly],
    );
}

#[test]
fn spend_drill_down_of_the_untagged_share() {
    // Sorted by total, cost-center's untagged share is the third line.
    snapshot(
        "spend_drill_down_untagged",
        &[
            UserAction::ShowSpend,
            UserAction::Down,
            UserAction::Down,
            UserAction::OpenDetail,
        ],
    );
}

#[test]
fn spend_last_month_all_services() {
    snapshot(
        "spend_last_month_all_services",
        &[
            UserAction::ShowSpend,
            UserAction::NextRange,
            UserAction::NextRange,
            UserAction::NextRange,
            UserAction::ToggleAllServices,
        ],
    );
}

#[test]
fn spend_forced_refresh_asks_first() {
    snapshot(
        "spend_confirm",
        &[UserAction::ShowSpend, UserAction::Refresh],
    );
}

#[test]
fn untagged_detail_of_a_studio_resource_names_whom_to_ask() {
    for (width, height) in [(120, 40), (80, 24)] {
        let mut app = demo_app(width, height);
        press(
            &mut app,
            &[UserAction::ShowUntagged, UserAction::StartFilter],
        );
        // The first finding (in data order) that Studio tagged with its user profile.
        let name = app
            .findings
            .list
            .rows()
            .iter()
            .find(|f| f.studio_user_profile_arn().is_some() && !f.missing.is_empty())
            .map(|f| f.name.clone())
            .expect("the demo has Studio resources with findings");
        for c in name.chars() {
            let _ = app.update(Action::InsertChar(c));
        }
        press(&mut app, &[UserAction::InputSubmit, UserAction::OpenDetail]);
        insta::assert_snapshot!(
            format!("detail_untagged_studio_{width}x{height}"),
            screen(&app, width, height).backend()
        );
    }
}

#[test]
fn jobs_pane_flagged_only() {
    snapshot("jobs_flagged", &[UserAction::ToggleFlagged]);
}

/// Scrolls the detail to its burn, flags and sparklines where the screen is too short to
/// show them below the resource's fields (80×24); a no-op where everything fits (120×40).
const SCROLL_TO_HEALTH: [UserAction; 12] = [UserAction::Down; 12];

#[test]
fn detail_of_an_underutilised_training_job_with_sparklines() {
    // Flagged training jobs only; the first one barely uses its CPUs.
    let mut keys = vec![
        UserAction::ToggleFlagged,
        UserAction::CycleKind,
        UserAction::OpenDetail,
    ];
    keys.extend(SCROLL_TO_HEALTH);
    snapshot("detail_training_health", &keys);
}

#[test]
fn detail_of_an_idle_endpoint_with_sparklines() {
    // Flagged endpoints only (`t` cycles to endpoints on its fifth press).
    let mut keys = vec![UserAction::ToggleFlagged];
    keys.extend([UserAction::CycleKind; 5]);
    keys.push(UserAction::OpenDetail);
    keys.extend(SCROLL_TO_HEALTH);
    snapshot("detail_endpoint_health", &keys);
}

#[test]
fn detail_of_a_gpu_training_job_with_gpu_sparklines() {
    // Flagged training jobs, the second: a GPU job running past health.max_hours.
    let mut keys = vec![
        UserAction::ToggleFlagged,
        UserAction::CycleKind,
        UserAction::Down,
        UserAction::OpenDetail,
    ];
    keys.extend(SCROLL_TO_HEALTH);
    snapshot("detail_gpu_training_health", &keys);
}

#[test]
fn logs_of_a_failed_training_job_end_with_its_traceback() {
    for (width, height) in [(120, 40), (80, 24)] {
        let mut app = demo_app(width, height);
        // The demo's out-of-memory failure, found by name.
        let name = app
            .jobs
            .list
            .rows()
            .iter()
            .find(|j| {
                j.kind == sagescope::model::ResourceKind::Training
                    && j.failure_reason
                        .as_deref()
                        .is_some_and(|r| r.contains("CUDA out of memory"))
            })
            .map(|j| j.name.clone())
            .expect("the demo has an out-of-memory failure");
        press(&mut app, &[UserAction::StartFilter]);
        for c in name.chars() {
            let _ = app.update(Action::InsertChar(c));
        }
        press(&mut app, &[UserAction::InputSubmit]);
        let commands = app.update(Action::User(UserAction::OpenLogs));
        support::tui::settle_logs(&mut app, commands);
        let shown = support::tui::text(&screen(&app, width, height));
        assert!(
            shown.contains("torch.OutOfMemoryError: CUDA out of memory"),
            "{shown}"
        );
        insta::assert_snapshot!(
            format!("logs_failed_training_{width}x{height}"),
            screen(&app, width, height).backend()
        );
    }
}

/// `:events` as typed on the command line.
fn open_events(app: &mut sagescope::app::App) {
    let _ = app.update(Action::User(UserAction::StartCommand));
    for c in "events".chars() {
        let _ = app.update(Action::InsertChar(c));
    }
    let _ = app.update(Action::User(UserAction::InputSubmit));
}

#[test]
fn events_pane_shows_the_timeline_newest_first() {
    for (width, height) in [(120, 40), (80, 24)] {
        let mut app = demo_app(width, height);
        app.load_timeline(sagescope::demo::timeline(
            &sagescope::demo::world(support::tui::anchor()),
            support::tui::anchor(),
        ));
        open_events(&mut app);
        assert_eq!(app.pane, sagescope::app::Pane::Events);
        insta::assert_snapshot!(
            format!("events_{width}x{height}"),
            screen(&app, width, height).backend()
        );
    }
}

#[test]
fn events_pane_filtered_to_failures() {
    for (width, height) in [(120, 40), (80, 24)] {
        let mut app = demo_app(width, height);
        app.load_timeline(sagescope::demo::timeline(
            &sagescope::demo::world(support::tui::anchor()),
            support::tui::anchor(),
        ));
        open_events(&mut app);
        press(&mut app, &[UserAction::StartFilter]);
        for c in "failed".chars() {
            let _ = app.update(Action::InsertChar(c));
        }
        press(&mut app, &[UserAction::InputSubmit]);
        let total = app.events.list.rows().len();
        let shown = app.events.list.visible_len();
        assert!(shown > 0 && shown < total, "{shown} of {total}");
        let first = app.events.list.selected().expect("a row");
        assert!(
            first.event.event.as_str().contains("failed")
                || first.event.status.as_deref() == Some("Failed"),
            "{:?}",
            first.event
        );
        insta::assert_snapshot!(
            format!("events_failed_{width}x{height}"),
            screen(&app, width, height).backend()
        );
    }
}

#[test]
fn an_alert_toasts_over_the_jobs_pane_and_goes_away() {
    for (width, height) in [(120, 40), (80, 24)] {
        let mut app = demo_app(width, height);
        let world = sagescope::demo::world(support::tui::anchor());
        let now = app.now;
        let mut failed = sagescope::demo::timeline(&world, now)
            .into_iter()
            .find(|e| e.event == sagescope::model::EventKind::JobFailed)
            .expect("the demo has a failed job");
        failed.at = now;
        // AWS text with an escape sequence in it: shown, never sent.
        failed.detail = Some("AlgorithmError: \u{1b}]0;pwned\u{7} CUDA out of memory".into());
        let outcome = sagescope::source::RefreshOutcome {
            events: vec![failed.clone()],
            ..Default::default()
        };
        let commands = app.update(Action::RefreshDone(outcome));
        assert_eq!(
            commands,
            vec![sagescope::action::Command::Alert(vec![failed])],
            "the event loop is asked to ring, notify and run the command"
        );
        let shown = screen(&app, width, height);
        assert!(!support::tui::text(&shown).contains('\u{1b}'));
        insta::assert_snapshot!(format!("toast_{width}x{height}"), shown.backend());
        let _ = app.update(Action::Tick(
            now + chrono::Duration::seconds(sagescope::app::TOAST_SECONDS + 1),
        ));
        assert!(app.events.toasts.is_empty(), "toasts expire by themselves");
    }
}

/// `M` on the Jobs pane: alice's jobs only, the title says whose, and the status bar her
/// month (the mine spend load runs from any pane).
#[test]
fn jobs_pane_mine() {
    snapshot("mine_jobs", &[UserAction::ToggleMine]);
}

/// `M` on the Spend pane: Cost Explorer filtered to alice, grouped by project.
#[test]
fn spend_pane_mine() {
    snapshot(
        "mine_spend",
        &[UserAction::ShowSpend, UserAction::ToggleMine],
    );
}

/// `M` on the Untagged pane: alice's offenders only (hers by tag, or started by her Studio
/// profile).
#[test]
fn untagged_pane_mine() {
    snapshot(
        "mine_untagged",
        &[UserAction::ShowUntagged, UserAction::ToggleMine],
    );
}

#[test]
fn jobs_pane_inference_components() {
    // `t` eight times: past apps to inference components (each on its endpoint, ×copies).
    snapshot("jobs_inference_components", &[UserAction::CycleKind; 8]);
}

#[test]
fn jobs_pane_hyperpod_clusters() {
    // `t` nine times: HyperPod clusters, nodes per instance type and `$/h` for every node.
    snapshot("jobs_hyperpod_clusters", &[UserAction::CycleKind; 9]);
}

#[test]
fn detail_of_a_hyperpod_cluster_with_a_failed_node() {
    // Flagged clusters only: the demo's pre-training cluster has a failed GPU node.
    let mut keys = vec![UserAction::ToggleFlagged];
    keys.extend([UserAction::CycleKind; 9]);
    keys.push(UserAction::OpenDetail);
    snapshot("detail_hyperpod_cluster", &keys);
}

#[test]
fn detail_of_an_inference_component() {
    // Components, sorted by status: the failed one first, with its reason.
    let mut keys = vec![UserAction::CycleKind; 8];
    keys.extend([UserAction::SortNext, UserAction::OpenDetail]);
    snapshot("detail_inference_component", &keys);
}

#[test]
fn detail_of_an_endpoint_lists_its_inference_components() {
    for (width, height) in [(120, 40), (80, 24)] {
        let mut app = demo_app(width, height);
        press_settled(&mut app, &demo_spend(), &[UserAction::StartFilter]);
        for c in "llm-serving-shared".chars() {
            let _ = app.update(Action::InsertChar(c));
        }
        press(&mut app, &[UserAction::InputSubmit]);
        // Endpoints only: the components named after it are filtered out of the table.
        press(&mut app, &[UserAction::CycleKind; 5]);
        press(&mut app, &[UserAction::OpenDetail]);
        insta::assert_snapshot!(
            format!("detail_endpoint_components_{width}x{height}"),
            screen(&app, width, height).backend()
        );
    }
}

/// Both sizes of `:accounts` open (cursor one down) after `setup`.
fn picker_snapshot(name: &str, setup: fn(&mut sagescope::app::App)) {
    for (width, height) in [(120, 40), (80, 24)] {
        let mut app = demo_app(width, height);
        setup(&mut app);
        press_settled(&mut app, &demo_spend(), &[UserAction::StartCommand]);
        for c in "accounts".chars() {
            let _ = app.update(Action::InsertChar(c));
        }
        press(&mut app, &[UserAction::InputSubmit, UserAction::Down]);
        insta::assert_snapshot!(
            format!("{name}_{width}x{height}"),
            screen(&app, width, height).backend()
        );
    }
}

#[test]
fn account_picker() {
    picker_snapshot("account_picker", |_| {});
}

/// The demo accounts placed by discovery as `Root / ml` (ml-prod), `Root / ml / vision`
/// (ml-dev) and `Root / research`: what `:accounts` shows of a nested organization.
fn place_in_nested_ous(app: &mut sagescope::app::App) {
    use sagescope::org::{OrgUnit, Placement, UnitPath};
    let unit = |id: &str, name: &str| OrgUnit {
        id: id.into(),
        name: name.into(),
    };
    // The path below the root through the OUs named.
    let path = |names: &[&str]| {
        let below = names.iter().map(|n| unit(&format!("ou-ab12-{n}"), n));
        UnitPath(
            std::iter::once(unit("r-ab12", "Root"))
                .chain(below)
                .collect(),
        )
    };
    let placed = [
        ("ml-dev", "111111111111", path(&["ml", "vision"])),
        ("ml-prod", "222222222222", path(&["ml"])),
        ("research", "333333333333", path(&["research"])),
    ];
    let outcome = sagescope::source::RefreshOutcome {
        units: placed
            .into_iter()
            .map(|(name, id, path)| {
                let id = id.to_string();
                (name.to_string(), Placement { id, path })
            })
            .collect(),
        ..Default::default()
    };
    let _ = app.update(Action::RefreshDone(outcome));
}

/// `:accounts` after discovery placed the accounts in nested OUs: each OU once, by its path,
/// counting its sub-OUs' accounts.
#[test]
fn account_picker_with_nested_ous() {
    picker_snapshot("account_picker_nested_ous", place_in_nested_ous);
}

/// `:accounts` on ml-prod, then the Spend pane: that account's spend (the demo's Cost
/// Explorer bills it 55% of every value), the title naming the choice.
#[test]
fn spend_pane_narrowed_to_one_account() {
    for (width, height) in [(120, 40), (80, 24)] {
        let mut app = demo_app(width, height);
        let spend = demo_spend();
        for action in support::tui::choose_accounts("ml-prod") {
            let commands = app.update(action);
            support::tui::settle(&mut app, &spend, commands);
        }
        press_settled(&mut app, &spend, &[UserAction::ShowSpend]);
        insta::assert_snapshot!(
            format!("spend_narrowed_to_one_account_{width}x{height}"),
            screen(&app, width, height).backend()
        );
    }
}

/// A live App on its first run: no cache yet, the first refresh under way with the jobs of one
/// scope streamed in and the tag pass 3 of 6 account-regions in.
fn first_refresh_app(width: u16, height: u16) -> sagescope::app::App {
    use sagescope::app::{App, AppInit, Mode};
    let config = sagescope::config::Config::default();
    let mut app = App::new(AppInit::from_config(
        &config,
        Mode::Live,
        support::tui::anchor(),
        support::tui::utc(),
    ));
    app.empty_note = Some("No cached snapshot yet. Fetching the first one now…".into());
    let _ = app.update(Action::Resize { width, height });
    let _ = app.update(Action::RefreshDue);
    let world = sagescope::demo::world(support::tui::anchor());
    let first = sagescope::model::ScopeKey::of(&world.jobs.rows[0]);
    let rows: Vec<_> = world
        .jobs
        .rows
        .iter()
        .filter(|job| sagescope::model::ScopeKey::of(job) == first)
        .cloned()
        .collect();
    let _ = app.update(Action::ScopeRows { scope: first, rows });
    let _ = app.update(Action::RefreshProgress(
        sagescope::source::RefreshProgress {
            label: "listing 36/36 · details 410/410 · tags 3/6".into(),
            tags: (3, 6),
            ..Default::default()
        },
    ));
    let _ = app.update(Action::Tick(
        support::tui::anchor() + chrono::Duration::seconds(20),
    ));
    app
}

#[test]
fn untagged_pane_while_the_first_refresh_reads_tags() {
    for (width, height) in [(120, 40), (80, 24)] {
        let mut app = first_refresh_app(width, height);
        press(&mut app, &[UserAction::ShowUntagged]);
        let shown = support::tui::text(&screen(&app, width, height));
        assert!(shown.contains("reading tags 3/6"), "{shown}");
        assert!(
            !shown.contains("Untagged 0"),
            "no count before tags are read: {shown}"
        );
        insta::assert_snapshot!(
            format!("untagged_first_refresh_{width}x{height}"),
            screen(&app, width, height).backend()
        );
    }
}

/// The status bar's row at 80 columns (above the key hints).
fn status_bar_80(app: &sagescope::app::App) -> String {
    let shown = support::tui::text(&screen(app, 80, 24));
    let rows: Vec<&str> = shown.lines().collect();
    rows[rows.len() - 2].trim_end().to_string()
}

#[test]
fn status_bar_at_80_columns_keeps_source_age_progress_and_errors() {
    // Idle, fresh data, the burn on the Jobs pane.
    let idle = demo_app(80, 24);
    insta::assert_snapshot!("status_bar_80_idle", status_bar_80(&idle));

    // A refresh with a long progress line, an error and the Cost Explorer tally.
    let mut busy = demo_app(80, 24);
    let _ = busy.update(Action::SpendLedger(sagescope::spend::Ledger {
        requests: 14,
        usd: 0.14,
    }));
    busy.push_error(
        "ml-prod us-east-1: AccessDenied on ListTrainingJobs (the role lacks sagemaker:List*)",
    );
    press(&mut busy, &[UserAction::Refresh]);
    let _ = busy.update(Action::RefreshProgress(
        sagescope::source::RefreshProgress {
            label: "listing 412/5600 · 3 failed · slowest ml-042 us-west-2 (1/7) · tags 3/6".into(),
            tags: (3, 6),
            ..Default::default()
        },
    ));
    let refreshing = status_bar_80(&busy);
    assert!(refreshing.contains("listing 412/5600"), "{refreshing}");
    assert!(refreshing.contains("✗"), "the error stays: {refreshing}");
    assert!(
        refreshing.contains("live") || refreshing.contains("demo"),
        "{refreshing}"
    );
    insta::assert_snapshot!("status_bar_80_refreshing_with_an_error", refreshing);

    // Stale data, two errors, no refresh.
    let mut stale = demo_app(80, 24);
    stale.push_error("first failure");
    stale.push_error(
        "eu-west-1: throttled by SageMaker on ListProcessingJobs past the refresh's deadline",
    );
    let _ = stale.update(Action::Tick(
        support::tui::anchor() + chrono::Duration::hours(3),
    ));
    let stale_bar = status_bar_80(&stale);
    assert!(stale_bar.contains("stale"), "{stale_bar}");
    insta::assert_snapshot!("status_bar_80_stale_with_errors", stale_bar);

    // The first run: no data yet, a refresh under way.
    let first = first_refresh_app(80, 24);
    insta::assert_snapshot!("status_bar_80_first_refresh", status_bar_80(&first));
}

#[test]
fn status_bar_says_whether_the_stream_is_live_or_down_and_why() {
    let lines = [
        (
            "stream_live",
            "stream: live, last event 3 s ago · reconcile in 12 min",
        ),
        (
            "stream_down",
            "stream: down (access denied to logs:FilterLogEvents), polling · 2 skipped",
        ),
    ];
    for (name, line) in lines {
        for (width, height) in [(120, 40), (80, 24)] {
            let mut app = demo_app(width, height);
            let _ = app.update(Action::Stream(Box::new(sagescope::source::StreamUpdate {
                line: line.into(),
                ..Default::default()
            })));
            insta::assert_snapshot!(
                format!("{name}_{width}x{height}"),
                screen(&app, width, height).backend()
            );
        }
    }
}
