//! `sagescope export`.

use std::collections::BTreeSet;
use std::io::Write;

use chrono::Utc;

use super::context::Context;
use super::spend::SpendOptions;
use super::{CliError, ExportArgs, ModeArgs, Outcome};
use crate::config::{Config, LoadedConfig};
use crate::export::{self, ExportView, Format};
use crate::model::{DEFAULT_OWNER_KEY, Me, Snapshot, View, arn_leaf};
use crate::spend::{CostAccess, MineFilter, SpendService};
use crate::{demo, sanitize};

pub(super) fn run(
    context: &Context<'_>,
    args: &ExportArgs,
    mode: ModeArgs,
) -> Result<Outcome, CliError> {
    let loaded = context.loaded;
    if args.untagged_by.is_some() && args.view != ExportView::Spend {
        return Err(CliError::Usage(
            "--untagged-by only applies to `export spend`".into(),
        ));
    }
    // The split by creator is made from the resources and their own costs, as `export jobs`
    // reads them, not from Cost Explorer.
    let split = args.untagged_by.is_some();
    let spend = args.view == ExportView::Spend && !split;
    let events = args.view == ExportView::Events;
    if args.since.is_some() && !events {
        return Err(CliError::Usage(
            "--since only applies to `export events`".into(),
        ));
    }
    if args.sort.is_some() && args.view != ExportView::Untagged {
        return Err(CliError::Usage(
            "--sort only applies to `export untagged`".into(),
        ));
    }
    if args.raw && args.format != Format::Csv {
        return Err(CliError::Usage("--raw only applies to --format csv".into()));
    }
    if args.source.is_some() && !spend {
        return Err(CliError::Usage(
            "--source only applies to `export spend`".into(),
        ));
    }
    let from_cur =
        args.source.unwrap_or(loaded.config.spend.source) == crate::config::SpendSourceKind::Cur;
    if spend && from_cur {
        if loaded.config.cur.is_none() || mode.demo {
            return Err(CliError::Usage(
                "--source cur needs a [cur] section in the config (the CUR 2.0 table to query); \
                 the demo has none"
                    .into(),
            ));
        }
        if args.mine || args.me.is_some() {
            return Err(CliError::Usage(
                "my spend is filtered by Cost Explorer only: use --source ce with --mine/--me"
                    .into(),
            ));
        }
    }
    let since = args
        .since
        .as_ref()
        .map(|age| age.before(Utc::now()))
        .transpose()
        .map_err(|e| CliError::Usage(format!("--since: {e}")))?;
    let mut timeline = None;
    // Who "me" is, settled before anything is fetched: a missing identity is a usage error.
    let me = if mode.demo {
        identity(&demo::config(&loaded.config), args)?
    } else {
        identity(&loaded.config, args)?
    };
    // What billing measured per resource: read live with the jobs, from the cache offline.
    let mut measured = crate::cost::Measured::new();
    let (mut snapshot, config) = if mode.demo {
        let config = demo::config(&loaded.config);
        let mut snapshot = demo::world(Utc::now());
        if spend {
            match me.as_ref().map(|me| mine_filter(me, &snapshot)) {
                Some(None) => snapshot.spend.rows.clear(),
                mine => {
                    let rows = std::mem::take(&mut snapshot.spend.rows);
                    snapshot.spend = demo_spend(context, &config, args, rows, mine.flatten())?;
                }
            }
        }
        if events {
            let mut rows = demo::timeline(&snapshot, Utc::now());
            rows.retain(|e| since.is_none_or(|s| e.at >= s));
            timeline = Some(View::new(Utc::now(), rows, Vec::new()));
        }
        (snapshot, config)
    } else if mode.offline {
        let store = context.store()?;
        let mut snapshot = store
            .run_blocking(|cache| cache.load_snapshot())
            .map_err(|e| CliError::Fatal(e.into()))?
            .map_err(|e| CliError::Fatal(e.into()))?
            .ok_or_else(|| no_snapshot(loaded))?;
        if events {
            timeline = Some(cached_timeline(&store, snapshot.jobs.as_of, since)?);
        }
        if loaded.config.spend.resource_costs && !spend {
            measured = offline_resource_costs(context, store.clone())?;
        }
        if spend {
            match me.as_ref().map(|me| mine_filter(me, &snapshot)) {
                Some(None) => snapshot.spend.rows.clear(),
                mine => {
                    if let Some(view) = offline_spend(context, args, store, mine.flatten())? {
                        snapshot.spend = view;
                    } else if me.is_some() {
                        // The last saved spend view is everyone's: none of it is known mine.
                        snapshot.spend.rows.clear();
                    }
                }
            }
        }
        (snapshot, loaded.config.clone())
    } else if spend {
        let mine = match &me {
            Some(me) => {
                let cached = cached_snapshot(context)?;
                Some(match &cached {
                    Some(snapshot) => mine_filter(me, snapshot),
                    None => mine_filter_from(me, std::iter::empty()),
                })
            }
            None => None,
        };
        // Nothing can be asked for me (profiles only, none seen yet): no spend is mine.
        let nobody = matches!(mine, Some(None));
        let options = SpendOptions::from_args(&loaded.config, args, mine.flatten());
        (
            super::refresh::fetch_and_store(context, false, (!nobody).then_some(&options), None)?
                .snapshot,
            loaded.config.clone(),
        )
    } else {
        let retag = if args.no_cache {
            crate::fetch::TagRefresh::All
        } else {
            crate::fetch::TagRefresh::Cached
        };
        // Jobs rows need their tags only to tell which are mine: otherwise only the untagged
        // view (and the events it raises) waits for the tag pass.
        let tags = (matches!(args.view, ExportView::Untagged | ExportView::Events)
            || me.is_some()
            || split)
            .then_some(retag);
        let live = super::refresh::fetch_and_store(context, true, None, tags)?;
        let snapshot = live.snapshot;
        measured = live.measured;
        if events {
            let mut view = cached_timeline(&context.store()?, snapshot.jobs.as_of, since)?;
            // The refresh's failures are the timeline's: changes there were not seen.
            view.errors = snapshot.jobs.errors.clone();
            timeline = Some(view);
        }
        (snapshot, loaded.config.clone())
    };
    // The person to ask, for the untagged rows and the fix script's comments.
    snapshot.join_creators();
    if let Some(me) = &me {
        keep_mine(&mut snapshot, me);
    }
    keep_accounts(context, args, &mut snapshot)?;

    let group_by = args
        .group_by
        .clone()
        .unwrap_or_else(|| config.group_by(me.is_some()));
    if spend && snapshot.spend.errors.is_empty() {
        warn_if_group_missing(&snapshot, &group_by);
    }
    let stdout = std::io::stdout();
    let mut out = stdout.lock();
    if args.format == Format::Script && args.view != ExportView::Untagged {
        return Err(CliError::Usage(
            "--format script only applies to `export untagged`".into(),
        ));
    }
    // The demo prices from the bundled table alone; otherwise the live prices the cache keeps
    // (the refresh above read the ones missing).
    let live = if mode.demo {
        Vec::new()
    } else {
        context
            .store()?
            .run_blocking(|cache| crate::refresh::prices::kept(cache))
            .map_err(|e| CliError::Fatal(e.into()))?
    };
    let prices = crate::pricing::Prices::new(crate::pricing::PriceTable::embedded().clone(), live);
    // Billing's own figures: read live with the jobs above; offline, the CUR's kept answer
    // (when configured) beside Cost Explorer's cached resource-level one.
    if mode.offline {
        measured.merge(offline_cur_costs(context, &snapshot)?);
    }
    let options = export::ExportOptions {
        group_by: &group_by,
        accounts: &config.accounts,
        now: Utc::now(),
        health: &config.health,
        events: timeline.as_ref(),
        prices: &prices,
        measured: &measured,
        sort_by_cost: args.sort == Some(super::ExportSort::Cost),
        raw: args.raw,
        untagged_by_creator: split,
    };
    let summary = match write_for(&snapshot, args, &options, &mut out)
        .and_then(|summary| out.flush().map(|()| summary).map_err(Into::into))
    {
        Ok(summary) => summary,
        // The reader stopped early (`| head`): what it wanted was printed.
        Err(err) if err.is_broken_pipe() => return Ok(Outcome::Ok),
        Err(err) => return Err(CliError::Fatal(err.into())),
    };

    if summary.errors.is_empty() {
        Ok(Outcome::Ok)
    } else {
        if args.format != Format::Json {
            for error in &summary.errors {
                eprintln!("error: {}", sanitize::plain(&error.to_string()));
            }
        }
        eprintln!(
            "partial result: {} account/region fetches failed (listed in `errors`)",
            summary.errors.len()
        );
        Ok(Outcome::Partial)
    }
}

/// Offline: what the CUR's kept answer measured for the snapshot's jobs, when `[cur]` is
/// configured, however old.
fn offline_cur_costs(
    context: &Context<'_>,
    snapshot: &Snapshot,
) -> Result<crate::cost::Measured, CliError> {
    let Some(cur) = context.loaded.config.cur.clone() else {
        return Ok(crate::cost::Measured::new());
    };
    let costs = context
        .store()?
        .run_blocking(move |cache| crate::refresh::cur::kept(cache, &cur, Utc::now()))
        .map_err(|e| CliError::Fatal(e.into()))?;
    Ok(costs
        .map(|c| c.measured(&snapshot.jobs.rows))
        .unwrap_or_default())
}

/// The demo's spend through the real path (cache, ledger), honouring the spend flags; the
/// answers live in memory only.
fn demo_spend(
    context: &Context<'_>,
    config: &crate::config::Config,
    args: &ExportArgs,
    rows: Vec<crate::model::SpendRow>,
    mine: Option<MineFilter>,
) -> Result<View<crate::model::SpendRow>, CliError> {
    let service = SpendService::demo(config, rows).map_err(|e| CliError::Fatal(e.into()))?;
    let options = SpendOptions::from_args(config, args, mine);
    let mut fetched = context.block_on(super::spend::fetch(&service, config, &options, Utc::now()));
    fetched.view.as_of = Utc::now();
    Ok(fetched.view)
}

/// Offline spend: the cached Cost Explorer answer to exactly this question, however old, or
/// `None` to fall back to the last saved spend view.
fn offline_spend(
    context: &Context<'_>,
    args: &ExportArgs,
    store: crate::store::Store,
    mine: Option<MineFilter>,
) -> Result<Option<View<crate::model::SpendRow>>, CliError> {
    let loaded = context.loaded;
    let options = SpendOptions::from_args(&loaded.config, args, mine);
    if let (crate::config::SpendSourceKind::Cur, Some(cur)) =
        (options.source, loaded.config.cur.clone())
    {
        let query = options.query(&loaded.config, Utc::now().date_naive());
        let rows = store
            .run_blocking(move |cache| crate::refresh::cur::spend_kept(cache, &cur, &query))
            .map_err(|e| CliError::Fatal(e.into()))?;
        return Ok(rows.map(|(rows, asked)| View::new(asked, rows, Vec::new())));
    }
    let service = SpendService::new(&loaded.config, store, CostAccess::Offline);
    let fetched = context.block_on(super::spend::fetch(
        &service,
        &loaded.config,
        &options,
        Utc::now(),
    ));
    Ok(fetched.answered.then_some(fetched.view))
}

/// Offline: each resource's cost from the newest resource-level answer in the cache (of the
/// last 14 days), nothing when none was cached.
fn offline_resource_costs(
    context: &Context<'_>,
    store: crate::store::Store,
) -> Result<crate::cost::Measured, CliError> {
    let loaded = context.loaded;
    let service = SpendService::new(&loaded.config, store, CostAccess::Offline);
    let now = Utc::now();
    let cached = context.block_on(service.cached_resource_costs(
        &loaded.config.spend,
        now.date_naive(),
        now,
    ));
    Ok(cached.map(|c| c.measured).unwrap_or_default())
}

/// The timeline kept in the cache, from `since` on, newest first, dated like the jobs it was
/// derived from.
fn cached_timeline(
    store: &crate::store::Store,
    as_of: chrono::DateTime<Utc>,
    since: Option<chrono::DateTime<Utc>>,
) -> Result<View<crate::model::Event>, CliError> {
    let rows = store
        .run_blocking(move |cache| cache.load_events(since))
        .map_err(|e| CliError::Fatal(e.into()))?
        .map_err(|e| CliError::Fatal(e.into()))?;
    Ok(View::new(as_of, rows, Vec::new()))
}

/// Who "me" is for this export: `--me VALUE` (an owner tag value, under `[me] owner_key`),
/// else `[me]` when `--mine` asks for it; `None` without either flag. Never guessed: a script
/// must not silently filter by whoever's credentials it happens to run with.
fn identity(config: &Config, args: &ExportArgs) -> Result<Option<Me>, CliError> {
    if let Some(value) = &args.me {
        if value.trim().is_empty() {
            return Err(CliError::Usage(
                "--me needs a value of your owner tag".into(),
            ));
        }
        let key = config
            .me
            .as_ref()
            .map_or(DEFAULT_OWNER_KEY, |m| m.owner_key.as_str());
        return Ok(Some(Me::owner(key, value)));
    }
    if !args.mine {
        return Ok(None);
    }
    config.me.clone().map(Some).ok_or_else(|| {
        CliError::Usage(
            "--mine needs to know who you are: set `[me] owner = [\"YOUR-OWNER-TAG-VALUE\"]` \
             in the config, or pass `--me VALUE`"
                .into(),
        )
    })
}

/// `--account` / `--ou`: keeps the jobs and findings of that account, or of the accounts the
/// cached discovery placed anywhere under that OU (its sub-OUs included), and only the
/// failures of those accounts, so an error elsewhere does not make the slice partial (exit 3).
/// An OU no discovered account is under is a usage error naming the OUs known, never an empty
/// export that looks like "nothing there".
fn keep_accounts(
    context: &Context<'_>,
    args: &ExportArgs,
    snapshot: &mut Snapshot,
) -> Result<(), CliError> {
    if args.account.is_none() && args.ou.is_none() {
        return Ok(());
    }
    if !matches!(args.view, ExportView::Jobs | ExportView::Untagged) {
        return Err(CliError::Usage(
            "--account and --ou apply to `export jobs` and `export untagged`".into(),
        ));
    }
    let loaded = context.loaded;
    let mut slice = AccountSlice::new(&loaded.config.accounts, snapshot);
    if let Some(account) = &args.account {
        slice.choose_account(account, &loaded.config.accounts, snapshot);
    }
    if let Some(ou) = &args.ou {
        let units = match &loaded.config.organization {
            Some(org) => {
                let store = context.store()?;
                let (org, explicit) = (org.clone(), loaded.config.accounts.clone());
                store
                    .run_blocking(move |cache| crate::org::cached_units(cache, &org, &explicit))
                    .map_err(|e| CliError::Fatal(e.into()))?
                    .map_err(|e| CliError::Fatal(e.into()))?
            }
            None => crate::org::AccountUnits::new(),
        };
        let names = crate::org::accounts_under(&units, |unit| unit.id == *ou || unit.name == *ou);
        if names.is_empty() {
            return Err(CliError::Usage(unknown_ou(ou, &units)));
        }
        slice.known.extend(units.into_keys());
        slice.choose(names);
    }
    slice.keep(snapshot);
    Ok(())
}

/// The usage error for an `--ou` no discovered account is under, naming the OUs known.
fn unknown_ou(ou: &str, units: &crate::org::AccountUnits) -> String {
    let mut known: Vec<String> = units
        .values()
        .flat_map(|placed| placed.path.0.iter())
        .map(|u| format!("{} ({})", u.id, u.name))
        .collect();
    known.sort();
    known.dedup();
    if known.is_empty() {
        format!(
            "--ou {ou}: no account's OU is known; OUs come from [organization] \
             discovery (run a refresh with it on)"
        )
    } else {
        format!(
            "--ou {ou}: no discovered account is under it; known OUs: {}",
            known.join(", ")
        )
    }
}

/// The accounts an export is narrowed to (by name), and every account name known, to tell a
/// failure of another account (left out) from one no account owns, such as the
/// organization's discovery (kept: it may be why a chosen account is missing).
#[derive(Debug)]
struct AccountSlice {
    known: BTreeSet<String>,
    chosen: Option<BTreeSet<String>>,
}

impl AccountSlice {
    fn new(accounts: &[crate::config::AccountConfig], snapshot: &Snapshot) -> Self {
        let known = accounts
            .iter()
            .map(|a| a.name.clone())
            .chain(
                snapshot
                    .jobs
                    .rows
                    .iter()
                    .map(|j| j.account_name.to_string()),
            )
            .chain(
                snapshot
                    .findings
                    .rows
                    .iter()
                    .map(|f| f.account_name.to_string()),
            )
            .collect();
        AccountSlice {
            known,
            chosen: None,
        }
    }

    /// `--account`: the account of that name, or every name seen with that id.
    fn choose_account(
        &mut self,
        account: &str,
        accounts: &[crate::config::AccountConfig],
        snapshot: &Snapshot,
    ) {
        let by_id = |name: &str, id: &str| (id == account).then(|| name.to_string());
        let names = std::iter::once(account.to_string())
            .chain(
                accounts
                    .iter()
                    .filter_map(|a| by_id(&a.name, a.account_id_hint().unwrap_or_default())),
            )
            .chain(
                snapshot
                    .jobs
                    .rows
                    .iter()
                    .filter_map(|j| by_id(&j.account_name, &j.account_id)),
            )
            .chain(
                snapshot
                    .findings
                    .rows
                    .iter()
                    .filter_map(|f| by_id(&f.account_name, &f.account_id)),
            )
            .collect();
        self.choose(names);
    }

    /// Narrows to `names` (within what was chosen before: both flags must hold).
    fn choose(&mut self, names: BTreeSet<String>) {
        self.chosen = Some(match self.chosen.take() {
            Some(before) => before.intersection(&names).cloned().collect(),
            None => names,
        });
    }

    fn wants(&self, account_name: &str) -> bool {
        self.chosen
            .as_ref()
            .is_none_or(|chosen| chosen.contains(account_name))
    }

    /// Whether a failure counts for this slice: it is of a chosen account, or of no account.
    fn wants_error(&self, error: &crate::model::FetchError) -> bool {
        self.wants(&error.account) || !self.known.contains(&error.account)
    }

    fn keep(&self, snapshot: &mut Snapshot) {
        snapshot.jobs.rows.retain(|j| self.wants(&j.account_name));
        snapshot
            .findings
            .rows
            .retain(|f| self.wants(&f.account_name));
        snapshot.jobs.errors.retain(|e| self.wants_error(e));
        snapshot.findings.errors.retain(|e| self.wants_error(e));
        snapshot.metrics.errors.retain(|e| self.wants_error(e));
    }
}

/// Keeps my jobs and my findings only (see [`Me::owns`] for the rules).
fn keep_mine(snapshot: &mut Snapshot, me: &Me) {
    snapshot
        .jobs
        .rows
        .retain(|job| me.owns(&job.tags, job.created_by.as_deref()));
    snapshot
        .findings
        .rows
        .retain(|f| me.owns(&f.tags, f.created_by.as_deref()));
}

/// The Cost Explorer filter for me. Studio profiles are matched in Cost Explorer by their
/// full ARN, known only from tags already read (the last refresh's jobs and findings); a
/// profile not seen yet is left out, and stderr says so. `None` when nothing can be asked.
fn mine_filter(me: &Me, snapshot: &Snapshot) -> Option<MineFilter> {
    let tags = snapshot
        .jobs
        .rows
        .iter()
        .map(|j| &j.tags)
        .chain(snapshot.findings.rows.iter().map(|f| &f.tags));
    mine_filter_from(me, tags)
}

/// [`mine_filter`] over the tags of resources seen.
fn mine_filter_from<'a>(
    me: &Me,
    tags: impl Iterator<Item = &'a crate::model::Tags>,
) -> Option<MineFilter> {
    let arns = me.profile_arns_in(tags);
    let unknown: Vec<&str> = me
        .studio_user_profiles
        .iter()
        .filter(|p| !arns.iter().any(|arn| arn_leaf(arn) == p.as_str()))
        .map(String::as_str)
        .collect();
    if !unknown.is_empty() {
        eprintln!(
            "note: Studio user profile(s) {} not seen on any resource yet, so their ARNs are unknown: spend is filtered by the `{}` tag{} (run `sagescope refresh` first to find them)",
            sanitize::plain(&unknown.join(", ")),
            sanitize::plain(&me.owner_key),
            if arns.is_empty() {
                " only"
            } else {
                " and the profiles seen"
            }
        );
    }
    let filter = MineFilter::new(me, arns);
    if filter.is_empty() {
        eprintln!("note: no owner value and no known Studio profile ARN: no spend is mine");
        return None;
    }
    Some(filter)
}

/// The last snapshot in the cache, to find my Studio profiles' ARNs before asking Cost
/// Explorer; `None` when there is none yet.
fn cached_snapshot(context: &Context<'_>) -> Result<Option<Snapshot>, CliError> {
    let store = context.store()?;
    Ok(store
        .run_blocking(|cache| cache.load_snapshot())
        .ok()
        .and_then(Result::ok)
        .flatten())
}

fn no_snapshot(loaded: &LoadedConfig) -> CliError {
    let place = super::cache_path(loaded)
        .map(|p| format!(" in {}", p.display()))
        .unwrap_or_default();
    CliError::Fatal(anyhow::anyhow!(
        "there is no snapshot yet{place}: run `sagescope refresh` (or drop --offline) to fetch one"
    ))
}

fn warn_if_group_missing(snapshot: &Snapshot, group_by: &str) {
    if snapshot.spend.rows.iter().any(|r| r.group_key == group_by) {
        return;
    }
    let mut keys: Vec<&str> = snapshot
        .spend
        .rows
        .iter()
        .map(|r| r.group_key.as_str())
        .collect();
    keys.sort_unstable();
    keys.dedup();
    let known = if keys.is_empty() {
        "none".to_string()
    } else {
        keys.join(", ")
    };
    eprintln!(
        "warning: no spend grouped by `{}` is available (grouped keys available: {})",
        sanitize::plain(group_by),
        sanitize::plain(&known)
    );
}

/// Writes the export. CSV carries the data as received into a file or a pipe; printed
/// straight to a terminal, its control characters are shown as symbols instead, so text from
/// AWS never reaches the terminal as escape sequences.
fn write_for(
    snapshot: &crate::model::Snapshot,
    args: &ExportArgs,
    options: &export::ExportOptions<'_>,
    out: &mut dyn std::io::Write,
) -> Result<export::ExportSummary, export::ExportError> {
    use std::io::IsTerminal;
    if args.format != Format::Csv || !std::io::stdout().is_terminal() {
        return export::write(snapshot, args.view, args.format, options, out);
    }
    let mut csv = Vec::new();
    let summary = export::write(snapshot, args.view, args.format, options, &mut csv)?;
    out.write_all(sanitize::plain(&String::from_utf8_lossy(&csv)).as_bytes())?;
    Ok(summary)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::FetchError;

    fn error(account: &str) -> FetchError {
        FetchError {
            account: account.into(),
            message: "AccessDenied".into(),
            ..FetchError::default()
        }
    }

    fn accounts_of(errors: &[FetchError]) -> Vec<&str> {
        errors.iter().map(|e| e.account.as_str()).collect()
    }

    #[test]
    fn a_slice_keeps_its_accounts_failures_and_those_of_no_account() {
        let mut snapshot = crate::demo::world(Utc::now());
        snapshot.jobs.errors = vec![error("organization"), error("research"), error("ml-prod")];
        snapshot.metrics.errors = vec![error("ml-dev")];
        let mut slice = AccountSlice::new(&[], &snapshot);
        slice.choose_account("222222222222", &[], &snapshot);
        slice.keep(&mut snapshot);
        assert_eq!(
            accounts_of(&snapshot.jobs.errors),
            ["organization", "ml-prod"]
        );
        assert!(snapshot.metrics.errors.is_empty());
        assert!(
            snapshot
                .jobs
                .rows
                .iter()
                .all(|j| j.account_name == "ml-prod")
        );
    }

    #[test]
    fn both_flags_narrow_to_the_accounts_both_choose() {
        let mut snapshot = crate::demo::world(Utc::now());
        snapshot.jobs.errors = vec![error("research"), error("ml-prod")];
        let mut slice = AccountSlice::new(&[], &snapshot);
        slice.choose_account("ml-prod", &[], &snapshot);
        slice.choose(["research".to_string()].into());
        slice.keep(&mut snapshot);
        assert!(snapshot.jobs.rows.is_empty());
        assert!(snapshot.jobs.errors.is_empty());
    }
}
