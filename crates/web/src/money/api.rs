//! The JSON API for step 5's council-wide money work: payment runs and their bank files,
//! bank details, financial assessments, providers, suspensions and provider claims.

use crate::api::{ApiJson, ApiQuery};
use crate::error::{ApiError, ErrorBody};
use crate::gate::ApiUser;
use crate::AppState;
use axum::extract::{Path, State};
use axum::http::{header, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::{Extension, Json};
use selfdirect_domain::ids::{AccountId, AssistantId, CouncilId, PaymentRunId};
use selfdirect_domain::money::audit::AuditRules;
use selfdirect_domain::money::claims::ClaimInput;
use selfdirect_domain::money::contributions::Contribution;
use selfdirect_domain::money::payment_files::BankFileFormat;
use selfdirect_domain::money::payroll::PayLine;
use selfdirect_store::{
    AccountView, AuditFinding, BankDetailChange, BankDetailsInput, ClaimsReport, FinancialAssessmentInput, InvoiceRecord, PaymentRunPreview, PaymentRunReport,
    PersonalAssistant, PersonalAssistantInput, RecoveryInput, RunItem, RunOptions, TimesheetInput,
};
use serde::Deserialize;
use utoipa::{IntoParams, ToSchema};
use utoipa_axum::{router::OpenApiRouter, routes};

pub fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(preview_run))
        .routes(routes!(run_payments))
        .routes(routes!(run_items))
        .routes(routes!(run_file))
        .routes(routes!(set_council_bank))
        .routes(routes!(register_provider))
        .routes(routes!(propose_bank_details, bank_detail_changes))
        .routes(routes!(confirm_bank_details))
        .routes(routes!(financial_assessment))
        .routes(routes!(suspend))
        .routes(routes!(submit_claim))
        .routes(routes!(submit_claims_csv))
        .routes(routes!(list_invoices))
        .routes(routes!(direct_payment_audit))
        .routes(routes!(recover))
        .routes(routes!(register_personal_assistant))
        .routes(routes!(record_timesheet))
        .routes(routes!(payroll_csv))
        .routes(routes!(statutory_return))
}

type ApiResult<T> = Result<T, ApiError>;

#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct PeriodQuery {
    /// First day of the four-week period, `YYYY-MM-DD`.
    period_start: String,
}

#[derive(Deserialize, ToSchema)]
pub struct RunRequest {
    /// First day of the four-week period, `YYYY-MM-DD`.
    period_start: String,
    /// When the money reaches bank accounts, `YYYY-MM-DD`: a working day in England and
    /// Wales that a Bacs file sent today can meet (three working days). Left out, the
    /// earliest such day.
    #[serde(default)]
    pay_date: Option<String>,
}

#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct FileQuery {
    #[param(inline)]
    format: BankFileFormat,
}

#[derive(Deserialize, ToSchema)]
pub struct ProviderRegistration {
    name: String,
    sort_code: String,
    account_number: String,
}

#[derive(Deserialize, ToSchema)]
pub struct Suspension {
    /// `YYYY-MM-DD` from which nothing is paid; leave out (with no reason) to start payments again.
    #[serde(default)]
    suspended_from: Option<String>,
    #[serde(default)]
    reason: Option<String>,
    /// When starting payments again: the first day paid again (default today); the days
    /// from the suspension to the day before stay unpaid.
    #[serde(default)]
    resumed_on: Option<String>,
}

#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct PartialQuery {
    /// Post the lines that pass even if others are rejected (default: all or nothing).
    #[serde(default)]
    partial: bool,
}

#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct InvoiceQuery {
    /// Only this provider's invoices.
    #[serde(default)]
    provider: Option<String>,
    /// `accepted` or `rejected`.
    #[serde(default)]
    status: Option<String>,
}

#[utoipa::path(get, path = "/api/v1/councils/{council_id}/payment-runs/preview", tag = "money", params(PeriodQuery),
    responses((status = 200, description = "What the run would pay, and who cannot be paid", body = PaymentRunPreview), (status = 422, body = ErrorBody)))]
async fn preview_run(State(s): State<AppState>, Path(council_id): Path<CouncilId>, ApiQuery(q): ApiQuery<PeriodQuery>) -> ApiResult<Json<PaymentRunPreview>> {
    Ok(Json(s.store.preview_payment_run(council_id, &q.period_start).await?))
}

#[utoipa::path(post, path = "/api/v1/councils/{council_id}/payment-runs", tag = "money", request_body = RunRequest,
    responses((status = 200, description = "The run, completed; running the same period again pays nobody twice", body = PaymentRunReport), (status = 422, body = ErrorBody)))]
async fn run_payments(State(s): State<AppState>, Path(council_id): Path<CouncilId>, ApiJson(b): ApiJson<RunRequest>) -> ApiResult<Json<PaymentRunReport>> {
    Ok(Json(s.store.payment_run(council_id, &b.period_start, b.pay_date.as_deref(), RunOptions::default()).await?))
}

#[utoipa::path(get, path = "/api/v1/payment-runs/{run_id}/items", tag = "money", responses((status = 200, body = Vec<RunItem>), (status = 404, body = ErrorBody)))]
async fn run_items(State(s): State<AppState>, Path(run_id): Path<PaymentRunId>) -> ApiResult<Json<Vec<RunItem>>> {
    Ok(Json(s.store.payment_run_items(run_id).await?))
}

#[utoipa::path(get, path = "/api/v1/payment-runs/{run_id}/file", tag = "money", params(FileQuery),
    responses((status = 200, description = "The bank file: Standard 18 as text, pain.001 as XML", content((String = "text/plain"), (String = "application/xml"))), (status = 409, description = "The run has not finished", body = ErrorBody), (status = 422, body = ErrorBody)))]
async fn run_file(State(s): State<AppState>, Path(run_id): Path<PaymentRunId>, ApiQuery(q): ApiQuery<FileQuery>) -> ApiResult<Response> {
    let file = s.store.payment_file(run_id, q.format).await?;
    let (content_type, extension) = q.format.media();
    let disposition = format!("attachment; filename=\"payment-run-{run_id}-{}.{extension}\"", q.format.code());
    Ok(([(header::CONTENT_TYPE, content_type.to_string()), (header::CONTENT_DISPOSITION, disposition)], file).into_response())
}

#[utoipa::path(put, path = "/api/v1/councils/{council_id}/bank-details", tag = "money", request_body = BankDetailsInput,
    responses((status = 204, description = "Saved: payment files are paid from this account"), (status = 422, body = ErrorBody)))]
async fn set_council_bank(State(s): State<AppState>, Path(council_id): Path<CouncilId>, ApiJson(b): ApiJson<BankDetailsInput>) -> ApiResult<StatusCode> {
    s.store.set_council_bank(council_id, &b).await?;
    Ok(StatusCode::NO_CONTENT)
}

#[utoipa::path(post, path = "/api/v1/councils/{council_id}/providers", tag = "money", request_body = ProviderRegistration,
    responses((status = 204, description = "Registered (or its bank details updated)"), (status = 422, body = ErrorBody)))]
async fn register_provider(State(s): State<AppState>, Path(council_id): Path<CouncilId>, ApiJson(b): ApiJson<ProviderRegistration>) -> ApiResult<StatusCode> {
    s.store.register_provider(council_id, &b.name, &b.sort_code, &b.account_number).await?;
    Ok(StatusCode::NO_CONTENT)
}

#[utoipa::path(put, path = "/api/v1/accounts/{account_id}/bank-details", tag = "money", request_body = BankDetailsInput,
    responses((status = 202, description = "Entered: paid once another finance officer confirms it", body = BankDetailChange), (status = 404, body = ErrorBody), (status = 409, description = "Another change is waiting to be confirmed", body = ErrorBody), (status = 422, body = ErrorBody)))]
async fn propose_bank_details(
    State(s): State<AppState>,
    Extension(ApiUser(user)): Extension<ApiUser>,
    Path(account_id): Path<AccountId>,
    ApiJson(b): ApiJson<BankDetailsInput>,
) -> ApiResult<(StatusCode, Json<BankDetailChange>)> {
    Ok((StatusCode::ACCEPTED, Json(s.store.propose_bank_details(account_id, &b, &user).await?)))
}

#[utoipa::path(get, path = "/api/v1/accounts/{account_id}/bank-details", tag = "money",
    responses((status = 200, description = "Every version, newest first, with who entered and who confirmed it", body = Vec<BankDetailChange>), (status = 404, body = ErrorBody)))]
async fn bank_detail_changes(State(s): State<AppState>, Path(account_id): Path<AccountId>) -> ApiResult<Json<Vec<BankDetailChange>>> {
    Ok(Json(s.store.bank_detail_changes(account_id).await?))
}

#[utoipa::path(post, path = "/api/v1/accounts/{account_id}/bank-details/{change_id}/confirm", tag = "money",
    responses((status = 200, description = "Confirmed: payments now go to this account", body = BankDetailChange), (status = 404, body = ErrorBody), (status = 409, description = "Already confirmed, or entered by you", body = ErrorBody)))]
async fn confirm_bank_details(
    State(s): State<AppState>,
    Extension(ApiUser(user)): Extension<ApiUser>,
    Path((account_id, change_id)): Path<(String, String)>,
) -> ApiResult<Json<BankDetailChange>> {
    Ok(Json(s.store.confirm_bank_details(account_id.parse()?, change_id.parse()?, &user).await?))
}

#[utoipa::path(post, path = "/api/v1/accounts/{account_id}/financial-assessments", tag = "money", request_body = FinancialAssessmentInput,
    responses((status = 201, description = "The weekly contribution, explained", body = Contribution), (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)))]
async fn financial_assessment(
    State(s): State<AppState>,
    Path(account_id): Path<AccountId>,
    ApiJson(b): ApiJson<FinancialAssessmentInput>,
) -> ApiResult<(StatusCode, Json<Contribution>)> {
    Ok((StatusCode::CREATED, Json(s.store.financial_assessment(account_id, &b).await?)))
}

#[utoipa::path(put, path = "/api/v1/accounts/{account_id}/suspension", tag = "money", request_body = Suspension,
    responses((status = 204, description = "Payments stop from the date (or start again)"), (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)))]
async fn suspend(State(s): State<AppState>, Path(account_id): Path<AccountId>, ApiJson(b): ApiJson<Suspension>) -> ApiResult<StatusCode> {
    match (b.suspended_from.as_deref(), b.resumed_on.as_deref()) {
        (None, Some(on)) => s.store.resume_payments(account_id, on).await?,
        (from, _) => s.store.suspend_payments(account_id, from, b.reason.as_deref()).await?,
    }
    Ok(StatusCode::NO_CONTENT)
}

/// 201 when every claim was accepted, 200 when some were (partial), 422 when none were posted.
fn claims_response(report: ClaimsReport) -> Response {
    let status = match (report.accepted.is_empty(), report.rejected.is_empty()) {
        (false, true) => StatusCode::CREATED,
        (false, false) => StatusCode::OK,
        _ => StatusCode::UNPROCESSABLE_ENTITY,
    };
    (status, Json(report)).into_response()
}

/// Why claims were refused: a report of the rules they broke, or an error body when the
/// input could not be read. (Only documented: each handler sends one or the other.)
#[derive(serde::Serialize, ToSchema)]
#[serde(untagged)]
#[allow(dead_code)]
enum ClaimsRefusal {
    Report(ClaimsReport),
    Unreadable(ErrorBody),
}

#[utoipa::path(post, path = "/api/v1/councils/{council_id}/claims", tag = "money", request_body = ClaimInput,
    responses(
        (status = 201, description = "Accepted and paid", body = ClaimsReport),
        (status = 422, description = "Rejected: either a field cannot be read (an error body; nothing recorded) or a rule was broken (a report whose `rejected` gives the reason code and message; recorded so the provider can see it)", body = ClaimsRefusal)))]
async fn submit_claim(
    State(s): State<AppState>,
    Extension(ApiUser(user)): Extension<ApiUser>,
    Path(council_id): Path<CouncilId>,
    ApiJson(mut b): ApiJson<ClaimInput>,
) -> ApiResult<Response> {
    // A provider invoices as themselves, whatever name the body gives.
    if let Some(own) = &user.provider_name {
        b.provider = own.clone();
    }
    Ok(claims_response(s.store.submit_claim(council_id, &b).await?))
}

#[utoipa::path(post, path = "/api/v1/councils/{council_id}/claims/csv", tag = "money", params(PartialQuery),
    request_body(content = String, content_type = "text/csv", description = "Header: provider,invoice_ref,person_id,service_category,period_start,period_end,units,unit_rate"),
    responses(
        (status = 201, description = "Every line accepted and paid", body = ClaimsReport),
        (status = 200, description = "Partial: the accepted lines were paid; the rest are in `rejected` with line numbers", body = ClaimsReport),
        (status = 422, description = "Nothing posted: the file cannot be read (an error body naming its lines), or lines were rejected and partial acceptance was not asked for, or no line passed (a report)", body = ClaimsRefusal)))]
async fn submit_claims_csv(
    State(s): State<AppState>,
    Path(council_id): Path<CouncilId>,
    Extension(ApiUser(user)): Extension<ApiUser>,
    ApiQuery(q): ApiQuery<PartialQuery>,
    body: Result<String, axum::extract::rejection::StringRejection>,
) -> ApiResult<Response> {
    let body = body?;
    // Lines naming any other provider are rejected (other_provider).
    let own = user.provider_name.unwrap_or_default();
    Ok(claims_response(s.store.submit_provider_claims_csv(council_id, &own, &body, q.partial).await?))
}

#[utoipa::path(get, path = "/api/v1/councils/{council_id}/invoices", tag = "money", params(InvoiceQuery),
    responses((status = 200, description = "Newest first, up to 1,000", body = Vec<InvoiceRecord>), (status = 422, body = ErrorBody)))]
async fn list_invoices(
    State(s): State<AppState>,
    Extension(ApiUser(user)): Extension<ApiUser>,
    Path(council_id): Path<CouncilId>,
    ApiQuery(q): ApiQuery<InvoiceQuery>,
) -> ApiResult<Json<Vec<InvoiceRecord>>> {
    // A provider sees only their own invoices.
    let provider = user.provider_name.as_deref().or(q.provider.as_deref());
    Ok(Json(s.store.invoices(council_id, provider, q.status.as_deref(), 1_000).await?))
}

#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct AuditQuery {
    /// The day to audit as at, `YYYY-MM-DD`.
    as_of: String,
    /// Weeks of payments a person may keep as a contingency (default 8).
    #[serde(default)]
    contingency_weeks: Option<u32>,
    /// Days without a return before an account is flagged (default 100).
    #[serde(default)]
    return_due_days: Option<u32>,
}

#[utoipa::path(get, path = "/api/v1/councils/{council_id}/direct-payment-audit", tag = "money", params(AuditQuery),
    responses((status = 200, description = "Direct-payment accounts with something to look at", body = Vec<AuditFinding>), (status = 422, body = ErrorBody)))]
async fn direct_payment_audit(
    State(s): State<AppState>,
    Path(council_id): Path<CouncilId>,
    ApiQuery(q): ApiQuery<AuditQuery>,
) -> ApiResult<Json<Vec<AuditFinding>>> {
    let defaults = AuditRules::default();
    let rules = AuditRules {
        contingency_weeks: q.contingency_weeks.unwrap_or(defaults.contingency_weeks),
        return_due_days: q.return_due_days.unwrap_or(defaults.return_due_days),
        ..defaults
    };
    Ok(Json(s.store.direct_payment_audit(council_id, &q.as_of, rules).await?))
}

#[utoipa::path(post, path = "/api/v1/accounts/{account_id}/recoveries", tag = "money", request_body = RecoveryInput,
    responses((status = 201, description = "Recovered: the money is back with the council", body = AccountView), (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)))]
async fn recover(
    State(s): State<AppState>,
    Path(account_id): Path<AccountId>,
    ApiJson(b): ApiJson<RecoveryInput>,
) -> ApiResult<(StatusCode, Json<AccountView>)> {
    Ok((StatusCode::CREATED, Json(s.store.recover_surplus(account_id, &b).await?)))
}

#[utoipa::path(post, path = "/api/v1/accounts/{account_id}/personal-assistants", tag = "money", request_body = PersonalAssistantInput,
    responses((status = 201, body = PersonalAssistant), (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)))]
async fn register_personal_assistant(
    State(s): State<AppState>,
    Path(account_id): Path<AccountId>,
    ApiJson(b): ApiJson<PersonalAssistantInput>,
) -> ApiResult<(StatusCode, Json<PersonalAssistant>)> {
    Ok((StatusCode::CREATED, Json(s.store.register_personal_assistant(account_id, &b).await?)))
}

#[utoipa::path(post, path = "/api/v1/personal-assistants/{assistant_id}/timesheets", tag = "money", request_body = TimesheetInput,
    responses((status = 201, description = "The PA's whole pay schedule", body = Vec<PayLine>), (status = 409, description = "That week is already recorded", body = ErrorBody), (status = 422, body = ErrorBody)))]
async fn record_timesheet(
    State(s): State<AppState>,
    Path(assistant_id): Path<AssistantId>,
    ApiJson(b): ApiJson<TimesheetInput>,
) -> ApiResult<(StatusCode, Json<Vec<PayLine>>)> {
    Ok((StatusCode::CREATED, Json(s.store.record_timesheet(assistant_id, &b).await?)))
}

#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct WeeksQuery {
    /// First week start to include, `YYYY-MM-DD`.
    from: String,
    /// Last week start to include, `YYYY-MM-DD`.
    to: String,
}

#[utoipa::path(get, path = "/api/v1/councils/{council_id}/payroll.csv", tag = "money", params(WeeksQuery),
    responses((status = 200, description = "Gross pay schedule for the payroll provider", content_type = "text/csv"), (status = 422, body = ErrorBody)))]
async fn payroll_csv(State(s): State<AppState>, Path(council_id): Path<CouncilId>, ApiQuery(q): ApiQuery<WeeksQuery>) -> ApiResult<Response> {
    let csv = s.store.payroll_csv(council_id, &q.from, &q.to).await?;
    let disposition = format!("attachment; filename=\"payroll-{}-to-{}.csv\"", q.from, q.to);
    Ok(([(header::CONTENT_TYPE, "text/csv; charset=utf-8".to_string()), (header::CONTENT_DISPOSITION, disposition)], csv).into_response())
}

#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ReturnQuery {
    /// The quarter's first day, e.g. `2026-07-01`.
    quarter: String,
    /// `json` (default: the rows and the validation report) or `csv` (the rows).
    #[serde(default)]
    format: Option<String>,
}

#[utoipa::path(get, path = "/api/v1/councils/{council_id}/returns/cld", tag = "learning", params(ReturnQuery),
    responses(
        (status = 200, description = "The quarterly Client Level Data style return: one row per person per service event, and problems found (as CSV: the rows)",
            content((selfdirect_domain::learning::statutory::StatutoryReturn = "application/json"), (String = "text/csv"))),
        (status = 422, body = ErrorBody)))]
async fn statutory_return(State(s): State<AppState>, Path(council_id): Path<CouncilId>, ApiQuery(q): ApiQuery<ReturnQuery>) -> ApiResult<Response> {
    let r = s.store.statutory_return(council_id, &q.quarter).await?;
    Ok(match q.format.as_deref() {
        Some("csv") => ([(header::CONTENT_TYPE, "text/csv; charset=utf-8")], selfdirect_domain::learning::statutory::return_csv(&r)).into_response(),
        None | Some("json") => Json(r).into_response(),
        Some(other) => {
            return Err(ApiError::invalid(vec![selfdirect_domain::FieldError {
                field: "format".into(),
                problem: format!("'{other}' is not one of: json, csv"),
            }]))
        }
    })
}
