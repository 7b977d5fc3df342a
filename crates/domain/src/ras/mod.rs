//! Step 2: the Resource Allocation System — points to an indicative annual budget,
//! with an explanation a person can read, whose money items add up to the total to the penny.
//!
//! The arithmetic, in order:
//! 1. points from the answers; informal support may reduce the points counted by a percentage;
//! 2. each counted point is priced at the rate of the band it falls in (marginal bands);
//! 3. uplifts for answers whose cost points do not capture (a fixed sum or a percentage);
//! 4. the result is kept between the floor and ceiling for the person's client group.
//!
//! All in integer pence. [`CompiledRules`] does the same sums without building the
//! explanation, for whole-population work; a property test keeps the two equal.

pub mod calibration;

use crate::assessment::{located, Lines, Questionnaire, Scores};
use crate::money::Money;
use crate::person::ClientGroup;
use crate::validation::Problems;
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};
use std::collections::{BTreeMap, HashMap};
use toml::Spanned;

/// Counted points are kept in ten-thousandths so a percentage reduction is exact.
const UNITS_PER_POINT: i128 = 10_000;

/// A range of points and the price of each point within it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Band {
    pub from_points: i64,
    /// Inclusive; `None` for the last, open-ended band.
    pub to_points: Option<i64>,
    pub pounds_per_point: Money,
}

/// The least and most an indicative budget may be.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Limits {
    pub floor: Money,
    pub ceiling: Money,
}

/// How much an uplift adds.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub enum UpliftAmount {
    /// A fixed annual sum.
    Fixed(Money),
    /// A percentage of the banded amount.
    #[cfg_attr(feature = "openapi", schema(value_type = String))]
    Percent(#[serde(with = "rust_decimal::serde::str")] Decimal),
}

/// Extra money when a question is answered a particular way (waking nights, two carers).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Uplift {
    pub id: String,
    pub label: String,
    pub question: String,
    pub answers: Vec<String>,
    pub amount: UpliftAmount,
}

/// How points become money.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct AllocationRules {
    pub bands: Vec<Band>,
    /// Limits for every client group without limits of its own.
    pub limits: Limits,
    #[serde(default)]
    pub group_limits: BTreeMap<ClientGroup, Limits>,
    #[serde(default)]
    pub uplifts: Vec<Uplift>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct AllocationRulesFile {
    floor: Spanned<String>,
    ceiling: Spanned<String>,
    bands: Spanned<Vec<BandFile>>,
    #[serde(default)]
    limits: BTreeMap<String, LimitsFile>,
    #[serde(default)]
    uplifts: Vec<UpliftFile>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct BandFile {
    from_points: Spanned<i64>,
    #[serde(default)]
    to_points: Option<Spanned<i64>>,
    pounds_per_point: Spanned<String>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct LimitsFile {
    floor: Spanned<String>,
    ceiling: Spanned<String>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct UpliftFile {
    id: Spanned<String>,
    label: String,
    question: Spanned<String>,
    answers: Vec<String>,
    #[serde(default)]
    amount: Option<Spanned<String>>,
    #[serde(default)]
    percent: Option<Spanned<String>>,
}

fn money_at(p: &mut Problems, lines: &Lines<'_>, field: &str, value: &Spanned<String>) -> Option<Money> {
    let field = located(field, lines.at(value));
    let amount = p.money(&field, value.get_ref())?;
    if !within_rule_range(amount) {
        p.add(field, format!("is more than {MOST_A_RULE_MAY_HOLD}, the most an amount in the rules may be"));
        return None;
    }
    Some(amount)
}

fn percent_at(p: &mut Problems, lines: &Lines<'_>, field: &str, value: &Spanned<String>) -> Option<Decimal> {
    match value.get_ref().trim().parse::<Decimal>() {
        Ok(v) if v >= Decimal::ZERO && v <= Decimal::from(1000) && v.scale() <= 2 => Some(v),
        _ => {
            p.add(located(field, lines.at(value)), format!("'{}' is not a percentage from 0 to 1000 (at most two decimal places)", value.get_ref()));
            None
        }
    }
}

impl AllocationRulesFile {
    /// Checks the rules against the questionnaire's questions and answers.
    pub(crate) fn validate(self, lines: &Lines<'_>, answers_by_question: &HashMap<String, Vec<String>>) -> Result<AllocationRules, Problems> {
        let mut p = Problems::new();
        let limits = limits_spanned(&mut p, lines, "allocation.", &self.floor, &self.ceiling);
        let mut group_limits = BTreeMap::new();
        for (group, l) in &self.limits {
            let at = format!("allocation.limits.{group}.");
            match ClientGroup::from_code(group) {
                None => {
                    let codes: Vec<&str> = ClientGroup::ALL.iter().map(|g| g.code()).collect();
                    p.add(
                        located(format!("allocation.limits.{group}"), lines.at(&l.floor)),
                        format!("'{group}' is not a client group; use one of: {}", codes.join(", ")),
                    );
                }
                Some(g) => {
                    if let Some(limits) = limits_spanned(&mut p, lines, &at, &l.floor, &l.ceiling) {
                        group_limits.insert(g, limits);
                    }
                }
            }
        }
        let mut bands = Vec::new();
        if self.bands.get_ref().is_empty() {
            p.add(located("allocation.bands", lines.at(&self.bands)), "at least one band is required");
        }
        let band_count = self.bands.get_ref().len();
        for (i, band) in self.bands.get_ref().iter().enumerate() {
            let at = format!("allocation.bands[{i}]");
            let from = *band.from_points.get_ref();
            let to = band.to_points.as_ref().map(|t| *t.get_ref());
            if i == 0 && from != 0 {
                p.add(located(format!("{at}.from_points"), lines.at(&band.from_points)), format!("the first band must start at 0 points, not {from}"));
            }
            if let (Some(to), Some(span)) = (to, band.to_points.as_ref()) {
                if to < from {
                    p.add(located(format!("{at}.to_points"), lines.at(span)), format!("{to} is below from_points {from}"));
                }
            } else if i + 1 < band_count {
                p.add(located(format!("{at}.to_points"), lines.at(&band.from_points)), "only the last band may be open-ended; give to_points");
            }
            if i + 1 == band_count && to.is_some() {
                p.add(
                    located(format!("{at}.to_points"), lines.at(band.to_points.as_ref().expect("is some"))),
                    "the last band must be open-ended (leave out to_points), so that no score falls outside every band",
                );
            }
            if let Some(next) = self.bands.get_ref().get(i + 1) {
                let next_from = *next.from_points.get_ref();
                if let Some(to) = to {
                    if next_from <= to {
                        p.add(
                            located(format!("allocation.bands[{}].from_points", i + 1), lines.at(&next.from_points)),
                            format!("bands overlap: {next_from} is inside the band before, which ends at {to}"),
                        );
                    } else if next_from > to + 1 {
                        p.add(
                            located(format!("allocation.bands[{}].from_points", i + 1), lines.at(&next.from_points)),
                            format!("bands leave a gap: points {} to {} are in no band", to + 1, next_from - 1),
                        );
                    }
                }
            }
            if let Some(price) = money_at(&mut p, lines, &format!("{at}.pounds_per_point"), &band.pounds_per_point) {
                bands.push(Band { from_points: from, to_points: to, pounds_per_point: price });
            }
        }
        let mut uplifts = Vec::new();
        let mut uplift_ids = std::collections::HashSet::new();
        for (i, u) in self.uplifts.iter().enumerate() {
            let at = format!("allocation.uplifts[{i}]");
            if !uplift_ids.insert(u.id.get_ref().clone()) {
                p.add(located(format!("{at}.id"), lines.at(&u.id)), format!("uplift id '{}' is used twice", u.id.get_ref()));
            }
            match answers_by_question.get(u.question.get_ref()) {
                None => p.add(
                    located(format!("{at}.question"), lines.at(&u.question)),
                    format!("'{}' is not a question in this questionnaire", u.question.get_ref()),
                ),
                Some(known) => {
                    for a in &u.answers {
                        if !known.contains(a) {
                            p.add(
                                located(format!("{at}.answers"), lines.at(&u.question)),
                                format!("'{a}' is not an answer to question '{}'", u.question.get_ref()),
                            );
                        }
                    }
                }
            }
            if u.answers.is_empty() {
                p.add(located(format!("{at}.answers"), lines.at(&u.question)), "name at least one answer that brings the uplift");
            }
            let amount = match (&u.amount, &u.percent) {
                (Some(a), None) => money_at(&mut p, lines, &format!("{at}.amount"), a).map(UpliftAmount::Fixed),
                (None, Some(pc)) => percent_at(&mut p, lines, &format!("{at}.percent"), pc).map(UpliftAmount::Percent),
                _ => {
                    p.add(located(at.clone(), lines.at(&u.id)), "give either amount (pounds a year) or percent, not both or neither");
                    None
                }
            };
            if let Some(amount) = amount {
                uplifts.push(Uplift {
                    id: u.id.get_ref().clone(),
                    label: u.label.clone(),
                    question: u.question.get_ref().clone(),
                    answers: u.answers.clone(),
                    amount,
                });
            }
        }
        if !p.is_empty() {
            return Err(p);
        }
        Ok(AllocationRules { bands, limits: limits.expect("checked"), group_limits, uplifts })
    }
}

fn limits_spanned(p: &mut Problems, lines: &Lines<'_>, at: &str, floor: &Spanned<String>, ceiling: &Spanned<String>) -> Option<Limits> {
    let f = money_at(p, lines, &format!("{at}floor"), floor);
    let c = money_at(p, lines, &format!("{at}ceiling"), ceiling);
    match (f, c) {
        (Some(f), Some(c)) if f > c => {
            p.add(located(format!("{at}floor"), lines.at(floor)), format!("{f} is above the ceiling {c}"));
            None
        }
        (Some(floor), Some(ceiling)) => Some(Limits { floor, ceiling }),
        _ => None,
    }
}

impl AllocationRules {
    pub fn limits_for(&self, group: ClientGroup) -> Limits {
        self.group_limits.get(&group).copied().unwrap_or(self.limits)
    }

    /// The same rules with every amount of money raised by `percent` (annual uprating),
    /// each rounded to the penny. `None` when an amount would pass
    /// [`MOST_A_RULE_MAY_HOLD`] (or fall below zero): repeated uprating cannot overflow.
    pub fn uprated(&self, percent: Decimal) -> Option<AllocationRules> {
        let factor = Decimal::ONE.checked_add(percent.checked_div(Decimal::ONE_HUNDRED)?)?;
        let up = |m: Money| Money::from_decimal_rounded(m.to_decimal().checked_mul(factor)?).filter(|m| within_rule_range(*m));
        let up_limits = |l: Limits| Some(Limits { floor: up(l.floor)?, ceiling: up(l.ceiling)? });
        let bands = self.bands.iter().map(|b| Some(Band { pounds_per_point: up(b.pounds_per_point)?, ..*b })).collect::<Option<_>>()?;
        let group_limits = self.group_limits.iter().map(|(g, l)| Some((*g, up_limits(*l)?))).collect::<Option<_>>()?;
        let uplifts = self
            .uplifts
            .iter()
            .map(|u| {
                let amount = match u.amount {
                    UpliftAmount::Fixed(m) => UpliftAmount::Fixed(up(m)?),
                    pc @ UpliftAmount::Percent(_) => pc,
                };
                Some(Uplift { amount, ..u.clone() })
            })
            .collect::<Option<_>>()?;
        Some(AllocationRules { bands, limits: up_limits(self.limits)?, group_limits, uplifts })
    }
}

/// The most any one amount in the allocation rules may be (a rate per point, a limit, an
/// uplift): far above any real budget, and low enough that no sum of them overflows.
pub const MOST_A_RULE_MAY_HOLD: Money = Money::from_pounds(10_000_000);

fn within_rule_range(m: Money) -> bool {
    !m.is_negative() && m <= MOST_A_RULE_MAY_HOLD
}

/// A percentage with at most two decimal places as basis points (15.5% → 1550).
fn basis_points(percent: Decimal) -> i128 {
    (percent * Decimal::ONE_HUNDRED).trunc().try_into().expect("validated percentages are small")
}

/// Divides, rounding halves away from zero.
fn div_round(numerator: i128, denominator: i128) -> i128 {
    let half = denominator / 2;
    if numerator >= 0 {
        (numerator + half) / denominator
    } else {
        (numerator - half) / denominator
    }
}

/// Points counted after an informal-support reduction, in [`UNITS_PER_POINT`]ths.
fn counted_units(total_points: i64, reduction_bp: i128) -> i128 {
    i128::from(total_points) * (10_000 - reduction_bp)
}

/// The units of `counted` that fall in `band`, and the pence they come to (rounded per band,
/// so that the explanation's band lines add up to the base exactly).
fn band_share(band: &Band, counted: i128) -> (i128, i128) {
    let from = i128::from(band.from_points) * UNITS_PER_POINT;
    let end = band.to_points.map(|t| i128::from(t + 1) * UNITS_PER_POINT).unwrap_or(i128::MAX);
    let units = (counted.min(end) - from).max(0);
    (units, div_round(units * i128::from(band.pounds_per_point.pence()), UNITS_PER_POINT))
}

fn uplift_pence(amount: UpliftAmount, base_pence: i128) -> i128 {
    match amount {
        UpliftAmount::Fixed(m) => i128::from(m.pence()),
        UpliftAmount::Percent(pc) => div_round(base_pence * basis_points(pc), 10_000),
    }
}

fn clamp(subtotal: i128, limits: Limits) -> i128 {
    subtotal.max(i128::from(limits.floor.pence())).min(i128::from(limits.ceiling.pence()))
}

fn pence(value: i128) -> Money {
    Money::from_pence(i64::try_from(value).expect("allocations are far below £92 quadrillion"))
}

/// Points as people read them: `104`, or `103.5` when a reduction leaves a fraction.
fn points_text(units: i128) -> String {
    (Decimal::from_i128_with_scale(units, 4)).normalize().to_string()
}

/// One line of the money explanation.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ExplanationItem {
    /// Short heading: the band, the uplift or the adjustment.
    pub label: String,
    /// The money this item adds (negative when it takes away).
    pub amount: Money,
    /// The plain-English sentence shown to the person.
    pub text: String,
}

/// The points one domain scored, with the answers behind them, in words.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct DomainPoints {
    pub label: String,
    pub points: i64,
    pub text: String,
}

/// An indicative budget and how it was worked out.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Allocation {
    pub total_points: i64,
    /// Points counted after any reduction for informal support.
    #[serde(with = "rust_decimal::serde::str")]
    #[cfg_attr(feature = "openapi", schema(value_type = String, example = "104"))]
    pub counted_points: Decimal,
    /// Points per domain, with the answers behind them.
    pub domains: Vec<DomainPoints>,
    /// Money items in order; their amounts add up to `total` exactly.
    pub items: Vec<ExplanationItem>,
    /// The indicative annual budget.
    pub total: Money,
    /// A one-paragraph summary for the top of the page.
    pub summary: String,
}

/// Works out the indicative budget for a scored assessment, with its explanation.
pub fn allocate(rules: &AllocationRules, scores: &Scores, group: ClientGroup) -> Allocation {
    let domains = scores
        .domains
        .iter()
        .map(|d| {
            let reasons: Vec<String> = d.answers.iter().filter(|a| a.points > 0).map(|a| format!("\u{201c}{}\u{201d}", a.answer)).collect();
            let text = if d.points == 0 {
                format!("{}: you told us you do not need paid support here, so this scores no points.", d.domain)
            } else {
                format!("{}: you told us {}. That scores {} points.", d.domain, reasons.join(" and "), d.points)
            };
            DomainPoints { label: d.domain.clone(), points: d.points, text }
        })
        .collect();
    let total_points = scores.total_points();
    let reduction_bp = basis_points(scores.reduction_percent);
    let counted = counted_units(total_points, reduction_bp);
    let mut items = Vec::new();
    let mut base: i128 = 0;
    for (i, band) in rules.bands.iter().enumerate() {
        let (units, amount) = band_share(band, counted);
        if units == 0 {
            continue;
        }
        base += amount;
        let which = if i == 0 { "The first".to_string() } else { "The next".to_string() };
        let range = match band.to_points {
            Some(to) => format!("points {} to {}", band.from_points, to),
            None => format!("points above {}", band.from_points.saturating_sub(1).max(0)),
        };
        let label = if rules.bands.len() == 1 { "Your points".to_string() } else { format!("Band {}: {range}", i + 1) };
        items.push(ExplanationItem {
            label,
            amount: pence(amount),
            text: format!("{which} {} points are worth {} each a year, which comes to {}.", points_text(units), band.pounds_per_point, pence(amount)),
        });
    }
    let mut subtotal = base;
    for uplift in &rules.uplifts {
        if scores.answered(&uplift.question, &uplift.answers) {
            let amount = uplift_pence(uplift.amount, base);
            subtotal += amount;
            let how = match uplift.amount {
                UpliftAmount::Fixed(m) => format!("adds {m} a year"),
                UpliftAmount::Percent(pc) => format!("adds {}% of the amount for your points, {}", pc.normalize(), pence(amount)),
            };
            items.push(ExplanationItem {
                label: uplift.label.clone(),
                amount: pence(amount),
                text: format!("{}: because of your answer here, the calculation {how}, for costs points do not capture.", uplift.label),
            });
        }
    }
    let limits = rules.limits_for(group);
    let total = clamp(subtotal, limits);
    if total > subtotal {
        items.push(ExplanationItem {
            label: "Minimum budget".into(),
            amount: pence(total - subtotal),
            text: format!(
                "This comes to {}, which is below the minimum budget of {}, so we have raised it by {} to the minimum.",
                pence(subtotal),
                limits.floor,
                pence(total - subtotal)
            ),
        });
    } else if total < subtotal {
        items.push(ExplanationItem {
            label: "Maximum indicative budget".into(),
            amount: pence(total - subtotal),
            text: format!(
                "This comes to {}, which is above the most this calculation gives ({}). We have set it at that amount; your social worker will look at your support plan with you to make sure your needs are met in full.",
                pence(subtotal),
                limits.ceiling
            ),
        });
    }
    let total = pence(total);
    let counted_text = points_text(counted);
    let points_sentence = match &scores.reduction_reason {
        Some(why) if reduction_bp > 0 => format!(
            "Your answers scored {total_points} points. Because you told us \u{201c}{why}\u{201d}, {}% fewer points are counted: {counted_text} points.",
            scores.reduction_percent.normalize()
        ),
        _ => format!("Your answers scored {total_points} points."),
    };
    let summary = format!(
        "{points_sentence} Your indicative personal budget is {total} a year ({} a week). This is a starting figure to plan with: your final budget comes from the support plan we agree with you.",
        weekly(total)
    );
    Allocation { total_points, counted_points: Decimal::from_i128_with_scale(counted, 4).normalize(), domains, items, total, summary }
}

/// An annual amount as a weekly figure (52 weeks), to the nearest penny, for people.
pub fn weekly(annual: Money) -> Money {
    Money::from_decimal_rounded(annual.to_decimal() / Decimal::from(52)).expect("in range")
}

/// A questionnaire's rules prepared for whole-population work: answers are option
/// indices, and only the total is computed.
#[derive(Debug, Clone)]
pub struct CompiledRules {
    /// Per question, per option: (points, reduction in basis points).
    options: Vec<Vec<(i64, i128)>>,
    question_ids: Vec<String>,
    bands: Vec<Band>,
    uplifts: Vec<(usize, u64, UpliftAmount)>,
    limits: Vec<Limits>,
}

impl CompiledRules {
    pub fn new(q: &Questionnaire) -> CompiledRules {
        Self::with_rules(q, &q.allocation)
    }

    /// The questions of `q` priced by other `rules` (a what-if, or an uprated version).
    pub fn with_rules(q: &Questionnaire, rules: &AllocationRules) -> CompiledRules {
        let questions: Vec<_> = q.questions().map(|(_, question)| question).collect();
        let options =
            questions.iter().map(|qu| qu.options.iter().map(|o| (o.points, o.reduces_points_percent.map(basis_points).unwrap_or(0))).collect()).collect();
        let uplifts = rules
            .uplifts
            .iter()
            .filter_map(|u| {
                let qi = questions.iter().position(|qu| qu.id == u.question)?;
                let mask = questions[qi].options.iter().enumerate().filter(|(_, o)| u.answers.contains(&o.id)).fold(0u64, |m, (i, _)| m | (1 << i));
                Some((qi, mask, u.amount))
            })
            .collect();
        CompiledRules {
            options,
            question_ids: questions.iter().map(|qu| qu.id.clone()).collect(),
            bands: rules.bands.clone(),
            uplifts,
            limits: ClientGroup::ALL.iter().map(|g| rules.limits_for(*g)).collect(),
        }
    }

    pub fn question_ids(&self) -> &[String] {
        &self.question_ids
    }

    /// Number of answers each question has, in question order.
    pub fn option_counts(&self) -> Vec<usize> {
        self.options.iter().map(Vec::len).collect()
    }

    /// Total points for answers given as option indices, one per question in order.
    pub fn points(&self, answers: &[u8]) -> i64 {
        self.options.iter().zip(answers).map(|(opts, a)| opts[*a as usize].0).sum()
    }

    /// Counted points (ten-thousandths) after the largest informal-support reduction.
    fn counted(&self, answers: &[u8]) -> i128 {
        let mut points = 0;
        let mut reduction = 0;
        for (opts, a) in self.options.iter().zip(answers) {
            let (p, r) = opts[*a as usize];
            points += p;
            reduction = reduction.max(r);
        }
        counted_units(points, reduction)
    }

    /// Splits the counted points of `answers` across `bands` (ten-thousandths of a point).
    pub fn band_units(&self, answers: &[u8], bands: &[Band], out: &mut [i128]) {
        let counted = self.counted(answers);
        for (slot, band) in out.iter_mut().zip(bands) {
            *slot = band_share(band, counted).0;
        }
    }

    /// The banded amount before uplifts and limits, in pence.
    pub fn base(&self, answers: &[u8]) -> i128 {
        let counted = self.counted(answers);
        self.bands.iter().map(|b| band_share(b, counted).1).sum()
    }

    /// The indicative budget for answers given as option indices, one per question in order.
    pub fn total(&self, answers: &[u8], group: ClientGroup) -> Money {
        let base = self.base(answers);
        let mut subtotal = base;
        for (qi, mask, amount) in &self.uplifts {
            if mask & (1 << answers[*qi]) != 0 {
                subtotal += uplift_pence(*amount, base);
            }
        }
        pence(clamp(subtotal, self.limits[group_index(group)]))
    }

    /// Option indices for answers given by id, or `None` if any is missing or unknown.
    pub fn indices(&self, q: &Questionnaire, answers: &BTreeMap<String, String>) -> Option<Vec<u8>> {
        q.questions().map(|(_, question)| answers.get(&question.id).and_then(|a| question.options.iter().position(|o| &o.id == a)).map(|i| i as u8)).collect()
    }
}

pub fn group_index(group: ClientGroup) -> usize {
    ClientGroup::ALL.iter().position(|g| *g == group).expect("every group is listed")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::assessment::{highest_answers, Questionnaire};
    use proptest::prelude::*;

    fn standard() -> Questionnaire {
        Questionnaire::standard()
    }

    fn answers_from(q: &Questionnaire, picks: &[u8]) -> BTreeMap<String, String> {
        q.questions().zip(picks).map(|((_, qu), i)| (qu.id.clone(), qu.options[*i as usize % qu.options.len()].id.clone())).collect()
    }

    #[test]
    fn bands_are_marginal_and_explained() {
        let q = standard();
        let answers = answers_from(&q, &[2, 2, 2, 2, 2, 2, 2, 2, 2]);
        let scores = q.score(&answers).unwrap();
        // 24+30+16+14+12+12+10+8+14 = 140 points: 60 at £300 and 80 at £270, plus waking nights.
        assert_eq!(scores.total_points(), 140);
        let a = allocate(&q.allocation, &scores, ClientGroup::PhysicalDisability);
        assert_eq!(a.items[0].amount, Money::from_pounds(18_000));
        assert_eq!(a.items[1].amount, Money::from_pounds(80 * 270));
        assert_eq!(a.items[2].label, "Waking nights");
        assert_eq!(a.items.len(), 3);
        assert_eq!(a.total, Money::from_pounds(18_000 + 21_600 + 9_500));
        assert!(a.items[1].text.contains("The next 80 points are worth £270.00 each"), "{}", a.items[1].text);
        assert_eq!(a.domains.len(), q.domains.len());
    }

    #[test]
    fn informal_support_reduction_is_explained() {
        let q = standard();
        let mut answers = highest_answers(&q);
        answers.insert("carer_sustainability".into(), "fine".into());
        answers.insert("nights".into(), "none".into());
        answers.insert("moving_around".into(), "none".into());
        let scores = q.score(&answers).unwrap();
        let a = allocate(&q.allocation, &scores, ClientGroup::OlderPerson);
        // 192 - 16 - 30 - 26 = 120 points, 20% fewer counted = 96.
        assert_eq!(a.counted_points, Decimal::from(96));
        assert_eq!(a.total, Money::from_pounds(60 * 300 + 36 * 270));
        assert!(a.summary.contains("20% fewer points are counted: 96 points"), "{}", a.summary);
    }

    #[test]
    fn group_limits_apply() {
        let q = standard();
        let scores = q.score(&highest_answers(&q)).unwrap();
        assert_eq!(allocate(&q.allocation, &scores, ClientGroup::OlderPerson).total, Money::from_pounds(55_000));
        // 192 points: £18,000 + 132 × £270 = £53,640; waking nights £9,500; two carers 15% = £8,046.
        let ld = allocate(&q.allocation, &scores, ClientGroup::LearningDisability);
        assert_eq!(ld.total, Money::from_pounds(53_640 + 9_500 + 8_046));
        let low = q.score(&answers_from(&q, &[0, 0, 0, 0, 0, 0, 0, 1, 0])).unwrap();
        assert_eq!(allocate(&q.allocation, &low, ClientGroup::Carer).total, Money::from_pounds(250));
        assert_eq!(allocate(&q.allocation, &low, ClientGroup::OlderPerson).total, Money::from_pounds(1_200));
    }

    #[test]
    fn repeated_uprating_stops_at_the_most_a_rule_may_hold_and_never_overflows() {
        let mut rules = standard().allocation;
        let mut times = 0;
        while let Some(next) = rules.uprated(Decimal::from(50)) {
            rules = next;
            times += 1;
            assert!(times < 100, "uprating never stopped");
        }
        // £56,925-ish ceilings reach £10,000,000 after a dozen or so 50% rises, not 100.
        assert!((10..30).contains(&times), "{times}");
        assert!(rules.limits.ceiling <= MOST_A_RULE_MAY_HOLD);
        // A fall is bounded the same way: nothing goes below zero.
        assert!(standard().allocation.uprated(Decimal::from(-100)).is_some_and(|r| r.limits.ceiling.is_zero()));
        assert!(standard().allocation.uprated(Decimal::from(-101)).is_none());
        assert!(standard().allocation.uprated(Decimal::MAX).is_none());
    }

    #[test]
    fn uprating_raises_every_amount() {
        let rules = standard().allocation.uprated(Decimal::new(35, 1)).unwrap();
        assert_eq!(rules.bands[0].pounds_per_point, Money::from_pounds(300 * 1035 / 1000) + Money::from_pence(50));
        assert_eq!(rules.limits.ceiling, Money::from_pounds(56_925));
        assert_eq!(rules.uplifts[0].amount, UpliftAmount::Fixed(Money::from_pounds(9_832) + Money::from_pence(50)));
    }

    fn rules_with_bands(bands: &str) -> Result<Questionnaire, crate::assessment::QuestionnaireError> {
        let start = crate::assessment::STANDARD_QUESTIONNAIRE_TOML.find("[[allocation.bands]]").unwrap();
        let end = crate::assessment::STANDARD_QUESTIONNAIRE_TOML.find("[allocation.limits.learning_disability]").unwrap();
        let text = format!("{}{bands}\n{}", &crate::assessment::STANDARD_QUESTIONNAIRE_TOML[..start], &crate::assessment::STANDARD_QUESTIONNAIRE_TOML[end..]);
        Questionnaire::from_toml("bands.toml", &text)
    }

    #[test]
    fn overlapping_gapped_and_closed_bands_are_refused() {
        let overlap = rules_with_bands("[[allocation.bands]]\nfrom_points = 0\nto_points = 50\npounds_per_point = \"300\"\n[[allocation.bands]]\nfrom_points = 40\npounds_per_point = \"250\"\n").unwrap_err();
        assert!(overlap.to_string().contains("bands overlap: 40 is inside the band before"), "{overlap}");
        let gap = rules_with_bands("[[allocation.bands]]\nfrom_points = 0\nto_points = 50\npounds_per_point = \"300\"\n[[allocation.bands]]\nfrom_points = 60\npounds_per_point = \"250\"\n").unwrap_err();
        assert!(gap.to_string().contains("points 51 to 59 are in no band"), "{gap}");
        let closed = rules_with_bands("[[allocation.bands]]\nfrom_points = 0\nto_points = 50\npounds_per_point = \"300\"\n").unwrap_err();
        assert!(closed.to_string().contains("the last band must be open-ended"), "{closed}");
        let late = rules_with_bands("[[allocation.bands]]\nfrom_points = 5\npounds_per_point = \"-3\"\n").unwrap_err();
        assert!(late.to_string().contains("must start at 0") && late.to_string().contains("must not be negative"), "{late}");
        assert!(late.problems.as_slice().iter().any(|e| e.field.starts_with("allocation.bands[0].from_points (line ")), "{late}");
    }

    #[test]
    fn bad_uplifts_and_limits_are_refused() {
        let text = crate::assessment::STANDARD_QUESTIONNAIRE_TOML
            .replace("question = \"nights\"", "question = \"nightz\"")
            .replace("percent = \"15\"", "percent = \"15\"\namount = \"10\"")
            .replace("[allocation.limits.carer]", "[allocation.limits.carers]");
        let err = Questionnaire::from_toml("x.toml", &text).unwrap_err().to_string();
        assert!(err.contains("'nightz' is not a question"), "{err}");
        assert!(err.contains("give either amount"), "{err}");
        assert!(err.contains("'carers' is not a client group"), "{err}");
    }

    fn arb_answers() -> impl Strategy<Value = Vec<u8>> {
        proptest::collection::vec(0u8..4, 9)
    }

    fn clamp_to_options(q: &Questionnaire, picks: &[u8]) -> Vec<u8> {
        q.questions().zip(picks).map(|((_, qu), p)| p % qu.options.len() as u8).collect()
    }

    proptest! {
        #[test]
        fn items_sum_to_the_total_within_limits(picks in arb_answers(), g in 0usize..7) {
            let q = standard();
            let group = ClientGroup::ALL[g];
            let a = allocate(&q.allocation, &q.score(&answers_from(&q, &picks)).unwrap(), group);
            let sum: Money = a.items.iter().map(|i| i.amount).sum();
            prop_assert_eq!(sum, a.total);
            let limits = q.allocation.limits_for(group);
            prop_assert!(a.total >= limits.floor && a.total <= limits.ceiling);
        }

        #[test]
        fn the_fast_path_agrees_with_the_explained_one(picks in arb_answers(), g in 0usize..7) {
            let q = standard();
            let compiled = CompiledRules::new(&q);
            let picks = clamp_to_options(&q, &picks);
            let group = ClientGroup::ALL[g];
            let explained = allocate(&q.allocation, &q.score(&answers_from(&q, &picks)).unwrap(), group);
            prop_assert_eq!(compiled.total(&picks, group), explained.total);
        }

        #[test]
        fn more_points_never_means_less_money(points in 0i64..400, extra in 0i64..100, reduction in 0i64..=100, p1 in 1i64..50_000, p2 in 0i64..50_000, split in 1i64..200) {
            let bands = [
                Band { from_points: 0, to_points: Some(split - 1), pounds_per_point: Money::from_pence(p1) },
                Band { from_points: split, to_points: None, pounds_per_point: Money::from_pence(p2) },
            ];
            let total = |pts: i64| {
                let counted = counted_units(pts, i128::from(reduction) * 100);
                let base: i128 = bands.iter().map(|b| band_share(b, counted).1).sum();
                clamp(base, Limits { floor: Money::from_pounds(1_000), ceiling: Money::from_pounds(50_000) })
            };
            prop_assert!(total(points + extra) >= total(points));
        }
    }
}
