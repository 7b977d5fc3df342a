//! Before step 4 for existing users: services the council commissions for a person who
//! has no personal budget yet. At review they are offered one; the commissioned service
//! ends the day before the budget starts, so the person is counted once in uptake (ASCOF
//! 1C): receiving long-term support without a personal budget before, with one after.

use crate::money::Money;
use crate::plan::ServiceCategory;
use crate::validation::Problems;
use serde::{Deserialize, Serialize};
use time::Date;

/// A commissioned service, as typed.
#[derive(Debug, Clone, Default, Deserialize, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct CommissionedServiceInput {
    /// What the service is, e.g. "Home care, two visits a day".
    pub service: String,
    /// Who provides it.
    pub provider: String,
    /// A service category code, e.g. `personal_care`.
    pub category: String,
    /// What the council pays a week, in pounds, e.g. `245.00`.
    pub weekly_cost: String,
    /// `YYYY-MM-DD`: when it began.
    pub start_date: String,
}

/// A checked commissioned service.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CommissionedService {
    pub service: String,
    pub provider: String,
    pub category: ServiceCategory,
    pub weekly_cost: Money,
    pub start_date: Date,
}

/// Checks a commissioned service as typed: it cannot have begun after `today`.
pub fn validate_commissioned(input: &CommissionedServiceInput, today: Date) -> Result<CommissionedService, Problems> {
    let mut p = Problems::new();
    let service = p.text("service", &input.service, 200);
    let provider = p.text("provider", &input.provider, 200);
    let category = ServiceCategory::parse(&mut p, "category", &input.category);
    let weekly_cost = p.positive_money("weekly_cost", &input.weekly_cost);
    if weekly_cost.is_some_and(|c| c > Money::from_pounds(20_000)) {
        p.add("weekly_cost", "is more than £20,000 a week; check the amount");
    }
    let start_date = p.date("start_date", &input.start_date);
    if start_date.is_some_and(|d| d > today) {
        p.add("start_date", format!("is after today ({today}); record a service once it has begun"));
    }
    p.into_result(())?;
    Ok(CommissionedService {
        service: service.expect("checked"),
        provider: provider.expect("checked"),
        category: category.expect("checked"),
        weekly_cost: weekly_cost.expect("checked"),
        start_date: start_date.expect("checked"),
    })
}

/// The last day of a commissioned service that a personal budget replaces from
/// `budget_start`: the day before, or (a service that began on or after it) the day before
/// the service's own start, so it has no days at all.
pub fn last_day_before_budget(service_start: Date, budget_start: Date) -> Date {
    let before = |d: Date| d.previous_day().expect("dates are bounded at the edge");
    if service_start < budget_start {
        before(budget_start)
    } else {
        before(service_start)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::date;

    fn typed() -> CommissionedServiceInput {
        CommissionedServiceInput {
            service: "Home care, two visits a day".into(),
            provider: "Harbour Care".into(),
            category: "personal_care".into(),
            weekly_cost: "245.00".into(),
            start_date: "2025-06-02".into(),
        }
    }

    #[test]
    fn a_service_is_checked_naming_each_field() {
        let ok = validate_commissioned(&typed(), date!(2026 - 12 - 03)).unwrap();
        assert_eq!((ok.category, ok.weekly_cost), (ServiceCategory::PersonalCare, Money::from_pounds(245)));
        let bad =
            CommissionedServiceInput { service: " ".into(), category: "care".into(), weekly_cost: "-5".into(), start_date: "2027-01-01".into(), ..typed() };
        let problems = validate_commissioned(&bad, date!(2026 - 12 - 03)).unwrap_err();
        let fields: Vec<&str> = problems.as_slice().iter().map(|p| p.field.as_str()).collect();
        assert_eq!(fields, ["service", "category", "weekly_cost", "start_date"]);
    }

    #[test]
    fn a_budget_replaces_the_service_from_its_first_day() {
        assert_eq!(last_day_before_budget(date!(2025 - 06 - 02), date!(2026 - 04 - 01)), date!(2026 - 03 - 31));
        assert_eq!(last_day_before_budget(date!(2026 - 05 - 01), date!(2026 - 04 - 01)), date!(2026 - 04 - 30), "never ran alongside");
    }
}
