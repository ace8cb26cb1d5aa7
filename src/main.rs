//! The `sagescope` binary: parse the command line, send logs to a file, run, exit with the
//! documented code.

use std::process::ExitCode;

use clap::Parser;
use sagescope::cli::{self, Cli};

fn main() -> ExitCode {
    let cli = Cli::parse();
    let _log_guard = init_logging();
    match cli::run(cli) {
        Ok(outcome) => outcome.exit_code(),
        Err(err) => {
            tracing::error!("{err:#}");
            eprintln!("error: {}", sagescope::sanitize::plain(&format!("{err:#}")));
            err.exit_code()
        }
    }
}

/// How many log lines may wait for the writer thread.
const LOG_QUEUE_LINES: usize = 4_096;

/// Logs go to a daily file in the state directory, never to the terminal the UI draws on.
/// `SAGESCOPE_LOG` sets the filter (e.g. `debug`, `sagescope=trace`). Logging is best effort:
/// an unwritable directory silently disables it rather than stopping the program.
fn init_logging() -> Option<tracing_appender::non_blocking::WorkerGuard> {
    let dir = sagescope::paths::log_dir()?;
    std::fs::create_dir_all(&dir).ok()?;
    let appender = tracing_appender::rolling::Builder::new()
        .rotation(tracing_appender::rolling::Rotation::DAILY)
        .filename_prefix("sagescope")
        .filename_suffix("log")
        .max_log_files(7)
        .build(&dir)
        .ok()?;
    // The default queue holds 128,000 lines and allocates all of them up front (4 MB resident
    // for the life of the program); a TUI logs a few lines a second, so a few thousand is room
    // enough, and a line that finds the queue full is dropped rather than blocking the UI.
    let (writer, guard) = tracing_appender::non_blocking::NonBlockingBuilder::default()
        .buffered_lines_limit(LOG_QUEUE_LINES)
        .lossy(true)
        .finish(appender);
    let filter = tracing_subscriber::EnvFilter::try_from_env("SAGESCOPE_LOG")
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info"));
    tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(writer)
        .with_ansi(false)
        .try_init()
        .ok()?;
    Some(guard)
}
