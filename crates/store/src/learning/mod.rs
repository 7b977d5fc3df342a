//! Step 7: what the records teach. Spending by service category over time, from the
//! ledger's `spent` postings and the plan lines they paid for.

pub(crate) mod rollup;

use crate::codec;
use crate::{Result, Store};
use selfdirect_domain::dates::iso;
use selfdirect_domain::deployment::DeploymentOption;
use selfdirect_domain::ids::{AccountId, CouncilId};
use selfdirect_domain::learning::statutory::{build_return, Quarter, ServiceEvent, StatutoryReturn};
use selfdirect_domain::learning::survey::{average, score_response, DomainResult, DomainScores, Survey};
use selfdirect_domain::learning::uptake::{counts_on, median_days, uptake, AccountSpan, MonthJourney, Uptake, UptakeCounts};
use selfdirect_domain::person::ClientGroup;
use selfdirect_domain::plan::ServiceCategory;
use selfdirect_domain::Money;
use selfdirect_domain::Problems;
use serde::Serialize;
use sqlx::Row;
use std::collections::{BTreeMap, HashMap};

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
    /// Spending per month and service category, oldest month first (from the rollup).
    pub async fn spending_by_category(&self, council_id: CouncilId) -> Result<Vec<CategorySpend>> {
        self.spending_by(council_id, crate::SpendingDimension::Category)
            .await?
            .into_iter()
            .map(|cell| {
                let category = (!cell.key.is_empty()).then(|| codec::code("spending_monthly.category", &cell.key, ServiceCategory::from_code)).transpose()?;
                Ok(CategorySpend { month: cell.month, category, spent: cell.spent })
            })
            .collect()
    }
}

impl Store {
    /// The quarterly CLD-style return for a council, with its validation report.
    /// `quarter_start` is the quarter's first day.
    pub async fn statutory_return(&self, council_id: CouncilId, quarter_start: &str) -> Result<StatutoryReturn> {
        let council = self.council(council_id).await?;
        let mut p = Problems::new();
        let quarter = Quarter::parse(&mut p, "quarter", quarter_start);
        p.into_result(())?;
        let quarter = quarter.expect("checked");
        let cid = council.id.to_string();
        let (start, end) = (iso(quarter.start), iso(quarter.end));
        // One snapshot for the lines and what was spent on them.
        let mut tx = self.pool.begin().await?;
        let rows = sqlx::query(
            "SELECT pe.id AS person_id, pe.client_group, a.id AS account_id, l.id AS line_id, l.category, l.deployment, a.start_date, a.end_date, l.annual_cost_pence \
             FROM budget_accounts a JOIN people pe ON pe.id = a.person_id AND pe.council_id = $1 JOIN plan_lines l ON l.plan_id = a.plan_id AND l.council_id = $1 \
             WHERE a.council_id = $1 AND a.start_date <= $3 AND a.end_date >= $2 ORDER BY pe.id, l.position",
        )
        .bind(&cid)
        .bind(&start)
        .bind(&end)
        .fetch_all(&mut *tx)
        .await?;
        // The quarter's spending, read account by account through the postings' account
        // index. One join of accounts to postings let PostgreSQL choose to scan every
        // council's postings (70 million on the national dataset: minutes, not seconds).
        let mut accounts: Vec<String> = rows.iter().map(|r| r.try_get("account_id")).collect::<std::result::Result<_, _>>()?;
        accounts.sort_unstable();
        accounts.dedup();
        let spent: HashMap<String, i64> = crate::bulk::fetch_in_after(
            &mut tx,
            "SELECT plan_line_id, CAST(SUM(amount_pence) AS BIGINT) AS spent FROM ledger_postings \
             WHERE council_id = $1 AND account = 'spent' AND occurred_on >= $2 AND occurred_on <= $3 AND plan_line_id IS NOT NULL \
             AND budget_account_id IN ({list}) GROUP BY plan_line_id",
            &[&cid, &start, &end],
            &accounts,
        )
        .await?
        .iter()
        .map(|r| Ok((r.try_get::<String, _>("plan_line_id")?, r.try_get::<i64, _>("spent")?)))
        .collect::<Result<_>>()?;
        tx.commit().await?;
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

impl Store {
    /// Uptake (ASCOF 1C) per client group on `as_of`.
    pub async fn uptake_by_group(&self, council_id: CouncilId, as_of: Option<time::Date>) -> Result<Vec<(ClientGroup, Uptake)>> {
        let council = self.council(council_id).await?;
        let cid = council.id.to_string();
        let as_of = iso(as_of.unwrap_or_else(crate::today));
        // Two grouped reads joined in memory: a subquery per person was 60 ms on a council
        // of 17,000 people.
        let mut groups: BTreeMap<String, UptakeCounts> = BTreeMap::new();
        let people = sqlx::query("SELECT client_group, COUNT(*) AS n FROM people WHERE council_id = $1 AND long_term_support = 1 GROUP BY client_group")
            .bind(&cid)
            .fetch_all(&self.pool)
            .await?;
        for r in &people {
            groups.entry(r.try_get("client_group")?).or_default().long_term_support = r.try_get("n")?;
        }
        let budgets = sqlx::query(
            "SELECT client_group, COUNT(*) AS with_budget, CAST(SUM(dp) AS BIGINT) AS with_dp FROM ( \
               SELECT p.client_group, a.person_id, MAX(a.includes_direct_payment) AS dp FROM budget_accounts a \
               JOIN people p ON p.id = a.person_id AND p.council_id = $1 AND p.long_term_support = 1 \
               WHERE a.council_id = $1 AND a.start_date <= $2 AND a.end_date >= $2 GROUP BY p.client_group, a.person_id) AS running \
             GROUP BY client_group",
        )
        .bind(&cid)
        .bind(&as_of)
        .fetch_all(&self.pool)
        .await?;
        for r in &budgets {
            let counts = groups.entry(r.try_get("client_group")?).or_default();
            counts.personal_budget = r.try_get("with_budget")?;
            counts.direct_payment = r.try_get("with_dp")?;
        }
        groups.into_iter().map(|(group, counts)| Ok((codec::code("people.client_group", &group, ClientGroup::from_code)?, uptake(counts)))).collect()
    }

    /// Per month: new budget holders, plans approved, and the median days from first
    /// contact to an approved plan. Oldest month first.
    pub async fn monthly_journey(&self, council_id: CouncilId) -> Result<Vec<MonthJourney>> {
        let council = self.council(council_id).await?;
        let cid = council.id.to_string();
        let mut months: BTreeMap<String, (i64, Vec<i64>)> = BTreeMap::new();
        for r in
            sqlx::query("SELECT substr(start_date, 1, 7) AS month, COUNT(*) AS n FROM budget_accounts WHERE council_id = $1 GROUP BY substr(start_date, 1, 7)")
                .bind(&cid)
                .fetch_all(&self.pool)
                .await?
        {
            months.entry(r.try_get("month")?).or_default().0 = r.try_get("n")?;
        }
        let approvals = sqlx::query(
            "SELECT pl.decided_at, pe.created_at FROM plans pl JOIN people pe ON pe.id = pl.person_id AND pe.council_id = $1 \
             WHERE pl.council_id = $1 AND pl.status = 'approved' AND pl.decided_at IS NOT NULL",
        )
        .bind(&cid)
        .fetch_all(&self.pool)
        .await?;
        for r in &approvals {
            let decided = codec::timestamp("plans.decided_at", &r.try_get::<String, _>("decided_at")?)?;
            let contact = codec::timestamp("people.created_at", &r.try_get::<String, _>("created_at")?)?;
            let month = format!("{:04}-{:02}", decided.year(), u8::from(decided.month()));
            months.entry(month).or_default().1.push((decided - contact).whole_days());
        }
        Ok(months
            .into_iter()
            .map(|(month, (new_budget_holders, waits))| MonthJourney {
                month,
                new_budget_holders,
                plans_approved: waits.len() as i64,
                median_days_to_plan: median_days(waits),
            })
            .collect())
    }
}

/// Spending by month and category as CSV (month, service_category, spent), header first.
pub fn spending_csv(dimension: crate::SpendingDimension, cells: &[crate::SpendingCell]) -> String {
    let mut out = selfdirect_domain::export::csv_in_memory();
    out.write_record(["month", dimension.csv_column(), "spent"]).expect("writing to memory");
    for c in cells {
        // '' is spending with no value for the dimension: not tied to a plan line, or paid to
        // personal assistants, who are private people and not named.
        out.write_record([c.month.as_str(), if c.key.is_empty() { "none" } else { c.key.as_str() }, &c.spent.to_plain_string()]).expect("writing to memory");
    }
    String::from_utf8(out.into_inner().expect("writing to memory")).expect("CSV of UTF-8 text is UTF-8")
}

impl Store {
    /// Uptake at the end of each of the last `months` months (the current month to date),
    /// oldest first: the whole council, or one client group.
    pub async fn uptake_series(&self, council_id: CouncilId, months: u32, group: Option<ClientGroup>) -> Result<Vec<crate::CouncilUptake>> {
        let council = self.council(council_id).await?;
        let cid = council.id.to_string();
        // '' matches every group.
        let group = group.map(|g| g.code()).unwrap_or("");
        // One read of the council's accounts; the month ends are counted in memory.
        let long_term: i64 = sqlx::query("SELECT COUNT(*) AS n FROM people WHERE council_id = $1 AND long_term_support = 1 AND ($2 = '' OR client_group = $2)")
            .bind(&cid)
            .bind(group)
            .fetch_one(&self.pool)
            .await?
            .try_get("n")?;
        let accounts = sqlx::query(
            "SELECT a.person_id, a.start_date, a.end_date, a.includes_direct_payment FROM budget_accounts a \
             JOIN people p ON p.id = a.person_id AND p.council_id = $1 WHERE a.council_id = $1 AND ($2 = '' OR p.client_group = $2)",
        )
        .bind(&cid)
        .bind(group)
        .fetch_all(&self.pool)
        .await?
        .iter()
        .map(|r| {
            Ok(AccountSpan {
                person: r.try_get::<String, _>("person_id")?,
                start: codec::date("budget_accounts.start_date", &r.try_get::<String, _>("start_date")?)?,
                end: codec::date("budget_accounts.end_date", &r.try_get::<String, _>("end_date")?)?,
                direct_payment: r.try_get::<i64, _>("includes_direct_payment")? == 1,
            })
        })
        .collect::<Result<Vec<_>>>()?;
        let today = crate::today();
        let this_month = time::Date::from_calendar_date(today.year(), today.month(), 1).expect("the first of a month exists");
        Ok((0..months.clamp(1, 60) as i32)
            .rev()
            .map(|back| {
                let start = selfdirect_domain::dates::add_months(this_month, -back);
                let as_of = (selfdirect_domain::dates::add_months(start, 1) - time::Duration::days(1)).min(today);
                crate::CouncilUptake { council_id: council.id, as_of, uptake: uptake(counts_on(long_term, &accounts, as_of)) }
            })
            .collect())
    }
}

/// Outcome survey results for one group of people.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct SurveyResults {
    /// e.g. `client_group: older_person`, `deployment: direct_payment`, or `all`.
    pub group: String,
    pub domains: Vec<DomainResult>,
}

impl Store {
    /// Records an outcome survey response for a budget account (asked at review).
    pub async fn record_survey_response(
        &self,
        account_id: AccountId,
        respondent: &str,
        answers: &BTreeMap<String, usize>,
        completed_on: &str,
    ) -> Result<SurveyResults> {
        let account = self.account(account_id).await?;
        let survey = Survey::standard();
        let mut p = Problems::new();
        let completed = p.date("completed_on", completed_on);
        let scores = match score_response(&survey, respondent, answers) {
            Ok(s) => Some(s),
            Err(problems) => {
                p.extend(problems);
                None
            }
        };
        p.into_result(())?;
        let scores = scores.expect("checked");
        let person = self.person(account.person_id).await?;
        sqlx::query(
            "INSERT INTO survey_responses (id, council_id, person_id, budget_account_id, survey_id, survey_version, respondent, answers, scores, completed_on, created_at) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)",
        )
        .bind(crate::new_id())
        .bind(person.council_id.to_string())
        .bind(person.id.to_string())
        .bind(account.id.to_string())
        .bind(&survey.id)
        .bind(survey.version)
        .bind(respondent)
        .bind(codec::to_json(answers))
        .bind(codec::to_json(&scores))
        .bind(iso(completed.expect("checked")))
        .bind(crate::now())
        .execute(&self.pool)
        .await?;
        Ok(SurveyResults { group: "this response".into(), domains: average(&[scores]) })
    }

    /// Average outcome scores for the council: all responses, then per client group and per
    /// way the budget is held.
    pub async fn survey_results(&self, council_id: CouncilId) -> Result<Vec<SurveyResults>> {
        let council = self.council(council_id).await?;
        let rows = sqlx::query(
            "SELECT r.scores, p.client_group, a.deployment FROM survey_responses r JOIN people p ON p.id = r.person_id AND p.council_id = $1 \
             JOIN budget_accounts a ON a.id = r.budget_account_id AND a.council_id = $1 WHERE r.council_id = $1",
        )
        .bind(council.id.to_string())
        .fetch_all(&self.pool)
        .await?;
        let mut groups: BTreeMap<String, Vec<DomainScores>> = BTreeMap::new();
        for r in &rows {
            let scores: DomainScores = codec::json("survey_responses.scores", &r.try_get::<String, _>("scores")?)?;
            groups.entry("all".into()).or_default().push(scores.clone());
            groups.entry(format!("client_group: {}", r.try_get::<String, _>("client_group")?)).or_default().push(scores.clone());
            groups.entry(format!("deployment: {}", r.try_get::<String, _>("deployment")?)).or_default().push(scores);
        }
        Ok(groups.into_iter().map(|(group, responses)| SurveyResults { group, domains: average(&responses) }).collect())
    }
}

impl Store {
    /// Every council's id with its number of people, largest first (for benchmarks and
    /// capacity planning).
    pub async fn people_per_council(&self) -> Result<Vec<(CouncilId, i64)>> {
        let rows = sqlx::query("SELECT council_id, COUNT(*) AS n FROM people GROUP BY council_id ORDER BY n DESC, council_id").fetch_all(&self.pool).await?;
        rows.iter().map(|r| Ok((codec::uuid("people.council_id", &r.try_get::<String, _>("council_id")?)?, r.try_get("n")?))).collect()
    }
}
