//! Tag hygiene: what sagescope remembers about every resource's tags, and the findings built
//! from them.
//!
//! SageMaker List summaries carry no tags, so tags cost one `ListTags` per resource (or one
//! `Search` per 100 training jobs, tuning jobs or endpoints). Reading them all on every refresh
//! would spend the account's quota on tags that have not changed, so they are cached by ARN
//! with the resource's version (`LastModifiedTime|Status`) they were read at: a refresh reads
//! tags only for resources that are new or changed since, and re-reads each at most every
//! `tags.ttl_hours` (tags can change without the resource changing, e.g. `add-tags`).
//!
//! - [`TagState`]: the cache and the Studio resources last listed, kept between refreshes
//!   (in memory by the TUI, in SQLite through [`store`]).
//! - [`findings`]: the pure step from resources, cached tags and the `[tags]` policy to the
//!   Untagged view, using [`crate::model::find_tag_problems`].

use std::collections::HashMap;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use crate::model::{Job, TagFinding, TagPolicy, Tags, find_tag_problems};

pub use crate::model::{STUDIO_DOMAIN_TAG, STUDIO_SPACE_TAG, STUDIO_USER_PROFILE_TAG};

/// The tags of one resource as last read.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TagEntry {
    /// The resource's version when read ([`version_of`]): a new version means read again.
    pub version: String,
    pub read_at: DateTime<Utc>,
    pub tags: Tags,
}

impl TagEntry {
    /// Whether these tags can stand for a resource now at `version`: same version, and read
    /// less than `ttl` ago.
    pub fn is_fresh(&self, version: &str, now: DateTime<Utc>, ttl: chrono::Duration) -> bool {
        self.version == version && now - self.read_at < ttl
    }
}

/// Tags by ARN.
pub type TagCache = HashMap<String, TagEntry>;

/// What the tag pass knows between refreshes.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct TagState {
    /// Tags by ARN, for every resource still listed.
    pub entries: TagCache,
    /// Studio domains and user profiles as last listed. They are not in the jobs view, so the
    /// tag pass keeps them itself: an account-region whose listing fails keeps its last ones.
    pub studio: Vec<Job>,
}

impl TagState {
    /// The tags known for `arn`, if they were ever read.
    pub fn tags(&self, arn: &str) -> Option<&Tags> {
        self.entries.get(arn).map(|e| &e.tags)
    }
}

/// The version a resource is at: the same `LastModifiedTime|Status` marker the describe cache
/// uses, so a resource that changed in any way AWS reports has its tags read again.
pub fn version_of(job: &Job) -> String {
    crate::model::change_marker(job.last_modified_at, &job.status)
}

/// The finding for one resource whose tags are `tags`, or `None` when it follows the policy.
pub fn finding_for(resource: &Job, tags: &Tags, policy: &TagPolicy) -> Option<TagFinding> {
    let problems = find_tag_problems(tags, policy);
    (!problems.is_empty()).then(|| TagFinding {
        account_id: resource.account_id.clone(),
        account_name: resource.account_name.clone(),
        region: resource.region.clone(),
        kind: resource.kind,
        name: resource.name.clone(),
        arn: resource.arn.clone(),
        missing: problems.missing,
        miscased: problems.miscased,
        invalid: problems.invalid,
        tags: tags.clone(),
        created_at: Some(resource.created_at),
        cost: None,
        created_by: None,
    })
}

/// Every resource of `resources` that breaks `policy`, judged by its cached tags.
///
/// A resource whose tags were never read is left out rather than reported as untagged: that
/// would be a guess, and the tag pass reports such resources as an error instead.
/// `policy_for` gives the rules of an account (by name), which differ between accounts
/// when the organization's tag policy is followed. `account_order` lists account names in
/// config order; findings follow it, then region, kind and name, so exports are stable.
pub fn findings<'a, 'p>(
    resources: impl IntoIterator<Item = &'a Job>,
    entries: &TagCache,
    policy_for: &dyn Fn(&str) -> &'p TagPolicy,
    account_order: &[String],
) -> Vec<TagFinding> {
    let mut out: Vec<TagFinding> = resources
        .into_iter()
        .filter_map(|r| {
            entries
                .get(&r.arn)
                .and_then(|e| finding_for(r, &e.tags, policy_for(&r.account_name)))
        })
        .collect();
    let rank = |name: &str| {
        account_order
            .iter()
            .position(|a| a == name)
            .unwrap_or(usize::MAX)
    };
    out.sort_by(|a, b| {
        rank(&a.account_name)
            .cmp(&rank(&b.account_name))
            .then_with(|| a.account_name.cmp(&b.account_name))
            .then_with(|| a.region.cmp(&b.region))
            .then_with(|| a.kind.cmp(&b.kind))
            .then_with(|| a.name.cmp(&b.name))
            .then_with(|| a.arn.cmp(&b.arn))
    });
    out.dedup_by(|a, b| a.arn == b.arn && a.account_name == b.account_name);
    out
}

#[cfg(test)]
mod tests {
    use chrono::TimeZone;

    use super::*;
    use crate::model::{JobStatus, ResourceKind};

    fn at(hour: u32) -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2026, 11, 20, hour, 0, 0)
            .single()
            .expect("valid")
    }

    fn resource(account: &str, name: &str, kind: ResourceKind) -> Job {
        Job {
            account_id: "123456789012".into(),
            account_name: account.into(),
            region: "us-east-1".into(),
            kind,
            name: name.into(),
            arn: format!("arn:aws:sagemaker:us-east-1:123456789012:x/{account}/{name}"),
            status: JobStatus::from("Completed"),
            created_at: at(1),
            ended_at: None,
            last_modified_at: Some(at(2)),
            instance_type: None,
            instance_count: None,
            failure_reason: None,
            tags: Tags::new(),
            app: None,
            compute: None,
            billing: None,
            streamed_at: None,
            created_by: None,
        }
    }

    fn policy() -> TagPolicy {
        TagPolicy {
            mandatory: vec!["owner".into()],
            allowed: Default::default(),
            organization: Vec::new(),
        }
    }

    fn entry(tags: &[(&str, &str)]) -> TagEntry {
        TagEntry {
            version: "v".into(),
            read_at: at(3),
            tags: tags
                .iter()
                .map(|(k, v)| (k.to_string(), v.to_string()))
                .collect(),
        }
    }

    #[test]
    fn an_entry_is_fresh_for_its_version_until_the_ttl() {
        let e = entry(&[]);
        let ttl = chrono::Duration::hours(24);
        assert!(e.is_fresh("v", at(4), ttl));
        assert!(!e.is_fresh("w", at(4), ttl), "changed resource");
        assert!(
            !e.is_fresh("v", at(3) + ttl, ttl),
            "read a full TTL ago is due again"
        );
    }

    #[test]
    fn the_version_changes_with_status_and_modification_time() {
        let a = resource("main", "a", ResourceKind::Training);
        let mut b = a.clone();
        b.status = JobStatus::from("Failed");
        let mut c = a.clone();
        c.last_modified_at = Some(at(5));
        assert_ne!(version_of(&a), version_of(&b));
        assert_ne!(version_of(&a), version_of(&c));
        assert_eq!(version_of(&a), version_of(&a.clone()));
    }

    #[test]
    fn findings_cover_read_resources_only_in_account_order() {
        let ok = resource("zeta", "ok", ResourceKind::Training);
        let bad_z = resource("zeta", "bad", ResourceKind::Endpoint);
        let bad_a = resource("alpha", "bad", ResourceKind::Notebook);
        let unread = resource("alpha", "unread", ResourceKind::Training);
        let entries = TagCache::from([
            (ok.arn.clone(), entry(&[("owner", "me")])),
            (bad_z.arn.clone(), entry(&[("Owner", "me")])),
            (bad_a.arn.clone(), entry(&[])),
        ]);
        let order = vec!["zeta".to_string(), "alpha".to_string()];
        let policy = policy();
        let found = findings(
            [&ok, &bad_z, &bad_a, &unread],
            &entries,
            &|_| &policy,
            &order,
        );
        let names: Vec<(&str, &str)> = found
            .iter()
            .map(|f| (f.account_name.as_str(), f.name.as_str()))
            .collect();
        assert_eq!(names, [("zeta", "bad"), ("alpha", "bad")]);
        assert_eq!(found[0].miscased[0].found, "Owner");
        assert_eq!(found[1].missing, ["owner"]);
        assert_eq!(found[1].created_at, Some(at(1)));
    }
}
