//! Ending support, and recovering unspent direct-payment money after the notice.

use crate::codec;
use crate::money::accounts::{lock_account, post_one, EntryDetails, LockedAccount};
use crate::records::{EndingReport, RecoveryNotice};
use crate::{new_id, today, Result, Store, StoreError};
use selfdirect_domain::dates::{iso, long};
use selfdirect_domain::ids::{AccountId, CouncilId, PersonId};
use selfdirect_domain::money::audit::recovery;
use selfdirect_domain::money::ledger::LedgerAccount;
use selfdirect_domain::plan::FundingStream;
use selfdirect_domain::review::ending::{may_recover, plan_ending, EndingAccount, EndingReason, OverpaidDays};
use selfdirect_domain::{Money, Problems};
use serde::Deserialize;
use sqlx::{Any, Row, Transaction};
use time::Date;
use uuid::Uuid;

/// An ending, as typed.
#[derive(Debug, Clone, Default, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct EndingInput {
    /// The last day of support, `YYYY-MM-DD`.
    pub ended_on: String,
    /// `died`, `care_home`, `moved_away`, `not_eligible` or `chose_to_stop`.
    pub reason: String,
    /// Needed when days after the ending are already paid for: `recover` or `write_off`.
    #[serde(default)]
    pub overpaid_days: Option<String>,
}

/// Recovering the money of a notice, as typed.
#[derive(Debug, Clone, Default, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct NoticeRecoveryInput {
    /// `YYYY-MM-DD`; after the reply date, unless the person has agreed.
    pub recovered_on: String,
    /// The person (or their representative) has agreed to the recovery before the reply date.
    #[serde(default)]
    pub agreed: bool,
}

/// A notice waiting for its money to be recovered, and whose it is.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WaitingNotice {
    pub person_id: PersonId,
    pub person_name: String,
    pub notice: RecoveryNotice,
}

const NOTICE_COLUMNS: &str = "id, budget_account_id, stream, amount_pence, noticed_on, reply_by, recovered_on, agreed_early";

fn notice_from_row(r: &sqlx::any::AnyRow) -> Result<RecoveryNotice> {
    let recovered_on: Option<String> = r.try_get("recovered_on")?;
    Ok(RecoveryNotice {
        id: codec::uuid("recovery_notices.id", &r.try_get::<String, _>("id")?)?,
        budget_account_id: codec::uuid("recovery_notices.budget_account_id", &r.try_get::<String, _>("budget_account_id")?)?,
        stream: FundingStream::new(r.try_get::<String, _>("stream")?),
        amount: Money::from_pence(r.try_get("amount_pence")?),
        noticed_on: codec::date("recovery_notices.noticed_on", &r.try_get::<String, _>("noticed_on")?)?,
        reply_by: codec::date("recovery_notices.reply_by", &r.try_get::<String, _>("reply_by")?)?,
        recovered_on: recovered_on.as_deref().map(|d| codec::date("recovery_notices.recovered_on", d)).transpose()?,
        agreed_early: r.try_get::<i64, _>("agreed_early")? != 0,
    })
}

/// Writes an ending of the locked account inside `tx`: its live days end on `ended_on`,
/// and unspent direct-payment money gets its notice. The caller has checked the input.
pub(crate) async fn write_ending(
    tx: &mut Transaction<'_, Any>,
    locked: &LockedAccount,
    ended_on: Date,
    reason: EndingReason,
    overpaid: Option<OverpaidDays>,
    decided_by: &str,
) -> Result<()> {
    let account_id = locked.account.id;
    let balances = locked.book.balances();
    let held = balances.holding(LedgerAccount::HeldByBudgetHolder);
    let account = EndingAccount {
        start: locked.account.start_date,
        end: locked.account.end_date,
        lines: &locked.lines,
        paid: locked.book.paid(),
        held_by_budget_holder: held,
    };
    let ending = plan_ending(&account, ended_on, reason, overpaid, today())?;
    sqlx::query(
        "UPDATE budget_accounts SET planned_end_date = end_date, end_date = $1, ended_on = $1, end_reason = $2, ended_by = $3, overpaid_days = $4 \
             WHERE id = $5 AND council_id = $6",
    )
    .bind(iso(ending.ended_on))
    .bind(ending.reason.code())
    .bind(decided_by)
    .bind(ending.overpaid.map(OverpaidDays::code))
    .bind(account_id.to_string())
    .bind(&locked.council_id)
    .execute(&mut **tx)
    .await?;
    for r in &ending.to_recover {
        sqlx::query(
            "INSERT INTO recovery_notices (id, council_id, budget_account_id, stream, amount_pence, noticed_on, reply_by) VALUES ($1, $2, $3, $4, $5, $6, $7)",
        )
        .bind(new_id())
        .bind(&locked.council_id)
        .bind(account_id.to_string())
        .bind(r.stream.code())
        .bind(r.amount.pence())
        .bind(iso(today()))
        .bind(iso(ending.reply_by))
        .execute(&mut **tx)
        .await?;
    }
    Ok(())
}

/// A code that may be left out; a problem when given and unknown.
fn optional_code<T>(p: &mut Problems, field: &str, text: Option<&str>, parse: fn(&mut Problems, &str, &str) -> Option<T>) -> Option<T> {
    text.map(str::trim).filter(|t| !t.is_empty()).and_then(|code| parse(p, field, code))
}

impl Store {
    /// Ends support on a day, for a reason: the account's live days end then (a later run
    /// pays the final period pro rata), unspent direct-payment money gets a notice with
    /// 28 days to reply, and the closing statement per funding stream is returned. Days
    /// already paid after the ending must be said to be recovered or written off.
    pub async fn end_support(&self, account_id: AccountId, input: &EndingInput, decided_by: &str) -> Result<EndingReport> {
        let mut p = Problems::new();
        let ended_on = p.date("ended_on", &input.ended_on);
        let reason = match input.reason.trim() {
            "" => {
                p.add("reason", "is required");
                None
            }
            code => EndingReason::parse(&mut p, "reason", code),
        };
        let overpaid = optional_code(&mut p, "overpaid_days", input.overpaid_days.as_deref(), OverpaidDays::parse);
        let mut tx = self.pool.begin().await?;
        let locked = lock_account(&mut tx, account_id).await?;
        if let Some(ended) = &locked.account.ended {
            return Err(StoreError::Conflict(format!("Support already ended on {} ({}).", long(ended.ended_on), ended.reason.label().to_lowercase())));
        }
        p.into_result(())?;
        write_ending(&mut tx, &locked, ended_on.expect("checked"), reason.expect("checked"), overpaid, decided_by).await?;
        tx.commit().await?;
        let view = self.account_view(account_id).await?;
        Ok(EndingReport { account: view.account, notices: self.recovery_notices(account_id).await?, closing_statement: view.statements })
    }

    /// A council's notices whose money is not yet recovered, soonest reply date first,
    /// with the person each is for: the finance page's list.
    pub async fn waiting_recovery_notices(&self, council_id: CouncilId) -> Result<Vec<WaitingNotice>> {
        let columns = NOTICE_COLUMNS.split(", ").map(|c| format!("n.{c}")).collect::<Vec<_>>().join(", ");
        let rows = sqlx::query(&format!(
            "SELECT {columns}, p.id AS person_id, p.given_name, p.family_name FROM recovery_notices n \
             JOIN budget_accounts a ON a.id = n.budget_account_id AND a.council_id = n.council_id \
             JOIN people p ON p.id = a.person_id AND p.council_id = a.council_id \
             WHERE n.council_id = $1 AND n.recovered_on IS NULL ORDER BY n.reply_by, n.id LIMIT 500"
        ))
        .bind(council_id.to_string())
        .fetch_all(&self.pool)
        .await?;
        rows.iter()
            .map(|r| {
                Ok(WaitingNotice {
                    person_id: codec::uuid("people.id", &r.try_get::<String, _>("person_id")?)?,
                    person_name: format!("{} {}", r.try_get::<String, _>("given_name")?, r.try_get::<String, _>("family_name")?),
                    notice: notice_from_row(r)?,
                })
            })
            .collect()
    }

    /// The notices of recovery sent for an account, oldest first.
    pub async fn recovery_notices(&self, account_id: AccountId) -> Result<Vec<RecoveryNotice>> {
        let rows = sqlx::query(&format!("SELECT {NOTICE_COLUMNS} FROM recovery_notices WHERE budget_account_id = $1 ORDER BY noticed_on, id"))
            .bind(account_id.to_string())
            .fetch_all(&self.pool)
            .await?;
        rows.iter().map(notice_from_row).collect()
    }

    /// Recovers a notice's money through the money gate: after the reply date, or sooner
    /// when the person agrees; never more than is still held, never twice.
    pub async fn recover_after_notice(&self, account_id: AccountId, notice_id: Uuid, input: &NoticeRecoveryInput, by: &str) -> Result<RecoveryNotice> {
        let mut p = Problems::new();
        let on = p.date("recovered_on", &input.recovered_on);
        let mut tx = self.pool.begin().await?;
        let locked = lock_account(&mut tx, account_id).await?;
        let row = sqlx::query(&format!("SELECT {NOTICE_COLUMNS} FROM recovery_notices WHERE id = $1 AND budget_account_id = $2 AND council_id = $3"))
            .bind(notice_id.to_string())
            .bind(account_id.to_string())
            .bind(&locked.council_id)
            .fetch_optional(&mut *tx)
            .await?
            .ok_or_else(|| StoreError::NotFound { what: "recovery notice", id: notice_id.to_string() })?;
        let notice = notice_from_row(&row)?;
        if let Some(done) = notice.recovered_on {
            return Err(StoreError::Conflict(format!("This notice's money was recovered on {}.", long(done))));
        }
        p.into_result(())?;
        let on = on.expect("checked");
        may_recover(notice.reply_by, on, input.agreed)?;
        let held = locked.book.balances().get(LedgerAccount::HeldByBudgetHolder, &notice.stream);
        let amount = notice.amount.min(held);
        if !amount.is_positive() {
            return Err(StoreError::Conflict("Nothing of this notice is still held in the direct-payment account.".into()));
        }
        let entry = recovery(held, &notice.stream, amount, on, "Unspent direct payment recovered after support ended")?;
        let entry_id = post_one(&mut tx, &locked.council_id, &mut locked.books(), &account_id.to_string(), &entry, EntryDetails::default()).await?;
        sqlx::query("UPDATE recovery_notices SET recovered_on = $1, recovered_by = $2, agreed_early = $3, entry_id = $4 WHERE id = $5 AND council_id = $6")
            .bind(iso(on))
            .bind(by)
            .bind(i64::from(input.agreed && on <= notice.reply_by))
            .bind(&entry_id)
            .bind(notice_id.to_string())
            .bind(&locked.council_id)
            .execute(&mut *tx)
            .await?;
        tx.commit().await?;
        Ok(RecoveryNotice { recovered_on: Some(on), agreed_early: input.agreed && on <= notice.reply_by, ..notice })
    }
}
