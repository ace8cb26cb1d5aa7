//! Demo jobs, endpoints, notebooks and Studio resources.

use chrono::{DateTime, Duration, Utc};

use super::ACCOUNTS;
use super::rng::Rng;
use crate::model::{
    AttributionSource, CallBy, Creator, Job, JobStatus, ResourceKind, Tags, TrainingBilling,
};

/// A demo project: the name, the cost center paying for it, and who runs it.
pub(crate) struct Project {
    pub name: &'static str,
    pub cost_center: &'static str,
    pub owner: &'static str,
}

pub(crate) const PROJECTS: [Project; 6] = [
    Project {
        name: "fraud-detection",
        cost_center: "cc-1001",
        owner: "alice",
    },
    Project {
        name: "recsys",
        cost_center: "cc-1001",
        owner: "bob",
    },
    Project {
        name: "churn-model",
        cost_center: "cc-2040",
        owner: "chen",
    },
    Project {
        name: "llm-finetune",
        cost_center: "cc-3300",
        owner: "dara",
    },
    Project {
        name: "vision-qa",
        cost_center: "cc-2040",
        owner: "eli",
    },
    Project {
        name: "demand-forecast",
        cost_center: "cc-4100",
        owner: "farah",
    },
];

const TRAINING_FAILURES: &[&str] = &[
    "AlgorithmError: ExecuteUserScriptError:\nExitCode 1\nErrorMessage \"torch.OutOfMemoryError: CUDA out of memory. Tried to allocate 2.00 GiB. GPU 0 has a total capacity of 22.06 GiB of which 1.12 GiB is free.\"\nCommand \"/opt/conda/bin/python3.10 train.py --epochs 12 --batch-size 64\"",
    "ClientError: Data download failed:Could not download s3://acme-ml-data/recsys/train/part-00042.parquet: insufficient disk space",
    "CapacityError: Unable to provision requested ML compute capacity. Please retry using a different ML instance type.",
    "ResourceLimitExceeded: The account-level service limit 'ml.p4d.24xlarge for training job usage' is 2 Instances, with current utilization of 2 Instances and a request delta of 1 Instances.",
    "AlgorithmError: ExecuteUserScriptError:\nExitCode 137\nErrorMessage \"\"\nCommand \"/opt/conda/bin/python3.10 train.py\" (the container was OOM-killed)",
    "ClientError: Please ensure that the IAM role arn:aws:iam::role/SageMakerExecution has s3:GetObject on s3://acme-ml-data/churn/",
];
const PROCESSING_FAILURES: &[&str] = &[
    "AlgorithmError: See job logs for more information",
    "ClientError: Failed to download data. AccessDenied: Access Denied for s3://acme-ml-data/raw/2026/",
];
const TRANSFORM_FAILURES: &[&str] = &[
    "ClientError: See job logs for more information",
    "ModelError: Received server error (500) from primary with message \"Input tensor shape [1, 512] does not match expected [1, 768]\".",
];
const TUNING_FAILURES: &[&str] = &[
    "All training jobs failed. Please check the training jobs' failure reasons in CloudWatch Logs.",
];
const ENDPOINT_FAILURES: &[&str] = &[
    "The primary container for production variant AllTraffic did not pass the ping health check. Please check CloudWatch logs for this endpoint.",
];
const NOTEBOOK_FAILURES: &[&str] = &[
    "Insufficient capacity for ml.g4dn.xlarge in the requested Availability Zone. Try another instance type.",
];

/// How many jobs each account-region gets: 6 pairs x 42 = 252 jobs in all.
const JOBS_PER_REGION: u64 = 42;

pub(super) fn generate(now: DateTime<Utc>) -> Vec<Job> {
    let mut rng = Rng::new(0x5A6E_5C0E);
    let mut jobs = Vec::new();
    for account in &ACCOUNTS {
        for region in account.regions {
            for n in 0..JOBS_PER_REGION {
                jobs.push(one_job(&mut rng, now, account, region, n));
            }
        }
    }
    jobs.extend(studio_apps(now));
    jobs
}

/// One demo Studio app: who owns it (a space or a user), what it runs, and for how long.
#[derive(Clone, Copy)]
struct DemoApp {
    owner: &'static str,
    space: bool,
    app_type: &'static str,
    app_name: &'static str,
    instance: &'static str,
    status: &'static str,
    /// Created this many hours ago.
    hours: i64,
    /// Last user activity this many minutes ago (apps in service).
    idle: i64,
}

impl DemoApp {
    const fn new(
        owner: &'static str,
        space: bool,
        app_type: &'static str,
        app_name: &'static str,
        instance: &'static str,
    ) -> Self {
        DemoApp {
            owner,
            space,
            app_type,
            app_name,
            instance,
            status: "InService",
            hours: 0,
            idle: 0,
        }
    }

    const fn running(mut self, hours: i64, idle_minutes: i64) -> Self {
        self.hours = hours;
        self.idle = idle_minutes;
        self
    }

    const fn failed(mut self, hours: i64) -> Self {
        self.status = "Failed";
        self.hours = hours;
        self
    }
}

/// Studio apps in each Studio account's domain: people's JupyterLab and Code Editor apps,
/// one left running on a GPU nobody has touched for hours (the `idle` flag), one on a CPU
/// type idle too, one failed to start, and Studio Classic's unbilled system app.
fn studio_apps(now: DateTime<Utc>) -> Vec<Job> {
    let apps = [
        DemoApp::new("llm-lab", true, "JupyterLab", "default", "ml.g5.2xlarge").running(30, 9 * 60),
        DemoApp::new("alice", false, "JupyterLab", "default", "ml.t3.medium").running(6, 4),
        DemoApp::new("bob", false, "CodeEditor", "default", "ml.m5.xlarge").running(2, 20),
        DemoApp::new("vision-qa", true, "JupyterLab", "default", "ml.g4dn.xlarge")
            .running(50, 26 * 60),
        DemoApp::new(
            "chen",
            false,
            "KernelGateway",
            "datascience-1-0-ml-g5",
            "ml.g5.xlarge",
        )
        .failed(5),
        DemoApp::new("dara", false, "JupyterServer", "default", "system").running(400, 30),
    ];
    let mut out = Vec::new();
    for account in ACCOUNTS.iter().filter(|a| a.studio) {
        let region = account.regions[0];
        let domain = format!("d-{}", domain_id(account));
        for DemoApp {
            owner,
            space,
            app_type,
            app_name,
            instance,
            status,
            hours,
            idle,
        } in apps
        {
            let created_at = now - Duration::hours(hours);
            let running = status == "InService";
            let mut tags = Tags::new();
            tags.insert(
                "sagemaker:domain-arn".into(),
                format!("arn:aws:sagemaker:{region}:{}:domain/{domain}", account.id),
            );
            if !space {
                tags.insert("owner".into(), owner.into());
            }
            out.push(Job {
                account_id: account.id.into(),
                account_name: account.name.into(),
                region: region.into(),
                kind: ResourceKind::App,
                name: format!("{owner}/{app_type}/{app_name}"),
                arn: format!(
                    "arn:aws:sagemaker:{region}:{}:app/{domain}/{owner}/{}/{app_name}",
                    account.id,
                    app_type.to_ascii_lowercase()
                ),
                status: JobStatus::new(status),
                created_at,
                ended_at: None,
                last_modified_at: None,
                instance_type: Some(instance.into()),
                instance_count: Some(1),
                failure_reason: (status == "Failed").then(|| {
                    "ResourceLimitExceeded: The account-level service limit 'ml.g5.xlarge for \
                     Studio KernelGateway Apps' is 0 Instances"
                        .to_string()
                }),
                tags,
                app: Some(Box::new(crate::model::AppInfo {
                    domain_id: domain.clone(),
                    app_type: app_type.to_string(),
                    app_name: app_name.to_string(),
                    user_profile: (!space).then(|| owner.to_string()),
                    space: space.then(|| owner.to_string()),
                    last_activity_at: running.then(|| now - Duration::minutes(idle)),
                })),
                compute: None,
                billing: None,
                streamed_at: None,
                created_by: None,
            });
        }
    }
    out
}

fn one_job(
    rng: &mut Rng,
    now: DateTime<Utc>,
    account: &super::DemoAccount,
    region: &str,
    n: u64,
) -> Job {
    let kind = match n % 14 {
        0..=5 => ResourceKind::Training,
        6 | 7 => ResourceKind::Processing,
        8 | 9 => ResourceKind::Transform,
        10 => ResourceKind::Tuning,
        11 | 12 => ResourceKind::Endpoint,
        _ => ResourceKind::Notebook,
    };
    let project = rng.pick(&PROJECTS);
    let age_minutes = i64::try_from(rng.below(60 * 24 * 30)).unwrap_or(0) + 5;
    let created_at = now - Duration::minutes(age_minutes);
    let roll = rng.below(100);
    let (status, failures): (&str, &[&str]) = match kind {
        ResourceKind::Endpoint => (
            match roll {
                0..=74 => "InService",
                75..=82 => "Creating",
                83..=89 => "Updating",
                90..=94 => "OutOfService",
                _ => "Failed",
            },
            ENDPOINT_FAILURES,
        ),
        ResourceKind::Notebook => (
            match roll {
                0..=44 => "InService",
                45..=84 => "Stopped",
                85..=92 => "Pending",
                _ => "Failed",
            },
            NOTEBOOK_FAILURES,
        ),
        _ => (
            match roll {
                0..=17 => "InProgress",
                18..=71 => "Completed",
                72..=86 => "Failed",
                87..=96 => "Stopped",
                _ => "Stopping",
            },
            match kind {
                ResourceKind::Processing => PROCESSING_FAILURES,
                ResourceKind::Transform => TRANSFORM_FAILURES,
                ResourceKind::Tuning => TUNING_FAILURES,
                _ => TRAINING_FAILURES,
            },
        ),
    };
    let status = JobStatus::new(status);
    let is_job = !matches!(kind, ResourceKind::Endpoint | ResourceKind::Notebook);
    let ended_at = (is_job && !status.is_active()).then(|| {
        let ran = Duration::minutes(i64::try_from(rng.below(600)).unwrap_or(0) + 3);
        (created_at + ran).min(now)
    });
    let (instance_type, instance_count) = instance(rng, kind);
    let name = name_for(kind, project.name, created_at, n);
    Job {
        account_id: account.id.into(),
        account_name: account.name.into(),
        region: region.into(),
        kind,
        arn: format!(
            "arn:aws:sagemaker:{region}:{}:{}/{name}",
            account.id,
            kind.arn_segment()
        ),
        name,
        failure_reason: (status.as_str() == "Failed").then(|| rng.pick(failures).to_string()),
        status,
        created_at,
        ended_at,
        last_modified_at: Some(ended_at.unwrap_or(created_at)),
        instance_type: Some(instance_type.into()),
        instance_count: Some(instance_count),
        tags: tags_for(rng, project, account, region),
        app: None,
        compute: None,
        streamed_at: None,
        created_by: demo_creator(project.owner, account.id, n, created_at),
        billing: demo_billing(kind, created_at, ended_at, n),
    }
}

/// Who created a demo job, as the stream's CloudTrail events would say: mostly the project's
/// owner through Identity Center, every sixth the CI pipeline's role, and every seventh not
/// known yet. Chosen by `n`, not the random stream, so the rest of the world stays as it was.
fn demo_creator(
    owner: &str,
    account_id: &str,
    n: u64,
    created_at: DateTime<Utc>,
) -> Option<Box<Creator>> {
    if n % 7 == 3 {
        return None;
    }
    let (who, person, arn, role) = if n % 6 == 1 {
        let session = format!("build-{}", 4000 + n);
        (
            format!("role/ci-deployer (session {session})"),
            session.clone(),
            format!("arn:aws:sts::{account_id}:assumed-role/ci-deployer/{session}"),
            Some("ci-deployer".to_string()),
        )
    } else {
        let user = format!("{owner}@example.com");
        let role = "AWSReservedSSO_DataScientist_5e1f0a2b3c4d5e6f";
        (
            user.clone(),
            user.clone(),
            format!("arn:aws:sts::{account_id}:assumed-role/{role}/{user}"),
            None,
        )
    };
    Some(Box::new(Creator {
        created: Some(CallBy {
            who,
            person: Some(person),
            arn: Some(arn),
            role,
            at: created_at,
            source: AttributionSource::Stream,
        }),
        ..Creator::default()
    }))
}

fn name_for(kind: ResourceKind, project: &str, created_at: DateTime<Utc>, n: u64) -> String {
    let stamp = created_at.format("%Y-%m-%d-%H-%M");
    match kind {
        ResourceKind::Training => format!("{project}-train-{stamp}-{n:03}"),
        ResourceKind::Processing => format!("{project}-prep-{stamp}-{n:03}"),
        ResourceKind::Transform => format!("{project}-batch-{stamp}-{n:03}"),
        ResourceKind::Tuning => format!("{project}-hpo-{}-{n:03}", created_at.format("%m%d%H%M")),
        ResourceKind::Endpoint => format!("{project}-endpoint-{n:03}"),
        _ => format!("{project}-nb-{n:03}"),
    }
}

/// What SageMaker would report for a finished training job: it trained from creation to end,
/// less a few minutes of provisioning; every fifth one ran on managed spot and was billed for
/// 40 % of that (derived from `n`, not the generator, so the rest of the demo is unchanged).
fn demo_billing(
    kind: ResourceKind,
    created_at: DateTime<Utc>,
    ended_at: Option<DateTime<Utc>>,
    n: u64,
) -> Option<TrainingBilling> {
    if kind != ResourceKind::Training {
        return None;
    }
    let trained = u32::try_from((ended_at? - created_at).num_seconds() - 120).unwrap_or(0);
    let managed_spot = n.is_multiple_of(5);
    Some(TrainingBilling {
        billable_seconds: Some(if managed_spot {
            trained * 2 / 5
        } else {
            trained
        }),
        training_seconds: Some(trained),
        managed_spot,
    })
}

fn instance(rng: &mut Rng, kind: ResourceKind) -> (&'static str, u32) {
    let count = |rng: &mut Rng, max: u64| u32::try_from(rng.below(max) + 1).unwrap_or(1);
    match kind {
        ResourceKind::Training => (
            *rng.pick(&[
                "ml.g5.2xlarge",
                "ml.p3.2xlarge",
                "ml.m5.xlarge",
                "ml.p4d.24xlarge",
                "ml.g4dn.xlarge",
            ]),
            count(rng, 4),
        ),
        ResourceKind::Processing => (
            *rng.pick(&["ml.m5.xlarge", "ml.c5.2xlarge", "ml.m5.4xlarge"]),
            count(rng, 3),
        ),
        ResourceKind::Transform => (
            *rng.pick(&["ml.m5.large", "ml.c5.xlarge", "ml.g4dn.xlarge"]),
            count(rng, 2),
        ),
        ResourceKind::Tuning => (*rng.pick(&["ml.g5.xlarge", "ml.m5.2xlarge"]), count(rng, 8)),
        ResourceKind::Endpoint => (
            *rng.pick(&[
                "ml.g4dn.xlarge",
                "ml.m5.large",
                "ml.g5.xlarge",
                "ml.c5.large",
            ]),
            count(rng, 4),
        ),
        _ => (
            *rng.pick(&[
                "ml.t3.medium",
                "ml.t3.large",
                "ml.g4dn.xlarge",
                "ml.m5.xlarge",
            ]),
            1,
        ),
    }
}

/// Mostly good tags, with the mistakes admins really meet: keys left off, keys in the wrong
/// case, an environment nobody allowed, and now and then nothing at all.
fn tags_for(rng: &mut Rng, project: &Project, account: &super::DemoAccount, region: &str) -> Tags {
    let mut tags = Tags::new();
    let roll = rng.below(100);
    if roll >= 93 {
        return tags;
    }
    let environment = if account.name == "ml-prod" {
        "production"
    } else {
        "dev"
    };
    tags.insert("cost-center".into(), project.cost_center.into());
    tags.insert("project".into(), project.name.into());
    tags.insert("owner".into(), project.owner.into());
    tags.insert("environment".into(), environment.into());
    match roll {
        70..=76 => {
            tags.remove("owner");
        }
        77..=79 => {
            tags.remove("cost-center");
            tags.remove("owner");
        }
        80..=85 => {
            let (wrong, key) = *rng.pick(&[
                ("Cost-Center", "cost-center"),
                ("Project", "project"),
                ("OWNER", "owner"),
            ]);
            if let Some(value) = tags.remove(key) {
                tags.insert(wrong.into(), value);
            }
        }
        86..=92 => {
            tags.insert(
                "environment".into(),
                (*rng.pick(&["prod", "Production", "test", "qa"])).into(),
            );
        }
        _ => {}
    }
    if account.studio && rng.below(3) == 0 {
        let domain = format!(
            "arn:aws:sagemaker:{region}:{}:domain/d-{}",
            account.id,
            domain_id(account)
        );
        tags.insert(
            "sagemaker:user-profile-arn".into(),
            format!(
                "arn:aws:sagemaker:{region}:{}:user-profile/d-{}/{}",
                account.id,
                domain_id(account),
                project.owner
            ),
        );
        tags.insert("sagemaker:domain-arn".into(), domain);
    }
    tags
}

fn domain_id(account: &super::DemoAccount) -> String {
    format!("{}demo{}", &account.name[..2], &account.id[..4])
}

/// A Studio domain or user profile: not a job, but it carries tags Studio propagates.
pub(super) struct StudioResource {
    pub account_id: &'static str,
    pub account_name: &'static str,
    pub region: &'static str,
    pub kind: ResourceKind,
    pub name: String,
    pub arn: String,
    pub tags: Tags,
    pub created_at: DateTime<Utc>,
}

pub(super) fn studio_resources(now: DateTime<Utc>) -> Vec<StudioResource> {
    let mut out = Vec::new();
    for account in ACCOUNTS.iter().filter(|a| a.studio) {
        let region = account.regions[0];
        let id = domain_id(account);
        let created_at = now - Duration::days(200);
        let mut domain_tags = Tags::new();
        domain_tags.insert("cost-center".into(), "cc-1001".into());
        domain_tags.insert("project".into(), "studio".into());
        out.push(StudioResource {
            account_id: account.id,
            account_name: account.name,
            region,
            kind: ResourceKind::Domain,
            name: format!("{}-studio", account.name),
            arn: format!("arn:aws:sagemaker:{region}:{}:domain/d-{id}", account.id),
            tags: domain_tags,
            created_at,
        });
        for (i, project) in PROJECTS.iter().enumerate() {
            let mut tags = Tags::new();
            if i % 3 != 2 {
                tags.insert("owner".into(), project.owner.into());
                tags.insert("cost-center".into(), project.cost_center.into());
                tags.insert("project".into(), project.name.into());
            }
            out.push(StudioResource {
                account_id: account.id,
                account_name: account.name,
                region,
                kind: ResourceKind::UserProfile,
                name: project.owner.to_string(),
                arn: format!(
                    "arn:aws:sagemaker:{region}:{}:user-profile/d-{id}/{}",
                    account.id, project.owner
                ),
                tags,
                created_at: created_at + Duration::days(i64::try_from(i).unwrap_or(0) * 9),
            });
        }
    }
    out.extend(tag_only_resources(now));
    out
}

/// Models, endpoint configs, pipelines, model package groups, feature groups, experiments
/// and Studio spaces in each account's first region: tag hygiene only, some left untagged or
/// half tagged as real teams leave them.
fn tag_only_resources(now: DateTime<Utc>) -> Vec<StudioResource> {
    const KINDS: [(ResourceKind, &str); 7] = [
        (ResourceKind::Model, "model"),
        (ResourceKind::EndpointConfig, "endpoint-config"),
        (ResourceKind::Pipeline, "pipeline"),
        (ResourceKind::ModelPackageGroup, "registry"),
        (ResourceKind::FeatureGroup, "features"),
        (ResourceKind::Experiment, "experiment"),
        (ResourceKind::Space, "space"),
    ];
    let mut out = Vec::new();
    for account in &ACCOUNTS {
        let region = account.regions[0];
        for (k, (kind, stem)) in KINDS.into_iter().enumerate() {
            if kind == ResourceKind::Space && !account.studio {
                continue;
            }
            for (p, project) in PROJECTS.iter().enumerate().take(3) {
                let mut tags = Tags::new();
                // One in three untagged, one missing its owner, one complete.
                match (k + p) % 3 {
                    0 => {}
                    1 => {
                        tags.insert("cost-center".into(), project.cost_center.into());
                        tags.insert("project".into(), project.name.into());
                    }
                    _ => {
                        tags.insert("cost-center".into(), project.cost_center.into());
                        tags.insert("project".into(), project.name.into());
                        tags.insert("owner".into(), project.owner.into());
                    }
                }
                let name = format!("{}-{stem}", project.name);
                let arn = if kind == ResourceKind::Space {
                    format!(
                        "arn:aws:sagemaker:{region}:{}:space/d-{}/{name}",
                        account.id,
                        domain_id(account)
                    )
                } else {
                    format!(
                        "arn:aws:sagemaker:{region}:{}:{}/{name}",
                        account.id,
                        kind.arn_segment()
                    )
                };
                out.push(StudioResource {
                    account_id: account.id,
                    account_name: account.name,
                    region,
                    kind,
                    name,
                    arn,
                    tags,
                    created_at: now - Duration::days(40 + i64::try_from(k * 3 + p).unwrap_or(0)),
                });
            }
        }
    }
    out
}
