//! Step 6 in the pages: reviewing a person's support and ending it (social workers and
//! team managers).

use crate::auth::{Nav, SignedIn};
use crate::forms::FormState;
use crate::pages::{render, PageError, PageResult};
use crate::AppState;
use askama::Template;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect};
use axum::routing::get;
use axum::{Form, Router};
use selfdirect_domain::dates::{iso, long};
use selfdirect_domain::ids::AccountId;
use selfdirect_domain::review::ending::{EndingReason, OverpaidDays, NOTICE_DAYS};
use selfdirect_domain::review::{ReviewDecision, ReviewParticipant};
use selfdirect_store::{EndingInput, ReviewInput, StoreError, TransferInput};
use std::collections::HashMap;

/// What was typed into a form, to show it again: everything but its CSRF token.
fn as_typed(form: HashMap<String, String>) -> HashMap<String, String> {
    form.into_iter().filter(|(k, _)| k != "csrf_token").collect()
}

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/accounts/{account_id}/ending", get(ending_form).post(end_support))
        .route("/accounts/{account_id}/transfer", get(transfer_form).post(transfer_support))
        .route("/accounts/{account_id}/review", get(review_form).post(complete_review))
        .route("/accounts/{account_id}/suspension", get(suspension_form).post(change_suspension))
}

struct Choice {
    code: String,
    label: String,
}

impl Choice {
    fn of(code: &str, label: &str) -> Choice {
        Choice { code: code.to_string(), label: label.to_string() }
    }
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
        reasons: EndingReason::ALL.iter().map(|r| Choice::of(r.code(), r.label())).collect(),
        overpaid_choices: OverpaidDays::ALL.iter().map(|o| Choice::of(o.code(), o.label())).collect(),
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
            let when_missing = [("ended_on", "Enter the last day of support"), ("reason", "Choose why support is ending")];
            let refused = FormState::refused_saying(as_typed(form), problems, &when_missing);
            Ok(render(StatusCode::UNPROCESSABLE_ENTITY, &ending_page(&s, &me, account_id, refused).await?))
        }
        Err(other) => Err(other.into()),
    }
}

#[derive(Template)]
#[template(path = "transfer.html")]
struct TransferPage {
    nav: Option<Nav>,
    account_id: String,
    person_id: String,
    own_record: bool,
    name: String,
    period: String,
    /// The last day already paid for, when there is one.
    paid_through: Option<String>,
    /// The other councils on the service, by code.
    councils: Vec<Choice>,
    form: FormState,
}

async fn transfer_page(s: &AppState, me: &SignedIn, account_id: AccountId, form: FormState) -> Result<TransferPage, PageError> {
    let account = s.store.account(account_id).await?;
    let person = s.store.person(account.person_id).await?;
    if let Some(ended) = &account.ended {
        return Err(StoreError::Conflict(format!("Support ended on {}: there is no support to move.", long(ended.ended_on))).into());
    }
    let paid_through = s.store.paid_through(account_id).await?.map(long);
    let councils = s.store.councils().await?.into_iter().filter(|c| c.id != person.council_id).map(|c| Choice { code: c.code, label: c.name }).collect();
    Ok(TransferPage {
        nav: me.nav(),
        account_id: account_id.to_string(),
        person_id: person.id.to_string(),
        own_record: false,
        name: person.full_name(),
        period: format!("{} to {}", long(account.start_date), long(account.end_date)),
        paid_through,
        councils,
        form,
    })
}

async fn transfer_form(State(s): State<AppState>, me: SignedIn, Path(account_id): Path<AccountId>) -> PageResult {
    Ok(render(StatusCode::OK, &transfer_page(&s, &me, account_id, FormState::default()).await?))
}

async fn transfer_support(State(s): State<AppState>, me: SignedIn, Path(account_id): Path<AccountId>, Form(form): Form<HashMap<String, String>>) -> PageResult {
    me.check_csrf(&form)?;
    let field = |name: &str| form.get(name).cloned().unwrap_or_default();
    let input = TransferInput { to_council: field("to_council"), moves_on: field("moves_on"), address: field("address"), postcode: field("postcode") };
    match s.store.transfer_support(account_id, &input, &me.0.user.display_name).await {
        Ok(report) => Ok(Redirect::to(&format!("/people/{}?moved=1", report.ended.account.person_id)).into_response()),
        Err(StoreError::Invalid(problems)) => {
            let when_missing = [("moves_on", "Enter the day of the move"), ("address", "Enter the new address"), ("postcode", "Enter the new postcode")];
            let refused = FormState::refused_saying(as_typed(form), problems, &when_missing);
            Ok(render(StatusCode::UNPROCESSABLE_ENTITY, &transfer_page(&s, &me, account_id, refused).await?))
        }
        Err(other) => Err(other.into()),
    }
}

#[derive(Template)]
#[template(path = "review.html")]
struct ReviewPage {
    nav: Option<Nav>,
    account_id: String,
    person_id: String,
    own_record: bool,
    name: String,
    participants: Vec<Choice>,
    outcomes: Vec<String>,
    decisions: Vec<Choice>,
    /// What was typed or ticked, when the form comes back.
    ticked: Vec<(String, String)>,
    form: FormState,
}

impl ReviewPage {
    fn is_ticked(&self, field: &str, value: &str) -> bool {
        self.ticked.iter().any(|(k, v)| k == field && v == value)
    }
}

async fn review_page(s: &AppState, me: &SignedIn, account_id: AccountId, ticked: Vec<(String, String)>, form: FormState) -> Result<ReviewPage, PageError> {
    let account = s.store.account(account_id).await?;
    if let Some(ended) = &account.ended {
        return Err(StoreError::Conflict(format!("Support ended on {}: there is no support to review.", long(ended.ended_on))).into());
    }
    let person = s.store.person(account.person_id).await?;
    let plan = s.store.plan(account.plan_id).await?;
    Ok(ReviewPage {
        nav: me.nav(),
        account_id: account_id.to_string(),
        person_id: person.id.to_string(),
        own_record: false,
        name: person.full_name(),
        participants: ReviewParticipant::ALL.iter().map(|r| Choice::of(r.code(), r.label())).collect(),
        outcomes: plan.outcomes,
        decisions: ReviewDecision::ALL.iter().map(|d| Choice::of(d.code(), d.label())).collect(),
        ticked,
        form,
    })
}

async fn review_form(State(s): State<AppState>, me: SignedIn, Path(account_id): Path<AccountId>) -> PageResult {
    let mut form = FormState::default();
    form.typed.insert("completed_on".into(), iso(time::OffsetDateTime::now_utc().date()));
    Ok(render(StatusCode::OK, &review_page(&s, &me, account_id, Vec::new(), form).await?))
}

/// A review from the form: the boxes ticked come as repeated fields, so the form is read
/// as pairs rather than a map.
async fn complete_review(State(s): State<AppState>, me: SignedIn, Path(account_id): Path<AccountId>, Form(pairs): Form<Vec<(String, String)>>) -> PageResult {
    let fields: HashMap<String, String> = pairs.iter().cloned().collect();
    me.check_csrf(&fields)?;
    let all = |name: &str| pairs.iter().filter(|(k, _)| k == name).map(|(_, v)| v.clone()).collect::<Vec<_>>();
    let field = |name: &str| fields.get(name).cloned().unwrap_or_default();
    let input = ReviewInput {
        completed_on: field("completed_on"),
        participants: all("participants"),
        outcomes_met: all("outcomes_met"),
        working: field("working"),
        not_working: field("not_working"),
        decision: field("decision"),
        notes: String::new(),
    };
    match s.store.complete_review(account_id, &input, &me.0.user.display_name).await {
        Ok(review) if review.decision == Some(ReviewDecision::EndSupport) => Ok(Redirect::to(&format!("/accounts/{account_id}/ending")).into_response()),
        // A review that decides to revise the plan goes on to the revision, for whoever may make it.
        Ok(review) if review.decision == Some(ReviewDecision::RevisePlan) => {
            let account = s.store.account(account_id).await?;
            let person = s.store.person(account.person_id).await?;
            match me.may(selfdirect_domain::access::Action::DecidePlan, person.subject()) {
                true => Ok(Redirect::to(&format!("/plans/{}/revise", account.plan_id)).into_response()),
                false => Ok(Redirect::to(&format!("/people/{}?reviewed=1", account.person_id)).into_response()),
            }
        }
        Ok(review) => {
            let account = s.store.account(account_id).await?;
            let notice = if review.decision == Some(ReviewDecision::Reassess) { "reassess" } else { "reviewed" };
            Ok(Redirect::to(&format!("/people/{}?{notice}=1", account.person_id)).into_response())
        }
        Err(StoreError::Invalid(problems)) => {
            let when_missing = [("participants", "Choose who took part in the review"), ("decision", "Choose what the review decided")];
            let refused = FormState::refused_saying(as_typed(fields), problems, &when_missing);
            Ok(render(StatusCode::UNPROCESSABLE_ENTITY, &review_page(&s, &me, account_id, pairs, refused).await?))
        }
        Err(other) => Err(other.into()),
    }
}

#[derive(Template)]
#[template(path = "suspension.html")]
struct SuspensionPage {
    nav: Option<Nav>,
    account_id: String,
    person_id: String,
    own_record: bool,
    name: String,
    /// While suspended: since when and why.
    suspended: Option<String>,
    form: FormState,
}

async fn suspension_page(s: &AppState, me: &SignedIn, account_id: AccountId, form: FormState) -> Result<SuspensionPage, PageError> {
    let account = s.store.account(account_id).await?;
    let person = s.store.person(account.person_id).await?;
    let suspended =
        account.suspended_from.map(|from| format!("Payments are suspended from {}: {}.", long(from), account.suspension_reason.clone().unwrap_or_default()));
    Ok(SuspensionPage {
        nav: me.nav(),
        account_id: account_id.to_string(),
        person_id: person.id.to_string(),
        own_record: false,
        name: person.full_name(),
        suspended,
        form,
    })
}

async fn suspension_form(State(s): State<AppState>, me: SignedIn, Path(account_id): Path<AccountId>) -> PageResult {
    let mut form = FormState::default();
    form.typed.insert("on".into(), iso(time::OffsetDateTime::now_utc().date()));
    Ok(render(StatusCode::OK, &suspension_page(&s, &me, account_id, form).await?))
}

/// Suspends payments from a day (a stay in hospital), or starts them again from a day;
/// the days away stay unpaid.
async fn change_suspension(
    State(s): State<AppState>,
    me: SignedIn,
    Path(account_id): Path<AccountId>,
    Form(form): Form<HashMap<String, String>>,
) -> PageResult {
    me.check_csrf(&form)?;
    let field = |name: &str| form.get(name).cloned().unwrap_or_default();
    let account = s.store.account(account_id).await?;
    let done = match account.suspended_from {
        Some(_) => s.store.resume_payments(account_id, &field("on")).await.map(|_| "resumed"),
        None => s.store.suspend_payments(account_id, Some(&field("on")), Some(&field("reason"))).await.map(|_| "suspended"),
    };
    match done {
        Ok(what) => Ok(Redirect::to(&format!("/people/{}?{what}=1", account.person_id)).into_response()),
        Err(StoreError::Invalid(problems)) => {
            let mut refused = FormState { typed: as_typed(form), ..FormState::default() };
            let when_missing = [("reason", "Enter why payments are suspended"), ("on", "Enter the day")];
            for p in problems.into_vec() {
                // The store names the day `suspended_from` or `resumed_on`; the form has one field.
                refused.add_problem(if p.field == "reason" { "reason" } else { "on" }, &p, &when_missing);
            }
            Ok(render(StatusCode::UNPROCESSABLE_ENTITY, &suspension_page(&s, &me, account_id, refused).await?))
        }
        Err(other) => Err(other.into()),
    }
}
