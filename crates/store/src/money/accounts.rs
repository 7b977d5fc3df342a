//! Steps 4–5: opening a budget account from an approved plan, and moving its money.

use crate::bulk::{insert_rows, Cell};
use crate::codec;
use crate::plan::{load_plan, LoadedPlan};
use crate::records::{
    AccountView, BudgetAccount, CouncilUptake, EntriesPage, LedgerEntryRecord, SpendingRecorded, StreamBalance, SupportEnded, TrialBalance, TrialBalanceLine,
    MOST_ENTRIES_A_PAGE,
};
use crate::{fresh_id, invalid, new_id, now, today, Result, Store, StoreError};
use selfdirect_domain::dates::iso;
use selfdirect_domain::deployment::streams::{FundingStreams, SpendingPurpose};
use selfdirect_domain::deployment::{overall, AccountDeployment, DeploymentOption};
use selfdirect_domain::ids::{AccountId, CouncilId, PersonId, PlanId};
use selfdirect_domain::learning::uptake::{uptake, UptakeCounts};
use selfdirect_domain::money::ledger::{self, AccountBook, Balances, EntryKind, FundedLine, InForce, JournalEntry, LedgerAccount, PaidDays, Payee, Posting};
use selfdirect_domain::money::statement::{statement, StatementEntry};
use selfdirect_domain::plan::{check_one_live_budget as check_one_live_budget_rule, FundingStream, PlanStatus};
use selfdirect_domain::review::ending::{EndingReason, OverpaidDays};
use selfdirect_domain::review::first_review_due;
use selfdirect_domain::{Money, Problems};
use serde::Deserialize;
use sqlx::{Any, FromRow, Row, Transaction};
use std::collections::BTreeMap;
use time::Date;

/// How the person chose to hold their money.
#[derive(Debug, Clone, Default, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct OpenAccountInput {
    /// One option for the whole budget: `direct_payment`, `council_managed` or `individual_service_fund`.
    #[serde(default)]
    pub deployment: Option<String>,
    /// An option per plan line (plan line id → option), for a mixed budget. Overrides `deployment` for those lines.
    #[serde(default)]
    pub line_deployments: BTreeMap<String, String>,
    /// When the money starts (`YYYY-MM-DD`); the plan's start date if left out.
    #[serde(default)]
    pub start_date: Option<String>,
}

/// A payment out of the money the council holds for the person.
#[derive(Debug, Clone, Default, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct PaymentInput {
    /// `budget_holder` (a direct payment) or `provider`.
    pub payee: String,
    /// Who is paid, as it appears on the payment.
    pub payee_name: String,
    /// Pounds, e.g. `812.50`.
    pub amount: String,
    /// `YYYY-MM-DD`
    pub paid_on: String,
    /// The plan line paid for; required for a provider.
    #[serde(default)]
    pub plan_line_id: Option<String>,
    /// Funding stream code; needed only when the budget has several streams and no line is named.
    #[serde(default)]
    pub stream: Option<String>,
    #[serde(default)]
    pub description: Option<String>,
}

/// Kinds of receipt file accepted: photos and PDFs.
pub const RECEIPT_TYPES: [&str; 3] = ["image/jpeg", "image/png", "application/pdf"];
/// The largest receipt kept: a phone photo fits.
pub const MAX_RECEIPT_BYTES: usize = 10 << 20;

/// An uploaded receipt.
#[derive(Debug, Clone)]
pub struct ReceiptFile {
    pub file_name: String,
    pub content_type: String,
    pub bytes: Vec<u8>,
}

/// Spending from money already paid out (direct payment or ISF), against a plan line.
#[derive(Debug, Clone, Default, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct SpendingInput {
    pub plan_line_id: String,
    /// Pounds, e.g. `145.00`.
    pub amount: String,
    /// `YYYY-MM-DD`
    pub spent_on: String,
    pub description: String,
    /// What it was spent on (a spending purpose code); `care_and_support` if left out.
    #[serde(default)]
    pub purpose: Option<String>,
    /// The receipt or invoice number kept for the direct-payment return.
    #[serde(default)]
    pub receipt_reference: Option<String>,
}

#[derive(sqlx::FromRow)]
struct AccountRow {
    id: String,
    person_id: String,
    plan_id: String,
    deployment: String,
    includes_direct_payment: i64,
    final_budget_pence: i64,
    start_date: String,
    end_date: String,
    next_review_due: String,
    weekly_contribution_pence: i64,
    suspended_from: Option<String>,
    suspension_reason: Option<String>,
    planned_end_date: Option<String>,
    ended_on: Option<String>,
    end_reason: Option<String>,
    ended_by: Option<String>,
    overpaid_days: Option<String>,
}

const ACCOUNT_COLUMNS: &str = "id, person_id, plan_id, deployment, includes_direct_payment, final_budget_pence, start_date, end_date, next_review_due, \
     weekly_contribution_pence, suspended_from, suspension_reason, planned_end_date, ended_on, end_reason, ended_by, overpaid_days";

impl AccountRow {
    fn into_account(self) -> Result<BudgetAccount> {
        Ok(BudgetAccount {
            id: codec::uuid("budget_accounts.id", &self.id)?,
            person_id: codec::uuid("budget_accounts.person_id", &self.person_id)?,
            plan_id: codec::uuid("budget_accounts.plan_id", &self.plan_id)?,
            deployment: codec::code("budget_accounts.deployment", &self.deployment, AccountDeployment::from_code)?,
            includes_direct_payment: self.includes_direct_payment != 0,
            final_budget: Money::from_pence(self.final_budget_pence),
            start_date: codec::date("budget_accounts.start_date", &self.start_date)?,
            end_date: codec::date("budget_accounts.end_date", &self.end_date)?,
            next_review_due: codec::date("budget_accounts.next_review_due", &self.next_review_due)?,
            weekly_contribution: Money::from_pence(self.weekly_contribution_pence),
            suspended_from: self.suspended_from.as_deref().map(|d| codec::date("budget_accounts.suspended_from", d)).transpose()?,
            suspension_reason: self.suspension_reason,
            ended: match (self.ended_on, self.end_reason) {
                (Some(on), Some(reason)) => Some(SupportEnded {
                    ended_on: codec::date("budget_accounts.ended_on", &on)?,
                    reason: codec::code("budget_accounts.end_reason", &reason, EndingReason::from_code)?,
                    ended_by: self.ended_by.unwrap_or_default(),
                    planned_end_date: codec::date("budget_accounts.planned_end_date", self.planned_end_date.as_deref().unwrap_or(&self.end_date))?,
                    overpaid_days: self
                        .overpaid_days
                        .as_deref()
                        .map(|c| codec::code("budget_accounts.overpaid_days", c, OverpaidDays::from_code))
                        .transpose()?,
                }),
                _ => None,
            },
        })
    }
}

/// An account loaded inside a transaction, with what the money rules need.
pub(crate) struct LockedAccount {
    pub(crate) council_id: String,
    pub(crate) account: BudgetAccount,
    pub(crate) lines: Vec<FundedLine>,
    /// Who provides each line, in the same order.
    pub(crate) providers: Vec<String>,
    /// The money gate's view of the account: live days, balances, days already paid.
    pub(crate) book: AccountBook,
}

impl LockedAccount {
    /// The account's book, keyed by its id, as [`post`] takes it.
    pub(crate) fn books(&self) -> BTreeMap<String, AccountBook> {
        BTreeMap::from([(self.account.id.to_string(), self.book.clone())])
    }
}

impl Store {
    /// Opens the budget account for an approved plan: records how each line's money is
    /// held, commits the final budget in the ledger, and sets the first review date.
    pub async fn open_account(&self, plan_id: PlanId, input: &OpenAccountInput) -> Result<BudgetAccount> {
        let mut tx = self.pool.begin().await?;
        let loaded = load_plan(&mut tx, plan_id).await?;
        let account_id = open_account_in(&mut tx, &loaded, input, &self.streams).await?;
        tx.commit().await?;
        self.account(account_id).await
    }

    pub async fn account(&self, id: AccountId) -> Result<BudgetAccount> {
        let uuid = id.uuid();
        let row: AccountRow = sqlx::query_as(&format!("SELECT {ACCOUNT_COLUMNS} FROM budget_accounts WHERE id = $1"))
            .bind(uuid.to_string())
            .fetch_optional(&self.pool)
            .await?
            .ok_or_else(|| StoreError::NotFound { what: "budget account", id: id.to_string() })?;
        row.into_account()
    }

    /// The person's budget account for their latest approved plan, if any.
    pub async fn account_for_person(&self, person_id: PersonId) -> Result<Option<BudgetAccount>> {
        let person = self.person(person_id).await?;
        let row: Option<AccountRow> =
            sqlx::query_as(&format!("SELECT {ACCOUNT_COLUMNS} FROM budget_accounts WHERE person_id = $1 ORDER BY start_date DESC, id DESC LIMIT 1"))
                .bind(person.id.to_string())
                .fetch_optional(&self.pool)
                .await?;
        row.map(AccountRow::into_account).transpose()
    }

    /// The account with its balances per stream and its ledger entries, newest last.
    pub async fn account_view(&self, id: AccountId) -> Result<AccountView> {
        let account = self.account(id).await?;
        let entries = load_entries(&self.pool, &account.id.to_string()).await?;
        let balances = Balances::from_postings(entries.iter().flat_map(|e| e.postings.iter()));
        let stream_balances = balances
            .streams()
            .into_iter()
            .map(|stream| StreamBalance {
                stream: stream.clone(),
                allocated: -balances.get(LedgerAccount::CouncilFunding, &stream),
                available: balances.get(LedgerAccount::Available, &stream),
                held_by_budget_holder: balances.get(LedgerAccount::HeldByBudgetHolder, &stream),
                held_by_provider: balances.get(LedgerAccount::HeldByProvider, &stream),
                spent: balances.get(LedgerAccount::Spent, &stream),
            })
            .collect();
        let statements =
            statement(entries.iter().map(|e| StatementEntry { kind: e.kind, payee_name: e.payee_name.as_deref(), postings: &e.postings }), |stream| {
                self.streams.get(stream).map(|r| r.name.clone()).unwrap_or_else(|| stream.words())
            });
        Ok(AccountView { account, balances: stream_balances, unspent: balances.unspent(), spent: balances.total(LedgerAccount::Spent), statements, entries })
    }

    /// Pays money out of what the council holds: to the budget holder (a direct payment)
    /// or to a provider for a plan line. Never more than is available.
    pub async fn make_payment(&self, account_id: AccountId, input: &PaymentInput) -> Result<AccountView> {
        let mut p = Problems::new();
        let payee = match input.payee.trim() {
            "budget_holder" => Some(Payee::BudgetHolder),
            "provider" => Some(Payee::Provider),
            other => {
                p.add("payee", format!("'{other}' is not one of: budget_holder, provider"));
                None
            }
        };
        let payee_name = p.text("payee_name", &input.payee_name, 200);
        let amount = p.positive_money("amount", &input.amount);
        let paid_on = p.date("paid_on", &input.paid_on);
        let description = p.optional_text("description", input.description.as_deref(), 500);
        let mut tx = self.pool.begin().await?;
        let locked = lock_account(&mut tx, account_id).await?;
        check_within_account("paid_on", paid_on, &locked.account, &mut p);
        let line = find_line(&locked, input.plan_line_id.as_deref(), &mut p);
        let stream = choose_stream(&locked, line, input.stream.as_deref(), &mut p);
        if !p.is_empty() {
            return Err(p.into());
        }
        let (payee, amount, paid_on) = (payee.expect("checked"), amount.expect("checked"), paid_on.expect("checked"));
        let stream = stream.expect("checked");
        let payee_name = payee_name.expect("checked");
        let description = description.unwrap_or_else(|| match payee {
            Payee::BudgetHolder => "Direct payment".to_string(),
            Payee::Provider => format!("Payment to {payee_name}"),
        });
        let entry = ledger::pay(locked.book.balances(), payee, &stream, line, amount, paid_on, &description)?;
        let details = EntryDetails { payee_name: Some(&payee_name), ..EntryDetails::default() };
        post_one(&mut tx, &locked.council_id, &mut locked.books(), &locked.account.id.to_string(), &entry, details).await?;
        tx.commit().await?;
        self.account_view(account_id).await
    }

    /// Records spending of money already paid out, against a plan line.
    pub async fn record_spending(&self, account_id: AccountId, input: &SpendingInput) -> Result<SpendingRecorded> {
        self.record_spending_with_receipt(account_id, input, None).await
    }

    /// As [`Store::record_spending`], keeping an uploaded receipt (a photo or PDF) with the
    /// entry, in the same transaction.
    /// Answers with what was written and the totals after it, not the account's history:
    /// the write's cost does not grow with the years of an account.
    pub async fn record_spending_with_receipt(
        &self,
        account_id: AccountId,
        input: &SpendingInput,
        receipt_file: Option<&ReceiptFile>,
    ) -> Result<SpendingRecorded> {
        let mut p = Problems::new();
        if let Some(r) = receipt_file {
            if !RECEIPT_TYPES.contains(&r.content_type.as_str()) {
                p.add("receipt", format!("the receipt must be a photo (JPEG or PNG) or a PDF, not {}", r.content_type));
            }
            if r.bytes.len() > MAX_RECEIPT_BYTES {
                p.add("receipt", format!("the receipt is {} MB; the most is {} MB", r.bytes.len().div_ceil(1 << 20), MAX_RECEIPT_BYTES >> 20));
            }
        }
        let amount = p.positive_money("amount", &input.amount);
        let spent_on = p.date("spent_on", &input.spent_on);
        let description = p.text("description", &input.description, 500);
        let purpose = match input.purpose.as_deref().map(str::trim) {
            None | Some("") => Some(SpendingPurpose::CareAndSupport),
            Some(code) => SpendingPurpose::parse(&mut p, "purpose", code),
        };
        let receipt = p.optional_text("receipt_reference", input.receipt_reference.as_deref(), 100);
        let mut tx = self.pool.begin().await?;
        let locked = lock_account(&mut tx, account_id).await?;
        check_within_account("spent_on", spent_on, &locked.account, &mut p);
        let line = find_line(&locked, Some(&input.plan_line_id), &mut p);
        if let (Some(line), Some(purpose)) = (line, purpose) {
            self.streams.check_purpose(&mut p, "purpose", &line.stream, purpose);
        }
        if !p.is_empty() {
            return Err(p.into());
        }
        let line = line.expect("checked: a line was named and found");
        let entry = ledger::record_spending(
            locked.book.balances(),
            line,
            amount.expect("checked"),
            spent_on.expect("checked"),
            description.as_deref().expect("checked"),
        )?;
        let details = EntryDetails { purpose: purpose.map(SpendingPurpose::code), receipt_reference: receipt.as_deref(), ..EntryDetails::default() };
        let mut books = locked.books();
        let entry_id = post_one(&mut tx, &locked.council_id, &mut books, &locked.account.id.to_string(), &entry, details).await?;
        if let Some(r) = receipt_file {
            sqlx::query(
                "INSERT INTO receipts (id, council_id, budget_account_id, entry_id, file_name, content_type, size_bytes, content, created_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)",
            )
            .bind(new_id())
            .bind(&locked.council_id)
            .bind(account_id.to_string())
            .bind(&entry_id)
            .bind(r.file_name.chars().take(200).collect::<String>())
            .bind(&r.content_type)
            .bind(r.bytes.len() as i64)
            .bind(r.bytes.clone())
            .bind(now())
            .execute(&mut *tx)
            .await?;
        }
        tx.commit().await?;
        let after =
            books.get(&account_id.to_string()).map(AccountBook::balances).ok_or_else(|| StoreError::Corrupt("the account's book went missing".into()))?;
        Ok(SpendingRecorded {
            entry: LedgerEntryRecord {
                id: codec::uuid("ledger_entries.id", &entry_id)?,
                kind: entry.kind(),
                occurred_on: entry.occurred_on(),
                description: entry.description().to_string(),
                payee_name: None,
                postings: entry.postings().to_vec(),
            },
            unspent: after.unspent(),
            spent: after.total(LedgerAccount::Spent),
        })
    }

    /// One page of an account's ledger, newest first: up to `limit` entries (1 to
    /// [`MOST_ENTRIES_A_PAGE`]) older than the entry `before`, or the newest when `None`.
    pub async fn account_entries(&self, account_id: AccountId, before: Option<uuid::Uuid>, limit: u32) -> Result<EntriesPage> {
        if !(1..=MOST_ENTRIES_A_PAGE).contains(&limit) {
            return Err(invalid("limit", format!("must be from 1 to {MOST_ENTRIES_A_PAGE}")));
        }
        let id = account_id.to_string();
        // One read transaction: the page and its postings from the same moment.
        let mut tx = self.pool.begin().await?;
        let council_id: String = sqlx::query("SELECT council_id FROM budget_accounts WHERE id = $1")
            .bind(&id)
            .fetch_optional(&mut *tx)
            .await?
            .ok_or_else(|| StoreError::NotFound { what: "budget account", id: id.clone() })?
            .try_get("council_id")?;
        let cursor = match before {
            None => None,
            Some(entry) => {
                let row = sqlx::query("SELECT occurred_on FROM ledger_entries WHERE id = $1 AND budget_account_id = $2")
                    .bind(entry.to_string())
                    .bind(&id)
                    .fetch_optional(&mut *tx)
                    .await?
                    .ok_or_else(|| invalid("before", "is not an entry of this account"))?;
                Some((row.try_get::<String, _>("occurred_on")?, entry.to_string()))
            }
        };
        // One more than asked, to know whether there is a next page.
        let rows = match &cursor {
            None => {
                sqlx::query("SELECT id, kind, occurred_on, description, payee_name FROM ledger_entries WHERE budget_account_id = $1 ORDER BY occurred_on DESC, id DESC LIMIT $2")
                    .bind(&id)
                    .bind(i64::from(limit) + 1)
                    .fetch_all(&mut *tx)
                    .await?
            }
            Some((on, after_id)) => {
                sqlx::query(
                    "SELECT id, kind, occurred_on, description, payee_name FROM ledger_entries WHERE budget_account_id = $1 \
                     AND (occurred_on < $2 OR (occurred_on = $2 AND id < $3)) ORDER BY occurred_on DESC, id DESC LIMIT $4",
                )
                .bind(&id)
                .bind(on)
                .bind(after_id)
                .bind(i64::from(limit) + 1)
                .fetch_all(&mut *tx)
                .await?
            }
        };
        let more = rows.len() > limit as usize;
        let ids: Vec<String> = rows.iter().take(limit as usize).map(|r| r.try_get("id")).collect::<std::result::Result<_, _>>()?;
        let mut postings: BTreeMap<String, Vec<Posting>> = BTreeMap::new();
        for (entry_id, posting) in load_postings_of(&mut tx, &council_id, &ids).await? {
            postings.entry(entry_id).or_default().push(posting);
        }
        let entries: Vec<LedgerEntryRecord> = rows.iter().take(limit as usize).map(|r| entry_record(r, &mut postings)).collect::<Result<_>>()?;
        let next_before = if more { entries.last().map(|e| e.id) } else { None };
        Ok(EntriesPage { entries, next_before })
    }

    /// How many receipts are kept for an account's entries.
    pub async fn receipt_count(&self, account_id: AccountId) -> Result<i64> {
        Ok(sqlx::query("SELECT COUNT(*) AS n FROM receipts WHERE budget_account_id = $1")
            .bind(account_id.to_string())
            .fetch_one(&self.pool)
            .await?
            .try_get("n")?)
    }

    /// The ledger's own check for a council.
    pub async fn trial_balance(&self, council_id: CouncilId) -> Result<TrialBalance> {
        let council = self.council(council_id).await?;
        let cid = council.id.to_string();
        let entries: i64 =
            sqlx::query("SELECT COUNT(*) AS n FROM ledger_entries WHERE council_id = $1").bind(&cid).fetch_one(&self.pool).await?.try_get("n")?;
        let postings_row =
            sqlx::query("SELECT COUNT(*) AS n, CAST(COALESCE(SUM(amount_pence), 0) AS BIGINT) AS total FROM ledger_postings WHERE council_id = $1")
                .bind(&cid)
                .fetch_one(&self.pool)
                .await?;
        let unbalanced: i64 = sqlx::query(
            "SELECT COUNT(*) AS n FROM (SELECT entry_id FROM ledger_postings WHERE council_id = $1 GROUP BY entry_id HAVING SUM(amount_pence) <> 0) AS u",
        )
        .bind(&cid)
        .fetch_one(&self.pool)
        .await?
        .try_get("n")?;
        let rows = sqlx::query(
            "SELECT account, stream, CAST(SUM(amount_pence) AS BIGINT) AS balance FROM ledger_postings WHERE council_id = $1 GROUP BY account, stream ORDER BY account, stream",
        )
        .bind(&cid)
        .fetch_all(&self.pool)
        .await?;
        let accounts = rows
            .into_iter()
            .map(|r| {
                Ok(TrialBalanceLine {
                    account: codec::code("ledger_postings.account", &r.try_get::<String, _>("account")?, LedgerAccount::from_code)?,
                    stream: FundingStream::new(r.try_get::<String, _>("stream")?),
                    balance: Money::from_pence(r.try_get("balance")?),
                })
            })
            .collect::<Result<_>>()?;
        Ok(TrialBalance {
            council_id: council.id,
            entries,
            postings: postings_row.try_get("n")?,
            unbalanced_entries: unbalanced,
            sum_of_postings: Money::from_pence(postings_row.try_get("total")?),
            accounts,
        })
    }

    /// The ASCOF-style uptake measures for a council on a date (default today).
    pub async fn uptake(&self, council_id: CouncilId, as_of: Option<Date>) -> Result<CouncilUptake> {
        let council = self.council(council_id).await?;
        let as_of = as_of.unwrap_or_else(today);
        let row = sqlx::query(
            "SELECT \
               (SELECT COUNT(*) FROM people WHERE council_id = $1 AND long_term_support = 1) AS long_term, \
               (SELECT COUNT(DISTINCT a.person_id) FROM budget_accounts a WHERE a.council_id = $1 AND a.start_date <= $2 AND a.end_date >= $2) AS with_budget, \
               (SELECT COUNT(DISTINCT a.person_id) FROM budget_accounts a WHERE a.council_id = $1 AND a.start_date <= $2 AND a.end_date >= $2 AND a.includes_direct_payment = 1) AS with_dp",
        )
        .bind(council.id.to_string())
        .bind(iso(as_of))
        .fetch_one(&self.pool)
        .await?;
        let counts = UptakeCounts {
            long_term_support: row.try_get("long_term")?,
            personal_budget: row.try_get("with_budget")?,
            direct_payment: row.try_get("with_dp")?,
        };
        Ok(CouncilUptake { council_id: council.id, as_of, uptake: uptake(counts) })
    }
}

/// Loads an account for a money movement ([`lock_accounts`] for one). Its row is written
/// before its balances are read, which makes concurrent movements on one account wait for
/// each other (a row lock on PostgreSQL, the write lock on SQLite), so balances cannot go stale.
pub(crate) async fn lock_account(tx: &mut Transaction<'_, Any>, account_id: AccountId) -> Result<LockedAccount> {
    let id = account_id.to_string();
    let not_found = || StoreError::NotFound { what: "budget account", id: account_id.to_string() };
    // An account never changes council, so reading it before the lock is safe.
    let council: String = sqlx::query("SELECT council_id FROM budget_accounts WHERE id = $1")
        .bind(&id)
        .fetch_optional(&mut **tx)
        .await?
        .ok_or_else(not_found)?
        .try_get("council_id")?;
    lock_accounts(tx, &council, &[id]).await?.pop().ok_or_else(not_found)
}

/// A plan line of an account, as the money rules need it, and who provides it.
fn funded_line(r: &sqlx::any::AnyRow) -> Result<(FundedLine, String)> {
    let deployment: Option<String> = r.try_get("deployment")?;
    let deployment = deployment.ok_or_else(|| StoreError::Corrupt("a line of a plan with an account has no deployment".into()))?;
    let line = FundedLine {
        id: codec::uuid("plan_lines.id", &r.try_get::<String, _>("id")?)?,
        stream: FundingStream::new(r.try_get::<String, _>("stream")?),
        deployment: codec::code("plan_lines.deployment", &deployment, DeploymentOption::from_code)?,
        annual_cost: Money::from_pence(r.try_get("annual_cost_pence")?),
        in_force: codec::in_force(r)?,
    };
    Ok((line, r.try_get("provider")?))
}

/// [`lock_account`] for many accounts of one council at once, in a few statements: for
/// payment runs. Accounts not found are left out; the order is the order of `ids`.
pub(crate) async fn lock_accounts(tx: &mut Transaction<'_, Any>, council_id: &str, ids: &[String]) -> Result<Vec<LockedAccount>> {
    use crate::bulk::{execute_in, fetch_in};
    execute_in(tx, "UPDATE budget_accounts SET lock_version = lock_version + 1 WHERE council_id = $1 AND id IN ({list})", council_id, ids).await?;
    let rows = fetch_in(tx, &format!("SELECT {ACCOUNT_COLUMNS} FROM budget_accounts WHERE council_id = $1 AND id IN ({{list}})"), council_id, ids).await?;
    let mut accounts = BTreeMap::new();
    for r in &rows {
        let row = AccountRow::from_row(r)?;
        accounts.insert(row.id.clone(), row.into_account()?);
    }
    let plan_ids: Vec<String> = accounts.values().map(|a: &BudgetAccount| a.plan_id.to_string()).collect();
    let mut lines: BTreeMap<String, (Vec<FundedLine>, Vec<String>)> = BTreeMap::new();
    let sql = "SELECT plan_id, id, stream, deployment, annual_cost_pence, provider, in_force_from, in_force_to FROM plan_lines WHERE council_id = $1 AND plan_id IN ({list}) ORDER BY plan_id, position";
    for r in fetch_in(tx, sql, council_id, &plan_ids).await? {
        let (line, provider) = funded_line(&r)?;
        let entry = lines.entry(r.try_get("plan_id")?).or_default();
        entry.0.push(line);
        entry.1.push(provider);
    }
    let mut balances: BTreeMap<String, Balances> = BTreeMap::new();
    let sql = "SELECT budget_account_id, account, stream, CAST(SUM(amount_pence) AS BIGINT) AS amount FROM ledger_postings \
               WHERE budget_account_id IN ({list}) AND council_id = $1 GROUP BY budget_account_id, account, stream";
    for r in fetch_in(tx, sql, council_id, ids).await? {
        let posting = Posting {
            account: codec::code("ledger_postings.account", &r.try_get::<String, _>("account")?, LedgerAccount::from_code)?,
            stream: FundingStream::new(r.try_get::<String, _>("stream")?),
            plan_line_id: None,
            amount: Money::from_pence(r.try_get("amount")?),
        };
        balances.entry(r.try_get("budget_account_id")?).or_default().apply(&posting);
    }
    let mut suspended = past_suspensions(tx, council_id, ids).await?;
    let mut paid: BTreeMap<String, Vec<PaidDays>> = BTreeMap::new();
    let sql = "SELECT budget_account_id, stream, payee, first_day, last_day FROM paid_days WHERE council_id = $1 AND budget_account_id IN ({list})";
    for r in fetch_in(tx, sql, council_id, ids).await? {
        paid.entry(r.try_get("budget_account_id")?).or_default().push(PaidDays {
            stream: FundingStream::new(r.try_get::<String, _>("stream")?),
            payee: r.try_get::<String, _>("payee")?.into(),
            first_day: codec::date("paid_days.first_day", &r.try_get::<String, _>("first_day")?)?,
            last_day: codec::date("paid_days.last_day", &r.try_get::<String, _>("last_day")?)?,
        });
    }
    Ok(ids
        .iter()
        .filter_map(|id| accounts.remove(id))
        .map(|account| {
            let (lines, providers) = lines.remove(&account.plan_id.to_string()).unwrap_or_default();
            let id = account.id.to_string();
            let book = AccountBook::new(
                account.start_date,
                account.end_date,
                account.suspended_from,
                balances.remove(&id).unwrap_or_default(),
                paid.remove(&id).unwrap_or_default(),
            )
            .with_past_suspensions(suspended.remove(&id).unwrap_or_default());
            LockedAccount { council_id: council_id.to_string(), account, lines, providers, book }
        })
        .collect())
}

/// Each account's past suspensions (first and last day), by account id.
pub(crate) async fn past_suspensions(tx: &mut Transaction<'_, Any>, council_id: &str, ids: &[String]) -> Result<BTreeMap<String, Vec<(Date, Date)>>> {
    let sql = "SELECT budget_account_id, first_day, last_day FROM past_suspensions WHERE council_id = $1 AND budget_account_id IN ({list})";
    let mut out: BTreeMap<String, Vec<(Date, Date)>> = BTreeMap::new();
    for r in crate::bulk::fetch_in(tx, sql, council_id, ids).await? {
        let first = codec::date("past_suspensions.first_day", &r.try_get::<String, _>("first_day")?)?;
        let last = codec::date("past_suspensions.last_day", &r.try_get::<String, _>("last_day")?)?;
        out.entry(r.try_get("budget_account_id")?).or_default().push((first, last));
    }
    Ok(out)
}

fn check_within_account(field: &str, date: Option<Date>, account: &BudgetAccount, p: &mut Problems) {
    if let Some(d) = date {
        if d < account.start_date || d > account.end_date {
            p.add(field, format!("must be within the budget period, {} to {}", iso(account.start_date), iso(account.end_date)));
        }
    }
}

fn find_line<'a>(locked: &'a LockedAccount, line_id: Option<&str>, p: &mut Problems) -> Option<&'a FundedLine> {
    let text = line_id.map(str::trim).filter(|t| !t.is_empty())?;
    let found = locked.lines.iter().find(|l| l.id.to_string() == text);
    if found.is_none() {
        p.add("plan_line_id", format!("'{text}' is not a line of this budget's plan"));
    }
    found
}

/// The stream a payment draws on: the one named, the paid line's, or the budget's only one.
fn choose_stream(locked: &LockedAccount, line: Option<&FundedLine>, requested: Option<&str>, p: &mut Problems) -> Option<FundingStream> {
    if let Some(code) = requested.map(str::trim).filter(|s| !s.is_empty()) {
        let stream = FundingStream::new(code);
        if !locked.lines.iter().any(|l| l.stream == stream) {
            p.add("stream", format!("'{code}' does not fund any line of this budget"));
            return None;
        }
        return Some(stream);
    }
    if let Some(l) = line {
        return Some(l.stream.clone());
    }
    let mut streams: Vec<&FundingStream> = locked.lines.iter().map(|l| &l.stream).collect();
    streams.sort();
    streams.dedup();
    match streams.as_slice() {
        [only] => Some((*only).clone()),
        _ => {
            p.add("stream", "is required: this budget has more than one funding stream");
            None
        }
    }
}

/// What an entry may carry besides its postings.
#[derive(Default)]
pub(crate) struct EntryDetails<'a> {
    pub(crate) payee_name: Option<&'a str>,
    pub(crate) purpose: Option<&'a str>,
    pub(crate) receipt_reference: Option<&'a str>,
    /// Makes the entry unique: a second entry with the same key is refused by the database.
    pub(crate) idempotency_key: Option<&'a str>,
}

/// A journal entry ready to write: its id, the budget account and what it carries.
pub(crate) struct NewEntry<'a> {
    pub(crate) id: String,
    pub(crate) account_id: &'a str,
    pub(crate) entry: &'a JournalEntry,
    pub(crate) details: EntryDetails<'a>,
}

pub(crate) const ENTRY_COLUMNS: [&str; 11] = [
    "id",
    "council_id",
    "budget_account_id",
    "kind",
    "occurred_on",
    "description",
    "payee_name",
    "created_at",
    "purpose",
    "receipt_reference",
    "idempotency_key",
];
pub(crate) const POSTING_COLUMNS: [&str; 9] =
    ["entry_id", "line_no", "council_id", "budget_account_id", "account", "stream", "plan_line_id", "amount_pence", "occurred_on"];
pub(crate) const PAID_DAYS_COLUMNS: [&str; 7] = ["council_id", "budget_account_id", "stream", "payee", "first_day", "last_day", "entry_id"];

/// The rows some entries write: `ledger_entries`, `ledger_postings` and `paid_days`.
#[derive(Default)]
pub(crate) struct LedgerRows {
    pub(crate) entries: Vec<Vec<Cell>>,
    pub(crate) postings: Vec<Vec<Cell>>,
    pub(crate) paid_days: Vec<Vec<Cell>>,
}

/// The rows of `ledger_entries`, `ledger_postings` and `paid_days` for some entries.
pub(crate) fn ledger_entry_rows(council_id: &str, entries: &[NewEntry<'_>], created_at: &str) -> LedgerRows {
    let text = |s: Option<&str>| Cell::OptText(s.map(str::to_string));
    let mut entry_rows = Vec::with_capacity(entries.len());
    let mut posting_rows = Vec::with_capacity(entries.len() * 2);
    let mut paid_rows = Vec::new();
    for e in entries {
        for days in e.entry.pays_for() {
            paid_rows.push(vec![
                Cell::Text(council_id.to_string()),
                Cell::Text(e.account_id.to_string()),
                Cell::Text(days.stream.code().to_string()),
                Cell::Text(days.payee.to_string()),
                Cell::Text(iso(days.first_day)),
                Cell::Text(iso(days.last_day)),
                Cell::Text(e.id.clone()),
            ]);
        }
        entry_rows.push(vec![
            Cell::Text(e.id.clone()),
            Cell::Text(council_id.to_string()),
            Cell::Text(e.account_id.to_string()),
            Cell::Text(e.entry.kind().code().to_string()),
            Cell::Text(iso(e.entry.occurred_on())),
            Cell::Text(e.entry.description().to_string()),
            text(e.details.payee_name),
            Cell::Text(created_at.to_string()),
            text(e.details.purpose),
            text(e.details.receipt_reference),
            text(e.details.idempotency_key),
        ]);
        for (line_no, posting) in e.entry.postings().iter().enumerate() {
            posting_rows.push(vec![
                Cell::Text(e.id.clone()),
                Cell::Int(line_no as i64),
                Cell::Text(council_id.to_string()),
                Cell::Text(e.account_id.to_string()),
                Cell::Text(posting.account.code().to_string()),
                Cell::Text(posting.stream.code().to_string()),
                Cell::OptText(posting.plan_line_id.map(|u| u.to_string())),
                Cell::Int(posting.amount.pence()),
                Cell::Text(iso(e.entry.occurred_on())),
            ]);
        }
    }
    LedgerRows { entries: entry_rows, postings: posting_rows, paid_days: paid_rows }
}

/// The store's half of the money gate, and its one way to move money: every entry is
/// admitted by its account's book (the balances and paid days read under the account's
/// lock, so a stale or buggy caller cannot overdraw or pay a day twice), then written
/// with its postings and paid days in a few multi-row statements. A refusal returns
/// before anything is written.
pub(crate) async fn post(tx: &mut Transaction<'_, Any>, council_id: &str, books: &mut BTreeMap<String, AccountBook>, entries: &[NewEntry<'_>]) -> Result<()> {
    for e in entries {
        let book =
            books.get_mut(e.account_id).ok_or_else(|| StoreError::Corrupt(format!("money posted to budget account {} without locking it", e.account_id)))?;
        book.admit(e.entry).map_err(|refusal| StoreError::Conflict(format!("the money gate refused this: {refusal}")))?;
    }
    let rows = ledger_entry_rows(council_id, entries, &now());
    insert_rows(tx, "ledger_entries", &ENTRY_COLUMNS, &rows.entries).await?;
    insert_rows(tx, "ledger_postings", &POSTING_COLUMNS, &rows.postings).await?;
    insert_rows(tx, "paid_days", &PAID_DAYS_COLUMNS, &rows.paid_days).await?;
    let spending: Vec<String> = entries.iter().filter(|e| e.entry.postings().iter().any(|p| p.account == LedgerAccount::Spent)).map(|e| e.id.clone()).collect();
    crate::learning::rollup::add_spending(tx, council_id, &spending).await?;
    Ok(())
}

/// [`post`] for one entry; returns the entry's id.
pub(crate) async fn post_one(
    tx: &mut Transaction<'_, Any>,
    council_id: &str,
    books: &mut BTreeMap<String, AccountBook>,
    account_id: &str,
    entry: &JournalEntry,
    details: EntryDetails<'_>,
) -> Result<String> {
    let id = new_id();
    post(tx, council_id, books, &[NewEntry { id: id.clone(), account_id, entry, details }]).await?;
    Ok(id)
}

/// Opens the budget account for the approved plan `loaded` inside `tx` (see
/// [`Store::open_account`]); a transfer opens the receiving council's this way.
pub(crate) async fn open_account_in(
    tx: &mut Transaction<'_, Any>,
    loaded: &LoadedPlan,
    input: &OpenAccountInput,
    streams: &FundingStreams,
) -> Result<AccountId> {
    let plan = &loaded.plan;
    if plan.status != PlanStatus::Approved {
        return Err(StoreError::Conflict(format!("the plan is {}; only an approved plan can have a budget account", plan.status.label().to_lowercase())));
    }
    let mut p = Problems::new();
    let whole = input.deployment.as_deref().and_then(|d| DeploymentOption::parse(&mut p, "deployment", d));
    let mut per_line = BTreeMap::new();
    for (line_id, option) in &input.line_deployments {
        let field = format!("line_deployments.{line_id}");
        match plan.lines.iter().find(|l| l.id.to_string() == *line_id) {
            None => p.add(&field, "is not a line of this plan"),
            Some(l) => {
                if let Some(o) = DeploymentOption::parse(&mut p, &field, option) {
                    per_line.insert(l.id, o);
                }
            }
        }
    }
    let mut chosen = Vec::with_capacity(plan.lines.len());
    for (i, line) in plan.lines.iter().enumerate() {
        match per_line.get(&line.id).copied().or(whole) {
            Some(o) => chosen.push(o),
            None if input.deployment.is_none() => {
                p.add(format!("line_deployments.{}", line.id), format!("choose how the money for line {} ({}) is held", i + 1, line.line.description))
            }
            None => {}
        }
    }
    for (line, option) in plan.lines.iter().zip(&chosen) {
        let field = if per_line.contains_key(&line.id) { format!("line_deployments.{}", line.id) } else { "deployment".to_string() };
        streams.check_deployment(&mut p, &field, &line.line.stream, *option);
    }
    let start = match input.start_date.as_deref() {
        Some(s) => p.date("start_date", s),
        None => Some(plan.start_date),
    };
    if let Some(s) = start {
        if s < plan.start_date || s > plan.end_date {
            p.add("start_date", format!("must be within the plan period, {} to {}", iso(plan.start_date), iso(plan.end_date)));
        }
    }
    if !p.is_empty() {
        return Err(p.into());
    }
    let start = start.expect("checked");
    let exists = sqlx::query("SELECT id FROM budget_accounts WHERE plan_id = $1").bind(plan.id.to_string()).fetch_optional(&mut **tx).await?;
    if exists.is_some() {
        return Err(StoreError::Conflict("this plan already has a budget account".into()));
    }
    check_one_live_budget(tx, &loaded.council_id, &plan.person_id.to_string(), &plan.id.to_string(), (start, plan.end_date)).await?;
    let deployment = overall(chosen.iter().copied()).ok_or_else(|| invalid("deployment", "the plan has no lines to hold money for"))?;
    let includes_direct_payment = chosen.contains(&DeploymentOption::DirectPayment);
    let account_id: AccountId = fresh_id();
    let next_review = first_review_due(start, includes_direct_payment);
    let final_budget = plan.final_budget.unwrap_or(plan.total);
    sqlx::query(
            "INSERT INTO budget_accounts (id, council_id, person_id, plan_id, deployment, includes_direct_payment, final_budget_pence, start_date, end_date, next_review_due, lock_version, created_at) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, 1, $11)",
        )
        .bind(account_id.to_string())
        .bind(&loaded.council_id)
        .bind(plan.person_id.to_string())
        .bind(plan.id.to_string())
        .bind(deployment.code())
        .bind(i64::from(includes_direct_payment))
        .bind(final_budget.pence())
        .bind(iso(start))
        .bind(iso(plan.end_date))
        .bind(iso(next_review))
        .bind(now())
        .execute(&mut **tx)
        .await?;
    let mut funded = Vec::with_capacity(plan.lines.len());
    for (line, option) in plan.lines.iter().zip(&chosen) {
        sqlx::query("UPDATE plan_lines SET deployment = $1 WHERE id = $2").bind(option.code()).bind(line.id.to_string()).execute(&mut **tx).await?;
        funded.push(FundedLine {
            id: line.id,
            stream: line.line.stream.clone(),
            deployment: *option,
            annual_cost: line.annual_cost,
            in_force: InForce::WHOLE_PLAN,
        });
    }
    // The services the council commissioned until now end the day before the budget.
    crate::person::commissioned::replace_with_budget(tx, &loaded.council_id, &plan.person_id.to_string(), account_id, start).await?;
    // A person with a personal budget receives long-term support by definition.
    sqlx::query("UPDATE people SET long_term_support = 1 WHERE id = $1").bind(plan.person_id.to_string()).execute(&mut **tx).await?;
    if !final_budget.is_zero() {
        let entry = ledger::allocate_budget(&funded, start).map_err(|e| invalid("plan", e.to_string()))?;
        let mut books = BTreeMap::from([(account_id.to_string(), AccountBook::new(start, plan.end_date, None, Balances::default(), Vec::new()))]);
        post_one(tx, &loaded.council_id, &mut books, &account_id.to_string(), &entry, EntryDetails::default()).await?;
    }
    Ok(account_id)
}

/// One live budget per person: refuses a plan or account for `start`..=`end` whose days
/// overlap another of the person's budget accounts or approved plans (not `plan_id`), with
/// what to do instead. The database refuses a second live account too.
pub(crate) async fn check_one_live_budget(
    tx: &mut Transaction<'_, Any>,
    council_id: &str,
    person_id: &str,
    plan_id: &str,
    (start, end): (Date, Date),
) -> Result<()> {
    let rows = sqlx::query(
        "SELECT start_date, end_date FROM budget_accounts WHERE council_id = $1 AND person_id = $2 AND start_date <= $3 AND end_date >= $4 \
         UNION ALL SELECT start_date, end_date FROM plans WHERE council_id = $1 AND person_id = $2 AND status = 'approved' AND id <> $5 AND start_date <= $3 AND end_date >= $4 \
         AND NOT EXISTS (SELECT 1 FROM budget_accounts b WHERE b.plan_id = plans.id AND b.council_id = plans.council_id)",
    )
    .bind(council_id)
    .bind(person_id)
    .bind(iso(end))
    .bind(iso(start))
    .bind(plan_id)
    .fetch_all(&mut **tx)
    .await?;
    let live = rows
        .iter()
        .map(|r| Ok((codec::date("start_date", &r.try_get::<String, _>("start_date")?)?, codec::date("end_date", &r.try_get::<String, _>("end_date")?)?)))
        .collect::<Result<Vec<_>>>()?;
    check_one_live_budget_rule(&live, start, end).map_err(StoreError::Conflict)
}

async fn load_postings<'e, E: sqlx::Executor<'e, Database = Any>>(executor: E, account_id: &str) -> Result<Vec<(String, Posting)>> {
    let rows = sqlx::query(
        "SELECT entry_id, account, stream, plan_line_id, amount_pence FROM ledger_postings WHERE budget_account_id = $1 ORDER BY entry_id, line_no",
    )
    .bind(account_id)
    .fetch_all(executor)
    .await?;
    rows.iter().map(posting_row).collect()
}

/// The postings of the entries `entry_ids` of one council, each with its entry's id.
async fn load_postings_of(tx: &mut Transaction<'_, Any>, council_id: &str, entry_ids: &[String]) -> Result<Vec<(String, Posting)>> {
    let sql = "SELECT entry_id, account, stream, plan_line_id, amount_pence FROM ledger_postings WHERE council_id = $1 AND entry_id IN ({list}) ORDER BY entry_id, line_no";
    crate::bulk::fetch_in(tx, sql, council_id, entry_ids).await?.iter().map(posting_row).collect()
}

fn posting_row(r: &sqlx::any::AnyRow) -> Result<(String, Posting)> {
    let line: Option<String> = r.try_get("plan_line_id")?;
    Ok((
        r.try_get("entry_id")?,
        Posting {
            account: codec::code("ledger_postings.account", &r.try_get::<String, _>("account")?, LedgerAccount::from_code)?,
            stream: FundingStream::new(r.try_get::<String, _>("stream")?),
            plan_line_id: line.as_deref().map(|l| codec::uuid("ledger_postings.plan_line_id", l)).transpose()?,
            amount: Money::from_pence(r.try_get("amount_pence")?),
        },
    ))
}

async fn load_entries(pool: &sqlx::AnyPool, account_id: &str) -> Result<Vec<LedgerEntryRecord>> {
    let rows = sqlx::query("SELECT id, kind, occurred_on, description, payee_name FROM ledger_entries WHERE budget_account_id = $1 ORDER BY occurred_on, id")
        .bind(account_id)
        .fetch_all(pool)
        .await?;
    let mut postings: BTreeMap<String, Vec<Posting>> = BTreeMap::new();
    for (entry_id, posting) in load_postings(pool, account_id).await? {
        postings.entry(entry_id).or_default().push(posting);
    }
    rows.iter().map(|r| entry_record(r, &mut postings)).collect()
}

/// An entry's row with its postings (taken from `postings`, by entry id).
fn entry_record(r: &sqlx::any::AnyRow, postings: &mut BTreeMap<String, Vec<Posting>>) -> Result<LedgerEntryRecord> {
    let id: String = r.try_get("id")?;
    Ok(LedgerEntryRecord {
        id: codec::uuid("ledger_entries.id", &id)?,
        kind: codec::code("ledger_entries.kind", &r.try_get::<String, _>("kind")?, EntryKind::from_code)?,
        occurred_on: codec::date("ledger_entries.occurred_on", &r.try_get::<String, _>("occurred_on")?)?,
        description: r.try_get("description")?,
        payee_name: r.try_get("payee_name")?,
        postings: postings.remove(&id).unwrap_or_default(),
    })
}
