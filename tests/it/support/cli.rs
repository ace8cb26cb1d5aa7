//! The sagescope binary against moto, isolated from the developer's AWS files, config, cache
//! and logs; every moto test file takes its command from here.

use std::path::Path;

use assert_cmd::Command;
use serde_json::Value;

/// A sagescope command against `endpoint`, with a home of its own under `home`. SDK retries
/// are off (`AWS_MAX_ATTEMPTS=1`): moto never throttles unless told to.
pub fn sagescope(home: &Path, endpoint: &str) -> Command {
    Command::from_std(isolated(
        &assert_cmd::cargo::cargo_bin("sagescope"),
        home,
        endpoint,
    ))
}

/// `program` (a sagescope binary) against `endpoint`, isolated from the developer's AWS
/// files, config, cache and logs, with a home of its own under `home` and dummy keys; the
/// tests and the fetch benchmark run it the same way.
pub fn isolated(program: &Path, home: &Path, endpoint: &str) -> std::process::Command {
    let aws = home.join("aws");
    std::fs::create_dir_all(&aws).expect("aws dir");
    let config = aws.join("config");
    if !config.exists() {
        // A profile with a region but no credentials: an account that cannot be reached.
        std::fs::write(&config, "[profile nocreds]\nregion = us-east-1\n").expect("aws config");
    }
    let mut cmd = std::process::Command::new(program);
    for var in [
        "AWS_PROFILE",
        "AWS_DEFAULT_PROFILE",
        "AWS_SESSION_TOKEN",
        "AWS_DEFAULT_REGION",
        "AWS_RETRY_MODE",
        "SAGESCOPE_CONFIG",
        "SAGESCOPE_LOG",
        "MOTO_ACCOUNT_ID",
    ] {
        cmd.env_remove(var);
    }
    cmd.env("HOME", home)
        .env("XDG_CONFIG_HOME", home.join("config"))
        .env("XDG_CACHE_HOME", home.join("cache"))
        .env("XDG_STATE_HOME", home.join("state"))
        .env("AWS_CONFIG_FILE", &config)
        .env("AWS_SHARED_CREDENTIALS_FILE", aws.join("credentials"))
        .env("AWS_ENDPOINT_URL", endpoint)
        .env("AWS_ACCESS_KEY_ID", "testing")
        .env("AWS_SECRET_ACCESS_KEY", "testing")
        .env("AWS_REGION", "us-east-1")
        .env("AWS_MAX_ATTEMPTS", "1")
        .env("AWS_EC2_METADATA_DISABLED", "true");
    cmd
}

/// Runs `cmd` and parses stdout as JSON: (exit code, document, stderr).
pub fn run_json(cmd: &mut Command) -> (i32, Value, String) {
    let out = cmd.output().expect("runs");
    let stderr = String::from_utf8_lossy(&out.stderr).into_owned();
    let doc = serde_json::from_slice(&out.stdout)
        .unwrap_or_else(|e| panic!("stdout is not JSON ({e}); stderr:\n{stderr}"));
    (out.status.code().unwrap_or(-1), doc, stderr)
}

/// Writes `sagescope.toml` under `home` for one account (`main`, us-east-1, the default
/// credentials) followed by `extra` (more sections), and answers its path.
pub fn one_account_config(home: &Path, extra: &str) -> String {
    let path = home.join("sagescope.toml");
    std::fs::write(
        &path,
        format!("[[accounts]]\nname = \"main\"\nregions = [\"us-east-1\"]\n\n{extra}"),
    )
    .expect("config");
    path.to_string_lossy().into_owned()
}

/// Writes `sagescope.toml` under `home` for an organization as the AWS tests build it: the
/// default account as `main` and each of `members` as `m<id>` through its role, all in
/// us-east-1 and eu-west-1, with the cache in `home`, followed by `extra` (more sections);
/// answers its path.
pub fn organization_config(home: &Path, members: &[impl AsRef<str>], extra: &str) -> String {
    let mut text =
        String::from("[[accounts]]\nname = \"main\"\nregions = [\"us-east-1\", \"eu-west-1\"]\n\n");
    for account in members {
        let account = account.as_ref();
        text.push_str(&format!(
            "[[accounts]]\nname = \"m{account}\"\nrole_arn = \"{}\"\n\
             regions = [\"us-east-1\", \"eu-west-1\"]\n\n",
            super::moto::role(account)
        ));
    }
    text.push_str(&format!(
        "[cache]\npath = \"{}\"\n\n{extra}",
        home.join("cache.db").display()
    ));
    let path = home.join("sagescope.toml");
    std::fs::write(&path, text).expect("config");
    path.to_string_lossy().into_owned()
}

/// The row named `name` in an export document's `rows`.
pub fn row<'a>(doc: &'a Value, name: &str) -> &'a Value {
    doc["rows"]
        .as_array()
        .expect("rows")
        .iter()
        .find(|r| r["name"] == name)
        .unwrap_or_else(|| panic!("no row {name} in {doc}"))
}

/// `sagescope export ARGS --config CONFIG` against `endpoint`: (exit code, document, stderr).
pub fn export(home: &Path, endpoint: &str, config: &str, args: &[&str]) -> (i32, Value, String) {
    let mut cmd = sagescope(home, endpoint);
    cmd.args(["export"]).args(args).args(["--config", config]);
    run_json(&mut cmd)
}

/// The `name` of every row of an export document, in order.
pub fn names(doc: &Value) -> Vec<&str> {
    doc["rows"]
        .as_array()
        .expect("rows")
        .iter()
        .map(|r| r["name"].as_str().expect("name"))
        .collect()
}
