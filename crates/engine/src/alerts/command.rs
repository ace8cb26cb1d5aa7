//! `[alerts] command`: a program run once per event with the event's JSON on stdin.
//!
//! The program and its arguments come from the config and are spawned directly, never through
//! a shell: AWS text (a job name, a failure reason) only ever reaches the program as data on
//! stdin, where no quoting mistake can turn it into a command. Each run is a task of its own
//! with a timeout, so a hung webhook never holds up a refresh or the UI.

use std::process::Stdio;
use std::time::Duration;

use tokio::io::AsyncWriteExt;
use tokio::process::Command;

/// Why a run failed, phrased for the status bar and the log.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CommandError {
    #[error("cannot start the alert command {program}: {message}")]
    Spawn { program: String, message: String },
    #[error("the alert command {program} exited with {status}")]
    Exit { program: String, status: String },
    #[error("the alert command {program} took longer than {seconds} s and was stopped")]
    Timeout { program: String, seconds: u64 },
}

/// Runs `argv` with `input` on stdin and waits for it, at most `timeout`. The child is killed
/// when the timeout passes (or when this future is dropped).
pub async fn run(argv: &[String], input: &[u8], timeout: Duration) -> Result<(), CommandError> {
    let Some((program, args)) = argv.split_first() else {
        return Ok(());
    };
    let mut child = Command::new(program)
        .args(args)
        .stdin(Stdio::piped())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .kill_on_drop(true)
        .spawn()
        .map_err(|e| CommandError::Spawn {
            program: program.clone(),
            message: e.to_string(),
        })?;
    let work = async {
        if let Some(mut stdin) = child.stdin.take() {
            // A program that does not read its stdin is not a failure.
            let _ = stdin.write_all(input).await;
            let _ = stdin.write_all(b"\n").await;
        }
        child.wait().await
    };
    match tokio::time::timeout(timeout, work).await {
        Ok(Ok(status)) if status.success() => Ok(()),
        Ok(Ok(status)) => Err(CommandError::Exit {
            program: program.clone(),
            status: status.to_string(),
        }),
        Ok(Err(e)) => Err(CommandError::Spawn {
            program: program.clone(),
            message: e.to_string(),
        }),
        Err(_) => {
            let _ = child.kill().await;
            Err(CommandError::Timeout {
                program: program.clone(),
                seconds: timeout.as_secs(),
            })
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn argv(parts: &[&str]) -> Vec<String> {
        parts.iter().map(|s| (*s).to_string()).collect()
    }

    #[tokio::test]
    async fn stdin_reaches_the_program_and_shell_syntax_stays_data() {
        let dir = tempfile::tempdir().expect("tempdir");
        let out = dir.path().join("out");
        let script = format!("cat > '{}'", out.display());
        // `$(touch ...)` in the input would run if anything passed it through a shell.
        let marker = dir.path().join("pwned");
        let input = format!("{{\"name\":\"$(touch {})\"}}", marker.display());
        run(
            &argv(&["/bin/sh", "-c", &script]),
            input.as_bytes(),
            Duration::from_secs(5),
        )
        .await
        .expect("runs");
        let written = std::fs::read_to_string(&out).expect("written");
        assert_eq!(written, format!("{input}\n"));
        assert!(!marker.exists());
    }

    #[tokio::test]
    async fn failures_are_errors() {
        let missing = run(
            &argv(&["/nonexistent/alert"]),
            b"{}",
            Duration::from_secs(5),
        )
        .await;
        assert!(
            matches!(missing, Err(CommandError::Spawn { .. })),
            "{missing:?}"
        );
        let failed = run(&argv(&["/bin/false"]), b"{}", Duration::from_secs(5)).await;
        assert!(
            matches!(failed, Err(CommandError::Exit { .. })),
            "{failed:?}"
        );
    }

    /// Tokio's paused clock: the timeout passes as soon as nothing else is left to do, and
    /// the hung program (it would sleep for an hour) is stopped then, not waited for: a run
    /// that waited would hang this test instead of returning at the timeout.
    #[tokio::test(start_paused = true)]
    async fn a_hung_program_is_stopped_at_the_timeout() {
        let started = tokio::time::Instant::now();
        let slow = run(
            &argv(&["/bin/sleep", "3600"]),
            b"{}",
            Duration::from_millis(300),
        )
        .await;
        assert!(
            matches!(slow, Err(CommandError::Timeout { .. })),
            "{slow:?}"
        );
        assert_eq!(started.elapsed(), Duration::from_millis(300));
    }
}
