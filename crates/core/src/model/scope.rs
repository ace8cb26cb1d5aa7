//! The unit a refresh lists, fills in, stores and streams to the UI.

use std::fmt;

use super::{Job, ResourceKind};

/// One (account, region, kind): the unit a refresh lists, fills in and stores.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct ScopeKey {
    /// The account's configured name.
    pub account: String,
    pub region: String,
    pub kind: ResourceKind,
}

impl ScopeKey {
    pub fn of(job: &Job) -> ScopeKey {
        ScopeKey {
            account: job.account_name.to_string(),
            region: job.region.to_string(),
            kind: job.kind,
        }
    }

    /// Whether `job` belongs to this scope.
    pub fn holds(&self, job: &Job) -> bool {
        job.kind == self.kind && job.region == self.region && job.account_name == self.account
    }
}

impl fmt::Display for ScopeKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} {} {}", self.account, self.region, self.kind)
    }
}
