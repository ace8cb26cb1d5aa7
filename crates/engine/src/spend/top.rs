//! The drill-down's "top resources": the SageMaker resources behind one tag value (or, for
//! the untagged share, those lacking the key), each with its own cost and that cost's source,
//! highest first.
//!
//! Built from what the app already holds (the listed rows, their tags, and each row's best
//! cost from [`sagescope_core::cost`]), so a drill-down asks AWS nothing more for it. Each source
//! covers its own days, not the Spend pane's range: the caller shows a note per source.

use sagescope_core::model::{CostSource, Job, ResourceCost, ResourceKind};

/// How many resources the section lists.
pub const TOP_RESOURCES: usize = 10;

/// One resource and what it cost.
#[derive(Debug, Clone, PartialEq)]
pub struct TopResource {
    pub name: String,
    pub kind: ResourceKind,
    pub account_name: String,
    pub region: String,
    pub cost: ResourceCost,
}

/// The resources carrying a value, the costliest first.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct TopResources {
    /// At most [`TOP_RESOURCES`], highest cost first.
    pub rows: Vec<TopResource>,
    /// Resources carrying the value (lacking the key), priced or not.
    pub carrying: usize,
    /// Of them, those with a known cost.
    pub priced: usize,
    /// What the priced ones cost together.
    pub total_usd: f64,
    /// The sources of the priced ones, best first, each once.
    pub sources: Vec<CostSource>,
}

/// The resources among `jobs` whose tag `key` is `value` (`None`: whose `key` is missing or
/// empty, Cost Explorer's untagged share), priced by `cost_of`, highest first.
pub fn top_resources<'a>(
    jobs: impl Iterator<Item = &'a Job>,
    cost_of: impl Fn(&Job) -> Option<ResourceCost>,
    key: &str,
    value: Option<&str>,
) -> TopResources {
    let mut out = TopResources::default();
    let mut priced = Vec::new();
    for job in jobs {
        if !carries(job, key, value) {
            continue;
        }
        out.carrying += 1;
        if let Some(cost) = cost_of(job) {
            priced.push(TopResource {
                name: job.name.clone(),
                kind: job.kind,
                account_name: job.account_name.to_string(),
                region: job.region.to_string(),
                cost,
            });
        }
    }
    out.priced = priced.len();
    out.total_usd = priced.iter().map(|r| r.cost.usd).sum();
    out.sources = priced.iter().map(|r| r.cost.source).collect();
    out.sources.sort();
    out.sources.dedup();
    priced.sort_by(|a, b| {
        b.cost
            .usd
            .total_cmp(&a.cost.usd)
            .then_with(|| a.name.cmp(&b.name))
    });
    priced.truncate(TOP_RESOURCES);
    out.rows = priced;
    out
}

/// Whether `job` carries `value` for `key` (`None`: lacks the key, or has it empty).
fn carries(job: &Job, key: &str, value: Option<&str>) -> bool {
    let carried = job.tags.get(key).unwrap_or("");
    match value {
        Some(value) => carried == value,
        None => carried.is_empty(),
    }
}

/// Who created the resources lacking a key, and what they cost: the untagged share split by
/// the person to ask.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct CreatorSplit {
    /// Resources lacking the key, priced or not.
    pub resources: usize,
    /// What the priced ones cost together: the sum of `rows`' `usd`.
    pub total_usd: f64,
    /// One per creator, the most money first; resources whose creator is not known are one
    /// row each of "not known yet" and "unknown (older than CloudTrail's 90 days)".
    pub rows: Vec<CreatorShare>,
}

/// One creator's part of the untagged share.
#[derive(Debug, Clone, PartialEq)]
pub struct CreatorShare {
    /// As shown (`alice@example.com`; a role's sessions together, `role/ci-deployer`), or
    /// why it is not known.
    pub creator: String,
    /// Whether `creator` names someone.
    pub known: bool,
    pub resources: usize,
    /// Of them, those with a known cost.
    pub priced: usize,
    pub usd: f64,
    /// `usd` over the split's total, 0 to 1 (0 when nothing is priced).
    pub share: f64,
    /// The cost sources behind `usd`, best first, each once.
    pub sources: Vec<CostSource>,
}

/// What not knowing a resource's creator is called in the split.
pub const NOT_KNOWN_YET: &str = "not known yet";

/// The resources among `jobs` lacking `key`, priced by `cost_of`, grouped by who created
/// them (see [`CreatorSplit`]).
pub fn untagged_by_creator<'a>(
    jobs: impl Iterator<Item = &'a Job>,
    cost_of: impl Fn(&Job) -> Option<ResourceCost>,
    key: &str,
    now: chrono::DateTime<chrono::Utc>,
) -> CreatorSplit {
    let mut groups: std::collections::BTreeMap<(bool, String), CreatorShare> =
        std::collections::BTreeMap::new();
    let mut split = CreatorSplit::default();
    for job in jobs.filter(|job| carries(job, key, None)) {
        split.resources += 1;
        let created = job.created_by.as_deref().and_then(|c| c.created.as_ref());
        let known = created.is_some();
        let creator = match created {
            Some(call) => call.group(),
            None => match sagescope_core::model::creator_label(None, job.created_at, now) {
                "" => NOT_KNOWN_YET.to_string(),
                label => label.to_string(),
            },
        };
        let group = groups
            .entry((known, creator.clone()))
            .or_insert_with(|| CreatorShare {
                creator,
                known,
                resources: 0,
                priced: 0,
                usd: 0.0,
                share: 0.0,
                sources: Vec::new(),
            });
        group.resources += 1;
        if let Some(cost) = cost_of(job) {
            group.priced += 1;
            group.usd += cost.usd;
            if !group.sources.contains(&cost.source) {
                group.sources.push(cost.source);
            }
        }
    }
    split.total_usd = groups.values().map(|g| g.usd).sum();
    let mut rows: Vec<CreatorShare> = groups.into_values().collect();
    for row in &mut rows {
        row.sources.sort();
        row.share = if split.total_usd > 0.0 {
            row.usd / split.total_usd
        } else {
            0.0
        };
    }
    // The most money first; those not known after everyone named.
    rows.sort_by(|a, b| {
        b.known
            .cmp(&a.known)
            .then_with(|| b.usd.total_cmp(&a.usd))
            .then_with(|| a.creator.cmp(&b.creator))
    });
    split.rows = rows;
    split
}

#[cfg(test)]
mod tests {
    use chrono::{TimeZone, Utc};

    use super::*;
    use sagescope_core::model::{JobStatus, Tags};

    fn job(name: &str, tags: &[(&str, &str)]) -> Job {
        let at = Utc
            .with_ymd_and_hms(2026, 12, 1, 0, 0, 0)
            .single()
            .expect("valid");
        let mut t = Tags::new();
        for (k, v) in tags {
            t.insert((*k).into(), (*v).into());
        }
        Job {
            account_id: "111111111111".into(),
            account_name: "dev".into(),
            region: "us-east-1".into(),
            kind: ResourceKind::Training,
            name: name.into(),
            arn: format!("arn:{name}"),
            status: JobStatus::from("Completed"),
            created_at: at,
            ended_at: Some(at),
            last_modified_at: None,
            instance_type: None,
            instance_count: None,
            failure_reason: None,
            tags: t,
            app: None,
            billing: None,
            streamed_at: None,
            created_by: None,
            compute: None,
        }
    }

    fn costs(job: &Job) -> Option<ResourceCost> {
        let (usd, source) = match job.arn.as_str() {
            "arn:a" => (5.0, CostSource::BillableTime),
            "arn:b" => (40.0, CostSource::CeResource),
            "arn:c" => (12.5, CostSource::Estimate),
            "arn:e" => (99.0, CostSource::CeResource),
            _ => return None,
        };
        Some(ResourceCost { usd, source })
    }

    #[test]
    fn a_value_lists_its_resources_costliest_first() {
        let jobs = [
            job("a", &[("project", "vision")]),
            job("b", &[("project", "vision")]),
            job("c", &[("project", "vision")]),
            job("d", &[("project", "vision")]),
            job("e", &[("project", "nlp")]),
        ];
        let top = top_resources(jobs.iter(), costs, "project", Some("vision"));
        let names: Vec<&str> = top.rows.iter().map(|r| r.name.as_str()).collect();
        assert_eq!(names, ["b", "c", "a"], "d has no cost, e another value");
        assert_eq!((top.carrying, top.priced), (4, 3));
        assert_eq!(top.total_usd, 57.5);
        assert_eq!(
            top.sources,
            [
                CostSource::CeResource,
                CostSource::BillableTime,
                CostSource::Estimate
            ]
        );
    }

    #[test]
    fn the_untagged_share_is_the_key_missing_or_empty() {
        let jobs = [
            job("a", &[]),
            job("b", &[("project", "")]),
            job("c", &[("Project", "vision")]),
            job("e", &[("project", "nlp")]),
        ];
        let top = top_resources(jobs.iter(), costs, "project", None);
        let names: Vec<&str> = top.rows.iter().map(|r| r.name.as_str()).collect();
        assert_eq!(
            names,
            ["b", "c", "a"],
            "tag keys are exact: Project is not project"
        );
    }

    #[test]
    fn only_the_top_ten_are_listed_but_all_are_counted() {
        let jobs: Vec<Job> = (0..15).map(|_| job("b", &[("k", "v")])).collect();
        let top = top_resources(jobs.iter(), costs, "k", Some("v"));
        assert_eq!(top.rows.len(), TOP_RESOURCES);
        assert_eq!((top.carrying, top.priced), (15, 15));
        assert_eq!(top.total_usd, 600.0);
    }

    fn created_by(job: &mut Job, who: &str) {
        job.created_by = Some(Box::new(sagescope_core::model::Creator {
            created: Some(sagescope_core::model::CallBy {
                who: who.into(),
                person: Some(who.into()),
                arn: None,
                role: None,
                at: job.created_at,
                source: sagescope_core::model::AttributionSource::Lookup,
            }),
            ..Default::default()
        }));
    }

    #[test]
    fn the_untagged_share_splits_by_creator_and_the_parts_sum_to_the_whole() {
        let now = Utc
            .with_ymd_and_hms(2026, 12, 7, 0, 0, 0)
            .single()
            .expect("valid");
        let mut jobs = [
            job("a", &[]),
            job("b", &[]),
            job("c", &[("project", "")]),
            job("d", &[]),
            job("e", &[("project", "nlp")]),
            job("old", &[]),
        ];
        created_by(&mut jobs[0], "alice@example.com");
        created_by(&mut jobs[1], "bob@example.com");
        created_by(&mut jobs[2], "alice@example.com");
        created_by(&mut jobs[4], "alice@example.com");
        jobs[5].created_at = now - chrono::Duration::days(120);
        let split = untagged_by_creator(jobs.iter(), costs, "project", now);
        // e carries the key; a (5.0) and c (12.5) are alice's, b (40.0) bob's, d unpriced
        // and not known, old past CloudTrail's reach.
        let rows: Vec<(&str, usize, usize, f64)> = split
            .rows
            .iter()
            .map(|r| (r.creator.as_str(), r.resources, r.priced, r.usd))
            .collect();
        assert_eq!(
            rows,
            [
                ("bob@example.com", 1, 1, 40.0),
                ("alice@example.com", 2, 2, 17.5),
                ("not known yet", 1, 0, 0.0),
                ("unknown (older than CloudTrail's 90 days)", 1, 0, 0.0),
            ]
        );
        assert_eq!(split.resources, 5);
        assert_eq!(split.total_usd, 57.5);
        let shares: f64 = split.rows.iter().map(|r| r.share).sum();
        assert!((shares - 1.0).abs() < 1e-12, "{shares}");
        assert_eq!(split.rows[0].share, 40.0 / 57.5);
        assert_eq!(
            split.rows[1].sources,
            [CostSource::BillableTime, CostSource::Estimate]
        );
    }
}
