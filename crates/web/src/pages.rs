//! Server-rendered pages in the GOV.UK Design System style. They work without JavaScript.

use crate::auth::{self, Nav, SignedIn};
use crate::forms::{capitalise, SummaryError};
use crate::AppState;
use askama::Template;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{Html, IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use axum::{Form, Router};
use selfdirect_domain::access::{Action, Refusal};
use selfdirect_domain::dates::long;
use selfdirect_domain::deployment::streams::FundingStreams;
use selfdirect_domain::ids::{CouncilId, PersonId, PlanId};
use selfdirect_domain::money::ledger::EntryKind;
use selfdirect_domain::money::statement::StreamStatement;
use selfdirect_domain::plan::PlanStatus;
use selfdirect_domain::ras::{weekly, Allocation};
use selfdirect_domain::review::Reassessment;
use selfdirect_domain::Money;
use selfdirect_store::{AccountView, Council, Plan, StoreError};
use serde::Deserialize;
use std::collections::HashMap;

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/", get(auth::start))
        .route("/sign-in", get(auth::sign_in_form).post(auth::sign_in))
        .route("/sign-out", post(auth::sign_out))
        .route("/councils/{council_id}", get(council))
        .route("/councils/{council_id}/approvals", get(approvals))
        .route("/people/{person_id}", get(person))
        .route("/plans/{plan_id}", get(plan))
        .route("/plans/{plan_id}/approve", post(approve))
        .route("/plans/{plan_id}/return", post(return_for_changes))
        .fallback(not_found)
}

/// A page, or a helpful error page.
pub type PageResult = Result<Response, PageError>;

pub enum PageError {
    Store(StoreError),
    /// The access rules said no: not found (another council's, or not yours) or forbidden.
    Refused(Refusal),
    /// A form without this session's CSRF token: it came from somewhere else, or is stale.
    BadCsrf,
}

impl From<StoreError> for PageError {
    fn from(e: StoreError) -> PageError {
        PageError::Store(e)
    }
}

/// Text in a URL or form that cannot be an id names no record.
impl From<selfdirect_domain::ids::UnknownId> for PageError {
    fn from(e: selfdirect_domain::ids::UnknownId) -> PageError {
        PageError::Store(e.into())
    }
}

impl IntoResponse for PageError {
    fn into_response(self) -> Response {
        let (status, title, message) = match &self {
            PageError::Store(StoreError::NotFound { what, .. }) => (
                StatusCode::NOT_FOUND,
                "Page not found".to_string(),
                format!("We could not find that {what}. Check the link, or start again from your home page."),
            ),
            PageError::Refused(Refusal::NotFound) => {
                (StatusCode::NOT_FOUND, "Page not found".to_string(), "If you typed the web address, check it is correct.".to_string())
            }
            PageError::Refused(Refusal::Forbidden) => (
                StatusCode::FORBIDDEN,
                "You cannot see this page".to_string(),
                "Your role does not include this. If you think it should, ask your team manager.".to_string(),
            ),
            PageError::BadCsrf => (
                StatusCode::FORBIDDEN,
                "Your form could not be sent".to_string(),
                "The page was open for too long, or you signed in again since. Go back, reload the page and try again. Nothing was changed.".to_string(),
            ),
            PageError::Store(StoreError::Invalid(p)) => (StatusCode::UNPROCESSABLE_ENTITY, "There is a problem".to_string(), p.to_string()),
            PageError::Store(StoreError::Conflict(m)) => (StatusCode::CONFLICT, "That cannot be done now".to_string(), m.clone()),
            PageError::Store(other) => {
                tracing::error!(error = %other, "page failed");
                (
                    StatusCode::INTERNAL_SERVER_ERROR,
                    "Sorry, there is a problem with the service".to_string(),
                    "Nothing was changed. Try again later.".to_string(),
                )
            }
        };
        render(status, &ErrorPage { nav: None, title, message })
    }
}

pub fn render(status: StatusCode, template: &impl Template) -> Response {
    match template.render() {
        Ok(html) => (status, Html(html)).into_response(),
        Err(e) => {
            tracing::error!(error = %e, "template failed");
            (StatusCode::INTERNAL_SERVER_ERROR, "Sorry, there is a problem with the service.").into_response()
        }
    }
}

#[derive(Template)]
#[template(path = "error.html")]
struct ErrorPage {
    nav: Option<Nav>,
    title: String,
    message: String,
}

async fn not_found() -> Response {
    render(
        StatusCode::NOT_FOUND,
        &ErrorPage { nav: None, title: "Page not found".into(), message: "If you typed the web address, check it is correct.".into() },
    )
}

struct PersonRow {
    id: String,
    name: String,
    client_group: &'static str,
    postcode: String,
}

struct ReviewRow {
    person_id: String,
    person_name: String,
    due_on: String,
    overdue: bool,
}

#[derive(Template)]
#[template(path = "council.html")]
struct CouncilPage {
    nav: Option<Nav>,
    council: Council,
    long_term: i64,
    personal_budget: String,
    direct_payment: String,
    awaiting_approval: usize,
    returned: usize,
    to_assess: Vec<PersonRow>,
    concerns: Vec<selfdirect_store::Concern>,
    dbs: Vec<selfdirect_store::DbsAlertRow>,
    reviews: Vec<ReviewRow>,
    people: Vec<PersonRow>,
}

/// "12 (34.5%)", or just the count when there is no percentage to show.
fn count_and_percent(n: i64, percent: Option<String>) -> String {
    match percent {
        Some(p) => format!("{n} ({p}%)"),
        None => n.to_string(),
    }
}

async fn council(State(s): State<AppState>, me: SignedIn, Path(council_id): Path<CouncilId>) -> PageResult {
    let council = s.store.council(council_id).await?;
    let uptake = s.store.uptake(council_id, None).await?.uptake;
    let today = time::OffsetDateTime::now_utc().date();
    let reviews = s.store.reviews_due(council_id, today + time::Duration::days(28)).await?;
    let awaiting = s.store.plans_with_status(council_id, PlanStatus::Submitted).await?;
    let people = s.store.people(council_id, 500).await?;
    let returned = s.store.plans_with_status(council_id, PlanStatus::Returned).await?;
    let to_assess = s.store.people_awaiting_assessment(council_id, 100).await?;
    let concerns = s.store.open_concerns(council_id).await?;
    let dbs = s.store.dbs_alerts(council_id, None).await?;
    let all_ids = people.iter().chain(&to_assess).map(|p| p.id).chain(reviews.iter().map(|r| r.person_id)).chain(concerns.iter().map(|c| c.person_id));
    let all_ids = all_ids.chain(dbs.iter().map(|d| d.person_id)).chain(awaiting.iter().map(|p| p.person_id));
    let all_ids: Vec<PersonId> = all_ids.chain(returned.iter().map(|p| p.person_id)).collect();
    let shown = s.store.visible_people(&me.0.user.actor(), council.id, all_ids).await?;
    let people: Vec<_> = people.into_iter().filter(|p| shown.contains(&p.id)).collect();
    let to_assess: Vec<_> = to_assess.into_iter().filter(|p| shown.contains(&p.id)).collect();
    let reviews: Vec<_> = reviews.into_iter().filter(|r| shown.contains(&r.person_id)).collect();
    let concerns: Vec<_> = concerns.into_iter().filter(|c| shown.contains(&c.person_id)).collect();
    let dbs: Vec<_> = dbs.into_iter().filter(|d| shown.contains(&d.person_id)).collect();
    let awaiting: Vec<_> = awaiting.into_iter().filter(|p| shown.contains(&p.person_id)).collect();
    let returned = returned.iter().filter(|p| shown.contains(&p.person_id)).count();
    let row = |p: selfdirect_store::Person| PersonRow {
        id: p.id.to_string(),
        name: p.full_name(),
        client_group: p.details.client_group.label(),
        postcode: p.details.postcode,
    };
    let page = CouncilPage {
        nav: me.nav(),
        long_term: uptake.counts.long_term_support,
        personal_budget: count_and_percent(uptake.counts.personal_budget, uptake.personal_budget_percent.map(|p| p.to_string())),
        direct_payment: count_and_percent(uptake.counts.direct_payment, uptake.direct_payment_percent.map(|p| p.to_string())),
        awaiting_approval: awaiting.len(),
        returned,
        to_assess: to_assess.into_iter().map(row).collect(),
        concerns,
        dbs,
        reviews: reviews
            .into_iter()
            .map(|r| ReviewRow { person_id: r.person_id.to_string(), person_name: r.person_name, due_on: long(r.due_on), overdue: r.overdue })
            .collect(),
        people: people.into_iter().map(row).collect(),
        council,
    };
    Ok(render(StatusCode::OK, &page))
}

struct QueueRow {
    id: String,
    person_name: String,
    indicative_budget: Money,
    total: Money,
    over_budget: bool,
}

#[derive(Template)]
#[template(path = "approvals.html")]
struct ApprovalsPage {
    nav: Option<Nav>,
    council: Council,
    plans: Vec<QueueRow>,
}

async fn approvals(State(s): State<AppState>, me: SignedIn, Path(council_id): Path<CouncilId>) -> PageResult {
    let council = s.store.council(council_id).await?;
    let waiting = s.store.plans_with_status(council_id, PlanStatus::Submitted).await?;
    let ids: Vec<PersonId> = waiting.iter().map(|p| p.person_id).collect();
    let shown = s.store.visible_people(&me.0.user.actor(), council.id, ids).await?;
    let plans = waiting
        .into_iter()
        .filter(|p| shown.contains(&p.person_id))
        .map(|p| QueueRow {
            id: p.id.to_string(),
            person_name: p.person_name,
            indicative_budget: p.indicative_budget,
            total: p.total,
            over_budget: p.total > p.indicative_budget,
        })
        .collect();
    Ok(render(StatusCode::OK, &ApprovalsPage { nav: me.nav(), council, plans }))
}

struct LineView {
    description: String,
    provider: String,
    category: &'static str,
    stream: String,
    how_often: String,
    deployment: &'static str,
    annual_cost: Money,
    risk_note: Option<String>,
    /// "From 13 May 2026", "Until 12 May 2026": a line a revision began or ended.
    in_force: Option<String>,
}

/// A revision of the plan, for the plan page.
struct RevisionView {
    id: String,
    number: i64,
    from: String,
    reason: String,
    before: Money,
    after: Money,
    status: &'static str,
    waiting: bool,
    decided: String,
}

impl RevisionView {
    fn new(r: &selfdirect_store::PlanRevision) -> RevisionView {
        let status = match r.status.as_str() {
            "approved" => "In force",
            "submitted" => "Waiting for a team manager",
            _ => "Returned",
        };
        let decided = match (&r.decided_by, &r.decision_note) {
            (Some(by), Some(note)) => format!("{by}: {note}"),
            (Some(by), None) => by.clone(),
            _ => String::new(),
        };
        RevisionView {
            id: r.id.to_string(),
            number: r.number,
            from: long(r.effective_from),
            reason: match r.new_indicative_budget {
                Some(indicative) => format!("{} (follows a new assessment: an indicative budget of {indicative} a year)", r.reason),
                None => r.reason.clone(),
            },
            before: r.annual_cost_before,
            after: r.annual_cost_after,
            status,
            waiting: r.status == "submitted",
            decided: format!("Asked by {}{}", r.requested_by, if decided.is_empty() { String::new() } else { format!("; decided by {decided}") }),
        }
    }
}

struct PlanView {
    id: String,
    status: &'static str,
    status_class: &'static str,
    period: String,
    outcomes: Vec<String>,
    lines: Vec<LineView>,
    total: Money,
    indicative_budget: Money,
    over_budget_reason: Option<String>,
    return_reasons: Option<String>,
    awaiting_approval: bool,
}

impl PlanView {
    fn new(plan: &Plan, streams: &FundingStreams) -> PlanView {
        PlanView {
            id: plan.id.to_string(),
            status: plan.status.label(),
            status_class: match plan.status {
                PlanStatus::Draft => "govuk-tag--grey",
                PlanStatus::Submitted => "govuk-tag--blue",
                PlanStatus::Approved => "govuk-tag--green",
                PlanStatus::Returned => "govuk-tag--orange",
            },
            period: format!("from {} to {}", long(plan.start_date), long(plan.end_date)),
            outcomes: plan.outcomes.clone(),
            lines: plan
                .lines
                .iter()
                .map(|l| LineView {
                    description: l.line.description.clone(),
                    provider: l.line.provider.clone(),
                    category: l.line.category.label(),
                    stream: streams.label(&l.line.stream),
                    how_often: format!("{} × {} {}", l.line.units_per_period.normalize(), l.line.unit_cost, l.line.frequency.label()),
                    deployment: l.line.deployment.map(|d| d.label()).unwrap_or("Not chosen yet"),
                    annual_cost: l.annual_cost,
                    risk_note: l.line.risk_note.clone(),
                    in_force: match (l.in_force.from, l.in_force.to) {
                        (Some(from), Some(to)) => Some(format!("From {} until {}", long(from), long(to))),
                        (Some(from), None) => Some(format!("From {}", long(from))),
                        (None, Some(to)) => Some(format!("Until {}", long(to))),
                        (None, None) => None,
                    },
                })
                .collect(),
            total: plan.total,
            indicative_budget: plan.indicative_budget,
            over_budget_reason: plan.over_budget_reason.clone(),
            return_reasons: plan.return_reasons.clone(),
            awaiting_approval: plan.status == PlanStatus::Submitted,
        }
    }
}

struct ContactView {
    role: &'static str,
    name: String,
    relationship: String,
    phone: Option<String>,
}

struct BalanceView {
    stream: String,
    allocated: Money,
    available: Money,
    held_by_budget_holder: Money,
    held_by_provider: Money,
    spent: Money,
}

struct StatementRow {
    date: String,
    what: String,
    amount: Money,
}

struct AccountPageView {
    id: String,
    deployment: &'static str,
    final_budget: Money,
    period: String,
    balances: Vec<BalanceView>,
    spent: Money,
    unspent: Money,
    statement: Vec<StatementRow>,
    /// Per funding stream, in plain English.
    stream_statements: Vec<StreamStatement>,
    /// When the next review is due; none once support has ended.
    next_review: Option<String>,
    includes_direct_payment: bool,
}

impl AccountPageView {
    fn new(view: &AccountView, streams: &FundingStreams) -> AccountPageView {
        let a = &view.account;
        AccountPageView {
            id: a.id.to_string(),
            deployment: a.deployment.label(),
            final_budget: a.final_budget,
            period: format!("{} to {}", long(a.start_date), long(a.end_date)),
            balances: view
                .balances
                .iter()
                .map(|b| BalanceView {
                    stream: streams.label(&b.stream),
                    allocated: b.allocated,
                    available: b.available,
                    held_by_budget_holder: b.held_by_budget_holder,
                    held_by_provider: b.held_by_provider,
                    spent: b.spent,
                })
                .collect(),
            spent: view.spent,
            unspent: view.unspent,
            stream_statements: view.statements.clone(),
            statement: view
                .entries
                .iter()
                .map(|e| StatementRow {
                    date: long(e.occurred_on),
                    what: match (&e.payee_name, e.kind) {
                        (Some(payee), EntryKind::PaymentToBudgetHolder | EntryKind::PaymentToProvider) => {
                            format!("{}: {} (paid to {payee})", e.kind.label(), e.description)
                        }
                        _ => format!("{}: {}", e.kind.label(), e.description),
                    },
                    // The amount moved is the sum of the entry's positive postings.
                    amount: e.postings.iter().filter(|p| !p.amount.is_negative()).map(|p| p.amount).sum(),
                })
                .collect(),
            next_review: a.ended.is_none().then(|| long(a.next_review_due)),
            includes_direct_payment: a.includes_direct_payment,
        }
    }
}

struct ReconsiderationView {
    requested_on: String,
    outcome: String,
}

struct ReviewView {
    completed_on: String,
    reviewer: String,
    /// Who took part, what was met, working and not, and the decision, in sentences.
    summary: Vec<String>,
}

impl ReviewView {
    fn new(r: &selfdirect_store::Review) -> ReviewView {
        let mut summary = Vec::new();
        if !r.participants.is_empty() {
            summary.push(format!("Took part: {}.", r.participants.iter().map(|p| p.label().to_lowercase()).collect::<Vec<_>>().join(", ")));
        }
        if !r.outcomes_met.is_empty() {
            summary.push(format!("Outcomes met: {}.", r.outcomes_met.join("; ")));
        }
        for (words, text) in [("Working", &r.working), ("Not working", &r.not_working)] {
            if let Some(t) = text {
                summary.push(format!("{words}: {t}"));
            }
        }
        if let Some(d) = r.decision {
            summary.push(format!("Decision: {}.", d.label()));
        }
        if !r.notes.is_empty() {
            summary.push(r.notes.clone());
        }
        ReviewView { completed_on: long(r.completed_on), reviewer: r.reviewer.clone(), summary }
    }
}

#[derive(Template)]
#[template(path = "person.html")]
pub(crate) struct PersonPage {
    nav: Option<Nav>,
    notice: Option<String>,
    council_id: String,
    person_id: String,
    /// Budget holders see "your"; staff see the person's name.
    own_record: bool,
    may_edit_plan: bool,
    may_choose_deployment: bool,
    may_record_spending: bool,
    name: String,
    client_group: &'static str,
    date_of_birth: String,
    nhs_number: Option<String>,
    address: String,
    postcode: String,
    contacts: Vec<ContactView>,
    allocation: Option<Allocation>,
    budget_headline: String,
    budget_caption: String,
    assessed_on: String,
    assessor: String,
    reconsiderations: Vec<ReconsiderationView>,
    difference: Option<selfdirect_store::BudgetDifference>,
    plan: Option<PlanView>,
    account: Option<AccountPageView>,
    /// A change of where the direct payment goes, waiting for a second person: shown so a
    /// change nobody asked for is seen at once.
    bank_change: Option<selfdirect_store::BankDetailChange>,
    reviews: Vec<ReviewView>,
    /// Support that has ended, in words, and the notices of recovery sent.
    ended: Option<String>,
    notices: Vec<String>,
    may_end_support: bool,
    /// Moves from or to another council, in words.
    moves: Vec<String>,
    /// A re-assessment due or to be followed, in words; and the plan to change to follow
    /// it, for those who may.
    reassessment: Option<String>,
    follow_plan: Option<String>,
    may_review: bool,
    may_suspend: bool,
    suspended: Option<String>,
    /// Services the council commissions for the person, in words.
    commissioned: Vec<String>,
    may_record_service: bool,
}

/// What the person page says after a change, by the query key the change redirects with.
const PERSON_NOTICES: [(&str, &str); 10] = [
    ("sent", "The plan has been sent to the council for approval."),
    ("money", "The budget account is open. Money will be paid as chosen."),
    ("spent", "Your spending is recorded."),
    ("suspended", "Payments are suspended. Nothing is paid for the days until they start again."),
    ("resumed", "Payments start again. The days away are not paid."),
    ("reviewed", "The review is saved. The next review is due in a year."),
    (
        "reassess",
        "The review is saved. A new assessment is due: the person is on the council's list to assess. Once it is made, change the plan from a date to follow its indicative budget.",
    ),
    ("commissioned", "The service is recorded. Offer a personal budget at the review: when one starts, the service ends the day before."),
    ("ended", "Support has ended. Payments stop after the last day, and any notice of recovery has been sent."),
    (
        "moved",
        "Support has moved to the new council. It has been given the assessment and the plan, and its money starts the day after the last day paid here.",
    ),
];

async fn person(State(s): State<AppState>, me: SignedIn, Path(person_id): Path<PersonId>, Query(q): Query<HashMap<String, String>>) -> PageResult {
    let notice = PERSON_NOTICES.iter().find(|(key, _)| q.contains_key(*key)).map(|(_, words)| *words);
    person_page(&s, &me, &person_id.to_string(), notice).await
}

/// One side of a move, as the council holding it says it.
fn move_words(t: &selfdirect_store::TransferRecord) -> String {
    use selfdirect_domain::review::transfer::TransferDirection;
    match t.direction {
        TransferDirection::Out => format!(
            "Moved to {} on {}. Support here ended the day before {}; {} carries the plan on from then.",
            t.other_council,
            long(t.moves_on),
            long(t.carried_from),
            t.other_council
        ),
        TransferDirection::In => format!(
            "Moved here from {} on {}. This council carries on {}'s plan from {} until it has made its own assessment (Care Act 2014, section 38).",
            t.other_council,
            long(t.moves_on),
            t.other_council,
            long(t.carried_from)
        ),
    }
}

/// A person's record: for them, "my budget"; for staff, their case.
pub(crate) async fn person_page(s: &AppState, me: &SignedIn, person_id: &str, notice: Option<&str>) -> PageResult {
    let o = s.store.person_overview(person_id.parse()?).await?;
    let subject = o.person.subject();
    let editable = o.plan.as_ref().is_some_and(|p| matches!(p.status, PlanStatus::Draft | PlanStatus::Returned));
    let choosable = o.plan.as_ref().is_some_and(|p| p.status == PlanStatus::Approved) && o.account.is_none();
    let spendable = o.account.as_ref().is_some_and(|a| a.account.includes_direct_payment);
    let bank_change = match &o.account {
        Some(a) => s.store.bank_detail_changes(a.account.id).await?.into_iter().find(|c| c.status == "pending"),
        None => None,
    };
    let ended = o.account.as_ref().and_then(|a| a.account.ended.clone());
    let notices = match &o.account {
        Some(a) => s.store.recovery_notices(a.account.id).await?.iter().map(notice_words).collect(),
        None => Vec::new(),
    };
    let may_end_support = o.account.is_some() && ended.is_none() && me.may(Action::DecidePlan, subject);
    let own_record = me.0.user.person_id == Some(o.person.id);
    let reassessment = s.store.reassessment(o.person.id).await?;
    let follow_plan = match (reassessment, &o.account) {
        (Some(Reassessment::ToFollow { .. }), Some(a)) if me.may(Action::DecidePlan, subject) => Some(a.account.plan_id.to_string()),
        _ => None,
    };
    let final_budget = o.plan.as_ref().and_then(|p| p.final_budget);
    let indicative = o.plan.as_ref().filter(|p| p.final_budget.is_some()).map(|p| p.indicative_budget).or(o.allocation.as_ref().map(|a| a.allocation.total));
    let (budget_headline, budget_caption) = match (indicative, final_budget) {
        (Some(i), Some(f)) => {
            (format!("Your personal budget is {f} a year"), format!("About {} a week, agreed in your support plan. Your indicative budget was {i}.", weekly(f)))
        }
        (Some(i), None) => (format!("Your indicative budget is {i} a year"), format!("About {} a week. Use it to plan your support.", weekly(i))),
        (None, _) => (String::new(), String::new()),
    };
    let page = PersonPage {
        nav: me.nav(),
        notice: notice.map(String::from),
        council_id: o.person.council_id.to_string(),
        person_id: o.person.id.to_string(),
        own_record,
        may_edit_plan: editable && me.may(Action::EditPlan, subject),
        may_choose_deployment: choosable && me.may(Action::ChooseDeployment, subject),
        may_record_spending: spendable && me.may(Action::RecordSpending, subject),
        bank_change,
        name: o.person.full_name(),
        client_group: o.person.details.client_group.label(),
        date_of_birth: long(o.person.details.date_of_birth),
        nhs_number: o.person.details.nhs_number.as_ref().map(ToString::to_string),
        address: o.person.details.address.clone(),
        postcode: o.person.details.postcode.clone(),
        contacts: o
            .contacts
            .iter()
            .map(|c| ContactView { role: c.role.label(), name: c.name.clone(), relationship: c.relationship.clone(), phone: c.phone.clone() })
            .collect(),
        assessed_on: o.assessment.as_ref().map(|a| long(a.completed_on)).unwrap_or_default(),
        assessor: o.assessment.as_ref().map(|a| a.assessor.clone()).unwrap_or_default(),
        allocation: o.allocation.map(|a| a.allocation),
        reconsiderations: o
            .reconsiderations
            .iter()
            .map(|r| ReconsiderationView {
                requested_on: long(r.requested_on),
                outcome: match (r.status.as_str(), r.revised_total) {
                    ("upheld", Some(t)) => format!("we agreed, and your indicative budget is now {t}."),
                    ("not_upheld", _) => format!("we did not change it. {}", r.decision_notes.clone().unwrap_or_default()),
                    _ => "we are looking at it.".to_string(),
                },
            })
            .collect(),
        difference: o.plan.as_ref().and_then(|p| p.budget_difference.clone()),
        budget_headline,
        budget_caption,
        plan: o.plan.as_ref().map(|p| PlanView::new(p, s.store.streams())),
        account: o.account.as_ref().map(|a| AccountPageView::new(a, s.store.streams())),
        reviews: o.reviews.iter().map(ReviewView::new).collect(),
        may_review: o.account.as_ref().is_some_and(|a| a.account.ended.is_none()) && me.may(Action::ManagePeople, subject),
        may_record_service: me.may(Action::ManagePeople, subject),
        commissioned: s.store.commissioned_services(o.person.id).await?.iter().map(service_words).collect(),
        may_suspend: o.account.as_ref().is_some_and(|a| a.account.ended.is_none()) && me.may(Action::ManageFinance, subject),
        suspended: o.account.as_ref().and_then(|a| a.account.suspended_from).map(|from| format!("Payments are suspended from {}.", long(from))),
        ended: ended.map(|e| format!("Support ended on {}: {}. Decided by {}.", long(e.ended_on), e.reason.label().to_lowercase(), e.ended_by)),
        notices,
        may_end_support,
        moves: o.transfers.iter().map(move_words).collect(),
        reassessment: reassessment.map(|r| reassessment_words(r, own_record)),
        follow_plan,
    };
    Ok(render(StatusCode::OK, &page))
}

/// Where a re-assessment stands, for the person or for staff.
fn reassessment_words(r: Reassessment, own_record: bool) -> String {
    match (r, own_record) {
        (Reassessment::Due { decided_on }, true) => {
            format!("Your review on {} decided to look at your needs again: a social worker will make a new assessment with you.", long(decided_on))
        }
        (Reassessment::Due { decided_on }, false) => format!("The review on {} decided to re-assess: a new assessment is due.", long(decided_on)),
        (Reassessment::ToFollow { assessed_on, indicative }, true) => format!(
            "Your new assessment on {} gives an indicative budget of {indicative} a year. Your plan will be changed to it from a date agreed with you.",
            long(assessed_on)
        ),
        (Reassessment::ToFollow { assessed_on, indicative }, false) => {
            format!("The assessment on {} gives an indicative budget of {indicative} a year; the plan does not follow it yet.", long(assessed_on))
        }
    }
}

/// A notice of recovery, as the person reads it.
fn notice_words(n: &selfdirect_store::RecoveryNotice) -> String {
    match n.recovered_on {
        Some(on) => format!("{} of unspent direct payment was returned to the council on {}.", n.amount, long(on)),
        None => format!(
            "We wrote on {}: {} of unspent direct payment will be returned to the council after {}, unless you tell us why it should not be.",
            long(n.noticed_on),
            n.amount,
            long(n.reply_by)
        ),
    }
}

#[derive(Template)]
#[template(path = "plan.html")]
struct PlanPage {
    nav: Option<Nav>,
    may_decide: bool,
    /// An approved plan this user may change from a date.
    may_revise: bool,
    revisions: Vec<RevisionView>,
    revision_note: String,
    revision_note_error: Option<String>,
    council_id: String,
    person_id: String,
    person_name: String,
    plan: PlanView,
    notice: Option<String>,
    errors: Vec<SummaryError>,
    note: String,
    reasons: String,
    reasons_error: Option<String>,
}

#[derive(Deserialize)]
struct PlanQuery {
    done: Option<String>,
}

async fn plan_page(s: &AppState, me: &SignedIn, plan_id: &str) -> Result<PlanPage, PageError> {
    let plan = s.store.plan(plan_id.parse()?).await?;
    let person = s.store.person(plan.person_id).await?;
    let may_decide = me.may(Action::DecidePlan, person.subject());
    let revisions = s.store.plan_revisions(plan.id).await?.iter().map(RevisionView::new).collect();
    Ok(PlanPage {
        nav: me.nav(),
        may_decide,
        may_revise: may_decide && plan.status == PlanStatus::Approved,
        revisions,
        revision_note: String::new(),
        revision_note_error: None,
        council_id: person.council_id.to_string(),
        person_id: person.id.to_string(),
        person_name: person.full_name(),
        plan: PlanView::new(&plan, s.store.streams()),
        notice: None,
        errors: Vec::new(),
        note: String::new(),
        reasons: String::new(),
        reasons_error: None,
    })
}

async fn plan(State(s): State<AppState>, me: SignedIn, Path(plan_id): Path<PlanId>, Query(q): Query<PlanQuery>) -> PageResult {
    let mut page = plan_page(&s, &me, &plan_id.to_string()).await?;
    page.notice = match q.done.as_deref() {
        Some("approved") => Some(format!("Plan approved. The final budget is {} a year.", page.plan.total)),
        Some("returned") => Some("Plan returned for changes.".to_string()),
        Some("revised") => Some(format!("The plan is changed. From its new version it costs {} a year.", page.plan.total)),
        Some("revision_waiting") => Some("The change is above what you may approve: it waits for a team manager. The plan in force carries on.".to_string()),
        Some("revision_returned") => Some("The change was returned. The plan in force carries on.".to_string()),
        _ => None,
    };
    Ok(render(StatusCode::OK, &page))
}

/// Turns a store refusal into the same page with the GOV.UK error summary, keeping what
/// was typed. Field problems go beside their fields; a conflict goes in the summary.
async fn refused(s: &AppState, me: &SignedIn, plan_id: &str, error: StoreError, typed: HashMap<String, String>) -> PageResult {
    let status = match error {
        StoreError::Invalid(_) => StatusCode::UNPROCESSABLE_ENTITY,
        StoreError::Conflict(_) => StatusCode::CONFLICT,
        other => return Err(other.into()),
    };
    let mut page = plan_page(s, me, plan_id).await?;
    let field = |name: &str| typed.get(name).cloned().unwrap_or_default();
    page.note = field("note");
    page.reasons = field("reasons");
    match error {
        StoreError::Invalid(problems) => {
            for problem in problems.into_vec() {
                let message = match problem.field.as_str() {
                    "reasons" => "Enter what needs to change".to_string(),
                    _ => problem.to_string(),
                };
                if problem.field == "reasons" {
                    page.reasons_error = Some(message.clone());
                }
                page.errors.push(SummaryError { href: format!("#{}", problem.field), message });
            }
        }
        StoreError::Conflict(message) => page.errors.push(SummaryError { href: "#main-content".into(), message }),
        _ => unreachable!("other errors returned above"),
    }
    Ok(render(status, &page))
}

/// The plan page again with a refusal by `field` (a decision on a revision).
pub(crate) async fn plan_refused(s: &AppState, me: &SignedIn, plan_id: &str, status: StatusCode, field: &str, message: String) -> PageResult {
    let mut page = plan_page(s, me, plan_id).await?;
    page.revision_note_error = Some(capitalise(&message));
    page.errors.push(SummaryError { href: format!("#{field}"), message: capitalise(&message) });
    Ok(render(status, &page))
}

async fn approve(State(s): State<AppState>, me: SignedIn, Path(plan_id): Path<PlanId>, Form(form): Form<HashMap<String, String>>) -> PageResult {
    me.check_csrf(&form)?;
    let note = form.get("note").map(String::as_str).filter(|n| !n.trim().is_empty());
    match s.store.approve_plan_as(plan_id, &me.0.user.display_name, me.0.user.role, note).await {
        Ok(plan) => Ok(Redirect::to(&format!("/plans/{}?done=approved", plan.id)).into_response()),
        Err(e) => refused(&s, &me, &plan_id.to_string(), e, form).await,
    }
}

async fn return_for_changes(State(s): State<AppState>, me: SignedIn, Path(plan_id): Path<PlanId>, Form(form): Form<HashMap<String, String>>) -> PageResult {
    me.check_csrf(&form)?;
    let reasons = form.get("reasons").map(String::as_str).unwrap_or("");
    match s.store.return_plan(plan_id, &me.0.user.display_name, reasons).await {
        Ok(plan) => Ok(Redirect::to(&format!("/plans/{}?done=returned", plan.id)).into_response()),
        Err(e) => refused(&s, &me, &plan_id.to_string(), e, form).await,
    }
}

/// A commissioned service in words: what, from whom, the cost, and whether a budget replaced it.
fn service_words(c: &selfdirect_store::CommissionedServiceRecord) -> String {
    let running = match (c.end_date, c.replaced_by_account_id) {
        (Some(end), Some(_)) => format!("until {}, replaced by the personal budget", long(end)),
        (Some(end), None) => format!("until {}", long(end)),
        (None, _) => "still arranged by the council".to_string(),
    };
    format!("{} from {}, {} a week, since {}, {running}.", c.service, c.provider, c.weekly_cost, long(c.start_date))
}
