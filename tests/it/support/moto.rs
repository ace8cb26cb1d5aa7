//! A real AWS wire protocol for the tests: moto, installed into a virtualenv on first use and
//! run in-process by `tests/moto/world.py`. Every AWS test is in the `it` binary, which starts
//! one server per test running at once and lends them out ([`moto`]).
//!
//! The virtualenv lives in Cargo's per-target temporary directory, created under a file lock
//! so test binaries running side by side do not install it twice. Set `SAGESCOPE_MOTO_PYTHON`
//! to a Python that already has `moto[server]` to skip the install. If moto cannot be
//! installed the tests fail (never skip) with what to do.

use std::fs::File;
use std::io::{BufRead, BufReader, Write};
use std::path::{Path, PathBuf};
use std::process::{Child, ChildStdin, ChildStdout, Command, Stdio};
use std::sync::{Mutex, MutexGuard, OnceLock};

use serde_json::{Value, json};

/// What the virtualenv holds: moto (whose SageMaker gaps `world.py` patches) and DuckDB (the
/// world's Athena runs its SQL). The same file `.ci/run` installs while the build runs.
const REQUIREMENTS: &str = include_str!("../../moto/requirements.txt");

/// The requirements themselves, without the file's comments.
fn requirements() -> impl Iterator<Item = &'static str> {
    REQUIREMENTS
        .lines()
        .map(str::trim)
        .filter(|line| !line.is_empty() && !line.starts_with('#'))
}

/// The account moto serves plain (non-assumed) credentials from.
pub const DEFAULT_ACCOUNT: &str = "123456789012";

/// Named after what is installed in it (`moto-venv-moto-server-5.2.5-duckdb-2.0.1`), so a
/// venv missing a package is rebuilt.
fn venv_name() -> String {
    let pins: Vec<String> = requirements()
        .map(|pin| {
            pin.replace("==", "-")
                .replace(
                    |c: char| !c.is_ascii_alphanumeric() && c != '.' && c != '-',
                    "-",
                )
                .trim_matches('-')
                .replace("--", "-")
        })
        .collect();
    format!("moto-venv-{}", pins.join("-"))
}

fn venv_dir() -> PathBuf {
    Path::new(env!("CARGO_TARGET_TMPDIR")).join(venv_name())
}

fn install_help(what: &str) -> String {
    format!(
        "{what}\n\nThe AWS tests need moto (an AWS emulator) in a Python virtualenv. They create \
         one at {} with `python3 -m venv` and `pip install {}`, \
         which needs Python 3 with the venv module (Debian/Ubuntu: `apt-get install \
         python3-venv python3-pip`) and access to PyPI. Alternatively install it yourself and \
         point SAGESCOPE_MOTO_PYTHON at that interpreter.",
        venv_dir().display(),
        requirements().collect::<Vec<_>>().join(" ")
    )
}

/// The Python interpreter that has moto, installing it first if needed.
pub fn python() -> PathBuf {
    if let Some(python) = std::env::var_os("SAGESCOPE_MOTO_PYTHON") {
        return PathBuf::from(python);
    }
    let dir = venv_dir();
    let python = dir.join("bin").join("python");
    let ready = dir.join(".installed");
    if ready.exists() {
        return python;
    }
    std::fs::create_dir_all(dir.parent().expect("venv has a parent")).expect("target tmp dir");
    let lock_path = dir.with_file_name(format!("{}.lock", venv_name()));
    let lock = File::create(&lock_path).expect("create the venv lock file");
    lock.lock().expect("lock the venv lock file");
    if !ready.exists() {
        let base = std::env::var_os("SAGESCOPE_PYTHON").unwrap_or_else(|| "python3".into());
        run_install(
            Command::new(&base)
                .args(["-m", "venv", "--clear"])
                .arg(&dir),
            "create the virtualenv",
        );
        run_install(
            Command::new(&python)
                .args([
                    "-m",
                    "pip",
                    "install",
                    "--disable-pip-version-check",
                    "--quiet",
                ])
                .args(requirements()),
            "install moto and DuckDB",
        );
        File::create(&ready).expect("mark the virtualenv ready");
    }
    drop(lock);
    python
}

fn run_install(command: &mut Command, what: &str) {
    match command.output() {
        Ok(out) if out.status.success() => {}
        Ok(out) => panic!(
            "{}",
            install_help(&format!(
                "could not {what}: {}\n{}",
                out.status,
                String::from_utf8_lossy(&out.stderr)
            ))
        ),
        Err(err) => panic!("{}", install_help(&format!("could not {what}: {err}"))),
    }
}

/// One request moto's fixture saw (see [`Moto::requests_detailed`]).
#[derive(Clone, Debug, PartialEq)]
pub struct LoggedRequest {
    /// Arrival, seconds since the Unix epoch.
    pub time: f64,
    pub account: String,
    pub region: String,
    pub operation: String,
    /// The fixture answered it with an error (quota or `refuse`) instead of moto.
    pub throttled: bool,
}

/// A running moto server with its fixture.
pub struct Moto {
    pub port: u16,
    _child: Child,
    stdin: ChildStdin,
    stdout: BufReader<ChildStdout>,
}

/// Removes the moto logs of runs more than a day old: each run leaves one per server, and
/// the last day's are what someone reading a failure wants.
fn prune_old_logs() {
    let Ok(entries) = std::fs::read_dir(env!("CARGO_TARGET_TMPDIR")) else {
        return;
    };
    let day = std::time::Duration::from_secs(24 * 3600);
    for entry in entries.filter_map(Result::ok) {
        let name = entry.file_name();
        let name = name.to_string_lossy();
        let old = entry
            .metadata()
            .and_then(|m| m.modified())
            .ok()
            .and_then(|t| t.elapsed().ok())
            .is_some_and(|age| age > day);
        if name.starts_with("moto-") && name.ends_with(".log") && old {
            let _ = std::fs::remove_file(entry.path());
        }
    }
}

impl Moto {
    fn start() -> Moto {
        let python = python();
        let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/moto/world.py");
        static STARTED: std::sync::atomic::AtomicUsize = std::sync::atomic::AtomicUsize::new(0);
        let n = STARTED.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        if n == 0 {
            prune_old_logs();
        }
        let log = File::create(
            Path::new(env!("CARGO_TARGET_TMPDIR"))
                .join(format!("moto-{}-{n}.log", std::process::id())),
        )
        .expect("moto log file");
        let mut child = Command::new(&python)
            .arg(&script)
            .env_remove("MOTO_ACCOUNT_ID")
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(log)
            .spawn()
            .unwrap_or_else(|e| {
                panic!(
                    "{}",
                    install_help(&format!("cannot start {}: {e}", python.display()))
                )
            });
        let stdin = child.stdin.take().expect("piped stdin");
        let mut stdout = BufReader::new(child.stdout.take().expect("piped stdout"));
        let mut line = String::new();
        stdout
            .read_line(&mut line)
            .expect("read the fixture's first line");
        let hello: Value = serde_json::from_str(&line).unwrap_or_else(|_| {
            panic!(
                "{}",
                install_help(&format!(
                    "the moto fixture did not start (said {line:?}); see the moto-*.log in {}",
                    env!("CARGO_TARGET_TMPDIR")
                ))
            )
        });
        let port = hello["port"].as_u64().expect("port") as u16;
        // The process ends when this test binary exits and the pipe to its stdin closes.
        Moto {
            port,
            _child: child,
            stdin,
            stdout,
        }
    }

    /// Sends one command and returns the fixture's answer, failing the test on an error.
    pub fn call(&mut self, command: Value) -> Value {
        writeln!(self.stdin, "{command}").expect("write to the fixture");
        self.stdin.flush().expect("flush to the fixture");
        let mut line = String::new();
        self.stdout.read_line(&mut line).expect("read the fixture");
        let answer: Value = serde_json::from_str(&line)
            .unwrap_or_else(|e| panic!("fixture answered {line:?}: {e}"));
        if let Some(error) = answer.get("error") {
            panic!("moto fixture failed on {command}: {error}");
        }
        answer
    }

    /// Resets moto and seeds `accounts` × `regions`; the first account-region gets `big`
    /// training jobs. Returns every resource seeded.
    pub fn seed(&mut self, accounts: &[&str], regions: &[&str], big: usize) -> Vec<Value> {
        let answer =
            self.call(json!({"cmd": "seed", "accounts": accounts, "regions": regions, "big": big}));
        answer["jobs"].as_array().expect("jobs").clone()
    }

    /// [`Moto::seed`] plus the CloudWatch Logs SageMaker would have written for each
    /// account-region (the failed and running training jobs, the failed processing job, the
    /// endpoint). Returns the resources and, by resource name, `{"group", "streams": {stream:
    /// [message, ...]}}` as written.
    pub fn seed_with_logs(
        &mut self,
        accounts: &[&str],
        regions: &[&str],
        big: usize,
    ) -> (Vec<Value>, Value) {
        let answer = self.call(json!({
            "cmd": "seed", "accounts": accounts, "regions": regions, "big": big, "logs": true
        }));
        (
            answer["jobs"].as_array().expect("jobs").clone(),
            answer["logs"].clone(),
        )
    }

    /// Appends `(timestamp_ms, message)` events to a log stream of `account`/`region`
    /// (creating the group and stream if new), as PutLogEvents stores them, without showing
    /// in the request log.
    pub fn put_logs(
        &mut self,
        account: &str,
        region: &str,
        group: &str,
        stream: &str,
        events: &[(i64, &str)],
    ) {
        self.call(json!({
            "cmd": "put_logs", "account": account, "region": region, "group": group,
            "stream": stream, "events": events
        }));
    }

    /// The organization's event stream, monitoring side: creates the log group `log_group` in
    /// `account`/`region`, and there the EventBridge bus, the rule matching `source =
    /// aws.sagemaker` and its log-group target that `assets/stream/monitoring-account.yaml`
    /// deploys. From now on [`Moto::set_status`] delivers SageMaker's events of every account
    /// to the group, as the member accounts' forwarding rules would. Call it after building the
    /// world: it lasts until the next world or [`Moto::reset`], and nothing else undoes it.
    ///
    /// moto's own EventBridge → CloudWatch Logs delivery is not what AWS delivers (across
    /// accounts it rewrites `account`, `region`, `time` and `resources`, and its log timestamps
    /// are floats), so the world writes each event itself: the bus's rules (moto's pattern
    /// matching) decide which groups take it, the world writes it there as PutLogEvents would,
    /// at the event's `time` (see `tests/moto/world.py`). Nothing of this shows in
    /// [`Moto::requests`]; the app's `FilterLogEvents` calls do, under the account whose
    /// credentials made them.
    pub fn stream_setup(&mut self, account: &str, region: &str, log_group: &str) {
        self.call(json!({
            "cmd": "stream_setup", "account": account, "region": region, "log_group": log_group
        }));
    }

    /// What SageMaker does when a resource changes status: the resource (`kind` `training`,
    /// `processing`, `transform`, `tuning`, `endpoint`, `notebook`, `app` or
    /// `inference_component`; `name` its name, or an app's ARN) takes `status` in moto, so
    /// List and Describe say so (with `failure_reason`, `LastModifiedTime` now and, for a job
    /// that ended, its end time), and its state-change event is written to the stream (see
    /// [`Moto::stream_setup`]; nothing is written without one). Returns the event's whole
    /// envelope (`version`, `id`, `detail-type`, `source`, `account`, `time`, `region`,
    /// `resources`, `detail`), `detail` shaped like AWS's published samples: times in epoch
    /// milliseconds (floats for endpoints), `EndpointStatus` in UPPER_SNAKE (`IN_SERVICE`), no
    /// `LastModifiedTime` for transform jobs, no `Tags` for processing jobs. Studio apps and
    /// inference components change without any event, as in AWS: `Value::Null`.
    pub fn set_status(
        &mut self,
        account: &str,
        region: &str,
        kind: &str,
        name: &str,
        status: &str,
        failure_reason: Option<&str>,
    ) -> Value {
        self.status_change(json!({
            "cmd": "set_status", "account": account, "region": region, "kind": kind,
            "name": name, "status": status, "failure_reason": failure_reason, "emit": true
        }))
    }

    /// [`Moto::set_status`] without the event reaching the stream (SageMaker's delivery is at
    /// least once, not exactly once): the resource changes in moto all the same, and the
    /// envelope that was not sent is returned, for a test to deliver late, twice or out of
    /// order with [`Moto::stream_raw`] (its `time` is now, in whole seconds).
    pub fn set_status_unsent(
        &mut self,
        account: &str,
        region: &str,
        kind: &str,
        name: &str,
        status: &str,
        failure_reason: Option<&str>,
    ) -> Value {
        self.status_change(json!({
            "cmd": "set_status", "account": account, "region": region, "kind": kind,
            "name": name, "status": status, "failure_reason": failure_reason, "emit": false
        }))
    }

    fn status_change(&mut self, command: Value) -> Value {
        self.call(command)["event"].clone()
    }

    /// Writes `messages` to the stream's log group exactly as given (malformed JSON, duplicates,
    /// an event delivered late), all at `timestamp_ms` (default now), as PutLogEvents stores
    /// them. Returns how many were written: none when the timestamp is older than 14 days or
    /// more than 2 hours ahead, which PutLogEvents refuses.
    pub fn stream_raw(&mut self, messages: &[&str], timestamp_ms: Option<i64>) -> u64 {
        let answer = self.call(json!({
            "cmd": "stream_raw", "messages": messages, "timestamp_ms": timestamp_ms
        }));
        answer["written"].as_u64().expect("written")
    }

    /// Every event in the stream's log group as `(timestamp_ms, message)`, in timestamp order
    /// (in the order written within one timestamp), read without a request.
    pub fn stream_events(&mut self) -> Vec<(i64, String)> {
        let answer = self.call(json!({"cmd": "stream_events"}));
        answer["events"]
            .as_array()
            .expect("events")
            .iter()
            .map(|e| {
                (
                    e[0].as_i64().expect("timestamp"),
                    e[1].as_str().expect("message").to_string(),
                )
            })
            .collect()
    }

    /// Requests moto served since the last call: `[time, account, region, operation]`.
    pub fn requests(&mut self) -> Vec<(f64, String, String, String)> {
        let answer = self.call(json!({"cmd": "requests"}));
        answer["requests"]
            .as_array()
            .expect("requests")
            .iter()
            .map(|r| {
                (
                    r[0].as_f64().expect("time"),
                    r[1].as_str().expect("account").to_string(),
                    r[2].as_str().expect("region").to_string(),
                    r[3].as_str().expect("operation").to_string(),
                )
            })
            .collect()
    }

    /// Requests moto served since the last call, with whether the fixture refused each
    /// (quota or [`Moto::refuse`]) instead of answering it; starts counting afresh like
    /// [`Moto::requests`].
    pub fn requests_detailed(&mut self) -> Vec<LoggedRequest> {
        let answer = self.call(json!({"cmd": "requests"}));
        answer["requests"]
            .as_array()
            .expect("requests")
            .iter()
            .map(|r| LoggedRequest {
                time: r[0].as_f64().expect("time"),
                account: r[1].as_str().expect("account").to_string(),
                region: r[2].as_str().expect("region").to_string(),
                operation: r[3].as_str().expect("operation").to_string(),
                throttled: r[4].as_bool().expect("throttled"),
            })
            .collect()
    }

    /// SageMaker's quota: from now on every SageMaker operation gets a token bucket per
    /// (account, region, operation) of `rate` requests/s holding `burst` (default
    /// `max(1, rate)`); requests past it get HTTP 400 `ThrottlingException` "Rate exceeded".
    /// Other services are not metered, nor the fixture's own seeding. `rate` 0 turns it off;
    /// so do [`Moto::reset`] and every world ([`Moto::seed`], [`Moto::tag_world`],
    /// [`Moto::scale_world`]).
    pub fn quota(&mut self, rate: f64, burst: Option<f64>) {
        self.call(json!({"cmd": "quota", "rate": rate, "burst": burst}));
    }

    /// Resets moto and builds a world shaped like a team's accounts: about `resources`
    /// resources spread evenly over `accounts` × `regions` (each account-region a mix of
    /// completed, failed and running training, processing, transform and tuning jobs,
    /// endpoints — one failed — and notebooks, most tagged team/project/owner), the first
    /// account-region holding `big` more training jobs. Deterministic for `seed` (times are
    /// relative to now). Returns every resource as [`Moto::seed`] does (`account`, `region`,
    /// `kind`, `name`, `status`, `failure_reason`) plus `instance_type`, `instance_count`,
    /// `arn` and `tags` (an object) as created.
    pub fn scale_world(
        &mut self,
        accounts: &[&str],
        regions: &[&str],
        resources: usize,
        big: usize,
        seed: u64,
    ) -> Vec<Value> {
        let answer = self.call(json!({
            "cmd": "scale_world", "accounts": accounts, "regions": regions,
            "resources": resources, "big": big, "seed": seed
        }));
        answer["jobs"].as_array().expect("jobs").clone()
    }

    /// Resets moto to no world at all, no throttles or quota and an empty request log.
    pub fn reset(&mut self) {
        self.call(json!({"cmd": "reset"}));
    }

    /// Queues Cost Explorer `GetCostAndUsage` answers for `account`: each distinct request
    /// body takes the next one, and asking the same body again gets the same answer.
    pub fn cost_and_usage(&mut self, account: &str, results: &[Value]) {
        self.call(json!({"cmd": "ce_results", "account": account, "results": results}));
    }

    /// From now on (until a reset) `account`'s `GetCostAndUsage` answers are computed from
    /// these cost line items (objects with `day`, `service`, `amount`, `tags` and optionally
    /// `linked_account`), honouring the request's dates, granularity, grouping and `Filter`
    /// (`And`, `Or`, `Not`, `Dimensions`, `Tags`) instead of replaying queued answers.
    pub fn cost_items(&mut self, account: &str, items: &Value) {
        self.call(json!({"cmd": "ce_items", "account": account, "items": items}));
    }

    /// Switches `account`'s Cost Explorer resource-level opt-in: off, every
    /// `GetCostAndUsageWithResources` is refused as AWS refuses it; on, it is computed from the
    /// account's cost items (their `resource_id`), `page_groups` groups a page.
    pub fn resource_level(&mut self, account: &str, enabled: bool, page_groups: Option<u32>) {
        self.call(json!({
            "cmd": "ce_resource_level", "account": account, "enabled": enabled,
            "page_groups": page_groups
        }));
    }

    /// Writes the CUR 2.0 table `database`.`table` that the world's Athena runs SQL over:
    /// `items` are line items (`resource_id`, `start` as an ISO time, `cost`, optionally
    /// `product` (default AmazonSageMaker), `usage_type`, `account`, and `tags` keyed as CUR
    /// 2.0 spells them, e.g. `user_cost_center`). Returns the fixture's size in bytes, which
    /// is what each query reports as scanned.
    pub fn cur_table(&mut self, database: &str, table: &str, items: &Value) -> u64 {
        let answer = self.call(json!({
            "cmd": "cur_table", "database": database, "table": table, "items": items
        }));
        answer["bytes"].as_u64().expect("bytes")
    }

    /// Sets what SageMaker reports about an ended training job of the world (see
    /// `World.training_billing` in `tests/moto/world.py` for `spec`'s fields).
    pub fn training_billing(&mut self, account: &str, region: &str, name: &str, spec: Value) {
        self.call(json!({
            "cmd": "training_billing", "account": account, "region": region, "name": name,
            "spec": spec
        }));
    }

    /// From now on (until a reset) the Price List API's `GetProducts` answers from these
    /// SageMaker products (objects with `instance_type`, `region`, `component` as the Price
    /// List spells it, `usd` per hour, `effective` date; `"unit": "GB-Mo"` for storage), in
    /// AWS's response shape (see `tests/moto/world.py`).
    pub fn price_list(&mut self, products: &Value) {
        self.call(json!({"cmd": "price_list", "products": products}));
    }

    /// The next `times` requests of `operation` in `account`/`region` fail with `code`.
    pub fn refuse(&mut self, account: &str, region: &str, operation: &str, times: u32, code: &str) {
        self.call(json!({
            "cmd": "throttle", "account": account, "region": region,
            "operation": operation, "times": times, "code": code
        }));
    }

    /// Resets moto and creates exactly `resources` (objects with `account`, `region`,
    /// `kind`, `name`, `tags` and, for user profiles, `domain`), each carrying exactly its
    /// tags. Returns name -> ARN.
    pub fn tag_world(&mut self, resources: &Value) -> std::collections::BTreeMap<String, String> {
        let answer = self.call(json!({"cmd": "tag_world", "resources": resources}));
        answer["arns"]
            .as_object()
            .expect("arns")
            .iter()
            .map(|(name, arn)| (name.clone(), arn.as_str().expect("arn").to_string()))
            .collect()
    }

    pub fn endpoint(&self) -> String {
        format!("http://127.0.0.1:{}", self.port)
    }
}

/// A moto server lent to one test for its length: tests that run side by side each get their
/// own server (and so their own world), so they never wait for each other. Servers are started
/// on demand, at most one per test running at once (`cargo test`'s threads), and reused: each
/// test starts from a world it builds itself (every world command resets moto first, or the
/// test calls [`Moto::reset`]).
pub struct MotoLease(Option<Moto>);

impl std::ops::Deref for MotoLease {
    type Target = Moto;
    fn deref(&self) -> &Moto {
        self.0
            .as_ref()
            .expect("a lease holds its server until dropped")
    }
}

impl std::ops::DerefMut for MotoLease {
    fn deref_mut(&mut self) -> &mut Moto {
        self.0
            .as_mut()
            .expect("a lease holds its server until dropped")
    }
}

impl Drop for MotoLease {
    /// Gives the server back, also when the test failed: the next test reseeds it.
    fn drop(&mut self) {
        if let Some(server) = self.0.take() {
            idle_servers().push(server);
        }
    }
}

fn idle_servers() -> MutexGuard<'static, Vec<Moto>> {
    static IDLE: OnceLock<Mutex<Vec<Moto>>> = OnceLock::new();
    IDLE.get_or_init(|| Mutex::new(Vec::new()))
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner)
}

/// An idle moto server of this process, or a new one when every server is in use.
pub fn moto() -> MotoLease {
    let idle = idle_servers().pop();
    MotoLease(Some(idle.unwrap_or_else(Moto::start)))
}

/// The role each non-default account is reached through.
pub fn role(account: &str) -> String {
    format!("arn:aws:iam::{account}:role/SageScopeReadOnly")
}

/// What in-process tests hand the library (`Config::aws_override`) to reach `moto`: its
/// endpoint, dummy keys, us-east-1, one attempt per call, and none of the developer's AWS
/// files. Nothing of this process's environment changes, so tests running beside each other
/// are not affected (the CLI's child processes get the same through their own environment, see
/// `support::cli::isolated`).
pub fn aws_override(moto: &Moto) -> sagescope::config::AwsOverride {
    sagescope::config::AwsOverride {
        endpoint_url: moto.endpoint(),
        access_key_id: "testing".into(),
        secret_access_key: "testing".into(),
        region: "us-east-1".into(),
        max_attempts: 1,
    }
}
