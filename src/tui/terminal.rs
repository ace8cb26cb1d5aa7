//! Taking over the terminal and always giving it back: on `q`, Ctrl-C, SIGTERM, an error
//! (the guard's `Drop`) and a panic (the hook), raw mode is switched off, the alternate
//! screen left and the cursor shown again.

use std::io::{self, Stdout, stdout};
use std::sync::Once;
use std::sync::atomic::{AtomicBool, Ordering};

use crossterm::cursor::{Hide, Show};
use crossterm::execute;
use crossterm::terminal::{
    EnterAlternateScreen, LeaveAlternateScreen, disable_raw_mode, enable_raw_mode,
};
use ratatui::Terminal;
use ratatui::backend::CrosstermBackend;

/// Set when any thread panicked: the hook has already restored the terminal, so the UI must
/// stop drawing and exit.
static PANICKED: AtomicBool = AtomicBool::new(false);
static HOOK: Once = Once::new();

/// Restores the terminal when dropped, however the UI ends.
pub struct Guard(());

impl Drop for Guard {
    fn drop(&mut self) {
        if let Err(err) = restore() {
            tracing::warn!("restoring the terminal: {err}");
        }
    }
}

/// Switches to raw mode on the alternate screen, with a panic hook that undoes it.
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

/// Whether a panic has happened anywhere in the process.
pub fn panicked() -> bool {
    PANICKED.load(Ordering::SeqCst)
}

fn install_panic_hook() {
    HOOK.call_once(|| {
        let previous = std::panic::take_hook();
        std::panic::set_hook(Box::new(move |info| {
            PANICKED.store(true, Ordering::SeqCst);
            let _ = restore();
            tracing::error!("panic: {info}");
            previous(info);
        }));
    });
}
