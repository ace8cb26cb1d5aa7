//! `o`: the selected row's AWS console page, copied through the terminal and shown.
//!
//! The console shows whichever account the browser is signed in to, so the notice names the
//! account the link belongs to: an operator with twenty accounts needs to know which to pick.

use super::{App, Overlay, Pane};
use crate::action::Command;
use sagescope_core::console;
use sagescope_core::sanitize;

impl App {
    pub(super) fn copy_console_link(&mut self) -> Vec<Command> {
        if matches!(self.overlay, Some(Overlay::Help | Overlay::Errors)) {
            self.notify("nothing here has a console page: open a row first");
            return Vec::new();
        }
        let target = match self.pane {
            Pane::Jobs => self.jobs.list.selected().map(|job| {
                Target::resource(
                    console::resource_url(job.kind, &job.region, &job.arn),
                    &job.account_name,
                    &job.account_id,
                )
            }),
            Pane::Untagged => self.findings.list.selected().map(|finding| {
                Target::resource(
                    console::resource_url(finding.kind, &finding.region, &finding.arn),
                    &finding.account_name,
                    &finding.account_id,
                )
            }),
            // Budget events have no resource (no kind): their page is Cost Explorer's.
            Pane::Events => self.events.list.selected().map(|row| {
                let event = &row.event;
                match event.kind {
                    Some(kind) => Target::resource(
                        console::resource_url(kind, &event.region, &event.arn),
                        &event.account_name,
                        &event.account_id,
                    ),
                    None => Target::cost_explorer(),
                }
            }),
            // Spend rows are money by tag value, not resources: Cost Explorer is their page.
            Pane::Spend => Some(Target::cost_explorer()),
        };
        match target {
            None => {
                self.notify("no row selected");
                Vec::new()
            }
            Some(Target { url: None, .. }) => {
                self.notify("this resource's ARN has no console page sagescope knows");
                Vec::new()
            }
            Some(Target {
                url: Some(url),
                whose,
            }) => {
                self.notify(format!("copied the console link ({whose}): {url}"));
                vec![Command::CopyToClipboard { text: url }]
            }
        }
    }
}

/// A console link and whose it is, for the notice.
struct Target {
    url: Option<String>,
    whose: String,
}

impl Target {
    fn cost_explorer() -> Target {
        Target {
            url: Some(console::cost_explorer_url("us-east-1")),
            whose: "Cost Explorer, in the account that pays the bill".into(),
        }
    }

    fn resource(url: Option<String>, account_name: &str, account_id: &str) -> Target {
        Target {
            url,
            whose: format!(
                "sign in to {} {}",
                sanitize::cell(account_name),
                sanitize::cell(account_id)
            ),
        }
    }
}
