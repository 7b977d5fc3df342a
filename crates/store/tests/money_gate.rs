//! The money gate and one live budget, on both databases: a second live budget is refused,
//! an overlapping run pays nothing for days already paid, the same days of a service are
//! not billed twice, and the database itself refuses a second cover of a day or a second
//! live account, whoever writes the row.

use selfdirect_domain::ids::*;
use selfdirect_domain::money::claims::ClaimInput;
use selfdirect_domain::plan::PlanLineInput;
use selfdirect_domain::Money;
use selfdirect_store::testing::{open_test_account, postgres_store, sqlite_store, weekly_line};
use selfdirect_store::{BankDetailsInput, RunOptions, Store, StoreError};
use sqlx::Row;

async fn council_with_dp(store: &Store, code: &str) -> (CouncilId, AccountId) {
    let council = store.create_council(code, "Gate Council").await.unwrap().id;
    // £70 a week: £10 a day.
    let account = open_test_account(store, council, "Gia", vec![weekly_line("PA hours", "PA", "personal_assistant", "70")], "direct_payment").await;
    let bank = BankDetailsInput { account_name: "G PAYEE".into(), sort_code: "20-00-00".into(), account_number: "12345678".into(), service_user_number: None };
    store.set_bank_details(account, &bank).await.unwrap();
    (council, account)
}

async fn a_second_live_budget_is_refused(store: &Store) {
    let (_, account) = council_with_dp(store, "ONE").await;
    let person = store.account(account).await.unwrap().person_id.to_string();
    let input = selfdirect_domain::plan::PlanInput {
        outcomes: vec!["Go out more".into()],
        lines: vec![weekly_line("Day trips", "PA", "personal_assistant", "20")],
        start_date: "2026-06-01".into(),
        end_date: "2027-05-31".into(),
        over_budget_reason: None,
    };
    let second = store.create_plan(person.parse().unwrap(), None, &input).await.unwrap().id;
    store.submit_plan(second).await.unwrap();
    match store.approve_plan(second, "Manager", None).await {
        Err(StoreError::Conflict(m)) => assert!(m.contains("one live budget at a time") && m.contains("1 April 2026"), "{m}"),
        other => panic!("a second live budget was not refused: {other:?}"),
    }
    assert_eq!(store.plan(second).await.unwrap().status.code(), "submitted", "the refused approval changed nothing");
    // A buggy caller writing the row itself is refused by the database.
    let row = sqlx::query("SELECT council_id, plan_id FROM budget_accounts WHERE id = $1").bind(account.to_string()).fetch_one(store.pool()).await.unwrap();
    let inserted = sqlx::query(
        "INSERT INTO budget_accounts (id, council_id, person_id, plan_id, deployment, includes_direct_payment, final_budget_pence, start_date, end_date, next_review_due, lock_version, created_at) \
         VALUES ('second', $1, $2, $3, 'direct_payment', 1, 100, '2026-05-01', '2026-12-31', '2026-11-01', 1, '2026-05-01')",
    )
    .bind(row.get::<String, _>("council_id"))
    .bind(&person)
    .bind(row.get::<String, _>("plan_id"))
    .execute(store.pool())
    .await
    .map_err(StoreError::from);
    match inserted {
        Err(StoreError::Conflict(m)) => assert!(m.contains("one live budget"), "{m}"),
        other => panic!("the database let a second live account in: {other:?}"),
    }
}

async fn overlapping_runs_pay_each_day_once(store: &Store) {
    let (council, account) = council_with_dp(store, "RUN").await;
    let first = store.payment_run(council, "2026-11-02", None, RunOptions::default()).await.unwrap();
    assert_eq!((first.payments, first.total_net.pence()), (1, 28_000));
    // A run starting a day later pays only the one day the first did not: 2026-11-30.
    let second = store.payment_run(council, "2026-11-03", None, RunOptions::default()).await.unwrap();
    assert_eq!((second.payments, second.total_net.pence()), (1, 1_000));
    // The same period again is the same run: nothing more.
    store.payment_run(council, "2026-11-02", None, RunOptions::default()).await.unwrap();
    let view = store.account_view(account).await.unwrap();
    assert_eq!(view.balances[0].held_by_budget_holder.pence(), 29_000, "29 days paid, each once");
    let paid: Vec<(String, String)> = sqlx::query("SELECT first_day, last_day FROM paid_days WHERE budget_account_id = $1 ORDER BY first_day")
        .bind(account.to_string())
        .fetch_all(store.pool())
        .await
        .unwrap()
        .iter()
        .map(|r| (r.get("first_day"), r.get("last_day")))
        .collect();
    assert_eq!(paid, [("2026-11-02".to_string(), "2026-11-29".to_string()), ("2026-11-30".to_string(), "2026-11-30".to_string())]);

    // A buggy caller covering paid days again is refused by the database, and so is
    // changing a paid day.
    let entry: String = sqlx::query("SELECT entry_id FROM paid_days WHERE budget_account_id = $1 LIMIT 1")
        .bind(account.to_string())
        .fetch_one(store.pool())
        .await
        .unwrap()
        .get("entry_id");
    let again = sqlx::query(
        "INSERT INTO paid_days (council_id, budget_account_id, stream, payee, first_day, last_day, entry_id) VALUES ($1, $2, 'adult_social_care', 'budget_holder', '2026-11-20', '2026-12-03', $3)",
    )
    .bind(council.to_string())
    .bind(account.to_string())
    .bind(&entry)
    .execute(store.pool())
    .await
    .map_err(StoreError::from);
    match again {
        Err(StoreError::Conflict(m)) => assert!(m.contains("already paid"), "{m}"),
        other => panic!("the database let a day be paid twice: {other:?}"),
    }
    let changed =
        sqlx::query("UPDATE paid_days SET last_day = '2026-11-01' WHERE budget_account_id = $1").bind(account.to_string()).execute(store.pool()).await;
    assert!(changed.is_err(), "paid days are never changed");
    // Days after the paid ones are still free to pay.
    let next = store.payment_run(council, "2026-12-01", None, RunOptions::default()).await.unwrap();
    assert_eq!(next.total_net.pence(), 28_000);
    a_unique_clash_is_a_conflict(store, &council.to_string()).await;
}

/// A unique key's refusal comes back as a conflict naming what clashed, not a database failure.
async fn a_unique_clash_is_a_conflict(store: &Store, council: &str) {
    let second_run = sqlx::query(
        "INSERT INTO payment_runs (id, council_id, period_start, period_end, pay_date, status, created_at) VALUES ('again', $1, '2026-11-02', '2026-11-29', '2026-11-04', 'in_progress', 'now')",
    )
    .bind(council)
    .execute(store.pool())
    .await
    .map_err(StoreError::from);
    match second_run {
        Err(StoreError::Conflict(m)) => assert!(m.contains("already recorded") && m.contains("payment_runs"), "{m}"),
        other => panic!("a second run for the same period was not a conflict: {other:?}"),
    }
}

/// The same service billed twice: other references for the same days of the same line are
/// refused, a reference is the same whatever its case, and other days are paid.
async fn each_day_of_a_service_is_billed_once(store: &Store) {
    let cid = store.create_council("BIL", "Billing Council").await.unwrap().id;
    let hourly = PlanLineInput { units_per_period: "10".into(), ..weekly_line("Home care", "Harbour Care", "personal_care", "24.50") };
    let managed = open_test_account(store, cid, "Mo", vec![hourly], "council_managed").await;
    let mo = store.account(managed).await.unwrap().person_id.to_string();
    store.register_provider(cid, "Harbour Care", "20-00-00", "11112222").await.unwrap();
    let claim = |reference: &str, from: &str, to: &str| ClaimInput {
        provider: "Harbour Care".into(),
        invoice_ref: reference.into(),
        person_id: mo.clone(),
        service_category: "personal_care".into(),
        period_start: from.into(),
        period_end: to.into(),
        units: "40".into(),
        unit_rate: "24.50".into(),
    };
    let first = store.submit_claim(cid, &claim("BB-001", "2026-04-01", "2026-04-28")).await.unwrap();
    assert!(first.posted && first.rejected.is_empty(), "{first:?}");
    let codes = |r: &selfdirect_store::ClaimsReport| r.rejected.iter().map(|p| p.reason_code.clone()).collect::<Vec<_>>();
    assert_eq!(codes(&store.submit_claim(cid, &claim("BB-002", "2026-04-01", "2026-04-28")).await.unwrap()), ["days_already_invoiced"]);
    assert_eq!(codes(&store.submit_claim(cid, &claim("BB-003", "2026-04-20", "2026-05-10")).await.unwrap()), ["days_already_invoiced"]);
    assert_eq!(codes(&store.submit_claim(cid, &claim("bb-001", "2026-04-29", "2026-05-26")).await.unwrap()), ["duplicate"]);
    let next = store.submit_claim(cid, &claim("BB-004", "2026-04-29", "2026-05-26")).await.unwrap();
    assert!(next.posted && next.rejected.is_empty(), "{next:?}");
    assert_eq!(store.account_view(managed).await.unwrap().spent, Money::from_pounds(1_960), "two four-week invoices paid, nothing twice");
    // In one file too: the second line for days the first took is refused.
    let file = format!(
        "provider,invoice_ref,person_id,service_category,period_start,period_end,units,unit_rate\n\
         Harbour Care,BB-005,{mo},personal_care,2026-05-27,2026-06-23,40,24.50\n\
         Harbour Care,BB-006,{mo},personal_care,2026-06-01,2026-06-07,10,24.50\n"
    );
    let report = store.submit_claims_csv(cid, &file, true).await.unwrap();
    assert_eq!((report.accepted.len(), codes(&report)), (1, vec!["days_already_invoiced".to_string()]));
}

async fn all(store: Store) {
    a_second_live_budget_is_refused(&store).await;
    overlapping_runs_pay_each_day_once(&store).await;
    each_day_of_a_service_is_billed_once(&store).await;
}

#[tokio::test]
async fn money_gate_on_sqlite() {
    let (store, _dir) = sqlite_store().await;
    all(store).await;
}

#[tokio::test]
async fn money_gate_on_postgres() {
    if let Some((store, _db)) = postgres_store("money_gate_on_postgres").await {
        all(store.clone()).await;
        store.close().await;
    }
}
