//! The CUR's cost per resource, joined to the listed resources.
//!
//! For SageMaker line items `line_item_resource_id` is the resource's ARN. SageMaker writes
//! names lower-cased into ARNs while its APIs echo names as created, so the join ignores
//! ASCII case.

use std::collections::HashMap;

use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};

use super::CurError;
use super::query::{QueryRun, column};
use sagescope_core::cost::Measured;
use sagescope_core::model::{CostSource, Job};

/// One answer of the per-resource query, as kept in the cache.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CurCosts {
    /// The first day the query summed (resources created before it are only partly in it).
    pub start: NaiveDate,
    /// USD by resource id, lower-cased.
    pub by_resource: HashMap<String, f64>,
    /// What Athena scanned to answer.
    pub scanned_bytes: u64,
    /// When Athena answered.
    pub asked: DateTime<Utc>,
}

impl CurCosts {
    /// The answer of [`super::sql::resource_costs`]; a cost that is not a number is an error
    /// (the table's cost column is not what the config says).
    pub fn from_run(
        run: &QueryRun,
        start: NaiveDate,
        asked: DateTime<Utc>,
    ) -> Result<Self, CurError> {
        let (id_at, cost_at) = (column(run, "resource_id")?, column(run, "cost")?);
        let mut by_resource = HashMap::with_capacity(run.rows.len());
        for row in &run.rows {
            let Some(Some(id)) = row.get(id_at) else {
                continue;
            };
            let cost = match row.get(cost_at) {
                Some(Some(text)) => sagescope_core::model::parse_amount(text).ok_or_else(|| {
                    CurError::Answer(format!(
                        "cost `{}` of {} is not a number",
                        sagescope_core::sanitize::plain(text),
                        sagescope_core::sanitize::plain(id)
                    ))
                })?,
                _ => continue,
            };
            *by_resource.entry(id.to_ascii_lowercase()).or_default() += cost;
        }
        Ok(CurCosts {
            start,
            by_resource,
            scanned_bytes: run.scanned_bytes,
            asked,
        })
    }

    /// The CUR's cost of each job it billed in full: a job created before the first day
    /// summed has earlier line items outside the answer, so its sum would be short and is
    /// left out (the next source stands in).
    pub fn measured(&self, jobs: &[Job]) -> Measured {
        let start = self
            .start
            .and_hms_opt(0, 0, 0)
            .map(|t| t.and_utc())
            .unwrap_or_default();
        let mut measured = Measured::new();
        for job in jobs.iter().filter(|job| job.created_at >= start) {
            if let Some(usd) = self.by_resource.get(&job.arn.to_ascii_lowercase()) {
                measured.add(&job.arn, CostSource::Cur, *usd);
            }
        }
        measured
    }
}

#[cfg(test)]
mod tests {
    use chrono::TimeZone;

    use super::*;

    fn run(rows: &[(&str, &str)]) -> QueryRun {
        QueryRun {
            header: vec!["resource_id".into(), "cost".into()],
            rows: rows
                .iter()
                .map(|(id, cost)| vec![Some(id.to_string()), Some(cost.to_string())])
                .collect(),
            scanned_bytes: 42,
            ..QueryRun::default()
        }
    }

    fn job(arn: &str, created: DateTime<Utc>) -> Job {
        Job::in_progress_for_tests(arn, created)
    }

    #[test]
    fn rows_join_to_jobs_by_arn_whatever_the_case() {
        let at = Utc
            .with_ymd_and_hms(2026, 11, 20, 0, 0, 0)
            .single()
            .expect("valid");
        let start: NaiveDate = "2026-11-01".parse().expect("date");
        let costs = CurCosts::from_run(
            &run(&[
                (
                    "arn:aws:sagemaker:us-east-1:123456789012:training-job/nightly-train",
                    "12.5",
                ),
                (
                    "arn:aws:sagemaker:us-east-1:123456789012:training-job/old",
                    "3",
                ),
                (
                    "arn:aws:sagemaker:us-east-1:123456789012:training-job/gone",
                    "1",
                ),
            ]),
            start,
            at,
        )
        .expect("parses");
        assert_eq!(costs.scanned_bytes, 42);
        let nightly = "arn:aws:sagemaker:us-east-1:123456789012:training-job/Nightly-Train";
        let old = "arn:aws:sagemaker:us-east-1:123456789012:training-job/old";
        let measured =
            costs.measured(&[job(nightly, at), job(old, at - chrono::Duration::days(40))]);
        assert_eq!(measured.len(), 1, "{measured:?}");
        let cost = measured.get(nightly).expect("measured")[0];
        assert_eq!(cost.source, CostSource::Cur);
        assert!((cost.usd - 12.5).abs() < 1e-12);
    }

    #[test]
    fn a_cost_that_is_not_a_number_is_an_error() {
        let at = Utc::now();
        let err = CurCosts::from_run(&run(&[("arn:x", "twelve")]), at.date_naive(), at)
            .expect_err("refused");
        assert!(err.to_string().contains("twelve"), "{err}");
    }

    #[test]
    fn nan_and_infinite_costs_are_errors_not_sums() {
        let at = Utc::now();
        for cost in ["NaN", "inf", "-inf", "1e999"] {
            let err = CurCosts::from_run(&run(&[("arn:x", cost)]), at.date_naive(), at)
                .expect_err("refused");
            assert!(err.to_string().contains(cost), "{err}");
        }
    }

    proptest::proptest! {
        #![proptest_config(proptest::prelude::ProptestConfig::with_cases(256))]

        /// Any header and ragged rows of nulls and text: costs or an error, never a panic,
        /// and every cost kept is finite.
        #[test]
        fn any_answer_decodes_or_is_an_error(
            header in proptest::collection::vec("resource_id|cost|\\PC{0,8}", 0..4),
            rows in proptest::collection::vec(
                proptest::collection::vec(
                    proptest::option::of("-?[0-9]{1,4}(\\.[0-9]{1,3})?|arn:\\PC{0,20}|\\PC{0,12}"),
                    0..4,
                ),
                0..8,
            ),
        ) {
            let run = QueryRun { header, rows, ..QueryRun::default() };
            let at = Utc::now();
            if let Ok(costs) = CurCosts::from_run(&run, at.date_naive(), at) {
                proptest::prop_assert!(costs.by_resource.values().all(|c| c.is_finite()));
            }
        }
    }
}
