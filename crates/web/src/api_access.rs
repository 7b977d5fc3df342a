//! Who may call which API route, in one place. Every request to `/api` (except the
//! OpenAPI document and signing in) must carry `Authorization: Bearer <token>` from
//! `POST /api/v1/sessions`; this gate then finds what the route touches (a council or a
//! person's record) and asks the domain's `access::decide` before any handler runs.
//! Bearer tokens, not cookies, so the API cannot be driven by a forged cross-site form.

use crate::error::{ApiError, ErrorBody};
use crate::AppState;
use axum::extract::{MatchedPath, RawPathParams, Request, State};
use axum::http::{header, Method, StatusCode};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use selfdirect_domain::access::{decide, Action, Refusal, Subject};
use selfdirect_store::{StoreError, User};
use uuid::Uuid;

/// The signed-in API user, put in the request's extensions by the gate.
#[derive(Clone)]
pub struct ApiUser(pub User);

/// What a route's path names, and so where its record lives.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Scope {
    Council,
    Person,
    Plan,
    Account,
    Assessment,
    Reconsideration,
    PaymentRun,
    PersonalAssistant,
    /// Not one council's: the user's own council stands in (creating a council, listing).
    OwnCouncil,
}

/// The rule for each route: the action it performs and what it is performed on.
/// Routes missing here are refused (fail closed); a test checks every documented route has one.
pub fn rule(method: &Method, route: &str) -> Option<(Action, Scope)> {
    use Action::*;
    use Scope::*;
    let get = method == Method::GET;
    Some(match route {
        "/v1/councils" if get => (ViewCouncil, OwnCouncil),
        "/v1/councils" => (CreateCouncil, OwnCouncil),
        "/v1/councils/{council_id}" | "/v1/councils/{council_id}/questionnaire" => (ViewCouncil, Council),
        "/v1/councils/{council_id}/people" if get => (ViewCaseload, Council),
        "/v1/councils/{council_id}/people" => (ManagePeople, Council),
        "/v1/councils/{council_id}/plans" | "/v1/councils/{council_id}/reviews-due" => (ViewCaseload, Council),
        "/v1/councils/{council_id}/uptake" | "/v1/councils/{council_id}/uptake/series" | "/v1/councils/{council_id}/returns/cld" => (ViewAggregates, Council),
        "/v1/councils/{council_id}/trial-balance" => (ViewLedger, Council),
        "/v1/councils/{council_id}/questionnaires" if get => (ViewCouncil, Council),
        "/v1/councils/{council_id}/questionnaires"
        | "/v1/councils/{council_id}/ras/uprate"
        | "/v1/councils/{council_id}/ras/recompute"
        | "/v1/councils/{council_id}/ras/calibration"
        | "/v1/councils/{council_id}/ras/what-if" => (ManageRas, Council),
        "/v1/people/{person_id}" | "/v1/people/{person_id}/allocation" | "/v1/people/{person_id}/allocations" => (ViewPerson, Person),
        "/v1/people/{person_id}/reconsiderations" if get => (ViewPerson, Person),
        "/v1/people/{person_id}/reconsiderations" => (EditPlan, Person),
        "/v1/people/{person_id}/contacts" | "/v1/people/{person_id}/assessments" => (ManagePeople, Person),
        // The person (or whoever helps them plan) chooses their broker.
        "/v1/people/{person_id}/broker" => (EditPlan, Person),
        "/v1/people/{person_id}/case-allocation" => (ManagePeople, Person),
        // Teams are council set-up: its administrator's.
        "/v1/councils/{council_id}/teams" => (CreateCouncil, Council),
        "/v1/people/{person_id}/access-log" => (ViewAccessLog, Person),
        "/v1/people/{person_id}/plans" => (EditPlan, Person),
        "/v1/assessments/{assessment_id}" => (ViewPerson, Assessment),
        "/v1/plans/{plan_id}" if get => (ViewPerson, Plan),
        "/v1/plans/{plan_id}" | "/v1/plans/{plan_id}/submit" => (EditPlan, Plan),
        "/v1/plans/{plan_id}/approve" | "/v1/plans/{plan_id}/return" => (DecidePlan, Plan),
        "/v1/plans/{plan_id}/account" => (ChooseDeployment, Plan),
        "/v1/reconsiderations/{reconsideration_id}/decision" => (DecidePlan, Reconsideration),
        "/v1/accounts/{account_id}" => (ViewPerson, Account),
        "/v1/accounts/{account_id}/payments"
        | "/v1/accounts/{account_id}/financial-assessments"
        | "/v1/accounts/{account_id}/suspension"
        | "/v1/accounts/{account_id}/recoveries" => (ManageFinance, Account),
        "/v1/accounts/{account_id}/spending" | "/v1/accounts/{account_id}/bank-details" | "/v1/accounts/{account_id}/personal-assistants" => {
            (RecordSpending, Account)
        }
        "/v1/accounts/{account_id}/reviews" => (ManagePeople, Account),
        "/v1/accounts/{account_id}/outcome-surveys" => (RecordSpending, Account),
        "/v1/councils/{council_id}/outcome-surveys" | "/v1/councils/{council_id}/spending" | "/v1/councils/{council_id}/provider-income" => {
            (ViewAggregates, Council)
        }
        "/v1/councils/{council_id}/block-contracts" if get => (ViewAggregates, Council),
        "/v1/councils/{council_id}/block-contracts" => (ManageContracts, Council),
        // The scheme of delegation is council set-up: its administrator's.
        "/v1/councils/{council_id}/approval-limit" => (CreateCouncil, Council),
        "/v1/personal-assistants/{assistant_id}/timesheets" | "/v1/personal-assistants/{assistant_id}/dbs" => (RecordSpending, PersonalAssistant),
        "/v1/councils/{council_id}/dbs-alerts" | "/v1/councils/{council_id}/safeguarding-concerns" => (ViewCaseload, Council),
        "/v1/people/{person_id}/safeguarding-concerns" if get => (ViewCaseload, Person),
        "/v1/people/{person_id}/safeguarding-concerns" | "/v1/people/{person_id}/safeguarding-concerns/{concern_id}/close" => (ManagePeople, Person),
        "/v1/councils/{council_id}/payment-runs/preview"
        | "/v1/councils/{council_id}/payment-runs"
        | "/v1/councils/{council_id}/bank-details"
        | "/v1/councils/{council_id}/providers"
        | "/v1/councils/{council_id}/direct-payment-audit"
        | "/v1/councils/{council_id}/payroll.csv" => (ManageFinance, Council),
        "/v1/payment-runs/{run_id}/items" | "/v1/payment-runs/{run_id}/file" => (ManageFinance, PaymentRun),
        "/v1/councils/{council_id}/claims" | "/v1/councils/{council_id}/claims/csv" => (SubmitInvoices, Council),
        "/v1/councils/{council_id}/invoices" => (ViewInvoices, Council),
        _ => return None,
    })
}

/// Routes anyone may call: the API's description, and signing in.
fn is_public(method: &Method, route: &str) -> bool {
    route == "/openapi.json" || (route == "/v1/sessions" && method == Method::POST)
}

fn refusal(status: StatusCode, error: &'static str, message: &str) -> Response {
    ApiError { status, body: ErrorBody { error, message: message.into(), errors: vec![] } }.into_response()
}

fn unauthorised() -> Response {
    let mut response =
        refusal(StatusCode::UNAUTHORIZED, "unauthorised", "Sign in first: send Authorization: Bearer <token>, the token from POST /api/v1/sessions.");
    response.headers_mut().insert(header::WWW_AUTHENTICATE, header::HeaderValue::from_static("Bearer"));
    response
}

/// The bearer token of a request, if it has one.
pub fn bearer(req: &Request) -> Option<&str> {
    req.headers().get(header::AUTHORIZATION)?.to_str().ok()?.strip_prefix("Bearer ").map(str::trim)
}

async fn person_subject(s: &AppState, person_id: &str) -> Result<Subject, StoreError> {
    let person = s.store.person(person_id).await?;
    Ok(person.subject())
}

async fn subject(s: &AppState, scope: Scope, param: &str, user: &User) -> Result<Subject, StoreError> {
    Ok(match scope {
        Scope::OwnCouncil => Subject::Council(user.council_id),
        Scope::Council => Subject::Council(s.store.council(param).await?.id),
        Scope::Person => person_subject(s, param).await?,
        Scope::Plan => person_subject(s, &s.store.plan(param).await?.person_id.to_string()).await?,
        Scope::Account => person_subject(s, &s.store.account(param).await?.person_id.to_string()).await?,
        Scope::Assessment => person_subject(s, &s.store.assessment(param).await?.person_id.to_string()).await?,
        Scope::Reconsideration => person_subject(s, &s.store.reconsideration(param).await?.person_id.to_string()).await?,
        Scope::PaymentRun => Subject::Council(s.store.payment_run_council(param).await?),
        Scope::PersonalAssistant => {
            let account = s.store.personal_assistant_account(param).await?;
            person_subject(s, &s.store.account(&account).await?.person_id.to_string()).await?
        }
    })
}

/// The gate itself, as axum middleware on the API router.
pub async fn gate(State(s): State<AppState>, matched: Option<MatchedPath>, params: RawPathParams, mut req: Request, next: Next) -> Response {
    let route = matched.as_ref().map(|m| m.as_str()).unwrap_or("").trim_start_matches("/api").to_string();
    let method = req.method().clone();
    if is_public(&method, &route) {
        return next.run(req).await;
    }
    let session = match bearer(&req) {
        Some(token) => match s.store.session(token).await {
            Ok(session) => session,
            Err(e) => return ApiError::from(e).into_response(),
        },
        None => None,
    };
    let Some(session) = session else { return unauthorised() };
    let user = session.user;
    if route == "/v1/sessions" {
        req.extensions_mut().insert(ApiUser(user));
        return next.run(req).await;
    }
    let Some((action, scope)) = rule(&method, &route) else {
        tracing::error!(%method, %route, "API route without an access rule: refused");
        return refusal(StatusCode::FORBIDDEN, "forbidden", "This route has no access rule yet, so nobody may use it.");
    };
    // The one path parameter a route names is the record it touches.
    let param = params.iter().next().map(|(_, v)| v.to_string()).unwrap_or_default();
    if scope != Scope::OwnCouncil && Uuid::parse_str(&param).is_err() {
        return refusal(StatusCode::NOT_FOUND, "not_found", &format!("'{param}' is not an id this service gave out"));
    }
    let subject = match subject(&s, scope, &param, &user).await {
        Ok(subject) => subject,
        Err(e) => return ApiError::from(e).into_response(),
    };
    match decide(&user.actor(), action, subject) {
        Ok(()) => {
            // Every allowed read or change of a person's record goes in their access log.
            if let Err(e) = s.store.log_access(&user, subject, action, &format!("{method} {}", req.uri().path())).await {
                return ApiError::from(e).into_response();
            }
            req.extensions_mut().insert(ApiUser(user));
            next.run(req).await
        }
        Err(Refusal::NotFound) => refusal(StatusCode::NOT_FOUND, "not_found", "There is nothing here you can see."),
        Err(Refusal::Forbidden) => refusal(StatusCode::FORBIDDEN, "forbidden", "Your role may not do this."),
    }
}

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
    crate::api::ApiJson(b): crate::api::ApiJson<Credentials>,
) -> Result<(StatusCode, axum::Json<ApiSession>), ApiError> {
    match s.store.sign_in_checked(&b.email, &b.password).await? {
        Ok(session) => Ok((
            StatusCode::CREATED,
            axum::Json(ApiSession {
                token: session.token,
                user_id: session.user.id,
                council_id: session.user.council_id,
                display_name: session.user.display_name,
                role: session.user.role.code().to_string(),
            }),
        )),
        Err(selfdirect_store::SignInRefusal::TooManyAttempts) => Err(ApiError {
            status: StatusCode::TOO_MANY_REQUESTS,
            body: ErrorBody {
                error: "too_many_attempts",
                message: format!("Too many failed sign-ins for this email address; wait {} minutes.", selfdirect_store::LOCKOUT_MINUTES),
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
