//! The real [`CostSource`]: AWS Cost Explorer through the official SDK. It lives in `aws/`
//! because SDK types stop here; what leaves is the spend domain's [`CostPage`] /
//! [`Forecast`] / [`CostError`], so `spend/` never sees `aws_sdk_costexplorer`.
//!
//! A question grouped by [`Grouping::Resource`] goes to `GetCostAndUsageWithResources`
//! (resource-level data, last 14 days, daily); every other one to `GetCostAndUsage`.

use aws_sdk_costexplorer::Client;
use aws_sdk_costexplorer::error::{ProvideErrorMetadata, SdkError};
use aws_sdk_costexplorer::types::{
    DateInterval, Dimension, DimensionValues, Expression, Granularity as CeGranularity,
    GroupDefinition, GroupDefinitionType, MatchOption, Metric, ResultByTime, TagValues,
};
use chrono::NaiveDate;
use futures::future::BoxFuture;

use sagescope_core::config::{CostMetric, Granularity};
use sagescope_core::model::STUDIO_USER_PROFILE_TAG;
use sagescope_engine::spend::query::{Grouping, MineFilter, SAGEMAKER_SERVICE, TagFilter};
use sagescope_engine::spend::{
    CostError, CostGroup, CostPage, CostPeriod, CostSource, Forecast, SpendQuery,
};

/// Cost Explorer in the account whose SDK configuration it was built from (the payer sees
/// every linked account).
#[derive(Debug, Clone)]
pub struct CostExplorerSource {
    client: Client,
}

impl CostExplorerSource {
    /// Cost Explorer is a global service served from us-east-1 whatever the profile's region.
    ///
    /// The SDK's own retries are off: it would retry `LimitExceededException` (a throttling
    /// code to it) silently, and every attempt is a billed request. [`sagescope_engine::spend::fetch_pages`]
    /// retries instead, counting each attempt and saying that it waits.
    pub fn new(config: &aws_config::SdkConfig) -> Self {
        let ce_config = aws_sdk_costexplorer::config::Builder::from(config)
            .region(aws_config::Region::new("us-east-1"))
            .retry_config(aws_config::retry::RetryConfig::disabled())
            .build();
        CostExplorerSource {
            client: Client::from_conf(ce_config),
        }
    }
}

impl CostSource for CostExplorerSource {
    fn cost_and_usage<'a>(
        &'a self,
        query: &'a SpendQuery,
        next_token: Option<String>,
    ) -> BoxFuture<'a, Result<CostPage, CostError>> {
        Box::pin(async move {
            let grouping = match &query.grouping {
                Grouping::Resource => return self.with_resources(query, next_token).await,
                Grouping::Tag(key) => GroupDefinition::builder()
                    .r#type(GroupDefinitionType::Tag)
                    .key(key),
                Grouping::Service => GroupDefinition::builder()
                    .r#type(GroupDefinitionType::Dimension)
                    .key("SERVICE"),
                Grouping::LinkedAccount => GroupDefinition::builder()
                    .r#type(GroupDefinitionType::Dimension)
                    .key("LINKED_ACCOUNT"),
            };
            let output = self
                .client
                .get_cost_and_usage()
                .time_period(interval("GetCostAndUsage", query.start, query.end)?)
                .granularity(granularity(query.granularity))
                .metrics(query.metric.as_str())
                .group_by(grouping.build())
                .set_filter(filter(query))
                .set_next_page_token(next_token)
                .send()
                .await
                .map_err(|e| classify("GetCostAndUsage", e))?;
            Ok(CostPage {
                periods: periods(output.results_by_time(), query),
                next_token: output.next_page_token().map(str::to_string),
            })
        })
    }

    fn forecast<'a>(
        &'a self,
        query: &'a SpendQuery,
        start: NaiveDate,
        end: NaiveDate,
    ) -> BoxFuture<'a, Result<Forecast, CostError>> {
        Box::pin(async move {
            let output = self
                .client
                .get_cost_forecast()
                .time_period(interval("GetCostForecast", start, end)?)
                .metric(metric(query.metric))
                .granularity(CeGranularity::Monthly)
                .set_filter(filter(query))
                .send()
                .await
                .map_err(|e| classify("GetCostForecast", e))?;
            let total = output
                .total()
                .ok_or_else(|| CostError::DataUnavailable("no forecast total".into()))?;
            Ok(Forecast {
                amount: total
                    .amount()
                    .and_then(sagescope_core::model::parse_amount)
                    .unwrap_or(0.0),
                unit: total.unit().unwrap_or("USD").to_string(),
            })
        })
    }
}

impl CostExplorerSource {
    /// One page of `GetCostAndUsageWithResources`: daily cost per `RESOURCE_ID` (the
    /// resource's ARN) under the query's filter, which AWS requires (SERVICE = SageMaker here).
    async fn with_resources(
        &self,
        query: &SpendQuery,
        next_token: Option<String>,
    ) -> Result<CostPage, CostError> {
        const OPERATION: &str = "GetCostAndUsageWithResources";
        let by_resource = GroupDefinition::builder()
            .r#type(GroupDefinitionType::Dimension)
            .key("RESOURCE_ID")
            .build();
        let output = self
            .client
            .get_cost_and_usage_with_resources()
            .time_period(interval(OPERATION, query.start, query.end)?)
            .granularity(granularity(query.granularity))
            .metrics(query.metric.as_str())
            .group_by(by_resource)
            .set_filter(filter(query))
            .set_next_page_token(next_token)
            .send()
            .await
            .map_err(|e| classify(OPERATION, e))?;
        Ok(CostPage {
            periods: periods(output.results_by_time(), query),
            next_token: output.next_page_token().map(str::to_string),
        })
    }
}

/// Cost Explorer's `ResultsByTime` as periods of groups holding the query's metric.
fn periods(results: &[ResultByTime], query: &SpendQuery) -> Vec<CostPeriod> {
    let mut periods = Vec::new();
    for result in results {
        let Some(period) = result.time_period() else {
            continue;
        };
        let (Some(start), Some(end)) = (date(period.start()), date(period.end())) else {
            continue;
        };
        let groups = result
            .groups()
            .iter()
            .filter_map(|group| {
                let value = group.metrics()?.get(query.metric.as_str())?;
                Some(CostGroup {
                    keys: group.keys().to_vec(),
                    amount: sagescope_core::model::parse_amount(value.amount()?)?,
                    unit: value.unit().unwrap_or("USD").to_string(),
                })
            })
            .collect();
        periods.push(CostPeriod {
            start,
            end,
            estimated: result.estimated(),
            groups,
        });
    }
    periods
}

fn interval(
    operation: &'static str,
    start: NaiveDate,
    end: NaiveDate,
) -> Result<DateInterval, CostError> {
    DateInterval::builder()
        .start(start.to_string())
        .end(end.to_string())
        .build()
        .map_err(|e| CostError::Other {
            operation,
            message: e.to_string(),
        })
}

fn date(text: &str) -> Option<NaiveDate> {
    NaiveDate::parse_from_str(text, "%Y-%m-%d").ok()
}

fn granularity(g: Granularity) -> CeGranularity {
    match g {
        Granularity::Daily => CeGranularity::Daily,
        Granularity::Monthly => CeGranularity::Monthly,
    }
}

fn metric(m: CostMetric) -> Metric {
    match m {
        CostMetric::UnblendedCost => Metric::UnblendedCost,
        CostMetric::AmortizedCost => Metric::AmortizedCost,
        CostMetric::NetUnblendedCost => Metric::NetUnblendedCost,
        CostMetric::NetAmortizedCost => Metric::NetAmortizedCost,
        CostMetric::BlendedCost => Metric::BlendedCost,
    }
}

/// SERVICE = Amazon SageMaker unless all services are asked for, the tag filter if any, the
/// mine filter if any, and LINKED_ACCOUNT = the chosen accounts if any; joined with AND when
/// more than one applies.
fn filter(query: &SpendQuery) -> Option<Expression> {
    let mut parts = Vec::new();
    if !query.all_services {
        parts.push(
            Expression::builder()
                .dimensions(
                    DimensionValues::builder()
                        .key(Dimension::Service)
                        .values(SAGEMAKER_SERVICE)
                        .build(),
                )
                .build(),
        );
    }
    if let Some(TagFilter { key, value }) = &query.tag_filter {
        let tags = match value {
            Some(value) => TagValues::builder()
                .key(key)
                .values(value)
                .match_options(MatchOption::Equals),
            None => TagValues::builder()
                .key(key)
                .match_options(MatchOption::Absent),
        };
        parts.push(Expression::builder().tags(tags.build()).build());
    }
    if let Some(mine) = &query.mine
        && let Some(expression) = mine_expression(mine)
    {
        parts.push(expression);
    }
    if let Some(ids) = query.accounts.as_ref().filter(|ids| !ids.is_empty()) {
        parts.push(
            Expression::builder()
                .dimensions(
                    DimensionValues::builder()
                        .key(Dimension::LinkedAccount)
                        .set_values(Some(ids.clone()))
                        .build(),
                )
                .build(),
        );
    }
    match parts.len() {
        0 => None,
        1 => parts.pop(),
        _ => Some(Expression::builder().set_and(Some(parts)).build()),
    }
}

/// My owner tag values `Or` my Studio user-profile ARNs (Cost Explorer wants at least two
/// expressions in an `Or`, so one alone stands by itself).
fn mine_expression(mine: &MineFilter) -> Option<Expression> {
    let tag = |key: &str, values: &[String]| {
        Expression::builder()
            .tags(
                TagValues::builder()
                    .key(key)
                    .set_values(Some(values.to_vec()))
                    .match_options(MatchOption::Equals)
                    .build(),
            )
            .build()
    };
    let mut either = Vec::new();
    if !mine.owners.is_empty() {
        either.push(tag(&mine.owner_key, &mine.owners));
    }
    if !mine.profile_arns.is_empty() {
        either.push(tag(STUDIO_USER_PROFILE_TAG, &mine.profile_arns));
    }
    match either.len() {
        0 => None,
        1 => either.pop(),
        _ => Some(Expression::builder().set_or(Some(either)).build()),
    }
}

/// Whether `GetCostAndUsageWithResources` was refused because resource-level data is not
/// switched on. AWS documents no error of its own for it: the answer seen in the field is a
/// `DataUnavailableException`, or a `ValidationException` whose message names resource-level
/// data and the opt-in; both are read here.
fn resource_level_off(code: &str, message: &str) -> bool {
    let text = message.to_ascii_lowercase();
    let about_opt_in = (text.contains("resource-level") || text.contains("resource level"))
        && (text.contains("opt") || text.contains("enable") || text.contains("not available"));
    code == "DataUnavailableException" || (code == "ValidationException" && about_opt_in)
}

/// Turns an SDK error into what the user can act on.
fn classify<E: ProvideErrorMetadata + std::fmt::Debug, R: std::fmt::Debug>(
    operation: &'static str,
    err: SdkError<E, R>,
) -> CostError {
    let code = err.code().unwrap_or_default().to_string();
    let message = err.message().unwrap_or_default().to_string();
    match code.as_str() {
        "AccessDeniedException" | "AccessDenied" | "UnauthorizedOperation" => {
            CostError::AccessDenied { operation, message }
        }
        "LimitExceededException" | "ThrottlingException" => CostError::LimitExceeded,
        _ if operation == "GetCostAndUsageWithResources" && resource_level_off(&code, &message) => {
            CostError::ResourceLevelOff(format!("{code}: {message}"))
        }
        "DataUnavailableException" => CostError::DataUnavailable(message),
        "ExpiredTokenException" | "UnrecognizedClientException" | "InvalidClientTokenId" => {
            CostError::Credentials(format!(
                "the Cost Explorer account's credentials were refused ({code}): refresh them, e.g. `aws sso login`"
            ))
        }
        _ => CostError::Other {
            operation,
            message: match err {
                SdkError::DispatchFailure(ref e) => format!("cannot reach Cost Explorer: {e:?}"),
                SdkError::TimeoutError(_) => "timed out".to_string(),
                _ if !message.is_empty() => format!("{code}: {message}"),
                ref other => format!("{other}"),
            },
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_opt_in_refusal_is_told_from_other_validation_errors() {
        assert!(resource_level_off(
            "DataUnavailableException",
            "Data is not available"
        ));
        assert!(resource_level_off(
            "ValidationException",
            "Resource-level data is not enabled: opt in from the Cost Explorer preferences"
        ));
        assert!(!resource_level_off(
            "ValidationException",
            "Start date is more than 14 days ago"
        ));
        assert!(!resource_level_off(
            "AccessDeniedException",
            "resource-level"
        ));
    }

    /// One `ResultsByTime` entry as Cost Explorer would send it, from its text fields.
    fn result(start: &str, end: &str, amount: &str) -> ResultByTime {
        use aws_sdk_costexplorer::types::{Group, MetricValue};
        let period = DateInterval::builder()
            .start(start)
            .end(end)
            .build()
            .expect("start and end are set");
        let value = MetricValue::builder().amount(amount).unit("USD").build();
        let group = Group::builder()
            .keys("project$fraud")
            .metrics(CostMetric::UnblendedCost.as_str(), value)
            .build();
        ResultByTime::builder()
            .time_period(period)
            .groups(group)
            .build()
    }

    fn query() -> SpendQuery {
        SpendQuery {
            start: "2026-12-01".parse().expect("date"),
            end: "2026-12-03".parse().expect("date"),
            granularity: Granularity::Daily,
            metric: CostMetric::UnblendedCost,
            grouping: Grouping::Tag("project".into()),
            all_services: false,
            tag_filter: None,
            mine: None,
            accounts: None,
        }
    }

    #[test]
    fn an_amount_that_is_no_number_leaves_its_group_out() {
        let got = periods(&[result("2026-12-01", "2026-12-02", "NaN")], &query());
        assert_eq!(got.len(), 1);
        assert!(got[0].groups.is_empty(), "{got:?}");
        let got = periods(&[result("2026-12-01", "2026-12-02", "-1.25")], &query());
        assert_eq!(got[0].groups[0].amount, -1.25, "a credit is kept");
    }

    proptest::proptest! {
        #![proptest_config(proptest::prelude::ProptestConfig::with_cases(256))]

        /// Any dates and amounts in the answer: periods with finite amounts, never a panic;
        /// a period whose dates do not read is skipped.
        #[test]
        fn any_answer_decodes_without_panicking(
            start in "2026-12-0[1-9]|\\PC{0,12}|[0-9]{4}-[0-9]{2}-[0-9]{2}",
            end in "2026-12-0[1-9]|\\PC{0,12}|[0-9]{4}-[0-9]{2}-[0-9]{2}",
            amount in "-?[0-9]{1,6}(\\.[0-9]{1,6})?|NaN|-?inf|\\PC{0,12}",
        ) {
            let got = periods(&[result(&start, &end, &amount)], &query());
            proptest::prop_assert!(got.len() <= 1);
            for period in &got {
                proptest::prop_assert_eq!(Some(period.start), date(&start));
                proptest::prop_assert!(period.groups.iter().all(|g| g.amount.is_finite()));
            }
        }
    }
}
