//! Payment runs on SQLite and PostgreSQL: amounts due, contributions netted and invoiced,
//! exceptions for missing bank details, idempotent re-runs, and the bank files.

use selfdirect_domain::dates::iso;
use selfdirect_domain::money::payment_files::{check_pain001, check_standard18, BankFileFormat};
use selfdirect_domain::plan::PlanLineInput;
use selfdirect_domain::Money;
use selfdirect_store::testing::{assert_valid_pain001, open_test_account as account, pay_dates_from_today, postgres_store, sqlite_store, weekly_line as line};
use selfdirect_store::{BankDetailsInput, FinancialAssessmentInput, RunOptions, SpendingInput, Store, StoreError};

async fn payments(store: Store) {
    let council = store.create_council("PAY", "Payments Council").await.unwrap();
    let cid = council.id;
    let bank =
        |name: &str| BankDetailsInput { account_name: name.into(), sort_code: "40-12-34".into(), account_number: "12345678".into(), service_user_number: None };

    // £260 a week as a direct payment: £1,040 every four weeks, less a £25 a week contribution.
    let dp = account(&store, cid, "Dee", vec![line("PA hours", "PA", "personal_assistant", "260")], "direct_payment").await;
    store.set_bank_details(dp, &bank("D PAYEE")).await.unwrap();
    let refused = store
        .set_bank_details(dp, &BankDetailsInput { account_name: "X".into(), sort_code: "12".into(), account_number: "abc".into(), service_user_number: None })
        .await;
    assert!(matches!(refused, Err(StoreError::Invalid(p)) if p.as_slice().len() == 2));
    // Income £278 a week: £278 − £228 = £50 a week; capital below the lower limit.
    let contribution = store
        .financial_assessment(
            dp,
            &FinancialAssessmentInput {
                assessed_on: "2026-03-20".into(),
                capital: "1000".into(),
                weekly_income: "278".into(),
                weekly_disability_expenses: Some("25".into()),
            },
        )
        .await
        .unwrap();
    assert_eq!(contribution.weekly, Money::from_pounds(25));
    // An ISF held by a registered provider, with a contribution that is invoiced.
    // Two providers each hold part of one stream's fund: each is paid its own share.
    let isf = account(
        &store,
        cid,
        "Ian",
        vec![line("Support hours", "Harbour Support", "personal_care", "91"), line("Evening club", "Quay Club", "leisure", "39")],
        "individual_service_fund",
    )
    .await;
    store.register_provider(cid, "Harbour Support", "20-00-00", "87654321").await.unwrap();
    // The same provider typed another way: the later registration replaces this one, and
    // payments go to the provider as registered.
    store.register_provider(cid, "Quay Club", "20-00-00", "99999999").await.unwrap();
    store.register_provider(cid, "Quay  club", "20-00-00", "87654322").await.unwrap();
    store
        .financial_assessment(
            isf,
            &FinancialAssessmentInput { assessed_on: "2026-03-20".into(), capital: "0".into(), weekly_income: "238".into(), weekly_disability_expenses: None },
        )
        .await
        .unwrap();
    // A direct payment with no bank details: an exception, not a silent skip.
    let nobank = account(&store, cid, "Nia", vec![line("PA hours", "PA", "personal_assistant", "52")], "direct_payment").await;

    let preview = store.preview_payment_run(cid, "2026-04-01").await.unwrap();
    let report = store.payment_run(cid, "2026-04-01", None, RunOptions { batch_size: 2, ..RunOptions::default() }).await.unwrap();
    assert_eq!((preview.payments, preview.total_net, preview.exceptions.len()), (report.payments, report.total_net, 1));
    assert_eq!(report.status, "completed");
    assert_eq!(report.payments, 3);
    assert_eq!(report.total_net, Money::from_pounds(1_040 - 100 + 364 + 156));
    let items = store.payment_run_items(report.run_id).await.unwrap();
    let isf_items: Vec<_> = items.iter().filter(|i| i.budget_account_id == isf).map(|i| (i.payee_name.as_str(), i.net)).collect();
    assert_eq!(isf_items, vec![("Harbour Support", Money::from_pounds(364)), ("Quay  club", Money::from_pounds(156))]);
    assert_eq!(report.total_contributions, Money::from_pounds(100));
    assert_eq!(report.contributions_invoiced, 1);
    assert_eq!(report.exceptions.len(), 1);
    assert_eq!(report.exceptions[0].budget_account_id, nobank);
    let view = store.account_view(dp).await.unwrap();
    assert_eq!(view.balances[0].held_by_budget_holder, Money::from_pounds(1_040));

    // Running the same period again pays nobody twice.
    let before = store.trial_balance(cid).await.unwrap();
    let again = store.payment_run(cid, "2026-04-01", None, RunOptions::default()).await.unwrap();
    assert_eq!((again.run_id, again.payments, again.total_net), (report.run_id, 3, report.total_net));
    let after = store.trial_balance(cid).await.unwrap();
    assert_eq!(after.entries, before.entries);
    assert_eq!(after.sum_of_postings, Money::ZERO);
    assert_eq!(after.unbalanced_entries, 0);

    // Files need the council's bank details; then every format checks out.
    assert!(matches!(store.payment_file(report.run_id, BankFileFormat::Standard18).await, Err(StoreError::Invalid(_))));
    store.set_council_bank(cid, &BankDetailsInput { service_user_number: Some("123456".into()), ..bank("PAYMENTS COUNCIL") }).await.unwrap();
    let s18 = store.payment_file(report.run_id, BankFileFormat::Standard18).await.unwrap();
    let checked = check_standard18(&s18).unwrap();
    assert_eq!(checked.total, report.total_net);
    assert_eq!(checked.submission.as_ref().map(|(sun, _)| sun.as_str()), Some("123456"));
    assert!(s18.contains("87654322") && !s18.contains("99999999"), "one Quay Club, with its latest bank details");
    let credits: Vec<&str> = s18.lines().filter(|l| l.len() == 100 && &l[15..17] == "99").collect();
    let by_payee: std::collections::HashSet<(&str, &str)> = credits.iter().map(|l| (&l[0..14], &l[64..82])).collect();
    assert_eq!(by_payee.len(), 3, "each payee can tell its credits apart by reference: {by_payee:?}");
    assert!(credits.iter().all(|l| l[64..82].trim_end().ends_with(" A 260401")), "{credits:?}");
    let data_only = store.payment_file(report.run_id, BankFileFormat::Standard18DataOnly).await.unwrap();
    assert_eq!((data_only.lines().count(), check_standard18(&data_only).unwrap().submission), (4, None));
    for format in [BankFileFormat::Pain001, BankFileFormat::Pain001Faster] {
        let xml = store.payment_file(report.run_id, format).await.unwrap();
        assert_valid_pain001(&xml);
        let pain = check_pain001(&xml).unwrap();
        assert_eq!((pain.transactions, pain.total), (3, report.total_net));
    }

    // Pay dates a bank cannot meet are refused, naming the field and offering a day that works.
    let (earliest, saturday) = pay_dates_from_today();
    for (bad, says) in [("2026-01-05", "is in the past"), (saturday.as_str(), "a Saturday, not a working day"), ("2099-01-05", "bank holiday calendar covers")]
    {
        match store.payment_run(cid, "2026-06-24", Some(bad), RunOptions::default()).await {
            Err(StoreError::Invalid(p)) => assert!(p.as_slice()[0].field == "pay_date" && p.to_string().contains(says), "{p}"),
            other => panic!("{bad}: {other:?}"),
        }
    }
    assert!(store.payment_run_for_period(cid, "2026-06-24").await.is_err(), "a refused run writes nothing");
    assert_eq!(iso(report.pay_date), earliest, "left out, the pay date is the earliest a Bacs file sent today can meet");

    // NHS money may not buy alcohol; the refusal names the purpose and writes nothing.
    let nhs = account(
        &store,
        cid,
        "Hal",
        vec![PlanLineInput { stream: Some("nhs_personal_health_budget".into()), ..line("Physio", "Active Physio", "other", "45") }],
        "direct_payment",
    )
    .await;
    store.set_bank_details(nhs, &bank("H PAYEE")).await.unwrap();
    store.payment_run(cid, "2026-04-29", None, RunOptions::default()).await.unwrap();
    let plan_line = store.plan(store.account(nhs).await.unwrap().plan_id).await.unwrap().lines[0].id;
    let wine = SpendingInput {
        plan_line_id: plan_line.to_string(),
        amount: "20".into(),
        spent_on: "2026-05-02".into(),
        description: "Wine".into(),
        purpose: Some("alcohol".into()),
        receipt_reference: None,
    };
    let err = store.record_spending(nhs, &wine).await.unwrap_err();
    assert!(err.to_string().contains("NHS personal health budget may not be spent on alcohol"), "{err}");

    // Suspension stops payments from its date.
    store.suspend_payments(dp, Some("2026-05-27"), Some("In hospital")).await.unwrap();
    let third = store.payment_run(cid, "2026-05-27", None, RunOptions::default()).await.unwrap();
    let items = store.payment_run_items(third.run_id).await.unwrap();
    assert!(items.iter().all(|i| i.budget_account_id != dp), "{items:?}");
}

#[tokio::test]
async fn payments_on_sqlite() {
    let (store, _dir) = sqlite_store().await;
    payments(store).await;
}

#[tokio::test]
async fn payments_on_postgres() {
    if let Some((store, _db)) = postgres_store("payments_on_postgres").await {
        payments(store.clone()).await;
        store.close().await;
    }
}
