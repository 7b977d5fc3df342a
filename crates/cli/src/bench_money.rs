//! `selfdirect bench money`: the payment run and claim validation on synthetic data, in
//! memory, and claims posted durably to the store (SQLite or PostgreSQL).

use indicatif::{ProgressBar, ProgressStyle};
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use rust_decimal::Decimal;
use selfdirect_domain::claims::{Claim, ClaimAccount, ClaimBook, ClaimLine};
use selfdirect_domain::deployment::DeploymentOption;
use selfdirect_domain::ledger::{allocate_budget, Balances, FundedLine};
use selfdirect_domain::payment_run::{run_account, Period, RunAccount};
use selfdirect_domain::plan::{FundingStream, PlanLineInput, ServiceCategory};
use selfdirect_domain::Money;
use selfdirect_store::Store;
use std::time::Instant;
use time::macros::date;
use uuid::Uuid;

fn row(operation: &str, count: usize, seconds: f64) {
    println!("{operation:<58} {seconds:>10.3} {:>16}", (count as f64 / seconds) as u64);
}

/// A synthetic account: one to three lines, mostly direct payments, some ISF.
fn synthetic_account(rng: &mut ChaCha8Rng, asc: &FundingStream) -> RunAccount {
    let lines: Vec<FundedLine> = (0..rng.gen_range(1..=3))
        .map(|i| FundedLine {
            id: Uuid::from_u128(rng.gen()),
            stream: asc.clone(),
            deployment: if i == 0 || rng.gen_bool(0.6) { DeploymentOption::DirectPayment } else { DeploymentOption::IndividualServiceFund },
            annual_cost: Money::from_pence(rng.gen_range(200_000..6_000_000)),
        })
        .collect();
    let start = date!(2026 - 04 - 01);
    let entry = allocate_budget(&lines, start).expect("positive lines balance");
    RunAccount {
        start,
        end: date!(2027 - 03 - 31),
        weekly_contribution: Money::from_pence(rng.gen_range(0..5_000)),
        suspended_from: None,
        providers: lines.iter().map(|_| "Harbour Care".to_string()).collect(),
        balances: Balances::from_postings(entry.postings.iter()),
        lines,
    }
}

fn synthetic_claims(rng: &mut ChaCha8Rng, people: &[Uuid], count: usize) -> Vec<Claim> {
    (0..count)
        .map(|i| Claim {
            provider: "Harbour Care".into(),
            invoice_ref: format!("HC-{i}"),
            person_id: people[rng.gen_range(0..people.len())],
            category: if rng.gen_bool(0.95) { ServiceCategory::PersonalCare } else { ServiceCategory::Leisure },
            period_start: date!(2026 - 05 - 01),
            period_end: date!(2026 - 05 - 28),
            units: Decimal::from(rng.gen_range(1..4)),
            unit_rate: Money::from_pence(if rng.gen_bool(0.97) { 2_450 } else { 2_600 }),
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
    let claim_accounts: Vec<ClaimAccount> = people
        .iter()
        .map(|&person_id| ClaimAccount {
            account_id: person_id,
            person_id,
            start: date!(2026 - 04 - 01),
            end: date!(2027 - 03 - 31),
            lines: vec![ClaimLine {
                id: person_id,
                category: ServiceCategory::PersonalCare,
                provider: "Harbour Care".into(),
                deployment: DeploymentOption::CouncilManaged,
                stream: asc.clone(),
                unit_cost: Money::from_pence(2_450),
            }],
            available: vec![(asc.clone(), Money::from_pounds(12_740))],
            held_by_provider: Vec::new(),
        })
        .collect();
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
    row(&format!("payment run: {accounts} accounts"), accounts, started.elapsed().as_secs_f64());

    let mut book = ClaimBook::new(claim_accounts, ["Harbour Care".to_string()], []);
    let started = Instant::now();
    book.reserve(claim_list.len());
    let mut accepted = 0usize;
    for c in &claim_list {
        accepted += usize::from(book.check(c).is_ok());
    }
    row(&format!("claims: validate {claims} against plans"), claims, started.elapsed().as_secs_f64());
    println!("(run: {payments} payments, {paid}; claims: {accepted} accepted, {} rejected)", claims - accepted);
}

/// Durably: posts `claims` claims for `people` people to the store, `batch` per transaction.
pub async fn durable(store: &Store, people: usize, claims: usize, batch: usize, seed: u64) -> anyhow::Result<()> {
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    let existing = store.councils().await?.len();
    let council = store.create_council(&format!("BENCH{}", existing + 1), "Benchmark Council").await?;
    let cid = council.id.to_string();
    store.register_provider(&cid, "Harbour Care", "30-94-57", "11112222").await?;
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
        let account = selfdirect_store::testing::open_test_account(store, &cid, &format!("Bench{i}"), vec![line], "council_managed").await;
        person_ids.push(store.account(&account).await?.person_id);
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
        let report = store.submit_claims(&cid, numbered, Vec::new(), true).await?;
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
        store.submit_claims(&cid, vec![(1, claim)], Vec::new(), true).await?;
    }
    let baseline = started.elapsed().as_secs_f64();
    row(&format!("baseline: {} claims one at a time (one transaction each)", sample.len()), sample.len(), baseline);
    println!("{:<58} {:>10} {:>15.0}x", "ratio (batched against one at a time)", "", (claims as f64 / seconds) / (sample.len() as f64 / baseline));
    let trial = store.trial_balance(&cid).await?;
    println!("({accepted} accepted; ledger entries {}, sum of postings {})", trial.entries, trial.sum_of_postings);
    Ok(())
}
