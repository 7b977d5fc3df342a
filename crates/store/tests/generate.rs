//! The synthetic population generator on SQLite and PostgreSQL: what it writes keeps the
//! ledger's invariants, reads back through the ordinary use cases, feeds the rollup and
//! the statutory return, and is the same every time for the same seed.

use selfdirect_domain::Money;
use selfdirect_store::synthetic::{generate, GenerateOptions, GenerateReport};
use selfdirect_store::testing::postgres_store;
use selfdirect_store::{SpendingDimension, Store};
use sqlx::Row;
use time::macros::date;

fn options(fast_load: bool) -> GenerateOptions {
    GenerateOptions { people: 240, councils: 2, months: 24, seed: 7, end: date!(2026 - 11 - 24), batch_people: 50, fast_load }
}

/// Checks the generated data, and returns a fingerprint of it.
async fn check(store: &Store, report: &GenerateReport) -> (Vec<String>, i64) {
    assert_eq!((report.councils, report.made.people), (2, 240));
    assert!(
        report.made.accounts > 150 && report.made.postings > report.made.accounts * 20 && report.made.invoices > 0 && report.made.reviews > 0,
        "{report:?}"
    );
    let councils = store.councils().await.unwrap();
    assert_eq!(councils.len(), 2);
    let mut postings = 0;
    for council in &councils {
        let cid = council.id;
        let tb = store.trial_balance(cid).await.unwrap();
        assert_eq!((tb.unbalanced_entries, tb.sum_of_postings), (0, Money::ZERO), "{}: every entry balances", council.code);
        postings += tb.postings;
        for d in [SpendingDimension::Category, SpendingDimension::Provider, SpendingDimension::Area, SpendingDimension::Mechanism] {
            let rollup = store.spending_by(cid, d).await.unwrap();
            assert!(!rollup.is_empty());
            assert_eq!(rollup, store.spending_from_ledger(cid, d).await.unwrap(), "the rollup matches the ledger");
        }
        let ret = store.statutory_return(cid, "2026-07-01").await.unwrap();
        assert!(!ret.rows.is_empty() && ret.problems.is_empty(), "{:?}", ret.problems.first());
        // What the return says was spent in the quarter is what the ledger says, added up
        // by one plain join (the return reads it account by account).
        let from_ledger: i64 = sqlx::query(
            "SELECT CAST(COALESCE(SUM(p.amount_pence), 0) AS BIGINT) AS spent FROM budget_accounts a \
             JOIN ledger_postings p ON p.budget_account_id = a.id AND p.council_id = a.council_id AND p.account = 'spent' \
             WHERE a.council_id = $1 AND a.start_date <= '2026-09-30' AND a.end_date >= '2026-07-01' \
             AND p.occurred_on >= '2026-07-01' AND p.occurred_on <= '2026-09-30' AND p.plan_line_id IS NOT NULL",
        )
        .bind(cid.to_string())
        .fetch_one(store.pool())
        .await
        .unwrap()
        .try_get("spent")
        .unwrap();
        let in_return: i64 = ret.rows.iter().map(|r| r.actual_cost_in_period.pence()).sum();
        assert!(from_ledger > 0);
        assert_eq!(in_return, from_ledger, "{}: the return's spending equals the ledger's", council.code);
        assert!(!store.provider_income(cid, 12).await.unwrap().is_empty());
        assert!(store.uptake(cid, None).await.unwrap().uptake.counts.personal_budget > 0);
    }
    assert_eq!(postings as u64, report.made.postings);
    // Nothing held (available, with the person, with a provider, spent, owed) is below
    // zero; only the two sources of money go negative: the council's funding, and the
    // person's contributions (now that generated runs net and invoice them as real runs do).
    let negative: i64 = sqlx::query(
        "SELECT COUNT(*) AS n FROM (SELECT budget_account_id, account, stream FROM ledger_postings WHERE account NOT IN ('council_funding', 'client_contribution') \
         GROUP BY budget_account_id, account, stream HAVING SUM(amount_pence) < 0) AS b",
    )
    .fetch_one(store.pool())
    .await
    .unwrap()
    .try_get("n")
    .unwrap();
    assert_eq!(negative, 0);
    // A generated person's record reads back through the ordinary use case.
    let account: String = sqlx::query("SELECT id FROM budget_accounts ORDER BY id LIMIT 1").fetch_one(store.pool()).await.unwrap().try_get("id").unwrap();
    let view = store.account_view(account.parse().unwrap()).await.unwrap();
    assert!(!view.entries.is_empty());
    let people: Vec<String> =
        sqlx::query("SELECT id FROM people ORDER BY id").fetch_all(store.pool()).await.unwrap().iter().map(|r| r.try_get("id").unwrap()).collect();
    let total: i64 = sqlx::query("SELECT CAST(SUM(amount_pence) AS BIGINT) AS t FROM ledger_postings WHERE account = 'spent'")
        .fetch_one(store.pool())
        .await
        .unwrap()
        .try_get("t")
        .unwrap();
    (people, total)
}

async fn run(url: &str, fast_load: bool) -> (Vec<String>, i64) {
    let report = generate(url, &options(fast_load), &|_, _, _| {}).await.unwrap();
    assert_eq!(report.fast_load, fast_load && url.starts_with("postgres"));
    let store = Store::connect(url).await.unwrap();
    check(&store, &report).await
}

#[tokio::test]
async fn generated_population_on_sqlite_is_sound_and_repeatable() {
    let (a, b) = (tempfile::tempdir().unwrap(), tempfile::tempdir().unwrap());
    let url = |d: &tempfile::TempDir| format!("sqlite://{}?mode=rwc", d.path().join("g.sqlite").display());
    let first = run(&url(&a), false).await;
    assert_eq!(run(&url(&b), false).await, first, "the same seed gives the same people and the same spending");
}

#[tokio::test]
async fn generated_population_on_postgres_is_sound_and_repeatable() {
    let Some((_s1, db1)) = postgres_store("generated_population_on_postgres").await else { return };
    let Some((_s2, db2)) = postgres_store("generated_population_on_postgres").await else { return };
    let fast = run(db1.url(), true).await;
    assert_eq!(run(db2.url(), false).await, fast, "the fast load writes what the careful one does");
}
