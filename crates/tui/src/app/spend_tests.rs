//! Scripted Spend pane sessions: which keys ask Cost Explorer (through the demo's cached
//! service) and which cost nothing.

use chrono::{DateTime, Duration, FixedOffset, TimeZone, Utc};

use super::*;
use crate::action::{Action, Command, UserAction as U};
use sagescope_engine::spend::{RangePreset, SpendOutcome, SpendRequest, SpendService, Target};

fn anchor() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 11, 20, 14, 2, 0)
        .single()
        .expect("valid time")
}

fn app(mode: Mode, refresh_blocked: Option<&str>) -> App {
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

fn service() -> std::sync::Arc<SpendService> {
    sagescope_engine::source::demo_spend(anchor()).expect("demo spend")
}

fn loads(commands: &[Command]) -> Vec<&SpendRequest> {
    commands
        .iter()
        .filter_map(|c| match c {
            Command::LoadSpend(request) => Some(request),
            _ => None,
        })
        .collect()
}

fn run(service: &SpendService, request: &SpendRequest, now: DateTime<Utc>) -> SpendOutcome {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("runtime")
        .block_on(service.load(request.clone(), now, &|_| {}))
}

/// Presses keys and answers every load they start; returns the loads.
fn press(app: &mut App, service: &SpendService, keys: &[U]) -> Vec<SpendRequest> {
    let mut asked = Vec::new();
    for key in keys {
        let commands = app.update(Action::User(*key));
        for request in loads(&commands) {
            let outcome = run(service, request, app.now);
            asked.push(request.clone());
            let _ = app.update(Action::SpendLoaded(Box::new(outcome)));
        }
    }
    asked
}

#[test]
fn showing_spend_asks_once_and_coming_back_asks_nothing() {
    let (mut app, service) = (app(Mode::Demo, None), service());
    let asked = press(&mut app, &service, &[U::ShowSpend]);
    assert_eq!(asked.len(), 1);
    assert_eq!(asked[0].target, Target::Overview);
    assert_eq!(asked[0].query.grouping.key(), "cost-center");
    assert!(!asked[0].force);
    assert!(!app.spend.loading);
    assert_eq!(app.spend.ledger.map(|l| l.requests), Some(5));
    assert!(app.spend.outlook.is_some(), "month to date and forecast");
    let again = press(
        &mut app,
        &service,
        &[U::ShowJobs, U::ShowSpend, U::Down, U::Up],
    );
    assert!(again.is_empty(), "nothing new to ask: {again:?}");
    assert!(
        press(&mut app, &service, &[U::ShowJobs]).is_empty(),
        "other panes never ask for spend"
    );
}

#[test]
fn group_by_services_and_range_keys_ask_the_new_question() {
    let (mut app, service) = (app(Mode::Demo, None), service());
    press(&mut app, &service, &[U::ShowSpend]);
    assert_eq!(
        app.spend.range,
        RangePreset::Days30,
        "lookback 30 starts at 30d"
    );

    let asked = press(&mut app, &service, &[U::NextGroupKey]);
    assert_eq!(asked[0].query.grouping.key(), "project");
    assert!(
        app.spend
            .lines
            .rows()
            .iter()
            .any(|l| l.value == "llm-finetune")
    );

    let asked = press(&mut app, &service, &[U::ToggleAllServices]);
    assert!(asked[0].query.all_services);
    let asked = press(&mut app, &service, &[U::NextRange]);
    assert_eq!(app.spend.range, RangePreset::Days90);
    assert_eq!((asked[0].query.end - asked[0].query.start).num_days(), 90);
    press(&mut app, &service, &[U::NextRange]);
    assert_eq!(app.spend.range, RangePreset::MonthToDate);
    let asked = press(&mut app, &service, &[U::NextRange]);
    assert_eq!(app.spend.range, RangePreset::LastMonth);
    assert_eq!(
        asked[0].query.start,
        chrono::NaiveDate::from_ymd_opt(2026, 10, 1).expect("date")
    );
    // The demo has 75 days of history: October is all there, one bar per day.
    assert_eq!(app.spend.days.len(), 31);
    press(&mut app, &service, &[U::NextRange]);
    assert_eq!(app.spend.range, RangePreset::Days7);
    assert_eq!(app.spend.days.len(), 7);
    press(&mut app, &service, &[U::PrevRange]);
    assert_eq!(app.spend.range, RangePreset::LastMonth);

    // SageMaker only for last month is new, but only its main answer: month to date and
    // the forecasts of that scope were asked at the first open. Back again is free.
    let before = app.spend.ledger.map_or(0, |l| l.requests);
    press(&mut app, &service, &[U::ToggleAllServices]);
    assert_eq!(app.spend.ledger.map(|l| l.requests), Some(before + 1));
    press(&mut app, &service, &[U::ToggleAllServices]);
    assert_eq!(app.spend.ledger.map(|l| l.requests), Some(before + 1));
}

#[test]
fn an_outcome_the_pane_moved_on_from_is_not_shown() {
    let (mut app, service) = (app(Mode::Demo, None), service());
    let commands = app.update(Action::User(U::ShowSpend));
    let first = loads(&commands)[0].clone();
    let commands = app.update(Action::User(U::NextGroupKey));
    let second = loads(&commands)[0].clone();
    // The cost-center answer arrives after the user switched to project.
    let _ = app.update(Action::SpendLoaded(Box::new(run(
        &service, &first, app.now,
    ))));
    assert!(app.spend.loading, "still waiting for project");
    assert!(app.spend.outlook.is_none());
    assert_eq!(
        app.spend.ledger.map(|l| l.requests),
        Some(5),
        "the ledger still counts"
    );
    let _ = app.update(Action::SpendLoaded(Box::new(run(
        &service, &second, app.now,
    ))));
    assert!(!app.spend.loading);
    assert_eq!(app.spend.key(), "project");
}

#[test]
fn the_untagged_line_is_shown_even_at_zero() {
    let (mut app, service) = (app(Mode::Demo, None), service());
    press(&mut app, &service, &[U::ShowSpend]);
    let mut outcome = run(
        &service,
        app.spend.requested.as_ref().expect("asked"),
        app.now,
    );
    if let Some(answer) = outcome.answer.as_mut() {
        answer.rows.retain(|r| !r.is_untagged());
    }
    let _ = app.update(Action::SpendLoaded(Box::new(outcome)));
    let untagged = app
        .spend
        .lines
        .rows()
        .iter()
        .find(|l| l.is_untagged())
        .expect("an (untagged) line");
    assert_eq!(untagged.total, 0.0);
    assert_eq!(app.spend.untagged_total, 0.0);
}

#[test]
fn enter_drills_down_once_and_reopening_costs_nothing() {
    let (mut app, service) = (app(Mode::Demo, None), service());
    press(&mut app, &service, &[U::ShowSpend]);
    let value = app.spend.lines.selected().map(|l| l.value.clone());
    let asked = press(&mut app, &service, &[U::OpenDetail]);
    assert_eq!(app.overlay, Some(Overlay::Detail));
    assert_eq!(asked.len(), 1);
    assert_eq!(asked[0].target, Target::Drill(value));
    let drill = app.spend.drill.as_ref().expect("drill-down");
    assert!(!drill.loading);
    let answer = drill.answer.as_ref().expect("answered");
    assert_eq!(answer.by_account.len(), 3);
    assert_eq!(answer.by_account[0].name.as_deref(), Some("ml-prod"));
    assert_eq!(drill.full_cost, 2);
    assert!(press(&mut app, &service, &[U::Back, U::OpenDetail]).is_empty());
    let other = press(&mut app, &service, &[U::Back, U::Down, U::OpenDetail]);
    assert_eq!(other.len(), 1, "another value is another question");
}

#[test]
fn enter_on_the_untagged_share_leads_to_the_resources_missing_the_key() {
    let (mut app, service) = (app(Mode::Demo, None), service());
    press(&mut app, &service, &[U::ShowSpend]);
    let at = app
        .spend
        .lines
        .window(0, usize::MAX)
        .position(|l| l.is_untagged())
        .expect("untagged line");
    for _ in 0..at {
        press(&mut app, &service, &[U::Down]);
    }
    let asked = press(&mut app, &service, &[U::OpenDetail]);
    assert_eq!(asked[0].target, Target::Drill(None));
    // The untagged share's resources by who created them: the parts are its resources'.
    let drill = app.spend.drill.as_ref().expect("a drill-down");
    let split = drill.by_creator.as_ref().expect("split by creator");
    assert_eq!(split.resources, drill.top.carrying);
    assert!((split.total_usd - drill.top.total_usd).abs() < 1e-6);
    assert!(
        split.rows.iter().filter(|r| r.known).count() >= 3,
        "several people to ask: {:?}",
        split.rows
    );
    press(&mut app, &service, &[U::JumpToUntagged]);
    assert_eq!(app.pane, Pane::Untagged);
    assert_eq!(app.overlay, None);
    assert_eq!(app.findings.without_key.as_deref(), Some("cost-center"));
    assert!(app.findings.list.visible_len() > 0);
    assert!(
        app.findings.list.visible_len() < app.findings.list.rows().len(),
        "only the resources without the key"
    );
}

#[test]
fn u_elsewhere_does_nothing() {
    let (mut app, service) = (app(Mode::Demo, None), service());
    press(
        &mut app,
        &service,
        &[U::ShowSpend, U::OpenDetail, U::JumpToUntagged],
    );
    assert_eq!(app.pane, Pane::Spend, "cc-3300 is not the untagged share");
}

#[test]
fn r_on_spend_says_what_it_costs_and_asks_only_after_a_yes() {
    let (mut app, service) = (app(Mode::Demo, None), service());
    press(&mut app, &service, &[U::ShowSpend]);
    assert!(press(&mut app, &service, &[U::Refresh]).is_empty());
    assert_eq!(app.spend.confirm, Some(5), "the first open's cost");
    assert_eq!(app.key_context(), KeyContext::Confirm);
    assert!(press(&mut app, &service, &[U::ConfirmNo]).is_empty());
    assert_eq!(app.spend.confirm, None);
    assert_eq!(app.spend.ledger.map(|l| l.requests), Some(5));

    let asked = press(&mut app, &service, &[U::Refresh, U::ConfirmYes]);
    assert_eq!(asked.len(), 1);
    assert!(asked[0].force);
    assert_eq!(app.spend.ledger.map(|l| l.requests), Some(10));
    assert!(!app.spend.loading, "the forced answer was taken");
    assert!(!app.spend.from_cache);

    // In the drill-down, the estimate includes it and both are refreshed.
    press(&mut app, &service, &[U::OpenDetail]);
    press(&mut app, &service, &[U::Refresh]);
    assert_eq!(app.spend.confirm, Some(7));
    let asked = press(&mut app, &service, &[U::ConfirmYes]);
    assert_eq!(asked.len(), 2);
    assert!(asked.iter().all(|r| r.force));
}

#[test]
fn r_elsewhere_still_refreshes_jobs() {
    let (mut app, _) = (app(Mode::Demo, None), service());
    let commands = app.update(Action::User(U::Refresh));
    assert_eq!(
        commands,
        vec![Command::Refresh(
            sagescope_engine::source::RefreshKind::Manual
        )]
    );
}

#[test]
fn offline_spend_refresh_is_refused_with_the_reason() {
    let (mut app, service) = (
        app(Mode::Offline, Some("offline: refreshing is off")),
        service(),
    );
    press(&mut app, &service, &[U::ShowSpend, U::Refresh]);
    assert_eq!(app.spend.confirm, None);
    assert!(
        app.notice
            .as_ref()
            .is_some_and(|n| n.text.contains("offline"))
    );
}

#[test]
fn past_the_ttl_the_pane_refreshes_by_itself() {
    let (mut app, service) = (app(Mode::Demo, None), service());
    press(&mut app, &service, &[U::ShowSpend]);
    let fetched = app.spend.as_of.expect("answered");
    let tick = |app: &mut App, at| loads(&app.update(Action::Tick(at))).len();
    assert_eq!(tick(&mut app, fetched + Duration::hours(7)), 0);
    assert_eq!(tick(&mut app, fetched + Duration::hours(8)), 1);
    assert!(app.spend.loading);
    assert_eq!(
        tick(
            &mut app,
            fetched + Duration::hours(8) + Duration::seconds(1)
        ),
        0,
        "one at a time"
    );
}

#[test]
fn spend_ages_against_its_ttl_not_the_jobs_threshold() {
    let (mut app, service) = (app(Mode::Demo, None), service());
    press(&mut app, &service, &[U::ShowSpend]);
    let fetched = app.spend.as_of.expect("answered");
    let _ = app.update(Action::Tick(fetched + Duration::hours(2)));
    assert!(!app.is_stale(), "two hours is fresh for billing data");
    // Ticking past the TTL asks again; until the answer is in, the old one is stale.
    let _ = app.update(Action::Tick(fetched + Duration::hours(9)));
    assert!(app.is_stale());
}

#[test]
fn a_failed_load_keeps_the_rows_and_says_why() {
    let (mut app, service) = (app(Mode::Demo, None), service());
    press(&mut app, &service, &[U::ShowSpend]);
    let shown = app.spend.lines.rows().len();
    let commands = app.update(Action::User(U::NextGroupKey));
    let request = loads(&commands)[0].clone();
    let _ = app.update(Action::SpendLoaded(Box::new(SpendOutcome::failed(
        request,
        "Cost Explorer in `ml-prod`: access denied to ce:GetCostAndUsage",
    ))));
    assert!(!app.spend.loading);
    assert!(
        app.spend
            .error
            .as_ref()
            .is_some_and(|e| e.contains("ce:GetCostAndUsage"))
    );
    assert!(
        app.errors
            .latest()
            .is_some_and(|e| e.text.starts_with("spend: "))
    );
    assert!(shown > 0);
}

/// `:accounts`, `/filter`, Enter on the first match; answers the loads the choice starts.
fn choose_accounts(app: &mut App, service: &SpendService, filter: &str) -> Vec<SpendRequest> {
    let mut actions = vec![Action::User(U::StartCommand)];
    actions.extend("accounts".chars().map(Action::InsertChar));
    actions.extend([Action::User(U::InputSubmit), Action::User(U::StartFilter)]);
    actions.extend(filter.chars().map(Action::InsertChar));
    actions.extend([Action::User(U::InputSubmit), Action::User(U::OpenDetail)]);
    let mut asked = Vec::new();
    for action in actions {
        let commands = app.update(action);
        for request in loads(&commands) {
            let outcome = run(service, request, app.now);
            asked.push(request.clone());
            let _ = app.update(Action::SpendLoaded(Box::new(outcome)));
        }
    }
    asked
}

fn requests_today(app: &App) -> u32 {
    app.spend.ledger.map_or(0, |l| l.requests)
}

#[test]
fn choosing_an_account_asks_for_its_spend_once_and_all_accounts_again_costs_nothing() {
    let (mut app, service) = (app(Mode::Demo, None), service());
    press(&mut app, &service, &[U::ShowSpend]);
    let (whole, before) = (app.spend.total, requests_today(&app));
    assert!(whole > 0.0);

    let asked = choose_accounts(&mut app, &service, "ml-prod");
    let overview: Vec<&SpendRequest> = asked
        .iter()
        .filter(|r| r.target == Target::Overview)
        .collect();
    assert_eq!(overview.len(), 1, "{asked:?}");
    assert_eq!(
        overview[0].query.accounts.as_deref(),
        Some(&["222222222222".to_string()][..]),
        "narrowed by the account's id"
    );
    let narrowed_cost = requests_today(&app) - before;
    assert!(narrowed_cost > 0, "a new question costs requests");
    // The demo's Cost Explorer bills ml-prod 55% of every value.
    // (Cost Explorer's amounts are rounded per group and day.)
    let near = |total: f64, expected: f64| (total - expected).abs() < expected * 1e-4;
    assert!(
        near(app.spend.total, whole * 0.55),
        "{} vs {whole}",
        app.spend.total
    );
    assert_eq!(app.narrowed_title().as_deref(), Some("account: ml-prod"));

    // Back to every account: the organization's answer, from the cache.
    let asked = choose_accounts(&mut app, &service, "all accounts");
    assert!(
        asked.iter().all(|r| r.query.accounts.is_none()),
        "{asked:?}"
    );
    assert_eq!(
        requests_today(&app) - before,
        narrowed_cost,
        "nothing asked"
    );
    assert!(near(app.spend.total, whole));

    // And ml-prod again, within the TTL: its cached answer.
    choose_accounts(&mut app, &service, "ml-prod");
    assert_eq!(requests_today(&app) - before, narrowed_cost);
    assert!(near(app.spend.total, whole * 0.55));
}

#[test]
fn an_account_with_no_id_known_is_said_and_nothing_is_asked() {
    let config = sagescope_core::demo::config(&Config::default());
    let mut config = config;
    config.accounts.push(sagescope_core::config::AccountConfig {
        name: "lab".into(),
        role_arn: None,
        profile: Some("lab".into()),
        external_id: None,
        regions: Vec::new(),
    });
    let utc = FixedOffset::east_opt(0).expect("valid offset");
    let mut app = App::new(AppInit::from_config(&config, Mode::Demo, anchor(), utc));
    app.load_snapshot(sagescope_core::demo::world(anchor()));
    let service = service();
    press(&mut app, &service, &[U::ShowSpend]);
    assert!(app.spend.total > 0.0);

    let asked = choose_accounts(&mut app, &service, "lab");
    assert!(asked.is_empty(), "{asked:?}");
    assert_eq!(app.spend.unresolved(), Some(&["lab".to_string()][..]));
    assert_eq!(app.spend.total, 0.0, "the organization's figures are gone");
    assert!(!app.spend.loading);
    let asked = press(&mut app, &service, &[U::Refresh]);
    assert!(asked.is_empty(), "r asks nothing either");
}
