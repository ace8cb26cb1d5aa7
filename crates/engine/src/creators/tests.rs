use chrono::{DateTime, Duration, TimeZone, Utc};
use serde_json::json;

use super::lookup::{Ask, create_calls, plan};
use super::*;
use crate::cache::Cache;
use sagescope_core::model::{ResourceKind, ScopeKey};
use sagescope_core::trail::decode_record;

fn at(day: u32, hour: u32) -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 12, day, hour, 0, 0)
        .single()
        .expect("a valid time")
}

fn job(name: &str, kind: ResourceKind, created: DateTime<Utc>) -> Job {
    let segment = kind.arn_segment();
    let mut job = Job::in_progress_for_tests(
        &format!("arn:aws:sagemaker:us-east-1:111111111111:{segment}/{name}"),
        created,
    );
    job.kind = kind;
    job
}

/// A CloudTrail record of `event` on a training job, by an SSO user or an IAM user.
fn record(event: &str, name: &str, who: &str, time: DateTime<Utc>) -> Attribution {
    let identity = if who.contains('@') {
        json!({
            "type": "AssumedRole",
            "principalId": format!("AROAEXAMPLE:{who}"),
            "arn": format!("arn:aws:sts::111111111111:assumed-role/AWSReservedSSO_DataScientist_0a1b2c/{who}"),
            "accountId": "111111111111",
            "sessionContext": {"sessionIssuer": {
                "type": "Role",
                "arn": "arn:aws:iam::111111111111:role/aws-reserved/sso.amazonaws.com/AWSReservedSSO_DataScientist_0a1b2c",
                "userName": "AWSReservedSSO_DataScientist_0a1b2c"
            }}
        })
    } else {
        json!({
            "type": "IAMUser",
            "arn": format!("arn:aws:iam::111111111111:user/{who}"),
            "accountId": "111111111111",
            "userName": who
        })
    };
    let value = json!({
        "eventVersion": "1.09",
        "userIdentity": identity,
        "eventTime": time.to_rfc3339(),
        "eventSource": "sagemaker.amazonaws.com",
        "eventName": event,
        "awsRegion": "us-east-1",
        "requestParameters": {"trainingJobName": name},
        "responseElements": if event == "CreateTrainingJob" {
            json!({"trainingJobArn": format!("arn:aws:sagemaker:us-east-1:111111111111:training-job/{name}")})
        } else {
            json!(null)
        },
        "eventID": format!("{event}-{name}-{who}"),
        "readOnly": false,
        "recipientAccountId": "111111111111"
    });
    decode_record(&value)
        .expect("a record the decoder reads")
        .expect("a call it attributes")
}

#[test]
fn a_create_is_kept_and_a_stop_joins_it_and_neither_changes_twice() {
    let created = record(
        "CreateTrainingJob",
        "Train-A",
        "alice@example.com",
        at(1, 10),
    );
    let stopped = record("StopTrainingJob", "Train-A", "user-ops", at(1, 12));
    let changed = fold(
        std::slice::from_ref(&created),
        AttributionSource::Stream,
        |_| None,
    );
    assert_eq!(changed.len(), 1);
    let (key_a, record_a) = &changed[0];
    // Kept under the lower-case ARN: SageMaker spells a name in an ARN in lower case.
    assert_eq!(
        key_a,
        "arn:aws:sagemaker:us-east-1:111111111111:training-job/train-a"
    );
    assert_eq!(record_a.who(), Some("alice@example.com"));
    let current = record_a.clone();
    let again = fold(&[created], AttributionSource::Lookup, |_| {
        Some(current.clone())
    });
    assert!(again.is_empty(), "the same call read again changes nothing");
    let with_stop = fold(&[stopped], AttributionSource::Stream, |_| {
        Some(current.clone())
    });
    assert_eq!(with_stop.len(), 1);
    let record = &with_stop[0].1;
    assert_eq!(record.who(), Some("alice@example.com"));
    assert_eq!(
        record.stopped.as_ref().map(|c| c.who.as_str()),
        Some("user/user-ops")
    );
}

#[test]
fn fill_lays_the_kept_creator_over_rows_whatever_the_case_of_their_arn() {
    let created = record(
        "CreateTrainingJob",
        "train-a",
        "alice@example.com",
        at(1, 10),
    );
    let creators = Creators::default();
    creators.learn(fold(&[created], AttributionSource::Stream, |_| None));
    let mut rows = vec![
        job("Train-A", ResourceKind::Training, at(1, 10)),
        job("train-b", ResourceKind::Training, at(1, 11)),
    ];
    assert_eq!(creators.fill(&mut rows), 1);
    assert_eq!(
        rows[0].created_by.as_ref().and_then(|c| c.who()),
        Some("alice@example.com")
    );
    assert!(rows[1].created_by.is_none());
    assert_eq!(creators.fill(&mut rows), 0, "nothing new the second time");
    assert!(creators.has_creator(&rows[0]));
    // The same name created again a week later: another resource, whose creator is not known.
    let mut again = vec![job("Train-A", ResourceKind::Training, at(8, 10))];
    assert_eq!(creators.fill(&mut again), 0);
    assert!(again[0].created_by.is_none());
    assert!(!creators.has_creator(&again[0]));
}

#[test]
fn a_stop_or_delete_from_before_the_latest_creation_is_not_this_resources() {
    let created = record(
        "CreateTrainingJob",
        "train-a",
        "alice@example.com",
        at(3, 10),
    );
    let old_stop = record("StopTrainingJob", "train-a", "user-ops", at(2, 10));
    let changed = fold(&[created, old_stop], AttributionSource::Stream, |_| None);
    let record = &changed[0].1;
    assert_eq!(record.who(), Some("alice@example.com"));
    assert!(record.stopped.is_none(), "{record:?}");
}

#[test]
fn the_plan_asks_each_create_call_once_per_account_region_from_the_oldest_unknown() {
    let now = at(7, 12);
    let rows = vec![
        job("a", ResourceKind::Training, at(2, 10)),
        job("b", ResourceKind::Training, at(5, 10)),
        job("known", ResourceKind::Training, at(1, 10)),
        job("ancient", ResourceKind::Training, now - Duration::days(120)),
        job("ep", ResourceKind::Endpoint, at(6, 9)),
    ];
    let asks = plan(&rows, |row| row.name == "known", |_, _, _| None, now);
    let by_call: Vec<(&str, DateTime<Utc>)> =
        asks.iter().map(|a| (a.event_name, a.start)).collect();
    assert_eq!(
        by_call,
        vec![
            ("CreateEndpoint", at(6, 9) - Duration::minutes(5)),
            ("CreateTrainingJob", at(2, 10) - Duration::minutes(5)),
        ]
    );
    // Read up to day 6 already: only what was created since is asked, and nothing at all
    // once everything created since has a creator.
    let scanned = |_: &str, _: &str, call: &str| (call == "CreateTrainingJob").then(|| at(6, 0));
    let asks = plan(&rows, |row| row.name == "known", scanned, now);
    assert_eq!(
        asks.iter().map(|a| a.event_name).collect::<Vec<_>>(),
        vec!["CreateEndpoint"]
    );
    let asks: Vec<Ask> = plan(&rows, |_| true, |_, _, _| None, now);
    assert!(asks.is_empty());
}

#[test]
fn every_listed_kind_that_is_created_by_a_call_has_one() {
    for kind in crate::stream::STREAMED_KINDS {
        assert!(!create_calls(kind).is_empty(), "{kind:?}");
    }
}

#[test]
fn the_cache_keeps_creators_and_lays_them_over_the_scopes_it_reads() {
    let mut cache = Cache::in_memory().expect("cache");
    let rows = vec![
        job("train-a", ResourceKind::Training, at(1, 10)),
        job("train-b", ResourceKind::Training, at(1, 11)),
    ];
    let scope = ScopeKey::of(&rows[0]);
    cache
        .save_scope(&scope, at(1, 12), &rows, &[])
        .expect("saved");
    let created = record(
        "CreateTrainingJob",
        "train-a",
        "alice@example.com",
        at(1, 10),
    );
    let changed = cache
        .record_creators(std::slice::from_ref(&created), AttributionSource::Stream)
        .expect("recorded");
    assert_eq!(changed.len(), 1);
    assert!(
        cache
            .record_creators(&[created], AttributionSource::Lookup)
            .expect("recorded")
            .is_empty(),
        "kept once"
    );
    let read = cache
        .scopes_with_creators(std::slice::from_ref(&scope))
        .expect("read");
    assert_eq!(read.len(), 1);
    let who: Vec<Option<&str>> = read[0]
        .1
        .iter()
        .map(|r| r.created_by.as_ref().and_then(|c| c.who()))
        .collect();
    assert_eq!(who, vec![Some("alice@example.com"), None]);
    let snapshot = cache.load_snapshot().expect("read").expect("a snapshot");
    assert_eq!(
        snapshot.jobs.rows[0]
            .created_by
            .as_ref()
            .and_then(|c| c.who()),
        Some("alice@example.com")
    );
    cache
        .set_trail_scanned_until("111111111111", "us-east-1", "CreateTrainingJob", at(2, 0))
        .expect("marked");
    assert_eq!(
        cache
            .trail_scanned_until("111111111111", "us-east-1", "CreateTrainingJob")
            .expect("read"),
        Some(at(2, 0))
    );
}

mod athena {
    use super::*;
    use crate::creators::athena::{Ask, plan, record, sql};
    use crate::cur::QueryRun;
    use sagescope_core::config::TrailTable;

    fn table() -> TrailTable {
        TrailTable {
            database: "security".into(),
            table: "org_trail".into(),
            workgroup: "primary".into(),
            output_location: None,
            account: "audit".into(),
            region: None,
        }
    }

    #[test]
    fn the_query_asks_only_the_calls_of_unknown_resources_since_the_oldest() {
        let ask = Ask {
            calls: ["CreateTrainingJob", "CreateEndpoint"].into(),
            accounts: ["111111111111".to_string()].into(),
            since: at(2, 10),
        };
        let text = sql(&table(), &ask);
        assert!(text.contains(r#"FROM "security"."org_trail""#), "{text}");
        assert!(
            text.contains("eventname IN ('CreateEndpoint', 'CreateTrainingJob')"),
            "{text}"
        );
        assert!(
            text.contains("eventtime >= '2026-12-02T10:00:00Z'"),
            "{text}"
        );
        assert!(
            text.contains("useridentity.sessioncontext.sessionissuer.arn AS issuer_arn"),
            "{text}"
        );

        let rows = vec![
            job("a", ResourceKind::Training, at(3, 10)),
            job("b", ResourceKind::Endpoint, at(1, 10)),
            job("known", ResourceKind::Notebook, at(1, 9)),
        ];
        let ask = plan(&rows, |r| r.name == "known", |_| None).expect("asks");
        assert_eq!(
            ask.calls.into_iter().collect::<Vec<_>>(),
            ["CreateEndpoint", "CreateTrainingJob"]
        );
        assert_eq!(ask.since, at(1, 10) - Duration::minutes(5));
        assert_eq!(
            ask.accounts.into_iter().collect::<Vec<_>>(),
            ["111111111111"]
        );
        // The account read up to day 2 already: only what was created since is asked.
        let ask = plan(&rows, |r| r.name == "known", |_| Some(at(2, 0))).expect("asks");
        assert_eq!(
            ask.calls.into_iter().collect::<Vec<_>>(),
            ["CreateTrainingJob"]
        );
        // Another account's mark says nothing of this one's.
        let other = |id: &str| (id == "222222222222").then(|| at(9, 0));
        assert!(plan(&rows, |r| r.name == "known", other).is_some());
        assert!(plan(&rows, |_| true, |_| None).is_none(), "nothing unknown");
    }

    #[test]
    fn an_answer_row_becomes_the_record_the_decoder_reads() {
        let header = [
            "eventid",
            "eventtime",
            "eventname",
            "awsregion",
            "recipientaccountid",
            "errorcode",
            "requestparameters",
            "responseelements",
            "serviceeventdetails",
            "identity_type",
            "identity_arn",
            "identity_account",
            "identity_username",
            "identity_invokedby",
            "identity_principalid",
            "issuer_arn",
            "issuer_username",
            "issuer_type",
        ];
        let run = QueryRun {
            header: header.iter().map(|h| h.to_string()).collect(),
            ..QueryRun::default()
        };
        let row: Vec<Option<String>> = [
            Some("e-1"),
            Some("2026-12-01T10:00:00Z"),
            Some("CreateTrainingJob"),
            Some("us-east-1"),
            Some("111111111111"),
            None,
            Some(r#"{"trainingJobName":"train-a"}"#),
            Some(
                r#"{"trainingJobArn":"arn:aws:sagemaker:us-east-1:111111111111:training-job/train-a"}"#,
            ),
            None,
            Some("AssumedRole"),
            Some(
                "arn:aws:sts::111111111111:assumed-role/AWSReservedSSO_DataScientist_0a1b2c/alice@example.com",
            ),
            Some("111111111111"),
            None,
            None,
            Some("AROAEXAMPLE:alice@example.com"),
            Some(
                "arn:aws:iam::111111111111:role/aws-reserved/sso.amazonaws.com/AWSReservedSSO_DataScientist_0a1b2c",
            ),
            Some("AWSReservedSSO_DataScientist_0a1b2c"),
            Some("Role"),
        ]
        .into_iter()
        .map(|c| c.map(str::to_string))
        .collect();
        let attribution = decode_record(&record(&run, &row))
            .expect("decodes")
            .expect("attributes");
        assert_eq!(attribution.principal.to_string(), "alice@example.com");
        assert_eq!(
            attribution.arn.as_deref(),
            Some("arn:aws:sagemaker:us-east-1:111111111111:training-job/train-a")
        );
        assert_eq!(attribution.time, at(1, 10));
    }
}
