//! Who created, stopped or deleted a SageMaker resource, read from CloudTrail's record of the
//! API call.
//!
//! Tags say who owns a resource only when someone set them; CloudTrail records the principal
//! behind every call whatever the tags say. The same record reaches sagescope three ways:
//! `LookupEvents` hands it over as the JSON string `Events[].CloudTrailEvent`, an Athena table
//! over an organization trail gives it as a row, and an EventBridge rule on `aws.sagemaker`
//! writes it to the stream's log group as the `detail` of an "AWS API Call via CloudTrail"
//! event. [`decode_record`] reads the record itself, [`decode_eventbridge`] the log group's
//! message around it; both give an [`Attribution`], `None` for a record that attributes
//! nothing (a read, a call this module does not track, a call that failed), or the same
//! [`Skip`] the stream's decoder gives, so the caller counts both kinds of bad input alike.
//!
//! A record is data from outside: anyone who can call AssumeRole chooses a session name, and
//! anyone who can write to the log group chooses every byte. So the decoder reads
//! defensively, like the stream's: the fields an attribution cannot do without must be right,
//! strings are bounded (a name, principal or ARN longer than AWS allows is not AWS's) but
//! otherwise kept as given (the display code makes escape sequences visible), and nothing in
//! a record is trusted for more than display and matching.
//!
//! Pure: no I/O and no clock.

mod decode;
#[cfg(test)]
mod tests;

use std::fmt;

use chrono::{DateTime, Utc};

use crate::model::{AttributionSource, CallBy, Creator, ResourceKind};

pub use crate::stream::Skip;
pub use decode::{decode_eventbridge, decode_record, event_names};

/// The longest resource name kept (SageMaker allows 63 characters, an app's name as sagescope
/// spells it a few more); a longer one is a forged record.
pub const MAX_NAME_CHARS: usize = 256;
/// The longest principal kept, as displayed (IAM's names and session names are at most 64
/// characters).
pub const MAX_PRINCIPAL_CHARS: usize = 512;
/// The longest ARN kept (SageMaker's API limit).
pub const MAX_ARN_CHARS: usize = 2048;

/// Which kind of call a record is about.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Action {
    /// `Create*`: who to ask about the resource.
    Create,
    /// `Stop*` (`StopPipelineExecution` included).
    Stop,
    /// `Delete*`.
    Delete,
}

impl Action {
    /// The stable spelling used in exports and the cache.
    pub fn as_str(self) -> &'static str {
        match self {
            Action::Create => "create",
            Action::Stop => "stop",
            Action::Delete => "delete",
        }
    }
}

impl fmt::Display for Action {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Who made a call, as the record's `userIdentity` says.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Identity {
    /// An IAM Identity Center (SSO) user working through a permission set: the call is made
    /// by the role `AWSReservedSSO_<permission set>_<hex>` that Identity Center provisions
    /// under `/aws-reserved/sso.amazonaws.com/`, and the role session is named after the user.
    SsoUser {
        user: String,
        permission_set: String,
    },
    /// Any other assumed role: automation, or people whose session name says who they are.
    AssumedRole { role: String, session: String },
    /// An IAM user (the last part of its ARN, without the path).
    IamUser { name: String },
    /// The account's root user.
    Root,
    /// An AWS service calling on the account's behalf (`invokedBy`), such as SageMaker
    /// starting the training jobs of a tuning job.
    Service { service: String },
    /// Credentials from STS `GetFederationToken`.
    FederatedUser { name: String },
    /// A request made directly on behalf of an Identity Center user: the record names only
    /// the user's id in the identity store, not the user.
    IdentityCenterUser { user_id: String },
    /// Any other `type` (`SAMLUser`, `WebIdentityUser`, `AWSAccount`, `Unknown`, ...), with
    /// the record's `userName` or `principalId` when it has one.
    Other { kind: String, name: Option<String> },
}

/// Who made a call: the identity shown, with what the record says besides.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Principal {
    pub identity: Identity,
    /// `userIdentity.arn` as given (an STS ARN for a role session), when it reads as an ARN.
    pub arn: Option<String>,
    /// `userIdentity.accountId`: the account that owns the user or role, which is not always
    /// the resource's.
    pub account_id: Option<String>,
}

impl Principal {
    /// The name a person is known by: the SSO user, the role session, the IAM or federated
    /// user, the Identity Center user id. `None` for the root user and services, and role
    /// names are not it (everyone who assumes a role shares its name).
    pub fn person(&self) -> Option<&str> {
        match &self.identity {
            Identity::SsoUser { user, .. } => Some(user.as_str()),
            Identity::AssumedRole { session, .. } => Some(session.as_str()),
            Identity::IamUser { name } | Identity::FederatedUser { name } => Some(name.as_str()),
            Identity::IdentityCenterUser { user_id } => Some(user_id.as_str()),
            Identity::Other { name, .. } => name.as_deref(),
            Identity::Root | Identity::Service { .. } => None,
        }
    }

    /// The call as a row keeps it: shown, matched, timed and sourced.
    pub fn call(&self, at: DateTime<Utc>, source: AttributionSource) -> CallBy {
        CallBy {
            who: self.to_string(),
            person: self.person().map(str::to_string),
            arn: self.arn.clone(),
            role: match &self.identity {
                Identity::AssumedRole { role, .. } => Some(role.clone()),
                _ => None,
            },
            at,
            source,
        }
    }
}

impl fmt::Display for Principal {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.identity {
            Identity::SsoUser { user, .. } => f.write_str(user),
            Identity::AssumedRole { role, session } => {
                write!(f, "role/{role} (session {session})")
            }
            Identity::IamUser { name } => write!(f, "user/{name}"),
            Identity::Root => f.write_str("root"),
            Identity::Service { service } => write!(f, "service {service}"),
            Identity::FederatedUser { name } => write!(f, "federated-user/{name}"),
            Identity::IdentityCenterUser { user_id } => {
                write!(f, "identity-center-user/{user_id}")
            }
            Identity::Other { kind, name: None } => f.write_str(kind),
            Identity::Other {
                kind,
                name: Some(name),
            } => write!(f, "{kind}/{name}"),
        }
    }
}

/// Who created, stopped or deleted one resource, by one CloudTrail record.
#[derive(Debug, Clone, PartialEq)]
pub struct Attribution {
    /// The record's `eventID`: the same call read from `LookupEvents`, Athena and the stream
    /// carries the same id.
    pub event_id: String,
    /// The record's `eventTime`.
    pub time: DateTime<Utc>,
    /// The account the call was made in (`recipientAccountId`): the resource's account.
    pub account_id: String,
    /// `awsRegion`.
    pub region: String,
    pub kind: ResourceKind,
    /// The resource's name as sagescope lists it: the request's name parameter, an app's
    /// `<space or user profile>/<app type>/<app name>`, a pipeline's name for
    /// `StopPipelineExecution`, a domain's id for `DeleteDomain` (the only name it is given).
    /// A request that named the resource by ARN gives the ARN's last part, which SageMaker
    /// spells in lower case (and which is a HyperPod cluster's id): match on `arn` first.
    pub name: String,
    /// The resource's ARN from the response (`responseElements.<kind>Arn`), or the request's
    /// when it named the resource by ARN; for `StopPipelineExecution`, the execution's ARN.
    /// Only a plausible SageMaker ARN is kept.
    pub arn: Option<String>,
    pub action: Action,
    pub principal: Principal,
    /// What started the call on someone's behalf, when the record says: the pipeline
    /// execution whose ARN the request tagged `sagemaker:pipeline-execution-arn`, or the
    /// tuning job that launched a training job.
    pub parent: Option<String>,
}

impl Attribution {
    /// Folds this call into what is known of its resource. A resource recreated under the
    /// same name has the same ARN (endpoints, notebook instances): a later `Create*` starts
    /// its life over, and a stop or delete from before it no longer applies.
    pub fn fold_into(&self, creator: &mut Creator, source: AttributionSource) {
        let call = self.principal.call(self.time, source);
        // The same call read again (from another source) is not newer: the first word stays.
        let newer = |kept: &Option<CallBy>| kept.as_ref().is_none_or(|kept| kept.at < self.time);
        let after_creation =
            |creator: &Creator| creator.created.as_ref().is_none_or(|c| c.at <= self.time);
        match self.action {
            Action::Create if newer(&creator.created) => {
                let before =
                    |kept: &Option<CallBy>| kept.as_ref().is_some_and(|kept| kept.at < self.time);
                if before(&creator.stopped) {
                    creator.stopped = None;
                }
                if before(&creator.deleted) {
                    creator.deleted = None;
                }
                creator.created = Some(call);
                creator.parent = self.parent.clone();
            }
            // A stop or delete of an earlier resource under the same ARN is not this one's.
            Action::Stop if newer(&creator.stopped) && after_creation(creator) => {
                creator.stopped = Some(call);
            }
            Action::Delete if newer(&creator.deleted) && after_creation(creator) => {
                creator.deleted = Some(call);
            }
            Action::Create | Action::Stop | Action::Delete => {}
        }
    }
}
