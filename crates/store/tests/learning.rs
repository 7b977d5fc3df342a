//! The quarterly statutory return from stored records, on SQLite and PostgreSQL, checked
//! field by field against hand-worked figures.

use selfdirect_domain::Money;
use selfdirect_store::testing::{open_test_account, postgres_store, sqlite_store, weekly_line};
use selfdirect_store::{PaymentInput, SpendingInput, Store, StoreError};

async fn statutory_return(store: Store) {
    let cid = store.create_council("RET", "Returns Council").await.unwrap().id.to_string();
    // £100 a week, 2026-04-01 to 2027-03-31, as a direct payment.
    let account = open_test_account(&store, &cid, "Rae", vec![weekly_line("PA hours", "Sam", "personal_assistant", "100")], "direct_payment").await;
    let view = store.account_view(&account).await.unwrap();
    let person = view.account.person_id;
    let line = store.plan(&view.account.plan_id.to_string()).await.unwrap().lines[0].clone();
    store
        .make_payment(
            &account,
            &PaymentInput { payee: "budget_holder".into(), payee_name: "Rae".into(), amount: "400".into(), paid_on: "2026-07-01".into(), ..Default::default() },
        )
        .await
        .unwrap();
    let spend = |on: &str, amount: &str| SpendingInput {
        plan_line_id: line.id.to_string(),
        amount: amount.into(),
        spent_on: on.into(),
        description: "Wages".into(),
        ..Default::default()
    };
    store.record_spending(&account, &spend("2026-07-10", "300")).await.unwrap();
    store.record_spending(&account, &spend("2026-10-02", "50")).await.unwrap(); // next quarter: not counted

    let r = store.statutory_return(&cid, "2026-07-01").await.unwrap();
    assert_eq!((r.rows.len(), r.people, r.problems.len()), (1, 1, 0));
    let row = &r.rows[0];
    assert_eq!(row.person_id, person);
    assert_eq!((row.reporting_period_start.as_str(), row.reporting_period_end.as_str()), ("2026-07-01", "2026-09-30"));
    assert_eq!(row.primary_support_reason, "Physical Support");
    assert_eq!(row.service_type, "Long Term Support: Community: Home Support");
    assert_eq!(row.delivery_mechanism, "Direct Payment");
    assert_eq!((row.event_start.as_str(), row.event_end.as_str()), ("2026-04-01", "2027-03-31"));
    // The line's annual cost pro rata: 92 days of 365, to the nearest penny.
    let expected = Money::from_pence((line.annual_cost.pence() * 92 * 2 + 365) / 730);
    assert_eq!(row.planned_cost_in_period, expected);
    assert_eq!(row.actual_cost_in_period, Money::from_pounds(300));

    // A quarter before the plan: nothing. A date that is not a quarter's first day: refused.
    assert!(store.statutory_return(&cid, "2026-01-01").await.unwrap().rows.is_empty());
    assert!(matches!(store.statutory_return(&cid, "2026-08-01").await, Err(StoreError::Invalid(_))));
}

#[tokio::test]
async fn statutory_return_on_sqlite() {
    let (store, _dir) = sqlite_store().await;
    statutory_return(store).await;
}

#[tokio::test]
async fn statutory_return_on_postgres() {
    if let Some((store, _db)) = postgres_store("statutory_return_on_postgres").await {
        statutory_return(store.clone()).await;
        store.close().await;
    }
}
