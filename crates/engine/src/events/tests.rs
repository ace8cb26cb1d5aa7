use chrono::TimeZone;

use super::*;
use sagescope_core::model::{JobStatus, ResourceKind, SeenChanges};

fn at(minute: u32) -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 11, 20, 10, minute, 0)
        .single()
        .expect("valid")
}

fn job(kind: ResourceKind, name: &str, status: &str) -> Job {
    Job {
        account_id: "111111111111".into(),
        account_name: "prod".into(),
        region: "us-east-1".into(),
        kind,
        name: name.into(),
        arn: format!("arn:{kind}:{name}"),
        status: JobStatus::new(status),
        created_at: at(0) - chrono::Duration::days(3),
        ended_at: None,
        last_modified_at: None,
        instance_type: None,
        instance_count: None,
        failure_reason: None,
        tags: Default::default(),
        app: None,
        compute: None,
        billing: None,
        streamed_at: None,
        created_by: None,
    }
}

fn seen(job: &Job) -> Observed {
    Observed {
        job: job.clone(),
        idle: None,
        tags: TagCheck::Unchecked,
    }
}

/// An observation of `resources`, every scope they are in listed fresh.
fn observation(minute: u32, resources: Vec<Observed>) -> Observation {
    Observation {
        streamed: false,
        at: Some(at(minute)),
        scopes: resources.iter().map(|o| ScopeKey::of(&o.job)).collect(),
        resources,
        budgets: None,
    }
}

/// Runs refreshes one after another from an empty state, returning each one's events.
fn run(observations: &[Observation]) -> Vec<Vec<Event>> {
    let mut state = SeenState::default();
    observations
        .iter()
        .map(|o| {
            let derived = derive(&state, o);
            apply(&mut state, &derived.changes);
            derived.events
        })
        .collect()
}

fn kinds(events: &[Event]) -> Vec<(EventKind, &str)> {
    events.iter().map(|e| (e.event, e.name.as_str())).collect()
}

#[test]
fn a_first_refresh_is_a_baseline_whatever_it_holds() {
    let failed = job(ResourceKind::Training, "t", "Failed");
    let idle = Observed {
        idle: Some(true),
        tags: TagCheck::Breaks("missing owner".into()),
        ..seen(&job(ResourceKind::Endpoint, "e", "InService"))
    };
    let events = run(&[observation(1, vec![seen(&failed), idle])]);
    assert!(events[0].is_empty(), "{:?}", events[0]);
}

#[test]
fn each_terminal_status_raises_its_event_once() {
    let cases = [
        (ResourceKind::Training, "Failed", EventKind::JobFailed),
        (ResourceKind::Processing, "Stopped", EventKind::JobStopped),
        (
            ResourceKind::Transform,
            "Completed",
            EventKind::JobCompleted,
        ),
        (ResourceKind::Tuning, "Failed", EventKind::JobFailed),
        (ResourceKind::Endpoint, "Failed", EventKind::EndpointFailed),
        (
            ResourceKind::Endpoint,
            "OutOfService",
            EventKind::StatusChanged,
        ),
        (ResourceKind::Training, "Stopping", EventKind::StatusChanged),
    ];
    for (kind, status, expected) in cases {
        let running = job(kind, "x", "InProgress");
        let mut ended = job(kind, "x", status);
        ended.failure_reason = Some("AlgorithmError: boom".into());
        let events = run(&[
            observation(1, vec![seen(&running)]),
            observation(2, vec![seen(&ended)]),
            observation(3, vec![seen(&ended)]),
        ]);
        assert!(events[0].is_empty());
        assert_eq!(kinds(&events[1]), vec![(expected, "x")], "{kind} {status}");
        assert!(events[2].is_empty(), "unchanged: nothing ({kind} {status})");
        let e = &events[1][0];
        assert_eq!(e.status.as_deref(), Some(status));
        assert_eq!(e.previous_status.as_deref(), Some("InProgress"));
        assert_eq!(e.at, at(2));
        let failed = matches!(expected, EventKind::JobFailed | EventKind::EndpointFailed);
        assert_eq!(
            e.detail.as_deref(),
            failed.then_some("AlgorithmError: boom"),
            "the reason travels with failures only"
        );
    }
}

#[test]
fn a_new_resource_is_on_the_timeline_but_a_terminal_first_sight_is_no_alert() {
    let old = job(ResourceKind::Training, "old", "InProgress");
    let new_failed = job(ResourceKind::Training, "new", "Failed");
    let events = run(&[
        observation(1, vec![seen(&old)]),
        observation(2, vec![seen(&old), seen(&new_failed)]),
    ]);
    assert_eq!(
        kinds(&events[1]),
        vec![(EventKind::StatusChanged, "new")],
        "recorded, not alerted"
    );
    assert_eq!(events[1][0].previous_status, None);
}

#[test]
fn a_scope_that_failed_yields_nothing_and_keeps_its_last_state() {
    let running = job(ResourceKind::Training, "t", "InProgress");
    let failed = job(ResourceKind::Training, "t", "Failed");
    let stale = Observation {
        streamed: false,
        at: Some(at(2)),
        // The training scope's list failed: its (stale) rows come, its scope does not.
        scopes: Default::default(),
        resources: vec![seen(&failed)],
        budgets: None,
    };
    let events = run(&[
        observation(1, vec![seen(&running)]),
        stale,
        observation(3, vec![seen(&failed)]),
    ]);
    assert!(events[1].is_empty(), "stale rows are not news");
    assert_eq!(
        kinds(&events[2]),
        vec![(EventKind::JobFailed, "t")],
        "the change is seen once the scope lists again"
    );
}

#[test]
fn endpoint_idle_alerts_when_the_flag_turns_on_not_when_first_measured() {
    let endpoint = job(ResourceKind::Endpoint, "e", "InService");
    let with = |idle| Observed {
        idle,
        ..seen(&endpoint)
    };
    let events = run(&[
        observation(1, vec![with(None)]),
        // First measurement of a baseline endpoint: it may have been idle for days.
        observation(2, vec![with(Some(true))]),
        observation(3, vec![with(Some(false))]),
        // Not measured this refresh: the flag keeps its last value.
        observation(4, vec![with(None)]),
        observation(5, vec![with(Some(true))]),
        observation(6, vec![with(Some(true))]),
    ]);
    let idle: Vec<usize> = events
        .iter()
        .enumerate()
        .filter(|(_, e)| kinds(e) == vec![(EventKind::EndpointIdle, "e")])
        .map(|(i, _)| i)
        .collect();
    assert_eq!(idle, vec![4]);
    assert!(events.iter().map(Vec::len).sum::<usize>() == 1);
}

#[test]
fn new_untagged_is_a_new_resource_breaking_the_policy() {
    let old = Observed {
        tags: TagCheck::Breaks("missing owner".into()),
        ..seen(&job(ResourceKind::Training, "old", "InProgress"))
    };
    let fine = Observed {
        tags: TagCheck::Compliant,
        ..seen(&job(ResourceKind::Training, "fine", "InProgress"))
    };
    let new = Observed {
        tags: TagCheck::Breaks("missing project".into()),
        ..seen(&job(ResourceKind::Training, "new", "InProgress"))
    };
    // Tags not read yet on its first sight: the alert comes with the first check.
    let later = job(ResourceKind::Training, "later", "InProgress");
    let later_checked = Observed {
        tags: TagCheck::Breaks("missing owner".into()),
        ..seen(&later)
    };
    let events = run(&[
        observation(1, vec![old.clone(), fine.clone()]),
        observation(
            2,
            vec![old.clone(), fine.clone(), new.clone(), seen(&later)],
        ),
        observation(3, vec![old, fine, new, later_checked]),
    ]);
    assert_eq!(
        kinds(&events[1]),
        vec![
            (EventKind::StatusChanged, "new"),
            (EventKind::NewUntagged, "new"),
            (EventKind::StatusChanged, "later"),
        ]
    );
    assert_eq!(events[1][1].detail.as_deref(), Some("missing project"));
    assert_eq!(kinds(&events[2]), vec![(EventKind::NewUntagged, "later")]);
}

#[test]
fn budget_forecast_crossed_fires_on_the_crossing_only() {
    let budget = |over| BudgetObserved {
        name: "project=vision".into(),
        over,
        detail: "projected 1100.00 USD".into(),
    };
    let with = |minute, b: Option<bool>| Observation {
        at: Some(at(minute)),
        budgets: b.map(|over| vec![budget(over)]),
        ..Observation::default()
    };
    let events = run(&[
        with(1, Some(true)),
        with(2, Some(false)),
        with(3, None),
        with(4, Some(true)),
        with(5, Some(true)),
    ]);
    let counts: Vec<usize> = events.iter().map(Vec::len).collect();
    assert_eq!(
        counts,
        vec![0, 0, 0, 1, 0],
        "first sight over is not a crossing"
    );
    let e = &events[3][0];
    assert_eq!(e.event, EventKind::BudgetForecastCrossed);
    assert_eq!(e.name, "project=vision");
    assert_eq!(e.kind, None);
}

#[test]
fn a_steady_state_changes_nothing_and_a_vanished_resource_is_forgotten() {
    let a = job(ResourceKind::Training, "a", "InProgress");
    let b = job(ResourceKind::Training, "b", "Completed");
    let mut state = SeenState::default();
    let first = derive(&state, &observation(1, vec![seen(&a), seen(&b)]));
    apply(&mut state, &first.changes);
    let same = derive(&state, &observation(2, vec![seen(&a), seen(&b)]));
    assert_eq!(same.changes, SeenChanges::default(), "nothing to write");
    let gone = derive(&state, &observation(3, vec![seen(&a)]));
    assert_eq!(gone.changes.remove, vec![b.arn.clone()]);
    assert!(gone.events.is_empty());
}

#[test]
fn observe_reads_idle_and_tag_checks_only_where_their_pass_answered() {
    use sagescope_core::model::{
        FetchError, JobMetrics, MetricName, MetricTarget, TagFinding, View,
    };
    let endpoint = job(ResourceKind::Endpoint, "e", "InService");
    let mut other_region = job(ResourceKind::Endpoint, "w", "InService");
    other_region.region = "eu-west-1".into();
    other_region.arn = "arn:w".into();
    let rows = vec![endpoint.clone(), other_region.clone()];
    let scopes = rows.iter().map(ScopeKey::of).collect();
    let finding = TagFinding {
        account_id: endpoint.account_id.clone(),
        account_name: "prod".into(),
        region: "us-east-1".into(),
        kind: ResourceKind::Endpoint,
        name: "e".into(),
        arn: endpoint.arn.clone(),
        missing: vec!["owner".into(), "project".into()],
        miscased: Vec::new(),
        invalid: Vec::new(),
        tags: Default::default(),
        created_at: None,
        cost: None,
        created_by: None,
    };
    let tag_failure = FetchError {
        account: "prod".into(),
        region: Some("eu-west-1".into()),
        message: "denied".into(),
        ..FetchError::default()
    };
    let findings = View::new(at(1), vec![finding], vec![tag_failure]);
    // Zero invocations over the last day, every hour answered.
    let points: Vec<sagescope_core::model::Point> = (0..25)
        .map(|h| (at(1) - chrono::Duration::hours(h), 0.0))
        .rev()
        .collect();
    let metrics = sagescope_core::model::ResourceMetrics {
        target: MetricTarget::Endpoint {
            name: "e".into(),
            variants: vec!["AllTraffic".into()],
            instance_type: None,
        },
        members: vec![sagescope_core::model::MemberSeries {
            member: "AllTraffic".into(),
            series: [(MetricName::Invocations, points)].into_iter().collect(),
        }],
        as_of: at(1),
        complete: true,
    };
    let metrics = View::new(
        at(1),
        vec![JobMetrics {
            arn: endpoint.arn.clone(),
            metrics,
        }],
        Vec::new(),
    );
    let observed = observe(at(1), &rows, scopes, Some(&findings), Some(&metrics));
    assert_eq!(
        observed.resources[0].tags,
        TagCheck::Breaks("missing owner, project".into())
    );
    assert_eq!(observed.resources[0].idle, Some(true));
    assert_eq!(
        observed.resources[1].tags,
        TagCheck::Unchecked,
        "its region's tag pass failed"
    );
    assert_eq!(
        observed.resources[1].idle, None,
        "no answer is not an answer"
    );
    let without = observe(at(1), &rows, Default::default(), None, None);
    assert!(
        without.resources.is_empty(),
        "rows of scopes not listed are left out"
    );
}
