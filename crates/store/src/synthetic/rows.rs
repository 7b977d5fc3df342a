//! One synthetic person's rows: who they are, their assessment and allocation, their
//! approved plan, how the money is held, and every movement of money up to the end of the
//! history, built by the ledger's own functions.

use super::population::{answers, pick_group, plan_lines, severity, FAMILY, GIVEN, OUTCOMES, STREETS};
use crate::bulk::Cell;
use crate::codec;
use crate::money::accounts::{ledger_entry_rows, EntryDetails, NewEntry, ENTRY_COLUMNS, PAID_DAYS_COLUMNS, POSTING_COLUMNS};
use crate::money::claims::INVOICE_COLUMNS;
use rand::seq::SliceRandom;
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use rust_decimal::Decimal;
use selfdirect_domain::assessment::Questionnaire;
use selfdirect_domain::dates::{add_months, iso};
use selfdirect_domain::deployment::streams::FundingStreams;
use selfdirect_domain::deployment::{overall, DeploymentOption};
use selfdirect_domain::learning::survey::{score_response, Survey};
use selfdirect_domain::money::claims::{AcceptedClaim, Claim};
use selfdirect_domain::money::ledger::{allocate_budget, record_spending, AccountBook, Balances, FundedLine, InForce, JournalEntry, LedgerAccount};
use selfdirect_domain::money::payment_run::{run_account, Period, RunAccount, RunPayee};
use selfdirect_domain::person::ClientGroup;
use selfdirect_domain::plan::{validate_plan, PlanInput, PlanLineInput};
use selfdirect_domain::ras::allocate;
use selfdirect_domain::review::{first_review_due, next_review_due};
use selfdirect_domain::Money;
use selfdirect_domain::Problems;
use std::collections::BTreeMap;
use time::{Date, Duration};
use uuid::Uuid;

/// The tables a batch fills, in the order they are written (parents first), with columns.
pub(crate) const TABLES: [(&str, &[&str]); 13] = [
    ("people", &["id", "council_id", "given_name", "family_name", "date_of_birth", "address", "postcode", "client_group", "long_term_support", "created_at"]),
    (
        "assessments",
        &[
            "id",
            "council_id",
            "person_id",
            "questionnaire_id",
            "questionnaire_version",
            "completed_on",
            "assessor",
            "answers",
            "scores",
            "total_points",
            "indicative_budget_pence",
            "allocation",
            "created_at",
        ],
    ),
    (
        "allocations",
        &["id", "council_id", "person_id", "assessment_id", "questionnaire_id", "questionnaire_version", "reason", "total_pence", "allocation", "created_at"],
    ),
    (
        "plans",
        &[
            "id",
            "council_id",
            "person_id",
            "assessment_id",
            "status",
            "outcomes",
            "start_date",
            "end_date",
            "over_budget_reason",
            "indicative_budget_pence",
            "total_pence",
            "final_budget_pence",
            "submitted_at",
            "decided_at",
            "decided_by",
            "version",
            "created_at",
            "updated_at",
        ],
    ),
    (
        "plan_lines",
        &[
            "id",
            "council_id",
            "plan_id",
            "position",
            "description",
            "provider",
            "category",
            "frequency",
            "units_per_period",
            "unit_cost_pence",
            "annual_cost_pence",
            "stream",
            "deployment",
        ],
    ),
    (
        "budget_accounts",
        &[
            "id",
            "council_id",
            "person_id",
            "plan_id",
            "deployment",
            "includes_direct_payment",
            "final_budget_pence",
            "start_date",
            "end_date",
            "next_review_due",
            "lock_version",
            "created_at",
            "weekly_contribution_pence",
        ],
    ),
    ("bank_details", &["budget_account_id", "council_id", "account_name", "sort_code", "account_number", "updated_at"]),
    ("ledger_entries", &ENTRY_COLUMNS),
    ("ledger_postings", &POSTING_COLUMNS),
    ("paid_days", &PAID_DAYS_COLUMNS),
    ("invoices", &INVOICE_COLUMNS),
    ("reviews", &["id", "council_id", "person_id", "budget_account_id", "due_on", "completed_on", "reviewer", "notes", "created_at"]),
    (
        "survey_responses",
        &["id", "council_id", "person_id", "budget_account_id", "survey_id", "survey_version", "respondent", "answers", "scores", "completed_on", "created_at"],
    ),
];

/// Rows for some people, per table (indexed as [`TABLES`]), and counts.
#[derive(Default)]
pub struct Batch {
    pub(crate) rows: [Vec<Vec<Cell>>; 13],
    pub counts: Counts,
}

/// How many of each thing were made.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Counts {
    pub people: u64,
    pub accounts: u64,
    pub plan_lines: u64,
    pub entries: u64,
    pub postings: u64,
    pub invoices: u64,
    pub reviews: u64,
    pub surveys: u64,
}

impl std::ops::AddAssign for Counts {
    fn add_assign(&mut self, o: Counts) {
        self.people += o.people;
        self.accounts += o.accounts;
        self.plan_lines += o.plan_lines;
        self.entries += o.entries;
        self.postings += o.postings;
        self.invoices += o.invoices;
        self.reviews += o.reviews;
        self.surveys += o.surveys;
    }
}

const PEOPLE: usize = 0;
const ASSESSMENTS: usize = 1;
const ALLOCATIONS: usize = 2;
const PLANS: usize = 3;
const PLAN_LINES: usize = 4;
const ACCOUNTS: usize = 5;
const BANK: usize = 6;
const ENTRIES: usize = 7;
const POSTINGS: usize = 8;
const PAID_DAYS: usize = 9;
const INVOICES: usize = 10;
const REVIEWS: usize = 11;
const SURVEYS: usize = 12;

/// UUIDv7 ids that are deterministic (a seeded generator) and increasing, so a primary key
/// index grows at its right edge during the load.
pub struct Ids {
    rng: ChaCha8Rng,
    millis: u64,
}

impl Ids {
    pub fn new(seed: u64, from: Date) -> Ids {
        let millis = (from.midnight().assume_utc().unix_timestamp() as u64) * 1_000;
        Ids { rng: ChaCha8Rng::seed_from_u64(seed.wrapping_add(0x1d5)), millis }
    }

    fn next(&mut self) -> Uuid {
        self.millis += 1;
        let random: [u8; 10] = self.rng.gen();
        uuid::Builder::from_unix_timestamp_millis(self.millis, &random).into_uuid()
    }

    fn text(&mut self) -> String {
        self.next().to_string()
    }

    /// A number no earlier id used: invoice references are unique per provider.
    fn sequence(&self) -> u64 {
        self.millis
    }
}

/// Providers in a council's market, by kind of support.
pub struct CouncilMarket {
    by_category: BTreeMap<&'static str, Vec<String>>,
}

const PREFIXES: &[&str] = &["Bluebell", "Harbour", "Oakwood", "Meadow", "Riverside", "Beacon", "Kingfisher", "Willow", "Heron", "Cedar", "Lantern", "Summit"];
const KINDS: &[(&str, &str)] = &[
    ("personal_care", "Home Care Ltd"),
    ("day_service", "Day Centre"),
    ("respite", "Short Breaks"),
    ("leisure", "Leisure Trust"),
    ("education", "College"),
    ("employment", "Employment Support"),
    ("equipment", "Living Aids"),
    ("transport", "Community Transport"),
    ("housing_support", "Housing Support"),
    ("other", "Wellbeing Services"),
];

impl CouncilMarket {
    pub fn new(rng: &mut ChaCha8Rng, council_index: usize) -> CouncilMarket {
        let mut by_category = BTreeMap::new();
        for (category, kind) in KINDS {
            let n = rng.gen_range(2..=5);
            let mut names: Vec<String> = PREFIXES.choose_multiple(rng, n).map(|p| format!("{p} {kind}")).collect();
            // One national chain in every council, so provider figures cross councils.
            if council_index.is_multiple_of(3) && *category == "personal_care" {
                names.push("Nationwide Care Group".to_string());
            }
            by_category.insert(*category, names);
        }
        CouncilMarket { by_category }
    }

    pub fn providers(&self) -> Vec<String> {
        let mut all: Vec<String> = self.by_category.values().flatten().cloned().collect();
        all.sort();
        all.dedup();
        all
    }

    /// Day centres on block contracts: the first of the council's day centres, at £150,000 a year.
    pub fn block_contracts(&self) -> Vec<(String, Money)> {
        self.by_category.get("day_service").and_then(|d| d.first()).map(|p| vec![(p.clone(), Money::from_pounds(150_000))]).unwrap_or_default()
    }

    fn pick(&self, rng: &mut ChaCha8Rng, category: &str) -> Option<&String> {
        self.by_category.get(category).and_then(|v| v.choose(rng))
    }
}

/// A council the generator fills.
pub struct CouncilPlan {
    pub id: Uuid,
    pub size: u64,
    pub market: CouncilMarket,
    pub questionnaire: Questionnaire,
}

fn stamp(d: Date) -> String {
    format!("{}T09:00:00Z", iso(d))
}

fn text(s: impl Into<String>) -> Cell {
    Cell::Text(s.into())
}

/// What every person is made against: read once, not per person.
pub struct Catalogues {
    pub streams: std::sync::Arc<FundingStreams>,
    pub survey: Survey,
}

/// Adds one person, and all that follows for them, to `batch`.
pub fn person(batch: &mut Batch, rng: &mut ChaCha8Rng, ids: &mut Ids, (council, catalogues): (&CouncilPlan, &Catalogues), (window_start, end): (Date, Date)) {
    let cid = council.id.to_string();
    let streams = &*catalogues.streams;
    let group = pick_group(rng);
    let age = match group {
        ClientGroup::OlderPerson => rng.gen_range(66..97),
        _ => rng.gen_range(18..65),
    };
    // Six in ten were already known when the history starts; the rest arrive during it.
    let span = (end - window_start).whole_days();
    let contact =
        if rng.gen_bool(0.6) { window_start - Duration::days(rng.gen_range(30..400)) } else { window_start + Duration::days(rng.gen_range(0..span - 60)) };
    let person_uuid = ids.next();
    let person_id = person_uuid.to_string();
    let family = *FAMILY.choose(rng).expect("non-empty");
    let area = rng.gen_range(1..30);
    batch.rows[PEOPLE].push(vec![
        text(&person_id),
        text(&cid),
        text(*GIVEN.choose(rng).expect("non-empty")),
        text(family),
        text(iso(end - Duration::days(age * 365 + rng.gen_range(0..365)))),
        text(format!("{} {}", rng.gen_range(1..200), STREETS.choose(rng).expect("non-empty"))),
        text(format!("SY{area} {}{}{}", rng.gen_range(1..9), (b'A' + rng.gen_range(0..26)) as char, (b'A' + rng.gen_range(0..26)) as char)),
        text(group.code()),
        Cell::Int(1),
        text(stamp(contact)),
    ]);
    batch.counts.people += 1;

    // The assessment, through the real RAS.
    let assessed_on = contact + Duration::days(rng.gen_range(10..60));
    let need = severity(rng, group);
    let typed = answers(rng, &council.questionnaire, need);
    let scores = council.questionnaire.score(&typed).expect("synthetic answers come from the questionnaire");
    let allocation = allocate(&council.questionnaire.allocation, &scores, group);
    let (assessment_id, allocation_json) = (ids.text(), codec::to_json(&allocation));
    let q = &council.questionnaire;
    batch.rows[ASSESSMENTS].push(vec![
        text(&assessment_id),
        text(&cid),
        text(&person_id),
        text(&q.id),
        Cell::Int(q.version),
        text(iso(assessed_on)),
        text("Synthetic assessor"),
        text(codec::to_json(&typed)),
        text(codec::to_json(&scores)),
        Cell::Int(scores.total_points()),
        Cell::Int(allocation.total.pence()),
        text(allocation_json.clone()),
        text(stamp(assessed_on)),
    ]);
    batch.rows[ALLOCATIONS].push(vec![
        text(ids.text()),
        text(&cid),
        text(&person_id),
        text(&assessment_id),
        text(&q.id),
        Cell::Int(q.version),
        text("assessment"),
        Cell::Int(allocation.total.pence()),
        text(allocation_json),
        text(stamp(assessed_on)),
    ]);
    // One in eight has council-commissioned services only: counted, with no personal budget.
    if rng.gen_range(0..8) == 0 {
        return;
    }

    // The plan, approved. Later plans choose day services less, and leisure and personal
    // assistants more: the market shift commissioners must see coming.
    let start = assessed_on + Duration::days(rng.gen_range(14..75));
    if start > end {
        return;
    }
    let progress = ((start - window_start).whole_days().max(0) as f64 / span as f64).min(1.0);
    let target = Money::from_decimal_rounded(allocation.total.to_decimal() * Decimal::new(rng.gen_range(88..103), 2)).expect("in range");
    let mut inputs = plan_lines(rng, group, target, streams);
    for line in inputs.iter_mut() {
        if line.category == "day_service" && rng.gen_bool(0.2 + 0.6 * progress) {
            *line = PlanLineInput {
                description: "Community activities with a support worker".into(),
                category: "leisure".into(),
                frequency: "weekly".into(),
                units_per_period: "3".into(),
                unit_cost: "16.00".into(),
                ..line.clone()
            };
        }
        if let Some(p) = council.market.pick(rng, &line.category) {
            if line.category != "personal_assistant" && line.provider != "High street shop" {
                line.provider = p.clone();
            }
        }
    }
    let mut outcomes: Vec<String> = OUTCOMES.choose_multiple(rng, 2).map(|s| s.to_string()).collect();
    outcomes.sort();
    let plan_end = add_months(start, 12) - Duration::days(1);
    let input = PlanInput { outcomes, lines: inputs, start_date: iso(start), end_date: iso(plan_end), over_budget_reason: Some("Synthetic plan".into()) };
    let plan = validate_plan(&input, streams).expect("synthetic plan lines are valid");
    let total = plan.total();
    // How the money is held: direct payments grow over the years.
    let dp_share = 0.38 + 0.15 * progress;
    let roll: f64 = rng.gen();
    let chosen: Vec<DeploymentOption> = plan
        .lines
        .iter()
        .enumerate()
        .map(|(i, line)| {
            // Personal assistants are employed by the person, and one-off purchases are
            // bought by them: both only ever as a direct payment.
            let own_purchase = line.category == selfdirect_domain::plan::ServiceCategory::PersonalAssistant || line.provider == "High street shop";
            let wanted = if roll < dp_share || own_purchase {
                DeploymentOption::DirectPayment
            } else if roll < dp_share + 0.27 {
                DeploymentOption::CouncilManaged
            } else if roll < dp_share + 0.42 {
                DeploymentOption::IndividualServiceFund
            } else if i == 0 {
                DeploymentOption::DirectPayment
            } else {
                DeploymentOption::CouncilManaged
            };
            let mut p = Problems::new();
            streams.check_deployment(&mut p, "line", &line.stream, wanted);
            if p.is_empty() {
                wanted
            } else {
                DeploymentOption::CouncilManaged
            }
        })
        .collect();
    let plan_id = ids.text();
    let decided = start - Duration::days(rng.gen_range(1..10));
    batch.rows[PLANS].push(vec![
        text(&plan_id),
        text(&cid),
        text(&person_id),
        text(&assessment_id),
        text("approved"),
        text(codec::to_json(&plan.outcomes)),
        text(iso(start)),
        text(iso(plan_end)),
        Cell::OptText(plan.over_budget_reason.clone()),
        Cell::Int(allocation.total.pence()),
        Cell::Int(total.pence()),
        Cell::Int(total.pence()),
        text(stamp(decided - Duration::days(7))),
        text(stamp(decided)),
        text("Synthetic team manager"),
        Cell::Int(3),
        text(stamp(assessed_on)),
        text(stamp(decided)),
    ]);
    // The lines as the ledger sees them, and each one's four-weekly share (a thirteenth).
    let mut lines = Vec::with_capacity(plan.lines.len());
    for (position, (line, deployment)) in plan.lines.iter().zip(&chosen).enumerate() {
        let id = ids.next();
        batch.rows[PLAN_LINES].push(vec![
            text(id.to_string()),
            text(&cid),
            text(&plan_id),
            Cell::Int(position as i64),
            text(&line.description),
            text(&line.provider),
            text(line.category.code()),
            text(line.frequency.code()),
            text(line.units_per_period.normalize().to_string()),
            Cell::Int(line.unit_cost.pence()),
            Cell::Int(line.annual_cost().pence()),
            text(line.stream.code()),
            text(deployment.code()),
        ]);
        batch.counts.plan_lines += 1;
        lines.push(FundedLine { id, stream: line.stream.clone(), deployment: *deployment, annual_cost: line.annual_cost(), in_force: InForce::WHOLE_PLAN });
    }

    // The account: open until the person leaves (about one in ten a year) or beyond the end.
    let leaves = rng.gen_bool(0.25).then(|| start + Duration::days(rng.gen_range(120..1_100)));
    let account_end = leaves.unwrap_or(end + Duration::days(365));
    let includes_dp = chosen.contains(&DeploymentOption::DirectPayment);
    let account_uuid = ids.next();
    let account_id = account_uuid.to_string();
    let contribution = if rng.gen_bool(0.3) { Money::from_pence(rng.gen_range(500..9_000)) } else { Money::ZERO };
    let mut due = first_review_due(start, includes_dp);
    let last_day = end.min(account_end);
    // Reviews: completed around their due date while the person is supported.
    let mut reviews = Vec::new();
    while due <= last_day {
        let done = due + Duration::days(rng.gen_range(-20..40));
        if done > last_day {
            break;
        }
        reviews.push((due, done));
        due = next_review_due(done);
    }
    batch.rows[ACCOUNTS].push(vec![
        text(&account_id),
        text(&cid),
        text(&person_id),
        text(&plan_id),
        text(overall(chosen.iter().copied()).expect("at least one line").code()),
        Cell::Int(i64::from(includes_dp)),
        Cell::Int(total.pence()),
        text(iso(start)),
        text(iso(account_end)),
        text(iso(due)),
        Cell::Int(1),
        text(stamp(start)),
        Cell::Int(contribution.pence()),
    ]);
    batch.counts.accounts += 1;
    if includes_dp {
        batch.rows[BANK].push(vec![
            text(&account_id),
            text(&cid),
            text(format!("{} DP ACCOUNT", family.to_uppercase())),
            text(format!("{:02}-{:02}-{:02}", rng.gen_range(10..99), rng.gen_range(0..99), rng.gen_range(0..99))),
            text(format!("{:08}", rng.gen_range(10_000_000..99_999_999))),
            text(stamp(start)),
        ]);
    }
    for (due_on, completed) in &reviews {
        batch.rows[REVIEWS].push(vec![
            text(ids.text()),
            text(&cid),
            text(&person_id),
            text(&account_id),
            text(iso(*due_on)),
            text(iso(*completed)),
            text("Synthetic reviewer"),
            text("Outcomes reviewed with the person; the plan continues."),
            text(stamp(*completed)),
        ]);
        batch.counts.reviews += 1;
        if rng.gen_bool(0.35) {
            survey(batch, rng, ids, &catalogues.survey, [&cid, &person_id, &account_id], *completed, includes_dp);
        }
    }

    // The money, four-weekly from the start, through the same operations and the same
    // gate as production: allocated each year; the payment run pays direct payments to the
    // person (less any contribution) and ISF money to the provider, for days not yet paid;
    // council-managed lines are paid on the provider's invoice; spending is shown by
    // quarterly returns.
    let book = AccountBook::new(start, account_end, None, Balances::default(), Vec::new());
    let providers = plan.lines.iter().map(|l| l.provider.clone()).collect();
    let mut ledger = Ledger { run: RunAccount { book, weekly_contribution: contribution, lines: lines.clone(), providers }, entries: Vec::new() };
    let mut year_start = start;
    let mut period = 0u32;
    let mut day = start;
    let mut unreported: BTreeMap<usize, Money> = BTreeMap::new();
    let four_weekly: Vec<Money> = lines.iter().map(|l| Money::from_pence(l.annual_cost.pence() / 13)).collect();
    while day <= last_day {
        if day >= year_start {
            ledger.post(ids, allocate_budget(&lines, year_start).expect("plan lines are valid"), EntryExtra::default());
            year_start = add_months(year_start, 12);
        }
        let run = run_account(&ledger.run, Period::four_weeks_from(day), day);
        for payment in run.payments {
            let payee = match &payment.payee {
                RunPayee::BudgetHolder => None,
                RunPayee::Provider(name) => Some(name.clone()),
            };
            ledger.post(ids, payment.entry, EntryExtra { payee, purpose: None });
        }
        if let Some(invoice) = run.invoice {
            ledger.post(ids, invoice.entry, EntryExtra::default());
        }
        for (i, (line, detail)) in lines.iter().zip(&plan.lines).enumerate() {
            match line.deployment {
                DeploymentOption::DirectPayment | DeploymentOption::IndividualServiceFund => {
                    *unreported.entry(i).or_default() += four_weekly[i];
                }
                DeploymentOption::CouncilManaged => {
                    // Providers of the main line bill every four weeks; smaller lines every twelve.
                    let every = if i == 0 { 1 } else { 3 };
                    if four_weekly[i].is_zero() || !period.is_multiple_of(every) {
                        continue;
                    }
                    let due = Money::from_pence(four_weekly[i].pence() * every as i64);
                    let billed = Money::from_pence(due.pence() * rng.gen_range(90..=100) / 100);
                    let on = day + Duration::days(rng.gen_range(28..40));
                    // The invoice as a provider sends it, accepted as production accepts one.
                    let claim = Claim {
                        provider: detail.provider.clone(),
                        invoice_ref: format!("INV-{}", ids.sequence()),
                        person_id: person_uuid,
                        category: detail.category,
                        period_start: day,
                        period_end: day + Duration::days(28 * every as i64 - 1),
                        units: (Decimal::from(billed.pence()) / Decimal::from(detail.unit_cost.pence().max(1))).round_dp(2).normalize(),
                        unit_rate: detail.unit_cost,
                    };
                    if on <= end && claim.period_end <= account_end && ledger.accept_invoice(ids, account_uuid, line, &claim) {
                        let entry_id = ledger.entries.last().expect("just posted").0.clone();
                        batch.rows[INVOICES].push(vec![
                            text(ids.text()),
                            text(&cid),
                            text(&detail.provider),
                            text(&claim.invoice_ref),
                            text(&account_id),
                            text(line.id.to_string()),
                            text(detail.category.code()),
                            text(iso(claim.period_start)),
                            text(iso(claim.period_end)),
                            text(claim.units.to_string()),
                            Cell::Int(detail.unit_cost.pence()),
                            Cell::Int(claim.amount().pence()),
                            text("accepted"),
                            Cell::OptText(None),
                            Cell::OptText(None),
                            text(entry_id),
                            text(stamp(on)),
                            text(&person_id),
                            Cell::OptInt(None),
                        ]);
                        batch.counts.invoices += 1;
                    }
                }
            }
        }
        period += 1;
        // Returns each quarter (from the person for direct payments, from the provider for
        // an ISF): most of what was paid, spent on the line.
        if period.is_multiple_of(3) {
            for (i, paid) in std::mem::take(&mut unreported) {
                let (line, detail) = (&lines[i], &plan.lines[i]);
                let share = if line.deployment == DeploymentOption::DirectPayment { 80..=100 } else { 85..=100 };
                let spent = Money::from_pence(paid.pence() * rng.gen_range(share) / 100);
                let on = day + Duration::days(rng.gen_range(1..20));
                if on <= end && !spent.is_zero() {
                    ledger.spend(ids, line, spent, on, &detail.provider);
                }
            }
        }
        day += Duration::days(28);
    }
    for (id, entry, extra) in &ledger.entries {
        let details = EntryDetails { payee_name: extra.payee.as_deref(), purpose: extra.purpose, ..Default::default() };
        let rows = ledger_entry_rows(&cid, &[NewEntry { id: id.clone(), account_id: &account_id, entry, details }], &stamp(entry.occurred_on()));
        batch.counts.postings += rows.postings.len() as u64;
        batch.counts.entries += 1;
        batch.rows[ENTRIES].extend(rows.entries);
        batch.rows[POSTINGS].extend(rows.postings);
        batch.rows[PAID_DAYS].extend(rows.paid_days);
    }
}

#[derive(Default)]
struct EntryExtra {
    payee: Option<String>,
    purpose: Option<&'static str>,
}

/// One account's journal as it is built, with the money gate's book of the account: every
/// entry is admitted by it, as the store's `post` admits production's.
struct Ledger {
    run: RunAccount,
    entries: Vec<(String, JournalEntry, EntryExtra)>,
}

impl Ledger {
    fn post(&mut self, ids: &mut Ids, entry: JournalEntry, extra: EntryExtra) {
        self.run.book.admit(&entry).expect("the generator's entries pass the money gate");
        self.entries.push((ids.text(), entry, extra));
    }

    /// Accepts a provider's invoice for a council-managed line, through the claim's own
    /// entry (as `ClaimBook` accepts one), if the money is there; says whether it was.
    fn accept_invoice(&mut self, ids: &mut Ids, account_id: Uuid, line: &FundedLine, claim: &Claim) -> bool {
        let amount = claim.amount();
        if amount.is_zero() || amount > self.run.book.balances().get(LedgerAccount::Available, &line.stream) {
            return false;
        }
        let accepted = AcceptedClaim { account_id, line_id: line.id, stream: line.stream.clone(), deployment: line.deployment, amount };
        self.post(ids, accepted.entry(claim), EntryExtra { payee: Some(claim.provider.clone()), purpose: None });
        true
    }

    fn spend(&mut self, ids: &mut Ids, line: &FundedLine, amount: Money, on: Date, provider: &str) {
        let held = match line.deployment {
            DeploymentOption::DirectPayment => LedgerAccount::HeldByBudgetHolder,
            _ => LedgerAccount::HeldByProvider,
        };
        let amount = amount.min(self.run.book.balances().get(held, &line.stream));
        if amount.is_zero() {
            return;
        }
        if let Ok(entry) = record_spending(self.run.book.balances(), line, amount, on, "Spending on the plan") {
            self.post(ids, entry, EntryExtra { payee: Some(provider.to_string()), purpose: Some("care_and_support") });
        }
    }
}

fn survey(batch: &mut Batch, rng: &mut ChaCha8Rng, ids: &mut Ids, survey: &Survey, [cid, person_id, account_id]: [&str; 3], on: Date, direct_payment: bool) {
    let respondent = if rng.gen_bool(0.8) { "budget_holder" } else { "carer" };
    let version = survey.version_for(respondent).expect("both versions ship");
    // People with direct payments report a little more choice and control.
    let lean = if direct_payment { 2.2 } else { 1.8 };
    let answers: BTreeMap<String, usize> = version
        .questions
        .iter()
        .map(|q| {
            let top = q.answers.len() - 1;
            // Synthetic only: a float picks an answer, never an amount of money.
            (q.id.clone(), (lean + rng.gen_range(-1.4..1.2_f64)).round().clamp(0.0, top as f64) as usize)
        })
        .collect();
    let scores = score_response(survey, respondent, &answers).expect("answers come from the survey");
    batch.rows[SURVEYS].push(vec![
        text(ids.text()),
        text(cid),
        text(person_id),
        text(account_id),
        text(&survey.id),
        Cell::Int(survey.version),
        text(respondent),
        text(codec::to_json(&answers)),
        text(codec::to_json(&scores)),
        text(iso(on)),
        text(stamp(on)),
    ]);
    batch.counts.surveys += 1;
}
