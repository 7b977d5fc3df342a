//! Step 2: the RAS over time — publishing questionnaire versions, uprating, recalculating
//! a council's indicative budgets, calibrating against agreed packages, what-ifs, and
//! requests to reconsider a budget.

use crate::codec;
use crate::records::{AllocationRecord, Reconsideration};
use crate::{fresh_id, invalid, new_id, now, today, Result, Store, StoreError};
use rust_decimal::Decimal;
use selfdirect_domain::assessment::Questionnaire;
use selfdirect_domain::dates::iso;
use selfdirect_domain::ids::{CouncilId, PersonId, ReconsiderationId};
use selfdirect_domain::person::ClientGroup;
use selfdirect_domain::ras::calibration::{evaluate, fit_prices, what_if, Evaluation, Fit, Package, WhatIf};
use selfdirect_domain::ras::{allocate, Allocation, CompiledRules, ExplanationItem, MOST_A_RULE_MAY_HOLD};
use selfdirect_domain::{Money, Problems};
use serde::Serialize;
use sqlx::Row;
use std::collections::BTreeMap;

/// A published questionnaire version.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct QuestionnaireVersion {
    pub questionnaire_id: String,
    pub version: i64,
    pub title: String,
    pub published_at: String,
}

/// One person whose indicative budget a recalculation changed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct BudgetChange {
    pub person_id: PersonId,
    pub person_name: String,
    pub before: Money,
    pub after: Money,
    pub change: Money,
}

/// What recalculating a council's indicative budgets did.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct RecomputeReport {
    pub questionnaire_version: i64,
    pub people: i64,
    pub increased: i64,
    pub decreased: i64,
    pub unchanged: i64,
    /// People whose answers no longer fit the current questionnaire: they need a new assessment.
    pub needs_reassessment: Vec<PersonId>,
    pub total_before: Money,
    pub total_after: Money,
    /// Everyone whose budget changed, largest change first.
    pub changes: Vec<BudgetChange>,
}

/// Fitted prices for a council's own agreed packages, and how current and fitted rules land.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct CalibrationReport {
    pub questionnaire_version: i64,
    pub packages: i64,
    pub fit: Fit,
    pub current: Evaluation,
    pub fitted: Evaluation,
}

#[derive(sqlx::FromRow)]
struct AllocationRow {
    id: String,
    assessment_id: String,
    questionnaire_id: String,
    questionnaire_version: i64,
    reason: String,
    allocation: String,
    created_at: String,
}

const ALLOCATION_COLUMNS: &str = "id, assessment_id, questionnaire_id, questionnaire_version, reason, allocation, created_at";

impl AllocationRow {
    fn into_record(self) -> Result<AllocationRecord> {
        Ok(AllocationRecord {
            id: codec::uuid("allocations.id", &self.id)?,
            assessment_id: codec::uuid("allocations.assessment_id", &self.assessment_id)?,
            questionnaire_id: self.questionnaire_id,
            questionnaire_version: self.questionnaire_version,
            reason: self.reason,
            allocation: codec::json("allocations.allocation", &self.allocation)?,
            created_at: self.created_at,
        })
    }
}

/// Writes one allocation row inside `conn`'s transaction.
#[allow(clippy::too_many_arguments)]
pub(crate) async fn insert_allocation(
    conn: &mut sqlx::AnyConnection,
    council_id: &str,
    person_id: &str,
    assessment_id: &str,
    questionnaire: (&str, i64),
    reason: &str,
    allocation: &Allocation,
) -> Result<String> {
    let id = new_id();
    sqlx::query(
        "INSERT INTO allocations (id, council_id, person_id, assessment_id, questionnaire_id, questionnaire_version, reason, total_pence, allocation, created_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)",
    )
    .bind(&id)
    .bind(council_id)
    .bind(person_id)
    .bind(assessment_id)
    .bind(questionnaire.0)
    .bind(questionnaire.1)
    .bind(reason)
    .bind(allocation.total.pence())
    .bind(codec::to_json(allocation))
    .bind(now())
    .execute(&mut *conn)
    .await?;
    Ok(id)
}

impl Store {
    pub async fn council_by_code(&self, code: &str) -> Result<crate::Council> {
        let row = sqlx::query("SELECT id FROM councils WHERE code = $1")
            .bind(code.trim().to_ascii_uppercase())
            .fetch_optional(&self.pool)
            .await?
            .ok_or_else(|| StoreError::NotFound { what: "council with code", id: code.to_string() })?;
        self.council(codec::uuid("councils.id", &row.try_get::<String, _>("id")?)?).await
    }

    /// Publishes a questionnaire (TOML text) for a council. It must be valid and carry a
    /// higher version than the one in force; otherwise nothing changes.
    pub async fn publish_questionnaire(&self, council_id: CouncilId, source_name: &str, toml_text: &str) -> Result<Questionnaire> {
        let questionnaire = Questionnaire::from_toml(source_name, toml_text).map_err(|e| {
            let mut p = Problems::new();
            for problem in e.problems.into_vec() {
                p.add(format!("{source_name}: {}", problem.field), problem.problem);
            }
            StoreError::Invalid(p)
        })?;
        self.publish(council_id, &questionnaire).await?;
        Ok(questionnaire)
    }

    async fn publish(&self, council_id: CouncilId, questionnaire: &Questionnaire) -> Result<()> {
        let council = self.council(council_id).await?;
        let current = self.current_questionnaire(council_id).await?;
        if questionnaire.version <= current.version {
            return Err(invalid(
                "version",
                format!("is {}, but version {} is already in force; publish version {} or higher", questionnaire.version, current.version, current.version + 1),
            ));
        }
        sqlx::query("INSERT INTO questionnaires (council_id, questionnaire_id, version, definition, published_at) VALUES ($1, $2, $3, $4, $5)")
            .bind(council.id.to_string())
            .bind(&questionnaire.id)
            .bind(questionnaire.version)
            .bind(codec::to_json(questionnaire))
            .bind(now())
            .execute(&self.pool)
            .await?;
        Ok(())
    }

    pub async fn questionnaire_versions(&self, council_id: CouncilId) -> Result<Vec<QuestionnaireVersion>> {
        let council = self.council(council_id).await?;
        let rows = sqlx::query("SELECT questionnaire_id, version, definition, published_at FROM questionnaires WHERE council_id = $1 ORDER BY version")
            .bind(council.id.to_string())
            .fetch_all(&self.pool)
            .await?;
        rows.into_iter()
            .map(|r| {
                let q: Questionnaire = codec::json("questionnaires.definition", &r.try_get::<String, _>("definition")?)?;
                Ok(QuestionnaireVersion {
                    questionnaire_id: r.try_get("questionnaire_id")?,
                    version: r.try_get("version")?,
                    title: q.title,
                    published_at: r.try_get("published_at")?,
                })
            })
            .collect()
    }

    /// Publishes the next version with every amount of money raised by `percent`.
    pub async fn uprate(&self, council_id: CouncilId, percent: &str) -> Result<Questionnaire> {
        let value = parse_percent("percent", percent, Decimal::from(-50), Decimal::from(50))?;
        let mut next = self.current_questionnaire(council_id).await?;
        next.allocation = next.allocation.uprated(value).ok_or_else(|| {
            invalid(
                "percent",
                format!("uprating by {}% would take an amount in the rules above {}, the most it may be", value.normalize(), MOST_A_RULE_MAY_HOLD),
            )
        })?;
        next.version += 1;
        next.title = format!("{} (uprated by {}%)", next.title.split(" (uprated by").next().unwrap_or(&next.title), value.normalize());
        self.publish(council_id, &next).await?;
        Ok(next)
    }

    /// The person's indicative budget in force: the latest allocation of their latest assessment.
    pub async fn current_allocation(&self, person_id: PersonId) -> Result<Option<AllocationRecord>> {
        let Some(assessment) = self.latest_assessment(person_id).await? else { return Ok(None) };
        self.allocation_for_assessment(&assessment.id.to_string()).await.map(Some)
    }

    pub(crate) async fn allocation_for_assessment(&self, assessment_id: &str) -> Result<AllocationRecord> {
        let row: AllocationRow =
            sqlx::query_as(&format!("SELECT {ALLOCATION_COLUMNS} FROM allocations WHERE assessment_id = $1 ORDER BY created_at DESC, id DESC LIMIT 1"))
                .bind(assessment_id)
                .fetch_optional(&self.pool)
                .await?
                .ok_or_else(|| StoreError::Corrupt(format!("assessment {assessment_id} has no allocation")))?;
        row.into_record()
    }

    /// Every allocation a person has had, newest first.
    pub async fn allocation_history(&self, person_id: PersonId) -> Result<Vec<AllocationRecord>> {
        let person = self.person(person_id).await?;
        let rows: Vec<AllocationRow> =
            sqlx::query_as(&format!("SELECT {ALLOCATION_COLUMNS} FROM allocations WHERE person_id = $1 ORDER BY created_at DESC, id DESC"))
                .bind(person.id.to_string())
                .fetch_all(&self.pool)
                .await?;
        rows.into_iter().map(AllocationRow::into_record).collect()
    }

    /// Recalculates every person's indicative budget under the council's current rules
    /// (after uprating, or a new version), recording a new allocation for each one that
    /// changes. `progress(done, total)` is called as people are processed.
    pub async fn recompute(&self, council_id: CouncilId, progress: &(dyn Fn(u64, u64) + Sync)) -> Result<RecomputeReport> {
        let council = self.council(council_id).await?;
        let cid = council.id.to_string();
        let questionnaire = self.current_questionnaire(council_id).await?;
        let compiled = CompiledRules::new(&questionnaire);
        let rows = sqlx::query(
            "SELECT a.id, a.person_id, a.answers, p.client_group, p.given_name, p.family_name, \
               (SELECT al.total_pence FROM allocations al WHERE al.assessment_id = a.id ORDER BY al.created_at DESC, al.id DESC LIMIT 1) AS current_total \
             FROM assessments a JOIN people p ON p.id = a.person_id \
             WHERE a.council_id = $1 AND a.id = (SELECT a2.id FROM assessments a2 WHERE a2.person_id = a.person_id ORDER BY a2.completed_on DESC, a2.id DESC LIMIT 1) \
             ORDER BY a.person_id",
        )
        .bind(&cid)
        .fetch_all(&self.pool)
        .await?;
        let total_rows = rows.len() as u64;
        let mut report = RecomputeReport {
            questionnaire_version: questionnaire.version,
            people: rows.len() as i64,
            increased: 0,
            decreased: 0,
            unchanged: 0,
            needs_reassessment: Vec::new(),
            total_before: Money::ZERO,
            total_after: Money::ZERO,
            changes: Vec::new(),
        };
        let mut pending: Vec<(String, String, Allocation)> = Vec::new();
        for (done, row) in rows.into_iter().enumerate() {
            let person_id: String = row.try_get("person_id")?;
            let before = Money::from_pence(row.try_get::<i64, _>("current_total")?);
            let group = codec::code("people.client_group", &row.try_get::<String, _>("client_group")?, ClientGroup::from_code)?;
            let answers: BTreeMap<String, String> = codec::json("assessments.answers", &row.try_get::<String, _>("answers")?)?;
            report.total_before += before;
            let after = match compiled.indices(&questionnaire, &answers) {
                Some(indices) => compiled.total(&indices, group),
                None => {
                    report.needs_reassessment.push(codec::uuid("people.id", &person_id)?);
                    report.total_after += before;
                    continue;
                }
            };
            report.total_after += after;
            if after == before {
                report.unchanged += 1;
            } else {
                if after > before {
                    report.increased += 1;
                } else {
                    report.decreased += 1;
                }
                let scores = questionnaire.score(&answers).map_err(|p| StoreError::Corrupt(format!("answers scored by the fast path were refused: {p}")))?;
                let allocation = allocate(&questionnaire.allocation, &scores, group);
                debug_assert_eq!(allocation.total, after);
                report.changes.push(BudgetChange {
                    person_id: codec::uuid("people.id", &person_id)?,
                    person_name: format!("{} {}", row.try_get::<String, _>("given_name")?, row.try_get::<String, _>("family_name")?),
                    before,
                    after,
                    change: after - before,
                });
                pending.push((person_id, row.try_get("id")?, allocation));
            }
            if pending.len() >= 500 {
                self.write_recalculations(&cid, &questionnaire, &mut pending).await?;
            }
            progress(done as u64 + 1, total_rows);
        }
        self.write_recalculations(&cid, &questionnaire, &mut pending).await?;
        progress(total_rows, total_rows);
        report.changes.sort_by_key(|c| std::cmp::Reverse(c.change.pence().abs()));
        Ok(report)
    }

    async fn write_recalculations(&self, council_id: &str, q: &Questionnaire, pending: &mut Vec<(String, String, Allocation)>) -> Result<()> {
        if pending.is_empty() {
            return Ok(());
        }
        let mut tx = self.pool.begin().await?;
        for (person_id, assessment_id, allocation) in pending.drain(..) {
            insert_allocation(&mut tx, council_id, &person_id, &assessment_id, (&q.id, q.version), "recalculation", &allocation).await?;
        }
        tx.commit().await?;
        Ok(())
    }

    /// The council's agreed care packages: for each person with an approved plan, the
    /// answers of the assessment it was built on and the plan's annual cost.
    pub async fn packages(&self, council_id: CouncilId, questionnaire: &Questionnaire) -> Result<Vec<Package>> {
        let council = self.council(council_id).await?;
        let compiled = CompiledRules::new(questionnaire);
        let rows = sqlx::query(
            "SELECT p.person_id, p.final_budget_pence, a.answers, pe.client_group FROM plans p \
             JOIN assessments a ON a.id = p.assessment_id JOIN people pe ON pe.id = p.person_id \
             WHERE p.council_id = $1 AND p.status = 'approved' ORDER BY p.person_id, p.decided_at",
        )
        .bind(council.id.to_string())
        .fetch_all(&self.pool)
        .await?;
        let mut latest: BTreeMap<String, Package> = BTreeMap::new();
        for r in rows {
            let answers: BTreeMap<String, String> = codec::json("assessments.answers", &r.try_get::<String, _>("answers")?)?;
            let Some(indices) = compiled.indices(questionnaire, &answers) else { continue };
            let reference: String = r.try_get("person_id")?;
            let package = Package {
                reference: reference.clone(),
                group: codec::code("people.client_group", &r.try_get::<String, _>("client_group")?, ClientGroup::from_code)?,
                answers: indices,
                actual: Money::from_pence(r.try_get::<Option<i64>, _>("final_budget_pence")?.unwrap_or(0)),
            };
            latest.insert(reference, package);
        }
        Ok(latest.into_values().collect())
    }

    /// Fits band prices to the council's agreed packages and shows current and fitted rules side by side.
    pub async fn calibrate(&self, council_id: CouncilId) -> Result<CalibrationReport> {
        let questionnaire = self.current_questionnaire(council_id).await?;
        let packages = self.packages(council_id, &questionnaire).await?;
        let compiled = CompiledRules::new(&questionnaire);
        let fit = fit_prices(&compiled, &questionnaire.allocation.bands, &packages).map_err(|e| invalid("packages", e.to_string()))?;
        let mut fitted_rules = questionnaire.allocation.clone();
        fitted_rules.bands = fit.bands.clone();
        let fitted = CompiledRules::with_rules(&questionnaire, &fitted_rules);
        Ok(CalibrationReport {
            questionnaire_version: questionnaire.version,
            packages: packages.len() as i64,
            current: evaluate(&compiled, &packages),
            fitted: evaluate(&fitted, &packages),
            fit,
        })
    }

    /// A proposed questionnaire file tried on the council's agreed packages, against the rules in force.
    pub async fn what_if(&self, council_id: CouncilId, source_name: &str, toml_text: &str) -> Result<WhatIf> {
        let current = self.current_questionnaire(council_id).await?;
        let proposed = Questionnaire::from_toml(source_name, toml_text).map_err(|e| StoreError::Invalid(e.problems))?;
        if proposed.questions().map(|(_, q)| &q.id).ne(current.questions().map(|(_, q)| &q.id)) {
            return Err(invalid("questionnaire", "a what-if must keep the same questions as the version in force; it compares the money rules"));
        }
        let packages = self.packages(council_id, &current).await?;
        Ok(what_if(&CompiledRules::new(&current), &CompiledRules::with_rules(&current, &proposed.allocation), &packages))
    }

    /// Records a request to reconsider the person's indicative budget.
    pub async fn request_reconsideration(&self, person_id: PersonId, requested_by: &str, grounds: &str, requested_on: &str) -> Result<Reconsideration> {
        let person = self.person(person_id).await?;
        let mut p = Problems::new();
        let requested_by = p.text("requested_by", requested_by, 200);
        let grounds = p.text("grounds", grounds, 10_000);
        let on = p.date("requested_on", requested_on);
        if on.is_some_and(|d| d > today()) {
            p.add("requested_on", "must not be in the future");
        }
        let allocation = self.current_allocation(person_id).await?;
        if allocation.is_none() {
            p.add("person_id", "this person has no indicative budget to reconsider yet");
        }
        p.into_result(())?;
        let id: ReconsiderationId = fresh_id();
        sqlx::query(
            "INSERT INTO reconsiderations (id, council_id, person_id, allocation_id, requested_on, requested_by, grounds, status, created_at) VALUES ($1, $2, $3, $4, $5, $6, $7, 'open', $8)",
        )
        .bind(id.to_string())
        .bind(person.council_id.to_string())
        .bind(person.id.to_string())
        .bind(allocation.expect("checked").id.to_string())
        .bind(iso(on.expect("checked")))
        .bind(requested_by.as_deref())
        .bind(grounds.as_deref())
        .bind(now())
        .execute(&self.pool)
        .await?;
        self.reconsideration(id).await
    }

    /// Decides a request: `upheld` with a revised amount records a new allocation whose
    /// explanation shows the change; `not_upheld` leaves the budget as it is.
    pub async fn decide_reconsideration(
        &self,
        id: ReconsiderationId,
        decided_by: &str,
        outcome: &str,
        notes: &str,
        revised_total: Option<&str>,
        decided_on: &str,
    ) -> Result<Reconsideration> {
        let existing = self.reconsideration(id).await?;
        if existing.status != "open" {
            return Err(StoreError::Conflict(format!("this request was already decided ({})", existing.status.replace('_', " "))));
        }
        let mut p = Problems::new();
        let decided_by = p.text("decided_by", decided_by, 200);
        let notes = p.text("notes", notes, 10_000);
        let on = p.date("decided_on", decided_on);
        if let Some(d) = on {
            if d < existing.requested_on {
                p.add("decided_on", format!("must be on or after the request ({})", iso(existing.requested_on)));
            } else if d > today() {
                p.add("decided_on", "must not be in the future");
            }
        }
        let revised = match (outcome.trim(), revised_total) {
            ("upheld", Some(t)) => p.money("revised_total", t),
            ("upheld", None) => {
                p.add("revised_total", "is required when the request is upheld");
                None
            }
            ("not_upheld", None) => None,
            ("not_upheld", Some(_)) => {
                p.add("revised_total", "must be left out when the request is not upheld");
                None
            }
            (other, _) => {
                p.add("outcome", format!("'{other}' is not one of: upheld, not_upheld"));
                None
            }
        };
        p.into_result(())?;
        // Read everything first: on SQLite the transaction holds the only connection.
        let current = self.allocation_for_assessment(&existing.assessment_id.to_string()).await?;
        let person = self.person(existing.person_id).await?;
        let mut tx = self.pool.begin().await?;
        let changed = sqlx::query(
            "UPDATE reconsiderations SET status = $1, decided_on = $2, decided_by = $3, decision_notes = $4, revised_total_pence = $5 WHERE id = $6 AND status = 'open'",
        )
        .bind(outcome.trim())
        .bind(iso(on.expect("checked")))
        .bind(decided_by.as_deref())
        .bind(notes.as_deref())
        .bind(revised.map(Money::pence))
        .bind(existing.id.to_string())
        .execute(&mut *tx)
        .await?;
        if changed.rows_affected() != 1 {
            return Err(StoreError::Conflict("this request was decided by someone else just now".into()));
        }
        if let Some(revised) = revised {
            let mut allocation = current.allocation.clone();
            let change = revised - allocation.total;
            if !change.is_zero() {
                allocation.items.push(ExplanationItem {
                    label: "Change after reconsideration".into(),
                    amount: change,
                    text: format!(
                        "You asked us to look again at your budget. On {} we agreed to change it by {change}: {}",
                        selfdirect_domain::dates::long(on.expect("checked")),
                        notes.as_deref().unwrap_or("")
                    ),
                });
                allocation.total = revised;
                allocation.summary = format!(
                    "After reconsidering, your indicative personal budget is {revised} a year ({} a week). Your final budget comes from the support plan we agree with you.",
                    selfdirect_domain::ras::weekly(revised)
                );
                let questionnaire = (current.questionnaire_id.as_str(), current.questionnaire_version);
                insert_allocation(
                    &mut tx,
                    &person.council_id.to_string(),
                    &person.id.to_string(),
                    &existing.assessment_id.to_string(),
                    questionnaire,
                    "reconsideration",
                    &allocation,
                )
                .await?;
            }
        }
        tx.commit().await?;
        self.reconsideration(id).await
    }

    pub async fn reconsideration(&self, id: ReconsiderationId) -> Result<Reconsideration> {
        let uuid = id.uuid();
        let rows = self.reconsiderations_where("r.id = $1", &uuid.to_string()).await?;
        rows.into_iter().next().ok_or_else(|| StoreError::NotFound { what: "reconsideration", id: id.to_string() })
    }

    pub async fn reconsiderations(&self, person_id: PersonId) -> Result<Vec<Reconsideration>> {
        let person = self.person(person_id).await?;
        self.reconsiderations_where("r.person_id = $1", &person.id.to_string()).await
    }

    async fn reconsiderations_where(&self, condition: &str, value: &str) -> Result<Vec<Reconsideration>> {
        let rows = sqlx::query(&format!(
            "SELECT r.id, r.person_id, al.assessment_id, al.total_pence, r.requested_on, r.requested_by, r.grounds, r.status, r.decided_on, r.decided_by, r.decision_notes, r.revised_total_pence \
             FROM reconsiderations r JOIN allocations al ON al.id = r.allocation_id WHERE {condition} ORDER BY r.requested_on DESC, r.id DESC"
        ))
        .bind(value)
        .fetch_all(&self.pool)
        .await?;
        rows.into_iter()
            .map(|r| {
                let decided_on: Option<String> = r.try_get("decided_on")?;
                Ok(Reconsideration {
                    id: codec::uuid("reconsiderations.id", &r.try_get::<String, _>("id")?)?,
                    person_id: codec::uuid("reconsiderations.person_id", &r.try_get::<String, _>("person_id")?)?,
                    assessment_id: codec::uuid("allocations.assessment_id", &r.try_get::<String, _>("assessment_id")?)?,
                    budget_at_request: Money::from_pence(r.try_get("total_pence")?),
                    requested_on: codec::date("reconsiderations.requested_on", &r.try_get::<String, _>("requested_on")?)?,
                    requested_by: r.try_get("requested_by")?,
                    grounds: r.try_get("grounds")?,
                    status: r.try_get("status")?,
                    decided_on: decided_on.as_deref().map(|d| codec::date("reconsiderations.decided_on", d)).transpose()?,
                    decided_by: r.try_get("decided_by")?,
                    decision_notes: r.try_get("decision_notes")?,
                    revised_total: r.try_get::<Option<i64>, _>("revised_total_pence")?.map(Money::from_pence),
                })
            })
            .collect()
    }
}

fn parse_percent(field: &str, text: &str, low: Decimal, high: Decimal) -> Result<Decimal> {
    match text.trim().trim_end_matches('%').parse::<Decimal>() {
        Ok(v) if v >= low && v <= high && v.scale() <= 2 => Ok(v),
        _ => Err(invalid(field, format!("'{}' is not a percentage from {low} to {high} (at most two decimal places)", text.trim()))),
    }
}
