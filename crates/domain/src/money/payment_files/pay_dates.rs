//! When money can reach a payee: the Bacs three-day cycle on England and Wales working days.
//!
//! Day 1 (input) the file reaches Bacs; day 2 (processing, the date the file carries) Bacs
//! processes it; day 3 (entry) the money is in the payee's account: the run's pay date.
//! Each is a working day, and the next working day after the one before.

use crate::calendar::WorkingDays;
use crate::dates::iso;
use time::Date;

/// The three days of one Bacs cycle.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct BacsCycle {
    /// The last day the file can be sent.
    pub input_day: Date,
    /// The processing day the file carries.
    pub processing_day: Date,
    /// The day the money is in the payee's account.
    pub pay_day: Date,
}

/// The earliest pay date a file sent `today` can meet.
pub fn earliest_pay_date(calendar: &WorkingDays, today: Date) -> Result<Date, String> {
    let input = calendar.on_or_after(today).map_err(|e| e.to_string())?;
    let processing = calendar.next_after(input).map_err(|e| e.to_string())?;
    calendar.next_after(processing).map_err(|e| e.to_string())
}

/// The cycle that pays on `pay_date`, if a file sent `today` can meet it. The refusal says
/// why and offers the date to use instead.
pub fn bacs_cycle(calendar: &WorkingDays, pay_date: Date, today: Date) -> Result<BacsCycle, String> {
    let earliest = earliest_pay_date(calendar, today)?;
    if pay_date < today {
        return Err(format!("{} is in the past; the earliest pay date is {}", iso(pay_date), iso(earliest)));
    }
    if let Some(why) = calendar.closed_because(pay_date).map_err(|e| e.to_string())? {
        let next = calendar.on_or_after(pay_date).map_err(|e| e.to_string())?;
        return Err(format!("{} is {why}, not a working day; the next working day is {}", iso(pay_date), iso(next.max(earliest))));
    }
    if pay_date < earliest {
        return Err(format!(
            "{} is too soon: Bacs takes three working days from sending the file, so the earliest pay date is {}",
            iso(pay_date),
            iso(earliest)
        ));
    }
    let processing_day = calendar.last_before(pay_date).map_err(|e| e.to_string())?;
    let input_day = calendar.last_before(processing_day).map_err(|e| e.to_string())?;
    Ok(BacsCycle { input_day, processing_day, pay_day: pay_date })
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;
    use time::macros::date;

    fn cal() -> &'static WorkingDays {
        WorkingDays::england_and_wales()
    }

    #[test]
    fn the_cycle_runs_on_working_days() {
        let cycle = bacs_cycle(cal(), date!(2026 - 12 - 09), date!(2026 - 12 - 03)).unwrap();
        assert_eq!((cycle.input_day, cycle.processing_day), (date!(2026 - 12 - 07), date!(2026 - 12 - 08)));
        // Paying on the Tuesday after Easter: processed on Maundy Thursday, sent the Wednesday.
        let easter = bacs_cycle(cal(), date!(2026 - 04 - 07), date!(2026 - 03 - 30)).unwrap();
        assert_eq!((easter.input_day, easter.processing_day), (date!(2026 - 04 - 01), date!(2026 - 04 - 02)));
        assert_eq!(earliest_pay_date(cal(), date!(2026 - 12 - 03)).unwrap(), date!(2026 - 12 - 07), "Thursday's file pays on Monday");
        assert_eq!(earliest_pay_date(cal(), date!(2026 - 12 - 24)).unwrap(), date!(2026 - 12 - 30), "over Christmas");
    }

    #[test]
    fn bad_pay_dates_are_refused_with_a_date_that_works() {
        let today = date!(2026 - 12 - 03);
        assert_eq!(bacs_cycle(cal(), date!(2026 - 12 - 01), today).unwrap_err(), "2026-12-01 is in the past; the earliest pay date is 2026-12-07");
        assert_eq!(
            bacs_cycle(cal(), date!(2026 - 12 - 05), today).unwrap_err(),
            "2026-12-05 is a Saturday, not a working day; the next working day is 2026-12-07"
        );
        assert_eq!(
            bacs_cycle(cal(), date!(2026 - 12 - 25), today).unwrap_err(),
            "2026-12-25 is Christmas Day, not a working day; the next working day is 2026-12-29"
        );
        assert!(bacs_cycle(cal(), date!(2026 - 12 - 04), today).unwrap_err().contains("too soon"));
        assert!(bacs_cycle(cal(), date!(2031 - 01 - 06), today).unwrap_err().contains("bank holiday calendar covers"));
    }

    proptest! {
        #[test]
        fn every_accepted_date_has_a_whole_cycle(days_ahead in 0i64..600, today_offset in 0i64..700) {
            let today = date!(2026 - 01 - 01) + time::Duration::days(today_offset);
            let pay = today + time::Duration::days(days_ahead);
            if let Ok(c) = bacs_cycle(cal(), pay, today) {
                prop_assert!(today <= c.input_day && c.input_day < c.processing_day && c.processing_day < c.pay_day);
                for d in [c.input_day, c.processing_day, c.pay_day] {
                    prop_assert!(cal().is_working_day(d).unwrap());
                }
                prop_assert_eq!(cal().next_after(c.processing_day).unwrap(), c.pay_day);
            }
            let earliest = earliest_pay_date(cal(), today).unwrap();
            prop_assert!(bacs_cycle(cal(), earliest, today).is_ok());
        }
    }
}
