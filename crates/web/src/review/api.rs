//! Step 6 in the API: personal assistants' DBS checks, safeguarding concerns, and endings
//! with their notices of recovery.

use crate::api::{only_visible, ApiJson, ApiQuery};
use crate::error::{ApiError, ErrorBody};
use crate::gate::ApiUser;
use crate::AppState;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::{Extension, Json};
use selfdirect_domain::ids::{AccountId, AssistantId, CouncilId, PersonId};
use selfdirect_store::{
    Concern, DbsAlertRow, DbsInput, EndingInput, EndingReport, NoticeRecoveryInput, RecoveryNotice, SurveyResults, TransferInput, TransferReport,
};
use serde::Deserialize;
use utoipa::{IntoParams, ToSchema};
use utoipa_axum::{router::OpenApiRouter, routes};

type ApiResult<T> = Result<T, ApiError>;

pub fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(record_dbs))
        .routes(routes!(dbs_alerts))
        .routes(routes!(open_concerns))
        .routes(routes!(person_concerns, raise_concern))
        .routes(routes!(close_concern))
        .routes(routes!(record_survey))
        .routes(routes!(survey_results))
        .routes(routes!(set_approval_limit))
        .routes(routes!(end_support))
        .routes(routes!(transfer_support))
        .routes(routes!(recovery_notices))
        .routes(routes!(recover_after_notice))
}

#[utoipa::path(post, path = "/api/v1/accounts/{account_id}/ending", tag = "reviews", request_body = EndingInput,
    responses((status = 200, description = "Support ended: the account, the notices of recovery sent, and the closing statement per funding stream", body = EndingReport),
        (status = 409, description = "Support has already ended", body = ErrorBody), (status = 422, body = ErrorBody)))]
async fn end_support(
    State(s): State<AppState>,
    Extension(ApiUser(user)): Extension<ApiUser>,
    Path(account_id): Path<AccountId>,
    ApiJson(b): ApiJson<EndingInput>,
) -> ApiResult<Json<EndingReport>> {
    Ok(Json(s.store.end_support(account_id, &b, &user.display_name).await?))
}

#[utoipa::path(post, path = "/api/v1/accounts/{account_id}/transfer", tag = "reviews", request_body = TransferInput,
    responses((status = 200, description = "Support moved: it ended here on the last day paid for (or the day before the move), and the receiving council carries the plan on from the next day", body = TransferReport),
        (status = 409, description = "Support has already ended", body = ErrorBody), (status = 422, body = ErrorBody)))]
async fn transfer_support(
    State(s): State<AppState>,
    Extension(ApiUser(user)): Extension<ApiUser>,
    Path(account_id): Path<AccountId>,
    ApiJson(b): ApiJson<TransferInput>,
) -> ApiResult<Json<TransferReport>> {
    Ok(Json(s.store.transfer_support(account_id, &b, &user.display_name).await?))
}

#[utoipa::path(get, path = "/api/v1/accounts/{account_id}/recovery-notices", tag = "reviews", responses((status = 200, body = Vec<RecoveryNotice>)))]
async fn recovery_notices(State(s): State<AppState>, Path(account_id): Path<AccountId>) -> ApiResult<Json<Vec<RecoveryNotice>>> {
    Ok(Json(s.store.recovery_notices(account_id).await?))
}

#[utoipa::path(post, path = "/api/v1/accounts/{account_id}/recovery-notices/{notice_id}/recover", tag = "money", request_body = NoticeRecoveryInput,
    responses((status = 200, description = "Recovered through the money gate", body = RecoveryNotice),
        (status = 409, description = "Already recovered, or nothing is left to recover", body = ErrorBody),
        (status = 422, description = "Including: within the notice, and the person has not agreed", body = ErrorBody)))]
async fn recover_after_notice(
    State(s): State<AppState>,
    Extension(ApiUser(user)): Extension<ApiUser>,
    Path((account_id, notice_id)): Path<(AccountId, uuid::Uuid)>,
    ApiJson(b): ApiJson<NoticeRecoveryInput>,
) -> ApiResult<Json<RecoveryNotice>> {
    Ok(Json(s.store.recover_after_notice(account_id, notice_id, &b, &user.display_name).await?))
}

#[utoipa::path(put, path = "/api/v1/personal-assistants/{assistant_id}/dbs", tag = "safety", request_body = DbsInput,
    responses((status = 204), (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)))]
async fn record_dbs(State(s): State<AppState>, Path(assistant_id): Path<AssistantId>, ApiJson(b): ApiJson<DbsInput>) -> ApiResult<StatusCode> {
    s.store.record_dbs_check(assistant_id, &b).await?;
    Ok(StatusCode::NO_CONTENT)
}

#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct AsOf {
    /// `YYYY-MM-DD`; today if left out.
    #[serde(default)]
    as_of: Option<String>,
}

#[utoipa::path(get, path = "/api/v1/councils/{council_id}/dbs-alerts", tag = "safety", params(AsOf),
    responses((status = 200, description = "Personal assistants whose DBS check needs attention", body = Vec<DbsAlertRow>), (status = 422, body = ErrorBody)))]
async fn dbs_alerts(
    State(s): State<AppState>,
    Extension(me): Extension<ApiUser>,
    Path(council_id): Path<CouncilId>,
    ApiQuery(q): ApiQuery<AsOf>,
) -> ApiResult<Json<Vec<DbsAlertRow>>> {
    let as_of = crate::api::optional_date("as_of", q.as_of.as_deref())?;
    Ok(Json(only_visible(&s, &me, &council_id.to_string(), s.store.dbs_alerts(council_id, as_of).await?, |a| a.person_id).await?))
}

#[utoipa::path(get, path = "/api/v1/councils/{council_id}/safeguarding-concerns", tag = "safety",
    responses((status = 200, description = "Open concerns, oldest first", body = Vec<Concern>)))]
async fn open_concerns(State(s): State<AppState>, Extension(me): Extension<ApiUser>, Path(council_id): Path<CouncilId>) -> ApiResult<Json<Vec<Concern>>> {
    Ok(Json(only_visible(&s, &me, &council_id.to_string(), s.store.open_concerns(council_id).await?, |c| c.person_id).await?))
}

#[utoipa::path(get, path = "/api/v1/people/{person_id}/safeguarding-concerns", tag = "safety", responses((status = 200, body = Vec<Concern>)))]
async fn person_concerns(State(s): State<AppState>, Path(person_id): Path<PersonId>) -> ApiResult<Json<Vec<Concern>>> {
    Ok(Json(s.store.concerns(person_id).await?))
}

#[derive(Deserialize, ToSchema)]
/// Whoever raises the concern is the signed-in user; a name in the body is ignored.
pub struct NewConcern {
    concern: String,
    /// `YYYY-MM-DD`
    raised_on: String,
}

#[utoipa::path(post, path = "/api/v1/people/{person_id}/safeguarding-concerns", tag = "safety", request_body = NewConcern,
    responses((status = 201, body = Concern), (status = 422, body = ErrorBody)))]
async fn raise_concern(
    State(s): State<AppState>,
    Extension(ApiUser(user)): Extension<ApiUser>,
    Path(person_id): Path<PersonId>,
    ApiJson(b): ApiJson<NewConcern>,
) -> ApiResult<(StatusCode, Json<Concern>)> {
    Ok((StatusCode::CREATED, Json(s.store.raise_concern(person_id, &user.display_name, &b.concern, &b.raised_on).await?)))
}

#[derive(Deserialize, ToSchema)]
/// Whoever closes the concern is the signed-in user; a name in the body is ignored.
pub struct ConcernClosure {
    outcome: String,
}

#[utoipa::path(post, path = "/api/v1/people/{person_id}/safeguarding-concerns/{concern_id}/close", tag = "safety", request_body = ConcernClosure,
    responses((status = 200, body = Concern), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)))]
async fn close_concern(
    State(s): State<AppState>,
    Extension(ApiUser(user)): Extension<ApiUser>,
    Path((person_id, concern_id)): Path<(String, String)>,
    ApiJson(b): ApiJson<ConcernClosure>,
) -> ApiResult<Json<Concern>> {
    Ok(Json(s.store.close_concern(person_id.parse()?, concern_id.parse()?, &user.display_name, &b.outcome).await?))
}

#[derive(Deserialize, ToSchema)]
pub struct SurveyResponse {
    /// `budget_holder` or `carer`.
    respondent: String,
    /// Question id → answer index (0 = the worst answer, 3 = the best).
    answers: std::collections::BTreeMap<String, usize>,
    /// `YYYY-MM-DD`
    completed_on: String,
}

#[utoipa::path(post, path = "/api/v1/accounts/{account_id}/outcome-surveys", tag = "learning", request_body = SurveyResponse,
    responses((status = 201, description = "Recorded; the scores of this response", body = SurveyResults), (status = 422, body = ErrorBody)))]
async fn record_survey(
    State(s): State<AppState>,
    Path(account_id): Path<AccountId>,
    ApiJson(b): ApiJson<SurveyResponse>,
) -> ApiResult<(StatusCode, Json<SurveyResults>)> {
    Ok((StatusCode::CREATED, Json(s.store.record_survey_response(account_id, &b.respondent, &b.answers, &b.completed_on).await?)))
}

#[utoipa::path(get, path = "/api/v1/councils/{council_id}/outcome-surveys", tag = "learning",
    responses((status = 200, description = "Average outcome scores (1 to 4, in hundredths): all, per client group, per way the budget is held", body = Vec<SurveyResults>)))]
async fn survey_results(State(s): State<AppState>, Path(council_id): Path<CouncilId>) -> ApiResult<Json<Vec<SurveyResults>>> {
    Ok(Json(s.store.survey_results(council_id).await?))
}

#[derive(Deserialize, ToSchema)]
pub struct ApprovalLimit {
    /// Pounds a year a social worker may approve, such as `25000`; above it a team manager decides.
    social_worker_limit: String,
}

#[utoipa::path(put, path = "/api/v1/councils/{council_id}/approval-limit", tag = "safety", request_body = ApprovalLimit,
    responses((status = 204), (status = 422, body = ErrorBody)))]
async fn set_approval_limit(State(s): State<AppState>, Path(council_id): Path<CouncilId>, ApiJson(b): ApiJson<ApprovalLimit>) -> ApiResult<StatusCode> {
    s.store.set_approval_limit(council_id, &b.social_worker_limit).await?;
    Ok(StatusCode::NO_CONTENT)
}
