//! Step 5: money. The amount type ([`Money`], integer pence), the double-entry
//! [`ledger`] and its gate, what a four-weekly [`payment_run`] pays, provider [`claims`],
//! Care Act [`contributions`], bank [`payment_files`], the direct-payment [`audit`] and
//! recovery, personal-assistant [`payroll`], and [`statement`]s in words.

mod pence;
pub use pence::*;

pub mod audit;
pub mod claims;
pub mod contributions;
pub mod ledger;
pub mod payment_files;
pub mod payment_run;
pub mod payroll;
pub mod statement;
