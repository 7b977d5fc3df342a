//! Step 5: the direct-payment audit across a council, and recovery of surplus money.

use crate::codec;
use crate::money::accounts::{lock_account, post_one, EntryDetails};
use crate::{AccountView, Result, Store, StoreError};
use selfdirect_domain::ids::{AccountId, CouncilId, PersonId};
use selfdirect_domain::money::audit::{audit, recovery, AuditAccount, AuditFlag, AuditLine, AuditRules};
use selfdirect_domain::money::ledger::LedgerAccount;
use selfdirect_domain::plan::FundingStream;
use selfdirect_domain::{Money, Problems};
use serde::{Deserialize, Serialize};
use sqlx::Row;
use std::collections::BTreeMap;
use uuid::Uuid;

/// One direct-payment account that needs a look, and why.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct AuditFinding {
    pub budget_account_id: AccountId,
    pub person_id: PersonId,
    pub person_name: String,
    pub flags: Vec<AuditFlag>,
}

/// A recovery of unspent direct payment, as typed.
#[derive(Debug, Clone, Default, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct RecoveryInput {
    /// Funding stream code; needed only when the budget has several streams.
    #[serde(default)]
    pub stream: Option<String>,
    /// Pounds.
    pub amount: String,
    /// `YYYY-MM-DD`
    pub recovered_on: String,
    /// Why, in words the person will read on their statement.
    pub reason: String,
}

impl Store {
    /// Checks every direct-payment account active on `as_of`.
    pub async fn direct_payment_audit(&self, council_id: CouncilId, as_of: &str, rules: AuditRules) -> Result<Vec<AuditFinding>> {
        let council = self.council(council_id).await?;
        let cid = council.id.to_string();
        let mut p = Problems::new();
        let on = p.date("as_of", as_of);
        p.into_result(())?;
        let as_of = on.expect("checked");
        let on = selfdirect_domain::dates::iso(as_of);
        let active = "a.council_id = $1 AND a.includes_direct_payment = 1 AND a.start_date <= $2 AND a.end_date >= $2";
        let mut accounts: BTreeMap<String, (Uuid, String, AuditAccount)> = BTreeMap::new();
        let rows = sqlx::query(&format!(
            "SELECT a.id, a.person_id, a.start_date, p.given_name, p.family_name FROM budget_accounts a JOIN people p ON p.id = a.person_id WHERE {active}"
        ))
        .bind(&cid)
        .bind(&on)
        .fetch_all(&self.pool)
        .await?;
        for r in rows {
            let start = codec::date("budget_accounts.start_date", &r.try_get::<String, _>("start_date")?)?;
            let name = format!("{} {}", r.try_get::<String, _>("given_name")?, r.try_get::<String, _>("family_name")?);
            let person = codec::uuid("budget_accounts.person_id", &r.try_get::<String, _>("person_id")?)?;
            accounts.insert(r.try_get("id")?, (person, name, AuditAccount { start, lines: Vec::new(), held: Vec::new(), last_return: None }));
        }
        let lines = sqlx::query(&format!(
            "SELECT a.id AS account_id, l.id, l.description, l.stream, l.annual_cost_pence, l.in_force_from, l.in_force_to, \
                    CAST(COALESCE((SELECT SUM(s.amount_pence) FROM ledger_postings s WHERE s.budget_account_id = a.id AND s.plan_line_id = l.id AND s.account = 'spent'), 0) AS BIGINT) AS spent \
             FROM budget_accounts a JOIN plan_lines l ON l.plan_id = a.plan_id WHERE {active} AND l.deployment = 'direct_payment' ORDER BY l.position"
        ))
        .bind(&cid)
        .bind(&on)
        .fetch_all(&self.pool)
        .await?;
        for r in lines {
            if let Some((_, _, a)) = accounts.get_mut(&r.try_get::<String, _>("account_id")?) {
                a.lines.push(AuditLine {
                    id: codec::uuid("plan_lines.id", &r.try_get::<String, _>("id")?)?,
                    description: r.try_get("description")?,
                    stream: FundingStream::new(r.try_get::<String, _>("stream")?),
                    annual_cost: Money::from_pence(r.try_get("annual_cost_pence")?),
                    spent: Money::from_pence(r.try_get("spent")?),
                    in_force: codec::in_force(&r)?,
                });
            }
        }
        let held = sqlx::query(&format!(
            "SELECT a.id AS account_id, s.stream, CAST(SUM(s.amount_pence) AS BIGINT) AS held FROM budget_accounts a JOIN ledger_postings s ON s.budget_account_id = a.id \
             WHERE {active} AND s.account = 'held_by_budget_holder' GROUP BY a.id, s.stream"
        ))
        .bind(&cid)
        .bind(&on)
        .fetch_all(&self.pool)
        .await?;
        for r in held {
            if let Some((_, _, a)) = accounts.get_mut(&r.try_get::<String, _>("account_id")?) {
                a.held.push((FundingStream::new(r.try_get::<String, _>("stream")?), Money::from_pence(r.try_get("held")?)));
            }
        }
        let returns = sqlx::query(&format!(
            "SELECT a.id AS account_id, MAX(e.occurred_on) AS last_return FROM budget_accounts a JOIN ledger_entries e ON e.budget_account_id = a.id \
             WHERE {active} AND e.kind = 'spending' AND e.occurred_on <= $2 GROUP BY a.id"
        ))
        .bind(&cid)
        .bind(&on)
        .fetch_all(&self.pool)
        .await?;
        for r in returns {
            if let Some((_, _, a)) = accounts.get_mut(&r.try_get::<String, _>("account_id")?) {
                a.last_return = Some(codec::date("ledger_entries.occurred_on", &r.try_get::<String, _>("last_return")?)?);
            }
        }
        let mut findings = Vec::new();
        for (id, (person_id, person_name, account)) in accounts {
            let flags = audit(&account, as_of, rules);
            if !flags.is_empty() {
                findings.push(AuditFinding { budget_account_id: codec::uuid("budget_accounts.id", &id)?, person_id: person_id.into(), person_name, flags });
            }
        }
        findings.sort_by(|a, b| a.person_name.cmp(&b.person_name));
        Ok(findings)
    }

    /// Takes unspent money back from the direct-payment account to the council.
    pub async fn recover_surplus(&self, account_id: AccountId, input: &RecoveryInput) -> Result<AccountView> {
        let mut p = Problems::new();
        let amount = p.positive_money("amount", &input.amount);
        let on = p.date("recovered_on", &input.recovered_on);
        let reason = p.text("reason", &input.reason, 500);
        let mut tx = self.pool.begin().await?;
        let locked = lock_account(&mut tx, account_id).await?;
        if locked.account.ended.is_some() {
            // After an ending, money comes back only through the notice and its 28 days.
            return Err(StoreError::Conflict("Support has ended: recover the unspent money through its recovery notice.".into()));
        }
        let held_streams: Vec<FundingStream> =
            locked.book.balances().holding(LedgerAccount::HeldByBudgetHolder).into_iter().map(|(stream, _)| stream).collect();
        let stream = match input.stream.as_deref().map(str::trim) {
            Some(code) if !code.is_empty() => self.streams.parse(&mut p, "stream", code),
            _ => match held_streams.as_slice() {
                [only] => Some(only.clone()),
                [] => {
                    p.add("amount", "nothing is held in the direct-payment account to recover");
                    None
                }
                _ => {
                    p.add("stream", "is required: money from more than one stream is held");
                    None
                }
            },
        };
        if !p.is_empty() {
            return Err(p.into());
        }
        let stream = stream.expect("checked");
        let held = locked.book.balances().get(LedgerAccount::HeldByBudgetHolder, &stream);
        let entry = recovery(held, &stream, amount.expect("checked"), on.expect("checked"), reason.as_deref().expect("checked"))?;
        post_one(&mut tx, &locked.council_id, &mut locked.books(), &locked.account.id.to_string(), &entry, EntryDetails::default()).await?;
        tx.commit().await?;
        self.account_view(account_id).await
    }
}
