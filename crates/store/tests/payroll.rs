//! Personal assistants, timesheets and the payroll CSV, on SQLite and PostgreSQL.

use selfdirect_store::testing::{open_test_account, postgres_store, sqlite_store, weekly_line};
use selfdirect_store::{PersonalAssistantInput, Store, StoreError, TimesheetInput};

async fn payroll(store: Store) {
    let council = store.create_council("PAY", "Payroll Council").await.unwrap();
    let cid = council.id;
    let dp = open_test_account(&store, cid, "Pat", vec![weekly_line("PA hours", "Sam", "personal_assistant", "300")], "direct_payment").await;
    let managed = open_test_account(&store, cid, "Max", vec![weekly_line("Care", "Agency", "personal_care", "300")], "council_managed").await;
    let input =
        PersonalAssistantInput { name: "Sam Jones".into(), hourly_rate: "15.00".into(), contracted_hours: "20".into(), start_date: "2026-04-06".into() };
    let refused = store.register_personal_assistant(managed, &input).await.unwrap_err();
    assert!(refused.to_string().contains("direct payment"), "{refused}");
    let low = store.register_personal_assistant(dp, &PersonalAssistantInput { hourly_rate: "9.00".into(), ..input.clone() }).await.unwrap_err();
    assert!(matches!(&low, StoreError::Invalid(p) if p.as_slice()[0].field == "hourly_rate"), "{low}");
    let pa = store.register_personal_assistant(dp, &input).await.unwrap();
    let pid = pa.id;
    let week =
        |start: &str, worked: &str, holiday: &str| TimesheetInput { week_start: start.into(), hours_worked: worked.into(), holiday_hours: holiday.into() };
    store.record_timesheet(pid, &week("2026-04-06", "20", "")).await.unwrap();
    // Holiday not yet earned is refused, and nothing is saved.
    let err = store.record_timesheet(pid, &week("2026-04-13", "10", "8")).await.unwrap_err();
    assert!(err.to_string().contains("only 2.41 hours earned"), "{err}");
    let schedule = store.record_timesheet(pid, &week("2026-04-13", "18", "2")).await.unwrap();
    assert_eq!(schedule.len(), 2);
    assert!(matches!(store.record_timesheet(pid, &week("2026-04-13", "1", "")).await, Err(StoreError::Conflict(_))));
    let csv = store.payroll_csv(cid, "2026-04-01", "2026-04-30").await.unwrap();
    let lines: Vec<&str> = csv.lines().collect();
    assert_eq!(lines.len(), 3, "{csv}");
    assert!(lines[0].starts_with("employer,budget_account_id,personal_assistant,week_start"));
    // £300 gross: employer NI 15% of (£300 − £96) = £30.60; pension 3% of (£300 − £120) = £5.40.
    assert!(lines[1].starts_with("Pat Payee,") && lines[1].ends_with(",Sam Jones,2026-04-06,20,0,15.00,300.00,2.41,2.41,30.60,5.40,336.00"), "{}", lines[1]);
    assert!(lines[2].contains(",2026-04-13,18,2,15.00,300.00,2.17,2.58,"), "{}", lines[2]);
    assert!(store.payroll_csv(cid, "2026-05-01", "2026-04-01").await.is_err());
}

#[tokio::test]
async fn payroll_on_sqlite() {
    let (store, _dir) = sqlite_store().await;
    payroll(store).await;
}

#[tokio::test]
async fn payroll_on_postgres() {
    if let Some((store, _db)) = postgres_store("payroll_on_postgres").await {
        payroll(store.clone()).await;
        store.close().await;
    }
}
