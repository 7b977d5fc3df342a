//! What the store gives back: records as people and the API see them.

use selfdirect_domain::assessment::Scores;
use selfdirect_domain::deployment::AccountDeployment;
use selfdirect_domain::ids::{AccountId, AssessmentId, ContactId, CouncilId, PersonId, PlanId, ReconsiderationId, ReviewId, TeamId, UserId};
use selfdirect_domain::learning::uptake::Uptake;
use selfdirect_domain::money::ledger::{EntryKind, Posting};
use selfdirect_domain::money::statement::StreamStatement;
use selfdirect_domain::person::{ContactRole, PersonDetails};
use selfdirect_domain::plan::{FundingStream, PlanLine, PlanStatus};
use selfdirect_domain::ras::Allocation;
use selfdirect_domain::Money;
use serde::Serialize;
use std::collections::BTreeMap;
use time::Date;
use uuid::Uuid;

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Council {
    pub id: CouncilId,
    pub code: String,
    pub name: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Person {
    pub id: PersonId,
    pub council_id: CouncilId,
    #[serde(flatten)]
    pub details: PersonDetails,
    /// The team whose caseload the person is on; none while on the duty queue.
    pub allocated_team_id: Option<TeamId>,
    /// The social worker allocated, if any.
    pub allocated_worker_id: Option<UserId>,
}

impl Person {
    pub fn full_name(&self) -> String {
        self.details.full_name()
    }

    /// The person's record as the access rules see it: their council, and whose caseload
    /// they are on.
    pub fn subject(&self) -> selfdirect_domain::access::Subject {
        let caseload = selfdirect_domain::access::Caseload { team_id: self.allocated_team_id, worker_id: self.allocated_worker_id };
        selfdirect_domain::access::Subject::Person { council_id: self.council_id, person_id: self.id, caseload }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Contact {
    pub id: ContactId,
    pub person_id: PersonId,
    pub role: ContactRole,
    pub name: String,
    pub relationship: String,
    pub phone: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Assessment {
    pub id: AssessmentId,
    pub person_id: PersonId,
    pub questionnaire_id: String,
    pub questionnaire_version: i64,
    pub completed_on: Date,
    pub assessor: String,
    /// Question id → chosen answer id.
    pub answers: BTreeMap<String, String>,
    pub scores: Scores,
    /// The indicative budget and its explanation.
    pub allocation: Allocation,
    /// Set when another council made this assessment and gave it on a move (tell us
    /// once): the receiving council has still to make its own.
    pub carried_from_council_id: Option<CouncilId>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct PlanLineRecord {
    pub id: Uuid,
    #[serde(flatten)]
    pub line: PlanLine,
    pub annual_cost: Money,
    /// The days the line is in force: a revision ends some lines and begins others.
    pub in_force: selfdirect_domain::plan::revision::InForce,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Plan {
    pub id: PlanId,
    pub person_id: PersonId,
    pub assessment_id: AssessmentId,
    pub status: PlanStatus,
    pub outcomes: Vec<String>,
    pub lines: Vec<PlanLineRecord>,
    pub start_date: Date,
    pub end_date: Date,
    pub over_budget_reason: Option<String>,
    pub indicative_budget: Money,
    /// The annual cost of all lines.
    pub total: Money,
    /// Set on approval: the approved total.
    pub final_budget: Option<Money>,
    pub decided_by: Option<String>,
    pub return_reasons: Option<String>,
    /// Set on approval when the final budget differs from the indicative one.
    pub budget_difference: Option<BudgetDifference>,
    /// Incremented by every change; send it back when editing so that a change made by
    /// someone else in between is detected instead of overwritten.
    pub version: i64,
}

/// A plan waiting in a queue, with enough to decide on it at a glance.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct PlanSummary {
    pub id: PlanId,
    pub person_id: PersonId,
    pub person_name: String,
    pub status: PlanStatus,
    pub indicative_budget: Money,
    pub total: Money,
    pub over_budget_reason: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct BudgetAccount {
    pub id: AccountId,
    pub person_id: PersonId,
    pub plan_id: PlanId,
    pub deployment: AccountDeployment,
    pub includes_direct_payment: bool,
    pub final_budget: Money,
    pub start_date: Date,
    pub end_date: Date,
    pub next_review_due: Date,
    /// From the latest financial assessment; netted off direct payments, or invoiced.
    pub weekly_contribution: Money,
    /// Payments stop for days from this date while it is set.
    pub suspended_from: Option<Date>,
    pub suspension_reason: Option<String>,
    /// When support ended early: the day, why and who decided (`end_date` is then the
    /// ending day).
    pub ended: Option<SupportEnded>,
}

/// Support that has ended.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct SupportEnded {
    pub ended_on: Date,
    pub reason: selfdirect_domain::review::ending::EndingReason,
    pub ended_by: String,
    /// The end the plan had before.
    pub planned_end_date: Date,
    /// What was decided about days already paid for after the ending, if there were any.
    pub overpaid_days: Option<selfdirect_domain::review::ending::OverpaidDays>,
}

/// A written notice that unspent direct-payment money will be recovered.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct RecoveryNotice {
    pub id: Uuid,
    pub budget_account_id: AccountId,
    pub stream: FundingStream,
    pub amount: Money,
    pub noticed_on: Date,
    /// The last day the person may reply; nothing is recovered before it unless they agree.
    pub reply_by: Date,
    pub recovered_on: Option<Date>,
    pub agreed_early: bool,
}

/// What ending support did: the account as it now is, the notices sent, and the closing
/// statement per funding stream.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct EndingReport {
    pub account: BudgetAccount,
    pub notices: Vec<RecoveryNotice>,
    pub closing_statement: Vec<StreamStatement>,
}

/// Where one funding stream's money is.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct StreamBalance {
    pub stream: FundingStream,
    /// Committed by the council for this budget.
    pub allocated: Money,
    /// Held by the council, not yet paid out.
    pub available: Money,
    pub held_by_budget_holder: Money,
    pub held_by_provider: Money,
    pub spent: Money,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct LedgerEntryRecord {
    pub id: Uuid,
    pub kind: EntryKind,
    pub occurred_on: Date,
    pub description: String,
    pub payee_name: Option<String>,
    pub postings: Vec<Posting>,
}

/// What recording spending wrote: the entry, and the account's totals after it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct SpendingRecorded {
    pub entry: LedgerEntryRecord,
    /// Not yet spent, wherever it is held, after this spending.
    pub unspent: Money,
    /// Spent from the budget so far, this included.
    pub spent: Money,
}

/// Most entries one page of an account's ledger holds.
pub const MOST_ENTRIES_A_PAGE: u32 = 500;

/// One page of an account's ledger, newest first.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct EntriesPage {
    pub entries: Vec<LedgerEntryRecord>,
    /// Pass as `before` for the next (older) page; absent on the last page.
    pub next_before: Option<Uuid>,
}

/// A budget account with its balances and its ledger.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct AccountView {
    pub account: BudgetAccount,
    pub balances: Vec<StreamBalance>,
    /// Not yet spent, wherever it is held.
    pub unspent: Money,
    pub spent: Money,
    /// Per funding stream, in plain English: what came in, went out, and is left.
    pub statements: Vec<StreamStatement>,
    pub entries: Vec<LedgerEntryRecord>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ReviewDue {
    pub budget_account_id: AccountId,
    pub person_id: PersonId,
    pub person_name: String,
    pub due_on: Date,
    pub overdue: bool,
    pub includes_direct_payment: bool,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Review {
    pub id: ReviewId,
    pub budget_account_id: AccountId,
    pub due_on: Date,
    pub completed_on: Date,
    pub reviewer: String,
    pub notes: String,
    pub next_review_due: Date,
    /// Who took part (empty for reviews recorded before this was asked).
    pub participants: Vec<selfdirect_domain::review::ReviewParticipant>,
    /// Which of the plan's outcomes were met.
    pub outcomes_met: Vec<String>,
    pub working: Option<String>,
    pub not_working: Option<String>,
    pub decision: Option<selfdirect_domain::review::ReviewDecision>,
}

/// Uptake for one council on one date.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct CouncilUptake {
    pub council_id: CouncilId,
    pub as_of: Date,
    #[serde(flatten)]
    pub uptake: Uptake,
}

/// The ledger's own check: every entry balances and the whole ledger sums to zero.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct TrialBalance {
    pub council_id: CouncilId,
    pub entries: i64,
    pub postings: i64,
    /// Entries whose postings do not add up to zero; always 0 in a sound ledger.
    pub unbalanced_entries: i64,
    /// Sum of every posting; always £0.00 in a sound ledger.
    pub sum_of_postings: Money,
    /// Totals per ledger account and stream.
    pub accounts: Vec<TrialBalanceLine>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct TrialBalanceLine {
    pub account: selfdirect_domain::money::ledger::LedgerAccount,
    pub stream: FundingStream,
    pub balance: Money,
}

/// An indicative budget given to a person, and why it was given.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct AllocationRecord {
    pub id: Uuid,
    pub assessment_id: AssessmentId,
    pub questionnaire_id: String,
    pub questionnaire_version: i64,
    /// `assessment`, `recalculation` (new or uprated rules) or `reconsideration`.
    pub reason: String,
    pub allocation: Allocation,
    pub created_at: String,
}

/// A request to look again at an indicative budget.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Reconsideration {
    pub id: ReconsiderationId,
    pub person_id: PersonId,
    pub assessment_id: AssessmentId,
    /// The indicative budget the request was about.
    pub budget_at_request: Money,
    pub requested_on: Date,
    pub requested_by: String,
    pub grounds: String,
    /// `open`, `upheld` or `not_upheld`.
    pub status: String,
    pub decided_on: Option<Date>,
    pub decided_by: Option<String>,
    pub decision_notes: Option<String>,
    pub revised_total: Option<Money>,
}

/// How the final budget differs from the indicative one, and why.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct BudgetDifference {
    /// Final minus indicative.
    pub amount: Money,
    pub reason: String,
}

/// Everything about one person, for their page.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct PersonOverview {
    pub person: Person,
    pub contacts: Vec<Contact>,
    pub assessment: Option<Assessment>,
    /// The indicative budget in force (it may have been recalculated or reconsidered since the assessment).
    pub allocation: Option<AllocationRecord>,
    pub reconsiderations: Vec<Reconsideration>,
    pub plan: Option<Plan>,
    pub account: Option<AccountView>,
    pub reviews: Vec<Review>,
    /// Moves from or to another council, as this council holds them.
    pub transfers: Vec<crate::TransferRecord>,
}
