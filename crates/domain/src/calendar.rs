//! Working days in England and Wales: weekends and bank holidays are not.
//!
//! The bank holidays are data (`data/bank-holidays-england-and-wales.json`), in the shape
//! GOV.UK publishes at <https://www.gov.uk/bank-holidays.json>, so that updating them is
//! replacing a file (`selfdirect bank-holidays update`), not editing code. The calendar
//! knows the whole years its file covers and refuses to guess outside them: a holiday
//! proclaimed later (a coronation, a state funeral) would otherwise be paid through.

use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::sync::OnceLock;
use time::{Date, Month, Weekday};

const ENGLAND_AND_WALES: &str = include_str!("../data/bank-holidays-england-and-wales.json");

/// GOV.UK's file: one entry per division; only England and Wales is read.
#[derive(Debug, Serialize, Deserialize)]
struct GovUkFile {
    #[serde(rename = "england-and-wales")]
    england_and_wales: Division,
}

#[derive(Debug, Serialize, Deserialize)]
struct Division {
    division: String,
    events: Vec<Event>,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
struct Event {
    title: String,
    date: String,
    #[serde(default)]
    notes: String,
}

/// A day the calendar cannot answer for: its file does not cover that year.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("the bank holiday calendar covers {first} to {last}, not {asked}; update it with `selfdirect bank-holidays update`")]
pub struct OutsideCalendar {
    pub asked: Date,
    pub first: Date,
    pub last: Date,
}

/// The working-day calendar of one jurisdiction.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WorkingDays {
    first: Date,
    last: Date,
    /// Each bank holiday with its name, e.g. "Christmas Day (Substitute day)".
    holidays: BTreeMap<Date, (String, String)>,
}

impl WorkingDays {
    /// England and Wales, from the data file built into the program.
    pub fn england_and_wales() -> &'static WorkingDays {
        static CALENDAR: OnceLock<WorkingDays> = OnceLock::new();
        CALENDAR.get_or_init(|| WorkingDays::from_govuk_json(ENGLAND_AND_WALES).expect("the built-in bank holiday file is checked by its test"))
    }

    /// Reads GOV.UK's `bank-holidays.json` (or our file, which has the same shape).
    pub fn from_govuk_json(text: &str) -> Result<WorkingDays, String> {
        let file: GovUkFile = serde_json::from_str(text).map_err(|e| format!("is not GOV.UK's bank holiday file: {e}"))?;
        if file.england_and_wales.division != "england-and-wales" {
            return Err(format!("names the division '{}', not england-and-wales", file.england_and_wales.division));
        }
        let mut holidays = BTreeMap::new();
        for event in file.england_and_wales.events {
            let date = crate::dates::parse_iso_date(&event.date).map_err(|_| format!("'{}' ({}) is not a YYYY-MM-DD date", event.date, event.title))?;
            if !(crate::dates::EARLIEST..=crate::dates::LATEST).contains(&date) {
                return Err(format!("{} ({}) is outside the dates this service works with", event.date, event.title));
            }
            holidays.insert(date, (event.title, event.notes));
        }
        let (Some(first), Some(last)) = (holidays.keys().next(), holidays.keys().next_back()) else {
            return Err("lists no bank holidays for England and Wales".into());
        };
        let first = Date::from_calendar_date(first.year(), Month::January, 1).expect("1 January exists");
        let last = Date::from_calendar_date(last.year(), Month::December, 31).expect("31 December exists");
        Ok(WorkingDays { first, last, holidays })
    }

    /// This calendar with `newer`'s years taken from `newer` (GOV.UK's file lists only a
    /// few years; the years it no longer lists are kept).
    pub fn updated_with(&self, newer: &WorkingDays) -> WorkingDays {
        let mut holidays: BTreeMap<Date, (String, String)> = self.holidays.iter().filter(|(d, _)| !newer.covers(**d)).map(|(d, e)| (*d, e.clone())).collect();
        holidays.extend(newer.holidays.iter().map(|(d, e)| (*d, e.clone())));
        WorkingDays { first: self.first.min(newer.first), last: self.last.max(newer.last), holidays }
    }

    /// The file's text, in GOV.UK's shape.
    pub fn to_govuk_json(&self) -> String {
        let events =
            self.holidays.iter().map(|(d, (title, notes))| Event { title: title.clone(), date: crate::dates::iso(*d), notes: notes.clone() }).collect();
        let file = GovUkFile { england_and_wales: Division { division: "england-and-wales".into(), events } };
        serde_json::to_string_pretty(&file).expect("plain data serialises") + "\n"
    }

    /// The first and last days the calendar answers for.
    pub fn span(&self) -> (Date, Date) {
        (self.first, self.last)
    }

    fn covers(&self, day: Date) -> bool {
        (self.first..=self.last).contains(&day)
    }

    fn check(&self, day: Date) -> Result<(), OutsideCalendar> {
        if self.covers(day) {
            Ok(())
        } else {
            Err(OutsideCalendar { asked: day, first: self.first, last: self.last })
        }
    }

    /// Why `day` is not a working day (a weekend, or the bank holiday's name), if it is not.
    pub fn closed_because(&self, day: Date) -> Result<Option<String>, OutsideCalendar> {
        self.check(day)?;
        if matches!(day.weekday(), Weekday::Saturday | Weekday::Sunday) {
            return Ok(Some(format!("a {}", day.weekday())));
        }
        Ok(self.holidays.get(&day).map(|(title, notes)| if notes.is_empty() { title.clone() } else { format!("{title} ({})", notes.to_lowercase()) }))
    }

    pub fn is_working_day(&self, day: Date) -> Result<bool, OutsideCalendar> {
        Ok(self.closed_because(day)?.is_none())
    }

    /// `day` if it is a working day, else the next one.
    pub fn on_or_after(&self, day: Date) -> Result<Date, OutsideCalendar> {
        let mut d = day;
        while !self.is_working_day(d)? {
            d = d.next_day().ok_or(OutsideCalendar { asked: d, first: self.first, last: self.last })?;
        }
        Ok(d)
    }

    /// The first working day after `day`.
    pub fn next_after(&self, day: Date) -> Result<Date, OutsideCalendar> {
        let next = day.next_day().ok_or(OutsideCalendar { asked: day, first: self.first, last: self.last })?;
        self.on_or_after(next)
    }

    /// The last working day before `day`.
    pub fn last_before(&self, day: Date) -> Result<Date, OutsideCalendar> {
        let mut d = day;
        loop {
            d = d.previous_day().ok_or(OutsideCalendar { asked: d, first: self.first, last: self.last })?;
            if self.is_working_day(d)? {
                return Ok(d);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::date;

    #[test]
    fn the_built_in_file_reads_and_covers_whole_years() {
        let cal = WorkingDays::england_and_wales();
        let (first, last) = cal.span();
        assert_eq!(first, date!(2018 - 01 - 01));
        assert!(last >= date!(2027 - 12 - 31), "the calendar must reach at least a year ahead: {last}");
        // Every year it covers has the eight regular bank holidays or more.
        for year in first.year()..=last.year() {
            let n = cal.holidays.keys().filter(|d| d.year() == year).count();
            assert!(n >= 8, "{year} has {n} bank holidays");
        }
        assert_eq!(WorkingDays::from_govuk_json(&cal.to_govuk_json()).unwrap(), *cal, "writing the file loses nothing");
    }

    #[test]
    fn weekends_and_bank_holidays_are_not_working_days() {
        let cal = WorkingDays::england_and_wales();
        assert_eq!(cal.closed_because(date!(2026 - 12 - 25)).unwrap().as_deref(), Some("Christmas Day"));
        assert_eq!(cal.closed_because(date!(2026 - 12 - 28)).unwrap().as_deref(), Some("Boxing Day (substitute day)"));
        assert_eq!(cal.closed_because(date!(2026 - 12 - 05)).unwrap().as_deref(), Some("a Saturday"));
        assert_eq!(cal.closed_because(date!(2022 - 09 - 19)).unwrap().as_deref(), Some("Bank Holiday for the State Funeral of Queen Elizabeth II"));
        assert!(cal.is_working_day(date!(2026 - 12 - 29)).unwrap());
        assert_eq!(cal.on_or_after(date!(2026 - 12 - 25)).unwrap(), date!(2026 - 12 - 29));
        assert_eq!(cal.next_after(date!(2026 - 04 - 02)).unwrap(), date!(2026 - 04 - 07), "Good Friday and Easter Monday");
        assert_eq!(cal.last_before(date!(2026 - 04 - 07)).unwrap(), date!(2026 - 04 - 02));
        let outside = cal.is_working_day(date!(2099 - 01 - 05)).unwrap_err();
        assert!(outside.to_string().contains("bank-holidays update"), "{outside}");
    }

    #[test]
    fn an_update_replaces_the_years_it_lists_and_keeps_the_rest() {
        let old = WorkingDays::england_and_wales();
        let newer = WorkingDays::from_govuk_json(
            r#"{"england-and-wales":{"division":"england-and-wales","events":[
                {"title":"New Year’s Day","date":"2026-01-01","notes":"","bunting":true},
                {"title":"A proclaimed holiday","date":"2026-06-08","notes":"","bunting":true}]},
              "scotland":{"division":"scotland","events":[]}}"#,
        )
        .unwrap();
        let merged = old.updated_with(&newer);
        assert_eq!(merged.closed_because(date!(2026 - 06 - 08)).unwrap().as_deref(), Some("A proclaimed holiday"));
        assert!(merged.is_working_day(date!(2026 - 12 - 29)).unwrap());
        assert!(merged.is_working_day(date!(2026 - 04 - 03)).unwrap(), "2026 now comes from the newer file alone");
        assert_eq!(merged.closed_because(date!(2025 - 12 - 25)).unwrap().as_deref(), Some("Christmas Day"), "other years are kept");
        assert!(WorkingDays::from_govuk_json(r#"{"scotland":{}}"#).unwrap_err().contains("not GOV.UK's bank holiday file"));
    }
}
