//! Accounts discovered from AWS Organizations.
//!
//! Teams add accounts every month; writing each into `[[accounts]]` by hand does not keep up.
//! With `[organization] discover = true`, every ACTIVE account of the organization (or of the
//! configured OUs) is read through `role_name`, beside the explicit entries, which win on
//! conflicts. The list is cached with a TTL (`cache.rs`) so a refresh usually costs no
//! Organizations request at all, and an account whose role cannot be assumed is one error
//! row, never a failed run (the engine already treats each account on its own).

mod cache;
mod resolve;
pub mod tag_policy;

use futures::future::BoxFuture;
use serde::{Deserialize, Serialize};

pub use resolve::{Resolved, cached_units, resolve};

/// Where discovery placed each account (by name).
pub type AccountUnits = std::collections::BTreeMap<String, Placement>;

/// A discovered account's id and OU path: the picker narrows by the path, and Spend asks
/// Cost Explorer about the id (an account with no SageMaker rows has no other source of it).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Placement {
    pub id: String,
    pub path: UnitPath,
}

/// The names of the accounts in the subtree of the OU `unit` says (by id or by name): an OU
/// means every account under it, however deep, as `ous = [...]` discovery does.
pub fn accounts_under(
    units: &AccountUnits,
    unit: impl Fn(&OrgUnit) -> bool,
) -> std::collections::BTreeSet<String> {
    units
        .iter()
        .filter(|(_, placed)| placed.path.0.iter().any(&unit))
        .map(|(name, _)| name.clone())
        .collect()
}

/// One account as Organizations lists it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct OrgAccount {
    pub id: String,
    pub name: String,
    /// `ACTIVE`, `SUSPENDED`, `PENDING_CLOSURE`: only ACTIVE accounts are read.
    pub status: String,
    /// The OUs above the account, for the account picker's OU filter. A discovery cached
    /// before paths were recorded has `parent` (the direct OU alone) instead: read as a path
    /// of one.
    #[serde(default, alias = "parent", deserialize_with = "path_or_parent")]
    pub path: UnitPath,
}

/// The OUs above an account, from the top of the walk (a root, or a configured OU) down to
/// the one it sits directly under.
#[derive(Debug, Clone, Default, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
pub struct UnitPath(pub Vec<OrgUnit>);

impl UnitPath {
    /// The OU (or root) the account sits directly under.
    pub fn parent(&self) -> Option<&OrgUnit> {
        self.0.last()
    }

    /// The path down to `unit`, the deeper `unit` (a child OU) appended.
    pub fn child(&self, unit: OrgUnit) -> UnitPath {
        let mut path = self.0.clone();
        path.push(unit);
        UnitPath(path)
    }

    /// Each OU along the path with the path down to it: `ml`, then `ml / vision`.
    pub fn prefixes(&self) -> impl Iterator<Item = UnitPath> + '_ {
        (1..=self.0.len()).map(|n| UnitPath(self.0[..n].to_vec()))
    }

    /// `ml / vision`: the names from the top down, a root left out when OUs follow it (every
    /// path of the organization starts there, so it says nothing).
    pub fn label(&self) -> String {
        let below_root = match self.0.split_first() {
            Some((root, rest)) if root.id.starts_with("r-") && !rest.is_empty() => rest,
            _ => &self.0[..],
        };
        below_root
            .iter()
            .map(|u| u.name.as_str())
            .collect::<Vec<_>>()
            .join(" / ")
    }
}

/// A path as written now (a list), or a parent as an earlier version wrote it (one OU, or
/// null).
fn path_or_parent<'de, D: serde::Deserializer<'de>>(d: D) -> Result<UnitPath, D::Error> {
    #[derive(Deserialize)]
    #[serde(untagged)]
    enum Written {
        Path(Vec<OrgUnit>),
        Parent(Option<OrgUnit>),
    }
    Ok(match Written::deserialize(d)? {
        Written::Path(units) => UnitPath(units),
        Written::Parent(parent) => UnitPath(parent.into_iter().collect()),
    })
}

/// An organizational unit or root, by id and name.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
pub struct OrgUnit {
    pub id: String,
    pub name: String,
}

/// What one discovery found: the accounts, and the management account (Cost Explorer for the
/// whole organization lives there, so it is listed first).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Discovery {
    pub accounts: Vec<OrgAccount>,
    pub management_account_id: Option<String>,
    /// Whether each account's whole OU path was recorded; a discovery cached by an earlier
    /// version knows direct OUs only, and is discovered again (within its TTL too) so an OU
    /// choice covers its sub-OUs.
    #[serde(default)]
    pub paths: bool,
    /// Requests it took, for the refresh's request count.
    #[serde(skip)]
    pub requests: usize,
}

/// Why Organizations could not be read, already in words a user can act on.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0}")]
pub struct OrgError(pub String);

/// Reads the organization's accounts. The AWS implementation lives in `sagescope_aws`.
pub trait OrganizationSource: Send + Sync {
    /// Every account of the organization when `parents` is empty, else the accounts under
    /// those OUs or roots, recursively.
    fn discover<'a>(&'a self, parents: &'a [String]) -> BoxFuture<'a, Result<Discovery, OrgError>>;

    /// The JSON text of the tag policy in effect for `account_id`
    /// (`DescribeEffectivePolicy`, TAG_POLICY), `None` when no tag policy applies to it.
    fn effective_tag_policy<'a>(
        &'a self,
        account_id: &'a str,
    ) -> BoxFuture<'a, Result<Option<String>, OrgError>>;
}
