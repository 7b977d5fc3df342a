//! PostgreSQL row-level security: a council's reader role sees that council's rows and
//! nothing else, whatever SQL it runs, and cannot write; every council table is covered.

use selfdirect_store::testing::{open_test_account, pay_budget_holder, postgres_store, spend_on_line, sqlite_store, weekly_line};
use selfdirect_store::StoreError;
use sqlx::postgres::PgConnectOptions;
use sqlx::{Connection, PgConnection, Row};
use std::str::FromStr;

fn invalid_role(result: Result<(), StoreError>) -> String {
    match result {
        Err(StoreError::Invalid(p)) => p.to_string(),
        other => panic!("expected a refusal naming the role, got {other:?}"),
    }
}

#[tokio::test]
async fn a_reader_role_sees_one_council_on_postgres() {
    let Some((store, db)) = postgres_store("a_reader_role_sees_one_council_on_postgres").await else { return };
    let north = store.create_council("RLSN", "North").await.unwrap().id.to_string();
    let south = store.create_council("RLSS", "South").await.unwrap().id.to_string();
    for (council, names) in [(&north, ["Ann", "Bob"]), (&south, ["Cy", "Di"])] {
        for name in names {
            let account =
                open_test_account(&store, council.parse().unwrap(), name, vec![weekly_line("PA", "Sam", "personal_assistant", "100")], "direct_payment").await;
            let line = store.plan(store.account(account).await.unwrap().plan_id).await.unwrap().lines[0].id.to_string();
            pay_budget_holder(&store, account, "400", "2026-04-01").await;
            spend_on_line(&store, account, &line, "300", "2026-04-10").await;
        }
    }
    let mut admin = PgConnection::connect(db.url()).await.unwrap();
    // Every table holding a council's rows has row-level security and the policy.
    let uncovered: Vec<String> = sqlx::query(
        "SELECT c.table_name::text AS t FROM information_schema.columns c JOIN pg_class k ON k.relname = c.table_name \
         JOIN information_schema.tables tb ON tb.table_name = c.table_name AND tb.table_schema = c.table_schema \
         WHERE c.table_schema = 'public' AND c.column_name = 'council_id' AND tb.table_type = 'BASE TABLE' \
         AND (NOT k.relrowsecurity OR NOT EXISTS (SELECT 1 FROM pg_policies p WHERE p.tablename = c.table_name))",
    )
    .fetch_all(&mut admin)
    .await
    .unwrap()
    .iter()
    .map(|r| r.get("t"))
    .collect();
    assert!(uncovered.is_empty(), "tables without row-level security: {uncovered:?}");

    let role = format!("rls_reader_{}", std::process::id());
    sqlx::query(&format!("DROP ROLE IF EXISTS {role}")).execute(&mut admin).await.unwrap();
    sqlx::query(&format!("CREATE ROLE {role} LOGIN")).execute(&mut admin).await.unwrap();

    // Bad grants are refused with the reason, and change nothing.
    assert!(invalid_role(store.grant_council_reader(north.parse().unwrap(), "postgres").await).contains("superuser"));
    assert!(invalid_role(store.grant_council_reader(north.parse().unwrap(), "no_such_role_here").await).contains("no database role"));
    assert!(invalid_role(store.grant_council_reader(north.parse().unwrap(), "x; DROP TABLE people").await).contains("not a plain role name"));
    store.grant_council_reader(north.parse().unwrap(), &role).await.unwrap();
    store.grant_council_reader(north.parse().unwrap(), &role).await.unwrap(); // again: nothing changes
    assert!(invalid_role(store.grant_council_reader(south.parse().unwrap(), &role).await).contains("another council"));
    // Migrating again keeps the set-up (and is quick on a database already set up).
    store.migrate().await.unwrap();

    let options = PgConnectOptions::from_str(db.url()).unwrap().username(&role);
    let mut reader = PgConnection::connect_with(&options).await.unwrap();
    let councils: Vec<String> = sqlx::query("SELECT id FROM councils").fetch_all(&mut reader).await.unwrap().iter().map(|r| r.get("id")).collect();
    assert_eq!(councils, std::slice::from_ref(&north));
    for table in ["people", "plans", "plan_lines", "budget_accounts", "ledger_entries", "ledger_postings", "spending_monthly"] {
        let seen: Vec<String> = sqlx::query(&format!("SELECT DISTINCT council_id FROM {table}"))
            .fetch_all(&mut reader)
            .await
            .unwrap()
            .iter()
            .map(|r| r.get("council_id"))
            .collect();
        assert_eq!(seen, std::slice::from_ref(&north), "{table}");
    }
    let people: i64 = sqlx::query("SELECT count(*) AS n FROM people").fetch_one(&mut reader).await.unwrap().get("n");
    assert_eq!(people, 2);
    // Asking for the other council by name finds nothing, rather than an error that would tell it exists.
    let theirs: i64 = sqlx::query("SELECT count(*) AS n FROM people WHERE council_id = $1").bind(&south).fetch_one(&mut reader).await.unwrap().get("n");
    assert_eq!(theirs, 0);
    // No password hashes, no views running with the owner's rights, no writes.
    for refused in [
        "SELECT * FROM users".to_string(),
        "SELECT * FROM sessions".to_string(),
        "SELECT * FROM spending_facts".to_string(),
        format!("UPDATE people SET given_name = 'X' WHERE council_id = '{north}'"),
        format!("DELETE FROM ledger_postings WHERE council_id = '{north}'"),
    ] {
        let error = sqlx::query(&refused).execute(&mut reader).await.expect_err(&refused).to_string();
        assert!(error.contains("permission denied"), "{refused}: {error}");
    }
    reader.close().await.unwrap();

    store.revoke_council_reader(&role).await.unwrap();
    let mut reader = PgConnection::connect_with(&options).await.unwrap();
    let error = sqlx::query("SELECT count(*) FROM people").execute(&mut reader).await.expect_err("revoked").to_string();
    assert!(error.contains("permission denied"), "{error}");
    reader.close().await.unwrap();
    assert!(invalid_role(store.revoke_council_reader(&role).await).contains("not a council reader"));
    sqlx::query(&format!("REVOKE ALL ON SCHEMA public FROM {role}")).execute(&mut admin).await.unwrap();
    sqlx::query(&format!("DROP ROLE {role}")).execute(&mut admin).await.unwrap();
}

#[tokio::test]
async fn readers_need_postgresql() {
    let (store, _dir) = sqlite_store().await;
    let council = store.create_council("RLSQ", "Lite").await.unwrap().id.to_string();
    assert!(invalid_role(store.grant_council_reader(council.parse().unwrap(), "analyst").await).contains("PostgreSQL"));
}
