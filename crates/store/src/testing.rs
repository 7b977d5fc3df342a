//! Test support: the same tests run against SQLite and PostgreSQL.
//!
//! PostgreSQL is found at `SELFDIRECT_TEST_POSTGRES` (default
//! `postgres://postgres@127.0.0.1:5432/postgres`). When it cannot be reached the
//! PostgreSQL half of a test is skipped with a message on stderr — unless
//! `SELFDIRECT_REQUIRE_POSTGRES=1` (set by CI), when it fails instead.

use crate::Store;
use selfdirect_domain::ids::{AccountId, CouncilId, PersonId, PlanId};
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
    url: String,
}

impl TemporaryDatabase {
    /// The database's own URL, for tools that connect by themselves.
    pub fn url(&self) -> &str {
        &self.url
    }
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
    let guard = postgres_database(test_name).await?;
    let store = Store::connect_and_migrate(guard.url()).await.expect("migrate PostgreSQL");
    Some((store, guard))
}

/// Applies the migrations up to and including `version` and no further, leaving the
/// database as an older release did: for tests of a later migration on existing data.
pub async fn migrate_until(store: &Store, version: i64) {
    let migrator = sqlx::migrate::Migrator {
        migrations: std::borrow::Cow::Owned(crate::MIGRATOR.iter().filter(|m| m.version <= version).cloned().collect()),
        ..sqlx::migrate::Migrator::DEFAULT
    };
    migrator.run(store.pool()).await.unwrap_or_else(|e| panic!("migrate until {version}: {e}"));
}

/// A new, empty PostgreSQL database (no migrations), or `None` as for [`postgres_store`].
pub async fn postgres_database(test_name: &str) -> Option<TemporaryDatabase> {
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
    Some(TemporaryDatabase { admin_url: admin_url.clone(), name: database, url })
}

/// A plan line bought once a week at `pounds_per_week`, from the default stream.
pub fn weekly_line(description: &str, provider: &str, category: &str, pounds_per_week: &str) -> selfdirect_domain::plan::PlanLineInput {
    selfdirect_domain::plan::PlanLineInput {
        description: description.into(),
        provider: provider.into(),
        category: category.into(),
        frequency: "weekly".into(),
        units_per_period: "1".into(),
        unit_cost: pounds_per_week.into(),
        stream: None,
        risk_note: None,
    }
}

/// The lowest answer to every other question of the standard questionnaire, the highest to
/// the rest: fewer points than `highest_answers`, as a re-assessment might find.
pub fn fewer_needs_answers() -> std::collections::BTreeMap<String, String> {
    use selfdirect_domain::assessment::{highest_answers, Questionnaire};
    let questionnaire = Questionnaire::standard();
    let mut answers = highest_answers(&questionnaire);
    for (_, question) in questionnaire.questions().step_by(2) {
        let lowest = question.options.iter().min_by_key(|o| o.points).expect("validated: at least two options");
        answers.insert(question.id.clone(), lowest.id.clone());
    }
    answers
}

/// A person (given name `name`) with a self-assessment and a support plan for 2026-04-01
/// to 2027-03-31 sent for approval; returns (person id, plan id).
pub async fn submitted_test_plan(store: &Store, council: CouncilId, name: &str, lines: Vec<selfdirect_domain::plan::PlanLineInput>) -> (PersonId, PlanId) {
    use selfdirect_domain::assessment::{highest_answers, Questionnaire};
    let person = store
        .create_person(
            council,
            &selfdirect_domain::person::NewPersonInput {
                given_name: name,
                family_name: "Payee",
                date_of_birth: "1970-01-01",
                address: "1 Road",
                postcode: "AB1 2CD",
                client_group: "physical_disability",
                long_term_support: true,
                nhs_number: None,
            },
        )
        .await
        .expect("test person");
    let pid = person.id;
    store.record_assessment(pid, &highest_answers(&Questionnaire::standard()), "2026-01-01", "SW").await.expect("test assessment");
    let input = selfdirect_domain::plan::PlanInput {
        outcomes: vec!["Live well".into()],
        lines,
        start_date: "2026-04-01".into(),
        end_date: "2027-03-31".into(),
        over_budget_reason: None,
    };
    let plan = store.create_plan(pid, None, &input).await.expect("test plan").id;
    store.submit_plan(plan).await.expect("submit test plan");
    (pid, plan)
}

/// A person (given name `name`) with an approved plan for 2026-04-01 to 2027-03-31 and an
/// open account held as `deployment`; returns the account id.
pub async fn open_test_account(
    store: &Store,
    council: CouncilId,
    name: &str,
    lines: Vec<selfdirect_domain::plan::PlanLineInput>,
    deployment: &str,
) -> AccountId {
    let (_, plan) = submitted_test_plan(store, council, name, lines).await;
    store.approve_plan(plan, "Manager", None).await.expect("approve test plan");
    let open = crate::OpenAccountInput { deployment: Some(deployment.into()), ..Default::default() };
    store.open_account(plan, &open).await.expect("open test account").id
}

/// Pays `pounds` into a direct-payment account's bank account on `on` (a test's set-up).
pub async fn pay_budget_holder(store: &Store, account: AccountId, pounds: &str, on: &str) {
    let input = crate::PaymentInput {
        payee: "budget_holder".into(),
        payee_name: "Budget holder".into(),
        amount: pounds.into(),
        paid_on: on.into(),
        ..Default::default()
    };
    store.make_payment(account, &input).await.expect("a test payment within the budget");
}

/// Records that `pounds` of a direct payment was spent on plan line `line` on `on`.
pub async fn spend_on_line(store: &Store, account: AccountId, line: &str, pounds: &str, on: &str) {
    let input =
        crate::SpendingInput { plan_line_id: line.into(), amount: pounds.into(), spent_on: on.into(), description: "Wages".into(), ..Default::default() };
    store.record_spending(account, &input).await.expect("test spending within what was paid");
}

/// Validates a pain.001.001.03 file against the official XSD vendored in
/// `crates/domain/schemas`, with `xmllint` from libxml2 (Debian's libxml2-utils, which
/// `.ci/run` installs): the bank's judge, not our reading of the schema.
pub fn assert_valid_pain001(xml: &str) {
    use std::io::Write;
    let schema = concat!(env!("CARGO_MANIFEST_DIR"), "/../domain/schemas/pain.001.001.03.xsd");
    let mut child = std::process::Command::new("xmllint")
        .args(["--noout", "--nonet", "--schema", schema, "-"])
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .expect("xmllint runs (install libxml2-utils)");
    child.stdin.take().expect("stdin").write_all(xml.as_bytes()).expect("xmllint reads the file");
    let out = child.wait_with_output().expect("xmllint finishes");
    assert!(out.status.success(), "pain.001 fails the XSD:\n{}\n{xml}", String::from_utf8_lossy(&out.stderr));
}

/// The earliest pay date a payment run made today can have, and a Saturday after it, as
/// `YYYY-MM-DD`: tests that pay must use days that are still to come.
pub fn pay_dates_from_today() -> (String, String) {
    use selfdirect_domain::money::payment_files::pay_dates::earliest_pay_date;
    let calendar = selfdirect_domain::calendar::WorkingDays::england_and_wales();
    let earliest = earliest_pay_date(calendar, crate::today()).expect("today is inside the bank holiday calendar");
    let saturday = (1..8).map(|d| earliest + time::Duration::days(d)).find(|d| d.weekday() == time::Weekday::Saturday).expect("a week has a Saturday");
    (selfdirect_domain::dates::iso(earliest), selfdirect_domain::dates::iso(saturday))
}
