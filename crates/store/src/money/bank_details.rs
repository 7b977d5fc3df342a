//! Step 5: where a direct payment is paid, and the control on changing it. Every version
//! is kept with who entered it; a change is paid only once a second person, a finance
//! officer who did not enter it, has confirmed it (the database refuses a confirmation by
//! the same user). Until then the run pays the details confirmed before, and the budget
//! holder sees the pending change on their page.

use crate::codec;
use crate::{new_id, now, Result, Store, StoreError, User};
use selfdirect_domain::ids::{AccountId, BankChangeId, CouncilId, PersonId, UserId};
use selfdirect_domain::money::payment_files::{check_bank_details, check_second_person};
use selfdirect_domain::Problems;
use serde::{Deserialize, Serialize};
use sqlx::{Any, Row, Transaction};

/// Bank details as typed.
#[derive(Debug, Clone, Default, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct BankDetailsInput {
    pub account_name: String,
    /// Six digits, e.g. `40-12-34`.
    pub sort_code: String,
    /// Eight digits.
    pub account_number: String,
    /// The BACS service user number; for the council's own account only.
    #[serde(default)]
    pub service_user_number: Option<String>,
}

/// One version of an account's bank details.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct BankDetailChange {
    pub id: String,
    pub budget_account_id: AccountId,
    pub account_name: String,
    /// As printed on a cheque book: `40-12-34`.
    pub sort_code: String,
    /// The last four digits only: enough to recognise, not enough to misuse.
    pub account_number_ending: String,
    pub entered_by: String,
    pub entered_at: String,
    /// The day it was entered, in words (for pages and letters).
    pub entered_on: String,
    pub confirmed_by: Option<String>,
    pub confirmed_at: Option<String>,
    /// `pending` (not paid until confirmed) or `confirmed`.
    pub status: String,
}

/// A change waiting for a second person, with whose budget it is.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct PendingBankChange {
    pub person_id: PersonId,
    pub person_name: String,
    pub entered_by_user_id: Option<UserId>,
    pub change: BankDetailChange,
}

const CHANGE_COLUMNS: &str = "c.id, c.budget_account_id, c.account_name, c.sort_code, c.account_number, c.entered_by_user_id, c.entered_by, c.entered_at, \
     c.confirmed_by, c.confirmed_at";

fn change(r: &sqlx::any::AnyRow) -> Result<BankDetailChange> {
    let number: String = r.try_get("account_number")?;
    let sort: String = r.try_get("sort_code")?;
    let confirmed_at: Option<String> = r.try_get("confirmed_at")?;
    let entered_at: String = r.try_get("entered_at")?;
    let entered_on = entered_at
        .get(..10)
        .and_then(|d| selfdirect_domain::dates::parse_iso_date(d).ok())
        .map(selfdirect_domain::dates::long)
        .unwrap_or_else(|| entered_at.clone());
    Ok(BankDetailChange {
        id: r.try_get("id")?,
        budget_account_id: codec::uuid("bank_detail_changes.budget_account_id", &r.try_get::<String, _>("budget_account_id")?)?,
        account_name: r.try_get("account_name")?,
        sort_code: match sort.len() {
            6 => format!("{}-{}-{}", &sort[..2], &sort[2..4], &sort[4..]),
            _ => sort,
        },
        account_number_ending: number.chars().skip(number.chars().count().saturating_sub(4)).collect(),
        entered_by: r.try_get("entered_by")?,
        entered_at,
        entered_on,
        confirmed_by: r.try_get("confirmed_by")?,
        status: if confirmed_at.is_some() { "confirmed" } else { "pending" }.into(),
        confirmed_at,
    })
}

/// The checked name, sort code and account number.
fn read_details(input: &BankDetailsInput) -> Result<(String, String, String)> {
    let mut p = Problems::new();
    let name = p.text("account_name", &input.account_name, 70);
    let details = check_bank_details(&mut p, &input.sort_code, &input.account_number);
    p.into_result(())?;
    let (sort, number) = details.expect("checked");
    Ok((name.expect("checked"), sort, number))
}

/// Makes a confirmed version the one payment runs use.
async fn make_current(tx: &mut Transaction<'_, Any>, council_id: &str, account_id: &str, (name, sort, number): (&str, &str, &str)) -> Result<()> {
    sqlx::query("DELETE FROM bank_details WHERE budget_account_id = $1 AND council_id = $2").bind(account_id).bind(council_id).execute(&mut **tx).await?;
    sqlx::query(
        "INSERT INTO bank_details (budget_account_id, council_id, account_name, sort_code, account_number, updated_at) VALUES ($1, $2, $3, $4, $5, $6)",
    )
    .bind(account_id)
    .bind(council_id)
    .bind(name)
    .bind(sort)
    .bind(number)
    .bind(now())
    .execute(&mut **tx)
    .await?;
    Ok(())
}

impl Store {
    /// Records bank details as confirmed at once, with a version saying so: for set-up and
    /// data loads (the demo, tests, records moved from another system). The service's
    /// routes never call it: they use [`Store::propose_bank_details`] and a second
    /// person's [`Store::confirm_bank_details`].
    pub async fn set_bank_details(&self, account_id: AccountId, input: &BankDetailsInput) -> Result<()> {
        let account = self.account(account_id).await?;
        let person = self.person(account.person_id).await?;
        let (name, sort, number) = read_details(input)?;
        let (cid, aid, at) = (person.council_id.to_string(), account.id.to_string(), now());
        let mut tx = self.pool.begin().await?;
        sqlx::query(
            "INSERT INTO bank_detail_changes (id, council_id, budget_account_id, account_name, sort_code, account_number, entered_by, entered_at, confirmed_by, confirmed_at) \
             VALUES ($1, $2, $3, $4, $5, $6, 'set-up', $7, 'set-up', $7)",
        )
        .bind(new_id())
        .bind(&cid)
        .bind(&aid)
        .bind(&name)
        .bind(&sort)
        .bind(&number)
        .bind(&at)
        .execute(&mut *tx)
        .await?;
        make_current(&mut tx, &cid, &aid, (&name, &sort, &number)).await?;
        tx.commit().await?;
        Ok(())
    }

    /// Enters new bank details for a direct payment, to be paid once a second person has
    /// confirmed them. One change waits at a time.
    pub async fn propose_bank_details(&self, account_id: AccountId, input: &BankDetailsInput, by: &User) -> Result<BankDetailChange> {
        let account = self.account_of(account_id, by).await?;
        let (name, sort, number) = read_details(input)?;
        let (cid, aid) = (by.council_id.to_string(), account.id.to_string());
        let mut tx = self.pool.begin().await?;
        // Taking the account's row makes two proposals for one account queue.
        sqlx::query("UPDATE budget_accounts SET lock_version = lock_version + 1 WHERE id = $1 AND council_id = $2")
            .bind(&aid)
            .bind(&cid)
            .execute(&mut *tx)
            .await?;
        let waiting = sqlx::query("SELECT entered_by FROM bank_detail_changes WHERE budget_account_id = $1 AND council_id = $2 AND confirmed_at IS NULL")
            .bind(&aid)
            .bind(&cid)
            .fetch_optional(&mut *tx)
            .await?;
        if let Some(w) = waiting {
            return Err(StoreError::Conflict(format!(
                "a change entered by {} is waiting for a finance officer to confirm it; it must be confirmed before another is entered",
                w.try_get::<String, _>("entered_by")?
            )));
        }
        let id = new_id();
        sqlx::query(
            "INSERT INTO bank_detail_changes (id, council_id, budget_account_id, account_name, sort_code, account_number, entered_by_user_id, entered_by, entered_at) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)",
        )
        .bind(&id)
        .bind(&cid)
        .bind(&aid)
        .bind(&name)
        .bind(&sort)
        .bind(&number)
        .bind(by.id.to_string())
        .bind(&by.display_name)
        .bind(now())
        .execute(&mut *tx)
        .await?;
        tx.commit().await?;
        self.bank_detail_change(&aid, &id).await
    }

    /// A second person confirms a pending change: from now on payments go to it.
    pub async fn confirm_bank_details(&self, account_id: AccountId, change_id: BankChangeId, by: &User) -> Result<BankDetailChange> {
        let account = self.account_of(account_id, by).await?;
        let (cid, aid) = (by.council_id.to_string(), account.id.to_string());
        let mut tx = self.pool.begin().await?;
        let row = sqlx::query(
            "SELECT entered_by_user_id, account_name, sort_code, account_number, confirmed_at FROM bank_detail_changes WHERE id = $1 AND budget_account_id = $2 AND council_id = $3",
        )
        .bind(change_id.to_string())
        .bind(&aid)
        .bind(&cid)
        .fetch_optional(&mut *tx)
        .await?
        .ok_or_else(|| StoreError::NotFound { what: "bank details change", id: change_id.to_string() })?;
        if row.try_get::<Option<String>, _>("confirmed_at")?.is_some() {
            return Err(StoreError::Conflict("this change is already confirmed".into()));
        }
        if let Some(entered_by) = row.try_get::<Option<String>, _>("entered_by_user_id")? {
            check_second_person(codec::uuid("bank_detail_changes.entered_by_user_id", &entered_by)?, by.id.into()).map_err(StoreError::Conflict)?;
        }
        sqlx::query("UPDATE bank_detail_changes SET confirmed_by_user_id = $1, confirmed_by = $2, confirmed_at = $3 WHERE id = $4 AND council_id = $5")
            .bind(by.id.to_string())
            .bind(&by.display_name)
            .bind(now())
            .bind(change_id.to_string())
            .bind(&cid)
            .execute(&mut *tx)
            .await?;
        let details: (String, String, String) = (row.try_get("account_name")?, row.try_get("sort_code")?, row.try_get("account_number")?);
        make_current(&mut tx, &cid, &aid, (&details.0, &details.1, &details.2)).await?;
        tx.commit().await?;
        self.bank_detail_change(&aid, &change_id.to_string()).await
    }

    /// The account, if it is in `by`'s council: as if it did not exist otherwise.
    async fn account_of(&self, account_id: AccountId, by: &User) -> Result<crate::BudgetAccount> {
        let account = self.account(account_id).await?;
        if self.person(account.person_id).await?.council_id != by.council_id {
            return Err(StoreError::NotFound { what: "budget account", id: account_id.to_string() });
        }
        Ok(account)
    }

    async fn bank_detail_change(&self, account_id: &str, change_id: &str) -> Result<BankDetailChange> {
        let row = sqlx::query(&format!("SELECT {CHANGE_COLUMNS} FROM bank_detail_changes c WHERE c.id = $1 AND c.budget_account_id = $2"))
            .bind(change_id)
            .bind(account_id)
            .fetch_optional(&self.pool)
            .await?
            .ok_or_else(|| StoreError::NotFound { what: "bank details change", id: change_id.to_string() })?;
        change(&row)
    }

    /// Every version of an account's bank details, newest first.
    pub async fn bank_detail_changes(&self, account_id: AccountId) -> Result<Vec<BankDetailChange>> {
        let id = account_id.to_string();
        let rows =
            sqlx::query(&format!("SELECT {CHANGE_COLUMNS} FROM bank_detail_changes c WHERE c.budget_account_id = $1 ORDER BY c.entered_at DESC, c.id DESC"))
                .bind(&id)
                .fetch_all(&self.pool)
                .await?;
        rows.iter().map(change).collect()
    }

    /// A council's changes waiting for a second person, oldest first.
    pub async fn pending_bank_detail_changes(&self, council_id: CouncilId) -> Result<Vec<PendingBankChange>> {
        let council = self.council(council_id).await?;
        let rows = sqlx::query(&format!(
            "SELECT {CHANGE_COLUMNS}, a.person_id, p.given_name, p.family_name FROM bank_detail_changes c \
             JOIN budget_accounts a ON a.id = c.budget_account_id AND a.council_id = c.council_id \
             JOIN people p ON p.id = a.person_id AND p.council_id = a.council_id \
             WHERE c.council_id = $1 AND c.confirmed_at IS NULL ORDER BY c.entered_at, c.id"
        ))
        .bind(council.id.to_string())
        .fetch_all(&self.pool)
        .await?;
        rows.iter()
            .map(|r| {
                let entered_by: Option<String> = r.try_get("entered_by_user_id")?;
                Ok(PendingBankChange {
                    person_id: codec::uuid("budget_accounts.person_id", &r.try_get::<String, _>("person_id")?)?,
                    person_name: format!("{} {}", r.try_get::<String, _>("given_name")?, r.try_get::<String, _>("family_name")?),
                    entered_by_user_id: entered_by.as_deref().map(|u| codec::uuid("bank_detail_changes.entered_by_user_id", u)).transpose()?,
                    change: change(r)?,
                })
            })
            .collect()
    }
}
