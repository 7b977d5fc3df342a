//! Existing users moved to personal budgets, on SQLite and PostgreSQL: a commissioned
//! service makes the person one who receives long-term support; when a personal budget
//! starts, the service ends the day before, and uptake (ASCOF 1C) counts the person without
//! a budget before and with one after.

use selfdirect_domain::assessment::{highest_answers, Questionnaire};
use selfdirect_domain::deployment::commissioned::CommissionedServiceInput;
use selfdirect_domain::person::NewPersonInput;
use selfdirect_domain::plan::PlanInput;
use selfdirect_store::testing::{postgres_store, sqlite_store, weekly_line};
use selfdirect_store::{OpenAccountInput, Store, StoreError};
use time::macros::date;

fn home_care(weekly_cost: &str) -> CommissionedServiceInput {
    CommissionedServiceInput {
        service: "Home care, two visits a day".into(),
        provider: "Harbour Care".into(),
        category: "personal_care".into(),
        weekly_cost: weekly_cost.into(),
        start_date: "2025-06-02".into(),
    }
}

async fn moved_to_a_personal_budget(store: Store) {
    let cid = store.create_council("COM", "Commissioning Council").await.unwrap().id;
    let input = NewPersonInput {
        given_name: "Iris",
        family_name: "Existing",
        date_of_birth: "1948-02-11",
        address: "3 Mill Lane",
        postcode: "AB1 2CD",
        client_group: "physical_disability",
        long_term_support: false,
        nhs_number: None,
    };
    let person = store.create_person(cid, &input).await.unwrap().id;
    let uptake_on = |on| {
        let store = store.clone();
        async move {
            let groups = store.uptake_by_group(cid, Some(on)).await.unwrap();
            groups.iter().map(|(_, u)| (u.counts.long_term_support, u.counts.personal_budget)).fold((0, 0), |a, b| (a.0 + b.0, a.1 + b.1))
        }
    };
    assert_eq!(uptake_on(date!(2026 - 03 - 15)).await, (0, 0), "not known to receive support yet");

    // A bad service is refused naming the field, and nothing is written.
    match store.record_commissioned_service(person, &home_care("-5"), "Sol Worker").await {
        Err(StoreError::Invalid(p)) => assert_eq!(p.as_slice()[0].field, "weekly_cost"),
        other => panic!("{other:?}"),
    }
    assert!(store.commissioned_services(person).await.unwrap().is_empty());
    let service = store.record_commissioned_service(person, &home_care("245.00"), "Sol Worker").await.unwrap();
    assert_eq!((service.end_date, service.replaced_by_account_id), (None, None));
    assert_eq!(uptake_on(date!(2026 - 03 - 15)).await, (1, 0), "receiving long-term support without a personal budget");

    // Offered a personal budget at review: from 1 April 2026 it replaces the home care.
    store.record_assessment(person, &highest_answers(&Questionnaire::standard()), "2026-03-01", "Sol Worker").await.unwrap();
    let plan = PlanInput {
        outcomes: vec!["Choose who helps me in the mornings".into()],
        lines: vec![weekly_line("Personal assistant", "Jo", "personal_assistant", "240")],
        start_date: "2026-04-01".into(),
        end_date: "2027-03-31".into(),
        over_budget_reason: None,
    };
    let plan = store.create_plan(person, None, &plan).await.unwrap().id;
    store.submit_plan(plan).await.unwrap();
    store.approve_plan(plan, "Tia Manager", None).await.unwrap();
    let account = store.open_account(plan, &OpenAccountInput { deployment: Some("direct_payment".into()), ..Default::default() }).await.unwrap();
    let services = store.commissioned_services(person).await.unwrap();
    assert_eq!((services[0].end_date, services[0].replaced_by_account_id), (Some(date!(2026 - 03 - 31)), Some(account.id)));
    assert_eq!(uptake_on(date!(2026 - 03 - 15)).await, (1, 0), "before the budget: counted once, without one");
    assert_eq!(uptake_on(date!(2026 - 05 - 01)).await, (1, 1), "after: counted once, with one");
}

#[tokio::test]
async fn moved_to_a_personal_budget_on_sqlite() {
    let (store, _dir) = sqlite_store().await;
    moved_to_a_personal_budget(store).await;
}

#[tokio::test]
async fn moved_to_a_personal_budget_on_postgres() {
    if let Some((store, _db)) = postgres_store("moved_to_a_personal_budget_on_postgres").await {
        moved_to_a_personal_budget(store.clone()).await;
        store.close().await;
    }
}
