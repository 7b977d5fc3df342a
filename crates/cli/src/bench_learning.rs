//! `selfdirect bench dashboard`: every query behind the commissioner's dashboard, and the
//! quarterly statutory return, on whatever data is in the store (e.g. from `generate`),
//! for the largest councils: latency percentiles, and in the same run a baseline that
//! adds the spending up from the ledger instead of the rollup.

use crate::measure::percentiles_ms;
use selfdirect_domain::ids::CouncilId;
use selfdirect_store::{SpendingDimension, Store};
use std::time::{Duration, Instant};

#[derive(Clone, Copy, Debug)]
enum Query {
    Uptake,
    UptakeByGroup,
    UptakeSeries,
    MonthlyJourney,
    SpendingByCategory,
    SpendingByArea,
    ProviderIncome,
    SurveyResults,
}

const QUERIES: [Query; 8] = [
    Query::Uptake,
    Query::UptakeByGroup,
    Query::UptakeSeries,
    Query::MonthlyJourney,
    Query::SpendingByCategory,
    Query::SpendingByArea,
    Query::ProviderIncome,
    Query::SurveyResults,
];

async fn run_query(store: &Store, council: CouncilId, q: Query) -> anyhow::Result<()> {
    match q {
        Query::Uptake => {
            store.uptake(council, None).await?;
        }
        Query::UptakeByGroup => drop(store.uptake_by_group(council, None).await?),
        Query::UptakeSeries => drop(store.uptake_series(council, 12, None).await?),
        Query::MonthlyJourney => drop(store.monthly_journey(council).await?),
        Query::SpendingByCategory => drop(store.spending_by(council, SpendingDimension::Category).await?),
        Query::SpendingByArea => drop(store.spending_by(council, SpendingDimension::Area).await?),
        Query::ProviderIncome => drop(store.provider_income(council, 12).await?),
        Query::SurveyResults => drop(store.survey_results(council).await?),
    }
    Ok(())
}

fn print_row(what: &str, samples: &mut [Duration]) -> [f64; 4] {
    let n = samples.len();
    let p = percentiles_ms(samples);
    println!("{what:<44} {n:>6} {:>9.1} {:>9.1} {:>9.1} {:>9.1}", p[0], p[1], p[2], p[3]);
    p
}

pub async fn dashboard(store: &Store, councils: usize, rounds: usize, quarter: &str) -> anyhow::Result<()> {
    let sizes = store.people_per_council().await?;
    let people: i64 = sizes.iter().map(|(_, n)| n).sum();
    let chosen: Vec<&(CouncilId, i64)> = sizes.iter().take(councils.max(1)).collect();
    println!(
        "{} councils, {people} people in the store; measuring the {} largest ({} to {} people), {rounds} rounds each",
        sizes.len(),
        chosen.len(),
        chosen.last().map(|c| c.1).unwrap_or(0),
        chosen.first().map(|c| c.1).unwrap_or(0)
    );
    println!("{:<44} {:>6} {:>9} {:>9} {:>9} {:>9}", "dashboard query (ms)", "calls", "p50", "p95", "p99", "max");
    let mut all = Vec::new();
    let mut rollup_category = Vec::new();
    for q in QUERIES {
        let mut samples = Vec::with_capacity(chosen.len() * rounds);
        for (council, _) in &chosen {
            for _ in 0..rounds {
                let t = Instant::now();
                run_query(store, *council, q).await?;
                samples.push(t.elapsed());
            }
        }
        if matches!(q, Query::SpendingByCategory) {
            rollup_category = samples.clone();
        }
        all.extend_from_slice(&samples);
        print_row(&format!("{q:?}"), &mut samples);
    }
    let [_, _, p99, _] = print_row("all dashboard queries", &mut all);
    // The baseline: the same spending figures added up from every posting, once per council.
    let mut baseline = Vec::new();
    for (council, _) in &chosen {
        let t = Instant::now();
        let from_ledger = store.spending_from_ledger(*council, SpendingDimension::Category).await?;
        baseline.push(t.elapsed());
        let from_rollup = store.spending_by(*council, SpendingDimension::Category).await?;
        anyhow::ensure!(from_ledger == from_rollup, "council {council}: the rollup and the ledger disagree");
    }
    let base = print_row("baseline: SpendingByCategory from the ledger", &mut baseline);
    let ours = percentiles_ms(&mut rollup_category);
    println!("{:<44} {:>6} {:>9.0}x (p50, rollup against ledger; the figures agree)", "ratio", "", base[0] / ours[0].max(0.001));
    println!("dashboard p99 {p99:.1} ms: {}", if p99 < 100.0 { "under the 100 ms target" } else { "OVER the 100 ms target" });

    // The quarterly return, per council.
    let mut returns = Vec::new();
    let mut rows = 0usize;
    for (council, _) in &chosen {
        let t = Instant::now();
        let r = store.statutory_return(*council, quarter).await?;
        returns.push(t.elapsed());
        rows += r.rows.len();
    }
    let total: Duration = returns.iter().sum();
    print_row(&format!("statutory return for {quarter} (one council)"), &mut returns);
    println!("statutory returns: {} councils, {rows} rows in {:.2} s", chosen.len(), total.as_secs_f64());
    Ok(())
}
