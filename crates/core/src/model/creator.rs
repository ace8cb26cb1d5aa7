//! Who created a resource (and who stopped or deleted it), as CloudTrail recorded the calls:
//! the person to ask about a resource whatever its tags say.
//!
//! A creation never changes, so once known it is kept for good (the cache's `creators`
//! table) and laid over every listing of the resource. CloudTrail's event history reaches
//! back 90 days: a resource older than that, with no record kept from earlier, can only be
//! "unknown", and [`creator_label`] says so rather than leaving the cell blank.

use chrono::{DateTime, Duration, Utc};
use serde::{Deserialize, Serialize};

/// How far back CloudTrail's event history (`LookupEvents`) reaches.
pub const CLOUDTRAIL_HISTORY_DAYS: i64 = 90;

/// What a resource older than CloudTrail's history shows when nobody recorded its creator.
pub const UNKNOWN_TOO_OLD: &str = "unknown (older than CloudTrail's 90 days)";

/// Where an attribution came from, cheapest first. Every figure says its source.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum AttributionSource {
    /// The "AWS API Call via CloudTrail" events on the `[stream]` log group: no extra request.
    Stream,
    /// `cloudtrail:LookupEvents` in the resource's account and region (`[cloudtrail] lookup`).
    Lookup,
    /// An organization trail's table in Athena (`[cloudtrail] athena_table`).
    Athena,
}

impl AttributionSource {
    /// The stable spelling used in exports and the cache.
    pub fn as_str(self) -> &'static str {
        match self {
            AttributionSource::Stream => "stream",
            AttributionSource::Lookup => "lookup",
            AttributionSource::Athena => "athena",
        }
    }
}

/// One call's principal, as shown and as matched.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CallBy {
    /// As shown: `alice@example.com`, `user/intern`, `role/ci-deployer (session build-4711)`.
    pub who: String,
    /// The person's name when the record gives one (the SSO user, role session, IAM user):
    /// what `[me] principals` matches, with `arn`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub person: Option<String>,
    /// The principal's ARN as the record gives it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub arn: Option<String>,
    /// For a role session other than an SSO user's, the role: automation's sessions (one per
    /// build) are one creator to ask, the role's owner.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub role: Option<String>,
    /// When the call was made.
    pub at: DateTime<Utc>,
    pub source: AttributionSource,
}

impl CallBy {
    /// Whom to ask, grouping a role's sessions: `role/ci-deployer` for every build session,
    /// else the principal as shown.
    pub fn group(&self) -> String {
        match &self.role {
            Some(role) => format!("role/{role}"),
            None => self.who.clone(),
        }
    }

    /// Whether `needle` (one of `[me] principals`) names this principal: the person's name or
    /// the whole ARN, ignoring case and surrounding blanks. A role session's name is chosen by
    /// whoever assumes the role, so this decides "mine", never anything that grants access.
    pub fn matches(&self, needle: &str) -> bool {
        principal_matches(self.person.as_deref(), self.arn.as_deref(), needle)
    }
}

/// Whether `needle` names the principal with `person` and `arn` (see [`CallBy::matches`]).
pub fn principal_matches(person: Option<&str>, arn: Option<&str>, needle: &str) -> bool {
    let needle = needle.trim();
    !needle.is_empty()
        && (person.is_some_and(|name| same_text(name, needle))
            || arn.is_some_and(|arn| same_text(arn, needle)))
}

/// Equal ignoring case, without allocating.
fn same_text(a: &str, b: &str) -> bool {
    a.chars()
        .flat_map(char::to_lowercase)
        .eq(b.chars().flat_map(char::to_lowercase))
}

/// Everything CloudTrail said about one resource's life.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Creator {
    /// The `Create*` call's principal; `None` when only a stop or delete was seen.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub created: Option<CallBy>,
    /// What started it on someone's behalf: a pipeline execution or a tuning job.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub parent: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub stopped: Option<CallBy>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub deleted: Option<CallBy>,
}

impl Creator {
    /// Who created it, as shown.
    pub fn who(&self) -> Option<&str> {
        self.created.as_ref().map(|c| c.who.as_str())
    }

    /// Whether this record is of the resource created at `created_at`, not of an earlier one
    /// under the same ARN (an endpoint, notebook or app deleted and created again by name). A
    /// `Create*` call is logged a moment before the resource's creation time, never long.
    pub fn is_of(&self, created_at: DateTime<Utc>) -> bool {
        self.created
            .as_ref()
            .is_none_or(|c| c.at + Duration::minutes(RECREATED_MINUTES) >= created_at)
    }
}

/// How much earlier than a resource's creation time its `Create*` call may be logged before
/// the call is taken for an earlier resource of the same ARN.
const RECREATED_MINUTES: i64 = 10;

/// The `created by` cell of a resource created at `created_at`: the creator, else "unknown
/// (older than CloudTrail's 90 days)" when the history cannot reach it, else empty (not known
/// yet).
pub fn creator_label(
    creator: Option<&Creator>,
    created_at: DateTime<Utc>,
    now: DateTime<Utc>,
) -> &str {
    match creator.and_then(Creator::who) {
        Some(who) => who,
        None if beyond_history(created_at, now) => UNKNOWN_TOO_OLD,
        None => "",
    }
}

/// Whether a resource created at `created_at` is older than CloudTrail's event history.
pub fn beyond_history(created_at: DateTime<Utc>, now: DateTime<Utc>) -> bool {
    created_at < now - Duration::days(CLOUDTRAIL_HISTORY_DAYS)
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    fn at(day: u32) -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2026, 12, day, 10, 0, 0)
            .single()
            .unwrap()
    }

    fn alice() -> Creator {
        Creator {
            created: Some(CallBy {
                who: "alice@example.com".into(),
                person: Some("alice@example.com".into()),
                arn: Some(
                    "arn:aws:sts::111111111111:assumed-role/AWSReservedSSO_DS_0a1b/alice@example.com"
                        .into(),
                ),
                role: None,
                at: at(1),
                source: AttributionSource::Stream,
            }),
            parent: None,
            stopped: None,
            deleted: None,
        }
    }

    #[test]
    fn the_label_is_the_creator_else_unknown_past_the_history_else_blank() {
        let now = at(7);
        assert_eq!(
            creator_label(Some(&alice()), at(1), now),
            "alice@example.com"
        );
        assert_eq!(creator_label(None, at(1), now), "");
        let old = now - Duration::days(91);
        assert_eq!(
            creator_label(None, old, now),
            "unknown (older than CloudTrail's 90 days)"
        );
        // A creator kept from earlier wins over the history's reach.
        assert_eq!(creator_label(Some(&alice()), old, now), "alice@example.com");
        // Only a stop seen: still not known who created it.
        let stopped_only = Creator {
            created: None,
            stopped: alice().created,
            ..alice()
        };
        assert_eq!(creator_label(Some(&stopped_only), at(1), now), "");
    }

    #[test]
    fn a_principal_matches_by_person_or_arn_in_any_case_never_by_blank() {
        let created = alice().created.unwrap();
        assert!(created.matches("Alice@Example.com "));
        assert!(created.matches(
            "arn:aws:sts::111111111111:assumed-role/AWSReservedSSO_DS_0a1b/alice@example.com"
        ));
        assert!(!created.matches("alice"));
        assert!(!created.matches("  "));
        assert!(!principal_matches(None, None, "alice@example.com"));
    }
}
