//! `selfdirect bench money`: the payment run and claim validation on synthetic data, in
//! memory, and claims posted durably to the store (SQLite or PostgreSQL).

use indicatif::{ProgressBar, ProgressStyle};
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use rust_decimal::Decimal;
use selfdirect_domain::deployment::DeploymentOption;
use selfdirect_domain::money::claims::{Claim, ClaimAccount, ClaimBook, ClaimLine};
use selfdirect_domain::money::ledger::{allocate_budget, AccountBook, Balances, FundedLine, InForce};
use selfdirect_domain::money::payment_run::{run_account, Period, RunAccount};
use selfdirect_domain::plan::{FundingStream, PlanLineInput, ServiceCategory};
use selfdirect_domain::Money;
use selfdirect_store::Store;
use std::time::Instant;
use time::macros::date;
use uuid::Uuid;

fn row(operation: &str, count: usize, seconds: f64) {
    println!("{operation:<58} {seconds:>10.3} {:>16}", (count as f64 / seconds) as u64);
}

const ACCOUNT_START: time::Date = date!(2026 - 04 - 01);
const ACCOUNT_END: time::Date = date!(2027 - 03 - 31);

/// A synthetic account: one to three lines, mostly direct payments, some ISF.
fn synthetic_account(rng: &mut ChaCha8Rng, asc: &FundingStream) -> RunAccount {
    let lines: Vec<FundedLine> = (0..rng.gen_range(1..=3))
        .map(|i| FundedLine {
            id: Uuid::from_u128(rng.gen()),
            stream: asc.clone(),
            deployment: if i == 0 || rng.gen_bool(0.6) { DeploymentOption::DirectPayment } else { DeploymentOption::IndividualServiceFund },
            annual_cost: Money::from_pence(rng.gen_range(200_000..6_000_000)),
            in_force: InForce::WHOLE_PLAN,
        })
        .collect();
    let start = ACCOUNT_START;
    let entry = allocate_budget(&lines, start).expect("positive lines balance");
    RunAccount {
        book: AccountBook::new(start, ACCOUNT_END, None, Balances::from_postings(entry.postings()), Vec::new()),
        weekly_contribution: Money::from_pence(rng.gen_range(0..5_000)),
        providers: lines.iter().map(|_| "Harbour Care".to_string()).collect(),
        lines,
    }
}

/// Claims as a provider sends them: each of a person's claims is for a day's visits, the
/// day after their previous one (the same day twice would be refused).
fn synthetic_claims(rng: &mut ChaCha8Rng, people: &[Uuid], count: usize) -> Vec<Claim> {
    let mut sent: std::collections::HashMap<Uuid, i64> = std::collections::HashMap::new();
    (0..count)
        .map(|i| {
            let person_id = people[rng.gen_range(0..people.len())];
            let earlier = sent.entry(person_id).or_default();
            let period_start = date!(2026 - 05 - 01) + time::Duration::days(*earlier % 330);
            *earlier += 1;
            Claim {
                provider: "Harbour Care".into(),
                invoice_ref: format!("HC-{i}"),
                person_id,
                category: if rng.gen_bool(0.95) { ServiceCategory::PersonalCare } else { ServiceCategory::Leisure },
                period_start,
                period_end: period_start,
                units: Decimal::from(rng.gen_range(1..4)),
                unit_rate: Money::from_pence(if rng.gen_bool(0.97) { 2_450 } else { 2_600 }),
            }
        })
        .collect()
}

/// In memory: a payment run over `accounts` accounts and validation of `claims` claims.
pub fn in_memory(accounts: usize, claims: usize, seed: u64) {
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    let asc = FundingStream::new("adult_social_care");
    println!("generating {accounts} synthetic accounts and {claims} claims (not timed)…");
    let run_accounts: Vec<RunAccount> = (0..accounts).map(|_| synthetic_account(&mut rng, &asc)).collect();
    let people: Vec<Uuid> = (0..accounts).map(|i| Uuid::from_u128(i as u128 + 1)).collect();
    let accounts_for_claims = claim_accounts(&people, &asc);
    let claim_list = synthetic_claims(&mut rng, &people, claims);

    println!("{:<58} {:>10} {:>16}", "operation (in memory, one core)", "seconds", "per second");
    let period = Period::four_weeks_from(date!(2026 - 04 - 01));
    let started = Instant::now();
    let mut paid = Money::ZERO;
    let mut payments = 0usize;
    for a in &run_accounts {
        let run = run_account(a, period, period.start);
        payments += run.payments.len();
        paid += run.payments.iter().map(|p| p.net).sum::<Money>();
    }
    let fast = started.elapsed().as_secs_f64();
    row(&format!("payment run: {accounts} accounts"), accounts, fast);
    payment_run_baseline(&run_accounts, period, accounts as f64 / fast);

    let mut book = ClaimBook::new(accounts_for_claims, ["Harbour Care".to_string()], []);
    let started = Instant::now();
    book.reserve(claim_list.len());
    let mut accepted = 0usize;
    for result in book.check_all(&claim_list) {
        accepted += usize::from(result.is_ok());
    }
    let fast = started.elapsed().as_secs_f64();
    row(&format!("claims: validate {claims} against plans"), claims, fast);
    claims_baseline(&claim_accounts(&people[..people.len().min(BASELINE_SAMPLE)], &asc), &claim_list, claims as f64 / fast);
    println!("(run: {payments} payments, {paid}; claims: {accepted} accepted, {} rejected)", claims - accepted);
}

/// How many accounts or claims the in-memory baselines run on: they are slow, and a sample
/// gives their rate.
const BASELINE_SAMPLE: usize = 100_000;

fn ratio(label: &str, fast_per_second: f64, baseline_per_second: f64) {
    println!("{:<58} {:>10} {:>15.1}x", format!("ratio ({label})"), "", fast_per_second / baseline_per_second);
}

/// The baseline for the run: a ledger without running balances, where each account's
/// balances are added up from its postings (a year's allocation and twelve earlier runs)
/// before the run works out what is due, as `SELECT SUM(…) GROUP BY` per account would.
fn payment_run_baseline(accounts: &[RunAccount], period: Period, fast_per_second: f64) {
    let sample = &accounts[..accounts.len().min(BASELINE_SAMPLE)];
    // Each account's history, made (not timed) by running the twelve periods before.
    let histories: Vec<Vec<selfdirect_domain::money::ledger::Posting>> = sample
        .iter()
        .map(|a| {
            let mut postings: Vec<_> = allocate_budget(&a.lines, ACCOUNT_START).expect("positive lines balance").postings().to_vec();
            let earliest = ACCOUNT_START - time::Duration::weeks(48);
            let mut history = RunAccount { book: AccountBook::new(earliest, ACCOUNT_END, None, a.book.balances().clone(), Vec::new()), ..a.clone() };
            for n in (1..=12).rev() {
                let earlier = Period::four_weeks_from(ACCOUNT_START - time::Duration::weeks(4 * n));
                for p in run_account(&history, earlier, earlier.start).payments {
                    history.book.admit(&p.entry).expect("a run's own entries pass the gate");
                    postings.extend(p.entry.postings().iter().cloned());
                }
            }
            postings
        })
        .collect();
    let started = Instant::now();
    let mut payments = 0usize;
    for (a, history) in sample.iter().zip(&histories) {
        let replayed =
            RunAccount { book: AccountBook::new(ACCOUNT_START, ACCOUNT_END, None, Balances::from_postings(history.iter()), Vec::new()), ..a.clone() };
        payments += run_account(&replayed, period, period.start).payments.len();
    }
    let seconds = started.elapsed().as_secs_f64();
    let per_posting = histories.iter().map(Vec::len).sum::<usize>() as f64 / sample.len() as f64;
    row(&format!("baseline: {} accounts, balances from ~{per_posting:.0} postings each", sample.len()), sample.len(), seconds);
    ratio("run against baseline", fast_per_second, sample.len() as f64 / seconds);
    std::hint::black_box(payments);
}

/// One council-managed personal-care account for each person, with a year's budget.
fn claim_accounts(people: &[Uuid], asc: &FundingStream) -> Vec<ClaimAccount> {
    people
        .iter()
        .map(|&person_id| ClaimAccount {
            account_id: person_id,
            person_id,
            start: date!(2026 - 04 - 01),
            end: date!(2027 - 03 - 31),
            suspended_from: None,
            past_suspensions: Vec::new(),
            lines: vec![ClaimLine {
                id: person_id,
                category: ServiceCategory::PersonalCare,
                provider: "Harbour Care".into(),
                deployment: DeploymentOption::CouncilManaged,
                stream: asc.clone(),
                unit_cost: Money::from_pence(2_450),
                in_force: InForce::WHOLE_PLAN,
            }],
            available: vec![(asc.clone(), Money::from_pounds(12_740))],
            held_by_provider: Vec::new(),
            invoiced: Vec::new(),
        })
        .collect()
}

/// The baseline for claims: what per-claim SELECTs and UPDATEs do, in memory. For each claim
/// the person's account and any acceptance of the same reference are looked up by text key,
/// copied out, checked by the same rules, and the balance written back.
fn claims_baseline(accounts: &[ClaimAccount], claims: &[Claim], fast_per_second: f64) {
    let mut by_person: std::collections::HashMap<String, ClaimAccount> = accounts.iter().map(|a| (a.person_id.to_string(), a.clone())).collect();
    let mut accepted_refs: std::collections::HashMap<String, Vec<(String, String)>> = std::collections::HashMap::new();
    let sample: Vec<&Claim> = claims.iter().filter(|c| by_person.contains_key(&c.person_id.to_string())).take(BASELINE_SAMPLE).collect();
    let providers = ["Harbour Care".to_string()];
    let started = Instant::now();
    let mut accepted = 0usize;
    for claim in &sample {
        let key = claim.person_id.to_string();
        let account = by_person.get(&key).cloned().into_iter().collect();
        let refs = accepted_refs.get(&claim.invoice_ref).cloned().unwrap_or_default();
        let mut book = ClaimBook::new(account, providers.iter().cloned(), refs);
        if let Ok(a) = book.check(claim) {
            accepted += 1;
            let stored = by_person.get_mut(&key).expect("checked");
            if let Some((_, left)) = stored.available.iter_mut().find(|(s, _)| *s == a.stream) {
                *left -= a.amount;
            }
            accepted_refs.entry(claim.invoice_ref.clone()).or_default().push((claim.provider.clone(), claim.invoice_ref.clone()));
        }
    }
    let seconds = started.elapsed().as_secs_f64();
    row(&format!("baseline: {} claims, one look-up and write-back each", sample.len()), sample.len(), seconds);
    ratio("claims against baseline", fast_per_second, sample.len() as f64 / seconds);
    std::hint::black_box(accepted);
}

/// Durably: posts `claims` claims for `people` people to the store, `batch` per transaction.
pub async fn durable(store: &Store, people: usize, claims: usize, batch: usize, seed: u64) -> anyhow::Result<()> {
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    let existing = store.councils().await?.len();
    let council = store.create_council(&format!("BENCH{}", existing + 1), "Benchmark Council").await?;
    let cid = council.id;
    store.register_provider(cid, "Harbour Care", "30-94-57", "11112222").await?;
    let bar = ProgressBar::new(people as u64);
    bar.set_style(ProgressStyle::with_template("{msg} [{bar:40}] {pos}/{len} ({eta} left)").expect("valid template").progress_chars("=> "));
    bar.set_message("opening accounts (not timed)");
    let mut person_ids = Vec::with_capacity(people);
    for i in 0..people {
        // Enough hours that every claim in the benchmark fits the budget.
        let line = PlanLineInput {
            description: "Home care".into(),
            provider: "Harbour Care".into(),
            category: "personal_care".into(),
            frequency: "weekly".into(),
            units_per_period: "40".into(),
            unit_cost: "24.50".into(),
            stream: None,
            risk_note: None,
        };
        let account = selfdirect_store::testing::open_test_account(store, cid, &format!("Bench{i}"), vec![line], "council_managed").await;
        person_ids.push(store.account(account).await?.person_id.uuid());
        bar.inc(1);
    }
    bar.finish_and_clear();
    let claim_list = synthetic_claims(&mut rng, &person_ids, claims);
    // Fresh tables have no planner statistics yet; a live database has them from autovacuum.
    store.refresh_statistics().await?;
    let started = Instant::now();
    let mut accepted = 0usize;
    for (b, chunk) in claim_list.chunks(batch).enumerate() {
        let numbered: Vec<(u64, Claim)> = chunk.iter().enumerate().map(|(i, c)| ((b * batch + i + 2) as u64, c.clone())).collect();
        let report = store.submit_claims(cid, numbered, Vec::new(), true).await?;
        accepted += report.accepted.len();
    }
    let seconds = started.elapsed().as_secs_f64();
    println!("{:<58} {:>10} {:>16}", format!("operation (durable, {:?})", store.backend()), "seconds", "per second");
    row(&format!("claims: validate and post {claims} ({batch} per transaction)"), claims, seconds);
    // The baseline: what a typical implementation does — each claim on its own, its own
    // SELECTs to check it and its own transaction to post it — on a sample of fresh claims.
    let sample = synthetic_claims(&mut rng, &person_ids, (claims / 10).clamp(1, 2_000));
    let started = Instant::now();
    for (i, c) in sample.iter().enumerate() {
        let mut claim = c.clone();
        claim.invoice_ref = format!("BASE-{i}");
        store.submit_claims(cid, vec![(1, claim)], Vec::new(), true).await?;
    }
    let baseline = started.elapsed().as_secs_f64();
    row(&format!("baseline: {} claims one at a time (one transaction each)", sample.len()), sample.len(), baseline);
    println!("{:<58} {:>10} {:>15.0}x", "ratio (batched against one at a time)", "", (claims as f64 / seconds) / (sample.len() as f64 / baseline));
    let trial = store.trial_balance(cid).await?;
    println!("({accepted} accepted; ledger entries {}, sum of postings {})", trial.entries, trial.sum_of_postings);
    Ok(())
}
