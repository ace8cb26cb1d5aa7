//! The tag pass over a fake AWS: what it reads (and what it does not), Search versus ListTags,
//! Studio resources, and failures kept to their account or region.

use std::collections::{BTreeMap, HashMap};
use std::sync::{Arc, Mutex};

use chrono::{DateTime, Duration, TimeZone, Utc};
use futures::future::BoxFuture;

use super::*;
use crate::fetch::Connector;
use crate::fetch::source::{
    Details, JobSource, Listed, Page, SearchPage, Searched, TagPage, TagSource,
};
use sagescope_core::config::{AccountConfig, Config, TagsConfig};
use sagescope_core::model::{JobStatus, TagPolicy};

/// An ARN and the name Search reports it by.
type ArnAndName = (String, String);

/// A fake SageMaker for tags: tags by ARN, Studio resources by account, counted calls.
#[derive(Default)]
struct World {
    tags: Mutex<HashMap<String, Tags>>,
    studio: Mutex<HashMap<(String, ResourceKind), Vec<Listed>>>,
    calls: Mutex<Vec<String>>,
    /// Kinds Search refuses (AccessDenied), as a policy without `sagemaker:Search` would.
    search_denied: Vec<ResourceKind>,
    /// ARNs Search has not indexed yet.
    unindexed: Vec<String>,
    /// Accounts whose credentials fail.
    broken: Mutex<Vec<String>>,
    /// Accounts whose ListTags is throttled past the retries.
    throttled: Mutex<Vec<String>>,
    /// Accounts whose ListDomains is denied.
    no_domains: Vec<String>,
    /// Resources (training jobs, by account) Search knows about.
    searchable: Mutex<HashMap<(String, ResourceKind), Vec<ArnAndName>>>,
}

impl World {
    fn set_tags(&self, arn: &str, pairs: &[(&str, &str)]) {
        self.tags.lock().expect("lock").insert(
            arn.to_string(),
            pairs
                .iter()
                .map(|(k, v)| (k.to_string(), v.to_string()))
                .collect(),
        );
    }

    fn calls(&self) -> Vec<String> {
        std::mem::take(&mut *self.calls.lock().expect("lock"))
    }

    fn call(&self, what: String) {
        self.calls.lock().expect("lock").push(what);
    }
}

fn count(calls: &[String], prefix: &str) -> usize {
    calls.iter().filter(|c| c.starts_with(prefix)).count()
}

struct Source {
    world: Arc<World>,
    account: String,
}

impl JobSource for Source {
    fn list(
        &self,
        kind: ResourceKind,
        _next_token: Option<String>,
    ) -> BoxFuture<'_, Result<Page, SourceError>> {
        Box::pin(async move {
            self.world.call(format!(
                "{} {}",
                super::super::source::list_operation(kind),
                self.account
            ));
            if kind == ResourceKind::Domain && self.world.no_domains.contains(&self.account) {
                return Err(SourceError::AccessDenied {
                    operation: "ListDomains",
                    message: "no".into(),
                });
            }
            let items = self
                .world
                .studio
                .lock()
                .expect("lock")
                .get(&(self.account.clone(), kind))
                .cloned()
                .unwrap_or_default();
            Ok(Page {
                items,
                next_token: None,
            })
        })
    }

    fn describe<'a>(
        &'a self,
        _kind: ResourceKind,
        _name: &'a str,
    ) -> BoxFuture<'a, Result<Details, SourceError>> {
        Box::pin(async { Ok(Details::default()) })
    }
}

impl TagSource for Source {
    fn list_tags<'a>(
        &'a self,
        arn: &'a str,
        next_token: Option<String>,
    ) -> BoxFuture<'a, Result<TagPage, SourceError>> {
        Box::pin(async move {
            self.world.call(format!("ListTags {arn}"));
            if self
                .world
                .throttled
                .lock()
                .expect("lock")
                .contains(&self.account)
            {
                return Err(SourceError::Throttled {
                    operation: "ListTags",
                });
            }
            let Some(tags) = self.world.tags.lock().expect("lock").get(arn).cloned() else {
                return Err(SourceError::Other {
                    operation: "ListTags",
                    message: "ResourceNotFound".into(),
                });
            };
            // Two pages when there are more than three tags, to exercise paging.
            let all: Vec<(String, String)> = tags.into_iter().collect();
            let (page, next) = match next_token.as_deref() {
                None if all.len() > 3 => (all[..2].to_vec(), Some("2".to_string())),
                None => (all, None),
                Some(_) => (all[2..].to_vec(), None),
            };
            Ok(TagPage {
                tags: page,
                next_token: next,
            })
        })
    }

    fn search(
        &self,
        kind: ResourceKind,
        next_token: Option<String>,
    ) -> BoxFuture<'_, Result<SearchPage, SourceError>> {
        Box::pin(async move {
            self.world.call(format!("Search {kind}"));
            if self.world.search_denied.contains(&kind) {
                return Err(SourceError::AccessDenied {
                    operation: "Search",
                    message: "no".into(),
                });
            }
            let all = self
                .world
                .searchable
                .lock()
                .expect("lock")
                .get(&(self.account.clone(), kind))
                .cloned()
                .unwrap_or_default();
            let start: usize = next_token.map_or(0, |t| t.parse().expect("numeric"));
            let end = (start + 100).min(all.len());
            let tags = self.world.tags.lock().expect("lock").clone();
            let items = all[start..end]
                .iter()
                .filter(|(arn, _)| !self.world.unindexed.contains(arn))
                .map(|(arn, name)| Searched {
                    name: name.clone(),
                    // Like moto for some kinds: no ARN, so results match by name.
                    arn: (kind != ResourceKind::Endpoint).then(|| arn.clone()),
                    tags: tags.get(arn).cloned().unwrap_or_default(),
                    details: Details::default(),
                    version: None,
                })
                .collect();
            Ok(SearchPage {
                items,
                next_token: (end < all.len()).then(|| end.to_string()),
            })
        })
    }
}

struct Link {
    world: Arc<World>,
    account: String,
    regions: Vec<String>,
}

impl AccountLink for Link {
    fn account_id(&self) -> &str {
        id_of(&self.account)
    }
    fn regions(&self) -> &[String] {
        &self.regions
    }
    fn source(&self, _region: &str) -> Arc<dyn JobSource> {
        Arc::new(Source {
            world: self.world.clone(),
            account: self.account.clone(),
        })
    }
    fn tag_source(&self, _region: &str) -> Option<Arc<dyn TagSource>> {
        Some(Arc::new(Source {
            world: self.world.clone(),
            account: self.account.clone(),
        }))
    }
}

struct FakeConnector(Arc<World>);

impl Connector for FakeConnector {
    fn connect<'a>(
        &'a self,
        account: &'a AccountConfig,
    ) -> BoxFuture<'a, Result<Arc<dyn AccountLink>, SourceError>> {
        Box::pin(async move {
            if self.0.broken.lock().expect("lock").contains(&account.name) {
                return Err(SourceError::Credentials(format!(
                    "no AWS credentials for account `{}`",
                    account.name
                )));
            }
            Ok(Arc::new(Link {
                world: self.0.clone(),
                account: account.name.clone(),
                regions: account.regions.clone(),
            }) as Arc<dyn AccountLink>)
        })
    }
}

fn id_of(account: &str) -> &'static str {
    if account == "main" {
        "123456789012"
    } else {
        "222222222222"
    }
}

fn t0() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 1, 1, 0, 0, 0)
        .single()
        .expect("valid")
}

fn config(names: &[&str]) -> Config {
    let mut config = Config::default();
    config.refresh.requests_per_second = 0.0;
    config.accounts = names
        .iter()
        .map(|n| AccountConfig {
            name: n.to_string(),
            role_arn: None,
            profile: None,
            external_id: None,
            regions: vec!["us-east-1".into()],
        })
        .collect();
    config
}

fn settings() -> TagsConfig {
    TagsConfig {
        policy: TagPolicy {
            mandatory: vec!["owner".into(), "project".into()],
            allowed: BTreeMap::from([("env".to_string(), vec!["dev".into(), "prod".into()])]),
            organization: Vec::new(),
        },
        ttl_hours: 24,
        search: true,
        from_organization: false,
        by_account: BTreeMap::new(),
    }
}

fn resource(account: &str, kind: ResourceKind, name: &str) -> Job {
    Job {
        account_id: id_of(account).into(),
        account_name: account.into(),
        region: "us-east-1".into(),
        kind,
        name: name.into(),
        arn: format!(
            "arn:aws:sagemaker:us-east-1:{}:{}/{name}",
            id_of(account),
            kind.arn_segment()
        ),
        status: JobStatus::from("Completed"),
        created_at: t0(),
        ended_at: None,
        last_modified_at: Some(t0()),
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

/// A world and jobs view: in `main`, `n_training` training jobs (Search knows them), one
/// processing job and one endpoint; in `second`, one notebook. Tags: training jobs complete,
/// the processing job missing `project`, the endpoint miscased, the notebook invalid.
fn world(n_training: usize, world: World) -> (Arc<World>, View<Job>) {
    let world = Arc::new(world);
    let mut rows = Vec::new();
    let mut searchable = Vec::new();
    for i in 0..n_training {
        let job = resource("main", ResourceKind::Training, &format!("train-{i:03}"));
        world.set_tags(
            &job.arn,
            &[("owner", "ana"), ("project", "p"), ("env", "dev")],
        );
        searchable.push((job.arn.clone(), job.name.clone()));
        rows.push(job);
    }
    world
        .searchable
        .lock()
        .expect("lock")
        .insert(("main".into(), ResourceKind::Training), searchable);
    let processing = resource("main", ResourceKind::Processing, "prep");
    world.set_tags(&processing.arn, &[("owner", "ana")]);
    let endpoint = resource("main", ResourceKind::Endpoint, "serve");
    world.set_tags(&endpoint.arn, &[("Owner", "ana"), ("project", "p")]);
    world.searchable.lock().expect("lock").insert(
        ("main".into(), ResourceKind::Endpoint),
        vec![(endpoint.arn.clone(), endpoint.name.clone())],
    );
    let mut notebook = resource("second", ResourceKind::Notebook, "nb");
    notebook.status = JobStatus::from("InService");
    world.set_tags(
        &notebook.arn,
        &[
            ("owner", "bo"),
            ("project", "q"),
            ("env", "qa"),
            (
                sagescope_core::tags::STUDIO_USER_PROFILE_TAG,
                "arn:aws:sagemaker:us-east-1:222222222222:user-profile/d-1/bo",
            ),
        ],
    );
    rows.extend([processing, endpoint, notebook]);
    (world, View::new(t0(), rows, Vec::new()))
}

fn fetcher(world: &Arc<World>, names: &[&str]) -> JobFetcher {
    JobFetcher::with_connector(&config(names), Arc::new(FakeConnector(world.clone())))
}

async fn pass(fetcher: &JobFetcher, jobs: &mut View<Job>, previous: &TagState) -> TagsFetch {
    fetcher
        .fetch_tags(
            jobs,
            previous,
            &settings(),
            TagRefresh::Cached,
            &HashMap::new(),
            &|_| {},
        )
        .await
}

fn names(fetch: &TagsFetch) -> Vec<String> {
    fetch
        .findings
        .rows
        .iter()
        .map(|f| format!("{}/{}", f.account_name, f.name))
        .collect()
}

#[tokio::test]
async fn the_first_pass_reads_every_resource_and_finds_each_problem() {
    let (world, mut jobs) = world(3, World::default());
    let fetcher = fetcher(&world, &["main", "second"]);
    let fetched = pass(&fetcher, &mut jobs, &TagState::default()).await;

    assert!(
        fetched.findings.errors.is_empty(),
        "{:?}",
        fetched.findings.errors
    );
    assert_eq!(names(&fetched), ["main/prep", "main/serve", "second/nb"]);
    let f = &fetched.findings.rows;
    assert_eq!(f[0].missing, ["project"]);
    assert_eq!(f[1].miscased[0].found, "Owner");
    assert_eq!(f[2].invalid[0].value, "qa");
    assert!(
        f[2].tags
            .contains_key(sagescope_core::tags::STUDIO_USER_PROFILE_TAG),
        "all tags travel with the finding, Studio's included"
    );
    // Jobs carry their tags.
    let train = jobs
        .rows
        .iter()
        .find(|j| j.name == "train-000")
        .expect("listed");
    assert_eq!(train.tags.get("owner"), Some("ana"));
    assert_eq!(fetched.read, 6);
    assert_eq!(fetched.state.entries.len(), 6);
    // One Search reads the three training jobs; the one endpoint costs one request either way,
    // so it is read with ListTags, as are the kinds Search does not cover.
    let calls = world.calls();
    assert_eq!(count(&calls, "Search"), 1, "{calls:?}");
    assert_eq!(
        count(&calls, "ListTags"),
        4,
        "prep, serve and nb (whose four tags take two pages): {calls:?}"
    );
}

#[tokio::test]
async fn an_unchanged_world_reads_no_tags_and_a_changed_resource_only_its_own() {
    let (world, mut jobs) = world(3, World::default());
    let fetcher = fetcher(&world, &["main", "second"]);
    let first = pass(&fetcher, &mut jobs, &TagState::default()).await;
    world.calls();

    let second = pass(&fetcher, &mut jobs, &first.state).await;
    let calls = world.calls();
    assert_eq!(
        count(&calls, "ListTags") + count(&calls, "Search"),
        0,
        "{calls:?}"
    );
    assert_eq!(second.read, 0);
    assert_eq!(
        names(&second),
        names(&first),
        "findings come from the cache"
    );

    // The processing job changes (and its tags were fixed meanwhile): only it is read.
    world.set_tags(&jobs.rows[3].arn, &[("owner", "ana"), ("project", "p")]);
    jobs.rows[3].last_modified_at = Some(t0() + Duration::hours(1));
    let third = pass(&fetcher, &mut jobs, &second.state).await;
    let calls = world.calls();
    assert!(calls.contains(&format!("ListTags {}", jobs.rows[3].arn)));
    assert_eq!(
        calls.len(),
        2 * 7 + 1,
        "per account, one List call per always-listed tag-only kind (domains, models, \
         endpoint configs, pipelines, model package groups, feature groups, experiments), \
         and that ListTags: {calls:?}"
    );
    assert_eq!(count(&calls, "ListTags"), 1);
    assert_eq!(third.read, 1);
    assert_eq!(names(&third), ["main/serve", "second/nb"], "the fix shows");
}

#[tokio::test]
async fn every_resource_is_read_again_once_its_tags_are_older_than_the_ttl() {
    let (world, mut jobs) = world(3, World::default());
    let fetcher = fetcher(&world, &["main", "second"]);
    let first = pass(&fetcher, &mut jobs, &TagState::default()).await;
    world.calls();
    let mut aged = first.state.clone();
    for entry in aged.entries.values_mut() {
        entry.read_at -= Duration::hours(24);
    }
    // One entry still young: it is not read again.
    let young = jobs.rows[4].arn.clone();
    if let Some(entry) = aged.entries.get_mut(&young) {
        entry.read_at = Utc::now();
    }
    let again = pass(&fetcher, &mut jobs, &aged).await;
    assert_eq!(again.read, 5);
    let calls = world.calls();
    assert!(!calls.contains(&format!("ListTags {young}")), "{calls:?}");
}

#[tokio::test]
async fn search_is_used_when_it_takes_fewer_requests_and_listtags_covers_what_it_missed() {
    let unindexed = "arn:aws:sagemaker:us-east-1:123456789012:training-job/train-149".to_string();
    let (world, mut jobs) = world(
        150,
        World {
            unindexed: vec![unindexed.clone()],
            ..World::default()
        },
    );
    let fetcher = fetcher(&world, &["main", "second"]);
    let first = pass(&fetcher, &mut jobs, &TagState::default()).await;
    let calls = world.calls();
    assert_eq!(
        count(&calls, "Search training"),
        2,
        "150 jobs, 2 pages: {calls:?}"
    );
    assert_eq!(
        calls
            .iter()
            .filter(|c| c.starts_with("ListTags") && c.contains("training-job"))
            .collect::<Vec<_>>(),
        [&format!("ListTags {unindexed}")],
        "only the job Search has not indexed yet"
    );
    assert_eq!(first.read, 150 + 3);
    assert_eq!(
        first.stats.requests.get("Search"),
        Some(&2),
        "the stats count Search: {:?}",
        first.stats
    );

    // One new job later: one ListTags beats two Search pages.
    let mut new = resource("main", ResourceKind::Training, "train-new");
    new.created_at = t0() + Duration::days(1);
    world.set_tags(&new.arn, &[]);
    jobs.rows.push(new);
    pass(&fetcher, &mut jobs, &first.state).await;
    let calls = world.calls();
    assert_eq!(count(&calls, "Search"), 0, "{calls:?}");
    assert_eq!(count(&calls, "ListTags"), 1, "{calls:?}");
}

#[tokio::test]
async fn a_search_that_is_denied_falls_back_to_listtags_and_search_can_be_turned_off() {
    let (world, mut jobs) = world(
        5,
        World {
            search_denied: vec![ResourceKind::Training],
            ..World::default()
        },
    );
    let fetcher = fetcher(&world, &["main", "second"]);
    let fetched = pass(&fetcher, &mut jobs, &TagState::default()).await;
    assert!(
        fetched.findings.errors.is_empty(),
        "{:?}",
        fetched.findings.errors
    );
    let calls = world.calls();
    assert_eq!(count(&calls, "Search"), 1);
    assert_eq!(count(&calls, "ListTags"), 5 + 4, "{calls:?}");
    assert_eq!(fetched.read, 8);

    let mut off = settings();
    off.search = false;
    fetcher
        .fetch_tags(
            &mut jobs,
            &TagState::default(),
            &off,
            TagRefresh::Cached,
            &HashMap::new(),
            &|_| {},
        )
        .await;
    let calls = world.calls();
    assert_eq!(count(&calls, "Search"), 0);
    assert_eq!(count(&calls, "ListTags"), 5 + 4);
}

#[tokio::test]
async fn studio_user_profiles_are_listed_only_where_there_is_a_domain_and_checked_too() {
    let (world, mut jobs) = world(1, World::default());
    let domain_arn = "arn:aws:sagemaker:us-east-1:222222222222:domain/d-1";
    let profile_arn = "arn:aws:sagemaker:us-east-1:222222222222:user-profile/d-1/bo";
    let listed = |name: &str, arn: &str| Listed {
        name: name.into(),
        arn: arn.into(),
        status: JobStatus::from("InService"),
        created_at: t0(),
        ended_at: None,
        last_modified_at: Some(t0()),
        instance_type: None,
        instance_count: None,
        failure_reason: None,
        app: None,
        compute: None,
        billing: None,
    };
    {
        let mut studio = world.studio.lock().expect("lock");
        studio.insert(
            ("second".into(), ResourceKind::Domain),
            vec![listed("studio", domain_arn)],
        );
        studio.insert(
            ("second".into(), ResourceKind::UserProfile),
            vec![listed("bo", profile_arn)],
        );
    }
    world.set_tags(domain_arn, &[("owner", "it"), ("project", "studio")]);
    world.set_tags(profile_arn, &[("owner", "bo")]);
    let fetcher = fetcher(&world, &["main", "second"]);
    let fetched = pass(&fetcher, &mut jobs, &TagState::default()).await;
    let calls = world.calls();
    assert_eq!(count(&calls, "ListDomains"), 2);
    assert_eq!(
        calls
            .iter()
            .filter(|c| c.starts_with("ListUserProfiles"))
            .collect::<Vec<_>>(),
        ["ListUserProfiles second"]
    );
    let profile = fetched
        .findings
        .rows
        .iter()
        .find(|f| f.kind == ResourceKind::UserProfile)
        .expect("the profile misses project");
    assert_eq!(profile.missing, ["project"]);
    assert_eq!(profile.arn, profile_arn);
    assert!(
        !fetched
            .findings
            .rows
            .iter()
            .any(|f| f.kind == ResourceKind::Domain),
        "the domain is complete"
    );
    assert_eq!(fetched.state.studio.len(), 2);
}

// Paused time: the throttled account is retried until the refresh deadline (virtual minutes).
#[tokio::test(start_paused = true)]
async fn failures_stay_in_their_account_and_keep_the_last_known_tags() {
    let (world, mut jobs) = world(
        2,
        World {
            no_domains: vec!["main".into()],
            ..World::default()
        },
    );
    let fetcher_both = fetcher(&world, &["main", "second"]);
    let first = pass(&fetcher_both, &mut jobs, &TagState::default()).await;
    assert_eq!(first.findings.errors.len(), 1, "ListDomains denied in main");
    assert_eq!(first.findings.errors[0].account, "main");
    assert!(first.findings.errors[0].message.contains("ListDomains"));
    assert_eq!(names(&first), ["main/prep", "main/serve", "second/nb"]);

    // `second` cannot connect and `main` is throttled on ListTags, with everything due again.
    world.broken.lock().expect("lock").push("second".into());
    world.throttled.lock().expect("lock").push("main".into());
    let mut aged = first.state.clone();
    for entry in aged.entries.values_mut() {
        entry.read_at -= Duration::hours(48);
    }
    let mut new = resource("main", ResourceKind::Processing, "never-read");
    new.created_at = t0() + Duration::days(2);
    jobs.rows.push(new);
    let fresh_fetcher = fetcher(&world, &["main", "second"]);
    let second = pass(&fresh_fetcher, &mut jobs, &aged).await;
    let errors: Vec<String> = second
        .findings
        .errors
        .iter()
        .map(|e| e.to_string())
        .collect();
    assert!(
        errors
            .iter()
            .any(|e| e.starts_with("second:") && e.contains("credentials")),
        "{errors:?}"
    );
    assert!(
        errors.iter().any(|e| e.starts_with("main us-east-1:")
            && e.contains("throttled")
            && e.contains("1 never read")),
        "{errors:?}"
    );
    // Stale tags stand in for both accounts; the never-read job is not guessed at.
    assert_eq!(names(&second), ["main/prep", "main/serve", "second/nb"]);
}

#[tokio::test]
async fn listtags_pages_are_merged_and_gone_resources_skipped() {
    let (world, mut jobs) = world(0, World::default());
    // The notebook has four tags: two pages.
    let gone = resource("main", ResourceKind::Processing, "gone");
    jobs.rows.push(gone);
    let fetcher = fetcher(&world, &["main", "second"]);
    let fetched = pass(&fetcher, &mut jobs, &TagState::default()).await;
    assert!(
        fetched.findings.errors.is_empty(),
        "{:?}",
        fetched.findings.errors
    );
    let nb = jobs.rows.iter().find(|j| j.name == "nb").expect("listed");
    assert_eq!(nb.tags.len(), 4, "both pages: {:?}", nb.tags);
    let calls = world.calls();
    assert_eq!(count(&calls, &format!("ListTags {}", nb.arn)), 2);
    assert!(!fetched.state.entries.keys().any(|a| a.ends_with("/gone")));
}

#[tokio::test]
async fn a_manual_refresh_rereads_the_findings_and_no_cache_rereads_everything() {
    let (world, mut jobs) = world(3, World::default());
    let fetcher = fetcher(&world, &["main", "second"]);
    let first = pass(&fetcher, &mut jobs, &TagState::default()).await;
    world.calls();
    // The admin fixes the processing job with the script; nothing else changes.
    world.set_tags(&jobs.rows[3].arn, &[("owner", "ana"), ("project", "p")]);
    let cached = pass(&fetcher, &mut jobs, &first.state).await;
    assert_eq!(cached.read, 0);
    assert_eq!(names(&cached), names(&first), "the cache does not know yet");

    let rechecked = fetcher
        .fetch_tags(
            &mut jobs,
            &cached.state,
            &settings(),
            TagRefresh::Findings,
            &HashMap::new(),
            &|_| {},
        )
        .await;
    let calls = world.calls();
    assert_eq!(
        rechecked.read, 3,
        "the three findings, nothing else: {calls:?}"
    );
    assert_eq!(names(&rechecked), ["main/serve", "second/nb"]);

    let all = fetcher
        .fetch_tags(
            &mut jobs,
            &rechecked.state,
            &settings(),
            TagRefresh::All,
            &HashMap::new(),
            &|_| {},
        )
        .await;
    assert_eq!(all.read, 6);
}
