//! The finance officer's and the provider's pages, signed in, on SQLite and PostgreSQL:
//! invoices sent by form and by file (and refused ones writing nothing), a payment run
//! started from the page, its bank file, and who may see what.

mod common;

use common::Api;
use reqwest::StatusCode;
use selfdirect_domain::money::payment_files::check_standard18;
use selfdirect_domain::plan::PlanLineInput;
use selfdirect_domain::Money;
use selfdirect_store::testing::{open_test_account, postgres_store, sqlite_store, weekly_line};
use selfdirect_store::{BankDetailsInput, Store};

async fn money_pages(store: Store) {
    let council = store.create_council("PGM", "Pages Money Council").await.unwrap();
    let cid = council.id;
    let other = store.create_council("OTP", "Other Council").await.unwrap().id;
    let hourly = PlanLineInput { units_per_period: "10".into(), ..weekly_line("Home care", "Harbour Care", "personal_care", "24.50") };
    let managed = open_test_account(&store, cid, "Mo", vec![hourly], "council_managed").await;
    let mo = store.account(managed).await.unwrap().person_id.to_string();
    let dp = open_test_account(&store, cid, "Dee", vec![weekly_line("PA hours", "Sam", "personal_assistant", "130")], "direct_payment").await;
    store.register_provider(cid, "Harbour Care", "30-94-57", "11112222").await.unwrap();
    let bank = |name: &str| BankDetailsInput {
        account_name: name.into(),
        sort_code: "20-00-00".into(),
        account_number: "55779911".into(),
        service_user_number: Some("123456".into()),
    };
    store.set_council_bank(cid, &bank("PAGES COUNCIL")).await.unwrap();
    store.set_bank_details(dp, &BankDetailsInput { service_user_number: None, ..bank("DEE PAYEE") }).await.unwrap();
    let api = Api::start(store.clone()).await;

    // The provider: one invoice with a mistake (nothing written), then right.
    api.sign_in_as_provider(&cid.to_string(), "provider", None, Some("Harbour Care")).await;
    let invoices = format!("/councils/{cid}/invoices");
    let (status, html) = api.page(&invoices).await;
    assert_eq!(status, StatusCode::OK, "{html}");
    let claim = |period_end: &'static str, reference: &'static str| {
        let mo = mo.clone();
        move || {
            vec![
                ("invoice_ref", reference.to_string()),
                ("person_id", mo.clone()),
                ("service_category", "personal_care".to_string()),
                ("period_start", "2026-04-06".to_string()),
                ("period_end", period_end.to_string()),
                ("units", "10".to_string()),
                ("unit_rate", "24.50".to_string()),
            ]
        }
    };
    let bad = claim("2026-02-30", "HC-1")();
    let fields: Vec<(&str, &str)> = bad.iter().map(|(k, v)| (*k, v.as_str())).collect();
    let (status, html, _) = api.form(&invoices, &fields).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(html.contains("govuk-error-summary") && html.contains("period_end") && html.contains("value=\"HC-1\""), "errors shown, typed values kept: {html}");
    assert!(store.invoices(cid, None, None, 10).await.unwrap().is_empty(), "a refused form writes nothing");
    let good = claim("2026-04-12", "HC-1")();
    let fields: Vec<(&str, &str)> = good.iter().map(|(k, v)| (*k, v.as_str())).collect();
    let (status, html, _) = api.form(&invoices, &fields).await;
    assert_eq!(status, StatusCode::OK, "{html}");
    assert!(html.contains("1 invoice lines accepted") && html.contains("£245.00"), "{html}");

    // A file with a line for another provider: nothing accepted unless partial is asked for.
    let csv = format!(
        "provider,invoice_ref,person_id,service_category,period_start,period_end,units,unit_rate\n\
         Harbour Care,HC-2,{mo},personal_care,2026-04-13,2026-04-19,10,24.50\n\
         Oak Day Centre,OAK-1,{mo},personal_care,2026-04-13,2026-04-19,1,10.00\n"
    );
    let (status, html) = api.upload(&format!("{invoices}/csv"), "file", &csv, &[]).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(html.contains("Nothing was accepted") && html.contains("Line 3") && html.contains("other_provider"), "{html}");
    assert_eq!(store.invoices(cid, None, None, 10).await.unwrap().len(), 1, "a refused file writes nothing");
    let (status, html) = api.upload(&format!("{invoices}/csv"), "file", &csv, &[("partial", "yes")]).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(html.contains("Some lines were rejected") && html.contains("1 invoice lines accepted"), "{html}");
    let (status, _) = api.upload(&format!("{invoices}/csv"), "file", "", &[]).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "an empty upload is refused");
    let (status, _) = api.page(&format!("/councils/{cid}/finance")).await;
    assert_eq!(status, StatusCode::FORBIDDEN, "providers do not see the council's finance");
    let (status, _) = api.page(&format!("/people/{mo}")).await;
    assert_eq!(status, StatusCode::FORBIDDEN, "nor people's records");

    // The finance officer: preview, run, the run's page and its bank file.
    api.sign_in_as(&cid.to_string(), "finance_officer", None).await;
    let finance = format!("/councils/{cid}/finance");
    let (status, html) = api.page(&format!("{finance}?period_start=2026-04-01")).await;
    assert_eq!(status, StatusCode::OK, "{html}");
    assert!(html.contains("£520.00"), "preview of £520 for Dee's four weeks: {html}");
    let (status, html) = api.page(&format!("{finance}?period_start=2026-04-31")).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{html}");
    let (status, html, _) = api.form(&format!("/councils/{cid}/payment-runs"), &[("period_start", "2026-04-01"), ("pay_date", "someday")]).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(html.contains("pay_date"), "{html}");
    assert!(store.payment_runs(cid, 10).await.unwrap().is_empty(), "a refused run pays nobody");
    let (earliest, saturday) = selfdirect_store::testing::pay_dates_from_today();
    let (status, html, _) = api.form(&format!("/councils/{cid}/payment-runs"), &[("period_start", "2026-04-01"), ("pay_date", &saturday)]).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(html.contains(&format!("the next working day is {earliest}")) || html.contains("the next working day is"), "{html}");
    let (status, _, location) = api.form(&format!("/councils/{cid}/payment-runs"), &[("period_start", "2026-04-01"), ("pay_date", &earliest)]).await;
    assert_eq!(status, StatusCode::SEE_OTHER);
    let location = location.unwrap();
    let (status, html) = api.page(&location).await;
    assert_eq!(status, StatusCode::OK);
    assert!(html.contains("DEE PAYEE") || html.contains("Budget holder"), "{html}");
    assert!(html.contains("Send the Bacs file by") && html.contains("the money arrives on"), "the run says when its file must be sent: {html}");
    let (status, file) = api.page(&format!("{location}/file/standard18")).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(check_standard18(&file).unwrap().total, Money::from_pounds(520));

    // The commissioner downloads the spending figures; the provider may not.
    api.sign_in_as(&cid.to_string(), "commissioner", None).await;
    let (status, csv) = api.page(&format!("/councils/{cid}/dashboard/spending.csv")).await;
    assert_eq!(status, StatusCode::OK);
    assert!(csv.starts_with("month,service_category,spent\n") && csv.contains(",personal_care,"), "{csv}");
    let (status, csv) = api.page(&format!("/councils/{cid}/dashboard/spending.csv?by=provider")).await;
    assert_eq!(status, StatusCode::OK);
    assert!(csv.starts_with("month,provider,spent\n") && csv.contains(",harbour care,"), "{csv}");
    api.sign_in_as_provider(&cid.to_string(), "provider", None, Some("Harbour Care")).await;
    assert_eq!(api.page(&format!("/councils/{cid}/dashboard/spending.csv")).await.0, StatusCode::FORBIDDEN);

    // Another council's finance officer sees none of it.
    api.sign_in_as(&other.to_string(), "finance_officer", None).await;
    assert_eq!(api.page(&finance).await.0, StatusCode::NOT_FOUND);
    assert_eq!(api.page(&location).await.0, StatusCode::NOT_FOUND);
    assert_eq!(api.page(&format!("{location}/file/standard18")).await.0, StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn money_pages_on_sqlite() {
    let (store, _dir) = sqlite_store().await;
    money_pages(store).await;
}

#[tokio::test]
async fn money_pages_on_postgres() {
    if let Some((store, _db)) = postgres_store("money_pages_on_postgres").await {
        money_pages(store.clone()).await;
        store.close().await;
    }
}
