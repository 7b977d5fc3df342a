//! Step 3 over the years: an approved plan revised from a date.
//!
//! A revision gives the lines in force from its date. Lines it leaves as they were stay
//! (same id, so claims and spending on them carry on); lines it changes or drops end the
//! day before; new and changed lines begin on it. Every version stays readable from the
//! lines' days in force, and each day is paid at the version in force that day. The
//! council's commitment follows: the cost of the remaining days at the new version less
//! at the old, added to the budget or released from what the council still holds.

use super::{validate_plan, PlanInput, PlanLine, PlanLineInput};
use crate::deployment::streams::{FundingStream, FundingStreams};
use crate::deployment::DeploymentOption;
use crate::money::Money;
use crate::validation::Problems;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use time::Date;
use uuid::Uuid;

/// The days a plan line is in force: `None` is the plan's own start or end.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct InForce {
    #[cfg_attr(feature = "openapi", schema(value_type = Option<String>, format = Date))]
    pub from: Option<Date>,
    #[cfg_attr(feature = "openapi", schema(value_type = Option<String>, format = Date))]
    pub to: Option<Date>,
}

impl InForce {
    /// In force for the whole plan.
    pub const WHOLE_PLAN: InForce = InForce { from: None, to: None };

    /// Whether the line is in force on every day from `first` to `last`.
    pub fn covers(&self, first: Date, last: Date) -> bool {
        self.from.is_none_or(|f| f <= first) && self.to.is_none_or(|t| last <= t)
    }

    /// The days from `first` to `last` the line is in force, if any.
    pub fn clip(&self, first: Date, last: Date) -> Option<(Date, Date)> {
        let (start, end) = (self.from.map_or(first, |f| f.max(first)), self.to.map_or(last, |t| t.min(last)));
        (start <= end).then_some((start, end))
    }
}

/// A line of an approved plan with its id, how it is held and its days in force.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CurrentLine {
    pub id: Uuid,
    pub line: PlanLine,
    pub in_force: InForce,
}

/// One line of a revision, as typed: a plan line and how its money is held.
#[derive(Debug, Clone, Default, Deserialize, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct RevisedLineInput {
    #[serde(flatten)]
    pub line: PlanLineInput,
    /// `direct_payment`, `council_managed` or `individual_service_fund`.
    pub deployment: String,
}

/// A revision, as typed.
#[derive(Debug, Clone, Default, Deserialize, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct RevisionInput {
    /// `YYYY-MM-DD`: the first day of the new version.
    pub effective_from: String,
    /// Why the support changes (a review, a new personal assistant, more hours).
    pub reason: String,
    /// Every line in force from that day, changed or not.
    pub lines: Vec<RevisedLineInput>,
}

/// A checked revision.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Revision {
    pub effective_from: Date,
    pub reason: String,
    pub lines: Vec<PlanLine>,
}

impl Revision {
    /// The plan's cost over a year at this version.
    pub fn annual_cost(&self) -> Money {
        self.lines.iter().map(PlanLine::annual_cost).sum()
    }
}

/// What limits a revision's date: the plan's days, the days already paid, and the last
/// version's date (versions follow one another).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RevisionLimits {
    pub plan_start: Date,
    pub plan_end: Date,
    /// The last day any payment or invoice has covered, if any.
    pub paid_through: Option<Date>,
    /// The date the version now in force began, if the plan has been revised.
    pub last_revised_from: Option<Date>,
}

/// Checks a revision as typed: its date, reason and lines (each line by the same rules as
/// a plan's, and held in a way its funding stream allows).
pub fn validate_revision(input: &RevisionInput, streams: &FundingStreams, limits: RevisionLimits) -> Result<Revision, Problems> {
    let mut p = Problems::new();
    let from = p.date("effective_from", &input.effective_from);
    let reason = p.text("reason", &input.reason, 2000);
    if let Some(d) = from {
        check_revision_date(&mut p, d, limits);
    }
    if input.lines.is_empty() {
        p.add("lines", "a revised plan needs at least one line; to stop support, end it instead");
    }
    let plan = PlanInput {
        outcomes: Vec::new(),
        lines: input.lines.iter().map(|l| l.line.clone()).collect(),
        start_date: crate::dates::iso(limits.plan_start),
        end_date: crate::dates::iso(limits.plan_end),
        over_budget_reason: None,
    };
    let deployments: Vec<Option<DeploymentOption>> =
        input.lines.iter().enumerate().map(|(i, typed)| DeploymentOption::parse(&mut p, &format!("lines[{i}].deployment"), &typed.deployment)).collect();
    let mut lines = match validate_plan(&plan, streams) {
        Ok(content) => content.lines,
        Err(problems) => {
            p.extend(problems);
            Vec::new()
        }
    };
    for (i, (line, option)) in lines.iter_mut().zip(deployments).enumerate() {
        if let Some(option) = option {
            streams.check_deployment(&mut p, &format!("lines[{i}].deployment"), &line.stream, option);
            line.deployment = Some(option);
        }
    }
    p.into_result(())?;
    Ok(Revision { effective_from: from.expect("checked"), reason: reason.expect("checked"), lines })
}

/// The rules for a revision's first day, adding a problem under `effective_from` for each
/// broken: inside the plan, after the days paid, after the last version began.
pub fn check_revision_date(p: &mut Problems, day: Date, limits: RevisionLimits) {
    let RevisionLimits { plan_start, plan_end, paid_through, last_revised_from } = limits;
    if day <= plan_start || day > plan_end {
        p.add("effective_from", format!("must be after the plan starts ({plan_start}) and no later than it ends ({plan_end})"));
    } else if let Some(paid) = paid_through.filter(|paid| day <= *paid) {
        let next = paid.next_day().map(crate::dates::iso).unwrap_or_default();
        p.add("effective_from", format!("the days to {paid} are already paid at the plan in force; a revision can start on {next} or later"));
    } else if let Some(last) = last_revised_from.filter(|last| day <= *last) {
        p.add("effective_from", format!("the plan was last revised from {last}; a new version must start after it"));
    }
}

/// What a revision does to the lines.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct LineChanges {
    /// Lines that end the day before the revision.
    pub ended: Vec<Uuid>,
    /// Lines that begin on the revision's date.
    pub added: Vec<PlanLine>,
}

/// Matches a revision's lines against the lines in force on its date: an unchanged line
/// stays, everything else ends or begins.
pub fn line_changes(current: &[CurrentLine], revision: &Revision) -> LineChanges {
    let day = revision.effective_from;
    let mut in_force: Vec<&CurrentLine> = current.iter().filter(|c| c.in_force.covers(day, day)).collect();
    let mut changes = LineChanges::default();
    for line in &revision.lines {
        match in_force.iter().position(|c| c.line == *line) {
            Some(i) => {
                in_force.remove(i);
            }
            None => changes.added.push(line.clone()),
        }
    }
    changes.ended = in_force.iter().map(|c| c.id).collect();
    changes
}

/// The change to the council's commitment, per stream, for the days from the revision to
/// the plan's end: the added lines' cost less the ended lines'.
pub fn commitment_change(current: &[CurrentLine], changes: &LineChanges, from: Date, plan_end: Date) -> BTreeMap<FundingStream, Money> {
    let days = (plan_end - from).whole_days() + 1;
    let mut change: BTreeMap<FundingStream, Money> = BTreeMap::new();
    for line in &changes.added {
        *change.entry(line.stream.clone()).or_default() += crate::money::payment_run::prorate(line.annual_cost(), days);
    }
    for ended in current.iter().filter(|c| changes.ended.contains(&c.id)) {
        let last = ended.in_force.to.map_or(plan_end, |t| t.min(plan_end));
        let remaining = (last - from).whole_days() + 1;
        *change.entry(ended.line.stream.clone()).or_default() -= crate::money::payment_run::prorate(ended.line.annual_cost(), remaining.max(0));
    }
    change.retain(|_, m| !m.is_zero());
    change
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::money::ledger::{allocate_budget, change_commitment, AccountBook, Balances, FundedLine, LedgerAccount};
    use time::macros::date;

    fn typed(description: &str, provider: &str, hours: &str, deployment: &str) -> RevisedLineInput {
        RevisedLineInput {
            line: PlanLineInput {
                description: description.into(),
                provider: provider.into(),
                category: "personal_assistant".into(),
                frequency: "weekly".into(),
                units_per_period: hours.into(),
                unit_cost: "15".into(),
                ..PlanLineInput::default()
            },
            deployment: deployment.into(),
        }
    }

    fn limits() -> RevisionLimits {
        RevisionLimits {
            plan_start: date!(2026 - 04 - 01),
            plan_end: date!(2027 - 03 - 31),
            paid_through: Some(date!(2026 - 04 - 28)),
            last_revised_from: None,
        }
    }

    fn input(from: &str, lines: Vec<RevisedLineInput>) -> RevisionInput {
        RevisionInput { effective_from: from.into(), reason: "Review: more hours".into(), lines }
    }

    fn current(streams: &FundingStreams) -> Vec<CurrentLine> {
        let revision = validate_revision(
            &input("2026-05-01", vec![typed("PA", "Sam", "10", "direct_payment"), typed("Club", "Quay", "2", "direct_payment")]),
            streams,
            limits(),
        )
        .unwrap();
        revision
            .lines
            .into_iter()
            .enumerate()
            .map(|(i, line)| CurrentLine { id: Uuid::from_u128(i as u128 + 1), line, in_force: InForce::WHOLE_PLAN })
            .collect()
    }

    #[test]
    fn a_revision_keeps_what_is_unchanged_and_ends_the_rest() {
        let streams = FundingStreams::standard();
        let lines = current(&streams);
        let more_hours = validate_revision(
            &input("2026-05-01", vec![typed("PA", "Sam", "20", "direct_payment"), typed("Club", "Quay", "2", "direct_payment")]),
            &streams,
            limits(),
        )
        .unwrap();
        let changes = line_changes(&lines, &more_hours);
        assert_eq!(changes.ended, vec![Uuid::from_u128(1)]);
        assert_eq!(changes.added.len(), 1);
        assert_eq!(more_hours.annual_cost(), Money::from_pounds(15 * 22 * 52));
        // Ten more hours at £15 for the 335 days from 1 May to 31 March.
        let change = commitment_change(&lines, &changes, more_hours.effective_from, limits().plan_end);
        let stream = FundingStream::new("adult_social_care");
        let expected = crate::money::payment_run::prorate(Money::from_pounds(15 * 20 * 52), 335)
            - crate::money::payment_run::prorate(Money::from_pounds(15 * 10 * 52), 335);
        assert_eq!(change[&stream], expected);
        let entry = change_commitment(&change, |_| Money::ZERO, more_hours.effective_from).unwrap();
        assert_eq!(entry.postings().iter().find(|p| p.account == LedgerAccount::Available).unwrap().amount, expected);
    }

    #[test]
    fn less_support_releases_no_more_than_the_council_holds() {
        let streams = FundingStreams::standard();
        let lines = current(&streams);
        let fewer = validate_revision(&input("2026-05-01", vec![typed("Club", "Quay", "2", "direct_payment")]), &streams, limits()).unwrap();
        let changes = line_changes(&lines, &fewer);
        let change = commitment_change(&lines, &changes, fewer.effective_from, limits().plan_end);
        let stream = FundingStream::new("adult_social_care");
        assert!(change[&stream].is_negative());
        let funded: Vec<FundedLine> = lines
            .iter()
            .map(|c| FundedLine {
                id: c.id,
                stream: stream.clone(),
                deployment: DeploymentOption::DirectPayment,
                annual_cost: c.line.annual_cost(),
                in_force: c.in_force,
            })
            .collect();
        let allocation = allocate_budget(&funded, limits().plan_start).unwrap();
        let mut book = AccountBook::new(limits().plan_start, limits().plan_end, None, Balances::from_postings(allocation.postings()), Vec::new());
        let little = Money::from_pounds(100);
        let entry = change_commitment(&change, |_| little, fewer.effective_from).unwrap();
        assert_eq!(entry.postings().iter().find(|p| p.account == LedgerAccount::Available).unwrap().amount, -little);
        book.admit(&entry).unwrap();
    }

    #[test]
    fn a_revision_cannot_rewrite_days_already_paid_or_go_back_in_time() {
        let streams = FundingStreams::standard();
        let lines = vec![typed("PA", "Sam", "10", "direct_payment")];
        let paid = validate_revision(&input("2026-04-20", lines.clone()), &streams, limits()).unwrap_err().to_string();
        assert!(paid.contains("effective_from: the days to 2026-04-28 are already paid") && paid.contains("2026-04-29 or later"), "{paid}");
        let earlier = RevisionLimits { last_revised_from: Some(date!(2026 - 06 - 01)), ..limits() };
        assert!(validate_revision(&input("2026-05-01", lines.clone()), &streams, earlier).unwrap_err().to_string().contains("last revised from 2026-06-01"));
        let outside = validate_revision(&input("2027-06-01", lines.clone()), &streams, limits()).unwrap_err().to_string();
        assert!(outside.contains("no later than it ends"), "{outside}");
        let bad = validate_revision(&input("2026-05-01", vec![typed("PA", "Sam", "ten", "cash")]), &streams, limits()).unwrap_err().to_string();
        assert!(bad.contains("lines[0].units_per_period") && bad.contains("lines[0].deployment"), "{bad}");
        assert!(validate_revision(&RevisionInput { reason: " ".into(), ..input("2026-05-01", lines) }, &streams, limits())
            .unwrap_err()
            .to_string()
            .contains("reason"));
    }
}
