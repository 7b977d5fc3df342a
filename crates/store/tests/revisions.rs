//! Plan revisions on SQLite and PostgreSQL: a plan changed from a date pays each day once,
//! at the version in force that day; revisions above a social worker's authority wait for
//! a team manager; days already paid cannot be rewritten.

use selfdirect_domain::access::Role;
use selfdirect_domain::plan::revision::{RevisedLineInput, RevisionInput};
use selfdirect_domain::Money;
use selfdirect_store::testing::{fewer_needs_answers, open_test_account, postgres_store, sqlite_store, weekly_line};
use selfdirect_store::{BankDetailsInput, RunOptions, Store, StoreError};
use time::macros::date;

fn pa(pounds_per_week: &str) -> RevisedLineInput {
    RevisedLineInput { line: weekly_line("Personal assistant", "Sam", "personal_assistant", pounds_per_week), deployment: "direct_payment".into() }
}

fn revision(from: &str, pounds_per_week: &str) -> RevisionInput {
    RevisionInput { effective_from: from.into(), reason: "Review: more hours with Sam".into(), lines: vec![pa(pounds_per_week)] }
}

async fn revisions(store: Store) {
    let cid = store.create_council("REV", "Revision Council").await.unwrap().id;
    // £260 a week as a direct payment, from 1 April 2026.
    let account = open_test_account(&store, cid, "Rhys", vec![weekly_line("Personal assistant", "Sam", "personal_assistant", "260")], "direct_payment").await;
    let bank = BankDetailsInput { account_name: "R PAYEE".into(), sort_code: "40-12-34".into(), account_number: "12345678".into(), service_user_number: None };
    store.set_bank_details(account, &bank).await.unwrap();
    let plan = store.account(account).await.unwrap().plan_id;
    let first = store.payment_run(cid, "2026-04-01", None, RunOptions::default()).await.unwrap();
    assert_eq!(first.total_net, Money::from_pounds(1_040));

    // The days to 28 April are paid: a revision cannot rewrite them.
    match store.revise_plan(plan, &revision("2026-04-20", "390"), "Sol Worker", Role::SocialWorker).await {
        Err(StoreError::Invalid(p)) => assert!(p.to_string().contains("2026-04-29 or later"), "{p}"),
        other => panic!("{other:?}"),
    }
    // £390 a week from 13 May, in the middle of the next period: within a social worker's limit.
    let applied = store.revise_plan(plan, &revision("2026-05-13", "390"), "Sol Worker", Role::SocialWorker).await.unwrap();
    assert_eq!((applied.number, applied.status.as_str()), (1, "approved"));
    assert_eq!((applied.annual_cost_before, applied.annual_cost_after), (Money::from_pounds(13_520), Money::from_pounds(20_280)));
    let revised = store.plan(plan).await.unwrap();
    assert_eq!(revised.lines.len(), 2, "both versions are kept");
    assert_eq!(revised.lines[0].in_force.to, Some(date!(2026 - 05 - 12)));
    assert_eq!(revised.lines[1].in_force.from, Some(date!(2026 - 05 - 13)));
    assert_eq!(revised.total, Money::from_pounds(20_280));

    // 29 April to 12 May at £260 a week, 13 to 26 May at £390: £520 + £780.
    let second = store.payment_run(cid, "2026-04-29", None, RunOptions::default()).await.unwrap();
    assert_eq!(second.total_net, Money::from_pounds(1_300));
    let again = store.payment_run(cid, "2026-05-13", None, RunOptions::default()).await.unwrap();
    let items = store.payment_run_items(again.run_id).await.unwrap();
    assert_eq!(items.iter().find(|i| i.budget_account_id == account).map(|i| i.net), Some(Money::from_pounds(780)), "13 to 26 May are paid once");
    let trial = store.trial_balance(cid).await.unwrap();
    assert_eq!((trial.sum_of_postings, trial.unbalanced_entries), (Money::ZERO, 0));

    // £520 a week is above a social worker's £25,000: it waits for a team manager, and the
    // version in force carries on meanwhile.
    let waiting = store.revise_plan(plan, &revision("2026-07-01", "520"), "Sol Worker", Role::SocialWorker).await.unwrap();
    assert_eq!(waiting.status, "submitted");
    assert_eq!(store.plan(plan).await.unwrap().total, Money::from_pounds(20_280));
    assert!(
        matches!(store.revise_plan(plan, &revision("2026-07-08", "300"), "Sol Worker", Role::SocialWorker).await, Err(StoreError::Conflict(m)) if m.contains("already waiting"))
    );
    assert!(
        matches!(store.decide_revision(waiting.id, true, "Sol Worker", Role::SocialWorker, None).await, Err(StoreError::Conflict(m)) if m.contains("team manager"))
    );
    let decided = store.decide_revision(waiting.id, true, "Tia Manager", Role::TeamManager, None).await.unwrap();
    assert_eq!((decided.status.as_str(), decided.decided_by.as_deref()), ("approved", Some("Tia Manager")));
    assert_eq!(store.plan(plan).await.unwrap().total, Money::from_pounds(27_040));
    // A returned revision changes nothing and says why.
    let asked = store.revise_plan(plan, &revision("2026-08-05", "600"), "Sol Worker", Role::SocialWorker).await.unwrap();
    assert!(
        matches!(store.decide_revision(asked.id, false, "Tia Manager", Role::TeamManager, None).await, Err(StoreError::Invalid(p)) if p.as_slice()[0].field == "note")
    );
    let returned = store.decide_revision(asked.id, false, "Tia Manager", Role::TeamManager, Some("Try the day centre first")).await.unwrap();
    assert_eq!(returned.status, "returned");
    let history = store.plan_revisions(plan).await.unwrap();
    assert_eq!(history.iter().map(|r| r.status.as_str()).collect::<Vec<_>>(), ["approved", "approved", "returned"]);
    assert_eq!(store.plan(plan).await.unwrap().lines.len(), 3);
}

#[tokio::test]
async fn revisions_on_sqlite() {
    let (store, _dir) = sqlite_store().await;
    revisions(store).await;
}

#[tokio::test]
async fn revisions_on_postgres() {
    if let Some((store, _db)) = postgres_store("revisions_on_postgres").await {
        revisions(store.clone()).await;
        store.close().await;
    }
}

/// A review decides to re-assess: the person is on the list to assess until a new
/// assessment is made, and the next version of the plan follows its indicative budget.
async fn reassessment_at_review(store: Store) {
    use selfdirect_domain::review::Reassessment;
    let cid = store.create_council("RAR", "Re-assess Council").await.unwrap().id;
    let account = open_test_account(&store, cid, "Ria", vec![weekly_line("Personal assistant", "Sam", "personal_assistant", "260")], "direct_payment").await;
    let opened = store.account(account).await.unwrap();
    let (person, plan) = (opened.person_id, opened.plan_id);
    let first_assessment = store.plan(plan).await.unwrap().assessment_id;
    assert_eq!(store.reassessment(person).await.unwrap(), None);
    assert!(store.people_awaiting_assessment(cid, 10).await.unwrap().is_empty());

    let review = selfdirect_store::ReviewInput {
        completed_on: "2026-06-01".into(),
        participants: vec!["person".into(), "worker".into()],
        decision: "reassess".into(),
        ..Default::default()
    };
    store.complete_review(account, &review, "Sol Worker").await.unwrap();
    assert_eq!(store.reassessment(person).await.unwrap(), Some(Reassessment::Due { decided_on: date!(2026 - 06 - 01) }));
    assert_eq!(store.people_awaiting_assessment(cid, 10).await.unwrap().iter().map(|p| p.id).collect::<Vec<_>>(), [person]);

    let again = store.record_assessment(person, &fewer_needs_answers(), "2026-06-10", "Sol Worker").await.unwrap();
    assert!(again.allocation.total < store.plan(plan).await.unwrap().indicative_budget, "fewer needs, a smaller indicative budget");
    assert_eq!(
        store.reassessment(person).await.unwrap(),
        Some(Reassessment::ToFollow { assessed_on: date!(2026 - 06 - 10), indicative: again.allocation.total })
    );
    assert!(store.people_awaiting_assessment(cid, 10).await.unwrap().is_empty(), "re-assessed");

    let followed = store.revise_plan(plan, &revision("2026-07-01", "200"), "Sol Worker", Role::SocialWorker).await.unwrap();
    assert_eq!(followed.new_indicative_budget, Some(again.allocation.total));
    let revised = store.plan(plan).await.unwrap();
    assert_eq!((revised.assessment_id, revised.indicative_budget, revised.total), (again.id, again.allocation.total, Money::from_pounds(10_400)));
    assert_ne!(revised.assessment_id, first_assessment);
    assert_eq!(store.reassessment(person).await.unwrap(), None, "the plan follows the new assessment");
    let plain = store.revise_plan(plan, &revision("2026-08-01", "210"), "Sol Worker", Role::SocialWorker).await.unwrap();
    assert_eq!(plain.new_indicative_budget, None, "a change on the same assessment");
    let trial = store.trial_balance(cid).await.unwrap();
    assert_eq!((trial.sum_of_postings, trial.unbalanced_entries), (Money::ZERO, 0));
}

#[tokio::test]
async fn reassessment_at_review_on_sqlite() {
    let (store, _dir) = sqlite_store().await;
    reassessment_at_review(store).await;
}

#[tokio::test]
async fn reassessment_at_review_on_postgres() {
    if let Some((store, _db)) = postgres_store("reassessment_at_review_on_postgres").await {
        reassessment_at_review(store.clone()).await;
        store.close().await;
    }
}
