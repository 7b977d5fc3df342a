//! Calendar arithmetic the rules need (months with day clamping) and ISO date text.

use time::{Date, Month};

/// Text that is not a `YYYY-MM-DD` date.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("not a YYYY-MM-DD date")]
pub struct NotADate;

/// The first and last days the service accepts from outside: every date a person, a
/// provider's file or a query gives is within them, so date and money arithmetic on them
/// cannot overflow.
pub const EARLIEST: Date = time::macros::date!(1900 - 01 - 01);
pub const LATEST: Date = time::macros::date!(2100 - 12 - 31);

/// Parses `YYYY-MM-DD` strictly: four-digit year, no sign, nothing else.
pub fn parse_iso_date(text: &str) -> Result<Date, NotADate> {
    let shaped = text.len() == 10 && text.bytes().enumerate().all(|(i, b)| if i == 4 || i == 7 { b == b'-' } else { b.is_ascii_digit() });
    if !shaped {
        return Err(NotADate);
    }
    let format = time::macros::format_description!("[year]-[month]-[day]");
    Date::parse(text, &format).map_err(|_| NotADate)
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
    fn only_plain_dates_parse_and_the_edge_bounds_them() {
        assert_eq!(parse_iso_date("2026-04-01"), Ok(date!(2026 - 04 - 01)));
        for odd in ["+2026-01-01", "-9999-01-01", "2026-4-01", "2026-04-01 ", "20260401", "2026-02-30", ""] {
            assert_eq!(parse_iso_date(odd), Err(NotADate), "{odd:?}");
        }
        let mut p = crate::Problems::new();
        assert_eq!(p.date("d", "9999-12-31"), None);
        assert_eq!(p.date("d", "0000-01-01"), None);
        assert!(p.to_string().contains("outside the dates this service works with"), "{p}");
        assert_eq!(p.date("d", "2100-12-31"), Some(LATEST));
    }

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
