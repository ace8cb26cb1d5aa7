//! Config parsing against the fixtures under tests/fixtures/config and the shipped example.

use std::path::{Path, PathBuf};

use sagescope::config::{self, ConfigError, Theme};

fn fixture(kind: &str, name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures/config")
        .join(kind)
        .join(name)
}

fn load(path: &Path) -> Result<config::LoadedConfig, ConfigError> {
    config::load(Some(path))
}

#[test]
fn the_shipped_example_parses_without_warnings_and_sets_every_section() {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("config.example.toml");
    let loaded = load(&path).expect("config.example.toml is valid");
    assert!(loaded.warnings.is_empty(), "{:?}", loaded.warnings);
    let c = loaded.config;
    assert_eq!(c.accounts.len(), 2);
    assert_eq!(c.accounts[0].regions, vec!["us-east-1", "eu-west-1"]);
    assert_eq!(c.accounts[0].account_id_hint(), Some("222222222222"));
    assert_eq!(c.spend_account().map(|a| a.name.as_str()), Some("payer"));
    assert_eq!(
        c.tags.policy.allowed["environment"],
        vec!["dev", "staging", "production"]
    );
    assert_eq!(c.ui.theme, Theme::Dark);
    assert_eq!(c.budgets.len(), 1);
    assert_eq!(c.refresh.requests_per_second, 2.0);
}

#[test]
fn valid_fixtures_parse() {
    let minimal = load(&fixture("valid", "minimal.toml")).expect("valid");
    assert_eq!(minimal.config.accounts.len(), 1);
    assert!(
        minimal.config.accounts[0].regions.is_empty(),
        "no regions means the SDK default"
    );

    let multi = load(&fixture("valid", "multi_account.toml")).expect("valid");
    assert_eq!(multi.config.tags.policy.mandatory, vec!["team"]);
    assert_eq!(multi.config.spend.group_by, "team");
    assert_eq!(
        multi.config.spend_account().map(|a| a.name.as_str()),
        Some("prod")
    );
}

#[test]
fn invalid_fixtures_name_file_line_and_column() {
    let cases = [
        ("regions_not_a_list.toml", ":3:11:", "expected a sequence"),
        ("bad_role_arn.toml", ":3:12:", "not an IAM role ARN"),
        (
            "unknown_spend_account.toml",
            ":5:11:",
            "not the name of any [[accounts]]",
        ),
        ("negative_interval.toml", ":2:16:", "from 5 to 86400"),
        ("not_toml.toml", ":1:", ""),
        ("bad_theme.toml", ":2:9:", "unknown variant"),
    ];
    for (name, location, text) in cases {
        let path = fixture("invalid", name);
        let err = match load(&path) {
            Ok(_) => panic!("{name} should be rejected"),
            Err(err) => err.to_string(),
        };
        let expected_prefix = format!("{}{}", path.display(), location);
        assert!(err.starts_with(&expected_prefix), "{name}: {err}");
        assert!(err.contains(text), "{name}: {err}");
    }
}

#[test]
fn an_explicit_path_that_does_not_exist_is_an_error() {
    let err = load(Path::new("/nonexistent/sagescope.toml")).expect_err("missing file");
    assert!(matches!(err, ConfigError::Read { .. }), "{err}");
}
