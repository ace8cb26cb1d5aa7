//! `M`, `:me` and the guessed identity, scripted through `App::update` on the demo world
//! (where `[me]` is alice).

use chrono::{DateTime, FixedOffset, TimeZone, Utc};

use super::*;
use crate::action::{Action, Command, UserAction as U};
use sagescope_core::model::{Me, STUDIO_USER_PROFILE_TAG, arn_leaf};
use sagescope_engine::source::RefreshOutcome;

fn anchor() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 11, 20, 14, 2, 0)
        .single()
        .expect("valid time")
}

fn app(config: &Config) -> App {
    let utc = FixedOffset::east_opt(0).expect("valid offset");
    let mut app = App::new(AppInit::from_config(config, Mode::Demo, anchor(), utc));
    app.load_snapshot(sagescope_core::demo::world(anchor()));
    let _ = app.update(Action::Resize {
        width: 120,
        height: 40,
    });
    app
}

fn demo_app() -> App {
    app(&sagescope_core::demo::config(&Config::default()))
}

fn press(app: &mut App, keys: &[U]) -> Vec<Command> {
    keys.iter()
        .flat_map(|k| app.update(Action::User(*k)))
        .collect()
}

fn command(app: &mut App, text: &str) -> Vec<Command> {
    let mut commands = press(app, &[U::StartCommand]);
    for c in text.chars() {
        commands.extend(app.update(Action::InsertChar(c)));
    }
    commands.extend(press(app, &[U::InputSubmit]));
    commands
}

/// Whether the demo's `tags` belong to alice, judged here by hand (not by `Me::owns`).
fn alices(tags: &sagescope_core::model::Tags) -> bool {
    tags.iter()
        .any(|(k, v)| k.eq_ignore_ascii_case("owner") && v == "alice")
        || tags
            .get(STUDIO_USER_PROFILE_TAG)
            .is_some_and(|arn| arn_leaf(arn) == "alice")
}

/// Whether CloudTrail says alice created the demo's `job` (`[me] principals` in the demo
/// config), read from the row by hand.
fn alice_created(job: &sagescope_core::model::Job) -> bool {
    job.created_by
        .as_ref()
        .and_then(|c| c.created.as_ref())
        .is_some_and(|c| c.who == "alice@example.com")
}

#[test]
fn m_shows_only_my_jobs_and_my_offenders_and_again_everyone() {
    let mut app = demo_app();
    let world = sagescope_core::demo::world(anchor());
    let all_jobs = app.jobs.list.visible_len();
    let all_findings = app.findings.list.visible_len();
    let mine = |j: &sagescope_core::model::Job| alices(&j.tags) || alice_created(j);
    let my_jobs = world.jobs.rows.iter().filter(|j| mine(j)).count();
    assert!(
        world
            .jobs
            .rows
            .iter()
            .any(|j| alice_created(j) && !alices(&j.tags)),
        "some of alice's jobs are hers only by who created them"
    );
    let created_by_alice: std::collections::HashSet<&str> = world
        .jobs
        .rows
        .iter()
        .filter(|j| alice_created(j))
        .map(|j| j.arn.as_str())
        .collect();
    let my_findings = world
        .findings
        .rows
        .iter()
        .filter(|f| alices(&f.tags) || created_by_alice.contains(f.arn.as_str()))
        .count();
    assert!(my_jobs > 0 && my_jobs < all_jobs, "{my_jobs} of {all_jobs}");
    assert!(my_findings > 0 && my_findings < all_findings);

    let commands = press(&mut app, &[U::ToggleMine]);
    assert!(app.mine.on);
    assert_eq!(app.jobs.list.visible_len(), my_jobs);
    assert!(app.jobs.list.window(0, usize::MAX).all(mine));
    assert_eq!(app.findings.list.visible_len(), my_findings);
    assert_eq!(app.mine.title().as_deref(), Some("mine: alice"));
    // The status bar's month: the mine overview, asked from the Jobs pane too.
    let loads: Vec<&Command> = commands
        .iter()
        .filter(|c| matches!(c, Command::LoadSpend(r) if r.query.mine.is_some()))
        .collect();
    assert_eq!(loads.len(), 1, "{commands:?}");

    press(&mut app, &[U::ToggleMine]);
    assert!(!app.mine.on);
    assert_eq!(app.jobs.list.visible_len(), all_jobs);
    assert_eq!(app.findings.list.visible_len(), all_findings);
    assert_eq!(app.mine.title(), None);
}

#[test]
fn m_on_spend_asks_for_my_spend_grouped_by_project_and_restores_the_key() {
    let mut app = demo_app();
    press(&mut app, &[U::ShowSpend]);
    let before = app.spend.key().to_string();
    assert_eq!(before, "cost-center");
    let commands = press(&mut app, &[U::ToggleMine]);
    let Some(Command::LoadSpend(request)) = commands.first() else {
        panic!("a spend load: {commands:?}");
    };
    let mine = request.query.mine.as_ref().expect("filtered to me");
    assert_eq!(mine.owners, vec!["alice".to_string()]);
    assert_eq!(mine.owner_key, "owner");
    assert!(
        mine.profile_arns.iter().all(|a| arn_leaf(a) == "alice") && !mine.profile_arns.is_empty(),
        "alice's Studio profile ARNs as seen on resources: {:?}",
        mine.profile_arns
    );
    assert_eq!(request.query.grouping.key(), "project");
    assert_eq!(app.spend.key(), "project");
    let commands = press(&mut app, &[U::ToggleMine]);
    assert_eq!(app.spend.key(), before);
    assert!(
        commands
            .iter()
            .any(|c| matches!(c, Command::LoadSpend(r) if r.query.mine.is_none()))
    );
}

#[test]
fn without_an_identity_m_says_how_to_set_one_and_colon_me_sets_it() {
    let mut config = sagescope_core::demo::config(&Config::default());
    config.me = None;
    let mut app = app(&config);
    let all = app.jobs.list.visible_len();
    press(&mut app, &[U::ToggleMine]);
    assert!(!app.mine.on);
    assert_eq!(app.jobs.list.visible_len(), all);
    let notice = app
        .notice
        .as_ref()
        .map(|n| n.text.clone())
        .unwrap_or_default();
    assert!(
        notice.contains("[me] owner") && notice.contains(":me"),
        "{notice}"
    );

    let _ = command(&mut app, "me bob");
    assert!(app.mine.on);
    assert_eq!(app.mine.me, Some(Me::owner("owner", "bob")));
    assert_eq!(app.mine.how.as_deref(), Some(":me"));
    assert!(app.jobs.list.window(0, usize::MAX).all(|j| {
        j.tags
            .iter()
            .any(|(k, v)| k.eq_ignore_ascii_case("owner") && v == "bob")
    }));
    assert!(app.jobs.list.visible_len() > 0);
}

#[test]
fn a_live_caller_identity_is_a_guess_that_says_how_it_was_made() {
    let mut config = sagescope_core::demo::config(&Config::default());
    config.me = None;
    let mut app = app(&config);
    let _ = app.update(Action::RefreshDone(RefreshOutcome {
        caller_arns: vec![
            "arn:aws:sts::222222222222:assumed-role/SageScopeReadOnly/sagescope".into(),
            "arn:aws:sts::111111111111:assumed-role/AWSReservedSSO_DS_12ab/chen".into(),
        ],
        ..RefreshOutcome::default()
    }));
    assert_eq!(app.mine.me, Some(Me::owner("owner", "chen")));
    let how = app.mine.how.clone().unwrap_or_default();
    assert!(
        how.contains("SSO session name") && how.contains(":me"),
        "{how}"
    );
    assert!(!app.mine.on, "a guess is offered, not applied");

    // A configured identity is never replaced by a guess.
    let mut configured = demo_app();
    let _ = configured.update(Action::RefreshDone(RefreshOutcome {
        caller_arns: vec!["arn:aws:iam::111111111111:user/zed".into()],
        ..RefreshOutcome::default()
    }));
    assert_eq!(
        configured.mine.me.map(|m| m.owners),
        Some(vec!["alice".into()])
    );
}

#[test]
fn the_status_bar_figure_comes_from_the_mine_outlook() {
    let mut app = demo_app();
    assert_eq!(app.mine.status(), None);
    app.mine.outlook = Some(sagescope_engine::spend::MonthOutlook {
        month: sagescope_engine::spend::outlook::Month::of(anchor().date_naive()),
        month_to_date: 1234.4,
        rest_forecast: Some(1000.0),
        forecast_note: None,
        budgets: Vec::new(),
        unit: "USD".into(),
    });
    assert_eq!(
        app.mine.status().as_deref(),
        Some("me: alice · MTD $1234 · forecast $2234")
    );
}
