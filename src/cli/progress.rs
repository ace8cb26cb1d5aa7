//! What `refresh` and `export` say on stderr while the engine runs: a live status line on a
//! terminal, plain lines otherwise (a CI log or a file should read as a record, not as
//! carriage-return noise). Either way it stays readable at hundreds of accounts: the status
//! line is one [`ProgressTally`] line (lists done, failed, throttled, the slowest
//! account-region), and plain output is that line at each tenth of the listing plus the first
//! few failures, never a line per scope.

use std::io::IsTerminal;
use std::sync::Mutex;

use indicatif::{ProgressBar, ProgressStyle};

use crate::fetch::{FetchEvent, ProgressTally};
use crate::sanitize;

/// Failures printed one by one before the rest are only counted.
const FAILURES_SHOWN: usize = 10;

/// `SAGESCOPE_PROGRESS=scopes` asks plain output for a line per (account, region, kind) as it
/// is listed, with its row count: what the fetch benchmark times, and a record for a small
/// estate's log.
const PER_SCOPE_VAR: &str = "SAGESCOPE_PROGRESS";

/// Prints the events of one refresh.
pub(super) struct CliProgress {
    bar: Option<ProgressBar>,
    plain: Mutex<PlainLines>,
}

/// The plain-output state: the tally, the last tenth of the listing printed, the failures
/// printed so far.
#[derive(Default)]
struct PlainLines {
    tally: ProgressTally,
    tenth: Option<usize>,
    failures: usize,
    /// A line per scope listed instead of one per tenth ([`PER_SCOPE_VAR`]).
    per_scope: bool,
}

impl PlainLines {
    /// The lines `event` adds: a failure (the first few), or the counters when the listing
    /// crosses a tenth (`[listing 42/42] · 1 failed · details 10/40`).
    fn lines(&mut self, event: &FetchEvent) -> Vec<String> {
        let mut out = self.failure_lines(event);
        if self.per_scope {
            if let FetchEvent::Rows { scope, rows } = event {
                let text = format!(" {scope}: {} resources", rows.len());
                out.push(self.prefixed(&sanitize::plain(&text)));
            }
            return out;
        }
        let p = self.tally.latest;
        if let Some(tenth) = (p.listed * 10).checked_div(p.scopes)
            && self.tenth.is_none_or(|last| tenth > last)
        {
            self.tenth = Some(tenth);
            out.push(self.prefixed(&sanitize::plain(&self.tally.extras())));
        }
        out
    }

    /// Counts `event`; for one of the first few failures, its line.
    fn failure_lines(&mut self, event: &FetchEvent) -> Vec<String> {
        self.tally.observe(event);
        let mut out = Vec::new();
        if let FetchEvent::Failed { error, kind } = event {
            self.failures += 1;
            let what = match kind {
                Some(kind) => format!("{error} ({kind})"),
                None => error.to_string(),
            };
            if self.failures <= FAILURES_SHOWN {
                out.push(self.prefixed(&format!(" failed: {}", sanitize::plain(&what))));
            } else if self.failures == FAILURES_SHOWN + 1 {
                out.push(self.prefixed(" more failures are counted here and listed at the end"));
            }
        }
        out
    }

    fn prefixed(&self, text: &str) -> String {
        let p = self.tally.latest;
        format!("[listing {}/{}]{text}", p.listed, p.scopes)
    }
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
        let per_scope = std::env::var(PER_SCOPE_VAR).is_ok_and(|v| v == "scopes");
        CliProgress {
            bar,
            plain: Mutex::new(PlainLines {
                per_scope,
                ..PlainLines::default()
            }),
        }
    }

    /// Handles one event (called from the engine's tasks; it never blocks for long).
    pub fn event(&self, event: &FetchEvent) {
        let mut plain = self
            .plain
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        match &self.bar {
            Some(bar) => {
                // Above the status line, only the first failures; the line counts the rest.
                for line in plain.failure_lines(event) {
                    bar.println(line);
                }
                bar.set_message(sanitize::plain(&plain.tally.line()).into_owned());
            }
            None => {
                for line in plain.lines(event) {
                    eprintln!("{line}");
                }
            }
        }
    }

    /// Clears the status line (the summary lines follow).
    pub fn finish(&self) {
        if let Some(bar) = &self.bar {
            bar.finish_and_clear();
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::fetch::EngineProgress;
    use crate::model::{FetchError, ResourceKind, ScopeKey};

    #[test]
    fn eight_hundred_scopes_print_about_ten_lines_and_ten_failures() {
        let mut plain = PlainLines::default();
        let scopes = 800;
        let mut printed = Vec::new();
        for listed in 1..=scopes {
            let account = format!("ml-{:03}", listed / 4);
            let event = if listed % 40 == 0 {
                FetchEvent::Failed {
                    error: FetchError {
                        account: account.clone(),
                        region: Some("us-east-1".into()),
                        message: "access denied to sagemaker:ListTrainingJobs".into(),
                        ..FetchError::default()
                    },
                    kind: Some(ResourceKind::Training),
                }
            } else {
                FetchEvent::Rows {
                    scope: ScopeKey {
                        account,
                        region: "us-east-1".into(),
                        kind: ResourceKind::Training,
                    },
                    rows: Vec::new(),
                }
            };
            printed.extend(plain.lines(&event));
            printed.extend(plain.lines(&FetchEvent::Progress(EngineProgress {
                listed,
                scopes,
                ..EngineProgress::default()
            })));
        }
        let failures = printed.iter().filter(|l| l.contains("failed: ")).count();
        assert_eq!(failures, FAILURES_SHOWN, "{printed:#?}");
        assert_eq!(
            printed
                .iter()
                .filter(|l| l.contains("more failures"))
                .count(),
            1
        );
        let counters: Vec<&String> = printed.iter().filter(|l| l.contains("] ·")).collect();
        assert!(counters.len() <= 11, "{counters:#?}");
        assert_eq!(
            counters.last().map(|l| l.as_str()),
            Some("[listing 800/800] · 20 failed"),
            "the last says what failed in all"
        );
        assert!(printed.len() < 25, "{printed:#?}");
    }

    #[test]
    fn per_scope_lines_name_each_scope_and_its_rows_as_it_is_listed() {
        let mut plain = PlainLines {
            per_scope: true,
            ..PlainLines::default()
        };
        let progress = FetchEvent::Progress(EngineProgress {
            listed: 1,
            scopes: 14,
            ..EngineProgress::default()
        });
        assert!(plain.lines(&progress).is_empty(), "no counter lines then");
        let now = chrono::Utc::now();
        let rows = crate::demo::world(now).jobs.rows[..3].to_vec();
        let printed = plain.lines(&FetchEvent::Rows {
            scope: ScopeKey {
                account: "ml-prod".into(),
                region: "eu-west-1".into(),
                kind: ResourceKind::Training,
            },
            rows,
        });
        assert_eq!(
            printed,
            ["[listing 1/14] ml-prod eu-west-1 training: 3 resources"]
        );
    }
}
