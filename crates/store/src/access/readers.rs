//! Tenancy below the service, on PostgreSQL: a council's analysts may be given a database
//! role of their own that reads that council's rows and nothing else, enforced by
//! row-level security (`postgres/row_level_security.sql`), whatever SQL they write. Also
//! the append-only guard on the access log and the ledger, on both databases.

use crate::{invalid, now, Backend, Result, Store};
use selfdirect_domain::ids::CouncilId;
use sqlx::{AnyPool, Executor, Row};

const ROW_LEVEL_SECURITY: &str = include_str!("../../postgres/row_level_security.sql");
const POSTGRES_APPEND_ONLY: &str = include_str!("../../postgres/append_only.sql");
const POSTGRES_FOREIGN_KEYS: &str = include_str!("../../postgres/foreign_keys.sql");
const SQLITE_APPEND_ONLY: &str = include_str!("../../sqlite/append_only.sql");
const POSTGRES_MONEY_GATE: &str = include_str!("../../postgres/money_gate.sql");
const SQLITE_MONEY_GATE: &str = include_str!("../../sqlite/money_gate.sql");

/// What each database adds after the shared migrations, in its own dialect: on PostgreSQL
/// row-level security, readers' grants and the one foreign key the shared SQL cannot add,
/// and on both the append-only guard on the access log and the ledger, and the money gate's
/// triggers (each day paid once, one live budget per person). Idempotent; on PostgreSQL one session at a time (concurrent
/// `CREATE OR REPLACE FUNCTION`s would clash).
pub(crate) async fn harden(pool: &AnyPool, backend: Backend) -> Result<()> {
    let mut tx = pool.begin().await?;
    match backend {
        Backend::Postgres => {
            tx.execute("SELECT pg_advisory_xact_lock(7426001)").await?;
            tx.execute(ROW_LEVEL_SECURITY).await?;
            tx.execute(POSTGRES_APPEND_ONLY).await?;
            tx.execute(POSTGRES_FOREIGN_KEYS).await?;
            tx.execute(POSTGRES_MONEY_GATE).await?;
        }
        Backend::Sqlite => {
            tx.execute(SQLITE_APPEND_ONLY).await?;
            tx.execute(SQLITE_MONEY_GATE).await?;
        }
    }
    tx.commit().await?;
    Ok(())
}

/// A role name PostgreSQL takes without quoting, so it is safe to write into a GRANT.
fn plain_role_name(name: &str) -> bool {
    let mut chars = name.chars();
    chars.next().is_some_and(|c| c.is_ascii_lowercase() || c == '_')
        && chars.all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_')
        && name.len() <= 63
}

impl Store {
    /// Lets the existing PostgreSQL role `role_name` read council `council_id`'s rows, and
    /// only them. The role must not be a superuser or have BYPASSRLS (row-level security
    /// would not bind it), and may read one council only.
    pub async fn grant_council_reader(&self, council_id: CouncilId, role_name: &str) -> Result<()> {
        let council = self.council(council_id).await?;
        let role_name = role_name.trim();
        if self.backend != Backend::Postgres {
            return Err(invalid("database", "council readers are PostgreSQL roles limited by row-level security; SQLite has neither"));
        }
        if !plain_role_name(role_name) {
            return Err(invalid("role", format!("'{role_name}' is not a plain role name: lower-case letters, digits and _, at most 63")));
        }
        let role = sqlx::query("SELECT CAST(rolsuper OR rolbypassrls AS INTEGER) AS unbound FROM pg_roles WHERE rolname = $1")
            .bind(role_name)
            .fetch_optional(&self.pool)
            .await?;
        match role {
            None => return Err(invalid("role", format!("there is no database role '{role_name}'; create it first (CREATE ROLE {role_name} LOGIN …)"))),
            Some(r) if r.try_get::<i32, _>("unbound")? != 0 => {
                return Err(invalid("role", format!("'{role_name}' is a superuser or has BYPASSRLS, so row-level security would not limit it")))
            }
            Some(_) => {}
        }
        let existing = sqlx::query("SELECT council_id FROM council_database_roles WHERE role_name = $1").bind(role_name).fetch_optional(&self.pool).await?;
        match existing {
            Some(r) if r.try_get::<String, _>("council_id")? != council.id.to_string() => {
                return Err(invalid("role", format!("'{role_name}' already reads another council's rows; a reader role is for one council")))
            }
            Some(_) => {}
            None => {
                sqlx::query("INSERT INTO council_database_roles (role_name, council_id, granted_at) VALUES ($1, $2, $3)")
                    .bind(role_name)
                    .bind(council.id.to_string())
                    .bind(now())
                    .execute(&self.pool)
                    .await?;
            }
        }
        harden(&self.pool, self.backend).await
    }

    /// Takes back a reader role's access: its grants and its council. The role itself is
    /// the database administrator's to drop.
    pub async fn revoke_council_reader(&self, role_name: &str) -> Result<()> {
        let role_name = role_name.trim();
        let known = sqlx::query("SELECT 1 AS x FROM council_database_roles WHERE role_name = $1").bind(role_name).fetch_optional(&self.pool).await?;
        if known.is_none() || !plain_role_name(role_name) {
            return Err(invalid("role", format!("'{role_name}' is not a council reader")));
        }
        let mut tx = self.pool.begin().await?;
        let schema: String = sqlx::query("SELECT CAST(current_schema() AS TEXT) AS s").fetch_one(&mut *tx).await?.try_get("s")?;
        sqlx::query("DELETE FROM council_database_roles WHERE role_name = $1").bind(role_name).execute(&mut *tx).await?;
        tx.execute(format!("REVOKE ALL ON ALL TABLES IN SCHEMA \"{}\" FROM {role_name}", schema.replace('"', "\"\"")).as_str()).await?;
        tx.commit().await?;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::plain_role_name;

    #[test]
    fn only_plain_role_names_are_written_into_sql() {
        for good in ["analyst", "_x", "north_bi_2"] {
            assert!(plain_role_name(good), "{good}");
        }
        for bad in ["", "Analyst", "2x", "a-b", "a b", "x\"; DROP TABLE people; --", &"a".repeat(64)] {
            assert!(!plain_role_name(bad), "{bad}");
        }
    }
}
