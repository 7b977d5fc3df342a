//! Step 2: the Resource Allocation System — points to an indicative annual budget,
//! with an explanation a person can read, whose items add up to the total to the penny.

use crate::assessment::Scores;
use crate::money::Money;
use serde::{Deserialize, Serialize};

/// How points become money: a price per point, kept between a floor and a ceiling.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct AllocationRules {
    /// Indicative annual budget for each point.
    pub pounds_per_point: Money,
    /// No indicative budget is below this.
    pub floor: Money,
    /// No indicative budget is above this without a review by a manager.
    pub ceiling: Money,
}

/// One line of the explanation.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ExplanationItem {
    /// Short heading: the domain name, or the adjustment.
    pub label: String,
    /// Points behind this item, if it is a domain.
    pub points: Option<i64>,
    /// The money this item adds (or, for an adjustment, takes away).
    pub amount: Money,
    /// The plain-English sentence shown to the person.
    pub text: String,
}

/// An indicative budget and how it was worked out.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Allocation {
    pub total_points: i64,
    pub pounds_per_point: Money,
    /// The indicative annual budget.
    pub total: Money,
    /// Items in order; their amounts add up to `total` exactly.
    pub items: Vec<ExplanationItem>,
    /// A one-paragraph summary for the top of the page.
    pub summary: String,
}

/// Works out the indicative budget for a scored assessment.
pub fn allocate(rules: &AllocationRules, scores: &Scores) -> Allocation {
    let mut items = Vec::with_capacity(scores.domains.len() + 1);
    for domain in &scores.domains {
        let amount = Money::from_pence(domain.points * rules.pounds_per_point.pence());
        let reasons: Vec<String> = domain.answers.iter().filter(|a| a.points > 0).map(|a| format!("\u{201c}{}\u{201d}", a.answer)).collect();
        let text = if domain.points == 0 {
            format!("{}: you told us you do not need paid support here, so this adds nothing.", domain.domain)
        } else {
            format!(
                "{}: you told us {}. That scores {} points, and each point is worth {} a year, so this adds {}.",
                domain.domain,
                reasons.join(" and "),
                domain.points,
                rules.pounds_per_point,
                amount
            )
        };
        items.push(ExplanationItem { label: domain.domain.clone(), points: Some(domain.points), amount, text });
    }
    let total_points = scores.total_points();
    let raw: Money = items.iter().map(|i| i.amount).sum();
    let total = raw.max(rules.floor).min(rules.ceiling);
    if total > raw {
        items.push(ExplanationItem {
            label: "Minimum budget".into(),
            points: None,
            amount: total - raw,
            text: format!(
                "Your points come to {raw}, which is below the minimum budget of {}, so we have raised it by {} to the minimum.",
                rules.floor,
                total - raw
            ),
        });
    } else if total < raw {
        items.push(ExplanationItem {
            label: "Maximum indicative budget".into(),
            points: None,
            amount: total - raw,
            text: format!(
                "Your points come to {raw}, which is above the most this calculation gives ({}). We have set it at that amount; your social worker will look at your support plan with you to make sure your needs are met in full.",
                rules.ceiling
            ),
        });
    }
    let summary = format!(
        "Your answers scored {total_points} points. Your indicative personal budget is {total} a year ({} a week). This is a starting figure to plan with: your final budget comes from the support plan we agree with you.",
        weekly(total)
    );
    Allocation { total_points, pounds_per_point: rules.pounds_per_point, total, items, summary }
}

/// An annual amount as a weekly figure (52 weeks), to the nearest penny, for people.
pub fn weekly(annual: Money) -> Money {
    Money::from_decimal_rounded(annual.to_decimal() / rust_decimal::Decimal::from(52)).expect("in range")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::assessment::{DomainScore, Scores};
    use proptest::prelude::*;

    fn rules() -> AllocationRules {
        AllocationRules { pounds_per_point: Money::from_pounds(300), floor: Money::from_pounds(1200), ceiling: Money::from_pounds(55000) }
    }

    fn scores(points: &[i64]) -> Scores {
        Scores {
            questionnaire_id: "t".into(),
            questionnaire_version: 1,
            domains: points
                .iter()
                .enumerate()
                .map(|(i, p)| DomainScore { domain_id: format!("d{i}"), domain: format!("Domain {i}"), points: *p, answers: vec![] })
                .collect(),
        }
    }

    #[test]
    fn explains_a_typical_budget() {
        let a = allocate(&rules(), &scores(&[24, 6, 6]));
        assert_eq!(a.total, Money::from_pounds(36 * 300));
        assert_eq!(a.items.len(), 3);
        assert!(a.summary.contains("36 points"));
        assert!(a.summary.contains("£10,800.00 a year"));
    }

    #[test]
    fn floor_and_ceiling_are_explained() {
        let low = allocate(&rules(), &scores(&[2]));
        assert_eq!(low.total, Money::from_pounds(1200));
        assert_eq!(low.items.last().unwrap().label, "Minimum budget");
        let high = allocate(&rules(), &scores(&[100, 100]));
        assert_eq!(high.total, Money::from_pounds(55000));
        assert!(high.items.last().unwrap().amount.is_negative());
    }

    proptest! {
        #[test]
        fn items_sum_to_the_total_within_floor_and_ceiling(points in proptest::collection::vec(0i64..60, 1..10)) {
            let a = allocate(&rules(), &scores(&points));
            let sum: Money = a.items.iter().map(|i| i.amount).sum();
            prop_assert_eq!(sum, a.total);
            prop_assert!(a.total >= rules().floor && a.total <= rules().ceiling);
        }

        #[test]
        fn more_points_never_means_less_money(points in proptest::collection::vec(0i64..60, 1..10), extra in 0i64..40, at in 0usize..10) {
            let base = allocate(&rules(), &scores(&points));
            let mut more = points.clone();
            let i = at % more.len();
            more[i] += extra;
            let bigger = allocate(&rules(), &scores(&more));
            prop_assert!(bigger.total >= base.total);
        }
    }
}
