//! The access log: who read or changed a person's record, when, and what for. Rows are
//! only ever added; there is no way in the service to change or remove one.

use crate::{new_id, now, Result, Store};
use selfdirect_domain::access::{grounds, Action, Subject};
use selfdirect_domain::ids::PersonId;
use serde::Serialize;
use sqlx::Row;

use crate::User;

/// One access to a person's record.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct AccessLogEntry {
    pub at: String,
    pub user_name: String,
    /// The user's role, in words.
    pub user_role: String,
    /// What they did, in words.
    pub action: String,
    /// The page or API route.
    pub what: String,
    /// Why they could: the relationship the access rested on.
    pub grounds: Option<String>,
}

impl Store {
    /// Records that `user` did `action` to a person's record through `what` (a page or route).
    pub async fn log_access(&self, user: &User, subject: Subject, action: Action, what: &str) -> Result<()> {
        let Subject::Person { council_id, person_id, .. } = subject else { return Ok(()) };
        sqlx::query(
            "INSERT INTO access_log (id, council_id, person_id, user_id, user_name, user_role, action, what, at, grounds) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)",
        )
        .bind(new_id())
        .bind(council_id.to_string())
        .bind(person_id.to_string())
        .bind(user.id.to_string())
        .bind(&user.display_name)
        .bind(user.role.label())
        .bind(action.describe())
        .bind(what.chars().take(300).collect::<String>())
        .bind(now())
        .bind(grounds(&user.actor(), subject).map(|g| g.describe()))
        .execute(&self.pool)
        .await?;
        Ok(())
    }

    /// Who has read or changed a person's record, newest first.
    pub async fn access_log(&self, person_id: PersonId, limit: i64) -> Result<Vec<AccessLogEntry>> {
        let person = self.person(person_id).await?;
        let rows =
            sqlx::query("SELECT at, user_name, user_role, action, what, grounds FROM access_log WHERE person_id = $1 ORDER BY at DESC, id DESC LIMIT $2")
                .bind(person.id.to_string())
                .bind(limit.clamp(1, 10_000))
                .fetch_all(&self.pool)
                .await?;
        rows.iter()
            .map(|r| {
                Ok(AccessLogEntry {
                    at: r.try_get("at")?,
                    user_name: r.try_get("user_name")?,
                    user_role: r.try_get("user_role")?,
                    action: r.try_get("action")?,
                    what: r.try_get("what")?,
                    grounds: r.try_get("grounds")?,
                })
            })
            .collect()
    }
}
