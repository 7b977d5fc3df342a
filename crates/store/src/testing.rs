//! Test support: the same tests run against SQLite and PostgreSQL.
//!
//! PostgreSQL is found at `SELFDIRECT_TEST_POSTGRES` (default
//! `postgres://postgres@127.0.0.1:5432/postgres`). When it cannot be reached the
//! PostgreSQL half of a test is skipped with a message on stderr — unless
//! `SELFDIRECT_REQUIRE_POSTGRES=1` (set by CI), when it fails instead.

use crate::Store;
use sqlx::Connection;

/// A fresh, migrated store on a new SQLite file; the directory lives as long as the value.
pub async fn sqlite_store() -> (Store, tempfile::TempDir) {
    let dir = tempfile::tempdir().expect("temporary directory");
    let store = Store::open_data_dir(dir.path()).await.expect("open SQLite store");
    store.migrate().await.expect("migrate SQLite");
    (store, dir)
}

/// A PostgreSQL database made for one test, dropped when this value is dropped.
pub struct TemporaryDatabase {
    admin_url: String,
    name: String,
}

impl Drop for TemporaryDatabase {
    fn drop(&mut self) {
        let (admin_url, name) = (self.admin_url.clone(), self.name.clone());
        // Drop cannot await; a short-lived runtime on its own thread does the clean-up.
        let _ = std::thread::spawn(move || {
            let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build().expect("runtime");
            runtime.block_on(async {
                if let Ok(mut admin) = sqlx::AnyConnection::connect(&admin_url).await {
                    let _ = sqlx::query(&format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)")).execute(&mut admin).await;
                }
            })
        })
        .join();
    }
}

/// A freshly created, migrated PostgreSQL database, or `None` (with a message) when no
/// server is reachable and CI has not required one. Keep the guard alive for the test.
pub async fn postgres_store(test_name: &str) -> Option<(Store, TemporaryDatabase)> {
    let admin_url = std::env::var("SELFDIRECT_TEST_POSTGRES").unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432/postgres".to_string());
    sqlx::any::install_default_drivers();
    let mut admin = match sqlx::AnyConnection::connect(&admin_url).await {
        Ok(c) => c,
        Err(e) => {
            if std::env::var("SELFDIRECT_REQUIRE_POSTGRES").is_ok_and(|v| v == "1") {
                panic!("PostgreSQL is required (SELFDIRECT_REQUIRE_POSTGRES=1) but {admin_url} is not reachable: {e}");
            }
            eprintln!("SKIPPED {test_name} on PostgreSQL: {admin_url} is not reachable ({e}); set SELFDIRECT_TEST_POSTGRES to run it");
            return None;
        }
    };
    let database = format!("selfdirect_test_{}", uuid::Uuid::now_v7().simple());
    sqlx::query(&format!("CREATE DATABASE {database}")).execute(&mut admin).await.expect("create test database");
    admin.close().await.ok();
    let url = match admin_url.rfind('/') {
        Some(slash) if admin_url[..slash].contains("://") && slash > admin_url.find("://").unwrap() + 2 => format!("{}/{database}", &admin_url[..slash]),
        _ => format!("{admin_url}/{database}"),
    };
    let guard = TemporaryDatabase { admin_url: admin_url.clone(), name: database };
    let store = Store::connect_and_migrate(&url).await.expect("migrate PostgreSQL");
    Some((store, guard))
}
