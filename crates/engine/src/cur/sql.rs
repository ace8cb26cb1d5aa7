//! The SQL sagescope sends to Athena. Config values (database, table, cost column, tag keys)
//! are input, so every identifier is quoted and every literal escaped here, in one place;
//! the statements are SELECTs only.

use chrono::{Duration, NaiveDate};

/// The product code of SageMaker's line items.
pub const SAGEMAKER_PRODUCT: &str = "AmazonSageMaker";

/// The table to read and the column that holds the cost.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CurTable {
    pub database: String,
    pub table: String,
    /// e.g. `line_item_unblended_cost`, `line_item_net_unblended_cost`.
    pub cost_column: String,
}

impl CurTable {
    /// The table and cost column `[cur]` names.
    pub fn of(config: &sagescope_core::config::CurConfig) -> Self {
        CurTable {
            database: config.database.clone(),
            table: config.table.clone(),
            cost_column: config.cost_column.clone(),
        }
    }
}

/// `"name"`, with any `"` doubled: an identifier Athena (Trino) reads as exactly `name`.
pub fn identifier(name: &str) -> String {
    format!("\"{}\"", name.replace('"', "\"\""))
}

/// `'text'`, with any `'` doubled: a string literal that cannot end early.
pub fn literal(text: &str) -> String {
    format!("'{}'", text.replace('\'', "''"))
}

/// The billing periods (`YYYY-MM`) the days `start..end` fall in, first and last: CUR 2.0
/// exports are partitioned by `BILLING_PERIOD=YYYY-MM`, so a filter on `billing_period`
/// lets Athena skip every other month's files (and their cost).
pub fn billing_periods(start: NaiveDate, end: NaiveDate) -> (String, String) {
    let last = if end > start {
        end - Duration::days(1)
    } else {
        start
    };
    (
        start.format("%Y-%m").to_string(),
        last.format("%Y-%m").to_string(),
    )
}

/// The WHERE clause every query shares: line items used in `start..end` (end exclusive), in
/// the billing periods that hold those days, SageMaker's only unless `all_services`.
fn used_between(start: NaiveDate, end: NaiveDate, all_services: bool) -> String {
    let (first, last) = billing_periods(start, end);
    let product = if all_services {
        String::new()
    } else {
        format!(
            "\n  AND {} = {}",
            identifier("line_item_product_code"),
            literal(SAGEMAKER_PRODUCT)
        )
    };
    format!(
        "{period} BETWEEN {first} AND {last}{product}\n  \
         AND {usage} >= TIMESTAMP {from}\n  \
         AND {usage} < TIMESTAMP {to}",
        period = identifier("billing_period"),
        first = literal(&first),
        last = literal(&last),
        usage = identifier("line_item_usage_start_date"),
        from = literal(&format!("{start} 00:00:00")),
        to = literal(&format!("{end} 00:00:00")),
    )
}

/// SageMaker's cost per resource id over `start..end` (end exclusive): two columns,
/// `resource_id` and `cost`, one row per resource.
pub fn resource_costs(table: &CurTable, start: NaiveDate, end: NaiveDate) -> String {
    let resource = identifier("line_item_resource_id");
    format!(
        "SELECT {resource} AS resource_id, SUM({cost}) AS cost\n\
         FROM {database}.{table}\n\
         WHERE {filter}\n  \
         AND {resource} <> ''\n\
         GROUP BY {resource}",
        cost = identifier(&table.cost_column),
        database = identifier(&table.database),
        table = identifier(&table.table),
        filter = used_between(start, end, false),
    )
}

/// The cost per day and value of the `resource_tags` entry `tag_key` (already mapped to CUR
/// 2.0's spelling, see [`super::tags::cur_tag_key`]) over `start..end`, SageMaker's unless
/// `all_services`, only the usage of `accounts` when given (the `:accounts` choice): columns
/// `day` (`YYYY-MM-DD`), `value` (empty when the line item lacks the tag: the untagged share)
/// and `cost`.
pub fn spend_by_tag(
    table: &CurTable,
    tag_key: &str,
    start: NaiveDate,
    end: NaiveDate,
    all_services: bool,
    accounts: Option<&[String]>,
) -> String {
    let accounts = accounts.map_or_else(String::new, |ids| {
        let ids: Vec<String> = ids.iter().map(|id| literal(id)).collect();
        format!(
            "\n  AND {} IN ({})",
            identifier("line_item_usage_account_id"),
            ids.join(", ")
        )
    });
    format!(
        "SELECT date_format({usage}, '%Y-%m-%d') AS day,\n       \
         coalesce(element_at({tags}, {key}), '') AS value,\n       \
         SUM({cost}) AS cost\n\
         FROM {database}.{table}\n\
         WHERE {filter}{accounts}\n\
         GROUP BY 1, 2",
        usage = identifier("line_item_usage_start_date"),
        tags = identifier("resource_tags"),
        key = literal(tag_key),
        cost = identifier(&table.cost_column),
        database = identifier(&table.database),
        table = identifier(&table.table),
        filter = used_between(start, end, all_services),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn day(s: &str) -> NaiveDate {
        s.parse().expect("a date")
    }

    fn table() -> CurTable {
        CurTable {
            database: "billing".into(),
            table: "cur2".into(),
            cost_column: "line_item_unblended_cost".into(),
        }
    }

    #[test]
    fn quoting_keeps_input_inside_its_quotes() {
        assert_eq!(identifier("cur2"), "\"cur2\"");
        assert_eq!(
            identifier("a\"; DROP TABLE x; --"),
            "\"a\"\"; DROP TABLE x; --\""
        );
        assert_eq!(literal("O'Brien"), "'O''Brien'");
        assert_eq!(literal("x' OR '1'='1"), "'x'' OR ''1''=''1'");
    }

    #[test]
    fn billing_periods_cover_the_first_and_last_day() {
        assert_eq!(
            billing_periods(day("2026-09-02"), day("2026-12-02")),
            ("2026-09".to_string(), "2026-12".to_string())
        );
        // The end is exclusive: up to 1 December is November's period.
        assert_eq!(
            billing_periods(day("2026-11-01"), day("2026-12-01")),
            ("2026-11".to_string(), "2026-11".to_string())
        );
    }

    #[test]
    fn resource_costs_sums_sagemaker_by_resource_within_the_range() {
        let sql = resource_costs(&table(), day("2026-11-01"), day("2026-12-02"));
        assert_eq!(
            sql,
            "SELECT \"line_item_resource_id\" AS resource_id, SUM(\"line_item_unblended_cost\") AS cost\n\
             FROM \"billing\".\"cur2\"\n\
             WHERE \"billing_period\" BETWEEN '2026-11' AND '2026-12'\n  \
             AND \"line_item_product_code\" = 'AmazonSageMaker'\n  \
             AND \"line_item_usage_start_date\" >= TIMESTAMP '2026-11-01 00:00:00'\n  \
             AND \"line_item_usage_start_date\" < TIMESTAMP '2026-12-02 00:00:00'\n  \
             AND \"line_item_resource_id\" <> ''\n\
             GROUP BY \"line_item_resource_id\""
        );
        assert!(sql.starts_with("SELECT"), "read-only");
    }

    #[test]
    fn spend_by_tag_escapes_the_key() {
        let sql = spend_by_tag(
            &table(),
            "user_o'brien",
            day("2026-11-01"),
            day("2026-11-08"),
            false,
            None,
        );
        assert!(
            sql.contains("element_at(\"resource_tags\", 'user_o''brien')"),
            "{sql}"
        );
        assert!(sql.contains("GROUP BY 1, 2"), "{sql}");
        assert!(sql.contains("'AmazonSageMaker'"), "{sql}");
        let every = spend_by_tag(
            &table(),
            "user_team",
            day("2026-11-01"),
            day("2026-11-08"),
            true,
            None,
        );
        assert!(!every.contains("line_item_product_code"), "{every}");
        assert!(!every.contains("line_item_usage_account_id"), "{every}");
    }

    #[test]
    fn spend_by_tag_narrows_to_the_chosen_accounts_with_escaped_ids() {
        let ids = ["222222222222".to_string(), "x') OR ('1'='1".to_string()];
        let sql = spend_by_tag(
            &table(),
            "user_team",
            day("2026-11-01"),
            day("2026-11-08"),
            false,
            Some(&ids),
        );
        assert!(
            sql.contains(
                "AND \"line_item_usage_account_id\" IN ('222222222222', 'x'') OR (''1''=''1')\n"
            ),
            "{sql}"
        );
    }
}
