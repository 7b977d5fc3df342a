//! Moving to another council on SQLite and PostgreSQL (Care Act 2014, sections 37–38):
//! bad moves refused by field with nothing written; the sending council pays up to the
//! last day it had paid for and nothing after; the receiving council is given the person,
//! their assessment and plan, and pays from the first unpaid day, so each day is paid once;
//! each council sees its own side only.

use selfdirect_domain::review::ending::EndingReason;
use selfdirect_domain::review::transfer::TransferDirection;
use selfdirect_domain::Money;
use selfdirect_store::testing::{open_test_account, postgres_store, sqlite_store, weekly_line};
use selfdirect_store::{BankDetailsInput, RunOptions, Store, StoreError, TransferInput};

fn moving(to: &str, on: &str, postcode: &str) -> TransferInput {
    TransferInput { to_council: to.into(), moves_on: on.into(), address: "4 Canal Wharf, Leeds".into(), postcode: postcode.into() }
}

fn bank(name: &str) -> BankDetailsInput {
    BankDetailsInput { account_name: format!("{name} PAYEE"), sort_code: "40-12-34".into(), account_number: "12345678".into(), service_user_number: None }
}

async fn transfers(store: Store) {
    let sending = store.create_council("SEND", "Sending Council").await.unwrap();
    let receiving = store.create_council("RECV", "Receiving Council").await.unwrap();
    // Ada: a direct payment of £700 a week (£100 a day), her first four weeks paid.
    let ada = open_test_account(&store, sending.id, "Ada", vec![weekly_line("PA hours", "Own PA", "personal_assistant", "700")], "direct_payment").await;
    store.set_bank_details(ada, &bank("Ada")).await.unwrap();
    store.payment_run(sending.id, "2026-04-01", None, RunOptions::default()).await.unwrap();
    let ada_here = store.account(ada).await.unwrap().person_id;
    store.raise_concern(ada_here, "Sam Worker", "Bruises seen at a visit", "2026-04-10").await.unwrap();

    // Bad moves are refused, naming the field, and write nothing in either council.
    for (input, field) in [
        (moving("SEND", "2026-04-20", "LS1 4AP"), "to_council"),
        (moving("NOWHERE", "2026-04-20", "LS1 4AP"), "to_council"),
        (moving("", "2026-04-20", "LS1 4AP"), "to_council"),
        (moving("RECV", "2026-04-01", "LS1 4AP"), "moves_on"),
        (moving("RECV", "2027-04-01", "LS1 4AP"), "moves_on"),
        (moving("RECV", "20/04/2026", "LS1 4AP"), "moves_on"),
        (moving("RECV", "2026-04-20", "12345"), "postcode"),
    ] {
        match store.transfer_support(ada, &input, "Sam Worker").await {
            Err(StoreError::Invalid(p)) => assert!(p.as_slice().iter().any(|x| x.field == field), "{field}: {p}"),
            other => panic!("{field}: {other:?}"),
        }
    }
    assert!(store.account(ada).await.unwrap().ended.is_none(), "nothing ended");
    assert!(store.people(receiving.id, 10).await.unwrap().is_empty(), "nobody arrived");

    // Ada moves on 20 April. Her payment covered her to 28 April, so the sending council's
    // support ends then and the receiving council's budget starts on 29 April.
    let report = store.transfer_support(ada, &moving("recv", "2026-04-20", "ls1 4ap"), "Sam Worker").await.unwrap();
    assert_eq!(
        (report.moves_on.to_string(), report.last_day_here.to_string(), report.carried_from.to_string(), report.to_council.code.as_str()),
        ("2026-04-20".into(), "2026-04-28".into(), "2026-04-29".into(), "RECV")
    );
    let ended = report.ended.account.ended.clone().unwrap();
    assert_eq!((ended.reason, ended.ended_on.to_string(), ended.overpaid_days), (EndingReason::MovedAway, "2026-04-28".into(), None));
    assert_eq!(report.ended.closing_statement, store.account_view(ada).await.unwrap().statements, "the closing statement is the ledger's");
    assert!(matches!(store.transfer_support(ada, &moving("RECV", "2026-05-01", "LS1 4AP"), "Sam").await, Err(StoreError::Conflict(_))), "not twice");

    // The receiving council holds Ada at her new address, with the assessment given to it
    // (not yet its own: she awaits one), the plan carried on and approved, and an account.
    let arrived = store.people(receiving.id, 10).await.unwrap();
    assert_eq!(arrived.len(), 1);
    let ada_there = &arrived[0];
    assert_eq!((ada_there.details.given_name.as_str(), ada_there.details.postcode.as_str()), ("Ada", "LS1 4AP"));
    assert!(
        store.people_awaiting_assessment(receiving.id, 10).await.unwrap().iter().any(|p| p.id == ada_there.id),
        "awaits the receiving council's own assessment"
    );
    let given = store.latest_assessment(ada_there.id).await.unwrap().unwrap();
    let made = store.latest_assessment(ada_here).await.unwrap().unwrap();
    assert_eq!((given.carried_from_council_id, &given.answers, given.allocation.total), (Some(sending.id), &made.answers, made.allocation.total));
    let plan = store.latest_plan(ada_there.id).await.unwrap().unwrap();
    assert_eq!(plan.status.code(), "approved");
    assert_eq!((plan.start_date.to_string(), plan.end_date.to_string(), plan.lines.len()), ("2026-04-29".into(), "2027-03-31".into(), 1));
    assert_eq!((plan.lines[0].line.description.as_str(), plan.lines[0].line.deployment.map(|d| d.code())), ("PA hours", Some("direct_payment")));
    let there = store.account_for_person(ada_there.id).await.unwrap().unwrap();
    assert_eq!(there.start_date.to_string(), "2026-04-29");

    // Each side is held by its own council, naming only the other council.
    let out = store.transfers(ada_here).await.unwrap();
    let arrival = store.transfers(ada_there.id).await.unwrap();
    assert_eq!((out.len(), out[0].direction, out[0].other_council.as_str(), out[0].budget_account_id), (1, TransferDirection::Out, "Receiving Council", ada));
    assert_eq!(
        (arrival.len(), arrival[0].direction, arrival[0].other_council.as_str(), arrival[0].budget_account_id),
        (1, TransferDirection::In, "Sending Council", there.id)
    );
    // Neither sees the other's other records: the concern stays with the sending council.
    assert_eq!(store.concerns(ada_here).await.unwrap().len(), 1);
    assert!(store.concerns(ada_there.id).await.unwrap().is_empty());
    assert!(store.reviews(ada_there.id).await.unwrap().is_empty());

    // The next runs: the sending council pays Ada nothing more; the receiving council
    // checks her bank details itself, then pays from 29 April, each day once.
    let sent = store.payment_run(sending.id, "2026-04-29", None, RunOptions::default()).await.unwrap();
    assert_eq!(sent.payments, 0, "{sent:?}");
    let without_bank = store.payment_run(receiving.id, "2026-04-29", None, RunOptions::default()).await.unwrap();
    assert_eq!((without_bank.payments, without_bank.exceptions.len()), (0, 1), "the receiving council pays only to details it holds");
    store.set_bank_details(there.id, &bank("Ada")).await.unwrap();
    let paid = store.payment_run(receiving.id, "2026-05-27", None, RunOptions::default()).await.unwrap();
    assert_eq!((paid.payments, paid.total_net), (1, Money::from_pounds(2_800)), "{paid:?}");
    let again = store.payment_run(receiving.id, "2026-05-27", None, RunOptions::default()).await;
    assert!(!matches!(again, Ok(ref r) if r.payments > 0 && r.run_id != paid.run_id), "never twice: {again:?}");
    let days_paid_there = store.account_view(there.id).await.unwrap().balances[0].held_by_budget_holder;
    assert_eq!(days_paid_there, Money::from_pounds(2_800));

    for council in [sending.id, receiving.id] {
        let trial = store.trial_balance(council).await.unwrap();
        assert_eq!((trial.unbalanced_entries, trial.sum_of_postings), (0, Money::ZERO));
    }
}

#[tokio::test]
async fn transfers_on_sqlite() {
    let (store, _dir) = sqlite_store().await;
    transfers(store).await;
}

#[tokio::test]
async fn transfers_on_postgres() {
    if let Some((store, _db)) = postgres_store("transfers_on_postgres").await {
        transfers(store.clone()).await;
        store.close().await;
    }
}
