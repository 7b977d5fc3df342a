//! The service operator's pages: the councils on the service, and setting up a new one.
//! Only the service operator may (the gate's `CreateCouncil`); a council's own
//! administrator runs their council, not the service.

use crate::auth::{Nav, SignedIn};
use crate::forms::FormState;
use crate::pages::{render, PageResult};
use crate::AppState;
use askama::Template;
use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect};
use axum::routing::get;
use axum::{Form, Router};
use selfdirect_store::{Council, StoreError};
use std::collections::HashMap;

pub fn routes() -> Router<AppState> {
    Router::new().route("/service/councils", get(councils).post(create_council))
}

#[derive(Template)]
#[template(path = "service_councils.html")]
struct CouncilsPage {
    nav: Option<Nav>,
    councils: Vec<Council>,
    form: FormState,
    notice: Option<String>,
}

async fn page(s: &AppState, me: &SignedIn, form: FormState, notice: Option<String>) -> Result<CouncilsPage, StoreError> {
    Ok(CouncilsPage { nav: me.nav(), councils: s.store.councils().await?, form, notice })
}

async fn councils(State(s): State<AppState>, me: SignedIn, Query(q): Query<HashMap<String, String>>) -> PageResult {
    let notice = q.get("created").map(|code| format!("Council {code} is set up, with the standard questionnaire published."));
    Ok(render(StatusCode::OK, &page(&s, &me, FormState::default(), notice).await?))
}

async fn create_council(State(s): State<AppState>, me: SignedIn, Form(form): Form<HashMap<String, String>>) -> PageResult {
    me.check_csrf(&form)?;
    let field = |name: &str| form.get(name).map(String::as_str).unwrap_or("");
    match s.store.create_council(field("code"), field("name")).await {
        Ok(council) => Ok(Redirect::to(&format!("/service/councils?created={}", council.code)).into_response()),
        Err(StoreError::Invalid(problems)) => {
            let typed = form.into_iter().filter(|(k, _)| k == "code" || k == "name").collect();
            Ok(render(StatusCode::UNPROCESSABLE_ENTITY, &page(&s, &me, FormState::refused(typed, problems), None).await?))
        }
        Err(e) => Err(e.into()),
    }
}
