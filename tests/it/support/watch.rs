//! `sagescope watch` as a child process against moto: its stdout and stderr lines as they
//! come, the refreshes it reports counted. Shared by the watch tests and the stream bench.

use std::io::{BufRead, BufReader};
use std::path::Path;
use std::process::{Child, Stdio};
use std::sync::mpsc::{Receiver, channel};
use std::time::{Duration, Instant};

use serde_json::Value;

/// A running `watch`, killed when dropped (a failed test leaves no process behind).
pub struct Watch {
    child: Child,
    pub stdout: Receiver<String>,
    stderr: Receiver<String>,
    /// Refreshes (full listings) seen on stderr so far.
    pub refreshes: usize,
    /// How long a wait for a line may last: only what keeps a broken watch from hanging.
    patience: Duration,
}

impl Watch {
    /// Starts `program watch --interval <interval> --config <config>` isolated in `home`.
    pub fn start(
        program: &Path,
        home: &Path,
        endpoint: &str,
        config: &str,
        interval: u64,
        patience: Duration,
    ) -> Watch {
        let mut child = super::cli::isolated(program, home, endpoint)
            .args([
                "watch",
                "--interval",
                &interval.to_string(),
                "--config",
                config,
            ])
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("watch starts");
        let lines = |stream: Box<dyn std::io::Read + Send>| {
            let (tx, rx) = channel();
            std::thread::spawn(move || {
                for line in BufReader::new(stream).lines().map_while(Result::ok) {
                    if tx.send(line).is_err() {
                        break;
                    }
                }
            });
            rx
        };
        let stdout = lines(Box::new(child.stdout.take().expect("stdout")));
        let stderr = lines(Box::new(child.stderr.take().expect("stderr")));
        Watch {
            child,
            stdout,
            stderr,
            refreshes: 0,
            patience,
        }
    }

    /// Waits for a stderr line that `wanted` accepts and answers it, counting the refreshes
    /// it passes.
    pub fn stderr_until(&mut self, wanted: impl Fn(&str) -> bool) -> String {
        let deadline = Instant::now() + self.patience;
        loop {
            let left = deadline.saturating_duration_since(Instant::now());
            let line = self
                .stderr
                .recv_timeout(left)
                .unwrap_or_else(|_| panic!("watch did not say it within {:?}", self.patience));
            eprintln!("watch: {line}");
            if line.starts_with("refreshed:") {
                self.refreshes += 1;
            }
            if wanted(&line) {
                return line;
            }
        }
    }

    /// Waits until `n` more refreshes have finished, and answers their summary lines.
    pub fn refreshed(&mut self, n: usize) -> Vec<String> {
        (0..n)
            .map(|_| self.stderr_until(|line| line.starts_with("refreshed:")))
            .collect()
    }

    /// The refreshes reported on stderr since the last look, without waiting.
    pub fn new_refreshes(&mut self) -> usize {
        let seen = self
            .stderr
            .try_iter()
            .filter(|l| l.starts_with("refreshed:"))
            .count();
        self.refreshes += seen;
        seen
    }

    /// Every stdout line so far, each one JSON object.
    pub fn lines(&self) -> Vec<Value> {
        self.stdout
            .try_iter()
            .map(|l| serde_json::from_str(&l).unwrap_or_else(|e| panic!("not JSON ({e}): {l}")))
            .collect()
    }

    /// Waits for the `job_failed` line of `name` (other lines are passed over).
    pub fn failed_line(&self, name: &str) -> Value {
        let deadline = Instant::now() + self.patience;
        loop {
            let left = deadline.saturating_duration_since(Instant::now());
            let line = self.stdout.recv_timeout(left).expect("a line in time");
            let event: Value = serde_json::from_str(&line).expect("JSON");
            if event["event"] == "job_failed" && event["name"] == name {
                return event;
            }
        }
    }

    /// SIGTERM, and the exit code.
    pub fn stop(mut self) -> Option<i32> {
        let status = std::process::Command::new("kill")
            .args(["-TERM", &self.child.id().to_string()])
            .status()
            .expect("kill runs");
        assert!(status.success());
        let deadline = Instant::now() + Duration::from_secs(20);
        loop {
            if let Some(status) = self.child.try_wait().expect("waits") {
                return status.code();
            }
            assert!(Instant::now() < deadline, "watch did not stop on SIGTERM");
            std::thread::sleep(Duration::from_millis(50));
        }
    }
}

impl Drop for Watch {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}
