//! Plausible metric series for the demo world, so `--demo` shows flags and sparklines.
//!
//! Deterministic for a given set of jobs and anchor time (no clock, no OS randomness): each
//! resource's shape comes from a hash of its ARN. The mix is chosen so every flag shows up:
//! the first running training job (by ARN) sits idle on its GPUs, the first in-service
//! endpoint that has been up a full day serves nobody, the second is busy, and the rest are a
//! spread of busy, moderate and underused.

use std::collections::BTreeMap;

use chrono::{DateTime, Duration, DurationRound, Utc};

use super::query::Window;
use super::{JobMetrics, MemberSeries, MetricName, MetricTarget, Point, ResourceMetrics};
use crate::instances;
use crate::model::{Job, ResourceKind, StatusPhase};

/// How hard a resource works.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Profile {
    /// Utilisation low enough to be flagged `underutilized`; no invocations for endpoints.
    Idle,
    Moderate,
    Busy,
}

/// FNV-1a: a stable hash, unlike `std`'s, so the demo is the same on every machine.
fn fnv(text: &str) -> u64 {
    text.bytes().fold(0xcbf2_9ce4_8422_2325, |h, b| {
        (h ^ u64::from(b)).wrapping_mul(0x0000_0100_0000_01b3)
    })
}

/// A value in `[0, 1)` from a seed and a step.
fn noise(seed: u64, step: u64) -> f64 {
    let mut z = seed ^ step.wrapping_mul(0x9E37_79B9_7F4A_7C15);
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^= z >> 31;
    (z >> 11) as f64 / (1u64 << 53) as f64
}

/// Per-device utilisation band of a profile, in percent.
fn band(profile: Profile) -> (f64, f64) {
    match profile {
        Profile::Idle => (2.0, 12.0),
        Profile::Moderate => (35.0, 60.0),
        Profile::Busy => (75.0, 97.0),
    }
}

fn profile_from_hash(hash: u64) -> Profile {
    match hash % 10 {
        0..=2 => Profile::Idle,
        3..=5 => Profile::Moderate,
        _ => Profile::Busy,
    }
}

/// `points` values at `period` steps ending at `end`, oldest first, each `value(step)`.
fn series(
    end: DateTime<Utc>,
    period: Duration,
    points: i64,
    mut value: impl FnMut(u64) -> f64,
) -> Vec<Point> {
    (1..=points)
        .rev()
        .map(|k| {
            let step = u64::try_from(k).unwrap_or(0);
            (end - period * i32::try_from(k).unwrap_or(0), value(step))
        })
        .collect()
}

/// A utilisation series summed over `devices`, as CloudWatch reports it.
fn utilisation(seed: u64, profile: Profile, devices: u32, end: DateTime<Utc>) -> Vec<Point> {
    let (low, high) = band(profile);
    let devices = f64::from(devices.max(1));
    series(end, Duration::minutes(1), 60, |step| {
        (low + (high - low) * noise(seed, step)) * devices
    })
}

fn training_metrics(job: &Job, profile: Profile, end: DateTime<Utc>) -> ResourceMetrics {
    let target = MetricTarget::TrainingJob {
        name: job.name.clone(),
        instance_count: job.instance_count.unwrap_or(1).max(1),
        instance_type: job.instance_type.clone().map(Into::into),
    };
    let spec = job.instance_type.as_deref().and_then(instances::spec);
    let seed = fnv(&job.arn);
    let members = target
        .members()
        .into_iter()
        .enumerate()
        .map(|(i, member)| {
            let host_seed = seed.wrapping_add(i as u64 * 7919);
            let mut map = BTreeMap::new();
            let vcpus = spec.map_or(4, |s| s.vcpus);
            let cpu_profile = if spec.is_some_and(|s| s.has_gpu()) {
                Profile::Moderate
            } else {
                profile
            };
            map.insert(
                MetricName::CpuUtilization,
                utilisation(host_seed, cpu_profile, vcpus, end),
            );
            map.insert(
                MetricName::MemoryUtilization,
                utilisation(host_seed ^ 0x55, Profile::Moderate, 1, end),
            );
            if let Some(gpus) = spec.filter(|s| s.has_gpu()).map(|s| s.gpus) {
                map.insert(
                    MetricName::GpuUtilization,
                    utilisation(host_seed ^ 0xA1, profile, gpus, end),
                );
                map.insert(
                    MetricName::GpuMemoryUtilization,
                    utilisation(host_seed ^ 0xB2, profile, gpus, end),
                );
            }
            MemberSeries {
                member,
                series: map,
            }
        })
        .collect();
    ResourceMetrics {
        target,
        members,
        as_of: end,
        complete: true,
    }
}

fn endpoint_metrics(job: &Job, profile: Profile, end: DateTime<Utc>) -> ResourceMetrics {
    let target = MetricTarget::Endpoint {
        name: job.name.clone(),
        variants: vec!["AllTraffic".to_string()],
        instance_type: job.instance_type.clone().map(Into::into),
    };
    let spec = job.instance_type.as_deref().and_then(instances::spec);
    let seed = fnv(&job.arn);
    let mut map = BTreeMap::new();
    map.insert(
        MetricName::CpuUtilization,
        utilisation(seed, profile, spec.map_or(2, |s| s.vcpus), end),
    );
    if let Some(gpus) = spec.filter(|s| s.has_gpu()).map(|s| s.gpus) {
        map.insert(
            MetricName::GpuUtilization,
            utilisation(seed ^ 0xA1, profile, gpus, end),
        );
    }
    // No traffic: CloudWatch publishes no Invocations points at all.
    let invocations = match profile {
        Profile::Idle => Vec::new(),
        Profile::Moderate | Profile::Busy => {
            let peak = if profile == Profile::Busy {
                40_000.0
            } else {
                3_000.0
            };
            let (_, day_end) = Window::LastDay.range(end);
            let hour_end = day_end
                .duration_trunc(Duration::hours(1))
                .unwrap_or(day_end);
            series(hour_end, Duration::hours(1), 24, |step| {
                (peak * (0.3 + 0.7 * noise(seed ^ 0xC3, step))).round()
            })
        }
    };
    map.insert(MetricName::Invocations, invocations);
    ResourceMetrics {
        target,
        members: vec![MemberSeries {
            member: "AllTraffic".to_string(),
            series: map,
        }],
        as_of: end,
        complete: true,
    }
}

/// Synthesises metrics for the running training jobs and in-service endpoints among `jobs`,
/// as of `anchor` (the demo world's "now"). One [`ResourceMetrics`] per such resource, in
/// the order of `jobs`, each keyed by its job's ARN.
pub fn synthesize(jobs: &[Job], anchor: DateTime<Utc>) -> Vec<JobMetrics> {
    let (_, end) = Window::LastHour.range(anchor);
    let running = |kind: ResourceKind| {
        let mut arns: Vec<&str> = jobs
            .iter()
            .filter(|j| j.kind == kind && j.status.phase() == StatusPhase::Running)
            .map(|j| j.arn.as_str())
            .collect();
        arns.sort_unstable();
        arns
    };
    let trainings = running(ResourceKind::Training);
    // An endpoint hosting inference components serves them: busy, and never the idle example.
    let hosting = |arn: &str| {
        jobs.iter().any(|c| {
            c.compute
                .as_ref()
                .and_then(|k| k.component())
                .is_some_and(|k| arn.ends_with(&format!(":endpoint/{}", k.endpoint_name)))
                && arn.contains(&format!(":{}:{}:", c.region, c.account_id))
        })
    };
    let day_old_endpoints: Vec<&str> = running(ResourceKind::Endpoint)
        .into_iter()
        .filter(|arn| !hosting(arn))
        .filter(|arn| {
            jobs.iter()
                .any(|j| j.arn == *arn && j.created_at <= anchor - Duration::hours(24))
        })
        .collect();
    jobs.iter()
        .filter(|j| j.status.phase() == StatusPhase::Running)
        .filter_map(|job| {
            let hashed = profile_from_hash(fnv(&job.arn));
            let metrics = match job.kind {
                ResourceKind::Training => {
                    let profile = if trainings.first() == Some(&job.arn.as_str()) {
                        Profile::Idle
                    } else {
                        hashed
                    };
                    Some(training_metrics(job, profile, end))
                }
                ResourceKind::Endpoint => {
                    let profile = match day_old_endpoints.iter().position(|arn| *arn == job.arn) {
                        _ if hosting(&job.arn) => Profile::Busy,
                        Some(0) => Profile::Idle,
                        Some(1) => Profile::Busy,
                        _ => hashed,
                    };
                    Some(endpoint_metrics(job, profile, end))
                }
                _ => None,
            };
            metrics.map(|metrics| JobMetrics {
                arn: job.arn.clone(),
                metrics,
            })
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use chrono::TimeZone;

    use super::*;
    use crate::config::HealthConfig;
    use crate::health::{self, Flag};

    fn anchor() -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2026, 11, 20, 14, 2, 0)
            .single()
            .expect("valid")
    }

    fn world_jobs() -> Vec<Job> {
        crate::demo::world(anchor()).jobs.rows
    }

    fn flags_in_world() -> Vec<(Job, Vec<Flag>)> {
        let jobs = world_jobs();
        let metrics: Vec<ResourceMetrics> = synthesize(&jobs, anchor())
            .into_iter()
            .map(|m| m.metrics)
            .collect();
        let config = HealthConfig {
            underutilized_pct: 20,
            max_hours: 24,
            app_idle_hours: 3,
        };
        jobs.iter()
            .map(|job| {
                let m = metrics.iter().find(|m| m.is_for(job));
                (job.clone(), health::flags(job, m, &config, anchor()))
            })
            .collect()
    }

    #[test]
    fn synthesis_is_deterministic() {
        let jobs = world_jobs();
        assert_eq!(synthesize(&jobs, anchor()), synthesize(&jobs, anchor()));
    }

    #[test]
    fn every_running_training_job_and_endpoint_gets_metrics() {
        let jobs = world_jobs();
        let metrics: Vec<ResourceMetrics> = synthesize(&jobs, anchor())
            .into_iter()
            .map(|m| m.metrics)
            .collect();
        let expected = jobs
            .iter()
            .filter(|j| {
                matches!(j.kind, ResourceKind::Training | ResourceKind::Endpoint)
                    && j.status.phase() == StatusPhase::Running
            })
            .count();
        assert!(expected > 0);
        assert_eq!(metrics.len(), expected);
        for m in &metrics {
            assert!(m.complete);
            assert!(
                m.members
                    .iter()
                    .all(|member| member.series[&MetricName::CpuUtilization].len() == 60),
                "an hour of one-minute points for sparklines"
            );
        }
    }

    #[test]
    fn the_demo_world_shows_idle_underutilized_and_busy_resources() {
        let flagged = flags_in_world();
        let with = |flag: Flag, kind: ResourceKind| {
            flagged
                .iter()
                .filter(|(j, f)| j.kind == kind && f.contains(&flag))
                .count()
        };
        assert!(with(Flag::Idle, ResourceKind::Endpoint) >= 1);
        assert!(with(Flag::Underutilized, ResourceKind::Training) >= 1);
        assert!(with(Flag::LongRunning, ResourceKind::Training) >= 1);
        let busy_training = flagged
            .iter()
            .filter(|(j, f)| {
                j.kind == ResourceKind::Training
                    && j.status.phase() == StatusPhase::Running
                    && !f.contains(&Flag::Underutilized)
            })
            .count();
        assert!(busy_training >= 1, "not everything is flagged");
        let busy_endpoint = flagged
            .iter()
            .filter(|(j, f)| {
                j.kind == ResourceKind::Endpoint
                    && j.status.phase() == StatusPhase::Running
                    && !f.contains(&Flag::Idle)
            })
            .count();
        assert!(busy_endpoint >= 1);
    }

    #[test]
    fn idle_endpoints_have_no_invocations_and_busy_ones_do() {
        let jobs = world_jobs();
        let metrics: Vec<ResourceMetrics> = synthesize(&jobs, anchor())
            .into_iter()
            .map(|m| m.metrics)
            .collect();
        let counts: Vec<Option<u64>> = metrics
            .iter()
            .filter(|m| m.target.kind() == ResourceKind::Endpoint)
            .map(|m| health::invocations_24h(m, anchor()))
            .collect();
        assert!(counts.contains(&Some(0)));
        assert!(counts.iter().any(|c| c.is_some_and(|n| n > 10_000)));
    }

    #[test]
    fn cpu_only_hosts_have_no_gpu_series() {
        let jobs = world_jobs();
        for m in synthesize(&jobs, anchor()).into_iter().map(|m| m.metrics) {
            let gpu_less = m
                .target
                .instance_type()
                .and_then(instances::spec)
                .is_some_and(|s| !s.has_gpu());
            if gpu_less {
                assert!(!m.has(MetricName::GpuUtilization), "{}", m.target.name());
            }
        }
    }
}
