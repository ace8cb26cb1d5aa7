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

use super::{STUDIO_USER_PROFILE_TAG, Tags, arn_leaf};

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
}

impl Me {
    /// Me as one owner tag value (`--me VALUE`, `:me VALUE`, a guessed identity).
    pub fn owner(owner_key: &str, value: &str) -> Me {
        Me {
            owner_key: owner_key.to_string(),
            owners: vec![value.to_string()],
            studio_user_profiles: Vec::new(),
        }
    }

    /// Whether a resource carrying `tags` is mine.
    pub fn owns(&self, tags: &Tags) -> bool {
        self.owner_value_matches(tags) || self.studio_profile_matches(tags)
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

    /// How the status bar names me: the owner values, else the Studio profiles.
    pub fn label(&self) -> String {
        if self.owners.is_empty() {
            self.studio_user_profiles.join(", ")
        } else {
            self.owners.join(", ")
        }
    }
}

/// A best guess at who runs sagescope, from the caller identity, and how it was made.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OwnerGuess {
    pub name: String,
    /// Said in the status bar and help: `the SSO session name`, `the IAM user name`, ...
    pub how: String,
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
        })
    };
    match (service, resource.split_once('/')) {
        ("sts", Some(("assumed-role", rest))) => {
            let (role, session) = rest.split_once('/')?;
            if session == "sagescope" || session.starts_with("botocore-session-") {
                return None;
            }
            if role.starts_with("AWSReservedSSO_") {
                guess(session, "the SSO session name".into())
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
        }
    }

    #[test]
    fn any_of_my_owner_values_is_mine_and_others_are_not() {
        let me = alice();
        assert!(me.owns(&tags(&[("owner", "alice")])));
        assert!(me.owns(&tags(&[("owner", "alice.w"), ("project", "p")])));
        assert!(!me.owns(&tags(&[("owner", "bob")])));
        assert!(!me.owns(&tags(&[("project", "alice")])), "another key");
        assert!(!me.owns(&Tags::new()));
    }

    #[test]
    fn values_match_exactly_but_the_key_in_any_case() {
        let me = alice();
        assert!(!me.owns(&tags(&[("owner", "Alice")])), "values are exact");
        assert!(!me.owns(&tags(&[("owner", "alic")])), "no prefixes");
        assert!(
            me.owns(&tags(&[("Owner", "alice")])),
            "a miscased key is mine"
        );
        assert!(me.owns(&tags(&[("OWNER", "alice")])));
    }

    #[test]
    fn a_configured_key_other_than_owner_is_used() {
        let me = Me::owner("created-by", "alice");
        assert!(me.owns(&tags(&[("created-by", "alice")])));
        assert!(!me.owns(&tags(&[("owner", "alice")])));
    }

    #[test]
    fn studio_profiles_match_the_arn_leaf() {
        let me = alice();
        let arn = "arn:aws:sagemaker:us-east-1:111111111111:user-profile/d-abc/alice-studio";
        assert!(me.owns(&tags(&[(STUDIO_USER_PROFILE_TAG, arn)])));
        assert!(me.is_my_profile_arn(arn));
        let other = "arn:aws:sagemaker:us-east-1:111111111111:user-profile/d-abc/bob";
        assert!(!me.owns(&tags(&[(STUDIO_USER_PROFILE_TAG, other)])));
        assert!(!me.is_my_profile_arn(other));
        assert!(
            !me.owns(&tags(&[("sagemaker:space-arn", arn)])),
            "only the user-profile tag counts"
        );
        let no_profiles = Me::owner("owner", "alice");
        assert!(!no_profiles.owns(&tags(&[(STUDIO_USER_PROFILE_TAG, arn)])));
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
        };
        assert_eq!(studio_only.label(), "a");
    }
}
