//! The crate graph is the architecture: `sagescope-core` ← `sagescope-engine` ←
//! `sagescope-aws` / `sagescope-tui` ← the binary. The compiler holds every boundary between
//! crates; what it cannot hold is a manifest quietly gaining an edge (the UI depending on the
//! AWS SDK, the core on a runtime), so the manifests are checked here.

use std::collections::BTreeSet;
use std::path::Path;

/// Every dependency a crate's manifest names: normal, dev, build and per-target.
fn dependencies(krate: &str) -> BTreeSet<String> {
    let path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("crates")
        .join(krate)
        .join("Cargo.toml");
    let text = std::fs::read_to_string(&path).expect("the manifest is readable");
    let manifest: toml::Table = text.parse().expect("the manifest is TOML");
    let mut names = BTreeSet::new();
    let mut collect = |table: &toml::Table| {
        for section in ["dependencies", "dev-dependencies", "build-dependencies"] {
            if let Some(deps) = table.get(section).and_then(toml::Value::as_table) {
                names.extend(deps.keys().cloned());
            }
        }
    };
    collect(&manifest);
    if let Some(targets) = manifest.get("target").and_then(toml::Value::as_table) {
        for target in targets.values().filter_map(toml::Value::as_table) {
            collect(target);
        }
    }
    names
}

fn ours(deps: &BTreeSet<String>) -> BTreeSet<&str> {
    deps.iter()
        .filter(|d| d.starts_with("sagescope"))
        .map(String::as_str)
        .collect()
}

fn aws(deps: &BTreeSet<String>) -> Vec<&String> {
    deps.iter()
        .filter(|d| d.starts_with("aws-") || d.starts_with("aws_"))
        .collect()
}

#[test]
fn the_core_stands_alone_without_aws_or_a_runtime() {
    let deps = dependencies("core");
    assert_eq!(ours(&deps), BTreeSet::new());
    assert_eq!(aws(&deps), Vec::<&String>::new());
    assert!(!deps.contains("tokio"), "the core needs no async runtime");
}

#[test]
fn the_engine_builds_on_the_core_only_and_reaches_aws_through_traits() {
    let deps = dependencies("engine");
    assert_eq!(ours(&deps), BTreeSet::from(["sagescope-core"]));
    assert_eq!(aws(&deps), Vec::<&String>::new());
}

#[test]
fn the_terminal_ui_and_its_tests_link_no_aws_sdk() {
    let deps = dependencies("tui");
    assert_eq!(
        ours(&deps),
        BTreeSet::from(["sagescope-core", "sagescope-engine"])
    );
    assert_eq!(aws(&deps), Vec::<&String>::new());
}

#[test]
fn only_the_aws_crate_names_the_sdk() {
    let deps = dependencies("aws");
    assert_eq!(
        ours(&deps),
        BTreeSet::from(["sagescope-core", "sagescope-engine"])
    );
    assert!(deps.contains("aws-sdk-sagemaker"));
}
