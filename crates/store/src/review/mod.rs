//! Step 6: reviews falling due and being completed.

pub(crate) mod ending;
pub(crate) mod safeguarding;
pub(crate) mod transfer;

use crate::codec;
use crate::person::assessments::own_latest_assessment;
use crate::records::{PersonOverview, Review, ReviewDue};
use crate::{invalid, new_id, now, today, Result, Store, StoreError};
use selfdirect_domain::dates::iso;
use selfdirect_domain::ids::{AccountId, CouncilId, PersonId};
use selfdirect_domain::review::{check_findings, is_overdue, next_review_due, reassessment, OwnAssessment, Reassessment, ReviewDecision, ReviewParticipant};
use selfdirect_domain::Problems;
use serde::Deserialize;
use sqlx::Row;
use time::Date;

/// The reviews-due list as CSV (names written as text, never as formulas): for a team's
/// planning of the year's reviews.
pub fn reviews_due_csv(rows: &[ReviewDue]) -> String {
    let mut out = selfdirect_domain::export::csv_in_memory();
    let header = ["person_id", "person_name", "budget_account_id", "due_on", "overdue", "includes_direct_payment"];
    let mut write = |record: Vec<String>| out.write_record(record).expect("writing to memory");
    write(header.iter().map(|h| h.to_string()).collect());
    for r in rows {
        write(vec![
            r.person_id.to_string(),
            r.person_name.clone(),
            r.budget_account_id.to_string(),
            iso(r.due_on),
            r.overdue.to_string(),
            r.includes_direct_payment.to_string(),
        ]);
    }
    String::from_utf8(out.into_inner().expect("in memory")).expect("CSV of text is UTF-8")
}

/// A completed review, as typed.
#[derive(Debug, Clone, Default, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ReviewInput {
    /// `YYYY-MM-DD`
    pub completed_on: String,
    /// Who took part: `person`, `carer`, `representative`, `worker`, `provider`.
    #[serde(default)]
    pub participants: Vec<String>,
    /// The plan's outcomes that were met, word for word.
    #[serde(default)]
    pub outcomes_met: Vec<String>,
    #[serde(default)]
    pub working: String,
    #[serde(default)]
    pub not_working: String,
    /// `no_change`, `revise_plan`, `reassess` or `end_support`.
    #[serde(default)]
    pub decision: String,
    #[serde(default)]
    pub notes: String,
}

impl Store {
    /// Budgets whose review falls due on or before `by`, most overdue first.
    pub async fn reviews_due(&self, council_id: CouncilId, by: Date) -> Result<Vec<ReviewDue>> {
        let council = self.council(council_id).await?;
        let rows = sqlx::query(
            "SELECT a.id, a.person_id, a.next_review_due, a.includes_direct_payment, p.given_name, p.family_name \
             FROM budget_accounts a JOIN people p ON p.id = a.person_id \
             WHERE a.council_id = $1 AND a.next_review_due <= $2 AND a.ended_on IS NULL ORDER BY a.next_review_due, a.id",
        )
        .bind(council.id.to_string())
        .bind(iso(by))
        .fetch_all(&self.pool)
        .await?;
        let today = today();
        rows.into_iter()
            .map(|r| {
                let due_on = codec::date("budget_accounts.next_review_due", &r.try_get::<String, _>("next_review_due")?)?;
                Ok(ReviewDue {
                    budget_account_id: codec::uuid("budget_accounts.id", &r.try_get::<String, _>("id")?)?,
                    person_id: codec::uuid("budget_accounts.person_id", &r.try_get::<String, _>("person_id")?)?,
                    person_name: format!("{} {}", r.try_get::<String, _>("given_name")?, r.try_get::<String, _>("family_name")?),
                    due_on,
                    overdue: is_overdue(due_on, today),
                    includes_direct_payment: r.try_get::<i64, _>("includes_direct_payment")? != 0,
                })
            })
            .collect()
    }

    /// Records a completed review: who took part, which of the plan's outcomes were met,
    /// what is working and what is not, and the decision; the next falls due a year later.
    /// A review of support that has ended is refused.
    pub async fn complete_review(&self, account_id: AccountId, input: &ReviewInput, reviewer: &str) -> Result<Review> {
        let account = self.account(account_id).await?;
        if let Some(ended) = &account.ended {
            return Err(invalid("budget_account_id", format!("support ended on {}: there is no support to review", iso(ended.ended_on))));
        }
        let plan = self.plan(account.plan_id).await?;
        let mut p = Problems::new();
        let completed = p.date("completed_on", &input.completed_on);
        if let Some(d) = completed {
            if d < account.start_date {
                p.add("completed_on", format!("must be on or after the budget started ({})", iso(account.start_date)));
            } else if d > today() {
                p.add("completed_on", "must not be in the future");
            }
        }
        let findings = check_findings(&mut p, &input.participants, &input.outcomes_met, &input.decision, &plan.outcomes);
        let reviewer = p.text("reviewer", reviewer, 200);
        let notes = p.optional_text("notes", Some(&input.notes), 10_000);
        let working = p.optional_text("working", Some(&input.working), 10_000);
        let not_working = p.optional_text("not_working", Some(&input.not_working), 10_000);
        p.into_result(())?;
        let (completed, findings) = (completed.expect("checked"), findings.expect("checked"));
        let next = next_review_due(completed);
        let id = new_id();
        let person = self.person(account.person_id).await?;
        let participants = findings.participants.iter().map(|r| r.code()).collect::<Vec<_>>().join(",");
        let outcomes_met = serde_json::to_string(&findings.outcomes_met).map_err(|e| StoreError::Corrupt(e.to_string()))?;
        let mut tx = self.pool.begin().await?;
        sqlx::query(
            "INSERT INTO reviews (id, council_id, person_id, budget_account_id, due_on, completed_on, reviewer, notes, created_at, participants, outcomes_met, working, not_working, decision) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14)",
        )
        .bind(&id)
        .bind(person.council_id.to_string())
        .bind(person.id.to_string())
        .bind(account.id.to_string())
        .bind(iso(account.next_review_due))
        .bind(iso(completed))
        .bind(reviewer.as_deref())
        .bind(notes.clone().unwrap_or_default())
        .bind(now())
        .bind(&participants)
        .bind(&outcomes_met)
        .bind(working.as_deref())
        .bind(not_working.as_deref())
        .bind(findings.decision.code())
        .execute(&mut *tx)
        .await?;
        sqlx::query("UPDATE budget_accounts SET next_review_due = $1 WHERE id = $2").bind(iso(next)).bind(account.id.to_string()).execute(&mut *tx).await?;
        tx.commit().await?;
        Ok(Review {
            id: codec::uuid("reviews.id", &id)?,
            budget_account_id: account.id,
            due_on: account.next_review_due,
            completed_on: completed,
            reviewer: reviewer.expect("checked"),
            notes: notes.unwrap_or_default(),
            next_review_due: next,
            participants: findings.participants,
            outcomes_met: findings.outcomes_met,
            working,
            not_working,
            decision: Some(findings.decision),
        })
    }

    pub async fn reviews(&self, person_id: PersonId) -> Result<Vec<Review>> {
        let uuid = person_id.uuid();
        let rows = sqlx::query(
            "SELECT r.id, r.budget_account_id, r.due_on, r.completed_on, r.reviewer, r.notes, r.participants, r.outcomes_met, r.working, r.not_working, r.decision \
             FROM reviews r WHERE r.person_id = $1 ORDER BY r.completed_on DESC, r.id DESC",
        )
        .bind(uuid.to_string())
        .fetch_all(&self.pool)
        .await?;
        rows.into_iter()
            .map(|r| {
                let completed_on = codec::date("reviews.completed_on", &r.try_get::<String, _>("completed_on")?)?;
                Ok(Review {
                    id: codec::uuid("reviews.id", &r.try_get::<String, _>("id")?)?,
                    budget_account_id: codec::uuid("reviews.budget_account_id", &r.try_get::<String, _>("budget_account_id")?)?,
                    due_on: codec::date("reviews.due_on", &r.try_get::<String, _>("due_on")?)?,
                    completed_on,
                    reviewer: r.try_get("reviewer")?,
                    notes: r.try_get("notes")?,
                    next_review_due: next_review_due(completed_on),
                    participants: r
                        .try_get::<Option<String>, _>("participants")?
                        .unwrap_or_default()
                        .split(',')
                        .filter(|c| !c.is_empty())
                        .map(|c| codec::code("reviews.participants", c, ReviewParticipant::from_code))
                        .collect::<Result<_>>()?,
                    outcomes_met: match r.try_get::<Option<String>, _>("outcomes_met")? {
                        Some(json) => serde_json::from_str(&json).map_err(|e| StoreError::Corrupt(format!("reviews.outcomes_met: {e}")))?,
                        None => Vec::new(),
                    },
                    working: r.try_get("working")?,
                    not_working: r.try_get("not_working")?,
                    decision: r
                        .try_get::<Option<String>, _>("decision")?
                        .map(|d| codec::code("reviews.decision", &d, ReviewDecision::from_code))
                        .transpose()?,
                })
            })
            .collect()
    }

    /// Where a re-assessment stands for the person's live support: due after a review
    /// decided on one, then to be followed by a revision of the plan.
    pub async fn reassessment(&self, person_id: PersonId) -> Result<Option<Reassessment>> {
        let person = self.person(person_id).await?;
        let Some(account) = self.account_for_person(person_id).await? else { return Ok(None) };
        let (council, person) = (person.council_id.to_string(), person.id.to_string());
        let decided: Option<String> = sqlx::query(
            "SELECT MAX(completed_on) AS d FROM reviews WHERE person_id = $1 AND council_id = $2 AND budget_account_id = $3 AND decision = 'reassess'",
        )
        .bind(&person)
        .bind(&council)
        .bind(account.id.to_string())
        .fetch_one(&self.pool)
        .await?
        .try_get("d")?;
        let decided_on = decided.map(|d| codec::date("reviews.completed_on", &d)).transpose()?;
        let plan_assessment = self.plan(account.plan_id).await?.assessment_id.to_string();
        let own = own_latest_assessment(&self.pool, &council, &person).await?.map(|(id, completed_on, indicative)| OwnAssessment {
            completed_on,
            indicative,
            plan_follows_it: id == plan_assessment,
        });
        Ok(reassessment(account.ended.is_none(), decided_on, own))
    }

    /// Everything about a person for their page, in one call.
    pub async fn person_overview(&self, person_id: PersonId) -> Result<PersonOverview> {
        let person = self.person(person_id).await?;
        let contacts = self.contacts(person_id).await?;
        let assessment = self.latest_assessment(person_id).await?;
        let allocation = self.current_allocation(person_id).await?;
        let reconsiderations = self.reconsiderations(person_id).await?;
        let plan = self.latest_plan(person_id).await?;
        let account = match self.account_for_person(person_id).await? {
            Some(a) => Some(self.account_view(a.id).await?),
            None => None,
        };
        let reviews = self.reviews(person_id).await?;
        let transfers = self.transfers(person_id).await?;
        Ok(PersonOverview { person, contacts, assessment, allocation, reconsiderations, plan, account, reviews, transfers })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_reviews_due_csv_has_a_header_and_names_as_text() {
        let row = ReviewDue {
            budget_account_id: uuid::Uuid::nil().into(),
            person_id: uuid::Uuid::nil().into(),
            person_name: "=HYPERLINK(\"http://evil.example\")".into(),
            due_on: time::macros::date!(2026 - 08 - 04),
            overdue: true,
            includes_direct_payment: false,
        };
        let csv = reviews_due_csv(&[row]);
        let mut lines = csv.lines();
        assert_eq!(lines.next(), Some("person_id,person_name,budget_account_id,due_on,overdue,includes_direct_payment"));
        let row = lines.next().unwrap();
        assert!(row.contains("'=HYPERLINK") && row.ends_with("2026-08-04,true,false"), "{row}");
    }
}
