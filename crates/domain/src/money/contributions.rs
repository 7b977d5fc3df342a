//! Step 5: client contributions from a financial assessment (Care Act charging rules).
//!
//! Capital above the upper limit: the person pays the full cost. Between the lower and
//! upper limits, every £250 (or part) counts as £1 a week of "tariff income". Income
//! above the minimum income guarantee and disability-related expenditure is assessable;
//! the weekly contribution is that, never more than the weekly cost of the support.

use crate::money::Money;
use serde::{Deserialize, Serialize};

/// The thresholds in force (England, 2025/26 figures by default).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ChargingRules {
    pub upper_capital_limit: Money,
    pub lower_capital_limit: Money,
    /// Each this much capital between the limits is £1 a week of tariff income.
    pub tariff_step: Money,
    /// Weekly income the person always keeps.
    pub minimum_income_guarantee: Money,
}

impl Default for ChargingRules {
    fn default() -> ChargingRules {
        ChargingRules {
            upper_capital_limit: Money::from_pounds(23_250),
            lower_capital_limit: Money::from_pounds(14_250),
            tariff_step: Money::from_pounds(250),
            minimum_income_guarantee: Money::from_pence(22_800),
        }
    }
}

/// What the person told us about their means.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Means {
    pub capital: Money,
    pub weekly_income: Money,
    pub weekly_disability_expenses: Money,
}

/// A weekly contribution and how it was worked out, in sentences.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Contribution {
    pub weekly: Money,
    pub explanation: Vec<String>,
}

/// Works out the weekly contribution towards support costing `weekly_cost`.
pub fn assess(rules: &ChargingRules, means: Means, weekly_cost: Money) -> Contribution {
    let mut explanation = Vec::new();
    if means.capital > rules.upper_capital_limit {
        explanation.push(format!(
            "Your savings and other capital ({}) are above {}, so you pay the full cost of your support: {} a week.",
            means.capital, rules.upper_capital_limit, weekly_cost
        ));
        return Contribution { weekly: weekly_cost, explanation };
    }
    let tariff = if means.capital > rules.lower_capital_limit {
        let over = (means.capital - rules.lower_capital_limit).pence();
        let steps = (over + rules.tariff_step.pence() - 1) / rules.tariff_step.pence();
        let tariff = Money::from_pounds(steps);
        explanation.push(format!(
            "Your capital ({}) is {} above {}; each {} (or part) counts as £1 a week of income: {tariff}.",
            means.capital,
            Money::from_pence(over),
            rules.lower_capital_limit,
            rules.tariff_step
        ));
        tariff
    } else {
        explanation.push(format!("Your capital ({}) is below {}, so it is not counted.", means.capital, rules.lower_capital_limit));
        Money::ZERO
    };
    let income = means.weekly_income + tariff;
    let protected = rules.minimum_income_guarantee + means.weekly_disability_expenses;
    let assessable = (income - protected).max(Money::ZERO);
    explanation.push(format!(
        "Your weekly income counted is {income}. You keep {} (the minimum income guarantee) and {} for disability-related costs, leaving {assessable}.",
        rules.minimum_income_guarantee, means.weekly_disability_expenses
    ));
    let weekly = assessable.min(weekly_cost);
    if weekly < assessable {
        explanation.push(format!("Your support costs {weekly_cost} a week, so you pay no more than that."));
    }
    explanation.push(format!("Your contribution is {weekly} a week."));
    Contribution { weekly, explanation }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn means(capital: i64, income_pence: i64, dre_pence: i64) -> Means {
        Means { capital: Money::from_pounds(capital), weekly_income: Money::from_pence(income_pence), weekly_disability_expenses: Money::from_pence(dre_pence) }
    }

    #[test]
    fn worked_examples() {
        let r = ChargingRules::default();
        let cost = Money::from_pounds(400);
        assert_eq!(assess(&r, means(30_000, 30_000, 0), cost).weekly, cost);
        assert_eq!(assess(&r, means(10_000, 22_800, 0), cost).weekly, Money::ZERO);
        // £300 income, £20 DRE: 300 - 228 - 20 = £52.
        assert_eq!(assess(&r, means(5_000, 30_000, 2_000), cost).weekly, Money::from_pounds(52));
        // £15,001 capital: £751 over → 4 steps of £250 (3 full and a part) → £4 tariff.
        let c = assess(&r, means(15_001, 22_800, 0), cost);
        assert_eq!(c.weekly, Money::from_pounds(4));
        assert!(c.explanation[0].contains("£4.00"), "{:?}", c.explanation);
        assert_eq!(assess(&r, means(1_000, 100_000, 0), Money::from_pounds(50)).weekly, Money::from_pounds(50));
    }

    proptest! {
        #[test]
        fn never_negative_never_above_cost(capital in 0i64..50_000, income in 0i64..200_000, dre in 0i64..20_000, cost in 0i64..200_000) {
            let c = assess(&ChargingRules::default(), means(capital, income, dre), Money::from_pence(cost));
            prop_assert!(!c.weekly.is_negative());
            prop_assert!(c.weekly <= Money::from_pence(cost));
        }

        #[test]
        fn more_capital_never_means_paying_less(capital in 0i64..30_000, extra in 0i64..5_000, income in 0i64..100_000) {
            let r = ChargingRules::default();
            let cost = Money::from_pounds(500);
            prop_assert!(assess(&r, means(capital + extra, income, 0), cost).weekly >= assess(&r, means(capital, income, 0), cost).weekly);
        }
    }
}
