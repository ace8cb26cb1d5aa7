//! The tag-fix script: well-formed shell, the right ARNs, renames in a safe order.

use std::process::Command;

use chrono::{TimeZone, Utc};
use sagescope::config::AccountConfig;
use sagescope::fixes::{self, PLACEHOLDER};
use sagescope::model::{InvalidValue, Miscased, ResourceKind, RuleSource, TagFinding};

fn finding(name: &str, account: &str) -> TagFinding {
    TagFinding {
        account_id: "222222222222".into(),
        account_name: account.into(),
        region: "eu-west-1".into(),
        kind: ResourceKind::Training,
        name: name.into(),
        arn: format!("arn:aws:sagemaker:eu-west-1:222222222222:training-job/{name}"),
        missing: Vec::new(),
        miscased: Vec::new(),
        invalid: Vec::new(),
        tags: sagescope::model::Tags::new(),
        created_at: None,
        cost: None,
        created_by: None,
    }
}

fn accounts() -> Vec<AccountConfig> {
    vec![AccountConfig {
        name: "prod".into(),
        role_arn: None,
        profile: Some("ml prod".into()),
        external_id: None,
        regions: vec!["eu-west-1".into()],
    }]
}

fn commands(script: &str) -> Vec<Vec<String>> {
    script
        .lines()
        .filter(|l| l.starts_with("aws "))
        .map(|l| shlex::split(l).expect("each command is one well-formed shell line"))
        .collect()
}

fn value_after<'a>(words: &'a [String], flag: &str) -> &'a str {
    let i = words
        .iter()
        .position(|w| w == flag)
        .unwrap_or_else(|| panic!("{flag} in {words:?}"));
    &words[i + 1]
}

#[test]
fn missing_miscased_and_invalid_each_get_their_fix() {
    let mut missing = finding("needs-owner", "prod");
    missing.missing = vec!["owner".into()];

    let mut miscased = finding("wrong-case", "prod");
    miscased.miscased = vec![Miscased {
        expected: "cost-center".into(),
        found: "Cost-Center".into(),
        source: RuleSource::Config,
    }];
    miscased.tags.insert("Cost-Center".into(), "cc-1001".into());

    let mut invalid = finding("bad-env", "prod");
    invalid.invalid = vec![InvalidValue {
        key: "environment".into(),
        value: "prod".into(),
        allowed: vec!["dev".into(), "production".into()],
        source: RuleSource::Organization,
    }];

    let now = Utc
        .with_ymd_and_hms(2026, 11, 22, 9, 0, 0)
        .single()
        .expect("valid");
    let script = fixes::script(&[missing, miscased, invalid], &accounts(), now);
    let cmds = commands(&script);
    assert_eq!(cmds.len(), 4, "{script}");

    assert_eq!(&cmds[0][..3], ["aws", "sagemaker", "add-tags"]);
    assert!(value_after(&cmds[0], "--resource-arn").ends_with("training-job/needs-owner"));
    assert_eq!(
        value_after(&cmds[0], "--tags"),
        format!("Key=owner,Value={PLACEHOLDER}")
    );
    assert_eq!(value_after(&cmds[0], "--region"), "eu-west-1");
    assert_eq!(value_after(&cmds[0], "--profile"), "ml prod");

    // The right key is added with the same value before the wrong one is deleted.
    assert_eq!(cmds[1][2], "add-tags");
    assert_eq!(
        value_after(&cmds[1], "--tags"),
        "Key=cost-center,Value=cc-1001"
    );
    assert_eq!(cmds[2][2], "delete-tags");
    assert_eq!(value_after(&cmds[2], "--tag-keys"), "Cost-Center");
    assert!(value_after(&cmds[2], "--resource-arn").ends_with("training-job/wrong-case"));

    assert_eq!(
        value_after(&cmds[3], "--tags"),
        format!("Key=environment,Value={PLACEHOLDER}")
    );
    assert!(script.contains("allowed: dev, production"));
}

#[test]
fn the_script_is_valid_bash_and_refuses_to_run_with_placeholders_left() {
    let mut f = finding("hostile\x1b]0;x\x07-name", "prod");
    f.missing = vec!["owner".into()];
    let now = Utc
        .with_ymd_and_hms(2026, 11, 22, 9, 0, 0)
        .single()
        .expect("valid");
    let script = fixes::script(&[f], &accounts(), now);
    assert!(
        !script.chars().any(|c| c.is_control() && c != '\n'),
        "no raw control characters: {script:?}"
    );

    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("fix.sh");
    std::fs::write(&path, &script).expect("writes");
    let syntax = Command::new("bash")
        .arg("-n")
        .arg(&path)
        .output()
        .expect("bash runs");
    assert!(
        syntax.status.success(),
        "{}",
        String::from_utf8_lossy(&syntax.stderr)
    );

    // With a fake `aws` on PATH, the placeholder guard must stop the script before any call.
    let bin = dir.path().join("bin");
    std::fs::create_dir(&bin).expect("mkdir");
    let marker = dir.path().join("called");
    let fake = bin.join("aws");
    std::fs::write(&fake, format!("#!/bin/sh\ntouch '{}'\n", marker.display())).expect("writes");
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(&fake, std::fs::Permissions::from_mode(0o755)).expect("chmod");
    }
    let path_var = format!(
        "{}:{}",
        bin.display(),
        std::env::var("PATH").unwrap_or_default()
    );
    let run = Command::new("bash")
        .arg(&path)
        .env("PATH", &path_var)
        .output()
        .expect("bash runs");
    assert_eq!(run.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&run.stderr).contains("FILL placeholder"));
    assert!(!marker.exists(), "aws was not called");

    // Once every placeholder is filled in, the same script runs its commands.
    std::fs::write(&path, script.replace(PLACEHOLDER, "alice")).expect("writes");
    let run = Command::new("bash")
        .arg(&path)
        .env("PATH", &path_var)
        .output()
        .expect("bash runs");
    assert!(
        run.status.success(),
        "{}",
        String::from_utf8_lossy(&run.stderr)
    );
    assert!(
        marker.exists(),
        "aws was called once the values were filled in"
    );
}

#[test]
fn demo_export_script_names_exactly_the_offending_arns() {
    let home = tempfile::tempdir().expect("tempdir");
    let run = |format: &str| {
        assert_cmd::Command::cargo_bin("sagescope")
            .expect("binary")
            .env("XDG_CONFIG_HOME", home.path().join("c"))
            .env("XDG_CACHE_HOME", home.path().join("k"))
            .env("XDG_STATE_HOME", home.path().join("s"))
            .env_remove("SAGESCOPE_CONFIG")
            .args(["export", "untagged", "--demo", "--format", format])
            .output()
            .expect("runs")
    };
    let script_out = run("script");
    assert!(
        script_out.status.success(),
        "{}",
        String::from_utf8_lossy(&script_out.stderr)
    );
    let script = String::from_utf8(script_out.stdout).expect("utf-8");
    let json: serde_json::Value = serde_json::from_slice(&run("json").stdout).expect("json");
    let mut expected: Vec<String> = json["rows"]
        .as_array()
        .expect("rows")
        .iter()
        .map(|r| r["arn"].as_str().expect("arn").to_string())
        .collect();
    expected.sort();
    let mut named: Vec<String> = commands(&script)
        .iter()
        .map(|c| value_after(c, "--resource-arn").to_string())
        .collect();
    named.sort();
    named.dedup();
    assert_eq!(named, expected);
}

#[test]
fn script_format_is_refused_for_other_views() {
    let home = tempfile::tempdir().expect("tempdir");
    let out = assert_cmd::Command::cargo_bin("sagescope")
        .expect("binary")
        .env("XDG_CACHE_HOME", home.path())
        .env("XDG_STATE_HOME", home.path())
        .args(["export", "jobs", "--demo", "--format", "script"])
        .output()
        .expect("runs");
    assert_eq!(out.status.code(), Some(2));
}
