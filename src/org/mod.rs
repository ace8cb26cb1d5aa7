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

/// The OU of each account (by name), where discovery knows it.
pub type AccountUnits = std::collections::BTreeMap<String, OrgUnit>;

/// One account as Organizations lists it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct OrgAccount {
    pub id: String,
    pub name: String,
    /// `ACTIVE`, `SUSPENDED`, `PENDING_CLOSURE`: only ACTIVE accounts are read.
    pub status: String,
    /// The OU (or root) the account sits directly under, for the account picker's OU
    /// filter; `None` in a discovery cached before it was recorded.
    #[serde(default)]
    pub parent: Option<OrgUnit>,
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
    /// Requests it took, for the refresh's request count.
    #[serde(skip)]
    pub requests: usize,
}

/// Why Organizations could not be read, already in words a user can act on.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0}")]
pub struct OrgError(pub String);

/// Reads the organization's accounts. The AWS implementation lives in `crate::aws`.
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
