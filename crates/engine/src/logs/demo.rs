//! Believable logs for the demo world (`--demo`), through the same [`LogAccess`] as AWS.
//!
//! Every demo job, endpoint and notebook gets the streams SageMaker would write (one per
//! training host, one per endpoint instance, a notebook's `jupyter.log`) and lines made up
//! from what the world says about it: a failed training job ends with the Python traceback
//! behind its failure reason, a completed one reports success, and a running one keeps
//! writing a progress line every [`RUNNING_EVERY_SECONDS`] of wall-clock time, so `F`
//! (follow) shows new lines arrive. The same resource always gets the same lines.

use std::sync::Arc;

use chrono::{DateTime, Utc};
use futures::future::BoxFuture;

use super::{EventPage, LogAccess, LogEvent, LogSource, LogStream, LogsError, StreamPage, place};
use sagescope_core::model::{Job, ResourceKind, StatusPhase};

/// How often a running demo job logs a progress line.
pub const RUNNING_EVERY_SECONDS: i64 = 10;

/// At most this many progress lines in a finished job's stream (a long job's are spread
/// out); a running job's start [`RUNNING_WINDOW_MINUTES`] before the demo's anchor.
const MAX_PROGRESS: i64 = 300;

/// How far before the demo's anchor a running job's progress lines start: fixed, so the
/// lines already read never move and the forward token stays right.
const RUNNING_WINDOW_MINUTES: i64 = 50;

/// The demo world's logs, for every account and region of the demo.
#[derive(Clone)]
pub struct DemoLogs {
    jobs: Arc<Vec<Job>>,
    anchor: DateTime<Utc>,
    clock: fn() -> DateTime<Utc>,
}

impl DemoLogs {
    /// Logs of `jobs` (the world anchored at `anchor`) as of the time `clock` tells (the
    /// wall clock in the app, fixed in tests).
    pub fn new(jobs: Vec<Job>, anchor: DateTime<Utc>, clock: fn() -> DateTime<Utc>) -> Self {
        DemoLogs {
            jobs: Arc::new(jobs),
            anchor,
            clock,
        }
    }

    /// Where a running job's progress lines begin.
    fn window(&self) -> DateTime<Utc> {
        self.anchor - chrono::Duration::minutes(RUNNING_WINDOW_MINUTES)
    }

    /// Every demo stream of `group`: (stream name, the job it belongs to, host index).
    fn streams_of(&self, group: &str) -> Vec<(String, &Job, usize)> {
        self.jobs
            .iter()
            .filter_map(|job| Some((job, place(job.kind, &job.name)?)))
            .filter(|(_, place)| place.group == group)
            .flat_map(|(job, _)| {
                stream_names(job)
                    .into_iter()
                    .enumerate()
                    .map(move |(host, name)| (name, job, host))
            })
            .collect()
    }

    fn events(&self, group: &str, stream: &str) -> Option<Vec<LogEvent>> {
        let now = (self.clock)();
        self.streams_of(group)
            .into_iter()
            .find(|(name, _, _)| name == stream)
            .map(|(name, job, host)| {
                lines(job, host, self.window(), now)
                    .into_iter()
                    .enumerate()
                    .map(|(i, (at, message))| LogEvent {
                        timestamp_ms: at.timestamp_millis(),
                        stream: name.clone(),
                        message,
                        id: Some(format!("{name}#{i}")),
                    })
                    .collect()
            })
    }
}

impl LogAccess for DemoLogs {
    fn logs<'a>(
        &'a self,
        account: &'a str,
        region: &'a str,
    ) -> BoxFuture<'a, Result<Arc<dyn LogSource>, LogsError>> {
        let jobs: Vec<Job> = self
            .jobs
            .iter()
            .filter(|j| j.account_name == account && j.region == region)
            .cloned()
            .collect();
        let scoped = DemoLogs::new(jobs, self.anchor, self.clock);
        Box::pin(async move { Ok(Arc::new(scoped) as Arc<dyn LogSource>) })
    }

    fn regions<'a>(&'a self, account: &'a str) -> BoxFuture<'a, Result<Vec<String>, LogsError>> {
        let mut regions: Vec<String> = self
            .jobs
            .iter()
            .filter(|j| j.account_name == account)
            .map(|j| j.region.to_string())
            .collect();
        regions.sort();
        regions.dedup();
        Box::pin(async move { Ok(regions) })
    }
}

impl LogSource for DemoLogs {
    fn streams<'a>(
        &'a self,
        group: &'a str,
        prefix: &'a str,
        _next_token: Option<String>,
    ) -> BoxFuture<'a, Result<StreamPage, LogsError>> {
        let now = (self.clock)();
        let streams = self
            .streams_of(group)
            .into_iter()
            .filter(|(name, _, _)| name.starts_with(prefix))
            .map(|(name, job, host)| LogStream {
                last_event_ms: lines(job, host, self.window(), now)
                    .last()
                    .map(|(at, _)| at.timestamp_millis()),
                name,
            })
            .collect();
        Box::pin(async move {
            Ok(StreamPage {
                streams,
                next_token: None,
            })
        })
    }

    fn stream_events<'a>(
        &'a self,
        group: &'a str,
        stream: &'a str,
        start_ms: Option<i64>,
        next_token: Option<String>,
    ) -> BoxFuture<'a, Result<EventPage, LogsError>> {
        let events = self.events(group, stream);
        Box::pin(async move {
            let events: Vec<LogEvent> = events
                .ok_or_else(|| LogsError::NotFound(format!("log stream {stream}")))?
                .into_iter()
                .filter(|e| start_ms.is_none_or(|s| e.timestamp_ms >= s))
                .collect();
            // The forward token is how many events were delivered, as AWS keeps its place.
            let from = next_token
                .and_then(|t| t.parse::<usize>().ok())
                .unwrap_or(0)
                .min(events.len());
            Ok(EventPage {
                next_token: Some(events.len().to_string()),
                events: events[from..].to_vec(),
            })
        })
    }

    fn filter_events<'a>(
        &'a self,
        group: &'a str,
        streams: &'a [String],
        start_ms: Option<i64>,
        _next_token: Option<String>,
    ) -> BoxFuture<'a, Result<EventPage, LogsError>> {
        let mut events: Vec<LogEvent> = streams
            .iter()
            .filter_map(|s| self.events(group, s))
            .flatten()
            .filter(|e| start_ms.is_none_or(|s| e.timestamp_ms >= s))
            .collect();
        events.sort_by_key(|e| e.timestamp_ms);
        Box::pin(async move {
            Ok(EventPage {
                events,
                next_token: None,
            })
        })
    }
}

/// A stable small number from text, for made-up instance ids and trial ids.
fn hash(text: &str) -> u32 {
    text.bytes().fold(0x811c_9dc5_u32, |h, b| {
        (h ^ u32::from(b)).wrapping_mul(0x0100_0193)
    })
}

/// The streams SageMaker would create for `job`.
fn stream_names(job: &Job) -> Vec<String> {
    let epoch = job.created_at.timestamp() + 90;
    let hosts = job.instance_count.unwrap_or(1).clamp(1, 4);
    let name = &job.name;
    match job.kind {
        ResourceKind::Training | ResourceKind::Processing => (1..=hosts)
            .map(|h| format!("{name}/algo-{h}-{epoch}"))
            .collect(),
        ResourceKind::Transform => {
            vec![format!("{name}/i-0{:08x}-{epoch}", hash(name))]
        }
        ResourceKind::Tuning => (1..=2)
            .map(|t| {
                format!(
                    "{name}-{t:03}-{:08x}/algo-1-{epoch}",
                    hash(&format!("{name}{t}"))
                )
            })
            .collect(),
        ResourceKind::Endpoint => (0..hosts.min(3))
            .map(|h| format!("AllTraffic/i-0{:08x}", hash(&format!("{name}{h}"))))
            .collect(),
        ResourceKind::Notebook => vec![format!("{name}/jupyter.log")],
        _ => Vec::new(),
    }
}

/// The lines of one stream of `job` as of `now`, oldest first; a running job's progress
/// lines start at `window` at the earliest.
fn lines(
    job: &Job,
    host: usize,
    window: DateTime<Utc>,
    now: DateTime<Utc>,
) -> Vec<(DateTime<Utc>, String)> {
    let start = job.created_at + chrono::Duration::seconds(90);
    let running = job.ended_at.is_none();
    let end = job.ended_at.unwrap_or(now).min(now);
    if end <= start {
        return Vec::new();
    }
    let mut out = Vec::new();
    let second = |n: i64| start + chrono::Duration::seconds(n);
    let from = |offset: i64| {
        let from = start + chrono::Duration::seconds(offset);
        if running { from.max(window) } else { from }
    };
    let itype = job.instance_type.as_deref().unwrap_or("ml.m5.xlarge");
    match job.kind {
        ResourceKind::Endpoint => {
            out.push((
                second(0),
                "Starting the model server (torchserve 0.11.1)".into(),
            ));
            out.push((
                second(4),
                format!("Loading model on {itype}: 1 worker per GPU"),
            ));
            out.push((
                second(9),
                "Model loaded in 4.8 s; listening on 0.0.0.0:8080".into(),
            ));
            out.extend(progress(from(20), end, running, |k| {
                format!(
                    "POST /invocations 200 {} ms; GET /ping 200",
                    18 + (hash(&k.to_string()) % 40)
                )
            }));
        }
        ResourceKind::Notebook => {
            out.push((
                second(0),
                "[I] Jupyter Server 2.14.2 is running at: http://localhost:8443/".into(),
            ));
            out.push((
                second(3),
                "[I] Kernel started: python3 (conda_pytorch_p310)".into(),
            ));
            out.extend(progress(from(30), end, running, |k| {
                format!(
                    "[I] Saving file at /SageMaker/notebooks/explore-{}.ipynb",
                    k % 7
                )
            }));
            if !running {
                out.push((end, "[I] Shutting down on /api/shutdown request.".into()));
            }
        }
        _ => {
            let hosts = job.instance_count.unwrap_or(1).clamp(1, 4);
            out.push((second(0), "sagemaker-training-toolkit INFO     Imported framework sagemaker_pytorch_container.training".into()));
            out.push((second(1), format!("sagemaker-training-toolkit INFO     Invoking user script on algo-{} of {hosts} ({itype})", host + 1)));
            out.push((second(2), "Training Env: {\"channel_input_dirs\": {\"train\": \"/opt/ml/input/data/train\"}, \"current_host\": \"algo-1\"}".into()));
            out.push((
                second(5),
                "Loading dataset from /opt/ml/input/data/train (1,284,113 records)".into(),
            ));
            // A finished job's progress stops a second before its ending lines.
            let progress_end = if running {
                end
            } else {
                end - chrono::Duration::seconds(1)
            };
            out.extend(progress(from(30), progress_end, running, |k| {
                let loss =
                    2.5 / (1.0 + k as f64 / 40.0) + f64::from(hash(&k.to_string()) % 100) / 2000.0;
                format!(
                    "epoch {} step {:>5} loss {loss:.4} lr 3.0e-04 throughput 412 samples/s",
                    k / 50 + 1,
                    k * 20
                )
            }));
            out.extend(ending(job, host, end));
        }
    }
    out
}

/// Progress lines between `from` and `to`: every [`RUNNING_EVERY_SECONDS`] for a running
/// job (so new ones keep coming), at most [`MAX_PROGRESS`] spread evenly over a finished
/// one. `line` makes the k-th line, so a line is the same on every call.
fn progress(
    from: DateTime<Utc>,
    to: DateTime<Utc>,
    running: bool,
    line: impl Fn(i64) -> String,
) -> Vec<(DateTime<Utc>, String)> {
    let span = (to - from).num_seconds();
    if span <= 0 {
        return Vec::new();
    }
    let step = if running {
        RUNNING_EVERY_SECONDS
    } else {
        (span / MAX_PROGRESS).max(RUNNING_EVERY_SECONDS)
    };
    (0..=span / step)
        .map(|k| (from + chrono::Duration::seconds(k * step), line(k)))
        .collect()
}

/// How a finished job's stream ends: success, a stop, or the error behind its failure.
fn ending(job: &Job, host: usize, end: DateTime<Utc>) -> Vec<(DateTime<Utc>, String)> {
    let at = |back: i64| end - chrono::Duration::milliseconds(back);
    match job.status.phase() {
        StatusPhase::Done => vec![
            (
                at(900),
                "Training completed; saving the model to /opt/ml/model".into(),
            ),
            (
                at(100),
                "sagemaker-training-toolkit INFO     Reporting training SUCCESS".into(),
            ),
        ],
        StatusPhase::Stopped => vec![(
            at(100),
            "sagemaker-training-toolkit INFO     Received SIGTERM: stopping (the job was stopped)"
                .into(),
        )],
        StatusPhase::Failed if host > 0 => vec![(
            at(300),
            "sagemaker-training-toolkit ERROR    Peer algo-1 exited; shutting down this host"
                .into(),
        )],
        StatusPhase::Failed => {
            let reason = job.failure_reason.as_deref().unwrap_or("AlgorithmError");
            let error = error_line(reason);
            let mut lines = vec![
                "Traceback (most recent call last):".to_string(),
                "  File \"/opt/ml/code/train.py\", line 212, in <module>".into(),
                "    main()".into(),
                "  File \"/opt/ml/code/train.py\", line 187, in main".into(),
                "    loss = train_step(model, batch, optimizer)".into(),
                "  File \"/opt/ml/code/train.py\", line 141, in train_step".into(),
                "    outputs = model(**batch)".into(),
                error,
            ];
            if !reason.starts_with("AlgorithmError") {
                // The platform failed the job, not the script: no traceback to show.
                lines = vec![format!(
                    "sagemaker-training-toolkit ERROR    {}",
                    first_line(reason)
                )];
            }
            let n = lines.len() as i64;
            lines
                .into_iter()
                .enumerate()
                .map(|(i, line)| (at((n - i as i64) * 10), line))
                .collect()
        }
        _ => Vec::new(),
    }
}

/// The exception line a failure reason stands for: its `ErrorMessage`, else its first line.
fn error_line(reason: &str) -> String {
    let message = reason
        .split("ErrorMessage \"")
        .nth(1)
        .and_then(|rest| rest.split('"').next())
        .filter(|m| !m.is_empty());
    match message {
        Some(message) => message.to_string(),
        None if reason.contains("ExitCode 137") => {
            "RuntimeError: DataLoader worker (pid 412) is killed by signal: Killed.".into()
        }
        None => format!("RuntimeError: {}", first_line(reason)),
    }
}

fn first_line(text: &str) -> &str {
    text.lines().next().unwrap_or(text)
}

#[cfg(test)]
mod tests {
    use chrono::TimeZone;

    use super::*;
    use crate::logs::{Cursor, LogTarget, list_streams, read_new};

    fn anchor() -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2026, 11, 20, 14, 2, 0)
            .single()
            .expect("valid")
    }

    fn later() -> DateTime<Utc> {
        anchor() + chrono::Duration::minutes(3)
    }

    fn much_later() -> DateTime<Utc> {
        anchor() + chrono::Duration::minutes(4)
    }

    fn jobs() -> Vec<Job> {
        sagescope_core::demo::world(anchor()).jobs.rows
    }

    fn read_all(logs: &DemoLogs, job: &Job) -> Vec<String> {
        let target = LogTarget::of(job).expect("has logs");
        let rt = tokio::runtime::Builder::new_current_thread()
            .build()
            .expect("runtime");
        rt.block_on(async {
            let source = logs
                .logs(&target.account, &target.region)
                .await
                .expect("source");
            let (streams, _) =
                list_streams(source.as_ref(), &target.place.group, &target.place.prefix)
                    .await
                    .expect("streams");
            let first = streams.first().expect("a stream").name.clone();
            let batch = read_new(
                source.as_ref(),
                &target.place.group,
                &Cursor::new(&[first], None),
            )
            .await
            .expect("events");
            batch.events.into_iter().map(|e| e.message).collect()
        })
    }

    #[test]
    fn a_failed_training_job_ends_with_the_traceback_of_its_reason() {
        let jobs = jobs();
        let failed = jobs
            .iter()
            .find(|j| {
                j.kind == ResourceKind::Training
                    && j.failure_reason
                        .as_deref()
                        .is_some_and(|r| r.contains("CUDA out of memory"))
            })
            .expect("the demo has an out-of-memory failure");
        let lines = read_all(&DemoLogs::new(jobs.clone(), anchor(), later), failed);
        assert!(
            lines
                .iter()
                .any(|l| l == "Traceback (most recent call last):")
        );
        let last = lines.last().expect("lines");
        assert!(
            last.starts_with("torch.OutOfMemoryError: CUDA out of memory"),
            "{last}"
        );
    }

    #[test]
    fn a_running_job_keeps_writing() {
        let jobs = jobs();
        let running = jobs
            .iter()
            .find(|j| j.kind == ResourceKind::Training && j.ended_at.is_none())
            .expect("a running training job");
        let before = read_all(&DemoLogs::new(jobs.clone(), anchor(), later), running);
        let after = read_all(&DemoLogs::new(jobs.clone(), anchor(), much_later), running);
        // A minute later: six more lines, and the ones read before are still the same.
        assert_eq!(after.len(), before.len() + 6);
        assert_eq!(after[..before.len()], before[..]);
    }

    #[test]
    fn every_job_kind_with_logs_has_a_stream() {
        let jobs = jobs();
        let logs = DemoLogs::new(jobs.clone(), anchor(), later);
        // Studio apps write to Studio's own log group, components to their endpoint's,
        // clusters to one named by an id no listing gives: sagescope reads none of them.
        for kind in ResourceKind::JOB_KINDS.into_iter().filter(|k| {
            !matches!(
                k,
                ResourceKind::App
                    | ResourceKind::InferenceComponent
                    | ResourceKind::HyperPodCluster
            )
        }) {
            assert!(
                jobs.iter()
                    .filter(|j| j.kind == kind)
                    .any(|job| !read_all(&logs, job).is_empty()),
                "no {kind:?} with logs"
            );
        }
    }
}
