//! The metrics refresh: CloudWatch utilisation of what is running now, one account-region
//! at a time, on its own (slower) clock.
//!
//! Only running training jobs and in-service endpoints are asked about: a finished job has
//! no live utilisation, and CloudWatch bills per metric requested. Endpoints are keyed in
//! CloudWatch by production variant, so an endpoint is asked about only once its
//! `DescribeEndpoint` has given the variant names (the describe cache keeps them).
//!
//! Each account-region is isolated like the jobs fetch: a CloudWatch failure there becomes an
//! `errors` entry of the metrics view and that account-region keeps its previous series,
//! while the others load. Metrics are fetched for the accounts the jobs refresh connected;
//! an account it could not reach already has its error in the jobs view.

use std::collections::{BTreeMap, HashSet};
use std::sync::Arc;

use chrono::{DateTime, Utc};
use futures::future::join_all;
use tokio::sync::Semaphore;

use super::describe::DescribeCache;
use super::{JobFetcher, fetch_error};
use sagescope_core::metrics::Usage;
use sagescope_core::metrics::query::USD_PER_METRIC_REQUESTED;
use sagescope_core::metrics::{JobMetrics, MetricSource, MetricTarget};
use sagescope_core::model::{FetchError, Job, ResourceKind, View};

/// The result of a metrics refresh: the view and what it asked of CloudWatch.
#[derive(Debug, Clone, PartialEq)]
pub struct MetricsFetch {
    /// One row per running resource whose metrics were fetched (or carried over from
    /// `previous` where its account-region failed).
    pub view: View<JobMetrics>,
    /// Resources asked about.
    pub targets: usize,
    /// `GetMetricData` requests and metrics requested in this refresh.
    pub usage: Usage,
}

impl MetricsFetch {
    /// What this refresh costs at CloudWatch's list price (billed per metric requested).
    pub fn usd(&self) -> f64 {
        self.usage.metrics as f64 * USD_PER_METRIC_REQUESTED
    }

    /// One line for logs and `sagescope refresh`: requests, metrics and list-price cost.
    pub fn summary(&self) -> String {
        format!(
            "CloudWatch: {} running resources, {} GetMetricData requests, {} metrics, USD {:.5} at list price",
            self.targets,
            self.usage.requests,
            self.usage.metrics,
            self.usd()
        )
    }
}

/// A running resource to ask CloudWatch about.
#[derive(Debug, Clone, PartialEq)]
struct Wanted {
    arn: String,
    target: MetricTarget,
}

/// The metric targets among `jobs`, grouped by (account name, region) in a stable order.
///
/// Running training jobs always; in-service endpoints when their variant names are known
/// from the describe cache. Everything else has no live utilisation to ask for.
fn wanted(jobs: &[Job], describes: &DescribeCache) -> BTreeMap<(String, String), Vec<Wanted>> {
    let mut groups: BTreeMap<(String, String), Vec<Wanted>> = BTreeMap::new();
    for job in jobs {
        let target = match job.kind {
            ResourceKind::Training => MetricTarget::training(job),
            ResourceKind::Endpoint => {
                let variants = describes
                    .get(&job.arn)
                    .and_then(|d| d.variants.clone())
                    .unwrap_or_default();
                MetricTarget::endpoint(job, variants)
            }
            _ => None,
        };
        if let Some(target) = target {
            groups
                .entry((job.account_name.to_string(), job.region.to_string()))
                .or_default()
                .push(Wanted {
                    arn: job.arn.clone(),
                    target,
                });
        }
    }
    groups
}

/// What one account-region produced.
struct GroupResult {
    rows: Vec<JobMetrics>,
    error: Option<FetchError>,
    usage: Usage,
}

impl JobFetcher {
    /// Fetches utilisation for the running resources among `jobs` (normally the rows and
    /// describe cache of the jobs refresh that just ran), every account-region side by side
    /// (at most `refresh.max_concurrency` at once). Never fails as a whole.
    ///
    /// `previous` is the last metrics view's rows: an account-region whose CloudWatch call
    /// fails keeps its previous series for the resources still running.
    pub async fn fetch_metrics(
        &self,
        jobs: &[Job],
        describes: &DescribeCache,
        previous: &[JobMetrics],
        now: DateTime<Utc>,
    ) -> MetricsFetch {
        let groups = wanted(jobs, describes);
        let targets = groups.values().map(Vec::len).sum();
        let permits = Semaphore::new(self.max_concurrency);
        let results = join_all(groups.into_iter().map(|((account, region), wanted)| {
            let permits = &permits;
            async move {
                let _permit = permits.acquire().await;
                self.fetch_group(&account, &region, wanted, previous, now)
                    .await
            }
        }))
        .await;
        let mut rows = Vec::new();
        let mut errors = Vec::new();
        let mut usage = Usage::default();
        for result in results {
            rows.extend(result.rows);
            errors.extend(result.error);
            usage.requests += result.usage.requests;
            usage.metrics += result.usage.metrics;
        }
        MetricsFetch {
            view: View::new(now, rows, errors),
            targets,
            usage,
        }
    }

    async fn fetch_group(
        &self,
        account: &str,
        region: &str,
        wanted: Vec<Wanted>,
        previous: &[JobMetrics],
        now: DateTime<Utc>,
    ) -> GroupResult {
        let carried = || -> Vec<JobMetrics> {
            let arns: HashSet<&str> = wanted.iter().map(|w| w.arn.as_str()).collect();
            previous
                .iter()
                .filter(|m| arns.contains(m.arn.as_str()))
                .cloned()
                .collect()
        };
        let Some(source) = self.metric_source(account, region) else {
            // Not connected this run (its jobs carry the error) or a source without metrics.
            return GroupResult {
                rows: carried(),
                error: None,
                usage: Usage::default(),
            };
        };
        let targets: Vec<MetricTarget> = wanted.iter().map(|w| w.target.clone()).collect();
        let before = source.usage();
        let fetched = source.fetch(&targets, now).await;
        let after = source.usage();
        let usage = Usage {
            requests: after.requests.saturating_sub(before.requests),
            metrics: after.metrics.saturating_sub(before.metrics),
        };
        match fetched {
            Ok(metrics) => GroupResult {
                rows: wanted
                    .iter()
                    .zip(metrics)
                    .map(|(w, metrics)| JobMetrics {
                        arn: w.arn.clone(),
                        metrics,
                    })
                    .collect(),
                error: None,
                usage,
            },
            Err(err) => {
                tracing::warn!(account, region, "{err}");
                GroupResult {
                    rows: carried(),
                    error: Some(fetch_error(account, Some(region), err.to_string())),
                    usage,
                }
            }
        }
    }

    /// The account-region's CloudWatch source, made once and kept (its client, connections
    /// and request counters live as long as the fetcher). `None` when the account is not
    /// connected or its link serves no metrics.
    fn metric_source(&self, account: &str, region: &str) -> Option<Arc<dyn MetricSource>> {
        let key = (account.to_string(), region.to_string());
        let mut sources = self
            .metric_sources
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        if let Some(source) = sources.get(&key) {
            return Some(source.clone());
        }
        let link = self
            .links
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .get(account)
            .cloned()?;
        let source = link.metric_source(region)?;
        sources.insert(key, source.clone());
        Some(source)
    }
}

#[cfg(test)]
mod tests {
    use std::sync::Mutex;

    use chrono::{Duration, TimeZone};
    use futures::future::BoxFuture;

    use super::*;
    use crate::fetch::describe::Described;
    use crate::fetch::{AccountLink, Connector, JobSource, KnownState, Page, SourceError};
    use sagescope_core::config::{AccountConfig, Config};
    use sagescope_core::metrics::{MetricsError, ResourceMetrics};
    use sagescope_core::model::{JobStatus, Tags};

    fn now() -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2026, 11, 20, 12, 0, 0)
            .single()
            .expect("valid")
    }

    /// CloudWatch per (account, region): records the targets asked for, fails where told.
    #[derive(Default)]
    struct Cloud {
        asked: Mutex<Vec<(String, String, Vec<String>)>>,
        failing: Vec<(String, String)>,
    }

    struct FakeMetrics {
        cloud: Arc<Cloud>,
        account: String,
        region: String,
        requests: std::sync::atomic::AtomicU64,
    }

    impl MetricSource for FakeMetrics {
        fn fetch<'a>(
            &'a self,
            targets: &'a [MetricTarget],
            now: DateTime<Utc>,
        ) -> BoxFuture<'a, Result<Vec<ResourceMetrics>, MetricsError>> {
            Box::pin(async move {
                self.requests
                    .fetch_add(1, std::sync::atomic::Ordering::SeqCst);
                self.cloud.asked.lock().expect("lock").push((
                    self.account.clone(),
                    self.region.clone(),
                    targets.iter().map(|t| t.name().to_string()).collect(),
                ));
                let key = (self.account.clone(), self.region.clone());
                if self.cloud.failing.contains(&key) {
                    return Err(MetricsError::Request("Throttling: Rate exceeded".into()));
                }
                Ok(targets
                    .iter()
                    .map(|t| ResourceMetrics {
                        target: t.clone(),
                        members: Vec::new(),
                        as_of: now,
                        complete: true,
                    })
                    .collect())
            })
        }

        fn usage(&self) -> Usage {
            let requests = self.requests.load(std::sync::atomic::Ordering::SeqCst);
            Usage {
                requests,
                metrics: requests * 10,
            }
        }
    }

    struct NoJobs;

    impl JobSource for NoJobs {
        fn list(
            &self,
            _kind: ResourceKind,
            _next_token: Option<String>,
        ) -> BoxFuture<'_, Result<Page, SourceError>> {
            Box::pin(async { Ok(Page::default()) })
        }

        fn describe<'a>(
            &'a self,
            _kind: ResourceKind,
            _name: &'a str,
        ) -> BoxFuture<'a, Result<crate::fetch::Details, SourceError>> {
            Box::pin(async { Ok(crate::fetch::Details::default()) })
        }
    }

    struct Link {
        cloud: Arc<Cloud>,
        account: String,
        regions: Vec<String>,
    }

    impl AccountLink for Link {
        fn account_id(&self) -> &str {
            "111111111111"
        }
        fn regions(&self) -> &[String] {
            &self.regions
        }
        fn source(&self, _region: &str) -> Arc<dyn JobSource> {
            Arc::new(NoJobs)
        }
        fn metric_source(&self, region: &str) -> Option<Arc<dyn MetricSource>> {
            Some(Arc::new(FakeMetrics {
                cloud: self.cloud.clone(),
                account: self.account.clone(),
                region: region.to_string(),
                requests: Default::default(),
            }))
        }
    }

    struct Connect(Arc<Cloud>, Vec<String>);

    impl Connector for Connect {
        fn connect<'a>(
            &'a self,
            account: &'a AccountConfig,
        ) -> BoxFuture<'a, Result<Arc<dyn AccountLink>, SourceError>> {
            Box::pin(async move {
                if self.1.contains(&account.name) {
                    return Err(SourceError::Credentials("expired".into()));
                }
                Ok(Arc::new(Link {
                    cloud: self.0.clone(),
                    account: account.name.clone(),
                    regions: account.regions.clone(),
                }) as Arc<dyn AccountLink>)
            })
        }
    }

    fn config(accounts: &[&str]) -> Config {
        Config {
            accounts: accounts
                .iter()
                .map(|name| AccountConfig {
                    name: name.to_string(),
                    role_arn: None,
                    profile: None,
                    external_id: None,
                    regions: vec!["us-east-1".into(), "eu-west-1".into()],
                })
                .collect(),
            ..Config::default()
        }
    }

    fn job(account: &str, region: &str, kind: ResourceKind, name: &str, status: &str) -> Job {
        Job {
            account_id: "111111111111".into(),
            account_name: account.into(),
            region: region.into(),
            kind,
            name: name.into(),
            arn: format!("arn:{account}:{region}:{name}"),
            status: JobStatus::from(status),
            created_at: now() - Duration::hours(3),
            ended_at: None,
            last_modified_at: None,
            instance_type: Some("ml.g5.xlarge".into()),
            instance_count: Some(1),
            failure_reason: None,
            tags: Tags::new(),
            app: None,
            compute: None,
            billing: None,
            streamed_at: None,
            created_by: None,
        }
    }

    fn variants(arn: &str, names: Option<&[&str]>) -> (String, Described) {
        (
            arn.to_string(),
            Described {
                version: "v".into(),
                instance_type: None,
                instance_count: None,
                failure_reason: None,
                variants: names.map(|n| n.iter().map(|s| s.to_string()).collect()),
                last_activity_at: None,
                read_at: None,
                compute: None,
                billing: None,
            },
        )
    }

    /// A fetcher whose accounts are connected (a jobs refresh ran), as in the UI and CLI.
    async fn connected(cloud: &Arc<Cloud>, accounts: &[&str], broken: &[&str]) -> JobFetcher {
        let fetcher = JobFetcher::with_connector(
            &config(accounts),
            Arc::new(Connect(
                cloud.clone(),
                broken.iter().map(|s| s.to_string()).collect(),
            )),
        );
        fetcher.fetch(&KnownState::default(), &|_| {}).await;
        fetcher
    }

    #[tokio::test]
    async fn only_running_training_jobs_and_described_endpoints_are_asked_per_account_region() {
        let cloud = Arc::new(Cloud::default());
        let fetcher = connected(&cloud, &["dev", "prod"], &[]).await;
        let jobs = vec![
            job(
                "dev",
                "us-east-1",
                ResourceKind::Training,
                "t-run",
                "InProgress",
            ),
            job(
                "dev",
                "us-east-1",
                ResourceKind::Training,
                "t-done",
                "Completed",
            ),
            job(
                "dev",
                "us-east-1",
                ResourceKind::Endpoint,
                "ep",
                "InService",
            ),
            job(
                "dev",
                "us-east-1",
                ResourceKind::Endpoint,
                "ep-new",
                "InService",
            ),
            job(
                "dev",
                "us-east-1",
                ResourceKind::Processing,
                "p",
                "InProgress",
            ),
            job(
                "prod",
                "eu-west-1",
                ResourceKind::Training,
                "t-prod",
                "InProgress",
            ),
            job(
                "prod",
                "eu-west-1",
                ResourceKind::Endpoint,
                "ep-off",
                "OutOfService",
            ),
        ];
        let describes: DescribeCache = [
            variants("arn:dev:us-east-1:ep", Some(&["AllTraffic"])),
            variants("arn:prod:eu-west-1:ep-off", Some(&["AllTraffic"])),
        ]
        .into_iter()
        .collect();
        let out = fetcher.fetch_metrics(&jobs, &describes, &[], now()).await;

        let mut asked = cloud.asked.lock().expect("lock").clone();
        asked.sort();
        assert_eq!(
            asked,
            vec![
                (
                    "dev".into(),
                    "us-east-1".into(),
                    vec!["t-run".into(), "ep".into()]
                ),
                ("prod".into(), "eu-west-1".into(), vec!["t-prod".into()]),
            ],
            "no finished job, no processing job, no endpoint without variants"
        );
        assert_eq!(out.targets, 3);
        let arns: HashSet<&str> = out.view.rows.iter().map(|m| m.arn.as_str()).collect();
        assert_eq!(
            arns,
            HashSet::from([
                "arn:dev:us-east-1:t-run",
                "arn:dev:us-east-1:ep",
                "arn:prod:eu-west-1:t-prod"
            ])
        );
        for row in &out.view.rows {
            assert!(row.arn.ends_with(row.metrics.target.name()), "{}", row.arn);
        }
        assert!(out.view.errors.is_empty());
        assert_eq!(out.usage.requests, 2, "one call per account-region here");
        assert_eq!(out.usage.metrics, 20);
        assert!((out.usd() - 20.0 * USD_PER_METRIC_REQUESTED).abs() < 1e-12);
        assert!(out.summary().contains("2 GetMetricData requests"));

        // The next refresh counts only its own requests.
        let again = fetcher.fetch_metrics(&jobs, &describes, &[], now()).await;
        assert_eq!(again.usage.requests, 2);
    }

    #[tokio::test]
    async fn a_failing_account_region_is_an_error_entry_and_keeps_its_previous_series() {
        let cloud = Arc::new(Cloud {
            failing: vec![("dev".into(), "eu-west-1".into())],
            ..Cloud::default()
        });
        let fetcher = connected(&cloud, &["dev"], &[]).await;
        let jobs = vec![
            job(
                "dev",
                "us-east-1",
                ResourceKind::Training,
                "ok",
                "InProgress",
            ),
            job(
                "dev",
                "eu-west-1",
                ResourceKind::Training,
                "kept",
                "InProgress",
            ),
        ];
        let old = |arn: &str, name: &str| JobMetrics {
            arn: arn.into(),
            metrics: ResourceMetrics {
                target: MetricTarget::TrainingJob {
                    name: name.into(),
                    instance_count: 1,
                    instance_type: None,
                },
                members: Vec::new(),
                as_of: now() - Duration::minutes(5),
                complete: true,
            },
        };
        let previous = vec![
            old("arn:dev:eu-west-1:kept", "kept"),
            old("arn:dev:eu-west-1:finished-since", "finished-since"),
        ];
        let out = fetcher
            .fetch_metrics(&jobs, &DescribeCache::new(), &previous, now())
            .await;
        assert_eq!(out.view.errors.len(), 1);
        let error = &out.view.errors[0];
        assert_eq!(error.account, "dev");
        assert_eq!(error.region.as_deref(), Some("eu-west-1"));
        assert!(error.message.contains("Throttling"), "{}", error.message);
        let kept = out
            .view
            .rows
            .iter()
            .find(|m| m.arn == "arn:dev:eu-west-1:kept")
            .expect("previous series kept");
        assert_eq!(kept.metrics.as_of, now() - Duration::minutes(5));
        assert!(
            out.view
                .rows
                .iter()
                .any(|m| m.arn == "arn:dev:us-east-1:ok")
        );
        assert_eq!(
            out.view.rows.len(),
            2,
            "nothing kept for what stopped running"
        );
    }

    #[tokio::test]
    async fn an_account_the_jobs_refresh_could_not_reach_is_not_asked_again() {
        let cloud = Arc::new(Cloud::default());
        let fetcher = connected(&cloud, &["dev", "gone"], &["gone"]).await;
        let jobs = vec![
            job(
                "dev",
                "us-east-1",
                ResourceKind::Training,
                "a",
                "InProgress",
            ),
            job(
                "gone",
                "us-east-1",
                ResourceKind::Training,
                "b",
                "InProgress",
            ),
        ];
        let out = fetcher
            .fetch_metrics(&jobs, &DescribeCache::new(), &[], now())
            .await;
        let asked = cloud.asked.lock().expect("lock").clone();
        assert_eq!(asked.len(), 1);
        assert_eq!(asked[0].0, "dev");
        assert!(
            out.view.errors.is_empty(),
            "the jobs view already says `gone` failed"
        );
    }

    #[tokio::test]
    async fn nothing_running_asks_nothing() {
        let cloud = Arc::new(Cloud::default());
        let fetcher = connected(&cloud, &["dev"], &[]).await;
        let jobs = vec![job(
            "dev",
            "us-east-1",
            ResourceKind::Training,
            "done",
            "Completed",
        )];
        let out = fetcher
            .fetch_metrics(&jobs, &DescribeCache::new(), &[], now())
            .await;
        assert!(cloud.asked.lock().expect("lock").is_empty());
        assert_eq!(out.usage, Usage::default());
        assert_eq!(out.view.as_of, now());
    }
}
