//! Step 5: personal assistants employed by the budget holder — timesheets to a gross pay
//! schedule a payroll provider can run.
//!
//! Rates are the 2025/26 ones for England and are data ([`PayrollRules`]), so a new tax
//! year is a new value, not new code. Holiday accrues at 12.07% of hours worked (5.6
//! weeks' leave over the 46.4 weeks worked). Employer National Insurance is 15% of weekly
//! pay above the secondary threshold; the employer's pension contribution is 3% of
//! qualifying earnings once pay reaches the auto-enrolment trigger. Income tax and the
//! employee's own deductions are the payroll provider's job: this is the gross schedule.

use crate::money::Money;
use crate::validation::Problems;
use rust_decimal::Decimal;
use serde::Serialize;
use time::Date;

/// The year's employment rates.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PayrollRules {
    /// Holiday hours accrued per hour worked, as a percentage.
    pub holiday_accrual_percent: Decimal,
    pub employer_ni_percent: Decimal,
    /// Weekly pay above which employer National Insurance is due.
    pub ni_secondary_threshold_weekly: Money,
    pub employer_pension_percent: Decimal,
    /// Weekly pay from which the worker must be enrolled in a pension.
    pub pension_trigger_weekly: Money,
    /// Qualifying earnings: the band of weekly pay the pension percentage applies to.
    pub pension_lower_weekly: Money,
    pub pension_upper_weekly: Money,
    /// The lowest hourly rate allowed (the National Living Wage).
    pub minimum_hourly_rate: Money,
}

impl PayrollRules {
    /// April 2025 to March 2026.
    pub fn england_2025_26() -> PayrollRules {
        PayrollRules {
            holiday_accrual_percent: Decimal::new(1207, 2),
            employer_ni_percent: Decimal::from(15),
            ni_secondary_threshold_weekly: Money::from_pounds(96),
            employer_pension_percent: Decimal::from(3),
            pension_trigger_weekly: Money::from_pounds(192),
            pension_lower_weekly: Money::from_pounds(120),
            pension_upper_weekly: Money::from_pounds(967),
            minimum_hourly_rate: Money::from_pence(1_221),
        }
    }
}

/// One week's timesheet, checked.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Timesheet {
    pub week_start: Date,
    pub hours_worked: Decimal,
    /// Paid holiday taken this week.
    pub holiday_hours: Decimal,
}

/// Checks a timesheet as typed.
pub fn read_timesheet(week_start: &str, hours_worked: &str, holiday_hours: &str) -> Result<Timesheet, Problems> {
    let mut p = Problems::new();
    let week_start = p.date("week_start", week_start);
    let hours = |p: &mut Problems, field: &str, text: &str| match text.trim() {
        "" | "0" => Some(Decimal::ZERO),
        t => p.quantity(field, t, Decimal::from(7 * 24)),
    };
    let worked = hours(&mut p, "hours_worked", hours_worked);
    let holiday = hours(&mut p, "holiday_hours", holiday_hours);
    if let (Some(w), Some(h)) = (worked, holiday) {
        if w + h > Decimal::from(7 * 24) {
            p.add("hours_worked", "with holiday, comes to more hours than a week has");
        }
        if w + h == Decimal::ZERO {
            p.add("hours_worked", "a timesheet needs hours worked or holiday taken");
        }
    }
    p.into_result(())?;
    Ok(Timesheet { week_start: week_start.expect("checked"), hours_worked: worked.expect("checked"), holiday_hours: holiday.expect("checked") })
}

/// One row of the gross pay schedule.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct PayLine {
    pub week_start: Date,
    #[serde(with = "rust_decimal::serde::str")]
    #[cfg_attr(feature = "openapi", schema(value_type = String))]
    pub hours_worked: Decimal,
    #[serde(with = "rust_decimal::serde::str")]
    #[cfg_attr(feature = "openapi", schema(value_type = String))]
    pub holiday_hours: Decimal,
    pub hourly_rate: Money,
    pub gross_pay: Money,
    /// Holiday hours earned this week.
    #[serde(with = "rust_decimal::serde::str")]
    #[cfg_attr(feature = "openapi", schema(value_type = String))]
    pub holiday_accrued: Decimal,
    /// Holiday hours left after this week.
    #[serde(with = "rust_decimal::serde::str")]
    #[cfg_attr(feature = "openapi", schema(value_type = String))]
    pub holiday_balance: Decimal,
    pub employer_ni: Money,
    pub employer_pension: Money,
    /// Gross pay plus the employer's costs: what the week costs the budget.
    pub employer_cost: Money,
}

fn percent_of(amount: Money, percent: Decimal) -> Money {
    Money::from_decimal_rounded(amount.to_decimal() * percent / Decimal::from(100)).expect("in range")
}

/// Turns a PA's timesheets (any order) into weekly pay lines, carrying the holiday balance
/// forward from `opening_holiday_hours`. Refuses holiday not yet earned.
pub fn pay_schedule(rules: &PayrollRules, hourly_rate: Money, opening_holiday_hours: Decimal, timesheets: &[Timesheet]) -> Result<Vec<PayLine>, Problems> {
    let mut p = Problems::new();
    if hourly_rate < rules.minimum_hourly_rate {
        p.add("hourly_rate", format!("{hourly_rate} is below the National Living Wage of {}", rules.minimum_hourly_rate));
        return Err(p);
    }
    let mut sheets = timesheets.to_vec();
    sheets.sort_by_key(|t| t.week_start);
    let mut balance = opening_holiday_hours;
    let mut lines = Vec::with_capacity(sheets.len());
    for t in sheets {
        if t.holiday_hours > balance {
            p.add(format!("week of {}", t.week_start), format!("{} hours of holiday taken, but only {} hours earned", t.holiday_hours, balance.round_dp(2)));
            continue;
        }
        let accrued = (t.hours_worked * rules.holiday_accrual_percent / Decimal::from(100)).round_dp(2);
        balance = balance - t.holiday_hours + accrued;
        let gross = Money::from_decimal_rounded((t.hours_worked + t.holiday_hours) * hourly_rate.to_decimal()).expect("in range");
        let ni = percent_of((gross - rules.ni_secondary_threshold_weekly).max(Money::ZERO), rules.employer_ni_percent);
        let pension = if gross >= rules.pension_trigger_weekly {
            percent_of((gross.min(rules.pension_upper_weekly) - rules.pension_lower_weekly).max(Money::ZERO), rules.employer_pension_percent)
        } else {
            Money::ZERO
        };
        lines.push(PayLine {
            week_start: t.week_start,
            hours_worked: t.hours_worked,
            holiday_hours: t.holiday_hours,
            hourly_rate,
            gross_pay: gross,
            holiday_accrued: accrued,
            holiday_balance: balance,
            employer_ni: ni,
            employer_pension: pension,
            employer_cost: gross + ni + pension,
        });
    }
    p.into_result(lines)
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::date;

    fn week(start: Date, worked: i64, holiday: i64) -> Timesheet {
        Timesheet { week_start: start, hours_worked: Decimal::from(worked), holiday_hours: Decimal::from(holiday) }
    }

    #[test]
    fn a_pa_paid_fifteen_pounds_an_hour() {
        let rules = PayrollRules::england_2025_26();
        let rate = Money::from_pounds(15);
        let lines = pay_schedule(&rules, rate, Decimal::ZERO, &[week(date!(2026 - 04 - 13), 20, 0), week(date!(2026 - 04 - 06), 20, 0)]).unwrap();
        // In date order; 20 hours earn 2.41 hours of holiday (12.07%).
        assert_eq!(lines[0].week_start, date!(2026 - 04 - 06));
        assert_eq!((lines[0].holiday_accrued, lines[1].holiday_balance), (Decimal::new(241, 2), Decimal::new(482, 2)));
        // £300 gross: NI 15% of £204 = £30.60; pension 3% of £180 = £5.40.
        assert_eq!(
            (lines[0].gross_pay, lines[0].employer_ni, lines[0].employer_pension),
            (Money::from_pounds(300), Money::from_pence(3_060), Money::from_pence(540))
        );
        assert_eq!(lines[0].employer_cost, Money::from_pence(33_600));
        // £90 a week: below both thresholds.
        let small = pay_schedule(&rules, rate, Decimal::ZERO, &[week(date!(2026 - 04 - 06), 6, 0)]).unwrap();
        assert_eq!((small[0].employer_ni, small[0].employer_pension), (Money::ZERO, Money::ZERO));
    }

    #[test]
    fn holiday_must_be_earned_and_the_wage_legal() {
        let rules = PayrollRules::england_2025_26();
        let err = pay_schedule(&rules, Money::from_pounds(15), Decimal::ZERO, &[week(date!(2026 - 04 - 06), 10, 4)]).unwrap_err();
        assert!(err.to_string().contains("only 0 hours earned"), "{err}");
        let lines = pay_schedule(&rules, Money::from_pounds(15), Decimal::from(5), &[week(date!(2026 - 04 - 06), 10, 4)]).unwrap();
        assert_eq!(lines[0].gross_pay, Money::from_pounds(210));
        assert_eq!(lines[0].holiday_balance, Decimal::new(2_21, 2));
        let err = pay_schedule(&rules, Money::from_pounds(10), Decimal::ZERO, &[]).unwrap_err();
        assert!(err.to_string().contains("National Living Wage"), "{err}");
        assert!(read_timesheet("2026-04-06", "100", "80").is_err());
        assert!(read_timesheet("2026-04-06", "", "").is_err());
        assert!(read_timesheet("2026-04-06", "-3", "").is_err());
    }
}
