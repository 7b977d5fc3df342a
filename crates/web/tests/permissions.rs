//! The permission matrix: every role × every API route (from the OpenAPI document) × the
//! user's own record, another person's record in their council, and a record of another
//! council → allowed, or refused with 403 or 404, exactly as this table of expectations
//! says. The table is written out by hand here, apart from the code it checks, and a
//! route the table does not know fails the test.
//!
//! "Allowed" means the gate let the request through to its handler: the answer is then
//! anything but 401, 403 or 404 (usually 422, as the bodies sent are empty).
//!
//! The pages pass the same gate: every page route the gate knows (`selfdirect_web::PAGES`)
//! is checked the same way, signed in with a session cookie, with its own table here.

mod common;

use common::Api;
use reqwest::{Method, StatusCode};
use selfdirect_store::testing::{open_test_account, postgres_store, sqlite_store, weekly_line};
use selfdirect_store::{BankDetailsInput, NewUser, PersonalAssistantInput, RunOptions, Store};
use serde_json::json;
use std::collections::BTreeMap;

const ROLES: [&str; 11] = [
    "budget_holder",
    "representative",
    "broker",
    "social_worker",
    "team_manager",
    "finance_officer",
    "provider",
    "commissioner",
    "auditor",
    "administrator",
    "service_operator",
];

/// Who acts for a person: they may touch their own person's record and nobody else's.
fn acts_for_person(role: &str) -> bool {
    matches!(role, "budget_holder" | "representative" | "broker")
}

/// The roles allowed on each route. `P` in a list stands for the person's own people
/// (budget holder, representative, broker), allowed on their own record only.
fn expected(method: &Method, route: &str) -> Option<&'static str> {
    let view = "P social_worker team_manager finance_officer auditor administrator";
    let edit = "P social_worker team_manager administrator";
    let case = "social_worker team_manager administrator";
    let caseload = "social_worker team_manager administrator auditor";
    let ras = "team_manager administrator";
    let finance = "finance_officer";
    let decide = "social_worker team_manager";
    let everyone = "P social_worker team_manager finance_officer provider commissioner auditor administrator service_operator";
    let get = *method == Method::GET;
    Some(match route {
        "/api/v1/councils" if get => everyone,
        // A new council is the service operator's to set up, never a council's administrator's.
        "/api/v1/councils" => "service_operator",
        "/api/v1/councils/{council_id}" | "/api/v1/councils/{council_id}/questionnaire" => everyone,
        "/api/v1/councils/{council_id}/questionnaires" if get => everyone,
        "/api/v1/councils/{council_id}/people" if get => caseload,
        "/api/v1/councils/{council_id}/people" => case,
        "/api/v1/councils/{council_id}/plans" | "/api/v1/councils/{council_id}/reviews-due" => caseload,
        "/api/v1/councils/{council_id}/uptake" | "/api/v1/councils/{council_id}/uptake/series" | "/api/v1/councils/{council_id}/returns/cld" => {
            "commissioner team_manager finance_officer auditor administrator"
        }
        "/api/v1/councils/{council_id}/trial-balance" => "finance_officer auditor",
        "/api/v1/councils/{council_id}/questionnaires"
        | "/api/v1/councils/{council_id}/ras/uprate"
        | "/api/v1/councils/{council_id}/ras/recompute"
        | "/api/v1/councils/{council_id}/ras/calibration"
        | "/api/v1/councils/{council_id}/ras/what-if" => ras,
        "/api/v1/people/{person_id}" | "/api/v1/people/{person_id}/allocation" | "/api/v1/people/{person_id}/allocations" => view,
        "/api/v1/people/{person_id}/reconsiderations" if get => view,
        "/api/v1/people/{person_id}/reconsiderations" => edit,
        "/api/v1/people/{person_id}/contacts" | "/api/v1/people/{person_id}/assessments" => case,
        "/api/v1/people/{person_id}/commissioned-services" if get => view,
        "/api/v1/people/{person_id}/commissioned-services" => case,
        "/api/v1/people/{person_id}/access-log" => "P auditor",
        "/api/v1/people/{person_id}/plans" | "/api/v1/people/{person_id}/broker" => edit,
        "/api/v1/assessments/{assessment_id}" => view,
        "/api/v1/plans/{plan_id}" if get => view,
        "/api/v1/plans/{plan_id}" | "/api/v1/plans/{plan_id}/submit" | "/api/v1/plans/{plan_id}/account" => edit,
        "/api/v1/plans/{plan_id}/approve" | "/api/v1/plans/{plan_id}/return" | "/api/v1/reconsiderations/{reconsideration_id}/decision" => decide,
        "/api/v1/plans/{plan_id}/revisions" if get => view,
        "/api/v1/plans/{plan_id}/revisions" | "/api/v1/plans/{plan_id}/revisions/{revision_id}/decision" => decide,
        "/api/v1/accounts/{account_id}" | "/api/v1/accounts/{account_id}/entries" => view,
        "/api/v1/accounts/{account_id}/payments"
        | "/api/v1/accounts/{account_id}/financial-assessments"
        | "/api/v1/accounts/{account_id}/suspension"
        | "/api/v1/accounts/{account_id}/recoveries" => finance,
        "/api/v1/accounts/{account_id}/spending" | "/api/v1/accounts/{account_id}/personal-assistants" => edit,
        // Where a direct payment goes: the budget holder (or representative) and finance.
        "/api/v1/accounts/{account_id}/bank-details" => "budget_holder representative finance_officer",
        "/api/v1/accounts/{account_id}/bank-details/{change_id}/confirm" => "finance_officer",
        "/api/v1/accounts/{account_id}/reviews" => case,
        "/api/v1/accounts/{account_id}/ending" | "/api/v1/accounts/{account_id}/transfer" => decide,
        "/api/v1/accounts/{account_id}/recovery-notices" => view,
        "/api/v1/accounts/{account_id}/recovery-notices/{notice_id}/recover" => finance,
        "/api/v1/accounts/{account_id}/outcome-surveys" => edit,
        "/api/v1/councils/{council_id}/outcome-surveys" | "/api/v1/councils/{council_id}/spending" | "/api/v1/councils/{council_id}/provider-income" => {
            "commissioner team_manager finance_officer auditor administrator"
        }
        "/api/v1/councils/{council_id}/block-contracts" if get => "commissioner team_manager finance_officer auditor administrator",
        "/api/v1/councils/{council_id}/block-contracts" => "commissioner",
        "/api/v1/councils/{council_id}/approval-limit" | "/api/v1/councils/{council_id}/teams" => "administrator",
        "/api/v1/people/{person_id}/case-allocation" => case,
        "/api/v1/personal-assistants/{assistant_id}/timesheets" | "/api/v1/personal-assistants/{assistant_id}/dbs" => edit,
        "/api/v1/councils/{council_id}/dbs-alerts" | "/api/v1/councils/{council_id}/safeguarding-concerns" => caseload,
        "/api/v1/people/{person_id}/safeguarding-concerns" if get => caseload,
        "/api/v1/people/{person_id}/safeguarding-concerns" | "/api/v1/people/{person_id}/safeguarding-concerns/{concern_id}/close" => case,
        "/api/v1/councils/{council_id}/payment-runs/preview"
        | "/api/v1/councils/{council_id}/payment-runs"
        | "/api/v1/councils/{council_id}/bank-details"
        | "/api/v1/councils/{council_id}/providers"
        | "/api/v1/councils/{council_id}/direct-payment-audit"
        | "/api/v1/councils/{council_id}/payroll.csv" => finance,
        "/api/v1/payment-runs/{run_id}/items" | "/api/v1/payment-runs/{run_id}/file" => finance,
        "/api/v1/councils/{council_id}/claims" | "/api/v1/councils/{council_id}/claims/csv" => "provider",
        "/api/v1/councils/{council_id}/invoices" => "finance_officer auditor provider",
        _ => return None,
    })
}

/// The roles allowed on each page route, as [`expected`] for the API. None: public, or
/// signing out (not a record's).
fn expected_page(method: &str, route: &str) -> Option<&'static str> {
    let view = "P social_worker team_manager finance_officer auditor administrator";
    let edit = "P social_worker team_manager administrator";
    let caseload = "social_worker team_manager administrator auditor";
    let figures = "commissioner team_manager finance_officer auditor administrator";
    Some(match (method, route) {
        ("GET", "/my-budget" | "/my-budget/easy-read") => "P",
        ("GET", "/councils/{council_id}" | "/councils/{council_id}/approvals") => caseload,
        ("GET", "/people/{person_id}" | "/plans/{plan_id}") => view,
        ("GET", "/people/{person_id}/access-log") => "P auditor",
        (_, "/people/{person_id}/commissioned-services") => "social_worker team_manager administrator",
        ("POST", "/plans/{plan_id}/approve" | "/plans/{plan_id}/return") => "social_worker team_manager",
        (_, "/plans/{plan_id}/revise" | "/plans/{plan_id}/revisions/{revision_id}/decision") => "social_worker team_manager",
        (_, "/plans/{plan_id}/edit" | "/plans/{plan_id}/money" | "/accounts/{account_id}/spending") => edit,
        ("GET", "/councils/{council_id}/dashboard" | "/councils/{council_id}/dashboard/spending.csv") => figures,
        (_, "/councils/{council_id}/finance" | "/councils/{council_id}/payment-runs" | "/payment-runs/{run_id}" | "/payment-runs/{run_id}/file/{format}") => {
            "finance_officer"
        }
        (_, "/councils/{council_id}/invoices" | "/councils/{council_id}/invoices/csv") => "provider",
        ("POST", "/accounts/{account_id}/bank-details/{change_id}/confirm") => "finance_officer",
        (_, "/service/councils") => "service_operator",
        (_, "/accounts/{account_id}/ending" | "/accounts/{account_id}/transfer") => "social_worker team_manager",
        (_, "/accounts/{account_id}/review") => "social_worker team_manager administrator",
        (_, "/accounts/{account_id}/suspension") => "finance_officer",
        ("POST", "/accounts/{account_id}/recovery-notices/{notice_id}/recover") => "finance_officer",
        _ => return None,
    })
}

/// The ids a route's parameters take for one target record.
struct Target {
    ids: BTreeMap<&'static str, String>,
}

async fn records(store: &Store, council: &str, name: &str) -> Target {
    let account =
        open_test_account(store, council.parse().unwrap(), name, vec![weekly_line("PA hours", "Harbour Care", "personal_assistant", "100")], "direct_payment")
            .await;
    let acc = store.account(account).await.unwrap();
    let person = acc.person_id.to_string();
    let overview = store.person_overview(person.parse().unwrap()).await.unwrap();
    let reconsideration = store.request_reconsideration(person.parse().unwrap(), "Their carer", "More help needed", "2026-05-01").await.unwrap();
    let pa = PersonalAssistantInput { name: "Sam".into(), hourly_rate: "13.00".into(), contracted_hours: "10".into(), start_date: "2026-04-06".into() };
    let assistant = store.register_personal_assistant(account, &pa).await.unwrap();
    let concern = store.raise_concern(person.parse().unwrap(), "A neighbour", "Bruising seen on a visit", "2026-05-02").await.unwrap();
    // A change of bank details waiting for a second person, entered by a finance officer
    // nobody in the matrix signs in as.
    let email = format!("finance-{}@example.org", uuid::Uuid::now_v7());
    let entered_by = NewUser {
        email: &email,
        display_name: "Entering Officer",
        role: "finance_officer",
        person_id: None,
        provider_name: None,
        password: "a long enough password",
    };
    let entered_by = store.create_user(council.parse().unwrap(), &entered_by).await.unwrap();
    let bank =
        BankDetailsInput { account_name: "NEW PAYEE".into(), sort_code: "20-00-00".into(), account_number: "12345678".into(), service_user_number: None };
    let change = store.propose_bank_details(account, &bank, &entered_by).await.unwrap();
    // A revision of the plan (within a social worker's authority, so in force at once).
    let revised = selfdirect_domain::plan::revision::RevisionInput {
        effective_from: "2026-06-03".into(),
        reason: "Review".into(),
        lines: vec![selfdirect_domain::plan::revision::RevisedLineInput {
            line: weekly_line("PA hours", "Harbour Care", "personal_assistant", "120"),
            deployment: "direct_payment".into(),
        }],
    };
    let revision = store.revise_plan(acc.plan_id, &revised, "Case Worker", selfdirect_domain::access::Role::SocialWorker).await.unwrap().id;
    // Support ended with money still held: a notice of recovery for the finance routes.
    selfdirect_store::testing::pay_budget_holder(store, account, "100.00", "2026-04-02").await;
    let ending = selfdirect_store::EndingInput { ended_on: "2027-03-30".into(), reason: "chose_to_stop".into(), overpaid_days: None };
    let notice = store.end_support(account, &ending, "Case Worker").await.unwrap().notices[0].id;
    Target {
        ids: BTreeMap::from([
            ("council_id", council.to_string()),
            ("person_id", person),
            ("plan_id", acc.plan_id.to_string()),
            ("account_id", account.to_string()),
            ("assessment_id", overview.assessment.unwrap().id.to_string()),
            ("reconsideration_id", reconsideration.id.to_string()),
            ("assistant_id", assistant.id.to_string()),
            ("concern_id", concern.id.to_string()),
            ("change_id", change.id),
            ("notice_id", notice.to_string()),
            ("revision_id", revision.to_string()),
            ("format", "standard18".to_string()),
        ]),
    }
}

fn fill(route: &str, target: &Target) -> String {
    target.ids.iter().fold(route.to_string(), |path, (name, id)| path.replace(&format!("{{{name}}}"), id))
}

async fn matrix(store: Store) {
    let here = store.create_council("PRM", "Permissions Council").await.unwrap().id;
    let there = store.create_council("ELS", "Elsewhere Council").await.unwrap().id;
    store.register_provider(here, "Harbour Care", "30-94-57", "11112222").await.unwrap();
    let mut own = records(&store, &here.to_string(), "Own").await;
    let mut other = records(&store, &here.to_string(), "Other").await;
    let mut foreign = records(&store, &there.to_string(), "Foreign").await;
    // A payment run in each council (own and other share their council's).
    for (targets, council) in [(vec![&mut own, &mut other], &here), (vec![&mut foreign], &there)] {
        let run = store.payment_run(*council, "2026-04-01", None, RunOptions::default()).await.unwrap().run_id.to_string();
        for target in targets {
            target.ids.insert("run_id", run.clone());
        }
    }
    let api = Api::start(store.clone()).await;
    let (_, doc) = api.get("/api/openapi.json").await;
    let mut routes: Vec<(Method, String)> = Vec::new();
    for (path, item) in doc["paths"].as_object().unwrap() {
        for method in item.as_object().unwrap().keys() {
            if path != "/api/v1/sessions" {
                routes.push((Method::from_bytes(method.to_uppercase().as_bytes()).unwrap(), path.clone()));
            }
        }
    }
    assert!(routes.len() >= 50, "the OpenAPI document lists {} routes", routes.len());
    let unknown: Vec<String> = routes.iter().filter(|(m, r)| expected(m, r).is_none()).map(|(m, r)| format!("{m} {r}")).collect();
    assert!(unknown.is_empty(), "routes with no expectation in this test: {unknown:?}");

    let own_person = own.ids["person_id"].clone();
    let mut checked = 0;
    let mut wrong = Vec::new();
    for role in ROLES {
        let person = acts_for_person(role).then_some(own_person.as_str());
        let provider = (role == "provider").then_some("Harbour Care");
        api.act_as(&here.to_string(), role, person, provider).await;
        for (method, route) in &routes {
            let allowed_roles = expected(method, route).unwrap();
            let listed = allowed_roles.split(' ').any(|r| r == role) || (acts_for_person(role) && allowed_roles.split(' ').any(|r| r == "P"));
            let person_scoped = route.contains("{person_id}")
                || route.contains("{plan_id}")
                || route.contains("{account_id}")
                || route.contains("{assessment_id}")
                || route.contains("{reconsideration_id}")
                || route.contains("{assistant_id}");
            for (label, target) in [("own", &own), ("other", &other), ("foreign", &foreign)] {
                // Routes not about any one council (list, create) have no other or foreign form.
                if !route.contains('{') && label != "own" {
                    continue;
                }
                let want = if label == "foreign" {
                    Err(StatusCode::NOT_FOUND)
                } else if !listed {
                    Err(StatusCode::FORBIDDEN)
                } else if label == "other" && person_scoped && acts_for_person(role) {
                    Err(StatusCode::NOT_FOUND)
                } else {
                    Ok(())
                };
                let path = fill(route, target);
                let req = api.authorised(api.http.request(method.clone(), format!("{}{path}", api.base)));
                let req = if *method == Method::GET { req } else { req.json(&json!({})) };
                let status = req.send().await.unwrap().status();
                let got = match status {
                    StatusCode::UNAUTHORIZED | StatusCode::FORBIDDEN | StatusCode::NOT_FOUND => Err(status),
                    _ => Ok(()),
                };
                checked += 1;
                if got != want {
                    wrong.push(format!("{role} {method} {route} ({label}): expected {want:?}, got {status}"));
                }
            }
        }
    }
    assert!(wrong.is_empty(), "{} of {checked} checks disagree with the table:\n{}", wrong.len(), wrong.join("\n"));
    assert!(checked > 1_000, "{checked} checks");

    page_matrix(&api, &here.to_string(), &own, &other, &foreign).await;

    // Without a token, nothing but the API's description and signing in.
    let anonymous = api.http.get(format!("{}/api/v1/people/{own_person}", api.base)).send().await.unwrap();
    assert_eq!(anonymous.status(), StatusCode::UNAUTHORIZED);
    assert_eq!(anonymous.headers()["www-authenticate"], "Bearer");
    let forged = api.http.get(format!("{}/api/v1/councils", api.base)).bearer_auth("not-a-token").send().await.unwrap();
    assert_eq!(forged.status(), StatusCode::UNAUTHORIZED);
    assert_eq!(api.http.get(format!("{}/api/openapi.json", api.base)).send().await.unwrap().status(), StatusCode::OK);
}

/// Every role × every page route the gate knows × own, other and foreign records.
async fn page_matrix(api: &Api, here: &str, own: &Target, other: &Target, foreign: &Target) {
    let own_person = own.ids["person_id"].clone();
    let unknown: Vec<String> = selfdirect_web::PAGES
        .iter()
        .filter(|(m, r, rule)| *rule != selfdirect_web::Rule::Public && *r != "/sign-out" && expected_page(m, r).is_none())
        .map(|(m, r, _)| format!("{m} {r}"))
        .collect();
    assert!(unknown.is_empty(), "page routes with no expectation in this test: {unknown:?}");
    let routes: Vec<(&str, &str)> = selfdirect_web::PAGES.iter().filter(|(m, r, _)| expected_page(m, r).is_some()).map(|(m, r, _)| (*m, *r)).collect();
    assert!(routes.len() >= 24, "the gate knows {} page routes", routes.len());
    let (mut checked, mut wrong) = (0, Vec::new());
    for role in ROLES {
        let person = acts_for_person(role).then_some(own_person.as_str());
        let provider = (role == "provider").then_some("Harbour Care");
        api.sign_in_as_provider(here, role, person, provider).await;
        for (method, route) in &routes {
            let allowed_roles = expected_page(method, route).unwrap();
            let listed = allowed_roles.split(' ').any(|r| r == role) || (acts_for_person(role) && allowed_roles.split(' ').any(|r| r == "P"));
            for (label, target) in [("own", own), ("other", other), ("foreign", foreign)] {
                if !route.contains('{') && label != "own" {
                    continue;
                }
                let want = if label == "foreign" && route.contains('{') {
                    Err(StatusCode::NOT_FOUND)
                } else if !listed {
                    Err(StatusCode::FORBIDDEN)
                } else if label == "other" && acts_for_person(role) && !route.contains("{council_id}") && !route.contains("{run_id}") {
                    Err(StatusCode::NOT_FOUND)
                } else {
                    Ok(())
                };
                let path = fill(route, target);
                let status = match *method {
                    "GET" => api.page(&path).await.0,
                    _ => api.form(&path, &[]).await.0,
                };
                let got = match status {
                    StatusCode::UNAUTHORIZED | StatusCode::FORBIDDEN | StatusCode::NOT_FOUND => Err(status),
                    StatusCode::SEE_OTHER if *method == "GET" => Err(StatusCode::UNAUTHORIZED),
                    _ => Ok(()),
                };
                checked += 1;
                if got != want {
                    wrong.push(format!("{role} {method} {route} ({label}): expected {want:?}, got {status}"));
                }
            }
        }
    }
    assert!(wrong.is_empty(), "{} of {checked} page checks disagree with the table:\n{}", wrong.len(), wrong.join("\n"));
    assert!(checked > 500, "{checked} page checks");
}

#[tokio::test]
async fn permission_matrix_on_sqlite() {
    let (store, _dir) = sqlite_store().await;
    matrix(store).await;
}

#[tokio::test]
async fn permission_matrix_on_postgres() {
    if let Some((store, _db)) = postgres_store("permission_matrix_on_postgres").await {
        matrix(store.clone()).await;
        store.close().await;
    }
}
