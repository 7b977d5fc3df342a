//! Step 3: support plans — drafting, submitting, approving or returning.

use crate::codec;
use crate::records::{Plan, PlanLineRecord, PlanSummary};
use crate::{fresh_id, invalid, new_id, now, Result, Store, StoreError};
use selfdirect_domain::access::Role;
use selfdirect_domain::dates::iso;
use selfdirect_domain::deployment::DeploymentOption;
use selfdirect_domain::ids::{AssessmentId, CouncilId, PersonId, PlanId};
use selfdirect_domain::plan::revision::InForce;
use selfdirect_domain::plan::{check_submission, validate_plan, Frequency, FundingStream, PlanContent, PlanInput, PlanLine, PlanStatus, ServiceCategory};
use selfdirect_domain::review::safeguarding::{check_approver, ApprovalFlags, ApprovalPolicy};
use selfdirect_domain::{Money, Problems};
use sqlx::{Any, Row, Transaction};
use time::Date;

#[derive(sqlx::FromRow)]
struct PlanRow {
    council_id: String,
    person_id: String,
    assessment_id: String,
    status: String,
    outcomes: String,
    start_date: String,
    end_date: String,
    over_budget_reason: Option<String>,
    indicative_budget_pence: i64,
    total_pence: i64,
    final_budget_pence: Option<i64>,
    decided_by: Option<String>,
    return_reasons: Option<String>,
    approval_note: Option<String>,
    version: i64,
}

const PLAN_COLUMNS: &str = "council_id, person_id, assessment_id, status, outcomes, start_date, end_date, over_budget_reason, \
     indicative_budget_pence, total_pence, final_budget_pence, decided_by, return_reasons, approval_note, version";

#[derive(sqlx::FromRow)]
struct LineRow {
    id: String,
    description: String,
    provider: String,
    category: String,
    frequency: String,
    units_per_period: String,
    unit_cost_pence: i64,
    annual_cost_pence: i64,
    stream: String,
    deployment: Option<String>,
    risk_note: Option<String>,
    in_force_from: Option<String>,
    in_force_to: Option<String>,
}

impl LineRow {
    fn into_record(self) -> Result<PlanLineRecord> {
        Ok(PlanLineRecord {
            id: codec::uuid("plan_lines.id", &self.id)?,
            line: PlanLine {
                description: self.description,
                provider: self.provider,
                category: codec::code("plan_lines.category", &self.category, ServiceCategory::from_code)?,
                frequency: codec::code("plan_lines.frequency", &self.frequency, Frequency::from_code)?,
                units_per_period: rust_decimal_from_str(&self.units_per_period)?,
                unit_cost: Money::from_pence(self.unit_cost_pence),
                stream: FundingStream::new(self.stream),
                deployment: self.deployment.as_deref().map(|d| codec::code("plan_lines.deployment", d, DeploymentOption::from_code)).transpose()?,
                risk_note: self.risk_note,
            },
            annual_cost: Money::from_pence(self.annual_cost_pence),
            in_force: InForce {
                from: self.in_force_from.map(|d| codec::date("plan_lines.in_force_from", &d)).transpose()?,
                to: self.in_force_to.map(|d| codec::date("plan_lines.in_force_to", &d)).transpose()?,
            },
        })
    }
}

fn rust_decimal_from_str(text: &str) -> Result<rust_decimal::Decimal> {
    text.parse::<rust_decimal::Decimal>().map_err(|_| StoreError::Corrupt(format!("plan_lines.units_per_period holds '{text}'")))
}

/// A plan as loaded for a change, with the council it belongs to.
pub(crate) struct LoadedPlan {
    pub(crate) council_id: String,
    pub(crate) plan: Plan,
}

impl LoadedPlan {
    pub(crate) fn content(&self) -> PlanContent {
        PlanContent {
            outcomes: self.plan.outcomes.clone(),
            lines: self.plan.lines.iter().map(|l| l.line.clone()).collect(),
            start_date: self.plan.start_date,
            end_date: self.plan.end_date,
            over_budget_reason: self.plan.over_budget_reason.clone(),
        }
    }
}

impl Store {
    /// Starts a draft plan from the person's latest assessment (or the one named).
    pub async fn create_plan(&self, person_id: PersonId, assessment_id: Option<AssessmentId>, input: &PlanInput) -> Result<Plan> {
        let person = self.person(person_id).await?;
        let assessment = match assessment_id {
            Some(id) => {
                let a = self.assessment(id).await?;
                if a.person_id != person.id {
                    return Err(invalid("assessment_id", "is an assessment of someone else"));
                }
                a
            }
            None => self
                .latest_assessment(person_id)
                .await?
                .ok_or_else(|| invalid("assessment_id", "this person has no assessment yet; complete one first so their indicative budget is known"))?,
        };
        // The indicative budget in force for that assessment (recalculated or reconsidered since, perhaps).
        let indicative = self.allocation_for_assessment(&assessment.id.to_string()).await?.allocation.total;
        let content = validate_plan(input, &self.streams)?;
        let id: PlanId = fresh_id();
        let mut tx = self.pool.begin().await?;
        sqlx::query(
            "INSERT INTO plans (id, council_id, person_id, assessment_id, status, outcomes, start_date, end_date, over_budget_reason, \
             indicative_budget_pence, total_pence, version, created_at, updated_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, 1, $12, $12)",
        )
        .bind(id.to_string())
        .bind(person.council_id.to_string())
        .bind(person.id.to_string())
        .bind(assessment.id.to_string())
        .bind(PlanStatus::Draft.code())
        .bind(codec::to_json(&content.outcomes))
        .bind(iso(content.start_date))
        .bind(iso(content.end_date))
        .bind(content.over_budget_reason.as_deref())
        .bind(indicative.pence())
        .bind(content.total().pence())
        .bind(now())
        .execute(&mut *tx)
        .await?;
        insert_lines(&mut tx, &person.council_id.to_string(), &id.to_string(), &content.lines, 0, None).await?;
        tx.commit().await?;
        self.plan(id).await
    }

    pub async fn plan(&self, id: PlanId) -> Result<Plan> {
        let mut conn = self.pool.acquire().await?;
        Ok(load_plan(&mut conn, id).await?.plan)
    }

    /// The person's most recent plan.
    pub async fn latest_plan(&self, person_id: PersonId) -> Result<Option<Plan>> {
        let person = self.person(person_id).await?;
        let row = sqlx::query("SELECT id FROM plans WHERE person_id = $1 ORDER BY created_at DESC, id DESC LIMIT 1")
            .bind(person.id.to_string())
            .fetch_optional(&self.pool)
            .await?;
        match row {
            None => Ok(None),
            Some(r) => Ok(Some(self.plan(codec::uuid("plans.id", &r.try_get::<String, _>("id")?)?).await?)),
        }
    }

    /// Replaces a draft (or returned) plan's content. `expected_version` must be the
    /// version the editor started from.
    pub async fn update_plan(&self, id: PlanId, expected_version: i64, input: &PlanInput) -> Result<Plan> {
        self.save_plan(id, expected_version, input, false).await
    }

    /// Saves the plan's new content and sends it for approval, in one transaction: if the
    /// content is invalid or cannot be submitted (no outcomes, over budget without a
    /// reason), nothing is written, not even the draft.
    pub async fn update_and_submit_plan(&self, id: PlanId, expected_version: i64, input: &PlanInput) -> Result<Plan> {
        self.save_plan(id, expected_version, input, true).await
    }

    async fn save_plan(&self, id: PlanId, expected_version: i64, input: &PlanInput, submit: bool) -> Result<Plan> {
        let content = validate_plan(input, &self.streams)?;
        let mut tx = self.pool.begin().await?;
        let loaded = load_plan(&mut tx, id).await?;
        let conflict = |e: selfdirect_domain::plan::TransitionError| StoreError::Conflict(e.to_string());
        let mut status = loaded.plan.status.edit().map_err(conflict)?;
        if submit {
            status = status.submit().map_err(conflict)?;
            check_submission(&content, loaded.plan.indicative_budget)?;
        }
        bump_version(&mut tx, &loaded, expected_version).await?;
        sqlx::query(
            "UPDATE plans SET status = $1, outcomes = $2, start_date = $3, end_date = $4, over_budget_reason = $5, total_pence = $6, updated_at = $7, \
             submitted_at = CASE WHEN $1 = 'submitted' THEN $7 ELSE submitted_at END WHERE id = $8",
        )
        .bind(status.code())
        .bind(codec::to_json(&content.outcomes))
        .bind(iso(content.start_date))
        .bind(iso(content.end_date))
        .bind(content.over_budget_reason.as_deref())
        .bind(content.total().pence())
        .bind(now())
        .bind(loaded.plan.id.to_string())
        .execute(&mut *tx)
        .await?;
        sqlx::query("DELETE FROM plan_lines WHERE plan_id = $1").bind(loaded.plan.id.to_string()).execute(&mut *tx).await?;
        insert_lines(&mut tx, &loaded.council_id, &loaded.plan.id.to_string(), &content.lines, 0, None).await?;
        tx.commit().await?;
        self.plan(id).await
    }

    /// Sends the plan for approval, if it is complete and fits the budget (or says why not).
    pub async fn submit_plan(&self, id: PlanId) -> Result<Plan> {
        let mut tx = self.pool.begin().await?;
        let loaded = load_plan(&mut tx, id).await?;
        let status = loaded.plan.status.submit().map_err(|e| StoreError::Conflict(e.to_string()))?;
        check_submission(&loaded.content(), loaded.plan.indicative_budget)?;
        bump_version(&mut tx, &loaded, loaded.plan.version).await?;
        sqlx::query("UPDATE plans SET status = $1, submitted_at = $2, updated_at = $2, return_reasons = NULL WHERE id = $3")
            .bind(status.code())
            .bind(now())
            .bind(loaded.plan.id.to_string())
            .execute(&mut *tx)
            .await?;
        tx.commit().await?;
        self.plan(id).await
    }

    /// Approves a submitted plan: its total becomes the final budget. `note` records why the
    /// final budget differs from the indicative one, where the plan does not already say.
    pub async fn approve_plan(&self, id: PlanId, approver: &str, note: Option<&str>) -> Result<Plan> {
        self.approve_plan_as(id, approver, Role::TeamManager, note).await
    }

    /// Approves as someone in `role`: while the person has an open safeguarding concern, or
    /// above the social worker's limit, only a team manager may (the domain's `check_approver`).
    pub async fn approve_plan_as(&self, id: PlanId, approver: &str, role: Role, note: Option<&str>) -> Result<Plan> {
        let mut p = Problems::new();
        let approver = p.text("approved_by", approver, 200);
        let note = p.optional_text("note", note, 4000);
        p.into_result(())?;
        let mut tx = self.pool.begin().await?;
        let loaded = load_plan(&mut tx, id).await?;
        let status = loaded.plan.status.approve().map_err(|e| StoreError::Conflict(e.to_string()))?;
        let concerns = crate::review::safeguarding::open_concern_count(&mut *tx, &loaded.plan.person_id.to_string()).await?;
        let limit: Option<i64> = sqlx::query("SELECT approval_limit_pence FROM councils WHERE id = $1")
            .bind(&loaded.council_id)
            .fetch_one(&mut *tx)
            .await?
            .try_get("approval_limit_pence")?;
        let policy = limit.map(|l| ApprovalPolicy { social_worker_limit: Money::from_pence(l) }).unwrap_or_default();
        let risks = loaded.plan.lines.iter().filter(|l| l.line.risk_note.is_some()).count();
        check_approver(role, ApprovalFlags { open_concerns: concerns, risk_enablement_lines: risks }, loaded.plan.total, policy)
            .map_err(StoreError::Conflict)?;
        let span = (loaded.plan.start_date, loaded.plan.end_date);
        crate::money::accounts::check_one_live_budget(&mut tx, &loaded.council_id, &loaded.plan.person_id.to_string(), &loaded.plan.id.to_string(), span)
            .await?;
        bump_version(&mut tx, &loaded, loaded.plan.version).await?;
        sqlx::query(
            "UPDATE plans SET status = $1, final_budget_pence = $2, decided_at = $3, decided_by = $4, updated_at = $3, approval_note = $6 WHERE id = $5",
        )
        .bind(status.code())
        .bind(loaded.plan.total.pence())
        .bind(now())
        .bind(approver.as_deref())
        .bind(loaded.plan.id.to_string())
        .bind(note.as_deref())
        .execute(&mut *tx)
        .await?;
        tx.commit().await?;
        self.plan(id).await
    }

    /// Returns a submitted plan to the person with the reasons it cannot be approved yet.
    pub async fn return_plan(&self, id: PlanId, returned_by: &str, reasons: &str) -> Result<Plan> {
        let mut p = Problems::new();
        let returned_by = p.text("returned_by", returned_by, 200);
        let reasons = p.text("reasons", reasons, 4000);
        p.into_result(())?;
        let mut tx = self.pool.begin().await?;
        let loaded = load_plan(&mut tx, id).await?;
        let status = loaded.plan.status.return_for_changes().map_err(|e| StoreError::Conflict(e.to_string()))?;
        bump_version(&mut tx, &loaded, loaded.plan.version).await?;
        sqlx::query("UPDATE plans SET status = $1, return_reasons = $2, decided_at = $3, decided_by = $4, updated_at = $3 WHERE id = $5")
            .bind(status.code())
            .bind(reasons.as_deref())
            .bind(now())
            .bind(returned_by.as_deref())
            .bind(loaded.plan.id.to_string())
            .execute(&mut *tx)
            .await?;
        tx.commit().await?;
        self.plan(id).await
    }

    /// Plans of a council in a given state, oldest first (a queue).
    pub async fn plans_with_status(&self, council_id: CouncilId, status: PlanStatus) -> Result<Vec<PlanSummary>> {
        let council = self.council(council_id).await?;
        let rows = sqlx::query(
            "SELECT p.id, p.person_id, p.status, p.indicative_budget_pence, p.total_pence, p.over_budget_reason, pe.given_name, pe.family_name \
             FROM plans p JOIN people pe ON pe.id = p.person_id WHERE p.council_id = $1 AND p.status = $2 ORDER BY p.updated_at, p.id",
        )
        .bind(council.id.to_string())
        .bind(status.code())
        .fetch_all(&self.pool)
        .await?;
        rows.into_iter()
            .map(|r| {
                Ok(PlanSummary {
                    id: codec::uuid("plans.id", &r.try_get::<String, _>("id")?)?,
                    person_id: codec::uuid("plans.person_id", &r.try_get::<String, _>("person_id")?)?,
                    person_name: format!("{} {}", r.try_get::<String, _>("given_name")?, r.try_get::<String, _>("family_name")?),
                    status,
                    indicative_budget: Money::from_pence(r.try_get("indicative_budget_pence")?),
                    total: Money::from_pence(r.try_get("total_pence")?),
                    over_budget_reason: r.try_get("over_budget_reason")?,
                })
            })
            .collect()
    }
}

pub(crate) async fn load_plan(conn: &mut sqlx::AnyConnection, id: PlanId) -> Result<LoadedPlan> {
    let uuid = id.uuid();
    let row: PlanRow = sqlx::query_as(&format!("SELECT {PLAN_COLUMNS} FROM plans WHERE id = $1"))
        .bind(uuid.to_string())
        .fetch_optional(&mut *conn)
        .await?
        .ok_or_else(|| StoreError::NotFound { what: "plan", id: id.to_string() })?;
    let lines: Vec<LineRow> = sqlx::query_as(
        "SELECT id, description, provider, category, frequency, units_per_period, unit_cost_pence, annual_cost_pence, stream, deployment, risk_note, in_force_from, in_force_to \
         FROM plan_lines WHERE plan_id = $1 ORDER BY position",
    )
    .bind(uuid.to_string())
    .fetch_all(&mut *conn)
    .await?;
    let indicative_budget = Money::from_pence(row.indicative_budget_pence);
    let final_budget = row.final_budget_pence.map(Money::from_pence);
    let budget_difference = final_budget.filter(|f| *f != indicative_budget).map(|f| {
        let reason = row.approval_note.clone().or_else(|| (f > indicative_budget).then(|| row.over_budget_reason.clone()).flatten()).unwrap_or_else(|| {
            if f < indicative_budget {
                "The agreed support plan costs less than the indicative budget.".to_string()
            } else {
                "The agreed support plan costs more than the indicative budget.".to_string()
            }
        });
        crate::records::BudgetDifference { amount: f - indicative_budget, reason }
    });
    let plan = Plan {
        id: uuid.into(),
        person_id: codec::uuid("plans.person_id", &row.person_id)?,
        assessment_id: codec::uuid("plans.assessment_id", &row.assessment_id)?,
        status: codec::code("plans.status", &row.status, PlanStatus::from_code)?,
        outcomes: codec::json("plans.outcomes", &row.outcomes)?,
        lines: lines.into_iter().map(LineRow::into_record).collect::<Result<_>>()?,
        start_date: codec::date("plans.start_date", &row.start_date)?,
        end_date: codec::date("plans.end_date", &row.end_date)?,
        over_budget_reason: row.over_budget_reason,
        indicative_budget,
        total: Money::from_pence(row.total_pence),
        final_budget,
        decided_by: row.decided_by,
        return_reasons: row.return_reasons,
        budget_difference,
        version: row.version,
    };
    Ok(LoadedPlan { council_id: row.council_id, plan })
}

/// Moves the plan to its next version, failing if someone else got there first.
/// Being the first write of each plan transaction, it also queues concurrent changes.
async fn bump_version(tx: &mut Transaction<'_, Any>, loaded: &LoadedPlan, expected_version: i64) -> Result<()> {
    let done = sqlx::query("UPDATE plans SET version = version + 1 WHERE id = $1 AND version = $2")
        .bind(loaded.plan.id.to_string())
        .bind(expected_version)
        .execute(&mut **tx)
        .await?;
    if done.rows_affected() != 1 {
        return Err(StoreError::Conflict(format!(
            "the plan has been changed by someone else since version {expected_version} (it is now version {}); reload it and make your change again",
            loaded.plan.version.max(expected_version + 1)
        )));
    }
    Ok(())
}

/// Writes `lines` from `first_position` on, in force from `from` (the plan's start if `None`).
pub(crate) async fn insert_lines(
    tx: &mut Transaction<'_, Any>,
    council_id: &str,
    plan_id: &str,
    lines: &[PlanLine],
    first_position: i64,
    from: Option<Date>,
) -> Result<()> {
    for (position, line) in (first_position..).zip(lines) {
        sqlx::query(
            "INSERT INTO plan_lines (id, council_id, plan_id, position, description, provider, category, frequency, units_per_period, unit_cost_pence, annual_cost_pence, stream, deployment, risk_note, in_force_from) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15)",
        )
        .bind(new_id())
        .bind(council_id)
        .bind(plan_id)
        .bind(position)
        .bind(&line.description)
        .bind(&line.provider)
        .bind(line.category.code())
        .bind(line.frequency.code())
        .bind(line.units_per_period.normalize().to_string())
        .bind(line.unit_cost.pence())
        .bind(line.annual_cost().pence())
        .bind(line.stream.code())
        .bind(line.deployment.map(|d| d.code()))
        .bind(line.risk_note.as_deref())
        .bind(from.map(iso))
        .execute(&mut **tx)
        .await?;
    }
    Ok(())
}
