//! ISO 20022 pain.001.001.03, a customer credit transfer initiation, as UK banks take it.
//!
//! UK conventions: the initiating party carries the council's Bacs service user number;
//! the payment type says Bacs (service level NURG) or Faster Payments (URNS); accounts are
//! sort code (clearing system GBDSC) and eight-digit number (BBAN); each credit's
//! remittance text is its 18-character Bacs reference; names are in the SWIFT Latin set.
//! The file is valid against the official XSD (`crates/domain/schemas/`), tested with
//! `xmllint --schema`.

use super::{check_payments, normalise_account_number, normalise_sort_code, swift_latin, FilePayment, Originator};
use crate::money::Money;
use crate::validation::Problems;
use quick_xml::escape::escape;
use time::{Date, PrimitiveDateTime};

/// The scheme a pain.001 file asks the bank to pay by.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PaymentScheme {
    /// Three working days, the usual way councils pay.
    Bacs,
    /// The same day.
    FasterPayments,
}

impl PaymentScheme {
    fn service_level(self) -> &'static str {
        match self {
            PaymentScheme::Bacs => "NURG",
            PaymentScheme::FasterPayments => "URNS",
        }
    }
}

fn agent(sort: &str) -> String {
    format!("<FinInstnId><ClrSysMmbId><ClrSysId><Cd>GBDSC</Cd></ClrSysId><MmbId>{sort}</MmbId></ClrSysMmbId></FinInstnId>")
}

fn account(number: &str) -> String {
    format!("<Id><Othr><Id>{number}</Id><SchmeNm><Cd>BBAN</Cd></SchmeNm></Othr></Id>")
}

fn e(text: &str) -> String {
    escape(text).into_owned()
}

fn group_header(originator: &Originator, message_id: &str, created_at: PrimitiveDateTime, count: usize, total: Money) -> String {
    let created = created_at.format(time::macros::format_description!("[year]-[month]-[day]T[hour]:[minute]:[second]")).expect("a date-time formats");
    format!(
        "<GrpHdr><MsgId>{}</MsgId><CreDtTm>{created}</CreDtTm><NbOfTxs>{count}</NbOfTxs><CtrlSum>{}</CtrlSum>\
         <InitgPty><Nm>{}</Nm><Id><OrgId><Othr><Id>{}</Id><SchmeNm><Prtry>SUN</Prtry></SchmeNm><Issr>BACS</Issr></Othr></OrgId></Id></InitgPty></GrpHdr>\n",
        e(message_id),
        total.to_plain_string(),
        e(&swift_latin(&originator.name, 140)),
        originator.service_user_number
    )
}

fn transaction(pay: &FilePayment) -> String {
    format!(
        "<CdtTrfTxInf><PmtId><EndToEndId>{}</EndToEndId></PmtId><Amt><InstdAmt Ccy=\"GBP\">{}</InstdAmt></Amt><CdtrAgt>{}</CdtrAgt>\
         <Cdtr><Nm>{}</Nm></Cdtr><CdtrAcct>{}</CdtrAcct><RmtInf><Ustrd>{}</Ustrd></RmtInf></CdtTrfTxInf>\n",
        e(&pay.id),
        pay.amount.to_plain_string(),
        agent(&normalise_sort_code(&pay.sort_code).expect("checked")),
        e(&swift_latin(&pay.payee_name, 70)),
        account(&normalise_account_number(&pay.account_number).expect("checked")),
        e(&pay.reference)
    )
}

/// A pain.001.001.03 file paying `payments` on `execution_date` by `scheme`. The message
/// id is the run's: a bank refuses a second file with the same id, so the same run cannot
/// be sent twice.
pub fn pain001(
    originator: &Originator,
    payments: &[FilePayment],
    message_id: &str,
    created_at: PrimitiveDateTime,
    execution_date: Date,
    scheme: PaymentScheme,
) -> Result<String, Problems> {
    check_payments(originator, payments)?;
    if message_id.is_empty() || message_id.len() > 33 || swift_latin(message_id, 33) != message_id {
        let mut p = Problems::new();
        p.add("message_id", "must be 1 to 33 letters and digits (the payment information id adds two)");
        return Err(p);
    }
    let total: Money = payments.iter().map(|p| p.amount).sum();
    let mut x = String::with_capacity(800 + payments.len() * 600);
    x.push_str("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<Document xmlns=\"urn:iso:std:iso:20022:tech:xsd:pain.001.001.03\">\n<CstmrCdtTrfInitn>\n");
    x.push_str(&group_header(originator, message_id, created_at, payments.len(), total));
    x.push_str(&format!(
        "<PmtInf><PmtInfId>{}-1</PmtInfId><PmtMtd>TRF</PmtMtd><BtchBookg>true</BtchBookg><NbOfTxs>{}</NbOfTxs><CtrlSum>{}</CtrlSum>\
         <PmtTpInf><SvcLvl><Cd>{}</Cd></SvcLvl></PmtTpInf><ReqdExctnDt>{}</ReqdExctnDt><Dbtr><Nm>{}</Nm></Dbtr><DbtrAcct>{}<Ccy>GBP</Ccy></DbtrAcct><DbtrAgt>{}</DbtrAgt>\n",
        e(message_id),
        payments.len(),
        total.to_plain_string(),
        scheme.service_level(),
        crate::dates::iso(execution_date),
        e(&swift_latin(&originator.name, 140)),
        account(&normalise_account_number(&originator.account_number).expect("checked")),
        agent(&normalise_sort_code(&originator.sort_code).expect("checked"))
    ));
    for pay in payments {
        x.push_str(&transaction(pay));
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
