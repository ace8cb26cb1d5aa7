//! Accounts discovered from AWS Organizations, against moto: the same rows as the explicit
//! configuration of those accounts, an OU filter narrowing them, an account whose role cannot
//! be assumed as one error, and a discovery cached for the next refresh.

use std::collections::BTreeSet;
use std::path::Path;

use serde_json::{Value, json};

use crate::support;

use support::cli::{run_json, sagescope};
use support::moto::{DEFAULT_ACCOUNT, moto, role};

const REGIONS: &str = "regions = [\"us-east-1\", \"eu-west-1\"]\n";

fn write(home: &Path, name: &str, text: &str) -> String {
    let path = home.join(name);
    std::fs::write(&path, text).expect("config");
    path.to_string_lossy().into_owned()
}

/// An export's rows keyed by what identifies a resource, without `usd_so_far` (it grows with
/// the clock between two exports).
fn rows_by_resource(doc: &Value) -> Vec<Value> {
    let mut rows: Vec<Value> = doc["rows"]
        .as_array()
        .expect("rows")
        .iter()
        .map(|row| {
            let mut row = row.clone();
            if let Some(fields) = row.as_object_mut() {
                // Running resources' cost grows by the second between the two exports.
                fields.remove("usd_so_far");
                if fields.get("cost_source").and_then(Value::as_str) == Some("estimate") {
                    fields.remove("cost_usd");
                }
            }
            row
        })
        .collect();
    rows.sort_by_key(|r| r["arn"].as_str().unwrap_or_default().to_string());
    rows
}

fn account_ids(doc: &Value) -> BTreeSet<String> {
    doc["rows"]
        .as_array()
        .expect("rows")
        .iter()
        .map(|r| r["account_id"].as_str().expect("id").to_string())
        .collect()
}

#[test]
fn discovery_reads_the_organizations_active_accounts_like_an_explicit_config() {
    let mut moto = moto();
    moto.seed(
        &[
            DEFAULT_ACCOUNT,
            "222222222222",
            "333333333333",
            "555555555555",
        ],
        &["us-east-1", "eu-west-1"],
        0,
    );
    let org = moto.call(json!({
        "cmd": "organization",
        "ous": [["ml", null], ["ml-dev", "ml"]],
        "accounts": [
            {"id": "222222222222", "name": "ml-prod", "ou": "ml"},
            {"id": "333333333333", "name": "ml-dev", "ou": "ml-dev"},
            {"id": "444444444444", "name": "closed", "status": "SUSPENDED"},
            {"id": "555555555555", "name": "no-role"},
        ],
    }));
    assert!(org.get("error").is_none(), "{org}");
    let ml_ou = org["ous"]["ml"].as_str().expect("ou id").to_string();
    let denied = moto.call(json!({"cmd": "deny_role", "role": role("555555555555")}));
    assert!(denied.get("error").is_none(), "{denied}");
    let home = tempfile::tempdir().expect("tempdir");
    let endpoint = moto.endpoint();

    // The accounts written by hand, named as Organizations names them.
    let explicit = write(
        home.path(),
        "explicit.toml",
        &format!(
            "[[accounts]]\nname = \"master\"\nrole_arn = \"{}\"\n{REGIONS}\n\
             [[accounts]]\nname = \"ml-prod\"\nrole_arn = \"{}\"\n{REGIONS}\n\
             [[accounts]]\nname = \"ml-dev\"\nrole_arn = \"{}\"\n{REGIONS}",
            role(DEFAULT_ACCOUNT),
            role("222222222222"),
            role("333333333333"),
        ),
    );
    let (code, by_hand, stderr) =
        run_json(sagescope(home.path(), &endpoint).args(["export", "jobs", "--config", &explicit]));
    assert_eq!(code, 0, "{stderr}");

    let discovering =
        format!("[organization]\ndiscover = true\nrole_name = \"SageScopeReadOnly\"\n{REGIONS}");
    let discover = write(home.path(), "discover.toml", &discovering);
    moto.requests();
    let (code, discovered, stderr) =
        run_json(sagescope(home.path(), &endpoint).args(["export", "jobs", "--config", &discover]));
    assert_eq!(
        code, 3,
        "the account without a role is a partial failure: {stderr}"
    );
    assert_eq!(rows_by_resource(&discovered), rows_by_resource(&by_hand));
    let errors = discovered["errors"].as_array().expect("errors");
    assert_eq!(errors.len(), 1, "{errors:?}");
    assert_eq!(errors[0]["account"], "no-role");
    assert!(
        errors[0]["message"]
            .as_str()
            .is_some_and(|m| m.contains("AccessDenied") || m.contains("not authorized")),
        "{errors:?}"
    );
    let operations: Vec<String> = moto.requests().into_iter().map(|r| r.3).collect();
    // The whole organization is walked from its one root: the root and the two OUs below,
    // two requests each (accounts, child OUs), plus ListRoots and DescribeOrganization.
    let count = |name: &str| operations.iter().filter(|op| *op == name).count();
    assert_eq!(
        (
            count("DescribeOrganization"),
            count("ListRoots"),
            count("ListAccountsForParent"),
            count("ListOrganizationalUnitsForParent")
        ),
        (1, 1, 3, 3),
        "{operations:?}"
    );

    // The next refresh trusts the cached list: no Organizations request.
    let (code, again, _) =
        run_json(sagescope(home.path(), &endpoint).args(["export", "jobs", "--config", &discover]));
    assert_eq!(code, 3);
    assert_eq!(account_ids(&again), account_ids(&discovered));
    let operations: Vec<String> = moto.requests().into_iter().map(|r| r.3).collect();
    assert!(
        !operations
            .iter()
            .any(|op| op.starts_with("List") && op.contains("Parent")
                || op == "ListRoots"
                || op == "DescribeOrganization"),
        "{operations:?}"
    );

    // Only the ml OU, recursively: ml-prod and, one level down, ml-dev.
    let ou_only = write(
        home.path(),
        "ou.toml",
        &format!("{discovering}ous = [\"{ml_ou}\"]\n"),
    );
    let (code, narrowed, stderr) =
        run_json(sagescope(home.path(), &endpoint).args(["export", "jobs", "--config", &ou_only]));
    assert_eq!(code, 0, "{stderr}");
    assert_eq!(
        account_ids(&narrowed),
        BTreeSet::from(["222222222222".to_string(), "333333333333".to_string()])
    );

    // The discovery placed each account in its OU: an OU filter narrows the rows to the
    // accounts anywhere under it (by id or by name), a nested OU to its own; --account to
    // one account.
    let ml_dev_ou = org["ous"]["ml-dev"].as_str().expect("ou id").to_string();
    let by_ou = |ou: &str| {
        run_json(sagescope(home.path(), &endpoint).args([
            "export",
            "jobs",
            "--offline",
            "--ou",
            ou,
            "--config",
            &ou_only,
        ]))
    };
    let (code, only_dev, stderr) = by_ou(&ml_dev_ou);
    assert_eq!(code, 0, "{stderr}");
    assert_eq!(
        account_ids(&only_dev),
        BTreeSet::from(["333333333333".to_string()])
    );
    let (_, by_name, _) = by_ou("ml-dev");
    assert_eq!(rows_by_resource(&by_name), rows_by_resource(&only_dev));
    assert!(
        !only_dev["rows"].as_array().expect("rows").is_empty()
            && only_dev["rows"].as_array().map(Vec::len)
                < narrowed["rows"].as_array().map(Vec::len),
        "narrower than the whole discovery"
    );
    let (code, whole_ml, stderr) = by_ou(&ml_ou);
    assert_eq!(code, 0, "{stderr}");
    assert_eq!(
        rows_by_resource(&whole_ml),
        rows_by_resource(&narrowed),
        "ml holds ml-prod and, in its sub-OU, ml-dev"
    );
    let (code, by_account, stderr) = run_json(sagescope(home.path(), &endpoint).args([
        "export",
        "jobs",
        "--offline",
        "--account",
        "ml-prod",
        "--config",
        &ou_only,
    ]));
    assert_eq!(code, 0, "{stderr}");
    assert_eq!(
        account_ids(&by_account),
        BTreeSet::from(["222222222222".to_string()])
    );
    let out = sagescope(home.path(), &endpoint)
        .args([
            "export",
            "jobs",
            "--offline",
            "--ou",
            "ou-none",
            "--config",
            &ou_only,
        ])
        .output()
        .expect("runs");
    assert_eq!(out.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("known OUs") && stderr.contains(&ml_dev_ou),
        "{stderr}"
    );
}

#[test]
fn discovery_without_a_role_name_is_a_config_error_with_its_line() {
    let home = tempfile::tempdir().expect("tempdir");
    let config = write(
        home.path(),
        "bad.toml",
        "\n[organization]\ndiscover = true\n",
    );
    let out = sagescope(home.path(), "http://127.0.0.1:9")
        .args(["export", "jobs", "--offline", "--config", &config])
        .output()
        .expect("runs");
    assert_eq!(out.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("bad.toml:"), "{stderr}");
    assert!(stderr.contains("role_name"), "{stderr}");
}

#[test]
fn init_from_organization_writes_a_discovery_config_listing_the_accounts_once() {
    let mut moto = moto();
    moto.reset();
    let org = moto.call(json!({
        "cmd": "organization",
        "ous": [["ml", null]],
        "accounts": [
            {"id": "222222222222", "name": "ml-prod", "ou": "ml"},
            {"id": "444444444444", "name": "closed", "status": "SUSPENDED"},
        ],
    }));
    assert!(org.get("error").is_none(), "{org}");
    let ml_ou = org["ous"]["ml"].as_str().expect("ou id").to_string();
    let home = tempfile::tempdir().expect("tempdir");
    let path = home.path().join("new").join("sagescope.toml");
    let path_text = path.to_string_lossy().into_owned();
    let endpoint = moto.endpoint();
    let out = sagescope(home.path(), &endpoint)
        .args(["init", "--from-organization", "--config", &path_text])
        .output()
        .expect("runs");
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(0), "{stderr}");
    // The management account, ml-prod and the suspended one: the message and the file agree.
    let counted = "3 accounts found, 2 active (read), 1 not active (not read)";
    assert!(stderr.contains(counted), "{stderr}");
    let text = std::fs::read_to_string(&path).expect("written");
    assert!(text.contains(&format!("# {counted}:\n")), "{text}");
    assert!(
        text.contains("[organization]\ndiscover = true\nrole_name = \"SageScopeReadOnly\"\n"),
        "{text}"
    );
    assert!(text.contains("management account 123456789012"), "{text}");
    assert!(
        text.contains(&format!("#   ml ({ml_ou})\n#     222222222222  ml-prod\n")),
        "{text}"
    );
    assert!(
        text.contains("444444444444  closed  (SUSPENDED: not read)"),
        "{text}"
    );

    // It loads: the discovery it configures reads ml-prod (and the management account).
    let (code, doc, stderr) = run_json(
        sagescope(home.path(), &endpoint).args(["export", "jobs", "--config", &path_text]),
    );
    assert!(code == 0 || code == 3, "{stderr}");
    assert!(doc["errors"].as_array().is_some(), "{doc}");

    // Never over an existing file.
    let out = sagescope(home.path(), &endpoint)
        .args(["init", "--from-organization", "--config", &path_text])
        .output()
        .expect("runs");
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("already exists"));
    assert_eq!(std::fs::read_to_string(&path).expect("kept"), text);
}
