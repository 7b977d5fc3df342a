//! Step 5: the person's statement. For each funding stream, in plain English: what came
//! in, what went out (and to whom), and what is left (and who holds it).
//!
//! Worked out from the ledger only. Money "in the budget" is what the council holds for the
//! person, what is in their direct-payment account and what an ISF provider holds; an entry
//! that raises that total brought money in, one that lowers it sent money out. So, for every
//! stream, came in − went out = left, exactly (property-tested below).

use crate::deployment::streams::FundingStream;
use crate::money::ledger::{EntryKind, LedgerAccount, Posting};
use crate::money::Money;
use serde::Serialize;
use std::collections::BTreeMap;

/// One ledger entry as the statement needs it.
pub struct StatementEntry<'a> {
    pub kind: EntryKind,
    /// Who was paid, when someone outside the budget was.
    pub payee_name: Option<&'a str>,
    pub postings: &'a [Posting],
}

/// One line of a statement: an amount and what it was, in words.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct StatementLine {
    pub words: String,
    pub amount: Money,
}

/// One funding stream's statement.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct StreamStatement {
    pub stream: FundingStream,
    /// The stream's name, e.g. "NHS personal health budget".
    pub stream_name: String,
    pub came_in: Money,
    pub came_in_lines: Vec<StatementLine>,
    pub went_out: Money,
    pub went_out_lines: Vec<StatementLine>,
    pub left: Money,
    pub left_lines: Vec<StatementLine>,
    /// The person's own contribution, taken off their direct payments or invoiced to them.
    pub contribution: Money,
    /// Of the contribution, what was invoiced and is not yet paid.
    pub contribution_owed: Money,
    /// The whole statement in a few sentences.
    pub summary: String,
}

fn in_budget(account: LedgerAccount) -> bool {
    matches!(account, LedgerAccount::Available | LedgerAccount::HeldByBudgetHolder | LedgerAccount::HeldByProvider)
}

/// Adds `amount` to the line with these words, keeping lines in first-seen order.
fn add(lines: &mut Vec<StatementLine>, words: String, amount: Money) {
    match lines.iter_mut().find(|l| l.words == words) {
        Some(line) => line.amount += amount,
        None => lines.push(StatementLine { words, amount }),
    }
}

#[derive(Default)]
struct Tally {
    came_in: Vec<StatementLine>,
    went_out: Vec<StatementLine>,
    held: BTreeMap<u8, Money>,
    provider_holds: Vec<StatementLine>,
    contribution: Money,
    contribution_owed: Money,
}

/// The statement, one per stream in the order streams first appear. `stream_name` turns a
/// stream code into its name (from the council's funding-stream configuration).
pub fn statement<'a>(entries: impl IntoIterator<Item = StatementEntry<'a>>, stream_name: impl Fn(&FundingStream) -> String) -> Vec<StreamStatement> {
    let mut order: Vec<FundingStream> = Vec::new();
    let mut tallies: BTreeMap<FundingStream, Tally> = BTreeMap::new();
    for entry in entries {
        let mut change: BTreeMap<&FundingStream, (Money, Option<LedgerAccount>)> = BTreeMap::new();
        for p in entry.postings {
            if !tallies.contains_key(&p.stream) {
                order.push(p.stream.clone());
                tallies.insert(p.stream.clone(), Tally::default());
            }
            let tally = tallies.get_mut(&p.stream).expect("inserted above");
            match p.account {
                LedgerAccount::ClientContribution => tally.contribution -= p.amount,
                LedgerAccount::ContributionOwed => tally.contribution_owed += p.amount,
                _ => {}
            }
            if in_budget(p.account) {
                let slot = change.entry(&p.stream).or_insert((Money::ZERO, None));
                slot.0 += p.amount;
                if p.amount.is_negative() {
                    slot.1 = Some(p.account);
                }
                if p.account == LedgerAccount::HeldByProvider {
                    add(&mut tally.provider_holds, entry.payee_name.unwrap_or("your provider").to_string(), p.amount);
                } else {
                    *tally.held.entry(if p.account == LedgerAccount::Available { 0 } else { 1 }).or_default() += p.amount;
                }
            }
        }
        for (stream, (net, from)) in change {
            if net.is_zero() {
                continue;
            }
            let tally = tallies.get_mut(stream).expect("seen above");
            if net.is_positive() {
                let words = match entry.kind {
                    EntryKind::BudgetAllocated => "Budget set aside for you by the council".to_string(),
                    _ => "Other money added to your budget".to_string(),
                };
                add(&mut tally.came_in, words, net);
            } else {
                let words = match (entry.kind, from, entry.payee_name) {
                    (EntryKind::Recovery, _, _) => "Unspent money returned to the council".to_string(),
                    (_, Some(LedgerAccount::HeldByBudgetHolder), _) => "Spent by you from your direct payment".to_string(),
                    (_, Some(LedgerAccount::HeldByProvider), Some(p)) | (_, _, Some(p)) => format!("Paid to {p}"),
                    _ => "Paid for your support".to_string(),
                };
                add(&mut tally.went_out, words, -net);
            }
        }
    }
    order
        .into_iter()
        .map(|stream| {
            let t = tallies.remove(&stream).expect("every stream in order has a tally");
            let name = stream_name(&stream);
            let mut left_lines = Vec::new();
            let with_council = t.held.get(&0).copied().unwrap_or_default();
            let with_you = t.held.get(&1).copied().unwrap_or_default();
            if !with_council.is_zero() {
                left_lines.push(StatementLine { words: "Held by the council for you".into(), amount: with_council });
            }
            if !with_you.is_zero() {
                left_lines.push(StatementLine { words: "In your direct-payment account".into(), amount: with_you });
            }
            for holds in t.provider_holds.into_iter().filter(|l| !l.amount.is_zero()) {
                left_lines.push(StatementLine { words: format!("Held for you by {}", holds.words), amount: holds.amount });
            }
            let sum = |lines: &[StatementLine]| lines.iter().map(|l| l.amount).sum::<Money>();
            let (came_in, went_out, left) = (sum(&t.came_in), sum(&t.went_out), sum(&left_lines));
            let summary = summary(&name, came_in, &t.went_out, went_out, left, t.contribution);
            StreamStatement {
                stream,
                stream_name: name,
                came_in,
                came_in_lines: t.came_in,
                went_out,
                went_out_lines: t.went_out,
                left,
                left_lines,
                contribution: t.contribution,
                contribution_owed: t.contribution_owed,
                summary,
            }
        })
        .collect()
}

fn summary(name: &str, came_in: Money, went_out_lines: &[StatementLine], went_out: Money, left: Money, contribution: Money) -> String {
    let mut s = format!("{name}: {came_in} came in.");
    if went_out.is_zero() {
        s.push_str(" Nothing has gone out yet.");
    } else {
        let parts: Vec<String> = went_out_lines.iter().map(|l| format!("{} ({})", lowercase_first(&l.words), l.amount)).collect();
        s.push_str(&format!(" {went_out} went out: {}.", parts.join("; ")));
    }
    s.push_str(&format!(" {left} is left."));
    if !contribution.is_zero() {
        s.push_str(&format!(" Your own contribution so far is {contribution}."));
    }
    s
}

/// "Paid to Harbour Care" → "paid to Harbour Care": mid-sentence, names keep their capitals.
fn lowercase_first(words: &str) -> String {
    let mut chars = words.chars();
    chars.next().map(|c| c.to_lowercase().chain(chars).collect()).unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::money::ledger::JournalEntry;
    use proptest::prelude::*;
    use time::macros::date;

    fn stream() -> FundingStream {
        FundingStream::new("adult_social_care")
    }

    fn move_money(kind: EntryKind, from: LedgerAccount, to: LedgerAccount, pounds: i64) -> JournalEntry {
        JournalEntry::transfer(kind, date!(2026 - 04 - 01), "test", from, to, stream(), None, Money::from_pounds(pounds)).unwrap()
    }

    fn name(s: &FundingStream) -> String {
        s.words()
    }

    #[test]
    fn a_direct_payment_and_an_isf_in_plain_english() {
        use EntryKind::*;
        use LedgerAccount::*;
        let entries = [
            (move_money(BudgetAllocated, CouncilFunding, Available, 10_000), None),
            (move_money(PaymentToBudgetHolder, Available, HeldByBudgetHolder, 800), None),
            (move_money(PaymentToProvider, Available, HeldByProvider, 500), Some("Harbour Care")),
            (move_money(Spending, HeldByBudgetHolder, Spent, 300), None),
            (move_money(Spending, HeldByProvider, Spent, 200), Some("Harbour Care")),
            (move_money(PaymentToProvider, Available, Spent, 100), Some("Oak Day Centre")),
            (move_money(Recovery, HeldByBudgetHolder, CouncilFunding, 50), None),
            (move_money(ContributionInvoiced, ClientContribution, ContributionOwed, 20), None),
        ];
        let s = statement(entries.iter().map(|(e, p)| StatementEntry { kind: e.kind(), payee_name: *p, postings: e.postings() }), name);
        assert_eq!(s.len(), 1);
        let s = &s[0];
        let lines = |l: &[StatementLine]| l.iter().map(|l| (l.words.clone(), l.amount)).collect::<Vec<_>>();
        let pounds = Money::from_pounds;
        assert_eq!(lines(&s.came_in_lines), vec![("Budget set aside for you by the council".into(), pounds(10_000))]);
        assert_eq!(
            lines(&s.went_out_lines),
            vec![
                ("Spent by you from your direct payment".into(), pounds(300)),
                ("Paid to Harbour Care".into(), pounds(200)),
                ("Paid to Oak Day Centre".into(), pounds(100)),
                ("Unspent money returned to the council".into(), pounds(50)),
            ]
        );
        assert_eq!(
            lines(&s.left_lines),
            vec![
                ("Held by the council for you".into(), pounds(8_600)),
                ("In your direct-payment account".into(), pounds(450)),
                ("Held for you by Harbour Care".into(), pounds(300)),
            ]
        );
        assert_eq!((s.came_in, s.went_out, s.left), (pounds(10_000), pounds(650), pounds(9_350)));
        assert_eq!((s.contribution, s.contribution_owed), (pounds(20), pounds(20)));
        assert_eq!(
            s.summary,
            "adult social care: £10,000.00 came in. £650.00 went out: spent by you from your direct payment (£300.00); \
             paid to Harbour Care (£200.00); paid to Oak Day Centre (£100.00); unspent money returned to the council (£50.00). £9,350.00 is left. \
             Your own contribution so far is £20.00."
        );
    }

    fn any_account() -> impl Strategy<Value = LedgerAccount> {
        prop::sample::select(vec![
            LedgerAccount::CouncilFunding,
            LedgerAccount::Available,
            LedgerAccount::HeldByBudgetHolder,
            LedgerAccount::HeldByProvider,
            LedgerAccount::Spent,
            LedgerAccount::ClientContribution,
            LedgerAccount::ContributionOwed,
        ])
    }

    proptest! {
        /// Whatever the entries, for every stream: came in − went out = left, and left is
        /// exactly what the ledger says the budget still holds.
        #[test]
        fn came_in_less_went_out_is_left(moves in prop::collection::vec((any_account(), any_account(), 1i64..5_000, 0usize..2, 0usize..3), 1..40)) {
            let streams = [FundingStream::new("adult_social_care"), FundingStream::new("nhs_personal_health_budget")];
            let payees = [None, Some("Harbour Care"), Some("Oak Day Centre")];
            let kinds = [EntryKind::BudgetAllocated, EntryKind::PaymentToProvider, EntryKind::Spending, EntryKind::Recovery];
            let entries: Vec<(JournalEntry, Option<&str>)> = moves
                .iter()
                .filter(|(from, to, ..)| from != to)
                .enumerate()
                .map(|(i, &(from, to, pence, s, p))| {
                    let e = JournalEntry::transfer(kinds[i % kinds.len()], date!(2026 - 04 - 01), "x", from, to, streams[s].clone(), None, Money::from_pence(pence)).unwrap();
                    (e, payees[p])
                })
                .collect();
            let all: Vec<Posting> = entries.iter().flat_map(|(e, _)| e.postings().to_vec()).collect();
            for s in statement(entries.iter().map(|(e, p)| StatementEntry { kind: e.kind(), payee_name: *p, postings: e.postings() }), name) {
                prop_assert_eq!(s.came_in - s.went_out, s.left);
                let held: Money = all.iter().filter(|p| p.stream == s.stream && in_budget(p.account)).map(|p| p.amount).sum();
                prop_assert_eq!(s.left, held);
            }
        }
    }
}
