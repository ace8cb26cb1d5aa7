//! Scripted sessions through `App::update`: no terminal, no clock, no network.

use chrono::{DateTime, Duration, FixedOffset, TimeZone, Utc};

use super::*;
use crate::action::{Action, Command, UserAction as U};
use sagescope_core::model::{Job, StatusPhase};
use sagescope_engine::source::RefreshOutcome;

fn anchor() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 11, 20, 14, 2, 0)
        .single()
        .expect("valid time")
}

fn app_with(mode: Mode, refresh_blocked: Option<&str>) -> App {
    let config = sagescope_core::demo::config(&Config::default());
    let utc = FixedOffset::east_opt(0).expect("valid offset");
    let mut init = AppInit::from_config(&config, mode, anchor(), utc);
    init.refresh_blocked = refresh_blocked.map(String::from);
    let mut app = App::new(init);
    app.load_snapshot(sagescope_core::demo::world(anchor()));
    let _ = app.update(Action::Resize {
        width: 120,
        height: 40,
    });
    app
}

fn demo_app() -> App {
    app_with(Mode::Demo, None)
}

fn press(app: &mut App, keys: &[U]) -> Vec<Command> {
    keys.iter()
        .flat_map(|k| app.update(Action::User(*k)))
        .collect()
}

fn type_text(app: &mut App, text: &str) {
    for c in text.chars() {
        let _ = app.update(Action::InsertChar(c));
    }
}

fn selected_arn(app: &App) -> String {
    app.jobs
        .list
        .selected()
        .map(|j| j.arn.clone())
        .expect("a job is selected")
}

fn shown_jobs(app: &App) -> Vec<&Job> {
    app.jobs.list.window(0, usize::MAX).collect()
}

#[test]
fn opens_on_the_jobs_pane_with_every_job_newest_first() {
    let app = demo_app();
    assert_eq!(app.pane, Pane::Jobs);
    let shown = shown_jobs(&app);
    assert_eq!(
        shown.len(),
        sagescope_core::demo::world(anchor()).jobs.rows.len()
    );
    assert!(shown.windows(2).all(|w| w[0].created_at >= w[1].created_at));
}

#[test]
fn navigation_moves_pages_and_stops_at_both_ends() {
    let mut app = demo_app();
    let page = app.page_rows();
    assert_eq!(page, 34, "40 rows minus the chrome");
    press(&mut app, &[U::Down, U::Down, U::Up]);
    assert_eq!(app.jobs.list.selected_index(), 1);
    press(&mut app, &[U::PageDown]);
    assert_eq!(app.jobs.list.selected_index(), 1 + page);
    press(&mut app, &[U::Bottom, U::Down]);
    assert_eq!(
        app.jobs.list.selected_index(),
        app.jobs.list.visible_len() - 1
    );
    press(&mut app, &[U::Top, U::Up, U::PageUp]);
    assert_eq!(app.jobs.list.selected_index(), 0);
}

#[test]
fn filter_narrows_as_you_type_case_insensitively_and_esc_clears_it() {
    let mut app = demo_app();
    let total = app.jobs.list.visible_len();
    press(&mut app, &[U::StartFilter]);
    assert_eq!(app.key_context(), crate::keymap::KeyContext::Input);
    type_text(&mut app, "RECSYS");
    let shown = shown_jobs(&app);
    assert!(!shown.is_empty() && shown.len() < total);
    assert!(shown.iter().all(|j| j.name.contains("recsys")));
    type_text(&mut app, "-train");
    assert!(
        shown_jobs(&app)
            .iter()
            .all(|j| j.name.contains("recsys-train"))
    );
    press(&mut app, &[U::InputSubmit]);
    assert_eq!(
        app.input, None,
        "Enter keeps the filter and leaves the line"
    );
    assert_eq!(app.filter_text(), "RECSYS-train");
    press(&mut app, &[U::Back]);
    assert_eq!(app.filter_text(), "");
    assert_eq!(app.jobs.list.visible_len(), total);
}

#[test]
fn filter_matches_any_visible_column_and_bang_excludes() {
    let mut app = demo_app();
    press(&mut app, &[U::StartFilter]);
    type_text(&mut app, "eu-west-1");
    assert!(shown_jobs(&app).iter().all(|j| j.region == "eu-west-1"));
    press(&mut app, &[U::InputClear]);
    type_text(&mut app, "!completed");
    let shown = shown_jobs(&app);
    assert!(!shown.is_empty());
    assert!(shown.iter().all(|j| j.status.as_str() != "Completed"));
    press(&mut app, &[U::InputCancel]);
    assert_eq!(app.filter_text(), "", "Esc while typing clears the filter");
}

#[test]
fn sort_cycles_columns_and_reverses() {
    let mut app = demo_app();
    press(&mut app, &[U::SortNext]);
    assert_eq!(app.jobs.list.sort_column(), JobColumn::Status);
    let phases: Vec<StatusPhase> = shown_jobs(&app).iter().map(|j| j.status.phase()).collect();
    assert_eq!(phases.first(), Some(&StatusPhase::Failed), "failures first");
    press(&mut app, &[U::SortNext]);
    assert_eq!(app.jobs.list.sort_column(), JobColumn::Name);
    let names: Vec<&str> = shown_jobs(&app).iter().map(|j| j.name.as_str()).collect();
    assert!(names.windows(2).all(|w| w[0] <= w[1]));
    press(&mut app, &[U::SortReverse]);
    let names: Vec<&str> = shown_jobs(&app).iter().map(|j| j.name.as_str()).collect();
    assert!(names.windows(2).all(|w| w[0] >= w[1]));
}

#[test]
fn the_cursor_stays_on_its_job_when_the_sort_changes() {
    let mut app = demo_app();
    press(&mut app, &[U::Down, U::Down, U::Down]);
    let arn = selected_arn(&app);
    press(&mut app, &[U::SortNext, U::SortNext, U::SortReverse]);
    assert_eq!(selected_arn(&app), arn);
}

#[test]
fn panes_switch_with_tab_numbers_and_commands() {
    let mut app = demo_app();
    press(&mut app, &[U::NextPane]);
    assert_eq!(app.pane, Pane::Spend);
    press(&mut app, &[U::NextPane, U::NextPane]);
    assert_eq!(app.pane, Pane::Jobs, "Tab wraps around");
    press(&mut app, &[U::PrevPane]);
    assert_eq!(app.pane, Pane::Untagged);
    press(&mut app, &[U::ShowSpend]);
    assert_eq!(app.pane, Pane::Spend);
    press(&mut app, &[U::ShowJobs]);
    assert_eq!(app.pane, Pane::Jobs);
    press(&mut app, &[U::StartCommand]);
    type_text(&mut app, "untagged");
    press(&mut app, &[U::InputSubmit]);
    assert_eq!(app.pane, Pane::Untagged);
}

#[test]
fn each_pane_keeps_its_own_filter_and_cursor() {
    let mut app = demo_app();
    press(&mut app, &[U::Down, U::Down, U::StartFilter]);
    type_text(&mut app, "train");
    press(&mut app, &[U::InputSubmit, U::ShowUntagged]);
    assert_eq!(app.filter_text(), "");
    press(&mut app, &[U::ShowJobs]);
    assert_eq!(app.filter_text(), "train");
}

#[test]
fn detail_opens_on_enter_and_esc_goes_back() {
    let mut app = demo_app();
    press(&mut app, &[U::OpenDetail]);
    assert_eq!(app.overlay, Some(Overlay::Detail));
    assert_eq!(app.key_context(), crate::keymap::KeyContext::View);
    press(&mut app, &[U::Back]);
    assert_eq!(app.overlay, None);
    press(&mut app, &[U::Help]);
    assert_eq!(app.overlay, Some(Overlay::Help));
    press(&mut app, &[U::Help]);
    assert_eq!(app.overlay, None, "? toggles help");
}

#[test]
fn unknown_commands_say_so_and_q_quits() {
    let mut app = demo_app();
    press(&mut app, &[U::StartCommand]);
    type_text(&mut app, "frobnicate");
    press(&mut app, &[U::InputSubmit]);
    let notice = app.notice.clone().expect("a notice");
    assert!(notice.text.contains("unknown command :frobnicate"));
    let _ = app.update(Action::Tick(anchor() + Duration::seconds(10)));
    assert_eq!(app.notice, None, "notices expire");
    press(&mut app, &[U::StartCommand]);
    type_text(&mut app, "q");
    assert_eq!(press(&mut app, &[U::InputSubmit]), vec![Command::Quit]);
}

#[test]
fn quick_toggles_filter_by_kind_and_activity() {
    let mut app = demo_app();
    press(&mut app, &[U::CycleKind]);
    assert_eq!(
        app.jobs.kind,
        Some(sagescope_core::model::ResourceKind::Training)
    );
    assert!(
        shown_jobs(&app)
            .iter()
            .all(|j| j.kind.as_str() == "training")
    );
    press(&mut app, &[U::ToggleActive]);
    let shown = shown_jobs(&app);
    assert!(!shown.is_empty());
    assert!(
        shown
            .iter()
            .all(|j| j.status.is_active() && j.kind.as_str() == "training")
    );
    for _ in 0..6 {
        press(&mut app, &[U::CycleKind]);
    }
    assert_eq!(
        app.jobs.kind,
        Some(sagescope_core::model::ResourceKind::App)
    );
    press(&mut app, &[U::CycleKind]);
    assert_eq!(
        app.jobs.kind,
        Some(sagescope_core::model::ResourceKind::InferenceComponent)
    );
    press(&mut app, &[U::CycleKind]);
    assert_eq!(
        app.jobs.kind,
        Some(sagescope_core::model::ResourceKind::HyperPodCluster)
    );
    press(&mut app, &[U::CycleKind]);
    assert_eq!(app.jobs.kind, None, "after the ninth kind comes all kinds");
}

#[test]
fn refresh_asks_once_and_merges_keeping_cursor_and_filter() {
    let mut app = demo_app();
    press(&mut app, &[U::StartFilter]);
    type_text(&mut app, "train");
    press(&mut app, &[U::InputSubmit, U::Down, U::Down]);
    let arn = selected_arn(&app);
    assert_eq!(
        press(&mut app, &[U::Refresh]),
        vec![Command::Refresh(RefreshKind::Manual)]
    );
    assert!(app.refreshing.is_some());
    assert!(
        press(&mut app, &[U::Refresh]).is_empty(),
        "no second refresh"
    );

    let mut fresh = sagescope_core::demo::world(anchor());
    let later = anchor() + Duration::minutes(1);
    fresh.jobs.as_of = later;
    fresh.jobs.rows.reverse();
    fresh.jobs.errors.push(sagescope_core::model::FetchError {
        account: "ml-prod".into(),
        region: Some("us-west-2".into()),
        message: "AccessDenied".into(),
        ..Default::default()
    });
    let _ = app.update(Action::RefreshDone(RefreshOutcome {
        jobs: Some(fresh.jobs),
        ..RefreshOutcome::default()
    }));
    assert!(app.refreshing.is_none());
    assert_eq!(selected_arn(&app), arn, "cursor follows the ARN");
    assert_eq!(app.filter_text(), "train");
    assert_eq!(app.jobs.as_of, Some(later));
    assert_eq!(app.spend.as_of, Some(anchor()), "views not returned stay");
    let latest = app.errors.latest().expect("the error is kept");
    assert!(latest.text.contains("ml-prod us-west-2: AccessDenied"));
}

#[test]
fn offline_refresh_explains_instead_of_fetching() {
    let mut app = app_with(Mode::Offline, Some("offline: refreshing is off"));
    assert!(press(&mut app, &[U::Refresh]).is_empty());
    assert!(
        app.notice
            .as_ref()
            .is_some_and(|n| n.text.contains("offline"))
    );
    assert!(app.update(Action::RefreshDue).is_empty());
}

#[test]
fn data_turns_stale_after_the_configured_minutes() {
    let mut app = demo_app();
    let _ = app.update(Action::Tick(anchor() + Duration::minutes(3)));
    assert!(!app.is_stale());
    let _ = app.update(Action::Tick(anchor() + Duration::minutes(11)));
    assert!(app.is_stale(), "default stale_after_minutes is 10");
}

#[test]
fn spend_groups_by_the_next_key_on_g() {
    let mut app = demo_app();
    press(&mut app, &[U::ShowSpend]);
    assert_eq!(app.spend.key(), "cost-center");
    let untagged = app
        .spend
        .lines
        .rows()
        .iter()
        .filter(|l| l.is_untagged())
        .count();
    assert_eq!(untagged, 1, "the untagged share is one line");
    let shares: f64 = app.spend.lines.rows().iter().map(|l| l.share).sum();
    assert!((shares - 1.0).abs() < 1e-9, "shares add up to the whole");
    press(&mut app, &[U::NextGroupKey]);
    assert_eq!(app.spend.key(), "project");
    assert!(
        app.spend
            .lines
            .rows()
            .iter()
            .any(|l| l.value == "llm-finetune")
    );
    assert_eq!(app.spend.days.len(), 30, "the lookback window");
}

#[test]
fn overlay_scrolling_stops_at_the_end_the_layout_reports() {
    let mut app = demo_app();
    press(&mut app, &[U::OpenDetail]);
    app.overlay_scroll_max = 3;
    press(&mut app, &[U::Down, U::Down, U::Down, U::Down, U::Down]);
    assert_eq!(app.overlay_scroll, 3);
    press(&mut app, &[U::Up]);
    assert_eq!(app.overlay_scroll, 2);
}

fn flagged_names(app: &App) -> Vec<String> {
    shown_jobs(app).iter().map(|j| j.name.clone()).collect()
}

#[test]
fn f_shows_only_flagged_rows_and_f_again_shows_everything() {
    let mut app = demo_app();
    let all = app.jobs.list.visible_len();
    let flagged = app.jobs.health.flagged;
    assert!(flagged > 0 && flagged < all, "{flagged} of {all}");

    press(&mut app, &[U::ToggleFlagged]);
    assert!(app.jobs.flagged_only);
    let shown = shown_jobs(&app);
    assert_eq!(shown.len(), flagged);
    let badges: Vec<String> = shown
        .iter()
        .map(|j| {
            app.jobs
                .health
                .row(&j.arn)
                .map(|r| r.badge())
                .expect("a flagged row has health")
        })
        .collect();
    assert!(badges.iter().all(|b| !b.is_empty()));
    for badge in ["IDLE", "LOW", "LONG"] {
        assert!(
            badges
                .iter()
                .any(|b| b.split(' ').any(|part| part == badge)),
            "the demo shows a {badge} badge: {badges:?}"
        );
    }
    let idle: Vec<sagescope_core::model::ResourceKind> = shown
        .iter()
        .filter(|j| {
            app.jobs
                .health
                .row(&j.arn)
                .is_some_and(|r| r.flags().contains(&sagescope_core::health::Flag::Idle))
        })
        .map(|j| j.kind)
        .collect();
    assert!(
        idle.contains(&sagescope_core::model::ResourceKind::Endpoint),
        "{idle:?}"
    );
    assert!(
        idle.contains(&sagescope_core::model::ResourceKind::App),
        "{idle:?}"
    );
    // GPU rows first: once a row without a GPU shows, no GPU row follows.
    let gpu = |j: &&Job| {
        j.instance_type
            .as_deref()
            .and_then(sagescope_core::instances::spec)
            .is_some_and(|s| s.has_gpu())
    };
    let first_cpu = shown.iter().position(|j| !gpu(j)).unwrap_or(shown.len());
    assert!(first_cpu > 0, "the demo flags GPU rows");
    assert!(shown[first_cpu..].iter().all(|j| !gpu(j)));

    press(&mut app, &[U::ToggleFlagged]);
    assert!(!app.jobs.flagged_only);
    assert_eq!(app.jobs.list.visible_len(), all);
}

#[test]
fn f_combines_with_the_kind_toggle_and_the_filter() {
    let mut app = demo_app();
    press(&mut app, &[U::ToggleFlagged, U::CycleKind]);
    assert_eq!(
        app.jobs.kind,
        Some(sagescope_core::model::ResourceKind::Training)
    );
    let shown = shown_jobs(&app);
    assert!(!shown.is_empty());
    assert!(shown.iter().all(|j| {
        j.kind == sagescope_core::model::ResourceKind::Training
            && app.jobs.health.is_flagged(&j.arn)
    }));
    let first = shown[0].name.clone();
    let needle: String = first.chars().take(8).collect();
    press(&mut app, &[U::StartFilter]);
    type_text(&mut app, &needle);
    assert!(flagged_names(&app).iter().all(|n| n.contains(&needle)));
    assert!(flagged_names(&app).contains(&first));
    // Typing `f` into the filter is text, not the toggle.
    type_text(&mut app, "f");
    assert!(app.jobs.flagged_only);
    assert_eq!(
        app.input.as_ref().map(|i| i.text.clone()),
        Some(format!("{needle}f"))
    );
}

#[test]
fn metrics_arriving_later_raise_flags_and_the_flagged_view_follows() {
    let mut app = demo_app();
    let world = sagescope_core::demo::world(anchor());
    // Jobs without metrics: only `long_running` can be judged, Studio apps' `idle` (from
    // their last user activity, not from CloudWatch) and clusters' failed nodes.
    let _ = app.update(Action::RefreshDone(RefreshOutcome {
        jobs: Some(world.jobs.clone()),
        metrics: Some(sagescope_core::model::View::new(
            anchor(),
            Vec::new(),
            Vec::new(),
        )),
        ..RefreshOutcome::default()
    }));
    press(&mut app, &[U::ToggleFlagged]);
    let long_only = app.jobs.list.visible_len();
    assert!(shown_jobs(&app).iter().all(|j| {
        let flags = app.jobs.health.row(&j.arn).map(|r| r.flags());
        flags == Some(vec![sagescope_core::health::Flag::LongRunning])
            || (j.kind == sagescope_core::model::ResourceKind::App
                && flags == Some(vec![sagescope_core::health::Flag::Idle]))
            || (j.kind == sagescope_core::model::ResourceKind::HyperPodCluster
                && flags == Some(vec![sagescope_core::health::Flag::FailedNodes]))
    }));
    // The metrics refresh comes in on its own: idle and underused rows join the view.
    let _ = app.update(Action::RefreshDone(RefreshOutcome {
        metrics: Some(world.metrics.clone()),
        ..RefreshOutcome::default()
    }));
    assert!(app.jobs.list.visible_len() > long_only);
    assert_eq!(app.jobs.list.visible_len(), app.jobs.health.flagged);
    assert_eq!(app.jobs.health.metrics_as_of, Some(world.metrics.as_of));
    assert_eq!(
        app.jobs.list.rows().len(),
        world.jobs.rows.len(),
        "a metrics refresh leaves the jobs as they were"
    );
}

#[test]
fn the_burn_total_is_the_sum_over_everything_running() {
    let app = demo_app();
    let got = app.jobs.health.burn;
    // The demo world's 83 running resources, every one priced by the bundled table
    // (crates/core/assets/prices.csv), summed by hand from its rows: 522.6295846 $/h for the 81 of one
    // instance type (instances × the type's price; the two Studio apps on `system` are
    // free), and the two HyperPod clusters, node by node: research-pretrain in us-west-2,
    // 0.204 (1 × ml.c5.xlarge) + 101.005144 (4 × ml.p4d.24xlarge at 25.251286), and
    // dev-sandbox in us-east-1, 0.204 + 6.12 (2 × ml.g5.8xlarge at 3.06).
    assert_eq!((got.resources, got.priced), (83, 83));
    let expected = 522.6295846 + 0.204 + 101.005144 + 0.204 + 6.12;
    assert!(
        (got.usd_per_hour - expected).abs() < 1e-6,
        "{} $/h, not {expected}",
        got.usd_per_hour
    );
}

#[test]
fn a_cloudwatch_failure_is_logged_and_keeps_jobs_and_other_metrics() {
    let mut app = demo_app();
    let world = sagescope_core::demo::world(anchor());
    let flagged_before = app.jobs.health.flagged;
    let error = sagescope_core::model::FetchError {
        account: "ml-prod".into(),
        region: Some("us-west-2".into()),
        message: "CloudWatch GetMetricData failed: Throttling".into(),
        ..Default::default()
    };
    let _ = app.update(Action::RefreshDone(RefreshOutcome {
        metrics: Some(sagescope_core::model::View::new(
            anchor(),
            world.metrics.rows.clone(),
            vec![error],
        )),
        ..RefreshOutcome::default()
    }));
    let latest = app.errors.latest().expect("logged");
    assert!(
        latest.text.starts_with("metrics: ml-prod us-west-2"),
        "{}",
        latest.text
    );
    assert_eq!(app.errors_from_last_refresh, 1);
    assert_eq!(app.jobs.list.rows().len(), world.jobs.rows.len());
    assert_eq!(app.jobs.health.flagged, flagged_before);
}

fn scope_of(job: &Job) -> sagescope_core::model::ScopeKey {
    sagescope_core::model::ScopeKey::of(job)
}

#[test]
fn streamed_scopes_replace_their_own_rows_and_keep_the_cursor() {
    let mut app = demo_app();
    let _ = press(&mut app, &[U::Refresh]);
    let total = app.jobs.list.rows().len();
    let _ = press(&mut app, &[U::Down, U::Down]);
    let cursor = selected_arn(&app);
    let selected = app.jobs.list.selected().expect("selected").clone();
    let scope = scope_of(&selected);
    let mut rows: Vec<Job> = app
        .jobs
        .list
        .rows()
        .iter()
        .filter(|j| scope.holds(j))
        .cloned()
        .collect();
    let before = rows.len();
    // The scope as just listed: one job gone, one new, the selected one failed since.
    let gone = rows
        .iter()
        .rev()
        .find(|j| j.arn != cursor)
        .map(|j| j.arn.clone())
        .expect("the scope has another job");
    rows.retain(|j| j.arn != gone);
    let mut new = selected.clone();
    new.name = "brand-new".into();
    new.arn = format!("{}-new", selected.arn);
    rows.push(new);
    for job in rows.iter_mut().filter(|j| j.arn == cursor) {
        job.status = sagescope_core::model::JobStatus::new("Failed");
        job.failure_reason = Some("OOM".into());
    }
    let _ = app.update(Action::ScopeRows {
        scope: scope.clone(),
        rows: rows.clone(),
    });
    let after: Vec<&Job> = app
        .jobs
        .list
        .rows()
        .iter()
        .filter(|j| scope.holds(j))
        .collect();
    assert_eq!(
        after.len(),
        rows.len(),
        "the scope's rows are exactly the new ones"
    );
    assert_eq!(app.jobs.list.rows().len(), total - before + rows.len());
    assert!(after.iter().any(|j| j.name == "brand-new"));
    assert_eq!(selected_arn(&app), cursor, "the cursor stays on its job");
    let now = app.jobs.list.selected().expect("selected");
    assert_eq!(
        now.failure_reason.as_deref(),
        Some("OOM"),
        "filled in place"
    );
    assert!(
        app.refreshing.is_some(),
        "still refreshing until RefreshDone"
    );
}

#[test]
fn rows_arrive_on_an_empty_screen_before_the_refresh_ends() {
    let config = sagescope_core::demo::config(&Config::default());
    let utc = FixedOffset::east_opt(0).expect("valid offset");
    let mut app = App::new(AppInit::from_config(&config, Mode::Live, anchor(), utc));
    assert!(app.jobs.list.rows().is_empty());
    let world = sagescope_core::demo::world(anchor());
    let first = world.jobs.rows[0].clone();
    let scope = scope_of(&first);
    let rows: Vec<Job> = world
        .jobs
        .rows
        .iter()
        .filter(|j| scope.holds(j))
        .cloned()
        .collect();
    let _ = app.update(Action::ScopeRows {
        scope,
        rows: rows.clone(),
    });
    assert_eq!(app.jobs.list.rows().len(), rows.len());
    assert_eq!(app.jobs.counts.total, rows.len(), "the title counts them");
    assert_eq!(app.source, DataSource::Live, "not the (empty) cache's");
}

#[test]
fn a_scope_the_refresh_could_not_list_shows_stale_with_its_age() {
    let mut app = demo_app();
    let listed_at = app.jobs.as_of.expect("loaded");
    let victim = app.jobs.list.rows()[0].clone();
    let later = anchor() + Duration::minutes(20);
    let _ = app.update(Action::Tick(later));
    let _ = press(&mut app, &[U::Refresh]);
    let mut fresh = sagescope_core::demo::world(anchor());
    fresh.jobs.as_of = later;
    fresh.jobs.errors.push(sagescope_core::model::FetchError {
        account: victim.account_name.to_string(),
        region: Some(victim.region.to_string()),
        kind: Some(victim.kind),
        stale: true,
        message: "throttled by SageMaker on ListTrainingJobs".into(),
    });
    let _ = app.update(Action::RefreshDone(RefreshOutcome::from_snapshot(fresh)));
    assert_eq!(app.jobs.stale_since(&victim), Some(listed_at));
    let scope = scope_of(&victim);
    let in_scope = app
        .jobs
        .list
        .rows()
        .iter()
        .filter(|j| scope.holds(j))
        .count();
    assert_eq!(app.jobs.stale_rows, in_scope);
    let other = app
        .jobs
        .list
        .rows()
        .iter()
        .find(|j| !scope.holds(j))
        .expect("another scope");
    assert_eq!(app.jobs.stale_since(other), None, "the rest is fresh");

    // The next refresh lists it again: no longer stale.
    let _ = press(&mut app, &[U::Refresh]);
    let _ = app.update(Action::Tick(later + Duration::minutes(1)));
    let rows: Vec<Job> = app
        .jobs
        .list
        .rows()
        .iter()
        .filter(|j| scope.holds(j))
        .cloned()
        .collect();
    let _ = app.update(Action::ScopeRows { scope, rows });
    assert_eq!(app.jobs.stale_since(&victim), None);
    assert_eq!(app.jobs.stale_rows, 0);
}

#[test]
fn opening_a_row_while_refreshing_asks_for_its_details_first() {
    let mut app = demo_app();
    assert!(
        press(&mut app, &[U::OpenDetail]).is_empty(),
        "nothing to hurry when no refresh runs"
    );
    let _ = press(&mut app, &[U::Back, U::Refresh]);
    let arn = selected_arn(&app);
    assert_eq!(
        press(&mut app, &[U::OpenDetail]),
        vec![Command::Prioritize { arn }]
    );
}

#[test]
fn o_copies_the_selected_rows_console_page_and_names_its_account() {
    let mut app = demo_app();
    let index = shown_jobs(&app)
        .iter()
        .position(|j| j.kind == sagescope_core::model::ResourceKind::Training)
        .expect("the demo world has training jobs");
    press(&mut app, &[U::Top]);
    press(&mut app, &vec![U::Down; index]);
    let job = app.jobs.list.selected().expect("selected").clone();
    let commands = press(&mut app, &[U::CopyConsoleLink]);
    let expected = format!(
        "https://{r}.console.aws.amazon.com/sagemaker/home?region={r}#/jobs/{}",
        job.name,
        r = job.region
    );
    assert_eq!(
        commands,
        vec![Command::CopyToClipboard {
            text: expected.clone()
        }]
    );
    let notice = app.notice.as_ref().expect("a notice").text.clone();
    assert!(notice.contains(&expected), "{notice}");
    assert!(notice.contains(job.account_name.as_str()), "{notice}");
    assert!(notice.contains(job.account_id.as_str()), "{notice}");

    // The detail view links the same row; help has nothing to link.
    press(&mut app, &[U::OpenDetail]);
    assert_eq!(
        press(&mut app, &[U::CopyConsoleLink]),
        vec![Command::CopyToClipboard { text: expected }]
    );
    press(&mut app, &[U::Back, U::Help]);
    assert!(press(&mut app, &[U::CopyConsoleLink]).is_empty());
}

#[test]
fn only_the_configured_alert_kinds_toast_and_go_to_the_event_loop() {
    use sagescope_core::model::EventKind;
    let config = sagescope_core::demo::config(&Config::default());
    let utc = FixedOffset::east_opt(0).expect("valid offset");
    let mut init = AppInit::from_config(&config, Mode::Demo, anchor(), utc);
    init.alert_kinds = vec![EventKind::JobFailed];
    let mut app = App::new(init);
    let timeline = sagescope_core::demo::timeline(&sagescope_core::demo::world(anchor()), anchor());
    let pick = |kind: EventKind| {
        timeline
            .iter()
            .find(|e| e.event == kind)
            .cloned()
            .expect("the demo has one")
    };
    let (failed, completed, started) = (
        pick(EventKind::JobFailed),
        pick(EventKind::JobCompleted),
        pick(EventKind::StatusChanged),
    );
    let commands = app.update(Action::RefreshDone(RefreshOutcome {
        events: vec![failed.clone(), completed, started],
        ..RefreshOutcome::default()
    }));
    assert_eq!(commands, vec![Command::Alert(vec![failed])]);
    assert_eq!(app.events.toasts.len(), 1);
    assert_eq!(app.events.list.rows().len(), 3, "all three on the timeline");

    // A refresh without events alerts nothing; toasts stack up to the limit, oldest out.
    assert!(
        app.update(Action::RefreshDone(RefreshOutcome::default()))
            .is_empty()
    );
    for _ in 0..MAX_TOASTS + 2 {
        let _ = app.update(Action::Events(vec![pick(EventKind::JobFailed)]));
    }
    assert_eq!(app.events.toasts.len(), MAX_TOASTS);

    // The alert command failing is said once, in the status bar and the error history.
    let _ = app.update(Action::AlertFailed(
        "the alert command /x exited with 1".into(),
    ));
    assert_eq!(
        app.notice.as_ref().map(|n| n.text.as_str()),
        Some("the alert command /x exited with 1")
    );
    assert_eq!(
        app.errors.latest().map(|e| e.text.as_str()),
        Some("the alert command /x exited with 1")
    );
}

#[test]
fn the_events_pane_opens_with_a_command_and_filters_and_sorts_like_the_others() {
    let mut app = demo_app();
    app.load_timeline(sagescope_core::demo::timeline(
        &sagescope_core::demo::world(anchor()),
        anchor(),
    ));
    let _ = press(&mut app, &[U::StartCommand]);
    type_text(&mut app, "events");
    let _ = press(&mut app, &[U::InputSubmit]);
    assert_eq!(app.pane, Pane::Events);
    let newest = app.events.list.selected().map(|r| r.event.at);
    assert_eq!(
        newest,
        app.events.list.rows().iter().map(|r| r.event.at).max(),
        "newest first"
    );
    let _ = press(&mut app, &[U::StartFilter]);
    type_text(&mut app, "job_completed");
    let shown = app.events.list.visible_len();
    assert!(shown > 0);
    assert!(
        app.events
            .list
            .window(0, shown)
            .all(|r| r.event.event == sagescope_core::model::EventKind::JobCompleted)
    );
    let _ = press(&mut app, &[U::InputCancel, U::SortNext]);
    assert_eq!(app.events.list.sort_column(), EventColumn::Event);
}

#[test]
fn costs_the_cur_measured_arrive_with_a_refresh_and_outrank_the_rest() {
    let mut app = demo_app();
    let fresh = sagescope_core::demo::world(anchor());
    let job = fresh.jobs.rows[0].clone();
    let mut measured = sagescope_core::cost::Measured::new();
    measured.add(&job.arn, sagescope_core::model::CostSource::Cur, 1234.5);
    let _ = app.update(Action::RefreshDone(RefreshOutcome {
        jobs: Some(fresh.jobs),
        measured: Some(measured),
        ..RefreshOutcome::default()
    }));
    let cost = app.jobs.health.cost(&job, app.now).expect("a cost");
    assert_eq!(cost.source, sagescope_core::model::CostSource::Cur);
    assert!((cost.usd - 1234.5).abs() < 1e-9, "{}", cost.usd);
}

/// The demo world's rows, each repeated `copies` times under its own name and ARN.
fn repeated_world(copies: usize) -> sagescope_core::model::Snapshot {
    let mut world = sagescope_core::demo::world(anchor());
    let one = std::mem::take(&mut world.jobs.rows);
    world.jobs.rows = (0..copies)
        .flat_map(|copy| {
            one.iter().map(move |job| {
                let mut job = job.clone();
                job.name = format!("{}-c{copy}", job.name);
                job.arn = format!("{}-c{copy}", job.arn);
                job
            })
        })
        .collect();
    world
}

/// `scope`'s rows in `world` renamed with `mark`, as a refresh would stream them.
fn streamed(
    world: &sagescope_core::model::Snapshot,
    scope: &sagescope_core::model::ScopeKey,
    mark: &str,
) -> Vec<Job> {
    world
        .jobs
        .rows
        .iter()
        .filter(|j| scope.holds(j))
        .map(|j| Job {
            name: format!("{}-{mark}", j.name),
            ..j.clone()
        })
        .collect()
}

fn named(app: &App, scope: &sagescope_core::model::ScopeKey, mark: &str) -> usize {
    app.jobs
        .list
        .rows()
        .iter()
        .filter(|j| scope.holds(j) && j.name.ends_with(mark))
        .count()
}

#[test]
fn a_large_pane_merges_streamed_scopes_together_every_few_seconds() {
    let mut app = demo_app();
    let world = repeated_world(40);
    let total = world.jobs.rows.len();
    assert!(total > 10_000, "{total} rows: above the merge-at-once size");
    app.load_snapshot(world.clone());
    let _ = press(&mut app, &[U::Refresh]);
    let mut scopes: Vec<sagescope_core::model::ScopeKey> =
        world.jobs.rows.iter().map(scope_of).collect();
    scopes.sort();
    scopes.dedup();
    let (a, b, c) = (&scopes[0], &scopes[1], &scopes[2]);

    // The first scope of the session shows at once.
    let _ = app.update(Action::ScopeRows {
        scope: a.clone(),
        rows: streamed(&world, a, "first"),
    });
    assert!(named(&app, a, "first") > 0);
    assert_eq!(app.jobs.scopes_waiting(), 0);

    // Within the next seconds, scopes wait; one delivered again replaces its waiting rows.
    let _ = app.update(Action::ScopeRows {
        scope: b.clone(),
        rows: streamed(&world, b, "listed"),
    });
    let _ = app.update(Action::ScopeRows {
        scope: b.clone(),
        rows: streamed(&world, b, "filled"),
    });
    let _ = app.update(Action::ScopeRows {
        scope: c.clone(),
        rows: streamed(&world, c, "listed"),
    });
    assert_eq!(app.jobs.scopes_waiting(), 2);
    assert_eq!(
        named(&app, b, "filled") + named(&app, c, "listed"),
        0,
        "not merged yet"
    );
    let _ = app.update(Action::Tick(anchor() + Duration::seconds(1)));
    assert_eq!(app.jobs.scopes_waiting(), 2, "not due after 1 s");

    // Due: both merge in one pass, the later delivery of b winning.
    let _ = app.update(Action::Tick(anchor() + Duration::seconds(3)));
    assert_eq!(app.jobs.scopes_waiting(), 0);
    assert_eq!(named(&app, b, "filled"), streamed(&world, b, "x").len());
    assert_eq!(named(&app, b, "listed"), 0);
    assert!(named(&app, c, "listed") > 0);
    assert_eq!(app.jobs.list.rows().len(), total, "replaced, not added");

    // A refresh that ends without a whole view shows what waits at once.
    let _ = app.update(Action::ScopeRows {
        scope: a.clone(),
        rows: streamed(&world, a, "late"),
    });
    assert_eq!(app.jobs.scopes_waiting(), 1);
    let _ = app.update(Action::RefreshDone(RefreshOutcome::failed(
        "network is unreachable",
    )));
    assert_eq!(app.jobs.scopes_waiting(), 0);
    assert!(named(&app, a, "late") > 0);

    // A whole view replaces everything, waiting scopes included.
    let _ = press(&mut app, &[U::Refresh]);
    let _ = app.update(Action::ScopeRows {
        scope: c.clone(),
        rows: streamed(&world, c, "stale"),
    });
    let mut whole = world.clone();
    whole.source = sagescope_core::model::DataSource::Live;
    let _ = app.update(Action::RefreshDone(RefreshOutcome::from_snapshot(whole)));
    assert_eq!(app.jobs.scopes_waiting(), 0);
    assert_eq!(named(&app, c, "stale"), 0);
    assert_eq!(app.jobs.list.rows().len(), total);
}
