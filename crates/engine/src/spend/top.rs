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
        let carried = job.tags.get(key).unwrap_or("");
        let carries = match value {
            Some(value) => carried == value,
            None => carried.is_empty(),
        };
        if !carries {
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
}
