//! `sagescope completions <shell>` and `sagescope man`: generated from the clap definitions,
//! so they never disagree with the command line they describe.

use std::io::Write;

use clap::CommandFactory;

use super::{Cli, CliError, Outcome};

/// Shell completions for `shell` on stdout.
pub(super) fn print(shell: clap_complete::Shell) -> Result<Outcome, CliError> {
    let mut command = Cli::command();
    let mut out = Vec::new();
    clap_complete::generate(shell, &mut command, "sagescope", &mut out);
    write_stdout(&out)
}

/// The manual page, in roff, on stdout.
pub(super) fn man() -> Result<Outcome, CliError> {
    let mut out = Vec::new();
    clap_mangen::Man::new(Cli::command())
        .render(&mut out)
        .map_err(|e| CliError::Fatal(e.into()))?;
    write_stdout(&out)
}

fn write_stdout(bytes: &[u8]) -> Result<Outcome, CliError> {
    let mut stdout = std::io::stdout().lock();
    match stdout.write_all(bytes).and_then(|()| stdout.flush()) {
        Ok(()) => Ok(Outcome::Ok),
        // The reader stopped early (`| head`): what it wanted was printed.
        Err(err) if err.kind() == std::io::ErrorKind::BrokenPipe => Ok(Outcome::Ok),
        Err(err) => Err(CliError::Fatal(err.into())),
    }
}
