//! Step 7: what the records teach. Spending by service category over time, from the
//! ledger's `spent` postings and the plan lines they paid for.

use crate::codec;
use crate::{Result, Store};
use selfdirect_domain::dates::iso;
use selfdirect_domain::deployment::DeploymentOption;
use selfdirect_domain::person::ClientGroup;
use selfdirect_domain::plan::ServiceCategory;
use selfdirect_domain::statutory::{build_return, Quarter, ServiceEvent, StatutoryReturn};
use selfdirect_domain::Money;
use selfdirect_domain::Problems;
use serde::Serialize;
use sqlx::Row;
use std::collections::HashMap;

/// Money spent on one kind of support in one month.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct CategorySpend {
    /// `YYYY-MM`
    pub month: String,
    /// `None` for spending not tied to a plan line.
    pub category: Option<ServiceCategory>,
    pub spent: Money,
}

impl Store {
    /// Spending per month and service category, oldest month first.
    pub async fn spending_by_category(&self, council_id: &str) -> Result<Vec<CategorySpend>> {
        let council = self.council(council_id).await?;
        let rows = sqlx::query(
            "SELECT substr(e.occurred_on, 1, 7) AS month, l.category, CAST(SUM(p.amount_pence) AS BIGINT) AS spent \
             FROM ledger_postings p JOIN ledger_entries e ON e.id = p.entry_id LEFT JOIN plan_lines l ON l.id = p.plan_line_id \
             WHERE p.council_id = $1 AND p.account = 'spent' GROUP BY substr(e.occurred_on, 1, 7), l.category ORDER BY month, l.category",
        )
        .bind(council.id.to_string())
        .fetch_all(&self.pool)
        .await?;
        rows.iter()
            .map(|r| {
                Ok(CategorySpend {
                    month: r.try_get("month")?,
                    category: r
                        .try_get::<Option<String>, _>("category")?
                        .map(|c| codec::code("plan_lines.category", &c, ServiceCategory::from_code))
                        .transpose()?,
                    spent: Money::from_pence(r.try_get("spent")?),
                })
            })
            .collect()
    }
}

impl Store {
    /// The quarterly CLD-style return for a council, with its validation report.
    /// `quarter_start` is the quarter's first day.
    pub async fn statutory_return(&self, council_id: &str, quarter_start: &str) -> Result<StatutoryReturn> {
        let council = self.council(council_id).await?;
        let mut p = Problems::new();
        let quarter = Quarter::parse(&mut p, "quarter", quarter_start);
        p.into_result(())?;
        let quarter = quarter.expect("checked");
        let cid = council.id.to_string();
        let spent: HashMap<String, i64> = sqlx::query(
            "SELECT p.plan_line_id, CAST(SUM(p.amount_pence) AS BIGINT) AS spent FROM ledger_postings p JOIN ledger_entries e ON e.id = p.entry_id \
             WHERE p.council_id = $1 AND p.account = 'spent' AND p.plan_line_id IS NOT NULL AND e.occurred_on >= $2 AND e.occurred_on <= $3 GROUP BY p.plan_line_id",
        )
        .bind(&cid)
        .bind(iso(quarter.start))
        .bind(iso(quarter.end))
        .fetch_all(&self.pool)
        .await?
        .iter()
        .map(|r| Ok((r.try_get::<String, _>("plan_line_id")?, r.try_get::<i64, _>("spent")?)))
        .collect::<Result<_>>()?;
        let rows = sqlx::query(
            "SELECT pe.id AS person_id, pe.client_group, l.id AS line_id, l.category, l.deployment, a.start_date, a.end_date, l.annual_cost_pence \
             FROM budget_accounts a JOIN people pe ON pe.id = a.person_id JOIN plan_lines l ON l.plan_id = a.plan_id \
             WHERE a.council_id = $1 AND a.start_date <= $3 AND a.end_date >= $2 ORDER BY pe.id, l.position",
        )
        .bind(&cid)
        .bind(iso(quarter.start))
        .bind(iso(quarter.end))
        .fetch_all(&self.pool)
        .await?;
        let mut events = Vec::with_capacity(rows.len());
        for r in &rows {
            let line_id: String = r.try_get("line_id")?;
            events.push(ServiceEvent {
                person_id: codec::uuid("people.id", &r.try_get::<String, _>("person_id")?)?,
                client_group: codec::code("people.client_group", &r.try_get::<String, _>("client_group")?, ClientGroup::from_code)?,
                plan_line_id: codec::uuid("plan_lines.id", &line_id)?,
                category: codec::code("plan_lines.category", &r.try_get::<String, _>("category")?, ServiceCategory::from_code)?,
                deployment: r
                    .try_get::<Option<String>, _>("deployment")?
                    .map(|d| codec::code("plan_lines.deployment", &d, DeploymentOption::from_code))
                    .transpose()?,
                start: codec::date("budget_accounts.start_date", &r.try_get::<String, _>("start_date")?)?,
                end: codec::date("budget_accounts.end_date", &r.try_get::<String, _>("end_date")?)?,
                annual_cost: Money::from_pence(r.try_get("annual_cost_pence")?),
                spent_in_quarter: Money::from_pence(spent.get(&line_id).copied().unwrap_or(0)),
            });
        }
        Ok(build_return(&events, quarter))
    }
}
