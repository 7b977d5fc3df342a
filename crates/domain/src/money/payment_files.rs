//! Step 5: payment files for the bank — BACS Standard 18 and ISO 20022 pain.001.001.03.
//!
//! Standard 18: one 100-character record per credit (transaction code 99) and a contra
//! record (code 17) debiting the council's account with the total, in the BACS character
//! set (A–Z, 0–9, full stop, ampersand, slash, hyphen, space). pain.001: one payment
//! information block, UK domestic accounts identified by sort code (clearing system
//! GBDSC) and account number. [`check_standard18`] and [`check_pain001`] re-read a file
//! against these rules, for tests and for checking a file before it is sent.

use crate::money::Money;
use crate::validation::Problems;
use quick_xml::escape::escape;
use time::Date;

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

/// Text in the BACS character set, upper case, cut or padded to `width`.
fn bacs_field(text: &str, width: usize) -> String {
    let cleaned: String =
        text.to_uppercase().chars().map(|c| if c.is_ascii_alphanumeric() || matches!(c, '.' | '&' | '/' | '-' | ' ') { c } else { ' ' }).collect();
    format!("{:<width$}", cleaned.chars().take(width).collect::<String>())
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
    }
    p.into_result(())
}

/// A BACS Standard 18 file: one record per payment and a balancing contra record.
pub fn standard18(originator: &Originator, payments: &[FilePayment]) -> Result<String, Problems> {
    check_payments(originator, payments)?;
    let o_sort = normalise_sort_code(&originator.sort_code).expect("checked");
    let o_acct = normalise_account_number(&originator.account_number).expect("checked");
    let mut out = String::with_capacity((payments.len() + 1) * 101);
    let mut total: i64 = 0;
    for pay in payments {
        total += pay.amount.pence();
        out.push_str(&normalise_sort_code(&pay.sort_code).expect("checked"));
        out.push_str(&normalise_account_number(&pay.account_number).expect("checked"));
        out.push('0');
        out.push_str("99");
        out.push_str(&o_sort);
        out.push_str(&o_acct);
        out.push_str("    ");
        out.push_str(&format!("{:011}", pay.amount.pence()));
        out.push_str(&bacs_field(&originator.name, 18));
        out.push_str(&bacs_field(&pay.reference, 18));
        out.push_str(&bacs_field(&pay.payee_name, 18));
        out.push('\n');
    }
    out.push_str(&o_sort);
    out.push_str(&o_acct);
    out.push('0');
    out.push_str("17");
    out.push_str(&o_sort);
    out.push_str(&o_acct);
    out.push_str("    ");
    out.push_str(&format!("{total:011}"));
    out.push_str(&bacs_field("CONTRA", 18));
    out.push_str(&bacs_field("SELFDIRECT RUN", 18));
    out.push_str(&bacs_field(&originator.name, 18));
    out.push('\n');
    Ok(out)
}

/// What a checked Standard 18 file holds.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Standard18Summary {
    pub credits: usize,
    pub total: Money,
}

/// Re-reads a Standard 18 file against the format's rules.
pub fn check_standard18(text: &str) -> Result<Standard18Summary, Problems> {
    let mut p = Problems::new();
    let lines: Vec<&str> = text.lines().collect();
    let mut credits = 0;
    let mut total: i64 = 0;
    let mut contra: Option<i64> = None;
    for (i, line) in lines.iter().enumerate() {
        let at = format!("line {}", i + 1);
        if line.len() != 100 {
            p.add(&at, format!("is {} characters, not 100", line.len()));
            continue;
        }
        if !line.chars().all(|c| c.is_ascii_uppercase() || c.is_ascii_digit() || matches!(c, '.' | '&' | '/' | '-' | ' ')) {
            p.add(&at, "has characters outside the BACS character set");
        }
        let digits = |from: usize, to: usize| line[from..to].chars().all(|c| c.is_ascii_digit());
        if !(digits(0, 14) && digits(15, 31) && digits(35, 46)) {
            p.add(&at, "sort codes, account numbers, type, code and amount must be digits");
            continue;
        }
        let amount: i64 = line[35..46].parse().expect("digits");
        match &line[15..17] {
            "99" => {
                credits += 1;
                total += amount;
                if contra.is_some() {
                    p.add(&at, "a credit comes after the contra record");
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
    p.into_result(Standard18Summary { credits, total: Money::from_pence(total) })
}

/// An ISO 20022 customer credit transfer initiation (pain.001.001.03).
pub fn pain001(originator: &Originator, payments: &[FilePayment], message_id: &str, created_at: &str, execution_date: Date) -> Result<String, Problems> {
    check_payments(originator, payments)?;
    let total: Money = payments.iter().map(|p| p.amount).sum();
    let e = |t: &str| escape(t).into_owned();
    let agent = |sort: &str| format!("<FinInstnId><ClrSysMmbId><ClrSysId><Cd>GBDSC</Cd></ClrSysId><MmbId>{sort}</MmbId></ClrSysMmbId></FinInstnId>");
    let mut x = String::with_capacity(600 + payments.len() * 700);
    x.push_str(r#"<?xml version="1.0" encoding="UTF-8"?>"#);
    x.push_str("\n<Document xmlns=\"urn:iso:std:iso:20022:tech:xsd:pain.001.001.03\">\n<CstmrCdtTrfInitn>\n");
    x.push_str(&format!(
        "<GrpHdr><MsgId>{}</MsgId><CreDtTm>{}</CreDtTm><NbOfTxs>{}</NbOfTxs><CtrlSum>{}</CtrlSum><InitgPty><Nm>{}</Nm></InitgPty></GrpHdr>\n",
        e(message_id),
        e(created_at),
        payments.len(),
        total.to_plain_string(),
        e(&originator.name)
    ));
    x.push_str(&format!(
        "<PmtInf><PmtInfId>{}-1</PmtInfId><PmtMtd>TRF</PmtMtd><NbOfTxs>{}</NbOfTxs><CtrlSum>{}</CtrlSum><ReqdExctnDt>{}</ReqdExctnDt><Dbtr><Nm>{}</Nm></Dbtr><DbtrAcct><Id><Othr><Id>{}</Id></Othr></Id><Ccy>GBP</Ccy></DbtrAcct><DbtrAgt>{}</DbtrAgt><ChrgBr>SLEV</ChrgBr>\n",
        e(message_id),
        payments.len(),
        total.to_plain_string(),
        crate::dates::iso(execution_date),
        e(&originator.name),
        normalise_account_number(&originator.account_number).expect("checked"),
        agent(&normalise_sort_code(&originator.sort_code).expect("checked"))
    ));
    for pay in payments {
        x.push_str(&format!(
            "<CdtTrfTxInf><PmtId><EndToEndId>{}</EndToEndId></PmtId><Amt><InstdAmt Ccy=\"GBP\">{}</InstdAmt></Amt><CdtrAgt>{}</CdtrAgt><Cdtr><Nm>{}</Nm></Cdtr><CdtrAcct><Id><Othr><Id>{}</Id></Othr></Id></CdtrAcct><RmtInf><Ustrd>{}</Ustrd></RmtInf></CdtTrfTxInf>\n",
            e(&pay.id.chars().take(35).collect::<String>()),
            pay.amount.to_plain_string(),
            agent(&normalise_sort_code(&pay.sort_code).expect("checked")),
            e(&pay.payee_name.chars().take(70).collect::<String>()),
            normalise_account_number(&pay.account_number).expect("checked"),
            e(&pay.reference.chars().take(140).collect::<String>())
        ));
    }
    x.push_str("</PmtInf>\n</CstmrCdtTrfInitn>\n</Document>\n");
    Ok(x)
}

/// What a checked pain.001 file holds.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Pain001Summary {
    pub transactions: usize,
    pub total: Money,
}

/// Re-reads a pain.001.001.03 file: well-formed XML, the right namespace, and group and
/// payment-information counts and control sums that match the transactions.
pub fn check_pain001(xml: &str) -> Result<Pain001Summary, Problems> {
    use quick_xml::events::Event;
    let mut p = Problems::new();
    let mut reader = quick_xml::Reader::from_str(xml);
    let mut path: Vec<String> = Vec::new();
    let mut namespace_ok = false;
    let (mut declared_count, mut declared_sum) = (Vec::new(), Vec::new());
    let mut amounts: Vec<Money> = Vec::new();
    let mut end_to_end = std::collections::HashSet::new();
    loop {
        match reader.read_event() {
            Err(e) => {
                p.add("xml", format!("is not well-formed: {e}"));
                break;
            }
            Ok(Event::Eof) => break,
            Ok(Event::Start(tag)) => {
                let name = String::from_utf8_lossy(tag.name().as_ref()).into_owned();
                if name == "Document" {
                    namespace_ok =
                        tag.attributes().flatten().any(|a| a.key.as_ref() == b"xmlns" && a.value.as_ref() == b"urn:iso:std:iso:20022:tech:xsd:pain.001.001.03");
                }
                path.push(name);
            }
            Ok(Event::End(_)) => {
                path.pop();
            }
            Ok(Event::Text(t)) => {
                let text = t.unescape().map(|c| c.into_owned()).unwrap_or_default();
                match path.last().map(String::as_str) {
                    Some("NbOfTxs") => declared_count.push(text),
                    Some("CtrlSum") => declared_sum.push(text),
                    Some("InstdAmt") => match text.parse::<Money>() {
                        Ok(m) if !m.is_negative() && !m.is_zero() => amounts.push(m),
                        _ => p.add("InstdAmt", format!("'{text}' is not a positive amount")),
                    },
                    Some("EndToEndId") if !end_to_end.insert(text.clone()) => p.add("EndToEndId", format!("'{text}' is used twice")),
                    _ => {}
                }
            }
            Ok(_) => {}
        }
    }
    if !namespace_ok {
        p.add("Document", "is not in the pain.001.001.03 namespace");
    }
    let total: Money = amounts.iter().sum();
    for c in &declared_count {
        if c.parse::<usize>().ok() != Some(amounts.len()) {
            p.add("NbOfTxs", format!("says {c} but there are {} transactions", amounts.len()));
        }
    }
    for s in &declared_sum {
        if s.parse::<Money>().ok() != Some(total) {
            p.add("CtrlSum", format!("says {s} but the transactions come to {}", total.to_plain_string()));
        }
    }
    if declared_count.len() != 2 || declared_sum.len() != 2 {
        p.add("GrpHdr", "needs NbOfTxs and CtrlSum in both the group header and the payment information");
    }
    p.into_result(Pain001Summary { transactions: amounts.len(), total })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_bank_change_needs_a_second_person() {
        let (ann, bob) = (uuid::Uuid::now_v7(), uuid::Uuid::now_v7());
        assert!(check_second_person(ann, bob).is_ok());
        assert!(check_second_person(ann, ann).unwrap_err().contains("another finance officer"));
    }
    use proptest::prelude::*;
    use time::macros::date;

    fn originator() -> Originator {
        Originator {
            name: "Demo Borough Council".into(),
            sort_code: "20-00-00".into(),
            account_number: "55779911".into(),
            service_user_number: "123456".into(),
        }
    }

    fn payment(name: &str, pence: i64) -> FilePayment {
        FilePayment {
            payee_name: name.into(),
            sort_code: "40 12 34".into(),
            account_number: "12345678".into(),
            amount: Money::from_pence(pence),
            reference: "SD DP APR".into(),
            id: format!("SD-{name}"),
        }
    }

    #[test]
    fn standard18_records_follow_the_layout() {
        let file = standard18(&originator(), &[payment("Ada O'Kafor & Son", 96_000), payment("Harbour Support", 12_345)]).unwrap();
        let lines: Vec<&str> = file.lines().collect();
        assert_eq!(lines.len(), 3);
        assert_eq!(&lines[0][0..6], "401234");
        assert_eq!(&lines[0][6..14], "12345678");
        assert_eq!(&lines[0][14..17], "099");
        assert_eq!(&lines[0][17..31], "20000055779911");
        assert_eq!(&lines[0][35..46], "00000096000");
        assert_eq!(lines[0][82..100].trim_end(), "ADA O KAFOR & SON");
        assert_eq!(&lines[2][15..17], "17");
        assert_eq!(&lines[2][35..46], "00000108345");
        assert_eq!(check_standard18(&file).unwrap(), Standard18Summary { credits: 2, total: Money::from_pence(108_345) });
    }

    #[test]
    fn checking_finds_broken_files() {
        let file = standard18(&originator(), &[payment("A", 100)]).unwrap();
        let tampered = file.replacen("00000000100", "00000000200", 1);
        assert!(check_standard18(&tampered).unwrap_err().to_string().contains("the contra is £1.00 but the credits come to £2.00"));
        assert!(check_standard18(&file[..150]).is_err());
        let mut bad = payment("B", 100);
        bad.sort_code = "12".into();
        assert!(standard18(&originator(), &[bad]).unwrap_err().to_string().contains("B has no valid bank details"));
    }

    #[test]
    fn pain001_is_consistent_and_escaped() {
        let xml = pain001(
            &originator(),
            &[payment("Ada <Okafor> & Son", 96_000), payment("Harbour", 5)],
            "RUN-2026-04",
            "2026-04-01T09:00:00Z",
            date!(2026 - 04 - 03),
        )
        .unwrap();
        assert!(xml.contains("Ada &lt;Okafor&gt; &amp; Son"));
        assert!(xml.contains("<CtrlSum>960.05</CtrlSum>"));
        assert_eq!(check_pain001(&xml).unwrap(), Pain001Summary { transactions: 2, total: Money::from_pence(96_005) });
        let broken = xml.replace("<NbOfTxs>2</NbOfTxs><CtrlSum>960.05</CtrlSum><InitgPty>", "<NbOfTxs>3</NbOfTxs><CtrlSum>960.05</CtrlSum><InitgPty>");
        assert!(check_pain001(&broken).unwrap_err().to_string().contains("says 3 but there are 2"));
    }

    proptest! {
        #[test]
        fn any_batch_makes_files_that_check(amounts in proptest::collection::vec(1i64..10_000_000, 1..50), name in "[ -~]{0,40}") {
            let payments: Vec<_> = amounts.iter().enumerate().map(|(i, a)| FilePayment { id: format!("P{i}"), ..payment(&name, *a) }).collect();
            let total: i64 = amounts.iter().sum();
            let s18 = check_standard18(&standard18(&originator(), &payments).unwrap()).unwrap();
            prop_assert_eq!(s18.total, Money::from_pence(total));
            let pain = check_pain001(&pain001(&originator(), &payments, "M", "2026-01-01T00:00:00Z", date!(2026 - 01 - 02)).unwrap()).unwrap();
            prop_assert_eq!(pain.total, Money::from_pence(total));
            prop_assert_eq!(pain.transactions, amounts.len());
        }
    }
}
