//! Health flags for running resources, and the per-job health fields `export jobs` adds.
//!
//! Everything here is a pure function of a job, its metric series, the `[health]` thresholds
//! and `now`, so flags are testable to the minute and the demo world can show them.
//!
//! # Normalisation
//! SageMaker reports a host's `CPUUtilization` summed over its vCPUs (0 to 100 × vCPUs) and
//! `GPUUtilization` summed over its GPUs. sagescope divides by the count from
//! [`crate::instances`] so a threshold of 20 % means "each core / GPU averages under 20 %",
//! whatever the instance size. For an instance type whose hardware is unknown the value is
//! used as reported: that can only read high (never low) on a multi-device host, so an
//! unknown type is never flagged `underutilized` by mistake, only possibly missed.

use std::fmt;

use chrono::{DateTime, Duration, Utc};
use serde::{Deserialize, Serialize};

use crate::config::HealthConfig;
use crate::instances::{self, InstanceSpec};
use crate::metrics::{MetricName, Point, ResourceMetrics};
use crate::model::{Job, ResourceKind, StatusPhase};
use crate::pricing::{self, Prices};

/// The window utilisation is averaged over.
pub const UTILISATION_WINDOW: Duration = Duration::minutes(30);
/// The window an endpoint must serve nobody in to be `idle`.
pub const IDLE_WINDOW: Duration = Duration::hours(24);

/// A health problem worth a badge. Serialises to the names exports publish.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Flag {
    /// An in-service endpoint with zero invocations over the last 24 hours, or a Studio app
    /// in service whose last user activity is older than `health.app_idle_hours`.
    Idle,
    /// A running job averaging under `health.underutilized_pct` GPU (or CPU, without a GPU)
    /// over the last 30 minutes.
    Underutilized,
    /// A job running longer than `health.max_hours`.
    LongRunning,
    /// A HyperPod cluster with nodes that `ListClusterNodes` reports as failed: they bill
    /// while the cluster waits for their replacement, and jobs on them stall.
    FailedNodes,
}

impl Flag {
    /// Every flag, in the order [`flags`] raises them.
    pub const ALL: [Flag; 4] = [
        Flag::Idle,
        Flag::Underutilized,
        Flag::LongRunning,
        Flag::FailedNodes,
    ];

    /// The exported name.
    pub fn as_str(self) -> &'static str {
        match self {
            Flag::Idle => "idle",
            Flag::Underutilized => "underutilized",
            Flag::LongRunning => "long_running",
            Flag::FailedNodes => "failed_nodes",
        }
    }
}

impl fmt::Display for Flag {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A series value as a per-device percentage: divided by `devices` when known and non-zero.
pub fn normalise(value: f64, devices: Option<u32>) -> f64 {
    match devices {
        Some(n) if n > 0 => value / f64::from(n),
        _ => value,
    }
}

/// The mean of every point of every series (one per host) in `[now - window, now]`,
/// normalised per device; `None` when no point falls in the window.
pub fn average(
    series: &[&[Point]],
    devices: Option<u32>,
    window: Duration,
    now: DateTime<Utc>,
) -> Option<f64> {
    let from = now - window;
    let (sum, count) = series
        .iter()
        .flat_map(|s| s.iter())
        .filter(|(at, _)| *at >= from && *at <= now)
        .fold((0.0, 0usize), |(sum, n), (_, v)| {
            (sum + normalise(*v, devices), n + 1)
        });
    (count > 0).then(|| sum / count as f64)
}

/// The sum of the points in `[now - window, now]` (0 when there are none).
pub fn total(series: &[&[Point]], window: Duration, now: DateTime<Utc>) -> f64 {
    let from = now - window;
    series
        .iter()
        .flat_map(|s| s.iter())
        .filter(|(at, _)| *at >= from && *at <= now)
        .map(|(_, v)| v)
        .sum()
}

fn spec_of(instance_type: Option<&str>) -> Option<InstanceSpec> {
    instance_type.and_then(instances::spec)
}

fn collect(metrics: &ResourceMetrics, metric: MetricName) -> Vec<&[Point]> {
    metrics.series(metric).collect()
}

/// Average CPU utilisation per vCPU over the last 30 minutes, in percent.
pub fn cpu_util(
    metrics: &ResourceMetrics,
    instance_type: Option<&str>,
    now: DateTime<Utc>,
) -> Option<f64> {
    let vcpus = spec_of(instance_type).map(|s| s.vcpus);
    average(
        &collect(metrics, MetricName::CpuUtilization),
        vcpus,
        UTILISATION_WINDOW,
        now,
    )
}

/// Average GPU utilisation per GPU over the last 30 minutes, in percent; `None` for types
/// known to have no GPU, or without data.
pub fn gpu_util(
    metrics: &ResourceMetrics,
    instance_type: Option<&str>,
    now: DateTime<Utc>,
) -> Option<f64> {
    let spec = spec_of(instance_type);
    if spec.is_some_and(|s| !s.has_gpu()) {
        return None;
    }
    average(
        &collect(metrics, MetricName::GpuUtilization),
        spec.map(|s| s.gpus),
        UTILISATION_WINDOW,
        now,
    )
}

/// Invocations over the last 24 hours, summed over variants.
///
/// CloudWatch publishes no `Invocations` point for an hour without requests, so a complete
/// answer with no points means zero. `None` when invocations were not fetched, the answer
/// was incomplete (then we cannot tell zero from unknown), or it is older than
/// [`UTILISATION_WINDOW`] (a cached "nobody called" from yesterday says nothing about today).
pub fn invocations_24h(metrics: &ResourceMetrics, now: DateTime<Utc>) -> Option<u64> {
    if !metrics.complete
        || !metrics.has(MetricName::Invocations)
        || metrics.as_of < now - UTILISATION_WINDOW
    {
        return None;
    }
    let sum = total(&collect(metrics, MetricName::Invocations), IDLE_WINDOW, now);
    Some(sum.max(0.0).round() as u64)
}

/// The utilisation that decides `underutilized`: GPU for GPU types, CPU otherwise. For an
/// unknown type, GPU when GPU data exists, else CPU.
pub fn deciding_utilisation(
    metrics: &ResourceMetrics,
    instance_type: Option<&str>,
    now: DateTime<Utc>,
) -> Option<f64> {
    match spec_of(instance_type) {
        Some(spec) if spec.has_gpu() => gpu_util(metrics, instance_type, now),
        Some(_) => cpu_util(metrics, instance_type, now),
        None => {
            gpu_util(metrics, instance_type, now).or_else(|| cpu_util(metrics, instance_type, now))
        }
    }
}

/// One series for a sparkline: the members' points merged per timestamp, oldest first.
///
/// Utilisation is averaged over hosts (variants) and normalised per vCPU / GPU as for flags;
/// `Invocations` are summed over variants. Empty when the metric has no data.
pub fn combined_series(
    metrics: &ResourceMetrics,
    metric: MetricName,
    instance_type: Option<&str>,
) -> Vec<Point> {
    let spec = spec_of(instance_type);
    let devices = match metric {
        MetricName::CpuUtilization => spec.map(|s| s.vcpus),
        MetricName::GpuUtilization | MetricName::GpuMemoryUtilization => spec.map(|s| s.gpus),
        MetricName::MemoryUtilization | MetricName::Invocations => None,
    };
    let mut by_time: std::collections::BTreeMap<DateTime<Utc>, (f64, u32)> = Default::default();
    for series in metrics.series(metric) {
        for (at, value) in series {
            let slot = by_time.entry(*at).or_insert((0.0, 0));
            slot.0 += normalise(*value, devices);
            slot.1 += 1;
        }
    }
    by_time
        .into_iter()
        .map(|(at, (sum, n))| {
            let value = if metric == MetricName::Invocations {
                sum
            } else {
                sum / f64::from(n.max(1))
            };
            (at, value)
        })
        .collect()
}

fn running(job: &Job) -> bool {
    job.status.phase() == StatusPhase::Running
}

/// `idle`: an in-service endpoint, in service for at least 24 hours, that served no request
/// in the last 24 hours (per a complete CloudWatch answer).
pub fn is_idle(job: &Job, metrics: Option<&ResourceMetrics>, now: DateTime<Utc>) -> bool {
    job.kind == ResourceKind::Endpoint
        && running(job)
        && job.created_at <= now - IDLE_WINDOW
        && metrics.and_then(|m| invocations_24h(m, now)) == Some(0)
}

/// `idle` for a Studio app: in service, and its last user activity (`DescribeApp`'s
/// `LastUserActivityTimestamp`) is more than `idle_hours` ago. An app whose activity was never
/// read is not flagged: no data, no flag.
pub fn is_idle_app(job: &Job, idle_hours: u32, now: DateTime<Utc>) -> bool {
    job.kind == ResourceKind::App
        && running(job)
        && job
            .app
            .as_ref()
            .and_then(|a| a.last_activity_at)
            .is_some_and(|at| now - at > Duration::hours(i64::from(idle_hours)))
}

/// `underutilized`: a running job or endpoint, up for at least 30 minutes, whose deciding
/// utilisation (see [`deciding_utilisation`]) averages strictly under `threshold_pct` over
/// the last 30 minutes. No data, no flag.
pub fn is_underutilized(
    job: &Job,
    metrics: Option<&ResourceMetrics>,
    threshold_pct: f64,
    now: DateTime<Utc>,
) -> bool {
    (job.kind.finishes() || job.kind == ResourceKind::Endpoint)
        && running(job)
        && job.created_at <= now - UTILISATION_WINDOW
        && metrics
            .and_then(|m| deciding_utilisation(m, job.instance_type.as_deref(), now))
            .is_some_and(|util| util < threshold_pct)
}

/// `long_running`: a training, processing, transform or tuning job running for more than
/// `max_hours`. Endpoints and notebook instances are meant to stay up (and a notebook's
/// `created_at` is not when it was last started), so they are never flagged.
pub fn is_long_running(job: &Job, max_hours: u32, now: DateTime<Utc>) -> bool {
    job.kind.finishes() && running(job) && job.duration(now) > Duration::hours(i64::from(max_hours))
}

/// `failed_nodes`: a HyperPod cluster, in any state, whose node list has a failed node.
pub fn has_failed_nodes(job: &Job) -> bool {
    job.kind == ResourceKind::HyperPodCluster
        && job
            .compute
            .as_ref()
            .and_then(|c| c.cluster())
            .is_some_and(|c| c.failed_nodes() > 0)
}

/// Every flag that applies, in [`Flag::ALL`] order.
pub fn flags(
    job: &Job,
    metrics: Option<&ResourceMetrics>,
    health: &HealthConfig,
    now: DateTime<Utc>,
) -> Vec<Flag> {
    let mut out = Vec::new();
    if is_idle(job, metrics, now) || is_idle_app(job, health.app_idle_hours, now) {
        out.push(Flag::Idle);
    }
    if is_underutilized(job, metrics, f64::from(health.underutilized_pct), now) {
        out.push(Flag::Underutilized);
    }
    if is_long_running(job, health.max_hours, now) {
        out.push(Flag::LongRunning);
    }
    if has_failed_nodes(job) {
        out.push(Flag::FailedNodes);
    }
    out
}

/// The fields `export jobs` gains with issue 7; each `None` exports as `null`.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct HealthFields {
    pub usd_per_hour: Option<f64>,
    pub usd_so_far: Option<f64>,
    /// Average per-vCPU CPU utilisation over the last 30 minutes, percent.
    pub cpu_util: Option<f64>,
    /// Average per-GPU utilisation over the last 30 minutes, percent.
    pub gpu_util: Option<f64>,
    pub invocations_24h: Option<u64>,
    pub flags: Vec<Flag>,
}

impl HealthFields {
    /// The flags joined with `;`, as the CSV export writes lists.
    pub fn flags_csv(&self) -> String {
        self.flags
            .iter()
            .map(|f| f.as_str())
            .collect::<Vec<_>>()
            .join(";")
    }
}

/// The health fields of one job. `metrics` is the job's own (see
/// [`ResourceMetrics::is_for`]); without it utilisation and invocations are `None` and only
/// `long_running` can be raised.
pub fn export_fields(
    job: &Job,
    metrics: Option<&ResourceMetrics>,
    prices: &Prices,
    health: &HealthConfig,
    now: DateTime<Utc>,
) -> HealthFields {
    let instance_type = job.instance_type.as_deref();
    let live = metrics.filter(|_| running(job));
    HealthFields {
        usd_per_hour: pricing::usd_per_hour(job, prices),
        usd_so_far: pricing::usd_so_far(job, prices, now),
        cpu_util: live.and_then(|m| cpu_util(m, instance_type, now)),
        gpu_util: live.and_then(|m| gpu_util(m, instance_type, now)),
        invocations_24h: live
            .filter(|_| job.kind == ResourceKind::Endpoint)
            .and_then(|m| invocations_24h(m, now)),
        flags: flags(job, metrics, health, now),
    }
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeMap;

    use chrono::TimeZone;

    use super::*;
    use crate::metrics::{MemberSeries, MetricTarget};
    use crate::model::{JobStatus, Tags};

    fn now() -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2026, 11, 20, 12, 0, 0)
            .single()
            .expect("valid")
    }

    fn health() -> HealthConfig {
        HealthConfig {
            underutilized_pct: 20,
            max_hours: 24,
            app_idle_hours: 3,
        }
    }

    fn job(kind: ResourceKind, status: &str, instance: &str, age: Duration) -> Job {
        Job {
            account_id: "111111111111".into(),
            account_name: "dev".into(),
            region: "us-east-1".into(),
            kind,
            name: "r".into(),
            arn: "arn".into(),
            status: JobStatus::from(status),
            created_at: now() - age,
            ended_at: None,
            last_modified_at: None,
            instance_type: Some(instance.into()),
            instance_count: Some(1),
            failure_reason: None,
            tags: Tags::new(),
            app: None,
            compute: None,
            billing: None,
            streamed_at: None,
            created_by: None,
        }
    }

    /// One value per minute for the last `minutes` minutes.
    fn flat(value: f64, minutes: i64) -> Vec<Point> {
        (1..=minutes)
            .map(|m| (now() - Duration::minutes(m), value))
            .collect()
    }

    fn metrics(members: Vec<Vec<(MetricName, Vec<Point>)>>, complete: bool) -> ResourceMetrics {
        ResourceMetrics {
            target: MetricTarget::TrainingJob {
                name: "r".into(),
                instance_count: u32::try_from(members.len()).expect("small"),
                instance_type: None,
            },
            members: members
                .into_iter()
                .enumerate()
                .map(|(i, series)| MemberSeries {
                    member: format!("algo-{}", i + 1),
                    series: series.into_iter().collect::<BTreeMap<_, _>>(),
                })
                .collect(),
            as_of: now(),
            complete,
        }
    }

    fn training(instance: &str) -> Job {
        job(
            ResourceKind::Training,
            "InProgress",
            instance,
            Duration::hours(2),
        )
    }

    #[test]
    fn flags_serialise_to_their_published_names() {
        let json = serde_json::to_string(&Flag::ALL).expect("serialises");
        assert_eq!(
            json,
            r#"["idle","underutilized","long_running","failed_nodes"]"#
        );
        for flag in Flag::ALL {
            assert_eq!(
                serde_json::to_string(&flag).expect("serialises"),
                format!("\"{flag}\"")
            );
        }
    }

    #[test]
    fn gpu_utilisation_is_normalised_per_gpu() {
        // 4 GPUs at 15 % each read 60 in CloudWatch: under 20 % per GPU.
        let m = metrics(
            vec![vec![(MetricName::GpuUtilization, flat(60.0, 30))]],
            true,
        );
        let util = gpu_util(&m, Some("ml.g5.12xlarge"), now()).expect("data");
        assert!((util - 15.0).abs() < 1e-9);
        assert!(is_underutilized(
            &training("ml.g5.12xlarge"),
            Some(&m),
            20.0,
            now()
        ));
        assert!(
            !is_underutilized(&training("ml.g5.xlarge"), Some(&m), 20.0, now()),
            "the same 60 on a single-GPU type is busy"
        );
    }

    #[test]
    fn exactly_at_the_threshold_is_not_underutilized() {
        let m = metrics(
            vec![vec![(MetricName::GpuUtilization, flat(20.0, 30))]],
            true,
        );
        assert!(!is_underutilized(
            &training("ml.g5.xlarge"),
            Some(&m),
            20.0,
            now()
        ));
        let just_under = metrics(
            vec![vec![(MetricName::GpuUtilization, flat(19.99, 30))]],
            true,
        );
        assert!(is_underutilized(
            &training("ml.g5.xlarge"),
            Some(&just_under),
            20.0,
            now()
        ));
    }

    #[test]
    fn only_the_last_30_minutes_count() {
        // Busy an hour ago, idle GPU for the last 30 minutes.
        let mut series: Vec<Point> = (31..=60)
            .map(|m| (now() - Duration::minutes(m), 95.0))
            .collect();
        series.extend(flat(5.0, 30));
        let m = metrics(vec![vec![(MetricName::GpuUtilization, series)]], true);
        let util = gpu_util(&m, Some("ml.g5.xlarge"), now()).expect("data");
        assert!((util - 5.0).abs() < 1e-9, "{util}");
    }

    #[test]
    fn hosts_are_averaged_together() {
        let m = metrics(
            vec![
                vec![(MetricName::GpuUtilization, flat(10.0, 30))],
                vec![(MetricName::GpuUtilization, flat(50.0, 30))],
            ],
            true,
        );
        let util = gpu_util(&m, Some("ml.g5.xlarge"), now()).expect("data");
        assert!((util - 30.0).abs() < 1e-9);
    }

    #[test]
    fn sparkline_series_average_hosts_per_gpu_and_sum_invocations() {
        let t = |m: i64| now() - Duration::minutes(m);
        let m = metrics(
            vec![
                vec![(
                    MetricName::GpuUtilization,
                    vec![(t(2), 400.0), (t(1), 200.0)],
                )],
                vec![(MetricName::GpuUtilization, vec![(t(1), 100.0)])],
            ],
            true,
        );
        // ml.g5.12xlarge has 4 GPUs: 400 -> 100 %, (200 + 100) / 2 -> 37.5 %.
        assert_eq!(
            combined_series(&m, MetricName::GpuUtilization, Some("ml.g5.12xlarge")),
            vec![(t(2), 100.0), (t(1), 37.5)]
        );
        assert!(combined_series(&m, MetricName::CpuUtilization, None).is_empty());
        let mut two_variants = endpoint_metrics(vec![(t(60), 5.0)], true);
        let mut second = two_variants.members[0].clone();
        second.member = "B".into();
        two_variants.members.push(second);
        assert_eq!(
            combined_series(&two_variants, MetricName::Invocations, None),
            vec![(t(60), 10.0)]
        );
    }

    #[test]
    fn no_data_raises_no_utilisation_flag() {
        let empty = metrics(vec![vec![(MetricName::GpuUtilization, Vec::new())]], true);
        let j = training("ml.g5.xlarge");
        assert!(!is_underutilized(&j, Some(&empty), 20.0, now()));
        assert!(!is_underutilized(&j, None, 20.0, now()));
        let stale = metrics(
            vec![vec![(
                MetricName::GpuUtilization,
                vec![(now() - Duration::minutes(45), 1.0)],
            )]],
            true,
        );
        assert!(
            !is_underutilized(&j, Some(&stale), 20.0, now()),
            "only old data"
        );
    }

    #[test]
    fn a_gpu_type_without_gpu_data_is_not_judged_by_its_cpu() {
        let cpu_only = metrics(
            vec![vec![
                (MetricName::CpuUtilization, flat(4.0, 30)),
                (MetricName::GpuUtilization, Vec::new()),
            ]],
            true,
        );
        assert!(!is_underutilized(
            &training("ml.g5.xlarge"),
            Some(&cpu_only),
            20.0,
            now()
        ));
    }

    #[test]
    fn cpu_types_fall_back_to_cpu_normalised_per_vcpu() {
        // ml.m5.xlarge has 4 vCPUs: 60 summed is 15 % per core.
        let m = metrics(
            vec![vec![(MetricName::CpuUtilization, flat(60.0, 30))]],
            true,
        );
        assert!(is_underutilized(
            &training("ml.m5.xlarge"),
            Some(&m),
            20.0,
            now()
        ));
        assert_eq!(gpu_util(&m, Some("ml.m5.xlarge"), now()), None);
        let busy = metrics(
            vec![vec![(MetricName::CpuUtilization, flat(320.0, 30))]],
            true,
        );
        assert!(!is_underutilized(
            &training("ml.m5.xlarge"),
            Some(&busy),
            20.0,
            now()
        ));
    }

    #[test]
    fn unknown_types_use_gpu_when_there_is_gpu_data_and_raw_values() {
        let j = training("ml.brand.new");
        let gpu = metrics(
            vec![vec![
                (MetricName::GpuUtilization, flat(10.0, 30)),
                (MetricName::CpuUtilization, flat(90.0, 30)),
            ]],
            true,
        );
        assert!(is_underutilized(&j, Some(&gpu), 20.0, now()));
        let cpu = metrics(
            vec![vec![
                (MetricName::GpuUtilization, Vec::new()),
                (MetricName::CpuUtilization, flat(60.0, 30)),
            ]],
            true,
        );
        assert!(
            !is_underutilized(&j, Some(&cpu), 20.0, now()),
            "60 cannot be divided by an unknown core count, so it stays 60"
        );
    }

    #[test]
    fn a_job_younger_than_the_window_is_not_judged() {
        let young = job(
            ResourceKind::Training,
            "InProgress",
            "ml.g5.xlarge",
            Duration::minutes(10),
        );
        let m = metrics(
            vec![vec![(MetricName::GpuUtilization, flat(1.0, 10))]],
            true,
        );
        assert!(!is_underutilized(&young, Some(&m), 20.0, now()));
    }

    fn endpoint_metrics(points: Vec<Point>, complete: bool) -> ResourceMetrics {
        ResourceMetrics {
            target: MetricTarget::Endpoint {
                name: "r".into(),
                variants: vec!["AllTraffic".into()],
                instance_type: None,
            },
            members: vec![MemberSeries {
                member: "AllTraffic".into(),
                series: BTreeMap::from([(MetricName::Invocations, points)]),
            }],
            as_of: now(),
            complete,
        }
    }

    fn endpoint(age: Duration) -> Job {
        job(ResourceKind::Endpoint, "InService", "ml.m5.large", age)
    }

    #[test]
    fn an_endpoint_with_no_invocations_for_a_day_is_idle() {
        let none = endpoint_metrics(Vec::new(), true);
        assert_eq!(invocations_24h(&none, now()), Some(0));
        assert!(is_idle(&endpoint(Duration::days(3)), Some(&none), now()));
        let zeros = endpoint_metrics(vec![(now() - Duration::hours(2), 0.0)], true);
        assert!(is_idle(&endpoint(Duration::days(3)), Some(&zeros), now()));
    }

    #[test]
    fn one_invocation_or_an_old_one_decides_idle() {
        let one = endpoint_metrics(vec![(now() - Duration::hours(23), 1.0)], true);
        assert_eq!(invocations_24h(&one, now()), Some(1));
        assert!(!is_idle(&endpoint(Duration::days(3)), Some(&one), now()));
        let old = endpoint_metrics(vec![(now() - Duration::hours(25), 500.0)], true);
        assert!(is_idle(&endpoint(Duration::days(3)), Some(&old), now()));
    }

    #[test]
    fn an_old_answer_says_nothing_about_invocations_now() {
        let mut old = endpoint_metrics(Vec::new(), true);
        old.as_of = now() - Duration::hours(3);
        assert_eq!(invocations_24h(&old, now()), None);
        assert!(!is_idle(&endpoint(Duration::days(3)), Some(&old), now()));
        old.as_of = now() - Duration::minutes(29);
        assert_eq!(
            invocations_24h(&old, now()),
            Some(0),
            "a recent answer counts"
        );
    }

    #[test]
    fn idle_needs_a_complete_answer_a_full_day_and_an_in_service_endpoint() {
        let none = endpoint_metrics(Vec::new(), true);
        assert!(!is_idle(&endpoint(Duration::hours(5)), Some(&none), now()));
        assert!(
            is_idle(&endpoint(Duration::hours(24)), Some(&none), now()),
            "exactly 24 h in service is a full day"
        );
        let partial = endpoint_metrics(Vec::new(), false);
        assert_eq!(invocations_24h(&partial, now()), None);
        assert!(!is_idle(
            &endpoint(Duration::days(3)),
            Some(&partial),
            now()
        ));
        assert!(!is_idle(&endpoint(Duration::days(3)), None, now()));
        let creating = job(
            ResourceKind::Endpoint,
            "Creating",
            "ml.m5.large",
            Duration::days(3),
        );
        assert!(!is_idle(&creating, Some(&none), now()));
        let training_job = training("ml.m5.large");
        assert!(!is_idle(&training_job, Some(&none), now()));
    }

    #[test]
    fn long_running_is_strictly_past_max_hours_and_only_for_jobs() {
        let at_limit = job(
            ResourceKind::Training,
            "InProgress",
            "ml.m5.large",
            Duration::hours(24),
        );
        assert!(!is_long_running(&at_limit, 24, now()));
        let past = job(
            ResourceKind::Processing,
            "InProgress",
            "ml.m5.large",
            Duration::hours(24) + Duration::minutes(1),
        );
        assert!(is_long_running(&past, 24, now()));
        let mut finished = past.clone();
        finished.status = JobStatus::from("Completed");
        assert!(!is_long_running(&finished, 24, now()));
        let old_endpoint = endpoint(Duration::days(90));
        assert!(!is_long_running(&old_endpoint, 24, now()));
    }

    #[test]
    fn flags_collects_every_flag_in_order() {
        let long = job(
            ResourceKind::Training,
            "InProgress",
            "ml.g5.xlarge",
            Duration::hours(30),
        );
        let m = metrics(
            vec![vec![(MetricName::GpuUtilization, flat(3.0, 30))]],
            true,
        );
        assert_eq!(
            flags(&long, Some(&m), &health(), now()),
            vec![Flag::Underutilized, Flag::LongRunning]
        );
        let idle = endpoint_metrics(Vec::new(), true);
        assert_eq!(
            flags(&endpoint(Duration::days(2)), Some(&idle), &health(), now()),
            vec![Flag::Idle]
        );
        assert!(flags(&training("ml.g5.xlarge"), None, &health(), now()).is_empty());
    }

    #[test]
    fn export_fields_fill_what_is_known_and_leave_the_rest_null() {
        let table = crate::pricing::PriceTable::parse(
            "region,instance_type,usd_per_hour,component,published\n\
             us-east-1,ml.g5.12xlarge,7.09,Studio-Notebook,2026-07-03\n",
        )
        .expect("parses");
        let prices = Prices::new(table, Vec::new());
        let mut j = training("ml.g5.12xlarge");
        j.instance_count = Some(2);
        let m = metrics(
            vec![vec![
                (MetricName::GpuUtilization, flat(40.0, 30)),
                (MetricName::CpuUtilization, flat(480.0, 30)),
            ]],
            true,
        );
        let fields = export_fields(&j, Some(&m), &prices, &health(), now());
        assert_eq!(fields.usd_per_hour, Some(14.18));
        let so_far = fields.usd_so_far.expect("priced");
        assert!((so_far - 28.36).abs() < 1e-9, "{so_far}");
        assert_eq!(fields.gpu_util, Some(10.0));
        assert_eq!(fields.cpu_util, Some(10.0), "480 over 48 vCPUs");
        assert_eq!(fields.invocations_24h, None, "not an endpoint");
        assert_eq!(fields.flags, vec![Flag::Underutilized]);
        assert_eq!(fields.flags_csv(), "underutilized");
        let json = serde_json::to_value(&fields).expect("serialises");
        assert_eq!(json["flags"], serde_json::json!(["underutilized"]));
        assert_eq!(json["invocations_24h"], serde_json::Value::Null);

        let unknown = export_fields(&training("ml.p5.48xlarge"), None, &prices, &health(), now());
        assert_eq!(unknown, HealthFields::default());
    }

    #[test]
    fn export_fields_of_an_idle_endpoint_carry_zero_invocations() {
        let prices = Prices::new(crate::pricing::PriceTable::default(), Vec::new());
        let fields = export_fields(
            &endpoint(Duration::days(2)),
            Some(&endpoint_metrics(Vec::new(), true)),
            &prices,
            &health(),
            now(),
        );
        assert_eq!(fields.invocations_24h, Some(0));
        assert_eq!(fields.flags, vec![Flag::Idle]);
        assert_eq!(fields.usd_per_hour, None, "no price, no number");
    }
}
