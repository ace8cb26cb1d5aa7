//! Month to date, forecast and budgets: "will this project blow its budget this month?"

use sagescope_core::config::Budget;

/// Where one budget stands.
#[derive(Debug, Clone, PartialEq)]
pub struct BudgetStatus {
    pub budget: Budget,
    /// Spent so far this month.
    pub month_to_date: f64,
    /// Month to date plus the forecast for the rest of the month, when a forecast is known.
    pub projected: Option<f64>,
    /// Month to date as a share of the budget, in percent.
    pub pct_used: f64,
    /// The projection crosses the budget (or spend already has).
    pub over: bool,
}

/// Compares month-to-date spend (and the forecast for the rest of the month) with a budget.
pub fn budget_status(
    budget: &Budget,
    month_to_date: f64,
    rest_of_month_forecast: Option<f64>,
) -> BudgetStatus {
    let projected = rest_of_month_forecast.map(|rest| month_to_date + rest);
    let pct_used = if budget.monthly_usd > 0.0 {
        month_to_date / budget.monthly_usd * 100.0
    } else {
        0.0
    };
    let over =
        month_to_date > budget.monthly_usd || projected.is_some_and(|p| p > budget.monthly_usd);
    BudgetStatus {
        budget: budget.clone(),
        month_to_date,
        projected,
        pct_used,
        over,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn budget(usd: f64) -> Budget {
        Budget {
            tag_key: "project".into(),
            tag_value: "vision".into(),
            monthly_usd: usd,
        }
    }

    #[test]
    fn forecast_crossing_the_budget_warns_before_spend_does() {
        let s = budget_status(&budget(1000.0), 600.0, Some(500.0));
        assert_eq!(s.projected, Some(1100.0));
        assert!((s.pct_used - 60.0).abs() < 1e-9);
        assert!(s.over);
        let fine = budget_status(&budget(1000.0), 600.0, Some(300.0));
        assert!(!fine.over);
    }

    #[test]
    fn spend_past_the_budget_warns_without_a_forecast() {
        assert!(budget_status(&budget(100.0), 150.0, None).over);
        assert!(!budget_status(&budget(100.0), 50.0, None).over);
    }
}
