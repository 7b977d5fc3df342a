//! Steps 1–2: recording a supported self-assessment and its indicative budget.

use crate::codec;
use crate::ras::insert_allocation;
use crate::records::Assessment;
use crate::{fresh_id, now, today, Result, Store, StoreError};
use selfdirect_domain::dates::iso;
use selfdirect_domain::ids::{AssessmentId, PersonId};
use selfdirect_domain::ras::allocate;
use selfdirect_domain::Problems;
use std::collections::BTreeMap;

#[derive(sqlx::FromRow)]
struct AssessmentRow {
    id: String,
    person_id: String,
    questionnaire_id: String,
    questionnaire_version: i64,
    completed_on: String,
    assessor: String,
    answers: String,
    scores: String,
    allocation: String,
    carried_from_council_id: Option<String>,
}

const COLUMNS: &str = "id, person_id, questionnaire_id, questionnaire_version, completed_on, assessor, answers, scores, allocation, carried_from_council_id";

impl AssessmentRow {
    fn into_assessment(self) -> Result<Assessment> {
        Ok(Assessment {
            id: codec::uuid("assessments.id", &self.id)?,
            person_id: codec::uuid("assessments.person_id", &self.person_id)?,
            questionnaire_id: self.questionnaire_id,
            questionnaire_version: self.questionnaire_version,
            completed_on: codec::date("assessments.completed_on", &self.completed_on)?,
            assessor: self.assessor,
            answers: codec::json("assessments.answers", &self.answers)?,
            scores: codec::json("assessments.scores", &self.scores)?,
            allocation: codec::json("assessments.allocation", &self.allocation)?,
            carried_from_council_id: self.carried_from_council_id.as_deref().map(|c| codec::uuid("assessments.carried_from_council_id", c)).transpose()?,
        })
    }
}

impl Store {
    /// Scores a completed assessment against the council's current questionnaire, works
    /// out the indicative budget, and keeps both with the questionnaire version used.
    pub async fn record_assessment(&self, person_id: PersonId, answers: &BTreeMap<String, String>, completed_on: &str, assessor: &str) -> Result<Assessment> {
        let person = self.person(person_id).await?;
        let questionnaire = self.current_questionnaire(person.council_id).await?;
        let mut p = Problems::new();
        let completed = p.date("completed_on", completed_on);
        if completed.is_some_and(|d| d > today()) {
            p.add("completed_on", "must not be in the future");
        }
        let assessor = p.text("assessor", assessor, 200);
        let scores = match questionnaire.score(answers) {
            Ok(s) => Some(s),
            Err(problems) => {
                p.extend(problems);
                None
            }
        };
        if !p.is_empty() {
            return Err(p.into());
        }
        let scores = scores.expect("checked");
        let allocation = allocate(&questionnaire.allocation, &scores, person.details.client_group);
        let id: AssessmentId = fresh_id();
        let mut tx = self.pool.begin().await?;
        sqlx::query(
            "INSERT INTO assessments (id, council_id, person_id, questionnaire_id, questionnaire_version, completed_on, assessor, answers, scores, total_points, indicative_budget_pence, allocation, created_at) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13)",
        )
        .bind(id.to_string())
        .bind(person.council_id.to_string())
        .bind(person.id.to_string())
        .bind(&questionnaire.id)
        .bind(questionnaire.version)
        .bind(iso(completed.expect("checked")))
        .bind(assessor.as_deref())
        .bind(codec::to_json(answers))
        .bind(codec::to_json(&scores))
        .bind(scores.total_points())
        .bind(allocation.total.pence())
        .bind(codec::to_json(&allocation))
        .bind(now())
        .execute(&mut *tx)
        .await?;
        let (council_id, person_id) = (person.council_id.to_string(), person.id.to_string());
        insert_allocation(&mut tx, &council_id, &person_id, &id.to_string(), (&questionnaire.id, questionnaire.version), "assessment", &allocation).await?;
        tx.commit().await?;
        self.assessment(id).await
    }

    pub async fn assessment(&self, id: AssessmentId) -> Result<Assessment> {
        let uuid = id.uuid();
        let row: AssessmentRow = sqlx::query_as(&format!("SELECT {COLUMNS} FROM assessments WHERE id = $1"))
            .bind(uuid.to_string())
            .fetch_optional(&self.pool)
            .await?
            .ok_or_else(|| StoreError::NotFound { what: "assessment", id: id.to_string() })?;
        row.into_assessment()
    }

    /// The person's most recent assessment: the one later steps reuse ("tell us once").
    pub async fn latest_assessment(&self, person_id: PersonId) -> Result<Option<Assessment>> {
        let person = self.person(person_id).await?;
        let row: Option<AssessmentRow> =
            sqlx::query_as(&format!("SELECT {COLUMNS} FROM assessments WHERE person_id = $1 ORDER BY completed_on DESC, id DESC LIMIT 1"))
                .bind(person.id.to_string())
                .fetch_optional(&self.pool)
                .await?;
        row.map(AssessmentRow::into_assessment).transpose()
    }
}

/// The person's newest assessment by their own council (not one carried from another),
/// with its indicative budget as allocated now: (assessment id, completed on, indicative).
pub(crate) async fn own_latest_assessment<'e, E>(
    executor: E,
    council_id: &str,
    person_id: &str,
) -> Result<Option<(String, time::Date, selfdirect_domain::Money)>>
where
    E: sqlx::Executor<'e, Database = sqlx::Any>,
{
    use sqlx::Row;
    let row = sqlx::query(
        "SELECT a.id, a.completed_on, (SELECT l.total_pence FROM allocations l WHERE l.assessment_id = a.id AND l.council_id = a.council_id \
         ORDER BY l.created_at DESC, l.id DESC LIMIT 1) AS indicative \
         FROM assessments a WHERE a.person_id = $1 AND a.council_id = $2 AND a.carried_from_council_id IS NULL ORDER BY a.completed_on DESC, a.created_at DESC LIMIT 1",
    )
    .bind(person_id)
    .bind(council_id)
    .fetch_optional(executor)
    .await?;
    row.map(|r| {
        let indicative: i64 = r.try_get("indicative")?;
        Ok((
            r.try_get("id")?,
            codec::date("assessments.completed_on", &r.try_get::<String, _>("completed_on")?)?,
            selfdirect_domain::Money::from_pence(indicative),
        ))
    })
    .transpose()
}
