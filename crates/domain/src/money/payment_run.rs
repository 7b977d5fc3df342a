//! Step 5: what a four-weekly payment run pays each account, and the ledger entries.
//!
//! For every direct-payment line the budget holder is paid the line's annual cost ×
//! days of the period it covers ÷ 364 (so a full 28-day period is exactly a thirteenth);
//! for every individual-service-fund line the provider holding the fund is paid the same
//! way. The weekly client contribution is netted off the direct payment (the person pays
//! it into their account themselves); for a budget with no direct payment it is invoiced.
//! Nothing is paid for days after a suspension starts, or beyond what is available.

use crate::deployment::DeploymentOption;
use crate::money::ledger::{Balances, EntryKind, FundedLine, JournalEntry, LedgerAccount, Posting};
use crate::money::Money;
use crate::deployment::streams::FundingStream;
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};
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
    pub start: Date,
    pub end: Date,
    pub weekly_contribution: Money,
    pub suspended_from: Option<Date>,
    pub lines: Vec<FundedLine>,
    /// Who provides each ISF line (same order as `lines`); ignored for other lines.
    pub providers: Vec<String>,
    pub balances: Balances,
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

fn prorate(annual: Money, days: i64) -> Money {
    Money::from_decimal_rounded(annual.to_decimal() * Decimal::from(days) / Decimal::from(364)).expect("in range")
}

/// Works out what `period`'s run pays for one account. Pure: the caller posts the entries.
pub fn run_account(account: &RunAccount, period: Period, pay_date: Date) -> AccountRun {
    let last_day = match account.suspended_from {
        Some(s) => account.end.min(s - Duration::days(1)),
        None => account.end,
    };
    let days = period.overlap_days(account.start, last_day);
    let mut run = AccountRun::default();
    if days == 0 {
        return run;
    }
    // Direct payments: one payment per stream to the budget holder.
    let mut dp: Vec<(FundingStream, Money)> = Vec::new();
    let mut isf: Vec<(FundingStream, String, Money)> = Vec::new();
    for (i, line) in account.lines.iter().enumerate() {
        let due = prorate(line.annual_cost, days);
        if due.is_zero() {
            continue;
        }
        match line.deployment {
            DeploymentOption::DirectPayment => match dp.iter_mut().find(|(s, _)| *s == line.stream) {
                Some((_, total)) => *total += due,
                None => dp.push((line.stream.clone(), due)),
            },
            DeploymentOption::IndividualServiceFund => {
                let provider = account.providers.get(i).cloned().unwrap_or_default();
                match isf.iter_mut().find(|(s, p, _)| *s == line.stream && *p == provider) {
                    Some((_, _, total)) => *total += due,
                    None => isf.push((line.stream.clone(), provider, due)),
                }
            }
            DeploymentOption::CouncilManaged => {}
        }
    }
    let mut contribution_left =
        Money::from_decimal_rounded(account.weekly_contribution.to_decimal() * Decimal::from(days) / Decimal::from(7)).expect("in range");
    let mut available: Vec<(FundingStream, Money)> = Vec::new();
    let mut take = |stream: &FundingStream, wanted: Money| -> Money {
        let slot = match available.iter().position(|(s, _)| s == stream) {
            Some(i) => i,
            None => {
                available.push((stream.clone(), account.balances.get(LedgerAccount::Available, stream)));
                available.len() - 1
            }
        };
        let got = wanted.min(available[slot].1).max(Money::ZERO);
        available[slot].1 -= got;
        got
    };
    for (stream, wanted) in dp {
        let gross = take(&stream, wanted);
        if gross.is_zero() {
            continue;
        }
        let contribution = contribution_left.min(gross);
        contribution_left -= contribution;
        let mut postings = vec![
            Posting { account: LedgerAccount::Available, stream: stream.clone(), plan_line_id: None, amount: -gross },
            Posting { account: LedgerAccount::HeldByBudgetHolder, stream: stream.clone(), plan_line_id: None, amount: gross },
        ];
        if !contribution.is_zero() {
            postings.push(Posting { account: LedgerAccount::CouncilFunding, stream: stream.clone(), plan_line_id: None, amount: contribution });
            postings.push(Posting { account: LedgerAccount::ClientContribution, stream: stream.clone(), plan_line_id: None, amount: -contribution });
        }
        let description = if contribution.is_zero() {
            format!("Direct payment for {} to {}", crate::dates::long(period.start), crate::dates::long(period.end))
        } else {
            format!("Direct payment for {} to {}, less your contribution of {contribution}", crate::dates::long(period.start), crate::dates::long(period.end))
        };
        let entry = JournalEntry::new(EntryKind::PaymentToBudgetHolder, pay_date, description, postings).expect("balanced by construction");
        run.payments.push(DuePayment { stream, payee: RunPayee::BudgetHolder, gross, contribution, net: gross - contribution, entry });
    }
    for (stream, provider, wanted) in isf {
        let gross = take(&stream, wanted);
        if gross.is_zero() {
            continue;
        }
        let entry = JournalEntry::new(
            EntryKind::PaymentToProvider,
            pay_date,
            format!("Individual service fund for {} to {}", crate::dates::long(period.start), crate::dates::long(period.end)),
            vec![
                Posting { account: LedgerAccount::Available, stream: stream.clone(), plan_line_id: None, amount: -gross },
                Posting { account: LedgerAccount::HeldByProvider, stream: stream.clone(), plan_line_id: None, amount: gross },
            ],
        )
        .expect("balanced by construction");
        run.payments.push(DuePayment { stream, payee: RunPayee::Provider(provider), gross, contribution: Money::ZERO, net: gross, entry });
    }
    let has_dp = account.lines.iter().any(|l| l.deployment == DeploymentOption::DirectPayment);
    if !has_dp && !contribution_left.is_zero() {
        let stream = account.lines.first().map(|l| l.stream.clone()).unwrap_or_else(|| FundingStream::new("adult_social_care"));
        let entry = JournalEntry::new(
            EntryKind::ContributionInvoiced,
            pay_date,
            format!("Your contribution for {} to {}", crate::dates::long(period.start), crate::dates::long(period.end)),
            vec![
                Posting { account: LedgerAccount::ClientContribution, stream: stream.clone(), plan_line_id: None, amount: -contribution_left },
                Posting { account: LedgerAccount::ContributionOwed, stream, plan_line_id: None, amount: contribution_left },
            ],
        )
        .expect("balanced by construction");
        run.invoice = Some(ContributionInvoice { amount: contribution_left, entry });
    }
    run
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
    use crate::money::ledger::allocate_budget;
    use proptest::prelude::*;
    use time::macros::date;

    fn line(deployment: DeploymentOption, pounds: i64) -> FundedLine {
        FundedLine { id: Uuid::now_v7(), stream: FundingStream::new("adult_social_care"), deployment, annual_cost: Money::from_pounds(pounds) }
    }

    fn account(lines: Vec<FundedLine>, weekly_contribution: i64) -> RunAccount {
        let entry = allocate_budget(&lines, date!(2026 - 04 - 01)).unwrap();
        RunAccount {
            start: date!(2026 - 04 - 01),
            end: date!(2027 - 03 - 31),
            weekly_contribution: Money::from_pounds(weekly_contribution),
            suspended_from: None,
            providers: lines.iter().map(|_| "Harbour Support".to_string()).collect(),
            lines,
            balances: Balances::from_postings(&entry.postings),
        }
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
        a.start = date!(2026 - 04 - 15);
        let run = run_account(&a, Period::four_weeks_from(date!(2026 - 04 - 01)), date!(2026 - 04 - 01));
        assert_eq!(run.payments[0].gross, Money::from_pounds(140));
        a.suspended_from = Some(date!(2026 - 04 - 22));
        let run = run_account(&a, Period::four_weeks_from(date!(2026 - 04 - 01)), date!(2026 - 04 - 01));
        assert_eq!(run.payments[0].gross, Money::from_pounds(70));
        a.suspended_from = Some(date!(2026 - 04 - 01));
        assert!(run_account(&a, Period::four_weeks_from(date!(2026 - 04 - 01)), date!(2026 - 04 - 01)).payments.is_empty());
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
        a.balances = Balances::from_postings(&[
            Posting { account: LedgerAccount::Available, stream: FundingStream::new("adult_social_care"), plan_line_id: None, amount: Money::from_pounds(300) },
            Posting {
                account: LedgerAccount::CouncilFunding,
                stream: FundingStream::new("adult_social_care"),
                plan_line_id: None,
                amount: Money::from_pounds(-300),
            },
        ]);
        let run = run_account(&a, Period::four_weeks_from(date!(2026 - 04 - 01)), date!(2026 - 04 - 01));
        assert_eq!(run.payments[0].gross, Money::from_pounds(300));
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
                    prop_assert_eq!(p.entry.postings.iter().map(|x| x.amount).sum::<Money>(), Money::ZERO);
                    prop_assert_eq!(p.gross, p.net + p.contribution);
                    for posting in &p.entry.postings { a.balances.apply(posting); }
                    paid += p.gross;
                }
                start += Duration::days(28);
            }
            prop_assert!((paid - Money::from_pounds(pounds)).pence().abs() <= 13);
            prop_assert!(!a.balances.get(LedgerAccount::Available, &FundingStream::new("adult_social_care")).is_negative());
        }
    }
}
