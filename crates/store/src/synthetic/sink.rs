//! Where generated rows go: multi-row INSERTs in one transaction per batch on SQLite;
//! `COPY … FROM STDIN` on PostgreSQL, optionally with the big tables' secondary indexes
//! built once at the end instead of row by row.

use super::rows::{Batch, TABLES};
use crate::bulk::{insert_rows, Cell};
use crate::{Backend, Result, Store, StoreError};
use sqlx::{Connection, PgConnection, Row};

/// The tables that grow with the ledger; their secondary indexes are rebuilt after a fast load.
const BIG_TABLES: [&str; 6] = ["ledger_postings", "ledger_entries", "invoices", "plan_lines", "assessments", "allocations"];

pub(crate) enum Sink {
    Sqlite(Store),
    Postgres {
        conn: Box<PgConnection>,
        /// Indexes dropped for the load: (name, definition to build it again).
        dropped: Vec<(String, String)>,
        fast: bool,
    },
}

impl Sink {
    pub(crate) async fn open(store: &Store, url: &str, fast_load: bool) -> Result<Sink> {
        if store.backend == Backend::Sqlite {
            return Ok(Sink::Sqlite(store.clone()));
        }
        let mut conn = Box::new(PgConnection::connect(url).await?);
        // A load that stops part way is started again on a fresh database, so it need not
        // wait for each commit to reach the disk.
        sqlx::query("SET synchronous_commit = off").execute(&mut *conn).await?;
        let empty: i64 = sqlx::query("SELECT COUNT(*) AS n FROM (SELECT 1 FROM people LIMIT 1) AS p").fetch_one(&mut *conn).await?.try_get("n")?;
        let mut dropped = Vec::new();
        let fast = fast_load && empty == 0 && sqlx::query("SET session_replication_role = replica").execute(&mut *conn).await.is_ok();
        if fast {
            let rows = sqlx::query(
                "SELECT i.indexname, i.indexdef FROM pg_indexes i WHERE i.schemaname = current_schema() AND i.tablename = ANY($1) \
                 AND NOT EXISTS (SELECT 1 FROM pg_constraint c WHERE c.conname = i.indexname) ORDER BY i.tablename, i.indexname",
            )
            .bind(BIG_TABLES.to_vec())
            .fetch_all(&mut *conn)
            .await?;
            for r in rows {
                let (name, definition): (String, String) = (r.try_get("indexname")?, r.try_get("indexdef")?);
                sqlx::query(&format!("DROP INDEX {name}")).execute(&mut *conn).await?;
                dropped.push((name, definition));
            }
        }
        Ok(Sink::Postgres { conn, dropped, fast })
    }

    pub(crate) fn fast(&self) -> bool {
        matches!(self, Sink::Postgres { fast: true, .. })
    }

    pub(crate) async fn write(&mut self, batch: &Batch) -> Result<()> {
        match self {
            Sink::Sqlite(store) => {
                let mut tx = store.pool.begin().await?;
                for ((table, columns), rows) in TABLES.iter().zip(&batch.rows) {
                    insert_rows(&mut tx, table, columns, rows).await?;
                }
                tx.commit().await?;
            }
            Sink::Postgres { conn, .. } => {
                let mut text = Vec::new();
                for ((table, columns), rows) in TABLES.iter().zip(&batch.rows) {
                    if rows.is_empty() {
                        continue;
                    }
                    text.clear();
                    copy_text(rows, &mut text);
                    let mut copy = conn.copy_in_raw(&format!("COPY {table} ({}) FROM STDIN", columns.join(", "))).await?;
                    copy.send(text.as_slice()).await?;
                    copy.finish().await?;
                }
            }
        }
        Ok(())
    }

    /// Builds the dropped indexes again, and puts foreign-key checking back.
    pub(crate) async fn finish(&mut self, progress: &(dyn Fn(u64, u64) + Sync)) -> Result<()> {
        if let Sink::Postgres { conn, dropped, fast } = self {
            if *fast {
                sqlx::query("SET maintenance_work_mem = '1GB'").execute(&mut **conn).await?;
                let of = dropped.len() as u64;
                for (i, (name, definition)) in dropped.drain(..).enumerate() {
                    sqlx::query(&definition).execute(&mut **conn).await.map_err(|e| StoreError::Corrupt(format!("rebuilding index {name}: {e}")))?;
                    progress(i as u64 + 1, of);
                }
                sqlx::query("SET session_replication_role = DEFAULT").execute(&mut **conn).await?;
            }
        }
        Ok(())
    }
}

/// Rows in PostgreSQL's COPY text format: tab-separated, `\N` for NULL, backslash escapes.
pub(crate) fn copy_text(rows: &[Vec<Cell>], out: &mut Vec<u8>) {
    for row in rows {
        for (i, cell) in row.iter().enumerate() {
            if i > 0 {
                out.push(b'\t');
            }
            match cell {
                Cell::Text(s) | Cell::OptText(Some(s)) => escape(s, out),
                Cell::Int(v) | Cell::OptInt(Some(v)) => out.extend_from_slice(v.to_string().as_bytes()),
                Cell::OptText(None) | Cell::OptInt(None) => out.extend_from_slice(b"\\N"),
            }
        }
        out.push(b'\n');
    }
}

fn escape(s: &str, out: &mut Vec<u8>) {
    for b in s.bytes() {
        match b {
            b'\\' => out.extend_from_slice(b"\\\\"),
            b'\t' => out.extend_from_slice(b"\\t"),
            b'\n' => out.extend_from_slice(b"\\n"),
            b'\r' => out.extend_from_slice(b"\\r"),
            _ => out.push(b),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn copy_text_escapes_what_copy_would_misread() {
        let rows = vec![vec![Cell::Text("a\tb\\c\nd".into()), Cell::OptText(None), Cell::Int(-42), Cell::OptInt(Some(7))]];
        let mut out = Vec::new();
        copy_text(&rows, &mut out);
        assert_eq!(String::from_utf8(out).unwrap(), "a\\tb\\\\c\\nd\t\\N\t-42\t7\n");
    }
}
