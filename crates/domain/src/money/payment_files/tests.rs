use super::pay_dates::bacs_cycle;
use super::*;
use crate::calendar::WorkingDays;
use proptest::prelude::*;
use time::macros::{date, datetime};

#[test]
fn a_bank_change_needs_a_second_person() {
    let (ann, bob) = (uuid::Uuid::now_v7(), uuid::Uuid::now_v7());
    assert!(check_second_person(ann, bob).is_ok());
    assert!(check_second_person(ann, ann).unwrap_err().contains("another finance officer"));
}

fn originator() -> Originator {
    Originator { name: "Demo Borough Council".into(), sort_code: "20-00-00".into(), account_number: "55779911".into(), service_user_number: "123456".into() }
}

fn payment(name: &str, pence: i64) -> FilePayment {
    FilePayment {
        payee_name: name.into(),
        sort_code: "40 12 34".into(),
        account_number: "12345678".into(),
        amount: Money::from_pence(pence),
        reference: "9C1D2E3F A 261207".into(),
        id: format!("SD{}", name.chars().filter(char::is_ascii_alphanumeric).collect::<String>()),
    }
}

fn submission() -> Standard18Layout {
    let cycle = bacs_cycle(WorkingDays::england_and_wales(), date!(2026 - 12 - 09), date!(2026 - 12 - 03)).unwrap();
    Standard18Layout::Submission(Submission { serial: "A1B2C3".into(), created_on: date!(2026 - 12 - 03), cycle })
}

#[test]
fn a_full_submission_has_every_label_in_order() {
    let file = standard18(&originator(), &[payment("Ada O'Kafor & Son", 96_000), payment("Zoë Harbour", 12_345)], &submission()).unwrap();
    let lines: Vec<&str> = file.lines().collect();
    let names: Vec<&str> = lines.iter().map(|l| &l[..4]).collect();
    assert_eq!(names, ["VOL1", "HDR1", "HDR2", "UHL1", "4012", "4012", "2000", "EOF1", "EOF2", "UTL1"]);
    assert_eq!(lines[0], format!("VOL1A1B2C3{:31}123456{:32}1", "", ""));
    assert_eq!(&lines[1][4..21], "A123456S  1123456", "HDR1's file identifier");
    assert_eq!(&lines[1][41..53], " 26337 26343", "made on 3 December, expiring on the pay date");
    assert_eq!(&lines[3][..40], "UHL1 26342999999    000000001 DAILY  001", "processed on 8 December");
    assert_eq!(&lines[4][14..17], "099");
    assert_eq!(&lines[4][35..46], "00000096000");
    assert_eq!(lines[4][64..82].trim_end(), "9C1D2E3F A 261207");
    assert_eq!(lines[4][82..100].trim_end(), "ADA OKAFOR & SON");
    assert_eq!(lines[5][82..100].trim_end(), "ZOE HARBOUR");
    assert_eq!(&lines[6][15..17], "17");
    assert_eq!(&lines[6][35..46], "00000108345");
    assert_eq!(lines[6][64..82].trim_end(), "CONTRA");
    assert_eq!(&lines[9][..44], "UTL10000000108345000000010834500000010000002");
    let checked = check_standard18(&file).unwrap();
    assert_eq!(checked, Standard18Summary { credits: 2, total: Money::from_pence(108_345), submission: Some(("123456".into(), date!(2026 - 12 - 08))) });
    for (i, line) in lines.iter().enumerate() {
        assert_eq!(line.len(), if (4..7).contains(&i) { 100 } else { 80 }, "line {}", i + 1);
    }
}

#[test]
fn the_data_records_alone_are_an_option() {
    let file = standard18(&originator(), &[payment("A Holder", 100)], &Standard18Layout::DataRecordsOnly).unwrap();
    assert_eq!(file.lines().count(), 2);
    assert_eq!(check_standard18(&file).unwrap(), Standard18Summary { credits: 1, total: Money::from_pence(100), submission: None });
}

#[test]
fn checking_finds_broken_files() {
    let file = standard18(&originator(), &[payment("A Holder", 100)], &submission()).unwrap();
    let tampered = file.replacen("00000000100SELF", "00000000200SELF", 1);
    let problems = check_standard18(&tampered).unwrap_err().to_string();
    assert!(problems.contains("the contra is £2.00 but the credits come to £1.00"), "{problems}");
    let mut lines: Vec<&str> = file.lines().collect();
    lines.remove(2);
    assert!(check_standard18(&lines.join("\n")).unwrap_err().to_string().contains("HDR2"));
    let christmas = file.replace("UHL1 26342", "UHL1 26359");
    assert!(check_standard18(&christmas).unwrap_err().to_string().contains("Christmas Day"));
    let twice = standard18(&originator(), &[payment("A Holder", 100), payment("A Holder", 100)], &submission()).unwrap();
    assert!(check_standard18(&twice).unwrap_err().to_string().contains("is the same record as line 5"));
    let mut bad = payment("B", 100);
    bad.sort_code = "12".into();
    assert!(standard18(&originator(), &[bad], &submission()).unwrap_err().to_string().contains("B has no valid bank details"));
    let mut vague = payment("C", 100);
    vague.reference = "SD".into();
    assert!(standard18(&originator(), &[vague], &submission()).unwrap_err().to_string().contains("payments[0].reference"));
}

#[test]
fn references_tell_payments_apart() {
    let account = uuid::Uuid::parse_str("0192f1a0-0000-7000-8000-00009c1d2e3f").unwrap();
    let stream = crate::deployment::streams::FundingStream::new("adult_social_care");
    assert_eq!(payment_reference(account, &stream, date!(2026 - 12 - 07)), "9C1D2E3F A 261207");
}

#[test]
fn names_are_written_in_each_format_s_character_set() {
    assert_eq!(swift_latin("Zoë O’Brien & Söhne\t<Ltd>", 140), "Zoe O'Brien and Sohne Ltd");
    assert_eq!(swift_latin("Ann Smith", 4), "Ann ");
    assert_eq!(bacs_field("Zoë O’Brien", 18), "ZOE OBRIEN        ");
}

#[test]
fn pain001_says_how_to_pay_and_who_sends_it() {
    let xml = pain001(
        &originator(),
        &[payment("Ada <Okafor> & Son", 96_000), payment("Harbour", 5)],
        "RUN202604",
        datetime!(2026 - 12 - 03 09:00:00),
        date!(2026 - 12 - 09),
        PaymentScheme::Bacs,
    )
    .unwrap();
    assert!(xml.contains("<Nm>Ada Okafor and Son</Nm>"), "{xml}");
    assert!(xml.contains("<PmtInfId>RUN202604-1</PmtInfId>"));
    assert!(xml.contains("<SvcLvl><Cd>NURG</Cd></SvcLvl>"));
    assert!(xml.contains("<Id>123456</Id><SchmeNm><Prtry>SUN</Prtry></SchmeNm>"));
    assert!(xml.contains("<CtrlSum>960.05</CtrlSum>"));
    assert_eq!(check_pain001(&xml).unwrap(), Pain001Summary { transactions: 2, total: Money::from_pence(96_005) });
    let broken = xml.replacen("<NbOfTxs>2</NbOfTxs>", "<NbOfTxs>3</NbOfTxs>", 1);
    assert!(check_pain001(&broken).unwrap_err().to_string().contains("says 3 but there are 2"));
    let faster =
        pain001(&originator(), &[payment("H", 5)], "RUN1", datetime!(2026 - 12 - 03 09:00:00), date!(2026 - 12 - 03), PaymentScheme::FasterPayments).unwrap();
    assert!(faster.contains("<SvcLvl><Cd>URNS</Cd></SvcLvl>"));
    let long_id = "X".repeat(34);
    assert!(pain001(&originator(), &[payment("H", 5)], &long_id, datetime!(2026 - 12 - 03 09:00:00), date!(2026 - 12 - 03), PaymentScheme::Bacs).is_err());
}

proptest! {
    #[test]
    fn any_batch_makes_files_that_check(amounts in proptest::collection::vec(1i64..10_000_000, 1..50), name in "\\PC{0,40}") {
        let payments: Vec<_> = amounts.iter().enumerate().map(|(i, a)| FilePayment { id: format!("P{i}"), reference: format!("9C1D2E{i:02} A 261207"), ..payment(&name, *a) }).collect();
        let total: i64 = amounts.iter().sum();
        let s18 = check_standard18(&standard18(&originator(), &payments, &submission()).unwrap()).unwrap();
        prop_assert_eq!(s18.total, Money::from_pence(total));
        let xml = pain001(&originator(), &payments, "M", datetime!(2026 - 01 - 01 00:00:00), date!(2026 - 01 - 02), PaymentScheme::Bacs).unwrap();
        let pain = check_pain001(&xml).unwrap();
        prop_assert_eq!(pain.total, Money::from_pence(total));
        prop_assert_eq!(pain.transactions, amounts.len());
    }
}
