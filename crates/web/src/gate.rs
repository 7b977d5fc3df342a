//! The access gate: every page and every API route passes it before its handler runs.
//! One table says, for each route, the action it performs and the record it touches
//! ([`rule`]); the gate finds who is signed in (a session cookie for pages, a bearer token
//! for the API), loads the record's subject, asks the domain's `access::decide`, logs an
//! allowed access to a person's record, and refuses a route that has no rule (fail closed).
//! Handlers then take the signed-in user from the request ([`crate::auth::SignedIn`],
//! [`ApiUser`]); none decides access itself.

use crate::auth::SESSION_COOKIE;
use crate::error::{ApiError, ErrorBody};
use crate::pages::PageError;
use crate::AppState;
use axum::extract::{MatchedPath, RawPathParams, Request, State};
use axum::http::{header, Method, StatusCode};
use axum::middleware::Next;
use axum::response::{IntoResponse, Redirect, Response};
use axum_extra::extract::cookie::CookieJar;
use selfdirect_domain::access::{decide, Action, Refusal, Subject};
use selfdirect_domain::ids::PersonId;
use selfdirect_store::{Session, StoreError, User};
use uuid::Uuid;

/// The signed-in API user, put in the request's extensions by the gate.
#[derive(Clone)]
pub struct ApiUser(pub User);

/// The signed-in page user's session, put in the request's extensions by the gate.
#[derive(Clone)]
pub struct PageSession(pub Session);

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
    /// The signed-in person's own record (`/my-budget`).
    OwnRecord,
}

/// What the gate asks of a route before its handler runs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Rule {
    /// Anyone: the start and sign-in pages, assets, the API's description, signing in.
    Public,
    /// Anyone signed in, about no record (signing out).
    SignedIn,
    /// `access::decide` on the action and the record the route names.
    Decide(Action, Scope),
}

/// Every page route with its rule. A page route missing here is refused for everyone.
pub const PAGES: &[(&str, &str, Rule)] = {
    use Action::*;
    use Rule::*;
    use Scope::*;
    &[
        ("GET", "/", Public),
        ("GET", "/sign-in", Public),
        ("POST", "/sign-in", Public),
        ("POST", "/sign-out", SignedIn),
        ("GET", "/assets/govuk/govuk-frontend.min.css", Public),
        ("GET", "/assets/govuk/govuk-frontend.min.js", Public),
        ("GET", "/assets/selfdirect.css", Public),
        ("GET", "/my-budget", Decide(ViewPerson, OwnRecord)),
        ("GET", "/my-budget/easy-read", Decide(ViewPerson, OwnRecord)),
        ("GET", "/councils/{council_id}", Decide(ViewCaseload, Council)),
        ("GET", "/councils/{council_id}/approvals", Decide(ViewCaseload, Council)),
        ("GET", "/people/{person_id}", Decide(ViewPerson, Person)),
        ("GET", "/people/{person_id}/access-log", Decide(ViewAccessLog, Person)),
        ("GET", "/people/{person_id}/commissioned-services", Decide(ManagePeople, Person)),
        ("POST", "/people/{person_id}/commissioned-services", Decide(ManagePeople, Person)),
        ("GET", "/plans/{plan_id}", Decide(ViewPerson, Plan)),
        ("POST", "/plans/{plan_id}/approve", Decide(DecidePlan, Plan)),
        ("POST", "/plans/{plan_id}/return", Decide(DecidePlan, Plan)),
        ("GET", "/plans/{plan_id}/revise", Decide(DecidePlan, Plan)),
        ("POST", "/plans/{plan_id}/revise", Decide(DecidePlan, Plan)),
        ("POST", "/plans/{plan_id}/revisions/{revision_id}/decision", Decide(DecidePlan, Plan)),
        ("GET", "/plans/{plan_id}/edit", Decide(EditPlan, Plan)),
        ("POST", "/plans/{plan_id}/edit", Decide(EditPlan, Plan)),
        ("GET", "/plans/{plan_id}/money", Decide(ChooseDeployment, Plan)),
        ("POST", "/plans/{plan_id}/money", Decide(ChooseDeployment, Plan)),
        ("GET", "/accounts/{account_id}/spending", Decide(RecordSpending, Account)),
        ("POST", "/accounts/{account_id}/spending", Decide(RecordSpending, Account)),
        ("GET", "/councils/{council_id}/dashboard", Decide(ViewAggregates, Council)),
        ("GET", "/councils/{council_id}/dashboard/spending.csv", Decide(ViewAggregates, Council)),
        ("GET", "/councils/{council_id}/finance", Decide(ManageFinance, Council)),
        ("POST", "/councils/{council_id}/payment-runs", Decide(ManageFinance, Council)),
        ("GET", "/payment-runs/{run_id}", Decide(ManageFinance, PaymentRun)),
        ("GET", "/payment-runs/{run_id}/file/{format}", Decide(ManageFinance, PaymentRun)),
        ("GET", "/councils/{council_id}/invoices", Decide(SubmitInvoices, Council)),
        ("POST", "/councils/{council_id}/invoices", Decide(SubmitInvoices, Council)),
        ("POST", "/councils/{council_id}/invoices/csv", Decide(SubmitInvoices, Council)),
        ("POST", "/accounts/{account_id}/bank-details/{change_id}/confirm", Decide(ConfirmBankDetails, Account)),
        ("POST", "/accounts/{account_id}/recovery-notices/{notice_id}/recover", Decide(ManageFinance, Account)),
        ("GET", "/accounts/{account_id}/suspension", Decide(ManageFinance, Account)),
        ("POST", "/accounts/{account_id}/suspension", Decide(ManageFinance, Account)),
        ("GET", "/accounts/{account_id}/review", Decide(ManagePeople, Account)),
        ("POST", "/accounts/{account_id}/review", Decide(ManagePeople, Account)),
        ("GET", "/accounts/{account_id}/ending", Decide(DecidePlan, Account)),
        ("POST", "/accounts/{account_id}/ending", Decide(DecidePlan, Account)),
        ("GET", "/accounts/{account_id}/transfer", Decide(DecidePlan, Account)),
        ("POST", "/accounts/{account_id}/transfer", Decide(DecidePlan, Account)),
        ("GET", "/service/councils", Decide(CreateCouncil, OwnCouncil)),
        ("POST", "/service/councils", Decide(CreateCouncil, OwnCouncil)),
    ]
};

/// The rule for a route, page or API (`route` as the router matched it, with `/api` for
/// the API). None: nobody may use it.
pub fn rule(method: &Method, route: &str) -> Option<Rule> {
    let method = if method == Method::HEAD { &Method::GET } else { method };
    match route.strip_prefix("/api") {
        Some("/openapi.json") => Some(Rule::Public),
        Some("/v1/sessions") if method == Method::POST => Some(Rule::Public),
        Some("/v1/sessions") => Some(Rule::SignedIn),
        Some(api) => api_rule(method, api).map(|(action, scope)| Rule::Decide(action, scope)),
        None => PAGES.iter().find(|(m, r, _)| *m == method.as_str() && *r == route).map(|(_, _, rule)| *rule),
    }
}

/// The rule for each API route (its path under `/api`): the action it performs and what
/// it is performed on.
fn api_rule(method: &Method, route: &str) -> Option<(Action, Scope)> {
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
        "/v1/people/{person_id}/commissioned-services" if get => (ViewPerson, Person),
        "/v1/people/{person_id}/commissioned-services" => (ManagePeople, Person),
        // The person (or whoever helps them plan) chooses their broker.
        "/v1/people/{person_id}/broker" => (EditPlan, Person),
        "/v1/people/{person_id}/case-allocation" => (ManagePeople, Person),
        // Teams are council set-up: its administrator's.
        "/v1/councils/{council_id}/teams" => (SetUpCouncil, Council),
        "/v1/people/{person_id}/access-log" => (ViewAccessLog, Person),
        "/v1/people/{person_id}/plans" => (EditPlan, Person),
        "/v1/assessments/{assessment_id}" => (ViewPerson, Assessment),
        "/v1/plans/{plan_id}" if get => (ViewPerson, Plan),
        "/v1/plans/{plan_id}" | "/v1/plans/{plan_id}/submit" => (EditPlan, Plan),
        "/v1/plans/{plan_id}/approve" | "/v1/plans/{plan_id}/return" => (DecidePlan, Plan),
        // The person sees every version of their plan; revising one is a decision on it.
        "/v1/plans/{plan_id}/revisions" if get => (ViewPerson, Plan),
        "/v1/plans/{plan_id}/revisions" | "/v1/plans/{plan_id}/revisions/{revision_id}/decision" => (DecidePlan, Plan),
        "/v1/plans/{plan_id}/account" => (ChooseDeployment, Plan),
        "/v1/reconsiderations/{reconsideration_id}/decision" => (DecidePlan, Reconsideration),
        "/v1/accounts/{account_id}" | "/v1/accounts/{account_id}/entries" => (ViewPerson, Account),
        "/v1/accounts/{account_id}/payments"
        | "/v1/accounts/{account_id}/financial-assessments"
        | "/v1/accounts/{account_id}/suspension"
        | "/v1/accounts/{account_id}/recoveries" => (ManageFinance, Account),
        "/v1/accounts/{account_id}/spending" | "/v1/accounts/{account_id}/personal-assistants" => (RecordSpending, Account),
        "/v1/accounts/{account_id}/bank-details" => (ChangeBankDetails, Account),
        "/v1/accounts/{account_id}/bank-details/{change_id}/confirm" => (ConfirmBankDetails, Account),
        "/v1/accounts/{account_id}/reviews" => (ManagePeople, Account),
        // Ending support, or moving it to another council, is a decision on the plan: a
        // social worker's or team manager's.
        "/v1/accounts/{account_id}/ending" | "/v1/accounts/{account_id}/transfer" => (DecidePlan, Account),
        "/v1/accounts/{account_id}/recovery-notices" => (ViewPerson, Account),
        "/v1/accounts/{account_id}/recovery-notices/{notice_id}/recover" => (ManageFinance, Account),
        "/v1/accounts/{account_id}/outcome-surveys" => (RecordSpending, Account),
        "/v1/councils/{council_id}/outcome-surveys" | "/v1/councils/{council_id}/spending" | "/v1/councils/{council_id}/provider-income" => {
            (ViewAggregates, Council)
        }
        "/v1/councils/{council_id}/block-contracts" if get => (ViewAggregates, Council),
        "/v1/councils/{council_id}/block-contracts" => (ManageContracts, Council),
        // The scheme of delegation is council set-up: its administrator's.
        "/v1/councils/{council_id}/approval-limit" => (SetUpCouncil, Council),
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

async fn person_subject(s: &AppState, person_id: PersonId) -> Result<Subject, StoreError> {
    let person = s.store.person(person_id).await?;
    Ok(person.subject())
}

/// The subject of the record a route touches; `param` is the route's first path parameter.
async fn subject(s: &AppState, scope: Scope, param: &str, user: &User) -> Result<Result<Subject, Refusal>, StoreError> {
    Ok(Ok(match scope {
        Scope::OwnCouncil => Subject::Council(user.council_id),
        Scope::OwnRecord => match user.person_id {
            Some(person) => person_subject(s, person).await?,
            None => return Ok(Err(Refusal::Forbidden)),
        },
        Scope::Council => Subject::Council(s.store.council(param.parse()?).await?.id),
        Scope::Person => person_subject(s, param.parse()?).await?,
        Scope::Plan => person_subject(s, s.store.plan(param.parse()?).await?.person_id).await?,
        Scope::Account => person_subject(s, s.store.account(param.parse()?).await?.person_id).await?,
        Scope::Assessment => person_subject(s, s.store.assessment(param.parse()?).await?.person_id).await?,
        Scope::Reconsideration => person_subject(s, s.store.reconsideration(param.parse()?).await?.person_id).await?,
        Scope::PaymentRun => Subject::Council(s.store.payment_run_council(param.parse()?).await?.into()),
        Scope::PersonalAssistant => {
            let account = s.store.personal_assistant_account(param.parse()?).await?;
            person_subject(s, s.store.account(account).await?.person_id).await?
        }
    }))
}

/// How the gate answers on the API (JSON) and on pages (a page, or sign in first).
#[derive(Clone, Copy, PartialEq, Eq)]
enum Face {
    Api,
    Page,
}

impl Face {
    fn not_signed_in(self, req: &Request) -> Response {
        match self {
            Face::Api => unauthorised(),
            Face::Page => {
                let here = req.uri().path_and_query().map(|p| p.as_str()).unwrap_or("/");
                let query = serde_urlencoded::to_string([("next", here)]).unwrap_or_default();
                Redirect::to(&format!("/sign-in?{query}")).into_response()
            }
        }
    }

    fn refused(self, refused: Refusal) -> Response {
        match (self, refused) {
            (Face::Page, r) => PageError::Refused(r).into_response(),
            (Face::Api, Refusal::NotFound) => refusal(StatusCode::NOT_FOUND, "not_found", "There is nothing here you can see."),
            (Face::Api, Refusal::Forbidden) => refusal(StatusCode::FORBIDDEN, "forbidden", "Your role may not do this."),
        }
    }

    fn failed(self, e: StoreError) -> Response {
        match self {
            Face::Api => ApiError::from(e).into_response(),
            Face::Page => PageError::from(e).into_response(),
        }
    }

    fn no_rule(self) -> Response {
        match self {
            Face::Api => refusal(StatusCode::FORBIDDEN, "forbidden", "This route has no access rule yet, so nobody may use it."),
            Face::Page => PageError::Refused(Refusal::Forbidden).into_response(),
        }
    }
}

/// The token that names the session: the bearer token (API) or the cookie (pages).
fn session_token(face: Face, req: &Request) -> Option<String> {
    match face {
        Face::Api => bearer(req).map(str::to_string),
        Face::Page => CookieJar::from_headers(req.headers()).get(SESSION_COOKIE).map(|c| c.value().to_string()),
    }
}

/// The gate itself, as axum middleware on every route of the application.
pub async fn gate(State(s): State<AppState>, matched: Option<MatchedPath>, params: RawPathParams, mut req: Request, next: Next) -> Response {
    let route = matched.as_ref().map(|m| m.as_str()).unwrap_or("").to_string();
    let face = if route.starts_with("/api/") { Face::Api } else { Face::Page };
    let method = req.method().clone();
    let Some(rule) = rule(&method, &route) else {
        tracing::error!(%method, %route, "route without an access rule: refused");
        return face.no_rule();
    };
    if rule == Rule::Public {
        return next.run(req).await;
    }
    let session = match session_token(face, &req) {
        Some(token) => s.store.session(&token).await,
        None => Ok(None),
    };
    let session = match session {
        Ok(Some(session)) => session,
        Ok(None) => return face.not_signed_in(&req),
        Err(e) => return face.failed(e),
    };
    if let Rule::Decide(action, scope) = rule {
        // The first path parameter a route names is the record it touches.
        let param = params.iter().next().map(|(_, v)| v.to_string()).unwrap_or_default();
        if !matches!(scope, Scope::OwnCouncil | Scope::OwnRecord) && Uuid::parse_str(&param).is_err() {
            return face.refused(Refusal::NotFound);
        }
        let user = &session.user;
        let subject = match subject(&s, scope, &param, user).await {
            Ok(Ok(subject)) => subject,
            Ok(Err(refused)) => return face.refused(refused),
            Err(e) => return face.failed(e),
        };
        if let Err(refused) = decide(&user.actor(), action, subject) {
            return face.refused(refused);
        }
        // Every allowed read or change of a person's record goes in their access log.
        let what = match face {
            Face::Api => format!("{method} {}", req.uri().path()),
            Face::Page => format!("page {method} {}", req.uri().path()),
        };
        if let Err(e) = s.store.log_access(user, subject, action, &what).await {
            return face.failed(e);
        }
    }
    match face {
        Face::Api => {
            req.extensions_mut().insert(ApiUser(session.user));
        }
        Face::Page => {
            req.extensions_mut().insert(PageSession(session));
        }
    }
    next.run(req).await
}
