//! `sagescope logs <name|arn>`: a resource's CloudWatch Logs on stdout, one sanitised line
//! per event, and with `--follow` every new event exactly once until Ctrl-C.
//!
//! The resource is found in the local cache first (which account, region and kind it is);
//! one the cache does not know is looked for live, by its log streams, in every configured
//! account-region. What was searched is said when nothing is found.

use std::io::Write;
use std::sync::Arc;
use std::time::Duration;

use chrono::Utc;

use super::context::Context;
use super::{CliError, LogsArgs, ModeArgs, Outcome};
use crate::config::{AccountConfig, Config};
use crate::logs::{
    Cursor, LogAccess, LogEvent, LogPlace, LogTarget, LogsError, list_streams, place, read_new,
};
use crate::model::{Job, ResourceKind};
use crate::sanitize;

/// Kinds a live search looks for by name (a tuning job's trials share the training group,
/// so tuning jobs are found through the cache or their ARN only).
const SEARCHED_KINDS: [ResourceKind; 5] = [
    ResourceKind::Training,
    ResourceKind::Processing,
    ResourceKind::Transform,
    ResourceKind::Endpoint,
    ResourceKind::Notebook,
];

/// The shortest `--interval` accepted: CloudWatch Logs throttles each read API per account
/// and region (`FilterLogEvents` at a few requests a second), shared by everyone there.
const MIN_INTERVAL: f64 = 0.2;

/// `--interval SECONDS`: a finite number of seconds, at least [`MIN_INTERVAL`]; `inf`, `NaN`
/// and values beyond a `Duration` are refused here rather than panicking when converted.
pub(super) fn parse_interval(text: &str) -> Result<Duration, String> {
    let bad = || format!("`{text}` is not a number of seconds of at least {MIN_INTERVAL}");
    let seconds: f64 = text.trim().parse().map_err(|_| bad())?;
    if seconds.is_nan() || seconds < MIN_INTERVAL {
        return Err(bad());
    }
    Duration::try_from_secs_f64(seconds).map_err(|_| bad())
}

pub(super) fn run(
    context: &Context<'_>,
    args: &LogsArgs,
    mode: ModeArgs,
) -> Result<Outcome, CliError> {
    let loaded = context.loaded;
    if mode.offline {
        return Err(CliError::Usage(
            "logs are read live from CloudWatch Logs and need AWS; drop --offline".into(),
        ));
    }
    let start_ms = match &args.since {
        Some(since) => Some(
            since
                .before(Utc::now())
                .map_err(|e| CliError::Usage(format!("--since: {e}")))?
                .timestamp_millis(),
        ),
        None => None,
    };
    let now = Utc::now();
    let (config, access, known): (Config, Arc<dyn LogAccess>, Known) = if mode.demo {
        let world = crate::demo::world(now);
        let jobs = world.jobs.rows;
        (
            crate::demo::config(&loaded.config),
            Arc::new(crate::logs::demo::DemoLogs::new(
                jobs.clone(),
                now,
                Utc::now,
            )) as Arc<dyn LogAccess>,
            Known::Demo(jobs),
        )
    } else {
        (
            loaded.config.clone(),
            Arc::new(crate::aws::job_fetcher(&loaded.config)) as Arc<dyn LogAccess>,
            cached_jobs(context),
        )
    };
    context.block_on(async {
        let target = resolve(&config, access.as_ref(), &known, args).await?;
        print_logs(access.as_ref(), &target, args, start_ms).await
    })
}

/// What the cache (or the demo world) knows, for finding the resource.
enum Known {
    Demo(Vec<Job>),
    Cache(Vec<Job>),
    /// No cache yet, or it cannot be read: said in "what was searched".
    Unavailable(String),
}

fn cached_jobs(context: &Context<'_>) -> Known {
    let Ok(path) = super::cache_path(context.loaded) else {
        return Known::Unavailable("no cache location is known".into());
    };
    if !path.exists() {
        return Known::Unavailable(format!("no cache at {} yet", path.display()));
    }
    let store = match context.store() {
        Ok(store) => store,
        Err(err) => return Known::Unavailable(format!("the cache cannot be opened: {err}")),
    };
    match store.run_blocking(|cache| cache.load_snapshot()) {
        Ok(Ok(Some(snapshot))) => Known::Cache(snapshot.jobs.rows),
        Ok(Ok(None)) => Known::Unavailable(format!("the cache at {} is empty", path.display())),
        Ok(Err(err)) => Known::Unavailable(format!("the cache cannot be read: {err}")),
        Err(err) => Known::Unavailable(format!("the cache cannot be read: {err}")),
    }
}

/// What an ARN says: `arn:<partition>:sagemaker:<region>:<account>:<type>/<name>`.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Arn {
    region: String,
    account_id: String,
    kind: ResourceKind,
    name: String,
}

fn parse_arn(text: &str) -> Option<Arn> {
    let parts: Vec<&str> = text.splitn(6, ':').collect();
    let [arn, _, service, region, account_id, resource] = parts.as_slice() else {
        return None;
    };
    if *arn != "arn" || *service != "sagemaker" {
        return None;
    }
    let (segment, name) = resource.split_once('/')?;
    let kind = ResourceKind::ALL
        .into_iter()
        .find(|k| k.arn_segment() == segment)?;
    Some(Arn {
        region: region.to_string(),
        account_id: account_id.to_string(),
        kind,
        name: name.to_string(),
    })
}

/// Whether `account` passes `--account` (its name or its id).
fn account_wanted(args: &LogsArgs, name: &str, id: Option<&str>) -> bool {
    args.account
        .as_deref()
        .is_none_or(|want| want == name || Some(want) == id)
}

fn region_wanted(args: &LogsArgs, region: &str) -> bool {
    args.region.as_deref().is_none_or(|want| want == region)
}

/// The one resource `args.resource` names, from the cache first, else by its streams.
async fn resolve(
    config: &Config,
    access: &dyn LogAccess,
    known: &Known,
    args: &LogsArgs,
) -> Result<LogTarget, CliError> {
    let query = args.resource.as_str();
    let arn = parse_arn(query);
    let mut searched = Vec::new();
    let rows: &[Job] = match known {
        Known::Demo(rows) => {
            searched.push(format!("the demo world ({} resources)", rows.len()));
            rows.as_slice()
        }
        Known::Cache(rows) => {
            searched.push(format!("the cache ({} resources)", rows.len()));
            rows.as_slice()
        }
        Known::Unavailable(why) => {
            searched.push(format!("the cache ({why})"));
            &[]
        }
    };
    let found: Vec<LogTarget> = rows
        .iter()
        .filter(|job| job.name == query || job.arn == query)
        .filter(|job| account_wanted(args, &job.account_name, Some(&job.account_id)))
        .filter(|job| region_wanted(args, &job.region))
        .filter_map(LogTarget::of)
        .collect();
    let found = if found.is_empty() {
        search_live(config, access, args, arn.as_ref(), &mut searched).await?
    } else {
        found
    };
    match found.as_slice() {
        [one] => Ok(one.clone()),
        [] => Err(CliError::Fatal(anyhow::anyhow!(
            "no logs found for `{}`: searched {}",
            sanitize::plain(query),
            searched.join("; ")
        ))),
        many => Err(CliError::Usage(format!(
            "`{}` names {} resources: {}; choose one with --account and --region",
            sanitize::plain(query),
            many.len(),
            many.iter()
                .map(|t| format!("{} in {} {}", t.kind.as_str(), t.account, t.region))
                .collect::<Vec<_>>()
                .join(", ")
        ))),
    }
}

/// Looks for the resource's streams in every configured account-region the flags allow.
/// A refused or failing account-region is part of what was searched; if nothing is found
/// and IAM refused a call, that refusal is the error (it names the missing permission).
async fn search_live(
    config: &Config,
    access: &dyn LogAccess,
    args: &LogsArgs,
    arn: Option<&Arn>,
    searched: &mut Vec<String>,
) -> Result<Vec<LogTarget>, CliError> {
    let (name, kinds): (&str, Vec<ResourceKind>) = match arn {
        Some(arn) => (arn.name.as_str(), vec![arn.kind]),
        None => (args.resource.as_str(), SEARCHED_KINDS.to_vec()),
    };
    let places: Vec<(ResourceKind, LogPlace)> = kinds
        .iter()
        .filter_map(|k| Some((*k, place(*k, name)?)))
        .collect();
    if places.is_empty() {
        return Ok(Vec::new());
    }
    let accounts: Vec<&AccountConfig> = config
        .accounts
        .iter()
        .filter(|a| account_wanted(args, &a.name, a.account_id_hint()))
        .filter(|a| arn.is_none_or(|arn| a.account_id_hint().is_none_or(|id| id == arn.account_id)))
        .collect();
    if accounts.is_empty() {
        searched.push("no configured account matches --account".into());
        return Ok(Vec::new());
    }
    let mut found = Vec::new();
    let mut denied: Option<LogsError> = None;
    // "account `main` (us-east-1, eu-west-1)", failures named where they happened.
    let mut where_searched = Vec::new();
    for account in accounts {
        let mut searched_regions = Vec::new();
        let regions = match (arn, &args.region) {
            (Some(arn), _) => vec![arn.region.clone()],
            (None, Some(region)) => vec![region.clone()],
            (None, None) => match access.regions(&account.name).await {
                Ok(regions) => regions,
                Err(err) => {
                    where_searched.push(format!(
                        "account `{}` (cannot connect: {err})",
                        account.name
                    ));
                    continue;
                }
            },
        };
        for region in regions.iter().filter(|r| region_wanted(args, r)) {
            let source = match access.logs(&account.name, region).await {
                Ok(source) => source,
                Err(err) => {
                    searched_regions.push(format!("{region}: {err}"));
                    continue;
                }
            };
            let mut problems = Vec::new();
            for (kind, place) in &places {
                match source.streams(&place.group, &place.prefix, None).await {
                    Ok(page) if !page.streams.is_empty() => found.push(LogTarget {
                        account: account.name.clone(),
                        account_id: account.account_id_hint().unwrap_or_default().to_string(),
                        region: region.clone(),
                        kind: *kind,
                        name: name.to_string(),
                        place: place.clone(),
                    }),
                    Ok(_) | Err(LogsError::NotFound(_)) => {}
                    Err(err) => {
                        if matches!(err, LogsError::AccessDenied { .. }) {
                            denied.get_or_insert(err.clone());
                        }
                        problems.push(err.to_string());
                    }
                }
            }
            if problems.is_empty() {
                searched_regions.push(region.clone());
            } else {
                searched_regions.push(format!("{region}: failed: {}", problems.join("; ")));
            }
        }
        where_searched.push(format!(
            "account `{}` ({})",
            account.name,
            searched_regions.join(", ")
        ));
    }
    searched.push(format!(
        "CloudWatch Logs {} in {}",
        places
            .iter()
            .map(|(_, p)| describe_place(p))
            .collect::<Vec<_>>()
            .join(", "),
        where_searched.join(", ")
    ));
    match denied {
        Some(err) if found.is_empty() => Err(CliError::Fatal(anyhow::anyhow!(
            "cannot look for the logs of `{}`: {err}",
            sanitize::plain(&args.resource)
        ))),
        _ => Ok(found),
    }
}

fn describe_place(place: &LogPlace) -> String {
    if place.prefix.is_empty() {
        place.group.clone()
    } else {
        format!(
            "{} streams {}*",
            place.group,
            sanitize::plain(&place.prefix)
        )
    }
}

/// Reads the target's chosen streams from `start_ms`, prints them, and with `--follow` polls
/// until Ctrl-C (or SIGTERM), printing what is new each time.
async fn print_logs(
    access: &dyn LogAccess,
    target: &LogTarget,
    args: &LogsArgs,
    start_ms: Option<i64>,
) -> Result<Outcome, CliError> {
    let fatal = |err: LogsError| {
        CliError::Fatal(anyhow::anyhow!(
            "cannot read the logs of {} `{}` ({} {}): {err}",
            target.kind.as_str(),
            sanitize::plain(&target.name),
            target.account,
            target.region
        ))
    };
    let source = access
        .logs(&target.account, &target.region)
        .await
        .map_err(fatal)?;
    let (streams, _) = list_streams(source.as_ref(), &target.place.group, &target.place.prefix)
        .await
        .map_err(fatal)?;
    let chosen: Vec<String> = streams
        .iter()
        .map(|s| s.name.clone())
        .filter(|name| {
            args.stream
                .as_deref()
                .is_none_or(|want| name.contains(want))
        })
        .collect();
    if chosen.is_empty() {
        let all: Vec<String> = streams
            .iter()
            .map(|s| sanitize::plain(&s.name).into_owned())
            .collect();
        let filter = args
            .stream
            .as_deref()
            .map(|s| format!(" matching --stream `{}`", sanitize::plain(s)))
            .unwrap_or_default();
        return Err(CliError::Fatal(anyhow::anyhow!(
            "{} `{}` has no log streams{filter} in {} ({} {}){}",
            target.kind.as_str(),
            sanitize::plain(&target.name),
            describe_place(&target.place),
            target.account,
            target.region,
            if all.is_empty() {
                String::new()
            } else {
                format!("; its streams: {}", all.join(", "))
            }
        )));
    }
    // Listening before the first read: a Ctrl-C from then on ends the follow with 0.
    let mut signals = if args.follow {
        use tokio::signal::unix::{SignalKind, signal};
        let listen = |kind| signal(kind).map_err(|e| CliError::Fatal(e.into()));
        Some((
            listen(SignalKind::interrupt())?,
            listen(SignalKind::terminate())?,
        ))
    } else {
        None
    };
    let label = chosen.len() > 1;
    let mut cursor = Cursor::new(&chosen, start_ms);
    let batch = read_new(source.as_ref(), &target.place.group, &cursor)
        .await
        .map_err(fatal)?;
    cursor = batch.cursor;
    if !print(&batch.events, target, args.timestamps, label) {
        return Ok(Outcome::Ok);
    }
    let Some((sigint, sigterm)) = &mut signals else {
        return Ok(Outcome::Ok);
    };
    let interval = args.interval;
    loop {
        tokio::select! {
            _ = tokio::time::sleep(interval) => {}
            _ = sigint.recv() => return Ok(Outcome::Ok),
            _ = sigterm.recv() => return Ok(Outcome::Ok),
        }
        match read_new(source.as_ref(), &target.place.group, &cursor).await {
            Ok(batch) => {
                cursor = batch.cursor;
                if !print(&batch.events, target, args.timestamps, label) {
                    return Ok(Outcome::Ok);
                }
            }
            Err(err @ LogsError::AccessDenied { .. }) => return Err(fatal(err)),
            // A passing failure (network, throttling): the same cursor next time loses
            // nothing.
            Err(err) => {
                eprintln!("warning: {}", sanitize::plain(&err.to_string()));
                tracing::warn!("logs follow: {err}");
            }
        }
    }
}

/// Prints events, one line each; `false` once stdout is gone (a closed pipe ends quietly).
fn print(events: &[LogEvent], target: &LogTarget, timestamps: bool, label: bool) -> bool {
    let stdout = std::io::stdout();
    let mut out = stdout.lock();
    for event in events {
        let line = line(event, target, timestamps, label);
        if writeln!(out, "{line}").is_err() {
            return false;
        }
    }
    out.flush().is_ok()
}

/// One event as a line: `[time ][stream ]message`, every control character made visible.
fn line(event: &LogEvent, target: &LogTarget, timestamps: bool, label: bool) -> String {
    let message = event
        .message
        .strip_suffix('\n')
        .map(|m| m.strip_suffix('\r').unwrap_or(m))
        .unwrap_or(&event.message);
    let mut text = String::new();
    if timestamps {
        match event.at() {
            Some(at) => text.push_str(&at.to_rfc3339_opts(chrono::SecondsFormat::Millis, true)),
            None => text.push_str(&event.timestamp_ms.to_string()),
        }
        text.push(' ');
    }
    if label {
        text.push('[');
        text.push_str(&sanitize::cell(target.short(&event.stream)));
        text.push_str("] ");
    }
    text.push_str(&sanitize::cell(message));
    text
}

#[cfg(test)]
mod tests {
    use super::*;

    proptest::proptest! {
        #![proptest_config(proptest::prelude::ProptestConfig::with_cases(256))]

        #[test]
        fn any_text_is_an_arn_or_none(text in "arn:aws:sagemaker:\\PC{0,30}|\\PC{0,40}") {
            let _ = parse_arn(&text);
        }

        /// An ARN made of its parts reads back as those parts.
        #[test]
        fn an_arn_reads_back_as_its_parts(
            kind in proptest::sample::select(ResourceKind::ALL.to_vec()),
            region in "[a-z]{2}-[a-z]{4,9}-[0-9]",
            account_id in "[0-9]{12}",
            name in "[A-Za-z0-9-]{1,20}(/[A-Za-z0-9:-]{1,10}){0,2}",
        ) {
            let arn = format!("arn:aws:sagemaker:{region}:{account_id}:{}/{name}", kind.arn_segment());
            proptest::prop_assert_eq!(
                parse_arn(&arn),
                Some(Arn { region, account_id, kind, name })
            );
        }

        #[test]
        fn intervals_are_at_least_the_minimum_or_refused(text in "[0-9.e+-]{0,12}|inf|NaN|\\PC{0,10}") {
            if let Ok(interval) = parse_interval(&text) {
                proptest::prop_assert!(interval.as_secs_f64() >= MIN_INTERVAL);
            }
        }
    }

    #[test]
    fn an_infinite_interval_is_refused_not_a_panic() {
        // `Duration::from_secs_f64(inf)` panics: `--interval inf` used to reach it.
        for bad in ["inf", "1e300", "NaN", "0.1", "-1", "x"] {
            assert!(parse_interval(bad).is_err(), "{bad}");
        }
        assert_eq!(parse_interval("2"), Ok(Duration::from_secs(2)));
        assert_eq!(parse_interval("0.2"), Ok(Duration::from_millis(200)));
    }

    #[test]
    fn arns_say_kind_name_region_and_account() {
        let arn = parse_arn("arn:aws:sagemaker:eu-west-1:222222222222:training-job/bert-ft")
            .expect("an ARN");
        assert_eq!(
            arn,
            Arn {
                region: "eu-west-1".into(),
                account_id: "222222222222".into(),
                kind: ResourceKind::Training,
                name: "bert-ft".into(),
            }
        );
        assert_eq!(
            parse_arn("arn:aws:sagemaker:us-east-1:1:notebook-instance/nb").map(|a| a.kind),
            Some(ResourceKind::Notebook)
        );
        assert!(parse_arn("arn:aws:s3:::bucket/key").is_none());
        assert!(parse_arn("bert-ft").is_none());
    }

    #[test]
    fn a_line_is_one_line_with_nothing_raw() {
        let target = LogTarget {
            account: "main".into(),
            account_id: "1".into(),
            region: "us-east-1".into(),
            kind: ResourceKind::Training,
            name: "job".into(),
            place: place(ResourceKind::Training, "job").expect("place"),
        };
        let event = LogEvent {
            timestamp_ms: 1_700_000_000_123,
            stream: "job/algo-2-1700000000".into(),
            message: "\x1b[31mERROR\x1b[0m bad\tthing\r\n".into(),
            id: None,
        };
        assert_eq!(
            line(&event, &target, true, true),
            "2023-11-14T22:13:20.123Z [algo-2-1700000000] ␛[31mERROR␛[0m bad thing"
        );
        assert_eq!(
            line(&event, &target, false, false),
            "␛[31mERROR␛[0m bad thing"
        );
    }
}
