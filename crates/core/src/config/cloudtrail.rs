//! `[cloudtrail]`: where who-created-what comes from beyond the stream's events: CloudTrail's
//! event history in each account-region (`lookup`), and an organization trail's table in
//! Athena (`athena_table`).

use serde::Deserialize;
use toml::Spanned;

use super::cur::S3Location;
use super::raw::NonEmpty;
use super::{AccountConfig, ConfigError};

/// `[cloudtrail]`: who created each resource, from CloudTrail.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct CloudTrailConfig {
    /// `lookup = true`: ask `cloudtrail:LookupEvents` in each account-region for the creators
    /// not known yet, within CloudTrail's 90 days, at most 2 requests a second per
    /// account-region (LookupEvents' quota), each creator once (a creation never changes).
    pub lookup: bool,
    /// `athena_table`: an organization trail already queryable in Athena, asked once per
    /// refresh for the creators still not known (any age the trail keeps).
    pub athena: Option<TrailTable>,
}

/// An organization trail's table in Athena, and where its queries run.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TrailTable {
    /// The Glue database and table (`athena_table = "database.table"`).
    pub database: String,
    pub table: String,
    /// The Athena workgroup (default `primary`).
    pub workgroup: String,
    /// `s3://…/` where Athena writes results; `None` uses the workgroup's.
    pub output_location: Option<String>,
    /// The `[[accounts]]` entry whose credentials run the query (default: the first).
    pub account: String,
    /// The workgroup's region; `None` is that account's first.
    pub region: Option<String>,
}

/// `[cloudtrail]` as written.
#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub(super) struct RawCloudTrail {
    pub lookup: Option<bool>,
    pub athena_table: Option<TableName>,
    pub workgroup: Option<NonEmpty>,
    pub output_location: Option<S3Location>,
    pub account: Option<Spanned<String>>,
    pub region: Option<super::raw::Region>,
}

/// `database.table`: two Glue names (letters, digits, `_`), as the trail's DDL made them.
#[derive(Debug, Clone, Deserialize)]
#[serde(try_from = "String")]
pub(super) struct TableName(pub String, pub String);

impl TryFrom<String> for TableName {
    type Error = String;
    fn try_from(s: String) -> Result<Self, Self::Error> {
        let glue = |part: &str| {
            !part.is_empty()
                && part.len() <= 255
                && part.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_')
        };
        match s.split_once('.') {
            Some((database, table)) if glue(database) && glue(table) => {
                Ok(TableName(database.to_string(), table.to_string()))
            }
            _ => Err(format!(
                "`{s}` is not `database.table` (Glue names: letters, digits and _)"
            )),
        }
    }
}

/// `[cloudtrail]` checked against the accounts; `at` points an error at a place in the file.
pub(super) fn from_raw(
    raw: Option<Spanned<RawCloudTrail>>,
    accounts: &[AccountConfig],
    at: &dyn Fn(usize, String, Option<String>) -> ConfigError,
) -> Result<CloudTrailConfig, ConfigError> {
    let Some(raw) = raw else {
        return Ok(CloudTrailConfig::default());
    };
    let span = raw.span();
    let raw = raw.into_inner();
    let athena = match raw.athena_table {
        None => None,
        Some(TableName(database, table)) => {
            let account = match raw.account {
                Some(spanned) => super::account_named(spanned, "cloudtrail.account", accounts, at)?,
                None => match accounts.first() {
                    Some(first) => first.name.clone(),
                    None => {
                        return Err(at(
                            span.start,
                            "[cloudtrail] athena_table needs an account to query with, and no \
                             [[accounts]] entry is configured"
                                .into(),
                            Some(
                                "set cloudtrail.account to the account of the trail's table".into(),
                            ),
                        ));
                    }
                },
            };
            Some(TrailTable {
                database,
                table,
                workgroup: raw.workgroup.map_or_else(|| "primary".to_string(), |w| w.0),
                output_location: raw.output_location.map(|o| o.0),
                account,
                region: raw.region.map(|r| r.0),
            })
        }
    };
    Ok(CloudTrailConfig {
        lookup: raw.lookup.unwrap_or(false),
        athena,
    })
}

#[cfg(test)]
mod tests {
    use std::path::Path;

    use crate::config::parse;

    #[test]
    fn the_trail_table_reads_with_defaults_and_a_bad_name_points_at_its_line() {
        let loaded = parse(
            "[[accounts]]\nname = \"audit\"\n[cloudtrail]\nathena_table = \"security.org_trail\"\n",
            Path::new("t.toml"),
        )
        .expect("valid");
        let table = loaded.config.cloudtrail.athena.expect("on");
        assert_eq!(
            (table.database.as_str(), table.table.as_str()),
            ("security", "org_trail")
        );
        assert_eq!(table.account, "audit");
        assert_eq!(table.workgroup, "primary");
        assert!(!loaded.config.cloudtrail.lookup);
        let err = parse(
            "[[accounts]]\nname = \"audit\"\n[cloudtrail]\nathena_table = \"org_trail\"\n",
            Path::new("t.toml"),
        )
        .expect_err("no database");
        let text = err.to_string();
        assert!(text.contains("t.toml:4:"), "{text}");
        assert!(text.contains("database.table"), "{text}");
        let err = parse(
            "[[accounts]]\nname = \"audit\"\n[cloudtrail]\nathena_table = \"a.b\"\naccount = \"nope\"\n",
            Path::new("t.toml"),
        )
        .expect_err("no such account");
        assert!(err.to_string().contains("nope"), "{err}");
    }
}
