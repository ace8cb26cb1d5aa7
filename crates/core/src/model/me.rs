//! Who "me" is, and which resources are mine: the data scientist's own view (`M`, `--mine`).
//!
//! Matching rules, chosen so that the jobs, untagged and spend views agree as far as AWS lets
//! them:
//!
//! - **Owner tag value: exact, case-sensitive.** Cost Explorer treats `Alice` and `alice` as
//!   two values, so the spend filter can only be exact; matching resources the same way keeps
//!   "my jobs" and "my spend" about the same set. A value in another case is a different
//!   owner here (and usually an `invalid` finding where the policy lists allowed values).
//! - **Owner tag key: any letter case.** `Owner=alice` is still alice's resource: she is the
//!   one to fix the key, so it must show in her Untagged view (Cost Explorer, which sees a
//!   different key, will not count it until she does).
//! - **Studio user profile: exact name**, the last segment of Studio's
//!   `sagemaker:user-profile-arn` tag (`arn:…:user-profile/d-abc/alice` is `alice`).
//! - **Creator: the person or principal ARN in any case** (`[me] principals`), from
//!   CloudTrail's record of the `Create*` call: what finds the jobs I started without the
//!   owner tag. Cost Explorer knows nothing of creators, so spend filtered to me still
//!   follows the tags.

use super::{Creator, STUDIO_USER_PROFILE_TAG, Tags, arn_leaf};

/// The owner tag key when `[me] owner_key` is not set.
pub const DEFAULT_OWNER_KEY: &str = "owner";

/// One person's identity: owner tag values and Studio user profiles that are theirs.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Me {
    /// The tag key whose value names a resource's owner.
    pub owner_key: String,
    /// Values of `owner_key` that mean me.
    pub owners: Vec<String>,
    /// Studio user profile names that are mine.
    pub studio_user_profiles: Vec<String>,
    /// The principals whose resources are mine: an SSO user, a role session or IAM user
    /// name, or a principal ARN, matched against who created a resource.
    pub principals: Vec<String>,
}

impl Me {
    /// Me as one name (`--me VALUE`, `:me VALUE`, a guessed identity): the owner tag value,
    /// and the principal who created resources, since an SSO user's or role session's name
    /// is usually the name the owner tag gives too.
    pub fn owner(owner_key: &str, value: &str) -> Me {
        Me {
            owner_key: owner_key.to_string(),
            owners: vec![value.to_string()],
            studio_user_profiles: Vec::new(),
            principals: vec![value.to_string()],
        }
    }

    /// Whether a resource carrying `tags`, created as `creator` says, is mine.
    pub fn owns(&self, tags: &Tags, creator: Option<&Creator>) -> bool {
        self.owner_value_matches(tags) || self.studio_profile_matches(tags) || self.created(creator)
    }

    /// One of my principals created it.
    fn created(&self, creator: Option<&Creator>) -> bool {
        creator
            .and_then(|c| c.created.as_ref())
            .is_some_and(|call| self.principals.iter().any(|p| call.matches(p)))
    }

    /// The owner tag (key in any case) carries one of my values exactly.
    fn owner_value_matches(&self, tags: &Tags) -> bool {
        tags.iter().any(|(key, value)| {
            key.eq_ignore_ascii_case(&self.owner_key) && self.owners.iter().any(|o| o == value)
        })
    }

    /// Studio's user-profile tag names one of my profiles.
    fn studio_profile_matches(&self, tags: &Tags) -> bool {
        tags.get(STUDIO_USER_PROFILE_TAG).is_some_and(|arn| {
            let profile = arn_leaf(arn);
            self.studio_user_profiles.iter().any(|p| p == profile)
        })
    }

    /// Whether a Studio user-profile ARN is one of mine.
    pub fn is_my_profile_arn(&self, arn: &str) -> bool {
        let profile = arn_leaf(arn);
        arn.contains(":user-profile/") && self.studio_user_profiles.iter().any(|p| p == profile)
    }

    /// The full ARNs of my Studio user profiles among tags seen on resources, sorted: Cost
    /// Explorer matches whole tag values, and a profile's ARN holds its account, region and
    /// domain, which the profile's name alone does not.
    pub fn profile_arns_in<'a>(&self, tags: impl Iterator<Item = &'a Tags>) -> Vec<String> {
        let mut arns: Vec<String> = tags
            .filter_map(|t| t.get(STUDIO_USER_PROFILE_TAG))
            .filter(|arn| self.is_my_profile_arn(arn))
            .map(str::to_string)
            .collect();
        arns.sort();
        arns.dedup();
        arns
    }

    /// How the status bar names me: the owner values, else the Studio profiles, else the
    /// principals.
    pub fn label(&self) -> String {
        if !self.owners.is_empty() {
            self.owners.join(", ")
        } else if !self.studio_user_profiles.is_empty() {
            self.studio_user_profiles.join(", ")
        } else {
            self.principals.join(", ")
        }
    }
}

/// A best guess at who runs sagescope, from the caller identity, and how it was made.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OwnerGuess {
    pub name: String,
    /// Said in the status bar and help: `the SSO session name`, `the IAM user name`, ...
    pub how: String,
    /// Whom CloudTrail names as me: an SSO user by name (the same in every account), anyone
    /// else by the whole caller ARN, since a role session's name is chosen by whoever
    /// assumes the role and many share one (`SageMaker`, a CI job's).
    pub principal: String,
}

impl OwnerGuess {
    /// Me as the guess says: the owner tag value, and the principal.
    pub fn me(&self, owner_key: &str) -> Me {
        Me {
            principals: vec![self.principal.clone()],
            ..Me::owner(owner_key, &self.name)
        }
    }
}

/// Guesses an owner tag value from `sts:GetCallerIdentity`'s ARN:
///
/// - IAM Identity Center (`assumed-role/AWSReservedSSO_<set>_<id>/<session>`): the session
///   name, which SSO sets to the user's name;
/// - any other assumed role (`assumed-role/<role>/<session>`): the session name, unless it
///   names a tool rather than a person (sagescope's own `sagescope`, botocore's
///   `botocore-session-<n>`);
/// - an IAM user (`user/<path>/<name>`) or a federated user: the name.
///
/// The account root and anything else give no guess.
pub fn guess_owner(caller_arn: &str) -> Option<OwnerGuess> {
    let mut parts = caller_arn.splitn(6, ':');
    let (Some("arn"), Some(_partition), Some(service), Some(_), Some(_account), Some(resource)) = (
        parts.next(),
        parts.next(),
        parts.next(),
        parts.next(),
        parts.next(),
        parts.next(),
    ) else {
        return None;
    };
    let guess = |name: &str, how: String| {
        (!name.is_empty()).then(|| OwnerGuess {
            name: name.to_string(),
            how,
            principal: caller_arn.to_string(),
        })
    };
    match (service, resource.split_once('/')) {
        ("sts", Some(("assumed-role", rest))) => {
            let (role, session) = rest.split_once('/')?;
            if session == "sagescope" || session.starts_with("botocore-session-") {
                return None;
            }
            if role.starts_with("AWSReservedSSO_") {
                guess(session, "the SSO session name".into()).map(|g| OwnerGuess {
                    principal: session.to_string(),
                    ..g
                })
            } else {
                guess(session, format!("the session name of role {role}"))
            }
        }
        ("sts", Some(("federated-user", name))) => guess(name, "the federated user name".into()),
        ("iam", Some(("user", path))) => guess(arn_leaf(path), "the IAM user name".into()),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    proptest::proptest! {
        #![proptest_config(proptest::prelude::ProptestConfig::with_cases(256))]

        /// Any caller ARN: a guess or none, never a panic; a guess is never empty and is part
        /// of the ARN.
        #[test]
        fn any_caller_arn_is_a_guess_or_none(
            arn in "arn:aws:(sts|iam)::[0-9]{12}:(assumed-role|user|federated-user|root)(/\\PC{0,12}){0,3}|\\PC{0,40}",
        ) {
            if let Some(guess) = guess_owner(&arn) {
                proptest::prop_assert!(!guess.name.is_empty());
                proptest::prop_assert!(arn.contains(&guess.name));
            }
        }
    }

    fn tags(pairs: &[(&str, &str)]) -> Tags {
        pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect()
    }

    fn alice() -> Me {
        Me {
            owner_key: "owner".into(),
            owners: vec!["alice".into(), "alice.w".into()],
            studio_user_profiles: vec!["alice-studio".into()],
            principals: vec!["alice@example.com".into()],
        }
    }

    fn created_by(who: &str, arn: &str) -> Creator {
        Creator {
            created: Some(super::super::CallBy {
                who: who.into(),
                person: Some(who.into()),
                arn: Some(arn.into()),
                role: None,
                at: chrono::DateTime::UNIX_EPOCH,
                source: super::super::AttributionSource::Lookup,
            }),
            parent: None,
            stopped: None,
            deleted: None,
        }
    }

    #[test]
    fn a_resource_i_created_is_mine_without_any_tag() {
        let me = alice();
        let sso = "arn:aws:sts::111111111111:assumed-role/AWSReservedSSO_DS_0a/alice@example.com";
        assert!(me.owns(&Tags::new(), Some(&created_by("alice@example.com", sso))));
        let bob = "arn:aws:sts::111111111111:assumed-role/AWSReservedSSO_DS_0a/bob@example.com";
        assert!(!me.owns(&Tags::new(), Some(&created_by("bob@example.com", bob))));
        // Only stopped by me: not mine.
        let mut stopped = created_by("bob@example.com", bob);
        stopped.stopped = created_by("alice@example.com", sso).created;
        assert!(!me.owns(&Tags::new(), Some(&stopped)));
        // A principal named by its ARN.
        let by_arn = Me {
            principals: vec!["arn:aws:iam::111111111111:user/intern".into()],
            ..Me::owner("owner", "nobody")
        };
        assert!(by_arn.owns(
            &Tags::new(),
            Some(&created_by(
                "intern",
                "arn:aws:iam::111111111111:user/intern"
            ))
        ));
    }

    #[test]
    fn any_of_my_owner_values_is_mine_and_others_are_not() {
        let me = alice();
        assert!(me.owns(&tags(&[("owner", "alice")]), None));
        assert!(me.owns(&tags(&[("owner", "alice.w"), ("project", "p")]), None));
        assert!(!me.owns(&tags(&[("owner", "bob")]), None));
        assert!(
            !me.owns(&tags(&[("project", "alice")]), None),
            "another key"
        );
        assert!(!me.owns(&Tags::new(), None));
    }

    #[test]
    fn values_match_exactly_but_the_key_in_any_case() {
        let me = alice();
        assert!(
            !me.owns(&tags(&[("owner", "Alice")]), None),
            "values are exact"
        );
        assert!(!me.owns(&tags(&[("owner", "alic")]), None), "no prefixes");
        assert!(
            me.owns(&tags(&[("Owner", "alice")]), None),
            "a miscased key is mine"
        );
        assert!(me.owns(&tags(&[("OWNER", "alice")]), None));
    }

    #[test]
    fn a_configured_key_other_than_owner_is_used() {
        let me = Me::owner("created-by", "alice");
        assert!(me.owns(&tags(&[("created-by", "alice")]), None));
        assert!(!me.owns(&tags(&[("owner", "alice")]), None));
    }

    #[test]
    fn studio_profiles_match_the_arn_leaf() {
        let me = alice();
        let arn = "arn:aws:sagemaker:us-east-1:111111111111:user-profile/d-abc/alice-studio";
        assert!(me.owns(&tags(&[(STUDIO_USER_PROFILE_TAG, arn)]), None));
        assert!(me.is_my_profile_arn(arn));
        let other = "arn:aws:sagemaker:us-east-1:111111111111:user-profile/d-abc/bob";
        assert!(!me.owns(&tags(&[(STUDIO_USER_PROFILE_TAG, other)]), None));
        assert!(!me.is_my_profile_arn(other));
        assert!(
            !me.owns(&tags(&[("sagemaker:space-arn", arn)]), None),
            "only the user-profile tag counts"
        );
        let no_profiles = Me::owner("owner", "alice");
        assert!(!no_profiles.owns(&tags(&[(STUDIO_USER_PROFILE_TAG, arn)]), None));
    }

    #[test]
    fn profile_arns_are_collected_from_tags_once_each() {
        let me = alice();
        let mine = "arn:aws:sagemaker:us-east-1:111111111111:user-profile/d-abc/alice-studio";
        let other = "arn:aws:sagemaker:us-east-1:111111111111:user-profile/d-abc/bob";
        let seen = [
            tags(&[(STUDIO_USER_PROFILE_TAG, mine)]),
            tags(&[(STUDIO_USER_PROFILE_TAG, other)]),
            tags(&[(STUDIO_USER_PROFILE_TAG, mine), ("owner", "alice")]),
            tags(&[("owner", "alice")]),
        ];
        assert_eq!(me.profile_arns_in(seen.iter()), vec![mine.to_string()]);
    }

    #[test]
    fn guesses_come_from_sso_and_role_session_names_and_iam_users() {
        let sso = guess_owner(
            "arn:aws:sts::111111111111:assumed-role/AWSReservedSSO_DataScientist_0123abcd/alice",
        )
        .expect("sso");
        assert_eq!(sso.name, "alice");
        assert!(sso.how.contains("SSO"), "{}", sso.how);
        let role = guess_owner("arn:aws:sts::111111111111:assumed-role/MLRole/bob").expect("role");
        assert_eq!(role.name, "bob");
        assert!(role.how.contains("MLRole"), "{}", role.how);
        let user = guess_owner("arn:aws:iam::111111111111:user/team/chen").expect("user");
        assert_eq!(
            (user.name.as_str(), user.how.as_str()),
            ("chen", "the IAM user name")
        );
        assert_eq!(
            guess_owner("arn:aws-cn:iam::111111111111:user/divya").map(|g| g.name),
            Some("divya".into())
        );
        assert_eq!(
            guess_owner("arn:aws:sts::111111111111:federated-user/emeka").map(|g| g.name),
            Some("emeka".into())
        );
    }

    #[test]
    fn tools_roots_and_garbage_give_no_guess() {
        for arn in [
            "arn:aws:sts::111111111111:assumed-role/SageScopeReadOnly/sagescope",
            "arn:aws:sts::111111111111:assumed-role/R/botocore-session-1700000000",
            "arn:aws:iam::111111111111:root",
            "arn:aws:sts::111111111111:assumed-role/NoSession",
            "arn:aws:iam::111111111111:user/",
            "not an arn",
            "",
        ] {
            assert_eq!(guess_owner(arn), None, "{arn}");
        }
    }

    #[test]
    fn the_label_names_owners_then_profiles() {
        assert_eq!(alice().label(), "alice, alice.w");
        let studio_only = Me {
            owner_key: "owner".into(),
            owners: Vec::new(),
            studio_user_profiles: vec!["a".into()],
            principals: Vec::new(),
        };
        assert_eq!(studio_only.label(), "a");
        let principals_only = Me {
            studio_user_profiles: Vec::new(),
            principals: vec!["alice@example.com".into()],
            ..studio_only
        };
        assert_eq!(principals_only.label(), "alice@example.com");
    }
}
