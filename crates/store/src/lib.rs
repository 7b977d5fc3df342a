//! Storage for selfdirect: the use cases of the chain, each one transaction, over SQLite
//! (the embedded default) or PostgreSQL, with one set of migrations.
//!
//! This is the adapter between the pure rules in `selfdirect-domain` and the database:
//! it loads what a rule needs, calls the rule, and writes the result — or writes nothing
//! when the rule says no.

// The steps of the chain, as in the domain crate.
mod learning;
mod money;
mod person;
mod plan;
mod plan_revisions;
mod ras;
mod review;
// Who may see what, the national-scale generator, and what every step shares.
mod access;
mod bulk;
mod codec;
pub mod records;
pub mod synthetic;
pub mod testing;

pub use access::access_log::AccessLogEntry;
use access::readers;
pub use access::users::{
    NewUser, Session, SignInRefusal, User, LOCKOUT_MINUTES, MAX_FAILED_SIGN_INS, MAX_FAILED_SIGN_INS_FROM_ONE_SOURCE, MIN_PASSWORD_LENGTH, SESSION_HOURS,
};
pub use learning::rollup::{BlockContractInput, BlockContractRecord, ProviderIncomeRow, SpendingCell, SpendingDimension};
pub use learning::{spending_csv, CategorySpend, SurveyResults};
pub use money::accounts::{OpenAccountInput, PaymentInput, ReceiptFile, SpendingInput, MAX_RECEIPT_BYTES, RECEIPT_TYPES};
pub use money::audit::{AuditFinding, RecoveryInput};
pub use money::bank_details::{BankDetailChange, BankDetailsInput, PendingBankChange};
pub use money::claims::{AcceptedInvoice, ClaimsReport, InvoiceRecord};
pub use money::payments::{FinancialAssessmentInput, PaymentRunPreview, PaymentRunReport, RunException, RunItem, RunOptions};
pub use money::payroll::{PersonalAssistant, PersonalAssistantInput, TimesheetInput};
pub use person::commissioned::CommissionedServiceRecord;
pub use person::people::Team;
pub use plan_revisions::PlanRevision;
pub use ras::{BudgetChange, CalibrationReport, QuestionnaireVersion, RecomputeReport};
pub use records::*;
pub use review::ending::{EndingInput, NoticeRecoveryInput, WaitingNotice};
pub use review::safeguarding::{Concern, DbsAlertRow, DbsInput};
pub use review::transfer::{TransferInput, TransferRecord, TransferReport};
pub use review::{reviews_due_csv, ReviewInput};

use selfdirect_domain::deployment::streams::FundingStreams;
use selfdirect_domain::Problems;
use sqlx::any::AnyPoolOptions;
use sqlx::{AnyPool, Executor};
use std::path::Path;
use std::str::FromStr;

/// Why a use case did not happen. Nothing is written in any of these cases.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// The input is wrong; every problem names its field.
    #[error("{0}")]
    Invalid(Problems),
    #[error("no {what} with id '{id}'")]
    NotFound { what: &'static str, id: String },
    /// The request clashes with the record's current state (already approved, changed by someone else).
    #[error("{0}")]
    Conflict(String),
    #[error("database error: {0}")]
    Database(sqlx::Error),
    #[error("migration error: {0}")]
    Migration(#[from] sqlx::migrate::MigrateError),
    /// Stored data that cannot be read back: a bug or outside tampering, never user input.
    #[error("stored data is unreadable: {0}")]
    Corrupt(String),
}

/// Text that cannot be an id names no record.
impl From<selfdirect_domain::ids::UnknownId> for StoreError {
    fn from(e: selfdirect_domain::ids::UnknownId) -> StoreError {
        StoreError::NotFound { what: e.what, id: e.id }
    }
}

/// A refusal by the database's own rules (a unique key, the money gate's triggers) is a
/// clash with what is already recorded: a conflict that names what clashed, not a failure.
impl From<sqlx::Error> for StoreError {
    fn from(e: sqlx::Error) -> StoreError {
        if let sqlx::Error::Database(db) = &e {
            let message = db.message();
            let gate = message.starts_with("paid_days:") || message.starts_with("one live budget:");
            if gate || db.code().as_deref() == Some("23P01") {
                return StoreError::Conflict(format!("the database refused it: {message}"));
            }
            if db.kind() == sqlx::error::ErrorKind::UniqueViolation {
                let what = db.constraint().map(str::to_string).unwrap_or_else(|| message.trim_start_matches("UNIQUE constraint failed: ").to_string());
                return StoreError::Conflict(format!("this is already recorded: it clashes with an existing record ({what})"));
            }
        }
        StoreError::Database(e)
    }
}

impl From<Problems> for StoreError {
    fn from(p: Problems) -> StoreError {
        StoreError::Invalid(p)
    }
}

pub type Result<T, E = StoreError> = std::result::Result<T, E>;

/// Which database is behind the store.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

/// The system of record.
#[derive(Clone)]
pub struct Store {
    pool: AnyPool,
    backend: Backend,
    /// The funding streams budgets may combine, and their rules (configuration).
    streams: std::sync::Arc<FundingStreams>,
}

static MIGRATOR: sqlx::migrate::Migrator = sqlx::migrate!("./migrations");

impl Store {
    /// Opens the embedded SQLite database `selfdirect.sqlite` in `data_dir`, creating both.
    pub async fn open_data_dir(data_dir: &Path) -> Result<Store> {
        std::fs::create_dir_all(data_dir).map_err(|e| StoreError::Corrupt(format!("cannot create data directory {}: {e}", data_dir.display())))?;
        let file = data_dir.join("selfdirect.sqlite");
        Store::connect(&format!("sqlite://{}?mode=rwc", file.display())).await
    }

    /// Connects to `sqlite://…` or `postgres://…`, without migrating.
    pub async fn connect(url: &str) -> Result<Store> {
        sqlx::any::install_default_drivers();
        let backend = if url.starts_with("postgres://") || url.starts_with("postgresql://") {
            Backend::Postgres
        } else if url.starts_with("sqlite:") {
            Backend::Sqlite
        } else {
            let mut p = Problems::new();
            p.add("database_url", format!("'{url}' is neither a sqlite: nor a postgres:// URL"));
            return Err(StoreError::Invalid(p));
        };
        let options = sqlx::any::AnyConnectOptions::from_str(url)?;
        let pool = match backend {
            // SQLite allows one writer at a time; one connection queues writers in the
            // application instead of failing them with SQLITE_BUSY. WAL lets the file be read
            // while it is written; synchronous FULL syncs the log at every commit, so not even
            // a power cut loses a committed transaction (NORMAL may lose the last few).
            Backend::Sqlite => {
                AnyPoolOptions::new()
                    .max_connections(1)
                    .after_connect(|conn, _| {
                        Box::pin(async move {
                            conn.execute("PRAGMA journal_mode = WAL; PRAGMA foreign_keys = ON; PRAGMA synchronous = FULL;").await?;
                            Ok(())
                        })
                    })
                    .connect_with(options)
                    .await?
            }
            // Bulk statements carry long `IN (…)` lists whose selectivity a cached generic plan
            // cannot see; after five runs PostgreSQL switched them to plans that scanned whole
            // tables, and batched claims fell from 5,200 to 600 a second as the ledger grew.
            Backend::Postgres => {
                AnyPoolOptions::new()
                    .max_connections(16)
                    .after_connect(|conn, _| {
                        Box::pin(async move {
                            conn.execute("SET plan_cache_mode = force_custom_plan").await?;
                            Ok(())
                        })
                    })
                    .connect_with(options)
                    .await?
            }
        };
        Ok(Store { pool, backend, streams: std::sync::Arc::new(FundingStreams::standard()) })
    }

    /// Connects and brings the schema up to date.
    pub async fn connect_and_migrate(url: &str) -> Result<Store> {
        let store = Store::connect(url).await?;
        store.migrate().await?;
        Ok(store)
    }

    /// Applies any migrations not yet applied. Safe to run repeatedly.
    pub async fn migrate(&self) -> Result<()> {
        MIGRATOR.run(&self.pool).await?;
        readers::harden(&self.pool, self.backend).await?;
        Ok(())
    }

    /// The names of the migrations that exist, in order.
    pub fn migration_names() -> Vec<String> {
        MIGRATOR.iter().map(|m| format!("{} {}", m.version, m.description)).collect()
    }

    /// The same store with other funding stream rules (from a configuration file).
    pub fn with_streams(mut self, streams: FundingStreams) -> Store {
        self.streams = std::sync::Arc::new(streams);
        self
    }

    pub fn streams(&self) -> &FundingStreams {
        &self.streams
    }

    pub fn backend(&self) -> Backend {
        self.backend
    }

    pub fn pool(&self) -> &AnyPool {
        &self.pool
    }

    /// Refreshes the query planner's statistics (after a bulk load, before autovacuum has run).
    pub async fn refresh_statistics(&self) -> Result<()> {
        sqlx::query("ANALYZE").execute(&self.pool).await?;
        Ok(())
    }

    pub async fn close(&self) {
        self.pool.close().await;
    }
}

pub(crate) fn now() -> String {
    time::OffsetDateTime::now_utc().format(&time::format_description::well_known::Rfc3339).expect("now formats")
}

pub(crate) fn today() -> time::Date {
    time::OffsetDateTime::now_utc().date()
}

pub(crate) fn new_id() -> String {
    uuid::Uuid::now_v7().to_string()
}

/// A new record's typed id (time-ordered, so new rows land at the end of an index).
pub(crate) fn fresh_id<Id: From<uuid::Uuid>>() -> Id {
    uuid::Uuid::now_v7().into()
}

/// A single-problem validation error.
pub(crate) fn invalid(field: &str, problem: impl Into<String>) -> StoreError {
    let mut p = Problems::new();
    p.add(field, problem);
    StoreError::Invalid(p)
}
