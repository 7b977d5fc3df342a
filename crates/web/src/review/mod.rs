//! Step 6 in HTTP: safety (DBS checks, safeguarding concerns, outcome surveys) in the API.

pub(crate) mod api;
