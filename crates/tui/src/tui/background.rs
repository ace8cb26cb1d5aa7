//! What a background task that ended without its result leaves behind: a line for the error
//! history and the log, never the end of the UI.
//!
//! Refreshes and spend loads run as tokio tasks. If one panics, tokio catches the panic and
//! hands it over as a `JoinError`; the panic hook (see `terminal`) leaves the terminal alone
//! for such threads, so this text, carried by the failed outcome's Action, is how the user
//! hears of it.

use std::any::Any;

use tokio::task::JoinError;

/// "`what` stopped unexpectedly: …" with the panic's own message, logged as an error too.
pub fn failure(what: &str, err: JoinError) -> String {
    let id = err.id();
    let why = if err.is_panic() {
        format!("it panicked: {}", panic_message(err.into_panic().as_ref()))
    } else {
        "it was cancelled".to_string()
    };
    let text = format!("{what} stopped unexpectedly: {why}");
    tracing::error!(task = %id, "{text}");
    text
}

/// The message a panic was raised with: `panic!("literal")` carries a `&str`, formatted
/// panics (and `expect`) a `String`; anything else has no text to show.
pub fn panic_message(payload: &(dyn Any + Send)) -> String {
    payload
        .downcast_ref::<&str>()
        .map(|s| (*s).to_string())
        .or_else(|| payload.downcast_ref::<String>().cloned())
        .unwrap_or_else(|| "(no message)".to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn a_panicking_task_becomes_a_line_with_its_message() {
        let literal = tokio::spawn(async { panic!("boom") }).await;
        let text = failure("the refresh", literal.expect_err("panicked"));
        assert_eq!(text, "the refresh stopped unexpectedly: it panicked: boom");
        let region = "eu-west-1";
        let formatted = tokio::spawn(async move { panic!("no client for {region}") }).await;
        let text = failure("the spend load", formatted.expect_err("panicked"));
        assert!(
            text.ends_with("it panicked: no client for eu-west-1"),
            "{text}"
        );
    }

    #[tokio::test]
    async fn a_cancelled_task_says_so() {
        let task = tokio::spawn(std::future::pending::<()>());
        task.abort();
        let text = failure("the refresh", task.await.expect_err("cancelled"));
        assert_eq!(text, "the refresh stopped unexpectedly: it was cancelled");
    }

    #[test]
    fn payloads_without_text_still_say_something() {
        assert_eq!(panic_message(&42_u32), "(no message)");
    }
}
