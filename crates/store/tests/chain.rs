//! The store's use cases, end to end, on SQLite and on PostgreSQL.

use selfdirect_domain::assessment::{highest_answers, Questionnaire};
use selfdirect_domain::person::NewPersonInput;
use selfdirect_domain::plan::{PlanInput, PlanLineInput, PlanStatus};
use selfdirect_domain::Money;
use selfdirect_store::testing::{postgres_store, sqlite_store};
use selfdirect_store::{OpenAccountInput, PaymentInput, SpendingInput, Store, StoreError};

fn line(category: &str, frequency: &str, units: &str, cost: &str) -> PlanLineInput {
    PlanLineInput {
        description: format!("{category} support"),
        provider: "Provider Ltd".into(),
        category: category.into(),
        frequency: frequency.into(),
        units_per_period: units.into(),
        unit_cost: cost.into(),
        stream: None,
        risk_note: None,
    }
}

async fn chain(store: Store) {
    let council = store.create_council("tst", "Test Borough Council").await.unwrap();
    let person = store
        .create_person(
            council.id,
            &NewPersonInput {
                given_name: "Ada",
                family_name: "Okafor",
                date_of_birth: "1950-03-14",
                address: "1 High Street",
                postcode: "ab1 2cd",
                client_group: "older_person",
                long_term_support: false,
                nhs_number: None,
            },
        )
        .await
        .unwrap();
    let pid = person.id.to_string();
    let answers = highest_answers(&Questionnaire::standard());
    let assessment = store.record_assessment(pid.parse().unwrap(), &answers, "2026-03-01", "Sam Social Worker").await.unwrap();
    assert_eq!(assessment.allocation.total, Money::from_pounds(55_000));
    let plan = store
        .create_plan(
            pid.parse().unwrap(),
            None,
            &PlanInput {
                outcomes: vec!["Stay living at home".into()],
                lines: vec![line("personal_assistant", "weekly", "20", "15.00"), line("day_service", "weekly", "2", "45.50")],
                start_date: "2026-04-01".into(),
                end_date: "2027-03-31".into(),
                over_budget_reason: None,
            },
        )
        .await
        .unwrap();
    assert_eq!(plan.total, Money::from_pounds(15_600 + 4_732));
    let plan = store.submit_plan(plan.id).await.unwrap();
    assert_eq!(plan.status, PlanStatus::Submitted);
    let plan = store.approve_plan(plan.id, "Tess Team Manager", None).await.unwrap();
    assert_eq!(plan.final_budget, Some(plan.total));
    assert!(matches!(store.approve_plan(plan.id, "Again", None).await, Err(StoreError::Conflict(_))));
    let dp_line = plan.lines[0].id.to_string();
    let managed_line = plan.lines[1].id.to_string();
    let account = store
        .open_account(
            plan.id,
            &OpenAccountInput {
                deployment: None,
                line_deployments: [(dp_line.clone(), "direct_payment".to_string()), (managed_line.clone(), "council_managed".to_string())].into(),
                start_date: None,
            },
        )
        .await
        .unwrap();
    let aid = account.id.to_string();
    store
        .make_payment(
            aid.parse().unwrap(),
            &PaymentInput {
                payee: "budget_holder".into(),
                payee_name: "Ada Okafor".into(),
                amount: "1200.00".into(),
                paid_on: "2026-04-01".into(),
                ..Default::default()
            },
        )
        .await
        .unwrap();
    store
        .make_payment(
            aid.parse().unwrap(),
            &PaymentInput {
                payee: "provider".into(),
                payee_name: "Day Centre".into(),
                amount: "364.00".into(),
                paid_on: "2026-04-28".into(),
                plan_line_id: Some(managed_line),
                ..Default::default()
            },
        )
        .await
        .unwrap();
    let view = store
        .record_spending(
            aid.parse().unwrap(),
            &SpendingInput {
                plan_line_id: dp_line,
                amount: "600.00".into(),
                spent_on: "2026-04-14".into(),
                description: "PA wages".into(),
                ..Default::default()
            },
        )
        .await
        .unwrap();
    assert_eq!(view.spent, Money::from_pounds(964));
    assert_eq!(view.unspent, Money::from_pounds(20_332 - 964));
    let too_much = store
        .make_payment(
            aid.parse().unwrap(),
            &PaymentInput {
                payee: "budget_holder".into(),
                payee_name: "Ada".into(),
                amount: "99999".into(),
                paid_on: "2026-05-01".into(),
                ..Default::default()
            },
        )
        .await;
    assert!(matches!(too_much, Err(StoreError::Invalid(_))));
    let tb = store.trial_balance(council.id).await.unwrap();
    assert_eq!(tb.unbalanced_entries, 0);
    assert_eq!(tb.sum_of_postings, Money::ZERO);
    assert_eq!(tb.entries, 4);
    let uptake = store.uptake(council.id, Some(time::macros::date!(2026 - 06 - 01))).await.unwrap();
    assert_eq!((uptake.uptake.counts.long_term_support, uptake.uptake.counts.personal_budget, uptake.uptake.counts.direct_payment), (1, 1, 1));
    let due = store.reviews_due(council.id, time::macros::date!(2026 - 10 - 01)).await.unwrap();
    assert_eq!(due.len(), 1);
    assert_eq!(due[0].due_on, time::macros::date!(2026 - 10 - 01));
}

#[tokio::test]
async fn chain_on_sqlite() {
    let (store, _dir) = sqlite_store().await;
    chain(store).await;
}

#[tokio::test]
async fn chain_on_postgres() {
    if let Some((store, _db)) = postgres_store("chain_on_postgres").await {
        chain(store.clone()).await;
        store.close().await;
    }
}
