//! Tag hygiene for the kinds AWS's tagging guidance names beyond jobs: models, endpoint
//! configs, pipelines, model package groups, feature groups, experiments, Studio spaces and
//! apps, against moto (spaces and apps served by tests/moto/world.py's layer), through the
//! real binary: `export untagged` lists the offenders of each kind and nothing else, and what
//! reading them costs on a first and a steady-state refresh.

use crate::support;

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

use serde_json::{Value, json};
use support::cli::{one_account_config, run_json, sagescope};
use support::moto::{DEFAULT_ACCOUNT, moto};

const KINDS: [&str; 8] = [
    "model",
    "endpoint-config",
    "pipeline",
    "model-package-group",
    "feature-group",
    "experiment",
    "space",
    "app",
];

fn config(home: &Path) -> String {
    one_account_config(home, "[tags]\nmandatory = [\"cost-center\", \"owner\"]\n")
}

/// For each kind one resource with both mandatory tags and one without `owner`; a complete
/// Studio domain and user profile for the spaces and apps to live in.
fn world() -> Vec<Value> {
    let complete = json!({"cost-center": "cc-1", "owner": "ana"});
    let partial = json!({"cost-center": "cc-1"});
    let mut out = vec![
        json!({"account": DEFAULT_ACCOUNT, "region": "us-east-1", "kind": "domain",
               "name": "studio", "tags": complete}),
        json!({"account": DEFAULT_ACCOUNT, "region": "us-east-1", "kind": "user-profile",
               "name": "ana", "domain": "studio", "tags": complete}),
    ];
    for kind in KINDS {
        for (suffix, tags) in [("ok", &complete), ("bad", &partial)] {
            let mut spec = json!({"account": DEFAULT_ACCOUNT, "region": "us-east-1",
                                  "kind": kind, "name": format!("{kind}-{suffix}"),
                                  "tags": tags, "domain": "studio"});
            if kind == "app" {
                spec["user_profile"] = "ana".into();
            }
            out.push(spec);
        }
    }
    out
}

fn by_operation(moto: &mut support::moto::Moto) -> BTreeMap<String, usize> {
    let mut map = BTreeMap::new();
    for (_, _, _, op) in moto.requests() {
        *map.entry(op).or_default() += 1;
    }
    map
}

#[test]
fn export_untagged_lists_the_offenders_of_every_new_taggable_kind_and_nothing_else() {
    let mut moto = moto();
    let arns = moto.tag_world(&Value::Array(world()));
    let home = tempfile::tempdir().expect("tempdir");
    let config = config(home.path());
    let endpoint = moto.endpoint();

    let (code, doc, stderr) = run_json(
        sagescope(home.path(), &endpoint).args(["export", "untagged", "--config", &config]),
    );
    assert_eq!(doc["errors"], json!([]), "{stderr}");
    assert_eq!(code, 0, "{stderr}");
    let found: BTreeSet<(String, String, String)> = doc["rows"]
        .as_array()
        .expect("rows")
        .iter()
        .map(|r| {
            assert_eq!(r["missing"], json!(["owner"]), "{r}");
            (
                r["kind"].as_str().expect("kind").to_string(),
                r["name"].as_str().expect("name").to_string(),
                r["arn"].as_str().expect("arn").to_string(),
            )
        })
        .collect();
    let expected: BTreeSet<(String, String, String)> = KINDS
        .iter()
        .map(|kind| {
            let name = format!("{kind}-bad");
            let arn = arns[&name].clone();
            // Apps are named by owner, type and app name, as in the Jobs pane.
            let shown = if *kind == "app" {
                format!("ana/JupyterLab/{name}")
            } else {
                name
            };
            (kind.to_string(), shown, arn)
        })
        .collect();
    assert_eq!(found, expected);
    let first = by_operation(&mut moto);
    eprintln!("first refresh: {first:?}");

    // Steady state: every kind listed again, no tag read again.
    let (code, doc, stderr) = run_json(
        sagescope(home.path(), &endpoint).args(["export", "untagged", "--config", &config]),
    );
    assert_eq!(code, 0, "{stderr}");
    assert_eq!(doc["rows"].as_array().map(Vec::len), Some(KINDS.len()));
    let second = by_operation(&mut moto);
    eprintln!("steady-state refresh: {second:?}");
    assert_eq!(second.get("ListTags"), None, "{second:?}");
    assert_eq!(second.get("Search"), None, "{second:?}");
    for op in [
        "ListModels",
        "ListEndpointConfigs",
        "ListPipelines",
        "ListModelPackageGroups",
        "ListFeatureGroups",
        "ListExperiments",
        "ListSpaces",
        "ListApps",
    ] {
        assert_eq!(second.get(op), Some(&1), "{op}: {second:?}");
    }
}
