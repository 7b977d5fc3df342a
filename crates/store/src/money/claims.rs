//! Step 5: provider claims (invoices), one at a time or a whole file at once.
//!
//! The accounts a batch touches are locked and loaded in a handful of queries, the claims
//! are checked in memory by the domain's [`ClaimBook`], and what is accepted is written with
//! multi-row INSERTs in the same transaction. A file with a rejected line posts nothing
//! unless partial acceptance was asked for.

use crate::bulk::{execute_in, fetch_in, insert_rows, Cell};
use crate::codec;
use crate::money::accounts::{post, EntryDetails, NewEntry};
use crate::{invalid, new_id, now, Result, Store, StoreError};
use selfdirect_domain::dates::iso;
use selfdirect_domain::deployment::DeploymentOption;
use selfdirect_domain::ids::CouncilId;
use selfdirect_domain::money::claims::{
    only_from, parse_claims_csv, provider_key, read_claim, Claim, ClaimAccount, ClaimBook, ClaimInput, ClaimLine, LineProblem, Rejection,
};
use selfdirect_domain::money::ledger::{AccountBook, Balances, LedgerAccount, PaidDays, Posting};
use selfdirect_domain::plan::{FundingStream, ServiceCategory};
use selfdirect_domain::Money;
use serde::Serialize;
use sqlx::{Any, Row, Transaction};
use std::collections::{BTreeMap, BTreeSet, HashMap};
use uuid::Uuid;

/// A claim that was accepted and paid.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct AcceptedInvoice {
    /// The line of the file (1 for a claim sent on its own).
    pub line: u64,
    pub invoice_id: Uuid,
    pub invoice_ref: String,
    pub amount: Money,
}

/// What happened to a batch of claims.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ClaimsReport {
    /// Whether anything was written. False when a line was rejected and partial acceptance
    /// was not asked for: fix the lines and send the whole file again.
    pub posted: bool,
    pub accepted: Vec<AcceptedInvoice>,
    pub total_accepted: Money,
    /// Every line not accepted, with its reason code and message, in line order.
    pub rejected: Vec<LineProblem>,
}

/// An invoice as the provider and staff see it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct InvoiceRecord {
    pub id: Uuid,
    pub provider_name: String,
    pub invoice_ref: String,
    pub person_id: Option<String>,
    pub service_category: String,
    pub period_start: String,
    pub period_end: String,
    pub units: String,
    pub unit_rate: Money,
    pub amount: Money,
    /// `accepted` or `rejected`.
    pub status: String,
    pub reason_code: Option<String>,
    pub message: Option<String>,
}

impl Store {
    /// One claim, as a provider's form or system sends it. Malformed fields are refused
    /// (nothing written); a claim that breaks a rule is recorded as rejected with its reason.
    pub async fn submit_claim(&self, council_id: CouncilId, input: &ClaimInput) -> Result<ClaimsReport> {
        let claim = read_claim(input, "").map_err(StoreError::Invalid)?;
        self.submit_claims(council_id, vec![(1, claim)], Vec::new(), true).await
    }

    /// A CSV file of claims (columns: provider, invoice_ref, person_id, service_category,
    /// period_start, period_end, units, unit_rate).
    pub async fn submit_claims_csv(&self, council_id: CouncilId, csv_text: &str, partial: bool) -> Result<ClaimsReport> {
        let (claims, unreadable) = parse_claims_csv(csv_text).map_err(StoreError::Invalid)?;
        self.submit_claims(council_id, claims, unreadable, partial).await
    }

    /// A CSV file from one signed-in provider: lines naming any other provider are rejected.
    pub async fn submit_provider_claims_csv(&self, council_id: CouncilId, provider: &str, csv_text: &str, partial: bool) -> Result<ClaimsReport> {
        let (claims, mut unreadable) = parse_claims_csv(csv_text).map_err(StoreError::Invalid)?;
        let claims = only_from(provider, claims, &mut unreadable);
        self.submit_claims(council_id, claims, unreadable, partial).await
    }

    /// Checks numbered claims against the council's plans and posts the accepted ones, all
    /// in one transaction. With `partial` false, one rejected or unreadable line means
    /// nothing is written.
    pub async fn submit_claims(&self, council_id: CouncilId, claims: Vec<(u64, Claim)>, unreadable: Vec<LineProblem>, partial: bool) -> Result<ClaimsReport> {
        let council = self.council(council_id).await?;
        let cid = council.id.to_string();
        let mut tx = self.pool.begin().await?;
        let (mut book, mut books, registered) = load_claim_book(&mut tx, &cid, &claims).await?;
        book.reserve(claims.len());
        let mut rejected = unreadable;
        let mut accepted = Vec::with_capacity(claims.len());
        let mut rejected_claims = Vec::new();
        let only_claims: Vec<&Claim> = claims.iter().map(|(_, c)| c).collect();
        for ((line, claim), checked) in claims.iter().zip(book.check_all(&only_claims)) {
            match checked {
                Ok(a) => accepted.push((*line, claim, a)),
                Err(Rejection { reason_code, message }) => {
                    rejected.push(LineProblem { line: *line, reason_code: reason_code.clone(), message: message.clone() });
                    rejected_claims.push((*line, claim, reason_code, message));
                }
            }
        }
        rejected.sort_by_key(|p| p.line);
        let total_accepted = accepted.iter().map(|(_, _, a)| a.amount).sum();
        if !rejected.is_empty() && !partial {
            tx.rollback().await?;
            return Ok(ClaimsReport { posted: false, accepted: Vec::new(), total_accepted: Money::ZERO, rejected });
        }
        let created = now();
        // The provider's name as registered, so one provider's invoices group together
        // however the name was typed on the invoice.
        let canonical = |name: &str| registered.get(&provider_key(name)).cloned().unwrap_or_else(|| name.to_string());
        struct Prepared {
            entry_id: String,
            account_id: String,
            entry: selfdirect_domain::money::ledger::JournalEntry,
            provider: String,
            key: String,
        }
        let mut prepared = Vec::with_capacity(accepted.len());
        let mut invoices = Vec::with_capacity(accepted.len() + rejected_claims.len());
        let mut report = Vec::with_capacity(accepted.len());
        for (line, claim, a) in &accepted {
            let invoice_id = Uuid::now_v7();
            let provider = canonical(&claim.provider);
            let p = Prepared {
                entry_id: new_id(),
                account_id: a.account_id.to_string(),
                entry: a.entry(claim),
                // Lower-cased, so the database refuses `bb-001` after `BB-001` too.
                key: format!("invoice:{cid}:{provider}:{}", claim.invoice_ref.to_lowercase()),
                provider,
            };
            invoices.push(invoice_row(
                &cid,
                invoice_id,
                &p.provider,
                claim,
                (Some(a.account_id), Some(a.line_id)),
                ("accepted", None, None),
                (Some(p.entry_id.clone()), *line),
                &created,
            ));
            report.push(AcceptedInvoice { line: *line, invoice_id, invoice_ref: claim.invoice_ref.clone(), amount: a.amount });
            prepared.push(p);
        }
        for (line, claim, reason, message) in &rejected_claims {
            let provider = canonical(&claim.provider);
            invoices.push(invoice_row(
                &cid,
                Uuid::now_v7(),
                &provider,
                claim,
                (None, None),
                ("rejected", Some(reason.clone()), Some(message.clone())),
                (None, *line),
                &created,
            ));
        }
        let entries: Vec<NewEntry<'_>> = prepared
            .iter()
            .map(|p| NewEntry {
                id: p.entry_id.clone(),
                account_id: &p.account_id,
                entry: &p.entry,
                details: EntryDetails { payee_name: Some(&p.provider), idempotency_key: Some(&p.key), ..EntryDetails::default() },
            })
            .collect();
        post(&mut tx, &cid, &mut books, &entries).await?;
        insert_rows(&mut tx, "invoices", &INVOICE_COLUMNS, &invoices).await?;
        tx.commit().await?;
        Ok(ClaimsReport { posted: true, accepted: report, total_accepted, rejected })
    }

    /// A provider's invoices (or all of a council's, with `provider` None), newest first.
    pub async fn invoices(&self, council_id: CouncilId, provider: Option<&str>, status: Option<&str>, limit: i64) -> Result<Vec<InvoiceRecord>> {
        let council = self.council(council_id).await?;
        if let Some(s) = status {
            if !matches!(s, "accepted" | "rejected") {
                return Err(invalid("status", format!("'{s}' is not one of: accepted, rejected")));
            }
        }
        let rows = sqlx::query(
            "SELECT id, provider_name, invoice_ref, person_id, category, period_start, period_end, units, unit_rate_pence, amount_pence, status, reason_code, message \
             FROM invoices WHERE council_id = $1 AND ($2 IS NULL OR provider_name = $2) AND ($3 IS NULL OR status = $3) ORDER BY created_at DESC, id DESC LIMIT $4",
        )
        .bind(council.id.to_string())
        .bind(provider)
        .bind(status)
        .bind(limit.clamp(1, 10_000))
        .fetch_all(&self.pool)
        .await?;
        rows.into_iter()
            .map(|r| {
                Ok(InvoiceRecord {
                    id: codec::uuid("invoices.id", &r.try_get::<String, _>("id")?)?,
                    provider_name: r.try_get("provider_name")?,
                    invoice_ref: r.try_get("invoice_ref")?,
                    person_id: r.try_get("person_id")?,
                    service_category: r.try_get("category")?,
                    period_start: r.try_get("period_start")?,
                    period_end: r.try_get("period_end")?,
                    units: r.try_get("units")?,
                    unit_rate: Money::from_pence(r.try_get("unit_rate_pence")?),
                    amount: Money::from_pence(r.try_get("amount_pence")?),
                    status: r.try_get("status")?,
                    reason_code: r.try_get("reason_code")?,
                    message: r.try_get("message")?,
                })
            })
            .collect()
    }
}

pub(crate) const INVOICE_COLUMNS: [&str; 19] = [
    "id",
    "council_id",
    "provider_name",
    "invoice_ref",
    "budget_account_id",
    "plan_line_id",
    "category",
    "period_start",
    "period_end",
    "units",
    "unit_rate_pence",
    "amount_pence",
    "status",
    "reason_code",
    "message",
    "entry_id",
    "created_at",
    "person_id",
    "file_line",
];

#[allow(clippy::too_many_arguments)]
fn invoice_row(
    cid: &str,
    id: Uuid,
    provider: &str,
    claim: &Claim,
    (account, line): (Option<Uuid>, Option<Uuid>),
    (status, reason, message): (&str, Option<String>, Option<String>),
    (entry_id, file_line): (Option<String>, u64),
    created: &str,
) -> Vec<Cell> {
    vec![
        Cell::Text(id.to_string()),
        Cell::Text(cid.to_string()),
        Cell::Text(provider.to_string()),
        Cell::Text(claim.invoice_ref.clone()),
        Cell::OptText(account.map(|a| a.to_string())),
        Cell::OptText(line.map(|l| l.to_string())),
        Cell::Text(claim.category.code().to_string()),
        Cell::Text(iso(claim.period_start)),
        Cell::Text(iso(claim.period_end)),
        Cell::Text(claim.units.to_string()),
        Cell::Int(claim.unit_rate.pence()),
        Cell::Int(claim.amount().pence()),
        Cell::Text(status.to_string()),
        Cell::OptText(reason),
        Cell::OptText(message),
        Cell::OptText(entry_id),
        Cell::Text(created.to_string()),
        Cell::Text(claim.person_id.to_string()),
        Cell::OptInt(Some(file_line as i64)),
    ]
}

/// Locks the accounts of the people the claims name, and loads what the checks need:
/// their plan lines, balances, the council's providers and invoices already accepted.
/// The claim book for some claims, the money gate's books of the accounts they may draw
/// on (read under the accounts' locks), and the registered providers by name key.
async fn load_claim_book(
    tx: &mut Transaction<'_, Any>,
    cid: &str,
    claims: &[(u64, Claim)],
) -> Result<(ClaimBook, BTreeMap<String, AccountBook>, HashMap<String, String>)> {
    let people: Vec<String> = claims.iter().map(|(_, c)| c.person_id.to_string()).collect::<BTreeSet<_>>().into_iter().collect();
    // Bumping the version takes the rows' write locks, so no payment can spend the same
    // money while these claims are checked.
    execute_in(tx, "UPDATE budget_accounts SET lock_version = lock_version + 1 WHERE council_id = $1 AND person_id IN ({list})", cid, &people).await?;
    let mut accounts: HashMap<String, ClaimAccount> = HashMap::new();
    for r in fetch_in(
        tx,
        "SELECT id, person_id, start_date, end_date, suspended_from FROM budget_accounts WHERE council_id = $1 AND person_id IN ({list})",
        cid,
        &people,
    )
    .await?
    {
        let id: String = r.try_get("id")?;
        accounts.insert(
            id.clone(),
            ClaimAccount {
                account_id: codec::uuid("budget_accounts.id", &id)?,
                person_id: codec::uuid("budget_accounts.person_id", &r.try_get::<String, _>("person_id")?)?,
                start: codec::date("budget_accounts.start_date", &r.try_get::<String, _>("start_date")?)?,
                end: codec::date("budget_accounts.end_date", &r.try_get::<String, _>("end_date")?)?,
                suspended_from: r.try_get::<Option<String>, _>("suspended_from")?.map(|d| codec::date("budget_accounts.suspended_from", &d)).transpose()?,
                past_suspensions: Vec::new(),
                lines: Vec::new(),
                available: Vec::new(),
                held_by_provider: Vec::new(),
                invoiced: Vec::new(),
            },
        );
    }
    let lines = "SELECT a.id AS account_id, l.id, l.category, l.provider, l.deployment, l.stream, l.unit_cost_pence, l.in_force_from, l.in_force_to \
                 FROM plan_lines l JOIN budget_accounts a ON a.plan_id = l.plan_id WHERE a.council_id = $1 AND a.person_id IN ({list}) ORDER BY l.position";
    for r in fetch_in(tx, lines, cid, &people).await? {
        let Some(account) = accounts.get_mut(&r.try_get::<String, _>("account_id")?) else { continue };
        let Some(deployment) = r.try_get::<Option<String>, _>("deployment")? else { continue };
        account.lines.push(ClaimLine {
            id: codec::uuid("plan_lines.id", &r.try_get::<String, _>("id")?)?,
            category: codec::code("plan_lines.category", &r.try_get::<String, _>("category")?, ServiceCategory::from_code)?,
            provider: r.try_get("provider")?,
            deployment: codec::code("plan_lines.deployment", &deployment, DeploymentOption::from_code)?,
            stream: FundingStream::new(r.try_get::<String, _>("stream")?),
            unit_cost: Money::from_pence(r.try_get("unit_cost_pence")?),
            in_force: codec::in_force(&r)?,
        });
    }
    // The days each line has been invoiced for: each day of a service is billed once.
    let invoiced = "SELECT d.budget_account_id, d.stream, d.payee, d.first_day, d.last_day FROM paid_days d \
                    JOIN budget_accounts a ON a.id = d.budget_account_id AND a.council_id = d.council_id \
                    WHERE a.council_id = $1 AND a.person_id IN ({list}) AND d.payee LIKE 'invoice:%'";
    let mut paid: HashMap<String, Vec<PaidDays>> = HashMap::new();
    for r in fetch_in(tx, invoiced, cid, &people).await? {
        let account_id: String = r.try_get("budget_account_id")?;
        let days = PaidDays {
            stream: FundingStream::new(r.try_get::<String, _>("stream")?),
            payee: r.try_get::<String, _>("payee")?.into(),
            first_day: codec::date("paid_days.first_day", &r.try_get::<String, _>("first_day")?)?,
            last_day: codec::date("paid_days.last_day", &r.try_get::<String, _>("last_day")?)?,
        };
        let line = codec::uuid("paid_days.payee", days.payee.trim_start_matches("invoice:"))?;
        if let Some(account) = accounts.get_mut(&account_id) {
            account.invoiced.push((line, days.first_day, days.last_day));
        }
        paid.entry(account_id).or_default().push(days);
    }
    let balances = "SELECT p.budget_account_id, p.account, p.stream, CAST(SUM(p.amount_pence) AS BIGINT) AS balance \
                    FROM ledger_postings p JOIN budget_accounts a ON a.id = p.budget_account_id \
                    WHERE a.council_id = $1 AND a.person_id IN ({list}) AND p.account IN ('available', 'held_by_provider') \
                    GROUP BY p.budget_account_id, p.account, p.stream";
    for r in fetch_in(tx, balances, cid, &people).await? {
        let Some(account) = accounts.get_mut(&r.try_get::<String, _>("budget_account_id")?) else { continue };
        let stream = FundingStream::new(r.try_get::<String, _>("stream")?);
        let balance = Money::from_pence(r.try_get("balance")?);
        match codec::code("ledger_postings.account", &r.try_get::<String, _>("account")?, LedgerAccount::from_code)? {
            LedgerAccount::HeldByProvider => account.held_by_provider.push((stream, balance)),
            _ => account.available.push((stream, balance)),
        }
    }
    let registered: HashMap<String, String> = sqlx::query("SELECT name FROM providers WHERE council_id = $1")
        .bind(cid)
        .fetch_all(&mut **tx)
        .await?
        .into_iter()
        .map(|r| r.try_get::<String, _>("name").map(|n| (provider_key(&n), n)))
        .collect::<std::result::Result<_, _>>()?;
    // References are the same whatever their case: each is looked up as typed, lower-cased
    // and upper-cased (the book compares them without case).
    let refs: Vec<String> = claims
        .iter()
        .flat_map(|(_, c)| [c.invoice_ref.clone(), c.invoice_ref.to_lowercase(), c.invoice_ref.to_uppercase()])
        .collect::<BTreeSet<_>>()
        .into_iter()
        .collect();
    let mut accepted_refs = Vec::new();
    // Status is filtered here, not in SQL: with `status = 'accepted'` in the WHERE clause a
    // planner with stale statistics picks the (council, status) index and scans every
    // accepted invoice of the council per chunk; this shape can only use the reference index.
    let sql = "SELECT provider_name, invoice_ref, status FROM invoices WHERE council_id = $1 AND invoice_ref IN ({list})";
    for r in fetch_in(tx, sql, cid, &refs).await? {
        if r.try_get::<String, _>("status")? == "accepted" {
            accepted_refs.push((r.try_get::<String, _>("provider_name")?, r.try_get::<String, _>("invoice_ref")?));
        }
    }
    let ids: Vec<String> = accounts.keys().cloned().collect();
    for (id, gaps) in crate::money::accounts::past_suspensions(tx, cid, &ids).await? {
        if let Some(account) = accounts.get_mut(&id) {
            account.past_suspensions = gaps;
        }
    }
    // The books claims are posted through: the account's dates, the balances claims draw
    // on, and the days each line has been invoiced for.
    let books = accounts
        .iter()
        .map(|(id, a)| {
            let postings = a
                .available
                .iter()
                .map(|(s, m)| (LedgerAccount::Available, s, m))
                .chain(a.held_by_provider.iter().map(|(s, m)| (LedgerAccount::HeldByProvider, s, m)));
            let balances = Balances::from_postings(
                &postings.map(|(account, stream, &amount)| Posting { account, stream: stream.clone(), plan_line_id: None, amount }).collect::<Vec<_>>(),
            );
            (
                id.clone(),
                AccountBook::new(a.start, a.end, a.suspended_from, balances, paid.remove(id).unwrap_or_default())
                    .with_past_suspensions(a.past_suspensions.clone()),
            )
        })
        .collect();
    let book = ClaimBook::new(accounts.into_values().collect(), registered.values().cloned(), accepted_refs);
    Ok((book, books, registered))
}
