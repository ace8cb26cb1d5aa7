//! The IAM policy and the role template cover every AWS call sagescope makes, and `init`
//! writes a config that loads, from the user's AWS profiles, without ever overwriting one.

use std::collections::BTreeSet;
use std::path::Path;

use assert_cmd::Command;
use serde_json::Value;

use crate::support;

const ROOT: &str = env!("CARGO_MANIFEST_DIR");

/// The command with a home of its own (no endpoint is ever called by these commands).
fn sagescope(home: &Path) -> Command {
    Command::from_std(support::cli::isolated(
        &assert_cmd::cargo::cargo_bin("sagescope"),
        home,
        "http://127.0.0.1:9",
    ))
}

/// Runs `sagescope <command> --config <config>`.
fn run_with_config(home: &Path, command: &str, config: &Path) -> std::process::Output {
    sagescope(home)
        .args([command, "--config"])
        .arg(config)
        .output()
        .expect("runs")
}

fn asset(name: &str) -> String {
    std::fs::read_to_string(Path::new(ROOT).join("assets").join(name)).expect("asset")
}

fn actions(policy: &Value) -> BTreeSet<String> {
    policy["Statement"]
        .as_array()
        .expect("statements")
        .iter()
        .flat_map(|s| s["Action"].as_array().expect("actions").iter())
        .map(|a| a.as_str().expect("action").to_string())
        .collect()
}

#[test]
fn iam_policy_prints_the_shipped_policy_and_drops_search_when_it_is_off() {
    let home = tempfile::tempdir().expect("tempdir");
    let config = home.path().join("sagescope.toml");
    // Every feature on: discovery and the CUR are the ones a config has to ask for.
    std::fs::write(
        &config,
        "[[accounts]]\nname = \"payer\"\n\
         [organization]\ndiscover = true\nrole_name = \"SageScopeReadOnly\"\n\
         [cur]\ndatabase = \"billing\"\ntable = \"cur2\"\n\
         [stream]\nlog_group = \"/sagescope/sagemaker-events\"\n\
         [cloudtrail]\nlookup = true\n",
    )
    .expect("config");
    let out = run_with_config(home.path(), "iam-policy", &config);
    assert_eq!(out.status.code(), Some(0));
    assert_eq!(
        String::from_utf8_lossy(&out.stdout),
        asset("iam-policy.json")
    );

    std::fs::write(&config, "[tags]\nsearch = false\n").expect("config");
    let out = run_with_config(home.path(), "iam-policy", &config);
    let policy: Value = serde_json::from_slice(&out.stdout).expect("JSON");
    let granted = actions(&policy);
    assert!(!granted.contains("sagemaker:Search"));
    assert!(
        !granted.contains("organizations:ListRoots"),
        "no discovery, no Organizations"
    );
    assert!(
        !granted.contains("athena:StartQueryExecution"),
        "no [cur], no Athena"
    );
    assert!(
        !policy.to_string().contains("SageScopeReadEventStream"),
        "no [stream], no statement for its group"
    );
    assert!(granted.contains("sagemaker:ListTrainingJobs"));
}

#[test]
fn the_role_template_grants_the_shipped_policy_but_organizations() {
    let template: Value = serde_json::from_str(&asset("sagescope-role.cfn.json")).expect("JSON");
    let role = &template["Resources"]["SageScopeReadOnlyRole"];
    assert_eq!(role["Type"], "AWS::IAM::Role");
    let inline = &role["Properties"]["Policies"][0]["PolicyDocument"];
    let mut shipped: Value = serde_json::from_str(&asset("iam-policy.json")).expect("JSON");
    // The role in each account is read through; only the identity that discovers accounts
    // reads Organizations, only `cur.account` (the payer) queries the CUR, and only the
    // monitoring account's role (assets/stream/monitoring-account.yaml) reads the stream.
    if let Some(statements) = shipped["Statement"].as_array_mut() {
        statements.retain(|s| {
            s["Sid"] != "SageScopeDiscoverAccounts"
                && s["Sid"] != "SageScopeQueryCur"
                && s["Sid"] != "SageScopeReadEventStream"
        });
    }
    assert_eq!(inline, &shipped);
    let trust = &role["Properties"]["AssumeRolePolicyDocument"]["Statement"][0];
    assert_eq!(trust["Action"], "sts:AssumeRole");
    assert_eq!(trust["Principal"]["AWS"]["Ref"], "TrustedPrincipalArn");
    for parameter in ["TrustedPrincipalArn", "RoleName", "ExternalId"] {
        assert!(template["Parameters"][parameter].is_object(), "{parameter}");
    }
}

/// The IAM prefix of the service each file under src/aws/ calls.
fn service_of(file: &str) -> Option<&'static str> {
    match file {
        "sagemaker.rs" | "sagemaker_compute.rs" => Some("sagemaker"),
        "cloudwatch.rs" => Some("cloudwatch"),
        "cost_explorer.rs" => Some("ce"),
        "accounts.rs" => Some("sts"),
        "organizations.rs" => Some("organizations"),
        "logs.rs" => Some("logs"),
        "pricing.rs" => Some("pricing"),
        "athena.rs" => Some("athena"),
        "cloudtrail.rs" => Some("cloudtrail"),
        _ => None,
    }
}

/// `list_training_jobs` -> `ListTrainingJobs`.
fn camel(snake: &str) -> String {
    snake
        .split('_')
        .map(|word| {
            let mut chars = word.chars();
            chars
                .next()
                .map(|first| first.to_ascii_uppercase().to_string() + chars.as_str())
                .unwrap_or_default()
        })
        .collect()
}

/// SDK operations are started as `.operation_name()` on a client: every read verb sagescope
/// uses starts with one of these.
fn operations_called(source: &str) -> BTreeSet<String> {
    const VERBS: [&str; 5] = ["list_", "describe_", "get_", "search", "filter_"];
    let mut found = BTreeSet::new();
    for piece in source.split('.').skip(1) {
        let name: String = piece
            .chars()
            .take_while(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || *c == '_')
            .collect();
        let rest = &piece[name.len()..];
        if rest.starts_with("()") && VERBS.iter().any(|v| name.starts_with(v)) {
            found.insert(camel(&name));
        }
    }
    found
}

#[test]
fn every_aws_operation_the_code_calls_is_in_the_policy() {
    let shipped: Value = serde_json::from_str(&asset("iam-policy.json")).expect("JSON");
    let granted = actions(&shipped);
    let dir = Path::new(ROOT).join("crates").join("aws").join("src");
    let mut checked = 0;
    for entry in std::fs::read_dir(&dir).expect("crates/aws/src") {
        let path = entry.expect("entry").path();
        let file = path
            .file_name()
            .and_then(|f| f.to_str())
            .unwrap_or("")
            .to_string();
        let source = std::fs::read_to_string(&path).expect("source");
        // Unit tests in the file call fakes, not AWS.
        let source = source.split("#[cfg(test)]").next().unwrap_or("");
        let called = operations_called(source);
        if called.is_empty() {
            continue;
        }
        let Some(service) = service_of(&file) else {
            panic!("crates/aws/src/{file} calls {called:?}: add its IAM service to service_of");
        };
        for operation in called {
            let action = format!("{service}:{operation}");
            assert!(
                granted.contains(&action),
                "src/aws/{file} calls {operation} but assets/iam-policy.json lacks {action}"
            );
            checked += 1;
        }
    }
    assert!(
        checked >= 20,
        "only {checked} operations found: is the scan broken?"
    );
}

#[test]
fn init_writes_one_account_per_account_from_the_profiles_and_never_overwrites() {
    let home = tempfile::tempdir().expect("tempdir");
    let aws = home.path().join("aws");
    std::fs::create_dir_all(&aws).expect("aws dir");
    std::fs::write(
        aws.join("config"),
        "[profile ml-dev]\nsso_account_id = 111111111111\nsso_role_name = ReadOnly\nregion = us-east-1\n\n\
         [profile ml-dev-admin]\nsso_account_id = 111111111111\nsso_role_name = Admin\n\n\
         [profile ml-prod]\nrole_arn = arn:aws:iam::222222222222:role/SageScopeReadOnly\nsource_profile = ml-dev\nregion = eu-west-1\n",
    )
    .expect("aws config");
    let target = home.path().join("new").join("sagescope.toml");

    let out = run_with_config(home.path(), "init", &target);
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let written = std::fs::read_to_string(&target).expect("written");
    let parsed: toml::Table = toml::from_str(&written).expect("TOML");
    let accounts = parsed["accounts"].as_array().expect("accounts");
    let names: Vec<&str> = accounts
        .iter()
        .map(|a| a["name"].as_str().expect("name"))
        .collect();
    assert_eq!(
        names,
        ["ml-dev", "ml-prod"],
        "ml-dev-admin reaches ml-dev's account"
    );
    assert_eq!(accounts[1]["profile"].as_str(), Some("ml-prod"));
    assert_eq!(accounts[1]["regions"].as_array().map(|r| r.len()), Some(1));

    // The file loads as sagescope's config.
    let out = run_with_config(home.path(), "iam-policy", &target);
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );

    // A second init leaves the file as it was and says why.
    std::fs::write(&target, "# mine\n").expect("edit");
    let out = run_with_config(home.path(), "init", &target);
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("never overwrites"));
    assert_eq!(std::fs::read_to_string(&target).expect("kept"), "# mine\n");
}

#[test]
fn completions_and_the_man_page_describe_the_command_line_even_with_a_broken_config() {
    let home = tempfile::tempdir().expect("tempdir");
    let broken = home.path().join("broken.toml");
    std::fs::write(&broken, "[[accounts]\nname = ").expect("writes");
    let out = |args: &[&str]| {
        sagescope(home.path())
            .arg("--config")
            .arg(&broken)
            .args(args)
            .output()
            .expect("runs")
    };
    let bash = out(&["completions", "bash"]);
    assert!(bash.status.success(), "{bash:?}");
    let bash = String::from_utf8_lossy(&bash.stdout);
    assert!(bash.contains("_sagescope()"), "a bash completion function");
    for word in ["export", "watch", "iam-policy", "--offline", "--demo"] {
        assert!(bash.contains(word), "bash completes {word}");
    }
    let zsh = out(&["completions", "zsh"]);
    assert!(String::from_utf8_lossy(&zsh.stdout).starts_with("#compdef sagescope"));
    let man = out(&["man"]);
    assert!(man.status.success(), "{man:?}");
    let man = String::from_utf8_lossy(&man.stdout);
    assert!(man.contains(".TH sagescope"), "a roff page: {man}");
    assert!(man.contains("completions"), "it lists the subcommands");
    assert_eq!(out(&["completions", "tcsh"]).status.code(), Some(2));
}
