//! What probing the service found (issue 18), each held by a test on SQLite and PostgreSQL:
//! an open redirect after signing in, formulas in CSV exports, receipts above axum's
//! default body limit silently dropped, and dates far outside any budget accepted.

mod common;

use common::{assert_refused, csrf_in, Api};
use reqwest::StatusCode;
use selfdirect_store::testing::{open_test_account, postgres_store, sqlite_store, weekly_line};
use selfdirect_store::{NewUser, PersonalAssistantInput, Store, TimesheetInput};

/// Signing in with `next` set: where the service sends the browser.
async fn redirect_after_sign_in(api: &Api, email: &str, next: &str) -> String {
    let resp = api.http.get(format!("{}/sign-in", api.base)).send().await.unwrap();
    let cookie = resp.headers().get_all("set-cookie").iter().filter_map(|v| v.to_str().ok()).find(|v| v.starts_with("sd_sign_in=")).unwrap();
    let cookie = cookie.split(';').next().unwrap().to_string();
    let token = csrf_in(&resp.text().await.unwrap()).unwrap();
    let resp = api
        .http
        .post(format!("{}/sign-in", api.base))
        .header("cookie", cookie)
        .form(&[("csrf_token", token.as_str()), ("email", email), ("password", "a long enough password"), ("next", next)])
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), StatusCode::SEE_OTHER, "{next:?}");
    resp.headers()["location"].to_str().unwrap().to_string()
}

async fn findings(store: Store) {
    let cid = store.create_council("PRB", "Probe Council").await.unwrap().id;
    let dp = open_test_account(
        &store,
        cid,
        "=HYPERLINK(\"http://evil.example\")",
        vec![weekly_line("PA hours", "@SUM(A1)", "personal_assistant", "200")],
        "direct_payment",
    )
    .await;
    let person = store.account(dp).await.unwrap().person_id.to_string();
    let holder = NewUser {
        email: "dee@probe.example",
        display_name: "Dee",
        role: "budget_holder",
        person_id: Some(&person),
        provider_name: None,
        password: "a long enough password",
    };
    store.create_user(cid, &holder).await.unwrap();
    let api = Api::start(store.clone()).await;

    // 3. No open redirect: a tab, a backslash or a second slash sends the user home.
    for next in ["/\t/evil.example/", "/\\evil.example", "//evil.example", "/ok\u{7}"] {
        assert_eq!(redirect_after_sign_in(&api, "dee@probe.example", next).await, "/my-budget", "{next:?}");
    }
    assert_eq!(redirect_after_sign_in(&api, "dee@probe.example", "/people/x?y=1").await, "/people/x?y=1");

    // 4. Formulas in names and providers are written as text in every CSV export.
    let pa = PersonalAssistantInput {
        name: "=cmd|' /C calc'!A0".into(),
        hourly_rate: "13.00".into(),
        contracted_hours: "10".into(),
        start_date: "2026-04-06".into(),
    };
    let pa = store.register_personal_assistant(dp, &pa).await.unwrap();
    let week = TimesheetInput { week_start: "2026-04-06".into(), hours_worked: "10".into(), holiday_hours: "".into() };
    store.record_timesheet(pa.id, &week).await.unwrap();
    let payroll = store.payroll_csv(cid, "2026-04-06", "2026-04-12").await.unwrap();
    assert!(payroll.contains("\"'=HYPERLINK(\"\"http://evil.example\"\") Payee\"") || payroll.contains("'=HYPERLINK"), "{payroll}");
    assert!(payroll.contains("'=cmd|"), "{payroll}");
    assert!(!payroll.lines().skip(1).any(|l| l.starts_with('=') || l.contains(",=") || l.contains(",\"=")), "{payroll}");

    // 7. A receipt of 3 MB (above axum's 2 MB default) is kept with the spending; one above
    // the limit fails the whole form, saying why, and records nothing.
    api.sign_in("dee@probe.example", "a long enough password").await;
    let line = store.plan(store.account(dp).await.unwrap().plan_id).await.unwrap().lines[0].id;
    selfdirect_store::testing::pay_budget_holder(&store, dp, "500.00", "2026-04-02").await;
    let line = line.to_string();
    let fields = [("plan_line_id", line.as_str()), ("amount", "50.00"), ("spent_on", "2026-04-10"), ("description", "Wages"), ("purpose", "care_and_support")];
    let mut pdf = b"%PDF-1.4 receipt ".to_vec();
    pdf.resize(3 << 20, b'x');
    let (status, body) = api.upload_bytes(&format!("/accounts/{dp}/spending"), "receipt", ("receipt.pdf", "application/pdf"), pdf, &fields).await;
    assert!(status == StatusCode::SEE_OTHER || status == StatusCode::OK, "{status}: {body}");
    assert_eq!(store.receipt_count(dp).await.unwrap(), 1);
    let spent_before = store.account_view(dp).await.unwrap().spent;
    let mut huge = b"%PDF-1.4 ".to_vec();
    huge.resize(12 << 20, b'x');
    let (status, body) = api.upload_bytes(&format!("/accounts/{dp}/spending"), "receipt", ("big.pdf", "application/pdf"), huge, &fields).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
    assert!(body.contains("receipt could not be read: choose a photo or PDF of at most 10 MB"), "{body}");
    assert_eq!((store.receipt_count(dp).await.unwrap(), store.account_view(dp).await.unwrap().spent), (1, spent_before), "nothing recorded");

    // 10. Security headers: no framing, no sniffing, only this site's scripts, and
    // personal pages not cached; the static assets keep their own caching.
    let page = api.http.get(format!("{}/sign-in", api.base)).send().await.unwrap();
    let h = page.headers();
    assert!(h["content-security-policy"].to_str().unwrap().contains("frame-ancestors 'none'"));
    assert!(h["content-security-policy"].to_str().unwrap().contains("script-src 'self' 'sha256-"));
    assert_eq!((h["x-content-type-options"].to_str().unwrap(), h["cache-control"].to_str().unwrap()), ("nosniff", "no-store"));
    let css = api.http.get(format!("{}/assets/selfdirect.css", api.base)).send().await.unwrap();
    assert_ne!(css.headers()["cache-control"], "no-store");

    // 6. Repeated uprating stops, naming the field, before any amount overflows.
    api.act_as(&cid.to_string(), "team_manager", None, None).await;
    let mut raised = 0;
    let refusal = loop {
        let answer = api.post(&format!("/api/v1/councils/{cid}/ras/uprate"), serde_json::json!({"percent": "50"})).await;
        if answer.0 != StatusCode::CREATED && answer.0 != StatusCode::OK {
            break answer;
        }
        raised += 1;
        assert!(raised < 60, "uprating never stopped");
    };
    assert_refused(&refusal, StatusCode::UNPROCESSABLE_ENTITY, "percent");
    assert!(refusal.1.to_string().contains("the most it may be"), "{}", refusal.1);
    let (status, _) = api.get(&format!("/api/v1/councils/{cid}/questionnaire")).await;
    assert_eq!(status, StatusCode::OK, "the rules in force still open after {raised} uprates");

    // 10. A council's administrator runs their council, not the service: setting up a new
    // council is refused, in the API and the pages; the service operator does it in a page.
    api.act_as(&cid.to_string(), "administrator", None, None).await;
    let (status, _) = api.post("/api/v1/councils", serde_json::json!({"code": "ROGUE", "name": "Rogue Council"})).await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    api.sign_in_as(&cid.to_string(), "administrator", None).await;
    assert_eq!(api.page("/service/councils").await.0, StatusCode::FORBIDDEN);
    assert_eq!(api.form("/service/councils", &[("code", "ROGUE"), ("name", "Rogue Council")]).await.0, StatusCode::FORBIDDEN);
    assert!(!store.councils().await.unwrap().iter().any(|c| c.code == "ROGUE"));
    api.sign_in_as(&cid.to_string(), "service_operator", None).await;
    let (status, body, to) = api.form("/service/councils", &[("code", "new-1"), ("name", "New Borough Council")]).await;
    assert_eq!((status, to.as_deref()), (StatusCode::SEE_OTHER, Some("/service/councils?created=NEW-1")), "{body}");
    for (code, name, field) in [("NEW-2", "", "name"), ("NEW-1", "Again", "code")] {
        let (status, body, _) = api.form("/service/councils", &[("code", code), ("name", name)]).await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
        assert!(body.contains(&format!("href=\"#{field}\"")) && body.contains(&format!("value=\"{code}\"")), "{body}");
    }

    // 6. Dates far outside any budget are refused at the edge, naming the field.
    api.act_as(&cid.to_string(), "finance_officer", None, None).await;
    for period in ["9999-12-31", "0000-01-01", "+2026-01-01", "-9999-01-01"] {
        assert_refused(
            &api.get(&format!("/api/v1/councils/{cid}/payment-runs/preview?period_start={}", period.replace('+', "%2B"))).await,
            StatusCode::UNPROCESSABLE_ENTITY,
            "period_start",
        );
    }

    // 8. A spending write answers with what it wrote, not the account's history, and the
    // history comes a page at a time, newest first, each entry once.
    api.act_as(&cid.to_string(), "budget_holder", Some(&person), None).await;
    let spend = serde_json::json!({"plan_line_id": line, "amount": "1.25", "spent_on": "2026-04-11", "description": "Bus fare"});
    let (status, written) = api.post(&format!("/api/v1/accounts/{dp}/spending"), spend).await;
    assert_eq!(status, StatusCode::CREATED, "{written}");
    assert!(written.get("entries").is_none() && written.get("statements").is_none(), "{written}");
    assert_eq!((written["entry"]["description"].as_str(), written["entry"]["kind"].as_str()), (Some("Bus fare"), Some("spending")), "{written}");
    assert_eq!(written["spent"], serde_json::json!(store.account_view(dp).await.unwrap().spent));
    let all: Vec<String> = store.account_view(dp).await.unwrap().entries.iter().rev().map(|e| e.id.to_string()).collect();
    let (mut paged, mut before) = (Vec::new(), None::<String>);
    loop {
        let cursor = before.as_ref().map(|b| format!("&before={b}")).unwrap_or_default();
        let (status, page) = api.get(&format!("/api/v1/accounts/{dp}/entries?limit=2{cursor}")).await;
        assert_eq!(status, StatusCode::OK, "{page}");
        paged.extend(page["entries"].as_array().unwrap().iter().map(|e| e["id"].as_str().unwrap().to_string()));
        match page["next_before"].as_str() {
            Some(next) => before = Some(next.to_string()),
            None => break,
        }
    }
    assert!(all.len() >= 4, "{all:?}");
    // Newest first: the same order as the whole ledger reversed (date, then id).
    assert_eq!(paged, all);
    assert_refused(&api.get(&format!("/api/v1/accounts/{dp}/entries?limit=0")).await, StatusCode::UNPROCESSABLE_ENTITY, "limit");
    assert_refused(&api.get(&format!("/api/v1/accounts/{dp}/entries?before={}", uuid::Uuid::now_v7())).await, StatusCode::UNPROCESSABLE_ENTITY, "before");

    // 9. Bodies the document does not allow get the JSON error body it documents: a JSON
    // array where an object belongs (it used to fill the fields in order), no content type,
    // and a body above the limit.
    api.act_as(&cid.to_string(), "team_manager", None, None).await;
    let (status, body) = api.put(&format!("/api/v1/people/{person}/case-allocation"), serde_json::json!([null, null])).await;
    assert_eq!((status, body["error"].as_str()), (StatusCode::UNPROCESSABLE_ENTITY, Some("invalid")), "{body}");
    let plain = api.authorised(api.http.put(format!("{}/api/v1/people/{person}/case-allocation", api.base))).body("{}").send().await.unwrap();
    assert_eq!(plain.status(), StatusCode::UNSUPPORTED_MEDIA_TYPE);
    assert_eq!(plain.json::<serde_json::Value>().await.unwrap()["error"], "unsupported_media_type");
    api.act_as(&cid.to_string(), "provider", None, Some("@SUM(A1)")).await;
    let huge = "x".repeat(3 << 20);
    let too_large = api.authorised(api.http.post(format!("{}/api/v1/councils/{cid}/claims/csv", api.base))).body(huge).send().await.unwrap();
    assert_eq!(too_large.status(), StatusCode::PAYLOAD_TOO_LARGE);
    assert_eq!(too_large.json::<serde_json::Value>().await.unwrap()["error"], "too_large");

    // 2. One address guessing at many accounts waits too, however many emails it names
    // (last here: it leaves this test's address waiting).
    let guess = |email: String| {
        let http = api.http.clone();
        let url = format!("{}/api/v1/sessions", api.base);
        async move { http.post(url).json(&serde_json::json!({"email": email, "password": "a wrong guess"})).send().await.unwrap().status() }
    };
    for i in 0..selfdirect_store::MAX_FAILED_SIGN_INS_FROM_ONE_SOURCE {
        assert_eq!(guess(format!("someone-{i}@probe.example")).await, StatusCode::UNAUTHORIZED);
    }
    assert_eq!(guess("someone-else@probe.example".into()).await, StatusCode::TOO_MANY_REQUESTS);
    let right =
        api.http.post(format!("{}/api/v1/sessions", api.base)).json(&serde_json::json!({"email": "dee@probe.example", "password": "a long enough password"}));
    assert_eq!(right.send().await.unwrap().status(), StatusCode::TOO_MANY_REQUESTS, "from the guessing address even a right password waits");
}

#[tokio::test]
async fn probe_findings_on_sqlite() {
    let (store, _dir) = sqlite_store().await;
    findings(store).await;
}

#[tokio::test]
async fn probe_findings_on_postgres() {
    if let Some((store, _db)) = postgres_store("probe_findings_on_postgres").await {
        findings(store.clone()).await;
        store.close().await;
    }
}
