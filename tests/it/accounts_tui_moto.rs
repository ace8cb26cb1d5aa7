//! The account picker in the terminal UI against moto, with accounts discovered from a nested
//! organization: an OU keeps the rows of every account in its subtree, a nested OU only its
//! own, and choosing an account narrows the Spend pane to that account's Cost Explorer
//! figures (a `LINKED_ACCOUNT` filter asked of the management account), each scope asked
//! once and switching back to all accounts served from the cache; with `spend.source =
//! "cur"` the CUR's query is narrowed the same way (`line_item_usage_account_id IN (...)`).

use crate::support;

use std::collections::BTreeSet;

use chrono::{Duration, Utc};
use sagescope::action::UserAction;
use sagescope::app::App;
use sagescope::spend::SpendService;
use serde_json::json;
use support::moto::{DEFAULT_ACCOUNT, moto};

const PROD: &str = "222222222222";
const VISION: &str = "333333333333";
const SAGEMAKER: &str = "Amazon SageMaker";

/// `:accounts`, `/filter`, Enter on the first match; settles the spend loads it starts.
fn choose(app: &mut App, spend: &SpendService, filter: &str) {
    for action in support::tui::choose_accounts(filter) {
        let commands = app.update(action);
        support::tui::settle(app, spend, commands);
    }
}

fn shown_accounts(app: &App) -> BTreeSet<String> {
    let list = &app.jobs.list;
    list.window(0, list.visible_len())
        .map(|job| job.account_id.to_string())
        .collect()
}

/// (tag value, total) of the Spend pane's lines.
fn spend_lines(app: &App) -> Vec<(String, f64)> {
    let mut lines: Vec<(String, f64)> = app
        .spend
        .lines
        .rows()
        .iter()
        .filter(|l| l.total > 0.0)
        .map(|l| (l.value.clone(), (l.total * 100.0).round() / 100.0))
        .collect();
    lines.sort_by(|a, b| a.0.cmp(&b.0));
    lines
}

/// Cost Explorer requests moto served since the last look.
fn cost_explorer_requests(moto: &mut support::moto::Moto) -> usize {
    moto.requests()
        .into_iter()
        .filter(|r| r.3.starts_with("GetCost"))
        .count()
}

#[test]
fn an_ou_covers_its_subtree_and_an_account_narrows_spend_to_its_own_figures() {
    let mut moto = moto();
    moto.seed(&[DEFAULT_ACCOUNT, PROD, VISION], &["us-east-1"], 0);
    let org = moto.call(json!({
        "cmd": "organization",
        "ous": [["ml", null], ["vision", "ml"]],
        "accounts": [
            {"id": PROD, "name": "ml-prod", "ou": "ml"},
            {"id": VISION, "name": "ml-vision", "ou": "vision"},
        ],
    }));
    assert!(org.get("error").is_none(), "{org}");
    // Spend by project as the management account's Cost Explorer bills it: `vision` only in
    // ml-prod, `nlp` only in ml-vision, `ops` in the management account.
    let today = Utc::now().date_naive();
    let item = |back: i64, account: &str, project: &str, amount: f64| {
        json!({"day": (today - Duration::days(back)).to_string(), "service": SAGEMAKER,
               "amount": amount, "tags": {"project": project}, "linked_account": account})
    };
    moto.cost_items(
        DEFAULT_ACCOUNT,
        &json!([
            item(3, PROD, "vision", 41.25),
            item(2, PROD, "vision", 12.5),
            item(2, VISION, "nlp", 7.5),
            item(1, DEFAULT_ACCOUNT, "ops", 3.0),
        ]),
    );

    // Every account discovered, none written by hand: Spend asks the management account,
    // which discovery lists first.
    let home = tempfile::tempdir().expect("tempdir");
    let config = "[organization]\ndiscover = true\nrole_name = \"SageScopeReadOnly\"\n\
                  regions = [\"us-east-1\"]\n\n[spend]\ngroup_by = \"project\"\n";
    let support::tui::Live {
        mut app, source, ..
    } = support::tui::live(home.path(), &moto, config);
    let spend = source.spend().expect("spend through the same fetcher");
    let everyone = shown_accounts(&app);
    assert_eq!(
        everyone,
        BTreeSet::from([DEFAULT_ACCOUNT.into(), PROD.into(), VISION.into()])
    );

    // The OU ml: ml-prod under it and ml-vision one OU further down.
    choose(&mut app, &spend, "ou ml");
    assert_eq!(app.accounts.title().as_deref(), Some("OU: ml"));
    assert_eq!(
        shown_accounts(&app),
        BTreeSet::from([PROD.into(), VISION.into()])
    );
    // The nested OU: its own account only.
    choose(&mut app, &spend, "ou ml / vision");
    assert_eq!(app.accounts.title().as_deref(), Some("OU: ml / vision"));
    assert_eq!(shown_accounts(&app), BTreeSet::from([VISION.into()]));

    // The whole organization's spend first.
    choose(&mut app, &spend, "all accounts");
    cost_explorer_requests(&mut moto);
    support::tui::press_settled(&mut app, &spend, &[UserAction::ShowSpend]);
    assert_eq!(
        spend_lines(&app),
        [
            ("nlp".to_string(), 7.5),
            ("ops".to_string(), 3.0),
            ("vision".to_string(), 53.75)
        ]
    );
    let org_wide = cost_explorer_requests(&mut moto);
    // GetCostAndUsage for the 30 days (the month to date is summed from it) and
    // GetCostForecast for the rest of the month.
    assert_eq!(org_wide, 2);
    let ledger = |app: &App| app.spend.ledger.map_or(0, |l| l.requests);
    let before = ledger(&app);

    // ml-prod alone: its `vision`, nothing of the others.
    choose(&mut app, &spend, "ml-prod");
    assert_eq!(spend_lines(&app), [("vision".to_string(), 53.75)]);
    let narrowed = cost_explorer_requests(&mut moto);
    assert_eq!(
        narrowed, org_wide,
        "the narrowed question costs what the organization's did"
    );
    assert_eq!(ledger(&app) - before, u32::try_from(narrowed).expect("few"));
    let screen = support::tui::text(&support::tui::screen(&app, 120, 40));
    assert!(
        screen.contains("Spend by project · account: ml-prod · $53.75"),
        "{screen}"
    );

    // Back to all accounts, then ml-prod again: both answers come from the cache.
    choose(&mut app, &spend, "all accounts");
    assert_eq!(spend_lines(&app).len(), 3);
    choose(&mut app, &spend, "ml-prod");
    assert_eq!(spend_lines(&app), [("vision".to_string(), 53.75)]);
    assert_eq!(cost_explorer_requests(&mut moto), 0);
    assert_eq!(ledger(&app) - before, u32::try_from(narrowed).expect("few"));

    // Spend from the CUR instead (CUR 2.0 spells the tag `user_project`), with figures Cost
    // Explorer does not have: narrowed by its SQL.
    let line = |account: &str, project: &str, cost: f64| {
        json!({"resource_id": format!("arn:aws:sagemaker:us-east-1:{account}:training-job/j"),
               "start": format!("{}T10:00:00Z", today - Duration::days(2)), "cost": cost,
               "account": account, "tags": {"user_project": project}})
    };
    moto.cur_table(
        "billing",
        "cur2",
        &json!([
            line(PROD, "vision", 50.0),
            line(VISION, "nlp", 7.25),
            line(DEFAULT_ACCOUNT, "ops", 2.5)
        ]),
    );
    // The CUR is read with a configured account: the management account, by hand.
    let config = format!(
        "[[accounts]]\nname = \"master\"\nrole_arn = \"{}\"\nregions = [\"us-east-1\"]\n\n{}",
        support::moto::role(DEFAULT_ACCOUNT),
        config.replace(
            "[spend]\n",
            "[cur]\ndatabase = \"billing\"\ntable = \"cur2\"\nworkgroup = \"primary\"\n\
             output_location = \"s3://athena-results/sagescope/\"\n\n[spend]\nsource = \"cur\"\n",
        )
    );
    let support::tui::Live {
        mut app, source, ..
    } = support::tui::live(home.path(), &moto, &config);
    let spend = source.spend().expect("spend");
    support::tui::press_settled(&mut app, &spend, &[UserAction::ShowSpend]);
    assert_eq!(
        spend_lines(&app),
        [
            ("nlp".to_string(), 7.25),
            ("ops".to_string(), 2.5),
            ("vision".to_string(), 50.0)
        ],
        "{:?}",
        app.spend.error
    );
    moto.requests();
    choose(&mut app, &spend, "ml-vision");
    assert_eq!(spend_lines(&app), [("nlp".to_string(), 7.25)]);
    let queries = moto
        .requests()
        .into_iter()
        .filter(|r| r.3 == "StartQueryExecution")
        .count();
    assert_eq!(queries, 1, "one narrowed CUR query");
}
