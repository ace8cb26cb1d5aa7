//! The process's one Tokio runtime, built once by the command line and used by every command.
//!
//! Multi-threaded on purpose: `block_on` polls the caller's future (the terminal UI's event
//! loop) on the calling thread while spawned tasks (refreshes, spend loads) run only on the
//! worker threads, so the UI's panic hook can tell a panic of the UI from one of a background
//! task by its thread, and the UI never waits behind a task.
pub fn build() -> std::io::Result<tokio::runtime::Runtime> {
    tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
}
