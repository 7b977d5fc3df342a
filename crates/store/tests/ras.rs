//! The RAS over time, on SQLite and PostgreSQL: publishing versions, uprating and
//! recalculating a council, calibrating, what-ifs and reconsiderations.

use selfdirect_domain::assessment::{Questionnaire, STANDARD_QUESTIONNAIRE_TOML};
use selfdirect_domain::ids::*;
use selfdirect_domain::person::NewPersonInput;
use selfdirect_domain::plan::{PlanInput, PlanLineInput};
use selfdirect_domain::Money;
use selfdirect_store::testing::{postgres_store, sqlite_store};
use selfdirect_store::{Store, StoreError};
use std::collections::BTreeMap;

fn answers(picks: &[usize]) -> BTreeMap<String, String> {
    let q = Questionnaire::standard();
    q.questions().zip(picks).map(|((_, qu), i)| (qu.id.clone(), qu.options[*i].id.clone())).collect()
}

async fn person(store: &Store, council: CouncilId, name: &str, group: &str) -> PersonId {
    let p = store
        .create_person(
            council,
            &NewPersonInput {
                given_name: name,
                family_name: "Tester",
                date_of_birth: "1960-01-01",
                address: "1 Road",
                postcode: "AB1 2CD",
                client_group: group,
                long_term_support: true,
                nhs_number: None,
            },
        )
        .await
        .unwrap();
    p.id
}

async fn ras(store: Store) {
    let council = store.create_council("RAS", "RAS Test Council").await.unwrap();
    let cid = council.id;

    // Two people: 50 points (no carer: 6) and 0 points (carer fine, floor).
    let a = person(&store, cid, "Ann", "physical_disability").await;
    let b = person(&store, cid, "Bob", "older_person").await;
    store.record_assessment(a, &answers(&[1, 1, 1, 1, 1, 1, 1, 0, 1]), "2026-01-10", "SW").await.unwrap();
    store.record_assessment(b, &answers(&[0, 0, 0, 0, 0, 0, 0, 1, 0]), "2026-01-10", "SW").await.unwrap();
    // 8+10+6+6+5+5+4+6+6 = 56 points × £300.
    assert_eq!(store.current_allocation(a).await.unwrap().unwrap().allocation.total, Money::from_pounds(16_800));
    assert_eq!(store.current_allocation(b).await.unwrap().unwrap().allocation.total, Money::from_pounds(1_200));

    // A bad file changes nothing, and says where it is wrong.
    let bad = STANDARD_QUESTIONNAIRE_TOML.replace("version = 1", "version = 2").replace("from_points = 60", "from_points = 70");
    let err = store.publish_questionnaire(cid, "council-v2.toml", &bad).await.unwrap_err();
    let StoreError::Invalid(problems) = err else { panic!("expected a validation error") };
    assert!(problems.to_string().contains("council-v2.toml: allocation.bands[1].from_points (line "), "{problems}");
    assert!(problems.to_string().contains("points 60 to 69 are in no band"), "{problems}");
    assert_eq!(store.current_questionnaire(cid).await.unwrap().version, 1);
    let same = store.publish_questionnaire(cid, "again.toml", STANDARD_QUESTIONNAIRE_TOML).await.unwrap_err();
    assert!(same.to_string().contains("version 1 is already in force"), "{same}");

    // Uprating publishes version 2; recalculation moves both people and reports it.
    assert!(matches!(store.uprate(cid, "lots").await, Err(StoreError::Invalid(_))));
    let v2 = store.uprate(cid, "10").await.unwrap();
    assert_eq!(v2.version, 2);
    assert_eq!(v2.allocation.bands[0].pounds_per_point, Money::from_pounds(330));
    let report = store.recompute(cid, &|_, _| {}).await.unwrap();
    assert_eq!((report.people, report.increased, report.decreased, report.unchanged), (2, 2, 0, 0));
    assert_eq!(report.total_before, Money::from_pounds(16_800 + 1_200));
    assert_eq!(report.total_after, Money::from_pounds(18_480 + 1_320));
    assert_eq!(report.changes[0].change, Money::from_pounds(1_680));
    let current = store.current_allocation(a).await.unwrap().unwrap();
    assert_eq!((current.reason.as_str(), current.questionnaire_version), ("recalculation", 2));
    let again = store.recompute(cid, &|_, _| {}).await.unwrap();
    assert_eq!((again.unchanged, again.changes.len()), (2, 0));
    assert_eq!(store.allocation_history(a).await.unwrap().len(), 2);

    // A plan uses the budget in force; approval records the difference and its reason.
    let plan = store
        .create_plan(
            a,
            None,
            &PlanInput {
                outcomes: vec!["Go swimming".into()],
                lines: vec![PlanLineInput {
                    description: "PA".into(),
                    provider: "PA".into(),
                    category: "personal_assistant".into(),
                    frequency: "weekly".into(),
                    units_per_period: "20".into(),
                    unit_cost: "15".into(),
                    stream: None,
                    risk_note: None,
                }],
                start_date: "2026-02-01".into(),
                end_date: "2027-01-31".into(),
                over_budget_reason: None,
            },
        )
        .await
        .unwrap();
    assert_eq!(plan.indicative_budget, Money::from_pounds(18_480));
    store.submit_plan(plan.id).await.unwrap();
    let approved = store.approve_plan(plan.id, "Manager", Some("Swimming twice a week meets the outcome at lower cost")).await.unwrap();
    let difference = approved.budget_difference.unwrap();
    assert_eq!(difference.amount, Money::from_pounds(15_600 - 18_480));
    assert!(difference.reason.contains("Swimming"));

    // Calibration on the council's one agreed package, and a what-if.
    let calibration = store.calibrate(cid).await.unwrap();
    assert_eq!(calibration.packages, 1);
    assert_eq!(calibration.fitted.all.actual, Money::from_pounds(15_600));
    let cheaper = STANDARD_QUESTIONNAIRE_TOML.replace("version = 1", "version = 3").replace("pounds_per_point = \"300.00\"", "pounds_per_point = \"250.00\"");
    let w = store.what_if(cid, "cheaper.toml", &cheaper).await.unwrap();
    assert_eq!((w.people_worse_off, w.people_better_off), (1, 0));
    assert_eq!(w.total_change, Money::from_pounds(56 * 250 - 56 * 330));

    // Reconsideration: upheld with a revised amount, explained; deciding twice is refused.
    assert!(matches!(store.request_reconsideration(b, "", "", "2026-02-01").await, Err(StoreError::Invalid(_))));
    let r = store.request_reconsideration(b, "Bob Tester", "My wife can no longer help at night", "2026-02-01").await.unwrap();
    assert_eq!(r.status, "open");
    assert_eq!(r.budget_at_request, Money::from_pounds(1_320));
    let refused = store.decide_reconsideration(r.id, "Manager", "upheld", "Night support needed", None, "2026-02-10").await;
    assert!(matches!(refused, Err(StoreError::Invalid(_))));
    let decided = store.decide_reconsideration(r.id, "Manager", "upheld", "Night support is needed", Some("4000.00"), "2026-02-10").await.unwrap();
    assert_eq!((decided.status.as_str(), decided.revised_total), ("upheld", Some(Money::from_pounds(4_000))));
    let now = store.current_allocation(b).await.unwrap().unwrap();
    assert_eq!(now.reason, "reconsideration");
    assert_eq!(now.allocation.total, Money::from_pounds(4_000));
    assert_eq!(now.allocation.items.iter().map(|i| i.amount).sum::<Money>(), now.allocation.total);
    assert!(matches!(store.decide_reconsideration(r.id, "M", "not_upheld", "x", None, "2026-02-11").await, Err(StoreError::Conflict(_))));
}

#[tokio::test]
async fn ras_on_sqlite() {
    let (store, _dir) = sqlite_store().await;
    ras(store).await;
}

#[tokio::test]
async fn ras_on_postgres() {
    if let Some((store, _db)) = postgres_store("ras_on_postgres").await {
        ras(store.clone()).await;
        store.close().await;
    }
}
