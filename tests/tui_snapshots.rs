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
