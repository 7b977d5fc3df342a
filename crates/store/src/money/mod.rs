//! Steps 4–5: opening a budget account and moving its money, every entry through
//! [`accounts::post`] (the store's half of the money gate): payments and spending
//! ([`accounts`]), payment runs and bank files ([`payments`]), provider claims
//! ([`claims`]), bank details under a two-person control ([`bank_details`]), the direct-payment audit and recovery ([`audit`]), personal-assistant
//! payroll ([`payroll`]).

pub(crate) mod accounts;
pub(crate) mod audit;
pub(crate) mod bank_details;
pub(crate) mod claims;
pub(crate) mod payments;
pub(crate) mod payroll;
