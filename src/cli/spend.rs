//! Spend for the command line: `refresh` and `export spend` ask through the same cached
//! service as the terminal UI, and say on stderr what it cost.

use chrono::{DateTime, NaiveDate, Utc};

use super::ExportArgs;
use crate::config::{Config, Granularity, SpendSourceKind};
use crate::model::{DataSource, FetchError, SpendRow, View};
use crate::sanitize;
use crate::spend::{MineFilter, RangePreset, SpendQuery, SpendService, USD_PER_REQUEST};

/// What spend to ask for: the config's `[spend]`, with `export`'s flags on top.
#[derive(Debug, Clone)]
pub(super) struct SpendOptions {
    pub group_by: String,
    pub days: u32,
    pub granularity: Granularity,
    pub all_services: bool,
    /// Ask Cost Explorer even when a fresh answer is cached.
    pub no_cache: bool,
    /// Only my spend (`--mine`).
    pub mine: Option<MineFilter>,
    /// Cost Explorer or the CUR.
    pub source: SpendSourceKind,
}

impl SpendOptions {
    /// Exactly what the config says (`sagescope refresh`).
    pub fn from_config(config: &Config) -> Self {
        SpendOptions {
            group_by: config.spend.group_by.clone(),
            days: config.spend.lookback_days,
            granularity: config.spend.granularity,
            all_services: config.spend.all_services,
            no_cache: false,
            mine: None,
            source: config.spend.source,
        }
    }

    /// The config overridden by `export spend`'s flags; `mine` narrows it to my spend.
    pub fn from_args(config: &Config, args: &ExportArgs, mine: Option<MineFilter>) -> Self {
        let base = SpendOptions::from_config(config);
        SpendOptions {
            group_by: args
                .group_by
                .clone()
                .unwrap_or_else(|| config.group_by(mine.is_some())),
            days: args.days.unwrap_or(base.days).max(1),
            granularity: args.granularity.unwrap_or(base.granularity),
            all_services: args.all_services || base.all_services,
            no_cache: args.no_cache,
            mine,
            source: args.source.unwrap_or(base.source),
        }
    }

    /// The Cost Explorer question: `days` days up to and including `today` (UTC).
    pub fn query(&self, config: &Config, today: NaiveDate) -> SpendQuery {
        let mut spend = config.spend.clone();
        spend.lookback_days = self.days;
        spend.granularity = self.granularity;
        spend.all_services = self.all_services;
        let mut query =
            SpendQuery::from_config(&spend, &self.group_by, RangePreset::Configured, today);
        query.mine = self.mine.clone();
        query
    }
}

/// Spend as a view, with where it came from. Never fails: a failure is the view's error.
pub(super) struct Fetched {
    pub view: View<SpendRow>,
    pub source: DataSource,
    /// Whether Cost Explorer answered (from it or its cache): only then is the view saved.
    pub answered: bool,
}

/// Asks `service` for the spend `options` describe, printing on stderr what a `--no-cache`
/// run will cost before it runs, any backoff while it runs, and what it cost after.
pub(super) async fn fetch(
    service: &SpendService,
    config: &Config,
    options: &SpendOptions,
    now: DateTime<Utc>,
) -> Fetched {
    let query = options.query(config, now.date_naive());
    if options.no_cache && !service.is_offline() {
        let cost = match service.cached_cost(&query, now).await {
            Some(n) => format!("{n} request(s), USD {:.2}, as last time", cost_usd(n)),
            None => "at least 1 request, USD 0.01 per page".to_string(),
        };
        eprintln!(
            "--no-cache: asking Cost Explorer afresh, which costs {cost} (each page is billed)"
        );
    }
    let notes = |note: String| eprintln!("{}", sanitize::plain(&note));
    let answered = service.answer(&query, options.no_cache, now, &notes).await;
    let ledger = service.ledger(now).await;
    match answered {
        Ok(answer) => {
            let from = if answer.from_cache {
                format!(
                    "from the cache (fetched {}, within spend.ttl_hours)",
                    answer.fetched_at.format("%Y-%m-%d %H:%M UTC")
                )
            } else {
                "from Cost Explorer".to_string()
            };
            eprintln!(
                "spend: {} rows grouped by `{}` over {} days {from}; {} Cost Explorer requests now (USD {:.2}), {} today (USD {:.2})",
                answer.rows.len(),
                sanitize::plain(&options.group_by),
                options.days,
                answer.requests,
                cost_usd(answer.requests),
                ledger.requests,
                ledger.usd
            );
            if let Some(hint) = &answer.hint {
                eprintln!("hint: {}", sanitize::plain(hint));
            }
            let source = if service.is_offline() || answer.from_cache {
                DataSource::Cache
            } else {
                DataSource::Live
            };
            Fetched {
                view: View::new(answer.fetched_at, answer.rows, Vec::new()),
                source,
                answered: true,
            }
        }
        Err(err) => Fetched {
            view: View::new(
                now,
                Vec::new(),
                vec![FetchError {
                    account: service.account_name().to_string(),
                    region: None,
                    message: service.describe(&err),
                    ..Default::default()
                }],
            ),
            source: if service.is_offline() {
                DataSource::Cache
            } else {
                DataSource::Live
            },
            answered: false,
        },
    }
}

fn cost_usd(requests: u32) -> f64 {
    f64::from(requests) * USD_PER_REQUEST
}

/// Spend by tag from the CUR (`--source cur`, `spend.source = "cur"`): the same rows Cost
/// Explorer's grouping gives, with what asking Athena cost on stderr.
pub(super) async fn fetch_cur(
    fetcher: &crate::fetch::JobFetcher,
    store: &crate::store::Store,
    config: &Config,
    options: &SpendOptions,
    now: DateTime<Utc>,
) -> Fetched {
    let query = options.query(config, now.date_naive());
    let Some(cur) = &config.cur else {
        return cur_failed("spend.source = \"cur\" needs a [cur] section".into(), now);
    };
    let (rows, fetch) = crate::refresh::cur::spend(fetcher, store, cur, &query, now).await;
    match rows {
        Ok(rows) => {
            eprintln!(
                "spend: {} rows grouped by `{}` over {} days from the CUR; {}",
                rows.len(),
                sanitize::plain(&options.group_by),
                options.days,
                fetch.line("spend rows")
            );
            if let Some(hint) = crate::spend::untagged_hint(&options.group_by, &rows) {
                eprintln!("hint: {}", sanitize::plain(&hint));
            }
            Fetched {
                view: View::new(fetch.kept_from.unwrap_or(now), rows, Vec::new()),
                source: if fetch.kept_from.is_some() {
                    DataSource::Cache
                } else {
                    DataSource::Live
                },
                answered: true,
            }
        }
        Err(message) => cur_failed(message, now),
    }
}

/// A CUR spend question that got no rows, as the view's error.
fn cur_failed(message: String, now: DateTime<Utc>) -> Fetched {
    Fetched {
        view: View::new(
            now,
            Vec::new(),
            vec![FetchError {
                account: "cur".into(),
                region: None,
                message,
                ..Default::default()
            }],
        ),
        source: DataSource::Live,
        answered: false,
    }
}
