//! The JSON API, version 1. Every handler is a thin translation to one store use case.

use crate::error::{ApiError, ErrorBody};
use crate::gate::ApiUser;
use crate::AppState;
use axum::extract::{FromRequest, FromRequestParts, Path, State};
use axum::http::StatusCode;
use axum::response::IntoResponse;
use axum::routing::get;
use axum::{Extension, Json, Router};
use selfdirect_domain::assessment::Questionnaire;
use selfdirect_domain::ids::{AccountId, AssessmentId, CouncilId, PersonId, PlanId, ReconsiderationId};
use selfdirect_domain::person::NewPersonInput;
use selfdirect_domain::plan::{PlanInput, PlanStatus};
use selfdirect_domain::ras::calibration::WhatIf;
use selfdirect_domain::Problems;
use selfdirect_store::{
    AccessLogEntry, AccountView, AllocationRecord, Assessment, BudgetAccount, CalibrationReport, Contact, Council, CouncilUptake, EntriesPage,
    OpenAccountInput, PaymentInput, Person, PersonOverview, Plan, PlanSummary, QuestionnaireVersion, RecomputeReport, Reconsideration, Review, ReviewDue,
    ReviewInput, SpendingInput, SpendingRecorded, Team, TrialBalance,
};
use serde::Deserialize;
use std::collections::BTreeMap;
use time::Date;
use utoipa::{IntoParams, OpenApi, ToSchema};
use utoipa_axum::{router::OpenApiRouter, routes};

/// A JSON object as the body, whose errors come back as an [`ApiError`] body: 415 when it
/// is not sent as JSON, 413 when too large, 400 when it is not well-formed JSON, 422 when
/// it is not an object or its fields are not what the operation takes. (A bare JSON array
/// would otherwise fill a struct's fields in order.)
pub struct ApiJson<T>(pub T);

impl<T: serde::de::DeserializeOwned, S: Send + Sync> FromRequest<S> for ApiJson<T> {
    type Rejection = ApiError;

    async fn from_request(req: axum::extract::Request, state: &S) -> Result<Self, ApiError> {
        if !is_json(req.headers()) {
            return Err(ApiError::unsupported_media_type("Send the body as JSON, with Content-Type: application/json."));
        }
        let bytes = axum::body::Bytes::from_request(req, state).await?;
        if bytes.iter().find(|b| !b.is_ascii_whitespace()) != Some(&b'{') {
            return Err(ApiError::unprocessable("The body must be a JSON object."));
        }
        Ok(ApiJson(axum::Json::<T>::from_bytes(&bytes)?.0))
    }
}

/// `application/json`, or a `+json` type, with any parameters.
fn is_json(headers: &axum::http::HeaderMap) -> bool {
    let Some(value) = headers.get(axum::http::header::CONTENT_TYPE).and_then(|v| v.to_str().ok()) else { return false };
    let essence = value.split(';').next().unwrap_or("").trim().to_ascii_lowercase();
    essence == "application/json" || (essence.starts_with("application/") && essence.ends_with("+json"))
}

/// Query parameters whose errors come back as an [`ApiError`] body.
#[derive(FromRequestParts)]
#[from_request(via(axum::extract::Query), rejection(ApiError))]
pub struct ApiQuery<T>(pub T);

type ApiResult<T> = Result<T, ApiError>;

/// Every API route, each declared once: its `#[utoipa::path]` gives both the route and its
/// place in the OpenAPI document.
fn documented() -> OpenApiRouter<AppState> {
    OpenApiRouter::with_openapi(ApiDoc::openapi())
        .routes(routes!(crate::api_access::sign_in, crate::api_access::sign_out))
        .routes(routes!(list_councils, create_council))
        .routes(routes!(get_council))
        .routes(routes!(get_questionnaire))
        .routes(routes!(list_people, create_person))
        .routes(routes!(list_plans))
        .routes(routes!(reviews_due))
        .routes(routes!(uptake))
        .routes(routes!(uptake_series))
        .routes(routes!(trial_balance))
        .routes(routes!(get_person))
        .routes(routes!(add_contact))
        .routes(routes!(choose_broker))
        .routes(routes!(allocate_case))
        .routes(routes!(create_team))
        .routes(routes!(access_log))
        .routes(routes!(record_assessment))
        .routes(routes!(create_plan))
        .routes(routes!(get_assessment))
        .routes(routes!(get_plan, update_plan))
        .routes(routes!(submit_plan))
        .routes(routes!(approve_plan))
        .routes(routes!(return_plan))
        .routes(routes!(open_account))
        .routes(routes!(get_account))
        .routes(routes!(make_payment))
        .routes(routes!(record_spending))
        .routes(routes!(account_entries))
        .routes(routes!(complete_review))
        .routes(routes!(questionnaire_versions, publish_questionnaire))
        .routes(routes!(uprate))
        .routes(routes!(recompute))
        .routes(routes!(calibration))
        .routes(routes!(ras_what_if))
        .routes(routes!(current_allocation))
        .routes(routes!(allocation_history))
        .routes(routes!(list_reconsiderations, request_reconsideration))
        .routes(routes!(decide_reconsideration))
        .merge(crate::plan::revisions::routes())
        .merge(crate::commissioned::api_routes())
        .merge(crate::money::api::routes())
        .merge(crate::review::api::routes())
        .merge(crate::learning::api::routes())
}

/// The API's routes, and its description at `/api/openapi.json`.
pub fn routes() -> Router<AppState> {
    let (router, _) = documented().split_for_parts();
    router.route("/api/openapi.json", get(openapi_document))
}

#[derive(OpenApi)]
#[openapi(
    info(
        title = "selfdirect API",
        description = "Personal budgets and self-directed support: people, assessments, the Resource Allocation System, support plans, budget accounts and their ledger, reviews and uptake. Money is a decimal string in pounds (\"1234.50\"); dates are YYYY-MM-DD. Errors come as {error, message, errors: [{field, problem}]}."
    ),
    components(schemas(ErrorBody)),
    modifiers(&BearerAuth),
    security(("bearer" = []))
)]
pub struct ApiDoc;

/// Every route but signing in needs `Authorization: Bearer <token>` (from `POST /api/v1/sessions`).
struct BearerAuth;

impl utoipa::Modify for BearerAuth {
    fn modify(&self, doc: &mut utoipa::openapi::OpenApi) {
        use utoipa::openapi::security::{HttpAuthScheme, HttpBuilder, SecurityScheme};
        let components = doc.components.get_or_insert_with(Default::default);
        components.add_security_scheme(
            "bearer",
            SecurityScheme::Http(HttpBuilder::new().scheme(HttpAuthScheme::Bearer).description(Some("A token from POST /api/v1/sessions")).build()),
        );
    }
}

/// The whole API's OpenAPI document, made once from the routes themselves.
pub fn openapi() -> utoipa::openapi::OpenApi {
    static DOCUMENT: std::sync::OnceLock<utoipa::openapi::OpenApi> = std::sync::OnceLock::new();
    DOCUMENT
        .get_or_init(|| {
            let mut doc = documented().into_openapi();
            doc.merge(crate::learning::api::MarketApi::openapi());
            crate::contract::complete(&mut doc);
            doc
        })
        .clone()
}

async fn openapi_document() -> impl IntoResponse {
    Json(openapi())
}

#[derive(Deserialize, ToSchema)]
pub struct NewCouncil {
    /// A short code, e.g. `KNT`.
    code: String,
    name: String,
}

#[derive(Deserialize, ToSchema)]
pub struct NewPerson {
    given_name: String,
    family_name: String,
    /// `YYYY-MM-DD`
    date_of_birth: String,
    address: String,
    postcode: String,
    /// e.g. `older_person`, `learning_disability`.
    client_group: String,
    /// Receiving long-term support now, however arranged (default false).
    #[serde(default)]
    long_term_support: bool,
    /// Ten digits (spaces allowed), checked by its modulus-11 check digit; leave out if not known.
    #[serde(default)]
    nhs_number: Option<String>,
}

#[derive(Deserialize, ToSchema)]
pub struct NewContact {
    /// `carer` or `representative`.
    role: String,
    name: String,
    relationship: String,
    #[serde(default)]
    phone: Option<String>,
}

#[derive(Deserialize, ToSchema)]
pub struct NewAssessment {
    /// Question id → answer id, for every question of the council's questionnaire.
    answers: BTreeMap<String, String>,
    /// `YYYY-MM-DD`
    completed_on: String,
    /// Who supported the person to complete it.
    assessor: String,
}

#[derive(Deserialize, ToSchema)]
pub struct NewPlan {
    /// The assessment the plan is built on; the person's latest if left out.
    #[serde(default)]
    assessment_id: Option<AssessmentId>,
    #[serde(flatten)]
    plan: PlanInput,
}

#[derive(Deserialize, ToSchema)]
pub struct PlanUpdate {
    /// The version being edited, as last read.
    version: i64,
    #[serde(flatten)]
    plan: PlanInput,
}

#[derive(Deserialize, ToSchema)]
/// The approver is the signed-in user; a name in the body is ignored.
pub struct Approval {
    /// Why the final budget differs from the indicative one, if the plan does not say.
    #[serde(default)]
    note: Option<String>,
}

#[derive(Deserialize, ToSchema)]
/// Whoever returns the plan is the signed-in user; a name in the body is ignored.
pub struct PlanReturn {
    /// What needs to change before the plan can be approved.
    reasons: String,
}

#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct StatusQuery {
    /// `draft`, `submitted` (default), `approved` or `returned`.
    status: Option<String>,
}

#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ByQuery {
    /// Include reviews due on or before this date (`YYYY-MM-DD`); default four weeks from today.
    by: Option<String>,
}

#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct AsOfQuery {
    /// The date to measure on (`YYYY-MM-DD`); default today.
    as_of: Option<String>,
}

/// Parses an optional date query parameter, naming it when it is wrong.
pub(crate) fn optional_date(field: &str, value: Option<&str>) -> ApiResult<Option<Date>> {
    match value {
        None => Ok(None),
        Some(v) => {
            let mut p = Problems::new();
            let d = p.date(field, v);
            p.into_result(d).map_err(|p| ApiError::invalid(p.into_vec()))
        }
    }
}

#[utoipa::path(get, path = "/api/v1/councils", tag = "people", responses((status = 200, body = Vec<Council>)))]
async fn list_councils(State(s): State<AppState>, Extension(ApiUser(user)): Extension<ApiUser>) -> ApiResult<Json<Vec<Council>>> {
    // Only the user's own council: no list shows another council's rows.
    Ok(Json(vec![s.store.council(user.council_id).await?]))
}

#[utoipa::path(post, path = "/api/v1/councils", tag = "people", request_body = NewCouncil,
    responses((status = 201, body = Council), (status = 422, body = ErrorBody)))]
async fn create_council(State(s): State<AppState>, ApiJson(body): ApiJson<NewCouncil>) -> ApiResult<(StatusCode, Json<Council>)> {
    Ok((StatusCode::CREATED, Json(s.store.create_council(&body.code, &body.name).await?)))
}

#[utoipa::path(get, path = "/api/v1/councils/{council_id}", tag = "people", responses((status = 200, body = Council), (status = 404, body = ErrorBody)))]
async fn get_council(State(s): State<AppState>, Path(council_id): Path<CouncilId>) -> ApiResult<Json<Council>> {
    Ok(Json(s.store.council(council_id).await?))
}

#[utoipa::path(get, path = "/api/v1/councils/{council_id}/questionnaire", tag = "assessment",
    responses((status = 200, description = "The council's current self-assessment questionnaire and allocation rules", body = Questionnaire), (status = 404, body = ErrorBody)))]
async fn get_questionnaire(State(s): State<AppState>, Path(council_id): Path<CouncilId>) -> ApiResult<Json<Questionnaire>> {
    Ok(Json(s.store.current_questionnaire(council_id).await?))
}

/// Keeps the rows of a council-wide list whose person the API user may see: a social
/// worker's lists hold only their own and their team's caseload and the duty queue, by the
/// same rule as opening each record (`Store::visible_people`).
pub(crate) async fn only_visible<T>(s: &AppState, me: &ApiUser, council_id: &str, rows: Vec<T>, person: impl Fn(&T) -> PersonId) -> ApiResult<Vec<T>> {
    let council = s.store.council(council_id.parse()?).await?;
    let shown = s.store.visible_people(&me.0.actor(), council.id, rows.iter().map(&person)).await?;
    Ok(rows.into_iter().filter(|row| shown.contains(&person(row))).collect())
}

#[utoipa::path(get, path = "/api/v1/councils/{council_id}/people", tag = "people", responses((status = 200, body = Vec<Person>), (status = 404, body = ErrorBody)))]
async fn list_people(State(s): State<AppState>, Extension(me): Extension<ApiUser>, Path(council_id): Path<CouncilId>) -> ApiResult<Json<Vec<Person>>> {
    Ok(Json(only_visible(&s, &me, &council_id.to_string(), s.store.people(council_id, 1000).await?, |p| p.id).await?))
}

#[utoipa::path(post, path = "/api/v1/councils/{council_id}/people", tag = "people", request_body = NewPerson,
    responses((status = 201, body = Person), (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)))]
async fn create_person(State(s): State<AppState>, Path(council_id): Path<CouncilId>, ApiJson(b): ApiJson<NewPerson>) -> ApiResult<(StatusCode, Json<Person>)> {
    let input = NewPersonInput {
        given_name: &b.given_name,
        family_name: &b.family_name,
        date_of_birth: &b.date_of_birth,
        address: &b.address,
        postcode: &b.postcode,
        client_group: &b.client_group,
        long_term_support: b.long_term_support,
        nhs_number: b.nhs_number.as_deref(),
    };
    Ok((StatusCode::CREATED, Json(s.store.create_person(council_id, &input).await?)))
}

#[utoipa::path(get, path = "/api/v1/councils/{council_id}/plans", tag = "plans", params(StatusQuery),
    responses((status = 200, description = "Plans in that state, oldest first", body = Vec<PlanSummary>), (status = 422, body = ErrorBody)))]
async fn list_plans(
    State(s): State<AppState>,
    Extension(me): Extension<ApiUser>,
    Path(council_id): Path<CouncilId>,
    ApiQuery(q): ApiQuery<StatusQuery>,
) -> ApiResult<Json<Vec<PlanSummary>>> {
    let mut p = Problems::new();
    let status = match q.status.as_deref() {
        None => Some(PlanStatus::Submitted),
        Some(code) => PlanStatus::parse(&mut p, "status", code),
    };
    let status = p.into_result(status).map_err(|p| ApiError::invalid(p.into_vec()))?.expect("checked");
    Ok(Json(only_visible(&s, &me, &council_id.to_string(), s.store.plans_with_status(council_id, status).await?, |p| p.person_id).await?))
}

#[utoipa::path(get, path = "/api/v1/councils/{council_id}/reviews-due", tag = "reviews", params(ByQuery),
    responses((status = 200, body = Vec<ReviewDue>), (status = 422, body = ErrorBody)))]
async fn reviews_due(
    State(s): State<AppState>,
    Extension(me): Extension<ApiUser>,
    Path(council_id): Path<CouncilId>,
    ApiQuery(q): ApiQuery<ByQuery>,
) -> ApiResult<Json<Vec<ReviewDue>>> {
    let by = optional_date("by", q.by.as_deref())?.unwrap_or_else(|| time::OffsetDateTime::now_utc().date() + time::Duration::days(28));
    Ok(Json(only_visible(&s, &me, &council_id.to_string(), s.store.reviews_due(council_id, by).await?, |r| r.person_id).await?))
}

#[utoipa::path(get, path = "/api/v1/councils/{council_id}/uptake", tag = "learning", params(AsOfQuery),
    responses((status = 200, description = "Share of people on long-term support with a personal budget and with a direct payment (ASCOF 1C)", body = CouncilUptake)))]
async fn uptake(State(s): State<AppState>, Path(council_id): Path<CouncilId>, ApiQuery(q): ApiQuery<AsOfQuery>) -> ApiResult<Json<CouncilUptake>> {
    let as_of = optional_date("as_of", q.as_of.as_deref())?;
    Ok(Json(s.store.uptake(council_id, as_of).await?))
}

#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct SeriesQuery {
    /// A client group code (such as `learning_disability`); the whole council if left out.
    #[serde(default)]
    client_group: Option<String>,
}

#[utoipa::path(get, path = "/api/v1/councils/{council_id}/uptake/series", tag = "learning", params(SeriesQuery),
    responses((status = 200, description = "Uptake at the end of each of the last 12 months, oldest first", body = Vec<CouncilUptake>), (status = 422, body = ErrorBody)))]
async fn uptake_series(
    State(s): State<AppState>,
    Path(council_id): Path<CouncilId>,
    ApiQuery(q): ApiQuery<SeriesQuery>,
) -> ApiResult<Json<Vec<CouncilUptake>>> {
    let group = match q.client_group.as_deref().map(str::trim) {
        None | Some("") => None,
        Some(code) => {
            let mut p = Problems::new();
            let g = selfdirect_domain::person::ClientGroup::parse(&mut p, "client_group", code);
            p.into_result(g).map_err(|p| ApiError::invalid(p.into_vec()))?
        }
    };
    Ok(Json(s.store.uptake_series(council_id, 12, group).await?))
}

#[utoipa::path(get, path = "/api/v1/councils/{council_id}/trial-balance", tag = "money",
    responses((status = 200, description = "The ledger's own check: every entry balances and all postings sum to zero", body = TrialBalance)))]
async fn trial_balance(State(s): State<AppState>, Path(council_id): Path<CouncilId>) -> ApiResult<Json<TrialBalance>> {
    Ok(Json(s.store.trial_balance(council_id).await?))
}

#[utoipa::path(get, path = "/api/v1/people/{person_id}", tag = "people",
    responses((status = 200, description = "The person with their assessment, budget, plan, account and reviews", body = PersonOverview), (status = 404, body = ErrorBody)))]
async fn get_person(State(s): State<AppState>, Path(person_id): Path<PersonId>) -> ApiResult<Json<PersonOverview>> {
    Ok(Json(s.store.person_overview(person_id).await?))
}

#[utoipa::path(get, path = "/api/v1/people/{person_id}/access-log", tag = "people",
    responses((status = 200, description = "Who has read or changed the person's record, newest first (up to 1,000)", body = Vec<AccessLogEntry>), (status = 404, body = ErrorBody)))]
async fn access_log(State(s): State<AppState>, Path(person_id): Path<PersonId>) -> ApiResult<Json<Vec<AccessLogEntry>>> {
    Ok(Json(s.store.access_log(person_id, 1_000).await?))
}

#[utoipa::path(post, path = "/api/v1/people/{person_id}/contacts", tag = "people", request_body = NewContact,
    responses((status = 201, body = Contact), (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)))]
async fn add_contact(State(s): State<AppState>, Path(person_id): Path<PersonId>, ApiJson(b): ApiJson<NewContact>) -> ApiResult<(StatusCode, Json<Contact>)> {
    Ok((StatusCode::CREATED, Json(s.store.add_contact(person_id, &b.role, &b.name, &b.relationship, b.phone.as_deref()).await?)))
}

#[derive(Deserialize, ToSchema)]
pub struct CaseAllocation {
    /// The team whose caseload the person joins; leave out (with no worker) for the duty queue.
    #[serde(default)]
    team_id: Option<String>,
    /// A social worker in that team, if one is named.
    #[serde(default)]
    worker_id: Option<String>,
}

#[utoipa::path(put, path = "/api/v1/people/{person_id}/case-allocation", tag = "people", request_body = CaseAllocation,
    responses((status = 200, body = Person), (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)))]
async fn allocate_case(State(s): State<AppState>, Path(person_id): Path<PersonId>, ApiJson(b): ApiJson<CaseAllocation>) -> ApiResult<Json<Person>> {
    Ok(Json(s.store.allocate_case(person_id, b.team_id.as_deref(), b.worker_id.as_deref()).await?))
}

#[derive(Deserialize, ToSchema)]
pub struct NewTeam {
    name: String,
    /// Sign-in ids of its social workers and team managers.
    #[serde(default)]
    members: Vec<String>,
}

#[utoipa::path(post, path = "/api/v1/councils/{council_id}/teams", tag = "people", request_body = NewTeam,
    responses((status = 201, body = Team), (status = 422, body = ErrorBody)))]
async fn create_team(State(s): State<AppState>, Path(council_id): Path<CouncilId>, ApiJson(b): ApiJson<NewTeam>) -> ApiResult<(StatusCode, Json<Team>)> {
    Ok((StatusCode::CREATED, Json(s.store.create_team(council_id, &b.name, &b.members).await?)))
}

#[derive(Deserialize, ToSchema)]
pub struct ChosenBroker {
    /// The broker's sign-in id (a user with the broker role in the person's council).
    broker_user_id: String,
    /// `YYYY-MM-DD`
    chosen_on: String,
}

#[utoipa::path(post, path = "/api/v1/people/{person_id}/broker", tag = "people", request_body = ChosenBroker,
    responses((status = 204, description = "The broker may now act for the person"), (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)))]
async fn choose_broker(State(s): State<AppState>, Path(person_id): Path<PersonId>, ApiJson(b): ApiJson<ChosenBroker>) -> ApiResult<StatusCode> {
    s.store.choose_broker(person_id, &b.broker_user_id, &b.chosen_on).await?;
    Ok(StatusCode::NO_CONTENT)
}

#[utoipa::path(post, path = "/api/v1/people/{person_id}/assessments", tag = "assessment", request_body = NewAssessment,
    responses((status = 201, description = "The scored assessment with the indicative budget and its explanation", body = Assessment), (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)))]
async fn record_assessment(
    State(s): State<AppState>,
    Path(person_id): Path<PersonId>,
    ApiJson(b): ApiJson<NewAssessment>,
) -> ApiResult<(StatusCode, Json<Assessment>)> {
    Ok((StatusCode::CREATED, Json(s.store.record_assessment(person_id, &b.answers, &b.completed_on, &b.assessor).await?)))
}

#[utoipa::path(get, path = "/api/v1/assessments/{assessment_id}", tag = "assessment", responses((status = 200, body = Assessment), (status = 404, body = ErrorBody)))]
async fn get_assessment(State(s): State<AppState>, Path(assessment_id): Path<AssessmentId>) -> ApiResult<Json<Assessment>> {
    Ok(Json(s.store.assessment(assessment_id).await?))
}

#[utoipa::path(post, path = "/api/v1/people/{person_id}/plans", tag = "plans", request_body = NewPlan,
    responses((status = 201, description = "A draft plan", body = Plan), (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)))]
async fn create_plan(State(s): State<AppState>, Path(person_id): Path<PersonId>, ApiJson(b): ApiJson<NewPlan>) -> ApiResult<(StatusCode, Json<Plan>)> {
    Ok((StatusCode::CREATED, Json(s.store.create_plan(person_id, b.assessment_id, &b.plan).await?)))
}

#[utoipa::path(get, path = "/api/v1/plans/{plan_id}", tag = "plans", responses((status = 200, body = Plan), (status = 404, body = ErrorBody)))]
async fn get_plan(State(s): State<AppState>, Path(plan_id): Path<PlanId>) -> ApiResult<Json<Plan>> {
    Ok(Json(s.store.plan(plan_id).await?))
}

#[utoipa::path(put, path = "/api/v1/plans/{plan_id}", tag = "plans", request_body = PlanUpdate,
    responses((status = 200, body = Plan), (status = 409, description = "Not editable now, or changed by someone else since `version`", body = ErrorBody), (status = 422, body = ErrorBody)))]
async fn update_plan(State(s): State<AppState>, Path(plan_id): Path<PlanId>, ApiJson(b): ApiJson<PlanUpdate>) -> ApiResult<Json<Plan>> {
    Ok(Json(s.store.update_plan(plan_id, b.version, &b.plan).await?))
}

#[utoipa::path(post, path = "/api/v1/plans/{plan_id}/submit", tag = "plans",
    responses((status = 200, body = Plan), (status = 409, body = ErrorBody), (status = 422, description = "Incomplete, or over budget without a reason", body = ErrorBody)))]
async fn submit_plan(State(s): State<AppState>, Path(plan_id): Path<PlanId>) -> ApiResult<Json<Plan>> {
    Ok(Json(s.store.submit_plan(plan_id).await?))
}

#[utoipa::path(post, path = "/api/v1/plans/{plan_id}/approve", tag = "plans", request_body = Approval,
    responses((status = 200, description = "Approved: the total is now the final budget", body = Plan), (status = 409, description = "Not waiting for approval", body = ErrorBody), (status = 422, body = ErrorBody)))]
async fn approve_plan(
    State(s): State<AppState>,
    Extension(ApiUser(user)): Extension<ApiUser>,
    Path(plan_id): Path<PlanId>,
    ApiJson(b): ApiJson<Approval>,
) -> ApiResult<Json<Plan>> {
    Ok(Json(s.store.approve_plan_as(plan_id, &user.display_name, user.role, b.note.as_deref()).await?))
}

#[utoipa::path(post, path = "/api/v1/plans/{plan_id}/return", tag = "plans", request_body = PlanReturn,
    responses((status = 200, body = Plan), (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)))]
async fn return_plan(
    State(s): State<AppState>,
    Extension(ApiUser(user)): Extension<ApiUser>,
    Path(plan_id): Path<PlanId>,
    ApiJson(b): ApiJson<PlanReturn>,
) -> ApiResult<Json<Plan>> {
    Ok(Json(s.store.return_plan(plan_id, &user.display_name, &b.reasons).await?))
}

#[utoipa::path(post, path = "/api/v1/plans/{plan_id}/account", tag = "money", request_body = OpenAccountInput,
    responses((status = 201, description = "The budget account, with the final budget committed in the ledger", body = BudgetAccount), (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)))]
async fn open_account(
    State(s): State<AppState>,
    Path(plan_id): Path<PlanId>,
    ApiJson(b): ApiJson<OpenAccountInput>,
) -> ApiResult<(StatusCode, Json<BudgetAccount>)> {
    Ok((StatusCode::CREATED, Json(s.store.open_account(plan_id, &b).await?)))
}

#[utoipa::path(get, path = "/api/v1/accounts/{account_id}", tag = "money", responses((status = 200, body = AccountView), (status = 404, body = ErrorBody)))]
async fn get_account(State(s): State<AppState>, Path(account_id): Path<AccountId>) -> ApiResult<Json<AccountView>> {
    Ok(Json(s.store.account_view(account_id).await?))
}

#[utoipa::path(post, path = "/api/v1/accounts/{account_id}/payments", tag = "money", request_body = PaymentInput,
    responses((status = 201, body = AccountView), (status = 404, body = ErrorBody), (status = 422, description = "Including: more than is available", body = ErrorBody)))]
async fn make_payment(
    State(s): State<AppState>,
    Path(account_id): Path<AccountId>,
    ApiJson(b): ApiJson<PaymentInput>,
) -> ApiResult<(StatusCode, Json<AccountView>)> {
    Ok((StatusCode::CREATED, Json(s.store.make_payment(account_id, &b).await?)))
}

#[utoipa::path(post, path = "/api/v1/accounts/{account_id}/spending", tag = "money", request_body = SpendingInput,
    responses((status = 201, description = "What was written and the totals after it (the history: GET …/entries)", body = SpendingRecorded),
        (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)))]
async fn record_spending(
    State(s): State<AppState>,
    Path(account_id): Path<AccountId>,
    ApiJson(b): ApiJson<SpendingInput>,
) -> ApiResult<(StatusCode, Json<SpendingRecorded>)> {
    Ok((StatusCode::CREATED, Json(s.store.record_spending(account_id, &b).await?)))
}

#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct EntriesQuery {
    /// The `next_before` of the page before: entries older than this one.
    #[serde(default)]
    before: Option<uuid::Uuid>,
    /// Entries on the page, 1 to 500 (default 100).
    #[serde(default)]
    limit: Option<u32>,
}

#[utoipa::path(get, path = "/api/v1/accounts/{account_id}/entries", tag = "money", params(EntriesQuery),
    responses((status = 200, description = "One page of the account's ledger, newest first", body = EntriesPage), (status = 422, body = ErrorBody)))]
async fn account_entries(State(s): State<AppState>, Path(account_id): Path<AccountId>, ApiQuery(q): ApiQuery<EntriesQuery>) -> ApiResult<Json<EntriesPage>> {
    Ok(Json(s.store.account_entries(account_id, q.before, q.limit.unwrap_or(100)).await?))
}

#[utoipa::path(post, path = "/api/v1/accounts/{account_id}/reviews", tag = "reviews", request_body = ReviewInput,
    responses((status = 201, description = "The review, by the signed-in user (a name in the body is ignored); the next falls due a year later", body = Review),
        (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)))]
async fn complete_review(
    State(s): State<AppState>,
    Extension(ApiUser(user)): Extension<ApiUser>,
    Path(account_id): Path<AccountId>,
    ApiJson(b): ApiJson<ReviewInput>,
) -> ApiResult<(StatusCode, Json<Review>)> {
    Ok((StatusCode::CREATED, Json(s.store.complete_review(account_id, &b, &user.display_name).await?)))
}

#[derive(Deserialize, ToSchema)]
pub struct QuestionnaireFile {
    /// A name for the file, quoted in errors (e.g. `kent-2027-v3.toml`).
    source_name: String,
    /// The questionnaire and its allocation rules, as TOML.
    toml: String,
}

#[derive(Deserialize, ToSchema)]
pub struct Uprating {
    /// Percentage to raise every amount of money by, e.g. `3.5` (−50 to 50).
    percent: String,
}

#[derive(Deserialize, ToSchema)]
pub struct ReconsiderationRequest {
    requested_by: String,
    /// Why the person thinks the budget is not enough.
    grounds: String,
    /// `YYYY-MM-DD`
    requested_on: String,
}

#[derive(Deserialize, ToSchema)]
/// Whoever decides is the signed-in user; a name in the body is ignored.
pub struct ReconsiderationDecision {
    /// `upheld` or `not_upheld`.
    outcome: String,
    notes: String,
    /// The new indicative budget, when upheld.
    #[serde(default)]
    revised_total: Option<String>,
    /// `YYYY-MM-DD`
    decided_on: String,
}

#[utoipa::path(get, path = "/api/v1/councils/{council_id}/questionnaires", tag = "ras", responses((status = 200, body = Vec<QuestionnaireVersion>), (status = 404, body = ErrorBody)))]
async fn questionnaire_versions(State(s): State<AppState>, Path(council_id): Path<CouncilId>) -> ApiResult<Json<Vec<QuestionnaireVersion>>> {
    Ok(Json(s.store.questionnaire_versions(council_id).await?))
}

#[utoipa::path(post, path = "/api/v1/councils/{council_id}/questionnaires", tag = "ras", request_body = QuestionnaireFile,
    responses((status = 201, description = "Published: it is now in force for new assessments", body = Questionnaire), (status = 422, description = "Every problem, with its field and line; the version in force is unchanged", body = ErrorBody)))]
async fn publish_questionnaire(
    State(s): State<AppState>,
    Path(council_id): Path<CouncilId>,
    ApiJson(b): ApiJson<QuestionnaireFile>,
) -> ApiResult<(StatusCode, Json<Questionnaire>)> {
    Ok((StatusCode::CREATED, Json(s.store.publish_questionnaire(council_id, &b.source_name, &b.toml).await?)))
}

#[utoipa::path(post, path = "/api/v1/councils/{council_id}/ras/uprate", tag = "ras", request_body = Uprating,
    responses((status = 201, description = "The next version, with every amount uprated", body = Questionnaire), (status = 422, body = ErrorBody)))]
async fn uprate(State(s): State<AppState>, Path(council_id): Path<CouncilId>, ApiJson(b): ApiJson<Uprating>) -> ApiResult<(StatusCode, Json<Questionnaire>)> {
    Ok((StatusCode::CREATED, Json(s.store.uprate(council_id, &b.percent).await?)))
}

#[utoipa::path(post, path = "/api/v1/councils/{council_id}/ras/recompute", tag = "ras",
    responses((status = 200, description = "Who changed by how much under the rules in force", body = RecomputeReport), (status = 404, body = ErrorBody)))]
async fn recompute(State(s): State<AppState>, Path(council_id): Path<CouncilId>) -> ApiResult<Json<RecomputeReport>> {
    Ok(Json(s.store.recompute(council_id, &|_, _| {}).await?))
}

#[utoipa::path(get, path = "/api/v1/councils/{council_id}/ras/calibration", tag = "ras",
    responses((status = 200, description = "Band prices fitted to the council's agreed plans, with current and fitted rules compared", body = CalibrationReport), (status = 422, body = ErrorBody)))]
async fn calibration(State(s): State<AppState>, Path(council_id): Path<CouncilId>) -> ApiResult<Json<CalibrationReport>> {
    Ok(Json(s.store.calibrate(council_id).await?))
}

#[utoipa::path(post, path = "/api/v1/councils/{council_id}/ras/what-if", tag = "ras", request_body = QuestionnaireFile,
    responses((status = 200, description = "The proposed rules against the rules in force, over the council's agreed plans", body = WhatIf), (status = 422, body = ErrorBody)))]
async fn ras_what_if(State(s): State<AppState>, Path(council_id): Path<CouncilId>, ApiJson(b): ApiJson<QuestionnaireFile>) -> ApiResult<Json<WhatIf>> {
    Ok(Json(s.store.what_if(council_id, &b.source_name, &b.toml).await?))
}

#[utoipa::path(get, path = "/api/v1/people/{person_id}/allocation", tag = "ras",
    responses((status = 200, description = "The indicative budget in force, explained", body = AllocationRecord), (status = 404, body = ErrorBody)))]
async fn current_allocation(State(s): State<AppState>, Path(person_id): Path<PersonId>) -> ApiResult<Json<AllocationRecord>> {
    match s.store.current_allocation(person_id).await? {
        Some(a) => Ok(Json(a)),
        None => Err(selfdirect_store::StoreError::NotFound { what: "indicative budget for person", id: person_id.to_string() }.into()),
    }
}

#[utoipa::path(get, path = "/api/v1/people/{person_id}/allocations", tag = "ras", responses((status = 200, description = "Every indicative budget the person has had, newest first", body = Vec<AllocationRecord>)))]
async fn allocation_history(State(s): State<AppState>, Path(person_id): Path<PersonId>) -> ApiResult<Json<Vec<AllocationRecord>>> {
    Ok(Json(s.store.allocation_history(person_id).await?))
}

#[utoipa::path(get, path = "/api/v1/people/{person_id}/reconsiderations", tag = "ras", responses((status = 200, body = Vec<Reconsideration>)))]
async fn list_reconsiderations(State(s): State<AppState>, Path(person_id): Path<PersonId>) -> ApiResult<Json<Vec<Reconsideration>>> {
    Ok(Json(s.store.reconsiderations(person_id).await?))
}

#[utoipa::path(post, path = "/api/v1/people/{person_id}/reconsiderations", tag = "ras", request_body = ReconsiderationRequest,
    responses((status = 201, body = Reconsideration), (status = 422, body = ErrorBody)))]
async fn request_reconsideration(
    State(s): State<AppState>,
    Path(person_id): Path<PersonId>,
    ApiJson(b): ApiJson<ReconsiderationRequest>,
) -> ApiResult<(StatusCode, Json<Reconsideration>)> {
    Ok((StatusCode::CREATED, Json(s.store.request_reconsideration(person_id, &b.requested_by, &b.grounds, &b.requested_on).await?)))
}

#[utoipa::path(post, path = "/api/v1/reconsiderations/{reconsideration_id}/decision", tag = "ras", request_body = ReconsiderationDecision,
    responses((status = 200, body = Reconsideration), (status = 409, description = "Already decided", body = ErrorBody), (status = 422, body = ErrorBody)))]
async fn decide_reconsideration(
    State(s): State<AppState>,
    Extension(ApiUser(user)): Extension<ApiUser>,
    Path(reconsideration_id): Path<ReconsiderationId>,
    ApiJson(b): ApiJson<ReconsiderationDecision>,
) -> ApiResult<Json<Reconsideration>> {
    Ok(Json(s.store.decide_reconsideration(reconsideration_id, &user.display_name, &b.outcome, &b.notes, b.revised_total.as_deref(), &b.decided_on).await?))
}
