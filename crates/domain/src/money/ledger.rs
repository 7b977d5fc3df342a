//! Step 5: the double-entry ledger of a budget account.
//!
//! Every journal entry's postings add up to zero, so money is never created or lost: it
//! only moves between ledger accounts. Sign convention: a positive amount is money arriving
//! in an account (a debit). `CouncilFunding` goes negative as the council commits money.

use crate::codes::coded_enum;
use crate::deployment::streams::FundingStream;
use crate::deployment::DeploymentOption;
use crate::money::Money;
pub use crate::plan::revision::InForce;
use crate::validation::Problems;
use serde::{Deserialize, Serialize};
use std::borrow::Cow;
use std::collections::BTreeMap;
use time::Date;
use uuid::Uuid;

coded_enum!(
    /// Where a budget's money is at any moment.
    LedgerAccount {
        CouncilFunding => ("council_funding", "Council funding committed"),
        Available => ("available", "Held by the council, not yet paid out"),
        HeldByBudgetHolder => ("held_by_budget_holder", "In the direct-payment bank account"),
        HeldByProvider => ("held_by_provider", "Held by the individual service fund provider"),
        Spent => ("spent", "Spent on support"),
        ClientContribution => ("client_contribution", "Paid by the person as their contribution"),
        ContributionOwed => ("contribution_owed", "Contribution invoiced, not yet paid"),
    }
);

coded_enum!(
    /// What a journal entry records.
    EntryKind {
        BudgetAllocated => ("budget_allocated", "Budget allocated"),
        BudgetChanged => ("budget_changed", "Budget changed by a plan revision"),
        PaymentToBudgetHolder => ("payment_to_budget_holder", "Direct payment paid"),
        PaymentToProvider => ("payment_to_provider", "Paid to provider"),
        Spending => ("spending", "Spending recorded"),
        ContributionInvoiced => ("contribution_invoiced", "Contribution invoiced"),
        Recovery => ("recovery", "Unspent money recovered"),
    }
);

/// One side of a movement of money.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Posting {
    pub account: LedgerAccount,
    pub stream: FundingStream,
    /// The plan line this money is for, when it is for one.
    pub plan_line_id: Option<Uuid>,
    pub amount: Money,
}

/// Days of a budget that an entry pays for, inclusive, for one stream and one payee
/// (`budget_holder`, `provider:<name key>`, or `contribution`). Each day of an account is
/// paid once per stream and payee: [`AccountBook::admit`] refuses a second cover of it,
/// and so does the database.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PaidDays {
    pub stream: FundingStream,
    /// A code, borrowed where it is fixed (`budget_holder`, `contribution`): runs make one
    /// per payment, so it should not cost an allocation.
    pub payee: Cow<'static, str>,
    pub first_day: Date,
    pub last_day: Date,
}

impl PaidDays {
    fn overlaps(&self, other: &PaidDays) -> bool {
        self.stream == other.stream && self.payee == other.payee && self.first_day <= other.last_day && other.first_day <= self.last_day
    }

    /// How many days it covers.
    pub fn days(&self) -> i64 {
        (self.last_day - self.first_day).whole_days() + 1
    }
}

/// A balanced set of postings: the only way money moves. Its fields are private and it
/// cannot be deserialised: an entry is made only by the operations of the `money` module
/// (allocation, payments, claims, spending, contributions, recovery), each of which
/// checks its own rules, and is admitted to an account only by [`AccountBook::admit`].
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct JournalEntry {
    kind: EntryKind,
    occurred_on: Date,
    description: String,
    postings: Vec<Posting>,
    #[serde(skip)]
    pays_for: Vec<PaidDays>,
}

/// A journal entry that would break the ledger's rules.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum LedgerError {
    #[error("a journal entry needs at least two postings")]
    TooFewPostings,
    #[error("a posting of £0.00 records nothing")]
    ZeroPosting,
    #[error("postings add up to {0}, not £0.00: money would be created or lost")]
    Unbalanced(Money),
}

impl JournalEntry {
    /// Builds an entry, refusing one whose postings do not add up to zero. Only the money
    /// module's operations call it.
    pub(in crate::money) fn new(
        kind: EntryKind,
        occurred_on: Date,
        description: impl Into<String>,
        postings: Vec<Posting>,
    ) -> Result<JournalEntry, LedgerError> {
        if postings.len() < 2 {
            return Err(LedgerError::TooFewPostings);
        }
        if postings.iter().any(|p| p.amount.is_zero()) {
            return Err(LedgerError::ZeroPosting);
        }
        let sum = postings.iter().try_fold(Money::ZERO, |acc, p| acc.checked_add(p.amount)).ok_or(LedgerError::Unbalanced(Money::from_pence(i64::MAX)))?;
        if !sum.is_zero() {
            return Err(LedgerError::Unbalanced(sum));
        }
        Ok(JournalEntry { kind, occurred_on, description: description.into(), postings, pays_for: Vec::new() })
    }

    /// The same entry, paying for these days.
    pub(in crate::money) fn paying_for(mut self, days: Vec<PaidDays>) -> JournalEntry {
        self.pays_for = days;
        self
    }

    /// A movement of `amount` from one ledger account to another within one stream.
    #[allow(clippy::too_many_arguments)]
    pub(in crate::money) fn transfer(
        kind: EntryKind,
        occurred_on: Date,
        description: impl Into<String>,
        from: LedgerAccount,
        to: LedgerAccount,
        stream: FundingStream,
        plan_line_id: Option<Uuid>,
        amount: Money,
    ) -> Result<JournalEntry, LedgerError> {
        JournalEntry::new(
            kind,
            occurred_on,
            description,
            vec![Posting { account: from, stream: stream.clone(), plan_line_id, amount: -amount }, Posting { account: to, stream, plan_line_id, amount }],
        )
    }

    pub fn kind(&self) -> EntryKind {
        self.kind
    }

    pub fn occurred_on(&self) -> Date {
        self.occurred_on
    }

    pub fn description(&self) -> &str {
        &self.description
    }

    pub fn postings(&self) -> &[Posting] {
        &self.postings
    }

    /// The days this entry pays for (a scheduled payment or contribution), if any.
    pub fn pays_for(&self) -> &[PaidDays] {
        &self.pays_for
    }
}

/// Why the money gate refused an entry for an account.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum GateRefusal {
    #[error("{} of the {} stream would be {balance}: nothing held may go below £0.00", .account.label(), .stream.words())]
    BelowZero { account: LedgerAccount, stream: FundingStream, balance: Money },
    #[error("it pays for {} to {}, outside the budget's live days ({} to {})", crate::dates::iso(.days.first_day), crate::dates::iso(.days.last_day), crate::dates::iso(*.live_from), crate::dates::iso(*.live_to))]
    OutsideLiveSpan { days: PaidDays, live_from: Date, live_to: Date },
    #[error("it pays for {} to {}, within a suspension ({} to {})", crate::dates::iso(.days.first_day), crate::dates::iso(.days.last_day), crate::dates::iso(*.first), crate::dates::iso(*.last))]
    Suspended { days: PaidDays, first: Date, last: Date },
    #[error("{} to {} of the {} stream ({}) are already paid for this budget", crate::dates::iso(.0.first_day), crate::dates::iso(.0.last_day), .0.stream.words(), .0.payee)]
    AlreadyPaid(PaidDays),
}

/// What the money gate knows of one budget account: the days it is live, its balances,
/// and the days already paid. Every entry reaches an account through [`AccountBook::admit`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AccountBook {
    live_from: Date,
    live_to: Date,
    balances: Balances,
    paid: Vec<PaidDays>,
    /// Past suspensions (first and last day), ended by a resumption: not live, never paid.
    suspended: Vec<(Date, Date)>,
}

impl AccountBook {
    /// An account live from `start` to `end` inclusive, or to the day before `suspended_from`.
    pub fn new(start: Date, end: Date, suspended_from: Option<Date>, balances: Balances, paid: Vec<PaidDays>) -> AccountBook {
        let live_to = match suspended_from.and_then(|s| s.previous_day()) {
            Some(before) => end.min(before),
            None => end,
        };
        AccountBook { live_from: start, live_to, balances, paid, suspended: Vec::new() }
    }

    /// The same book with past suspensions (a stay in hospital, ended by a resumption):
    /// their days are not live, so no run pays them afterwards and no entry may.
    pub fn with_past_suspensions(mut self, suspended: Vec<(Date, Date)>) -> AccountBook {
        self.suspended = suspended;
        self
    }

    fn in_past_suspension(&self, days: &PaidDays) -> Option<(Date, Date)> {
        self.suspended.iter().copied().find(|(first, last)| *first <= days.last_day && days.first_day <= *last)
    }

    pub fn balances(&self) -> &Balances {
        &self.balances
    }

    pub fn paid(&self) -> &[PaidDays] {
        &self.paid
    }

    /// The live days between `from` and `to` not yet paid for this stream and payee, as
    /// inclusive ranges in order.
    pub fn unpaid_days(&self, stream: &FundingStream, payee: Cow<'static, str>, from: Date, to: Date) -> Vec<PaidDays> {
        let (mut start, end) = (from.max(self.live_from), to.min(self.live_to));
        let days = |first_day, last_day| PaidDays { stream: stream.clone(), payee: payee.clone(), first_day, last_day };
        // Days paid for this stream and payee, and days of a past suspension: both taken.
        let mut taken: Vec<(Date, Date)> = self
            .paid
            .iter()
            .filter(|p| &p.stream == stream && p.payee == payee)
            .map(|p| (p.first_day, p.last_day))
            .chain(self.suspended.iter().copied())
            .filter(|(first, last)| *first <= end && *last >= start)
            .collect();
        taken.sort();
        let mut free = Vec::with_capacity(1);
        for (first, last) in taken {
            if first > start {
                free.push(days(start, first.previous_day().expect("after start")));
            }
            match last.next_day() {
                Some(next) => start = start.max(next),
                None => return free,
            }
        }
        if start <= end {
            free.push(days(start, end));
        }
        free
    }

    /// The money gate for one account: admits `entry` only if nothing held goes below zero
    /// and the days it pays for are live and not yet paid; then applies it. A refused
    /// entry changes nothing.
    pub fn admit(&mut self, entry: &JournalEntry) -> Result<(), GateRefusal> {
        for (i, days) in entry.pays_for.iter().enumerate() {
            if days.first_day < self.live_from || days.last_day > self.live_to || days.first_day > days.last_day {
                return Err(GateRefusal::OutsideLiveSpan { days: days.clone(), live_from: self.live_from, live_to: self.live_to });
            }
            if let Some((first, last)) = self.in_past_suspension(days) {
                return Err(GateRefusal::Suspended { days: days.clone(), first, last });
            }
            if self.paid.iter().chain(&entry.pays_for[..i]).any(|p| p.overlaps(days)) {
                return Err(GateRefusal::AlreadyPaid(days.clone()));
            }
        }
        // Each holding the entry touches, as it would be after it (an entry has a few
        // postings, so this is cheaper than copying every balance to try it).
        for posting in &entry.postings {
            let same = |p: &&Posting| p.account == posting.account && p.stream == posting.stream;
            let balance = self.balances.get(posting.account, &posting.stream) + entry.postings.iter().filter(same).map(|p| p.amount).sum::<Money>();
            if posting.account != LedgerAccount::CouncilFunding && posting.account != LedgerAccount::ClientContribution && balance.is_negative() {
                return Err(GateRefusal::BelowZero { account: posting.account, stream: posting.stream.clone(), balance });
            }
        }
        for posting in &entry.postings {
            self.balances.apply(posting);
        }
        self.paid.extend(entry.pays_for.iter().cloned());
        Ok(())
    }
}

/// Balances per (ledger account, stream), from replaying postings.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Balances(BTreeMap<(LedgerAccount, FundingStream), Money>);

impl Balances {
    pub fn from_postings<'a>(postings: impl IntoIterator<Item = &'a Posting>) -> Balances {
        let mut b = Balances::default();
        for p in postings {
            b.apply(p);
        }
        b
    }

    pub fn apply(&mut self, posting: &Posting) {
        *self.0.entry((posting.account, posting.stream.clone())).or_default() += posting.amount;
    }

    pub fn get(&self, account: LedgerAccount, stream: &FundingStream) -> Money {
        self.0.get(&(account, stream.clone())).copied().unwrap_or_default()
    }

    pub fn total(&self, account: LedgerAccount) -> Money {
        self.0.iter().filter(|((a, _), _)| *a == account).map(|(_, m)| *m).sum()
    }

    /// The sum of every balance; zero while the ledger is sound.
    pub fn sum(&self) -> Money {
        self.0.values().copied().sum()
    }

    /// Money in the budget not yet spent: with the council, the person, or the ISF provider.
    pub fn unspent(&self) -> Money {
        self.total(LedgerAccount::Available) + self.total(LedgerAccount::HeldByBudgetHolder) + self.total(LedgerAccount::HeldByProvider)
    }

    /// Each stream's balance of `account` where it holds more than nothing, in stream order
    /// (what is in a direct-payment account, stream by stream).
    pub fn holding(&self, account: LedgerAccount) -> Vec<(FundingStream, Money)> {
        self.0.iter().filter(|((a, _), m)| *a == account && m.is_positive()).map(|((_, s), m)| (s.clone(), *m)).collect()
    }

    pub fn streams(&self) -> Vec<FundingStream> {
        let mut s: Vec<_> = self.0.keys().map(|(_, s)| s.clone()).collect();
        s.sort();
        s.dedup();
        s
    }
}

/// A plan line as the money rules need it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FundedLine {
    pub id: Uuid,
    pub stream: FundingStream,
    pub deployment: DeploymentOption,
    pub annual_cost: Money,
    /// The days the line is in force (a revision ends and begins lines).
    pub in_force: InForce,
}

/// Commits the council's money for an approved plan: one pair of postings per stream.
pub fn allocate_budget(lines: &[FundedLine], on: Date) -> Result<JournalEntry, LedgerError> {
    let mut per_stream: BTreeMap<FundingStream, Money> = BTreeMap::new();
    for line in lines {
        *per_stream.entry(line.stream.clone()).or_default() += line.annual_cost;
    }
    let mut postings = Vec::new();
    for (stream, amount) in per_stream.into_iter().filter(|(_, a)| !a.is_zero()) {
        postings.push(Posting { account: LedgerAccount::CouncilFunding, stream: stream.clone(), plan_line_id: None, amount: -amount });
        postings.push(Posting { account: LedgerAccount::Available, stream, plan_line_id: None, amount });
    }
    JournalEntry::new(EntryKind::BudgetAllocated, on, "Personal budget allocated from the approved support plan", postings)
}

/// The journal entry that moves the council's commitment by `change`: more money made
/// available, or money released back to the council (no more than it still holds, since
/// nothing held may go below zero). `None` when nothing moves.
pub fn change_commitment(change: &BTreeMap<FundingStream, Money>, available: impl Fn(&FundingStream) -> Money, on: Date) -> Option<JournalEntry> {
    let mut postings = Vec::new();
    for (stream, amount) in change {
        let moved = if amount.is_negative() { -(-*amount).min(available(stream).max(Money::ZERO)) } else { *amount };
        if moved.is_zero() {
            continue;
        }
        postings.push(Posting { account: LedgerAccount::CouncilFunding, stream: stream.clone(), plan_line_id: None, amount: -moved });
        postings.push(Posting { account: LedgerAccount::Available, stream: stream.clone(), plan_line_id: None, amount: moved });
    }
    if postings.is_empty() {
        return None;
    }
    Some(JournalEntry::new(EntryKind::BudgetChanged, on, "Personal budget changed by a revision of the support plan", postings).expect("each pair balances"))
}

/// Who a payment goes to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub enum Payee {
    BudgetHolder,
    Provider,
}

/// Pays money out of what the council holds for the person.
///
/// - To the budget holder: a direct payment, into their direct-payment account.
/// - To a provider for a council-managed line: the money is spent on that line.
/// - To a provider for an individual-service-fund line: the provider now holds it.
pub fn pay(
    balances: &Balances,
    payee: Payee,
    stream: &FundingStream,
    line: Option<&FundedLine>,
    amount: Money,
    on: Date,
    description: &str,
) -> Result<JournalEntry, Problems> {
    let mut p = Problems::new();
    if amount.is_zero() {
        p.add("amount", "must be more than £0.00");
    }
    let available = balances.get(LedgerAccount::Available, stream);
    if amount > available {
        p.add("amount", format!("is {amount}, but only {available} of the {} stream is available to pay", stream.words()));
    }
    let (kind, to) = match (payee, line) {
        (Payee::BudgetHolder, Some(l)) if l.deployment != DeploymentOption::DirectPayment => {
            p.add("plan_line_id", format!("this line is held as a {}, not a direct payment", l.deployment.label().to_lowercase()));
            (EntryKind::PaymentToBudgetHolder, LedgerAccount::HeldByBudgetHolder)
        }
        (Payee::BudgetHolder, _) => (EntryKind::PaymentToBudgetHolder, LedgerAccount::HeldByBudgetHolder),
        (Payee::Provider, None) => {
            p.add("plan_line_id", "is required for a payment to a provider: say which line of the plan it pays for");
            (EntryKind::PaymentToProvider, LedgerAccount::Spent)
        }
        (Payee::Provider, Some(l)) => match l.deployment {
            DeploymentOption::CouncilManaged => (EntryKind::PaymentToProvider, LedgerAccount::Spent),
            DeploymentOption::IndividualServiceFund => (EntryKind::PaymentToProvider, LedgerAccount::HeldByProvider),
            DeploymentOption::DirectPayment => {
                p.add("payee", "this line is a direct payment: pay the budget holder, who pays the provider");
                (EntryKind::PaymentToProvider, LedgerAccount::Spent)
            }
        },
    };
    if let Some(l) = line {
        if &l.stream != stream {
            p.add("stream", format!("the plan line is funded by {}, not {}", l.stream.words(), stream.words()));
        }
    }
    if !p.is_empty() {
        return Err(p);
    }
    JournalEntry::transfer(kind, on, description, LedgerAccount::Available, to, stream.clone(), line.map(|l| l.id), amount).map_err(ledger_problem)
}

/// Records that money already paid out (to the person or an ISF provider) was spent on a line.
pub fn record_spending(balances: &Balances, line: &FundedLine, amount: Money, on: Date, description: &str) -> Result<JournalEntry, Problems> {
    let mut p = Problems::new();
    if amount.is_zero() {
        p.add("amount", "must be more than £0.00");
    }
    let from = match line.deployment {
        DeploymentOption::DirectPayment => LedgerAccount::HeldByBudgetHolder,
        DeploymentOption::IndividualServiceFund => LedgerAccount::HeldByProvider,
        DeploymentOption::CouncilManaged => {
            p.add("plan_line_id", "this line is council-managed: it is spent when the council pays the provider");
            return Err(p);
        }
    };
    let held = balances.get(from, &line.stream);
    if amount > held {
        p.add(
            "amount",
            format!("is {amount}, but only {held} of the {} stream has been paid out to spend ({})", line.stream.words(), from.label().to_lowercase()),
        );
    }
    if !p.is_empty() {
        return Err(p);
    }
    JournalEntry::transfer(EntryKind::Spending, on, description, from, LedgerAccount::Spent, line.stream.clone(), Some(line.id), amount).map_err(ledger_problem)
}

fn ledger_problem(e: LedgerError) -> Problems {
    let mut p = Problems::new();
    p.add("amount", e.to_string());
    p
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;
    use time::macros::date;

    fn line(deployment: DeploymentOption, stream: &str, pounds: i64) -> FundedLine {
        FundedLine {
            id: Uuid::now_v7(),
            stream: FundingStream::new(stream),
            deployment,
            annual_cost: Money::from_pounds(pounds),
            in_force: InForce::WHOLE_PLAN,
        }
    }

    const ASC: &str = "adult_social_care";
    const NHS: &str = "nhs_personal_health_budget";

    fn asc() -> FundingStream {
        FundingStream::new(ASC)
    }

    fn nhs() -> FundingStream {
        FundingStream::new(NHS)
    }

    fn replay(entries: &[JournalEntry]) -> Balances {
        Balances::from_postings(entries.iter().flat_map(|e| e.postings.iter()))
    }

    #[test]
    fn unbalanced_entries_are_refused() {
        let p = |amount| Posting { account: LedgerAccount::Available, stream: asc(), plan_line_id: None, amount: Money::from_pence(amount) };
        assert_eq!(JournalEntry::new(EntryKind::Spending, date!(2026 - 01 - 01), "x", vec![p(5), p(-4)]), Err(LedgerError::Unbalanced(Money::from_pence(1))));
        assert_eq!(JournalEntry::new(EntryKind::Spending, date!(2026 - 01 - 01), "x", vec![p(5)]), Err(LedgerError::TooFewPostings));
        assert_eq!(JournalEntry::new(EntryKind::Spending, date!(2026 - 01 - 01), "x", vec![p(0), p(0)]), Err(LedgerError::ZeroPosting));
    }

    #[test]
    fn a_direct_payment_year() {
        use DeploymentOption::*;
        let pa = line(DirectPayment, ASC, 10_400);
        let isf = line(IndividualServiceFund, NHS, 5_200);
        let managed = line(CouncilManaged, ASC, 1_300);
        let on = date!(2026 - 04 - 01);
        let mut entries = vec![allocate_budget(&[pa.clone(), isf.clone(), managed.clone()], on).unwrap()];
        let b = replay(&entries);
        assert_eq!(b.get(LedgerAccount::Available, &asc()), Money::from_pounds(11_700));
        entries.push(pay(&b, Payee::BudgetHolder, &asc(), None, Money::from_pounds(800), on, "4 weeks").unwrap());
        entries.push(pay(&replay(&entries), Payee::Provider, &nhs(), Some(&isf), Money::from_pounds(400), on, "ISF").unwrap());
        entries.push(pay(&replay(&entries), Payee::Provider, &asc(), Some(&managed), Money::from_pounds(100), on, "Gym").unwrap());
        entries.push(record_spending(&replay(&entries), &pa, Money::from_pence(43_550), on, "PA wages").unwrap());
        let b = replay(&entries);
        assert_eq!(b.sum(), Money::ZERO);
        assert_eq!(b.total(LedgerAccount::Spent), Money::from_pence(10_000 + 43_550));
        assert_eq!(b.get(LedgerAccount::HeldByBudgetHolder, &asc()), Money::from_pence(80_000 - 43_550));
        assert_eq!(b.unspent(), Money::from_pounds(16_900) - Money::from_pence(10_000 + 43_550));
    }

    #[test]
    fn cannot_pay_or_spend_more_than_is_held() {
        let pa = line(DeploymentOption::DirectPayment, ASC, 1_000);
        let on = date!(2026 - 04 - 01);
        let b = replay(&[allocate_budget(std::slice::from_ref(&pa), on).unwrap()]);
        let err = pay(&b, Payee::BudgetHolder, &asc(), None, Money::from_pence(100_001), on, "x").unwrap_err();
        assert_eq!(err.as_slice()[0].field, "amount");
        assert!(err.as_slice()[0].problem.contains("only £1,000.00"), "{err}");
        let err = record_spending(&b, &pa, Money::from_pounds(1), on, "x").unwrap_err();
        assert!(err.as_slice()[0].problem.contains("only £0.00"), "{err}");
    }

    proptest! {
        /// Whatever sequence of payments and spending is tried, accepted entries keep the
        /// ledger summing to zero, nothing held goes below zero, and replay reproduces balances.
        #[test]
        fn the_ledger_never_loses_a_penny(ops in proptest::collection::vec((0u8..4, 1i64..500_000), 1..60)) {
            use DeploymentOption::*;
            let dp = line(DirectPayment, ASC, 20_000);
            let isf = line(IndividualServiceFund, ASC, 5_000);
            let managed = line(CouncilManaged, NHS, 3_000);
            let on = date!(2026 - 04 - 01);
            let mut entries = vec![allocate_budget(&[dp.clone(), isf.clone(), managed.clone()], on).unwrap()];
            let mut running = replay(&entries);
            for (op, pence) in ops {
                let amount = Money::from_pence(pence);
                let result = match op {
                    0 => pay(&running, Payee::BudgetHolder, &asc(), None, amount, on, "dp"),
                    1 => pay(&running, Payee::Provider, &asc(), Some(&isf), amount, on, "isf"),
                    2 => pay(&running, Payee::Provider, &nhs(), Some(&managed), amount, on, "managed"),
                    _ => record_spending(&running, &dp, amount, on, "spend"),
                };
                if let Ok(entry) = result {
                    for posting in &entry.postings { running.apply(posting); }
                    entries.push(entry);
                }
                prop_assert_eq!(running.sum(), Money::ZERO);
                for account in [LedgerAccount::Available, LedgerAccount::HeldByBudgetHolder, LedgerAccount::HeldByProvider, LedgerAccount::Spent] {
                    prop_assert!(!running.total(account).is_negative());
                }
            }
            prop_assert_eq!(&replay(&entries), &running);
            prop_assert_eq!(running.total(LedgerAccount::CouncilFunding), -Money::from_pounds(28_000));
        }
    }
}
