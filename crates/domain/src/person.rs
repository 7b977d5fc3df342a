//! Step 1: the person, the people around them, and the council they belong to.

use crate::codes::coded_enum;
use crate::validation::Problems;
use serde::{Deserialize, Serialize};
use time::Date;

coded_enum!(
    /// The primary support reason, as councils report it (SALT/CLD style groups).
    ClientGroup {
        OlderPerson => ("older_person", "Older person"),
        PhysicalDisability => ("physical_disability", "Physical disability"),
        LearningDisability => ("learning_disability", "Learning disability"),
        MentalHealth => ("mental_health", "Mental health"),
        SensoryImpairment => ("sensory_impairment", "Sensory impairment"),
        Autism => ("autism", "Autism"),
        Carer => ("carer", "Carer"),
    }
);

coded_enum!(
    /// How someone in the person's life relates to their support.
    ContactRole {
        Carer => ("carer", "Carer (unpaid family member or friend)"),
        Representative => ("representative", "Representative or suitable person"),
    }
);

/// Who a person is: validated, and the same whether new or stored.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct PersonDetails {
    pub given_name: String,
    pub family_name: String,
    pub date_of_birth: Date,
    pub address: String,
    pub postcode: String,
    pub client_group: ClientGroup,
    /// Receiving long-term support from the council, however it is arranged.
    /// The denominator of the uptake measures.
    pub long_term_support: bool,
    /// The identifier health and social care share, where it is known.
    pub nhs_number: Option<NhsNumber>,
}

/// An NHS number: ten digits whose last is the modulus-11 check digit of the first nine
/// (NHS Data Dictionary). Written in the 3-3-4 form people read it in.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[cfg_attr(feature = "openapi", schema(value_type = String, example = "943 476 5919"))]
#[serde(into = "String")]
pub struct NhsNumber(String);

impl NhsNumber {
    /// Reads ten digits, ignoring spaces and hyphens, and checks the check digit.
    pub fn parse(text: &str) -> Result<NhsNumber, String> {
        let digits: Vec<u32> = text
            .chars()
            .filter(|c| !matches!(c, ' ' | '-'))
            .map(|c| c.to_digit(10).ok_or(()))
            .collect::<Result<_, ()>>()
            .map_err(|_| format!("'{}' is not an NHS number: it has ten digits, such as 943 476 5919", text.trim()))?;
        if digits.len() != 10 {
            return Err(format!("'{}' is not an NHS number: it has ten digits, such as 943 476 5919", text.trim()));
        }
        let total: u32 = digits[..9].iter().zip((2..=10).rev()).map(|(d, w)| d * w).sum();
        let check = match 11 - total % 11 {
            11 => Some(0),
            10 => None,
            c => Some(c),
        };
        if check != Some(digits[9]) {
            return Err(format!("'{}' is not a valid NHS number: its check digit does not match; check it was copied correctly", text.trim()));
        }
        Ok(NhsNumber(digits.iter().map(|d| char::from_digit(*d, 10).expect("a digit")).collect()))
    }

    /// The ten digits, as stored.
    pub fn digits(&self) -> &str {
        &self.0
    }
}

impl std::fmt::Display for NhsNumber {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{} {} {}", &self.0[..3], &self.0[3..6], &self.0[6..])
    }
}

impl From<NhsNumber> for String {
    fn from(n: NhsNumber) -> String {
        n.to_string()
    }
}

/// Raw text fields of a new person, as typed into a form or sent to the API.
#[derive(Debug, Clone, Default)]
pub struct NewPersonInput<'a> {
    pub given_name: &'a str,
    pub family_name: &'a str,
    pub date_of_birth: &'a str,
    pub address: &'a str,
    pub postcode: &'a str,
    pub client_group: &'a str,
    pub long_term_support: bool,
    /// Optional: blank when it is not known yet.
    pub nhs_number: Option<&'a str>,
}

/// Checks a new person record; `today` bounds the date of birth.
pub fn validate_new_person(input: &NewPersonInput<'_>, today: Date) -> Result<PersonDetails, Problems> {
    let mut p = Problems::new();
    let given_name = p.text("given_name", input.given_name, 100);
    let family_name = p.text("family_name", input.family_name, 100);
    let date_of_birth = p.date("date_of_birth", input.date_of_birth);
    if let Some(dob) = date_of_birth {
        if dob > today {
            p.add("date_of_birth", "must be in the past");
        } else if today.year() - dob.year() > 125 {
            p.add("date_of_birth", "is more than 125 years ago; check the year");
        }
    }
    let address = p.text("address", input.address, 300);
    let postcode = match normalise_postcode(input.postcode) {
        Some(pc) => Some(pc),
        None => {
            p.add("postcode", format!("'{}' is not a UK postcode, such as SW1A 1AA", input.postcode.trim()));
            None
        }
    };
    let client_group = ClientGroup::parse(&mut p, "client_group", input.client_group);
    let nhs_number = match input.nhs_number.map(str::trim).filter(|n| !n.is_empty()).map(NhsNumber::parse) {
        Some(Ok(n)) => Some(n),
        Some(Err(why)) => {
            p.add("nhs_number", why);
            None
        }
        None => None,
    };
    if !p.is_empty() {
        return Err(p);
    }
    Ok(PersonDetails {
        given_name: given_name.expect("checked"),
        family_name: family_name.expect("checked"),
        date_of_birth: date_of_birth.expect("checked"),
        address: address.expect("checked"),
        postcode: postcode.expect("checked"),
        client_group: client_group.expect("checked"),
        long_term_support: input.long_term_support,
        nhs_number,
    })
}

impl PersonDetails {
    pub fn full_name(&self) -> String {
        format!("{} {}", self.given_name, self.family_name)
    }
}

/// Upper-cases a UK postcode and puts the single space before the inward code.
/// Checks the shape (outward code of 2–4 characters, inward code digit + two letters).
pub fn normalise_postcode(text: &str) -> Option<String> {
    let compact: String = text.chars().filter(|c| !c.is_whitespace()).collect::<String>().to_ascii_uppercase();
    if !(5..=7).contains(&compact.len()) || !compact.chars().all(|c| c.is_ascii_alphanumeric()) {
        return None;
    }
    let (outward, inward) = compact.split_at(compact.len() - 3);
    let inward_ok = {
        let b = inward.as_bytes();
        b[0].is_ascii_digit() && b[1].is_ascii_alphabetic() && b[2].is_ascii_alphabetic()
    };
    let outward_ok = outward.as_bytes()[0].is_ascii_alphabetic() && outward.chars().any(|c| c.is_ascii_digit());
    (inward_ok && outward_ok).then(|| format!("{outward} {inward}"))
}

/// Age in whole years on a date.
pub fn age_on(date_of_birth: Date, on: Date) -> i32 {
    let mut age = on.year() - date_of_birth.year();
    if (on.month() as u8, on.day()) < (date_of_birth.month() as u8, date_of_birth.day()) {
        age -= 1;
    }
    age
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::date;

    fn input() -> NewPersonInput<'static> {
        NewPersonInput {
            given_name: "Ada",
            family_name: "Okafor",
            date_of_birth: "1950-03-14",
            address: "1 High Street, Anytown",
            postcode: "ab1 2cd",
            client_group: "older_person",
            long_term_support: true,
            nhs_number: None,
        }
    }

    #[test]
    fn accepts_and_normalises_a_person() {
        let p = validate_new_person(&input(), date!(2026 - 11 - 24)).unwrap();
        assert_eq!(p.postcode, "AB1 2CD");
        assert_eq!(p.client_group, ClientGroup::OlderPerson);
    }

    #[test]
    fn names_every_bad_field() {
        let bad = NewPersonInput { date_of_birth: "2030-01-01", postcode: "12345", client_group: "alien", ..input() };
        let problems = validate_new_person(&bad, date!(2026 - 11 - 24)).unwrap_err();
        let fields: Vec<_> = problems.as_slice().iter().map(|e| e.field.clone()).collect();
        assert_eq!(fields, ["date_of_birth", "postcode", "client_group"]);
    }

    #[test]
    fn nhs_numbers_carry_their_check_digit() {
        assert_eq!(NhsNumber::parse("943 476 5919").unwrap().to_string(), "943 476 5919");
        assert_eq!(NhsNumber::parse("4010232137").unwrap().digits(), "4010232137");
        assert!(NhsNumber::parse("943 476 5918").unwrap_err().contains("check digit"));
        assert!(NhsNumber::parse("94347659").unwrap_err().contains("ten digits"));
        assert!(NhsNumber::parse("943476591X").is_err());
        let with = NewPersonInput { nhs_number: Some("943-476-5919"), ..input() };
        assert_eq!(validate_new_person(&with, date!(2026 - 11 - 24)).unwrap().nhs_number.map(|n| n.to_string()).as_deref(), Some("943 476 5919"));
        let bad = NewPersonInput { nhs_number: Some("123 456 7890"), ..input() };
        assert_eq!(validate_new_person(&bad, date!(2026 - 11 - 24)).unwrap_err().as_slice()[0].field, "nhs_number");
    }

    proptest::proptest! {
        /// Modulus 11 catches every single mistyped digit.
        #[test]
        fn a_mistyped_digit_is_always_caught(first in 0u32..1_000_000_000, at in 0usize..10, by in 1u32..10) {
            let nine: Vec<u32> = format!("{first:09}").chars().map(|c| c.to_digit(10).unwrap()).collect();
            let total: u32 = nine.iter().zip((2..=10).rev()).map(|(d, w)| d * w).sum();
            let check = match 11 - total % 11 { 11 => 0, 10 => return Ok(()), c => c };
            let mut digits = nine.clone();
            digits.push(check);
            let text: String = digits.iter().map(|d| char::from_digit(*d, 10).unwrap()).collect();
            proptest::prop_assert!(NhsNumber::parse(&text).is_ok());
            digits[at] = (digits[at] + by) % 10;
            let typo: String = digits.iter().map(|d| char::from_digit(*d, 10).unwrap()).collect();
            proptest::prop_assert!(NhsNumber::parse(&typo).is_err(), "{} accepted", typo);
        }
    }

    #[test]
    fn postcodes() {
        assert_eq!(normalise_postcode("sw1a1aa").as_deref(), Some("SW1A 1AA"));
        assert_eq!(normalise_postcode("M1 1AE").as_deref(), Some("M1 1AE"));
        assert_eq!(normalise_postcode("M1"), None);
        assert_eq!(normalise_postcode("111 1AA"), None);
    }

    #[test]
    fn age_counts_birthdays() {
        assert_eq!(age_on(date!(1950 - 03 - 14), date!(2026 - 03 - 13)), 75);
        assert_eq!(age_on(date!(1950 - 03 - 14), date!(2026 - 03 - 14)), 76);
    }
}
