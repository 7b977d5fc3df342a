//! Plan revisions in the API: revise an approved plan from a date, list its versions, and
//! decide a revision that waits for a team manager. The pages are in `plan::pages`.

use crate::api::ApiJson;
use crate::error::{ApiError, ErrorBody};
use crate::gate::ApiUser;
use crate::AppState;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::{Extension, Json};
use selfdirect_domain::ids::{PlanId, RevisionId};
use selfdirect_domain::plan::revision::RevisionInput;
use selfdirect_store::{PlanRevision, StoreError};
use serde::Deserialize;
use utoipa::ToSchema;
use utoipa_axum::{router::OpenApiRouter, routes};

type ApiResult<T> = Result<T, ApiError>;

pub fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new().routes(routes!(list_revisions, revise_plan)).routes(routes!(decide_revision))
}

#[derive(Deserialize, ToSchema)]
pub struct RevisionDecision {
    /// `true` applies the revision from its date; `false` returns it (a note is then required).
    approve: bool,
    #[serde(default)]
    note: Option<String>,
}

#[utoipa::path(post, path = "/api/v1/plans/{plan_id}/revisions", tag = "plans", request_body = RevisionInput,
    responses((status = 201, description = "`approved`: in force from its date; `submitted`: above the asker's authority, waiting for a team manager", body = PlanRevision),
        (status = 404, body = ErrorBody), (status = 409, description = "Not an approved plan, support has ended, or a revision already waits", body = ErrorBody), (status = 422, body = ErrorBody)))]
async fn revise_plan(
    State(s): State<AppState>,
    Extension(ApiUser(user)): Extension<ApiUser>,
    Path(plan_id): Path<PlanId>,
    ApiJson(b): ApiJson<RevisionInput>,
) -> ApiResult<(StatusCode, Json<PlanRevision>)> {
    Ok((StatusCode::CREATED, Json(s.store.revise_plan(plan_id, &b, &user.display_name, user.role).await?)))
}

#[utoipa::path(get, path = "/api/v1/plans/{plan_id}/revisions", tag = "plans",
    responses((status = 200, description = "Every revision of the plan, oldest first", body = Vec<PlanRevision>), (status = 404, body = ErrorBody)))]
async fn list_revisions(State(s): State<AppState>, Path(plan_id): Path<PlanId>) -> ApiResult<Json<Vec<PlanRevision>>> {
    s.store.plan(plan_id).await?;
    Ok(Json(s.store.plan_revisions(plan_id).await?))
}

#[utoipa::path(post, path = "/api/v1/plans/{plan_id}/revisions/{revision_id}/decision", tag = "plans", request_body = RevisionDecision,
    responses((status = 200, body = PlanRevision), (status = 404, body = ErrorBody), (status = 409, description = "Not waiting, or not the decider's to approve", body = ErrorBody), (status = 422, body = ErrorBody)))]
async fn decide_revision(
    State(s): State<AppState>,
    Extension(ApiUser(user)): Extension<ApiUser>,
    Path((plan_id, revision_id)): Path<(PlanId, RevisionId)>,
    ApiJson(b): ApiJson<RevisionDecision>,
) -> ApiResult<Json<PlanRevision>> {
    // The gate checked the plan; the revision must be one of its own.
    let revision = s.store.plan_revision(revision_id).await?;
    if revision.plan_id != plan_id {
        return Err(StoreError::NotFound { what: "plan revision", id: revision_id.to_string() }.into());
    }
    Ok(Json(s.store.decide_revision(revision_id, b.approve, &user.display_name, user.role, b.note.as_deref()).await?))
}
