//! The TUI's live source against moto, in-process: a refresh fills the Untagged view and puts
//! tags on the jobs; the next refresh, and the next start, read no tags again.

use crate::support;

use std::collections::BTreeMap;

use sagescope::source::{LiveSource, RefreshKind, RefreshOutcome, SnapshotSource};
use serde_json::{Value, json};
use support::moto::{DEFAULT_ACCOUNT, moto, role};

fn tags(pairs: &[(&str, &str)]) -> Value {
    Value::Object(
        pairs
            .iter()
            .map(|(k, v)| (k.to_string(), Value::from(*v)))
            .collect(),
    )
}

/// One refresh, run to completion as the UI's background task would.
fn refresh(
    runtime: &tokio::runtime::Runtime,
    source: &LiveSource,
    kind: RefreshKind,
) -> RefreshOutcome {
    let (tx, _rx) = tokio::sync::mpsc::unbounded_channel();
    runtime.block_on(source.refresh(kind, tx))
}

fn tag_reads(moto: &mut support::moto::Moto) -> usize {
    moto.requests()
        .iter()
        .filter(|(_, _, _, op)| op == "ListTags" || op == "Search")
        .count()
}

#[test]
fn the_live_source_fills_the_untagged_view_and_reads_tags_once() {
    let mut moto = moto();
    let complete = [("cost-center", "cc"), ("project", "p"), ("owner", "o")];
    let arns = moto.tag_world(&json!([
        {"account": DEFAULT_ACCOUNT, "region": "us-east-1", "kind": "training",
         "name": "complete", "tags": tags(&complete)},
        {"account": DEFAULT_ACCOUNT, "region": "us-east-1", "kind": "notebook",
         "name": "no-owner", "tags": tags(&[("cost-center", "cc"), ("project", "p")])},
        {"account": "222222222222", "region": "us-east-1", "kind": "endpoint",
         "name": "untagged", "tags": {}},
    ]));

    let home = tempfile::tempdir().expect("tempdir");
    let config_path = home.path().join("config.toml");
    std::fs::write(
        &config_path,
        format!(
            "[[accounts]]\nname = \"main\"\nregions = [\"us-east-1\"]\n\n\
             [[accounts]]\nname = \"second\"\nrole_arn = \"{}\"\nregions = [\"us-east-1\"]\n\n\
             [tags]\nmandatory = [\"cost-center\", \"project\", \"owner\"]\n",
            role("222222222222")
        ),
    )
    .expect("config");
    let mut loaded = sagescope::config::load(Some(&config_path)).expect("valid config");
    loaded.config.aws_override = Some(support::moto::aws_override(&moto));
    let cache = home.path().join("cache.db");

    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .expect("runtime");
    let source =
        LiveSource::open(&loaded.config, &cache, sagescope::aws::job_fetcher).expect("cache opens");
    let outcome = refresh(&runtime, &source, RefreshKind::Auto);
    assert!(outcome.errors.is_empty(), "{:?}", outcome.errors);
    let findings = outcome.findings.expect("the live source returns findings");
    assert!(findings.errors.is_empty(), "{:?}", findings.errors);
    let found: BTreeMap<&str, (&str, &Vec<String>)> = findings
        .rows
        .iter()
        .map(|f| (f.name.as_str(), (f.account_name.as_str(), &f.missing)))
        .collect();
    assert_eq!(
        found,
        BTreeMap::from([
            // The untagged endpoint's config, untagged like it: endpoint configs are checked.
            (
                "config-untagged",
                (
                    "second",
                    &vec![
                        "cost-center".to_string(),
                        "project".to_string(),
                        "owner".to_string()
                    ]
                )
            ),
            ("no-owner", ("main", &vec!["owner".to_string()])),
            (
                "untagged",
                (
                    "second",
                    &vec![
                        "cost-center".to_string(),
                        "project".to_string(),
                        "owner".to_string()
                    ]
                )
            ),
        ])
    );
    let jobs = outcome.jobs.expect("jobs");
    let complete_job = jobs
        .rows
        .iter()
        .find(|j| j.arn == arns["complete"])
        .expect("listed");
    assert_eq!(complete_job.tags.len(), 3, "jobs carry their tags");
    // The three resources and the untagged endpoint's config.
    assert_eq!(tag_reads(&mut moto), 4);

    // The next refresh trusts the cache; a manual one re-reads only the three findings.
    let again = refresh(&runtime, &source, RefreshKind::Auto);
    assert_eq!(again.findings.map(|f| f.rows.len()), Some(3));
    assert_eq!(tag_reads(&mut moto), 0);
    refresh(&runtime, &source, RefreshKind::Manual);
    assert_eq!(tag_reads(&mut moto), 3);

    // An endpoint that changes is described again, but its config (immutable) is not: the
    // source remembers it. Every scope streams its rows before the refresh ends.
    moto.call(
        json!({"cmd": "touch", "account": "222222222222", "region": "us-east-1",
                     "arn": arns["untagged"]}),
    );
    let (tx, mut rx) = tokio::sync::mpsc::unbounded_channel();
    let outcome = runtime.block_on(source.refresh(RefreshKind::Auto, tx));
    assert!(outcome.errors.is_empty(), "{:?}", outcome.errors);
    let mut scopes = std::collections::BTreeSet::new();
    while let Ok(event) = rx.try_recv() {
        if let sagescope::source::RefreshEvent::Rows { scope, .. } = event {
            scopes.insert(scope);
        }
    }
    assert_eq!(
        scopes.len(),
        2 * 9,
        "every (account, region, kind) streamed"
    );
    let describes: BTreeMap<String, usize> =
        moto.requests()
            .into_iter()
            .fold(BTreeMap::new(), |mut counts, (_, _, _, op)| {
                if op.starts_with("Describe") {
                    *counts.entry(op).or_default() += 1;
                }
                counts
            });
    assert_eq!(
        describes,
        BTreeMap::from([("DescribeEndpoint".to_string(), 1)]),
        "the changed endpoint only, its config remembered"
    );

    // A new start (a new source on the same cache) reads no tags either.
    let restarted =
        LiveSource::open(&loaded.config, &cache, sagescope::aws::job_fetcher).expect("cache opens");
    let outcome = refresh(&runtime, &restarted, RefreshKind::Auto);
    assert_eq!(outcome.findings.map(|f| f.rows.len()), Some(3));
    assert_eq!(tag_reads(&mut moto), 0);
}
