//! Running the log view's reads in the background: list the streams, read what is new, and
//! while following poll again every [`FOLLOW_EVERY`], each answer sent back as an Action
//! tagged with its read. One read runs at a time: a new one (another stream, follow turned
//! on) or closing the view aborts the one before, so nothing reads logs nobody looks at.

use std::sync::Arc;
use std::time::Duration;

use tokio::sync::mpsc::Sender;
use tokio::task::JoinHandle;

use crate::action::{Action, LogRead};
use sagescope_engine::logs::{Cursor, LogAccess, LogsError, list_streams, read_new};

/// How often a followed stream is polled: one `GetLogEvents` a poll when nothing is new, far
/// below what CloudWatch Logs allows per account and region.
pub const FOLLOW_EVERY: Duration = Duration::from_secs(2);

/// The running read, if any.
#[derive(Default)]
pub struct LogTask(Option<JoinHandle<()>>);

impl LogTask {
    /// Stops the running read (its answers not yet sent are never sent).
    pub fn stop(&mut self) {
        if let Some(task) = self.0.take() {
            task.abort();
        }
    }

    /// Starts `request` in place of the running read.
    pub fn start(&mut self, access: Arc<dyn LogAccess>, request: LogRead, tx: Sender<Action>) {
        self.stop();
        self.0 = Some(tokio::spawn(run(access, request, tx, FOLLOW_EVERY)));
    }
}

impl Drop for LogTask {
    fn drop(&mut self) {
        self.stop();
    }
}

async fn run(access: Arc<dyn LogAccess>, request: LogRead, tx: Sender<Action>, every: Duration) {
    let read = request.read;
    let lines = |lines: Result<sagescope_engine::logs::Batch, LogsError>| Action::LogLines {
        read,
        lines: lines.map_err(|e| e.to_string()),
    };
    let target = &request.target;
    let source = match access.logs(&target.account, &target.region).await {
        Ok(source) => source,
        Err(err) => {
            let _ = tx.send(lines(Err(err))).await;
            return;
        }
    };
    let group = &target.place.group;
    let mut cursor = match (&request.cursor, &request.stream) {
        (Some(cursor), _) => cursor.clone(),
        (None, Some(stream)) => Cursor::new(std::slice::from_ref(stream), None),
        (None, None) => {
            let listed = list_streams(source.as_ref(), group, &target.place.prefix).await;
            let newest = listed
                .as_ref()
                .ok()
                .and_then(|(streams, _)| streams.first())
                .map(|s| s.name.clone());
            let _ = tx
                .send(Action::LogStreams {
                    read,
                    streams: listed.map(|(s, _)| s).map_err(|e| e.to_string()),
                })
                .await;
            match newest {
                Some(stream) => Cursor::new(&[stream], None),
                // No stream (or listing failed, which was just said): nothing to read.
                None => return,
            }
        }
    };
    let mut first = true;
    loop {
        if !first {
            tokio::time::sleep(every).await;
        }
        match read_new(source.as_ref(), group, &cursor).await {
            Ok(batch) => {
                cursor = batch.cursor.clone();
                // A poll with nothing new is not worth a redraw.
                if (first || !batch.events.is_empty()) && tx.send(lines(Ok(batch))).await.is_err() {
                    return;
                }
            }
            Err(err) => {
                let denied = matches!(err, LogsError::AccessDenied { .. });
                if tx.send(lines(Err(err))).await.is_err() || denied {
                    return;
                }
            }
        }
        if !request.follow {
            return;
        }
        first = false;
    }
}

#[cfg(test)]
mod tests;
