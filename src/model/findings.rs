use std::collections::BTreeMap;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use super::ResourceKind;

/// Resource tags, key to value, ordered by key so every view lists them the same way.
pub type Tags = BTreeMap<String, String>;

/// Tag Studio puts on what a Studio user starts: the domain it came from.
pub const STUDIO_DOMAIN_TAG: &str = "sagemaker:domain-arn";
/// Tag Studio puts on what a Studio user starts: the user profile that started it, which
/// tells an admin whom to ask about an untagged resource.
pub const STUDIO_USER_PROFILE_TAG: &str = "sagemaker:user-profile-arn";
/// Tag Studio puts on what is started from a shared space.
pub const STUDIO_SPACE_TAG: &str = "sagemaker:space-arn";

/// The last segment of an ARN's resource path: the user profile's name in
/// `arn:aws:sagemaker:…:user-profile/d-abc/alice`.
pub fn arn_leaf(arn: &str) -> &str {
    arn.rsplit(['/', ':']).next().unwrap_or(arn)
}

/// The tagging rules an organisation enforces, from the `[tags]` section of the config.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct TagPolicy {
    /// Keys every resource must carry, spelled exactly so.
    pub mandatory: Vec<String>,
    /// For some keys, the only values allowed.
    pub allowed: BTreeMap<String, Vec<String>>,
}

/// A tag key present with the wrong letter case, e.g. `Cost-Center` for `cost-center`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Miscased {
    pub expected: String,
    pub found: String,
}

/// A tag whose value is not among the allowed ones.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct InvalidValue {
    /// The key as the policy spells it.
    pub key: String,
    pub value: String,
    pub allowed: Vec<String>,
}

/// What is wrong with one resource's tags.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct TagProblems {
    pub missing: Vec<String>,
    pub miscased: Vec<Miscased>,
    pub invalid: Vec<InvalidValue>,
}

impl TagProblems {
    /// True when the resource follows the policy.
    pub fn is_empty(&self) -> bool {
        self.missing.is_empty() && self.miscased.is_empty() && self.invalid.is_empty()
    }

    /// How many separate things need fixing.
    pub fn count(&self) -> usize {
        self.missing.len() + self.miscased.len() + self.invalid.len()
    }
}

/// Checks one resource's tags against the policy.
///
/// - A mandatory key absent in every spelling is `missing`.
/// - A policy key (mandatory, or with allowed values) present only in another letter case is
///   `miscased`, and not also `missing`: the fix is a rename, not a new value.
/// - A value outside the allowed list is `invalid`, whether it sits under the right key or the
///   miscased one (renaming the key would keep the bad value).
///
/// Results keep the policy's key order so findings read the same on every resource.
pub fn find_tag_problems(tags: &Tags, policy: &TagPolicy) -> TagProblems {
    let mut problems = TagProblems::default();
    let policy_keys = policy.mandatory.iter().chain(
        policy
            .allowed
            .keys()
            .filter(|key| !policy.mandatory.contains(key)),
    );

    for key in policy_keys {
        let is_mandatory = policy.mandatory.contains(key);
        let value = match tags.get(key) {
            Some(value) => Some(value),
            None => match tags
                .iter()
                .find(|(found, _)| found.to_lowercase() == key.to_lowercase())
            {
                Some((found, value)) => {
                    problems.miscased.push(Miscased {
                        expected: key.clone(),
                        found: found.clone(),
                    });
                    Some(value)
                }
                None => {
                    if is_mandatory {
                        problems.missing.push(key.clone());
                    }
                    None
                }
            },
        };
        if let (Some(value), Some(allowed)) = (value, policy.allowed.get(key))
            && !allowed.iter().any(|candidate| candidate == value)
        {
            problems.invalid.push(InvalidValue {
                key: key.clone(),
                value: value.clone(),
                allowed: allowed.clone(),
            });
        }
    }
    problems
}

/// One resource that breaks the tag policy, with everything an admin needs to fix it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TagFinding {
    pub account_id: String,
    pub account_name: String,
    pub region: String,
    pub kind: ResourceKind,
    pub name: String,
    pub arn: String,
    pub missing: Vec<String>,
    pub miscased: Vec<Miscased>,
    pub invalid: Vec<InvalidValue>,
    /// All tags the resource carries, including Studio's `sagemaker:*` ones that say whom to ask.
    #[serde(default)]
    pub tags: Tags,
    #[serde(default)]
    pub created_at: Option<DateTime<Utc>>,
    /// The money at stake: the resource's best-known cost, joined from the Jobs view when
    /// shown (see [`crate::cost`]); never stored, since it moves with prices and time.
    #[serde(skip)]
    pub cost: Option<super::ResourceCost>,
}

impl TagFinding {
    /// How many separate things need fixing on this resource.
    pub fn problem_count(&self) -> usize {
        self.missing.len() + self.miscased.len() + self.invalid.len()
    }

    /// The Studio domain the resource was started from (Studio's `sagemaker:domain-arn`).
    pub fn studio_domain_arn(&self) -> Option<&str> {
        self.tags.get(STUDIO_DOMAIN_TAG).map(String::as_str)
    }

    /// The Studio user profile that started the resource (`sagemaker:user-profile-arn`): the
    /// person to ask about it.
    pub fn studio_user_profile_arn(&self) -> Option<&str> {
        self.tags.get(STUDIO_USER_PROFILE_TAG).map(String::as_str)
    }

    /// Who to ask, as short as it gets: the Studio user profile's name, else the shared
    /// space's (`sagemaker:space-arn`).
    pub fn studio_owner(&self) -> Option<&str> {
        self.studio_user_profile_arn()
            .or_else(|| self.tags.get(STUDIO_SPACE_TAG).map(String::as_str))
            .map(arn_leaf)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn policy() -> TagPolicy {
        TagPolicy {
            mandatory: vec!["cost-center".into(), "project".into(), "owner".into()],
            allowed: BTreeMap::from([(
                "environment".to_string(),
                vec![
                    "dev".to_string(),
                    "staging".to_string(),
                    "production".to_string(),
                ],
            )]),
        }
    }

    fn tags(pairs: &[(&str, &str)]) -> Tags {
        pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect()
    }

    #[test]
    fn complete_tags_have_no_problems() {
        let t = tags(&[
            ("cost-center", "cc-1"),
            ("project", "p"),
            ("owner", "o"),
            ("environment", "dev"),
        ]);
        assert!(find_tag_problems(&t, &policy()).is_empty());
    }

    #[test]
    fn untagged_resource_misses_every_mandatory_key_in_policy_order() {
        let problems = find_tag_problems(&Tags::new(), &policy());
        assert_eq!(problems.missing, vec!["cost-center", "project", "owner"]);
        assert!(problems.miscased.is_empty());
        assert!(
            problems.invalid.is_empty(),
            "an absent optional key is not invalid"
        );
    }

    #[test]
    fn miscased_key_is_reported_as_miscased_not_missing() {
        let t = tags(&[("Cost-Center", "cc-1"), ("project", "p"), ("owner", "o")]);
        let problems = find_tag_problems(&t, &policy());
        assert!(problems.missing.is_empty());
        assert_eq!(
            problems.miscased,
            vec![Miscased {
                expected: "cost-center".into(),
                found: "Cost-Center".into()
            }]
        );
    }

    #[test]
    fn value_outside_allowed_list_is_invalid() {
        let t = tags(&[
            ("cost-center", "cc"),
            ("project", "p"),
            ("owner", "o"),
            ("environment", "prod"),
        ]);
        let problems = find_tag_problems(&t, &policy());
        assert_eq!(problems.invalid.len(), 1);
        assert_eq!(problems.invalid[0].key, "environment");
        assert_eq!(problems.invalid[0].value, "prod");
        assert_eq!(
            problems.invalid[0].allowed,
            vec!["dev", "staging", "production"]
        );
    }

    #[test]
    fn miscased_key_with_bad_value_is_both_miscased_and_invalid() {
        let t = tags(&[
            ("cost-center", "cc"),
            ("project", "p"),
            ("owner", "o"),
            ("Environment", "qa"),
        ]);
        let problems = find_tag_problems(&t, &policy());
        assert_eq!(problems.miscased.len(), 1);
        assert_eq!(problems.miscased[0].found, "Environment");
        assert_eq!(problems.invalid.len(), 1);
        assert_eq!(problems.invalid[0].value, "qa");
    }

    #[test]
    fn exact_key_wins_over_a_miscased_twin() {
        let t = tags(&[
            ("cost-center", "a"),
            ("COST-CENTER", "b"),
            ("project", "p"),
            ("owner", "o"),
        ]);
        assert!(find_tag_problems(&t, &policy()).is_empty());
    }

    #[test]
    fn allowed_values_apply_to_mandatory_keys_too() {
        let mut p = policy();
        p.allowed.insert("project".into(), vec!["vision".into()]);
        let t = tags(&[("cost-center", "cc"), ("project", "nlp"), ("owner", "o")]);
        let problems = find_tag_problems(&t, &p);
        assert_eq!(problems.invalid.len(), 1);
        assert_eq!(problems.invalid[0].key, "project");
        assert_eq!(problems.count(), 1);
    }

    #[test]
    fn arn_leaf_is_the_last_path_segment() {
        assert_eq!(
            arn_leaf("arn:aws:sagemaker:us-east-1:1:user-profile/d-abc/alice"),
            "alice"
        );
        assert_eq!(
            arn_leaf("arn:aws:sagemaker:us-east-1:1:domain/d-abc"),
            "d-abc"
        );
        assert_eq!(arn_leaf("plain"), "plain");
    }

    #[test]
    fn empty_policy_finds_nothing() {
        let t = tags(&[("anything", "goes")]);
        assert!(find_tag_problems(&t, &TagPolicy::default()).is_empty());
    }
}
