use std::collections::BTreeMap;

use chrono::{DateTime, Utc};
use compact_str::CompactString;
use serde::{Deserialize, Serialize};

use super::ResourceKind;

pub use super::tags::Tags;

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

/// The tagging rules an organisation enforces: the `[tags]` section of the config, plus, with
/// `tags.from_organization`, the account's effective tag policy from AWS Organizations.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct TagPolicy {
    /// Keys every resource must carry, spelled exactly so.
    pub mandatory: Vec<String>,
    /// For some keys, the only values allowed.
    pub allowed: BTreeMap<String, Vec<String>>,
    /// The organization's rules for this account: they set a key's required spelling (also
    /// for a mandatory key spelt otherwise in the config) and, where they list values, the
    /// values allowed (with `*` wildcards), in place of the config's list for that key. Tag
    /// policies never require a key: presence is `mandatory`'s alone.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub organization: Vec<OrgTagRule>,
}

/// One key of an organization tag policy, as the account's effective policy states it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct OrgTagRule {
    /// The key with its required capitalisation (`tag_key`).
    pub key: String,
    /// Allowed values (`tag_value`), where `*` matches any run of characters; empty means
    /// any value.
    pub values: Vec<String>,
}

/// Where a tag rule comes from, so an admin knows whom to ask about it.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum RuleSource {
    /// The `[tags]` section of sagescope's config.
    #[default]
    Config,
    /// The organization's effective tag policy for the account (`tags.from_organization`).
    Organization,
}

impl RuleSource {
    /// The name exports use: `config` or `organization`.
    pub fn as_str(self) -> &'static str {
        match self {
            RuleSource::Config => "config",
            RuleSource::Organization => "organization",
        }
    }

    /// The words the detail view and the fix script use.
    pub fn label(self) -> &'static str {
        match self {
            RuleSource::Config => "config [tags]",
            RuleSource::Organization => "organization tag policy",
        }
    }
}

/// A tag key present with the wrong letter case, e.g. `Cost-Center` for `cost-center`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Miscased {
    pub expected: String,
    pub found: String,
    /// Whose rule spells the key so.
    #[serde(default)]
    pub source: RuleSource,
}

/// A tag whose value is not among the allowed ones.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct InvalidValue {
    /// The key as the policy spells it.
    pub key: String,
    pub value: String,
    pub allowed: Vec<String>,
    /// Whose rule lists the allowed values.
    #[serde(default)]
    pub source: RuleSource,
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

/// One key's rules once the config and the organization's policy are merged.
struct KeyRule<'p> {
    /// The spelling required.
    key: &'p str,
    key_source: RuleSource,
    mandatory: bool,
    allowed: Option<(&'p [String], RuleSource)>,
}

/// The config's keys (mandatory first, then those with allowed values) in order, then the
/// organization's: an organization key the config also names (in any letter case) takes over
/// its spelling and, if it lists values, its allowed values.
fn key_rules(policy: &TagPolicy) -> Vec<KeyRule<'_>> {
    let mut rules: Vec<KeyRule<'_>> = policy
        .mandatory
        .iter()
        .chain(
            policy
                .allowed
                .keys()
                .filter(|key| !policy.mandatory.contains(key)),
        )
        .map(|key| KeyRule {
            key,
            key_source: RuleSource::Config,
            mandatory: policy.mandatory.contains(key),
            allowed: policy
                .allowed
                .get(key)
                .map(|values| (values.as_slice(), RuleSource::Config)),
        })
        .collect();
    for org in &policy.organization {
        let allowed =
            (!org.values.is_empty()).then_some((org.values.as_slice(), RuleSource::Organization));
        match rules
            .iter_mut()
            .find(|rule| rule.key.to_lowercase() == org.key.to_lowercase())
        {
            Some(rule) => {
                rule.key = &org.key;
                rule.key_source = RuleSource::Organization;
                if allowed.is_some() {
                    rule.allowed = allowed;
                }
            }
            None => rules.push(KeyRule {
                key: &org.key,
                key_source: RuleSource::Organization,
                mandatory: false,
                allowed,
            }),
        }
    }
    rules
}

/// Whether `value` is allowed: the config lists exact values; an organization tag policy's
/// values may hold `*`, which matches any run of characters (`cc-*` allows `cc-42`).
fn value_allowed(value: &str, allowed: &[String], source: RuleSource) -> bool {
    allowed.iter().any(|candidate| match source {
        RuleSource::Config => candidate == value,
        RuleSource::Organization => wildcard_match(candidate, value),
    })
}

/// `pattern` against the whole of `text`, `*` matching any run of characters (none
/// included) and every other character itself.
pub fn wildcard_match(pattern: &str, text: &str) -> bool {
    let pattern: Vec<char> = pattern.chars().collect();
    let text: Vec<char> = text.chars().collect();
    let (mut p, mut t) = (0, 0);
    // Where the last `*` was, and the text position it is trying to stop at.
    let mut star: Option<(usize, usize)> = None;
    while t < text.len() {
        if p < pattern.len() && pattern[p] == '*' {
            star = Some((p, t));
            p += 1;
        } else if p < pattern.len() && pattern[p] == text[t] {
            p += 1;
            t += 1;
        } else if let Some((star_p, star_t)) = star {
            // Let the last `*` swallow one more character and try again.
            p = star_p + 1;
            t = star_t + 1;
            star = Some((star_p, star_t + 1));
        } else {
            return false;
        }
    }
    pattern[p..].iter().all(|c| *c == '*')
}

/// Checks one resource's tags against the policy.
///
/// - A mandatory key absent in every spelling is `missing`.
/// - A policy key (mandatory, with allowed values, or named by the organization's policy)
///   present only in another letter case is `miscased`, and not also `missing`: the fix is a
///   rename, not a new value.
/// - A value outside the allowed list is `invalid`, whether it sits under the right key or the
///   miscased one (renaming the key would keep the bad value).
///
/// Results keep the policy's key order so findings read the same on every resource, and
/// each names the source of the rule it breaks.
pub fn find_tag_problems(tags: &Tags, policy: &TagPolicy) -> TagProblems {
    let mut problems = TagProblems::default();
    for rule in key_rules(policy) {
        let key = rule.key;
        let value = match tags.get(key) {
            Some(value) => Some(value),
            None => match tags
                .iter()
                .find(|(found, _)| found.to_lowercase() == key.to_lowercase())
            {
                Some((found, value)) => {
                    problems.miscased.push(Miscased {
                        expected: key.to_string(),
                        found: found.to_string(),
                        source: rule.key_source,
                    });
                    Some(value)
                }
                None => {
                    if rule.mandatory {
                        problems.missing.push(key.to_string());
                    }
                    None
                }
            },
        };
        if let (Some(value), Some((allowed, source))) = (value, rule.allowed)
            && !value_allowed(value, allowed, source)
        {
            problems.invalid.push(InvalidValue {
                key: key.to_string(),
                value: value.to_string(),
                allowed: allowed.to_vec(),
                source,
            });
        }
    }
    problems
}

/// One resource that breaks the tag policy, with everything an admin needs to fix it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TagFinding {
    pub account_id: CompactString,
    pub account_name: CompactString,
    pub region: CompactString,
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
    /// Who created the resource (the person to ask), joined from the Jobs view like `cost`.
    #[serde(skip)]
    pub created_by: Option<Box<super::Creator>>,
}

impl TagFinding {
    /// How many separate things need fixing on this resource.
    pub fn problem_count(&self) -> usize {
        self.missing.len() + self.miscased.len() + self.invalid.len()
    }

    /// Whose rules this resource breaks, each once: missing keys are the config's
    /// (`tags.mandatory`), the rest say their own.
    pub fn rule_sources(&self) -> Vec<RuleSource> {
        let mut sources: Vec<RuleSource> = (!self.missing.is_empty())
            .then_some(RuleSource::Config)
            .into_iter()
            .chain(self.miscased.iter().map(|m| m.source))
            .chain(self.invalid.iter().map(|i| i.source))
            .collect();
        sources.sort_unstable();
        sources.dedup();
        sources
    }

    /// The Studio domain the resource was started from (Studio's `sagemaker:domain-arn`).
    pub fn studio_domain_arn(&self) -> Option<&str> {
        self.tags.get(STUDIO_DOMAIN_TAG)
    }

    /// The Studio user profile that started the resource (`sagemaker:user-profile-arn`): the
    /// person to ask about it.
    pub fn studio_user_profile_arn(&self) -> Option<&str> {
        self.tags.get(STUDIO_USER_PROFILE_TAG)
    }

    /// Who to ask, as short as it gets: the Studio user profile's name, else the shared
    /// space's (`sagemaker:space-arn`).
    pub fn studio_owner(&self) -> Option<&str> {
        self.studio_user_profile_arn()
            .or_else(|| self.tags.get(STUDIO_SPACE_TAG))
            .map(arn_leaf)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    proptest::proptest! {
        #![proptest_config(proptest::prelude::ProptestConfig::with_cases(256))]

        /// The leaf is the text after the last `/` or `:`, whatever the input.
        #[test]
        fn an_arn_leaf_is_the_text_after_the_last_separator(arn in "\\PC{0,40}") {
            let leaf = arn_leaf(&arn);
            proptest::prop_assert!(arn.ends_with(leaf));
            proptest::prop_assert!(!leaf.contains(['/', ':']));
            let before = &arn[..arn.len() - leaf.len()];
            proptest::prop_assert!(before.is_empty() || before.ends_with(['/', ':']));
        }

        /// Matching is total, `*` alone matches anything, and a pattern without `*` matches
        /// only itself.
        #[test]
        fn wildcards_are_total(pattern in "[a*]{0,12}|\\PC{0,8}", text in "a{0,12}|\\PC{0,8}") {
            let matched = wildcard_match(&pattern, &text);
            if pattern == "*" {
                proptest::prop_assert!(matched);
            }
            if !pattern.contains('*') {
                proptest::prop_assert_eq!(matched, pattern == text);
            }
        }
    }

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
            organization: Vec::new(),
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
                found: "Cost-Center".into(),
                source: RuleSource::Config,
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

    fn organization(rules: &[(&str, &[&str])]) -> TagPolicy {
        TagPolicy {
            mandatory: vec!["costcenter".into(), "owner".into()],
            allowed: BTreeMap::new(),
            organization: rules
                .iter()
                .map(|(key, values)| OrgTagRule {
                    key: (*key).to_string(),
                    values: values.iter().map(|v| (*v).to_string()).collect(),
                })
                .collect(),
        }
    }

    #[test]
    fn the_organization_spells_a_mandatory_key_and_limits_its_values() {
        let p = organization(&[("CostCenter", &["cc-*", "shared"])]);
        let ok = tags(&[("CostCenter", "cc-42"), ("owner", "o")]);
        assert!(find_tag_problems(&ok, &p).is_empty());
        let shared = tags(&[("CostCenter", "shared"), ("owner", "o")]);
        assert!(find_tag_problems(&shared, &p).is_empty());

        let lower = tags(&[("costcenter", "cc-1"), ("owner", "o")]);
        let problems = find_tag_problems(&lower, &p);
        assert!(
            problems.missing.is_empty(),
            "present in another case: a rename"
        );
        assert_eq!(
            problems.miscased,
            vec![Miscased {
                expected: "CostCenter".into(),
                found: "costcenter".into(),
                source: RuleSource::Organization,
            }]
        );

        let bad = tags(&[("CostCenter", "marketing"), ("owner", "o")]);
        let problems = find_tag_problems(&bad, &p);
        assert_eq!(problems.invalid.len(), 1);
        assert_eq!(problems.invalid[0].value, "marketing");
        assert_eq!(problems.invalid[0].allowed, vec!["cc-*", "shared"]);
        assert_eq!(problems.invalid[0].source, RuleSource::Organization);

        let none = tags(&[("owner", "o")]);
        assert_eq!(
            find_tag_problems(&none, &p).missing,
            vec!["CostCenter"],
            "still mandatory, in the organization's spelling"
        );
    }

    #[test]
    fn an_organization_key_the_config_does_not_name_is_never_required() {
        let p = organization(&[("Team", &["ml-*"])]);
        let absent = tags(&[("costcenter", "x"), ("owner", "o")]);
        assert!(find_tag_problems(&absent, &p).is_empty());
        let wrong = tags(&[("costcenter", "x"), ("owner", "o"), ("team", "web")]);
        let problems = find_tag_problems(&wrong, &p);
        assert_eq!(problems.miscased[0].source, RuleSource::Organization);
        assert_eq!(problems.invalid[0].key, "Team");
        let any = organization(&[("Team", &[])]);
        let free = tags(&[("costcenter", "x"), ("owner", "o"), ("Team", "anything")]);
        assert!(
            find_tag_problems(&free, &any).is_empty(),
            "no values listed: any value"
        );
    }

    #[test]
    fn config_values_stay_exact_while_organization_values_take_wildcards() {
        let mut p = policy();
        p.allowed.insert("team".into(), vec!["ml-*".into()]);
        let t = tags(&[
            ("cost-center", "c"),
            ("project", "p"),
            ("owner", "o"),
            ("team", "ml-x"),
        ]);
        assert_eq!(
            find_tag_problems(&t, &p).invalid[0].source,
            RuleSource::Config
        );
    }

    #[test]
    fn wildcards_match_any_run_of_characters() {
        assert!(wildcard_match("cc-*", "cc-42"));
        assert!(wildcard_match("cc-*", "cc-"));
        assert!(!wildcard_match("cc-*", "dd-42"));
        assert!(wildcard_match("*-prod", "ml-prod"));
        assert!(wildcard_match("a*b*c", "a-x-b-y-c"));
        assert!(!wildcard_match("a*b*c", "a-x-c-y-b"));
        assert!(wildcard_match("*", ""));
        assert!(wildcard_match("exact", "exact"));
        assert!(
            !wildcard_match("exact", "Exact"),
            "values are case-sensitive"
        );
        assert!(wildcard_match("**x", "abx"));
    }

    #[test]
    fn empty_policy_finds_nothing() {
        let t = tags(&[("anything", "goes")]);
        assert!(find_tag_problems(&t, &TagPolicy::default()).is_empty());
    }
}
