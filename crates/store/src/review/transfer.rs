//! Moving to another council: the sending council's support ends, and the receiving
//! council is given the person, their assessment and their plan as it stands, and carries
//! the budget on from the first day not yet paid (the domain's `review::transfer`). One
//! transaction: the move happens whole or not at all.

use crate::codec;
use crate::money::accounts::{lock_account, open_account_in, LockedAccount, OpenAccountInput};
use crate::plan::{insert_lines, load_plan};
use crate::ras::insert_allocation;
use crate::records::{Council, EndingReport};
use crate::review::ending::write_ending;
use crate::{fresh_id, new_id, now, Result, Store, StoreError};
use selfdirect_domain::dates::{iso, long};
use selfdirect_domain::ids::{AccountId, AssessmentId, CouncilId, PersonId, PlanId};
use selfdirect_domain::plan::PlanStatus;
use selfdirect_domain::review::ending::EndingReason;
use selfdirect_domain::review::transfer::{lines_carried, plan_transfer, Sending, Transfer, TransferDirection, TransferRequest};
use selfdirect_domain::Money;
use serde::{Deserialize, Serialize};
use sqlx::{Any, Row, Transaction};
use time::Date;

/// A move, as typed.
#[derive(Debug, Clone, Default, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct TransferInput {
    /// The receiving council's code, as the service knows it.
    pub to_council: String,
    /// The day the person moves, `YYYY-MM-DD`.
    pub moves_on: String,
    /// The person's new address, in the receiving council's area.
    pub address: String,
    pub postcode: String,
}

/// What a move came to, for the sending council: its support ended, and when the
/// receiving council's money starts. Nothing of the receiving council's records is shown.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct TransferReport {
    pub ended: EndingReport,
    pub to_council: Council,
    #[cfg_attr(feature = "openapi", schema(value_type = String, format = Date))]
    pub moves_on: Date,
    /// The sending council's last day: the day before the move, or the last day it had
    /// already paid for.
    #[cfg_attr(feature = "openapi", schema(value_type = String, format = Date))]
    pub last_day_here: Date,
    /// The first day of the receiving council's budget.
    #[cfg_attr(feature = "openapi", schema(value_type = String, format = Date))]
    pub carried_from: Date,
}

/// One side of a move, as the council holding it sees it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct TransferRecord {
    pub direction: TransferDirection,
    /// The council at the other end (its name only).
    pub other_council: String,
    /// This council's budget account that ended (out) or carried the plan on (in).
    pub budget_account_id: AccountId,
    #[cfg_attr(feature = "openapi", schema(value_type = String, format = Date))]
    pub moves_on: Date,
    #[cfg_attr(feature = "openapi", schema(value_type = String, format = Date))]
    pub carried_from: Date,
}

/// The receiving council's new records.
struct Arrival {
    person_id: PersonId,
    account_id: AccountId,
}

impl Store {
    /// Moves a person's support to another council on the service (Care Act 2014,
    /// sections 37–38): support here ends on the last day it has paid for, or the day before
    /// the move; the receiving council gets the person, their latest assessment (marked as
    /// given, not its own) and the plan's lines in force that day, approved for continuity,
    /// with a budget account from the first unpaid day. Every problem names its field.
    pub async fn transfer_support(&self, account_id: AccountId, input: &TransferInput, by: &str) -> Result<TransferReport> {
        let to_council = match self.council_by_code(&input.to_council).await {
            Ok(c) => Some(c),
            Err(StoreError::NotFound { .. }) => None,
            Err(other) => return Err(other),
        };
        let mut tx = self.pool.begin().await?;
        let locked = lock_account(&mut tx, account_id).await?;
        if let Some(ended) = &locked.account.ended {
            return Err(StoreError::Conflict(format!("Support already ended on {}: there is no support to move.", long(ended.ended_on))));
        }
        let sending_council: CouncilId = codec::uuid("budget_accounts.council_id", &locked.council_id)?;
        let sending = Sending {
            council: sending_council,
            start: locked.account.start_date,
            end: locked.account.end_date,
            paid_through: locked.book.paid().iter().filter(|d| d.payee != "contribution").map(|d| d.last_day).max(),
        };
        let request =
            TransferRequest { to_council: to_council.as_ref().map(|c| c.id), moves_on: &input.moves_on, address: &input.address, postcode: &input.postcode };
        let transfer = plan_transfer(sending, &request)?;
        let to_council = to_council.expect("plan_transfer refuses a move to no council");
        // Nothing is paid after the last day here, so no day is overpaid.
        write_ending(&mut tx, &locked, transfer.last_day_here, EndingReason::MovedAway, None, by).await?;
        let sender = council_in(&mut tx, sending_council).await?;
        let arrival = self.arrive(&mut tx, &locked, &transfer, &sender, by).await?;
        for (council, direction, person, account, other) in [
            (&locked.council_id, TransferDirection::Out, locked.account.person_id, account_id, transfer.to_council),
            (&transfer.to_council.to_string(), TransferDirection::In, arrival.person_id, arrival.account_id, sending_council),
        ] {
            sqlx::query(
                "INSERT INTO transfers (id, council_id, direction, person_id, budget_account_id, other_council_id, moves_on, carried_from, recorded_by, created_at) \
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)",
            )
            .bind(new_id())
            .bind(council)
            .bind(direction.code())
            .bind(person.to_string())
            .bind(account.to_string())
            .bind(other.to_string())
            .bind(iso(transfer.moves_on))
            .bind(iso(transfer.carried_from))
            .bind(by)
            .bind(now())
            .execute(&mut *tx)
            .await?;
        }
        tx.commit().await?;
        let view = self.account_view(account_id).await?;
        let ended = EndingReport { account: view.account, notices: self.recovery_notices(account_id).await?, closing_statement: view.statements };
        Ok(TransferReport { ended, to_council, moves_on: transfer.moves_on, last_day_here: transfer.last_day_here, carried_from: transfer.carried_from })
    }

    /// The receiving council's side: the person (found by NHS number if it already knows
    /// them), the assessment given, the plan carried on, and its budget account.
    async fn arrive(&self, tx: &mut Transaction<'_, Any>, locked: &LockedAccount, transfer: &Transfer, sender: &Council, by: &str) -> Result<Arrival> {
        let to = transfer.to_council.to_string();
        let person_id = arriving_person(tx, locked.account.person_id, transfer).await?;
        let assessment_id = carry_assessment(tx, locked, &to, person_id).await?;
        let sending_plan = load_plan(tx, locked.account.plan_id).await?.plan;
        let carried = lines_carried(&locked.lines, transfer.carried_from);
        let lines: Vec<_> = carried
            .iter()
            .filter_map(|funded| sending_plan.lines.iter().find(|l| l.id == funded.id).map(|l| (l, funded.deployment)))
            .map(|(record, deployment)| selfdirect_domain::plan::PlanLine { deployment: Some(deployment), ..record.line.clone() })
            .collect();
        let total = lines.iter().map(|l| l.annual_cost()).fold(Money::ZERO, |sum, cost| sum.checked_add(cost).unwrap_or(sum));
        let plan_id: PlanId = fresh_id();
        let note = format!(
            "Carried on from {} when the person moved on {} (Care Act 2014, section 38): this council meets their needs under this plan until it has made its own assessment.",
            sender.name,
            long(transfer.moves_on)
        );
        sqlx::query(
            "INSERT INTO plans (id, council_id, person_id, assessment_id, status, outcomes, start_date, end_date, indicative_budget_pence, total_pence, \
             final_budget_pence, decided_at, decided_by, approval_note, version, created_at, updated_at) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $10, $11, $12, $13, 1, $11, $11)",
        )
        .bind(plan_id.to_string())
        .bind(&to)
        .bind(person_id.to_string())
        .bind(assessment_id.to_string())
        .bind(PlanStatus::Approved.code())
        .bind(codec::to_json(&sending_plan.outcomes))
        .bind(iso(transfer.carried_from))
        .bind(iso(locked.account.end_date))
        .bind(sending_plan.indicative_budget.pence())
        .bind(total.pence())
        .bind(now())
        .bind(by)
        .bind(&note)
        .execute(&mut **tx)
        .await?;
        insert_lines(tx, &to, &plan_id.to_string(), &lines, 0, None).await?;
        let loaded = load_plan(tx, plan_id).await?;
        let held_as = loaded.plan.lines.iter().filter_map(|l| l.line.deployment.map(|d| (l.id.to_string(), d.code().to_string()))).collect();
        let input = OpenAccountInput { deployment: None, line_deployments: held_as, start_date: Some(iso(transfer.carried_from)) };
        let account_id = open_account_in(tx, &loaded, &input, &self.streams).await?;
        Ok(Arrival { person_id, account_id })
    }

    /// The last day an account's payments cover, to anyone but the council itself (a
    /// contribution): where a move would start the receiving council's money.
    pub async fn paid_through(&self, account_id: AccountId) -> Result<Option<Date>> {
        let row = sqlx::query("SELECT MAX(last_day) AS last_day FROM paid_days WHERE budget_account_id = $1 AND payee <> 'contribution'")
            .bind(account_id.to_string())
            .fetch_one(&self.pool)
            .await?;
        row.try_get::<Option<String>, _>("last_day")?.map(|d| codec::date("paid_days.last_day", &d)).transpose()
    }

    /// The moves a person's record has been part of, in this council, oldest first.
    pub async fn transfers(&self, person_id: PersonId) -> Result<Vec<TransferRecord>> {
        let person = self.person(person_id).await?;
        let rows = sqlx::query(
            "SELECT t.direction, t.budget_account_id, t.moves_on, t.carried_from, c.name FROM transfers t JOIN councils c ON c.id = t.other_council_id \
             WHERE t.person_id = $1 AND t.council_id = $2 ORDER BY t.moves_on, t.id",
        )
        .bind(person.id.to_string())
        .bind(person.council_id.to_string())
        .fetch_all(&self.pool)
        .await?;
        rows.iter()
            .map(|r| {
                Ok(TransferRecord {
                    direction: codec::code("transfers.direction", &r.try_get::<String, _>("direction")?, TransferDirection::from_code)?,
                    other_council: r.try_get("name")?,
                    budget_account_id: codec::uuid("transfers.budget_account_id", &r.try_get::<String, _>("budget_account_id")?)?,
                    moves_on: codec::date("transfers.moves_on", &r.try_get::<String, _>("moves_on")?)?,
                    carried_from: codec::date("transfers.carried_from", &r.try_get::<String, _>("carried_from")?)?,
                })
            })
            .collect()
    }
}

/// A council, read inside the transaction (SQLite has one writer: a second connection
/// would wait for this one).
async fn council_in(tx: &mut Transaction<'_, Any>, id: CouncilId) -> Result<Council> {
    let row = sqlx::query("SELECT code, name FROM councils WHERE id = $1").bind(id.to_string()).fetch_one(&mut **tx).await?;
    Ok(Council { id, code: row.try_get("code")?, name: row.try_get("name")? })
}

/// The person in the receiving council: the record it already holds under the same NHS
/// number (tell us once), at the new address; otherwise a new record from the sending
/// council's details.
async fn arriving_person(tx: &mut Transaction<'_, Any>, from: PersonId, transfer: &Transfer) -> Result<PersonId> {
    let to = transfer.to_council.to_string();
    let row = sqlx::query("SELECT given_name, family_name, date_of_birth, client_group, nhs_number FROM people WHERE id = $1")
        .bind(from.to_string())
        .fetch_one(&mut **tx)
        .await?;
    let nhs_number: Option<String> = row.try_get("nhs_number")?;
    if let Some(number) = &nhs_number {
        let known = sqlx::query("SELECT id FROM people WHERE council_id = $1 AND nhs_number = $2").bind(&to).bind(number).fetch_optional(&mut **tx).await?;
        if let Some(known) = known {
            let id: String = known.try_get("id")?;
            sqlx::query("UPDATE people SET address = $1, postcode = $2, long_term_support = 1 WHERE id = $3 AND council_id = $4")
                .bind(&transfer.address)
                .bind(&transfer.postcode)
                .bind(&id)
                .bind(&to)
                .execute(&mut **tx)
                .await?;
            return codec::uuid("people.id", &id);
        }
    }
    let id: PersonId = fresh_id();
    sqlx::query(
        "INSERT INTO people (id, council_id, given_name, family_name, date_of_birth, address, postcode, client_group, long_term_support, created_at, nhs_number) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, 1, $9, $10)",
    )
    .bind(id.to_string())
    .bind(&to)
    .bind(row.try_get::<String, _>("given_name")?)
    .bind(row.try_get::<String, _>("family_name")?)
    .bind(row.try_get::<String, _>("date_of_birth")?)
    .bind(&transfer.address)
    .bind(&transfer.postcode)
    .bind(row.try_get::<String, _>("client_group")?)
    .bind(now())
    .bind(nhs_number)
    .execute(&mut **tx)
    .await?;
    Ok(id)
}

/// The sending council's latest assessment of the person, given to the receiving council
/// as it was made (answers, scores, indicative budget), marked as given.
async fn carry_assessment(tx: &mut Transaction<'_, Any>, locked: &LockedAccount, to: &str, person_id: PersonId) -> Result<AssessmentId> {
    let row = sqlx::query(
        "SELECT questionnaire_id, questionnaire_version, completed_on, assessor, answers, scores, total_points, indicative_budget_pence, allocation \
         FROM assessments WHERE person_id = $1 AND council_id = $2 ORDER BY completed_on DESC, id DESC LIMIT 1",
    )
    .bind(locked.account.person_id.to_string())
    .bind(&locked.council_id)
    .fetch_optional(&mut **tx)
    .await?
    .ok_or_else(|| StoreError::Corrupt(format!("the person of budget account {} has no assessment", locked.account.id)))?;
    let id: AssessmentId = fresh_id();
    let questionnaire: (String, i64) = (row.try_get("questionnaire_id")?, row.try_get("questionnaire_version")?);
    let allocation_json: String = row.try_get("allocation")?;
    sqlx::query(
        "INSERT INTO assessments (id, council_id, person_id, questionnaire_id, questionnaire_version, completed_on, assessor, answers, scores, total_points, \
         indicative_budget_pence, allocation, created_at, carried_from_council_id) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14)",
    )
    .bind(id.to_string())
    .bind(to)
    .bind(person_id.to_string())
    .bind(&questionnaire.0)
    .bind(questionnaire.1)
    .bind(row.try_get::<String, _>("completed_on")?)
    .bind(row.try_get::<String, _>("assessor")?)
    .bind(row.try_get::<String, _>("answers")?)
    .bind(row.try_get::<String, _>("scores")?)
    .bind(row.try_get::<i64, _>("total_points")?)
    .bind(row.try_get::<i64, _>("indicative_budget_pence")?)
    .bind(&allocation_json)
    .bind(now())
    .bind(&locked.council_id)
    .execute(&mut **tx)
    .await?;
    let allocation = codec::json("assessments.allocation", &allocation_json)?;
    insert_allocation(tx, to, &person_id.to_string(), &id.to_string(), (&questionnaire.0, questionnaire.1), "transfer", &allocation).await?;
    Ok(id)
}
