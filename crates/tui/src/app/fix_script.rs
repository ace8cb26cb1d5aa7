//! From spend to fixes: `u` on the Spend pane opens the resources behind its untagged share,
//! and `x` / `X` on the Untagged pane make the fix script for the selection or for every
//! finding shown. The App only builds the text; the event loop writes the file and says where.

use super::{App, FixScope, Notice, Pane};
use crate::action::Command;

/// Long enough to read (or copy) a path.
const PATH_NOTICE_SECONDS: i64 = 30;

impl App {
    /// `u` on the Spend pane: the Untagged pane, showing only the resources Cost Explorer
    /// counts as untagged for the key spend is grouped by.
    pub(super) fn show_untagged_for_spend_key(&mut self) {
        if self.pane != Pane::Spend || self.overlay.is_some() {
            return;
        }
        let key = self.spend.key().to_string();
        if key.is_empty() {
            return;
        }
        if !self.findings.policy_keys.contains(&key) {
            self.notify(format!(
                "{} is not in the tag policy ([tags] mandatory): no finding tracks it",
                sagescope_core::sanitize::cell(&key)
            ));
            return;
        }
        self.overlay = None;
        self.pane = Pane::Untagged;
        self.findings.set_without_key(Some(key));
    }

    pub(super) fn write_fix_script(&mut self, scope: FixScope) -> Vec<Command> {
        if self.pane != Pane::Untagged || self.overlay.is_some() {
            return Vec::new();
        }
        let findings: Vec<_> = self.findings.in_scope(scope).into_iter().cloned().collect();
        if findings.is_empty() {
            self.notify("nothing to fix here: no finding is shown");
            return Vec::new();
        }
        let script = sagescope_core::fixes::script(&findings, &self.findings.accounts, self.now);
        vec![Command::WriteFixScript {
            script,
            resources: findings.len(),
        }]
    }

    pub(super) fn fix_script_written(
        &mut self,
        resources: usize,
        written: Result<std::path::PathBuf, String>,
    ) {
        match written {
            Ok(path) => {
                let what = if resources == 1 {
                    "1 resource".to_string()
                } else {
                    format!("{resources} resources")
                };
                self.notice = Some(Notice {
                    text: format!(
                        "fix script for {what} written to {} (not run: review it, fill <FILL>, run it)",
                        path.display()
                    ),
                    until: self.now + chrono::Duration::seconds(PATH_NOTICE_SECONDS),
                });
            }
            Err(message) => {
                let text = format!("could not write the fix script: {message}");
                self.push_error(text.clone());
                self.notify(text);
            }
        }
    }
}
