//! The budget holder's own pages: my budget, edit my plan and send it for approval, choose
//! how my money is held, and my budget in easy read. Staff with the same rights (social
//! workers, team managers) can use them on a person's behalf.

use crate::auth::{Nav, SignedIn};
use crate::forms::{capitalise, sentence, FormState, SummaryError};
use crate::pages::{person_page, render, PageError, PageResult};
use crate::AppState;
use askama::Template;
use axum::extract::{DefaultBodyLimit, Multipart, Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect};
use axum::routing::get;
use axum::{Form, Router};
use selfdirect_domain::deployment::streams::SpendingPurpose;
use selfdirect_domain::deployment::DeploymentOption;
use selfdirect_domain::ids::{AccountId, PersonId, PlanId, RevisionId};
use selfdirect_domain::plan::revision::{RevisedLineInput, RevisionInput};
use selfdirect_domain::plan::{Frequency, PlanInput, PlanLineInput, ServiceCategory};
use selfdirect_domain::ras::weekly;
use selfdirect_domain::Money;
use selfdirect_store::{OpenAccountInput, Plan, ReceiptFile, SpendingInput, StoreError};
use std::collections::{BTreeMap, HashMap};

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/my-budget", get(my_budget))
        .route("/my-budget/easy-read", get(easy_read))
        .route("/people/{person_id}/access-log", get(access_log_page))
        .route("/plans/{plan_id}/edit", get(edit_form).post(save))
        .route("/plans/{plan_id}/revise", get(revise_form).post(revise))
        .route("/plans/{plan_id}/revisions/{revision_id}/decision", axum::routing::post(decide_revision))
        .route("/plans/{plan_id}/money", get(deployment_form).post(choose_deployment))
        // Room for the largest receipt and the form around it (axum's default is 2 MB).
        .route(
            "/accounts/{account_id}/spending",
            get(spending_form).post(record_spending).layer(DefaultBodyLimit::max(selfdirect_store::MAX_RECEIPT_BYTES + (1 << 20))),
        )
}

/// Blank rows offered below the plan's lines, so a line can be added without JavaScript.
const BLANK_ROWS: usize = 2;
const LINE_FIELDS: [&str; 8] = ["description", "provider", "category", "frequency", "units", "unit_cost", "risk_note", "deployment"];

async fn my_budget(State(s): State<AppState>, me: SignedIn) -> PageResult {
    let person = me.0.user.person_id.ok_or(PageError::Refused(selfdirect_domain::access::Refusal::Forbidden))?;
    person_page(&s, &me, &person.to_string(), None).await
}

/// The plan and whose it is (the gate has let the user work on it).
async fn plan_for(s: &AppState, plan_id: &str) -> Result<(Plan, String), PageError> {
    let plan = s.store.plan(plan_id.parse()?).await?;
    let person = s.store.person(plan.person_id).await?;
    Ok((plan, person.full_name()))
}

struct Choice {
    code: &'static str,
    label: &'static str,
}

fn choices<T: Copy>(all: &[T], code: fn(T) -> &'static str, label: fn(T) -> &'static str) -> Vec<Choice> {
    all.iter().map(|&v| Choice { code: code(v), label: label(v) }).collect()
}

/// One row of the plan form, as typed, with its problems.
#[derive(Default, Clone)]
struct LineRow {
    index: usize,
    values: BTreeMap<&'static str, String>,
    errors: BTreeMap<&'static str, String>,
}

impl LineRow {
    fn value(&self, field: &str) -> &str {
        self.values.get(field).map(String::as_str).unwrap_or("")
    }
    fn error(&self, field: &str) -> Option<&str> {
        self.errors.get(field).map(String::as_str)
    }
    fn is_blank(&self) -> bool {
        self.values.values().all(|v| v.trim().is_empty())
    }
}

#[derive(Template)]
#[template(path = "plan_edit.html")]
struct PlanEditPage {
    nav: Option<Nav>,
    plan_id: String,
    person_id: String,
    person_name: String,
    own_record: bool,
    version: i64,
    outcomes: String,
    outcomes_error: Option<String>,
    over_budget_reason: String,
    over_budget_reason_error: Option<String>,
    lines_error: Option<String>,
    rows: Vec<LineRow>,
    categories: Vec<Choice>,
    frequencies: Vec<Choice>,
    /// Offered only where a line's holding is chosen with it (a revision).
    deployments: Vec<Choice>,
    indicative_budget: Money,
    total: Option<Money>,
    notice: Option<String>,
    errors: Vec<SummaryError>,
    return_reasons: Option<String>,
}

impl PlanEditPage {
    fn fits(&self) -> Option<(bool, Money)> {
        self.total.map(|t| if t <= self.indicative_budget { (true, self.indicative_budget - t) } else { (false, t - self.indicative_budget) })
    }
}

/// Form rows for `lines`, then blank rows to add to.
fn rows_for<'a>(lines: impl Iterator<Item = &'a selfdirect_store::records::PlanLineRecord>) -> Vec<LineRow> {
    let mut rows: Vec<LineRow> = lines
        .enumerate()
        .map(|(index, l)| {
            let values = BTreeMap::from([
                ("description", l.line.description.clone()),
                ("provider", l.line.provider.clone()),
                ("category", l.line.category.code().to_string()),
                ("frequency", l.line.frequency.code().to_string()),
                ("units", l.line.units_per_period.normalize().to_string()),
                ("unit_cost", l.line.unit_cost.to_plain_string()),
                ("risk_note", l.line.risk_note.clone().unwrap_or_default()),
                ("deployment", l.line.deployment.map(|d| d.code().to_string()).unwrap_or_default()),
            ]);
            LineRow { index, values, errors: BTreeMap::new() }
        })
        .collect();
    let next = rows.len();
    rows.extend((next..next + BLANK_ROWS).map(|index| LineRow { index, ..LineRow::default() }));
    rows
}

fn page_for(me: &SignedIn, plan: &Plan, person_name: String) -> PlanEditPage {
    let rows = rows_for(plan.lines.iter());
    PlanEditPage {
        nav: me.nav(),
        plan_id: plan.id.to_string(),
        person_id: plan.person_id.to_string(),
        person_name,
        own_record: me.0.user.person_id == Some(plan.person_id),
        version: plan.version,
        outcomes: plan.outcomes.join("\n"),
        outcomes_error: None,
        over_budget_reason: plan.over_budget_reason.clone().unwrap_or_default(),
        over_budget_reason_error: None,
        lines_error: None,
        rows,
        categories: choices(ServiceCategory::ALL, ServiceCategory::code, ServiceCategory::label),
        frequencies: choices(Frequency::ALL, Frequency::code, Frequency::label),
        deployments: Vec::new(),
        indicative_budget: plan.indicative_budget,
        total: Some(plan.total),
        notice: None,
        errors: Vec::new(),
        return_reasons: plan.return_reasons.clone(),
    }
}

async fn edit_form(State(s): State<AppState>, me: SignedIn, Path(plan_id): Path<PlanId>) -> PageResult {
    let (plan, name) = plan_for(&s, &plan_id.to_string()).await?;
    Ok(render(StatusCode::OK, &page_for(&me, &plan, name)))
}

/// Reads the form back into rows (keeping exactly what was typed) and a plan input.
/// The form's rows as typed, and which are not blank (`kept[i]` is the row of line i).
fn read_rows(form: &HashMap<String, String>) -> (Vec<LineRow>, Vec<usize>) {
    let count = form.get("rows").and_then(|r| r.parse::<usize>().ok()).unwrap_or(0).min(selfdirect_domain::plan::MAX_LINES + BLANK_ROWS);
    let rows: Vec<LineRow> = (0..count)
        .map(|index| LineRow {
            index,
            values: LINE_FIELDS.iter().map(|&f| (f, form.get(&format!("line-{index}-{f}")).cloned().unwrap_or_default())).collect(),
            errors: BTreeMap::new(),
        })
        .collect();
    let kept: Vec<usize> = rows.iter().filter(|r| !r.is_blank()).map(|r| r.index).collect();
    (rows, kept)
}

/// A row as a plan line, keeping the stream of the line it was shown for.
fn line_input(row: &LineRow, stream: Option<String>) -> PlanLineInput {
    PlanLineInput {
        description: row.value("description").to_string(),
        provider: row.value("provider").to_string(),
        category: row.value("category").to_string(),
        frequency: row.value("frequency").to_string(),
        units_per_period: row.value("units").to_string(),
        unit_cost: row.value("unit_cost").to_string(),
        stream,
        risk_note: Some(row.value("risk_note").to_string()),
    }
}

fn read_form(form: &HashMap<String, String>, plan: &Plan) -> (Vec<LineRow>, PlanInput, Vec<usize>) {
    let (rows, kept) = read_rows(form);
    let lines = kept.iter().map(|&i| line_input(&rows[i], plan.lines.get(i).map(|l| l.line.stream.code().to_string()))).collect();
    let field = |name: &str| form.get(name).cloned().unwrap_or_default();
    let input = PlanInput {
        outcomes: field("outcomes").lines().map(str::trim).filter(|l| !l.is_empty()).map(String::from).collect(),
        lines,
        start_date: selfdirect_domain::dates::iso(plan.start_date),
        end_date: selfdirect_domain::dates::iso(plan.end_date),
        over_budget_reason: Some(field("over_budget_reason")).filter(|r| !r.trim().is_empty()),
    };
    (rows, input, kept)
}

/// Puts a problem about a line beside its field in the row it was typed in; the link to it.
fn put_by_row(rows: &mut [LineRow], kept: &[usize], field: &str, message: &str) -> Option<String> {
    let (line, name) = line_field(field)?;
    let row = *kept.get(line)?;
    rows[row].errors.insert(name, message.to_string());
    Some(format!("#line-{row}-{name}"))
}

/// Blank rows again after the typed ones, to add a line.
fn with_blank_rows(mut rows: Vec<LineRow>) -> Vec<LineRow> {
    let shown = rows.len();
    let blank_at_end = rows.iter().rev().take_while(|r| r.is_blank()).count();
    rows.extend((shown..shown + BLANK_ROWS.saturating_sub(blank_at_end)).map(|index| LineRow { index, ..LineRow::default() }));
    rows
}

/// The form field a store problem is about: `lines[2].unit_cost` → row of line 2, "unit_cost".
fn line_field(field: &str) -> Option<(usize, &'static str)> {
    let rest = field.strip_prefix("lines[")?;
    let (index, name) = rest.split_once("].")?;
    let name = match name {
        "units_per_period" => "units",
        other => LINE_FIELDS.iter().copied().find(|f| *f == other)?,
    };
    Some((index.parse().ok()?, name))
}

async fn save(State(s): State<AppState>, me: SignedIn, Path(plan_id): Path<PlanId>, Form(form): Form<HashMap<String, String>>) -> PageResult {
    let (plan, name) = plan_for(&s, &plan_id.to_string()).await?;
    me.check_csrf(&form)?;
    let version = form.get("version").and_then(|v| v.parse::<i64>().ok()).unwrap_or(-1);
    let (mut rows, input, kept) = read_form(&form, &plan);
    let submit = form.get("action").map(String::as_str) == Some("submit");
    let result = if submit { s.store.update_and_submit_plan(plan_id, version, &input).await } else { s.store.update_plan(plan_id, version, &input).await };
    let problems = match result {
        Ok(saved) if submit => return Ok(Redirect::to(&format!("/people/{}?sent=1", saved.person_id)).into_response()),
        Ok(saved) => {
            let mut page = page_for(&me, &saved, name);
            page.notice = Some(format!("Your plan is saved. It costs {} a year.", saved.total));
            return Ok(render(StatusCode::OK, &page));
        }
        Err(StoreError::Invalid(p)) => p,
        Err(StoreError::Conflict(message)) => {
            let mut page = page_for(&me, &s.store.plan(plan_id).await?, name);
            page.errors.push(SummaryError { href: "#outcomes".into(), message: format!("{message}. This page now shows the latest version.") });
            return Ok(render(StatusCode::CONFLICT, &page));
        }
        Err(other) => return Err(other.into()),
    };
    // Nothing was written: show the form again as typed, with each problem by its field.
    let mut page = page_for(&me, &plan, name);
    page.total = None;
    page.outcomes = form.get("outcomes").cloned().unwrap_or_default();
    page.over_budget_reason = form.get("over_budget_reason").cloned().unwrap_or_default();
    for problem in problems.into_vec() {
        let message = sentence(&problem.field, &problem.problem);
        let href = match put_by_row(&mut rows, &kept, &problem.field, &message) {
            Some(href) => href,
            None => match problem.field.as_str() {
                f if f.starts_with("outcomes") => {
                    page.outcomes_error = Some(message.clone());
                    "#outcomes".to_string()
                }
                "over_budget_reason" => {
                    page.over_budget_reason_error = Some(message.clone());
                    "#over_budget_reason".to_string()
                }
                _ => {
                    page.lines_error = Some(message.clone());
                    "#line-0-description".to_string()
                }
            },
        };
        page.errors.push(SummaryError { href, message });
    }
    page.rows = with_blank_rows(rows);
    Ok(render(StatusCode::UNPROCESSABLE_ENTITY, &page))
}

struct DeploymentLine {
    id: String,
    description: String,
    provider: String,
    annual_cost: Money,
    chosen: String,
    error: Option<String>,
}

#[derive(Template)]
#[template(path = "plan_money.html")]
struct DeploymentPage {
    nav: Option<Nav>,
    plan_id: String,
    person_id: String,
    own_record: bool,
    final_budget: Money,
    lines: Vec<DeploymentLine>,
    options: Vec<Choice>,
    errors: Vec<SummaryError>,
}

fn deployment_page(me: &SignedIn, plan: &Plan, typed: &HashMap<String, String>) -> DeploymentPage {
    DeploymentPage {
        nav: me.nav(),
        plan_id: plan.id.to_string(),
        person_id: plan.person_id.to_string(),
        own_record: me.0.user.person_id == Some(plan.person_id),
        final_budget: plan.final_budget.unwrap_or(plan.total),
        lines: plan
            .lines
            .iter()
            .map(|l| DeploymentLine {
                id: l.id.to_string(),
                description: l.line.description.clone(),
                provider: l.line.provider.clone(),
                annual_cost: l.annual_cost,
                chosen: typed.get(&format!("line-{}", l.id)).cloned().unwrap_or_default(),
                error: None,
            })
            .collect(),
        options: choices(DeploymentOption::ALL, DeploymentOption::code, DeploymentOption::label),
        errors: Vec::new(),
    }
}

async fn deployment_form(State(s): State<AppState>, me: SignedIn, Path(plan_id): Path<PlanId>) -> PageResult {
    let (plan, _) = plan_for(&s, &plan_id.to_string()).await?;
    Ok(render(StatusCode::OK, &deployment_page(&me, &plan, &HashMap::new())))
}

async fn choose_deployment(State(s): State<AppState>, me: SignedIn, Path(plan_id): Path<PlanId>, Form(form): Form<HashMap<String, String>>) -> PageResult {
    let (plan, _) = plan_for(&s, &plan_id.to_string()).await?;
    me.check_csrf(&form)?;
    let mut page = deployment_page(&me, &plan, &form);
    for line in &mut page.lines {
        if line.chosen.is_empty() {
            line.error = Some(format!("Choose how the money for {} is held", line.description.to_lowercase()));
        }
    }
    if page.lines.iter().all(|l| l.error.is_none()) {
        let input =
            OpenAccountInput { deployment: None, line_deployments: page.lines.iter().map(|l| (l.id.clone(), l.chosen.clone())).collect(), start_date: None };
        match s.store.open_account(plan_id, &input).await {
            Ok(_) => return Ok(Redirect::to(&format!("/people/{}?money=1", plan.person_id)).into_response()),
            Err(StoreError::Invalid(problems)) => {
                for p in problems.into_vec() {
                    let id = p.field.trim_start_matches("line_deployments.").to_string();
                    match page.lines.iter_mut().find(|l| l.id == id) {
                        Some(line) => line.error = Some(capitalise(&p.problem)),
                        None => page.errors.push(SummaryError { href: "#main-content".into(), message: capitalise(&p.to_string()) }),
                    }
                }
            }
            Err(other) => return Err(other.into()),
        }
    }
    for line in &page.lines {
        if let Some(e) = &line.error {
            page.errors.push(SummaryError { href: format!("#line-{}", line.id), message: e.clone() });
        }
    }
    Ok(render(StatusCode::UNPROCESSABLE_ENTITY, &page))
}

#[derive(Template)]
#[template(path = "easy_read.html")]
struct EasyReadPage {
    nav: Option<Nav>,
    person_id: String,
    yearly: Option<Money>,
    weekly: Option<Money>,
    is_final: bool,
    things: Vec<(String, Money)>,
}

async fn easy_read(State(s): State<AppState>, me: SignedIn) -> PageResult {
    let person = me.0.user.person_id.ok_or(PageError::Refused(selfdirect_domain::access::Refusal::Forbidden))?;
    let o = s.store.person_overview(person).await?;
    let final_budget = o.plan.as_ref().and_then(|p| p.final_budget);
    let yearly = final_budget.or(o.allocation.as_ref().map(|a| a.allocation.total));
    let things = o.plan.as_ref().map(|p| p.lines.iter().map(|l| (l.line.description.clone(), l.annual_cost)).collect()).unwrap_or_default();
    Ok(render(
        StatusCode::OK,
        &EasyReadPage { nav: me.nav(), person_id: person.to_string(), yearly, weekly: yearly.map(weekly), is_final: final_budget.is_some(), things },
    ))
}

struct LineChoice {
    id: String,
    label: String,
}

#[derive(Template)]
#[template(path = "spending.html")]
struct SpendingPage {
    nav: Option<Nav>,
    account_id: String,
    person_id: String,
    own_record: bool,
    lines: Vec<LineChoice>,
    purposes: Vec<Choice>,
    form: FormState,
}

async fn spending_page(s: &AppState, me: &SignedIn, account_id: &str) -> Result<SpendingPage, PageError> {
    let account = s.store.account(account_id.parse()?).await?;
    let person = s.store.person(account.person_id).await?;
    let plan = s.store.plan(account.plan_id).await?;
    Ok(SpendingPage {
        nav: me.nav(),
        account_id: account.id.to_string(),
        person_id: person.id.to_string(),
        own_record: me.0.user.person_id == Some(person.id),
        // Spending is recorded against what the person holds: direct-payment lines.
        lines: plan
            .lines
            .iter()
            .filter(|l| l.line.deployment == Some(DeploymentOption::DirectPayment))
            .map(|l| LineChoice { id: l.id.to_string(), label: format!("{} ({})", l.line.description, l.line.provider) })
            .collect(),
        purposes: choices(SpendingPurpose::ALL, SpendingPurpose::code, SpendingPurpose::label),
        form: FormState::default(),
    })
}

async fn spending_form(State(s): State<AppState>, me: SignedIn, Path(account_id): Path<AccountId>) -> PageResult {
    Ok(render(StatusCode::OK, &spending_page(&s, &me, &account_id.to_string()).await?))
}

async fn record_spending(State(s): State<AppState>, me: SignedIn, Path(account_id): Path<AccountId>, mut multipart: Multipart) -> PageResult {
    let mut page = spending_page(&s, &me, &account_id.to_string()).await?;
    let mut typed = HashMap::new();
    let mut receipt = None;
    // A form whose file cannot be read (too large for the body limit, cut off) fails as a
    // whole, saying so: spending is never recorded without the receipt that came with it.
    let mut unreadable = false;
    loop {
        let field = match multipart.next_field().await {
            Ok(Some(field)) => field,
            Ok(None) => break,
            Err(_) => {
                unreadable = true;
                break;
            }
        };
        let name = field.name().unwrap_or("").to_string();
        if name == "receipt" {
            let file_name = field.file_name().unwrap_or("").to_string();
            let content_type = field.content_type().unwrap_or("application/octet-stream").to_string();
            let Ok(bytes) = field.bytes().await else {
                unreadable = true;
                break;
            };
            // An empty file input (nothing chosen) is no receipt, not a bad one.
            if !bytes.is_empty() {
                receipt = Some(ReceiptFile { file_name, content_type, bytes: bytes.to_vec() });
            }
        } else if let Ok(text) = field.text().await {
            typed.insert(name, text);
        }
    }
    me.check_csrf(&typed)?;
    if unreadable {
        let mut problems = selfdirect_domain::Problems::new();
        let most = selfdirect_store::MAX_RECEIPT_BYTES >> 20;
        problems.add("receipt", format!("the receipt could not be read: choose a photo or PDF of at most {most} MB and send the form again"));
        page.form = FormState::refused(typed, problems);
        return Ok(render(StatusCode::UNPROCESSABLE_ENTITY, &page));
    }
    let field = |name: &str| typed.get(name).cloned().unwrap_or_default();
    let input = SpendingInput {
        plan_line_id: field("plan_line_id"),
        amount: field("amount"),
        spent_on: field("spent_on"),
        description: field("description"),
        purpose: Some(field("purpose")),
        receipt_reference: Some(field("receipt_reference")).filter(|r| !r.trim().is_empty()),
    };
    match s.store.record_spending_with_receipt(account_id, &input, receipt.as_ref()).await {
        Ok(_) => Ok(Redirect::to(&format!("/people/{}?spent=1", page.person_id)).into_response()),
        Err(StoreError::Invalid(problems)) => {
            page.form = FormState::refused(typed, problems);
            Ok(render(StatusCode::UNPROCESSABLE_ENTITY, &page))
        }
        Err(other) => Err(other.into()),
    }
}

#[derive(Template)]
#[template(path = "access_log.html")]
struct AccessLogPage {
    nav: Option<Nav>,
    person_id: String,
    own_record: bool,
    name: String,
    entries: Vec<selfdirect_store::AccessLogEntry>,
}

/// "Who has looked at my record": for the person, and for the auditor.
async fn access_log_page(State(s): State<AppState>, me: SignedIn, Path(person_id): Path<PersonId>) -> PageResult {
    let person = s.store.person(person_id).await?;
    let page = AccessLogPage {
        nav: me.nav(),
        person_id: person.id.to_string(),
        own_record: me.0.user.person_id == Some(person.id),
        name: person.full_name(),
        entries: s.store.access_log(person_id, 500).await?,
    };
    Ok(render(StatusCode::OK, &page))
}

#[derive(Template)]
#[template(path = "plan_revise.html")]
struct RevisePage {
    nav: Option<Nav>,
    plan_id: String,
    person_id: String,
    person_name: String,
    form: FormState,
    lines_error: Option<String>,
    rows: Vec<LineRow>,
    categories: Vec<Choice>,
    frequencies: Vec<Choice>,
    deployments: Vec<Choice>,
    total: Money,
}

fn revise_page(me: &SignedIn, plan: &Plan, person_name: String, rows: Vec<LineRow>, form: FormState) -> RevisePage {
    RevisePage {
        nav: me.nav(),
        plan_id: plan.id.to_string(),
        person_id: plan.person_id.to_string(),
        person_name,
        form,
        lines_error: None,
        rows,
        categories: choices(ServiceCategory::ALL, ServiceCategory::code, ServiceCategory::label),
        frequencies: choices(Frequency::ALL, Frequency::code, Frequency::label),
        deployments: choices(DeploymentOption::ALL, DeploymentOption::code, DeploymentOption::label),
        total: plan.total,
    }
}

/// The lines in force at the end of the plan: what a new version starts from.
fn latest_lines(plan: &Plan) -> impl Iterator<Item = &selfdirect_store::records::PlanLineRecord> {
    plan.lines.iter().filter(|l| l.in_force.to.is_none())
}

async fn revise_form(State(s): State<AppState>, me: SignedIn, Path(plan_id): Path<PlanId>) -> PageResult {
    let (plan, name) = plan_for(&s, &plan_id.to_string()).await?;
    let rows = rows_for(latest_lines(&plan));
    Ok(render(StatusCode::OK, &revise_page(&me, &plan, name, rows, FormState::default())))
}

async fn revise(State(s): State<AppState>, me: SignedIn, Path(plan_id): Path<PlanId>, Form(form): Form<HashMap<String, String>>) -> PageResult {
    let (plan, name) = plan_for(&s, &plan_id.to_string()).await?;
    me.check_csrf(&form)?;
    let (mut rows, kept) = read_rows(&form);
    let streams: Vec<String> = latest_lines(&plan).map(|l| l.line.stream.code().to_string()).collect();
    let input = RevisionInput {
        effective_from: form.get("effective_from").cloned().unwrap_or_default(),
        reason: form.get("reason").cloned().unwrap_or_default(),
        lines: kept
            .iter()
            .map(|&i| RevisedLineInput { line: line_input(&rows[i], streams.get(i).cloned()), deployment: rows[i].value("deployment").to_string() })
            .collect(),
    };
    let problems = match s.store.revise_plan(plan_id, &input, &me.0.user.display_name, me.0.user.role).await {
        Ok(revision) => {
            let done = if revision.status == "approved" { "revised" } else { "revision_waiting" };
            return Ok(Redirect::to(&format!("/plans/{plan_id}?done={done}")).into_response());
        }
        Err(StoreError::Invalid(p)) => p,
        Err(StoreError::Conflict(message)) => {
            let mut state = FormState { typed: form.clone(), ..FormState::default() };
            state.add("effective_from", capitalise(&message));
            return Ok(render(StatusCode::CONFLICT, &revise_page(&me, &plan, name, with_blank_rows(rows), state)));
        }
        Err(other) => return Err(other.into()),
    };
    let mut state = FormState { typed: form.clone(), ..FormState::default() };
    let mut lines_error = None;
    for problem in problems.into_vec() {
        let message = sentence(&problem.field, &problem.problem);
        match put_by_row(&mut rows, &kept, &problem.field, &message) {
            Some(href) => state.errors.push(SummaryError { href, message }),
            None if matches!(problem.field.as_str(), "effective_from" | "reason") => state.add(&problem.field, message),
            None => {
                lines_error = Some(message.clone());
                state.errors.push(SummaryError { href: "#line-0-description".into(), message });
            }
        }
    }
    let mut page = revise_page(&me, &plan, name, with_blank_rows(rows), state);
    page.lines_error = lines_error;
    Ok(render(StatusCode::UNPROCESSABLE_ENTITY, &page))
}

async fn decide_revision(
    State(s): State<AppState>,
    me: SignedIn,
    Path((plan_id, revision_id)): Path<(PlanId, RevisionId)>,
    Form(form): Form<HashMap<String, String>>,
) -> PageResult {
    me.check_csrf(&form)?;
    let revision = s.store.plan_revision(revision_id).await?;
    if revision.plan_id != plan_id {
        return Err(StoreError::NotFound { what: "plan revision", id: revision_id.to_string() }.into());
    }
    let approve = form.get("decision").map(String::as_str) == Some("approve");
    let note = form.get("revision_note").map(String::as_str).filter(|n| !n.trim().is_empty());
    match s.store.decide_revision(revision_id, approve, &me.0.user.display_name, me.0.user.role, note).await {
        Ok(_) => Ok(Redirect::to(&format!("/plans/{plan_id}?done={}", if approve { "revised" } else { "revision_returned" })).into_response()),
        Err(StoreError::Invalid(p)) => {
            crate::pages::plan_refused(&s, &me, &plan_id.to_string(), StatusCode::UNPROCESSABLE_ENTITY, "revision_note", p.to_string()).await
        }
        Err(StoreError::Conflict(m)) => crate::pages::plan_refused(&s, &me, &plan_id.to_string(), StatusCode::CONFLICT, "revision_note", m).await,
        Err(other) => Err(other.into()),
    }
}
