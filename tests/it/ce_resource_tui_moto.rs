//! The Spend drill-down's "top resources" in the terminal UI against moto: a live refresh
//! reads each resource's cost from Cost Explorer's resource-level data (`ce-resource`), and
//! drilling into a tag value (and into the untagged share) ranks the resources behind it by
//! the amounts the world billed.

use crate::support;

use chrono::{Duration, Utc};
use sagescope::action::UserAction;
use sagescope::app::App;
use sagescope::model::CostSource;
use serde_json::json;
use support::moto::{DEFAULT_ACCOUNT, moto};

const REGION: &str = "us-east-1";
const SAGEMAKER: &str = "Amazon SageMaker";

/// (name, resource, cost) of a drill-down's top resources, in order.
fn ranking(app: &App) -> Vec<(String, String, f64)> {
    let drill = app.spend.drill.as_ref().expect("a drill-down");
    drill
        .top
        .rows
        .iter()
        .map(|r| {
            assert_eq!(r.cost.source, CostSource::CeResource, "{r:?}");
            (r.name.clone(), r.account_name.clone(), r.cost.usd)
        })
        .collect()
}

#[test]
fn top_resources_of_a_value_and_of_the_untagged_share_are_what_the_world_billed() {
    let mut moto = moto();
    let arns = moto.tag_world(&json!([
        {"account": DEFAULT_ACCOUNT, "region": REGION, "kind": "training",
         "name": "Resnet-Big", "tags": {"project": "vision"}},
        {"account": DEFAULT_ACCOUNT, "region": REGION, "kind": "training",
         "name": "vit-small", "tags": {"project": "vision"}},
        {"account": DEFAULT_ACCOUNT, "region": REGION, "kind": "training",
         "name": "bert-small", "tags": {}},
        {"account": DEFAULT_ACCOUNT, "region": REGION, "kind": "training",
         "name": "gpt-tiny", "tags": {"project": "nlp"}},
    ]));
    let today = Utc::now().date_naive();
    let day = |back: i64| (today - Duration::days(back)).to_string();
    let item = |name: &str, back: i64, amount: f64, project: Option<&str>| {
        let tags = project.map_or_else(|| json!({}), |p| json!({"project": p}));
        json!({"day": day(back), "service": SAGEMAKER, "amount": amount, "tags": tags,
               "resource_id": arns[name].to_lowercase()})
    };
    moto.cost_items(
        DEFAULT_ACCOUNT,
        &json!([
            item("Resnet-Big", 3, 41.25, Some("vision")),
            item("Resnet-Big", 2, 12.5, Some("vision")),
            item("vit-small", 2, 60.0, Some("vision")),
            item("bert-small", 1, 7.4, None),
            item("gpt-tiny", 1, 2.0, Some("nlp")),
        ]),
    );
    moto.resource_level(DEFAULT_ACCOUNT, true, None);

    let home = tempfile::tempdir().expect("tempdir");
    let support::tui::Live {
        mut app, source, ..
    } = support::tui::live(
        home.path(),
        &moto,
        "[[accounts]]\nname = \"main\"\nregions = [\"us-east-1\"]\n\n\
         [tags]\nmandatory = [\"project\"]\n\n\
         [spend]\ngroup_by = \"project\"\nresource_costs = true\n",
    );
    // The refresh's one resource-level request is in the status bar's ledger at once.
    let ledger = app.spend.ledger.expect("the refresh asked Cost Explorer");
    assert_eq!((ledger.requests, ledger.usd), (1, 0.01));
    let spend = source.spend().expect("spend through the same fetcher");

    // Sorted by total: vision (113.75) first, then the untagged share, then nlp.
    support::tui::press_settled(
        &mut app,
        &spend,
        &[UserAction::ShowSpend, UserAction::OpenDetail],
    );
    assert_eq!(
        ranking(&app),
        [
            ("vit-small".to_string(), "main".to_string(), 60.0),
            ("Resnet-Big".to_string(), "main".to_string(), 53.75),
        ]
    );
    let screen = support::tui::text(&support::tui::screen(&app, 120, 40));
    let first = today - Duration::days(13);
    assert!(
        screen.contains("Top resources · project=vision"),
        "{screen}"
    );
    assert!(
        screen.contains(&format!("ce-resource: {first} to {today}")),
        "the window is said: {screen}"
    );

    support::tui::press_settled(
        &mut app,
        &spend,
        &[UserAction::Back, UserAction::Down, UserAction::OpenDetail],
    );
    assert_eq!(
        ranking(&app),
        [("bert-small".to_string(), "main".to_string(), 7.4)],
        "the untagged share: the resources lacking `project`"
    );
}
