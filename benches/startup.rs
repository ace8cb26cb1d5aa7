//! Start-up at organization scale: how soon `sagescope --offline` shows its first frame from
//! a cache holding 100,000 resources (and their tag findings), and how much memory it holds
//! then and once settled.
//!
//! The real release binary runs on a pseudo-terminal of 120×40 (through util-linux `script`),
//! so the figure covers everything a person waits for: exec, config, opening SQLite, decoding
//! the cached views, building the panes and writing the frames to the terminal. Three frames
//! are timed: the first (the panes, saying the cache is being read), the first with cached
//! rows (the cache's head: the newest 200, the title saying "of 100,000 cached"), and the one
//! with all 100,000 (the title counting them). Memory is the process's own `VmHWM` (peak
//! resident set) and `VmRSS` from `/proc`, taken once all rows are in.
//!
//! Then the same path in-process, step by step, to say where the time goes.
//!
//! Not a timed test: it reports, against the targets of issue 14 (first frame within 100 ms
//! of start, RSS under 150 MB). Run: `cargo bench --bench startup`
//! (`SAGESCOPE_BENCH_KEEP=DIR` keeps a copy of the cache there, to profile by hand).

// Test code: a failed expectation panics, which is what a test is for.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

#[path = "support/big_world.rs"]
mod big_world;

#[path = "support/bin.rs"]
mod bin;

use std::io::{Read, Write};
use std::path::Path;
use std::process::{Command, Stdio};
use std::sync::mpsc;
use std::time::{Duration, Instant};

use chrono::FixedOffset;
use ratatui::Terminal;
use ratatui::backend::TestBackend;
use sagescope::app::{App, AppInit, Mode};
use sagescope::cache::{Cache, RefreshRecord};
use sagescope::config::Config;

const RUNS: usize = 7;
/// Text the first frame drawn (before the cache is read) shows.
const FIRST_FRAME_MARK: &[u8] = b"Reading the cache";
/// Text only the frame showing the cache's head contains: its title's "newest 200 of 100,000".
const HEAD_MARK: &[u8] = b"of 100,000 cached";
/// Text only a frame showing all the cached rows contains: the Jobs title's count. Frames after
/// the first write only the cells that changed, so the mark is the count alone.
const ROWS_MARK: &[u8] = b"100000";

fn main() {
    if std::env::args().any(|a| a == "--list") {
        // `cargo bench -- --list` asks every bench for its names.
        println!("startup: bench");
        return;
    }
    let binary = bin::sagescope("startup");
    let home = tempfile::tempdir().expect("tempdir");
    let cache_path = home.path().join("cache.db");
    let snapshot = big_world::big_snapshot();
    seed(&cache_path, &snapshot);
    if let Some(dir) = std::env::var_os("SAGESCOPE_BENCH_KEEP") {
        // For profiling the start-up by hand (heaptrack, perf) on the same cache.
        let kept = Path::new(&dir).join("cache.db");
        std::fs::copy(&cache_path, &kept).expect("copies the cache");
        println!("cache kept at {}", kept.display());
    }
    let cache_mb = std::fs::metadata(&cache_path).map_or(0, |m| m.len()) as f64 / 1e6;
    let config = home.path().join("sagescope.toml");
    std::fs::write(
        &config,
        format!("[cache]\npath = \"{}\"\n", cache_path.display()),
    )
    .expect("config");
    println!("binary: {}", binary.display());
    println!(
        "cache: {} resources, {} tag findings, {cache_mb:.1} MB of SQLite",
        snapshot.jobs.rows.len(),
        snapshot.findings.rows.len()
    );
    drop(snapshot);

    let mut runs: Vec<Run> = (0..RUNS)
        .map(|_| run_once(&binary, home.path(), &config))
        .collect();
    println!();
    println!("--- the release binary, `sagescope --offline` on a 120x40 pty, {RUNS} runs");
    for (i, run) in runs.iter().enumerate() {
        println!(
            "run {}: first frame {:>6.1} ms   first cached rows {:>6.1} ms   all 100,000 \
             {:>7.1} ms   RSS then {:>6.1} MB   peak RSS {:>6.1} MB ({:.1} MB resident after 1 s)",
            i + 1,
            ms(run.first_frame),
            ms(run.head_shown),
            ms(run.rows_shown),
            run.rss_at_rows_mb,
            run.peak_mb,
            run.rss_settled_mb
        );
    }
    let median = |pick: fn(&Run) -> Duration| {
        let mut times: Vec<Duration> = runs.iter().map(pick).collect();
        times.sort();
        ms(times[times.len() / 2])
    };
    let (first, head, rows) = (
        median(|r| r.first_frame),
        median(|r| r.head_shown),
        median(|r| r.rows_shown),
    );
    runs.sort_by(|a, b| a.peak_mb.total_cmp(&b.peak_mb));
    let peak = runs.last().map_or(f64::NAN, |r| r.peak_mb);
    println!(
        "median: first frame {first:.1} ms (target 100 ms: {}), first cached rows on screen \
         {head:.1} ms (target 100 ms: {}), all 100,000 on screen {rows:.1} ms; worst peak RSS \
         {peak:.1} MB (target 150 MB: {})",
        met(first <= 100.0),
        met(head <= 100.0),
        met(peak < 150.0)
    );

    in_process(&cache_path);
}

fn met(ok: bool) -> &'static str {
    if ok { "met" } else { "missed" }
}

fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1000.0
}

/// Writes the world the way a refresh does: one transaction for the jobs, findings and
/// metrics, then the spend.
fn seed(path: &Path, snapshot: &sagescope::model::Snapshot) {
    let mut cache = Cache::open(path).expect("opens the cache").cache;
    let tags = sagescope::tags::TagState::default();
    cache
        .save_refresh(&RefreshRecord {
            jobs: &snapshot.jobs,
            describes: &Default::default(),
            tags: Some((&tags, &snapshot.findings)),
            metrics: Some(&snapshot.metrics),
        })
        .expect("saves the refresh");
    cache.save_spend(&snapshot.spend).expect("saves the spend");
}

struct Run {
    /// Until the first frame (the panes, saying the cache is being read).
    first_frame: Duration,
    /// Until the frame showing the cache's head (the newest rows).
    head_shown: Duration,
    /// Until the frame showing all the cached rows.
    rows_shown: Duration,
    rss_at_rows_mb: f64,
    rss_settled_mb: f64,
    peak_mb: f64,
}

/// One start of the real program on a pseudo-terminal, quit with `q` once measured.
fn run_once(binary: &Path, home: &Path, config: &Path) -> Run {
    let inner = format!(
        "stty cols 120 rows 40; exec '{}' --offline --config '{}'",
        binary.display(),
        config.display()
    );
    let mut isolated = bin_env(home);
    isolated
        .args(["-qfec", &inner, "/dev/null"])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::null());
    let started = Instant::now();
    let mut script = isolated
        .spawn()
        .expect("runs util-linux `script` (the pseudo-terminal)");
    let mut stdout = script.stdout.take().expect("piped stdout");
    let (seen, marks) = mpsc::channel();
    let reader = std::thread::spawn(move || {
        let mut screen = Vec::new();
        let mut buffer = [0u8; 65536];
        // Each mark once, in whatever order the frames bring them.
        let mut waiting = vec![FIRST_FRAME_MARK, HEAD_MARK, ROWS_MARK];
        while let Ok(n) = stdout.read(&mut buffer) {
            if n == 0 {
                break;
            }
            screen.extend_from_slice(&buffer[..n]);
            waiting.retain(|mark| {
                let found = screen.windows(mark.len()).any(|w| w == *mark);
                if found {
                    let _ = seen.send((*mark, started.elapsed()));
                }
                !found
            });
        }
    });
    let (mut first_frame, mut head_shown, mut rows_shown) = (None, None, None);
    while rows_shown.is_none() || first_frame.is_none() {
        let (mark, at) = marks
            .recv_timeout(Duration::from_secs(30))
            .expect("the first frame and all the cached rows within 30 s");
        match mark {
            FIRST_FRAME_MARK => first_frame = Some(at),
            HEAD_MARK => head_shown = Some(at),
            _ => rows_shown = Some(at),
        }
    }
    let (first_frame, rows_shown) = (
        first_frame.expect("seen above"),
        rows_shown.expect("seen above"),
    );
    // A head drawn in the same frame as everything (never, so far) counts as shown then.
    let head_shown = head_shown.unwrap_or(rows_shown);
    let pid = child_of(script.id()).expect("script's child is sagescope");
    let rss_at_rows_mb = status_mb(pid, "VmRSS:");
    std::thread::sleep(Duration::from_secs(1));
    let rss_settled_mb = status_mb(pid, "VmRSS:");
    let peak_mb = status_mb(pid, "VmHWM:");
    if let Some(stdin) = script.stdin.as_mut() {
        let _ = stdin.write_all(b"q");
        let _ = stdin.flush();
    }
    let deadline = Instant::now() + Duration::from_secs(5);
    while script.try_wait().ok().flatten().is_none() && Instant::now() < deadline {
        std::thread::sleep(Duration::from_millis(20));
    }
    let _ = script.kill();
    let _ = script.wait();
    let _ = reader.join();
    Run {
        first_frame,
        head_shown,
        rows_shown,
        rss_at_rows_mb,
        rss_settled_mb,
        peak_mb,
    }
}

/// `script`, with the sagescope it starts isolated from the developer's files (its own home,
/// no AWS endpoint needed offline).
fn bin_env(home: &Path) -> Command {
    let mut command = Command::new("script");
    command
        .env("HOME", home)
        .env("XDG_CONFIG_HOME", home.join("config"))
        .env("XDG_CACHE_HOME", home.join("cache"))
        .env("XDG_STATE_HOME", home.join("state"))
        .env("TERM", "xterm-256color")
        .env_remove("SAGESCOPE_CONFIG")
        .env_remove("SAGESCOPE_LOG");
    command
}

/// The first child of `pid` (Linux `/proc/<pid>/task/<pid>/children`), waiting for it to
/// appear.
fn child_of(pid: u32) -> Option<u32> {
    let path = format!("/proc/{pid}/task/{pid}/children");
    for _ in 0..100 {
        if let Some(child) = std::fs::read_to_string(&path)
            .ok()
            .and_then(|text| text.split_whitespace().next()?.parse().ok())
        {
            return Some(child);
        }
        std::thread::sleep(Duration::from_millis(10));
    }
    None
}

/// A `/proc/<pid>/status` figure given in kB (`VmRSS:`, `VmHWM:`), in MB.
fn status_mb(pid: u32, field: &str) -> f64 {
    std::fs::read_to_string(format!("/proc/{pid}/status"))
        .ok()
        .and_then(|status| {
            let line = status.lines().find(|l| l.starts_with(field))?;
            line.split_whitespace().nth(1)?.parse::<f64>().ok()
        })
        .map_or(f64::NAN, |kb| kb / 1000.0)
}

/// The start-up path without the process: cache open, snapshot decode, App build, frame.
fn in_process(cache_path: &Path) {
    let mut steps = Vec::new();
    let pid = std::process::id();
    let before_mb = status_mb(pid, "VmRSS:");
    let started = Instant::now();
    let opened = Cache::open(cache_path).expect("opens").cache;
    steps.push((
        "open the cache",
        status_mb(pid, "VmRSS:"),
        started.elapsed(),
    ));
    let at = Instant::now();
    let head = opened.load_head().expect("reads").expect("a head");
    steps.push((
        "read the head (the newest 200 rows)",
        status_mb(pid, "VmRSS:"),
        at.elapsed(),
    ));
    drop(head);
    let at = Instant::now();
    let snapshot = opened.load_snapshot().expect("reads").expect("a snapshot");
    steps.push((
        "decode the cached views",
        status_mb(pid, "VmRSS:"),
        at.elapsed(),
    ));
    let at = Instant::now();
    let _ = opened.load_events(None).expect("reads the timeline");
    steps.push((
        "read the event timeline",
        status_mb(pid, "VmRSS:"),
        at.elapsed(),
    ));
    let at = Instant::now();
    let config = Config::default();
    let utc = FixedOffset::east_opt(0).expect("valid offset");
    let mut app = App::new(AppInit::from_config(
        &config,
        Mode::Offline,
        big_world::anchor(),
        utc,
    ));
    app.load_snapshot(snapshot);
    let _ = app.update(sagescope::action::Action::Resize {
        width: 120,
        height: 40,
    });
    steps.push((
        "build the panes (sort, search text)",
        status_mb(pid, "VmRSS:"),
        at.elapsed(),
    ));
    let at = Instant::now();
    let mut terminal = Terminal::new(TestBackend::new(120, 40)).expect("test terminal");
    terminal
        .draw(|f| sagescope::ui::render(f, &app))
        .expect("draws");
    steps.push((
        "render the first frame",
        status_mb(pid, "VmRSS:"),
        at.elapsed(),
    ));
    println!();
    println!(
        "--- the same path in-process (one run; resident memory after each step, {before_mb:.1} \
         MB before)"
    );
    for (step, rss_mb, took) in &steps {
        println!("{step:<40} {:>7.1} ms   RSS {rss_mb:>6.1} MB", ms(*took));
    }
    println!("{:<40} {:>7.1} ms", "in all", ms(started.elapsed()));
}
