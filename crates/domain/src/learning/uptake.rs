//! Step 7: uptake — the share of people receiving long-term support who direct it
//! themselves (the ASCOF 1C measures).

use rust_decimal::{Decimal, RoundingStrategy};
use serde::{Deserialize, Serialize};

/// Counts behind the uptake measures for one council.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct UptakeCounts {
    /// People receiving long-term support, however it is arranged.
    pub long_term_support: i64,
    /// Of those, people with a personal budget (an approved plan with a budget account).
    pub personal_budget: i64,
    /// Of those, people with some of their budget as a direct payment.
    pub direct_payment: i64,
}

/// The uptake measures, as percentages to one decimal place.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Uptake {
    #[serde(flatten)]
    pub counts: UptakeCounts,
    /// Percentage with a personal budget; `None` when nobody receives long-term support.
    #[cfg_attr(feature = "openapi", schema(value_type = Option<String>, example = "62.5"))]
    #[serde(with = "rust_decimal::serde::str_option")]
    pub personal_budget_percent: Option<Decimal>,
    /// Percentage with a direct payment.
    #[cfg_attr(feature = "openapi", schema(value_type = Option<String>, example = "31.3"))]
    #[serde(with = "rust_decimal::serde::str_option")]
    pub direct_payment_percent: Option<Decimal>,
}

pub fn uptake(counts: UptakeCounts) -> Uptake {
    let percent = |n: i64| {
        (counts.long_term_support > 0).then(|| {
            let mut share = (Decimal::from(n) * Decimal::ONE_HUNDRED / Decimal::from(counts.long_term_support))
                .round_dp_with_strategy(1, RoundingStrategy::MidpointAwayFromZero);
            // Always one decimal place, so 100% reads "100.0" like every other figure.
            share.rescale(1);
            share
        })
    };
    Uptake { counts, personal_budget_percent: percent(counts.personal_budget), direct_payment_percent: percent(counts.direct_payment) }
}

/// When one person's budget account runs, and whether it includes a direct payment.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AccountSpan<P> {
    pub person: P,
    pub start: time::Date,
    pub end: time::Date,
    pub direct_payment: bool,
}

/// The ASCOF 1C counts on `on`: people with an account running that day, and of those,
/// people with a direct payment (each person once, however many accounts they have).
pub fn counts_on<P: Ord>(long_term_support: i64, accounts: &[AccountSpan<P>], on: time::Date) -> UptakeCounts {
    let running = accounts.iter().filter(|a| a.start <= on && on <= a.end);
    let with_budget: std::collections::BTreeSet<&P> = running.clone().map(|a| &a.person).collect();
    let with_dp: std::collections::BTreeSet<&P> = running.filter(|a| a.direct_payment).map(|a| &a.person).collect();
    UptakeCounts { long_term_support, personal_budget: with_budget.len() as i64, direct_payment: with_dp.len() as i64 }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shares_to_one_decimal_place() {
        let u = uptake(UptakeCounts { long_term_support: 16, personal_budget: 10, direct_payment: 5 });
        assert_eq!(u.personal_budget_percent, Some(Decimal::new(625, 1)));
        assert_eq!(u.direct_payment_percent, Some(Decimal::new(313, 1)));
        assert_eq!(uptake(UptakeCounts::default()).personal_budget_percent, None);
        let all = uptake(UptakeCounts { long_term_support: 3, personal_budget: 3, direct_payment: 0 });
        assert_eq!(all.personal_budget_percent.unwrap().to_string(), "100.0");
        assert_eq!(all.direct_payment_percent.unwrap().to_string(), "0.0");
    }
}

/// How a council's front door is doing in one month.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct MonthJourney {
    /// `YYYY-MM`
    pub month: String,
    /// Budget accounts that started in the month.
    pub new_budget_holders: i64,
    /// Plans approved in the month.
    pub plans_approved: i64,
    /// For those plans, the median whole days from first contact (the person's record being
    /// made) to approval; `None` when no plan was approved.
    pub median_days_to_plan: Option<i64>,
}

/// The median of whole days, rounding a half down (so it is always a day someone waited).
pub fn median_days(mut days: Vec<i64>) -> Option<i64> {
    if days.is_empty() {
        return None;
    }
    days.sort_unstable();
    Some(days[(days.len() - 1) / 2])
}

#[cfg(test)]
mod journey_tests {
    use super::*;

    #[test]
    fn medians_of_waits() {
        assert_eq!(median_days(vec![]), None);
        assert_eq!(median_days(vec![9]), Some(9));
        assert_eq!(median_days(vec![30, 10, 20]), Some(20));
        assert_eq!(median_days(vec![40, 10, 30, 20]), Some(20), "the lower middle of an even count");
    }

    #[test]
    fn counts_on_a_day_take_each_person_once() {
        use time::macros::date;
        let span = |person: u8, start, end, direct_payment| AccountSpan { person, start, end, direct_payment };
        let accounts = [
            span(1, date!(2026 - 01 - 01), date!(2026 - 12 - 31), true),
            span(1, date!(2026 - 06 - 01), date!(2027 - 05 - 31), false), // a second account: still one person
            span(2, date!(2026 - 03 - 01), date!(2026 - 03 - 31), false),
            span(3, date!(2026 - 07 - 01), date!(2027 - 06 - 30), true),
        ];
        assert_eq!(counts_on(10, &accounts, date!(2026 - 03 - 31)), UptakeCounts { long_term_support: 10, personal_budget: 2, direct_payment: 1 });
        assert_eq!(counts_on(10, &accounts, date!(2026 - 07 - 01)), UptakeCounts { long_term_support: 10, personal_budget: 2, direct_payment: 2 });
        assert_eq!(counts_on(10, &accounts, date!(2027 - 07 - 01)), UptakeCounts { long_term_support: 10, personal_budget: 0, direct_payment: 0 });
    }
}
