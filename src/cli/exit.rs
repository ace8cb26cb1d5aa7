use std::process::ExitCode;

use crate::config::ConfigError;

/// How a command that ran to the end finished.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Outcome {
    /// Everything worked.
    Ok,
    /// Output was produced but some accounts or regions failed.
    Partial,
}

/// How a command failed, which decides its exit code.
#[derive(Debug, thiserror::Error)]
pub enum CliError {
    /// Bad config: exit 2.
    #[error(transparent)]
    Config(#[from] ConfigError),
    /// Bad arguments: exit 2.
    #[error("{0}")]
    Usage(String),
    /// Anything else that stopped the command: exit 1.
    #[error(transparent)]
    Fatal(#[from] anyhow::Error),
}

impl Outcome {
    pub fn exit_code(self) -> ExitCode {
        match self {
            Outcome::Ok => ExitCode::SUCCESS,
            Outcome::Partial => ExitCode::from(3),
        }
    }
}

impl CliError {
    pub fn exit_code(&self) -> ExitCode {
        match self {
            CliError::Config(_) | CliError::Usage(_) => ExitCode::from(2),
            CliError::Fatal(_) => ExitCode::from(1),
        }
    }
}
