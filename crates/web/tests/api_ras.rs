//! The RAS through the HTTP API on SQLite and PostgreSQL: publish (and refuse) a
//! questionnaire, uprate, recalculate, calibrate, try a what-if, reconsider a budget.

mod common;

use common::{assert_refused, money, Api};
use reqwest::StatusCode;
use selfdirect_domain::assessment::STANDARD_QUESTIONNAIRE_TOML;
use selfdirect_domain::Money;
use selfdirect_store::testing::{postgres_store, sqlite_store};
use selfdirect_store::Store;
use serde_json::json;

async fn ras(store: Store) {
    let api = Api::start(store).await;
    let (_, council) = api.post("/api/v1/councils", json!({"code": "RAS", "name": "RAS Council"})).await;
    let cid = council["id"].as_str().unwrap().to_string();
    api.act_as(&cid, "administrator", None, None).await;
    let (_, person) = api
        .post(
            &format!("/api/v1/councils/{cid}/people"),
            json!({"given_name": "Rhys", "family_name": "Evans", "date_of_birth": "1990-05-05", "address": "2 Hill", "postcode": "CF10 1AA", "client_group": "learning_disability"}),
        )
        .await;
    let pid = person["id"].as_str().unwrap().to_string();
    let (_, q) = api.get(&format!("/api/v1/councils/{cid}/questionnaire")).await;
    let mut answers = serde_json::Map::new();
    for (_, question) in q["domains"].as_array().unwrap().iter().flat_map(|d| d["questions"].as_array().unwrap().iter().map(move |qu| (d, qu))) {
        answers.insert(question["id"].as_str().unwrap().into(), question["options"][0]["id"].clone());
    }
    let (status, assessment) =
        api.post(&format!("/api/v1/people/{pid}/assessments"), json!({"answers": answers, "completed_on": "2026-05-01", "assessor": "SW"})).await;
    assert_eq!(status, StatusCode::CREATED, "{assessment}");
    // 6 points (no unpaid carer) × £300 = £1,800, below the learning disability floor of £2,500.
    let (_, allocation) = api.get(&format!("/api/v1/people/{pid}/allocation")).await;
    assert_eq!(money(&allocation["allocation"]["total"]), Money::from_pounds(2_500));
    assert_eq!(allocation["allocation"]["items"].as_array().unwrap().last().unwrap()["label"], "Minimum budget");

    // A broken file: 422 naming the file, the field and the line; version 1 stays in force.
    let broken = STANDARD_QUESTIONNAIRE_TOML.replace("version = 1", "version = 2").replace("points = 30 }", "points = -30 }");
    let refused = api.post(&format!("/api/v1/councils/{cid}/questionnaires"), json!({"source_name": "v2.toml", "toml": broken})).await;
    assert_eq!(refused.0, StatusCode::UNPROCESSABLE_ENTITY);
    let problem = &refused.1["errors"][0];
    assert!(problem["field"].as_str().unwrap().starts_with("v2.toml: domains[0].questions[1].options[2].points (line "), "{}", refused.1);
    let (_, versions) = api.get(&format!("/api/v1/councils/{cid}/questionnaires")).await;
    assert_eq!(versions.as_array().unwrap().len(), 1);

    // Uprate by 5%, recalculate: the floor moves to £2,625.
    assert_refused(&api.post(&format!("/api/v1/councils/{cid}/ras/uprate"), json!({"percent": "500"})).await, StatusCode::UNPROCESSABLE_ENTITY, "percent");
    let (status, v2) = api.post(&format!("/api/v1/councils/{cid}/ras/uprate"), json!({"percent": "5"})).await;
    assert_eq!((status, v2["version"].as_i64()), (StatusCode::CREATED, Some(2)));
    let (status, report) = api.post(&format!("/api/v1/councils/{cid}/ras/recompute"), json!({})).await;
    assert_eq!(status, StatusCode::OK, "{report}");
    assert_eq!(report["increased"], 1);
    assert_eq!(money(&report["changes"][0]["change"]), Money::from_pounds(125));

    // Calibration needs agreed plans.
    assert_refused(&api.get(&format!("/api/v1/councils/{cid}/ras/calibration")).await, StatusCode::UNPROCESSABLE_ENTITY, "packages");
    let (status, w) = api.post(&format!("/api/v1/councils/{cid}/ras/what-if"), json!({"source_name": "same.toml", "toml": STANDARD_QUESTIONNAIRE_TOML})).await;
    assert_eq!(status, StatusCode::OK, "{w}");
    assert_eq!(w["people_unchanged"], 0);

    // Reconsideration.
    let (status, r) = api
        .post(
            &format!("/api/v1/people/{pid}/reconsiderations"),
            json!({"requested_by": "Rhys's mum", "grounds": "Needs support to get to college", "requested_on": "2026-05-10"}),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{r}");
    let rid = r["id"].as_str().unwrap();
    // The decision is a team manager's.
    api.act_as(&cid, "team_manager", None, None).await;
    assert_refused(
        &api.post(
            &format!("/api/v1/reconsiderations/{rid}/decision"),
            json!({"decided_by": "TM", "outcome": "maybe", "notes": "x", "decided_on": "2026-05-12"}),
        )
        .await,
        StatusCode::UNPROCESSABLE_ENTITY,
        "outcome",
    );
    let (status, d) = api
        .post(
            &format!("/api/v1/reconsiderations/{rid}/decision"),
            json!({"decided_by": "TM", "outcome": "upheld", "notes": "College support agreed", "revised_total": "6200.00", "decided_on": "2026-05-12"}),
        )
        .await;
    assert_eq!((status, d["status"].as_str()), (StatusCode::OK, Some("upheld")));
    let (_, history) = api.get(&format!("/api/v1/people/{pid}/allocations")).await;
    let reasons: Vec<_> = history.as_array().unwrap().iter().map(|h| h["reason"].as_str().unwrap()).collect();
    assert_eq!(reasons, ["reconsideration", "recalculation", "assessment"]);
    api.sign_in_as(&cid, "social_worker", None).await;
    let (_, html) = api.page(&format!("/people/{pid}")).await;
    assert!(html.contains("Your indicative budget is £6,200.00 a year") && html.contains("Change after reconsideration"), "{html}");
    assert!(html.contains("Your points") && html.contains("Points counted"));
}

#[tokio::test]
async fn ras_through_http_on_sqlite() {
    let (store, _dir) = sqlite_store().await;
    ras(store).await;
}

#[tokio::test]
async fn ras_through_http_on_postgres() {
    if let Some((store, _db)) = postgres_store("ras_through_http_on_postgres").await {
        ras(store.clone()).await;
        store.close().await;
    }
}
