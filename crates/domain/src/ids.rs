//! Typed record ids. Every id is a UUID, but a person's id is not an account's: the store's
//! use cases take these types, so one cannot be passed where the other is meant, and text
//! from a URL or a form is parsed once, at the edge, into the id it claims to be.

use serde::{Deserialize, Deserializer, Serialize};
use std::fmt;
use std::str::FromStr;
use uuid::Uuid;

/// Text that cannot be the id of a record of this kind (so no such record exists).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("no {what} with id '{id}'")]
pub struct UnknownId {
    /// The kind of record, as people say it ("person", "budget account").
    pub what: &'static str,
    pub id: String,
}

macro_rules! record_ids {
    ($($(#[$doc:meta])* $name:ident => $what:literal,)*) => {$(
        $(#[$doc])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
        #[serde(transparent)]
        pub struct $name(Uuid);

        impl $name {
            /// The kind of record this id names, for messages.
            pub const WHAT: &'static str = $what;

            pub const fn from_uuid(uuid: Uuid) -> Self {
                Self(uuid)
            }

            pub const fn uuid(self) -> Uuid {
                self.0
            }

            /// Text from a URL, a form or a file: anything that is not a UUID names no record.
            pub fn parse(text: &str) -> Result<Self, UnknownId> {
                Uuid::try_parse(text.trim()).map(Self).map_err(|_| UnknownId { what: $what, id: text.to_string() })
            }
        }

        impl From<Uuid> for $name {
            fn from(uuid: Uuid) -> Self {
                Self(uuid)
            }
        }

        impl From<$name> for Uuid {
            fn from(id: $name) -> Uuid {
                id.0
            }
        }

        impl PartialEq<Uuid> for $name {
            fn eq(&self, other: &Uuid) -> bool {
                self.0 == *other
            }
        }

        impl PartialEq<$name> for Uuid {
            fn eq(&self, other: &$name) -> bool {
                *self == other.0
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                self.0.fmt(f)
            }
        }

        impl FromStr for $name {
            type Err = UnknownId;
            fn from_str(text: &str) -> Result<Self, UnknownId> {
                Self::parse(text)
            }
        }

        impl<'de> Deserialize<'de> for $name {
            fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
                let text = String::deserialize(d)?;
                Self::parse(&text).map_err(serde::de::Error::custom)
            }
        }

        #[cfg(feature = "openapi")]
        impl utoipa::PartialSchema for $name {
            fn schema() -> utoipa::openapi::RefOr<utoipa::openapi::schema::Schema> {
                use utoipa::openapi::schema::{KnownFormat, SchemaFormat, Type};
                utoipa::openapi::ObjectBuilder::new()
                    .schema_type(Type::String)
                    .format(Some(SchemaFormat::KnownFormat(KnownFormat::Uuid)))
                    .description(Some(concat!("The id of a ", $what)))
                    .into()
            }
        }

        #[cfg(feature = "openapi")]
        impl utoipa::ToSchema for $name {}
    )*};
}

record_ids! {
    CouncilId => "council",
    PersonId => "person",
    ContactId => "contact",
    TeamId => "team",
    UserId => "user",
    AssessmentId => "assessment",
    PlanId => "plan",
    /// A budget account: the money side of an approved plan.
    AccountId => "budget account",
    PaymentRunId => "payment run",
    AssistantId => "personal assistant",
    ConcernId => "safeguarding concern",
    ReviewId => "review",
    BankChangeId => "bank detail change",
    ReconsiderationId => "reconsideration",
    RevisionId => "plan revision",
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn text_that_is_not_a_uuid_names_no_record() {
        let refused = PersonId::parse("1 OR 1=1").unwrap_err();
        assert_eq!(refused.to_string(), "no person with id '1 OR 1=1'");
        let id = Uuid::now_v7();
        assert_eq!(AccountId::parse(&format!(" {id} ")).unwrap().uuid(), id);
    }

    #[test]
    fn ids_travel_as_plain_uuid_strings() {
        let id = PlanId::from_uuid(Uuid::from_u128(7));
        let json = serde_json::to_string(&id).unwrap();
        assert_eq!(json, "\"00000000-0000-0000-0000-000000000007\"");
        assert_eq!(serde_json::from_str::<PlanId>(&json).unwrap(), id);
        assert!(serde_json::from_str::<PlanId>("\"seven\"").is_err());
    }
}
