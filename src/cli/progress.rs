//! What `refresh` and `export` say on stderr while the engine runs: a live status line on a
//! terminal, plain lines otherwise (a CI log or a file should read as a record, not as
//! carriage-return noise).

use std::io::IsTerminal;
use std::sync::Mutex;

use indicatif::{ProgressBar, ProgressStyle};

use crate::fetch::{EngineProgress, FetchEvent};
use crate::sanitize;

/// Prints the events of one refresh.
pub(super) struct CliProgress {
    bar: Option<ProgressBar>,
    latest: Mutex<EngineProgress>,
}

impl CliProgress {
    /// A status line when stderr is a terminal, plain lines otherwise.
    pub fn new() -> Self {
        let bar = std::io::stderr().is_terminal().then(|| {
            let bar = ProgressBar::new_spinner();
            if let Ok(style) = ProgressStyle::with_template("{spinner} {elapsed} {msg}") {
                bar.set_style(style);
            }
            bar.enable_steady_tick(std::time::Duration::from_millis(120));
            bar
        });
        CliProgress {
            bar,
            latest: Mutex::new(EngineProgress::default()),
        }
    }

    /// Handles one event (called from the engine's tasks; it never blocks for long).
    pub fn event(&self, event: &FetchEvent) {
        match event {
            FetchEvent::Progress(progress) => {
                *self
                    .latest
                    .lock()
                    .unwrap_or_else(std::sync::PoisonError::into_inner) = *progress;
                if let Some(bar) = &self.bar {
                    bar.set_message(progress.to_string());
                }
            }
            FetchEvent::Rows { scope, rows } => {
                self.line(&format!("{scope}: {} resources", rows.len()), false);
            }
            FetchEvent::Failed { error, kind } => {
                let what = match kind {
                    Some(kind) => format!("{error} ({kind})"),
                    None => error.to_string(),
                };
                self.line(&format!("failed: {what}"), true);
            }
            FetchEvent::Filled { .. } => {}
        }
    }

    /// A plain line, prefixed with the listing count: `[listing 14/36] ml-prod us-east-1
    /// training: 230 resources`. On a terminal only failures (`keep`) are printed above the
    /// status line.
    fn line(&self, text: &str, keep: bool) {
        let progress = *self
            .latest
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        let text = format!(
            "[listing {}/{}] {}",
            progress.listed,
            progress.scopes,
            sanitize::plain(text)
        );
        match &self.bar {
            Some(bar) if keep => bar.println(text),
            Some(_) => {}
            None => eprintln!("{text}"),
        }
    }

    /// Clears the status line (the summary lines follow).
    pub fn finish(&self) {
        if let Some(bar) = &self.bar {
            bar.finish_and_clear();
        }
    }
}
