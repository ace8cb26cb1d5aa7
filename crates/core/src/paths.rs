//! Where sagescope keeps its files, following each platform's conventions (XDG on Linux).

use std::path::PathBuf;

use directories::ProjectDirs;

fn project_dirs() -> Option<ProjectDirs> {
    ProjectDirs::from("", "", "sagescope")
}

/// `$XDG_CONFIG_HOME/sagescope/config.toml` on Linux.
pub fn config_file() -> Option<PathBuf> {
    project_dirs().map(|dirs| dirs.config_dir().join("config.toml"))
}

/// `$XDG_CACHE_HOME/sagescope/cache.db` on Linux.
pub fn cache_file() -> Option<PathBuf> {
    project_dirs().map(|dirs| dirs.cache_dir().join("cache.db"))
}

/// Where logs go: the state directory where the platform has one, else the cache directory.
/// Never the terminal, which belongs to the UI.
pub fn log_dir() -> Option<PathBuf> {
    project_dirs().map(|dirs| {
        dirs.state_dir().map_or_else(
            || dirs.cache_dir().join("logs"),
            |state| state.to_path_buf(),
        )
    })
}
