//! Step 7: learning. [`uptake`] (the ASCOF shares), outcome [`survey`]s, the quarterly
//! [`statutory`] return, and [`market`] intelligence for commissioners and providers.

pub mod cld_lists;
pub mod market;
pub mod statutory;
pub mod survey;
pub mod uptake;
