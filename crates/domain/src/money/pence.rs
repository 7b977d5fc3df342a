//! Money as a whole number of pence. Never a float: every sum is exact.

use rust_decimal::prelude::ToPrimitive;
use rust_decimal::{Decimal, RoundingStrategy};
use serde::{Deserialize, Deserializer, Serialize, Serializer};
use std::fmt;
use std::iter::Sum;
use std::str::FromStr;

/// An amount of money in pounds sterling, held as pence.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Money(i64);

/// Why a piece of text is not an amount of money.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum MoneyParseError {
    #[error("is empty; enter an amount in pounds, such as 125.50")]
    Empty,
    #[error("'{0}' is not an amount of money; enter pounds and pence, such as 125.50")]
    NotANumber(String),
    #[error("'{0}' has more than two decimal places; money is counted to the penny")]
    FractionOfAPenny(String),
    #[error("'{0}' is too large")]
    TooLarge(String),
}

impl Money {
    pub const ZERO: Money = Money(0);

    pub const fn from_pence(pence: i64) -> Money {
        Money(pence)
    }

    pub const fn from_pounds(pounds: i64) -> Money {
        Money(pounds * 100)
    }

    pub const fn pence(self) -> i64 {
        self.0
    }

    pub fn to_decimal(self) -> Decimal {
        Decimal::new(self.0, 2)
    }

    /// Rounds a decimal number of pounds to the nearest penny, halves away from zero
    /// (the convention of UK public-sector finance systems). `None` when out of range.
    pub fn from_decimal_rounded(pounds: Decimal) -> Option<Money> {
        let pence = pounds.round_dp_with_strategy(2, RoundingStrategy::MidpointAwayFromZero).checked_mul(Decimal::ONE_HUNDRED)?;
        pence.to_i64().map(Money)
    }

    pub fn is_negative(self) -> bool {
        self.0 < 0
    }

    pub fn is_zero(self) -> bool {
        self.0 == 0
    }

    pub fn is_positive(self) -> bool {
        self.0 > 0
    }

    pub fn checked_add(self, other: Money) -> Option<Money> {
        self.0.checked_add(other.0).map(Money)
    }

    pub fn checked_sub(self, other: Money) -> Option<Money> {
        self.0.checked_sub(other.0).map(Money)
    }

    pub fn min(self, other: Money) -> Money {
        Money(self.0.min(other.0))
    }

    pub fn max(self, other: Money) -> Money {
        Money(self.0.max(other.0))
    }

    /// The amount as a plain decimal string, e.g. `1234.50` — the form used in the API and files.
    pub fn to_plain_string(self) -> String {
        self.to_decimal().to_string()
    }
}

impl std::ops::Add for Money {
    type Output = Money;
    fn add(self, rhs: Money) -> Money {
        Money(self.0.checked_add(rhs.0).expect("money overflow: more than £92 quadrillion"))
    }
}

impl std::ops::Sub for Money {
    type Output = Money;
    fn sub(self, rhs: Money) -> Money {
        Money(self.0.checked_sub(rhs.0).expect("money overflow: more than £92 quadrillion"))
    }
}

impl std::ops::Neg for Money {
    type Output = Money;
    fn neg(self) -> Money {
        Money(-self.0)
    }
}

impl std::ops::AddAssign for Money {
    fn add_assign(&mut self, rhs: Money) {
        *self = *self + rhs;
    }
}

impl std::ops::SubAssign for Money {
    fn sub_assign(&mut self, rhs: Money) {
        *self = *self - rhs;
    }
}

impl Sum for Money {
    fn sum<I: Iterator<Item = Money>>(iter: I) -> Money {
        iter.fold(Money::ZERO, |a, b| a + b)
    }
}

impl<'a> Sum<&'a Money> for Money {
    fn sum<I: Iterator<Item = &'a Money>>(iter: I) -> Money {
        iter.copied().sum()
    }
}

impl FromStr for Money {
    type Err = MoneyParseError;

    /// Accepts `1234`, `1234.5`, `1234.56`, `£1,234.56` and a leading minus sign.
    fn from_str(text: &str) -> Result<Money, MoneyParseError> {
        let trimmed = text.trim();
        if trimmed.is_empty() {
            return Err(MoneyParseError::Empty);
        }
        let (negative, rest) = match trimmed.strip_prefix('-') {
            Some(rest) => (true, rest.trim_start()),
            None => (false, trimmed),
        };
        let cleaned: String = rest.strip_prefix('£').unwrap_or(rest).chars().filter(|c| *c != ',').collect();
        let well_formed = !cleaned.is_empty()
            && cleaned.chars().all(|c| c.is_ascii_digit() || c == '.')
            && cleaned.chars().filter(|c| *c == '.').count() <= 1
            && cleaned != ".";
        if !well_formed {
            return Err(MoneyParseError::NotANumber(trimmed.to_string()));
        }
        let value = Decimal::from_str(&cleaned).map_err(|_| MoneyParseError::TooLarge(trimmed.to_string()))?;
        if value.scale() > 2 && value.normalize().scale() > 2 {
            return Err(MoneyParseError::FractionOfAPenny(trimmed.to_string()));
        }
        let pence = value.checked_mul(Decimal::ONE_HUNDRED).and_then(|p| p.to_i64()).ok_or_else(|| MoneyParseError::TooLarge(trimmed.to_string()))?;
        Ok(Money(if negative { -pence } else { pence }))
    }
}

/// Formats for people: `£1,234.56`, `-£12.00`.
impl fmt::Display for Money {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let sign = if self.0 < 0 { "-" } else { "" };
        let abs = self.0.unsigned_abs();
        let pounds = abs / 100;
        let pence = abs % 100;
        let digits = pounds.to_string();
        let mut grouped = String::with_capacity(digits.len() + digits.len() / 3);
        for (i, ch) in digits.chars().enumerate() {
            if i > 0 && (digits.len() - i).is_multiple_of(3) {
                grouped.push(',');
            }
            grouped.push(ch);
        }
        write!(f, "{sign}£{grouped}.{pence:02}")
    }
}

impl Serialize for Money {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&self.to_plain_string())
    }
}

impl<'de> Deserialize<'de> for Money {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Money, D::Error> {
        let text = String::deserialize(d)?;
        Money::from_str(&text).map_err(serde::de::Error::custom)
    }
}

#[cfg(feature = "openapi")]
impl utoipa::PartialSchema for Money {
    fn schema() -> utoipa::openapi::RefOr<utoipa::openapi::schema::Schema> {
        utoipa::openapi::ObjectBuilder::new()
            .schema_type(utoipa::openapi::schema::Type::String)
            .description(Some("An amount in pounds sterling, to the penny, as a decimal string"))
            .examples([serde_json::json!("1234.50")])
            .pattern(Some(r"^-?\d+(\.\d{1,2})?$"))
            .into()
    }
}

#[cfg(feature = "openapi")]
impl utoipa::ToSchema for Money {}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn parses_the_forms_people_type() {
        assert_eq!("12".parse::<Money>().unwrap(), Money::from_pence(1200));
        assert_eq!("12.5".parse::<Money>().unwrap(), Money::from_pence(1250));
        assert_eq!("£1,234.56".parse::<Money>().unwrap(), Money::from_pence(123456));
        assert_eq!("-3.07".parse::<Money>().unwrap(), Money::from_pence(-307));
        assert_eq!("0.10".parse::<Money>().unwrap(), Money::from_pence(10));
        assert_eq!("1.500".parse::<Money>().unwrap(), Money::from_pence(150));
    }

    #[test]
    fn rejects_what_is_not_money() {
        assert_eq!("".parse::<Money>(), Err(MoneyParseError::Empty));
        assert!(matches!("abc".parse::<Money>(), Err(MoneyParseError::NotANumber(_))));
        assert!(matches!("1.2.3".parse::<Money>(), Err(MoneyParseError::NotANumber(_))));
        assert!(matches!("1e5".parse::<Money>(), Err(MoneyParseError::NotANumber(_))));
        assert!(matches!(".".parse::<Money>(), Err(MoneyParseError::NotANumber(_))));
        assert!(matches!("1.234".parse::<Money>(), Err(MoneyParseError::FractionOfAPenny(_))));
        assert!(matches!("99999999999999999999".parse::<Money>(), Err(MoneyParseError::TooLarge(_))));
        // The largest decimal there is: refused, not an overflow in multiplying by 100.
        assert!(matches!("79228162514264337593543950335".parse::<Money>(), Err(MoneyParseError::TooLarge(_))));
        assert_eq!(Money::from_decimal_rounded(Decimal::MAX), None);
    }

    #[test]
    fn displays_for_people() {
        assert_eq!(Money::from_pence(123456789).to_string(), "£1,234,567.89");
        assert_eq!(Money::from_pence(-1200).to_string(), "-£12.00");
        assert_eq!(Money::from_pence(5).to_string(), "£0.05");
        assert_eq!(Money::from_pence(100000).to_string(), "£1,000.00");
    }

    #[test]
    fn rounds_halves_away_from_zero() {
        assert_eq!(Money::from_decimal_rounded(Decimal::new(10005, 3)), Some(Money::from_pence(1001)));
        assert_eq!(Money::from_decimal_rounded(Decimal::new(-10005, 3)), Some(Money::from_pence(-1001)));
    }

    proptest! {
        #[test]
        fn plain_string_round_trips(pence in -10_000_000_000i64..10_000_000_000i64) {
            let money = Money::from_pence(pence);
            prop_assert_eq!(money.to_plain_string().parse::<Money>().unwrap(), money);
        }

        #[test]
        fn display_round_trips(pence in -10_000_000_000i64..10_000_000_000i64) {
            let money = Money::from_pence(pence);
            prop_assert_eq!(money.to_string().parse::<Money>().unwrap(), money);
        }
    }
}
