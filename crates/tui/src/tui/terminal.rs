//! Taking over the terminal and always giving it back: on `q`, Ctrl-C, SIGTERM, an error
//! (the guard's `Drop`) and a panic of the UI itself (the hook), raw mode is switched off, the
//! alternate screen left and the cursor shown again.
//!
//! A panic elsewhere (a refresh or spend load on a runtime worker thread) is not the end of
//! the UI: the hook only logs it, and the task's `JoinError` becomes an error on screen
//! (see `background`). Telling the two apart needs the UI on a thread of its own, which is
//! how [`sagescope_engine::runtime::build`] builds the runtime: `block_on` polls the UI future on the calling thread and
//! spawned tasks run only on the worker threads.

use std::io::{self, Stdout, stdout};
use std::sync::OnceLock;
use std::thread::{self, ThreadId};

use crossterm::cursor::{Hide, Show};
use crossterm::execute;
use crossterm::terminal::{
    EnterAlternateScreen, LeaveAlternateScreen, disable_raw_mode, enable_raw_mode,
};
use ratatui::Terminal;
use ratatui::backend::CrosstermBackend;

/// The thread the UI runs on, recorded when the hook is installed (once per process).
static UI_THREAD: OnceLock<ThreadId> = OnceLock::new();

/// Restores the terminal when dropped, however the UI ends.
pub struct Guard(());

impl Drop for Guard {
    fn drop(&mut self) {
        if let Err(err) = restore() {
            tracing::warn!("restoring the terminal: {err}");
        }
    }
}

/// Switches to raw mode on the alternate screen, with a panic hook that undoes it if the
/// calling thread, which must be the one the UI runs on, panics.
pub fn enter() -> io::Result<(Terminal<CrosstermBackend<Stdout>>, Guard)> {
    install_panic_hook();
    // The guard exists before the first change, so a failure half-way still restores.
    let guard = Guard(());
    enable_raw_mode()?;
    execute!(stdout(), EnterAlternateScreen, Hide)?;
    let terminal = Terminal::new(CrosstermBackend::new(stdout()))?;
    Ok((terminal, guard))
}

/// Leaves raw mode and the alternate screen; harmless to call twice.
pub fn restore() -> io::Result<()> {
    disable_raw_mode()?;
    execute!(stdout(), LeaveAlternateScreen, Show)
}

/// What a panic means, by the thread it happened on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PanicScope {
    /// The UI itself: give the terminal back so the panic message is readable; the unwinding
    /// ends the program.
    Ui,
    /// A background task: the terminal stays the UI's; the task's `JoinError` reports it.
    Background,
}

/// The scope of a panic on thread `current`, given the UI's thread. Unknown (no UI thread
/// recorded) counts as the UI: restoring the terminal is the safe mistake.
pub fn panic_scope(ui: Option<ThreadId>, current: ThreadId) -> PanicScope {
    match ui {
        Some(ui) if ui != current => PanicScope::Background,
        _ => PanicScope::Ui,
    }
}

fn install_panic_hook() {
    let mut installed = false;
    UI_THREAD.get_or_init(|| {
        installed = true;
        thread::current().id()
    });
    if !installed {
        return;
    }
    let previous = std::panic::take_hook();
    std::panic::set_hook(Box::new(move |info| {
        let current = thread::current();
        match panic_scope(UI_THREAD.get().copied(), current.id()) {
            PanicScope::Ui => {
                let _ = restore();
                tracing::error!("panic: {info}");
                previous(info);
            }
            PanicScope::Background => {
                // Not `previous`: the default hook prints to stderr, over the UI's screen.
                tracing::error!(
                    thread = current.name().unwrap_or("unnamed"),
                    "panic in a background task: {info}"
                );
            }
        }
    }));
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_the_ui_threads_panic_gives_the_terminal_back() {
        let ui = thread::current().id();
        let worker = thread::spawn(|| thread::current().id())
            .join()
            .expect("thread ran");
        assert_eq!(panic_scope(Some(ui), ui), PanicScope::Ui);
        assert_eq!(panic_scope(Some(ui), worker), PanicScope::Background);
        assert_eq!(
            panic_scope(None, worker),
            PanicScope::Ui,
            "unknown: restore"
        );
    }

    #[test]
    fn tasks_spawned_on_the_ui_runtime_never_run_on_the_ui_thread() {
        let runtime = sagescope_engine::runtime::build().expect("runtime");
        let ui = thread::current().id();
        let scopes = runtime.block_on(async move {
            let tasks: Vec<_> = (0..16)
                .map(|_| tokio::spawn(async move { panic_scope(Some(ui), thread::current().id()) }))
                .collect();
            let mut scopes = Vec::new();
            for task in tasks {
                scopes.push(task.await.expect("task ran"));
            }
            // The UI future itself is polled here, on the thread that called block_on.
            scopes.push(panic_scope(Some(ui), thread::current().id()));
            scopes
        });
        let (ui_side, tasks) = scopes.split_last().expect("results");
        assert_eq!(*ui_side, PanicScope::Ui);
        assert!(
            tasks.iter().all(|s| *s == PanicScope::Background),
            "{tasks:?}"
        );
    }
}
