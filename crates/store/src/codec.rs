//! Turning stored text back into typed values. A failure here means the database holds
//! something selfdirect never wrote, so it is reported as corrupt, not as bad input.

use crate::{Result, StoreError};
use selfdirect_domain::dates::parse_iso_date;
use time::Date;
use uuid::Uuid;

pub(crate) fn date(column: &str, text: &str) -> Result<Date> {
    parse_iso_date(text).map_err(|_| StoreError::Corrupt(format!("{column} holds '{text}', not a date")))
}

/// A plan line's days in force, from its `in_force_from` and `in_force_to` columns.
pub(crate) fn in_force(r: &sqlx::any::AnyRow) -> Result<selfdirect_domain::plan::revision::InForce> {
    use sqlx::Row;
    let day = |column: &str| -> Result<Option<Date>> { r.try_get::<Option<String>, _>(column)?.map(|d| date(&format!("plan_lines.{column}"), &d)).transpose() };
    Ok(selfdirect_domain::plan::revision::InForce { from: day("in_force_from")?, to: day("in_force_to")? })
}

/// A stored RFC 3339 timestamp (as `now()` writes them).
pub(crate) fn timestamp(column: &str, text: &str) -> Result<time::OffsetDateTime> {
    time::OffsetDateTime::parse(text, &time::format_description::well_known::Rfc3339)
        .map_err(|e| StoreError::Corrupt(format!("{column} '{text}' is not a timestamp: {e}")))
}

/// A stored id, as whichever typed id (or plain UUID) the record's field is.
pub(crate) fn uuid<Id: From<Uuid>>(column: &str, text: &str) -> Result<Id> {
    Uuid::parse_str(text).map(Id::from).map_err(|_| StoreError::Corrupt(format!("{column} holds '{text}', not an id")))
}

pub(crate) fn code<T>(column: &str, text: &str, from_code: fn(&str) -> Option<T>) -> Result<T> {
    from_code(text).ok_or_else(|| StoreError::Corrupt(format!("{column} holds unknown code '{text}'")))
}

pub(crate) fn json<T: serde::de::DeserializeOwned>(column: &str, text: &str) -> Result<T> {
    serde_json::from_str(text).map_err(|e| StoreError::Corrupt(format!("{column} holds unreadable JSON: {e}")))
}

pub(crate) fn to_json<T: serde::Serialize>(value: &T) -> String {
    serde_json::to_string(value).expect("records serialise")
}
