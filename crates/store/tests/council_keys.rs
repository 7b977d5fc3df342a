//! The council in every key (migration 000018), on SQLite and PostgreSQL:
//! - on a database an older release left full (migrated to 000017 and filled by the
//!   generator and the use cases), the migration keeps every row and every penny, and the
//!   records read back and change as before;
//! - afterwards the database itself refuses a row that points into another council;
//! - on PostgreSQL, every primary key, unique index and foreign key of a council table
//!   includes `council_id` (what Citus needs to distribute by council), but for the
//!   documented sign-in exceptions.

use selfdirect_domain::access::Action;
use selfdirect_domain::Money;
use selfdirect_store::synthetic::{generate_into, GenerateOptions};
use selfdirect_store::testing::{migrate_until, open_test_account, postgres_database, weekly_line};
use selfdirect_store::{
    BankDetailsInput, FinancialAssessmentInput, NewUser, PersonalAssistantInput, ReceiptFile, RunOptions, SpendingDimension, SpendingInput, Store,
    TimesheetInput,
};
use sqlx::Row;
use time::macros::date;

const BEFORE_COUNCIL_KEYS: i64 = 20261125000017;

/// Every table the migration rebuilds, with a money column to total where it has one.
const TABLES: &[(&str, &str)] = &[
    ("teams", "0"),
    ("people", "0"),
    ("users", "0"),
    ("contacts", "0"),
    ("assessments", "indicative_budget_pence"),
    ("allocations", "total_pence"),
    ("reconsiderations", "0"),
    ("plans", "total_pence"),
    ("plan_lines", "annual_cost_pence"),
    ("budget_accounts", "final_budget_pence"),
    ("ledger_entries", "0"),
    ("ledger_postings", "ABS(amount_pence)"),
    ("reviews", "0"),
    ("financial_assessments", "weekly_contribution_pence"),
    ("bank_details", "0"),
    ("providers", "0"),
    ("payment_runs", "0"),
    ("payment_run_items", "net_pence"),
    ("invoices", "amount_pence"),
    ("personal_assistants", "hourly_rate_pence"),
    ("timesheets", "0"),
    ("sessions", "0"),
    ("receipts", "size_bytes"),
    ("access_log", "0"),
    ("safeguarding_concerns", "0"),
    ("survey_responses", "0"),
    ("block_contracts", "annual_value_pence"),
    ("broker_clients", "0"),
];

/// Rows and totals of every rebuilt table, and the columns the migration treats specially.
async fn fingerprint(store: &Store) -> Vec<String> {
    let mut out = Vec::new();
    for (table, money) in TABLES {
        let row = sqlx::query(&format!("SELECT COUNT(*) AS n, CAST(COALESCE(SUM({money}), 0) AS BIGINT) AS total FROM {table}"))
            .fetch_one(store.pool())
            .await
            .unwrap();
        out.push(format!("{table}: {} rows, {}", row.get::<i64, _>("n"), row.get::<i64, _>("total")));
    }
    for r in sqlx::query("SELECT id, allocated_team_id, allocated_worker_id FROM people WHERE allocated_team_id IS NOT NULL ORDER BY id")
        .fetch_all(store.pool())
        .await
        .unwrap()
    {
        out.push(format!(
            "person {} team {:?} worker {:?}",
            r.get::<String, _>("id"),
            r.get::<Option<String>, _>("allocated_team_id"),
            r.get::<Option<String>, _>("allocated_worker_id")
        ));
    }
    for r in sqlx::query("SELECT token_hash, user_id FROM sessions ORDER BY token_hash").fetch_all(store.pool()).await.unwrap() {
        out.push(format!("session {} of {}", r.get::<String, _>("token_hash"), r.get::<String, _>("user_id")));
    }
    out
}

fn user<'a>(email: &'a str, role: &'a str, person_id: Option<&'a str>) -> NewUser<'a> {
    NewUser { email, display_name: "Someone", role, person_id, provider_name: None, password: "correct horse battery staple" }
}

/// Columns of migrations after 000018 that today's code reads or writes, as stand-ins
/// (added while the 000017 database is filled, dropped before migrating).
const STAND_IN_COLUMNS: &[(&str, &str)] = &[
    ("sign_in_failures", "source"),
    ("budget_accounts", "planned_end_date"),
    ("budget_accounts", "ended_on"),
    ("budget_accounts", "end_reason"),
    ("budget_accounts", "ended_by"),
    ("budget_accounts", "overpaid_days"),
    ("reviews", "participants"),
    ("reviews", "outcomes_met"),
    ("reviews", "working"),
    ("reviews", "not_working"),
    ("reviews", "decision"),
    ("plan_lines", "in_force_from"),
    ("plan_lines", "in_force_to"),
    ("people", "nhs_number"),
    ("assessments", "carried_from_council_id"),
];

/// Tables of migrations after 000018 that today's code writes, as plain stand-ins.
const STAND_INS: &[(&str, &str)] = &[
    ("paid_days", "CREATE TABLE paid_days (council_id TEXT, budget_account_id TEXT, stream TEXT, payee TEXT, first_day TEXT, last_day TEXT, entry_id TEXT)"),
    ("past_suspensions", "CREATE TABLE past_suspensions (id TEXT, council_id TEXT, budget_account_id TEXT, first_day TEXT, last_day TEXT, reason TEXT)"),
    (
        "commissioned_services",
        "CREATE TABLE commissioned_services (id TEXT, council_id TEXT, person_id TEXT, service TEXT, provider TEXT, category TEXT, weekly_cost_pence BIGINT, \
         start_date TEXT, end_date TEXT, replaced_by_account_id TEXT, recorded_by TEXT, created_at TEXT)",
    ),
    (
        "bank_detail_changes",
        "CREATE TABLE bank_detail_changes (id TEXT, council_id TEXT, budget_account_id TEXT, account_name TEXT, sort_code TEXT, account_number TEXT, \
         entered_by_user_id TEXT, entered_by TEXT, entered_at TEXT, confirmed_by_user_id TEXT, confirmed_by TEXT, confirmed_at TEXT)",
    ),
];

/// Fills a 000017 database, migrates it, and checks nothing was lost and the keys hold.
async fn migrates_existing_data(store: &Store, url: &str) {
    migrate_until(store, BEFORE_COUNCIL_KEYS).await;
    // Today's code writes tables 000017 did not have: stand-ins take those rows while the
    // database is filled, and are dropped before migrating, so that the later migrations
    // make the real tables and fill them from what 000017 held.
    for (_, create) in STAND_INS {
        sqlx::query(create).execute(store.pool()).await.unwrap();
    }
    for (table, column) in STAND_IN_COLUMNS {
        sqlx::query(&format!("ALTER TABLE {table} ADD COLUMN {column} TEXT")).execute(store.pool()).await.unwrap();
    }
    let options = GenerateOptions { people: 60, councils: 2, months: 6, seed: 18, end: date!(2026 - 11 - 24), batch_people: 30, fast_load: false };
    generate_into(store, url, &options, &|_, _, _| {}).await.unwrap();

    // What the generator does not make: staff, teams, a case allocation, a broker, a
    // budget holder's sign-in, a session, a concern, and the access log.
    let councils = store.councils().await.unwrap();
    let (north, south) = (councils[0].id.to_string(), councils[1].id.to_string());
    let person_id: String =
        sqlx::query("SELECT id FROM people WHERE council_id = $1 ORDER BY id LIMIT 1").bind(&north).fetch_one(store.pool()).await.unwrap().get("id");
    let worker = store.create_user(north.parse().unwrap(), &user("sam@north.example", "social_worker", None)).await.unwrap();
    let team = store.create_team(north.parse().unwrap(), "Hillside", &[worker.id.to_string()]).await.unwrap();
    store.allocate_case(person_id.parse().unwrap(), Some(&team.id.to_string()), Some(&worker.id.to_string())).await.unwrap();
    let broker = store.create_user(north.parse().unwrap(), &user("bea@brokers.example", "broker", Some(&person_id))).await.unwrap();
    store.choose_broker(person_id.parse().unwrap(), &broker.id.to_string(), "2026-11-01").await.unwrap();
    store.create_user(north.parse().unwrap(), &user("ann@home.example", "budget_holder", Some(&person_id))).await.unwrap();
    store.raise_concern(person_id.parse().unwrap(), "Sam", "Missed visits", "2026-11-02").await.unwrap();
    let person = store.person(person_id.parse().unwrap()).await.unwrap();
    store.log_access(&worker, person.subject(), Action::ViewPerson, "/people/x").await.unwrap();
    // A direct payment with a contribution, a personal assistant, a payment run and a
    // receipt; a contact and a reconsideration.
    let dp = open_test_account(store, north.parse().unwrap(), "Dee", vec![weekly_line("PA hours", "PA", "personal_assistant", "260")], "direct_payment").await;
    let bank = BankDetailsInput { account_name: "D PAYEE".into(), sort_code: "20-00-00".into(), account_number: "12345678".into(), service_user_number: None };
    store.set_bank_details(dp, &bank).await.unwrap();
    let assessment =
        FinancialAssessmentInput { assessed_on: "2026-03-20".into(), capital: "0".into(), weekly_income: "278".into(), weekly_disability_expenses: None };
    store.financial_assessment(dp, &assessment).await.unwrap();
    let pa = PersonalAssistantInput { name: "Sam Jones".into(), hourly_rate: "15.00".into(), contracted_hours: "20".into(), start_date: "2026-04-06".into() };
    let pa = store.register_personal_assistant(dp, &pa).await.unwrap();
    let week = TimesheetInput { week_start: "2026-04-06".into(), hours_worked: "20".into(), holiday_hours: "".into() };
    store.record_timesheet(pa.id, &week).await.unwrap();
    store.payment_run(north.parse().unwrap(), "2026-04-01", None, RunOptions::default()).await.unwrap();
    let line = store.plan(store.account(dp).await.unwrap().plan_id).await.unwrap().lines[0].id;
    let spending = SpendingInput {
        plan_line_id: line.to_string(),
        amount: "100.00".into(),
        spent_on: "2026-04-10".into(),
        description: "Wages".into(),
        ..Default::default()
    };
    let receipt = ReceiptFile { file_name: "payslip.pdf".into(), content_type: "application/pdf".into(), bytes: b"%PDF-1.4 payslip".to_vec() };
    store.record_spending_with_receipt(dp, &spending, Some(&receipt)).await.unwrap();
    let dee = store.account(dp).await.unwrap().person_id.to_string();
    store.add_contact(dee.parse().unwrap(), "carer", "Jo", "sister", None).await.unwrap();
    store.request_reconsideration(dee.parse().unwrap(), "Dee", "My needs at night were missed", "2026-11-03").await.unwrap();
    // 000017's sessions had no council; the migration finds it through the user.
    sqlx::query("INSERT INTO sessions (token_hash, user_id, csrf_token, created_at, expires_at) VALUES ('h1', $1, 'c', '2026-11-24T00:00:00Z', '99999999999')")
        .bind(worker.id.to_string())
        .execute(store.pool())
        .await
        .unwrap();

    let before = fingerprint(store).await;
    assert!(before.iter().all(|line| !line.contains(": 0 rows")), "every table has rows to keep: {before:#?}");
    for (table, _) in STAND_INS {
        sqlx::query(&format!("DROP TABLE {table}")).execute(store.pool()).await.unwrap();
    }
    for (table, column) in STAND_IN_COLUMNS {
        sqlx::query(&format!("ALTER TABLE {table} DROP COLUMN {column}")).execute(store.pool()).await.unwrap();
    }
    store.migrate().await.unwrap();
    // The run's payments made before the gate now cover their days.
    let covered: i64 = sqlx::query("SELECT COUNT(*) AS n FROM paid_days p JOIN payment_run_items i ON i.entry_id = p.entry_id AND i.council_id = p.council_id")
        .fetch_one(store.pool())
        .await
        .unwrap()
        .get("n");
    let items: i64 = sqlx::query("SELECT COUNT(*) AS n FROM payment_run_items").fetch_one(store.pool()).await.unwrap().get("n");
    assert_eq!((covered, items > 0), (items, true), "every run item's days are recorded as paid");
    // Bank details recorded before versions were kept are each account's first version.
    let versions: i64 =
        sqlx::query("SELECT COUNT(*) AS n FROM bank_detail_changes WHERE confirmed_at IS NOT NULL").fetch_one(store.pool()).await.unwrap().get("n");
    let details: i64 = sqlx::query("SELECT COUNT(*) AS n FROM bank_details").fetch_one(store.pool()).await.unwrap().get("n");
    assert_eq!((versions, details > 0), (details, true), "every account's bank details are its first confirmed version");
    assert_eq!(fingerprint(store).await, before, "the migration keeps every row and every penny");

    // The session took its user's council.
    let council: String = sqlx::query("SELECT council_id FROM sessions WHERE token_hash = 'h1'").fetch_one(store.pool()).await.unwrap().get("council_id");
    assert_eq!(council, north);
    // The ledger still balances and the rollup (rebuilt view) still equals it.
    for cid in [&north, &south] {
        let tb = store.trial_balance(cid.parse().unwrap()).await.unwrap();
        assert_eq!((tb.unbalanced_entries, tb.sum_of_postings), (0, Money::ZERO));
        assert!(tb.postings > 0);
        assert_eq!(
            store.spending_by(cid.parse().unwrap(), SpendingDimension::Category).await.unwrap(),
            store.spending_from_ledger(cid.parse().unwrap(), SpendingDimension::Category).await.unwrap()
        );
    }
    // The use cases read and write as before: sign in (a session with its council), the
    // caseload, a new person in the other council.
    let session = store.sign_in("sam@north.example", "correct horse battery staple").await.unwrap().expect("signs in");
    assert_eq!(store.session(&session.token).await.unwrap().expect("session").user.id, worker.id);
    assert_eq!(store.person(person_id.parse().unwrap()).await.unwrap().allocated_worker_id, Some(worker.id));
    assert_eq!(store.access_log(person_id.parse().unwrap(), 10).await.unwrap().len(), 1);

    refuses_cross_council_rows(store, &north, &south, &person_id).await;
}

/// Rows that point into another council are refused by the database itself.
async fn refuses_cross_council_rows(store: &Store, north: &str, south: &str, north_person: &str) {
    let north_account: String =
        sqlx::query("SELECT id FROM budget_accounts WHERE council_id = $1 LIMIT 1").bind(north).fetch_one(store.pool()).await.unwrap().get("id");
    let north_entry: String =
        sqlx::query("SELECT id FROM ledger_entries WHERE council_id = $1 LIMIT 1").bind(north).fetch_one(store.pool()).await.unwrap().get("id");
    let attempts = [
        format!(
            "INSERT INTO contacts (id, council_id, person_id, role, name, relationship, phone, created_at) \
             VALUES ('c-x', '{south}', '{north_person}', 'carer', 'X', 'friend', NULL, '2026-11-24')"
        ),
        format!(
            "INSERT INTO ledger_postings (entry_id, line_no, council_id, budget_account_id, account, stream, plan_line_id, amount_pence, occurred_on) \
             VALUES ('{north_entry}', 99, '{south}', '{north_account}', 'spent', 'social_care', NULL, 100, '2026-11-24')"
        ),
        format!("UPDATE people SET council_id = '{south}' WHERE id = '{north_person}'"),
    ];
    for sql in attempts {
        let error = sqlx::query(&sql).execute(store.pool()).await.expect_err(&sql).to_string().to_lowercase();
        assert!(error.contains("foreign key"), "{sql}: {error}");
    }
    // The same rows within one council are accepted (the refusals were about the council).
    sqlx::query(&format!(
        "INSERT INTO contacts (id, council_id, person_id, role, name, relationship, phone, created_at) \
         VALUES ('c-ok', '{north}', '{north_person}', 'carer', 'X', 'friend', NULL, '2026-11-24')"
    ))
    .execute(store.pool())
    .await
    .unwrap();
}

#[tokio::test]
async fn the_council_joins_every_key_on_sqlite() {
    let dir = tempfile::tempdir().unwrap();
    let url = format!("sqlite://{}?mode=rwc", dir.path().join("selfdirect.sqlite").display());
    let store = Store::connect(&url).await.unwrap();
    migrates_existing_data(&store, &url).await;
}

#[tokio::test]
async fn the_council_joins_every_key_on_postgres() {
    let Some(database) = postgres_database("the_council_joins_every_key_on_postgres").await else { return };
    let store = Store::connect(database.url()).await.unwrap();
    migrates_existing_data(&store, database.url()).await;

    // Every key of a council table names the council: primary keys and unique indexes
    // (Citus refuses a unique index without the distribution column) and foreign keys
    // between council tables (Citus needs them within one shard).
    let without_council: Vec<String> = sqlx::query(
        "SELECT CAST(t.relname AS TEXT) || '.' || CAST(i.relname AS TEXT) AS name FROM pg_index x \
         JOIN pg_class i ON i.oid = x.indexrelid JOIN pg_class t ON t.oid = x.indrelid \
         JOIN pg_namespace n ON n.oid = t.relnamespace AND n.nspname = current_schema() \
         WHERE x.indisunique AND t.relname NOT IN ('councils', 'council_database_roles', 'sign_in_failures', '_sqlx_migrations') \
           AND NOT EXISTS (SELECT 1 FROM pg_attribute a WHERE a.attrelid = t.oid AND a.attname = 'council_id' AND a.attnum = ANY (x.indkey)) \
         UNION ALL \
         SELECT CAST(t.relname AS TEXT) || '.' || CAST(c.conname AS TEXT) FROM pg_constraint c \
         JOIN pg_class t ON t.oid = c.conrelid JOIN pg_class r ON r.oid = c.confrelid \
         JOIN pg_namespace n ON n.oid = t.relnamespace AND n.nspname = current_schema() \
         WHERE c.contype = 'f' AND r.relname <> 'councils' \
           AND NOT EXISTS (SELECT 1 FROM pg_attribute a WHERE a.attrelid = t.oid AND a.attname = 'council_id' AND a.attnum = ANY (c.conkey)) \
         ORDER BY 1",
    )
    .fetch_all(store.pool())
    .await
    .unwrap()
    .iter()
    .map(|r| r.get("name"))
    .collect();
    // Sign-in finds a user by email and a session by its token before any council is known
    // (README: on Citus they stay on the coordinator).
    assert_eq!(without_council, ["sessions.sessions_key", "users.users_email_unique"]);
}
