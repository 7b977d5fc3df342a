//! Step 7 at scale: the monthly spending rollup (`spending_monthly`), kept in step with the
//! ledger by the transaction that posts, and the market-intelligence reads that use it.
//! The rules for what counts where are the `spending_facts` view (migration 000011).

use crate::bulk::execute_in;
use crate::codec;
use crate::{new_id, now, Result, Store};
use selfdirect_domain::dates::{add_months, iso, parse_iso_date};
use selfdirect_domain::ids::CouncilId;
use selfdirect_domain::learning::market::{provider_income, BlockContract, ProviderIncome};
use selfdirect_domain::money::claims::provider_key;
use selfdirect_domain::plan::ServiceCategory;
use selfdirect_domain::{Money, Problems};
use serde::{Deserialize, Serialize};
use sqlx::{Any, Row, Transaction};
use std::collections::HashMap;

/// Adds to the rollup what the entries `entry_ids` (just written, in this transaction)
/// posted to `spent`. Called by every write of ledger entries.
pub(crate) async fn add_spending(tx: &mut Transaction<'_, Any>, council_id: &str, entry_ids: &[String]) -> Result<()> {
    if entry_ids.is_empty() {
        return Ok(());
    }
    let sql = format!("{INSERT_ROLLUP} WHERE council_id = $1 AND entry_id IN ({{list}}) {GROUP_AND_ADD}");
    execute_in(tx, &sql, council_id, entry_ids).await?;
    Ok(())
}

const INSERT_ROLLUP: &str = "INSERT INTO spending_monthly (council_id, month, category, provider_key, area, mechanism, spent_pence, postings) \
     SELECT council_id, month, category, provider_key, area, mechanism, SUM(amount_pence), COUNT(*) FROM spending_facts";
const GROUP_AND_ADD: &str = "GROUP BY council_id, month, category, provider_key, area, mechanism \
     ON CONFLICT (council_id, month, category, provider_key, area, mechanism) \
     DO UPDATE SET spent_pence = spending_monthly.spent_pence + excluded.spent_pence, postings = spending_monthly.postings + excluded.postings";

/// A way of slicing a council's spending.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum SpendingDimension {
    Category,
    Provider,
    Area,
    Mechanism,
}

impl SpendingDimension {
    /// The heading of the dimension's column in CSV exports.
    pub fn csv_column(self) -> &'static str {
        match self {
            SpendingDimension::Category => "service_category",
            SpendingDimension::Provider => "provider",
            SpendingDimension::Area => "postcode_district",
            SpendingDimension::Mechanism => "delivery_mechanism",
        }
    }

    fn column(self) -> &'static str {
        match self {
            SpendingDimension::Category => "category",
            SpendingDimension::Provider => "provider_key",
            SpendingDimension::Area => "area",
            SpendingDimension::Mechanism => "mechanism",
        }
    }
}

/// Money spent in one month on one value of a dimension ('' = none: no plan line, no
/// provider organisation).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct SpendingCell {
    /// `YYYY-MM`
    pub month: String,
    pub key: String,
    pub spent: Money,
}

/// A block contract as recorded.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct BlockContractRecord {
    pub id: String,
    pub provider_name: String,
    pub category: ServiceCategory,
    pub contract: BlockContract,
}

/// What a commissioner types to record a block contract.
#[derive(Debug, Clone, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct BlockContractInput {
    pub provider_name: String,
    /// A service category code, such as `day_service`.
    pub category: String,
    /// Pounds a year, such as `120000.00`.
    pub annual_value: String,
    /// `YYYY-MM-DD`
    pub start_date: String,
    /// `YYYY-MM-DD`
    pub end_date: String,
}

impl Store {
    /// A council's spending per month and value of `dimension`, oldest month first.
    pub async fn spending_by(&self, council_id: CouncilId, dimension: SpendingDimension) -> Result<Vec<SpendingCell>> {
        self.spending_from(council_id, dimension, "spending_monthly", "spent_pence").await
    }

    /// The same figures added up from the ledger itself instead of the rollup: the check
    /// that the rollup is right, and the benchmark's baseline.
    pub async fn spending_from_ledger(&self, council_id: CouncilId, dimension: SpendingDimension) -> Result<Vec<SpendingCell>> {
        self.spending_from(council_id, dimension, "spending_facts", "amount_pence").await
    }

    async fn spending_from(&self, council_id: CouncilId, dimension: SpendingDimension, source: &str, amount: &str) -> Result<Vec<SpendingCell>> {
        let council = self.council(council_id).await?;
        let column = dimension.column();
        let rows = sqlx::query(&format!(
            "SELECT month, {column} AS k, CAST(SUM({amount}) AS BIGINT) AS spent FROM {source} WHERE council_id = $1 \
             GROUP BY month, {column} ORDER BY month, {column}"
        ))
        .bind(council.id.to_string())
        .fetch_all(&self.pool)
        .await?;
        rows.iter().map(|r| Ok(SpendingCell { month: r.try_get("month")?, key: r.try_get("k")?, spent: Money::from_pence(r.try_get("spent")?) })).collect()
    }

    /// Rebuilds a council's rollup from its ledger (after a bulk load, or to check it):
    /// one transaction, so readers see the old figures or the new, never half.
    pub async fn rebuild_spending_rollup(&self, council_id: CouncilId) -> Result<()> {
        let council = self.council(council_id).await?;
        let cid = council.id.to_string();
        let mut tx = self.pool.begin().await?;
        sqlx::query("DELETE FROM spending_monthly WHERE council_id = $1").bind(&cid).execute(&mut *tx).await?;
        sqlx::query(&format!("{INSERT_ROLLUP} WHERE council_id = $1 {GROUP_AND_ADD}")).bind(&cid).execute(&mut *tx).await?;
        tx.commit().await?;
        Ok(())
    }

    /// Records a block contract, after checking every field.
    pub async fn add_block_contract(&self, council_id: CouncilId, input: &BlockContractInput) -> Result<BlockContractRecord> {
        let council = self.council(council_id).await?;
        let mut p = Problems::new();
        let name = input.provider_name.trim();
        if name.is_empty() {
            p.add("provider_name", "enter the provider's name");
        }
        let category = ServiceCategory::from_code(input.category.trim());
        if category.is_none() {
            p.add("category", format!("'{}' is not a service category", input.category.trim()));
        }
        let value = p.money("annual_value", &input.annual_value);
        if value.is_some_and(|v| v.is_zero()) {
            p.add("annual_value", "must be more than £0.00");
        }
        let (start, end) = (p.date("start_date", &input.start_date), p.date("end_date", &input.end_date));
        p.dates_in_order("end_date", start, end, "start_date");
        p.into_result(())?;
        let record = BlockContractRecord {
            id: new_id(),
            provider_name: name.to_string(),
            category: category.expect("checked"),
            contract: BlockContract {
                provider_key: provider_key(name),
                annual_value: value.expect("checked"),
                start: start.expect("checked"),
                end: end.expect("checked"),
            },
        };
        sqlx::query(
            "INSERT INTO block_contracts (id, council_id, provider_name, provider_key, category, annual_value_pence, start_date, end_date, created_at) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)",
        )
        .bind(&record.id)
        .bind(council.id.to_string())
        .bind(&record.provider_name)
        .bind(&record.contract.provider_key)
        .bind(record.category.code())
        .bind(record.contract.annual_value.pence())
        .bind(iso(record.contract.start))
        .bind(iso(record.contract.end))
        .bind(now())
        .execute(&self.pool)
        .await?;
        Ok(record)
    }

    /// A council's block contracts, by provider.
    pub async fn block_contracts(&self, council_id: CouncilId) -> Result<Vec<BlockContractRecord>> {
        let council = self.council(council_id).await?;
        let rows = sqlx::query(
            "SELECT id, provider_name, provider_key, category, annual_value_pence, start_date, end_date FROM block_contracts \
             WHERE council_id = $1 ORDER BY provider_key, start_date",
        )
        .bind(council.id.to_string())
        .fetch_all(&self.pool)
        .await?;
        rows.iter()
            .map(|r| {
                Ok(BlockContractRecord {
                    id: r.try_get("id")?,
                    provider_name: r.try_get("provider_name")?,
                    category: codec::code("block_contracts.category", &r.try_get::<String, _>("category")?, ServiceCategory::from_code)?,
                    contract: BlockContract {
                        provider_key: r.try_get("provider_key")?,
                        annual_value: Money::from_pence(r.try_get("annual_value_pence")?),
                        start: codec::date("block_contracts.start_date", &r.try_get::<String, _>("start_date")?)?,
                        end: codec::date("block_contracts.end_date", &r.try_get::<String, _>("end_date")?)?,
                    },
                })
            })
            .collect()
    }
}

/// One provider's income from personal budgets and block contracts, with its name.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ProviderIncomeRow {
    /// As registered or contracted; the matching key when the council knows no better.
    pub provider_name: String,
    #[serde(flatten)]
    pub income: ProviderIncome,
}

impl Store {
    /// Per provider, how much income came from personal budgets and from block contracts in
    /// the latest `window` months (ending with the latest month that has spending), and the
    /// personal-budget share then and in the `window` months before.
    pub async fn provider_income(&self, council_id: CouncilId, window: usize) -> Result<Vec<ProviderIncomeRow>> {
        let council_id = self.council(council_id).await?.id;
        let cells = self.spending_by(council_id, SpendingDimension::Provider).await?;
        let contracts = self.block_contracts(council_id).await?;
        let last = cells.iter().map(|c| c.month.as_str()).max().map(|m| format!("{m}-01"));
        let last = match last.as_deref().map(parse_iso_date) {
            Some(Ok(d)) => d,
            _ => crate::today().replace_day(1).expect("day 1 exists"),
        };
        let months: Vec<time::Date> = (0..2 * window as i32).rev().map(|back| add_months(last, -back)).collect();
        let spend = cells.into_iter().map(|c| ((c.key, c.month), c.spent)).collect();
        let terms: Vec<BlockContract> = contracts.iter().map(|c| c.contract.clone()).collect();
        let mut names: HashMap<String, String> = sqlx::query("SELECT name_key, name FROM providers WHERE council_id = $1")
            .bind(council_id.to_string())
            .fetch_all(&self.pool)
            .await?
            .iter()
            .map(|r| Ok((r.try_get("name_key")?, r.try_get("name")?)))
            .collect::<Result<_>>()?;
        for c in contracts {
            names.entry(c.contract.provider_key).or_insert(c.provider_name);
        }
        Ok(provider_income(&months, &spend, &terms, window)
            .into_iter()
            .map(|income| ProviderIncomeRow { provider_name: names.get(&income.provider_key).cloned().unwrap_or_else(|| income.provider_key.clone()), income })
            .collect())
    }
}
