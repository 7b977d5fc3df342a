//! Where a direct payment goes, on SQLite and PostgreSQL: bank details are their own
//! action (finance, or the budget holder for their own budget; not case workers), every
//! version is kept with who entered and who confirmed it, a change is paid only after a
//! second person confirms it (the database refuses the same person), and the budget holder
//! sees a pending change on their page.

mod common;

use common::Api;
use reqwest::{Method, StatusCode};
use selfdirect_store::testing::{open_test_account, postgres_store, sqlite_store, weekly_line};
use selfdirect_store::{BankDetailsInput, NewUser, RunOptions, Store};
use serde_json::json;
use sqlx::Row;

fn staff<'a>(email: &'a str, name: &'a str, role: &'a str) -> NewUser<'a> {
    NewUser { email, display_name: name, role, person_id: None, provider_name: None, password: "a long enough password" }
}

/// The account number the run paid the budget holder.
async fn paid_to(store: &Store, run_id: &str) -> String {
    sqlx::query("SELECT account_number FROM payment_run_items WHERE run_id = $1 AND payee_kind = 'budget_holder'")
        .bind(run_id)
        .fetch_one(store.pool())
        .await
        .unwrap()
        .get("account_number")
}

async fn bank_details(store: Store) {
    let cid = store.create_council("BNK", "Bank Council").await.unwrap().id;
    let dp = open_test_account(&store, cid, "Dee", vec![weekly_line("PA hours", "PA", "personal_assistant", "70")], "direct_payment").await;
    let dee = store.account(dp).await.unwrap().person_id.to_string();
    let old = BankDetailsInput { account_name: "DEE OLD".into(), sort_code: "20-00-00".into(), account_number: "11111111".into(), service_user_number: None };
    store.set_bank_details(dp, &old).await.unwrap();
    store.create_user(cid, &staff("sam@bank.example", "Sam Worker", "social_worker")).await.unwrap();
    store.create_user(cid, &staff("fay@bank.example", "Fay Finance", "finance_officer")).await.unwrap();
    store.create_user(cid, &staff("gus@bank.example", "Gus Finance", "finance_officer")).await.unwrap();
    let dee_user = NewUser {
        email: "dee@home.example",
        display_name: "Dee",
        role: "budget_holder",
        person_id: Some(&dee),
        provider_name: None,
        password: "a long enough password",
    };
    store.create_user(cid, &dee_user).await.unwrap();
    let api = Api::start(store.clone()).await;
    let new = json!({"account_name": "SOMEONE ELSE", "sort_code": "40-12-34", "account_number": "99999999"});

    // A social worker can no longer redirect the payment.
    api.bearer_sign_in("sam@bank.example", "a long enough password").await;
    assert_eq!(api.send(Method::PUT, &format!("/api/v1/accounts/{dp}/bank-details"), Some(new.clone())).await.0, StatusCode::FORBIDDEN);

    // Fay enters a change: it waits, and the run still pays the account confirmed before.
    api.bearer_sign_in("fay@bank.example", "a long enough password").await;
    let (status, change) = api.send(Method::PUT, &format!("/api/v1/accounts/{dp}/bank-details"), Some(new.clone())).await;
    assert_eq!((status, change["status"].as_str(), change["entered_by"].as_str()), (StatusCode::ACCEPTED, Some("pending"), Some("Fay Finance")), "{change}");
    let change_id = change["id"].as_str().unwrap().to_string();
    assert_eq!(
        api.send(Method::PUT, &format!("/api/v1/accounts/{dp}/bank-details"), Some(new.clone())).await.0,
        StatusCode::CONFLICT,
        "one change waits at a time"
    );
    let run = store.payment_run(cid, "2026-04-01", None, RunOptions::default()).await.unwrap();
    assert_eq!(paid_to(&store, &run.run_id.to_string()).await, "11111111");
    // She cannot confirm her own change, through the API or by writing the row.
    assert_eq!(api.post(&format!("/api/v1/accounts/{dp}/bank-details/{change_id}/confirm"), json!({})).await.0, StatusCode::CONFLICT);
    let fay: String = sqlx::query("SELECT entered_by_user_id FROM bank_detail_changes WHERE id = $1")
        .bind(&change_id)
        .fetch_one(store.pool())
        .await
        .unwrap()
        .get("entered_by_user_id");
    let own = sqlx::query("UPDATE bank_detail_changes SET confirmed_by_user_id = $1, confirmed_at = 'now' WHERE id = $2")
        .bind(&fay)
        .bind(&change_id)
        .execute(store.pool())
        .await;
    assert!(own.is_err(), "the database refuses a confirmation by whoever entered the change");

    // Dee sees the pending change on her page.
    api.sign_in("dee@home.example", "a long enough password").await;
    let (_, page) = api.page("/my-budget").await;
    assert!(page.contains("New bank details (SOMEONE ELSE, 40-12-34, account ending 9999) were entered by Fay Finance"), "{page}");
    assert!(page.contains("If you did not ask for this, call the council now"));

    // Gus, a second finance officer, confirms it on the finance page; Fay's page offers no button.
    api.sign_in("fay@bank.example", "a long enough password").await;
    let (_, finance) = api.page(&format!("/councils/{cid}/finance")).await;
    assert!(finance.contains("You entered this: another finance officer must confirm it"));
    api.sign_in("gus@bank.example", "a long enough password").await;
    let (_, finance) = api.page(&format!("/councils/{cid}/finance")).await;
    assert!(finance.contains(&format!("/accounts/{dp}/bank-details/{change_id}/confirm")));
    let (status, _, location) = api.form(&format!("/accounts/{dp}/bank-details/{change_id}/confirm"), &[]).await;
    assert_eq!(status, StatusCode::SEE_OTHER);
    let location = location.unwrap();
    assert!(location.ends_with(&format!("confirmed={dee}")), "{location}");
    let (_, finance) = api.page(&location).await;
    assert!(finance.contains("The new bank details for Dee Payee are confirmed"), "the person is named from the record");
    let run = store.payment_run(cid, "2026-04-29", None, RunOptions::default()).await.unwrap();
    assert_eq!(paid_to(&store, &run.run_id.to_string()).await, "99999999");

    // Every version is kept, with who entered and who confirmed it.
    let history = store.bank_detail_changes(dp).await.unwrap();
    let summary: Vec<(&str, &str, Option<&str>, &str)> =
        history.iter().map(|c| (c.account_number_ending.as_str(), c.entered_by.as_str(), c.confirmed_by.as_deref(), c.status.as_str())).collect();
    assert_eq!(summary, [("9999", "Fay Finance", Some("Gus Finance"), "confirmed"), ("1111", "set-up", Some("set-up"), "confirmed")]);
}

#[tokio::test]
async fn bank_details_on_sqlite() {
    let (store, _dir) = sqlite_store().await;
    bank_details(store).await;
}

#[tokio::test]
async fn bank_details_on_postgres() {
    if let Some((store, _db)) = postgres_store("bank_details_on_postgres").await {
        bank_details(store.clone()).await;
        store.close().await;
    }
}
