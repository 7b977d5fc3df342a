//! Steps 3–5 as the person sees them: their budget page, the plan form, choosing how the
//! money is held, recording spending, and who has looked at their record.

pub(crate) mod pages;
pub(crate) mod revisions;
