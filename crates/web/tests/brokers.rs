//! A broker acts for everyone who chose them, through the API, on SQLite and PostgreSQL:
//! before a person chooses them, that person's record does not exist for the broker; after,
//! it does; anyone else's still does not.

mod common;

use common::Api;
use reqwest::StatusCode;
use selfdirect_store::testing::{open_test_account, postgres_store, sqlite_store, weekly_line};
use selfdirect_store::{NewUser, Store};
use serde_json::json;

async fn brokers(store: Store) {
    let api = Api::start(store.clone()).await;
    let cid = store.create_council("BRK", "Broker Council").await.unwrap().id;
    let person_of = |account: String| {
        let store = store.clone();
        async move { store.account(account.parse().unwrap()).await.unwrap().person_id.to_string() }
    };
    let ann =
        person_of(open_test_account(&store, cid, "Ann", vec![weekly_line("PA", "Sam", "personal_assistant", "100")], "direct_payment").await.to_string()).await;
    let bob =
        person_of(open_test_account(&store, cid, "Bob", vec![weekly_line("PA", "Kim", "personal_assistant", "90")], "direct_payment").await.to_string()).await;
    let cy =
        person_of(open_test_account(&store, cid, "Cy", vec![weekly_line("PA", "Jo", "personal_assistant", "80")], "direct_payment").await.to_string()).await;
    let broker_input = NewUser {
        email: "plans@brokerage.example",
        display_name: "Pat Broker",
        role: "broker",
        person_id: Some(&ann),
        provider_name: None,
        password: "a long enough password",
    };
    let broker = store.create_user(cid, &broker_input).await.unwrap();

    // Bob chooses the broker (as himself); a choice naming someone who is not a broker is refused.
    api.act_as(&cid.to_string(), "budget_holder", Some(&bob), None).await;
    let wrong = api.post(&format!("/api/v1/people/{bob}/broker"), json!({"broker_user_id": bob, "chosen_on": "2026-11-01"})).await;
    assert_eq!(wrong.0, StatusCode::UNPROCESSABLE_ENTITY, "{wrong:?}");
    api.bearer_sign_in("plans@brokerage.example", "a long enough password").await;
    assert_eq!(api.get(&format!("/api/v1/people/{bob}")).await.0, StatusCode::NOT_FOUND, "not chosen yet");
    api.act_as(&cid.to_string(), "budget_holder", Some(&bob), None).await;
    let chose = api
        .send_empty(reqwest::Method::POST, &format!("/api/v1/people/{bob}/broker"), json!({"broker_user_id": broker.id.to_string(), "chosen_on": "2026-11-01"}))
        .await;
    assert_eq!(chose.0, StatusCode::NO_CONTENT, "{chose:?}");

    // The broker now acts for Ann and Bob, and still not for Cy.
    api.bearer_sign_in("plans@brokerage.example", "a long enough password").await;
    assert_eq!(api.get(&format!("/api/v1/people/{ann}")).await.0, StatusCode::OK);
    assert_eq!(api.get(&format!("/api/v1/people/{bob}")).await.0, StatusCode::OK);
    assert_eq!(api.get(&format!("/api/v1/people/{cy}")).await.0, StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn brokers_on_sqlite() {
    let (store, _dir) = sqlite_store().await;
    brokers(store).await;
}

#[tokio::test]
async fn brokers_on_postgres() {
    let Some((store, _db)) = postgres_store("brokers_on_postgres").await else { return };
    brokers(store).await;
}
