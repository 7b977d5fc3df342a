//! What every form page shares: the GOV.UK error summary's entries, and the values a
//! person typed with the problem found in each, so a refused form comes back as typed.

use selfdirect_domain::{FieldError, Problems};
use std::collections::HashMap;

/// One entry of the error summary: a message and the field it links to.
pub struct SummaryError {
    pub href: String,
    pub message: String,
}

/// A problem as a sentence: "is £5.00 …" about `amount` reads "The amount is £5.00 …".
pub fn sentence(field: &str, problem: &str) -> String {
    if problem.starts_with("is ") || problem.starts_with("must ") {
        let words = field.rsplit(['.', ']']).next().unwrap_or(field).replace('_', " ");
        capitalise(&format!("the {words} {problem}"))
    } else {
        capitalise(problem)
    }
}

pub fn capitalise(text: &str) -> String {
    let mut chars = text.chars();
    chars.next().map(|c| c.to_uppercase().chain(chars).collect()).unwrap_or_default()
}

/// A simple form's typed values and per-field problems.
#[derive(Default)]
pub struct FormState {
    pub typed: HashMap<String, String>,
    pub field_errors: HashMap<String, String>,
    pub errors: Vec<SummaryError>,
}

impl FormState {
    pub fn value(&self, field: &str) -> &str {
        self.typed.get(field).map(String::as_str).unwrap_or("")
    }

    pub fn error(&self, field: &str) -> Option<&str> {
        self.field_errors.get(field).map(String::as_str)
    }

    /// Adds a problem under its field and in the summary, linking to the field.
    pub fn add(&mut self, field: &str, message: String) {
        self.errors.push(SummaryError { href: format!("#{field}"), message: message.clone() });
        self.field_errors.insert(field.to_string(), message);
    }

    /// The form as typed, with every problem the store found.
    pub fn refused(typed: HashMap<String, String>, problems: Problems) -> FormState {
        FormState::refused_saying(typed, problems, &[])
    }

    /// As [`FormState::refused`], with the words a form gives for a field left empty
    /// (`("reason", "Choose why support is ending")`), as the GOV.UK pattern asks.
    pub fn refused_saying(typed: HashMap<String, String>, problems: Problems, when_missing: &[(&str, &str)]) -> FormState {
        let mut form = FormState { typed, ..FormState::default() };
        for p in problems.into_vec() {
            form.add_problem(&p.field, &p, when_missing);
        }
        form
    }

    /// Adds the store's problem `p` under the form's field `at` (where the form names a
    /// field differently): the form's words for an empty field, or the problem as a sentence.
    pub fn add_problem(&mut self, at: &str, p: &FieldError, when_missing: &[(&str, &str)]) {
        let missing = p.problem.starts_with("is required").then(|| when_missing.iter().find(|(field, _)| *field == at)).flatten();
        let message = missing.map(|(_, words)| words.to_string()).unwrap_or_else(|| sentence(&p.field, &p.problem));
        self.add(at, message);
    }
}
