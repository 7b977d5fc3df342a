//! DBS checks with their alerts, safeguarding concerns, and a flagged plan needing a team
//! manager, on SQLite and PostgreSQL.

use selfdirect_domain::access::Role;
use selfdirect_domain::assessment::{highest_answers, Questionnaire};
use selfdirect_domain::person::NewPersonInput;
use selfdirect_domain::plan::PlanInput;
use selfdirect_domain::review::safeguarding::DbsAlert;
use selfdirect_store::testing::{open_test_account, postgres_store, sqlite_store, weekly_line};
use selfdirect_store::{DbsInput, PersonalAssistantInput, Store, StoreError};
use time::macros::date;

async fn safeguarding(store: Store) {
    let cid = store.create_council("SFG", "Safeguarding Council").await.unwrap().id;

    // DBS: not checked, then clear with a re-check date; alerts follow the date.
    let account = open_test_account(&store, cid, "Dot", vec![weekly_line("PA hours", "Sam", "personal_assistant", "100")], "direct_payment").await;
    let pa = PersonalAssistantInput { name: "Sam".into(), hourly_rate: "13.00".into(), contracted_hours: "10".into(), start_date: "2026-04-06".into() };
    let sam = store.register_personal_assistant(account, &pa).await.unwrap().id;
    let alerts = store.dbs_alerts(cid, Some(date!(2026 - 05 - 01))).await.unwrap();
    assert!(matches!(&alerts[..], [a] if matches!(a.alert, DbsAlert::NotChecked { .. }) && a.employer_name == "Dot Payee"), "{alerts:?}");
    let bad = DbsInput { status: "maybe".into(), checked_on: Some("2026-13-01".into()), ..DbsInput::default() };
    match store.record_dbs_check(sam, &bad).await {
        Err(StoreError::Invalid(p)) => assert_eq!(p.as_slice().iter().map(|e| e.field.as_str()).collect::<Vec<_>>(), ["status", "checked_on"]),
        other => panic!("{other:?}"),
    }
    let clear = DbsInput {
        status: "clear".into(),
        certificate: Some("001234567890".into()),
        checked_on: Some("2026-04-01".into()),
        recheck_by: Some("2029-04-01".into()),
    };
    store.record_dbs_check(sam, &clear).await.unwrap();
    assert!(store.dbs_alerts(cid, Some(date!(2026 - 05 - 01))).await.unwrap().is_empty());
    let soon = store.dbs_alerts(cid, Some(date!(2029 - 03 - 01))).await.unwrap();
    assert!(matches!(soon[0].alert, DbsAlert::RecheckDueSoon { days: 31, .. }), "{soon:?}");
    let late = store.dbs_alerts(cid, Some(date!(2029 - 04 - 11))).await.unwrap();
    assert!(matches!(late[0].alert, DbsAlert::RecheckOverdue { days: 10, .. }), "{late:?}");

    // A concern about a person with a plan waiting: a social worker may not approve it, a team manager may.
    let person = store
        .create_person(
            cid,
            &NewPersonInput {
                given_name: "Fen",
                family_name: "Flagged",
                date_of_birth: "1950-01-01",
                address: "3 Lane",
                postcode: "AB1 2CD",
                client_group: "older_person",
                long_term_support: true,
                nhs_number: None,
            },
        )
        .await
        .unwrap();
    let pid = person.id;
    store.record_assessment(pid, &highest_answers(&Questionnaire::standard()), "2026-01-01", "SW").await.unwrap();
    let input = PlanInput {
        outcomes: vec!["Stay safe at home".into()],
        lines: vec![weekly_line("Home care", "Harbour Care", "personal_care", "100")],
        start_date: "2026-04-01".into(),
        end_date: "2027-03-31".into(),
        over_budget_reason: None,
    };
    let plan = store.create_plan(pid, None, &input).await.unwrap().id;
    store.submit_plan(plan).await.unwrap();
    assert!(matches!(store.raise_concern(pid, "", "x", "soon").await, Err(StoreError::Invalid(_))));
    let concern = store.raise_concern(pid, "Sam Worker", "Unexplained bruising seen on a visit", "2026-03-20").await.unwrap();
    assert_eq!(store.open_concerns(cid).await.unwrap().len(), 1);
    let refused = store.approve_plan_as(plan, "Sam Worker", Role::SocialWorker, None).await;
    assert!(matches!(&refused, Err(StoreError::Conflict(m)) if m.contains("a team manager must decide")), "{refused:?}");
    assert_eq!(store.plan(plan).await.unwrap().status.code(), "submitted", "a refused approval changes nothing");
    let closed = store.close_concern(pid, concern.id, "Tess Manager", "Explained by a fall; care plan updated").await.unwrap();
    assert_eq!(closed.status, "closed");
    assert!(matches!(store.close_concern(pid, concern.id, "Tess", "again").await, Err(StoreError::Conflict(_))));
    assert!(store.open_concerns(cid).await.unwrap().is_empty());
    store.approve_plan_as(plan, "Sam Worker", Role::SocialWorker, None).await.unwrap();

    // Risk enablement: a line where the person chooses a risk makes the plan a team
    // manager's decision; the note is kept with the line.
    let mut risky_line = weekly_line("My neighbour as my personal assistant", "Jo Next-door", "personal_assistant", "90");
    risky_line.risk_note = Some("  Jo has no DBS check yet; Fen knows her well and her daughter visits daily.  ".into());
    let risky = PlanInput { lines: vec![risky_line], start_date: "2027-04-01".into(), end_date: "2028-03-31".into(), ..input.clone() };
    let plan = store.create_plan(pid, None, &risky).await.unwrap();
    assert_eq!(plan.lines[0].line.risk_note.as_deref(), Some("Jo has no DBS check yet; Fen knows her well and her daughter visits daily."));
    let plan = plan.id;
    store.submit_plan(plan).await.unwrap();
    let refused = store.approve_plan_as(plan, "Sam Worker", Role::SocialWorker, None).await;
    assert!(matches!(&refused, Err(StoreError::Conflict(m)) if m.contains("risk-enablement")), "{refused:?}");
    store.approve_plan_as(plan, "Tess Manager", Role::TeamManager, Some("Risk discussed and agreed with Fen")).await.unwrap();

    // A council that delegates less to social workers: £5,000 a year.
    assert!(matches!(store.set_approval_limit(cid, "lots").await, Err(StoreError::Invalid(_))));
    assert!(matches!(store.set_approval_limit(cid, "0").await, Err(StoreError::Invalid(_))));
    assert_eq!(store.set_approval_limit(cid, "5000").await.unwrap(), selfdirect_domain::Money::from_pounds(5_000));
    let plain = PlanInput { start_date: "2028-04-01".into(), end_date: "2029-03-31".into(), ..input.clone() };
    let plan = store.create_plan(pid, None, &plain).await.unwrap().id;
    store.submit_plan(plan).await.unwrap();
    let refused = store.approve_plan_as(plan, "Sam Worker", Role::SocialWorker, None).await;
    assert!(matches!(&refused, Err(StoreError::Conflict(m)) if m.contains("£5,000.00 a social worker may approve")), "{refused:?}");
}

#[tokio::test]
async fn safeguarding_on_sqlite() {
    let (store, _dir) = sqlite_store().await;
    safeguarding(store).await;
}

#[tokio::test]
async fn safeguarding_on_postgres() {
    if let Some((store, _db)) = postgres_store("safeguarding_on_postgres").await {
        safeguarding(store.clone()).await;
        store.close().await;
    }
}
