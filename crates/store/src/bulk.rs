//! Multi-row INSERTs: one statement per few thousand rows instead of one per row, on both
//! SQLite and PostgreSQL. Bulk claims (and the synthetic population) go through here.

use sqlx::{Any, Transaction};

/// One value to bind.
#[derive(Debug, Clone)]
pub(crate) enum Cell {
    Text(String),
    OptText(Option<String>),
    Int(i64),
    OptInt(Option<i64>),
}

/// SQLite allows 32,766 bound values in one statement and PostgreSQL 65,535; stay under both.
const MAX_BINDS: usize = 30_000;
const SQLITE_BINDS: usize = 500;

/// Inserts `rows` (each with one cell per column) into `table`, a few thousand at a time.
pub(crate) async fn insert_rows(tx: &mut Transaction<'_, Any>, table: &str, columns: &[&str], rows: &[Vec<Cell>]) -> Result<(), sqlx::Error> {
    // SQLite binds by looking each parameter up by name, which grows with the statement:
    // a few hundred values a statement is fastest there.
    let max_binds = if tx.backend_name() == "SQLite" { SQLITE_BINDS } else { MAX_BINDS };
    let per_statement = (max_binds / columns.len()).max(1);
    for chunk in rows.chunks(per_statement) {
        let mut sql = format!("INSERT INTO {table} ({}) VALUES ", columns.join(", "));
        let mut n = 0;
        for (r, row) in chunk.iter().enumerate() {
            debug_assert_eq!(row.len(), columns.len(), "a row for {table} has the wrong number of cells");
            sql.push_str(if r == 0 { "(" } else { ", (" });
            for c in 0..row.len() {
                n += 1;
                if c > 0 {
                    sql.push_str(", ");
                }
                sql.push('$');
                sql.push_str(&n.to_string());
            }
            sql.push(')');
        }
        let mut query = sqlx::query(&sql);
        for cell in chunk.iter().flatten() {
            query = match cell {
                Cell::Text(v) => query.bind(v.as_str()),
                Cell::OptText(v) => query.bind(v.as_deref()),
                Cell::Int(v) => query.bind(*v),
                Cell::OptInt(v) => query.bind(*v),
            };
        }
        query.execute(&mut **tx).await?;
    }
    Ok(())
}

/// `$start, $start+1, …` for an `IN (…)` list of `count` values.
fn placeholders(start: usize, count: usize) -> String {
    (start..start + count).map(|i| format!("${i}")).collect::<Vec<_>>().join(", ")
}

/// Bound values per `IN (…)` list.
const IN_CHUNK: usize = 900;

/// `sql` with its `{list}` filled by `count` placeholders numbered after `leading` ones.
fn with_list(sql: &str, leading: usize, count: usize) -> String {
    sql.replace("{list}", &placeholders(leading + 1, count))
}

fn in_query<'q>(sql: &'q str, leading: &'q [&'q str], values: &'q [String]) -> sqlx::query::Query<'q, Any, sqlx::any::AnyArguments<'q>> {
    let mut q = sqlx::query(sql);
    for v in leading {
        q = q.bind(*v);
    }
    for v in values {
        q = q.bind(v.as_str());
    }
    q
}

/// Runs `sql` (with `$1` = `first` and `{list}` where the `IN` list goes) over `values`,
/// a chunk at a time, and gathers the rows.
pub(crate) async fn fetch_in(tx: &mut Transaction<'_, Any>, sql: &str, first: &str, values: &[String]) -> Result<Vec<sqlx::any::AnyRow>, sqlx::Error> {
    fetch_in_after(tx, sql, &[first], values).await
}

/// Like [`fetch_in`], with `$1…$n` = `leading` before the list.
pub(crate) async fn fetch_in_after(
    tx: &mut Transaction<'_, Any>,
    sql: &str,
    leading: &[&str],
    values: &[String],
) -> Result<Vec<sqlx::any::AnyRow>, sqlx::Error> {
    let mut rows = Vec::new();
    for chunk in values.chunks(IN_CHUNK) {
        let text = with_list(sql, leading.len(), chunk.len());
        rows.extend(in_query(&text, leading, chunk).fetch_all(&mut **tx).await?);
    }
    Ok(rows)
}

/// Like [`fetch_in`], for a statement that returns no rows.
pub(crate) async fn execute_in(tx: &mut Transaction<'_, Any>, sql: &str, first: &str, values: &[String]) -> Result<(), sqlx::Error> {
    let leading = [first];
    for chunk in values.chunks(IN_CHUNK) {
        let text = with_list(sql, leading.len(), chunk.len());
        in_query(&text, &leading, chunk).execute(&mut **tx).await?;
    }
    Ok(())
}
