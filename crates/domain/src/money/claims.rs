//! Step 5: provider invoices (claims) against council-managed budgets and individual
//! service funds, checked against the agreed plan.
//!
//! A claim is accepted only if the person has a budget for those dates, the plan buys that
//! service category from that provider as a managed or ISF line, the unit rate is no more
//! than agreed, the stream has the money, and the invoice has not been accepted before.
//! Otherwise it is rejected with a reason code a provider's system can act on and a
//! sentence a person can read. [`ClaimBook`] holds what the checks need in memory, so a
//! whole file is checked without a database round trip per line.

use crate::codes::coded_enum;
use crate::deployment::streams::FundingStream;
use crate::deployment::DeploymentOption;
use crate::money::ledger::{EntryKind, JournalEntry, LedgerAccount, PaidDays, Posting};
use crate::money::Money;
use crate::plan::ServiceCategory;
use crate::validation::Problems;
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};
use std::collections::{HashMap, HashSet};
use time::Date;
use uuid::Uuid;

coded_enum!(
    /// Why a claim was not accepted.
    RejectionReason {
        Malformed => ("malformed", "The line could not be read"),
        UnknownProvider => ("unknown_provider", "The provider is not registered with the council"),
        UnknownPerson => ("unknown_person", "The council has no budget for this person"),
        Duplicate => ("duplicate", "This invoice has already been accepted"),
        DaysAlreadyInvoiced => ("days_already_invoiced", "These days of this service have already been invoiced"),
        OutsidePlanPeriod => ("outside_plan_period", "The dates are outside the person's plan"),
        Suspended => ("suspended", "Payments for this person are suspended for some of the dates"),
        CategoryNotInPlan => ("category_not_in_plan", "The plan does not buy this kind of service"),
        ProviderNotInPlan => ("provider_not_in_plan", "The plan does not buy this service from this provider"),
        DirectPaymentLine => ("direct_payment_line", "The person pays for this from their direct payment"),
        RateAboveAgreed => ("rate_above_agreed", "The unit rate is above the rate agreed in the plan"),
        InsufficientBalance => ("insufficient_balance", "Not enough money is left in the budget"),
        OtherProvider => ("other_provider", "The line is for a different provider from the one sending the file"),
    }
);

/// An invoice line from a provider, as read.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Claim {
    pub provider: String,
    pub invoice_ref: String,
    pub person_id: Uuid,
    pub category: ServiceCategory,
    pub period_start: Date,
    pub period_end: Date,
    #[cfg_attr(feature = "openapi", schema(value_type = String, example = "12.5"))]
    #[serde(with = "rust_decimal::serde::str")]
    pub units: Decimal,
    pub unit_rate: Money,
}

impl Claim {
    /// Units × rate to the nearest penny.
    pub fn amount(&self) -> Money {
        Money::from_decimal_rounded(self.units * self.unit_rate.to_decimal()).expect("units ≤ 10,000 and rates ≤ £100,000 are far inside i64 pence")
    }
}

/// A claim as typed (a JSON body, or the fields of a CSV line).
#[derive(Debug, Clone, Default, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ClaimInput {
    pub provider: String,
    pub invoice_ref: String,
    pub person_id: String,
    /// A service category code, e.g. `personal_care`.
    pub service_category: String,
    /// `YYYY-MM-DD`
    pub period_start: String,
    /// `YYYY-MM-DD`
    pub period_end: String,
    /// Units delivered, e.g. hours.
    pub units: String,
    /// Pounds per unit.
    pub unit_rate: String,
}

/// The most units one invoice line may claim, and the highest unit rate: far above any real
/// line, low enough that a typing slip is caught.
const MAX_UNITS: i64 = 10_000;
const MAX_RATE_POUNDS: i64 = 100_000;

/// Checks a typed claim's fields; `prefix` goes before each field name (e.g. `line 7: `).
pub fn read_claim(input: &ClaimInput, prefix: &str) -> Result<Claim, Problems> {
    let mut p = Problems::new();
    let at = |f: &str| format!("{prefix}{f}");
    let provider = p.text(&at("provider"), &input.provider, 200);
    let invoice_ref = p.text(&at("invoice_ref"), &input.invoice_ref, 100);
    let person_id = match Uuid::try_parse(input.person_id.trim()) {
        Ok(id) => Some(id),
        Err(_) => {
            p.add(at("person_id"), format!("'{}' is not a person id (a UUID such as 01a2104f-4913-77e5-90d5-3c2adcf704af)", input.person_id.trim()));
            None
        }
    };
    let category = ServiceCategory::parse(&mut p, &at("service_category"), &input.service_category);
    let start = p.date(&at("period_start"), &input.period_start);
    let end = p.date(&at("period_end"), &input.period_end);
    p.dates_in_order(&at("period_end"), start, end, &at("period_start"));
    let units = p.quantity(&at("units"), &input.units, Decimal::from(MAX_UNITS));
    let unit_rate = p.positive_money(&at("unit_rate"), &input.unit_rate);
    if unit_rate.is_some_and(|r| r > Money::from_pounds(MAX_RATE_POUNDS)) {
        p.add(at("unit_rate"), format!("must be {} or less", Money::from_pounds(MAX_RATE_POUNDS)));
    }
    if !p.is_empty() {
        return Err(p);
    }
    Ok(Claim {
        provider: provider.expect("checked"),
        invoice_ref: invoice_ref.expect("checked"),
        person_id: person_id.expect("checked"),
        category: category.expect("checked"),
        period_start: start.expect("checked"),
        period_end: end.expect("checked"),
        units: units.expect("checked"),
        unit_rate: unit_rate.expect("checked"),
    })
}

/// The columns a claims CSV file must have (in any order; others are ignored).
pub const CLAIM_COLUMNS: [&str; 8] = ["provider", "invoice_ref", "person_id", "service_category", "period_start", "period_end", "units", "unit_rate"];

/// One line of a claims file that could not be read.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct LineProblem {
    /// The line of the file, counting the header as line 1.
    pub line: u64,
    pub reason_code: String,
    pub message: String,
}

/// The claims read from a file, each with its line number, and the lines that could not be read.
pub type ReadClaims = (Vec<(u64, Claim)>, Vec<LineProblem>);

/// Reads a claims CSV file: every readable line as a claim with its line number, and a
/// problem for every line that cannot be read. A file whose header lacks a column is
/// refused whole.
pub fn parse_claims_csv(text: &str) -> Result<ReadClaims, Problems> {
    let mut reader = csv::ReaderBuilder::new().trim(csv::Trim::All).flexible(true).from_reader(text.as_bytes());
    let mut p = Problems::new();
    let headers = match reader.headers() {
        Ok(h) => h.clone(),
        Err(e) => {
            p.add("line 1", format!("cannot read the header row: {e}"));
            return Err(p);
        }
    };
    let mut columns = [0usize; CLAIM_COLUMNS.len()];
    for (slot, name) in columns.iter_mut().zip(CLAIM_COLUMNS) {
        match headers.iter().position(|h| h.eq_ignore_ascii_case(name)) {
            Some(i) => *slot = i,
            None => p.add("line 1", format!("the header row has no '{name}' column; it needs: {}", CLAIM_COLUMNS.join(","))),
        }
    }
    p.into_result(())?;
    let mut claims = Vec::new();
    let mut problems = Vec::new();
    let mut record = csv::StringRecord::new();
    loop {
        let line = reader.position().line();
        match reader.read_record(&mut record) {
            Ok(false) => break,
            Ok(true) => {}
            Err(e) => {
                problems.push(LineProblem { line, reason_code: RejectionReason::Malformed.code().into(), message: format!("cannot be read: {e}") });
                // A broken quote can swallow the rest of the file; stop rather than guess.
                if matches!(e.kind(), csv::ErrorKind::Utf8 { .. }) {
                    continue;
                }
                break;
            }
        }
        if record.iter().all(str::is_empty) {
            continue;
        }
        if record.len() != headers.len() {
            problems.push(LineProblem {
                line,
                reason_code: RejectionReason::Malformed.code().into(),
                message: format!("has {} fields; the header has {}", record.len(), headers.len()),
            });
            continue;
        }
        let field = |i: usize| record.get(columns[i]).unwrap_or("").to_string();
        let input = ClaimInput {
            provider: field(0),
            invoice_ref: field(1),
            person_id: field(2),
            service_category: field(3),
            period_start: field(4),
            period_end: field(5),
            units: field(6),
            unit_rate: field(7),
        };
        match read_claim(&input, "") {
            Ok(claim) => claims.push((line, claim)),
            Err(p) => problems.push(LineProblem { line, reason_code: RejectionReason::Malformed.code().into(), message: p.to_string() }),
        }
    }
    Ok((claims, problems))
}

/// A plan line as claims are checked against it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ClaimLine {
    pub id: Uuid,
    pub category: ServiceCategory,
    pub provider: String,
    pub deployment: DeploymentOption,
    pub stream: FundingStream,
    /// The agreed rate per unit.
    pub unit_cost: Money,
    /// The days the line is in force: a claim is for days of one version of the plan.
    pub in_force: crate::plan::revision::InForce,
}

/// A budget account as claims are checked against it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ClaimAccount {
    pub account_id: Uuid,
    pub person_id: Uuid,
    pub start: Date,
    pub end: Date,
    /// Payments stop for days from this date while it is set (a stay in hospital).
    pub suspended_from: Option<Date>,
    /// Suspensions that have ended (first and last day): their days are not paid either.
    pub past_suspensions: Vec<(Date, Date)>,
    pub lines: Vec<ClaimLine>,
    /// Money the council still holds, per stream (pays managed lines).
    pub available: Vec<(FundingStream, Money)>,
    /// Money an ISF provider holds, per stream (pays ISF lines).
    pub held_by_provider: Vec<(FundingStream, Money)>,
    /// Days already invoiced, per plan line: (line, first day, last day).
    pub invoiced: Vec<(Uuid, Date, Date)>,
}

/// The payee the money gate keeps a plan line's invoiced days under: the line names its
/// provider, so each day of a service is billed once.
pub fn invoiced_payee(line_id: Uuid) -> String {
    format!("invoice:{line_id}")
}

/// A claim that passed every check, with the line it pays for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AcceptedClaim {
    pub account_id: Uuid,
    pub line_id: Uuid,
    pub stream: FundingStream,
    pub deployment: DeploymentOption,
    pub amount: Money,
}

impl AcceptedClaim {
    /// The ledger entry: a managed line is paid from the money the council holds; an ISF
    /// line is spent from the money the provider already holds.
    pub fn entry(&self, claim: &Claim) -> JournalEntry {
        let (kind, from) = match self.deployment {
            DeploymentOption::IndividualServiceFund => (EntryKind::Spending, LedgerAccount::HeldByProvider),
            _ => (EntryKind::PaymentToProvider, LedgerAccount::Available),
        };
        let days =
            PaidDays { stream: self.stream.clone(), payee: invoiced_payee(self.line_id).into(), first_day: claim.period_start, last_day: claim.period_end };
        JournalEntry::new(
            kind,
            claim.period_end,
            format!("Invoice {} from {}", claim.invoice_ref, claim.provider),
            vec![
                Posting { account: from, stream: self.stream.clone(), plan_line_id: Some(self.line_id), amount: -self.amount },
                Posting { account: LedgerAccount::Spent, stream: self.stream.clone(), plan_line_id: Some(self.line_id), amount: self.amount },
            ],
        )
        .expect("a positive amount moved between two accounts balances")
        .paying_for(vec![days])
    }
}

/// Why one claim was rejected.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Rejection {
    pub reason_code: String,
    pub message: String,
}

fn reject(reason: RejectionReason, message: String) -> Rejection {
    Rejection { reason_code: reason.code().into(), message }
}

/// Keeps the claims that `sender` (a signed-in provider) may send: a line naming another
/// provider becomes a problem of its own, so one provider cannot invoice for another.
pub fn only_from(sender: &str, claims: Vec<(u64, Claim)>, problems: &mut Vec<LineProblem>) -> Vec<(u64, Claim)> {
    let key = provider_key(sender);
    claims
        .into_iter()
        .filter(|(line, claim)| {
            let ours = provider_key(&claim.provider) == key;
            if !ours {
                problems.push(LineProblem {
                    line: *line,
                    reason_code: RejectionReason::OtherProvider.code().into(),
                    message: format!("the line is from '{}', but you are signed in for {sender}", claim.provider),
                });
            }
            ours
        })
        .collect()
}

/// Provider names are matched as people type them: case and spacing do not matter.
pub fn provider_key(name: &str) -> String {
    let mut key = String::with_capacity(name.len());
    for word in name.split_whitespace() {
        if !key.is_empty() {
            key.push(' ');
        }
        key.extend(word.chars().flat_map(char::to_lowercase));
    }
    key
}

/// Everything the checks need, held in memory; accepting a claim uses up its money and its
/// invoice reference, so later claims in the same file see them gone.
///
/// Laid out for speed, since a council may send a million claims at once: accounts sorted by
/// person (a person's accounts are one slice), providers numbered once, and each provider's
/// accepted references looked up by `&str`, so checking a claim allocates nothing until it
/// is accepted.
#[derive(Debug, Default)]
pub struct ClaimBook {
    accounts: Vec<ClaimAccount>,
    /// Person → the range of `accounts` that are theirs.
    by_person: FastMap<Uuid, (u32, u32)>,
    /// Matching key of each registered provider → its number.
    providers: FastMap<String, usize>,
    /// Each spelling seen on a claim → the provider's number, so the key is worked out once.
    spellings: FastMap<String, usize>,
    /// Matching keys, by provider number.
    provider_keys: Vec<String>,
    /// Invoice references already accepted, by provider number, lower-cased: `bb-001` is
    /// `BB-001` again.
    accepted_refs: Vec<FastSet<String>>,
    /// Where a claim's reference is lower-cased, reused so checking allocates nothing.
    scratch: String,
}

/// `reference` lower-cased into `into` (ASCII, nearly every reference, byte by byte).
fn caseless_into(reference: &str, into: &mut String) {
    into.clear();
    if reference.is_ascii() {
        into.push_str(reference);
        into.make_ascii_lowercase();
    } else {
        into.extend(reference.chars().flat_map(char::to_lowercase));
    }
}

type FastMap<K, V> = HashMap<K, V, foldhash::fast::RandomState>;
/// A claim's provider number and its person's range of accounts.
type Located = (Option<usize>, Option<(u32, u32)>);

/// Asks the processor to start fetching `what` into the cache; only a hint, and nothing on
/// processors without the instruction.
#[inline(always)]
fn prefetch<T>(what: *const T) {
    #[cfg(target_arch = "x86_64")]
    {
        use std::arch::x86_64::{_mm_prefetch, _MM_HINT_T0};
        // SAFETY: prefetching is a hint that never faults, whatever the address.
        unsafe { _mm_prefetch::<_MM_HINT_T0>(what.cast::<i8>()) };
    }
    #[cfg(not(target_arch = "x86_64"))]
    let _ = what;
}
type FastSet<T> = HashSet<T, foldhash::fast::RandomState>;

impl ClaimBook {
    /// `providers` are the council's registered providers; `accepted_refs` the
    /// (provider, invoice reference) pairs already accepted.
    pub fn new(
        mut accounts: Vec<ClaimAccount>,
        providers: impl IntoIterator<Item = String>,
        accepted_refs: impl IntoIterator<Item = (String, String)>,
    ) -> ClaimBook {
        accounts.sort_by_key(|a| a.person_id);
        let mut by_person: FastMap<Uuid, (u32, u32)> = FastMap::with_capacity_and_hasher(accounts.len(), Default::default());
        for (i, a) in accounts.iter_mut().enumerate() {
            let range = by_person.entry(a.person_id).or_insert((i as u32, i as u32));
            range.1 = i as u32 + 1;
            // Lines keep the provider's matching key, worked out once rather than per claim.
            for line in &mut a.lines {
                line.provider = provider_key(&line.provider);
            }
        }
        let mut book = ClaimBook { accounts, by_person, ..ClaimBook::default() };
        for name in providers {
            let key = provider_key(&name);
            if !book.providers.contains_key(&key) {
                book.providers.insert(key.clone(), book.provider_keys.len());
                book.provider_keys.push(key);
                book.accepted_refs.push(FastSet::default());
            }
        }
        for (provider, reference) in accepted_refs {
            // A reference from a provider no longer registered cannot clash: its claims are refused anyway.
            if let Some(&p) = book.providers.get(&provider_key(&provider)) {
                book.accepted_refs[p].insert(reference.chars().flat_map(char::to_lowercase).collect());
            }
        }
        book
    }

    /// Makes room for `claims` more accepted invoices, so a large file does not rehash as it goes.
    pub fn reserve(&mut self, claims: usize) {
        if let [only] = self.accepted_refs.as_mut_slice() {
            only.reserve(claims);
        }
    }

    /// The provider's number, however its name was spelt on the claim.
    fn provider_number(&mut self, spelling: &str) -> Option<usize> {
        if let Some(&p) = self.spellings.get(spelling) {
            return Some(p);
        }
        let p = *self.providers.get(&provider_key(spelling))?;
        self.spellings.insert(spelling.to_string(), p);
        Some(p)
    }

    /// Checks one claim and, if it passes, reserves its money and invoice reference.
    pub fn check(&mut self, claim: &Claim) -> Result<AcceptedClaim, Rejection> {
        let found = self.locate(claim);
        self.check_located(claim, found)
    }

    /// Checks claims in order, exactly as [`ClaimBook::check`] one at a time would, but
    /// faster on a big file: every claim's provider and person are looked up first (lookups
    /// that do not depend on each other, so the processor overlaps their memory reads), and
    /// each claim's account is fetched into the cache a few claims before it is needed.
    pub fn check_all<C: std::borrow::Borrow<Claim>>(&mut self, claims: &[C]) -> Vec<Result<AcceptedClaim, Rejection>> {
        const AHEAD: usize = 6;
        let found: Vec<Located> = claims.iter().map(|c| self.locate(c.borrow())).collect();
        let mut results = Vec::with_capacity(claims.len());
        for (i, claim) in claims.iter().enumerate() {
            if let Some((_, Some((first, _)))) = found.get(i + AHEAD) {
                prefetch(&self.accounts[*first as usize]);
            }
            if let (Some((_, Some((first, _)))), Some(next)) = (found.get(i + AHEAD / 2), claims.get(i + AHEAD / 2)) {
                let account = &self.accounts[*first as usize];
                prefetch(account.lines.as_ptr());
                prefetch(account.available.as_ptr());
                prefetch(next.borrow().invoice_ref.as_ptr());
            }
            results.push(self.check_located(claim.borrow(), found[i]));
        }
        results
    }

    /// The claim's provider number and the range of its person's accounts, if known.
    fn locate(&mut self, claim: &Claim) -> Located {
        (self.provider_number(&claim.provider), self.by_person.get(&claim.person_id).copied())
    }

    fn check_located(&mut self, claim: &Claim, (provider, accounts): Located) -> Result<AcceptedClaim, Rejection> {
        use RejectionReason::*;
        let Some(provider) = provider else {
            return Err(reject(UnknownProvider, format!("'{}' is not a provider registered with the council", claim.provider)));
        };
        let Some((first, last)) = accounts else {
            return Err(reject(UnknownPerson, format!("the council has no budget account for person {}", claim.person_id)));
        };
        caseless_into(&claim.invoice_ref, &mut self.scratch);
        if self.accepted_refs[provider].contains(self.scratch.as_str()) {
            return Err(reject(Duplicate, format!("invoice {} from {} has already been accepted", claim.invoice_ref, claim.provider)));
        }
        let candidates = first as usize..last as usize;
        let Some(index) = candidates.clone().find(|&i| self.accounts[i].start <= claim.period_start && claim.period_end <= self.accounts[i].end) else {
            let a = &self.accounts[candidates.start];
            return Err(reject(
                OutsidePlanPeriod,
                format!("{} to {} is not inside the person's plan, which runs from {} to {}", claim.period_start, claim.period_end, a.start, a.end),
            ));
        };
        let account = &self.accounts[index];
        if let Some(from) = account.suspended_from.filter(|from| claim.period_end >= *from) {
            return Err(reject(Suspended, format!("payments for this person are suspended from {from}: claim only for days before it")));
        }
        if let Some((first, last)) = account.past_suspensions.iter().find(|(first, last)| *first <= claim.period_end && claim.period_start <= *last) {
            return Err(reject(Suspended, format!("payments for this person were suspended from {first} to {last}: claim only for the days around it")));
        }
        let mut same_category = account.lines.iter().filter(|l| l.category == claim.category).peekable();
        if same_category.peek().is_none() {
            return Err(reject(CategoryNotInPlan, format!("the plan does not include {}", claim.category.label().to_lowercase())));
        }
        let mut from_provider = same_category.filter(|l| l.provider == self.provider_keys[provider]).peekable();
        let any_from_provider = from_provider.peek().is_some();
        let mut held = from_provider.filter(|l| l.deployment != DeploymentOption::DirectPayment).peekable();
        if held.peek().is_none() {
            if any_from_provider {
                return Err(reject(DirectPaymentLine, format!("the person pays {} from their direct payment; invoice them, not the council", claim.provider)));
            }
            // Say only that it does not match: what the plan buys from others is not theirs to know.
            return Err(reject(ProviderNotInPlan, format!("the claim does not match a line of the person's plan for {}", claim.provider)));
        }
        // A revised plan: the claim is checked against the version in force on its days.
        let Some(line) = held.find(|l| l.in_force.covers(claim.period_start, claim.period_end)) else {
            return Err(reject(
                OutsidePlanPeriod,
                format!("the plan changed between {} and {}: claim for the days of each version of the plan separately", claim.period_start, claim.period_end),
            ));
        };
        if claim.unit_rate > line.unit_cost {
            return Err(reject(RateAboveAgreed, format!("the rate {} is above the {} agreed in the plan", claim.unit_rate, line.unit_cost)));
        }
        let line_id = line.id;
        if let Some((_, from, to)) = account.invoiced.iter().find(|(l, from, to)| *l == line_id && *from <= claim.period_end && claim.period_start <= *to) {
            return Err(reject(
                DaysAlreadyInvoiced,
                format!("{} to {} of this service were already invoiced ({from} to {to}); send a claim for other days", claim.period_start, claim.period_end),
            ));
        }
        let amount = claim.amount();
        let (stream, deployment) = (line.stream.clone(), line.deployment);
        let account_id = account.account_id;
        let pots = match deployment {
            DeploymentOption::IndividualServiceFund => &mut self.accounts[index].held_by_provider,
            _ => &mut self.accounts[index].available,
        };
        let left = pots.iter_mut().find(|(s, _)| *s == stream).map(|(_, m)| m);
        match left {
            Some(left) if *left >= amount => *left -= amount,
            left => {
                let held = left.map(|m| *m).unwrap_or_default();
                let whose = if deployment == DeploymentOption::IndividualServiceFund { "the provider holds" } else { "is left" };
                return Err(reject(InsufficientBalance, format!("the invoice is for {amount}, but only {held} of the {} stream {whose}", stream.words())));
            }
        }
        self.accounts[index].invoiced.push((line_id, claim.period_start, claim.period_end));
        self.accepted_refs[provider].insert(self.scratch.clone());
        Ok(AcceptedClaim { account_id, line_id, stream, deployment, amount })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;
    use time::macros::date;

    fn asc() -> FundingStream {
        FundingStream::new("adult_social_care")
    }

    fn book() -> (ClaimBook, Uuid) {
        let person = Uuid::from_u128(1);
        let line = |n: u128, category, provider: &str, deployment, rate| ClaimLine {
            id: Uuid::from_u128(n),
            category,
            provider: provider.into(),
            deployment,
            stream: asc(),
            unit_cost: Money::from_pence(rate),
            in_force: crate::plan::revision::InForce::WHOLE_PLAN,
        };
        let account = ClaimAccount {
            account_id: Uuid::from_u128(100),
            person_id: person,
            start: date!(2026 - 04 - 01),
            end: date!(2027 - 03 - 31),
            suspended_from: None,
            past_suspensions: Vec::new(),
            lines: vec![
                line(10, ServiceCategory::PersonalCare, "Harbour Care", DeploymentOption::CouncilManaged, 2_450),
                line(11, ServiceCategory::DayService, "Oak Day Centre", DeploymentOption::IndividualServiceFund, 6_000),
                line(12, ServiceCategory::PersonalAssistant, "Sam Jones", DeploymentOption::DirectPayment, 1_500),
            ],
            available: vec![(asc(), Money::from_pounds(1_000))],
            held_by_provider: vec![(asc(), Money::from_pounds(300))],
            invoiced: Vec::new(),
        };
        let providers = ["Harbour Care", "Oak Day Centre", "Sam Jones", "Elsewhere Ltd"].map(String::from);
        (ClaimBook::new(vec![account], providers, [("Harbour Care".to_string(), "OLD-1".to_string())]), person)
    }

    fn claim(person: Uuid, provider: &str, reference: &str, category: ServiceCategory, units: i64, rate: i64) -> Claim {
        Claim {
            provider: provider.into(),
            invoice_ref: reference.into(),
            person_id: person,
            category,
            period_start: date!(2026 - 05 - 01),
            period_end: date!(2026 - 05 - 28),
            units: Decimal::from(units),
            unit_rate: Money::from_pence(rate),
        }
    }

    fn reason(r: Result<AcceptedClaim, Rejection>) -> String {
        r.err().map(|r| r.reason_code).unwrap_or_else(|| "accepted".into())
    }

    #[test]
    fn days_of_a_suspension_are_not_paid_to_a_provider_either() {
        let (b, person) = book();
        let mut accounts = b.accounts.clone();
        accounts[0].suspended_from = Some(date!(2026 - 05 - 15));
        accounts[0].past_suspensions = vec![(date!(2026 - 04 - 10), date!(2026 - 04 - 20))];
        let providers = ["Harbour Care"].map(String::from);
        let mut b = ClaimBook::new(accounts, providers, std::iter::empty::<(String, String)>());
        let mut away = claim(person, "Harbour Care", "HOSP-0", ServiceCategory::PersonalCare, 1, 2_450);
        (away.period_start, away.period_end) = (date!(2026 - 04 - 15), date!(2026 - 04 - 25));
        assert_eq!(reason(b.check(&away)), "suspended", "days of a past suspension");
        let refused = b.check(&claim(person, "Harbour Care", "HOSP-1", ServiceCategory::PersonalCare, 10, 2_450)).unwrap_err();
        assert_eq!(refused.reason_code, "suspended");
        assert!(refused.message.contains("2026-05-15"), "{}", refused.message);
        let mut before = claim(person, "Harbour Care", "HOSP-2", ServiceCategory::PersonalCare, 10, 2_450);
        before.period_end = date!(2026 - 05 - 14);
        assert_eq!(reason(b.check(&before)), "accepted");
    }

    #[test]
    fn each_rule_has_its_reason() {
        use ServiceCategory::*;
        let (mut b, person) = book();
        let ok = b.check(&claim(person, "harbour  care", "INV-1", PersonalCare, 10, 2_450)).unwrap();
        assert_eq!((ok.amount, ok.line_id, ok.deployment), (Money::from_pounds(245), Uuid::from_u128(10), DeploymentOption::CouncilManaged));
        assert_eq!(ok.entry(&claim(person, "Harbour Care", "INV-1", PersonalCare, 10, 2_450)).postings()[0].account, LedgerAccount::Available);
        assert_eq!(reason(b.check(&claim(person, "Harbour Care", "INV-1", PersonalCare, 1, 2_450))), "duplicate");
        assert_eq!(reason(b.check(&claim(person, "Harbour Care", "OLD-1", PersonalCare, 1, 2_450))), "duplicate");
        assert_eq!(reason(b.check(&claim(person, "Nobody Ltd", "X", PersonalCare, 1, 2_450))), "unknown_provider");
        assert_eq!(reason(b.check(&claim(Uuid::from_u128(2), "Harbour Care", "X", PersonalCare, 1, 2_450))), "unknown_person");
        assert_eq!(reason(b.check(&claim(person, "Harbour Care", "X", Leisure, 1, 2_450))), "category_not_in_plan");
        assert_eq!(reason(b.check(&claim(person, "Elsewhere Ltd", "X", PersonalCare, 1, 2_450))), "provider_not_in_plan");
        assert_eq!(reason(b.check(&claim(person, "Sam Jones", "X", PersonalAssistant, 1, 1_500))), "direct_payment_line");
        assert_eq!(reason(b.check(&claim(person, "Harbour Care", "X", PersonalCare, 1, 2_451))), "rate_above_agreed");
        let mut late = claim(person, "Harbour Care", "X", PersonalCare, 1, 2_450);
        late.period_end = date!(2027 - 04 - 02);
        assert_eq!(reason(b.check(&late)), "outside_plan_period");
        // The same days of the same service again, under another reference.
        assert_eq!(reason(b.check(&claim(person, "Harbour Care", "INV-2", PersonalCare, 1, 2_450))), "days_already_invoiced");
        // £1,000 available less £245 accepted: £755 left, so 31 hours at £24.50 (£759.50) for
        // the next four weeks is too much.
        let mut next = claim(person, "Harbour Care", "X", PersonalCare, 31, 2_450);
        (next.period_start, next.period_end) = (date!(2026 - 05 - 29), date!(2026 - 06 - 25));
        assert_eq!(reason(b.check(&next)), "insufficient_balance");
        // An ISF line draws on what the provider holds (£300), not on what the council holds.
        assert_eq!(reason(b.check(&claim(person, "Oak Day Centre", "D1", DayService, 6, 6_000))), "insufficient_balance");
        let isf = b.check(&claim(person, "Oak Day Centre", "D1", DayService, 5, 6_000)).unwrap();
        assert_eq!(isf.entry(&claim(person, "Oak Day Centre", "D1", DayService, 5, 6_000)).kind(), EntryKind::Spending);
    }

    #[test]
    fn csv_lines_are_read_or_reported_by_line_number() {
        let person = Uuid::from_u128(1);
        let text = format!(
            "provider,invoice_ref,person_id,service_category,period_start,period_end,units,unit_rate\n\
             Harbour Care,INV-1,{person},personal_care,2026-05-01,2026-05-28,10,24.50\n\
             Harbour Care,INV-2,{person},personal_care,2026-05-31,2026-05-28,-2,abc\n\
             Harbour Care,INV-3,not-a-person,gardening,2026-02-30,2026-05-28,1,1\n\
             Harbour Care,INV-4\n"
        );
        let (claims, problems) = parse_claims_csv(&text).unwrap();
        assert_eq!(claims.len(), 1);
        assert_eq!(claims[0].0, 2);
        assert_eq!(problems.iter().map(|p| p.line).collect::<Vec<_>>(), vec![3, 4, 5]);
        assert!(problems[0].message.contains("period_end") && problems[0].message.contains("units: must be more than 0"), "{}", problems[0].message);
        assert!(problems[0].message.contains("unit_rate"), "{}", problems[0].message);
        assert!(problems[1].message.contains("person_id") && problems[1].message.contains("'gardening'") && problems[1].message.contains("2026-02-30"));
        assert!(problems[2].message.contains("has 2 fields"));
        let err = parse_claims_csv("provider,invoice_ref\nA,B\n").unwrap_err();
        assert!(err.to_string().contains("no 'person_id' column"), "{err}");
    }

    proptest! {
        /// Whatever arrives, nothing panics, accepted claims never spend more than the
        /// account had, and no invoice reference is accepted twice.
        #[test]
        fn accepted_claims_never_overspend(claims in proptest::collection::vec((0u8..3, 0u8..6, 1i64..60, 1_000i64..7_000), 1..80)) {
            let (mut b, person) = book();
            let mut accepted = Vec::new();
            for (who, reference, units, rate) in claims {
                let (provider, category) = match who {
                    0 => ("Harbour Care", ServiceCategory::PersonalCare),
                    1 => ("Oak Day Centre", ServiceCategory::DayService),
                    _ => ("Sam Jones", ServiceCategory::PersonalAssistant),
                };
                let c = claim(person, provider, &format!("R{reference}"), category, units, rate);
                if let Ok(a) = b.check(&c) {
                    accepted.push((c, a));
                }
            }
            let managed: Money = accepted.iter().filter(|(_, a)| a.deployment == DeploymentOption::CouncilManaged).map(|(_, a)| a.amount).sum();
            let isf: Money = accepted.iter().filter(|(_, a)| a.deployment == DeploymentOption::IndividualServiceFund).map(|(_, a)| a.amount).sum();
            prop_assert!(managed <= Money::from_pounds(1_000));
            prop_assert!(isf <= Money::from_pounds(300));
            let mut refs: Vec<_> = accepted.iter().map(|(c, _)| (c.provider.clone(), c.invoice_ref.clone())).collect();
            let n = refs.len();
            refs.sort();
            refs.dedup();
            prop_assert_eq!(refs.len(), n);
            for (c, a) in &accepted {
                prop_assert!(c.unit_rate <= Money::from_pence(6_000));
                prop_assert_eq!(a.entry(c).postings().iter().map(|p| p.amount).sum::<Money>(), Money::ZERO);
            }
        }

        /// A whole file checked at once gives exactly what checking claim after claim gives,
        /// unknown people and providers, duplicates and running out of money included.
        #[test]
        fn checking_a_file_at_once_is_checking_it_in_order(claims in proptest::collection::vec((0u8..4, 0u8..5, 0u8..2, 1i64..60), 0..120)) {
            let (_, person) = book();
            let stranger = Uuid::from_u128(999);
            let claims: Vec<Claim> = claims
                .into_iter()
                .map(|(who, reference, whose, units)| {
                    let (provider, category) = match who {
                        0 => ("Harbour Care", ServiceCategory::PersonalCare),
                        1 => ("Oak Day Centre", ServiceCategory::DayService),
                        2 => ("harbour  CARE", ServiceCategory::PersonalCare),
                        _ => ("Nobody Ltd", ServiceCategory::PersonalCare),
                    };
                    claim(if whose == 0 { person } else { stranger }, provider, &format!("R{reference}"), category, units, 2_450)
                })
                .collect();
            let (mut one_by_one, _) = book();
            let expected: Vec<_> = claims.iter().map(|c| one_by_one.check(c)).collect();
            let (mut at_once, _) = book();
            prop_assert_eq!(at_once.check_all(&claims), expected);
        }

        /// The CSV reader never panics, whatever bytes it is given.
        #[test]
        fn the_csv_reader_never_panics(body in ".{0,400}") {
            let text = format!("provider,invoice_ref,person_id,service_category,period_start,period_end,units,unit_rate\n{body}");
            let _ = parse_claims_csv(&text);
        }
    }
}
