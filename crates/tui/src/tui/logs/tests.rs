use std::sync::Mutex;

use futures::future::BoxFuture;
use tokio::sync::mpsc::channel;

use super::*;
use sagescope_core::model::ResourceKind;
use sagescope_engine::logs::{EventPage, LogEvent, LogSource, LogStream, LogTarget, StreamPage};

/// One stream that gains a line every second (of the test's paused clock), read with
/// GetLogEvents' forward token (the count delivered); counts the reads.
struct Growing {
    started: tokio::time::Instant,
    reads: Mutex<u32>,
}

impl Growing {
    fn new() -> Self {
        Growing {
            started: tokio::time::Instant::now(),
            reads: Mutex::new(0),
        }
    }

    fn reads(&self) -> u32 {
        *self.reads.lock().expect("lock")
    }
}

impl LogSource for Growing {
    fn streams<'a>(
        &'a self,
        _group: &'a str,
        _prefix: &'a str,
        _next_token: Option<String>,
    ) -> BoxFuture<'a, Result<StreamPage, LogsError>> {
        Box::pin(async {
            Ok(StreamPage {
                streams: vec![LogStream {
                    name: "job/algo-1-1".into(),
                    last_event_ms: Some(1),
                }],
                next_token: None,
            })
        })
    }

    fn stream_events<'a>(
        &'a self,
        _group: &'a str,
        stream: &'a str,
        _start_ms: Option<i64>,
        next_token: Option<String>,
    ) -> BoxFuture<'a, Result<EventPage, LogsError>> {
        Box::pin(async move {
            *self.reads.lock().expect("lock") += 1;
            let count = 1 + self.started.elapsed().as_secs() as usize;
            let from: usize = next_token.map_or(0, |t| t.parse().expect("token"));
            Ok(EventPage {
                events: (from..count)
                    .map(|i| LogEvent {
                        timestamp_ms: i as i64,
                        stream: stream.to_string(),
                        message: format!("line {i}"),
                        id: None,
                    })
                    .collect(),
                next_token: Some(count.to_string()),
            })
        })
    }

    fn filter_events<'a>(
        &'a self,
        _group: &'a str,
        _streams: &'a [String],
        _start_ms: Option<i64>,
        _next_token: Option<String>,
    ) -> BoxFuture<'a, Result<EventPage, LogsError>> {
        Box::pin(async { Err(LogsError::Other("not used".into())) })
    }
}

struct Access(Arc<Growing>);

impl LogAccess for Access {
    fn logs<'a>(
        &'a self,
        _account: &'a str,
        _region: &'a str,
    ) -> BoxFuture<'a, Result<Arc<dyn LogSource>, LogsError>> {
        let source = self.0.clone();
        Box::pin(async move { Ok(source as Arc<dyn LogSource>) })
    }

    fn regions<'a>(&'a self, _account: &'a str) -> BoxFuture<'a, Result<Vec<String>, LogsError>> {
        Box::pin(async { Ok(vec!["us-east-1".to_string()]) })
    }
}

fn request(follow: bool) -> LogRead {
    LogRead {
        read: 7,
        target: LogTarget {
            account: "main".into(),
            account_id: "123456789012".into(),
            region: "us-east-1".into(),
            kind: ResourceKind::Training,
            name: "job".into(),
            place: sagescope_engine::logs::place(ResourceKind::Training, "job").expect("place"),
        },
        stream: None,
        cursor: None,
        follow,
    }
}

fn messages(action: Action) -> Vec<String> {
    match action {
        Action::LogLines {
            read: 7,
            lines: Ok(batch),
        } => batch.events.into_iter().map(|e| e.message).collect(),
        other => panic!("not lines of read 7: {other:?}"),
    }
}

#[tokio::test(start_paused = true)]
async fn following_sends_every_new_line_once_and_stopping_ends_the_reads() {
    let source = Arc::new(Growing::new());
    let (tx, mut rx) = channel(64);
    let mut task = LogTask::default();
    task.start(Arc::new(Access(source.clone())), request(true), tx);
    let Some(Action::LogStreams {
        read: 7,
        streams: Ok(streams),
    }) = rx.recv().await
    else {
        panic!("the streams come first");
    };
    assert_eq!(streams.len(), 1);
    let mut seen = messages(rx.recv().await.expect("the first read"));
    assert_eq!(seen, ["line 0"]);
    for _ in 0..3 {
        let poll = messages(rx.recv().await.expect("a poll"));
        assert_eq!(poll.len(), 2, "two lines a poll (one a second): {poll:?}");
        seen.extend(poll);
    }
    let expected: Vec<String> = (0..seen.len()).map(|i| format!("line {i}")).collect();
    assert_eq!(seen, expected, "every line once, none lost, in order");

    task.stop();
    let reads = source.reads();
    // The channel closes only when the task is gone (it holds the sender): awaited, not
    // slept on. A task still polling would send its next poll's lines here instead.
    assert!(rx.recv().await.is_none(), "nothing more is sent");
    assert_eq!(source.reads(), reads, "no read after the view closed");
}

#[tokio::test(start_paused = true)]
async fn a_read_without_follow_answers_once_and_ends() {
    let source = Arc::new(Growing::new());
    let (tx, mut rx) = channel(64);
    run(
        Arc::new(Access(source)),
        request(false),
        tx,
        Duration::from_secs(2),
    )
    .await;
    assert!(matches!(rx.recv().await, Some(Action::LogStreams { .. })));
    assert!(!messages(rx.recv().await.expect("lines")).is_empty());
    assert!(rx.recv().await.is_none(), "nothing more");
}
