//! The demo's timeline: what the events pane would have recorded while the demo world's jobs
//! ran (each start, each end as its alert), and an occasional "live" alert so the toasts and
//! the pane can be seen moving.

use chrono::{DateTime, Duration, Utc};

use crate::model::{Event, EventKind, Job, ResourceKind, Snapshot, StatusPhase};

/// How far back the demo timeline goes.
const HISTORY_DAYS: i64 = 14;

/// Every change the demo world implies in the last two weeks, newest first.
pub fn timeline(world: &Snapshot, now: DateTime<Utc>) -> Vec<Event> {
    let since = now - Duration::days(HISTORY_DAYS);
    let mut events = Vec::new();
    for job in world.jobs.rows.iter().filter(|j| j.created_at >= since) {
        let first = match job.kind {
            ResourceKind::Endpoint | ResourceKind::Notebook => "Creating",
            _ => "InProgress",
        };
        events.push(event(
            job,
            job.created_at,
            EventKind::StatusChanged,
            None,
            first,
        ));
        if matches!(job.kind, ResourceKind::Endpoint | ResourceKind::Notebook)
            && job.status.phase() == StatusPhase::Running
        {
            let up = job.created_at + Duration::minutes(7);
            events.push(event(
                job,
                up,
                EventKind::StatusChanged,
                Some(first),
                job.status.as_str(),
            ));
        }
        if let Some(ended) = job.ended_at {
            let kind = EventKind::of_status(job);
            events.push(event(
                job,
                ended,
                kind,
                Some("InProgress"),
                job.status.as_str(),
            ));
        }
    }
    for finding in &world.findings.rows {
        let Some(created) = finding.created_at.filter(|t| *t >= since) else {
            continue;
        };
        let Some(job) = world.jobs.rows.iter().find(|j| j.arn == finding.arn) else {
            continue;
        };
        // Seen two minutes after it started, in the status it started in.
        let first = match job.kind {
            ResourceKind::Endpoint | ResourceKind::Notebook => "Creating",
            _ => "InProgress",
        };
        let mut e = event(
            job,
            created + Duration::minutes(2),
            EventKind::NewUntagged,
            None,
            first,
        );
        e.detail = Some(format!("missing {}", finding.missing.join(", ")));
        if !finding.missing.is_empty() {
            events.push(e);
        }
    }
    events.retain(|e| e.at <= now);
    events.sort_by_key(|e| std::cmp::Reverse(e.at));
    events
}

/// The `n`-th of the demo's alerts replayed as happening `now`: what a demo refresh reports
/// now and then, so a toast shows without waiting for a real job to fail.
pub fn replay(world: &Snapshot, now: DateTime<Utc>, n: usize) -> Option<Event> {
    let alerts: Vec<Event> = timeline(world, now)
        .into_iter()
        .filter(|e| e.event.is_alert())
        .collect();
    let mut event = alerts.get(n % alerts.len().max(1))?.clone();
    event.at = now;
    Some(event)
}

fn event(
    job: &Job,
    at: DateTime<Utc>,
    kind: EventKind,
    previous: Option<&str>,
    status: &str,
) -> Event {
    let failed = matches!(kind, EventKind::JobFailed | EventKind::EndpointFailed);
    Event::about(
        job,
        at,
        kind,
        status.to_string(),
        previous.map(str::to_string),
        job.failure_reason.clone().filter(|_| failed),
    )
}

#[cfg(test)]
mod tests {
    use chrono::TimeZone;

    use super::*;

    #[test]
    fn the_demo_timeline_is_believable() {
        let now = Utc
            .with_ymd_and_hms(2026, 11, 20, 14, 2, 0)
            .single()
            .expect("valid");
        let world = crate::demo::world(now);
        let events = timeline(&world, now);
        assert!(events.len() > 50, "{}", events.len());
        assert!(
            events.windows(2).all(|w| w[0].at >= w[1].at),
            "newest first"
        );
        assert!(events.iter().all(|e| e.at <= now));
        for kind in [
            EventKind::JobFailed,
            EventKind::JobCompleted,
            EventKind::StatusChanged,
        ] {
            assert!(events.iter().any(|e| e.event == kind), "{kind}");
        }
        // Each failure says why, as the real ones do.
        assert!(
            events
                .iter()
                .filter(|e| e.event == EventKind::JobFailed)
                .all(|e| e.detail.is_some())
        );
        let replayed = replay(&world, now, 3).expect("an alert");
        assert!(replayed.event.is_alert());
        assert_eq!(replayed.at, now);
    }
}
