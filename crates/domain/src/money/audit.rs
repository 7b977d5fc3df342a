//! Step 5: monitoring direct payments, and recovering money that built up unspent.
//!
//! Councils check direct-payment accounts regularly (light touch, not suspicion): is
//! money building up beyond a contingency of a few weeks, is the person sending returns,
//! is a line of the plan being spent faster than the plan allows. A surplus above the
//! contingency can be recovered: it leaves the person's account and goes back to the
//! council, so the council's commitment falls by the same amount.

use crate::deployment::streams::FundingStream;
use crate::money::ledger::{EntryKind, JournalEntry, LedgerAccount, Posting};
use crate::money::Money;
use crate::validation::Problems;
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};
use time::Date;
use uuid::Uuid;

/// When a direct-payment account is flagged.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct AuditRules {
    /// Weeks of direct payment a person may keep as a contingency.
    pub contingency_weeks: u32,
    /// Days without a return (spending recorded) before the account is flagged.
    pub return_due_days: u32,
    /// How far above its share to the end of the current four-week pay period a line may be
    /// spent, in percent, before it is flagged.
    pub overspend_tolerance_percent: u32,
}

impl Default for AuditRules {
    fn default() -> Self {
        AuditRules { contingency_weeks: 8, return_due_days: 100, overspend_tolerance_percent: 10 }
    }
}

/// A direct-payment line as the audit sees it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AuditLine {
    pub id: Uuid,
    pub description: String,
    pub stream: FundingStream,
    pub annual_cost: Money,
    /// Spent on this line so far.
    pub spent: Money,
    /// The days the line is in force (a revised plan ends some lines and begins others).
    pub in_force: crate::plan::revision::InForce,
}

/// A direct-payment account as the audit sees it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AuditAccount {
    pub start: Date,
    pub lines: Vec<AuditLine>,
    /// Held in the direct-payment account, per stream.
    pub held: Vec<(FundingStream, Money)>,
    /// The last day spending was recorded, if ever.
    pub last_return: Option<Date>,
}

/// Something for a finance officer to look at.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "flag", rename_all = "snake_case")]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub enum AuditFlag {
    /// More is held than the contingency allows; `surplus` could be recovered.
    SurplusAboveContingency { stream: FundingStream, held: Money, contingency: Money, surplus: Money, message: String },
    /// No spending has been recorded for too long.
    NoReturns { since: Date, days: i64, message: String },
    /// A line has been spent faster than the plan allows.
    SpendingAbovePlan { plan_line_id: Uuid, spent: Money, allowed_so_far: Money, message: String },
}

impl AuditFlag {
    /// The flag in words a finance officer can act on.
    pub fn message(&self) -> &str {
        match self {
            AuditFlag::SurplusAboveContingency { message, .. } | AuditFlag::NoReturns { message, .. } | AuditFlag::SpendingAbovePlan { message, .. } => message,
        }
    }
}

/// Checks one direct-payment account on `as_of`. Pure.
pub fn audit(account: &AuditAccount, as_of: Date, rules: AuditRules) -> Vec<AuditFlag> {
    let mut flags = Vec::new();
    for (stream, held) in &account.held {
        // The contingency is weeks of the plan in force now, not of every version.
        let annual: Money = account.lines.iter().filter(|l| &l.stream == stream && l.in_force.covers(as_of, as_of)).map(|l| l.annual_cost).sum();
        let contingency = Money::from_decimal_rounded(annual.to_decimal() * Decimal::from(rules.contingency_weeks) / Decimal::from(52)).expect("in range");
        if *held > contingency {
            let surplus = *held - contingency;
            flags.push(AuditFlag::SurplusAboveContingency {
                stream: stream.clone(),
                held: *held,
                contingency,
                surplus,
                message: format!(
                    "{held} is held from the {} stream, more than {} weeks of payments ({contingency}); {surplus} could be recovered",
                    stream.words(),
                    rules.contingency_weeks
                ),
            });
        }
    }
    let since = account.last_return.unwrap_or(account.start);
    let days = (as_of - since).whole_days();
    if days > i64::from(rules.return_due_days) {
        let message = match account.last_return {
            Some(d) => format!("no spending has been recorded since {d} ({days} days)"),
            None => format!("no spending has been recorded since the direct payment started on {since} ({days} days)"),
        };
        flags.push(AuditFlag::NoReturns { since, days, message });
    }
    // Money is paid four weeks ahead, so spending up to the end of the current pay period
    // is on plan.
    let periods_begun = ((as_of - account.start).whole_days().max(0) / 28 + 1).min(13);
    let paid_to = account.start + time::Duration::days(periods_begun * 28 - 1);
    for line in &account.lines {
        // Each line for its own days in force up to the end of the current pay period.
        let days = line.in_force.clip(account.start, paid_to).map_or(0, |(first, last)| (last - first).whole_days() + 1);
        let allowed = Money::from_decimal_rounded(
            line.annual_cost.to_decimal() * Decimal::from(days) / Decimal::from(364) * Decimal::from(100 + rules.overspend_tolerance_percent)
                / Decimal::from(100),
        )
        .expect("in range");
        if line.spent > allowed {
            flags.push(AuditFlag::SpendingAbovePlan {
                plan_line_id: line.id,
                spent: line.spent,
                allowed_so_far: allowed,
                message: format!("{} has been spent on '{}', more than the plan allows by now ({allowed})", line.spent, line.description),
            });
        }
    }
    flags
}

/// Recovers `amount` of unspent direct payment back to the council.
pub fn recovery(held: Money, stream: &FundingStream, amount: Money, on: Date, reason: &str) -> Result<JournalEntry, Problems> {
    let mut p = Problems::new();
    if amount.is_zero() || amount.is_negative() {
        p.add("amount", "must be more than £0.00");
    } else if amount > held {
        p.add("amount", format!("is {amount}, but only {held} of the {} stream is in the direct-payment account", stream.words()));
    }
    p.into_result(())?;
    Ok(JournalEntry::new(
        EntryKind::Recovery,
        on,
        format!("Unspent direct payment returned to the council: {reason}"),
        vec![
            Posting { account: LedgerAccount::HeldByBudgetHolder, stream: stream.clone(), plan_line_id: None, amount: -amount },
            Posting { account: LedgerAccount::CouncilFunding, stream: stream.clone(), plan_line_id: None, amount },
        ],
    )
    .expect("a positive amount between two accounts balances"))
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::date;

    fn account(held: i64, spent: i64, last_return: Option<Date>) -> AuditAccount {
        let asc = FundingStream::new("adult_social_care");
        AuditAccount {
            start: date!(2026 - 04 - 01),
            lines: vec![AuditLine {
                id: Uuid::from_u128(1),
                description: "PA hours".into(),
                stream: asc.clone(),
                annual_cost: Money::from_pounds(5_200),
                spent: Money::from_pounds(spent),
                in_force: crate::plan::revision::InForce::WHOLE_PLAN,
            }],
            held: vec![(asc, Money::from_pounds(held))],
            last_return,
        }
    }

    #[test]
    fn flags_surplus_silence_and_overspending() {
        let rules = AuditRules::default();
        let on = date!(2026 - 10 - 01);
        // £5,200 a year is £100 a week: 8 weeks' contingency is £800.
        assert!(audit(&account(800, 2_000, Some(date!(2026 - 09 - 20))), on, rules).is_empty());
        let flags = audit(&account(1_250, 2_000, Some(date!(2026 - 09 - 20))), on, rules);
        assert!(matches!(&flags[..], [AuditFlag::SurplusAboveContingency { surplus, .. }] if *surplus == Money::from_pounds(450)), "{flags:?}");
        let flags = audit(&account(0, 0, None), on, rules);
        assert!(matches!(&flags[..], [AuditFlag::NoReturns { days: 183, .. }]), "{flags:?}");
        // 183 days in is the seventh pay period: 7 × £400 = £2,800, plus 10%, is allowed.
        assert!(audit(&account(0, 3_080, Some(on)), on, rules).is_empty());
        let flags = audit(&account(0, 3_081, Some(on)), on, rules);
        assert!(matches!(&flags[..], [AuditFlag::SpendingAbovePlan { allowed_so_far, .. }] if *allowed_so_far == Money::from_pounds(3_080)), "{flags:?}");
        // Paid four weeks ahead: spending most of the first period in its first days is fine.
        assert!(audit(&account(0, 420, Some(date!(2026 - 04 - 05))), date!(2026 - 04 - 09), rules).is_empty());
    }

    #[test]
    fn a_revised_plan_is_audited_at_each_line_s_own_days() {
        let rules = AuditRules::default();
        let on = date!(2026 - 10 - 01);
        // The £5,200 line ended on 28 April; £10,400 a year from 29 April.
        let mut revised = account(1_700, 400, Some(on));
        revised.lines[0].in_force.to = Some(date!(2026 - 04 - 28));
        let mut later = revised.lines[0].clone();
        later.id = Uuid::from_u128(2);
        later.annual_cost = Money::from_pounds(10_400);
        later.spent = Money::from_pounds(4_400);
        later.in_force = crate::plan::revision::InForce { from: Some(date!(2026 - 04 - 29)), to: None };
        revised.lines.push(later);
        // Contingency: 8 weeks of the £200 a week now in force (£1,600), not of both lines.
        let flags = audit(&revised, on, rules);
        assert!(matches!(&flags[..], [AuditFlag::SurplusAboveContingency { contingency, .. }] if *contingency == Money::from_pounds(1_600)), "{flags:?}");
        // The ended line may have its 28 days (£400 + 10%); the new one its 168 (£4,800 + 10%).
        assert!(flags.iter().all(|f| !matches!(f, AuditFlag::SpendingAbovePlan { .. })), "{flags:?}");
    }

    #[test]
    fn recovery_moves_money_back_and_never_more_than_is_held() {
        let asc = FundingStream::new("adult_social_care");
        let entry = recovery(Money::from_pounds(900), &asc, Money::from_pounds(450), date!(2026 - 10 - 01), "annual audit").unwrap();
        assert_eq!(entry.postings().iter().map(|p| p.amount).sum::<Money>(), Money::ZERO);
        assert_eq!(entry.postings()[1].account, LedgerAccount::CouncilFunding);
        let err = recovery(Money::from_pounds(900), &asc, Money::from_pounds(901), date!(2026 - 10 - 01), "x").unwrap_err();
        assert!(err.to_string().contains("only £900.00"), "{err}");
        assert!(recovery(Money::from_pounds(900), &asc, Money::ZERO, date!(2026 - 10 - 01), "x").is_err());
    }
}
