//! Bacs Standard 18: the submission file a service user sends to Bacs.
//!
//! A full submission is VOL1, HDR1, HDR2, UHL1 (80-character labels), the 100-character
//! data records (code 99, one per credit) and the contra (code 17) debiting the council's
//! account with their total, then EOF1, EOF2 and UTL1 with the totals and counts. Bureau
//! software that adds its own labels takes the data records and contra alone.
//! Layouts as Bacs's "EFT file structures" describe them; positions in the comments are
//! 1-based, as the standard counts them.

use super::pay_dates::BacsCycle;
use super::{bacs_field, check_payments, normalise_account_number, normalise_sort_code, FilePayment, Originator};
use crate::calendar::WorkingDays;
use crate::money::Money;
use crate::validation::Problems;
use time::Date;

const LABEL: usize = 80;
const RECORD: usize = 100;

/// What the labels of a full submission say.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Submission {
    /// VOL1's submission serial number: six letters or digits, unique for the day.
    pub serial: String,
    /// The day the file is made (HDR1's creation date).
    pub created_on: Date,
    /// The Bacs cycle the file is for: UHL1 carries its processing day.
    pub cycle: BacsCycle,
}

/// Which form of Standard 18 to write.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Standard18Layout {
    /// The whole submission, with every label.
    Submission(Submission),
    /// Data records and the contra only, for bureau software that adds the labels.
    DataRecordsOnly,
}

/// `bYYDDD`: a space, the year's last two digits and the day of the year.
fn bacs_date(day: Date) -> String {
    format!(" {:02}{:03}", day.year().rem_euclid(100), day.ordinal())
}

fn parse_bacs_date(text: &str) -> Option<Date> {
    let digits = text.strip_prefix(' ')?;
    if digits.len() != 5 || !digits.chars().all(|c| c.is_ascii_digit()) {
        return None;
    }
    let year = 2000 + digits[..2].parse::<i32>().ok()?;
    Date::from_ordinal_date(year, digits[2..].parse().ok()?).ok()
}

fn data_record(destination_sort: &str, destination_account: &str, code: &str, originator: (&str, &str), pence: i64, names: [&str; 3]) -> String {
    let (o_sort, o_account) = originator;
    let [user_name, reference, account_name] = names;
    format!(
        "{destination_sort}{destination_account}0{code}{o_sort}{o_account}    {pence:011}{}{}{}",
        bacs_field(user_name, 18),
        bacs_field(reference, 18),
        bacs_field(account_name, 18)
    )
}

/// HDR1, or EOF1 with the same fields (`name` is the label's first four characters).
fn file_label(name: &str, sun: &str, s: &Submission) -> String {
    // 5-21 file identifier; 22-27 serial; 28-35 section and sequence; 42-53 creation and
    // expiration dates (expiring after the processing day); 55-60 block count.
    let id = format!("A{sun}S  1{sun}");
    let label = format!("{name}{id}{}00010001      {}{} 000000", s.serial, bacs_date(s.created_on), bacs_date(s.cycle.pay_day));
    format!("{label:<LABEL$}")
}

/// HDR2 or EOF2: fixed-length blocks of 2,000 characters holding 100-character records.
fn format_label(name: &str) -> String {
    format!("{:<LABEL$}", format!("{name}F0200000100{:35}00", ""))
}

fn labels_before(sun: &str, s: &Submission) -> [String; 4] {
    let vol1 = format!("VOL1{}{:<31}{sun}{:<32}1", s.serial, "", "");
    let uhl1 = format!("{:<LABEL$}", format!("UHL1{}999999    000000001 DAILY  001", bacs_date(s.cycle.processing_day)));
    [vol1, file_label("HDR1", sun, s), format_label("HDR2"), uhl1]
}

fn labels_after(sun: &str, s: &Submission, total: i64, credits: usize) -> [String; 3] {
    // The contra is the one debit; the DDI count is zero.
    let utl1 = format!("{:<LABEL$}", format!("UTL1{total:013}{total:013}{:07}{credits:07}{:8}0000000", 1, ""));
    [file_label("EOF1", sun, s), format_label("EOF2"), utl1]
}

fn check_submission(p: &mut Problems, s: &Submission) {
    if s.serial.len() != 6 || !s.serial.chars().all(|c| c.is_ascii_uppercase() || c.is_ascii_digit()) || s.serial.chars().all(|c| c == '0') {
        p.add("submission.serial", "must be six capital letters or digits, not all zeros");
    }
    if s.created_on > s.cycle.processing_day {
        p.add("submission.created_on", "is after the processing day: the file is too late for this pay date");
    }
}

/// A Standard 18 file for `payments`, in the chosen layout.
pub fn standard18(originator: &Originator, payments: &[FilePayment], layout: &Standard18Layout) -> Result<String, Problems> {
    check_payments(originator, payments)?;
    let mut p = Problems::new();
    if let Standard18Layout::Submission(s) = layout {
        check_submission(&mut p, s);
    }
    p.into_result(())?;
    let o_sort = normalise_sort_code(&originator.sort_code).expect("checked");
    let o_account = normalise_account_number(&originator.account_number).expect("checked");
    let sun = &originator.service_user_number;
    let mut records: Vec<String> = Vec::with_capacity(payments.len() + 8);
    if let Standard18Layout::Submission(s) = layout {
        records.extend(labels_before(sun, s));
    }
    let mut total: i64 = 0;
    for pay in payments {
        total += pay.amount.pence();
        let (sort, account) = (normalise_sort_code(&pay.sort_code).expect("checked"), normalise_account_number(&pay.account_number).expect("checked"));
        records.push(data_record(&sort, &account, "99", (&o_sort, &o_account), pay.amount.pence(), [&originator.name, &pay.reference, &pay.payee_name]));
    }
    records.push(data_record(&o_sort, &o_account, "17", (&o_sort, &o_account), total, ["SELFDIRECT PAYMENTS", "CONTRA", &originator.name]));
    if let Standard18Layout::Submission(s) = layout {
        records.extend(labels_after(sun, s, total, payments.len()));
    }
    let mut out = records.join("\n");
    out.push('\n');
    Ok(out)
}

/// What a checked Standard 18 file holds.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Standard18Summary {
    pub credits: usize,
    pub total: Money,
    /// For a full submission: its service user number and processing day.
    pub submission: Option<(String, Date)>,
}

fn in_bacs_set(line: &str) -> bool {
    line.chars().all(|c| c.is_ascii_uppercase() || c.is_ascii_digit() || matches!(c, '.' | '&' | '/' | '-' | ' '))
}

/// Re-reads a Standard 18 file against the format's rules: record lengths, the character
/// set, every label present and in order, the contra and UTL1 equal to the credits, a
/// processing day that is a working day, and no credit written twice.
pub fn check_standard18(text: &str) -> Result<Standard18Summary, Problems> {
    let mut p = Problems::new();
    let lines: Vec<&str> = text.lines().collect();
    for (i, line) in lines.iter().enumerate() {
        if !in_bacs_set(line) {
            p.add(format!("line {}", i + 1), "has characters outside the BACS character set");
        }
    }
    let full = lines.first().is_some_and(|l| l.starts_with("VOL1"));
    let (head, data, tail) = if full && lines.len() >= 8 {
        (&lines[..4], &lines[4..lines.len() - 3], &lines[lines.len() - 3..])
    } else if full {
        p.add("file", "starts with VOL1 but is too short to hold every label");
        return Err(p);
    } else {
        (&lines[..0], &lines[..], &lines[..0])
    };
    let (credits, total) = check_data_records(&mut p, data, head.len());
    let submission = full.then(|| check_labels(&mut p, head, tail, credits, total)).flatten();
    p.into_result(Standard18Summary { credits, total: Money::from_pence(total), submission })
}

/// The data records and contra; returns the credit count and total.
fn check_data_records(p: &mut Problems, data: &[&str], first_line: usize) -> (usize, i64) {
    let (mut credits, mut total, mut contra) = (0, 0i64, None);
    let mut seen = std::collections::HashMap::new();
    for (i, line) in data.iter().enumerate() {
        let at = format!("line {}", first_line + i + 1);
        if line.len() != RECORD {
            p.add(&at, format!("is {} characters; a data record is {RECORD}", line.len()));
            continue;
        }
        let digits = |from: usize, to: usize| line[from..to].chars().all(|c| c.is_ascii_digit());
        if !(digits(0, 14) && digits(15, 31) && digits(35, 46)) || &line[14..15] != "0" {
            p.add(&at, "sort codes, account numbers, type, code and amount must be digits");
            continue;
        }
        if let Some(earlier) = seen.insert(*line, first_line + i + 1) {
            p.add(&at, format!("is the same record as line {earlier}: a payee could not tell the payments apart"));
        }
        let amount: i64 = line[35..46].parse().expect("digits");
        if amount == 0 {
            p.add(&at, "has an amount of zero");
        }
        match &line[15..17] {
            "99" if contra.is_some() => p.add(&at, "a credit comes after the contra record"),
            "99" => {
                credits += 1;
                total += amount;
                if line[64..82].chars().filter(char::is_ascii_alphanumeric).count() < 6 {
                    p.add(&at, "the reference needs at least six letters or digits");
                }
            }
            "17" => contra = Some(amount),
            code => p.add(&at, format!("transaction code {code} is not 99 (credit) or 17 (contra)")),
        }
    }
    match contra {
        None => p.add("file", "has no contra record"),
        Some(c) if c != total => p.add("file", format!("the contra is {} but the credits come to {}", Money::from_pence(c), Money::from_pence(total))),
        _ => {}
    }
    (credits, total)
}

/// VOL1 to UHL1 and EOF1 to UTL1; returns the service user number and processing day.
fn check_labels(p: &mut Problems, head: &[&str], tail: &[&str], credits: usize, total: i64) -> Option<(String, Date)> {
    let names = ["VOL1", "HDR1", "HDR2", "UHL1", "EOF1", "EOF2", "UTL1"];
    for (line, name) in head.iter().chain(tail).zip(names) {
        if !line.starts_with(name) {
            p.add(name, format!("is missing: found '{}' in its place", line.get(..4).unwrap_or(line)));
            return None;
        }
        if line.len() != LABEL {
            p.add(name, format!("is {} characters; a label is {LABEL}", line.len()));
            return None;
        }
    }
    let (vol1, hdr1, hdr2, uhl1) = (head[0], head[1], head[2], head[3]);
    let (eof1, eof2, utl1) = (tail[0], tail[1], tail[2]);
    let sun = &vol1[41..47];
    if !sun.chars().all(|c| c.is_ascii_digit()) {
        p.add("VOL1", "does not carry a six-digit service user number at 42-47");
    }
    if hdr1[4..21] != format!("A{sun}S  1{sun}") || hdr1[21..27] != vol1[4..10] {
        p.add("HDR1", "its file identifier and serial number must repeat VOL1's service user number and serial");
    }
    if eof1[4..] != hdr1[4..] || eof2[4..] != hdr2[4..] {
        p.add("EOF1", "EOF1 and EOF2 must repeat HDR1 and HDR2");
    }
    if &hdr2[4..15] != "F0200000100" {
        p.add("HDR2", "must say fixed-length records of 100 characters in blocks of 2,000 (F0200000100)");
    }
    if &uhl1[10..16] != "999999" || &uhl1[20..28] != "00000000" || &uhl1[28..40] != "1 DAILY  001" {
        p.add("UHL1", "must carry 999999, currency 00, country 000000 and work code '1 DAILY  ' file 001 in their places");
    }
    let processing = parse_bacs_date(&uhl1[4..10]);
    let (created, expires) = (parse_bacs_date(&hdr1[41..47]), parse_bacs_date(&hdr1[47..53]));
    match (processing, created, expires) {
        (Some(day), Some(c), Some(e)) => {
            if !(c <= day && day < e) {
                p.add("HDR1", "the creation date must be on or before the processing day and the expiration date after it");
            }
            match WorkingDays::england_and_wales().closed_because(day) {
                Ok(None) => {}
                Ok(Some(why)) => p.add("UHL1", format!("the processing day {day} is {why}, not a working day")),
                Err(e) => p.add("UHL1", e.to_string()),
            }
        }
        _ => p.add("UHL1", "the processing day and HDR1's dates must be written bYYDDD"),
    }
    let expected = format!("UTL1{total:013}{total:013}{:07}{credits:07}", 1);
    if utl1[..44] != expected {
        p.add("UTL1", format!("its totals and counts say '{}' but the records give '{}'", &utl1[4..44], &expected[4..]));
    }
    Some((sun.to_string(), processing?))
}
