//! Step 6: when a person's support is reviewed.

pub mod ending;
pub mod safeguarding;
pub mod transfer;

use crate::codes::coded_enum;
use crate::dates::add_months;
use crate::validation::Problems;
use crate::Money;
use serde::{Deserialize, Serialize};
use time::Date;

coded_enum!(
    /// Who took part in a review.
    ReviewParticipant {
        Person => ("person", "The person"),
        Carer => ("carer", "A carer"),
        Representative => ("representative", "A representative"),
        Worker => ("worker", "A social worker"),
        Provider => ("provider", "A provider or personal assistant"),
    }
);

coded_enum!(
    /// What a review decided.
    ReviewDecision {
        NoChange => ("no_change", "No change: the support carries on"),
        RevisePlan => ("revise_plan", "Revise the support plan"),
        Reassess => ("reassess", "Re-assess: a new assessment and indicative budget"),
        EndSupport => ("end_support", "End support"),
    }
);

/// A review's findings, checked: who took part, which of the plan's outcomes were met.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReviewFindings {
    pub participants: Vec<ReviewParticipant>,
    pub outcomes_met: Vec<String>,
    pub decision: ReviewDecision,
}

/// Checks a review's findings against the plan's `outcomes`: someone took part (each
/// code known), each outcome said to be met is one of the plan's, and a decision is made.
pub fn check_findings(p: &mut Problems, participants: &[String], outcomes_met: &[String], decision: &str, outcomes: &[String]) -> Option<ReviewFindings> {
    let mut who = Vec::new();
    for code in participants.iter().map(|c| c.trim()).filter(|c| !c.is_empty()) {
        if let Some(role) = ReviewParticipant::parse(p, "participants", code) {
            if !who.contains(&role) {
                who.push(role);
            }
        }
    }
    if participants.iter().all(|c| c.trim().is_empty()) {
        p.add("participants", "is required: say who took part in the review");
    }
    let mut met = Vec::new();
    for outcome in outcomes_met.iter().map(|o| o.trim()).filter(|o| !o.is_empty()) {
        if outcomes.iter().any(|o| o == outcome) {
            met.push(outcome.to_string());
        } else {
            p.add("outcomes_met", format!("'{outcome}' is not one of the plan's outcomes"));
        }
    }
    let decision = match decision.trim() {
        "" => {
            p.add("decision", "is required");
            None
        }
        code => ReviewDecision::parse(p, "decision", code),
    };
    Some(ReviewFindings { participants: who, outcomes_met: met, decision: decision? })
}

/// The first review: within six months of a direct payment starting (Care Act guidance),
/// otherwise a year after the support starts.
pub fn first_review_due(support_start: Date, includes_direct_payment: bool) -> Date {
    add_months(support_start, if includes_direct_payment { 6 } else { 12 })
}

/// After a review, the next falls due a year later.
pub fn next_review_due(completed_on: Date) -> Date {
    add_months(completed_on, 12)
}

/// Whether a review due on `due` is overdue on `today`.
pub fn is_overdue(due: Date, today: Date) -> bool {
    due < today
}

/// The person's newest assessment by this council (not one carried from another).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct OwnAssessment {
    pub completed_on: Date,
    /// Its indicative budget, as allocated now (it may have been reconsidered).
    pub indicative: Money,
    /// Whether the plan in force already follows it.
    pub plan_follows_it: bool,
}

/// Where a re-assessment stands for live support.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Reassessment {
    /// A review decided to re-assess, and no assessment has been made since.
    Due { decided_on: Date },
    /// A newer assessment than the plan's (after a review, or by the council a person moved
    /// to): the plan is to be changed from a date to follow its indicative budget.
    ToFollow { assessed_on: Date, indicative: Money },
}

/// Where a re-assessment stands: due after a review decided on one (`reassess_decided_on`,
/// the latest such review) until an assessment is made that day or later; then to be
/// followed until the plan is changed to it. Ended support has none.
pub fn reassessment(live: bool, reassess_decided_on: Option<Date>, own: Option<OwnAssessment>) -> Option<Reassessment> {
    if !live {
        return None;
    }
    match (reassess_decided_on, own) {
        (Some(decided_on), None) => Some(Reassessment::Due { decided_on }),
        (Some(decided_on), Some(a)) if a.completed_on < decided_on => Some(Reassessment::Due { decided_on }),
        (_, Some(a)) if !a.plan_follows_it => Some(Reassessment::ToFollow { assessed_on: a.completed_on, indicative: a.indicative }),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::date;

    #[test]
    fn a_review_says_who_took_part_what_was_met_and_what_was_decided() {
        let outcomes = vec!["Stay living at home".to_string(), "Go to the football".to_string()];
        let mut p = Problems::new();
        let f = check_findings(&mut p, &["person".into(), "worker".into(), "person".into()], &["Go to the football".into()], "no_change", &outcomes).unwrap();
        assert!(p.is_empty());
        assert_eq!(
            (f.participants, f.outcomes_met, f.decision),
            (vec![ReviewParticipant::Person, ReviewParticipant::Worker], vec!["Go to the football".to_string()], ReviewDecision::NoChange)
        );
        let mut p = Problems::new();
        assert!(check_findings(&mut p, &[], &["Win the lottery".into()], "", &outcomes).is_none());
        let fields: Vec<&str> = p.as_slice().iter().map(|e| e.field.as_str()).collect();
        assert_eq!(fields, ["participants", "outcomes_met", "decision"]);
    }

    #[test]
    fn six_months_for_direct_payments_then_yearly() {
        assert_eq!(first_review_due(date!(2026 - 04 - 01), true), date!(2026 - 10 - 01));
        assert_eq!(first_review_due(date!(2026 - 04 - 01), false), date!(2027 - 04 - 01));
        assert_eq!(next_review_due(date!(2026 - 10 - 03)), date!(2027 - 10 - 03));
        assert!(is_overdue(date!(2026 - 10 - 01), date!(2026 - 10 - 02)));
        assert!(!is_overdue(date!(2026 - 10 - 01), date!(2026 - 10 - 01)));
    }

    #[test]
    fn a_reassessment_is_due_then_followed_then_done() {
        let (review, before, after) = (date!(2026 - 10 - 01), date!(2026 - 01 - 01), date!(2026 - 10 - 20));
        let own = |completed_on, plan_follows_it| Some(OwnAssessment { completed_on, indicative: Money::from_pounds(9_000), plan_follows_it });
        assert_eq!(reassessment(true, Some(review), own(before, true)), Some(Reassessment::Due { decided_on: review }));
        assert_eq!(reassessment(true, Some(review), None), Some(Reassessment::Due { decided_on: review }), "a carried assessment is not the council's own");
        assert_eq!(
            reassessment(true, Some(review), own(after, false)),
            Some(Reassessment::ToFollow { assessed_on: after, indicative: Money::from_pounds(9_000) })
        );
        assert!(matches!(reassessment(true, Some(review), own(review, false)), Some(Reassessment::ToFollow { .. })), "the same day counts");
        assert_eq!(reassessment(true, Some(review), own(after, true)), None, "the plan follows it");
        assert!(reassessment(true, None, own(after, false)).is_some(), "a receiving council's own assessment is followed too");
        assert_eq!(reassessment(false, Some(review), own(before, true)), None, "ended support has none");
    }
}
