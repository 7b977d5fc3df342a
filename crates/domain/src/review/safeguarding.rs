//! Step 6: safety. Personal assistants' DBS checks and when they need doing again, and
//! safeguarding concerns, which make a plan a team manager's decision.

use crate::access::Role;
use crate::codes::coded_enum;
use crate::money::Money;
use serde::{Deserialize, Serialize};
use time::Date;

coded_enum!(
    /// The outcome of a Disclosure and Barring Service check on a personal assistant.
    DbsStatus {
        NotChecked => ("not_checked", "Not checked yet"),
        Clear => ("clear", "Checked: nothing recorded"),
        HasInformation => ("has_information", "Checked: information disclosed, needs a risk assessment"),
    }
);

/// Days before a re-check is due when the alert starts.
pub const DBS_WARNING_DAYS: i64 = 60;

/// Why a personal assistant's DBS check needs attention.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum DbsAlert {
    NotChecked { message: String },
    HasInformation { message: String },
    RecheckOverdue { days: i64, message: String },
    RecheckDueSoon { days: i64, message: String },
}

impl DbsAlert {
    pub fn message(&self) -> &str {
        match self {
            DbsAlert::NotChecked { message }
            | DbsAlert::HasInformation { message }
            | DbsAlert::RecheckOverdue { message, .. }
            | DbsAlert::RecheckDueSoon { message, .. } => message,
        }
    }
}

/// Whether a personal assistant's DBS check needs attention on `today`.
pub fn dbs_alert(name: &str, status: DbsStatus, recheck_by: Option<Date>, today: Date) -> Option<DbsAlert> {
    match status {
        DbsStatus::NotChecked => Some(DbsAlert::NotChecked { message: format!("{name} has no DBS check recorded") }),
        DbsStatus::HasInformation => {
            Some(DbsAlert::HasInformation { message: format!("{name}'s DBS check disclosed information: agree a risk assessment with the employer") })
        }
        DbsStatus::Clear => {
            let due = recheck_by?;
            let days = (due - today).whole_days();
            if days < 0 {
                Some(DbsAlert::RecheckOverdue { days: -days, message: format!("{name}'s DBS re-check was due {} days ago, on {due}", -days) })
            } else if days <= DBS_WARNING_DAYS {
                Some(DbsAlert::RecheckDueSoon { days, message: format!("{name}'s DBS re-check is due in {days} days, on {due}") })
            } else {
                None
            }
        }
    }
}

/// Who may approve what: above `social_worker_limit` a year, a plan is a team manager's
/// decision (the usual scheme of delegation; councils set their own figure).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ApprovalPolicy {
    pub social_worker_limit: Money,
}

impl Default for ApprovalPolicy {
    fn default() -> ApprovalPolicy {
        ApprovalPolicy { social_worker_limit: Money::from_pounds(25_000) }
    }
}

/// What about a plan makes it a team manager's decision, besides its cost.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct ApprovalFlags {
    /// Open safeguarding concerns about the person.
    pub open_concerns: usize,
    /// Plan lines with a risk-enablement note.
    pub risk_enablement_lines: usize,
}

/// A plan with an open safeguarding concern, a risk-enablement note, or costing more than
/// a social worker may approve, is decided by a team manager.
pub fn check_approver(role: Role, flags: ApprovalFlags, plan_total: Money, policy: ApprovalPolicy) -> Result<(), String> {
    if role == Role::TeamManager {
        return Ok(());
    }
    let open_concerns = flags.open_concerns;
    if open_concerns > 0 {
        return Err(format!(
            "there {} {open_concerns} open safeguarding concern{} about this person, so a team manager must decide on the plan",
            if open_concerns == 1 { "is" } else { "are" },
            if open_concerns == 1 { "" } else { "s" }
        ));
    }
    if flags.risk_enablement_lines > 0 {
        return Err("the plan takes a risk the person has chosen (see the risk-enablement notes), so a team manager must decide".to_string());
    }
    if plan_total > policy.social_worker_limit {
        return Err(format!(
            "the plan costs {plan_total} a year, above the {} a social worker may approve, so a team manager must decide",
            policy.social_worker_limit
        ));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::date;

    #[test]
    fn dbs_alerts_by_status_and_recheck_date() {
        let today = date!(2026 - 11 - 25);
        assert!(matches!(dbs_alert("Sam", DbsStatus::NotChecked, None, today), Some(DbsAlert::NotChecked { .. })));
        assert!(matches!(dbs_alert("Sam", DbsStatus::HasInformation, Some(date!(2029 - 01 - 01)), today), Some(DbsAlert::HasInformation { .. })));
        assert_eq!(dbs_alert("Sam", DbsStatus::Clear, Some(date!(2027 - 06 - 01)), today), None);
        assert_eq!(dbs_alert("Sam", DbsStatus::Clear, None, today), None, "a clear check with no re-check policy needs nothing");
        let soon = dbs_alert("Sam", DbsStatus::Clear, Some(date!(2027 - 01 - 24)), today).unwrap();
        assert_eq!(soon, DbsAlert::RecheckDueSoon { days: 60, message: "Sam's DBS re-check is due in 60 days, on 2027-01-24".into() });
        assert_eq!(dbs_alert("Sam", DbsStatus::Clear, Some(date!(2027 - 01 - 25)), today), None, "61 days ahead is not yet an alert");
        let late = dbs_alert("Sam", DbsStatus::Clear, Some(date!(2026 - 11 - 20)), today).unwrap();
        assert_eq!(late.message(), "Sam's DBS re-check was due 5 days ago, on 2026-11-20");
    }

    #[test]
    fn a_concern_a_chosen_risk_or_a_large_plan_makes_it_a_team_managers_decision() {
        let policy = ApprovalPolicy::default();
        let small = Money::from_pounds(20_000);
        let none = ApprovalFlags::default();
        let concern = ApprovalFlags { open_concerns: 1, ..none };
        let risk = ApprovalFlags { risk_enablement_lines: 1, ..none };
        assert_eq!(check_approver(Role::SocialWorker, none, small, policy), Ok(()));
        assert_eq!(check_approver(Role::SocialWorker, none, Money::from_pounds(25_000), policy), Ok(()), "the limit itself is allowed");
        assert_eq!(check_approver(Role::TeamManager, ApprovalFlags { open_concerns: 2, risk_enablement_lines: 3 }, Money::from_pounds(90_000), policy), Ok(()));
        assert_eq!(
            check_approver(Role::SocialWorker, concern, small, policy),
            Err("there is 1 open safeguarding concern about this person, so a team manager must decide on the plan".into())
        );
        assert!(check_approver(Role::SocialWorker, risk, small, policy).unwrap_err().contains("risk-enablement notes"));
        assert_eq!(
            check_approver(Role::SocialWorker, none, Money::from_pence(2_500_001), policy),
            Err("the plan costs £25,000.01 a year, above the £25,000.00 a social worker may approve, so a team manager must decide".into())
        );
        // A council that delegates less.
        let strict = ApprovalPolicy { social_worker_limit: Money::from_pounds(10_000) };
        assert!(check_approver(Role::SocialWorker, none, small, strict).is_err());
    }
}
