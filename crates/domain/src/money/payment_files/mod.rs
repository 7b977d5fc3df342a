//! Step 5: payment files for the bank — Bacs Standard 18 and ISO 20022 pain.001.001.03 —
//! and the days they can pay on.
//!
//! Both are checked from outside: every pain.001 the tests write validates against the
//! official XSD (`schemas/`), and [`check_standard18`] re-reads a Standard 18 file record
//! by record. Names are transliterated to each format's character set here, once.

mod pain001;
pub mod pay_dates;
mod standard18;
#[cfg(test)]
mod tests;

pub use pain001::{check_pain001, pain001, Pain001Summary, PaymentScheme};
pub use standard18::{check_standard18, standard18, Standard18Layout, Standard18Summary, Submission};

use crate::codes::coded_enum;
use crate::money::Money;
use crate::validation::Problems;
use serde::{Deserialize, Serialize};

coded_enum!(
    /// The bank files a payment run can be written as.
    BankFileFormat {
        Standard18 => ("standard18", "Bacs Standard 18 submission"),
        Standard18DataOnly => ("standard18_data", "Bacs Standard 18 data records only, for bureau software"),
        Pain001 => ("pain001", "ISO 20022 pain.001 for Bacs"),
        Pain001Faster => ("pain001_faster", "ISO 20022 pain.001 for Faster Payments"),
    }
);

impl BankFileFormat {
    /// The HTTP content type and file name extension.
    pub fn media(self) -> (&'static str, &'static str) {
        match self {
            BankFileFormat::Standard18 | BankFileFormat::Standard18DataOnly => ("text/plain; charset=us-ascii", "txt"),
            BankFileFormat::Pain001 | BankFileFormat::Pain001Faster => ("application/xml", "xml"),
        }
    }
}

/// The council's account the payments come from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Originator {
    pub name: String,
    pub sort_code: String,
    pub account_number: String,
    /// The BACS service user number (six digits).
    pub service_user_number: String,
}

/// One credit to make.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FilePayment {
    pub payee_name: String,
    pub sort_code: String,
    pub account_number: String,
    pub amount: Money,
    /// What appears on the payee's statement.
    pub reference: String,
    /// Unique per payment (end-to-end id).
    pub id: String,
}

/// Six digits, ignoring spaces and hyphens.
pub fn normalise_sort_code(text: &str) -> Option<String> {
    let digits: String = text.chars().filter(|c| !matches!(c, ' ' | '-')).collect();
    (digits.len() == 6 && digits.chars().all(|c| c.is_ascii_digit())).then_some(digits)
}

/// Eight digits, ignoring spaces.
pub fn normalise_account_number(text: &str) -> Option<String> {
    let digits: String = text.chars().filter(|c| *c != ' ').collect();
    (digits.len() == 8 && digits.chars().all(|c| c.is_ascii_digit())).then_some(digits)
}

/// A change of where money is paid takes two people, the classic control against
/// redirected payments: whoever confirms a change must not be whoever entered it.
pub fn check_second_person(entered_by: uuid::Uuid, confirming: uuid::Uuid) -> Result<(), String> {
    if entered_by == confirming {
        return Err("you entered this change, so another finance officer must confirm it".into());
    }
    Ok(())
}

/// Checks bank details as typed, naming the fields.
pub fn check_bank_details(p: &mut Problems, sort_code: &str, account_number: &str) -> Option<(String, String)> {
    let sort = normalise_sort_code(sort_code);
    if sort.is_none() {
        p.add("sort_code", format!("'{}' is not a sort code; enter six digits, such as 40-12-34", sort_code.trim()));
    }
    let account = normalise_account_number(account_number);
    if account.is_none() {
        p.add("account_number", format!("'{}' is not an account number; enter eight digits", account_number.trim()));
    }
    Some((sort?, account?))
}

/// Text as the Bacs character set allows it (A–Z, 0–9, full stop, ampersand, slash, hyphen,
/// space), upper case, cut or padded to `width`: accents are dropped (é → E), apostrophes
/// left out (O'Kafor → OKAFOR), anything else becomes a space.
fn bacs_field(text: &str, width: usize) -> String {
    let upper = deunicode::deunicode(text).to_uppercase();
    let cleaned: String =
        upper.chars().filter(|c| *c != '\'').map(|c| if c.is_ascii_alphanumeric() || matches!(c, '.' | '&' | '/' | '-' | ' ') { c } else { ' ' }).collect();
    format!("{:<width$}", cleaned.chars().take(width).collect::<String>())
}

/// The reference a payee sees on their statement, the same in every file format: the
/// budget's short reference (the last eight characters of its account id, the random
/// part), the funding stream's initial and the first day of the period paid for, e.g.
/// `9C1D2E3F A 260406`. A person or a provider can tell every payment apart by it.
pub fn payment_reference(budget_account: uuid::Uuid, stream: &crate::deployment::streams::FundingStream, period_start: time::Date) -> String {
    let simple = budget_account.simple().to_string().to_uppercase();
    let initial = stream.code().chars().find(char::is_ascii_alphanumeric).map_or('X', |c| c.to_ascii_uppercase());
    format!("{} {initial} {:02}{:02}{:02}", &simple[24..], period_start.year().rem_euclid(100), period_start.month() as u8, period_start.day())
}

/// Text in the SWIFT Latin set that ISO 20022 payments in the UK carry (a–z, A–Z, 0–9 and
/// `/ - ? : ( ) . , ' +` and space), at most `max` characters: é → e, ’ → ', & → and, and
/// anything else becomes a space.
pub fn swift_latin(text: &str, max: usize) -> String {
    let plain = deunicode::deunicode(&text.replace('&', " and "));
    let mapped: String = plain.chars().map(|c| if c.is_ascii_alphanumeric() || "/-?:().,'+ ".contains(c) { c } else { ' ' }).collect();
    let words: Vec<&str> = mapped.split_whitespace().collect();
    words.join(" ").chars().take(max).collect()
}

fn check_payments(originator: &Originator, payments: &[FilePayment]) -> Result<(), Problems> {
    let mut p = Problems::new();
    if normalise_sort_code(&originator.sort_code).is_none() || normalise_account_number(&originator.account_number).is_none() {
        p.add("originator", "the council's bank sort code and account number are not set up correctly");
    }
    if originator.service_user_number.len() != 6 || !originator.service_user_number.chars().all(|c| c.is_ascii_digit()) {
        p.add("originator.service_user_number", "must be six digits");
    }
    for (i, pay) in payments.iter().enumerate() {
        if normalise_sort_code(&pay.sort_code).is_none() || normalise_account_number(&pay.account_number).is_none() {
            p.add(format!("payments[{i}]"), format!("{} has no valid bank details", pay.payee_name));
        }
        if pay.amount <= Money::ZERO {
            p.add(format!("payments[{i}].amount"), "must be more than £0.00");
        }
        if pay.amount.pence() > 99_999_999_999 {
            p.add(format!("payments[{i}].amount"), "is too large for a BACS record");
        }
        let reference_ok = pay.reference.len() <= 18
            && bacs_field(&pay.reference, 18).trim_end() == pay.reference
            && pay.reference.chars().filter(char::is_ascii_alphanumeric).count() >= 6;
        if !reference_ok {
            p.add(format!("payments[{i}].reference"), "must be at most 18 capital letters, digits and spaces, with at least six letters or digits");
        }
        if pay.id.is_empty() || pay.id.len() > 35 || swift_latin(&pay.id, 35) != pay.id {
            p.add(format!("payments[{i}].id"), "must be 1 to 35 letters and digits");
        }
    }
    p.into_result(())
}
