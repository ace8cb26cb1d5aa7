//! [`MetricSource`] backed by CloudWatch `GetMetricData`, for one account and region.
//!
//! It lives in `aws/` because it is the only file that touches `aws_sdk_cloudwatch`: queries
//! go in as the metrics domain's [`Query`], series come out as [`ResourceMetrics`], and
//! `metrics/` never sees an SDK type. Each window's queries are sent in requests of at most
//! 500, every `NextToken` page is followed, and the calls made are counted so the UI can show
//! what metrics cost.

use std::sync::atomic::{AtomicU64, Ordering};

use aws_sdk_cloudwatch::Client;
use aws_sdk_cloudwatch::error::DisplayErrorContext;
use aws_sdk_cloudwatch::types::{
    Dimension, Metric, MetricDataQuery, MetricDataResult, MetricStat, ScanBy, StatusCode,
};
use chrono::{DateTime, Utc};
use futures::future::BoxFuture;

use sagescope_core::metrics::query::{self, Batch, Query, QueryResult, Window};
use sagescope_core::metrics::{
    MetricSource, MetricTarget, MetricsError, Point, ResourceMetrics, Usage,
};

/// A guard against a server that keeps answering with a `NextToken`: one window of 500
/// queries fits in one page in practice, so a hundred pages means something is wrong.
const MAX_PAGES: usize = 100;

/// CloudWatch metrics of one account and region.
#[derive(Debug)]
pub struct CloudWatchSource {
    client: Client,
    requests: AtomicU64,
    metrics: AtomicU64,
}

impl CloudWatchSource {
    /// A source using the account-region's SDK configuration (credentials, region, retries).
    pub fn new(config: &aws_config::SdkConfig) -> Self {
        Self::from_client(Client::new(config))
    }

    pub fn from_client(client: Client) -> Self {
        CloudWatchSource {
            client,
            requests: AtomicU64::new(0),
            metrics: AtomicU64::new(0),
        }
    }

    pub fn usage(&self) -> Usage {
        Usage {
            requests: self.requests.load(Ordering::Relaxed),
            metrics: self.metrics.load(Ordering::Relaxed),
        }
    }

    async fn fetch_all(
        &self,
        targets: &[MetricTarget],
        now: DateTime<Utc>,
    ) -> Result<Vec<ResourceMetrics>, MetricsError> {
        let queries = query::plan(targets);
        let mut results = Vec::new();
        for batch in query::batches(queries.clone(), now) {
            results.extend(self.fetch_batch(&batch).await?);
        }
        let (_, as_of) = Window::LastHour.range(now);
        Ok(query::assemble(targets, &queries, results, as_of))
    }

    async fn fetch_batch(&self, batch: &Batch) -> Result<Vec<QueryResult>, MetricsError> {
        let sdk_queries: Vec<MetricDataQuery> = batch.queries.iter().map(to_sdk).collect();
        let mut results = Vec::new();
        let mut next_token: Option<String> = None;
        for _ in 0..MAX_PAGES {
            let response = self
                .client
                .get_metric_data()
                .set_metric_data_queries(Some(sdk_queries.clone()))
                .start_time(to_smithy(batch.start))
                .end_time(to_smithy(batch.end))
                .scan_by(ScanBy::TimestampAscending)
                .set_next_token(next_token.take())
                .send()
                .await;
            self.requests.fetch_add(1, Ordering::Relaxed);
            self.metrics
                .fetch_add(batch.queries.len() as u64, Ordering::Relaxed);
            let output =
                response.map_err(|e| MetricsError::Request(DisplayErrorContext(&e).to_string()))?;
            results.extend(output.metric_data_results().iter().map(from_sdk));
            match output.next_token() {
                Some(token) if !token.is_empty() => next_token = Some(token.to_string()),
                _ => return Ok(results),
            }
        }
        Err(MetricsError::Request(format!(
            "GetMetricData still paginating after {MAX_PAGES} pages"
        )))
    }
}

impl MetricSource for CloudWatchSource {
    fn fetch<'a>(
        &'a self,
        targets: &'a [MetricTarget],
        now: DateTime<Utc>,
    ) -> BoxFuture<'a, Result<Vec<ResourceMetrics>, MetricsError>> {
        Box::pin(self.fetch_all(targets, now))
    }

    fn usage(&self) -> Usage {
        CloudWatchSource::usage(self)
    }
}

fn to_sdk(query: &Query) -> MetricDataQuery {
    let metric = Metric::builder()
        .namespace(query.namespace)
        .metric_name(query.metric.cloudwatch_name())
        .set_dimensions(Some(
            query
                .dimensions
                .iter()
                .map(|(name, value)| Dimension::builder().name(*name).value(value).build())
                .collect(),
        ))
        .build();
    MetricDataQuery::builder()
        .id(&query.id)
        .metric_stat(
            MetricStat::builder()
                .metric(metric)
                .period(query.window.period_seconds())
                .stat(query.stat)
                .build(),
        )
        .return_data(true)
        .build()
}

fn from_sdk(result: &MetricDataResult) -> QueryResult {
    let points: Vec<Point> = result
        .timestamps()
        .iter()
        .zip(result.values())
        .filter(|(_, value)| value.is_finite())
        .filter_map(|(at, value)| from_smithy(at).map(|at| (at, *value)))
        .collect();
    QueryResult {
        id: result.id().unwrap_or_default().to_string(),
        points,
        complete: matches!(result.status_code(), Some(StatusCode::Complete)),
    }
}

fn to_smithy(at: DateTime<Utc>) -> aws_smithy_types::DateTime {
    aws_smithy_types::DateTime::from_secs_and_nanos(at.timestamp(), at.timestamp_subsec_nanos())
}

fn from_smithy(at: &aws_smithy_types::DateTime) -> Option<DateTime<Utc>> {
    DateTime::from_timestamp(at.secs(), at.subsec_nanos())
}

#[cfg(test)]
mod tests {
    //! Against the real wire protocol: a tiny HTTP server on 127.0.0.1 answers as CloudWatch
    //! does (awsQuery: form-encoded requests, XML responses), so these tests exercise the
    //! SDK's serialisation of our queries, its parsing of results, and our pagination.

    use std::collections::BTreeMap;
    use std::sync::{Arc, Mutex};

    use aws_sdk_cloudwatch::config::{BehaviorVersion, Credentials, Region};
    use aws_smithy_types::retry::RetryConfig;
    use chrono::{Duration, TimeZone};
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    use tokio::net::TcpListener;

    use super::*;
    use sagescope_core::metrics::MetricName;

    fn now() -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2026, 11, 20, 12, 30, 20)
            .single()
            .expect("valid")
    }

    /// One decoded request the stub received.
    #[derive(Debug, Clone)]
    struct Seen {
        form: BTreeMap<String, String>,
    }

    impl Seen {
        fn ids(&self) -> Vec<String> {
            (1..)
                .map_while(|n| self.form.get(&format!("MetricDataQueries.member.{n}.Id")))
                .cloned()
                .collect()
        }

        /// The query fields of query `n` (1-based), keys without the common prefix.
        fn query(&self, n: usize) -> BTreeMap<String, String> {
            let prefix = format!("MetricDataQueries.member.{n}.");
            self.form
                .iter()
                .filter_map(|(k, v)| k.strip_prefix(&prefix).map(|k| (k.to_string(), v.clone())))
                .collect()
        }
    }

    fn percent_decode(s: &str) -> String {
        let bytes = s.as_bytes();
        let mut out = Vec::with_capacity(bytes.len());
        let mut i = 0;
        while i < bytes.len() {
            match bytes[i] {
                b'+' => out.push(b' '),
                b'%' if i + 2 < bytes.len() => {
                    let hex = std::str::from_utf8(&bytes[i + 1..i + 3]).expect("ascii");
                    out.push(u8::from_str_radix(hex, 16).expect("hex escape"));
                    i += 2;
                }
                b => out.push(b),
            }
            i += 1;
        }
        String::from_utf8(out).expect("utf-8 form")
    }

    fn parse_form(body: &str) -> BTreeMap<String, String> {
        body.split('&')
            .filter(|pair| !pair.is_empty())
            .map(|pair| {
                let (k, v) = pair.split_once('=').unwrap_or((pair, ""));
                (percent_decode(k), percent_decode(v))
            })
            .collect()
    }

    /// How the stub answers.
    #[derive(Clone, Copy)]
    enum Mode {
        /// Every query gets a point on page 1 (`PartialData`, with a `NextToken`) and one
        /// more on page 2 (`Complete`).
        TwoPages,
        /// A CloudWatch error.
        Throttle,
    }

    fn result_xml(id: &str, minute: u32, value: f64, status: &str) -> String {
        format!(
            "<member><Id>{id}</Id><Label>{id}</Label>\
             <Timestamps><member>2026-11-20T12:{minute:02}:00Z</member></Timestamps>\
             <Values><member>{value}</member></Values>\
             <StatusCode>{status}</StatusCode></member>"
        )
    }

    fn respond(mode: Mode, seen: &Seen) -> (u16, String) {
        match mode {
            Mode::Throttle => (
                400,
                "<ErrorResponse><Error><Type>Sender</Type><Code>Throttling</Code>\
                 <Message>Rate exceeded</Message></Error><RequestId>r1</RequestId></ErrorResponse>"
                    .to_string(),
            ),
            Mode::TwoPages => {
                let second = seen.form.get("NextToken").is_some_and(|t| t == "page-2");
                let results: String = seen
                    .ids()
                    .iter()
                    .map(|id| {
                        // A value per id so the test can tell results apart.
                        let value = if id.ends_with("_cpu") { 250.0 } else { 42.5 };
                        if second {
                            result_xml(id, 29, value, "Complete")
                        } else {
                            result_xml(id, 28, value, "PartialData")
                        }
                    })
                    .collect();
                let token = if second {
                    String::new()
                } else {
                    "<NextToken>page-2</NextToken>".to_string()
                };
                (
                    200,
                    format!(
                        "<GetMetricDataResponse xmlns=\"http://monitoring.amazonaws.com/doc/2010-08-01/\">\
                         <GetMetricDataResult><MetricDataResults>{results}</MetricDataResults>\
                         {token}<Messages/></GetMetricDataResult>\
                         <ResponseMetadata><RequestId>r1</RequestId></ResponseMetadata>\
                         </GetMetricDataResponse>"
                    ),
                )
            }
        }
    }

    /// Starts the stub on a free loopback port; it serves until the test's runtime ends.
    async fn stub(mode: Mode) -> (String, Arc<Mutex<Vec<Seen>>>) {
        let listener = TcpListener::bind("127.0.0.1:0")
            .await
            .expect("bind loopback");
        let addr = listener.local_addr().expect("local addr");
        let seen = Arc::new(Mutex::new(Vec::new()));
        let log = Arc::clone(&seen);
        tokio::spawn(async move {
            while let Ok((mut socket, _)) = listener.accept().await {
                let log = Arc::clone(&log);
                tokio::spawn(async move {
                    let mut buf = Vec::new();
                    let mut chunk = [0u8; 8192];
                    let (head_end, content_length) = loop {
                        let n = socket.read(&mut chunk).await.expect("read request");
                        if n == 0 {
                            return;
                        }
                        buf.extend_from_slice(&chunk[..n]);
                        if let Some(pos) = buf.windows(4).position(|w| w == b"\r\n\r\n") {
                            let head = String::from_utf8_lossy(&buf[..pos]).to_lowercase();
                            let length = head
                                .lines()
                                .find_map(|l| l.strip_prefix("content-length:"))
                                .map_or(0, |v| v.trim().parse::<usize>().expect("length"));
                            break (pos + 4, length);
                        }
                    };
                    while buf.len() < head_end + content_length {
                        let n = socket.read(&mut chunk).await.expect("read body");
                        if n == 0 {
                            break;
                        }
                        buf.extend_from_slice(&chunk[..n]);
                    }
                    let body = String::from_utf8_lossy(&buf[head_end..]).to_string();
                    let request = Seen {
                        form: parse_form(&body),
                    };
                    let (status, xml) = respond(mode, &request);
                    log.lock().expect("log lock").push(request);
                    let reply = format!(
                        "HTTP/1.1 {status} X\r\ncontent-type: text/xml\r\ncontent-length: {}\r\n\
                         connection: close\r\n\r\n{xml}",
                        xml.len()
                    );
                    socket
                        .write_all(reply.as_bytes())
                        .await
                        .expect("write reply");
                    let _ = socket.shutdown().await;
                });
            }
        });
        (format!("http://{addr}"), seen)
    }

    fn source(endpoint: &str) -> CloudWatchSource {
        let config = aws_sdk_cloudwatch::Config::builder()
            .behavior_version(BehaviorVersion::latest())
            .region(Region::new("us-east-1"))
            .credentials_provider(Credentials::new("AKIDTEST", "secret", None, None, "test"))
            .endpoint_url(endpoint)
            .retry_config(RetryConfig::disabled())
            .build();
        CloudWatchSource::from_client(Client::from_conf(config))
    }

    #[tokio::test]
    async fn queries_go_out_on_the_wire_and_series_come_back_per_host() {
        let (endpoint, seen) = stub(Mode::TwoPages).await;
        let cw = source(&endpoint);
        let targets = vec![
            MetricTarget::TrainingJob {
                name: "llm-ft".into(),
                instance_count: 2,
                instance_type: Some("ml.g5.12xlarge".into()),
            },
            MetricTarget::Endpoint {
                name: "recsys".into(),
                variants: vec!["AllTraffic".into()],
                instance_type: Some("ml.m5.large".into()),
            },
        ];
        let out = cw.fetch(&targets, now()).await.expect("fetch succeeds");

        let requests = seen.lock().expect("log").clone();
        // Two windows (hour, day), two pages each.
        assert_eq!(requests.len(), 4);
        assert_eq!(cw.usage().requests, 4);
        assert!(requests.iter().all(|r| r.form["Action"] == "GetMetricData"));
        let hour = &requests[0];
        // 2 hosts × 4 metrics + 1 variant × CPU (ml.m5.large has no GPU).
        assert_eq!(hour.ids().len(), 9);
        assert_eq!(hour.form["StartTime"], "2026-11-20T11:30:00Z");
        assert_eq!(hour.form["EndTime"], "2026-11-20T12:30:00Z");
        assert_eq!(hour.form["ScanBy"], "TimestampAscending");
        let first = hour.query(1);
        assert_eq!(first["Id"], "t0_m0_cpu");
        assert_eq!(
            first["MetricStat.Metric.Namespace"],
            "/aws/sagemaker/TrainingJobs"
        );
        assert_eq!(first["MetricStat.Metric.MetricName"], "CPUUtilization");
        assert_eq!(first["MetricStat.Metric.Dimensions.member.1.Name"], "Host");
        assert_eq!(
            first["MetricStat.Metric.Dimensions.member.1.Value"],
            "llm-ft/algo-1"
        );
        assert_eq!(first["MetricStat.Period"], "60");
        assert_eq!(first["MetricStat.Stat"], "Average");
        assert!(!hour.form.contains_key("NextToken"));
        assert_eq!(requests[1].form["NextToken"], "page-2");
        let day = &requests[2];
        assert_eq!(day.ids(), vec!["t1_m0_inv"]);
        let inv = day.query(1);
        assert_eq!(inv["MetricStat.Metric.Namespace"], "AWS/SageMaker");
        assert_eq!(inv["MetricStat.Stat"], "Sum");
        assert_eq!(inv["MetricStat.Period"], "3600");
        assert_eq!(
            inv["MetricStat.Metric.Dimensions.member.2.Value"],
            "AllTraffic"
        );
        assert_eq!(day.form["StartTime"], "2026-11-19T12:30:00Z");

        assert_eq!(out.len(), 2);
        assert!(
            out.iter().all(|r| r.complete),
            "page 2 completed every query"
        );
        let job = &out[0];
        assert_eq!(job.members.len(), 2);
        let cpu = &job.members[1].series[&MetricName::CpuUtilization];
        let at = |m: u32| {
            Utc.with_ymd_and_hms(2026, 11, 20, 12, m, 0)
                .single()
                .expect("valid")
        };
        assert_eq!(cpu, &vec![(at(28), 250.0), (at(29), 250.0)]);
        assert_eq!(
            job.members[0].series[&MetricName::GpuMemoryUtilization].len(),
            2
        );
        let ep = &out[1];
        assert_eq!(ep.members[0].member, "AllTraffic");
        assert_eq!(ep.members[0].series[&MetricName::Invocations].len(), 2);
        assert!(!ep.has(MetricName::GpuUtilization));
        assert_eq!(ep.as_of, now() - Duration::seconds(20));
    }

    #[tokio::test]
    async fn more_than_500_queries_are_split_across_requests() {
        let (endpoint, seen) = stub(Mode::TwoPages).await;
        let cw = source(&endpoint);
        // 130 single-host GPU jobs: 520 queries in the hour window.
        let targets: Vec<MetricTarget> = (0..130)
            .map(|i| MetricTarget::TrainingJob {
                name: format!("job-{i}"),
                instance_count: 1,
                instance_type: Some("ml.g4dn.xlarge".into()),
            })
            .collect();
        let out = cw.fetch(&targets, now()).await.expect("fetch succeeds");
        let sizes: Vec<usize> = seen
            .lock()
            .expect("log")
            .iter()
            .map(|r| r.ids().len())
            .collect();
        assert_eq!(
            sizes,
            vec![500, 500, 20, 20],
            "two requests, two pages each"
        );
        assert_eq!(cw.usage().metrics, 1040);
        assert_eq!(out.len(), 130);
        assert!(out.iter().all(|r| r.complete));
        assert_eq!(
            out[129].members[0].series[&MetricName::GpuUtilization].len(),
            2
        );
    }

    #[tokio::test]
    async fn nothing_running_makes_no_request() {
        let (endpoint, seen) = stub(Mode::TwoPages).await;
        let cw = source(&endpoint);
        let out = cw.fetch(&[], now()).await.expect("no-op");
        assert!(out.is_empty());
        assert!(seen.lock().expect("log").is_empty());
        assert_eq!(cw.usage(), Usage::default());
    }

    #[tokio::test]
    async fn cloudwatch_errors_surface_as_metrics_errors() {
        let (endpoint, _) = stub(Mode::Throttle).await;
        let cw = source(&endpoint);
        let target = [MetricTarget::TrainingJob {
            name: "j".into(),
            instance_count: 1,
            instance_type: None,
        }];
        let err = cw.fetch(&target, now()).await.expect_err("throttled");
        let MetricsError::Request(message) = err;
        assert!(message.contains("Throttling"), "{message}");
        assert_eq!(
            cw.usage().requests,
            1,
            "retries are the SDK config's business"
        );
    }

    proptest::proptest! {
        #![proptest_config(proptest::prelude::ProptestConfig::with_cases(256))]

        /// Any timestamps and values CloudWatch could send: points at representable times
        /// with finite values only, never a panic, never more points than pairs sent.
        #[test]
        fn any_result_decodes_to_finite_points(
            pairs in proptest::collection::vec(
                (proptest::prelude::any::<i64>(), 0u32..1_000_000_000, proptest::prelude::any::<f64>()),
                0..12,
            ),
            extra_values in proptest::collection::vec(proptest::prelude::any::<f64>(), 0..3),
        ) {
            let result = MetricDataResult::builder()
                .id("q0")
                .set_timestamps(Some(
                    pairs
                        .iter()
                        .map(|(secs, nanos, _)| aws_smithy_types::DateTime::from_secs_and_nanos(*secs, *nanos))
                        .collect(),
                ))
                .set_values(Some(
                    pairs.iter().map(|(_, _, v)| *v).chain(extra_values).collect(),
                ))
                .status_code(StatusCode::Complete)
                .build();
            let decoded = from_sdk(&result);
            proptest::prop_assert!(decoded.points.len() <= pairs.len());
            let representable = DateTime::<Utc>::MIN_UTC.timestamp()..=DateTime::<Utc>::MAX_UTC.timestamp();
            let kept: Vec<(i64, u32, f64)> = pairs
                .iter()
                .copied()
                .filter(|(secs, _, v)| v.is_finite() && representable.contains(secs))
                .collect();
            let got: Vec<(i64, u32, f64)> = decoded
                .points
                .iter()
                .map(|(at, v)| (at.timestamp(), at.timestamp_subsec_nanos(), *v))
                .collect();
            proptest::prop_assert_eq!(got, kept);
            proptest::prop_assert!(decoded.complete);
        }
    }
}
