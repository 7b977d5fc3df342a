//! Step 7: the quarterly statutory return in the style of the Adult Social Care Client
//! Level Data (CLD): one row per person per service event active in the quarter, with the
//! delivery mechanism and the cost in the quarter, and a validation report.
//!
//! A service event is a plan line of an approved plan with a budget account. Its planned
//! cost in the quarter is the line's annual cost pro rata to the days of the quarter it
//! covers; its actual cost is what the ledger shows spent on it in the quarter.

use crate::deployment::DeploymentOption;
use crate::money::Money;
use crate::person::ClientGroup;
use crate::plan::ServiceCategory;
use crate::validation::Problems;
use serde::Serialize;
use time::{Date, Month};
use uuid::Uuid;

/// A calendar quarter, from its first day.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Quarter {
    pub start: Date,
    pub end: Date,
}

impl Quarter {
    /// Reads a quarter's first day (`YYYY-01-01`, `-04-01`, `-07-01` or `-10-01`).
    pub fn parse(problems: &mut Problems, field: &str, text: &str) -> Option<Quarter> {
        let start = problems.date(field, text)?;
        if start.day() != 1 || !matches!(start.month(), Month::January | Month::April | Month::July | Month::October) {
            problems.add(field, format!("{start} is not the first day of a quarter (1 January, April, July or October)"));
            return None;
        }
        let end = crate::dates::add_months(start, 3) - time::Duration::days(1);
        Some(Quarter { start, end })
    }

    pub fn days(&self) -> i64 {
        (self.end - self.start).whole_days() + 1
    }
}

/// A service event as the records hold it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ServiceEvent {
    pub person_id: Uuid,
    pub client_group: ClientGroup,
    pub plan_line_id: Uuid,
    pub category: ServiceCategory,
    pub deployment: Option<DeploymentOption>,
    pub start: Date,
    pub end: Date,
    pub annual_cost: Money,
    /// Spent on this line within the quarter, from the ledger.
    pub spent_in_quarter: Money,
}

/// One row of the return.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ReturnRow {
    pub person_id: Uuid,
    pub reporting_period_start: String,
    pub reporting_period_end: String,
    pub primary_support_reason: &'static str,
    pub service_type: &'static str,
    pub service_component: &'static str,
    pub delivery_mechanism: &'static str,
    pub event_start: String,
    pub event_end: String,
    pub planned_cost_in_period: Money,
    pub actual_cost_in_period: Money,
}

/// A problem found while building the return: the row is left out and the problem listed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ReturnProblem {
    pub person_id: Uuid,
    pub plan_line_id: Uuid,
    pub problem: String,
}

/// The return and its validation report.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct StatutoryReturn {
    pub rows: Vec<ReturnRow>,
    pub problems: Vec<ReturnProblem>,
    pub people: usize,
    pub total_planned: Money,
    pub total_actual: Money,
}

/// The CLD primary support reason for a client group (the list in
/// `data/cld-code-lists.toml`). A group that names no one reason says "Unknown" rather
/// than guess: sensory impairment does not say whether sight or hearing, nor autism
/// whether a learning disability.
pub fn primary_support_reason(group: ClientGroup) -> &'static str {
    match group {
        ClientGroup::OlderPerson | ClientGroup::PhysicalDisability => "Physical Support: Personal care support",
        ClientGroup::LearningDisability => "Learning disability support",
        ClientGroup::MentalHealth => "Mental health support",
        ClientGroup::Carer => "Social support: Support to unpaid carer",
        ClientGroup::SensoryImpairment | ClientGroup::Autism => "Unknown",
    }
}

/// The CLD service type: every plan line is long-term support in the community (a
/// personal budget; residential and short-term support are not bought through plans).
pub fn service_type(_category: ServiceCategory) -> &'static str {
    "Long term support: Community"
}

/// The CLD service component, separate from the type. A line held as a direct payment is
/// the component "Direct payment", whatever it buys.
pub fn service_component(category: ServiceCategory, deployment: DeploymentOption) -> &'static str {
    if deployment == DeploymentOption::DirectPayment {
        return "Direct payment";
    }
    match category {
        ServiceCategory::PersonalCare | ServiceCategory::PersonalAssistant => "Home support or domiciliary care",
        ServiceCategory::DayService => "Day support",
        ServiceCategory::Equipment => "Equipment",
        ServiceCategory::Transport => "Transport",
        ServiceCategory::HousingSupport => "Community supported living",
        ServiceCategory::Education | ServiceCategory::Employment => "Learning, education or employment support",
        ServiceCategory::RespiteAndShortBreaks | ServiceCategory::Leisure | ServiceCategory::Other => "Other long term support",
    }
}

/// The CLD delivery mechanism: an individual service fund is a managed personal budget.
pub fn delivery_mechanism(deployment: DeploymentOption) -> &'static str {
    match deployment {
        DeploymentOption::DirectPayment => "Direct payment",
        DeploymentOption::CouncilManaged | DeploymentOption::IndividualServiceFund => "CASSR managed personal budget",
    }
}

/// Builds the return for a quarter. Events not active in the quarter are left out
/// silently; events that cannot be reported (no delivery mechanism chosen, dates the wrong
/// way round) are left out and listed as problems.
pub fn build_return(events: &[ServiceEvent], quarter: Quarter) -> StatutoryReturn {
    let mut rows = Vec::new();
    let mut problems = Vec::new();
    for e in events {
        let problem = |text: String| ReturnProblem { person_id: e.person_id, plan_line_id: e.plan_line_id, problem: text };
        if e.end < e.start {
            problems.push(problem(format!("the service ends ({}) before it starts ({})", e.end, e.start)));
            continue;
        }
        let (from, to) = (e.start.max(quarter.start), e.end.min(quarter.end));
        if from > to {
            continue;
        }
        let Some(deployment) = e.deployment else {
            problems.push(problem("no delivery mechanism: the plan line has no deployment chosen".into()));
            continue;
        };
        if e.annual_cost.is_negative() || e.spent_in_quarter.is_negative() {
            problems.push(problem(format!("a negative cost ({} planned, {} spent)", e.annual_cost, e.spent_in_quarter)));
            continue;
        }
        // Pro rata by days over a 365-day year, in whole pence, rounded half up.
        let days = (to - from).whole_days() + 1;
        let planned = Money::from_pence((e.annual_cost.pence() as i128 * days as i128 * 2 + 365) as i64 / 730);
        rows.push(ReturnRow {
            person_id: e.person_id,
            reporting_period_start: crate::dates::iso(quarter.start),
            reporting_period_end: crate::dates::iso(quarter.end),
            primary_support_reason: primary_support_reason(e.client_group),
            service_type: service_type(e.category),
            service_component: service_component(e.category, deployment),
            delivery_mechanism: delivery_mechanism(deployment),
            event_start: crate::dates::iso(e.start),
            event_end: crate::dates::iso(e.end),
            planned_cost_in_period: planned,
            actual_cost_in_period: e.spent_in_quarter,
        });
    }
    rows.sort_by(|a, b| (a.person_id, &a.event_start, a.service_type).cmp(&(b.person_id, &b.event_start, b.service_type)));
    let people = rows.iter().map(|r| r.person_id).collect::<std::collections::BTreeSet<_>>().len();
    let total_planned = rows.iter().map(|r| r.planned_cost_in_period).sum();
    let total_actual = rows.iter().map(|r| r.actual_cost_in_period).sum();
    StatutoryReturn { rows, problems, people, total_planned, total_actual }
}

/// The return as CSV, header first.
pub fn return_csv(r: &StatutoryReturn) -> String {
    let mut out = crate::export::csv_in_memory();
    // The specification's headers for the items held; the two costs in the period are the
    // council's own figures, after them.
    let header = [
        "LA Person Unique Identifier",
        "Reporting Period Start Date",
        "Reporting Period End Date",
        "Client Type",
        "Primary Support Reason",
        "Event Type",
        "Event Start Date",
        "Event End Date",
        "Service Type",
        "Service Component",
        "Delivery Mechanism",
        "planned_cost_in_period",
        "actual_cost_in_period",
    ];
    out.write_record(header).expect("writing to memory");
    for row in &r.rows {
        out.write_record([
            row.person_id.to_string(),
            row.reporting_period_start.clone(),
            row.reporting_period_end.clone(),
            "Service user".to_string(),
            row.primary_support_reason.to_string(),
            "Service".to_string(),
            row.event_start.clone(),
            row.event_end.clone(),
            row.service_type.to_string(),
            row.service_component.to_string(),
            row.delivery_mechanism.to_string(),
            row.planned_cost_in_period.to_plain_string(),
            row.actual_cost_in_period.to_plain_string(),
        ])
        .expect("writing to memory");
    }
    String::from_utf8(out.into_inner().expect("writing to memory")).expect("CSV of UTF-8 text is UTF-8")
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::date;

    fn event(start: Date, end: Date, annual: i64, deployment: Option<DeploymentOption>) -> ServiceEvent {
        ServiceEvent {
            person_id: Uuid::from_u128(1),
            client_group: ClientGroup::LearningDisability,
            plan_line_id: Uuid::from_u128(2),
            category: ServiceCategory::DayService,
            deployment,
            start,
            end,
            annual_cost: Money::from_pounds(annual),
            spent_in_quarter: Money::from_pounds(100),
        }
    }

    #[test]
    fn quarters_are_read_from_their_first_day() {
        let mut p = Problems::new();
        let q = Quarter::parse(&mut p, "quarter", "2026-07-01").unwrap();
        assert_eq!((q.start, q.end, q.days()), (date!(2026 - 07 - 01), date!(2026 - 09 - 30), 92));
        assert!(Quarter::parse(&mut p, "quarter", "2026-08-01").is_none());
        assert!(Quarter::parse(&mut p, "quarter", "soon").is_none());
        assert_eq!(p.as_slice().len(), 2);
    }

    #[test]
    fn rows_checked_field_by_field_with_hand_worked_costs() {
        let mut p = Problems::new();
        let q = Quarter::parse(&mut p, "quarter", "2026-07-01").unwrap();
        let events = [
            // Whole quarter: £3,650 a year × 92/365 = £920.00.
            event(date!(2026 - 04 - 01), date!(2027 - 03 - 31), 3_650, Some(DeploymentOption::DirectPayment)),
            // Starts 2026-09-01: 30 days of £7,300 a year = £600.00.
            ServiceEvent {
                plan_line_id: Uuid::from_u128(3),
                category: ServiceCategory::PersonalAssistant,
                ..event(date!(2026 - 09 - 01), date!(2027 - 08 - 31), 7_300, Some(DeploymentOption::CouncilManaged))
            },
            // Over before the quarter: left out.
            event(date!(2025 - 04 - 01), date!(2026 - 03 - 31), 1_000, Some(DeploymentOption::DirectPayment)),
            // No deployment: a problem, not a row.
            ServiceEvent { plan_line_id: Uuid::from_u128(4), ..event(date!(2026 - 04 - 01), date!(2027 - 03 - 31), 500, None) },
        ];
        let r = build_return(&events, q);
        assert_eq!(r.rows.len(), 2);
        let first = &r.rows[0];
        assert_eq!(first.person_id, Uuid::from_u128(1));
        assert_eq!((first.reporting_period_start.as_str(), first.reporting_period_end.as_str()), ("2026-07-01", "2026-09-30"));
        assert_eq!(first.primary_support_reason, "Learning disability support");
        assert_eq!((first.service_type, first.service_component), ("Long term support: Community", "Direct payment"));
        assert_eq!(first.delivery_mechanism, "Direct payment");
        assert_eq!((first.event_start.as_str(), first.event_end.as_str()), ("2026-04-01", "2027-03-31"));
        assert_eq!(first.planned_cost_in_period, Money::from_pounds(920));
        assert_eq!(first.actual_cost_in_period, Money::from_pounds(100));
        let second = &r.rows[1];
        assert_eq!((second.service_component, second.delivery_mechanism), ("Home support or domiciliary care", "CASSR managed personal budget"));
        assert_eq!(second.planned_cost_in_period, Money::from_pounds(600));
        assert_eq!(r.problems.len(), 1);
        assert!(r.problems[0].problem.contains("no delivery mechanism"));
        assert_eq!((r.people, r.total_planned, r.total_actual), (1, Money::from_pounds(1_520), Money::from_pounds(200)));
        let csv = return_csv(&r);
        let lines: Vec<&str> = csv.lines().collect();
        assert_eq!(lines.len(), 3);
        assert!(lines[0].starts_with("LA Person Unique Identifier,Reporting Period Start Date,Reporting Period End Date,Client Type,"), "{}", lines[0]);
        assert_eq!(
            lines[1],
            "00000000-0000-0000-0000-000000000001,2026-07-01,2026-09-30,Service user,Learning disability support,Service,2026-04-01,2027-03-31,\
             Long term support: Community,Direct payment,Direct payment,920.00,100.00"
        );
    }

    /// Every value the return can write is in the vendored code list for its item.
    #[test]
    fn every_code_written_is_in_its_list() {
        use crate::learning::cld_lists::is_listed;
        for group in ClientGroup::ALL {
            assert!(is_listed("primary_support_reason", primary_support_reason(*group)), "{group:?}");
        }
        for category in ServiceCategory::ALL {
            assert!(is_listed("service_type", service_type(*category)), "{category:?}");
            for deployment in DeploymentOption::ALL {
                assert!(is_listed("service_component", service_component(*category, *deployment)), "{category:?} {deployment:?}");
                assert!(is_listed("delivery_mechanism", delivery_mechanism(*deployment)), "{deployment:?}");
            }
        }
        assert!(is_listed("client_type", "Service user") && is_listed("event_type", "Service"));
    }
}
