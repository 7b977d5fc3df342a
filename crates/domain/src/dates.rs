//! Calendar arithmetic the rules need (months with day clamping) and ISO date text.

use time::{Date, Month};

/// Parses `YYYY-MM-DD` strictly.
pub fn parse_iso_date(text: &str) -> Result<Date, time::error::Parse> {
    let format = time::macros::format_description!("[year]-[month]-[day]");
    Date::parse(text, &format)
}

/// Writes `YYYY-MM-DD`.
pub fn iso(date: Date) -> String {
    let format = time::macros::format_description!("[year]-[month]-[day]");
    date.format(&format).expect("a Date always formats")
}

/// Writes a date for people: `1 April 2026`.
pub fn long(date: Date) -> String {
    format!("{} {} {}", date.day(), date.month(), date.year())
}

/// Adds calendar months; a day past the end of the target month becomes its last day
/// (31 August + 6 months = 28 or 29 February), as councils count review dates.
pub fn add_months(date: Date, months: i32) -> Date {
    let zero_based = date.year() * 12 + (date.month() as i32 - 1) + months;
    let year = zero_based.div_euclid(12);
    let month = Month::try_from((zero_based.rem_euclid(12) + 1) as u8).expect("1..=12");
    let last_day = month.length(year);
    Date::from_calendar_date(year, month, date.day().min(last_day)).expect("day clamped to the month")
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::date;

    #[test]
    fn month_arithmetic_clamps_to_the_month_end() {
        assert_eq!(add_months(date!(2026 - 08 - 31), 6), date!(2027 - 02 - 28));
        assert_eq!(add_months(date!(2027 - 08 - 31), 6), date!(2028 - 02 - 29));
        assert_eq!(add_months(date!(2026 - 01 - 15), 12), date!(2027 - 01 - 15));
        assert_eq!(add_months(date!(2026 - 03 - 31), -1), date!(2026 - 02 - 28));
    }

    #[test]
    fn iso_round_trips_and_rejects_impossible_dates() {
        assert_eq!(iso(parse_iso_date("2026-04-01").unwrap()), "2026-04-01");
        assert!(parse_iso_date("2026-02-30").is_err());
        assert!(parse_iso_date("01/04/2026").is_err());
        assert_eq!(long(date!(2026 - 04 - 01)), "1 April 2026");
    }
}
