//! The account picker (`:accounts`), scripted through `App::update` on the demo world
//! (accounts ml-dev, ml-prod and research).

use chrono::{DateTime, FixedOffset, TimeZone, Utc};

use super::*;
use crate::action::{Action, UserAction as U};
use sagescope_engine::org::{OrgUnit, Placement, UnitPath};
use sagescope_engine::source::RefreshOutcome;

fn anchor() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 11, 20, 14, 2, 0)
        .single()
        .expect("valid time")
}

fn demo_app() -> App {
    let utc = FixedOffset::east_opt(0).expect("valid offset");
    let config = sagescope_core::demo::config(&Config::default());
    let mut app = App::new(AppInit::from_config(&config, Mode::Demo, anchor(), utc));
    app.load_snapshot(sagescope_core::demo::world(anchor()));
    let _ = app.update(Action::Resize {
        width: 120,
        height: 40,
    });
    app
}

fn press(app: &mut App, keys: &[U]) {
    for key in keys {
        let _ = app.update(Action::User(*key));
    }
}

fn type_text(app: &mut App, text: &str) {
    for c in text.chars() {
        let _ = app.update(Action::InsertChar(c));
    }
}

fn command(app: &mut App, text: &str) {
    press(app, &[U::StartCommand]);
    type_text(app, text);
    press(app, &[U::InputSubmit]);
}

/// `:accounts`, `/text`, Enter on the first match.
fn pick(app: &mut App, filter: &str) {
    command(app, "accounts");
    press(app, &[U::StartFilter]);
    type_text(app, filter);
    press(app, &[U::InputSubmit, U::OpenDetail]);
}

fn shown_job_accounts(app: &App) -> Vec<String> {
    let list = &app.jobs.list;
    list.window(0, list.visible_len())
        .map(|j| j.account_name.to_string())
        .collect()
}

fn shown_finding_accounts(app: &App) -> Vec<String> {
    let list = &app.findings.list;
    list.window(0, list.visible_len())
        .map(|f| f.account_name.to_string())
        .collect()
}

fn count(app: &App, account: &str) -> (usize, usize) {
    (
        app.jobs
            .list
            .rows()
            .iter()
            .filter(|j| j.account_name == account)
            .count(),
        app.findings
            .list
            .rows()
            .iter()
            .filter(|f| f.account_name == account)
            .count(),
    )
}

#[test]
fn choosing_an_account_narrows_jobs_and_untagged_and_all_accounts_clears_it() {
    let mut app = demo_app();
    let (all_jobs, all_findings) = (app.jobs.list.visible_len(), app.findings.list.visible_len());
    let (prod_jobs, prod_findings) = count(&app, "ml-prod");
    assert!(
        prod_jobs > 0 && prod_jobs < all_jobs,
        "the demo spreads rows"
    );

    pick(&mut app, "ml-prod");
    assert_eq!(app.overlay, None, "choosing closes the picker");
    let jobs = shown_job_accounts(&app);
    assert_eq!(jobs.len(), prod_jobs);
    assert!(jobs.iter().all(|a| a == "ml-prod"), "{jobs:?}");
    let findings = shown_finding_accounts(&app);
    assert_eq!(findings.len(), prod_findings);
    assert!(findings.iter().all(|a| a == "ml-prod"), "{findings:?}");
    assert_eq!(app.narrowed_title().as_deref(), Some("account: ml-prod"));

    // Esc in the picker keeps the choice, even after moving the cursor.
    command(&mut app, "accounts");
    assert_eq!(app.key_context(), crate::keymap::KeyContext::Picker);
    press(&mut app, &[U::Top, U::Back]);
    assert_eq!(app.overlay, None);
    assert_eq!(app.jobs.list.visible_len(), prod_jobs);

    // The first entry, "all accounts", clears it.
    command(&mut app, "accounts");
    press(&mut app, &[U::Top, U::OpenDetail]);
    assert_eq!(app.accounts.scope, None);
    assert_eq!(app.jobs.list.visible_len(), all_jobs);
    assert_eq!(app.findings.list.visible_len(), all_findings);
    assert_eq!(app.narrowed_title(), None);
}

#[test]
fn the_picker_lists_each_account_with_its_id_rows_and_error() {
    let mut app = demo_app();
    let mut outcome = RefreshOutcome::default();
    let mut view =
        sagescope_core::model::View::new(anchor(), app.jobs.list.rows().to_vec(), Vec::new());
    view.errors.push(sagescope_core::model::FetchError {
        account: "orphan".into(),
        message: "AccessDenied: not authorized to perform: sts:AssumeRole".into(),
        ..sagescope_core::model::FetchError::default()
    });
    outcome.jobs = Some(view);
    let _ = app.update(Action::RefreshDone(outcome));
    let entries = app.picker_entries("");
    assert!(matches!(entries[0], PickerEntry::All { accounts: 4, .. }));
    let lines: Vec<&AccountLine> = entries
        .iter()
        .filter_map(|e| match e {
            PickerEntry::Account(a) => Some(a),
            _ => None,
        })
        .collect();
    let names: Vec<&str> = lines.iter().map(|a| a.name.as_str()).collect();
    assert_eq!(names, ["ml-dev", "ml-prod", "orphan", "research"]);
    assert_eq!(lines[1].id.as_deref(), Some("222222222222"));
    assert_eq!(lines[1].rows, count(&app, "ml-prod").0);
    assert_eq!(lines[2].rows, 0);
    assert!(
        lines[2]
            .error
            .as_deref()
            .is_some_and(|e| e.contains("AssumeRole"))
    );
    assert_eq!(
        app.picker_entries("PROD").len(),
        1,
        "the filter ignores case"
    );
}

fn unit(id: &str, name: &str) -> OrgUnit {
    OrgUnit {
        id: id.into(),
        name: name.into(),
    }
}

/// The demo accounts placed as discovery would: ml-prod in `ml`, ml-dev one level down in
/// `ml / vision`, research in `research`, all under the root.
fn place_in_nested_ous(app: &mut App) -> (UnitPath, UnitPath) {
    let root = UnitPath(vec![unit("r-ab12", "Root")]);
    let ml = root.child(unit("ou-ab12-ml", "ml"));
    let vision = ml.child(unit("ou-ab12-vision", "vision"));
    let outcome = RefreshOutcome {
        units: [
            ("ml-dev", "111111111111", vision.clone()),
            ("ml-prod", "222222222222", ml.clone()),
            (
                "research",
                "333333333333",
                root.child(unit("ou-ab12-rs", "research")),
            ),
        ]
        .into_iter()
        .map(|(name, id, path)| {
            let id = id.to_string();
            (name.to_string(), Placement { id, path })
        })
        .collect(),
        ..RefreshOutcome::default()
    };
    let _ = app.update(Action::RefreshDone(outcome));
    (ml, vision)
}

#[test]
fn choosing_an_ou_narrows_to_every_account_in_its_subtree() {
    let mut app = demo_app();
    let (ml, _) = place_in_nested_ous(&mut app);
    let expected = count(&app, "ml-dev").0 + count(&app, "ml-prod").0;

    pick(&mut app, "ou ml");
    assert_eq!(app.accounts.scope, Some(AccountScope::Unit(ml)));
    let jobs = shown_job_accounts(&app);
    assert_eq!(jobs.len(), expected, "ml-dev sits in a sub-OU of ml");
    assert!(
        jobs.iter().all(|a| a == "ml-dev" || a == "ml-prod"),
        "{jobs:?}"
    );
    assert!(
        shown_finding_accounts(&app)
            .iter()
            .all(|a| a == "ml-dev" || a == "ml-prod")
    );
    assert_eq!(app.narrowed_title().as_deref(), Some("OU: ml"));

    // M on top narrows further and both show in the title.
    press(&mut app, &[U::ToggleMine]);
    assert_eq!(
        app.narrowed_title().as_deref(),
        Some("mine: alice · OU: ml")
    );
}

#[test]
fn choosing_a_nested_ou_keeps_only_its_own_accounts() {
    let mut app = demo_app();
    let (_, vision) = place_in_nested_ous(&mut app);
    pick(&mut app, "ou ml / vision");
    assert_eq!(app.accounts.scope, Some(AccountScope::Unit(vision)));
    let jobs = shown_job_accounts(&app);
    assert_eq!(jobs.len(), count(&app, "ml-dev").0);
    assert!(jobs.iter().all(|a| a == "ml-dev"), "{jobs:?}");
    assert_eq!(app.narrowed_title().as_deref(), Some("OU: ml / vision"));
}

#[test]
fn the_picker_lists_each_ou_once_by_its_path_counting_its_sub_ous() {
    let mut app = demo_app();
    place_in_nested_ous(&mut app);
    let (dev, prod, research) = (
        count(&app, "ml-dev").0,
        count(&app, "ml-prod").0,
        count(&app, "research").0,
    );
    let units: Vec<(String, usize, usize)> = app
        .picker_entries("")
        .into_iter()
        .filter_map(|e| match e {
            PickerEntry::Unit {
                unit,
                accounts,
                rows,
            } => Some((unit.label(), accounts, rows)),
            _ => None,
        })
        .collect();
    assert_eq!(
        units,
        [
            ("Root".to_string(), 3, dev + prod + research),
            ("ml".to_string(), 2, dev + prod),
            ("ml / vision".to_string(), 1, dev),
            ("research".to_string(), 1, research),
        ]
    );
    let dev_line = app
        .picker_entries("ml-dev")
        .into_iter()
        .find_map(|e| match e {
            PickerEntry::Account(a) => Some(a),
            _ => None,
        })
        .expect("ml-dev listed");
    assert_eq!(
        dev_line.unit.map(|u| u.label()).as_deref(),
        Some("ml / vision")
    );
}

#[test]
fn a_filter_matching_nothing_chooses_nothing() {
    let mut app = demo_app();
    let all = app.jobs.list.visible_len();
    pick(&mut app, "no-such-account");
    assert_eq!(app.accounts.scope, None);
    assert_eq!(
        app.overlay,
        Some(Overlay::Accounts),
        "still open to try again"
    );
    assert_eq!(app.jobs.list.visible_len(), all);
}

fn shown_event_accounts(app: &App) -> Vec<String> {
    let list = &app.events.list;
    list.window(0, list.visible_len())
        .map(|r| r.event.account_name.clone())
        .collect()
}

#[test]
fn the_events_pane_follows_the_choice_for_events_already_seen_and_new_ones() {
    let mut app = demo_app();
    let event = |account: &str, name: &str| sagescope_core::model::Event {
        at: anchor(),
        event: sagescope_core::model::EventKind::JobFailed,
        account_id: String::new(),
        account_name: account.into(),
        region: "us-east-1".into(),
        kind: None,
        arn: format!("arn:{name}"),
        name: name.into(),
        previous_status: Some("InProgress".into()),
        status: Some("Failed".into()),
        detail: None,
    };
    app.events
        .set_timeline(vec![event("ml-prod", "a"), event("ml-dev", "b")], anchor());
    pick(&mut app, "ml-prod");
    assert_eq!(shown_event_accounts(&app), ["ml-prod"]);

    // A refresh's new events are narrowed as they arrive.
    let _ = app
        .events
        .add(vec![event("ml-dev", "c"), event("ml-prod", "d")], anchor());
    assert_eq!(shown_event_accounts(&app), ["ml-prod", "ml-prod"]);
    assert_eq!(
        app.events.list.rows().len(),
        4,
        "the others are kept, hidden"
    );

    command(&mut app, "accounts");
    press(&mut app, &[U::Top, U::OpenDetail]);
    assert_eq!(shown_event_accounts(&app).len(), 4);
}
