//! What the Spend pane must say on screen: the Billing console step when a key is not
//! activated, in full even at 80 columns.

use crate::support;

use sagescope::action::{Action, UserAction};
use sagescope::app::{App, AppInit, Mode};
use sagescope::config::Config;
use support::tui::{anchor, demo_spend, press_settled, screen, text, utc};

#[test]
fn a_key_nobody_activated_shows_where_to_activate_it() {
    for (width, height) in [(120, 40), (80, 24)] {
        let mut config = sagescope::demo::config(&Config::default());
        // No demo spend is tagged `team`: Cost Explorer reports it all as untagged.
        config.spend.group_by = "team".into();
        let mut app = App::new(AppInit::from_config(&config, Mode::Demo, anchor(), utc()));
        app.load_snapshot(sagescope::demo::world(anchor()));
        let _ = app.update(Action::Resize { width, height });
        press_settled(&mut app, &demo_spend(), &[UserAction::ShowSpend]);
        assert_eq!(app.spend.key(), "team");
        let shown = text(&screen(&app, width, height));
        let flat = flat(&shown);
        assert!(
            flat.contains("Cost allocation tags") && flat.contains("Activate"),
            "{width}x{height}:\n{shown}"
        );
        assert!(shown.contains("(untagged)"), "{shown}");
    }
}

/// `:accounts`, `/filter`, Enter on the first match; the Commands it started, unsettled.
fn choose_accounts(app: &mut App, filter: &str) -> Vec<sagescope::action::Command> {
    support::tui::choose_accounts(filter)
        .into_iter()
        .flat_map(|a| app.update(a))
        .collect()
}

/// The screen's text with the pane borders and padding gone, lines joined by a space: a
/// sentence wrapped over lines reads whole.
fn flat(shown: &str) -> String {
    shown
        .lines()
        .map(|l| l.trim_matches(|c| c == '│' || c == ' '))
        .collect::<Vec<_>>()
        .join(" ")
}

#[test]
fn an_account_choice_says_it_is_loading_then_shows_that_accounts_spend() {
    let mut app = support::tui::demo_app(120, 40);
    let spend = demo_spend();
    press_settled(&mut app, &spend, &[UserAction::ShowSpend]);
    assert!(text(&screen(&app, 120, 40)).contains("(untagged)"));
    let commands = choose_accounts(&mut app, "ml-dev");
    let shown = text(&screen(&app, 120, 40));
    assert!(
        shown.contains("Loading spend by `cost-center` of account: ml-dev"),
        "{shown}"
    );
    assert!(
        !shown.contains("(untagged)"),
        "no organization figure while the account's loads: {shown}"
    );
    support::tui::settle(&mut app, &spend, commands);
    let shown = text(&screen(&app, 120, 40));
    assert!(
        shown.contains("Spend by cost-center · account: ml-dev"),
        "{shown}"
    );
    assert!(!shown.contains("Loading"), "{shown}");
    assert!(
        shown.contains("(untagged)"),
        "the account's figures: {shown}"
    );
}

#[test]
fn an_account_whose_id_is_unknown_is_said_instead_of_the_organizations_spend() {
    let mut config = sagescope::demo::config(&Config::default());
    config.accounts.push(sagescope::config::AccountConfig {
        name: "lab".into(),
        role_arn: None,
        profile: Some("lab".into()),
        external_id: None,
        regions: Vec::new(),
    });
    for (width, height) in [(120, 40), (80, 24)] {
        let mut app = App::new(AppInit::from_config(&config, Mode::Demo, anchor(), utc()));
        app.load_snapshot(sagescope::demo::world(anchor()));
        let _ = app.update(Action::Resize { width, height });
        let spend = demo_spend();
        press_settled(&mut app, &spend, &[UserAction::ShowSpend]);
        let commands = choose_accounts(&mut app, "lab");
        assert!(commands.is_empty(), "nothing is asked: {commands:?}");
        let shown = text(&screen(&app, width, height));
        assert!(
            flat(&shown).contains("the account id of lab is not known yet"),
            "{width}x{height}:\n{shown}"
        );
        assert!(!shown.contains("(untagged)"), "no figures: {shown}");
    }
}
