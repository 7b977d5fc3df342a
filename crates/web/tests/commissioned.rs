//! Existing users in the pages and the API, signed in, on SQLite and PostgreSQL: a team
//! manager records the home care the council commissions for a person (a mistake first,
//! nothing written), the person sees it, and may not record one; and a person registered
//! through the API with their NHS number, checked by its check digit.

mod common;

use common::Api;
use reqwest::StatusCode;
use selfdirect_domain::person::NewPersonInput;
use selfdirect_store::testing::{postgres_store, sqlite_store};
use selfdirect_store::Store;
use serde_json::json;

async fn commissioned_services(store: Store) {
    let cid = store.create_council("CMS", "Commissioned Services Council").await.unwrap().id;
    let iris = NewPersonInput {
        given_name: "Iris",
        family_name: "Existing",
        date_of_birth: "1948-02-11",
        address: "3 Mill Lane",
        postcode: "AB1 2CD",
        client_group: "physical_disability",
        long_term_support: false,
        nhs_number: None,
    };
    let person = store.create_person(cid, &iris).await.unwrap().id;
    let api = Api::start(store.clone()).await;
    api.sign_in_as(&cid.to_string(), "team_manager", None).await;
    let form = format!("/people/{person}/commissioned-services");
    assert_eq!(api.page(&form).await.0, StatusCode::OK);
    let typed = |cost: &'static str| {
        vec![
            ("service", "Home care, two visits a day"),
            ("provider", "Harbour Care"),
            ("category", "personal_care"),
            ("weekly_cost", cost),
            ("start_date", "2025-06-02"),
        ]
    };
    let (status, html, _) = api.form(&form, &typed("lots")).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(html.contains("govuk-error-summary") && html.contains("value=\"Harbour Care\""), "{html}");
    assert!(store.commissioned_services(person).await.unwrap().is_empty(), "a refused form writes nothing");
    let (status, _, location) = api.form(&form, &typed("245.00")).await;
    assert_eq!((status, location.as_deref()), (StatusCode::SEE_OTHER, Some(format!("/people/{person}?commissioned=1").as_str())));
    let (_, html) = api.page(&format!("/people/{person}?commissioned=1")).await;
    assert!(html.contains("Services the council arranges") && html.contains("Home care, two visits a day from Harbour Care, £245.00 a week"), "{html}");

    // The API: the list, and a bad service named by its field.
    api.act_as(&cid.to_string(), "social_worker", None, None).await;
    let (status, list) = api.get(&format!("/api/v1/people/{person}/commissioned-services")).await;
    assert_eq!((status, list.as_array().map(Vec::len)), (StatusCode::OK, Some(1)), "{list}");
    let bad = json!({"service": "Day centre", "provider": "Riverside", "category": "day_service", "weekly_cost": "90", "start_date": "2099-01-01"});
    common::assert_refused(&api.post(&format!("/api/v1/people/{person}/commissioned-services"), bad).await, StatusCode::UNPROCESSABLE_ENTITY, "start_date");

    // Registering someone through the API: the NHS number is checked and shown as read.
    let someone = |nhs: &str| {
        json!({"given_name": "Ola", "family_name": "New", "date_of_birth": "1970-01-01", "address": "5 Hill Road", "postcode": "AB1 2CD",
        "client_group": "older_person", "nhs_number": nhs})
    };
    let people = format!("/api/v1/councils/{cid}/people");
    common::assert_refused(&api.post(&people, someone("943 476 5918")).await, StatusCode::UNPROCESSABLE_ENTITY, "nhs_number");
    let (status, ola) = api.post(&people, someone("9434765919")).await;
    assert_eq!((status, ola["nhs_number"].as_str()), (StatusCode::CREATED, Some("943 476 5919")), "{ola}");

    // The person sees it, and may not record one.
    api.sign_in_as(&cid.to_string(), "budget_holder", Some(&person.to_string())).await;
    let (status, html) = api.page(&format!("/people/{person}")).await;
    assert_eq!(status, StatusCode::OK);
    assert!(html.contains("Services the council arranges") && !html.contains("Record a service"), "{html}");
    assert_eq!(api.page(&form).await.0, StatusCode::FORBIDDEN);
}

#[tokio::test]
async fn commissioned_services_on_sqlite() {
    let (store, _dir) = sqlite_store().await;
    commissioned_services(store).await;
}

#[tokio::test]
async fn commissioned_services_on_postgres() {
    if let Some((store, _db)) = postgres_store("commissioned_services_on_postgres").await {
        commissioned_services(store.clone()).await;
        store.close().await;
    }
}
