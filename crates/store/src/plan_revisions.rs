//! Step 3 over the years: revising an approved plan from a date, and deciding revisions.
//!
//! One transaction locks the plan's budget account, checks the revision against the days
//! already paid, and — when the person asking may approve it (the approval rules: cost
//! against the social worker's limit, a chosen risk, an open safeguarding concern) —
//! ends and begins lines and moves the council's commitment through the money gate.
//! Otherwise the revision waits for a team manager; the plan in force carries on.

use crate::money::accounts::{lock_account, post_one, EntryDetails};
use crate::person::assessments::own_latest_assessment;
use crate::plan::load_plan;
use crate::{codec, new_id, now, Result, Store, StoreError};
use selfdirect_domain::access::Role;
use selfdirect_domain::dates::iso;
use selfdirect_domain::ids::{AccountId, PlanId, RevisionId};
use selfdirect_domain::money::ledger::change_commitment;
use selfdirect_domain::money::ledger::AccountBook;
use selfdirect_domain::plan::revision::{commitment_change, line_changes, validate_revision, CurrentLine, Revision, RevisionInput, RevisionLimits};
use selfdirect_domain::plan::PlanStatus;
use selfdirect_domain::review::safeguarding::{check_approver, ApprovalFlags, ApprovalPolicy};
use selfdirect_domain::{Money, Problems};
use serde::Serialize;
use sqlx::{Any, Row, Transaction};
use std::collections::BTreeMap;
use time::Date;

/// A revision of a plan, as the person and staff see it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct PlanRevision {
    pub id: RevisionId,
    pub plan_id: PlanId,
    /// 1 for the first revision; the plan as first approved is version 0.
    pub number: i64,
    #[cfg_attr(feature = "openapi", schema(value_type = String, format = Date))]
    pub effective_from: Date,
    pub reason: String,
    /// `approved` (in force from its date), `submitted` (waiting for a team manager) or `returned`.
    pub status: String,
    pub annual_cost_before: Money,
    pub annual_cost_after: Money,
    pub requested_by: String,
    pub decided_by: Option<String>,
    pub decision_note: Option<String>,
    /// The indicative budget of the newer assessment this version follows (after a
    /// re-assessment); none for a change on the same assessment.
    pub new_indicative_budget: Option<Money>,
}

/// What a revision is checked against, read inside the transaction.
struct Context {
    council_id: String,
    plan_id: PlanId,
    person_id: String,
    /// The plan's budget account, locked for the transaction, with its money gate's book.
    account: Option<(AccountId, AccountBook)>,
    current: Vec<CurrentLine>,
    limits: RevisionLimits,
    annual_cost_now: Money,
    /// The person's own assessment when it is newer than the plan's (after a re-assessment,
    /// or by the council a person moved to): the version follows it.
    follows: Option<(String, Money)>,
}

impl Store {
    /// Revises an approved plan from a date. Applied at once when `role` may approve it,
    /// otherwise kept as a revision waiting for a team manager (409 if one already waits).
    pub async fn revise_plan(&self, plan_id: PlanId, input: &RevisionInput, requested_by: &str, role: Role) -> Result<PlanRevision> {
        let mut p = Problems::new();
        let requested_by = p.text("requested_by", requested_by, 200);
        p.into_result(())?;
        let mut tx = self.pool.begin().await?;
        let context = self.revision_context(&mut tx, plan_id).await?;
        let waiting = sqlx::query("SELECT number FROM plan_revisions WHERE plan_id = $1 AND council_id = $2 AND status = 'submitted'")
            .bind(plan_id.to_string())
            .bind(&context.council_id)
            .fetch_optional(&mut *tx)
            .await?;
        if waiting.is_some() {
            return Err(StoreError::Conflict(ONE_WAITING.into()));
        }
        let revision = validate_revision(input, &self.streams, context.limits)?;
        let approvable = check_revision_approver(&mut tx, &context, &revision, role).await?;
        let id = new_id();
        let number: i64 = sqlx::query("SELECT CAST(COUNT(*) AS BIGINT) AS n FROM plan_revisions WHERE plan_id = $1 AND council_id = $2")
            .bind(plan_id.to_string())
            .bind(&context.council_id)
            .fetch_one(&mut *tx)
            .await?
            .try_get::<i64, _>("n")?
            + 1;
        let status = if approvable.is_ok() { "approved" } else { "submitted" };
        let who = requested_by.expect("checked");
        sqlx::query(
            "INSERT INTO plan_revisions (id, council_id, plan_id, number, effective_from, reason, status, lines, annual_cost_before_pence, annual_cost_after_pence, \
             requested_by, requested_at, decided_by, decided_at, assessment_id, indicative_budget_pence) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16)",
        )
        .bind(&id)
        .bind(&context.council_id)
        .bind(plan_id.to_string())
        .bind(number)
        .bind(iso(revision.effective_from))
        .bind(&revision.reason)
        .bind(status)
        .bind(serde_json::to_string(input).expect("typed input serialises"))
        .bind(context.annual_cost_now.pence())
        .bind(revision.annual_cost().pence())
        .bind(&who)
        .bind(now())
        .bind(approvable.is_ok().then_some(who.as_str()))
        .bind(approvable.is_ok().then(now))
        .bind(context.follows.as_ref().map(|(id, _)| id.clone()))
        .bind(context.follows.as_ref().map(|(_, indicative)| indicative.pence()))
        .execute(&mut *tx)
        .await
        .map_err(|e| one_waiting(e.into()))?;
        if approvable.is_ok() {
            apply_revision(&mut tx, &context, &revision).await?;
        }
        tx.commit().await?;
        self.plan_revision(codec::uuid("plan_revisions.id", &id)?).await
    }

    /// A team manager's decision on a waiting revision: approve (applied now, checked again
    /// against the days paid since it was asked for) or return it with a note.
    pub async fn decide_revision(&self, id: RevisionId, approve: bool, decided_by: &str, role: Role, note: Option<&str>) -> Result<PlanRevision> {
        let mut p = Problems::new();
        let decided_by = p.text("decided_by", decided_by, 200);
        let note = p.optional_text("note", note, 4000);
        if !approve && note.is_none() {
            p.add("note", "say why the revision is returned");
        }
        p.into_result(())?;
        let waiting = self.plan_revision(id).await?;
        if waiting.status != "submitted" {
            return Err(StoreError::Conflict(format!("revision {} is {}; only a waiting revision can be decided", waiting.number, waiting.status)));
        }
        let mut tx = self.pool.begin().await?;
        let typed: String = sqlx::query("SELECT lines FROM plan_revisions WHERE id = $1").bind(id.to_string()).fetch_one(&mut *tx).await?.try_get("lines")?;
        let input: RevisionInput = codec::json("plan_revisions.lines", &typed)?;
        let context = self.revision_context(&mut tx, waiting.plan_id).await?;
        if approve {
            let revision = validate_revision(&input, &self.streams, context.limits)
                .map_err(|p| StoreError::Conflict(format!("the revision can no longer be applied as asked ({p}); return it and ask again")))?;
            check_revision_approver(&mut tx, &context, &revision, role).await?.map_err(StoreError::Conflict)?;
            apply_revision(&mut tx, &context, &revision).await?;
        }
        sqlx::query("UPDATE plan_revisions SET status = $1, decided_by = $2, decided_at = $3, decision_note = $4 WHERE id = $5 AND status = 'submitted'")
            .bind(if approve { "approved" } else { "returned" })
            .bind(decided_by.as_deref())
            .bind(now())
            .bind(note.as_deref())
            .bind(id.to_string())
            .execute(&mut *tx)
            .await?;
        tx.commit().await?;
        self.plan_revision(id).await
    }

    /// Every revision of a plan, oldest first.
    pub async fn plan_revisions(&self, plan_id: PlanId) -> Result<Vec<PlanRevision>> {
        let rows = sqlx::query(&format!("SELECT {REVISION_COLUMNS} FROM plan_revisions WHERE plan_id = $1 ORDER BY number"))
            .bind(plan_id.to_string())
            .fetch_all(&self.pool)
            .await?;
        rows.iter().map(revision_from_row).collect()
    }

    pub async fn plan_revision(&self, id: RevisionId) -> Result<PlanRevision> {
        let row = sqlx::query(&format!("SELECT {REVISION_COLUMNS} FROM plan_revisions WHERE id = $1"))
            .bind(id.to_string())
            .fetch_optional(&self.pool)
            .await?
            .ok_or_else(|| StoreError::NotFound { what: "plan revision", id: id.to_string() })?;
        revision_from_row(&row)
    }

    async fn revision_context(&self, tx: &mut Transaction<'_, Any>, plan_id: PlanId) -> Result<Context> {
        let loaded = load_plan(tx, plan_id).await?;
        if loaded.plan.status != PlanStatus::Approved {
            return Err(StoreError::Conflict(format!(
                "the plan is {}; only an approved plan is revised (change a draft directly)",
                loaded.plan.status.label().to_lowercase()
            )));
        }
        let account: Option<String> = sqlx::query("SELECT id FROM budget_accounts WHERE plan_id = $1 AND council_id = $2")
            .bind(plan_id.to_string())
            .bind(&loaded.council_id)
            .fetch_optional(&mut **tx)
            .await?
            .map(|r| r.try_get("id"))
            .transpose()?;
        let account_id: Option<AccountId> = account.map(|a| codec::uuid("budget_accounts.id", &a)).transpose()?;
        // Locking the account queues concurrent payments and revisions behind this one.
        let account = match account_id {
            Some(id) => {
                let locked = lock_account(tx, id).await?;
                if let Some(ended) = &locked.account.ended {
                    return Err(StoreError::Conflict(format!("support ended on {}; an ended budget is not revised", iso(ended.ended_on))));
                }
                Some((id, locked.book))
            }
            None => None,
        };
        let paid_through = account.as_ref().and_then(|(_, book)| book.paid().iter().map(|d| d.last_day).max());
        let last_revised_from: Option<String> =
            sqlx::query("SELECT MAX(effective_from) AS d FROM plan_revisions WHERE plan_id = $1 AND council_id = $2 AND status = 'approved'")
                .bind(plan_id.to_string())
                .bind(&loaded.council_id)
                .fetch_one(&mut **tx)
                .await?
                .try_get("d")?;
        let limits = RevisionLimits {
            plan_start: loaded.plan.start_date,
            plan_end: loaded.plan.end_date,
            paid_through,
            last_revised_from: last_revised_from.map(|d| codec::date("plan_revisions.effective_from", &d)).transpose()?,
        };
        let current: Vec<CurrentLine> = loaded.plan.lines.iter().map(|l| CurrentLine { id: l.id, line: l.line.clone(), in_force: l.in_force }).collect();
        let today = crate::today().clamp(limits.plan_start, limits.plan_end);
        let annual_cost_now = current.iter().filter(|c| c.in_force.covers(today, today)).map(|c| c.line.annual_cost()).sum();
        let person_id = loaded.plan.person_id.to_string();
        let follows = own_latest_assessment(&mut **tx, &loaded.council_id, &person_id)
            .await?
            .filter(|(id, _, _)| *id != loaded.plan.assessment_id.to_string())
            .map(|(id, _, indicative)| (id, indicative));
        Ok(Context { council_id: loaded.council_id, plan_id, person_id, account, current, limits, annual_cost_now, follows })
    }
}

const REVISION_COLUMNS: &str =
    "id, plan_id, number, effective_from, reason, status, annual_cost_before_pence, annual_cost_after_pence, requested_by, decided_by, decision_note, indicative_budget_pence";

fn revision_from_row(r: &sqlx::any::AnyRow) -> Result<PlanRevision> {
    Ok(PlanRevision {
        id: codec::uuid("plan_revisions.id", &r.try_get::<String, _>("id")?)?,
        plan_id: codec::uuid("plan_revisions.plan_id", &r.try_get::<String, _>("plan_id")?)?,
        number: r.try_get("number")?,
        effective_from: codec::date("plan_revisions.effective_from", &r.try_get::<String, _>("effective_from")?)?,
        reason: r.try_get("reason")?,
        status: r.try_get("status")?,
        annual_cost_before: Money::from_pence(r.try_get("annual_cost_before_pence")?),
        annual_cost_after: Money::from_pence(r.try_get("annual_cost_after_pence")?),
        requested_by: r.try_get("requested_by")?,
        decided_by: r.try_get("decided_by")?,
        decision_note: r.try_get("decision_note")?,
        new_indicative_budget: r.try_get::<Option<i64>, _>("indicative_budget_pence")?.map(Money::from_pence),
    })
}

const ONE_WAITING: &str = "a revision of this plan is already waiting for a team manager; decide it first";

/// A second waiting revision breaks the one-waiting index: say so plainly.
fn one_waiting(e: StoreError) -> StoreError {
    match e {
        StoreError::Conflict(_) => StoreError::Conflict(ONE_WAITING.into()),
        other => other,
    }
}

/// Whether `role` may approve the revision under the council's approval rules.
async fn check_revision_approver(tx: &mut Transaction<'_, Any>, context: &Context, revision: &Revision, role: Role) -> Result<std::result::Result<(), String>> {
    let concerns = crate::review::safeguarding::open_concern_count(&mut **tx, &context.person_id).await?;
    let limit: Option<i64> = sqlx::query("SELECT approval_limit_pence FROM councils WHERE id = $1")
        .bind(&context.council_id)
        .fetch_one(&mut **tx)
        .await?
        .try_get("approval_limit_pence")?;
    let policy = limit.map(|l| ApprovalPolicy { social_worker_limit: Money::from_pence(l) }).unwrap_or_default();
    let risks = revision.lines.iter().filter(|l| l.risk_note.is_some()).count();
    Ok(check_approver(role, ApprovalFlags { open_concerns: concerns, risk_enablement_lines: risks }, revision.annual_cost(), policy))
}

/// Ends the changed lines the day before the revision, adds the new ones from its date,
/// and moves the council's commitment through the money gate.
async fn apply_revision(tx: &mut Transaction<'_, Any>, context: &Context, revision: &Revision) -> Result<()> {
    let changes = line_changes(&context.current, revision);
    let day_before = revision.effective_from.previous_day().expect("after the plan's start");
    for ended in &changes.ended {
        sqlx::query("UPDATE plan_lines SET in_force_to = $1 WHERE id = $2 AND council_id = $3")
            .bind(iso(day_before))
            .bind(ended.to_string())
            .bind(&context.council_id)
            .execute(&mut **tx)
            .await?;
    }
    let next: i64 = sqlx::query("SELECT CAST(COALESCE(MAX(position), -1) AS BIGINT) + 1 AS n FROM plan_lines WHERE plan_id = $1 AND council_id = $2")
        .bind(context.plan_id.to_string())
        .bind(&context.council_id)
        .fetch_one(&mut **tx)
        .await?
        .try_get("n")?;
    crate::plan::insert_lines(tx, &context.council_id, &context.plan_id.to_string(), &changes.added, next, Some(revision.effective_from)).await?;
    if let Some((assessment_id, indicative)) = &context.follows {
        sqlx::query("UPDATE plans SET assessment_id = $1, indicative_budget_pence = $2 WHERE id = $3 AND council_id = $4")
            .bind(assessment_id)
            .bind(indicative.pence())
            .bind(context.plan_id.to_string())
            .bind(&context.council_id)
            .execute(&mut **tx)
            .await?;
    }
    sqlx::query("UPDATE plans SET total_pence = $1, final_budget_pence = $1, updated_at = $2 WHERE id = $3 AND council_id = $4")
        .bind(revision.annual_cost().pence())
        .bind(now())
        .bind(context.plan_id.to_string())
        .bind(&context.council_id)
        .execute(&mut **tx)
        .await?;
    // The account was locked when the context was read; its book is the money gate's view.
    let Some((account_id, book)) = &context.account else { return Ok(()) };
    let change = commitment_change(&context.current, &changes, revision.effective_from, context.limits.plan_end);
    let available = |stream: &selfdirect_domain::plan::FundingStream| book.balances().get(selfdirect_domain::money::ledger::LedgerAccount::Available, stream);
    if let Some(entry) = change_commitment(&change, available, revision.effective_from) {
        let mut books = BTreeMap::from([(account_id.to_string(), book.clone())]);
        post_one(tx, &context.council_id, &mut books, &account_id.to_string(), &entry, EntryDetails::default()).await?;
    }
    Ok(())
}
