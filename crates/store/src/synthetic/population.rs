//! A synthetic population that looks like an English council's: names, addresses, client
//! groups, how much support people need, and what they choose to buy. Shared by the demo
//! (through the store's use cases) and the national-scale generator (bulk loads).
//! Deterministic: the same random-number generator state gives the same people.

use rand::seq::SliceRandom;
use rand::Rng;
use rand_chacha::ChaCha8Rng;
use rust_decimal::Decimal;
use selfdirect_domain::assessment::Questionnaire;
use selfdirect_domain::deployment::streams::FundingStreams;
use selfdirect_domain::person::ClientGroup;
use selfdirect_domain::plan::{PlanInput, PlanLineInput};
use selfdirect_domain::Money;
use std::collections::BTreeMap;

pub const GIVEN: &[&str] = &[
    "Margaret",
    "Arthur",
    "Priya",
    "Tomasz",
    "Aisha",
    "David",
    "Eileen",
    "Kwame",
    "Siobhan",
    "Mohammed",
    "Grace",
    "Hamish",
    "Nia",
    "Oluwaseun",
    "Patricia",
    "Rhys",
    "Sunita",
    "Callum",
    "Fatima",
    "George",
    "Joan",
    "Imran",
    "Megan",
    "Winston",
    "Ling",
    "Declan",
    "Bronwen",
    "Yusuf",
    "Harriet",
    "Stanley",
];
pub const FAMILY: &[&str] = &[
    "Okafor",
    "Smith",
    "Patel",
    "Kowalski",
    "Rahman",
    "Jones",
    "O'Brien",
    "Mensah",
    "Murphy",
    "Hussain",
    "Taylor",
    "MacLeod",
    "Evans",
    "Adeyemi",
    "Brown",
    "Williams",
    "Sharma",
    "Campbell",
    "Begum",
    "Wright",
    "Clarke",
    "Khan",
    "Davies",
    "Thompson",
    "Chen",
    "Walsh",
    "Griffiths",
    "Ali",
    "Hughes",
    "Green",
];
pub const STREETS: &[&str] =
    &["Mill Lane", "Church Street", "Victoria Road", "The Crescent", "Orchard Close", "Station Road", "Park View", "Meadow Way", "High Street", "Canal Walk"];

pub struct Item {
    pub description: &'static str,
    pub provider: &'static str,
    pub category: &'static str,
    pub frequency: &'static str,
    pub unit_cost: &'static str,
    pub units: (u32, u32),
    pub stream: &'static str,
    /// The main line is scaled so the plan comes near the indicative budget.
    pub main: bool,
}

pub const fn item(
    description: &'static str,
    provider: &'static str,
    category: &'static str,
    frequency: &'static str,
    unit_cost: &'static str,
    units: (u32, u32),
) -> Item {
    Item { description, provider, category, frequency, unit_cost, units, stream: "adult_social_care", main: false }
}

pub const fn main_item(description: &'static str, provider: &'static str, category: &'static str, unit_cost: &'static str) -> Item {
    Item { description, provider, category, frequency: "weekly", unit_cost, units: (1, 1), stream: "adult_social_care", main: true }
}

pub fn catalogue(rng: &mut ChaCha8Rng, group: ClientGroup) -> Vec<Item> {
    let pa = main_item("Personal assistant hours", "Personal assistant (employed directly)", "personal_assistant", "14.75");
    let home_care = main_item("Home care visits (hours)", "Bluebell Home Care Ltd", "personal_care", "24.50");
    let supported_living = main_item("Support worker hours", "Harbour Support Services", "personal_care", "22.80");
    let mut items = match group {
        ClientGroup::OlderPerson => vec![
            home_care,
            item("Lunch club", "St Mark's Community Centre", "day_service", "weekly", "12.00", (1, 3)),
            item("Taxi to the lunch club", "Demoton Cabs", "transport", "weekly", "9.50", (1, 2)),
            item("Short break at a holiday cottage instead of respite care", "Seaview Cottages", "respite", "yearly", "650.00", (1, 1)),
            item("Personal alarm and falls sensor", "Telecare Direct", "equipment", "monthly", "18.50", (1, 1)),
        ],
        ClientGroup::LearningDisability | ClientGroup::Autism => vec![
            supported_living,
            item("Day service", "Riverside Day Centre", "day_service", "weekly", "48.00", (1, 3)),
            item("Art course at Demoton College", "Demoton College", "education", "yearly", "420.00", (1, 1)),
            item("Swimming and gym membership", "Demoton Leisure Centre", "leisure", "monthly", "32.00", (1, 1)),
            item("Job coach", "Pathways Employment", "employment", "weekly", "22.00", (2, 4)),
            item("Digital camera for the photography group", "High street shop", "equipment", "one_off", "329.00", (1, 1)),
        ],
        ClientGroup::MentalHealth => vec![
            pa,
            item("Tenancy support", "Homeward Housing Support", "housing_support", "weekly", "19.80", (2, 5)),
            item("Allotment plot and tools", "Demoton Allotment Society", "leisure", "yearly", "85.00", (1, 1)),
            item("Peer support worker", "Mind the Gap Peer Support", "other", "weekly", "21.00", (1, 3)),
            Item { stream: "nhs_personal_health_budget", ..item("Talking therapy sessions", "Open Door Therapy", "other", "weekly", "45.00", (1, 1)) },
        ],
        ClientGroup::PhysicalDisability | ClientGroup::SensoryImpairment => vec![
            pa,
            item("Adapted bike hire", "Wheels for All", "leisure", "monthly", "25.00", (1, 2)),
            item("Accessible taxi", "Demoton Cabs", "transport", "weekly", "12.50", (1, 3)),
            Item { stream: "nhs_personal_health_budget", ..item("Physiotherapy sessions", "Active Physio", "other", "weekly", "42.00", (1, 1)) },
            item("Voice-controlled home hub", "High street shop", "equipment", "one_off", "149.00", (1, 1)),
        ],
        ClientGroup::Carer => vec![
            main_item("Replacement care so I can have a break", "Bluebell Home Care Ltd", "respite", "24.50"),
            item("Gym membership", "Demoton Leisure Centre", "leisure", "monthly", "28.00", (1, 1)),
            item("Driving lessons", "Demoton School of Motoring", "education", "weekly", "34.00", (1, 1)),
        ],
    };
    items.shuffle(rng);
    items.sort_by_key(|i| !i.main);
    items
}

pub fn pick_group(rng: &mut ChaCha8Rng) -> ClientGroup {
    // Roughly the mix of people on long-term support in an English council.
    let roll = rng.gen_range(0..100);
    match roll {
        0..=44 => ClientGroup::OlderPerson,
        45..=64 => ClientGroup::LearningDisability,
        65..=77 => ClientGroup::PhysicalDisability,
        78..=89 => ClientGroup::MentalHealth,
        90..=93 => ClientGroup::SensoryImpairment,
        94..=96 => ClientGroup::Autism,
        _ => ClientGroup::Carer,
    }
}

/// How much support a person needs, 0 (little) to 1 (a great deal), by group.
pub fn severity(rng: &mut ChaCha8Rng, group: ClientGroup) -> f64 {
    let (low, high) = match group {
        ClientGroup::OlderPerson => (0.25, 0.85),
        ClientGroup::LearningDisability | ClientGroup::Autism => (0.35, 0.95),
        ClientGroup::PhysicalDisability => (0.3, 0.9),
        ClientGroup::MentalHealth => (0.1, 0.55),
        ClientGroup::SensoryImpairment => (0.15, 0.6),
        ClientGroup::Carer => (0.05, 0.35),
    };
    rng.gen_range(low..high)
}

pub fn answers(rng: &mut ChaCha8Rng, questionnaire: &Questionnaire, severity: f64) -> BTreeMap<String, String> {
    questionnaire
        .questions()
        .map(|(_, q)| {
            // Synthetic only: a float picks which answer, never an amount of money.
            let top = (q.options.len() - 1) as f64;
            let index = (severity * top + rng.gen_range(-0.7..0.7)).round().clamp(0.0, top) as usize;
            (q.id.clone(), q.options[index].id.clone())
        })
        .collect()
}

/// Lines for a plan that comes to near `target` a year.
pub fn plan_lines(rng: &mut ChaCha8Rng, group: ClientGroup, target: Money, streams: &FundingStreams) -> Vec<PlanLineInput> {
    let items = catalogue(rng, group);
    let extras = rng.gen_range(1..=3.min(items.len() - 1));
    let mut lines: Vec<PlanLineInput> = Vec::new();
    let mut extras_cost = Money::ZERO;
    for it in items.iter().skip(1).take(extras) {
        let units = rng.gen_range(it.units.0..=it.units.1);
        let line = to_input(it, Decimal::from(units));
        extras_cost += annual(&line, streams);
        lines.push(line);
    }
    let main = &items[0];
    let weekly_cost: Money = main.unit_cost.parse().expect("catalogue prices are valid");
    let remaining = target.checked_sub(extras_cost).filter(|m| !m.is_negative()).unwrap_or(Money::from_pounds(500));
    // Hours a week, to the half hour, that spend what is left.
    let hours = (remaining.to_decimal() / (weekly_cost.to_decimal() * Decimal::from(52)) * Decimal::from(2)).round() / Decimal::from(2);
    let hours = hours.max(Decimal::new(5, 1));
    lines.insert(0, to_input(main, hours));
    lines
}

pub fn to_input(it: &Item, units: Decimal) -> PlanLineInput {
    PlanLineInput {
        description: it.description.into(),
        provider: it.provider.into(),
        category: it.category.into(),
        frequency: it.frequency.into(),
        units_per_period: units.normalize().to_string(),
        unit_cost: it.unit_cost.into(),
        stream: Some(it.stream.into()),
        risk_note: None,
    }
}

pub fn annual(line: &PlanLineInput, streams: &FundingStreams) -> Money {
    let input = PlanInput {
        outcomes: vec!["x".into()],
        lines: vec![line.clone()],
        start_date: "2026-01-01".into(),
        end_date: "2026-12-31".into(),
        over_budget_reason: None,
    };
    selfdirect_domain::plan::validate_plan(&input, streams).expect("catalogue lines are valid").total()
}

pub const OUTCOMES: &[&str] = &[
    "Stay living in my own home",
    "Get out and see my friends every week",
    "Give my daughter a proper break from caring",
    "Find paid work, even a few hours a week",
    "Take up photography again",
    "Feel safe at night",
    "Learn to cook my own meals",
    "Go swimming regularly",
    "Manage my money and pay my bills on time",
];
