//! Step 3: the support plan — the person's outcomes, what they will buy, and its approval.

use crate::codes::coded_enum;
pub use crate::deployment::streams::FundingStream;
use crate::deployment::streams::FundingStreams;
use crate::deployment::DeploymentOption;
use crate::money::Money;
use crate::validation::Problems;
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};
use time::Date;

pub mod revision;

coded_enum!(
    /// What kind of support a plan line buys; the market intelligence groups spending by it.
    ServiceCategory {
        PersonalCare => ("personal_care", "Personal care (home care agency)"),
        PersonalAssistant => ("personal_assistant", "Personal assistant"),
        DayService => ("day_service", "Day service"),
        RespiteAndShortBreaks => ("respite", "Respite and short breaks"),
        Leisure => ("leisure", "Leisure and community activities"),
        Education => ("education", "Education and learning"),
        Employment => ("employment", "Employment support"),
        Equipment => ("equipment", "Equipment and technology"),
        Transport => ("transport", "Transport"),
        HousingSupport => ("housing_support", "Housing-related support"),
        Other => ("other", "Other"),
    }
);

coded_enum!(
    /// How often a plan line's units are bought.
    Frequency {
        Weekly => ("weekly", "every week"),
        FourWeekly => ("four_weekly", "every four weeks"),
        Monthly => ("monthly", "every month"),
        Yearly => ("yearly", "every year"),
        OneOff => ("one_off", "once"),
    }
);

impl Frequency {
    /// How many periods of this frequency fall in a year.
    pub fn periods_per_year(self) -> Decimal {
        match self {
            Frequency::Weekly => Decimal::from(52),
            Frequency::FourWeekly => Decimal::from(13),
            Frequency::Monthly => Decimal::from(12),
            Frequency::Yearly | Frequency::OneOff => Decimal::ONE,
        }
    }
}

coded_enum!(
    /// Where a plan is in its approval.
    PlanStatus {
        Draft => ("draft", "Draft"),
        Submitted => ("submitted", "Waiting for approval"),
        Approved => ("approved", "Approved"),
        Returned => ("returned", "Returned for changes"),
    }
);

/// One thing the person will buy.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct PlanLine {
    pub description: String,
    /// Who provides it: an agency, a PA's name, a shop, "myself".
    pub provider: String,
    pub category: ServiceCategory,
    pub frequency: Frequency,
    /// Units bought each period (hours a week, sessions a month, 1 for an item).
    #[cfg_attr(feature = "openapi", schema(value_type = String, example = "10.5"))]
    #[serde(with = "rust_decimal::serde::str")]
    pub units_per_period: Decimal,
    pub unit_cost: Money,
    pub stream: FundingStream,
    /// How this line's money is held, once chosen.
    pub deployment: Option<DeploymentOption>,
    /// Risk enablement: a risk the person chooses to take with this line (employing a
    /// friend, going out alone), what could go wrong and how it is managed. A plan with one
    /// is a team manager's decision.
    #[serde(default)]
    pub risk_note: Option<String>,
}

impl PlanLine {
    /// The cost over a year, to the nearest penny.
    pub fn annual_cost(&self) -> Money {
        let annual = self.unit_cost.to_decimal() * self.units_per_period * self.frequency.periods_per_year();
        Money::from_decimal_rounded(annual).expect("validated line costs are far below the range of i64 pence")
    }
}

/// The content of a plan a person can edit while it is a draft.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PlanContent {
    pub outcomes: Vec<String>,
    pub lines: Vec<PlanLine>,
    pub start_date: Date,
    pub end_date: Date,
    /// Why the plan costs more than the indicative budget, when it does.
    pub over_budget_reason: Option<String>,
}

impl PlanContent {
    pub fn total(&self) -> Money {
        self.lines.iter().map(PlanLine::annual_cost).sum()
    }
}

/// Raw plan line, as typed.
#[derive(Debug, Clone, Default, Deserialize, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct PlanLineInput {
    pub description: String,
    pub provider: String,
    /// A service category code, e.g. `personal_assistant`.
    pub category: String,
    /// `weekly`, `four_weekly`, `monthly`, `yearly` or `one_off`.
    pub frequency: String,
    /// Units each period, e.g. `10` hours.
    pub units_per_period: String,
    /// Pounds per unit, e.g. `14.50`.
    pub unit_cost: String,
    /// A funding stream code; defaults to `adult_social_care`.
    #[serde(default)]
    pub stream: Option<String>,
    /// Risk enablement note, if the person is choosing to take a risk with this line.
    #[serde(default)]
    pub risk_note: Option<String>,
}

/// Raw plan, as typed.
#[derive(Debug, Clone, Default, Deserialize, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct PlanInput {
    pub outcomes: Vec<String>,
    pub lines: Vec<PlanLineInput>,
    /// `YYYY-MM-DD`
    pub start_date: String,
    /// `YYYY-MM-DD`
    pub end_date: String,
    #[serde(default)]
    pub over_budget_reason: Option<String>,
}

/// The most a single plan may hold; beyond it a typo is far likelier than a real need.
pub const MAX_LINES: usize = 100;

/// Checks what a person typed into a plan, including each line's funding stream rules.
/// Whether it fits the budget is checked on submission ([`check_submission`]), so a
/// person can save a draft that does not fit yet.
pub fn validate_plan(input: &PlanInput, streams: &FundingStreams) -> Result<PlanContent, Problems> {
    let mut p = Problems::new();
    let mut outcomes = Vec::new();
    for (i, outcome) in input.outcomes.iter().enumerate() {
        if let Some(text) = p.text(&format!("outcomes[{i}]"), outcome, 500) {
            outcomes.push(text);
        }
    }
    if input.lines.len() > MAX_LINES {
        p.add("lines", format!("a plan can have at most {MAX_LINES} lines"));
    }
    let mut lines = Vec::new();
    for (i, line) in input.lines.iter().enumerate() {
        let at = |f: &str| format!("lines[{i}].{f}");
        let description = p.text(&at("description"), &line.description, 200);
        let provider = p.text(&at("provider"), &line.provider, 200);
        let category = ServiceCategory::parse(&mut p, &at("category"), &line.category);
        let frequency = Frequency::parse(&mut p, &at("frequency"), &line.frequency);
        let units = p.quantity(&at("units_per_period"), &line.units_per_period, Decimal::from(10_000));
        let unit_cost = p.money(&at("unit_cost"), &line.unit_cost);
        if unit_cost.is_some_and(|c| c > Money::from_pounds(1_000_000)) {
            p.add(at("unit_cost"), "must be £1,000,000 or less");
        }
        let risk_note = p.optional_text(&at("risk_note"), line.risk_note.as_deref(), 2000);
        let stream = match line.stream.as_deref().map(str::trim) {
            None | Some("") => Some(streams.default_stream()),
            Some(code) => streams.parse(&mut p, &at("stream"), code),
        };
        if let (Some(stream), Some(category)) = (&stream, category) {
            streams.check_category(&mut p, &at("stream"), stream, category);
        }
        if let (Some(description), Some(provider), Some(category), Some(frequency), Some(units_per_period), Some(unit_cost), Some(stream)) =
            (description, provider, category, frequency, units, unit_cost, stream)
        {
            lines.push(PlanLine { description, provider, category, frequency, units_per_period, unit_cost, stream, deployment: None, risk_note });
        }
    }
    let start_date = p.date("start_date", &input.start_date);
    let end_date = p.date("end_date", &input.end_date);
    p.dates_in_order("end_date", start_date, end_date, "start_date");
    let over_budget_reason = p.optional_text("over_budget_reason", input.over_budget_reason.as_deref(), 2000);
    if !p.is_empty() {
        return Err(p);
    }
    Ok(PlanContent { outcomes, lines, start_date: start_date.expect("checked"), end_date: end_date.expect("checked"), over_budget_reason })
}

/// What is needed before a plan can go for approval: at least one outcome and one line,
/// and a cost within the indicative budget or a reason why it needs more.
pub fn check_submission(plan: &PlanContent, indicative_budget: Money) -> Result<(), Problems> {
    let mut p = Problems::new();
    if plan.outcomes.is_empty() {
        p.add("outcomes", "add at least one outcome: what you want your support to help you achieve");
    }
    if plan.lines.is_empty() {
        p.add("lines", "add at least one thing you will spend your budget on");
    } else if plan.total().is_zero() {
        p.add("lines", "the plan costs £0.00; add what each thing costs");
    }
    let total = plan.total();
    if total > indicative_budget && plan.over_budget_reason.is_none() {
        p.add(
            "over_budget_reason",
            format!(
                "the plan costs {total}, which is {} more than the indicative budget of {indicative_budget}; say why it needs more",
                total - indicative_budget
            ),
        );
    }
    p.into_result(())
}

/// A change of plan status that is not allowed from where the plan is.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("the plan is {} and cannot be {action}", from.label().to_lowercase())]
pub struct TransitionError {
    pub from: PlanStatus,
    pub action: &'static str,
}

impl PlanStatus {
    pub fn can_edit(self) -> bool {
        matches!(self, PlanStatus::Draft | PlanStatus::Returned)
    }

    pub fn edit(self) -> Result<PlanStatus, TransitionError> {
        if self.can_edit() {
            Ok(PlanStatus::Draft)
        } else {
            Err(TransitionError { from: self, action: "changed" })
        }
    }

    pub fn submit(self) -> Result<PlanStatus, TransitionError> {
        if self.can_edit() {
            Ok(PlanStatus::Submitted)
        } else {
            Err(TransitionError { from: self, action: "submitted" })
        }
    }

    pub fn approve(self) -> Result<PlanStatus, TransitionError> {
        match self {
            PlanStatus::Submitted => Ok(PlanStatus::Approved),
            _ => Err(TransitionError { from: self, action: "approved" }),
        }
    }

    pub fn return_for_changes(self) -> Result<PlanStatus, TransitionError> {
        match self {
            PlanStatus::Submitted => Ok(PlanStatus::Returned),
            _ => Err(TransitionError { from: self, action: "returned" }),
        }
    }
}

/// One live budget per person: a plan or budget account for `start`..=`end` may not
/// overlap the days of another the person already has (`live`: approved plans and budget
/// accounts). The error says what to do instead.
pub fn check_one_live_budget(live: &[(Date, Date)], start: Date, end: Date) -> Result<(), String> {
    match live.iter().find(|(from, to)| *from <= end && *to >= start) {
        None => Ok(()),
        Some((from, to)) => Err(format!(
            "the person already has a personal budget from {} to {}, and a person has one live budget at a time: change that budget's plan, or end it before this one starts",
            crate::dates::long(*from),
            crate::dates::long(*to)
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    pub(crate) fn line(category: &str, frequency: &str, units: &str, cost: &str) -> PlanLineInput {
        PlanLineInput {
            description: "Support".into(),
            provider: "Someone".into(),
            category: category.into(),
            frequency: frequency.into(),
            units_per_period: units.into(),
            unit_cost: cost.into(),
            stream: None,
            risk_note: None,
        }
    }

    fn validate_plan_standard(input: &PlanInput) -> Result<PlanContent, Problems> {
        validate_plan(input, &FundingStreams::standard())
    }

    #[test]
    fn streams_limit_what_a_line_may_buy() {
        let mut bad = line("leisure", "monthly", "1", "30");
        bad.stream = Some("supporting_people".into());
        let mut unknown = line("leisure", "monthly", "1", "30");
        unknown.stream = Some("lottery".into());
        let problems = validate_plan_standard(&input(vec![bad, unknown])).unwrap_err();
        let fields: Vec<_> = problems.as_slice().iter().map(|e| e.field.as_str()).collect();
        assert_eq!(fields, ["lines[0].stream", "lines[1].stream"]);
    }

    fn input(lines: Vec<PlanLineInput>) -> PlanInput {
        PlanInput {
            outcomes: vec!["Get to the allotment twice a week".into()],
            lines,
            start_date: "2026-04-01".into(),
            end_date: "2027-03-31".into(),
            over_budget_reason: None,
        }
    }

    #[test]
    fn annual_costs() {
        let plan = validate_plan_standard(&input(vec![
            line("personal_assistant", "weekly", "10", "14.50"),
            line("equipment", "one_off", "1", "329.99"),
            line("leisure", "four_weekly", "2", "7.25"),
        ]))
        .unwrap();
        let costs: Vec<_> = plan.lines.iter().map(|l| l.annual_cost()).collect();
        assert_eq!(costs, [Money::from_pence(754000), Money::from_pence(32999), Money::from_pence(18850)]);
        assert_eq!(plan.total(), Money::from_pence(805849));
    }

    #[test]
    fn bad_lines_name_their_fields() {
        let problems = validate_plan_standard(&PlanInput { end_date: "2026-01-01".into(), ..input(vec![line("spa", "daily", "-1", "abc")]) }).unwrap_err();
        let fields: Vec<_> = problems.as_slice().iter().map(|e| e.field.as_str()).collect();
        assert_eq!(fields, ["lines[0].category", "lines[0].frequency", "lines[0].units_per_period", "lines[0].unit_cost", "end_date"]);
    }

    #[test]
    fn over_budget_needs_a_reason() {
        let mut plan = validate_plan_standard(&input(vec![line("personal_assistant", "weekly", "20", "15")])).unwrap();
        let problems = check_submission(&plan, Money::from_pounds(10_000)).unwrap_err();
        assert_eq!(problems.as_slice()[0].field, "over_budget_reason");
        assert!(problems.as_slice()[0].problem.contains("£15,600.00"), "{problems}");
        plan.over_budget_reason = Some("Two-to-one support is needed for swimming".into());
        assert!(check_submission(&plan, Money::from_pounds(10_000)).is_ok());
    }

    #[test]
    fn status_moves() {
        use PlanStatus::*;
        assert_eq!(Draft.submit(), Ok(Submitted));
        assert_eq!(Submitted.approve(), Ok(Approved));
        assert_eq!(Submitted.return_for_changes(), Ok(Returned));
        assert_eq!(Returned.edit(), Ok(Draft));
        assert_eq!(Returned.submit(), Ok(Submitted));
        let err = Approved.approve().unwrap_err();
        assert_eq!(err.to_string(), "the plan is approved and cannot be approved");
        assert!(Approved.edit().is_err());
        assert!(Draft.approve().is_err());
    }

    proptest! {
        #[test]
        fn the_total_is_the_sum_of_line_costs(lines in proptest::collection::vec((1u32..100, 0i64..100_000), 1..20)) {
            let inputs: Vec<_> = lines.iter().map(|(u, c)| line("other", "weekly", &u.to_string(), &Money::from_pence(*c).to_plain_string())).collect();
            let plan = validate_plan_standard(&input(inputs)).unwrap();
            let expected: i64 = lines.iter().map(|(u, c)| i64::from(*u) * c * 52).sum();
            prop_assert_eq!(plan.total(), Money::from_pence(expected));
        }
    }
}
