//! Whole-screen snapshots of the terminal UI on the demo world, at 120×40 and 80×24.
//!
//! The demo world is anchored at a fixed time and "now" is fixed three minutes later, so the
//! screens are the same on every run. Review changes with `INSTA_UPDATE=always cargo test
//! --test tui_snapshots` and read the `.snap` diffs before committing them.

mod common;

use common::{demo_app, press, screen};
use sagescope::action::{Action, UserAction};

fn snapshot(name: &str, keys: &[UserAction]) {
    for (width, height) in [(120, 40), (80, 24)] {
        let mut app = demo_app(width, height);
        press(&mut app, keys);
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
        press(&mut app, &[UserAction::StartFilter]);
        for c in "llm".chars() {
            app.update(Action::InsertChar(c));
        }
        insta::assert_snapshot!(
            format!("jobs_filtering_{width}x{height}"),
            screen(&app, width, height).backend()
        );
    }
}
