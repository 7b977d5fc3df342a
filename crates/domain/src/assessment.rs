//! Step 1 (continued): the supported self-assessment.
//!
//! A questionnaire is data (a TOML file), versioned; an assessment keeps the version it
//! used, so a later change to the questionnaire never changes an old assessment's result.

use crate::ras::AllocationRules;
use crate::validation::Problems;
use serde::{Deserialize, Serialize};
use std::collections::{BTreeMap, HashSet};

/// The need domains a questionnaire may use. A domain outside this list is a mistake
/// in the file (a typo would otherwise silently create a new domain).
pub const KNOWN_DOMAINS: &[&str] = &[
    "personal_care",
    "eating_and_drinking",
    "mobility",
    "daily_living",
    "relationships",
    "work_and_learning",
    "carer_support",
    "risk",
    "communication",
    "health",
];

/// The questionnaire shipped with selfdirect; councils may publish their own versions.
pub const STANDARD_QUESTIONNAIRE_TOML: &str = include_str!("../../../questionnaires/standard-v1.toml");

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Questionnaire {
    pub id: String,
    pub version: i64,
    pub title: String,
    pub allocation: AllocationRules,
    pub domains: Vec<NeedDomain>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct NeedDomain {
    pub id: String,
    pub name: String,
    pub questions: Vec<Question>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Question {
    pub id: String,
    pub text: String,
    pub options: Vec<AnswerOption>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct AnswerOption {
    pub id: String,
    pub label: String,
    pub points: i64,
}

/// A questionnaire file that cannot be used, with the file's name and every problem.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("questionnaire {source_name} cannot be used: {problems}")]
pub struct QuestionnaireError {
    pub source_name: String,
    pub problems: Problems,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct AllocationFile {
    pounds_per_point: String,
    floor: String,
    ceiling: String,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct QuestionnaireFile {
    id: String,
    version: i64,
    title: String,
    allocation: AllocationFile,
    domains: Vec<DomainFile>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct DomainFile {
    id: String,
    name: String,
    questions: Vec<QuestionFile>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct QuestionFile {
    id: String,
    text: String,
    options: Vec<AnswerOption>,
}

impl Questionnaire {
    /// The questionnaire shipped with selfdirect.
    pub fn standard() -> Questionnaire {
        Questionnaire::from_toml("standard-v1.toml", STANDARD_QUESTIONNAIRE_TOML).expect("the shipped questionnaire is valid")
    }

    /// Reads and checks a questionnaire from TOML text. `source_name` (usually the file
    /// name) is quoted in every error.
    pub fn from_toml(source_name: &str, text: &str) -> Result<Questionnaire, QuestionnaireError> {
        let fail = |problems: Problems| QuestionnaireError { source_name: source_name.to_string(), problems };
        let file: QuestionnaireFile = toml::from_str(text).map_err(|e| {
            let mut p = Problems::new();
            let location = e
                .span()
                .map(|span| {
                    let line = text[..span.start.min(text.len())].matches('\n').count() + 1;
                    format!("line {line}")
                })
                .unwrap_or_else(|| "file".to_string());
            p.add(location, e.message().to_string());
            fail(p)
        })?;
        let mut p = Problems::new();
        if file.id.trim().is_empty() {
            p.add("id", "is required");
        }
        if file.version < 1 {
            p.add("version", "must be 1 or more");
        }
        let pounds_per_point = p.positive_money("allocation.pounds_per_point", &file.allocation.pounds_per_point);
        let floor = p.money("allocation.floor", &file.allocation.floor);
        let ceiling = p.positive_money("allocation.ceiling", &file.allocation.ceiling);
        if let (Some(f), Some(c)) = (floor, ceiling) {
            if f > c {
                p.add("allocation.floor", format!("{f} is above the ceiling {c}"));
            }
        }
        if file.domains.is_empty() {
            p.add("domains", "at least one domain is required");
        }
        let mut domain_ids = HashSet::new();
        let mut question_ids = HashSet::new();
        let mut domains = Vec::with_capacity(file.domains.len());
        for (d, domain) in file.domains.into_iter().enumerate() {
            let at = format!("domains[{d}]");
            if !KNOWN_DOMAINS.contains(&domain.id.as_str()) {
                p.add(format!("{at}.id"), format!("'{}' is not a known domain; use one of: {}", domain.id, KNOWN_DOMAINS.join(", ")));
            }
            if !domain_ids.insert(domain.id.clone()) {
                p.add(format!("{at}.id"), format!("domain '{}' appears twice", domain.id));
            }
            if domain.questions.is_empty() {
                p.add(format!("{at}.questions"), "a domain needs at least one question");
            }
            let mut questions = Vec::with_capacity(domain.questions.len());
            for (q, question) in domain.questions.into_iter().enumerate() {
                let qat = format!("{at}.questions[{q}]");
                if !question_ids.insert(question.id.clone()) {
                    p.add(format!("{qat}.id"), format!("question id '{}' is used twice", question.id));
                }
                if question.options.len() < 2 {
                    p.add(format!("{qat}.options"), "a question needs at least two answers to choose from");
                }
                let mut option_ids = HashSet::new();
                for (o, option) in question.options.iter().enumerate() {
                    if option.points < 0 {
                        p.add(format!("{qat}.options[{o}].points"), format!("{} is negative; points must be 0 or more", option.points));
                    }
                    if !option_ids.insert(option.id.as_str()) {
                        p.add(format!("{qat}.options[{o}].id"), format!("answer id '{}' is used twice in this question", option.id));
                    }
                }
                questions.push(Question { id: question.id, text: question.text, options: question.options });
            }
            domains.push(NeedDomain { id: domain.id, name: domain.name, questions });
        }
        if !p.is_empty() {
            return Err(fail(p));
        }
        Ok(Questionnaire {
            id: file.id,
            version: file.version,
            title: file.title,
            allocation: AllocationRules {
                pounds_per_point: pounds_per_point.expect("checked"),
                floor: floor.expect("checked"),
                ceiling: ceiling.expect("checked"),
            },
            domains,
        })
    }

    pub fn questions(&self) -> impl Iterator<Item = (&NeedDomain, &Question)> {
        self.domains.iter().flat_map(|d| d.questions.iter().map(move |q| (d, q)))
    }

    /// Scores a set of answers (question id → answer id). Every question must be answered
    /// with one of its own answers; unknown questions are refused.
    pub fn score(&self, answers: &BTreeMap<String, String>) -> Result<Scores, Problems> {
        let mut p = Problems::new();
        let mut domains = Vec::with_capacity(self.domains.len());
        for domain in &self.domains {
            let mut points = 0;
            let mut chosen = Vec::new();
            for question in &domain.questions {
                let field = format!("answers.{}", question.id);
                match answers.get(&question.id) {
                    None => p.add(field, format!("is not answered: \"{}\"", question.text)),
                    Some(answer) => match question.options.iter().find(|o| &o.id == answer) {
                        None => {
                            let ids: Vec<&str> = question.options.iter().map(|o| o.id.as_str()).collect();
                            p.add(field, format!("'{answer}' is not an answer to this question; choose one of: {}", ids.join(", ")))
                        }
                        Some(option) => {
                            points += option.points;
                            chosen.push(ChosenAnswer {
                                question_id: question.id.clone(),
                                question: question.text.clone(),
                                answer_id: option.id.clone(),
                                answer: option.label.clone(),
                                points: option.points,
                            });
                        }
                    },
                }
            }
            domains.push(DomainScore { domain_id: domain.id.clone(), domain: domain.name.clone(), points, answers: chosen });
        }
        for question_id in answers.keys() {
            if !self.questions().any(|(_, q)| &q.id == question_id) {
                p.add(format!("answers.{question_id}"), "is not a question in this questionnaire");
            }
        }
        p.into_result(Scores { questionnaire_id: self.id.clone(), questionnaire_version: self.version, domains })
    }
}

/// The points an assessment scored, per domain, with the answers behind them.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Scores {
    pub questionnaire_id: String,
    pub questionnaire_version: i64,
    pub domains: Vec<DomainScore>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct DomainScore {
    pub domain_id: String,
    pub domain: String,
    pub points: i64,
    pub answers: Vec<ChosenAnswer>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ChosenAnswer {
    pub question_id: String,
    pub question: String,
    pub answer_id: String,
    pub answer: String,
    pub points: i64,
}

impl Scores {
    pub fn total_points(&self) -> i64 {
        self.domains.iter().map(|d| d.points).sum()
    }
}

/// A convenience for tests and demos: the highest-scoring answer to every question.
pub fn highest_answers(q: &Questionnaire) -> BTreeMap<String, String> {
    q.questions()
        .map(|(_, question)| {
            let best = question.options.iter().max_by_key(|o| o.points).expect("validated: at least two options");
            (question.id.clone(), best.id.clone())
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_standard_questionnaire_loads() {
        let q = Questionnaire::standard();
        assert_eq!(q.version, 1);
        assert!(q.domains.len() >= 8);
    }

    #[test]
    fn scores_per_domain() {
        let q = Questionnaire::standard();
        let answers = highest_answers(&q);
        let scores = q.score(&answers).unwrap();
        assert_eq!(scores.total_points(), 192);
        let personal_care = &scores.domains[0];
        assert_eq!(personal_care.points, 70);
        assert_eq!(personal_care.answers.len(), 2);
    }

    #[test]
    fn missing_and_unknown_answers_are_named() {
        let q = Questionnaire::standard();
        let mut answers = highest_answers(&q);
        answers.remove("meals");
        answers.insert("nights".into(), "always".into());
        answers.insert("favourite_colour".into(), "blue".into());
        let problems = q.score(&answers).unwrap_err();
        let fields: Vec<_> = problems.as_slice().iter().map(|e| e.field.as_str()).collect();
        assert_eq!(fields, ["answers.nights", "answers.meals", "answers.favourite_colour"]);
    }

    #[test]
    fn bad_files_name_the_file_and_field() {
        let bad = STANDARD_QUESTIONNAIRE_TOML
            .replace("id = \"mobility\"", "id = \"mobilty\"")
            .replace("id = \"meals\"", "id = \"nights\"")
            .replace("points = 26", "points = -26");
        let err = Questionnaire::from_toml("council-v2.toml", &bad).unwrap_err();
        assert_eq!(err.source_name, "council-v2.toml");
        let text = err.to_string();
        assert!(text.contains("council-v2.toml"), "{text}");
        assert!(text.contains("'mobilty' is not a known domain"), "{text}");
        assert!(text.contains("question id 'nights' is used twice"), "{text}");
        assert!(text.contains("-26 is negative"), "{text}");
    }

    #[test]
    fn syntax_errors_give_a_line() {
        let err = Questionnaire::from_toml("broken.toml", "id = \"x\"\nversion = \n").unwrap_err();
        assert!(err.problems.as_slice()[0].field.starts_with("line 2"), "{err}");
    }
}
