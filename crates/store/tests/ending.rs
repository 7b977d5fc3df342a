//! Ending support on SQLite and PostgreSQL: the final period paid pro rata and nothing
//! after, days already paid past the ending decided, unspent money recovered only after
//! the notice (or with agreement), ending twice refused, and the closing statement.

use selfdirect_domain::ids::AccountId;
use selfdirect_domain::money::claims::ClaimInput;
use selfdirect_domain::money::ledger::EntryKind;
use selfdirect_domain::Money;
use selfdirect_store::testing::{open_test_account, postgres_store, spend_on_line, sqlite_store, weekly_line};
use selfdirect_store::{BankDetailsInput, EndingInput, NoticeRecoveryInput, RecoveryInput, RunOptions, Store, StoreError};

/// A direct payment of £700 a week (£100 a day) for 2026-04-01 to 2027-03-31, paid for
/// its first four weeks and £300 of it spent.
async fn paid_direct_payment(store: &Store, council: selfdirect_domain::ids::CouncilId, name: &str) -> AccountId {
    let account = open_test_account(store, council, name, vec![weekly_line("PA hours", "Own PA", "personal_assistant", "700")], "direct_payment").await;
    let bank =
        BankDetailsInput { account_name: format!("{name} PAYEE"), sort_code: "40-12-34".into(), account_number: "12345678".into(), service_user_number: None };
    store.set_bank_details(account, &bank).await.unwrap();
    account
}

fn ending(on: &str, reason: &str, overpaid: Option<&str>) -> EndingInput {
    EndingInput { ended_on: on.into(), reason: reason.into(), overpaid_days: overpaid.map(String::from) }
}

fn held(view: &selfdirect_store::AccountView) -> Money {
    view.balances.iter().map(|b| b.held_by_budget_holder).sum()
}

async fn endings(store: Store) {
    let cid = store.create_council("END", "Endings Council").await.unwrap().id;
    let ada = paid_direct_payment(&store, cid, "Ada").await;
    let bo = paid_direct_payment(&store, cid, "Bo").await;
    store.payment_run(cid, "2026-04-01", None, RunOptions::default()).await.unwrap();
    for account in [ada, bo] {
        let line = store.plan(store.account(account).await.unwrap().plan_id).await.unwrap().lines[0].id.to_string();
        spend_on_line(&store, account, &line, "300.00", "2026-04-10").await;
        assert_eq!(held(&store.account_view(account).await.unwrap()), Money::from_pounds(2_500));
    }

    // Bad endings are refused, naming the field, and change nothing.
    for (input, field) in [
        (ending("2027-04-01", "died", None), "ended_on"),
        (ending("2026-05-10", "", None), "reason"),
        (ending("2026-05-10", "gone", None), "reason"),
        (ending("2026-04-14", "care_home", None), "overpaid_days"),
        (ending("2026-04-14", "care_home", Some("keep")), "overpaid_days"),
    ] {
        match store.end_support(ada, &input, "Sam Worker").await {
            Err(StoreError::Invalid(p)) => assert!(p.as_slice().iter().any(|x| x.field == field), "{field}: {p}"),
            other => panic!("{field}: {other:?}"),
        }
    }
    assert!(store.account(ada).await.unwrap().ended.is_none(), "nothing written");

    // Ada moves into a care home on 14 April: the 14 days paid after it are written off, so
    // the notice asks for what is held less their £1,400.
    let report = store.end_support(ada, &ending("2026-04-14", "care_home", Some("write_off")), "Sam Worker").await.unwrap();
    let ended = report.account.ended.clone().unwrap();
    assert_eq!((ended.ended_on.to_string(), ended.planned_end_date.to_string()), ("2026-04-14".into(), "2027-03-31".into()));
    assert_eq!(report.account.end_date.to_string(), "2026-04-14");
    assert_eq!(report.notices.len(), 1);
    assert_eq!(report.notices[0].amount, Money::from_pounds(1_100));
    assert_eq!(report.closing_statement, store.account_view(ada).await.unwrap().statements, "the closing statement is the ledger's");
    assert!(matches!(store.end_support(ada, &ending("2026-04-20", "died", Some("recover")), "Sam").await, Err(StoreError::Conflict(_))), "ending twice");
    // Nothing is recovered inside the notice unless the person agrees; never outside it.
    let notice = report.notices[0].id;
    let today = time::OffsetDateTime::now_utc().date().to_string();
    let early = NoticeRecoveryInput { recovered_on: today.clone(), agreed: false };
    assert!(matches!(store.recover_after_notice(ada, notice, &early, "Fay").await, Err(StoreError::Invalid(p)) if p.as_slice()[0].field == "recovered_on"));
    let surplus = RecoveryInput { stream: None, amount: "10".into(), recovered_on: today.clone(), reason: "Surplus".into() };
    assert!(matches!(store.recover_surplus(ada, &surplus).await, Err(StoreError::Conflict(_))), "not around the notice");
    assert_eq!(held(&store.account_view(ada).await.unwrap()), Money::from_pounds(2_500), "nothing recovered yet");
    let agreed = NoticeRecoveryInput { recovered_on: today, agreed: true };
    let recovered = store.recover_after_notice(ada, notice, &agreed, "Fay").await.unwrap();
    assert!(recovered.agreed_early && recovered.recovered_on.is_some());
    assert_eq!(held(&store.account_view(ada).await.unwrap()), Money::from_pounds(1_400));
    assert!(matches!(store.recover_after_notice(ada, notice, &agreed, "Fay").await, Err(StoreError::Conflict(_))), "not twice");

    // Bo dies on 10 May, part way through the second period: the next run pays 29 April to
    // 10 May (12 days, £1,200) and the one after pays nothing.
    store.end_support(bo, &ending("2026-05-10", "died", None), "Tess Manager").await.unwrap();
    let before = store.account_view(bo).await.unwrap().balances[0].held_by_budget_holder;
    store.payment_run(cid, "2026-04-29", None, RunOptions::default()).await.unwrap();
    let after_final = store.account_view(bo).await.unwrap();
    assert_eq!(after_final.balances[0].held_by_budget_holder - before, Money::from_pounds(1_200), "the final period pro rata");
    store.payment_run(cid, "2026-05-27", None, RunOptions::default()).await.unwrap();
    assert_eq!(store.account_view(bo).await.unwrap().balances[0].held_by_budget_holder, after_final.balances[0].held_by_budget_holder, "nothing after");
    // Ada's account was paid nothing after her ending either: one payment, the first run's.
    let payments = store.account_view(ada).await.unwrap().entries.iter().filter(|e| e.kind == EntryKind::PaymentToBudgetHolder).count();
    assert_eq!(payments, 1);
    // A provider's claims respect a hospital stay and an ending: days from the suspension,
    // and days after the ending, are refused; days before are paid.
    store.register_provider(cid, "Harbour Care", "30-94-57", "11112222").await.unwrap();
    let cy = open_test_account(&store, cid, "Cy", vec![weekly_line("Personal care", "Harbour Care", "personal_care", "245")], "council_managed").await;
    let cy_person = store.account(cy).await.unwrap().person_id.to_string();
    let claim = |reference: &str, from: &str, to: &str| ClaimInput {
        provider: "Harbour Care".into(),
        invoice_ref: reference.into(),
        person_id: cy_person.clone(),
        service_category: "personal_care".into(),
        period_start: from.into(),
        period_end: to.into(),
        units: "1".into(),
        unit_rate: "245".into(),
    };
    let code = |r: &selfdirect_store::ClaimsReport| r.rejected.first().map(|p| p.reason_code.clone()).unwrap_or_else(|| "accepted".into());
    store.suspend_payments(cy, Some("2026-05-15"), Some("In hospital")).await.unwrap();
    assert_eq!(code(&store.submit_claim(cid, &claim("H-1", "2026-05-08", "2026-05-21")).await.unwrap()), "suspended");
    assert_eq!(code(&store.submit_claim(cid, &claim("H-2", "2026-05-01", "2026-05-14")).await.unwrap()), "accepted");
    store.resume_payments(cy, "2026-05-22").await.unwrap();
    store.end_support(cy, &ending("2026-06-30", "not_eligible", None), "Sam Worker").await.unwrap();
    assert_eq!(code(&store.submit_claim(cid, &claim("H-3", "2026-07-01", "2026-07-07")).await.unwrap()), "outside_plan_period");
    assert_eq!(code(&store.submit_claim(cid, &claim("H-4", "2026-06-24", "2026-06-30")).await.unwrap()), "accepted");

    // Di is in hospital from 15 to 21 May, home on the 22nd: the run for 13 May pays the
    // days around the stay and not the stay itself, though it comes after the resumption.
    let di = paid_direct_payment(&store, cid, "Di").await;
    store.suspend_payments(di, Some("2026-05-15"), Some("In hospital")).await.unwrap();
    assert!(matches!(store.resume_payments(di, "2026-05-01").await, Err(StoreError::Invalid(p)) if p.as_slice()[0].field == "resumed_on"));
    store.resume_payments(di, "2026-05-22").await.unwrap();
    let before = store.account_view(di).await.unwrap().balances[0].held_by_budget_holder;
    store.payment_run(cid, "2026-05-13", None, RunOptions::default()).await.unwrap();
    let paid = store.account_view(di).await.unwrap().balances[0].held_by_budget_holder - before;
    assert_eq!(paid, Money::from_pounds(2_100), "21 of the 28 days, at £100 a day");

    // Ended support has no review: none falls due, and one cannot be recorded.
    let review = selfdirect_store::ReviewInput {
        completed_on: "2026-05-01".into(),
        participants: vec!["person".into()],
        decision: "no_change".into(),
        ..Default::default()
    };
    assert!(matches!(store.complete_review(ada, &review, "Sam").await, Err(StoreError::Invalid(p)) if p.as_slice()[0].field == "budget_account_id"));
    let due = store.reviews_due(cid, time::macros::date!(2030 - 01 - 01)).await.unwrap();
    assert!(due.iter().all(|d| d.budget_account_id != ada && d.budget_account_id != bo), "{due:?}");

    let trial = store.trial_balance(cid).await.unwrap();
    assert_eq!((trial.unbalanced_entries, trial.sum_of_postings), (0, Money::ZERO));
}

#[tokio::test]
async fn endings_on_sqlite() {
    let (store, _dir) = sqlite_store().await;
    endings(store).await;
}

#[tokio::test]
async fn endings_on_postgres() {
    if let Some((store, _db)) = postgres_store("endings_on_postgres").await {
        endings(store.clone()).await;
        store.close().await;
    }
}
