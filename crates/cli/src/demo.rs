//! A demo council with realistic synthetic people, made only through the store's own use
//! cases, so every figure on its pages came through the real rules.

use indicatif::{ProgressBar, ProgressStyle};
use rand::seq::SliceRandom;
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use rust_decimal::Decimal;
use selfdirect_domain::access::Role;
use selfdirect_domain::dates::{add_months, iso};
use selfdirect_domain::deployment::DeploymentOption::DirectPayment;
use selfdirect_domain::ids::CouncilId;
use selfdirect_domain::person::{ClientGroup, NewPersonInput};
use selfdirect_domain::plan::PlanInput;
use selfdirect_domain::Money;
use selfdirect_store::synthetic::population::{answers, pick_group, plan_lines, severity, FAMILY, GIVEN, OUTCOMES, STREETS};
use selfdirect_store::{BankDetailsInput, Council, NewUser, OpenAccountInput, PaymentInput, Plan, SpendingInput, Store};
use std::collections::BTreeSet;
use time::{Date, Duration};

pub struct Options {
    pub people: u32,
    pub seed: u64,
    pub show_progress: bool,
}

/// Creates the demo council and its people. Dates are relative to today so that reviews
/// fall due and statements have a history whenever the demo is run.
pub async fn create(store: &Store, options: Options) -> anyhow::Result<(Council, Vec<DemoUser>)> {
    let mut rng = ChaCha8Rng::seed_from_u64(options.seed);
    let existing = store.councils().await?;
    let code = format!("DEMO{}", existing.len() + 1);
    let council = store.create_council(&code, "Demo Borough Council").await?;
    let cid = council.id;
    let questionnaire = store.current_questionnaire(cid).await?;
    let council_bank = BankDetailsInput {
        account_name: "DEMO BOROUGH COUNCIL".into(),
        sort_code: "20-00-00".into(),
        account_number: "55779911".into(),
        service_user_number: Some("123456".into()),
    };
    store.set_council_bank(cid, &council_bank).await?;
    let mut providers = DemoProviders { council_id: cid, registered: BTreeSet::new() };
    let today = time::OffsetDateTime::now_utc().date();
    let bar = if options.show_progress { ProgressBar::new(u64::from(options.people)) } else { ProgressBar::hidden() };
    bar.set_style(ProgressStyle::with_template("{msg} [{bar:40}] {pos}/{len} people ({eta} left)").expect("valid template").progress_chars("=> "));
    bar.set_message("creating demo council");
    // People whose budget-holder sign-ins the demo creates: one still planning, one settled.
    let (mut planning, mut settled) = (None, None);
    for _ in 0..options.people {
        let group = pick_group(&mut rng);
        let age = match group {
            ClientGroup::OlderPerson => rng.gen_range(66..97),
            _ => rng.gen_range(18..65),
        };
        let dob = today - Duration::days(age * 365 + rng.gen_range(0..365));
        let given = GIVEN.choose(&mut rng).expect("non-empty");
        let family = FAMILY.choose(&mut rng).expect("non-empty");
        let address = format!("{} {}, Demoton", rng.gen_range(1..120), STREETS.choose(&mut rng).expect("non-empty"));
        let postcode =
            format!("DM{} {}{}{}", rng.gen_range(1..9), rng.gen_range(1..9), (b'A' + rng.gen_range(0..26)) as char, (b'A' + rng.gen_range(0..26)) as char);
        let dob_text = iso(dob);
        let person = store
            .create_person(
                cid,
                &NewPersonInput {
                    given_name: given,
                    family_name: family,
                    date_of_birth: &dob_text,
                    address: &address,
                    postcode: &postcode,
                    client_group: group.code(),
                    long_term_support: true,
                    nhs_number: None,
                },
            )
            .await?;
        let pid = person.id;
        if rng.gen_bool(0.4) {
            let (role, relationship) = if matches!(group, ClientGroup::LearningDisability | ClientGroup::Autism) && rng.gen_bool(0.6) {
                ("representative", "Parent")
            } else {
                ("carer", *["Daughter", "Son", "Husband", "Wife", "Neighbour", "Friend"].choose(&mut rng).expect("non-empty"))
            };
            let carer_name = format!("{} {}", GIVEN.choose(&mut rng).expect("non-empty"), family);
            store.add_contact(pid, role, &carer_name, relationship, Some("01632 960000")).await?;
        }
        // One person in seven has traditional council-arranged services only: they count in
        // the uptake denominator without a personal budget.
        let journey = rng.gen_range(0..100);
        let assessed_on = today - Duration::days(rng.gen_range(20..330));
        let need = severity(&mut rng, group);
        let assessment = store.record_assessment(pid, &answers(&mut rng, &questionnaire, need), &iso(assessed_on), "Demo social worker").await?;
        if journey < 14 {
            bar.inc(1);
            continue;
        }
        let indicative = assessment.allocation.total;
        let target = Money::from_decimal_rounded(indicative.to_decimal() * Decimal::new(rng.gen_range(85..108), 2)).expect("in range");
        let lines = plan_lines(&mut rng, group, target, store.streams());
        let start = assessed_on + Duration::days(rng.gen_range(7..30));
        let mut outcomes: Vec<String> = OUTCOMES.choose_multiple(&mut rng, 2).map(|s| s.to_string()).collect();
        outcomes.sort();
        let mut input =
            PlanInput { outcomes, lines, start_date: iso(start), end_date: iso(add_months(start, 12) - Duration::days(1)), over_budget_reason: None };
        let draft = store.create_plan(pid, None, &input).await?;
        if draft.total > indicative {
            input.over_budget_reason = Some("Two-to-one support is needed for some personal care tasks, which the questionnaire does not capture.".into());
            store.update_plan(draft.id, draft.version, &input).await?;
        }
        let plan_id = draft.id;
        if journey < 22 {
            planning.get_or_insert_with(|| (pid.to_string(), format!("{given} {family}")));
            bar.inc(1);
            continue; // still a draft
        }
        store.submit_plan(plan_id).await?;
        if journey < 32 {
            bar.inc(1);
            continue; // waiting for approval
        }
        if journey < 36 {
            store
                .return_plan(plan_id, "Demo team manager", "Please say how the day service will help you reach your outcomes, and check the taxi costs.")
                .await?;
            bar.inc(1);
            continue;
        }
        let plan = store.approve_plan(plan_id, "Demo team manager", None).await?;
        spend(store, &mut rng, &plan, (start, today), &format!("{given} {family}"), &mut providers).await?;
        settled.get_or_insert_with(|| (pid.to_string(), format!("{given} {family}")));
        bar.inc(1);
    }
    bar.finish_with_message("demo council created");
    let users = demo_users(store, cid, planning, settled, providers.registered.iter().next().cloned()).await?;
    Ok((council, users))
}

/// The password of every demo sign-in. The demo's data is made up; never use it for real people.
pub const DEMO_PASSWORD: &str = "demo-password";

/// A sign-in the demo created.
pub struct DemoUser {
    pub email: String,
    pub role: &'static str,
    pub who: String,
}

/// One sign-in for each role, so every part of the service can be tried.
async fn demo_users(
    store: &Store,
    cid: CouncilId,
    planning: Option<(String, String)>,
    settled: Option<(String, String)>,
    provider: Option<String>,
) -> anyhow::Result<Vec<DemoUser>> {
    let code = store.council(cid).await?.code.to_lowercase();
    // (email local part, role, display name, person acted for, provider name)
    type Wanted = (String, Role, String, Option<String>, Option<String>);
    let mut wanted: Vec<Wanted> = vec![
        ("social.worker".into(), Role::SocialWorker, "Sam Worker".into(), None, None),
        ("team.manager".into(), Role::TeamManager, "Tess Manager".into(), None, None),
        ("finance".into(), Role::FinanceOfficer, "Fay Finance".into(), None, None),
        ("commissioner".into(), Role::Commissioner, "Cam Commissioner".into(), None, None),
        ("auditor".into(), Role::Auditor, "Aud Auditor".into(), None, None),
        ("operator".into(), Role::ServiceOperator, "Opal Operator".into(), None, None),
    ];
    if let Some((pid, name)) = planning {
        wanted.push(("planning".into(), Role::BudgetHolder, name, Some(pid), None));
    }
    if let Some((pid, name)) = settled {
        wanted.push(("holder".into(), Role::BudgetHolder, name, Some(pid), None));
    }
    if let Some(p) = provider {
        wanted.push(("provider".into(), Role::Provider, p.clone(), None, Some(p)));
    }
    let mut users = Vec::new();
    for (local, role, who, person, provider) in wanted {
        let email = format!("{local}@{code}.demo.example");
        let input = NewUser {
            email: &email,
            display_name: &who,
            role: role.code(),
            person_id: person.as_deref(),
            provider_name: provider.as_deref(),
            password: DEMO_PASSWORD,
        };
        store.create_user(cid, &input).await?;
        users.push(DemoUser { email, role: role.label(), who });
    }
    Ok(users)
}

/// Providers registered with bank details so far.
struct DemoProviders {
    council_id: CouncilId,
    registered: BTreeSet<String>,
}

/// Opens the account with a realistic choice of deployment and replays four-weekly
/// payments and spending up to today.
async fn spend(
    store: &Store,
    rng: &mut ChaCha8Rng,
    plan: &Plan,
    (start, today): (Date, Date),
    holder: &str,
    providers: &mut DemoProviders,
) -> anyhow::Result<()> {
    let choice = rng.gen_range(0..100);
    let mut input = OpenAccountInput::default();
    match choice {
        0..=44 => input.deployment = Some("direct_payment".into()),
        45..=69 => input.deployment = Some("council_managed".into()),
        70..=84 => input.deployment = Some("individual_service_fund".into()),
        _ => {
            input.deployment = Some("council_managed".into());
            input.line_deployments.insert(plan.lines[0].id.to_string(), "direct_payment".into());
        }
    }
    let account = store.open_account(plan.id, &input).await?;
    let aid = account.id;
    let plan = store.plan(plan.id).await?;
    // Most direct-payment holders have given their bank details; the rest show up as
    // exceptions in the payment run, as they would in a real council.
    if account.includes_direct_payment && rng.gen_bool(0.92) {
        let bank = BankDetailsInput {
            account_name: format!("{} DP ACCOUNT", holder.to_uppercase()),
            sort_code: format!("{:02}-{:02}-{:02}", rng.gen_range(10..99), rng.gen_range(0..99), rng.gen_range(0..99)),
            account_number: format!("{:08}", rng.gen_range(10_000_000..99_999_999)),
            service_user_number: None,
        };
        store.set_bank_details(aid, &bank).await?;
    }
    for line in &plan.lines {
        if line.line.deployment != Some(DirectPayment) && providers.registered.insert(line.line.provider.clone()) {
            // A stable account number per provider name, so the same seed gives the same file.
            let n = line.line.provider.bytes().fold(7u64, |h, b| h.wrapping_mul(31).wrapping_add(u64::from(b))) % 90_000_000 + 10_000_000;
            store.register_provider(providers.council_id, &line.line.provider, "30-94-57", &n.to_string()).await?;
        }
    }
    let mut period_start = start;
    while period_start <= today.min(account.end_date) {
        for line in &plan.lines {
            let deployment = line.line.deployment.expect("chosen when the account opened");
            let due = Money::from_decimal_rounded(line.annual_cost.to_decimal() / Decimal::from(13)).expect("in range");
            if due.is_zero() {
                continue;
            }
            let line_id = line.id.to_string();
            let paid_on = iso(period_start);
            use selfdirect_domain::deployment::DeploymentOption::*;
            let payment = match deployment {
                DirectPayment => PaymentInput {
                    payee: "budget_holder".into(),
                    payee_name: "Budget holder".into(),
                    amount: due.to_plain_string(),
                    paid_on,
                    plan_line_id: Some(line_id.clone()),
                    ..Default::default()
                },
                CouncilManaged | IndividualServiceFund => PaymentInput {
                    payee: "provider".into(),
                    payee_name: line.line.provider.clone(),
                    amount: due.to_plain_string(),
                    paid_on,
                    plan_line_id: Some(line_id.clone()),
                    ..Default::default()
                },
            };
            if store.make_payment(aid, &payment).await.is_err() {
                continue; // the year's money is used up: nothing more to pay
            }
            if deployment != CouncilManaged {
                let spent = Money::from_decimal_rounded(due.to_decimal() * Decimal::new(rng.gen_range(80..101), 2)).expect("in range");
                let spent_on = (period_start + Duration::days(rng.gen_range(3..25))).min(today).min(account.end_date);
                store
                    .record_spending(
                        aid,
                        &SpendingInput {
                            plan_line_id: line_id,
                            amount: spent.to_plain_string(),
                            spent_on: iso(spent_on),
                            description: line.line.description.clone(),
                            receipt_reference: Some(format!("R{}", rng.gen_range(10_000..99_999))),
                            ..Default::default()
                        },
                    )
                    .await?;
            }
        }
        period_start += Duration::days(28);
    }
    if add_months(start, 6) < today && account.includes_direct_payment && rng.gen_bool(0.6) {
        let on = add_months(start, 6) - Duration::days(rng.gen_range(0..20));
        let outcomes_met = store.plan(account.plan_id).await?.outcomes.into_iter().take(1).collect();
        let review = selfdirect_store::ReviewInput {
            completed_on: iso(on),
            participants: vec!["person".into(), "worker".into()],
            outcomes_met,
            working: "Support is working well.".into(),
            not_working: "The person would like more flexibility in when their PA works.".into(),
            decision: "no_change".into(),
            notes: String::new(),
        };
        store.complete_review(aid, &review, "Demo social worker").await?;
    }
    Ok(())
}
