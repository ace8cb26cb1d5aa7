//! The organization's tag policy (`tags.from_organization = true`) against moto, whose
//! missing DescribeEffectivePolicy tests/moto/world.py answers in AWS's shape: a policy
//! requiring `CostCenter` spelt so with values `cc-*` makes `costcenter` miscased and
//! `CostCenter=marketing` invalid while `CostCenter=cc-42` passes, each finding naming whose
//! rule it breaks; an account whose policy Organizations refuses is one error row and follows
//! the config alone; policies are cached for the next refresh.

use crate::support;

use std::collections::BTreeMap;
use std::path::Path;

use serde_json::{Value, json};
use support::cli::{run_json, sagescope};
use support::moto::{moto, role};

const PROD: &str = "222222222222";
const DEV: &str = "333333333333";

fn config(home: &Path) -> String {
    let path = home.join("sagescope.toml");
    std::fs::write(
        &path,
        format!(
            "[[accounts]]\nname = \"ml-prod\"\nrole_arn = \"{}\"\nregions = [\"us-east-1\"]\n\n\
             [[accounts]]\nname = \"ml-dev\"\nrole_arn = \"{}\"\nregions = [\"us-east-1\"]\n\n\
             [tags]\nmandatory = [\"owner\"]\nfrom_organization = true\n",
            role(PROD),
            role(DEV)
        ),
    )
    .expect("config");
    path.to_string_lossy().into_owned()
}

fn model(account: &str, name: &str, tags: Value) -> Value {
    json!({"account": account, "region": "us-east-1", "kind": "model", "name": name,
           "tags": tags})
}

/// The account of each `DescribeEffectivePolicy` request since the world's log was last read.
fn policies_asked(moto: &mut support::moto::Moto) -> Vec<String> {
    moto.requests()
        .into_iter()
        .filter(|r| r.3 == "DescribeEffectivePolicy")
        .map(|r| r.1)
        .collect()
}

fn rows_by_name(doc: &Value) -> BTreeMap<String, Value> {
    doc["rows"]
        .as_array()
        .expect("rows")
        .iter()
        .map(|r| (r["name"].as_str().expect("name").to_string(), r.clone()))
        .collect()
}

#[test]
fn findings_follow_the_accounts_effective_tag_policy_and_name_its_source() {
    let mut moto = moto();
    moto.tag_world(&json!([
        model(
            PROD,
            "lower-key",
            json!({"costcenter": "cc-1", "owner": "ana"})
        ),
        model(
            PROD,
            "marketing",
            json!({"CostCenter": "marketing", "owner": "ana"})
        ),
        model(
            PROD,
            "compliant",
            json!({"CostCenter": "cc-42", "owner": "ana"})
        ),
        model(PROD, "no-owner", json!({"CostCenter": "cc-7"})),
        model(
            DEV,
            "dev-lower-key",
            json!({"costcenter": "x", "owner": "bo"})
        ),
    ]));
    let org = moto.call(json!({
        "cmd": "organization", "ous": [],
        "accounts": [{"id": PROD, "name": "ml-prod"}, {"id": DEV, "name": "ml-dev"}],
    }));
    assert!(org.get("error").is_none(), "{org}");
    let policy = moto.call(json!({
        "cmd": "tag_policy", "account": PROD,
        "policy": {"tags": {"costcenter": {"tag_key": "CostCenter", "tag_value": ["cc-*"]}}},
    }));
    assert!(policy.get("error").is_none(), "{policy}");
    moto.call(json!({"cmd": "tag_policy", "account": DEV, "deny": true}));
    moto.requests();
    let home = tempfile::tempdir().expect("tempdir");
    let config = config(home.path());
    let endpoint = moto.endpoint();

    let (code, doc, stderr) = run_json(
        sagescope(home.path(), &endpoint).args(["export", "untagged", "--config", &config]),
    );
    assert_eq!(code, 3, "the refused policy is a partial failure: {stderr}");
    let rows = rows_by_name(&doc);
    assert_eq!(
        rows.keys().collect::<Vec<_>>(),
        ["lower-key", "marketing", "no-owner"],
        "cc-42 passes; ml-dev's lower-case key breaks no rule it follows: {doc}"
    );
    let lower = &rows["lower-key"];
    assert_eq!(
        lower["miscased"],
        json!([{"expected": "CostCenter", "found": "costcenter", "source": "organization"}])
    );
    assert_eq!(lower["invalid"], json!([]));
    assert_eq!(lower["rule_source"], json!(["organization"]));
    let marketing = &rows["marketing"];
    assert_eq!(
        marketing["invalid"],
        json!([{"key": "CostCenter", "value": "marketing", "allowed": ["cc-*"],
                "source": "organization"}])
    );
    assert_eq!(marketing["miscased"], json!([]));
    assert_eq!(rows["no-owner"]["missing"], json!(["owner"]));
    assert_eq!(rows["no-owner"]["rule_source"], json!(["config"]));

    let errors = doc["errors"].as_array().expect("errors");
    assert_eq!(errors.len(), 1, "{errors:?}");
    assert_eq!(errors[0]["account"], "ml-dev");
    let message = errors[0]["message"].as_str().expect("message");
    assert!(
        message.contains("DescribeEffectivePolicy") && message.contains(DEV),
        "{message}"
    );
    let described = policies_asked(&mut moto);
    assert_eq!(described.len(), 2, "one per account: {described:?}");

    // The fix script says whose rule each fix answers to.
    let out = sagescope(home.path(), &endpoint)
        .args([
            "export", "untagged", "--format", "script", "--config", &config,
        ])
        .output()
        .expect("runs");
    let script = String::from_utf8_lossy(&out.stdout);
    assert!(
        script.contains("# rename costcenter -> CostCenter (organization tag policy)"),
        "{script}"
    );
    assert!(
        script.contains("CostCenter=marketing is not allowed by the organization tag policy"),
        "{script}"
    );
    // The second export trusted the cached policy of ml-prod and asked only for ml-dev's.
    let described = policies_asked(&mut moto);
    assert_eq!(described.len(), 1, "{described:?}");
}

#[test]
fn an_account_without_a_tag_policy_follows_the_config_alone() {
    let mut moto = moto();
    moto.tag_world(&json!([model(
        PROD,
        "lower-key",
        json!({"costcenter": "cc-1", "owner": "ana"})
    )]));
    moto.call(json!({
        "cmd": "organization", "ous": [],
        "accounts": [{"id": PROD, "name": "ml-prod"}, {"id": DEV, "name": "ml-dev"}],
    }));
    // No tag policy set: DescribeEffectivePolicy answers EffectivePolicyNotFoundException.
    let home = tempfile::tempdir().expect("tempdir");
    let config = config(home.path());
    let (code, doc, stderr) = run_json(
        sagescope(home.path(), &moto.endpoint()).args(["export", "untagged", "--config", &config]),
    );
    assert_eq!(code, 0, "{stderr}");
    assert_eq!(doc["errors"], json!([]), "{doc}");
    assert_eq!(doc["rows"], json!([]), "{doc}");
}
