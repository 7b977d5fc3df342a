//! API errors: a status code and a JSON body that says what is wrong, field by field.

use axum::extract::rejection::{BytesRejection, JsonRejection, QueryRejection, StringRejection};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::Json;
use selfdirect_domain::FieldError;
use selfdirect_store::StoreError;
use serde::Serialize;

/// The body of every error response.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct ErrorBody {
    /// A stable code: `invalid` (422), `not_found`, `conflict`, `bad_request` (400),
    /// `too_large`, `unsupported_media_type`, `unauthorised`, `forbidden`, `internal`.
    pub error: &'static str,
    /// One sentence for a person.
    pub message: String,
    /// Each problem with the input, naming its field.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub errors: Vec<FieldError>,
}

#[derive(Debug)]
pub struct ApiError {
    pub status: StatusCode,
    pub body: ErrorBody,
}

impl ApiError {
    pub fn bad_request(message: impl Into<String>) -> ApiError {
        ApiError { status: StatusCode::BAD_REQUEST, body: ErrorBody { error: "bad_request", message: message.into(), errors: vec![] } }
    }

    fn with(status: StatusCode, error: &'static str, message: String) -> ApiError {
        ApiError { status, body: ErrorBody { error, message, errors: vec![] } }
    }

    pub fn unsupported_media_type(message: &str) -> ApiError {
        ApiError::with(StatusCode::UNSUPPORTED_MEDIA_TYPE, "unsupported_media_type", message.into())
    }

    /// Readable, but not something this operation can take.
    pub fn unprocessable(message: &str) -> ApiError {
        ApiError::with(StatusCode::UNPROCESSABLE_ENTITY, "invalid", message.into())
    }

    pub fn invalid(errors: Vec<FieldError>) -> ApiError {
        let message =
            if errors.len() == 1 { "There is a problem with the request".to_string() } else { format!("There are {} problems with the request", errors.len()) };
        ApiError { status: StatusCode::UNPROCESSABLE_ENTITY, body: ErrorBody { error: "invalid", message, errors } }
    }
}

impl From<StoreError> for ApiError {
    fn from(e: StoreError) -> ApiError {
        match e {
            StoreError::Invalid(problems) => ApiError::invalid(problems.into_vec()),
            StoreError::NotFound { .. } => {
                ApiError { status: StatusCode::NOT_FOUND, body: ErrorBody { error: "not_found", message: e.to_string(), errors: vec![] } }
            }
            StoreError::Conflict(message) => ApiError { status: StatusCode::CONFLICT, body: ErrorBody { error: "conflict", message, errors: vec![] } },
            other => {
                tracing::error!(error = %other, "request failed");
                ApiError {
                    status: StatusCode::INTERNAL_SERVER_ERROR,
                    body: ErrorBody {
                        error: "internal",
                        message: "Something went wrong on our side; nothing was changed. Try again later.".into(),
                        errors: vec![],
                    },
                }
            }
        }
    }
}

/// Text in a URL that cannot be an id names no record: 404, as for an id nobody holds.
impl From<selfdirect_domain::ids::UnknownId> for ApiError {
    fn from(e: selfdirect_domain::ids::UnknownId) -> ApiError {
        StoreError::from(e).into()
    }
}

/// The code in the body follows the status, so one kind of problem has one code.
fn code_for(status: StatusCode) -> &'static str {
    match status {
        StatusCode::UNPROCESSABLE_ENTITY => "invalid",
        StatusCode::PAYLOAD_TOO_LARGE => "too_large",
        StatusCode::UNSUPPORTED_MEDIA_TYPE => "unsupported_media_type",
        _ => "bad_request",
    }
}

impl From<JsonRejection> for ApiError {
    fn from(rejection: JsonRejection) -> ApiError {
        ApiError::with(rejection.status(), code_for(rejection.status()), rejection.body_text())
    }
}

impl From<StringRejection> for ApiError {
    fn from(rejection: StringRejection) -> ApiError {
        ApiError::with(rejection.status(), code_for(rejection.status()), rejection.body_text())
    }
}

impl From<BytesRejection> for ApiError {
    fn from(rejection: BytesRejection) -> ApiError {
        ApiError::with(rejection.status(), code_for(rejection.status()), rejection.body_text())
    }
}

impl From<QueryRejection> for ApiError {
    fn from(rejection: QueryRejection) -> ApiError {
        ApiError::bad_request(rejection.body_text())
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        (self.status, Json(self.body)).into_response()
    }
}
