//! The boundaries the design depends on, checked on the source itself so they cannot rot:
//! the AWS SDK only behind `src/aws/`, `model` importing nothing above it, and no cycles
//! among the top-level modules (data flows one way).

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

fn sources(dir: &Path, out: &mut Vec<PathBuf>) {
    for entry in std::fs::read_dir(dir).expect("src is readable") {
        let path = entry.expect("entry").path();
        if path.is_dir() {
            sources(&path, out);
        } else if path.extension().is_some_and(|e| e == "rs") {
            out.push(path);
        }
    }
}

/// Each source file's top-level module (`fetch` for `src/fetch/engine.rs`) and its code lines
/// outside comments and outside `#[cfg(test)]` items (tests may reach anywhere).
fn code() -> Vec<(String, String, Vec<String>)> {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let mut files = Vec::new();
    sources(&src, &mut files);
    files
        .into_iter()
        .map(|path| {
            let relative = path
                .strip_prefix(&src)
                .expect("under src")
                .to_string_lossy()
                .into_owned();
            let top = relative
                .split('/')
                .next()
                .unwrap_or_default()
                .trim_end_matches(".rs")
                .to_string();
            let text = std::fs::read_to_string(&path).expect("readable source");
            let lines = text
                .lines()
                .take_while(|l| !l.trim_start().starts_with("#[cfg(test)]"))
                .filter(|l| !l.trim_start().starts_with("//"))
                .map(str::to_string)
                .collect();
            (relative, top, lines)
        })
        .collect()
}

#[test]
fn the_aws_sdk_is_used_only_behind_src_aws() {
    let sdk = [
        "aws_sdk_",
        "aws_smithy_",
        "aws_config",
        "aws_credential_types",
    ];
    let mut leaks = Vec::new();
    for (file, top, lines) in code() {
        for line in lines {
            if top != "aws" && sdk.iter().any(|s| line.contains(s)) {
                leaks.push(format!("{file}: {}", line.trim()));
            }
        }
    }
    assert!(
        leaks.is_empty(),
        "SDK types outside src/aws:\n{}",
        leaks.join("\n")
    );
}

#[test]
fn top_level_modules_form_no_cycle_and_model_imports_nothing() {
    let mut edges: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    for (_, top, lines) in code() {
        if top == "lib" || top == "main" {
            continue;
        }
        let targets = edges.entry(top.clone()).or_default();
        for line in lines {
            for part in line.split("crate::").skip(1) {
                let target: String = part
                    .chars()
                    .take_while(|c| c.is_ascii_lowercase() || *c == '_')
                    .collect();
                if !target.is_empty() && target != top {
                    targets.insert(target);
                }
            }
        }
    }
    assert_eq!(
        edges.get("model").map(BTreeSet::len),
        Some(0),
        "model imports {:?}",
        edges.get("model")
    );
    // Depth-first search for a back edge: any cycle is printed as a path.
    fn visit(
        node: &str,
        edges: &BTreeMap<String, BTreeSet<String>>,
        path: &mut Vec<String>,
        done: &mut BTreeSet<String>,
    ) -> Option<Vec<String>> {
        if let Some(at) = path.iter().position(|n| n == node) {
            let mut cycle = path[at..].to_vec();
            cycle.push(node.to_string());
            return Some(cycle);
        }
        if done.contains(node) {
            return None;
        }
        path.push(node.to_string());
        for next in edges.get(node).into_iter().flatten() {
            if let Some(cycle) = visit(next, edges, path, done) {
                return Some(cycle);
            }
        }
        path.pop();
        done.insert(node.to_string());
        None
    }
    let mut done = BTreeSet::new();
    for node in edges.keys() {
        let cycle = visit(node, &edges, &mut Vec::new(), &mut done);
        assert!(
            cycle.is_none(),
            "module cycle: {}",
            cycle.unwrap_or_default().join(" -> ")
        );
    }
}
