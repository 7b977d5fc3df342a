//! The quarterly statutory return from stored records, on SQLite and PostgreSQL, checked
//! field by field against hand-worked figures.

use selfdirect_domain::person::NewPersonInput;
use selfdirect_domain::Money;
use selfdirect_store::testing::{open_test_account, pay_budget_holder, postgres_store, spend_on_line, sqlite_store, weekly_line};
use selfdirect_store::{Store, StoreError};

async fn statutory_return(store: Store) {
    let cid = store.create_council("RET", "Returns Council").await.unwrap().id;
    // £100 a week, 2026-04-01 to 2027-03-31, as a direct payment.
    let account = open_test_account(&store, cid, "Rae", vec![weekly_line("PA hours", "Sam", "personal_assistant", "100")], "direct_payment").await;
    let view = store.account_view(account).await.unwrap();
    let person = view.account.person_id;
    let line = store.plan(view.account.plan_id).await.unwrap().lines[0].clone();
    pay_budget_holder(&store, account, "400", "2026-07-01").await;
    let line_id = line.id;
    spend_on_line(&store, account, &line_id.to_string(), "300", "2026-07-10").await;
    spend_on_line(&store, account, &line_id.to_string(), "50", "2026-10-02").await; // next quarter: not counted

    let r = store.statutory_return(cid, "2026-07-01").await.unwrap();
    assert_eq!((r.rows.len(), r.people, r.problems.len()), (1, 1, 0));
    let row = &r.rows[0];
    assert_eq!(row.person_id, person);
    assert_eq!((row.reporting_period_start.as_str(), row.reporting_period_end.as_str()), ("2026-07-01", "2026-09-30"));
    assert_eq!(row.primary_support_reason, "Physical Support: Personal care support");
    assert_eq!((row.service_type, row.service_component), ("Long term support: Community", "Direct payment"));
    assert_eq!(row.delivery_mechanism, "Direct payment");
    assert_eq!((row.event_start.as_str(), row.event_end.as_str()), ("2026-04-01", "2027-03-31"));
    // The line's annual cost pro rata: 92 days of 365, to the nearest penny.
    let expected = Money::from_pence((line.annual_cost.pence() * 92 * 2 + 365) / 730);
    assert_eq!(row.planned_cost_in_period, expected);
    assert_eq!(row.actual_cost_in_period, Money::from_pounds(300));

    // A quarter before the plan: nothing. A date that is not a quarter's first day: refused.
    assert!(store.statutory_return(cid, "2026-01-01").await.unwrap().rows.is_empty());
    assert!(matches!(store.statutory_return(cid, "2026-08-01").await, Err(StoreError::Invalid(_))));

    // Uptake per client group, and the monthly journey, against hand counts.
    open_test_account(&store, cid, "Max", vec![weekly_line("Home care", "Harbour Care", "personal_care", "80")], "council_managed").await;
    let waiting = NewPersonInput {
        given_name: "Lee",
        family_name: "Waiting",
        date_of_birth: "1990-01-01",
        address: "1 Road",
        postcode: "AB1 2CD",
        client_group: "learning_disability",
        long_term_support: true,
        nhs_number: None,
    };
    store.create_person(cid, &waiting).await.unwrap();
    let groups = store.uptake_by_group(cid, Some(time::macros::date!(2026 - 06 - 01))).await.unwrap();
    let counts: Vec<(&str, i64, i64, i64)> =
        groups.iter().map(|(g, u)| (g.code(), u.counts.long_term_support, u.counts.personal_budget, u.counts.direct_payment)).collect();
    assert_eq!(counts, [("learning_disability", 1, 0, 0), ("physical_disability", 2, 2, 1)]);
    assert_eq!(groups[1].1.direct_payment_percent.map(|p| p.to_string()), Some("50.0".to_string()));
    // Outcome surveys at review: Rae (direct payment) answers best everywhere, Max
    // (council-managed) second-worst; hand averages per domain: all 3.00, DP 4.00, managed 2.00.
    let max_account = store.people(cid, 10).await.unwrap().into_iter().find(|p| p.details.given_name == "Max").unwrap();
    let max_account = store.person_overview(max_account.id).await.unwrap().account.unwrap().account.id;
    let answers =
        |a: usize| ["control", "quality_of_life", "dignity", "social_contact"].iter().map(|q| (q.to_string(), a)).collect::<std::collections::BTreeMap<_, _>>();
    store.record_survey_response(account, "budget_holder", &answers(3), "2026-09-20").await.unwrap();
    store.record_survey_response(max_account, "budget_holder", &answers(1), "2026-09-21").await.unwrap();
    assert!(matches!(store.record_survey_response(account, "budget_holder", &answers(7), "2026-09-20").await, Err(StoreError::Invalid(_))));
    let results = store.survey_results(cid).await.unwrap();
    let avg = |group: &str, domain: &str| {
        let g = results.iter().find(|r| r.group == group).unwrap_or_else(|| panic!("no group {group}: {results:?}"));
        let d = g.domains.iter().find(|d| d.domain == domain).unwrap();
        (d.average_hundredths, d.responses)
    };
    assert_eq!(avg("all", "dignity"), (300, 2));
    assert_eq!(avg("deployment: direct_payment", "choice_and_control"), (400, 1));
    assert_eq!(avg("deployment: council_managed", "relationships"), (200, 1));
    assert_eq!(avg("client_group: physical_disability", "quality_of_life"), (300, 2));

    let series = store.uptake_series(cid, 12, None).await.unwrap();
    assert_eq!(series.len(), 12);
    // Per client group: Rae and Max (physical disability) have budgets; Lee (learning
    // disability) is waiting for one.
    use selfdirect_domain::person::ClientGroup;
    let physical = store.uptake_series(cid, 12, Some(ClientGroup::PhysicalDisability)).await.unwrap();
    let learning = store.uptake_series(cid, 12, Some(ClientGroup::LearningDisability)).await.unwrap();
    let now = |s: &[selfdirect_store::CouncilUptake]| (s[11].uptake.counts.long_term_support, s[11].uptake.counts.personal_budget);
    assert_eq!(now(&physical).1, 2);
    assert_eq!(now(&learning), (1, 0));
    assert_eq!(now(&physical).0 + now(&learning).0, series[11].uptake.counts.long_term_support);
    assert_eq!(series[11].as_of, time::OffsetDateTime::now_utc().date(), "the current month is to date");
    assert!(series.windows(2).all(|w| w[0].as_of < w[1].as_of), "oldest first");
    let journey = store.monthly_journey(cid).await.unwrap();
    let april = journey.iter().find(|m| m.month == "2026-04").expect("accounts started in April 2026");
    assert_eq!(april.new_budget_holders, 2);
    let approved: i64 = journey.iter().map(|m| m.plans_approved).sum();
    assert_eq!(approved, 2);
    // The test made each person and approved their plan moments apart: no days waited.
    assert!(journey.iter().filter(|m| m.plans_approved > 0).all(|m| m.median_days_to_plan == Some(0)), "{journey:?}");
}

#[tokio::test]
async fn statutory_return_on_sqlite() {
    let (store, _dir) = sqlite_store().await;
    statutory_return(store).await;
}

#[tokio::test]
async fn statutory_return_on_postgres() {
    if let Some((store, _db)) = postgres_store("statutory_return_on_postgres").await {
        statutory_return(store.clone()).await;
        store.close().await;
    }
}
