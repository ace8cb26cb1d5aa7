//! What an event does besides going on the timeline, per `[alerts]`: which kinds alert, the
//! text a toast or notification shows, and the `[alerts] command` run.
//!
//! The TUI and `watch` share this; the TUI adds the toast, bell and terminal notification
//! ([`osc`]), `watch` prints the JSON line.

pub mod command;
pub mod osc;

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use sagescope_core::config::{AlertsConfig, EventsConfig};
use sagescope_core::model::Event;

/// `[alerts]`, ready to act on events.
#[derive(Debug, Clone)]
pub struct Alerts {
    config: AlertsConfig,
    /// `[events] retention_days`, for events recorded outside a refresh (budgets).
    retention_days: u32,
    /// A failing command is reported once, not on every event.
    reported: Arc<AtomicBool>,
}

impl Alerts {
    pub fn new(config: &AlertsConfig, events: &EventsConfig) -> Self {
        Alerts {
            config: config.clone(),
            retention_days: events.retention_days,
            reported: Arc::new(AtomicBool::new(false)),
        }
    }

    pub fn config(&self) -> &AlertsConfig {
        &self.config
    }

    pub fn retention_days(&self) -> u32 {
        self.retention_days
    }

    /// Whether `event` alerts under this config.
    pub fn wants(&self, event: &Event) -> bool {
        event.event.is_alert() && self.config.events.contains(&event.event)
    }

    /// Runs the command (if one is configured) for `event` on a task of its own, whose handle
    /// comes back. Its stdin is the event as `watch` prints it. A failure is logged every time and handed to `report` the first time only.
    pub fn spawn_command(
        &self,
        event: &Event,
        report: impl FnOnce(String) + Send + 'static,
    ) -> Option<tokio::task::JoinHandle<()>> {
        if self.config.command.is_empty() {
            return None;
        }
        let input = match serde_json::to_vec(&crate::export::EventRow::from(event)) {
            Ok(input) => input,
            Err(err) => {
                tracing::warn!("cannot encode an event for the alert command: {err}");
                return None;
            }
        };
        let argv = self.config.command.clone();
        let timeout = Duration::from_secs(self.config.command_timeout_seconds);
        let reported = self.reported.clone();
        Some(tokio::spawn(async move {
            if let Err(err) = command::run(&argv, &input, timeout).await {
                tracing::warn!("{err}");
                if !reported.swap(true, Ordering::SeqCst) {
                    report(format!("{err} (further failures only in the log)"));
                }
            }
        }))
    }
}

/// A one-line title for a toast or notification: `job failed · prod`.
pub fn title(event: &Event) -> String {
    let what = event.event.as_str().replace('_', " ");
    if event.account_name.is_empty() {
        what
    } else {
        format!("{what} · {}", event.account_name)
    }
}

/// The body as lines: what (`training train-1`), where and how (`us-east-1 · InProgress →
/// Failed`), and why (the failure reason, the tag problems), when known. Raw AWS text:
/// sanitize before showing it.
pub fn lines(event: &Event) -> Vec<String> {
    let what = match event.kind {
        Some(kind) => format!("{kind} {}", event.name),
        None => format!("budget {}", event.name),
    };
    let mut how = Vec::new();
    if !event.region.is_empty() {
        how.push(event.region.clone());
    }
    match (&event.previous_status, &event.status) {
        (Some(before), Some(now)) => how.push(format!("{before} → {now}")),
        (None, Some(now)) => how.push(now.clone()),
        _ => {}
    }
    let mut out = vec![what, how.join(" · ")];
    out.extend(event.detail.clone());
    out.retain(|l| !l.is_empty());
    out
}

/// The body on one line (a desktop notification).
pub fn body(event: &Event) -> String {
    lines(event).join(" · ")
}
