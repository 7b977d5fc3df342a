//! The NHS number on SQLite and PostgreSQL: checked by its check digit where it is typed,
//! stored once per council (the same person is not registered twice), and free to appear
//! in another council's records.

use selfdirect_domain::person::NewPersonInput;
use selfdirect_store::testing::{postgres_store, sqlite_store};
use selfdirect_store::{Store, StoreError};

fn person(nhs_number: Option<&str>) -> NewPersonInput<'_> {
    NewPersonInput {
        given_name: "Nia",
        family_name: "Number",
        date_of_birth: "1961-07-30",
        address: "4 Station Road",
        postcode: "AB1 2CD",
        client_group: "mental_health",
        long_term_support: true,
        nhs_number,
    }
}

async fn nhs_numbers(store: Store) {
    let here = store.create_council("NHN", "Number Council").await.unwrap().id;
    let there = store.create_council("NHT", "Other Number Council").await.unwrap().id;
    let nia = store.create_person(here, &person(Some("943 476 5919"))).await.unwrap();
    assert_eq!(store.person(nia.id).await.unwrap().details.nhs_number.map(|n| n.to_string()).as_deref(), Some("943 476 5919"));
    for (typed, says) in [("943 476 5918", "check digit"), ("9434765919", "already the NHS number")] {
        match store.create_person(here, &person(Some(typed))).await {
            Err(StoreError::Invalid(p)) => assert!(p.as_slice()[0].field == "nhs_number" && p.to_string().contains(says), "{p}"),
            other => panic!("{typed}: {other:?}"),
        }
    }
    assert_eq!(store.people(here, 10).await.unwrap().len(), 1, "nothing written");
    store.create_person(there, &person(Some("9434765919"))).await.expect("another council keeps its own record");
    store.create_person(here, &person(None)).await.expect("an NHS number is not required");
}

#[tokio::test]
async fn nhs_numbers_on_sqlite() {
    let (store, _dir) = sqlite_store().await;
    nhs_numbers(store).await;
}

#[tokio::test]
async fn nhs_numbers_on_postgres() {
    if let Some((store, _db)) = postgres_store("nhs_numbers_on_postgres").await {
        nhs_numbers(store.clone()).await;
        store.close().await;
    }
}
