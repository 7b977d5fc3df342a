//! Step 7: outcome surveys, asked at review. A versioned survey (TOML data) with a version
//! for the budget holder and one for their carer; answers score 1 (worst) to 4 (best) in
//! outcome domains, and results are averaged per group in whole hundredths.

use crate::validation::Problems;
use serde::{Deserialize, Serialize};
use std::collections::{BTreeMap, BTreeSet};

/// The outcome survey shipped with selfdirect.
pub const STANDARD_SURVEY_TOML: &str = include_str!("../../../../surveys/outcomes-v1.toml");

/// Outcome domains a question may score.
pub const DOMAINS: [&str; 5] = ["choice_and_control", "quality_of_life", "dignity", "relationships", "carer_wellbeing"];

#[derive(Debug, Clone, PartialEq, Eq, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct SurveyQuestion {
    pub id: String,
    pub domain: String,
    pub text: String,
    /// From worst (scores 1) to best (scores 4).
    pub answers: Vec<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct SurveyVersion {
    /// `budget_holder` or `carer`.
    pub respondent: String,
    pub questions: Vec<SurveyQuestion>,
}

#[derive(Debug, Clone, PartialEq, Eq, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct Survey {
    pub id: String,
    pub version: i64,
    pub versions: Vec<SurveyVersion>,
}

impl Survey {
    pub fn standard() -> Survey {
        Survey::from_toml("outcomes-v1.toml", STANDARD_SURVEY_TOML).expect("the shipped survey is valid")
    }

    /// Reads and checks a survey file: known domains, four answers per question, unique ids.
    pub fn from_toml(source: &str, text: &str) -> Result<Survey, String> {
        let survey: Survey = toml::from_str(text).map_err(|e| format!("{source}: {e}"))?;
        let mut seen = BTreeSet::new();
        for v in &survey.versions {
            if !matches!(v.respondent.as_str(), "budget_holder" | "carer") {
                return Err(format!("{source}: respondent '{}' is not budget_holder or carer", v.respondent));
            }
            for q in &v.questions {
                if !DOMAINS.contains(&q.domain.as_str()) {
                    return Err(format!("{source}: question '{}' has unknown domain '{}'", q.id, q.domain));
                }
                if q.answers.len() != 4 {
                    return Err(format!("{source}: question '{}' needs 4 answers, worst first, not {}", q.id, q.answers.len()));
                }
                if !seen.insert(q.id.clone()) {
                    return Err(format!("{source}: question id '{}' is used twice", q.id));
                }
            }
        }
        Ok(survey)
    }

    pub fn version_for(&self, respondent: &str) -> Option<&SurveyVersion> {
        self.versions.iter().find(|v| v.respondent == respondent)
    }
}

/// Scores per domain for one response: the sum and count of its answers' scores.
pub type DomainScores = BTreeMap<String, (i64, i64)>;

/// Checks a response (question id → answer index, 0 = worst) and scores it.
pub fn score_response(survey: &Survey, respondent: &str, answers: &BTreeMap<String, usize>) -> Result<DomainScores, Problems> {
    let mut p = Problems::new();
    let Some(version) = survey.version_for(respondent) else {
        p.add("respondent", format!("'{respondent}' is not one of: budget_holder, carer"));
        return Err(p);
    };
    let mut scores = DomainScores::new();
    for q in &version.questions {
        match answers.get(&q.id) {
            None => p.add(format!("answers.{}", q.id), "answer this question"),
            Some(&a) if a >= q.answers.len() => p.add(format!("answers.{}", q.id), format!("answer {a} is not one of 0 to {}", q.answers.len() - 1)),
            Some(&a) => {
                let slot = scores.entry(q.domain.clone()).or_insert((0, 0));
                slot.0 += a as i64 + 1;
                slot.1 += 1;
            }
        }
    }
    for id in answers.keys() {
        if !version.questions.iter().any(|q| &q.id == id) {
            p.add(format!("answers.{id}"), "is not a question of this survey");
        }
    }
    p.into_result(scores)
}

/// Average score (1 to 4, in hundredths) per domain across responses, with the number of
/// responses behind it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct DomainResult {
    pub domain: String,
    /// e.g. 325 for an average of 3.25.
    pub average_hundredths: i64,
    pub responses: i64,
}

/// Combines responses' domain scores into averages, rounded half up to the hundredth.
pub fn average(responses: &[DomainScores]) -> Vec<DomainResult> {
    let mut totals: BTreeMap<&String, (i64, i64, i64)> = BTreeMap::new();
    for r in responses {
        for (domain, (sum, count)) in r {
            let t = totals.entry(domain).or_default();
            t.0 += sum;
            t.1 += count;
            t.2 += 1;
        }
    }
    totals
        .into_iter()
        .map(|(domain, (sum, count, n))| DomainResult { domain: domain.clone(), average_hundredths: (sum * 200 + count) / (2 * count), responses: n })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_shipped_survey_loads_and_bad_ones_are_refused() {
        let s = Survey::standard();
        assert_eq!((s.id.as_str(), s.version, s.versions.len()), ("outcomes", 1, 2));
        assert_eq!(s.version_for("carer").unwrap().questions.len(), 4);
        let bad = STANDARD_SURVEY_TOML.replacen("domain = \"dignity\"", "domain = \"happiness\"", 1);
        assert!(Survey::from_toml("bad.toml", &bad).unwrap_err().contains("unknown domain 'happiness'"));
    }

    #[test]
    fn responses_are_checked_scored_and_averaged() {
        let s = Survey::standard();
        let all = |a: usize| s.version_for("budget_holder").unwrap().questions.iter().map(|q| (q.id.clone(), a)).collect::<BTreeMap<_, _>>();
        let best = score_response(&s, "budget_holder", &all(3)).unwrap();
        assert_eq!(best["choice_and_control"], (4, 1));
        let mut missing = all(1);
        missing.remove("dignity");
        missing.insert("unknown".into(), 0);
        missing.insert("control".into(), 9);
        let fields: Vec<String> = score_response(&s, "budget_holder", &missing).unwrap_err().as_slice().iter().map(|e| e.field.clone()).collect();
        assert_eq!(fields, ["answers.control", "answers.dignity", "answers.unknown"]);
        assert!(score_response(&s, "friend", &all(0)).is_err());
        // Averages: 4 and 2 → 3.00; 4, 2 and 3 → 3.00; 4 and 3 → 3.50.
        let two = score_response(&s, "budget_holder", &all(1)).unwrap();
        let r = average(&[best.clone(), two]);
        let control = r.iter().find(|d| d.domain == "choice_and_control").unwrap();
        assert_eq!((control.average_hundredths, control.responses), (300, 2));
        let three = score_response(&s, "budget_holder", &all(2)).unwrap();
        assert_eq!(average(&[best, three])[0].average_hundredths, 350);
    }
}
