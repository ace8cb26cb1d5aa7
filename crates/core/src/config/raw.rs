//! The config file exactly as written, before cross-field checks.
//!
//! Single-value rules live in `try_from` newtypes, so toml reports them with the span of the
//! offending value; rules that relate two places (an account name used by `spend.account`) keep
//! `Spanned` values so the error can still point at the right line.

use std::collections::BTreeMap;

use serde::Deserialize;
use toml::Spanned;

use super::{CostMetric, Granularity, Theme};

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub(super) struct RawConfig {
    pub accounts: Vec<RawAccount>,
    pub tags: RawTags,
    pub spend: RawSpend,
    pub refresh: RawRefresh,
    pub health: RawHealth,
    pub ui: RawUi,
    pub cache: RawCache,
    pub budgets: Vec<RawBudget>,
    pub organization: Option<Spanned<RawOrganization>>,
    pub alerts: RawAlerts,
    pub events: RawEvents,
    pub me: Option<Spanned<RawMe>>,
    pub cur: Option<Spanned<super::cur::RawCur>>,
    pub stream: Option<Spanned<super::stream::RawStream>>,
    pub cloudtrail: Option<Spanned<super::cloudtrail::RawCloudTrail>>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub(super) struct RawOrganization {
    pub discover: bool,
    pub role_name: Option<NonEmpty>,
    pub ous: Vec<ParentId>,
    pub exclude: Vec<NonEmpty>,
    pub regions: Option<Regions>,
    pub external_id: Option<NonEmpty>,
    pub profile: Option<NonEmpty>,
    pub ttl_hours: Option<Bounded<1, 720>>,
}

/// An organizational unit (`ou-…`) or the root (`r-…`), as Organizations spells their ids.
#[derive(Debug, Deserialize)]
#[serde(try_from = "String")]
pub(super) struct ParentId(pub String);

impl TryFrom<String> for ParentId {
    type Error = String;
    fn try_from(s: String) -> Result<Self, Self::Error> {
        let shaped = (s.starts_with("ou-") || s.starts_with("r-"))
            && s.len() > 3
            && s.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-');
        if shaped {
            Ok(ParentId(s))
        } else {
            Err(format!(
                "`{s}` is not an organizational unit id (ou-xxxx-xxxxxxxx) or a root id (r-xxxx)"
            ))
        }
    }
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub(super) struct RawAlerts {
    /// Checked against the event names in `Config::from_raw`, which can point at the entry.
    pub events: Option<Vec<Spanned<String>>>,
    pub bell: Option<bool>,
    pub notify: Option<bool>,
    pub command: Option<Spanned<Vec<String>>>,
    pub command_timeout_seconds: Option<Bounded<1, 600>>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub(super) struct RawEvents {
    pub retention_days: Option<Bounded<1, 3_650>>,
}

#[derive(Debug, Deserialize)]
pub(super) struct RawAccount {
    pub name: Spanned<NonEmpty>,
    pub role_arn: Option<RoleArn>,
    pub profile: Option<NonEmpty>,
    pub external_id: Option<NonEmpty>,
    pub regions: Option<Regions>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub(super) struct RawTags {
    pub mandatory: Option<Vec<NonEmpty>>,
    pub allowed: BTreeMap<String, NonEmptyList>,
    pub ttl_hours: Option<Bounded<1, 720>>,
    pub search: Option<bool>,
    pub from_organization: Option<bool>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub(super) struct RawSpend {
    pub group_by: Option<NonEmpty>,
    pub lookback_days: Option<Bounded<1, { super::MAX_LOOKBACK_DAYS }>>,
    pub account: Option<Spanned<String>>,
    pub metric: Option<CostMetric>,
    pub granularity: Option<Granularity>,
    pub ttl_hours: Option<Bounded<1, 168>>,
    pub all_services: Option<bool>,
    pub resource_costs: Option<bool>,
    pub source: Option<Spanned<super::SpendSourceKind>>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub(super) struct RawRefresh {
    pub jobs_seconds: Option<Bounded<5, 86_400>>,
    pub metrics_seconds: Option<Bounded<30, 86_400>>,
    pub max_concurrency: Option<Bounded<1, 64>>,
    pub requests_per_second: Option<Rate>,
    pub account_requests_per_second: Option<Bounded<1, 200>>,
    pub deadline_seconds: Option<Bounded<10, 3_600>>,
    pub reconcile_minutes: Option<Bounded<1, 1_440>>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub(super) struct RawHealth {
    pub underutilized_pct: Option<Bounded<0, 100>>,
    pub max_hours: Option<Bounded<1, 8_760>>,
    pub app_idle_hours: Option<Bounded<1, 8_760>>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub(super) struct RawUi {
    pub theme: Option<Theme>,
    pub stale_after_minutes: Option<Bounded<1, 10_080>>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub(super) struct RawCache {
    pub path: Option<NonEmpty>,
}

/// `[me]`: who "mine" is (the `M` key, `--mine`).
#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub(super) struct RawMe {
    pub owner: Vec<NonEmpty>,
    pub owner_key: Option<NonEmpty>,
    pub studio_user_profiles: Vec<NonEmpty>,
    pub principals: Vec<NonEmpty>,
}

#[derive(Debug, Deserialize)]
pub(super) struct RawBudget {
    pub tag_key: NonEmpty,
    pub tag_value: String,
    pub monthly_usd: PositiveUsd,
}

/// A string that must not be blank.
#[derive(Debug, Clone, Deserialize)]
#[serde(try_from = "String")]
pub(super) struct NonEmpty(pub String);

impl TryFrom<String> for NonEmpty {
    type Error = String;
    fn try_from(s: String) -> Result<Self, Self::Error> {
        if s.trim().is_empty() {
            Err("must not be empty".into())
        } else {
            Ok(NonEmpty(s))
        }
    }
}

/// A list that must name at least one value.
#[derive(Debug, Clone, Deserialize)]
#[serde(try_from = "Vec<String>")]
pub(super) struct NonEmptyList(pub Vec<String>);

impl TryFrom<Vec<String>> for NonEmptyList {
    type Error = String;
    fn try_from(values: Vec<String>) -> Result<Self, Self::Error> {
        if values.is_empty() {
            Err(
                "the list of allowed values must not be empty (remove the key to allow any value)"
                    .into(),
            )
        } else {
            Ok(NonEmptyList(values))
        }
    }
}

/// An IAM role ARN, checked for shape so a typo fails here rather than as a confusing STS error.
#[derive(Debug, Clone, Deserialize)]
#[serde(try_from = "String")]
pub(super) struct RoleArn(pub String);

impl TryFrom<String> for RoleArn {
    type Error = String;
    fn try_from(s: String) -> Result<Self, Self::Error> {
        let parts: Vec<&str> = s.splitn(6, ':').collect();
        let well_formed = parts.len() == 6
            && parts[0] == "arn"
            && parts[1].starts_with("aws")
            && parts[2] == "iam"
            && parts[4].len() == 12
            && parts[4].bytes().all(|b| b.is_ascii_digit())
            && parts[5].starts_with("role/")
            && parts[5].len() > "role/".len();
        if well_formed {
            Ok(RoleArn(s))
        } else {
            Err(format!(
                "`{s}` is not an IAM role ARN (expected arn:aws:iam::<12-digit account>:role/<name>)"
            ))
        }
    }
}

/// A non-empty list of AWS region codes such as `eu-west-1`.
#[derive(Debug, Clone, Deserialize)]
#[serde(try_from = "Vec<String>")]
pub(super) struct Regions(pub Vec<String>);

impl TryFrom<Vec<String>> for Regions {
    type Error = String;
    fn try_from(regions: Vec<String>) -> Result<Self, Self::Error> {
        if regions.is_empty() {
            return Err("regions must name at least one region (or leave the key out to use the default region)".into());
        }
        if let Some(bad) = regions.iter().find(|r| !looks_like_region(r)) {
            return Err(format!(
                "`{bad}` is not an AWS region code (expected something like `us-east-1`)"
            ));
        }
        Ok(Regions(regions))
    }
}

/// One AWS region code such as `eu-west-1`.
#[derive(Debug, Clone, Deserialize)]
#[serde(try_from = "String")]
pub(super) struct Region(pub String);

impl TryFrom<String> for Region {
    type Error = String;
    fn try_from(region: String) -> Result<Self, Self::Error> {
        if looks_like_region(&region) {
            Ok(Region(region))
        } else {
            Err(format!(
                "`{region}` is not an AWS region code (expected something like `us-east-1`)"
            ))
        }
    }
}

/// `xx-name-N`, `xx-gov-name-N` and friends: lower-case words then a number.
pub fn looks_like_region(region: &str) -> bool {
    let parts: Vec<&str> = region.split('-').collect();
    parts.len() >= 3
        && parts[..parts.len() - 1]
            .iter()
            .all(|p| !p.is_empty() && p.bytes().all(|b| b.is_ascii_lowercase()))
        && parts
            .last()
            .is_some_and(|n| !n.is_empty() && n.bytes().all(|b| b.is_ascii_digit()))
}

/// An integer within `MIN..=MAX`.
#[derive(Debug, Clone, Copy, Deserialize)]
#[serde(try_from = "i64")]
pub(super) struct Bounded<const MIN: i64, const MAX: i64>(pub i64);

impl<const MIN: i64, const MAX: i64> TryFrom<i64> for Bounded<MIN, MAX> {
    type Error = String;
    fn try_from(n: i64) -> Result<Self, Self::Error> {
        if (MIN..=MAX).contains(&n) {
            Ok(Bounded(n))
        } else {
            Err(format!(
                "{n} is out of range: use a whole number from {MIN} to {MAX}"
            ))
        }
    }
}

/// Requests per second, above zero and at most what SageMaker allows.
#[derive(Debug, Clone, Copy, Deserialize)]
#[serde(try_from = "f64")]
pub(super) struct Rate(pub f64);

impl TryFrom<f64> for Rate {
    type Error = String;
    fn try_from(n: f64) -> Result<Self, Self::Error> {
        if n > 0.0 && n <= 10.0 {
            Ok(Rate(n))
        } else {
            Err(format!(
                "{n} is out of range: use a number above 0 and at most 10 (SageMaker allows about 2 per second)"
            ))
        }
    }
}

/// A positive dollar amount.
#[derive(Debug, Clone, Copy, Deserialize)]
#[serde(try_from = "f64")]
pub(super) struct PositiveUsd(pub f64);

impl TryFrom<f64> for PositiveUsd {
    type Error = String;
    fn try_from(n: f64) -> Result<Self, Self::Error> {
        if n.is_finite() && n > 0.0 {
            Ok(PositiveUsd(n))
        } else {
            Err(format!("{n} is not a positive amount of US dollars"))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    proptest::proptest! {
        #![proptest_config(proptest::prelude::ProptestConfig::with_cases(256))]

        /// Any text: a role ARN or a message naming it, never a panic; a well-formed role
        /// ARN is accepted as written.
        #[test]
        fn any_text_is_a_role_arn_or_an_error(
            text in "arn:aws[a-z-]{0,4}:iam::[0-9]{10,13}:role/\\PC{0,12}|\\PC{0,40}",
        ) {
            match RoleArn::try_from(text.clone()) {
                Ok(arn) => proptest::prop_assert_eq!(arn.0, text),
                Err(message) => proptest::prop_assert!(message.contains(&text)),
            }
        }

        #[test]
        fn a_well_formed_role_arn_is_accepted(account in "[0-9]{12}", name in "[A-Za-z0-9+=,.@_/-]{1,64}") {
            let arn = format!("arn:aws:iam::{account}:role/{name}");
            proptest::prop_assert!(RoleArn::try_from(arn).is_ok());
        }
    }

    #[test]
    fn region_shapes() {
        for ok in ["us-east-1", "eu-west-1", "us-gov-west-1", "ap-southeast-2"] {
            assert!(looks_like_region(ok), "{ok}");
        }
        for bad in ["us-east", "US-EAST-1", "useast1", "", "us--1", "us-east-x"] {
            assert!(!looks_like_region(bad), "{bad}");
        }
    }

    #[test]
    fn role_arn_shapes() {
        assert!(RoleArn::try_from("arn:aws:iam::222222222222:role/Read".to_string()).is_ok());
        assert!(RoleArn::try_from("arn:aws:iam::2222:role/Read".to_string()).is_err());
        assert!(RoleArn::try_from("arn:aws:iam::222222222222:user/bob".to_string()).is_err());
        assert!(RoleArn::try_from("role/Read".to_string()).is_err());
    }
}
