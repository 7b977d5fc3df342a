//! The access log and the ledger only grow: the database refuses to change or remove a
//! row, whoever asks, on both databases.

use selfdirect_store::testing::{open_test_account, pay_budget_holder, postgres_store, sqlite_store, weekly_line};
use selfdirect_store::{Store, User};
use sqlx::{AnyConnection, Connection, Row};

async fn guarded(store: &Store, url: &str) {
    let cid = store.create_council("APP", "Append Council").await.unwrap().id;
    let account = open_test_account(store, cid, "Ann", vec![weekly_line("PA", "Sam", "personal_assistant", "100")], "direct_payment").await;
    pay_budget_holder(store, account, "400", "2026-04-01").await;
    let person = store.account(account).await.unwrap().person_id;
    let user: User = store
        .create_user(
            cid,
            &selfdirect_store::NewUser {
                email: "aud@council.example",
                display_name: "Aud",
                role: "auditor",
                person_id: None,
                provider_name: None,
                password: "a long enough password",
            },
        )
        .await
        .unwrap();
    let subject = selfdirect_domain::access::Subject::Person { council_id: user.council_id, person_id: person, caseload: Default::default() };
    store.log_access(&user, subject, selfdirect_domain::access::Action::ViewPerson, "GET /people").await.unwrap();

    sqlx::any::install_default_drivers();
    let mut conn = AnyConnection::connect(url).await.unwrap();
    let count = |table: &'static str| format!("SELECT CAST(COUNT(*) AS BIGINT) AS n FROM {table}");
    for table in ["access_log", "ledger_entries", "ledger_postings"] {
        let before: i64 = sqlx::query(&count(table)).fetch_one(&mut conn).await.unwrap().get("n");
        assert!(before > 0, "{table} has rows to guard");
        for sql in [format!("UPDATE {table} SET council_id = council_id"), format!("DELETE FROM {table}")] {
            let error = sqlx::query(&sql).execute(&mut conn).await.expect_err(&sql).to_string();
            assert!(error.contains(&format!("{table} is append-only")), "{sql}: {error}");
        }
        let after: i64 = sqlx::query(&count(table)).fetch_one(&mut conn).await.unwrap().get("n");
        assert_eq!(before, after, "{table}");
    }
    // Migrating again leaves the guard as it is.
    store.migrate().await.unwrap();
    assert!(sqlx::query("DELETE FROM access_log").execute(&mut conn).await.is_err());
    conn.close().await.unwrap();
}

#[tokio::test]
async fn append_only_on_sqlite() {
    let (store, dir) = sqlite_store().await;
    guarded(&store, &format!("sqlite://{}", dir.path().join("selfdirect.sqlite").display())).await;
}

#[tokio::test]
async fn append_only_on_postgres() {
    let Some((store, db)) = postgres_store("append_only_on_postgres").await else { return };
    guarded(&store, db.url()).await;
    // TRUNCATE too.
    sqlx::any::install_default_drivers();
    let mut conn = AnyConnection::connect(db.url()).await.unwrap();
    let error = sqlx::query("TRUNCATE ledger_postings").execute(&mut conn).await.expect_err("truncate").to_string();
    assert!(error.contains("ledger_postings is append-only"), "{error}");
}
