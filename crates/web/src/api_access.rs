//! Signing in to the API: `POST /api/v1/sessions` gives a bearer token, which every other
//! API call carries (`Authorization: Bearer <token>`); `crate::gate` checks it. Bearer
//! tokens, not cookies, so the API cannot be driven by a forged cross-site form.

use crate::error::{ApiError, ErrorBody};
use crate::gate::bearer;
use crate::AppState;
use axum::extract::{Request, State};
use axum::http::StatusCode;
use uuid::Uuid;

/// Email and password, to sign in to the API.
#[derive(serde::Deserialize, utoipa::ToSchema)]
pub struct Credentials {
    email: String,
    password: String,
}

/// A signed-in API session.
#[derive(serde::Serialize, utoipa::ToSchema)]
pub struct ApiSession {
    /// Send as `Authorization: Bearer <token>`. It lasts a working day.
    token: String,
    user_id: Uuid,
    council_id: Uuid,
    display_name: String,
    /// A role code, e.g. `social_worker`.
    role: String,
}

#[utoipa::path(post, path = "/api/v1/sessions", tag = "sessions", request_body = Credentials, security(()),
    responses((status = 201, body = ApiSession), (status = 401, body = ErrorBody), (status = 429, description = "Too many failed sign-ins: wait", body = ErrorBody)))]
pub async fn sign_in(
    State(s): State<AppState>,
    crate::auth::Source(source): crate::auth::Source,
    crate::api::ApiJson(b): crate::api::ApiJson<Credentials>,
) -> Result<(StatusCode, axum::Json<ApiSession>), ApiError> {
    match s.store.sign_in_checked(&b.email, &b.password, source).await? {
        Ok(session) => Ok((
            StatusCode::CREATED,
            axum::Json(ApiSession {
                token: session.token,
                user_id: session.user.id.into(),
                council_id: session.user.council_id.into(),
                display_name: session.user.display_name,
                role: session.user.role.code().to_string(),
            }),
        )),
        Err(selfdirect_store::SignInRefusal::TooManyAttempts) => Err(ApiError {
            status: StatusCode::TOO_MANY_REQUESTS,
            body: ErrorBody {
                error: "too_many_attempts",
                message: format!(
                    "Too many failed sign-ins for this email address or from this address; wait a few minutes (at most {}).",
                    selfdirect_store::LOCKOUT_MINUTES
                ),
                errors: vec![],
            },
        }),
        Err(selfdirect_store::SignInRefusal::WrongDetails) => Err(ApiError {
            status: StatusCode::UNAUTHORIZED,
            body: ErrorBody { error: "unauthorised", message: "That email address and password do not match an account.".into(), errors: vec![] },
        }),
    }
}

#[utoipa::path(delete, path = "/api/v1/sessions", tag = "sessions", responses((status = 204), (status = 401, body = ErrorBody)))]
pub async fn sign_out(State(s): State<AppState>, req: Request) -> Result<StatusCode, ApiError> {
    if let Some(token) = bearer(&req) {
        s.store.sign_out(token).await?;
    }
    Ok(StatusCode::NO_CONTENT)
}
