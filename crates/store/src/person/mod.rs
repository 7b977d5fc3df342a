//! Step 1: councils, people, their contacts, teams and caseloads ([`people`]), and the
//! supported self-assessment, recorded once and reused ([`assessments`]).

pub(crate) mod assessments;
pub(crate) mod commissioned;
pub(crate) mod people;
