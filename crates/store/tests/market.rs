//! Market intelligence from the spending rollup, on SQLite and PostgreSQL: the rollup that
//! posting keeps up to date equals one rebuilt from the ledger, the slices add up to
//! hand-worked figures, and block contracts are checked before they are kept.

use selfdirect_domain::ids::*;
use selfdirect_domain::money::claims::ClaimInput;
use selfdirect_domain::Money;
use selfdirect_store::testing::{open_test_account, pay_budget_holder, postgres_store, spend_on_line, sqlite_store, weekly_line};
use selfdirect_store::{BlockContractInput, SpendingDimension, Store, StoreError};

async fn everything(store: &Store, cid: CouncilId) -> Vec<Vec<(String, String, Money)>> {
    let mut out = Vec::new();
    for d in [SpendingDimension::Category, SpendingDimension::Provider, SpendingDimension::Area, SpendingDimension::Mechanism] {
        out.push(store.spending_by(cid, d).await.unwrap().into_iter().map(|c| (c.month, c.key, c.spent)).collect());
    }
    out
}

async fn market(store: Store) {
    let cid = store.create_council("MKT", "Market Council").await.unwrap().id;
    let dp = open_test_account(&store, cid, "Rae", vec![weekly_line("PA hours", "Sam Jones", "personal_assistant", "100")], "direct_payment").await;
    let managed = open_test_account(&store, cid, "Mo", vec![weekly_line("Home care", "Harbour Care", "personal_care", "250")], "council_managed").await;
    let line = store.plan(store.account(dp).await.unwrap().plan_id).await.unwrap().lines[0].clone();
    let mo = store.account(managed).await.unwrap().person_id.to_string();
    store.register_provider(cid, "Harbour Care", "20-00-00", "11112222").await.unwrap();
    pay_budget_holder(&store, dp, "800", "2026-04-02").await;
    let line_id = line.id;
    spend_on_line(&store, dp, &line_id.to_string(), "300", "2026-04-10").await;
    spend_on_line(&store, dp, &line_id.to_string(), "120.50", "2026-05-10").await;
    let claim = ClaimInput {
        provider: "HARBOUR  care".into(),
        invoice_ref: "HC-1".into(),
        person_id: mo.clone(),
        service_category: "personal_care".into(),
        period_start: "2026-04-01".into(),
        period_end: "2026-04-28".into(),
        units: "4".into(),
        unit_rate: "250".into(),
    };
    assert!(store.submit_claim(cid, &claim).await.unwrap().posted);

    let m = |s: &str| s.to_string();
    let (apr, may) = (m("2026-04"), m("2026-05"));
    let [by_category, by_provider, by_area, by_mechanism] = <[_; 4]>::try_from(everything(&store, cid).await).unwrap();
    assert_eq!(
        by_category,
        [
            (apr.clone(), m("personal_assistant"), Money::from_pounds(300)),
            (apr.clone(), m("personal_care"), Money::from_pounds(1_000)),
            (may.clone(), m("personal_assistant"), Money::from_pence(12_050))
        ]
    );
    // A personal assistant is a private person: no name in the figures. The provider's key is
    // its name in lower case, however the invoice spelled it.
    assert_eq!(
        by_provider,
        [
            (apr.clone(), m(""), Money::from_pounds(300)),
            (apr.clone(), m("harbour care"), Money::from_pounds(1_000)),
            (may.clone(), m(""), Money::from_pence(12_050))
        ]
    );
    assert_eq!(by_area, [(apr.clone(), m("AB1"), Money::from_pounds(1_300)), (may.clone(), m("AB1"), Money::from_pence(12_050))]);
    assert_eq!(by_mechanism[0], (apr, m("council_managed"), Money::from_pounds(1_000)));

    // What posting kept up to date is what the ledger says.
    for d in [SpendingDimension::Category, SpendingDimension::Provider, SpendingDimension::Area, SpendingDimension::Mechanism] {
        assert_eq!(store.spending_by(cid, d).await.unwrap(), store.spending_from_ledger(cid, d).await.unwrap(), "{d:?}");
    }
    let kept = everything(&store, cid).await;
    store.rebuild_spending_rollup(cid).await.unwrap();
    assert_eq!(everything(&store, cid).await, kept);

    // Block contracts: every field checked, nothing kept from a bad one.
    let good = BlockContractInput {
        provider_name: " Oak  Day Centre ".into(),
        category: "day_service".into(),
        annual_value: "£120,000.00".into(),
        start_date: "2026-04-01".into(),
        end_date: "2027-03-31".into(),
    };
    let bad = BlockContractInput {
        provider_name: " ".into(),
        category: "bingo".into(),
        annual_value: "0".into(),
        start_date: "2026-13-01".into(),
        end_date: "x".into(),
    };
    let Err(StoreError::Invalid(p)) = store.add_block_contract(cid, &bad).await else { panic!("a bad contract was accepted") };
    let said: Vec<_> = p.as_slice().iter().map(|f| (f.field.as_str(), f.problem.as_str())).collect();
    assert_eq!(
        said,
        [
            ("provider_name", "enter the provider's name"),
            ("category", "'bingo' is not a service category"),
            ("annual_value", "must be more than £0.00"),
            ("start_date", "'2026-13-01' is not a real date; enter it as YYYY-MM-DD, such as 2026-04-01"),
            ("end_date", "'x' is not a real date; enter it as YYYY-MM-DD, such as 2026-04-01"),
        ]
    );
    let backwards = BlockContractInput { end_date: "2026-03-31".into(), ..good.clone() };
    let Err(StoreError::Invalid(p)) = store.add_block_contract(cid, &backwards).await else { panic!("a contract ending before it starts was accepted") };
    assert_eq!(p.to_string(), "end_date: must be on or after start_date (2026-04-01)");
    assert!(store.block_contracts(cid).await.unwrap().is_empty());
    let kept = store.add_block_contract(cid, &good).await.unwrap();
    assert_eq!((kept.provider_name.as_str(), kept.contract.provider_key.as_str()), ("Oak  Day Centre", "oak day centre"));
    assert_eq!(kept.contract.annual_value, Money::from_pounds(120_000));
    assert_eq!(store.block_contracts(cid).await.unwrap(), vec![kept]);

    // Income per provider over the latest month with spending (May) and the month before.
    // Oak: only its block contract, £120,000 a year = £10,191.78 for May's 31 days.
    // Harbour Care: £1,000 from a personal budget in April, nothing in May.
    let income = store.provider_income(cid, 1).await.unwrap();
    let summary: Vec<_> = income
        .iter()
        .map(|p| (p.provider_name.as_str(), p.income.personal_budgets, p.income.block_contracts, p.income.personal_budget_share, p.income.previous_share))
        .collect();
    assert_eq!(
        summary,
        [("Oak  Day Centre", Money::ZERO, Money::from_pence(1_019_178), Some(0), Some(0)), ("Harbour Care", Money::ZERO, Money::ZERO, None, Some(100))]
    );
}

#[tokio::test]
async fn market_on_sqlite() {
    let (store, _dir) = sqlite_store().await;
    market(store).await;
}

#[tokio::test]
async fn market_on_postgres() {
    let Some((store, _db)) = postgres_store("market_on_postgres").await else { return };
    market(store).await;
}
