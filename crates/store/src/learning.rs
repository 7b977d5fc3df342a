//! Step 7: what the records teach. Spending by service category over time, from the
//! ledger's `spent` postings and the plan lines they paid for.

use crate::codec;
use crate::{Result, Store};
use selfdirect_domain::plan::ServiceCategory;
use selfdirect_domain::Money;
use serde::Serialize;
use sqlx::Row;

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
