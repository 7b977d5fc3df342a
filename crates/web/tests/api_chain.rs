//! The whole chain through the real HTTP API, on SQLite and on PostgreSQL: registered →
//! assessed → indicative budget → plan → approved → account → paid and spent → reviewed,
//! with bad input refused at every step and the ledger checked to the penny.

mod common;

use common::{assert_refused, money, Api};
use reqwest::StatusCode;
use selfdirect_domain::Money;
use selfdirect_store::testing::{postgres_store, sqlite_store};
use selfdirect_store::{NewUser, Store};
use serde_json::{json, Value};

fn line(description: &str, category: &str, frequency: &str, units: &str, cost: &str) -> Value {
    json!({"description": description, "provider": "Provider Ltd", "category": category, "frequency": frequency, "units_per_period": units, "unit_cost": cost})
}

/// Read beside the API (whoever the test acts as): the ledger's entry count.
async fn ledger_entries(api: &Api, council: &str) -> i64 {
    api.store.trial_balance(council.parse().unwrap()).await.unwrap().entries
}

async fn chain(store: Store) {
    let api = Api::start(store).await;

    // Council and person.
    let (status, council) = api.post("/api/v1/councils", json!({"code": "KNT", "name": "Kent Test Council"})).await;
    assert_eq!(status, StatusCode::CREATED, "{council}");
    let cid = council["id"].as_str().unwrap().to_string();
    assert_refused(&api.post("/api/v1/councils", json!({"code": "knt", "name": "Again"})).await, StatusCode::UNPROCESSABLE_ENTITY, "code");
    api.act_as(&cid, "administrator", None, None).await;

    let bad_person = json!({"given_name": "Ada", "family_name": "", "date_of_birth": "2999-01-01", "address": "1 High St", "postcode": "nope", "client_group": "older_person"});
    let refused = api.post(&format!("/api/v1/councils/{cid}/people"), bad_person).await;
    for field in ["family_name", "date_of_birth", "postcode"] {
        assert_refused(&refused, StatusCode::UNPROCESSABLE_ENTITY, field);
    }
    let (_, people) = api.get(&format!("/api/v1/councils/{cid}/people")).await;
    assert_eq!(people.as_array().unwrap().len(), 0, "a refused person must not be written");

    let person = json!({"given_name": "Ada", "family_name": "Okafor", "date_of_birth": "1948-06-30", "address": "1 High Street, Maidstone", "postcode": "me14 1xx", "client_group": "older_person"});
    let (status, person) = api.post(&format!("/api/v1/councils/{cid}/people"), person).await;
    assert_eq!(status, StatusCode::CREATED, "{person}");
    assert_eq!(person["postcode"], "ME14 1XX");
    let pid = person["id"].as_str().unwrap().to_string();
    let (status, _) = api.post(&format!("/api/v1/people/{pid}/contacts"), json!({"role": "carer", "name": "Grace Okafor", "relationship": "Daughter"})).await;
    assert_eq!(status, StatusCode::CREATED);

    let nobody = "01900000-0000-7000-8000-000000000000";
    assert_refused(&api.get(&format!("/api/v1/people/{nobody}")).await, StatusCode::NOT_FOUND, "");
    assert_refused(
        &api.post(&format!("/api/v1/people/{nobody}/assessments"), json!({"answers": {}, "completed_on": "2026-01-01", "assessor": "x"})).await,
        StatusCode::NOT_FOUND,
        "",
    );
    assert_refused(&api.get("/api/v1/people/not-an-id").await, StatusCode::NOT_FOUND, "");

    // Assessment → indicative budget with an explanation that adds up.
    let (_, questionnaire) = api.get(&format!("/api/v1/councils/{cid}/questionnaire")).await;
    let mut answers = serde_json::Map::new();
    for domain in questionnaire["domains"].as_array().unwrap() {
        for q in domain["questions"].as_array().unwrap() {
            answers.insert(q["id"].as_str().unwrap().into(), q["options"][1]["id"].clone());
        }
    }
    answers.insert("carer_sustainability".into(), json!("strain"));
    let mut missing = answers.clone();
    missing.remove("meals");
    assert_refused(
        &api.post(&format!("/api/v1/people/{pid}/assessments"), json!({"answers": missing, "completed_on": "2026-03-02", "assessor": "Sam Worker"})).await,
        StatusCode::UNPROCESSABLE_ENTITY,
        "answers.meals",
    );
    let (status, assessment) =
        api.post(&format!("/api/v1/people/{pid}/assessments"), json!({"answers": answers, "completed_on": "2026-03-02", "assessor": "Sam Worker"})).await;
    assert_eq!(status, StatusCode::CREATED, "{assessment}");
    let indicative = money(&assessment["allocation"]["total"]);
    let items: Money = assessment["allocation"]["items"].as_array().unwrap().iter().map(|i| money(&i["amount"])).sum();
    assert_eq!(items, indicative);
    // Second answers, carer under strain: 8+10+6+6+5+5+4+8+6 = 58 points at £300.
    assert_eq!(indicative, Money::from_pounds(17_400));

    // Plan: bad lines refused, over budget needs a reason, edits are version-checked.
    let plans = format!("/api/v1/people/{pid}/plans");
    let bad = json!({"outcomes": ["Stay at home"], "lines": [line("PA", "personal_assistant", "weekly", "10", "-14.50"), line("Gym", "leisure", "monthly", "1", "twenty")], "start_date": "2026-04-01", "end_date": "2026-03-31"});
    let refused = api.post(&plans, bad).await;
    for field in ["lines[0].unit_cost", "lines[1].unit_cost", "end_date"] {
        assert_refused(&refused, StatusCode::UNPROCESSABLE_ENTITY, field);
    }
    let over = json!({"outcomes": ["Stay living at home", "See friends every week"],
        "lines": [line("Personal assistant", "personal_assistant", "weekly", "20", "15.00"), line("Lunch club", "day_service", "weekly", "2", "12.00"), line("Holiday cottage instead of respite", "respite", "yearly", "1", "650.00")],
        "start_date": "2026-04-01", "end_date": "2027-03-31"});
    let (status, plan) = api.post(&plans, over).await;
    assert_eq!(status, StatusCode::CREATED, "{plan}");
    let plan_id = plan["id"].as_str().unwrap().to_string();
    assert_eq!(money(&plan["total"]), Money::from_pounds(15_600 + 1_248 + 650));
    assert_refused(&api.post(&format!("/api/v1/plans/{plan_id}/submit"), json!({})).await, StatusCode::UNPROCESSABLE_ENTITY, "over_budget_reason");
    let within = json!({"version": plan["version"], "outcomes": ["Stay living at home", "See friends every week"],
        "lines": [line("Personal assistant", "personal_assistant", "weekly", "16", "15.00"), line("Lunch club", "day_service", "weekly", "2", "12.00"), line("Holiday cottage instead of respite", "respite", "yearly", "1", "650.00")],
        "start_date": "2026-04-01", "end_date": "2027-03-31"});
    let (status, plan) = api.put(&format!("/api/v1/plans/{plan_id}"), within.clone()).await;
    assert_eq!(status, StatusCode::OK, "{plan}");
    assert_refused(&api.put(&format!("/api/v1/plans/{plan_id}"), within).await, StatusCode::CONFLICT, "");
    let total = Money::from_pounds(12_480 + 1_248 + 650);
    assert_eq!(money(&plan["total"]), total);
    let (status, plan) = api.post(&format!("/api/v1/plans/{plan_id}/submit"), json!({})).await;
    assert_eq!((status, plan["status"].as_str()), (StatusCode::OK, Some("submitted")));
    let (_, queue) = api.get(&format!("/api/v1/councils/{cid}/plans?status=submitted")).await;
    assert_eq!(queue.as_array().unwrap().len(), 1);
    assert_refused(&api.get(&format!("/api/v1/councils/{cid}/plans?status=lost")).await, StatusCode::UNPROCESSABLE_ENTITY, "status");

    // The person's page and the staff approval page, through real forms, signed in.
    let (status, _) = api.page(&format!("/people/{pid}")).await;
    assert_eq!(status, StatusCode::SEE_OTHER, "pages need sign-in");
    let password = "a long enough password";
    let user = |email: &'static str, name: &'static str, role: &'static str, person: Option<&str>| {
        let person = person.map(str::to_string);
        let store = api.store.clone();
        let cid = cid.clone();
        async move {
            let input = NewUser { email, display_name: name, role, person_id: person.as_deref(), provider_name: None, password };
            store.create_user(cid.parse().unwrap(), &input).await.unwrap()
        }
    };
    user("ada@example.org", "Ada Okafor", "budget_holder", Some(&pid)).await;
    user("tess@example.org", "Tess Manager", "team_manager", None).await;
    api.sign_in("ada@example.org", password).await;
    let (status, html) = api.page(&format!("/people/{pid}")).await;
    assert_eq!(status, StatusCode::OK);
    assert!(html.contains("Your indicative budget is £17,400.00 a year"), "{html}");
    assert!(html.contains("How your indicative budget was worked out"));
    let (status, _) = api.page(&format!("/councils/{cid}/approvals")).await;
    assert_eq!(status, StatusCode::FORBIDDEN, "a budget holder does not see the approval queue");
    let (status, _, _) = api.form(&format!("/plans/{plan_id}/approve"), &[]).await;
    assert_eq!(status, StatusCode::FORBIDDEN, "nor approve their own plan");
    let (status, _, _) = api.form("/sign-out", &[]).await;
    assert_eq!(status, StatusCode::SEE_OTHER);
    let (status, _) = api.page(&format!("/people/{pid}")).await;
    assert_eq!(status, StatusCode::SEE_OTHER, "signed out: the old cookie no longer works");

    api.sign_in("tess@example.org", password).await;
    let (status, html) = api.page(&format!("/councils/{cid}/approvals")).await;
    assert_eq!(status, StatusCode::OK);
    assert!(html.contains("Plan for Ada Okafor"));
    let (status, _, _) = api.form_exactly(&format!("/plans/{plan_id}/approve"), &[("csrf_token", "forged")]).await;
    assert_eq!(status, StatusCode::FORBIDDEN, "a form without the session's CSRF token is refused");
    let (status, html, _) = api.form(&format!("/plans/{plan_id}/return"), &[("reasons", "  ")]).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(html.contains("govuk-error-summary") && html.contains("Enter what needs to change"), "{html}");
    let (_, plan) = api.get(&format!("/api/v1/plans/{plan_id}")).await;
    assert_eq!(plan["status"], "submitted", "refused forms must change nothing");
    let (status, _, location) = api.form(&format!("/plans/{plan_id}/approve"), &[("note", "")]).await;
    assert_eq!(status, StatusCode::SEE_OTHER);
    let (_, html) = api.page(&location.unwrap()).await;
    assert!(html.contains("Plan approved. The final budget is £14,378.00 a year."), "{html}");
    let (_, plan) = api.get(&format!("/api/v1/plans/{plan_id}")).await;
    assert_eq!(money(&plan["final_budget"]), total);
    assert_refused(&api.post(&format!("/api/v1/plans/{plan_id}/approve"), json!({"approved_by": "Again"})).await, StatusCode::FORBIDDEN, "");
    api.act_as(&cid, "team_manager", None, None).await;
    assert_refused(&api.post(&format!("/api/v1/plans/{plan_id}/approve"), json!({"approved_by": "Again"})).await, StatusCode::CONFLICT, "");
    api.act_as(&cid, "administrator", None, None).await;

    // Deployment: the PA as a direct payment, the rest managed by the council.
    let pa_line = plan["lines"][0]["id"].as_str().unwrap().to_string();
    let club_line = plan["lines"][1]["id"].as_str().unwrap().to_string();
    assert_refused(
        &api.post(&format!("/api/v1/plans/{plan_id}/account"), json!({"deployment": "cash_in_hand"})).await,
        StatusCode::UNPROCESSABLE_ENTITY,
        "deployment",
    );
    let (status, account) = api
        .post(&format!("/api/v1/plans/{plan_id}/account"), json!({"deployment": "council_managed", "line_deployments": {pa_line.clone(): "direct_payment"}}))
        .await;
    assert_eq!(status, StatusCode::CREATED, "{account}");
    assert_eq!(account["deployment"], "mixed");
    assert_eq!(account["next_review_due"], "2026-10-01");
    let aid = account["id"].as_str().unwrap().to_string();
    assert_refused(&api.post(&format!("/api/v1/plans/{plan_id}/account"), json!({"deployment": "direct_payment"})).await, StatusCode::CONFLICT, "");

    // Money: a four-weekly direct payment and a provider paid (finance), spending recorded (Ada).
    api.act_as(&cid, "finance_officer", None, None).await;
    let payments = format!("/api/v1/accounts/{aid}/payments");
    let four_weeks = "960.00"; // 16 hours × £15 × 4 weeks
    let (status, _) = api.post(&payments, json!({"payee": "budget_holder", "payee_name": "Ada Okafor", "amount": four_weeks, "paid_on": "2026-04-01"})).await;
    assert_eq!(status, StatusCode::CREATED);
    let (status, _) = api
        .post(
            &payments,
            json!({"payee": "provider", "payee_name": "St Mark's Lunch Club", "amount": "96.00", "paid_on": "2026-04-28", "plan_line_id": club_line}),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED);
    let entries_before = ledger_entries(&api, &cid).await;
    assert_refused(
        &api.post(&payments, json!({"payee": "budget_holder", "payee_name": "Ada", "amount": "99999.00", "paid_on": "2026-05-01"})).await,
        StatusCode::UNPROCESSABLE_ENTITY,
        "amount",
    );
    assert_refused(
        &api.post(&payments, json!({"payee": "budget_holder", "payee_name": "Ada", "amount": "-5", "paid_on": "2026-05-01"})).await,
        StatusCode::UNPROCESSABLE_ENTITY,
        "amount",
    );
    assert_refused(
        &api.post(&payments, json!({"payee": "budget_holder", "payee_name": "Ada", "amount": "ten", "paid_on": "2026-05-01"})).await,
        StatusCode::UNPROCESSABLE_ENTITY,
        "amount",
    );
    assert_refused(
        &api.post(&payments, json!({"payee": "budget_holder", "payee_name": "Ada", "amount": "10", "paid_on": "2025-05-01"})).await,
        StatusCode::UNPROCESSABLE_ENTITY,
        "paid_on",
    );
    assert_refused(
        &api.post(&payments, json!({"payee": "provider", "payee_name": "X", "amount": "10", "paid_on": "2026-05-01", "plan_line_id": pa_line.clone()})).await,
        StatusCode::UNPROCESSABLE_ENTITY,
        "payee",
    );
    let spending = format!("/api/v1/accounts/{aid}/spending");
    assert_refused(
        &api.post(&spending, json!({"plan_line_id": pa_line.clone(), "amount": "1", "spent_on": "2026-04-14", "description": "PA wages"})).await,
        StatusCode::FORBIDDEN,
        "",
    );
    api.act_as(&cid, "budget_holder", Some(&pid), None).await;
    assert_refused(
        &api.post(&spending, json!({"plan_line_id": pa_line.clone(), "amount": "960.01", "spent_on": "2026-04-14", "description": "PA wages"})).await,
        StatusCode::UNPROCESSABLE_ENTITY,
        "amount",
    );
    assert_eq!(ledger_entries(&api, &cid).await, entries_before, "refused payments must post nothing");
    let (status, view) =
        api.post(&spending, json!({"plan_line_id": pa_line, "amount": "735.50", "spent_on": "2026-04-14", "description": "PA wages, two weeks"})).await;
    assert_eq!(status, StatusCode::CREATED, "{view}");

    // The ledger, to the penny.
    let (_, view) = api.get(&format!("/api/v1/accounts/{aid}")).await;
    let balance = &view["balances"][0];
    assert_eq!(balance["stream"], "adult_social_care");
    assert_eq!(money(&balance["allocated"]), total);
    assert_eq!(money(&balance["available"]), total - Money::from_pence(96_000) - Money::from_pence(9_600));
    assert_eq!(money(&balance["held_by_budget_holder"]), Money::from_pence(96_000 - 73_550));
    assert_eq!(money(&balance["spent"]), Money::from_pence(73_550 + 9_600));
    assert_eq!(money(&view["unspent"]) + money(&view["spent"]), total);
    assert_eq!(view["entries"].as_array().unwrap().len(), 4);
    // The statement says the same in words: came in, went out (to whom), left (where).
    let statement = &view["statements"][0];
    assert_eq!(statement["stream_name"], "Adult social care");
    assert_eq!(money(&statement["came_in"]), total);
    assert_eq!(money(&statement["went_out"]), Money::from_pence(73_550 + 9_600));
    assert_eq!(money(&statement["left"]), money(&view["unspent"]));
    let out: Vec<&str> = statement["went_out_lines"].as_array().unwrap().iter().map(|l| l["words"].as_str().unwrap()).collect();
    assert_eq!(out, ["Spent by you from your direct payment", "Paid to St Mark's Lunch Club"], "in date order");
    assert!(statement["summary"].as_str().unwrap().contains("; paid to St Mark's Lunch Club (£96.00). £13,546.50 is left."), "{}", statement["summary"]);
    let (status, _) = api.get(&format!("/api/v1/councils/{cid}/trial-balance")).await;
    assert_eq!(status, StatusCode::FORBIDDEN, "the council's ledger is for finance and audit");
    api.act_as(&cid, "auditor", None, None).await;
    let (_, tb) = api.get(&format!("/api/v1/councils/{cid}/trial-balance")).await;
    assert_eq!(tb["unbalanced_entries"], 0);
    assert_eq!(money(&tb["sum_of_postings"]), Money::ZERO);
    assert_eq!(tb["postings"], 8);

    // Review and uptake, by the social worker.
    api.act_as(&cid, "social_worker", None, None).await;
    let (_, due) = api.get(&format!("/api/v1/councils/{cid}/reviews-due?by=2026-10-01")).await;
    assert_eq!(due.as_array().unwrap().len(), 1);
    assert_refused(&api.get(&format!("/api/v1/councils/{cid}/reviews-due?by=01-10-2026")).await, StatusCode::UNPROCESSABLE_ENTITY, "by");
    assert_refused(
        &api.post(
            &format!("/api/v1/accounts/{aid}/reviews"),
            json!({"completed_on": "2026-03-01", "participants": ["person"], "decision": "no_change", "notes": "Too early"}),
        )
        .await,
        StatusCode::UNPROCESSABLE_ENTITY,
        "completed_on",
    );
    let (status, review) = api
        .post(
            &format!("/api/v1/accounts/{aid}/reviews"),
            json!({"completed_on": "2026-09-20", "participants": ["person", "carer", "worker"], "decision": "no_change", "working": "Going well"}),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{review}");
    assert_eq!((review["decision"].as_str(), review["participants"][1].as_str()), (Some("no_change"), Some("carer")), "{review}");
    assert_eq!(review["next_review_due"], "2027-09-20");
    let (_, due) = api.get(&format!("/api/v1/councils/{cid}/reviews-due?by=2026-12-31")).await;
    assert_eq!(due.as_array().unwrap().len(), 0);
    api.act_as(&cid, "team_manager", None, None).await;
    let (_, uptake) = api.get(&format!("/api/v1/councils/{cid}/uptake?as_of=2026-06-01")).await;
    assert_eq!((uptake["long_term_support"].as_i64(), uptake["personal_budget"].as_i64(), uptake["direct_payment"].as_i64()), (Some(1), Some(1), Some(1)));
    assert_eq!(uptake["personal_budget_percent"], "100.0");

    // The person's page now shows the final budget and the statement.
    let (_, html) = api.page(&format!("/people/{pid}")).await;
    assert!(html.contains("Your personal budget is £14,378.00 a year"), "{html}");
    assert!(html.contains("Statement") && html.contains("PA wages, two weeks") && html.contains("£735.50"));
    assert!(
        html.contains("Adult social care: £14,378.00 came in.")
            && html.contains("Spent by you from your direct payment: <span class=\"sd-money\">£735.50</span>"),
        "{html}"
    );

    // The access log: the auditor sees who read and changed Ada's record, and so does Ada.
    api.act_as(&cid, "auditor", None, None).await;
    let (status, log) = api.get(&format!("/api/v1/people/{pid}/access-log")).await;
    assert_eq!(status, StatusCode::OK, "{log}");
    let roles: std::collections::BTreeSet<&str> = log.as_array().unwrap().iter().map(|e| e["user_role"].as_str().unwrap()).collect();
    for role in ["Administrator", "Team manager", "Finance officer", "Budget holder", "Social worker"] {
        assert!(roles.contains(role), "{role} missing from the access log: {roles:?}");
    }
    assert!(log.as_array().unwrap().iter().any(|e| e["action"] == "decided on the plan" && e["what"].as_str().unwrap().ends_with("/approve")));
    // And on what grounds each could: Ada's own record; the duty queue for an unallocated person.
    let grounds: std::collections::BTreeSet<(&str, &str)> =
        log.as_array().unwrap().iter().map(|e| (e["user_role"].as_str().unwrap(), e["grounds"].as_str().unwrap_or("none"))).collect();
    for expected in
        [("Budget holder", "their own record"), ("Social worker", "not yet allocated: the duty queue"), ("Team manager", "the council's team manager")]
    {
        assert!(grounds.contains(&expected), "{expected:?} missing: {grounds:?}");
    }
    api.act_as(&cid, "finance_officer", None, None).await;
    assert_eq!(api.get(&format!("/api/v1/people/{pid}/access-log")).await.0, StatusCode::FORBIDDEN, "finance does not read the access log");

    // Malformed requests still get a JSON error body.
    api.act_as(&cid, "service_operator", None, None).await;
    let resp = api
        .authorised(api.http.post(format!("{}/api/v1/councils", api.base)))
        .header("content-type", "application/json")
        .body("{not json")
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), StatusCode::BAD_REQUEST);
    let body: Value = resp.json().await.unwrap();
    assert_eq!(body["error"], "bad_request");
    let (status, body) = api.post("/api/v1/councils", json!({"code": "X"})).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(body["message"].as_str().unwrap().contains("name"), "{body}");

    // The OpenAPI document describes every step.
    let (status, doc) = api.get("/api/openapi.json").await;
    assert_eq!(status, StatusCode::OK);
    for path in [
        "/api/v1/people/{person_id}/assessments",
        "/api/v1/plans/{plan_id}/approve",
        "/api/v1/accounts/{account_id}/payments",
        "/api/v1/councils/{council_id}/uptake",
    ] {
        assert!(doc["paths"][path].is_object(), "OpenAPI lacks {path}");
    }
    // Every schema the document refers to is in it.
    fn refs(v: &serde_json::Value, out: &mut Vec<String>) {
        match v {
            serde_json::Value::Object(m) => {
                if let Some(serde_json::Value::String(r)) = m.get("$ref") {
                    out.push(r.clone());
                }
                m.values().for_each(|v| refs(v, out));
            }
            serde_json::Value::Array(a) => a.iter().for_each(|v| refs(v, out)),
            _ => {}
        }
    }
    let mut found = Vec::new();
    refs(&doc, &mut found);
    assert!(found.iter().any(|r| r.ends_with("/StreamStatement")), "the account view's statements are described");
    for r in found {
        let name = r.strip_prefix("#/components/schemas/").unwrap_or_else(|| panic!("unexpected $ref {r}"));
        assert!(doc["components"]["schemas"][name].is_object(), "OpenAPI refers to {r}, which it does not define");
    }
}

#[tokio::test]
async fn chain_through_http_on_sqlite() {
    let (store, _dir) = sqlite_store().await;
    chain(store).await;
}

#[tokio::test]
async fn chain_through_http_on_postgres() {
    if let Some((store, _db)) = postgres_store("chain_through_http_on_postgres").await {
        chain(store.clone()).await;
        store.close().await;
    }
}
