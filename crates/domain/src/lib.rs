//! The rules of self-directed support, as plain types and functions (no I/O).
//!
//! Modules follow the chain a person goes through:
//! 1. [`person`] and [`assessment`] — who the person is and one reusable self-assessment;
//! 2. [`ras`] — the Resource Allocation System: points to an indicative budget, explained;
//!    [`ras::calibration`] fits it to real spend and tries proposed rules on the population;
//! 3. [`plan`] — the support plan, its lines, costs and approval states;
//! 4. [`deployment`] — how the money is held (direct payment, managed, ISF, mixed), and
//!    [`deployment::streams`] — the funding streams a budget combines, each with its rules;
//! 5. [`money`] — the amount type, the double-entry ledger and its gate (every movement of
//!    money is one of [`money::ledger`]'s operations), payment runs, claims, contributions,
//!    bank files, audit and recovery, payroll, statements;
//! 6. [`review`] — when reviews fall due, and [`review::safeguarding`] (DBS, concerns);
//! 7. [`learning`] — uptake, outcome surveys, the statutory return, market intelligence.
//!
//! [`access`] decides who may do what to which record (the access gate's rule);
//! [`ids`] are the typed record ids the store's use cases take;
//! [`dates`], [`validation`], [`codes`] and [`export`] (CSV safe for spreadsheets) are shared
//! by all steps.

pub mod access;
pub mod assessment;
pub mod calendar;
pub mod codes;
pub mod dates;
pub mod deployment;
pub mod export;
pub mod ids;
pub mod learning;
pub mod money;
pub mod person;
pub mod plan;
pub mod ras;
pub mod review;
pub mod validation;

pub use money::Money;
pub use validation::{FieldError, Problems};
