//! Step 5 in HTTP: the money API (runs, files, claims, audit, payroll) and the finance
//! officer's and provider's pages.

pub(crate) mod api;
pub(crate) mod pages;
