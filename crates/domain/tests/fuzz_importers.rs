//! Fuzzing the importers with proptest: the questionnaire loader, the funding-stream
//! configuration, the calibration and claims CSV readers. Whatever they are given,
//! arbitrary text or a real file damaged line by line, they answer with a value or an
//! error, never a panic; and a damaged questionnaire that still loads still allocates.

use proptest::prelude::*;
use selfdirect_domain::assessment::{highest_answers, Questionnaire, STANDARD_QUESTIONNAIRE_TOML};
use selfdirect_domain::deployment::streams::{FundingStreams, STANDARD_STREAMS_TOML};
use selfdirect_domain::money::claims::parse_claims_csv;
use selfdirect_domain::person::ClientGroup;
use selfdirect_domain::ras::allocate;
use selfdirect_domain::ras::calibration::parse_packages;

/// A way to damage a file, line by line.
#[derive(Debug, Clone)]
enum Damage {
    Remove(usize),
    Duplicate(usize),
    Replace(usize, String),
    Swap(usize, usize),
    Truncate(usize),
}

fn damage() -> impl Strategy<Value = Damage> {
    prop_oneof![
        any::<usize>().prop_map(Damage::Remove),
        any::<usize>().prop_map(Damage::Duplicate),
        (any::<usize>(), ".{0,40}").prop_map(|(i, s)| Damage::Replace(i, s)),
        (any::<usize>(), any::<usize>()).prop_map(|(a, b)| Damage::Swap(a, b)),
        any::<usize>().prop_map(Damage::Truncate),
    ]
}

fn damaged(text: &str, damages: &[Damage]) -> String {
    let mut lines: Vec<String> = text.lines().map(str::to_string).collect();
    for d in damages {
        if lines.is_empty() {
            break;
        }
        let n = lines.len();
        match d {
            Damage::Remove(i) => {
                lines.remove(i % n);
            }
            Damage::Duplicate(i) => {
                let line = lines[i % n].clone();
                lines.insert(i % n, line);
            }
            Damage::Replace(i, s) => lines[i % n] = s.clone(),
            Damage::Swap(a, b) => lines.swap(a % n, b % n),
            Damage::Truncate(i) => {
                let line = &mut lines[i % n];
                let keep = line.char_indices().nth(line.chars().count() / 2).map(|(at, _)| at).unwrap_or(0);
                line.truncate(keep);
            }
        }
    }
    lines.join("\n")
}

/// CSV-ish text: cells from a small alphabet of plausible and hostile values.
fn csvish() -> impl Strategy<Value = String> {
    let cell = prop_oneof![
        Just(String::new()),
        Just("older_person".to_string()),
        Just("12000.00".to_string()),
        Just("-5".to_string()),
        Just("2026-04-01".to_string()),
        Just("\"quoted, with comma\"".to_string()),
        Just("\"unclosed".to_string()),
        "[a-z_]{1,12}",
        "[0-9.]{1,10}",
        ".{0,8}",
    ];
    prop::collection::vec(prop::collection::vec(cell, 0..10).prop_map(|cells| cells.join(",")), 0..12).prop_map(|lines| lines.join("\n"))
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 300, ..ProptestConfig::default() })]

    #[test]
    fn the_questionnaire_loader_never_panics_on_arbitrary_text(text in ".{0,400}") {
        let _ = Questionnaire::from_toml("fuzz.toml", &text);
    }

    #[test]
    fn a_damaged_questionnaire_is_refused_or_still_works(damages in prop::collection::vec(damage(), 1..6)) {
        let text = damaged(STANDARD_QUESTIONNAIRE_TOML, &damages);
        if let Ok(q) = Questionnaire::from_toml("damaged.toml", &text) {
            // If it loads, it must still be usable from end to end.
            let scores = q.score(&highest_answers(&q)).expect("its own highest answers score");
            for group in ClientGroup::ALL {
                let a = allocate(&q.allocation, &scores, *group);
                prop_assert!(!a.total.is_negative());
            }
        }
    }

    #[test]
    fn the_funding_stream_loader_never_panics(damages in prop::collection::vec(damage(), 0..6), noise in ".{0,200}") {
        let _ = FundingStreams::from_toml("fuzz.toml", &noise);
        let _ = FundingStreams::from_toml("damaged.toml", &damaged(STANDARD_STREAMS_TOML, &damages));
    }

    #[test]
    fn the_calibration_csv_reader_never_panics(body in csvish()) {
        let q = Questionnaire::standard();
        let header = "reference,client_group,annual_cost";
        let _ = parse_packages(&body, &q);
        let _ = parse_packages(&format!("{header}\n{body}"), &q);
    }

    #[test]
    fn the_claims_csv_reader_never_panics_on_csvish_text(body in csvish()) {
        let header = "provider,invoice_ref,person_id,service_category,period_start,period_end,units,unit_rate";
        let _ = parse_claims_csv(&body);
        let _ = parse_claims_csv(&format!("{header}\n{body}"));
    }
}
