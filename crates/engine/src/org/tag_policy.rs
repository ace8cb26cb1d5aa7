//! The organization's tag policy, as each account's effective policy states it.
//!
//! With `tags.from_organization = true`, each refresh reads `DescribeEffectivePolicy`
//! (TAG_POLICY, TargetId = the account) for every account it connected, through the
//! Organizations credentials (`[organization] profile`, else the default chain: the
//! management account or a delegated administrator). Answers are kept in the cache for
//! `[organization] ttl_hours` (24 without an `[organization]` section), so a steady refresh
//! asks nothing. An account whose policy cannot be read is one error row and follows the
//! config's rules alone (or its last policy read, when there is one).
//!
//! Only the parts that judge tags already on a resource are used: each key's `tag_key`
//! (required capitalisation; the policy key in lower case when absent, as AWS documents) and
//! `tag_value` (allowed values, `*` wildcards). Effective policies state them plainly; the
//! `@@assign` form of a policy as written is read too.

use std::collections::BTreeMap;

use chrono::{DateTime, Duration, Utc};
use futures::StreamExt;
use serde_json::Value;

use super::OrganizationSource;
use super::cache::{self, StoredTagPolicy};
use crate::store::Store;
use sagescope_core::model::{FetchError, OrgTagRule};

/// Accounts whose policy is read at the same time: Organizations' own quota is small.
const CONCURRENT_READS: usize = 4;

/// The rules of an effective tag policy's JSON text, in the policy's key order.
pub fn parse(content: &str) -> Result<Vec<OrgTagRule>, String> {
    let document: Value = serde_json::from_str(content).map_err(|e| format!("not JSON ({e})"))?;
    let Some(tags) = document.get("tags") else {
        return Ok(Vec::new());
    };
    let tags = tags
        .as_object()
        .ok_or_else(|| "`tags` is not an object".to_string())?;
    let mut rules = Vec::new();
    for (policy_key, statement) in tags {
        if policy_key.starts_with("@@") {
            continue; // child-control operators, not a key
        }
        let key = match statement.get("tag_key").map(assigned) {
            Some(Some(Value::String(key))) => key.clone(),
            None => policy_key.to_lowercase(),
            Some(_) => return Err(format!("`{policy_key}`: tag_key is not a string")),
        };
        let values = match statement.get("tag_value").map(assigned) {
            None => Vec::new(),
            Some(Some(Value::Array(values))) => values
                .iter()
                .map(|v| {
                    v.as_str()
                        .map(str::to_string)
                        .ok_or_else(|| format!("`{policy_key}`: a tag_value is not a string"))
                })
                .collect::<Result<_, _>>()?,
            Some(_) => return Err(format!("`{policy_key}`: tag_value is not a list")),
        };
        rules.push(OrgTagRule { key, values });
    }
    Ok(rules)
}

/// A value as the effective policy states it, or its `@@assign` in a policy as written.
fn assigned(value: &Value) -> Option<&Value> {
    match value.get("@@assign") {
        Some(inner) => Some(inner),
        None if value.is_object() => None,
        None => Some(value),
    }
}

/// What reading the accounts' tag policies gave.
#[derive(Debug, Default)]
pub struct PolicyRead {
    /// The rules of each account (by name) that has a tag policy.
    pub by_account: BTreeMap<String, Vec<OrgTagRule>>,
    /// One per account whose policy could not be read or understood.
    pub errors: Vec<FetchError>,
    /// `DescribeEffectivePolicy` requests made (0 when every policy was cached and fresh).
    pub requests: usize,
}

/// The tag policy of each `(name, account id)`: cached ones younger than `ttl_hours`, the
/// rest asked of Organizations (an account that fails keeps its last policy, if any).
pub async fn read(
    source: &dyn OrganizationSource,
    store: &Store,
    accounts: &[(String, String)],
    ttl_hours: u32,
    now: DateTime<Utc>,
) -> PolicyRead {
    let ids: Vec<String> = accounts.iter().map(|(_, id)| id.clone()).collect();
    let cached = store
        .run(move |c| cache::load_tag_policies(c, &ids))
        .await
        .map_err(|e| e.to_string())
        .and_then(|r| r.map_err(|e| e.to_string()))
        .unwrap_or_else(|err| {
            tracing::warn!("cannot read the cached tag policies: {err}");
            Default::default()
        });
    let ttl = Duration::hours(i64::from(ttl_hours.max(1)));
    let mut asks = Vec::new();
    for (name, id) in accounts {
        let cached = cached.get(id).cloned();
        asks.push(async move {
            if let Some(stored) = &cached
                && now - stored.fetched_at < ttl
            {
                return (name, id, Ok(stored.clone()), cached, false);
            }
            let answer = source
                .effective_tag_policy(id)
                .await
                .map(|content| StoredTagPolicy {
                    content,
                    fetched_at: now,
                });
            (name, id, answer, cached, true)
        });
    }
    let answers: Vec<_> = futures::stream::iter(asks)
        .buffer_unordered(CONCURRENT_READS)
        .collect()
        .await;

    let mut read = PolicyRead::default();
    let mut fresh = Vec::new();
    for (name, id, answer, cached, asked) in answers {
        read.requests += usize::from(asked);
        let stored = match answer {
            Ok(stored) => {
                if asked {
                    fresh.push((id.clone(), stored.clone()));
                }
                Some(stored)
            }
            Err(err) => {
                let fallback = match &cached {
                    Some(old) => format!(
                        "; using its tag policy read at {}",
                        old.fetched_at.format("%Y-%m-%d %H:%M UTC")
                    ),
                    None => "; its findings follow the config's [tags] alone".to_string(),
                };
                read.errors.push(error(name, format!(
                    "cannot read the organization's tag policy for account {id}: {err}{fallback}"
                )));
                cached
            }
        };
        let Some(content) = stored.and_then(|s| s.content) else {
            continue;
        };
        match parse(&content) {
            Ok(rules) => {
                read.by_account.insert(name.clone(), rules);
            }
            Err(why) => read.errors.push(error(
                name,
                format!(
                    "the organization's tag policy for account {id} is not readable: {why}; \
                     its findings follow the config's [tags] alone"
                ),
            )),
        }
    }
    if !fresh.is_empty() {
        store.spawn_write("the organization's tag policies", move |c| {
            cache::save_tag_policies(c, &fresh)
        });
    }
    read.errors.sort_by(|a, b| a.account.cmp(&b.account));
    read
}

fn error(account: &str, message: String) -> FetchError {
    FetchError {
        account: account.to_string(),
        message,
        ..FetchError::default()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    proptest::proptest! {
        #![proptest_config(proptest::prelude::ProptestConfig::with_cases(256))]

        #[test]
        fn any_text_is_rules_or_an_error(text in "\\PC*") {
            let _ = parse(&text);
        }

        /// Any JSON, the policy's own keys likely: rules or an error, never a panic, and
        /// one rule per policy key that is not an operator (`@@...`).
        #[test]
        fn any_json_is_rules_or_an_error(doc in sagescope_core::testing::json_value(&[
            "tags", "tag_key", "tag_value", "@@assign", "@@operators_allowed_for_child_policies",
            "CostCenter", "*", "enforced_for",
        ])) {
            if let Ok(rules) = parse(&doc.to_string()) {
                let keys = doc.get("tags").and_then(Value::as_object).map_or(0, |t| {
                    t.keys().filter(|k| !k.starts_with("@@")).count()
                });
                proptest::prop_assert_eq!(rules.len(), keys);
            }
        }
    }

    #[test]
    fn an_effective_policy_gives_each_keys_spelling_and_values() {
        let rules = parse(
            r#"{"tags": {
                "costcenter": {"tag_key": "CostCenter", "tag_value": ["cc-*", "shared"],
                               "enforced_for": ["sagemaker:training-job"]},
                "project": {"tag_key": "Project"},
                "team": {"tag_value": ["ml"]}
            }}"#,
        )
        .expect("parses");
        assert_eq!(
            rules,
            vec![
                OrgTagRule {
                    key: "CostCenter".into(),
                    values: vec!["cc-*".into(), "shared".into()],
                },
                OrgTagRule {
                    key: "Project".into(),
                    values: Vec::new(),
                },
                OrgTagRule {
                    key: "team".into(),
                    values: vec!["ml".into()],
                },
            ]
        );
    }

    #[test]
    fn a_policy_as_written_with_assign_operators_reads_the_same() {
        let rules = parse(
            r#"{"tags": {"@@operators_allowed_for_child_policies": ["@@none"],
                "CostCenter": {
                    "tag_key": {"@@assign": "CostCenter"},
                    "tag_value": {"@@assign": ["cc-*"]}}}}"#,
        )
        .expect("parses");
        assert_eq!(
            rules,
            vec![OrgTagRule {
                key: "CostCenter".into(),
                values: vec!["cc-*".into()],
            }]
        );
    }

    #[test]
    fn no_tags_section_is_no_rule_and_nonsense_is_an_error() {
        assert_eq!(parse("{}").expect("parses"), Vec::new());
        assert!(parse("not json").is_err());
        assert!(parse(r#"{"tags": []}"#).is_err());
        assert!(parse(r#"{"tags": {"a": {"tag_key": 3}}}"#).is_err());
        assert!(parse(r#"{"tags": {"a": {"tag_value": "x"}}}"#).is_err());
    }
}
