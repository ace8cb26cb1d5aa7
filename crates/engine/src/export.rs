//! `sagescope export`: one view as JSON or CSV, in a shape other tools can rely on.
//!
//! The field names here are a published contract: later versions may add fields, never rename
//! or remove them. JSON is wrapped in an envelope carrying the data's age, source and the
//! accounts that failed; CSV has a header row and joins lists with `;`, and writes the data as
//! received but for would-be spreadsheet formulas ([`cell`]).

mod cell;

use std::io::Write;

use chrono::{DateTime, NaiveDate, SecondsFormat, Utc};
use serde::Serialize;

use sagescope_core::cost::Measured;
use sagescope_core::model::{
    CostSource, DataSource, Event, FetchError, Job, ResourceCost, Snapshot, SpendRow, TagFinding,
    View,
};
use sagescope_core::pricing::Prices;

/// The views `export` can print.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum ExportView {
    /// Every job, endpoint and notebook instance.
    Jobs,
    /// Spend grouped by a cost-allocation tag.
    Spend,
    /// Resources breaking the tag policy.
    Untagged,
    /// The timeline: every status change and alert seen, newest first.
    Events,
}

/// Output formats.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Format {
    Json,
    Csv,
    /// For `untagged` only: a shell script of `aws sagemaker add-tags`/`delete-tags` commands
    /// that fix the findings, with `<FILL>` where a person must choose a value.
    Script,
}

/// What an export needs besides the snapshot.
#[derive(Debug, Clone, Copy)]
pub struct ExportOptions<'a> {
    /// For spend: only rows grouped by this tag key.
    pub group_by: &'a str,
    /// For the fix script: each account's profile and role.
    pub accounts: &'a [sagescope_core::config::AccountConfig],
    /// For the fix script's header, and "so far" in burn figures.
    pub now: DateTime<Utc>,
    /// Thresholds for the health flags on jobs.
    pub health: &'a sagescope_core::config::HealthConfig,
    /// For events: the timeline (it lives in the cache, not in the snapshot).
    pub events: Option<&'a View<Event>>,
    /// The prices rates and costs are computed with (live where read, else bundled).
    pub prices: &'a Prices,
    /// Costs billing measured (Cost Explorer, CUR), by ARN.
    pub measured: &'a Measured,
    /// For untagged: the most expensive offenders first (`--sort cost`).
    pub sort_by_cost: bool,
    /// For CSV: every cell exactly as received, without the `'` before would-be formulas
    /// (`--raw`).
    pub raw: bool,
    /// For spend: the untagged share of `group_by` split by who created its resources
    /// (`--untagged-by creator`) instead of Cost Explorer's rows.
    pub untagged_by_creator: bool,
}

#[derive(Debug, thiserror::Error)]
pub enum ExportError {
    #[error("cannot write the export")]
    Io(#[from] std::io::Error),
    #[error("cannot write the export as JSON")]
    Json(#[from] serde_json::Error),
    #[error("cannot write the export as CSV")]
    Csv(#[from] csv::Error),
    #[error("--format script only applies to `export untagged`")]
    ScriptNeedsUntagged,
}

impl ExportError {
    /// Whether the reader went away (`sagescope export jobs | head`): not worth an error.
    pub fn is_broken_pipe(&self) -> bool {
        let kind = match self {
            ExportError::Io(e) => Some(e.kind()),
            ExportError::Json(e) => e.io_error_kind(),
            ExportError::Csv(e) => match e.kind() {
                csv::ErrorKind::Io(e) => Some(e.kind()),
                _ => None,
            },
            ExportError::ScriptNeedsUntagged => None,
        };
        kind == Some(std::io::ErrorKind::BrokenPipe)
    }
}

/// One row of `export jobs`.
#[derive(Debug, Serialize)]
pub struct JobRow<'a> {
    pub account_id: &'a str,
    pub account_name: &'a str,
    pub region: &'a str,
    pub kind: &'static str,
    pub name: &'a str,
    pub arn: &'a str,
    pub status: &'a str,
    pub created_at: String,
    pub ended_at: Option<String>,
    pub instance_type: Option<&'a str>,
    pub instance_count: Option<u32>,
    pub failure_reason: Option<&'a str>,
    /// Live burn and health (issue 7): `null` where unknown, never guessed.
    pub usd_per_hour: Option<f64>,
    pub usd_so_far: Option<f64>,
    pub cpu_util: Option<f64>,
    pub gpu_util: Option<f64>,
    pub invocations_24h: Option<u64>,
    pub flags: Vec<&'static str>,
    /// The row is the last good one: this refresh could not list its scope (see `errors`).
    pub stale: bool,
    /// The resource's page in the AWS console (sign in to `account_id` to open it).
    pub console_url: Option<String>,
    /// Studio apps: the space or user profile owning it (`space:<name>`, `user:<name>`) and
    /// its last user activity; `null` for other kinds.
    pub owner: Option<String>,
    pub last_activity_at: Option<String>,
    /// Inference components: the endpoint whose instances they run on, their current copies
    /// and what each copy reserves there; `null` for other kinds.
    pub endpoint: Option<&'a str>,
    pub copies: Option<u32>,
    pub cpu_cores_per_copy: Option<f64>,
    pub accelerators_per_copy: Option<f64>,
    pub memory_mb_per_copy: Option<u32>,
    /// HyperPod clusters: `group:instance type:nodes` per instance group, `;`-separated, and
    /// the nodes AWS reports failed; `null` for other kinds.
    pub instance_groups: Option<String>,
    pub failed_nodes: Option<u32>,
    /// What the resource cost, from the best source known (see `cost_source`); `null` when
    /// no source prices it.
    pub cost_usd: Option<f64>,
    /// `cur`, `ce-resource`, `billable-time` or `estimate`; `null` with `cost_usd`.
    pub cost_source: Option<CostSource>,
    #[serde(flatten)]
    pub creator: CreatorFields<'a>,
    /// Who stopped and who deleted it, when CloudTrail says.
    pub stopped_by: Option<&'a str>,
    pub deleted_by: Option<&'a str>,
}

/// Who created a resource, in every export that names resources.
#[derive(Debug, Serialize)]
pub struct CreatorFields<'a> {
    /// The principal of its `Create*` call as shown (`alice@example.com`,
    /// `role/ci-deployer (session build-4711)`, `user/intern`), or `unknown (older than
    /// CloudTrail's 90 days)`; `null` while not known.
    pub created_by: Option<&'a str>,
    /// Where `created_by` came from: `stream`, `lookup` or `athena`; `null` with it (and for
    /// unknown).
    pub created_by_source: Option<&'static str>,
    /// What started it on someone's behalf: a pipeline execution or a tuning job.
    pub created_by_parent: Option<&'a str>,
}

impl<'a> CreatorFields<'a> {
    fn new(
        creator: Option<&'a sagescope_core::model::Creator>,
        created_at: Option<DateTime<Utc>>,
        now: DateTime<Utc>,
    ) -> Self {
        let created = creator.and_then(|c| c.created.as_ref());
        let label = match created_at {
            Some(at) => sagescope_core::model::creator_label(creator, at, now),
            None => creator.and_then(|c| c.who()).unwrap_or_default(),
        };
        CreatorFields {
            created_by: (!label.is_empty()).then_some(label),
            created_by_source: created.map(|c| c.source.as_str()),
            created_by_parent: creator.and_then(|c| c.parent.as_deref()),
        }
    }
}

impl<'a> JobRow<'a> {
    fn new(
        job: &'a Job,
        metrics: Option<&sagescope_core::metrics::ResourceMetrics>,
        stale: bool,
        options: &ExportOptions<'_>,
    ) -> Self {
        let health = sagescope_core::health::export_fields(
            job,
            metrics,
            options.prices,
            options.health,
            options.now,
        );
        let cost = sagescope_core::cost::best(
            job,
            options.prices,
            options.now,
            options.measured.get(&job.arn),
        );
        let component = job.compute.as_ref().and_then(|c| c.component());
        let cluster = job.compute.as_ref().and_then(|c| c.cluster());
        JobRow {
            account_id: &job.account_id,
            account_name: &job.account_name,
            region: &job.region,
            kind: job.kind.as_str(),
            name: &job.name,
            arn: &job.arn,
            status: job.status.as_str(),
            created_at: rfc3339(job.created_at),
            ended_at: job.ended_at.map(rfc3339),
            instance_type: job.instance_type.as_deref(),
            instance_count: job.instance_count,
            failure_reason: job.failure_reason.as_deref(),
            usd_per_hour: health.usd_per_hour.map(cents),
            usd_so_far: health.usd_so_far.map(cents),
            cpu_util: health.cpu_util.map(tenths),
            gpu_util: health.gpu_util.map(tenths),
            invocations_24h: health.invocations_24h,
            flags: health.flags.iter().map(|f| f.as_str()).collect(),
            stale,
            console_url: sagescope_core::console::resource_url(job.kind, &job.region, &job.arn),
            owner: job
                .app
                .as_deref()
                .map(sagescope_core::model::AppInfo::owner),
            last_activity_at: job
                .app
                .as_ref()
                .and_then(|a| a.last_activity_at)
                .map(rfc3339),
            endpoint: component.map(|c| c.endpoint_name.as_str()),
            copies: component.and_then(|c| c.copies),
            cpu_cores_per_copy: component.and_then(|c| c.cpu_cores),
            accelerators_per_copy: component.and_then(|c| c.accelerators),
            memory_mb_per_copy: component.and_then(|c| c.min_memory_mb),
            instance_groups: cluster.map(|c| {
                c.groups
                    .iter()
                    .map(|g| format!("{}:{}:{}", g.name, g.instance_type, g.count))
                    .collect::<Vec<_>>()
                    .join(";")
            }),
            failed_nodes: cluster.map(sagescope_core::model::ClusterInfo::failed_nodes),
            cost_usd: cost.map(|c| cents(c.usd)),
            cost_source: cost.map(|c| c.source),
            creator: CreatorFields::new(
                job.created_by.as_deref(),
                Some(job.created_at),
                options.now,
            ),
            stopped_by: job
                .created_by
                .as_ref()
                .and_then(|c| c.stopped.as_ref())
                .map(|c| c.who.as_str()),
            deleted_by: job
                .created_by
                .as_ref()
                .and_then(|c| c.deleted.as_ref())
                .map(|c| c.who.as_str()),
        }
    }
}

/// Money to the cent and percentages to a tenth: more digits would only be noise.
fn cents(usd: f64) -> f64 {
    (usd * 100.0).round() / 100.0
}

fn tenths(pct: f64) -> f64 {
    (pct * 10.0).round() / 10.0
}

/// One row of `export spend`.
#[derive(Debug, Serialize)]
pub struct SpendExportRow<'a> {
    pub start: NaiveDate,
    pub end: NaiveDate,
    pub group_key: &'a str,
    /// Empty for the untagged share.
    pub group_value: &'a str,
    pub amount: f64,
    pub unit: &'a str,
    pub estimated: bool,
}

impl<'a> From<&'a SpendRow> for SpendExportRow<'a> {
    fn from(row: &'a SpendRow) -> Self {
        SpendExportRow {
            start: row.start,
            end: row.end,
            group_key: &row.group_key,
            group_value: &row.group_value,
            amount: row.amount,
            unit: &row.unit,
            estimated: row.estimated,
        }
    }
}

/// One row of `export spend --untagged-by creator`: one creator's part of the untagged share.
#[derive(Debug, Serialize)]
pub struct CreatorShareRow<'a> {
    /// The tag key whose untagged share is split.
    pub group_key: &'a str,
    /// As shown (`alice@example.com`), or `not known yet`, or `unknown (older than
    /// CloudTrail's 90 days)`.
    pub created_by: &'a str,
    /// Whether `created_by` names someone.
    pub known: bool,
    /// Resources lacking the key that this creator made, and of them those with a known cost.
    pub resources: usize,
    pub priced: usize,
    /// What they cost, each resource's best-known cost to the cent, summed.
    pub cost_usd: f64,
    /// Of the split's total, 0 to 1, to four places.
    pub share: f64,
    pub cost_sources: Vec<CostSource>,
}

impl<'a> CreatorShareRow<'a> {
    fn new(group_key: &'a str, row: &'a crate::spend::top::CreatorShare) -> Self {
        CreatorShareRow {
            group_key,
            created_by: &row.creator,
            known: row.known,
            resources: row.resources,
            priced: row.priced,
            cost_usd: cents(row.usd),
            share: (row.share * 10_000.0).round() / 10_000.0,
            cost_sources: row.sources.clone(),
        }
    }
}

/// One row of `export untagged`.
#[derive(Debug, Serialize)]
pub struct UntaggedRow<'a> {
    pub account_id: &'a str,
    pub account_name: &'a str,
    pub region: &'a str,
    pub kind: &'static str,
    pub name: &'a str,
    pub arn: &'a str,
    pub missing: &'a [String],
    pub miscased: &'a [sagescope_core::model::Miscased],
    pub invalid: &'a [sagescope_core::model::InvalidValue],
    /// Whose rules the resource breaks: `config` (`[tags]`), `organization` (the account's
    /// effective tag policy, with `tags.from_organization`), or both.
    pub rule_source: Vec<&'static str>,
    /// Studio's `sagemaker:domain-arn` tag, when the resource was started in Studio.
    pub studio_domain_arn: Option<&'a str>,
    /// Studio's `sagemaker:user-profile-arn` tag: whom to ask.
    pub studio_user_profile_arn: Option<&'a str>,
    /// The resource's page in the AWS console, where its tags can be edited.
    pub console_url: Option<String>,
    /// The money at stake: what the resource cost, from the best source known; `null` when
    /// no source prices it (tag-only kinds such as models always).
    pub cost_usd: Option<f64>,
    pub cost_source: Option<CostSource>,
    /// The person to ask.
    #[serde(flatten)]
    pub creator: CreatorFields<'a>,
}

impl<'a> UntaggedRow<'a> {
    fn new(f: &'a TagFinding, cost: Option<ResourceCost>, now: DateTime<Utc>) -> Self {
        UntaggedRow {
            account_id: &f.account_id,
            account_name: &f.account_name,
            region: &f.region,
            kind: f.kind.as_str(),
            name: &f.name,
            arn: &f.arn,
            missing: &f.missing,
            miscased: &f.miscased,
            invalid: &f.invalid,
            rule_source: f.rule_sources().into_iter().map(|s| s.as_str()).collect(),
            studio_domain_arn: f.studio_domain_arn(),
            studio_user_profile_arn: f.studio_user_profile_arn(),
            console_url: sagescope_core::console::resource_url(f.kind, &f.region, &f.arn),
            cost_usd: cost.map(|c| cents(c.usd)),
            cost_source: cost.map(|c| c.source),
            creator: CreatorFields::new(f.created_by.as_deref(), f.created_at, now),
        }
    }
}

/// One timeline entry, in `export events` and as the line `sagescope watch` prints.
#[derive(Debug, Serialize)]
pub struct EventRow<'a> {
    pub at: String,
    pub event: &'static str,
    pub account_id: &'a str,
    pub account_name: &'a str,
    pub region: &'a str,
    pub kind: Option<&'static str>,
    pub name: &'a str,
    pub arn: &'a str,
    pub status: Option<&'a str>,
    pub previous_status: Option<&'a str>,
    pub detail: Option<&'a str>,
}

impl<'a> From<&'a Event> for EventRow<'a> {
    fn from(e: &'a Event) -> Self {
        EventRow {
            at: rfc3339(e.at),
            event: e.event.as_str(),
            account_id: &e.account_id,
            account_name: &e.account_name,
            region: &e.region,
            kind: e.kind.map(|k| k.as_str()),
            name: &e.name,
            arn: &e.arn,
            status: e.status.as_deref(),
            previous_status: e.previous_status.as_deref(),
            detail: e.detail.as_deref(),
        }
    }
}

#[derive(Serialize)]
struct Envelope<'a, R: Serialize> {
    as_of: String,
    source: DataSource,
    errors: Vec<ErrorRow<'a>>,
    rows: Vec<R>,
}

#[derive(Serialize)]
struct ErrorRow<'a> {
    account: &'a str,
    region: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    kind: Option<&'static str>,
    /// The rows of what failed are the last good ones (`stale: true` on them).
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    stale: bool,
    message: &'a str,
}

fn rfc3339(t: DateTime<Utc>) -> String {
    t.to_rfc3339_opts(SecondsFormat::Secs, true)
}

/// What an export printed, so the CLI can pick its exit code.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ExportSummary {
    pub rows: usize,
    /// Accounts or regions that failed: the export is partial (exit 3).
    pub errors: Vec<FetchError>,
}

/// Writes one view of `snapshot`. Spend is limited to the rows grouped by `options.group_by`.
pub fn write(
    snapshot: &Snapshot,
    view: ExportView,
    format: Format,
    options: &ExportOptions<'_>,
    out: &mut dyn Write,
) -> Result<ExportSummary, ExportError> {
    let source = snapshot.source;
    let group_by = options.group_by;
    if format == Format::Script {
        if view != ExportView::Untagged {
            return Err(ExportError::ScriptNeedsUntagged);
        }
        let findings = &snapshot.findings;
        out.write_all(
            sagescope_core::fixes::script(&findings.rows, options.accounts, options.now).as_bytes(),
        )?;
        return Ok(ExportSummary {
            rows: findings.rows.len(),
            errors: findings.errors.clone(),
        });
    }
    match view {
        ExportView::Jobs => {
            // Indexed once: a lookup per row, not a scan of every series per row.
            let metrics: std::collections::HashMap<
                &str,
                &sagescope_core::metrics::ResourceMetrics,
            > = snapshot
                .metrics
                .rows
                .iter()
                .map(|m| (m.arn.as_str(), &m.metrics))
                .collect();
            let rows = snapshot
                .jobs
                .rows
                .iter()
                .map(|job| {
                    let stale = snapshot.jobs.errors.iter().any(|e| e.leaves_stale(job));
                    JobRow::new(job, metrics.get(job.arn.as_str()).copied(), stale, options)
                })
                .collect();
            // A CloudWatch failure leaves utilisation `null` for its account-region: the
            // export says so, and is partial.
            let mut errors = snapshot.jobs.errors.clone();
            errors.extend(snapshot.metrics.errors.iter().cloned());
            let view = View::new(snapshot.jobs.as_of, Vec::<()>::new(), errors);
            let table = Table::new(JOB_COLUMNS, options.raw);
            emit(&view, source, format, out, rows, table)
        }
        ExportView::Spend if options.untagged_by_creator => {
            let costs = job_costs(snapshot, options);
            // Each resource to the cent, as `export jobs` gives it: the parts then sum to the
            // sum of those rows.
            let split = crate::spend::top::untagged_by_creator(
                snapshot.jobs.rows.iter(),
                |job| {
                    costs.get(job.arn.as_str()).map(|c| ResourceCost {
                        usd: cents(c.usd),
                        source: c.source,
                    })
                },
                group_by,
                options.now,
            );
            let rows = split
                .rows
                .iter()
                .map(|row| CreatorShareRow::new(group_by, row))
                .collect();
            emit(
                &snapshot.jobs,
                source,
                format,
                out,
                rows,
                Table::new(CREATOR_SHARE_COLUMNS, options.raw),
            )
        }
        ExportView::Spend => {
            let rows = snapshot
                .spend
                .rows
                .iter()
                .filter(|row| row.group_key == group_by)
                .map(SpendExportRow::from)
                .collect();
            emit(
                &snapshot.spend,
                source,
                format,
                out,
                rows,
                Table::new(SPEND_COLUMNS, options.raw),
            )
        }
        ExportView::Events => {
            let empty = View::new(snapshot.jobs.as_of, Vec::new(), Vec::new());
            let timeline = options.events.unwrap_or(&empty);
            let rows = timeline.rows.iter().map(EventRow::from).collect();
            emit(
                timeline,
                source,
                format,
                out,
                rows,
                Table::new(EVENT_COLUMNS, options.raw),
            )
        }
        ExportView::Untagged => {
            let costs = job_costs(snapshot, options);
            let mut rows: Vec<UntaggedRow<'_>> = snapshot
                .findings
                .rows
                .iter()
                .map(|f| UntaggedRow::new(f, costs.get(f.arn.as_str()).copied(), options.now))
                .collect();
            if options.sort_by_cost {
                sort_by_cost(&mut rows);
            }
            emit(
                &snapshot.findings,
                source,
                format,
                out,
                rows,
                Table::new(UNTAGGED_COLUMNS, options.raw),
            )
        }
    }
}

/// Each job's best-known cost, by ARN, for the untagged rows (findings carry no prices).
fn job_costs<'s>(
    snapshot: &'s Snapshot,
    options: &ExportOptions<'_>,
) -> std::collections::HashMap<&'s str, ResourceCost> {
    snapshot
        .jobs
        .rows
        .iter()
        .filter_map(|job| {
            let measured = options.measured.get(&job.arn);
            sagescope_core::cost::best(job, options.prices, options.now, measured)
                .map(|cost| (job.arn.as_str(), cost))
        })
        .collect()
}

/// Highest cost first; resources no source prices last, in their previous order.
fn sort_by_cost(rows: &mut [UntaggedRow<'_>]) {
    rows.sort_by(|a, b| match (a.cost_usd, b.cost_usd) {
        (Some(a), Some(b)) => b.total_cmp(&a),
        (Some(_), None) => std::cmp::Ordering::Less,
        (None, Some(_)) => std::cmp::Ordering::Greater,
        (None, None) => std::cmp::Ordering::Equal,
    });
}

/// A CSV column: its header, and how a row fills its cell.
type Column<R> = (&'static str, fn(&R) -> String);

/// How a view's rows become CSV: its columns (each header with how a row fills its cell), and
/// whether cells go out raw.
struct Table<'c, R> {
    columns: &'c [Column<R>],
    raw: bool,
}

impl<'c, R> Table<'c, R> {
    fn new(columns: &'c [Column<R>], raw: bool) -> Self {
        Table { columns, raw }
    }
}

fn emit<T, R: Serialize>(
    view: &View<T>,
    source: DataSource,
    format: Format,
    out: &mut dyn Write,
    rows: Vec<R>,
    table: Table<'_, R>,
) -> Result<ExportSummary, ExportError> {
    let count = rows.len();
    match format {
        Format::Json => {
            let envelope = Envelope {
                as_of: rfc3339(view.as_of),
                source,
                errors: view
                    .errors
                    .iter()
                    .map(|e| ErrorRow {
                        account: &e.account,
                        region: e.region.as_deref(),
                        kind: e.kind.map(|k| k.as_str()),
                        stale: e.stale,
                        message: &e.message,
                    })
                    .collect(),
                rows,
            };
            // C1 controls and bidi marks written as `\uXXXX`: the same JSON, safe on a
            // terminal.
            let text = serde_json::to_string_pretty(&envelope)?;
            writeln!(out, "{}", sagescope_core::sanitize::json(&text))?;
        }
        // Script never gets here: `write` prints it before reaching the table formats.
        Format::Csv | Format::Script => {
            // Data as received: the writer quotes what CSV needs quoted (newlines, commas,
            // quotes); only would-be formulas are changed, unless `--raw`.
            let mut writer = csv::Writer::from_writer(&mut *out);
            writer.write_record(table.columns.iter().map(|(name, _)| name))?;
            for row in &rows {
                let values = table.columns.iter().map(|(_, value)| value(row));
                if table.raw {
                    writer.write_record(values)?;
                } else {
                    writer.write_record(values.map(|v| cell::defuse(&v).into_owned()))?;
                }
            }
            writer.flush()?;
        }
    }
    Ok(ExportSummary {
        rows: count,
        errors: view.errors.clone(),
    })
}

fn opt<T: ToString>(value: Option<T>) -> String {
    value.map(|v| v.to_string()).unwrap_or_default()
}

/// Each export's [`Column`], written out per row type: so its cells take a row borrowed from
/// any snapshot (`Column<JobRow<'_>>` in a `const` would mean `JobRow<'static>`).
type JobColumn = (&'static str, fn(&JobRow<'_>) -> String);
type SpendColumn = (&'static str, fn(&SpendExportRow<'_>) -> String);
type UntaggedColumn = (&'static str, fn(&UntaggedRow<'_>) -> String);
type EventColumn = (&'static str, fn(&EventRow<'_>) -> String);

/// The CSV of `export jobs`: each column's header beside how a row fills it, in order.
const JOB_COLUMNS: &[JobColumn] = &[
    ("account_id", |r| r.account_id.to_string()),
    ("account_name", |r| r.account_name.to_string()),
    ("region", |r| r.region.to_string()),
    ("kind", |r| r.kind.to_string()),
    ("name", |r| r.name.to_string()),
    ("arn", |r| r.arn.to_string()),
    ("status", |r| r.status.to_string()),
    ("created_at", |r| r.created_at.clone()),
    ("ended_at", |r| opt(r.ended_at.as_deref())),
    ("instance_type", |r| opt(r.instance_type)),
    ("instance_count", |r| opt(r.instance_count)),
    ("failure_reason", |r| opt(r.failure_reason)),
    ("usd_per_hour", |r| opt(r.usd_per_hour)),
    ("usd_so_far", |r| opt(r.usd_so_far)),
    ("cpu_util", |r| opt(r.cpu_util)),
    ("gpu_util", |r| opt(r.gpu_util)),
    ("invocations_24h", |r| opt(r.invocations_24h)),
    ("flags", |r| r.flags.join(";")),
    ("stale", |r| r.stale.to_string()),
    ("console_url", |r| opt(r.console_url.as_deref())),
    ("owner", |r| opt(r.owner.as_deref())),
    ("last_activity_at", |r| opt(r.last_activity_at.as_deref())),
    ("endpoint", |r| opt(r.endpoint)),
    ("copies", |r| opt(r.copies)),
    ("cpu_cores_per_copy", |r| opt(r.cpu_cores_per_copy)),
    ("accelerators_per_copy", |r| opt(r.accelerators_per_copy)),
    ("memory_mb_per_copy", |r| opt(r.memory_mb_per_copy)),
    ("instance_groups", |r| opt(r.instance_groups.as_deref())),
    ("failed_nodes", |r| opt(r.failed_nodes)),
    ("cost_usd", |r| opt(r.cost_usd)),
    ("cost_source", |r| opt(r.cost_source)),
    ("created_by", |r| opt(r.creator.created_by)),
    ("created_by_source", |r| opt(r.creator.created_by_source)),
    ("created_by_parent", |r| opt(r.creator.created_by_parent)),
    ("stopped_by", |r| opt(r.stopped_by)),
    ("deleted_by", |r| opt(r.deleted_by)),
];

/// The CSV of `export spend`.
const SPEND_COLUMNS: &[SpendColumn] = &[
    ("start", |r| r.start.to_string()),
    ("end", |r| r.end.to_string()),
    ("group_key", |r| r.group_key.to_string()),
    ("group_value", |r| r.group_value.to_string()),
    ("amount", |r| r.amount.to_string()),
    ("unit", |r| r.unit.to_string()),
    ("estimated", |r| r.estimated.to_string()),
];

/// The CSV of `export spend --untagged-by creator`.
type CreatorShareColumn = (&'static str, fn(&CreatorShareRow<'_>) -> String);
const CREATOR_SHARE_COLUMNS: &[CreatorShareColumn] = &[
    ("group_key", |r| r.group_key.to_string()),
    ("created_by", |r| r.created_by.to_string()),
    ("known", |r| r.known.to_string()),
    ("resources", |r| r.resources.to_string()),
    ("priced", |r| r.priced.to_string()),
    ("cost_usd", |r| r.cost_usd.to_string()),
    ("share", |r| r.share.to_string()),
    ("cost_sources", |r| {
        r.cost_sources
            .iter()
            .map(|s| s.as_str())
            .collect::<Vec<_>>()
            .join(";")
    }),
];

/// The CSV of `export untagged`.
const UNTAGGED_COLUMNS: &[UntaggedColumn] = &[
    ("account_id", |r| r.account_id.to_string()),
    ("account_name", |r| r.account_name.to_string()),
    ("region", |r| r.region.to_string()),
    ("kind", |r| r.kind.to_string()),
    ("name", |r| r.name.to_string()),
    ("arn", |r| r.arn.to_string()),
    ("missing", |r| r.missing.join(";")),
    ("miscased", |r| {
        r.miscased
            .iter()
            .map(|m| format!("{}->{}", m.found, m.expected))
            .collect::<Vec<_>>()
            .join(";")
    }),
    ("invalid", |r| {
        r.invalid
            .iter()
            .map(|i| format!("{}={}", i.key, i.value))
            .collect::<Vec<_>>()
            .join(";")
    }),
    ("rule_source", |r| r.rule_source.join(";")),
    ("studio_domain_arn", |r| {
        r.studio_domain_arn.unwrap_or_default().to_string()
    }),
    ("studio_user_profile_arn", |r| {
        r.studio_user_profile_arn.unwrap_or_default().to_string()
    }),
    ("console_url", |r| opt(r.console_url.as_deref())),
    ("cost_usd", |r| opt(r.cost_usd)),
    ("cost_source", |r| opt(r.cost_source)),
    ("created_by", |r| opt(r.creator.created_by)),
    ("created_by_source", |r| opt(r.creator.created_by_source)),
    ("created_by_parent", |r| opt(r.creator.created_by_parent)),
];

/// The CSV of `export events`.
const EVENT_COLUMNS: &[EventColumn] = &[
    ("at", |r| r.at.clone()),
    ("event", |r| r.event.to_string()),
    ("account_id", |r| r.account_id.to_string()),
    ("account_name", |r| r.account_name.to_string()),
    ("region", |r| r.region.to_string()),
    ("kind", |r| opt(r.kind)),
    ("name", |r| r.name.to_string()),
    ("arn", |r| r.arn.to_string()),
    ("status", |r| opt(r.status)),
    ("previous_status", |r| opt(r.previous_status)),
    ("detail", |r| opt(r.detail)),
];
