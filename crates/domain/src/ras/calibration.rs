//! Step 2 (continued): calibrating the RAS against real spend, and what-ifs.
//!
//! Given current care packages (each person's answers and what their support actually
//! costs a year), [`fit_prices`] finds the price per point of each band that best predicts
//! the actual costs (least squares, prices kept at or above zero), and [`evaluate`] shows
//! how a rule set would land on that population: predicted against actual per client
//! group, who would be more than 10% over or under, and the total cost of moving everyone
//! to the RAS. [`what_if`] compares a proposed rule set with the current one, person by
//! person, before it is published.
//!
//! Sums are exact integers; only the small normal-equation system is solved in decimals.

// Matrix arithmetic reads most clearly with explicit indices.
#![allow(clippy::needless_range_loop)]

use crate::money::Money;
use crate::person::ClientGroup;
use crate::ras::{group_index, Band, CompiledRules};
use crate::validation::Problems;
use rust_decimal::{Decimal, RoundingStrategy};
use serde::{Deserialize, Serialize};

/// One current care package: a person's answers (option indices, in question order),
/// their client group, and the actual annual cost of their support.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Package {
    pub reference: String,
    pub group: ClientGroup,
    pub answers: Vec<u8>,
    pub actual: Money,
}

/// Fitted prices per band, with how well they fit.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Fit {
    pub bands: Vec<Band>,
    /// Share of the variation in actual cost the banded points explain (0–1), 4 places.
    #[serde(with = "rust_decimal::serde::str")]
    #[cfg_attr(feature = "openapi", schema(value_type = String))]
    pub r_squared: Decimal,
    /// Bands no package reached: their prices were kept as they were.
    pub bands_without_data: Vec<usize>,
}

/// Why a fit could not be made.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CalibrationError {
    #[error("there are no care packages to calibrate against")]
    NoPackages,
    #[error("no package scores any points, so a price per point cannot be fitted")]
    NoPoints,
}

/// Least-squares prices per band for `bands` (their current prices are kept only for
/// bands that no package reaches). Prices come out to the penny and never negative.
pub fn fit_prices(rules: &CompiledRules, bands: &[Band], packages: &[Package]) -> Result<Fit, CalibrationError> {
    if packages.is_empty() {
        return Err(CalibrationError::NoPackages);
    }
    let k = bands.len();
    // X'X and X'y in exact integers: x = ten-thousandths of a point in each band, y = pence.
    let mut xtx = vec![vec![0i128; k]; k];
    let mut xty = vec![0i128; k];
    let mut sum_y: i128 = 0;
    let mut sum_yy: i128 = 0;
    let mut x = vec![0i128; k];
    for package in packages {
        rules.band_units(&package.answers, bands, &mut x);
        let y = i128::from(package.actual.pence());
        sum_y += y;
        sum_yy += y * y;
        for i in 0..k {
            if x[i] == 0 {
                continue;
            }
            xty[i] += x[i] * y;
            for j in i..k {
                xtx[i][j] += x[i] * x[j];
            }
        }
    }
    for i in 0..k {
        for j in 0..i {
            xtx[i][j] = xtx[j][i];
        }
    }
    let without_data: Vec<usize> = (0..k).filter(|i| xtx[*i][*i] == 0).collect();
    if without_data.len() == k {
        return Err(CalibrationError::NoPoints);
    }
    // Scale to points and averages so the decimal solve stays well inside its range.
    let n = Decimal::from(packages.len());
    let unit = Decimal::from(10_000);
    let a: Vec<Vec<Decimal>> = xtx.iter().map(|row| row.iter().map(|v| Decimal::from_i128_with_scale(*v, 0) / unit / unit / n).collect()).collect();
    let b: Vec<Decimal> = xty.iter().map(|v| Decimal::from_i128_with_scale(*v, 0) / unit / n).collect();
    // Active set: solve on the bands in play; drop any whose price comes out negative.
    let mut active: Vec<usize> = (0..k).filter(|i| !without_data.contains(i)).collect();
    let mut prices = vec![Decimal::ZERO; k];
    loop {
        let sub_a: Vec<Vec<Decimal>> = active.iter().map(|i| active.iter().map(|j| a[*i][*j]).collect()).collect();
        let sub_b: Vec<Decimal> = active.iter().map(|i| b[*i]).collect();
        let solution = solve(sub_a, sub_b);
        match solution.iter().enumerate().filter(|(_, v)| v.is_sign_negative()).min_by(|x, y| x.1.cmp(y.1)) {
            Some((worst, _)) => {
                active.remove(worst);
                if active.is_empty() {
                    break;
                }
            }
            None => {
                for (slot, value) in active.iter().zip(solution) {
                    prices[*slot] = value;
                }
                break;
            }
        }
    }
    let fitted: Vec<Band> = bands
        .iter()
        .enumerate()
        .map(|(i, band)| {
            let price = if without_data.contains(&i) {
                band.pounds_per_point
            } else {
                Money::from_decimal_rounded(prices[i] / Decimal::ONE_HUNDRED).expect("prices are in range")
            };
            Band { pounds_per_point: price, ..*band }
        })
        .collect();
    // R² = 1 - SSE / SST, with SSE from the fitted (rounded) prices.
    let mut sse: i128 = 0;
    for package in packages {
        rules.band_units(&package.answers, &fitted, &mut x);
        let predicted: i128 = fitted.iter().zip(&x).map(|(band, units)| units * i128::from(band.pounds_per_point.pence()) / 10_000).sum();
        let e = i128::from(package.actual.pence()) - predicted;
        sse += e * e;
    }
    let count = packages.len() as i128;
    let sst = sum_yy - sum_y * sum_y / count;
    let r_squared = if sst == 0 {
        Decimal::ONE
    } else {
        (Decimal::ONE - Decimal::from_i128_with_scale(sse, 0) / Decimal::from_i128_with_scale(sst, 0))
            .round_dp_with_strategy(4, RoundingStrategy::MidpointAwayFromZero)
    };
    Ok(Fit { bands: fitted, r_squared, bands_without_data: without_data })
}

/// Gaussian elimination with partial pivoting on a small dense system.
fn solve(mut a: Vec<Vec<Decimal>>, mut b: Vec<Decimal>) -> Vec<Decimal> {
    let n = b.len();
    for col in 0..n {
        let pivot = (col..n).max_by(|i, j| a[*i][col].abs().cmp(&a[*j][col].abs())).expect("non-empty");
        a.swap(col, pivot);
        b.swap(col, pivot);
        let p = a[col][col];
        if p.is_zero() {
            continue;
        }
        for row in col + 1..n {
            let factor = a[row][col] / p;
            if factor.is_zero() {
                continue;
            }
            for c in col..n {
                let v = a[col][c];
                a[row][c] -= factor * v;
            }
            let v = b[col];
            b[row] -= factor * v;
        }
    }
    let mut x = vec![Decimal::ZERO; n];
    for row in (0..n).rev() {
        let mut s = b[row];
        for c in row + 1..n {
            s -= a[row][c] * x[c];
        }
        x[row] = if a[row][row].is_zero() { Decimal::ZERO } else { s / a[row][row] };
    }
    x
}

/// How a rule set's predictions compare with actual costs for one group of people.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct GroupFit {
    /// A client group code, or `all`.
    pub group: String,
    pub people: i64,
    pub actual: Money,
    pub predicted: Money,
    /// People whose indicative budget would be more than 10% above their actual cost.
    pub over_by_more_than_10_percent: i64,
    /// People whose indicative budget would be more than 10% below their actual cost.
    pub under_by_more_than_10_percent: i64,
}

/// A rule set applied to a population of care packages.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Evaluation {
    pub all: GroupFit,
    pub by_group: Vec<GroupFit>,
    /// Percentage of people more than 10% over / under, one decimal place.
    #[serde(with = "rust_decimal::serde::str")]
    #[cfg_attr(feature = "openapi", schema(value_type = String))]
    pub percent_over: Decimal,
    #[serde(with = "rust_decimal::serde::str")]
    #[cfg_attr(feature = "openapi", schema(value_type = String))]
    pub percent_under: Decimal,
    /// Predicted minus actual: what moving everyone onto the RAS would cost (negative: save).
    pub cost_of_moving_everyone: Money,
}

#[derive(Default, Clone, Copy)]
struct Tally {
    people: i64,
    actual: i64,
    predicted: i64,
    over: i64,
    under: i64,
}

impl Tally {
    fn add(&mut self, actual: Money, predicted: Money) {
        self.people += 1;
        self.actual += actual.pence();
        self.predicted += predicted.pence();
        // More than 10% apart, compared exactly in pence: 10 × |p − a| > a.
        let gap = predicted.pence() - actual.pence();
        if gap * 10 > actual.pence() {
            self.over += 1;
        } else if -gap * 10 > actual.pence() {
            self.under += 1;
        }
    }

    fn merge(&mut self, other: &Tally) {
        self.people += other.people;
        self.actual += other.actual;
        self.predicted += other.predicted;
        self.over += other.over;
        self.under += other.under;
    }

    fn report(&self, group: &str) -> GroupFit {
        GroupFit {
            group: group.to_string(),
            people: self.people,
            actual: Money::from_pence(self.actual),
            predicted: Money::from_pence(self.predicted),
            over_by_more_than_10_percent: self.over,
            under_by_more_than_10_percent: self.under,
        }
    }
}

fn percent(part: i64, whole: i64) -> Decimal {
    if whole == 0 {
        return Decimal::ZERO;
    }
    let mut p = (Decimal::from(part) * Decimal::ONE_HUNDRED / Decimal::from(whole)).round_dp_with_strategy(1, RoundingStrategy::MidpointAwayFromZero);
    p.rescale(1);
    p
}

/// Applies `rules` to every package and compares with what the support actually costs.
pub fn evaluate(rules: &CompiledRules, packages: &[Package]) -> Evaluation {
    let mut tallies = [Tally::default(); 7];
    for package in packages {
        tallies[group_index(package.group)].add(package.actual, rules.total(&package.answers, package.group));
    }
    let mut all = Tally::default();
    for t in &tallies {
        all.merge(t);
    }
    Evaluation {
        all: all.report("all"),
        by_group: ClientGroup::ALL.iter().zip(&tallies).filter(|(_, t)| t.people > 0).map(|(g, t)| t.report(g.code())).collect(),
        percent_over: percent(all.over, all.people),
        percent_under: percent(all.under, all.people),
        cost_of_moving_everyone: Money::from_pence(all.predicted - all.actual),
    }
}

/// One person's indicative budget under the current and the proposed rules.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Change {
    pub reference: String,
    pub current: Money,
    pub proposed: Money,
    pub change: Money,
}

/// A proposed rule set against the current one, over the same people.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct WhatIf {
    pub current: Evaluation,
    pub proposed: Evaluation,
    pub people_better_off: i64,
    pub people_worse_off: i64,
    pub people_unchanged: i64,
    /// Proposed minus current indicative budgets, summed.
    pub total_change: Money,
    /// The largest changes either way, biggest first (at most 20).
    pub largest_changes: Vec<Change>,
}

pub fn what_if(current: &CompiledRules, proposed: &CompiledRules, packages: &[Package]) -> WhatIf {
    let mut better = 0;
    let mut worse = 0;
    let mut total = 0i64;
    let mut changes: Vec<Change> = Vec::new();
    for p in packages {
        let now = current.total(&p.answers, p.group);
        let then = proposed.total(&p.answers, p.group);
        let change = then - now;
        total += change.pence();
        if change.is_negative() {
            worse += 1;
        } else if !change.is_zero() {
            better += 1;
        }
        // Keep only the 20 largest, without sorting everyone.
        if changes.len() < 20 || change.pence().abs() > changes.last().map(|c| c.change.pence().abs()).unwrap_or(0) {
            changes.push(Change { reference: p.reference.clone(), current: now, proposed: then, change });
            changes.sort_by_key(|c| std::cmp::Reverse(c.change.pence().abs()));
            changes.truncate(20);
        }
    }
    let people = packages.len() as i64;
    WhatIf {
        current: evaluate(current, packages),
        proposed: evaluate(proposed, packages),
        people_better_off: better,
        people_worse_off: worse,
        people_unchanged: people - better - worse,
        total_change: Money::from_pence(total),
        largest_changes: changes,
    }
}

/// Reads care packages from CSV: `reference,client_group,annual_cost` then one column per
/// question id holding the answer id. Every bad line is reported with its line number.
pub fn parse_packages(csv_text: &str, questionnaire: &crate::assessment::Questionnaire) -> Result<Vec<Package>, Problems> {
    let mut p = Problems::new();
    let mut reader = csv::ReaderBuilder::new().trim(csv::Trim::All).from_reader(csv_text.as_bytes());
    let headers = match reader.headers() {
        Ok(h) => h.clone(),
        Err(e) => {
            p.add("line 1", format!("cannot read the header row: {e}"));
            return Err(p);
        }
    };
    for required in ["reference", "client_group", "annual_cost"] {
        if !headers.iter().any(|h| h == required) {
            p.add("line 1", format!("the header row has no '{required}' column"));
        }
    }
    let questions: Vec<_> = questionnaire.questions().map(|(_, q)| q).collect();
    let mut columns = Vec::with_capacity(questions.len());
    for q in &questions {
        match headers.iter().position(|h| h == q.id) {
            Some(i) => columns.push(i),
            None => p.add("line 1", format!("the header row has no column for question '{}'", q.id)),
        }
    }
    if !p.is_empty() {
        return Err(p);
    }
    let col = |name: &str| headers.iter().position(|h| h == name).expect("checked above");
    let (reference_col, group_col, cost_col) = (col("reference"), col("client_group"), col("annual_cost"));
    let mut packages = Vec::new();
    for (i, record) in reader.records().enumerate() {
        let line = format!("line {}", i + 2);
        let record = match record {
            Ok(r) => r,
            Err(e) => {
                p.add(&line, format!("cannot be read: {e}"));
                continue;
            }
        };
        let field = |c: usize| record.get(c).unwrap_or("");
        let group = ClientGroup::parse(&mut p, &format!("{line}: client_group"), field(group_col));
        let actual = p.money(&format!("{line}: annual_cost"), field(cost_col));
        let mut answers = Vec::with_capacity(questions.len());
        for (q, c) in questions.iter().zip(&columns) {
            match q.options.iter().position(|o| o.id == field(*c)) {
                Some(index) => answers.push(index as u8),
                None => p.add(format!("{line}: {}", q.id), format!("'{}' is not an answer to this question", field(*c))),
            }
        }
        if let (Some(group), Some(actual), true) = (group, actual, answers.len() == questions.len()) {
            packages.push(Package { reference: field(reference_col).to_string(), group, answers, actual });
        }
    }
    p.into_result(packages)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::assessment::Questionnaire;
    use proptest::prelude::*;
    use rand::{Rng, SeedableRng};

    /// Packages whose actual cost is `true_prices` applied to their points, give or take `noise` percent.
    fn synthetic(q: &Questionnaire, true_bands: &[Band], n: usize, noise: i64, seed: u64) -> Vec<Package> {
        let rules = CompiledRules::new(q);
        let counts = rules.option_counts();
        let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(seed);
        let mut x = vec![0i128; true_bands.len()];
        (0..n)
            .map(|i| {
                let answers: Vec<u8> = counts.iter().map(|c| rng.gen_range(0..*c) as u8).collect();
                rules.band_units(&answers, true_bands, &mut x);
                let exact: i128 = true_bands.iter().zip(&x).map(|(b, u)| u * i128::from(b.pounds_per_point.pence()) / 10_000).sum();
                let wobble = if noise == 0 { 0 } else { rng.gen_range(-noise..=noise) };
                let actual = exact as i64 * (100 + wobble) / 100;
                Package { reference: format!("P{i}"), group: ClientGroup::ALL[i % 7], answers, actual: Money::from_pence(actual) }
            })
            .collect()
    }

    fn two_bands(first: i64, second: i64) -> Vec<Band> {
        vec![
            Band { from_points: 0, to_points: Some(59), pounds_per_point: Money::from_pounds(first) },
            Band { from_points: 60, to_points: None, pounds_per_point: Money::from_pounds(second) },
        ]
    }

    #[test]
    fn recovers_known_prices_exactly_without_noise() {
        let q = Questionnaire::standard();
        let packages = synthetic(&q, &two_bands(310, 240), 5_000, 0, 7);
        let fit = fit_prices(&CompiledRules::new(&q), &two_bands(1, 1), &packages).unwrap();
        let prices: Vec<_> = fit.bands.iter().map(|b| b.pounds_per_point).collect();
        assert_eq!(prices, [Money::from_pounds(310), Money::from_pounds(240)]);
        assert_eq!(fit.r_squared, Decimal::ONE);
    }

    #[test]
    fn recovers_known_prices_from_noisy_data() {
        let q = Questionnaire::standard();
        let packages = synthetic(&q, &two_bands(310, 240), 50_000, 15, 11);
        let fit = fit_prices(&CompiledRules::new(&q), &two_bands(1, 1), &packages).unwrap();
        for (band, truth) in fit.bands.iter().zip([310, 240]) {
            let error = (band.pounds_per_point - Money::from_pounds(truth)).pence().abs();
            assert!(error < Money::from_pounds(truth).pence() / 50, "fitted {} for a true £{truth}", band.pounds_per_point);
        }
        assert!(fit.r_squared > Decimal::new(85, 2), "R² {}", fit.r_squared);
    }

    #[test]
    fn prices_never_go_negative_and_empty_bands_keep_their_price() {
        let q = Questionnaire::standard();
        // Costs that fall as points rise beyond 60 would fit a negative second price.
        let mut packages = synthetic(&q, &two_bands(300, 0), 2_000, 0, 3);
        let rules = CompiledRules::new(&q);
        for p in &mut packages {
            if rules.points(&p.answers) > 60 {
                p.actual = Money::from_pounds(1_000);
            }
        }
        let fit = fit_prices(&rules, &two_bands(1, 1), &packages).unwrap();
        assert!(fit.bands.iter().all(|b| !b.pounds_per_point.is_negative()));
        let three = vec![
            Band { from_points: 0, to_points: Some(59), pounds_per_point: Money::from_pounds(1) },
            Band { from_points: 60, to_points: Some(999), pounds_per_point: Money::from_pounds(1) },
            Band { from_points: 1000, to_points: None, pounds_per_point: Money::from_pounds(77) },
        ];
        let fit = fit_prices(&rules, &three, &synthetic(&q, &two_bands(300, 250), 2_000, 0, 5)).unwrap();
        assert_eq!(fit.bands_without_data, vec![2]);
        assert_eq!(fit.bands[2].pounds_per_point, Money::from_pounds(77));
        assert_eq!(fit_prices(&rules, &three, &[]), Err(CalibrationError::NoPackages));
    }

    #[test]
    fn evaluation_counts_by_hand() {
        let q = Questionnaire::standard();
        let rules = CompiledRules::new(&q);
        let mut none = vec![0u8; 9];
        none[7] = 1; // carer managing well: 0 points in all → the floor, £1,200 (older person)
        let pkg =
            |r: &str, actual: i64| Package { reference: r.into(), group: ClientGroup::OlderPerson, answers: none.clone(), actual: Money::from_pounds(actual) };
        // £1,200 predicted against: 1,000 (20% over), 1,200 (exact), 1,400 (14% under), 1,300 (7.7% under).
        let e = evaluate(&rules, &[pkg("a", 1_000), pkg("b", 1_200), pkg("c", 1_400), pkg("d", 1_300)]);
        assert_eq!(e.all.people, 4);
        assert_eq!(e.all.predicted, Money::from_pounds(4_800));
        assert_eq!(e.all.actual, Money::from_pounds(4_900));
        assert_eq!((e.all.over_by_more_than_10_percent, e.all.under_by_more_than_10_percent), (1, 1));
        assert_eq!(e.percent_over.to_string(), "25.0");
        assert_eq!(e.cost_of_moving_everyone, Money::from_pounds(-100));
        assert_eq!(e.by_group.len(), 1);
        assert_eq!(e.by_group[0].group, "older_person");
    }

    #[test]
    fn what_if_compares_person_by_person() {
        let q = Questionnaire::standard();
        let current = CompiledRules::new(&q);
        let proposed = CompiledRules::with_rules(&q, &q.allocation.uprated(Decimal::from(10)).unwrap());
        let packages = synthetic(&q, &two_bands(300, 270), 500, 5, 1);
        let w = what_if(&current, &proposed, &packages);
        assert_eq!(w.people_better_off + w.people_worse_off + w.people_unchanged, 500);
        assert_eq!(w.people_worse_off, 0);
        assert_eq!(w.total_change, w.proposed.all.predicted - w.current.all.predicted);
        assert_eq!(w.largest_changes.len(), 20);
        assert!(w.largest_changes.windows(2).all(|p| p[0].change.pence().abs() >= p[1].change.pence().abs()));
    }

    #[test]
    fn csv_errors_name_their_lines() {
        let q = Questionnaire::standard();
        let ids: Vec<String> = q.questions().map(|(_, qu)| qu.id.clone()).collect();
        let header = format!("reference,client_group,annual_cost,{}", ids.join(","));
        let good = "none,none,none,none,none,none,none,fine,rarely";
        let text = format!("{header}\nA1,older_person,12000.00,{good}\nA2,alien,12x,{good}\nA3,carer,500,{}\n", good.replace("rarely", "never"));
        let err = parse_packages(&text, &q).unwrap_err();
        let fields: Vec<_> = err.as_slice().iter().map(|e| e.field.as_str()).collect();
        assert_eq!(fields, ["line 3: client_group", "line 3: annual_cost", "line 4: risk_to_self"]);
        let ok = parse_packages(&format!("{header}\nA1,older_person,12000.00,{good}\n"), &q).unwrap();
        assert_eq!(ok[0].actual, Money::from_pounds(12_000));
        assert!(parse_packages("reference,annual_cost\n", &q).unwrap_err().to_string().contains("no 'client_group' column"));
    }

    proptest! {
        #[test]
        fn fitting_exact_data_recovers_any_single_price(price in 50i64..1_000) {
            let q = Questionnaire::standard();
            let one = vec![Band { from_points: 0, to_points: None, pounds_per_point: Money::from_pounds(price) }];
            let packages = synthetic(&q, &one, 300, 0, price as u64);
            let fit = fit_prices(&CompiledRules::new(&q), &[Band { pounds_per_point: Money::ZERO, ..one[0] }], &packages).unwrap();
            prop_assert_eq!(fit.bands[0].pounds_per_point, Money::from_pounds(price));
        }
    }
}
