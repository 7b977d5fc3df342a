//! Existing users in the pages and the API: the services the council commissions for a
//! person without a personal budget (recorded by staff, seen by the person), replaced when
//! a personal budget starts.

use crate::api::ApiJson;
use crate::auth::{Nav, SignedIn};
use crate::error::{ApiError, ErrorBody};
use crate::forms::FormState;
use crate::gate::ApiUser;
use crate::pages::{render, PageError, PageResult};
use crate::AppState;
use askama::Template;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect};
use axum::routing::get;
use axum::{Extension, Form, Json, Router};
use selfdirect_domain::deployment::commissioned::CommissionedServiceInput;
use selfdirect_domain::ids::PersonId;
use selfdirect_domain::plan::ServiceCategory;
use selfdirect_store::{CommissionedServiceRecord, StoreError};
use std::collections::HashMap;
use utoipa_axum::{router::OpenApiRouter, routes};

pub fn api_routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new().routes(routes!(list_services, record_service))
}

pub fn page_routes() -> Router<AppState> {
    Router::new().route("/people/{person_id}/commissioned-services", get(service_form).post(record_from_form))
}

#[utoipa::path(get, path = "/api/v1/people/{person_id}/commissioned-services", tag = "people",
    responses((status = 200, description = "Services the council commissions for the person, the earliest first", body = Vec<CommissionedServiceRecord>), (status = 404, body = ErrorBody)))]
async fn list_services(State(s): State<AppState>, Path(person_id): Path<PersonId>) -> Result<Json<Vec<CommissionedServiceRecord>>, ApiError> {
    s.store.person(person_id).await?;
    Ok(Json(s.store.commissioned_services(person_id).await?))
}

#[utoipa::path(post, path = "/api/v1/people/{person_id}/commissioned-services", tag = "people", request_body = CommissionedServiceInput,
    responses((status = 201, description = "Recorded: the person receives long-term support without a personal budget until one replaces it", body = CommissionedServiceRecord),
        (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)))]
async fn record_service(
    State(s): State<AppState>,
    Extension(ApiUser(user)): Extension<ApiUser>,
    Path(person_id): Path<PersonId>,
    ApiJson(b): ApiJson<CommissionedServiceInput>,
) -> Result<(StatusCode, Json<CommissionedServiceRecord>), ApiError> {
    Ok((StatusCode::CREATED, Json(s.store.record_commissioned_service(person_id, &b, &user.display_name).await?)))
}

struct Choice {
    code: &'static str,
    label: &'static str,
}

#[derive(Template)]
#[template(path = "commissioned.html")]
struct ServicePage {
    nav: Option<Nav>,
    person_id: String,
    name: String,
    categories: Vec<Choice>,
    form: FormState,
}

async fn service_page(s: &AppState, me: &SignedIn, person_id: PersonId, form: FormState) -> Result<ServicePage, PageError> {
    let person = s.store.person(person_id).await?;
    Ok(ServicePage {
        nav: me.nav(),
        person_id: person_id.to_string(),
        name: person.full_name(),
        categories: ServiceCategory::ALL.iter().map(|c| Choice { code: c.code(), label: c.label() }).collect(),
        form,
    })
}

async fn service_form(State(s): State<AppState>, me: SignedIn, Path(person_id): Path<PersonId>) -> PageResult {
    Ok(render(StatusCode::OK, &service_page(&s, &me, person_id, FormState::default()).await?))
}

async fn record_from_form(State(s): State<AppState>, me: SignedIn, Path(person_id): Path<PersonId>, Form(form): Form<HashMap<String, String>>) -> PageResult {
    me.check_csrf(&form)?;
    let field = |name: &str| form.get(name).cloned().unwrap_or_default();
    let input = CommissionedServiceInput {
        service: field("service"),
        provider: field("provider"),
        category: field("category"),
        weekly_cost: field("weekly_cost"),
        start_date: field("start_date"),
    };
    match s.store.record_commissioned_service(person_id, &input, &me.0.user.display_name).await {
        Ok(_) => Ok(Redirect::to(&format!("/people/{person_id}?commissioned=1")).into_response()),
        Err(StoreError::Invalid(problems)) => {
            let typed = form.into_iter().filter(|(k, _)| k != "csrf_token").collect();
            let when_missing = [("service", "Enter what the service is"), ("provider", "Enter who provides it"), ("start_date", "Enter when it began")];
            let refused = FormState::refused_saying(typed, problems, &when_missing);
            Ok(render(StatusCode::UNPROCESSABLE_ENTITY, &service_page(&s, &me, person_id, refused).await?))
        }
        Err(other) => Err(other.into()),
    }
}
