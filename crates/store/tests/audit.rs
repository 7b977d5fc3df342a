//! The direct-payment audit and recovery of surplus, on SQLite and PostgreSQL.

use selfdirect_domain::money::audit::{AuditFlag, AuditRules};
use selfdirect_domain::Money;
use selfdirect_store::testing::{open_test_account, postgres_store, sqlite_store, weekly_line};
use selfdirect_store::{PaymentInput, RecoveryInput, SpendingInput, Store, StoreError};

async fn audit_and_recover(store: Store) {
    let council = store.create_council("AUD", "Audit Council").await.unwrap();
    let cid = council.id;
    // £100 a week: eight weeks' contingency is £800.
    let dp = open_test_account(&store, cid, "Dot", vec![weekly_line("PA hours", "Sam", "personal_assistant", "100")], "direct_payment").await;
    let quiet = open_test_account(&store, cid, "Ray", vec![weekly_line("PA hours", "Kim", "personal_assistant", "100")], "direct_payment").await;
    let line = store.plan(store.account(dp).await.unwrap().plan_id).await.unwrap().lines[0].id;
    let pay = |amount: &str| PaymentInput {
        payee: "budget_holder".into(),
        payee_name: "Dot".into(),
        amount: amount.into(),
        paid_on: "2026-04-01".into(),
        ..Default::default()
    };
    store.make_payment(dp, &pay("2000")).await.unwrap();
    let spend = SpendingInput {
        plan_line_id: line.to_string(),
        amount: "300".into(),
        spent_on: "2026-04-10".into(),
        description: "Wages".into(),
        receipt_reference: Some("P1".into()),
        ..Default::default()
    };
    store.record_spending(dp, &spend).await.unwrap();

    let findings = store.direct_payment_audit(cid, "2026-10-01", AuditRules::default()).await.unwrap();
    assert_eq!(findings.len(), 2);
    let dot = findings.iter().find(|f| f.budget_account_id == dp).unwrap();
    assert!(matches!(&dot.flags[0], AuditFlag::SurplusAboveContingency { surplus, .. } if *surplus == Money::from_pounds(900)), "{:?}", dot.flags);
    assert!(matches!(&dot.flags[1], AuditFlag::NoReturns { days: 174, .. }), "{:?}", dot.flags);
    let ray = findings.iter().find(|f| f.budget_account_id == quiet).unwrap();
    assert!(matches!(&ray.flags[..], [AuditFlag::NoReturns { .. }]), "{:?}", ray.flags);

    // Recovering more than is held is refused and changes nothing.
    let too_much = RecoveryInput { stream: None, amount: "1700.01".into(), recovered_on: "2026-10-02".into(), reason: "Annual audit".into() };
    let err = store.recover_surplus(dp, &too_much).await.unwrap_err();
    assert!(matches!(&err, StoreError::Invalid(p) if p.as_slice()[0].field == "amount"), "{err}");
    let nothing = store.recover_surplus(quiet, &RecoveryInput { amount: "1".into(), ..too_much.clone() }).await.unwrap_err();
    assert!(nothing.to_string().contains("nothing is held"), "{nothing}");
    let view = store.recover_surplus(dp, &RecoveryInput { amount: "900".into(), ..too_much }).await.unwrap();
    assert_eq!(view.balances[0].held_by_budget_holder, Money::from_pounds(800));
    let after = store.direct_payment_audit(cid, "2026-10-02", AuditRules::default()).await.unwrap();
    let dot = after.iter().find(|f| f.budget_account_id == dp).unwrap();
    assert!(matches!(&dot.flags[..], [AuditFlag::NoReturns { .. }]), "{:?}", dot.flags);
    let trial = store.trial_balance(cid).await.unwrap();
    assert_eq!((trial.sum_of_postings, trial.unbalanced_entries), (Money::ZERO, 0));
    assert!(store.direct_payment_audit(cid, "2026-02-30", AuditRules::default()).await.is_err());
}

#[tokio::test]
async fn audit_on_sqlite() {
    let (store, _dir) = sqlite_store().await;
    audit_and_recover(store).await;
}

#[tokio::test]
async fn audit_on_postgres() {
    if let Some((store, _db)) = postgres_store("audit_on_postgres").await {
        audit_and_recover(store.clone()).await;
        store.close().await;
    }
}
