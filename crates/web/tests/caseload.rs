//! Social workers' caseloads through the API, on SQLite and PostgreSQL: a social worker
//! works with people allocated to them or their team, and the duty queue; another team's
//! people are refused; a team manager sees every team's.

mod common;

use common::{assert_refused, Api};
use reqwest::StatusCode;
use selfdirect_store::testing::{open_test_account, postgres_store, sqlite_store, weekly_line};
use selfdirect_store::{NewUser, Store};
use serde_json::json;

async fn caseload(store: Store) {
    let api = Api::start(store.clone()).await;
    let cid = store.create_council("CSL", "Caseload Council").await.unwrap().id;
    let mut people = Vec::new();
    for name in ["Ann", "Bob", "Cy"] {
        let account = open_test_account(&store, cid, name, vec![weekly_line("PA", "Sam", "personal_assistant", "100")], "direct_payment").await;
        people.push(store.account(account).await.unwrap().person_id.to_string());
    }
    let (ann, bob, cy) = (&people[0], &people[1], &people[2]);
    let worker = |email: &'static str| NewUser {
        email,
        display_name: "Worker",
        role: "social_worker",
        person_id: None,
        provider_name: None,
        password: "a long enough password",
    };
    let sam = store.create_user(cid, &worker("sam@council.example")).await.unwrap().id.to_string();
    let ola = store.create_user(cid, &worker("ola@council.example")).await.unwrap().id;

    // The council's administrator sets up two teams.
    api.act_as(&cid.to_string(), "administrator", None, None).await;
    let (status, north) = api.post(&format!("/api/v1/councils/{cid}/teams"), json!({"name": "North", "members": [sam]})).await;
    assert_eq!(status, StatusCode::CREATED, "{north}");
    let (_, south) = api.post(&format!("/api/v1/councils/{cid}/teams"), json!({"name": "South", "members": [ola]})).await;
    assert_refused(
        &api.post(&format!("/api/v1/councils/{cid}/teams"), json!({"name": "North", "members": []})).await,
        StatusCode::UNPROCESSABLE_ENTITY,
        "name",
    );
    assert_refused(
        &api.post(&format!("/api/v1/councils/{cid}/teams"), json!({"name": "East", "members": [ann]})).await,
        StatusCode::UNPROCESSABLE_ENTITY,
        "members[0]",
    );

    // A team manager allocates Ann to Sam in North and Bob to South; Cy stays on the duty queue.
    api.act_as(&cid.to_string(), "team_manager", None, None).await;
    let (status, body) = api.put(&format!("/api/v1/people/{ann}/case-allocation"), json!({"team_id": north["id"], "worker_id": sam})).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(body["allocated_worker_id"].as_str(), Some(sam.as_str()));
    assert_refused(
        &api.put(&format!("/api/v1/people/{bob}/case-allocation"), json!({"team_id": south["id"], "worker_id": sam})).await,
        StatusCode::UNPROCESSABLE_ENTITY,
        "worker_id",
    );
    assert_eq!(api.put(&format!("/api/v1/people/{bob}/case-allocation"), json!({"team_id": south["id"]})).await.0, StatusCode::OK);

    // Bob's new plan is sent back to him for changes: a count on the caseload page that
    // follows the same rule as the lists.
    let input = selfdirect_domain::plan::PlanInput {
        outcomes: vec!["Get out more".into()],
        lines: vec![weekly_line("PA", "Sam", "personal_assistant", "100")],
        start_date: "2026-04-01".into(),
        end_date: "2027-03-31".into(),
        over_budget_reason: None,
    };
    let plan = store.create_plan(bob.parse().unwrap(), None, &input).await.unwrap().id;
    store.submit_plan(plan).await.unwrap();
    store.return_plan(plan, "Manager", "Say more about the outcomes").await.unwrap();

    // Sam: his own, and the duty queue; not South's.
    api.bearer_sign_in("sam@council.example", "a long enough password").await;
    assert_eq!(api.get(&format!("/api/v1/people/{ann}")).await.0, StatusCode::OK);
    assert_eq!(api.get(&format!("/api/v1/people/{cy}")).await.0, StatusCode::OK);
    assert_eq!(api.get(&format!("/api/v1/people/{bob}")).await.0, StatusCode::FORBIDDEN);
    // The council-wide lists keep to the same rule, so Bob is in none of Sam's.
    let listed = |body: &serde_json::Value, key: &str| -> Vec<String> {
        let mut ids: Vec<String> = body.as_array().expect("a list").iter().map(|row| row[key].as_str().expect("an id").to_string()).collect();
        ids.sort();
        ids
    };
    let mut sams = vec![ann.clone(), cy.clone()];
    sams.sort();
    let mut everyone = people.clone();
    everyone.sort();
    for (route, key) in [("people", "id"), ("plans?status=approved", "person_id"), ("reviews-due?by=2099-01-01", "person_id")] {
        let (status, body) = api.get(&format!("/api/v1/councils/{cid}/{route}")).await;
        assert_eq!(status, StatusCode::OK, "{route}: {body}");
        assert_eq!(listed(&body, key), sams, "{route}");
    }
    // Ola, in South, has Bob but not Ann.
    api.bearer_sign_in("ola@council.example", "a long enough password").await;
    assert_eq!(api.get(&format!("/api/v1/people/{bob}")).await.0, StatusCode::OK);
    assert_eq!(api.get(&format!("/api/v1/people/{ann}")).await.0, StatusCode::FORBIDDEN);
    // Sam's caseload page lists his own people and the duty queue's, not South's.
    api.sign_in("sam@council.example", "a long enough password").await;
    let (status, page) = api.page(&format!("/councils/{cid}")).await;
    assert_eq!(status, StatusCode::OK);
    assert!(page.contains("Ann Payee") && page.contains("Cy Payee") && !page.contains("Bob Payee"), "{page}");
    assert!(page.contains("Plans returned for changes, with the person: 0"), "{page}");
    // A team manager oversees both teams.
    api.act_as(&cid.to_string(), "team_manager", None, None).await;
    assert_eq!(api.get(&format!("/api/v1/people/{bob}")).await.0, StatusCode::OK);
    for (route, key) in [("people", "id"), ("plans?status=approved", "person_id"), ("reviews-due?by=2099-01-01", "person_id")] {
        assert_eq!(listed(&api.get(&format!("/api/v1/councils/{cid}/{route}")).await.1, key), everyone, "{route}");
    }
    api.sign_in_as(&cid.to_string(), "team_manager", None).await;
    let (_, page) = api.page(&format!("/councils/{cid}")).await;
    assert!(page.contains("Bob Payee") && page.contains("Ann Payee"), "{page}");
    assert!(page.contains("Plans returned for changes, with the person: 1"), "{page}");
}

#[tokio::test]
async fn caseload_on_sqlite() {
    let (store, _dir) = sqlite_store().await;
    caseload(store).await;
}

#[tokio::test]
async fn caseload_on_postgres() {
    let Some((store, _db)) = postgres_store("caseload_on_postgres").await else { return };
    caseload(store).await;
}
