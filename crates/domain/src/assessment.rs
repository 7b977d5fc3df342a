//! Step 1 (continued): the supported self-assessment.
//!
//! A questionnaire is data (a TOML file), versioned; an assessment keeps the version it
//! used, so publishing a new version never changes an old assessment's result. The same
//! file carries the allocation rules the RAS applies to its answers (see [`crate::ras`]).

use crate::ras::{AllocationRules, AllocationRulesFile};
use crate::validation::Problems;
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};
use std::collections::{BTreeMap, HashMap, HashSet};
use toml::Spanned;

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
    /// Support from family and friends that the person and their carer want to keep
    /// reduces the points counted by this percentage (0–100).
    #[serde(default, skip_serializing_if = "Option::is_none", with = "rust_decimal::serde::str_option")]
    #[cfg_attr(feature = "openapi", schema(value_type = Option<String>, example = "20"))]
    pub reduces_points_percent: Option<Decimal>,
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
struct QuestionnaireFile {
    id: Spanned<String>,
    version: Spanned<i64>,
    title: String,
    allocation: AllocationRulesFile,
    domains: Vec<DomainFile>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct DomainFile {
    id: Spanned<String>,
    name: String,
    questions: Vec<QuestionFile>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct QuestionFile {
    id: Spanned<String>,
    text: String,
    options: Vec<OptionFile>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct OptionFile {
    id: Spanned<String>,
    label: String,
    points: Spanned<i64>,
    #[serde(default)]
    reduces_points_percent: Option<Spanned<String>>,
}

/// Locates byte offsets of a TOML text as line numbers, for errors people can act on.
pub(crate) struct Lines<'a>(pub(crate) &'a str);

impl Lines<'_> {
    pub(crate) fn at<T>(&self, spanned: &Spanned<T>) -> String {
        let start = spanned.span().start.min(self.0.len());
        format!("line {}", self.0[..start].matches('\n').count() + 1)
    }
}

/// Names a field and where it is: `domains[2].questions[0].id (line 40)`.
pub(crate) fn located(field: impl AsRef<str>, line: String) -> String {
    format!("{} ({line})", field.as_ref())
}

impl Questionnaire {
    /// The questionnaire shipped with selfdirect.
    pub fn standard() -> Questionnaire {
        Questionnaire::from_toml("standard-v1.toml", STANDARD_QUESTIONNAIRE_TOML).expect("the shipped questionnaire is valid")
    }

    /// Reads and checks a questionnaire from TOML text. `source_name` (usually the file
    /// name) is quoted in every error, and each problem names its field and line.
    pub fn from_toml(source_name: &str, text: &str) -> Result<Questionnaire, QuestionnaireError> {
        let fail = |problems: Problems| QuestionnaireError { source_name: source_name.to_string(), problems };
        let lines = Lines(text);
        let file: QuestionnaireFile = toml::from_str(text).map_err(|e| {
            let mut p = Problems::new();
            let location =
                e.span().map(|span| format!("line {}", text[..span.start.min(text.len())].matches('\n').count() + 1)).unwrap_or_else(|| "file".to_string());
            p.add(location, e.message().to_string());
            fail(p)
        })?;
        let mut p = Problems::new();
        if file.id.get_ref().trim().is_empty() {
            p.add(located("id", lines.at(&file.id)), "is required");
        }
        if *file.version.get_ref() < 1 {
            p.add(located("version", lines.at(&file.version)), "must be 1 or more");
        }
        let mut domain_ids = HashSet::new();
        let mut question_ids = HashSet::new();
        let mut answers_by_question: HashMap<String, Vec<String>> = HashMap::new();
        let mut domains = Vec::with_capacity(file.domains.len());
        if file.domains.is_empty() {
            p.add("domains", "at least one domain is required");
        }
        for (d, domain) in file.domains.into_iter().enumerate() {
            let at = format!("domains[{d}]");
            let id = domain.id.get_ref().clone();
            if !KNOWN_DOMAINS.contains(&id.as_str()) {
                p.add(located(format!("{at}.id"), lines.at(&domain.id)), format!("'{id}' is not a known domain; use one of: {}", KNOWN_DOMAINS.join(", ")));
            }
            if !domain_ids.insert(id.clone()) {
                p.add(located(format!("{at}.id"), lines.at(&domain.id)), format!("domain '{id}' appears twice"));
            }
            if domain.questions.is_empty() {
                p.add(located(format!("{at}.questions"), lines.at(&domain.id)), "a domain needs at least one question");
            }
            let mut questions = Vec::with_capacity(domain.questions.len());
            for (q, question) in domain.questions.into_iter().enumerate() {
                let qat = format!("{at}.questions[{q}]");
                let qid = question.id.get_ref().clone();
                if !question_ids.insert(qid.clone()) {
                    p.add(located(format!("{qat}.id"), lines.at(&question.id)), format!("question id '{qid}' is used twice"));
                }
                if question.options.len() < 2 {
                    p.add(located(format!("{qat}.options"), lines.at(&question.id)), "a question needs at least two answers to choose from");
                }
                let mut option_ids = HashSet::new();
                let mut options = Vec::with_capacity(question.options.len());
                for (o, option) in question.options.into_iter().enumerate() {
                    let oat = format!("{qat}.options[{o}]");
                    let points = *option.points.get_ref();
                    if points < 0 {
                        p.add(located(format!("{oat}.points"), lines.at(&option.points)), format!("{points} is negative; points must be 0 or more"));
                    } else if points > 1000 {
                        p.add(
                            located(format!("{oat}.points"), lines.at(&option.points)),
                            format!("{points} is more than 1000 points for one answer; check the number"),
                        );
                    }
                    if !option_ids.insert(option.id.get_ref().clone()) {
                        p.add(
                            located(format!("{oat}.id"), lines.at(&option.id)),
                            format!("answer id '{}' is used twice in this question", option.id.get_ref()),
                        );
                    }
                    let reduction = option.reduces_points_percent.as_ref().and_then(|r| {
                        let field = located(format!("{oat}.reduces_points_percent"), lines.at(r));
                        match r.get_ref().trim().parse::<Decimal>() {
                            Ok(v) if v >= Decimal::ZERO && v <= Decimal::ONE_HUNDRED && v.scale() <= 2 => Some(v),
                            _ => {
                                p.add(field, format!("'{}' is not a percentage from 0 to 100 (at most two decimal places)", r.get_ref()));
                                None
                            }
                        }
                    });
                    options.push(AnswerOption { id: option.id.into_inner(), label: option.label, points, reduces_points_percent: reduction });
                }
                answers_by_question.insert(qid.clone(), options.iter().map(|o| o.id.clone()).collect());
                questions.push(Question { id: qid, text: question.text, options });
            }
            domains.push(NeedDomain { id, name: domain.name, questions });
        }
        let allocation = match file.allocation.validate(&lines, &answers_by_question) {
            Ok(a) => Some(a),
            Err(problems) => {
                p.extend(problems);
                None
            }
        };
        if !p.is_empty() {
            return Err(fail(p));
        }
        Ok(Questionnaire { id: file.id.into_inner(), version: file.version.into_inner(), title: file.title, allocation: allocation.expect("checked"), domains })
    }

    pub fn questions(&self) -> impl Iterator<Item = (&NeedDomain, &Question)> {
        self.domains.iter().flat_map(|d| d.questions.iter().map(move |q| (d, q)))
    }

    /// Scores a set of answers (question id → answer id). Every question must be answered
    /// with one of its own answers; unknown questions are refused.
    pub fn score(&self, answers: &BTreeMap<String, String>) -> Result<Scores, Problems> {
        let mut p = Problems::new();
        let mut domains = Vec::with_capacity(self.domains.len());
        let mut reduction: Option<(Decimal, String)> = None;
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
                            if let Some(r) = option.reduces_points_percent.filter(|r| !r.is_zero()) {
                                // Several support answers do not compound: the largest applies.
                                if reduction.as_ref().is_none_or(|(current, _)| r > *current) {
                                    reduction = Some((r, option.label.clone()));
                                }
                            }
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
        let (reduction_percent, reduction_reason) = match reduction {
            Some((r, why)) => (r, Some(why)),
            None => (Decimal::ZERO, None),
        };
        p.into_result(Scores { questionnaire_id: self.id.clone(), questionnaire_version: self.version, domains, reduction_percent, reduction_reason })
    }
}

/// The points an assessment scored, per domain, with the answers behind them.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Scores {
    pub questionnaire_id: String,
    pub questionnaire_version: i64,
    pub domains: Vec<DomainScore>,
    /// The percentage by which informal support reduces the points counted.
    #[serde(default, with = "rust_decimal::serde::str")]
    #[cfg_attr(feature = "openapi", schema(value_type = String, example = "20"))]
    pub reduction_percent: Decimal,
    /// The answer behind the reduction, if any.
    #[serde(default)]
    pub reduction_reason: Option<String>,
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

    /// Whether `question_id` was answered with one of `answer_ids`.
    pub fn answered(&self, question_id: &str, answer_ids: &[String]) -> bool {
        self.domains.iter().flat_map(|d| d.answers.iter()).any(|a| a.question_id == question_id && answer_ids.contains(&a.answer_id))
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
        assert_eq!(scores.reduction_percent, Decimal::ZERO);
    }

    #[test]
    fn informal_support_reduces_points() {
        let q = Questionnaire::standard();
        let mut answers = highest_answers(&q);
        answers.insert("carer_sustainability".into(), "fine".into());
        let scores = q.score(&answers).unwrap();
        assert_eq!(scores.reduction_percent, Decimal::from(20));
        assert_eq!(scores.reduction_reason.as_deref(), Some("They are managing well and want to keep supporting me"));
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
    fn bad_files_name_the_file_field_and_line() {
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
        let mobility_line = bad.lines().position(|l| l.contains("\"mobilty\"")).unwrap() + 1;
        assert!(err.problems.as_slice().iter().any(|e| e.field == format!("domains[2].id (line {mobility_line})")), "{text}");
    }

    #[test]
    fn syntax_errors_give_a_line() {
        let err = Questionnaire::from_toml("broken.toml", "id = \"x\"\nversion = \n").unwrap_err();
        assert!(err.problems.as_slice()[0].field.starts_with("line 2"), "{err}");
    }
}
