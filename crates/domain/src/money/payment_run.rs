//! Step 5: what a four-weekly payment run pays each account, and the ledger entries.
//!
//! For every direct-payment line the budget holder is paid the line's annual cost ×
//! days of the period it covers ÷ 364 (so a full 28-day period is exactly a thirteenth);
//! for every individual-service-fund line the provider holding the fund is paid the same
//! way. The weekly client contribution is netted off the direct payment (the person pays
//! it into their account themselves); for a budget with no direct payment it is invoiced.
//! Nothing is paid for days after a suspension starts, or beyond what is available.

use crate::deployment::streams::FundingStream;
use crate::deployment::DeploymentOption;
use crate::money::ledger::{AccountBook, EntryKind, FundedLine, JournalEntry, LedgerAccount, PaidDays, Posting};
use crate::money::Money;
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};
use std::borrow::Cow;
use time::{Date, Duration};
use uuid::Uuid;

/// A four-week pay period, inclusive.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Period {
    pub start: Date,
    pub end: Date,
}

impl Period {
    pub fn four_weeks_from(start: Date) -> Period {
        Period { start, end: start + Duration::days(27) }
    }

    /// Days of this period between `from` and `to` inclusive.
    pub fn overlap_days(&self, from: Date, to: Date) -> i64 {
        let start = self.start.max(from);
        let end = self.end.min(to);
        if end < start {
            0
        } else {
            (end - start).whole_days() + 1
        }
    }
}

/// An account as a payment run needs it.
#[derive(Debug, Clone)]
pub struct RunAccount {
    /// The account's live days, balances and the days already paid: the money gate's view.
    pub book: AccountBook,
    pub weekly_contribution: Money,
    pub lines: Vec<FundedLine>,
    /// Who provides each ISF line (same order as `lines`); ignored for other lines.
    pub providers: Vec<String>,
}

/// Who a payment is for.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", content = "name", rename_all = "snake_case")]
pub enum RunPayee {
    BudgetHolder,
    Provider(String),
}

/// One payment a run makes, with its ledger entry.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DuePayment {
    pub stream: FundingStream,
    pub payee: RunPayee,
    /// What the plan lines come to for the period.
    pub gross: Money,
    /// The client contribution netted off (direct payments only).
    pub contribution: Money,
    /// What is actually paid: gross less contribution.
    pub net: Money,
    pub entry: JournalEntry,
}

/// The invoice for a contribution that could not be netted (no direct payment).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ContributionInvoice {
    pub amount: Money,
    pub entry: JournalEntry,
}

/// Everything a run does for one account.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct AccountRun {
    pub payments: Vec<DuePayment>,
    pub invoice: Option<ContributionInvoice>,
}

pub(crate) fn prorate(annual: Money, days: i64) -> Money {
    Money::from_decimal_rounded(annual.to_decimal() * Decimal::from(days) / Decimal::from(364)).expect("in range")
}

/// The payee code a run's cover is kept under: one budget holder, each ISF provider by its
/// name key, and the contribution invoice.
pub fn payee_code(payee: &RunPayee) -> Cow<'static, str> {
    match payee {
        RunPayee::BudgetHolder => Cow::Borrowed("budget_holder"),
        RunPayee::Provider(name) => Cow::Owned(format!("provider:{}", crate::money::claims::provider_key(name))),
    }
}

const CONTRIBUTION_PAYEE: Cow<'static, str> = Cow::Borrowed("contribution");

/// The days of `period` still to pay for one stream and payee, and how many they are.
fn unpaid(book: &AccountBook, stream: &FundingStream, payee: Cow<'static, str>, period: Period) -> (Vec<PaidDays>, i64) {
    let ranges = book.unpaid_days(stream, payee, period.start, period.end);
    let days = ranges.iter().map(PaidDays::days).sum();
    (ranges, days)
}

/// What is due for the period from some lines, for the days not yet paid.
struct Due {
    stream: FundingStream,
    payee: RunPayee,
    /// The live days of the period not yet paid to this payee from this stream.
    unpaid: Vec<PaidDays>,
    /// Those of them some line is in force on: what the payment pays for.
    pays_for: Vec<PaidDays>,
    days: i64,
    wanted: Money,
}

/// Groups the paid-out lines by stream and payee (direct payments to the budget holder,
/// ISF lines to their provider), each with the unpaid days of the period and its amount:
/// each line for the unpaid days it is in force, so a plan revised in the middle of a
/// period is paid pro rata at each version.
fn dues(account: &RunAccount, period: Period) -> Vec<Due> {
    let mut dues: Vec<Due> = Vec::new();
    for (i, line) in account.lines.iter().enumerate() {
        let payee = match line.deployment {
            DeploymentOption::DirectPayment => RunPayee::BudgetHolder,
            DeploymentOption::IndividualServiceFund => RunPayee::Provider(account.providers.get(i).cloned().unwrap_or_default()),
            DeploymentOption::CouncilManaged => continue,
        };
        let slot = match dues.iter().position(|d| d.stream == line.stream && d.payee == payee) {
            Some(slot) => slot,
            None => {
                let (unpaid, _) = unpaid(&account.book, &line.stream, payee_code(&payee), period);
                dues.push(Due { stream: line.stream.clone(), payee, unpaid, pays_for: Vec::new(), days: 0, wanted: Money::ZERO });
                dues.len() - 1
            }
        };
        let due = &mut dues[slot];
        let mut line_days = 0;
        for range in &due.unpaid {
            if let Some((first_day, last_day)) = line.in_force.clip(range.first_day, range.last_day) {
                line_days += (last_day - first_day).whole_days() + 1;
                due.pays_for.push(PaidDays { first_day, last_day, ..range.clone() });
            }
        }
        due.wanted += prorate(line.annual_cost, line_days);
    }
    for due in &mut dues {
        due.pays_for = merged(std::mem::take(&mut due.pays_for));
        due.days = due.pays_for.iter().map(PaidDays::days).sum();
    }
    // Direct payments first: the contribution is netted from them.
    dues.sort_by_key(|d| d.payee != RunPayee::BudgetHolder);
    dues
}

/// Ranges of one stream and payee, sorted, with overlapping and touching ones joined.
fn merged(mut ranges: Vec<PaidDays>) -> Vec<PaidDays> {
    ranges.sort_by_key(|r| r.first_day);
    let mut out: Vec<PaidDays> = Vec::with_capacity(ranges.len());
    for r in ranges {
        match out.last_mut() {
            Some(last) if last.last_day.next_day().is_some_and(|d| r.first_day <= d) => last.last_day = last.last_day.max(r.last_day),
            _ => out.push(r),
        }
    }
    out
}

/// Works out what `period`'s run pays for one account: each line for the live days of the
/// period not already paid (so a second or overlapping run pays nothing twice). Pure: the
/// caller posts the entries through the money gate.
pub fn run_account(account: &RunAccount, period: Period, pay_date: Date) -> AccountRun {
    let mut run = AccountRun::default();
    let dues = dues(account, period);
    let contribution_days = dues.iter().find(|d| d.payee == RunPayee::BudgetHolder).map(|d| d.days);
    let weekly_share =
        |days: i64| Money::from_decimal_rounded(account.weekly_contribution.to_decimal() * Decimal::from(days) / Decimal::from(7)).expect("in range");
    let mut contribution_left = weekly_share(contribution_days.unwrap_or(0));
    let mut available: Vec<(FundingStream, Money)> = Vec::new();
    let mut take = |stream: &FundingStream, wanted: Money| -> Money {
        let slot = match available.iter().position(|(s, _)| s == stream) {
            Some(i) => i,
            None => {
                available.push((stream.clone(), account.book.balances().get(LedgerAccount::Available, stream)));
                available.len() - 1
            }
        };
        let got = wanted.min(available[slot].1).max(Money::ZERO);
        available[slot].1 -= got;
        got
    };
    // The period in words, written straight into each description (no joined copy).
    let span = (crate::dates::long(period.start), crate::dates::long(period.end));
    let (from, to) = (&span.0, &span.1);
    for Due { stream, payee, pays_for, wanted, .. } in dues {
        let gross = take(&stream, wanted);
        if gross.is_zero() {
            continue;
        }
        let mut postings = vec![
            Posting { account: LedgerAccount::Available, stream: stream.clone(), plan_line_id: None, amount: -gross },
            Posting { account: LedgerAccount::HeldByBudgetHolder, stream: stream.clone(), plan_line_id: None, amount: gross },
        ];
        let (kind, contribution, description) = match payee {
            RunPayee::BudgetHolder => {
                let contribution = contribution_left.min(gross);
                contribution_left -= contribution;
                if !contribution.is_zero() {
                    postings.push(Posting { account: LedgerAccount::CouncilFunding, stream: stream.clone(), plan_line_id: None, amount: contribution });
                    postings.push(Posting { account: LedgerAccount::ClientContribution, stream: stream.clone(), plan_line_id: None, amount: -contribution });
                }
                let description = match contribution.is_zero() {
                    true => format!("Direct payment for {from} to {to}"),
                    false => format!("Direct payment for {from} to {to}, less your contribution of {contribution}"),
                };
                (EntryKind::PaymentToBudgetHolder, contribution, description)
            }
            RunPayee::Provider(_) => {
                postings[1].account = LedgerAccount::HeldByProvider;
                (EntryKind::PaymentToProvider, Money::ZERO, format!("Individual service fund for {from} to {to}"))
            }
        };
        let entry = JournalEntry::new(kind, pay_date, description, postings).expect("balanced by construction").paying_for(pays_for);
        run.payments.push(DuePayment { stream, payee, gross, contribution, net: gross - contribution, entry });
    }
    if contribution_days.is_none() {
        run.invoice = contribution_invoice(account, period, pay_date, (from, to), weekly_share);
    }
    run
}

/// With no direct payment to net it from, the contribution for the unpaid days is invoiced.
fn contribution_invoice(
    account: &RunAccount,
    period: Period,
    pay_date: Date,
    (from, to): (&str, &str),
    weekly_share: impl Fn(i64) -> Money,
) -> Option<ContributionInvoice> {
    let stream = account.lines.first().map(|l| l.stream.clone()).unwrap_or_else(|| FundingStream::new("adult_social_care"));
    let (pays_for, days) = unpaid(&account.book, &stream, CONTRIBUTION_PAYEE, period);
    let amount = weekly_share(days);
    if amount.is_zero() {
        return None;
    }
    let postings = vec![
        Posting { account: LedgerAccount::ClientContribution, stream: stream.clone(), plan_line_id: None, amount: -amount },
        Posting { account: LedgerAccount::ContributionOwed, stream, plan_line_id: None, amount },
    ];
    let entry = JournalEntry::new(EntryKind::ContributionInvoiced, pay_date, format!("Your contribution for {from} to {to}"), postings)
        .expect("balanced by construction");
    Some(ContributionInvoice { amount, entry: entry.paying_for(pays_for) })
}

/// An idempotency key for one payment of one run: the same payment can never be posted twice.
pub fn idempotency_key(run_id: Uuid, account_id: Uuid, stream: &FundingStream, payee: &RunPayee) -> String {
    match payee {
        RunPayee::BudgetHolder => format!("run:{run_id}:{account_id}:{stream}:holder"),
        RunPayee::Provider(p) => format!("run:{run_id}:{account_id}:{stream}:provider:{p}"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::money::ledger::{allocate_budget, pay, record_spending, Balances, GateRefusal, InForce, Payee};
    use proptest::prelude::*;
    use time::macros::date;

    fn line(deployment: DeploymentOption, pounds: i64) -> FundedLine {
        FundedLine {
            id: Uuid::now_v7(),
            stream: FundingStream::new("adult_social_care"),
            deployment,
            annual_cost: Money::from_pounds(pounds),
            in_force: InForce::WHOLE_PLAN,
        }
    }

    fn book(start: Date, suspended_from: Option<Date>, balances: Balances) -> AccountBook {
        AccountBook::new(start, date!(2027 - 03 - 31), suspended_from, balances, Vec::new())
    }

    fn account(lines: Vec<FundedLine>, weekly_contribution: i64) -> RunAccount {
        let entry = allocate_budget(&lines, date!(2026 - 04 - 01)).unwrap();
        RunAccount {
            book: book(date!(2026 - 04 - 01), None, Balances::from_postings(entry.postings())),
            weekly_contribution: Money::from_pounds(weekly_contribution),
            providers: lines.iter().map(|_| "Harbour Support".to_string()).collect(),
            lines,
        }
    }

    #[test]
    fn a_plan_revised_in_the_middle_of_a_period_pays_each_day_at_its_version() {
        // £13,000 a year to 14 April, then £26,000 a year from 15 April (more hours).
        let mut before = line(DeploymentOption::DirectPayment, 13_000);
        before.in_force = InForce { from: None, to: Some(date!(2026 - 04 - 14)) };
        let mut after = line(DeploymentOption::DirectPayment, 26_000);
        after.in_force = InForce { from: Some(date!(2026 - 04 - 15)), to: None };
        let mut a = account(vec![before, after], 0);
        let period = Period::four_weeks_from(date!(2026 - 04 - 01));
        let run = run_account(&a, period, date!(2026 - 04 - 01));
        assert_eq!(run.payments.len(), 1, "one payment to the budget holder: {run:?}");
        let paid = &run.payments[0];
        assert_eq!(paid.gross, prorate(Money::from_pounds(13_000), 14) + prorate(Money::from_pounds(26_000), 14));
        assert_eq!(paid.gross, Money::from_pounds(1_500));
        assert_eq!(paid.entry.pays_for().len(), 1, "the fortnights join: {:?}", paid.entry.pays_for());
        a.book.admit(&paid.entry).unwrap();
        assert!(run_account(&a, period, date!(2026 - 04 - 01)).payments.is_empty(), "each day once, whatever the version");
        // A line that has ended is not paid for the days after it.
        let mut ended = line(DeploymentOption::DirectPayment, 13_000);
        ended.in_force = InForce { from: None, to: Some(date!(2026 - 04 - 07)) };
        let only_ended = account(vec![ended], 0);
        let run = run_account(&only_ended, period, date!(2026 - 04 - 01));
        assert_eq!((run.payments[0].gross, run.payments[0].entry.pays_for()[0].last_day), (prorate(Money::from_pounds(13_000), 7), date!(2026 - 04 - 07)));
    }

    #[test]
    fn a_full_period_is_a_thirteenth_less_the_contribution() {
        let a = account(
            vec![
                line(DeploymentOption::DirectPayment, 13_000),
                line(DeploymentOption::IndividualServiceFund, 2_600),
                line(DeploymentOption::CouncilManaged, 5_000),
            ],
            25,
        );
        let run = run_account(&a, Period::four_weeks_from(date!(2026 - 04 - 01)), date!(2026 - 04 - 01));
        assert_eq!(run.payments.len(), 2);
        let dp = &run.payments[0];
        assert_eq!((dp.gross, dp.contribution, dp.net), (Money::from_pounds(1_000), Money::from_pounds(100), Money::from_pounds(900)));
        assert_eq!(run.payments[1].payee, RunPayee::Provider("Harbour Support".into()));
        assert_eq!(run.payments[1].net, Money::from_pounds(200));
        assert!(run.invoice.is_none());
    }

    #[test]
    fn part_periods_are_prorated_and_suspensions_stop_payment() {
        let mut a = account(vec![line(DeploymentOption::DirectPayment, 3_640)], 0);
        // The account starts 14 days into the period: half of £280.
        a.book = book(date!(2026 - 04 - 15), None, a.book.balances().clone());
        let run = run_account(&a, Period::four_weeks_from(date!(2026 - 04 - 01)), date!(2026 - 04 - 01));
        assert_eq!(run.payments[0].gross, Money::from_pounds(140));
        a.book = book(date!(2026 - 04 - 15), Some(date!(2026 - 04 - 22)), a.book.balances().clone());
        let run = run_account(&a, Period::four_weeks_from(date!(2026 - 04 - 01)), date!(2026 - 04 - 01));
        assert_eq!(run.payments[0].gross, Money::from_pounds(70));
        a.book = book(date!(2026 - 04 - 15), Some(date!(2026 - 04 - 01)), a.book.balances().clone());
        assert!(run_account(&a, Period::four_weeks_from(date!(2026 - 04 - 01)), date!(2026 - 04 - 01)).payments.is_empty());
    }

    #[test]
    fn the_days_of_a_past_suspension_are_not_paid_after_the_resumption() {
        // £10 a day; a week in hospital (15 to 21 April), home again since: 21 of 28 days.
        let mut a = account(vec![line(DeploymentOption::DirectPayment, 3_640)], 0);
        a.book = book(date!(2026 - 04 - 01), None, a.book.balances().clone()).with_past_suspensions(vec![(date!(2026 - 04 - 15), date!(2026 - 04 - 21))]);
        let run = run_account(&a, Period::four_weeks_from(date!(2026 - 04 - 01)), date!(2026 - 04 - 01));
        assert_eq!(run.payments[0].gross, Money::from_pounds(210));
        let covered: Vec<(Date, Date)> = run.payments[0].entry.pays_for().iter().map(|d| (d.first_day, d.last_day)).collect();
        assert_eq!(covered, vec![(date!(2026 - 04 - 01), date!(2026 - 04 - 14)), (date!(2026 - 04 - 22), date!(2026 - 04 - 28))]);
        // And the gate refuses an entry paying for those days, whoever made it.
        let whole =
            run_account(&account(vec![line(DeploymentOption::DirectPayment, 3_640)], 0), Period::four_weeks_from(date!(2026 - 04 - 01)), date!(2026 - 04 - 01));
        assert!(matches!(a.book.admit(&whole.payments[0].entry), Err(GateRefusal::Suspended { .. })));
    }

    #[test]
    fn contributions_are_invoiced_when_nothing_is_a_direct_payment() {
        let a = account(vec![line(DeploymentOption::IndividualServiceFund, 13_000)], 30);
        let run = run_account(&a, Period::four_weeks_from(date!(2026 - 04 - 01)), date!(2026 - 04 - 01));
        assert_eq!(run.invoice.unwrap().amount, Money::from_pounds(120));
    }

    #[test]
    fn never_pays_more_than_is_available() {
        let mut a = account(vec![line(DeploymentOption::DirectPayment, 13_000)], 0);
        a.book = book(
            date!(2026 - 04 - 01),
            None,
            Balances::from_postings(&[
                Posting {
                    account: LedgerAccount::Available,
                    stream: FundingStream::new("adult_social_care"),
                    plan_line_id: None,
                    amount: Money::from_pounds(300),
                },
                Posting {
                    account: LedgerAccount::CouncilFunding,
                    stream: FundingStream::new("adult_social_care"),
                    plan_line_id: None,
                    amount: Money::from_pounds(-300),
                },
            ]),
        );
        let run = run_account(&a, Period::four_weeks_from(date!(2026 - 04 - 01)), date!(2026 - 04 - 01));
        assert_eq!(run.payments[0].gross, Money::from_pounds(300));
    }

    #[test]
    fn a_second_or_overlapping_run_pays_no_day_twice() {
        let mut a = account(vec![line(DeploymentOption::DirectPayment, 3_640), line(DeploymentOption::IndividualServiceFund, 3_640)], 7);
        let first = run_account(&a, Period::four_weeks_from(date!(2026 - 11 - 02)), date!(2026 - 11 - 02));
        assert_eq!(first.payments.len(), 2);
        for p in &first.payments {
            a.book.admit(&p.entry).unwrap();
        }
        // The same period again pays nothing.
        assert!(run_account(&a, Period::four_weeks_from(date!(2026 - 11 - 02)), date!(2026 - 11 - 02)).payments.is_empty());
        // A period starting a day later pays only its last day, 2026-11-30: £10 a line, less £1 of contribution.
        let overlapping = run_account(&a, Period::four_weeks_from(date!(2026 - 11 - 03)), date!(2026 - 11 - 03));
        assert_eq!(overlapping.payments.iter().map(|p| p.gross).collect::<Vec<_>>(), vec![Money::from_pounds(10), Money::from_pounds(10)]);
        assert_eq!(overlapping.payments[0].contribution, Money::from_pounds(1));
        let days = overlapping.payments[0].entry.pays_for();
        assert_eq!((days.len(), days[0].first_day, days[0].last_day), (1, date!(2026 - 11 - 30), date!(2026 - 11 - 30)));
        // An entry built for days already paid is refused by the gate, and changes nothing.
        let before = a.book.clone();
        assert!(matches!(a.book.admit(&first.payments[0].entry), Err(GateRefusal::AlreadyPaid(_))));
        assert_eq!(a.book, before);
    }

    #[test]
    fn a_contribution_is_invoiced_once_for_its_days() {
        let mut a = account(vec![line(DeploymentOption::IndividualServiceFund, 13_000)], 7);
        let period = Period::four_weeks_from(date!(2026 - 04 - 01));
        let invoice = run_account(&a, period, period.start).invoice.unwrap();
        a.book.admit(&invoice.entry).unwrap();
        assert!(run_account(&a, period, period.start).invoice.is_none());
    }

    proptest! {
        /// Thirteen runs pay a whole year's direct payment to within a few pence of rounding.
        #[test]
        fn thirteen_runs_pay_the_year(pounds in 1i64..100_000, contribution in 0i64..50) {
            let mut a = account(vec![line(DeploymentOption::DirectPayment, pounds)], contribution);
            let mut paid = Money::ZERO;
            let mut start = date!(2026 - 04 - 01);
            for _ in 0..13 {
                let run = run_account(&a, Period::four_weeks_from(start), start);
                for p in &run.payments {
                    prop_assert_eq!(p.entry.postings().iter().map(|x| x.amount).sum::<Money>(), Money::ZERO);
                    prop_assert_eq!(p.gross, p.net + p.contribution);
                    a.book.admit(&p.entry).unwrap();
                    paid += p.gross;
                }
                start += Duration::days(28);
            }
            prop_assert!((paid - Money::from_pounds(pounds)).pence().abs() <= 13);
            prop_assert!(!a.book.balances().get(LedgerAccount::Available, &FundingStream::new("adult_social_care")).is_negative());
        }

        /// Random money operations on several accounts (runs over random, overlapping periods,
        /// one-off payments, spending, recovery, each admitted through the gate): no day is
        /// paid twice for a stream and payee, nothing held goes below zero, and every
        /// account's postings sum to zero.
        #[test]
        fn no_day_is_paid_twice(ops in proptest::collection::vec((0usize..3, 0u8..4, 0i64..120, 1i64..200_000), 1..80)) {
            use std::collections::BTreeMap;
            let mut accounts: Vec<RunAccount> = (0..3).map(|i| account(
                vec![line(DeploymentOption::DirectPayment, 5_000 + 1_000 * i as i64), line(DeploymentOption::IndividualServiceFund, 2_000)],
                i as i64 * 10,
            )).collect();
            let mut days_paid: BTreeMap<(usize, String, Date), u32> = BTreeMap::new();
            let mut postings: Vec<Vec<Posting>> = vec![Vec::new(); 3];
            for (i, a) in accounts.iter().enumerate() {
                postings[i].extend(allocate_budget(&a.lines, date!(2026 - 04 - 01)).unwrap().postings().iter().cloned());
            }
            for (which, op, offset, pence) in ops {
                let a = &mut accounts[which];
                let on = date!(2026 - 03 - 20) + Duration::days(offset * 3);
                let entries: Vec<JournalEntry> = match op {
                    0 => {
                        let run = run_account(a, Period::four_weeks_from(on), on);
                        run.payments.into_iter().map(|p| p.entry).chain(run.invoice.map(|i| i.entry)).collect()
                    }
                    1 => pay(a.book.balances(), Payee::BudgetHolder, &a.lines[0].stream, None, Money::from_pence(pence), on, "one-off").into_iter().collect(),
                    2 => record_spending(a.book.balances(), &a.lines[0], Money::from_pence(pence), on, "spend").into_iter().collect(),
                    _ => {
                        let held = a.book.balances().get(LedgerAccount::HeldByBudgetHolder, &a.lines[0].stream);
                        crate::money::audit::recovery(held, &a.lines[0].stream, Money::from_pence(pence), on, "unspent").into_iter().collect()
                    }
                };
                for entry in entries {
                    if a.book.admit(&entry).is_ok() {
                        for cover in entry.pays_for() {
                            let mut day = cover.first_day;
                            while day <= cover.last_day {
                                *days_paid.entry((which, format!("{}/{}", cover.stream, cover.payee), day)).or_default() += 1;
                                day = day.next_day().unwrap();
                            }
                        }
                        postings[which].extend(entry.postings().iter().cloned());
                    }
                }
                let b = a.book.balances();
                for held in [LedgerAccount::Available, LedgerAccount::HeldByBudgetHolder, LedgerAccount::HeldByProvider, LedgerAccount::Spent, LedgerAccount::ContributionOwed] {
                    prop_assert!(!b.total(held).is_negative(), "{:?} went below zero", held);
                }
            }
            prop_assert!(days_paid.values().all(|&n| n == 1), "a day was paid twice");
            prop_assert!(days_paid.keys().all(|(_, _, d)| *d >= date!(2026 - 04 - 01) && *d <= date!(2027 - 03 - 31)), "a day outside the live span was paid");
            for (i, a) in accounts.iter().enumerate() {
                prop_assert_eq!(postings[i].iter().map(|p| p.amount).sum::<Money>(), Money::ZERO);
                prop_assert_eq!(&Balances::from_postings(&postings[i]), a.book.balances());
            }
        }
    }
}
