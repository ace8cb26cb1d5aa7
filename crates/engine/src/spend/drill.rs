//! Drill-down: one tag value's spend by service and by linked account.
//!
//! By service it counts every AWS service (what else does this project pay for?); by linked
//! account it keeps the pane's scope, so its rows add up to the value's total in the pane.

use super::query::{Grouping, SpendQuery, TagFilter};
use sagescope_core::model::SpendRow;

/// One line of a breakdown.
#[derive(Debug, Clone, PartialEq)]
pub struct Share {
    /// The service name, or the 12-digit account id.
    pub key: String,
    /// The account's name from the config, when known (accounts only).
    pub name: Option<String>,
    pub amount: f64,
}

/// A tag value's spend broken down.
#[derive(Debug, Clone, PartialEq)]
pub struct DrillAnswer {
    /// The tag value; `None` for the untagged share.
    pub value: Option<String>,
    /// Every service, largest first.
    pub by_service: Vec<Share>,
    /// In the pane's scope, largest first.
    pub by_account: Vec<Share>,
    /// Said when Cost Explorer is asked from a member account, which sees only itself.
    pub member_note: Option<String>,
    pub unit: String,
}

/// The two questions of a drill-down into `value` (`None`: the untagged share) of `base`'s key.
pub fn drill_queries(base: &SpendQuery, value: Option<&str>) -> [SpendQuery; 2] {
    let filter = TagFilter {
        key: base.grouping.key().to_string(),
        value: value.map(str::to_string),
    };
    let narrowed = SpendQuery {
        tag_filter: Some(filter),
        ..base.clone()
    };
    [
        SpendQuery {
            grouping: Grouping::Service,
            all_services: true,
            ..narrowed.clone()
        },
        SpendQuery {
            grouping: Grouping::LinkedAccount,
            ..narrowed
        },
    ]
}

/// Totals per group, largest first; `names` gives account names for ids.
pub fn shares(rows: &[SpendRow], names: &dyn Fn(&str) -> Option<String>) -> Vec<Share> {
    let mut out: Vec<Share> = super::outlook::by_value(rows.iter())
        .into_iter()
        .map(|(key, amount)| Share {
            name: names(&key),
            key,
            amount,
        })
        .collect();
    out.sort_by(|a, b| b.amount.total_cmp(&a.amount).then(a.key.cmp(&b.key)));
    out
}

/// A note when the linked-account breakdown shows only the caller's own account although the
/// config names others: Cost Explorer in a member account sees only that account's spend.
pub fn member_note(
    caller: Option<&str>,
    caller_name: &str,
    configured_ids: &[String],
    by_account: &[Share],
) -> Option<String> {
    let caller = caller?;
    let only_self = !by_account.is_empty() && by_account.iter().all(|s| s.key == caller);
    let others_configured = configured_ids.iter().any(|id| id != caller);
    (only_self && others_configured).then(|| {
        format!(
            "only account {caller} ({caller_name}) appears: Cost Explorer is asked from a member account, which sees its own spend only; set spend.account to the payer (management) account to see every linked account"
        )
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::spend::RangePreset;

    fn share(key: &str) -> Share {
        Share {
            key: key.into(),
            name: None,
            amount: 1.0,
        }
    }

    #[test]
    fn drill_queries_narrow_to_the_value_and_count_every_service_by_service() {
        let spend = sagescope_core::config::Config::default().spend;
        let today = chrono::NaiveDate::from_ymd_opt(2026, 3, 20).expect("date");
        let base = SpendQuery::from_config(&spend, "project", RangePreset::Days30, today);
        let [service, account] = drill_queries(&base, Some("vision"));
        assert_eq!(service.grouping, Grouping::Service);
        assert!(service.all_services);
        assert_eq!(account.grouping, Grouping::LinkedAccount);
        assert_eq!(account.all_services, base.all_services);
        assert_eq!(
            account.tag_filter,
            Some(TagFilter {
                key: "project".into(),
                value: Some("vision".into())
            })
        );
        let [_, untagged] = drill_queries(&base, None);
        assert_eq!(untagged.tag_filter.and_then(|f| f.value), None);
    }

    #[test]
    fn a_member_account_is_named_only_when_others_are_configured() {
        let ids = vec!["111111111111".to_string(), "222222222222".to_string()];
        let only_me = [share("111111111111")];
        let note = member_note(Some("111111111111"), "dev", &ids, &only_me).expect("note");
        assert!(note.contains("payer"), "{note}");
        assert!(
            member_note(
                Some("111111111111"),
                "dev",
                &ids,
                &[share("111111111111"), share("222222222222")]
            )
            .is_none(),
            "a payer sees the others"
        );
        assert!(
            member_note(
                Some("111111111111"),
                "dev",
                &["111111111111".to_string()],
                &only_me
            )
            .is_none(),
            "a single-account set-up is not a member problem"
        );
        assert!(member_note(None, "dev", &ids, &only_me).is_none());
    }
}
