//! `[cur]`: the CUR 2.0 table in Athena that prices each resource from the invoice's line
//! items (see [`sagescope_engine::cur`]).

use serde::Deserialize;
use toml::Spanned;

use super::raw::{Bounded, NonEmpty};
use super::{AccountConfig, ConfigError};

/// Where the CUR 2.0 export is queried, and how.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CurConfig {
    /// The Glue database and table of the CUR 2.0 export.
    pub database: String,
    pub table: String,
    /// The Athena workgroup the query runs in (its settings may fix the output location).
    pub workgroup: String,
    /// `s3://…/` where Athena writes the query's results; `None` uses the workgroup's.
    pub output_location: Option<String>,
    /// The `[[accounts]]` entry whose credentials run the query (the payer, usually).
    pub account: String,
    /// The region of the workgroup and the Glue catalog; `None` is the account's first.
    pub region: Option<String>,
    /// The column summed, `line_item_unblended_cost` unless set.
    pub cost_column: String,
    /// Answers are reused this long: each query is billed by the data it scans.
    pub ttl_hours: u32,
    /// How many days back the per-resource query sums.
    pub lookback_days: u32,
}

/// `[cur]` as written.
#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub(super) struct RawCur {
    pub database: Option<NonEmpty>,
    pub table: Option<NonEmpty>,
    pub workgroup: Option<NonEmpty>,
    pub output_location: Option<S3Location>,
    pub account: Option<Spanned<String>>,
    pub region: Option<super::raw::Region>,
    pub cost_column: Option<ColumnName>,
    pub ttl_hours: Option<Bounded<1, 168>>,
    pub lookback_days: Option<Bounded<1, { super::MAX_LOOKBACK_DAYS }>>,
}

/// `s3://bucket/prefix/`.
#[derive(Debug, Clone, Deserialize)]
#[serde(try_from = "String")]
pub(super) struct S3Location(pub String);

impl TryFrom<String> for S3Location {
    type Error = String;
    fn try_from(s: String) -> Result<Self, Self::Error> {
        if s.len() > "s3://".len() && s.starts_with("s3://") {
            Ok(S3Location(s))
        } else {
            Err(format!(
                "`{s}` is not an S3 location (expected s3://bucket/prefix/)"
            ))
        }
    }
}

/// A CUR column name: lower-case letters, digits and `_`, as CUR 2.0 names its columns.
#[derive(Debug, Clone, Deserialize)]
#[serde(try_from = "String")]
pub(super) struct ColumnName(pub String);

impl TryFrom<String> for ColumnName {
    type Error = String;
    fn try_from(s: String) -> Result<Self, Self::Error> {
        let shaped = !s.is_empty()
            && s.bytes()
                .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_');
        if shaped {
            Ok(ColumnName(s))
        } else {
            Err(format!(
                "`{s}` is not a CUR column name (e.g. line_item_unblended_cost, \
                 line_item_net_unblended_cost, pricing_public_on_demand_cost)"
            ))
        }
    }
}

/// `[cur]` checked against the accounts; `at` points an error at a place in the file.
pub(super) fn from_raw(
    raw: Spanned<RawCur>,
    accounts: &[AccountConfig],
    at: &dyn Fn(usize, String, Option<String>) -> ConfigError,
) -> Result<CurConfig, ConfigError> {
    let span = raw.span();
    let raw = raw.into_inner();
    let (Some(database), Some(table)) = (raw.database, raw.table) else {
        return Err(at(
            span.start,
            "[cur] needs `database` and `table`: the Glue database and table of the CUR 2.0 export"
                .into(),
            Some("database = \"billing\"\ntable = \"cur2\"".into()),
        ));
    };
    let account = match raw.account {
        Some(spanned) => super::account_named(spanned, "cur.account", accounts, at)?,
        None => {
            match accounts.first() {
                Some(first) => first.name.clone(),
                None => {
                    return Err(at(
                    span.start,
                    "[cur] needs an account to query with, and no [[accounts]] entry is configured"
                        .into(),
                    Some("add an [[accounts]] entry for the payer account and set cur.account".into()),
                ));
                }
            }
        }
    };
    let as_u32 = |n: i64| u32::try_from(n).unwrap_or(u32::MAX);
    Ok(CurConfig {
        database: database.0,
        table: table.0,
        workgroup: raw.workgroup.map_or_else(|| "primary".to_string(), |w| w.0),
        output_location: raw.output_location.map(|o| o.0),
        account,
        region: raw.region.map(|r| r.0),
        cost_column: raw
            .cost_column
            .map_or_else(|| "line_item_unblended_cost".to_string(), |c| c.0),
        ttl_hours: raw.ttl_hours.map_or(8, |n| as_u32(n.0)),
        lookback_days: raw.lookback_days.map_or(90, |n| as_u32(n.0)),
    })
}

#[cfg(test)]
mod tests {
    use std::path::Path;

    use crate::config::parse;

    fn err(text: &str) -> String {
        match parse(text, Path::new("t.toml")) {
            Ok(_) => panic!("expected an error for:\n{text}"),
            Err(err) => err.to_string(),
        }
    }

    #[test]
    fn cur_reads_with_defaults() {
        let loaded = parse(
            "[[accounts]]\nname = \"payer\"\n[cur]\ndatabase = \"billing\"\ntable = \"cur2\"\n",
            Path::new("t.toml"),
        )
        .expect("valid");
        let cur = loaded.config.cur.expect("on");
        assert_eq!(cur.account, "payer");
        assert_eq!(cur.workgroup, "primary");
        assert_eq!(cur.cost_column, "line_item_unblended_cost");
        assert_eq!((cur.ttl_hours, cur.lookback_days), (8, 90));
        assert_eq!(cur.output_location, None);
        assert_eq!(
            parse("", Path::new("t.toml")).expect("valid").config.cur,
            None
        );
    }

    #[test]
    fn spend_from_the_cur_needs_the_cur() {
        let e = err("[spend]\nsource = \"cur\"\n");
        assert!(e.starts_with("t.toml:2:10:"), "{e}");
        assert!(e.contains("needs a [cur] section"), "{e}");
        let e = err("[spend]\nsource = \"athena\"\n");
        assert!(e.starts_with("t.toml:2:10:"), "{e}");
        let loaded = parse(
            "[spend]\nsource = \"cur\"\n[cur]\ndatabase = \"b\"\ntable = \"t\"\n",
            Path::new("t.toml"),
        )
        .expect("valid");
        assert_eq!(
            loaded.config.spend.source,
            crate::config::SpendSourceKind::Cur
        );
    }

    #[test]
    fn cur_mistakes_point_at_the_value() {
        let e = err(
            "[[accounts]]\nname = \"dev\"\n[cur]\ndatabase = \"b\"\ntable = \"t\"\naccount = \"payer\"\n",
        );
        assert!(e.starts_with("t.toml:6:11:"), "{e}");
        assert!(e.contains("use one of: dev"), "{e}");
        let e = err("[cur]\ndatabase = \"b\"\ntable = \"t\"\ncost_column = \"cost; DROP\"\n");
        assert!(e.starts_with("t.toml:4:15:"), "{e}");
        assert!(e.contains("not a CUR column name"), "{e}");
        let e = err("[cur]\ndatabase = \"b\"\ntable = \"t\"\noutput_location = \"bucket/x\"\n");
        assert!(e.starts_with("t.toml:4:19:"), "{e}");
        let e = err("[cur]\ndatabase = \"b\"\ntable = \"t\"\nttl_hours = 0\n");
        assert!(e.starts_with("t.toml:4:13:"), "{e}");
        let e = err("[cur]\ntable = \"t\"\n");
        assert!(e.starts_with("t.toml:1:1:"), "{e}");
        assert!(e.contains("needs `database` and `table`"), "{e}");
        let e = err("[cur]\ndatabase = \"b\"\ntable = \"t\"\nregion = \"useast1\"\n");
        assert!(e.starts_with("t.toml:4:10:"), "{e}");
    }
}
