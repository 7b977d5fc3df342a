//! Moving to another council in the pages and the API, signed in, on SQLite and
//! PostgreSQL: the social worker moves a person's support (a move to their own council is
//! refused by its field, nothing written); each council's person page says its side of the
//! move and nothing of the other's records; a worker of the receiving council finds the
//! person awaiting its own assessment; the API refuses a second move.

mod common;

use common::Api;
use reqwest::StatusCode;
use selfdirect_store::testing::{open_test_account, postgres_store, sqlite_store, weekly_line};
use selfdirect_store::{BankDetailsInput, NewUser, RunOptions, Store};
use serde_json::json;

const PASSWORD: &str = "a long enough password";

fn user<'a>(email: &'a str, name: &'a str, role: &'a str) -> NewUser<'a> {
    NewUser { email, display_name: name, role, person_id: None, provider_name: None, password: PASSWORD }
}

async fn transfers_in_the_pages(store: Store) {
    let sending = store.create_council("TRS", "Sending Council").await.unwrap().id;
    let receiving = store.create_council("TRR", "Receiving Council").await.unwrap().id;
    let account = open_test_account(&store, sending, "Mo", vec![weekly_line("Personal assistant", "Kit", "personal_assistant", "350")], "direct_payment").await;
    let bank = BankDetailsInput { account_name: "M PAYEE".into(), sort_code: "40-12-34".into(), account_number: "12345678".into(), service_user_number: None };
    store.set_bank_details(account, &bank).await.unwrap();
    store.payment_run(sending, "2026-04-01", None, RunOptions::default()).await.unwrap();
    let person = store.account(account).await.unwrap().person_id;
    store.raise_concern(person, "A neighbour", "Bruising seen on a visit", "2026-04-10").await.unwrap();
    store.create_user(sending, &user("sam@trs.example", "Sam Worker", "social_worker")).await.unwrap();
    store.create_user(receiving, &user("rae@trr.example", "Rae Worker", "team_manager")).await.unwrap();
    let api = Api::start(store.clone()).await;

    api.sign_in("sam@trs.example", PASSWORD).await;
    let (_, html) = api.page(&format!("/people/{person}")).await;
    assert!(html.contains(&format!("/accounts/{account}/transfer")), "the person page offers the move: {html}");
    let page = format!("/accounts/{account}/transfer");
    let (status, html) = api.page(&page).await;
    assert_eq!(status, StatusCode::OK, "{html}");
    assert!(html.contains("Receiving Council") && !html.contains(">Sending Council<") && html.contains("28 April 2026"), "{html}");
    // Their own council, and no day: refused by field, as typed, nothing written.
    let own = [("to_council", "TRS"), ("moves_on", ""), ("address", "4 Canal Wharf, Leeds"), ("postcode", "LS1 4AP")];
    let (status, html, _) = api.form(&page, &own).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(html.contains("govuk-error-summary") && html.contains("href=\"#to_council\"") && html.contains("Enter the day of the move"), "{html}");
    assert!(html.contains("value=\"4 Canal Wharf, Leeds\""), "{html}");
    assert!(store.account(account).await.unwrap().ended.is_none() && store.people(receiving, 5).await.unwrap().is_empty(), "nothing written");
    let good = [("to_council", "TRR"), ("moves_on", "2026-04-20"), ("address", "4 Canal Wharf, Leeds"), ("postcode", "LS1 4AP")];
    let (status, _, location) = api.form(&page, &good).await;
    assert_eq!((status, location.as_deref()), (StatusCode::SEE_OTHER, Some(format!("/people/{person}?moved=1").as_str())));
    let (_, html) = api.page(&format!("/people/{person}?moved=1")).await;
    assert!(html.contains("Moved to Receiving Council on 20 April 2026") && html.contains("Support has moved"), "{html}");

    // The receiving council's worker finds Mo waiting for its own assessment, and the page
    // says the plan is carried on; the sending council's concern is not there.
    let arrived = store.people(receiving, 5).await.unwrap().remove(0);
    api.sign_in("rae@trr.example", PASSWORD).await;
    let (status, html) = api.page(&format!("/people/{}", arrived.id)).await;
    assert_eq!(status, StatusCode::OK, "{html}");
    assert!(html.contains("Moved here from Sending Council on 20 April 2026") && html.contains("29 April 2026"), "{html}");
    assert!(!html.contains("Bruising"), "the other council's records stay there: {html}");
    assert_eq!(api.page(&format!("/people/{person}")).await.0, StatusCode::NOT_FOUND, "nor may it open the sending council's record");

    // The API: the move is done, so a second one is a conflict; a bad body names its field.
    api.bearer_sign_in("sam@trs.example", PASSWORD).await;
    let again = json!({"to_council": "TRR", "moves_on": "2026-05-01", "address": "4 Canal Wharf", "postcode": "LS1 4AP"});
    assert_eq!(api.post(&format!("/api/v1/accounts/{account}/transfer"), again).await.0, StatusCode::CONFLICT);
    let other = open_test_account(&store, sending, "Nia", vec![weekly_line("Personal assistant", "Kit", "personal_assistant", "350")], "direct_payment").await;
    let same = json!({"to_council": "TRS", "moves_on": "2026-05-01", "address": "4 Canal Wharf", "postcode": "LS1 4AP"});
    common::assert_refused(&api.post(&format!("/api/v1/accounts/{other}/transfer"), same).await, StatusCode::UNPROCESSABLE_ENTITY, "to_council");
    let moved = json!({"to_council": "TRR", "moves_on": "2026-05-01", "address": "4 Canal Wharf", "postcode": "LS1 4AP"});
    let (status, report) = api.post(&format!("/api/v1/accounts/{other}/transfer"), moved).await;
    assert_eq!(status, StatusCode::OK, "{report}");
    assert_eq!((report["carried_from"].as_str(), report["to_council"]["name"].as_str()), (Some("2026-05-01"), Some("Receiving Council")), "{report}");
}

#[tokio::test]
async fn transfers_in_the_pages_on_sqlite() {
    let (store, _dir) = sqlite_store().await;
    transfers_in_the_pages(store).await;
}

#[tokio::test]
async fn transfers_in_the_pages_on_postgres() {
    if let Some((store, _db)) = postgres_store("transfers_in_the_pages_on_postgres").await {
        transfers_in_the_pages(store.clone()).await;
        store.close().await;
    }
}
