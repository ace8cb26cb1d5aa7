//! The 100,000-resource world the TUI and start-up benchmarks share: the demo world's
//! resources repeated, each copy with its own name, ARN and start, and its tag findings
//! repeated in the same proportion (an organization with 100,000 resources has tens of
//! thousands of tag offenders, not the demo's handful).

use chrono::{DateTime, Duration, TimeZone, Utc};
use sagescope::model::Snapshot;

pub const ROWS: usize = 100_000;

/// The moment the world is seen from.
pub fn anchor() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 11, 20, 14, 2, 0)
        .single()
        .expect("valid time")
}

/// The demo world grown to `ROWS` resources.
pub fn big_snapshot() -> Snapshot {
    let mut world = sagescope::demo::world(anchor());
    let base = world.jobs.rows.clone();
    let copies = ROWS.div_ceil(base.len());
    world.jobs.rows = (0..ROWS)
        .map(|i| {
            let mut job = base[i % base.len()].clone();
            job.name = format!("{}-{i:06}", job.name);
            job.arn = format!("{}-{i:06}", job.arn);
            job.created_at -= Duration::minutes(i64::try_from(i / base.len()).unwrap_or(0));
            job
        })
        .collect();
    let findings = world.findings.rows.clone();
    world.findings.rows = (0..copies)
        .flat_map(|copy| {
            findings.iter().map(move |finding| {
                let mut finding = finding.clone();
                finding.name = format!("{}-{copy:06}", finding.name);
                finding.arn = format!("{}-{copy:06}", finding.arn);
                finding
            })
        })
        .collect();
    world
}
