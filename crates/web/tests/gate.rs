//! The one access gate for pages and the API, on SQLite and PostgreSQL: a social worker
//! cannot approve or return, through the pages, a plan outside their caseload (refused,
//! nothing written, nothing logged), may do so for their own team's person, and whoever
//! decides is the signed-in user, whatever name a request body carries.

mod common;

use common::Api;
use reqwest::StatusCode;
use selfdirect_domain::ids::{CouncilId, PersonId, PlanId};
use selfdirect_store::testing::{postgres_store, sqlite_store, submitted_test_plan, weekly_line};
use selfdirect_store::{NewUser, Store};
use serde_json::json;

async fn submitted_plan(store: &Store, council: CouncilId, name: &str) -> (PersonId, PlanId) {
    submitted_test_plan(store, council, name, vec![weekly_line("PA hours", "PA", "personal_assistant", "100")]).await
}

async fn gate(store: Store) {
    let cid = store.create_council("GAT", "Gate Council").await.unwrap().id;
    let (ann, ann_plan) = submitted_plan(&store, cid, "Ann").await;
    let (bob, bob_plan) = submitted_plan(&store, cid, "Bob").await;
    let worker = |email: &'static str, display_name: &'static str, role: &'static str| NewUser {
        email,
        display_name,
        role,
        person_id: None,
        provider_name: None,
        password: "a long enough password",
    };
    let sam = store.create_user(cid, &worker("sam@gate.example", "Sam Worker", "social_worker")).await.unwrap().id.to_string();
    let ola = store.create_user(cid, &worker("ola@gate.example", "Ola Worker", "social_worker")).await.unwrap().id.to_string();
    store.create_user(cid, &worker("tia@gate.example", "Tia Manager", "team_manager")).await.unwrap();
    let north = store.create_team(cid, "North", std::slice::from_ref(&sam)).await.unwrap().id;
    let south = store.create_team(cid, "South", &[ola.to_string()]).await.unwrap().id;
    store.allocate_case(ann, Some(&north.to_string()), None).await.unwrap();
    store.allocate_case(bob, Some(&south.to_string()), None).await.unwrap();

    // Sam, in North, through the pages: Bob (South's) is refused, and nothing changes.
    let api = Api::start(store.clone()).await;
    api.sign_in("sam@gate.example", "a long enough password").await;
    let logged_before = store.access_log(bob, 100).await.unwrap().len();
    for (path, fields) in [("approve", vec![("note", "ok")]), ("return", vec![("reasons", "Say more")])] {
        let (status, _, _) = api.form(&format!("/plans/{bob_plan}/{path}"), &fields).await;
        assert!(matches!(status, StatusCode::FORBIDDEN | StatusCode::NOT_FOUND), "{path}: {status}");
    }
    assert_eq!(store.plan(bob_plan).await.unwrap().status.code(), "submitted");
    assert_eq!(store.plan(bob_plan).await.unwrap().decided_by, None);
    assert_eq!(store.access_log(bob, 100).await.unwrap().len(), logged_before, "a refused request is not an access");
    assert_eq!(api.page(&format!("/plans/{bob_plan}")).await.0, StatusCode::FORBIDDEN);
    // North's Ann he may decide: the decision is his, and it is in her access log.
    let (status, _, location) = api.form(&format!("/plans/{ann_plan}/approve"), &[("note", "")]).await;
    assert_eq!((status, location.as_deref()), (StatusCode::SEE_OTHER, Some(format!("/plans/{ann_plan}?done=approved").as_str())));
    let ann_plan_now = store.plan(ann_plan).await.unwrap();
    assert_eq!((ann_plan_now.status.code(), ann_plan_now.decided_by.as_deref()), ("approved", Some("Sam Worker")));
    let log = store.access_log(ann, 100).await.unwrap();
    assert!(log.iter().any(|e| e.what.contains(&format!("POST /plans/{ann_plan}/approve"))), "{log:?}");

    // Through the API, the names in a body are ignored: the signed-in manager decides.
    api.bearer_sign_in("tia@gate.example", "a long enough password").await;
    let (status, body) = api.post(&format!("/api/v1/plans/{bob_plan}/return"), json!({"returned_by": "Somebody Else", "reasons": "Say more"})).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(body["decided_by"], "Tia Manager");
    let (status, concern) = api
        .post(
            &format!("/api/v1/people/{bob}/safeguarding-concerns"),
            json!({"raised_by": "Somebody Else", "concern": "Missed visits", "raised_on": "2026-05-01"}),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{concern}");
    assert_eq!(concern["raised_by"], "Tia Manager");
    let (status, closed) = api
        .post(
            &format!("/api/v1/people/{bob}/safeguarding-concerns/{}/close", concern["id"].as_str().unwrap()),
            json!({"closed_by": "Somebody Else", "outcome": "Resolved"}),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{closed}");
    assert_eq!(closed["closed_by"], "Tia Manager");
}

#[tokio::test]
async fn gate_on_sqlite() {
    let (store, _dir) = sqlite_store().await;
    gate(store).await;
}

#[tokio::test]
async fn gate_on_postgres() {
    if let Some((store, _db)) = postgres_store("gate_on_postgres").await {
        gate(store.clone()).await;
        store.close().await;
    }
}
