//! Provider claims on SQLite and PostgreSQL: one at a time and in bulk, checked against the
//! plan, all-or-nothing unless partial acceptance is asked for, never paid twice.

use selfdirect_domain::money::claims::ClaimInput;
use selfdirect_domain::plan::PlanLineInput;
use selfdirect_domain::Money;
use selfdirect_store::testing::{open_test_account, postgres_store, sqlite_store, weekly_line};
use selfdirect_store::{PaymentInput, RunOptions, Store, StoreError};

async fn claims(store: Store) {
    let council = store.create_council("CLM", "Claims Council").await.unwrap();
    let cid = council.id;
    // Ten hours a week of home care at £24.50 (council-managed), and a day centre at £60 a
    // day twice a week held as an individual service fund by the day centre.
    let hourly = |provider: &str, category: &str, hours: &str, rate: &str| PlanLineInput {
        units_per_period: hours.into(),
        unit_cost: rate.into(),
        ..weekly_line("Support", provider, category, rate)
    };
    let managed = open_test_account(&store, cid, "Mo", vec![hourly("Harbour Care", "personal_care", "10", "24.50")], "council_managed").await;
    let isf = open_test_account(&store, cid, "Isa", vec![hourly("Oak Day Centre", "day_service", "2", "60")], "individual_service_fund").await;
    let mo = store.account(managed).await.unwrap().person_id.to_string();
    let isa = store.account(isf).await.unwrap().person_id.to_string();
    store.register_provider(cid, "Harbour Care", "20-00-00", "11112222").await.unwrap();
    store.register_provider(cid, "Oak Day Centre", "20-00-00", "33334444").await.unwrap();
    // The ISF provider is paid its four weeks up front by the payment run: £480.
    store.payment_run(cid, "2026-04-01", None, RunOptions::default()).await.unwrap();

    let claim = |provider: &str, reference: &str, person: &str, category: &str, units: &str, rate: &str| ClaimInput {
        provider: provider.into(),
        invoice_ref: reference.into(),
        person_id: person.into(),
        service_category: category.into(),
        period_start: "2026-04-01".into(),
        period_end: "2026-04-28".into(),
        units: units.into(),
        unit_rate: rate.into(),
    };

    // One claim: accepted and paid from the managed budget.
    let one = store.submit_claim(cid, &claim("harbour care", "HC-1", &mo, "personal_care", "40", "24.50")).await.unwrap();
    assert!(one.posted && one.rejected.is_empty());
    assert_eq!(one.total_accepted, Money::from_pounds(980));
    let view = store.account_view(managed).await.unwrap();
    assert_eq!(view.spent, Money::from_pounds(980));
    // The same invoice again is rejected, recorded, and pays nothing.
    let again = store.submit_claim(cid, &claim("Harbour Care", "HC-1", &mo, "personal_care", "40", "24.50")).await.unwrap();
    assert_eq!(again.rejected[0].reason_code, "duplicate");
    assert_eq!(store.account_view(managed).await.unwrap().spent, Money::from_pounds(980));
    // Malformed fields are refused outright and nothing is recorded.
    let bad = store.submit_claim(cid, &claim("Harbour Care", "HC-2", "nobody", "personal_care", "-1", "x")).await;
    let Err(StoreError::Invalid(p)) = bad else { panic!("expected a validation error, got {bad:?}") };
    let fields: Vec<_> = p.as_slice().iter().map(|f| f.field.as_str()).collect();
    assert_eq!(fields, ["person_id", "units", "unit_rate"]);
    let recorded = store.invoices(cid, Some("Harbour Care"), None, 100).await.unwrap();
    assert_eq!(recorded.iter().map(|i| (i.invoice_ref.as_str(), i.status.as_str())).collect::<Vec<_>>(), [("HC-1", "rejected"), ("HC-1", "accepted")]);

    // A file with problems posts nothing unless partial acceptance is asked for.
    let file = format!(
        "provider,invoice_ref,person_id,service_category,period_start,period_end,units,unit_rate\n\
         Harbour Care,HC-2,{mo},personal_care,2026-04-29,2026-05-26,40,24.50\n\
         Oak Day Centre,OD-1,{isa},day_service,2026-04-01,2026-04-28,8,60.00\n\
         Oak Day Centre,OD-2,{isa},day_service,2026-04-01,2026-04-28,1,65.00\n\
         Harbour Care,HC-3,{mo},leisure,2026-04-01,2026-04-28,1,10\n\
         Harbour Care,HC-4,{mo},personal_care,2026-04-01,2026-04-28,abc,24.50\n\
         Nobody Ltd,NB-1,{mo},personal_care,2026-04-01,2026-04-28,1,24.50\n\
         Harbour Care,HC-5,{isa},personal_care,2026-04-01,2026-04-28,1,24.50\n\
         Oak Day Centre,OD-3,{isa},day_service,2027-04-01,2027-04-28,1,60\n"
    );
    let before = store.trial_balance(cid).await.unwrap();
    let whole = store.submit_claims_csv(cid, &file, false).await.unwrap();
    assert!(!whole.posted);
    let reasons: Vec<_> = whole.rejected.iter().map(|r| (r.line, r.reason_code.as_str())).collect();
    assert_eq!(
        reasons,
        [
            (4, "rate_above_agreed"),
            (5, "category_not_in_plan"),
            (6, "malformed"),
            (7, "unknown_provider"),
            (8, "category_not_in_plan"),
            (9, "outside_plan_period")
        ]
    );
    assert!(whole.rejected[2].message.contains("units: 'abc' is not a number"), "{:?}", whole.rejected[2]);
    let unchanged = store.trial_balance(cid).await.unwrap();
    assert_eq!(unchanged.entries, before.entries);
    assert_eq!(store.invoices(cid, None, None, 100).await.unwrap().len(), 2);

    let partial = store.submit_claims_csv(cid, &file, true).await.unwrap();
    assert!(partial.posted);
    assert_eq!(partial.accepted.iter().map(|a| (a.line, a.amount)).collect::<Vec<_>>(), [(2, Money::from_pounds(980)), (3, Money::from_pounds(480))]);
    assert_eq!(partial.rejected.len(), 6);
    // The ISF claim is spent from what the provider already holds.
    let isf_view = store.account_view(isf).await.unwrap();
    assert_eq!((isf_view.balances[0].held_by_provider, isf_view.spent), (Money::ZERO, Money::from_pounds(480)));
    // Sending the same file again accepts nothing twice.
    let resent = store.submit_claims_csv(cid, &file, true).await.unwrap();
    assert!(resent.accepted.is_empty());
    assert_eq!(resent.rejected.iter().filter(|r| r.reason_code == "duplicate").count(), 2);
    // The money left is what claims and payments can still use: never below zero.
    let left = store.account_view(managed).await.unwrap().balances[0].available;
    assert_eq!(left, Money::from_pounds(12_740 - 1_960));
    let too_much = store
        .make_payment(
            managed,
            &PaymentInput {
                payee: "provider".into(),
                payee_name: "Harbour Care".into(),
                amount: (left + Money::from_pence(1)).to_plain_string(),
                paid_on: "2026-06-01".into(),
                plan_line_id: Some(store.plan(store.account(managed).await.unwrap().plan_id).await.unwrap().lines[0].id.to_string()),
                ..Default::default()
            },
        )
        .await;
    assert!(matches!(too_much, Err(StoreError::Invalid(_))));

    // A header without the columns is refused whole.
    let refused = store.submit_claims_csv(cid, "provider,amount\nA,1\n", true).await;
    assert!(matches!(refused, Err(StoreError::Invalid(p)) if p.to_string().contains("no 'invoice_ref' column")));

    let trial = store.trial_balance(cid).await.unwrap();
    assert_eq!((trial.sum_of_postings, trial.unbalanced_entries), (Money::ZERO, 0));
}

#[tokio::test]
async fn claims_on_sqlite() {
    let (store, _dir) = sqlite_store().await;
    claims(store).await;
}

#[tokio::test]
async fn claims_on_postgres() {
    if let Some((store, _db)) = postgres_store("claims_on_postgres").await {
        claims(store.clone()).await;
        store.close().await;
    }
}
