//! Step 6: when support ends — the person died, moved into a care home or to another
//! council, is no longer eligible, or chose to stop. Pure rules: the store writes what
//! [`plan_ending`] works out.
//!
//! The account's live days end on the ending day, so a later payment run pays the final
//! period pro rata and nothing after it (the money gate refuses days outside the live
//! span). Days already paid past the ending are said out loud: recovered, or written off.
//! Unspent direct-payment money is recovered only after a written notice and
//! [`NOTICE_DAYS`] days for the person to reply, unless they agree sooner.

use crate::codes::coded_enum;
use crate::dates::{iso, long};
use crate::deployment::streams::FundingStream;
use crate::deployment::DeploymentOption;
use crate::money::ledger::{FundedLine, PaidDays};
use crate::money::payment_run::prorate;
use crate::{Money, Problems};
use serde::{Deserialize, Serialize};
use time::{Date, Duration};

coded_enum!(
    /// Why support ended.
    EndingReason {
        Died => ("died", "Died"),
        CareHome => ("care_home", "Moved into a care home"),
        MovedAway => ("moved_away", "Moved to another council"),
        NotEligible => ("not_eligible", "No longer eligible"),
        ChoseToStop => ("chose_to_stop", "Chose to stop"),
    }
);

coded_enum!(
    /// What happens to days already paid for after the ending.
    OverpaidDays {
        Recover => ("recover", "Recover them with the unspent money"),
        WriteOff => ("write_off", "Write them off"),
    }
);

/// Days the person has to reply to a notice of recovery before anything is taken back.
pub const NOTICE_DAYS: i64 = 28;

/// Unspent direct-payment money of one stream to recover after the notice.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ToRecover {
    pub stream: FundingStream,
    pub amount: Money,
}

/// What ending support on a day comes to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Ending {
    pub ended_on: Date,
    pub reason: EndingReason,
    /// Days paid for after the ending (any payee), and what is to happen to them.
    pub overpaid_days: i64,
    pub overpaid: Option<OverpaidDays>,
    /// The notice's amounts, per stream; empty when nothing is held.
    pub to_recover: Vec<ToRecover>,
    /// The last day the person may reply before the money is recovered.
    pub reply_by: Date,
}

/// The account as the ending rules need it.
pub struct EndingAccount<'a> {
    pub start: Date,
    pub end: Date,
    pub lines: &'a [FundedLine],
    pub paid: &'a [PaidDays],
    /// Held in the direct-payment bank account, per stream.
    pub held_by_budget_holder: Vec<(FundingStream, Money)>,
}

/// Works out an ending on `ended_on`, noticed on `notice_on`, or every problem with it.
pub fn plan_ending(
    account: &EndingAccount<'_>,
    ended_on: Date,
    reason: EndingReason,
    overpaid: Option<OverpaidDays>,
    notice_on: Date,
) -> Result<Ending, Problems> {
    let mut p = Problems::new();
    if ended_on < account.start || ended_on > account.end {
        p.add("ended_on", format!("must be within the budget period, {} to {}", iso(account.start), iso(account.end)));
    }
    let overpaid_days: i64 = account.paid.iter().filter(|d| d.payee != "contribution").map(|d| days_after(d, ended_on)).sum();
    let last_paid = account.paid.iter().map(|d| d.last_day).max();
    if overpaid_days > 0 && overpaid.is_none() {
        let last = last_paid.map(long).unwrap_or_default();
        p.add("overpaid_days", format!("is required: days after the ending are already paid for (up to {last}); say whether to recover or write them off"));
    }
    let reply_by = notice_on.checked_add(Duration::days(NOTICE_DAYS));
    if reply_by.is_none() {
        p.add("ended_on", "is too far in the future");
    }
    p.into_result(())?;
    let written_off = |stream: &FundingStream| match overpaid {
        Some(OverpaidDays::WriteOff) => direct_payment_days_value(account, stream, ended_on),
        _ => Money::ZERO,
    };
    let to_recover = account
        .held_by_budget_holder
        .iter()
        .map(|(stream, held)| ToRecover { stream: stream.clone(), amount: held.checked_sub(written_off(stream)).unwrap_or(Money::ZERO).max(Money::ZERO) })
        .filter(|r| r.amount.is_positive())
        .collect();
    Ok(Ending { ended_on, reason, overpaid_days, overpaid, to_recover, reply_by: reply_by.expect("checked") })
}

/// Days of `paid` after `ended_on`.
fn days_after(paid: &PaidDays, ended_on: Date) -> i64 {
    let first = paid.first_day.max(ended_on.next_day().unwrap_or(ended_on));
    if first > paid.last_day || first <= ended_on {
        0
    } else {
        (paid.last_day - first).whole_days() + 1
    }
}

/// What the direct-payment lines of `stream` paid for the days after the ending.
fn direct_payment_days_value(account: &EndingAccount<'_>, stream: &FundingStream, ended_on: Date) -> Money {
    let days: i64 = account.paid.iter().filter(|d| d.payee == "budget_holder" && &d.stream == stream).map(|d| days_after(d, ended_on)).sum();
    account
        .lines
        .iter()
        .filter(|l| l.deployment == DeploymentOption::DirectPayment && &l.stream == stream)
        .map(|l| prorate(l.annual_cost, days))
        .fold(Money::ZERO, |total, m| total.checked_add(m).unwrap_or(total))
}

/// Whether money under a notice may be recovered on `on`: after the reply date, or
/// sooner when the person has agreed.
pub fn may_recover(reply_by: Date, on: Date, agreed: bool) -> Result<(), Problems> {
    if on <= reply_by && !agreed {
        let mut p = Problems::new();
        p.add("recovered_on", format!("is within the notice: the person has until {} to reply; recover after that, or record that they agree", long(reply_by)));
        return Err(p);
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::borrow::Cow;
    use time::macros::date;

    fn dp_line() -> FundedLine {
        FundedLine {
            id: uuid::Uuid::nil(),
            stream: FundingStream::new("adult_social_care"),
            deployment: DeploymentOption::DirectPayment,
            annual_cost: Money::from_pounds(36_400),
            in_force: crate::plan::revision::InForce::WHOLE_PLAN,
        }
    }

    fn paid(first: Date, last: Date) -> PaidDays {
        PaidDays { stream: FundingStream::new("adult_social_care"), payee: Cow::Borrowed("budget_holder"), first_day: first, last_day: last }
    }

    fn account<'a>(lines: &'a [FundedLine], paid: &'a [PaidDays], held: i64) -> EndingAccount<'a> {
        EndingAccount {
            start: date!(2026 - 04 - 01),
            end: date!(2027 - 03 - 31),
            lines,
            paid,
            held_by_budget_holder: vec![(FundingStream::new("adult_social_care"), Money::from_pounds(held))],
        }
    }

    #[test]
    fn an_ending_after_the_last_paid_day_recovers_what_is_held_after_notice() {
        let lines = [dp_line()];
        let paid = [paid(date!(2026 - 04 - 01), date!(2026 - 04 - 28))];
        let e = plan_ending(&account(&lines, &paid, 700), date!(2026 - 05 - 10), EndingReason::Died, None, date!(2026 - 05 - 12)).unwrap();
        assert_eq!((e.overpaid_days, e.reply_by), (0, date!(2026 - 06 - 09)));
        assert_eq!(e.to_recover, vec![ToRecover { stream: FundingStream::new("adult_social_care"), amount: Money::from_pounds(700) }]);
    }

    #[test]
    fn days_paid_past_the_ending_must_be_decided_and_a_write_off_keeps_their_value_out_of_the_notice() {
        let lines = [dp_line()];
        let paid = [paid(date!(2026 - 04 - 01), date!(2026 - 04 - 28))];
        let acc = account(&lines, &paid, 2_800);
        let refused = plan_ending(&acc, date!(2026 - 04 - 14), EndingReason::CareHome, None, date!(2026 - 04 - 15)).unwrap_err();
        assert!(refused.to_string().contains("overpaid_days"), "{refused}");
        // 14 days at £100 a day (£36,400 over 364 days) are written off; the rest is recovered.
        let e = plan_ending(&acc, date!(2026 - 04 - 14), EndingReason::CareHome, Some(OverpaidDays::WriteOff), date!(2026 - 04 - 15)).unwrap();
        assert_eq!((e.overpaid_days, e.to_recover[0].amount), (14, Money::from_pounds(1_400)));
        let e = plan_ending(&acc, date!(2026 - 04 - 14), EndingReason::CareHome, Some(OverpaidDays::Recover), date!(2026 - 04 - 15)).unwrap();
        assert_eq!(e.to_recover[0].amount, Money::from_pounds(2_800));
    }

    #[test]
    fn an_ending_outside_the_budget_and_an_early_recovery_are_refused() {
        let acc = account(&[], &[], 0);
        let refused = plan_ending(&acc, date!(2027 - 04 - 01), EndingReason::ChoseToStop, None, date!(2027 - 04 - 01)).unwrap_err();
        assert!(refused.to_string().contains("ended_on"), "{refused}");
        assert!(plan_ending(&acc, date!(2026 - 06 - 01), EndingReason::ChoseToStop, None, date!(2026 - 06 - 01)).unwrap().to_recover.is_empty());
        assert!(may_recover(date!(2026 - 06 - 29), date!(2026 - 06 - 29), false).is_err());
        assert!(may_recover(date!(2026 - 06 - 29), date!(2026 - 06 - 10), true).is_ok());
        assert!(may_recover(date!(2026 - 06 - 29), date!(2026 - 06 - 30), false).is_ok());
    }

    /// One person's account through a random life: runs, spending, hospital stays and
    /// returns home, an ending or a move to another council, the recovery after its notice.
    struct Life {
        lines: Vec<FundedLine>,
        start: Date,
        end: Date,
        suspended_from: Option<Date>,
        ended_on: Option<Date>,
        book: crate::money::ledger::AccountBook,
        postings: Vec<crate::money::ledger::Posting>,
        statement_entries: Vec<(crate::money::ledger::EntryKind, Vec<crate::money::ledger::Posting>)>,
        notices: Vec<ToRecover>,
        past_suspensions: Vec<(Date, Date)>,
        /// The day the version now in force began, once the plan has been revised.
        last_revised: Option<Date>,
    }

    impl Life {
        fn new(pounds: i64) -> Life {
            let lines = vec![
                FundedLine {
                    id: uuid::Uuid::now_v7(),
                    stream: FundingStream::new("adult_social_care"),
                    deployment: DeploymentOption::DirectPayment,
                    annual_cost: Money::from_pounds(pounds),
                    in_force: crate::plan::revision::InForce::WHOLE_PLAN,
                },
                FundedLine {
                    id: uuid::Uuid::now_v7(),
                    stream: FundingStream::new("adult_social_care"),
                    deployment: DeploymentOption::IndividualServiceFund,
                    annual_cost: Money::from_pounds(2_000),
                    in_force: crate::plan::revision::InForce::WHOLE_PLAN,
                },
            ];
            Life::with_lines(lines, date!(2026 - 04 - 01), date!(2027 - 03 - 31))
        }

        /// A budget of `lines` from `start` to `end`: the council commits their cost.
        fn with_lines(lines: Vec<FundedLine>, start: Date, end: Date) -> Life {
            let allocation = crate::money::ledger::allocate_budget(&lines, start).unwrap();
            let balances = crate::money::ledger::Balances::from_postings(allocation.postings());
            let mut life = Life {
                book: crate::money::ledger::AccountBook::new(start, end, None, balances, Vec::new()),
                lines,
                start,
                end,
                suspended_from: None,
                ended_on: None,
                postings: allocation.postings().to_vec(),
                statement_entries: Vec::new(),
                notices: Vec::new(),
                past_suspensions: Vec::new(),
                last_revised: None,
            };
            life.statement_entries.push((allocation.kind(), allocation.postings().to_vec()));
            life
        }

        /// The book again with the live span as it now is (what the store reads under the lock).
        fn reopen(&mut self) {
            let end = self.ended_on.unwrap_or(self.end);
            self.book = crate::money::ledger::AccountBook::new(self.start, end, self.suspended_from, self.book.balances().clone(), self.book.paid().to_vec())
                .with_past_suspensions(self.past_suspensions.clone());
        }

        fn post(&mut self, entry: crate::money::ledger::JournalEntry) -> bool {
            if self.book.admit(&entry).is_err() {
                return false;
            }
            self.postings.extend(entry.postings().iter().cloned());
            self.statement_entries.push((entry.kind(), entry.postings().to_vec()));
            true
        }

        fn held(&self) -> Vec<(FundingStream, Money)> {
            self.book.balances().holding(crate::money::ledger::LedgerAccount::HeldByBudgetHolder)
        }

        /// Ends support on `ended_on` by the service's own rules (days overpaid recovered).
        fn end_support(&mut self, ended_on: Date, reason: EndingReason, notice_on: Date) -> Ending {
            let account = EndingAccount { start: self.start, end: self.end, lines: &self.lines, paid: self.book.paid(), held_by_budget_holder: self.held() };
            let ending = plan_ending(&account, ended_on, reason, Some(OverpaidDays::Recover), notice_on).unwrap();
            self.ended_on = Some(ended_on);
            self.reopen();
            ending
        }

        /// Revises the plan from `from`: the direct payment costs `annual` a year from then,
        /// the ISF line carries on. False when the revision rules refuse the date.
        fn revise(&mut self, from: Date, annual: Money) -> bool {
            use crate::plan::revision::{check_revision_date, commitment_change, line_changes, CurrentLine, InForce, Revision, RevisionLimits};
            let paid_through = self.book.paid().iter().map(|d| d.last_day).max();
            let limits = RevisionLimits { plan_start: self.start, plan_end: self.end, paid_through, last_revised_from: self.last_revised };
            // The rules the service applies, not a copy of them.
            let mut refused = crate::validation::Problems::new();
            check_revision_date(&mut refused, from, limits);
            if !refused.is_empty() {
                return false;
            }
            let as_plan_line = |l: &FundedLine| crate::plan::PlanLine {
                description: format!("{:?}", l.deployment),
                provider: "Harbour".into(),
                category: crate::plan::ServiceCategory::PersonalAssistant,
                frequency: crate::plan::Frequency::Yearly,
                units_per_period: rust_decimal::Decimal::ONE,
                unit_cost: l.annual_cost,
                stream: l.stream.clone(),
                deployment: Some(l.deployment),
                risk_note: None,
            };
            let current: Vec<CurrentLine> = self.lines.iter().map(|l| CurrentLine { id: l.id, line: as_plan_line(l), in_force: l.in_force }).collect();
            let in_force: Vec<&FundedLine> = self.lines.iter().filter(|l| l.in_force.covers(from, from)).collect();
            let mut revised: Vec<crate::plan::PlanLine> = in_force.iter().map(|l| as_plan_line(l)).collect();
            if let Some(dp) = revised.iter_mut().find(|l| l.deployment == Some(DeploymentOption::DirectPayment)) {
                dp.unit_cost = annual;
            }
            let revision = Revision { effective_from: from, reason: "review".into(), lines: revised };
            let changes = line_changes(&current, &revision);
            let change = commitment_change(&current, &changes, from, limits.plan_end);
            let balances = self.book.balances().clone();
            if let Some(entry) = crate::money::ledger::change_commitment(&change, |s| balances.get(crate::money::ledger::LedgerAccount::Available, s), from) {
                assert!(self.post(entry), "a revision's commitment was refused by the gate");
            }
            let day_before = from.previous_day().expect("after the start");
            for line in self.lines.iter_mut().filter(|l| changes.ended.contains(&l.id)) {
                line.in_force.to = Some(day_before);
            }
            for added in changes.added {
                let deployment = added.deployment.expect("revised lines say how they are held");
                let annual_cost = added.annual_cost();
                self.lines.push(FundedLine {
                    id: uuid::Uuid::now_v7(),
                    stream: added.stream,
                    deployment,
                    annual_cost,
                    in_force: InForce { from: Some(from), to: None },
                });
            }
            self.last_revised = Some(from);
            true
        }
    }

    proptest::proptest! {
        /// Random lives on several people: runs over random periods, spending, suspensions
        /// and resumptions, plan revisions, an ending with its notice, the recovery, and moves
        /// to another council that carries the plan on. No day of a person is paid twice (in
        /// any council), nothing is paid after an ending or during a suspension, the days an ending
        /// says were overpaid are those paid after it, a notice never asks for more than is
        /// held, every account's money adds up, and the closing statement is the ledger.
        #[test]
        fn life_histories_pay_each_day_once_and_close_to_the_ledger(
            ops in proptest::collection::vec((0usize..3, 0u8..8, 0i64..120, 1i64..100_000), 1..60),
        ) {
            use crate::money::ledger::{record_spending, LedgerAccount};
            use crate::money::payment_run::{run_account, Period, RunAccount};
            let mut lives: Vec<Life> = (0..3).map(|i| Life::new(5_000 + 3_000 * i as i64)).collect();
            // The accounts people left behind when they moved, with whose they were.
            let mut moved_away: Vec<(usize, Life)> = Vec::new();
            for (who, op, offset, pence) in ops {
                let life = &mut lives[who];
                let on = date!(2026 - 03 - 20) + Duration::days(offset * 3);
                match op {
                    0 | 1 => {
                        let account = RunAccount { book: life.book.clone(), lines: life.lines.clone(), providers: vec!["Harbour".into(); 2], weekly_contribution: Money::ZERO };
                        let run = run_account(&account, Period::four_weeks_from(on), on);
                        for p in run.payments {
                            let covers = p.entry.pays_for().to_vec();
                            proptest::prop_assert!(life.post(p.entry), "a run's own payment was refused by the gate");
                            for c in covers {
                                proptest::prop_assert!(life.ended_on.is_none_or(|e| c.last_day <= e), "paid after the ending");
                                proptest::prop_assert!(life.suspended_from.is_none_or(|s| c.last_day < s), "paid during a suspension");
                                proptest::prop_assert!(life.past_suspensions.iter().all(|(f, l)| c.last_day < *f || c.first_day > *l), "paid for days away");
                            }
                        }
                    }
                    2 => {
                        if let Ok(entry) = record_spending(life.book.balances(), &life.lines[0], Money::from_pence(pence), on, "spend") {
                            life.post(entry);
                        }
                    }
                    3 if life.ended_on.is_none() => {
                        match life.suspended_from {
                            // Home again on `on`: the days away stay unpaid.
                            Some(was) => {
                                if let Some(last) = on.previous_day().filter(|last| *last >= was) {
                                    life.past_suspensions.push((was, last));
                                }
                                life.suspended_from = None;
                            }
                            None => life.suspended_from = Some(on.max(life.start)),
                        }
                        life.reopen();
                    }
                    5 if life.ended_on.is_none() => {
                        // A revision from `on`: the direct payment's new cost a year.
                        let before = life.book.paid().len();
                        if life.revise(on, Money::from_pence(pence * 20)) {
                            proptest::prop_assert_eq!(life.book.paid().len(), before, "a revision pays nothing itself");
                        }
                    }
                    4 if life.ended_on.is_none() => {
                        let ended_on = on.clamp(life.start, life.end);
                        let after: i64 = life.book.paid().iter().filter(|d| d.payee != "contribution").map(|d| days_after(d, ended_on)).sum();
                        let ending = life.end_support(ended_on, EndingReason::Died, on);
                        proptest::prop_assert_eq!(ending.overpaid_days, after);
                        for r in &ending.to_recover {
                            proptest::prop_assert!(r.amount <= life.book.balances().get(LedgerAccount::HeldByBudgetHolder, &r.stream));
                        }
                        life.notices = ending.to_recover;
                    }
                    7 if life.ended_on.is_none() => {
                        // A move to another council on `on`: support here ends the day before,
                        // and the receiving council carries on the lines in force that day.
                        use crate::review::transfer::{lines_carried, plan_transfer, Sending, TransferRequest};
                        let council = |n: u128| crate::ids::CouncilId::from_uuid(uuid::Uuid::from_u128(n));
                        let moves_on = crate::dates::iso(on);
                        let request = TransferRequest { to_council: Some(council(99)), moves_on: &moves_on, address: "1 New Road, Leeds", postcode: "LS1 4AP" };
                        let paid_through = life.book.paid().iter().filter(|d| d.payee != "contribution").map(|d| d.last_day).max();
                        if let Ok(t) = plan_transfer(Sending { council: council(who as u128), start: life.start, end: life.end, paid_through }, &request) {
                            let ending = life.end_support(t.last_day_here, EndingReason::MovedAway, on);
                            life.notices = ending.to_recover;
                            proptest::prop_assert_eq!(ending.overpaid_days, 0, "a move leaves no paid day past the last day here");
                            let carried = lines_carried(&life.lines, t.carried_from)
                                .into_iter()
                                .map(|l| FundedLine { id: uuid::Uuid::now_v7(), in_force: crate::plan::revision::InForce::WHOLE_PLAN, ..l.clone() })
                                .collect();
                            let arrived = Life::with_lines(carried, t.carried_from, life.end);
                            moved_away.push((who, std::mem::replace(life, arrived)));
                        }
                    }
                    _ => {
                        for notice in std::mem::take(&mut life.notices) {
                            let held = life.book.balances().get(LedgerAccount::HeldByBudgetHolder, &notice.stream);
                            let amount = notice.amount.min(held);
                            if amount.is_positive() {
                                let entry = crate::money::audit::recovery(held, &notice.stream, amount, on, "recovered after notice").unwrap();
                                proptest::prop_assert!(life.post(entry));
                            }
                        }
                    }
                }
            }
            // Each day of a person's support is paid once, across every council they lived in.
            let mut seen = std::collections::BTreeSet::new();
            for (who, life) in lives.iter().enumerate().chain(moved_away.iter().map(|(who, life)| (*who, life))) {
                for d in life.book.paid() {
                    let mut day = d.first_day;
                    while day <= d.last_day {
                        proptest::prop_assert!(seen.insert((who, d.stream.clone(), d.payee.clone(), day)), "a day paid twice");
                        day = day.next_day().unwrap();
                    }
                }
            }
            for life in lives.iter().chain(moved_away.iter().map(|(_, life)| life)) {
                proptest::prop_assert_eq!(life.postings.iter().map(|p| p.amount).sum::<Money>(), Money::ZERO);
                proptest::prop_assert_eq!(&crate::money::ledger::Balances::from_postings(&life.postings), life.book.balances());
                let closing = crate::money::statement::statement(
                    life.statement_entries.iter().map(|(kind, postings)| crate::money::statement::StatementEntry { kind: *kind, payee_name: None, postings }),
                    |s| s.to_string(),
                );
                let b = life.book.balances();
                for st in closing {
                    let held = [LedgerAccount::Available, LedgerAccount::HeldByBudgetHolder, LedgerAccount::HeldByProvider].iter().map(|a| b.get(*a, &st.stream)).sum::<Money>();
                    proptest::prop_assert_eq!(st.left, held, "the closing statement's money left is the ledger's");
                    proptest::prop_assert_eq!(st.came_in - st.went_out, st.left);
                }
            }
        }
    }
}
