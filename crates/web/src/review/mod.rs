//! Step 6 in HTTP: safety (DBS checks, safeguarding concerns, outcome surveys) and endings
//! in the API; ending support in the pages.

pub(crate) mod api;
pub(crate) mod pages;
