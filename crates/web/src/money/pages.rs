//! Money pages for staff and providers: the finance officer's payment runs, rejected
//! invoices and direct-payment audit; the provider's invoices, one by one or as a CSV file.

use crate::auth::{Nav, SignedIn};
use crate::forms::{FormState, SummaryError};
use crate::pages::{render, PageError, PageResult};
use crate::AppState;
use askama::Template;
use axum::extract::{Multipart, Path, Query, State};
use axum::http::{header, StatusCode};
use axum::response::{IntoResponse, Redirect};
use axum::routing::{get, post};
use axum::{Form, Router};
use selfdirect_domain::calendar::WorkingDays;
use selfdirect_domain::dates::iso;
use selfdirect_domain::ids::{AccountId, CouncilId, PaymentRunId};
use selfdirect_domain::money::audit::AuditRules;
use selfdirect_domain::money::claims::{ClaimInput, LineProblem};
use selfdirect_domain::money::payment_files::{pay_dates, BankFileFormat};
use selfdirect_domain::plan::ServiceCategory;
use selfdirect_domain::Problems;
use selfdirect_store::{BankDetailChange, ClaimsReport, Council, InvoiceRecord, PaymentRunPreview, PaymentRunReport, RunItem, RunOptions, StoreError};
use std::collections::HashMap;

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/councils/{council_id}/finance", get(finance))
        .route("/councils/{council_id}/payment-runs", post(run_payments))
        .route("/payment-runs/{run_id}", get(run_page))
        .route("/payment-runs/{run_id}/file/{format}", get(run_file))
        .route("/councils/{council_id}/invoices", get(invoices).post(submit_invoice))
        .route("/councils/{council_id}/invoices/csv", post(submit_invoice_csv))
        .route("/accounts/{account_id}/bank-details/{change_id}/confirm", post(confirm_bank_details))
        .route("/accounts/{account_id}/recovery-notices/{notice_id}/recover", post(recover_after_notice))
}

/// The first day a Bacs file sent today can pay on, offered on the run form.
fn earliest_pay_date() -> String {
    pay_dates::earliest_pay_date(WorkingDays::england_and_wales(), today()).map(iso).unwrap_or_default()
}

fn today() -> time::Date {
    time::OffsetDateTime::now_utc().date()
}

/// A bank details change waiting for a second person, as the finance page lists it.
struct BankChangeRow {
    person_id: String,
    person_name: String,
    /// Entered by the signed-in officer, who may not confirm it.
    mine: bool,
    change: BankDetailChange,
}

struct AuditRow {
    person_id: String,
    person_name: String,
    flags: Vec<String>,
}

#[derive(Template)]
#[template(path = "finance.html")]
struct FinancePage {
    nav: Option<Nav>,
    council: Council,
    period_start: String,
    pay_date: String,
    preview: Option<PaymentRunPreview>,
    runs: Vec<PaymentRunReport>,
    rejected: Vec<InvoiceRecord>,
    audit: Vec<AuditRow>,
    bank_changes: Vec<BankChangeRow>,
    recoveries: Vec<selfdirect_store::WaitingNotice>,
    today: String,
    notice: Option<String>,
    errors: Vec<SummaryError>,
}

#[derive(serde::Deserialize)]
struct FinanceQuery {
    period_start: Option<String>,
    confirmed: Option<String>,
    recovered: Option<String>,
}

async fn finance_page(s: &AppState, me: &SignedIn, council_id: &str, period_start: String, pay_date: String) -> Result<FinancePage, PageError> {
    let council = s.store.council(council_id.parse()?).await?;
    let cid = council.id.to_string();
    let findings = s.store.direct_payment_audit(cid.parse()?, &iso(today()), AuditRules::default()).await?;
    Ok(FinancePage {
        nav: me.nav(),
        preview: None,
        runs: s.store.payment_runs(cid.parse()?, 12).await?,
        rejected: s.store.invoices(cid.parse()?, None, Some("rejected"), 50).await?,
        audit: findings
            .into_iter()
            .map(|f| AuditRow {
                person_id: f.person_id.to_string(),
                person_name: f.person_name,
                flags: f.flags.iter().map(|x| x.message().to_string()).collect(),
            })
            .collect(),
        bank_changes: s
            .store
            .pending_bank_detail_changes(cid.parse()?)
            .await?
            .into_iter()
            .map(|p| BankChangeRow {
                person_id: p.person_id.to_string(),
                person_name: p.person_name,
                mine: p.entered_by_user_id == Some(me.0.user.id),
                change: p.change,
            })
            .collect(),
        recoveries: s.store.waiting_recovery_notices(cid.parse()?).await?,
        today: iso(today()),
        notice: None,
        errors: Vec::new(),
        council,
        period_start,
        pay_date,
    })
}

/// The person a link names, for a notice: named from the record, not from the link, and
/// only if they are this council's.
async fn council_person(s: &AppState, council: &Council, person: Option<&str>) -> Result<Option<selfdirect_store::Person>, PageError> {
    let Some(person) = person else { return Ok(None) };
    Ok(s.store.person(person.parse()?).await.ok().filter(|p| p.council_id == council.id))
}

async fn finance(State(s): State<AppState>, me: SignedIn, Path(council_id): Path<CouncilId>, Query(q): Query<FinanceQuery>) -> PageResult {
    let period_start = q.period_start.clone().unwrap_or_else(|| iso(today()));
    let mut page = finance_page(&s, &me, &council_id.to_string(), period_start.clone(), earliest_pay_date()).await?;
    if let Some(p) = council_person(&s, &page.council, q.confirmed.as_deref()).await? {
        page.notice = Some(format!("The new bank details for {} are confirmed: payments now go to them", p.full_name()));
    }
    if let Some(p) = council_person(&s, &page.council, q.recovered.as_deref()).await? {
        page.notice = Some(format!("The unspent direct payment of {} is recovered", p.full_name()));
    }
    match s.store.preview_payment_run(council_id, &period_start).await {
        Ok(preview) => page.preview = Some(preview),
        Err(StoreError::Invalid(p)) => {
            page.errors = p.into_vec().into_iter().map(|e| SummaryError { href: "#period_start".into(), message: e.to_string() }).collect()
        }
        Err(e) => return Err(e.into()),
    }
    let status = if page.errors.is_empty() { StatusCode::OK } else { StatusCode::UNPROCESSABLE_ENTITY };
    Ok(render(status, &page))
}

async fn confirm_bank_details(
    State(s): State<AppState>,
    me: SignedIn,
    Path((account_id, change_id)): Path<(String, String)>,
    Form(form): Form<HashMap<String, String>>,
) -> PageResult {
    me.check_csrf(&form)?;
    s.store.confirm_bank_details(account_id.parse()?, change_id.parse()?, &me.0.user).await?;
    let account = s.store.account(account_id.parse()?).await?;
    let person = s.store.person(account.person_id).await?;
    Ok(Redirect::to(&format!("/councils/{}/finance?confirmed={}", person.council_id, person.id)).into_response())
}

/// Recovers a notice's money, today: after its reply date, or sooner with the person's
/// agreement (the box); refused with the reason on the finance page otherwise.
async fn recover_after_notice(
    State(s): State<AppState>,
    me: SignedIn,
    Path((account_id, notice_id)): Path<(AccountId, uuid::Uuid)>,
    Form(form): Form<HashMap<String, String>>,
) -> PageResult {
    me.check_csrf(&form)?;
    let account = s.store.account(account_id).await?;
    let person = s.store.person(account.person_id).await?;
    let input = selfdirect_store::NoticeRecoveryInput { recovered_on: iso(today()), agreed: form.get("agreed").is_some_and(|v| v == "yes") };
    match s.store.recover_after_notice(account_id, notice_id, &input, &me.0.user.display_name).await {
        Ok(_) => Ok(Redirect::to(&format!("/councils/{}/finance?recovered={}", person.council_id, person.id)).into_response()),
        Err(StoreError::Invalid(p)) => {
            let mut page = finance_page(&s, &me, &person.council_id.to_string(), iso(today()), earliest_pay_date()).await?;
            page.errors = p
                .into_vec()
                .into_iter()
                .map(|e| SummaryError { href: format!("#agreed-{notice_id}"), message: format!("{}: {}", person.full_name(), e.problem) })
                .collect();
            Ok(render(StatusCode::UNPROCESSABLE_ENTITY, &page))
        }
        Err(e) => Err(e.into()),
    }
}

async fn run_payments(State(s): State<AppState>, me: SignedIn, Path(council_id): Path<CouncilId>, Form(form): Form<HashMap<String, String>>) -> PageResult {
    me.check_csrf(&form)?;
    let field = |name: &str| form.get(name).cloned().unwrap_or_default();
    let pay_date = field("pay_date");
    let asked = (!pay_date.trim().is_empty()).then_some(pay_date.as_str());
    match s.store.payment_run(council_id, &field("period_start"), asked, RunOptions::default()).await {
        Ok(report) => Ok(Redirect::to(&format!("/payment-runs/{}", report.run_id)).into_response()),
        Err(StoreError::Invalid(p)) => {
            let mut page = finance_page(&s, &me, &council_id.to_string(), field("period_start"), field("pay_date")).await?;
            page.errors = p.into_vec().into_iter().map(|e| SummaryError { href: format!("#{}", e.field), message: e.to_string() }).collect();
            Ok(render(StatusCode::UNPROCESSABLE_ENTITY, &page))
        }
        Err(e) => Err(e.into()),
    }
}

#[derive(Template)]
#[template(path = "payment_run.html")]
struct RunPage {
    nav: Option<Nav>,
    council_id: String,
    run: PaymentRunReport,
    items: Vec<RunItem>,
    formats: Vec<Choice>,
    /// When the Bacs file must be sent for the pay date, or why it no longer can be.
    deadline: String,
}

async fn run_page(State(s): State<AppState>, me: SignedIn, Path(run_id): Path<PaymentRunId>) -> PageResult {
    let council_id = s.store.payment_run_council(run_id).await?;
    let items = s.store.payment_run_items(run_id).await?;
    let run = s.store.payment_run_by_id(run_id).await?;
    let formats = BankFileFormat::ALL.iter().map(|f| Choice { code: f.code(), label: f.label() }).collect();
    let deadline = match pay_dates::bacs_cycle(WorkingDays::england_and_wales(), run.pay_date, today()) {
        Ok(c) => format!(
            "Send the Bacs file by {}: Bacs processes it on {} and the money arrives on {}.",
            selfdirect_domain::dates::long(c.input_day),
            selfdirect_domain::dates::long(c.processing_day),
            selfdirect_domain::dates::long(c.pay_day)
        ),
        Err(why) => format!("A Bacs file sent today can no longer meet this run's pay date: {why}."),
    };
    Ok(render(StatusCode::OK, &RunPage { nav: me.nav(), council_id: council_id.to_string(), run, items, formats, deadline }))
}

async fn run_file(State(s): State<AppState>, _me: SignedIn, Path((run_id, format)): Path<(String, String)>) -> PageResult {
    let mut problems = Problems::new();
    let Some(format) = BankFileFormat::parse(&mut problems, "format", &format) else {
        return Err(StoreError::Invalid(problems).into());
    };
    let file = s.store.payment_file(run_id.parse()?, format).await?;
    let (content_type, extension) = format.media();
    let disposition = format!("attachment; filename=\"payment-run-{run_id}-{}.{extension}\"", format.code());
    Ok(([(header::CONTENT_TYPE, content_type.to_string()), (header::CONTENT_DISPOSITION, disposition)], file).into_response())
}

struct Choice {
    code: &'static str,
    label: &'static str,
}

#[derive(Template)]
#[template(path = "invoices.html")]
struct InvoicesPage {
    nav: Option<Nav>,
    provider: String,
    council_id: String,
    invoices: Vec<InvoiceRecord>,
    categories: Vec<Choice>,
    form: FormState,
    report: Option<ClaimsReport>,
    line_problems: Vec<LineProblem>,
}

const INVOICE_FIELDS: [(&str, &str, &str); 6] = [
    ("invoice_ref", "Your invoice number", ""),
    ("person_id", "Person's reference (from the support plan)", ""),
    ("period_start", "First day of the period", "For example, 2026-04-06"),
    ("period_end", "Last day of the period", "For example, 2026-04-12"),
    ("units", "Units delivered (for example, hours)", ""),
    ("unit_rate", "Rate per unit, in pounds", "No more than the rate agreed in the plan"),
];

async fn invoices_page(s: &AppState, me: &SignedIn, council_id: &str) -> Result<InvoicesPage, PageError> {
    let council = s.store.council(council_id.parse()?).await?;
    let provider = me.0.user.provider_name.clone().unwrap_or_default();
    Ok(InvoicesPage {
        nav: me.nav(),
        invoices: s.store.invoices(council.id, Some(&provider), None, 200).await?,
        provider,
        council_id: council.id.to_string(),
        categories: ServiceCategory::ALL.iter().map(|c| Choice { code: c.code(), label: c.label() }).collect(),
        form: FormState::default(),
        report: None,
        line_problems: Vec::new(),
    })
}

async fn invoices(State(s): State<AppState>, me: SignedIn, Path(council_id): Path<CouncilId>) -> PageResult {
    Ok(render(StatusCode::OK, &invoices_page(&s, &me, &council_id.to_string()).await?))
}

/// After a batch: the page again, with what was accepted and each line's problem.
async fn after_claims(s: &AppState, me: &SignedIn, council_id: &str, report: ClaimsReport) -> PageResult {
    let mut page = invoices_page(s, me, council_id).await?;
    let status = if report.rejected.is_empty() { StatusCode::OK } else { StatusCode::UNPROCESSABLE_ENTITY };
    page.line_problems = report.rejected.clone();
    page.report = Some(report);
    Ok(render(status, &page))
}

async fn submit_invoice(State(s): State<AppState>, me: SignedIn, Path(council_id): Path<CouncilId>, Form(form): Form<HashMap<String, String>>) -> PageResult {
    let mut page = invoices_page(&s, &me, &council_id.to_string()).await?;
    me.check_csrf(&form)?;
    let field = |name: &str| form.get(name).cloned().unwrap_or_default();
    let input = ClaimInput {
        provider: page.provider.clone(),
        invoice_ref: field("invoice_ref"),
        person_id: field("person_id"),
        service_category: field("service_category"),
        period_start: field("period_start"),
        period_end: field("period_end"),
        units: field("units"),
        unit_rate: field("unit_rate"),
    };
    match s.store.submit_claim(council_id, &input).await {
        Ok(report) => after_claims(&s, &me, &council_id.to_string(), report).await,
        Err(StoreError::Invalid(p)) => {
            page.form = FormState::refused(form, p);
            Ok(render(StatusCode::UNPROCESSABLE_ENTITY, &page))
        }
        Err(e) => Err(e.into()),
    }
}

async fn submit_invoice_csv(State(s): State<AppState>, me: SignedIn, Path(council_id): Path<CouncilId>, mut multipart: Multipart) -> PageResult {
    let page = invoices_page(&s, &me, &council_id.to_string()).await?;
    let (mut csrf, mut csv, mut partial) = (String::new(), None, false);
    while let Ok(Some(field)) = multipart.next_field().await {
        match field.name().unwrap_or("") {
            "csrf_token" => csrf = field.text().await.unwrap_or_default(),
            "partial" => partial = true,
            "file" => csv = field.bytes().await.ok(),
            _ => {}
        }
    }
    me.check_csrf(&HashMap::from([("csrf_token".to_string(), csrf)]))?;
    let text = match csv.as_deref().filter(|b| !b.is_empty()).map(std::str::from_utf8) {
        Some(Ok(text)) => text.to_string(),
        Some(Err(_)) => return Ok(csv_refused(page, "The file must be a CSV file saved as UTF-8 text")),
        None => return Ok(csv_refused(page, "Choose a CSV file of invoices")),
    };
    // Every line must be from this provider: the file cannot speak for anyone else.
    let mine = page.provider.clone();
    match s.store.submit_provider_claims_csv(council_id, &mine, &text, partial).await {
        Ok(report) => after_claims(&s, &me, &council_id.to_string(), report).await,
        Err(StoreError::Invalid(p)) => {
            // Problems with the file as a whole (its header) belong to the file field.
            let message = p.into_vec().iter().map(|e| e.to_string()).collect::<Vec<_>>().join("; ");
            Ok(csv_refused(page, &message))
        }
        Err(e) => Err(e.into()),
    }
}

fn csv_refused(mut page: InvoicesPage, message: &str) -> axum::response::Response {
    page.form.add("file", message.to_string());
    render(StatusCode::UNPROCESSABLE_ENTITY, &page)
}
