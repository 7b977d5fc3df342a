//! Step 7: market intelligence from real spending. Which kinds of support are losing or
//! gaining demand, an early warning for those falling fast, and a 12-month forecast from
//! the trend. Pure functions over monthly spending per category.

use crate::money::Money;
use serde::Serialize;
use std::collections::BTreeMap;

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
}
