//! GOV.UK Frontend's CSS and JavaScript, built into the binary so nothing is fetched from a CDN.

use crate::AppState;
use axum::http::header;
use axum::response::IntoResponse;
use axum::routing::get;
use axum::Router;

const CSS: &str = include_str!("../assets/govuk/govuk-frontend.min.css");
const JS: &str = include_str!("../assets/govuk/govuk-frontend.min.js");
const APP_CSS: &str = include_str!("../assets/selfdirect.css");

pub fn routes() -> Router<AppState> {
    let cached = |content_type: &'static str, body: &'static str| {
        move || async move { ([(header::CONTENT_TYPE, content_type), (header::CACHE_CONTROL, "public, max-age=86400")], body).into_response() }
    };
    Router::new()
        .route("/assets/govuk/govuk-frontend.min.css", get(cached("text/css; charset=utf-8", CSS)))
        .route("/assets/govuk/govuk-frontend.min.js", get(cached("text/javascript; charset=utf-8", JS)))
        .route("/assets/selfdirect.css", get(cached("text/css; charset=utf-8", APP_CSS)))
}
