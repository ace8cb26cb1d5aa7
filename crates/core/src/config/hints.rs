//! Turning config mistakes into a concrete fix: a correct line to copy, or the key meant.

use std::path::Path;

/// A correct example line for every key, keyed by the key's own name.
const EXAMPLES: &[(&str, &str)] = &[
    ("name", r#"name = "ml-prod""#),
    (
        "role_arn",
        r#"role_arn = "arn:aws:iam::222222222222:role/SageScopeReadOnly""#,
    ),
    ("profile", r#"profile = "ml-prod""#),
    ("external_id", r#"external_id = "sagescope""#),
    ("regions", r#"regions = ["us-east-1", "eu-west-1"]"#),
    (
        "mandatory",
        r#"mandatory = ["cost-center", "project", "owner"]"#,
    ),
    ("ttl_hours", "ttl_hours = 24"),
    ("search", "search = true"),
    ("group_by", r#"group_by = "cost-center""#),
    ("lookback_days", "lookback_days = 30"),
    ("account", r#"account = "payer""#),
    (
        "metric",
        r#"metric = "UnblendedCost"   # or AmortizedCost, NetUnblendedCost, NetAmortizedCost, BlendedCost"#,
    ),
    ("granularity", r#"granularity = "daily"   # or "monthly""#),
    ("all_services", "all_services = false"),
    ("resource_costs", "resource_costs = true"),
    ("jobs_seconds", "jobs_seconds = 30"),
    ("metrics_seconds", "metrics_seconds = 300"),
    ("max_concurrency", "max_concurrency = 32"),
    ("requests_per_second", "requests_per_second = 2.0"),
    (
        "account_requests_per_second",
        "account_requests_per_second = 20",
    ),
    ("deadline_seconds", "deadline_seconds = 120"),
    ("reconcile_minutes", "reconcile_minutes = 15"),
    ("log_group", r#"log_group = "/sagescope/sagemaker-events""#),
    ("poll_seconds", "poll_seconds = 2"),
    ("stale_seconds", "stale_seconds = 60"),
    ("underutilized_pct", "underutilized_pct = 20"),
    ("max_hours", "max_hours = 24"),
    ("app_idle_hours", "app_idle_hours = 3"),
    ("theme", r#"theme = "dark"   # or "light", "mono""#),
    ("stale_after_minutes", "stale_after_minutes = 10"),
    ("path", r#"path = "/home/me/.cache/sagescope/cache.db""#),
    ("tag_key", r#"tag_key = "project""#),
    ("tag_value", r#"tag_value = "vision""#),
    ("monthly_usd", "monthly_usd = 5000.0"),
    (
        "events",
        r#"events = ["job_failed", "endpoint_failed", "budget_forecast_crossed"]"#,
    ),
    ("bell", "bell = true"),
    ("notify", "notify = true"),
    (
        "command",
        r#"command = ["/usr/local/bin/notify-team", "--channel", "ml-ops"]"#,
    ),
    ("command_timeout_seconds", "command_timeout_seconds = 10"),
    ("retention_days", "retention_days = 90"),
    ("accounts", "[[accounts]]\n    name = \"ml-prod\""),
    ("budgets", "[[budgets]]\n    tag_key = \"project\""),
];

/// Every key the config understands, for "did you mean" suggestions.
pub(super) const KNOWN_KEYS: &[&str] = &[
    "accounts",
    "name",
    "role_arn",
    "profile",
    "external_id",
    "regions",
    "tags",
    "mandatory",
    "allowed",
    "ttl_hours",
    "search",
    "spend",
    "group_by",
    "lookback_days",
    "account",
    "metric",
    "granularity",
    "all_services",
    "resource_costs",
    "refresh",
    "jobs_seconds",
    "metrics_seconds",
    "max_concurrency",
    "requests_per_second",
    "account_requests_per_second",
    "deadline_seconds",
    "reconcile_minutes",
    "health",
    "underutilized_pct",
    "max_hours",
    "app_idle_hours",
    "ui",
    "theme",
    "stale_after_minutes",
    "cache",
    "path",
    "budgets",
    "tag_key",
    "tag_value",
    "monthly_usd",
    "alerts",
    "stream",
    "log_group",
    "poll_seconds",
    "stale_seconds",
    "events",
    "bell",
    "notify",
    "command",
    "command_timeout_seconds",
    "retention_days",
    "organization",
    "discover",
    "role_name",
    "ous",
    "exclude",
    "from_organization",
    "me",
    "owner",
    "owner_key",
    "studio_user_profiles",
    "principals",
    "cur",
    "database",
    "table",
    "workgroup",
    "output_location",
    "region",
    "cost_column",
    "source",
    "cloudtrail",
    "lookup",
    "athena_table",
];

/// A fix for an error at `offset`: the example for the key on that line, if there is one.
pub(super) fn fix_for(text: &str, offset: usize, message: &str) -> Option<String> {
    let line_start = text
        .get(..offset)
        .and_then(|t| t.rfind('\n'))
        .map_or(0, |i| i + 1);
    let line = text
        .get(line_start..)
        .unwrap_or("")
        .lines()
        .next()
        .unwrap_or("");
    let key = line
        .split('=')
        .next()
        .unwrap_or("")
        .trim()
        .trim_matches('"');
    if let Some((_, example)) = EXAMPLES.iter().find(|(name, _)| *name == key) {
        return Some(format!("write it like: {example}"));
    }
    if message.contains("unknown variant") {
        return Some("use one of the values listed above".into());
    }
    if offset == 0 || message.contains("expected") {
        return Some("compare with config.example.toml, which documents every key".into());
    }
    None
}

/// The warning for a key sagescope does not know, with the nearest known key if one is close.
pub(super) fn unknown_key_warning(path: &Path, key_path: &str) -> String {
    let last = key_path.rsplit('.').next().unwrap_or(key_path);
    let suggestion = KNOWN_KEYS
        .iter()
        .map(|known| (edit_distance(last, known), *known))
        .filter(|(distance, _)| *distance <= 2)
        .min();
    match suggestion {
        Some((_, known)) => format!(
            "{}: unknown key `{key_path}` ignored (did you mean `{known}`?)",
            path.display()
        ),
        None => format!("{}: unknown key `{key_path}` ignored", path.display()),
    }
}

/// Levenshtein distance; keys are short, so the quadratic table is fine.
fn edit_distance(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    let mut previous: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.chars().enumerate() {
        let mut current = vec![i + 1];
        for (j, cb) in b.iter().enumerate() {
            let substitute = previous[j] + usize::from(ca != *cb);
            current.push(substitute.min(previous[j + 1] + 1).min(current[j] + 1));
        }
        previous = current;
    }
    previous[b.len()]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn edit_distance_counts_single_edits() {
        assert_eq!(edit_distance("lookbak_days", "lookback_days"), 1);
        assert_eq!(edit_distance("regions", "regions"), 0);
        assert_eq!(edit_distance("", "abc"), 3);
    }

    #[test]
    fn far_away_keys_get_no_suggestion() {
        let w = unknown_key_warning(Path::new("c.toml"), "ui.colourscheme_of_doom");
        assert!(!w.contains("did you mean"), "{w}");
    }
}
