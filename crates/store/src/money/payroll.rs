//! Step 5: personal assistants employed by budget holders, their timesheets, and the gross
//! pay schedule for the payroll provider.

use crate::codec;
use crate::{now, Result, Store, StoreError};
use rust_decimal::Decimal;
use selfdirect_domain::dates::iso;
use selfdirect_domain::ids::{AccountId, AssistantId, CouncilId};
use selfdirect_domain::money::payroll::{pay_schedule, read_timesheet, PayLine, PayrollRules, Timesheet};
use selfdirect_domain::{Money, Problems};
use serde::{Deserialize, Serialize};
use sqlx::Row;
use std::collections::HashMap;
use uuid::Uuid;

/// A personal assistant as typed.
#[derive(Debug, Clone, Default, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct PersonalAssistantInput {
    pub name: String,
    /// Pounds an hour, at least the National Living Wage.
    pub hourly_rate: String,
    /// Contracted hours a week.
    pub contracted_hours: String,
    /// `YYYY-MM-DD`
    pub start_date: String,
}

/// A personal assistant.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct PersonalAssistant {
    pub id: AssistantId,
    pub budget_account_id: AccountId,
    pub name: String,
    pub hourly_rate: Money,
    pub contracted_hours: String,
}

/// A week's timesheet as typed.
#[derive(Debug, Clone, Default, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct TimesheetInput {
    /// The Monday (or first day) of the week, `YYYY-MM-DD`.
    pub week_start: String,
    pub hours_worked: String,
    #[serde(default)]
    pub holiday_hours: String,
}

impl Store {
    /// Registers a personal assistant employed by the holder of a direct-payment account.
    pub async fn register_personal_assistant(&self, account_id: AccountId, input: &PersonalAssistantInput) -> Result<PersonalAssistant> {
        let account = self.account(account_id).await?;
        let rules = PayrollRules::england_2025_26();
        let mut p = Problems::new();
        let name = p.text("name", &input.name, 200);
        let rate = p.positive_money("hourly_rate", &input.hourly_rate);
        if rate.is_some_and(|r| r < rules.minimum_hourly_rate) {
            p.add("hourly_rate", format!("must be at least the National Living Wage of {}", rules.minimum_hourly_rate));
        }
        let hours = p.quantity("contracted_hours", &input.contracted_hours, Decimal::from(60));
        let start = p.date("start_date", &input.start_date);
        if !account.includes_direct_payment {
            p.add("budget_account_id", "only a budget held (at least partly) as a direct payment can employ a personal assistant");
        }
        p.into_result(())?;
        let council_id: String = sqlx::query("SELECT council_id FROM budget_accounts WHERE id = $1")
            .bind(account.id.to_string())
            .fetch_one(&self.pool)
            .await?
            .try_get("council_id")?;
        let id = Uuid::now_v7();
        let (name, rate, hours) = (name.expect("checked"), rate.expect("checked"), hours.expect("checked"));
        sqlx::query(
            "INSERT INTO personal_assistants (id, council_id, budget_account_id, name, hourly_rate_pence, contracted_hours, start_date, created_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
        )
        .bind(id.to_string())
        .bind(&council_id)
        .bind(account.id.to_string())
        .bind(&name)
        .bind(rate.pence())
        .bind(hours.to_string())
        .bind(iso(start.expect("checked")))
        .bind(now())
        .execute(&self.pool)
        .await?;
        Ok(PersonalAssistant { id: id.into(), budget_account_id: account.id, name, hourly_rate: rate, contracted_hours: hours.to_string() })
    }

    /// Records a week's timesheet; holiday taken must have been earned. Returns the PA's
    /// whole pay schedule.
    pub async fn record_timesheet(&self, assistant_id: AssistantId, input: &TimesheetInput) -> Result<Vec<PayLine>> {
        let uuid = assistant_id.uuid();
        let row = sqlx::query("SELECT council_id, hourly_rate_pence FROM personal_assistants WHERE id = $1")
            .bind(uuid.to_string())
            .fetch_optional(&self.pool)
            .await?
            .ok_or_else(|| StoreError::NotFound { what: "personal assistant", id: assistant_id.to_string() })?;
        let sheet = read_timesheet(&input.week_start, &input.hours_worked, &input.holiday_hours)?;
        let mut tx = self.pool.begin().await?;
        let mut sheets = load_timesheets(&mut *tx, &uuid.to_string()).await?;
        if sheets.iter().any(|s| s.week_start == sheet.week_start) {
            return Err(StoreError::Conflict(format!("a timesheet for the week of {} is already recorded", sheet.week_start)));
        }
        sheets.push(sheet);
        let schedule = pay_schedule(&PayrollRules::england_2025_26(), Money::from_pence(row.try_get("hourly_rate_pence")?), Decimal::ZERO, &sheets)?;
        sqlx::query(
            "INSERT INTO timesheets (personal_assistant_id, council_id, week_start, hours_worked, holiday_hours, created_at) VALUES ($1, $2, $3, $4, $5, $6)",
        )
        .bind(uuid.to_string())
        .bind(row.try_get::<String, _>("council_id")?)
        .bind(iso(sheet.week_start))
        .bind(sheet.hours_worked.to_string())
        .bind(sheet.holiday_hours.to_string())
        .bind(now())
        .execute(&mut *tx)
        .await?;
        tx.commit().await?;
        Ok(schedule)
    }

    /// The gross pay schedule for every PA in the council, for weeks starting `from` to
    /// `to`, as CSV for a payroll provider.
    pub async fn payroll_csv(&self, council_id: CouncilId, from: &str, to: &str) -> Result<String> {
        let council = self.council(council_id).await?;
        let mut p = Problems::new();
        let from = p.date("from", from);
        let to = p.date("to", to);
        p.dates_in_order("to", from, to, "from");
        p.into_result(())?;
        let (from, to) = (from.expect("checked"), to.expect("checked"));
        let assistants = sqlx::query(
            "SELECT pa.id, pa.name, pa.hourly_rate_pence, pa.budget_account_id, pe.given_name, pe.family_name FROM personal_assistants pa \
             JOIN budget_accounts a ON a.id = pa.budget_account_id JOIN people pe ON pe.id = a.person_id WHERE pa.council_id = $1 ORDER BY pe.family_name, pe.given_name, pa.name",
        )
        .bind(council.id.to_string())
        .fetch_all(&self.pool)
        .await?;
        let mut out = selfdirect_domain::export::csv_in_memory();
        let header = [
            "employer",
            "budget_account_id",
            "personal_assistant",
            "week_start",
            "hours_worked",
            "holiday_hours",
            "hourly_rate",
            "gross_pay",
            "holiday_accrued_hours",
            "holiday_balance_hours",
            "employer_ni",
            "employer_pension",
            "employer_cost",
        ];
        out.write_record(header).map_err(csv_error)?;
        let mut timesheets = council_timesheets(&self.pool, &council.id.to_string()).await?;
        for a in assistants {
            let id: String = a.try_get("id")?;
            let sheets = timesheets.remove(&id).unwrap_or_default();
            let schedule = pay_schedule(&PayrollRules::england_2025_26(), Money::from_pence(a.try_get("hourly_rate_pence")?), Decimal::ZERO, &sheets)
                .map_err(|e| StoreError::Corrupt(format!("stored timesheets of {id} no longer add up: {e}")))?;
            let employer = format!("{} {}", a.try_get::<String, _>("given_name")?, a.try_get::<String, _>("family_name")?);
            let name: String = a.try_get("name")?;
            let account: String = a.try_get("budget_account_id")?;
            for line in schedule.iter().filter(|l| l.week_start >= from && l.week_start <= to) {
                out.write_record([
                    employer.clone(),
                    account.clone(),
                    name.clone(),
                    iso(line.week_start),
                    line.hours_worked.to_string(),
                    line.holiday_hours.to_string(),
                    line.hourly_rate.to_plain_string(),
                    line.gross_pay.to_plain_string(),
                    line.holiday_accrued.to_string(),
                    line.holiday_balance.to_string(),
                    line.employer_ni.to_plain_string(),
                    line.employer_pension.to_plain_string(),
                    line.employer_cost.to_plain_string(),
                ])
                .map_err(csv_error)?;
            }
        }
        let bytes = out.into_inner().map_err(|e| StoreError::Corrupt(format!("cannot finish the payroll CSV: {e}")))?;
        String::from_utf8(bytes).map_err(|e| StoreError::Corrupt(format!("the payroll CSV is not UTF-8: {e}")))
    }
}

fn csv_error(e: csv::Error) -> StoreError {
    StoreError::Corrupt(format!("cannot write the payroll CSV: {e}"))
}

impl Store {
    /// The budget account a personal assistant is employed from, for access checks.
    pub async fn personal_assistant_account(&self, assistant_id: AssistantId) -> Result<AccountId> {
        let uuid = assistant_id.uuid();
        let row = sqlx::query("SELECT budget_account_id FROM personal_assistants WHERE id = $1")
            .bind(uuid.to_string())
            .fetch_optional(&self.pool)
            .await?
            .ok_or_else(|| StoreError::NotFound { what: "personal assistant", id: assistant_id.to_string() })?;
        codec::uuid("personal_assistants.budget_account_id", &row.try_get::<String, _>("budget_account_id")?)
    }
}

async fn load_timesheets<'e, E: sqlx::Executor<'e, Database = sqlx::Any>>(executor: E, assistant_id: &str) -> Result<Vec<Timesheet>> {
    let rows = sqlx::query("SELECT week_start, hours_worked, holiday_hours FROM timesheets WHERE personal_assistant_id = $1 ORDER BY week_start")
        .bind(assistant_id)
        .fetch_all(executor)
        .await?;
    rows.iter().map(timesheet).collect()
}

/// Every timesheet of a council's personal assistants, in one query, by assistant.
async fn council_timesheets(pool: &sqlx::AnyPool, council_id: &str) -> Result<HashMap<String, Vec<Timesheet>>> {
    let rows = sqlx::query(
        "SELECT t.personal_assistant_id, t.week_start, t.hours_worked, t.holiday_hours FROM timesheets t \
         JOIN personal_assistants pa ON pa.id = t.personal_assistant_id WHERE pa.council_id = $1 ORDER BY t.personal_assistant_id, t.week_start",
    )
    .bind(council_id)
    .fetch_all(pool)
    .await?;
    let mut by_assistant: HashMap<String, Vec<Timesheet>> = HashMap::new();
    for r in &rows {
        by_assistant.entry(r.try_get("personal_assistant_id")?).or_default().push(timesheet(r)?);
    }
    Ok(by_assistant)
}

fn timesheet(r: &sqlx::any::AnyRow) -> Result<Timesheet> {
    let decimal = |column: &str, text: String| text.parse::<Decimal>().map_err(|e| StoreError::Corrupt(format!("timesheets.{column} '{text}': {e}")));
    Ok(Timesheet {
        week_start: codec::date("timesheets.week_start", &r.try_get::<String, _>("week_start")?)?,
        hours_worked: decimal("hours_worked", r.try_get("hours_worked")?)?,
        holiday_hours: decimal("holiday_hours", r.try_get("holiday_hours")?)?,
    })
}
