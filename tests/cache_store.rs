//! The SQLite cache: round trip, atomic views, private file mode and recovery from garbage.

use chrono::{TimeZone, Utc};
use sagescope::cache::Cache;
use sagescope::demo;
use sagescope::model::{DataSource, FetchError, View};

mod common;

fn anchor() -> chrono::DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 11, 20, 14, 2, 0)
        .single()
        .expect("valid")
}

#[test]
fn a_saved_snapshot_reads_back_identical_but_marked_as_cache() {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("cache.db");
    let mut world = demo::world(anchor());
    world.jobs.errors.push(FetchError {
        account: "ml-prod".into(),
        region: Some("us-west-2".into()),
        message: "AccessDenied".into(),
        ..Default::default()
    });
    {
        let mut cache = Cache::open(&path).expect("opens").cache;
        common::seed_cache(&mut cache, &world);
    }
    let opened = Cache::open(&path).expect("reopens");
    assert!(opened.warning.is_none());
    let back = opened
        .cache
        .load_snapshot()
        .expect("reads")
        .expect("a snapshot");
    assert_eq!(back.source, DataSource::Cache);
    // Jobs come back scope by scope (account, region, kind), every row intact.
    assert_eq!(back.jobs.as_of, world.jobs.as_of);
    assert_eq!(back.jobs.errors, world.jobs.errors);
    let by_arn = |rows: &[sagescope::model::Job]| {
        let mut rows = rows.to_vec();
        rows.sort_by(|a, b| a.arn.cmp(&b.arn));
        rows
    };
    assert_eq!(by_arn(&back.jobs.rows), by_arn(&world.jobs.rows));
    assert_eq!(back.spend, world.spend);
    assert_eq!(back.findings, world.findings);
    assert!(!world.metrics.rows.is_empty());
    assert_eq!(back.metrics, world.metrics);
}

#[test]
fn saving_one_view_keeps_the_others() {
    let mut cache = Cache::in_memory().expect("opens");
    let world = demo::world(anchor());
    common::seed_cache(&mut cache, &world);
    let later = anchor() + chrono::Duration::minutes(5);
    let fresh_jobs = View::new(later, world.jobs.rows[..10].to_vec(), Vec::new());
    cache
        .save_refresh(&sagescope::cache::RefreshRecord {
            jobs: &fresh_jobs,
            describes: &Default::default(),
            tags: None,
            metrics: None,
        })
        .expect("saves a jobs-only refresh");
    let back = cache.load_snapshot().expect("reads").expect("a snapshot");
    assert_eq!(back.jobs, fresh_jobs);
    assert_eq!(back.spend, world.spend, "spend untouched by a jobs refresh");
    assert_eq!(
        back.as_of(),
        anchor(),
        "the snapshot is as old as its oldest view"
    );
}

#[cfg(unix)]
#[test]
fn the_cache_file_is_private_to_its_owner() {
    use std::os::unix::fs::PermissionsExt;
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("nested/cache.db");
    let _ = Cache::open(&path).expect("opens");
    let mode = std::fs::metadata(&path)
        .expect("exists")
        .permissions()
        .mode();
    assert_eq!(mode & 0o777, 0o600);
}

#[test]
fn a_garbage_file_is_moved_aside_and_a_fresh_cache_started() {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("cache.db");
    std::fs::write(
        &path,
        b"this is not a database, just some bytes that look nothing like SQLite",
    )
    .expect("writes");
    let opened = Cache::open(&path).expect("recovers");
    let warning = opened.warning.expect("the user is told");
    assert!(warning.contains("moved to"), "{warning}");
    assert!(opened.cache.load_snapshot().expect("reads").is_none());
    let aside: Vec<_> = std::fs::read_dir(dir.path())
        .expect("lists")
        .filter_map(Result::ok)
        .filter(|e| {
            e.file_name()
                .to_string_lossy()
                .starts_with("cache.db.corrupt-")
        })
        .collect();
    assert_eq!(aside.len(), 1, "the old file is kept for inspection");
}
