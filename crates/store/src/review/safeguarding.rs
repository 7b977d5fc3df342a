//! Step 6: DBS checks of personal assistants and safeguarding concerns.

use crate::codec;
use crate::{fresh_id, now, today, Result, Store, StoreError};
use selfdirect_domain::dates::iso;
use selfdirect_domain::ids::{AssistantId, ConcernId, CouncilId, PersonId};
use selfdirect_domain::review::safeguarding::{dbs_alert, DbsAlert, DbsStatus};
use selfdirect_domain::{Money, Problems};
use serde::{Deserialize, Serialize};
use sqlx::Row;

/// A DBS check as recorded.
#[derive(Debug, Clone, Default, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct DbsInput {
    /// `not_checked`, `clear` or `has_information`.
    pub status: String,
    /// The certificate number.
    #[serde(default)]
    pub certificate: Option<String>,
    /// `YYYY-MM-DD`
    #[serde(default)]
    pub checked_on: Option<String>,
    /// When the council's policy wants it checked again, `YYYY-MM-DD`.
    #[serde(default)]
    pub recheck_by: Option<String>,
}

/// A personal assistant whose DBS check needs attention.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct DbsAlertRow {
    pub assistant_id: AssistantId,
    pub assistant_name: String,
    pub person_id: PersonId,
    pub employer_name: String,
    pub alert: DbsAlert,
}

/// A safeguarding concern about a person.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Concern {
    pub id: ConcernId,
    pub person_id: PersonId,
    pub person_name: String,
    pub raised_by: String,
    pub raised_on: String,
    pub concern: String,
    /// `open` or `closed`.
    pub status: String,
    pub closed_by: Option<String>,
    pub outcome: Option<String>,
}

fn concern_from_row(r: &sqlx::any::AnyRow) -> Result<Concern> {
    Ok(Concern {
        id: codec::uuid("safeguarding_concerns.id", &r.try_get::<String, _>("id")?)?,
        person_id: codec::uuid("safeguarding_concerns.person_id", &r.try_get::<String, _>("person_id")?)?,
        person_name: format!("{} {}", r.try_get::<String, _>("given_name")?, r.try_get::<String, _>("family_name")?),
        raised_by: r.try_get("raised_by")?,
        raised_on: r.try_get("raised_on")?,
        concern: r.try_get("concern")?,
        status: r.try_get("status")?,
        closed_by: r.try_get("closed_by")?,
        outcome: r.try_get("outcome")?,
    })
}

const CONCERN_QUERY: &str = "SELECT c.id, c.person_id, p.given_name, p.family_name, c.raised_by, c.raised_on, c.concern, c.status, c.closed_by, c.outcome \
                             FROM safeguarding_concerns c JOIN people p ON p.id = c.person_id";

impl Store {
    /// Records a personal assistant's DBS check.
    pub async fn record_dbs_check(&self, assistant_id: AssistantId, input: &DbsInput) -> Result<()> {
        let uuid = assistant_id.uuid();
        let mut p = Problems::new();
        let status = DbsStatus::parse(&mut p, "status", &input.status);
        let certificate = p.optional_text("certificate", input.certificate.as_deref(), 40);
        let checked_on = input.checked_on.as_deref().filter(|d| !d.trim().is_empty()).and_then(|d| p.date("checked_on", d));
        let recheck_by = input.recheck_by.as_deref().filter(|d| !d.trim().is_empty()).and_then(|d| p.date("recheck_by", d));
        if status.is_some_and(|s| s != DbsStatus::NotChecked) && checked_on.is_none() && input.checked_on.as_deref().is_none_or(|d| d.trim().is_empty()) {
            p.add("checked_on", "say when the check was done");
        }
        p.dates_in_order("recheck_by", checked_on, recheck_by, "checked_on");
        p.into_result(())?;
        let done = sqlx::query("UPDATE personal_assistants SET dbs_status = $1, dbs_certificate = $2, dbs_checked_on = $3, dbs_recheck_by = $4 WHERE id = $5")
            .bind(status.expect("checked").code())
            .bind(certificate.as_deref())
            .bind(checked_on.map(iso))
            .bind(recheck_by.map(iso))
            .bind(uuid.to_string())
            .execute(&self.pool)
            .await?;
        if done.rows_affected() == 0 {
            return Err(StoreError::NotFound { what: "personal assistant", id: assistant_id.to_string() });
        }
        Ok(())
    }

    /// Personal assistants whose DBS check needs attention on `as_of` (missing, disclosed
    /// information, or a re-check overdue or due within the warning period).
    pub async fn dbs_alerts(&self, council_id: CouncilId, as_of: Option<time::Date>) -> Result<Vec<DbsAlertRow>> {
        let council = self.council(council_id).await?;
        let as_of = as_of.unwrap_or_else(today);
        let rows = sqlx::query(
            "SELECT pa.id, pa.name, pa.dbs_status, pa.dbs_recheck_by, pe.id AS person_id, pe.given_name, pe.family_name FROM personal_assistants pa \
             JOIN budget_accounts a ON a.id = pa.budget_account_id JOIN people pe ON pe.id = a.person_id WHERE pa.council_id = $1 ORDER BY pe.family_name, pa.name",
        )
        .bind(council.id.to_string())
        .fetch_all(&self.pool)
        .await?;
        let mut alerts = Vec::new();
        for r in &rows {
            let name: String = r.try_get("name")?;
            let status = codec::code("personal_assistants.dbs_status", &r.try_get::<String, _>("dbs_status")?, DbsStatus::from_code)?;
            let recheck = r.try_get::<Option<String>, _>("dbs_recheck_by")?.map(|d| codec::date("personal_assistants.dbs_recheck_by", &d)).transpose()?;
            if let Some(alert) = dbs_alert(&name, status, recheck, as_of) {
                alerts.push(DbsAlertRow {
                    assistant_id: codec::uuid("personal_assistants.id", &r.try_get::<String, _>("id")?)?,
                    assistant_name: name,
                    person_id: codec::uuid("people.id", &r.try_get::<String, _>("person_id")?)?,
                    employer_name: format!("{} {}", r.try_get::<String, _>("given_name")?, r.try_get::<String, _>("family_name")?),
                    alert,
                });
            }
        }
        Ok(alerts)
    }

    /// Raises a safeguarding concern about a person. While it is open, their plan needs a
    /// team manager's decision.
    pub async fn raise_concern(&self, person_id: PersonId, raised_by: &str, concern: &str, raised_on: &str) -> Result<Concern> {
        let person = self.person(person_id).await?;
        let mut p = Problems::new();
        let raised_by = p.text("raised_by", raised_by, 200);
        let concern = p.text("concern", concern, 4000);
        let raised_on = p.date("raised_on", raised_on);
        p.into_result(())?;
        let id: ConcernId = fresh_id();
        sqlx::query(
            "INSERT INTO safeguarding_concerns (id, council_id, person_id, raised_by, raised_on, concern, status, created_at) VALUES ($1, $2, $3, $4, $5, $6, 'open', $7)",
        )
        .bind(id.to_string())
        .bind(person.council_id.to_string())
        .bind(person.id.to_string())
        .bind(raised_by.as_deref())
        .bind(iso(raised_on.expect("checked")))
        .bind(concern.as_deref())
        .bind(now())
        .execute(&self.pool)
        .await?;
        self.concern(id).await
    }

    async fn concern(&self, id: ConcernId) -> Result<Concern> {
        let row = sqlx::query(&format!("{CONCERN_QUERY} WHERE c.id = $1"))
            .bind(id.to_string())
            .fetch_optional(&self.pool)
            .await?
            .ok_or_else(|| StoreError::NotFound { what: "safeguarding concern", id: id.to_string() })?;
        concern_from_row(&row)
    }

    /// Closes a person's open concern with its outcome.
    pub async fn close_concern(&self, person_id: PersonId, concern_id: ConcernId, closed_by: &str, outcome: &str) -> Result<Concern> {
        let uuid = concern_id.uuid();
        let mut p = Problems::new();
        let closed_by = p.text("closed_by", closed_by, 200);
        let outcome = p.text("outcome", outcome, 4000);
        p.into_result(())?;
        let concern = self.concern(uuid.into()).await?;
        if concern.person_id != person_id {
            return Err(StoreError::NotFound { what: "safeguarding concern", id: concern_id.to_string() });
        }
        if concern.status != "open" {
            return Err(StoreError::Conflict("the concern is already closed".into()));
        }
        sqlx::query("UPDATE safeguarding_concerns SET status = 'closed', closed_by = $1, outcome = $2 WHERE id = $3 AND status = 'open'")
            .bind(closed_by.as_deref())
            .bind(outcome.as_deref())
            .bind(uuid.to_string())
            .execute(&self.pool)
            .await?;
        self.concern(uuid.into()).await
    }

    /// A person's concerns, newest first.
    pub async fn concerns(&self, person_id: PersonId) -> Result<Vec<Concern>> {
        let person = self.person(person_id).await?;
        let rows = sqlx::query(&format!("{CONCERN_QUERY} WHERE c.person_id = $1 ORDER BY c.raised_on DESC, c.id DESC"))
            .bind(person.id.to_string())
            .fetch_all(&self.pool)
            .await?;
        rows.iter().map(concern_from_row).collect()
    }

    /// A council's open concerns, oldest first: the safeguarding flags on the caseload.
    pub async fn open_concerns(&self, council_id: CouncilId) -> Result<Vec<Concern>> {
        let council = self.council(council_id).await?;
        let rows = sqlx::query(&format!("{CONCERN_QUERY} WHERE c.council_id = $1 AND c.status = 'open' ORDER BY c.raised_on, c.id"))
            .bind(council.id.to_string())
            .fetch_all(&self.pool)
            .await?;
        rows.iter().map(concern_from_row).collect()
    }
}

/// How many open concerns a person has.
pub(crate) async fn open_concern_count<'e, E: sqlx::Executor<'e, Database = sqlx::Any>>(executor: E, person_id: &str) -> Result<usize> {
    let n: i64 = sqlx::query("SELECT COUNT(*) AS n FROM safeguarding_concerns WHERE person_id = $1 AND status = 'open'")
        .bind(person_id)
        .fetch_one(executor)
        .await?
        .try_get("n")?;
    Ok(n as usize)
}

impl Store {
    /// Sets the most a social worker may approve a year in this council (its scheme of
    /// delegation); above it, and for flagged plans, a team manager decides.
    pub async fn set_approval_limit(&self, council_id: CouncilId, pounds: &str) -> Result<Money> {
        let council = self.council(council_id).await?;
        let mut p = Problems::new();
        let limit = p.money("social_worker_limit", pounds);
        if limit.is_some_and(|l| l.is_zero()) {
            p.add("social_worker_limit", "must be more than £0.00");
        }
        p.into_result(())?;
        let limit = limit.expect("checked");
        sqlx::query("UPDATE councils SET approval_limit_pence = $1 WHERE id = $2").bind(limit.pence()).bind(council.id.to_string()).execute(&self.pool).await?;
        Ok(limit)
    }
}
