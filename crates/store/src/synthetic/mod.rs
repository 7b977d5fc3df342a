//! Issue 8: a synthetic national population, written straight into the store in bulk.
//!
//! Every person goes through the real rules in memory — the RAS allocates their budget from
//! their answers, the plan is validated, and every journal entry is built by the ledger's
//! own functions against running balances — and only the writing is bulk: multi-row
//! INSERTs on SQLite, `COPY … FROM STDIN` on PostgreSQL. So the dataset keeps every
//! invariant the use cases keep (entries balance, nothing held goes below zero).
//! Deterministic: the same options give the same rows, ids included.

pub mod population;
mod rows;
mod sink;

use crate::{Result, Store};
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use selfdirect_domain::ids::CouncilId;
use selfdirect_domain::money::claims::provider_key;
use sink::Sink;
use std::time::Instant;
use time::Date;

pub use rows::{Batch, Counts};

/// What to generate.
#[derive(Debug, Clone)]
pub struct GenerateOptions {
    pub people: u64,
    pub councils: u32,
    /// Months of history up to `end`.
    pub months: u32,
    pub seed: u64,
    /// The last day of the history (usually today).
    pub end: Date,
    /// People written per batch (one COPY per table, or one transaction on SQLite).
    pub batch_people: usize,
    /// PostgreSQL: drop the big tables' secondary indexes for the load and build them
    /// afterwards, and skip foreign-key triggers (the rows are consistent by construction).
    /// Only on a database with no people yet.
    pub fast_load: bool,
}

/// What was written, and how long each phase took.
#[derive(Debug, Clone, Default)]
pub struct GenerateReport {
    pub councils: u64,
    pub providers: u64,
    pub made: Counts,
    pub load_seconds: f64,
    pub index_seconds: f64,
    pub rollup_seconds: f64,
    /// Whether PostgreSQL's fast load (indexes after, no FK triggers) was used.
    pub fast_load: bool,
}

/// Where a long job has got to, for a progress bar.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Phase {
    /// People written so far, of all.
    Loading,
    /// Indexes built so far, of all.
    Indexing,
    /// Councils whose spending rollup is rebuilt, of all.
    Rollup,
}

const PLACES: &[&str] = &[
    "Ashford",
    "Barnsley",
    "Calderdale",
    "Dudley",
    "Exeter",
    "Fenland",
    "Gateshead",
    "Harrogate",
    "Ipswich",
    "Kirklees",
    "Lambeth",
    "Medway",
    "Northumberland",
    "Oldham",
    "Peterborough",
    "Rochdale",
    "Sefton",
    "Tameside",
    "Wakefield",
    "Wirral",
    "Wigan",
    "York",
    "Bolton",
    "Camden",
    "Derby",
    "Enfield",
];

/// Generates the population into the database at `url` (migrating it first).
/// `progress(phase, done, of)` is called as the work goes.
pub async fn generate(url: &str, options: &GenerateOptions, progress: &(dyn Fn(Phase, u64, u64) + Sync)) -> Result<GenerateReport> {
    let store = Store::connect_and_migrate(url).await?;
    generate_into(&store, url, options, progress).await
}

/// As [`generate`], into `store` (connected to `url`) as its schema stands: a test of a
/// migration fills a database an older release left.
pub async fn generate_into(store: &Store, url: &str, options: &GenerateOptions, progress: &(dyn Fn(Phase, u64, u64) + Sync)) -> Result<GenerateReport> {
    let mut report = GenerateReport::default();
    let mut rng = ChaCha8Rng::seed_from_u64(options.seed);
    let window_start = selfdirect_domain::dates::add_months(options.end, -(options.months as i32));

    // Councils, their bank accounts, providers and block contracts, through the use cases:
    // a few thousand rows at most.
    let mut councils = Vec::new();
    let weights: Vec<f64> = (0..options.councils).map(|_| rng.gen_range(0.3..3.0)).collect();
    let weight_sum: f64 = weights.iter().sum();
    let mut assigned = 0u64;
    for (i, weight) in weights.iter().enumerate() {
        let code = format!("S{}C{:03}", options.seed % 10_000, i + 1);
        let name = format!("{} {} Council", PLACES[i % PLACES.len()], i / PLACES.len() + 1);
        let council = store.create_council(&code, &name).await?;
        let cid = council.id;
        store
            .set_council_bank(
                cid,
                &crate::BankDetailsInput {
                    account_name: name.to_uppercase().chars().take(18).collect(),
                    sort_code: "20-00-00".into(),
                    account_number: format!("{:08}", 10_000_000 + i),
                    service_user_number: Some(format!("{:06}", 100_000 + i)),
                },
            )
            .await?;
        // Synthetic only: a float shares people out between councils, never money.
        let size = if i + 1 == options.councils as usize { options.people - assigned } else { (options.people as f64 * weight / weight_sum) as u64 };
        assigned += size;
        let market = rows::CouncilMarket::new(&mut rng, i);
        for (n, provider) in market.providers().iter().enumerate() {
            store.register_provider(cid, provider, "30-94-57", &format!("{:08}", 20_000_000 + i * 1_000 + n)).await?;
            report.providers += 1;
        }
        for (provider, annual) in market.block_contracts() {
            let input = crate::BlockContractInput {
                provider_name: provider.clone(),
                category: "day_service".into(),
                annual_value: annual.to_plain_string(),
                start_date: selfdirect_domain::dates::iso(window_start),
                end_date: selfdirect_domain::dates::iso(options.end + time::Duration::days(365)),
            };
            store.add_block_contract(cid, &input).await?;
        }
        debug_assert!(market.providers().iter().all(|p| !provider_key(p).is_empty()));
        councils.push(rows::CouncilPlan { id: council.id.into(), size, market, questionnaire: store.current_questionnaire(cid).await? });
        report.councils += 1;
    }

    let mut sink = Sink::open(store, url, options.fast_load).await?;
    report.fast_load = sink.fast();
    let started = Instant::now();
    // Rows are made on a thread of their own while the database writes the batch before.
    let (sender, mut receiver) = tokio::sync::mpsc::channel::<Batch>(2);
    let seed = options.seed;
    let (batch_people, end) = (options.batch_people.max(1), options.end);
    let council_ids: Vec<CouncilId> = councils.iter().map(|c| c.id.into()).collect();
    let catalogues = rows::Catalogues { streams: store.streams.clone(), survey: selfdirect_domain::learning::survey::Survey::standard() };
    let maker = std::thread::spawn(move || {
        let mut ids = rows::Ids::new(seed, window_start);
        for (c, council) in councils.iter().enumerate() {
            let mut batch = Batch::default();
            for n in 0..council.size {
                let mut rng = ChaCha8Rng::seed_from_u64(seed ^ ((c as u64) << 40) ^ n);
                rows::person(&mut batch, &mut rng, &mut ids, (council, &catalogues), (window_start, end));
                if batch.counts.people >= batch_people as u64 && sender.blocking_send(std::mem::take(&mut batch)).is_err() {
                    return;
                }
            }
            if batch.counts.people > 0 && sender.blocking_send(batch).is_err() {
                return;
            }
        }
    });
    let mut done = 0u64;
    while let Some(batch) = receiver.recv().await {
        report.made += batch.counts;
        done += batch.counts.people;
        sink.write(&batch).await?;
        progress(Phase::Loading, done, options.people);
    }
    maker.join().map_err(|_| crate::StoreError::Corrupt("the row-making thread panicked".into()))?;
    report.load_seconds = started.elapsed().as_secs_f64();

    let started = Instant::now();
    sink.finish(&|done, of| progress(Phase::Indexing, done, of)).await?;
    report.index_seconds = started.elapsed().as_secs_f64();

    let started = Instant::now();
    for (i, council_id) in council_ids.iter().enumerate() {
        store.rebuild_spending_rollup(*council_id).await?;
        progress(Phase::Rollup, i as u64 + 1, council_ids.len() as u64);
    }
    store.refresh_statistics().await?;
    report.rollup_seconds = started.elapsed().as_secs_f64();
    Ok(report)
}
