//! The built-in demo world behind `--demo`: three accounts, two regions each, a few hundred
//! jobs of every kind and status, 75 days of spend and a realistic mess of tags.
//!
//! It is generated, not loaded, so no file is needed at run time, and it is deterministic for a
//! given anchor time: tests pin the anchor, the app passes "now" so the data never looks stale.

mod compute;
mod jobs;
mod rng;
mod spend;
mod timeline;

use std::collections::BTreeMap;

pub use timeline::{replay, timeline};

use chrono::{DateTime, Timelike, Utc};

use crate::config::{AccountConfig, Budget, Config};
use crate::model::{DataSource, Snapshot, TagFinding, TagPolicy, View, find_tag_problems};

/// A demo account: its label, id and the regions it runs in.
pub(crate) struct DemoAccount {
    pub name: &'static str,
    pub id: &'static str,
    pub regions: [&'static str; 2],
    /// Whether this account has a SageMaker Studio domain (and so Studio's auto tags).
    pub studio: bool,
}

pub(crate) const ACCOUNTS: [DemoAccount; 3] = [
    DemoAccount {
        name: "ml-dev",
        id: "111111111111",
        regions: ["us-east-1", "eu-west-1"],
        studio: true,
    },
    DemoAccount {
        name: "ml-prod",
        id: "222222222222",
        regions: ["us-east-1", "us-west-2"],
        studio: false,
    },
    DemoAccount {
        name: "research",
        id: "333333333333",
        regions: ["us-west-2", "eu-west-1"],
        studio: true,
    },
];

/// The config the demo world runs with: its accounts, a three-key tag policy with allowed
/// environments, spend grouped by cost center, and two budgets. UI settings come from the
/// user's own config.
pub fn config(user: &Config) -> Config {
    let mut config = user.clone();
    config.accounts = ACCOUNTS
        .iter()
        .map(|a| AccountConfig {
            name: a.name.to_string(),
            role_arn: Some(format!("arn:aws:iam::{}:role/SageScopeReadOnly", a.id)),
            profile: None,
            external_id: None,
            regions: a.regions.iter().map(|r| r.to_string()).collect(),
        })
        .collect();
    config.tags.policy = policy();
    config.spend.group_by = "cost-center".into();
    config.spend.account = Some("ml-prod".into());
    // One of the demo world's people, so `M` shows a personal view: alice owns
    // fraud-detection and has a Studio user profile of her own name.
    config.me = Some(crate::model::Me {
        owner_key: "owner".into(),
        owners: vec!["alice".into()],
        studio_user_profiles: vec!["alice".into()],
        principals: vec!["alice@example.com".into()],
    });
    config.budgets = vec![
        Budget {
            tag_key: "project".into(),
            tag_value: "llm-finetune".into(),
            monthly_usd: 30_000.0,
        },
        Budget {
            tag_key: "cost-center".into(),
            tag_value: "cc-2040".into(),
            monthly_usd: 9_000.0,
        },
    ];
    config
}

/// `(project, owner)` of the demo world's projects: each project has one owner, so a
/// person's spend by project is their projects' owner-tagged share.
pub fn project_owners() -> Vec<(&'static str, &'static str)> {
    jobs::PROJECTS.iter().map(|p| (p.name, p.owner)).collect()
}

/// The demo tag policy.
pub fn policy() -> TagPolicy {
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

/// The whole demo world as of `now` (truncated to the minute, so it is stable within one).
pub fn world(now: DateTime<Utc>) -> Snapshot {
    let now = now
        .with_second(0)
        .and_then(|t| t.with_nanosecond(0))
        .unwrap_or(now);
    let policy = policy();
    let mut jobs = jobs::generate(now);
    jobs.extend(compute::generate(now));
    let extra = jobs::studio_resources(now);
    let findings: Vec<TagFinding> = jobs
        .iter()
        .map(|j| {
            (
                j.account_id.as_str(),
                j.account_name.as_str(),
                j.region.as_str(),
                j.kind,
                j.name.as_str(),
                j.arn.as_str(),
                &j.tags,
                j.created_at,
            )
        })
        .chain(extra.iter().map(|r| {
            (
                r.account_id,
                r.account_name,
                r.region,
                r.kind,
                r.name.as_str(),
                r.arn.as_str(),
                &r.tags,
                r.created_at,
            )
        }))
        .filter_map(
            |(account_id, account_name, region, kind, name, arn, tags, created_at)| {
                let problems = find_tag_problems(tags, &policy);
                (!problems.is_empty()).then(|| TagFinding {
                    account_id: account_id.into(),
                    account_name: account_name.into(),
                    region: region.into(),
                    kind,
                    name: name.to_string(),
                    arn: arn.to_string(),
                    missing: problems.missing,
                    miscased: problems.miscased,
                    invalid: problems.invalid,
                    tags: tags.clone(),
                    created_at: Some(created_at),
                    cost: None,
                    created_by: None,
                })
            },
        )
        .collect();
    let metrics = crate::metrics::demo::synthesize(&jobs, now);
    Snapshot {
        source: DataSource::Demo,
        metrics: View::new(now, metrics, Vec::new()),
        jobs: View::new(now, jobs, Vec::new()),
        spend: View::new(now, spend::generate(now.date_naive()), Vec::new()),
        findings: View::new(now, findings, Vec::new()),
    }
}

#[cfg(test)]
mod tests {
    use std::collections::HashSet;

    use chrono::TimeZone;

    use super::*;
    use crate::model::{ResourceKind, StatusPhase};

    fn anchor() -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2026, 11, 20, 14, 2, 0)
            .single()
            .expect("valid")
    }

    #[test]
    fn world_is_deterministic_for_an_anchor() {
        assert_eq!(world(anchor()), world(anchor()));
    }

    #[test]
    fn world_covers_accounts_regions_kinds_and_statuses() {
        let w = world(anchor());
        assert!(w.jobs.rows.len() >= 200, "{} jobs", w.jobs.rows.len());
        let pairs: HashSet<(&str, &str)> = w
            .jobs
            .rows
            .iter()
            .map(|j| (j.account_name.as_str(), j.region.as_str()))
            .collect();
        assert_eq!(pairs.len(), 6, "3 accounts x 2 regions");
        for kind in ResourceKind::JOB_KINDS {
            assert!(w.jobs.rows.iter().any(|j| j.kind == kind), "{kind}");
        }
        for status in ["InProgress", "Completed", "Failed", "Stopped", "InService"] {
            assert!(
                w.jobs.rows.iter().any(|j| j.status.as_str() == status),
                "{status}"
            );
        }
        let failed_without_reason = w
            .jobs
            .rows
            .iter()
            .filter(|j| j.status.phase() == StatusPhase::Failed && j.failure_reason.is_none())
            .count();
        assert_eq!(failed_without_reason, 0);
        let arns: HashSet<&str> = w.jobs.rows.iter().map(|j| j.arn.as_str()).collect();
        assert_eq!(arns.len(), w.jobs.rows.len(), "ARNs are unique");
    }

    #[test]
    fn spend_covers_sixty_days_two_keys_and_an_untagged_share() {
        let w = world(anchor());
        let days: HashSet<_> = w.spend.rows.iter().map(|r| r.start).collect();
        assert!(days.len() >= 60, "{} days", days.len());
        let keys: HashSet<&str> = w.spend.rows.iter().map(|r| r.group_key.as_str()).collect();
        assert!(keys.len() >= 2, "{keys:?}");
        for key in keys {
            assert!(
                w.spend
                    .rows
                    .iter()
                    .any(|r| r.group_key == key && r.is_untagged() && r.amount > 0.0),
                "untagged share for {key}"
            );
        }
    }

    #[test]
    fn findings_include_every_kind_of_problem() {
        let w = world(anchor());
        let f = &w.findings.rows;
        assert!(f.iter().any(|x| !x.missing.is_empty()));
        assert!(f.iter().any(|x| !x.miscased.is_empty()));
        assert!(f.iter().any(|x| !x.invalid.is_empty()));
        assert!(
            f.iter()
                .any(|x| x.kind == ResourceKind::Domain || x.kind == ResourceKind::UserProfile)
        );
        for kind in [
            ResourceKind::Model,
            ResourceKind::Pipeline,
            ResourceKind::App,
        ] {
            assert!(f.iter().any(|x| x.kind == kind), "{kind} has findings");
        }
        assert!(
            f.len() < w.jobs.rows.len(),
            "most resources are tagged well"
        );
    }
}
