//! Council money work through the HTTP API on SQLite and PostgreSQL: bank details, a
//! payment run with its preview and bank files, and provider claims one by one and by CSV.

mod common;

use common::{assert_refused, money, Api};
use reqwest::StatusCode;
use selfdirect_domain::money::payment_files::{check_pain001, check_standard18};
use selfdirect_domain::plan::PlanLineInput;
use selfdirect_domain::Money;
use selfdirect_store::testing::{open_test_account, postgres_store, sqlite_store, weekly_line};
use selfdirect_store::Store;
use serde_json::json;

async fn money_work(store: Store) {
    let council = store.create_council("MNY", "Money Council").await.unwrap();
    let cid = council.id;
    let dp = open_test_account(&store, cid, "Dee", vec![weekly_line("PA hours", "Sam", "personal_assistant", "130")], "direct_payment").await;
    let hourly = PlanLineInput { units_per_period: "10".into(), ..weekly_line("Home care", "Harbour Care", "personal_care", "24.50") };
    let managed = open_test_account(&store, cid, "Mo", vec![hourly], "council_managed").await;
    let mo = store.account(managed).await.unwrap().person_id.to_string();
    let dee = store.account(dp).await.unwrap().person_id.to_string();
    let api = Api::start(store).await;

    // Bank details, set by Dee herself: bad ones are refused field by field.
    api.act_as(&cid.to_string(), "budget_holder", Some(&dee), None).await;
    let bad = api
        .send(
            reqwest::Method::PUT,
            &format!("/api/v1/accounts/{dp}/bank-details"),
            Some(json!({"account_name": "D", "sort_code": "1", "account_number": "12345678"})),
        )
        .await;
    assert_refused(&bad, StatusCode::UNPROCESSABLE_ENTITY, "sort_code");
    let bank = json!({"account_name": "DEE PAYEE", "sort_code": "40-12-34", "account_number": "12345678"});
    let (status, change) = api.send(reqwest::Method::PUT, &format!("/api/v1/accounts/{dp}/bank-details"), Some(bank)).await;
    assert_eq!((status, change["status"].as_str()), (StatusCode::ACCEPTED, Some("pending")), "{change}");
    // A finance officer confirms it with her: from then on it is paid.
    api.act_as(&cid.to_string(), "finance_officer", None, None).await;
    let (status, confirmed) = api.post(&format!("/api/v1/accounts/{dp}/bank-details/{}/confirm", change["id"].as_str().unwrap()), json!({})).await;
    assert_eq!((status, confirmed["status"].as_str()), (StatusCode::OK, Some("confirmed")), "{confirmed}");
    // A stay in hospital: suspended, then resumed from a day (not before the suspension).
    let suspension = format!("/api/v1/accounts/{managed}/suspension");
    assert_eq!(
        api.send_empty(reqwest::Method::PUT, &suspension, json!({"suspended_from": "2026-06-01", "reason": "In hospital"})).await.0,
        StatusCode::NO_CONTENT
    );
    assert_refused(&api.put(&suspension, json!({"resumed_on": "2026-05-01"})).await, StatusCode::UNPROCESSABLE_ENTITY, "resumed_on");
    assert_eq!(api.send_empty(reqwest::Method::PUT, &suspension, json!({"resumed_on": "2026-06-08"})).await.0, StatusCode::NO_CONTENT);
    assert_eq!(api.store.account(managed).await.unwrap().suspended_from, None);
    let council_bank = json!({"account_name": "MONEY COUNCIL", "sort_code": "20-00-00", "account_number": "55779911", "service_user_number": "123456"});
    assert_eq!(api.send_empty(reqwest::Method::PUT, &format!("/api/v1/councils/{cid}/bank-details"), council_bank).await.0, StatusCode::NO_CONTENT);
    let provider = json!({"name": "Harbour Care", "sort_code": "30-94-57", "account_number": "11112222"});
    assert_eq!(api.send_empty(reqwest::Method::POST, &format!("/api/v1/councils/{cid}/providers"), provider).await.0, StatusCode::NO_CONTENT);
    let (status, contribution) =
        api.post(&format!("/api/v1/accounts/{dp}/financial-assessments"), json!({"assessed_on": "2026-03-20", "capital": "0", "weekly_income": "238"})).await;
    assert_eq!(status, StatusCode::CREATED, "{contribution}");
    assert_eq!(money(&contribution["weekly"]), Money::from_pounds(10));

    // Preview, then run: £520 for four weeks less £40 of contribution.
    let (status, preview) = api.get(&format!("/api/v1/councils/{cid}/payment-runs/preview?period_start=2026-04-01")).await;
    assert_eq!(status, StatusCode::OK, "{preview}");
    assert_eq!((preview["payments"].as_i64(), money(&preview["total_net"])), (Some(1), Money::from_pounds(480)));
    assert_refused(
        &api.get(&format!("/api/v1/councils/{cid}/payment-runs/preview?period_start=2026-13-01")).await,
        StatusCode::UNPROCESSABLE_ENTITY,
        "period_start",
    );
    let (earliest, saturday) = selfdirect_store::testing::pay_dates_from_today();
    let (status, refused) = api.post(&format!("/api/v1/councils/{cid}/payment-runs"), json!({"period_start": "2026-04-01", "pay_date": saturday})).await;
    assert_eq!((status, refused["errors"][0]["field"].as_str()), (StatusCode::UNPROCESSABLE_ENTITY, Some("pay_date")), "{refused}");
    assert!(refused.to_string().contains("not a working day; the next working day is"), "{refused}");
    let (status, run) = api.post(&format!("/api/v1/councils/{cid}/payment-runs"), json!({"period_start": "2026-04-01", "pay_date": earliest})).await;
    assert_eq!(status, StatusCode::OK, "{run}");
    assert_eq!((run["status"].as_str(), money(&run["total_net"])), (Some("completed"), Money::from_pounds(480)));
    let run_id = run["run_id"].as_str().unwrap();
    let (_, items) = api.get(&format!("/api/v1/payment-runs/{run_id}/items")).await;
    assert_eq!(items.as_array().unwrap().len(), 1);
    let s18 = api.authorised(api.http.get(format!("{}/api/v1/payment-runs/{run_id}/file?format=standard18", api.base))).send().await.unwrap();
    assert_eq!(s18.status(), StatusCode::OK);
    assert!(s18.headers()["content-disposition"].to_str().unwrap().contains(".txt"));
    assert_eq!(check_standard18(&s18.text().await.unwrap()).unwrap().total, Money::from_pounds(480));
    let xml =
        api.authorised(api.http.get(format!("{}/api/v1/payment-runs/{run_id}/file?format=pain001", api.base))).send().await.unwrap().text().await.unwrap();
    assert_eq!(check_pain001(&xml).unwrap().total, Money::from_pounds(480));
    selfdirect_store::testing::assert_valid_pain001(&xml);
    // An unknown format breaks the documented enum: refused as a bad request naming it.
    let (status, refused) = api.get(&format!("/api/v1/payment-runs/{run_id}/file?format=csv")).await;
    assert!(status == StatusCode::BAD_REQUEST && refused["message"].as_str().unwrap().contains("format: unknown variant `csv`"), "{refused}");

    // One claim from the provider: accepted (201), then the same invoice again (422, duplicate).
    api.act_as(&cid.to_string(), "provider", None, Some("Harbour Care")).await;
    let claim = json!({"provider": "Harbour Care", "invoice_ref": "HC-1", "person_id": mo, "service_category": "personal_care",
        "period_start": "2026-04-01", "period_end": "2026-04-28", "units": "40", "unit_rate": "24.50"});
    let (status, report) = api.post(&format!("/api/v1/councils/{cid}/claims"), claim.clone()).await;
    assert_eq!(status, StatusCode::CREATED, "{report}");
    assert_eq!(money(&report["total_accepted"]), Money::from_pounds(980));
    let (status, report) = api.post(&format!("/api/v1/councils/{cid}/claims"), claim).await;
    assert_eq!((status, report["rejected"][0]["reason_code"].as_str()), (StatusCode::UNPROCESSABLE_ENTITY, Some("duplicate")));
    let unreadable = json!({"provider": "Harbour Care", "invoice_ref": "HC-9", "person_id": mo, "service_category": "personal_care",
        "period_start": "2026-04-01", "period_end": "2026-03-28", "units": "4", "unit_rate": "24.50"});
    assert_refused(&api.post(&format!("/api/v1/councils/{cid}/claims"), unreadable).await, StatusCode::UNPROCESSABLE_ENTITY, "period_end");

    // A CSV file: all or nothing by default, the good lines with ?partial=true.
    let csv = format!(
        "provider,invoice_ref,person_id,service_category,period_start,period_end,units,unit_rate\n\
         Harbour Care,HC-2,{mo},personal_care,2026-04-29,2026-05-26,40,24.50\n\
         Harbour Care,HC-3,{mo},personal_care,2026-04-29,2026-05-26,40,26.00\n"
    );
    let post_csv = |partial: bool| {
        api.authorised(api.http.post(format!("{}/api/v1/councils/{cid}/claims/csv?partial={partial}", api.base)))
            .header("content-type", "text/csv")
            .body(csv.clone())
            .send()
    };
    let whole = post_csv(false).await.unwrap();
    assert_eq!(whole.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let whole: serde_json::Value = whole.json().await.unwrap();
    assert_eq!(
        (whole["posted"].as_bool(), whole["rejected"][0]["line"].as_u64(), whole["rejected"][0]["reason_code"].as_str()),
        (Some(false), Some(3), Some("rate_above_agreed"))
    );
    let part = post_csv(true).await.unwrap();
    assert_eq!(part.status(), StatusCode::OK);
    let part: serde_json::Value = part.json().await.unwrap();
    assert_eq!((part["accepted"][0]["line"].as_u64(), money(&part["total_accepted"])), (Some(2), Money::from_pounds(980)));
    let (_, invoices) = api.get(&format!("/api/v1/councils/{cid}/invoices?provider=Harbour%20Care&status=accepted")).await;
    assert_eq!(invoices.as_array().unwrap().len(), 2);
    assert_refused(&api.get(&format!("/api/v1/councils/{cid}/invoices?status=maybe")).await, StatusCode::UNPROCESSABLE_ENTITY, "status");
    api.act_as(&cid.to_string(), "finance_officer", None, None).await;
    let (_, account) = api.get(&format!("/api/v1/accounts/{managed}")).await;
    assert_eq!(money(&account["spent"]), Money::from_pounds(1_960));
    let (_, trial) = api.get(&format!("/api/v1/councils/{cid}/trial-balance")).await;
    assert_eq!(money(&trial["sum_of_postings"]), Money::ZERO);

    // The direct-payment audit, and a recovery of unspent money.
    let (status, findings) = api.get(&format!("/api/v1/councils/{cid}/direct-payment-audit?as_of=2026-10-01")).await;
    assert_eq!(status, StatusCode::OK, "{findings}");
    assert_eq!(findings[0]["flags"][0]["flag"], "no_returns");
    assert_refused(&api.get(&format!("/api/v1/councils/{cid}/direct-payment-audit?as_of=soon")).await, StatusCode::UNPROCESSABLE_ENTITY, "as_of");
    let (status, view) =
        api.post(&format!("/api/v1/accounts/{dp}/recoveries"), json!({"amount": "100", "recovered_on": "2026-10-02", "reason": "Unspent at audit"})).await;
    assert_eq!(status, StatusCode::CREATED, "{view}");
    // The full £520 went into the account (the person pays their £40 in themselves).
    assert_eq!(money(&view["balances"][0]["held_by_budget_holder"]), Money::from_pounds(420));
    assert_refused(
        &api.post(&format!("/api/v1/accounts/{dp}/recoveries"), json!({"amount": "1000", "recovered_on": "2026-10-02", "reason": "x"})).await,
        StatusCode::UNPROCESSABLE_ENTITY,
        "amount",
    );

    // A personal assistant's timesheet (Dee employs Sam), and the payroll provider's CSV (finance).
    api.act_as(&cid.to_string(), "budget_holder", Some(&dee), None).await;
    let (status, pa) = api
        .post(
            &format!("/api/v1/accounts/{dp}/personal-assistants"),
            json!({"name": "Sam", "hourly_rate": "13.00", "contracted_hours": "10", "start_date": "2026-04-06"}),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{pa}");
    let pa_id = pa["id"].as_str().unwrap();
    let (status, schedule) =
        api.post(&format!("/api/v1/personal-assistants/{pa_id}/timesheets"), json!({"week_start": "2026-04-06", "hours_worked": "10"})).await;
    assert_eq!((status, money(&schedule[0]["gross_pay"])), (StatusCode::CREATED, Money::from_pounds(130)));
    assert_refused(
        &api.post(&format!("/api/v1/personal-assistants/{pa_id}/timesheets"), json!({"week_start": "2026-04-13", "hours_worked": "ten"})).await,
        StatusCode::UNPROCESSABLE_ENTITY,
        "hours_worked",
    );
    api.act_as(&cid.to_string(), "finance_officer", None, None).await;
    let payroll = api.authorised(api.http.get(format!("{}/api/v1/councils/{cid}/payroll.csv?from=2026-04-01&to=2026-04-30", api.base))).send().await.unwrap();
    assert_eq!(payroll.headers()["content-type"], "text/csv; charset=utf-8");
    assert_eq!(payroll.text().await.unwrap().lines().count(), 2);

    // The quarterly statutory return: one row per person per service event, as JSON and CSV.
    let (status, ret) = api.get(&format!("/api/v1/councils/{cid}/returns/cld?quarter=2026-04-01")).await;
    assert_eq!(status, StatusCode::OK, "{ret}");
    assert_eq!((ret["rows"].as_array().unwrap().len(), ret["people"].as_i64()), (2, Some(2)));
    let csv = api.authorised(api.http.get(format!("{}/api/v1/councils/{cid}/returns/cld?quarter=2026-04-01&format=csv", api.base))).send().await.unwrap();
    assert_eq!(csv.headers()["content-type"], "text/csv; charset=utf-8");
    let text = csv.text().await.unwrap();
    assert!(text.starts_with("LA Person Unique Identifier,Reporting Period Start Date,") && text.lines().count() == 3, "{text}");
    assert_refused(&api.get(&format!("/api/v1/councils/{cid}/returns/cld?quarter=2026-05-01")).await, StatusCode::UNPROCESSABLE_ENTITY, "quarter");

    // Every route is in the OpenAPI document.
    let (_, doc) = api.get("/api/openapi.json").await;
    for path in ["/api/v1/councils/{council_id}/payment-runs", "/api/v1/councils/{council_id}/claims/csv", "/api/v1/councils/{council_id}/ras/uprate"] {
        assert!(doc["paths"].get(path).is_some(), "{path} is missing from the OpenAPI document");
    }
}

#[tokio::test]
async fn money_through_http_on_sqlite() {
    let (store, _dir) = sqlite_store().await;
    money_work(store).await;
}

#[tokio::test]
async fn money_through_http_on_postgres() {
    if let Some((store, _db)) = postgres_store("money_through_http_on_postgres").await {
        money_work(store.clone()).await;
        store.close().await;
    }
}
