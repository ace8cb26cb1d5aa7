//! `--mine` against moto, through the real binary: my jobs, my offenders and my spend.
//!
//! The world: resources of alice (by owner tag, one with the key miscased, one started in
//! Studio by her profile `alice-studio`), of bob, of `Alice` (another value: values are
//! exact) and of nobody; and Cost Explorer line items over the last ten days for alice, bob,
//! alice's Studio profile and another service. moto's Cost Explorer ignores `Filter`, so the
//! fixture computes these answers from the line items, honouring the filter the way Cost
//! Explorer does (`tests/moto/world.py`, `ce_items`): the expected figures below are sums of
//! the seeded items, not anything sagescope computed.

use crate::support;

use std::collections::BTreeMap;
use std::path::Path;

use chrono::{Duration, Utc};
use serde_json::{Value, json};
use support::cli::{run_json, sagescope};
use support::moto::{DEFAULT_ACCOUNT, Moto, moto};

const PROFILE_ARN: &str =
    "arn:aws:sagemaker:us-east-1:123456789012:user-profile/d-1abc/alice-studio";
const SAGEMAKER: &str = "Amazon SageMaker";

fn tags(pairs: &[(&str, &str)]) -> Value {
    Value::Object(
        pairs
            .iter()
            .map(|(k, v)| (k.to_string(), Value::from(*v)))
            .collect(),
    )
}

fn config(home: &Path, me: Option<&str>) -> String {
    let mut text = String::from(
        "[[accounts]]\nname = \"main\"\nregions = [\"us-east-1\"]\n\n\
         [tags]\nmandatory = [\"cost-center\", \"project\", \"owner\"]\n\n\
         [spend]\ngroup_by = \"cost-center\"\nlookback_days = 30\n",
    );
    if let Some(me) = me {
        text.push_str(me);
    }
    let path = home.join("sagescope.toml");
    std::fs::write(&path, text).expect("config");
    path.to_string_lossy().into_owned()
}

const ALICE: &str = "\n[me]\nowner = [\"alice\"]\nstudio_user_profiles = [\"alice-studio\"]\n";

/// Every resource of the world, with its tags.
fn world(moto: &mut Moto) {
    let full = |owner: &str| {
        tags(&[
            ("owner", owner),
            ("project", "vision"),
            ("cost-center", "cc-1"),
        ])
    };
    let at = |kind: &str, name: &str, tags: Value| {
        json!({"account": DEFAULT_ACCOUNT, "region": "us-east-1", "kind": kind,
               "name": name, "tags": tags})
    };
    moto.tag_world(&json!([
        at("training", "alice-complete", full("alice")),
        at("endpoint", "alice-no-project", tags(&[("owner", "alice")])),
        at(
            "notebook",
            "alice-miscased",
            tags(&[
                ("Owner", "alice"),
                ("project", "p"),
                ("cost-center", "cc-1")
            ])
        ),
        at(
            "training",
            "alice-in-studio",
            tags(&[
                ("sagemaker:user-profile-arn", PROFILE_ARN),
                ("project", "vision")
            ])
        ),
        at("processing", "bob-complete", full("bob")),
        at(
            "transform",
            "bob-no-cc",
            tags(&[("owner", "bob"), ("project", "nlp")])
        ),
        at("endpoint", "capital-alice", tags(&[("owner", "Alice")])),
        at("notebook", "nobodys", json!({})),
    ]));
}

/// Cost line items: one set a day for the last ten days (today included).
fn line_items() -> Vec<Value> {
    let today = Utc::now().date_naive();
    let mut items = Vec::new();
    for back in 0..10 {
        let day = (today - Duration::days(back)).to_string();
        let cents = back as f64 / 100.0;
        let mut item = |service: &str, amount: f64, pairs: &[(&str, &str)]| {
            items.push(json!({"day": day, "service": service, "amount": amount,
                              "tags": tags(pairs)}));
        };
        item(
            SAGEMAKER,
            12.34 + cents,
            &[("owner", "alice"), ("project", "vision")],
        );
        item(SAGEMAKER, 3.21, &[("owner", "alice"), ("project", "nlp")]);
        item(SAGEMAKER, 1.11, &[("owner", "alice")]);
        item(SAGEMAKER, 50.0, &[("owner", "bob"), ("project", "vision")]);
        item(SAGEMAKER, 9.5, &[("owner", "Alice"), ("project", "vision")]);
        item(
            SAGEMAKER,
            7.77,
            &[("Owner", "alice"), ("project", "vision")],
        );
        item(
            SAGEMAKER,
            2.22,
            &[
                ("sagemaker:user-profile-arn", PROFILE_ARN),
                ("project", "vision"),
            ],
        );
        item(
            "Amazon Elastic Compute Cloud - Compute",
            99.0,
            &[("owner", "alice"), ("project", "vision")],
        );
    }
    items
}

/// What Cost Explorer holds for `mine` over the last `days` days, per `project` value: the
/// seeded items summed, independently of sagescope.
fn expected(items: &[Value], days: i64, mine: impl Fn(&Value) -> bool) -> BTreeMap<String, f64> {
    let today = Utc::now().date_naive();
    let first = (today - Duration::days(days - 1)).to_string();
    let mut out = BTreeMap::new();
    for item in items {
        let day = item["day"].as_str().expect("day");
        if item["service"] != SAGEMAKER || day < first.as_str() || !mine(&item["tags"]) {
            continue;
        }
        let project = item["tags"]["project"].as_str().unwrap_or("").to_string();
        *out.entry(project).or_insert(0.0) += item["amount"].as_f64().expect("amount");
    }
    out
}

fn by_group(doc: &Value) -> BTreeMap<String, f64> {
    let mut out = BTreeMap::new();
    for row in doc["rows"].as_array().expect("rows") {
        assert_eq!(
            row["group_key"], "project",
            "grouped by project when mine: {row}"
        );
        let value = row["group_value"].as_str().expect("value").to_string();
        *out.entry(value).or_insert(0.0) += row["amount"].as_f64().expect("amount");
    }
    out
}

fn assert_close(got: &BTreeMap<String, f64>, want: &BTreeMap<String, f64>) {
    assert_eq!(
        got.keys().collect::<Vec<_>>(),
        want.keys().collect::<Vec<_>>(),
        "groups: got {got:?}, want {want:?}"
    );
    for (group, amount) in want {
        assert!(
            (got[group] - amount).abs() <= 0.05,
            "group `{group}`: got {} want {amount}",
            got[group]
        );
    }
}

fn names(doc: &Value) -> Vec<String> {
    let mut names: Vec<String> = doc["rows"]
        .as_array()
        .expect("rows")
        .iter()
        .map(|r| r["name"].as_str().expect("name").to_string())
        .collect();
    names.sort();
    names
}

fn ce_requests(moto: &mut Moto) -> usize {
    moto.requests()
        .iter()
        .filter(|(_, _, _, op)| op == "GetCostAndUsage")
        .count()
}

#[test]
fn mine_lists_exactly_my_jobs_my_offenders_and_my_spend() {
    let mut moto = moto();
    world(&mut moto);
    let items = line_items();
    moto.cost_items(DEFAULT_ACCOUNT, &json!(items));
    let home = tempfile::tempdir().expect("tempdir");
    let config = config(home.path(), Some(ALICE));
    let endpoint = moto.endpoint();
    let export = |args: &[&str]| {
        let mut cmd = sagescope(home.path(), &endpoint);
        cmd.args(["export"]).args(args).args(["--config", &config]);
        run_json(&mut cmd)
    };

    // Spend before anything was read: alice-studio's ARN is not known yet, so only the owner
    // tag filters, and stderr says so.
    let (code, owner_only, stderr) = export(&["spend", "--mine", "--days", "7"]);
    assert_eq!(code, 0, "{stderr}");
    assert!(stderr.contains("alice-studio"), "{stderr}");
    assert!(
        stderr.contains("filtered by the `owner` tag only"),
        "{stderr}"
    );
    assert_eq!(ce_requests(&mut moto), 1, "one query per range");
    let want = expected(&items, 7, |t| t["owner"] == "alice");
    assert_close(&by_group(&owner_only), &want);
    assert!(
        want.contains_key(""),
        "alice's spend without a project is its own row"
    );

    // My jobs: owner tag alice (the miscased key too), and what alice-studio started.
    let (code, jobs, stderr) = export(&["jobs", "--mine"]);
    assert_eq!(code, 0, "{stderr}");
    assert_eq!(
        names(&jobs),
        vec![
            "alice-complete",
            "alice-in-studio",
            "alice-miscased",
            "alice-no-project"
        ]
    );

    // My offenders only: not bob's, not `Alice`'s, not nobody's.
    let (code, untagged, stderr) = export(&["untagged", "--mine"]);
    assert_eq!(code, 0, "{stderr}");
    assert_eq!(
        names(&untagged),
        vec!["alice-in-studio", "alice-miscased", "alice-no-project"]
    );
    // The filter, not the world, drops the rest: bob's offender is there for everyone (and
    // so are the endpoint configs the world's endpoints were made from, checked since the
    // tag-only kinds joined).
    let everyone = names(&export(&["untagged"]).1);
    assert!(everyone.contains(&"bob-no-cc".to_string()), "{everyone:?}");
    assert!(everyone.len() > 3, "{everyone:?}");
    moto.requests();

    // Now the profile's ARN is known (from the tags just read): Owner=alice OR the profile.
    let (code, both, stderr) = export(&["spend", "--mine", "--days", "7"]);
    assert_eq!(code, 0, "{stderr}");
    assert!(!stderr.contains("not seen on any resource"), "{stderr}");
    assert_eq!(ce_requests(&mut moto), 1, "a new filter is a new question");
    let want = expected(&items, 7, |t| {
        t["owner"] == "alice" || t["sagemaker:user-profile-arn"] == PROFILE_ARN
    });
    assert_close(&by_group(&both), &want);

    // Asked again within spend.ttl_hours: from the cache, no request.
    let (code, again, stderr) = export(&["spend", "--mine", "--days", "7"]);
    assert_eq!(code, 0, "{stderr}");
    assert_eq!(
        ce_requests(&mut moto),
        0,
        "cached and counted like every question"
    );
    assert_eq!(again["rows"], both["rows"]);

    // --me names someone else for one run.
    let (code, bob, stderr) = export(&["spend", "--me", "bob", "--days", "7"]);
    assert_eq!(code, 0, "{stderr}");
    assert_close(
        &by_group(&bob),
        &expected(&items, 7, |t| t["owner"] == "bob"),
    );
    let (code, bobs, stderr) = export(&["jobs", "--me", "bob"]);
    assert_eq!(code, 0, "{stderr}");
    assert_eq!(names(&bobs), vec!["bob-complete", "bob-no-cc"]);
}

#[test]
fn mine_without_an_identity_exits_2_and_says_how_to_set_one() {
    let moto = moto();
    let home = tempfile::tempdir().expect("tempdir");
    let config = config(home.path(), None);
    for view in ["jobs", "spend", "untagged"] {
        let out = sagescope(home.path(), &moto.endpoint())
            .args(["export", view, "--mine", "--config", &config])
            .output()
            .expect("runs");
        assert_eq!(out.status.code(), Some(2), "{view}");
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(stderr.contains("[me] owner = ["), "{stderr}");
        assert!(stderr.contains("--me VALUE"), "{stderr}");
        assert!(out.stdout.is_empty(), "nothing printed, nothing fetched");
    }
}
