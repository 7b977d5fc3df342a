//! Services the council commissions for people without a personal budget, and their end
//! when a personal budget replaces them (see `money::accounts::open_account`).

use crate::{codec, new_id, now, today, Result, Store};
use selfdirect_domain::dates::iso;
use selfdirect_domain::deployment::commissioned::{last_day_before_budget, validate_commissioned, CommissionedServiceInput};
use selfdirect_domain::ids::{AccountId, PersonId};
use selfdirect_domain::plan::ServiceCategory;
use selfdirect_domain::{Money, Problems};
use serde::Serialize;
use sqlx::{Any, Row, Transaction};
use time::Date;

/// A commissioned service as recorded.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct CommissionedServiceRecord {
    #[cfg_attr(feature = "openapi", schema(value_type = String, format = Uuid))]
    pub id: uuid::Uuid,
    pub person_id: PersonId,
    pub service: String,
    pub provider: String,
    pub category: ServiceCategory,
    pub weekly_cost: Money,
    #[cfg_attr(feature = "openapi", schema(value_type = String, format = Date))]
    pub start_date: Date,
    /// The last day it runs, once it has ended.
    #[cfg_attr(feature = "openapi", schema(value_type = Option<String>, format = Date))]
    pub end_date: Option<Date>,
    /// The personal budget that replaced it, if one has.
    pub replaced_by_account_id: Option<AccountId>,
}

const COLUMNS: &str = "id, person_id, service, provider, category, weekly_cost_pence, start_date, end_date, replaced_by_account_id";

fn from_row(r: &sqlx::any::AnyRow) -> Result<CommissionedServiceRecord> {
    Ok(CommissionedServiceRecord {
        id: codec::uuid("commissioned_services.id", &r.try_get::<String, _>("id")?)?,
        person_id: codec::uuid("commissioned_services.person_id", &r.try_get::<String, _>("person_id")?)?,
        service: r.try_get("service")?,
        provider: r.try_get("provider")?,
        category: codec::code("commissioned_services.category", &r.try_get::<String, _>("category")?, ServiceCategory::from_code)?,
        weekly_cost: Money::from_pence(r.try_get("weekly_cost_pence")?),
        start_date: codec::date("commissioned_services.start_date", &r.try_get::<String, _>("start_date")?)?,
        end_date: r.try_get::<Option<String>, _>("end_date")?.map(|d| codec::date("commissioned_services.end_date", &d)).transpose()?,
        replaced_by_account_id: r
            .try_get::<Option<String>, _>("replaced_by_account_id")?
            .map(|a| codec::uuid("commissioned_services.replaced_by_account_id", &a))
            .transpose()?,
    })
}

impl Store {
    /// Records a service the council commissions for the person; they receive long-term
    /// support from its start, without a personal budget until one replaces it.
    pub async fn record_commissioned_service(
        &self,
        person_id: PersonId,
        input: &CommissionedServiceInput,
        recorded_by: &str,
    ) -> Result<CommissionedServiceRecord> {
        let person = self.person(person_id).await?;
        let service = validate_commissioned(input, today())?;
        let mut p = Problems::new();
        let recorded_by = p.text("recorded_by", recorded_by, 200);
        p.into_result(())?;
        let id = new_id();
        let mut tx = self.pool.begin().await?;
        sqlx::query(
            "INSERT INTO commissioned_services (id, council_id, person_id, service, provider, category, weekly_cost_pence, start_date, recorded_by, created_at) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)",
        )
        .bind(&id)
        .bind(person.council_id.to_string())
        .bind(person_id.to_string())
        .bind(&service.service)
        .bind(&service.provider)
        .bind(service.category.code())
        .bind(service.weekly_cost.pence())
        .bind(iso(service.start_date))
        .bind(recorded_by.as_deref())
        .bind(now())
        .execute(&mut *tx)
        .await?;
        sqlx::query("UPDATE people SET long_term_support = 1 WHERE id = $1 AND council_id = $2")
            .bind(person_id.to_string())
            .bind(person.council_id.to_string())
            .execute(&mut *tx)
            .await?;
        tx.commit().await?;
        let row = sqlx::query(&format!("SELECT {COLUMNS} FROM commissioned_services WHERE id = $1")).bind(&id).fetch_one(&self.pool).await?;
        from_row(&row)
    }

    /// The person's commissioned services, the earliest first.
    pub async fn commissioned_services(&self, person_id: PersonId) -> Result<Vec<CommissionedServiceRecord>> {
        let rows = sqlx::query(&format!("SELECT {COLUMNS} FROM commissioned_services WHERE person_id = $1 ORDER BY start_date, id"))
            .bind(person_id.to_string())
            .fetch_all(&self.pool)
            .await?;
        rows.iter().map(from_row).collect()
    }
}

/// Ends the person's commissioned services that run into a personal budget starting on
/// `budget_start`: each stops the day before, replaced by `account`.
pub(crate) async fn replace_with_budget(
    tx: &mut Transaction<'_, Any>,
    council_id: &str,
    person_id: &str,
    account: AccountId,
    budget_start: Date,
) -> Result<()> {
    let rows =
        sqlx::query("SELECT id, start_date FROM commissioned_services WHERE council_id = $1 AND person_id = $2 AND (end_date IS NULL OR end_date >= $3)")
            .bind(council_id)
            .bind(person_id)
            .bind(iso(budget_start))
            .fetch_all(&mut **tx)
            .await?;
    for r in rows {
        let start = codec::date("commissioned_services.start_date", &r.try_get::<String, _>("start_date")?)?;
        sqlx::query("UPDATE commissioned_services SET end_date = $1, replaced_by_account_id = $2 WHERE id = $3 AND council_id = $4")
            .bind(iso(last_day_before_budget(start, budget_start)))
            .bind(account.to_string())
            .bind(r.try_get::<String, _>("id")?)
            .bind(council_id)
            .execute(&mut **tx)
            .await?;
    }
    Ok(())
}
