//! Collecting every problem with an input at once, each naming the field it concerns.

use crate::money::Money;
use serde::Serialize;
use std::fmt;
use time::Date;

/// One thing wrong with one field of an input.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct FieldError {
    /// The field, as a path into the input: `lines[2].unit_cost`.
    pub field: String,
    /// What is wrong, in plain English.
    pub problem: String,
}

impl fmt::Display for FieldError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.field, self.problem)
    }
}

/// An accumulator of [`FieldError`]s, so a person sees every problem in one go.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct Problems(Vec<FieldError>);

impl Problems {
    pub fn new() -> Problems {
        Problems::default()
    }

    pub fn add(&mut self, field: impl Into<String>, problem: impl Into<String>) {
        self.0.push(FieldError { field: field.into(), problem: problem.into() });
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    pub fn into_vec(self) -> Vec<FieldError> {
        self.0
    }

    pub fn as_slice(&self) -> &[FieldError] {
        &self.0
    }

    pub fn extend(&mut self, other: Problems) {
        self.0.extend(other.0);
    }

    /// `Ok(value)` when nothing was wrong, else every problem found.
    pub fn into_result<T>(self, value: T) -> Result<T, Problems> {
        if self.0.is_empty() {
            Ok(value)
        } else {
            Err(self)
        }
    }

    /// A required piece of text, trimmed; `None` (and a problem) when blank or too long.
    pub fn text(&mut self, field: &str, value: &str, max_chars: usize) -> Option<String> {
        let trimmed = value.trim();
        if trimmed.is_empty() {
            self.add(field, "is required");
            None
        } else if trimmed.chars().count() > max_chars {
            self.add(field, format!("must be {max_chars} characters or fewer"));
            None
        } else if let Some(c) = trimmed.chars().find(|&c| hidden_character(c)) {
            self.add(field, format!("contains a hidden character (U+{:04X}); type the text again without it", u32::from(c)));
            None
        } else {
            Some(trimmed.to_string())
        }
    }

    /// An optional piece of text: blank becomes `None`.
    pub fn optional_text(&mut self, field: &str, value: Option<&str>, max_chars: usize) -> Option<String> {
        match value.map(str::trim) {
            None | Some("") => None,
            Some(v) => self.text(field, v, max_chars),
        }
    }

    /// An amount of money that must not be negative.
    pub fn money(&mut self, field: &str, value: &str) -> Option<Money> {
        match value.parse::<Money>() {
            Ok(m) if m.is_negative() => {
                self.add(field, "must not be negative");
                None
            }
            Ok(m) => Some(m),
            Err(e) => {
                self.add(field, e.to_string());
                None
            }
        }
    }

    /// An amount of money that must be more than zero.
    pub fn positive_money(&mut self, field: &str, value: &str) -> Option<Money> {
        let money = self.money(field, value)?;
        if money.is_zero() {
            self.add(field, "must be more than £0.00");
            return None;
        }
        Some(money)
    }

    /// A quantity of units (hours, sessions, items): a number above 0 and at most `max`.
    pub fn quantity(&mut self, field: &str, value: &str, max: rust_decimal::Decimal) -> Option<rust_decimal::Decimal> {
        match value.trim().parse::<rust_decimal::Decimal>() {
            Ok(u) if u <= rust_decimal::Decimal::ZERO => {
                self.add(field, "must be more than 0");
                None
            }
            Ok(u) if u > max => {
                self.add(field, format!("must be {max} or fewer"));
                None
            }
            Ok(u) => Some(u),
            Err(_) if value.trim().is_empty() => {
                self.add(field, "is required; enter a number such as 10 or 2.5");
                None
            }
            Err(_) => {
                self.add(field, format!("'{}' is not a number", value.trim()));
                None
            }
        }
    }

    /// A calendar date written `YYYY-MM-DD`.
    pub fn date(&mut self, field: &str, value: &str) -> Option<Date> {
        match crate::dates::parse_iso_date(value.trim()) {
            Ok(d) if (crate::dates::EARLIEST..=crate::dates::LATEST).contains(&d) => Some(d),
            Ok(_) => {
                self.add(field, format!("'{}' is outside the dates this service works with, 1900-01-01 to 2100-12-31", value.trim()));
                None
            }
            Err(_) if value.trim().is_empty() => {
                self.add(field, "is required; enter a date such as 2026-04-01");
                None
            }
            Err(_) => {
                self.add(field, format!("'{}' is not a real date; enter it as YYYY-MM-DD, such as 2026-04-01", value.trim()));
                None
            }
        }
    }

    /// Checks `start` comes no later than `end`; the problem is put on `end_field`.
    pub fn dates_in_order(&mut self, end_field: &str, start: Option<Date>, end: Option<Date>, start_field: &str) {
        if let (Some(s), Some(e)) = (start, end) {
            if e < s {
                self.add(end_field, format!("must be on or after {start_field} ({s})"));
            }
        }
    }
}

impl fmt::Display for Problems {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let parts: Vec<String> = self.0.iter().map(ToString::to_string).collect();
        write!(f, "{}", parts.join("; "))
    }
}

impl std::error::Error for Problems {}

/// A character that should never be in typed text: control characters other than line
/// breaks and tabs, and the bidirectional overrides and isolates that make a name read
/// differently from how it is stored (`U+202A`–`U+202E`, `U+2066`–`U+2069`).
fn hidden_character(c: char) -> bool {
    (c.is_control() && !matches!(c, '\n' | '\r' | '\t')) || matches!(c, '\u{202A}'..='\u{202E}' | '\u{2066}'..='\u{2069}')
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hidden_characters_are_refused_naming_the_field() {
        let mut p = Problems::new();
        assert_eq!(p.text("given_name", "Ann\u{202E}gnip", 100), None);
        assert_eq!(p.text("family_name", "Smith\u{0007}", 100), None);
        assert_eq!(p.text("notes", "Line one\nline two\tand a tab", 100).as_deref(), Some("Line one\nline two\tand a tab"));
        assert_eq!(p.text("given_name", "Zoë", 100).as_deref(), Some("Zoë"));
        let fields: Vec<_> = p.as_slice().iter().map(|f| f.field.as_str()).collect();
        assert_eq!(fields, ["given_name", "family_name"]);
        assert!(p.to_string().contains("U+202E"), "{p}");
    }

    #[test]
    fn collects_every_problem_with_its_field() {
        let mut p = Problems::new();
        assert_eq!(p.money("unit_cost", "-5"), None);
        assert_eq!(p.money("amount", "ten pounds"), None);
        assert_eq!(p.date("start_date", "2026-02-30"), None);
        assert_eq!(p.text("name", "  ", 10), None);
        let fields: Vec<_> = p.as_slice().iter().map(|e| e.field.as_str()).collect();
        assert_eq!(fields, ["unit_cost", "amount", "start_date", "name"]);
        assert!(p.as_slice()[0].problem.contains("negative"));
    }

    #[test]
    fn dates_out_of_order_name_the_later_field() {
        let mut p = Problems::new();
        let s = p.date("start_date", "2026-05-01");
        let e = p.date("end_date", "2026-04-01");
        p.dates_in_order("end_date", s, e, "start_date");
        assert_eq!(p.as_slice().len(), 1);
        assert_eq!(p.as_slice()[0].field, "end_date");
    }
}
