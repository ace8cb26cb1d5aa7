//! Which `GetMetricData` queries a set of targets needs, how they are batched, what a
//! refresh costs, and how results map back to per-resource series. Pure: no SDK, no I/O.
//!
//! Cost model (CloudWatch list price, checked against AWS's published price data for
//! us-east-1, us-west-2 and eu-west-1: "API Request GetMetricData" USD 0.00001 per metric,
//! i.e. USD 0.01 per 1,000 metrics requested): a refresh costs one metric per query, whatever
//! the number of requests, so batching saves requests (and throttling), not money. Money is
//! saved by asking less: no GPU metrics for instance types known to have no GPU.

use std::collections::HashMap;

use chrono::{DateTime, Duration, DurationRound, Utc};

use super::{MemberSeries, MetricName, MetricTarget, Point, ResourceMetrics};
use crate::instances;

/// CloudWatch's limit of queries in one `GetMetricData` request.
pub const MAX_QUERIES_PER_REQUEST: usize = 500;

/// CloudWatch list price of `GetMetricData`, per metric requested.
pub const USD_PER_METRIC_REQUESTED: f64 = 0.01 / 1000.0;

const TRAINING_NAMESPACE: &str = "/aws/sagemaker/TrainingJobs";
const ENDPOINT_INSTANCE_NAMESPACE: &str = "/aws/sagemaker/Endpoints";
const ENDPOINT_INVOCATION_NAMESPACE: &str = "AWS/SageMaker";

/// How far back a query looks and at what resolution. All queries of one request share a
/// time range, so each window is requested separately.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Window {
    /// Utilisation: the last hour at one-minute points (enough for a 30-minute average and a
    /// sparkline).
    LastHour,
    /// Endpoint invocations: the last 24 hours at hourly sums.
    LastDay,
}

impl Window {
    pub fn duration(self) -> Duration {
        match self {
            Window::LastHour => Duration::hours(1),
            Window::LastDay => Duration::hours(24),
        }
    }

    pub fn period_seconds(self) -> i32 {
        match self {
            Window::LastHour => 60,
            Window::LastDay => 3600,
        }
    }

    /// The time range ending at `now`, snapped to the minute so consecutive refreshes ask for
    /// whole periods.
    pub fn range(self, now: DateTime<Utc>) -> (DateTime<Utc>, DateTime<Utc>) {
        let end = now.duration_trunc(Duration::minutes(1)).unwrap_or(now);
        (end - self.duration(), end)
    }
}

/// One metric of one member of one target.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Query {
    /// Unique within a refresh; starts with a lower-case letter and holds only
    /// `[a-zA-Z0-9_]`, as CloudWatch requires.
    pub id: String,
    pub namespace: &'static str,
    pub metric: MetricName,
    pub dimensions: Vec<(&'static str, String)>,
    /// `Average` or `Sum`.
    pub stat: &'static str,
    pub window: Window,
    /// Index of the target in the slice given to [`plan`].
    pub target: usize,
    /// Index of the member in [`MetricTarget::members`].
    pub member: usize,
}

/// The queries of one request.
#[derive(Debug, Clone, PartialEq)]
pub struct Batch {
    pub window: Window,
    pub start: DateTime<Utc>,
    pub end: DateTime<Utc>,
    pub queries: Vec<Query>,
}

/// What one query returned: possibly one page of several.
#[derive(Debug, Clone, PartialEq)]
pub struct QueryResult {
    pub id: String,
    pub points: Vec<Point>,
    /// CloudWatch's `StatusCode` was `Complete`.
    pub complete: bool,
}

/// Whether the instance type is known to have no GPU (so GPU metrics would be money spent on
/// series that cannot exist). Unknown types are asked for GPU metrics.
fn known_gpu_less(instance_type: Option<&str>) -> bool {
    instance_type
        .and_then(instances::spec)
        .is_some_and(|spec| !spec.has_gpu())
}

fn query_id(target: usize, member: usize, metric: MetricName) -> String {
    format!("t{target}_m{member}_{}", metric.short())
}

/// Every query the targets need, in target order.
///
/// - Training job, per host `<job>/algo-N` (namespace `/aws/sagemaker/TrainingJobs`,
///   dimension `Host`): CPU, GPU, GPU memory and memory utilisation, last hour, averages.
/// - Endpoint, per variant (dimensions `EndpointName`, `VariantName`): CPU and GPU
///   utilisation from `/aws/sagemaker/Endpoints` over the last hour (averages), and
///   `Invocations` from `AWS/SageMaker` over 24 hours (sums).
///
/// GPU metrics are skipped for instance types known to have no GPU.
pub fn plan(targets: &[MetricTarget]) -> Vec<Query> {
    let mut queries = Vec::new();
    for (t, target) in targets.iter().enumerate() {
        let gpu_less = known_gpu_less(target.instance_type());
        for (m, member) in target.members().into_iter().enumerate() {
            let mut push = |namespace, metric: MetricName, dimensions, stat, window| {
                if gpu_less
                    && matches!(
                        metric,
                        MetricName::GpuUtilization | MetricName::GpuMemoryUtilization
                    )
                {
                    return;
                }
                queries.push(Query {
                    id: query_id(t, m, metric),
                    namespace,
                    metric,
                    dimensions,
                    stat,
                    window,
                    target: t,
                    member: m,
                });
            };
            match target {
                MetricTarget::TrainingJob { name, .. } => {
                    let host = vec![("Host", format!("{name}/{member}"))];
                    for metric in [
                        MetricName::CpuUtilization,
                        MetricName::GpuUtilization,
                        MetricName::GpuMemoryUtilization,
                        MetricName::MemoryUtilization,
                    ] {
                        push(
                            TRAINING_NAMESPACE,
                            metric,
                            host.clone(),
                            "Average",
                            Window::LastHour,
                        );
                    }
                }
                MetricTarget::Endpoint { name, .. } => {
                    let variant = vec![("EndpointName", name.clone()), ("VariantName", member)];
                    for metric in [MetricName::CpuUtilization, MetricName::GpuUtilization] {
                        push(
                            ENDPOINT_INSTANCE_NAMESPACE,
                            metric,
                            variant.clone(),
                            "Average",
                            Window::LastHour,
                        );
                    }
                    push(
                        ENDPOINT_INVOCATION_NAMESPACE,
                        MetricName::Invocations,
                        variant,
                        "Sum",
                        Window::LastDay,
                    );
                }
            }
        }
    }
    queries
}

/// Groups queries by window and cuts each group into requests of at most
/// [`MAX_QUERIES_PER_REQUEST`].
pub fn batches(queries: Vec<Query>, now: DateTime<Utc>) -> Vec<Batch> {
    let mut by_window: Vec<(Window, Vec<Query>)> = Vec::new();
    for query in queries {
        match by_window.iter_mut().find(|(w, _)| *w == query.window) {
            Some((_, group)) => group.push(query),
            None => by_window.push((query.window, vec![query])),
        }
    }
    by_window.sort_by_key(|(w, _)| *w);
    let mut out = Vec::new();
    for (window, group) in by_window {
        let (start, end) = window.range(now);
        let mut rest = group.into_iter().peekable();
        while rest.peek().is_some() {
            out.push(Batch {
                window,
                start,
                end,
                queries: rest.by_ref().take(MAX_QUERIES_PER_REQUEST).collect(),
            });
        }
    }
    out
}

/// What a refresh of these targets asks of CloudWatch and costs at list price.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct RefreshCost {
    /// `GetMetricData` calls, assuming no result needs a second page (one hour of
    /// one-minute points for 500 queries is 30,000 points, under the 100,800 a response holds).
    pub requests: usize,
    /// Metrics requested: what CloudWatch bills.
    pub metrics: usize,
    pub usd: f64,
}

/// The requests and list-price cost of one metrics refresh of `targets`.
pub fn refresh_cost(targets: &[MetricTarget], now: DateTime<Utc>) -> RefreshCost {
    let queries = plan(targets);
    let metrics = queries.len();
    RefreshCost {
        requests: batches(queries, now).len(),
        metrics,
        usd: metrics as f64 * USD_PER_METRIC_REQUESTED,
    }
}

/// Maps results back to one [`ResourceMetrics`] per target, in target order.
///
/// `results` in the order the pages came. Pages of one query are concatenated and sorted by
/// time. Every planned query gets a series, empty when CloudWatch returned no data; a planned
/// query with no result at all, or whose last page is not `Complete`, marks its target
/// incomplete. Results with unknown ids are ignored.
pub fn assemble(
    targets: &[MetricTarget],
    queries: &[Query],
    results: Vec<QueryResult>,
    as_of: DateTime<Utc>,
) -> Vec<ResourceMetrics> {
    let mut out: Vec<ResourceMetrics> = targets
        .iter()
        .map(|target| ResourceMetrics {
            target: target.clone(),
            members: target
                .members()
                .into_iter()
                .map(|member| MemberSeries {
                    member,
                    series: Default::default(),
                })
                .collect(),
            as_of,
            complete: true,
        })
        .collect();
    let by_id: HashMap<&str, &Query> = queries.iter().map(|q| (q.id.as_str(), q)).collect();
    let mut answered: HashMap<&str, bool> = HashMap::new();
    for query in queries {
        if let Some(member) = out
            .get_mut(query.target)
            .and_then(|r| r.members.get_mut(query.member))
        {
            member.series.entry(query.metric).or_default();
        }
    }
    for result in results {
        let Some(query) = by_id.get(result.id.as_str()) else {
            tracing::warn!(id = %result.id, "CloudWatch returned a result for no query");
            continue;
        };
        // CloudWatch marks a result continued on the next page `PartialData`; the last
        // page's status is the query's.
        answered.insert(query.id.as_str(), result.complete);
        if let Some(series) = out
            .get_mut(query.target)
            .and_then(|r| r.members.get_mut(query.member))
            .and_then(|m| m.series.get_mut(&query.metric))
        {
            series.extend(result.points);
        }
    }
    for query in queries {
        if !answered.get(query.id.as_str()).copied().unwrap_or(false)
            && let Some(r) = out.get_mut(query.target)
        {
            r.complete = false;
        }
    }
    for resource in &mut out {
        for member in &mut resource.members {
            for series in member.series.values_mut() {
                series.sort_by_key(|(at, _)| *at);
                series.dedup_by_key(|(at, _)| *at);
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use std::collections::HashSet;

    use chrono::TimeZone;

    use super::*;

    fn now() -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2026, 11, 20, 12, 34, 56)
            .single()
            .expect("valid")
    }

    fn training(name: &str, hosts: u32, instance_type: &str) -> MetricTarget {
        MetricTarget::TrainingJob {
            name: name.into(),
            instance_count: hosts,
            instance_type: Some(instance_type.into()),
        }
    }

    fn endpoint(name: &str, variants: &[&str], instance_type: &str) -> MetricTarget {
        MetricTarget::Endpoint {
            name: name.into(),
            variants: variants.iter().map(|v| v.to_string()).collect(),
            instance_type: Some(instance_type.into()),
        }
    }

    fn is_valid_id(id: &str) -> bool {
        id.starts_with(|c: char| c.is_ascii_lowercase())
            && id.chars().all(|c| c.is_ascii_alphanumeric() || c == '_')
            && id.len() <= 255
    }

    #[test]
    fn training_hosts_get_four_metrics_each_with_host_dimensions() {
        let queries = plan(&[training("bert-ft", 2, "ml.g5.12xlarge")]);
        assert_eq!(queries.len(), 8);
        let hosts: HashSet<&str> = queries
            .iter()
            .map(|q| {
                assert_eq!(q.namespace, "/aws/sagemaker/TrainingJobs");
                assert_eq!(q.dimensions.len(), 1);
                assert_eq!(q.dimensions[0].0, "Host");
                assert_eq!(q.stat, "Average");
                assert_eq!(q.window, Window::LastHour);
                q.dimensions[0].1.as_str()
            })
            .collect();
        assert_eq!(hosts, HashSet::from(["bert-ft/algo-1", "bert-ft/algo-2"]));
        let metrics: HashSet<&str> = queries.iter().map(|q| q.metric.cloudwatch_name()).collect();
        assert_eq!(
            metrics,
            HashSet::from([
                "CPUUtilization",
                "GPUUtilization",
                "GPUMemoryUtilization",
                "MemoryUtilization"
            ])
        );
    }

    #[test]
    fn gpu_metrics_are_not_bought_for_cpu_only_types() {
        let cpu_only = plan(&[training("etl", 3, "ml.m5.xlarge")]);
        assert_eq!(cpu_only.len(), 6, "CPU and memory for three hosts");
        assert!(cpu_only.iter().all(|q| !matches!(
            q.metric,
            MetricName::GpuUtilization | MetricName::GpuMemoryUtilization
        )));
        let unknown = plan(&[MetricTarget::TrainingJob {
            name: "x".into(),
            instance_count: 1,
            instance_type: Some("ml.brand.new".into()),
        }]);
        assert_eq!(unknown.len(), 4, "unknown hardware may have a GPU");
    }

    #[test]
    fn endpoints_get_utilisation_per_variant_and_invocations_over_a_day() {
        let queries = plan(&[endpoint("recsys", &["blue", "green"], "ml.g4dn.xlarge")]);
        assert_eq!(queries.len(), 6);
        let invocations: Vec<&Query> = queries
            .iter()
            .filter(|q| q.metric == MetricName::Invocations)
            .collect();
        assert_eq!(invocations.len(), 2);
        for q in &invocations {
            assert_eq!(q.namespace, "AWS/SageMaker");
            assert_eq!(q.stat, "Sum");
            assert_eq!(q.window, Window::LastDay);
            assert_eq!(q.dimensions[0], ("EndpointName", "recsys".to_string()));
            assert_eq!(q.dimensions[1].0, "VariantName");
        }
        assert!(
            queries
                .iter()
                .filter(|q| q.metric != MetricName::Invocations)
                .all(|q| q.namespace == "/aws/sagemaker/Endpoints" && q.stat == "Average")
        );
        let cpu_only = plan(&[endpoint("churn", &["AllTraffic"], "ml.c5.large")]);
        assert_eq!(cpu_only.len(), 2, "CPU and invocations");
    }

    #[test]
    fn query_ids_are_unique_and_follow_cloudwatch_rules() {
        let targets: Vec<MetricTarget> = (0..40)
            .map(|i| training(&format!("Job-{i}.with-Odd_chars"), 4, "ml.p4d.24xlarge"))
            .chain((0..15).map(|i| endpoint(&format!("ep-{i}"), &["a", "b"], "ml.g5.xlarge")))
            .collect();
        let queries = plan(&targets);
        let ids: HashSet<&str> = queries.iter().map(|q| q.id.as_str()).collect();
        assert_eq!(ids.len(), queries.len(), "ids are unique");
        for id in ids {
            assert!(is_valid_id(id), "{id}");
        }
    }

    #[test]
    fn batches_split_at_500_and_never_mix_windows() {
        // 130 jobs × 1 host × 4 metrics = 520 hour queries; 30 endpoints × 1 variant =
        // 60 hour queries + 30 day queries.
        let targets: Vec<MetricTarget> = (0..130)
            .map(|i| training(&format!("j{i}"), 1, "ml.g5.xlarge"))
            .chain((0..30).map(|i| endpoint(&format!("e{i}"), &["AllTraffic"], "ml.g5.xlarge")))
            .collect();
        let queries = plan(&targets);
        assert_eq!(queries.len(), 610);
        let batches = batches(queries, now());
        let sizes: Vec<(Window, usize)> = batches
            .iter()
            .map(|b| (b.window, b.queries.len()))
            .collect();
        assert_eq!(
            sizes,
            vec![
                (Window::LastHour, 500),
                (Window::LastHour, 80),
                (Window::LastDay, 30)
            ]
        );
        for b in &batches {
            assert!(b.queries.iter().all(|q| q.window == b.window));
            assert_eq!(b.end - b.start, b.window.duration());
        }
        let end = Utc
            .with_ymd_and_hms(2026, 11, 20, 12, 34, 0)
            .single()
            .expect("valid");
        assert_eq!(batches[0].end, end, "windows end on the minute");
    }

    #[test]
    fn exactly_500_queries_fit_one_request() {
        let targets: Vec<MetricTarget> = (0..125)
            .map(|i| training(&format!("j{i}"), 1, "ml.g5.xlarge"))
            .collect();
        assert_eq!(batches(plan(&targets), now()).len(), 1);
        assert!(
            batches(Vec::new(), now()).is_empty(),
            "nothing running, no request"
        );
    }

    #[test]
    fn refresh_cost_counts_requests_and_metrics_at_list_price() {
        // 20 running jobs × 2 hosts on GPU types, 10 single-variant GPU endpoints.
        let targets: Vec<MetricTarget> = (0..20)
            .map(|i| training(&format!("j{i}"), 2, "ml.g5.2xlarge"))
            .chain((0..10).map(|i| endpoint(&format!("e{i}"), &["AllTraffic"], "ml.g5.xlarge")))
            .collect();
        let cost = refresh_cost(&targets, now());
        assert_eq!(cost.metrics, 20 * 2 * 4 + 10 * 3);
        assert_eq!(cost.requests, 2, "one per window");
        assert!((cost.usd - 0.0019).abs() < 1e-12, "{}", cost.usd);
    }

    #[test]
    fn results_map_back_to_their_hosts_sorted_and_deduplicated() {
        let targets = [
            training("a", 2, "ml.m5.xlarge"),
            training("b", 1, "ml.m5.xlarge"),
        ];
        let queries = plan(&targets);
        let t = |m: i64| now() - Duration::minutes(m);
        let results: Vec<QueryResult> = queries
            .iter()
            .map(|q| QueryResult {
                id: q.id.clone(),
                points: if q.target == 0 && q.member == 1 && q.metric == MetricName::CpuUtilization
                {
                    vec![(t(1), 30.0), (t(3), 10.0), (t(2), 20.0), (t(1), 30.0)]
                } else {
                    Vec::new()
                },
                complete: true,
            })
            .collect();
        let out = assemble(&targets, &queries, results, now());
        assert_eq!(out.len(), 2);
        assert!(out.iter().all(|r| r.complete));
        let host2 = &out[0].members[1];
        assert_eq!(host2.member, "algo-2");
        assert_eq!(
            host2.series[&MetricName::CpuUtilization],
            vec![(t(3), 10.0), (t(2), 20.0), (t(1), 30.0)]
        );
        assert_eq!(out[1].members.len(), 1);
        assert!(
            out[1].members[0].series[&MetricName::MemoryUtilization].is_empty(),
            "asked-for metric without data is an empty series"
        );
        assert!(!out[1].has(MetricName::GpuUtilization), "not asked for");
    }

    #[test]
    fn missing_or_partial_results_mark_only_their_target_incomplete() {
        let targets = [
            training("a", 1, "ml.m5.xlarge"),
            training("b", 1, "ml.m5.xlarge"),
        ];
        let queries = plan(&targets);
        let results: Vec<QueryResult> = queries
            .iter()
            .filter(|q| !(q.target == 1 && q.metric == MetricName::MemoryUtilization))
            .map(|q| QueryResult {
                id: q.id.clone(),
                points: Vec::new(),
                complete: true,
            })
            .chain([QueryResult {
                id: "zz_unknown".into(),
                points: vec![(now(), 1.0)],
                complete: true,
            }])
            .collect();
        let out = assemble(&targets, &queries, results, now());
        assert!(out[0].complete);
        assert!(!out[1].complete, "a query without any result");

        let partial: Vec<QueryResult> = queries
            .iter()
            .map(|q| QueryResult {
                id: q.id.clone(),
                points: Vec::new(),
                complete: q.target != 0,
            })
            .collect();
        let out = assemble(&targets, &queries, partial, now());
        assert!(!out[0].complete && out[1].complete);
    }

    #[test]
    fn a_query_continued_on_a_second_page_is_complete_with_all_its_points() {
        let targets = [training("a", 1, "ml.m5.xlarge")];
        let queries = plan(&targets);
        let cpu = &queries[0];
        assert_eq!(cpu.metric, MetricName::CpuUtilization);
        let t = |m: i64| now() - Duration::minutes(m);
        let mut results: Vec<QueryResult> = queries
            .iter()
            .map(|q| QueryResult {
                id: q.id.clone(),
                points: Vec::new(),
                complete: q.id != cpu.id,
            })
            .collect();
        results[0].points = vec![(t(5), 50.0)];
        results.push(QueryResult {
            id: cpu.id.clone(),
            points: vec![(t(4), 40.0)],
            complete: true,
        });
        let out = assemble(&targets, &queries, results, now());
        assert!(out[0].complete);
        assert_eq!(
            out[0].members[0].series[&MetricName::CpuUtilization],
            vec![(t(5), 50.0), (t(4), 40.0)]
        );
    }
}
