//! Revising an approved plan in the pages and the API, signed in, on SQLite and
//! PostgreSQL: the social worker changes it from a date (a date already paid is refused,
//! nothing written), a change above their authority waits for the team manager, who
//! approves it; the person sees every version but may not change it.

mod common;

use common::Api;
use reqwest::StatusCode;
use selfdirect_domain::Money;
use selfdirect_store::testing::{fewer_needs_answers, open_test_account, postgres_store, sqlite_store, weekly_line};
use selfdirect_store::{BankDetailsInput, NewUser, RunOptions, Store};
use serde_json::json;

const PASSWORD: &str = "a long enough password";

fn user<'a>(email: &'a str, name: &'a str, role: &'a str, person: Option<&'a str>) -> NewUser<'a> {
    NewUser { email, display_name: name, role, person_id: person, provider_name: None, password: PASSWORD }
}

/// The revision form's fields: one personal assistant line at `pounds` a week.
fn revision_form<'a>(from: &'a str, pounds: &'a str) -> Vec<(&'a str, &'a str)> {
    vec![
        ("effective_from", from),
        ("reason", "Review: more hours with Kit"),
        ("rows", "3"),
        ("line-0-description", "Personal assistant"),
        ("line-0-provider", "Kit"),
        ("line-0-category", "personal_assistant"),
        ("line-0-frequency", "weekly"),
        ("line-0-units", "1"),
        ("line-0-unit_cost", pounds),
        ("line-0-deployment", "direct_payment"),
    ]
}

async fn revisions_in_the_pages(store: Store) {
    let cid = store.create_council("RVP", "Revision Pages Council").await.unwrap().id;
    let account = open_test_account(&store, cid, "Rhys", vec![weekly_line("Personal assistant", "Kit", "personal_assistant", "260")], "direct_payment").await;
    let bank = BankDetailsInput { account_name: "R PAYEE".into(), sort_code: "40-12-34".into(), account_number: "12345678".into(), service_user_number: None };
    store.set_bank_details(account, &bank).await.unwrap();
    store.payment_run(cid, "2026-04-01", None, RunOptions::default()).await.unwrap();
    let budget = store.account(account).await.unwrap();
    let (plan, person) = (budget.plan_id, budget.person_id);
    let sam = store.create_user(cid, &user("sam@rev.example", "Sam Worker", "social_worker", None)).await.unwrap().id.to_string();
    store.create_user(cid, &user("tia@rev.example", "Tia Manager", "team_manager", None)).await.unwrap();
    store.create_user(cid, &user("rhys@rev.example", "Rhys Payee", "budget_holder", Some(&person.to_string()))).await.unwrap();
    let team = store.create_team(cid, "North", std::slice::from_ref(&sam)).await.unwrap().id;
    store.allocate_case(person, Some(&team.to_string()), None).await.unwrap();
    let api = Api::start(store.clone()).await;

    // The social worker reviews the support with Rhys: the review decides to revise the
    // plan, and the revision form follows; the form starts from the plan in force.
    api.sign_in("sam@rev.example", PASSWORD).await;
    let review = [
        ("completed_on", "2026-05-01"),
        ("participants", "person"),
        ("participants", "worker"),
        ("outcomes_met", "Live well"),
        ("working", "Kit is reliable"),
        ("not_working", "Not enough hours in the evenings"),
        ("decision", "revise_plan"),
    ];
    let (status, _, location) = api.form(&format!("/accounts/{account}/review"), &review).await;
    assert_eq!((status, location.as_deref()), (StatusCode::SEE_OTHER, Some(format!("/plans/{plan}/revise").as_str())));
    let revise = format!("/plans/{plan}/revise");
    let (status, html) = api.page(&revise).await;
    assert_eq!(status, StatusCode::OK, "{html}");
    assert!(html.contains("value=\"Kit\"") && html.contains("How the money is held"), "{html}");
    // A date already paid: refused by its field, nothing written.
    let (status, html, _) = api.form(&revise, &revision_form("2026-04-20", "390")).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(html.contains("govuk-error-summary") && html.contains("2026-04-29 or later") && html.contains("value=\"390\""), "{html}");
    assert!(store.plan_revisions(plan).await.unwrap().is_empty(), "a refused change writes nothing");
    let (status, _, location) = api.form(&revise, &revision_form("2026-05-13", "390")).await;
    assert_eq!((status, location.as_deref()), (StatusCode::SEE_OTHER, Some(format!("/plans/{plan}?done=revised").as_str())));
    let (_, html) = api.page(&format!("/plans/{plan}?done=revised")).await;
    assert!(html.contains("Versions of this plan") && html.contains("From 13 May 2026") && html.contains("Until 12 May 2026"), "{html}");
    // Above the social worker's limit: it waits.
    let (status, _, location) = api.form(&revise, &revision_form("2026-07-01", "520")).await;
    assert_eq!((status, location.as_deref()), (StatusCode::SEE_OTHER, Some(format!("/plans/{plan}?done=revision_waiting").as_str())));
    assert_eq!(store.plan(plan).await.unwrap().total, Money::from_pounds(20_280), "the plan in force carries on");
    let waiting = store.plan_revisions(plan).await.unwrap().pop().unwrap();

    // The team manager returns without a note (refused), then approves.
    api.sign_in("tia@rev.example", PASSWORD).await;
    let (_, html) = api.page(&format!("/plans/{plan}")).await;
    assert!(html.contains("Decide version 2"), "{html}");
    let decide = format!("/plans/{plan}/revisions/{}/decision", waiting.id);
    let (status, html, _) = api.form(&decide, &[("decision", "return"), ("revision_note", "")]).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{html}");
    assert!(html.contains("govuk-error-summary"), "{html}");
    let (status, _, _) = api.form(&decide, &[("decision", "approve"), ("revision_note", "")]).await;
    assert_eq!(status, StatusCode::SEE_OTHER);
    assert_eq!(store.plan(plan).await.unwrap().total, Money::from_pounds(27_040));

    // The API: every version; a decided revision cannot be decided again; bad input is named.
    api.bearer_sign_in("tia@rev.example", PASSWORD).await;
    let (status, list) = api.get(&format!("/api/v1/plans/{plan}/revisions")).await;
    assert_eq!((status, list.as_array().map(Vec::len)), (StatusCode::OK, Some(2)), "{list}");
    let (status, _) = api.post(&format!("/api/v1/plans/{plan}/revisions/{}/decision", waiting.id), json!({"approve": true})).await;
    assert_eq!(status, StatusCode::CONFLICT);
    let bad = json!({"effective_from": "2026-09-01", "reason": "More", "lines": [{"description": "PA", "provider": "Kit", "category": "personal_assistant",
        "frequency": "weekly", "units_per_period": "1", "unit_cost": "300", "deployment": "cash"}]});
    common::assert_refused(&api.post(&format!("/api/v1/plans/{plan}/revisions"), bad).await, StatusCode::UNPROCESSABLE_ENTITY, "lines[0].deployment");

    // The person sees the versions, and may not change the plan.
    api.sign_in("rhys@rev.example", PASSWORD).await;
    let (status, html) = api.page(&format!("/plans/{plan}")).await;
    assert_eq!(status, StatusCode::OK);
    assert!(html.contains("Versions of this plan") && !html.contains("Change this plan from a date"), "{html}");
    assert_eq!(api.page(&revise).await.0, StatusCode::FORBIDDEN);
}

#[tokio::test]
async fn revisions_in_the_pages_on_sqlite() {
    let (store, _dir) = sqlite_store().await;
    revisions_in_the_pages(store).await;
}

#[tokio::test]
async fn revisions_in_the_pages_on_postgres() {
    if let Some((store, _db)) = postgres_store("revisions_in_the_pages_on_postgres").await {
        revisions_in_the_pages(store.clone()).await;
        store.close().await;
    }
}

/// A review decides to re-assess: the person page and the council's list say a new
/// assessment is due; once it is made, staff are offered the change that follows it, the
/// person is told, and the new version names the new indicative budget.
async fn reassessment_in_the_pages(store: Store) {
    let cid = store.create_council("RAP", "Re-assess Pages Council").await.unwrap().id;
    let account = open_test_account(&store, cid, "Rae", vec![weekly_line("Personal assistant", "Kit", "personal_assistant", "260")], "direct_payment").await;
    let budget = store.account(account).await.unwrap();
    let (plan, person) = (budget.plan_id, budget.person_id);
    let sam = store.create_user(cid, &user("sam@rap.example", "Sam Worker", "social_worker", None)).await.unwrap().id.to_string();
    store.create_user(cid, &user("rae@rap.example", "Rae Payee", "budget_holder", Some(&person.to_string()))).await.unwrap();
    let team = store.create_team(cid, "North", std::slice::from_ref(&sam)).await.unwrap().id;
    store.allocate_case(person, Some(&team.to_string()), Some(&sam)).await.unwrap();
    let api = Api::start(store.clone()).await;

    api.sign_in("sam@rap.example", PASSWORD).await;
    let review = [("completed_on", "2026-06-01"), ("participants", "person"), ("participants", "worker"), ("decision", "reassess")];
    let (status, _, location) = api.form(&format!("/accounts/{account}/review"), &review).await;
    assert_eq!((status, location.as_deref()), (StatusCode::SEE_OTHER, Some(format!("/people/{person}?reassess=1").as_str())));
    let (_, html) = api.page(&format!("/people/{person}?reassess=1")).await;
    assert!(html.contains("A new assessment is due") && html.contains("The review on 1 June 2026 decided to re-assess"), "{html}");
    let (_, html) = api.page(&format!("/councils/{cid}")).await;
    let listed = html.split("Assessments to complete").nth(1).and_then(|rest| rest.split("Reviews due").next()).unwrap_or_default().to_string();
    assert!(listed.contains("Rae Payee"), "{listed}");

    api.bearer_sign_in("sam@rap.example", PASSWORD).await;
    let (status, assessed) = api
        .post(
            &format!("/api/v1/people/{person}/assessments"),
            json!({"answers": fewer_needs_answers(), "completed_on": "2026-06-10", "assessor": "Sam Worker"}),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{assessed}");
    let indicative = store.latest_assessment(person).await.unwrap().unwrap().allocation.total;
    api.sign_in("sam@rap.example", PASSWORD).await;
    let (_, html) = api.page(&format!("/people/{person}")).await;
    assert!(
        html.contains(&format!("The assessment on 10 June 2026 gives an indicative budget of {indicative} a year"))
            && html.contains(&format!("href=\"/plans/{plan}/revise\">Change the plan to follow the new assessment")),
        "{html}"
    );
    let (status, _, _) = api.form(&format!("/plans/{plan}/revise"), &revision_form("2026-07-01", "200")).await;
    assert_eq!(status, StatusCode::SEE_OTHER);
    let (_, html) = api.page(&format!("/plans/{plan}")).await;
    assert!(html.contains(&format!("follows a new assessment: an indicative budget of {indicative} a year")), "{html}");
    let (_, html) = api.page(&format!("/people/{person}")).await;
    assert!(!html.contains("id=\"reassessment\""), "the plan follows it now: {html}");

    // Rae is told in her own words at each step, and may not change the plan herself.
    let review = [("completed_on", "2026-08-01"), ("participants", "person"), ("decision", "reassess")];
    api.form(&format!("/accounts/{account}/review"), &review).await;
    api.sign_in("rae@rap.example", PASSWORD).await;
    let (_, html) = api.page(&format!("/people/{person}")).await;
    assert!(html.contains("Your review on 1 August 2026 decided to look at your needs again") && !html.contains("Change the plan to follow"), "{html}");
}

#[tokio::test]
async fn reassessment_in_the_pages_on_sqlite() {
    let (store, _dir) = sqlite_store().await;
    reassessment_in_the_pages(store).await;
}

#[tokio::test]
async fn reassessment_in_the_pages_on_postgres() {
    if let Some((store, _db)) = postgres_store("reassessment_in_the_pages_on_postgres").await {
        reassessment_in_the_pages(store.clone()).await;
        store.close().await;
    }
}
