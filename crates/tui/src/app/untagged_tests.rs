//! The Untagged pane through `App::update`: grouping and sorting, `m`, and `x`/`X` (the fix
//! script for the selection or for every finding shown).

use chrono::{DateTime, FixedOffset, TimeZone, Utc};

use super::*;
use crate::action::{Action, Command, UserAction as U};
use crate::keymap::{Key, KeyContext, resolve};
use sagescope_core::model::TagFinding;

fn anchor() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 11, 20, 14, 2, 0)
        .single()
        .expect("valid time")
}

fn untagged_app() -> App {
    let config = sagescope_core::demo::config(&Config::default());
    let utc = FixedOffset::east_opt(0).expect("valid offset");
    let mut app = App::new(AppInit::from_config(&config, Mode::Demo, anchor(), utc));
    app.load_snapshot(sagescope_core::demo::world(anchor()));
    let _ = app.update(Action::Resize {
        width: 120,
        height: 40,
    });
    let _ = app.update(Action::User(U::ShowUntagged));
    app
}

fn press(app: &mut App, keys: &[U]) -> Vec<Command> {
    keys.iter()
        .flat_map(|k| app.update(Action::User(*k)))
        .collect()
}

fn shown(app: &App) -> Vec<&TagFinding> {
    app.findings.list.window(0, usize::MAX).collect()
}

/// The ARNs a fix script changes, from its parsed `aws` lines.
fn script_arns(script: &str) -> Vec<String> {
    let mut arns: Vec<String> = script
        .lines()
        .filter(|l| l.starts_with("aws "))
        .map(|l| {
            let words = shlex::split(l).expect("one well-formed shell command per line");
            let at = words
                .iter()
                .position(|w| w == "--resource-arn")
                .expect("names its resource");
            words[at + 1].clone()
        })
        .collect();
    arns.dedup();
    arns
}

#[test]
fn findings_open_grouped_by_account_with_most_problems_first_in_each() {
    let app = untagged_app();
    let rows = shown(&app);
    assert_eq!(
        rows.len(),
        sagescope_core::demo::world(anchor()).findings.rows.len()
    );
    assert!(app.findings.grouped());
    for pair in rows.windows(2) {
        let (a, b) = (pair[0], pair[1]);
        assert!(a.account_name <= b.account_name, "grouped by account");
        if a.account_name == b.account_name {
            assert!(
                a.problem_count() >= b.problem_count(),
                "most problems first"
            );
        }
    }
    // The title counts resources per tag key, policy keys first in policy order.
    let keys: Vec<&str> = app
        .findings
        .per_key
        .iter()
        .map(|(k, _)| k.as_str())
        .collect();
    assert_eq!(&keys[..3], ["cost-center", "project", "owner"]);
    let owner = rows
        .iter()
        .filter(|f| {
            f.missing.iter().any(|k| k == "owner")
                || f.miscased.iter().any(|m| m.expected == "owner")
                || f.invalid.iter().any(|i| i.key == "owner")
        })
        .count();
    assert_eq!(app.findings.per_key[2], ("owner".to_string(), owner));
}

#[test]
fn s_sorts_by_problems_kind_age_and_name_and_back_to_accounts() {
    let mut app = untagged_app();
    let now = app.now;
    press(&mut app, &[U::SortNext]);
    assert_eq!(app.findings.list.sort_column(), FindingColumn::Problems);
    let counts: Vec<usize> = shown(&app).iter().map(|f| f.problem_count()).collect();
    assert!(counts.windows(2).all(|w| w[0] >= w[1]), "{counts:?}");
    assert!(!app.findings.grouped());

    press(&mut app, &[U::SortNext]);
    assert_eq!(app.findings.list.sort_column(), FindingColumn::Kind);
    assert!(shown(&app).windows(2).all(|w| w[0].kind <= w[1].kind));

    press(&mut app, &[U::SortNext]);
    assert_eq!(app.findings.list.sort_column(), FindingColumn::Age);
    let created: Vec<DateTime<Utc>> = shown(&app)
        .iter()
        .map(|f| f.created_at.unwrap_or(now))
        .collect();
    assert!(created.windows(2).all(|w| w[0] <= w[1]), "oldest first");
    press(&mut app, &[U::SortReverse]);
    let created: Vec<DateTime<Utc>> = shown(&app)
        .iter()
        .map(|f| f.created_at.unwrap_or(now))
        .collect();
    assert!(created.windows(2).all(|w| w[0] >= w[1]), "S: newest first");

    press(&mut app, &[U::SortNext, U::SortNext]);
    assert_eq!(app.findings.list.sort_column(), FindingColumn::Cost);
    let costs: Vec<Option<f64>> = shown(&app).iter().map(|f| f.cost.map(|c| c.usd)).collect();
    let priced = costs.iter().flatten().count();
    assert!(priced > 0, "the demo's offenders include billed resources");
    assert!(
        costs[..priced].iter().all(Option::is_some),
        "priced first, unpriced (models, stopped notebooks) last: {costs:?}"
    );
    let usd: Vec<f64> = costs.iter().flatten().copied().collect();
    assert!(
        usd.windows(2).all(|w| w[0] >= w[1]),
        "most at stake first: {usd:?}"
    );

    press(&mut app, &[U::SortNext]);
    assert_eq!(app.findings.list.sort_column(), FindingColumn::Creator);
    assert!(app.findings.by_creator());

    press(&mut app, &[U::SortNext]);
    assert_eq!(app.findings.list.sort_column(), FindingColumn::Account);
    assert!(app.findings.grouped());
}

#[test]
fn c_groups_by_who_created_each_resource_most_money_first_and_back() {
    let mut app = untagged_app();
    press(&mut app, &[U::GroupByCreator]);
    assert!(app.findings.by_creator());
    let rows = shown(&app);
    // A role's build sessions are one person to ask: the role (read here by hand).
    let who = |f: &TagFinding| {
        f.created_by
            .as_deref()
            .and_then(|c| c.created.as_ref())
            .map(|c| {
                c.role
                    .as_ref()
                    .map_or(c.who.clone(), |role| format!("role/{role}"))
            })
            .map(|w| w.to_lowercase())
    };
    // Known creators first, alphabetically, each group contiguous; the unknown last.
    let keys: Vec<Option<String>> = rows.iter().map(|f| who(f)).collect();
    let known = keys.iter().take_while(|k| k.is_some()).count();
    assert!(known > 0, "the demo's offenders have creators");
    assert!(keys[known..].iter().all(Option::is_none), "unknown last");
    assert!(
        keys[..known].windows(2).all(|w| w[0] <= w[1]),
        "grouped by creator: {keys:?}"
    );
    let groups: std::collections::BTreeSet<&Option<String>> = keys.iter().collect();
    assert!(groups.len() >= 3, "several people to ask: {groups:?}");
    // Within a group, the most money first.
    for group in &groups {
        let usd: Vec<f64> = rows
            .iter()
            .filter(|f| who(f).as_ref() == group.as_ref())
            .filter_map(|f| f.cost.map(|c| c.usd))
            .collect();
        assert!(usd.windows(2).all(|w| w[0] >= w[1]), "{group:?}: {usd:?}");
    }
    // The fix script for the row under the cursor, at the top, names the person to ask.
    let first_who = rows[0]
        .created_by
        .as_deref()
        .and_then(|c| c.who())
        .expect("the first row's creator is known")
        .to_string();
    assert!(
        rows.iter()
            .filter(|f| who(f).as_deref() == Some("role/ci-deployer"))
            .count()
            > 1,
        "the CI role's sessions are one group"
    );
    assert_eq!(
        app.findings.list.selected_index(),
        0,
        "grouping starts at the top"
    );
    let commands = press(&mut app, &[U::WriteFixScript]);
    let [Command::WriteFixScript { script, .. }] = commands.as_slice() else {
        panic!("one write command: {commands:?}");
    };
    assert!(
        script.contains(&format!("# created by {first_who}: ask them")),
        "{script}"
    );
    press(&mut app, &[U::GroupByCreator]);
    assert!(!app.findings.by_creator());
    assert_eq!(app.findings.list.sort_column(), FindingColumn::Cost);
}

#[test]
fn m_keeps_only_resources_missing_a_key_and_composes_with_the_filter() {
    let mut app = untagged_app();
    let all = shown(&app).len();
    let missing = shown(&app).iter().filter(|f| !f.missing.is_empty()).count();
    assert!(0 < missing && missing < all, "the demo has both kinds");

    press(&mut app, &[U::ToggleMissingOnly]);
    assert!(app.findings.missing_only);
    assert_eq!(shown(&app).len(), missing);
    assert!(shown(&app).iter().all(|f| !f.missing.is_empty()));

    // The filter narrows within it, and a refresh keeps the toggle.
    let _ = app.update(Action::User(U::StartFilter));
    for c in "ml-prod".chars() {
        let _ = app.update(Action::InsertChar(c));
    }
    let _ = app.update(Action::User(U::InputSubmit));
    assert!(
        shown(&app)
            .iter()
            .all(|f| f.account_name == "ml-prod" && !f.missing.is_empty())
    );
    app.load_snapshot(sagescope_core::demo::world(anchor()));
    assert!(
        shown(&app)
            .iter()
            .all(|f| f.account_name == "ml-prod" && !f.missing.is_empty())
    );

    press(&mut app, &[U::Back, U::ToggleMissingOnly]);
    assert_eq!(shown(&app).len(), all);
}

#[test]
fn x_writes_the_script_for_the_selected_finding_only() {
    let mut app = untagged_app();
    press(&mut app, &[U::Down, U::Down]);
    let selected = app
        .findings
        .list
        .selected()
        .map(|f| f.arn.clone())
        .expect("a finding is selected");
    let commands = press(&mut app, &[U::WriteFixScript]);
    let [Command::WriteFixScript { script, resources }] = commands.as_slice() else {
        panic!("one write command: {commands:?}");
    };
    assert_eq!(*resources, 1);
    assert_eq!(script_arns(script), [selected]);
    assert!(script.starts_with("#!/usr/bin/env bash\n"));
}

#[test]
fn shift_x_writes_the_script_for_every_finding_shown() {
    let mut app = untagged_app();
    let _ = app.update(Action::User(U::StartFilter));
    for c in "research".chars() {
        let _ = app.update(Action::InsertChar(c));
    }
    let _ = app.update(Action::User(U::InputSubmit));
    press(&mut app, &[U::ToggleMissingOnly]);
    let mut expected: Vec<String> = shown(&app).iter().map(|f| f.arn.clone()).collect();
    assert!(expected.len() > 1);
    let commands = press(&mut app, &[U::WriteFixScriptShown]);
    let [Command::WriteFixScript { script, resources }] = commands.as_slice() else {
        panic!("one write command: {commands:?}");
    };
    assert_eq!(*resources, expected.len());
    let mut named = script_arns(script);
    named.sort();
    expected.sort();
    assert_eq!(named, expected, "exactly the findings shown");
    // Demo accounts are reached through roles: the script says so.
    assert!(script.contains("# reached through arn:aws:iam::333333333333:role/"));
}

#[test]
fn the_written_path_is_shown_and_a_failure_is_logged() {
    let mut app = untagged_app();
    let _ = app.update(Action::FixScriptWritten {
        resources: 3,
        written: Ok("/home/me/sagescope-tag-fixes-20261120-140500.sh".into()),
    });
    let notice = app.notice.clone().expect("a notice").text;
    assert!(notice.contains("3 resources"), "{notice}");
    assert!(
        notice.contains("/home/me/sagescope-tag-fixes-20261120-140500.sh"),
        "{notice}"
    );
    assert!(notice.contains("not run"), "{notice}");

    let _ = app.update(Action::FixScriptWritten {
        resources: 1,
        written: Err("/ro: Read-only file system".into()),
    });
    assert!(
        app.errors
            .latest()
            .is_some_and(|e| e.text.contains("Read-only file system"))
    );
}

#[test]
fn x_with_nothing_shown_writes_nothing_and_says_so() {
    let mut app = untagged_app();
    let _ = app.update(Action::User(U::StartFilter));
    for c in "no-such-resource".chars() {
        let _ = app.update(Action::InsertChar(c));
    }
    let _ = app.update(Action::User(U::InputSubmit));
    assert!(press(&mut app, &[U::WriteFixScriptShown]).is_empty());
    assert!(
        app.notice
            .is_some_and(|n| n.text.contains("nothing to fix"))
    );
}

#[test]
fn m_and_x_are_untagged_keys_only() {
    for (c, action) in [
        ('m', U::ToggleMissingOnly),
        ('c', U::GroupByCreator),
        ('x', U::WriteFixScript),
        ('X', U::WriteFixScriptShown),
    ] {
        let key = Key {
            code: crossterm::event::KeyCode::Char(c),
            ctrl: false,
        };
        assert_eq!(resolve(KeyContext::Untagged, key), Some(action));
        assert_ne!(resolve(KeyContext::Jobs, key), Some(action));
        assert_eq!(resolve(KeyContext::Input, key), None, "typing {c} is text");
    }
    // And the App ignores them elsewhere.
    let mut app = untagged_app();
    press(&mut app, &[U::ShowJobs]);
    assert!(press(&mut app, &[U::WriteFixScript, U::ToggleMissingOnly]).is_empty());
    assert!(!app.findings.missing_only);
}

#[test]
fn u_on_spend_opens_the_resources_behind_the_untagged_share_and_esc_shows_all() {
    let mut app = untagged_app();
    let all = shown(&app).len();
    press(&mut app, &[U::ShowSpend]);
    let key = app.spend.key().to_string();
    assert_eq!(key, "cost-center", "the demo groups spend by cost center");
    press(&mut app, &[U::ShowUntaggedForKey]);
    assert_eq!(app.pane, Pane::Untagged);
    let rows = shown(&app);
    assert!(!rows.is_empty() && rows.len() < all);
    // Missing the key, or carrying it in another case: both land in `cost-center$` spend.
    assert!(
        rows.iter()
            .all(|f| { f.missing.contains(&key) || f.miscased.iter().any(|m| m.expected == key) })
    );
    assert!(rows.iter().any(|f| !f.miscased.is_empty()));
    let expected = sagescope_core::demo::world(anchor())
        .findings
        .rows
        .iter()
        .filter(|f| findings::untagged_for(f, &key))
        .count();
    assert_eq!(rows.len(), expected);

    press(&mut app, &[U::Back]);
    assert_eq!(shown(&app).len(), all);
}

#[test]
fn u_for_a_key_outside_the_policy_says_why_nothing_is_shown() {
    let config = sagescope_core::demo::config(&Config::default());
    let utc = FixedOffset::east_opt(0).expect("valid offset");
    let mut init = AppInit::from_config(&config, Mode::Demo, anchor(), utc);
    init.group_keys = vec!["team".into()];
    let mut app = App::new(init);
    app.load_snapshot(sagescope_core::demo::world(anchor()));
    press(&mut app, &[U::ShowSpend, U::ShowUntaggedForKey]);
    assert_eq!(app.pane, Pane::Spend);
    assert!(
        app.notice
            .is_some_and(|n| n.text.contains("team is not in the tag policy"))
    );
}
