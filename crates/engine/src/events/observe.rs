//! Turning a refresh's views into an [`Observation`]: which rows were listed fresh, their IDLE
//! flag when CloudWatch answered for them, their tag check when the tag pass did.

use std::collections::{HashMap, HashSet};

use chrono::{DateTime, Utc};

use super::{BudgetObserved, Observation, Observed, TagCheck};
use crate::spend::BudgetStatus;
use sagescope_core::model::{
    FetchError, Job, JobMetrics, ResourceKind, ScopeKey, TagFinding, View,
};

/// What a refresh at `at` observed: the rows of the `scopes` it listed, with the findings and
/// metrics views when this refresh produced them.
pub fn observe(
    at: DateTime<Utc>,
    rows: &[Job],
    scopes: HashSet<ScopeKey>,
    findings: Option<&View<TagFinding>>,
    metrics: Option<&View<JobMetrics>>,
) -> Observation {
    let findings_by_arn: HashMap<&str, &TagFinding> = findings
        .map(|v| v.rows.iter().map(|f| (f.arn.as_str(), f)).collect())
        .unwrap_or_default();
    let metrics_by_arn: HashMap<&str, &JobMetrics> = metrics
        .map(|v| v.rows.iter().map(|m| (m.arn.as_str(), m)).collect())
        .unwrap_or_default();
    let resources = rows
        .iter()
        .filter(|job| scopes.contains(&ScopeKey::of(job)))
        .map(|job| {
            let tags = match findings {
                None => TagCheck::Unchecked,
                Some(view) if failed_for(&view.errors, job) => TagCheck::Unchecked,
                Some(_) => match findings_by_arn.get(job.arn.as_str()) {
                    Some(finding) => TagCheck::Breaks(problems(finding)),
                    None => TagCheck::Compliant,
                },
            };
            let idle = match metrics {
                Some(view) if job.kind == ResourceKind::Endpoint => {
                    if failed_for(&view.errors, job) {
                        None
                    } else {
                        // No complete answer about invocations: not measured, not "not idle".
                        metrics_by_arn.get(job.arn.as_str()).and_then(|m| {
                            sagescope_core::health::invocations_24h(&m.metrics, at)
                                .map(|_| sagescope_core::health::is_idle(job, Some(&m.metrics), at))
                        })
                    }
                }
                _ => None,
            };
            Observed {
                job: job.clone(),
                idle,
                tags,
            }
        })
        .collect();
    Observation {
        streamed: false,
        at: Some(at),
        scopes,
        resources,
        budgets: None,
    }
}

/// Whether a failure of this view covers the job's account-region (its data there is old).
fn failed_for(errors: &[FetchError], job: &Job) -> bool {
    errors.iter().any(|e| {
        e.account == job.account_name && e.region.as_ref().is_none_or(|r| *r == job.region)
    })
}

/// `missing project, owner; Cost-Center should be cost-center; team=x not allowed`.
fn problems(finding: &TagFinding) -> String {
    let mut parts = Vec::new();
    if !finding.missing.is_empty() {
        parts.push(format!("missing {}", finding.missing.join(", ")));
    }
    for m in &finding.miscased {
        parts.push(format!("{} should be {}", m.found, m.expected));
    }
    for i in &finding.invalid {
        parts.push(format!("{}={} not allowed", i.key, i.value));
    }
    parts.join("; ")
}

/// The budgets of a spend outlook, as the event derivation compares them.
pub fn budget_observations(statuses: &[BudgetStatus]) -> Vec<BudgetObserved> {
    statuses
        .iter()
        .map(|s| {
            let projected = s
                .projected
                .map_or_else(|| "no forecast".to_string(), |p| format!("{p:.2}"));
            BudgetObserved {
                name: format!("{}={}", s.budget.tag_key, s.budget.tag_value),
                over: s.over,
                detail: format!(
                    "month to date {:.2} USD, projected {projected} USD, budget {:.2} USD",
                    s.month_to_date, s.budget.monthly_usd
                ),
            }
        })
        .collect()
}
