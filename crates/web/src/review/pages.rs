//! Step 6 in the pages: ending a person's support (social workers and team managers).

use crate::auth::{Nav, SignedIn};
use crate::forms::{sentence, FormState};
use crate::pages::{render, PageError, PageResult};
use crate::AppState;
use askama::Template;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect};
use axum::routing::get;
use axum::{Form, Router};
use selfdirect_domain::dates::long;
use selfdirect_domain::ids::AccountId;
use selfdirect_domain::review::ending::{EndingReason, OverpaidDays, NOTICE_DAYS};
use selfdirect_store::{EndingInput, StoreError};
use std::collections::HashMap;

pub fn routes() -> Router<AppState> {
    Router::new().route("/accounts/{account_id}/ending", get(ending_form).post(end_support))
}

struct Choice {
    code: &'static str,
    label: &'static str,
}

#[derive(Template)]
#[template(path = "ending.html")]
struct EndingPage {
    nav: Option<Nav>,
    account_id: String,
    person_id: String,
    own_record: bool,
    name: String,
    period: String,
    reasons: Vec<Choice>,
    overpaid_choices: Vec<Choice>,
    notice_days: i64,
    form: FormState,
}

async fn ending_page(s: &AppState, me: &SignedIn, account_id: AccountId, form: FormState) -> Result<EndingPage, PageError> {
    let account = s.store.account(account_id).await?;
    let person = s.store.person(account.person_id).await?;
    if let Some(ended) = &account.ended {
        return Err(StoreError::Conflict(format!("Support already ended on {}.", long(ended.ended_on))).into());
    }
    Ok(EndingPage {
        nav: me.nav(),
        account_id: account_id.to_string(),
        person_id: person.id.to_string(),
        own_record: false,
        name: person.full_name(),
        period: format!("{} to {}", long(account.start_date), long(account.end_date)),
        reasons: EndingReason::ALL.iter().map(|r| Choice { code: r.code(), label: r.label() }).collect(),
        overpaid_choices: OverpaidDays::ALL.iter().map(|o| Choice { code: o.code(), label: o.label() }).collect(),
        notice_days: NOTICE_DAYS,
        form,
    })
}

async fn ending_form(State(s): State<AppState>, me: SignedIn, Path(account_id): Path<AccountId>) -> PageResult {
    Ok(render(StatusCode::OK, &ending_page(&s, &me, account_id, FormState::default()).await?))
}

async fn end_support(State(s): State<AppState>, me: SignedIn, Path(account_id): Path<AccountId>, Form(form): Form<HashMap<String, String>>) -> PageResult {
    me.check_csrf(&form)?;
    let field = |name: &str| form.get(name).cloned().unwrap_or_default();
    let input = EndingInput { ended_on: field("ended_on"), reason: field("reason"), overpaid_days: Some(field("overpaid_days")) };
    match s.store.end_support(account_id, &input, &me.0.user.display_name).await {
        Ok(report) => Ok(Redirect::to(&format!("/people/{}?ended=1", report.account.person_id)).into_response()),
        Err(StoreError::Invalid(problems)) => {
            let mut refused = FormState { typed: form.into_iter().filter(|(k, _)| k != "csrf_token").collect(), ..FormState::default() };
            for p in problems.into_vec() {
                let message = match (p.field.as_str(), p.problem.starts_with("is required")) {
                    ("ended_on", true) => "Enter the last day of support".to_string(),
                    ("reason", true) => "Choose why support is ending".to_string(),
                    _ => sentence(&p.field, &p.problem),
                };
                refused.add(&p.field, message);
            }
            Ok(render(StatusCode::UNPROCESSABLE_ENTITY, &ending_page(&s, &me, account_id, refused).await?))
        }
        Err(other) => Err(other.into()),
    }
}
