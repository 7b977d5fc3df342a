//! Step 5: contributions, bank details, suspensions, four-weekly payment runs and their
//! payment files.
//!
//! A run is idempotent and resumable: accounts are processed in batches, each batch one
//! transaction; every payment's ledger entry carries an idempotency key the database keeps
//! unique, and a run item records it. A run killed part way is simply run again: accounts
//! already paid are skipped, the rest are paid, nobody twice.

use crate::bulk::{fetch_in, insert_rows, Cell};
use crate::codec;
use crate::money::accounts::{lock_accounts, post, EntryDetails, NewEntry};
use crate::money::bank_details::BankDetailsInput;
use crate::{invalid, new_id, now, today, Result, Store, StoreError};
use selfdirect_domain::calendar::WorkingDays;
use selfdirect_domain::dates::iso;
use selfdirect_domain::ids::{AccountId, CouncilId, PaymentRunId};
use selfdirect_domain::money::claims::provider_key;
use selfdirect_domain::money::contributions::{assess, ChargingRules, Contribution, Means};
use selfdirect_domain::money::payment_files::pay_dates::{bacs_cycle, earliest_pay_date};
use selfdirect_domain::money::payment_files::{
    check_bank_details, pain001, payment_reference, standard18, BankFileFormat, FilePayment, Originator, PaymentScheme, Standard18Layout, Submission,
};
use selfdirect_domain::money::payment_run::{idempotency_key, run_account, Period, RunAccount, RunPayee};
use selfdirect_domain::ras::weekly;
use selfdirect_domain::{Money, Problems};
use serde::{Deserialize, Serialize};
use sqlx::Row;
use std::collections::HashMap;
use time::Date;
use uuid::Uuid;

/// What a person told us about their means, as typed.
#[derive(Debug, Clone, Default, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct FinancialAssessmentInput {
    /// `YYYY-MM-DD`
    pub assessed_on: String,
    /// Savings and other capital, pounds.
    pub capital: String,
    /// Weekly income, pounds.
    pub weekly_income: String,
    /// Weekly disability-related expenditure, pounds.
    #[serde(default)]
    pub weekly_disability_expenses: Option<String>,
}

/// One payment made (or to be made) by a run.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct RunItem {
    pub budget_account_id: AccountId,
    pub stream: String,
    pub payee_name: String,
    pub gross: Money,
    pub contribution: Money,
    pub net: Money,
}

/// A payment that could not be made, and why.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct RunException {
    pub budget_account_id: AccountId,
    pub payee_name: String,
    pub amount: Money,
    pub reason: String,
}

/// A payment run and what it paid.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct PaymentRunReport {
    pub run_id: PaymentRunId,
    pub period_start: Date,
    pub period_end: Date,
    pub pay_date: Date,
    /// `in_progress` or `completed`.
    pub status: String,
    pub payments: i64,
    pub total_net: Money,
    pub total_contributions: Money,
    /// Payments not made (no bank details): they need action before the next run.
    pub exceptions: Vec<RunException>,
    /// Accounts whose contribution was invoiced (no direct payment to net it from).
    pub contributions_invoiced: i64,
}

/// How a run goes: batch size, a pause between batches (to spare a live database), and
/// what to tell the caller as it goes.
pub struct RunOptions<'a> {
    pub batch_size: usize,
    pub pause_between_batches: std::time::Duration,
    /// Called after each batch commits, with (accounts done, accounts to do).
    pub progress: &'a (dyn Fn(u64, u64) + Sync),
}

impl Default for RunOptions<'_> {
    fn default() -> Self {
        RunOptions { batch_size: 500, pause_between_batches: std::time::Duration::ZERO, progress: &|_, _| {} }
    }
}

const RUN_ITEM_COLUMNS: [&str; 12] = [
    "run_id",
    "council_id",
    "budget_account_id",
    "stream",
    "payee_kind",
    "payee_name",
    "sort_code",
    "account_number",
    "gross_pence",
    "contribution_pence",
    "net_pence",
    "entry_id",
];

/// What a run would pay one account, with the payees' bank details, worked out inside
/// the caller's transaction (which holds the account's row).
struct PlannedAccount {
    account_id: Uuid,
    /// The money gate's view of the account, read under its lock.
    book: selfdirect_domain::money::ledger::AccountBook,
    outcome: selfdirect_domain::money::payment_run::AccountRun,
    payments: Vec<(selfdirect_domain::money::payment_run::DuePayment, (String, String, String))>,
    exceptions: Vec<RunException>,
}

/// Works out what a run pays a batch of a council's accounts, inside the caller's
/// transaction (which now holds the accounts' rows), in a few statements for the batch.
async fn plan_accounts(tx: &mut sqlx::Transaction<'_, sqlx::Any>, council_id: &str, ids: &[String], period: Period, pay: Date) -> Result<Vec<PlannedAccount>> {
    type BankDetails = (String, String, String);
    let locked = lock_accounts(tx, council_id, ids).await?;
    let read = |r: &sqlx::any::AnyRow| -> Result<BankDetails> { Ok((r.try_get("name")?, r.try_get("sort_code")?, r.try_get("account_number")?)) };
    let mut holders: HashMap<String, BankDetails> = HashMap::new();
    let sql =
        "SELECT budget_account_id, account_name AS name, sort_code, account_number FROM bank_details WHERE council_id = $1 AND budget_account_id IN ({list})";
    for r in fetch_in(tx, sql, council_id, ids).await? {
        holders.insert(r.try_get("budget_account_id")?, read(&r)?);
    }
    let mut providers: HashMap<String, BankDetails> = HashMap::new();
    for r in sqlx::query("SELECT name_key, name, sort_code, account_number FROM providers WHERE council_id = $1").bind(council_id).fetch_all(&mut **tx).await? {
        providers.insert(r.try_get("name_key")?, read(&r)?);
    }
    let mut planned = Vec::with_capacity(locked.len());
    for locked in locked {
        let account =
            RunAccount { book: locked.book, weekly_contribution: locked.account.weekly_contribution, lines: locked.lines, providers: locked.providers };
        let outcome = run_account(&account, period, pay);
        let mut payments = Vec::new();
        let mut exceptions = Vec::new();
        for payment in &outcome.payments {
            let (found, payee_name, missing) = match &payment.payee {
                RunPayee::BudgetHolder => (holders.get(&locked.account.id.to_string()), "Budget holder".to_string(), "no bank details for the direct payment"),
                RunPayee::Provider(name) => (providers.get(&provider_key(name)), name.clone(), "the provider is not registered with bank details"),
            };
            match found {
                Some(details) => payments.push((payment.clone(), details.clone())),
                None => exceptions.push(RunException { budget_account_id: locked.account.id, payee_name, amount: payment.net, reason: missing.into() }),
            }
        }
        planned.push(PlannedAccount { account_id: locked.account.id.into(), book: account.book, outcome, payments, exceptions });
    }
    Ok(planned)
}

/// What a run would pay, worked out without paying anything.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct PaymentRunPreview {
    pub period_start: Date,
    pub period_end: Date,
    pub accounts: i64,
    pub payments: i64,
    pub total_net: Money,
    pub total_contributions: Money,
    pub exceptions: Vec<RunException>,
}

impl Store {
    /// Works out a run for the period without paying: every account's transaction is rolled back.
    pub async fn preview_payment_run(&self, council_id: CouncilId, period_start: &str) -> Result<PaymentRunPreview> {
        let council = self.council(council_id).await?;
        let cid = council.id.to_string();
        let mut p = Problems::new();
        let start = p.date("period_start", period_start);
        p.into_result(())?;
        let period = Period::four_weeks_from(start.expect("checked"));
        let ids: Vec<String> = sqlx::query("SELECT id FROM budget_accounts WHERE council_id = $1 AND start_date <= $2 AND end_date >= $3 ORDER BY id")
            .bind(&cid)
            .bind(iso(period.end))
            .bind(iso(period.start))
            .fetch_all(&self.pool)
            .await?
            .into_iter()
            .map(|r| r.try_get("id"))
            .collect::<std::result::Result<_, _>>()?;
        let mut preview = PaymentRunPreview {
            period_start: period.start,
            period_end: period.end,
            accounts: ids.len() as i64,
            payments: 0,
            total_net: Money::ZERO,
            total_contributions: Money::ZERO,
            exceptions: Vec::new(),
        };
        for batch in ids.chunks(RunOptions::default().batch_size) {
            let mut tx = self.pool.begin().await?;
            let planned = plan_accounts(&mut tx, &cid, batch, period, period.start).await?;
            tx.rollback().await?;
            for planned in planned {
                for (payment, _) in &planned.payments {
                    preview.payments += 1;
                    preview.total_net += payment.net;
                    preview.total_contributions += payment.contribution;
                }
                preview.exceptions.extend(planned.exceptions);
            }
        }
        Ok(preview)
    }

    /// Records a financial assessment and sets the account's weekly contribution.
    pub async fn financial_assessment(&self, account_id: AccountId, input: &FinancialAssessmentInput) -> Result<Contribution> {
        let account = self.account(account_id).await?;
        let mut p = Problems::new();
        let on = p.date("assessed_on", &input.assessed_on);
        if on.is_some_and(|d| d > today()) {
            p.add("assessed_on", "must not be in the future");
        }
        let capital = p.money("capital", &input.capital);
        let income = p.money("weekly_income", &input.weekly_income);
        let dre = match input.weekly_disability_expenses.as_deref() {
            None | Some("") => Some(Money::ZERO),
            Some(t) => p.money("weekly_disability_expenses", t),
        };
        p.into_result(())?;
        let means = Means { capital: capital.expect("checked"), weekly_income: income.expect("checked"), weekly_disability_expenses: dre.expect("checked") };
        let contribution = assess(&ChargingRules::default(), means, weekly(account.final_budget));
        let person = self.person(account.person_id).await?;
        let mut tx = self.pool.begin().await?;
        sqlx::query(
            "INSERT INTO financial_assessments (id, council_id, budget_account_id, assessed_on, capital_pence, weekly_income_pence, weekly_disability_expenses_pence, weekly_contribution_pence, explanation, created_at) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)",
        )
        .bind(new_id())
        .bind(person.council_id.to_string())
        .bind(account.id.to_string())
        .bind(iso(on.expect("checked")))
        .bind(means.capital.pence())
        .bind(means.weekly_income.pence())
        .bind(means.weekly_disability_expenses.pence())
        .bind(contribution.weekly.pence())
        .bind(codec::to_json(&contribution.explanation))
        .bind(now())
        .execute(&mut *tx)
        .await?;
        sqlx::query("UPDATE budget_accounts SET weekly_contribution_pence = $1 WHERE id = $2")
            .bind(contribution.weekly.pence())
            .bind(account.id.to_string())
            .execute(&mut *tx)
            .await?;
        tx.commit().await?;
        Ok(contribution)
    }

    /// The council's own account, which payment files pay from.
    pub async fn set_council_bank(&self, council_id: CouncilId, input: &BankDetailsInput) -> Result<()> {
        let council = self.council(council_id).await?;
        let mut p = Problems::new();
        let name = p.text("account_name", &input.account_name, 70);
        let details = check_bank_details(&mut p, &input.sort_code, &input.account_number);
        let sun = input.service_user_number.as_deref().unwrap_or("").trim().to_string();
        if sun.len() != 6 || !sun.chars().all(|c| c.is_ascii_digit()) {
            p.add("service_user_number", "enter the council's six-digit BACS service user number");
        }
        p.into_result(())?;
        let (sort, number) = details.expect("checked");
        sqlx::query("UPDATE councils SET bank_account_name = $1, bank_sort_code = $2, bank_account_number = $3, bacs_service_user_number = $4 WHERE id = $5")
            .bind(name.as_deref())
            .bind(&sort)
            .bind(&number)
            .bind(&sun)
            .bind(council.id.to_string())
            .execute(&self.pool)
            .await?;
        Ok(())
    }

    /// A provider the council pays, with its bank details. Registering again updates them.
    pub async fn register_provider(&self, council_id: CouncilId, name: &str, sort_code: &str, account_number: &str) -> Result<()> {
        let council = self.council(council_id).await?;
        let mut p = Problems::new();
        let name = p.text("name", name, 200);
        let details = check_bank_details(&mut p, sort_code, account_number);
        p.into_result(())?;
        let (sort, number) = details.expect("checked");
        let mut tx = self.pool.begin().await?;
        let name = name.expect("checked");
        // Registering again, however the name is typed, replaces the earlier details.
        let key = provider_key(&name);
        sqlx::query("DELETE FROM providers WHERE council_id = $1 AND name_key = $2").bind(council.id.to_string()).bind(&key).execute(&mut *tx).await?;
        sqlx::query("INSERT INTO providers (id, council_id, name, sort_code, account_number, created_at, name_key) VALUES ($1, $2, $3, $4, $5, $6, $7)")
            .bind(new_id())
            .bind(council.id.to_string())
            .bind(&name)
            .bind(&sort)
            .bind(&number)
            .bind(now())
            .bind(&key)
            .execute(&mut *tx)
            .await?;
        tx.commit().await?;
        Ok(())
    }

    /// Stops payments from a date (misuse under investigation, a stay in hospital), or, with
    /// `None`, starts them again from today ([`Store::resume_payments`]).
    pub async fn suspend_payments(&self, account_id: AccountId, from: Option<&str>, reason: Option<&str>) -> Result<()> {
        let Some(from) = from else {
            return self.resume_payments(account_id, &iso(today())).await;
        };
        let mut p = Problems::new();
        let (from, reason) = (p.date("suspended_from", from), p.text("reason", reason.unwrap_or(""), 500));
        p.into_result(())?;
        let mut tx = self.pool.begin().await?;
        let locked = crate::money::accounts::lock_account(&mut tx, account_id).await?;
        sqlx::query("UPDATE budget_accounts SET suspended_from = $1, suspension_reason = $2 WHERE id = $3 AND council_id = $4")
            .bind(from.map(iso))
            .bind(reason)
            .bind(account_id.to_string())
            .bind(&locked.council_id)
            .execute(&mut *tx)
            .await?;
        tx.commit().await?;
        Ok(())
    }

    /// Starts payments again from `resumed_on`: the days from the suspension to the day
    /// before stay unpaid (a past suspension), so no run or claim pays for them afterwards.
    pub async fn resume_payments(&self, account_id: AccountId, resumed_on: &str) -> Result<()> {
        let mut p = Problems::new();
        let resumed_on = p.date("resumed_on", resumed_on);
        let mut tx = self.pool.begin().await?;
        let locked = crate::money::accounts::lock_account(&mut tx, account_id).await?;
        if let (Some(on), Some(was)) = (resumed_on, locked.account.suspended_from) {
            if on < was {
                p.add("resumed_on", format!("must be on or after the suspension began ({})", iso(was)));
            }
        }
        p.into_result(())?;
        if let (Some(on), Some(was)) = (resumed_on, locked.account.suspended_from) {
            if let Some(last) = on.previous_day().filter(|last| *last >= was) {
                sqlx::query("INSERT INTO past_suspensions (id, council_id, budget_account_id, first_day, last_day, reason) VALUES ($1, $2, $3, $4, $5, $6)")
                    .bind(new_id())
                    .bind(&locked.council_id)
                    .bind(account_id.to_string())
                    .bind(iso(was))
                    .bind(iso(last))
                    .bind(locked.account.suspension_reason.as_deref())
                    .execute(&mut *tx)
                    .await?;
            }
        }
        sqlx::query("UPDATE budget_accounts SET suspended_from = NULL, suspension_reason = NULL WHERE id = $1 AND council_id = $2")
            .bind(account_id.to_string())
            .bind(&locked.council_id)
            .execute(&mut *tx)
            .await?;
        tx.commit().await?;
        Ok(())
    }

    /// Runs (or resumes) the four-weekly payment run for the period starting `period_start`,
    /// paying on `pay_date` (a working day a Bacs file sent today can meet; the earliest
    /// such day when left out). A resumed run keeps the pay date it started with.
    pub async fn payment_run(&self, council_id: CouncilId, period_start: &str, pay_date: Option<&str>, options: RunOptions<'_>) -> Result<PaymentRunReport> {
        let council = self.council(council_id).await?;
        let cid = council.id.to_string();
        let mut p = Problems::new();
        let start = p.date("period_start", period_start);
        let asked_pay = pay_date.map(|d| p.date("pay_date", d));
        if options.batch_size == 0 {
            p.add("batch_size", "must be at least 1");
        }
        p.into_result(())?;
        let period = Period::four_weeks_from(start.expect("checked"));
        let (run_id, pay) = match sqlx::query("SELECT id, status, pay_date FROM payment_runs WHERE council_id = $1 AND period_start = $2")
            .bind(&cid)
            .bind(iso(period.start))
            .fetch_optional(&self.pool)
            .await?
        {
            Some(row) => {
                let id: String = row.try_get("id")?;
                if row.try_get::<String, _>("status")? == "completed" {
                    return self.payment_run_report(&id, Vec::new()).await;
                }
                (id, codec::date("payment_runs.pay_date", &row.try_get::<String, _>("pay_date")?)?)
            }
            None => {
                let pay = check_pay_date(asked_pay.flatten())?;
                let id = new_id();
                sqlx::query("INSERT INTO payment_runs (id, council_id, period_start, period_end, pay_date, status, created_at) VALUES ($1, $2, $3, $4, $5, 'in_progress', $6)")
                    .bind(&id)
                    .bind(&cid)
                    .bind(iso(period.start))
                    .bind(iso(period.end))
                    .bind(iso(pay))
                    .bind(now())
                    .execute(&self.pool)
                    .await?;
                (id, pay)
            }
        };
        let run_uuid = codec::uuid("payment_runs.id", &run_id)?;
        // Accounts active in the period that this run has not paid yet.
        let pending = "FROM budget_accounts a WHERE a.council_id = $1 AND a.start_date <= $2 AND a.end_date >= $3 \
                       AND NOT EXISTS (SELECT 1 FROM payment_run_items i WHERE i.run_id = $4 AND i.budget_account_id = a.id)";
        let total: i64 = sqlx::query(&format!("SELECT COUNT(*) AS n {pending}"))
            .bind(&cid)
            .bind(iso(period.end))
            .bind(iso(period.start))
            .bind(&run_id)
            .fetch_one(&self.pool)
            .await?
            .try_get("n")?;
        let mut exceptions = Vec::new();
        let mut done: u64 = 0;
        let mut after = String::new();
        loop {
            let ids: Vec<String> = sqlx::query(&format!("SELECT a.id {pending} AND a.id > $5 ORDER BY a.id LIMIT $6"))
                .bind(&cid)
                .bind(iso(period.end))
                .bind(iso(period.start))
                .bind(&run_id)
                .bind(&after)
                .bind(options.batch_size as i64)
                .fetch_all(&self.pool)
                .await?
                .into_iter()
                .map(|r| r.try_get("id"))
                .collect::<std::result::Result<_, _>>()?;
            let Some(last) = ids.last() else { break };
            after = last.clone();
            let mut tx = self.pool.begin().await?;
            let planned = plan_accounts(&mut tx, &cid, &ids, period, pay).await?;
            // A contribution invoice has no run item, so a resumed run checks its key.
            let invoice_keys: Vec<String> =
                planned.iter().filter(|p| p.outcome.invoice.is_some()).map(|p| format!("run:{run_uuid}:{}:contribution", p.account_id)).collect();
            let mut invoiced = std::collections::HashSet::new();
            for r in fetch_in(&mut tx, "SELECT idempotency_key FROM ledger_entries WHERE council_id = $1 AND idempotency_key IN ({list})", &cid, &invoice_keys)
                .await?
            {
                invoiced.insert(r.try_get::<String, _>("idempotency_key")?);
            }
            // Owned first, so the entries below can borrow them.
            struct Item<'p> {
                account_id: String,
                entry_id: String,
                key: String,
                payee: Option<&'p str>,
                entry: &'p selfdirect_domain::money::ledger::JournalEntry,
            }
            let mut items = Vec::new();
            let mut run_items = Vec::new();
            for p in &planned {
                exceptions.extend(p.exceptions.iter().cloned());
                let account_id = p.account_id.to_string();
                for (payment, (payee_name, sort_code, account_number)) in &p.payments {
                    let entry_id = new_id();
                    run_items.push(vec![
                        Cell::Text(run_id.clone()),
                        Cell::Text(cid.clone()),
                        Cell::Text(account_id.clone()),
                        Cell::Text(payment.stream.code().to_string()),
                        Cell::Text(
                            match &payment.payee {
                                RunPayee::BudgetHolder => "budget_holder",
                                RunPayee::Provider(_) => "provider",
                            }
                            .to_string(),
                        ),
                        Cell::Text(payee_name.clone()),
                        Cell::Text(sort_code.clone()),
                        Cell::Text(account_number.clone()),
                        Cell::Int(payment.gross.pence()),
                        Cell::Int(payment.contribution.pence()),
                        Cell::Int(payment.net.pence()),
                        Cell::Text(entry_id.clone()),
                    ]);
                    let key = idempotency_key(run_uuid, p.account_id, &payment.stream, &payment.payee);
                    items.push(Item { account_id: account_id.clone(), entry_id, key, payee: Some(payee_name), entry: &payment.entry });
                }
                if let Some(invoice) = &p.outcome.invoice {
                    let key = format!("run:{run_uuid}:{account_id}:contribution");
                    if !invoiced.contains(&key) {
                        items.push(Item { account_id: account_id.clone(), entry_id: new_id(), key, payee: None, entry: &invoice.entry });
                    }
                }
            }
            let entries: Vec<NewEntry> = items
                .iter()
                .map(|i| NewEntry {
                    id: i.entry_id.clone(),
                    account_id: &i.account_id,
                    entry: i.entry,
                    details: EntryDetails { payee_name: i.payee, idempotency_key: Some(&i.key), ..EntryDetails::default() },
                })
                .collect();
            let mut books = planned.iter().map(|p| (p.account_id.to_string(), p.book.clone())).collect();
            post(&mut tx, &cid, &mut books, &entries).await?;
            insert_rows(&mut tx, "payment_run_items", &RUN_ITEM_COLUMNS, &run_items).await?;
            tx.commit().await?;
            done += ids.len() as u64;
            (options.progress)(done, total as u64);
            if !options.pause_between_batches.is_zero() {
                tokio::time::sleep(options.pause_between_batches).await;
            }
        }
        sqlx::query("UPDATE payment_runs SET status = 'completed', completed_at = $1 WHERE id = $2").bind(now()).bind(&run_id).execute(&self.pool).await?;
        self.payment_run_report(&run_id, exceptions).await
    }

    /// How many payment entries a run has posted to the ledger (contribution invoices aside).
    pub async fn run_entry_count(&self, run_id: PaymentRunId) -> Result<i64> {
        let uuid = run_id.uuid();
        Ok(sqlx::query("SELECT COUNT(*) AS n FROM ledger_entries WHERE idempotency_key LIKE $1 AND idempotency_key NOT LIKE $2")
            .bind(format!("run:{uuid}:%"))
            .bind("%:contribution")
            .fetch_one(&self.pool)
            .await?
            .try_get("n")?)
    }

    /// The run for the period starting `period_start`, as far as it has gone.
    pub async fn payment_run_for_period(&self, council_id: CouncilId, period_start: &str) -> Result<PaymentRunReport> {
        let council = self.council(council_id).await?;
        let mut p = Problems::new();
        let start = p.date("period_start", period_start);
        p.into_result(())?;
        let start = iso(start.expect("checked"));
        let id: String = sqlx::query("SELECT id FROM payment_runs WHERE council_id = $1 AND period_start = $2")
            .bind(council.id.to_string())
            .bind(&start)
            .fetch_optional(&self.pool)
            .await?
            .ok_or_else(|| StoreError::NotFound { what: "payment run for the period starting", id: start.clone() })?
            .try_get("id")?;
        self.payment_run_report(&id, Vec::new()).await
    }

    /// A council's payment runs, latest period first.
    pub async fn payment_runs(&self, council_id: CouncilId, limit: i64) -> Result<Vec<PaymentRunReport>> {
        let council = self.council(council_id).await?;
        let ids = sqlx::query("SELECT id FROM payment_runs WHERE council_id = $1 ORDER BY period_start DESC LIMIT $2")
            .bind(council.id.to_string())
            .bind(limit.clamp(1, 1000))
            .fetch_all(&self.pool)
            .await?;
        let mut runs = Vec::with_capacity(ids.len());
        for row in ids {
            runs.push(self.payment_run_report(&row.try_get::<String, _>("id")?, Vec::new()).await?);
        }
        Ok(runs)
    }

    /// One payment run's report, by its id.
    pub async fn payment_run_by_id(&self, run_id: PaymentRunId) -> Result<PaymentRunReport> {
        let uuid = run_id.uuid();
        self.payment_run_report(&uuid.to_string(), Vec::new()).await
    }

    /// The council a payment run belongs to, for access checks.
    pub async fn payment_run_council(&self, run_id: PaymentRunId) -> Result<uuid::Uuid> {
        let uuid = run_id.uuid();
        let row = sqlx::query("SELECT council_id FROM payment_runs WHERE id = $1")
            .bind(uuid.to_string())
            .fetch_optional(&self.pool)
            .await?
            .ok_or_else(|| StoreError::NotFound { what: "payment run", id: run_id.to_string() })?;
        codec::uuid("payment_runs.council_id", &row.try_get::<String, _>("council_id")?)
    }

    async fn payment_run_report(&self, run_id: &str, exceptions: Vec<RunException>) -> Result<PaymentRunReport> {
        let run = sqlx::query("SELECT id, period_start, period_end, pay_date, status FROM payment_runs WHERE id = $1")
            .bind(run_id)
            .fetch_optional(&self.pool)
            .await?
            .ok_or_else(|| StoreError::NotFound { what: "payment run", id: run_id.to_string() })?;
        let totals = sqlx::query(
            "SELECT COUNT(*) AS n, CAST(COALESCE(SUM(net_pence), 0) AS BIGINT) AS net, CAST(COALESCE(SUM(contribution_pence), 0) AS BIGINT) AS contribution FROM payment_run_items WHERE run_id = $1",
        )
        .bind(run_id)
        .fetch_one(&self.pool)
        .await?;
        let invoiced: i64 = sqlx::query("SELECT COUNT(*) AS n FROM ledger_entries WHERE idempotency_key LIKE $1")
            .bind(format!("run:{run_id}:%:contribution"))
            .fetch_one(&self.pool)
            .await?
            .try_get("n")?;
        Ok(PaymentRunReport {
            run_id: codec::uuid("payment_runs.id", &run.try_get::<String, _>("id")?)?,
            period_start: codec::date("payment_runs.period_start", &run.try_get::<String, _>("period_start")?)?,
            period_end: codec::date("payment_runs.period_end", &run.try_get::<String, _>("period_end")?)?,
            pay_date: codec::date("payment_runs.pay_date", &run.try_get::<String, _>("pay_date")?)?,
            status: run.try_get("status")?,
            payments: totals.try_get("n")?,
            total_net: Money::from_pence(totals.try_get("net")?),
            total_contributions: Money::from_pence(totals.try_get("contribution")?),
            exceptions,
            contributions_invoiced: invoiced,
        })
    }

    /// The payments a run made.
    pub async fn payment_run_items(&self, run_id: PaymentRunId) -> Result<Vec<RunItem>> {
        let uuid = run_id.uuid();
        let rows = sqlx::query("SELECT budget_account_id, stream, payee_name, gross_pence, contribution_pence, net_pence FROM payment_run_items WHERE run_id = $1 ORDER BY budget_account_id, stream, payee_kind, payee_name")
            .bind(uuid.to_string())
            .fetch_all(&self.pool)
            .await?;
        rows.into_iter()
            .map(|r| {
                Ok(RunItem {
                    budget_account_id: codec::uuid("payment_run_items.budget_account_id", &r.try_get::<String, _>("budget_account_id")?)?,
                    stream: r.try_get("stream")?,
                    payee_name: r.try_get("payee_name")?,
                    gross: Money::from_pence(r.try_get("gross_pence")?),
                    contribution: Money::from_pence(r.try_get("contribution_pence")?),
                    net: Money::from_pence(r.try_get("net_pence")?),
                })
            })
            .collect()
    }

    /// The bank file for a completed run, in one of the [`BankFileFormat`]s.
    pub async fn payment_file(&self, run_id: PaymentRunId, format: BankFileFormat) -> Result<String> {
        let uuid = run_id.uuid();
        let run = sqlx::query(
            "SELECT r.status, r.pay_date, r.period_start, c.name, c.bank_account_name, c.bank_sort_code, c.bank_account_number, c.bacs_service_user_number \
             FROM payment_runs r JOIN councils c ON c.id = r.council_id WHERE r.id = $1",
        )
        .bind(uuid.to_string())
        .fetch_optional(&self.pool)
        .await?
        .ok_or_else(|| StoreError::NotFound { what: "payment run", id: run_id.to_string() })?;
        if run.try_get::<String, _>("status")? != "completed" {
            return Err(StoreError::Conflict("the run has not finished; run it again to complete it before making its file".into()));
        }
        let (Some(name), Some(sort_code), Some(account_number), Some(sun)) = (
            run.try_get::<Option<String>, _>("bank_account_name")?,
            run.try_get::<Option<String>, _>("bank_sort_code")?,
            run.try_get::<Option<String>, _>("bank_account_number")?,
            run.try_get::<Option<String>, _>("bacs_service_user_number")?,
        ) else {
            return Err(invalid("council", "set the council's bank account and BACS service user number before making payment files"));
        };
        let originator = Originator { name, sort_code, account_number, service_user_number: sun };
        let period_start = codec::date("payment_runs.period_start", &run.try_get::<String, _>("period_start")?)?;
        let pay_date = codec::date("payment_runs.pay_date", &run.try_get::<String, _>("pay_date")?)?;
        let payments = self.file_payments(uuid, period_start).await?;
        // The run's id names the file: a bank refuses a second file with the same message id.
        let run_code = uuid.simple().to_string().to_uppercase();
        let too_late = |why: String| StoreError::Conflict(format!("this run pays on {}, which a file made today cannot meet: {why}", iso(pay_date)));
        let made = match format {
            BankFileFormat::Standard18 | BankFileFormat::Standard18DataOnly | BankFileFormat::Pain001 => {
                let cycle = bacs_cycle(WorkingDays::england_and_wales(), pay_date, today()).map_err(too_late)?;
                match format {
                    BankFileFormat::Pain001 => pain001(&originator, &payments, &run_code, now_utc(), pay_date, PaymentScheme::Bacs),
                    BankFileFormat::Standard18DataOnly => standard18(&originator, &payments, &Standard18Layout::DataRecordsOnly),
                    _ => {
                        let submission = Submission { serial: run_code[26..].to_string(), created_on: today(), cycle };
                        standard18(&originator, &payments, &Standard18Layout::Submission(submission))
                    }
                }
            }
            BankFileFormat::Pain001Faster => {
                if pay_date < today() {
                    return Err(too_late("it is in the past".into()));
                }
                pain001(&originator, &payments, &run_code, now_utc(), pay_date, PaymentScheme::FasterPayments)
            }
        };
        made.map_err(StoreError::Invalid)
    }

    /// A completed run's credits, each with the reference its payee sees.
    async fn file_payments(&self, run: Uuid, period_start: Date) -> Result<Vec<FilePayment>> {
        let rows = sqlx::query(
            "SELECT budget_account_id, stream, payee_name, sort_code, account_number, net_pence FROM payment_run_items \
             WHERE run_id = $1 AND net_pence > 0 ORDER BY budget_account_id, stream, payee_kind, payee_name",
        )
        .bind(run.to_string())
        .fetch_all(&self.pool)
        .await?;
        let run_tail = &run.simple().to_string().to_uppercase()[22..];
        rows.into_iter()
            .enumerate()
            .map(|(i, r)| {
                let account = codec::uuid("payment_run_items.budget_account_id", &r.try_get::<String, _>("budget_account_id")?)?;
                let stream = selfdirect_domain::deployment::streams::FundingStream::new(r.try_get::<String, _>("stream")?);
                Ok(FilePayment {
                    payee_name: r.try_get("payee_name")?,
                    sort_code: r.try_get("sort_code")?,
                    account_number: r.try_get("account_number")?,
                    amount: Money::from_pence(r.try_get("net_pence")?),
                    reference: payment_reference(account, &stream, period_start),
                    id: format!("R{run_tail}{i:06}"),
                })
            })
            .collect()
    }
}

/// A new run's pay date: the one asked for if a Bacs file sent today can meet it, or the
/// earliest that can be met when none is asked for.
fn check_pay_date(asked: Option<Date>) -> Result<Date> {
    let calendar = WorkingDays::england_and_wales();
    let checked = match asked {
        Some(day) => bacs_cycle(calendar, day, today()).map(|c| c.pay_day),
        None => earliest_pay_date(calendar, today()),
    };
    checked.map_err(|why| invalid("pay_date", why))
}

fn now_utc() -> time::PrimitiveDateTime {
    let now = time::OffsetDateTime::now_utc();
    time::PrimitiveDateTime::new(now.date(), now.time().replace_nanosecond(0).expect("zero nanoseconds is a time"))
}
