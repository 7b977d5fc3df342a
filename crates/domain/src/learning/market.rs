//! Step 7: market intelligence from real spending. Which kinds of support are losing or
//! gaining demand, an early warning for those falling fast, and a 12-month forecast from
//! the trend. Pure functions over monthly spending per category.

use crate::money::Money;
use serde::Serialize;
use std::collections::BTreeMap;
use time::Date;

/// How one kind of support's spending moved between two equal windows of months.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Trend {
    pub category: String,
    /// Spending in the latest `window` months.
    pub recent: Money,
    /// Spending in the `window` months before those.
    pub previous: Money,
    /// Whole-percent change from previous to recent; `None` when previous was nothing.
    pub change_percent: Option<i64>,
    /// Fell by more than the threshold: commissioners should look at this market.
    pub warning: bool,
}

/// Compares the latest `window` months with the `window` before them, per category.
/// `months` are the `YYYY-MM` months to consider, oldest first (months with no spending
/// count as nothing); `spend` maps (category, month) to the amount.
pub fn trends(months: &[String], spend: &BTreeMap<(String, String), Money>, window: usize, fall_threshold_percent: i64) -> Vec<Trend> {
    let categories: std::collections::BTreeSet<&String> = spend.keys().map(|(c, _)| c).collect();
    let n = months.len();
    let recent_months = &months[n.saturating_sub(window)..];
    let previous_months = &months[n.saturating_sub(2 * window)..n.saturating_sub(window)];
    let total = |category: &String, ms: &[String]| ms.iter().map(|m| spend.get(&(category.clone(), m.clone())).copied().unwrap_or_default()).sum::<Money>();
    let mut out: Vec<Trend> = categories
        .into_iter()
        .map(|category| {
            let (recent, previous) = (total(category, recent_months), total(category, previous_months));
            // Rounded toward zero, in whole percent, from integer pence.
            let change_percent = (!previous.is_zero()).then(|| (recent.pence() - previous.pence()) * 100 / previous.pence());
            let warning = change_percent.is_some_and(|c| c < -fall_threshold_percent);
            Trend { category: category.clone(), recent, previous, change_percent, warning }
        })
        .collect();
    out.sort_by_key(|t| (t.change_percent.unwrap_or(i64::MAX), t.category.clone()));
    out
}

/// Extends a monthly series `ahead` months by its least-squares straight line, never
/// below zero. Exact integer sums; each forecast rounded to the penny.
pub fn forecast(series: &[Money], ahead: usize) -> Vec<Money> {
    let n = series.len() as i128;
    if n == 0 {
        return vec![Money::ZERO; ahead];
    }
    // x = 0..n-1. slope = (nΣxy − ΣxΣy) / (nΣx² − (Σx)²); intercept = (Σy − slope·Σx)/n.
    let (sx, sy) = ((0..n).sum::<i128>(), series.iter().map(|m| m.pence() as i128).sum::<i128>());
    let sxx: i128 = (0..n).map(|x| x * x).sum();
    let sxy: i128 = series.iter().enumerate().map(|(x, m)| x as i128 * m.pence() as i128).sum();
    let denominator = n * sxx - sx * sx;
    (0..ahead as i128)
        .map(|k| {
            let x = n + k;
            // y(x) = (Σy·den − slope_num·Σx + slope_num·n·x) / (n·den), with slope_num = nΣxy − ΣxΣy.
            let value = if denominator == 0 {
                sy / n
            } else {
                let slope_num = n * sxy - sx * sy;
                let numerator = sy * denominator - slope_num * sx + slope_num * n * x;
                let d = n * denominator;
                // Round half away from zero.
                (2 * numerator + d.signum() * numerator.signum() * d.abs()) / (2 * d)
            };
            Money::from_pence(value.max(0) as i64)
        })
        .collect()
}

/// What the council pays a provider under a block contract, whatever people choose.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct BlockContract {
    /// The provider's matching key (lower case, single spaces).
    pub provider_key: String,
    pub annual_value: Money,
    pub start: Date,
    pub end: Date,
}

impl BlockContract {
    /// The contract's value in the month starting `first_day`: the annual value for the
    /// days it covers, at 1/365 a day, rounded half up to the penny.
    pub fn value_in_month(&self, first_day: Date) -> Money {
        let next = crate::dates::add_months(first_day, 1);
        let (from, to) = (self.start.max(first_day), self.end.min(next.previous_day().expect("not the first day of time")));
        if from > to {
            return Money::ZERO;
        }
        let days = i64::from((to - from).whole_days() as i32 + 1);
        Money::from_pence((self.annual_value.pence() * days * 2 + 365) / (2 * 365))
    }
}

/// One provider's income over two equal windows of months, from personal budgets (what
/// people chose to spend with them) and from block contracts.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ProviderIncome {
    pub provider_key: String,
    pub personal_budgets: Money,
    pub block_contracts: Money,
    /// Whole-percent share of the recent window's income from personal budgets.
    pub personal_budget_share: Option<i64>,
    /// The same share in the window before.
    pub previous_share: Option<i64>,
}

/// Per provider, the share of income from personal budgets in the latest `window` months
/// and in the `window` before. `months` are first days of months, oldest first;
/// `spend` maps (provider key, `YYYY-MM`) to personal-budget spending with them.
/// Providers with neither kind of income in either window are left out. Largest income first.
pub fn provider_income(months: &[Date], spend: &BTreeMap<(String, String), Money>, contracts: &[BlockContract], window: usize) -> Vec<ProviderIncome> {
    let n = months.len();
    let recent = &months[n.saturating_sub(window)..];
    let previous = &months[n.saturating_sub(2 * window)..n.saturating_sub(window)];
    let mut providers: std::collections::BTreeSet<&str> = spend.keys().map(|(p, _)| p.as_str()).collect();
    providers.extend(contracts.iter().map(|c| c.provider_key.as_str()));
    providers.remove("");
    let income = |provider: &str, ms: &[Date]| -> (Money, Money) {
        let pb = ms.iter().map(|m| spend.get(&(provider.to_string(), crate::dates::iso(*m)[..7].to_string())).copied().unwrap_or_default()).sum();
        let block = contracts.iter().filter(|c| c.provider_key == provider).flat_map(|c| ms.iter().map(|m| c.value_in_month(*m))).sum();
        (pb, block)
    };
    let share = |(pb, block): (Money, Money)| {
        let total = pb.pence() + block.pence();
        (total > 0).then(|| pb.pence() * 100 / total)
    };
    let mut out: Vec<ProviderIncome> = providers
        .into_iter()
        .filter_map(|provider| {
            let (now, before) = (income(provider, recent), income(provider, previous));
            let personal_budget_share = share(now);
            let previous_share = share(before);
            (personal_budget_share.is_some() || previous_share.is_some()).then(|| ProviderIncome {
                provider_key: provider.to_string(),
                personal_budgets: now.0,
                block_contracts: now.1,
                personal_budget_share,
                previous_share,
            })
        })
        .collect();
    out.sort_by_key(|p| (std::cmp::Reverse(p.personal_budgets + p.block_contracts), p.provider_key.clone()));
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn months(n: usize) -> Vec<String> {
        (1..=n).map(|m| format!("2026-{m:02}")).collect()
    }

    #[test]
    fn day_services_falling_and_personal_assistants_rising() {
        let ms = months(6);
        let mut spend = BTreeMap::new();
        for (i, m) in ms.iter().enumerate() {
            // Day services: £1,000 a month for three months, then £600.
            spend.insert(("day_service".to_string(), m.clone()), Money::from_pounds(if i < 3 { 1_000 } else { 600 }));
            // Personal assistants: £500, then £800.
            spend.insert(("personal_assistant".to_string(), m.clone()), Money::from_pounds(if i < 3 { 500 } else { 800 }));
        }
        spend.insert(("education".to_string(), ms[5].clone()), Money::from_pounds(50)); // new this quarter
        let t = trends(&ms, &spend, 3, 20);
        assert_eq!(t[0].category, "day_service");
        assert_eq!((t[0].previous, t[0].recent, t[0].change_percent, t[0].warning), (Money::from_pounds(3_000), Money::from_pounds(1_800), Some(-40), true));
        assert_eq!((t[1].category.as_str(), t[1].change_percent, t[1].warning), ("personal_assistant", Some(60), false));
        assert_eq!((t[2].category.as_str(), t[2].change_percent, t[2].warning), ("education", None, false), "new: no previous to compare");
        // A 20% fall is not more than 20%.
        let mut edge = BTreeMap::new();
        for (i, m) in ms.iter().enumerate() {
            edge.insert(("leisure".to_string(), m.clone()), Money::from_pounds(if i < 3 { 100 } else { 80 }));
        }
        assert!(!trends(&ms, &edge, 3, 20)[0].warning);
    }

    #[test]
    fn forecasts_follow_the_straight_line_and_stop_at_zero() {
        let rising: Vec<Money> = [100, 110, 120, 130].iter().map(|&p| Money::from_pounds(p)).collect();
        assert_eq!(forecast(&rising, 3), [140, 150, 160].map(Money::from_pounds));
        let flat = vec![Money::from_pence(1_001); 5];
        assert_eq!(forecast(&flat, 2), vec![Money::from_pence(1_001); 2]);
        let falling: Vec<Money> = [300, 200, 100].iter().map(|&p| Money::from_pounds(p)).collect();
        assert_eq!(forecast(&falling, 3), [Money::ZERO, Money::ZERO, Money::ZERO], "never below zero");
        assert_eq!(forecast(&[Money::from_pounds(7)], 2), vec![Money::from_pounds(7); 2], "one point: carry it forward");
        assert_eq!(forecast(&[], 1), vec![Money::ZERO]);
        // Rounding to the penny: 0, 1, 1 pence → slope ½, next (x=3) = 1⅔ → 2.
        assert_eq!(forecast(&[Money::from_pence(0), Money::from_pence(1), Money::from_pence(1)], 1), vec![Money::from_pence(2)]);
    }

    fn day(text: &str) -> Date {
        crate::dates::parse_iso_date(text).unwrap()
    }

    #[test]
    fn block_contracts_count_by_the_day() {
        let c =
            BlockContract { provider_key: "oak day centre".into(), annual_value: Money::from_pounds(36_500), start: day("2026-01-01"), end: day("2026-12-31") };
        assert_eq!(c.value_in_month(day("2026-02-01")), Money::from_pounds(2_800), "28 days at £100");
        assert_eq!(c.value_in_month(day("2027-01-01")), Money::ZERO, "after it ended");
        let part = BlockContract { start: day("2026-03-17"), ..c.clone() };
        assert_eq!(part.value_in_month(day("2026-03-01")), Money::from_pounds(1_500), "17th to 31st: 15 days");
        let odd = BlockContract { annual_value: Money::from_pence(1_000), ..c };
        // 1,000p × 31 / 365 = 84.93p → 85p.
        assert_eq!(odd.value_in_month(day("2026-01-01")), Money::from_pence(85));
    }

    #[test]
    fn a_day_centre_losing_ground_to_personal_budgets() {
        let months: Vec<Date> = ["2026-01-01", "2026-02-01", "2026-03-01", "2026-04-01"].map(day).to_vec();
        let mut spend = BTreeMap::new();
        // Oak: £100 a month from personal budgets in Jan–Feb, £300 in Mar–Apr.
        for (m, pounds) in [("2026-01", 100), ("2026-02", 100), ("2026-03", 300), ("2026-04", 300)] {
            spend.insert(("oak day centre".to_string(), m.to_string()), Money::from_pounds(pounds));
        }
        spend.insert(("".to_string(), "2026-04".to_string()), Money::from_pounds(999)); // personal assistants: no provider
        spend.insert(("bright futures".to_string(), "2026-01".to_string()), Money::from_pounds(50)); // only in the earlier window
                                                                                                     // Oak's block contract: £365 a day, i.e. 31+28 = £21,535 in Jan–Feb and £21,900 in Mar–Apr; it ends 31 March.
        let block = BlockContract {
            provider_key: "oak day centre".into(),
            annual_value: Money::from_pounds(133_225),
            start: day("2025-04-01"),
            end: day("2026-03-31"),
        };
        let out = provider_income(&months, &spend, &[block], 2);
        assert_eq!(out.len(), 2);
        let oak = &out[0];
        assert_eq!(oak.provider_key, "oak day centre");
        assert_eq!((oak.personal_budgets, oak.block_contracts), (Money::from_pounds(600), Money::from_pounds(11_315)), "31 days of March");
        assert_eq!((oak.personal_budget_share, oak.previous_share), (Some(5), Some(0)), "600/11,915 = 5%; 200/21,735 = 0%");
        let bright = &out[1];
        assert_eq!((bright.personal_budgets, bright.personal_budget_share, bright.previous_share), (Money::ZERO, None, Some(100)));
    }
}
