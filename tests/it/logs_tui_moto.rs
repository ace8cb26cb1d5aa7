//! `l` in the terminal UI against moto: the log view reads CloudWatch Logs through the same
//! per-account SDK configuration as the fetcher, and shows the same lines `sagescope logs`
//! prints, control characters made visible.

use crate::support;

use sagescope::action::{Action, Command, UserAction};
use sagescope::model::{Job, JobStatus, ResourceKind, Snapshot, View};
use support::cli::sagescope;
use support::moto::{DEFAULT_ACCOUNT, moto};

#[test]
fn l_shows_the_lines_sagescope_logs_prints() {
    let mut moto = moto();
    let (jobs, _) = moto.seed_with_logs(&[DEFAULT_ACCOUNT], &["us-east-1"], 3);
    let failed = jobs
        .iter()
        .find(|j| j["kind"] == "training" && j["status"] == "Failed")
        .and_then(|j| j["name"].as_str())
        .expect("a failed training job")
        .to_string();
    let home = tempfile::tempdir().expect("tempdir");
    let config_path = home.path().join("sagescope.toml");
    std::fs::write(
        &config_path,
        "[[accounts]]\nname = \"main\"\nregions = [\"us-east-1\"]\n",
    )
    .expect("config");

    let out = sagescope(home.path(), &moto.endpoint())
        .args(["logs", &failed, "--config"])
        .arg(&config_path)
        .output()
        .expect("runs");
    assert_eq!(out.status.code(), Some(0));
    let printed: Vec<String> = String::from_utf8(out.stdout)
        .expect("utf-8")
        .lines()
        .map(str::to_string)
        .collect();

    let mut config = sagescope::config::load(Some(&config_path))
        .expect("config loads")
        .config;
    config.aws_override = Some(support::moto::aws_override(&moto));
    let access = sagescope::aws::job_fetcher(&config);

    // The failed job as a row of the Jobs pane, as a refresh lists it.
    let now = chrono::Utc::now();
    let row = Job {
        account_id: DEFAULT_ACCOUNT.into(),
        account_name: "main".into(),
        region: "us-east-1".into(),
        kind: ResourceKind::Training,
        name: failed.clone(),
        arn: format!("arn:aws:sagemaker:us-east-1:{DEFAULT_ACCOUNT}:training-job/{failed}"),
        status: JobStatus::new("Failed"),
        created_at: now - chrono::Duration::hours(3),
        ended_at: Some(now - chrono::Duration::hours(2)),
        last_modified_at: None,
        instance_type: Some("ml.p3.2xlarge".into()),
        instance_count: Some(1),
        failure_reason: Some("AlgorithmError: CUDA out of memory (tried 2.0 GiB)".into()),
        tags: Default::default(),
        app: None,
        compute: None,
        billing: None,
        streamed_at: None,
        created_by: None,
    };
    let (width, height) = (120, 30);
    let mut app = support::tui::demo_app(width, height);
    let mut snapshot = Snapshot::empty(sagescope::model::DataSource::Live, now);
    snapshot.jobs = View::new(now, vec![row], Vec::new());
    app.mode = sagescope::app::Mode::Live;
    app.load_snapshot(snapshot);

    let commands = app.update(Action::User(UserAction::OpenLogs));
    assert!(
        matches!(commands.as_slice(), [Command::ReadLogs(_)]),
        "`l` asks for a log read: {commands:?}"
    );
    let runtime = tokio::runtime::Runtime::new().expect("runtime");
    runtime.block_on(support::tui::settle_logs_with(&mut app, &access, commands));
    let screen = support::tui::text(&support::tui::screen(&app, width, height));
    let rows: Vec<&str> = screen
        .lines()
        .map(|row| {
            row.trim_start_matches('│')
                .trim_end()
                .trim_end_matches('│')
                .trim_end()
        })
        .collect();
    for line in &printed {
        assert!(
            rows.contains(&line.as_str()),
            "{line:?} is not on screen:\n{screen}"
        );
    }
    assert!(!screen.contains('\u{1b}'), "no raw escape on screen");
    assert!(
        screen.contains(&format!("Logs · training {failed}")),
        "{screen}"
    );
}
