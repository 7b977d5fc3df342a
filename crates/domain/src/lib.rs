//! The rules of self-directed support, as plain types and functions (no I/O).
//!
//! Modules follow the chain a person goes through:
//! 1. [`person`] and [`assessment`] — who the person is and one reusable self-assessment;
//! 2. [`ras`] — the Resource Allocation System: points to an indicative budget, explained;
//!    [`calibration`] fits it to real spend and tries proposed rules on the population;
//! 3. [`plan`] — the support plan, its lines, costs and approval states;
//! 4. [`deployment`] — how the money is held (direct payment, managed, ISF, mixed), and
//!    [`streams`] — the funding streams a budget combines, each with its own rules;
//! 5. [`ledger`] — the double-entry ledger of a budget account; [`contributions`],
//!    [`payment_run`] and [`payment_files`] — what is paid every four weeks, and how;
//! 6. [`review`] — when reviews fall due;
//! 7. [`uptake`] — the share of people on personal budgets and direct payments.
//!
//! [`money`], [`dates`] and [`validation`] are shared by all steps.

pub mod access;
pub mod assessment;
pub mod audit;
pub mod calibration;
pub mod claims;
pub mod codes;
pub mod contributions;
pub mod dates;
pub mod deployment;
pub mod ledger;
pub mod market;
pub mod money;
pub mod payment_files;
pub mod payment_run;
pub mod payroll;
pub mod person;
pub mod plan;
pub mod ras;
pub mod review;
pub mod safeguarding;
pub mod statement;
pub mod statutory;
pub mod streams;
pub mod survey;
pub mod uptake;
pub mod validation;

pub use money::Money;
pub use validation::{FieldError, Problems};
